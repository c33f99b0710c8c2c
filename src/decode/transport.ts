/**
 * Transport dispatch keyed by IP protocol number. TCP and UDP are decoded;
 * ICMP and the rest leave ipProto set and no problem.
 */
import type { DecodedPacket } from './types.js';
import { decodeTcp } from './tcp.js';
import { decodeUdp } from './udp.js';

export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;

/**
 * Decoder of an IP payload starting at `offset`: `end` is where the usable
 * bytes stop (min of captured end and IP-claimed end), `claimedEnd` where the
 * IP header says the payload ends (tcp.len comes from it).
 */
export type TransportDecoder = (data: Buffer, offset: number, end: number, claimedEnd: number, pkt: DecodedPacket) => void;

const TRANSPORT_DECODERS: (TransportDecoder | undefined)[] = new Array<TransportDecoder | undefined>(256).fill(undefined);
TRANSPORT_DECODERS[IPPROTO_TCP] = decodeTcp;
TRANSPORT_DECODERS[IPPROTO_UDP] = decodeUdp;

export function decodeTransport(
  protocol: number,
  data: Buffer,
  offset: number,
  end: number,
  claimedEnd: number,
  pkt: DecodedPacket,
): void {
  const decoder = TRANSPORT_DECODERS[protocol];
  if (decoder !== undefined) decoder(data, offset, end, claimedEnd, pkt);
}
