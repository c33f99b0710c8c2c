#!/usr/bin/env node
/**
 * handshake-lens command line: wires the pipeline stages with yargs.
 *
 *   handshake-lens <capture>            TUI on a terminal, text report otherwise
 *   handshake-lens info <capture>       capinfos-like facts
 *   handshake-lens pool <capture>       pooling verdict
 *   handshake-lens compare <a> <b>      before/after comparison
 *
 * Exit codes: 0 success; 1 the capture is damaged (everything before the
 * damage is reported first) or an internal error; 2 the input cannot be read
 * at all or the command line is wrong; 130 reading was stopped before the end
 * of the input (Ctrl-C / SIGINT, or q in the UI while reading a live source):
 * everything read until then was reported, open connections marked open.
 *
 * Live sources (stdin that is not a regular file, or a file with --follow):
 * a connection closed by FIN/FIN or RST is finalized within about a second of
 * wall-clock time (NDJSON/protobuf lines go out then, the UI shows it); the
 * first SIGINT stops reading and reports, a second one exits at once (130).
 */
import { fstatSync, openSync } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import tty from 'node:tty';
import v8 from 'node:v8';
import type { Argv } from 'yargs';
import type { AnalysisResult, AnalyzeOptions } from './analyze.js';
import type { LiveReport } from './report/live.js';
import { CaptureError, type ReadProgress } from './capture/types.js';
import { pipeReport } from './capture/pipe.js';
import { sanitize } from './view/sanitize.js';
import { DEFAULT_MEMORY_MIB, DEFAULT_TOP, tuiDestinations } from './base/defaults.js';
import type * as Lib from './cli-lib.js';
import type { Analysis, PoolOptions } from './report/types.js';
import type { ConnectionRecord } from './timeline/types.js';
import { DEFAULT_FINDING_OPTIONS, type FindingOptions } from './findings/types.js';
import { packageVersion } from './base/version.js';
import { KeyLog } from './tls/keylog.js';
import { leaveFirstFrame, showFirstFrame } from './ui/first-frame.js';

/**
 * The analysis, reports and writers (src/cli-lib.ts), loaded by loadLib() at the start of
 * each command (runMainStoppable, runInfo, runPool, runCompare) — in the terminal UI only
 * once its first screen is drawn (issue 14). Everything that reads L runs after that.
 */
let L: typeof Lib;
async function loadLib(): Promise<void> {
  L ??= await import('./cli-lib.js');
}
/** The protobuf writer and reader (protobufjs): loaded by the protobuf output only (L.loadProtobuf). */
let Proto: Awaited<ReturnType<typeof Lib.loadProtobuf>> | undefined;

type Format = 'text' | 'json' | 'ndjson' | 'protobuf' | 'tui';

class UsageError extends Error {}
/** A key log that cannot be read: exit 2 with one line (no usage hint: the command line was right). */
class KeyLogError extends Error {}

/**
 * The key log of this run (--keylog FILE, or --keylog env for SSLKEYLOGFILE),
 * read before the capture; undefined without --keylog. The capture's own pcapng
 * secrets are used in any case (analyze.ts).
 */
let runKeyLog: KeyLog | undefined;

async function readKeyLogOption(arg: string | undefined): Promise<void> {
  runKeyLog = undefined;
  if (arg === undefined) return;
  let path = arg;
  if (arg === 'env') {
    // Only when asked: a tool must not read secrets it was not given.
    const env = process.env.SSLKEYLOGFILE;
    if (env === undefined || env === '') throw new KeyLogError('--keylog env: SSLKEYLOGFILE is not set');
    path = env;
  }
  let text: Buffer;
  try {
    text = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new KeyLogError(`cannot read key log ${path}: ${why}`);
  }
  runKeyLog = new KeyLog().add(text, path);
}

/** --memory of this run, MiB (undefined: analyzeFile's default caps). */
let runMemory: number | undefined;

/** What every analysis of this run gets: the key log, the memory caps, and the heap bound once it holds many connections. */
const runOptions = (): AnalyzeOptions => ({
  ...(runKeyLog !== undefined ? { keyLog: runKeyLog } : {}),
  ...(runMemory !== undefined ? { memoryMiB: runMemory } : {}),
  onManyConnections: () => boundHeapGrowth(),
});

/** Exit status when reading was stopped before the end of the input (128 + SIGINT, as shells report it). */
export const EXIT_INTERRUPTED = 130;

/**
 * Stop on the first SIGINT (reading ends, what was read is reported), exit at
 * once on the second. Returns the signal to pass to the analysis and a
 * function that removes the handler.
 */
function interruptible(): { signal: AbortSignal; stop: () => void; done: () => void } {
  const ac = new AbortController();
  const onSigint = (): void => {
    if (ac.signal.aborted) process.exit(EXIT_INTERRUPTED);
    ac.abort();
  };
  process.on('SIGINT', onSigint);
  return { signal: ac.signal, stop: () => ac.abort(), done: () => process.off('SIGINT', onSigint) };
}

