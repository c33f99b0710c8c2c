/**
 * The view layer shared by the text report and the terminal UI: sort keys and
 * order, filters, table columns, the waterfall's bar geometry, the event
 * ladder, summary and progress lines. It only presents what report/ and
 * findings/ computed; components and the text output only lay it out.
 * No React, no I/O.
 *
 * Every string that came from the capture goes through sanitize() here, before
 * it can reach a terminal.
 */
import {
  NA,
  fmtBytes,
  fmtDuration,
  fmtEta,
  fmtInt,
  fmtMs,
  fmtPct,
  fmtTime,
  formatHeader as formatHeaderLine,
  formatRow as formatRowLine,
  layoutColumns,
  type Column,
} from '../view/format.js';
import { plural } from '../base/format.js';
import { safe, sanitize } from '../view/sanitize.js';
import type { ConnectionRecord, TimelineEvent } from '../timeline/types.js';
import { allRows, type ConnRow } from '../report/rows.js';
import type { ReadProgress } from '../capture/types.js';
import { connectionNotes } from '../findings/notes.js';
import { connectionMarks } from './marks.js';
import { connectionQuery } from './filter.js';
import { handshakeFailure, isNormalReset, normalResets, type FindingGroup } from '../report/findings.js';
import { FINDING_FILTER, findingDetailLines, findingsCell, findingsSummaryText, matchesFindingTerm, wrapPhrases } from './findings.js';
import { connectionPhases, type Phase, type PhaseName } from '../report/phases.js';
import { perConnection } from '../report/quic-pool.js';
import type {
  Analysis,
  Change,
  Comparison,
  ComparisonRow,
  DestinationPool,
  DestinationStats,
  Distribution,
  QuicPoolReport,
  Summary,
} from '../report/types.js';

// ---------------------------------------------------------------------------
// Connections: sorting and filtering

import { SORT_KEYS, sortValue, type SortKey } from './values.js';
export { SORT_KEYS, sortValue, type SortKey };


export const SORT_LABELS: Record<SortKey, string> = {
  setup: 'setup ms, largest first',
  tcp: 'TCP handshake ms, largest first',
  tls: 'TLS handshake ms, largest first',
  lifetime: 'lifetime, longest first',
  share: 'setup share, largest first',
  rtt: 'round trips, most first',
  id: 'connection id',
};

export function nextSortKey(k: SortKey): SortKey {
  return SORT_KEYS[(SORT_KEYS.indexOf(k) + 1) % SORT_KEYS.length]!;
}

export function prevSortKey(k: SortKey): SortKey {
  return SORT_KEYS[(SORT_KEYS.indexOf(k) + SORT_KEYS.length - 1) % SORT_KEYS.length]!;
}


/**
 * A new array sorted by `key`: largest first for the metrics, ascending for
 * `id`; unknown values last; ties by connection id, ascending.
 */
export function sortConnections<T extends ConnRow>(conns: readonly T[], key: SortKey): T[] {
  // connectionOrder's order, with each value read once: a row's sections are made on every
  // read (report/rows.ts RowView), and a comparator reads them ~2 log n times per row.
  const n = conns.length;
  const vals = new Float64Array(n);
  const ids = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const c = conns[i]!;
    vals[i] = sortValue(c, key) ?? NaN;
    ids[i] = c.id;
  }
  const dir = key === 'id' ? 1 : -1;
  const order: (number | T)[] = Array.from({ length: n }, (_, i) => i);
  (order as number[]).sort((a, b) => {
    const va = vals[a]!;
    const vb = vals[b]!;
    const na = Number.isNaN(va);
    const nb = Number.isNaN(vb);
    if (na || nb) {
      if (na !== nb) return na ? 1 : -1;
    } else if (va !== vb) {
      return (va - vb) * dir;
    }
    return ids[a]! - ids[b]!;
  });
  // In place: a million rows' second array was 8 MB more at the terminal UI's peak.
  for (let i = 0; i < n; i++) order[i] = conns[order[i] as number]!;
  return order as T[];
}

/** sortConnections' order as a comparator (the text report keeps its top N by it while reading). */
export function connectionOrder(key: SortKey): (a: ConnRow, b: ConnRow) => number {
  const dir = key === 'id' ? 1 : -1;
  return (a, b) => {
    const va = sortValue(a, key);
    const vb = sortValue(b, key);
    if (va === null || vb === null) {
      if (va !== vb) return va === null ? 1 : -1;
    } else if (va !== vb) {
      return (va - vb) * dir;
    }
    return a.id - b.id;
  };
}

export function endpointText(e: { ip: string; port: number }): string {
  return e.ip.includes(':') ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`;
}

/** The text a filter is matched against: addresses, ports, SNI, ALPN, state, TLS version, id. */
export function connectionSearchText(c: ConnRow): string {
  const parts = [
    c.transport === 'quic' ? `#q${c.id}` : `#${c.id}`,
    endpointText(c.client),
    endpointText(c.server),
    c.state,
    c.midstream ? 'midstream' : '',
    c.tls?.sni ?? '',
    c.tls?.version ?? (c.tls ? 'tls' : 'tcp'),
    c.tls?.alpn ?? '',
    c.tls?.resumed ? 'resumed' : '',
    c.quic ? `quic quic${c.quic.versionName}${c.quic.zeroRtt ? ' 0-rtt' : ''}${c.quic.retry ? ' retry' : ''}` : '',
  ];
  return sanitize(parts.join(' ')).toLowerCase();
}

/**
 * Connections matching every term of the query (view/filter.ts). An empty query
 * keeps all: the same array, not a copy. The term `quic` selects the transport
 * (QUIC connections only), not the text: an SNI such as quic.example.com over TCP
 * does not match it.
 */
