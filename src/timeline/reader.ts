/**
 * Reads a connection's reassembled streams: recognises TLS by content (at the
 * start of a direction or, after a plaintext exchange such as STARTTLS, at the
 * start of a later segment), runs the TLS session, and keeps its messages.
 */
import type { Dir, StreamConsumer, TcpConnection } from '../tcp/connection.js';
import { sniffTls, TlsSession } from '../tls/index.js';
import type { Side, Stamp } from '../base/stamp.js';
import type { TlsMessage } from '../tls/types.js';

/** Plaintext bytes per direction scanned for a STARTTLS switch before giving up. */
export const PLAINTEXT_SCAN_LIMIT = 64 * 1024;

/**
 * Once the handshake and the first application data are read, records are
 * followed only for later alerts: a hole is then given up on after this many
 * held bytes instead of 1 MiB, so many lossy bulk transfers cannot add up.
 */
export const AFTER_HANDSHAKE_HELD_LIMIT = 64 * 1024;

type Mode = 'sniff' | 'tls' | 'off';

export interface SetupSnapshot {
  stamp: Stamp;
  packets: number;
  bytes: number;
}

export class ConnectionReader implements StreamConsumer {
  private readonly mode: [Mode, Mode] = ['sniff', 'sniff'];
  private readonly plain: [number, number] = [0, 0];
  session: TlsSession | undefined;
  private readonly list: TlsMessage[] = [];
  /** Plaintext was exchanged before TLS began. */
  startTls = false;
  /** Packet and byte counters of the connection when the TLS handshake completed. */
  tlsDone: SetupSnapshot | undefined;
  private limited = false;

  constructor(private readonly conn: TcpConnection) {}

  /**
   * The TLS messages, once the capture has ended: reading them resolves what
   * the session still held pending (a TLS 1.3 client flight).
   */
  get messages(): TlsMessage[] {
    this.session?.end();
    return this.list;
  }

  wants(dir: Dir): boolean {
    return this.mode[dir] !== 'off';
  }

  data(dir: Dir, chunk: Buffer, stamp: Stamp, segmentStart: boolean): void {
    const mode = this.mode[dir];
    if (mode === 'off') return;
    if (mode === 'tls' || (segmentStart && this.trySwitch(dir, chunk))) {
      const before = this.list.length;
      this.session!.feed(this.side(dir), chunk, stamp);
      this.afterFeed(before);
      return;
    }
    this.plain[dir] += chunk.length;
    if (this.plain[dir] > PLAINTEXT_SCAN_LIMIT) this.mode[dir] = 'off';
  }

  gap(dir: Dir, lost: number): void {
    if (this.mode[dir] === 'tls') this.session!.gap(this.side(dir), lost);
    else if (this.mode[dir] === 'sniff') this.plain[dir] += lost;
  }

  private side(dir: Dir): Side {
    return dir === this.conn.clientDir ? 'client' : 'server';
  }

  /** Decide whether TLS starts at this segment. */
  private trySwitch(dir: Dir, chunk: Buffer): boolean {
    const kind = sniffTls(chunk);
    if (kind === 'no' || kind === 'need-more') return false;
    const clientHello = kind === 'sslv2' || chunk[5] === 1;
    if (this.session === undefined) {
      if (!clientHello) return false;
      // The ClientHello's sender is the client, unless a SYN already said otherwise.
      if (this.conn.clientEvidence !== 'syn' && this.conn.clientEvidence !== 'syn-ack') {
        this.conn.setClient(dir, 'tls');
      }
      if (this.plain[0] + this.plain[1] > 0) this.startTls = true;
      this.session = new TlsSession((m) => this.list.push(m));
    } else if (this.side(dir) !== 'server' || clientHello) {
      return false;
    }
    this.mode[dir] = 'tls';
    return true;
  }

  private afterFeed(firstNew: number): void {
    const s = this.session!;
    if (!this.limited && s.done) {
      this.limited = true;
      this.conn.limitHeld(AFTER_HANDSHAKE_HELD_LIMIT);
    }
    if (this.tlsDone === undefined) {
      for (let i = firstNew; i < this.list.length; i++) {
        if (this.list[i]!.type !== 'Finished') continue;
        const done = s.summary().handshakeDone;
        if (done) this.tlsDone = { stamp: done, packets: this.conn.packets, bytes: this.conn.bytes };
        break;
      }
    }
  }
}
