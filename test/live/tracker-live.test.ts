/**
 * The tracker on a live source: a closed connection is finalized once it has
 * been quiet for liveLingerMs of wall-clock time (driven here by a fake clock),
 * while offline (no liveLingerMs) expire() does nothing. The capture is real:
 * fixtures/pool-sequential-5conns-1s.pcap, 5 connections closed by FIN/FIN;
 * tshark gives each stream's last frame.
 */
import { readCapture } from '../../src/capture/index.js';
import { decodeFrame } from '../../src/decode/index.js';
import { ConnectionTracker } from '../../src/tcp/tracker.js';
import type { TcpConnection } from '../../src/tcp/connection.js';
import { LiveReport } from '../../src/report/live.js';
import { analyzeFile, applyLateFindings } from '../../src/analyze.js';
import { fixture } from '../ui/fixtures.js';
import { isRow, type ConnRow } from '../../src/report/rows.js';
import { summarize } from '../../src/report/index.js';
import { connectionColumns } from '../../src/view/model.js';
import { tsharkText } from '../helpers/tshark.js';

const FILE = fixture('pool-sequential-5conns-1s.pcap');

/** tshark: last frame per tcp.stream. */
function lastFrames(): Map<number, number> {
  const m = new Map<number, number>();
  const rows = tsharkText(['-r', FILE, '-T', 'fields', '-e', 'frame.number', '-e', 'tcp.stream']);
  for (const r of rows.trim().split('\n')) {
    const [f, s] = r.split('\t').map(Number) as [number, number];
    m.set(s, f);
  }
  return m;
}

test('a closed connection is finalized after liveLingerMs of wall-clock quiet, not before', async () => {
  const last = lastFrames();
  let clock = 0;
  const finals: TcpConnection[] = [];
  const t = new ConnectionTracker(() => undefined, (c) => finals.push(c), { liveLingerMs: 500, clock: () => clock });
  const frames: { n: number; data: Buffer; ts: [number, number]; len: number; lt: number }[] = [];
  await readCapture(FILE, (f) => frames.push({ n: f.number, data: Buffer.from(f.data), ts: [f.tsSec, f.tsNsec], len: f.origLen, lt: f.linkType }));
  // Feed up to the last frame of stream 0, one "millisecond" per frame.
  for (const f of frames) {
    if (f.n > last.get(0)!) break;
    clock++;
    const p = decodeFrame(f.data, f.lt);
    if (p.tcp) t.packet(p, { frame: f.n, tsSec: f.ts[0], tsNsec: f.ts[1] }, f.len);
  }
  expect(t.expire(clock + 499)).toBe(0);
  expect(finals).toHaveLength(0);
  expect(t.expire(clock + 500)).toBe(1);
  expect(finals.map((c) => c.id)).toEqual([0]);
  expect(finals[0]!.lastStamp.frame).toBe(last.get(0));
  expect([...t.openConnections()]).toHaveLength(0);
});

test('a wall clock that reads 0 is a time like any other: the connection still lingers', async () => {
  const last = lastFrames();
  const finals: TcpConnection[] = [];
  // Every packet at wall time 0 (a clock from 0, as a test or an embedding may give).
  const t = new ConnectionTracker(() => undefined, (c) => finals.push(c), { liveLingerMs: 500, clock: () => 0 });
  await readCapture(FILE, (f) => {
    if (f.number > last.get(0)!) return;
    const p = decodeFrame(f.data, f.linkType);
    if (p.tcp) t.packet(p, { frame: f.number, tsSec: f.tsSec, tsNsec: f.tsNsec }, f.origLen);
  });
  expect(t.expire(499)).toBe(0);
  expect(finals).toHaveLength(0);
  expect(t.expire(500)).toBe(1);
  expect(finals.map((c) => c.id)).toEqual([0]);
});

test('offline (no liveLingerMs): expire() never finalizes anything', async () => {
  const finals: number[] = [];
  const t = new ConnectionTracker(() => undefined, (c) => finals.push(c.id));
  await readCapture(FILE, (f) => {
    const p = decodeFrame(f.data, f.linkType);
    if (p.tcp) t.packet(p, { frame: f.number, tsSec: f.tsSec, tsNsec: f.tsNsec }, f.origLen);
  });
  expect(t.expire(Number.MAX_SAFE_INTEGER)).toBe(0);
  expect(finals).toEqual([]);
  t.finish();
  expect(finals).toEqual([0, 1, 2, 3, 4]);
});

test('analyzeFile with a live report: the same records as offline, all fed to the report', async () => {
  const offline = await analyzeFile(FILE);
  const report = new LiveReport();
  const live = await analyzeFile(FILE, { live: { report } });
  expect(live.connections).toEqual(offline.connections);
  const snap = report.snapshot();
  expect(snap.finished).toBe(5);
  expect(snap.open.size).toBe(0);
  expect(snap.summary.byState.complete).toBe(5);
  expect(snap.destinations.map((d) => d.connections)).toEqual([5]);
  // the snapshot is computed again only after a change
  expect(report.snapshot()).toBe(snap);
});

test('the live report keeps rows, not records: the same findings as offline (retries included), the same table text', async () => {
  const name = fixture('findings/g-retry-after-connect-timeout.pcap');
  const offline = await analyzeFile(name);
  const report = new LiveReport();
  await analyzeFile(name, { live: { report }, rows: true });
  const snap = report.snapshot();
  expect(snap.connections.every((c) => isRow(c))).toBe(true);
  const ids = (cs: readonly ConnRow[]) => cs.map((c) => `${c.transport}${c.id}`).sort();
  expect(ids(snap.connections)).toEqual(ids(offline.connections));
  const findings = (cs: readonly ConnRow[]) =>
    [...cs].sort((a, b) => a.id - b.id).map((c) => c.findings.map((f) => `${c.id}:${f.code}:${f.frame}`));
  expect(findings(snap.connections).flat().some((f) => f.includes(':retry'))).toBe(true);
  expect(findings(snap.connections)).toEqual(findings(offline.connections));
  const cols = connectionColumns();
  const text = (cs: readonly ConnRow[]) => [...cs].sort((a, b) => a.id - b.id).map((c) => cols.map((col) => col.cell(c)).join('|'));
  expect(text(snap.connections)).toEqual(text(offline.connections));
  expect(snap.summary).toEqual(summarize(offline.connections));
});

test('late findings (a retry found after its connection was added) reach the live report\'s row, as applyLateFindings does', async () => {
  const rec = (await analyzeFile(fixture('findings/g-retry-backoff.pcap'))).connections[1]!;
  const report = new LiveReport();
  report.add(rec);
  const v0 = report.changes;
  const late = [{ code: 'retry' as const, severity: 'info' as const, frame: 3, detail: 'late' }];
  report.applyLate(rec.id, late);
  expect(report.changes).toBeGreaterThan(v0);
  report.applyLate(rec.id + 1000, late); // no such row: nothing changes
  const copy = structuredClone(rec);
  applyLateFindings(copy, late);
  const row = report.snapshot().connections[0]!;
  expect(row.findings.map((f) => `${f.code}:${f.frame}:${f.severity}`)).toEqual(copy.findings.map((f) => `${f.code}:${f.frame}:${f.severity}`));
  expect(row.findings.some((f) => f.frame === 3 && f.code === 'retry')).toBe(true);
});