export function filterConnections<T extends ConnRow>(conns: readonly T[], query: string): readonly T[] {
  if (query.trim() === '') return conns;
  // finding: terms go to the findings matcher; fields, comparisons and ':port' to view/filter.ts.
  const terms = query.toLowerCase().split(/\s+/).filter(Boolean);
  const findingTerms = terms.filter((term) => term.startsWith(FINDING_FILTER));
  const quicOnly = terms.includes('quic');
  const rest = connectionQuery(terms.filter((term) => !term.startsWith(FINDING_FILTER) && term !== 'quic').join(' '));
  return conns.filter(
    (c) => (!quicOnly || c.transport === 'quic') && rest(c) && findingTerms.every((term) => matchesFindingTerm(c, term)),
  );
}

// ---------------------------------------------------------------------------
// Connections table

export function tlsVersionShort(c: ConnRow): string {
  if (c.quic) return `QUIC${safe(c.quic.versionName)}`;
  if (!c.tls) return 'TCP';
  if (c.tls.version === null) return 'TLS?';
  return safe(c.tls.version).replace(/^TLS /, 'TLS').replace(/^SSL /, 'SSL');
}

/** Marker of a connection decrypted with a key log (the table's version column, the detail's TLS line). */
export const DECRYPTED_MARK = 'dec';

/** The version column: the version, and the decrypted marker when a key log opened it. */
export function versionCell(c: ConnRow): string {
  const v = tlsVersionShort(c);
  return c.tls?.decrypted ? `${v} ${DECRYPTED_MARK}` : v;
}

export function stateText(c: ConnRow): string {
  const failed = handshakeFailure(c);
  if (failed !== null) return `failed (${safe(failed)})`;
  // An ordinary close that ended with an RST after the FIN is not a reset.
  if (isNormalReset(c)) return 'closed';
  if (c.state === 'reset' && c.resetBy) return `reset(${c.resetBy[0]})`;
  return c.state;
}

export function roundTripsText(c: ConnRow): string {
  return c.setup.ms === null ? NA : String(c.setup.roundTrips);
}

/**
 * The connection table's columns. Numbers have fixed widths (the id column fits
 * the largest id); the address and SNI columns take the spare width.
 */
export function connectionColumns(maxId = 999, sample?: readonly ConnRow[]): Column<ConnRow>[] {
  const idW = Math.max(3, String(maxId).length);
  // A failed handshake's state ('failed (unknown_ca)') is kept whole: the state column is as
  // wide as the longest state of the rows (sample, up to 20), before lower-priority columns.
  let stateW = 10;
  if (sample) for (const c of sample) stateW = Math.max(stateW, Math.min(20, stateText(c).length));
  return [
    // QUIC ids (quic.connection.number) are numbered apart from TCP's tcp.stream: shown as q0, q1, ...
    { key: 'id', title: '#', align: 'right', min: idW, priority: 100, cell: (c) => (c.transport === 'quic' ? `q${c.id}` : String(c.id)) },
    {
      key: 'client',
      title: 'client',
      align: 'right',
      min: 21,
      max: 47,
      priority: 10,
      cell: (c) => `${endpointText(c.client)} →`,
    },
    { key: 'server', title: 'server', align: 'left', min: 21, max: 47, priority: 90, cell: (c) => endpointText(c.server) },
    { key: 'sni', title: 'SNI', align: 'left', min: 13, max: 40, priority: 80, cell: (c) => safe(c.tls?.sni) },
    // Grows (up to max) only when a shown connection was decrypted ("TLS1.3 dec").
    { key: 'version', title: 'ver', align: 'left', min: 6, max: 10, priority: 60, cell: versionCell },
    { key: 'tcp', title: 'TCP ms', align: 'right', min: 6, priority: 70, cell: (c) => fmtMs(c.tcp?.handshakeMs ?? null) },
    { key: 'tls', title: 'TLS ms', align: 'right', min: 6, priority: 70, cell: (c) => fmtMs(c.tls?.handshakeMs) },
    { key: 'setup', title: 'setup', align: 'right', min: 6, priority: 95, cell: (c) => fmtMs(c.setup.ms) },
    { key: 'rtt', title: 'RTT×', align: 'right', min: 4, priority: 40, cell: roundTripsText },
    { key: 'lifetime', title: 'life', align: 'right', min: 6, priority: 30, cell: (c) => fmtDuration(c.lifetimeMs) },
    { key: 'share', title: 'setup %', align: 'right', min: 7, priority: 50, cell: (c) => fmtPct(c.setupShare) },
    { key: 'state', title: 'state', align: 'left', min: stateW, max: 26, priority: 85, cell: stateText },
    // Marks before the findings (which stay last). They outrank the version (shown at 100 columns, issue 10):
    // R/M/C/S/! say what a row's colour alone does not.
    { key: 'marks', title: 'marks', align: 'left', min: 5, priority: 65, cell: connectionMarks },
    { key: 'findings', title: 'findings', align: 'left', min: 8, max: 30, priority: 72, cell: findingsCell },
  ];
}

// ---------------------------------------------------------------------------
// Connection detail

/** The Wireshark display filter selecting this connection (tcp.stream, or quic.connection.number for QUIC, = our id). */
export function wiresharkFilter(c: ConnectionRecord): string {
  if (c.transport === 'quic') return `quic.connection.number eq ${c.id}`;
  return `tcp.stream eq ${c.id}`;
}

export interface WaterfallPhase extends Phase {
  /** Bar geometry in cells: offset from the bar area's left edge, and length (>= 1). */
  barOffset: number;
  barLength: number;
}

/**
 * The connection's phases (report/phases.ts) as bars proportional to time over
 * `barWidth` cells (the connection's lifetime), at least one cell each.
 */
export function waterfall(c: ConnectionRecord, barWidth: number): WaterfallPhase[] {
  const life = Math.max(c.lifetimeMs, 0);
  const scale = life > 0 ? barWidth / life : 0;
  return connectionPhases(c).map((p) => {
    const offset = Math.min(Math.max(0, Math.floor(p.startMs * scale)), Math.max(0, barWidth - 1));
    const endCell = Math.min(barWidth, Math.round(p.endMs * scale));
    const length = Math.max(1, endCell - offset);
    return { ...p, barOffset: offset, barLength: length };
  });
}

