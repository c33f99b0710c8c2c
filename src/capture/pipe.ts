/**
 * Reading a pipe (`cat big.pcap | handshake-lens -`, `tcpdump -w - | …`).
 *
 * A Linux pipe holds 64 KiB. Through `process.stdin` every 64 KiB is one read,
 * one fresh Buffer and one turn of the parser, and the writer blocks each time
 * the pipe is full until the main thread gets round to the next read: on a
 * 1.18 GB capture that costs +26 % wall time against the same file read by name
 * (README, Performance). Two things fix most of it:
 *
 * - `pipeChunks`: reads on libuv's thread pool (`fs.read`) into two reused
 *   buffers. The buffer not handed out is filled at increasing offsets while the
 *   parser works, so a chunk carries every write the pipe saw meanwhile. A
 *   chunk is handed out as soon as the parser asks and anything is there: a
 *   live pipe's frames are not held back waiting for a full buffer.
 * - `enlargePipe`: asks the kernel for a 1 MiB pipe (`F_SETPIPE_SZ`). Node has
 *   no `fcntl`; the pipe's size belongs to the pipe, not to a descriptor, so a
 *   child that inherits the same stdin can set it. The child is `perl` (part of
 *   every Debian/Ubuntu base system); without perl, or off Linux, or when the
 *   kernel refuses (a user's pipe-buffer quota), the pipe stays 64 KiB and only
 *   the first part applies. A bigger pipe also lets tcpdump write through our
 *   pauses (a GC) instead of blocking on a full pipe.
 */
import { spawn } from 'node:child_process';
import { closeSync, constants as fsConstants, existsSync, openSync, read as fsRead, readFileSync, writeSync } from 'node:fs';

/** Reads into `buf` at `offset`, at most `length` bytes; resolves with the count (0 at the end). */
export type ReadAt = (buf: Buffer, offset: number, length: number) => Promise<number>;

/** A pipe read on the thread pool: `read`, and how to free a thread blocked in it. */
export interface PipeSource {
  read: ReadAt;
  /**
   * Make a read blocked on a silent pipe return. A thread-pool read cannot be
   * cancelled, and one left blocked keeps the process alive, and hangs even
   * `process.exit` (libuv joins its threads at exit).
   */
  unblock(): void;
}

/** Sources with a read in flight (one at most each), to free at exit (process.exit from anywhere: EPIPE, a second SIGINT). */
const blocked = new Set<PipeSource>();
let exitHook = false;

/** Reads issued and not settled yet, over every pipe reader (tests). */
export function pipeReadsInFlight(): number {
  return blocked.size;
}

/** What happened to the pipe read last (for HANDSHAKE_LENS_DEBUG's line and tests). */
const seen = { used: false, size: 0, fellBack: false, enlarging: 'not tried' };

/** One line on how stdin's pipe was read, or undefined when no pipe was read. */
export function pipeReport(): string | undefined {
  if (!seen.used) return undefined;
  const size = seen.size > 0 ? `made ${seen.size / 1024} KiB` : `not made larger (${seen.enlarging})`;
  return `stdin is a pipe, ${size}, read ${seen.fellBack ? 'through process.stdin (non-blocking)' : 'on the thread pool'}`;
}

export interface PipeChunks {
  /**
   * The pipe's bytes in chunks of at most `chunkSize` (see the top). A chunk is
   * valid until the next one is asked for. When a read fails with EAGAIN (a
   * descriptor left non-blocking by whoever opened it) the rest comes through
   * `fallback()`, from where the reads stopped.
   */
  chunks: AsyncGenerator<Buffer | string, void, undefined>;
  /**
   * No more reads: `chunks` ends (also while it waits for bytes), and a read
   * still blocked is freed (`unblock`); its bytes are dropped.
   */
  stop(): void;
}

