/**
 * Findings: what went wrong with a connection, as a short code an SRE can
 * look up (catalog.ts), with the frame where the capture shows it.
 */

export { FINDING_CODES, SEVERITIES, type FindingCode, type Severity, type Finding } from '../timeline/types.js';

/** Thresholds; every one has a default (DEFAULT_FINDING_OPTIONS). */
export interface FindingOptions {
  /** connect-timeout: the capture must go on this long after the last unanswered SYN (ms). */
  connectTimeoutTailMs: number;
  /** handshake-failed: the client closes this long after its ClientHello with no server payload (ms). */
  handshakeStallMs: number;
  /** response-timeout: the client closes this long after the request's last segment (ms). */
  responseTimeoutMs: number;
  /** slow-first-byte: a response begins this long after the request's last segment (ms). */
  slowFirstByteMs: number;
  /** idle-close: no payload either way for this long before the first close (ms). */
  idleCloseMs: number;
  /** slow-handshake (QUIC): first client Initial to the handshake's end takes at least this long (ms). */
  slowHandshakeMs: number;
  /** retry: a new connection's first SYN within this long after the previous attempt failed (ms). */
  retryWindowMs: number;
  /** retry-no-backoff: from this attempt number on ... */
  noBackoffFromAttempt: number;
  /** ... an interval below this (ms) ... */
  noBackoffMinIntervalMs: number;
  /** ... or not growing by more than this factor over the previous interval. */
  backoffGrowth: number;
}

export const DEFAULT_FINDING_OPTIONS: Readonly<FindingOptions> = Object.freeze({
  connectTimeoutTailMs: 1000,
  handshakeStallMs: 500,
  responseTimeoutMs: 500,
  slowFirstByteMs: 200,
  idleCloseMs: 1000,
  slowHandshakeMs: 300,
  retryWindowMs: 30_000,
  noBackoffFromAttempt: 3,
  noBackoffMinIntervalMs: 100,
  backoffGrowth: 1.2,
});

export function findingOptions(partial: Partial<FindingOptions> = {}): FindingOptions {
  const o = { ...DEFAULT_FINDING_OPTIONS };
  for (const [k, v] of Object.entries(partial) as [keyof FindingOptions, number | undefined][]) {
    if (v !== undefined && Number.isFinite(v) && v >= 0) o[k] = v;
  }
  return o;
}
