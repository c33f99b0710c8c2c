/**
 * The pool verdict's sentences (src/report/pool.ts, destinationReason /
 * totalReason / idleTimeoutSentences), whole, for each reason code. The
 * numbers in them are worked out by hand from the model in pool.ts's file
 * comment and the number formats of src/base/format.ts (fmtMs: 2 decimals
 * under 10, 1 under 100, whole above; fmtSec: 3 / 2 / 1 decimals under 1 /
 * under 10 / above; fmtPct one decimal; fmtRate 2 significant decimals).
 */
import { fmtRate, simulatePool } from '../../src/report/pool.js';
import type { ConnectionRecord, QuicMetrics } from '../../src/timeline/types.js';
import { rec, type Spec } from './records.js';

const T0 = 1_700_000_000;
/** Every record from rec() has an initial RTT of 1 ms and 2 setup round trips unless set. */
const seq = (n: number, every: number, long: number, s: Partial<Spec> = {}): ConnectionRecord[] =>
  Array.from({ length: n }, (_, i) => rec({ start: T0 + i * every, end: T0 + i * every + long, ...s }));
const withClient = (c: ConnectionRecord, ip: string): ConnectionRecord => ({ ...c, client: { ip, port: c.client.port } });
const EST = ', estimated from client data bursts';

describe('fmtRate', () => {
  test('2 significant decimals, trailing zeros dropped', () => {
    expect(fmtRate(0)).toBe('0');
    expect(fmtRate(0.75)).toBe('0.75');
    expect(fmtRate(0.1234)).toBe('0.123');
    expect(fmtRate(1.5)).toBe('1.5');
    expect(fmtRate(1.234)).toBe('1.23');
    expect(fmtRate(9.999)).toBe('10');
    expect(fmtRate(12.34)).toBe('12.3');
    expect(fmtRate(10)).toBe('10');
    expect(fmtRate(99.96)).toBe('100');
    expect(fmtRate(123.4)).toBe('123');
    expect(fmtRate(100)).toBe('100');
    expect(fmtRate(-0.5)).toBe('-0.5');
    expect(fmtRate(-12.34)).toBe('-12.3');
    expect(fmtRate(-123.4)).toBe('-123');
    expect(fmtRate(-1.234)).toBe('-1.23');
  });
});

describe("'pool': the destination and the total", () => {
  // 4 connections 1 s apart, 0.5 s long, setup 40 ms in 2 round trips, 1000 bytes: 3 reused,
  // 120 ms saved of 2000 ms (6.0 %); 4 estimated requests (one per completed setup).
  const conns = seq(4, 1, 0.5, { setupMs: 40, setupBytes: 1000 });
  const head =
    'A keep-alive pool to example.test:443 (idle timeout 60.0 s, up to 1 connection) would have served 3 of its 4 connections on a reused one: ' +
    '3 handshakes avoided, 120 ms of setup saved (6.0 % of connection time), 6 round trips and 3,000 bytes.';
  // per request: 160 / 4 = 40 ms setup, 8 / 4 = 2 round trips; 3 / 4 = 0.75 avoided; 120 / 4 = 30 ms and 6 / 4 = 1.5 round trips saved
  const per = `Per request (4 requests${EST}): setup costs 40.0 ms and 2 round trips today; a pool avoids 0.75 handshakes and saves 30.0 ms and 1.5 round trips.`;

  test('without --rtt', () => {
    const r = simulatePool(conns);
    expect(r.destinations[0]!.reason).toBe(`${head} ${per}`);
    expect(r.destinations[0]!.reasonCode).toBe('pool');
    expect(r.total.reason).toBe(
      'Connection pooling would help: over 4 connections to 1 destination, 3 handshakes avoided, 120 ms of setup saved (6.0 % of connection time), 6 round trips and 3,000 bytes. ' +
        `${per} Pooling matters for 1 of 1 destination, most for example.test:443 (120 ms).`,
    );
  });

  test('with --rtt 10: the projection sentence', () => {
    // processing per connection: 40 - 2 x 1 ms = 38; at 10 ms: (8 x 10 + 4 x 38) / 4 = 58 ms per new connection;
    // saved per request (6 x 10 + 3 x 38) / 4 = 43.5 ms
    const r = simulatePool(conns, { rttMs: 10 });
    const proj = ' At 10.0 ms RTT: 58.0 ms per new connection, 0.75 of them per request → a pool saves ≈ 43.5 ms per request.';
    expect(r.destinations[0]!.reason).toBe(`${head} ${per}${proj}`);
    expect(r.total.verdict).toBe('pool');
  });

  test('certificates named when some were saved; several destinations: the 3 that save most', () => {
    // 3 connections: 2 avoided, 80 ms of 1500 ms (5.3 %)
    const cert = simulatePool(seq(3, 1, 0.5, { setupMs: 40, setupBytes: 1000, certBytes: 400 }));
    expect(cert.destinations[0]!.reason).toContain('2 handshakes avoided, 80.0 ms of setup saved (5.3 % of connection time), 4 round trips and 2,000 bytes (800 of them certificates).');
    const many = ['a', 'b', 'c', 'd'].flatMap((h, i) => seq(3, 1, 0.5, { setupMs: 100 * (i + 1), sni: `${h}.test` }));
    const r = simulatePool(many);
    expect(r.total.verdict).toBe('pool');
    // saved (2 reuses each): a 200, b 400, c 600, d 800 ms, each of 1500 ms
    expect(r.total.reason).toMatch(/ Pooling matters for 4 of 4 destinations, most for d\.test:443 \(800 ms\), c\.test:443 \(600 ms\), b\.test:443 \(400 ms\)\.$/);
    // one destination under the thresholds is not named among those that matter
    const mixed = simulatePool([...many, ...seq(3, 20, 10, { setupMs: 2, sni: 'e.test' })]);
    expect(mixed.total.reason).toMatch(/ Pooling matters for 4 of 5 destinations, most for d\.test:443 \(800 ms\), c\.test:443 \(600 ms\), b\.test:443 \(400 ms\)\.$/);
  });
});

