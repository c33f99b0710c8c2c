/**
 * A streaming percentile sketch: exact up to EXACT_MAX values, then a
 * bounded-memory log-bucket histogram with a relative-error guarantee
 * (the idea of DDSketch, Masson, Rim & Lee, VLDB 2019; written here).
 *
 * Exact mode keeps the values (a Float64Array grown by doubling) and computes
 * the distribution exactly as stats.ts does (R-7 linear interpolation; total
 * and mean summed over the sorted values): identical outputs to
 * `distribution(values)` for up to EXACT_MAX values.
 *
 * Past EXACT_MAX the values move into buckets: a positive value v goes to
 * bucket i = ceil(log_γ v), γ = (1 + α) / (1 − α), which holds the values in
 * (γ^(i−1), γ^i]; its representative 2γ^i / (γ + 1) is within a relative α of
 * every value in it (and it is clamped to the smallest and largest value the
 * bucket got, which only brings it closer: a bucket of one distinct value
 * gives that value exactly). Zeros (and values below MIN_POSITIVE) are counted apart,
 * negative values in a mirrored histogram. The value of rank k (0-based, in
 * sorted order) is read as the representative of the bucket holding it; an R-7
 * percentile interpolates between the values of ranks ⌊h⌋ and ⌊h⌋ + 1 with the
 * same weights as the exact method, and a convex mix of two estimates each
 * within α of its true value is within α of the true mix: so every percentile
 * is within a relative RELATIVE_ERROR (1 %) of the exact R-7 value, for values
 * of one sign. The estimate is clamped to [min, max] (kept exactly), which
 * only brings it closer. count, min, max and total are exact (total summed in
 * arrival order past EXACT_MAX: it can differ from the sorted sum in the last
 * bits), mean = total / count.
 *
 * Memory: at most EXACT_MAX doubles (512 KiB) in exact mode; in sketch mode a
 * count, a smallest and a largest value per bucket between the smallest and largest index seen, at most
 * MAX_BUCKETS per sign (the lowest buckets are merged past it, as DDSketch
 * collapses: with α = 1 % that only happens past a dynamic range of
 * γ^MAX_BUCKETS ≈ 10^35, i.e. never for ms, seconds or counts).
 */
import type { Distribution } from './types.js';

/**
 * Values kept exactly before the sketch takes over. 65,536: every test
 * fixture, the 1.19 GB bench capture (27,600 connections, all to one
 * destination) and any capture or destination of up to 65,536 connections
 * keep exactly the figures they had. It costs at most 512 KiB per
 * distribution, and only while that distribution is computed: the report
 * computes them one after another from the rows (a few at once), not while
 * reading. Past it the sketch's buckets (~2,400 for values from 1 ns to
 * 10^6 s at 1 %, 24 bytes each) hold any number of values.
 */
export const EXACT_MAX = 65_536;
/** The sketch's relative accuracy α: a percentile past EXACT_MAX is within this share of the exact one. */
export const RELATIVE_ERROR = 0.01;
/** Values of smaller magnitude are counted as zeros (ms values: far below a nanosecond). */
export const MIN_POSITIVE = 1e-9;
/** Buckets per sign at most (see the file comment). */
export const MAX_BUCKETS = 8192;

const GAMMA = (1 + RELATIVE_ERROR) / (1 - RELATIVE_ERROR);
const LN_GAMMA = Math.log(GAMMA);

/** Rounded to 9 decimals, as stats.ts: no float noise (5.297000000000001) in printed JSON. */
function clean9(v: number): number {
  return Math.round(v * 1e9) / 1e9;
}

/**
 * Counts per bucket index over a dense, growing window [offset, offset +
 * counts.length), with the smallest and largest magnitude each bucket got: a
 * rank's value is the representative clamped to them, exact when a bucket
 * holds one distinct value (round trips, ports: integers come out whole).
 */
class Buckets {
  counts = new Float64Array(0);
  lo = new Float64Array(0);
  hi = new Float64Array(0);
  offset = 0;
  total = 0;
  /**
   * The highest index that got a value. A collapse keeps the MAX_BUCKETS
   * buckets up to it, in any arrival order: the window's own top can lie above
   * it (the first window is centred on the first value), and a collapse placed
   * by that top merged more of the lowest buckets than the rule says.
   */
  private top = 0;

