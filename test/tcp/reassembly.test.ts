/**
 * Sequence-space logic of one direction's reassembly: order, overlaps,
 * retransmissions, wrap-around, holes. The bytes are arbitrary; what is tested
 * is which bytes come out, in which order, tagged with which frame.
 */
import { HeldBudget, HELD_SEGMENT_OVERHEAD, StreamReassembler } from '../../src/tcp/reassembly.js';
import type { Stamp } from '../../src/base/stamp.js';

/** CPU time of this process, µs: a loaded machine preempts the test, which wall time would count. */
const cpuNow = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

const st = (frame: number): Stamp => ({ frame, tsSec: 1000 + frame, tsNsec: 0 });

function harness(maxPending?: number, budget?: HeldBudget) {
  const out: { text: string; frame: number; start: boolean }[] = [];
  const gaps: number[] = [];
  const r = new StreamReassembler(
    {
      data: (chunk, stamp, segmentStart) => out.push({ text: chunk.toString('latin1'), frame: stamp.frame, start: segmentStart }),
      gap: (lost) => gaps.push(lost),
    },
    maxPending,
    budget,
  );
  const seg = (seq: number, text: string, frame: number, claimed = text.length) =>
    r.segment(seq >>> 0, Buffer.from(text, 'latin1'), claimed, st(frame));
  const text = () => out.map((o) => o.text).join('');
  return { r, out, gaps, seg, text };
}

test('in-order segments after a SYN are delivered as they come', () => {
  const h = harness();
  h.r.syn(999);
  expect(h.seg(1000, 'hello ', 1)).toBe('in-order');
  expect(h.seg(1006, 'world', 2)).toBe('in-order');
  expect(h.text()).toBe('hello world');
  expect(h.out.map((o) => o.frame)).toEqual([1, 2]);
});

test('an exact retransmission is recognised and not delivered twice', () => {
  const h = harness();
  h.r.syn(0);
  h.seg(1, 'abc', 1);
  expect(h.seg(1, 'abc', 2)).toBe('retransmission');
  expect(h.text()).toBe('abc');
});

test('a partial overlap delivers only the new tail, not at a segment start', () => {
  const h = harness();
  h.r.syn(0);
  h.seg(1, 'abcd', 1);
  expect(h.seg(3, 'cdef', 2)).toBe('overlap');
  expect(h.text()).toBe('abcdef');
  expect(h.out[1]).toEqual({ text: 'ef', frame: 2, start: false });
});

test('out-of-order data is held and released by the frame that fills the hole', () => {
  const h = harness();
  h.r.syn(0);
  h.seg(1, 'AAAA', 1);
  expect(h.seg(9, 'CCCC', 2)).toBe('out-of-order');
  expect(h.text()).toBe('AAAA');
  expect(h.r.held).toBe(4);
  expect(h.seg(5, 'BBBB', 3)).toBe('in-order');
  expect(h.text()).toBe('AAAABBBBCCCC');
  // The held segment completes in frame 3, as Wireshark shows with reassemble_out_of_order.
  expect(h.out.map((o) => o.frame)).toEqual([1, 3, 3]);
  expect(h.r.held).toBe(0);
});

test('sequence numbers wrap around 2^32', () => {
  const h = harness();
  h.r.syn(0xfffffffd);
  h.seg(0xfffffffe, 'ab', 1);
  h.seg(0, 'cd', 2);
  expect(h.seg(0xffffffff, 'bc', 3)).toBe('retransmission');
  expect(h.text()).toBe('abcd');
});

test('bytes cut by the snaplen become a gap of the missing length', () => {
  const h = harness();
  h.r.syn(0);
  h.seg(1, 'abc', 1, 10); // 10 bytes on the wire, 3 captured
  expect(h.gaps).toEqual([7]);
  expect(h.r.missingBytes).toBe(7);
  h.seg(11, 'next', 2);
  expect(h.text()).toBe('abcnext');
});

test('flush gives up on a hole and delivers what was held after it', () => {
  const h = harness();
  h.r.syn(0);
  h.seg(1, 'aa', 1);
  h.seg(10, 'zz', 2);
  h.r.flush();
  expect(h.gaps).toEqual([7]);
  expect(h.text()).toBe('aazz');
  expect(h.out[1]!.frame).toBe(2);
});

