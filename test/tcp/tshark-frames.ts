/**
 * Test helper: tshark's per-frame TCP dissection of a capture (the reference of
 * connection-units and tracker-units), and the same capture run through our
 * decoder and ConnectionTracker with every segment() call logged (frame ->
 * connection id, direction, whether the connection counted it as a
 * retransmission or as ahead of a hole).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCapture } from '../../src/capture/index.js';
import { decodeFrame } from '../../src/decode/index.js';
import { ConnectionTracker, type TrackerOptions } from '../../src/tcp/tracker.js';
import { TcpConnection, type Dir, type StreamConsumer } from '../../src/tcp/connection.js';
import { tsharkOutput } from '../findings/tshark-facts.js';

export const ROOT = join(import.meta.dirname ?? __dirname, '../..');

/** One TCP frame as tshark dissects it. */
export interface TFrame {
  frame: number;
  time: number;
  /** frame.len (what we get as the wire length). */
  len: number;
  stream: number;
  src: string;
  sport: number;
  dst: string;
  dport: number;
  flags: number;
  tcpLen: number;
  seq: number;
  /** tcp.seq: relative to tshark's base (1 = the direction's first data byte). */
  relSeq: number;
  ack: number;
  mss: number | undefined;
  retransmission: boolean;
  fastRetransmission: boolean;
  spurious: boolean;
  outOfOrder: boolean;
  lostSegment: boolean;
  keepAlive: boolean;
  initialRtt: number | undefined;
}

const FIELDS = [
  'frame.number', 'frame.time_epoch', 'frame.len', 'tcp.stream', 'ip.src', 'ipv6.src', 'ip.dst', 'ipv6.dst',
  'tcp.srcport', 'tcp.dstport', 'tcp.flags', 'tcp.len', 'tcp.seq_raw', 'tcp.ack_raw', 'tcp.options.mss_val',
  'tcp.analysis.retransmission', 'tcp.analysis.fast_retransmission', 'tcp.analysis.spurious_retransmission',
  'tcp.analysis.out_of_order', 'tcp.analysis.lost_segment', 'tcp.analysis.keep_alive', 'tcp.analysis.initial_rtt', 'tcp.seq',
];

/** Options of test/golden/options.json do not matter here: they only change what rides on TCP. */
export function tsharkFrames(capture: string): TFrame[] {
  const args = ['-o', 'tcp.reassemble_out_of_order:TRUE', '-Y', 'tcp', '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=f'];
  for (const f of FIELDS) args.push('-e', f);
  const r = tsharkOutput(capture, args);
  if (r.status !== 0 && r.stdout.trim() === '') throw new Error(`tshark failed on ${capture}: ${r.stderr}`);
  const out: TFrame[] = [];
  for (const line of r.stdout.split('\n')) {
    if (line === '') continue;
    const c = line.split('\t');
    const flag = (i: number) => (c[i] ?? '') !== '';
    out.push({
      frame: Number(c[0]),
      time: Number(c[1]),
      len: Number(c[2]),
      stream: Number(c[3]),
      src: c[4] || c[5]!,
      dst: c[6] || c[7]!,
      sport: Number(c[8]),
      dport: Number(c[9]),
      flags: Number(c[10]),
      tcpLen: Number(c[11]),
      seq: Number(c[12]),
      ack: Number(c[13]),
      mss: c[14] ? Number(c[14]) : undefined,
      retransmission: flag(15),
      fastRetransmission: flag(16),
      spurious: flag(17),
      outOfOrder: flag(18),
      lostSegment: flag(19),
      keepAlive: flag(20),
      initialRtt: c[21] ? Number(c[21]) : undefined,
      relSeq: Number(c[22]),
    });
  }
  return out;
}

/** What one segment() call did, as seen from outside. */
export interface Seen {
  frame: number;
  id: number;
  dir: Dir;
  /** The connection's retransmission / out-of-order counters went up with this frame. */
  retransmission: boolean;
  outOfOrder: boolean;
}

