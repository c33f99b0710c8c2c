/**
 * Handshake-message layer: the handshake-content bytes of one sender (and, for
 * QUIC, one encryption level) in stream order -> handshake messages
 * (RFC 8446 4: msg_type(1) length(3) body), reassembled across feeds.
 *
 * Any byte source feeds it: the bodies of TLS handshake records (TCP), QUIC
 * CRYPTO frames in offset order (one reader per side and encryption level),
 * decrypted TLS 1.3 handshake records. Each feed carries the stamp of the frame
 * that delivered its bytes (a message's `first`) and the stamp where a message
 * completed in it is shown (`last`: for TLS records the frame that completed
 * the record, as Wireshark shows it; for QUIC the same frame).
 *
 * Never allocates by a claimed length: a message body is kept as copies of the
 * bytes actually seen, up to `maxMessage`; beyond that the message is only
 * counted (body null) and a problem is recorded as soon as the bytes seen
 * cross the bound (a message announced as 16 MB holds only what arrived).
 */
import type { Stamp } from '../base/stamp.js';
import { handshakeMessageType } from './names.js';

/** Largest handshake message buffered to parse; longer ones are counted only. */
export const MAX_MESSAGE = 256 * 1024;

/**
 * Bytes that all handshake readers sharing it may hold at once for
 * reassembly. Past it a message is counted only, as one over MAX_MESSAGE:
 * 20,000 connections each sending 256 KiB of an announced 16 MB message hold
 * at most `limit` bytes, not 5 GB.
 */
export class ByteBudget {
  used = 0;
  constructor(readonly limit: number) {}
  take(n: number): boolean {
    if (this.used + n > this.limit) return false;
    this.used += n;
    return true;
  }
  give(n: number): void {
    this.used = Math.max(0, this.used - n);
  }
}

/** The budget handshake readers share unless given another (256 MiB). */
export const HANDSHAKE_BUDGET = new ByteBudget(256 * 1024 * 1024);

export interface HandshakeMessage {
  /** msg_type. */
  type: number;
  /** Body length (without the 4-byte header). */
  length: number;
  /** The body, or null when longer than the bound. A view valid during the callback only. */
  body: Buffer | null;
  /** Frame that delivered the header's first byte. */
  first: Stamp;
  /** Frame where the message is shown complete. */
  last: Stamp;
}

export interface HandshakeSink {
  message(m: HandshakeMessage): void;
  problem(text: string): void;
}

/** The chunks of a message whose body has not begun yet (shared, never pushed to). */
const NO_CHUNKS: Buffer[] = [];
Object.freeze(NO_CHUNKS);

export class HandshakeReader {
  /** Sync lost (bytes missing inside the message stream): input ignored until reset(). */
  broken = false;
  /** Messages delivered. */
  messages = 0;

  /** Header bytes read so far (type, then the length's bytes accumulate in `len`): numbers, not a Buffer per reader. */
  private hdrHave = 0;
  private first: Stamp | null = null;
  private inMsg = false;
  private type = 0;
  private len = 0;
  private have = 0;
  /** Copies of the body seen so far, or null when the message is over the bound. */
  private chunks: Buffer[] | null = null;
  /** Bytes of `chunks`, taken from the budget. */
  private held = 0;

  constructor(
    private readonly sink: HandshakeSink,
    readonly maxMessage = MAX_MESSAGE,
    private readonly budget: ByteBudget = HANDSHAKE_BUDGET,
  ) {}

  /** A message (or its header) is partly read. */
  get partial(): boolean {
    return this.inMsg || this.hdrHave > 0;
  }

  /** Bytes currently held for reassembly. */
  get retained(): number {
    let n = this.hdrHave;
    if (this.chunks) for (const c of this.chunks) n += c.length;
    return n;
  }

  /**
   * Handshake bytes in stream order. `first` is the frame that delivered them;
   * messages completed by them are reported at `last` (default `first`).
   */
  feed(data: Buffer, first: Stamp, last: Stamp = first): void {
    let p = 0;
    const n = data.length;
    while (p < n && !this.broken) {
      if (!this.inMsg) {
        if (this.hdrHave === 0) this.first = first;
        if (this.hdrHave === 0 && n - p >= 4) {
          this.type = data[p];
          this.len = (data[p + 1] << 16) | (data[p + 2] << 8) | data[p + 3];
          p += 4;
        } else {
          while (this.hdrHave < 4 && p < n) {
            const b = data[p++];
            if (this.hdrHave === 0) {
              this.type = b;
              this.len = 0;
            } else this.len = (this.len << 8) | b;
            this.hdrHave++;
          }
          if (this.hdrHave < 4) return;
        }
        this.hdrHave = 0;
        this.have = 0;
        if (n - p >= this.len) {
          // Whole body in this view: no copy.
          const body = data.subarray(p, p + this.len);
          p += this.len;
          this.deliver(body, last);
          continue;
        }
        this.inMsg = true;
        this.chunks = NO_CHUNKS;
        continue;
      }
      const k = Math.min(this.len - this.have, n - p);
      if (this.chunks !== null) {
        if (this.have + k > this.maxMessage) {
          this.sink.problem(
            `${handshakeMessageType(this.type)} of ${this.len} bytes not parsed (over ${this.maxMessage})`,
          );
          this.release();
        } else if (!this.budget.take(k)) {
          this.sink.problem(
            `${handshakeMessageType(this.type)} of ${this.len} bytes not parsed (handshake buffers of all connections over ${this.budget.limit} bytes)`,
          );
          this.release();
        } else {
          this.held += k;
          const copy = Buffer.from(data.subarray(p, p + k));
          // A literal for the first: push() on an empty array makes room for 17.
          if (this.chunks === NO_CHUNKS) this.chunks = [copy];
          else this.chunks.push(copy);
        }
      }
      this.have += k;
      p += k;
      if (this.have === this.len) {
        const chunks = this.chunks;
        this.inMsg = false;
        this.release();
        this.deliver(chunks === null ? null : chunks.length === 1 ? chunks[0] : Buffer.concat(chunks), last);
      }
    }
  }

  /** Bytes of the stream were lost: input is ignored until reset(). */
  lose(): void {
    this.drop();
    this.broken = true;
  }

  /** A fresh start at a message boundary (new keys, new stream): drops any partial message. */
  reset(): void {
    this.drop();
    this.broken = false;
  }

  /** Gives the held bytes back to the budget and forgets them. */
  private release(): void {
    this.budget.give(this.held);
    this.held = 0;
    this.chunks = null;
  }

  private drop(): void {
    this.inMsg = false;
    this.release();
    this.hdrHave = 0;
    this.have = 0;
  }

  private deliver(body: Buffer | null, last: Stamp): void {
    this.messages++;
    this.sink.message({ type: this.type, length: this.len, body, first: this.first as Stamp, last });
  }
}
