/**
 * Requests per connection without plaintext, estimated from data bursts: a
 * burst is a maximal run of payload segments sent by one side (the other
 * side's payload ends it; pure ACKs do not). A client burst that follows a
 * server burst (the server has answered) starts a new request; the first
 * server burst after it is its response. Labelled estimated everywhere.
 *
 * Feed it cheaply from the TCP stage with BurstBuilder (one call per
 * delivered in-order payload chunk), or build the bursts yourself and call
 * estimateRequests.
 */
import { epoch, type Side, type Stamp } from '../base/stamp.js';
import { appendTight } from '../base/lists.js';

export interface Burst {
  side: Side;
  firstFrame: number;
  /** Epoch seconds of the first frame. */
  firstTime: number;
  lastFrame: number;
  lastTime: number;
  /** Payload bytes (application data bytes when fed from TLS records). */
  bytes: number;
}

export interface EstimatedRequest {
  estimated: true;
  requestFrame: number;
  requestTime: number;
  /** Last frame of the client's burst(s) before the answer, and its time. */
  requestEndFrame: number;
  requestEndTime: number;
  responseFrame: number | null;
  responseTime: number | null;
  /** Last frame of the server's burst(s) answering it, and its time. */
  responseEndFrame: number | null;
  responseEndTime: number | null;
  requestBytes: number;
  responseBytes: number;
}

export interface RequestEstimate {
  requests: EstimatedRequest[];
  /** Requests counted (kept or not). */
  count: number;
  overflow: number;
  /** Server bursts before any client burst (a banner, TLS 1.3 session tickets sent before the first request). */
  unsolicitedServerBursts: number;
}

/** Streaming form of estimateRequests: bursts in capture order. */
export class RequestEstimator {
  /** Appended with appendTight() (one open connection has one or two). */
  private list: EstimatedRequest[] = [];
  private cur: EstimatedRequest | null = null;
  private answered = false;
  private count = 0;
  private overflow = 0;
  private unsolicited = 0;

  constructor(private readonly maxRequests = 1000) {}

  burst(b: Burst): void {
    if (b.side === 'client') {
      if (this.cur === null || this.answered) {
        this.count++;
        this.answered = false;
        const r: EstimatedRequest = {
          estimated: true,
          requestFrame: b.firstFrame,
          requestTime: b.firstTime,
          requestEndFrame: b.lastFrame,
          requestEndTime: b.lastTime,
          responseFrame: null,
          responseTime: null,
          responseEndFrame: null,
          responseEndTime: null,
          requestBytes: 0,
          responseBytes: 0,
        };
        if (this.list.length >= this.maxRequests) this.overflow++;
        else this.list = appendTight(this.list, r);
        this.cur = r;
      }
      this.cur.requestEndFrame = b.lastFrame;
      this.cur.requestEndTime = b.lastTime;
      this.cur.requestBytes += b.bytes;
      return;
    }
    if (this.cur === null) {
      this.unsolicited++;
      return;
    }
    if (!this.answered) {
      this.answered = true;
      this.cur.responseFrame = b.firstFrame;
      this.cur.responseTime = b.firstTime;
    }
    this.cur.responseEndFrame = b.lastFrame;
    this.cur.responseEndTime = b.lastTime;
    this.cur.responseBytes += b.bytes;
  }

  result(): RequestEstimate {
    return { requests: this.list, count: this.count, overflow: this.overflow, unsolicitedServerBursts: this.unsolicited };
  }
}

export function estimateRequests(bursts: Iterable<Burst>, maxRequests = 1000): RequestEstimate {
  const e = new RequestEstimator(maxRequests);
  for (const b of bursts) e.burst(b);
  return e.result();
}

/**
 * Builds bursts from payload as it is delivered (in capture order across
 * both sides) and hands each finished burst on: O(1) per call, one open burst
 * held. Call flush() at the end of the connection.
 */
export class BurstBuilder {
  /**
   * The open burst, its first and last frames as their stamps (the Burst's
   * frame and time fields are made when it is handed on: no boxed times while
   * it is open).
   */
  private open: OpenBurst | null = null;

  /** Where finished bursts go (a RequestEstimator: no closure per connection). */
  constructor(private readonly sink: { burst(b: Burst): void }) {}

