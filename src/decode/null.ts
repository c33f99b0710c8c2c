/**
 * BSD loopback encapsulations: a 4-byte address family, then the IP packet.
 * LINKTYPE_NULL (0) stores it in the byte order of the host that wrote the
 * file, LINKTYPE_LOOP (108) in network byte order; both are accepted either
 * way, told apart by value (families are < 256, so exactly one end is zero).
 *
 * IPv4 is AF_INET = 2 everywhere; AF_INET6 differs per system: 24 (NetBSD,
 * OpenBSD, BSD/OS), 28 (FreeBSD, DragonFly), 30 (macOS, iOS), and, seen in
 * the wild, 10 (Linux), 23 (Windows/Npcap), 26 (Solaris).
 */
import type { DecodedPacket } from './types.js';
import { decodeIpv4 } from './ipv4.js';
import { decodeIpv6 } from './ipv6.js';

export const NULL_HEADER_LENGTH = 4;

/** Address family of a NULL/LOOP header, whichever byte order it was written in. */
export function nullFamily(data: Uint8Array, offset: number): number {
  const le = (data[offset] | (data[offset + 1] << 8) | (data[offset + 2] << 16) | (data[offset + 3] << 24)) >>> 0;
  if (le <= 0xffff) return le;
  return ((data[offset] << 24) | (data[offset + 1] << 16) | (data[offset + 2] << 8) | data[offset + 3]) >>> 0;
}

export function isInet6Family(family: number): boolean {
  return family === 24 || family === 28 || family === 30 || family === 10 || family === 23 || family === 26;
}

function decodeLoopback(layer: string, data: Buffer, offset: number, end: number, pkt: DecodedPacket): void {
  if (end - offset < NULL_HEADER_LENGTH) {
    pkt.problems.push({ layer, offset, reason: 'truncated' });
    return;
  }
  const family = nullFamily(data, offset);
  if (family === 2) decodeIpv4(data, offset + NULL_HEADER_LENGTH, end, pkt);
  else if (isInet6Family(family)) decodeIpv6(data, offset + NULL_HEADER_LENGTH, end, pkt);
}

export function decodeNull(data: Buffer, offset: number, end: number, pkt: DecodedPacket): void {
  decodeLoopback('null', data, offset, end, pkt);
}

export function decodeLoop(data: Buffer, offset: number, end: number, pkt: DecodedPacket): void {
  decodeLoopback('loop', data, offset, end, pkt);
}
