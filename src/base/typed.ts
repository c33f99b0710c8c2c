/** Typed-array helpers shared by the columnar stores (report/, output/). */

export type NumberArray = Float64Array | Int32Array | Uint32Array | Uint8Array;

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
