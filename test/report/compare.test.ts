import { compareAnalyses } from '../../src/report/index.js';
import type { Analysis } from '../../src/report/index.js';
import type { ConnectionRecord } from '../../src/timeline/types.js';
import { rec } from './records.js';
import { readFileSync } from 'node:fs';
import { analyzeFile } from '../../src/analyze.js';
import { formatComparison } from '../../src/output/compare-text.js';

const T0 = 1_700_000_000;
const analysis = (file: string, connections: ConnectionRecord[]): Analysis => ({
  capture: { file, format: 'pcap', frames: 0, start: null, end: null, warnings: [] },
  connections,
});

describe('compareAnalyses', () => {
  test('before: 4 short connections; after: 1 long one (and a new destination)', () => {
    const before = analysis('before.pcap', [10, 20, 30, 40].map((ms, i) => rec({ start: T0 + i, end: T0 + i + 0.5, setupMs: ms, roundTrips: 2, setupBytes: 3000 })));
    const after = analysis('after.pcap', [
      rec({ start: T0, end: T0 + 4, setupMs: 12, roundTrips: 2, setupBytes: 3000 }),
      rec({ start: T0, end: T0 + 1, setupMs: 5, sni: 'other.test', roundTrips: 1, setupBytes: 100 }),
    ]);
    const c = compareAnalyses(before, after);
    expect(c.before).toBe('before.pcap');
    expect(c.after).toBe('after.pcap');
    expect(c.destinations.map((d) => d.key)).toEqual(['example.test:443', 'other.test:443']);
    const d = c.destinations[0];
    expect(d.connections).toEqual({ before: 4, after: 1, diff: -3, ratio: 0.25 });
    expect(d.handshakes).toEqual({ before: 4, after: 1, diff: -3, ratio: 0.25 });
    expect(d.setupTotalMs).toEqual({ before: 100, after: 12, diff: -88, ratio: 0.12 });
    expect(d.setupP50Ms).toEqual({ before: 25, after: 12, diff: -13, ratio: 0.48 });
    expect(d.setupP90Ms.before).toBeCloseTo(37, 9);
    expect(d.setupShare.before).toBeCloseTo(100 / 2000, 6);
    expect(d.setupShare.after).toBeCloseTo(12 / 4000, 6);
    expect(d.roundTrips).toEqual({ before: 8, after: 2, diff: -6, ratio: 0.25 });
    expect(d.bytes).toEqual({ before: 12000, after: 3000, diff: -9000, ratio: 0.25 });
    // A destination only present after: 0 before, no ratio, null percentiles before.
    const o = c.destinations[1];
    expect(o.connections).toEqual({ before: 0, after: 1, diff: 1, ratio: null });
    expect(o.setupP50Ms).toEqual({ before: null, after: 5, diff: null, ratio: null });
    expect(c.total.key).toBe('total');
    expect(c.total.connections).toEqual({ before: 4, after: 2, diff: -2, ratio: 0.5 });
    expect(c.total.setupTotalMs).toEqual({ before: 100, after: 17, diff: -83, ratio: 0.17 });
  });

  test('midstream connections are connections but not handshakes', () => {
    const a = analysis('a', [rec({ start: T0, end: T0 + 1, setupMs: null, midstream: true })]);
    const c = compareAnalyses(a, a);
    expect(c.total.connections).toEqual({ before: 1, after: 1, diff: 0, ratio: 1 });
    expect(c.total.handshakes).toEqual({ before: 0, after: 0, diff: 0, ratio: null });
    expect(c.total.setupShare).toEqual({ before: null, after: null, diff: null, ratio: null });
  });
});

describe('compare on the recorded 5-request pair (one connection per request, then keep-alive)', () => {
  // Counts from tshark's view of the same files: test/golden/<fixture>/streams.json and metrics.json.
  const golden = (f: string, g: string) => JSON.parse(readFileSync(`test/golden/${f}/${g}`, 'utf8'));
  const BEFORE = 'pool-rate-5req-conn-per-request.pcap';
  const AFTER = 'pool-rate-5req-keepalive.pcap';

  test('resumption row, requests, per-request setup, warnings; reads as an improvement', async () => {
    const b = await analyzeFile(`fixtures/${BEFORE}`);
    const a = await analyzeFile(`fixtures/${AFTER}`);
    const c = compareAnalyses(b, a);
    const sb = golden(BEFORE, 'streams.json') as { version: number | null }[];
    const sa = golden(AFTER, 'streams.json') as { version: number | null }[];
    const mb = golden(BEFORE, 'metrics.json').streams as { setup: { ms: number } }[];
    const ma = golden(AFTER, 'metrics.json').streams as { setup: { ms: number } }[];
    // Full TLS 1.3 handshakes, none resumed (curl runs share no session cache).
    expect(c.total.fullHandshakes).toEqual({ before: sb.length, after: sa.length, diff: sa.length - sb.length, ratio: sa.length / sb.length });
    expect(c.total.resumedHandshakes.before).toBe(0);
    expect(c.total.resumedHandshakes.after).toBe(0);
    // The same 5 requests on each side (estimated from client data bursts).
    expect(c.total.requests.before).toBe(5);
    expect(c.total.requests.after).toBe(5);
    expect(c.requestsEstimated).toBe(true);
    const sum = (xs: { setup: { ms: number } }[]) => xs.reduce((n, x) => n + x.setup.ms, 0);
    expect(c.total.setupMsPerRequest.before!).toBeCloseTo(sum(mb) / 5, 2);
    expect(c.total.setupMsPerRequest.after!).toBeCloseTo(sum(ma) / 5, 2);
    expect(c.total.setupMsPerRequest.diff!).toBeLessThan(0);
    // Same workload: no workload warning; the after side has 1 connection: a percentile warning.
    expect(c.warnings.some((w) => w.startsWith('the workloads differ'))).toBe(false);
    expect(c.warnings).toContain('after has only 1 connection with a setup: its percentiles are that one value, their change is not a trend');
    const text = formatComparison(c, { width: 100 });
    expect(text).toMatch(/^TLS resumed +0 +0 +±0$/m);
    // No relative change on a percentile of n < 5; p90 not shown under 10 values.
    expect(text).toMatch(/^setup time, p50 .*\(n < 5\)$/m);
    expect(text).toMatch(/^setup time, p90 +- +- +-$/m);
    expect(text).toMatch(/^Setup per request: [\d.]+ ms before, [\d.]+ ms after \([\d.]+% less\)\.$/m);
    expect(text).toMatch(/^4 fewer handshakes after/m);
  });

  test('different workloads are called out', async () => {
    const c = compareAnalyses(await analyzeFile('fixtures/pool-rate-200req-conn-per-request.pcap'), await analyzeFile(`fixtures/${AFTER}`));
    expect(c.warnings[0]).toBe(
      'the workloads differ: 200 requests before, 5 after (estimated from client data bursts); compare the per-request figures, not the totals',
    );
  });
});
