/**
 * Base types shared by every stage: where a byte came from (frame number and
 * capture time) and which side of a connection sent it. Lives below all
 * stages so that none has to import a higher one for them.
 */

/** Which side of a connection sent something. */
export type Side = 'client' | 'server';

/** Where a byte came from: the frame that completed its delivery (after reassembly). */
export interface Stamp {
  frame: number;
  tsSec: number;
  tsNsec: number;
}

/** Epoch seconds of a stamp (µs precision survives in a double for current dates). */
export function epoch(s: Stamp): number {
  return s.tsSec + s.tsNsec / 1e9;
}

/** Milliseconds from a to b, computed on the integer parts to keep nanoseconds. */
export function msBetween(a: Stamp, b: Stamp): number {
  return (b.tsSec - a.tsSec) * 1000 + (b.tsNsec - a.tsNsec) / 1e6;
}

/** a is strictly earlier than b. */
export function before(a: Stamp, b: Stamp): boolean {
  return a.tsSec < b.tsSec || (a.tsSec === b.tsSec && a.tsNsec < b.tsNsec);
}
