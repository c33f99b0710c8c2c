/**
 * gzip input inflated ahead of the parser (src/capture/gunzip.ts): captures
 * larger than the lookahead, the memory bound with a consumer that does not ask,
 * damage in the middle of a file read by name, a read error of the raw stream,
 * and a stop while reading. The expected frames come from the records the test
 * writes and, for damaged streams, from zlib itself fed the same raw chunks.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { constants as zlibConstants, createGunzip, gunzipSync, gzipSync } from 'node:zlib';
import { DEFAULT_CHUNK_SIZE, readCapture, readCaptureStream } from '../../src/capture/index.js';
import type { Frame } from '../../src/capture/index.js';
import { gunzipChunks, OUT_CHUNK } from '../../src/capture/gunzip.js';
import { pcapHeaderLE } from '../helpers/pcap.js';

const dir = mkdtempSync(path.join(tmpdir(), 'hl-capture-gzip-'));
const write = (name: string, data: Buffer): string => {
  const p = path.join(dir, name);
  writeFileSync(p, data);
  return p;
};

/**
 * Deterministic bytes (xorshift32), 4 random bits each: deflate halves them with Huffman-coded
 * blocks (damage in such a block is found where it is; bytes of 8 random bits would be stored
 * as they are, and damage there only shows in the CRC at the end).
 */
function noise(n: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    b[i] = x & 0x0f;
  }
  return b;
}

interface Built {
  file: Buffer;
  /** End offset of every record (the file offset after it). */
  ends: number[];
}

/**
 * A little-endian µs pcap (Ethernet) of `count` records of `size` bytes: record i starts with i
 * (u32 LE) and is filled by `fill(i)`; its timestamp is 1_600_000_000 + i s, i µs.
 */
function buildPcap(count: number, size: number, fill: (i: number) => Buffer): Built {
  const parts: Buffer[] = [];
  const head = pcapHeaderLE();
  parts.push(head);
  const ends: number[] = [];
  let off = 24;
  for (let i = 0; i < count; i++) {
    const rec = Buffer.alloc(16 + size);
    rec.writeUInt32LE(1_600_000_000 + i, 0);
    rec.writeUInt32LE(i, 4);
    rec.writeUInt32LE(size, 8);
    rec.writeUInt32LE(size, 12);
    fill(i).copy(rec, 16, 0, size);
    rec.writeUInt32LE(i, 16);
    parts.push(rec);
    off += rec.length;
    ends.push(off);
  }
  return { file: Buffer.concat(parts), ends };
}

/**
 * Bytes zlib inflates from these gzip pieces, written one by one, before it reports an error (or
 * ends), in chunks of the reader's size (zlib drops the output of the call that fails).
 */
function inflateUntilError(parts: Buffer[]): Promise<{ bytes: number; code: string | undefined }> {
  return new Promise((done) => {
    const z = createGunzip({ chunkSize: OUT_CHUNK });
    let n = 0;
    z.on('data', (b: Buffer) => (n += b.length));
    z.on('error', (e: NodeJS.ErrnoException) => done({ bytes: n, code: e.code }));
    z.on('end', () => done({ bytes: n, code: undefined }));
    for (const part of parts) z.write(part);
    z.end();
  });
}

const pieces = (buf: Buffer, size: number): Buffer[] => {
  const out: Buffer[] = [];
  for (let o = 0; o < buf.length; o += size) out.push(buf.subarray(o, o + size));
  return out;
};

