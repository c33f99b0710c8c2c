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
