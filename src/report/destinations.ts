/** Per-destination aggregates: who we connected to, how often, and what it cost. */
import type { ConnRow } from './rows.js';
import { Float64Column, Int32Column, Uint32Column, Uint8Column, grown, type ChunkedColumn } from '../base/typed.js';
import { QuantileSketch } from './sketch.js';
import { hasServerHello } from './summary.js';
import type { DestinationStats, TransportSetup } from './types.js';

/**
 * A teardown counts as an idle timeout seen on the wire when the connection sat
 * without payload for at least this many seconds before the close began. Closes
 * right after the last response (HTTP/1.0, `Connection: close`) are not timeouts.
 */
export const IDLE_CLOSE_MIN_SEC = 1;

/** 'sni:port' when the ClientHello carried an SNI, else 'ip:port' ('[ip]:port' for IPv6). */
export function destinationKey(c: ConnRow): string {
  const sni = c.tls?.sni;
  if (sni) return `${sni}:${c.server.port}`;
  const ip = c.server.ip.includes(':') ? `[${c.server.ip}]` : c.server.ip;
  return `${ip}:${c.server.port}`;
}

/**
 * Peak number of intervals open at the same instant. Intervals are half-open
 * [start, end): one that ends exactly when another starts does not overlap it.
 * A zero-length interval (start == end) counts as open at its instant.
 */
export function peakConcurrency(intervals: readonly { start: number; end: number }[]): number {
  const n = intervals.length;
  const starts = new Float64Array(n);
  const ends = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    starts[i] = intervals[i]!.start;
    ends[i] = intervals[i]!.end;
  }
  return peakOf(starts, ends);
}

/**
 * peakConcurrency over interval columns (starts[i], ends[i]); sorts `starts` in place.
 * A sweep over sorted typed arrays, no object per event: a SYN flood's million connections
 * to one destination cost 16 MB here, not 80. At equal times: ends of positive-length
 * intervals first (half-open), then starts, then ends of zero-length intervals (so they count
 * at their instant).
 */
