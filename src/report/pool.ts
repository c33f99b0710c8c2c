/**
 * The counterfactual keep-alive pool: would reusing connections have avoided
 * handshakes on this capture, and how much would it have saved?
 *
 * Model, per destination (destinationKey) and client address (a pool lives in
 * one client process: connections from different hosts cannot share it):
 * - Connections are taken in order of start. A pooled connection is busy from
 *   the start of the connection using it until that connection's *release
 *   time*: its last payload, i.e. the teardown start minus the idle time before
 *   it (teardown.idleBeforeSec); the teardown start when the idle time is
 *   unknown; the last packet (end) when it was never torn down. The release time
 *   of a reused connection is taken as observed (not shifted earlier by the
 *   setup it skipped), which errs on the side of fewer reuses.
 * - A connection that starts when a pooled connection is idle (released, and
 *   idle for no longer than the effective idle timeout) reuses it; the most
 *   recently released one is taken (LIFO, as common HTTP clients do). The
 *   effective idle timeout is the pool's (`idleTimeoutSec`), capped at the
 *   shortest idle close the server was seen making: beyond that the server has
 *   dropped the connection and reusing it meets a reset, not a saving.
 * - Otherwise, if the pool holds fewer than `maxSize` connections (default: the
 *   destination's observed peak concurrency), the connection is opened and
 *   joins the pool; at the cap it is opened outside the pool and closed after use.
 *   The default cap is that client's observed peak concurrency to the destination.
 * - Only connections with a known setup (setup.ms not null, not midstream)
 *   count as savings when reused. Midstream connections take part as already
 *   open connections; failed setups (refused, unanswered, no completed
 *   handshake) do not take part.
 * - Savings of a reused connection: its setup ms, setup round trips, setup
 *   bytes and the certificate bytes within them.
 *
 * Verdict, from rates so that a short sample of a busy service reads like a
 * long one (totals stay as facts): 'pool' when a pool avoids at least one
 * handshake, at least minAvoidedPerRequest handshakes per request (default 0.1, one request in ten;
 * requests: src/report/requests.ts) AND saves at least minSavedShare of the
 * connections' time (default 5 %) AND, when an RTT to project at is given
 * (--rtt), saves at least minSavedMs per request at that RTT (default 1 ms);
 * otherwise 'will-not-help', with the reason in words. See rates.ts.
 */
import type { ConnRow } from './rows.js';
import { groupByDestination, destinationStats, IDLE_CLOSE_MIN_SEC, peakConcurrency } from './destinations.js';
import { fmtInt, fmtMs, fmtPct, fmtSec, plural } from '../base/format.js';
import { quicReuse } from './quic-pool.js';
import type { DestinationPool, DestinationStats, PoolOptions, PoolReasonCode, PoolReport, PoolSavings, QuicPoolReport } from './types.js';
import { FirstN } from './top.js';
import { addAcc, captureRttMs, connectionAcc, newAcc, poolRates, processingMs, projections, type RateAcc } from './rates.js';

export const DEFAULT_POOL_OPTIONS: PoolOptions = {
  idleTimeoutSec: 60,
  maxSize: undefined,
  minSavedMs: 1,
  minSavedShare: 0.05,
  minAvoidedPerRequest: 0.1,
  rttMs: undefined,
};

/** The recommended pool idle timeout is this share of the server's shortest observed idle close. */
export const RECOMMENDED_IDLE_FACTOR = 0.8;

/** A median setup under this (ms) is called quick in the reasons. */
const QUICK_SETUP_MS = 4;

/** Seconds (epoch) at which the connection stopped carrying payload: see the file comment. */
export function releaseTime(c: ConnRow): number {
  const t = c.teardown;
  let r = c.end;
  if (t.ms !== null) r -= t.ms / 1000;
  if (t.idleBeforeSec !== null) r -= t.idleBeforeSec;
  return Math.min(c.end, Math.max(c.start, r));
}

