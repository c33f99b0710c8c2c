/**
 * pcapng layouts the fixtures do not have, made from real fixtures by
 * re-writing their blocks (no packet bytes invented): several sections in one
 * file, big-endian sections, if_tsoffset, obsolete Packet Blocks and Simple
 * Packet Blocks. Expected values are the golden (tshark) frames of the source
 * fixtures.
 */
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { readCaptureStream } from '../../src/capture/index.js';
import { asGolden, collector, fixturePath, goldenFrames, pcapngBlocks } from './helpers.js';
import type { GoldenFrame } from './helpers.js';

const NSRES = 'ndpi-pcapng-nsres-tls12.pcapng'; // 1 IDB, tsresol 9, ISB
const THREE = 'ndpi-pcapng-3if-anydesk-tls.pcapng'; // 3 IDBs, tsresol 6/6/9
const DSB = 'ndpi-pcapng-dsb-sll-quic-notcp.pcapng';

function pad4(n: number): number {
  return (n + 3) & ~3;
}

interface Rewrite {
  be?: boolean;
  /** Shift every timestamp down by this many seconds and add if_tsoffset = shift. */
  tsOffset?: number;
  /** Packet block to write for each EPB. */
  packet?: 'epb' | 'pb' | 'spb';
}

/**
 * Re-encode a little-endian single-section pcapng fixture: SHB, IDB (link type,
 * snaplen, if_tsresol, if_tsoffset), EPB/PB/SPB and DSB are written again in
 * the requested byte order; other blocks (ISB, NRB) are dropped.
 */
function rewrite(src: Buffer, opt: Rewrite): Buffer {
  const out: Buffer[] = [];
  const be = opt.be === true;
  const block = (type: number, body: Buffer): void => {
    const len = 12 + pad4(body.length);
    const b = Buffer.alloc(len);
    const w32 = (v: number, o: number): number => (be ? b.writeUInt32BE(v >>> 0, o) : b.writeUInt32LE(v >>> 0, o));
    w32(type, 0);
    w32(len, 4);
    body.copy(b, 8);
    w32(len, len - 4);
    out.push(b);
  };
  const w = (size: number): { buf: Buffer; u16: (v: number, o: number) => void; u32: (v: number, o: number) => void; i64: (v: bigint, o: number) => void } => {
    const buf = Buffer.alloc(size);
    return {
      buf,
      u16: (v, o) => void (be ? buf.writeUInt16BE(v, o) : buf.writeUInt16LE(v, o)),
      u32: (v, o) => void (be ? buf.writeUInt32BE(v >>> 0, o) : buf.writeUInt32LE(v >>> 0, o)),
      i64: (v, o) => void (be ? buf.writeBigInt64BE(v, o) : buf.writeBigInt64LE(v, o)),
    };
  };
  const resol: number[] = [];
  for (const { type, offset: p, length } of pcapngBlocks(src)) {
    if (type === 0x0a0d0d0a) {
      const s = w(16);
      s.u32(0x1a2b3c4d, 0);
      s.u16(1, 4);
      s.u16(0, 6);
      s.i64(-1n, 8);
      block(type, s.buf);
    } else if (type === 1) {
      let tsresol = 6;
      for (let o = p + 16; o + 4 <= p + length - 4; ) {
        const code = src.readUInt16LE(o);
        const olen = src.readUInt16LE(o + 2);
        if (code === 0) break;
        if (code === 9) tsresol = src[o + 4]!;
        o += 4 + pad4(olen);
      }
      resol.push(tsresol);
      const s = w(8 + 8 + (opt.tsOffset ? 12 : 0) + 4);
      s.u16(src.readUInt16LE(p + 8), 0);
      s.u32(src.readUInt32LE(p + 12), 4);
      s.u16(9, 8);
      s.u16(1, 10);
      s.buf[12] = tsresol;
      let o = 16;
      if (opt.tsOffset) {
        s.u16(14, o);
        s.u16(8, o + 2);
        s.i64(BigInt(opt.tsOffset), o + 4);
        o += 12;
      }
      block(1, s.buf); // ends with opt_endofopt (zeros)
    } else if (type === 6) {
      const ifId = src.readUInt32LE(p + 8);
      let ts = (BigInt(src.readUInt32LE(p + 12)) << 32n) | BigInt(src.readUInt32LE(p + 16));
      if (opt.tsOffset) ts -= BigInt(opt.tsOffset) * 10n ** BigInt(resol[ifId]!);
      const cap = src.readUInt32LE(p + 20);
      const orig = src.readUInt32LE(p + 24);
      const data = src.subarray(p + 28, p + 28 + cap);
      if (opt.packet === 'spb') {
        const s = w(4 + pad4(cap));
        s.u32(orig, 0);
        data.copy(s.buf, 4);
        block(3, s.buf);
      } else {
        const s = w(20 + pad4(cap));
        if (opt.packet === 'pb') s.u16(ifId, 0);
        else s.u32(ifId, 0);
        s.u32(Number(ts >> 32n), 4);
        s.u32(Number(ts & 0xffffffffn), 8);
        s.u32(cap, 12);
        s.u32(orig, 16);
        data.copy(s.buf, 20);
        block(opt.packet === 'pb' ? 2 : 6, s.buf);
      }
    } else if (type === 0x0a) {
      const n = src.readUInt32LE(p + 12);
      const s = w(8 + pad4(n));
      s.u32(src.readUInt32LE(p + 8), 0);
      s.u32(n, 4);
      src.copy(s.buf, 8, p + 16, p + 16 + n);
      block(0x0a, s.buf);
    }
  }
  return Buffer.concat(out);
}

