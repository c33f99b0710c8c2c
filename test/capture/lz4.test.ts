/**
 * LZ4-compressed captures (src/capture/lz4.ts). The two fixtures were written by
 * the lz4 program (scripts/make-lz4-fixtures.sh): their bytes, checksums and block
 * layout are the reference; tshark's reading of them is in test/golden (golden.test.ts).
 * Damaged and hostile streams are made from them by changing bytes at known blocks:
 * the frames expected before the damage are the records that end within the blocks
 * before it (64 KiB of output each), from the records of the source fixture.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readCapture, readCaptureStream } from '../../src/capture/index.js';
import type { Frame } from '../../src/capture/index.js';
import { decodeBlock, lz4Chunks, xxh32, Xxh32 } from '../../src/capture/lz4.js';
import { infoJson } from '../../src/output/info.js';
import { analyzeFile } from '../../src/analyze.js';
import { chunked, fixturePath, goldenFrames, pcapRecordOffsets } from './helpers.js';

const LINKED = 'pool-before-no-keepalive.pcap.lz4'; // -B4 -BD -BX --content-size
const DEFAULTS = 'multi-section-2shb-3if.pcapng.lz4';
const sourceOf = (name: string): string => name.slice(0, -'.lz4'.length);

const dir = mkdtempSync(path.join(tmpdir(), 'hl-capture-lz4-'));
const write = (name: string, data: Buffer): string => {
  const p = path.join(dir, name);
  writeFileSync(p, data);
  return p;
};

/** The blocks of the one frame in an lz4 file: where each block's size word is, and its data. */
function blocksOf(file: Buffer): { headerEnd: number; blocks: { at: number; size: number; stored: boolean }[]; end: number; checksums: boolean } {
  const flg = file[4]!;
  const headerEnd = 4 + 2 + ((flg & 0x08) !== 0 ? 8 : 0) + 1;
  const checksums = (flg & 0x10) !== 0;
  const blocks: { at: number; size: number; stored: boolean }[] = [];
  let o = headerEnd;
  for (;;) {
    const w = file.readUInt32LE(o);
    if (w === 0) break;
    const size = w & 0x7fffffff;
    blocks.push({ at: o, size, stored: w >>> 31 === 1 });
    o += 4 + size + (checksums ? 4 : 0);
  }
  return { headerEnd, blocks, end: o, checksums };
}

/** Frames whose record ends within the first `bytes` of the source pcap. */
const completeWithin = (name: string, bytes: number): number => pcapRecordOffsets(sourceOf(name)).slice(1).filter((end) => end <= bytes).length;

async function drain(it: AsyncIterator<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let r = await it.next(); !r.done; r = await it.next()) parts.push(Buffer.from(r.value));
  return Buffer.concat(parts);
}

function chunksOf(b: Buffer, size: number): AsyncIterator<Buffer> {
  let o = size;
  return {
    next: () => {
      if (o >= b.length) return Promise.resolve({ done: true, value: undefined });
      const v = b.subarray(o, o + size);
      o += size;
      return Promise.resolve({ done: false, value: v });
    },
  };
}