describe("'single', 'unknown', 'overlap', 'apart'", () => {
  test('single: one connection', () => {
    const r = simulatePool([rec({ start: T0, end: T0 + 4, setupMs: 20 })]);
    const d = r.destinations[0]!;
    expect(d.reasonCode).toBe('single');
    // setup 20 ms of 4000 ms
    expect(d.reason).toBe('Only one connection to example.test:443 was seen; setup took 0.5 % of its time. It already carries everything sent there, so a pool has no handshake to avoid.');
    // the total drops the destination's first two sentences (the head says it)
    expect(r.total.reason).toBe('Connection pooling would not help: the capture holds a single connection, so there is nothing to reuse.');
    const mid = simulatePool([rec({ start: T0, end: T0 + 4, setupMs: null, midstream: true })]).destinations[0]!;
    expect(mid.reason).toBe('Only one connection to example.test:443 was seen. It already carries everything sent there, so a pool has no handshake to avoid.');
  });

  test('single with an idle close: the total keeps the idle-close sentence', () => {
    const c = rec({ start: T0, end: T0 + 10, setupMs: 20, teardown: { initiator: 'server', by: 'FIN', ms: 0, idleBeforeSec: 5 } });
    const r = simulatePool([c]);
    const idle =
      'The server closed 1 idle connection, after 5.00 s without data. A pool idle timeout of 60.0 s outlives it and would reuse connections the server already dropped (stale keep-alive, ECONNRESET); use at most 4.00 s.';
    expect(r.destinations[0]!.reason).toBe(
      `Only one connection to example.test:443 was seen; setup took 0.2 % of its time. It already carries everything sent there, so a pool has no handshake to avoid. ${idle}`,
    );
    expect(r.total.reason).toBe(`Connection pooling would not help: the capture holds a single connection, so there is nothing to reuse. ${idle}`);
  });

  test('unknown: no setup captured', () => {
    const r = simulatePool(seq(2, 1, 0.5, { setupMs: null, midstream: true }));
    expect(r.destinations[0]!.reasonCode).toBe('unknown');
    const own =
      'The setup of none of the 2 connections to example.test:443 was captured (they started before the capture or never completed a handshake), so no savings can be counted.';
    expect(r.destinations[0]!.reason).toBe(own);
    expect(r.total.reason).toBe(`Connection pooling would not help: none of the 2 connections to 1 destination could have reused an idle connection. ${own}`);
  });

  test('overlap: every connection open at once', () => {
    const r = simulatePool(seq(3, 0.1, 5, { setupMs: 50 }));
    expect(r.destinations[0]!.reasonCode).toBe('overlap');
    expect(r.destinations[0]!.reason).toBe(
      'The 3 connections to example.test:443 overlapped (up to 3 at once) and none started while another was idle, so each needed its own connection.',
    );
  });

  test("apart: the pool's idle timeout, and the server's when shorter", () => {
    const r = simulatePool(seq(3, 10, 0.5, { setupMs: 50 }), { idleTimeoutSec: 5 });
    expect(r.destinations[0]!.reasonCode).toBe('apart');
    expect(r.destinations[0]!.reason).toBe(
      "The 3 connections to example.test:443 came further apart than the pool's idle timeout of 5.00 s (the shortest idle gap was 9.50 s), so a pooled connection would have been closed before the next one started.",
    );
    // the server closed the first after 2 s idle (its last payload at T0 + 1): the next, 9 s later, meets the 2 s cap
    const a = rec({ start: T0, end: T0 + 3, setupMs: 50, teardown: { initiator: 'server', by: 'FIN', ms: 0, idleBeforeSec: 2 } });
    const b = rec({ start: T0 + 10, end: T0 + 10.5, setupMs: 50 });
    const s = simulatePool([a, b]);
    expect(s.destinations[0]!.reason).toBe(
      "The 2 connections to example.test:443 came further apart than the server's observed idle timeout of 2.00 s (the shortest idle gap was 9.00 s), so a pooled connection would have been closed before the next one started. " +
        'The server closed 1 idle connection, after 2.00 s without data. A pool idle timeout of 60.0 s outlives it and would reuse connections the server already dropped (stale keep-alive, ECONNRESET); use at most 1.60 s.',
    );
    // a pool timeout below the server's: advice to keep it there
    const below = simulatePool([a, b], { idleTimeoutSec: 1 });
    expect(below.destinations[0]!.reason).toBe(
      "The 2 connections to example.test:443 came further apart than the pool's idle timeout of 1.00 s (the shortest idle gap was 9.00 s), so a pooled connection would have been closed before the next one started. " +
        "The server closed 1 idle connection, after 2.00 s without data. Keep the pool's idle timeout below that (1.60 s or less).",
    );
    // equal to the server's: it outlives it
    expect(simulatePool([a, b], { idleTimeoutSec: 2 }).destinations[0]!.reason).toContain('A pool idle timeout of 2.00 s outlives it');
  });

  test('apart beats overlap when at least as many expired as found the pool busy', () => {
    // c1 0–5 busy; c2 at 1 finds it busy (busy 1), opens a 2nd; c3 at 20 finds both expired (expired 1): 'apart'
    const conns = [rec({ start: T0, end: T0 + 5, setupMs: 5 }), rec({ start: T0 + 1, end: T0 + 2, setupMs: 5 }), rec({ start: T0 + 20, end: T0 + 21, setupMs: 5 })];
    expect(simulatePool(conns, { idleTimeoutSec: 3 }).destinations[0]!.reasonCode).toBe('apart');
    // one more that finds the pool busy: busy 2 > expired 1: 'overlap'
    const more = [...conns, rec({ start: T0 + 1.5, end: T0 + 3, setupMs: 5 })];
    expect(simulatePool(more, { idleTimeoutSec: 3 }).destinations[0]!.reasonCode).toBe('overlap');
  });
});

