/**
 * The pool verdict and the comparison on loopback captures recorded by
 * scripts/record-fixtures.sh (scenario `pool`): the same 10 HTTPS requests
 * without keep-alive (one connection each) and with keep-alive (one
 * connection), 5 sequential connections ~1 s apart, and 4 parallel ones.
 * Expected counts, start/end times and overlaps are read from tshark at run time.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { analyzeFile } from '../../src/analyze.js';
import { compareAnalyses, destinations, peakConcurrency, simulatePool } from '../../src/report/index.js';
import { expectedMetrics } from '../metrics/expected.js';
import { tsharkText } from '../helpers/tshark.js';

const fixture = (f: string) => path.resolve(process.cwd(), 'fixtures', f);
const BEFORE = fixture('pool-before-no-keepalive.pcap');
const AFTER = fixture('pool-after-keepalive.pcap');
const SEQ = fixture('pool-sequential-5conns-1s.pcap');
const PAR = fixture('pool-parallel-4conns.pcap');
const have = [BEFORE, AFTER, SEQ, PAR].every((f) => existsSync(f));

interface Stream {
  stream: number;
  start: number;
  end: number;
  syns: number;
}

/** Per tcp.stream: first and last frame time, and SYNs (without ACK) seen, from tshark. */
function tsharkStreams(file: string): Stream[] {
  const out = tsharkText(['-r', file, '-T', 'fields', '-e', 'tcp.stream', '-e', 'frame.time_epoch', '-e', 'tcp.flags.syn', '-e', 'tcp.flags.ack', '-Y', 'tcp']);
  const m = new Map<number, Stream>();
  for (const line of out.split('\n')) {
    if (!line) continue;
    const [s, t, syn, ack] = line.split('\t');
    const id = Number(s);
    const time = Number(t);
    let st = m.get(id);
    if (!st) m.set(id, (st = { stream: id, start: time, end: time, syns: 0 }));
    st.start = Math.min(st.start, time);
    st.end = Math.max(st.end, time);
    if ((syn === '1' || syn === 'True') && (ack === '0' || ack === 'False')) st.syns++;
  }
  return [...m.values()].sort((a, b) => a.stream - b.stream);
}

