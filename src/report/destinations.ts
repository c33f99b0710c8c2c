/** Per-destination aggregates: who we connected to, how often, and what it cost. */
import type { ConnRow } from './rows.js';
import { QuantileSketch, sketchOf } from './sketch.js';
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
  // Sweep over sorted typed arrays (no object per event: a SYN flood's million connections to one
  // destination cost 16 MB here, not 80). At equal times: ends of positive-length intervals first
  // (half-open), then starts, then ends of zero-length intervals (so they count at their instant).
  const n = intervals.length;
  const starts = new Float64Array(n);
  const ends = new Float64Array(n);
  const zeros = new Float64Array(n);
  let nEnds = 0;
  let nZeros = 0;
  for (let i = 0; i < n; i++) {
    const { start, end } = intervals[i]!;
    starts[i] = start;
    if (end > start) ends[nEnds++] = end;
    else zeros[nZeros++] = start;
  }
  starts.sort();
  const posEnds = ends.subarray(0, nEnds).sort();
  const zeroStarts = zeros.subarray(0, nZeros).sort();
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

/**
 * Seconds between the end of everything open so far and the next start, for
 * connections sorted by start: one entry per connection that starts after all
 * earlier connections to the destination ended (overlapping ones give none).
 */
export function idleGaps(conns: readonly ConnRow[]): number[] {
  const sorted = [...conns].sort((a, b) => a.start - b.start || a.id - b.id);
  const gaps: number[] = [];
  let maxEnd = -Infinity;
  for (const c of sorted) {
    if (maxEnd !== -Infinity && c.start >= maxEnd) gaps.push(c.start - maxEnd);
    if (c.end > maxEnd) maxEnd = c.end;
  }
  return gaps;
}

/** Idle closes seen on the wire (see IDLE_CLOSE_MIN_SEC). */
export function observedIdleTimeouts(
  conns: readonly ConnRow[],
  minIdleSec = IDLE_CLOSE_MIN_SEC,
): DestinationStats['observedIdleTimeouts'] {
  const out: DestinationStats['observedIdleTimeouts'] = [];
  for (const c of conns) {
    const t = c.teardown;
    if (t.initiator !== null && t.idleBeforeSec !== null && t.idleBeforeSec >= minIdleSec) {
      out.push({ by: t.initiator, seconds: t.idleBeforeSec, connectionId: c.id });
    }
  }
  return out;
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

/** Aggregates for one destination's connections (all with the same destinationKey). */
export function destinationStats(key: string, group: readonly ConnRow[], minIdleSec = IDLE_CLOSE_MIN_SEC): DestinationStats {
  const first = group[0];
  const setup = new QuantileSketch();
  let roundTrips = 0;
  let handshakeBytes = 0;
  let certificateBytes = 0;
  let setupMs = 0;
  let lifeMs = 0;
  let withServerHello = 0;
  let resumed = 0;
  for (const c of group) {
    if (c.setup.ms !== null) {
      setup.add(c.setup.ms);
      setupMs += c.setup.ms;
      lifeMs += c.lifetimeMs;
      roundTrips += c.setup.roundTrips ?? 0;
      handshakeBytes += c.setup.bytes;
      certificateBytes += c.setup.certificateBytes ?? 0;
    }
    if (hasServerHello(c)) {
      withServerHello++;
      if (c.tls!.resumed) resumed++;
    }
  }
  return {
    key,
    sni: group.find((c) => c.tls?.sni)?.tls?.sni ?? null,
    ip: first.server.ip,
    port: first.server.port,
    connections: group.length,
    connectionIds: group.filter((c) => c.transport !== 'quic').map((c) => c.id),
    peakConcurrency: peakConcurrency(group),
    idleGapsSec: sketchOf(idleGaps(group)).distribution(),
    setupMs: setup.distribution(),
    setupRoundTrips: roundTrips,
    handshakeBytes,
    certificateBytes,
    resumptionRate: withServerHello > 0 ? resumed / withServerHello : null,
    setupShare: lifeMs > 0 ? Math.min(1, setupMs / lifeMs) : null,
    observedIdleTimeouts: observedIdleTimeouts(group, minIdleSec),
    quicConnectionIds: group.filter((c) => c.transport === 'quic').map((c) => c.id),
    setupByTransport: {
      tcp: transportSetup(group.filter((c) => c.transport !== 'quic')),
      quic: transportSetup(group.filter((c) => c.transport === 'quic')),
    },
  };
}

/** Setup of connections over one transport (null when there are none). */
export function transportSetup(group: readonly ConnRow[]): TransportSetup | null {
  if (group.length === 0) return null;
  const setup = new QuantileSketch();
  let roundTrips = 0;
  let bytes = 0;
  let resumed = 0;
  let zeroRtt = 0;
  for (const c of group) {
    if (c.setup.ms !== null) {
      setup.add(c.setup.ms);
      roundTrips += c.setup.roundTrips ?? 0;
      bytes += c.setup.bytes;
    }
    if (c.tls?.resumed) resumed++;
    if (c.quic ? c.quic.zeroRtt : c.tls?.earlyData) zeroRtt++;
  }
  return { connections: group.length, setupMs: setup.distribution(), setupRoundTrips: roundTrips, handshakeBytes: bytes, resumed, zeroRtt };
}

/**
 * One entry per destination (destinationKey). Setup figures (setupMs,
 * setupRoundTrips, handshakeBytes, certificateBytes, setupShare) count only
 * connections whose setup time is known. Sorted by total setup ms, largest
 * first, then by key.
 */
export function destinations(conns: readonly ConnRow[], opts: { minIdleSec?: number } = {}): DestinationStats[] {
  const out: DestinationStats[] = [];
  for (const [key, group] of groupByDestination(conns)) out.push(destinationStats(key, group, opts.minIdleSec));
  out.sort((a, b) => b.setupMs.total - a.setupMs.total || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return out;
}