test('held bytes are bounded: past the bound the oldest hole is given up', () => {
  const h = harness(8);
  h.r.syn(0);
  h.seg(1, 'a', 1);
  h.seg(5, 'bbbb', 2); // hole of 3 bytes, 4 held
  h.seg(20, 'cccccc', 3); // would hold 10 > 8: the first hole is skipped
  expect(h.gaps[0]).toBe(3);
  expect(h.text().startsWith('abbbb')).toBe(true);
  expect(h.r.held).toBeLessThanOrEqual(8);
});

test('after stop nothing is delivered but sequence tracking still counts retransmissions', () => {
  const h = harness();
  h.r.syn(0);
  h.seg(1, 'abc', 1);
  h.r.stop();
  expect(h.seg(4, 'def', 2)).toBe('in-order');
  expect(h.seg(4, 'def', 3)).toBe('retransmission');
  expect(h.text()).toBe('abc');
});

test('a hole given up on: each held segment keeps its own frame', () => {
  const h = harness();
  h.r.syn(0);
  h.seg(1, 'aa', 1);
  h.seg(5, 'cc', 2); // bytes 3-4 never come
  h.seg(7, 'dd', 3);
  h.seg(9, 'ee', 4);
  h.r.flush();
  expect(h.gaps).toEqual([2]);
  expect(h.out).toEqual([
    { text: 'aa', frame: 1, start: true },
    { text: 'cc', frame: 2, start: true },
    { text: 'dd', frame: 3, start: true },
    { text: 'ee', frame: 4, start: true },
  ]);
});

test('a hole given up on after segments came in reverse: a byte is stamped no earlier than the bytes before it', () => {
  // ee (frame 2) arrived before dd (frame 3): a message spanning dd..ee is only
  // complete at frame 3, the frame that supplied its last missing byte.
  const h = harness();
  h.r.syn(0);
  h.seg(1, 'aa', 1);
  h.seg(7, 'ee', 2);
  h.seg(5, 'dd', 3);
  h.r.flush();
  expect(h.out.map((o) => [o.text, o.frame])).toEqual([
    ['aa', 1],
    ['dd', 3],
    ['ee', 3],
  ]);
});

test('several holes given up on: a gap each, frames restart after each gap', () => {
  const h = harness();
  h.r.syn(0);
  h.seg(1, 'a', 1);
  h.seg(8, 'x', 2); // held, hole at 7
  h.seg(4, 'b', 3); // held, hole at 2-3
  h.r.flush();
  expect(h.gaps).toEqual([2, 3]);
  expect(h.out.map((o) => [o.text, o.frame])).toEqual([
    ['a', 1],
    ['b', 3],
    ['x', 2],
  ]);
  expect(h.r.held).toBe(0);
});

test('held segments arriving in any order come out in sequence order, equal offsets first come first served', () => {
  const h = harness(Infinity);
  h.r.syn(0);
  const n = 200;
  const order = Array.from({ length: n }, (_, i) => (i * 73) % n); // a permutation
  let frame = 2;
  for (const i of order) h.seg(2 + i, String.fromCharCode(65 + (i % 26)), frame++);
  h.seg(2 + n - 1, 'z', frame++); // a duplicate of the last byte: retransmission of a held segment
  expect(h.r.heldSegments).toBe(n + 1);
  h.seg(1, '#', frame);
  const expected = '#' + Array.from({ length: n }, (_, i) => String.fromCharCode(65 + (i % 26))).join('');
  expect(h.text()).toBe(expected);
  expect(new Set(h.out.slice(1).map((o) => o.frame))).toEqual(new Set([frame]));
  expect(h.r.held).toBe(0);
});

test('a segment cut by the snaplen held after a hole counts its per-segment overhead and yields its gap', () => {
  const h = harness(2 * HELD_SEGMENT_OVERHEAD + 10);
  h.r.syn(0);
  // Nothing captured of three 100-byte segments after a 1-byte hole: the third passes the per-direction bound.
  for (let i = 0; i < 3; i++) h.r.segment(2 + i * 100, Buffer.alloc(0), 100, st(2 + i));
  expect(h.gaps).toEqual([1, 100, 100, 100]);
  expect(h.r.missingBytes).toBe(301);
  expect(h.r.heldSegments).toBe(0);
});