describe('gzip inflated ahead of the parser', () => {
  // 5,000 records of 2,000 bytes of noise: 10 MB, more than the 4 MiB lookahead, and 5 raw
  // chunks of the file read.
  const big = buildPcap(5000, 2000, (i) => noise(2000, i + 1));

  test('a capture larger than the lookahead, read by name: every record in order, bytes intact', async () => {
    const p = write('big.pcap.gz', gzipSync(big.file));
    const numbers: number[] = [];
    let bad = 0;
    const r = await readCapture(p, (f: Frame) => {
      numbers.push(f.number);
      const i = f.number - 1;
      // The record's own bytes: its index, then the noise written for it.
      if (f.tsSec !== 1_600_000_000 + i || f.tsNsec !== i * 1000 || f.capLen !== 2000 || f.data.readUInt32LE(0) !== i) bad++;
      else if (!f.data.subarray(4).equals(noise(2000, i + 1).subarray(4))) bad++;
    });
    expect(r.error).toBeUndefined();
    expect(r.warnings).toEqual([]);
    expect(r.meta).toMatchObject({ format: 'pcap', compression: 'gzip' });
    expect(r.frames).toBe(5000);
    expect(r.bytes).toBe(big.file.length);
    expect(numbers).toEqual(Array.from({ length: 5000 }, (_, i) => i + 1));
    expect(bad).toBe(0);
  });

  test('a consumer that does not ask: zlib stops taking raw bytes (bounded, whatever the ratio)', async () => {
    // 1,200 records of 65,535 zero bytes: 79 MB inflated from 80 kB, in raw pieces of 512 bytes
    // that inflate to about 0.5 MB each. Unbounded, zlib would take every piece.
    const zeros = Buffer.alloc(65535);
    const bomb = buildPcap(1200, 65535, () => zeros);
    const gz = gzipSync(bomb.file, { level: 9 });
    const parts = pieces(gz, 512);
    expect(parts.length).toBeGreaterThan(150);
    let pulled = 1;
    const raw: AsyncIterator<Buffer> = {
      next: () => Promise.resolve(pulled < parts.length ? { done: false, value: parts[pulled++]! } : { done: true, value: undefined }),
    };
    const it = gunzipChunks(parts[0]!, false, raw, () => {});
    try {
      const first = await it.next();
      expect(first.done).toBe(false);
      expect(first.value!.subarray(0, 4).readUInt32LE(0)).toBe(0xa1b2c3d4);
      // Time for an unbounded zlib to take everything (it takes ~50 ms); the bounded one stops
      // at the 4 MiB lookahead, a chunk more and what zlib holds: about 12 pieces.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(pulled).toBeLessThan(24);
      // And it goes on when asked: the whole capture comes out.
      let total = first.value!.length;
      for (let r = await it.next(); !r.done; r = await it.next()) total += r.value.length;
      expect(total).toBe(bomb.file.length);
      expect(pulled).toBe(parts.length);
    } finally {
      await it.return();
    }
  });

  test('damage in the middle of a file read by name: frames before it, one-line error', async () => {
    const gz = Buffer.from(gzipSync(big.file));
    const at = Math.floor(gz.length * 0.55);
    gz.fill(0xff, at, at + 64);
    const p = write('damaged.pcap.gz', gz);
    // What zlib inflates before it rejects the data, fed the chunks the file is read in.
    const z = await inflateUntilError(pieces(gz, DEFAULT_CHUNK_SIZE));
    expect(z.code).toBe('Z_DATA_ERROR');
    const complete = big.ends.filter((end) => end <= z.bytes).length;
    expect(complete).toBeGreaterThan(1000);
    expect(complete).toBeLessThan(5000);
    const numbers: number[] = [];
    const r = await readCapture(p, (f: Frame) => numbers.push(f.number));
    expect(numbers).toEqual(Array.from({ length: complete }, (_, i) => i + 1));
    expect(r.error).toMatch(new RegExp(`^${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: corrupt gzip data \\([^\\n]+\\) after frame ${complete}$`));
  });

  test('cut short in the middle of a file read by name: frames before the cut, a warning, no error', async () => {
    const gz = gzipSync(big.file);
    const cut = gz.subarray(0, Math.floor(gz.length * 0.7));
    const p = write('cut.pcap.gz', cut);
    // Everything the cut stream still holds (zlib flushes all it can decode).
    const held = gunzipSync(cut, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
    const complete = big.ends.filter((end) => end <= held.length).length;
    expect(complete).toBeGreaterThan(1000);
    expect(complete).toBeLessThan(5000);
    const r = await readCapture(p, () => {});
    expect(r.error).toBeUndefined();
    expect(r.frames).toBe(complete);
    expect(r.warnings[0]).toBe(`${p}: gzip stream is cut short after frame ${complete}`);
  });

  test('a read error of the raw stream: frames inflated before it, read error after the last of them', async () => {
    const gz = gzipSync(big.file);
    const half = pieces(gz.subarray(0, Math.floor(gz.length / 2)), 64 * 1024);
    async function* failing(): AsyncGenerator<Buffer> {
      yield* half;
      throw Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' });
    }
    let last = 0;
    const r = await readCaptureStream(Readable.from(failing()), (f: Frame) => (last = f.number), { name: 'failing.pcap.gz' });
    expect(r.error).toBe(`failing.pcap.gz: read error (input/output error) after frame ${last}`);
    expect(r.frames).toBe(last);
    expect(last).toBeLessThan(2500);
  });

  test('stopped while reading: the frames so far, stopped', async () => {
    const p = write('stop.pcap.gz', gzipSync(big.file));
    const ac = new AbortController();
    let n = 0;
    const r = await readCapture(p, () => {
      if (++n === 100) ac.abort();
    }, { signal: ac.signal });
    expect(r.stopped).toBe(true);
    expect(r.error).toBeUndefined();
    expect(r.frames).toBeGreaterThanOrEqual(100);
    expect(r.frames).toBeLessThan(5000);
  });

  test('a gzip stream of nothing but a header: a clean error', async () => {
    const gz = gzipSync(big.file).subarray(0, 10);
    const p = write('header-only.pcap.gz', gz);
    const err = await readCapture(p, () => {}).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toBe(`${p} is not a valid gzip file: unexpected end of file`);
  });
});
