/**
 * Findings in the views shared by the text report and the TUI: the summary
 * line, the connection table's findings cell, the `finding:CODE` filter term,
 * the findings view's rows (groups by code) and the detail screen's lines.
 * Figures come from src/report/findings.ts; here they are only formatted.
 */
import { FINDINGS_CATALOG } from '../findings/catalog.js';
import { findingGroups, handshakeFailures, type FindingGroup } from '../report/findings.js';
import type { ConnRow, RowFinding } from '../report/rows.js';
import type { ConnectionRecord, FindingCode, Severity } from '../timeline/types.js';
import { FINDING_CODES } from '../timeline/types.js';
import { NA, fmtDuration, fmtInt, type Column } from './format.js';
import { safe } from './sanitize.js';

const RANK: Record<Severity, number> = { error: 2, warn: 1, info: 0 };

/** The most severe of a connection's findings (first by frame among equals), or null. */
export function worstFinding(c: ConnRow): RowFinding | null {
  let w: RowFinding | null = null;
  for (const f of c.findings ?? []) if (w === null || RANK[f.severity] > RANK[w.severity]) w = f;
  return w;
}

/** The findings cell: the worst code, '+N' for the others ('' when none). */
export function findingsCell(c: ConnRow): string {
  const w = worstFinding(c);
  if (!w) return '';
  const n = (c.findings ?? []).length;
  return n > 1 ? `${w.code} +${n - 1}` : w.code;
}

/** Severity of the row's colour: its worst finding's, or null. */
export function rowSeverity(c: ConnRow): Severity | null {
  return worstFinding(c)?.severity ?? null;
}

/** The prefix of a filter term that selects connections by finding code. */
export const FINDING_FILTER = 'finding:';

/**
 * Whether a connection passes a `finding:CODE` term: it has a finding whose
 * code starts with CODE (`finding:` alone: any finding).
 */
export function matchesFindingTerm(c: ConnRow, term: string): boolean {
  const want = term.slice(FINDING_FILTER.length).toLowerCase();
  return (c.findings ?? []).some((f) => f.code.startsWith(want));
}

const plural = (n: number, one: string, many = `${one}s`): string => `${fmtInt(n)} ${n === 1 ? one : many}`;

/** How each code reads in the summary line, given its group. */
function groupPhrase(g: FindingGroup, conns: readonly ConnRow[]): string {
  const cost = g.costMs > 0 ? `: +${fmtSeconds(g.costMs)}` : '';
  switch (g.code) {
    case 'handshake-failed': {
      const reasons = handshakeFailures(conns).map((r) => `${safe(r.reason)} ×${fmtInt(r.count)}`).join(', ');
      return `${plural(g.connections, 'handshake')} failed${reasons ? `: ${reasons}` : ''}`;
    }
    case 'syn-retransmit':
      return `${plural(g.connections, 'connection')} waited for SYN retransmission${cost}`;
    case 'synack-retransmit':
      return `${plural(g.connections, 'connection')} waited for SYN-ACK retransmission${cost}`;
    case 'connect-timeout':
      return `${plural(g.connections, 'connect timeout')}${cost}`;
    case 'accept-overflow-reset':
      return `${plural(g.connections, 'connection')} reset by a full accept queue`;
    case 'response-timeout':
      return `${plural(g.connections, 'response timeout')}${cost}`;
    case 'slow-first-byte':
      return `${plural(g.connections, 'slow first byte', 'slow first bytes')}${cost}`;
    case 'retry':
      return `${plural(g.connections, 'retry', 'retries')}${cost}`;
    case 'retry-no-backoff':
      return `${plural(g.connections, 'retry', 'retries')} without backoff`;
    case 'zero-window':
      return `${plural(g.connections, 'connection')} with a zero window`;
    case 'idle-close':
      return `${plural(g.connections, 'idle close')}`;
    case 'stale-reuse':
      return `${plural(g.connections, 'stale reuse', 'stale reuses')}`;
    case 'abortive-reset':
      return `${plural(g.connections, 'abortive reset')}`;
    case 'quic-retry':
      return `${plural(g.connections, 'QUIC Retry', 'QUIC Retries')}${cost}`;
    case 'version-negotiation':
      return `${plural(g.connections, 'QUIC version negotiation')}${cost}`;
    case 'slow-handshake':
      return `${plural(g.connections, 'slow QUIC handshake')}${cost}`;
  }
}

