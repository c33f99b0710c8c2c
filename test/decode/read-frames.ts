/**
 * Test-only capture reader for the decode tests: reads a whole (small) fixture
 * and returns every frame in file order with its link type, as Wireshark
 * numbers them. Classic pcap (any of the 4 magics) and pcapng (SHB/IDB/EPB/
 * SPB/obsolete PB; other blocks skipped). Stops quietly at a record that runs
 * past the end of the file, as tshark does after reporting the damage.
 */
import { readFileSync } from 'node:fs';

export interface TestFrame {
  number: number;
  linkType: number;
  data: Buffer;
}

export function readFrames(path: string): TestFrame[] {
  const file = readFileSync(path);
  const magic = file.readUInt32BE(0);
  if (magic === 0x0a0d0d0a) return readPcapng(file);
  return readPcap(file);
}

function readPcap(file: Buffer): TestFrame[] {
  const magicLe = file.readUInt32LE(0);
  const le = magicLe === 0xa1b2c3d4 || magicLe === 0xa1b23c4d;
  const u32 = (o: number): number => (le ? file.readUInt32LE(o) : file.readUInt32BE(o));
  const linkType = u32(20) & 0x0fffffff;
  const frames: TestFrame[] = [];
  let o = 24;
  while (o + 16 <= file.length) {
    const capLen = u32(o + 8);
    if (o + 16 + capLen > file.length) break;
    frames.push({ number: frames.length + 1, linkType, data: file.subarray(o + 16, o + 16 + capLen) });
    o += 16 + capLen;
  }
  return frames;
}

function readPcapng(file: Buffer): TestFrame[] {
  const frames: TestFrame[] = [];
  let le = true;
  let interfaces: { linkType: number; snapLen: number }[] = [];
  let o = 0;
  while (o + 12 <= file.length) {
    const type = file.readUInt32BE(o) === 0x0a0d0d0a ? 0x0a0d0d0a : le ? file.readUInt32LE(o) : file.readUInt32BE(o);
    if (type === 0x0a0d0d0a) {
      le = file.readUInt32LE(o + 8) === 0x1a2b3c4d;
      interfaces = [];
    }
    const u32 = (p: number): number => (le ? file.readUInt32LE(p) : file.readUInt32BE(p));
    const u16 = (p: number): number => (le ? file.readUInt16LE(p) : file.readUInt16BE(p));
    const length = u32(o + 4);
    if (length < 12 || o + length > file.length) break;
    const body = o + 8;
    if (type === 1) {
      interfaces.push({ linkType: u16(body), snapLen: u32(body + 4) });
    } else if (type === 6 || type === 2) {
      const ifId = type === 6 ? u32(body) : u16(body);
      const capLen = u32(body + 12);
      const start = body + 20;
      frames.push({ number: frames.length + 1, linkType: interfaces[ifId].linkType, data: file.subarray(start, start + capLen) });
    } else if (type === 3) {
      const origLen = u32(body);
      const snap = interfaces[0].snapLen;
      const capLen = Math.min(origLen, snap === 0 ? origLen : snap, length - 16);
      frames.push({ number: frames.length + 1, linkType: interfaces[0].linkType, data: file.subarray(body + 4, body + 4 + capLen) });
    }
    o += length;
  }
  return frames;
}