  add(i: number, v: number): void {
    if (this.counts.length === 0) {
      this.counts = new Float64Array(64);
      this.lo = new Float64Array(64).fill(Infinity);
      this.hi = new Float64Array(64).fill(-Infinity);
      this.offset = i - 32;
      this.top = i;
    }
    let j = i - this.offset;
    if (j < 0 || j >= this.counts.length) {
      this.grow(i);
      j = i - this.offset;
      if (j < 0) j = 0; // merged into the lowest bucket (collapsed)
    }
    if (i > this.top) this.top = i;
    this.counts[j]! += 1;
    if (v < this.lo[j]!) this.lo[j] = v;
    if (v > this.hi[j]!) this.hi[j] = v;
    this.total += 1;
  }

  /** The value of the bucket at window position j: its representative within what it got. */
  value(j: number): number {
    return Math.min(this.hi[j]!, Math.max(this.lo[j]!, representative(j + this.offset)));
  }

  private grow(i: number): void {
    const lo = Math.min(this.offset, i); // a span past MAX_BUCKETS from the window's empty low end merges no value: they all lie above hi - size
    const hi = Math.max(this.top, i);
    let span = hi - lo + 1;
    let size = this.counts.length;
    while (size < span) size *= 2;
    if (size > MAX_BUCKETS) size = MAX_BUCKETS;
    const next = new Float64Array(size);
    const nextLo = new Float64Array(size).fill(Infinity);
    const nextHi = new Float64Array(size).fill(-Infinity);
    let newOffset = i < this.offset ? hi - size + 1 : lo;
    if (span > size) {
      // Collapse: the lowest buckets merge into the lowest one kept.
      newOffset = hi - size + 1;
      span = size;
    }
    for (let j = 0; j < this.counts.length; j++) {
      const c = this.counts[j]!;
      if (c === 0) continue;
      const k = Math.max(0, j + this.offset - newOffset);
      next[k]! += c;
      nextLo[k] = Math.min(nextLo[k]!, this.lo[j]!);
      nextHi[k] = Math.max(nextHi[k]!, this.hi[j]!);
    }
    this.counts = next;
    this.lo = nextLo;
    this.hi = nextHi;
    this.offset = newOffset;
  }

  /** The magnitude of rank k (0-based, ascending magnitude); k < total. */
  valueOfRank(k: number): number {
    let seen = 0;
    for (let j = 0; j < this.counts.length; j++) {
      seen += this.counts[j]!;
      if (seen > k) return this.value(j);
    }
    return this.value(this.counts.length - 1);
  }

  /** The magnitude of rank k counted from the largest magnitude down. */
  valueOfRankDesc(k: number): number {
    let seen = 0;
    for (let j = this.counts.length - 1; j >= 0; j--) {
      seen += this.counts[j]!;
      if (seen > k) return this.value(j);
    }
    return this.value(0);
  }
}

function bucketOf(magnitude: number): number {
  return Math.ceil(Math.log(magnitude) / LN_GAMMA);
}

function representative(i: number): number {
  return (2 * Math.pow(GAMMA, i)) / (GAMMA + 1);
}

/** Percentiles of a stream of values: exact up to EXACT_MAX, then within RELATIVE_ERROR (file comment). */
export class QuantileSketch {
  private exact: Float64Array | null = new Float64Array(8);
  private n = 0;
  private sum = 0;
  private lo = Infinity;
  private hi = -Infinity;
  private zeros = 0;
  private pos = new Buckets();
  private neg = new Buckets();

  constructor(private readonly exactMax = EXACT_MAX) {}

  /**
   * Empties the sketch for another stream of values, keeping its exact-value buffer: a
   * sketch reused per destination instead of seven typed arrays made for each of
   * millions of them (a scan of a million addresses).
   */
  clear(): void {
    if (this.exact === null) this.exact = new Float64Array(8);
    this.n = 0;
    this.sum = 0;
    this.lo = Infinity;
    this.hi = -Infinity;
    this.zeros = 0;
    if (this.pos.total > 0) this.pos = new Buckets();
    if (this.neg.total > 0) this.neg = new Buckets();
    this.sortedCache = null;
    this.sortedN = -1;
  }

