/**
 * pcapng reader (draft-ietf-opsawg-pcapng), push-based over chunks.
 *
 * Blocks lying wholly inside a chunk are parsed in place (frames are views
 * of the chunk). A block cut by the end of a chunk is carried over: once its
 * 12-byte head is known, a buffer of exactly its length is allocated and
 * filled from the following chunks, so nothing is ever concatenated twice
 * and memory is bounded by the largest block (at most MAX_BLOCK).
 *
 * Supported: several sections in either byte order (interfaces are numbered
 * per section; Frame.interfaceId is the global index in meta.interfaces),
 * IDB (link type, snaplen, if_name, if_description, if_tsresol, if_tsoffset),
 * EPB, SPB, obsolete PB, DSB (kept in meta.decryptionSecrets); Custom Blocks
 * take a frame number, as in Wireshark, and are counted (meta.customBlocks);
 * any other block is skipped by its length.
 */
import { u16, u32 } from '../base/bytes.js';
import { CaptureError } from './types.js';
import { ChunkFrame } from './frame.js';
import type { FormatReader, ReadState } from './state.js';
import { representableSeconds, splitTimestamp, tsResolution } from './timestamp.js';
import type { SecNsec, TsResolution } from './timestamp.js';

export const PCAPNG_SHB = 0x0a0d0d0a;
const IDB = 0x00000001;
const PB = 0x00000002;
const SPB = 0x00000003;
const EPB = 0x00000006;
const DSB = 0x0000000a;
/** Custom Blocks, copyable and not: tshark 4.0 shows each as a frame ("PCAPNG ... Custom Block"). */
const CB_COPY = 0x00000bad;
const CB_NOCOPY = 0x40000bad;

const BOM = 0x1a2b3c4d;
const BOM_SWAPPED = 0x4d3c2b1a;
const BLOCK_HEAD = 12;
/** Largest block accepted; anything longer is taken as corruption. */
export const MAX_BLOCK = 16 * 1024 * 1024;

const OPT_ENDOFOPT = 0;
const IF_NAME = 2;
const IF_DESCRIPTION = 3;
const IF_TSRESOL = 9;
const IF_TSOFFSET = 14;

interface IfaceRuntime {
  res: TsResolution;
  tsOffset: number;
  linkType: number;
  snapLen: number;
  global: number;
}

/** The problem recorded on a frame whose time cannot be represented (Frame.problem). */
export const TIME_OUT_OF_RANGE = 'timestamp out of range';

export class PcapngReader implements FormatReader {
  private le = true;
  private section = -1;
  /** Interfaces of the current section, by local id. */
  private ifaces: IfaceRuntime[] = [];
  /** File offset of the next block to parse. */
  private offset = 0;
  /** Incomplete block carried over between chunks. */
  private carry: Buffer | null = null;
  private carryFill = 0;
  /** Length of the carried block, 0 while its head (12 bytes) is incomplete. */
  private carryLen = 0;
  private stopped = false;
  private readonly ts: SecNsec = { sec: 0, nsec: 0 };
  /** Frames whose time is out of range (see timeOutOfRange), and the index of their warning. */
  private badTimes: { withoutOffset: number; atZero: number; first: string; warning: number } | undefined;

  constructor(private readonly st: ReadState) {}

  push(chunk: Buffer): boolean {
    if (this.stopped) return false;
    let pos = 0;
    if (this.carry) {
      pos = this.fillCarry(chunk);
      if (this.stopped) return false;
      if (this.carry) return true; // chunk used up, block still incomplete
    }
    const end = chunk.length;
    while (end - pos >= BLOCK_HEAD) {
      const len = this.blockLength(chunk, pos);
      if (len < 0) return false;
      if (end - pos < len) break;
      if (!this.block(chunk, pos, len)) return false;
      pos += len;
    }
    const rest = end - pos;
    if (rest > 0) {
      if (rest >= BLOCK_HEAD) {
        const len = this.blockLength(chunk, pos); // validated above
        this.carry = Buffer.allocUnsafe(len);
        this.carryLen = len;
      } else {
        this.carry = Buffer.allocUnsafe(BLOCK_HEAD);
        this.carryLen = 0;
      }
      chunk.copy(this.carry, 0, pos, end);
      this.carryFill = rest;
    }
    return true;
  }

