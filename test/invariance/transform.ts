/**
 * Test helper: rewrite a real capture's TCP streams at the packet level and
 * write the result as a new pcapng, remembering where every original frame
 * went, so that a test can say which frame each message of the original must
 * complete in after the transformation ("the rule").
 *
 * Frames are read with the project's capture and decode stages (only to find
 * the headers); everything else is done here on copies of the bytes. A frame
 * that is not a plain TCP data segment (no payload, SYN/FIN/RST, cut by the
 * snaplen, a link layer with a length field of its own such as PPPoE, IP
 * options we cannot place) is copied unchanged, bytes and all.
 *
 * Output: one pcapng section, one interface block per interface of the input
 * (same link type, nanosecond timestamps), one Enhanced Packet Block per frame.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCapture, type Frame, type InterfaceInfo } from '../../src/capture/index.js';
import { decodeFrame, TCP_FIN, TCP_RST, TCP_SYN } from '../../src/decode/index.js';

/** One frame of the input, copied, with its TCP segment located when it is a transformable data segment. */
export interface Pkt {
  /** Frame number in the input. */
  orig: number;
  tsSec: number;
  tsNsec: number;
  interfaceId: number;
  origLen: number;
  data: Buffer;
  seg?: Seg;
  /** Any TCP segment (data or not): connection key and direction, for grouping. */
  conn?: string;
  dir?: string;
  /** SYN, FIN or RST set. */
  control?: boolean;
  syn?: boolean;
  /** tcp.len (0 for a non-TCP frame). */
  payloadLength: number;
}

/** Where the headers of a data segment are, and what it carries. */
export interface Seg {
  ipOff: number;
  ipVersion: 4 | 6;
  tcpOff: number;
  payloadOff: number;
  seq: number;
  len: number;
}

export interface Capture {
  interfaces: InterfaceInfo[];
  pkts: Pkt[];
}

/** An output frame and the input frames it is made of. */
export interface OutPkt {
  pkt: Pkt;
  /** Replacement bytes (a rebuilt segment); undefined: the input bytes. */
  data?: Buffer;
  tsSec?: number;
  tsNsec?: number;
}

export interface Transformed {
  name: string;
  out: OutPkt[];

  /**
   * The rule: for an event that completes in input frame f (in the given
   * direction "from"), the output frames where it may complete. Frames not
   * listed map to the output frame(s) holding that input frame.
   */
  expected(f: number): number[];
  /** Input frames whose bytes the output carries twice (duplicates): none lost. */
  note: string;
}

export async function loadCapture(file: string): Promise<Capture> {
  const pkts: Pkt[] = [];
  const r = await readCapture(file, (f: Frame) => {
    const data = Buffer.from(f.data);
    const p: Pkt = { orig: f.number, tsSec: f.tsSec, tsNsec: f.tsNsec, interfaceId: f.interfaceId, origLen: f.origLen, data, payloadLength: 0 };
    const d = decodeFrame(data, f.linkType);
    const tcp = d.tcp;
    if (tcp && d.src !== undefined && d.dst !== undefined && !d.fragment) {
      const a = `${d.src}|${tcp.srcPort}`;
      const b = `${d.dst}|${tcp.dstPort}`;
      p.conn = a < b ? `${a}-${b}` : `${b}-${a}`;
      p.dir = a;
      p.control = (tcp.flags & (TCP_SYN | TCP_FIN | TCP_RST)) !== 0;
      p.payloadLength = tcp.payloadLength;
      p.syn = (tcp.flags & TCP_SYN) !== 0;
      const payloadOff = tcp.payload.byteOffset - data.byteOffset;
      const tcpOff = payloadOff - tcp.headerLength;
      const ip = locateIp(data, tcpOff, f.linkType);
      if (
        ip &&
        !p.control &&
        tcp.payloadLength > 0 &&
        tcp.payload.length === tcp.payloadLength &&
        f.capLen === data.length &&
        d.problems.length === 0
      ) {
        p.seg = { ipOff: ip.off, ipVersion: ip.version, tcpOff, payloadOff, seq: tcp.seq, len: tcp.payloadLength };
      }
    }
    pkts.push(p);
  });
  // A corrupt record ends reading (r.error): the frames before it are whole, and are what we transform.
  return { interfaces: r.meta.interfaces, pkts };
}

