/**
 * ConnectionTracker (src/tcp/tracker.ts) fed decoded packets built here
 * (packets.ts), for rules its comments state that tracker.test.ts and
 * tracker-units.test.ts do not reach: the defaults of TrackerOptions (a sweep
 * every 16384 frames, 60 s of linger, release after 300 s idle, 4096 closed
 * lingering, 1 s of quiet, 64 MiB held, the wall clock), which tuples of
 * connections finalized early are remembered (exactly the last maxOpen of
 * them, however many were forgotten before), openConnections()'s order, and
 * which connection the open cap finalizes when capture times go backwards.
 * Expected values come from those comments, never from running the tracker.
 */
import { ConnectionTracker, type TrackerOptions } from '../../src/tcp/tracker.js';
import type { StreamConsumer, TcpConnection } from '../../src/tcp/connection.js';
import { TCP_ACK, TCP_RST, TCP_SYN, type DecodedPacket } from '../../src/decode/types.js';
import { HELD_SEGMENT_OVERHEAD } from '../../src/tcp/reassembly.js';
import { pkt } from './packets.js';

function setup(opts: TrackerOptions = {}, consumer?: () => StreamConsumer) {
  const finals: TcpConnection[] = [];
  let frame = 0;
  const tracker = new ConnectionTracker(() => consumer?.(), (c) => finals.push(c), opts);
  const feed = (p: DecodedPacket, tsSec: number) => tracker.packet(p, { frame: ++frame, tsSec, tsNsec: 0 }, 60);
  return { tracker, finals, feed, frames: () => frame };
}

/** Client i: a different address and port for each (the tuple key hashes both). */
const client = (i: number) => ({ ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, port: 1024 + (i % 50000) });
const SERVER = '10.250.0.1';
const synOf = (i: number) => pkt(client(i).ip, client(i).port, SERVER, 443, TCP_SYN, 1000 + i);
/** The server's SYN-ACK to client i: a later packet of i's connection, from the other side. */
const synAckTo = (i: number) => pkt(SERVER, 443, client(i).ip, client(i).port, TCP_SYN | TCP_ACK, 5000, 1001 + i);
/** Client i's ACK: a later packet of i's connection, from its own side. */
const ackOf = (i: number) => pkt(client(i).ip, client(i).port, SERVER, 443, TCP_ACK, 1001 + i, 5001);

describe('tuples of connections finalized early at the open cap', () => {
  /**
   * `n` SYNs of distinct clients with room for `cap`: clients 0 .. n-cap-1 are finalized early, in
   * that order; the tuples remembered are those of the last `cap` of them (the oldest forgotten first).
   */
  function flood(cap: number, n: number) {
    const h = setup({ maxOpenConnections: cap });
    for (let i = 0; i < n; i++) h.feed(synOf(i), 1000);
    expect(h.tracker.stats.finalizedEarly).toBe(n - cap);
    return h;
  }

  test.each([
    [3, 10],
    [2, 3000], // thousands forgotten through a table of 1024 slots
    [1500, 3200], // more remembered than a table of 1024 slots holds
  ])('cap %i, %i SYNs: exactly the last cap-many are remembered, from either side', (cap, n) => {
    const h = flood(cap, n);
    const early = n - cap;
    // Every remembered one, oldest and newest first, then all of them: counted, no new connection.
    const remembered = [early - cap, early - 1];
    for (let i = early - cap; i < early; i++) remembered.push(i);
    let counted = 0;
    for (const i of remembered) {
      h.feed(i % 2 ? synAckTo(i) : ackOf(i), 1001);
      expect({ i, afterEarly: h.tracker.stats.afterEarly }).toEqual({ i, afterEarly: ++counted });
    }
    expect(h.tracker.stats.finalizedEarly).toBe(early);
    // The newest forgotten, then one never seen: each a new (mid-stream) connection, not counted.
    h.feed(ackOf(early - cap - 1), 1002);
    expect(h.tracker.stats).toMatchObject({ afterEarly: counted, finalizedEarly: early + 1 });
    h.feed(synAckTo(n + 7), 1002);
    expect(h.tracker.stats).toMatchObject({ afterEarly: counted, finalizedEarly: early + 2 });
  });
  test('a tuple finalized early a second time while still remembered takes no second place: the last 3 distinct tuples stay', () => {
    const h = setup({ maxOpenConnections: 3 });
    for (let i = 0; i < 4; i++) h.feed(synOf(i), 1000); // 0 finalized early: remembered {0}
    h.feed(synOf(0), 1001); // a new connection on 0's tuple (a SYN is never counted): 1 finalized early, {0, 1}
    h.feed(ackOf(2), 1002); // 2 and 3 active again: the new connection on 0's tuple is the longest idle
    h.feed(ackOf(3), 1002);
    h.feed(synOf(4), 1003); // finalizes 0's second connection early: 0 again, {0, 1}
    h.feed(synOf(5), 1004); // finalizes 2 early: {0, 1, 2}, the 3 distinct tuples finalized early last
    expect(h.finals.map((c) => c.id)).toEqual([0, 1, 4, 2]);
    for (const i of [0, 1, 2]) h.feed(i % 2 ? synAckTo(i) : ackOf(i), 1005);
    expect(h.tracker.stats).toMatchObject({ afterEarly: 3, finalizedEarly: 4 });
  });
});

