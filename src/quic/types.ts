/**
 * What the QUIC stage hands upwards: packet events of a connection and the
 * interface its CRYPTO bytes are read through. The connection record is built
 * in src/timeline (quic-build.ts); times are epoch seconds.
 */
import type { Side, Stamp } from '../base/stamp.js';
import type { DirectionKeys } from './protection.js';

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
  | 'ConnectionClose'
  /** The server's HANDSHAKE_DONE frame (first 1-RTT packet that carries it; needs keys). */
  | 'HandshakeDone';

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

/** Packet number spaces whose CRYPTO data carry handshake messages (only Initial is readable without keys). */
export type QuicLevel = 'initial' | 'handshake' | 'application';

/**
 * Reads a connection's CRYPTO bytes, as src/tcp's StreamConsumer reads a TCP
 * stream (src/timeline/quic-reader.ts implements it with the TLS stage's
 * HandshakeReader). The tracker calls it per side and level with the bytes in
 * offset order, each piece with the stamp of the datagram that supplied it
 * (`first`) and the datagram being read (`now`, where a completed message is shown).
 */
export interface QuicCryptoConsumer {
  crypto(from: Side, level: QuicLevel, bytes: Buffer, first: Stamp, now: Stamp): void;
  /** False once it has what it wants from Initial packets: the tracker then releases their CRYPTO buffers. */
  readonly wantsCrypto: boolean;
  /**
   * Keys from outside (a key log), once the ServerHello says the cipher suite:
   * the packet protection keys of `from`'s Handshake or 1-RTT packets
   * (src/quic/protection.ts packetKeys). Undefined: those packets stay unread.
   */
  packetKeys?(from: Side, level: 'handshake' | 'application'): DirectionKeys | undefined;
  /**
   * Keys from outside for the client's 0-RTT packets (CLIENT_EARLY_TRAFFIC_SECRET),
   * once the ClientHello is read: one per cipher suite it offered that QUIC can
   * use (the resumed session's suite is not in the packets; the tracker keeps
   * the one that opens). Empty: 0-RTT packets stay unread.
   */
  earlyKeyCandidates?(): DirectionKeys[];
  /** It still wants Handshake-level CRYPTO bytes (the rest of the TLS handshake, up to both Finished). */
  readonly wantsHandshakeCrypto?: boolean;
  /** The TLS handshake is complete (both Finished read): the exact end of the setup. */
  readonly handshakeComplete?: boolean;
}
