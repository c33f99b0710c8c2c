/**
 * The percentile sketch (src/report/sketch.ts) unit by unit, for mutation
 * testing. Every expected value comes from a plain reference written here,
 * never from the sketch or stats.ts:
 * - exact mode: R-7 (Hyndman & Fan type 7, numpy's and R's default) over a
 *   plain `sort((a, b) => a - b)` of the same values: h = (n − 1)·p/100,
 *   x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋]); total summed over the sorted
 *   values, mean = total / count, p50/p90/p99 rounded to 9 decimals;
 * - sketch mode: the rules as README "Reports over every connection" states
 *   them: bucket i holds (γ^(i−1), γ^i] with γ = 1.01/0.99, its value is
 *   2γ^i/(γ+1) clamped to the smallest and largest value the bucket got,
 *   values of magnitude below 1e-9 are zeros, negative values are mirrored,
 *   min and max are exact, an R-7 percentile interpolates two ranks' values
 *   with the exact weights; and the 1 % bound against the exact R-7 value.
 * Small thresholds (the constructor's exactMax) keep the sketch-mode cases fast.
 */
import { EXACT_MAX, MAX_BUCKETS, MIN_POSITIVE, QuantileSketch, RELATIVE_ERROR, sketchOf } from '../../src/report/sketch.js';
import { mulberry32 } from '../helpers/rng.js';

// ---- independent references ----

const sortNum = (v: readonly number[]): number[] => v.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);

/** R-7 over a plain sort. */
function r7(values: readonly number[], p: number): number | null {
  const x = sortNum(values);
  if (x.length === 0) return null;
  return interpolate(x, p);
}

function interpolate(x: readonly number[], p: number): number {
  const h = ((x.length - 1) * p) / 100;
  const lo = Math.floor(h);
  const frac = h - lo;
  if (frac === 0 || lo + 1 >= x.length) return x[lo]!;
  return x[lo]! + frac * (x[lo + 1]! - x[lo]!);
}

const round9 = (v: number): number => Math.round(v * 1e9) / 1e9;

function exactDistribution(values: readonly number[]) {
  const x = sortNum(values);
  if (x.length === 0) return { count: 0, min: null, p50: null, p90: null, p99: null, max: null, mean: null, total: 0 };
  let total = 0;
  for (const v of x) total += v;
  return {
    count: x.length,
    min: x[0]!,
    p50: round9(interpolate(x, 50)),
    p90: round9(interpolate(x, 90)),
    p99: round9(interpolate(x, 99)),
    max: x[x.length - 1]!,
    mean: total / x.length,
    total,
  };
}

/** README: γ = 1.01/0.99; bucket i holds (γ^(i−1), γ^i]; its value 2γ^i/(γ+1). */
const GAMMA = 1.01 / 0.99;
const bucketIndex = (m: number): number => Math.ceil(Math.log(m) / Math.log(GAMMA));
const representative = (i: number): number => (2 * Math.pow(GAMMA, i)) / (GAMMA + 1);

/**
 * The value the README's rules give each rank of these values (sorted), in
 * sketch mode. `floor`: with more buckets than MAX_BUCKETS, indices below it
 * are merged into it (the lowest buckets collapse).
 */
function modelRanks(values: readonly number[], floor = -Infinity): number[] {
  const x = sortNum(values);
  const n = x.length;
  const key = (v: number): string => {
    if (Math.abs(v) < 1e-9) return '0';
    return `${v < 0 ? '-' : '+'}${Math.max(floor, bucketIndex(Math.abs(v)))}`;
  };
  const lo = new Map<string, number>();
  const hi = new Map<string, number>();
  for (const v of x) {
    const k = key(v);
    const m = Math.abs(v);
    lo.set(k, Math.min(lo.get(k) ?? Infinity, m));
    hi.set(k, Math.max(hi.get(k) ?? -Infinity, m));
  }
  return x.map((v, r) => {
    if (r === 0) return x[0]!; // min and max are kept exactly
    if (r === n - 1) return x[n - 1]!;
    const k = key(v);
    let est = 0;
    if (k !== '0') {
      const m = Math.min(hi.get(k)!, Math.max(lo.get(k)!, representative(Math.max(floor, bucketIndex(Math.abs(v))))));
      est = v < 0 ? -m : m;
    }
    return Math.min(x[n - 1]!, Math.max(x[0]!, est));
  });
}

