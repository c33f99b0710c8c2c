/**
 * Test helper: a classic pcap (Ethernet, IPv4 / IPv6, TCP) written from a list
 * of segments, so that tshark can dissect the very bytes our decoder reads.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';

export interface Seg {
  /** Capture time, seconds (µs resolution). */
  t: number;
  src: string;
  sport: number;
  dst: string;
  dport: number;
  flags: number;
  seq: number;
  ack?: number;
  /** Payload length (bytes 'x'). */
  len?: number;
  mss?: number;
}

function ipv4(a: string): Buffer {
  return Buffer.from(a.split('.').map(Number));
}

function ipv6(a: string): Buffer {
  const [head, tail] = a.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const words = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const b = Buffer.alloc(16);
  words.forEach((w, i) => b.writeUInt16BE(parseInt(w, 16), i * 2));
  return b;
}

function checksum(b: Buffer): number {
  let s = 0;
  for (let i = 0; i + 1 < b.length; i += 2) s += b.readUInt16BE(i);
  if (b.length % 2) s += b[b.length - 1]! << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

function frame(s: Seg): Buffer {
  const opts = s.mss !== undefined ? Buffer.from([2, 4, s.mss >> 8, s.mss & 255]) : Buffer.alloc(0);
  const payload = Buffer.alloc(s.len ?? 0, 'x');
  const tcp = Buffer.alloc(20 + opts.length);
  tcp.writeUInt16BE(s.sport, 0);
  tcp.writeUInt16BE(s.dport, 2);
  tcp.writeUInt32BE(s.seq >>> 0, 4);
  tcp.writeUInt32BE((s.ack ?? 0) >>> 0, 8);
  tcp[12] = ((20 + opts.length) / 4) << 4;
  tcp[13] = s.flags;
  tcp.writeUInt16BE(65535, 14);
  opts.copy(tcp, 20);
  const v6 = s.src.includes(':');
  let ip: Buffer;
  if (v6) {
    ip = Buffer.alloc(40);
    ip[0] = 0x60;
    ip.writeUInt16BE(tcp.length + payload.length, 4);
    ip[6] = 6;
    ip[7] = 64;
    ipv6(s.src).copy(ip, 8);
    ipv6(s.dst).copy(ip, 24);
  } else {
    ip = Buffer.alloc(20);
    ip[0] = 0x45;
    ip.writeUInt16BE(20 + tcp.length + payload.length, 2);
    ip[8] = 64;
    ip[9] = 6;
    ipv4(s.src).copy(ip, 12);
    ipv4(s.dst).copy(ip, 16);
    ip.writeUInt16BE(checksum(ip), 10);
  }
  const eth = Buffer.alloc(14);
  eth.writeUInt16BE(v6 ? 0x86dd : 0x0800, 12);
  eth[0] = 2;
  eth[6] = 2;
  eth[11] = 1;
  return Buffer.concat([eth, ip, tcp, payload]);
}

/** The capture's bytes. */
export function pcapBytes(segs: Seg[]): Buffer {
  const head = Buffer.alloc(24);
  head.writeUInt32LE(0xa1b2c3d4, 0);
  head.writeUInt16LE(2, 4);
  head.writeUInt16LE(4, 6);
  head.writeUInt32LE(65535, 16);
  head.writeUInt32LE(1, 20);
  const parts: Buffer[] = [head];
  for (const s of segs) {
    const data = frame(s);
    const rec = Buffer.alloc(16);
    const sec = Math.floor(s.t);
    rec.writeUInt32LE(sec, 0);
    rec.writeUInt32LE(Math.round((s.t - sec) * 1e6), 4);
    rec.writeUInt32LE(data.length, 8);
    rec.writeUInt32LE(data.length, 12);
    parts.push(rec, data);
  }
  return Buffer.concat(parts);
}

/** Writes the capture under the system's temporary folder (named by its content) and returns its path. */
export function writePcap(segs: Seg[]): string {
  const bytes = pcapBytes(segs);
  const dir = join(tmpdir(), 'handshake-lens-synthetic');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${createHash('sha256').update(bytes).digest('hex').slice(0, 24)}.pcap`);
  writeFileSync(file, bytes);
  return file;
}
