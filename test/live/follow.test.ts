/**
 * --follow: a capture file still being written is read to its end and then
 * watched, like `tail -f`, until SIGINT. The file grows here by whole
 * connections copied from fixtures/pool-sequential-5conns-1s.pcap (tshark:
 * tcp.stream 0..4, streams start at frames 1, 20, 39, 58, 77).
 */
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fixture } from '../ui/fixtures.js';
import { Collected, childEnv, cli, ensureBuilt, exited, root } from './helpers.js';
import { tsharkText } from '../helpers/tshark.js';

const FILE = fixture('pool-sequential-5conns-1s.pcap');
let dir: string;
/** Byte offset where each tshark stream's first record starts. */
let cuts: number[];

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(path.join(tmpdir(), 'hl-follow-'));
  const first = new Map<number, number>();
  const rows = tsharkText(['-r', FILE, '-T', 'fields', '-e', 'frame.number', '-e', 'tcp.stream']);
  for (const row of rows.trim().split('\n')) {
    const [frame, stream] = row.split('\t').map(Number) as [number, number];
    if (!first.has(stream)) first.set(stream, frame);
  }
  // pcap record offsets, frame by frame
  const buf = readFileSync(FILE);
  const offsets: number[] = [];
  for (let off = 24; off + 16 <= buf.length; off += 16 + buf.readUInt32LE(off + 8)) offsets.push(off);
  cuts = [...first.values()].map((f) => offsets[f - 1]!);
}, 200_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('connections written to the file later are read; SIGINT ends with exit 130', async () => {
  const buf = readFileSync(FILE);
  const file = path.join(dir, 'growing.pcap');
  writeFileSync(file, buf.subarray(0, cuts[2])); // streams 0 and 1
  const tool = spawn('node', [cli, '--follow', '--format', 'ndjson', file], { cwd: root, env: childEnv({ HANDSHAKE_LENS_DEBUG: '1' }) });
  const out = new Collected(tool.stdout);
  const err = new Collected(tool.stderr);
  const code = exited(tool);
  try {
    await out.until((t) => t.split('\n').length > 2);
    expect(out.lines().map((l) => (JSON.parse(l) as { id: number }).id)).toEqual([0, 1]);
    appendFileSync(file, buf.subarray(cuts[2])); // the rest: streams 2..4
    await out.until((t) => t.split('\n').length > 5);
    const lines = out.lines().map((l) => JSON.parse(l) as { id: number; state: string });
    expect(lines.map((l) => l.id)).toEqual([0, 1, 2, 3, 4]);
    expect(lines.every((l) => l.state === 'complete')).toBe(true);
    await err.until((t) => t.includes('SIGINT stops'));
    tool.kill('SIGINT');
    expect(await code).toBe(130);
  } finally {
    if (tool.exitCode === null) tool.kill('SIGKILL');
  }
}, 60_000);

test('--follow with standard input is a usage error (exit 2)', () => {
  const r = execFileSyncStatus(['--follow', '-']);
  expect(r).toBe(2);
});

function execFileSyncStatus(args: string[]): number | null {
  try {
    execFileSync('node', [cli, ...args], { cwd: root, env: childEnv(), stdio: ['ignore', 'ignore', 'ignore'] });
    return 0;
  } catch (e) {
    return (e as { status: number | null }).status;
  }
}
