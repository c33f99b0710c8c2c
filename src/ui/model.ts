/**
 * State helpers of the terminal UI only (views, scrolling, selection, colour,
 * the help screen). What the UI shares with the text report is in src/view/.
 */

export type ViewName = 'connections' | 'destinations' | 'pool' | 'compare';

/** The first visible row so that `selected` is inside a window of `height` rows. */
export function scrollOffset(selected: number, offset: number, height: number, total: number): number {
  if (height <= 0 || total <= 0) return 0;
  let o = offset;
  if (selected < o) o = selected;
  if (selected >= o + height) o = selected - height + 1;
  return Math.max(0, Math.min(o, Math.max(0, total - height)));
}

/** Move a selection by `delta` rows (clamped). */
export function moveSelection(selected: number, delta: number, total: number): number {
  if (total <= 0) return 0;
  return Math.max(0, Math.min(total - 1, selected + delta));
}

/** Whether colour may be used: not when NO_COLOR is set to a non-empty value. */
export function colorEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return !(env.NO_COLOR !== undefined && env.NO_COLOR !== '');
}

/** The keys, for the `?` screen. */
export const HELP_LINES: readonly string[] = [
  'Tab / Shift-Tab   next / previous view (connections, destinations, pool, compare)',
  'Up/Down, j/k      move the selection',
  'PgUp/PgDn         move a page;  g / G  first / last row',
  'Enter             open the selected connection / the destination\'s connections',
  'Esc               back (close the detail, the filter, this help)',
  's                 cycle the sort column of the connections',
  '/                 filter connections by text (address, port, SNI, state, version);',
  '                  Enter keeps the filter, Esc clears it',
  '?                 this help',
  'q, Ctrl-C         quit',
];
