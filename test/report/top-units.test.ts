/**
 * TopN (src/report/top.ts) against its doc: it keeps the `n` smallest items by
 * `compare`, ties keeping those added first. Reference: a stable sort of
 * everything offered (Array.prototype.sort is stable), cut to n.
 */
import { FirstN, TopN } from '../../src/report/top.js';
import { mulberry32 } from '../helpers/rng.js';

interface Item {
  key: number;
  seq: number;
}
const byKey = (a: Item, b: Item): number => a.key - b.key;

function reference(items: Item[], n: number): Item[] {
  return [...items].sort(byKey).slice(0, Math.max(0, n));
}

describe('TopN', () => {
  test('hand-worked: n = 3 over 5, 1, 4, 1, 5, 9, 2, 6', () => {
    const t = new TopN<Item>(3, byKey);
    [5, 1, 4, 1, 5, 9, 2, 6].forEach((key, seq) => t.add({ key, seq }));
    // the two 1s in arrival order, then the 2
    expect(t.values()).toEqual([
      { key: 1, seq: 1 },
      { key: 1, seq: 3 },
      { key: 2, seq: 6 },
    ]);
    expect(t.n).toBe(3);
  });

  test('ties at the cut: the item added first stays, a later equal one is not kept', () => {
    const t = new TopN<Item>(2, byKey);
    t.add({ key: 1, seq: 0 });
    t.add({ key: 2, seq: 1 });
    t.add({ key: 2, seq: 2 }); // equal to the last kept: not among the first 2
    expect(t.values()).toEqual([
      { key: 1, seq: 0 },
      { key: 2, seq: 1 },
    ]);
    t.add({ key: 1, seq: 3 }); // equal to the first: goes after it, pushes the 2 out
    expect(t.values()).toEqual([
      { key: 1, seq: 0 },
      { key: 1, seq: 3 },
    ]);
    t.add({ key: 0, seq: 4 });
    expect(t.values()).toEqual([
      { key: 0, seq: 4 },
      { key: 1, seq: 0 },
    ]);
  });

  test('n = 0 and negative n keep nothing', () => {
    for (const n of [0, -1]) {
      const t = new TopN<Item>(n, byKey);
      for (let i = 0; i < 5; i++) t.add({ key: i, seq: i });
      expect(t.values()).toEqual([]);
    }
  });

  test('fewer items than n: all of them, sorted, ties in arrival order', () => {
    const t = new TopN<Item>(10, byKey);
    const items = [3, 1, 3, 2, 1].map((key, seq) => ({ key, seq }));
    for (const it of items) t.add(it);
    expect(t.values()).toEqual(reference(items, 10));
  });

  test('random streams with many ties, n = 1..20: same as a stable sort cut to n', () => {
    const r = mulberry32(7);
    const rnd = (): number => Math.floor(r() * 2 ** 32);
    for (let round = 0; round < 200; round++) {
      const n = 1 + (round % 20);
      const len = rnd() % 60;
      const range = 1 + (rnd() % 12);
      const items: Item[] = [];
      const t = new TopN<Item>(n, byKey);
      for (let seq = 0; seq < len; seq++) {
        const it = { key: rnd() % range, seq };
        items.push(it);
        t.add(it);
        // after every add, not only at the end
        expect(t.values()).toEqual(reference(items, n));
      }
    }
  });

  test('values() is a copy; find() looks only among the kept items', () => {
    const t = new TopN<Item>(2, byKey);
    for (const [key, seq] of [[4, 0], [1, 1], [3, 2]]) t.add({ key, seq });
    const v = t.values();
    v.pop();
    v.push({ key: 99, seq: 99 });
    expect(t.values()).toEqual([
      { key: 1, seq: 1 },
      { key: 3, seq: 2 },
    ]);
    expect(t.find((x) => x.key === 3)).toEqual({ key: 3, seq: 2 });
    expect(t.find((x) => x.key === 4)).toBeUndefined();
  });
});

describe('FirstN (a heap of the first n)', () => {
  const byValueThenKey = (a: { v: number; k: string }, b: { v: number; k: string }) => b.v - a.v || (a.k < b.k ? -1 : a.k > b.k ? 1 : 0);
  const sequences: [string, { v: number; k: string }[]][] = [
    ['ascending', Array.from({ length: 200 }, (_, i) => ({ v: i, k: `k${i}` }))],
    ['descending', Array.from({ length: 200 }, (_, i) => ({ v: 200 - i, k: `k${i}` }))],
    // Equal values: the key decides (lexicographic, not arrival: "k10" < "k2").
    ['all equal', Array.from({ length: 200 }, (_, i) => ({ v: 0, k: `k${i}` }))],
    ['random with ties', (() => {
      let x = 12345;
      return Array.from({ length: 500 }, (_, i) => {
        x = (x * 1103515245 + 12345) % 2 ** 31;
        return { v: x % 17, k: `k${i}` };
      });
    })()],
  ];
  for (const [name, items] of sequences) {
    test.each([0, 1, 2, 5, 64, 199, 200, 1000, Infinity])(`${name}: n = %p`, (n) => {
      const f = new FirstN(n, byValueThenKey);
      for (const x of items) f.add(x);
      const want = [...items].sort(byValueThenKey).slice(0, n === Infinity ? undefined : n);
      expect(f.sorted()).toEqual(want);
      expect(f.size).toBe(want.length);
    });
  }
});