/** Seconds with one decimal from 1 s up ('3.1 s'), else ms ('450 ms'). */
export function fmtSeconds(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 10 ? `${Math.round(ms)} ms` : `${ms.toFixed(1)} ms`;
}

/**
 * The findings in one summary line, errors first:
 * '2 handshakes failed: unknown_ca ×2; 3 connections waited for SYN retransmission: +3.1 s'.
 * null when no connection has a finding.
 */
export function findingsSummaryText(conns: readonly ConnRow[], groups: FindingGroup[] = findingGroups(conns)): string | null {
  if (groups.length === 0) return null;
  return `findings: ${groups.map((g) => groupPhrase(g, conns)).join('; ')}`;
}

/** The findings view's table: one row per code. */
export function findingGroupColumns(): Column<FindingGroup>[] {
  return [
    { key: 'code', title: 'finding', align: 'left', min: 21, priority: 100, cell: (g) => g.code },
    { key: 'severity', title: 'severity', align: 'left', min: 8, priority: 80, cell: (g) => g.severity },
    { key: 'conns', title: 'conns', align: 'right', min: 5, priority: 95, cell: (g) => fmtInt(g.connections) },
    { key: 'cost', title: 'time cost', align: 'right', min: 9, priority: 90, cell: (g) => (g.costMs > 0 ? fmtDuration(g.costMs) : NA) },
    { key: 'what', title: 'what it means', align: 'left', min: 20, max: 200, priority: 50, cell: (g) => FINDINGS_CATALOG[g.code].explanation },
  ];
}

/** The findings view's status line for the selected group: its next step. */
export function findingGroupStatus(g: FindingGroup | undefined): string {
  if (!g) return 'no findings: nothing went wrong that the capture shows';
  return `${g.code}: ${FINDINGS_CATALOG[g.code].nextStep}`;
}

/** The filter that lists a group's connections. */
export function findingFilter(code: FindingCode): string {
  return `${FINDING_FILTER}${code}`;
}

/** Wraps text at spaces into lines of at most `width` columns (a word longer than that stays whole). */
export function wrapText(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const w of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + w.length > width) {
      out.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) out.push(line);
  return out;
}

/** The detail screen's findings: per finding, its line, what it means and the next step (wrapped to `width`). */
export function findingDetailLines(c: ConnectionRecord, width: number): { severity: Severity; text: string }[] {
  const out: { severity: Severity; text: string }[] = [];
  const w = Math.max(20, width - 6);
  for (const f of c.findings ?? []) {
    const cat = FINDINGS_CATALOG[f.code];
    const cost = f.costMs !== undefined ? ` (${fmtDuration(f.costMs)})` : '';
    const mark = f.severity === 'error' ? '✖' : f.severity === 'warn' ? '!' : 'i';
    wrapText(`${f.code}  frame ${f.frame}: ${safe(f.detail)}${cost}`, w).forEach((l, i) =>
      out.push({ severity: f.severity, text: i === 0 ? `  ${mark} ${l}` : `      ${l}` }),
    );
    for (const l of wrapText(cat.explanation, w)) out.push({ severity: 'info', text: `      ${l}` });
    const next = wrapText(`next: ${cat.nextStep}`, w);
    for (const l of next) out.push({ severity: 'info', text: `      ${l}` });
  }
  return out;
}

/** Every code, for the help screen and checks. */
export const ALL_FINDING_CODES: readonly FindingCode[] = FINDING_CODES;

