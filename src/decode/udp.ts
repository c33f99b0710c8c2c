/**
 * UDP header (RFC 768). The payload view stops at the end the UDP length
 * claims (bounded by the IP payload); a length beyond the captured bytes is a
 * snaplen cut ('truncated', the view holds what was captured). A UDP length
 * smaller than the header, or larger than the IP payload, is recorded as
 * 'bad length' and the IP payload end is used instead (as Wireshark does when
 * it flags udp.length.bad). Length 0 over IPv6 is a jumbogram: the IP end.
 * In a first IP fragment the length runs past the fragment: not a problem,
 * the payload view stops at the fragment's end (fragments are not reassembled;
 * the QUIC stage skips them).
 */
import type { DecodedPacket } from './types.js';
import { SPARE } from './packet.js';
import type { ReusablePacket } from './packet.js';

export const UDP_HEADER_LENGTH = 8;

export function decodeUdp(data: Buffer, offset: number, end: number, claimedEnd: number, pkt: DecodedPacket): void {
  if (claimedEnd - offset < UDP_HEADER_LENGTH) {
    pkt.problems.push({ layer: 'udp', offset, reason: 'bad length' });
    return;
  }
  if (end - offset < UDP_HEADER_LENGTH) {
    pkt.problems.push({ layer: 'udp', offset, reason: 'truncated' });
    return;
  }
  const length = (data[offset + 4] << 8) | data[offset + 5];
  let datagramEnd = offset + length;
  if (length === 0 && pkt.ipVersion === 6) {
    datagramEnd = claimedEnd;
  } else if (datagramEnd > claimedEnd && pkt.fragment === true && length >= UDP_HEADER_LENGTH) {
    // First fragment of a datagram: the rest is in later fragments (not reassembled).
    datagramEnd = claimedEnd;
  } else if (length < UDP_HEADER_LENGTH || datagramEnd > claimedEnd) {
    pkt.problems.push({ layer: 'udp', offset, reason: 'bad length' });
    datagramEnd = claimedEnd;
  }
  let payloadEnd = datagramEnd;
  if (payloadEnd > end) payloadEnd = end; // the IP layer already recorded the cut
  const srcPort = (data[offset] << 8) | data[offset + 1];
  const dstPort = (data[offset + 2] << 8) | data[offset + 3];
  const payload = data.subarray(offset + UDP_HEADER_LENGTH, payloadEnd);
  const payloadLength = datagramEnd - offset - UDP_HEADER_LENGTH;
  const spare = (pkt as ReusablePacket)[SPARE];
  if (spare === undefined) {
    pkt.udp = { srcPort, dstPort, payload, payloadLength };
    return;
  }
  const udp = spare.udp;
  udp.srcPort = srcPort;
  udp.dstPort = dstPort;
  udp.payload = payload;
  udp.payloadLength = payloadLength;
  pkt.udp = udp;
}
