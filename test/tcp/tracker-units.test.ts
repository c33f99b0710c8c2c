/**
 * ConnectionTracker (src/tcp/tracker.ts) and TcpConnection.isNewConnectionSyn on
 * captures written here (pcap-writer.ts) and dissected by tshark: every frame
 * goes to the connection whose id is tshark's tcp.stream of that frame. The
 * scenarios are the corners of tshark's rule for a new stream on a used
 * 4-tuple (a SYN without ACK whose sequence number is not the direction's base:
 * its first SYN's, else one before its first segment's, else one before the
 * peer's first ACK number), then a table of many connections across address
 * pairs, families and port orders, finalized and reused while it is read. When
 * connections are finalized follows the tracker's rules (its header and README
 * "Very late packets"): a closed one once quiet for more than closedLingerSec
 * whole seconds at a sweep, a port reused at once, the rest at the end in id order.
 */
import { writePcap, type Seg } from './pcap-writer.js';
import { runTracker, tsharkFrames, type TFrame } from './tshark-frames.js';

const S = 0x02;
const A = 0x10;
const F = 0x01;
const R = 0x04;
const P = 0x08;

/** A whole connection: handshake, 10 bytes up, 20 down, then (close) FIN, FIN, ACK. */
function conn(t: number, c: string, cp: number, s: string, sp: number, isn: number, sisn: number, close = true): Seg[] {
  const up = { src: c, sport: cp, dst: s, dport: sp };
  const down = { src: s, sport: sp, dst: c, dport: cp };
  const o: Seg[] = [
    { t, ...up, flags: S, seq: isn, mss: 1460 },
    { t: t + 0.01, ...down, flags: S | A, seq: sisn, ack: isn + 1, mss: 1400 },
    { t: t + 0.02, ...up, flags: A, seq: isn + 1, ack: sisn + 1 },
    { t: t + 0.03, ...up, flags: A | P, seq: isn + 1, ack: sisn + 1, len: 10 },
    { t: t + 0.04, ...down, flags: A | P, seq: sisn + 1, ack: isn + 11, len: 20 },
  ];
  if (close) {
    o.push(
      { t: t + 0.05, ...up, flags: A | F, seq: isn + 11, ack: sisn + 21 },
      { t: t + 0.06, ...down, flags: A | F, seq: sisn + 21, ack: isn + 12 },
      { t: t + 0.07, ...up, flags: A, seq: isn + 12, ack: sisn + 22 },
    );
  }
  return o;
}

const C = '10.1.0.1';
const SV = '10.2.0.2';
const up = { src: C, sport: 4000, dst: SV, dport: 80 };
const down = { src: SV, sport: 80, dst: C, dport: 4000 };

