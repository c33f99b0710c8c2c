/** Per-destination aggregates: who we connected to, how often, and what it cost. */
import { RowView, type ConnRow, type RowStore } from './rows.js';
import { Float64Column, Int32Column, Uint16Column, Uint32Column, Uint8Column, type ChunkedColumn } from '../base/typed.js';
import { SpillSorter, TempBytes, type RowCursor } from '../base/spill.js';
import { QuantileSketch } from './sketch.js';
import { homeSlot } from '../base/hash.js';
import { hasServerHello } from './summary.js';
import type { DestinationStats, TransportSetup } from './types.js';

/**
 * A teardown counts as an idle timeout seen on the wire when the connection sat
 * without payload for at least this many seconds before the close began. Closes
 * right after the last response (HTTP/1.0, `Connection: close`) are not timeouts.
 */
export const IDLE_CLOSE_MIN_SEC = 1;

/**
 * An IPv4 address in canonical dotted form ('10.9.0.1': four numbers 0-255, no leading
 * zeros, as the decoder writes addresses) as a number; -1 for any other text ('010.9.0.1',
 * a host name, IPv6), whose key would not be the same string.
 */
export function ipv4Number(s: string): number {
  let n = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    if (ch === 46 /* . */) {
      if (digits === 0 || ++dots > 3) return -1;
      n = n * 256 + part;
      part = 0;
      digits = 0;
    } else if (ch >= 48 && ch <= 57) {
      if (digits > 0 && part === 0) return -1; // a leading zero
      part = part * 10 + (ch - 48);
      if (++digits > 3 || part > 255) return -1;
    } else return -1;
  }
  return dots === 3 && digits > 0 ? n * 256 + part : -1;
}

/** An IPv4 address number in dotted form (ipv4Number's inverse). */
function ipv4Text(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/**
 * Destinations by a whole-number key below 2^53 (an IPv4 address and a port): open
 * addressing over the destination numbers (+1, 0 for an empty slot), each slot's key read
 * from the destination's own (`keyOf`): 4 bytes a slot, at most half of them in use, so
 * 8-16 bytes per key. Slots of the key and the destination (12 bytes each) took 24 MB for
 * a scan of a million addresses, 36 MB while they were grown; a Map keyed by the
 * 'ip:port' string held ~75 bytes and the string.
 */
class NumberIndex {
  private slots = new Int32Array(1024);
  /** 32 - log2(slots): a key's first slot is the top bits of its multiplied hash. */
  private shift = 22;
  private n = 0;

  constructor(private readonly keyOf: (d: number) => number) {}

  get(k: number): number {
    const slots = this.slots;
    const mask = slots.length - 1;
    for (let i = this.slot(k); ; i = (i + 1) & mask) {
      const v = slots[i]!;
      if (v === 0) return -1;
      if (this.keyOf(v - 1) === k) return v - 1;
    }
  }

  /** Indexes destination d by k, which must be d's key (keyOf(d)). */
  set(k: number, d: number): void {
    if (2 * (this.n + 1) > this.slots.length) this.grow();
    const slots = this.slots;
    const mask = slots.length - 1;
    let i = this.slot(k);
    while (slots[i] !== 0 && this.keyOf(slots[i]! - 1) !== k) i = (i + 1) & mask;
    if (slots[i] === 0) this.n++;
    slots[i] = d + 1;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2);
    this.shift--;
    this.n = 0;
    for (let i = 0; i < old.length; i++) if (old[i] !== 0) this.set(this.keyOf(old[i]! - 1), old[i]! - 1);
  }

  /** Fibonacci hashing of the key's two 32-bit halves mixed. */
  private slot(k: number): number {
    const lo = k >>> 0;
    const hi = (k / 4294967296) >>> 0;
    return homeSlot(lo ^ Math.imul(hi, 0x85ebca6b), this.shift);
  }
}

/** Characters of an address's text (IPv4 dotted, IPv6 hex and colons): an SNI of other characters is not one. */
const ADDRESS_TEXT = /^[0-9a-fA-F:.]+$/;

/** 'sni:port' when the ClientHello carried an SNI, else 'ip:port' ('[ip]:port' for IPv6). */
export function destinationKey(c: ConnRow): string {
  const server = c.server;
  return keyText(keyBase(c.tls?.sni, server.ip), server.port);
}

