/**
 * Text output of `handshake-lens compare <before> <after>`: the totals as a
 * before/after/change block, then one line per destination. Destination keys
 * (capture-derived SNI) go through sanitize().
 */
import type { Change, Comparison, ComparisonRow } from '../report/types.js';
import { displayWidth, fit, fmtBytes, fmtInt, fmtMs, fmtPct, formatHeader, formatRow, layoutColumns, moreLines, NA, type Column } from '../view/format.js';
import { sanitize } from '../view/sanitize.js';
import { comparisonConclusions } from '../view/model.js';
import { MIN_COUNT_FOR_CHANGE } from '../report/compare.js';
import { wrap } from './pool-text.js';

const wrapPlain = (text: string, width: number): string[] => wrap(text, width, '', '  ');

export interface CompareTextOptions {
  /** Terminal width in cells (default 100). */
  width?: number;
  /** Destinations not in `c.destinations` (compareDigest's top): one line says how many. */
  more?: number;
}

type Fmt = (n: number | null) => string;

const fmtCount: Fmt = (n) => fmtInt(n);
const fmtMsUnit: Fmt = (n) => (n === null ? NA : `${fmtMs(n)} ms`);
const fmtShare: Fmt = (n) => fmtPct(n);
const fmtSize: Fmt = (n) => fmtBytes(n);

/** The change as a signed difference, and the relative change when defined: '-9 (-90.0%)'; few = no relative change (n < 5). */
function changeText(c: Change, f: Fmt, kind: 'abs' | 'share', few = false): string {
  if (c.diff === null) return NA;
  if (kind === 'share') {
    // Shares change in percentage points; a ratio of shares says little.
    const pts = c.diff * 100;
    return `${pts > 0 ? '+' : pts < 0 ? '-' : '±'}${Math.abs(pts).toFixed(1)} pts`;
  }
  const sign = c.diff > 0 ? '+' : c.diff < 0 ? '-' : '±';
  const abs = f(Math.abs(c.diff));
  const rel = few
    ? ` (n < ${MIN_COUNT_FOR_CHANGE})`
    : c.ratio !== null
    ? ` (${c.ratio - 1 >= 0 ? '+' : '-'}${fmtPct(Math.abs(c.ratio - 1))})`
    : '';
  return `${sign}${abs}${rel}`;
}

/**
 * A metric row. `minN`: a percentile, shown only with at least that many
 * values on the side (p90: 10), its relative change only with 5 on both.
 */
const METRICS: { title: string; get: (r: ComparisonRow) => Change; f: Fmt; kind: 'abs' | 'share'; minN?: number }[] = [
  { title: 'connections', get: (r) => r.connections, f: fmtCount, kind: 'abs' },
  { title: 'requests', get: (r) => r.requests, f: fmtCount, kind: 'abs' },
  { title: 'handshakes', get: (r) => r.handshakes, f: fmtCount, kind: 'abs' },
  { title: 'TLS full', get: (r) => r.fullHandshakes, f: fmtCount, kind: 'abs' },
  { title: 'TLS resumed', get: (r) => r.resumedHandshakes, f: fmtCount, kind: 'abs' },
  { title: 'setup per request', get: (r) => r.setupMsPerRequest, f: fmtMsUnit, kind: 'abs' },
  { title: 'setup time, total', get: (r) => r.setupTotalMs, f: fmtMsUnit, kind: 'abs' },
  { title: 'setup time, p50', get: (r) => r.setupP50Ms, f: fmtMsUnit, kind: 'abs', minN: 1 },
  { title: 'setup time, p90', get: (r) => r.setupP90Ms, f: fmtMsUnit, kind: 'abs', minN: 10 },
  { title: 'setup share', get: (r) => r.setupShare, f: fmtShare, kind: 'share' },
  { title: 'setup round trips', get: (r) => r.roundTrips, f: fmtCount, kind: 'abs' },
  { title: 'setup bytes', get: (r) => r.bytes, f: fmtSize, kind: 'abs' },
];

/** 'before -> after' for a per-destination cell. */
function arrow(c: Change, f: Fmt): string {
  return `${f(c.before)} -> ${f(c.after)}`;
}