/** [name, segments]: what tshark makes of them is the expected value. */
const SCENARIOS: [string, Seg[]][] = [
  ['port reuse: after FIN both ways, a SYN with a new ISN', [...conn(1, C, 4000, SV, 80, 100, 9000), ...conn(2, C, 4000, SV, 80, 5000, 7000)]],
  ['a retransmitted SYN (same ISN) before the handshake', [{ t: 1, ...up, flags: S, seq: 100 }, ...conn(2, C, 4000, SV, 80, 100, 9000)]],
  ['a SYN with a new ISN while the connection is open', [...conn(1, C, 4000, SV, 80, 100, 9000, false), ...conn(2, C, 4000, SV, 80, 5000, 7000)]],
  ['after FIN both ways, a SYN with the same ISN is a retransmission', [...conn(1, C, 4000, SV, 80, 100, 9000), ...conn(2, C, 4000, SV, 80, 100, 7000)]],
  ['after a RST, a SYN with the same ISN is a retransmission', [
    ...conn(1, C, 4000, SV, 80, 100, 9000, false),
    { t: 1.5, ...down, flags: R | A, seq: 9021, ack: 111 },
    { t: 3, ...up, flags: S, seq: 100 },
  ]],
  ['a SYN+FIN refused, then the same SYN again', [
    { t: 1, ...up, flags: S | F, seq: 100 },
    { t: 2, ...down, flags: R | A, seq: 0, ack: 101 },
    { t: 3, ...up, flags: S, seq: 100 },
  ]],
  ['mid-stream (no SYN), reset, then a SYN at the first data byte: new (the ISN comes before the data)', [
    { t: 1, ...up, flags: A | P, seq: 1000, ack: 50, len: 5 },
    { t: 1.1, ...down, flags: R | A, seq: 50, ack: 1005 },
    { t: 2, ...up, flags: S, seq: 1000 },
    { t: 2.1, ...down, flags: S | A, seq: 77, ack: 1001 },
  ]],
  ['mid-stream, still open, then a SYN at the first data byte: new', [
    { t: 1, ...up, flags: A | P, seq: 1000, ack: 50, len: 5 },
    { t: 2, ...up, flags: S, seq: 1000 },
    { t: 2.1, ...down, flags: S | A, seq: 77, ack: 1001 },
  ]],
  ['mid-stream, open, then a SYN one before the first data byte: the same connection', [
    { t: 1, ...up, flags: A | P, seq: 1000, ack: 50, len: 5 },
    { t: 2, ...up, flags: S, seq: 999 },
    { t: 2.1, ...down, flags: S | A, seq: 77, ack: 1000 },
  ]],
  ['mid-stream, reset, then a SYN one before the first data byte: the same connection', [
    { t: 1, ...up, flags: A | P, seq: 1000, ack: 50, len: 5 },
    { t: 1.1, ...down, flags: R | A, seq: 50, ack: 1005 },
    { t: 2, ...up, flags: S, seq: 999 },
  ]],
  ['the capture starts at the client\'s first ACK; its SYN comes late: the same connection', [
    { t: 1, ...up, flags: A, seq: 1001, ack: 50 },
    { t: 2, ...up, flags: S, seq: 1000 },
    { t: 3, ...up, flags: A | P, seq: 1001, ack: 50, len: 5 },
  ]],
  ['only the server seen, reset; then client SYNs: its base is the server\'s ACK number - 1', [
    { t: 1, ...down, flags: A | P, seq: 50, ack: 1000, len: 5 },
    { t: 1.1, ...down, flags: R | A, seq: 55, ack: 1000 },
    { t: 2, ...up, flags: S, seq: 999 },
    { t: 3, ...up, flags: S, seq: 5 },
  ]],
  ['only the server seen, open; a client SYN at another number is new, and the next one too', [
    { t: 1, ...down, flags: A | P, seq: 50, ack: 1000, len: 5 },
    { t: 2, ...up, flags: S, seq: 5 },
    { t: 3, ...up, flags: S, seq: 6 },
  ]],
  ['only the server seen, two ACK numbers: the first is the client\'s base', [
    { t: 1, ...down, flags: A | P, seq: 50, ack: 1000, len: 5 },
    { t: 1.1, ...down, flags: A | P, seq: 55, ack: 2000, len: 5 },
    { t: 2, ...up, flags: S, seq: 999 },
  ]],
  ['only the server\'s SYN-ACK seen: a SYN with the ISN it acknowledges belongs to it, another does not', [
    { t: 1, ...down, flags: S | A, seq: 50, ack: 1001 },
    { t: 2, ...up, flags: S, seq: 1000 },
    { t: 3, ...up, flags: S, seq: 3000 },
  ]],
  ['a server RST without ACK, then a client SYN: nothing to compare, the same connection', [
    { t: 1, ...down, flags: R, seq: 50 },
    { t: 2, ...up, flags: S, seq: 5 },
  ]],
  ['after the close, the server sends a SYN with a new ISN: new', [...conn(1, C, 4000, SV, 80, 100, 9000), { t: 3, ...down, flags: S, seq: 123 }]],
  ['after the close, the server sends a SYN with its SYN-ACK\'s ISN: the same connection', [...conn(1, C, 4000, SV, 80, 100, 9000), { t: 3, ...down, flags: S, seq: 9000 }]],
  ['a SYN-ACK with a new ISN never starts a connection', [...conn(1, C, 4000, SV, 80, 100, 9000), { t: 3, ...down, flags: S | A, seq: 123, ack: 5 }]],
  ['a late ACK within the linger time belongs to the closed connection', [...conn(1, C, 4000, SV, 80, 100, 9000), { t: 50, ...up, flags: A, seq: 112, ack: 9022 }]],
];

const streams = (frames: TFrame[]) => frames.map((f) => f.stream);

describe.each(SCENARIOS)('%s', (_name, segs) => {
  test('each frame in the connection tshark puts it in (tcp.stream), from the side tshark says', async () => {
    const file = writePcap(segs);
    const frames = tsharkFrames(file);
    expect(frames).toHaveLength(segs.length);
    const run = await runTracker(file, { sweepEvery: 1 });
    expect(run.seen.map((s) => s.id)).toEqual(streams(frames));
    expect(run.finals.map((c) => c.id)).toEqual([...new Set(streams(frames))]);
    // Direction 0 of a connection is the sender of its first frame.
    const first = new Map<number, TFrame>();
    for (const f of frames) if (!first.has(f.stream)) first.set(f.stream, f);
    expect(run.seen.map((s) => s.dir)).toEqual(frames.map((f) => (first.get(f.stream)!.src === f.src && first.get(f.stream)!.sport === f.sport ? 0 : 1)));
    // One 4-tuple here: a new stream on it finalizes the one before at its first frame; the last one lasts
    // to the end (the linger is not over: 60 s).
    const ids = [...first.keys()];
    expect(ids.map((id) => run.finalFrame.get(id))).toEqual(ids.map((id) => (first.has(id + 1) ? first.get(id + 1)!.frame : 0)));
  });
});