describe('the table: each packet to the open connection of its 4-tuple, whatever the order addresses and ports came in', () => {
  const at = (t: number) => ({ frame: t, tsSec: 1000 + t, tsNsec: 0 });

  test('a connection opened from a newer address on a lower port than its peer\'s', () => {
    const finals: TcpConnection[] = [];
    const t = new ConnectionTracker(() => undefined, (c) => finals.push(c));
    t.packet(pkt('10.0.0.1', 40000, '10.9.9.9', 443, TCP_SYN, 1), at(1), 60); // 10.9.9.9 is known first
    t.packet(pkt('10.0.0.2', 80, '10.9.9.9', 443, TCP_SYN, 100), at(2), 60); // a newer address, port 80 < 443
    t.packet(pkt('10.9.9.9', 443, '10.0.0.2', 80, TCP_SYN | TCP_ACK, 900, 101), at(3), 60);
    t.packet(pkt('10.0.0.2', 80, '10.9.9.9', 443, TCP_ACK, 101, 901), at(4), 60);
    t.finish();
    expect(finals.map((c) => [c.id, c.packets, c.handshakeAck?.frame])).toEqual([[0, 1, undefined], [1, 3, 4]]);
  });

  test('three connections on one address pair: one finalized, the other two still found; its own later packet counted', () => {
    const finals: TcpConnection[] = [];
    const t = new ConnectionTracker(() => undefined, (c) => finals.push(c), { maxOpenConnections: 3 });
    for (const port of [1000, 1001, 1002]) t.packet(pkt('10.0.0.1', port, '10.9.9.9', 443, TCP_SYN, port), at(port - 999), 60);
    t.packet(pkt('10.0.0.7', 5000, '10.9.9.9', 443, TCP_SYN, 1), at(4), 60); // finalizes the one on port 1000 early
    expect(finals.map((c) => c.id)).toEqual([0]);
    t.packet(pkt('10.9.9.9', 443, '10.0.0.1', 1001, TCP_SYN | TCP_ACK, 5, 1002), at(5), 60);
    t.packet(pkt('10.9.9.9', 443, '10.0.0.1', 1002, TCP_SYN | TCP_ACK, 5, 1003), at(6), 60);
    t.packet(pkt('10.9.9.9', 443, '10.0.0.1', 1000, TCP_SYN | TCP_ACK, 5, 1001), at(7), 60);
    expect(t.stats).toMatchObject({ afterEarly: 1, finalizedEarly: 1 });
    t.finish();
    expect(finals.map((c) => [c.id, c.packets, c.synAcks.length])).toEqual([[0, 1, 0], [1, 2, 1], [2, 2, 1], [3, 1, 0]]);
  });

  test('a finalized connection is never found again, even by a new tuple whose addresses took its freed address ids', () => {
    const finals: TcpConnection[] = [];
    const t = new ConnectionTracker(() => undefined, (c) => finals.push(c), { maxOpenConnections: 1 });
    t.packet(pkt('10.0.0.1', 1000, '10.9.9.9', 443, TCP_SYN, 1), at(1), 60);
    t.packet(pkt('10.0.0.2', 1000, '10.0.0.3', 443, TCP_SYN, 1), at(2), 60); // finalizes 0 early; two new addresses
    t.packet(pkt('10.0.0.2', 443, '10.0.0.3', 1000, TCP_ACK, 1, 1), at(3), 60); // another tuple, never seen: a new connection
    expect(finals.map((c) => [c.id, c.packets])).toEqual([[0, 1], [1, 1]]);
    expect(t.stats).toMatchObject({ finalizedEarly: 2, afterEarly: 0 });
  });
});