describe('the lz4 program\'s files', () => {
  test.each([LINKED, DEFAULTS])('%s decodes to the source fixture, in whole and in 7-byte raw chunks', async (name) => {
    const lz = readFileSync(fixturePath(name));
    const src = readFileSync(fixturePath(sourceOf(name)));
    expect(await drain(lz4Chunks(lz, true, chunksOf(lz, lz.length), () => {}))).toEqual(src);
    let raw = 7;
    const out = await drain(lz4Chunks(lz.subarray(0, 7), false, chunksOf(lz, 7), (n) => (raw += n)));
    expect(out).toEqual(src);
    expect(raw).toBe(lz.length);
  });

  test('the linked fixture has several 64 KiB blocks, a block checksum each, and a content checksum', () => {
    const lz = readFileSync(fixturePath(LINKED));
    const { blocks, checksums, end } = blocksOf(lz);
    expect(lz[4]! & 0x20).toBe(0); // linked
    expect(lz[5]).toBe(0x40); // 64 KiB blocks
    expect(checksums).toBe(true);
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    expect(end + 4 + 4).toBe(lz.length); // EndMark, content checksum
  });

  test.each([LINKED, DEFAULTS])('%s: its content checksum is XXH32 of the source, its descriptor checksum XXH32 of the descriptor', (name) => {
    const lz = readFileSync(fixturePath(name));
    const src = readFileSync(fixturePath(sourceOf(name)));
    expect(xxh32(src)).toBe(lz.readUInt32LE(lz.length - 4));
    const { headerEnd } = blocksOf(lz);
    expect((xxh32(lz, 4, headerEnd - 1) >>> 8) & 0xff).toBe(lz[headerEnd - 1]);
  });

  test('the block checksums the lz4 program wrote are XXH32 of each block', () => {
    const lz = readFileSync(fixturePath(LINKED));
    for (const b of blocksOf(lz).blocks) expect(xxh32(lz, b.at + 4, b.at + 4 + b.size)).toBe(lz.readUInt32LE(b.at + 4 + b.size));
  });

  test('XXH32 streamed in uneven, unaligned pieces equals XXH32 in one call', () => {
    const src = readFileSync(fixturePath(sourceOf(LINKED)));
    const h = new Xxh32();
    let o = 0;
    for (let step = 1; o < src.length; step = (step * 7 + 3) % 97) {
      h.update(src, o, Math.min(src.length, o + step));
      o += step;
    }
    expect(h.digest()).toBe(xxh32(src));
    expect(xxh32(Buffer.from(src.subarray(3)))).toBe(xxh32(src, 3));
  });

  test('info says the capture is lz4-compressed', async () => {
    const a = await analyzeFile(fixturePath(LINKED));
    const j = infoJson(a);
    expect(j.compression).toBe('lz4');
    expect(j.gzip).toBe(false);
    expect(j.frames).toBe(goldenFrames(LINKED).length);
  });
});

