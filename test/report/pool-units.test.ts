/**
 * The keep-alive pool simulation (src/report/pool.ts, the model part) for
 * mutation testing. Expected values come from a plain, quadratic reference
 * written here from the model as README "Pooling verdict and before/after
 * comparison" and pool.ts's file comment state it:
 * - one pool per destination (SNI:port, else address:port) and client address;
 * - taking part: connections with a known setup, and mid-stream ones; in order of start (then id);
 * - a pooled connection is busy until its release time: end − teardown.ms − idleBeforeSec,
 *   within [start, end];
 * - a connection starting when a pooled one is released and idle for no longer than the
 *   effective idle timeout (the pool's, capped at the server's shortest idle close: a teardown
 *   by the server after ≥ 1 s without payload) reuses the most recently released one;
 *   connections idle longer are closed;
 * - else it joins the pool if the pool has fewer than maxSize (default: that client's peak
 *   concurrency, half-open intervals) connections;
 * - a reused connection with a known setup (not mid-stream) saves its setup ms, round trips,
 *   bytes and certificate bytes; savedShare = ms saved / the destination's connection time (≤ 1);
 * - recommended idle timeout: 80 % of the server's shortest idle close, rounded down to 0.1 s.
 * Record sets are generated (seeded) and hand-built.
 */
import { DEFAULT_POOL_OPTIONS, RECOMMENDED_IDLE_FACTOR, releaseTime, simulatePool } from '../../src/report/pool.js';
import type { ConnectionRecord } from '../../src/timeline/types.js';
import type { ConnRow } from '../../src/report/rows.js';
import { mulberry32 } from '../helpers/rng.js';
import { rec } from './records.js';

const T0 = 1_700_000_000;

function refRelease(c: ConnectionRecord): number {
  let r = c.end;
  if (c.teardown.ms !== null) r -= c.teardown.ms / 1000;
  if (c.teardown.idleBeforeSec !== null) r -= c.teardown.idleBeforeSec;
  return r < c.start ? c.start : r > c.end ? c.end : r;
}

function refPeak(cs: readonly ConnectionRecord[]): number {
  let peak = 0;
  for (const a of cs) {
    const t = a.start;
    const open = cs.filter((b) => (b.start <= t && t < b.end) || (b.start === t && b.end === t)).length;
    peak = Math.max(peak, open);
  }
  return peak;
}

const destKey = (c: ConnectionRecord): string => (c.tls?.sni ? `${c.tls.sni}:${c.server.port}` : `${c.server.ip}:${c.server.port}`);

interface RefDest {
  key: string;
  connections: number;
  handshakesAvoided: number;
  setupMsSaved: number;
  roundTripsSaved: number;
  bytesSaved: number;
  certificateBytesSaved: number;
  poolSize: number;
  savedShare: number | null;
  serverIdleTimeoutSec: number | null;
  recommendedIdleSec: number | null;
  known: number;
  expired: number;
  busy: number;
}