/** A waterfall bar drawn in `width` cells. */
export function bar(offset: number, length: number, width: number, fill = '█', empty = ' '): string {
  const o = Math.max(0, Math.min(offset, width));
  const l = Math.max(0, Math.min(length, width - o));
  return empty.repeat(o) + fill.repeat(l) + empty.repeat(width - o - l);
}

export interface LadderRow {
  offsetMs: number;
  from: 'client' | 'server';
  /** 'client → server' or 'server → client'. */
  direction: string;
  event: string;
  frame: number;
  bytes: number;
}

export function eventLabel(e: TimelineEvent): string {
  let s: string = e.type;
  if (e.retransmission) s += ' (retransmission)';
  if (e.detail) s += ` ${safe(e.detail)}`;
  if (e.inferred) s += ' (inferred)';
  return s;
}

/** The ladder of events: offset from the first SYN, direction, event, frame, bytes. */
export function ladder(c: ConnectionRecord): LadderRow[] {
  return c.events.map((e) => ({
    offsetMs: (e.time - c.start) * 1000,
    from: e.from,
    direction: e.from === 'client' ? 'client → server' : 'server → client',
    event: eventLabel(e),
    frame: e.frame,
    bytes: e.bytes,
  }));
}

export function ladderColumns(): Column<LadderRow>[] {
  return [
    { key: 'offset', title: '+ms', align: 'right', min: 9, priority: 100, cell: (r) => r.offsetMs.toFixed(3) },
    { key: 'dir', title: 'direction', align: 'left', min: 15, priority: 90, cell: (r) => r.direction },
    { key: 'event', title: 'event', align: 'left', min: 20, max: 60, priority: 95, cell: (r) => r.event },
    { key: 'frame', title: 'frame', align: 'right', min: 7, priority: 80, cell: (r) => String(r.frame) },
    { key: 'bytes', title: 'bytes', align: 'right', min: 6, priority: 70, cell: (r) => String(r.bytes) },
  ];
}

/** Key facts of a connection, as label/value pairs for the detail header. */
export function connectionFacts(c: ConnectionRecord): [string, string][] {
  const facts: [string, string][] = [
    ['connection', `${c.transport === 'quic' ? 'QUIC #q' : '#'}${c.id}  ${endpointText(c.client)} → ${endpointText(c.server)}`],
    ['state', stateText(c) + (c.midstream ? ' (midstream)' : '')],
    ['frames', `${c.firstFrame}..${c.lastFrame} (${c.packets} packets, ${fmtBytes(c.bytes)})`],
    ['started', fmtTime(c.start)],
    ['lifetime', fmtDuration(c.lifetimeMs)],
    [
      'setup',
      c.setup.ms === null
        ? NA
        : `${fmtDuration(c.setup.ms)} = ${fmtPct(c.setupShare)} of its lifetime, ${c.setup.roundTrips === null ? 'round trips unknown' : plural(c.setup.roundTrips, 'round trip')}, ${plural(c.setup.packets, 'packet')}, ${fmtBytes(c.setup.bytes)}`,
    ],
  ];
  if (c.tls) {
    const t = c.tls;
    facts.push(['TLS', [t.version ?? 'no ServerHello', t.cipherName ? safe(t.cipherName) : ''].filter(Boolean).join('  ')]);
    facts.push(['SNI', t.sni === null ? NA : safe(t.sni)]);
    const offered = t.alpnOffered.map(safe).join(',');
    facts.push(['ALPN', `${t.alpn === null ? NA : safe(t.alpn)}${offered ? ` (offered ${offered})` : ''}`]);
    if (t.certificateCount === null) facts.push(['certificates', 'not visible (encrypted)']);
    else if (t.certificateCount > 0) facts.push(['certificates', `${t.certificateCount}, ${fmtBytes(t.certificateBytes)}`]);
    const dec = decryptionText(c);
    if (dec !== null) facts.push(['decrypted', dec]);
  }
  if (c.quic) facts.push(...quicFacts(c.quic));
  const req = requestsText(c);
  if (req !== null) facts.push(['requests', req]);
  facts.push(['wireshark', wiresharkFilter(c)]);
  return facts;
}

/** The detail's decryption line: decrypted, or why not although keys were given; null without keys. */
export function decryptionText(c: ConnectionRecord): string | null {
  const t = c.tls;
  if (!t) return null;
  const why = { 'no-secrets': 'no secrets for it in the key log', unsupported: 'version or cipher suite not decrypted', failed: 'a record failed to decrypt' } as const;
  if (t.decrypted) return t.notDecrypted === 'failed' ? `${DECRYPTED_MARK}: yes, until ${why.failed} (see problems)` : `${DECRYPTED_MARK}: yes (key log): real handshake messages`;
  if (t.notDecrypted !== null) return `no: ${why[t.notDecrypted]}`;
  return null;
}

/** The detail's requests line: count, where they come from, setup cost per request. */
export function requestsText(c: ConnectionRecord): string | null {
  const n = c.requests.length;
  if (n === 0) return null;
  const source = c.requestsEstimated ? 'estimated from TLS record bursts' : c.transport === 'quic' ? 'HTTP/3' : c.httpProtocol === 'h2' ? 'HTTP/2' : 'HTTP/1.x';
  const per = c.setupMsPerRequest === null ? '' : `, setup ${fmtDuration(c.setupMsPerRequest)} per request`;
  return `${n} (${source})${per}`;
}

/** Requests drawn in the detail's per-request waterfall (the rest are counted). */
export const REQUEST_ROWS_SHOWN = 20;

