/**
 * PPPoE session stage (EtherType 0x8864, RFC 2516): 6-byte header
 * (ver/type, code, session id, length) then the 2-byte PPP protocol.
 * PPP 0x0021 = IPv4, 0x0057 = IPv6; other PPP protocols (LCP, IPCP, ...) are
 * not IP and not problems.
 */
import type { DecodedPacket } from './types.js';
import { decodeIpv4 } from './ipv4.js';
import { decodeIpv6 } from './ipv6.js';

export const PPPOE_HEADER_LENGTH = 6;
export const PPP_IPV4 = 0x0021;
export const PPP_IPV6 = 0x0057;

export function decodePppoeSession(data: Buffer, offset: number, end: number, pkt: DecodedPacket): void {
  if (end - offset < PPPOE_HEADER_LENGTH + 2) {
    pkt.problems.push({ layer: 'pppoe', offset, reason: 'truncated' });
    return;
  }
  if (data[offset] !== 0x11) {
    pkt.problems.push({ layer: 'pppoe', offset, reason: 'bad version' });
    return;
  }
  // The length field counts the PPP protocol and payload: it bounds the
  // payload (Ethernet padding follows), unless the capture was cut before.
  const length = (data[offset + 4] << 8) | data[offset + 5];
  if (length < 2) {
    pkt.problems.push({ layer: 'pppoe', offset, reason: 'bad length' });
    return;
  }
  const claimedEnd = offset + PPPOE_HEADER_LENGTH + length;
  const layerEnd = claimedEnd < end ? claimedEnd : end;
  const protocol = (data[offset + 6] << 8) | data[offset + 7];
  const ipOffset = offset + PPPOE_HEADER_LENGTH + 2;
  const before = pkt.problems.length;
  if (protocol === PPP_IPV4) decodeIpv4(data, ipOffset, layerEnd, pkt);
  else if (protocol === PPP_IPV6) decodeIpv6(data, ipOffset, layerEnd, pkt);
  if (claimedEnd < end) paddingNotPayload(pkt, before, end - claimedEnd);
}

/**
 * The PPPoE length ended the packet before the captured bytes did, and the IP
 * length claims more: as Wireshark (tshark 4.0: "IPv4 total length exceeds
 * packet length", tcp.len counted within the PPPoE payload), the PPPoE length
 * wins. The bytes after it are padding, not a snaplen cut: the transport
 * payload is what lies inside, and the frame gets a problem instead of
 * phantom bytes.
 */
function paddingNotPayload(pkt: DecodedPacket, firstNew: number, padding: number): void {
  const i = pkt.problems.findIndex((p, k) => k >= firstNew && (p.layer === 'ipv4' || p.layer === 'ipv6') && p.reason === 'truncated');
  if (i < 0) return;
  pkt.problems[i] = { ...pkt.problems[i], reason: `length exceeds the PPPoE payload (${padding} bytes after it read as padding)` };
  if (pkt.tcp) pkt.tcp.payloadLength = pkt.tcp.payload.length;
  if (pkt.udp) pkt.udp.payloadLength = pkt.udp.payload.length;
}