/** A key's text before the port: the SNI, else the address ('[ip]' for IPv6). */
function keyBase(sni: string | null | undefined, ip: string): string {
  return sni ? sni : ip.includes(':') ? ['[', ip, ']'].join('') : ip;
}

/**
 * 'base:port'. join, not a template: one flat string, not a tree of concatenations (68 bytes
 * for an 'ip:port' of an IPv4 address, against 42), kept per destination (a scan of a million).
 */
function keyText(base: string, port: number): string {
  return [base, port].join(':');
}

/**
 * Peak number of intervals open at the same instant. Intervals are half-open
 * [start, end): one that ends exactly when another starts does not overlap it.
 * A zero-length interval (start == end) counts as open at its instant. At equal
 * times: ends of positive-length intervals first, then starts, then ends of
 * zero-length intervals. (DestinationTable sweeps its sorted rows by the same rule.)
 */
export function peakConcurrency(intervals: readonly { start: number; end: number }[]): number {
  const n = intervals.length;
  const starts = new Float64Array(n);
  // Ends of positive-length intervals from the front, starts of zero-length ones from the back.
  const scratch = new Float64Array(n);
  let nEnds = 0;
  let nZeros = 0;
  for (let i = 0; i < n; i++) {
    const { start, end } = intervals[i]!;
    starts[i] = start;
    if (end > start) scratch[nEnds++] = end;
    else scratch[n - 1 - nZeros++] = start;
  }
  starts.sort();
  const posEnds = scratch.subarray(0, nEnds).sort();
  const zeroStarts = scratch.subarray(n - nZeros).sort();
  let z = 0;
  let open = 0;
  let peak = 0;
  let e = 0;
  for (let i = 0; i < n; ) {
    const t = starts[i]!;
    while (e < nEnds && posEnds[e]! <= t) {
      open--;
      e++;
    }
    let k = 0;
    while (i < n && starts[i] === t) {
      k++;
      i++;
    }
    open += k;
    if (open > peak) peak = open;
    while (z < nZeros && zeroStarts[z]! <= t) {
      open--;
      z++;
    }
  }
  return peak;
}

/** Connections grouped by destinationKey, in order of first connection. */
export function groupByDestination(conns: readonly ConnRow[]): Map<string, ConnRow[]> {
  const groups = new Map<string, ConnRow[]>();
  for (const c of conns) {
    const k = destinationKey(c);
    let g = groups.get(k);
    if (!g) groups.set(k, (g = []));
    g.push(c);
  }
  return groups;
}

// Flag bits per connection.
const D_QUIC = 1;
const D_SETUP = 2;
/** A ServerHello was seen (hasServerHello). */
const D_HELLO = 4;
/** A ServerHello was seen and the session was resumed. */
const D_HELLO_RESUMED = 8;
/** TLS says resumed, ServerHello or not (the per-transport count). */
const D_RESUMED = 16;
/** QUIC 0-RTT, or TLS early data. */
const D_ZERO_RTT = 32;

// The table's three row kinds (little-endian), each sorted by destination first:
// A, in arrival order within a destination: destination, id, flags, setup ms, lifetime ms,
// setup round trips, handshake bytes, certificate bytes (what the destination's sums add up),
// and the caller's reference to the connection (add()'s `ref`: its index in the caller's rows).
const A_WIDTH = 53;
// S, by start, then id: destination, start, id, end.
const S_WIDTH = 24;
// E, the ends of connections that lasted (end > start), by end: destination, end.
const E_WIDTH = 12;

const num = (x: number, y: number): number => (x < y ? -1 : x > y ? 1 : 0);
const byDest = (a: DataView, ao: number, b: DataView, bo: number): number => a.getUint32(ao, true) - b.getUint32(bo, true);
const byDestStartId = (a: DataView, ao: number, b: DataView, bo: number): number =>
  a.getUint32(ao, true) - b.getUint32(bo, true) || num(a.getFloat64(ao + 4, true), b.getFloat64(bo + 4, true)) || a.getUint32(ao + 12, true) - b.getUint32(bo + 12, true);
const byDestEnd = (a: DataView, ao: number, b: DataView, bo: number): number => a.getUint32(ao, true) - b.getUint32(bo, true) || num(a.getFloat64(ao + 4, true), b.getFloat64(bo + 4, true));

