/**
 * compareAnalyses (src/report/compare.ts) on hand-built records, against its
 * doc comments: handshakeSeen (SYN, SYN-ACK or ClientHello captured), each
 * figure as {before, after, diff, ratio} (diff/ratio null when a side is null,
 * ratio null when before is 0, diff to 9 decimals), a destination absent from
 * a side as 0 connections there with null percentiles and share, destinations
 * by the larger setup total then key, and the warnings' sentences. Every
 * expected value is worked out by hand.
 */
import { compareAnalyses, handshakeSeen, MIN_COUNT_FOR_CHANGE, WORKLOAD_TOLERANCE } from '../../src/report/compare.js';
import type { Analysis } from '../../src/report/types.js';
import type { ConnectionRecord, EventType, RequestTiming } from '../../src/timeline/types.js';
import { rec, type Spec } from './records.js';

const T0 = 1_700_000_000;
const analysis = (file: string, connections: ConnectionRecord[]): Analysis => ({
  capture: { file, format: 'pcap', frames: 0, start: null, end: null, warnings: [] },
  connections,
});
const ev = (type: EventType) => ({ type, from: 'client' as const, frame: 1, firstFrame: 1, time: T0, bytes: 0 });

interface C extends Spec {
  events?: EventType[];
  requests?: number;
  requestsEstimated?: boolean;
  bursts?: number;
  serverHello?: boolean;
}
function c(o: C): ConnectionRecord {
  const r = rec(o);
  const events = o.events ? o.events.map(ev) : r.events.concat(o.serverHello ? [ev('ServerHello')] : []);
  return {
    ...r,
    events,
    requests: Array.from({ length: o.requests ?? 0 }, () => ({}) as RequestTiming),
    requestsEstimated: o.requestsEstimated ?? false,
    tls: r.tls && o.bursts !== undefined ? { ...r.tls, clientBursts: o.bursts } : r.tls,
  };
}

describe('handshakeSeen', () => {
  test('SYN, SYN-ACK or ClientHello', () => {
    expect(handshakeSeen(c({ start: T0, end: T0 + 1, events: ['SYN'] }))).toBe(true);
    expect(handshakeSeen(c({ start: T0, end: T0 + 1, events: ['ACK', 'SYN-ACK'] }))).toBe(true);
    expect(handshakeSeen(c({ start: T0, end: T0 + 1, events: ['ACK', 'ClientHello'] }))).toBe(true);
    expect(handshakeSeen(c({ start: T0, end: T0 + 1, events: ['ACK', 'ServerHello', 'FIN', 'Initial'] }))).toBe(false);
    expect(handshakeSeen(c({ start: T0, end: T0 + 1, events: [] }))).toBe(false);
  });
});

