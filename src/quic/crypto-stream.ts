/**
 * The CRYPTO stream of one direction in one packet number space, reassembled
 * by offset across packets and datagrams (a post-quantum ClientHello spans
 * several). Bytes beyond `cap` are dropped with a problem; the buffer grows by
 * doubling up to the cap, never by a length read from the wire. The bytes are
 * handed on in stream order as soon as they are contiguous from offset 0,
 * each piece with the stamp of the datagram that first supplied it: reading
 * handshake messages out of them is the consumer's business (src/timeline
 * drives src/tls's HandshakeReader with them).
 */
import type { Stamp } from '../base/stamp.js';

export const DEFAULT_CRYPTO_CAP = 64 * 1024;
/** Chunks remembered to find which datagram supplied a byte first. */
const MAX_CHUNKS = 256;

/** Bytes in stream order: a view into the stream buffer, valid during the call only. */
export type CryptoDeliver = (bytes: Buffer, first: Stamp) => void;

export class CryptoStream {
  private buf: Buffer = Buffer.alloc(0);
  /** Received ranges [start, end), sorted, merged. */
  private ranges: [number, number][] = [];
  private chunks: { start: number; end: number; stamp: Stamp }[] = [];
  /** Bytes from 0 received without a hole. */
  private contiguous = 0;
  /** Bytes handed on. */
  private delivered = 0;
  problem: string | undefined;

  constructor(private readonly cap = DEFAULT_CRYPTO_CAP) {}

  /** Adds CRYPTO data at `offset`; the bytes it makes contiguous go to `deliver`, in order. */
  add(offset: number, data: Buffer, stamp: Stamp, deliver: CryptoDeliver): void {
    let end = offset + data.length;
    if (end > this.cap) {
      this.problem = `CRYPTO data beyond ${this.cap} bytes dropped`;
      end = this.cap;
    }
    if (end <= offset || end <= this.delivered) return;
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
    while (this.delivered < this.contiguous) {
      const at = this.delivered;
      const c = this.chunks.find((k) => k.start <= at && at < k.end);
      const upTo = Math.min(c?.end ?? this.contiguous, this.contiguous);
      this.delivered = upTo;
      deliver(this.buf.subarray(at, upTo), c?.stamp ?? stamp);
    }
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

  /** Releases the buffer (the consumer has what it needs). */
  release(): void {
    this.buf = Buffer.alloc(0);
    this.ranges = [];
    this.chunks = [];
    this.contiguous = 0;
  }
}
