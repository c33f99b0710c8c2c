/**
 * Connection table: 4-tuple -> open connection, in the spirit of Wireshark's
 * tcp.stream numbering (0-based, in order of first packet; a SYN with a new
 * initial sequence number on a used 4-tuple starts a new connection).
 *
 * State lives only while a connection is open: a closed connection is handed
 * to `onFinal` once it has been quiet for `closedLingerSec` of capture time
 * (late ACKs and retransmitted FINs still belong to it) or sooner when more
 * than `maxClosedLinger` are lingering (the longest closed goes first), an open one that
 * idles for `idleReleaseSec` has its reassembly buffers released, and beyond
 * `maxOpenConnections` open at once the longest-idle one is finalized early,
 * in the state it has then (`finalizedEarly`).
 *
 * Every step is O(1) per packet (amortised): open connections are kept in
 * linked lists in order of last activity (a packet moves its connection to the
 * back), so sweeps and evictions take from the front and stop at the first one
 * that has not expired.
 *
 * On a live source (a pipe from tcpdump) capture time only moves when packets
 * come, so the linger is also bounded in wall-clock time: with `liveLingerMs`
 * set, `expire(now)` (called on a timer by the caller) finalizes a closed
 * connection that has had no packet for that long. Offline reading never sets
 * it, and its results do not depend on the clock.
 */
import { TCP_ACK, TCP_SYN, type DecodedPacket } from '../decode/types.js';
import type { Stamp } from '../base/stamp.js';
import { TcpConnection, type Dir, type Endpoint, type StreamConsumer } from './connection.js';
import { DEFAULT_HELD_BUDGET, HeldBudget } from './reassembly.js';
import { ActivityList, ClosedList } from './lists.js';
import { grown } from '../base/typed.js';
import { TupleTable, tupleHash } from './tuple-table.js';
import { textHash } from '../base/hash.js';

/**
 * Default cap on connections open at once. A connection that only sent a SYN
 * costs ~0.8 KB of heap (the pipeline attaches its reader with the first
 * payload, see attachOnPayload; 1.36 KB with a reader), so at the cap a SYN
 * flood's table holds ~80 MB: 2,000,000 unanswered SYNs peak at 253 MiB RSS
 * with NDJSON output (the CLI bounds V8's heap growth to 1.5× once 20,000 are
 * open). A connection in the middle of a TLS handshake costs ~7 KB (TLS
 * readers, facts, stamps): 100,000 of them open at once peak at 881 MiB RSS,
 * under the 1 GiB ceiling. Beyond the cap the longest idle is finalized early, and its
 * later packets are counted (TrackerStats.afterEarly), not made into new mid-stream
 * connections: the 64,000 open mid-stream connections of issue 15's port-reuse row,
 * read with a cap of 50,000, were 128,000 records (142,000 before), each numbered apart
 * from tcp.stream, and are 64,000 now (14,000 finalized early). Real
 * captures rarely hold more than tens of thousands of live connections at
 * once, and only the longest-idle are finalized early. `--memory` scales it
 * (analyze.ts memoryCaps).
 */
export const DEFAULT_MAX_OPEN = 100_000;

/** Default bound on closed connections lingering for late packets (see TrackerOptions.maxClosedLinger). */
export const DEFAULT_MAX_CLOSED = 4096;

export interface TrackerOptions {
  /** Seconds a closed connection lingers for late packets before it is finalized (default 60). */
  closedLingerSec?: number;
  /**
   * Closed connections lingering at once (default DEFAULT_MAX_CLOSED): beyond
   * it the one closed the longest is finalized before its linger is over. A
   * busy capture closes thousands of connections a second, and 60 s of them
   * held every byte of their state (100,000 connections closed within a few
   * seconds of capture time were all held to the end).
   */
  maxClosedLinger?: number;
  /**
   * Seconds of capture time a closed connection is quiet before the count
   * bound may finalize it (default 1): the last ACK and retransmitted FINs
   * come within it, and a late packet of a finalized connection would start a
   * new, mid-stream one.
   */
  closedQuietSec?: number;
  /** Seconds without packets after which an open connection's buffers are released (default 300). */
  idleReleaseSec?: number;
  /** Frames between idle sweeps (default 16384). */
  sweepEvery?: number;
  /** Connections open at once before the longest-idle one is finalized early (default DEFAULT_MAX_OPEN). */
  maxOpenConnections?: number;
  /** Bytes held ahead of holes across all connections before the oldest hole is given up (default 64 MiB). */
  heldBudgetBytes?: number;
  /** Live source: wall-clock ms a closed connection lingers for late packets (see expire()). Unset offline. */
  liveLingerMs?: number;
  /** Wall clock in ms for liveLingerMs (default Date.now). */
  clock?: () => number;
  /**
   * Attach a connection's reader at its first segment with payload instead of
   * when it is created (default false). A connection that never carries
   * payload (an unanswered SYN, a refused one) then costs no reader: 0.6 KB
   * less per open connection of a SYN flood. `attach` must then return a
   * consumer, or it is asked again at the next segment with payload.
   */
  attachOnPayload?: boolean;
}