/** A live source: stdin that is a pipe, socket or terminal (not a redirected file), or a followed file. */
function isLiveSource(path: string, follow: boolean): boolean {
  if (path !== '-') return follow;
  try {
    return !fstatSync(0).isFile();
  } catch {
    return true;
  }
}

/** Stdout closed early (`| head`): stop quietly. */
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
});

interface PoolArgs {
  'pool-idle'?: number;
  'pool-size'?: number;
  'min-saved-ms'?: number;
  'min-saved-share'?: number;
  rtt?: number;
}

/**
 * A number option that yargs accepted as a number but that makes no sense
 * ('abc' arrives as NaN, -1 as -1): a wrong command line, exit 2.
 */
function checkNumber(name: string, v: number | undefined, ok: (v: number) => boolean, want: string): void {
  if (v === undefined || ok(v)) return;
  throw new UsageError(`--${name} must be ${want}, got ${Number.isNaN(v) ? 'something that is not a number' : String(v)}`);
}

function poolOptionsFrom(argv: PoolArgs): Partial<PoolOptions> {
  const finiteAtLeast0 = (v: number) => Number.isFinite(v) && v >= 0;
  checkNumber('pool-idle', argv['pool-idle'], finiteAtLeast0, 'a number of seconds >= 0');
  checkNumber('pool-size', argv['pool-size'], (v) => Number.isSafeInteger(v) && v >= 1, 'a whole number >= 1');
  checkNumber('min-saved-ms', argv['min-saved-ms'], finiteAtLeast0, 'a number of milliseconds >= 0');
  checkNumber('min-saved-share', argv['min-saved-share'], (v) => finiteAtLeast0(v) && v <= 100, 'a percentage from 0 to 100');
  const o: Partial<PoolOptions> = {};
  if (argv['pool-idle'] !== undefined) o.idleTimeoutSec = argv['pool-idle'];
  if (argv['pool-size'] !== undefined) o.maxSize = argv['pool-size'];
  if (argv['min-saved-ms'] !== undefined) o.minSavedMs = argv['min-saved-ms'];
  if (argv['min-saved-share'] !== undefined) o.minSavedShare = argv['min-saved-share'] / 100;
  checkNumber('rtt', argv.rtt, finiteAtLeast0, 'a number of milliseconds >= 0');
  if (argv.rtt !== undefined) o.rttMs = argv.rtt;
  return o;
}

/** The findings' thresholds on the command line (README: Findings), in ms. */
const FINDING_FLAGS = {
  'slow-first-byte-ms': 'slowFirstByteMs',
  'response-timeout-ms': 'responseTimeoutMs',
  'handshake-stall-ms': 'handshakeStallMs',
  'idle-close-ms': 'idleCloseMs',
  'connect-timeout-tail-ms': 'connectTimeoutTailMs',
  'retry-window-ms': 'retryWindowMs',
  'slow-handshake-ms': 'slowHandshakeMs',
} as const satisfies Record<string, keyof FindingOptions>;

type FindingArgs = { [K in keyof typeof FINDING_FLAGS]?: number };

function findingOptionsFrom(argv: FindingArgs): Partial<FindingOptions> {
  const o: Partial<FindingOptions> = {};
  for (const [flag, key] of Object.entries(FINDING_FLAGS) as [keyof typeof FINDING_FLAGS, keyof FindingOptions][]) {
    const v = argv[flag];
    checkNumber(flag, v, (x) => Number.isFinite(x) && x >= 0, 'a number of milliseconds >= 0');
    if (v !== undefined) o[key] = v;
  }
  return o;
}

const findingOpts = {
  'slow-first-byte-ms': {
    type: 'number',
    describe: `Finding slow-first-byte: a response begins this long after the request, ms (default ${DEFAULT_FINDING_OPTIONS.slowFirstByteMs})`,
  },
  'response-timeout-ms': {
    type: 'number',
    describe: `Finding response-timeout: the client closes this long after an unanswered request, ms (default ${DEFAULT_FINDING_OPTIONS.responseTimeoutMs})`,
  },
  'handshake-stall-ms': {
    type: 'number',
    describe: `Finding handshake-failed: the client closes this long after an unanswered ClientHello, ms (default ${DEFAULT_FINDING_OPTIONS.handshakeStallMs})`,
  },
  'idle-close-ms': {
    type: 'number',
    describe: `Finding idle-close: a side closes after this long without payload, ms (default ${DEFAULT_FINDING_OPTIONS.idleCloseMs})`,
  },
  'connect-timeout-tail-ms': {
    type: 'number',
    describe: `Finding connect-timeout: the capture goes on this long after the last unanswered SYN, ms (default ${DEFAULT_FINDING_OPTIONS.connectTimeoutTailMs})`,
  },
  'retry-window-ms': {
    type: 'number',
    describe: `Finding retry: a new connection this soon after a failed one to the same destination, ms (default ${DEFAULT_FINDING_OPTIONS.retryWindowMs})`,
  },
  'slow-handshake-ms': {
    type: 'number',
    describe: `Finding slow-handshake (QUIC): the handshake took at least this long from the first Initial, ms (default ${DEFAULT_FINDING_OPTIONS.slowHandshakeMs})`,
  },
} as const;

