/**
 * The pool view's full verdict (Enter): the selected destination's reason and
 * the overall one, word-wrapped (a status line cuts them even at 160
 * columns), then the rates and RTT projections. And the emphasis of
 * connection rows (view/marks.ts) as a text style.
 */
import type { DestinationPool, PoolReport } from '../report/types.js';
import type { ConnRow } from '../report/rows.js';
import { ratesLines, wrap } from '../output/pool-text.js';
import { sanitize } from '../view/sanitize.js';
import { rowEmphasis } from '../view/marks.js';
import type { Theme } from './theme.js';

export function verdictScreenLines(pool: PoolReport, sel: DestinationPool | null, width: number): string[] {
  const w = Math.max(40, width);
  const out: string[] = [];
  if (sel) {
    out.push(...wrap(sanitize(sel.reason), w, `${sanitize(sel.key)}: ${sel.verdict}. `, '  '));
    out.push('');
  }
  out.push(...wrap(sanitize(pool.total.reason), w, `Overall: ${pool.total.verdict}. `, '  '));
  out.push('');
  out.push(...ratesLines(pool.total, w));
  return out;
}

export function emphasisStyle(theme: Theme, c: ConnRow, p90: number | null): ReturnType<Theme['state']> {
  const e = rowEmphasis(c, p90);
  if (e === 'failed') return theme.error;
  if (e === 'expensive') return theme.warn;
  return theme.state(c.state);
}
