/**
 * Classic pcap (libpcap 2.4) through the pcap-parser npm package.
 *
 * pcap-parser only knows the microsecond magic a1b2c3d4 (either byte order).
 * For a nanosecond file (a1b23c4d) the first four bytes handed to it are
 * rewritten to the microsecond magic of the same byte order; its
 * `timestampMicroseconds` field then carries nanoseconds.
 *
 * pcap-parser is driven synchronously: instead of a stream it gets a small
 * event emitter that we feed chunk by chunk, so every frame of a chunk has
 * been delivered when push() returns, and end of input is ours to decide.
 *
 * Cost per chunk (issue 14): left to itself, pcap-parser copies what it holds
 * plus every new chunk into a fresh zero-filled buffer (`new Buffer`), i.e. the
 * whole file once more, and keeps views into the caller's chunk. Instead, its
 * `buffer` is emptied (set to null) before each chunk and after it: the chunk
 * is parsed in place, the record cut at the chunk's end is copied out (only its
 * bytes) and completed from the head of the next chunk. Nothing refers to a
 * chunk after push() returns, so the caller may reuse its buffers.
 *
 * Cost per record (issue 14): pcap-parser reads each record header with
 * `buffer['readUInt32' + this.endianness](…)` (a string built and looked up four
 * times per record) and moves on with `buffer.slice(…)` twice per record (a new
 * Buffer view each time). After the file header it is handed not a Buffer but a
 * `RecordCursor`: an object with the three things it uses of one (`length`,
 * `readUInt32`, `slice`), over the chunk; its `endianness` is set to '' so the
 * method name it builds is the constant 'readUInt32', which the cursor reads in
 * the file's byte order; `slice(n)` moves the cursor and returns it, and
 * `slice(0, len)`, a record's data, notes where the data lies and returns the
 * cursor too: the frame refers to the chunk and an offset (Frame.bytes and
 * start), and its `data` view is made only if a consumer asks for it (the
 * analysis decodes from the chunk). pcap-parser still finds every record
 * boundary, reads every header and emits every record; it is spared the
 * allocations. Its events come to one dispatch function set as its `emit` (see
 * the constructor), not through EventEmitter.
 *
 * A captured length above the bound (Wireshark's 262144, or the snaplen when
 * larger, at most 16 MiB) stops the read: checked on each delivered record and
 * on a record cut at a chunk's end, before any of it is carried over.
 */
import { EventEmitter } from 'node:events';
import pcapParser from 'pcap-parser';
import type { PcapGlobalHeader, PcapPacket, PcapPacketHeader, PcapParser } from 'pcap-parser';
import { u32 } from '../base/bytes.js';
import { CaptureError } from './types.js';
import { ChunkFrame } from './frame.js';
import type { FormatReader, ReadState } from './state.js';

const GLOBAL_HEADER = 24;
const RECORD_HEADER = 16;
/** WTAP_MAX_PACKET_SIZE_STANDARD: Wireshark refuses larger records in pcap files. */
export const PCAP_STANDARD_MAX_RECORD = 262_144;
const ABSOLUTE_MAX_RECORD = 16 * 1024 * 1024;

export const PCAP_MAGIC_US = 0xa1b2c3d4;

/** The four pcap magics as read big-endian from the first 4 bytes, or undefined. */
export function pcapMagic(first4: number): { le: boolean; nanos: boolean } | undefined {
  switch (first4 >>> 0) {
    case 0xa1b2c3d4: return { le: false, nanos: false };
    case 0xd4c3b2a1: return { le: true, nanos: false };
    case 0xa1b23c4d: return { le: false, nanos: true };
    case 0x4d3cb2a1: return { le: true, nanos: true };
    default: return undefined;
  }
}

/**
 * What pcap-parser reads records from once the file header is read: a view of
 * `base` from `pos` that it can read and advance without allocating. It calls
 * `readUInt32(off)` (its endianness is '') and `slice(n)` to skip n bytes, which
 * moves this cursor and returns it; `slice(a, b)` is a record's data: it sets
 * `dataStart` (an offset in `base`) and returns the cursor, which pcap-parser
 * hands back to us as the packet's data.
 */
class RecordCursor {
  base: Buffer = Buffer.alloc(0);
  pos = 0;
  length = 0;
  dataStart = 0;
  constructor(private readonly le: boolean) {}

  reset(base: Buffer): this {
    this.base = base;
    this.pos = 0;
    this.length = base.length;
    return this;
  }

  /** pcap-parser reads only within `length` (it checks first), so no bounds check here. */
  readUInt32(off: number): number {
    return u32(this.base, this.pos + off, this.le);
  }

