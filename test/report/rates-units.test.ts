/**
 * The pool verdict's rates (src/report/rates.ts), function by function, with
 * values worked out by hand from the rules in its doc comments and types.ts
 * (PoolRates, RttProjection).
 */
import {
  addAcc,
  captureRttMs,
  connectionAcc,
  newAcc,
  poolRates,
  processingMs,
  projectionRtts,
  projections,
  REFERENCE_RTTS_MS,
  type RateAcc,
} from '../../src/report/rates.js';
import type { ConnectionRecord, RequestTiming } from '../../src/timeline/types.js';
import { rec } from './records.js';

const T0 = 1_700_000_000;

function conn(o: {
  start?: number;
  end?: number;
  setupMs?: number | null;
  roundTrips?: number | null;
  rtt?: number | null;
  midstream?: boolean;
  requests?: number;
  bursts?: number;
}): ConnectionRecord {
  const r = rec({ start: o.start ?? T0, end: o.end ?? T0 + 1, setupMs: o.setupMs === undefined ? 10 : o.setupMs, midstream: o.midstream });
  return {
    ...r,
    tcp: { ...r.tcp!, initialRttMs: o.rtt === undefined ? 1 : o.rtt },
    tls: o.bursts !== undefined ? { ...r.tls!, clientBursts: o.bursts } : r.tls,
    setup: { ...r.setup, roundTrips: o.roundTrips === undefined ? 2 : o.roundTrips },
    requests: Array.from({ length: o.requests ?? 0 }, () => ({}) as RequestTiming),
  };
}

describe('captureRttMs', () => {
  test('the median initial RTT of the connections that have one', () => {
    expect(captureRttMs([])).toBeNull();
    expect(captureRttMs([conn({ rtt: null })])).toBeNull();
    expect(captureRttMs([conn({ rtt: 7 })])).toBe(7);
    expect(captureRttMs([conn({ rtt: 3 }), conn({ rtt: null }), conn({ rtt: 9 }), conn({ rtt: 1 })])).toBe(3);
    // even count: R-7 halfway between the middle two
    expect(captureRttMs([conn({ rtt: 2 }), conn({ rtt: 10 }), conn({ rtt: 4 }), conn({ rtt: 100 })])).toBe(7);
    // a TCP-less record (QUIC) is skipped, and a measured 0 counts
    const quic = { ...conn({}), tcp: null };
    expect(captureRttMs([quic, conn({ rtt: 0 })])).toBe(0);
  });
});

describe('processingMs', () => {
  test('setup minus its round trips at the connection RTT, else the capture RTT, else 0; at least 0', () => {
    expect(processingMs(conn({ setupMs: 30, roundTrips: 2, rtt: 5 }), 100)).toBe(20);
    expect(processingMs(conn({ setupMs: 30, roundTrips: 2, rtt: null }), 4)).toBe(22);
    expect(processingMs(conn({ setupMs: 30, roundTrips: 2, rtt: null }), null)).toBe(30);
    expect(processingMs({ ...conn({ setupMs: 30, roundTrips: 3 }), tcp: null }, 6)).toBe(12);
    expect(processingMs(conn({ setupMs: 30, roundTrips: null, rtt: 5 }), null)).toBe(30);
    expect(processingMs(conn({ setupMs: 30, roundTrips: 4, rtt: 10 }), null)).toBe(0);
    expect(processingMs(conn({ setupMs: null, roundTrips: 2, rtt: 5 }), 3)).toBe(0);
  });
});

