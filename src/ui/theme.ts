/**
 * Text styles of the UI. With colour off (NO_COLOR set) every style is empty
 * except the selection, which keeps inverse video (an attribute, not a
 * colour) next to the '>' marker, so the selected row stays visible.
 */
import type { ConnectionState } from '../timeline/types.js';
import type { PhaseName } from '../report/phases.js';

export interface TextStyle {
  color?: string;
  bold?: boolean;
  dimColor?: boolean;
  inverse?: boolean;
}

export interface Theme {
  color: boolean;
  title: TextStyle;
  header: TextStyle;
  dim: TextStyle;
  selected: TextStyle;
  warn: TextStyle;
  error: TextStyle;
  key: TextStyle;
  state: (s: ConnectionState) => TextStyle;
  phase: (p: PhaseName) => TextStyle;
}

const PHASE_COLORS: Record<PhaseName, string> = {
  'TCP handshake': 'cyan',
  'QUIC handshake': 'cyan',
  'client think time': 'blue',
  'TLS handshake': 'magenta',
  'waiting for first data': 'yellow',
  data: 'green',
  teardown: 'gray',
};

export function makeTheme(color: boolean): Theme {
  if (!color) {
    const none: TextStyle = {};
    return {
      color,
      title: { bold: true },
      header: { bold: true },
      dim: none,
      selected: { inverse: true },
      warn: none,
      error: { bold: true },
      key: { bold: true },
      state: () => none,
      phase: () => none,
    };
  }
  return {
    color,
    title: { bold: true, color: 'cyan' },
    header: { bold: true },
    dim: { dimColor: true },
    selected: { inverse: true },
    warn: { color: 'yellow' },
    error: { color: 'red', bold: true },
    key: { color: 'cyan', bold: true },
    state: (s) =>
      s === 'refused' || s === 'unanswered' ? { color: 'red' } : s === 'reset' ? { color: 'yellow' } : {},
    phase: (p) => ({ color: PHASE_COLORS[p] }),
  };
}
