/**
 * Entry point of the terminal UI, called by the CLI when stdout is a TTY.
 * Ink and React take about half a second to import on a busy machine: a plain
 * first frame (the title bar and "reading …") is on screen before they are
 * (issue 14: first screen within 0.3 s), then the UI draws over it.
 */
import type { ReadProgress } from '../capture/types.js';
import type { Analysis, Comparison, PoolOptions } from '../report/types.js';
import type { AppProps, LiveSource } from './App.js';
import { colorEnabled, type ViewName } from './model.js';

export interface TuiOptions {
  /** Shown in the title bar (the capture's file name). */
  title: string;
  /** Starts the streaming analysis; progress is shown until it settles. */
  load: (onProgress: (p: ReadProgress) => void) => Promise<Analysis>;
  poolOptions?: Partial<PoolOptions>;
  initialView?: ViewName;
  comparison?: Comparison;
  /** A live source: the table fills in while reading; the first q stops reading. */
  live?: LiveSource;
  /** The record behind a compact row, for the detail view (AppProps.detail). */
  detail?: AppProps['detail'];
  /** Streams (default: the process's). */
  stdin?: NodeJS.ReadStream;
  stdout?: NodeJS.WriteStream;
  stderr?: NodeJS.WriteStream;
}

// The alternate screen keeps the user's scrollback intact and gives a clean page.
const ENTER_ALT_SCREEN = '\x1b[?1049h\x1b[H';
const LEAVE_ALT_SCREEN = '\x1b[?1049l';

/**
 * Show the UI until the user quits; resolves with the exit code: 0 after a
 * successful analysis, the error's exitCode (else 1) after a failed one. (The
 * CLI then prints the capture's warnings and raises it to the text mode's
 * status: 1 for a damaged capture, 130 when reading was stopped early.)
 */
export async function runTui(opts: TuiOptions): Promise<number> {
  const stdout = opts.stdout ?? process.stdout;
  let code = 0;
  const alt = stdout.isTTY === true;
  if (alt) stdout.write(`${ENTER_ALT_SCREEN}${plainFirstFrame(opts.title, opts.comparison !== undefined, stdout.columns ?? 80)}`);
  try {
    const [{ render }, { App }] = await Promise.all([import('ink'), import('./App.js')]);
    const instance = render(
      <App
        title={opts.title}
        load={opts.load}
        poolOptions={opts.poolOptions}
        initialView={opts.initialView}
        comparison={opts.comparison}
        live={opts.live}
        detail={opts.detail}
        color={colorEnabled()}
        onExit={(c) => {
          code = c;
        }}
      />,
      {
        stdout,
        stdin: opts.stdin ?? process.stdin,
        stderr: opts.stderr ?? process.stderr,
        exitOnCtrlC: false,
        patchConsole: true,
        incrementalRendering: false,
      },
    );
    await instance.waitUntilExit();
  } finally {
    if (alt) stdout.write(LEAVE_ALT_SCREEN);
  }
  return code;
}

/** What the screen shows until Ink has drawn: the title bar's text and what is happening. */
export function plainFirstFrame(title: string, comparing: boolean, columns: number): string {
  const cut = (s: string) => (s.length > columns ? `${s.slice(0, Math.max(0, columns - 1))}…` : s);
  return `${cut(`handshake-lens  ${title}`)}\r\n${cut(comparing ? 'comparing…' : `reading ${title}…`)}`;
}
