/**
 * The terminal UI: state, keys and layout. All figures come from src/report
 * and src/view/model.ts; this file only decides what is on screen.
 */
import React, { useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'react';
import { Box, Text, useApp, useInput, useStdout } from 'ink';
import type { ReadProgress } from '../capture/types.js';
import { fmtDuration, fmtInt, formatHeader, formatRow, layoutColumns, type LaidOutColumn } from '../view/format.js';
import { sanitize } from '../view/sanitize.js';
import { allRows, destinationKey, findingGroups, simulatePool, summarize, type ConnRow, type FindingGroup } from '../report/index.js';
import { destinationDigest, type DestinationDigest } from '../report/digest.js';
import { TUI_DESTINATIONS } from '../base/defaults.js';
import { isRow } from '../report/rows.js';
import { findingFilter, findingGroupColumns, findingGroupLines, rowSeverity } from '../view/findings.js';
import type { Analysis, Comparison, ComparisonRow, DestinationPool, DestinationStats, PoolOptions, PoolReport, Summary } from '../report/types.js';
import type { LiveConnection, LiveReport, LiveSnapshot } from '../report/live.js';
import type { ConnectionRecord } from '../timeline/types.js';
import { Line, Lines, Table, TabBar } from './components.js';
import { decodeKeys, moveSelection, scrollOffset, type Key, type ViewName } from './model.js';
import {
  SORT_LABELS,
  compareColumns,
  compareNoteLines,
  quicPoolStatus,
  connectionColumns,
  destinationColumns,
  destinationRows,
  listedText,
  filterConnections,
  nextSortKey,
  prevSortKey,
  shownPercentile,
  poolColumns,
  progressInfo,
  progressLine,
  sortConnections,
  summaryLines,
  type SortKey,
} from '../view/model.js';
import { makeTheme } from './theme.js';
import { detailScreenLines } from '../view/detail.js';
import { helpLines } from '../view/legend.js';
import { COMPARE_SORTS, cycle, DESTINATION_SORTS, FINDING_SORTS, markSorted, POOL_SORTS, roomForMarker, sortRows, TABLE_SORTS } from '../view/tablesort.js';
import { emphasisStyle, verdictScreenLines } from './verdict.js';
import { plural } from '../base/format.js';

export interface AppProps {
  title: string;
  load: (onProgress: (p: ReadProgress) => void) => Promise<Analysis>;
  poolOptions?: Partial<PoolOptions>;
  initialView?: ViewName;
  comparison?: Comparison;
  /** Called once when the user quits, with the exit code. */
  onExit?: (code: number) => void;
  /** Colour on/off (default: NO_COLOR unset). */
  color?: boolean;
  /** Progress refresh interval, ms (default 100: 10 Hz; 250 on a live source). */
  progressIntervalMs?: number;
  now?: () => number;
  /** A live source: the table fills in while reading; q / Ctrl-C stop reading first. */
  live?: LiveSource;
  /**
   * The whole record of a connection the table lists, for its detail view: an analysis
   * with compact rows (Analysis.rows) keeps no records, and the CLI reads them back from
   * its spill file. Absent: the rows are the records (Analysis.connections).
   */
  detail?: (row: ConnRow) => ConnectionRecord | null;
  /** Destinations listed at most, largest setup first; the totals count them all (default TUI_DESTINATIONS). */
  destinationsListed?: number;
}

/** What the UI needs of a live reading (the CLI wires it to the analysis). */
export interface LiveSource {
  /** Fed by the analysis: finished records, open connections. */
  report: LiveReport;
  /** Stop reading: `load` then resolves with everything read so far. */
  stop: () => void;
  /** Whether reading was stopped before the end of the input. */
  stopped: () => boolean;
}

/** Everything the screen shows, in one object: every key reads the state the previous key left. */
interface UiState {
  view: ViewName;
  sortKey: SortKey;
  filter: string;
  editing: boolean;
  destFilter: { key: string; ids: ReadonlySet<number> } | null;
  detail: ConnectionRecord | null;
  help: boolean;
  cursors: Record<ListName, Cursor>;
  /** The pool view's full verdict text is open (Enter). */
  verdict: boolean;
  /** Index into DESTINATION_SORTS / POOL_SORTS. */
  tableSort: { destinations: number; pool: number; findings: number; compare: number };
}

/** The figures shown: from the finished analysis, or from the live report while reading. */
interface Data {
  analysis: Analysis;
  summary: Summary;
  /** Live: every destination, the pool simulated from `all`. */
  dests: DestinationStats[];
  /**
   * Final: the first TUI_DESTINATIONS destinations with their pools, the pool report (its
   * destinations the first TUI_DESTINATIONS simulated, its totals over all) and the counts.
   */
  digest?: DestinationDigest;
  /** Every connection: its compact row, or its record (allRows). */
  all: readonly ConnRow[];
  /** Open connections (live, while reading): their phase and when they were first seen. */
  open: ReadonlyMap<ConnRow, LiveConnection>;
}

/** A function of a few values that computes again only when one of them changed (by identity). */
function lastOf<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
  let prev: A | undefined;
  let value: R;
  return (...args: A) => {
    if (prev === undefined || args.length !== prev.length || args.some((a, i) => a !== prev![i])) {
      value = fn(...args);
      prev = args;
    }
    return value;
  };
}

