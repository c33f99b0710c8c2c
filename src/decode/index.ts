/**
 * Decode stage: frame bytes -> link, IP and TCP headers.
 *
 * decodeFrame never throws on packet data: a malformed or snaplen-truncated
 * header leaves what decoded so far in the result and records a DecodeProblem
 * (layer, frame offset, reason). Per frame it allocates the result, its
 * problems array, the TCP header with a small options object (shared frozen
 * one when the header has no options) and one Buffer view (the TCP payload).
 */
import type { DecodedPacket } from './types.js';
import { newPacket } from './packet.js';
import { linkDecoder } from './linktype.js';

export * from './types.js';
export * from './linktype.js';
export { ipv4ToString, ipv6ToString, formatIpv6 } from './address.js';

export function decodeFrame(data: Buffer, linkType: number): DecodedPacket {
  const pkt = newPacket(linkType);
  const decoder = linkDecoder(linkType);
  if (decoder === undefined) {
    pkt.problems.push({ layer: 'link', offset: 0, reason: `unsupported link type ${linkType}` });
    return pkt;
  }
  decoder(data, 0, data.length, pkt);
  return pkt;
}
