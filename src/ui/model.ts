/**
 * State helpers of the terminal UI only (views, scrolling, selection, colour,
 * the help screen). What the UI shares with the text report is in src/view/.
 */

export type ViewName = 'connections' | 'destinations' | 'pool' | 'findings' | 'compare';

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
  'Tab / Shift-Tab   next / previous view (connections, destinations, pool, findings, compare)',
  'Up/Down, j/k      move the selection',
  'PgUp/PgDn         move a page;  g / G  first / last row',
  'Enter             open the selected connection / the destination\'s connections /',
  '                  the connections with the selected finding',
  'Esc               back (close the detail, the filter, this help)',
  's                 cycle the sort column of the connections',
  '/                 filter connections by text (address, port, SNI, state, version);',
  '                  finding:CODE keeps those with that finding (finding:syn, finding: for any);',
  '                  Enter keeps the filter, Esc clears it',
  'findings view     one row per finding code: connections, the time they cost, what it',
  '                  means; the status line says what to check next. Rows (and the findings',
  '                  column) are red for errors, yellow for warnings',
  '?                 this help',
  'q, Ctrl-C         quit; while reading a live source (a pipe, --follow), the first',
  '                  stops reading and shows the report of everything read',
];

/** One key, decoded: what the UI reacts to. */
export interface Key {
  /** The printable character ('' for a special key). */
  input: string;
  up?: boolean;
  down?: boolean;
  pageUp?: boolean;
  pageDown?: boolean;
  home?: boolean;
  end?: boolean;
  return?: boolean;
  escape?: boolean;
  tab?: boolean;
  shift?: boolean;
  backspace?: boolean;
  ctrl?: boolean;
}

/** What ink's useInput reports for one input event. */
export interface InkKey {
  upArrow: boolean;
  downArrow: boolean;
  pageUp: boolean;
  pageDown: boolean;
  home: boolean;
  end: boolean;
  return: boolean;
  escape: boolean;
  tab: boolean;
  shift: boolean;
  backspace: boolean;
  delete: boolean;
  ctrl: boolean;
  meta: boolean;
}

/** A control character inside a run of typed text. */
function charKey(ch: string): Key {
  switch (ch) {
    case '\t': return { input: '', tab: true };
    case '\r':
    case '\n': return { input: '', return: true };
    case '\x7f':
    case '\b': return { input: '', backspace: true };
    case '\x1b': return { input: '', escape: true };
    case '\x03': return { input: 'c', ctrl: true };
    default: return { input: ch };
  }
}

/**
 * The keys of one input event, in order. A terminal delivers keys typed
 * quickly (or pasted) in one chunk — `jjj`, `/google`, two Tabs — which ink
 * passes as one string: it is split into one key per character, so each key
 * acts on the state the previous one left.
 */
export function decodeKeys(input: string, key: InkKey): Key[] {
  const special =
    key.upArrow || key.downArrow || key.pageUp || key.pageDown || key.home || key.end || key.return || key.escape || key.tab || key.backspace || key.delete;
  if (special || key.ctrl) {
    return [
      {
        input: key.ctrl ? input : special ? '' : input,
        up: key.upArrow,
        down: key.downArrow,
        pageUp: key.pageUp,
        pageDown: key.pageDown,
        home: key.home,
        end: key.end,
        return: key.return,
        escape: key.escape,
        tab: key.tab,
        shift: key.shift,
        backspace: key.backspace || key.delete,
        ctrl: key.ctrl,
      },
    ];
  }
  return [...input].map(charKey);
}