  get count(): number {
    return this.n;
  }

  /** Whether every value is still kept (the percentiles are exact). */
  get isExact(): boolean {
    return this.exact !== null;
  }

  /** Adds a value; NaN is ignored (as stats.ts does). */
  add(v: number): void {
    if (Number.isNaN(v)) return;
    if (this.exact !== null) {
      if (this.n < this.exactMax) {
        if (this.n === this.exact.length) {
          const next = new Float64Array(Math.min(this.exactMax, this.exact.length * 2));
          next.set(this.exact);
          this.exact = next;
        }
        this.exact[this.n] = v;
      } else {
        // Switch over: the kept values go into the buckets, the sum keeps its sorted order.
        const kept = this.exact;
        this.exact = null;
        let s = 0;
        const sorted = kept.slice(0, this.n).sort();
        for (const x of sorted) {
          s += x;
          this.bucket(x);
        }
        this.sum = s;
      }
    }
    if (this.exact === null) {
      this.bucket(v);
      this.sum += v;
    }
    this.n++;
    if (v < this.lo) this.lo = v;
    if (v > this.hi) this.hi = v;
  }

  private bucket(v: number): void {
    if (v >= MIN_POSITIVE) this.pos.add(bucketOf(v), v);
    else if (v <= -MIN_POSITIVE) this.neg.add(bucketOf(-v), -v);
    else this.zeros++;
  }

  /** The value of rank k (0-based, ascending) as the sketch holds it. */
  private rankValue(k: number): number {
    if (k <= 0) return this.lo;
    if (k >= this.n - 1) return this.hi;
    const negN = this.neg.total;
    let v: number;
    if (k < negN) v = -this.neg.valueOfRankDesc(k);
    else if (k < negN + this.zeros) v = 0;
    else v = this.pos.valueOfRank(k - negN - this.zeros);
    return Math.min(this.hi, Math.max(this.lo, v));
  }

  /** The p-th percentile (0..100), R-7; null for no values. */
  percentile(p: number): number | null {
    if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile: p must be within 0..100, got ${p}`);
    if (this.n === 0) return null;
    const h = ((this.n - 1) * p) / 100;
    const lo = Math.floor(h);
    const frac = h - lo;
    if (this.exact !== null) {
      const sorted = this.sorted();
      if (frac === 0 || lo + 1 >= sorted.length) return sorted[lo]!;
      return sorted[lo]! + frac * (sorted[lo + 1]! - sorted[lo]!);
    }
    const a = this.rankValue(lo);
    if (frac === 0 || lo + 1 >= this.n) return a;
    return a + frac * (this.rankValue(lo + 1) - a);
  }

  private sortedCache: Float64Array | null = null;
  private sortedN = -1;
  private sorted(): Float64Array {
    if (this.sortedCache === null || this.sortedN !== this.n) {
      this.sortedCache = this.exact!.slice(0, this.n).sort();
      this.sortedN = this.n;
    }
    return this.sortedCache;
  }

  /** count, min, p50/p90/p99, max, mean and total, as stats.ts's distribution(). */
  distribution(): Distribution {
    if (this.n === 0) return { count: 0, min: null, p50: null, p90: null, p99: null, max: null, mean: null, total: 0 };
    let total = this.sum;
    if (this.exact !== null) {
      total = 0;
      for (const v of this.sorted()) total += v;
    }
    const d: Distribution = {
      count: this.n,
      min: this.lo,
      p50: clean9(this.percentile(50)!),
      p90: clean9(this.percentile(90)!),
      p99: clean9(this.percentile(99)!),
      max: this.hi,
      mean: total / this.n,
      total,
    };
    this.sortedCache = null; // the copy is not kept past the report
    return d;
  }
}

/** A sketch of these values (NaN ignored). */
export function sketchOf(values: Iterable<number>, exactMax = EXACT_MAX): QuantileSketch {
  const s = new QuantileSketch(exactMax);
  for (const v of values) s.add(v);
  return s;
}