/** Smallest value, null for none (a loop: a spread into Math.min overflows the stack on large arrays). */
function minOf(values: readonly number[]): number | null {
  let m: number | null = null;
  for (const v of values) if (m === null || v < m) m = v;
  return m;
}

/** Binary min-heap of numbers. */
class MinHeap {
  private a: number[] = [];
  get size(): number {
    return this.a.length;
  }
  peek(): number {
    return this.a[0]!;
  }
  push(v: number): void {
    const a = this.a;
    let i = a.length;
    a.push(v);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (a[parent]! <= v) break;
      a[i] = a[parent]!;
      i = parent;
    }
    a[i] = v;
  }
  pop(): number {
    const a = this.a;
    const top = a[0]!;
    const last = a.pop()!;
    const n = a.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && a[r]! < a[l]! ? r : l;
        if (a[c]! >= last) break;
        a[i] = a[c]!;
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}

/** Double-ended queue of numbers over an array with a moving head. */
class Deque {
  private a: number[] = [];
  private head = 0;
  get size(): number {
    return this.a.length - this.head;
  }
  front(): number {
    return this.a[this.head]!;
  }
  pushBack(v: number): void {
    this.a.push(v);
  }
  popBack(): number {
    const v = this.a.pop()!;
    this.compact();
    return v;
  }
  popFront(): number {
    const v = this.a[this.head++]!;
    this.compact();
    return v;
  }
  private compact(): void {
    if (this.head === this.a.length) {
      this.a = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.a.length) {
      this.a = this.a.slice(this.head);
      this.head = 0;
    }
  }
}

/** Sums of ms values are rounded to 1 ns so JSON shows 62.127, not 62.126999999999995. */
function roundMs(ms: number): number {
  return Math.round(ms * 1e6) / 1e6;
}

function savingsCounted(c: ConnRow): boolean {
  return c.setup.ms !== null && !c.midstream;
}

/** Why no (or little) reuse happened, for the sentences. */
interface SimCounters {
  participants: number;
  known: number;
  reused: number;
  /** Connections that found no idle pooled connection because one had been idle too long. */
  expired: number;
  /** Connections that found every pooled connection busy. */
  busy: number;
  /** ... and the pool at its cap (they would have been served with a bigger pool). */
  overCap: number;
  shortestExpiredGapSec: number | null;
}

interface DestSim {
  pool: DestinationPool;
  counters: SimCounters;
  lifetimeMs: number;
  stats: DestinationStats;
  effectiveIdleSec: number;
  /** The reason, sentence by sentence. */
  sentences: string[];
  acc: RateAcc;
}