function modelPercentile(ranks: readonly number[], p: number): number {
  return interpolate(ranks, p);
}

/** a equals b up to float rounding (the bucket arithmetic in another order). */
function close(a: number | null, b: number, rel = 1e-12): boolean {
  if (a === null) return false;
  if (a === b) return true;
  return Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b));
}

function expectClose(got: number | null, want: number, what: string): void {
  if (!close(got, want)) throw new Error(`${what}: got ${got}, want ${want}`);
}

/** Within the README's 1 % of the exact R-7 value (a hair over it for float rounding). */
function expectWithinBound(got: number | null, want: number, what: string): void {
  const ok = got !== null && Math.abs(got - want) <= RELATIVE_ERROR * Math.abs(want) * (1 + 1e-9) + 1e-300;
  if (!ok) throw new Error(`${what}: got ${got}, exact R-7 ${want}`);
}

const PS = [0, 0.5, 1, 2.5, 5, 10, 12.5, 25, 33.3, 40, 50, 60, 66.7, 75, 87.5, 90, 95, 97.5, 99, 99.5, 99.9, 100];

/** Checks every rank (n = 101: p = k gives h = k) and fractional ps against the model and the bound. */
function checkSketch(s: QuantileSketch, values: readonly number[], what: string, floor = -Infinity, bound = true): void {
  const ranks = modelRanks(values, floor);
  const n = ranks.length;
  expect(s.isExact).toBe(false);
  expect(s.count).toBe(n);
  const ps = [...PS];
  for (let k = 0; k < n; k++) ps.push((100 * k) / (n - 1));
  for (const p of ps) {
    expectClose(s.percentile(p), modelPercentile(ranks, p), `${what} p${p} (model)`);
    if (bound) expectWithinBound(s.percentile(p), r7(values, p)!, `${what} p${p} (bound)`);
  }
}

const rng = mulberry32;

function shuffle<T>(a: T[], r: () => number): T[] {
  const b = [...a];
  for (let i = b.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [b[i], b[j]] = [b[j]!, b[i]!];
  }
  return b;
}

// ---- exact mode ----

