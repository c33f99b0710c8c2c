/**
 * HTTP/2 on one connection (RFC 9113): the client preface, then frames on
 * each side. A client HEADERS block (HEADERS + CONTINUATION) opening a new
 * stream is a request; the server's first HEADERS block on that stream with a
 * final (or unreadable) :status is its response. Header blocks go through
 * each side's HPACK decoder so its dynamic table stays in step; only :method
 * and :status are kept. Payloads other than header blocks are counted, never
 * buffered.
 */
import { epoch, type Side, type Stamp } from '../base/stamp.js';
import { HpackDecoder, type HeaderField } from './hpack.js';
import type { RequestLog } from './log.js';
import type { HttpRequest, RequestTrackerOptions } from './types.js';

export const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

const DATA = 0;
const HEADERS = 1;
const RST_STREAM = 3;
const PUSH_PROMISE = 5;
const CONTINUATION = 9;

const END_STREAM = 0x1;
const END_HEADERS = 0x4;
const PADDED = 0x8;
const PRIORITY = 0x20;

interface StreamEntry {
  rec: HttpRequest;
  responded: boolean;
}

interface Block {
  type: number;
  stream: number;
  flags: number;
  start: Stamp;
  parts: Buffer[];
  len: number;
  /** Part of the block was lost or over the cap: it cannot be decoded. */
  lost: boolean;
  /** Frame bytes of the block (headers included), for the stream's byte count. */
  bytes: number;
}

class H2Side {
  private preface: number;
  private hdr = Buffer.alloc(9);
  private hdrLen = 0;
  private frameStart: Stamp | null = null;
  private type = 0;
  private flags = 0;
  private stream = 0;
  private length = 0;
  private remaining = 0;
  /** Payload of the current frame when it carries a header block fragment. */
  private payload: Buffer[] | null = null;
  private payloadLen = 0;
  private payloadLost = false;
  private block: Block | null = null;
  private last: Stamp | null = null;
  dead = false;
  readonly hpack: HpackDecoder;

  constructor(
    private readonly side: Side,
    private readonly conn: Http2Connection,
    private readonly opts: RequestTrackerOptions,
  ) {
    this.preface = side === 'client' ? H2_PREFACE.length : 0;
    this.hpack = new HpackDecoder(opts.maxHpackTable);
  }

  data(b: Buffer, st: Stamp): void {
    this.last = st;
    let i = 0;
    while (i < b.length && !this.dead) {
      if (this.preface > 0) {
        const off = H2_PREFACE.length - this.preface;
        const n = Math.min(this.preface, b.length - i);
        if (!b.subarray(i, i + n).equals(H2_PREFACE.subarray(off, off + n))) {
          this.fail(st, 'h2-protocol', 'bad client connection preface');
          return;
        }
        this.preface -= n;
        i += n;
        continue;
      }
      if (this.hdrLen < 9) {
        if (this.hdrLen === 0) this.frameStart = st;
        const n = Math.min(9 - this.hdrLen, b.length - i);
        b.copy(this.hdr, this.hdrLen, i, i + n);
        this.hdrLen += n;
        i += n;
        if (this.hdrLen < 9) return;
        this.length = this.hdr.readUIntBE(0, 3);
        this.type = this.hdr[3]!;
        this.flags = this.hdr[4]!;
        this.stream = this.hdr.readUInt32BE(5) & 0x7fffffff;
        this.remaining = this.length;
        this.payloadLost = false;
        const carriesBlock = this.type === HEADERS || this.type === CONTINUATION || (this.type === PUSH_PROMISE && this.side === 'server');
        this.payload = carriesBlock ? [] : null;
        this.payloadLen = 0;
        if (carriesBlock && this.length > this.opts.maxHeaderBlock) {
          this.conn.log.problem(this.side, st.frame, 'too-large', `header block frame of ${this.length} bytes (cap ${this.opts.maxHeaderBlock})`);
          this.payload = null;
          this.payloadLost = true;
        }
        if (this.block !== null && this.type !== CONTINUATION) {
          this.fail(st, 'h2-protocol', `frame type ${this.type} inside a header block`);
          return;
        }
        if (this.remaining === 0) this.frameDone(st);
        continue;
      }
      const n = Math.min(this.remaining, b.length - i);
      if (this.payload !== null) {
        this.payload.push(Buffer.from(b.subarray(i, i + n)));
        this.payloadLen += n;
      }
      this.remaining -= n;
      i += n;
      if (this.remaining === 0) this.frameDone(st);
    }
  }