describe('connectionAcc / addAcc', () => {
  test('a fresh accumulator is all zeros and nulls', () => {
    expect(newAcc()).toEqual({
      requests: 0,
      requestsEstimated: false,
      connections: 0,
      firstStart: null,
      lastEnd: null,
      known: 0,
      setupMs: 0,
      knownRt: 0,
      knownProcessingMs: 0,
      avoidedRt: 0,
      avoidedProcessingMs: 0,
    });
  });

  test('gathers requests, span, and the known setups (not midstream) by hand', () => {
    const a = newAcc();
    connectionAcc(a, conn({ start: T0 + 5, end: T0 + 6, setupMs: 30, roundTrips: 2, rtt: 5, requests: 2 }), 3);
    expect(a).toMatchObject({ requests: 2, requestsEstimated: false, connections: 1, firstStart: T0 + 5, lastEnd: T0 + 6, known: 1, setupMs: 30, knownRt: 2, knownProcessingMs: 20 });
    // earlier start, earlier end; estimated requests (bursts); round trips null counts 0; capture RTT used
    connectionAcc(a, conn({ start: T0 + 1, end: T0 + 2, setupMs: 12, roundTrips: null, rtt: null, bursts: 3 }), 3);
    expect(a).toMatchObject({ requests: 5, requestsEstimated: true, connections: 2, firstStart: T0 + 1, lastEnd: T0 + 6, known: 2, setupMs: 42, knownRt: 2, knownProcessingMs: 32 });
    // later end; midstream with a setup time: not known; no setup: not known
    connectionAcc(a, conn({ start: T0 + 3, end: T0 + 9, setupMs: 50, midstream: true, requests: 1 }), 3);
    connectionAcc(a, conn({ start: T0 + 2, end: T0 + 4, setupMs: null }), 3);
    expect(a).toMatchObject({ requests: 6, connections: 4, firstStart: T0 + 1, lastEnd: T0 + 9, known: 2, setupMs: 42, knownRt: 2, knownProcessingMs: 32 });
    expect(a.avoidedRt).toBe(0);
    expect(a.avoidedProcessingMs).toBe(0);
  });

  test('an estimated zero count does not mark the requests estimated', () => {
    const a = newAcc();
    connectionAcc(a, conn({ setupMs: null }), null);
    expect(a.requests).toBe(0);
    expect(a.requestsEstimated).toBe(false);
  });

  test('addAcc: sums, the earliest start and latest end, estimated if either was', () => {
    const x: RateAcc = { requests: 2, requestsEstimated: false, connections: 3, firstStart: 10, lastEnd: 20, known: 1, setupMs: 5, knownRt: 2, knownProcessingMs: 1, avoidedRt: 4, avoidedProcessingMs: 0.5 };
    const y: RateAcc = { requests: 7, requestsEstimated: true, connections: 1, firstStart: 8, lastEnd: 15, known: 2, setupMs: 9, knownRt: 3, knownProcessingMs: 2, avoidedRt: 1, avoidedProcessingMs: 0.25 };
    const into = newAcc();
    addAcc(into, x);
    expect(into).toEqual(x);
    addAcc(into, y);
    expect(into).toEqual({ requests: 9, requestsEstimated: true, connections: 4, firstStart: 8, lastEnd: 20, known: 3, setupMs: 14, knownRt: 5, knownProcessingMs: 3, avoidedRt: 5, avoidedProcessingMs: 0.75 });
    // a later start and an earlier end change nothing; an empty acc changes nothing
    addAcc(into, { ...newAcc(), firstStart: 12, lastEnd: 18 });
    addAcc(into, newAcc());
    expect(into.firstStart).toBe(8);
    expect(into.lastEnd).toBe(20);
    expect(into.requestsEstimated).toBe(true);
    // an estimated flag stays when a non-estimated one is added
    const e = { ...newAcc(), requestsEstimated: true };
    addAcc(e, newAcc());
    expect(e.requestsEstimated).toBe(true);
    // a later end does
    addAcc(into, { ...newAcc(), firstStart: 9, lastEnd: 25 });
    expect([into.firstStart, into.lastEnd]).toEqual([8, 25]);
    // into with null bounds takes them
    const n = newAcc();
    addAcc(n, { ...newAcc(), firstStart: 30, lastEnd: 40 });
    expect([n.firstStart, n.lastEnd]).toEqual([30, 40]);
  });
});

describe('poolRates', () => {
  const saved = { handshakesAvoided: 4, setupMsSaved: 10, roundTripsSaved: 6, bytesSaved: 3000, certificateBytesSaved: 1000 };
  const acc: RateAcc = { ...newAcc(), requests: 8, connections: 5, firstStart: T0, lastEnd: T0 + 20, known: 5, setupMs: 12, knownRt: 10 };

  test('rates per handshake, per request and per second, worked by hand', () => {
    expect(poolRates(acc, saved, 2.5)).toEqual({
      requests: 8,
      requestsEstimated: false,
      requestsPerConnection: 1.6,
      captureSec: 20,
      perHandshake: { setupMs: 2.5, roundTrips: 1.5, bytes: 750, certificateBytes: 250 },
      perRequest: { setupMs: 1.5, roundTrips: 1.25, handshakesAvoided: 0.5, setupMsSaved: 1.25, roundTripsSaved: 0.75, bytesSaved: 375 },
      perSecond: { handshakesAvoided: 0.2, setupMsSaved: 0.5 },
      captureRttMs: 2.5,
    });
  });

  test('9 decimals: thirds are rounded', () => {
    const r = poolRates({ ...acc, requests: 3, connections: 3, setupMs: 1, knownRt: 1 }, { ...saved, handshakesAvoided: 3, setupMsSaved: 1 }, null);
    expect(r.perRequest!.setupMs).toBe(0.333333333);
    expect(r.perHandshake!.setupMs).toBe(0.333333333);
    expect(r.requestsPerConnection).toBe(1);
    const span = poolRates({ ...acc, firstStart: 0.1, lastEnd: 0.3 }, saved, null);
    expect(span.captureSec).toBe(0.2);
    expect(span.perSecond).toEqual({ handshakesAvoided: 20, setupMsSaved: 50 });
  });

  test('nulls: no connections, no handshakes avoided, no requests, no span', () => {
    const r = poolRates(newAcc(), { handshakesAvoided: 0, setupMsSaved: 0, roundTripsSaved: 0, bytesSaved: 0, certificateBytesSaved: 0 }, null);
    expect(r).toEqual({ requests: 0, requestsEstimated: false, requestsPerConnection: null, captureSec: 0, perHandshake: null, perRequest: null, perSecond: null, captureRttMs: null });
    // one bound missing: span 0
    expect(poolRates({ ...acc, lastEnd: null }, saved, null).captureSec).toBe(0);
    expect(poolRates({ ...acc, firstStart: null }, saved, null).captureSec).toBe(0);
    // end before start: 0, not negative; no per-second rate
    const back = poolRates({ ...acc, firstStart: T0 + 5, lastEnd: T0 }, saved, null);
    expect(back.captureSec).toBe(0);
    expect(back.perSecond).toBeNull();
    expect(poolRates({ ...acc, requests: 0 }, saved, null).perRequest).toBeNull();
    expect(poolRates(acc, { ...saved, handshakesAvoided: 0 }, null).perHandshake).toBeNull();
    expect(poolRates({ ...acc, requestsEstimated: true }, saved, null).requestsEstimated).toBe(true);
  });
});