function simulateDestination(
  stats: DestinationStats,
  group: readonly ConnRow[],
  opts: PoolOptions,
  rtt: number | null,
): DestSim {
  const serverCloses = stats.observedIdleTimeouts.filter((o) => o.by === 'server').map((o) => o.seconds);
  const serverIdle = minOf(serverCloses);
  const effectiveIdleSec = serverIdle !== null ? Math.min(opts.idleTimeoutSec, serverIdle) : opts.idleTimeoutSec;
  const participants = group
    .filter((c) => c.setup.ms !== null || c.midstream)
    .sort((a, b) => a.start - b.start || a.id - b.id);

  const k: SimCounters = { participants: participants.length, known: 0, reused: 0, expired: 0, busy: 0, overCap: 0, shortestExpiredGapSec: null };
  let avoided = 0;
  let msSaved = 0;
  let rtSaved = 0;
  let bytesSaved = 0;
  let certSaved = 0;
  const acc = newAcc();
  for (const c of group) connectionAcc(acc, c, rtt);
  // A pool lives in one client process: connections from different client
  // addresses cannot share one, so each client address gets its own pool.
  const byClient = new Map<string, ConnRow[]>();
  for (const c of participants) {
    let list = byClient.get(c.client.ip);
    if (list === undefined) byClient.set(c.client.ip, (list = []));
    list.push(c);
  }
  let poolSize = 1;
  for (const clientConns of byClient.values()) {
    const size = Math.max(1, opts.maxSize ?? peakConcurrency(clientConns));
    poolSize = Math.max(poolSize, size);
    // The pooled connections, by the time they are busy until (their release
    // time). Connections come in order of start, so `now` never decreases:
    // - `busy` (a min-heap) holds those released after now;
    // - `idle` holds those released at or before now, in ascending order: each
    //   one moved over from `busy` is released no earlier than those already
    //   there. The most recently released (LIFO pick) is its last element, the
    //   longest idle (first to expire) its first.
    // Every connection costs O(log n): no scan of the pool per connection.
    const busy = new MinHeap();
    const idle = new Deque();
    for (const c of clientConns) {
      const now = c.start;
      if (savingsCounted(c)) k.known++;
      while (busy.size > 0 && busy.peek() <= now) idle.pushBack(busy.pop());
      let expiredHere = false;
      while (idle.size > 0 && now - idle.front() > effectiveIdleSec) {
        const gap = now - idle.popFront();
        expiredHere = true;
        if (k.shortestExpiredGapSec === null || gap < k.shortestExpiredGapSec) k.shortestExpiredGapSec = gap;
      }
      if (idle.size > 0) {
        idle.popBack();
        busy.push(releaseTime(c));
        k.reused++;
        if (savingsCounted(c)) {
          avoided++;
          msSaved += c.setup.ms!;
          rtSaved += c.setup.roundTrips ?? 0;
          bytesSaved += c.setup.bytes;
          certSaved += c.setup.certificateBytes ?? 0;
          acc.avoidedRt += (c.setup.roundTrips ?? 0);
          acc.avoidedProcessingMs += processingMs(c, rtt);
        }
        continue;
      }
      if (expiredHere) k.expired++;
      else if (busy.size > 0) k.busy++;
      if (busy.size < size) busy.push(releaseTime(c));
      else k.overCap++;
    }
  }

  let lifetimeMs = 0;
  for (const c of group) lifetimeMs += c.lifetimeMs;
  const savedShare = lifetimeMs > 0 ? Math.min(1, msSaved / lifetimeMs) : null;
  const pool: DestinationPool = {
    key: stats.key,
    connections: group.length,
    handshakesAvoided: avoided,
    setupMsSaved: roundMs(msSaved),
    savedShare,
    roundTripsSaved: rtSaved,
    bytesSaved,
    certificateBytesSaved: certSaved,
    verdict: 'will-not-help',
    reason: '',
    rates: poolRates(acc, { handshakesAvoided: avoided, setupMsSaved: msSaved, roundTripsSaved: rtSaved, bytesSaved, certificateBytesSaved: certSaved }, rtt),
    projections: [],
    poolSize,
    recommendedIdleSec: serverIdle !== null ? Math.floor(serverIdle * RECOMMENDED_IDLE_FACTOR * 10) / 10 : null,
    serverIdleTimeoutSec: serverIdle,
    reasonCode: 'pool',
  };
  pool.projections = projections(acc, pool.rates, opts, rtt);
  pool.verdict = meets(opts, pool) ? 'pool' : 'will-not-help';
  const sim: DestSim = { pool, counters: k, lifetimeMs, stats, effectiveIdleSec, sentences: [], acc };
  sim.sentences = destinationReason(sim, opts);
  pool.reasonCode = why(sim);
  pool.reason = sim.sentences.join(' ');
  return sim;
}

/** Projected saving per request at the --rtt RTT; undefined without --rtt. */
function optionSaving(p: PoolSavings): number | null | undefined {
  const o = p.projections.find((x) => x.source === 'option');
  return o === undefined ? undefined : o.savedMsPerRequest;
}

