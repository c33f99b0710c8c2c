/**
 * IPv6 (RFC 8200): the fixed header, then the extension header chain
 * (hop-by-hop 0, routing 43, fragment 44, destination options 60, AH 51,
 * no next header 59) up to the upper-layer protocol. The payload length
 * bounds the payload (padding dropped; beyond the capture = 'truncated').
 */
import type { DecodedPacket } from './types.js';
import { ipv6ToString, lastAddressHash } from './address.js';
import { decodeTransport } from './transport.js';

export const IPV6_HEADER_LENGTH = 40;
export const IPPROTO_HOPOPTS = 0;
export const IPPROTO_ROUTING = 43;
export const IPPROTO_FRAGMENT = 44;
export const IPPROTO_AH = 51;
export const IPPROTO_NONE = 59;
export const IPPROTO_DSTOPTS = 60;

export function decodeIpv6(data: Buffer, offset: number, end: number, pkt: DecodedPacket): void {
  const avail = end - offset;
  if (avail < 1) {
    pkt.problems.push({ layer: 'ipv6', offset, reason: 'truncated' });
    return;
  }
  if (data[offset] >> 4 !== 6) {
    pkt.problems.push({ layer: 'ipv6', offset, reason: 'bad version' });
    return;
  }
  if (avail < IPV6_HEADER_LENGTH) {
    pkt.problems.push({ layer: 'ipv6', offset, reason: 'truncated' });
    return;
  }
  pkt.ipVersion = 6;
  pkt.src = ipv6ToString(data, offset + 8);
  pkt.srcHash = lastAddressHash;
  pkt.dst = ipv6ToString(data, offset + 24);
  pkt.dstHash = lastAddressHash;
  pkt.fragment = false;
  const payloadLength = (data[offset + 4] << 8) | data[offset + 5];
  // 0 = jumbogram (RFC 2675) or a TSO capture: the payload is what was captured.
  const claimedEnd = payloadLength === 0 ? end : offset + IPV6_HEADER_LENGTH + payloadLength;
  let payloadEnd = claimedEnd;
  if (claimedEnd > end) {
    pkt.problems.push({ layer: 'ipv6', offset, reason: 'truncated' });
    payloadEnd = end;
  }

  let next = data[offset + 6];
  let o = offset + IPV6_HEADER_LENGTH;
  for (;;) {
    let extLength: number;
    if (next === IPPROTO_HOPOPTS || next === IPPROTO_ROUTING || next === IPPROTO_DSTOPTS || next === IPPROTO_AH) {
      if (o + 2 > payloadEnd) {
        extensionCut(o, claimedEnd, pkt);
        return;
      }
      extLength = next === IPPROTO_AH ? (data[o + 1] + 2) * 4 : (data[o + 1] + 1) * 8;
    } else if (next === IPPROTO_FRAGMENT) {
      extLength = 8;
    } else {
      break;
    }
    if (o + extLength > claimedEnd) {
      pkt.problems.push({ layer: 'ipv6', offset: o, reason: 'bad extension header length' });
      return;
    }
    if (o + extLength > payloadEnd) {
      extensionCut(o, claimedEnd, pkt);
      return;
    }
    if (next === IPPROTO_FRAGMENT) {
      pkt.fragment = true;
      const offsetFlags = (data[o + 2] << 8) | data[o + 3];
      if (offsetFlags >> 3 !== 0) {
        // Not the first fragment: its payload continues some upper-layer header.
        pkt.ipProto = data[o];
        return;
      }
    }
    next = data[o];
    o += extLength;
  }
  pkt.ipProto = next;
  if (next === IPPROTO_NONE) return;
  decodeTransport(next, data, o, payloadEnd, claimedEnd, pkt);
}

function extensionCut(o: number, claimedEnd: number, pkt: DecodedPacket): void {
  pkt.problems.push({
    layer: 'ipv6',
    offset: o,
    reason: o + 2 > claimedEnd ? 'bad extension header length' : 'truncated extension header',
  });
}