describe('exact mode: R-7 over the kept values', () => {
  test('constants as the README states them', () => {
    expect(EXACT_MAX).toBe(65_536);
    expect(RELATIVE_ERROR).toBe(0.01);
    expect(MIN_POSITIVE).toBe(1e-9);
  });

  test('every percentile of small and medium sets (negatives, zeros, duplicates) equals R-7', () => {
    const r = rng(101);
    for (const n of [1, 2, 3, 4, 7, 10, 33, 100, 1000]) {
      const v = Array.from({ length: n }, (_, i) => (i % 5 === 0 ? 0 : i % 7 === 0 ? 3 : (r() - 0.4) * 1000));
      const s = sketchOf(v);
      expect(s.isExact).toBe(true);
      expect(s.count).toBe(n);
      for (const p of PS) expect(s.percentile(p)).toBe(r7(v, p));
      expect(s.distribution()).toEqual(exactDistribution(v));
    }
  });

  test('no values: null percentiles and a zero total', () => {
    const s = new QuantileSketch();
    expect(s.count).toBe(0);
    expect(s.isExact).toBe(true);
    expect(s.percentile(50)).toBeNull();
    expect(s.percentile(0)).toBeNull();
    expect(s.distribution()).toEqual({ count: 0, min: null, p50: null, p90: null, p99: null, max: null, mean: null, total: 0 });
  });

  test('one value: every percentile is that value', () => {
    const s = sketchOf([-4.25]);
    for (const p of PS) expect(s.percentile(p)).toBe(-4.25);
    expect(s.distribution()).toEqual({ count: 1, min: -4.25, p50: -4.25, p90: -4.25, p99: -4.25, max: -4.25, mean: -4.25, total: -4.25 });
  });

  test('percentiles asked between additions follow the values added since (no stale sorted copy)', () => {
    const r = rng(7);
    const s = new QuantileSketch();
    const v: number[] = [];
    for (let i = 0; i < 60; i++) {
      const x = Math.round(r() * 1e6) / 1e3;
      s.add(x);
      v.push(x);
      for (const p of [0, 37.5, 50, 90, 100]) expect(s.percentile(p)).toBe(r7(v, p));
      if (i % 9 === 0) expect(s.distribution()).toEqual(exactDistribution(v));
    }
  });

  test('the kept values grow past their first array and up to the threshold', () => {
    for (const max of [5, 8, 9, 16, 17, 100]) {
      const v = Array.from({ length: max }, (_, i) => max - i + 0.5);
      const s = new QuantileSketch(max);
      for (const x of v) s.add(x);
      expect(s.isExact).toBe(true);
      expect(s.count).toBe(max);
      for (const p of PS) expect(s.percentile(p)).toBe(r7(v, p));
      expect(s.distribution()).toEqual(exactDistribution(v));
    }
  });

  test('p50/p90/p99 rounded to 9 decimals, min/max/mean/total exact (float noise removed)', () => {
    const v = [0.1, 0.2, 0.30000000000000004, 5.297000000000001, 1 / 3, 2 / 3, 7.1, 0.7];
    const s = sketchOf(v);
    const d = s.distribution();
    expect(d).toEqual(exactDistribution(v));
    // The rounding is there: at least one raw percentile had more than 9 decimals.
    expect([50, 90, 99].some((p) => r7(v, p) !== round9(r7(v, p)!))).toBe(true);
  });

  test('total is summed over the sorted values, not in arrival order', () => {
    const v = [1e16, 1, 1, 1, 1];
    // arrival order: 1e16 + 1 rounds back to 1e16 each time; sorted: 4 + 1e16.
    let arrival = 0;
    for (const x of v) arrival += x;
    expect(arrival).toBe(1e16);
    const d = sketchOf(v).distribution();
    expect(d.total).toBe(1e16 + 4);
    expect(d.mean).toBe((1e16 + 4) / 5);
  });

  test('NaN is ignored: not counted, not kept, does not switch to the sketch', () => {
    const s = new QuantileSketch(4);
    for (const x of [3, NaN, 1, NaN, 2, 4, NaN]) s.add(x);
    expect(s.count).toBe(4);
    expect(s.isExact).toBe(true);
    expect(s.distribution()).toEqual(exactDistribution([3, 1, 2, 4]));
    for (const p of PS) expect(s.percentile(p)).toBe(r7([1, 2, 3, 4], p));
  });

  test('p outside 0..100 is a RangeError (0 and 100 are fine), in both modes', () => {
    for (const s of [sketchOf([1, 2, 3]), sketchOf([1, 2, 3, 4, 5, 6], 2), new QuantileSketch()]) {
      for (const p of [-1e-9, -1, 100.000001, 101, NaN, Infinity, -Infinity]) {
        expect(() => s.percentile(p)).toThrow(RangeError);
        expect(() => s.percentile(p)).toThrow(`percentile: p must be within 0..100, got ${p}`);
      }
      expect(() => s.percentile(0)).not.toThrow();
      expect(() => s.percentile(100)).not.toThrow();
    }
  });

  test('Infinity in exact mode: R-7 as over any sorted values', () => {
    const v = [1, 2, Infinity, 3];
    const s = sketchOf(v);
    for (const p of [0, 25, 50, 66.7]) expect(s.percentile(p)).toBe(r7(v, p));
    expect(s.percentile(100)).toBe(Infinity);
    // a rank hit exactly next to an infinite one is that rank's value (no 0 × ∞)
    const w = [5, 1, 3, Infinity, 2];
    expect(sketchOf(w).percentile(50)).toBe(3);
    expect(sketchOf(w).percentile(75)).toBe(5);
    expect(sketchOf([-Infinity, 1, 2]).percentile(50)).toBe(1);
  });

  test('a percentile asked after distribution() (which drops its sorted copy) is still right', () => {
    const v = [4, 9, 1, 7, 3];
    const s = sketchOf(v);
    expect(s.percentile(50)).toBe(4);
    expect(s.distribution()).toEqual(exactDistribution(v));
    expect(s.percentile(50)).toBe(4);
    expect(s.percentile(90)).toBe(r7(v, 90));
    expect(s.distribution()).toEqual(exactDistribution(v));
  });

  test('the kept values grow by doubling, not to the threshold at once (memory: file comment)', () => {
    const s = new QuantileSketch();
    for (let i = 0; i < 1000; i++) s.add(i);
    const kept = (s as unknown as { exact: Float64Array }).exact;
    expect(kept.length).toBeGreaterThanOrEqual(1000);
    expect(kept.length).toBeLessThanOrEqual(2048);
  });
});

