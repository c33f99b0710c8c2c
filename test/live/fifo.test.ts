/**
 * stdin as a named pipe (a FIFO), which is what a shell's `tcpdump -w - |
 * handshake-lens -` gives: read on the thread pool and made 1 MiB
 * (src/capture/pipe.ts), where node's socket-pair pipes (stream.test.ts) go
 * through process.stdin. Live results must still come out as they happen, and
 * the tool must exit at once when it stops reading while the writer is
 * silent: a read left waiting on the pipe cannot be cancelled.
 *
 * fixtures/pool-sequential-5conns-1s.pcap: 5 HTTP connections one second apart
 * (tshark: tcp.stream 0..4, 95 frames over 4.07 s); the corrupt capture's
 * frame count comes from capinfos (test/golden).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fixture, tsharkStreams, type TsharkStream } from '../ui/fixtures.js';
import { ensureBuilt, ep, exited, fifoTool, killStarted, type Line } from './helpers.js';
import { fixturePath } from '../capture/helpers.js';
import { runCli } from '../helpers/cli.js';

const FILE = fixture('pool-sequential-5conns-1s.pcap');
let expected: TsharkStream[];

beforeAll(() => {
  ensureBuilt();
  expected = tsharkStreams(FILE);
}, 200_000);
afterEach(killStarted);

/** The size the kernel lets an unprivileged process give a pipe (capped at 1 MiB as the tool asks). */
const pipeSize = Math.min(1 << 20, Number(readFileSync('/proc/sys/fs/pipe-max-size', 'utf8')));
/** What the tool says of the pipe's size: it asks through perl (every Debian/Ubuntu has it; not every system). */
const sizeSaid = spawnSync('perl', ['-e', '1']).status === 0 ? `made ${pipeSize / 1024} KiB` : 'not made larger (no perl)';

/**
 * The capture read by name (with the exit status it must have), and a tool started on a FIFO
 * with its exit awaited: the test starts the writer and compares what both printed.
 */
async function byNameAndFifo(name: string, status: number, env?: Record<string, string>) {
  const byName = runCli([fixturePath(name), '--format', 'ndjson']);
  expect(byName.code).toBe(status);
  const t = await fifoTool(['--format', 'ndjson', '-'], env);
  return { byName, t, code: exited(t.tool) };
}

test('tshark sees 5 streams in the fixture', () => {
  expect(expected.map((e) => e.stream)).toEqual([0, 1, 2, 3, 4]);
});

test('NDJSON from a FIFO: each closed connection is written while the writer is still sending; the pipe was made larger and read on the thread pool', async () => {
  const t = await fifoTool(['--format', 'ndjson', '-']);
  await t.err.until((x) => x.includes('SIGINT stops'), 60_000);
  const code = exited(t.tool);
  const r = t.startReplay(FILE, []);
  await r.replayErr.until((x) => x.includes('replay: done'));
  const doneAt = r.replayErr.timeAt(r.replayErr.text.indexOf('replay: done') + 1);
  expect(await code).toBe(0);
  const lines = t.out.lines().map((l) => JSON.parse(l) as Line);
  expect(lines.map((l) => l.id).sort()).toEqual([0, 1, 2, 3, 4]);
  for (const l of lines) {
    const e = expected.find((x) => x.stream === l.id)!;
    expect([ep(l.client), ep(l.server), l.state]).toEqual([e.client, e.server, 'complete']);
  }
  // Connection 0 closed ~4 s before the replay's last record: its line is out long before.
  expect(doneAt - t.out.timeAt(t.out.text.indexOf('\n') + 1)).toBeGreaterThan(2000);
  expect(t.err.text).toContain(`debug: stdin is a pipe, ${sizeSaid}, read on the thread pool`);
}, 60_000);

test('SIGINT with the writer silent after its last record: what was read is written, exit 130 at once', async () => {
  const t = await fifoTool(['--format', 'ndjson', '-']);
  const code = exited(t.tool);
  const r = t.startReplay(FILE, ['--hold', '--speed', '1']); // --hold: the pipe stays open, silent
  await t.out.until((x) => x.split('\n').length > 2); // two connections out
  t.tool.kill('SIGINT');
  // Without the exit for a read left waiting, the tool would wait for the replay to write or close.
  expect(await code).toBe(130);
  expect(r.replay.exitCode).toBeNull();
  const ids = t.out.lines().map((l) => (JSON.parse(l) as Line).id).sort((a, b) => a - b);
  expect(ids.length).toBeGreaterThanOrEqual(2);
  expect(ids).toEqual(ids.map((_v, i) => i));
  expect(t.err.text).toMatch(/debug: stdin is a pipe, .*read on the thread pool/);
}, 60_000);

