/**
 * Sorting of the destinations, pool, findings and compare tables (issue 10:
 * `s` / `S` sort forward / backward in every table view, with a marker in the
 * header), and the marker itself. Connections keep their own keys (model.ts
 * SORT_KEYS).
 */
import { SEVERITY_RANK, type FindingGroup } from '../report/findings.js';
import type { ComparisonRow, DestinationPool } from '../report/types.js';
import type { Column, LaidOutColumn } from './format.js';
import type { DestinationRow } from './model.js';

export interface TableSort<R> {
  /** Column key, as in the view's columns. */
  key: string;
  label: string;
  value: (r: R) => number | null;
}

export const DESTINATION_SORTS: readonly TableSort<DestinationRow>[] = [
  { key: 'total', label: 'setup Σ, largest first', value: (r) => r.stats.setupMs.total },
  { key: 'conns', label: 'connections, most first', value: (r) => r.stats.connections },
  { key: 'p50', label: 'p50 setup, largest first', value: (r) => r.stats.setupMs.p50 },
  { key: 'share', label: 'setup %, largest first', value: (r) => r.stats.setupShare },
  { key: 'resumed', label: 'resumed, largest first', value: (r) => r.stats.resumptionRate },
  { key: 'saved', label: 'pool saves, largest first', value: (r) => r.pool?.setupMsSaved ?? null },
];

export const POOL_SORTS: readonly TableSort<DestinationPool>[] = [
  { key: 'saved', label: 'saved ms, largest first', value: (p) => p.setupMsSaved },
  { key: 'conns', label: 'connections, most first', value: (p) => p.connections },
  { key: 'avoided', label: 'avoided, most first', value: (p) => p.handshakesAvoided },
  { key: 'share', label: 'saved %, largest first', value: (p) => p.savedShare },
  { key: 'rtt', label: 'round trips saved, most first', value: (p) => p.roundTripsSaved },
  { key: 'bytes', label: 'bytes saved, most first', value: (p) => p.bytesSaved },
];

/**
 * The findings table. The first sort is the report's own order (worst
 * severity, then most connections): sortRows is stable, so ties keep it.
 */
export const FINDING_SORTS: readonly TableSort<FindingGroup>[] = [
  { key: 'severity', label: 'severity, worst first', value: (g) => SEVERITY_RANK[g.severity] },
  { key: 'conns', label: 'connections, most first', value: (g) => g.connections },
  { key: 'cost', label: 'time cost, largest first', value: (g) => (g.costMs > 0 ? g.costMs : null) },
];

/** The side a comparison cell is sorted on: after, else before (a destination gone after). */
const latest = (c: { before: number | null; after: number | null }): number | null => c.after ?? c.before;

/**
 * The compare table's destinations (the total row stays last, unsorted). The
 * first sort is the largest saving of setup time (before − after), where a
 * pooling change shows.
 */
export const COMPARE_SORTS: readonly TableSort<ComparisonRow>[] = [
  { key: 'total', label: 'setup Σ saved, largest first', value: (r) => (r.setupTotalMs.diff === null ? null : -r.setupTotalMs.diff) },
  { key: 'conns', label: 'connections after, most first', value: (r) => latest(r.connections) },
  { key: 'hs', label: 'handshakes after, most first', value: (r) => latest(r.handshakes) },
  { key: 'perreq', label: 'setup per request after, largest first', value: (r) => latest(r.setupMsPerRequest) },
  { key: 'share', label: 'setup % after, largest first', value: (r) => latest(r.setupShare) },
];

/** Index `i` moved by `step` (+1 s, -1 S) around `n`. */
export function cycle(i: number, step: number, n: number): number {
  return (((i + step) % n) + n) % n;
}

/** A copy of `rows` sorted by `sort`, largest first, unknown last, stable otherwise. */
export function sortRows<R>(rows: readonly R[], sort: TableSort<R>): R[] {
  return rows
    .map((r, i) => ({ r, i, v: sort.value(r) }))
    .sort((a, b) => {
      if (a.v === null || b.v === null) return a.v === b.v ? a.i - b.i : a.v === null ? 1 : -1;
      return b.v - a.v || a.i - b.i;
    })
    .map((x) => x.r);
}

/** The columns with '▼' (largest first) or '▲' (ascending) after the sorted one's title. */
export function markSorted<R>(cols: readonly LaidOutColumn<R>[], key: string, ascending = false): LaidOutColumn<R>[] {
  const m = ascending ? '▲' : '▼';
  return cols.map((c) => {
    if (c.key !== key) return c;
    const t = c.title.length + 1 <= c.width ? c.title : c.title.slice(0, Math.max(0, c.width - 1));
    // Right-aligned titles keep their right edge (where a reader's eye and the numbers are).
    return { ...c, title: c.align === 'right' ? `${m}${t}` : `${t}${m}` };
  });
}

/** The columns with one more cell for the sorted one: room for its marker before layout. */
export function roomForMarker<R>(cols: readonly Column<R>[], key: string): Column<R>[] {
  return cols.map((c) => (c.key === key ? { ...c, min: c.min + 1, ...(c.max !== undefined ? { max: c.max + 1 } : {}) } : c));
}

/** The sorts of each table view but the connections (which has its own keys), for `s` / `S`. */
export const TABLE_SORTS = {
  destinations: DESTINATION_SORTS,
  pool: POOL_SORTS,
  findings: FINDING_SORTS,
  compare: COMPARE_SORTS,
} as const;
