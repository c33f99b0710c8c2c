/**
 * Text output of `handshake-lens pool <capture>`: the counterfactual pool per
 * destination as a table, then the verdicts in words. Capture-derived text
 * (SNI in destination keys and in the sentences) goes through sanitize().
 */
import type { DestinationPool, DestinationStats, PoolReport, PoolSavings, RttProjection } from '../report/types.js';
import { fmtRate, rateOf } from '../report/pool.js';
import { displayWidth, fmtBytes, fmtInt, fmtMs, fmtPct, formatHeader, formatRow, layoutColumns, moreLines, NA, type Column } from '../view/format.js';
import { plural } from '../base/format.js';
import { sanitize } from '../view/sanitize.js';

export interface PoolTextOptions {
  /** Terminal width in cells (default 100). */
  width?: number;
  /**
   * When the report holds only the top of its destinations (destinationDigest): the
   * TOTAL row's setup ms over all of them, and how many are not shown.
   */
  setupTotalMs?: number;
  more?: number;
}

interface Row {
  key: string;
  stats: DestinationStats | undefined;
  setupTotalMs: number | null;
  peak: number | null;
  p: PoolSavings & Partial<Pick<DestinationPool, 'poolSize' | 'serverIdleTimeoutSec' | 'recommendedIdleSec'>>;
}

function sec(s: number | null | undefined): string {
  if (s == null) return NA;
  return `${s < 10 ? s.toFixed(2) : s.toFixed(1)}s`;
}

const COLUMNS: Column<Row>[] = [
  { key: 'dest', title: 'DESTINATION', align: 'left', min: 16, max: 40, priority: 10, cell: (r) => r.key },
  { key: 'conns', title: 'CONNS', align: 'right', min: 5, max: 11, priority: 9, cell: (r) => fmtInt(r.p.connections) },
  { key: 'peak', title: 'PEAK', align: 'right', min: 4, max: 10, priority: 4, cell: (r) => fmtInt(r.peak) },
  { key: 'pool', title: 'POOL', align: 'right', min: 4, max: 10, priority: 3, cell: (r) => (r.p.poolSize !== undefined ? fmtInt(r.p.poolSize) : NA) },
  { key: 'setup', title: 'SETUP ms', align: 'right', min: 8, max: 14, priority: 6, cell: (r) => fmtMs(r.setupTotalMs) },
  { key: 'avoided', title: 'AVOIDED', align: 'right', min: 7, max: 13, priority: 9, cell: (r) => fmtInt(r.p.handshakesAvoided) },
  { key: 'saved', title: 'SAVED ms', align: 'right', min: 8, max: 14, priority: 8, cell: (r) => fmtMs(r.p.setupMsSaved) },
  { key: 'share', title: 'SAVED %', align: 'right', min: 7, max: 13, priority: 7, cell: (r) => fmtPct(r.p.savedShare) },
  { key: 'rtt', title: 'RTT×', align: 'right', min: 5, max: 11, priority: 5, cell: (r) => fmtInt(r.p.roundTripsSaved) },
  { key: 'bytes', title: 'BYTES', align: 'right', min: 9, max: 15, priority: 5, cell: (r) => fmtBytes(r.p.bytesSaved) },
  { key: 'certs', title: 'CERTS', align: 'right', min: 9, max: 15, priority: 2, cell: (r) => fmtBytes(r.p.certificateBytesSaved) },
  { key: 'srvidle', title: 'SRV IDLE', align: 'right', min: 8, max: 14, priority: 1, cell: (r) => sec(r.p.serverIdleTimeoutSec) },
  { key: 'verdict', title: 'VERDICT', align: 'left', min: 13, priority: 10, cell: (r) => r.p.verdict },
];

/** Word-wraps text to `width` cells, every line prefixed by `indent` (the first by `first`). */
export function wrap(text: string, width: number, first: string, indent: string): string[] {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  // A unit stays with its number: '62.1 ms', '5.00 s', '7.5 %'.
  const words: string[] = [];
  for (const w of text.split(/ +/)) {
    if (w === '') continue;
    if (words.length > 0 && /^(ms|s|%)[),.;:]*$/.test(w) && /\d$/.test(words[words.length - 1])) words[words.length - 1] += ` ${w}`;
    else words.push(w);
  }
  for (const word of words) {
    if (!empty && displayWidth(line) + 1 + displayWidth(word) > width) {
      lines.push(line);
      line = indent + word;
    } else {
      line += (empty ? '' : ' ') + word;
    }
    empty = false;
  }
  lines.push(line);
  return lines;
}