/** The vantage guess in words, or null when there is none to tell. */
export function vantageText(v: { point: string; handshakes: number; synToSynAckMs: number | null; synAckToAckMs: number | null } | undefined): string | null {
  if (!v) return null;
  if (v.handshakes === 0) return 'unknown (no complete TCP handshake)';
  const legs = `SYN→SYN-ACK ${fmtDuration(v.synToSynAckMs)}, SYN-ACK→ACK ${fmtDuration(v.synAckToAckMs)} (medians of ${fmtInt(v.handshakes)} handshake${v.handshakes === 1 ? '' : 's'})`;
  switch (v.point) {
    case 'client':
      return `at the client: ${legs}; SYN→SYN-ACK is the network round trip`;
    case 'server':
      return `at the server: ${legs}; SYN-ACK→ACK is the network round trip`;
    case 'between':
      return `between client and server: ${legs}; the round trip is their sum`;
    default:
      return `unknown: ${legs} (too short to tell which end the capture is at)`;
  }
}

/**
 * What the findings change in the pooling story, one sentence each: retries
 * multiply handshakes; stale reuse means the client's pool keeps connections
 * idle longer than the server does.
 */
export function poolingFindingLines(p: { retries: number; staleReuse: number; serverIdleCloseSec: number | null }): string[] {
  const out: string[] = [];
  if (p.retries > 0) {
    out.push(
      `${plural(p.retries, 'connection')} ${p.retries === 1 ? 'was a retry' : 'were retries'} after a failed attempt: each is one more handshake that a pool cannot save; ` +
        `fix the failure behind them (see the findings), and make retries back off.`,
    );
  }
  if (p.staleReuse > 0) {
    const srv = p.serverIdleCloseSec !== null ? ` (the server closed idle connections after ${p.serverIdleCloseSec} s)` : '';
    out.push(
      `${plural(p.staleReuse, 'connection')} sent data after the peer had closed ${p.staleReuse === 1 ? 'it' : 'them'} (stale reuse): the client's pool idle timeout ` +
        `is longer than the server's keep-alive timeout${srv}; set it below the server's, or validate connections before reuse.`,
    );
  }
  return out;
}

/** Under the findings table: the selected code's meaning and next step, wrapped to `width`. */
export function findingGroupLines(g: FindingGroup | undefined, width: number): string[] {
  if (!g) return [];
  const cat = FINDINGS_CATALOG[g.code];
  const w = Math.max(20, width - 2);
  const ids = g.connectionIds.map((i) => `#${i}`).join(' ') + (g.connections > g.connectionIds.length ? ' …' : '');
  return [
    `${g.code} (${g.severity}): ${plural(g.connections, 'connection')} ${ids}`,
    ...wrapText(cat.explanation, w),
    ...wrapText(`next: ${cat.nextStep}`, w),
  ];
}

/**
 * Wraps a summary made of '; '-separated phrases, breaking between phrases
 * (so '+3.1 s' never splits from its number); a phrase wider than the line is
 * wrapped at spaces.
 */
export function wrapPhrases(text: string, width: number, indent = ''): string[] {
  const out: string[] = [];
  let line = '';
  const phrases = text.split('; ');
  phrases.forEach((p, i) => {
    const piece = i < phrases.length - 1 ? `${p};` : p;
    const cand = line === '' ? (out.length ? indent : '') + piece : `${line} ${piece}`;
    if (cand.length <= width) {
      line = cand;
      return;
    }
    if (line !== '') out.push(line);
    const head = out.length ? indent : '';
    if (head.length + piece.length <= width) line = head + piece;
    else {
      const parts = wrapText(piece, Math.max(10, width - indent.length));
      parts.forEach((x, j) => (j < parts.length - 1 ? out.push((out.length ? indent : '') + x) : (line = (out.length ? indent : '') + x)));
    }
  });
  if (line !== '') out.push(line);
  return out;
}
