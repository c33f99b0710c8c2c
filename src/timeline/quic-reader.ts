/**
 * Reads a QUIC connection's CRYPTO bytes (src/quic hands them over through
 * QuicCryptoConsumer, per side and level in offset order) with the TLS stage's
 * HandshakeReader, and parses the ClientHello and ServerHello out of the
 * Initial level, the way src/timeline/reader.ts drives TLS over TCP.
 */
import type { Side, Stamp } from '../base/stamp.js';
import type { QuicCryptoConsumer, QuicLevel } from '../quic/types.js';
import type { QuicConnection } from '../quic/tracker.js';
import { HandshakeReader, type HandshakeMessage } from '../tls/handshake.js';
import { parseClientHello, parseServerHello } from '../tls/hello.js';
import type { ClientHelloInfo, ServerHelloInfo } from '../tls/types.js';
import type { EventType } from './types.js';

const CLIENT_HELLO = 1;
const SERVER_HELLO = 2;
const MAX_PROBLEMS = 20;

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
  private sessionId: Buffer | undefined;
  private readonly readers: { client: HandshakeReader; server: HandshakeReader };

  constructor(private readonly conn: QuicConnection) {
    this.readers = { client: this.reader('client'), server: this.reader('server') };
  }

  get wantsCrypto(): boolean {
    return this.clientHello === undefined || this.serverHello === undefined;
  }

  crypto(from: Side, level: QuicLevel, bytes: Buffer, first: Stamp, now: Stamp): void {
    if (level !== 'initial') return; // Handshake-level CRYPTO needs keys.
    this.readers[from].feed(bytes, first, now);
  }

  private reader(from: Side): HandshakeReader {
    return new HandshakeReader({
      message: (m) => this.message(from, m),
      problem: (text) => this.problem(text),
    });
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
      if (this.serverHello === undefined) this.serverHello = sh;
      this.event('ServerHello', from, m);
    } else {
      this.problem(`unexpected handshake message type ${m.type} from the ${from} in Initial packets`);
    }
  }
}