async function read(buf: Buffer, chunk = 1000) {
  const parts: Buffer[] = [];
  for (let o = 0; o < buf.length; o += chunk) parts.push(buf.subarray(o, o + chunk));
  const c = collector();
  const r = await readCaptureStream(Readable.from(parts), c.sink, { name: 'variant.pcapng' });
  return { ...c, r };
}

const renumber = (g: GoldenFrame[], from: number): GoldenFrame[] => g.map((f, i) => ({ ...f, number: from + i }));

test('the re-encoder itself is faithful: a little-endian rewrite reads as the fixture', async () => {
  const { seen, r } = await read(rewrite(readFileSync(fixturePath(THREE)), {}));
  expect(asGolden(seen)).toEqual(goldenFrames(THREE));
  expect(r.error).toBeUndefined();
});

test.each([NSRES, THREE, DSB])('big-endian section: %s reads as tshark read the original', async (name) => {
  const { seen, r } = await read(rewrite(readFileSync(fixturePath(name)), { be: true }), 777);
  expect(asGolden(seen)).toEqual(goldenFrames(name));
  expect(r.meta).toMatchObject({ format: 'pcapng', byteOrder: 'BE', sections: 1 });
  expect(r.error).toBeUndefined();
});

test('several sections of both byte orders in one file: global interface ids, frames numbered across sections', async () => {
  const a = readFileSync(fixturePath(NSRES)); // real file, LE, 1 interface
  const b = rewrite(readFileSync(fixturePath(THREE)), { be: true }); // BE, 3 interfaces
  const c = readFileSync(fixturePath(DSB)); // real file, LE, 1 interface, DSB
  const { seen, r } = await read(Buffer.concat([a, b, c]), 333);
  const ga = goldenFrames(NSRES);
  const gb = goldenFrames(THREE);
  const gc = goldenFrames(DSB);
  expect(asGolden(seen)).toEqual([...ga, ...renumber(gb, ga.length + 1), ...renumber(gc, ga.length + gb.length + 1)]);
  expect(r.meta.sections).toBe(3);
  expect(r.meta.interfaces.map((i) => [i.section, i.resolution, i.linkType])).toEqual([
    [0, 'ns', 1],
    [1, 'µs', 1],
    [1, 'µs', 1],
    [1, 'ns', 1],
    [2, 'ns', 113],
  ]);
  expect(new Set(seen.slice(0, ga.length).map((s) => s.interfaceId))).toEqual(new Set([0]));
  expect(new Set(seen.slice(ga.length, ga.length + gb.length).map((s) => s.interfaceId))).toEqual(new Set([1, 2, 3]));
  expect(new Set(seen.slice(ga.length + gb.length).map((s) => [s.interfaceId, s.linkType].join()))).toEqual(new Set(['4,113']));
  expect(r.meta.decryptionSecrets).toHaveLength(1);
  expect(r.meta.byteOrder).toBe('LE'); // of the first section
});

test('if_tsoffset is added to the timestamps (ns and µs interfaces)', async () => {
  for (const name of [NSRES, THREE]) {
    const { seen, r } = await read(rewrite(readFileSync(fixturePath(name)), { tsOffset: 1_000_000_000 }));
    expect(asGolden(seen)).toEqual(goldenFrames(name));
    expect(r.meta.interfaces.every((i) => i.tsOffset === 1_000_000_000)).toBe(true);
  }
});

test('obsolete Packet Blocks read like the Enhanced Packet Blocks they replace', async () => {
  const { seen, r } = await read(rewrite(readFileSync(fixturePath(THREE)), { packet: 'pb', be: true }));
  expect(asGolden(seen)).toEqual(goldenFrames(THREE));
  expect(r.error).toBeUndefined();
});

test('Simple Packet Blocks: interface 0, lengths from the block, no timestamp', async () => {
  const { seen, r } = await read(rewrite(readFileSync(fixturePath(NSRES)), { packet: 'spb' }));
  expect(seen.map((s) => [s.number, s.len, s.capLen, s.epoch, s.interfaceId])).toEqual(
    goldenFrames(NSRES).map((g) => [g.number, g.len, g.capLen, '0.000000000', 0]),
  );
  expect(r.error).toBeUndefined();
});