  /** Complete the carried block from `chunk`; returns the bytes of chunk used. */
  private fillCarry(chunk: Buffer): number {
    let pos = 0;
    let carry = this.carry!;
    if (this.carryLen === 0) {
      const n = Math.min(BLOCK_HEAD - this.carryFill, chunk.length);
      chunk.copy(carry, this.carryFill, 0, n);
      this.carryFill += n;
      pos = n;
      if (this.carryFill < BLOCK_HEAD) return pos;
      const len = this.blockLength(carry, 0);
      if (len < 0) return pos;
      const full = Buffer.allocUnsafe(len);
      carry.copy(full, 0, 0, BLOCK_HEAD);
      this.carry = carry = full;
      this.carryLen = len;
    }
    const n = Math.min(this.carryLen - this.carryFill, chunk.length - pos);
    chunk.copy(carry, this.carryFill, pos, pos + n);
    this.carryFill += n;
    pos += n;
    if (this.carryFill === this.carryLen) {
      this.carry = null;
      this.carryLen = 0;
      this.carryFill = 0;
      this.block(carry, 0, carry.length);
    }
    return pos;
  }

  /**
   * Fields read from the bytes (base/bytes.ts); out of range, Buffer's method
   * throws as before.
   */
  private u32(buf: Buffer, p: number): number {
    if (p < 0 || p + 4 > buf.length) return this.le ? buf.readUInt32LE(p) : buf.readUInt32BE(p);
    return u32(buf, p, this.le);
  }

  private u16(buf: Buffer, p: number): number {
    if (p < 0 || p + 2 > buf.length) return this.le ? buf.readUInt16LE(p) : buf.readUInt16BE(p);
    return u16(buf, p, this.le);
  }

  /** Length of the block at p (its 12-byte head is present), or -1 after a fatal error. */
  private blockLength(buf: Buffer, p: number): number {
    if (buf.readUInt32LE(p) === PCAPNG_SHB) {
      // The type is a palindrome; the byte-order magic tells how to read the rest.
      const bom = buf.readUInt32LE(p + 8);
      if (bom === BOM) this.le = true;
      else if (bom === BOM_SWAPPED) this.le = false;
      else {
        this.fatal(`section header block with a bad byte-order magic ${buf.readUInt32BE(p + 8).toString(16).padStart(8, '0')}`);
        return -1;
      }
    }
    const len = this.u32(buf, p + 4);
    let why: string | undefined;
    if (len < BLOCK_HEAD) why = 'is less than 12';
    else if (len % 4 !== 0) why = 'is not a multiple of 4';
    else if (len > MAX_BLOCK) why = `exceeds the maximum of ${MAX_BLOCK}`;
    if (why !== undefined) {
      this.fatal(`block length ${len} ${why}`);
      return -1;
    }
    return len;
  }

  /**
   * Stop with an error naming the block's offset and the frame about to be read.
   * A bad first block means the file is not pcapng at all: CaptureError.
   */
  private fatal(reason: string): void {
    this.stopped = true;
    if (this.offset === 0 && this.section < 0) {
      throw new CaptureError(`${this.st.name} is not a valid pcapng file: ${reason}`);
    }
    if (this.st.error === undefined) {
      this.st.error =
        `frame ${this.st.frames + 1}: corrupt pcapng block at byte offset ${this.offset}: ${reason}` +
        ` (the last good frame is ${this.st.frames})`;
    }
  }

  /** Handle one whole block [p, p+len) of buf; false after a fatal error. */
  private block(buf: Buffer, p: number, len: number): boolean {
    const type = this.u32(buf, p);
    const trailing = this.u32(buf, p + len - 4);
    if (trailing !== len) {
      this.fatal(`block length ${len} does not match the trailing length ${trailing}`);
      return false;
    }
    let ok = true;
    switch (type) {
      case PCAPNG_SHB: ok = this.sectionHeader(buf, p, len); break;
      case IDB: ok = this.interfaceDescription(buf, p, len); break;
      case EPB: ok = this.packet(buf, p, len, this.u32(buf, p + 8), 28); break;
      case PB: ok = this.packet(buf, p, len, this.u16(buf, p + 8), 28); break;
      case SPB: ok = this.simplePacket(buf, p, len); break;
      case DSB: ok = this.decryptionSecrets(buf, p, len); break;
      case CB_COPY:
      case CB_NOCOPY: this.customBlock(); break;
      default: break; // NRB, ISB, ... skipped
    }
    if (ok) this.offset += len;
    return ok;
  }

  private tooShort(len: number, min: number, what: string): boolean {
    if (len >= min) return false;
    this.fatal(`${what} block of ${len} bytes is shorter than ${min}`);
    return true;
  }