describe('damaged lz4 files: the frames before the damage, then one line', () => {
  const lz = readFileSync(fixturePath(LINKED));
  const { blocks } = blocksOf(lz);
  const total = goldenFrames(LINKED).length;

  test('a byte changed in the second block: frames of the first block, then a block checksum mismatch', async () => {
    const bad = Buffer.from(lz);
    const b = blocks[1]!;
    bad[b.at + 4 + (b.size >> 1)]! ^= 0x55;
    const p = write('flip.pcap.lz4', bad);
    const complete = completeWithin(LINKED, 65536);
    expect(complete).toBeGreaterThan(0);
    const numbers: number[] = [];
    const r = await readCapture(p, (f: Frame) => numbers.push(f.number));
    expect(numbers).toEqual(Array.from({ length: complete }, (_, i) => i + 1));
    expect(r.error).toBe(`${p}: corrupt lz4 data (block checksum mismatch) after frame ${complete}`);
  });

  test('cut short inside the second block: frames of the first block, a warning, no error', async () => {
    const b = blocks[1]!;
    const p = write('cut.pcap.lz4', lz.subarray(0, b.at + 4 + 100));
    const complete = completeWithin(LINKED, 65536);
    const r = await readCapture(p, () => {});
    expect(r.error).toBeUndefined();
    expect(r.frames).toBe(complete);
    // The stream's cut, then the record it cut (as for a pcap cut short).
    expect(r.warnings[0]).toBe(`${p}: lz4 stream is cut short after frame ${complete}`);
    const at = pcapRecordOffsets(sourceOf(LINKED))[complete]!;
    expect(r.warnings[1]).toMatch(new RegExp(`^${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is cut short in the middle of frame ${complete + 1} \\(record at byte offset ${at}: `));
    expect(r.warnings.length).toBe(2);
  });

  test('cut short before the end mark: every frame, and the warning', async () => {
    const p = write('no-end.pcap.lz4', lz.subarray(0, blocksOf(lz).end));
    const r = await readCapture(p, () => {});
    expect(r.frames).toBe(total);
    expect(r.warnings).toEqual([`${p}: lz4 stream is cut short after frame ${total}`]);
  });

  test('the content checksum changed: every frame, then the mismatch', async () => {
    const bad = Buffer.from(lz);
    bad[bad.length - 1]! ^= 1;
    const p = write('sum.pcap.lz4', bad);
    const r = await readCapture(p, () => {});
    expect(r.frames).toBe(total);
    expect(r.error).toBe(`${p}: corrupt lz4 data (content checksum mismatch) after frame ${total}`);
  });

  test('a block that claims 2 GiB: refused by the frame\'s block maximum before anything is held', async () => {
    const bad = Buffer.from(lz);
    bad.writeUInt32LE(0x7fffffff, blocks[1]!.at);
    const p = write('huge.pcap.lz4', bad);
    const r = await readCapture(p, () => {});
    expect(r.frames).toBe(completeWithin(LINKED, 65536));
    expect(r.error).toBe(`${p}: corrupt lz4 data (a block of 2147483647 bytes in a frame of 65536-byte blocks) after frame ${r.frames}`);
  });

  test('a compressed block whose match reaches before the stream: corrupt, found by the decoder', async () => {
    // First block replaced by a stored-size-correct but corrupt one: one literal, then a match 9 bytes back.
    const bad = Buffer.concat([lz.subarray(0, 15), Buffer.from([6, 0, 0, 0, 0x10, 0x41, 9, 0, 0, 0]), Buffer.from([0, 0, 0, 0])]);
    // No block checksum can catch it: write the right one.
    bad.writeUInt32LE(xxh32(bad, 19, 25), 25);
    const p = write('reach.pcap.lz4', bad);
    await expect(readCapture(p, () => {})).rejects.toThrow(`${p} is not a valid lz4 file: a corrupt compressed block`);
  });

  test('garbage after the frame: every frame, then a corrupt-data error naming it', async () => {
    const p = write('tail.pcap.lz4', Buffer.concat([lz, Buffer.from('not lz4!')]));
    const r = await readCapture(p, () => {});
    expect(r.frames).toBe(total);
    expect(r.error).toBe(`${p}: corrupt lz4 data (not an lz4 frame after 1 frame (magic 0x20746f6e)) after frame ${total}`);
  });

  test('a skippable frame before the capture is skipped', async () => {
    const skip = Buffer.concat([Buffer.from([0x5a, 0x2a, 0x4d, 0x18, 5, 0, 0, 0]), Buffer.from('hello'), lz]);
    const { seen } = await framesOf(skip, 3);
    expect(seen).toBe(total);
  });

  test('the descriptor checksum changed: not a valid lz4 file (nothing read)', async () => {
    const bad = Buffer.from(lz);
    bad[blocksOf(lz).headerEnd - 1]! ^= 0xff;
    const p = write('hc.pcap.lz4', bad);
    await expect(readCapture(p, () => {})).rejects.toThrow(`${p} is not a valid lz4 file: frame descriptor checksum mismatch`);
  });

  test('legacy lz4 (lz4 -l), zstd, xz and bzip2 are named, with the command that reads them', async () => {
    const cases: [string, Buffer, string][] = [
      ['old.pcap.lz4', Buffer.from([0x02, 0x21, 0x4c, 0x18, 0, 0, 0, 0]), 'is not a valid lz4 file: a legacy lz4 frame (lz4 -l), which is not read: recompress it without -l'],
      ['c.pcap.zst', Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x24, 0, 0, 0]), 'is zstd-compressed, which is not read here: decompress it into a pipe (zstd -dc PATH | handshake-lens -)'],
      ['c.pcap.xz', Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0, 0, 4]), 'is xz-compressed, which is not read here: decompress it into a pipe (xz -dc PATH | handshake-lens -)'],
      ['c.pcap.bz2', Buffer.from('BZh91AY&SY'), 'is bzip2-compressed, which is not read here: decompress it into a pipe (bzip2 -dc PATH | handshake-lens -)'],
    ];
    for (const [name, bytes, message] of cases) {
      const p = write(name, bytes);
      await expect(readCapture(p, () => {})).rejects.toThrow(`${p} ${message.replace('PATH', p)}`);
    }
  });
});

async function framesOf(bytes: Buffer, piece: number): Promise<{ seen: number }> {
  let seen = 0;
  const r = await readCaptureStream(chunked(bytes, piece), () => seen++, { name: 'piece.pcap.lz4' });
  expect(r.error).toBeUndefined();
  expect(r.meta.compression).toBe('lz4');
  return { seen };
}

