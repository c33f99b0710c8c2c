/**
 * The connection detail as the terminal UI shows it (issue 10): the ladder of
 * events first, so that it is on the first screen even at 80×24; the facts in
 * a side column beside it when the terminal is wide, else after it; then the
 * waterfall, whose bars switch to a log scale of each phase's duration when
 * one phase dwarfs the others (a 3 s SYN retry next to a 4 ms TLS handshake),
 * labelled as such; then the findings, the notes worth a look and the facts.
 * detailLines (model.ts) stays the full, linear form.
 */
import { connectionNotes } from '../findings/notes.js';
import { connectionPhases, type Phase } from '../report/phases.js';
import type { ConnectionRecord } from '../timeline/types.js';
import { displayWidth, fit, fmtDuration, fmtMs, formatHeader, formatRow, layoutColumns } from './format.js';
import { bar, connectionFacts, endpointText, ladder, ladderColumns, stateText, type StyledLine } from './model.js';
import { safe } from './sanitize.js';
import { findingDetailLines, wrapText } from './findings.js';

/**
 * The facts sit beside the ladder when the room right of it (the ladder as
 * wide as its cells need) is at least this many columns; the side column
 * takes that room, up to its widest line, and wraps longer values under
 * themselves.
 */
export const SIDE_FACTS_MIN = 40;
/** Longest / shortest phase above this ratio: bars on a log scale (a linear one leaves the short phase one cell). */
export const LOG_SCALE_RATIO = 20;
const LABEL_W = 22;

export interface ScaledPhase extends Phase {
  barOffset: number;
  barLength: number;
}

/**
 * The phases as bars over `barWidth` cells. Linear (proportional to time over
 * the lifetime) unless the longest phase is more than LOG_SCALE_RATIO times
 * the shortest: then each phase, in order, gets cells in proportion to
 * log(1 + duration / shortest) (at least one), so every phase stays visible.
 */
export function scaledWaterfall(c: ConnectionRecord, barWidth: number): { phases: ScaledPhase[]; log: boolean } {
  const phases = connectionPhases(c);
  const positive = phases.map((p) => p.durationMs).filter((d) => d > 0);
  const shortest = positive.length ? Math.min(...positive) : 0;
  const longest = positive.length ? Math.max(...positive) : 0;
  const log = shortest > 0 && longest / shortest > LOG_SCALE_RATIO;
  if (!log) {
    const life = Math.max(c.lifetimeMs, 0);
    const scale = life > 0 ? barWidth / life : 0;
    return {
      log,
      phases: phases.map((p) => {
        const offset = Math.min(Math.max(0, Math.floor(p.startMs * scale)), Math.max(0, barWidth - 1));
        const endCell = Math.min(barWidth, Math.round(p.endMs * scale));
        return { ...p, barOffset: offset, barLength: Math.max(1, endCell - offset) };
      }),
    };
  }
  const weights = phases.map((p) => Math.log1p(Math.max(0, p.durationMs) / shortest));
  const total = weights.reduce((n, w) => n + w, 0) || 1;
  let offset = 0;
  return {
    log,
    phases: phases.map((p, i) => {
      const length = Math.max(1, Math.min(barWidth - offset, Math.round((weights[i] / total) * barWidth)));
      const o = Math.min(offset, Math.max(0, barWidth - 1));
      offset = Math.min(barWidth, offset + length);
      return { ...p, barOffset: o, barLength: length };
    }),
  };
}

/** One line naming the connection: endpoints, state, setup. */
function titleLine(c: ConnectionRecord): string {
  const setup = c.setup.ms === null ? 'setup -' : `setup ${fmtDuration(c.setup.ms)}, ${c.setup.roundTrips} round trip${c.setup.roundTrips === 1 ? '' : 's'}`;
  return `${c.transport === 'quic' ? `QUIC connection #q${c.id}` : `Connection #${c.id}`}  ${endpointText(c.client)} → ${endpointText(c.server)}  ${stateText(c)}  ${setup}`;
}

