/**
 * Frames of a decrypted packet (RFC 9000 §19; §12.4: Initial and Handshake
 * packets carry only PADDING, PING, ACK, CRYPTO and CONNECTION_CLOSE of type
 * 0x1c; 1-RTT packets any type). The walk yields the CRYPTO frames, a
 * CONNECTION_CLOSE and whether a HANDSHAKE_DONE (0x1e) was there; every frame
 * type of RFC 9000 and DATAGRAM (RFC 9221) is skipped by its encoding, any
 * other stops the walk with a problem (the bytes after an unknown type cannot
 * be delimited). Lengths read from the wire only move the cursor, checked
 * against the packet's end.
 */
import { readVarint } from './varint.js';

export interface CryptoFrame {
  offset: number;
  data: Buffer;
}

export interface CloseFrame {
  /** 0x1c transport error, 0x1d application error. */
  frameType: number;
  errorCode: number;
  reason: string;
}

export interface InitialFrames {
  crypto: CryptoFrame[];
  close?: CloseFrame;
  /** Only PADDING/PING/ACK: nothing for the handshake. */
  ackOnly: boolean;
  /** A HANDSHAKE_DONE frame (0x1e) was in the packet. */
  handshakeDone: boolean;
  problem?: string;
}

/**
 * A STREAM frame's header (RFC 9000 §19.8): stream id, offset of its data,
 * data length (the rest of the packet without the LEN bit) and FIN. The data
 * itself is not looked at.
 */
export type StreamFrameSink = (streamId: number, offset: number, length: number, fin: boolean) => void;

/**
 * `level` names the packet in problems ('an Initial', 'a Handshake', 'a 1-RTT').
 * `onStream`, when given, is told each STREAM frame's header.
 */
export function parseFrames(b: Buffer, level = 'an Initial', onStream?: StreamFrameSink): InitialFrames {
  const out: InitialFrames = { crypto: [], ackOnly: true, handshakeDone: false };
  const c = { off: 0 };
  const end = b.length;
  const varint = (): number => {
    const v = readVarint(b, c, end);
    if (v < 0) throw new RangeError('truncated frame');
    return v;
  };
  const skip = (n: number): void => {
    if (c.off + n > end) throw new RangeError('truncated frame');
    c.off += n;
  };
  try {
    while (c.off < end) {
      const type = varint();
      switch (type) {
        case 0x00: // PADDING
        case 0x01: // PING
          break;
        case 0x02:
        case 0x03: {
          // ACK: largest, delay, range count, first range, ranges, [ECN counts]
          varint();
          varint();
          const ranges = varint();
          varint();
          for (let i = 0; i < ranges; i++) {
            varint();
            varint();
          }
          if (type === 0x03) {
            varint();
            varint();
            varint();
          }
          break;
        }
        case 0x06: {
          const offset = varint();
          const length = varint();
          const start = c.off;
          skip(length);
          out.crypto.push({ offset, data: b.subarray(start, start + length) });
          out.ackOnly = false;
          break;
        }
        case 0x1c:
        case 0x1d: {
          const errorCode = varint();
          if (type === 0x1c) varint(); // frame type that caused it
          const reasonLength = varint();
          const start = c.off;
          skip(reasonLength);
          out.close = { frameType: type, errorCode, reason: b.toString('utf8', start, start + reasonLength) };
          out.ackOnly = false;
          break;
        }
        case 0x07: // NEW_TOKEN
          skip(varint());
          out.ackOnly = false;
          break;
        case 0x1e: // HANDSHAKE_DONE
          out.handshakeDone = true;
          out.ackOnly = false;
          break;
        case 0x04: // RESET_STREAM: stream, error, final size
          varint();
          varint();
          varint();
          out.ackOnly = false;
          break;
        case 0x05: // STOP_SENDING: stream, error
        case 0x11: // MAX_STREAM_DATA: stream, maximum
        case 0x15: // STREAM_DATA_BLOCKED: stream, limit
          varint();
          varint();
          out.ackOnly = false;
          break;
        case 0x10: // MAX_DATA
        case 0x12: // MAX_STREAMS (bidi)
        case 0x13: // MAX_STREAMS (uni)
        case 0x14: // DATA_BLOCKED
        case 0x16: // STREAMS_BLOCKED (bidi)
        case 0x17: // STREAMS_BLOCKED (uni)
        case 0x19: // RETIRE_CONNECTION_ID
          varint();
          out.ackOnly = false;
          break;
        case 0x18: {
          // NEW_CONNECTION_ID: sequence, retire prior to, length (1 byte), CID, 16-byte reset token
          varint();
          varint();
          skip(1);
          skip(b[c.off - 1] + 16);
          out.ackOnly = false;
          break;
        }
        case 0x1a: // PATH_CHALLENGE
        case 0x1b: // PATH_RESPONSE
          skip(8);
          out.ackOnly = false;
          break;
        case 0x30: // DATAGRAM without length: to the end of the packet
          c.off = end;
          out.ackOnly = false;
          break;
        case 0x31: // DATAGRAM with length
          skip(varint());
          out.ackOnly = false;
          break;
        default:
          if (type >= 0x08 && type <= 0x0f) {
            // STREAM: stream id, [offset if 0x04], [length if 0x02, else to the end], data
            const id = varint();
            const offset = (type & 0x04) !== 0 ? varint() : 0;
            let length: number;
            if ((type & 0x02) !== 0) {
              length = varint();
              skip(length);
            } else {
              length = end - c.off;
              c.off = end;
            }
            onStream?.(id, offset, length, (type & 0x01) !== 0);
            out.ackOnly = false;
            break;
          }
          out.problem = `unexpected frame type 0x${type.toString(16)} in ${level} packet`;
          return out;
      }
    }
  } catch {
    out.problem = `truncated frame in ${level} packet`;
  }
  return out;
}