/** The live snapshot as an analysis to summarise (capture facts so far): its connections are rows and open records. */
function liveAnalysis(title: string, snap: LiveSnapshot, frames: number): Analysis {
  let start: number | null = null;
  let end: number | null = null;
  for (const c of snap.connections) {
    if (start === null || c.start < start) start = c.start;
    if (end === null || c.end > end) end = c.end;
  }
  return { capture: { file: title, format: '', frames, start, end, warnings: [] }, connections: [], rows: snap.connections };
}

/** Warning lines under the summary: never hidden, the rest are printed on quitting. */
function warningLines(warnings: readonly string[], max = 3): string[] {
  const lines = warnings.slice(0, max).map((w) => `warning: ${sanitize(w)}`);
  if (warnings.length > max) lines.push(`… ${warnings.length - max} more warnings (printed when you quit)`);
  return lines;
}

const INITIAL_CURSORS: Record<ListName, Cursor> = {
  connections: { sel: 0, off: 0 },
  destinations: { sel: 0, off: 0 },
  pool: { sel: 0, off: 0 },
  compare: { sel: 0, off: 0 },
  findings: { sel: 0, off: 0 },
  detail: { sel: 0, off: 0 },
  help: { sel: 0, off: 0 },
  verdict: { sel: 0, off: 0 },
};

/** A live snapshot waits this many times what the last one cost (snapshot and render) after it. */
export const LIVE_COST_FACTOR = 4;

/** Rows looked at to size the text columns. */
const LAYOUT_SAMPLE = 5000;

type ListName = 'connections' | 'destinations' | 'pool' | 'findings' | 'compare' | 'detail' | 'help' | 'verdict';
interface Cursor {
  sel: number;
  off: number;
}

function useTerminalSize(): { columns: number; rows: number } {
  const { stdout } = useStdout();
  const read = () => ({ columns: stdout.columns || 80, rows: stdout.rows || 24 });
  const [size, setSize] = useState(read);
  useEffect(() => {
    const onResize = () => setSize(read());
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [stdout]);
  return size;
}

function errorExitCode(e: unknown): number {
  const code = (e as { exitCode?: unknown } | null)?.exitCode;
  return typeof code === 'number' && code > 0 ? code : 1;
}

function oneLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return sanitize(msg.split('\n')[0] ?? '');
}

