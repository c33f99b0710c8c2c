/**
 * Contracts of the report stage: connection records -> aggregates and verdicts.
 * Everything here is computed by pure functions in src/report/; the UI and the
 * outputs only format these values.
 */
import type { CaptureSummaryJson, ConnectionRecord, ConnectionState } from '../timeline/types.js';

/** A finished analysis: what the outputs print and a saved .hlpb file holds. */
export interface Analysis {
  capture: CaptureSummaryJson & {
    /** Extra capture facts (link types, interfaces, ...), free form for display. */
    linkTypes?: string[];
    bytes?: number;
    /** UDP datagrams, those recognised as QUIC, and the QUIC packets in them (absent in files of 0.1.0). */
    udpDatagrams?: number;
    quicDatagrams?: number;
    quicPackets?: number;
  };
  connections: ConnectionRecord[];
}

export interface Distribution {
  count: number;
  min: number | null;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
  mean: number | null;
  total: number;
}

export interface Summary {
  connections: number;
  byState: Record<ConnectionState, number>;
  midstream: number;
  tls: number;
  /** Connections per negotiated version label ('TLS 1.3': 4, ...). */
  tlsVersions: Record<string, number>;
  resumed: number;
  /** resumed / TLS connections with a ServerHello; null when none. */
  resumptionRate: number | null;
  /** Sum of setup.ms over connections where known. */
  setupTotalMs: number;
  /** Sum of lifetimeMs over the same connections. */
  connectionTimeTotalMs: number;
  /** setupTotalMs / connectionTimeTotalMs; null when no time. */
  setupShare: number | null;
  tcpHandshakeMs: Distribution;
  tlsHandshakeMs: Distribution;
  setupMs: Distribution;
  roundTrips: Distribution;
}

export interface DestinationStats {
  /** 'sni:port' when the connections carried an SNI, else 'ip:port'. */
  key: string;
  sni: string | null;
  ip: string;
  port: number;
  connections: number;
  connectionIds: number[];
  peakConcurrency: number;
  /** Seconds between one connection's end and the next one's start (non-overlapping pairs). */
  idleGapsSec: Distribution;
  setupMs: Distribution;
  setupRoundTrips: number;
  /** Setup wire bytes summed, and the certificate bytes within them. */
  handshakeBytes: number;
  certificateBytes: number;
  resumptionRate: number | null;
  setupShare: number | null;
  /** Idle timeouts seen on the wire: a side closed after N seconds without data. */
  observedIdleTimeouts: { by: 'client' | 'server'; seconds: number; connectionId: number }[];
}

export interface PoolOptions {
  /** Seconds a pooled connection may sit idle (default 60). */
  idleTimeoutSec: number;
  /** Pool size cap per destination; undefined = observed peak concurrency. */
  maxSize?: number;
  /** Verdict thresholds (documented in the README). */
  minSavedMs: number;
  minSavedShare: number;
}

export type Verdict = 'pool' | 'will-not-help';

export interface PoolSavings {
  connections: number;
  handshakesAvoided: number;
  setupMsSaved: number;
  /** setupMsSaved as a share of all connection time. */
  savedShare: number | null;
  roundTripsSaved: number;
  bytesSaved: number;
  certificateBytesSaved: number;
  verdict: Verdict;
  /** The verdict in words. */
  reason: string;
}

export interface DestinationPool extends PoolSavings {
  key: string;
  poolSize: number;
  /** Recommended pool idle timeout (below the server's observed one), seconds; null if none seen. */
  recommendedIdleSec: number | null;
  serverIdleTimeoutSec: number | null;
}

export interface PoolReport {
  options: PoolOptions;
  destinations: DestinationPool[];
  total: PoolSavings;
}

export interface Change {
  before: number | null;
  after: number | null;
  /** after - before */
  diff: number | null;
  /** after / before */
  ratio: number | null;
}

export interface ComparisonRow {
  key: string;
  connections: Change;
  handshakes: Change;
  setupTotalMs: Change;
  setupP50Ms: Change;
  setupP90Ms: Change;
  setupShare: Change;
  roundTrips: Change;
  bytes: Change;
}

export interface Comparison {
  before: string;
  after: string;
  destinations: ComparisonRow[];
  total: ComparisonRow;
}
