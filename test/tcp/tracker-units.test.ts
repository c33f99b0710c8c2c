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
