/**
 * Shared formatting for the text report and the terminal UI: numbers,
 * durations, sizes, shares, and fixed-width table layout. Pure functions, no
 * colour: callers add styling.
 */

/** Placeholder for an unknown value. */
export const NA = '-';

/** Milliseconds in at most 7 characters: '0.25', '12.3', '152.4', '1523', '12.5s', '125s'. */
export function fmtMs(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms)) return NA;
  const a = Math.abs(ms);
  if (a < 10) return ms.toFixed(2);
  if (a < 1000) return ms.toFixed(1);
  if (a < 10_000) return ms.toFixed(0);
  if (a < 100_000) return `${(ms / 1000).toFixed(1)}s`;
  return `${(ms / 1000).toFixed(0)}s`;
}

/** A duration given in ms, in the largest fitting unit: '850us', '12.3ms', '1.52s', '3m12s', '2h05m'. */
export function fmtDuration(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms)) return NA;
  const neg = ms < 0 ? '-' : '';
  const a = Math.abs(ms);
  let s: string;
  if (a === 0) s = '0ms';
  else if (a < 1) s = `${Math.round(a * 1000)}us`;
  else if (a < 100) s = `${a.toFixed(1)}ms`;
  else if (a < 1000) s = `${a.toFixed(0)}ms`;
  else if (a < 10_000) s = `${(a / 1000).toFixed(2)}s`;
  else if (a < 60_000) s = `${(a / 1000).toFixed(1)}s`;
  else if (a < 3_600_000) {
    const totalS = Math.floor(a / 1000);
    s = `${Math.floor(totalS / 60)}m${String(totalS % 60).padStart(2, '0')}s`;
  } else {
    const totalM = Math.floor(a / 60_000);
    s = `${Math.floor(totalM / 60)}h${String(totalM % 60).padStart(2, '0')}m`;
  }
  return neg + s;
}

/** A share 0..1 as a percentage: '42.5%', '100%', '0.3%'. */
export function fmtPct(share: number | null | undefined): string {
  if (share == null || !Number.isFinite(share)) return NA;
  const p = share * 100;
  if (p >= 99.95) return `${Math.round(p)}%`;
  return `${p.toFixed(1)}%`;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** Bytes in binary units: '512 B', '1.5 KiB', '1.07 GiB'. */
export function fmtBytes(n: number | null | undefined): string {
  if (n == null || !Number.isFinite(n)) return NA;
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  if (u === 0) return `${Math.round(v)} B`;
  return `${v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0)} ${UNITS[u]}`;
}

/** An integer with thousands separators: 1234567 -> '1,234,567'. */
export function fmtInt(n: number | null | undefined): string {
  if (n == null || !Number.isFinite(n)) return NA;
  const s = Math.round(Math.abs(n)).toString();
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (i > 0 && (s.length - i) % 3 === 0) out += ',';
    out += s[i];
  }
  return n < 0 ? `-${out}` : out;
}

/** Seconds of a countdown: '45s', '3m20s', '1h02m'. */
export function fmtEta(sec: number | null | undefined): string {
  if (sec == null || !Number.isFinite(sec) || sec < 0) return NA;
  return fmtDuration(Math.ceil(sec) * 1000).replace(/\.0+s$/, 's');
}

/** An epoch-seconds time as UTC ISO 8601 with ms: '2021-03-04T05:06:07.123Z'. */
export function fmtTime(epochSec: number | null | undefined): string {
  if (epochSec == null || !Number.isFinite(epochSec)) return NA;
  return new Date(Math.round(epochSec * 1000)).toISOString();
}

// ---------------------------------------------------------------------------
// Width and tables

/**
 * Terminal cells taken by a string. Text reaching here is sanitized (no
 * controls); East Asian wide and fullwidth characters count 2, combining marks
 * and zero-width characters 0, everything else 1.
 */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += charWidth(ch.codePointAt(0)!);
  return w;
}

function charWidth(cp: number): number {
  if (cp < 0x300) return 1;
  if (
    (cp >= 0x300 && cp <= 0x36f) || // combining diacritics
    (cp >= 0x200b && cp <= 0x200f) ||
    (cp >= 0xfe00 && cp <= 0xfe0f) ||
    cp === 0xfeff
  ) {
    return 0;
  }
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf && cp !== 0x303f) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  ) {
    return 2;
  }
  return 1;
}

