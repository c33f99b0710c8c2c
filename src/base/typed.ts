/** Typed-array helpers shared by the columnar stores (report/, output/). */

export type NumberArray = Float64Array | Int32Array | Uint32Array | Uint16Array | Uint8Array;

/**
 * `a`, or a copy of it grown by doubling (at least `min` elements) so that it
 * holds at least `need` elements.
 */
export function grown<T extends NumberArray>(a: T, need: number, min = 64): T {
  if (need <= a.length) return a;
  const next = new (a.constructor as new (n: number) => T)(Math.max(need, a.length * 2, min));
  next.set(a);
  return next;
}

const CHUNK_BITS = 16;
const CHUNK = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK - 1;

/**
 * A column of numbers appended in order: a first chunk grown by doubling up to
 * CHUNK elements, then more chunks of CHUNK. Nothing is copied past the first
 * chunk, and the capacity is at most one chunk more than the length (columns
 * grown by doubling hold up to twice their length, and three times while a
 * copy is made).
 */
export class ChunkedColumn<T extends NumberArray> {
  private readonly chunks: T[] = [];
  constructor(private readonly make: new (n: number) => T) {}

  set(i: number, v: number): void {
    const c = i >>> CHUNK_BITS;
    if (c === this.chunks.length) this.chunks.push(new this.make(c === 0 ? 64 : CHUNK));
    else if (c === 0 && i >= this.chunks[0]!.length) this.chunks[0] = grown(this.chunks[0]!, Math.min(CHUNK, i + 1));
    this.chunks[c]![i & CHUNK_MASK] = v;
  }

  get(i: number): number {
    return this.chunks[i >>> CHUNK_BITS]![i & CHUNK_MASK]!;
  }

  get byteLength(): number {
    let b = 0;
    for (const c of this.chunks) b += c.byteLength;
    return b;
  }
}