function waterfallLines(c: ConnectionRecord, width: number): StyledLine[] {
  const barW = Math.max(10, width - LABEL_W - 20 - 3 - 1 - 1);
  const { phases, log } = scaledWaterfall(c, barW);
  const out: StyledLine[] = [];
  const right = log ? 'log scale: each bar ∝ log of its duration' : `0…${fmtDuration(c.lifetimeMs)}`;
  out.push({
    kind: 'header',
    text: `${'phase'.padEnd(LABEL_W)}${'from ms'.padStart(10)}${'took ms'.padStart(10)}  |${fit(right, barW, log ? 'left' : 'right')}|`,
  });
  if (phases.length === 0) out.push({ kind: 'text', text: '  (no phase completed)' });
  for (const p of phases) {
    const head = `${fit(p.name, LABEL_W)}${fmtMs(p.startMs).padStart(10)}${fmtMs(p.durationMs).padStart(10)}  |`;
    out.push({ kind: 'bar', text: `${head}${bar(p.barOffset, p.barLength, barW)}|`, barStart: head.length, barPhase: p.name });
  }
  return out;
}

/** The connection detail for a terminal `width` columns wide (see the file comment). */
export function detailScreenLines(c: ConnectionRecord, width: number): StyledLine[] {
  const lines: StyledLine[] = [{ kind: 'title', text: titleLine(c) }];
  const facts = connectionFacts(c).filter(([k]) => k !== 'connection');
  const labelW = Math.max(...facts.map(([k]) => k.length));
  const factLines = facts.map(([k, v]) => `${k.padEnd(labelW)}  ${v}`);
  /** The facts in `w` columns: a value too long goes on under itself, never cut. */
  const wrappedFacts = (w: number): string[] =>
    facts.flatMap(([k, v]) => {
      const parts = wrapText(v, Math.max(10, w - labelW - 2));
      return (parts.length ? parts : ['']).map((part, i) => `${(i === 0 ? k : '').padEnd(labelW)}  ${part}`);
    });
  const events = ladder(c);
  // The ladder as wide as its cells need (the event column is sized by its longest label).
  const cols = layoutColumns(ladderColumns(), width, events);
  const ladderW = cols.reduce((n, col) => n + col.width, 0) + Math.max(0, cols.length - 1);
  const room = width - ladderW - 2;
  const side = room >= SIDE_FACTS_MIN && factLines.length > 0;
  const sideW = Math.min(room, Math.max(...factLines.map(displayWidth)));
  const sideLines = side ? wrappedFacts(sideW) : [];
  const rows = events.map((r) => formatRow(cols, r));
  const header = formatHeader(cols);
  if (side) {
    const left = [header, ...rows];
    const n = Math.max(left.length, sideLines.length);
    for (let i = 0; i < n; i++) {
      const l = left[i] ?? '';
      const r = sideLines[i] !== undefined ? fit(sideLines[i], sideW) : '';
      const pad = ' '.repeat(Math.max(0, ladderW - displayWidth(l)));
      lines.push({ kind: i === 0 ? 'header' : 'row', text: `${l}${pad}  ${r}`.trimEnd() });
    }
  } else {
    lines.push({ kind: 'header', text: header });
    for (const r of rows) lines.push({ kind: 'row', text: r });
  }
  if (rows.length === 0) lines.push({ kind: 'text', text: '  (no event)' });
  const found = findingDetailLines(c, width);
  if (found.length) {
    lines.push({ kind: 'text', text: '' });
    lines.push({ kind: 'header', text: 'findings' });
    for (const f of found) lines.push({ kind: f.severity === 'info' ? 'text' : 'flag', text: f.text });
  }
  lines.push({ kind: 'text', text: '' });
  lines.push(...waterfallLines(c, width));
  const flags = connectionNotes(c);
  if (flags.length) {
    lines.push({ kind: 'text', text: '' });
    lines.push({ kind: 'header', text: 'worth a look' });
    for (const f of flags) lines.push({ kind: 'flag', text: `  ! ${safe(f)}` });
  }
  if (!side) {
    lines.push({ kind: 'text', text: '' });
    for (const f of factLines) lines.push({ kind: 'text', text: f });
  }
  return lines;
}