/**
 * A table of connections across address pairs (IPv4, IPv6, one address at both ends with the ports
 * either way round, a server seen first), in three waves of capture time. Reference: tshark's
 * tcp.stream per frame, and the tracker's rules applied to tshark's flags and times (sweeps every
 * frame here): a connection closed (FIN both ways, or a RST) is finalized at the first frame more
 * than closedLingerSec (60) whole seconds after its last one, those due at one frame in order of
 * last activity; an open one idle for more than idleReleaseSec (300) is released at a sweep (its
 * later bytes are not read); the rest are finalized at the end in id order. Finalized connections
 * free their addresses' ids, which later connections take (the table must not mix them up).
 */
describe('a table of connections over three waves', () => {
  const ONE = '127.0.0.1';
  const wave1: Seg[] = [
    ...conn(1, C, 4000, SV, 80, 100, 9000),
    ...conn(1.001, C, 4001, SV, 80, 200, 9100),
    ...conn(1.002, '10.1.0.2', 4000, SV, 80, 300, 9200, false),
    ...conn(1.003, ONE, 6000, ONE, 5000, 400, 9300),
    ...conn(1.004, ONE, 5000, ONE, 6001, 500, 9400),
    ...conn(1.005, 'fd00::1', 4000, 'fd00::2', 443, 600, 9500, false),
    { t: 1.2, src: 'fd00::2', sport: 443, dst: 'fd00::1', dport: 4000, flags: R | A, seq: 9521, ack: 611 },
    { t: 1.006, src: SV, sport: 80, dst: '10.1.0.3', dport: 4000, flags: A | P, seq: 50, ack: 1000, len: 30 },
    { t: 1.3, src: '10.1.0.3', sport: 4000, dst: SV, dport: 80, flags: A, seq: 1000, ack: 80 },
    // The same port at both ends (direction by address then).
    ...conn(1.007, '10.7.0.1', 179, '10.7.0.2', 179, 900, 9900, false),
    // Two connections of one address pair: one closes (its ids must stay while the other is open).
    ...conn(1.008, '10.5.0.1', 1, '10.6.0.1', 2, 1100, 9110),
    ...conn(1.009, '10.5.0.1', 2, '10.6.0.1', 2, 1200, 9120, false),
    // A handshake, then nothing until its first data, long after its release: not read.
    ...conn(1.01, '10.8.0.2', 4000, SV, 80, 1400, 9140, false).slice(0, 3),
  ];
  const wave2: Seg[] = [
    ...conn(100, '10.3.0.1', 4000, '10.4.0.1', 80, 700, 9600),
    ...conn(100.5, C, 4000, SV, 80, 5000, 7000),
    { t: 101, src: '10.1.0.2', sport: 4000, dst: SV, dport: 80, flags: A | P, seq: 311, ack: 9221, len: 5 },
    { t: 101.1, src: '10.7.0.2', sport: 179, dst: '10.7.0.1', dport: 179, flags: A | P, seq: 9921, ack: 911, len: 9 },
    { t: 101.2, src: '10.6.0.1', sport: 2, dst: '10.5.0.1', dport: 2, flags: A | P, seq: 9141, ack: 1211, len: 9 },
    // Quiet for exactly idleReleaseSec whole seconds at the next wave: not released yet (more than that is).
    ...conn(200, '10.8.0.1', 4000, SV, 80, 1300, 9130, false),
  ];
  const wave3: Seg[] = [
    { t: 500, src: SV, sport: 80, dst: '10.1.0.3', dport: 4000, flags: A | P, seq: 80, ack: 1000, len: 5 },
    { t: 500.1, src: '10.1.0.2', sport: 4000, dst: SV, dport: 80, flags: A | P, seq: 316, ack: 9221, len: 7 },
    ...conn(500.2, '10.1.0.1', 4001, '10.4.0.1', 80, 800, 9700),
    { t: 500.3, src: '10.8.0.1', sport: 4000, dst: SV, dport: 80, flags: A | P, seq: 1311, ack: 9151, len: 4 },
    { t: 500.4, src: '10.8.0.2', sport: 4000, dst: SV, dport: 80, flags: A | P, seq: 1401, ack: 9141, len: 4 },
  ];
  const segs = [...wave1, ...wave2, ...wave3].sort((x, y) => x.t - y.t);

  test('tcp.stream per frame, finalization frames and order, release and the peak', async () => {
    const file = writePcap(segs);
    const frames = tsharkFrames(file);
    expect(frames).toHaveLength(segs.length);
    const run = await runTracker(file, { sweepEvery: 1 }, true);
    expect(run.seen.map((s) => s.id)).toEqual(streams(frames));
    const first = new Map<number, TFrame>();
    for (const f of frames) if (!first.has(f.stream)) first.set(f.stream, f);
    expect(run.seen.map((s) => s.dir)).toEqual(frames.map((f) => (first.get(f.stream)!.src === f.src && first.get(f.stream)!.sport === f.sport ? 0 : 1)));

    // The reference: per stream, its frames; closed from the frame where FIN went both ways or a RST came.
    const byStream = new Map<number, TFrame[]>();
    for (const f of frames) byStream.set(f.stream, [...(byStream.get(f.stream) ?? []), f]);
    const sec = (f: TFrame) => Math.floor(f.time);
    const finalAt = new Map<number, number>();
    const order: number[] = [];
    const released = new Set<number>();
    let open = 0;
    let peak = 0;
    const seenSoFar = new Map<number, TFrame[]>();
    const closedAt = (fs: TFrame[]) => {
      const fin = new Set<string>();
      for (const f of fs) {
        if (f.flags & R) return true;
        if (f.flags & F) fin.add(`${f.src}|${f.sport}`);
      }
      return fin.size === 2;
    };
    for (const f of frames) {
      if (!seenSoFar.has(f.stream)) {
        seenSoFar.set(f.stream, []);
        open++;
        peak = Math.max(peak, open);
      }
      seenSoFar.get(f.stream)!.push(f);
      // The sweep after this frame, closed ones by last activity.
      const due = [...seenSoFar]
        .filter(([id, fs]) => !finalAt.has(id) && closedAt(fs) && sec(f) - sec(fs[fs.length - 1]!) > 60)
        .sort((x, y) => x[1][x[1].length - 1]!.frame - y[1][y[1].length - 1]!.frame);
      for (const [id] of due) {
        finalAt.set(id, f.frame);
        order.push(id);
        open--;
      }
      for (const [id, fs] of seenSoFar) if (!finalAt.has(id) && !closedAt(fs) && sec(f) - sec(fs[fs.length - 1]!) > 300) released.add(id);
    }
    const rest = [...byStream.keys()].filter((id) => !finalAt.has(id)).sort((x, y) => x - y);
    for (const id of rest) finalAt.set(id, 0);
    expect(run.finalOrder).toEqual([...order, ...rest]);
    expect(new Map([...run.finalFrame].sort((x, y) => x[0] - y[0]))).toEqual(new Map([...finalAt].sort((x, y) => x[0] - y[0])));
    expect(run.tracker.stats.peakOpen).toBe(peak);
    expect(order.length).toBeGreaterThan(4);
    // Released connections (idle past 300 s): their later bytes are not read; every other byte is.
    expect(released.size).toBe(4);
    const deliveredFrames = new Set(run.deliveries.map((x) => x[3]));
    for (const f of frames.filter((x) => x.tcpLen > 0)) {
      const after = released.has(f.stream) && f.time > 400;
      expect({ frame: f.frame, read: deliveredFrames.has(f.frame) }).toEqual({ frame: f.frame, read: !after });
    }
  });
});