describe('the shared budget', () => {
  test('at the cap the stream holding data the longest gives up its holes, and it is counted', () => {
    const budget = new HeldBudget(3 * (HELD_SEGMENT_OVERHEAD + 4));
    const a = harness(undefined, budget);
    const b = harness(undefined, budget);
    const c = harness(undefined, budget);
    for (const h of [a, b, c]) h.r.syn(0);
    a.seg(3, 'AAAA', 1); // a holds first (hole of 2)
    b.seg(4, 'BBBB', 2); // b second (hole of 3)
    c.seg(2, 'CCCC', 3); // c third: budget now full
    expect(budget.used).toBe(3 * (HELD_SEGMENT_OVERHEAD + 4));
    expect(budget.evictions).toBe(0);
    b.seg(20, 'bbbb', 4); // one more: a (oldest) gives up
    expect(budget.evictions).toBe(1);
    expect(budget.holesGivenUp).toBe(1);
    expect(budget.bytesGivenUp).toBe(2);
    expect(a.gaps).toEqual([2]);
    expect(a.out).toEqual([{ text: 'AAAA', frame: 1, start: true }]);
    expect(b.gaps).toEqual([]);
    expect(b.r.held).toBe(8);
    b.seg(1, 'xyz', 5); // b's first hole filled: BBBB delivered, 'bbbb' still held
    expect(b.text()).toBe('xyzBBBB');
    expect(budget.used).toBe(2 * (HELD_SEGMENT_OVERHEAD + 4));
    expect(budget.peak).toBe(3 * (HELD_SEGMENT_OVERHEAD + 4));
  });

  test('a stream may be the oldest itself: it gives up its own hole and the new segment is placed after it', () => {
    const budget = new HeldBudget(HELD_SEGMENT_OVERHEAD + 4);
    const a = harness(undefined, budget);
    a.r.syn(0);
    a.seg(3, 'AAAA', 1);
    a.seg(7, 'BB', 2); // would pass the cap: a's hole (2 bytes) is given up, AAAA delivered, BB in order
    expect(a.gaps).toEqual([2]);
    expect(a.out.map((o) => [o.text, o.frame])).toEqual([
      ['AAAA', 1],
      ['BB', 2],
    ]);
    expect(budget.used).toBe(0);
    expect(budget.evictions).toBe(1);
  });

  test('stop() returns what a stream held to the budget', () => {
    const budget = new HeldBudget();
    const a = harness(undefined, budget);
    a.r.syn(0);
    a.seg(3, 'AAAA', 1);
    expect(budget.used).toBe(HELD_SEGMENT_OVERHEAD + 4);
    a.r.stop();
    expect(budget.used).toBe(0);
  });
});

describe('scaling (time for 4n held segments within 12x the time for n: not quadratic)', () => {
  function timeHeld(n: number, order: 'ascending' | 'descending' | 'random' | 'cut'): number {
    const r = new StreamReassembler({ data: () => {}, gap: () => {} }, Infinity);
    r.syn(0);
    const idx = Array.from({ length: n }, (_, i) => i);
    if (order === 'descending') idx.reverse();
    if (order === 'random') {
      let s = 7;
      for (let i = n - 1; i > 0; i--) {
        s = (s * 1103515245 + 12345) >>> 0;
        const j = s % (i + 1);
        [idx[i], idx[j]] = [idx[j]!, idx[i]!];
      }
    }
    const one = Buffer.from('x');
    const none = Buffer.alloc(0);
    const t0 = cpuNow();
    let f = 2;
    if (order === 'cut') {
      for (const i of idx) r.segment(2 + i * 100, none, 100, st(f++));
      r.flush();
    } else {
      for (const i of idx) r.segment(2 + i, one, 1, st(f++));
      r.segment(1, one, 1, st(f));
    }
    expect(r.heldSegments).toBe(0);
    return cpuNow() - t0;
  }
  for (const order of ['ascending', 'descending', 'random', 'cut'] as const) {
    test(order, () => {
      timeHeld(20_000, order); // warm up
      // Interleaved, best of three each: the machine may be loaded.
      let small = Infinity;
      let large = Infinity;
      for (let i = 0; i < 3; i++) {
        small = Math.min(small, timeHeld(50_000, order));
        large = Math.min(large, timeHeld(200_000, order));
      }
      // n log n work would give ~4.5, but caches and the garbage collector make
      // each held segment dearer as the held set grows: 5-9 measured here.
      // Quadratic work gives 16 and more (the former sorted array: 30-50 in
      // descending and random order at these sizes).
      expect(large / small).toBeLessThan(12);
    });
  }
});