/**
 * A destination's id list left out of its DestinationStats (longer than the limit
 * given to eachDestination), read back in pieces of `size` from a temporary file;
 * null when the list is in the stats. Valid only during the callback.
 */
export type IdPieces = (list: 'connectionIds' | 'quicConnectionIds', size: number) => Iterable<number[]> | null;

/** Ids appended to a temporary file through a small buffer; cleared for each destination. */
class IdFile {
  readonly bytes = new TempBytes();
  /** Made with the first id: the pool makes a table (and two of these) for every destination. */
  private buf = new Uint32Array(0);
  private n = 0;
  private written = 0;

  push(id: number): void {
    if (this.n === this.buf.length) {
      if (this.buf.length === 0) this.buf = new Uint32Array(16_384);
      else this.flush();
    }
    this.buf[this.n++] = id;
  }

  clear(): void {
    this.bytes.clear();
    this.n = 0;
    this.written = 0;
  }

  private flush(): void {
    if (this.n === 0) return;
    this.bytes.append(new Uint8Array(this.buf.buffer, 0, this.n * 4));
    this.written += this.n;
    this.n = 0;
  }

  /** Every id pushed since the last clear(), `size` at a time. */
  *pieces(size: number): Iterable<number[]> {
    this.flush();
    const count = this.written;
    const raw = new Uint8Array(Math.min(size, count) * 4);
    const ids = new Uint32Array(raw.buffer);
    for (let i = 0; i < count; i += size) {
      const k = Math.min(size, count - i);
      this.bytes.read(i * 4, raw, k * 4);
      const piece = new Array<number>(k);
      for (let j = 0; j < k; j++) piece[j] = ids[j]!;
      yield piece;
    }
  }
}

/**
 * Per-destination aggregates fed one connection at a time (the protobuf
 * writer's trailer, the text report, the pool). Per destination it keeps what
 * finds it (an index slot, its key's IPv4 address, or a map entry for an SNI or an
 * IPv6 key), its port and its connection count (~18-26 bytes for an IPv4
 * address's); per idle close 25 bytes; per connection three
 * fixed-width rows (85 bytes) in SpillSorters, which hold at most
 * 65,536 of them in memory and write the rest, sorted in runs, to a
 * temporary file: the rows of any number of connections cost ~6 MB of memory
 * here (the columns this replaced held 33 bytes per connection: 66 MB for two
 * million unanswered SYNs). result() and eachDestination() read the rows back
 * merged, one destination after another, and compute every destination's
 * DestinationStats as destinationStats() always has (same order of summing, so
 * the same figures to the last bit). Merging keeps a 32 KiB buffer per run, at most
 * 64 runs per row kind (SpillSorter merges more in several passes): at most 6 MiB.
 */
