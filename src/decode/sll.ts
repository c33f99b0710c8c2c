/**
 * Linux cooked capture v1 (LINKTYPE_LINUX_SLL 113), 16 bytes:
 * packet type (2), ARPHRD type (2), address length (2), address (8), protocol (2).
 * The protocol is an EtherType except for a few Linux pseudo values (1 = 802.3,
 * 4 = 802.2 LLC, ...) and for netlink captures (ARPHRD_NETLINK), neither IP.
 */
import type { DecodedPacket } from './types.js';
import { decodeEtherType } from './network.js';

export const SLL_HEADER_LENGTH = 16;
export const ARPHRD_NETLINK = 824;

export function decodeSll(data: Buffer, offset: number, end: number, pkt: DecodedPacket): void {
  if (end - offset < SLL_HEADER_LENGTH) {
    pkt.problems.push({ layer: 'sll', offset, reason: 'truncated' });
    return;
  }
  const hatype = (data[offset + 2] << 8) | data[offset + 3];
  if (hatype === ARPHRD_NETLINK) return;
  const protocol = (data[offset + 14] << 8) | data[offset + 15];
  decodeEtherType(protocol, data, offset + SLL_HEADER_LENGTH, end, pkt);
}