/** The IP header right before the TCP header, when it can be placed with certainty. */
function locateIp(data: Buffer, tcpOff: number, linkType: number): { off: number; version: 4 | 6 } | undefined {
  // Link layers with a length of their own (PPPoE) would need it rewritten too: leave those frames alone.
  if (linkType === 1 && data.length >= 18 && (data.readUInt16BE(12) === 0x8864 || data.readUInt16BE(16) === 0x8864)) return undefined;
  const o6 = tcpOff - 40;
  if (o6 >= 0 && data[o6] >> 4 === 6 && data[o6 + 6] === 6) return { off: o6, version: 6 };
  const o4 = tcpOff - 20;
  if (o4 >= 0 && data[o4] === 0x45 && data[o4 + 9] === 6) return { off: o4, version: 4 };
  return undefined;
}

/** A copy of a data segment's frame carrying payload bytes [from, to) of it (Ethernet padding dropped). */
export function slice(p: Pkt, from: number, to: number): Buffer {
  const s = p.seg!;
  return rebuild(p, s.seq + from, p.data.subarray(s.payloadOff + from, s.payloadOff + to));
}

/** The frame of data segment p, carrying `payload` at sequence number `seq`. */
export function rebuild(p: Pkt, seq: number, payload: Buffer): Buffer {
  const s = p.seg!;
  const out = Buffer.concat([p.data.subarray(0, s.payloadOff), payload]);
  const ipLen = out.length - s.ipOff;
  if (s.ipVersion === 4) {
    out.writeUInt16BE(ipLen, s.ipOff + 2);
    out.writeUInt16BE(0, s.ipOff + 10);
    out.writeUInt16BE(ipChecksum(out.subarray(s.ipOff, s.ipOff + 20)), s.ipOff + 10);
  } else {
    out.writeUInt16BE(ipLen - 40, s.ipOff + 4);
  }
  out.writeUInt32BE(seq >>> 0, s.tcpOff + 4);
  return out;
}

function ipChecksum(h: Buffer): number {
  let sum = 0;
  for (let i = 0; i < h.length; i += 2) sum += h.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

// ---------------------------------------------------------------- writing

export function writePcapng(cap: Capture, out: OutPkt[], file: string): void {
  const blocks: Buffer[] = [];
  const shb = Buffer.alloc(28);
  shb.writeUInt32LE(0x0a0d0d0a, 0);
  shb.writeUInt32LE(28, 4);
  shb.writeUInt32LE(0x1a2b3c4d, 8);
  shb.writeUInt16LE(1, 12);
  shb.writeUInt16LE(0, 14);
  shb.writeInt32LE(-1, 16);
  shb.writeInt32LE(-1, 20);
  shb.writeUInt32LE(28, 24);
  blocks.push(shb);
  for (const i of cap.interfaces) {
    const idb = Buffer.alloc(32);
    idb.writeUInt32LE(1, 0);
    idb.writeUInt32LE(32, 4);
    idb.writeUInt16LE(i.linkType, 8);
    idb.writeUInt32LE(i.snapLen, 12);
    idb.writeUInt16LE(9, 16); // if_tsresol
    idb.writeUInt16LE(1, 18);
    idb.writeUInt8(9, 20); // 10^-9 s
    // 21..23 padding, 24..27 opt_endofopt
    idb.writeUInt32LE(32, 28);
    blocks.push(idb);
  }
  for (const o of out) {
    const data = o.data ?? o.pkt.data;
    const pad = (4 - (data.length % 4)) % 4;
    const len = 28 + data.length + pad + 4;
    const epb = Buffer.alloc(len);
    epb.writeUInt32LE(6, 0);
    epb.writeUInt32LE(len, 4);
    epb.writeUInt32LE(o.pkt.interfaceId, 8);
    const ts = BigInt(o.tsSec ?? o.pkt.tsSec) * 1_000_000_000n + BigInt(o.tsNsec ?? o.pkt.tsNsec);
    epb.writeUInt32LE(Number(ts >> 32n), 12);
    epb.writeUInt32LE(Number(ts & 0xffffffffn), 16);
    epb.writeUInt32LE(data.length, 20);
    // A rebuilt frame is whole: its length on the wire is its length. An untouched one keeps its own.
    epb.writeUInt32LE(o.data ? data.length : o.pkt.origLen, 24);
    data.copy(epb, 28);
    epb.writeUInt32LE(len, len - 4);
    blocks.push(epb);
  }
  writeFileSync(file, Buffer.concat(blocks));
}

/**
 * Directions ("conn>dir") whose SYN the capture holds. Only there is the start
 * of the byte stream known: without it, tshark and we both take the first
 * segment seen as the start, and bytes that arrive later with lower sequence
 * numbers are outside the stream (tshark: "Spurious Retransmission"). So the
 * reordering and loss transformations leave such directions alone (and
 * invariance.test.ts shows what happens when they do not).
 */
export function startKnown(cap: Capture): Set<string> {
  return new Set(cap.pkts.filter((p) => p.syn).map((p) => `${p.conn}>${p.dir}`));
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'hl-invariance-'));
}

