/** The bounded lists a tracker keeps: requests (capped, overflow counted) and problems (capped, all counted). */
import { epoch, type Side, type Stamp } from '../base/stamp.js';
import type { HttpProblem, HttpProtocol, HttpRequest } from './types.js';

export class RequestLog {
  readonly list: HttpRequest[] = [];
  seen = 0;
  overflow = 0;
  readonly problems: HttpProblem[] = [];
  problemCount = 0;

  constructor(
    private readonly maxRequests: number,
    private readonly maxProblems: number,
  ) {}

  /** A new request starting at `start`; null when over the cap (counted). */
  open(protocol: HttpProtocol, start: Stamp): HttpRequest | null {
    this.seen++;
    if (this.list.length >= this.maxRequests) {
      if (this.overflow === 0) this.problem(null, start.frame, 'overflow', `more than ${this.maxRequests} requests: later ones are counted, not kept`);
      this.overflow++;
      return null;
    }
    const r: HttpRequest = {
      protocol,
      requestFrame: start.frame,
      requestTime: epoch(start),
      requestEndFrame: null,
      requestEndTime: null,
      responseFrame: null,
      responseTime: null,
      responseEndFrame: null,
      responseEndTime: null,
      requestBytes: 0,
      responseBytes: 0,
    };
    this.list.push(r);
    return r;
  }

  problem(side: Side | null, frame: number | null, kind: HttpProblem['kind'], detail: string): void {
    this.problemCount++;
    if (this.problems.length < this.maxProblems) this.problems.push({ side, frame, kind, detail });
  }
}
