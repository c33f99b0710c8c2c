/**
 * The QUIC connection record, built by QuicTracker. Its field names follow
 * the TCP connection record (src/timeline/types.ts) so that the two can sit in
 * one `connections` array; times are epoch seconds, durations milliseconds.
 */
import type { Side } from '../base/stamp.js';

export type QuicEventType =
  | 'Initial'
  | '0-RTT'
  | 'Handshake'
  | 'Retry'
  | 'VersionNegotiation'
  | '1-RTT'
  | 'ClientHello'
  | 'HelloRetryRequest'
  | 'ServerHello'
  | 'ConnectionClose';

export interface QuicEvent {
  type: QuicEventType;
  from: Side;
  /** Frame of the datagram that carries the packet, or that completes the handshake message. */
  frame: number;
  /** Frame of the datagram that carried the first byte (differs for a message over several datagrams). */
  firstFrame: number;
  /** Epoch seconds of `frame`. */
  time: number;
  /** Packet events: bytes of the QUIC packet; message events: message bytes with the 4-byte header. */
  bytes: number;
  inferred?: boolean;
  detail?: string;
}

export interface QuicEndpoint {
  ip: string;
  port: number;
}

export interface QuicMetrics {
  /** Version of the connection (after Version Negotiation, the one it went on with). */
  version: number;
  /** 'v1', 'v2', 'draft-29', ... */
  versionName: string;
  /** Versions the client tried before (Version Negotiation), in order. */
  versionsTried: number[];
  retry: boolean;
  versionNegotiation: boolean;
  /** The client sent 0-RTT packets (whether the server accepted them is encrypted). */
  zeroRtt: boolean;
  zeroRttPackets: number;
  /** First client Initial -> handshake confirmed (inferred); null when not seen. */
  handshakeMs: number | null;
  /** Connection IDs in hex: the client's Source CID, and the Destination CID of its first Initial. */
  scid: string;
  dcid: string;
  /** The server's Source CID (the CID the client then addresses it by); null before its first long header. */
  serverScid: string | null;
  /** Source CID of the Retry (the new DCID the client uses), null without Retry. */
  retryScid: string | null;
  /** Bytes of the token of the client's last Initial (a Retry or NEW_TOKEN token), 0 without. */
  tokenLength: number;
  /** Packets and datagrams per type and side. */
  packets: { client: Record<string, number>; server: Record<string, number> };
  datagrams: { client: number; server: number };
  /** Initial packets we could not decrypt (wrong keys, damaged). */
  undecryptedInitials: number;
}

export interface QuicTlsMetrics {
  /** 'TLS 1.3' from the ServerHello's supported_versions; null without ServerHello. */
  version: string | null;
  versionCode: number | null;
  cipherSuite: number | null;
  cipherName: string | null;
  sni: string | null;
  alpnOffered: string[];
  alpn: string | null;
  keyShareGroupsOffered: number[];
  keyShareGroup: number | null;
  /** ClientHello offered pre_shared_key / early_data. */
  pskOffered: boolean;
  earlyDataOffered: boolean;
  /** The ServerHello accepted a PSK. */
  resumed: boolean;
  helloRetry: boolean;
  /** ClientHello (first byte) -> handshake confirmed (inferred); null when not seen. */
  handshakeMs: number | null;
  /** The end of the handshake is inferred (no keys): always true here when handshakeMs is set. */
  handshakeEndInferred: boolean;
}

export interface QuicSetup {
  /** First client Initial -> the client's first 1-RTT packet after the server's Handshake flight. */
  ms: number | null;
  /** Server flights the client waited for: Version Negotiation, Retry, then the handshake flight. */
  roundTrips: number;
  /** Wire bytes and datagrams of the connection up to and including endFrame. */
  bytes: number;
  packets: number;
  endFrame: number | null;
  /** The end is inferred from packet types (no keys). */
  inferred: boolean;
}

export interface QuicTeardown {
  /** CONNECTION_CLOSE seen in an Initial (readable without keys); else 'idle' when it went quiet, null if open at the end. */
  by: 'CONNECTION_CLOSE' | 'idle' | null;
  initiator: Side | null;
  frame: number | null;
  errorCode: number | null;
  reason: string | null;
}

export interface QuicConnectionRecord {
  transport: 'quic';
  /** 0-based among QUIC connections, in order of first frame (the integrator renumbers). */
  id: number;
  client: QuicEndpoint;
  server: QuicEndpoint;
  /** Client addresses seen after the first (migration or NAT rebinding). */
  clientMigrations: QuicEndpoint[];
  /** The connection's start (a client Initial) was not captured. */
  midstream: boolean;
  /**
   * unanswered: nothing came back from the server (its teardown may still show the client's
   * CONNECTION_CLOSE); closed: a CONNECTION_CLOSE was readable (in an Initial);
   * idle: no packet for the tracker's idle timeout; open: still going at the end of the capture.
   */
  state: 'closed' | 'unanswered' | 'open' | 'idle';
  firstFrame: number;
  lastFrame: number;
  start: number;
  end: number;
  /** Datagrams (frames) and their wire bytes. */
  packets: number;
  bytes: number;
  events: QuicEvent[];
  quic: QuicMetrics;
  tls: QuicTlsMetrics | null;
  setup: QuicSetup;
  firstDataMs: { client: number | null; server: number | null };
  lifetimeMs: number;
  teardown: QuicTeardown;
  problems: string[];
}
