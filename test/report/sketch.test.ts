/**
 * The streaming percentile sketch (src/report/sketch.ts): identical to the
 * exact distribution up to its threshold, within its stated relative error
 * past it. Expected values come from the exact R-7 percentile (stats.ts, itself
 * checked against numpy in stats.test.ts) over the same generated values.
 */
import { distribution, percentile } from '../../src/report/stats.js';
import { EXACT_MAX, QuantileSketch, RELATIVE_ERROR, sketchOf } from '../../src/report/sketch.js';
import { mulberry32 } from '../helpers/rng.js';

/** Small deterministic PRNG (mulberry32) so failures reproduce. */
const rng = mulberry32;

const PS = [0, 1, 5, 10, 25, 50, 75, 90, 95, 99, 99.9, 100];

function sets(): [string, number[]][] {
  const r = rng(14);
  const n = 200_000;
  const logNormal = Array.from({ length: n }, () => Math.exp(3 + 1.5 * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r())));
  const uniform = Array.from({ length: n }, () => r() * 1000);
  // Setup ms of a SYN flood: mostly the same few values, with zeros (round trips) and a long tail.
  const lumpy = Array.from({ length: n }, (_, i) => (i % 7 === 0 ? 0 : i % 3 === 0 ? 3000 : 1 + Math.floor(r() * 5)));
  const wide = Array.from({ length: n }, () => Math.pow(10, -6 + r() * 14)); // 1 ns to 10^8 ms
  const signed = Array.from({ length: n }, () => (r() - 0.3) * 50);
  return [
    ['log-normal', logNormal],
    ['uniform', uniform],
    ['lumpy with zeros', lumpy],
    ['14 decades', wide],
    ['both signs', signed],
  ];
}

describe('QuantileSketch', () => {
  test('up to EXACT_MAX values: the very distribution stats.ts computes', () => {
    const r = rng(1);
    for (const n of [0, 1, 2, 9, 100, EXACT_MAX - 1, EXACT_MAX]) {
      const v = Array.from({ length: n }, () => r() * 100 - 10);
      const s = sketchOf(v);
      expect(s.isExact).toBe(true);
      expect(s.distribution()).toEqual(distribution(v));
      for (const p of PS) expect(s.percentile(p)).toBe(percentile(v, p));
    }
  });

  test('NaN is ignored, as distribution() does', () => {
    const v = [3, NaN, 1, 2];
    expect(sketchOf(v).distribution()).toEqual(distribution(v));
  });

  test('switch-over: one value past EXACT_MAX makes a sketch with exact count, min, max and total', () => {
    const v = Array.from({ length: EXACT_MAX + 1 }, (_, i) => (i * 7919) % 10007);
    const s = new QuantileSketch();
    for (let i = 0; i < EXACT_MAX; i++) s.add(v[i]!);
    expect(s.isExact).toBe(true);
    s.add(v[EXACT_MAX]!);
    expect(s.isExact).toBe(false);
    const d = s.distribution();
    const want = distribution(v);
    expect(d.count).toBe(EXACT_MAX + 1);
    expect(d.min).toBe(want.min);
    expect(d.max).toBe(want.max);
    expect(d.total).toBe(want.total); // integers: summed exactly in any order
    expect(d.mean).toBe(want.mean);
    for (const k of ['p50', 'p90', 'p99'] as const) expect(Math.abs(d[k]! - want[k]!)).toBeLessThanOrEqual(RELATIVE_ERROR * Math.abs(want[k]!));
  });

  test('a smaller threshold switches earlier (the same bound holds)', () => {
    const v = Array.from({ length: 50 }, (_, i) => i + 1);
    const s = sketchOf(v, 10);
    expect(s.isExact).toBe(false);
    for (const p of PS) expect(Math.abs(s.percentile(p)! - percentile(v, p)!)).toBeLessThanOrEqual(RELATIVE_ERROR * percentile(v, p)!);
  });

  test.each(sets())('%s (200,000 values): every percentile within the stated relative error of the exact one', (_name, v) => {
    const s = sketchOf(v);
    expect(s.isExact).toBe(false);
    for (const p of PS) {
      const want = percentile(v, p)!;
      const got = s.percentile(p)!;
      // A hair over α for float rounding in the bucket index and the representative.
      expect(Math.abs(got - want)).toBeLessThanOrEqual(RELATIVE_ERROR * Math.abs(want) * (1 + 1e-9) + 1e-12);
    }
    const d = s.distribution();
    const want = distribution(v);
    expect(d.count).toBe(want.count);
    expect(d.min).toBe(want.min);
    expect(d.max).toBe(want.max);
    expect(Math.abs(d.total - want.total)).toBeLessThanOrEqual(1e-12 * Math.abs(want.total) + 1e-9); // summed in another order
  });

  test('integers come out whole: a bucket of one distinct value gives it exactly', () => {
    const v = Array.from({ length: 100_000 }, (_, i) => 2 + (i % 2));
    const d = sketchOf(v).distribution();
    expect([d.p50, d.p90, d.p99]).toEqual([percentile(v, 50), percentile(v, 90), percentile(v, 99)]);
  });

  test('memory stays bounded: a million values keep no array of them', () => {
    const s = new QuantileSketch();
    const r = rng(3);
    for (let i = 0; i < 1_000_000; i++) s.add(r() * 1e6);
    // The buckets: values of 6 decades at 1 % take ~700 of them.
    const buckets = (s as unknown as { pos: { counts: Float64Array } }).pos.counts.length;
    expect(buckets).toBeLessThanOrEqual(8192);
    expect(s.count).toBe(1_000_000);
  });
});
