/**
 * Contracts of the report stage: connection records -> aggregates and verdicts.
 * Everything here is computed by pure functions in src/report/; the UI and the
 * outputs only format these values.
 */
import type { VantageGuess } from '../findings/vantage.js';
import type { CaptureSummaryJson, ConnectionRecord, ConnectionState } from '../timeline/types.js';
import type { ConnRow } from './rows.js';

/** A finished analysis: what the outputs print and a saved .hlpb file holds. */
export interface Analysis {
  capture: CaptureSummaryJson & {
    /** Extra capture facts (link types, interfaces, ...), free form for display. */
    linkTypes?: string[];
    bytes?: number;
    /** Where the capture was taken, guessed from the handshakes (src/findings/vantage.ts). */
    vantage?: VantageGuess;
    /** UDP datagrams, those recognised as QUIC, and the QUIC packets in them (absent in files of 0.1.0). */
    udpDatagrams?: number;
    quicDatagrams?: number;
    quicPackets?: number;
  };
  /**
   * The whole records. When `rows` is set, only those kept whole (the text
   * report's top N; none for the JSON document): the aggregates read `rows`.
   */
  connections: ConnectionRecord[];
  /** Every connection's compact row (src/report/rows.ts), in the order of `connections`; absent: read `connections`. */
  rows?: readonly ConnRow[];
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
  /** QUIC connections (also counted above), per QUIC version name, with 0-RTT, and their handshake (first Initial -> confirmed). */
  quic: number;
  quicVersions: Record<string, number>;
  quicZeroRtt: number;
  quicHandshakeMs: Distribution;
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
  /** Ids of the destination's QUIC connections (quic.connection.number; connectionIds are TCP's tcp.stream). */
  quicConnectionIds: number[];
  /** Setup cost per transport, side by side (TCP+TLS vs QUIC to the same SNI); null when none over it. */
  setupByTransport: { tcp: TransportSetup | null; quic: TransportSetup | null };
}

/** Setup of one destination's connections over one transport. */
export interface TransportSetup {
  connections: number;
  /** Setup ms of those whose setup completed. */
  setupMs: Distribution;
  /** Round trips of the setups, summed; setup wire bytes summed. */
  setupRoundTrips: number;
  handshakeBytes: number;
  /** TLS resumed (PSK / ticket / session id) and 0-RTT sent (QUIC 0-RTT packets, TLS early data). */
  resumed: number;
  zeroRtt: number;
}

/**
 * QUIC in the pool view: the keep-alive simulation is TCP's (QUIC multiplexes
 * requests on one connection and is not simulated); for QUIC what applies is
 * counted instead, per destination.
 */
export interface QuicReuse {
  key: string;
  connections: number;
  peakConcurrency: number;
  /** Connections opened while no earlier QUIC connection to the destination (same client) was still open: each paid a new handshake. */
  newHandshakes: number;
  /** Their setup ms, summed (where known). */
  newHandshakeMs: number;
  /** ...of which resumed (PSK) and with 0-RTT (the handshake cost no round trip before the first request). */
  resumed: number;
  zeroRtt: number;
  /**
   * HTTP/3 requests over these connections, read with keys (client
   * bidirectional streams); null when any connection was not decrypted
   * (without keys they are not counted: see quic-pool.ts).
   */
  requests: number | null;
  /** requests / connections (reuse: above 1, connections carried several requests); null with requests. */
  requestsPerConnection: number | null;
  /** Setup ms of every connection with a known setup / requests; null with requests or when 0. */
  setupMsPerRequest: number | null;
}

export interface QuicPoolReport {
  connections: number;
  destinations: QuicReuse[];
  newHandshakes: number;
  newHandshakeMs: number;
  resumed: number;
  zeroRtt: number;
  /** As in QuicReuse, over every QUIC connection; `requestsCounted`: connections whose requests were read with keys. */
  requests: number | null;
  requestsPerConnection: number | null;
  setupMsPerRequest: number | null;
  requestsCounted: number;
  /** What applies to QUIC, in words. */
  reason: string;
}