export class DestinationTable {
  private readonly rowsA: SpillSorter;
  private readonly rowsS: SpillSorter;
  private readonly rowsE: SpillSorter;
  // Idle closes, in arrival order.
  private idleN = 0;
  private readonly idleDest = new Int32Column();
  private readonly idleId = new Uint32Column();
  private readonly idleBy = new Uint8Column();
  private readonly idleSec = new Float64Column();
  // Per destination, by index in order of first connection.
  // A scan of a million addresses has a million destinations. A row of the report (a RowView)
  // without an SNI finds its destination by its server endpoint's index in the row store:
  // 4 bytes per endpoint, where a key string in a map was ~75 bytes (75 MB for the scan).
  // Other connections (SNI, records) by key: a key that is an IPv4 address and a port by
  // number (byV4), others in a map. A destination's key is not kept: it is made again from
  // its first connection's SNI, else its address and port (keyOf).
  private readonly index = new Map<string, number>();
  /**
   * Each destination's key's IPv4 address when its key is an IPv4 address and a port (else 0):
   * byV4 finds it by address * 65536 + port (the port from `ports`), and it is the server
   * address of a destination not in `texts` (a string per destination not kept).
   */
  private readonly keyAddr = new Uint32Column();
  /** Destinations whose key is an IPv4 address and a port, by that number (records: the protobuf trailer). */
  private readonly byV4 = new NumberIndex((d) => this.keyAddr.get(d) * 65536 + this.ports.get(d));
  /** The row store whose endpoints `byEndpoint` is indexed by (the first RowView added). */
  private store: RowStore | null = null;
  /** Destination index + 1 by server endpoint of `store` (0: not seen yet). */
  private readonly byEndpoint = new Int32Column();
  private byEndpointN = 0;
  private readonly snis = new Map<number, string>();
  /**
   * The server address of each destination whose address is not an IPv4 address and its key (an
   * SNI, IPv6): an array slot per destination was 8 MB for a scan of a million addresses.
   */
  private readonly texts = new Map<number, string>();
  /** Destinations so far. */
  private count = 0;
  private readonly ports = new Uint16Column();
  /**
   * TCP and QUIC connections per destination. The destination's other sums are added up
   * from its rows when it is computed, in the same (arrival) order: kept here, 18 of them
   * per destination were 144 MB for a scan of a million addresses (393 MB at the peak
   * while they were one array grown by doubling).
   */
  private readonly tcpN = new Uint32Column();
  /** Made as far as the last destination with a QUIC connection (quicOf): a TCP scan has none. */
  private readonly quicN = new Uint32Column();
  private quicLength = 0;
  /** One destination's sums while it is computed (stats()). */
  private readonly scratch = new Float64Array(SUMS);
  /** One destination's refs (add()), in arrival order, while it is computed. */
  private refs = new Uint32Array(64);
  /** One destination's setup (all, TCP, QUIC) and idle-gap sketches while it is computed, cleared for each. */
  private readonly sketches = [new QuantileSketch(), new QuantileSketch(), new QuantileSketch(), new QuantileSketch()] as const;

  constructor(
    private readonly minIdleSec = IDLE_CLOSE_MIN_SEC,
    opts: { runRows?: number; fanIn?: number } = {},
  ) {
    this.rowsA = new SpillSorter(A_WIDTH, byDest, opts);
    this.rowsS = new SpillSorter(S_WIDTH, byDestStartId, opts);
    this.rowsE = new SpillSorter(E_WIDTH, byDestEnd, opts);
  }

  /** The index of c's destination (`sni`: its SNI, read once by add()), a new one if c is its first connection. */
  private destinationOf(c: ConnRow, sni: string | null | undefined): number {
    const server = c.server;
    if (c instanceof RowView && (this.store ??= c.store) === c.store && !sni) {
      const e = c.store.serverAt(c.index);
      const known = e < this.byEndpointN ? this.byEndpoint.get(e) - 1 : -1;
      if (known >= 0) return known;
      // The endpoint's first row: its key may have come already from a connection found by key.
      const n = ipv4Number(server.ip);
      let d = n >= 0 ? this.byV4.get(n * 65536 + server.port) : (this.index.get(keyText(keyBase(null, server.ip), server.port)) ?? -1);
      if (d < 0) d = this.newDestination(server, n, n >= 0);
      while (this.byEndpointN <= e) this.byEndpoint.set(this.byEndpointN++, 0);
      this.byEndpoint.set(e, d + 1);
      return d;
    }
    const base = keyBase(sni, server.ip);
    // A key that is an IPv4 address and a port (the server's address, or an SNI that is one): by number.
    const n = ipv4Number(base);
    if (n >= 0) {
      const k = n * 65536 + server.port;
      let d = this.byV4.get(k);
      if (d < 0) {
        d = this.endpointDestination(base, server.port);
        if (d < 0) d = this.newDestination(server, n, !sni);
        this.byV4.set(k, d);
      }
      return d;
    }
    const key = keyText(base, server.port);
    let d = this.index.get(key);
    if (d === undefined) {
      // The same key as an endpoint's, found by endpoint (an SNI that is the server's address).
      d = this.endpointDestination(base, server.port);
      if (d < 0) d = this.newDestination(server, -1, false);
      this.index.set(key, d);
    }
    return d;
  }

  /** The destination found by endpoint whose key is `base:port` (keyBase); -1 if none. */
  private endpointDestination(base: string, port: number): number {
    if (this.store === null) return -1;
    // An endpoint's key base is its address, or '[ip]' for an address with colons.
    const ip = base.startsWith('[') && base.endsWith(']') ? base.slice(1, -1) : base;
    if (ip.includes(':') === (ip === base) || !ADDRESS_TEXT.test(ip)) return -1;
    const e = this.store.findEndpoint(ip, port);
    return e >= 0 && e < this.byEndpointN ? this.byEndpoint.get(e) - 1 : -1;
  }

