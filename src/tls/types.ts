/**
 * Contracts of the TLS stage: in-order bytes of each direction -> TLS records
 * -> handshake messages. The TCP stage reassembles each direction and feeds the
 * bytes, each chunk tagged with the frame that delivered it.
 */

import type { Side, Stamp } from '../base/stamp.js';

export type TlsMessageType =
  | 'ClientHello'
  | 'HelloRetryRequest'
  | 'ServerHello'
  | 'Certificate'
  | 'ServerKeyExchange'
  | 'CertificateRequest'
  | 'ServerHelloDone'
  | 'ClientKeyExchange'
  | 'CertificateVerify'
  | 'NewSessionTicket'
  | 'ChangeCipherSpec'
  | 'Finished'
  | 'EncryptedHandshake'
  | 'ApplicationData'
  | 'Alert'
  // Other cleartext handshake messages, kept for completeness (not in the JSON event vocabulary).
  | 'EncryptedExtensions'
  | 'CertificateStatus'
  | 'HelloRequest'
  | 'EndOfEarlyData'
  | 'KeyUpdate'
  | 'Unknown';

export interface ClientHelloInfo {
  /** legacy_version on the wire (0x0303 ...); for SSLv2-compatible hellos the version inside. */
  legacyVersion: number;
  sslv2: boolean;
  sessionIdLength: number;
  cipherSuites: number[];
  sni?: string;
  alpn: string[];
  supportedVersions: number[];
  supportedGroups: number[];
  keyShareGroups: number[];
  /** session_ticket extension present and non-empty. */
  sessionTicket: boolean;
  /** pre_shared_key extension present. */
  psk: boolean;
  earlyData: boolean;
  /** Lists cut at their cap (HELLO_LIST_CAPS): the first `kept` of `total` values are kept. */
  truncated?: { list: 'cipherSuites' | 'alpn' | 'supportedVersions' | 'supportedGroups' | 'keyShareGroups'; kept: number; total: number }[];
}

export interface ServerHelloInfo {
  legacyVersion: number;
  /** supported_versions if present, else legacyVersion. */
  version: number;
  cipherSuite: number;
  sessionIdLength: number;
  /** The server echoed the client's non-empty session id (TLS <= 1.2 resumption). */
  sessionIdEchoed: boolean;
  alpn?: string;
  keyShareGroup?: number;
  /** pre_shared_key selected (TLS 1.3 resumption). */
  pskAccepted: boolean;
  helloRetry: boolean;
}

export interface CertificateInfo {
  /** Certificates in the chain. */
  count: number;
  /** Bytes of the certificate_list (sum of DER lengths). */
  bytes: number;
}

export interface AlertInfo {
  /** 1 warning, 2 fatal; undefined when encrypted. */
  level?: number;
  description?: number;
  /** 'handshake_failure', ... or 'encrypted'. */
  name: string;
}

export interface TlsMessage {
  type: TlsMessageType;
  from: Side;
  /** Frame that delivered the first byte of the message (or record). */
  first: Stamp;
  /** Frame that delivered the last byte: where Wireshark shows the reassembled message. */
  last: Stamp;
  /** Bytes of the message on the wire (handshake header included; record header for record-level events). */
  bytes: number;
  /** The label is inferred (encrypted TLS 1.3 handshake end). */
  inferred?: boolean;
  clientHello?: ClientHelloInfo;
  serverHello?: ServerHelloInfo;
  certificate?: CertificateInfo;
  alert?: AlertInfo;
  /** 0-RTT data (client application data sent before the ServerHello). */
  earlyData?: boolean;
  /**
   * Records folded into this message (issue 15): consecutive ChangeCipherSpec
   * records, or identical alerts, of one sender are one message with a count
   * ("ChangeCipherSpec ×1,000,000"); `bytes` is then their total and
   * `lastRepeat` the frame of the last one. Absent for a single record.
   */
  count?: number;
  lastRepeat?: Stamp;
}

/** What the TLS stage knows about the connection's handshake at any time. */
export interface TlsSummary {
  version?: number;
  cipherSuite?: number;
  clientHello?: ClientHelloInfo;
  serverHello?: ServerHelloInfo;
  resumed: boolean;
  resumption?: 'session-id' | 'ticket' | 'psk';
  helloRetry: boolean;
  earlyData: boolean;
  /**
   * The server's certificate chain (bytes of the DER certificates, and their
   * number) as read in clear; 0 when known to be absent (TLS <= 1.2 whose
   * server flight ended without one, TLS 1.3 PSK resumption); null when
   * unknown: encrypted (TLS 1.3), lost, unparsable or not captured.
   */
  certificateBytes: number | null;
  certificateCount: number | null;
  alerts: { from: Side; frame: number; level?: number; description?: number; name: string }[];
  /** The handshake is complete (both Finished seen, or inferred for TLS 1.3). */
  handshakeDone?: Stamp;
  handshakeEndInferred: boolean;
  /** First record of content type 23 in each direction, as on the wire. */
  firstApplicationDataRecord: { client?: Stamp; server?: Stamp };
  /** Problems met parsing (bad record, gap): one short line each (at most 20). */
  problems: string[];
  /** Version in the header of the first application-data record (what the records show without a hello). */
  recordVersion?: number;
  /** Recognised mid-stream by a chain of records both ways, no ClientHello seen: no handshake timing. */
  midstream?: boolean;
  /** Messages not handed on beyond MAX_MESSAGES per connection. */
  droppedMessages?: number;
  /** Records were decrypted with a key log (TlsSessionOptions.keys): the handshake after the ServerHello is read, not inferred. */
  decrypted?: boolean;
  /**
   * Why this connection was not (or not wholly) decrypted although keys were
   * asked for: 'no-secrets' (the key log has no line for its ClientHello random),
   * 'unsupported' (version or suite), 'failed' (a record did not authenticate,
   * or bytes were lost). Absent without a key log.
   */
  notDecrypted?: 'no-secrets' | 'unsupported' | 'failed';
  /**
   * Client application-data bursts: runs of client records of type 23 started
   * when the client had sent none yet or the server had sent some since (the
   * server answered). The key-less estimate of requests on the connection.
   */
  clientBursts?: number;
}
