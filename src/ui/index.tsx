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
import { LEAVE_ALT_SCREEN, showFirstFrame, takeOverFirstFrame } from './first-frame.js';

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
  /** Destinations listed at most (AppProps.destinationsListed). */
  destinationsListed?: number;
  /** Streams (default: the process's). */
  stdin?: NodeJS.ReadStream;
  stdout?: NodeJS.WriteStream;
  stderr?: NodeJS.WriteStream;
}

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
  // The CLI may have shown the first frame already, before it loaded its argument parser.
  if (alt) showFirstFrame(stdout, opts.title, opts.comparison !== undefined);
  takeOverFirstFrame();
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
        destinationsListed={opts.destinationsListed}
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