export interface RequestWaterfallRow {
  label: string;
  startMs: number;
  durationMs: number;
  /** Colour of the bar: setup is the TLS (or TCP) handshake, wait is waiting for the first byte, transfer is data. */
  phase: PhaseName;
  barOffset: number;
  barLength: number;
}

/**
 * The per-request waterfall: setup, then each request's wait (its first byte ->
 * the response's first byte) and transfer (-> the response's last byte), as
 * offsets from the connection's first packet, drawn over `barWidth` cells of
 * its lifetime. Requests without a response show their request only.
 */
export function requestWaterfall(c: ConnectionRecord, barWidth: number): RequestWaterfallRow[] {
  if (c.requests.length === 0) return [];
  const life = Math.max(c.lifetimeMs, 0);
  const scale = life > 0 ? barWidth / life : 0;
  const at = (t: number): number => (t - c.start) * 1000;
  const row = (label: string, startMs: number, endMs: number, phase: PhaseName): RequestWaterfallRow => {
    const offset = Math.min(Math.max(0, Math.floor(startMs * scale)), Math.max(0, barWidth - 1));
    const endCell = Math.min(barWidth, Math.round(endMs * scale));
    return { label, startMs, durationMs: Math.max(0, endMs - startMs), phase, barOffset: offset, barLength: Math.max(1, endCell - offset) };
  };
  const rows: RequestWaterfallRow[] = [];
  if (c.setup.ms !== null) rows.push(row('setup', 0, c.setup.ms, c.tls ? 'TLS handshake' : 'TCP handshake'));
  c.requests.slice(0, REQUEST_ROWS_SHOWN).forEach((r, i) => {
    const what = [r.method, r.status, r.stream !== undefined ? `s${r.stream}` : undefined].filter((x) => x !== undefined).map((x) => safe(String(x))).join(' ');
    const name = `#${i + 1}${what ? ` ${what}` : ''}`;
    const start = at(r.requestTime);
    if (r.responseTime === null) {
      rows.push(row(`${name} no response`, start, r.requestEndTime !== null ? at(r.requestEndTime) : start, 'waiting for first data'));
      return;
    }
    rows.push(row(`${name} wait`, start, at(r.responseTime), 'waiting for first data'));
    const end = r.responseEndTime ?? r.responseTime;
    rows.push(row(`${' '.repeat(name.length)} transfer`, at(r.responseTime), at(end), 'data'));
  });
  return rows;
}

// ---------------------------------------------------------------------------
// Destinations and pool

export interface DestinationRow {
  stats: DestinationStats;
  pool: DestinationPool | null;
}

/** Destinations joined with their pool verdicts, largest total setup first (ties by key). */
export function destinationRows(stats: readonly DestinationStats[], pool: readonly DestinationPool[]): DestinationRow[] {
  const byKey = new Map(pool.map((p) => [p.key, p]));
  return stats
    .map((s) => ({ stats: s, pool: byKey.get(s.key) ?? null }))
    .sort((a, b) => b.stats.setupMs.total - a.stats.setupMs.total || (a.stats.key < b.stats.key ? -1 : a.stats.key > b.stats.key ? 1 : 0));
}

export function poolSavingsText(p: DestinationPool | null): string {
  if (!p) return NA;
  if (p.handshakesAvoided === 0) return 'none';
  return `${fmtDuration(p.setupMsSaved)} ${fmtPct(p.savedShare)}`;
}

/** The verdict, spelled as in the text report and JSON: 'pool' or 'will-not-help'. */
export function verdictText(p: { verdict: string } | null): string {
  if (!p) return NA;
  return p.verdict;
}

const WHY_TEXT: Record<string, string> = {
  pool: '',
  single: 'one connection',
  apart: 'too far apart',
  overlap: 'all concurrent',
  small: 'saves too little',
  unknown: 'setup unseen',
};

/** Why a pool would not help, in two or three words ('' for a 'pool' verdict). */
export function whyText(p: { reasonCode?: string } | null): string {
  if (!p || p.reasonCode === undefined) return NA;
  return WHY_TEXT[p.reasonCode] ?? p.reasonCode;
}

/** 'n× p50' of one transport's setups to a destination ('-' when none over it). */
function transportCell(t: DestinationStats['setupByTransport']['tcp'] | undefined): string {
  if (!t) return NA;
  return `${fmtInt(t.connections)}× ${fmtMs(t.setupMs.p50)}`;
}

/** `withQuic`: the capture has QUIC; two more columns put the TCP+TLS and QUIC setups of each destination side by side. */
export function destinationColumns(withQuic = false): Column<DestinationRow>[] {
  const side: Column<DestinationRow>[] = withQuic
    ? [
        { key: 'tcpSetup', title: 'TCP+TLS p50', align: 'right', min: 11, priority: 88, cell: (r) => transportCell(r.stats.setupByTransport?.tcp) },
        { key: 'quicSetup', title: 'QUIC p50', align: 'right', min: 11, priority: 88, cell: (r) => transportCell(r.stats.setupByTransport?.quic) },
      ]
    : [];
  return [
    { key: 'dest', title: 'destination', align: 'left', min: 20, max: 48, priority: 100, cell: (r) => safe(r.stats.key) },
    { key: 'conns', title: 'conns', align: 'right', min: 7, priority: 95, cell: (r) => fmtInt(r.stats.connections) },
    { key: 'total', title: 'setup Σ', align: 'right', min: 7, priority: 90, cell: (r) => fmtMs(r.stats.setupMs.total) },
    // The n behind the percentiles (connections with a setup), p90 only from 10 of them, and the max.
    { key: 'n', title: 'n', align: 'right', min: 4, priority: 64, cell: (r) => fmtInt(r.stats.setupMs.count) },
    { key: 'p50', title: 'p50', align: 'right', min: 6, priority: 80, cell: (r) => fmtMs(r.stats.setupMs.p50) },
    { key: 'p90', title: 'p90', align: 'right', min: 6, priority: 55, cell: (r) => fmtMs(shownPercentile(r.stats.setupMs, 'p90')) },
    { key: 'max', title: 'max', align: 'right', min: 6, priority: 62, cell: (r) => fmtMs(r.stats.setupMs.max) },
    ...side,
    { key: 'share', title: 'setup %', align: 'right', min: 7, priority: 70, cell: (r) => fmtPct(r.stats.setupShare) },
    { key: 'resumed', title: 'resumed', align: 'right', min: 7, priority: 60, cell: (r) => fmtPct(r.stats.resumptionRate) },
    { key: 'saved', title: 'pool saves', align: 'right', min: 13, priority: 85, cell: (r) => poolSavingsText(r.pool) },
    { key: 'verdict', title: 'verdict', align: 'left', min: 13, priority: 75, cell: (r) => verdictText(r.pool) },
    { key: 'why', title: 'why', align: 'left', min: 14, priority: 72, cell: (r) => whyText(r.pool) },
  ];
}