/**
 * Connections finalized early at the cap (maxOpenConnections) are remembered by 4-tuple, the last
 * maxOpenConnections of them, from either side (tracker.ts TrackerStats.afterEarly): a later packet
 * of one is counted, not made a new connection; a forgotten one's starts a new (mid-stream) one.
 */
describe('tuples of connections finalized early', () => {
  test('the last cap-many are remembered, from either side, one address at both ends too', async () => {
    const segs: Seg[] = [];
    // Ten SYNs with a cap of 2: 0..7 are finalized early, 6 and 7 remembered. 7 is one address at both ends.
    for (let i = 0; i < 10; i++) {
      segs.push(i === 7
        ? { t: 1 + i, src: '127.0.0.1', sport: 5000, dst: '127.0.0.1', dport: 6000, flags: S, seq: 100 }
        : { t: 1 + i, src: `10.9.0.${i + 1}`, sport: 4000, dst: SV, dport: 80, flags: S, seq: 100 });
    }
    segs.push(
      { t: 20, src: '127.0.0.1', sport: 6000, dst: '127.0.0.1', dport: 5000, flags: S | A, seq: 7, ack: 101 }, // 7, the other side: counted
      { t: 21, src: SV, sport: 80, dst: '10.9.0.7', dport: 4000, flags: S | A, seq: 7, ack: 101 }, // 6: counted
      { t: 22, src: SV, sport: 80, dst: '10.9.0.3', dport: 4000, flags: S | A, seq: 7, ack: 101 }, // 2: forgotten, a new connection
    );
    const run = await runTracker(writePcap(segs), { maxOpenConnections: 2 });
    expect(run.tracker.stats).toMatchObject({ finalizedEarly: 9, afterEarly: 2 });
    expect(run.seen.map((x) => x.frame)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 13]);
    expect(run.seen.map((x) => x.id)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });
});