describe('decodeBlock', () => {
  const out = (): Buffer => Buffer.alloc(64);
  test('literals then an overlapping match (a run): the bytes repeated', () => {
    const dst = out();
    // token: 2 literals, match length 4+3=7; literals 'ab'; offset 2; then last literals: 1 'c'
    const end = decodeBlock(Buffer.from([0x23, 0x61, 0x62, 2, 0, 0x10, 0x63]), 0, 7, dst, 8, 64, 8);
    expect(dst.subarray(8, end).toString()).toBe('ababababac');
  });

  test('a match into the history before the block, and not below it', () => {
    const dst = out();
    dst.write('XYZ', 5);
    const src = Buffer.from([0x00, 3, 0, 0x10, 0x21]); // no literal, match 4 bytes 3 back, then '!'
    // History starts at 5: offset 3 from 8 reaches 5.
    expect(dst.subarray(8, decodeBlock(src, 0, 5, dst, 8, 64, 5)).toString()).toBe('XYZX!');
    expect(decodeBlock(src, 0, 5, out(), 8, 64, 6)).toBe(-1);
  });

  test('corrupt blocks give -1: offset 0, literals past the end, output past the limit, a cut length', () => {
    expect(decodeBlock(Buffer.from([0x10, 0x61, 0, 0, 0x00]), 0, 5, out(), 0, 64, 0)).toBe(-1);
    expect(decodeBlock(Buffer.from([0x50, 0x61]), 0, 2, out(), 0, 64, 0)).toBe(-1);
    expect(decodeBlock(Buffer.from([0x1f, 0x61, 1, 0, 255, 255, 0, 0x00]), 0, 8, out(), 0, 64, 0)).toBe(-1);
    expect(decodeBlock(Buffer.from([0xf0, 255, 255]), 0, 3, out(), 0, 64, 0)).toBe(-1);
    expect(decodeBlock(Buffer.alloc(0), 0, 0, out(), 0, 64, 0)).toBe(-1);
  });
});

describe('hostile lz4 input', () => {
  /**
   * The linked fixture rebuilt without its checksums (so that changed bytes reach the block
   * decoder instead of a checksum), then 3,000 seeded mutations: bytes changed, block sizes
   * changed, cuts. Each ends in decoded chunks and at most an Lz4Error, with no chunk larger
   * than the frame's 64 KiB blocks.
   */
  test('3,000 mutations of an unchecksummed stream: only Lz4Errors, bounded chunks', async () => {
    const lz = readFileSync(fixturePath(LINKED));
    const { headerEnd, blocks } = blocksOf(lz);
    const descriptor = Buffer.from(lz.subarray(4, headerEnd - 1));
    descriptor[0] = descriptor[0]! & ~0x14; // no block checksums, no content checksum
    const parts = [lz.subarray(0, 4), descriptor, Buffer.from([(xxh32(descriptor) >>> 8) & 0xff])];
    for (const b of blocks) parts.push(lz.subarray(b.at, b.at + 4 + b.size));
    parts.push(Buffer.alloc(4));
    const plain = Buffer.concat(parts);
    expect(await drain(lz4Chunks(plain, true, chunksOf(plain, plain.length), () => {}))).toEqual(readFileSync(fixturePath(sourceOf(LINKED))));

    let x = 20261204;
    const rnd = (n: number): number => {
      x ^= x << 13;
      x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      return x % n;
    };
    const kinds = { ok: 0, LZ4_CORRUPT: 0, LZ4_TRUNCATED: 0 };
    for (let i = 0; i < 3000; i++) {
      let m = Buffer.from(plain);
      const what = rnd(4);
      if (what === 0) for (let k = 1 + rnd(4); k > 0; k--) m[headerEnd + rnd(m.length - headerEnd)] = rnd(256);
      else if (what === 1) m.writeUInt32LE(rnd(2) === 0 ? rnd(70000) : (rnd(65536) | 0x80000000) >>> 0, blocks[rnd(blocks.length)]!.at);
      else if (what === 2) m = m.subarray(0, headerEnd + rnd(m.length - headerEnd));
      else m[headerEnd + 4 + rnd(40)] = rnd(256); // the first sequences' tokens and lengths
      try {
        const it = lz4Chunks(m, true, chunksOf(m, m.length), () => {});
        for (let r = await it.next(); !r.done; r = await it.next()) expect(r.value.length).toBeLessThanOrEqual(65536);
        kinds.ok++;
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (code !== 'LZ4_CORRUPT' && code !== 'LZ4_TRUNCATED') throw e;
        kinds[code]++;
      }
    }
    // Every kind of ending was reached.
    expect(kinds.ok).toBeGreaterThan(0);
    expect(kinds.LZ4_CORRUPT).toBeGreaterThan(100);
    expect(kinds.LZ4_TRUNCATED).toBeGreaterThan(100);
  });
});