describe("'small': reuse under the thresholds", () => {
  // 3 connections 20 s apart, 10 s long, setup 2 ms: 2 avoided, 4 ms saved of 30 s
  const conns = seq(3, 20, 10, { setupMs: 2 });
  // per request: 6 / 3 = 2.00 ms, 2 round trips; 2 / 3 = 0.667 avoided; 4 / 3 = 1.33 ms and 1.33 round trips saved
  const per = `Per request (3 requests${EST}): setup costs 2.00 ms and 2 round trips today; a pool avoids 0.667 handshakes and saves 1.33 ms and 1.33 round trips.`;
  const longLived = 'The connections are long-lived: setup is only 0.0 % of their time.';
  const quick = 'Setup is already quick (median 2.00 ms), so each new connection costs little.';

  test('every sentence; the total leaves out the repeated first one', () => {
    const r = simulatePool(conns);
    const d = r.destinations[0]!;
    expect(d.reasonCode).toBe('small');
    const first = 'A pool would avoid 2 of 3 handshakes to example.test:443 but save only 4.00 ms (0.0 % of connection time), under the threshold of 5.0 % of connection time.';
    expect(d.reason).toBe([first, per, longLived, quick].join(' '));
    expect(r.total.reason).toBe(
      [
        'Connection pooling would not help much: it would avoid 2 of 3 handshakes but save only 4.00 ms (0.0 % of connection time), under the threshold of 5.0 % of connection time.',
        per,
        longLived,
        quick,
      ].join(' '),
    );
  });

  test('all three thresholds missed, in words', () => {
    const r = simulatePool(conns, { rttMs: 1, minAvoidedPerRequest: 0.9, minSavedMs: 100 });
    // at 1 ms: (2 x 2 x 1 + 0) / 3 = 1.33 ms saved per request (processing 0: 2 ms - 2 x 1 ms)
    expect(r.destinations[0]!.reason).toContain(
      'under the thresholds of 0.9 handshakes avoided per request, 5.0 % of connection time and 100 ms per request at 1.00 ms RTT.',
    );
    const two = simulatePool(conns, { minAvoidedPerRequest: 0.9 });
    expect(two.destinations[0]!.reason).toContain('under the thresholds of 0.9 handshakes avoided per request and 5.0 % of connection time.');
    // only the per-request saving at the RTT falls short
    const one = simulatePool(conns, { rttMs: 1, minSavedShare: 0, minSavedMs: 100 });
    expect(one.destinations[0]!.reason).toContain('under the threshold of 100 ms per request at 1.00 ms RTT.');
  });

  test('resumed handshakes, short-lived and slow setups: other sentences', () => {
    // 4 connections 10 s apart, 1 s long, setup 50 ms, 2 of them resumed (50 %): share 5 % each, avoided 3, saved 150 ms of 4 s = 3.75 %
    const r = simulatePool([0, 1, 2, 3].map((i) => rec({ start: T0 + 10 * i, end: T0 + 10 * i + 1, setupMs: 50, resumed: i % 2 === 1 })));
    const d = r.destinations[0]!;
    expect(d.reasonCode).toBe('small');
    expect(d.reason).toContain('50.0 % of the TLS handshakes were already resumed, which keeps them cheap.');
    expect(d.reason).not.toContain('long-lived');
    expect(d.reason).not.toContain('already quick');
    const one = simulatePool([0, 1, 2, 3].map((i) => rec({ start: T0 + 10 * i, end: T0 + 10 * i + 1, setupMs: 50, resumed: i === 1 })));
    expect(one.destinations[0]!.reason).not.toContain('resumed');
  });

  test('a full pool: the over-cap sentence', () => {
    // two at once, then two at once after they ended: a pool of 1 reuses one of the second pair; the other finds it full
    const conns2 = [0, 0.1, 2, 2.1].map((o) => rec({ start: T0 + o, end: T0 + o + 1, setupMs: 2 }));
    const d = simulatePool(conns2, { maxSize: 1, minSavedShare: 0.5 }).destinations[0]!;
    expect(d.handshakesAvoided).toBe(1);
    expect(d.reason).toContain(' 2 connections found the pool full at 1 and paid a handshake anyway.');
  });
});

