/**
 * TCP header (RFC 9293) and the options handshake analysis needs: MSS (2),
 * window scale (3), SACK permitted (4), timestamps (8). SACK blocks (5) and
 * unknown options are skipped by their length; EOL ends the list, NOP pads.
 * A malformed option length is recorded and ends the option walk, the header
 * is kept. The payload view stops at the IP-claimed end (no padding);
 * payloadLength is what IP claims even if the snaplen cut the bytes.
 */
import type { DecodedPacket, TcpOptions } from './types.js';
import { clearTcpOptions, noTcpOptions, SPARE } from './packet.js';
import type { ReusablePacket } from './packet.js';

export const TCP_MIN_HEADER_LENGTH = 20;
export const TCPOPT_EOL = 0;
export const TCPOPT_NOP = 1;
export const TCPOPT_MSS = 2;
export const TCPOPT_WINDOW_SCALE = 3;
export const TCPOPT_SACK_PERMITTED = 4;
export const TCPOPT_TIMESTAMP = 8;

/** Shared options object of headers without options (same shape as parsed ones). */
const NO_OPTIONS: TcpOptions = Object.freeze({
  mss: undefined,
  windowScale: undefined,
  sackPermitted: undefined,
  tsVal: undefined,
  tsEcr: undefined,
});

export function decodeTcp(data: Buffer, offset: number, end: number, claimedEnd: number, pkt: DecodedPacket): void {
  const segmentLength = claimedEnd - offset;
  if (segmentLength < TCP_MIN_HEADER_LENGTH) {
    pkt.problems.push({ layer: 'tcp', offset, reason: 'bad segment length' });
    return;
  }
  if (end - offset < TCP_MIN_HEADER_LENGTH) {
    pkt.problems.push({ layer: 'tcp', offset, reason: 'truncated' });
    return;
  }
  const headerLength = (data[offset + 12] >> 4) * 4;
  if (headerLength < TCP_MIN_HEADER_LENGTH || headerLength > segmentLength) {
    pkt.problems.push({ layer: 'tcp', offset, reason: 'bad data offset' });
    return;
  }
  const headerEnd = offset + headerLength;
  let payloadStart = headerEnd;
  if (headerEnd > end) {
    // Options cut by the snaplen: keep the fixed header and what options remain.
    pkt.problems.push({ layer: 'tcp', offset, reason: 'truncated' });
    payloadStart = end;
  }
  const spare = (pkt as ReusablePacket)[SPARE];
  let options: TcpOptions = NO_OPTIONS;
  if (headerLength !== TCP_MIN_HEADER_LENGTH) {
    if (spare === undefined) options = noTcpOptions();
    else {
      options = spare.options;
      clearTcpOptions(options);
    }
    decodeOptions(data, offset + TCP_MIN_HEADER_LENGTH, headerEnd, payloadStart, pkt, options);
  }
  const srcPort = (data[offset] << 8) | data[offset + 1];
  const dstPort = (data[offset + 2] << 8) | data[offset + 3];
  const seq = ((data[offset + 4] << 24) | (data[offset + 5] << 16) | (data[offset + 6] << 8) | data[offset + 7]) >>> 0;
  const ack = ((data[offset + 8] << 24) | (data[offset + 9] << 16) | (data[offset + 10] << 8) | data[offset + 11]) >>> 0;
  const flags = ((data[offset + 12] & 0x01) << 8) | data[offset + 13];
  const window = (data[offset + 14] << 8) | data[offset + 15];
  const payload = data.subarray(payloadStart, end);
  const payloadLength = segmentLength - headerLength;
  if (spare === undefined) {
    pkt.tcp = { srcPort, dstPort, seq, ack, flags, window, headerLength, options, payload, payloadLength };
    return;
  }
  const tcp = spare.tcp;
  tcp.srcPort = srcPort;
  tcp.dstPort = dstPort;
  tcp.seq = seq;
  tcp.ack = ack;
  tcp.flags = flags;
  tcp.window = window;
  tcp.headerLength = headerLength;
  tcp.options = options;
  tcp.payload = payload;
  tcp.payloadLength = payloadLength;
  pkt.tcp = tcp;
}

/**
 * Walks the options in [start, headerEnd) into `options` (all unset); only [start, availEnd) was captured.
 * Overrunning headerEnd is malformed; overrunning only availEnd is the snaplen
 * cut already recorded by the caller.
 */
function decodeOptions(data: Buffer, start: number, headerEnd: number, availEnd: number, pkt: DecodedPacket, options: TcpOptions): void {
  let o = start;
  while (o < availEnd) {
    const kind = data[o];
    if (kind === TCPOPT_EOL) break;
    if (kind === TCPOPT_NOP) {
      o++;
      continue;
    }
    if (o + 1 >= headerEnd) {
      pkt.problems.push({ layer: 'tcp', offset: o, reason: 'bad option length' });
      break;
    }
    if (o + 1 >= availEnd) break;
    const length = data[o + 1];
    if (length < 2 || o + length > headerEnd) {
      pkt.problems.push({ layer: 'tcp', offset: o, reason: 'bad option length' });
      break;
    }
    if (o + length > availEnd) break;
    let expected = length;
    switch (kind) {
      case TCPOPT_MSS:
        expected = 4;
        if (length === 4) options.mss = (data[o + 2] << 8) | data[o + 3];
        break;
      case TCPOPT_WINDOW_SCALE:
        expected = 3;
        if (length === 3) options.windowScale = data[o + 2];
        break;
      case TCPOPT_SACK_PERMITTED:
        expected = 2;
        if (length === 2) options.sackPermitted = true;
        break;
      case TCPOPT_TIMESTAMP:
        expected = 10;
        if (length === 10) {
          options.tsVal = ((data[o + 2] << 24) | (data[o + 3] << 16) | (data[o + 4] << 8) | data[o + 5]) >>> 0;
          options.tsEcr = ((data[o + 6] << 24) | (data[o + 7] << 16) | (data[o + 8] << 8) | data[o + 9]) >>> 0;
        }
        break;
      default:
        break; // SACK blocks and the rest: skipped by length
    }
    if (length !== expected) pkt.problems.push({ layer: 'tcp', offset: o, reason: 'bad option length' });
    o += length;
  }
}
