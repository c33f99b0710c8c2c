/**
 * percentile() and distribution() (src/report/stats.ts) for mutation testing.
 * Expected values: R-7 (Hyndman & Fan type 7, numpy's and R's default) over a
 * plain `sort((a, b) => a - b)` copy written here: h = (n − 1)·p/100, linear
 * interpolation between ranks ⌊h⌋ and ⌊h⌋ + 1; NaN left out; total summed over
 * the sorted values, mean = total / count, p50/p90/p99 rounded to 9 decimals
 * (the file comment of stats.ts). Plus a few hand-worked values.
 */
import { distribution, percentile } from '../../src/report/stats.js';
import { mulberry32 } from '../helpers/rng.js';

function r7(values: readonly number[], p: number): number | null {
  const x = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (x.length === 0) return null;
  const h = ((x.length - 1) * p) / 100;
  const lo = Math.floor(h);
  const frac = h - lo;
  if (lo + 1 >= x.length) return x[lo]!;
  return x[lo]! + frac * (x[lo + 1]! - x[lo]!);
}

const round9 = (v: number): number => Math.round(v * 1e9) / 1e9;

function reference(values: readonly number[]) {
  const x = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (x.length === 0) return { count: 0, min: null, p50: null, p90: null, p99: null, max: null, mean: null, total: 0 };
  let total = 0;
  for (const v of x) total += v;
  return {
    count: x.length,
    min: x[0]!,
    p50: round9(r7(x, 50)!),
    p90: round9(r7(x, 90)!),
    p99: round9(r7(x, 99)!),
    max: x[x.length - 1]!,
    mean: total / x.length,
    total,
  };
}

const PS = [0, 0.1, 1, 5, 10, 25, 33.3, 50, 66.7, 75, 90, 95, 99, 99.9, 100];

function sets(): [string, number[]][] {
  const r = mulberry32(77);
  const rand = (n: number) => Array.from({ length: n }, () => (r() - 0.3) * 1000);
  const sortedRand = rand(50).sort((a, b) => a - b);
  return [
    ['one value', [42.5]],
    ['two values', [9, -3]],
    ['three values', [1, 100, 10]],
    ['sorted ascending', sortedRand],
    ['sorted descending', [...sortedRand].reverse()],
    ['sorted but for the last pair', [...sortedRand.slice(0, 48), sortedRand[49]!, sortedRand[48]!]],
    ['sorted but for the first pair', [sortedRand[1]!, sortedRand[0]!, ...sortedRand.slice(2)]],
    ['all equal', [7, 7, 7, 7, 7]],
    ['ties, unsorted', [3, 1, 3, 2, 1, 3, 2]],
    ['ties, sorted', [1, 1, 2, 2, 2, 3, 3]],
    ['random 101', rand(101)],
    ['random 1000', rand(1000)],
    ['with NaN', [5, NaN, 1, 4, NaN, 2]],
    ['sorted with NaN', [1, 2, NaN, 3, 4]],
    ['negatives and zero', [-0.5, 0, -10, 0, 3.25]],
  ];
}

describe('percentile', () => {
  test.each(sets())('%s: every p equals R-7 over a plain sort', (_name, v) => {
    for (const p of PS) expect(percentile(v, p)).toBe(r7(v, p));
  });

  test('hand-worked: [10, 20, 30, 40]', () => {
    const v = [40, 10, 30, 20];
    expect(percentile(v, 0)).toBe(10);
    expect(percentile(v, 50)).toBe(25); // h = 1.5
    expect(percentile(v, 25)).toBe(17.5); // h = 0.75
    expect(percentile(v, 100)).toBe(40);
    expect(percentile(v, 90)).toBe(37); // h = 2.7
  });

  test('the input is never modified (sorted or not, with or without NaN)', () => {
    for (const [, v] of sets()) {
      const copy = [...v];
      percentile(v, 50);
      distribution(v);
      expect(v).toEqual(copy);
    }
  });

  test('a rank hit exactly next to an infinite one is that rank\'s value (no 0 × ∞)', () => {
    expect(percentile([5, 1, 3, Infinity, 2], 50)).toBe(3);
    expect(percentile([1, 2, 3, Infinity, 5], 75)).toBe(5);
    expect(percentile([-Infinity, 1, 2], 50)).toBe(1);
    expect(distribution([5, 1, 3, Infinity, 2]).p50).toBe(3);
  });

  test('no values, or only NaN: null', () => {
    expect(percentile([], 0)).toBeNull();
    expect(percentile([], 100)).toBeNull();
    expect(percentile([NaN, NaN], 50)).toBeNull();
  });

  test('p outside 0..100 (or NaN) is a RangeError naming p; 0 and 100 are not', () => {
    for (const p of [-0.0001, -5, 100.0001, 1000, NaN]) {
      expect(() => percentile([1, 2], p)).toThrow(RangeError);
      expect(() => percentile([1, 2], p)).toThrow(`percentile: p must be within 0..100, got ${p}`);
      expect(() => percentile([], p)).toThrow(RangeError);
    }
    expect(percentile([1, 2], 0)).toBe(1);
    expect(percentile([1, 2], 100)).toBe(2);
  });
});

describe('distribution', () => {
  test.each(sets())('%s: as the reference', (_name, v) => {
    expect(distribution(v)).toEqual(reference(v));
  });

  test('no values, or only NaN: nulls and a zero total', () => {
    const none = { count: 0, min: null, p50: null, p90: null, p99: null, max: null, mean: null, total: 0 };
    expect(distribution([])).toEqual(none);
    expect(distribution([NaN])).toEqual(none);
  });

  test('float noise is rounded off the percentiles, not off min/max/mean/total', () => {
    const v = [0.1, 0.2, 0.7, 5.297000000000001, 1 / 3];
    const d = distribution(v);
    expect(d).toEqual(reference(v));
    expect(d.max).toBe(5.297000000000001);
    expect([50, 90, 99].some((p) => r7(v, p) !== round9(r7(v, p)!))).toBe(true);
  });

  test('total is summed over the sorted values (order matters in floating point)', () => {
    const v = [1e16, 1, 1, 1, 1];
    expect(distribution(v).total).toBe(1e16 + 4);
    expect(distribution(v).mean).toBe((1e16 + 4) / 5);
  });
});