describe('compareAnalyses', () => {
  test('constants', () => {
    expect(MIN_COUNT_FOR_CHANGE).toBe(5);
    expect(WORKLOAD_TOLERANCE).toBe(0.1);
  });

  test('every figure of one destination, by hand', () => {
    // before: 5 connections to example.test; 4 with a setup (10, 20, 30, 40 ms, 2 round trips, 1000 bytes each, 1 s long),
    // 1 midstream; 3 full handshakes and 1 resumed with a ServerHello; requests 2 + 1 + 0 + 0(+1 estimated) ...
    const before = analysis('b.pcap', [
      c({ start: T0, end: T0 + 1, setupMs: 10, setupBytes: 1000, serverHello: true, requests: 2 }),
      c({ start: T0, end: T0 + 1, setupMs: 20, setupBytes: 1000, serverHello: true, requests: 1 }),
      c({ start: T0, end: T0 + 1, setupMs: 30, setupBytes: 1000, serverHello: true, resumed: true, requests: 3 }),
      c({ start: T0, end: T0 + 1, setupMs: 40, setupBytes: 1000, requests: 4 }), // no ServerHello: neither full nor resumed
      c({ start: T0, end: T0 + 2, setupMs: null, midstream: true, requests: 2 }), // no handshake seen, no setup
    ]);
    // after: 1 connection, 5 s, setup 12 ms in 1 round trip, 600 bytes, resumed, 12 requests
    const after = analysis('a.pcap', [c({ start: T0, end: T0 + 5, setupMs: 12, roundTrips: 1, setupBytes: 600, serverHello: true, resumed: true, requests: 12 })]);
    const r = compareAnalyses(before, after);
    expect(r.before).toBe('b.pcap');
    expect(r.after).toBe('a.pcap');
    expect(r.destinations).toHaveLength(1);
    const d = r.destinations[0]!;
    expect(d.key).toBe('example.test:443');
    expect(d.connections).toEqual({ before: 5, after: 1, diff: -4, ratio: 0.2 });
    expect(d.handshakes).toEqual({ before: 4, after: 1, diff: -3, ratio: 0.25 });
    expect(d.setupTotalMs).toEqual({ before: 100, after: 12, diff: -88, ratio: 0.12 });
    expect(d.setupP50Ms).toEqual({ before: 25, after: 12, diff: -13, ratio: 0.48 });
    // R-7 p90 of 10, 20, 30, 40: rank 2.7 → 30 + 0.7·10 = 37
    expect(d.setupP90Ms.before).toBeCloseTo(37, 9);
    expect(d.setupP90Ms.after).toBe(12);
    // share: 100 ms over 4 s (midstream not counted); after 12 / 5000
    expect(d.setupShare.before).toBeCloseTo(0.025, 12);
    expect(d.setupShare.after).toBeCloseTo(0.0024, 12);
    expect(d.roundTrips).toEqual({ before: 8, after: 1, diff: -7, ratio: 0.125 });
    expect(d.bytes).toEqual({ before: 4000, after: 600, diff: -3400, ratio: 0.15 });
    expect(d.fullHandshakes).toEqual({ before: 2, after: 0, diff: -2, ratio: 0 });
    expect(d.resumedHandshakes).toEqual({ before: 1, after: 1, diff: 0, ratio: 1 });
    expect(d.requests).toEqual({ before: 12, after: 12, diff: 0, ratio: 1 });
    expect(d.setupMsPerRequest).toEqual({ before: 8.333333333, after: 1, diff: -7.333333333, ratio: 1 / 8.333333333 });
    expect(d.setupCount).toEqual({ before: 4, after: 1, diff: -3, ratio: 0.25 });
    expect(r.total).toEqual({ ...d, key: 'total' });
    expect(r.requestsEstimated).toBe(false);
    // the after side has 1 connection with a setup; before has 4 (< 5): both warned
    expect(r.warnings).toEqual([
      'before has only 4 connections with a setup: its percentiles are a handful of values, their change is not a trend',
      'after has only 1 connection with a setup: its percentiles are that one value, their change is not a trend',
    ]);
  });

  test('a destination on one side only: 0 there, null percentiles, share and per-request setup; no ratio', () => {
    const before = analysis('b', [c({ start: T0, end: T0 + 1, setupMs: 10, sni: 'x.test', requests: 1 })]);
    const after = analysis('a', [c({ start: T0, end: T0 + 1, setupMs: 20, sni: 'y.test', requests: 1 })]);
    const r = compareAnalyses(before, after);
    expect(r.destinations.map((d) => d.key)).toEqual(['y.test:443', 'x.test:443']);
    const [y, x] = r.destinations as [typeof r.total, typeof r.total];
    expect(y.connections).toEqual({ before: 0, after: 1, diff: 1, ratio: null });
    expect(y.handshakes).toEqual({ before: 0, after: 1, diff: 1, ratio: null });
    expect(y.setupTotalMs).toEqual({ before: 0, after: 20, diff: 20, ratio: null });
    expect(y.setupP50Ms).toEqual({ before: null, after: 20, diff: null, ratio: null });
    expect(y.setupP90Ms).toEqual({ before: null, after: 20, diff: null, ratio: null });
    expect(y.setupShare).toEqual({ before: null, after: 0.02, diff: null, ratio: null });
    expect(y.roundTrips).toEqual({ before: 0, after: 2, diff: 2, ratio: null });
    expect(y.bytes).toEqual({ before: 0, after: 5000, diff: 5000, ratio: null });
    expect(y.fullHandshakes).toEqual({ before: 0, after: 0, diff: 0, ratio: null });
    expect(y.resumedHandshakes).toEqual({ before: 0, after: 0, diff: 0, ratio: null });
    expect(y.requests).toEqual({ before: 0, after: 1, diff: 1, ratio: null });
    expect(y.setupMsPerRequest).toEqual({ before: null, after: 20, diff: null, ratio: null });
    expect(y.setupCount).toEqual({ before: 0, after: 1, diff: 1, ratio: null });
    expect(x.connections).toEqual({ before: 1, after: 0, diff: -1, ratio: 0 });
    expect(x.setupP50Ms).toEqual({ before: 10, after: null, diff: null, ratio: null });
    expect(x.setupShare).toEqual({ before: 0.01, after: null, diff: null, ratio: null });
    expect(x.setupMsPerRequest).toEqual({ before: 10, after: null, diff: null, ratio: null });
    expect(x.requests).toEqual({ before: 1, after: 0, diff: -1, ratio: 0 });
  });

  test('destinations: by the larger of the two setup totals, then by key', () => {
    const before = analysis('b', [
      c({ start: T0, end: T0 + 1, setupMs: 50, sni: 'a.test' }),
      c({ start: T0, end: T0 + 1, setupMs: 5, sni: 'c.test' }),
      c({ start: T0, end: T0 + 1, setupMs: 30, sni: 'd.test' }),
      c({ start: T0, end: T0 + 1, setupMs: null, sni: 'f.test', midstream: true }),
    ]);
    const after = analysis('a', [
      c({ start: T0, end: T0 + 1, setupMs: 10, sni: 'a.test' }),
      c({ start: T0, end: T0 + 1, setupMs: 70, sni: 'c.test' }),
      c({ start: T0, end: T0 + 1, setupMs: 30, sni: 'b.test' }),
      c({ start: T0, end: T0 + 1, setupMs: null, sni: 'e.test', midstream: true }),
    ]);
    // weights: a 50, b 30, c 70, d 30, e 0, f 0
    const keys = ['c.test:443', 'a.test:443', 'b.test:443', 'd.test:443', 'e.test:443', 'f.test:443'];
    expect(compareAnalyses(before, after).destinations.map((d) => d.key)).toEqual(keys);
    // the same whatever the order of the records
    const rb = analysis('b', [...before.connections].reverse());
    const ra = analysis('a', [...after.connections].reverse());
    expect(compareAnalyses(rb, ra).destinations.map((d) => d.key)).toEqual(keys);
  });

  test('equal setup totals: by key, whichever side and order the records come in', () => {
    const two = (first: string, second: string) =>
      analysis('x', [c({ start: T0, end: T0 + 1, setupMs: 10, sni: first }), c({ start: T0, end: T0 + 1, setupMs: 10, sni: second })]);
    for (const [b, a] of [
      [two('p.test', 'q.test'), analysis('y', [])],
      [two('q.test', 'p.test'), analysis('y', [])],
      [analysis('y', []), two('p.test', 'q.test')],
      [analysis('y', []), two('q.test', 'p.test')],
    ] as const) {
      expect(compareAnalyses(b, a).destinations.map((d) => d.key)).toEqual(['p.test:443', 'q.test:443']);
    }
  });

  test('diff to 9 decimals; ratio with before 0; share capped at 1; zero lifetime: share null', () => {
    const r = compareAnalyses(
      analysis('b', [c({ start: T0, end: T0 + 0.1, setupMs: 0.1, requests: 1 })]),
      analysis('a', [c({ start: T0, end: T0 + 0.1, setupMs: 0.2, requests: 1 }), c({ start: T0, end: T0 + 0.1, setupMs: 0.3, requests: 1, sni: 'o.test' })]),
    );
    // 0.2 + 0.3 - 0.1 in floats is 0.39999999999999997
    expect(r.total.setupTotalMs.diff).toBe(0.4);
    expect(r.total.setupTotalMs.ratio).toBeCloseTo(5, 12);
    const zero = compareAnalyses(analysis('b', [c({ start: T0, end: T0 + 1, setupMs: 0 })]), analysis('a', [c({ start: T0, end: T0 + 1, setupMs: 3 })]));
    expect(zero.total.setupTotalMs).toEqual({ before: 0, after: 3, diff: 3, ratio: null });
    // setup longer than the lifetime (clock steps): share 1; an instant connection: share null
    const cap = compareAnalyses(analysis('b', [c({ start: T0, end: T0 + 0.001, setupMs: 5 })]), analysis('a', [c({ start: T0, end: T0, setupMs: 5 })]));
    expect(cap.total.setupShare).toEqual({ before: 1, after: null, diff: null, ratio: null });
  });

  test('requests: estimated only when a non-zero count was; setup per request to 9 decimals', () => {
    // no requests field count, no bursts, setup complete: 1 estimated request each
    const est = compareAnalyses(analysis('b', [c({ start: T0, end: T0 + 1, setupMs: 10 })]), analysis('a', [c({ start: T0, end: T0 + 1, setupMs: 10, requests: 1 })]));
    expect(est.requestsEstimated).toBe(true);
    expect(est.total.requests).toEqual({ before: 1, after: 1, diff: 0, ratio: 1 });
    // bursts on the after side only
    const bursts = compareAnalyses(analysis('b', [c({ start: T0, end: T0 + 1, requests: 3 })]), analysis('a', [c({ start: T0, end: T0 + 1, bursts: 3 })]));
    expect(bursts.requestsEstimated).toBe(true);
    // an estimated zero (midstream, no data): not estimated
    const zero = compareAnalyses(
      analysis('b', [c({ start: T0, end: T0 + 1, setupMs: null, midstream: true }), c({ start: T0, end: T0 + 1, requests: 3 })]),
      analysis('a', [c({ start: T0, end: T0 + 1, requests: 3 })]),
    );
    expect(zero.requestsEstimated).toBe(false);
    expect(zero.total.requests).toEqual({ before: 3, after: 3, diff: 0, ratio: 1 });
    expect(zero.total.setupMsPerRequest).toEqual({ before: 3.333333333, after: 3.333333333, diff: 0, ratio: 1 });
    // no requests at all: per-request setup null
    const none = compareAnalyses(analysis('b', [c({ start: T0, end: T0 + 1, setupMs: null, midstream: true })]), analysis('a', []));
    expect(none.total.requests).toEqual({ before: 0, after: 0, diff: 0, ratio: null });
    expect(none.total.setupMsPerRequest).toEqual({ before: null, after: null, diff: null, ratio: null });
    expect(none.total.setupShare).toEqual({ before: null, after: null, diff: null, ratio: null });
    expect(none.warnings).toEqual([]);
  });

  test('the workload warning: counts differing by more than 10 % of the larger', () => {
    const reqs = (n: number, est = false) => analysis('x', [c({ start: T0, end: T0 + 1, setupMs: null, midstream: true, requests: n, requestsEstimated: est })]);
    const msg = (b: number, a: number, est: string) =>
      `the workloads differ: ${b} requests before, ${a} after${est}; compare the per-request figures, not the totals`;
    // 100 vs 90: exactly 10 %: no warning; 100 vs 89: warning
    expect(compareAnalyses(reqs(100), reqs(90)).warnings).toEqual([]);
    expect(compareAnalyses(reqs(100), reqs(89)).warnings).toEqual([msg(100, 89, '')]);
    expect(compareAnalyses(reqs(89), reqs(100)).warnings).toEqual([msg(89, 100, '')]);
    expect(compareAnalyses(reqs(10), reqs(0)).warnings).toEqual([msg(10, 0, '')]);
    expect(compareAnalyses(reqs(5, true), reqs(20)).warnings).toEqual([msg(5, 20, ' (estimated from client data bursts)')]);
    expect(compareAnalyses(reqs(5), reqs(20, true)).warnings).toEqual([msg(5, 20, ' (estimated from client data bursts)')]);
    expect(compareAnalyses(reqs(0), reqs(0)).warnings).toEqual([]);
  });

  test('the percentile warning: 1 to 4 connections with a setup on a side', () => {
    const n = (k: number) => analysis('x', Array.from({ length: k }, () => c({ start: T0, end: T0 + 1, setupMs: 10, requests: 1 })));
    expect(compareAnalyses(n(5), n(5)).warnings).toEqual([]);
    expect(compareAnalyses(n(5), n(0)).warnings).toEqual([
      'the workloads differ: 5 requests before, 0 after; compare the per-request figures, not the totals',
    ]);
    expect(compareAnalyses(n(2), n(2)).warnings).toEqual([
      'before has only 2 connections with a setup: its percentiles are a handful of values, their change is not a trend',
      'after has only 2 connections with a setup: its percentiles are a handful of values, their change is not a trend',
    ]);
    expect(compareAnalyses(n(1), n(6)).warnings.slice(1)).toEqual([
      'before has only 1 connection with a setup: its percentiles are that one value, their change is not a trend',
    ]);
  });
});