(have ? describe : describe.skip)('pool verdict on recorded loopback captures', () => {
  test('no keep-alive: every request after the first would reuse the pooled connection', async () => {
    const ts = tsharkStreams(BEFORE);
    expect(ts.length).toBeGreaterThanOrEqual(5);
    // tshark: the connections are strictly sequential (each starts after the previous ended).
    for (let i = 1; i < ts.length; i++) expect(ts[i].start).toBeGreaterThanOrEqual(ts[i - 1].end);
    expect(peakConcurrency(ts)).toBe(1);

    const a = await analyzeFile(BEFORE);
    expect(a.connections.length).toBe(ts.length);
    const r = simulatePool(a.connections);
    expect(r.destinations).toHaveLength(1);
    const d = r.destinations[0];
    expect(d.connections).toBe(ts.length);
    expect(d.poolSize).toBe(1);
    expect(d.handshakesAvoided).toBe(ts.length - 1);
    // Exactly the setup of every connection but the first (by tshark's start time) is saved: the sums of
    // the tshark-derived expectations (test/golden/<fixture>/metrics.json), not of our own records.
    const want = expectedMetrics('pool-before-no-keepalive.pcap');
    const later = [...ts].sort((x, y) => x.start - y.start).slice(1).map((s) => want.find((w) => w.stream === s.stream)!);
    expect(later).toHaveLength(ts.length - 1);
    expect(d.setupMsSaved).toBeCloseTo(later.reduce((n, w) => n + w.setup.ms!, 0), 3);
    expect(d.roundTripsSaved).toBe(later.reduce((n, w) => n + w.setup.roundTrips!, 0));
    expect(d.bytesSaved).toBe(later.reduce((n, w) => n + w.setup.bytes, 0));
    expect(r.total.handshakesAvoided).toBe(ts.length - 1);
    expect(destinations(a.connections)[0].idleGapsSec.count).toBe(ts.length - 1);
    // Most of each short connection's life is its setup: the savings are material.
    expect(d.savedShare!).toBeGreaterThan(0.5);
    expect(d.verdict).toBe('pool');
    expect(r.total.verdict).toBe('pool');
  });

  test('keep-alive: one connection, pooling will not help', async () => {
    const ts = tsharkStreams(AFTER);
    expect(ts.length).toBe(1);
    const a = await analyzeFile(AFTER);
    const r = simulatePool(a.connections);
    expect(r.total.handshakesAvoided).toBe(0);
    expect(r.total.verdict).toBe('will-not-help');
    expect(r.destinations[0].verdict).toBe('will-not-help');
    expect(r.destinations[0].reason).toMatch(/^Only one connection to \S+ was seen/);
  });

  test('compare(before, after) shows the handshakes saved', async () => {
    const tb = tsharkStreams(BEFORE);
    const ta = tsharkStreams(AFTER);
    const c = compareAnalyses(await analyzeFile(BEFORE), await analyzeFile(AFTER));
    const hsBefore = tb.filter((s) => s.syns > 0).length;
    const hsAfter = ta.filter((s) => s.syns > 0).length;
    expect(c.total.connections).toEqual({ before: tb.length, after: ta.length, diff: ta.length - tb.length, ratio: ta.length / tb.length });
    expect(c.total.handshakes.before).toBe(hsBefore);
    expect(c.total.handshakes.after).toBe(hsAfter);
    expect(c.total.handshakes.diff).toBe(-(tb.length - 1));
    // Totals against the sums of the tshark-derived expectations of each file (connections with a known setup).
    const sum = (f: string, pick: (w: ReturnType<typeof expectedMetrics>[number]) => number) =>
      expectedMetrics(f).filter((w) => w.setup.ms !== null).reduce((n, w) => n + pick(w), 0);
    const msB = sum('pool-before-no-keepalive.pcap', (w) => w.setup.ms ?? 0);
    const msA = sum('pool-after-keepalive.pcap', (w) => w.setup.ms ?? 0);
    expect(c.total.setupTotalMs.before).toBeCloseTo(msB, 3);
    expect(c.total.setupTotalMs.after).toBeCloseTo(msA, 3);
    expect(c.total.setupTotalMs.diff!).toBeCloseTo(msA - msB, 3);
    expect(c.total.roundTrips.before).toBe(sum('pool-before-no-keepalive.pcap', (w) => w.setup.roundTrips!));
    expect(c.total.roundTrips.after).toBe(sum('pool-after-keepalive.pcap', (w) => w.setup.roundTrips!));
    expect(c.total.bytes.before).toBe(sum('pool-before-no-keepalive.pcap', (w) => w.setup.bytes));
    expect(c.total.bytes.after).toBe(sum('pool-after-keepalive.pcap', (w) => w.setup.bytes));
    expect(c.destinations).toHaveLength(1);
  });

  test('5 sequential connections ~1 s apart: reuse within the idle timeout, none below the gap', async () => {
    const ts = tsharkStreams(SEQ);
    expect(ts.length).toBe(5);
    let minGap = Infinity;
    for (let i = 1; i < ts.length; i++) minGap = Math.min(minGap, ts[i].start - ts[i - 1].end);
    expect(minGap).toBeGreaterThan(0.5);
    const a = await analyzeFile(SEQ);
    expect(simulatePool(a.connections).total.handshakesAvoided).toBe(4);
    // The gap from one connection's last payload to the next start is at least the
    // end-to-start gap tshark shows, so an idle timeout under that gap allows no reuse.
    const none = simulatePool(a.connections, { idleTimeoutSec: minGap * 0.9 });
    expect(none.total.handshakesAvoided).toBe(0);
    expect(none.destinations[0].reason).toContain('further apart than');
  });

  test('4 parallel connections: all overlap, nothing to reuse', async () => {
    const ts = tsharkStreams(PAR);
    expect(ts.length).toBe(4);
    // tshark: the 4 connections are all open at the same time.
    expect(peakConcurrency(ts)).toBe(4);
    const a = await analyzeFile(PAR);
    expect(destinations(a.connections)[0].peakConcurrency).toBe(4);
    const r = simulatePool(a.connections);
    expect(r.destinations[0].poolSize).toBe(4);
    expect(r.total.handshakesAvoided).toBe(0);
    expect(r.destinations[0].reason).toContain('overlapped (up to 4 at once)');
  });
});