  slice(start: number, end?: number): this {
    if (end !== undefined) {
      this.dataStart = this.pos + start;
      return this;
    }
    this.pos += start;
    this.length -= start;
    return this;
  }

  /** What is left, as a view of the base. */
  rest(): Buffer {
    return this.base.subarray(this.pos);
  }
}

/** The 'stream' pcap-parser listens to: we emit 'data' ourselves. */
class Feed extends EventEmitter {
  pause(): this { return this; }
  resume(): this { return this; }
}

export class PcapReader implements FormatReader {
  private readonly feed = new Feed();
  private readonly parser: PcapParser;
  private readonly le: boolean;
  private readonly nanos: boolean;
  private readonly cursor: RecordCursor;
  private first = true;
  private headerSeen = false;
  private linkType = 0;
  private maxRecord = PCAP_STANDARD_MAX_RECORD;
  /** File offset of the next record (its header). */
  private offset = GLOBAL_HEADER;
  /** Bytes of a record (or header) cut at the end of the last chunk: our copy. */
  private carry: Buffer | null = null;
  private stopped = false;
  private headerError: string | undefined;

  constructor(private readonly st: ReadState, magic: { le: boolean; nanos: boolean }) {
    this.le = magic.le;
    this.nanos = magic.nanos;
    this.cursor = new RecordCursor(magic.le);
    const p = pcapParser.parse(this.feed);
    this.parser = p;
    // We are its only listener: its events are dispatched here directly instead of through
    // EventEmitter.emit, which makes an arguments array for each of its three events per
    // record ('packetHeader' and 'packetData' have no use here; 'end' is ours to decide).
    p.emit = (type: string | symbol, arg?: unknown): boolean => {
      switch (type) {
        case 'packet':
          this.onPacket(arg as PcapPacket);
          return true;
        case 'globalHeader':
          this.onGlobalHeader(arg as PcapGlobalHeader);
          return true;
        case 'error': {
          const e = arg as Error;
          if (!this.headerSeen) this.headerError = e.message;
          else this.fail(e.message);
          return true;
        }
        default:
          return false;
      }
    };
  }

  private onGlobalHeader(h: PcapGlobalHeader): void {
    this.headerSeen = true;
    // From here on it reads records from the cursor (see the file comment).
    this.parser.endianness = '';
    const meta = this.st.meta;
    meta.format = 'pcap';
    meta.version = `${h.majorVersion}.${h.minorVersion}`;
    meta.byteOrder = this.le ? 'LE' : 'BE';
    meta.sections = 1;
    // The upper bits of the link type field carry FCS information (LT_LINKTYPE).
    this.linkType = h.linkLayerType & 0x03ffffff;
    const snapLen = h.snapshotLength >>> 0;
    this.maxRecord = Math.max(PCAP_STANDARD_MAX_RECORD, Math.min(snapLen, ABSOLUTE_MAX_RECORD));
    meta.interfaces.push({
      linkType: this.linkType,
      snapLen,
      unitsPerSecond: this.nanos ? 1e9 : 1e6,
      resolution: this.nanos ? 'ns' : 'µs',
      tsOffset: 0,
      section: 0,
    });
    this.st.emitMeta();
  }

  /** Where pcap-parser stands: 'parseGlobalHeader', 'parsePacketHeader' or 'parsePacketBody'. */
  private get parserState(): string {
    return this.parser.state.name;
  }

  /** The header of the record whose body pcap-parser waits for, if any. */
  private get pending(): PcapPacketHeader | null {
    return this.parserState === 'parsePacketBody' ? this.parser.currentPacketHeader : null;
  }

  /** Bytes pcap-parser still needs to make progress, given `have` buffered. */
  private need(have: number): number {
    switch (this.parserState) {
      case 'parseGlobalHeader': return GLOBAL_HEADER - have;
      case 'parsePacketHeader': return RECORD_HEADER - have;
      default: return this.parser.currentPacketHeader.capturedLength - have;
    }
  }

  /** A record whose body is awaited must not be larger than the bound. */
  private checkPending(): void {
    const h = this.pending;
    if (h !== null && h.capturedLength > this.maxRecord) this.tooLarge(h.capturedLength);
  }

  private tooLarge(capLen: number): void {
    this.fail(
      `frame ${this.st.frames + 1} at byte offset ${this.offset}: corrupt record header, ` +
        `captured length ${capLen} exceeds the maximum of ${this.maxRecord}`,
    );
  }