/** A saved analysis (.hlpb) opens like a capture. */
async function isSavedFile(path: string): Promise<boolean> {
  if (path === '-') return false;
  let fh;
  try {
    fh = await open(path, 'r');
  } catch {
    return false; // readCapture reports the open error in its own words
  }
  try {
    const buf = Buffer.alloc(8);
    const { bytesRead } = await fh.read(buf, 0, 8, 0);
    return L.isSavedAnalysis(buf.subarray(0, bytesRead));
  } catch {
    return false; // a directory, an unreadable file: readCapture says so
  } finally {
    await fh.close();
  }
}

/**
 * Where the TUI reads keys: stdin when it is a terminal; when stdin carries
 * the capture (`tcpdump -w - | handshake-lens -`) or is redirected, the
 * controlling terminal. Undefined when there is none.
 */
function keyboard(): NodeJS.ReadStream | undefined {
  // isatty, not process.stdin.isTTY: making process.stdin for a pipe turns the pipe non-blocking.
  if (tty.isatty(0)) return process.stdin;
  try {
    return new tty.ReadStream(openSync('/dev/tty', 'r')) as unknown as NodeJS.ReadStream;
  } catch {
    return undefined;
  }
}

/** A progress line on stderr for long non-interactive runs (only when stderr is a terminal). */
function stderrProgress(): ((p: ReadProgress) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  let last = 0;
  return (p) => {
    const now = Date.now();
    if (now - last < 200) return;
    last = now;
    const pct = p.totalBytes ? ` ${((100 * p.bytesRead) / p.totalBytes).toFixed(0)}%` : '';
    process.stderr.write(`\rreading…${pct} ${p.frames} frames`);
  };
}

function clearProgress(): void {
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
}

async function load(
  path: string,
  onProgress?: (p: ReadProgress) => void,
  findings: Partial<FindingOptions> = {},
  rows = false,
): Promise<Analysis | AnalysisResult> {
  if (await isSavedFile(path)) return L.readSavedAnalysis(path);
  // rows: a compact row per connection instead of whole records (src/report/rows.ts), for reports without a TUI.
  return L.analyzeFile(path, { ...runOptions(), ...(onProgress ? { onProgress } : {}), findings, ...(rows ? { rows } : {}) });
}

/** Damage after some frames: report first, then one line and exit 1. */
function damageExit(a: Analysis | AnalysisResult): number {
  const err = 'read' in a ? a.read.error : undefined;
  if (err) {
    process.stderr.write(`error: ${sanitize(err)}\n`);
    return 1;
  }
  return 0;
}

function printWarnings(a: Analysis | AnalysisResult): void {
  const err = 'read' in a ? a.read.error : undefined;
  for (const w of a.capture.warnings) if (w !== err) process.stderr.write(`warning: ${sanitize(w)}\n`);
}

let setupOrder: ((a: ConnectionRecord, b: ConnectionRecord) => number) | undefined;
/** The text report's table order (largest setup first), TCP before QUIC at an equal id as its records are listed. */
function topOrder(a: ConnectionRecord, b: ConnectionRecord): number {
  setupOrder ??= L.connectionOrder('setup');
  return setupOrder(a, b) || (a.transport === b.transport ? 0 : a.transport === 'tcp' ? -1 : 1);
}

/** Where streamed connections go: NDJSON lines or protobuf records on stdout. */
function streamOut(
  format: 'ndjson' | 'protobuf',
  file: string,
  live = false,
): { put: (c: ConnectionRecord) => void; end: (capture: Analysis['capture']) => Promise<void> } {
  // Live source: what was finalized goes out at once (one write per batch of
  // connections finalized together), not when 1 MiB has been collected.
  let pending = false;
  const soon = (flush: () => void): void => {
    if (!live || pending) return;
    pending = true;
    setImmediate(() => {
      pending = false;
      flush();
    });
  };
  if (format === 'protobuf') {
    boundHeapGrowth(PROTOBUF_HEAP_GROWING_PERCENT); // lowered to HEAP_GROWING_PERCENT once many connections are held
    const w = new Proto!.ProtobufWriter(process.stdout, { file });
    return {
      put: (c) => {
        w.writeConnection(c);
        soon(() => w.flush());
      },
      end: (capture) => w.end(capture),
    };
  }
  // stdout is done with a piece when it calls back (a file, pipe or terminal): its buffers are reused.
  const lines = new L.LineBatcher(process.stdout, undefined, { reuse: true });
  return {
    put: (c) => {
      lines.push(L.ndjsonLine(c));
      soon(() => lines.flushSync());
    },
    end: () => lines.flush(),
  };
}

/** Width for text output: the terminal's, else 100 columns. */
function outputWidth(): number {
  const cols = process.stdout.columns;
  return cols && cols > 40 ? cols : 100;
}

