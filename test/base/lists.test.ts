/** appendTight: exact-length copies for short lists (per-connection memory), in-place pushes after. */
import { appendTight, TIGHT_UP_TO } from '../../src/base/lists.js';

test('short lists are new arrays holding the old items and the new one; the input is left as it was', () => {
  const empty = Object.freeze([]) as unknown as number[];
  let list = empty;
  const seen: number[][] = [];
  for (let i = 0; i < TIGHT_UP_TO; i++) {
    const before = list;
    const copy = [...before];
    list = appendTight(list, i * 10);
    expect(list).not.toBe(before);
    expect(before).toEqual(copy);
    expect(list).toEqual([...copy, i * 10]);
    seen.push(list);
  }
  expect(empty).toEqual([]);
  // Each step's array kept its own contents.
  expect(seen.map((l) => l.length)).toEqual(Array.from({ length: TIGHT_UP_TO }, (_, i) => i + 1));
});

test('from TIGHT_UP_TO items on, the item is pushed onto the same list', () => {
  let list: string[] = [];
  for (let i = 0; i < TIGHT_UP_TO; i++) list = appendTight(list, `m${i}`);
  const same = list;
  for (let i = TIGHT_UP_TO; i < TIGHT_UP_TO + 5; i++) list = appendTight(list, `m${i}`);
  expect(list).toBe(same);
  expect(list).toEqual(Array.from({ length: TIGHT_UP_TO + 5 }, (_, i) => `m${i}`));
});

test('an array made by appendTight has no holes (every index present)', () => {
  let list: (number | undefined)[] = [];
  list = appendTight(list, undefined);
  list = appendTight(list, 1);
  expect(0 in list && 1 in list).toBe(true);
  expect(list).toEqual([undefined, 1]);
});