  /**
   * A new destination at `server`; `keyAddr`: its key's IPv4 address (ipv4Number of its key's
   * text before the port, as the caller has it), -1 if its key is not one; `byNumber`: that is
   * also its server address (no SNI), kept as the number instead of as text.
   */
  private newDestination(server: { ip: string; port: number }, keyAddr: number, byNumber: boolean): number {
    const d = this.count++;
    if (!byNumber) this.texts.set(d, server.ip);
    this.keyAddr.set(d, keyAddr >= 0 ? keyAddr : 0);
    this.ports.set(d, server.port);
    this.tcpN.set(d, 0);
    return d;
  }

  /** Destination d's key (destinationKey of its connections), from its first connection's SNI, else its address. */
  private keyOf(d: number): string {
    return keyText(keyBase(this.snis.get(d), this.ipOf(d)), this.ports.get(d));
  }

  /** Destination d's QUIC connections. */
  private quicOf(d: number): number {
    return d < this.quicLength ? this.quicN.get(d) : 0;
  }

  /** Destination d's server address (its first connection's). */
  private ipOf(d: number): string {
    return this.texts.get(d) ?? ipv4Text(this.keyAddr.get(d));
  }

  /** Destinations seen so far. */
  get destinations(): number {
    return this.count;
  }

  /** Connections added. */
  get length(): number {
    return this.rowsA.length;
  }

  /** Bytes held in memory for the rows (the sorters' current runs and the idle-close columns). */
  get columnBytes(): number {
    let b = this.rowsA.memoryBytes + this.rowsS.memoryBytes + this.rowsE.memoryBytes;
    for (const a of [this.idleDest, this.idleId, this.idleBy, this.idleSec, this.tcpN, this.quicN, this.ports]) b += a.byteLength;
    return b;
  }

  /** Runs written to temporary files so far (0 while everything fits in memory). */
  get spilledRuns(): number {
    return this.rowsA.spilledRuns + this.rowsS.spilledRuns + this.rowsE.spilledRuns;
  }

  /**
   * Adds a connection. `ref` (a whole number below 2^32, e.g. its index in the caller's
   * rows) is handed back with its destination by eachDestination, in arrival order.
   */
  add(c: ConnRow, ref = 0): void {
    // A row makes its TLS section anew on each read: the SNI is read once.
    const sni = c instanceof RowView ? c.store.sniAt(c.index) : c.tls?.sni;
    const d = this.destinationOf(c, sni);
    if (sni && !this.snis.has(d)) this.snis.set(d, sni);
    const quic = c.transport === 'quic';
    const ms = c.setup.ms;
    const hello = hasServerHello(c);
    const flags =
      (quic ? D_QUIC : 0) |
      (ms !== null ? D_SETUP : 0) |
      (hello ? D_HELLO : 0) |
      (hello && c.tls!.resumed ? D_HELLO_RESUMED : 0) |
      (c.tls?.resumed ? D_RESUMED : 0) |
      ((c.quic ? c.quic.zeroRtt : c.tls?.earlyData) ? D_ZERO_RTT : 0);
    let at = this.rowsA.add();
    let v = this.rowsA.view;
    v.setUint32(at, d, true);
    v.setUint32(at + 4, c.id, true);
    v.setUint8(at + 8, flags);
    v.setFloat64(at + 9, ms ?? NaN, true);
    v.setFloat64(at + 17, c.lifetimeMs, true);
    v.setFloat64(at + 25, c.setup.roundTrips ?? 0, true);
    v.setFloat64(at + 33, c.setup.bytes, true);
    v.setFloat64(at + 41, c.setup.certificateBytes ?? 0, true);
    v.setUint32(at + 49, ref, true);
    if (quic) {
      while (this.quicLength <= d) this.quicN.set(this.quicLength++, 0);
      this.quicN.set(d, this.quicN.get(d) + 1);
    }
    else this.tcpN.set(d, this.tcpN.get(d) + 1);
    at = this.rowsS.add();
    v = this.rowsS.view;
    v.setUint32(at, d, true);
    v.setFloat64(at + 4, c.start, true);
    v.setUint32(at + 12, c.id, true);
    v.setFloat64(at + 16, c.end, true);
    if (c.end > c.start) {
      at = this.rowsE.add();
      v = this.rowsE.view;
      v.setUint32(at, d, true);
      v.setFloat64(at + 4, c.end, true);
    }
    const td = c.teardown;
    if (td.initiator !== null && td.idleBeforeSec !== null && td.idleBeforeSec >= this.minIdleSec) {
      const k = this.idleN++;
      this.idleDest.set(k, d);
      this.idleId.set(k, c.id);
      this.idleBy.set(k, td.initiator === 'client' ? 0 : 1);
      this.idleSec.set(k, td.idleBeforeSec);
    }
  }

