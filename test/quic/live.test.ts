/**
 * Open QUIC connections in the live snapshot: quic-one-request.pcap written
 * to a growing file frame group by frame group, read with `follow` and a live
 * report, the snapshot waited for after each step. Frames from tshark
 * (test/golden-quic/quic-one-request.pcap.json): 1 = the client's Initial
 * (ClientHello), 2 = the server's Initial + Handshake + 1-RTT, 4 = the
 * client's first 1-RTT after it (the handshake's end, inferred: no keys).
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { analyzeFile } from '../../src/analyze.js';
import { LiveReport, type LiveSnapshot } from '../../src/report/live.js';
import { QUIC_FIXTURES } from './run.js';

const FILE = path.join(QUIC_FIXTURES, 'quic-one-request.pcap');
const golden = JSON.parse(readFileSync(path.resolve(process.cwd(), 'test/golden-quic/quic-one-request.pcap.json'), 'utf8')) as {
  frames: { frame: number; sport: number }[];
  connections: { client: { port: number }; first: { client: Record<string, number>; server: Record<string, number> } }[];
};

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'hl-quic-live-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Resolves when `test` holds for the report's snapshot (checked as the report changes). */
async function snapshotWhere(report: LiveReport, test: (s: LiveSnapshot) => boolean, timeoutMs = 20_000): Promise<LiveSnapshot> {
  const t0 = Date.now();
  for (;;) {
    const s = report.snapshot();
    if (test(s)) return s;
    if (Date.now() - t0 > timeoutMs) throw new Error('snapshot never matched');
    const seen = report.changes;
    while (report.changes === seen && Date.now() - t0 <= timeoutMs) await new Promise((r) => setTimeout(r, 5));
  }
}

test('an open QUIC connection shows in the snapshot, its phase following its packets', async () => {
  const buf = readFileSync(FILE);
  const offsets: number[] = [];
  for (let off = 24; off + 16 <= buf.length; off += 16 + buf.readUInt32LE(off + 8)) offsets.push(off);
  const c = golden.connections[0];
  const [sh, end] = [c.first.server.Initial, c.first.client['1-RTT']];
  expect([sh, end]).toEqual([2, 4]);
  const file = path.join(dir, 'growing.pcap');
  writeFileSync(file, buf.subarray(0, offsets[1])); // header + frame 1
  const report = new LiveReport();
  const abort = new AbortController();
  const done = analyzeFile(file, { follow: true, signal: abort.signal, live: { report, sweepMs: 10 } });
  try {
    const phaseOf = (s: LiveSnapshot) => [...s.open.values()].filter((o) => o.record.transport === 'quic').map((o) => o.phase);
    let s = await snapshotWhere(report, (x) => phaseOf(x).length > 0);
    expect(phaseOf(s)).toEqual(['Initial sent']);
    const rec = [...s.open.values()][0].record;
    expect([rec.transport, rec.client.port, rec.firstFrame, rec.lastFrame]).toEqual(['quic', c.client.port, 1, 1]);

    appendFileSync(file, buf.subarray(offsets[1], offsets[sh])); // the server's first flight
    s = await snapshotWhere(report, (x) => phaseOf(x)[0] === 'TLS…');
    expect([...s.open.values()][0].record.lastFrame).toBe(sh);

    appendFileSync(file, buf.subarray(offsets[sh], offsets[end])); // up to the client's first 1-RTT
    s = await snapshotWhere(report, (x) => phaseOf(x)[0] === 'open');
    const open = [...s.open.values()][0].record;
    expect([open.lastFrame, open.setup.endFrame, open.state]).toEqual([end, end, 'open']);
    expect(s.finished).toBe(0);
  } finally {
    abort.abort();
  }
  const a = await done;
  expect(a.connections.filter((x) => x.transport === 'quic').map((x) => x.lastFrame)).toEqual([end]);
  expect(report.snapshot().open.size).toBe(0);
}, 60_000);
