/**
 * The connection table's bounds: the open-connection cap (longest-idle first),
 * the closed-linger sweep, the shared held-bytes budget, and how the work grows
 * with the number of connections. Packets are decoded-packet objects built
 * here: what is tested is the table's bookkeeping, not header decoding.
 */
import { ConnectionTracker, type TrackerOptions } from '../../src/tcp/tracker.js';
import type { Dir, StreamConsumer, TcpConnection } from '../../src/tcp/connection.js';
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, type DecodedPacket } from '../../src/decode/types.js';
import type { Stamp } from '../../src/base/stamp.js';
import { HELD_SEGMENT_OVERHEAD } from '../../src/tcp/reassembly.js';
import { pkt } from './packets.js';

/** CPU time of this process, µs: a loaded machine preempts the test, which wall time would count. */
const cpuNow = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

function setup(opts: TrackerOptions = {}, reading = false) {
  const finals: TcpConnection[] = [];
  const data: { id: number; dir: Dir; text: string; frame: number }[] = [];
  const gaps: { id: number; lost: number }[] = [];
  let frame = 0;
  const tracker = new ConnectionTracker(
    (conn): StreamConsumer | undefined =>
      reading
        ? {
            wants: () => true,
            data: (dir, chunk, stamp) => data.push({ id: conn.id, dir, text: chunk.toString('latin1'), frame: stamp.frame }),
            gap: (_dir, lost) => gaps.push({ id: conn.id, lost }),
          }
        : undefined,
    (conn) => finals.push(conn),
    opts,
  );
  const feed = (p: DecodedPacket, tsSec = 1000): Stamp => {
    const s = { frame: ++frame, tsSec, tsNsec: 0 };
    tracker.packet(p, s, 60);
    return s;
  };
  return { tracker, finals, data, gaps, feed };
}

const syn = (i: number) => pkt(`10.0.${i >> 8}.${i & 255}`, 40000, '10.9.9.9', 443, TCP_SYN, i * 1000);