/** Exit status after a capture was read: 130 when stopped early, else 1 when damaged, else 0. */
function finalExit(a: Analysis | AnalysisResult): number {
  const damaged = damageExit(a);
  return 'read' in a && a.read.stopped ? EXIT_INTERRUPTED : damaged;
}

async function runMain(argv: PoolArgs & FindingArgs & { capture: string; format?: Format; top?: number; follow?: boolean }): Promise<number> {
  const stop = interruptible();
  try {
    return await runMainStoppable(argv, stop);
  } finally {
    stop.done();
  }
}

async function runMainStoppable(
  argv: PoolArgs & FindingArgs & { capture: string; format?: Format; top?: number; follow?: boolean },
  stop: ReturnType<typeof interruptible>,
): Promise<number> {
  const poolOptions = poolOptionsFrom(argv);
  const findings = findingOptionsFrom(argv);
  checkNumber('top', argv.top, (v) => Number.isSafeInteger(v) && v >= 0, 'a whole number >= 0');
  const format: Format = argv.format ?? (process.stdout.isTTY ? 'tui' : 'text');
  const path = argv.capture;
  const follow = argv.follow === true;
  if (follow && path === '-') throw new UsageError('--follow needs a file name (standard input is followed anyway)');
  const live = isLiveSource(path, follow);
  if (process.env.HANDSHAKE_LENS_DEBUG) {
    process.stderr.write(`debug: reading ${path === '-' ? 'stdin' : path}${live ? ' (live source)' : ''}; SIGINT stops\n`);
  }
  /** Reading options shared by every format: stop on SIGINT, follow, live linger. */
  const reading = (report?: LiveReport): AnalyzeOptions => ({
    ...runOptions(),
    signal: stop.signal,
    findings,
    ...(follow ? { follow } : {}),
    ...(live ? { live: report ? { report } : {} } : {}),
  });
  const loadLive = async (
    onProgress?: (p: ReadProgress) => void,
    report?: LiveReport,
    extra: AnalyzeOptions = {},
  ): Promise<Analysis | AnalysisResult> => {
    await loadLib(); // the terminal UI calls this after its first frame, before the rest was loaded
    if (await isSavedFile(path)) return L.readSavedAnalysis(path);
    return L.analyzeFile(path, { ...reading(report), ...(onProgress ? { onProgress } : {}), ...extra });
  };

  if (format === 'tui') {
    const keys = keyboard();
    if (keys) {
      const { runTui } = await importTui();
      // The analysis modules load after the UI's first frame, except for a live source (its report is made now).
      if (live) await loadLib();
      const report = live ? new L.LiveReport() : undefined;
      let result: Analysis | AnalysisResult | undefined;
      /** Why the analysis failed (a file that cannot be opened or read), shown in the UI until q. */
      let failure: { error: unknown } | undefined;
      let code: number;
      // A compact row per connection (every connection in the table and the aggregates, issue 14),
      // each record written to a temporary file as it finishes and read back for the detail view;
      // a live source's report keeps rows too, and its open connections' records while they are open.
      let spill: InstanceType<typeof L.RecordSpill> | undefined;
      try {
        code = await runTui({
          title: tuiTitle(path),
          load: async (onProgress) => {
            await loadLib(); // after the UI's first frame
            spill = new L.RecordSpill(undefined, true);
            const s = spill;
            const extra: AnalyzeOptions = s ? { rows: true, onConnection: (c) => s.write(c), onLateFindings: (id, f) => s.addLate(id, f) } : {};
            try {
              return (result = await loadLive(onProgress, report, extra));
            } catch (e) {
              failure = { error: e };
              throw e;
            }
          },
          detail: (row) => spill?.record(row.transport, row.id) ?? null,
          destinationsListed: tuiDestinations(runMemory),
          poolOptions,
          stdin: keys,
          ...(report ? { live: { report, stop: stop.stop, stopped: () => stop.signal.aborted } } : {}),
        });
      } finally {
        if (keys !== process.stdin) keys.destroy();
        spill?.close();
      }
      // A failed analysis: after the UI closed, the same one line and exit status as the text mode
      // (2 for a file that cannot be opened or is not a capture; before, 130 as if stopped by the user).
      if (failure) throw failure.error;
      // Quit while still reading: stop reading, so that the process ends now.
      if (!result) stop.stop();
      // Quitting never hides a problem: warnings on stderr, the text mode's exit status.
      if (result) {
        printWarnings(result);
        return Math.max(code, finalExit(result));
      }
      return stop.signal.aborted ? EXIT_INTERRUPTED : code;
    }
    // No terminal to read keys from: the plain report instead.
  }

  await loadLib();
  if (format === 'ndjson' || format === 'protobuf') {
    if (format === 'protobuf') Proto = await L.loadProtobuf();
    // Streamed: each connection goes out when it closes; nothing is kept.
    if (await isSavedFile(path)) {
      const saved = await L.readSavedAnalysis(path);
      const out = streamOut(format, saved.capture.file);
      for (const c of saved.connections) out.put(c);
      await out.end(saved.capture);
      return 0;
    }
    const out = streamOut(format, path === '-' ? 'stdin' : path, live);
    const progress = stderrProgress();
    const a = await L.analyzeFile(path, {
      ...reading(),
      keepConnections: false,
      ...(progress ? { onProgress: progress } : {}),
      onConnection: (c) => out.put(c),
      // Reading waits while stdout holds more than 8 MiB unwritten (a pipe to a slower reader).
      pace: () => L.outputBackpressure(process.stdout),
    });
    clearProgress();
    await out.end(a.capture);
    printWarnings(a);
    return finalExit(a);
  }

  const progress = stderrProgress();
  // A compact row per connection for the aggregates (every connection counted); the text report
  // also keeps the whole records of its top N (largest setup first), the table it prints.
  const top = argv.top !== undefined && argv.top >= 0 ? argv.top : DEFAULT_TOP;
  // The JSON document: each record goes to a temporary file as it finishes (spill.ts) and is copied
  // into the document at the end, in id order with late findings patched in; none is kept.
  const spill = format === 'json' ? new L.RecordSpill() : undefined;
  let a: Analysis | AnalysisResult;
  try {
    a = await loadLive(
      progress,
      undefined,
      spill
        ? { rows: true, onConnection: (c) => spill.write(c), onLateFindings: (id, f) => spill.addLate(id, f) }
        : { rows: true, keepTop: { n: top, compare: topOrder } },
    );
    clearProgress();
    if (format === 'json') {
      // The pool verdict travels with the document: totals, rates and the RTT projections (no
      // destination kept: one at a time from one table, as the text report's).
      const pool = L.destinationDigest(L.allRows(a), { top: 0, poolOptions }).pool.total;
      await L.writeJsonDocument(process.stdout, a, L.summarize(L.allRows(a)), { pool }, spill);
    }
  } finally {
    spill?.close();
  }
  if (format !== 'json') {
    await L.write(
      process.stdout,
      L.formatTextReport(a, { ...(argv.top !== undefined ? { top: argv.top } : {}), width: outputWidth(), poolOptions }),
    );
  }
  printWarnings(a);
  return finalExit(a);
}