  gap(lost: number): void {
    if (this.dead) return;
    if (this.preface === 0 && this.hdrLen === 9 && lost <= this.remaining) {
      // The hole is inside this frame's payload: framing is still known.
      this.remaining -= lost;
      if (this.payload !== null || this.payloadLost) {
        this.payload = null;
        this.payloadLost = true;
      }
      if (this.remaining === 0) this.frameDone(this.last!);
      return;
    }
    this.fail(this.last, 'gap', `${lost} bytes missing across HTTP/2 frame boundaries: stopped reading this side`);
  }

  private fail(st: Stamp | null, kind: 'h2-protocol' | 'gap', detail: string): void {
    this.conn.log.problem(this.side, st?.frame ?? null, kind, detail);
    this.dead = true;
    this.payload = null;
    this.block = null;
  }

  private frameDone(st: Stamp): void {
    const size = 9 + this.length;
    this.hdrLen = 0;
    const type = this.type;
    const flags = this.flags;
    if (type === HEADERS || type === PUSH_PROMISE || type === CONTINUATION) {
      if (type === PUSH_PROMISE && this.side === 'client') {
        this.conn.count(this.side, this.stream, size, flags);
        return;
      }
      let frag: Buffer | null = null;
      if (this.payload !== null && !this.payloadLost) {
        frag = stripFrame(type, flags, Buffer.concat(this.payload, this.payloadLen));
        if (frag === null) {
          this.conn.log.problem(this.side, st.frame, 'h2-protocol', `bad padding or length in frame type ${type}`);
        }
      }
      this.payload = null;
      if (type === CONTINUATION) {
        if (this.block === null || this.block.stream !== this.stream) {
          this.fail(st, 'h2-protocol', 'CONTINUATION without an open header block');
          return;
        }
      } else {
        this.block = { type, stream: this.stream, flags, start: this.frameStart!, parts: [], len: 0, lost: false, bytes: 0 };
      }
      const blk = this.block!;
      blk.bytes += size;
      if (frag === null) blk.lost = true;
      else if (!blk.lost) {
        if (blk.len + frag.length > this.opts.maxHeaderBlock) {
          this.conn.log.problem(this.side, st.frame, 'too-large', `header block over ${this.opts.maxHeaderBlock} bytes`);
          blk.lost = true;
          blk.parts = [];
        } else {
          blk.parts.push(frag);
          blk.len += frag.length;
        }
      }
      if (flags & END_HEADERS) {
        this.block = null;
        let fields: HeaderField[] | null = null;
        if (blk.lost) this.hpack.lose();
        else {
          const r = this.hpack.decode(Buffer.concat(blk.parts, blk.len));
          if (!r.ok) this.conn.log.problem(this.side, st.frame, 'hpack', r.error);
          fields = r.fields;
        }
        this.conn.headerBlock(this.side, blk, fields, st);
      }
      return;
    }
    this.payload = null;
    if (type === DATA || type === RST_STREAM) this.conn.count(this.side, this.stream, size, flags, type === RST_STREAM);
  }
}

