/**
 * The result object every decoder writes into, and the problem recorder.
 *
 * decodeFrame allocates one DecodedPacket per frame, with every field present
 * from the start so that all results share one hidden class. A PacketDecoder
 * (index.ts) instead reuses one packet, and with it one TCP header, one options
 * object and one UDP header, found under the non-enumerable SPARE key: the
 * decoders fill those in place instead of allocating (issue 14).
 */
import type { DecodedPacket, TcpHeader, TcpOptions, UdpHeader } from './types.js';

export function newPacket(linkType: number): DecodedPacket {
  return {
    linkType,
    ipVersion: undefined,
    src: undefined,
    dst: undefined,
    srcHash: undefined,
    dstHash: undefined,
    ipProto: undefined,
    fragment: undefined,
    vlan: undefined,
    tcp: undefined,
    udp: undefined,
    problems: [],
  };
}

/** Objects a reused packet's decoders fill in place. */
export interface Spare {
  readonly tcp: TcpHeader;
  readonly options: TcpOptions;
  readonly udp: UdpHeader;
}

export const SPARE: unique symbol = Symbol('spare');

/** A DecodedPacket that may carry spare header objects. */
export type ReusablePacket = DecodedPacket & { [SPARE]?: Spare };

const EMPTY = Buffer.alloc(0);

/** TCP options with none set (what decodeOptions fills). */
export function noTcpOptions(): TcpOptions {
  return { mss: undefined, windowScale: undefined, sackPermitted: undefined, tsVal: undefined, tsEcr: undefined };
}

/** `o` back to none set, in place. */
export function clearTcpOptions(o: TcpOptions): void {
  o.mss = undefined;
  o.windowScale = undefined;
  o.sackPermitted = undefined;
  o.tsVal = undefined;
  o.tsEcr = undefined;
}

/** A packet with its spare headers (non-enumerable: it compares and prints as a plain packet). */
export function newReusablePacket(): ReusablePacket {
  const pkt: ReusablePacket = newPacket(0);
  const spare: Spare = {
    tcp: {
      srcPort: 0,
      dstPort: 0,
      seq: 0,
      ack: 0,
      flags: 0,
      window: 0,
      headerLength: 0,
      options: noTcpOptions(),
      payload: EMPTY,
      payloadLength: 0,
    },
    options: noTcpOptions(),
    udp: { srcPort: 0, dstPort: 0, payload: EMPTY, payloadLength: 0 },
  };
  Object.defineProperty(pkt, SPARE, { value: spare, enumerable: false, writable: false });
  return pkt;
}

/** Back to the state of newPacket(linkType), keeping the objects. */
export function resetPacket(pkt: DecodedPacket, linkType: number): void {
  pkt.linkType = linkType;
  pkt.ipVersion = undefined;
  pkt.src = undefined;
  pkt.dst = undefined;
  pkt.srcHash = undefined;
  pkt.dstHash = undefined;
  pkt.ipProto = undefined;
  pkt.fragment = undefined;
  pkt.vlan = undefined;
  pkt.tcp = undefined;
  pkt.udp = undefined;
  if (pkt.problems.length !== 0) pkt.problems.length = 0;
}

/**
 * A decoder of the layer that starts at `offset` in the frame `data`. `end` is
 * the end of the bytes this layer may use: the captured end, or less when an
 * outer header (PPPoE length, NFLOG TLV) bounds it. Offsets stay frame-relative
 * so that problems point into the frame.
 */
export type LayerDecoder = (data: Buffer, offset: number, end: number, pkt: DecodedPacket) => void;