async function runInfo(argv: { capture: string; json?: boolean; format?: string }): Promise<number> {
  await loadLib();
  if (await isSavedFile(argv.capture)) return runInfoSaved(argv);
  const a = await L.analyzeFile(argv.capture, runOptions());
  if (argv.json || argv.format === 'json') await L.write(process.stdout, JSON.stringify(L.infoJson(a), null, 2) + '\n');
  // Line by line: the file name, interface names and warnings come from outside.
  else await L.write(process.stdout, L.formatInfo(a).split('\n').map(sanitize).join('\n'));
  return damageExit(a);
}

async function runInfoSaved(argv: { capture: string; json?: boolean; format?: string }): Promise<number> {
  const a = await L.readSavedAnalysis(argv.capture);
  const j = L.savedInfoJson(argv.capture, (await stat(argv.capture)).size, a);
  if (argv.json || argv.format === 'json') await L.write(process.stdout, JSON.stringify(j, null, 2) + '\n');
  else await L.write(process.stdout, L.formatSavedInfo(j).split('\n').map(sanitize).join('\n'));
  return 0;
}

/**
 * The TUI module, with React's production build unless NODE_ENV says otherwise. Set before
 * the import: ui/index.js loads react/jsx-runtime, which picks its build (and React's) when
 * first loaded. The development build (NODE_ENV unset) checks every render: the full view
 * took 1.64x the text report's time with it, 1.31x without (scripts/bench-tui.py, issue 14).
 * The built CLI (scripts/postbuild.mjs) has the production build chosen when it was bundled;
 * the in-process UI tests (src, NODE_ENV=test) keep React's checks.
 */
function importTui(): Promise<typeof import('./ui/index.js')> {
  const env = process.env; // not process.env.NODE_ENV itself: the bundler replaces that expression
  env.NODE_ENV ??= 'production';
  return import('./ui/index.js');
}

async function runPool(argv: PoolArgs & FindingArgs & { capture: string; format?: string; top?: number }): Promise<number> {
  const poolOptions = poolOptionsFrom(argv);
  checkNumber('top', argv.top, (v) => Number.isSafeInteger(v) && v >= 0, 'a whole number >= 0');
  await loadLib();
  const a = await load(argv.capture, stderrProgress(), findingOptionsFrom(argv), true);
  clearProgress();
  const all = L.allRows(a);
  if (argv.format === 'json') {
    // Every destination (the document is for scripts), each written to a temporary file as it is
    // simulated and copied into the document in its order: a scan of a million addresses.
    const w = new L.DestinationsJsonWriter();
    try {
      const dig = L.destinationDigest(all, { top: 0, poolOptions, onPool: (p, s) => w.add(p, s.setupMs.total) });
      await w.writeTo(new L.DocumentWriter(process.stdout), dig.pool);
    } finally {
      w.close();
    }
  } else {
    // The top of the table, with totals over every destination: one destination at a time (a scan of a million addresses).
    const dig = L.destinationDigest(all, { top: argv.top ?? DEFAULT_TOP, poolOptions });
    const text = L.formatPoolReport(dig.pool, dig.poolRows.map((r) => r.stats), {
      width: outputWidth(),
      setupTotalMs: dig.poolSetupTotalMs,
      more: dig.simulated - dig.poolRows.length,
    });
    const notes = L.poolingFindingLines(L.poolingFindings(all)).flatMap((l) => L.wrap(`note: ${l}`, outputWidth(), '  '));
    await L.write(process.stdout, text + notes.map((l) => `${l}\n`).join(''));
  }
  printWarnings(a);
  return damageExit(a);
}

