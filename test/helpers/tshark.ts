/**
 * tshark for the tests: its output for a command line, from the committed store
 * of tshark's outputs (test/golden/tshark/, written by `npm run golden:tshark`
 * with tshark 4.0, like every golden file) when it holds that command line,
 * else from tshark itself (and kept in a cache under the system's temporary
 * directory for the next run).
 *
 * Nothing in the store comes from handshake-lens: each entry is what tshark
 * printed (stdout, stderr, exit status) for one command line on one capture
 * (command lines without a capture, and outputs over MAX_STORED, are not kept).
 * Its key is the command line with the capture named by the SHA-256 of its
 * bytes (and any other file an option names, such as a TLS key log, the same
 * way), so an entry never answers for a changed capture or option: a changed
 * one is a miss and tshark runs.
 *
 * Why: about a third of the suite's time was tshark processes (488 runs in one
 * full run), most of them the same command lines on the same fixtures every
 * time; a fresh clone (CI) has no cache.
 *
 * HL_TSHARK_STORE=write adds what it runs to the store (the regeneration:
 * `npm run golden:tshark` empties it and runs the suite so); HL_TSHARK_STORE=check
 * runs tshark for every command line the suite asks and fails where the store's
 * entry differs (`npm run golden:tshark:check`); HL_TSHARK_STORE=off ignores the
 * store and the cache (every answer from tshark).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';

const ROOT = resolve(import.meta.dirname ?? __dirname, '../..');
/** The committed store. */
export const STORE = join(ROOT, 'test/golden/tshark');
/** Between runs on one machine (mutation testing runs the suites once per mutant). */
const CACHE = join(tmpdir(), 'handshake-lens-tshark-store-cache');
const MODE = process.env.HL_TSHARK_STORE ?? '';
/**
 * Largest entry kept in the store, compressed: a few outputs (tshark -G, whole
 * JSON dissections of the larger fixtures) are most of the bytes and a small
 * part of the time; they stay in the cache only.
 */
const MAX_STORED = 128 * 1024;

export interface TsharkResult {
  stdout: string;
  stderr: string;
  status: number | null;
}

const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

let binary: string | undefined;
/**
 * The tshark that runs (path, size, modification time), part of the cache's key:
 * an upgraded tshark is not answered from an older one's outputs. (The store's
 * entries are tshark 4.0's by design; `npm run golden:tshark:check` compares.)
 */
function tsharkBinary(): string {
  if (binary !== undefined) return binary;
  binary = 'tshark';
  for (const dir of (process.env.PATH ?? '').split(':')) {
    try {
      const st = statSync(join(dir, 'tshark'));
      binary = `${join(dir, 'tshark')}:${st.size}:${st.mtimeMs}`;
      break;
    } catch {
      // not in this directory
    }
  }
  return binary;
}

/** An absolute path an argument names (`-r FILE`'s FILE, `tls.keylog_file:FILE`), if it is a file. */
function namedFile(arg: string): string | undefined {
  const m = /^(?:[\w.]+:)?(\/.+)$/.exec(arg);
  if (!m) return undefined;
  try {
    return statSync(m[1]!).isFile() ? m[1] : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The store's key for a command line: every file an argument names is replaced by
 * the hash of its bytes (a relative `-r` path is read from the working directory).
 * Also returns a readable description for the store's index.
 */
export function storeKey(args: readonly string[]): { key: string; line: string } {
  const keyed: string[] = [];
  const shown: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const readPath = args[i - 1] === '-r' ? (isAbsolute(a) ? a : resolve(a)) : undefined;
    const file = readPath ?? namedFile(a);
    if (file === undefined) {
      keyed.push(a);
      shown.push(a);
      continue;
    }
    const prefix = readPath !== undefined ? '' : a.slice(0, a.length - file.length);
    keyed.push(`${prefix}<sha256:${sha(readFileSync(file))}>`);
    const rel = relative(ROOT, file);
    shown.push(prefix + (rel.startsWith('..') ? `<tmp>/${file.split('/').pop()}` : rel));
  }
  return { key: sha(JSON.stringify(keyed)).slice(0, 32), line: JSON.stringify(shown) };
}

function encode(r: TsharkResult): Buffer {
  return gzipSync(Buffer.from(`${JSON.stringify({ status: r.status, stderr: r.stderr })}\n${r.stdout}`), { level: 9 });
}

function decode(b: Buffer): TsharkResult {
  const text = gunzipSync(b).toString('utf8');
  const nl = text.indexOf('\n');
  const head = JSON.parse(text.slice(0, nl)) as { status: number; stderr: string };
  return { status: head.status, stderr: head.stderr, stdout: text.slice(nl + 1) };
}

function writeAtomically(file: string, data: Buffer): void {
  const tmp = `${file}.${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

/**
 * tshark's stderr without what depends on the machine rather than the capture: the
 * warning about running as root, and the checkout's path (shown as <repo>).
 */
function portableStderr(text: string): string {
  return text
    .split('\n')
    .filter((l) => !/^Running as user /.test(l))
    .join('\n')
    .split(ROOT + '/')
    .join('<repo>/');
}

/** Runs tshark itself (no store, no cache). */
export function runTshark(args: readonly string[]): TsharkResult & { error?: Error } {
  const r = spawnSync('tshark', args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  return { stdout: r.stdout ?? '', stderr: portableStderr(r.stderr ?? ''), status: r.status, error: r.error };
}

/** tshark's stdout, stderr and exit status for these arguments (the capture given with -r). */
export function tshark(args: readonly string[]): TsharkResult {
  if (MODE === 'off') {
    const r = runTshark(args);
    if (r.error) throw r.error;
    return r;
  }
  const { key, line } = storeKey(args);
  const stored = join(STORE, `${key}.gz`);
  if (MODE === 'check') {
    const r = runTshark(args);
    if (r.error) throw r.error;
    if (existsSync(stored)) {
      const s = decode(readFileSync(stored));
      if (s.stdout !== r.stdout || s.stderr !== r.stderr || s.status !== r.status) {
        throw new Error(`test/golden/tshark/${key}.gz differs from tshark's output for ${line}: run npm run golden:tshark`);
      }
    }
    return { stdout: r.stdout, stderr: r.stderr, status: r.status };
  }
  if (MODE !== 'write' && existsSync(stored)) return decode(readFileSync(stored));
  const cached = join(CACHE, `${sha(key + tsharkBinary()).slice(0, 32)}.gz`);
  if (MODE !== 'write' && existsSync(cached)) return decode(readFileSync(cached));
  const r = runTshark(args);
  if (r.error) throw r.error;
  const result = { stdout: r.stdout, stderr: r.stderr, status: r.status };
  // A killed run (status null) says nothing about the capture: never kept.
  if (r.status !== null) {
    const data = encode(result);
    if (MODE === 'write' && args.includes('-r') && data.length <= MAX_STORED) {
      mkdirSync(STORE, { recursive: true });
      if (!existsSync(stored)) {
        writeAtomically(stored, data);
        appendFileSync(join(STORE, 'index.tsv'), `${key}\t${line}\n`);
      }
    } else {
      mkdirSync(CACHE, { recursive: true });
      writeAtomically(cached, data);
    }
  }
  return result;
}

/** tshark's stdout; throws on a non-zero exit status, as execFileSync('tshark', …) does. */
export function tsharkText(args: readonly string[]): string {
  const r = tshark(args);
  if (r.status !== 0) throw new Error(`tshark ${args.join(' ')} exited with ${r.status}: ${r.stderr.trim()}`);
  return r.stdout;
}