export function poolColumns(): Column<DestinationPool>[] {
  return [
    { key: 'dest', title: 'destination', align: 'left', min: 20, max: 48, priority: 100, cell: (p) => safe(p.key) },
    { key: 'conns', title: 'conns', align: 'right', min: 7, priority: 90, cell: (p) => fmtInt(p.connections) },
    { key: 'size', title: 'pool', align: 'right', min: 4, priority: 50, cell: (p) => fmtInt(p.poolSize) },
    { key: 'avoided', title: 'avoided', align: 'right', min: 7, priority: 85, cell: (p) => fmtInt(p.handshakesAvoided) },
    { key: 'saved', title: 'saved ms', align: 'right', min: 8, priority: 95, cell: (p) => fmtMs(p.setupMsSaved) },
    { key: 'share', title: 'saved %', align: 'right', min: 7, priority: 80, cell: (p) => fmtPct(p.savedShare) },
    { key: 'rtt', title: 'RTT×', align: 'right', min: 4, priority: 40, cell: (p) => fmtInt(p.roundTripsSaved) },
    { key: 'bytes', title: 'bytes', align: 'right', min: 9, priority: 45, cell: (p) => fmtBytes(p.bytesSaved) },
    {
      key: 'idle',
      title: 'idle',
      align: 'right',
      min: 5,
      priority: 30,
      cell: (p) => (p.recommendedIdleSec === null ? NA : `${p.recommendedIdleSec}s`),
    },
    { key: 'verdict', title: 'verdict', align: 'left', min: 13, priority: 75, cell: verdictText },
    { key: 'why', title: 'why', align: 'left', min: 14, priority: 72, cell: whyText },
  ];
}

export function changeText(ch: Change, fmt: (n: number | null) => string): string {
  if (ch.before === null && ch.after === null) return NA;
  return `${fmt(ch.before)}→${fmt(ch.after)}`;
}

export function compareColumns(): Column<ComparisonRow>[] {
  const ms = (n: number | null) => fmtMs(n);
  const int = (n: number | null) => fmtInt(n);
  // A percentile of fewer connections than it needs is not shown on that side (p90: 10).
  const pct = (r: ComparisonRow, q: 'p50' | 'p90'): string => {
    const need = q === 'p90' ? MIN_COUNT_FOR.p90 : 1;
    const ch = q === 'p90' ? r.setupP90Ms : r.setupP50Ms;
    const b = (r.setupCount.before ?? 0) >= need ? ch.before : null;
    const a = (r.setupCount.after ?? 0) >= need ? ch.after : null;
    return changeText({ before: b, after: a, diff: null, ratio: null }, ms);
  };
  return [
    { key: 'dest', title: 'destination', align: 'left', min: 18, max: 40, priority: 100, cell: (r) => safe(r.key) },
    { key: 'conns', title: 'conns', align: 'right', min: 9, max: 13, priority: 90, cell: (r) => changeText(r.connections, int) },
    { key: 'hs', title: 'handshakes', align: 'right', min: 10, max: 13, priority: 85, cell: (r) => changeText(r.handshakes, int) },
    { key: 'resumed', title: 'full/resumed', align: 'right', min: 12, max: 17, priority: 65, cell: (r) => `${changeText(r.fullHandshakes, int)} / ${changeText(r.resumedHandshakes, int)}` },
    { key: 'reqs', title: 'requests', align: 'right', min: 9, max: 13, priority: 80, cell: (r) => changeText(r.requests, int) },
    { key: 'perreq', title: 'setup/req ms', align: 'right', min: 12, max: 16, priority: 88, cell: (r) => changeText(r.setupMsPerRequest, ms) },
    { key: 'total', title: 'setup Σ ms', align: 'right', min: 13, max: 16, priority: 95, cell: (r) => changeText(r.setupTotalMs, ms) },
    { key: 'p50', title: 'p50 ms', align: 'right', min: 11, max: 16, priority: 60, cell: (r) => pct(r, 'p50') },
    { key: 'p90', title: 'p90 ms', align: 'right', min: 11, max: 16, priority: 50, cell: (r) => pct(r, 'p90') },
    { key: 'share', title: 'setup %', align: 'right', min: 11, max: 14, priority: 70, cell: (r) => changeText(r.setupShare, fmtPct) },
  ];
}


/**
 * What a comparison concludes, in sentences: fewer (or more) handshakes and
 * the setup time that went with them, and the setup per request.
 */
