/**
 * One direction of a TCP byte stream, put back in sequence order.
 *
 * Sequence arithmetic is modulo 2^32: the distance between two sequence
 * numbers is their difference as a signed 32-bit integer, so wrap-around is
 * handled for free. In-order payload is delivered as a view (no copy); only
 * segments that arrive ahead of a hole are copied, and their total is bounded.
 */
import type { Stamp } from '../base/stamp.js';

export type SegmentKind = 'in-order' | 'retransmission' | 'overlap' | 'out-of-order' | 'empty';

export interface StreamSink {
  /** In-order bytes. `segmentStart` is true when the chunk begins where a segment began. */
  data(chunk: Buffer, stamp: Stamp, segmentStart: boolean): void;
  /** `lost` bytes will never come (hole given up on, or cut by the snaplen). */
  gap(lost: number): void;
}

interface Pending {
  seq: number;
  data: Buffer;
  /** Length the IP header claimed (more than data.length when cut by the snaplen). */
  claimed: number;
  stamp: Stamp;
}

/** Default bound on bytes held ahead of a hole, per direction. */
export const DEFAULT_MAX_PENDING = 1 << 20;

export class StreamReassembler {
  /** Next expected sequence number (uint32); undefined until the first segment or SYN. */
  private next: number | undefined;
  private pending: Pending[] = [];
  private pendingBytes = 0;
  /** When false, sequence tracking continues (for counting) but nothing is buffered or delivered. */
  delivering = true;
  missingBytes = 0;

  constructor(
    private readonly sink: StreamSink,
    /** Bytes held ahead of a hole before the hole is given up on (may be lowered later). */
    public maxPending = DEFAULT_MAX_PENDING,
  ) {}

  /** The SYN of this direction: data starts at isn + 1. */
  syn(isn: number): void {
    if (this.next === undefined) this.next = (isn + 1) >>> 0;
  }

  /**
   * A segment's payload. `claimedLength` is the payload length the IP header
   * claims; when the frame was cut by the snaplen it exceeds payload.length.
   */
  segment(seq: number, payload: Buffer, claimedLength: number, stamp: Stamp): SegmentKind {
    if (claimedLength === 0) return 'empty';
    if (this.next === undefined) this.next = seq;
    const diff = (seq - this.next) | 0;
    const end = diff + claimedLength;
    if (diff > 0) {
      if (this.delivering) this.hold(seq, payload, claimedLength, stamp);
      else this.next = (seq + claimedLength) >>> 0; // not delivering: just follow the stream
      return 'out-of-order';
    }
    if (end <= 0) return 'retransmission';
    // diff <= 0 < end: new bytes from offset -diff of this segment.
    this.advance(payload, claimedLength, -diff, stamp, diff === 0);
    if (this.pending.length > 0) this.drain(stamp);
    return diff === 0 ? 'in-order' : 'overlap';
  }

  /** Give up on the first hole: skip to the first held segment (connection end, idle, or too much held). */
  flush(): void {
    while (this.pending.length > 0 && this.next !== undefined) {
      const first = this.pending[0]!;
      const lost = (first.seq - this.next) | 0;
      if (lost > 0) {
        this.missingBytes += lost;
        if (this.delivering) this.sink.gap(lost);
        this.next = first.seq;
      }
      this.drain(first.stamp);
    }
  }

  /** Stop delivering and free what is held. Sequence tracking goes on. */
  stop(): void {
    this.delivering = false;
    this.pending = [];
    this.pendingBytes = 0;
  }

  get held(): number {
    return this.pendingBytes;
  }

  /** Deliver bytes [from, claimed) of a segment starting at `next` - from. */
  private advance(payload: Buffer, claimed: number, from: number, stamp: Stamp, segmentStart: boolean): void {
    const have = payload.length;
    if (this.delivering && from < have) {
      this.sink.data(from === 0 ? payload : payload.subarray(from), stamp, segmentStart);
    }
    const cut = claimed - Math.max(have, from);
    if (cut > 0) {
      this.missingBytes += cut;
      if (this.delivering) this.sink.gap(cut);
    }
    this.next = (this.next! + (claimed - from)) >>> 0;
  }

  private hold(seq: number, payload: Buffer, claimed: number, stamp: Stamp): void {
    if (this.pendingBytes + payload.length > this.maxPending) {
      this.flush();
      // The hole is given up on; this segment may now be in order or still ahead.
      const diff = (seq - this.next!) | 0;
      if (diff <= 0) {
        if (diff + claimed > 0) this.advance(payload, claimed, -diff, stamp, diff === 0);
        return;
      }
    }
    const entry: Pending = { seq, data: Buffer.from(payload), claimed, stamp };
    // Keep pending sorted by distance from `next` (few entries: insertion is fine).
    const d = (seq - this.next!) | 0;
    let i = this.pending.length;
    while (i > 0 && ((this.pending[i - 1]!.seq - this.next!) | 0) > d) i--;
    this.pending.splice(i, 0, entry);
    this.pendingBytes += payload.length;
  }

  /** Deliver held segments that are now in order, tagged with the frame that completed them. */
  private drain(stamp: Stamp): void {
    while (this.pending.length > 0) {
      const p = this.pending[0]!;
      const diff = (p.seq - this.next!) | 0;
      if (diff > 0) break;
      this.pending.shift();
      this.pendingBytes -= p.data.length;
      if (diff + p.claimed <= 0) continue; // entirely delivered already
      this.advance(p.data, p.claimed, -diff, stamp, diff === 0);
    }
  }
}