// ---------------------------------------------------------------- the transformations

/** Output frame numbers (1-based) of each input frame, in output order. */
function positions(out: OutPkt[]): Map<number, number[]> {
  const m = new Map<number, number[]>();
  out.forEach((o, i) => {
    const l = m.get(o.pkt.orig) ?? [];
    l.push(i + 1);
    m.set(o.pkt.orig, l);
  });
  return m;
}

function byPosition(out: OutPkt[], override: Map<number, number[]> = new Map()): (f: number) => number[] {
  const pos = positions(out);
  return (f) => override.get(f) ?? pos.get(f) ?? [];
}

/** Unchanged (written by the same writer): the baseline the others are compared with. */
export function identity(cap: Capture): Transformed {
  const out = cap.pkts.map((pkt) => ({ pkt }));
  const at = byPosition(out);
  return { name: 'identity', out, expected: (f) => at(f), note: 'every frame as it was' };
}

/**
 * Every data segment of two bytes or more becomes two segments (first half,
 * second half), at the same time. Rule: a message completing in input frame F
 * completes in one of F's two halves.
 */
export function splitEvery(cap: Capture): Transformed {
  const out: OutPkt[] = [];
  for (const pkt of cap.pkts) {
    const s = pkt.seg;
    if (!s || s.len < 2) {
      out.push({ pkt });
      continue;
    }
    const h = s.len >> 1;
    out.push({ pkt, data: slice(pkt, 0, h) });
    out.push({ pkt, data: slice(pkt, h, s.len) });
  }
  const at = byPosition(out);
  return { name: 'split every segment in two', out, expected: (f) => at(f), note: 'either half' };
}

/**
 * Neighbouring data segments of one direction of one connection (next to each
 * other in the file, contiguous in sequence) become one segment, sent when the
 * second was, with the second's headers. Pairs only. Rule: a message that
 * completed in either of the pair completes in the merged segment.
 */
export function coalesceNeighbours(cap: Capture): Transformed {
  const out: OutPkt[] = [];
  const merged = new Map<number, number>(); // input frame -> input frame it was merged into
  const ps = cap.pkts;
  for (let i = 0; i < ps.length; i++) {
    const a = ps[i];
    const b = ps[i + 1];
    if (
      a.seg &&
      b?.seg &&
      a.conn === b.conn &&
      a.dir === b.dir &&
      ((a.seg.seq + a.seg.len) >>> 0) === b.seg.seq &&
      a.seg.len + b.seg.len < 65000
    ) {
      const payload = Buffer.concat([
        a.data.subarray(a.seg.payloadOff, a.seg.payloadOff + a.seg.len),
        b.data.subarray(b.seg.payloadOff, b.seg.payloadOff + b.seg.len),
      ]);
      out.push({ pkt: b, data: rebuild(b, a.seg.seq, payload) });
      merged.set(a.orig, b.orig);
      i++;
      continue;
    }
    out.push({ pkt: a });
  }
  const at = byPosition(out);
  return {
    name: 'coalesce neighbouring segments',
    out,
    expected: (f) => at(merged.get(f) ?? f),
    note: 'the merged segment',
  };
}

/**
 * Within each connection, runs of `window` consecutive data segments of one
 * direction (only pure ACKs of the other direction, and other connections'
 * frames, between them) arrive in reverse order. Every frame keeps the time of
 * its position in the file. Rule: nothing of the run can be delivered before
 * its first segment arrives, now last: every message completing in the run
 * completes in that segment's new frame; the other direction is unchanged.
 * Only directions whose SYN was captured (see startKnown), unless `anyStart`.
 */
export function reorderWindow(cap: Capture, window = 3, anyStart = false): Transformed {
  const ps = cap.pkts;
  const known = startKnown(cap);
  const order = ps.map((_, i) => i); // output position -> input index
  const lastOfRun = new Map<number, number>(); // input frame -> input frame of the run's first segment
  const byConn = new Map<string, number[]>();
  ps.forEach((p, i) => {
    if (p.conn) byConn.set(p.conn, [...(byConn.get(p.conn) ?? []), i]);
  });
  for (const idx of byConn.values()) {
    let run: number[] = [];
    for (const i of idx) {
      const p = ps[i];
      if (p.seg && (anyStart || known.has(`${p.conn}>${p.dir}`))) {
        const last = run.length > 0 ? ps[run[run.length - 1]] : undefined;
        if (last && (last.dir !== p.dir || ((last.seg!.seq + last.seg!.len) >>> 0) !== p.seg.seq)) run = [];
        run.push(i);
        if (run.length === window) {
          const rev = [...run].reverse();
          run.forEach((pos, k) => (order[pos] = rev[k]));
          for (const j of run) lastOfRun.set(ps[j].orig, ps[run[0]].orig);
          run = [];
        }
      } else if (p.control || run.length === 0 || p.dir === ps[run[0]].dir || !payloadLess(p)) {
        run = []; // only pure ACKs of the other direction may lie inside a run
      }
    }
  }
  const out: OutPkt[] = order.map((i, pos) => ({ pkt: ps[i], tsSec: ps[pos].tsSec, tsNsec: ps[pos].tsNsec }));
  const at = byPosition(out);
  return {
    name: `reorder within a window of ${window}`,
    out,
    expected: (f) => at(lastOfRun.get(f) ?? f),
    note: "the run's first segment, now last",
  };
}