describe('client idle closes; several destinations; QUIC beside TCP', () => {
  test("the client's own idle closes", () => {
    const a = rec({ start: T0, end: T0 + 10, setupMs: 20, teardown: { initiator: 'client', by: 'FIN', ms: 0, idleBeforeSec: 7 } });
    const b = rec({ start: T0 + 20, end: T0 + 30, setupMs: 20, teardown: { initiator: 'client', by: 'FIN', ms: 0, idleBeforeSec: 3.5 } });
    const one = simulatePool([a]).destinations[0]!;
    expect(one.reason).toMatch(/ The client closed 1 idle connection itself, after 7\.00 s without data\.$/);
    const two = simulatePool([a, b]).destinations[0]!;
    expect(two.reason).toMatch(/ The client closed 2 idle connections itself, after 3\.50 s without data at the shortest\.$/);
    expect(two.serverIdleTimeoutSec).toBeNull();
    expect(two.recommendedIdleSec).toBeNull();
  });

  test('two server idle closes: the shortest, and the recommendation rounded down to 0.1 s', () => {
    const a = rec({ start: T0, end: T0 + 20, setupMs: 20, teardown: { initiator: 'server', by: 'FIN', ms: 0, idleBeforeSec: 9 } });
    const b = rec({ start: T0 + 30, end: T0 + 40, setupMs: 20, teardown: { initiator: 'server', by: 'FIN', ms: 0, idleBeforeSec: 6.3 } });
    const d = simulatePool([a, b]).destinations[0]!;
    expect(d.serverIdleTimeoutSec).toBe(6.3);
    // 6.3 x 0.8 = 5.04 -> 5.0
    expect(d.recommendedIdleSec).toBe(5);
    expect(d.reason).toContain('The server closed 2 idle connections, after 6.30 s without data at the shortest. A pool idle timeout of 60.0 s outlives it');
    expect(d.reason).toContain('use at most 5.00 s.');
  });

  test('every cause counted in the total', () => {
    const conns = [
      rec({ start: T0, end: T0 + 1, sni: 'single.test', setupMs: 5 }),
      ...seq(2, 0.1, 5, { sni: 'overlap.test', setupMs: 5 }),
      ...seq(2, 100, 0.5, { sni: 'apart.test', setupMs: 5 }),
      ...seq(2, 1, 0.5, { sni: 'unknown.test', setupMs: null, midstream: true }),
      ...seq(3, 20, 10, { sni: 'small.test', setupMs: 2 }),
      ...seq(4, 1, 0.5, { sni: 'pool.test', setupMs: 40 }),
      // far more connections that cannot be pooled keep the total under 0.1 per request
      ...Array.from({ length: 40 }, (_, i) => rec({ start: T0 + i * 0.01, end: T0 + 1000, sni: 'crowd.test', setupMs: 1 })),
    ];
    const r = simulatePool(conns, { idleTimeoutSec: 30 });
    const codes = Object.fromEntries(r.destinations.map((d) => [d.key.split('.')[0], d.reasonCode]));
    expect(codes).toEqual({ single: 'single', overlap: 'overlap', apart: 'apart', unknown: 'unknown', small: 'small', pool: 'pool', crowd: 'overlap' });
    expect(r.total.verdict).toBe('will-not-help');
    // 1 + 2 + 2 + 2 + 3 + 4 + 40 = 54 connections; avoided: small 2 + pool 3 = 5; saved 4 + 120 = 124 ms of ~40,000 s;
    // 52 estimated requests (the 2 midstream ones carry none): 5 / 52 < 0.1
    expect(r.total.reason).toMatch(
      /^Connection pooling would not help much: it would avoid 5 of 54 handshakes but save only 124 ms \(0\.0 % of connection time\), under the thresholds of 0\.1 handshakes avoided per request and 5\.0 % of connection time\. Of /,
    );
    expect(r.total.reason).toMatch(
      / Of the 7 destinations, 1 had a single connection, 2 had only overlapping connections, 1 had connections further apart than the idle timeout, 1 had no captured setup, 1 would save too little and 1 would benefit on their own\.$/,
    );
  });

  test('none avoided over several destinations; two causes joined by "and"', () => {
    const r = simulatePool([rec({ start: T0, end: T0 + 1, sni: 'a.test' }), rec({ start: T0, end: T0 + 1, sni: 'b.test' }), ...seq(2, 1, 0.5, { sni: 'c.test', setupMs: null, midstream: true })]);
    expect(r.total.reason).toBe(
      'Connection pooling would not help: none of the 4 connections to 3 destinations could have reused an idle connection. Of the 3 destinations, 2 had a single connection and 1 had no captured setup.',
    );
  });

  test('QUIC beside TCP: the words are about TCP connections; QUIC only: its own sentence', () => {
    const quic = (c: ConnectionRecord): ConnectionRecord => ({ ...c, transport: 'quic', tcp: null, quic: { zeroRtt: false } as unknown as QuicMetrics });
    const both = simulatePool([rec({ start: T0, end: T0 + 1 }), quic(rec({ start: T0, end: T0 + 1, sni: 'h3.test' }))]);
    expect(both.total.reason).toBe('Connection pooling would not help: the capture holds a single TCP connection, so there is nothing to reuse.');
    expect(both.total.connections).toBe(1);
    expect(both.quic?.connections).toBe(1);
    const only = simulatePool([quic(rec({ start: T0, end: T0 + 1, sni: 'h3.test' }))]);
    expect(only.destinations).toEqual([]);
    expect(only.total.reason).toBe('No TCP connections were seen, so the keep-alive simulation has nothing to pool (QUIC: see its own counts).');
    expect(simulatePool([]).quic).toBeNull();
    // a client on another host in the same destination: its own pool
    const hosts = simulatePool([withClient(rec({ start: T0, end: T0 + 0.5 }), '10.0.0.7'), rec({ start: T0 + 1, end: T0 + 1.5 })]);
    expect(hosts.destinations[0]!.handshakesAvoided).toBe(0);
  });
});

