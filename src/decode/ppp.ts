/**
 * PPP frames as LINKTYPE_PPP (9) writes them (RFC 1661, RFC 1662): an
 * optional address/control pair 0xff 0x03, then the protocol field (one byte
 * when compressed: its low bit is set), then the datagram. 0x0021 = IPv4,
 * 0x0057 = IPv6; other protocols (LCP, IPCP, ...) are not IP and not problems.
 */
import type { DecodedPacket } from './types.js';
import { decodeIpv4 } from './ipv4.js';
import { decodeIpv6 } from './ipv6.js';
import { PPP_IPV4, PPP_IPV6 } from './pppoe.js';

export function decodePpp(data: Buffer, offset: number, end: number, pkt: DecodedPacket): void {
  let o = offset;
  if (end - o >= 2 && data[o] === 0xff && data[o + 1] === 0x03) o += 2;
  if (o >= end) {
    pkt.problems.push({ layer: 'ppp', offset, reason: 'truncated' });
    return;
  }
  let protocol: number;
  if ((data[o] & 0x01) === 1) {
    protocol = data[o];
    o += 1;
  } else {
    if (o + 2 > end) {
      pkt.problems.push({ layer: 'ppp', offset, reason: 'truncated' });
      return;
    }
    protocol = (data[o] << 8) | data[o + 1];
    o += 2;
  }
  if (protocol === PPP_IPV4) decodeIpv4(data, o, end, pkt);
  else if (protocol === PPP_IPV6) decodeIpv6(data, o, end, pkt);
}
