import { distribution, percentile, peakConcurrency } from '../../src/report/index.js';

// Expected values computed with numpy 2.4.6: numpy.percentile(v, p) (default method 'linear'),
// numpy.mean(v), numpy.sum(v).
const V = [12.5, 3, 7.25, 100, 0.5, 42, 8, 8, 19.75];

describe('percentile (linear interpolation between closest ranks)', () => {
  test.each([
    [0, 0.5],
    [10, 2.5],
    [25, 7.25],
    [50, 8],
    [90, 53.6],
    [99, 95.36],
    [100, 100],
  ])('p%d of an unsorted list matches numpy', (p, want) => {
    expect(percentile(V, p)).toBeCloseTo(want, 10);
  });

  test('even count: p50 is the mean of the middle values; input not modified', () => {
    const v = [4, 1, 3, 2];
    expect(percentile(v, 50)).toBe(2.5);
    expect(percentile(v, 90)).toBeCloseTo(3.7, 12);
    expect(percentile(v, 99)).toBeCloseTo(3.97, 12);
    expect(v).toEqual([4, 1, 3, 2]);
  });

  test('empty -> null, single value -> itself, NaN ignored', () => {
    expect(percentile([], 50)).toBeNull();
    expect(percentile([7], 0)).toBe(7);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([NaN, 5, NaN, 1], 50)).toBe(3);
  });

  test('p outside 0..100 is a programming error', () => {
    expect(() => percentile([1], 101)).toThrow(RangeError);
    expect(() => percentile([1], -1)).toThrow(RangeError);
    expect(() => percentile([1], NaN)).toThrow(RangeError);
  });
});

describe('distribution', () => {
  test('matches numpy on the same list', () => {
    const d = distribution(V);
    expect(d.count).toBe(9);
    expect(d.min).toBe(0.5);
    expect(d.max).toBe(100);
    expect(d.p50).toBe(8);
    expect(d.p90).toBeCloseTo(53.6, 10);
    expect(d.p99).toBeCloseTo(95.36, 10);
    expect(d.mean).toBeCloseTo(22.333333333333332, 12);
    expect(d.total).toBe(201);
  });

  test('no values: nulls and a zero total', () => {
    expect(distribution([])).toEqual({ count: 0, min: null, p50: null, p90: null, p99: null, max: null, mean: null, total: 0 });
  });
});

describe('peakConcurrency', () => {
  test('none', () => expect(peakConcurrency([])).toBe(0));
  test('back-to-back intervals do not overlap (half-open)', () => {
    expect(peakConcurrency([{ start: 0, end: 1 }, { start: 1, end: 2 }, { start: 2, end: 3 }])).toBe(1);
  });
  test('nested and chained overlaps', () => {
    expect(
      peakConcurrency([
        { start: 0, end: 10 },
        { start: 1, end: 2 },
        { start: 1.5, end: 3 },
        { start: 2.5, end: 4 },
        { start: 11, end: 12 },
      ]),
    ).toBe(3);
  });
  test('a zero-length interval counts at its instant, also on another one\'s boundary', () => {
    expect(peakConcurrency([{ start: 0, end: 1 }, { start: 0.5, end: 0.5 }])).toBe(2);
    expect(peakConcurrency([{ start: 0, end: 1 }, { start: 1, end: 1 }])).toBe(1);
    expect(peakConcurrency([{ start: 1, end: 1 }, { start: 1, end: 1 }])).toBe(2);
  });
});
