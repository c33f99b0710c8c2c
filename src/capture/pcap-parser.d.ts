// Minimal typing of the pcap-parser npm package (0.2.x, CommonJS, no bundled types).
declare module 'pcap-parser' {
  import type { EventEmitter } from 'node:events';

  export interface PcapGlobalHeader {
    magicNumber: number;
    majorVersion: number;
    minorVersion: number;
    gmtOffset: number;
    timestampAccuracy: number;
    snapshotLength: number;
    linkLayerType: number;
  }

  export interface PcapPacketHeader {
    timestampSeconds: number;
    /** Microseconds, or nanoseconds for a nanosecond file whose magic we rewrote. */
    timestampMicroseconds: number;
    capturedLength: number;
    originalLength: number;
  }

  export interface PcapPacket {
    header: PcapPacketHeader;
    data: Buffer;
  }

  /** The parser object: an EventEmitter with a few internal fields we rely on. */
  export interface PcapParser extends EventEmitter {
    /** When true, further 'data' from the input is ignored. */
    errored: boolean;
    /** Unparsed bytes (an incomplete record header or body): what it was fed, sliced. */
    buffer: { length: number } | null;
    /** 'LE' or 'BE' from the magic: the suffix of the read methods it calls ('readUInt32' + endianness). */
    endianness: string | null;
    stream: unknown;
    /** The state function: parseGlobalHeader, parsePacketHeader or parsePacketBody (by name). */
    state: Function;
    /** Header of the record whose body is awaited (state parsePacketBody). */
    currentPacketHeader: PcapPacketHeader;
  }

  /** Input: a file name or anything with on/pause/resume (a Readable). */
  export function parse(input: string | { on: Function; pause: Function; resume: Function }): PcapParser;

  const _default: { parse: typeof parse };
  export default _default;
}