  /**
   * One entry per destination, sorted by total setup ms, largest first, then
   * by key (as destinations()). Call once: it reads the rows back and releases them.
   */
  result(): DestinationStats[] {
    const out: DestinationStats[] = [];
    this.eachDestination(Infinity, (d) => out.push(d));
    out.sort(byTotalThenKey);
    return out;
  }

  /**
   * Every destination's figures, one at a time in order of first connection, as
   * result() computes them, handed to `each` and not kept: an id list longer than
   * `above` is left empty in its destination and given by `pieces` instead, read
   * back from a temporary file. The protobuf trailer of millions of connections, or
   * of millions of destinations, without holding them. Call once, instead of result(),
   * unless `again` is set: then the rows stay for another pass (the last one releases them).
   * With `only`, the destinations it refuses (by index, 0 .. destinations - 1, in order of
   * first connection) are passed over: their rows are read past, their figures not computed
   * (the digest's second pass, over the few destinations it keeps).
   */
  eachDestination(
    above: number,
    each: (d: DestinationStats, pieces: IdPieces, refs: Uint32Array, index: number) => void,
    opts: { only?: (index: number) => boolean; again?: boolean } = {},
  ): void {
    const nd = this.count;
    const { at: idleAt, order: idleOrder } = groupIndexes(this.idleN, nd, this.idleDest);
    const a = this.rowsA.cursor();
    const s = this.rowsS.cursor();
    const e = this.rowsE.cursor();
    const files = { connectionIds: new IdFile(), quicConnectionIds: new IdFile() };
    const state = { eHas: e.next() };
    try {
      for (let d = 0; d < nd; d++) {
        if (opts.only && !opts.only(d)) {
          this.skip(d, a, s, e, state);
          continue;
        }
        const key = this.keyOf(d);
        const longTcp = this.tcpN.get(d) > above;
        const longQuic = this.quicOf(d) > above;
        if (longTcp) files.connectionIds.clear();
        if (longQuic) files.quicConnectionIds.clear();
        const stats = this.stats(key, d, a, s, e, state, idleOrder.subarray(idleAt[d]!, idleAt[d + 1]!), longTcp ? files.connectionIds : null, longQuic ? files.quicConnectionIds : null);
        each(
          stats,
          (list, size) => ((list === 'connectionIds' ? longTcp : longQuic) ? files[list].pieces(size) : null),
          this.refs.subarray(0, stats.connections),
          d,
        );
      }
    } finally {
      if (!opts.again) this.close();
      files.connectionIds.bytes.close();
      files.quicConnectionIds.bytes.close();
    }
  }

  /** Releases the rows (their temporary files); eachDestination does, unless told `again`. */
  close(): void {
    this.rowsA.close();
    this.rowsS.close();
    this.rowsE.close();
  }

  /** Reads past destination d's rows in each cursor (eachDestination's `only`). */
  private skip(d: number, a: RowCursor, s: RowCursor, e: RowCursor, state: { eHas: boolean }): void {
    const m = this.tcpN.get(d) + this.quicOf(d);
    for (let j = 0; j < m; j++) {
      a.next();
      s.next();
    }
    while (state.eHas && e.view.getUint32(e.off, true) === d) state.eHas = e.next();
  }

