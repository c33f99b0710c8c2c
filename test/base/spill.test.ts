/**
 * SpillSorter (src/base/spill.ts): rows come back in the order a plain stable
 * sort gives, whether they fit in one run in memory or were written in many runs
 * to a temporary file and merged; and TempBytes keeps working in memory when no
 * temporary file can be made.
 */
import { SpillSorter, TempBytes } from '../../src/base/spill.js';
import { mulberry32 } from '../helpers/rng.js';

// Rows of 12 bytes: a key (uint32, few distinct values: many ties), a time (float64).
// Sorted by key, then time; the arrival number is not in the row: ties must keep arrival order.
const byKeyTime = (a: DataView, ao: number, b: DataView, bo: number): number =>
  a.getUint32(ao, true) - b.getUint32(bo, true) || a.getFloat64(ao + 4, true) - b.getFloat64(bo + 4, true);

function rows(n: number, seed: number): { key: number; time: number; arrival: number }[] {
  const r = mulberry32(seed);
  return Array.from({ length: n }, (_, arrival) => ({ key: Math.floor(r() * 7), time: Math.floor(r() * 50) / 4, arrival }));
}

/** The (key, time) rows the sorter gives back, and how many runs it had written to its file. */
function sortThrough(sorter: SpillSorter, input: { key: number; time: number }[]): { got: number[][]; spilled: number } {
  for (const x of input) {
    const at = sorter.add();
    sorter.view.setUint32(at, x.key, true);
    sorter.view.setFloat64(at + 4, x.time, true);
  }
  const c = sorter.cursor();
  const spilled = sorter.spilledRuns;
  const got: number[][] = [];
  while (c.next()) got.push([c.view.getUint32(c.off, true), c.view.getFloat64(c.off + 4, true)]);
  sorter.close();
  return { got, spilled };
}

const plain = (input: { key: number; time: number }[]): number[][] => [...input].sort((a, b) => a.key - b.key || a.time - b.time).map((x) => [x.key, x.time]);

describe('SpillSorter', () => {
  test.each([
    ['one run in memory', 1000, 5000, 64],
    ['runs of 64 merged from the temporary file', 1000, 64, 64],
    ['runs of 1 (every row its own run), merged in two passes', 300, 1, 64],
    ['runs of 7, a partial last run, in two passes', 1003, 7, 64],
    ['runs of 7 merged 3 at a time (145 runs: five passes)', 1013, 7, 3],
    ['runs of 1 merged 2 at a time', 257, 1, 2],
  ])('%s: the order of a plain sort', (_how, n, runRows, fanIn) => {
    const input = rows(n, n + runRows);
    const sorter = new SpillSorter(12, byKeyTime, { runRows, fanIn });
    const { got, spilled } = sortThrough(sorter, input);
    expect(got).toEqual(plain(input));
    expect(spilled).toBe(n > runRows ? Math.ceil(n / runRows) : 0);
  });

  test('rows that compare equal come back in the order they were added, across runs', () => {
    // The key alone orders; the time is carried and must stay in arrival order among equal keys.
    const byKey = (a: DataView, ao: number, b: DataView, bo: number): number => a.getUint32(ao, true) - b.getUint32(bo, true);
    const input = rows(2000, 5).map((x) => ({ ...x, time: x.arrival }));
    for (const [runRows, fanIn] of [[2000, 64], [33, 64], [1, 64], [33, 2], [1, 3]] as const) {
      const sorter = new SpillSorter(12, byKey, { runRows, fanIn });
      for (const x of input) {
        const at = sorter.add();
        sorter.view.setUint32(at, x.key, true);
        sorter.view.setFloat64(at + 4, x.time, true);
      }
      if (runRows < 2000) expect(sorter.spilledRuns).toBeGreaterThan(0);
      const c = sorter.cursor();
      const got: number[][] = [];
      while (c.next()) got.push([c.view.getUint32(c.off, true), c.view.getFloat64(c.off + 4, true)]);
      sorter.close();
      expect(got).toEqual([...input].sort((a, b) => a.key - b.key || a.arrival - b.arrival).map((x) => [x.key, x.time]));
    }
  });

  test.each([
    ['one run in memory, out of order', 500, 5000, 64],
    ['runs merged from the file', 500, 64, 64],
    ['more runs than merged at once (merged down first, then again from those)', 500, 7, 3],
  ])('a second cursor gives the same rows again (%s)', (_how, n, runRows, fanIn) => {
    const input = rows(n, 11 * n + runRows);
    const sorter = new SpillSorter(12, byKeyTime, { runRows, fanIn });
    for (const x of input) {
      const at = sorter.add();
      sorter.view.setUint32(at, x.key, true);
      sorter.view.setFloat64(at + 4, x.time, true);
    }
    const read = (): number[][] => {
      const c = sorter.cursor();
      const got: number[][] = [];
      while (c.next()) got.push([c.view.getUint32(c.off, true), c.view.getFloat64(c.off + 4, true)]);
      return got;
    };
    const first = read();
    expect(first).toEqual(plain(input));
    expect(read()).toEqual(first);
    sorter.close();
  });

  test('no rows: the cursor is empty', () => {
    const sorter = new SpillSorter(12, byKeyTime, { runRows: 4 });
    expect(sorter.cursor().next()).toBe(false);
  });
});

