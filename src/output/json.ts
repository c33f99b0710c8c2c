/**
 * JSON and NDJSON output. The document is written piece by piece so a large
 * analysis never becomes one giant string.
 */
import type { Analysis, Summary } from '../report/types.js';
import type { ConnectionRecord } from '../timeline/types.js';

/** One connection per line. */
export function ndjsonLine(c: ConnectionRecord): string {
  return JSON.stringify(c) + '\n';
}

/** Writes `{ "capture", "connections", "summary" }` in pieces; returns when all is flushed. */
export async function writeJsonDocument(
  out: NodeJS.WritableStream,
  a: Analysis,
  summary: Summary,
  extra: Record<string, unknown> = {},
): Promise<void> {
  let buf = '{"capture":' + JSON.stringify(a.capture) + ',"connections":[';
  for (let i = 0; i < a.connections.length; i++) {
    buf += (i === 0 ? '\n' : ',\n') + JSON.stringify(a.connections[i]);
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
 * costs more than producing the line. `flush` at the end.
 */
export class LineBatcher {
  private parts: string[] = [];
  private size = 0;
  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly limit = 1 << 20,
  ) {}

  push(line: string): void {
    this.parts.push(line);
    this.size += line.length;
    if (this.size >= this.limit) this.flushSync();
  }

  /** Hands what is collected to the stream (stdout to a file or pipe writes synchronously on Linux). */
  flushSync(): void {
    if (this.parts.length === 0) return;
    this.out.write(this.parts.join(''));
    this.parts = [];
    this.size = 0;
  }

  /** Writes the rest and waits until the stream has taken it. */
  async flush(): Promise<void> {
    const rest = this.parts.join('');
    this.parts = [];
    this.size = 0;
    if (rest.length > 0) await write(this.out, rest);
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
