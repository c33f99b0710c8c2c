/**
 * Connection table: 4-tuple -> open connection, in the spirit of Wireshark's
 * tcp.stream numbering (0-based, in order of first packet; a SYN with a new
 * initial sequence number on a used 4-tuple starts a new connection).
 *
 * State lives only while a connection is open: a closed connection is handed
 * to `onClose` once it has been quiet for `closedLingerSec` of capture time
 * (late ACKs and retransmitted FINs still belong to it), and an open one that
 * idles for `idleReleaseSec` has its reassembly buffers released.
 */
import type { DecodedPacket } from '../decode/types.js';
import type { Stamp } from '../tls/types.js';
import { TcpConnection, type Dir, type Endpoint, type StreamConsumer } from './connection.js';

export interface TrackerOptions {
  /** Seconds a closed connection lingers for late packets before it is finalized (default 60). */
  closedLingerSec?: number;
  /** Seconds without packets after which an open connection's buffers are released (default 300). */
  idleReleaseSec?: number;
  /** Frames between idle sweeps (default 16384). */
  sweepEvery?: number;
}

export class ConnectionTracker {
  private readonly table = new Map<string, TcpConnection>();
  private nextId = 0;
  private sinceSweep = 0;
  private readonly closedLingerSec: number;
  private readonly idleReleaseSec: number;
  private readonly sweepEvery: number;

  constructor(
    /** Attaches a reader of the connection's streams (or none). */
    private readonly attach: (conn: TcpConnection) => StreamConsumer | undefined,
    /** Receives each connection once, when it is finalized. */
    private readonly onFinal: (conn: TcpConnection) => void,
    opts: TrackerOptions = {},
  ) {
    this.closedLingerSec = opts.closedLingerSec ?? 60;
    this.idleReleaseSec = opts.idleReleaseSec ?? 300;
    this.sweepEvery = opts.sweepEvery ?? 16384;
  }

  get open(): number {
    return this.table.size;
  }

  get created(): number {
    return this.nextId;
  }

  /** A decoded packet with a TCP header. */
  packet(p: DecodedPacket, stamp: Stamp, wire: number): void {
    const tcp = p.tcp!;
    const src = p.src!;
    const dst = p.dst!;
    const a = src + ' ' + tcp.srcPort;
    const b = dst + ' ' + tcp.dstPort;
    const key = a < b ? a + '|' + b : b + '|' + a;
    let conn = this.table.get(key);
    let dir: Dir = 0;
    if (conn !== undefined) {
      const e = conn.endpoints[0];
      dir = e.port === tcp.srcPort && e.ip === src ? 0 : 1;
      if (conn.isNewConnectionSyn(dir, tcp)) {
        this.table.delete(key);
        this.finalize(conn);
        conn = undefined;
      }
    }
    if (conn === undefined) {
      const ea: Endpoint = { ip: src, port: tcp.srcPort };
      const eb: Endpoint = { ip: dst, port: tcp.dstPort };
      conn = new TcpConnection(this.nextId++, ea, eb, stamp);
      conn.consumer = this.attach(conn);
      this.table.set(key, conn);
      dir = 0;
    }
    conn.segment(dir, tcp, stamp, wire);
    if (++this.sinceSweep >= this.sweepEvery) {
      this.sinceSweep = 0;
      this.sweep(stamp);
    }
  }

  /** End of capture: finalize everything still open, in id order. */
  finish(): void {
    const rest = [...this.table.values()].sort((x, y) => x.id - y.id);
    this.table.clear();
    for (const c of rest) this.finalize(c);
  }

  private sweep(now: Stamp): void {
    for (const [key, c] of this.table) {
      const idle = now.tsSec - c.lastStamp.tsSec;
      if (c.closed && idle > this.closedLingerSec) {
        this.table.delete(key);
        this.finalize(c);
      } else if (idle > this.idleReleaseSec) {
        c.release();
      }
    }
  }

  private finalize(c: TcpConnection): void {
    c.release();
    this.onFinal(c);
  }
}
