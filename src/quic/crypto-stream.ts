/**
 * The CRYPTO stream of one direction in the Initial packet number space,
 * reassembled by offset across packets and datagrams (a post-quantum
 * ClientHello spans several). Bytes beyond `cap` are dropped with a problem;
 * the buffer grows by doubling up to the cap, never by a length read from the
 * wire. Complete handshake messages (4-byte header: type, uint24 length) are
 * handed out in stream order with the stamps of their first and last bytes.
 */
import type { Stamp } from '../base/stamp.js';

export const DEFAULT_CRYPTO_CAP = 64 * 1024;
/** Chunks remembered to find which datagram supplied a message's first byte. */
const MAX_CHUNKS = 256;

export interface HandshakeMessage {
  type: number;
  /** Body, after the 4-byte header: a view into the stream buffer, valid until the next add(). */
  body: Buffer;
  /** Message bytes, header included. */
  bytes: number;
  first: Stamp;
  last: Stamp;
}

export class CryptoStream {
  private buf: Buffer = Buffer.alloc(0);
  /** Received ranges [start, end), sorted, merged. */
  private ranges: [number, number][] = [];
  private chunks: { start: number; end: number; stamp: Stamp }[] = [];
  /** Bytes from 0 received without a hole. */
  private contiguous = 0;
  /** Start of the next message not yet handed out. */
  private parsed = 0;
  problem: string | undefined;

  constructor(private readonly cap = DEFAULT_CRYPTO_CAP) {}

  /** Adds CRYPTO data at `offset`; returns the messages it completed. */
  add(offset: number, data: Buffer, stamp: Stamp): HandshakeMessage[] {
    let end = offset + data.length;
    if (end > this.cap) {
      this.problem = `CRYPTO data beyond ${this.cap} bytes dropped`;
      end = this.cap;
    }
    if (end <= offset) return [];
    if (end > this.buf.length) {
      let size = Math.max(this.buf.length, 2048);
      while (size < end) size *= 2;
      const grown = Buffer.alloc(Math.min(size, this.cap));
      this.buf.copy(grown);
      this.buf = grown;
    }
    data.copy(this.buf, offset, 0, end - offset);
    this.addRange(offset, end);
    if (this.chunks.length < MAX_CHUNKS) this.chunks.push({ start: offset, end, stamp });
    return this.messages(stamp);
  }

  private addRange(start: number, end: number): void {
    const rs = this.ranges;
    rs.push([start, end]);
    rs.sort((a, b) => a[0] - b[0]);
    const merged: [number, number][] = [];
    for (const r of rs) {
      const last = merged[merged.length - 1];
      if (last !== undefined && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
      else merged.push([r[0], r[1]]);
    }
    this.ranges = merged;
    this.contiguous = merged[0][0] === 0 ? merged[0][1] : 0;
  }

  private messages(stamp: Stamp): HandshakeMessage[] {
    const out: HandshakeMessage[] = [];
    while (this.parsed + 4 <= this.contiguous) {
      const at = this.parsed;
      const length = this.buf.readUIntBE(at + 1, 3);
      const end = at + 4 + length;
      if (end > this.contiguous) {
        if (end > this.cap) this.problem = `handshake message of ${length} bytes beyond the ${this.cap}-byte cap`;
        break;
      }
      out.push({ type: this.buf[at], body: this.buf.subarray(at + 4, end), bytes: 4 + length, first: this.firstStamp(at, stamp), last: stamp });
      this.parsed = end;
    }
    return out;
  }

  /** Stamp of the earliest chunk that supplied byte `at`. */
  private firstStamp(at: number, fallback: Stamp): Stamp {
    for (const c of this.chunks) if (c.start <= at && at < c.end) return c.stamp;
    return fallback;
  }

  /** Releases the buffer (the handshake messages we need are read). */
  release(): void {
    this.buf = Buffer.alloc(0);
    this.ranges = [];
    this.chunks = [];
    this.contiguous = 0;
  }
}
