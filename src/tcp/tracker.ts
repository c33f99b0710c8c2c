/**
 * Connection table: 4-tuple -> open connection, in the spirit of Wireshark's
 * tcp.stream numbering (0-based, in order of first packet; a SYN with a new
 * initial sequence number on a used 4-tuple starts a new connection).
 *
 * State lives only while a connection is open: a closed connection is handed
 * to `onClose` once it has been quiet for `closedLingerSec` of capture time
 * (late ACKs and retransmitted FINs still belong to it), and an open one that
 * idles for `idleReleaseSec` has its reassembly buffers released.
 *
 * On a live source (a pipe from tcpdump) capture time only moves when packets
 * come, so the linger is also bounded in wall-clock time: with `liveLingerMs`
 * set, `expire(now)` (called on a timer by the caller) finalizes a closed
 * connection that has had no packet for that long. Offline reading never sets
 * it, and its results do not depend on the clock.
 */
import type { DecodedPacket } from '../decode/types.js';
import type { Stamp } from '../base/stamp.js';
import { TcpConnection, type Dir, type Endpoint, type StreamConsumer } from './connection.js';

export interface TrackerOptions {
  /** Seconds a closed connection lingers for late packets before it is finalized (default 60). */
  closedLingerSec?: number;
  /** Seconds without packets after which an open connection's buffers are released (default 300). */
  idleReleaseSec?: number;
  /** Frames between idle sweeps (default 16384). */
  sweepEvery?: number;
  /** Live source: wall-clock ms a closed connection lingers for late packets (see expire()). Unset offline. */
  liveLingerMs?: number;
  /** Wall clock in ms for liveLingerMs (default Date.now). */
  clock?: () => number;
}

export class ConnectionTracker {
  /**
   * Open connections by 4-tuple, as numbers: each address string gets a small
   * id (the decode stage hands out the same string object for the same
   * address, so its hash is computed once), the unordered address pair and the
   * port pair ordered the same way make two numeric keys.
   */
  private readonly table = new Map<number, Map<number, TcpConnection>>();
  private readonly open = new Set<TcpConnection>();
  private readonly ipIds = new Map<string, number>();
  private readonly keys = new WeakMap<TcpConnection, [number, number]>();
  private nextId = 0;
  private sinceSweep = 0;
  private readonly closedLingerSec: number;
  private readonly idleReleaseSec: number;
  private readonly sweepEvery: number;
  private readonly liveLingerMs: number | undefined;
  private readonly clock: () => number;
  /** Live source only: wall-clock ms of each open connection's last packet. */
  private readonly lastWall = new WeakMap<TcpConnection, number>();

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
    this.liveLingerMs = opts.liveLingerMs;
    this.clock = opts.clock ?? Date.now;
  }

  get openCount(): number {
    return this.open.size;
  }

  get created(): number {
    return this.nextId;
  }

  private ipId(ip: string): number {
    let id = this.ipIds.get(ip);
    if (id === undefined) {
      id = this.ipIds.size;
      this.ipIds.set(ip, id);
    }
    return id;
  }

  /** A decoded packet with a TCP header. */
  packet(p: DecodedPacket, stamp: Stamp, wire: number): void {
    const tcp = p.tcp!;
    const src = p.src!;
    const dst = p.dst!;
    const sport = tcp.srcPort;
    const dport = tcp.dstPort;
    const is = this.ipId(src);
    const id = this.ipId(dst);
    // Canonical order: lower address id first (ports break the tie on one address).
    const forward = is < id || (is === id && sport <= dport);
    const pairKey = forward ? is * 0x4000000 + id : id * 0x4000000 + is;
    const portKey = forward ? sport * 65536 + dport : dport * 65536 + sport;
    let ports = this.table.get(pairKey);
    let conn = ports?.get(portKey);
    let dir: Dir = 0;
    if (conn !== undefined) {
      const a = conn.endpoints[0];
      dir = a.port === sport && a.ip === src ? 0 : 1;
      if (conn.isNewConnectionSyn(dir, tcp)) {
        this.remove(conn);
        this.finalize(conn);
        conn = undefined;
        ports = this.table.get(pairKey); // remove() may have dropped the emptied map
      }
    }
    if (conn === undefined) {
      const ea: Endpoint = { ip: src, port: sport };
      const eb: Endpoint = { ip: dst, port: dport };
      conn = new TcpConnection(this.nextId++, ea, eb, stamp);
      conn.consumer = this.attach(conn);
      if (ports === undefined) {
        ports = new Map();
        this.table.set(pairKey, ports);
      }
      ports.set(portKey, conn);
      this.keys.set(conn, [pairKey, portKey]);
      this.open.add(conn);
      dir = 0;
    }
    conn.segment(dir, tcp, stamp, wire);
    if (this.liveLingerMs !== undefined) this.lastWall.set(conn, this.clock());
    if (++this.sinceSweep >= this.sweepEvery) {
      this.sinceSweep = 0;
      this.sweep(stamp);
    }
  }

  /** The connections not finalized yet, in order of creation (for a live view; do not modify them). */
  openConnections(): IterableIterator<TcpConnection> {
    return this.open.values();
  }

  /**
   * Live source: finalize every closed connection whose last packet came more
   * than `liveLingerMs` of wall-clock time before `nowMs`. Returns how many.
   * Does nothing unless `liveLingerMs` was set.
   */
  expire(nowMs: number): number {
    const linger = this.liveLingerMs;
    if (linger === undefined) return 0;
    let n = 0;
    for (const c of this.open) {
      if (!c.closed) continue;
      const last = this.lastWall.get(c);
      if (last !== undefined && nowMs - last < linger) continue;
      this.remove(c);
      this.finalize(c);
      n++;
    }
    return n;
  }

  /** End of capture: finalize everything still open, in id order. */
  finish(): void {
    const rest = [...this.open].sort((x, y) => x.id - y.id);
    this.table.clear();
    this.open.clear();
    for (const c of rest) this.finalize(c);
  }

  private remove(c: TcpConnection): void {
    const k = this.keys.get(c)!;
    const ports = this.table.get(k[0])!;
    ports.delete(k[1]);
    if (ports.size === 0) this.table.delete(k[0]);
    this.open.delete(c);
  }

  private sweep(now: Stamp): void {
    for (const c of this.open) {
      const idle = now.tsSec - c.lastStamp.tsSec;
      if (c.closed && idle > this.closedLingerSec) {
        this.remove(c);
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
