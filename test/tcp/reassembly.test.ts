/**
 * Sequence-space logic of one direction's reassembly: order, overlaps,
 * retransmissions, wrap-around, holes. The bytes are arbitrary; what is tested
 * is which bytes come out, in which order, tagged with which frame.
 */
import { StreamReassembler } from '../../src/tcp/reassembly.js';
import type { Stamp } from '../../src/base/stamp.js';

const st = (frame: number): Stamp => ({ frame, tsSec: 1000 + frame, tsNsec: 0 });

function harness(maxPending?: number) {
  const out: { text: string; frame: number; start: boolean }[] = [];
  const gaps: number[] = [];
  const r = new StreamReassembler(
    {
      data: (chunk, stamp, segmentStart) => out.push({ text: chunk.toString('latin1'), frame: stamp.frame, start: segmentStart }),
      gap: (lost) => gaps.push(lost),
    },
    maxPending,
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