  /** Hands pcap-parser `data` with nothing buffered; returns what it left (a view into `data`) or null. */
  private parse(data: Buffer): Buffer | null {
    const p = this.parser;
    p.buffer = null;
    // The file header as a Buffer (pcap-parser reads it with Buffer methods), records through the cursor.
    this.feed.emit('data', this.headerSeen ? this.cursor.reset(data) : data);
    const rest = p.buffer as Buffer | RecordCursor | null;
    p.buffer = null;
    if (rest === null || rest.length === 0) return null;
    return rest instanceof RecordCursor ? rest.rest() : rest;
  }

  private onPacket(pkt: PcapPacket): void {
    if (this.stopped) return;
    const h = pkt.header;
    const capLen = h.capturedLength;
    if (capLen > this.maxRecord) {
      this.tooLarge(capLen);
      return;
    }
    let sec = h.timestampSeconds;
    let nsec = this.nanos ? h.timestampMicroseconds : h.timestampMicroseconds * 1000;
    if (nsec >= 1_000_000_000) {
      sec += Math.floor(nsec / 1_000_000_000);
      nsec %= 1_000_000_000;
    }
    // A record read from a Buffer (only the file header is ever handed over as one) is its own view.
    const viaCursor = (pkt.data as unknown) === this.cursor;
    const bytes = viaCursor ? this.cursor.base : pkt.data;
    const frame = new ChunkFrame(++this.st.frames, sec, nsec, capLen, h.originalLength, this.linkType, 0, bytes, viaCursor ? this.cursor.dataStart : 0);
    this.offset += RECORD_HEADER + capLen;
    this.st.sink(frame);
  }

  private fail(message: string): void {
    this.stopped = true;
    this.parser.errored = true;
    if (this.st.error === undefined) this.st.error = message;
  }

  push(chunk: Buffer): boolean {
    if (this.stopped) return false;
    if (this.first) {
      this.first = false;
      // The file header alone first (completed from the chunk below), as a Buffer.
      this.carry = Buffer.alloc(0);
      if (this.nanos) {
        // Hand pcap-parser the microsecond magic of the same byte order.
        const magic = Buffer.allocUnsafe(4);
        if (this.le) magic.writeUInt32LE(PCAP_MAGIC_US);
        else magic.writeUInt32BE(PCAP_MAGIC_US);
        this.carry = magic;
        chunk = chunk.subarray(4);
      }
    }
    let off = 0;
    // Complete what was cut at the end of the last chunk from the head of this
    // one: a piece of just the missing bytes, so only that record is copied.
    while (this.carry !== null && off < chunk.length && !this.stopped) {
      const have = this.carry;
      const take = Math.min(this.need(have.length), chunk.length - off);
      if (!(take > 0)) break; // cannot happen while the parser runs; never spin
      const piece = Buffer.concat([have, chunk.subarray(off, off + take)], have.length + take);
      off += take;
      this.carry = this.parse(piece); // a view into `piece`, which is ours
      this.checkHeaderError();
      this.checkPending();
    }
    if (off < chunk.length && !this.stopped) {
      const rest = this.parse(off === 0 ? chunk : chunk.subarray(off));
      this.checkHeaderError();
      // The chunk's buffer may be reused by the caller: keep a copy of the cut record.
      this.carry = rest === null ? null : Buffer.from(rest);
      this.checkPending();
    }
    return !this.stopped;
  }

  private checkHeaderError(): void {
    if (this.headerError !== undefined) {
      throw new CaptureError(`${this.st.name}: ${this.headerError}`);
    }
  }

  finish(): void {
    if (this.stopped) return;
    const left = this.carry !== null ? this.carry.length : 0;
    if (!this.headerSeen) {
      throw new CaptureError(`${this.st.name}: pcap file header is cut short (${left} of ${GLOBAL_HEADER} bytes)`);
    }
    const last = this.st.frames;
    const pending = this.pending;
    if (pending) {
      const need = RECORD_HEADER + pending.capturedLength;
      this.st.warnings.push(
        `${this.st.name} is cut short in the middle of frame ${last + 1} (record at byte offset ${this.offset}: ` +
          `${RECORD_HEADER + left} of ${need} bytes); the last complete frame is ${last}`,
      );
    } else if (left > 0) {
      this.st.warnings.push(
        `${this.st.name} is cut short in the middle of the header of frame ${last + 1} (record at byte offset ${this.offset}: ` +
          `${left} of ${RECORD_HEADER} bytes); the last complete frame is ${last}`,
      );
    }
  }

  /** Bytes consumed up to the end of the last complete record. */
  get consumed(): number {
    return this.offset;
  }
}