/** The thresholds the saving falls short of (empty: it meets them all). */
function shortOf(opts: PoolOptions, p: PoolSavings): string[] {
  const out: string[] = [];
  const perReq = p.rates.perRequest?.handshakesAvoided ?? 0;
  if (perReq < opts.minAvoidedPerRequest) out.push(`${rateOf(opts.minAvoidedPerRequest, 'handshake')} avoided per request`);
  if (p.savedShare === null || p.savedShare < opts.minSavedShare) out.push(`${fmtPct(opts.minSavedShare)} of connection time`);
  const at = optionSaving(p);
  if (at !== undefined && (at === null || at < opts.minSavedMs)) out.push(`${fmtMs(opts.minSavedMs)} per request at ${fmtMs(opts.rttMs!)} RTT`);
  return out;
}

function meets(opts: PoolOptions, p: PoolSavings): boolean {
  return p.handshakesAvoided > 0 && shortOf(opts, p).length === 0;
}

/** The threshold(s) a saving falls short of, in words. */
function thresholdText(opts: PoolOptions, p: PoolSavings): string {
  const s = shortOf(opts, p);
  return s.length <= 1 ? `the threshold of ${s[0] ?? 'a saving'}` : `the thresholds of ${joinList(s)}`;
}

/** A rate with 2 significant decimals: 0.995, 0.1, 12.5. */
export function fmtRate(n: number): string {
  const a = Math.abs(n);
  const d = a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3;
  return String(Number(n.toFixed(d)));
}

/** A rate and its noun, singular when the rate reads 1: "1 round trip", "0.75 round trips". */
export function rateOf(n: number, one: string, many = `${one}s`): string {
  const t = fmtRate(n);
  return `${t} ${t === '1' ? one : many}`;
}

/** The per-request sentence: what a pool saves on each request (measured, and at the --rtt RTT). */
function perRequestText(p: PoolSavings): string {
  const r = p.rates.perRequest;
  if (r === null) return '';
  const est = p.rates.requestsEstimated ? ', estimated from client data bursts' : '';
  const at = p.projections.find((x) => x.source === 'option');
  const proj =
    at && at.savedMsPerRequest !== null && at.setupMsPerConnection !== null
      ? ` At ${fmtMs(at.rttMs)} RTT: ${fmtMs(at.setupMsPerConnection)} per new connection, ${fmtRate(at.newConnectionsPerRequest ?? 0)} of them per request → a pool saves ≈ ${fmtMs(at.savedMsPerRequest)} per request.`
      : '';
  return (
    `Per request (${plural(p.rates.requests, 'request')}${est}): setup costs ${fmtMs(r.setupMs)} and ${rateOf(r.roundTrips, 'round trip')} today; ` +
    `a pool avoids ${rateOf(r.handshakesAvoided, 'handshake')} and saves ${fmtMs(r.setupMsSaved)} and ${rateOf(r.roundTripsSaved, 'round trip')}.${proj}`
  );
}

function savingsText(p: PoolSavings): string {
  const share = p.savedShare !== null ? ` (${fmtPct(p.savedShare)} of connection time)` : '';
  return (
    `${plural(p.handshakesAvoided, 'handshake')} avoided, ${fmtMs(p.setupMsSaved)} of setup saved${share}, ` +
    `${plural(p.roundTripsSaved, 'round trip')} and ${plural(p.bytesSaved, 'byte')}` +
    // Certificates are encrypted in TLS 1.3: only mention them when some were seen.
    (p.certificateBytesSaved > 0 ? ` (${fmtInt(p.certificateBytesSaved)} of them certificates)` : '')
  );
}

type Why = PoolReasonCode;

function why(sim: DestSim): Why {
  const { pool: p, counters: k, stats: s } = sim;
  if (p.verdict === 'pool') return 'pool';
  if (s.connections === 1) return 'single';
  if (k.known === 0) return 'unknown';
  if (p.handshakesAvoided === 0) return k.expired >= k.busy && k.expired > 0 ? 'apart' : 'overlap';
  return 'small';
}