describe('options', () => {
  test('RangeError texts; undefined options keep the defaults', () => {
    expect(() => simulatePool([], { idleTimeoutSec: -1 })).toThrow('pool idle timeout must be >= 0 s, got -1');
    expect(() => simulatePool([], { idleTimeoutSec: NaN })).toThrow('pool idle timeout must be >= 0 s, got NaN');
    expect(() => simulatePool([], { maxSize: 1.5 })).toThrow('pool size must be a whole number >= 1, got 1.5');
    expect(() => simulatePool([], { maxSize: 0 })).toThrow('pool size must be a whole number >= 1, got 0');
    expect(() => simulatePool([], { rttMs: -1 })).toThrow('RTT must be >= 0 ms, got -1');
    expect(() => simulatePool([], { rttMs: Infinity })).toThrow('RTT must be >= 0 ms, got Infinity');
    expect(simulatePool([], { rttMs: 0, maxSize: 1, idleTimeoutSec: 0 }).options).toMatchObject({ rttMs: 0, maxSize: 1, idleTimeoutSec: 0 });
    expect(simulatePool([], { idleTimeoutSec: undefined, minSavedMs: 3 }).options).toEqual({
      idleTimeoutSec: 60,
      maxSize: undefined,
      minSavedMs: 3,
      minSavedShare: 0.05,
      minAvoidedPerRequest: 0.1,
      rttMs: undefined,
    });
  });
});