test('a closed connection finalized to make room at the open cap: its late packet is counted as a closed one\'s (afterClosed)', () => {
  const h = setup({ maxOpenConnections: 2 });
  h.feed(synOf(0), 1000);
  h.feed(synOf(1), 1000);
  h.feed(pkt(client(1).ip, client(1).port, SERVER, 443, TCP_RST | TCP_ACK, 1002, 0), 1001); // 1 closed, lingering
  h.feed(synOf(2), 1002); // the cap: the lingering one goes first, not as finalized early
  expect(h.finals.map((c) => [c.id, c.finalizedEarly])).toEqual([[1, false]]);
  h.feed(synAckTo(1), 1003); // its late SYN-ACK
  expect(h.tracker.stats).toMatchObject({ afterClosed: 1, afterEarly: 0, finalizedEarly: 0 });
});

describe('the defaults of TrackerOptions', () => {
  // Connection 0 closes (SYN, RST) at 1000; connection 1 stays open; connection 2 sends its SYN at 1000
  // and nothing after. Connection 1's ACKs fill the frames up to each sweep (every 16384th frame).
  function run(sweepTimes: number[]) {
    const h = setup();
    h.feed(synOf(0), 1000);
    h.feed(pkt(client(0).ip, client(0).port, SERVER, 443, TCP_RST | TCP_ACK, 1001, 0), 1000);
    h.feed(synOf(1), 1000);
    h.feed(synOf(2), 1000);
    const states: { finals: number[]; released: number[]; open: number }[] = [];
    for (const t of sweepTimes) {
      // Up to the frame before the sweep at the time before it, then the sweep's frame at its time.
      while (h.frames() % 16384 !== 16383) h.feed(ackOf(1), t - 1);
      h.feed(ackOf(1), t);
      states.push({
        finals: h.finals.map((c) => c.id),
        released: [...h.tracker.openConnections()].filter((c) => c.released).map((c) => c.id),
        open: h.tracker.open,
      });
    }
    return states;
  }

  test('a sweep every 16384 frames; a closed connection lingers 60 s (exactly 60 s stays), an idle one is released after 300 s (exactly 300 s stays)', () => {
    expect(run([1060, 1061, 1300, 1301])).toEqual([
      { finals: [], released: [], open: 3 },
      { finals: [0], released: [], open: 2 },
      { finals: [0], released: [], open: 2 },
      { finals: [0], released: [2], open: 2 },
    ]);
  });

  test('no sweep before the 16384th frame, whatever the time', () => {
    const h = setup();
    h.feed(synOf(0), 1000);
    h.feed(pkt(client(0).ip, client(0).port, SERVER, 443, TCP_RST | TCP_ACK, 1001, 0), 1000);
    h.feed(synOf(2), 1000);
    while (h.frames() < 16383) h.feed(ackOf(2), 5000);
    expect(h.finals).toEqual([]);
    h.feed(ackOf(2), 5000);
    expect(h.finals.map((c) => c.id)).toEqual([0]);
  });

  test('4096 closed connections linger; beyond, one quiet for 1 s goes early (not one quiet for less)', () => {
    const h = setup();
    const reset = (i: number, t: number) => {
      h.feed(synOf(i), t);
      h.feed(pkt(client(i).ip, client(i).port, SERVER, 443, TCP_RST | TCP_ACK, 1001 + i, 0), t);
    };
    for (let i = 0; i < 4097; i++) reset(i, 1000);
    // 4097 lingering, all closed 0 s ago: none is quiet yet.
    expect(h.tracker.stats.closedEarly).toBe(0);
    reset(4097, 1001); // 4098: the two closed the longest have been quiet 1 s
    expect(h.tracker.stats.closedEarly).toBe(2);
    expect(h.finals.map((c) => c.id)).toEqual([0, 1]);
  });

  test('64 MiB held ahead of holes across connections, then the oldest hole is given up', () => {
    const gaps: number[] = [];
    const h = setup({}, () => ({ wants: () => true, data: () => undefined, gap: (_d, lost) => gaps.push(lost) }));
    // Each connection holds one segment of 1,000,000 bytes ahead of a 1-byte hole (under its own 1 MiB bound).
    const payload = Buffer.alloc(1_000_000, 0x61);
    const per = payload.length + HELD_SEGMENT_OVERHEAD;
    const fits = Math.floor((64 << 20) / per); // 67 connections fit in 64 MiB
    for (let i = 0; i <= fits; i++) {
      h.feed(synOf(i), 1000);
      h.feed(pkt(client(i).ip, client(i).port, SERVER, 443, TCP_ACK, 1002 + i, 5001, payload), 1000);
      expect({ i, evictions: h.tracker.stats.heldEvictions }).toEqual({ i, evictions: i < fits ? 0 : 1 });
    }
    expect(gaps).toEqual([1]);
    expect(h.tracker.stats.peakHeldBytes).toBe(fits * per);
  });

  test('a reader is attached when a connection is made, before its first segment, payload or not', () => {
    const attached: [number, number][] = [];
    const t = new ConnectionTracker((c) => {
      attached.push([c.id, c.packets]);
      return undefined;
    }, () => undefined);
    t.packet(synOf(0), { frame: 1, tsSec: 1000, tsNsec: 0 }, 60); // never answered, never any payload
    expect(attached).toEqual([[0, 0]]);
  });

  test('the wall clock for liveLingerMs when no clock is given', () => {
    const h = setup({ liveLingerMs: 60_000 });
    h.feed(synOf(0), 1000);
    h.feed(pkt(client(0).ip, client(0).port, SERVER, 443, TCP_RST | TCP_ACK, 1001, 0), 1000);
    expect(h.tracker.expire(Date.now())).toBe(0);
    expect(h.tracker.expire(Date.now() + 61_000)).toBe(1);
    expect(h.finals.map((c) => c.id)).toEqual([0]);
  });
});

