/**
 * The connection record: what every later stage (report, output, ui) consumes.
 * Its JSON form is the public schema documented in the README.
 * Times are epoch seconds (number, µs precision or better); durations are ms.
 */
import type { Side } from '../base/stamp.js';
export type { Side } from '../base/stamp.js';

/**
 * Event types. Their numbers in the protobuf export are the ones written in
 * handshake_lens.proto (EventType), matched by name, not by this order.
 */
export const EVENT_TYPES = [
  'SYN',
  'SYN-ACK',
  'ACK',
  'ClientHello',
  'HelloRetryRequest',
  'ServerHello',
  'Certificate',
  'ServerKeyExchange',
  'CertificateRequest',
  'ServerHelloDone',
  'ClientKeyExchange',
  'CertificateVerify',
  'NewSessionTicket',
  'ChangeCipherSpec',
  'Finished',
  'EncryptedHandshake',
  'ApplicationData',
  'Alert',
  'FIN',
  'RST',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

/** Events that TCP itself produces; the rest come from the TLS stage. */
export const TCP_EVENT_TYPES: ReadonlySet<EventType> = new Set<EventType>(['SYN', 'SYN-ACK', 'ACK', 'FIN', 'RST']);

export interface TimelineEvent {
  type: EventType;
  from: Side;
  /** Frame where the event completes (where Wireshark shows a reassembled message). */
  frame: number;
  /** Frame where it started (equal to frame unless it spans segments). */
  firstFrame: number;
  /** Epoch seconds of `frame`. */
  time: number;
  /** Bytes: TCP payload for TCP events, message/record bytes for TLS events. */
  bytes: number;
  /** A retransmitted SYN / SYN-ACK. */
  retransmission?: boolean;
  /** Label inferred rather than read (encrypted TLS 1.3 handshake end). */
  inferred?: boolean;
  /** Short extra text: alert name, certificate count, 0-RTT, ... */
  detail?: string;
}

export const CONNECTION_STATES = [
  'complete', // handshake seen and FIN both ways
  'reset', // ended by RST (see resetBy)
  'refused', // SYN answered by RST
  'unanswered', // SYN(s) with no reply
  'open', // still going at the end of the capture
  'half-closed', // FIN from one side only at the end of the capture
  'midstream', // start not captured, not reset
] as const;

export type ConnectionState = (typeof CONNECTION_STATES)[number];

export interface Endpoint {
  ip: string;
  port: number;
}

export interface TcpMetrics {
  synRetransmits: number;
  synAckRetransmits: number;
  /** ms offsets from the first SYN of every SYN retransmission. */
  synRetransmitOffsetsMs: number[];
  /** First SYN -> completing ACK (what the user waited, retries included); null if not completed. */
  handshakeMs: number | null;
  /** Last SYN -> completing ACK (refused: -> the RST), as tcp.analysis.initial_rtt; else null. */
  initialRttMs: number | null;
  mss: { client?: number; server?: number };
  /** Retransmitted data segments and out-of-order segments seen (both directions). */
  retransmissions: number;
  outOfOrder: number;
  /** Bytes never seen (holes in the reassembled stream). */
  missingBytes: number;
}

export interface TlsAlert {
  from: Side;
  frame: number;
  level?: number;
  description?: number;
  name: string;
}

export interface TlsMetrics {
  /** 'SSL 3.0', 'TLS 1.0' ... 'TLS 1.3', 'TLS 1.3 draft 19', else '0xfb1a'; null when no ServerHello. */
  version: string | null;
  versionCode: number | null;
  cipherSuite: number | null;
  cipherName: string | null;
  sni: string | null;
  alpnOffered: string[];
  alpn: string | null;
  /** ClientHello supported_versions (empty when absent), and the groups it offered key shares for. */
  versionsOffered: number[];
  keyShareGroupsOffered: number[];
  /** Named group of the ServerHello's key_share (TLS 1.3: 29 = x25519, 23 = secp256r1, ...); null when none. */
  keyShareGroup: number | null;
  resumed: boolean;
  resumption: 'session-id' | 'ticket' | 'psk' | null;
  earlyData: boolean;
  helloRetry: boolean;
  alerts: TlsAlert[];
  /** DER bytes and number of the server's certificates; 0 when none was sent for sure, null when unknown (encrypted TLS 1.3, lost). */
  certificateBytes: number | null;
  certificateCount: number | null;
  /** ClientHello -> handshake complete; null when not complete. */
  handshakeMs: number | null;
  /** The end was inferred (encrypted TLS 1.3). */
  handshakeEndInferred: boolean;
  /** Frame of the first record of content type 23 in each direction, as on the wire. */
  firstApplicationDataRecord: { client: number | null; server: number | null };
  /** TLS began after a plaintext exchange (STARTTLS). */
  startTls: boolean;
  /**
   * Client application-data bursts (a run of client records after the server
   * answered): the key-less estimate of the requests carried. 0 = none seen or
   * unknown (a file saved by 0.1.0). See src/report/requests.ts.
   */
  clientBursts?: number;
}

export interface SetupMetrics {
  /** First SYN (or first packet) -> handshake complete (TLS), or -> completing ACK (plain TCP). */
  ms: number | null;
  /** Server flights the client waited for before setup completed. */
  roundTrips: number;
  /** Wire bytes (frame lengths) of the connection's packets up to and including setup end. */
  bytes: number;
  packets: number;
  /** Certificate bytes within setup (also counted in bytes). */
  certificateBytes: number | null;
  /** Frame where setup completed. */
  endFrame: number | null;
}

export interface Teardown {
  initiator: Side | null;
  /** 'FIN' or 'RST' of the initiator; null when not torn down. */
  by: 'FIN' | 'RST' | null;
  /** First FIN/RST -> last packet of the connection; null when not torn down. */
  ms: number | null;
  /** Seconds the connection sat without payload before the teardown started. */
  idleBeforeSec: number | null;
}

/** Transports a connection record can describe; each has its own metrics section. */
export const TRANSPORTS = ['tcp', 'quic'] as const;
export type Transport = (typeof TRANSPORTS)[number];

/**
 * One connection. The common core (endpoints, state, frames, events, tls,
 * setup, teardown, problems) means the same for every transport; `tcp` holds
 * what only TCP has. QUIC records (transport 'quic') add their own section.
 */
export interface ConnectionRecord {
  /** 0-based, in order of first frame (Wireshark's tcp.stream for TCP). */
  id: number;
  transport: Transport;
  client: Endpoint;
  server: Endpoint;
  midstream: boolean;
  state: ConnectionState;
  resetBy: Side | null;
  firstFrame: number;
  lastFrame: number;
  start: number;
  end: number;
  packets: number;
  /** Wire bytes of all the connection's frames. */
  bytes: number;
  events: TimelineEvent[];
  tcp: TcpMetrics;
  tls: TlsMetrics | null;
  setup: SetupMetrics;
  /** ms from the first SYN (or first packet) to the first application payload from each side. */
  firstDataMs: { client: number | null; server: number | null };
  lifetimeMs: number;
  /** setup.ms / lifetimeMs (0..1), null when unknown. */
  setupShare: number | null;
  teardown: Teardown;
  /** Problems recorded on this connection (gaps, undecodable TLS, ...). */
  problems: string[];
  /**
   * Only one direction was captured although both sides spoke: 'client-only'
   * (the client acknowledged data the capture does not hold), 'server-only'; else null.
   */
  oneSided: 'client-only' | 'server-only' | null;
  /** What went wrong and where to look (src/findings), sorted by frame; [] when nothing. */
  findings: Finding[];
}

/**
 * Finding codes, exactly as they appear in JSON/NDJSON/protobuf. The findings
 * stage (src/findings) computes them; the type lives here with the record.
 */
export const FINDING_CODES = [
  'syn-retransmit',
  'synack-retransmit',
  'accept-overflow-reset',
  'connect-timeout',
  'handshake-failed',
  'response-timeout',
  'slow-first-byte',
  'retry',
  'retry-no-backoff',
  'zero-window',
  'idle-close',
  'stale-reuse',
  'abortive-reset',
] as const;

export type FindingCode = (typeof FINDING_CODES)[number];

export const SEVERITIES = ['info', 'warn', 'error'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface Finding {
  code: FindingCode;
  severity: Severity;
  /** Frame where the evidence is (Wireshark's frame number). */
  frame: number;
  /** One line with the numbers behind the finding. */
  detail: string;
  /**
   * The time it cost, ms, where it has one: the wait added by retransmitted
   * SYNs / SYN-ACKs, the life of a failed connection, the wait for a slow or
   * missing response, a retry's interval since the attempt before it.
   */
  costMs?: number;
}

/** The `capture` section of the JSON document. */
export interface CaptureSummaryJson {
  file: string;
  format: string;
  frames: number;
  start: number | null;
  end: number | null;
  warnings: string[];
}
