/**
 * Reads a QUIC connection's CRYPTO bytes (src/quic hands them over through
 * QuicCryptoConsumer, per side and level in offset order) with the TLS stage's
 * HandshakeReader, and parses the ClientHello and ServerHello out of the
 * Initial level, the way src/timeline/reader.ts drives TLS over TCP.
 *
 * With a key source (--keylog, pcapng secrets): the ClientHello's random finds
 * the connection's secrets, the ServerHello's cipher suite turns them into
 * packet protection keys (RFC 9001 §5.1; src/quic/protection.ts packetKeys),
 * which the tracker uses to open Handshake packets (whose CRYPTO bytes come
 * back here at the 'handshake' level: EncryptedExtensions, Certificate,
 * CertificateVerify, Finished of both sides) and the server's 1-RTT packets
 * (HANDSHAKE_DONE).
 */
import type { Side, Stamp } from '../base/stamp.js';
import type { QuicCryptoConsumer, QuicLevel } from '../quic/types.js';
import type { QuicConnection } from '../quic/tracker.js';
import { packetKeys, type DirectionKeys } from '../quic/protection.js';
import { HandshakeReader, type HandshakeMessage } from '../tls/handshake.js';
import { helloRandom, parseCertificate, parseClientHello, parseEncryptedExtensionsAlpn, parseServerHello } from '../tls/hello.js';
import type { TlsSecrets } from '../tls/keylog.js';
import type { ClientHelloInfo, ServerHelloInfo } from '../tls/types.js';
import type { KeySource } from './keys.js';
import type { EventType } from './types.js';

const CLIENT_HELLO = 1;
const SERVER_HELLO = 2;
const MAX_PROBLEMS = 20;

/** Handshake messages of the Handshake level (RFC 8446 §4) shown as events. */
const HANDSHAKE_LEVEL_EVENTS: Record<number, EventType> = {
  8: 'EncryptedExtensions',
  11: 'Certificate',
  13: 'CertificateRequest',
  15: 'CertificateVerify',
  20: 'Finished',
};
const CERTIFICATE = 11;
const ENCRYPTED_EXTENSIONS = 8;
const FINISHED = 20;

type KeyLevel = 'handshake' | 'application';

const EARLY_DATA = 42;

/** An extension list (uint16 length, then type/length/data entries) holds `type`; a malformed list: false. */
function hasExtension(body: Buffer, type: number): boolean {
  if (body.length < 2) return false;
  const end = Math.min(body.length, 2 + body.readUInt16BE(0));
  for (let off = 2; off + 4 <= end; off += 4 + body.readUInt16BE(off + 2)) {
    if (body.readUInt16BE(off) === type) return true;
  }
  return false;
}

/** Why a connection with a key source was not decrypted (as TlsMetrics.notDecrypted). */
export type QuicNotDecrypted = 'no-secrets' | 'unsupported' | 'failed';

export interface QuicMessageEvent {
  type: EventType;
  from: Side;
  first: Stamp;
  last: Stamp;
  bytes: number;
  /** Packet events of the connection recorded before it (its place in arrival order). */
  at: number;
}

export class QuicHandshakeReader implements QuicCryptoConsumer {
  clientHello: ClientHelloInfo | undefined;
  serverHello: ServerHelloInfo | undefined;
  /** Stamp of the ClientHello's first byte. */
  clientHelloFirst: Stamp | undefined;
  helloRetry = false;
  readonly events: QuicMessageEvent[] = [];
  readonly problems: string[] = [];
  /** With keys: the Finished of each side (stamp of the datagram completing it). */
  readonly finished: { client: Stamp | undefined; server: Stamp | undefined } = { client: undefined, server: undefined };
  /** With keys: ALPN chosen by the server (EncryptedExtensions), certificate chain from the Certificate. */
  alpn: string | undefined;
  /** With keys: the server's EncryptedExtensions carries early_data (it accepted 0-RTT); undefined: not read. */
  earlyDataAccepted: boolean | undefined;
  certificate: { bytes: number; count: number } | undefined;
  /** Secrets found for the ClientHello's random (null: no key source at all; undefined: none in it). */
  secrets: TlsSecrets | undefined | null = null;
  private sessionId: Buffer | undefined;
  private readonly readers: { client: HandshakeReader; server: HandshakeReader };
  private handshakeReaders: { client: HandshakeReader; server: HandshakeReader } | undefined;
  private keys: Record<KeyLevel, { client: DirectionKeys | undefined; server: DirectionKeys | undefined }> | undefined;
  private unsupported = false;

  constructor(
    private readonly conn: QuicConnection,
    private readonly keySource?: KeySource,
  ) {
    this.readers = { client: this.reader('client', 'initial'), server: this.reader('server', 'initial') };
  }

  get wantsCrypto(): boolean {
    return this.clientHello === undefined || this.serverHello === undefined;
  }

  get wantsHandshakeCrypto(): boolean {
    return this.keys !== undefined && (this.finished.client === undefined || this.finished.server === undefined);
  }

  get handshakeComplete(): boolean {
    return this.finished.client !== undefined && this.finished.server !== undefined;
  }

  /** Keys were found and derived for the connection (its Handshake packets can be opened). */
  get keyed(): boolean {
    return this.keys !== undefined;
  }

  /**
   * Why a connection was not decrypted although a key source was given; null
   * when it was, or when there was no key source.
   */
  get notDecrypted(): QuicNotDecrypted | null {
    if (this.secrets === null || this.clientHello === undefined) return null;
    if (this.secrets === undefined) return 'no-secrets';
    if (this.unsupported) return 'unsupported';
    if (this.serverHello !== undefined && this.conn.serverHandshake && !this.handshakeComplete) return 'failed';
    return null;
  }