describe('open-connection cap', () => {
  test('beyond the cap the longest-idle connection is finalized early, in its state, and counted', () => {
    const h = setup({ maxOpenConnections: 3 });
    for (let i = 0; i < 5; i++) h.feed(syn(i), 1000 + i);
    expect(h.finals.map((c) => c.id)).toEqual([0, 1]);
    expect(h.finals.every((c) => c.finalizedEarly && c.syns.length === 1)).toBe(true);
    expect(h.tracker.open).toBe(3);
    expect(h.tracker.stats.finalizedEarly).toBe(2);
    expect(h.tracker.stats.peakOpen).toBe(3);
    h.tracker.finish();
    expect(h.finals.map((c) => c.id)).toEqual([0, 1, 2, 3, 4]);
    expect(h.finals.slice(2).some((c) => c.finalizedEarly)).toBe(false);
  });

  test('activity moves a connection to the back: the idle one goes first', () => {
    const h = setup({ maxOpenConnections: 3 });
    for (let i = 0; i < 3; i++) h.feed(syn(i), 1000 + i);
    // Connection 0 answers (a SYN-ACK from the server): now 1 is the longest idle.
    h.feed(pkt('10.9.9.9', 443, '10.0.0.0', 40000, TCP_SYN | TCP_ACK, 777, 1), 1010);
    h.feed(syn(3), 1011);
    expect(h.finals.map((c) => c.id)).toEqual([1]);
    h.feed(syn(4), 1012);
    expect(h.finals.map((c) => c.id)).toEqual([1, 2]);
    h.feed(syn(5), 1013);
    expect(h.finals.map((c) => c.id)).toEqual([1, 2, 0]);
    expect(h.finals[2]!.synAcks.length).toBe(1);
  });

  test('a later packet of a connection finalized early is counted, not a new connection: ids stay tcp.stream\'s (Wireshark keeps one stream per 4-tuple)', () => {
    const h = setup({ maxOpenConnections: 1 });
    h.feed(syn(0));
    h.feed(syn(1)); // finalizes 0 early
    h.feed(pkt('10.9.9.9', 443, '10.0.0.0', 40000, TCP_SYN | TCP_ACK, 777, 1)); // 0's SYN-ACK: counted
    h.feed(pkt('10.0.0.0', 40000, '10.9.9.9', 443, TCP_ACK, 1, 778)); // 0's ACK: counted
    expect(h.finals.map((c) => c.id)).toEqual([0]);
    expect(h.tracker.stats).toMatchObject({ finalizedEarly: 1, afterEarly: 2 });
    expect(h.tracker.open).toBe(1);
    h.feed(syn(2)); // a new tuple: finalizes 1 early, is 2
    h.tracker.finish();
    expect(h.finals.map((c) => c.id)).toEqual([0, 1, 2]);
    expect(h.finals[0]!.synAcks).toHaveLength(0);
  });

  test('a new SYN on the tuple of a connection finalized early starts a new connection, tracked as any other', () => {
    const h = setup({ maxOpenConnections: 1 });
    h.feed(syn(0));
    h.feed(syn(1)); // finalizes 0 early
    h.feed(pkt('10.0.0.0', 40000, '10.9.9.9', 443, TCP_SYN, 99_000)); // 0's tuple again, a new SYN: connection 2 (finalizes 1 early)
    h.feed(pkt('10.9.9.9', 443, '10.0.0.0', 40000, TCP_SYN | TCP_ACK, 5, 99_001)); // its SYN-ACK reaches it
    expect(h.tracker.stats).toMatchObject({ finalizedEarly: 2, afterEarly: 0 });
    h.tracker.finish();
    expect(h.finals.map((c) => c.id)).toEqual([0, 1, 2]);
    expect(h.finals[2]!.synAcks).toHaveLength(1);
    // 1's tuple is remembered: its late SYN-ACK is counted.
  });

  test('the tuples remembered are bounded by the cap (oldest forgotten first)', () => {
    const h = setup({ maxOpenConnections: 2 });
    for (let i = 0; i < 6; i++) h.feed(syn(i)); // 0..3 finalized early; 0 and 1 forgotten (2 remembered at most)
    expect(h.tracker.stats.finalizedEarly).toBe(4);
    h.feed(pkt('10.9.9.9', 443, '10.0.0.3', 40000, TCP_SYN | TCP_ACK, 777, 3001)); // 3 remembered: counted
    expect(h.tracker.stats.afterEarly).toBe(1);
    h.feed(pkt('10.9.9.9', 443, '10.0.0.0', 40000, TCP_SYN | TCP_ACK, 777, 1)); // 0 forgotten: a new (mid-stream) connection
    expect(h.tracker.stats.afterEarly).toBe(1);
    h.tracker.finish();
    expect(h.finals.map((c) => c.id).sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  test('a closed connection lingering is made room for first, not counted as early', () => {
    const h = setup({ maxOpenConnections: 2 });
    h.feed(syn(0), 1000);
    h.feed(pkt('10.0.0.1', 40000, '10.9.9.9', 443, TCP_SYN, 5000), 1001);
    h.feed(pkt('10.0.0.1', 40000, '10.9.9.9', 443, TCP_FIN | TCP_ACK, 5001), 1002);
    h.feed(pkt('10.9.9.9', 443, '10.0.0.1', 40000, TCP_FIN | TCP_ACK, 9000, 5002), 1003); // 1 is closed
    h.feed(syn(2), 1004);
    expect(h.finals.map((c) => c.id)).toEqual([1]);
    expect(h.finals[0]!.finalizedEarly).toBe(false);
    expect(h.tracker.stats.finalizedEarly).toBe(0);
  });
});

describe('closed-linger cap', () => {
  // Connection i: 10.0.1.i:40000 -> 10.9.9.9:443, opened and reset by the client (closed at once).
  const reset = (h: ReturnType<typeof setup>, i: number, t: number) => {
    h.feed(pkt(`10.0.1.${i}`, 40000, '10.9.9.9', 443, TCP_SYN, 5000), t);
    h.feed(pkt(`10.0.1.${i}`, 40000, '10.9.9.9', 443, TCP_RST | TCP_ACK, 5001), t);
  };

  test('beyond maxClosedLinger the longest closed is finalized before its linger is over, and counted', () => {
    const h = setup({ maxClosedLinger: 2, closedLingerSec: 60 });
    h.feed(syn(0), 1000); // stays open
    for (let i = 1; i <= 4; i++) reset(h, i, 1000 + i);
    // Closed in the order 1, 2, 3, 4, all within 4 s: only two may linger.
    expect(h.finals.map((c) => c.id)).toEqual([1, 2]);
    expect(h.tracker.stats.closedEarly).toBe(2);
    expect(h.finals.some((c) => c.finalizedEarly)).toBe(false);
    expect(h.tracker.open).toBe(3);
    h.tracker.finish();
    expect(h.finals.map((c) => c.id)).toEqual([1, 2, 0, 3, 4]);
  });

  test('a late packet (the last ACK) of a closed connection finalized before its linger was over is counted, not a new connection', () => {
    const h = setup({ maxClosedLinger: 1, closedLingerSec: 60, closedQuietSec: 1 });
    reset(h, 1, 1000);
    reset(h, 2, 1002); // 1 has been quiet 2 s: finalized before its linger was over
    expect(h.finals.map((c) => c.id)).toEqual([0]);
    h.feed(pkt('10.9.9.9', 443, '10.0.1.1', 40000, TCP_ACK, 9000, 5002), 1003); // 1's late packet
    expect(h.tracker.stats).toMatchObject({ closedEarly: 1, afterClosed: 1, afterEarly: 0 });
    h.tracker.finish();
    expect(h.finals.map((c) => c.id)).toEqual([0, 1]);
  });

  test('a connection closed less than closedQuietSec ago stays (its last ACK is still to come), then goes at the next sweep', () => {
    const h = setup({ maxClosedLinger: 1, closedQuietSec: 1, sweepEvery: 1 });
    for (let i = 0; i < 3; i++) reset(h, i, 1000);
    expect(h.finals).toEqual([]);
    h.feed(pkt('10.0.1.0', 40000, '10.9.9.9', 443, TCP_ACK, 5001), 1000); // a late ACK still finds connection 0
    expect(h.tracker.open).toBe(3);
    h.feed(syn(7), 1001);
    expect(h.finals.map((c) => c.id)).toEqual([1, 2]);
    expect(h.tracker.stats.closedEarly).toBe(2);
  });

  test('a late packet moves a closed connection to the back of the linger order', () => {
    const h = setup({ maxClosedLinger: 2, closedLingerSec: 60 });
    reset(h, 0, 1000);
    reset(h, 1, 1001);
    h.feed(pkt('10.0.1.0', 40000, '10.9.9.9', 443, TCP_RST | TCP_ACK, 5001), 1002); // late RST of 0
    reset(h, 2, 1003);
    expect(h.finals.map((c) => c.id)).toEqual([1]);
    expect(h.finals[0]!.packets).toBe(2);
  });
});

describe('attachOnPayload', () => {
  test('a connection gets its consumer with its first payload, never without one', () => {
    const attached: number[] = [];
    const finals: TcpConnection[] = [];
    const tracker = new ConnectionTracker(
      (conn) => {
        attached.push(conn.id);
        return { wants: () => true, data: () => undefined, gap: () => undefined };
      },
      (conn) => finals.push(conn),
      { attachOnPayload: true },
    );
    let frame = 0;
    const feed = (p: DecodedPacket) => tracker.packet(p, { frame: ++frame, tsSec: 1000, tsNsec: 0 }, 60);
    feed(syn(0)); // never answered: no consumer
    feed(pkt('10.0.0.1', 40000, '10.9.9.9', 443, TCP_SYN, 5000));
    feed(pkt('10.9.9.9', 443, '10.0.0.1', 40000, TCP_SYN | TCP_ACK, 9000, 5001));
    feed(pkt('10.0.0.1', 40000, '10.9.9.9', 443, TCP_ACK, 5001, 9001));
    expect(attached).toEqual([]);
    feed(pkt('10.0.0.1', 40000, '10.9.9.9', 443, TCP_ACK | 0x08, 5001, 9001, Buffer.from('GET')));
    feed(pkt('10.0.0.1', 40000, '10.9.9.9', 443, TCP_ACK | 0x08, 5004, 9001, Buffer.from(' /')));
    expect(attached).toEqual([1]);
    tracker.finish();
    expect(finals.map((c) => [c.id, c.consumer !== undefined])).toEqual([[0, false], [1, true]]);
  });
});

describe('sweeps', () => {
  test('a closed connection is finalized once quiet for the linger time; open ones stay', () => {
    const h = setup({ closedLingerSec: 60, sweepEvery: 1 });
    h.feed(syn(0), 1000);
    h.feed(pkt('10.0.0.1', 40000, '10.9.9.9', 443, TCP_SYN, 5000), 1000);
    h.feed(pkt('10.0.0.1', 40000, '10.9.9.9', 443, TCP_FIN | TCP_ACK, 5001), 1001);
    h.feed(pkt('10.9.9.9', 443, '10.0.0.1', 40000, TCP_FIN | TCP_ACK, 9000, 5002), 1001);
    h.feed(syn(2), 1061);
    expect(h.finals).toEqual([]);
    h.feed(syn(3), 1062);
    expect(h.finals.map((c) => c.id)).toEqual([1]);
    expect(h.tracker.open).toBe(3);
  });
});

describe('shared held-bytes budget', () => {
  test('at the cap the connection holding data the longest gives up its hole; each byte keeps its frame', () => {
    const per = HELD_SEGMENT_OVERHEAD + 4;
    const h = setup({ heldBudgetBytes: 2 * per }, true);
    const a = (i: number) => `10.0.0.${i}`;
    for (let i = 1; i <= 3; i++) {
      h.feed(pkt(a(i), 40000, '10.9.9.9', 80, TCP_SYN, 100));
      // a hole of 4 bytes (101-104), then 4 bytes held
      h.feed(pkt(a(i), 40000, '10.9.9.9', 80, TCP_ACK, 105, 0, Buffer.from(`c${i}c${i}`)));
    }
    // The third connection's segment did not fit: the first gave up its hole.
    expect(h.tracker.stats.heldEvictions).toBe(1);
    expect(h.tracker.stats.holesGivenUp).toBe(1);
    expect(h.tracker.stats.bytesGivenUp).toBe(4);
    expect(h.tracker.stats.peakHeldBytes).toBe(2 * per);
    expect(h.gaps).toEqual([{ id: 0, lost: 4 }]);
    expect(h.data).toEqual([{ id: 0, dir: 0, text: 'c1c1', frame: 2 }]);
    h.tracker.finish();
  });
});

describe('scaling (4n connections within 8x the time of n)', () => {
  function time(n: number, opts: TrackerOptions, reset: boolean): number {
    const h = setup(opts);
    const t0 = cpuNow();
    for (let i = 0; i < n; i++) {
      const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
      const port = 1024 + (i % 60000);
      const ts = 1000 + (i >> 10);
      h.feed(pkt(ip, port, '10.9.9.9', 443, TCP_SYN, i), ts);
      if (reset) h.feed(pkt('10.9.9.9', 443, ip, port, TCP_RST | TCP_ACK, 0, i + 1), ts);
    }
    h.tracker.finish();
    expect(h.finals.length).toBe(n);
    return cpuNow() - t0;
  }
  test.each([
    ['unanswered SYNs past the open cap', { maxOpenConnections: 2000, sweepEvery: 1024 }, false],
    ['refused connections lingering closed, frequent sweeps', { closedLingerSec: 2, sweepEvery: 64 }, true],
  ] as const)('%s', (_name, opts, reset) => {
    time(10_000, opts, reset); // warm up
    let small = Infinity;
    let large = Infinity;
    for (let i = 0; i < 3; i++) {
      small = Math.min(small, time(20_000, opts, reset));
      large = Math.min(large, time(80_000, opts, reset));
    }
    // Quadratic work (a sweep walking every open connection, a queue whose
    // front is found by walking deleted entries) gives 16 and more.
    expect(large / small).toBeLessThan(8);
  });
});
