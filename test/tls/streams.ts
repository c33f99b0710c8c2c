/**
 * Test-only helper: per-connection, per-direction in-order TCP payload of a
 * fixture, read with tshark (independent of our own capture/decode stages),
 * fed to a TlsSession the way the TCP stage does: in frame order, exact
 * retransmissions skipped, overlaps trimmed, out-of-order segments held until
 * the hole fills (then delivered with the filling frame's stamp), TLS started
 * at the first segment of each direction that sniffs as TLS (STARTTLS).
 */
import path from 'node:path';
import { TlsSession, sniffTls } from '../../src/tls/index.js';
import type { Side, Stamp } from '../../src/base/stamp.js';
import type { TlsMessage, TlsSummary } from '../../src/tls/types.js';
import { tshark as tsharkRun } from '../helpers/tshark.js';

export interface Segment {
  frame: number;
  stamp: Stamp;
  stream: number;
  src: string;
  sport: number;
  flags: number;
  seq: number;
  payload: Buffer;
}

export function fixturePath(name: string): string {
  return path.resolve(process.cwd(), 'fixtures', name);
}

/** tshark's stdout for these arguments (through the store of tshark's outputs, test/helpers/tshark.ts). */
export function tshark(args: string[]): string {
  return tsharkRun(args).stdout;
}

/** Every TCP frame of the fixture with its payload, in file order. */
export function readSegments(name: string): Segment[] {
  return readSegmentsFrom(fixturePath(name));
}

/** The tshark fields readSegmentsFrom asks for, in the order parseSegments reads them. */
export const SEGMENT_FIELDS = [
  'frame.number', 'frame.time_epoch', 'tcp.stream', 'ip.src', 'ipv6.src', 'tcp.srcport', 'tcp.flags',
  'tcp.seq_raw', 'tcp.payload',
];

/** Same for a capture anywhere. */
export function readSegmentsFrom(file: string): Segment[] {
  const args = ['-n', '-r', file, '-Y', 'tcp', '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=f'];
  for (const f of SEGMENT_FIELDS) args.push('-e', f);
  return parseSegments(tshark(args));
}

/** tshark's `-T fields` lines of SEGMENT_FIELDS, as segments. */
export function parseSegments(out: string): Segment[] {
  const segs: Segment[] = [];
  for (const line of out.split('\n')) {
    if (line === '') continue;
    const [frame, time, stream, ip4, ip6, sport, flags, seq, payload] = line.split('\t');
    const [sec, frac = ''] = time.split('.');
    segs.push({
      frame: Number(frame),
      stamp: { frame: Number(frame), tsSec: Number(sec), tsNsec: Number((frac + '000000000').slice(0, 9)) },
      stream: Number(stream),
      src: ip4 || ip6,
      sport: Number(sport),
      flags: Number(flags),
      seq: Number(seq),
      payload: Buffer.from((payload ?? '').replace(/:/g, ''), 'hex'),
    });
  }
  return segs;
}

export interface StreamResult {
  stream: number;
  messages: TlsMessage[];
  summary: TlsSummary | null;
  /** Frames fed after `done` became true (should stay 0: the caller stops). */
  doneAt: number | null;
  session: TlsSession | null;
}

interface DirState {
  next: number | null;
  pending: Map<number, Segment>;
  tls: boolean;
}

const SYN = 0x02;
const ACK = 0x10;

/** Runs a TlsSession over every TCP stream of a fixture. */
export function analyse(name: string, segments?: Segment[]): StreamResult[] {
  return [...fixtureChunks(name, segments)].map(([stream, chunks]) => runChunks(stream, chunks));
}

export interface Chunk {
  side: Side;
  data: Buffer;
  stamp: Stamp;
}

/**
 * In-order payload chunks of one stream, from the first segment of each
 * direction that sniffs as TLS, in the order the TCP stage would deliver them.
 */
export function streamChunks(segs: Segment[]): Chunk[] {
  const key = (s: Segment) => `${s.src}|${s.sport}`;
  const syn = segs.find((s) => (s.flags & (SYN | ACK)) === SYN);
  let clientKey: string;
  if (syn) clientKey = key(syn);
  else {
    const ch = segs.find((s) => {
      const v = sniffTls(s.payload);
      return v === 'sslv2' || (v === 'tls' && s.payload[0] === 0x16 && s.payload[5] === 1);
    });
    if (ch) clientKey = key(ch);
    else {
      // The side on the lower (well-known) port is the server.
      const s0 = segs[0];
      const other = segs.find((s) => key(s) !== key(s0));
      clientKey = other && s0.sport < other.sport ? key(other) : key(s0);
    }
  }
  const chunks: Chunk[] = [];
  const dirs: Record<Side, DirState> = {
    client: { next: null, pending: new Map(), tls: false },
    server: { next: null, pending: new Map(), tls: false },
  };
  const deliver = (side: Side, data: Buffer, stamp: Stamp) => {
    const d = dirs[side];
    if (!d.tls) {
      const v = sniffTls(data);
      if (v !== 'tls' && v !== 'sslv2') return;
      d.tls = true;
    }
    chunks.push({ side, data, stamp });
  };
  for (const s of segs) {
    const side: Side = key(s) === clientKey ? 'client' : 'server';
    const d = dirs[side];
    if (s.flags & SYN) {
      d.next = (s.seq + 1) >>> 0;
      continue;
    }
    if (s.payload.length === 0) continue;
    if (d.next === null) d.next = s.seq;
    const rel = (s.seq - d.next) | 0; // signed 32-bit distance
    if (rel > 0) {
      d.pending.set(s.seq, s);
      continue;
    }
    if (rel + s.payload.length <= 0) continue; // retransmission of delivered bytes
    deliver(side, s.payload.subarray(-rel), s.stamp);
    d.next = (s.seq + s.payload.length) >>> 0;
    // Held segments that are now in order, delivered with this frame's stamp.
    for (let again = true; again; ) {
      again = false;
      for (const [seq, p] of d.pending) {
        const r = (seq - d.next) | 0;
        if (r > 0) continue;
        d.pending.delete(seq);
        if (r + p.payload.length > 0) {
          deliver(side, p.payload.subarray(-r), s.stamp);
          d.next = (seq + p.payload.length) >>> 0;
        }
        again = true;
      }
    }
  }
  return chunks;
}

/** Chunks of every stream of a fixture, by stream index. */
export function fixtureChunks(name: string, segments: Segment[] = readSegments(name)): Map<number, Chunk[]> {
  const byStream = new Map<number, Segment[]>();
  for (const s of segments) {
    if (!byStream.has(s.stream)) byStream.set(s.stream, []);
    (byStream.get(s.stream) as Segment[]).push(s);
  }
  const out = new Map<number, Chunk[]>();
  for (const [stream, segs] of [...byStream.entries()].sort((a, b) => a[0] - b[0])) {
    out.set(stream, streamChunks(segs));
  }
  return out;
}

/** Feeds chunks to a new TlsSession until it is done, as the TCP stage does. */
export function runChunks(stream: number, chunks: Chunk[]): StreamResult {
  const messages: TlsMessage[] = [];
  let session: TlsSession | null = null;
  let doneAt: number | null = null;
  for (const c of chunks) {
    if (session === null) session = new TlsSession({ message: (m) => messages.push(m) });
    if (session.done) {
      doneAt = c.stamp.frame;
      break;
    }
    session.feed(c.side, c.data, c.stamp);
  }
  const sess = session as TlsSession | null;
  sess?.end();
  return { stream, messages, summary: sess ? sess.summary() : null, doneAt, session: sess };
}
