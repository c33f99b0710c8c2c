/**
 * The plain-text report (`--format text`, or stdout not a terminal): the
 * summary, the connection table (largest setup first) and the destinations
 * table with the pool savings. Deterministic: no colour, no time of day, the
 * same input gives the same bytes. Capture text is sanitized.
 */
import { allRows, findingGroups, normalResets, poolingFindings, summarize } from '../report/index.js';
import { destinationDigest } from '../report/digest.js';
import { findingGroupColumns, findingsSummaryText, poolingFindingLines, vantageText, wrapPhrases } from '../view/findings.js';
import type { Analysis, PoolOptions } from '../report/types.js';
import { fmtInt, formatHeader, formatRow, layoutColumns, moreLines, wrap } from '../view/format.js';
import { sanitize } from '../view/sanitize.js';
import { DEFAULT_TOP } from '../base/defaults.js';
import {
  connectionColumns,
  destinationColumns,
  percentileLines,
  shownPercentile,
  setupTotalText,
  sortConnections,
  stateCountsText,
  tlsText,
  captureText,
  transportComparisonLines,
} from '../view/model.js';

export interface TextReportOptions {
  /** Rows of each table at most (default DEFAULT_TOP). */
  top?: number;
  /** Line width the tables are laid out for (default 120). */
  width?: number;
  poolOptions?: Partial<PoolOptions>;
}

export function formatTextReport(a: Analysis, opts: TextReportOptions = {}): string {
  const width = Math.max(60, opts.width ?? 120);
  const top = opts.top !== undefined && opts.top >= 0 ? opts.top : DEFAULT_TOP;
  // Aggregates over every connection (its rows); the table over the records kept whole (the top N when rows are set).
  const all = allRows(a);
  const s = summarize(all);
  const out: string[] = [];

  const pad = ' '.repeat(13);
  out.push(...wrap(`capture      ${captureText(a)}`, width, pad));
  out.push(...wrap(`connections  ${stateCountsText(s, normalResets(all))}`, width, pad));
  out.push(...wrap(`tls          ${tlsText(s)}`, width, pad));
  out.push(...wrap(`setup        ${setupTotalText(s)}`, width, pad));
  const groups = findingGroups(all);
  const found = findingsSummaryText(all, groups);
  if (found !== null) out.push(...wrapPhrases(`findings     ${found.replace(/^findings: /, '')}`, width, pad));
  const vantage = vantageText(a.capture.vantage);
  if (vantage !== null) out.push(...wrap(`vantage      ${vantage}`, width, pad));
  out.push('');
  for (const l of percentileLines(s)) out.push(`  ${l}`);
  const rt = s.roundTrips;
  out.push(
    `  ${'round trips'.padEnd(14)}${fmtInt(rt.count).padStart(6)}${fmtNum(shownPercentile(rt, 'p50'))}${fmtNum(shownPercentile(rt, 'p90'))}` +
      `${fmtNum(shownPercentile(rt, 'p99'))}${fmtNum(rt.max)}`,
  );
  for (const w of a.capture.warnings) out.push(...wrap(`warning: ${sanitize(w)}`, width, '  '));

  // Connections, largest setup first.
  const conns = sortConnections(a.connections, 'setup');
  const shownConns = conns.slice(0, top);
  let maxId = 0;
  for (const c of all) if (c.id > maxId) maxId = c.id;
  const cc = layoutColumns(connectionColumns(maxId, shownConns), width, shownConns);
  out.push('', `Connections (largest setup first, ms)`, formatHeader(cc));
  for (const c of shownConns) out.push(formatRow(cc, c));
  if (all.length === 0) out.push(noConnectionText(a));
  out.push(...moreLines(shownConns.length, all.length, 'connection'));

  // Findings by code: how many connections, the time they cost, what it means.
  if (groups.length > 0) {
    const fc = layoutColumns(findingGroupColumns(), width, groups);
    out.push('', 'Findings (per code; the connection table names each connection\'s worst)', formatHeader(fc));
    for (const g of groups) out.push(formatRow(fc, g));
  }

  // Destinations with the pool savings: the top of the table, with counts and totals over every destination.
  const dig = destinationDigest(all, { top, poolOptions: opts.poolOptions });
  const pool = dig.pool;
  const shownRows = dig.rows;
  const dc = layoutColumns(destinationColumns(dig.quicCount > 0), width, shownRows);
  out.push(
    '',
    `Destinations (pool: idle timeout ${pool.options.idleTimeoutSec}s, size ${pool.options.maxSize ?? 'observed peak'})`,
    formatHeader(dc),
  );
  for (const r of shownRows) out.push(formatRow(dc, r));
  if (dig.count === 0) out.push('(no destination)');
  out.push(...moreLines(shownRows.length, dig.count, 'destination'));
  // The verdict once, in the report stage's own words (it carries every figure).
  out.push('');
  // A capture of QUIC only: no TCP to simulate, the QUIC line says what applies.
  if (!(pool.quic && dig.simulated === 0)) out.push(...wrap(`pool verdict: ${sanitize(pool.total.reason)}`, width, '  '));
  for (const l of poolingFindingLines(poolingFindings(all))) out.push(...wrap(`pool note: ${l}`, width, '  '));
  if (pool.quic) out.push(...wrap(`QUIC: ${sanitize(pool.quic.reason)}`, width, '  '));
  // QUIC vs TCP+TLS setup, side by side per destination (browsers race both to one name).
  const side = transportComparisonLines(dig.quicRows, dig.quicKeyMax);
  if (side.length > 0) out.push('', 'Setup by transport (QUIC destinations, setup ms and round trips)', ...side.slice(0, top + 1));
  return `${out.join('\n')}\n`;
}

function fmtNum(n: number | null): string {
  return (n === null ? '-' : Number.isInteger(n) ? String(n) : n.toFixed(1)).padStart(7);
}


/** Why the table is empty: no TCP connection, and what was found in UDP (a capture of only UDP is not silence). */
function noConnectionText(a: Analysis): string {
  const udp = a.capture.udpDatagrams ?? 0;
  if (udp === 0) return '(no TCP or QUIC connection)';
  const quic = a.capture.quicDatagrams ?? 0;
  return `(no TCP or QUIC connection: ${udp} UDP datagram${udp === 1 ? '' : 's'}, ${quic} of them QUIC without a connection start)`;
}
