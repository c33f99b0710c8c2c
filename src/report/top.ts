/**
 * The first n items by an order, kept while items stream past: the text report
 * prints the top N connections (largest setup first) and keeps only those
 * whole records, not every one (issue 14).
 */

/** Keeps the `n` smallest items by `compare` (ties: those added first stay). */
export class TopN<T> {
  /** Ascending by compare; at most n. */
  private readonly items: T[] = [];

  constructor(
    readonly n: number,
    private readonly compare: (a: T, b: T) => number,
  ) {}

  /** Offers an item: kept when it is among the n first so far. */
  add(item: T): void {
    const a = this.items;
    if (this.n <= 0) return;
    if (a.length === this.n && this.compare(item, a[a.length - 1]!) >= 0) return;
    // Binary search for the first element greater than the item (stable for ties).
    let lo = 0;
    let hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.compare(a[mid]!, item) <= 0) lo = mid + 1;
      else hi = mid;
    }
    a.splice(lo, 0, item);
    if (a.length > this.n) a.pop();
  }

  /** The kept item matching, if any. */
  find(pred: (item: T) => boolean): T | undefined {
    return this.items.find(pred);
  }

  /** The kept items, first first. */
  values(): T[] {
    return this.items.slice();
  }
}

/**
 * The first `n` items by `order` (a total order: no two items compare equal), kept in a
 * binary heap whose root is the last of them: an item costs O(log n) and at most n are
 * held. The destinations reports keep their top this way over a million destinations
 * (src/report/digest.ts); `n` may be Infinity (every item kept).
 */
export class FirstN<T> {
  private readonly heap: T[] = [];

  constructor(
    readonly n: number,
    private readonly order: (a: T, b: T) => number,
  ) {}

  get size(): number {
    return this.heap.length;
  }

  add(x: T): void {
    const h = this.heap;
    if (this.n <= 0) return;
    if (h.length < this.n) {
      // Sift up: the root is the item that comes last.
      let i = h.length;
      h.push(x);
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (this.order(h[p]!, x) >= 0) break;
        h[i] = h[p]!;
        i = p;
      }
      h[i] = x;
      return;
    }
    if (this.order(x, h[0]!) >= 0) return;
    // Replace the root and sift down.
    const len = h.length;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= len) break;
      const r = l + 1;
      const c = r < len && this.order(h[r]!, h[l]!) > 0 ? r : l;
      if (this.order(h[c]!, x) <= 0) break;
      h[i] = h[c]!;
      i = c;
    }
    h[i] = x;
  }

  /** The kept items in order, first first. */
  sorted(): T[] {
    return this.heap.slice().sort(this.order);
  }
}