function reference(all: readonly ConnectionRecord[], idleTimeoutSec = 60, maxSize?: number): Map<string, RefDest> {
  const out = new Map<string, RefDest>();
  const keys = [...new Set(all.map(destKey))];
  for (const key of keys) {
    const group = all.filter((c) => destKey(c) === key);
    const serverCloses = group
      .filter((c) => c.teardown.initiator === 'server' && c.teardown.idleBeforeSec !== null && c.teardown.idleBeforeSec >= 1)
      .map((c) => c.teardown.idleBeforeSec!);
    const serverIdle = serverCloses.length ? Math.min(...serverCloses) : null;
    const eff = serverIdle === null ? idleTimeoutSec : Math.min(idleTimeoutSec, serverIdle);
    const parts = group.filter((c) => c.setup.ms !== null || c.midstream).sort((a, b) => a.start - b.start || a.id - b.id);
    const d: RefDest = {
      key,
      connections: group.length,
      handshakesAvoided: 0,
      setupMsSaved: 0,
      roundTripsSaved: 0,
      bytesSaved: 0,
      certificateBytesSaved: 0,
      poolSize: 1,
      savedShare: null,
      serverIdleTimeoutSec: serverIdle,
      recommendedIdleSec: serverIdle === null ? null : Math.floor(serverIdle * 0.8 * 10) / 10,
      known: 0,
      expired: 0,
      busy: 0,
    };
    const ips = [...new Set(parts.map((c) => c.client.ip))];
    for (const ip of ips) {
      const mine = parts.filter((c) => c.client.ip === ip);
      const size = Math.max(1, maxSize ?? refPeak(mine));
      d.poolSize = Math.max(d.poolSize, size);
      let pool: number[] = []; // release times of the pooled connections
      for (const c of mine) {
        const now = c.start;
        const counted = c.setup.ms !== null && !c.midstream;
        if (counted) d.known++;
        const released = pool.filter((r) => r <= now);
        const stale = released.filter((r) => now - r > eff);
        pool = pool.filter((r) => !stale.includes(r) || r > now);
        const usable = pool.filter((r) => r <= now);
        if (usable.length > 0) {
          const latest = Math.max(...usable);
          pool.splice(pool.indexOf(latest), 1);
          pool.push(refRelease(c));
          if (counted) {
            d.handshakesAvoided++;
            d.setupMsSaved += c.setup.ms!;
            d.roundTripsSaved += c.setup.roundTrips ?? 0;
            d.bytesSaved += c.setup.bytes;
            d.certificateBytesSaved += c.setup.certificateBytes ?? 0;
          }
          continue;
        }
        if (stale.length > 0) d.expired++;
        else if (pool.length > 0) d.busy++;
        if (pool.length < size) pool.push(refRelease(c));
      }
    }
    const life = group.reduce((a, c) => a + c.lifetimeMs, 0);
    d.savedShare = life > 0 ? Math.min(1, d.setupMsSaved / life) : null;
    out.set(key, d);
  }
  return out;
}

function compare(conns: ConnectionRecord[], opts: { idleTimeoutSec?: number; maxSize?: number } = {}, what = ''): void {
  const r = simulatePool(conns as unknown as ConnRow[], opts);
  const want = reference(conns, opts.idleTimeoutSec ?? 60, opts.maxSize);
  expect(r.destinations.map((d) => d.key).sort()).toEqual([...want.keys()].sort());
  let total = { connections: 0, avoided: 0, ms: 0, rt: 0, bytes: 0, cert: 0, life: 0 };
  for (const d of r.destinations) {
    const w = want.get(d.key)!;
    const ctx = `${what} ${d.key}`;
    expect([ctx, d.connections, d.handshakesAvoided, d.roundTripsSaved, d.bytesSaved, d.certificateBytesSaved, d.poolSize]).toEqual([
      ctx,
      w.connections,
      w.handshakesAvoided,
      w.roundTripsSaved,
      w.bytesSaved,
      w.certificateBytesSaved,
      w.poolSize,
    ]);
    expect(Math.abs(d.setupMsSaved - w.setupMsSaved)).toBeLessThanOrEqual(1e-6);
    expect(d.setupMsSaved).toBe(Math.round(d.setupMsSaved * 1e6) / 1e6); // rounded to 1 ns
    if (w.savedShare === null) expect(d.savedShare).toBeNull();
    else expect(Math.abs(d.savedShare! - w.savedShare)).toBeLessThanOrEqual(1e-9);
    expect(d.serverIdleTimeoutSec).toBe(w.serverIdleTimeoutSec);
    expect(d.recommendedIdleSec).toBe(w.recommendedIdleSec);
    // Without handshakes avoided there is no 'pool' verdict; the reason code follows the counters.
    if (w.handshakesAvoided === 0) {
      const code = w.connections === 1 ? 'single' : w.known === 0 ? 'unknown' : w.expired >= w.busy && w.expired > 0 ? 'apart' : 'overlap';
      expect([ctx, d.verdict, d.reasonCode]).toEqual([ctx, 'will-not-help', code]);
    }
    total.connections += w.connections;
    total.avoided += w.handshakesAvoided;
    total.ms += w.setupMsSaved;
    total.rt += w.roundTripsSaved;
    total.bytes += w.bytesSaved;
    total.cert += w.certificateBytesSaved;
  }
  total.life = conns.reduce((a, c) => a + c.lifetimeMs, 0);
  expect(r.total.connections).toBe(total.connections);
  expect(r.total.handshakesAvoided).toBe(total.avoided);
  expect(Math.abs(r.total.setupMsSaved - total.ms)).toBeLessThanOrEqual(1e-5);
  expect(r.total.roundTripsSaved).toBe(total.rt);
  expect(r.total.bytesSaved).toBe(total.bytes);
  expect(r.total.certificateBytesSaved).toBe(total.cert);
  if (total.life > 0) expect(Math.abs(r.total.savedShare! - Math.min(1, r.total.setupMsSaved / total.life))).toBeLessThanOrEqual(1e-12);
  else expect(r.total.savedShare).toBeNull();
}

