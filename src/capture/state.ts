import type { CaptureMeta, Frame } from './types.js';

/**
 * Shared state of one read: the format readers deliver frames and problems
 * here; readCaptureStream turns it into the CaptureResult.
 */
export interface ReadState {
  /** Name used in messages: the path as given, or 'stdin'. */
  readonly name: string;
  readonly sink: (frame: Frame) => void;
  readonly meta: CaptureMeta;
  readonly warnings: string[];
  /** Fatal problem after the header: reading stops, frames before it stand. */
  error?: string;
  /** Frames delivered so far (= number of the last frame). */
  frames: number;
  /** Calls opts.onMeta once (before the first frame, or at the end when there is none). */
  emitMeta(): void;
}

/** A format reader is fed the (decompressed) capture chunk by chunk. */
export interface FormatReader {
  /** Parse a chunk; false when reading must stop (state.error is set). */
  push(chunk: Buffer): boolean;
  /** End of input: record a truncation warning if a record was cut. */
  finish(): void;
}

/** '23 20 68 61' */
export function hexBytes(buf: Buffer, n: number): string {
  const parts: string[] = [];
  for (let i = 0; i < Math.min(n, buf.length); i++) parts.push(buf[i]!.toString(16).padStart(2, '0'));
  return parts.join(' ');
}