test('a corrupt record, then a silent writer: the frames before it, one error line, exit 1 at once', async () => {
  const name = 'suricata-tls12-corrupt-last-record.pcap';
  const { byName, t, code } = await byNameAndFifo(name, 1);
  // The writer sends the capture and stays open, saying nothing more (like a quiet tcpdump).
  const w = t.startWriter('sh', ['-c', 'cat "$0"; exec sleep 600', fixturePath(name)]);
  expect(await code).toBe(1);
  expect(w.replay.exitCode).toBeNull();
  expect(t.out.text).toBe(byName.stdout);
  const errors = t.err.text.split('\n').filter((l) => l.startsWith('error:'));
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatch(/frame 7/);
  expect(errors).toEqual(byName.stderr.split('\n').filter((l) => l.startsWith('error:')));
}, 60_000);

test('stdout closed early (`| head -1`) while a read waits on the silent pipe: the tool still exits, status 0', async () => {
  // EPIPE exits with process.exit, which waits for libuv's threads: a thread blocked in a pipe
  // read must be freed on the way out (capture/pipe.ts's exit hook), or the tool never ends.
  const t = await fifoTool(['--format', 'ndjson', '-']);
  const code = exited(t.tool);
  const r = t.startReplay(FILE, ['--hold', '--speed', '1']);
  // Four connections out: the fifth's line comes after the replay's last record, when the pipe is
  // silent and a read is blocked on it, and meets the closed stdout.
  await t.out.until((x) => x.split('\n').length > 4);
  t.tool.stdout!.destroy();
  await r.replayErr.until((x) => x.includes('replay: done'));
  expect(await code).toBe(0);
  expect(r.replay.exitCode).toBeNull(); // the writer is still there, silent (--hold)
}, 60_000);

test('without perl the pipe keeps its 64 KiB and is still read on the thread pool: the same lines as the file by name', async () => {
  const name = 'zeek-tls12-basic.pcap';
  // No PATH: the tool is started by absolute path and finds no perl.
  const { byName, t, code } = await byNameAndFifo(name, 0, { PATH: '/nonexistent' });
  t.startWriter('/bin/cat', [fixturePath(name)]);
  expect(await code).toBe(0);
  expect(t.out.text).toBe(byName.stdout);
  expect(t.err.text).toContain('debug: stdin is a pipe, not made larger (no perl), read on the thread pool');
}, 60_000);

test('a writer of uneven pieces (1 byte to 64 KiB, some after a pause): the same connections as the file by name', async () => {
  // 200 connections, one request each: records cut anywhere, chunks handed over while reads wait.
  const name = 'pool-rate-200req-conn-per-request.pcap';
  const { byName, t, code } = await byNameAndFifo(name, 0);
  // A seeded writer: piece sizes from a linear congruential sequence, a 1-5 ms pause before every 16th.
  const writer =
    'const b = require("fs").readFileSync(process.argv[1]); let s = 7, o = 0;' +
    'const next = () => { s = (s * 1103515245 + 12345) % 2147483648; return s; };' +
    'const step = () => { if (o >= b.length) return; const n = 1 + (next() % (next() % 8 === 0 ? 65536 : 1500));' +
    ' const piece = b.subarray(o, o + n); o += n; const pause = next() % 16 === 0 ? 1 + (next() % 5) : 0;' +
    ' if (!process.stdout.write(piece)) process.stdout.once("drain", () => setTimeout(step, pause)); else setTimeout(step, pause); };' +
    'step();';
  t.startWriter(process.execPath, ['-e', writer, fixturePath(name)]);
  expect(await code).toBe(0);
  const sorted = (text: string) => text.split('\n').filter(Boolean).sort();
  expect(sorted(t.out.text)).toHaveLength(200);
  expect(sorted(t.out.text)).toEqual(sorted(byName.stdout));
}, 60_000);
