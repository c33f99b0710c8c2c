/**
 * Render the UI into a fake terminal of a chosen size (ink-testing-library's
 * is fixed at 100 columns), feed keys, and read the last frame.
 */
import { EventEmitter } from 'node:events';
import { render } from 'ink';
import { App, type AppProps } from '../../src/ui/App.js';

class FakeStdout extends EventEmitter {
  frames: string[] = [];
  isTTY = false;
  constructor(
    public columns: number,
    public rows: number,
  ) {
    super();
  }
  write = (frame: string) => {
    this.frames.push(frame);
    return true;
  };
  resize(columns: number, rows = this.rows) {
    this.columns = columns;
    this.rows = rows;
    this.emit('resize');
  }
}

class FakeStdin extends EventEmitter {
  isTTY = true;
  private data: string | null = null;
  write(data: string) {
    this.data = data;
    this.emit('readable');
    this.emit('data', data);
  }
  read = () => {
    const d = this.data;
    this.data = null;
    return d;
  };
  setEncoding() {}
  setRawMode() {}
  resume() {}
  pause() {}
  ref() {}
  unref() {}
}

export const KEY = {
  up: '\x1b[A',
  down: '\x1b[B',
  pageDown: '\x1b[6~',
  pageUp: '\x1b[5~',
  enter: '\r',
  escape: '\x1b',
  tab: '\t',
  shiftTab: '\x1b[Z',
  backspace: '\x7f',
  ctrlC: '\x03',
};

export const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

export interface Screen {
  frame(): string;
  /**
   * Type keys back to back, without waiting for the UI between them (as fast
   * as a terminal delivers them), then wait for the screen to be redrawn.
   */
  press(...keys: string[]): Promise<void>;
  /** Wait until the frame contains `text` (or the predicate holds). */
  waitFor(test: string | ((f: string) => boolean), timeoutMs?: number): Promise<string>;
  stdout: FakeStdout;
  exitCode(): number | undefined;
  unmount(): void;
}

export function renderApp(props: Omit<AppProps, 'onExit'>, size: { columns: number; rows: number }): Screen {
  const stdout = new FakeStdout(size.columns, size.rows);
  const stdin = new FakeStdin();
  let code: number | undefined;
  const inst = render(<App color={false} {...props} onExit={(c) => (code = c)} />, {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    stderr: new FakeStdout(size.columns, size.rows) as unknown as NodeJS.WriteStream,
    debug: true,
    exitOnCtrlC: false,
    patchConsole: false,
  });
  const frame = () => stdout.frames[stdout.frames.length - 1] ?? '';
  return {
    frame,
    stdout,
    exitCode: () => code,
    unmount: () => inst.unmount(),
    async press(...keys: string[]) {
      const before = stdout.frames.length;
      for (const k of keys) {
        stdin.write(k);
        // A lone Esc is held by ink's parser until the next turn of the event
        // loop (it could start an escape sequence): let that turn pass, as a
        // terminal's Esc is followed by a pause only the key repeat can beat.
        if (k === KEY.escape) await new Promise((r) => setImmediate(r));
      }
      // Wait for the redraw the keys caused (some keys change nothing: then give up quietly).
      const t0 = Date.now();
      while (stdout.frames.length === before && Date.now() - t0 < 1000) await tick(5);
    },
    async waitFor(test, timeoutMs = 5000) {
      const ok = typeof test === 'string' ? (f: string) => f.includes(test) : test;
      const t0 = Date.now();
      while (Date.now() - t0 < timeoutMs) {
        if (ok(frame())) return frame();
        await tick(10);
      }
      throw new Error(`timed out waiting; last frame:\n${frame()}`);
    },
  };
}

/**
 * A detail screen as one column: when the facts sit beside the ladder (wide
 * terminals), the ladder's lines are cut at the end of its header ('bytes')
 * and the facts beside them follow the ladder, one per line; the rest stays.
 * Assertions on the ladder and the facts then read the same at any width.
 */
export function linearDetail(frame: string): string {
  const lines = frame.split('\n');
  const h = lines.findIndex((l) => /\+ms\s+direction\s+event/.test(l));
  if (h < 0) return frame;
  const cut = lines[h]!.indexOf('bytes') + 'bytes'.length;
  if (lines[h]!.slice(cut).trim() === '') return frame; // no side column
  let end = h;
  while (end + 1 < lines.length && lines[end + 1]!.trim() !== '' && !/^phase\s/.test(lines[end + 1]!)) end++;
  const block = lines.slice(h, end + 1);
  const left = block.map((l) => l.slice(0, cut).trimEnd()).filter((l) => l.trim() !== '');
  const right = block.map((l) => l.slice(cut).trim()).filter((l) => l !== '');
  return [...lines.slice(0, h), ...left, ...right, ...lines.slice(end + 1)].join('\n');
}
