/**
 * TcpConnection (src/tcp/connection.ts) driven segment by segment, for the rules
 * its comments state that no capture reaches (connection-units checks every
 * capture against tshark): limitHeld(), a reader that stops wanting a
 * direction mid-stream, and the other corners listed per test. Segments are
 * decoded-packet headers built here (packets.ts); expected values come from
 * RFC 9293 (sequence numbers, the handshake) and the module's documented rules
 * (reassembly.ts: a hole is given up when what is held ahead of it, its bytes
 * plus HELD_SEGMENT_OVERHEAD per segment, would pass maxPending).
 */
import { TcpConnection, type Dir, type StreamConsumer } from '../../src/tcp/connection.js';
import { TCP_ACK, TCP_SYN } from '../../src/decode/types.js';
import type { Stamp } from '../../src/base/stamp.js';
import { HELD_SEGMENT_OVERHEAD } from '../../src/tcp/reassembly.js';
import { EMPTY, pkt } from './packets.js';

const PSH = 0x08;
const A = { ip: '10.0.0.1', port: 40000 };
const B = { ip: '10.9.9.9', port: 443 };

/** A reader that records what it is given; `want[dir]` may be changed while it reads. */
function reader(want: [boolean, boolean] = [true, true]) {
  const data: [Dir, number, number][] = []; // direction, bytes, frame
  const gaps: [Dir, number][] = [];
  const consumer: StreamConsumer = {
    wants: (dir) => want[dir],
    data: (dir, chunk, stamp) => data.push([dir, chunk.length, stamp.frame]),
    gap: (dir, lost) => gaps.push([dir, lost]),
  };
  return { consumer, data, gaps, want };
}

/** A connection from A (direction 0) to B, and a feeder of its segments (frames 1, 2, ...; one second apart). */
function setup(consumer?: StreamConsumer) {
  let frame = 0;
  const stamp = (): Stamp => ({ frame: ++frame, tsSec: 1000 + frame, tsNsec: 0 });
  const c = new TcpConnection(0, A, B, { frame: 1, tsSec: 1001, tsNsec: 0 });
  c.consumer = consumer;
  const seg = (dir: Dir, flags: number, seq: number, ack: number, len = 0): Stamp => {
    const p = dir === 0 ? pkt(A.ip, A.port, B.ip, B.port, flags, seq, ack, len ? Buffer.alloc(len, 0x61) : EMPTY) : pkt(B.ip, B.port, A.ip, A.port, flags, seq, ack, len ? Buffer.alloc(len, 0x62) : EMPTY);
    const s = stamp();
    c.segment(dir, p.tcp!, s, 54 + len);
    return s;
  };
  /** RFC 9293 §3.5 three-way handshake: client ISN 100, server ISN 9000 (data starts at 101 and 9001). */
  const handshake = () => {
    seg(0, TCP_SYN, 100, 0);
    seg(1, TCP_SYN | TCP_ACK, 9000, 101);
    seg(0, TCP_ACK, 101, 9001);
  };
  return { c, seg, handshake };
}

/** Two 100-byte segments held ahead of a hole cost 2 × (100 + overhead). */
const TWO_HELD = 2 * (100 + HELD_SEGMENT_OVERHEAD);

describe('limitHeld(): the bytes held ahead of a hole, per direction', () => {
  /**
   * After the handshake the client's bytes 101..110 are lost: a 100-byte segment at 111 is held,
   * then one at 211 (contiguous with it, still ahead of the hole) would make TWO_HELD.
   */
  function lossyClient(limit: (c: TcpConnection) => void, limitAfterFirst: (c: TcpConnection) => void = () => {}) {
    const r = reader();
    const h = setup(r.consumer);
    h.handshake();
    limit(h.c);
    const f1 = h.seg(0, TCP_ACK | PSH, 111, 9001, 100);
    limitAfterFirst(h.c);
    const f2 = h.seg(0, TCP_ACK | PSH, 211, 9001, 100);
    return { ...r, h, f1: f1.frame, f2: f2.frame };
  }

  test('unlimited (default 1 MiB): both segments stay held, nothing read, no gap', () => {
    const r = lossyClient(() => {});
    expect(r.data).toEqual([]);
    expect(r.gaps).toEqual([]);
    expect(r.h.c.missingBytes).toBe(0);
  });

  test('lowered below what two would cost, on a direction already reading: the 10-byte hole is given up at the second', () => {
    const r = lossyClient(() => {}, (c) => c.limitHeld(TWO_HELD - 1));
    expect(r.gaps).toEqual([[0, 10]]);
    // The held segment keeps its own frame; the second is then in order and read at once.
    expect(r.data).toEqual([[0, 100, r.f1], [0, 100, r.f2]]);
    expect(r.h.c.missingBytes).toBe(10);
  });

  test('lowered exactly to what two cost: not passed, both stay held', () => {
    const r = lossyClient(() => {}, (c) => c.limitHeld(TWO_HELD));
    expect(r.data).toEqual([]);
    expect(r.gaps).toEqual([]);
  });

  test('set before the direction\'s first payload: its reassembler, made later, starts with the limit', () => {
    const r = lossyClient((c) => c.limitHeld(TWO_HELD - 1));
    expect(r.gaps).toEqual([[0, 10]]);
    expect(r.data).toEqual([[0, 100, r.f1], [0, 100, r.f2]]);
  });

  test('it only lowers: a higher limit later does not raise a direction already limited', () => {
    const r = lossyClient(() => {}, (c) => {
      c.limitHeld(TWO_HELD - 1);
      c.limitHeld(1 << 20);
    });
    expect(r.gaps).toEqual([[0, 10]]);
    expect(r.data).toEqual([[0, 100, r.f1], [0, 100, r.f2]]);
  });
});