export interface PoolOptions {
  /** Seconds a pooled connection may sit idle (default 60). */
  idleTimeoutSec: number;
  /** Pool size cap per destination; undefined = observed peak concurrency. */
  maxSize?: number;
  /** Verdict thresholds (documented in the README). */
  /** Per request, ms a pool must save at the projection RTT (`rttMs`); not applied without one. */
  minSavedMs: number;
  minSavedShare: number;
  /** Handshakes a pool must avoid per request (default 0.1: one request in ten). */
  minAvoidedPerRequest: number;
  /** RTT to project setup cost at (--rtt), ms; undefined: the capture's median RTT and 1, 20, 100 ms. */
  rttMs?: number;
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
  /** Rates behind the verdict (totals above stay as facts). */
  rates: PoolRates;
  /** Setup cost projected at other RTTs (see RttProjection). */
  projections: RttProjection[];
}

/**
 * What a pool saves as rates, independent of how long the capture ran: per
 * avoided handshake, per request, per second of capture. null when the
 * divisor is 0 (no handshake avoided, no request, no time).
 */
export interface PoolRates {
  /** Requests carried (see src/report/requests.ts); estimated from client data bursts unless counted. */
  requests: number;
  requestsEstimated: boolean;
  requestsPerConnection: number | null;
  /** Capture time spanned by the connections (first start to last end), s. */
  captureSec: number;
  perHandshake: { setupMs: number; roundTrips: number; bytes: number; certificateBytes: number } | null;
  perRequest: {
    /** Setup paid per request today (every connection with a known setup): ms and round trips. */
    setupMs: number;
    roundTrips: number;
    handshakesAvoided: number;
    setupMsSaved: number;
    roundTripsSaved: number;
    bytesSaved: number;
  } | null;
  perSecond: { handshakesAvoided: number; setupMsSaved: number } | null;
  /** The capture's median RTT (TCP handshake, tcp.analysis.initial_rtt), ms; null when none measured. */
  captureRttMs: number | null;
}

/**
 * Setup cost at another RTT: round trips x rttMs + the processing time seen
 * in the capture (setup time minus its round trips at the connection's own
 * measured RTT, at least 0: server and client compute, which does not
 * change with distance).
 */
export interface RttProjection {
  rttMs: number;
  /** 'option': --rtt; 'capture': the capture's median RTT; 'reference': 1, 20, 100 ms. */
  source: 'option' | 'capture' | 'reference';
  /** Mean projected setup of a new connection, ms. */
  setupMsPerConnection: number | null;
  /** Handshakes a pool avoids per request (as in rates.perRequest). */
  newConnectionsPerRequest: number | null;
  /** Projected setup a pool saves per request, ms. */
  savedMsPerRequest: number | null;
}

export interface DestinationPool extends PoolSavings {
  key: string;
  poolSize: number;
  /** Recommended pool idle timeout (below the server's observed one), seconds; null if none seen. */
  recommendedIdleSec: number | null;
  serverIdleTimeoutSec: number | null;
  /**
   * The verdict's reason as a code: 'pool'; or why not: 'single' (one
   * connection), 'apart' (further apart than the idle timeout), 'overlap'
   * (all concurrent), 'small' (saves too little), 'unknown' (no setup seen).
   */
  reasonCode: PoolReasonCode;
}

export type PoolReasonCode = 'pool' | 'single' | 'unknown' | 'apart' | 'overlap' | 'small';

export interface PoolReport {
  options: PoolOptions;
  destinations: DestinationPool[];
  total: PoolSavings;
  /** QUIC connections are not simulated: what applies to them; null when the capture has none. */
  quic: QuicPoolReport | null;
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
  /** TLS handshakes seen in full and resumed (tls.resumed). */
  fullHandshakes: Change;
  resumedHandshakes: Change;
  /** Requests (src/report/requests.ts; estimated from client data bursts unless counted). */
  requests: Change;
  /** Setup time total / requests, ms. */
  setupMsPerRequest: Change;
  /** Connections with a known setup: the n behind the setup percentiles. */
  setupCount: Change;
}

export interface Comparison {
  before: string;
  after: string;
  destinations: ComparisonRow[];
  total: ComparisonRow;
  /** What makes the comparison weak: different workloads, too few connections for percentiles. */
  warnings: string[];
  /** Requests were estimated on a side. */
  requestsEstimated: boolean;
  /** Destinations in all, when `destinations` holds only the first of them (compareDigest); not in the JSON. */
  destinationCount?: number;
}
