/**
 * Contracts of the decode stage: frame -> link, IP and TCP headers.
 * Decoders are pure functions over Buffer views; they never throw on packet data.
 */

/** Where and why decoding of a frame stopped (etherparse-style lax decoding). */
export interface DecodeProblem {
  /** Layer that failed: 'link', 'vlan', 'pppoe', 'ipv4', 'ipv6', 'tcp', ... */
  layer: string;
  /** Byte offset in the frame where the failing header starts. */
  offset: number;
  /** Short reason: 'truncated', 'bad version', 'bad header length', 'unsupported link type 147', ... */
  reason: string;
}

export interface TcpOptions {
  mss?: number;
  windowScale?: number;
  sackPermitted?: boolean;
  /** TSval / TSecr */
  tsVal?: number;
  tsEcr?: number;
}

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_ACK = 0x10;

export interface TcpHeader {
  srcPort: number;
  dstPort: number;
  seq: number; // uint32
  ack: number; // uint32
  /** 9 bits: NS CWR ECE URG ACK PSH RST SYN FIN (TCP_* masks). */
  flags: number;
  window: number;
  headerLength: number;
  options: TcpOptions;
  /** TCP payload as a view; trimmed to the IP total length (no Ethernet padding). */
  payload: Buffer;
  /**
   * Payload length the IP header claims (tcp.len in Wireshark). Larger than
   * payload.length when the frame was cut by the snaplen.
   */
  payloadLength: number;
}

export interface UdpHeader {
  srcPort: number;
  dstPort: number;
  /** UDP payload as a view, bounded by the UDP length (no padding) and the captured bytes. */
  payload: Buffer;
  /** Payload length the UDP header claims (udp.length - 8); more than payload.length when cut by the snaplen. */
  payloadLength: number;
}

export type IpVersion = 4 | 6;

export interface DecodedPacket {
  /** LINKTYPE of the frame. */
  linkType: number;
  /** Set when an IP header decoded. */
  ipVersion?: IpVersion;
  /** Textual addresses as Wireshark prints them (ip.src / ipv6.src, compressed IPv6). */
  src?: string;
  dst?: string;
  /**
   * Hashes of the address strings (textHash in base/hash.ts: the same number for the
   * same text, kept with the decoder's cached strings). The connection table hashes them
   * instead of looking the address strings up in a map per packet. Absent in packets built
   * by hand: the table then hashes the strings itself (src/tcp/tuple-table.ts).
   */
  srcHash?: number;
  dstHash?: number;
  /** IP protocol number / IPv6 final next header. */
  ipProto?: number;
  /** IPv4 fragment (MF set or offset != 0) or IPv6 fragment header: not reassembled. */
  fragment?: boolean;
  /** VLAN ids from outermost to innermost, when present. */
  vlan?: number[];
  tcp?: TcpHeader;
  /** Set when a UDP header decoded. */
  udp?: UdpHeader;
  /** Problems met while decoding; empty when the frame decoded cleanly. */
  problems: DecodeProblem[];
}