describe('the model against the record order (pool.ts file comment: connections taken in order of start)', () => {
  test('records in any order: the same reuse', () => {
    // 4 connections 1 s apart, 0.5 s long: 3 reused, whatever the order of the records
    const conns = seq(4, 1, 0.5, { setupMs: 40 });
    for (const order of [conns, [...conns].reverse(), [conns[2]!, conns[0]!, conns[3]!, conns[1]!]]) {
      const d = simulatePool(order).destinations[0]!;
      expect([d.handshakesAvoided, d.setupMsSaved]).toEqual([3, 120]);
    }
  });

  test('equal starts: the lower id first (it takes the one pooled connection of a pool of 1)', () => {
    // ids 1 and 2 start together; a pool of 1 holds id 1 (released at 1 s); the one at 2 s reuses it.
    // Had id 2 (busy until 10 s) been pooled, nothing would be idle at 2 s.
    const a = rec({ id: 1, start: T0, end: T0 + 1, setupMs: 20 });
    const b = rec({ id: 2, start: T0, end: T0 + 10, setupMs: 20 });
    const c = rec({ id: 3, start: T0 + 2, end: T0 + 3, setupMs: 20 });
    for (const order of [[a, b, c], [b, a, c], [c, b, a]]) {
      expect(simulatePool(order, { maxSize: 1 }).destinations[0]!.handshakesAvoided).toBe(1);
    }
    // later start, lower id: start order, not id order
    const d = rec({ id: 0, start: T0 + 20, end: T0 + 21, setupMs: 20 });
    const e = rec({ id: 9, start: T0 + 5, end: T0 + 6, setupMs: 20 });
    // e (5–6) opens; d at 20 reuses it. Taken in id order, d (busy until 21) would be open when e starts: none reused.
    expect(simulatePool([d, e]).destinations[0]!.handshakesAvoided).toBe(1);
  });

  test('the shortest expired gap, whichever comes first', () => {
    // idle timeout 5 s: gaps of 19.5 s and 9.5 s (and the other way round) both expire; the sentence names 9.50 s
    const ends = (starts: number[]) => starts.map((s) => rec({ start: T0 + s, end: T0 + s + 0.5, setupMs: 50 }));
    for (const starts of [[0, 20, 30], [0, 10, 30]]) {
      const d = simulatePool(ends(starts), { idleTimeoutSec: 5 }).destinations[0]!;
      expect(d.reasonCode).toBe('apart');
      expect(d.reason).toContain('(the shortest idle gap was 9.50 s)');
    }
  });
});