  private emit(o: OpenBurst): void {
    const b: Burst = {
      side: o.side,
      firstFrame: o.first.frame,
      firstTime: epoch(o.first),
      lastFrame: o.last.frame,
      lastTime: epoch(o.last),
      bytes: o.bytes,
    };
    this.sink.burst(b);
  }

  payload(side: Side, bytes: number, stamp: Stamp): void {
    if (bytes <= 0) return;
    const o = this.open;
    if (o !== null && o.side === side) {
      o.last = stamp;
      o.bytes += bytes;
      return;
    }
    if (o !== null) this.emit(o);
    this.open = { side, first: stamp, last: stamp, bytes };
  }

  flush(): void {
    if (this.open !== null) this.emit(this.open);
    this.open = null;
  }
}

/** BurstBuilder's open burst. */
interface OpenBurst {
  side: Side;
  first: Stamp;
  last: Stamp;
  bytes: number;
}

/** Length of a TLS 1.3 record holding only an encrypted alert (2 bytes + inner type + 16-byte AEAD tag, no padding). */
export const TLS13_ALERT_RECORD_LENGTH = 19;

/**
 * Key-less feed for a TLS connection: only application data makes bursts.
 * Call record() for every TLS record of the connection in capture order with
 * its outer content type, its length (the record header's, without the 5-byte
 * header) and the stamp of the frame that completed it.
 *
 * - TLS 1.2 and earlier: every content-type-23 record is application data.
 * - TLS 1.3: everything after the ServerHello has outer type 23. The server's
 *   type-23 records before the client's Finished are its encrypted handshake
 *   flight. The client's flight (Finished; with a client certificate also
 *   Certificate and CertificateVerify before it; with 0-RTT EndOfEarlyData) is
 *   the client's first type-23 records after the server has spoken, written at
 *   once: in the frame of the first of them, records up to and including the
 *   first of a Finished's size (53 or 69 bytes: 4-byte header, 32- or 48-byte
 *   verify_data, inner type, 16-byte tag) are skipped — only the first if none
 *   has that size (a padded Finished; what follows it in the frame is data,
 *   known when the frame ends: call flush() at the end of the connection).
 *   Client records before the server spoke are 0-RTT early data.
 *   Records of exactly 19 bytes are taken for encrypted alerts (close_notify)
 *   and skipped. Server NewSessionTicket records cannot be told from data
 *   without keys: they join the server's next burst (or, before any request,
 *   are counted as unsolicited).
 */
export class TlsRecordBursts {
  private serverSpoke = false;
  /** null: the client's flight not begun; a frame number: in that frame; true: done. */
  private flight: number | null | true = null;
  /**
   * Client records in the flight frame after its first, while no record of a
   * Finished's size has come: data if the frame ends without one (its first
   * record was the Finished), the rest of the flight if one comes. One frame's
   * records go to one burst, so their sum is all that is kept.
   */
  private held: { bytes: number; stamp: Stamp } | null = null;

  constructor(
    private readonly builder: BurstBuilder,
    private readonly tls13: boolean,
  ) {}

  record(side: Side, contentType: number, length: number, stamp: Stamp): void {
    const flight = this.flight;
    if (typeof flight === 'number' && (side !== 'client' || stamp.frame !== flight)) this.endFlight();
    if (side === 'server') this.serverSpoke = true;
    if (contentType !== 23) return;
    if (this.tls13) {
      if (side === 'client' && this.serverSpoke && this.flight !== true) {
        const finished = length === 53 || length === 69;
        if (this.flight === null) this.flight = finished ? true : stamp.frame; // the first: skipped
        else if (finished) {
          this.flight = true; // the records held were the flight before its Finished
          this.held = null;
        } else if (length !== TLS13_ALERT_RECORD_LENGTH) {
          this.held = { bytes: (this.held?.bytes ?? 0) + length, stamp };
        }
        return;
      }
      if (side === 'server' && this.flight === null) return;
      if (length === TLS13_ALERT_RECORD_LENGTH) return;
    }
    this.builder.payload(side, length, stamp);
  }

  /** At the end of the connection: the flight frame ends, then the open burst. */
  flush(): void {
    if (typeof this.flight === 'number') this.endFlight();
    this.builder.flush();
  }

  /** The flight frame ended without a record of a Finished's size: its first was the Finished, the rest data. */
  private endFlight(): void {
    this.flight = true;
    const h = this.held;
    this.held = null;
    if (h !== null) this.builder.payload('client', h.bytes, h.stamp);
  }
}
