/** Before/after comparison of two analyses (e.g. without and with keep-alive). */
import type { ConnectionRecord } from '../timeline/types.js';
import { groupByDestination } from './destinations.js';
import { distribution } from './stats.js';
import type { Analysis, Change, Comparison, ComparisonRow } from './types.js';

/**
 * A connection "had a handshake" when a TCP handshake (SYN or SYN-ACK) or a
 * TLS handshake (ClientHello) of it was captured: the costs a pool avoids.
 */
export function handshakeSeen(c: ConnectionRecord): boolean {
  return c.events.some((e) => e.type === 'SYN' || e.type === 'SYN-ACK' || e.type === 'ClientHello');
}

function change(before: number | null, after: number | null): Change {
  const both = before !== null && after !== null;
  return {
    before,
    after,
    // 9 decimals: no float noise (0.40300000000000047) in the printed difference.
    diff: both ? Math.round((after - before) * 1e9) / 1e9 : null,
    ratio: both && before !== 0 ? after / before : null,
  };
}

interface Figures {
  connections: number;
  handshakes: number;
  setupTotalMs: number;
  setupP50Ms: number | null;
  setupP90Ms: number | null;
  setupShare: number | null;
  roundTrips: number;
  bytes: number;
}

/**
 * Figures of one side. Setup time, round trips and bytes (setup wire bytes)
 * count connections with a known setup; setupShare = their setup ms / their
 * lifetime ms.
 */
function figures(conns: readonly ConnectionRecord[]): Figures {
  const setup: number[] = [];
  let life = 0;
  let rt = 0;
  let bytes = 0;
  let handshakes = 0;
  for (const c of conns) {
    if (handshakeSeen(c)) handshakes++;
    if (c.setup.ms !== null) {
      setup.push(c.setup.ms);
      life += c.lifetimeMs;
      rt += c.setup.roundTrips ?? 0;
      bytes += c.setup.bytes;
    }
  }
  const d = distribution(setup);
  return {
    connections: conns.length,
    handshakes,
    setupTotalMs: d.total,
    setupP50Ms: d.p50,
    setupP90Ms: d.p90,
    setupShare: life > 0 ? Math.min(1, d.total / life) : null,
    roundTrips: rt,
    bytes,
  };
}

/** A destination absent from one side compares as 0 connections there (percentiles and share null). */
function row(key: string, b: Figures | undefined, a: Figures | undefined): ComparisonRow {
  const z = (f: Figures | undefined, k: keyof Figures): number | null => (f ? f[k] : k === 'setupP50Ms' || k === 'setupP90Ms' || k === 'setupShare' ? null : 0);
  return {
    key,
    connections: change(z(b, 'connections'), z(a, 'connections')),
    handshakes: change(z(b, 'handshakes'), z(a, 'handshakes')),
    setupTotalMs: change(z(b, 'setupTotalMs'), z(a, 'setupTotalMs')),
    setupP50Ms: change(z(b, 'setupP50Ms'), z(a, 'setupP50Ms')),
    setupP90Ms: change(z(b, 'setupP90Ms'), z(a, 'setupP90Ms')),
    setupShare: change(z(b, 'setupShare'), z(a, 'setupShare')),
    roundTrips: change(z(b, 'roundTrips'), z(a, 'roundTrips')),
    bytes: change(z(b, 'bytes'), z(a, 'bytes')),
  };
}

/**
 * Per destination (destinationKey, union of both sides) and in total: each
 * figure as {before, after, diff = after - before, ratio = after / before}
 * (diff/ratio null when a side is null; ratio null when before is 0).
 * Destinations are sorted by the larger of their before/after setup totals,
 * largest first, then by key.
 */
export function compareAnalyses(before: Analysis, after: Analysis): Comparison {
  const gb = groupByDestination(before.connections);
  const ga = groupByDestination(after.connections);
  const keys = new Set([...gb.keys(), ...ga.keys()]);
  const rows: { r: ComparisonRow; weight: number }[] = [];
  for (const key of keys) {
    const fb = gb.has(key) ? figures(gb.get(key)!) : undefined;
    const fa = ga.has(key) ? figures(ga.get(key)!) : undefined;
    rows.push({ r: row(key, fb, fa), weight: Math.max(fb?.setupTotalMs ?? 0, fa?.setupTotalMs ?? 0) });
  }
  rows.sort((x, y) => y.weight - x.weight || (x.r.key < y.r.key ? -1 : x.r.key > y.r.key ? 1 : 0));
  return {
    before: before.capture.file,
    after: after.capture.file,
    destinations: rows.map((x) => x.r),
    total: row('total', figures(before.connections), figures(after.connections)),
  };
}
