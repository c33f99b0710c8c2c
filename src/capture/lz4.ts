/**
 * LZ4-compressed captures (`.pcap.lz4`, `.pcapng.lz4`): the LZ4 frame format
 * (lz4's doc/lz4_Frame_format.md, version 01), decoded as it is read.
 *
 * Wireshark reads LZ4-compressed captures and its "Save As" can write them;
 * Node has no LZ4 and the design card names no package for it, so this is
 * our own focused decoder: frames one after another (skippable ones skipped),
 * linked or independent blocks, and every checksum a frame declares
 * (descriptor, block, content: XXH32) checked. Legacy frames (`lz4 -l`) and
 * frames that need a dictionary are refused by name.
 *
 * Memory is bounded by the format, not by what a file claims: a block holds
 * at most 4 MiB (the descriptor's block maximum, checked before any block is
 * read), so the decoder keeps one output buffer of a block maximum plus the
 * 64 KiB a linked block may refer back to, and one buffer for a block that
 * spans reads. A chunk handed out is valid until the next is asked for (as a
 * file's read chunks are): the next block is decoded over it.
 *
 * Damage is data, as for gzip: what the complete blocks before it held is
 * handed out, then an Lz4Error: LZ4_TRUNCATED when the input ends inside a
 * frame (the reader warns that the stream is cut short), LZ4_CORRUPT for
 * anything that breaks the format or a checksum.
 */

/** A frame's magic number, little-endian on disk: 04 22 4d 18. */
const FRAME_MAGIC = 0x184d2204;
/** Skippable frames: 0x184d2a50 ... 0x184d2a5f. */
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
/** The legacy format of `lz4 -l`. */
const LEGACY_MAGIC = 0x184c2102;
/** How far back a match may reach (and so the history a linked block needs). */
const WINDOW = 64 * 1024;
/** The most decoded bytes handed out at once (a plain file is read 1 MiB at a time). */
const PIECE = 1024 * 1024;
/** Block maximum sizes by the descriptor's BD field (4..7). */
const BLOCK_MAX = [0, 0, 0, 0, 64 * 1024, 256 * 1024, 1024 * 1024, 4 * 1024 * 1024];

export type Lz4ErrorCode = 'LZ4_TRUNCATED' | 'LZ4_CORRUPT';

export class Lz4Error extends Error {
  constructor(
    message: string,
    readonly code: Lz4ErrorCode,
  ) {
    super(message);
    this.name = 'Lz4Error';
  }
}

