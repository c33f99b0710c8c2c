/**
 * The pool verdict's rates and RTT projections (see types.ts PoolRates and
 * RttProjection). A RateAcc gathers, over a set of connections, what the
 * rates divide: requests, capture span, setup of every connection with a
 * known setup, and the round trips and processing time of the avoided ones.
 */
import type { ConnRow } from './rows.js';
import { QuantileSketch } from './sketch.js';
import { requestsOf } from './requests.js';
import type { PoolOptions, PoolRates, RttProjection } from './types.js';

/** RTTs every projection shows besides the capture's own (ms). */
export const REFERENCE_RTTS_MS = [1, 20, 100] as const;

export interface RateAcc {
  requests: number;
  requestsEstimated: boolean;
  connections: number;
  firstStart: number | null;
  lastEnd: number | null;
  /** Connections with a known setup (not midstream), their setup ms, round trips and processing ms. */
  known: number;
  setupMs: number;
  knownRt: number;
  knownProcessingMs: number;
  /** Round trips and processing ms of the connections a pool avoids. */
  avoidedRt: number;
  avoidedProcessingMs: number;
}

/** Median TCP handshake RTT (tcp.initialRttMs) of the connections, ms; null when none measured. */
export function captureRttMs(conns: readonly ConnRow[]): number | null {
  const v = new QuantileSketch();
  for (const c of conns) if (c.tcp?.initialRttMs != null) v.add(c.tcp.initialRttMs);
  return v.percentile(50);
}

/**
 * Setup time that does not scale with the RTT: setup ms minus its round trips
 * at the connection's own RTT (its tcp.initialRttMs, else the capture's
 * median), at least 0.
 */
export function processingMs(c: ConnRow, captureRtt: number | null): number {
  if (c.setup.ms === null) return 0;
  const rtt = c.tcp?.initialRttMs ?? captureRtt ?? 0;
  return Math.max(0, c.setup.ms - (c.setup.roundTrips ?? 0) * rtt);
}

export function newAcc(): RateAcc {
  return {
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
  };
}

export function connectionAcc(a: RateAcc, c: ConnRow, captureRtt: number | null): void {
  const r = requestsOf(c);
  a.requests += r.count;
  if (r.estimated && r.count > 0) a.requestsEstimated = true;
  a.connections++;
  if (a.firstStart === null || c.start < a.firstStart) a.firstStart = c.start;
  if (a.lastEnd === null || c.end > a.lastEnd) a.lastEnd = c.end;
  if (c.setup.ms !== null && !c.midstream) {
    a.known++;
    a.setupMs += c.setup.ms;
    a.knownRt += (c.setup.roundTrips ?? 0);
    a.knownProcessingMs += processingMs(c, captureRtt);
  }
}

export function addAcc(into: RateAcc, a: RateAcc): void {
  into.requests += a.requests;
  into.requestsEstimated ||= a.requestsEstimated;
  into.connections += a.connections;
  if (a.firstStart !== null && (into.firstStart === null || a.firstStart < into.firstStart)) into.firstStart = a.firstStart;
  if (a.lastEnd !== null && (into.lastEnd === null || a.lastEnd > into.lastEnd)) into.lastEnd = a.lastEnd;
  into.known += a.known;
  into.setupMs += a.setupMs;
  into.knownRt += a.knownRt;
  into.knownProcessingMs += a.knownProcessingMs;
  into.avoidedRt += a.avoidedRt;
  into.avoidedProcessingMs += a.avoidedProcessingMs;
}

/** 9 significant decimals: no float noise in JSON. */
const r9 = (n: number): number => Math.round(n * 1e9) / 1e9;

interface Saved {
  handshakesAvoided: number;
  setupMsSaved: number;
  roundTripsSaved: number;
  bytesSaved: number;
  certificateBytesSaved: number;
}

export function poolRates(a: RateAcc, s: Saved, captureRtt: number | null): PoolRates {
  const captureSec = a.firstStart !== null && a.lastEnd !== null ? Math.max(0, a.lastEnd - a.firstStart) : 0;
  const n = s.handshakesAvoided;
  const q = a.requests;
  return {
    requests: q,
    requestsEstimated: a.requestsEstimated,
    requestsPerConnection: a.connections > 0 ? r9(q / a.connections) : null,
    captureSec: r9(captureSec),
    perHandshake:
      n > 0
        ? {
            setupMs: r9(s.setupMsSaved / n),
            roundTrips: r9(s.roundTripsSaved / n),
            bytes: r9(s.bytesSaved / n),
            certificateBytes: r9(s.certificateBytesSaved / n),
          }
        : null,
    perRequest:
      q > 0
        ? {
            setupMs: r9(a.setupMs / q),
            roundTrips: r9(a.knownRt / q),
            handshakesAvoided: r9(n / q),
            setupMsSaved: r9(s.setupMsSaved / q),
            roundTripsSaved: r9(s.roundTripsSaved / q),
            bytesSaved: r9(s.bytesSaved / q),
          }
        : null,
    perSecond: captureSec > 0 ? { handshakesAvoided: r9(n / captureSec), setupMsSaved: r9(s.setupMsSaved / captureSec) } : null,
    captureRttMs: captureRtt,
  };
}

/** The RTTs to project at: --rtt and the capture's median, else the capture's median and the references. */
export function projectionRtts(opts: Pick<PoolOptions, 'rttMs'>, captureRtt: number | null): { rttMs: number; source: RttProjection['source'] }[] {
  const out: { rttMs: number; source: RttProjection['source'] }[] = [];
  if (opts.rttMs !== undefined) out.push({ rttMs: opts.rttMs, source: 'option' });
  if (captureRtt !== null) out.push({ rttMs: captureRtt, source: 'capture' });
  if (opts.rttMs === undefined) for (const r of REFERENCE_RTTS_MS) out.push({ rttMs: r, source: 'reference' });
  return out;
}

export function projections(a: RateAcc, rates: PoolRates, opts: Pick<PoolOptions, 'rttMs'>, captureRtt: number | null): RttProjection[] {
  return projectionRtts(opts, captureRtt).map(({ rttMs, source }) => ({
    rttMs,
    source,
    setupMsPerConnection: a.known > 0 ? r9((a.knownRt * rttMs + a.knownProcessingMs) / a.known) : null,
    newConnectionsPerRequest: rates.perRequest?.handshakesAvoided ?? null,
    savedMsPerRequest: a.requests > 0 ? r9((a.avoidedRt * rttMs + a.avoidedProcessingMs) / a.requests) : null,
  }));
}