// ---- switch-over ----

describe('switch-over to the buckets', () => {
  test('exact up to the threshold, a sketch from the next value on', () => {
    // up to 40 a bucket (2 % wide) holds at most one integer
    for (const max of [1, 2, 3, 10, 39]) {
      const s = new QuantileSketch(max);
      for (let i = 0; i < max; i++) {
        s.add(i + 1);
        expect(s.isExact).toBe(true);
      }
      s.add(max + 1);
      expect(s.isExact).toBe(false);
      expect(s.count).toBe(max + 1);
      const v = Array.from({ length: max + 1 }, (_, i) => i + 1);
      // integers 1..: each bucket holds one distinct value, so every rank is exact
      for (const p of PS) expect(s.percentile(p)).toBe(r7(v, p));
    }
  });

  test('at the default threshold: 65,536 values exact, the 65,537th switches', () => {
    const s = new QuantileSketch();
    const r = rng(5);
    const v: number[] = [];
    for (let i = 0; i < EXACT_MAX; i++) {
      const x = 1 + r() * 99;
      v.push(x);
      s.add(x);
    }
    expect(s.isExact).toBe(true);
    expect(s.percentile(50)).toBe(r7(v, 50));
    s.add(50);
    v.push(50);
    expect(s.isExact).toBe(false);
    for (const p of [0, 1, 50, 90, 99, 100]) expectWithinBound(s.percentile(p), r7(v, p)!, `p${p}`);
  });

  test('total past the threshold: the kept values summed sorted, the later ones in arrival order', () => {
    const kept = [1e16, 1, 1, 1];
    const later = [1, 1, 3, 1];
    const s = new QuantileSketch(kept.length);
    for (const x of [...kept, ...later]) s.add(x);
    expect(s.isExact).toBe(false);
    let want = 0;
    for (const x of [...kept].sort((a, b) => a - b)) want += x;
    for (const x of later) want += x;
    const d = s.distribution();
    expect(d.total).toBe(want);
    expect(d.mean).toBe(want / 8);
    expect(d.count).toBe(8);
    expect(d.min).toBe(1);
    expect(d.max).toBe(1e16);
  });
});

// ---- sketch mode against the README's rules ----