test('openConnections(): released ones first, then the others, each least recently active first', () => {
  const h = setup({ sweepEvery: 1, idleReleaseSec: 10 });
  h.feed(synOf(0), 1000);
  h.feed(synOf(1), 1001);
  h.feed(synOf(2), 1012); // the sweep releases 0 and 1 (idle 12 s and 11 s)
  h.feed(synOf(3), 1013);
  const order = () => [...h.tracker.openConnections()].map((c) => [c.id, c.released]);
  expect(order()).toEqual([[0, true], [1, true], [2, false], [3, false]]);
  h.feed(ackOf(2), 1014); // 2 is now the most recent
  h.feed(ackOf(0), 1015); // 0 is active again (its buffers stay released), the most recent
  expect(order()).toEqual([[1, true], [3, false], [2, false], [0, true]]);
});

test('the open cap finalizes the connection idle the longest by capture time, released or not, when times go backwards', () => {
  const h = setup({ sweepEvery: 3, idleReleaseSec: 300, maxOpenConnections: 3 });
  h.feed(synOf(0), 1000);
  h.feed(synOf(1), 1301);
  h.feed(synOf(2), 1301); // the sweep (3rd frame) releases 0, idle 301 s
  h.feed(ackOf(2), 900); // a frame stamped earlier (merged interfaces): 2's last packet is now the oldest
  h.feed(ackOf(1), 1302); // activity order: 2, then 1
  expect([...h.tracker.openConnections()].map((c) => [c.id, c.released])).toEqual([[0, true], [2, false], [1, false]]);
  h.feed(synOf(3), 1303); // a 4th: one must go, 2 (900) before 0 (1000)
  expect(h.finals.map((c) => c.id)).toEqual([2]);
  expect(h.finals[0]!.finalizedEarly).toBe(true);
  h.feed(synOf(4), 1304); // then 0 (1000) before 1 (1302)
  expect(h.finals.map((c) => c.id)).toEqual([2, 0]);
});
