/**
 * Retry detection, incremental: records arrive one by one in close order (as
 * from a live capture). State: per destination (server ip:port), the last
 * `maxAttempts` connection attempts of the last `retryWindowMs`, sorted by
 * first SYN; at most `maxDestinations` destinations.
 *
 * Close order is not start order (an unanswered connection may be finalized
 * after the retry that followed it): numbering is recomputed over the small
 * window on every record, and findings that a late record creates or changes
 * for a connection already handed out go to `onLate`: they replace the
 * connection's finding with the same code and frame (a changed attempt
 * number), or add one.
 */
import type { ConnectionRecord } from '../timeline/types.js';
import { make } from './make.js';
import { DEFAULT_FINDING_OPTIONS, type Finding, type FindingCode, type FindingOptions } from './types.js';

/** Codes that make a connection a failed attempt. */
const FAILURE_CODES: ReadonlySet<FindingCode> = new Set<FindingCode>([
  'connect-timeout',
  'accept-overflow-reset',
  'handshake-failed',
  'response-timeout',
  'abortive-reset',
  'stale-reuse',
]);

interface Attempt {
  id: number;
  /** First SYN and first SYN's frame. */
  start: number;
  frame: number;
  /** Last packet (epoch s): when a failed attempt failed. */
  end: number;
  failed: boolean;
  /** Computed: attempt number in its series (1 = not a retry), interval (ms) since the previous attempt. */
  attempt: number;
  interval: number | null;
  previousId: number | null;
  /** Retry findings already handed out for this attempt (code -> detail), to report only what is new or changed. */
  reported: Map<FindingCode, string>;
  /** Whether onLate was called for it already. */
  late: boolean;
  /** Set by number(): its numbers or its predecessor's interval changed, so its findings may have. */
  dirty: boolean;
}

export function destinationKey(rec: ConnectionRecord): string {
  return `${rec.server.ip}|${rec.server.port}`;
}

/** refused, unanswered, reset before any FIN, or one of the failure findings. */
export function isFailedAttempt(rec: ConnectionRecord, findings: readonly Finding[]): boolean {
  if (rec.state === 'refused' || rec.state === 'unanswered') return true;
  if (findings.some((f) => FAILURE_CODES.has(f.code))) return true;
  const firstFin = rec.events.find((e) => e.type === 'FIN');
  const firstRst = rec.events.find((e) => e.type === 'RST');
  return firstRst !== undefined && (firstFin === undefined || firstRst.time < firstFin.time);
}

export interface RetryTrackerOptions {
  maxDestinations?: number;
  maxAttempts?: number;
  /**
   * Findings for a connection handed out earlier, created by a record that closed later;
   * `first`: the first time for this connection (a caller can count connections without a set of ids).
   */
  onLate?: (connectionId: number, findings: Finding[], first: boolean) => void;
}

export class RetryTracker {
  private readonly byDest = new Map<string, Attempt[]>();
  /**
   * The oldest destination, for eviction: one iterator kept across calls. A new
   * `keys()` iterator for each eviction walked every deleted entry at the front of
   * the Map's table until V8 rehashed it: past maxDestinations (a scan of many
   * addresses) that was 35 % of the run, 6.5 s per million evictions against 0.17.
   * Keys are only ever added at the end (a destination seen again is deleted and
   * set again), so everything before the iterator's place was evicted through it.
   */
  private oldest: Iterator<string> | null = null;
  private readonly o: FindingOptions;
  private readonly maxDestinations: number;
  private readonly maxAttempts: number;
  private readonly onLate: ((id: number, f: Finding[], first: boolean) => void) | undefined;

  constructor(options: FindingOptions = DEFAULT_FINDING_OPTIONS, opts: RetryTrackerOptions = {}) {
    this.o = options;
    this.maxDestinations = opts.maxDestinations ?? 10_000;
    this.maxAttempts = opts.maxAttempts ?? 16;
    this.onLate = opts.onLate;
  }

