/**
 * A live source: a recorded capture replayed at its original pace through a
 * pipe (scripts/replay-pcap.mjs), read from stdin by the built CLI.
 *
 * fixtures/pool-sequential-5conns-1s.pcap holds 5 HTTP connections on
 * loopback, one second apart, each closed by FIN/FIN within milliseconds
 * (tshark: tcp.stream 0..4, 95 frames over 4.07 s). Expected endpoints come
 * from tshark.
 */
import { fixture, tsharkStreams, type TsharkStream } from '../ui/fixtures.js';
import { Readable } from 'node:stream';
import { readSavedAnalysisStream } from '../../src/output/protobuf.js';
import { ensureBuilt, ep, exited, killStarted, replayInto, replayIntoReady, type Line } from './helpers.js';
import { tsharkText } from '../helpers/tshark.js';

const FILE = fixture('pool-sequential-5conns-1s.pcap');
let expected: TsharkStream[];
/** tshark: the first frame of each tcp.stream. */
let firstFrame: Map<number, number>;

beforeAll(() => {
  ensureBuilt();
  expected = tsharkStreams(FILE);
  firstFrame = new Map();
  const rows = tsharkText(['-r', FILE, '-T', 'fields', '-e', 'frame.number', '-e', 'tcp.stream']);
  for (const row of rows.trim().split('\n')) {
    const [frame, stream] = row.split('\t').map(Number) as [number, number];
    if (!firstFrame.has(stream)) firstFrame.set(stream, frame);
  }
}, 200_000);

/** The streams tshark starts within the first `frames` frames. */
const streamsWithin = (frames: number): number[] =>
  [...firstFrame].filter(([, f]) => f <= frames).map(([s]) => s).sort((a, b) => a - b);

afterEach(killStarted);

function checkAgainstTshark(lines: Line[]): void {
  for (const l of lines) {
    const e = expected.find((x) => x.stream === l.id);
    expect(e).toBeDefined();
    expect(ep(l.client)).toBe(e!.client);
    expect(ep(l.server)).toBe(e!.server);
  }
}

test('tshark sees 5 streams in the fixture', () => {
  expect(expected.map((e) => e.stream)).toEqual([0, 1, 2, 3, 4]);
});

test('NDJSON: each closed connection is written while the writer is still sending, within about a second', async () => {
  // The replay starts once the CLI reads: the timing below is the CLI's, not node's start-up under load.
  const r = await replayIntoReady(FILE, [], ['--format', 'ndjson', '-']);
  const code = exited(r.tool);
  await r.replayErr.until((t) => t.includes('replay: done'));
  const doneAt = r.replayErr.timeAt(r.replayErr.text.indexOf('replay: done') + 1);
  expect(await code).toBe(0);
  const lines = r.out.lines().map((l) => JSON.parse(l) as Line);
  expect(lines.map((l) => l.id).sort()).toEqual([0, 1, 2, 3, 4]);
  expect(lines.every((l) => l.state === 'complete')).toBe(true);
  checkAgainstTshark(lines);
  // Connection 0 closed ~4.0 s before the last record was written: its line
  // must be out long before (a 60 s capture-time linger would hold it to the end).
  const firstLineAt = r.out.timeAt(r.out.text.indexOf('\n') + 1);
  expect(doneAt - firstLineAt).toBeGreaterThan(2000);
  // Connections 0..3 are out before the writer finished.
  const beforeDone = r.out.arrivals.filter((a) => a.at < doneAt).pop()?.length ?? 0;
  expect(r.out.text.slice(0, beforeDone).split('\n').filter(Boolean).length).toBeGreaterThanOrEqual(4);
}, 60_000);

test('SIGINT in the middle: every connection read so far is written, valid, and the exit status is 130', async () => {
  // --hold: after the last record the pipe stays open, like a quiet tcpdump.
  const r = replayInto(FILE, ['--hold', '--speed', '1'], ['--format', 'ndjson', '-']);
  const code = exited(r.tool);
  await r.out.until((t) => t.split('\n').length > 2); // two connections out
  r.tool.kill('SIGINT');
  expect(await code).toBe(130);
  r.replay.kill('SIGTERM');
  await exited(r.replay);
  const lines = r.out.lines().map((l) => JSON.parse(l) as Line);
  const ids = lines.map((l) => l.id).sort((a, b) => a - b);
  expect(ids.length).toBeGreaterThanOrEqual(2);
  expect(ids.length).toBeLessThan(5);
  expect(ids).toEqual(ids.map((_v, i) => i)); // no connection skipped
  checkAgainstTshark(lines);
  for (const l of lines) expect(['complete', 'open', 'half-closed']).toContain(l.state);
}, 60_000);

test('JSON: SIGINT writes the whole document of what was read, exit 130', async () => {
  const r = replayInto(FILE, ['--hold', '--speed', '20'], ['--format', 'json', '-']);
  const code = exited(r.tool);
  // Once all records are in the pipe and the CLI is ready for Ctrl-C (the
  // pipe stays open: without the SIGINT the CLI would wait for ever).
  await r.replayErr.until((t) => t.includes('replay: done'));
  await r.err.until((t) => t.includes('SIGINT stops'));
  r.tool.kill('SIGINT');
  expect(await code).toBe(130);
  r.replay.kill('SIGTERM');
  const doc = JSON.parse(r.out.text) as { connections: Line[]; capture: { frames: number } };
  // Every connection begun in the frames read is there (however far reading got before the signal).
  expect(doc.connections.map((c) => c.id)).toEqual(streamsWithin(doc.capture.frames));
  checkAgainstTshark(doc.connections);
}, 60_000);

test('the writer closing the pipe is the end of the capture: exit 0, nothing marked open that closed', async () => {
  const r = replayInto(FILE, ['--speed', '20'], ['--format', 'text', '-']);
  expect(await exited(r.tool)).toBe(0);
  expect(r.out.text).toMatch(/5 connections: 5 complete/);
}, 60_000);

test('protobuf: records are written while the writer is still sending; the whole stream reads back', async () => {
  const chunks: Buffer[] = [];
  const arrivals: { at: number; bytes: number }[] = [];
  let bytes = 0;
  const r = await replayIntoReady(FILE, [], ['--format', 'protobuf', '-'], (b) => {
    chunks.push(b);
    bytes += b.length;
    arrivals.push({ at: Date.now(), bytes });
  });
  const code = exited(r.tool);
  await r.replayErr.until((t) => t.includes('replay: done'));
  const doneAt = r.replayErr.timeAt(r.replayErr.text.indexOf('replay: done') + 1);
  expect(await code).toBe(0);
  // Something (header and the first connections) was out well before the writer finished.
  expect(arrivals.length).toBeGreaterThan(1);
  expect(doneAt - arrivals[0]!.at).toBeGreaterThan(2000);
  const saved = await readSavedAnalysisStream(Readable.from([Buffer.concat(chunks)]), 'stdout');
  expect(saved.connections.map((c) => c.id).sort()).toEqual([0, 1, 2, 3, 4]);
  checkAgainstTshark(saved.connections);
}, 60_000);
