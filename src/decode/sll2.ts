/**
 * Linux cooked capture v2 (LINKTYPE_LINUX_SLL2 276), 20 bytes:
 * protocol (2), reserved (2), interface index (4), ARPHRD type (2),
 * packet type (1), address length (1), address (8).
 */
import type { DecodedPacket } from './types.js';
import { decodeEtherType } from './network.js';
import { ARPHRD_NETLINK } from './sll.js';

export const SLL2_HEADER_LENGTH = 20;

export function decodeSll2(data: Buffer, offset: number, end: number, pkt: DecodedPacket): void {
  if (end - offset < SLL2_HEADER_LENGTH) {
    pkt.problems.push({ layer: 'sll2', offset, reason: 'truncated' });
    return;
  }
  const hatype = (data[offset + 8] << 8) | data[offset + 9];
  if (hatype === ARPHRD_NETLINK) return;
  const protocol = (data[offset] << 8) | data[offset + 1];
  decodeEtherType(protocol, data, offset + SLL2_HEADER_LENGTH, end, pkt);
}