export function comparisonConclusions(c: Comparison): string[] {
  const out: string[] = [];
  const hs = c.total.handshakes;
  if (hs.diff !== null && hs.diff !== 0) {
    const saved = c.total.setupTotalMs.diff;
    out.push(
      hs.diff < 0
        ? `${fmtInt(-hs.diff)} fewer handshake${hs.diff === -1 ? '' : 's'} after` +
            (saved !== null && saved < 0 ? `, ${fmtMs(-saved)} ms less setup time in total.` : '.')
        : `${fmtInt(hs.diff)} more handshake${hs.diff === 1 ? '' : 's'} after` +
            (saved !== null && saved > 0 ? `, ${fmtMs(saved)} ms more setup time in total.` : '.'),
    );
  }
  const pr = c.total.setupMsPerRequest;
  if (pr.before !== null && pr.after !== null && pr.ratio !== null && pr.diff !== 0) {
    out.push(
      `Setup per request: ${fmtMs(pr.before)} ms before, ${fmtMs(pr.after)} ms after ` +
        `(${pr.diff! < 0 ? `${fmtPct(1 - pr.ratio)} less` : `${fmtPct(pr.ratio - 1)} more`}).`,
    );
  }
  return out;
}

/** The pool view's QUIC line: QUIC is not simulated; its counts, and requests per connection when read with keys. */
export function quicPoolStatus(q: QuicPoolReport): string {
  const reqs =
    q.requests === null || q.requestsPerConnection === null
      ? ''
      : `, ${fmtInt(q.requests)} request${q.requests === 1 ? '' : 's'} (${perConnection(q.requestsPerConnection)} per conn)`;
  return `QUIC (not simulated): ${q.connections} conns${reqs}, ${q.newHandshakes} new handshakes, ${q.resumed} resumed, ${q.zeroRtt} with 0-RTT`;
}

/** The compare view's lines under its table: the conclusions, then the warnings, wrapped to `width`. */
export function compareNoteLines(c: Comparison, width: number): { text: string; warning: boolean }[] {
  const w = Math.max(20, width - 1);
  return [
    ...comparisonConclusions(c).flatMap((t) => wrapPhrases(t, w).map((text) => ({ text, warning: false }))),
    ...c.warnings.flatMap((t) => wrapPhrases(`warning: ${sanitize(t)}`, w, '  ').map((text) => ({ text, warning: true }))),
  ];
}

// ---------------------------------------------------------------------------
// Summary

/** `normalResets`: connections in state 'reset' whose RST only ended an ordinary close: counted as complete. */
export function stateCountsText(s: Summary, normalResets = 0): string {
  const b = s.byState;
  const parts = [
    `${fmtInt(b.complete + normalResets)} complete`,
    `${fmtInt(b.reset - normalResets)} reset`,
    `${fmtInt(b.refused)} refused`,
    `${fmtInt(b.unanswered)} unanswered`,
    `${fmtInt(s.midstream)} midstream`,
  ];
  if (b.open > 0) parts.push(`${fmtInt(b.open)} open`);
  if (b['half-closed'] > 0) parts.push(`${fmtInt(b['half-closed'])} half-closed`);
  if ((b.closed ?? 0) > 0) parts.push(`${fmtInt(b.closed)} closed`);
  if ((b.idle ?? 0) > 0) parts.push(`${fmtInt(b.idle)} idle`);
  const quic = (s.quic ?? 0) > 0 ? ` (${fmtInt(s.quic)} QUIC)` : '';
  return `${fmtInt(s.connections)} ${s.connections === 1 ? 'connection' : 'connections'}${quic}: ${parts.join(', ')}`;
}

export function tlsText(s: Summary): string {
  const versions = Object.entries(s.tlsVersions)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([v, n]) => `${sanitize(v)} ×${fmtInt(n)}`);
  const withHello = Object.values(s.tlsVersions).reduce((a, b) => a + b, 0);
  const res =
    s.resumptionRate === null ? 'resumed -' : `resumed ${fmtInt(s.resumed)} of ${fmtInt(withHello)} (${fmtPct(s.resumptionRate)})`;
  if (s.tls === 0) return 'TLS: none';
  return `TLS: ${versions.length ? versions.join(', ') : 'no ServerHello'}; ${res}`;
}

export function setupTotalText(s: Summary): string {
  if (s.setupMs.count === 0) return 'no connection completed its setup';
  return `${fmtDuration(s.setupTotalMs)} in setup = ${fmtPct(s.setupShare)} of ${fmtDuration(s.connectionTimeTotalMs)} connection time`;
}

export function captureText(a: Analysis): string {
  const cap = a.capture;
  const span = cap.start !== null && cap.end !== null ? `${fmtTime(cap.start)} + ${fmtDuration((cap.end - cap.start) * 1000)}` : 'no packets';
  return `${sanitize(cap.file)} · ${fmtInt(cap.frames)} frames · ${span}`;
}

/** Fewest values for which a percentile is shown: a p99 of 12 values is just the maximum. */
export const MIN_COUNT_FOR = { p90: 10, p99: 100 } as const;

/** A distribution's percentile, or null when there are too few values for it to mean anything. */
export function shownPercentile(d: Distribution, q: 'p50' | 'p90' | 'p99'): number | null {
  if (q !== 'p50' && d.count < MIN_COUNT_FOR[q]) return null;
  return d[q];
}

/**
 * The percentile block: a header and three rows (TCP, TLS, setup), each with
 * its count and maximum; p90 needs 10 values, p99 100 (else '-').
 */
export function percentileLines(s: Summary): string[] {
  const cell = (n: number | null) => fmtMs(n).padStart(7);
  const row = (label: string, d: Distribution) =>
    `${label.padEnd(14)}${fmtInt(d.count).padStart(6)}${cell(shownPercentile(d, 'p50'))}${cell(shownPercentile(d, 'p90'))}${cell(shownPercentile(d, 'p99'))}${cell(d.max)}`;
  return [
    `${'ms'.padEnd(14)}${'n'.padStart(6)}${'p50'.padStart(7)}${'p90'.padStart(7)}${'p99'.padStart(7)}${'max'.padStart(7)}`,
    row('TCP handshake', s.tcpHandshakeMs),
    row('TLS handshake', s.tlsHandshakeMs),
    row('setup', s.setupMs),
    ...((s.quic ?? 0) > 0 ? [row('QUIC handshake', s.quicHandshakeMs)] : []),
  ];
}