describe('projectionRtts / projections', () => {
  test('--rtt and the capture median; without --rtt the capture median and the references', () => {
    expect(REFERENCE_RTTS_MS).toEqual([1, 20, 100]);
    expect(projectionRtts({ rttMs: 50 }, 3)).toEqual([
      { rttMs: 50, source: 'option' },
      { rttMs: 3, source: 'capture' },
    ]);
    expect(projectionRtts({ rttMs: 50 }, null)).toEqual([{ rttMs: 50, source: 'option' }]);
    expect(projectionRtts({ rttMs: 0 }, null)).toEqual([{ rttMs: 0, source: 'option' }]);
    expect(projectionRtts({}, 3)).toEqual([
      { rttMs: 3, source: 'capture' },
      { rttMs: 1, source: 'reference' },
      { rttMs: 20, source: 'reference' },
      { rttMs: 100, source: 'reference' },
    ]);
    expect(projectionRtts({ rttMs: undefined }, null)).toEqual([
      { rttMs: 1, source: 'reference' },
      { rttMs: 20, source: 'reference' },
      { rttMs: 100, source: 'reference' },
    ]);
  });

  test('setup per connection and saving per request at each RTT, by hand', () => {
    // 4 known connections: 8 round trips, 6 ms processing; 5 requests; a pool avoids 3 round trips and 1.5 ms
    const a: RateAcc = { ...newAcc(), requests: 5, known: 4, knownRt: 8, knownProcessingMs: 6, avoidedRt: 3, avoidedProcessingMs: 1.5 };
    const rates = poolRates({ ...a, connections: 4 }, { handshakesAvoided: 2, setupMsSaved: 0, roundTripsSaved: 0, bytesSaved: 0, certificateBytesSaved: 0 }, 2);
    expect(projections(a, rates, { rttMs: 10 }, 2)).toEqual([
      // (8·10 + 6) / 4 = 21.5; (3·10 + 1.5) / 5 = 6.3
      { rttMs: 10, source: 'option', setupMsPerConnection: 21.5, newConnectionsPerRequest: 0.4, savedMsPerRequest: 6.3 },
      // (8·2 + 6) / 4 = 5.5; (3·2 + 1.5) / 5 = 1.5
      { rttMs: 2, source: 'capture', setupMsPerConnection: 5.5, newConnectionsPerRequest: 0.4, savedMsPerRequest: 1.5 },
    ]);
    // thirds rounded to 9 decimals
    const t = projections({ ...a, known: 3, knownRt: 1, knownProcessingMs: 0, requests: 3, avoidedRt: 1, avoidedProcessingMs: 0 }, rates, { rttMs: 1 }, null);
    expect(t[0]!.setupMsPerConnection).toBe(0.333333333);
    expect(t[0]!.savedMsPerRequest).toBe(0.333333333);
  });

  test('nulls: no known setup, no requests, no per-request rates', () => {
    const rates = poolRates(newAcc(), { handshakesAvoided: 0, setupMsSaved: 0, roundTripsSaved: 0, bytesSaved: 0, certificateBytesSaved: 0 }, null);
    expect(projections(newAcc(), rates, { rttMs: 10 }, null)).toEqual([
      { rttMs: 10, source: 'option', setupMsPerConnection: null, newConnectionsPerRequest: null, savedMsPerRequest: null },
    ]);
  });
});
