/**
 * Issue 11 #4: Ethernet padding inside PPPoE. Hand-built frames (malformed
 * input): the IPv4 total length (46) exceeds the PPPoE payload length (42 =
 * PPP protocol + 40 bytes of IP and TCP headers), and 6 more bytes follow in
 * the frame. What tshark 4.0 makes of the same file is the expectation, read
 * by running it here: PPPoE "Possible bad payload length", IPv4 "total length
 * exceeds packet length (40 bytes)", tcp.len 0 — the PPPoE length wins, the
 * 6 bytes are not TCP payload. We record a problem on the frame and no
 * phantom bytes (before: 6 "cut" bytes that then swallowed the next segment's
 * real bytes as a retransmission).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeFile } from '../../src/analyze.js';
import { decodeFrame, LINKTYPE_ETHERNET } from '../../src/decode/index.js';
import { tshark } from '../helpers/tshark.js';

function frame(seq: number, payload: Buffer, pppoeShort: number): Buffer {
  const tcp = Buffer.alloc(20);
  tcp.writeUInt16BE(40000, 0);
  tcp.writeUInt16BE(443, 2);
  tcp.writeUInt32BE(seq, 4);
  tcp.writeUInt32BE(2000, 8);
  tcp[12] = 5 << 4;
  tcp[13] = 0x18; // PSH ACK
  tcp.writeUInt16BE(65535, 14);
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(40 + payload.length, 2);
  ip[8] = 64;
  ip[9] = 6;
  ip.set([10, 0, 0, 1], 12);
  ip.set([10, 0, 0, 2], 16);
  const body = Buffer.concat([ip, tcp, payload]);
  const pppoe = Buffer.from([0x11, 0, 0x12, 0x34, 0, 0, 0x00, 0x21]);
  pppoe.writeUInt16BE(2 + body.length - pppoeShort, 4);
  const eth = Buffer.from('020000000002020000000001' + '8864', 'hex');
  return Buffer.concat([eth, pppoe, body]);
}

function pcap(frames: Buffer[]): Buffer {
  const h = Buffer.alloc(24);
  h.writeUInt32LE(0xa1b2c3d4, 0);
  h.writeUInt16LE(2, 4);
  h.writeUInt16LE(4, 6);
  h.writeUInt32LE(65535, 16);
  h.writeUInt32LE(1, 20);
  const recs = frames.map((f, i) => {
    const r = Buffer.alloc(16);
    r.writeUInt32LE(1000 + i, 0);
    r.writeUInt32LE(f.length, 8);
    r.writeUInt32LE(f.length, 12);
    return Buffer.concat([r, f]);
  });
  return Buffer.concat([h, ...recs]);
}

// Frame 1: PPPoE says 40 bytes of IP, IP says 46: the 6 bytes ("\x16\x03\x03\x00\x01\x01", a record header's
// look-alike) are padding. Frame 2: the sender's real next bytes at the same sequence number, consistent lengths.
const f1 = frame(1000, Buffer.from('160303000101', 'hex'), 6);
const f2 = frame(1000, Buffer.from('ABCDEF'), 0);

let dir: string;
let file: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hl-pppoe-'));
  file = join(dir, 'pppoe-padding.pcap');
  writeFileSync(file, pcap([f1, f2]));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('tcp.len as tshark reads it, and a problem instead of phantom bytes', () => {
  const r = tshark(['-n', '-r', file, '-T', 'fields', '-e', 'ip.len', '-e', 'tcp.len', '-e', '_ws.expert.message']);
  const rows = r.stdout.trim().split('\n').map((l) => l.split('\t'));
  expect(rows.map((x) => [Number(x[0]), Number(x[1])])).toEqual([
    [46, 0],
    [46, 6],
  ]);
  expect(rows[0][2]).toMatch(/IPv4 total length exceeds packet length \(40 bytes\)/);

  const d1 = decodeFrame(f1, LINKTYPE_ETHERNET);
  const d2 = decodeFrame(f2, LINKTYPE_ETHERNET);
  expect([d1.tcp!.payloadLength, d2.tcp!.payloadLength]).toEqual([Number(rows[0][1]), Number(rows[1][1])]);
  expect(d1.problems).toEqual([{ layer: 'ipv4', offset: 22, reason: 'length exceeds the PPPoE payload (6 bytes after it read as padding)' }]);
  expect(d2.problems).toEqual([]);
});

test('the padding does not swallow the next segment: no missing bytes, the real bytes are read', async () => {
  const a = await analyzeFile(file);
  expect(a.connections).toHaveLength(1);
  const c = a.connections[0];
  expect(c.tcp!.missingBytes).toBe(0);
  expect(c.tcp!.retransmissions).toBe(0);
  // The first data is the real 6 bytes of frame 2 (plain TCP: the first frame with tcp.len > 0, as tshark).
  expect(c.events.find((e) => e.type === 'ApplicationData')?.frame).toBe(2);
});
