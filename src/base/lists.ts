/** List helpers for state kept per open connection. */

/** Up to this length a list appended with appendTight() is exactly as long as its contents. */
export const TIGHT_UP_TO = 16;

/**
 * Appends `item` to `list` and returns the list to keep. While the list is
 * shorter than TIGHT_UP_TO the result is a new array of exactly its length
 * (push() on a short array reserves room for ~17 elements, most of them never
 * used by one connection's few entries); from then on `item` is pushed onto
 * `list` itself. `list` may be a frozen shared empty array.
 */
export function appendTight<T>(list: T[], item: T): T[] {
  const n = list.length;
  if (n < TIGHT_UP_TO) {
    // A copy by hand: concat() (and a wrapper array for its argument) cost 4x as much.
    const out = new Array<T>(n + 1);
    for (let i = 0; i < n; i++) out[i] = list[i]!;
    out[n] = item;
    return out;
  }
  list.push(item);
  return list;
}
