/**
 * The result object every decoder writes into, and the problem recorder.
 * One DecodedPacket is allocated per frame, with every field present from the
 * start so that all results share one hidden class.
 */
import type { DecodedPacket } from './types.js';

export function newPacket(linkType: number): DecodedPacket {
  return {
    linkType,
    ipVersion: undefined,
    src: undefined,
    dst: undefined,
    ipProto: undefined,
    fragment: undefined,
    vlan: undefined,
    tcp: undefined,
    udp: undefined,
    problems: [],
  };
}

/**
 * A decoder of the layer that starts at `offset` in the frame `data`. `end` is
 * the end of the bytes this layer may use: the captured end, or less when an
 * outer header (PPPoE length, NFLOG TLV) bounds it. Offsets stay frame-relative
 * so that problems point into the frame.
 */
export type LayerDecoder = (data: Buffer, offset: number, end: number, pkt: DecodedPacket) => void;
