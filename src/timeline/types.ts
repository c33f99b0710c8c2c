/**
 * The connection record: what every later stage (report, output, ui) consumes.
 * Its JSON form is the public schema documented in the README.
 * Times are epoch seconds (number, µs precision or better); durations are ms.
 */
import type { HttpRequest } from '../http/types.js';
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
  // QUIC: the first packet of each type per side, and a CONNECTION_CLOSE readable without keys.
  'Initial',
  '0-RTT',
  'Handshake',
  'Retry',
  'VersionNegotiation',
  '1-RTT',
  'ConnectionClose',
  // Read only from decrypted TLS 1.3 records (a key log): appended, numbered by name in the .proto.
  'EncryptedExtensions',
  'EndOfEarlyData',
  // QUIC with keys: the server's HANDSHAKE_DONE frame (in its first 1-RTT packet that carries one).
  'HandshakeDone',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

/** Events that QUIC packets produce (QUIC records only). */
export const QUIC_EVENT_TYPES: ReadonlySet<EventType> = new Set<EventType>(['Initial', '0-RTT', 'Handshake', 'Retry', 'VersionNegotiation', '1-RTT', 'ConnectionClose', 'HandshakeDone']);

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
  // QUIC (besides unanswered and open):
  'closed', // a CONNECTION_CLOSE was readable (in an Initial packet)
  'idle', // no packet for the QUIC tracker's idle timeout (300 s of capture time)
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
  /** Records were decrypted with a key log (--keylog, pcapng secrets): the handshake events after the ServerHello are read, not inferred. */
  decrypted: boolean;
  /**
   * Keys were given but this connection was not (wholly) decrypted: 'no-secrets'
   * (no key-log line for its ClientHello random), 'unsupported' (version or
   * cipher suite, e.g. CBC), 'failed' (a record did not authenticate, or bytes
   * were lost: later records of that side are read as without keys). null otherwise.
   */
  notDecrypted: 'no-secrets' | 'unsupported' | 'failed' | null;
  /**
   * Client application-data bursts (a run of client records after the server
   * answered): the key-less estimate of the requests carried. 0 = none seen or
   * unknown (a file saved by 0.1.0). See src/report/requests.ts.
   */
  clientBursts?: number;
}

/**
 * One request and its response. From plaintext (cleartext HTTP/1.x or HTTP/2,
 * or decrypted TLS), the frames are those of the first byte of the request and
 * of its final response, and of where each completes (tshark's http.request /
 * http.response frames, HTTP/2 HEADERS); inside TLS a byte's frame is the
 * frame that completed its record. Estimated requests (requestsEstimated) come
 * from bursts of TLS application-data records: a client burst after the
 * server's answer is a new request.
 */
export interface RequestTiming extends Omit<HttpRequest, 'protocol' | 'interim' | 'interimFrame'> {
  /** Time to first byte: request's first byte -> response's first byte, ms; null without a response. */
  ttfbMs: number | null;
  /** Response first byte -> response complete, ms; null when unknown. */
  transferMs: number | null;
}

export interface SetupMetrics {
  /** First SYN (or first packet) -> handshake complete (TLS), or -> completing ACK (plain TCP). */
  ms: number | null;
  /**
   * Server flights the client waited for before setup completed; null when setup never completed.
   * QUIC with 0-RTT data the server took: the flights before the client's first data (Retry,
   * Version Negotiation), 0 otherwise.
   */
  roundTrips: number | null;
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
  /**
   * 'FIN' or 'RST' of the initiator; QUIC: 'CONNECTION_CLOSE' (readable only in
   * an Initial without keys) or 'idle' (it went quiet). null when not torn down.
   */
  by: 'FIN' | 'RST' | 'CONNECTION_CLOSE' | 'idle' | null;
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
  /** TCP's own metrics; null for QUIC. */
  tcp: TcpMetrics | null;
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
  /** QUIC's own metrics; null for TCP. */
  quic: QuicMetrics | null;
  /** Requests the connection carried, in request order (see RequestTiming); empty when none are known. */
  requests: RequestTiming[];
  /** The requests are estimated from TLS record bursts (no plaintext): counts and frames are approximate. */
  requestsEstimated: boolean;
  /** 'http/1' or 'h2' when requests were read from plaintext; null otherwise. */
  httpProtocol: 'http/1' | 'h2' | null;
  /** Setup cost per request: setup.ms / requests.length; null without setup time or requests. */
  setupMsPerRequest: number | null;
}

/** The `quic` section of a QUIC connection record (transport 'quic'). */
export interface QuicMetrics {
  /** Version the connection went on with (after Version Negotiation), e.g. 1; and its name ('v1', 'v2', 'draft-29'). */
  version: number;
  versionName: string;
  /** Versions the client tried first and Version Negotiation turned down, in order. */
  versionsTried: number[];
  retry: boolean;
  versionNegotiation: boolean;
  /** The client sent 0-RTT packets (whether the server accepted them is encrypted), and how many. */
  zeroRtt: boolean;
  zeroRttPackets: number;
  /** First client Initial -> handshake confirmed; null when not seen. */
  handshakeMs: number | null;
  /** The handshake end is inferred from packet types (no keys): the client's first 1-RTT after the server's Handshake. */
  handshakeInferred: boolean;
  /** Connection IDs in hex: the client's Source CID and the Destination CID of its first Initial. */
  scid: string;
  dcid: string;
  /** The server's Source CID; null before its first long header. */
  serverScid: string | null;
  /** Source CID of the Retry; null without Retry. */
  retryScid: string | null;
  /** Token bytes of the client's last Initial (Retry or NEW_TOKEN token); 0 without. */
  tokenLength: number;
  /** Packets per type ('Initial', '0-RTT', 'Handshake', 'Retry', 'VersionNegotiation', '1-RTT') and datagrams, per side. */
  packets: { client: Record<string, number>; server: Record<string, number> };
  datagrams: { client: number; server: number };
  /** Initial packets that did not decrypt (damaged, unknown version). */
  undecryptedInitials: number;
  /** Client addresses seen after the first (migration or NAT rebinding). */
  clientMigrations: Endpoint[];
  /** The ClientHello offered pre_shared_key / early_data (resumption, 0-RTT). */
  pskOffered: boolean;
  earlyDataOffered: boolean;
  /** CONNECTION_CLOSE readable without keys (in an Initial); null otherwise. */
  close: { from: Side; frame: number; errorCode: number; reason: string } | null;
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
  // QUIC only (src/findings/quic.ts): round trips the TCP catalog has no word for.
  'quic-retry',
  'version-negotiation',
  'slow-handshake',
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