/** A TCP segment without payload. */
function payloadLess(p: Pkt): boolean {
  return p.seg === undefined && p.payloadLength === 0;
}

/**
 * Every data segment is sent twice in a row (same time). Rule: nothing
 * changes; a message completes in the first copy.
 */
export function duplicateEvery(cap: Capture): Transformed {
  const out: OutPkt[] = [];
  for (const pkt of cap.pkts) {
    out.push({ pkt });
    if (pkt.seg) out.push({ pkt });
  }
  const at = byPosition(out);
  return { name: 'duplicate every segment', out, expected: (f) => at(f).slice(0, 1), note: 'the first copy' };
}

/**
 * In every connection and direction, the `nth` data segment (0 = the first:
 * ClientHello, ServerHello flight) is lost and arrives later, after the next
 * `later` frames of its connection (never past a SYN/FIN/RST of it, nor past
 * data from the other side: that would answer bytes it never got). Rule: in
 * that direction, a message completing in the lost segment or in any segment
 * of the direction before the late copy completes in the late copy's frame;
 * the other direction is unchanged. Only directions whose SYN was captured
 * (see startKnown), and never a segment the capture already retransmits.
 */
export function dropThenRetransmit(cap: Capture, nth = 0, later = 3): Transformed {
  const ps = cap.pkts;
  const known = startKnown(cap);
  const seen = new Map<string, number>();
  const moved = new Map<number, number>(); // input index -> input index after which it is re-sent
  for (let i = 0; i < ps.length; i++) {
    const p = ps[i];
    if (!p.seg) continue;
    const k = `${p.conn}>${p.dir}`;
    if (!known.has(k)) continue;
    const n = seen.get(k) ?? 0;
    seen.set(k, n + 1);
    if (n !== nth) continue;
    // A segment the capture already holds twice (a real retransmission) has its own late copy: leave it.
    if (ps.some((q, j) => j !== i && q.seg && q.conn === p.conn && q.dir === p.dir && q.seg.seq === p.seg!.seq)) continue;
    let after = -1;
    let count = 0;
    for (let j = i + 1; j < ps.length && count < later; j++) {
      if (ps[j].conn !== p.conn) continue;
      // Never past a SYN/FIN/RST, nor past the peer's next data: the peer cannot answer what it never
      // received, so at any vantage point the retransmission passes before the answer.
      if (ps[j].control || moved.has(j) || (ps[j].dir !== p.dir && ps[j].payloadLength > 0)) break;
      after = j;
      count++;
    }
    if (after >= 0) moved.set(i, after);
  }
  const out: OutPkt[] = [];
  const late = new Map<number, number[]>(); // after-index -> lost input indexes
  for (const [i, after] of moved) late.set(after, [...(late.get(after) ?? []), i]);
  const stalled = new Map<number, number>(); // input frame -> input frame of the late copy
  for (const [i, after] of moved) {
    for (let j = i; j <= after; j++) if (ps[j].conn === ps[i].conn && ps[j].dir === ps[i].dir) stalled.set(ps[j].orig, ps[i].orig);
  }
  for (let j = 0; j < ps.length; j++) {
    if (!moved.has(j)) out.push({ pkt: ps[j] });
    // The late copy is sent at the time of the frame before it.
    for (const i of late.get(j) ?? []) out.push({ pkt: ps[i], tsSec: ps[j].tsSec, tsNsec: ps[j].tsNsec });
  }
  const at = byPosition(out);
  return {
    name: `lose data segment #${nth} of each direction, re-send it ${later} frames later`,
    out,
    expected: (f) => at(stalled.get(f) ?? f),
    note: 'the late copy',
  };
}

/** Without frame `drop` (input frame number): for the loss tests. */
export function without(cap: Capture, drop: number): Transformed {
  const out = cap.pkts.filter((p) => p.orig !== drop).map((pkt) => ({ pkt }));
  const at = byPosition(out);
  return { name: `without frame ${drop}`, out, expected: (f) => at(f), note: '' };
}
