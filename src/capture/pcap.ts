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
 * pcap-parser buffers a whole record before emitting it, so each record
 * header is checked on 'packetHeader': a captured length above the bound
 * (Wireshark's 262144, or the snaplen when larger, at most 16 MiB) stops the
 * read before anything of that size is buffered.
 */
import { EventEmitter } from 'node:events';
import pcapParser from 'pcap-parser';
import type { PcapGlobalHeader, PcapPacket, PcapPacketHeader, PcapParser } from 'pcap-parser';
import { CaptureError } from './types.js';
import type { Frame } from './types.js';
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
  private first = true;
  private headerSeen = false;
  private linkType = 0;
  private maxRecord = PCAP_STANDARD_MAX_RECORD;
  /** File offset of the next record (its header). */
  private offset = GLOBAL_HEADER;
  /** Header of the record whose body is being buffered. */
  private pending: PcapPacketHeader | null = null;
  private stopped = false;
  private headerError: string | undefined;

  constructor(private readonly st: ReadState, magic: { le: boolean; nanos: boolean }) {
    this.le = magic.le;
    this.nanos = magic.nanos;
    const p = pcapParser.parse(this.feed);
    this.parser = p;
    p.on('globalHeader', (h: PcapGlobalHeader) => this.onGlobalHeader(h));
    p.on('packetHeader', (h: PcapPacketHeader) => this.onPacketHeader(h));
    p.on('packet', (pkt: PcapPacket) => this.onPacket(pkt));
    p.on('error', (e: Error) => {
      if (!this.headerSeen) this.headerError = e.message;
      else this.fail(e.message);
    });
  }

  private onGlobalHeader(h: PcapGlobalHeader): void {
    this.headerSeen = true;
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

  private onPacketHeader(h: PcapPacketHeader): void {
    if (this.stopped) return;
    if (h.capturedLength > this.maxRecord) {
      this.fail(
        `frame ${this.st.frames + 1} at byte offset ${this.offset}: corrupt record header, ` +
          `captured length ${h.capturedLength} exceeds the maximum of ${this.maxRecord}`,
      );
      // Make pcap-parser wait forever for this body instead of buffering it.
      h.capturedLength = Infinity;
      return;
    }
    this.pending = h;
  }

  private onPacket(pkt: PcapPacket): void {
    if (this.stopped) return;
    this.pending = null;
    const h = pkt.header;
    const data = pkt.data;
    let sec = h.timestampSeconds;
    let nsec = this.nanos ? h.timestampMicroseconds : h.timestampMicroseconds * 1000;
    if (nsec >= 1_000_000_000) {
      sec += Math.floor(nsec / 1_000_000_000);
      nsec %= 1_000_000_000;
    }
    const frame: Frame = {
      number: ++this.st.frames,
      tsSec: sec,
      tsNsec: nsec,
      capLen: data.length,
      origLen: h.originalLength,
      linkType: this.linkType,
      interfaceId: 0,
      data,
    };
    this.offset += RECORD_HEADER + data.length;
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
      if (this.nanos) {
        // Hand pcap-parser the microsecond magic of the same byte order.
        const magic = Buffer.allocUnsafe(4);
        if (this.le) magic.writeUInt32LE(PCAP_MAGIC_US);
        else magic.writeUInt32BE(PCAP_MAGIC_US);
        this.feed.emit('data', magic);
        chunk = chunk.subarray(4);
      }
    }
    this.feed.emit('data', chunk);
    if (this.headerError !== undefined) {
      throw new CaptureError(`${this.st.name}: ${this.headerError}`);
    }
    return !this.stopped;
  }

  finish(): void {
    if (this.stopped) return;
    const left = this.parser.buffer ? this.parser.buffer.length : 0;
    if (!this.headerSeen) {
      throw new CaptureError(`${this.st.name}: pcap file header is cut short (${left} of ${GLOBAL_HEADER} bytes)`);
    }
    const last = this.st.frames;
    if (this.pending) {
      const need = RECORD_HEADER + this.pending.capturedLength;
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
