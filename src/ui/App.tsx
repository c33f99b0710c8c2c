/**
 * The terminal UI: state, keys and layout. All figures come from src/report
 * and src/view/model.ts; this file only decides what is on screen.
 */
import React, { useEffect, useMemo, useRef, useState } from 'react';
import { Box, Text, useApp, useInput, useStdout } from 'ink';
import type { ReadProgress } from '../capture/types.js';
import { formatHeader, formatRow, layoutColumns } from '../view/format.js';
import { sanitize } from '../view/sanitize.js';
import { destinations, simulatePool, summarize } from '../report/index.js';
import type { Analysis, Comparison, PoolOptions } from '../report/types.js';
import type { ConnectionRecord } from '../timeline/types.js';
import { Line, Lines, Table, TabBar } from './components.js';
import { HELP_LINES, moveSelection, scrollOffset, type ViewName } from './model.js';
import {
  SORT_LABELS,
  comparisonRows,
  compareColumns,
  connectionColumns,
  destinationColumns,
  destinationRows,
  detailLines,
  filterConnections,
  nextSortKey,
  poolColumns,
  progressInfo,
  progressLine,
  sortConnections,
  summaryLines,
  type SortKey,
} from '../view/model.js';
import { makeTheme } from './theme.js';

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
  /** Progress refresh interval, ms (default 100: 10 Hz). */
  progressIntervalMs?: number;
  now?: () => number;
}

/** Rows looked at to size the text columns. */
const LAYOUT_SAMPLE = 5000;

