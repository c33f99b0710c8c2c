/**
 * Test helpers for the capture stage: fixtures, golden files (tshark/capinfos),
 * and a collector that copies what a sink receives.
 */
import { Readable } from 'node:stream';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { CaptureResult, Frame } from '../../src/capture/index.js';

export const FIXTURES = path.resolve(process.cwd(), 'fixtures');
export const GOLDEN = path.resolve(process.cwd(), 'test/golden');

export const fixturePath = (name: string): string => path.join(FIXTURES, name);

/** Every capture in fixtures/ that has golden files. */
export function fixtureNames(): string[] {
  return readdirSync(FIXTURES)
    .filter((f) => /\.(pcap|pcapng)(\.gz|\.lz4)?$/.test(f))
    .filter((f) => existsSync(path.join(GOLDEN, f, 'frames.tsv')))
    .sort();
}

export interface GoldenFrame {
  number: number;
  epoch: string;
  len: number;
  capLen: number;
}

export interface Capinfos {
  frames: number;
  first: string;
  last: string;
  capinfosFailed?: boolean;
}

export function goldenFrames(name: string): GoldenFrame[] {
  const lines = readFileSync(path.join(GOLDEN, name, 'frames.tsv'), 'utf8').split('\n').filter((l) => l !== '');
  const head = lines[0]!.split('\t');
  const col = (n: string): number => {
    const i = head.indexOf(n);
    if (i < 0) throw new Error(`frames.tsv of ${name} has no ${n} column`);
    return i;
  };
  const [cNum, cTime, cLen, cCap] = [col('frame.number'), col('frame.time_epoch'), col('frame.len'), col('frame.cap_len')];
  return lines.slice(1).map((l) => {
    const f = l.split('\t');
    return { number: Number(f[cNum]), epoch: f[cTime]!, len: Number(f[cLen]), capLen: Number(f[cCap]) };
  });
}

export function capinfos(name: string): Capinfos {
  return JSON.parse(readFileSync(path.join(GOLDEN, name, 'capinfos.json'), 'utf8')) as Capinfos;
}

/** '1565212114.674956000', like frame.time_epoch. */
export function epoch(f: { tsSec: number; tsNsec: number }): string {
  return `${f.tsSec}.${String(f.tsNsec).padStart(9, '0')}`;
}

/** Exact comparison of two epoch strings with 9 decimals. */
export function epochNs(s: string): bigint {
  const [sec, frac = ''] = s.split('.');
  return BigInt(sec!) * 1_000_000_000n + BigInt(frac.padEnd(9, '0').slice(0, 9));
}

export interface Seen {
  number: number;
  epoch: string;
  len: number;
  capLen: number;
  dataLength: number;
  linkType: number;
  interfaceId: number;
  /** Copy of the first bytes (the view is only valid during the sink call). */
  head: string;
}

/** A sink that keeps a copy of what it needs from every frame. */
export function collector(): { seen: Seen[]; sink: (f: Frame) => void } {
  const seen: Seen[] = [];
  return {
    seen,
    sink: (f: Frame) => {
      // The frame's bytes where they lie (what the analysis decodes) are its data, and only those.
      if (!f.bytes.subarray(f.start, f.start + f.capLen).equals(f.data) || f.data.length !== f.capLen) {
        throw new Error(`frame ${f.number}: bytes[${f.start}, +${f.capLen}) are not its data`);
      }
      seen.push({
        number: f.number,
        epoch: epoch(f),
        len: f.origLen,
        capLen: f.capLen,
        dataLength: f.data.length,
        linkType: f.linkType,
        interfaceId: f.interfaceId,
        head: f.data.subarray(0, 32).toString('hex'),
      });
    },
  };
}

export const asGolden = (s: Seen[]): GoldenFrame[] => s.map(({ number, epoch, len, capLen }) => ({ number, epoch, len, capLen }));

/** File offsets of the records of a classic pcap file (from the golden cap_len column). */
export function pcapRecordOffsets(name: string): number[] {
  const offs: number[] = [];
  let o = 24;
  for (const g of goldenFrames(name)) {
    offs.push(o);
    o += 16 + g.capLen;
  }
  offs.push(o); // end of the last record
  return offs;
}

export interface BlockInfo {
  type: number;
  offset: number;
  length: number;
}

/** Walk the blocks of a little-endian single-section pcapng file (test-side, trusts the file). */
export function pcapngBlocks(buf: Buffer): BlockInfo[] {
  const out: BlockInfo[] = [];
  let o = 0;
  while (o + 12 <= buf.length) {
    const length = buf.readUInt32LE(o + 4);
    out.push({ type: buf.readUInt32LE(o), offset: o, length });
    o += length;
  }
  return out;
}

export function expectNoResultError(r: CaptureResult): void {
  if (r.error !== undefined) throw new Error(`unexpected result.error: ${r.error}`);
}

/**
 * Split a buffer into a stream of `size`-byte chunks: the first `head` bytes in `size`-byte
 * pieces, the rest in 4 KiB ones. Every record header and body of the first 64 KiB is cut at
 * every offset by the 1-byte pieces; reading all 830 KB of the largest fixture a byte at a
 * time took 36 s of a fresh clone's CI for nothing more.
 */
export function chunked(buf: Buffer, size: number, head = buf.length): Readable {
  const parts: Buffer[] = [];
  for (let o = 0; o < buf.length; ) {
    const n = o < head ? size : 4096;
    parts.push(buf.subarray(o, o + n));
    o += n;
  }
  return Readable.from(parts);
}

/** How much of each fixture the small-piece reads cut at every byte (all of most fixtures). */
export const SMALL_PIECES_HEAD = 64 * 1024;
