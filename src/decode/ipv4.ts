/**
 * IPv4 (RFC 791). The total length bounds the payload (Ethernet padding is
 * dropped; a length beyond the captured bytes is a snaplen cut, recorded as
 * 'truncated' while the rest still decodes). Fragments are marked, not
 * reassembled: a first fragment still yields its TCP header, later ones don't.
 */
import type { DecodedPacket } from './types.js';
import { ipv4ToString, lastAddressHash } from './address.js';
import { decodeTransport } from './transport.js';

export const IPV4_MIN_HEADER_LENGTH = 20;

export function decodeIpv4(data: Buffer, offset: number, end: number, pkt: DecodedPacket): void {
  const avail = end - offset;
  if (avail < 1) {
    pkt.problems.push({ layer: 'ipv4', offset, reason: 'truncated' });
    return;
  }
  const versionIhl = data[offset];
  if (versionIhl >> 4 !== 4) {
    pkt.problems.push({ layer: 'ipv4', offset, reason: 'bad version' });
    return;
  }
  const headerLength = (versionIhl & 0x0f) * 4;
  if (headerLength < IPV4_MIN_HEADER_LENGTH) {
    pkt.problems.push({ layer: 'ipv4', offset, reason: 'bad header length' });
    return;
  }
  if (avail < IPV4_MIN_HEADER_LENGTH) {
    pkt.problems.push({ layer: 'ipv4', offset, reason: 'truncated' });
    return;
  }
  pkt.ipVersion = 4;
  pkt.src = ipv4ToString(data, offset + 12);
  pkt.srcHash = lastAddressHash;
  pkt.dst = ipv4ToString(data, offset + 16);
  pkt.dstHash = lastAddressHash;
  const protocol = data[offset + 9];
  pkt.ipProto = protocol;
  const flagsFragment = (data[offset + 6] << 8) | data[offset + 7];
  const fragmentOffset = flagsFragment & 0x1fff;
  pkt.fragment = fragmentOffset !== 0 || (flagsFragment & 0x2000) !== 0;

  if (avail < headerLength) {
    pkt.problems.push({ layer: 'ipv4', offset, reason: 'truncated' });
    return;
  }
  let totalLength = (data[offset + 2] << 8) | data[offset + 3];
  // Captured before TCP segmentation offload filled it in (Wireshark's
  // ip.tso_support, on by default): the datagram is what was captured.
  if (totalLength === 0) totalLength = avail;
  if (totalLength < headerLength) {
    pkt.problems.push({ layer: 'ipv4', offset, reason: 'bad total length' });
    return;
  }
  const claimedEnd = offset + totalLength;
  let payloadEnd = claimedEnd;
  if (claimedEnd > end) {
    pkt.problems.push({ layer: 'ipv4', offset, reason: 'truncated' });
    payloadEnd = end;
  }
  if (fragmentOffset !== 0) return;
  decodeTransport(protocol, data, offset + headerLength, payloadEnd, claimedEnd, pkt);
}