  /**
   * Destination d's figures from the next of its rows in each cursor: its
   * connections in arrival order (A), by start (S), and the ends of those that
   * lasted (E, read while they are d's: `state.eHas` says whether e holds a row).
   */
  private stats(key: string, d: number, a: RowCursor, s: RowCursor, e: RowCursor, state: { eHas: boolean }, idles: Int32Array, tcpIds: IdFile | null, quicIds: IdFile | null): DestinationStats {
    const tcpN = this.tcpN.get(d);
    const quicN = this.quicOf(d);
    const m = tcpN + quicN;
    // The destination's sums, added up in arrival order as add() once did.
    const ss = this.scratch.fill(0);
    const [setup, tcpSetup, quicSetup, gaps] = this.sketches;
    for (const k of this.sketches) k.clear();
    const connectionIds: number[] = [];
    const quicConnectionIds: number[] = [];
    if (this.refs.length < m) this.refs = new Uint32Array(Math.max(m, this.refs.length * 2));
    const refs = this.refs;
    for (let j = 0; j < m; j++) {
      a.next();
      const v = a.view;
      const id = v.getUint32(a.off + 4, true);
      refs[j] = v.getUint32(a.off + 49, true);
      const fl = v.getUint8(a.off + 8);
      if (fl & D_QUIC) {
        if (quicIds) quicIds.push(id);
        else quicConnectionIds.push(id);
      } else if (tcpIds) tcpIds.push(id);
      else connectionIds.push(id);
      const t = fl & D_QUIC ? S_QUIC : S_TCP;
      if (fl & D_SETUP) {
        const ms = v.getFloat64(a.off + 9, true);
        setup.add(ms);
        (fl & D_QUIC ? quicSetup : tcpSetup).add(ms);
        const rt = v.getFloat64(a.off + 25, true);
        const bytes = v.getFloat64(a.off + 33, true);
        ss[S_SETUP_MS] += ms;
        ss[S_LIFE_MS] += v.getFloat64(a.off + 17, true);
        ss[S_ROUND_TRIPS] += rt;
        ss[S_BYTES] += bytes;
        ss[S_CERT_BYTES] += v.getFloat64(a.off + 41, true);
        ss[t + T_ROUND_TRIPS] += rt;
        ss[t + T_BYTES] += bytes;
      }
      if (fl & D_HELLO) ss[S_SERVER_HELLO]++;
      if (fl & D_HELLO_RESUMED) ss[S_RESUMED]++;
      if (fl & D_RESUMED) ss[t + T_RESUMED]++;
      if (fl & D_ZERO_RTT) ss[t + T_ZERO_RTT]++;
    }
    // Peak concurrency and idle gaps in one sweep over the connections by start, then id.
    // Peak: at each distinct start t, the ends of connections that lasted at or before t go
    // first (half-open), then every start at t counts, then the zero-length ones at t end
    // (open at their instant only). Gaps: from the end of everything open so far to the
    // next start, one per connection that starts after all earlier ones ended.
    let maxEnd = -Infinity;
    let open = 0;
    let peak = 0;
    let sHas = m > 0 && s.next();
    let j = 0;
    while (j < m && sHas) {
      const t = s.view.getFloat64(s.off + 4, true);
      while (state.eHas && e.view.getUint32(e.off, true) === d && e.view.getFloat64(e.off + 4, true) <= t) {
        open--;
        state.eHas = e.next();
      }
      let k = 0;
      let zeros = 0;
      for (;;) {
        const end = s.view.getFloat64(s.off + 16, true);
        if (maxEnd !== -Infinity && t >= maxEnd) gaps.add(t - maxEnd);
        if (end > maxEnd) maxEnd = end;
        if (!(end > t)) zeros++;
        k++;
        j++;
        if (j === m) break;
        sHas = s.next();
        if (s.view.getFloat64(s.off + 4, true) !== t) break;
      }
      open += k;
      if (open > peak) peak = open;
      open -= zeros;
    }
    while (state.eHas && e.view.getUint32(e.off, true) === d) state.eHas = e.next();
    const transport = (t: number, connections: number, sketch: QuantileSketch): TransportSetup | null =>
      connections === 0
        ? null
        : {
            connections,
            setupMs: sketch.distribution(),
            setupRoundTrips: ss[t + T_ROUND_TRIPS]!,
            handshakeBytes: ss[t + T_BYTES]!,
            resumed: ss[t + T_RESUMED]!,
            zeroRtt: ss[t + T_ZERO_RTT]!,
          };
    const withServerHello = ss[S_SERVER_HELLO]!;
    const lifeMs = ss[S_LIFE_MS]!;
    const observedIdleTimeouts: DestinationStats['observedIdleTimeouts'] = [];
    for (const k of idles) {
      observedIdleTimeouts.push({ by: this.idleBy.get(k) === 0 ? 'client' : 'server', seconds: this.idleSec.get(k), connectionId: this.idleId.get(k) });
    }
    return {
      key,
      sni: this.snis.get(d) ?? null,
      ip: this.ipOf(d),
      port: this.ports.get(d),
      connections: m,
      connectionIds,
      peakConcurrency: peak,
      idleGapsSec: gaps.distribution(),
      setupMs: setup.distribution(),
      setupRoundTrips: ss[S_ROUND_TRIPS]!,
      handshakeBytes: ss[S_BYTES]!,
      certificateBytes: ss[S_CERT_BYTES]!,
      resumptionRate: withServerHello > 0 ? ss[S_RESUMED]! / withServerHello : null,
      setupShare: lifeMs > 0 ? Math.min(1, ss[S_SETUP_MS]! / lifeMs) : null,
      observedIdleTimeouts,
      quicConnectionIds,
      setupByTransport: { tcp: transport(S_TCP, tcpN, tcpSetup), quic: transport(S_QUIC, quicN, quicSetup) },
    };
  }
}

