/**
 * QUIC packet headers (RFC 9000 §17, RFC 8999 invariants): the long header
 * (Initial, 0-RTT, Handshake, Retry; Version Negotiation = version 0) and the
 * short header (1-RTT), and the walk over coalesced packets in one datagram
 * (§12.2). Pure functions over Buffer views; problems are returned, never thrown.
 *
 * §12.2: coalesced packets carry the same Destination Connection ID, and a
 * receiver ignores a later packet with another one. Bytes after the last
 * packet that do not start a packet with the first packet's DCID are padding
 * (some stacks, quic-go among them, pad with random bytes): the walk stops
 * there without a problem.
 */
import { readVarint } from './varint.js';
import { isKnownVersion, longPacketType, QUIC_VN } from './version.js';
import type { LongPacketType } from './version.js';

export type QuicPacketType = LongPacketType | 'VersionNegotiation' | '1-RTT';

export interface QuicPacket {
  type: QuicPacketType;
  /** 0 for Version Negotiation and 1-RTT (short headers carry no version). */
  version: number;
  /** Offset of the packet in the datagram payload, and its end. */
  start: number;
  end: number;
  dcid: Buffer;
  /** Empty for short headers. */
  scid: Buffer;
  /** Initial: the token; Retry: the retry token (without the integrity tag). */
  token?: Buffer;
  /** Offset of the packet number from `start` (long headers with a payload). */
  pnOffset?: number;
  /** Version Negotiation: the versions offered. */
  supportedVersions?: number[];
}

export interface ParsedDatagram {
  packets: QuicPacket[];
  problems: string[];
}

const MAX_CID_LENGTH = 20;

/**
 * The datagram starts like a QUIC long header of a version we know (or a
 * Version Negotiation). The fixed bit (0x40) is not required: endpoints that
 * negotiated grease_quic_bit (RFC 9287; ngtcp2 does) clear it at random. The
 * tracker starts a connection only on an Initial with the bit set.
 */
export function looksLikeQuicLong(p: Buffer): boolean {
  if (p.length < 7 || (p[0] & 0x80) === 0) return false;
  const version = p.readUInt32BE(1);
  return version === QUIC_VN || isKnownVersion(version);
}

/**
 * Parses the packets of a datagram. A short header takes the rest of the
 * datagram; its Destination Connection ID length is not on the wire, so the
 * caller says it (`shortDcidLength`, from the connection the datagram belongs
 * to; undefined stops the walk there). Trailing zero bytes after the last
 * long-header packet are padding, not a problem.
 */
export function parseDatagram(p: Buffer, shortDcidLength: number | undefined): ParsedDatagram {
  const packets: QuicPacket[] = [];
  const problems: string[] = [];
  let off = 0;
  while (off < p.length) {
    const first = p[off];
    if (first === 0 && packets.length > 0) break; // padding after coalesced packets
    if ((first & 0x80) === 0) {
      if (shortDcidLength === undefined) {
        problems.push('short header with an unknown connection ID');
        break;
      }
      if (off + 1 + shortDcidLength > p.length) {
        problems.push('truncated short header');
        break;
      }
      if (packets.length > 0 && !p.subarray(off + 1, off + 1 + shortDcidLength).equals(packets[0].dcid)) break;
      packets.push({
        type: '1-RTT',
        version: 0,
        start: off,
        end: p.length,
        dcid: p.subarray(off + 1, off + 1 + shortDcidLength),
        scid: p.subarray(0, 0),
      });
      break;
    }
    const r = parseLong(p, off, problems);
    if (r === undefined) break;
    if (packets.length > 0 && !r.dcid.equals(packets[0].dcid)) break;
    packets.push(r);
    off = r.end;
  }
  return { packets, problems };
}

function parseLong(p: Buffer, off: number, problems: string[]): QuicPacket | undefined {
  if (off + 7 > p.length) {
    problems.push('truncated long header');
    return undefined;
  }
  const first = p[off];
  const version = p.readUInt32BE(off + 1);
  let o = off + 5;
  const dcidLen = p[o++];
  if (dcidLen > MAX_CID_LENGTH && version !== QUIC_VN) {
    problems.push(`connection ID length ${dcidLen} over 20`);
    return undefined;
  }
  if (o + dcidLen + 1 > p.length) {
    problems.push('truncated long header');
    return undefined;
  }
  const dcid = p.subarray(o, o + dcidLen);
  o += dcidLen;
  const scidLen = p[o++];
  if (scidLen > MAX_CID_LENGTH && version !== QUIC_VN) {
    problems.push(`connection ID length ${scidLen} over 20`);
    return undefined;
  }
  if (o + scidLen > p.length) {
    problems.push('truncated long header');
    return undefined;
  }
  const scid = p.subarray(o, o + scidLen);
  o += scidLen;
  if (version === QUIC_VN) {
    const supportedVersions: number[] = [];
    for (; o + 4 <= p.length; o += 4) supportedVersions.push(p.readUInt32BE(o));
    if (o !== p.length) problems.push('Version Negotiation list not a multiple of 4 bytes');
    return { type: 'VersionNegotiation', version, start: off, end: p.length, dcid, scid, supportedVersions };
  }
  if (!isKnownVersion(version)) {
    problems.push(`unknown QUIC version 0x${version.toString(16).padStart(8, '0')}`);
    return undefined;
  }
  // The fixed bit may be 0 once the peer sent grease_quic_bit (RFC 9287): not checked here.
  const type = longPacketType(version, first);
  if (type === 'Retry') {
    // Retry Token, then a 16-byte Retry Integrity Tag to the end of the datagram.
    if (p.length - o < 16) {
      problems.push('truncated Retry');
      return undefined;
    }
    return { type, version, start: off, end: p.length, dcid, scid, token: p.subarray(o, p.length - 16) };
  }
  const cursor = { off: o };
  let token: Buffer | undefined;
  if (type === 'Initial') {
    const tokenLen = readVarint(p, cursor, p.length);
    if (tokenLen < 0 || cursor.off + tokenLen > p.length) {
      problems.push('truncated Initial token');
      return undefined;
    }
    token = p.subarray(cursor.off, cursor.off + tokenLen);
    cursor.off += tokenLen;
  }
  const length = readVarint(p, cursor, p.length);
  if (length < 0) {
    problems.push(`truncated ${type} header`);
    return undefined;
  }
  const end = cursor.off + length;
  if (end > p.length) {
    problems.push(`${type} length ${length} runs past the datagram`);
    return undefined;
  }
  if (length < 1) {
    problems.push(`${type} packet with no packet number`);
    return undefined;
  }
  const pkt: QuicPacket = { type, version, start: off, end, dcid, scid, pnOffset: cursor.off - off };
  if (token !== undefined) pkt.token = token;
  return pkt;
}