/**
 * The summary as lines fitting `width`: the facts block, and the percentile
 * block beside it when both fit, else below it.
 */
export function summaryLines(a: Analysis, s: Summary, width: number, groups?: FindingGroup[]): string[] {
  // Every connection: the rows when the analysis has them (it keeps no records then).
  const all = allRows(a);
  const left = [captureText(a), stateCountsText(s, normalResets(all)), tlsText(s), setupTotalText(s)];
  const right = percentileLines(s);
  const leftW = Math.max(...left.map((l) => l.length));
  const rightW = Math.max(...right.map((l) => l.length));
  // `groups`: findingGroups(all) when the caller has them already (the terminal UI's findings view).
  const found = findingsSummaryText(all, groups);
  const tail = found === null ? [] : wrapPhrases(found, width, '  ');
  if (leftW + 3 + rightW <= width) {
    return [...right.map((r, i) => `${(left[i] ?? '').padEnd(leftW)} │ ${r}`), ...tail];
  }
  return [...left, ...right, ...tail];
}

// ---------------------------------------------------------------------------
// Progress

export interface ProgressInfo {
  /** 0..1 when the total is known (regular file), else null (stdin). */
  fraction: number | null;
  bytesRead: number;
  totalBytes: number | null;
  frames: number;
  bytesPerSec: number | null;
  framesPerSec: number | null;
  /** Seconds left at the current rate, null when unknown. */
  etaSec: number | null;
}

export function progressInfo(p: ReadProgress | null, elapsedMs: number): ProgressInfo {
  const bytesRead = p?.bytesRead ?? 0;
  const frames = p?.frames ?? 0;
  const total = p?.totalBytes ?? null;
  const sec = elapsedMs / 1000;
  const bps = sec > 0 ? bytesRead / sec : null;
  const fps = sec > 0 ? frames / sec : null;
  const fraction = total !== null && total > 0 ? Math.min(1, bytesRead / total) : total === 0 ? 1 : null;
  const eta = total !== null && bps !== null && bps > 0 ? Math.max(0, (total - bytesRead) / bps) : null;
  return { fraction, bytesRead, totalBytes: total, frames, bytesPerSec: bps, framesPerSec: fps, etaSec: eta };
}

/** One progress line: '[#####.....] 45.2%  480 MiB / 1.07 GiB  612,345 frames  95.1 MiB/s  6s left'. */
export function progressLine(info: ProgressInfo, width: number): string {
  const rate = info.bytesPerSec === null ? '' : `  ${fmtBytes(info.bytesPerSec)}/s, ${fmtInt(info.framesPerSec)} frames/s`;
  if (info.fraction === null) {
    return `reading: ${fmtBytes(info.bytesRead)}, ${fmtInt(info.frames)} frames${rate}`;
  }
  const text = `${fmtPct(info.fraction).padStart(6)}  ${fmtBytes(info.bytesRead)} / ${fmtBytes(info.totalBytes)}  ${fmtInt(info.frames)} frames${rate}  ${fmtEta(info.etaSec)} left`;
  const barW = Math.max(10, Math.min(40, width - text.length - 3));
  const filled = Math.round(info.fraction * barW);
  return `[${'#'.repeat(filled)}${'.'.repeat(barW - filled)}] ${text}`;
}

// ---------------------------------------------------------------------------
// Detail screen as lines (scrolled as a whole by the UI)

export type LineKind = 'title' | 'text' | 'flag' | 'header' | 'bar' | 'row';

export interface StyledLine {
  kind: LineKind;
  text: string;
  /** For 'bar' lines: the bar part starts at this column (styled separately). */
  barStart?: number;
  barPhase?: PhaseName;
}

const PHASE_LABEL_W = 23;

/** Everything the connection detail shows, laid out for `width` columns. */
export function detailLines(c: ConnectionRecord, width: number): StyledLine[] {
  const lines: StyledLine[] = [];
  const facts = connectionFacts(c);
  const labelW = Math.max(...facts.map(([k]) => k.length));
  lines.push({ kind: 'title', text: c.transport === 'quic' ? `QUIC connection #q${c.id}` : `Connection #${c.id}` });
  for (const [k, v] of facts) lines.push({ kind: 'text', text: `${k.padEnd(labelW)}  ${v}` });
  const found = findingDetailLines(c, width);
  if (found.length) {
    lines.push({ kind: 'text', text: '' });
    lines.push({ kind: 'header', text: 'findings' });
    for (const f of found) lines.push({ kind: f.severity === 'info' ? 'text' : 'flag', text: f.text });
  }
  const flags = connectionNotes(c);
  if (flags.length) {
    lines.push({ kind: 'text', text: '' });
    lines.push({ kind: 'header', text: 'worth a look' });
    for (const f of flags) lines.push({ kind: 'flag', text: `  ! ${safe(f)}` });
  }
  // Waterfall: label, start, duration, bar.
  // label, 'from' and 'took' (10 each), '  |', the bar, '|', one spare column
  const barW = Math.max(10, width - PHASE_LABEL_W - 20 - 3 - 1 - 1);
  const phases = waterfall(c, barW);
  lines.push({ kind: 'text', text: '' });
  lines.push({
    kind: 'header',
    text: `${'phase'.padEnd(PHASE_LABEL_W)}${'from ms'.padStart(10)}${'took ms'.padStart(10)}  |${'0'.padEnd(barW - fmtDuration(c.lifetimeMs).length)}${fmtDuration(c.lifetimeMs)}|`,
  });
  if (phases.length === 0) lines.push({ kind: 'text', text: '  (no phase completed)' });
  for (const p of phases) {
    const head = `${p.name.padEnd(PHASE_LABEL_W)}${fmtMs(p.startMs).padStart(10)}${fmtMs(p.durationMs).padStart(10)}  |`;
    lines.push({ kind: 'bar', text: `${head}${bar(p.barOffset, p.barLength, barW)}|`, barStart: head.length, barPhase: p.name });
  }
  // Ladder.
  const rows = ladder(c);
  const cols = layoutLadder(width);
  lines.push({ kind: 'text', text: '' });
  lines.push({ kind: 'header', text: formatHeaderLine(cols) });
  for (const r of rows) lines.push({ kind: 'row', text: formatRowLine(cols, r) });
  // Per-request waterfall (after the ladder): setup, then each request's wait and transfer.
  const reqRows = requestWaterfall(c, barW);
  if (reqRows.length > 0) {
    lines.push({ kind: 'text', text: '' });
    const title = `requests${c.requestsEstimated ? ' (estimated)' : ''}`;
    lines.push({ kind: 'header', text: `${title.padEnd(PHASE_LABEL_W)}${'from ms'.padStart(10)}${'took ms'.padStart(10)}  |${' '.repeat(barW)}|` });
    for (const r of reqRows) {
      const head = `${fitLabel(r.label, PHASE_LABEL_W)}${fmtMs(r.startMs).padStart(10)}${fmtMs(r.durationMs).padStart(10)}  |`;
      lines.push({ kind: 'bar', text: `${head}${bar(r.barOffset, r.barLength, barW)}|`, barStart: head.length, barPhase: r.phase });
    }
    const more = c.requests.length - REQUEST_ROWS_SHOWN;
    if (more > 0) lines.push({ kind: 'text', text: `  … ${more} more request${more === 1 ? '' : 's'}` });
  }
  return lines;
}

