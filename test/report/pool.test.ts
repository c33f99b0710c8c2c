import { destinations, destinationKey, simulatePool, summarize, releaseTime, DEFAULT_POOL_OPTIONS } from '../../src/report/index.js';
import { rec } from './records.js';

const T0 = 1_700_000_000;

describe('simulatePool: known answers on small record sets', () => {
  test('N sequential connections within the idle timeout: N-1 handshakes avoided, exactly their setup saved', () => {
    const setups = [31, 27.5, 40.25, 22, 35];
    const conns = setups.map((ms, i) =>
      rec({ start: T0 + i * 1.0, end: T0 + i * 1.0 + 0.2, setupMs: ms, roundTrips: 2, setupBytes: 4000 + i, certBytes: 1500 }),
    );
    const r = simulatePool(conns);
    expect(r.destinations).toHaveLength(1);
    const d = r.destinations[0];
    expect(d.key).toBe('example.test:443');
    expect(d.connections).toBe(5);
    expect(d.poolSize).toBe(1); // observed peak
    expect(d.handshakesAvoided).toBe(4);
    expect(d.setupMsSaved).toBeCloseTo(27.5 + 40.25 + 22 + 35, 9);
    expect(d.roundTripsSaved).toBe(8);
    expect(d.bytesSaved).toBe(4001 + 4002 + 4003 + 4004);
    expect(d.certificateBytesSaved).toBe(4 * 1500);
    // 124.75 ms saved of 5 x 200 ms of connection time = 12.5 %: over both thresholds.
    expect(d.savedShare).toBeCloseTo(124.75 / 1000, 6);
    expect(d.verdict).toBe('pool');
    expect(d.reason).toContain('4 handshakes avoided, 125 ms of setup saved (12.5 % of connection time), 8 round trips and 16,010 bytes (6,000 of them certificates).');
    expect(r.total.handshakesAvoided).toBe(4);
    expect(r.total.verdict).toBe('pool');
    expect(r.total.reason).toMatch(/^Connection pooling would help/);
  });

  test('one long keep-alive connection: will-not-help, with the reason', () => {
    const r = simulatePool([rec({ start: T0, end: T0 + 30, setupMs: 60 })]);
    const d = r.destinations[0];
    expect(d.handshakesAvoided).toBe(0);
    expect(d.verdict).toBe('will-not-help');
    expect(d.reason).toMatch(/^Only one connection to example\.test:443 was seen; setup took 0\.2 % of its time\./);
    expect(r.total.verdict).toBe('will-not-help');
    expect(r.total.reason).toBe('Connection pooling would not help: the capture holds a single connection, so there is nothing to reuse.');
  });

  test('3 concurrent then 3 concurrent after they end: the pool size cap decides', () => {
    const first = [0, 0.01, 0.02].map((o) => rec({ start: T0 + o, end: T0 + 1, setupMs: 20 }));
    const second = [2, 2.01, 2.02].map((o) => rec({ start: T0 + o, end: T0 + 3, setupMs: 25 }));
    const conns = [...first, ...second];
    expect(destinations(conns)[0].peakConcurrency).toBe(3);
    expect(simulatePool(conns).destinations[0].handshakesAvoided).toBe(3);
    const capped = simulatePool(conns, { maxSize: 2 }).destinations[0];
    expect(capped.poolSize).toBe(2);
    expect(capped.handshakesAvoided).toBe(2);
    expect(capped.setupMsSaved).toBe(50);
    expect(capped.reason).toContain('2 connections found the pool full at 2');
    expect(simulatePool(conns, { maxSize: 1 }).destinations[0].handshakesAvoided).toBe(1);
  });

  test('one pool per client host: connections from different hosts never share one', () => {
    // Two hosts take turns, each connection starting after the previous one (of either host) ended.
    const conns = [0, 1, 2, 3, 4, 5].map((o) => {
      const c = rec({ start: T0 + o, end: T0 + o + 0.5, setupMs: 10 });
      c.client = { ip: o % 2 === 0 ? '10.0.0.1' : '10.0.0.2', port: 40000 + o };
      return c;
    });
    const d = simulatePool(conns).destinations[0];
    // Each host reuses its own pooled connection twice; a shared pool would have avoided 5.
    expect(d.handshakesAvoided).toBe(4);
    expect(d.setupMsSaved).toBe(40);
    expect(d.poolSize).toBe(1);
  });

  test('idle timeout shorter than the gap: no reuse', () => {
    const conns = [0, 10, 20].map((o) => rec({ start: T0 + o, end: T0 + o + 0.5, setupMs: 50 }));
    const short = simulatePool(conns, { idleTimeoutSec: 5 });
    expect(short.destinations[0].handshakesAvoided).toBe(0);
    expect(short.destinations[0].verdict).toBe('will-not-help');
    expect(short.destinations[0].reason).toContain("further apart than the pool's idle timeout of 5.00 s (the shortest idle gap was 9.50 s)");
    // Gap of 9.5 s exactly at the boundary is still reuse (idle <= timeout).
    expect(simulatePool(conns, { idleTimeoutSec: 9.5 }).destinations[0].handshakesAvoided).toBe(2);
    expect(simulatePool(conns, { idleTimeoutSec: 9.49 }).destinations[0].handshakesAvoided).toBe(0);
  });

  test('fully overlapping connections: nothing idle to reuse', () => {
    const conns = [0, 0.1, 0.2].map((o) => rec({ start: T0 + o, end: T0 + 5, setupMs: 50 }));
    const d = simulatePool(conns).destinations[0];
    expect(d.handshakesAvoided).toBe(0);
    expect(d.reason).toContain('overlapped (up to 3 at once)');
  });

  test('release time is the last payload: teardown start minus the idle time before it', () => {
    // Last payload at T0+7.9, FIN at T0+9.9, last packet at T0+10.
    const a = rec({ start: T0, end: T0 + 10, setupMs: 30, teardown: { initiator: 'client', ms: 100, idleBeforeSec: 2 } });
    expect(releaseTime(a)).toBeCloseTo(T0 + 7.9, 6);
    const b = rec({ start: T0 + 8, end: T0 + 9, setupMs: 30 });
    const d = simulatePool([a, b]).destinations[0];
    expect(d.handshakesAvoided).toBe(1);
    // Not torn down: busy until its last packet.
    const open = rec({ start: T0, end: T0 + 10, setupMs: 30, teardown: { initiator: null, by: null, ms: null, idleBeforeSec: null } });
    expect(releaseTime(open)).toBe(T0 + 10);
    expect(simulatePool([open, b]).destinations[0].handshakesAvoided).toBe(0);
  });

  test('midstream connections hold a pooled connection but never count as savings', () => {
    const m = rec({ start: T0, end: T0 + 1, setupMs: null, midstream: true });
    const b = rec({ start: T0 + 2, end: T0 + 3, setupMs: 80 });
    const c = rec({ start: T0 + 4, end: T0 + 5, setupMs: null, midstream: true });
    const d = simulatePool([m, b, c]).destinations[0];
    expect(d.handshakesAvoided).toBe(1); // b reuses m's connection; c's reuse saves nothing known
    expect(d.setupMsSaved).toBe(80);
    const onlyMid = simulatePool([m, c]).destinations[0];
    expect(onlyMid.handshakesAvoided).toBe(0);
    expect(onlyMid.reason).toContain('The setup of none of the 2 connections');
  });

  test("the server's observed idle close caps reuse and sets the recommendation", () => {
    // The server closed the first connection after 5 s without data.
    const a = rec({ start: T0, end: T0 + 6.1, setupMs: 60, teardown: { initiator: 'server', by: 'FIN', ms: 100, idleBeforeSec: 5 } });
    const b = rec({ start: T0 + 9, end: T0 + 9.5, setupMs: 60 }); // 8 s after a's last payload (T0+1)
    const c = rec({ start: T0 + 12, end: T0 + 12.5, setupMs: 60 }); // 2.5 s after b's
    const r = simulatePool([a, b, c]);
    const d = r.destinations[0];
    expect(d.serverIdleTimeoutSec).toBe(5);
    expect(d.recommendedIdleSec).toBe(4);
    expect(d.handshakesAvoided).toBe(1); // c only; b came after the server's 5 s
    expect(d.reason).toContain('The server closed 1 idle connection, after 5.00 s without data.');
    expect(d.reason).toContain('ECONNRESET');
    expect(destinations([a, b, c])[0].observedIdleTimeouts).toEqual([{ by: 'server', seconds: 5, connectionId: a.id }]);
  });

  test('material reuse under the thresholds: will-not-help, with the numbers', () => {
    // Long-lived connections, 2 ms setups: 2 handshakes avoided, 4 ms saved.
    const conns = [0, 20, 40].map((o) => rec({ start: T0 + o, end: T0 + o + 10, setupMs: 2 }));
    const d = simulatePool(conns).destinations[0];
    expect(d.handshakesAvoided).toBe(2);
    expect(d.setupMsSaved).toBe(4);
    expect(d.verdict).toBe('will-not-help');
    // The share of connection time is a rate: the verdict no longer depends on a total in ms.
    expect(d.reason).toContain('save only 4.00 ms (0.0 % of connection time), under the threshold of 5.0 % of connection time.');
    expect(d.reason).toContain('The connections are long-lived');
    expect(d.reason).toContain('Setup is already quick (median 2.00 ms)');
    // Lower the thresholds and the same savings become a 'pool' verdict.
    expect(simulatePool(conns, { minSavedMs: 1, minSavedShare: 0 }).destinations[0].verdict).toBe('pool');
  });

  test('destinations are separate pools: SNI, else address and port', () => {
    const a1 = rec({ start: T0, end: T0 + 0.1, sni: 'a.test', setupMs: 100 });
    const a2 = rec({ start: T0 + 1, end: T0 + 1.1, sni: 'a.test', setupMs: 100 });
    const b1 = rec({ start: T0 + 0.5, end: T0 + 0.6, sni: null, serverIp: '2001:db8::1', port: 8443, setupMs: 100 });
    const b2 = rec({ start: T0 + 2, end: T0 + 2.1, sni: null, serverIp: '2001:db8::1', port: 8443, tls: false, setupMs: 1 });
    expect(destinationKey(b1)).toBe('[2001:db8::1]:8443');
    const r = simulatePool([a1, b1, a2, b2]);
    expect(r.destinations.map((d) => [d.key, d.handshakesAvoided])).toEqual([
      ['a.test:443', 1],
      ['[2001:db8::1]:8443', 1],
    ]);
    expect(r.total.handshakesAvoided).toBe(2);
    expect(r.total.setupMsSaved).toBe(101);
  });

  test('overall reason over several destinations counts them by cause', () => {
    const conns = [
      rec({ start: T0, end: T0 + 1, sni: 'one.test' }),
      rec({ start: T0, end: T0 + 1, sni: 'two.test' }),
      ...[0, 0.1].map((o) => rec({ start: T0 + o, end: T0 + 5, sni: 'busy.test' })),
    ];
    const r = simulatePool(conns);
    expect(r.total.verdict).toBe('will-not-help');
    expect(r.total.reason).toBe(
      'Connection pooling would not help: none of the 4 connections to 3 destinations could have reused an idle connection. ' +
        'Of the 3 destinations, 2 had a single connection and 1 had only overlapping connections.',
    );
  });

  test('options: defaults, overrides and invalid values', () => {
    expect(DEFAULT_POOL_OPTIONS).toEqual({
      idleTimeoutSec: 60,
      maxSize: undefined,
      minSavedMs: 1,
      minSavedShare: 0.05,
      minAvoidedPerRequest: 0.1,
      rttMs: undefined,
    });
    expect(simulatePool([], { idleTimeoutSec: 5, maxSize: undefined }).options.idleTimeoutSec).toBe(5);
    expect(simulatePool([]).total.reason).toBe('No connections were seen, so there is nothing to pool.');
    expect(() => simulatePool([], { maxSize: 0 })).toThrow(RangeError);
    expect(() => simulatePool([], { idleTimeoutSec: -1 })).toThrow(RangeError);
  });
});

describe('summarize and destinations on small sets', () => {
  test('setup share and resumption', () => {
    const conns = [
      rec({ start: T0, end: T0 + 1, setupMs: 100, resumed: true }),
      rec({ start: T0 + 2, end: T0 + 3, setupMs: 300 }),
      rec({ start: T0 + 4, end: T0 + 5, setupMs: null, midstream: true }),
    ];
    const s = summarize(conns);
    expect(s.connections).toBe(3);
    expect(s.midstream).toBe(1);
    expect(s.byState.complete).toBe(2);
    expect(s.byState.midstream).toBe(1);
    expect(s.resumed).toBe(1);
    expect(s.resumptionRate).toBeCloseTo(1 / 3, 12);
    expect(s.setupTotalMs).toBe(400);
    expect(s.connectionTimeTotalMs).toBe(2000);
    expect(s.setupShare).toBe(0.2);
    expect(s.setupMs.p50).toBe(200);
    const d = destinations(conns)[0];
    expect(d.idleGapsSec.count).toBe(2);
    expect(d.idleGapsSec.min).toBeCloseTo(1, 9);
    expect(d.setupShare).toBe(0.2);
    expect(d.handshakeBytes).toBe(10000);
  });
});
