/**
 * One direction of a TCP byte stream, put back in sequence order.
 *
 * Sequence arithmetic is modulo 2^32: the distance between two sequence
 * numbers is their difference as a signed 32-bit integer, so wrap-around is
 * handled for free. In-order payload is delivered as a view (no copy); only
 * segments that arrive ahead of a hole are copied, and their total is bounded
 * per direction (`maxPending`) and across all directions (a shared
 * `HeldBudget`).
 *
 * Segments held ahead of a hole live in a binary min-heap ordered by their
 * offset in the stream (a non-wrapping count of bytes since the stream's
 * start), so holding and draining cost O(log n) per segment whatever the
 * arrival order (ascending arrival costs O(1) to hold).
 *
 * Frames: a byte delivered in order is stamped with its own frame. Bytes held
 * ahead of a hole are stamped, when they become deliverable, with the latest
 * frame among those that supplied the bytes delivered so far in that run: when
 * a late segment fills the hole, that is the filling frame (a message completes
 * in the frame that supplies its last missing byte, as Wireshark shows with
 * out-of-order reassembly); when the hole is given up, held segments that
 * arrived in order each keep their own frame.
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
  /** Offset in the stream (bytes since the stream's first expected byte; never wraps). */
  at: number;
  /** Arrival order, to keep equal offsets first come, first served. */
  order: number;
  data: Buffer;
  /** Length the IP header claimed (more than data.length when cut by the snaplen). */
  claimed: number;
  stamp: Stamp;
}

/** Default bound on memory held ahead of a hole, per direction. */
export const DEFAULT_MAX_PENDING = 1 << 20;

/** Default bound on memory held ahead of holes across all directions of all connections. */
export const DEFAULT_HELD_BUDGET = 64 << 20;

/**
 * Memory charged per held segment on top of its bytes (the entry, the Buffer
 * object and its heap slot: 177 bytes measured on Node 20 for 500,000 held
 * one-byte segments): segments cut by the snaplen to no bytes at all still
 * cost memory and count.
 */
export const HELD_SEGMENT_OVERHEAD = 176;

/**
 * Memory held ahead of holes, shared by every reassembler of an analysis. When
 * holding one more segment would pass `max`, the reassembler that has been
 * holding data the longest gives up its holes (its held data is delivered,
 * the missing bytes become gaps), oldest first, until the segment fits.
 */
export class HeldBudget {
  /** Bytes charged now (held bytes plus HELD_SEGMENT_OVERHEAD per held segment). */
  used = 0;
  peak = 0;
  /** Reassemblers that gave up their holes to stay within the budget. */
  evictions = 0;
  /** Holes given up, and bytes that never came in them, because of the budget. */
  holesGivenUp = 0;
  bytesGivenUp = 0;
  /**
   * Reassemblers holding data, in the order they began holding: an intrusive
   * list (O(1) append, removal and front; a Map used as a queue is not, V8
   * walks the deleted entries at its front).
   */
  private head: StreamReassembler | undefined;
  private tail: StreamReassembler | undefined;

  constructor(readonly max = DEFAULT_HELD_BUDGET) {}

  /** @internal */
  charge(r: StreamReassembler, cost: number, first: boolean): void {
    if (first && !r.holding) {
      r.holding = true;
      r.holderPrev = this.tail;
      r.holderNext = undefined;
      if (this.tail) this.tail.holderNext = r;
      else this.head = r;
      this.tail = r;
    }
    this.used += cost;
    if (this.used > this.peak) this.peak = this.used;
  }

  /** @internal */
  uncharge(r: StreamReassembler, cost: number, last: boolean): void {
    this.used -= cost;
    if (last) this.unlink(r);
  }

  private unlink(r: StreamReassembler): void {
    if (!r.holding) return;
    const p = r.holderPrev;
    const n = r.holderNext;
    if (p) p.holderNext = n;
    else this.head = n;
    if (n) n.holderPrev = p;
    else this.tail = p;
    r.holderPrev = r.holderNext = undefined;
    r.holding = false;
  }

  /** @internal Make room for `cost` more bytes by giving up the oldest holes. */
  makeRoom(cost: number): void {
    while (this.used + cost > this.max) {
      const r = this.head;
      if (r === undefined) return;
      this.unlink(r); // even if its flush were interrupted, never pick it again for this charge
      this.evictions++;
      const { holes, lost } = r.flush();
      this.holesGivenUp += holes;
      this.bytesGivenUp += lost;
    }
  }
}

/** The heap of every stream holding nothing (shared, never pushed to: push() replaces it first). */
const NO_HELD: Pending[] = [];
Object.freeze(NO_HELD);

export class StreamReassembler {
  /** Next expected sequence number (uint32); undefined until the first segment or SYN. */
  private next: number | undefined;
  /** Stream offset of `next` (the same position, without wrap-around). */
  private nextAt = 0;
  /** Min-heap of held segments by (at, order); the shared empty NO_HELD until something is held. */
  private heap: Pending[] = NO_HELD;
  private arrivals = 0;
  private pendingBytes = 0;
  /** Memory charged for what is held (bytes + per-segment overhead). */
  private pendingCost = 0;
  /** When false, sequence tracking continues (for counting) but nothing is buffered or delivered. */
  delivering = true;
  missingBytes = 0;
  /** @internal Links in the budget's list of holders. */
  holding = false;
  holderPrev: StreamReassembler | undefined = undefined;
  holderNext: StreamReassembler | undefined = undefined;