export function App(props: AppProps) {
  const { exit } = useApp();
  const now = props.now ?? Date.now;
  const live = props.live;
  const theme = useMemo(() => makeTheme(props.color ?? !(process.env.NO_COLOR ?? '')), [props.color]);
  const { columns, rows } = useTerminalSize();

  // --- loading; progress and the live report are polled on a timer (never a render per packet)
  const [analysis, setAnalysis] = useState<Analysis | null>(null);
  const [failure, setFailure] = useState<{ message: string; code: number } | null>(null);
  const [progress, setProgress] = useState<{ p: ReadProgress | null; at: number }>({ p: null, at: 0 });
  const [snap, setSnap] = useState<LiveSnapshot | null>(null);
  const [stoppedAfterMs, setStoppedAfterMs] = useState<number | null>(null);
  const latest = useRef<ReadProgress | null>(null);
  /** When the last live snapshot was taken, and what it cost (ms) with the render it caused. */
  const snapAt = useRef(0);
  const snapCost = useRef(0);
  useEffect(() => {
    if (snap && snapAt.current > 0) snapCost.current = Date.now() - snapAt.current;
  }, [snap]);
  const startedAt = useRef(now());
  const stopping = useRef(false);
  useEffect(() => {
    let done = false;
    let seen = -1;
    let shown: ReadProgress | null = null;
    const timer = setInterval(
      () => {
        if (done) return;
        // A render only when something changed (an idle pipe costs no redraw here).
        if (latest.current && latest.current !== shown) {
          shown = latest.current;
          setProgress({ p: shown, at: now() });
        }
        // The snapshot and the render after it run on the thread that reads the packets: with many
        // connections (a snapshot of 400,000 takes ~1 s) they would crowd out the reading. The next
        // one waits LIVE_COST_FACTOR times what the last cost, its render included (measured below).
        if (live && live.report.changes !== seen && Date.now() >= snapAt.current + LIVE_COST_FACTOR * snapCost.current) {
          seen = live.report.changes;
          const t0 = Date.now();
          snapAt.current = t0;
          setSnap(live.report.snapshot());
          snapCost.current = Date.now() - t0;
        }
      },
      props.progressIntervalMs ?? (live ? 250 : 100),
    );
    props
      .load((p) => {
        latest.current = p;
      })
      .then(
        (a) => {
          done = true;
          if (live?.stopped()) setStoppedAfterMs(now() - startedAt.current);
          setAnalysis(a);
        },
        (e: unknown) => {
          done = true;
          setFailure({ message: oneLine(e), code: errorExitCode(e) });
        },
      )
      .finally(() => clearInterval(timer));
    return () => clearInterval(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  // --- the data on screen: the final analysis, else the live snapshot
  const finalAll = useMemo(() => (analysis ? allRows(analysis) : []), [analysis]);
  const finalSummary = useMemo(() => (analysis ? summarize(finalAll) : null), [analysis, finalAll]);
  // The destinations one at a time, keeping the top of the table: a scan of a million addresses.
  const finalDigest = useMemo(
    () => (analysis ? destinationDigest(finalAll, { top: props.destinationsListed ?? TUI_DESTINATIONS, poolOptions: props.poolOptions ?? {} }) : undefined),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [analysis, finalAll],
  );
  const frames = progress.p?.frames ?? 0;
  const liveData = useMemo(
    () => {
      if (!snap) return null;
      const a = liveAnalysis(props.title, snap, frames);
      return { analysis: a, all: snap.connections, summary: snap.summary, dests: snap.destinations, open: snap.open };
    },
    // frames change 10 times a second; the analysis object only when the snapshot does
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [snap],
  );
  const data: Data | null =
    analysis && finalSummary ? { analysis, all: finalAll, summary: finalSummary, dests: [], digest: finalDigest, open: new Map() } : liveData;

  // --- UI state: one object in a ref; a key changes it at once, then one render shows it
  const ui = useRef<UiState>({
    view: props.initialView ?? 'connections',
    sortKey: 'setup',
    filter: '',
    editing: false,
    destFilter: null,
    detail: null,
    help: false,
    cursors: INITIAL_CURSORS,
    verdict: false,
    tableSort: { destinations: 0, pool: 0, findings: 0, compare: 0 },
  });
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const dataRef = useRef<Data | null>(data);
  dataRef.current = data;

  const views: ViewName[] = props.comparison
    ? ['connections', 'destinations', 'pool', 'findings', 'compare']
    : ['connections', 'destinations', 'pool', 'findings'];

  // Derived lists, computed again only when what they depend on changed.
  const d = useMemo(
    () => ({
      pool: lastOf((conns: readonly ConnRow[]) => simulatePool(conns, props.poolOptions ?? {})),
      destRows: lastOf((digest: DestinationDigest | undefined, dests: DestinationStats[], pool: PoolReport, sort: number) =>
        sortRows(digest ? digest.rows : destinationRows(dests, pool.destinations), DESTINATION_SORTS[sort]!),
      ),
      poolRows: lastOf((pool: PoolReport | null, sort: number) => (pool ? sortRows(pool.destinations, POOL_SORTS[sort]!) : [])),
      conns: lastOf((all: readonly ConnRow[], destFilter: UiState['destFilter'], filter: string, sortKey: SortKey) => {
        // By key: ids alone do not tell TCP's tcp.stream from QUIC's quic.connection.number.
        const base = destFilter ? all.filter((c) => destinationKey(c) === destFilter.key) : all;
        return sortConnections(filterConnections(base, filter), sortKey);
      }),
      detailText: lastOf((detail: ConnectionRecord | null, cols: number) => (detail ? detailScreenLines(detail, cols) : [])),
      // The total row stays last: only the destinations are sorted.
      cmpRows: lastOf((c: Comparison | undefined, sort: number) => (c ? [...sortRows(c.destinations, COMPARE_SORTS[sort]!), c.total] : [])),
      // Grouped once per analysis (a pass over every row): the findings view sorts them, the summary names them.
      allGroups: lastOf((all: readonly ConnRow[]) => findingGroups(all)),
      groups: lastOf((groups: FindingGroup[], sort: number) => sortRows(groups, FINDING_SORTS[sort]!)),
      sumLines: lastOf((a: Analysis, s: Summary, cols: number, groups: FindingGroup[]) => summaryLines(a, s, cols, groups)),
    }),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [props.poolOptions],
  );

  /** Everything the keys and the layout need, for a given state and data. */
  const derive = (st: UiState, dt: Data | null) => {
    const conns = dt ? d.conns(dt.all, st.destFilter, st.filter, st.sortKey) : [];
    const pool = dt ? (dt.digest?.pool ?? d.pool(dt.all)) : null;
    const destRows = dt && pool ? d.destRows(dt.digest, dt.dests, pool, st.tableSort.destinations) : [];
    const poolRows = d.poolRows(pool, st.tableSort.pool);
    const detailText = d.detailText(st.detail, columns);
    const cmpRows = d.cmpRows(props.comparison, st.tableSort.compare);
    const groups = dt ? d.groups(d.allGroups(dt.all), st.tableSort.findings) : [];
    // The detail, the help and the verdict take the whole body: the capture summary collapses (the ladder stays on the first screen).
    const sumLines =
      dt && !st.detail && !st.help && !st.verdict ? [...d.sumLines(dt.analysis, dt.summary, columns, d.allGroups(dt.all)), ...warningLines(dt.analysis.capture.warnings)] : [];
    const chrome = 1 /* tabs */ + (sumLines.length ? sumLines.length + 1 : 0) + 1 /* status */ + 1 /* keys */;
    const bodyHeight = Math.max(3, rows - chrome - 1); // keep one row free: no full-screen redraw
    const listHeight = Math.max(1, bodyHeight - 1); // minus the table header
    const current: ListName = st.help ? 'help' : st.detail ? 'detail' : st.verdict ? 'verdict' : st.view;
    const helpText = helpLines(st.detail ? 'detail' : st.view);
    const verdictLines = st.verdict && pool ? verdictScreenLines(pool, poolRows[st.cursors.pool.sel] ?? null, columns - 2) : [];
    const totals: Record<ListName, number> = {
      connections: conns.length,
      destinations: destRows.length,
      pool: pool?.destinations.length ?? 0,
      compare: cmpRows.length,
      findings: groups.length,
      detail: detailText.length,
      help: helpText.length,
      verdict: verdictLines.length,
    };
    // Scrolling lists (detail/help) move the window; tables move the selection.
    const scrollsOnly = current === 'detail' || current === 'help' || current === 'verdict';
    // The findings view keeps the selected code's explanation under its table.
    const w = Math.max(40, columns - 2); // the Screen's width
    // The compare view's conclusions and warnings under its table (made here once, shown by Screen).
    const cmpNotes = current === 'compare' && props.comparison ? compareNoteLines(props.comparison, w) : [];
    const about = current === 'findings' ? findingGroupLines(groups[st.cursors.findings.sel], w).length : cmpNotes.length;
    const pageHeight = scrollsOnly ? bodyHeight : Math.max(1, listHeight - (about ? about + 1 : 0));
    const setupP90 = dt ? shownPercentile(dt.summary.setupMs, 'p90') : null;
    return {
      conns,
      pool,
      destRows,
      poolRows,
      detailText,
      cmpRows,
      cmpNotes,
      groups,
      sumLines,
      bodyHeight,
      listHeight,
      current,
      totals,
      scrollsOnly,
      pageHeight,
      helpText,
      verdictLines,
      setupP90,
    };
  };

  const reading = !analysis && !failure;

  const quit = (code: number) => {
    props.onExit?.(code);
    exit();
  };

  /** One key against the state the previous key left. */
  const onKey = (k: Key): 'quit' | undefined | void => {
    const st = ui.current;
    const dt = dataRef.current;
    const set = (patch: Partial<UiState>) => {
      ui.current = { ...ui.current, ...patch };
    };
    const cursor = (list: ListName, c: Cursor) => set({ cursors: { ...ui.current.cursors, [list]: c } });
    const resetCursor = (list: ListName) => cursor(list, { sel: 0, off: 0 });
    const stopOrQuit = (): 'quit' | undefined => {
      // A live source being read: the first q / Ctrl-C stops reading and shows everything read.
      if (live && !analysis && !failure && !stopping.current) {
        stopping.current = true;
        live.stop();
        return undefined;
      }
      return 'quit';
    };
    if (k.ctrl && k.input === 'c') return stopOrQuit();
    if (st.editing) {
      if (k.return) set({ editing: false });
      else if (k.escape) set({ filter: '', editing: false });
      else if (k.backspace) set({ filter: st.filter.slice(0, -1) });
      else if (k.input && !k.ctrl) set({ filter: st.filter + k.input });
      resetCursor('connections');
      return undefined;
    }
    if (k.input === 'q') return stopOrQuit();
    if (!dt) return undefined;
    const x = derive(st, dt);
    const move = (to: (c: Cursor, total: number) => number) => {
      const list = x.current;
      const total = x.totals[list];
      const c = st.cursors[list];
      if (x.scrollsOnly) {
        const maxOff = Math.max(0, total - x.pageHeight);
        const off = Math.max(0, Math.min(maxOff, to({ sel: c.off, off: c.off }, total)));
        return cursor(list, { sel: off, off });
      }
      const sel = moveSelection(0, to(c, total), total);
      cursor(list, { sel, off: scrollOffset(sel, c.off, x.pageHeight, total) });
    };
    if (k.input === '?') {
      set({ help: !st.help });
      return resetCursor('help');
    }
    if (k.escape) {
      if (st.help) return set({ help: false });
      if (st.verdict) return set({ verdict: false });
      if (st.detail) return set({ detail: null });
      if (st.view === 'connections' && st.filter) {
        set({ filter: '' });
        return resetCursor('connections');
      }
      if (st.view === 'connections' && st.destFilter) {
        set({ destFilter: null, view: 'destinations' });
        return resetCursor('connections');
      }
      return undefined;
    }
    if (k.tab) {
      const i = views.indexOf(st.view);
      return set({ help: false, detail: null, verdict: false, view: views[(i + (k.shift ? views.length - 1 : 1)) % views.length]! });
    }
    const page = Math.max(1, x.pageHeight - 1);
    if (k.up || k.input === 'k') return move((c) => c.sel - 1);
    if (k.down || k.input === 'j') return move((c) => c.sel + 1);
    if (k.pageUp) return move((c) => c.sel - page);
    if (k.pageDown || k.input === ' ') return move((c) => c.sel + page);
    if (k.input === 'g' || k.home) return move(() => 0);
    if (k.input === 'G' || k.end) return move((_c, total) => total);
    if (st.help || st.detail || st.verdict) return undefined;
    if ((k.input === 's' || k.input === 'S') && st.view !== 'connections') {
      const n = TABLE_SORTS[st.view].length;
      set({ tableSort: { ...st.tableSort, [st.view]: cycle(st.tableSort[st.view], k.input === 's' ? 1 : -1, n) } });
      return resetCursor(st.view);
    }
    if (st.view === 'pool' && k.return) {
      set({ verdict: true });
      return resetCursor('verdict');
    }
    if (st.view === 'connections') {
      if (k.input === 's' || k.input === 'S') {
        set({ sortKey: k.input === 's' ? nextSortKey(st.sortKey) : prevSortKey(st.sortKey) });
        return resetCursor('connections');
      }
      if (k.input === '/') return set({ editing: true });
      if (k.return) {
        const c = x.conns[st.cursors.connections.sel];
        // A compact row (its record not in memory) is read back (AppProps.detail); a record is shown as it is.
        const rec = c === undefined ? null : isRow(c) ? (props.detail?.(c) ?? null) : (c as ConnectionRecord);
        if (rec) {
          set({ detail: rec });
          resetCursor('detail');
        }
      }
      return undefined;
    }
    if (st.view === 'findings' && k.return) {
      const g = x.groups[st.cursors.findings.sel];
      if (g) {
        set({ destFilter: null, filter: findingFilter(g.code), view: 'connections' });
        resetCursor('connections');
      }
      return undefined;
    }
    if (st.view === 'destinations' && k.return) {
      const row = x.destRows[st.cursors.destinations.sel];
      if (row) {
        set({ destFilter: { key: row.stats.key, ids: new Set(row.stats.connectionIds) }, filter: '', view: 'connections' });
        resetCursor('connections');
      }
    }
    return undefined;
  };

  // One input handler, bound once; it reaches the current render's code through a ref.
  const handler = useRef<(input: string, key: Parameters<typeof decodeKeys>[1]) => void>(() => {});
  handler.current = (input, key) => {
    for (const k of decodeKeys(input, key)) {
      if (onKey(k) === 'quit') return quit(failure ? failure.code : 0);
    }
    rerender();
  };
  const stableHandler = useCallback((input: string, key: Parameters<typeof decodeKeys>[1]) => handler.current(input, key), []);
  useInput(stableHandler);

  // Ages of open connections move on even when no packet comes: one render a second while reading live.
  useEffect(() => {
    if (!live || !reading) return;
    const t = setInterval(rerender, 1000);
    return () => clearInterval(t);
  }, [live, reading]);

  // --- rendering
  const st = ui.current;
  const x = derive(st, data);
  const elapsedSec = (stoppedAfterMs ?? now() - startedAt.current) / 1000;
  const liveTag = live
    ? stoppedAfterMs !== null
      ? ` · stopped after ${(stoppedAfterMs / 1000).toFixed(1)} s`
      : reading
        ? stopping.current
          ? ' · live · stopping…'
          : ` · live · reading ${Math.floor(elapsedSec)} s`
        : ' · live · input ended'
    : '';
  const tabs = <TabBar views={views} current={st.view} theme={theme} title={`${sanitize(props.title)}${liveTag}`} />;

  if (failure) {
    return (
      <Box flexDirection="column">
        {tabs}
        <Line text={`error: ${failure.message}`} style={theme.error} />
        <Line text="press q to quit" style={theme.dim} />
      </Box>
    );
  }

  if (!data) {
    const info = progressInfo(progress.p, (progress.p ? progress.at : now()) - startedAt.current);
    return (
      <Box flexDirection="column">
        {tabs}
        <Line text={progress.p ? progressLine(info, columns) : 'reading…'} />
        <Line text={live ? 'q stops reading' : 'q quits'} style={theme.dim} />
      </Box>
    );
  }

  return (
    <Screen
      st={st}
      data={data}
      x={x}
      tabs={tabs}
      theme={theme}
      width={Math.max(40, columns - 2) /* two cells for the selection marker */}
      comparison={props.comparison}
      liveNote={reading ? (live ? `${fmtInt(frames)} frames · ${fmtInt(data.open.size)} open${snap?.dropped ? ` · ${fmtInt(snap.dropped)} closed not counted (--memory)` : ''} · q stops reading` : '') : ''}
      now={now()}
    />
  );
}

interface ScreenProps {
  st: UiState;
  data: Data;
  x: {
    conns: ConnRow[];
    pool: PoolReport | null;
    destRows: ReturnType<typeof destinationRows>;
    poolRows: DestinationPool[];
    helpText: string[];
    verdictLines: string[];
    setupP90: number | null;
    detailText: ReturnType<typeof detailScreenLines>;
    cmpRows: ComparisonRow[];
    cmpNotes: ReturnType<typeof compareNoteLines>;
    groups: FindingGroup[];
    sumLines: string[];
    bodyHeight: number;
    listHeight: number;
    current: ListName;
  };
  tabs: React.ReactNode;
  theme: ReturnType<typeof makeTheme>;
  width: number;
  comparison: Comparison | undefined;
  liveNote: string;
  now: number;
}

function Screen({ st, data, x, tabs, theme, width, comparison, liveNote, now }: ScreenProps) {
  const { all: allConns, open } = data;
  const maxId = useMemo(() => allConns.reduce((m, c) => Math.max(m, c.id), 0), [allConns]);
  // Column widths follow the text of (a sample of) the rows, not every frame of the filter.
  const baseCols = useMemo(
    () =>
      layoutColumns(
        roomForMarker(connectionColumns(maxId, allConns.slice(0, LAYOUT_SAMPLE)), st.sortKey),
        width,
        allConns.slice(0, LAYOUT_SAMPLE),
      ),
    [width, maxId, allConns, st.sortKey],
  );
  // An open connection (live) shows where it stands and its age instead of its final state and lifetime.
  const connCols = useMemo((): LaidOutColumn<ConnRow>[] => {
    if (open.size === 0) return baseCols;
    return baseCols.map((col) => {
      if (col.key === 'state') return { ...col, cell: (c: ConnRow) => open.get(c)?.phase ?? col.cell(c) };
      if (col.key === 'lifetime') {
        return { ...col, cell: (c: ConnRow) => {
          const o = open.get(c);
          return o ? fmtDuration(Math.max(0, now - o.seenAtMs)) : col.cell(c);
        } };
      }
      return col;
    });
  }, [baseCols, open, now]);
  const destCols = useMemo(
    () =>
      markSorted(
        layoutColumns(
          roomForMarker(destinationColumns((data.digest?.quicCount ?? 0) > 0 || x.destRows.some((r) => r.stats.setupByTransport?.quic)), DESTINATION_SORTS[st.tableSort.destinations]!.key),
          width,
          x.destRows.slice(0, LAYOUT_SAMPLE),
        ),
        DESTINATION_SORTS[st.tableSort.destinations]!.key,
      ),
    [width, x.destRows, st.tableSort.destinations],
  );
  const poolCols = useMemo(
    () =>
      markSorted(
        layoutColumns(roomForMarker(poolColumns(), POOL_SORTS[st.tableSort.pool]!.key), width, x.pool?.destinations.slice(0, LAYOUT_SAMPLE)),
        POOL_SORTS[st.tableSort.pool]!.key,
      ),
    [width, x.pool, st.tableSort.pool],
  );
  const sortedConnCols = useMemo(() => markSorted(connCols, st.sortKey, st.sortKey === 'id'), [connCols, st.sortKey]);
  const cmpCols = useMemo(() => {
    const key = COMPARE_SORTS[st.tableSort.compare]!.key;
    return markSorted(layoutColumns(roomForMarker(compareColumns(), key), width, x.cmpRows), key);
  }, [width, x.cmpRows, st.tableSort.compare]);
  const groupCols = useMemo(() => {
    const key = FINDING_SORTS[st.tableSort.findings]!.key;
    return markSorted(layoutColumns(roomForMarker(findingGroupColumns(), key), width, x.groups), key);
  }, [width, x.groups, st.tableSort.findings]);
  const severityStyle = (sev: string | null) => (sev === 'error' ? theme.error : sev === 'warn' ? theme.warn : undefined);

  let body: React.ReactNode;
  let status = '';
  const cur = st.cursors[x.current];
  const { conns, pool, destRows, listHeight, bodyHeight } = x;
  if (st.help) {
    body = <Lines lines={x.helpText.map((t) => ({ kind: 'text' as const, text: t }))} offset={cur.off} height={bodyHeight} theme={theme} />;
    status = 'keys and columns  (Esc back)';
  } else if (st.verdict) {
    body = <Lines lines={x.verdictLines.map((t) => ({ kind: 'text' as const, text: t }))} offset={cur.off} height={bodyHeight} theme={theme} />;
    status = 'pool verdict  (Esc back, arrows scroll)';
  } else if (st.detail) {
    body = <Lines lines={x.detailText} offset={cur.off} height={bodyHeight} theme={theme} />;
    status = `connection #${st.detail.transport === 'quic' ? 'q' : ''}${st.detail.id}  (Esc back, arrows scroll)`;
  } else if (st.view === 'connections') {
    body = (
      <Table
        header={formatHeader(sortedConnCols)}
        count={conns.length}
        row={(i) => formatRow(sortedConnCols, conns[i]!)}
        rowStyle={(i) => severityStyle(rowSeverity(conns[i]!)) ?? emphasisStyle(theme, conns[i]!, x.setupP90)}
        selected={cur.sel}
        offset={cur.off}
        height={listHeight}
        theme={theme}
        empty={st.filter ? 'no connection matches the filter' : liveNote ? 'no TCP or QUIC connection yet' : 'no TCP or QUIC connection in this capture'}
      />
    );
    const parts = [
      `${fmtInt(conns.length)} of ${plural(allConns.length, 'connection')}`,
      `sort: ${SORT_LABELS[st.sortKey]}`,
    ];
    if (st.destFilter) parts.push(`destination ${sanitize(st.destFilter.key)}`);
    if (st.filter || st.editing) parts.push(`filter: ${sanitize(st.filter)}${st.editing ? '_' : ''}`);
    status = parts.join('  ·  ');
  } else if (st.view === 'destinations') {
    body = (
      <Table
        header={formatHeader(destCols)}
        count={destRows.length}
        row={(i) => formatRow(destCols, destRows[i]!)}
        selected={cur.sel}
        offset={cur.off}
        height={listHeight}
        theme={theme}
      />
    );
    status = `${listedText(destRows.length, data.digest?.count, 'destination')} · sort: ${DESTINATION_SORTS[st.tableSort.destinations]!.label} · Enter lists the connections`;
  } else if (st.view === 'pool' && pool) {
    const list = x.poolRows;
    body = (
      <Table
        header={formatHeader(poolCols)}
        count={list.length}
        row={(i) => formatRow(poolCols, list[i]!)}
        selected={cur.sel}
        offset={cur.off}
        height={listHeight}
        theme={theme}
      />
    );
    const sel = list[cur.sel];
    status = `${sel ? `${sanitize(sel.key)}: ${sel.verdict}` : `total: ${pool.total.verdict}`} · Enter: the full verdict · sort: ${POOL_SORTS[st.tableSort.pool]!.label}`;
    const simulated = data.digest?.simulated;
    if (simulated !== undefined && simulated > list.length) status = `${listedText(list.length, simulated, 'destination')} · ${status}`;
    // QUIC is not simulated (one connection multiplexes requests): its own counts.
    const q = pool.quic;
    // First, so that a narrow terminal cuts the long reason, not this.
    if (q) status = `${quicPoolStatus(q)}  ·  ${status}`;
  } else if (st.view === 'findings') {
    const about = findingGroupLines(x.groups[cur.sel], width);
    const tableHeight = Math.max(1, listHeight - (about.length ? about.length + 1 : 0));
    body = (
      <Box flexDirection="column">
        <Table
          header={formatHeader(groupCols)}
          count={x.groups.length}
        row={(i) => formatRow(groupCols, x.groups[i]!)}
          rowStyle={(i) => severityStyle(x.groups[i]!.severity)}
          selected={cur.sel}
          offset={cur.off}
          height={tableHeight}
          theme={theme}
          empty="no findings: nothing went wrong that the capture shows"
        />
        {about.length > 0 && <Text> </Text>}
        {about.map((l, i) => (
          <Line key={`f${i}`} text={`  ${l}`} style={i === 0 ? theme.header : undefined} />
        ))}
      </Box>
    );
    const n = x.groups.reduce((sum, g) => sum + g.findings, 0);
    status = `${x.groups.length} finding code${x.groups.length === 1 ? '' : 's'}, ${n} finding${n === 1 ? '' : 's'} · sort: ${FINDING_SORTS[st.tableSort.findings]!.label} · Enter lists the connections`;
  } else if (st.view === 'compare' && comparison) {
    // Below the table: what the comparison concludes, and what makes it weak.
    const notes = x.cmpNotes;
    body = (
      <Box flexDirection="column">
        <Table
          header={formatHeader(cmpCols)}
          count={x.cmpRows.length}
        row={(i) => formatRow(cmpCols, x.cmpRows[i]!)}
          selected={cur.sel}
          offset={cur.off}
          height={Math.max(1, listHeight - (notes.length ? notes.length + 1 : 0))}
          theme={theme}
        />
        {notes.length > 0 && <Text> </Text>}
        {notes.map((l, i) => (
          <Line key={`c${i}`} text={l.text} style={l.warning ? theme.warn : undefined} />
        ))}
      </Box>
    );
    // The sort first: a narrow terminal cuts the file names, not it.
    const name = (p: string) => sanitize(p.slice(p.lastIndexOf('/') + 1));
    status = `sort: ${COMPARE_SORTS[st.tableSort.compare]!.label} · before ${name(comparison.before)} → after ${name(comparison.after)}`;
    // compareDigest keeps the first of a comparison of many destinations: say how many there are.
    const count = comparison.destinationCount;
    if (count !== undefined && count > comparison.destinations.length) status = `${listedText(comparison.destinations.length, count, 'destination')} · ${status}`;
  }
  if (liveNote) status = `${status}  ·  ${liveNote}`;

  return (
    <Box flexDirection="column">
      {tabs}
      {x.sumLines.map((l, i) => (
        <Line key={`s${i}`} text={l} style={l.startsWith('warning: ') || l.startsWith('… ') ? theme.warn : undefined} />
      ))}
      {x.sumLines.length > 0 && <Text> </Text>}
      {body}
      <Line text={status} style={theme.dim} />
      <Line
        text={st.editing ? 'type to filter · Enter keep · Esc clear' : 'Tab view · Enter open · Esc back · s/S sort · / filter · ? help · q quit'}
        style={theme.key}
      />
    </Box>
  );
}
