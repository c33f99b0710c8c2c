/**
 * JSON and NDJSON output. The document is written piece by piece so a large
 * analysis never becomes one giant string.
 */
import type { Analysis, Summary } from '../report/types.js';
import type { ConnectionRecord } from '../timeline/types.js';

/** The `capture` section: exactly the documented names, plus extra facts. */
export function captureSection(a: Analysis): Analysis['capture'] {
  return a.capture;
}

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
  await write(out, '{"capture":' + JSON.stringify(captureSection(a)) + ',"connections":[');
  for (let i = 0; i < a.connections.length; i++) {
    await write(out, (i === 0 ? '\n' : ',\n') + JSON.stringify(a.connections[i]));
  }
  let tail = '\n],"summary":' + JSON.stringify(summary);
  for (const [k, v] of Object.entries(extra)) tail += ',' + JSON.stringify(k) + ':' + JSON.stringify(v);
  await write(out, tail + '}\n');
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