/** A label padded or cut (with …) to exactly `w` columns. */
function fitLabel(s: string, w: number): string {
  return s.length > w - 1 ? `${s.slice(0, w - 2)}… ` : s.padEnd(w);
}

function layoutLadder(width: number) {
  return layoutColumns(ladderColumns(), width);
}

// ---------------------------------------------------------------------------
// QUIC

/** The QUIC section of the detail header. */
export function quicFacts(q: NonNullable<ConnectionRecord['quic']>): [string, string][] {
  const flags = [
    q.versionNegotiation ? `Version Negotiation (tried ${q.versionsTried.map((v) => `0x${v.toString(16)}`).join(', ')})` : '',
    q.retry ? 'Retry' : '',
    q.zeroRtt ? `0-RTT ×${q.zeroRttPackets}` : '',
    q.pskOffered ? 'PSK offered' : '',
  ].filter(Boolean);
  const count = (side: Record<string, number>) =>
    Object.entries(side)
      .map(([t, n]) => `${t} ${n}`)
      .join(', ');
  const facts: [string, string][] = [
    ['QUIC', `${safe(q.versionName)}${flags.length ? '  ' + flags.join(', ') : ''}`],
    ['CIDs', `client ${q.scid || '(empty)'}, first DCID ${q.dcid || '(empty)'}, server ${q.serverScid ?? NA}`],
    ['packets', `client: ${count(q.packets.client) || '-'}; server: ${count(q.packets.server) || '-'}`],
  ];
  if (q.close) facts.push(['close', `CONNECTION_CLOSE from ${q.close.from}, frame ${q.close.frame}, error 0x${q.close.errorCode.toString(16)}${q.close.reason ? ` "${safe(q.close.reason)}"` : ''}`]);
  if (q.clientMigrations.length > 0) facts.push(['migrated', q.clientMigrations.map(endpointText).join(', ')]);
  facts.push(['keys', 'Handshake and 1-RTT packets are encrypted: handshake end inferred (first client 1-RTT after the server\'s Handshake)']);
  return facts;
}

/** Destinations reached over QUIC, with their setup over TCP+TLS beside it (same SNI), as text rows. */
export function transportComparisonLines(dests: readonly DestinationStats[], keyMax?: number): string[] {
  const rows = dests.filter((d) => d.setupByTransport?.quic);
  // `keyMax` says such destinations exist: the header stands even when none of them is shown (--top 0).
  if (rows.length === 0 && !keyMax) return [];
  const cell = (t: DestinationStats['setupByTransport']['tcp']) =>
    t === null
      ? `${'-'.padStart(4)}${'-'.padStart(9)}${'-'.padStart(4)}`
      : `${fmtInt(t.connections).padStart(4)}${fmtMs(t.setupMs.p50).padStart(9)}${(t.setupMs.count > 0 ? (t.setupRoundTrips / t.setupMs.count).toFixed(1) : '-').padStart(4)}`;
  // Laid out over every such destination (`keyMax`, when only the top of them are given), not only those shown.
  let longest = keyMax ?? 0;
  for (const d of rows) if (d.key.length > longest) longest = d.key.length;
  const keyW = Math.min(40, Math.max(11, longest));
  const out = [
    `${'destination'.padEnd(keyW)}  ${'tcp n'.padStart(5)}${'p50 ms'.padStart(9)}${'RT'.padStart(4)}  ${'quic n'.padStart(6)}${'p50 ms'.padStart(9)}${'RT'.padStart(4)}${'0-RTT'.padStart(6)}`,
  ];
  for (const d of rows) {
    const q = d.setupByTransport.quic!;
    const key = sanitize(d.key);
    out.push(`${(key.length > keyW ? key.slice(0, keyW - 1) + '…' : key).padEnd(keyW)}  ${' '}${cell(d.setupByTransport.tcp)}  ${'  '}${cell(q)}${fmtInt(q.zeroRtt).padStart(6)}`);
  }
  return out;
}

/** 'N destinations', or 'N of M destinations listed (largest setup first)' when only the top of M is listed. */
export function listedText(shown: number, total: number | undefined, what: string): string {
  if (total === undefined || total <= shown) return plural(shown, what);
  return `${fmtInt(shown)} of ${plural(total, what)} listed (largest setup first)`;
}
