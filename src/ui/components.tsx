/**
 * Layout-only components: they receive ready lines and styles and place them.
 */
import { Box, Text } from 'ink';
import type { StyledLine } from '../view/model.js';
import type { TextStyle, Theme } from './theme.js';

export function Line({ text, style }: { text: string; style?: TextStyle }) {
  return (
    <Text wrap="truncate-end" {...style}>
      {text === '' ? ' ' : text}
    </Text>
  );
}

export interface TableProps {
  header: string;
  /** Rows in all; only the window on screen is formatted (a table can list a million connections). */
  count: number;
  /** Row `index`, formatted. */
  row: (index: number) => string;
  /** Style of each visible row (by absolute index), e.g. by connection state. */
  rowStyle?: (index: number) => TextStyle | undefined;
  selected: number | null;
  offset: number;
  height: number;
  theme: Theme;
  empty?: string;
}

/** A window of `height` rows of a pre-formatted table; the selected row is marked and inverse. */
export function Table({ header, count, row, rowStyle, selected, offset, height, theme, empty }: TableProps) {
  const visible: string[] = [];
  for (let i = offset; i < Math.min(count, offset + height); i++) visible.push(row(i));
  return (
    <Box flexDirection="column">
      <Line text={`  ${header}`} style={theme.header} />
      {visible.length === 0 && <Line text={`  ${empty ?? '(nothing to show)'}`} style={theme.dim} />}
      {visible.map((r, i) => {
        const index = offset + i;
        const isSel = index === selected;
        return (
          <Line
            key={index}
            text={`${isSel ? '>' : ' '} ${r}`}
            style={isSel ? { ...rowStyle?.(index), ...theme.selected } : rowStyle?.(index)}
          />
        );
      })}
    </Box>
  );
}

/** Styled lines (the connection detail), a window of `height` from `offset`. */
export function Lines({ lines, offset, height, theme }: { lines: StyledLine[]; offset: number; height: number; theme: Theme }) {
  const visible = lines.slice(offset, offset + height);
  return (
    <Box flexDirection="column">
      {visible.map((l, i) => {
        const key = offset + i;
        if (l.kind === 'bar' && l.barStart !== undefined && l.barPhase) {
          const head = l.text.slice(0, l.barStart);
          const barPart = l.text.slice(l.barStart, l.text.length - 1);
          return (
            <Text key={key} wrap="truncate-end">
              {head}
              <Text {...theme.phase(l.barPhase)}>{barPart}</Text>|
            </Text>
          );
        }
        const style =
          l.kind === 'title' ? theme.title : l.kind === 'header' ? theme.header : l.kind === 'flag' ? theme.warn : undefined;
        return <Line key={key} text={l.text} style={style} />;
      })}
    </Box>
  );
}

export function TabBar({ views, current, theme, title }: { views: string[]; current: string; theme: Theme; title: string }) {
  return (
    <Text wrap="truncate-end">
      <Text {...theme.title}>handshake-lens</Text>
      <Text> </Text>
      {views.map((v) => (
        <Text key={v} {...(v === current ? theme.selected : theme.dim)}>
          {` ${v} `}
        </Text>
      ))}
      {/* The views come first: a long file name is what gets cut on a narrow terminal. */}
      <Text> {title}</Text>
    </Text>
  );
}
