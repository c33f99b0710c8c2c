/**
 * Frames of a decrypted Initial packet (RFC 9000 §19; §12.4: Initial packets
 * carry only PADDING, PING, ACK, CRYPTO and CONNECTION_CLOSE of type 0x1c).
 * The walk yields the CRYPTO frames and a CONNECTION_CLOSE; other frame types
 * are skipped by their encoding when we know it, else the walk stops with a
 * problem (the bytes after an unknown type cannot be delimited).
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
  problem?: string;
}

export function parseFrames(b: Buffer): InitialFrames {
  const out: InitialFrames = { crypto: [], ackOnly: true };
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
        case 0x07: // NEW_TOKEN (not allowed in Initial, but delimitable)
          skip(varint());
          out.ackOnly = false;
          break;
        case 0x1e: // HANDSHAKE_DONE
          out.ackOnly = false;
          break;
        default:
          out.problem = `unexpected frame type 0x${type.toString(16)} in an Initial packet`;
          return out;
      }
    }
  } catch {
    out.problem = 'truncated frame in an Initial packet';
  }
  return out;
}