describe('sentences at their edges (rep-pool-b survivors)', () => {
  const withRequests = (c: ConnectionRecord, n: number): ConnectionRecord =>
    ({ ...c, requests: Array.from({ length: n }, () => ({})), requestsEstimated: false }) as unknown as ConnectionRecord;

  test('requests read from plaintext: the per-request sentence does not say "estimated"', () => {
    // seq(4, 1, 0.5), setup 40 ms in 2 round trips, 2 exact requests each: 8 requests;
    // per request 160 / 8 = 20 ms, 8 / 8 = 1 round trip; 3 / 8 = 0.375 avoided; 120 / 8 = 15 ms, 6 / 8 = 0.75 round trips saved
    const r = simulatePool(seq(4, 1, 0.5, { setupMs: 40 }).map((c) => withRequests(c, 2)));
    expect(r.destinations[0]!.reason).toContain(
      ' Per request (8 requests): setup costs 20.0 ms and 1 round trip today; a pool avoids 0.375 handshakes and saves 15.0 ms and 0.75 round trips.',
    );
  });

  test('no connection time: no share in the sentences, and the share threshold is missed', () => {
    // three connections of no duration 1 s apart, setup 2 ms: 2 reused, 4 ms saved, savedShare unknown
    const r = simulatePool(seq(3, 1, 0, { setupMs: 2 }));
    const d = r.destinations[0]!;
    expect(d.savedShare).toBeNull();
    expect(d.reasonCode).toBe('small');
    const first = 'A pool would avoid 2 of 3 handshakes to example.test:443 but save only 4.00 ms, under the threshold of 5.0 % of connection time.';
    const per = `Per request (3 requests${EST}): setup costs 2.00 ms and 2 round trips today; a pool avoids 0.667 handshakes and saves 1.33 ms and 1.33 round trips.`;
    const quick = 'Setup is already quick (median 2.00 ms), so each new connection costs little.';
    expect(d.reason).toBe([first, per, quick].join(' '));
    expect(r.total.reason).toBe(
      [
        'Connection pooling would not help much: it would avoid 2 of 3 handshakes but save only 4.00 ms, under the threshold of 5.0 % of connection time.',
        per,
        quick,
      ].join(' '),
    );
  });

  test('"already quick" means a median under 4 ms', () => {
    const at = (ms: number) => simulatePool(seq(3, 20, 10, { setupMs: ms })).destinations[0]!;
    expect(at(4).reasonCode).toBe('small');
    expect(at(4).reason).not.toContain('already quick');
    expect(at(3.99).reason).toContain(' Setup is already quick (median 3.99 ms), so each new connection costs little.');
  });

  test('a full pool that avoided nothing: no over-cap sentence', () => {
    // two connections at once and a pool of 1: the second finds it full, but no handshake is avoided
    const d = simulatePool([0, 0.1].map((o) => rec({ start: T0 + o, end: T0 + o + 1, setupMs: 2 })), { maxSize: 1 }).destinations[0]!;
    expect(d.handshakesAvoided).toBe(0);
    expect(d.reason).toBe(
      'The 2 connections to example.test:443 overlapped (up to 2 at once) and none started while another was idle, so each needed its own connection.',
    );
  });

  test('idle closes by the server and by the client are counted apart', () => {
    const a = rec({ start: T0, end: T0 + 10, setupMs: 20, teardown: { initiator: 'server', by: 'FIN', ms: 0, idleBeforeSec: 5 } });
    const b = rec({ start: T0 + 20, end: T0 + 30, setupMs: 20, teardown: { initiator: 'client', by: 'FIN', ms: 0, idleBeforeSec: 3.5 } });
    const d = simulatePool([a, b]).destinations[0]!;
    expect(d.serverIdleTimeoutSec).toBe(5);
    expect(d.reason).toContain(' The server closed 1 idle connection, after 5.00 s without data. A pool idle timeout');
    expect(d.reason).toMatch(/ The client closed 1 idle connection itself, after 3\.50 s without data\.$/);
  });

  test('the destinations that matter are named by setup saved, not by their setup total', () => {
    // x: one slow setup (1000 ms) then two quick ones reused: total 1020, saved 20;
    // y: three of 100 ms: total 300, saved 200; z: two of 120 ms: total 240, saved 120
    const x = [rec({ start: T0, end: T0 + 0.5, setupMs: 1000, sni: 'x.test' }), ...[1, 2].map((i) => rec({ start: T0 + i, end: T0 + i + 0.5, setupMs: 10, sni: 'x.test' }))];
    const r = simulatePool([...x, ...seq(3, 1, 0.5, { setupMs: 100, sni: 'y.test' }), ...seq(2, 1, 0.5, { setupMs: 120, sni: 'z.test' })], {
      minSavedShare: 0,
      minAvoidedPerRequest: 0,
    });
    expect(r.destinations.map((d) => [d.key, d.verdict])).toEqual([
      ['x.test:443', 'pool'],
      ['y.test:443', 'pool'],
      ['z.test:443', 'pool'],
    ]);
    expect(r.total.reason).toMatch(/ Pooling matters for 3 of 3 destinations, most for y\.test:443 \(200 ms\), z\.test:443 \(120 ms\), x\.test:443 \(20\.0 ms\)\.$/);
  });

  test('the total can pool when no destination does on its own: no "matters for" sentence', () => {
    // a: 3 quick setups reused (2 avoided of 3 requests) but 2 ms of 1500 ms: short of the share;
    // b: 2 slow setups (400 ms), 1 avoided, 400 of 1000 ms, but 200 exact requests: short of 0.01 per request.
    // Together: 3 avoided of 203 requests (0.0148) and 402 of 2500 ms (16.1 %): both met.
    const a = seq(3, 1, 0.5, { setupMs: 1, sni: 'a.test' });
    const b = seq(2, 1, 0.5, { setupMs: 400, sni: 'b.test' }).map((c) => withRequests(c, 100));
    const r = simulatePool([...a, ...b], { minAvoidedPerRequest: 0.01 });
    expect(r.destinations.map((d) => d.verdict)).toEqual(['will-not-help', 'will-not-help']);
    expect(r.total.verdict).toBe('pool');
    // per request: setup (3 + 800) / 203 = 3.96 ms, 10 / 203 = 0.049 round trips; 3 / 203 = 0.015 avoided;
    // 402 / 203 = 1.98 ms and 6 / 203 = 0.03 round trips saved
    expect(r.total.reason).toBe(
      'Connection pooling would help: over 5 connections to 2 destinations, 3 handshakes avoided, 402 ms of setup saved (16.1 % of connection time), 6 round trips and 15,000 bytes. ' +
        `Per request (203 requests${EST}): setup costs 3.96 ms and 0.049 round trips today; a pool avoids 0.015 handshakes and saves 1.98 ms and 0.03 round trips.`,
    );
  });

  test('several destinations with one cause: no "single" count, no "and"', () => {
    const r = simulatePool([...seq(2, 0.1, 5, { sni: 'a.test', setupMs: 5 }), ...seq(2, 0.1, 5, { sni: 'b.test', setupMs: 5 })]);
    expect(r.total.reason).toBe(
      'Connection pooling would not help: none of the 4 connections to 2 destinations could have reused an idle connection. Of the 2 destinations, 2 had only overlapping connections.',
    );
  });
});