async function runCompare(argv: { before: string; after: string; format?: string; top?: number }): Promise<number> {
  checkNumber('top', argv.top, (v) => Number.isSafeInteger(v) && v >= 0, 'a whole number >= 0');
  await loadLib();
  if (argv.format === undefined && process.stdout.isTTY) {
    // On a terminal: both read first, then the TUI on the "after" capture, opened on the comparison view.
    const before = await load(argv.before, stderrProgress());
    const after = await load(argv.after, stderrProgress());
    clearProgress();
    const { runTui } = await importTui();
    return runTui({
      title: tuiTitle(argv.after),
      load: async () => after,
      initialView: 'compare',
      // The first destinations the UI lists at this --memory (the totals count all): two scans of a million addresses.
      comparison: L.compareDigest(before, after, { top: tuiDestinations(runMemory) }),
    });
  }
  const before = await load(argv.before, undefined, {}, true);
  const after = await load(argv.after, undefined, {}, true);
  if (argv.format === 'json') {
    // Every destination, each written to a temporary file as it is compared and copied out in order.
    const w = new L.DestinationsJsonWriter();
    try {
      const c = L.compareDigest(before, after, { top: 0, onRow: (r, weight) => w.add(r, weight) });
      const { destinationCount: _n, ...doc } = c;
      await w.writeTo(new L.DocumentWriter(process.stdout), doc);
    } finally {
      w.close();
    }
  } else {
    const c = L.compareDigest(before, after, { top: argv.top ?? DEFAULT_TOP });
    const { destinationCount, ...doc } = c;
    await L.write(process.stdout, L.formatComparison(doc, { width: outputWidth(), more: destinationCount - doc.destinations.length }));
  }
  return Math.max(damageExit(before), damageExit(after));
}

const keylogOpt = {
  keylog: {
    type: 'string',
    describe: 'Decrypt TLS with an NSS key log (SSLKEYLOGFILE format); "env" reads the file named by $SSLKEYLOGFILE',
  },
} as const;

const memoryOpt = {
  memory: {
    type: 'number',
    describe: `Memory ceiling, MiB: the caps on open connections, held bytes, the rows the reports and the terminal UI count and the records a live terminal UI keeps scale with it (default ${DEFAULT_MEMORY_MIB})`,
  },
} as const;

/** Smallest --memory accepted, MiB (the process itself takes ~60). */
export const MIN_MEMORY_MIB = 64;

/** Reads --keylog (if given) and --memory, then runs the command. */
const withRunOptions =
  <A,>(f: (a: A) => Promise<number>) =>
  async (a: A & { keylog?: string; memory?: number }): Promise<number> => {
    checkNumber('memory', a.memory, (v) => Number.isFinite(v) && v >= MIN_MEMORY_MIB, `a number of MiB >= ${MIN_MEMORY_MIB}`);
    runMemory = a.memory;
    await readKeyLogOption(a.keylog);
    return f(a);
  };

const poolOpts = {
  'pool-idle': { type: 'number', describe: 'Simulated pool idle timeout, seconds (default 60)' },
  'pool-size': { type: 'number', describe: 'Simulated pool size per destination (default: observed peak concurrency)' },
  'min-saved-ms': { type: 'number', describe: "With --rtt: verdict 'pool' needs at least this much setup saved per request at that RTT, ms (default 1)" },
  'min-saved-share': { type: 'number', describe: "…and at least this share of all connection time, percent (default 5)" },
  rtt: {
    type: 'number',
    describe: 'Project setup cost at this round-trip time, ms (default: the capture\'s median RTT and 1, 20, 100 ms)',
  },
} as const;

/**
 * yargs re-parses a positional '-' as an option with an empty name, so the
 * conventional "read standard input" argument is swapped for a token it leaves
 * alone, and swapped back before use.
 */
const STDIN_TOKEN = ':stdin:';
const inputPath = (p: string): string => (p === STDIN_TOKEN ? '-' : p);

/** What a bare `handshake-lens` prints: the commands in a few lines. */
export const SHORT_USAGE = `usage: handshake-lens <capture> [--format text|json|ndjson|protobuf|tui] [--rtt MS]
       handshake-lens info <capture> [--format json]
       handshake-lens pool <capture> [--rtt MS] [--pool-idle S] [--pool-size N]
       handshake-lens compare <before> <after>
Run handshake-lens --help for every option.
`;

const COMMANDS = new Set(['info', 'pool', 'compare']);