export interface Run {
  finals: TcpConnection[];
  seen: Seen[];
  tracker: ConnectionTracker;
  /** Reassembled bytes per connection id and direction (only with `read`). */
  bytes: Map<string, Buffer[]>;
  gaps: Map<string, number>;
  /** Each gap reported to a consumer: connection id, direction, bytes lost, frame being read (0: at the end). */
  gapEvents: [number, number, number, number][];
  /** Each chunk delivered: connection id, direction, bytes, its stamp's frame, countersAt(its stamp) then. */
  deliveries: [number, number, number, number, { packets: number; bytes: number } | undefined][];
  /** Connection id -> frame being read when it was finalized (0: at the end, by finish()). */
  finalFrame: Map<number, number>;
  /** Connection ids in the order they were finalized. */
  finalOrder: number[];
}

/**
 * Our decoder and tracker over a capture, logging each segment() (the prototype is wrapped
 * for the run only). `read`: attach a consumer that wants both directions.
 */
export async function runTracker(
  capture: string,
  opts: TrackerOptions = {},
  read: boolean | [boolean, boolean] = false,
  /** Called with each connection as it is made, before its first segment. */
  onCreate?: (conn: TcpConnection) => void,
): Promise<Run> {
  const reads: [boolean, boolean] = typeof read === 'boolean' ? [read, read] : read;
  const finals: TcpConnection[] = [];
  const seen: Seen[] = [];
  const bytes = new Map<string, Buffer[]>();
  const gaps = new Map<string, number>();
  const finalFrame = new Map<number, number>();
  let current = 0;
  const finalOrder: number[] = [];
  const gapEvents: [number, number, number, number][] = [];
  const deliveries: Run['deliveries'] = [];
  const tracker = new ConnectionTracker(
    (conn): StreamConsumer | undefined => {
      onCreate?.(conn);
      return reads[0] || reads[1]
        ? {
            wants: (dir) => reads[dir],
            data: (dir, chunk, stamp) => {
              deliveries.push([conn.id, dir, chunk.length, stamp.frame, conn.countersAt(stamp)]);
              const k = `${conn.id}:${dir}`;
              if (!bytes.has(k)) bytes.set(k, []);
              bytes.get(k)!.push(Buffer.from(chunk));
            },
            gap: (dir, lost) => {
              gaps.set(`${conn.id}:${dir}`, (gaps.get(`${conn.id}:${dir}`) ?? 0) + lost);
              gapEvents.push([conn.id, dir, lost, current]);
            },
          }
        : undefined;
    },
    (c) => {
      finals.push(c);
      finalFrame.set(c.id, current);
      finalOrder.push(c.id);
    },
    opts,
  );
  const proto = TcpConnection.prototype;
  const orig = proto.segment;
  proto.segment = function (this: TcpConnection, dir, tcp, stamp, wire) {
    const r0 = this.retransmissions;
    const o0 = this.outOfOrder;
    orig.call(this, dir, tcp, stamp, wire);
    seen.push({ frame: stamp.frame, id: this.id, dir, retransmission: this.retransmissions > r0, outOfOrder: this.outOfOrder > o0 });
  };
  try {
    await readCapture(capture, (f) => {
      const p = decodeFrame(f.data, f.linkType);
      current = f.number;
      if (p.tcp && p.src !== undefined && p.dst !== undefined) tracker.packet(p, { frame: f.number, tsSec: f.tsSec, tsNsec: f.tsNsec }, f.origLen);
    });
  } finally {
    proto.segment = orig;
  }
  current = 0;
  tracker.finish();
  return { finals: finals.sort((a, b) => a.id - b.id), seen, tracker, bytes, gaps, gapEvents, deliveries, finalFrame, finalOrder };
}

export const fixture = (name: string): string => join(ROOT, 'fixtures', name);
export const readFixture = (name: string): Buffer => readFileSync(fixture(name));
