import { compareAnalyses } from '../../src/report/index.js';
import type { Analysis } from '../../src/report/index.js';
import type { ConnectionRecord } from '../../src/timeline/types.js';
import { rec } from './records.js';

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