  /** Feed one finished connection with its other findings; returns its retry findings. */
  observe(rec: ConnectionRecord, findings: readonly Finding[]): Finding[] {
    // A QUIC attempt starts with the client's first Initial (keep QUIC and TCP apart: a tracker per transport).
    const opening = rec.transport === 'quic' ? 'Initial' : 'SYN';
    const firstSyn = rec.events.find((e) => e.type === opening && e.from === 'client');
    if (rec.midstream || firstSyn === undefined) return [];
    const key = destinationKey(rec);
    const list = this.byDest.get(key) ?? [];
    const me: Attempt = {
      id: rec.id,
      start: firstSyn.time,
      frame: firstSyn.frame,
      end: rec.end,
      failed: isFailedAttempt(rec, findings),
      attempt: 1,
      interval: null,
      previousId: null,
      reported: new Map(),
      late: false,
      dirty: true,
    };
    let at = list.length;
    while (at > 0 && list[at - 1]!.start > me.start) at--;
    list.splice(at, 0, me);
    this.number(list);
    let mine: Finding[] = [];
    // Findings depend only on an attempt's numbers and its predecessor's interval: an attempt
    // whose numbers did not change has nothing new (a flood to one destination would otherwise
    // format every remembered attempt's findings again for each new one).
    for (const a of list) {
      if (!a.dirty) continue;
      a.dirty = false;
      const fresh = this.findingsOf(a, list);
      if (fresh.length === 0) continue;
      if (a === me) mine = fresh;
      else {
        this.onLate?.(a.id, fresh, !a.late);
        a.late = true;
      }
    }
    // Forget what no later attempt can be a retry of; keep the list short.
    const horizon = rec.end - this.o.retryWindowMs / 1000;
    while (list.length > 1 && (list.length > this.maxAttempts || list[0]!.end < horizon)) list.shift();
    this.byDest.delete(key); // re-insert: Map order is the order of the latest activity
    this.byDest.set(key, list);
    while (this.byDest.size > this.maxDestinations) this.byDest.delete(this.nextOldest());
    return mine;
  }

  /** The least recently active destination (the Map's first key), through the kept iterator. */
  private nextOldest(): string {
    let r = this.oldest?.next();
    // The first eviction. (Done is not reached while everything before the iterator's place
    // was evicted through it: the key just set is after it. A Map iterator that has once said
    // done stays done, so it is started again rather than loop on an undefined key.)
    if (r === undefined || r.done) {
      this.oldest = this.byDest.keys();
      r = this.oldest.next();
    }
    return r.value as string;
  }

  /** Destinations remembered (for tests and memory checks). */
  get size(): number {
    return this.byDest.size;
  }

  /** The destination keys remembered, least recently active first (for tests). */
  get remembered(): string[] {
    return [...this.byDest.keys()];
  }

  /** Attempts remembered in all. */
  get attempts(): number {
    let n = 0;
    for (const l of this.byDest.values()) n += l.length;
    return n;
  }

  /** Attempt numbers along the list: a retry follows a failure that ended before its first SYN, within the window. */
  private number(list: Attempt[]): void {
    // The head keeps its numbers: its own predecessors may have been forgotten already.
    let prevIntervalChanged = false;
    for (let i = 1; i < list.length; i++) {
      const a = list[i]!;
      const p = list[i - 1]!;
      const retry = p.failed && a.start >= p.end && (a.start - p.end) * 1000 <= this.o.retryWindowMs;
      const attempt = retry ? p.attempt + 1 : 1;
      const interval = retry ? (a.start - p.start) * 1000 : null;
      const previousId = retry ? p.id : null;
      const changed = attempt !== a.attempt || interval !== a.interval || previousId !== a.previousId;
      if (changed || prevIntervalChanged) a.dirty = true;
      a.attempt = attempt;
      a.interval = interval;
      a.previousId = previousId;
      prevIntervalChanged = changed;
    }
  }

  private findingsOf(a: Attempt, list: Attempt[]): Finding[] {
    const out: Finding[] = [];
    if (a.attempt < 2 || a.interval === null) return out;
    out.push(make('retry', a.frame, `attempt ${a.attempt}, ${fmt(a.interval)} after attempt ${a.attempt - 1} (connection ${a.previousId})`, a.interval));
    const p = list.find((x) => x.id === a.previousId);
    const prevInterval = p ? p.interval : null;
    if (
      a.attempt >= this.o.noBackoffFromAttempt &&
      (a.interval < this.o.noBackoffMinIntervalMs || (prevInterval !== null && a.interval <= this.o.backoffGrowth * prevInterval))
    ) {
      const why =
        a.interval < this.o.noBackoffMinIntervalMs
          ? `only ${fmt(a.interval)} after the previous attempt`
          : `interval ${fmt(a.interval)} after ${fmt(prevInterval!)}: not growing`;
      out.push(make('retry-no-backoff', a.frame, `attempt ${a.attempt}: ${why}`));
    }
    const fresh = out.filter((f) => a.reported.get(f.code) !== f.detail);
    for (const f of fresh) a.reported.set(f.code, f.detail);
    return fresh;
  }
}

function fmt(msv: number): string {
  return msv < 10 ? `${msv.toFixed(1)} ms` : msv < 1000 ? `${Math.round(msv)} ms` : `${(msv / 1000).toFixed(2)} s`;
}