function destinationReason(sim: DestSim, opts: PoolOptions): string[] {
  const { pool: p, counters: k, stats: s } = sim;
  const key = s.key;
  const parts: string[] = [];
  const idleLabel =
    sim.effectiveIdleSec < opts.idleTimeoutSec
      ? `the server's observed idle timeout of ${fmtSec(sim.effectiveIdleSec)}`
      : `the pool's idle timeout of ${fmtSec(opts.idleTimeoutSec)}`;
  switch (why(sim)) {
    case 'pool':
      parts.push(
        `A keep-alive pool to ${key} (idle timeout ${fmtSec(opts.idleTimeoutSec)}, up to ${plural(p.poolSize, 'connection')}) ` +
          `would have served ${fmtInt(k.reused)} of its ${plural(s.connections, 'connection')} on a reused one: ${savingsText(p)}.`,
      );
      if (perRequestText(p)) parts.push(perRequestText(p));
      break;
    case 'single': {
      const c0 = s.setupShare !== null ? `; setup took ${fmtPct(s.setupShare)} of its time` : '';
      parts.push(`Only one connection to ${key} was seen${c0}.`);
      parts.push('It already carries everything sent there, so a pool has no handshake to avoid.');
      break;
    }
    case 'unknown':
      parts.push(
        `The setup of none of the ${plural(s.connections, 'connection')} to ${key} was captured (they started before the capture or never completed a handshake), so no savings can be counted.`,
      );
      break;
    case 'apart': {
      const gap = k.shortestExpiredGapSec !== null ? ` (the shortest idle gap was ${fmtSec(k.shortestExpiredGapSec)})` : '';
      parts.push(
        `The ${plural(s.connections, 'connection')} to ${key} came further apart than ${idleLabel}${gap}, so a pooled connection would have been closed before the next one started.`,
      );
      break;
    }
    case 'overlap':
      parts.push(
        `The ${plural(s.connections, 'connection')} to ${key} overlapped (up to ${fmtInt(s.peakConcurrency)} at once) and none started while another was idle, so each needed its own connection.`,
      );
      break;
    case 'small': {
      parts.push(
        `A pool would avoid ${fmtInt(p.handshakesAvoided)} of ${plural(s.connections, 'handshake')} to ${key} but save only ${fmtMs(p.setupMsSaved)}` +
          (p.savedShare !== null ? ` (${fmtPct(p.savedShare)} of connection time)` : '') +
          `, under ${thresholdText(opts, p)}.`,
      );
      if (perRequestText(p)) parts.push(perRequestText(p));
      if (s.setupShare !== null && s.setupShare < opts.minSavedShare) {
        parts.push(`The connections are long-lived: setup is only ${fmtPct(s.setupShare)} of their time.`);
      }
      if (s.setupMs.p50 !== null && s.setupMs.p50 < QUICK_SETUP_MS) {
        parts.push(`Setup is already quick (median ${fmtMs(s.setupMs.p50)}), so each new connection costs little.`);
      }
      if (s.resumptionRate !== null && s.resumptionRate >= 0.5) {
        parts.push(`${fmtPct(s.resumptionRate)} of the TLS handshakes were already resumed, which keeps them cheap.`);
      }
      break;
    }
  }
  if (k.overCap > 0 && p.handshakesAvoided > 0) {
    parts.push(`${plural(k.overCap, 'connection')} found the pool full at ${fmtInt(p.poolSize)} and paid a handshake anyway.`);
  }
  return parts.concat(idleTimeoutSentences(s, p, opts));
}