/** What the tracker dropped or gave up to stay within its bounds (the analyze stage turns these into warnings). */
export interface TrackerStats {
  /** Connections finalized before they ended because more than `maxOpenConnections` were open. */
  finalizedEarly: number;
  /**
   * Later packets of connections finalized early: counted and not analysed (a new SYN
   * starts a new connection as usual). Each used to start a new, mid-stream connection,
   * which at the cap finalized another one early, and so on: 200,000 connections open at
   * once with a cap of 100,000 made 1,900,000 records, numbered apart from tcp.stream.
   */
  afterEarly: number;
  /**
   * Later packets (a last ACK, a retransmitted FIN) of closed connections finalized before
   * their linger was over (`closedEarly`, or to make room at the cap): counted, not analysed,
   * rather than each starting a new mid-stream connection numbered apart from tcp.stream.
   */
  afterClosed: number;
  /** Most connections open at once. */
  peakOpen: number;
  /** Closed connections finalized before their linger was over because more than `maxClosedLinger` were lingering. */
  closedEarly: number;
  /** Times a direction gave up its holes because the shared held-bytes budget was full. */
  heldEvictions: number;
  /** Holes given up that way, and the bytes that were missing in them (reported as gaps). */
  holesGivenUp: number;
  bytesGivenUp: number;
  /** Most bytes held ahead of holes at once (payload plus per-segment overhead). */
  peakHeldBytes: number;
}

/**
 * A 4-tuple as a 53-bit number, the same from either side: two 32-bit FNV-style hashes
 * of the endpoints in canonical order (no string is made per lookup). Two tuples share a
 * number with a chance of about 2^-53 per pair: at 100,000 remembered, about 1 in
 * 10^11 lookups of a new tuple would be taken for a remembered one (its packet counted
 * as a late packet instead of starting a mid-stream connection).
 */
function tupleKey(ipA: string, portA: number, ipB: string, portB: number): number {
  const forward = ipA < ipB || (ipA === ipB && portA <= portB);
  h1 = 0x811c9dc5 | 0;
  h2 = 0x27d4eb2f | 0;
  mixEndpoint(forward ? ipA : ipB, (forward ? portA : portB) | 0x10000);
  mixEndpoint(forward ? ipB : ipA, (forward ? portB : portA) | 0x20000);
  h2 ^= h2 >>> 15;
  return (h1 >>> 0) * 0x200000 + ((h2 >>> 0) & 0x1fffff) + 1; // never 0 (an empty slot); at most 2^53
}

/** tupleKey's two running hashes (module state: no object per lookup). */
let h1 = 0;
let h2 = 0;

/** Feeds one endpoint to both hashes: the address's characters, then the port tagged with its place. */
function mixEndpoint(ip: string, taggedPort: number): void {
  for (let i = 0; i < ip.length; i++) {
    const c = ip.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
  }
  h1 = Math.imul(h1 ^ taggedPort, 0x01000193);
  h2 = Math.imul(h2 ^ taggedPort, 0x5bd1e995);
}

/**
 * A bounded set of tuple keys (53-bit numbers, never 0) that forgets the oldest first:
 * open addressing in a Float64Array (0 = empty, -1 = deleted) and a ring of the keys in
 * the order they came, 8 bytes each, so remembering allocates nothing per key (a Map with
 * number keys boxed each one: +11 % CPU on 1,000,000 SYNs past the cap), and the oldest
 * is found at the ring's head, not by walking a Set's deleted entries (80 s instead of 22).
 */
class TupleMemory {
  private table = new Float64Array(0);
  private ring = new Float64Array(0);
  private used = 0;
  private head = 0;
  /** Live keys, and deleted slots in the table. */
  size = 0;
  private tombs = 0;