/** A generated record set: a few destinations and clients, overlaps, gaps, idle closes, failed and mid-stream connections. */
function generate(seed: number, n: number): ConnectionRecord[] {
  const r = mulberry32(seed);
  const out: ConnectionRecord[] = [];
  let t = T0;
  for (let i = 0; i < n; i++) {
    t += r() < 0.3 ? 0 : r() < 0.6 ? r() * 0.5 : r() * 40;
    const dur = r() < 0.1 ? 0 : r() * 10;
    const kind = r();
    const c = rec({
      id: i,
      start: t,
      end: t + dur,
      setupMs: kind < 0.12 ? null : Math.round(r() * 8000) / 64,
      roundTrips: Math.floor(r() * 4),
      setupBytes: Math.floor(r() * 9000),
      certBytes: Math.floor(r() * 3000),
      sni: r() < 0.5 ? 'a.test' : r() < 0.5 ? null : 'b.test',
      serverIp: r() < 0.5 ? '10.0.0.2' : '10.0.0.3',
      midstream: kind > 0.93,
      teardown: {
        initiator: r() < 0.2 ? null : r() < 0.5 ? 'server' : 'client',
        ms: r() < 0.2 ? null : Math.round(r() * dur * 1000 * 64) / 64,
        idleBeforeSec: r() < 0.3 ? null : Math.round(r() * 80 * 16) / 16,
      },
    });
    if (c.setup.roundTrips !== null && r() < 0.1) c.setup.roundTrips = null;
    if (r() < 0.1) c.setup.certificateBytes = null;
    c.client = { ip: r() < 0.6 ? '192.168.0.1' : r() < 0.5 ? '192.168.0.2' : '192.168.0.3', port: 40000 + i };
    out.push(c);
  }
  return out;
}

