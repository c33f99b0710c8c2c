/**
 * StringTable (src/report/rows.ts): the row store's strings, each stored once and found by
 * an index of typed arrays keyed by textHash. Checked against a Map through growth, after
 * its index is let go (release) and made again, and with strings whose hashes collide.
 */
import { StringTable } from '../../src/report/rows.js';
import { textHash } from '../../src/base/hash.js';
import { mulberry32 } from '../helpers/rng.js';

/** Two different strings with the same textHash, found by search over short strings. */
function collidingPair(): [string, string] {
  const seen = new Map<number, string>();
  for (let i = 0; ; i++) {
    const s = `k${i.toString(36)}`;
    const h = textHash(s);
    const other = seen.get(h);
    if (other !== undefined) return [other, s];
    seen.set(h, s);
  }
}

describe('StringTable', () => {
  test('ids in the order strings first came, the same id for the same text, through growth and a release', () => {
    const rnd = mulberry32(27);
    const t = new StringTable();
    const model = new Map<string, number>();
    const pool = Array.from({ length: 5_000 }, (_, i) => (i % 7 === 0 ? `2001:db8::${i.toString(16)}` : i % 11 === 0 ? `h${i}.example.test` : `10.${i >> 8}.${i & 255}.1`));
    pool.push('', 'ünïcödé', 'TLS 1.3');
    let bad = 0;
    for (let step = 0; step < 20_000; step++) {
      // The text is made again each time: a different string object with the same characters.
      const s = `${pool[Math.floor(rnd() * pool.length)]!}`.slice(0);
      let want = model.get(s);
      if (want === undefined) model.set(s, (want = model.size));
      if (t.id(s) !== want) bad++;
      if (step === 10_000) t.release();
    }
    expect(bad).toBe(0);
    expect(t.list.length).toBe(model.size);
    for (const [s, i] of model) {
      expect(t.find(s)).toBe(i);
      expect(t.get(i)).toBe(s);
    }
    expect(t.find('not stored')).toBe(-1);
    expect(t.id(null)).toBe(-1);
    expect(t.id(undefined)).toBe(-1);
    expect(t.get(-1)).toBeNull();
    // Released after the last add: find makes the index again.
    t.release();
    expect(t.find(pool[3]!)).toBe(model.get(pool[3]!));
  });

  test('strings whose hashes collide get their own ids', () => {
    const [a, b] = collidingPair();
    expect(a).not.toBe(b);
    expect(textHash(a)).toBe(textHash(b));
    const t = new StringTable();
    expect(t.id(a)).toBe(0);
    expect(t.id(b)).toBe(1);
    expect(t.id(a)).toBe(0);
    expect(t.find(b)).toBe(1);
    t.release();
    expect(t.find(a)).toBe(0);
    expect(t.find(b)).toBe(1);
  });
});