describe('TempBytes', () => {
  test('bytes read back by position, across appends', () => {
    const t = new TempBytes();
    const all = Buffer.from(Array.from({ length: 10_000 }, (_, i) => (i * 7) & 0xff));
    for (let i = 0; i < all.length; i += 333) t.append(all.subarray(i, i + 333));
    expect(t.length).toBe(all.length);
    expect(t.inMemory).toBe(false);
    const into = new Uint8Array(1000);
    t.read(4321, into, 1000);
    expect(Buffer.from(into).equals(all.subarray(4321, 5321))).toBe(true);
    t.close();
  });

  test.each([
    ['', false],
    [', short reads through the block cache (a cached block read again after the file grew)', true],
  ])('appends of every size, reads between them: collected small appends are read back before and after they reach the file%s', (_, cachedReads) => {
    const r = mulberry32(41);
    const t = new TempBytes(undefined, { cachedReads });
    const all: number[] = [];
    for (let step = 0; step < 400; step++) {
      // Mostly short appends (collected), sometimes one longer than the collecting buffer (64 KiB).
      const n = r() < 0.05 ? 70_000 + Math.floor(r() * 20_000) : Math.floor(r() * 300);
      const piece = Buffer.from(Array.from({ length: n }, () => Math.floor(r() * 256)));
      t.append(piece);
      for (const b of piece) all.push(b);
      if (r() < 0.3 && all.length > 0) {
        // Anywhere, often the newest bytes (still collected, not yet written).
        const pos = r() < 0.5 ? Math.max(0, all.length - 1 - Math.floor(r() * 500)) : Math.floor(r() * all.length);
        const len = Math.min(all.length - pos, 1 + Math.floor(r() * 5000));
        const into = new Uint8Array(len);
        t.read(pos, into, len);
        expect(Buffer.from(into).equals(Buffer.from(all.slice(pos, pos + len)))).toBe(true);
      }
    }
    expect(t.length).toBe(all.length);
    expect(t.inMemory).toBe(false);
    const whole = new Uint8Array(all.length);
    t.read(0, whole, all.length);
    expect(Buffer.from(whole).equals(Buffer.from(all))).toBe(true);
    // Cleared with bytes still collected, it starts again at 0 with none of them left over.
    t.append(Buffer.from([9, 9, 9, 9]));
    t.clear();
    t.append(Buffer.from([1, 2, 3]));
    const three = new Uint8Array(3);
    t.read(0, three, 3);
    expect([...three]).toEqual([1, 2, 3]);
    expect(t.length).toBe(3);
    t.close();
  });

  test('with no usable temporary directory (TMPDIR missing or read-only), everything stays in memory and reads the same', () => {
    const nowhere = '/nonexistent/handshake-lens-test';
    {
      const t = new TempBytes(nowhere);
      const all = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 13) & 0xff));
      for (let i = 0; i < all.length; i += 700) t.append(all.subarray(i, i + 700));
      expect(t.inMemory).toBe(true);
      const into = new Uint8Array(2100);
      t.read(650, into, 2100); // spans four appended pieces
      expect(Buffer.from(into).equals(all.subarray(650, 2750))).toBe(true);
      t.close();
      // A sorter over it gives the same order as one with a file.
      const sorter = new SpillSorter(12, byKeyTime, { runRows: 16, dir: nowhere, fanIn: 4 });
      const input = rows(500, 9); // 32 runs, merged 4 at a time: the passes' runs appended in memory
      const { got, spilled } = sortThrough(sorter, input);
      expect(spilled).toBeGreaterThan(1);
      expect(got).toEqual(plain(input));
    }
  });
});