function idleTimeoutSentences(s: DestinationStats, p: DestinationPool, opts: PoolOptions): string[] {
  const out: string[] = [];
  const server = s.observedIdleTimeouts.filter((o) => o.by === 'server');
  const client = s.observedIdleTimeouts.filter((o) => o.by === 'client');
  if (server.length && p.serverIdleTimeoutSec !== null) {
    const advice =
      opts.idleTimeoutSec >= p.serverIdleTimeoutSec
        ? ` A pool idle timeout of ${fmtSec(opts.idleTimeoutSec)} outlives it and would reuse connections the server already dropped (stale keep-alive, ECONNRESET); use at most ${fmtSec(p.recommendedIdleSec!)}.`
        : ` Keep the pool's idle timeout below that (${fmtSec(p.recommendedIdleSec!)} or less).`;
    const shortest = server.length > 1 ? ' at the shortest' : '';
    out.push(
      `The server closed ${plural(server.length, 'idle connection')}, after ${fmtSec(p.serverIdleTimeoutSec)} without data${shortest}.${advice}`,
    );
  }
  if (client.length) {
    const min = minOf(client.map((o) => o.seconds))!;
    const shortest = client.length > 1 ? ' at the shortest' : '';
    out.push(`The client closed ${plural(client.length, 'idle connection')} itself, after ${fmtSec(min)} without data${shortest}.`);
  }
  return out;
}

/** What the overall verdict needs of the destinations (PoolBuilder keeps it as they come). */
interface SimDigest {
  count: number;
  whyCounts: ReadonlyMap<Why, number>;
  /** The most helped (verdict 'pool'), most setup saved first; `helpedN` of them in all. */
  helped: readonly DestSim[];
  helpedN: number;
  /** The destination, when there is only one. */
  only: DestSim | null;
}

function totalReason(sims: SimDigest, total: PoolSavings, opts: PoolOptions): string {
  if (sims.count === 0) return 'No connections were seen, so there is nothing to pool.';
  const dests = plural(sims.count, 'destination');
  if (total.verdict === 'pool') {
    const top = sims.helped
      .slice(0, NAMED_HELPED)
      .map((s) => `${s.pool.key} (${fmtMs(s.pool.setupMsSaved)})`)
      .join(', ');
    const most = sims.helpedN ? ` Pooling matters for ${fmtInt(sims.helpedN)} of ${dests}${top ? `, most for ${top}` : ''}.` : '';
    const per = perRequestText(total);
    return `Connection pooling would help: over ${plural(total.connections, 'connection')} to ${dests}, ${savingsText(total)}.${per ? ` ${per}` : ''}${most}`;
  }
  const n = (w: Why) => sims.whyCounts.get(w) ?? 0;
  const lines: string[] = [];
  if (n('single')) lines.push(`${fmtInt(n('single'))} had a single connection`);
  if (n('overlap')) lines.push(`${fmtInt(n('overlap'))} had only overlapping connections`);
  if (n('apart')) lines.push(`${fmtInt(n('apart'))} had connections further apart than the idle timeout`);
  if (n('unknown')) lines.push(`${fmtInt(n('unknown'))} had no captured setup`);
  if (n('small')) lines.push(`${fmtInt(n('small'))} would save too little`);
  if (n('pool')) lines.push(`${fmtInt(n('pool'))} would benefit on their own`);
  const head =
    total.connections === 1
      ? 'Connection pooling would not help: the capture holds a single connection, so there is nothing to reuse.'
      : total.handshakesAvoided === 0
      ? `Connection pooling would not help: none of the ${plural(total.connections, 'connection')} to ${dests} could have reused an idle connection.`
      : `Connection pooling would not help much: it would avoid ${fmtInt(total.handshakesAvoided)} of ${plural(total.connections, 'handshake')} but save only ${fmtMs(total.setupMsSaved)}` +
        (total.savedShare !== null ? ` (${fmtPct(total.savedShare)} of connection time)` : '') +
        `, under ${thresholdText(opts, total)}.`;
  const only = sims.only;
  if (only !== null) {
    // One destination: its own sentences, without repeating what the head said.
    if (total.connections === 1) return [head].concat(only.sentences.slice(2)).join(' ');
    const own = why(only) === 'small' ? only.sentences.slice(1) : only.sentences;
    return [head].concat(own).join(' ');
  }
  return `${head} Of the ${dests}, ${joinList(lines)}.`;
}