export function pipeChunks(src: PipeSource, chunkSize: number, fallback: () => AsyncIterator<Buffer | string>): PipeChunks {
  const bufs = [Buffer.allocUnsafe(chunkSize), Buffer.allocUnsafe(chunkSize)];
  let filling = 0; // the buffer being filled; the other is the caller's
  let filled = 0;
  let ended = false;
  let failure: { e: unknown } | undefined;
  let pending = false;
  let closed = false;
  let wake: (() => void) | undefined;
  seen.used = true;
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => {
      for (const b of blocked) b.unblock();
    });
  }

  const pump = (): void => {
    if (pending || ended || failure || closed || filled >= chunkSize) return;
    pending = true;
    blocked.add(src);
    const target = filling;
    const at = filled;
    src.read(bufs[target]!, at, chunkSize - at).then(
      (n) => settle(undefined, n, target, at),
      (e: unknown) => settle(e, 0, target, at),
    );
  };
  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const settle = (e: unknown, n: number, target: number, at: number): void => {
    pending = false;
    blocked.delete(src);
    if (closed) return;
    if (e !== undefined) failure = { e };
    else if (n === 0) ended = true;
    else if (target === filling) filled += n;
    else {
      // The part before `at` was handed out while this read waited: its bytes
      // belong at the start of the buffer being filled now.
      bufs[target]!.copy(bufs[filling]!, filled, at, at + n);
      filled += n;
    }
    pump();
    notify();
  };

  async function* chunks(): AsyncGenerator<Buffer | string, void, undefined> {
    try {
      pump();
      for (;;) {
        while (filled === 0 && !ended && !failure && !closed) await new Promise<void>((resolve) => (wake = resolve));
        if (closed) return;
        if (filled > 0) {
          const out = bufs[filling]!.subarray(0, filled);
          filling ^= 1;
          filled = 0;
          pump();
          yield out;
          continue;
        }
        if (ended) return;
        if ((failure!.e as { code?: string }).code !== 'EAGAIN') throw failure!.e;
        seen.fellBack = true;
        const rest = fallback();
        for (;;) {
          const r = await rest.next();
          if (r.done) return;
          yield r.value;
        }
      }
    } finally {
      stop();
    }
  }
  function stop(): void {
    if (closed) return;
    closed = true;
    if (pending) src.unblock();
    notify();
  }
  return { chunks: chunks(), stop };
}

/**
 * Whether a read blocked on descriptor `fd` can be freed (fdPipeSource's unblock):
 * only where /proc/self/fd opens the pipe itself (Linux). Elsewhere a pipe is read
 * through process.stdin, whose reads can be stopped.
 */
export function canFreeBlockedRead(fd: number): boolean {
  return process.platform === 'linux' && existsSync(`/proc/self/fd/${fd}`);
}

/**
 * Descriptor `fd` (a pipe) read from its current position. A blocked read is
 * freed by writing one byte into the pipe through /proc/self/fd (Linux opens
 * the pipe itself there, a second write end): the blocked read returns it and
 * it is dropped. Without /proc nothing is done, and a silent writer holds the
 * process until it writes or closes.
 */
export function fdPipeSource(fd: number): PipeSource {
  return {
    read: (buf, offset, length) =>
      new Promise((resolve, reject) => {
        fsRead(fd, buf, offset, length, null, (e, n) => (e ? reject(e) : resolve(n)));
      }),
    unblock() {
      try {
        const w = openSync(`/proc/self/fd/${fd}`, fsConstants.O_WRONLY | fsConstants.O_NONBLOCK);
        try {
          writeSync(w, Buffer.of(0));
        } finally {
          closeSync(w);
        }
      } catch {
        // no /proc, or the pipe is full (then the read is not blocked)
      }
    },
  };
}

/** F_SETPIPE_SZ in Linux's <fcntl.h> (F_LINUX_SPECIFIC_BASE + 7). */
const F_SETPIPE_SZ = 1031;
const WANTED_PIPE_SIZE = 1024 * 1024;

/**
 * Ask for a `WANTED_PIPE_SIZE` pipe behind descriptor `fd` (see the top); never
 * fails and is not waited for. How it went is in pipeReport().
 */
export function enlargePipe(fd: number): void {
  if (process.platform !== 'linux') {
    seen.enlarging = 'not Linux';
    return;
  }
  seen.enlarging = 'perl had not answered yet';
  let size = WANTED_PIPE_SIZE;
  try {
    // An unprivileged process may not go above this (1 MiB by default).
    const max = Number(readFileSync('/proc/sys/fs/pipe-max-size', 'utf8'));
    if (Number.isInteger(max) && max >= 65536) size = Math.min(size, max);
  } catch {
    // no /proc: try the default
  }
  try {
    const child = spawn('perl', ['-e', `exit(defined(fcntl(STDIN, ${F_SETPIPE_SZ}, ${size})) ? 0 : 1)`], {
      stdio: [fd, 'ignore', 'ignore'],
    });
    child.once('error', (e: NodeJS.ErrnoException) => {
      seen.enlarging = e.code === 'ENOENT' ? 'no perl' : `perl: ${e.code ?? e.message}`;
    });
    child.once('exit', (code) => {
      if (code === 0) seen.size = size;
      else seen.enlarging = `the kernel refused ${size} bytes`;
    });
    child.unref();
  } catch (e) {
    seen.enlarging = `perl: ${(e as Error).message}`;
  }
}
