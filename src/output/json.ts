/**
 * JSON and NDJSON output. The document is written piece by piece so a large
 * analysis never becomes one giant string.
 */
import type { Analysis, Summary } from '../report/types.js';
import type { ConnectionRecord } from '../timeline/types.js';
import type { RecordSpill } from './spill.js';
import { fstatSync } from 'node:fs';
import { isatty } from 'node:tty';
import { writeAllSync } from './fd.js';

/** One connection per line. */
export function ndjsonLine(c: ConnectionRecord): string {
  return JSON.stringify(c) + '\n';
}

/**
 * Writes `{ "capture", "connections", "summary" }` in pieces; returns when all
 * is flushed. With `spill` (the records written to a temporary file as they
 * finished: spill.ts) the connections are copied from it, in id order with
 * late findings patched in; otherwise they are `a.connections`.
 */
export async function writeJsonDocument(
  out: NodeJS.WritableStream,
  a: Analysis,
  summary: Summary,
  extra: Record<string, unknown> = {},
  spill?: RecordSpill,
): Promise<void> {
  const doc = new DocumentWriter(out);
  await doc.put('{"capture":' + JSON.stringify(a.capture) + ',"connections":[');
  let first = true;
  const texts = spill !== undefined && a.rows !== undefined ? spill.records() : (function* () {
    for (const c of a.connections) yield JSON.stringify(c);
  })();
  for (const text of texts) {
    await doc.put(first ? '\n' : ',\n');
    await doc.put(text);
    first = false;
  }
  let tail = '\n],"summary":' + JSON.stringify(summary);
  for (const [k, v] of Object.entries(extra)) tail += ',' + JSON.stringify(k) + ':' + JSON.stringify(v);
  await doc.put(tail + '}\n');
  await doc.flush();
}

