/**
 * Helpers for the live tests: the built CLI (rebuilt when src/ is newer), a
 * recorded pcap replayed through a pipe by scripts/replay-pcap.mjs, and
 * waiting for what is expected on a stream (never a fixed sleep).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { closeSync, constants, existsSync, mkdtempSync, openSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const root = process.cwd();
export const cli = path.join(root, 'dist', 'cli.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

export function ensureBuilt(): void {
  if (!existsSync(cli) || statSync(cli).mtimeMs < newestMtime(path.join(root, 'src'))) {
    execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore', timeout: 180_000 });
  }
}

export function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete e.NODE_OPTIONS; // jest's --experimental-vm-modules is not for the CLI
  for (const [k, v] of Object.entries(extra)) if (v === undefined) delete e[k];
  return e;
}

/** Text a process writes, with the time each piece arrived. */
export class Collected {
  text = '';
  readonly arrivals: { at: number; length: number }[] = [];
  private waiters: (() => void)[] = [];
  constructor(stream: NodeJS.ReadableStream) {
    stream.setEncoding('utf8');
    stream.on('data', (d: string) => {
      this.text += d;
      this.arrivals.push({ at: Date.now(), length: this.text.length });
      for (const w of this.waiters.splice(0)) w();
    });
  }
  /** Complete lines so far. */
  lines(): string[] {
    const l = this.text.split('\n');
    l.pop();
    return l;
  }
  /** When the text first reached `length` characters. */
  timeAt(length: number): number {
    return this.arrivals.find((a) => a.length >= length)!.at;
  }
  /** Resolves once `test` holds for the text (checked at every arrival). */
  async until(test: (text: string) => boolean, timeoutMs = 20_000): Promise<void> {
    const t0 = Date.now();
    while (!test(this.text)) {
      if (Date.now() - t0 > timeoutMs) throw new Error(`timed out; got so far:\n${this.text.slice(-2000)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, timeoutMs);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }
}

export function exited(p: ChildProcess): Promise<number | null> {
  if (p.exitCode !== null) return Promise.resolve(p.exitCode);
  return new Promise((resolve) => p.once('exit', (code) => resolve(code)));
}

/** `replay-pcap.mjs <file> | handshake-lens <args>`: both processes and what they write. */
const started: ChildProcess[] = [];
/** Kill what replayInto started and is still running (afterEach). */
export function killStarted(): void {
  for (const p of started.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
}

export function replayInto(
  file: string,
  replayArgs: string[],
  cliArgs: string[],
): { replay: ChildProcess; tool: ChildProcess; out: Collected; err: Collected; replayErr: Collected } {
  const replay = spawn('node', [path.join(root, 'scripts/replay-pcap.mjs'), ...replayArgs, file], {
    cwd: root,
    env: childEnv(),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  // HANDSHAKE_LENS_DEBUG: the CLI says on stderr when its SIGINT handler is in place.
  const tool = spawn('node', [cli, ...cliArgs], { cwd: root, env: childEnv({ HANDSHAKE_LENS_DEBUG: '1' }), stdio: ['pipe', 'pipe', 'pipe'] });
  started.push(replay, tool);
  // The test relays the bytes: the tool's stdin is a pipe whose writer ends when the replay does.
  replay.stdout!.pipe(tool.stdin!);
  tool.stdin!.on('error', () => {}); // the tool may exit first (SIGINT)
  return {
    replay,
    tool,
    out: new Collected(tool.stdout!),
    err: new Collected(tool.stderr!),
    replayErr: new Collected(replay.stderr!),
  };
}


/**
 * replayInto, but the replay starts only once the CLI says it is reading (its
 * HANDSHAKE_LENS_DEBUG line): on a loaded machine loading the CLI's modules can
 * take seconds of wall time, and a replay started beside it would have sent
 * much of the capture before the CLI read a byte (timing tests measure from
 * when the CLI can read, not from when node was started).
 */
export async function replayIntoReady(
  file: string,
  replayArgs: string[],
  cliArgs: string[],
  /** Binary output: each stdout chunk as it comes (then `out` collects nothing). */
  onStdout?: (chunk: Buffer) => void,
): Promise<ReturnType<typeof replayInto>> {
  const tool = spawn('node', [cli, ...cliArgs], { cwd: root, env: childEnv({ HANDSHAKE_LENS_DEBUG: '1' }), stdio: ['pipe', 'pipe', 'pipe'] });
  started.push(tool);
  if (onStdout) tool.stdout!.on('data', onStdout);
  const out = new Collected(onStdout ? new PassThrough() : tool.stdout!);
  const err = new Collected(tool.stderr!);
  await err.until((t) => t.includes('SIGINT stops'), 60_000);
  const replay = spawn('node', [path.join(root, 'scripts/replay-pcap.mjs'), ...replayArgs, file], {
    cwd: root,
    env: childEnv(),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  started.push(replay);
  replay.stdout!.pipe(tool.stdin!);
  tool.stdin!.on('error', () => {});
  return { replay, tool, out, err, replayErr: new Collected(replay.stderr!) };
}

/**
 * The tool reading a named pipe (a FIFO), as from a shell's `tcpdump -w - |
 * handshake-lens -`: node's own child pipes are socket pairs, and the CLI reads
 * a FIFO differently (capture/pipe.ts). The tool is started by `sh -c 'exec
 * node … < FIFO'` (same pid, so signals reach it); its open of the FIFO waits
 * for a writer, so the test holds one (`holdWriter`) until the replay has its
 * own, then lets go of it.
 */
export interface FifoTool {
  tool: ChildProcess;
  out: Collected;
  err: Collected;
  /** Give the replay the FIFO's write end and let go of the test's. */
  startReplay(file: string, replayArgs: string[]): { replay: ChildProcess; replayErr: Collected };
  /** The same with any command as the writer. */
  startWriter(command: string, args: string[]): { replay: ChildProcess; replayErr: Collected };
}

export async function fifoTool(cliArgs: string[], env: Record<string, string> = {}): Promise<FifoTool> {
  const fifo = path.join(mkdtempSync(path.join(tmpdir(), 'hl-fifo-')), 'capture');
  execFileSync('mkfifo', [fifo]);
  const tool = spawn('/bin/sh', ['-c', 'exec "$0" "$@" < "$HL_FIFO"', process.execPath, cli, ...cliArgs], {
    cwd: root,
    env: childEnv({ HANDSHAKE_LENS_DEBUG: '1', HL_FIFO: fifo, ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(tool);
  const out = new Collected(tool.stdout!);
  const err = new Collected(tool.stderr!);
  // A non-blocking open for writing succeeds once the shell is opening the FIFO for reading.
  let held: number | undefined;
  const t0 = Date.now();
  while (held === undefined) {
    try {
      held = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENXIO' || Date.now() - t0 > 60_000) throw e;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  const startWriter = (command: string, args: string[]): { replay: ChildProcess; replayErr: Collected } => {
    const w = openSync(fifo, constants.O_WRONLY);
    // stdin a pipe the test holds: replay-pcap's --hold keeps its end open until that closes.
    const replay = spawn(command, args, { cwd: root, env: childEnv(), stdio: ['pipe', w, 'pipe'] });
    started.push(replay);
    closeSync(w);
    closeSync(held!);
    return { replay, replayErr: new Collected(replay.stderr!) };
  };
  return {
    tool,
    out,
    err,
    startReplay: (file, replayArgs) => startWriter('node', [path.join(root, 'scripts/replay-pcap.mjs'), ...replayArgs, file]),
    startWriter,
  };
}

/** The fields of an NDJSON connection line that the live tests check. */
export interface Line {
  id: number;
  state: string;
  client: { ip: string; port: number };
  server: { ip: string; port: number };
}

/** An endpoint as tshark's streams name it ("ip:port"). */
export const ep = (e: { ip: string; port: number }): string => `${e.ip}:${e.port}`;