const followOpt = {
  follow: {
    type: 'boolean',
    describe: 'Keep reading at the end of a capture file still being written (like tail -f) until Ctrl-C',
  },
} as const;

const jsonOpt = { json: { type: 'boolean', describe: 'Same as --format json' } } as const;

/**
 * Options that take no value: the argument after one of them is not its value.
 * Read from the option tables the commands are built from (an option given
 * inline to yargs is not seen here; test/cli/cli.test.ts puts every
 * `[boolean]` of the --help between captures), plus yargs' own.
 */
const FLAGS_WITHOUT_VALUE: ReadonlySet<string> = new Set([
  'help',
  'version',
  'h',
  ...[findingOpts, keylogOpt, memoryOpt, poolOpts, followOpt, jsonOpt].flatMap((table) =>
    Object.entries(table as Record<string, { type: string }>)
      .filter(([, spec]) => spec.type === 'boolean')
      .map(([name]) => name),
  ),
]);

/** The arguments that are neither options nor an option's value (`--rtt 30`: not 30). */
function positionals(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.startsWith('-') && a !== '-') {
      const name = a.replace(/^-+/, '');
      if (!name.includes('=') && !FLAGS_WITHOUT_VALUE.has(name) && !name.startsWith('no-')) i++;
      continue;
    }
    out.push(a);
  }
  return out;
}

/** yargs' messages may span lines ("Invalid values:\n  Argument: ..."): one line, and a hint where one helps. */
export function usageMessage(msg: string, args: readonly string[]): string {
  const positional = positionals(args);
  if (/^Unknown argument/.test(msg) && positional.length >= 2 && !COMMANDS.has(positional[0]!)) {
    const files = positional.join(' ');
    if (positional.length === 2) return `two captures given (${files}): to compare them, run handshake-lens compare ${files}`;
    // Pieces of one capture (tcpdump -C / -G rotation) are read as one once joined.
    return `${positional.length} captures given: handshake-lens reads one capture; to read them as one, join them first: mergecap -w merged.pcapng ${files}`;
  }
  const flat = msg.replace(/\s*\n\s*/g, ' ').trim();
  // yargs: 'Invalid values: Argument: format, Given: "xml", Choices: "text", "json"' -> plain words.
  const choice = /^Invalid values: Argument: ([\w-]+), Given: (.*?), Choices: (.*)$/.exec(flat);
  if (choice) return `--${choice[1]} must be one of ${choice[3]!.replace(/"/g, '')}; got ${choice[2]}`;
  return flat;
}

export async function main(rawArgs: string[]): Promise<number> {
  if (rawArgs.length === 0) {
    process.stderr.write(SHORT_USAGE);
    return 2;
  }
  const args = rawArgs.map((a) => (a === '-' ? STDIN_TOKEN : a));
  let code = 0;
  const set = async (p: Promise<number>): Promise<void> => {
    code = await p;
  };
  // Imported here, not at the top: a terminal UI's first frame is on screen before (earlyFirstFrame).
  const { default: yargs } = await import('yargs');
  const cli = (yargs(args) as Argv)
    .scriptName('handshake-lens')
    .usage('$0 <capture> — what every TCP/TLS connection cost before its first byte of data')
    .command(
      '$0 <capture>',
      'Analyse a capture (pcap, pcapng, gzip or lz4, - for stdin) or a saved .hlpb analysis',
      (y) =>
        y
          .positional('capture', { type: 'string', demandOption: true, describe: 'capture file, or - for stdin' })
          .option('format', {
            alias: 'f',
            choices: ['text', 'json', 'ndjson', 'protobuf', 'tui'] as const,
            describe: 'Output format (default: tui on a terminal, text otherwise)',
          })
          .option('top', { type: 'number', describe: 'Text report: rows per table' })
          .options(keylogOpt)
          .options(memoryOpt)
          .options(followOpt)
          .options(poolOpts)
          .options(findingOpts),
      (argv) => set(withRunOptions(runMain)({ ...(argv as Parameters<typeof runMain>[0]), capture: inputPath(argv.capture) })),
    )
    .command(
      'info <capture>',
      'Capture facts: format, link types, frames, time span, IPv4/IPv6/TCP counts, problems',
      (y) =>
        y
          .positional('capture', { type: 'string', demandOption: true })
          .option('format', { alias: 'f', choices: ['text', 'json'] as const, describe: 'Output format (default text)' })
          .options(jsonOpt),
      // No --keylog: info describes the file, and a key log changes none of its figures.
      (argv) => set(withRunOptions(runInfo)({ ...(argv as Parameters<typeof runInfo>[0]), capture: inputPath(argv.capture) })),
    )
    .command(
      'pool <capture>',
      'Would connection pooling (keep-alive) pay off? Per destination and in total',
      (y) =>
        y
          .positional('capture', { type: 'string', demandOption: true })
          .option('format', { alias: 'f', choices: ['text', 'json'] as const })
          .option('top', { type: 'number', describe: `Text: destinations shown, largest setup first (default ${DEFAULT_TOP}; the totals count all)` })
          .options(keylogOpt)
          .options(memoryOpt)
          .options(poolOpts)
          .options(findingOpts),
      (argv) => set(withRunOptions(runPool)({ ...(argv as Parameters<typeof runPool>[0]), capture: inputPath(argv.capture) })),
    )
    .command(
      'compare <before> <after>',
      'Compare two captures (or saved analyses) of the same workload',
      (y) =>
        y
          .positional('before', { type: 'string', demandOption: true })
          .positional('after', { type: 'string', demandOption: true })
          .option('format', { alias: 'f', choices: ['text', 'json'] as const })
          .option('top', { type: 'number', describe: `Text: destinations shown, largest setup first (default ${DEFAULT_TOP}; the totals count all)` })
          .options(keylogOpt)
          .options(memoryOpt),
      (argv) =>
        set(withRunOptions(runCompare)({ ...(argv as Parameters<typeof runCompare>[0]), before: inputPath(argv.before), after: inputPath(argv.after) })),
    )
    .strict()
    .help()
    .version(packageVersion() || 'unknown')
    .wrap(Math.min(100, process.stdout.columns || 80))
    .fail((msg, err) => {
      throw err ?? new UsageError(usageMessage(msg ?? 'wrong command line', rawArgs));
    });
  await cli.parseAsync();
  return code;
}