function joinList(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** The options with their defaults, checked (RangeError on a value out of range). */
export function poolOptionsOf(opts: Partial<PoolOptions> = {}): PoolOptions {
  const o: PoolOptions = { ...DEFAULT_POOL_OPTIONS };
  for (const [name, v] of Object.entries(opts) as [keyof PoolOptions, number | undefined][]) {
    if (v !== undefined) (o as unknown as Record<string, number>)[name] = v;
  }
  if (!(o.idleTimeoutSec >= 0)) throw new RangeError(`pool idle timeout must be >= 0 s, got ${o.idleTimeoutSec}`);
  if (o.maxSize !== undefined && !(Number.isInteger(o.maxSize) && o.maxSize >= 1)) {
    throw new RangeError(`pool size must be a whole number >= 1, got ${o.maxSize}`);
  }
  if (o.rttMs !== undefined && !(Number.isFinite(o.rttMs) && o.rttMs >= 0)) throw new RangeError(`RTT must be >= 0 ms, got ${o.rttMs}`);
  return o;
}

/** The order of the destinations in a PoolReport: total setup ms, largest first, then key. */
function bySetupThenKey(a: DestSim, b: DestSim): number {
  return b.stats.setupMs.total - a.stats.setupMs.total || (a.stats.key < b.stats.key ? -1 : a.stats.key > b.stats.key ? 1 : 0);
}

/** The order of the destinations named in the verdict: setup saved, largest first, then as bySetupThenKey. */
function bySavedThenOrder(a: DestSim, b: DestSim): number {
  return b.pool.setupMsSaved - a.pool.setupMsSaved || bySetupThenKey(a, b);
}

/** The savings a PoolReport's total adds up over its destinations. */
const SUMMED = ['connections', 'handshakesAvoided', 'setupMsSaved', 'roundTripsSaved', 'bytesSaved', 'certificateBytesSaved'] as const;

/** Destinations the overall verdict names (the most helped). */
const NAMED_HELPED = 3;

/**
 * The keep-alive simulation fed one destination at a time (simulatePool, and the
 * text report over any number of destinations): it keeps the totals, a count per
 * reason, the few most helped destinations and, of the simulated destinations,
 * only the first `keep` in the report's order (all of them by default). So the
 * pool of a scan of a million addresses costs the top of its table, not a
 * simulated destination (~0.7 KB with its sentences) per address.
 * The totals are added up in the order destinations are added.
 */
export class PoolBuilder {
  readonly options: PoolOptions;
  private sims = 0;
  private readonly kept: FirstN<DestSim>;
  private readonly helped = new FirstN<DestSim>(NAMED_HELPED, bySavedThenOrder);
  private helpedN = 0;
  private only: DestSim | null = null;
  private readonly whyCounts = new Map<Why, number>();
  private readonly acc = newAcc();
  private lifetimeMs = 0;
  private readonly sums = { connections: 0, handshakesAvoided: 0, setupMsSaved: 0, roundTripsSaved: 0, bytesSaved: 0, certificateBytesSaved: 0 };

  /** `rtt`: the capture's median handshake RTT (captureRttMs over every connection); `keep`: destinations kept. */
  constructor(
    opts: Partial<PoolOptions>,
    private readonly rtt: number | null,
    keep = Infinity,
  ) {
    this.options = poolOptionsOf(opts);
    this.kept = new FirstN<DestSim>(keep, bySetupThenKey);
  }

  /** Destinations simulated so far. */
  get destinations(): number {
    return this.sims;
  }

  /**
   * Simulates one destination: `group` its TCP connections (QUIC is not simulated),
   * `stats` destinationStats() of exactly them.
   */
  add(stats: DestinationStats, group: readonly ConnRow[]): DestinationPool {
    const s = simulateDestination(stats, group, this.options, this.rtt);
    this.sims++;
    this.only = this.sims === 1 ? s : null;
    const w = why(s);
    this.whyCounts.set(w, (this.whyCounts.get(w) ?? 0) + 1);
    addAcc(this.acc, s.acc);
    const p = s.pool;
    for (const k of SUMMED) this.sums[k] += p[k];
    this.lifetimeMs += s.lifetimeMs;
    if (p.verdict === 'pool') {
      this.helpedN++;
      this.helped.add(s);
    }
    this.kept.add(s);
    return p;
  }

  /**
   * One destination's pool as add() simulates it, added to nothing: the digest's second
   * pass makes the destinations it keeps again, rather than holding them while it looks
   * for the first (a scan of a million addresses: src/report/digest.ts).
   */
  poolOf(stats: DestinationStats, group: readonly ConnRow[]): DestinationPool {
    return simulateDestination(stats, group, this.options, this.rtt).pool;
  }

  /**
   * The report: the kept destinations in order (or `destinations`, when given), the totals
   * over every one added. `quic`: quicReuse() of the capture.
   */
  finish(quic: QuicPoolReport | null, destinations?: DestinationPool[]): PoolReport {
    const t = this.sums;
    const total: PoolSavings = {
      connections: t.connections,
      handshakesAvoided: t.handshakesAvoided,
      setupMsSaved: roundMs(t.setupMsSaved),
      savedShare: null,
      roundTripsSaved: t.roundTripsSaved,
      bytesSaved: t.bytesSaved,
      certificateBytesSaved: t.certificateBytesSaved,
      verdict: 'will-not-help',
      reason: '',
      rates: poolRates(newAcc(), { handshakesAvoided: 0, setupMsSaved: 0, roundTripsSaved: 0, bytesSaved: 0, certificateBytesSaved: 0 }, this.rtt),
      projections: [],
    };
    const o = this.options;
    total.savedShare = this.lifetimeMs > 0 ? Math.min(1, total.setupMsSaved / this.lifetimeMs) : null;
    total.rates = poolRates(this.acc, total, this.rtt);
    total.projections = projections(this.acc, total.rates, o, this.rtt);
    total.verdict = meets(o, total) ? 'pool' : 'will-not-help';
    total.reason = totalReason(
      { count: this.sims, whyCounts: this.whyCounts, helped: this.helped.sorted(), helpedN: this.helpedN, only: this.only },
      total,
      o,
    );
    if (this.sims === 0 && quic !== null) total.reason = 'No TCP connections were seen, so the keep-alive simulation has nothing to pool (QUIC: see its own counts).';
    // With QUIC beside it, the simulation's words are about TCP connections only.
    else if (quic !== null) total.reason = total.reason.replace('the capture holds a single connection', 'the capture holds a single TCP connection');
    return { options: o, destinations: destinations ?? this.kept.sorted().map((s) => s.pool), total, quic };
  }
}

/**
 * Simulates a keep-alive pool per destination over the connections seen (see
 * the file comment for the model and the verdict rule). Destinations come in
 * the order of `destinations()` (total setup ms, largest first).
 */
export function simulatePool(conns: readonly ConnRow[], opts: Partial<PoolOptions> = {}): PoolReport {
  const b = new PoolBuilder(opts, captureRttMs(conns));
  // QUIC connections are not simulated (one QUIC connection multiplexes requests): see quic-pool.ts.
  for (const [key, group] of groupByDestination(conns.filter((c) => c.transport !== 'quic'))) {
    b.add(destinationStats(key, group, IDLE_CLOSE_MIN_SEC), group);
  }
  return b.finish(quicReuse(conns));
}