/** The order of result() and destinations(): total setup ms, largest first, then key. */
export function byTotalThenKey(x: { setupMs: { total: number }; key: string }, y: { setupMs: { total: number }; key: string }): number {
  return compareTotalKey(x.setupMs.total, x.key, y.setupMs.total, y.key);
}

/** byTotalThenKey over the two figures themselves. */
export function compareTotalKey(totalX: number, keyX: string, totalY: number, keyY: string): number {
  return totalY - totalX || (keyX < keyY ? -1 : keyX > keyY ? 1 : 0);
}

/**
 * Indexes 0..n-1 grouped by group number (`group.get(i)`, 0..groups-1), in
 * index order within each group (a counting sort): group g's are
 * order[at[g]] .. order[at[g + 1] - 1].
 */
function groupIndexes(n: number, groups: number, group: ChunkedColumn): { at: Int32Array; order: Int32Array } {
  const at = new Int32Array(groups + 1);
  for (let i = 0; i < n; i++) at[group.get(i) + 1]++;
  for (let g = 0; g < groups; g++) at[g + 1] += at[g]!;
  const order = new Int32Array(n);
  const fill = at.slice(0, groups);
  for (let i = 0; i < n; i++) order[fill[group.get(i)]!++] = i;
  return { at, order };
}

// One destination's sums (stats()): the destination's, then TCP's and QUIC's (T_* each).
// Its connection counts are kept apart (tcpN, quicN).
const S_SETUP_MS = 0;
const S_LIFE_MS = 1;
const S_ROUND_TRIPS = 2;
const S_BYTES = 3;
const S_CERT_BYTES = 4;
const S_SERVER_HELLO = 5;
const S_RESUMED = 6;
const S_TCP = 7;
const T_ROUND_TRIPS = 0;
const T_BYTES = 1;
const T_RESUMED = 2;
const T_ZERO_RTT = 3;
const S_QUIC = S_TCP + 4;
const SUMS = S_QUIC + 4;

/** Aggregates for one destination's connections (all with the same destinationKey). */
export function destinationStats(key: string, group: readonly ConnRow[], minIdleSec = IDLE_CLOSE_MIN_SEC): DestinationStats {
  const t = new DestinationTable(minIdleSec);
  for (const c of group) t.add(c);
  const [d] = t.result();
  if (d === undefined || d.key !== key) throw new Error(`destinationStats: connections not all to ${key}`);
  return d;
}

/**
 * One entry per destination (destinationKey). Setup figures (setupMs,
 * setupRoundTrips, handshakeBytes, certificateBytes, setupShare) count only
 * connections whose setup time is known. Sorted by total setup ms, largest
 * first, then by key.
 */
export function destinations(conns: readonly ConnRow[], opts: { minIdleSec?: number } = {}): DestinationStats[] {
  const t = new DestinationTable(opts.minIdleSec);
  for (const c of conns) t.add(c);
  return t.result();
}