const DEST_COLUMNS: Column<ComparisonRow>[] = [
  { key: 'dest', title: 'DESTINATION', align: 'left', min: 16, max: 40, priority: 10, cell: (r) => sanitize(r.key) },
  { key: 'conns', title: 'CONNECTIONS', align: 'right', min: 11, max: 15, priority: 9, cell: (r) => arrow(r.connections, fmtCount) },
  { key: 'hs', title: 'HANDSHAKES', align: 'right', min: 10, max: 15, priority: 8, cell: (r) => arrow(r.handshakes, fmtCount) },
  { key: 'setup', title: 'SETUP ms', align: 'right', min: 16, priority: 9, cell: (r) => arrow(r.setupTotalMs, fmtMs) },
  { key: 'reqs', title: 'REQUESTS', align: 'right', min: 10, max: 15, priority: 7, cell: (r) => arrow(r.requests, fmtCount) },
  { key: 'perreq', title: 'SETUP/REQUEST ms', align: 'right', min: 16, priority: 8, cell: (r) => arrow(r.setupMsPerRequest, fmtMs) },
  { key: 'p50', title: 'P50 ms', align: 'right', min: 14, priority: 4, cell: (r) => arrow(r.setupP50Ms, fmtMs) },
  { key: 'share', title: 'SETUP SHARE', align: 'right', min: 14, priority: 5, cell: (r) => arrow(r.setupShare, fmtShare) },
  { key: 'rtt', title: 'ROUND TRIPS', align: 'right', min: 11, max: 15, priority: 6, cell: (r) => arrow(r.roundTrips, fmtCount) },
  { key: 'bytes', title: 'BYTES', align: 'right', min: 20, priority: 3, cell: (r) => arrow(r.bytes, fmtSize) },
];

export function formatComparison(c: Comparison, opts: CompareTextOptions = {}): string {
  const width = Math.max(40, opts.width ?? 100);
  const out: string[] = [];
  out.push(`Before: ${sanitize(c.before)}`);
  out.push(`After:  ${sanitize(c.after)}`);
  out.push('');
  const w0 = 18;
  const w = 12;
  out.push(`${fit('', w0)} ${fit('BEFORE', w, 'right')} ${fit('AFTER', w, 'right')}  CHANGE`);
  const n = c.total.setupCount;
  for (const m of METRICS) {
    let ch = m.get(c.total);
    if (m.minN !== undefined) {
      // A percentile of fewer values than it needs is not shown (p90: 10), nor its change.
      const b = (n.before ?? 0) >= m.minN ? ch.before : null;
      const a = (n.after ?? 0) >= m.minN ? ch.after : null;
      ch = { before: b, after: a, diff: b !== null && a !== null ? ch.diff : null, ratio: b !== null && a !== null ? ch.ratio : null };
    }
    const few = m.minN !== undefined && Math.min(n.before ?? 0, n.after ?? 0) < MIN_COUNT_FOR_CHANGE;
    const title = m.title === 'requests' && c.requestsEstimated ? 'requests (est.)' : m.title;
    out.push(`${fit(title, w0)} ${fit(m.f(ch.before), w, 'right')} ${fit(m.f(ch.after), w, 'right')}  ${changeText(ch, m.f, m.kind, few)}`);
  }
  out.push(`${fit('setup n', w0)} ${fit(fmtCount(n.before), w, 'right')} ${fit(fmtCount(n.after), w, 'right')}  (connections behind the percentiles)`);
  const more = opts.more ?? 0;
  if (c.destinations.length > 0 || more > 0) {
    out.push('');
    out.push('Per destination (before -> after):');
    const keyWidth = Math.min(40, c.destinations.reduce((w, r) => Math.max(w, displayWidth(sanitize(r.key))), 11));
    const cols = layoutColumns(
      DEST_COLUMNS.map((col) => (col.key === 'dest' ? { ...col, min: keyWidth, max: keyWidth } : col)),
      width,
    );
    out.push(formatHeader(cols));
    for (const r of c.destinations) out.push(formatRow(cols, r));
    out.push(...moreLines(c.destinations.length, c.destinations.length + more, 'destination'));
  }
  const conclusions = comparisonConclusions(c);
  if (conclusions.length > 0) {
    out.push('');
    out.push(...conclusions);
  }
  if (c.warnings.length > 0) {
    out.push('');
    for (const w of c.warnings) out.push(...wrapPlain(`warning: ${sanitize(w)}`, width));
  }
  return out.join('\n') + '\n';
}
