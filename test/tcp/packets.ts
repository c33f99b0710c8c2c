/**
 * Test helper: decoded-packet objects with a TCP header, built field by field
 * (for tests of the connection table's and a connection's bookkeeping, not of
 * header decoding).
 */
import type { DecodedPacket } from '../../src/decode/types.js';

export const EMPTY = Buffer.alloc(0);

export function pkt(src: string, sport: number, dst: string, dport: number, flags: number, seq = 0, ack = 0, payload = EMPTY): DecodedPacket {
  return {
    linkType: 1,
    ipVersion: 4,
    src,
    dst,
    ipProto: 6,
    problems: [],
    tcp: {
      srcPort: sport,
      dstPort: dport,
      seq: seq >>> 0,
      ack: ack >>> 0,
      flags,
      window: 1000,
      headerLength: 20,
      options: {},
      payload,
      payloadLength: payload.length,
    },
  };
}
