/**
 * Link-layer dispatch keyed by LINKTYPE_* (https://www.tcpdump.org/linktypes.html,
 * IANA "pcap" registry), and the names used in reports.
 */
import type { LayerDecoder } from './packet.js';
import { decodeEthernet } from './ethernet.js';
import { decodeSll } from './sll.js';
import { decodeSll2 } from './sll2.js';
import { decodeNull, decodeLoop } from './null.js';
import { decodeNflog } from './nflog.js';
import { decodeRawIp } from './network.js';
import { decodeIpv4 } from './ipv4.js';
import { decodeIpv6 } from './ipv6.js';
import { decodePpp } from './ppp.js';

export const LINKTYPE_NULL = 0;
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_PPP = 9;
/** DLT_RAW as most BSD-derived libpcaps write it into files instead of 101. */
export const DLT_RAW_BSD = 12;
/** DLT_RAW on OpenBSD. */
export const DLT_RAW_OPENBSD = 14;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LOOP = 108;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
export const LINKTYPE_NFLOG = 239;
export const LINKTYPE_LINUX_SLL2 = 276;

const LINK_DECODERS = new Map<number, LayerDecoder>([
  [LINKTYPE_NULL, decodeNull],
  [LINKTYPE_ETHERNET, decodeEthernet],
  [LINKTYPE_PPP, decodePpp],
  [DLT_RAW_BSD, decodeRawIp],
  [DLT_RAW_OPENBSD, decodeRawIp],
  [LINKTYPE_RAW, decodeRawIp],
  [LINKTYPE_LOOP, decodeLoop],
  [LINKTYPE_LINUX_SLL, decodeSll],
  [LINKTYPE_IPV4, decodeIpv4],
  [LINKTYPE_IPV6, decodeIpv6],
  [LINKTYPE_NFLOG, decodeNflog],
  [LINKTYPE_LINUX_SLL2, decodeSll2],
]);

/** Decoder of the link layer, or undefined when the link type is not supported. */
export function linkDecoder(linkType: number): LayerDecoder | undefined {
  return LINK_DECODERS.get(linkType);
}

const NAMES = new Map<number, string>([
  [LINKTYPE_NULL, 'BSD loopback'],
  [LINKTYPE_ETHERNET, 'Ethernet'],
  [6, 'Token Ring'],
  [9, 'PPP'],
  [10, 'FDDI'],
  [DLT_RAW_BSD, 'Raw IP'],
  [DLT_RAW_OPENBSD, 'Raw IP'],
  [50, 'PPP in HDLC framing'],
  [51, 'PPPoE'],
  [LINKTYPE_RAW, 'Raw IP'],
  [104, 'Cisco HDLC'],
  [105, 'IEEE 802.11'],
  [LINKTYPE_LOOP, 'OpenBSD loopback'],
  [LINKTYPE_LINUX_SLL, 'Linux SLL'],
  [119, 'IEEE 802.11 Prism'],
  [127, 'IEEE 802.11 radiotap'],
  [192, 'PPI'],
  [LINKTYPE_IPV4, 'Raw IPv4'],
  [LINKTYPE_IPV6, 'Raw IPv6'],
  [LINKTYPE_NFLOG, 'Linux NFLOG'],
  [249, 'USBPcap'],
  [252, 'Wireshark Upper PDU'],
  [LINKTYPE_LINUX_SLL2, 'Linux SLL2'],
]);

/** Human name of a link type for reports: 'Ethernet', 'Linux SLL', 'Raw IP', ... or 'LINKTYPE 147'. */
export function linkTypeName(linkType: number): string {
  const name = NAMES.get(linkType);
  if (name !== undefined) return name;
  if (linkType >= 147 && linkType <= 162) return `user-defined LINKTYPE ${linkType}`;
  return `LINKTYPE ${linkType}`;
}
