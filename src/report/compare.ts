/** Before/after comparison of two analyses (e.g. without and with keep-alive). */
import { allRows, type ConnRow } from './rows.js';
import { DestinationTable } from './destinations.js';
import { FirstN } from './top.js';
import { QuantileSketch } from './sketch.js';
import type { Analysis, Change, Comparison, ComparisonRow } from './types.js';
import { requestsOf } from './requests.js';

/** Fewer values than this: a percentile is one of a handful of values, its relative change says little. */
export const MIN_COUNT_FOR_CHANGE = 5;
/** Request counts differing by more than this share: the two captures ran different workloads. */
export const WORKLOAD_TOLERANCE = 0.1;

/**
 * A connection "had a handshake" when a TCP handshake (SYN or SYN-ACK) or a
 * TLS handshake (ClientHello) of it was captured: the costs a pool avoids.
 */
export function handshakeSeen(c: ConnRow): boolean {
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
  fullHandshakes: number;
  resumedHandshakes: number;
  requests: number;
  requestsEstimated: boolean;
  setupMsPerRequest: number | null;
  setupCount: number;
}

/**
 * Figures of one side. Setup time, round trips and bytes (setup wire bytes)
 * count connections with a known setup; setupShare = their setup ms / their
 * lifetime ms.
 */
function figures(conns: readonly ConnRow[]): Figures {
  const setup = new QuantileSketch();
  let life = 0;
  let rt = 0;
  let bytes = 0;
  let handshakes = 0;
  let full = 0;
  let resumed = 0;
  let requests = 0;
  let estimated = false;
  for (const c of conns) {
    if (handshakeSeen(c)) handshakes++;
    if (c.tls !== null && c.events.some((e) => e.type === 'ServerHello')) {
      if (c.tls.resumed) resumed++;
      else full++;
    }
    const r = requestsOf(c);
    requests += r.count;
    if (r.estimated && r.count > 0) estimated = true;
    if (c.setup.ms !== null) {
      setup.add(c.setup.ms);
      life += c.lifetimeMs;
      rt += c.setup.roundTrips ?? 0;
      bytes += c.setup.bytes;
    }
  }
  const d = setup.distribution();
  return {
    connections: conns.length,
    handshakes,
    setupTotalMs: d.total,
    setupP50Ms: d.p50,
    setupP90Ms: d.p90,
    setupShare: life > 0 ? Math.min(1, d.total / life) : null,
    roundTrips: rt,
    bytes,
    fullHandshakes: full,
    resumedHandshakes: resumed,
    requests,
    requestsEstimated: estimated,
    setupMsPerRequest: requests > 0 ? Math.round((d.total / requests) * 1e9) / 1e9 : null,
    setupCount: d.count,
  };
}

/** A destination absent from one side compares as 0 connections there (percentiles and share null). */
function row(key: string, b: Figures | undefined, a: Figures | undefined): ComparisonRow {
  const z = (f: Figures | undefined, k: Exclude<keyof Figures, 'requestsEstimated'>): number | null =>
    f ? f[k] : k === 'setupP50Ms' || k === 'setupP90Ms' || k === 'setupShare' || k === 'setupMsPerRequest' ? null : 0;
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
    fullHandshakes: change(z(b, 'fullHandshakes'), z(a, 'fullHandshakes')),
    resumedHandshakes: change(z(b, 'resumedHandshakes'), z(a, 'resumedHandshakes')),
    requests: change(z(b, 'requests'), z(a, 'requests')),
    setupMsPerRequest: change(z(b, 'setupMsPerRequest'), z(a, 'setupMsPerRequest')),
    setupCount: change(z(b, 'setupCount'), z(a, 'setupCount')),
  };
}

