#!/usr/bin/env node
// The floor any JavaScript capture reader must pay: read the file in 1 MiB chunks
// (one reused buffer, synchronous reads), walk the classic-pcap records, decode
// Ethernet (+VLAN) / IPv4 / IPv6 / TCP, and keep a Map of 4-tuples with a packet
// count each. No reassembly, no TLS, no output beyond one summary line.
//
//   node scripts/bench-floor.mjs FILE.pcap
//
// Classic pcap only (either byte order, µs or ns), Ethernet or raw-IP link types;
// other link types are counted and skipped. Prints frames, TCP frames, 4-tuples.
// Used by scripts/bench.mjs as the "floor" row: our analysis is measured against it.
import { closeSync, openSync, readSync } from 'node:fs';

const file = process.argv[2];
if (!file) {
  console.error('usage: node scripts/bench-floor.mjs FILE.pcap');
  process.exit(2);
}

const CHUNK = 1 << 20;
const fd = openSync(file, 'r');
let buf = Buffer.allocUnsafe(CHUNK);
let len = readSync(fd, buf, 0, CHUNK, null);
if (len < 24) throw new Error('not a pcap file (too short)');
const magic = buf.readUInt32BE(0);
let le;
if (magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1) le = true;
else if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) le = false;
else throw new Error(`not a classic pcap file (magic ${magic.toString(16)})`);
const u32 = le ? (b, o) => b.readUInt32LE(o) : (b, o) => b.readUInt32BE(o);
const linkType = u32(buf, 20) & 0x03ffffff;

const tuples = new Map();
let frames = 0;
let tcpFrames = 0;
let other = 0;
let pos = 24;

function tcp(b, off, end, src, dst) {
  if (off + 20 > end) return;
  const key = `${src}|${b.readUInt16BE(off)}|${dst}|${b.readUInt16BE(off + 2)}`;
  tcpFrames++;
  tuples.set(key, (tuples.get(key) ?? 0) + 1);
}

function ip(b, off, end) {
  if (off >= end) return;
  const v = b[off] >> 4;
  if (v === 4) {
    const ihl = (b[off] & 15) * 4;
    if (off + 20 > end || b[off + 9] !== 6) return;
    tcp(b, off + ihl, end, b.readUInt32BE(off + 12), b.readUInt32BE(off + 16));
  } else if (v === 6) {
    if (off + 40 > end || b[off + 6] !== 6) return; // no extension-header walk: the floor
    const src = b.toString('latin1', off + 8, off + 24);
    const dst = b.toString('latin1', off + 24, off + 40);
    tcp(b, off + 40, end, src, dst);
  }
}

function frame(b, off, capLen) {
  frames++;
  const end = off + capLen;
  if (linkType === 1) {
    if (capLen < 14) return;
    let type = b.readUInt16BE(off + 12);
    let p = off + 14;
    while ((type === 0x8100 || type === 0x88a8) && p + 4 <= end) {
      type = b.readUInt16BE(p + 2);
      p += 4;
    }
    if (type === 0x0800 || type === 0x86dd) ip(b, p, end);
  } else if (linkType === 101 || linkType === 12 || linkType === 228 || linkType === 229) {
    ip(b, off, end);
  } else {
    other++;
  }
}

for (;;) {
  // Walk the complete records in buf[pos, len).
  while (pos + 16 <= len) {
    const capLen = u32(buf, pos + 8);
    if (capLen > 16 * 1024 * 1024) throw new Error(`corrupt record at frame ${frames + 1}`);
    if (pos + 16 + capLen > len) break;
    frame(buf, pos + 16, capLen);
    pos += 16 + capLen;
  }
  // Keep the partial record: move it to the front (grow only for a record larger than a chunk).
  const rest = len - pos;
  if (rest + CHUNK > buf.length) {
    const nb = Buffer.allocUnsafe(rest + CHUNK);
    buf.copy(nb, 0, pos, len);
    buf = nb;
  } else if (rest > 0) {
    buf.copy(buf, 0, pos, len);
  }
  pos = 0;
  len = rest;
  const n = readSync(fd, buf, len, buf.length - len, null);
  if (n === 0) break;
  len += n;
}
closeSync(fd);
console.log(
  `floor: ${frames} frames, ${tcpFrames} tcp, ${tuples.size} 4-tuples${other ? `, ${other} frames of link type ${linkType} skipped` : ''}`,
);