export function formatPoolReport(report: PoolReport, dests: DestinationStats[], opts: PoolTextOptions = {}): string {
  const width = Math.max(40, opts.width ?? 100);
  const byKey = new Map(dests.map((d) => [d.key, d]));
  const o = report.options;
  const out: string[] = [];
  const intro =
    `idle timeout ${sec(o.idleTimeoutSec)}, ` +
    `pool size ${o.maxSize !== undefined ? fmtInt(o.maxSize) : 'the observed peak concurrency'} per destination; ` +
    `verdict 'pool' when it avoids at least ${rateOf(o.minAvoidedPerRequest, 'handshake')} per request and saves ` +
    `${fmtPct(o.minSavedShare)} of connection time` +
    (o.rttMs !== undefined ? ` and ${fmtMs(o.minSavedMs)} ms per request at ${fmtMs(o.rttMs)} ms RTT.` : '.');
  out.push(...wrap(intro, width, 'Keep-alive pool simulation: ', '  '));
  out.push('');
  const rows: Row[] = report.destinations.map((p) => {
    const stats = byKey.get(p.key);
    return { key: sanitize(p.key), stats, setupTotalMs: stats ? stats.setupMs.total : null, peak: stats ? stats.peakConcurrency : null, p };
  });
  const known = rows.filter((r) => r.setupTotalMs !== null);
  const total: Row = {
    key: 'TOTAL',
    stats: undefined,
    setupTotalMs: opts.setupTotalMs ?? (known.length ? known.reduce((n, r) => n + r.setupTotalMs!, 0) : null),
    peak: null,
    p: report.total,
  };
  // The destination column takes its content's width (up to 40 cells): keys are
  // what the reader looks for, so other columns are dropped before keys are cut.
  const keyWidth = Math.min(40, rows.reduce((w, r) => Math.max(w, displayWidth(r.key)), 11));
  const cols = layoutColumns(
    COLUMNS.map((c) =>
      c.key === 'dest'
        ? { ...c, min: keyWidth, max: keyWidth }
        : // The TOTAL row's count whole (a scan: 1,000,000 connections).
          c.key === 'conns'
          ? { ...c, min: Math.max(c.min, fmtInt(report.total.connections).length) }
          : c,
    ),
    width,
    // Number columns grow to what they hold (a 5-digit peak or round-trip count), as room allows.
    [...rows, total],
  );
  out.push(formatHeader(cols));
  for (const r of rows) out.push(formatRow(cols, r));
  const more = opts.more ?? 0;
  out.push(...moreLines(rows.length, rows.length + more, 'destination'));
  if (rows.length > 0 || more > 0) out.push(formatRow(cols, total));
  out.push('');
  out.push(...ratesLines(report.total, width));
  out.push('');
  out.push(...wrap(sanitize(report.total.reason), width, `Overall: ${report.total.verdict}. `, '  '));
  for (const p of report.destinations) {
    out.push(...wrap(sanitize(p.reason), width, `- ${sanitize(p.key)}: ${p.verdict}. `, '    '));
  }
  if (report.quic) {
    out.push('');
    out.push(...wrap(sanitize(report.quic.reason), width, 'QUIC: ', '  '));
    for (const d of report.quic.destinations) {
      const line =
        `${d.connections} connection${d.connections === 1 ? '' : 's'} (peak ${d.peakConcurrency} at once), ` +
        `${d.newHandshakes} new handshake${d.newHandshakes === 1 ? '' : 's'} = ${fmtMs(d.newHandshakeMs)} ms, ${d.resumed} resumed, ${d.zeroRtt} with 0-RTT` +
        (d.requests === null ? '' : `, ${d.requests} request${d.requests === 1 ? '' : 's'} (${d.requestsPerConnection} per connection${d.setupMsPerRequest === null ? '' : `, ${fmtMs(d.setupMsPerRequest)} ms setup each`})`);
      out.push(...wrap(line, width, `- ${sanitize(d.key)}: `, '    '));
    }
  }
  return out.join('\n') + '\n';
}

function rttLabel(p: RttProjection): string {
  const what = p.source === 'capture' ? ' (this capture)' : p.source === 'option' ? ' (--rtt)' : '';
  return `${fmtMs(p.rttMs)} ms${what}`;
}

/**
 * The rates behind the verdict (per avoided handshake, per request, per second
 * of capture) and the setup cost projected at other RTTs, as lines.
 */
export function ratesLines(p: PoolSavings, width = 100): string[] {
  const r = p.rates;
  const out: string[] = [];
  const est = r.requestsEstimated ? ', estimated from client data bursts' : '';
  out.push(...wrap(`(${plural(r.requests, 'request')}${est}; ${plural(p.connections, 'connection')}; ${sec(r.captureSec)} of capture):`, width, 'Rates ', '  '));
  if (r.perRequest) {
    out.push(
      ...wrap(
        `setup ${fmtMs(r.perRequest.setupMs)} ms and ${rateOf(r.perRequest.roundTrips, 'round trip')} today; a pool avoids ` +
          `${rateOf(r.perRequest.handshakesAvoided, 'handshake')}, saves ${fmtMs(r.perRequest.setupMsSaved)} ms, ` +
          `${rateOf(r.perRequest.roundTripsSaved, 'round trip')} and ${fmtBytes(r.perRequest.bytesSaved)}`,
        width,
        '  per request           ',
        '                        ',
      ),
    );
  }
  if (r.perHandshake) {
    out.push(
      ...wrap(
        `${fmtMs(r.perHandshake.setupMs)} ms, ${rateOf(r.perHandshake.roundTrips, 'round trip')}, ${fmtBytes(r.perHandshake.bytes)}` +
          (r.perHandshake.certificateBytes > 0 ? ` (${fmtBytes(r.perHandshake.certificateBytes)} certificates)` : ''),
        width,
        '  per handshake avoided ',
        '                        ',
      ),
    );
  }
  if (r.perSecond) {
    out.push(
      ...wrap(
        `a pool removes ${rateOf(r.perSecond.handshakesAvoided, 'handshake')}/s and ${fmtMs(r.perSecond.setupMsSaved)} ms of setup/s`,
        width,
        '  per second            ',
        '                        ',
      ),
    );
  }
  if (p.projections.length > 0) {
    out.push(...wrap('(round trips × RTT + the processing time seen in the capture):', width, 'Setup cost at other RTTs ', '  '));
    for (const x of p.projections) {
      const line =
        `  at ${rttLabel(x)}: ${fmtMs(x.setupMsPerConnection)} ms per new connection` +
        (x.newConnectionsPerRequest !== null && x.savedMsPerRequest !== null
          ? `, ${fmtRate(x.newConnectionsPerRequest)} of them per request → a pool saves ≈ ${fmtMs(x.savedMsPerRequest)} ms per request`
          : '');
      out.push(...wrap(line.trimStart(), width, '  ', '    '));
    }
  }
  return out.map(sanitize);
}