  constructor(private readonly max: number) {}

  private slot(key: number): number {
    const mask = this.table.length - 1;
    let i = (key % 0x40000000) & mask;
    while (this.table[i] !== 0 && this.table[i] !== key) i = (i + 1) & mask;
    return i;
  }

  has(key: number): boolean {
    return this.table.length > 0 && this.table[this.slot(key)] === key;
  }

  /** Forgets a key (its ring slot is reused in its turn). */
  delete(key: number): void {
    if (this.table.length === 0) return;
    const i = this.slot(key);
    if (this.table[i] !== key) return;
    this.table[i] = -1;
    this.size--;
    this.tombs++;
  }

  /** Remembers a key, forgetting the oldest one beyond `max`. */
  add(key: number): void {
    if (this.has(key)) return;
    if (this.used < this.max) {
      if (this.used === this.ring.length) this.ring = grown(this.ring, Math.min(this.max, this.used + 1), 1024);
      this.ring[this.used++] = key;
    } else {
      this.delete(this.ring[this.head]!); // nothing if it was forgotten already
      this.ring[this.head] = key;
      this.head = (this.head + 1) % this.max;
    }
    // Load (live + deleted) at most 1/2: grow, or rebuild without the deleted slots.
    if (2 * (this.size + this.tombs + 1) > this.table.length) this.rebuild();
    this.table[this.slot(key)] = key;
    this.size++;
  }

  private rebuild(): void {
    const old = this.table;
    let n = 1024;
    while (n < 4 * (this.size + 1)) n *= 2;
    this.table = new Float64Array(n);
    this.tombs = 0;
    for (const k of old) if (k > 0) this.table[this.slot(k)] = k;
  }
}