/** True when `b` starts like an LZ4 frame (a skippable frame, which may lead one, or a legacy frame, refused by name). */
export function isLz4(b: Buffer): boolean {
  if (b.length < 4) return false;
  const m = b.readUInt32LE(0);
  return m === FRAME_MAGIC || m === LEGACY_MAGIC || (m & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC;
}

// XXH32 (the xxHash specification), streaming, seed 0.
const P1 = 0x9e3779b1;
const P2 = 0x85ebca77;
const P3 = 0xc2b2ae3d;
const P4 = 0x27d4eb2f;
const P5 = 0x165667b1;

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const rotl = (x: number, r: number): number => (x << r) | (x >>> (32 - r));
const lane = (b: Uint8Array, i: number): number => b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
/** One accumulator's round over one 4-byte lane. */
const round = (acc: number, lane: number): number => Math.imul(rotl((acc + Math.imul(lane, P2)) | 0, 13), P1);

export class Xxh32 {
  private v1 = (P1 + P2) | 0;
  private v2 = P2 | 0;
  private v3 = 0;
  private v4 = -P1 | 0;
  private readonly tail = new Uint8Array(16);
  private tailLen = 0;
  private total = 0;

  update(b: Uint8Array, start = 0, end = b.length): void {
    this.total += end - start;
    let i = start;
    if (this.tailLen > 0) {
      while (this.tailLen < 16 && i < end) this.tail[this.tailLen++] = b[i++]!;
      if (this.tailLen < 16) return;
      this.stripe(this.tail, 0);
      this.tailLen = 0;
    }
    let v1 = this.v1;
    let v2 = this.v2;
    let v3 = this.v3;
    let v4 = this.v4;
    const stripes = (end - i) >>> 4;
    if (LITTLE_ENDIAN && stripes > 0 && ((b.byteOffset + i) & 3) === 0) {
      // Aligned on a little-endian machine: the lanes are the words of an Int32Array view.
      const w = new Int32Array(b.buffer, b.byteOffset + i, stripes * 4);
      for (let k = 0; k < w.length; k += 4) {
        v1 = round(v1, w[k]!);
        v2 = round(v2, w[k + 1]!);
        v3 = round(v3, w[k + 2]!);
        v4 = round(v4, w[k + 3]!);
      }
      i += stripes * 16;
    }
    for (; i + 16 <= end; i += 16) {
      v1 = round(v1, lane(b, i));
      v2 = round(v2, lane(b, i + 4));
      v3 = round(v3, lane(b, i + 8));
      v4 = round(v4, lane(b, i + 12));
    }
    this.v1 = v1;
    this.v2 = v2;
    this.v3 = v3;
    this.v4 = v4;
    while (i < end) this.tail[this.tailLen++] = b[i++]!;
  }

  private stripe(b: Uint8Array, i: number): void {
    this.v1 = round(this.v1, lane(b, i));
    this.v2 = round(this.v2, lane(b, i + 4));
    this.v3 = round(this.v3, lane(b, i + 8));
    this.v4 = round(this.v4, lane(b, i + 12));
  }

  digest(): number {
    let h = this.total >= 16 ? (rotl(this.v1, 1) + rotl(this.v2, 7) + rotl(this.v3, 12) + rotl(this.v4, 18)) | 0 : P5 | 0;
    h = (h + (this.total >>> 0)) | 0;
    let i = 0;
    for (; i + 4 <= this.tailLen; i += 4) h = Math.imul(rotl((h + Math.imul(lane(this.tail, i), P3)) | 0, 17), P4);
    for (; i < this.tailLen; i++) h = Math.imul(rotl((h + Math.imul(this.tail[i]!, P5)) | 0, 11), P1);
    h ^= h >>> 15;
    h = Math.imul(h, P2);
    h ^= h >>> 13;
    h = Math.imul(h, P3);
    h ^= h >>> 16;
    return h >>> 0;
  }
}

/** XXH32 of `b[start, end)`, seed 0. */
export function xxh32(b: Uint8Array, start = 0, end = b.length): number {
  const h = new Xxh32();
  h.update(b, start, end);
  return h.digest();
}

/**
 * Decodes one LZ4 block, `src[s, e)`, into `dst` from `d` up to `limit`; a match may
 * reach back to `floor` (the start of the history kept before `d`). Returns the end of
 * the output, or -1 when the block is corrupt (it would read past its end, write past
 * `limit`, or refer before `floor`): nothing is read or written out of bounds.
 */
export function decodeBlock(src: Uint8Array, s: number, e: number, dst: Buffer, d: number, limit: number, floor: number): number {
  let ip = s;
  let op = d;
  for (;;) {
    if (ip >= e) return -1;
    const token = src[ip++]!;
    let lit = token >>> 4;
    if (lit === 15) {
      let b: number;
      do {
        if (ip >= e) return -1;
        b = src[ip++]!;
        lit += b;
      } while (b === 255);
    }
    if (lit > e - ip || lit > limit - op) return -1;
    if (lit < 32) for (let k = 0; k < lit; k++) dst[op + k] = src[ip + k]!;
    else dst.set(src.subarray(ip, ip + lit), op);
    ip += lit;
    op += lit;
    // The last sequence is literals only.
    if (ip === e) return op;
    if (e - ip < 2) return -1;
    const offset = src[ip]! | (src[ip + 1]! << 8);
    ip += 2;
    if (offset === 0 || op - offset < floor) return -1;
    let len = token & 15;
    if (len === 15) {
      let b: number;
      do {
        if (ip >= e) return -1;
        b = src[ip++]!;
        len += b;
      } while (b === 255);
    }
    len += 4;
    if (len > limit - op) return -1;
    let m = op - offset;
    if (offset >= len && len >= 32) {
      dst.copyWithin(op, m, m + len);
      op += len;
    } else {
      // Short, or overlapping its own output (a repeated pattern): byte by byte.
      const end = op + len;
      while (op < end) dst[op++] = dst[m++]!;
    }
  }
}

/** The raw input as a byte source: exact reads that may span chunks, and skips. */
class Input {
  private hold: Buffer = Buffer.alloc(0);
  private pos = 0;

  constructor(
    private cur: Buffer,
    private done: boolean,
    private readonly raw: AsyncIterator<Buffer | string>,
    private readonly onRaw: (n: number) => void,
  ) {}

  /**
   * `n` bytes, or fewer when the input ends first. A view into a raw chunk or into the
   * hold buffer: valid until the next call. `n` is bounded by the caller (a block maximum).
   */
  async take(n: number): Promise<Buffer> {
    const avail = this.cur.length - this.pos;
    if (avail >= n) {
      const v = this.cur.subarray(this.pos, this.pos + n);
      this.pos += n;
      return v;
    }
    if (this.hold.length < n) this.hold = Buffer.allocUnsafe(Math.max(n, 64));
    this.cur.copy(this.hold, 0, this.pos);
    let got = avail;
    this.pos = this.cur.length;
    while (got < n) {
      const c = await this.pull();
      if (c === undefined) break;
      const k = Math.min(n - got, c.length);
      c.copy(this.hold, got, 0, k);
      got += k;
      this.pos = k;
    }
    return this.hold.subarray(0, got);
  }

  /** Skips `n` bytes; returns how many there were. */
  async skip(n: number): Promise<number> {
    let left = n;
    for (;;) {
      const k = Math.min(left, this.cur.length - this.pos);
      this.pos += k;
      left -= k;
      if (left === 0 || (await this.pull()) === undefined) return n - left;
    }
  }

  /** No byte is left. */
  async atEnd(): Promise<boolean> {
    while (this.pos >= this.cur.length) if ((await this.pull()) === undefined) return true;
    return false;
  }

  private async pull(): Promise<Buffer | undefined> {
    if (this.done) return undefined;
    const r = await this.raw.next();
    if (r.done) {
      this.done = true;
      return undefined;
    }
    const b = typeof r.value === 'string' ? Buffer.from(r.value, 'latin1') : r.value;
    this.onRaw(b.length);
    this.cur = b;
    this.pos = 0;
    return b;
  }
}

const cut = (what: string): Lz4Error => new Lz4Error(`cut short in ${what}`, 'LZ4_TRUNCATED');
const corrupt = (what: string): Lz4Error => new Lz4Error(what, 'LZ4_CORRUPT');

/**
 * The decompressed bytes of `first` and then of `raw`'s chunks, block by block.
 * `onRaw` counts raw bytes as they are read. return() stops reading at once: a
 * generator's own return would wait for a read in flight (a silent pipe).
 */
export function lz4Chunks(
  first: Buffer,
  rawDone: boolean,
  raw: AsyncIterator<Buffer | string>,
  onRaw: (n: number) => void,
): AsyncIterator<Buffer> & { return(): Promise<IteratorResult<Buffer>> } {
  const gen = blocks(new Input(first, rawDone, raw, onRaw));
  return {
    next: () => gen.next(),
    return: () => {
      void gen.return(undefined).catch(() => {});
      return Promise.resolve({ done: true, value: undefined });
    },
  };
}

async function* blocks(input: Input): AsyncGenerator<Buffer, void, undefined> {
  // One output buffer: WINDOW bytes of history, then a block maximum. A chunk handed out is done
  // with once the next is asked for, so each block is decoded over the one before, after the
  // last WINDOW bytes written are moved in front of it (a linked block refers back to them).
  let out: Buffer | undefined;
  /** Where the history and the output of the block decoded last begin and end in `out`. */
  let prevStart = WINDOW;
  let prevEnd = WINDOW;
  let frames = 0;
  for (;;) {
    if (frames > 0 && (await input.atEnd())) return;
    const m = await input.take(4);
    if (m.length < 4) throw cut('a frame header');
    const magic = m.readUInt32LE(0);
    if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      const s = await input.take(4);
      if (s.length < 4) throw cut('a skippable frame');
      const size = s.readUInt32LE(0);
      if ((await input.skip(size)) < size) throw cut('a skippable frame');
      frames++;
      continue;
    }
    if (magic === LEGACY_MAGIC) throw corrupt('a legacy lz4 frame (lz4 -l), which is not read: recompress it without -l');
    if (magic !== FRAME_MAGIC) throw corrupt(`not an lz4 frame after ${frames} frame${frames === 1 ? '' : 's'} (magic 0x${magic.toString(16).padStart(8, '0')})`);
    frames++;

    // Frame descriptor: FLG, BD, [content size 8], [dictionary id 4], header checksum.
    const fb = await input.take(2);
    if (fb.length < 2) throw cut('a frame descriptor');
    const flg = fb[0]!;
    const bd = fb[1]!;
    if (flg >>> 6 !== 1) throw corrupt(`frame version ${flg >>> 6}, not 1`);
    if ((flg & 0x02) !== 0 || (bd & 0x8f) !== 0) throw corrupt('reserved bits set in the frame descriptor');
    const linked = (flg & 0x20) === 0;
    const blockChecksum = (flg & 0x10) !== 0;
    const hasSize = (flg & 0x08) !== 0;
    const contentChecksum = (flg & 0x04) !== 0;
    if ((flg & 0x01) !== 0) throw corrupt('the frame needs a dictionary');
    const max = BLOCK_MAX[(bd >>> 4) & 7]!;
    if (max === 0) throw corrupt(`block maximum code ${(bd >>> 4) & 7}`);
    const descriptor = Buffer.allocUnsafe(2 + (hasSize ? 8 : 0));
    descriptor[0] = flg;
    descriptor[1] = bd;
    const rest = await input.take((hasSize ? 8 : 0) + 1);
    if (rest.length < (hasSize ? 9 : 1)) throw cut('a frame descriptor');
    if (hasSize) rest.copy(descriptor, 2, 0, 8);
    const hc = rest[rest.length - 1]!;
    if (((xxh32(descriptor) >>> 8) & 0xff) !== hc) throw corrupt('frame descriptor checksum mismatch');
    const declared = hasSize ? descriptor.readBigUInt64LE(2) : undefined;

    if (out === undefined || out.length < WINDOW + max) out = Buffer.allocUnsafe(WINDOW + max);
    const dst = out;
    // A frame starts without history.
    prevStart = prevEnd = WINDOW;
    const hash = contentChecksum ? new Xxh32() : undefined;
    let total = 0;
    for (;;) {
      const h = await input.take(4);
      if (h.length < 4) throw cut('a block header');
      const word = h.readUInt32LE(0);
      if (word === 0) break; // EndMark
      const stored = (word & 0x80000000) !== 0;
      const size = word & 0x7fffffff;
      if (size > max) throw corrupt(`a block of ${size} bytes in a frame of ${max}-byte blocks`);
      const data = await input.take(size + (blockChecksum ? 4 : 0));
      if (data.length < size + (blockChecksum ? 4 : 0)) throw cut('a block');
      if (blockChecksum && xxh32(data, 0, size) !== data.readUInt32LE(size)) throw corrupt('block checksum mismatch');

      // History: the last WINDOW bytes written before this block.
      let floor = WINDOW;
      if (linked && prevEnd > prevStart) {
        const keep = Math.min(WINDOW, prevEnd - prevStart);
        dst.copyWithin(WINDOW - keep, prevEnd - keep, prevEnd);
        floor = WINDOW - keep;
      }
      let end: number;
      if (stored) {
        data.copy(dst, WINDOW, 0, size);
        end = WINDOW + size;
      } else {
        end = decodeBlock(data, 0, size, dst, WINDOW, WINDOW + max, floor);
        if (end < 0) throw corrupt('a corrupt compressed block');
      }
      prevStart = floor;
      prevEnd = end;
      total += end - WINDOW;
      hash?.update(dst, WINDOW, end);
      // Handed out in pieces of at most a file read's size, as a plain file is.
      for (let o = WINDOW; o < end; o += PIECE) yield dst.subarray(o, Math.min(end, o + PIECE));
    }
    if (hash !== undefined) {
      const c = await input.take(4);
      if (c.length < 4) throw cut('the content checksum');
      if (hash.digest() !== c.readUInt32LE(0)) throw corrupt('content checksum mismatch');
    }
    if (declared !== undefined && declared !== BigInt(total)) throw corrupt(`the frame holds ${total} bytes, its header says ${declared}`);
  }
}
