/**
 * Retry detection, incremental: records arrive one by one in close order (as
 * from a live capture); the state is one small entry per destination
 * (server ip:port) with a failed attempt in the last `retryWindowMs`.
 */
import type { ConnectionRecord } from '../timeline/types.js';
import { FINDINGS_CATALOG } from './catalog.js';
import { DEFAULT_FINDING_OPTIONS, type Finding, type FindingCode, type FindingOptions } from './types.js';

/** Codes that make a connection a failed attempt. */
const FAILURE_CODES: ReadonlySet<FindingCode> = new Set<FindingCode>([
  'connect-timeout',
  'accept-overflow-reset',
  'handshake-failed',
  'response-timeout',
  'abortive-reset',
  'stale-reuse',
]);

interface Attempt {
  /** Attempt number of the last failed attempt (1 = the first connection). */
  attempt: number;
  id: number;
  /** First SYN (epoch s) of the last attempt. */
  start: number;
  /** When it failed: its last packet (epoch s). */
  failedAt: number;
  /** Interval (ms) between the last attempt and the one before it; null for attempt 1. */
  interval: number | null;
}

export function destinationKey(rec: ConnectionRecord): string {
  return `${rec.server.ip}|${rec.server.port}`;
}

/** refused, unanswered, reset before any FIN, or one of the failure findings. */
export function isFailedAttempt(rec: ConnectionRecord, findings: readonly Finding[]): boolean {
  if (rec.state === 'refused' || rec.state === 'unanswered') return true;
  if (findings.some((f) => FAILURE_CODES.has(f.code))) return true;
  const firstFin = rec.events.find((e) => e.type === 'FIN');
  const firstRst = rec.events.find((e) => e.type === 'RST');
  return firstRst !== undefined && (firstFin === undefined || firstRst.time < firstFin.time);
}

export class RetryTracker {
  private readonly byDest = new Map<string, Attempt>();
  private readonly o: FindingOptions;
  /** Most destinations remembered at once; the oldest failures are forgotten first. */
  private readonly maxDestinations: number;

  constructor(options: FindingOptions = DEFAULT_FINDING_OPTIONS, maxDestinations = 10_000) {
    this.o = options;
    this.maxDestinations = maxDestinations;
  }

  /**
   * Feed one finished connection with its other findings; returns its retry findings.
   * Records must come in close order; a connection's attempt only counts as a retry of
   * a failure that ended before its first SYN.
   */
  observe(rec: ConnectionRecord, findings: readonly Finding[]): Finding[] {
    const out: Finding[] = [];
    const key = destinationKey(rec);
    const firstSyn = rec.events.find((e) => e.type === 'SYN' && e.from === 'client');
    const failed = isFailedAttempt(rec, findings);
    if (rec.midstream || firstSyn === undefined) return out;
    const prev = this.byDest.get(key);
    let attempt = 1;
    let interval: number | null = null;
    if (prev && firstSyn.time >= prev.failedAt && (firstSyn.time - prev.failedAt) * 1000 <= this.o.retryWindowMs) {
      attempt = prev.attempt + 1;
      interval = (firstSyn.time - prev.start) * 1000;
      out.push(this.finding('retry', firstSyn.frame, `attempt ${attempt}, ${fmt(interval)} after attempt ${prev.attempt} (connection ${prev.id})`));
      if (
        attempt >= this.o.noBackoffFromAttempt &&
        (interval < this.o.noBackoffMinIntervalMs || (prev.interval !== null && interval <= this.o.backoffGrowth * prev.interval))
      ) {
        const why = interval < this.o.noBackoffMinIntervalMs ? `only ${fmt(interval)} after the previous attempt` : `interval ${fmt(interval)} after ${fmt(prev.interval!)}: not growing`;
        out.push(this.finding('retry-no-backoff', firstSyn.frame, `attempt ${attempt}: ${why}`));
      }
    }
    if (failed) {
      this.byDest.delete(key); // re-insert: Map order is then the order of the latest failure
      this.byDest.set(key, { attempt, id: rec.id, start: firstSyn.time, failedAt: rec.end, interval });
      this.evict(rec.end);
    } else if (rec.setup.endFrame !== null || rec.events.some((e) => e.type === 'SYN-ACK')) {
      this.byDest.delete(key); // a successful connection ends the series
    }
    return out;
  }

  /** Destinations with a remembered failure (for tests and memory checks). */
  get size(): number {
    return this.byDest.size;
  }

  private evict(now: number): void {
    for (const [k, a] of this.byDest) {
      const stale = (now - a.failedAt) * 1000 > this.o.retryWindowMs;
      if (!stale && this.byDest.size <= this.maxDestinations) break;
      this.byDest.delete(k);
    }
  }

  private finding(code: FindingCode, frame: number, detail: string): Finding {
    return { code, severity: FINDINGS_CATALOG[code].severity, frame, detail };
  }
}

function fmt(msv: number): string {
  return msv < 1000 ? `${Math.round(msv)} ms` : `${(msv / 1000).toFixed(2)} s`;
}