  constructor(
    private readonly sink: StreamSink,
    /** Memory held ahead of a hole before the hole is given up on (may be lowered later). */
    public maxPending = DEFAULT_MAX_PENDING,
    /** Shared bound across reassemblers (none: only the per-direction bound applies). */
    private readonly budget?: HeldBudget,
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
      else this.skipTo(diff + claimedLength); // not delivering: just follow the stream
      return 'out-of-order';
    }
    if (end <= 0) return 'retransmission';
    // diff <= 0 < end: new bytes from offset -diff of this segment.
    this.advance(payload, claimedLength, -diff, stamp, diff === 0);
    if (this.heap.length > 0) this.drain(stamp);
    return diff === 0 ? 'in-order' : 'overlap';
  }

  /**
   * Give up on every hole: skip to each held segment in turn and deliver what is
   * held (connection end, idle, or too much held). Returns the holes given up
   * and the bytes lost in them.
   */
  flush(): { holes: number; lost: number } {
    let holes = 0;
    let lost = 0;
    while (this.heap.length > 0 && this.next !== undefined) {
      const missing = this.heap[0]!.at - this.nextAt;
      if (missing > 0) {
        holes++;
        lost += missing;
        this.missingBytes += missing;
        if (this.delivering) this.sink.gap(missing);
        this.skipTo(missing);
      }
      this.drain(undefined);
    }
    return { holes, lost };
  }

  /** Stop delivering and free what is held. Sequence tracking goes on. */
  stop(): void {
    this.delivering = false;
    if (this.pendingCost > 0) this.budget?.uncharge(this, this.pendingCost, true);
    this.heap = NO_HELD;
    this.pendingBytes = 0;
    this.pendingCost = 0;
  }

  /** Payload bytes held ahead of a hole. */
  get held(): number {
    return this.pendingBytes;
  }

  /** Segments held ahead of a hole. */
  get heldSegments(): number {
    return this.heap.length;
  }

  private skipTo(n: number): void {
    this.next = (this.next! + n) >>> 0;
    this.nextAt += n;
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
    this.skipTo(claimed - from);
  }

  /** After holes were given up: deliver what of this segment is now in order; true when nothing is left to hold. */
  private settle(seq: number, payload: Buffer, claimed: number, stamp: Stamp): boolean {
    const diff = (seq - this.next!) | 0;
    if (diff > 0) return false;
    if (diff + claimed > 0) {
      this.advance(payload, claimed, -diff, stamp, diff === 0);
      if (this.heap.length > 0) this.drain(stamp);
    }
    return true;
  }

  private hold(seq: number, payload: Buffer, claimed: number, stamp: Stamp): void {
    const cost = payload.length + HELD_SEGMENT_OVERHEAD;
    if (this.heap.length > 0 && this.pendingCost + cost > this.maxPending) {
      this.flush();
      // The hole is given up on; this segment may now be in order or still ahead.
      if (this.settle(seq, payload, claimed, stamp)) return;
    }
    if (this.budget !== undefined && this.budget.used + cost > this.budget.max) {
      this.budget.makeRoom(cost); // may give up this stream's own holes
      if (this.settle(seq, payload, claimed, stamp)) return;
      if (!this.delivering) return; // a consumer stopped reading while held data was delivered
    }
    const entry: Pending = {
      at: this.nextAt + ((seq - this.next!) | 0),
      order: this.arrivals++,
      data: Buffer.from(payload),
      claimed,
      stamp,
    };
    this.push(entry);
    this.pendingBytes += payload.length;
    this.pendingCost += cost;
    this.budget?.charge(this, cost, this.heap.length === 1);
  }

  /**
   * Deliver held segments that are now in order. `fill` is the frame that made
   * them deliverable (undefined when a hole was given up): each segment is
   * stamped with the latest frame that supplied bytes to the run so far.
   */
  private drain(fill: Stamp | undefined): void {
    let latest = fill;
    while (this.heap.length > 0) {
      const p = this.heap[0]!;
      const diff = p.at - this.nextAt;
      if (diff > 0) break;
      this.pop();
      const cost = p.data.length + HELD_SEGMENT_OVERHEAD;
      this.pendingBytes -= p.data.length;
      this.pendingCost -= cost;
      this.budget?.uncharge(this, cost, this.heap.length === 0);
      if (diff + p.claimed <= 0) continue; // entirely delivered already
      if (latest === undefined || p.stamp.frame > latest.frame) latest = p.stamp;
      this.advance(p.data, p.claimed, -diff, latest, diff === 0);
    }
  }

  private push(e: Pending): void {
    if (this.heap === NO_HELD) this.heap = [];
    const h = this.heap;
    let i = h.length;
    h.push(e);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const q = h[parent]!;
      if (q.at < e.at || (q.at === e.at && q.order < e.order)) break;
      h[i] = q;
      i = parent;
    }
    h[i] = e;
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    const n = h.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      let cv = h[l]!;
      if (r < n) {
        const rv = h[r]!;
        if (rv.at < cv.at || (rv.at === cv.at && rv.order < cv.order)) {
          c = r;
          cv = rv;
        }
      }
      if (last.at < cv.at || (last.at === cv.at && last.order < cv.order)) break;
      h[i] = cv;
      i = c;
    }
    h[i] = last;
  }
}
