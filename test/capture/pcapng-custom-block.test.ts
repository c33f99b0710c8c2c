/**
 * Issue 11 #9: pcapng Custom Blocks (0x00000BAD copyable, 0x40000BAD not).
 * A format test, so the file is built by hand: SHB, IDB, then packets with a
 * Custom Block of each kind between them. tshark 4.0, run here on the same
 * file, numbers each Custom Block as a frame ("PCAPNG ... Custom Block", no
 * IP), so the packets are frames 1, 3 and 5 (capinfos counts 3 packets). Our
 * frame numbers must be tshark's.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeFile } from '../../src/analyze.js';
import { readCapture, type Frame } from '../../src/capture/index.js';
import { formatInfo, infoJson } from '../../src/output/info.js';
import { tshark } from '../helpers/tshark.js';

function block(type: number, body: Buffer): Buffer {
  const pad = Buffer.alloc((4 - (body.length % 4)) % 4);
  const len = 12 + body.length + pad.length;
  const h = Buffer.alloc(8);
  h.writeUInt32LE(type, 0);
  h.writeUInt32LE(len, 4);
  const t = Buffer.alloc(4);
  t.writeUInt32LE(len, 0);
  return Buffer.concat([h, body, pad, t]);
}

function u32s(...v: number[]): Buffer {
  const b = Buffer.alloc(v.length * 4);
  v.forEach((x, i) => b.writeUInt32LE(x, i * 4));
  return b;
}

// An Ethernet + IPv4 + UDP datagram (10.0.0.1:40000 -> 10.0.0.2:53, no payload).
const udp = Buffer.from('020000000002020000000001' + '0800' + '4500001c00010000401100000a0000010a000002' + '9c40003500080000', 'hex');
const shb = block(0x0a0d0d0a, Buffer.concat([u32s(0x1a2b3c4d), Buffer.from([1, 0, 0, 0]), Buffer.alloc(8, 0xff)]));
const idb = block(1, Buffer.concat([Buffer.from([1, 0, 0, 0]), u32s(65535)]));
const epb = (usec: number) => block(6, Buffer.concat([u32s(0, 0, usec, udp.length, udp.length), udp]));
const custom = (type: number, text: string) => block(type, Buffer.concat([u32s(32473), Buffer.from(text)]));
const file = Buffer.concat([shb, idb, epb(1_000_000), custom(0x00000bad, 'copy me'), epb(2_000_000), custom(0x40000bad, 'do not copy'), epb(3_000_000)]);

let dir: string;
let path: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hl-custom-'));
  path = join(dir, 'custom-blocks.pcapng');
  writeFileSync(path, file);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("frame numbers after Custom Blocks are tshark's", async () => {
  const r = tshark(['-n', '-r', path, '-T', 'fields', '-e', 'frame.number', '-e', 'ip.src']);
  const rows = r.stdout.trim().split('\n').map((l) => l.split('\t'));
  const tsharkFrames = rows.length;
  const tsharkPackets = rows.filter((x) => x[1] === '10.0.0.1').map((x) => Number(x[0]));
  expect(tsharkFrames).toBe(5);
  expect(tsharkPackets).toEqual([1, 3, 5]);

  const ours: number[] = [];
  const res = await readCapture(path, (f: Frame) => ours.push(f.number));
  expect(ours).toEqual(tsharkPackets);
  expect(res.frames).toBe(tsharkFrames);
  expect(res.meta.customBlocks).toBe(2);
  expect(res.warnings).toEqual([]);
});

test('info shows them', async () => {
  const a = await analyzeFile(path);
  expect(infoJson(a)).toMatchObject({ frames: 5, customBlocks: 2 });
  expect(formatInfo(a)).toMatch(/^Custom blocks: +2 \(numbered as frames, as in Wireshark\)$/m);
});