/**
 * How much V8 may grow its heap past the live data between full collections,
 * in percent. By default it grows it up to 4× (its factor rises as collections
 * get cheap relative to the work between them): 80 MB of open connections in
 * a SYN flood peaked at 446 MiB RSS, ~400 MB of kept records at 2,515 MiB. At
 * 1.5× the same runs peak at 249 and 745 MiB — but for 20 % more CPU on an
 * ordinary capture (1.2 GB of HTTPS, whose live heap stays under 90 MiB:
 * collections run more often for memory it never needed). So the bound is set
 * when an analysis starts holding many connections at once
 * (AnalyzeOptions.onManyConnections: 20,000 open or 50,000 kept records),
 * early enough that the heap has not grown yet; a --heap-growing-percent
 * given to node wins.
 */
export const HEAP_GROWING_PERCENT = 50;

/**
 * The bound for protobuf output from the start (3× the live heap, not V8's up
 * to 4×): protobufjs encodes each record through an object per field, and at
 * that allocation rate V8 grew the heap of big.pcap's run to 146 MB over a
 * live set of ~40 MB, peaking at 212–258 MiB RSS in 12 runs. At 200 %: 181–189
 * MiB for the same CPU (8 + 8 alternating runs: −2.2 %, faster in 4 of 8
 * pairs). Not set for NDJSON, where it cost +3 % CPU for 214 → 179 MiB.
 */
export const PROTOBUF_HEAP_GROWING_PERCENT = 200;

function boundHeapGrowth(percent = HEAP_GROWING_PERCENT): void {
  if (process.execArgv.some((a) => /heap[-_]growing[-_]percent/.test(a))) return;
  v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
}

/** The terminal UI's title for a capture: its file name, or "stdin"; the early first frame shows the same. */
function tuiTitle(path: string): string {
  return path === '-' ? 'stdin' : sanitize(basename(path));
}

/**
 * The terminal UI's plain first frame, before yargs and the rest are loaded
 * (yargs takes ~0.15 s of CPU to import): only for the one command line that
 * certainly opens the UI on a capture file, `handshake-lens FILE` with no
 * option, on a terminal (stdout and stdin). Anything else waits for yargs.
 */
function earlyFirstFrame(args: readonly string[]): void {
  if (args.length !== 1 || !process.stdout.isTTY || !tty.isatty(0)) return;
  const path = args[0]!;
  if (path === '' || path.startsWith('-') || COMMANDS.has(path)) return;
  showFirstFrame(process.stdout, tuiTitle(path), false);
}

async function run(): Promise<void> {
  let code: number;
  const args = process.argv.slice(2);
  try {
    earlyFirstFrame(args);
    code = await main(args);
  } catch (e) {
    leaveFirstFrame(); // the error is printed on the user's screen, not on the alternate one
    if (e instanceof CaptureError || e instanceof KeyLogError) {
      process.stderr.write(`error: ${sanitize(e.message)}\n`);
      code = 2;
    } else if (e instanceof UsageError) {
      process.stderr.write(`error: ${sanitize(e.message)}\nRun handshake-lens --help for usage.\n`);
      code = 2;
    } else {
      const msg = e instanceof Error ? e.message : String(e);
      process.stderr.write(`error: ${sanitize(msg)}\n`);
      if (process.env.HANDSHAKE_LENS_DEBUG && e instanceof Error) {
        // The built CLI is a bundle: its source maps lead the trace back to src/.
        process.setSourceMapsEnabled(true);
        process.stderr.write(`${e.stack}\n`);
      }
      code = 1;
    }
  }
  process.exitCode = code;
  const pipe = process.env.HANDSHAKE_LENS_DEBUG ? pipeReport() : undefined;
  if (pipe !== undefined) process.stderr.write(`debug: ${pipe}\n`);
}

void run().finally(leaveFirstFrame);