/** Cut a string to at most `width` cells, ending with '…' when cut. */
export function truncate(s: string, width: number): string {
  if (width <= 0) return '';
  if (displayWidth(s) <= width) return s;
  let out = '';
  let w = 0;
  for (const ch of s) {
    const cw = charWidth(ch.codePointAt(0)!);
    if (w + cw > width - 1) break;
    out += ch;
    w += cw;
  }
  return `${out}…`;
}

/** Fit a string into exactly `width` cells (truncated, then padded). */
export function fit(s: string, width: number, align: 'left' | 'right' = 'left'): string {
  const t = truncate(s, width);
  const pad = ' '.repeat(Math.max(0, width - displayWidth(t)));
  return align === 'right' ? pad + t : t + pad;
}

export interface Column<R> {
  key: string;
  title: string;
  align: 'left' | 'right';
  /** Cells the column needs at least (the title is cut to fit). */
  min: number;
  /** Cells it may grow to when the terminal is wider (default: min). */
  max?: number;
  /** Columns with the lowest priority are dropped first when the width is short. */
  priority: number;
  cell: (row: R) => string;
}

export interface LaidOutColumn<R> extends Column<R> {
  width: number;
}

/**
 * Choose the columns that fit in `width` cells (separated by one space) and
 * their widths: drop the lowest-priority columns until the minimum widths fit,
 * then share the remaining cells evenly among growable columns (those with a
 * max), each up to its max, or, when `sample` rows are given, up to the widest
 * cell it holds in them (so that spare width goes where the text is).
 * Columns keep their given order.
 */
export function layoutColumns<R>(columns: readonly Column<R>[], width: number, sample?: readonly R[]): LaidOutColumn<R>[] {
  let kept = columns.slice();
  const need = (cs: readonly Column<R>[]) => cs.reduce((n, c) => n + c.min, 0) + Math.max(0, cs.length - 1);
  while (kept.length > 1 && need(kept) > width) {
    let drop = 0;
    for (let i = 1; i < kept.length; i++) if (kept[i]!.priority < kept[drop]!.priority) drop = i;
    kept = kept.filter((_, i) => i !== drop);
  }
  const out = kept.map((c) => {
    let cap = c.max ?? c.min;
    if (sample && cap > c.min) {
      let widest = displayWidth(c.title);
      for (const r of sample) widest = Math.max(widest, displayWidth(c.cell(r)));
      cap = Math.max(c.min, Math.min(cap, widest));
    }
    return { ...c, width: c.min, cap };
  });
  let spare = width - need(kept);
  while (spare > 0) {
    const growable = out.filter((c) => c.width < c.cap);
    if (growable.length === 0) break;
    const each = Math.max(1, Math.floor(spare / growable.length));
    for (const c of growable) {
      if (spare === 0) break;
      const add = Math.min(each, c.cap - c.width, spare);
      c.width += add;
      spare -= add;
    }
  }
  return out.map(({ cap: _cap, ...c }) => c);
}

/** One table line: every cell fitted to its column, separated by one space, right-trimmed. */
export function formatRow<R>(cols: readonly LaidOutColumn<R>[], row: R): string {
  return cols
    .map((c) => fit(c.cell(row), c.width, c.align))
    .join(' ')
    .trimEnd();
}

export function formatHeader<R>(cols: readonly LaidOutColumn<R>[]): string {
  return cols
    .map((c) => fit(c.title, c.width, c.align))
    .join(' ')
    .trimEnd();
}

/** The line under a table cut to `--top` rows: how many more there are (none when all are shown). */
export function moreLines(shown: number, total: number, what: 'connection' | 'destination'): string[] {
  const n = total - shown;
  return n > 0 ? [`... ${fmtInt(n)} more ${n === 1 ? what : `${what}s`} (--top to show more)`] : [];
}

/**
 * Word-wrap prose to `width` cells; continuation lines start with `indent`.
 * A word longer than a line is cut into pieces.
 */
export function wrap(text: string, width: number, indent = ''): string[] {
  const out: string[] = [];
  let line = '';
  const room = () => width - displayWidth(line);
  for (const word0 of text.split(' ')) {
    let word = word0;
    const sep = line === '' || line === indent ? '' : ' ';
    if (displayWidth(sep + word) <= room()) {
      line += sep + word;
      continue;
    }
    if (line !== '' && line !== indent) out.push(line);
    line = out.length ? indent : '';
    while (displayWidth(line + word) > width && width - displayWidth(line) > 0) {
      const n = width - displayWidth(line);
      const chars = [...word];
      out.push(line + chars.slice(0, n).join(''));
      word = chars.slice(n).join('');
      line = indent;
    }
    line += word;
  }
  if (line !== '' && line !== indent) out.push(line);
  return out.length ? out : [''];
}