describe('sketch mode: every rank as the README rules give it, within 1 % of R-7', () => {
  function logUniform(r: () => number, n: number, lo: number, decades: number): number[] {
    return Array.from({ length: n }, () => lo * Math.pow(10, r() * decades));
  }

  test.each([
    ['one decade', 1, 0, 1],
    ['three decades', 2, 0.01, 3],
    ['ten decades', 3, 1e-6, 10],
    ['thirty decades', 4, 1e-8, 30],
  ])('%s, in random, ascending and descending arrival', (name, seed, lo, decades) => {
    const r = rng(seed);
    const v = logUniform(r, 101, lo, decades);
    for (const [order, vals] of [
      ['random', v],
      ['ascending', sortNum(v)],
      ['descending', sortNum(v).reverse()],
      ['shuffled', shuffle(v, r)],
    ] as const) {
      for (const max of [1, 16, 50]) checkSketch(sketchOf(vals, max), v, `${name} ${order} exactMax ${max}`);
    }
  });

  test('several values per bucket: the clamp to the bucket is visible', () => {
    const r = rng(11);
    // 101 values within 3 % of 100: a handful of buckets, many values each
    const v = Array.from({ length: 101 }, () => 100 * (1 + (r() - 0.5) * 0.06));
    checkSketch(sketchOf(v, 8), v, 'clustered');
    checkSketch(sketchOf(sortNum(v).reverse(), 8), v, 'clustered descending');
  });

  test('values on and next to bucket edges γ^i', () => {
    const v: number[] = [];
    for (let i = -20; i <= 80; i += 3) {
      const e = Math.pow(GAMMA, i);
      v.push(e, e * (1 + 1e-9), e * (1 - 1e-9));
    }
    v.push(1, 2);
    checkSketch(sketchOf(v, 10), v, 'edges');
  });

  test('zeros and negative values: mirrored buckets, a count of zeros, ranks across the signs', () => {
    const r = rng(12);
    const v: number[] = [];
    for (let i = 0; i < 101; i++) {
      const k = i % 4;
      v.push(k === 0 ? 0 : k === 1 ? -(1 + r() * 999) : k === 2 ? 1 + r() * 999 : -(0.5 + r()));
    }
    // R-7 across signs may interpolate between a negative and a positive rank: the bound is on ranks of one sign,
    // so check the model everywhere and the bound only where both ranks have one sign.
    for (const order of [v, sortNum(v), sortNum(v).reverse()]) checkSketch(sketchOf(order, 7), v, 'signed', -Infinity, false);
    const x = sortNum(v);
    const s = sketchOf(v, 7);
    for (let k = 0; k + 1 < x.length; k++) {
      if (Math.sign(x[k]!) !== Math.sign(x[k + 1]!)) continue;
      for (const f of [0, 0.25, 0.5]) {
        const p = (100 * (k + f)) / (x.length - 1);
        expectWithinBound(s.percentile(p), r7(v, p)!, `signed p${p}`);
      }
    }
  });

  test('only negative values', () => {
    const r = rng(13);
    const v = Array.from({ length: 101 }, () => -Math.pow(10, r() * 4));
    checkSketch(sketchOf(v, 3), v, 'negative');
    checkSketch(sketchOf(sortNum(v), 3), v, 'negative ascending');
  });

  test('magnitudes below 1e-9 count as zeros; 1e-9 itself is a value (README: "below")', () => {
    const v: number[] = [-5, -2e-9, -MIN_POSITIVE, -5e-10, 0, 0, 3e-10, MIN_POSITIVE, 1.5e-9, 2e-9, 4, 1e-9 * (1 - 1e-12)];
    while (v.length < 101) v.push(v.length % 2 ? 1e-10 : -1e-10);
    checkSketch(sketchOf(v, 5), v, 'tiny', -Infinity, false);
    // Rank by rank: a zero reads 0, ±1e-9 read themselves (a bucket of one distinct value).
    const x = sortNum(v);
    const s = sketchOf(v, 5);
    for (let k = 1; k < x.length - 1; k++) {
      const p = (100 * k) / (x.length - 1);
      const want = Math.abs(x[k]!) < MIN_POSITIVE ? 0 : x[k]!;
      if (Math.abs(x[k]!) === MIN_POSITIVE || Math.abs(x[k]!) < MIN_POSITIVE) expect(s.percentile(p)).toBe(want);
    }
  });

  test('values counted as zeros are read as 0 within [min, max]', () => {
    // only positive values, the smallest below 1e-9: their ranks read 0, clamped up to the minimum
    const v = [3e-10, 4e-10, 6e-10, 8e-10];
    while (v.length < 21) v.push(v.length);
    const s = sketchOf(v, 3);
    checkSketch(s, v, 'tiny positive', -Infinity, false);
    expect(s.percentile(5)).toBe(3e-10); // rank 1: 0 clamped to the minimum
    const n = sketchOf(v.map((x) => -x), 3);
    checkSketch(n, v.map((x) => -x), 'tiny negative', -Infinity, false);
    expect(n.percentile(95)).toBe(-3e-10); // rank 19: 0 clamped to the maximum
  });

  test('integers: a bucket of one distinct value gives that value exactly, ranks interpolate exactly', () => {
    const v = Array.from({ length: 301 }, (_, i) => [2, 3, 5, 40, 41, 3000][i % 6]!);
    const s = sketchOf(v, 30);
    expect(s.isExact).toBe(false);
    for (const p of PS) expect(s.percentile(p)).toBe(r7(v, p));
  });

  test('distribution(): count, min, max, total, mean exact; percentiles the model rounded to 9 decimals', () => {
    const r = rng(21);
    const v = Array.from({ length: 101 }, () => Math.pow(10, r() * 3) / 7);
    const s = sketchOf(v, 20);
    const d = s.distribution();
    const ranks = modelRanks(v);
    const x = sortNum(v);
    let total = 0;
    for (const y of [...v.slice(0, 20)].sort((a, b) => a - b)) total += y;
    for (const y of v.slice(20)) total += y;
    expect(d.count).toBe(101);
    expect(d.min).toBe(x[0]);
    expect(d.max).toBe(x[100]);
    expect(d.total).toBe(total);
    expect(d.mean).toBe(total / 101);
    for (const [k, p] of [['p50', 50], ['p90', 90], ['p99', 99]] as const) {
      expectClose(d[k], round9(modelPercentile(ranks, p)), k);
      expect(d[k]).toBe(round9(d[k]!)); // nine decimals at most
      expectWithinBound(d[k], r7(v, p)!, k);
    }
  });

  test('min and max are the exact extremes, also when their bucket holds other values', () => {
    // 1.001 and 1.002 share a bucket with 1.0005 (rank 0); 1000.4 and 1000.9 share the top one.
    const v = [1.0005, 1.001, 1.002, 1000.4, 1000.9];
    while (v.length < 21) v.push(10 + v.length);
    const s = sketchOf(v, 4);
    expect(s.percentile(0)).toBe(1.0005);
    expect(s.percentile(100)).toBe(1000.9);
    expect(s.distribution().min).toBe(1.0005);
    expect(s.distribution().max).toBe(1000.9);
    checkSketch(s, v, 'extremes');
    const n = sketchOf(v.map((x) => -x), 4);
    expect(n.percentile(0)).toBe(-1000.9);
    expect(n.percentile(100)).toBe(-1.0005);
    checkSketch(n, v.map((x) => -x), 'negated extremes');
  });
});

