/**
 * Network-layer dispatch (Zeek-style): an EtherType selects the decoder of
 * the next header. Link decoders (Ethernet, VLAN, PPPoE, SLL, SLL2) call
 * decodeEtherType; unknown EtherTypes (ARP, LLDP, ...) are not IP and are not
 * problems either.
 */
import type { DecodedPacket } from './types.js';
import type { LayerDecoder } from './packet.js';
import { decodeIpv4 } from './ipv4.js';
import { decodeIpv6 } from './ipv6.js';
import { decodeVlan } from './ethernet.js';
import { decodePppoeSession } from './pppoe.js';

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_IPV6 = 0x86dd;
export const ETHERTYPE_VLAN = 0x8100; // 802.1Q
export const ETHERTYPE_QINQ = 0x88a8; // 802.1ad service tag
export const ETHERTYPE_QINQ_OLD = 0x9100; // pre-standard QinQ
export const ETHERTYPE_PPPOE_SESSION = 0x8864;

const ETHER_DECODERS: (LayerDecoder | undefined)[] = new Array<LayerDecoder | undefined>(0x10000).fill(undefined);
ETHER_DECODERS[ETHERTYPE_IPV4] = decodeIpv4;
ETHER_DECODERS[ETHERTYPE_IPV6] = decodeIpv6;
ETHER_DECODERS[ETHERTYPE_VLAN] = decodeVlan;
ETHER_DECODERS[ETHERTYPE_QINQ] = decodeVlan;
ETHER_DECODERS[ETHERTYPE_QINQ_OLD] = decodeVlan;
ETHER_DECODERS[ETHERTYPE_PPPOE_SESSION] = decodePppoeSession;

export function decodeEtherType(etherType: number, data: Buffer, offset: number, end: number, pkt: DecodedPacket): void {
  const decoder = ETHER_DECODERS[etherType];
  if (decoder !== undefined) decoder(data, offset, end, pkt);
}

/** Raw IP: the version nibble says IPv4 or IPv6. */
export function decodeRawIp(data: Buffer, offset: number, end: number, pkt: DecodedPacket): void {
  if (offset >= end) {
    pkt.problems.push({ layer: 'ip', offset, reason: 'truncated' });
    return;
  }
  const version = data[offset] >> 4;
  if (version === 4) decodeIpv4(data, offset, end, pkt);
  else if (version === 6) decodeIpv6(data, offset, end, pkt);
  else pkt.problems.push({ layer: 'ip', offset, reason: 'bad version' });
}
