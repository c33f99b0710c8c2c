/**
 * Decode stage: frame bytes -> link, IP and TCP headers.
 *
 * decodeFrame never throws on packet data: a malformed or snaplen-truncated
 * header leaves what decoded so far in the result and records a DecodeProblem
 * (layer, frame offset, reason). Per frame it allocates the result, its
 * problems array, the TCP header with a small options object (shared frozen
 * one when the header has no options) and one Buffer view (the TCP payload).
 *
 * PacketDecoder decodes the same way into one reused result: per frame it
 * allocates only the payload view and any problems. For a caller that is done
 * with a frame's result before it decodes the next (the analysis sink).
 */
import type { DecodedPacket } from './types.js';
import { newPacket, newReusablePacket, resetPacket } from './packet.js';
import type { ReusablePacket } from './packet.js';
import { linkDecoder } from './linktype.js';

export * from './types.js';
export * from './linktype.js';
export { ipv4ToString, ipv6ToString, formatIpv6 } from './address.js';

export function decodeFrame(data: Buffer, linkType: number): DecodedPacket {
  return decodeInto(newPacket(linkType), data, linkType);
}

/**
 * Decodes frames into one reused DecodedPacket: the result of decode() (with
 * its tcp, udp, options, problems and vlan) is valid until the next call.
 * Keep numbers and strings from it, never the objects.
 */
export class PacketDecoder {
  private readonly pkt: ReusablePacket = newReusablePacket();

  decode(data: Buffer, linkType: number): DecodedPacket {
    const pkt = this.pkt;
    resetPacket(pkt, linkType);
    return decodeInto(pkt, data, linkType);
  }
}

function decodeInto(pkt: DecodedPacket, data: Buffer, linkType: number): DecodedPacket {
  const decoder = linkDecoder(linkType);
  if (decoder === undefined) {
    pkt.problems.push({ layer: 'link', offset: 0, reason: `unsupported link type ${linkType}` });
    return pkt;
  }
  decoder(data, 0, data.length, pkt);
  return pkt;
}
