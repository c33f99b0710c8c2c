/**
 * JSON and NDJSON output. The document is written piece by piece so a large
 * analysis never becomes one giant string.
 */
import type { Analysis, Summary } from '../report/types.js';
import type { ConnectionRecord } from '../timeline/types.js';
import type { RecordSpill } from './spill.js';

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
  let buf = '{"capture":' + JSON.stringify(a.capture) + ',"connections":[';
  let first = true;
  const texts = spill !== undefined && a.rows !== undefined ? spill.records() : (function* () {
    for (const c of a.connections) yield JSON.stringify(c);
  })();
  for (const text of texts) {
    buf += (first ? '\n' : ',\n') + text;
    first = false;
    if (buf.length >= 1 << 20) {
      await write(out, buf);
      buf = '';
    }
  }
  buf += '\n],"summary":' + JSON.stringify(summary);
  for (const [k, v] of Object.entries(extra)) buf += ',' + JSON.stringify(k) + ':' + JSON.stringify(v);
  await write(out, buf + '}\n');
}

/**
 * Collects output lines and writes them in large pieces: one write per line
 * costs more than producing the line. Lines are encoded (UTF-8) straight into
 * a byte buffer as they come, and each full buffer is handed to the stream
 * as it is (a new buffer is started, so a stream that keeps the chunk keeps a
 * valid one): no joined string per piece, no second encoding in the stream
 * (issue 14). `flush` at the end.
 */
export class LineBatcher {
  private buf: Buffer;
  private used = 0;
  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly limit = 1 << 20,
  ) {
    this.buf = Buffer.allocUnsafe(limit);
  }

  push(line: string): void {
    // A UTF-16 code unit takes at most 3 bytes in UTF-8.
    const most = line.length * 3;
    if (this.used + most > this.buf.length) {
      this.flushSync();
      if (most > this.buf.length) {
        this.out.write(line); // longer than a whole piece: as it is
        return;
      }
    }
    this.used += this.buf.write(line, this.used);
    if (this.used >= this.limit) this.flushSync();
  }

  /** Hands what is collected to the stream (stdout to a file or pipe writes synchronously on Linux). */
  flushSync(): void {
    if (this.used === 0) return;
    this.out.write(this.take());
  }

  /** Writes the rest and waits until the stream has taken it. */
  async flush(): Promise<void> {
    if (this.used > 0) await write(this.out, this.take());
  }

  /** The bytes collected, in a buffer that is no longer ours. */
  private take(): Buffer {
    const piece = this.buf.subarray(0, this.used);
    this.buf = Buffer.allocUnsafe(this.limit);
    this.used = 0;
    return piece;
  }
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
