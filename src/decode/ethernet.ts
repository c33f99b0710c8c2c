/**
 * Ethernet II (LINKTYPE_ETHERNET) and 802.1Q / 802.1ad VLAN tags, stacked to
 * any depth. 802.3 frames (type field <= 1500, a length) carry LLC, not IP.
 */
import type { DecodedPacket } from './types.js';
import { decodeEtherType } from './network.js';

export const ETHERNET_HEADER_LENGTH = 14;
export const VLAN_TAG_LENGTH = 4;

export function decodeEthernet(data: Buffer, offset: number, end: number, pkt: DecodedPacket): void {
  if (end - offset < ETHERNET_HEADER_LENGTH) {
    pkt.problems.push({ layer: 'ethernet', offset, reason: 'truncated' });
    return;
  }
  const etherType = (data[offset + 12] << 8) | data[offset + 13];
  if (etherType <= 1500) return; // 802.3 length field: LLC frame
  decodeEtherType(etherType, data, offset + ETHERNET_HEADER_LENGTH, end, pkt);
}

/** One VLAN tag (TCI + inner EtherType); records the VLAN id and recurses. */
export function decodeVlan(data: Buffer, offset: number, end: number, pkt: DecodedPacket): void {
  if (end - offset < VLAN_TAG_LENGTH) {
    pkt.problems.push({ layer: 'vlan', offset, reason: 'truncated' });
    return;
  }
  const vid = ((data[offset] & 0x0f) << 8) | data[offset + 1];
  if (pkt.vlan === undefined) pkt.vlan = [vid];
  else pkt.vlan.push(vid);
  const etherType = (data[offset + 2] << 8) | data[offset + 3];
  if (etherType <= 1500) return;
  decodeEtherType(etherType, data, offset + VLAN_TAG_LENGTH, end, pkt);
}