/** The comparison's caveats, in words (see Comparison.warnings). */
function comparisonWarnings(b: Figures, a: Figures): string[] {
  const out: string[] = [];
  const est = b.requestsEstimated || a.requestsEstimated ? ' (estimated from client data bursts)' : '';
  const most = Math.max(b.requests, a.requests);
  if (most > 0 && Math.abs(b.requests - a.requests) > WORKLOAD_TOLERANCE * most) {
    out.push(
      `the workloads differ: ${b.requests} requests before, ${a.requests} after${est}; compare the per-request figures, not the totals`,
    );
  }
  for (const [side, f] of [['before', b], ['after', a]] as const) {
    if (f.setupCount > 0 && f.setupCount < MIN_COUNT_FOR_CHANGE) {
      out.push(
        `${side} has only ${f.setupCount} connection${f.setupCount === 1 ? '' : 's'} with a setup: its percentiles are ` +
          `${f.setupCount === 1 ? 'that one value' : 'a handful of values'}, their change is not a trend`,
      );
    }
  }
  return out;
}

/**
 * Per destination (destinationKey, union of both sides) and in total: each
 * figure as {before, after, diff = after - before, ratio = after / before}
 * (diff/ratio null when a side is null; ratio null when before is 0).
 * Destinations are sorted by the larger of their before/after setup totals,
 * largest first, then by key.
 */
export function compareAnalyses(before: Analysis, after: Analysis): Comparison {
  const { destinationCount: _n, ...c } = compareDigest(before, after, { top: Infinity });
  return c;
}

/** The order of a comparison's destinations: the larger setup total of the two sides, largest first, then key. */
function byWeightThenKey(x: { weight: number; r: ComparisonRow }, y: { weight: number; r: ComparisonRow }): number {
  return y.weight - x.weight || (x.r.key < y.r.key ? -1 : x.r.key > y.r.key ? 1 : 0);
}

/** Each destination's figures, one destination at a time from one DestinationTable (no group kept). */
function eachFigures(rows: readonly ConnRow[], each: (key: string, f: Figures) => void): void {
  const table = new DestinationTable();
  for (let i = 0; i < rows.length; i++) table.add(rows[i]!, i);
  const group: ConnRow[] = [];
  table.eachDestination(Infinity, (d, _pieces, refs) => {
    group.length = 0;
    for (const i of refs) group.push(rows[i]!);
    each(d.key, figures(group));
  });
}

/**
 * The comparison (compareAnalyses()) keeping only the first `top` destinations of its order, and
 * `destinationCount` of them in all: the after side's destinations are computed one
 * at a time and joined with the before side's figures (a map by key), so neither
 * side's connections are grouped and no row is kept past the top. `onRow` sees every
 * destination's row and its weight (the order's key) as it is made: the JSON
 * document of a comparison of two scans of a million addresses.
 */
export function compareDigest(
  before: Analysis,
  after: Analysis,
  opts: { top: number; onRow?: (r: ComparisonRow, weight: number) => void },
): Comparison & { destinationCount: number } {
  const fbByKey = new Map<string, Figures>();
  eachFigures(allRows(before), (key, f) => fbByKey.set(key, f));
  const kept = new FirstN<{ weight: number; r: ComparisonRow }>(opts.top, byWeightThenKey);
  let count = 0;
  const take = (key: string, fb: Figures | undefined, fa: Figures | undefined): void => {
    const r = row(key, fb, fa);
    const weight = Math.max(fb?.setupTotalMs ?? 0, fa?.setupTotalMs ?? 0);
    count++;
    opts.onRow?.(r, weight);
    kept.add({ weight, r });
  };
  eachFigures(allRows(after), (key, fa) => {
    const fb = fbByKey.get(key);
    fbByKey.delete(key);
    take(key, fb, fa);
  });
  for (const [key, fb] of fbByKey) take(key, fb, undefined);
  const fb = figures(allRows(before));
  const fa = figures(allRows(after));
  return {
    before: before.capture.file,
    after: after.capture.file,
    destinations: kept.sorted().map((x) => x.r),
    total: row('total', fb, fa),
    warnings: comparisonWarnings(fb, fa),
    requestsEstimated: fb.requestsEstimated || fa.requestsEstimated,
    destinationCount: count,
  };
}