/** The header block fragment of a HEADERS / PUSH_PROMISE / CONTINUATION payload, or null if its lengths are wrong. */
function stripFrame(type: number, flags: number, p: Buffer): Buffer | null {
  if (type === CONTINUATION) return p;
  let start = 0;
  let pad = 0;
  if (flags & PADDED) {
    if (p.length < 1) return null;
    pad = p[0]!;
    start = 1;
  }
  if (type === HEADERS && flags & PRIORITY) start += 5;
  if (type === PUSH_PROMISE) start += 4;
  if (start + pad > p.length) return null;
  return p.subarray(start, p.length - pad);
}

function field(fields: HeaderField[] | null, name: string): string | undefined {
  return fields?.find((f) => f.name === name)?.value;
}

export class Http2Connection {
  private readonly sides: Record<Side, H2Side>;
  private readonly streams = new Map<number, StreamEntry>();
  private lastClientStream = 0;

  constructor(
    readonly log: RequestLog,
    private readonly opts: RequestTrackerOptions,
  ) {
    this.sides = { client: new H2Side('client', this, opts), server: new H2Side('server', this, opts) };
  }

  data(side: Side, b: Buffer, st: Stamp): void {
    this.sides[side].data(b, st);
  }

  gap(side: Side, lost: number): void {
    this.sides[side].gap(lost);
  }

  wants(side: Side): boolean {
    return !this.sides[side].dead;
  }

  /** DATA / RST_STREAM bytes on a stream. */
  count(side: Side, stream: number, size: number, flags: number, reset = false): void {
    const e = this.streams.get(stream);
    if (e === undefined) return;
    if (side === 'client') e.rec.requestBytes += size;
    else e.rec.responseBytes += size;
    if (reset || (side === 'server' && flags & END_STREAM)) this.streams.delete(stream);
  }

  headerBlock(side: Side, blk: Block, fields: HeaderField[] | null, end: Stamp): void {
    if (blk.type === PUSH_PROMISE) return; // decoded only to keep the server's table in step
    const id = blk.stream;
    if (side === 'client') {
      const e = this.streams.get(id);
      if (e !== undefined) {
        e.rec.requestBytes += blk.bytes; // trailers
        return;
      }
      if (id === 0 || id % 2 === 0 || id <= this.lastClientStream) {
        this.log.problem('client', end.frame, 'h2-protocol', `HEADERS on stream ${id}, which cannot open a request`);
        return;
      }
      this.lastClientStream = id;
      const rec = this.log.open('h2', blk.start);
      if (rec === null) return;
      rec.stream = id;
      const method = field(fields, ':method');
      if (method !== undefined) rec.method = method;
      rec.requestEndFrame = end.frame;
      rec.requestEndTime = epoch(end);
      rec.requestBytes += blk.bytes;
      if (this.streams.size >= this.opts.maxOutstanding) {
        // Forget the oldest open stream: its response will not be matched.
        const oldest = this.streams.keys().next().value as number;
        this.streams.delete(oldest);
        this.log.problem('client', end.frame, 'overflow', `more than ${this.opts.maxOutstanding} open streams: stream ${oldest} no longer followed`);
      }
      this.streams.set(id, { rec, responded: false });
      return;
    }
    const e = this.streams.get(id);
    if (e === undefined) return; // a pushed stream, or one we do not follow
    e.rec.responseBytes += blk.bytes;
    if (!e.responded) {
      const s = field(fields, ':status');
      const status = s !== undefined && /^\d{3}$/.test(s) ? Number(s) : undefined;
      if (status !== undefined && status >= 100 && status < 200) {
        e.rec.interim = (e.rec.interim ?? 0) + 1;
        e.rec.interimFrame ??= blk.start.frame;
      } else {
        e.responded = true;
        e.rec.responseFrame = blk.start.frame;
        e.rec.responseTime = epoch(blk.start);
        e.rec.responseEndFrame = end.frame;
        e.rec.responseEndTime = epoch(end);
        if (status !== undefined) e.rec.status = status;
      }
    }
    if (blk.flags & END_STREAM) this.streams.delete(id);
  }
}
