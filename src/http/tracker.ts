/**
 * Per-connection request tracker: fed the in-order plaintext of each side
 * (cleartext TCP payload, or TLS application data after decryption) with the
 * stamp of the frame that delivered it, it tells HTTP/1.x from HTTP/2 by the
 * client's first bytes and lists the requests. Pure (no I/O), bounded (see
 * RequestTrackerOptions), never throws on malformed input.
 */
import type { Side, Stamp } from '../base/stamp.js';
import { Http1Connection } from './conn1.js';
import { H2_PREFACE, Http2Connection } from './conn2.js';
import { isTokenByte, parseRequestLine } from './http1.js';
import { RequestLog } from './log.js';
import { DEFAULT_TRACKER_OPTIONS, type HttpRequest, type HttpSummary, type RequestTrackerOptions } from './types.js';

interface Held {
  bytes: Buffer;
  stamp: Stamp;
}

/** What the client's first bytes say: a protocol, 'none' (not HTTP), or null (need more bytes). */
export function detectProtocol(first: Buffer, maxLine: number): 'http/1' | 'h2' | 'none' | null {
  const n = Math.min(first.length, H2_PREFACE.length);
  if (first.subarray(0, n).equals(H2_PREFACE.subarray(0, n))) {
    if (first.length >= H2_PREFACE.length) return 'h2';
    // "PRI" is also a token: a short prefix of the preface is not yet decided.
    return null;
  }
  let i = 0;
  while (i < first.length && (first[i] === 13 || first[i] === 10)) i++;
  if (i < first.length && !isTokenByte(first[i]!)) return 'none';
  const lf = first.indexOf(10, i);
  if (lf === -1) return first.length - i > maxLine ? 'none' : null;
  const line = first.subarray(i, lf).toString('latin1').replace(/\r$/, '');
  return parseRequestLine(line) !== null ? 'http/1' : 'none';
}

export class RequestTracker {
  private readonly opts: RequestTrackerOptions;
  private readonly log: RequestLog;
  private proto: 'http/1' | 'h2' | 'none' | null = null;
  private conn: Http1Connection | Http2Connection | null = null;
  /** Bytes held until the client's first bytes decide the protocol. */
  private held: Record<Side, Held[]> = { client: [], server: [] };
  private heldLen: Record<Side, number> = { client: 0, server: 0 };

  constructor(opts: Partial<RequestTrackerOptions> = {}) {
    this.opts = { ...DEFAULT_TRACKER_OPTIONS, ...opts };
    this.log = new RequestLog(this.opts.maxRequests, this.opts.maxProblems);
  }

  /** In-order plaintext of one side; `stamp` is the frame that delivered these bytes (inside TLS: that completed their record). */
  data(side: Side, bytes: Buffer, stamp: Stamp): void {
    if (this.proto === 'none' || bytes.length === 0) return;
    if (this.conn !== null) {
      this.conn.data(side, bytes, stamp);
      return;
    }
    if (this.heldLen[side] + bytes.length > this.opts.maxHeadBytes) {
      // No request line in the client's first maxHeadBytes, or that much from the
      // server before the client said anything: not HTTP (not a problem of HTTP).
      this.giveUp();
      return;
    }
    this.held[side].push({ bytes: Buffer.from(bytes), stamp });
    this.heldLen[side] += bytes.length;
    // decide() joins what is held and reads it from the start: only when these bytes can
    // change its answer (the h2 preface's length not reached yet, or a line end came), so a
    // client that sends its first bytes one at a time costs linear time, not quadratic.
    if (side === 'client' && (this.heldLen.client <= H2_PREFACE.length || bytes.includes(10))) this.decide();
  }

  /** `lostBytes` of one side were never captured (a hole in the sequence space). */
  gap(side: Side, lostBytes: number): void {
    if (this.proto === 'none') return;
    if (this.conn !== null) {
      this.conn.gap(side, lostBytes);
      return;
    }
    if (side === 'client' || this.heldLen.server > 0) {
      this.log.problem(side, null, 'gap', `${lostBytes} bytes missing before the protocol was known`);
      this.giveUp();
      return;
    }
    // Server bytes lost before the client said anything: nothing to align with yet.
  }

  /**
   * The side closed (its FIN, in the frame of `stamp`): a response whose body
   * is delimited by the close completes in that frame (tshark reports such an
   * http.response in the FIN's frame).
   */
  end(side: Side, stamp: Stamp): void {
    if (this.conn instanceof Http1Connection) this.conn.end(side, stamp);
  }

  /** The requests so far, in request order (a live list: read, do not mutate). */
  requests(): readonly HttpRequest[] {
    return this.log.list;
  }

  /**
   * Whether this side's bytes are still of use: false once the connection is
   * known not to be HTTP, or this side's parser has stopped (upgrade, tunnel,
   * unrecoverable error). The feeder may stop delivering (and reassembling) then.
   */
  wants(side: Side): boolean {
    if (this.proto === 'none') return false;
    return this.conn === null || this.conn.wants(side);
  }

  summary(): HttpSummary {
    return {
      protocol: this.proto,
      requestCount: this.log.seen,
      overflow: this.log.overflow,
      upgraded: this.conn instanceof Http1Connection ? this.conn.upgraded : false,
      problems: this.log.problems,
      problemCount: this.log.problemCount,
    };
  }

  private decide(): void {
    const first = this.held.client.length === 1 ? this.held.client[0]!.bytes : Buffer.concat(this.held.client.map((h) => h.bytes));
    const p = detectProtocol(first, this.opts.maxHeadBytes);
    if (p === null) return;
    if (p === 'none') {
      this.giveUp();
      return;
    }
    this.proto = p;
    this.conn = p === 'h2' ? new Http2Connection(this.log, this.opts) : new Http1Connection(this.log, this.opts);
    // Replay in arrival order: the server's held bytes (if any) came before the client's last chunk.
    const { client, server } = this.held;
    this.held = { client: [], server: [] };
    this.heldLen = { client: 0, server: 0 };
    const all = [...client.map((h) => ['client', h] as const), ...server.map((h) => ['server', h] as const)];
    all.sort((a, b) => a[1].stamp.frame - b[1].stamp.frame);
    for (const [side, h] of all) this.conn.data(side, h.bytes, h.stamp);
  }

  private giveUp(): void {
    this.proto = 'none';
    this.held = { client: [], server: [] };
    this.heldLen = { client: 0, server: 0 };
  }
}