type ListName = 'connections' | 'destinations' | 'pool' | 'compare' | 'detail' | 'help';
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
  const theme = useMemo(() => makeTheme(props.color ?? !(process.env.NO_COLOR ?? '')), [props.color]);
  const { columns, rows } = useTerminalSize();

  // --- loading, with progress throttled to one render per interval
  const [analysis, setAnalysis] = useState<Analysis | null>(null);
  const [failure, setFailure] = useState<{ message: string; code: number } | null>(null);
  const [progress, setProgress] = useState<{ p: ReadProgress | null; at: number }>({ p: null, at: 0 });
  const latest = useRef<ReadProgress | null>(null);
  const startedAt = useRef(now());
  useEffect(() => {
    let done = false;
    const timer = setInterval(() => {
      if (!done && latest.current) setProgress({ p: latest.current, at: now() });
    }, props.progressIntervalMs ?? 100);
    props
      .load((p) => {
        latest.current = p;
      })
      .then(
        (a) => {
          done = true;
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

  // --- derived data (computed once per analysis / sort / filter)
  const summary = useMemo(() => (analysis ? summarize(analysis.connections) : null), [analysis]);
  const dests = useMemo(() => (analysis ? destinations(analysis.connections) : []), [analysis]);
  const pool = useMemo(
    () => (analysis ? simulatePool(analysis.connections, props.poolOptions ?? {}) : null),
    [analysis, props.poolOptions],
  );
  const destRows = useMemo(() => destinationRows(dests, pool?.destinations ?? []), [dests, pool]);

  const [view, setView] = useState<ViewName>(props.initialView ?? 'connections');
  const [sortKey, setSortKey] = useState<SortKey>('setup');
  const [filter, setFilter] = useState('');
  const [editing, setEditing] = useState(false);
  const [destFilter, setDestFilter] = useState<{ key: string; ids: ReadonlySet<number> } | null>(null);
  const [detail, setDetail] = useState<ConnectionRecord | null>(null);
  const [help, setHelp] = useState(false);
  const [cursors, setCursors] = useState<Record<ListName, Cursor>>({
    connections: { sel: 0, off: 0 },
    destinations: { sel: 0, off: 0 },
    pool: { sel: 0, off: 0 },
    compare: { sel: 0, off: 0 },
    detail: { sel: 0, off: 0 },
    help: { sel: 0, off: 0 },
  });

  const conns = useMemo(() => {
    if (!analysis) return [];
    const base = destFilter ? analysis.connections.filter((c) => destFilter.ids.has(c.id)) : analysis.connections;
    return sortConnections(filterConnections(base, filter), sortKey);
  }, [analysis, destFilter, filter, sortKey]);

  const views: ViewName[] = props.comparison
    ? ['connections', 'destinations', 'pool', 'compare']
    : ['connections', 'destinations', 'pool'];

  // --- layout budget
  const width = Math.max(40, columns - 2); // two cells for the selection marker
  const sumLines = analysis && summary ? summaryLines(analysis, summary, columns) : [];
  const chrome = 1 /* tabs */ + (sumLines.length ? sumLines.length + 1 : 0) + 1 /* status */ + 1 /* keys */;
  const bodyHeight = Math.max(3, rows - chrome - 1); // keep one row free: no full-screen redraw
  const listHeight = Math.max(1, bodyHeight - 1); // minus the table header

  const maxId = useMemo(() => (analysis ? analysis.connections.reduce((m, c) => Math.max(m, c.id), 0) : 0), [analysis]);
  // Column widths follow the text of (a sample of) the rows, not every frame of the filter.
  const allConns = analysis?.connections;
  const connCols = useMemo(
    () => layoutColumns(connectionColumns(maxId), width, allConns?.slice(0, LAYOUT_SAMPLE)),
    [width, maxId, allConns],
  );
  const destCols = useMemo(() => layoutColumns(destinationColumns(), width, destRows.slice(0, LAYOUT_SAMPLE)), [width, destRows]);
  const poolCols = useMemo(
    () => layoutColumns(poolColumns(), width, pool?.destinations.slice(0, LAYOUT_SAMPLE)),
    [width, pool],
  );
  const cmpRows = useMemo(() => (props.comparison ? comparisonRows(props.comparison) : []), [props.comparison]);
  const cmpCols = useMemo(() => layoutColumns(compareColumns(), width, cmpRows), [width, cmpRows]);
  const detailText = useMemo(() => (detail ? detailLines(detail, columns) : []), [detail, columns]);

  const current: ListName = help ? 'help' : detail ? 'detail' : view;
  const totals: Record<ListName, number> = {
    connections: conns.length,
    destinations: destRows.length,
    pool: pool?.destinations.length ?? 0,
    compare: cmpRows.length,
    detail: detailText.length,
    help: HELP_LINES.length,
  };
  // Scrolling lists (detail/help) move the window; tables move the selection.
  const scrollsOnly = current === 'detail' || current === 'help';
  const pageHeight = scrollsOnly ? bodyHeight : listHeight;

  const move = (list: ListName, to: (c: Cursor, total: number) => number) => {
      setCursors((cs) => {
        const total = totals[list];
        const c = cs[list];
        if (scrollsOnly) {
          const maxOff = Math.max(0, total - pageHeight);
          const off = Math.max(0, Math.min(maxOff, to({ sel: c.off, off: c.off }, total)));
          return { ...cs, [list]: { sel: off, off } };
        }
        const sel = moveSelection(0, to(c, total), total);
        return { ...cs, [list]: { sel, off: scrollOffset(sel, c.off, pageHeight, total) } };
      });
  };

  const resetCursor = (list: ListName) => setCursors((cs) => ({ ...cs, [list]: { sel: 0, off: 0 } }));

  const quit = (code: number) => {
    props.onExit?.(code);
    exit();
  };

  useInput((input, key) => {
    if (key.ctrl && input === 'c') return quit(failure ? failure.code : 0);
    if (editing) {
      if (key.return) setEditing(false);
      else if (key.escape) {
        setFilter('');
        setEditing(false);
      } else if (key.backspace || key.delete) setFilter((f) => f.slice(0, -1));
      else if (input && !key.ctrl && !key.meta) setFilter((f) => f + input);
      resetCursor('connections');
      return;
    }
    if (input === 'q') return quit(failure ? failure.code : 0);
    if (!analysis) return;
    if (input === '?') return setHelp((h) => !h);
    if (key.escape) {
      if (help) return setHelp(false);
      if (detail) return setDetail(null);
      if (view === 'connections' && filter) {
        setFilter('');
        return resetCursor('connections');
      }
      if (view === 'connections' && destFilter) {
        setDestFilter(null);
        resetCursor('connections');
        return setView('destinations');
      }
      return;
    }
    if (key.tab) {
      setHelp(false);
      setDetail(null);
      const i = views.indexOf(view);
      return setView(views[(i + (key.shift ? views.length - 1 : 1)) % views.length]!);
    }
    const page = Math.max(1, pageHeight - 1);
    if (key.upArrow || input === 'k') return move(current, (c) => c.sel - 1);
    if (key.downArrow || input === 'j') return move(current, (c) => c.sel + 1);
    if (key.pageUp) return move(current, (c) => c.sel - page);
    if (key.pageDown || input === ' ') return move(current, (c) => c.sel + page);
    if (input === 'g' || key.home) return move(current, () => 0);
    if (input === 'G' || key.end) return move(current, (_c, total) => total);
    if (help || detail) return;
    if (view === 'connections') {
      if (input === 's') {
        setSortKey((k) => nextSortKey(k));
        return resetCursor('connections');
      }
      if (input === '/') {
        setEditing(true);
        return;
      }
      if (key.return) {
        const c = conns[cursors.connections.sel];
        if (c) {
          setDetail(c);
          resetCursor('detail');
        }
      }
      return;
    }
    if (view === 'destinations' && key.return) {
      const d = destRows[cursors.destinations.sel];
      if (d) {
        setDestFilter({ key: d.stats.key, ids: new Set(d.stats.connectionIds) });
        setFilter('');
        resetCursor('connections');
        setView('connections');
      }
    }
  });

  // --- rendering
  const tabs = <TabBar views={views} current={view} theme={theme} title={sanitize(props.title)} />;

  if (failure) {
    return (
      <Box flexDirection="column">
        {tabs}
        <Line text={`error: ${failure.message}`} style={theme.error} />
        <Line text="press q to quit" style={theme.dim} />
      </Box>
    );
  }

  if (!analysis || !summary) {
    const info = progressInfo(progress.p, (progress.p ? progress.at : now()) - startedAt.current);
    return (
      <Box flexDirection="column">
        {tabs}
        <Line text={progress.p ? progressLine(info, columns) : 'reading…'} />
        <Line text="q quits" style={theme.dim} />
      </Box>
    );
  }

  let body: React.ReactNode;
  let status = '';
  const cur = cursors[current];
  if (help) {
    body = <Lines lines={HELP_LINES.map((t) => ({ kind: 'text' as const, text: t }))} offset={cur.off} height={bodyHeight} theme={theme} />;
    status = 'keys';
  } else if (detail) {
    body = <Lines lines={detailText} offset={cur.off} height={bodyHeight} theme={theme} />;
    status = `connection #${detail.id}  (Esc back, arrows scroll)`;
  } else if (view === 'connections') {
    body = (
      <Table
        header={formatHeader(connCols)}
        rows={conns.map((c) => formatRow(connCols, c))}
        rowStyle={(i) => theme.state(conns[i]!.state)}
        selected={cur.sel}
        offset={cur.off}
        height={listHeight}
        theme={theme}
        empty={filter ? 'no connection matches the filter' : 'no TCP connection in this capture'}
      />
    );
    const parts = [`${conns.length} of ${analysis.connections.length} connections`, `sort: ${SORT_LABELS[sortKey]}`];
    if (destFilter) parts.push(`destination ${sanitize(destFilter.key)}`);
    if (filter || editing) parts.push(`filter: ${sanitize(filter)}${editing ? '_' : ''}`);
    status = parts.join('  ·  ');
  } else if (view === 'destinations') {
    body = (
      <Table
        header={formatHeader(destCols)}
        rows={destRows.map((r) => formatRow(destCols, r))}
        selected={cur.sel}
        offset={cur.off}
        height={listHeight}
        theme={theme}
      />
    );
    status = `${destRows.length} destination${destRows.length === 1 ? '' : 's'} · Enter lists the connections · pool: idle ${pool?.options.idleTimeoutSec ?? '-'}s`;
  } else if (view === 'pool' && pool) {
    const list = pool.destinations;
    body = (
      <Table
        header={formatHeader(poolCols)}
        rows={list.map((p) => formatRow(poolCols, p))}
        selected={cur.sel}
        offset={cur.off}
        height={listHeight}
        theme={theme}
      />
    );
    const sel = list[cur.sel];
    status = sel ? `${sanitize(sel.key)}: ${sanitize(sel.reason)}` : `total: ${sanitize(pool.total.reason)}`;
  } else if (view === 'compare' && props.comparison) {
    body = (
      <Table
        header={formatHeader(cmpCols)}
        rows={cmpRows.map((r) => formatRow(cmpCols, r))}
        selected={cur.sel}
        offset={cur.off}
        height={listHeight}
        theme={theme}
      />
    );
    status = `before ${sanitize(props.comparison.before)} → after ${sanitize(props.comparison.after)}`;
  }

  return (
    <Box flexDirection="column">
      {tabs}
      {sumLines.map((l, i) => (
        <Line key={`s${i}`} text={l} />
      ))}
      {sumLines.length > 0 && <Text> </Text>}
      {body}
      <Line text={status} style={theme.dim} />
      <Line
        text={editing ? 'type to filter · Enter keep · Esc clear' : 'Tab views · Enter open · Esc back · s sort · / filter · ? keys · q quit'}
        style={theme.key}
      />
    </Box>
  );
}