  private sectionHeader(buf: Buffer, p: number, len: number): boolean {
    if (this.tooShort(len, 28, 'section header')) return false;
    const major = this.u16(buf, p + 12);
    const minor = this.u16(buf, p + 14);
    if (major !== 1) {
      this.fatal(`unsupported pcapng version ${major}.${minor}`);
      return false;
    }
    this.section++;
    this.ifaces = [];
    const meta = this.st.meta;
    meta.sections = this.section + 1;
    if (this.section === 0) {
      meta.format = 'pcapng';
      meta.version = `${major}.${minor}`;
      meta.byteOrder = this.le ? 'LE' : 'BE';
    }
    return true;
  }

  private interfaceDescription(buf: Buffer, p: number, len: number): boolean {
    if (this.tooShort(len, 20, 'interface description')) return false;
    const linkType = this.u16(buf, p + 8);
    const snapLen = this.u32(buf, p + 12);
    let tsresol = 6;
    let tsOffset = 0;
    let name: string | undefined;
    let description: string | undefined;
    const end = p + len - 4;
    let o = p + 16;
    while (o + 4 <= end) {
      const code = this.u16(buf, o);
      const olen = this.u16(buf, o + 2);
      if (code === OPT_ENDOFOPT) break;
      const v = o + 4;
      if (v + olen > end) {
        this.st.warnings.push(`interface ${this.st.meta.interfaces.length} (block at byte offset ${this.offset}): option ${code} overruns its block; later options ignored`);
        break;
      }
      if (code === IF_TSRESOL && olen >= 1) tsresol = buf[v]!;
      else if (code === IF_TSOFFSET && olen >= 8) {
        tsOffset = Number(this.le ? buf.readBigInt64LE(v) : buf.readBigInt64BE(v));
      } else if (code === IF_NAME) name = optString(buf, v, olen);
      else if (code === IF_DESCRIPTION) description = optString(buf, v, olen);
      o = v + ((olen + 3) & ~3);
    }
    const res = tsResolution(tsresol);
    const meta = this.st.meta;
    const global = meta.interfaces.length;
    meta.interfaces.push({
      linkType,
      snapLen,
      unitsPerSecond: res.unitsPerSecond,
      resolution: res.label,
      tsOffset,
      ...(name !== undefined ? { name } : {}),
      ...(description !== undefined ? { description } : {}),
      section: this.section,
    });
    this.ifaces.push({ res, tsOffset, linkType, snapLen, global });
    return true;
  }

  /** EPB (interface id u32) and obsolete PB (u16 + drops): same layout from offset 12. */
  private packet(buf: Buffer, p: number, len: number, ifId: number, dataAt: number): boolean {
    if (this.tooShort(len, dataAt + 4, 'packet')) return false;
    const iface = this.ifaces[ifId];
    if (iface === undefined) {
      this.fatal(`packet for interface ${ifId}, but section ${this.section} has ${this.ifaces.length} interface(s)`);
      return false;
    }
    const capLen = this.u32(buf, p + 20);
    if (capLen > len - dataAt - 4) {
      this.fatal(`captured length ${capLen} is larger than the packet block (${len} bytes)`);
      return false;
    }
    const ts = this.ts;
    splitTimestamp(this.u32(buf, p + 12), this.u32(buf, p + 16), iface.res, ts);
    const start = p + dataAt;
    const sec = ts.sec + iface.tsOffset;
    if (representableSeconds(sec)) {
      this.deliver(iface, sec, ts.nsec, capLen, this.u32(buf, p + 24), buf, start);
    } else {
      this.timeOutOfRange(iface, sec, ts.sec, ts.nsec, capLen, this.u32(buf, p + 24), buf, start);
    }
    return true;
  }

