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
 * allocates only the payload view and any problems, and it decodes a frame in
 * place in the buffer that holds it. For a caller that is done
 * with a frame's result before it decodes the next (the analysis sink).
 */
import type { DecodedPacket } from './types.js';
import { newPacket, newReusablePacket, resetPacket } from './packet.js';
import type { LayerDecoder, ReusablePacket } from './packet.js';
import { linkDecoder } from './linktype.js';

export * from './types.js';
export * from './linktype.js';
export { ipv4ToString, ipv6ToString, formatIpv6 } from './address.js';

export function decodeFrame(data: Buffer, linkType: number): DecodedPacket {
  return decodeInto(linkDecoder(linkType), newPacket(linkType), data, linkType, 0, data.length);
}

/**
 * Decodes frames into one reused DecodedPacket: the result of decode() (with
 * its tcp, udp, options, problems and vlan) is valid until the next call.
 * Keep numbers and strings from it, never the objects.
 */
export class PacketDecoder {
  private readonly pkt: ReusablePacket = newReusablePacket();
  /** The link type of the last frame and its decoder: a capture's frames mostly share one (no map lookup per frame). */
  private lastLinkType = -1;
  private lastDecoder: LayerDecoder | undefined = undefined;

  /**
   * The frame `data[start, end)` (all of `data` by default): a frame that lies
   * in a larger buffer (Frame.bytes) is decoded where it is, without a view of
   * its own. Problem offsets stay frame-relative.
   */
  decode(data: Buffer, linkType: number, start = 0, end = data.length): DecodedPacket {
    const pkt = this.pkt;
    resetPacket(pkt, linkType);
    if (linkType !== this.lastLinkType) {
      this.lastLinkType = linkType;
      this.lastDecoder = linkDecoder(linkType);
    }
    decodeInto(this.lastDecoder, pkt, data, linkType, start, end);
    if (start !== 0) for (const pr of pkt.problems) pr.offset -= start;
    return pkt;
  }
}

/** The frame `data[start, end)` decoded into `pkt` by its link type's decoder (undefined: not supported). */
function decodeInto(decoder: LayerDecoder | undefined, pkt: DecodedPacket, data: Buffer, linkType: number, start: number, end: number): DecodedPacket {
  if (decoder === undefined) {
    pkt.problems.push({ layer: 'link', offset: start, reason: `unsupported link type ${linkType}` });
    return pkt;
  }
  decoder(data, start, end, pkt);
  return pkt;
}