  packetKeys(from: Side, level: KeyLevel): DirectionKeys | undefined {
    return this.keys?.[level][from];
  }

  private early: DirectionKeys[] | undefined;

  earlyKeyCandidates(): DirectionKeys[] {
    if (this.early !== undefined) return this.early;
    const secret = this.secrets?.clientEarlyTrafficSecret;
    const ch = this.clientHello;
    if (secret === undefined || ch === undefined) return [];
    const out: DirectionKeys[] = [];
    for (const suite of ch.cipherSuites) {
      const k = packetKeys(this.conn.version, suite, secret);
      if (k !== undefined) out.push(k);
    }
    this.early = out;
    return out;
  }

  crypto(from: Side, level: QuicLevel, bytes: Buffer, first: Stamp, now: Stamp): void {
    if (level === 'initial') this.readers[from].feed(bytes, first, now);
    else if (level === 'handshake') {
      this.handshakeReaders ??= { client: this.reader('client', 'handshake'), server: this.reader('server', 'handshake') };
      this.handshakeReaders[from].feed(bytes, first, now);
    }
  }

  private reader(from: Side, level: 'initial' | 'handshake'): HandshakeReader {
    return new HandshakeReader({
      message: (m) => (level === 'initial' ? this.message(from, m) : this.handshakeMessage(from, m)),
      problem: (text) => this.problem(text),
    });
  }

  /** At the ClientHello: the connection's secrets from the key source, by the hello's random. */
  private lookupSecrets(body: Buffer): void {
    if (this.keySource === undefined || this.secrets !== null) return;
    const random = helloRandom(body);
    if (random === null) return;
    this.secrets = this.keySource.lookup(random);
  }

  /** At the ServerHello: packet keys of both levels and sides, from the secrets and the cipher suite. */
  private deriveKeys(sh: ServerHelloInfo): void {
    const s = this.secrets;
    if (s === null || s === undefined) return;
    const version = this.conn.version;
    const derive = (secret: Buffer | undefined): DirectionKeys | undefined => (secret === undefined ? undefined : packetKeys(version, sh.cipherSuite, secret));
    const handshake = { client: derive(s.clientHandshakeTrafficSecret), server: derive(s.serverHandshakeTrafficSecret) };
    if (handshake.client === undefined && handshake.server === undefined) {
      if (s.clientHandshakeTrafficSecret !== undefined || s.serverHandshakeTrafficSecret !== undefined) {
        this.unsupported = true;
        this.problem(`key log secrets not usable with cipher suite 0x${sh.cipherSuite.toString(16).padStart(4, '0')} and QUIC ${this.conn.version >>> 0}`);
      } else this.problem('key log has no handshake traffic secrets for this connection');
      return;
    }
    this.keys = { handshake, application: { client: derive(s.clientTrafficSecret0), server: derive(s.serverTrafficSecret0) } };
  }

  /** A message of the Handshake level (decrypted with keys). */
  private handshakeMessage(from: Side, m: HandshakeMessage): void {
    const type = HANDSHAKE_LEVEL_EVENTS[m.type];
    if (type === undefined) {
      this.problem(`unexpected handshake message type ${m.type} from the ${from} in Handshake packets`);
      return;
    }
    if (m.body !== null && from === 'server') {
      if (m.type === ENCRYPTED_EXTENSIONS && this.alpn === undefined) {
        const ee = parseEncryptedExtensionsAlpn(m.body);
        if (typeof ee === 'string') this.problem(ee);
        else if (ee.alpn !== undefined) this.alpn = ee.alpn;
        this.earlyDataAccepted = hasExtension(m.body, EARLY_DATA);
      } else if (m.type === CERTIFICATE && this.certificate === undefined) {
        const c = parseCertificate(m.body, true);
        if (typeof c === 'string') this.problem(c);
        else this.certificate = c;
      }
    }
    if (m.type === FINISHED && this.finished[from] === undefined) this.finished[from] = m.last;
    this.event(type, from, m);
  }

  private problem(text: string): void {
    if (this.problems.length < MAX_PROBLEMS && !this.problems.includes(text)) this.problems.push(text);
  }

  private event(type: EventType, from: Side, m: HandshakeMessage): void {
    if (this.events.some((e) => e.type === type && e.from === from)) return;
    this.events.push({ type, from, first: m.first, last: m.last, bytes: 4 + m.length, at: this.conn.events.length });
  }

  private message(from: Side, m: HandshakeMessage): void {
    if (m.body === null) {
      this.problem(`handshake message type ${m.type} of ${m.length} bytes too long to read`);
      return;
    }
    if (from === 'client' && m.type === CLIENT_HELLO) {
      const ch = parseClientHello(m.body);
      if (typeof ch === 'string') return this.problem(ch);
      if (this.clientHello === undefined) {
        this.clientHello = ch.info;
        this.sessionId = Buffer.from(ch.sessionId);
        this.clientHelloFirst = m.first;
        this.lookupSecrets(m.body);
      }
      this.event('ClientHello', from, m);
    } else if (from === 'server' && m.type === SERVER_HELLO) {
      const sh = parseServerHello(m.body, this.sessionId);
      if (typeof sh === 'string') return this.problem(sh);
      if (sh.helloRetry) {
        this.helloRetry = true;
        this.event('HelloRetryRequest', from, m);
        return;
      }
      if (this.serverHello === undefined) {
        this.serverHello = sh;
        this.deriveKeys(sh);
      }
      this.event('ServerHello', from, m);
    } else {
      this.problem(`unexpected handshake message type ${m.type} from the ${from} in Initial packets`);
    }
  }
}
