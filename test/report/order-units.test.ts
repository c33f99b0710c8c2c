/**
 * TotalKeyOrder (src/report/order.ts) keeps a prefix of each key, not the key, and must
 * still give the order of a stable sort by compareTotalKey (total, largest first, then
 * key in JavaScript string order), ties in the order added.
 */
import { TotalKeyOrder } from '../../src/report/order.js';
import { compareTotalKey } from '../../src/report/destinations.js';
import { mulberry32 } from '../helpers/rng.js';

function expected(entries: readonly [number, string][]): number[] {
  return entries.map((_, i) => i).sort((i, j) => compareTotalKey(entries[i]![0], entries[i]![1], entries[j]![0], entries[j]![1]));
}

function got(entries: readonly [number, string][]): number[] {
  const o = new TotalKeyOrder();
  for (const [t, k] of entries) o.add(t, k);
  expect(o.length).toBe(entries.length);
  return [...o.order()];
}

describe('TotalKeyOrder', () => {
  test('keys that differ past the kept prefix, only in length, by a NUL, by code units of 255 and more', () => {
    const entries: [number, string][] = [
      [0, '10.0.0.10:443'],
      [0, '10.0.0.2:443'],
      [0, '10.0.0.1:443'],
      [0, 'api.eu-west-1.example.com.cdn:443'], // the same 24 code units as the next two
      [0, 'api.eu-west-1.example.com.:443'],
      [0, 'api.eu-west-1.example.com'],
      [0, 'api.eu-west-1.example.co'], // 24: held whole
      [0, '255.255.255.255:65535'],
      [0, '255.255.255.25:65535'],
      [0, 'a'],
      [0, 'a\u0000'], // the kept prefix pads with 0: told apart by length
      [0, 'a\u0000b'],
      [0, 'ÿ:443'], // 255
      [0, 'Ā:443'], // 256
      [0, '\u{1F600}.example:443'], // a surrogate pair
      [0, '\uFFFF:443'],
      [0, 'ÿÿ'],
      [0, 'ÿĀ'],
      [0, '10.0.0.1:443'], // equal keys: in the order added
      [5, 'z:1'],
      [5, 'a:1'],
      [2.5, 'm:1'],
      [0, ''],
    ];
    expect(got(entries)).toEqual(expected(entries));
  });

  test('random keys over a small alphabet (many shared prefixes), equal and unequal totals', () => {
    const r = mulberry32(7);
    const alphabet = ['a', 'b', '.', ':', '1', '\u0000', 'ÿ', 'Ā', '\uD83D', '\uDE00'];
    for (let round = 0; round < 20; round++) {
      const entries: [number, string][] = [];
      for (let i = 0; i < 500; i++) {
        const len = Math.floor(r() * 32);
        let k = '';
        // Mostly a few common stems, so that many keys share their first 24 code units.
        if (r() < 0.5) k = ['10.0.0.', 'service.example.internal.', 'a'.repeat(24), 'a'.repeat(20)][Math.floor(r() * 4)]!;
        for (let c = 0; c < len; c++) k += alphabet[Math.floor(r() * (r() < 0.8 ? 5 : alphabet.length))];
        entries.push([Math.floor(r() * 3), k]);
      }
      expect(got(entries)).toEqual(expected(entries));
    }
  });
});