export class ConnectionTracker {
  /** Open connections by 4-tuple (src/tcp/tuple-table.ts). */
  private readonly table = new TupleTable<TcpConnection>();
  /** Open, not released, by last activity (front: idle the longest). */
  private readonly active = new ActivityList();
  /** Open and released (idle past idleReleaseSec), by last activity. */
  private readonly idle = new ActivityList();
  /** Closed and lingering, by last activity. */
  private readonly closed = new ClosedList();
  private lastTouched: TcpConnection | undefined;
  /** Next connection id (tcp.stream). */
  private nextConn = 0;
  private sinceSweep = 0;
  private readonly closedLingerSec: number;
  private readonly idleReleaseSec: number;
  private readonly sweepEvery: number;
  private readonly maxOpen: number;
  private readonly maxClosed: number;
  private readonly closedQuietSec: number;
  private closedEarly = 0;
  private readonly budget: HeldBudget;
  private finalizedEarly = 0;
  private peakOpen = 0;
  private readonly liveLingerMs: number | undefined;
  private readonly clock: () => number;
  private readonly attachOnPayload: boolean;
  /**
   * 4-tuples (tupleKey) of the connections finalized before their time, oldest first, at
   * most maxOpen of each kind (~100 bytes each): open ones at the cap (their later packets
   * are counted in afterEarly) and closed ones before their linger was over (afterClosed).
   * Looked up only on a table miss, and only once there is one.
   */
  private readonly earlyOpen: TupleMemory;
  private readonly earlyClosed: TupleMemory;
  private afterEarly = 0;
  private afterClosed = 0;

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
    this.maxOpen = Math.max(1, opts.maxOpenConnections ?? DEFAULT_MAX_OPEN);
    this.earlyOpen = new TupleMemory(this.maxOpen);
    this.earlyClosed = new TupleMemory(this.maxOpen);
    this.maxClosed = Math.max(1, opts.maxClosedLinger ?? DEFAULT_MAX_CLOSED);
    this.closedQuietSec = opts.closedQuietSec ?? 1;
    this.budget = new HeldBudget(opts.heldBudgetBytes ?? DEFAULT_HELD_BUDGET);
    this.liveLingerMs = opts.liveLingerMs;
    this.clock = opts.clock ?? Date.now;
    this.attachOnPayload = opts.attachOnPayload ?? false;
  }

  get stats(): TrackerStats {
    return {
      finalizedEarly: this.finalizedEarly,
      afterEarly: this.afterEarly,
      afterClosed: this.afterClosed,
      peakOpen: this.peakOpen,
      closedEarly: this.closedEarly,
      heldEvictions: this.budget.evictions,
      holesGivenUp: this.budget.holesGivenUp,
      bytesGivenUp: this.budget.bytesGivenUp,
      peakHeldBytes: this.budget.peak,
    };
  }

  /** Connections open now. */
  get open(): number {
    return this.active.size + this.idle.size;
  }

  /** A decoded packet with a TCP header. */
  packet(p: DecodedPacket, stamp: Stamp, wire: number): void {
    const tcp = p.tcp!;
    const src = p.src!;
    const dst = p.dst!;
    const sport = tcp.srcPort;
    const dport = tcp.dstPort;
    const h = tupleHash(p.srcHash ?? textHash(src), sport, p.dstHash ?? textHash(dst), dport);
    let conn = this.table.find(h, src, sport, dst, dport);
    let dir: Dir = 0;
    if (conn !== undefined) {
      dir = conn.portA === sport && conn.ipA === src ? 0 : 1;
      if (conn.isNewConnectionSyn(dir, tcp)) {
        this.remove(conn);
        this.finalize(conn);
        conn = undefined;
      }
    }
    if (conn === undefined) {
      // A packet of a connection finalized before its time (see `earlyOpen`) is counted, unless it is a
      // new connection's SYN (without ACK), which starts one as on any tuple (the tuple stays
      // remembered: a late packet after that connection too is counted).
      if (this.earlyOpen.size + this.earlyClosed.size > 0 && (tcp.flags & (TCP_SYN | TCP_ACK)) !== TCP_SYN) {
        const key = tupleKey(src, sport, dst, dport);
        if (this.earlyOpen.has(key)) {
          this.afterEarly++;
          return;
        }
        if (this.earlyClosed.has(key)) {
          this.afterClosed++;
          return;
        }
      }
      conn = this.create(src, sport, dst, dport, h, stamp);
      dir = 0;
    } else if (conn !== this.lastTouched) {
      this.touch(conn);
    }
    if (this.attachOnPayload && tcp.payloadLength > 0 && conn.consumer === undefined) conn.consumer = this.attach(conn);
    const wasClosed = conn.closed;
    conn.segment(dir, tcp, stamp, wire);
    if (!wasClosed && conn.closed) {
      this.closed.push(conn);
      if (this.closed.size > this.maxClosed) this.trimClosed(stamp);
    }
    // A field, not a WeakMap entry per packet (-3 % CPU on a 1.2 GB capture piped in).
    if (this.liveLingerMs !== undefined) conn.lastWallMs = this.clock();
    if (++this.sinceSweep >= this.sweepEvery) {
      this.sinceSweep = 0;
      this.sweep(stamp);
    }
  }

  /** The connections not finalized yet, least recently active first (for a live view; do not modify them). */
  *openConnections(): IterableIterator<TcpConnection> {
    for (let c = this.idle.head; c; c = c.listNext) yield c;
    for (let c = this.active.head; c; c = c.listNext) yield c;
  }

  /**
   * Live source: finalize every closed connection whose last packet came at
   * least `liveLingerMs` of wall-clock time before `nowMs`. Returns how many.
   * The closed ones are in order of last activity, so this stops at the first
   * that has not waited long enough. Does nothing unless `liveLingerMs` was set.
   */
  expire(nowMs: number): number {
    const linger = this.liveLingerMs;
    if (linger === undefined) return 0;
    let n = 0;
    for (let c = this.closed.head; c !== undefined; c = this.closed.head) {
      const last = c.lastWallMs;
      if (last >= 0 && nowMs - last < linger) break;
      this.remove(c);
      this.finalize(c);
      n++;
    }
    return n;
  }

  /** End of capture: finalize everything still open, in id order. */
  finish(): void {
    while (this.finishSome(Infinity));
  }

  /** The connections still open when finishing began, lowest id first, each let go once finalized. */
  private rest: (TcpConnection | undefined)[] | undefined;
  private restAt = 0;

  /**
   * finish() in steps: finalizes up to `n` of the connections still open, lowest id first;
   * true while some are left. A streamed output waits for its reader between steps: at the
   * end of a SYN flood 100,000 open connections were finalized at once, ~100 MB of NDJSON
   * queued to a pipe.
   */
  finishSome(n: number): boolean {
    if (this.rest === undefined) {
      const rest: TcpConnection[] = [];
      for (let c = this.active.head; c; c = c.listNext) rest.push(c);
      for (let c = this.idle.head; c; c = c.listNext) rest.push(c);
      rest.sort((x, y) => x.id - y.id);
      this.table.clear();
      this.active.clear();
      this.idle.clear();
      this.closed.clear();
      this.lastTouched = undefined;
      this.rest = rest;
      this.restAt = 0;
    }
    const rest = this.rest;
    const end = Math.min(rest.length, this.restAt + n);
    while (this.restAt < end) {
      const c = rest[this.restAt]!;
      rest[this.restAt++] = undefined;
      this.finalize(c);
    }
    if (this.restAt < rest.length) return true;
    this.rest = []; // done: the emptied slots are let go
    this.restAt = 0;
    return false;
  }

  private create(src: string, sport: number, dst: string, dport: number, h: number, stamp: Stamp): TcpConnection {
    if (this.open >= this.maxOpen) this.evictIdlest();
    const ea: Endpoint = { ip: src, port: sport };
    const eb: Endpoint = { ip: dst, port: dport };
    const conn = new TcpConnection(this.nextConn++, ea, eb, stamp, this.budget);
    if (!this.attachOnPayload) conn.consumer = this.attach(conn);
    conn.tupleHash = h;
    this.table.add(conn);
    this.active.push(conn);
    this.lastTouched = conn;
    if (this.open > this.peakOpen) this.peakOpen = this.open;
    return conn;
  }

  /** Move a connection to the back of its activity order. */
  private touch(c: TcpConnection): void {
    if (c.list === this.idle) this.idle.remove(c);
    else this.active.remove(c);
    this.active.push(c);
    if (this.closed.has(c)) {
      this.closed.remove(c);
      this.closed.push(c);
    }
    this.lastTouched = c;
  }

  private remove(c: TcpConnection): void {
    this.table.delete(c);
    this.active.remove(c);
    this.idle.remove(c);
    this.closed.remove(c);
    if (this.lastTouched === c) this.lastTouched = undefined;
  }

  /**
   * Make room for one more: a closed connection still lingering goes first
   * (finalized as it would be later anyway), else the one idle the longest
   * (front of the released or of the active order) is finalized early.
   */
  private evictIdlest(): void {
    const done = this.closed.head;
    if (done !== undefined) {
      this.remove(done);
      this.remember(done, false);
      this.finalize(done);
      return;
    }
    const i = this.idle.head;
    const a = this.active.head;
    const victim = i === undefined ? a : a === undefined ? i : a.lastStamp.tsSec < i.lastStamp.tsSec ? a : i;
    if (victim === undefined) return;
    this.remove(victim);
    victim.finalizedEarly = true;
    this.finalizedEarly++;
    this.remember(victim, true);
    this.finalize(victim);
  }

  /** Remember the tuple of a connection finalized before its time (see `early`). */
  private remember(c: TcpConnection, open: boolean): void {
    (open ? this.earlyOpen : this.earlyClosed).add(tupleKey(c.ipA, c.portA, c.ipB, c.portB));
  }

  /**
   * Beyond maxClosedLinger, finalize the connections closed (and quiet) the
   * longest, as long as they have been quiet for closedQuietSec: never `now`'s
   * own connection, which is at the back and quiet for 0 s.
   */
  private trimClosed(now: Stamp): void {
    for (let c = this.closed.head; c !== undefined && this.closed.size > this.maxClosed; c = this.closed.head) {
      if (now.tsSec - c.lastStamp.tsSec < this.closedQuietSec) break;
      this.remove(c);
      this.remember(c, false);
      this.finalize(c);
      this.closedEarly++;
    }
  }

  /** Work proportional to what expired: each order is walked from its front until one has not. */
  private sweep(now: Stamp): void {
    if (this.closed.size > this.maxClosed) this.trimClosed(now);
    for (let c = this.closed.head; c !== undefined && now.tsSec - c.lastStamp.tsSec > this.closedLingerSec; c = this.closed.head) {
      this.remove(c);
      this.finalize(c);
    }
    for (let c = this.active.head; c !== undefined && now.tsSec - c.lastStamp.tsSec > this.idleReleaseSec; c = this.active.head) {
      c.release();
      this.active.remove(c);
      this.idle.push(c);
    }
  }

  private finalize(c: TcpConnection): void {
    c.release();
    this.onFinal(c);
  }
}
