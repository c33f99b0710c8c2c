/**
 * HTTP/1.x on one connection: requests in order, responses paired with the
 * oldest unanswered request (keep-alive and pipelining), 1xx interim
 * responses counted on the request they precede, HEAD/204/304 without body,
 * 101 and a CONNECT tunnel end HTTP on the connection.
 */
import { epoch, type Side, type Stamp } from '../base/stamp.js';
import { bodyMode, Http1Side, type BodyMode, type ParsedHead } from './http1.js';
import type { RequestLog } from './log.js';
import type { HttpRequest, RequestTrackerOptions } from './types.js';

interface Pending {
  rec: HttpRequest | null;
  method: string;
}

export class Http1Connection {
  private readonly sides: Record<Side, Http1Side>;
  /** Requests whose final response has not started, oldest first. */
  private readonly pending: Pending[] = [];
  /** The message being read on each side. */
  private current: Record<Side, { p: Pending | null; interim: boolean; final: boolean } | null> = { client: null, server: null };
  upgraded = false;

  constructor(
    private readonly log: RequestLog,
    private readonly opts: RequestTrackerOptions,
  ) {
    const events = {
      head: (side: Side, h: ParsedHead, start: Stamp, at: Stamp) => this.head(side, h, start, at),
      complete: (side: Side, at: Stamp, bytes: number) => this.complete(side, at, bytes),
      problem: (side: Side, frame: number | null, kind: 'malformed' | 'gap' | 'too-large', detail: string) =>
        this.log.problem(side, frame, kind, detail),
    };
    this.sides = {
      client: new Http1Side('client', events, opts.maxHeadBytes),
      server: new Http1Side('server', events, opts.maxHeadBytes),
    };
  }

  data(side: Side, b: Buffer, st: Stamp): void {
    this.sides[side].data(b, st);
  }

  gap(side: Side, lost: number): void {
    this.sides[side].gap(lost);
  }

  wants(side: Side): boolean {
    return !this.sides[side].dead;
  }

  end(side: Side, st: Stamp): void {
    this.sides[side].end(st);
  }

  private head(side: Side, h: ParsedHead, start: Stamp, at: Stamp): BodyMode | null {
    if (side === 'client') {
      if (this.pending.length >= this.opts.maxOutstanding) {
        this.log.problem('client', start.frame, 'overflow', `more than ${this.opts.maxOutstanding} requests without a response: stopped reading`);
        this.stopBoth();
        return null;
      }
      const rec = this.log.open('http/1', start);
      if (rec !== null) rec.method = h.method;
      const p: Pending = { rec, method: h.method! };
      this.pending.push(p);
      this.current.client = { p, interim: false, final: false };
      const mode = bodyMode('client', h, undefined);
      if (mode === 'invalid') {
        this.log.problem('client', at.frame, 'malformed', 'invalid Content-Length');
        return null;
      }
      return mode;
    }
    const status = h.status!;
    const p = this.pending[0] ?? null;
    const interim = status >= 100 && status < 200 && status !== 101;
    if (p === null) {
      this.log.problem('server', start.frame, 'unmatched-response', `response ${status} without a request`);
    } else if (p.rec !== null) {
      if (interim) {
        p.rec.interim = (p.rec.interim ?? 0) + 1;
        p.rec.interimFrame ??= start.frame;
      } else {
        p.rec.status = status;
        p.rec.responseFrame = start.frame;
        p.rec.responseTime = epoch(start);
      }
    }
    if (!interim && p !== null) this.pending.shift();
    this.current.server = { p, interim, final: !interim };
    // After 101 or a tunnel the bytes are another protocol: the message ends with its head.
    const tunnel = status === 101 || (p?.method === 'CONNECT' && status >= 200 && status < 300);
    if (tunnel) {
      this.upgraded = true;
      return { kind: 'none' };
    }
    const mode = bodyMode('server', h, p?.method);
    if (mode === 'invalid') {
      this.log.problem('server', at.frame, 'malformed', 'invalid Content-Length');
      return null;
    }
    return mode;
  }

  private complete(side: Side, at: Stamp, bytes: number): void {
    const cur = this.current[side];
    this.current[side] = null;
    const rec = cur?.p?.rec ?? null;
    if (rec !== null) {
      if (side === 'client') {
        rec.requestEndFrame = at.frame;
        rec.requestEndTime = epoch(at);
        rec.requestBytes += bytes;
      } else {
        rec.responseBytes += bytes;
        if (cur!.final) {
          rec.responseEndFrame = at.frame;
          rec.responseEndTime = epoch(at);
        }
      }
    }
    if (this.upgraded && side === 'server') this.stopBoth();
  }

  private stopBoth(): void {
    this.sides.client.stop();
    this.sides.server.stop();
  }
}
