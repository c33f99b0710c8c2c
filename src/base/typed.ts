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
 *
 * One subclass per element type, each with its own get/set: one class over
 * every typed-array type (or classes made by one factory function, which share
 * their methods' code in V8) made each element access polymorphic, and a row
 * four times as slow to add.
 */
export abstract class ChunkedColumn<T extends NumberArray = NumberArray> {
  protected readonly chunks: T[] = [];
  protected abstract make(n: number): T;
  abstract set(i: number, v: number): void;
  abstract get(i: number): number;

  /** The chunk element i goes in, made or grown for it (i at most one past the last element). */
  protected room(i: number): T {
    const c = i >>> CHUNK_BITS;
    if (c === this.chunks.length) this.chunks.push(this.make(c === 0 ? Math.max(64, i + 1) : CHUNK));
    else if (c === 0) this.chunks[0] = grown(this.chunks[0]!, Math.min(CHUNK, i + 1));
    return this.chunks[c]!;
  }

  get byteLength(): number {
    let b = 0;
    for (const c of this.chunks) b += c.byteLength;
    return b;
  }
}

export class Float64Column extends ChunkedColumn<Float64Array> {
  protected make(n: number): Float64Array {
    return new Float64Array(n);
  }
  set(i: number, v: number): void {
    const ch = this.chunks[i >>> CHUNK_BITS];
    if (ch !== undefined && (i & CHUNK_MASK) < ch.length) ch[i & CHUNK_MASK] = v;
    else this.room(i)[i & CHUNK_MASK] = v;
  }
  get(i: number): number {
    return this.chunks[i >>> CHUNK_BITS]![i & CHUNK_MASK]!;
  }
}

export class Int32Column extends ChunkedColumn<Int32Array> {
  protected make(n: number): Int32Array {
    return new Int32Array(n);
  }
  set(i: number, v: number): void {
    const ch = this.chunks[i >>> CHUNK_BITS];
    if (ch !== undefined && (i & CHUNK_MASK) < ch.length) ch[i & CHUNK_MASK] = v;
    else this.room(i)[i & CHUNK_MASK] = v;
  }
  get(i: number): number {
    return this.chunks[i >>> CHUNK_BITS]![i & CHUNK_MASK]!;
  }
}

export class Uint32Column extends ChunkedColumn<Uint32Array> {
  protected make(n: number): Uint32Array {
    return new Uint32Array(n);
  }
  set(i: number, v: number): void {
    const ch = this.chunks[i >>> CHUNK_BITS];
    if (ch !== undefined && (i & CHUNK_MASK) < ch.length) ch[i & CHUNK_MASK] = v;
    else this.room(i)[i & CHUNK_MASK] = v;
  }
  get(i: number): number {
    return this.chunks[i >>> CHUNK_BITS]![i & CHUNK_MASK]!;
  }
}

export class Uint16Column extends ChunkedColumn<Uint16Array> {
  protected make(n: number): Uint16Array {
    return new Uint16Array(n);
  }
  set(i: number, v: number): void {
    const ch = this.chunks[i >>> CHUNK_BITS];
    if (ch !== undefined && (i & CHUNK_MASK) < ch.length) ch[i & CHUNK_MASK] = v;
    else this.room(i)[i & CHUNK_MASK] = v;
  }
  get(i: number): number {
    return this.chunks[i >>> CHUNK_BITS]![i & CHUNK_MASK]!;
  }
}

export class Uint8Column extends ChunkedColumn<Uint8Array> {
  protected make(n: number): Uint8Array {
    return new Uint8Array(n);
  }
  set(i: number, v: number): void {
    const ch = this.chunks[i >>> CHUNK_BITS];
    if (ch !== undefined && (i & CHUNK_MASK) < ch.length) ch[i & CHUNK_MASK] = v;
    else this.room(i)[i & CHUNK_MASK] = v;
  }
  get(i: number): number {
    return this.chunks[i >>> CHUNK_BITS]![i & CHUNK_MASK]!;
  }
}