describe('a reader that stops wanting a direction', () => {
  test('once wants(dir) turns false while a chunk is read, that direction is no longer read; the other still is', () => {
    const r = reader();
    // What it came for is the direction's first 10 bytes: it says so while reading them (as the timeline's reader does).
    const data = r.consumer.data;
    r.consumer.data = (dir, chunk, stamp, start) => {
      data(dir, chunk, stamp, start);
      if (dir === 0) r.want[0] = false;
    };
    const h = setup(r.consumer);
    h.handshake();
    const f1 = h.seg(0, TCP_ACK | PSH, 101, 9001, 10);
    h.seg(0, TCP_ACK | PSH, 111, 9001, 10);
    const f3 = h.seg(1, TCP_ACK | PSH, 9001, 121, 20);
    h.seg(0, TCP_ACK | PSH, 121, 9021, 10);
    expect(r.data).toEqual([[0, 10, f1.frame], [1, 20, f3.frame]]);
    // TCP's own counters go on (RFC 9293: the segments still arrived).
    expect(h.c.payloadBytes).toEqual([30, 20]);
  });
});

describe('initial RTT (tcp.analysis.initial_rtt: from the last SYN to the first ACK-bearing segment after it)', () => {
  test('times a whole number of seconds apart (equal nanoseconds) are not equal times: the RTT is taken at the handshake ACK', () => {
    const h = setup();
    const syn = h.seg(0, TCP_SYN, 100, 0);
    h.seg(1, TCP_SYN | TCP_ACK, 9000, 101);
    const ack = h.seg(0, TCP_ACK, 101, 9001);
    h.seg(0, TCP_ACK | PSH, 101, 9001, 10);
    h.seg(1, TCP_ACK, 9001, 111);
    expect([h.c.initialRttSyn?.frame, h.c.initialRttAt?.frame]).toEqual([syn.frame, ack.frame]);
    expect(ack.tsSec - syn.tsSec).toBe(2);
  });
});

describe('counters of held segments (countersAt): at most 256 kept per connection', () => {
  test('257 segments held ahead of one hole: no more than 256 counters, the newest one\'s among them', () => {
    const r = reader();
    const h = setup(r.consumer);
    h.handshake();
    // Byte 101 lost; bytes 102.. come one per segment, each ahead of the hole.
    const held: Stamp[] = [];
    for (let i = 0; i < 257; i++) held.push(h.seg(0, TCP_ACK | PSH, 102 + i, 9001, 1));
    expect(r.data).toEqual([]);
    const kept = held.filter((s) => h.c.countersAt(s) !== undefined);
    expect(kept.length).toBeLessThanOrEqual(256);
    // The newest: 3 handshake packets and 257 data packets of 55 bytes on the wire.
    expect(h.c.countersAt(held[256]!)).toEqual({ packets: 260, bytes: 3 * 54 + 257 * 55 });
  });
});

describe('more corners of the rules in the comments', () => {
  test('a reader that stops wanting direction 1: only that direction stops', () => {
    const r = reader();
    const data = r.consumer.data;
    r.consumer.data = (dir, chunk, stamp, start) => {
      data(dir, chunk, stamp, start);
      if (dir === 1) r.want[1] = false;
    };
    const h = setup(r.consumer);
    h.handshake();
    const f1 = h.seg(1, TCP_ACK | PSH, 9001, 101, 10);
    h.seg(1, TCP_ACK | PSH, 9011, 101, 10);
    const f3 = h.seg(0, TCP_ACK | PSH, 101, 9021, 20);
    expect(r.data).toEqual([[1, 10, f1.frame], [0, 20, f3.frame]]);
  });

  test('the SYN-ACK\'s sender starts its client\'s stream at the first ACK number after its SYN, not a later one', () => {
    // Direction 0 (the client, first seen by its ACK) never shows its SYN; the server's SYN-ACK acknowledges 101,
    // then the server acknowledges 10 bytes never captured: the client's stream starts at 101, a 10-byte hole.
    const r = reader();
    const h = setup(r.consumer);
    h.seg(0, TCP_ACK, 101, 9001);
    h.seg(1, TCP_SYN | TCP_ACK, 9000, 101);
    h.seg(1, TCP_ACK, 9001, 111);
    const d = h.seg(0, TCP_ACK | PSH, 111, 9001, 10);
    h.c.release();
    expect(r.gaps).toEqual([[0, 10]]);
    expect(r.data).toEqual([[0, 10, d.frame]]);
    expect(h.c.missingBytes).toBe(10);
  });

  test('a SYN from direction 1 carrying one before its first sequence number is the same connection (RFC 9293: the ISN precedes the data)', () => {
    // Direction 0's SYN was captured; direction 1's SYN-ACK was not, its first segment (data at 9001) was.
    const h = setup();
    h.seg(0, TCP_SYN, 100, 0);
    h.seg(1, TCP_ACK | PSH, 9001, 101, 10);
    const syn1 = pkt(B.ip, B.port, A.ip, A.port, TCP_SYN, 9000, 0).tcp!;
    expect(h.c.isNewConnectionSyn(1, syn1)).toBe(false);
    expect(h.c.isNewConnectionSyn(1, pkt(B.ip, B.port, A.ip, A.port, TCP_SYN, 7777, 0).tcp!)).toBe(true);
  });
});

test('problems: none on a new connection; addProblem() appends in order (nothing in src calls it today)', () => {
  const a = setup().c;
  const b = setup().c;
  expect(a.problems).toEqual([]);
  a.addProblem('first');
  a.addProblem('second');
  expect(a.problems).toEqual(['first', 'second']);
  expect(b.problems).toEqual([]);
});
