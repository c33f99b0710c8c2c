/**
 * Percentiles and distributions.
 *
 * Method: linear interpolation between the two closest ranks, the "R-7" /
 * "inclusive" definition used by numpy's default `percentile`, Excel's
 * PERCENTILE.INC and Wireshark-free spreadsheets alike. For n sorted values
 * x[0..n-1] and p in [0, 100]: h = (n - 1) * p / 100, and the percentile is
 * x[floor(h)] + (h - floor(h)) * (x[floor(h) + 1] - x[floor(h)]).
 * So p0 is the minimum, p100 the maximum, and p50 of an even count is the mean
 * of the two middle values.
 */
import type { Distribution } from './types.js';

function isSorted(values: readonly number[]): boolean {
  for (let i = 1; i < values.length; i++) if (values[i - 1] > values[i]) return false;
  return true;
}

function sortedCopy(values: readonly number[]): number[] {
  return isSorted(values) ? (values as number[]) : Float64ArraySort(values);
}

function Float64ArraySort(values: readonly number[]): number[] {
  // A typed array sorts numerically without a comparator call per pair.
  return Array.from(Float64Array.from(values).sort());
}

function interpolate(sorted: readonly number[], p: number): number {
  const h = ((sorted.length - 1) * p) / 100;
  const lo = Math.floor(h);
  const frac = h - lo;
  if (frac === 0 || lo + 1 >= sorted.length) return sorted[lo];
  return sorted[lo] + frac * (sorted[lo + 1] - sorted[lo]);
}

/**
 * The p-th percentile (0..100) of the values, by linear interpolation between
 * closest ranks (see the file comment); null for no values. The input may be
 * sorted or not; it is never modified. NaN values are ignored.
 */
export function percentile(sortedOrUnsorted: number[], p: number): number | null {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile: p must be within 0..100, got ${p}`);
  const values = sortedOrUnsorted.some(Number.isNaN) ? sortedOrUnsorted.filter((v) => !Number.isNaN(v)) : sortedOrUnsorted;
  if (values.length === 0) return null;
  return interpolate(sortedCopy(values), p);
}

/** count, min, p50/p90/p99 (as `percentile`), max, mean and total of the values (NaN ignored). */
/** Rounded to 9 decimals: removes float noise (5.297000000000001) from printed JSON, far below ns for ms values. */
function clean9(v: number): number {
  return Math.round(v * 1e9) / 1e9;
}

export function distribution(values: number[]): Distribution {
  const clean = values.some(Number.isNaN) ? values.filter((v) => !Number.isNaN(v)) : values;
  if (clean.length === 0) {
    return { count: 0, min: null, p50: null, p90: null, p99: null, max: null, mean: null, total: 0 };
  }
  const sorted = sortedCopy(clean);
  let total = 0;
  for (const v of sorted) total += v;
  return {
    count: sorted.length,
    min: sorted[0],
    p50: clean9(interpolate(sorted, 50)),
    p90: clean9(interpolate(sorted, 90)),
    p99: clean9(interpolate(sorted, 99)),
    max: sorted[sorted.length - 1],
    mean: total / sorted.length,
    total,
  };
}
