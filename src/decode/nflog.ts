/**
 * Linux NFLOG (LINKTYPE_NFLOG 239): a 4-byte nfgenmsg header (address family,
 * version, resource id) then TLVs (length incl. the 4-byte TLV header, type;
 * both in the byte order of the host that wrote them), each padded to 4 bytes.
 * The packet itself is the value of NFULA_PAYLOAD (type 9).
 */
import type { DecodedPacket } from './types.js';
import { decodeIpv4 } from './ipv4.js';
import { decodeIpv6 } from './ipv6.js';
import { decodeRawIp } from './network.js';

export const NFLOG_HEADER_LENGTH = 4;
export const NFULA_PAYLOAD = 9;
const AF_INET = 2;
const AF_INET6 = 10;

/** True when the TLV at `offset` reads sensibly as big-endian and not as little-endian. */
function tlvIsBigEndian(data: Uint8Array, offset: number, end: number): boolean {
  const room = end - offset;
  const lenLe = data[offset] | (data[offset + 1] << 8);
  const lenBe = (data[offset] << 8) | data[offset + 1];
  const fitsLe = lenLe >= 4 && lenLe <= room;
  const fitsBe = lenBe >= 4 && lenBe <= room;
  if (fitsLe !== fitsBe) return fitsBe;
  // Both (or neither) fit: types are small numbers (bit 15 = nested flag).
  const typeLe = (data[offset + 2] | (data[offset + 3] << 8)) & 0x7fff;
  const typeBe = ((data[offset + 2] << 8) | data[offset + 3]) & 0x7fff;
  return typeBe < 256 && typeLe >= 256;
}

export function decodeNflog(data: Buffer, offset: number, end: number, pkt: DecodedPacket): void {
  if (end - offset < NFLOG_HEADER_LENGTH) {
    pkt.problems.push({ layer: 'nflog', offset, reason: 'truncated' });
    return;
  }
  const family = data[offset];
  let o = offset + NFLOG_HEADER_LENGTH;
  if (end - o < 4) return; // no TLVs at all
  const bigEndian = tlvIsBigEndian(data, o, end);
  while (end - o >= 4) {
    const len = bigEndian ? (data[o] << 8) | data[o + 1] : data[o] | (data[o + 1] << 8);
    const type = (bigEndian ? (data[o + 2] << 8) | data[o + 3] : data[o + 2] | (data[o + 3] << 8)) & 0x7fff;
    if (len < 4) {
      pkt.problems.push({ layer: 'nflog', offset: o, reason: 'bad TLV length' });
      return;
    }
    const tlvEnd = o + len;
    if (type === NFULA_PAYLOAD) {
      // A payload cut by the snaplen is decoded as far as it goes; the IP
      // layer records the truncation.
      const payloadEnd = tlvEnd < end ? tlvEnd : end;
      if (family === AF_INET) decodeIpv4(data, o + 4, payloadEnd, pkt);
      else if (family === AF_INET6) decodeIpv6(data, o + 4, payloadEnd, pkt);
      else decodeRawIp(data, o + 4, payloadEnd, pkt);
      return;
    }
    if (tlvEnd > end) {
      pkt.problems.push({ layer: 'nflog', offset: o, reason: 'truncated' });
      return;
    }
    o += (len + 3) & ~3;
  }
}