describe('simulatePool against a plain reference of the model', () => {
  test.each([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])('generated set %d (60 connections), default options', (seed) => {
    compare(generate(seed, 60), {}, `seed ${seed}`);
  });

  test.each([
    [21, 5, undefined],
    [22, 0, undefined],
    [23, 30, 1],
    [24, 60, 2],
    [25, 2.5, 3],
    [26, 1000, 1],
  ])('generated set %d, idle timeout %d s, pool size %s', (seed, idle, size) => {
    compare(generate(seed, 80), { idleTimeoutSec: idle, maxSize: size }, `seed ${seed}`);
  });

  test('a long run through one destination and client (the pool structures grow and shrink)', () => {
    const r = mulberry32(99);
    const conns: ConnectionRecord[] = [];
    let t = T0;
    for (let i = 0; i < 2500; i++) {
      t += r() < 0.5 ? r() * 0.01 : r() * 3;
      const c = rec({ id: i, start: t, end: t + r() * 2, setupMs: 1 + (i % 13), roundTrips: 1 + (i % 3), setupBytes: 100 + i, certBytes: i % 7 });
      c.teardown = { initiator: 'client', by: 'FIN', ms: 0, idleBeforeSec: r() < 0.5 ? 0 : r() };
      conns.push(c);
    }
    compare(conns, { idleTimeoutSec: 1.5 }, 'long');
    compare(conns, { idleTimeoutSec: 1.5, maxSize: 3 }, 'long, 3');
  });

  test('many idle connections expiring at once, then reuse of the latest', () => {
    // 8 overlapping connections released at 1..8 s; the next starts at 20 s with idle timeout 15 s:
    // the ones released at 1..4 expired, the latest (8 s) is reused.
    const conns = Array.from({ length: 8 }, (_, i) => rec({ id: i, start: T0 + i * 0.001, end: T0 + 1 + i, setupMs: 10 }));
    conns.push(rec({ id: 8, start: T0 + 20, end: T0 + 21, setupMs: 12 }));
    compare(conns, { idleTimeoutSec: 15 }, 'expiry');
    const r = simulatePool(conns, { idleTimeoutSec: 15 }).destinations[0]!;
    expect(r.handshakesAvoided).toBe(1);
    expect(r.setupMsSaved).toBe(12);
    // every idle one expired at 5 s: none reused; 7 found the pool busy, 1 found only expired ones: 'overlap'
    const five = simulatePool(conns, { idleTimeoutSec: 5 }).destinations[0]!;
    expect(five.handshakesAvoided).toBe(0);
    expect(five.reasonCode).toBe('overlap');
    compare(conns, { idleTimeoutSec: 5 }, 'expiry 5 s');
    // sequential connections 30 s apart with a 5 s idle timeout: 'apart'
    const seq = [0, 30, 60].map((o, i) => rec({ id: i, start: T0 + o, end: T0 + o + 1, setupMs: 10 }));
    const apart = simulatePool(seq, { idleTimeoutSec: 5 }).destinations[0]!;
    expect(apart.handshakesAvoided).toBe(0);
    expect(apart.reasonCode).toBe('apart');
    // the numbers as the rule gives them: idle timeout 5 s, shortest gap 30 s − 1 s (released at its end)
    expect(apart.reason).toMatch(/^The 3 connections to example\.test:443 came further apart than the pool's idle timeout of 5(\.0+)? s \(the shortest idle gap was 29(\.0+)? s\)/);
  });

  test("the server's shortest idle close caps the idle timeout; the recommendation is 80 % of it, down to 0.1 s", () => {
    const a = rec({ id: 0, start: T0, end: T0 + 10, setupMs: 10, teardown: { initiator: 'server', ms: 0, idleBeforeSec: 7.7 } });
    const b = rec({ id: 1, start: T0 + 11, end: T0 + 30, setupMs: 10, teardown: { initiator: 'server', ms: 0, idleBeforeSec: 3.33 } });
    const c = rec({ id: 2, start: T0 + 32, end: T0 + 33, setupMs: 10, teardown: { initiator: 'client', ms: 0, idleBeforeSec: 1.5 } });
    // a is released at 2.3 s, b at 26.67 s: b (at 11 s) finds a idle 8.7 s > 3.33 s; c (at 32 s) finds b idle 5.33 s > 3.33 s.
    const d = simulatePool([a, b, c]).destinations[0]!;
    expect(d.serverIdleTimeoutSec).toBe(3.33);
    expect(d.recommendedIdleSec).toBe(Math.floor(3.33 * RECOMMENDED_IDLE_FACTOR * 10) / 10);
    expect(d.recommendedIdleSec).toBe(2.6);
    expect(d.handshakesAvoided).toBe(0);
    compare([a, b, c], {}, 'server idle');
    // a pool timeout below the server's: the pool's counts
    compare([a, b, c], { idleTimeoutSec: 1 }, 'server idle, pool 1 s');
    // with a 10 s server close instead: b reuses a (idle 1.5 s), c finds b idle 12 s > 10 s
    const a2 = rec({ id: 0, start: T0, end: T0 + 10, setupMs: 10, teardown: { initiator: 'server', ms: 0, idleBeforeSec: 0.5 } });
    const b2 = rec({ id: 1, start: T0 + 11, end: T0 + 30, setupMs: 10, teardown: { initiator: 'server', ms: 0, idleBeforeSec: 10 } });
    expect(simulatePool([a2, b2, c]).destinations[0]!.handshakesAvoided).toBe(1);
    expect(simulatePool([a2, b2, c], { idleTimeoutSec: 9 }).destinations[0]!.handshakesAvoided).toBe(1);
    expect(simulatePool([a2, b2, c], { idleTimeoutSec: 1.4 }).destinations[0]!.handshakesAvoided).toBe(0);
    compare([a2, b2, c], {}, 'server idle 10');
    // under 1 s of idle is not an idle close
    expect(simulatePool([a2]).destinations[0]!.serverIdleTimeoutSec).toBeNull();
    expect(simulatePool([a2]).destinations[0]!.recommendedIdleSec).toBeNull();
  });

  test('reason codes of destinations without savings', () => {
    const single = simulatePool([rec({ start: T0, end: T0 + 1 })]).destinations[0]!;
    expect(single.reasonCode).toBe('single');
    const unknown = simulatePool([rec({ start: T0, end: T0 + 1, setupMs: null }), rec({ start: T0 + 2, end: T0 + 3, setupMs: null })]).destinations[0]!;
    expect(unknown.reasonCode).toBe('unknown');
    expect(unknown.handshakesAvoided).toBe(0);
    const overlap = simulatePool([rec({ start: T0, end: T0 + 5 }), rec({ start: T0 + 1, end: T0 + 6 })]).destinations[0]!;
    expect(overlap.reasonCode).toBe('overlap');
    // midstream connections take part (hold a pooled connection) but save nothing
    const mid = [rec({ start: T0, end: T0 + 1, midstream: true }), rec({ start: T0 + 2, end: T0 + 3, midstream: true })];
    const m = simulatePool(mid).destinations[0]!;
    expect(m.handshakesAvoided).toBe(0);
    expect(m.reasonCode).toBe('unknown');
    compare(mid, {}, 'midstream');
  });

  test('savedShare is capped at 1 and null without connection time', () => {
    // Two zero-length connections with setup: the second reuses the first; no connection time.
    const z = [rec({ id: 0, start: T0, end: T0, setupMs: 5 }), rec({ id: 1, start: T0, end: T0, setupMs: 5 })];
    const d = simulatePool(z).destinations[0]!;
    expect(d.savedShare).toBeNull();
    expect(simulatePool(z).total.savedShare).toBeNull();
    // setup longer than the connection time (clock oddities): capped at 1
    const x = [rec({ id: 0, start: T0, end: T0 + 0.001, setupMs: 50 }), rec({ id: 1, start: T0 + 0.002, end: T0 + 0.003, setupMs: 50 })];
    expect(simulatePool(x).destinations[0]!.savedShare).toBe(1);
    expect(simulatePool(x).total.savedShare).toBe(1);
  });

  test('QUIC connections are left out of the simulation', () => {
    const q = rec({ start: T0, end: T0 + 1 });
    q.transport = 'quic';
    const r = simulatePool([q, rec({ start: T0 + 2, end: T0 + 3 })]);
    expect(r.total.connections).toBe(1);
  });
});

describe('releaseTime', () => {
  const c = (end: number, ms: number | null, idle: number | null) => rec({ start: T0, end: T0 + end, teardown: { ms, idleBeforeSec: idle } });
  test.each([
    [10, 2000, 3, T0 + 5], // end − 2 s − 3 s
    [10, null, 3, T0 + 7],
    [10, 2000, null, T0 + 8],
    [10, null, null, T0 + 10],
    [10, 4000, 8, T0], // before the start: the start
    [10, -1000, 0, T0 + 10], // after the end: the end
  ])('end %d s, teardown %s ms, idle %s s', (end, ms, idle, want) => {
    expect(releaseTime(c(end, ms, idle))).toBeCloseTo(want, 6);
    expect(releaseTime(c(end, ms, idle))).toBe(refRelease(c(end, ms, idle)));
  });
});

describe('options', () => {
  test('defaults as the README states them', () => {
    expect(DEFAULT_POOL_OPTIONS).toEqual({ idleTimeoutSec: 60, maxSize: undefined, minSavedMs: 1, minSavedShare: 0.05, minAvoidedPerRequest: 0.1, rttMs: undefined });
    expect(RECOMMENDED_IDLE_FACTOR).toBe(0.8);
    expect(simulatePool([]).options).toEqual(DEFAULT_POOL_OPTIONS);
    expect(simulatePool([], { idleTimeoutSec: 5, maxSize: undefined }).options).toEqual({ ...DEFAULT_POOL_OPTIONS, idleTimeoutSec: 5 });
  });

  test('invalid values are RangeErrors naming the value; edge values are fine', () => {
    expect(() => simulatePool([], { idleTimeoutSec: -1 })).toThrow('pool idle timeout must be >= 0 s, got -1');
    expect(() => simulatePool([], { idleTimeoutSec: NaN })).toThrow(RangeError);
    expect(() => simulatePool([], { idleTimeoutSec: 0 })).not.toThrow();
    expect(() => simulatePool([], { maxSize: 0 })).toThrow('pool size must be a whole number >= 1, got 0');
    expect(() => simulatePool([], { maxSize: 1.5 })).toThrow(RangeError);
    expect(() => simulatePool([], { maxSize: 1 })).not.toThrow();
    expect(() => simulatePool([], { rttMs: -0.5 })).toThrow('RTT must be >= 0 ms, got -0.5');
    expect(() => simulatePool([], { rttMs: Infinity })).toThrow(RangeError);
    expect(() => simulatePool([], { rttMs: NaN })).toThrow(RangeError);
    expect(() => simulatePool([], { rttMs: 0 })).not.toThrow();
  });

  test('no connections: nothing to pool', () => {
    const r = simulatePool([]);
    expect(r.destinations).toEqual([]);
    expect(r.total.connections).toBe(0);
    expect(r.total.savedShare).toBeNull();
    expect(r.total.verdict).toBe('will-not-help');
    expect(r.total.reason).toBe('No connections were seen, so there is nothing to pool.');
  });
});

describe('destination order', () => {
  test('by total setup ms, largest first, then by key, whatever order the connections come in (pool.ts doc: the order of destinations())', () => {
    const T = 1_700_000_000;
    // Setup totals per destination: b 30 (two of 15), a 30 (one of 30), c 45, d 5; a and b tie.
    const conns = [
      rec({ start: T, end: T + 1, setupMs: 15, sni: 'b.test' }),
      rec({ start: T + 100, end: T + 101, setupMs: 15, sni: 'b.test' }),
      rec({ start: T + 2, end: T + 3, setupMs: 30, sni: 'a.test' }),
      rec({ start: T + 4, end: T + 5, setupMs: 45, sni: 'c.test' }),
      rec({ start: T + 6, end: T + 7, setupMs: 5, sni: 'd.test' }),
    ];
    const want = ['c.test:443', 'a.test:443', 'b.test:443', 'd.test:443'];
    const r = mulberry32(7);
    for (let i = 0; i < 8; i++) {
      const order = [...conns];
      for (let j = order.length - 1; j > 0; j--) {
        const k = Math.floor(r() * (j + 1));
        [order[j], order[k]] = [order[k]!, order[j]!];
      }
      expect(simulatePool(order as unknown as ConnRow[]).destinations.map((d) => d.key)).toEqual(want);
    }
  });
});

describe('the verdict thresholds are "at least" (pool.ts file comment)', () => {
  test('a saving exactly at minAvoidedPerRequest or at minSavedShare meets it; a hair above the saving does not', () => {
    const T = 1_700_000_000;
    // One destination, three connections one after another: the pool reuses one connection.
    const conns = [0, 10, 20].map((s) => rec({ start: T + s, end: T + s + 1, setupMs: 40, sni: 'x.test' })) as unknown as ConnRow[];
    const base = simulatePool(conns, { minAvoidedPerRequest: 0, minSavedShare: 0 }).destinations[0]!;
    expect(base.verdict).toBe('pool');
    const perReq = base.rates.perRequest!.handshakesAvoided;
    const share = base.savedShare!;
    expect(perReq).toBeGreaterThan(0);
    expect(share).toBeGreaterThan(0);
    expect(simulatePool(conns, { minAvoidedPerRequest: perReq, minSavedShare: 0 }).destinations[0]!.verdict).toBe('pool');
    expect(simulatePool(conns, { minAvoidedPerRequest: perReq * (1 + 1e-9), minSavedShare: 0 }).destinations[0]!.verdict).not.toBe('pool');
    expect(simulatePool(conns, { minAvoidedPerRequest: 0, minSavedShare: share }).destinations[0]!.verdict).toBe('pool');
    expect(simulatePool(conns, { minAvoidedPerRequest: 0, minSavedShare: share * (1 + 1e-9) }).destinations[0]!.verdict).not.toBe('pool');
  });
});

describe('the --rtt threshold and the verdict rule at their edges (pool.ts file comment; rep-pool-b survivors)', () => {
  const T = 1_700_000_000;
  // Four connections 1 s apart, 0.5 s long, setup 40 ms: 3 reused, 120 ms of 2000 ms saved (6 %).
  const conns = [0, 1, 2, 3].map((s) => rec({ start: T + s, end: T + s + 0.5, setupMs: 40, sni: 'x.test' })) as unknown as ConnRow[];

  test('minSavedMs applies only with --rtt: without it no projection is a threshold, whatever the capture RTT saves', () => {
    // The capture's own RTT (1 ms per rec()) projects ≈ 30 ms per request, under 1000 ms; without --rtt that is no threshold.
    const r = simulatePool(conns, { minSavedMs: 1000 });
    expect(r.destinations[0]!.projections.some((p) => p.source === 'capture')).toBe(true);
    expect(r.destinations[0]!.verdict).toBe('pool');
    expect(r.total.verdict).toBe('pool');
    // with --rtt it is one
    expect(simulatePool(conns, { minSavedMs: 1000, rttMs: 10 }).destinations[0]!.verdict).toBe('will-not-help');
  });

  test('a saving per request at the --rtt RTT exactly at minSavedMs meets it; a hair above it does not', () => {
    const at = simulatePool(conns, { rttMs: 10 }).destinations[0]!.projections.find((p) => p.source === 'option')!.savedMsPerRequest!;
    expect(at).toBeGreaterThan(1);
    expect(simulatePool(conns, { rttMs: 10, minSavedMs: at }).destinations[0]!.verdict).toBe('pool');
    expect(simulatePool(conns, { rttMs: 10, minSavedMs: at * (1 + 1e-9) }).destinations[0]!.verdict).toBe('will-not-help');
  });

  test('with every threshold at 0, a pool that avoids no handshake still does not help', () => {
    // three connections open at once: nothing to reuse, so 0 avoided; savedShare 0 is "at least 0"
    const overlap = [0, 0.1, 0.2].map((s) => rec({ start: T + s, end: T + s + 5, setupMs: 50, sni: 'x.test' })) as unknown as ConnRow[];
    const r = simulatePool(overlap, { minAvoidedPerRequest: 0, minSavedShare: 0 });
    expect(r.destinations[0]!.handshakesAvoided).toBe(0);
    expect(r.destinations[0]!.savedShare).toBe(0);
    expect(r.destinations[0]!.verdict).toBe('will-not-help');
    expect(r.destinations[0]!.reasonCode).toBe('overlap');
    expect(r.total.verdict).toBe('will-not-help');
  });
});