describe('bounded memory: the lowest buckets merge past MAX_BUCKETS', () => {
  test('35 decades (fewer than MAX_BUCKETS / 2 buckets) in any order: no merging, the 1 % bound holds', () => {
    const r = rng(31);
    const v = Array.from({ length: 101 }, () => 1e-8 * Math.pow(10, r() * 35));
    for (const vals of [v, sortNum(v), sortNum(v).reverse(), shuffle(v, r)]) checkSketch(sketchOf(vals, 2), v, '35 decades');
  });

  test('more than MAX_BUCKETS buckets, values arriving in ascending order: the lowest merge into one', () => {
    expect(MAX_BUCKETS).toBe(8192);
    const r = rng(32);
    // 1e-8 .. 1e80: 88 decades, ~10,100 buckets
    const v = Array.from({ length: 101 }, () => 1e-8 * Math.pow(10, r() * 88));
    v.push(1e-8, 1e80);
    const top = bucketIndex(1e80);
    const floor = top - MAX_BUCKETS + 1;
    const s = sketchOf(sortNum(v), 1);
    checkSketch(s, v, 'collapsed', floor, false);
    // Values above the merged buckets keep the bound; count, min and max stay exact.
    const x = sortNum(v);
    for (let k = 0; k < x.length; k++) {
      if (bucketIndex(x[k]!) <= floor) continue;
      expectWithinBound(s.percentile((100 * k) / (x.length - 1)), x[k]!, `rank ${k}`);
    }
    expect(s.count).toBe(x.length);
    expect(s.distribution().min).toBe(1e-8);
    expect(s.distribution().max).toBe(1e80);
    // And the memory stays bounded: one window of MAX_BUCKETS counts per sign.
    const pos = (s as unknown as { pos: { counts: Float64Array } }).pos;
    expect(pos.counts.length).toBe(MAX_BUCKETS);
  });

  test('more than MAX_BUCKETS buckets in any arrival order: exactly the buckets below the top MAX_BUCKETS merge (DDSketch collapsing the lowest)', () => {
    const r = rng(34);
    const v = Array.from({ length: 101 }, () => 1e-8 * Math.pow(10, r() * 88));
    v.push(1e-8, 1e80);
    const floor = bucketIndex(1e80) - MAX_BUCKETS + 1;
    const rest = shuffle(v.slice(0, 101), r);
    const orders: Array<[string, number[]]> = [
      ['descending', sortNum(v).reverse()],
      ['random', shuffle(v, r)],
      // The collapse right after the first window: the highest value first, then the lowest.
      ['highest, lowest, then the rest', [1e80, 1e-8, ...rest]],
      ['lowest, highest, then the rest', [1e-8, 1e80, ...rest]],
    ];
    for (const [what, order] of orders) {
      checkSketch(sketchOf(order, 1), v, what, floor, false);
      // Negative values: the mirrored histogram collapses the same way.
      checkSketch(sketchOf(order.map((x) => -x), 1), v.map((x) => -x), `${what}, negated`, floor, false);
    }
  });

  test('more than MAX_BUCKETS buckets, in descending or random order: values above the merged buckets keep the bound', () => {
    const r = rng(33);
    const v = Array.from({ length: 201 }, () => 1e-8 * Math.pow(10, r() * 88));
    v.push(1e-8, 1e80);
    const x = sortNum(v);
    // The merged buckets are at most the lowest ~8,192 − 64 below the largest index: leave a margin.
    const safe = bucketIndex(1e80) - MAX_BUCKETS + 200;
    for (const order of [sortNum(v).reverse(), shuffle(v, r)]) {
      const s = sketchOf(order, 1);
      expect(s.count).toBe(x.length);
      expect(s.percentile(0)).toBe(1e-8);
      expect(s.percentile(100)).toBe(1e80);
      let checked = 0;
      for (let k = 0; k < x.length; k++) {
        if (bucketIndex(x[k]!) <= safe) {
          // merged: read at or below the merged bucket's largest value, never above the next rank
          expect(s.percentile((100 * k) / (x.length - 1))!).toBeLessThanOrEqual(Math.pow(GAMMA, safe));
          continue;
        }
        checked++;
        expectWithinBound(s.percentile((100 * k) / (x.length - 1)), x[k]!, `rank ${k}`);
      }
      expect(checked).toBeGreaterThan(100);
      expect((s as unknown as { pos: { counts: Float64Array } }).pos.counts.length).toBe(MAX_BUCKETS);
    }
  });
});