/** The file descriptor of a stream writing to a regular file (stdout redirected to a file) or to a device such as /dev/null, else undefined. */
export function directWriteFd(out: NodeJS.WritableStream): number | undefined {
  const fd = (out as { fd?: unknown }).fd;
  if (typeof fd !== 'number') return undefined;
  try {
    // A character device that is not a terminal (/dev/null) is written by Node's synchronous
    // file stream too: 1M records to /dev/null peaked at 1.8 GB through the stream.
    const st = fstatSync(fd);
    return st.isFile() || (st.isCharacterDevice() && !isatty(fd)) ? fd : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The document's text encoded into 1 MiB pieces. Into a regular file (stdout
 * redirected) one piece is reused and written with writeSync: a new piece per
 * write, handed to Node's synchronous file stream, was freed so late that 1M
 * records of a JSON document peaked at 1.8 GB RSS (1.3 GB for the same bytes
 * written to a pipe: 120 MB). Other streams get a new piece each time (a
 * stream may keep the chunk until it is written).
 */
export class DocumentWriter {
  private piece = Buffer.allocUnsafe(1 << 20);
  private used = 0;
  private readonly fd: number | undefined;
  constructor(private readonly out: NodeJS.WritableStream) {
    this.fd = directWriteFd(out);
  }

  async put(s: string): Promise<void> {
    const most = s.length * 3;
    if (this.used + most > this.piece.length) await this.flush();
    if (most > this.piece.length) {
      await this.send(Buffer.from(s));
      return;
    }
    this.used += this.piece.write(s, this.used);
  }

  /** Bytes as they are (already UTF-8). */
  async putBytes(b: Uint8Array): Promise<void> {
    if (this.used + b.length > this.piece.length) await this.flush();
    if (b.length > this.piece.length) {
      await this.send(b);
      return;
    }
    this.piece.set(b, this.used);
    this.used += b.length;
  }

  async flush(): Promise<void> {
    if (this.used === 0) return;
    const b = this.piece.subarray(0, this.used);
    this.used = 0;
    await this.send(b);
    if (this.fd === undefined) this.piece = Buffer.allocUnsafe(1 << 20);
  }

  private async send(b: Uint8Array): Promise<void> {
    if (this.fd === undefined) return write(this.out, b);
    writeAllSync(this.fd, b, 0, b.length);
  }
}

/**
 * Collects output lines and writes them in large pieces: one write per line
 * costs more than producing the line. Lines are encoded (UTF-8) straight into
 * a byte buffer as they come, and each full buffer is handed to the stream
 * as it is (a new buffer is started, so a stream that keeps the chunk keeps a
 * valid one): no joined string per piece, no second encoding in the stream
 * (issue 14). `flush` at the end.
 *
 * With `reuse` (process.stdout: not for a PassThrough, whose reader gets the chunk
 * itself later), into a regular file or a device such as /dev/null one buffer is
 * written with writeSync and filled again, as DocumentWriter does; into anything else
 * a piece's buffer is filled again once the stream has called back for its write. Into
 * a pipe, every queued piece had outlived a scavenge: new 1 MiB buffers waited in the
 * old generation for a full collection, ~45 MB of them (NDJSON of a scan of a million
 * addresses into `| cat`: 40-57 MB of ArrayBuffers against 9-14 MB into a file). Into
 * /dev/null, waiting for the callbacks did the same to the pieces of one chunk's burst
 * (1M SYNs: 200 -> 241-246 MiB, +8 % CPU), hence writeSync there.
 */
export class LineBatcher {
  private buf: Buffer;
  private used = 0;
  /** Buffers the stream has written (reuse), ready to be filled again. */
  private readonly spare: Buffer[] = [];
  /** With `reuse`, the descriptor of a regular file or device, written with writeSync. */
  private readonly fd: number | undefined;
  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly limit = 1 << 20,
    private readonly opts: { reuse?: boolean } = {},
  ) {
    this.buf = Buffer.allocUnsafe(limit);
    this.fd = opts.reuse ? directWriteFd(out) : undefined;
  }

  push(line: string): void {
    // A UTF-16 code unit takes at most 3 bytes in UTF-8.
    const most = line.length * 3;
    if (this.used + most > this.buf.length) {
      this.flushSync();
      if (most > this.buf.length) {
        // Longer than a whole piece: as it is.
        if (this.fd !== undefined) {
          const b = Buffer.from(line);
          writeAllSync(this.fd, b, 0, b.length);
        } else this.out.write(line);
        return;
      }
    }
    this.used += this.buf.write(line, this.used);
    if (this.used >= this.limit) this.flushSync();
  }

  /**
   * Hands what is collected to the stream. Into a file it is written at once; into a pipe
   * it is queued, and the reading waits while more than OUTPUT_QUEUE_MAX is (outputBackpressure).
   */
  flushSync(): void {
    if (this.used === 0) return;
    if (this.fd !== undefined) {
      writeAllSync(this.fd, this.buf, 0, this.used);
      this.used = 0;
      return;
    }
    const whole = this.buf;
    const piece = this.take();
    if (this.opts.reuse) this.out.write(piece, () => this.recycle(whole));
    else this.out.write(piece);
  }

  /** Writes the rest and waits until the stream has taken it. */
  async flush(): Promise<void> {
    if (this.used === 0) return;
    if (this.fd !== undefined) this.flushSync();
    else await write(this.out, this.take());
  }

  /** The bytes collected, in a buffer that is no longer ours until the stream is done with it. */
  private take(): Buffer {
    const piece = this.buf.subarray(0, this.used);
    this.buf = this.spare.pop() ?? Buffer.allocUnsafe(this.limit);
    this.used = 0;
    return piece;
  }

  private recycle(b: Buffer): void {
    // As many as the queue holds while the reading waits for it (outputBackpressure), and two:
    // more come back only when more were queued at once, and those are let go.
    if (this.spare.length < Math.ceil(OUTPUT_QUEUE_MAX / this.limit) + 2) this.spare.push(b);
  }
}

/** Bytes an output stream may hold queued before the reading waits for it (outputBackpressure). */
export const OUTPUT_QUEUE_MAX = 8 << 20;

/**
 * The streaming outputs' backpressure, for AnalyzeOptions.pace: undefined while `out` holds
 * at most `max` bytes not yet written, else a promise settled when it has drained (or failed,
 * or closed: the write that fails then reports it). Records are written as connections close,
 * from inside the analysis; stdout to a pipe queued every one of them without bound (NDJSON of
 * a million SYNs into `| cat`: 1.5 GB), since the reading never waited for the pipe.
 */
export function outputBackpressure(out: NodeJS.WritableStream & { writableLength?: number }, max = OUTPUT_QUEUE_MAX): Promise<void> | undefined {
  if ((out.writableLength ?? 0) <= max) return undefined;
  return new Promise((resolve) => {
    const done = (): void => {
      out.removeListener('drain', done);
      out.removeListener('error', done);
      out.removeListener('close', done);
      resolve();
    };
    out.once('drain', done);
    out.once('error', done);
    out.once('close', done);
  });
}

/** Write respecting backpressure. */
export function write(out: NodeJS.WritableStream, s: string | Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    const ok = out.write(s, (err) => {
      if (err) reject(err);
    });
    if (ok) resolve();
    else out.once('drain', () => resolve());
  });
}
