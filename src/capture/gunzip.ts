/**
 * gzip decompression that overlaps with parsing (issue 14).
 *
 * zlib's stream API inflates on libuv's thread pool, off the main thread, but
 * each of its calls finishes (and the next starts) on the main thread's event
 * loop. What kept the main thread waiting: a lookahead of one chunk (the
 * Readable's 16 KiB high-water mark against 256 KiB chunks), and a parser that
 * took chunk after chunk without letting zlib's finished calls run. Here zlib
 * keeps up to LOOKAHEAD bytes inflated ahead (paused beyond), and the parser
 * yields to the event loop once per chunk while zlib works.
 *
 * Measured on the 1.1 GB bench file (session 9, 2 cores under load 8-10,
 * scripts/bench-threads.mjs, medians of 3-5 runs whose ranges overlap): the main
 * thread slept waiting for inflated data 4.1 s with this, 5.4 s without the
 * yield, 3.2 s with zlib in a worker thread; the worker cost ~1.5 s more CPU
 * (copies both ways, a second event loop) and 30-40 MiB more peak RSS (257-268
 * MiB, over issue 14's 256), so there is no worker.
 *
 * Memory stays bounded whatever the compression ratio: at most LOOKAHEAD plus
 * two chunks inflated and not yet parsed, one raw chunk written to zlib at a time.
 *
 * Errors keep their zlib code and message (Z_BUF_ERROR for a stream cut short,
 * Z_DATA_ERROR ...) and come after every byte zlib inflated before the damage:
 * what zlib still holds when it fails is handed out first. zlib is ended only
 * once the last raw chunk is consumed, so that chunk goes through without
 * Z_FINISH and a stream cut short gives all it holds (as zlib's one-shot
 * inflate with Z_SYNC_FLUSH), whatever the timing.
 */
import { createGunzip } from 'node:zlib';
import type { ZlibOptions } from 'node:zlib';

/**
 * Bytes of one inflated chunk. Also the most zlib drops when it meets damage: Node
 * hands out nothing of the call that failed, and a call fills at most one chunk.
 */
export const OUT_CHUNK = 256 * 1024;
/** Inflated bytes kept ahead of the parser before zlib is paused. */
export const LOOKAHEAD = 4 * 1024 * 1024;

/**
 * The inflated bytes of `first` and then of `raw`'s chunks (each copied as it
 * is written: raw chunks may be reused buffers). `onRaw` counts the raw bytes
 * as they are read. return() stops reading and destroys zlib.
 */
export function gunzipChunks(
  first: Buffer,
  rawDone: boolean,
  raw: AsyncIterator<Buffer | string>,
  onRaw: (n: number) => void,
): AsyncIterator<Buffer> & { return(): Promise<IteratorResult<Buffer>> } {
  // writableHighWaterMark (a stream option zlib passes on; not in ZlibOptions' type): its input is
  // not buffered up.
  const z = createGunzip({ chunkSize: OUT_CHUNK, writableHighWaterMark: 1 } as ZlibOptions);
  const queue: Buffer[] = [];
  let queued = 0;
  let ended = false;
  let failure: unknown;
  let stopped = false;
  let waiter: (() => void) | undefined;
  const wake = (): void => {
    const w = waiter;
    waiter = undefined;
    w?.();
  };
  z.on('data', (b: Buffer) => {
    queue.push(b);
    queued += b.length;
    if (queued >= LOOKAHEAD) z.pause();
    wake();
  });
  z.on('end', () => {
    ended = true;
    wake();
  });
  z.on('error', (e: unknown) => {
    // What zlib inflated before the damage and still holds (paused): handed out before the error.
    for (let b = z.read() as Buffer | null; b !== null; b = z.read() as Buffer | null) {
      queue.push(b);
      queued += b.length;
    }
    if (failure === undefined) failure = e;
    wake();
  });

  /** Resolves when zlib has consumed `b` (or failed). */
  const write = (b: Buffer): Promise<void> =>
    new Promise((resolve) => {
      z.write(b, () => resolve());
    });
  const feed = async (): Promise<void> => {
    let last = write(first);
    if (!rawDone) {
      for (;;) {
        await last; // one raw chunk in zlib at a time; the next read is already in flight (fileChunks, streams)
        if (stopped || failure !== undefined) return;
        const r = await raw.next();
        if (stopped || failure !== undefined) return;
        if (r.done) break;
        const b = typeof r.value === 'string' ? Buffer.from(r.value, 'latin1') : r.value;
        onRaw(b.length);
        last = write(Buffer.from(b));
      }
    }
    await last;
    if (!stopped && failure === undefined) z.end();
  };
  feed().catch((e: unknown) => {
    // A read error of the raw bytes: what zlib inflated so far is handed out first.
    if (failure === undefined) failure = e;
    wake();
  });

  return {
    async next(): Promise<IteratorResult<Buffer>> {
      for (;;) {
        if (queue.length > 0 && !z.isPaused() && !ended && failure === undefined) {
          // zlib's calls finish on the main thread's event loop: let the ones that are done
          // run (each starts the next) before parsing on, or zlib waits for the parser.
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
        const b = queue.shift();
        if (b !== undefined) {
          queued -= b.length;
          if (queued < LOOKAHEAD && z.isPaused() && failure === undefined) z.resume();
          return { done: false, value: b };
        }
        if (failure !== undefined) throw failure;
        if (ended || stopped) return { done: true, value: undefined };
        await new Promise<void>((resolve) => (waiter = resolve));
      }
    },
    return(): Promise<IteratorResult<Buffer>> {
      if (!stopped) {
        stopped = true;
        z.destroy();
        wake();
      }
      return Promise.resolve({ done: true, value: undefined });
    },
  };
}