  /**
   * A frame whose time (timestamp + if_tsoffset) is beyond what a date can
   * hold (a corrupt or hostile file: if_tsoffset 2^62, 2^44 s with if_tsresol
   * 10^0). The frame is still analysed, with Frame.problem set and a time that
   * keeps what can be kept: the timestamp without the interface's offset when
   * that one is in range (times between the interface's frames stay exact),
   * else 0 (1970-01-01). One warning for the whole file counts them (a file
   * with 100,000 interfaces gives one line, not 100,000).
   */
  private timeOutOfRange(iface: IfaceRuntime, sec: number, rawSec: number, nsec: number, capLen: number, origLen: number, buf: Buffer, start: number): void {
    const withoutOffset = iface.tsOffset !== 0 && representableSeconds(rawSec);
    let b = this.badTimes;
    if (b === undefined) {
      const offset = iface.tsOffset !== 0 ? ` with if_tsoffset ${BigInt(iface.tsOffset).toString()} s` : '';
      const at = Number.isFinite(sec) ? sec.toExponential(3) : String(sec);
      b = this.badTimes = {
        withoutOffset: 0,
        atZero: 0,
        first: `first: frame ${this.st.frames + 1}, interface ${iface.global}${offset}, ${at} s since 1970`,
        warning: this.st.warnings.length,
      };
      this.st.warnings.push('');
    }
    if (withoutOffset) b.withoutOffset++;
    else b.atZero++;
    const n = b.withoutOffset + b.atZero;
    const how: string[] = [];
    if (b.withoutOffset > 0) how.push(`${b.withoutOffset} timed without their interface's if_tsoffset`);
    if (b.atZero > 0) how.push(`${b.atZero} at time 0 (1970-01-01)`);
    this.st.warnings[b.warning] =
      `${n} frame${n === 1 ? ' has' : 's have'} a timestamp out of the representable range (${b.first}): ${how.join(', ')}`;
    if (withoutOffset) this.deliver(iface, rawSec, nsec, capLen, origLen, buf, start, TIME_OUT_OF_RANGE);
    else this.deliver(iface, 0, 0, capLen, origLen, buf, start, TIME_OUT_OF_RANGE);
  }

  private simplePacket(buf: Buffer, p: number, len: number): boolean {
    if (this.tooShort(len, 16, 'simple packet')) return false;
    const iface = this.ifaces[0];
    if (iface === undefined) {
      this.fatal(`simple packet block, but section ${this.section} has no interface`);
      return false;
    }
    const origLen = this.u32(buf, p + 8);
    let capLen = Math.min(origLen, len - 16);
    if (iface.snapLen !== 0 && capLen > iface.snapLen) capLen = iface.snapLen;
    const start = p + 12;
    // An SPB has no timestamp.
    this.deliver(iface, 0, 0, capLen, origLen, buf, start);
    return true;
  }

  /** The frame `buf[start, start + capLen)`, decoded where it lies (see frame.ts). */
  private deliver(iface: IfaceRuntime, sec: number, nsec: number, capLen: number, origLen: number, buf: Buffer, start: number, problem?: string): void {
    if (this.st.frames === 0) this.st.emitMeta();
    const frame = new ChunkFrame(++this.st.frames, sec, nsec, capLen, origLen, iface.linkType, iface.global, buf, start);
    if (problem !== undefined) frame.problem = problem;
    this.st.sink(frame);
  }

  /** A frame number for Wireshark's sake, no frame: its bytes are not a packet. */
  private customBlock(): void {
    if (this.st.frames === 0) this.st.emitMeta();
    this.st.frames++;
    this.st.meta.customBlocks = (this.st.meta.customBlocks ?? 0) + 1;
  }

  private decryptionSecrets(buf: Buffer, p: number, len: number): boolean {
    if (this.tooShort(len, 20, 'decryption secrets')) return false;
    const type = this.u32(buf, p + 8);
    const n = this.u32(buf, p + 12);
    if (n > len - 20) {
      this.fatal(`decryption secrets length ${n} is larger than its block (${len} bytes)`);
      return false;
    }
    // Copied: the block may live in a chunk that is about to be reused.
    this.st.meta.decryptionSecrets.push({ type, data: Buffer.from(buf.subarray(p + 16, p + 16 + n)) });
    return true;
  }

  finish(): void {
    if (this.stopped) return;
    if (this.section < 0) {
      throw new CaptureError(`${this.st.name}: pcapng section header is cut short (${this.carryFill} bytes)`);
    }
    if (this.carry) {
      const of = this.carryLen > 0 ? `${this.carryFill} of ${this.carryLen} bytes` : `${this.carryFill} bytes of its header`;
      this.st.warnings.push(
        `${this.st.name} is cut short in the middle of a block (byte offset ${this.offset}: ${of}); ` +
          `the last complete frame is ${this.st.frames}`,
      );
    }
  }

  /** Bytes consumed up to the end of the last complete block. */
  get consumed(): number {
    return this.offset;
  }
}

function optString(buf: Buffer, v: number, n: number): string {
  let e = v + n;
  while (e > v && buf[e - 1] === 0) e--;
  return buf.toString('utf8', v, e);
}