function peakOf(starts: Float64Array, endsIn: Float64Array): number {
  const n = starts.length;
  // Ends of positive-length intervals from the front, starts of zero-length ones from the back:
  // one scratch array, not one of each (8 MB less for a million connections).
  const scratch = new Float64Array(n);
  let nEnds = 0;
  let nZeros = 0;
  for (let i = 0; i < n; i++) {
    const start = starts[i]!;
    const end = endsIn[i]!;
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

/**
 * Per-destination aggregates fed one connection at a time (the protobuf
 * writer's trailer, the text report, the pool): what it keeps per connection
 * is 33 bytes in columns (destination, id, start, end, setup ms, flags), per
 * destination a few sums, and per idle close 25 bytes. A million unanswered
 * SYNs cost 33 MB here; the compact rows they replace in the protobuf writer
 * held 235 MB. result() computes every destination's DestinationStats, one
 * destination at a time, as destinationStats() always has (same order of
 * summing, so the same figures to the last bit).
 */
export class DestinationTable {
  private n = 0;
  private readonly dest = new Int32Column();
  private readonly id = new Uint32Column();
  private readonly start = new Float64Column();
  private readonly end = new Float64Column();
  private readonly setupMs = new Float64Column();
  private readonly flags = new Uint8Column();
  // Idle closes, in arrival order.
  private idleN = 0;
  private readonly idleDest = new Int32Column();
  private readonly idleId = new Uint32Column();
  private readonly idleBy = new Uint8Column();
  private readonly idleSec = new Float64Column();
  // Per destination, by index in order of first connection.
  private readonly index = new Map<string, number>();
  private readonly keys: string[] = [];
  private readonly snis: (string | null)[] = [];
  private readonly ips: string[] = [];
  private readonly ports: number[] = [];
  /** Sums per destination: SUMS numbers each (see add()). */
  private sums = new Float64Array(0);

  constructor(private readonly minIdleSec = IDLE_CLOSE_MIN_SEC) {}

  /** Connections added. */
  get length(): number {
    return this.n;
  }

  /** Bytes held in typed-array columns (their capacity: chunked, see Column). */
  get columnBytes(): number {
    let b = this.sums.byteLength;
    for (const a of [this.dest, this.id, this.start, this.end, this.setupMs, this.flags, this.idleDest, this.idleId, this.idleBy, this.idleSec]) b += a.byteLength;
    return b;
  }

  add(c: ConnRow): void {
    const key = destinationKey(c);
    let d = this.index.get(key);
    if (d === undefined) {
      d = this.keys.length;
      this.index.set(key, d);
      this.keys.push(key);
      this.snis.push(null);
      this.ips.push(c.server.ip);
      this.ports.push(c.server.port);
      this.sums = grown(this.sums, (d + 1) * SUMS);
    }
    if (this.snis[d] === null && c.tls?.sni) this.snis[d] = c.tls.sni;
    const i = this.n++;
    const quic = c.transport === 'quic';
    const ms = c.setup.ms;
    this.dest.set(i, d);
    this.id.set(i, c.id);
    this.start.set(i, c.start);
    this.end.set(i, c.end);
    this.setupMs.set(i, ms ?? NaN);
    this.flags.set(i, (quic ? D_QUIC : 0) | (ms !== null ? D_SETUP : 0));
    const s = this.sums;
    const o = d * SUMS;
    s[o + S_CONNECTIONS]++;
    if (ms !== null) {
      s[o + S_SETUP_MS] += ms;
      s[o + S_LIFE_MS] += c.lifetimeMs;
      s[o + S_ROUND_TRIPS] += c.setup.roundTrips ?? 0;
      s[o + S_BYTES] += c.setup.bytes;
      s[o + S_CERT_BYTES] += c.setup.certificateBytes ?? 0;
    }
    if (hasServerHello(c)) {
      s[o + S_SERVER_HELLO]++;
      if (c.tls!.resumed) s[o + S_RESUMED]++;
    }
    // Per transport: TCP's sums, then QUIC's.
    const t = o + (quic ? S_QUIC : S_TCP);
    s[t + T_CONNECTIONS]++;
    if (ms !== null) {
      s[t + T_ROUND_TRIPS] += c.setup.roundTrips ?? 0;
      s[t + T_BYTES] += c.setup.bytes;
    }
    if (c.tls?.resumed) s[t + T_RESUMED]++;
    if (c.quic ? c.quic.zeroRtt : c.tls?.earlyData) s[t + T_ZERO_RTT]++;
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
   * by key (as destinations()).
   */
  result(): DestinationStats[] {
    const nd = this.keys.length;
    // Connections and idle closes grouped by destination, in arrival order within each.
    const { at, order } = groupIndexes(this.n, nd, this.dest);
    const { at: idleAt, order: idleOrder } = groupIndexes(this.idleN, nd, this.idleDest);

    const out: DestinationStats[] = [];
    for (let d = 0; d < nd; d++) out.push(this.stats(d, order.subarray(at[d]!, at[d + 1]!), idleOrder.subarray(idleAt[d]!, idleAt[d + 1]!)));
    out.sort((a, b) => b.setupMs.total - a.setupMs.total || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return out;
  }

  private stats(d: number, members: Int32Array, idles: Int32Array): DestinationStats {
    const m = members.length;
    const setup = new QuantileSketch();
    const tcpSetup = new QuantileSketch();
    const quicSetup = new QuantileSketch();
    const connectionIds: number[] = [];
    const quicConnectionIds: number[] = [];
    const starts = new Float64Array(m);
    const ends = new Float64Array(m);
    for (let j = 0; j < m; j++) {
      const i = members[j]!;
      const fl = this.flags.get(i);
      starts[j] = this.start.get(i);
      ends[j] = this.end.get(i);
      if (fl & D_QUIC) quicConnectionIds.push(this.id.get(i));
      else connectionIds.push(this.id.get(i));
      if (fl & D_SETUP) {
        const ms = this.setupMs.get(i);
        setup.add(ms);
        (fl & D_QUIC ? quicSetup : tcpSetup).add(ms);
      }
    }
    const peak = peakOf(starts, ends);
    const gaps = this.idleGapsOf(members); // last: it reorders members
    const s = this.sums;
    const o = d * SUMS;
    const transport = (t: number, sketch: QuantileSketch): TransportSetup | null =>
      s[t + T_CONNECTIONS] === 0
        ? null
        : {
            connections: s[t + T_CONNECTIONS]!,
            setupMs: sketch.distribution(),
            setupRoundTrips: s[t + T_ROUND_TRIPS]!,
            handshakeBytes: s[t + T_BYTES]!,
            resumed: s[t + T_RESUMED]!,
            zeroRtt: s[t + T_ZERO_RTT]!,
          };
    const withServerHello = s[o + S_SERVER_HELLO]!;
    const lifeMs = s[o + S_LIFE_MS]!;
    const observedIdleTimeouts: DestinationStats['observedIdleTimeouts'] = [];
    for (const k of idles) {
      observedIdleTimeouts.push({ by: this.idleBy.get(k) === 0 ? 'client' : 'server', seconds: this.idleSec.get(k), connectionId: this.idleId.get(k) });
    }
    return {
      key: this.keys[d]!,
      sni: this.snis[d]!,
      ip: this.ips[d]!,
      port: this.ports[d]!,
      connections: m,
      connectionIds,
      peakConcurrency: peak,
      idleGapsSec: gaps.distribution(),
      setupMs: setup.distribution(),
      setupRoundTrips: s[o + S_ROUND_TRIPS]!,
      handshakeBytes: s[o + S_BYTES]!,
      certificateBytes: s[o + S_CERT_BYTES]!,
      resumptionRate: withServerHello > 0 ? s[o + S_RESUMED]! / withServerHello : null,
      setupShare: lifeMs > 0 ? Math.min(1, s[o + S_SETUP_MS]! / lifeMs) : null,
      observedIdleTimeouts,
      quicConnectionIds,
      setupByTransport: { tcp: transport(o + S_TCP, tcpSetup), quic: transport(o + S_QUIC, quicSetup) },
    };
  }

  /**
   * Seconds between the end of everything open so far and the next start, over a
   * destination's members sorted by start, then id: one gap per connection that starts after
   * all earlier ones ended (overlapping ones give none). Sorts `members` in place, and only
   * when they are out of order: V8's sort of a typed array with a compare function works in
   * copies on the heap (a million members: +21 MiB peak RSS, 0.45 s; 86 ms when already in
   * order), and a SYN flood's members finish in order.
   */
  private idleGapsOf(members: Int32Array): QuantileSketch {
    const before = (a: number, b: number): number => this.start.get(a) - this.start.get(b) || this.id.get(a) - this.id.get(b);
    let inOrder = true;
    for (let j = 1; j < members.length && inOrder; j++) inOrder = before(members[j - 1]!, members[j]!) < 0;
    const sorted = inOrder ? members : members.sort(before);
    const gaps = new QuantileSketch();
    let maxEnd = -Infinity;
    for (const i of sorted) {
      const start = this.start.get(i);
      if (maxEnd !== -Infinity && start >= maxEnd) gaps.add(start - maxEnd);
      if (this.end.get(i) > maxEnd) maxEnd = this.end.get(i);
    }
    return gaps;
  }
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

// The sums per destination: the destination's, then TCP's and QUIC's (T_* each).
const S_CONNECTIONS = 0;
const S_SETUP_MS = 1;
const S_LIFE_MS = 2;
const S_ROUND_TRIPS = 3;
const S_BYTES = 4;
const S_CERT_BYTES = 5;
const S_SERVER_HELLO = 6;
const S_RESUMED = 7;
const S_TCP = 8;
const T_CONNECTIONS = 0;
const T_ROUND_TRIPS = 1;
const T_BYTES = 2;
const T_RESUMED = 3;
const T_ZERO_RTT = 4;
const S_QUIC = S_TCP + 5;
const SUMS = S_QUIC + 5;

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