describe('clear', () => {
  // A sketch cleared and reused (one per destination, millions of them) gives what a new one gives.
  test.each([
    ['exact after exact', 4, 20],
    // As many values as before, after a percentile: a sorted copy of the first values must not be reused.
    ['exact after exact, same count', 20, 20],
    ['exact after buckets', 200, 20],
    ['buckets after buckets', 300, 150],
    ['buckets after exact', 10, 150],
  ])('%s', (_name, first, second) => {
    const rng = mulberry32(first * 1000 + second);
    const draw = (n: number): number[] => Array.from({ length: n }, () => (rng() - 0.3) * 1000);
    const reused = new QuantileSketch(64);
    for (const v of draw(first)) reused.add(v);
    reused.percentile(50);
    reused.clear();
    expect(reused.count).toBe(0);
    expect(reused.distribution()).toStrictEqual(new QuantileSketch(64).distribution());
    const values = draw(second);
    for (const v of values) reused.add(v);
    const fresh = sketchOf(values, 64);
    expect(reused.isExact).toBe(fresh.isExact);
    expect(reused.distribution()).toStrictEqual(fresh.distribution());
    for (const p of [0, 1, 37, 50, 99, 100]) expect(reused.percentile(p)).toBe(fresh.percentile(p));
  });
});
