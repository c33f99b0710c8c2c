/**
 * QUIC in the pool view (src/report/quic-pool.ts) on hand-built QUIC records,
 * against its file comment: new handshakes per destination and client address
 * (a connection opened while an earlier one from that client was still open is
 * a duplicate; intervals half-open, as peakConcurrency reads them), resumed and
 * 0-RTT counts, requests read with keys (null unless every connection was
 * counted), and the reason sentence, written out by hand.
 */
import { perConnection, quicReuse, quicRequestsOf } from '../../src/report/quic-pool.js';
import type { ConnectionRecord, QuicMetrics, RequestTiming } from '../../src/timeline/types.js';
import { rec } from './records.js';

const T0 = 1_700_000_000;
let nextId = 1000;

interface Q {
  start: number;
  end: number;
  client?: string;
  sni?: string;
  setupMs?: number | null;
  resumed?: boolean;
  zeroRtt?: boolean;
  /** requests read with keys; undefined: not decrypted */
  requests?: number;
  decrypted?: boolean;
  estimated?: boolean;
  id?: number;
}

function q(o: Q): ConnectionRecord {
  const r = rec({ id: o.id ?? nextId++, start: T0 + o.start, end: T0 + o.end, setupMs: o.setupMs === undefined ? 10 : o.setupMs, sni: o.sni ?? 'h3.test', resumed: o.resumed });
  return {
    ...r,
    transport: 'quic',
    client: { ip: o.client ?? '10.0.0.1', port: 50000 },
    tcp: null,
    tls: { ...r.tls!, decrypted: o.decrypted ?? o.requests !== undefined },
    quic: { zeroRtt: o.zeroRtt ?? false } as unknown as QuicMetrics,
    requests: Array.from({ length: o.requests ?? 0 }, () => ({}) as RequestTiming),
    requestsEstimated: o.estimated ?? false,
  };
}

describe('quicRequestsOf', () => {
  test('TCP: null, even with requests read or a decrypted session', () => {
    expect(quicRequestsOf(rec({ start: T0, end: T0 + 1 }))).toBeNull();
    const tcp = rec({ start: T0, end: T0 + 1 });
    expect(quicRequestsOf({ ...tcp, requests: [{} as RequestTiming, {} as RequestTiming] })).toBeNull();
    expect(quicRequestsOf({ ...tcp, tls: { ...tcp.tls!, decrypted: true } })).toBeNull();
  });
  test('requests read with keys; decrypted without a request stream: 0; not decrypted: null', () => {
    expect(quicRequestsOf(q({ start: 0, end: 1, requests: 3 }))).toBe(3);
    expect(quicRequestsOf(q({ start: 0, end: 1, requests: 0 }))).toBe(0);
    expect(quicRequestsOf(q({ start: 0, end: 1 }))).toBeNull();
    // requests listed but estimated, not decrypted: not counted
    expect(quicRequestsOf(q({ start: 0, end: 1, requests: 2, estimated: true, decrypted: false }))).toBeNull();
    // listed, exact, even without the decrypted flag
    expect(quicRequestsOf(q({ start: 0, end: 1, requests: 2, decrypted: false }))).toBe(2);
    // estimated but decrypted: the list's length
    expect(quicRequestsOf(q({ start: 0, end: 1, requests: 2, estimated: true, decrypted: true }))).toBe(2);
    expect(quicRequestsOf({ ...q({ start: 0, end: 1 }), tls: null })).toBeNull();
  });
});

describe('perConnection', () => {
  test('whole numbers as they are, others with 2 decimals', () => {
    expect(perConnection(3)).toBe('3');
    expect(perConnection(0)).toBe('0');
    expect(perConnection(1.5)).toBe('1.50');
    expect(perConnection(2 / 3)).toBe('0.67');
  });
});

describe('quicReuse', () => {
  test('no QUIC connection: null', () => {
    expect(quicReuse([])).toBeNull();
    expect(quicReuse([rec({ start: T0, end: T0 + 1 })])).toBeNull();
  });

  test('new handshakes vs duplicates per client address, by hand', () => {
    const conns = [
      // client A: 0–10, 5–8 (duplicate), 10–12 (starts when the first ended: new), 11–20 (duplicate of 10–12)
      q({ start: 0, end: 10, setupMs: 30 }),
      q({ start: 5, end: 8, setupMs: 20 }),
      q({ start: 10, end: 12, setupMs: 4, resumed: true, zeroRtt: true }),
      q({ start: 11, end: 20, setupMs: 6, resumed: true }),
      // client B, same destination, during A's first: new
      q({ start: 1, end: 2, setupMs: 50, client: '10.0.0.9' }),
      // the first of A covers 0–10; the duplicate 5–8 must not shorten it: 9 is still inside 0–10
      q({ start: 9, end: 9.5, setupMs: 1 }),
      // a TCP connection is left out
      rec({ start: T0, end: T0 + 100, sni: 'h3.test' }),
    ];
    const r = quicReuse(conns)!;
    expect(r.connections).toBe(6);
    expect(r.destinations).toHaveLength(1);
    const d = r.destinations[0]!;
    expect(d).toEqual({
      key: 'h3.test:443',
      connections: 6,
      peakConcurrency: 2, // never more than two at once (10–12 starts as 0–10 ends: half-open)
      newHandshakes: 3,
      newHandshakeMs: 84,
      resumed: 2,
      zeroRtt: 1,
      requests: null,
      requestsPerConnection: null,
      setupMsPerRequest: null,
    });
    expect(r.newHandshakes).toBe(3);
    expect(r.newHandshakeMs).toBe(84);
    expect(r.resumed).toBe(2);
    expect(r.zeroRtt).toBe(1);
    expect(r.requests).toBeNull();
    expect(r.requestsCounted).toBe(0);
  });

  test('connections starting at the same instant: the lower id is the one that paid the handshake', () => {
    // arrival order: the higher id first
    const r = quicReuse([q({ id: 9, start: 0, end: 5, setupMs: 70 }), q({ id: 4, start: 0, end: 5, setupMs: 30 })])!;
    expect(r.destinations[0]!.newHandshakes).toBe(1);
    expect(r.destinations[0]!.newHandshakeMs).toBe(30);
    const s = quicReuse([q({ id: 4, start: 0, end: 5, setupMs: 30 }), q({ id: 9, start: 0, end: 5, setupMs: 70 })])!;
    expect(s.destinations[0]!.newHandshakeMs).toBe(30);
  });

  test('taken in order of start, whatever the order of the records and their ids', () => {
    // 0–10 (setup 30) came first; 5–8 (setup 70) opened beside it: only 30 ms paid a new handshake
    const late = q({ id: 1, start: 5, end: 8, setupMs: 70 });
    const early = q({ id: 2, start: 0, end: 10, setupMs: 30 });
    for (const order of [[late, early], [early, late]]) {
      const d = quicReuse(order)!.destinations[0]!;
      expect([d.newHandshakes, d.newHandshakeMs]).toEqual([1, 30]);
    }
  });

  test('destinations sorted by new-handshake ms, then key; totals summed and rounded', () => {
    const conns = [
      q({ start: 0, end: 1, sni: 'b.test', setupMs: 10.1 }),
      q({ start: 0, end: 1, sni: 'a.test', setupMs: 10.1 }),
      q({ start: 0, end: 1, sni: 'c.test', setupMs: 0.2 }),
      q({ start: 2, end: 3, sni: 'c.test', setupMs: 0.1 }),
      q({ start: 0, end: 1, sni: 'z.test', setupMs: 40 }),
      q({ start: 0, end: 1, sni: 'm.test', setupMs: null }),
    ];
    const r = quicReuse(conns)!;
    expect(r.destinations.map((d) => [d.key, d.newHandshakeMs])).toEqual([
      ['z.test:443', 40],
      ['a.test:443', 10.1],
      ['b.test:443', 10.1],
      ['c.test:443', 0.3],
      ['m.test:443', 0],
    ]);
    // ties by key in either arrival order
    for (const keys of [['a.test', 'b.test'], ['b.test', 'a.test']]) {
      const t = quicReuse(keys.map((sni) => q({ start: 0, end: 1, sni, setupMs: 5 })))!;
      expect(t.destinations.map((d) => d.key)).toEqual(['a.test:443', 'b.test:443']);
    }
    // 0.2 + 0.1 in floats is 0.30000000000000004: rounded to 1 ns
    expect(r.newHandshakeMs).toBe(60.5);
    expect(r.newHandshakes).toBe(6);
  });

  test('requests: counted only when every connection was; per connection and setup per request', () => {
    const all = quicReuse([q({ start: 0, end: 5, setupMs: 30, requests: 4 }), q({ start: 6, end: 7, setupMs: 15, requests: 1 }), q({ start: 1, end: 2, sni: 'o.test', setupMs: 3, requests: 0 })])!;
    const h = all.destinations.find((d) => d.key === 'h3.test:443')!;
    expect([h.requests, h.requestsPerConnection, h.setupMsPerRequest]).toEqual([5, 2.5, 9]);
    const o = all.destinations.find((d) => d.key === 'o.test:443')!;
    // decrypted, no request: 0 requests, no per-request setup
    expect([o.requests, o.requestsPerConnection, o.setupMsPerRequest]).toEqual([0, 0, null]);
    expect([all.requests, all.requestsPerConnection, all.setupMsPerRequest, all.requestsCounted]).toEqual([5, 1.666666667, 9.6, 3]);
    // thirds: rounded to 9 decimals
    const thirds = quicReuse([q({ start: 0, end: 1, setupMs: 10, requests: 1 }), q({ start: 2, end: 3, setupMs: 0, requests: 1 }), q({ start: 4, end: 5, setupMs: 0, requests: 1 })])!;
    expect(thirds.setupMsPerRequest).toBe(3.333333333);
    expect(thirds.requestsPerConnection).toBe(1);
    // one connection not counted: null at its destination and in total, the others still counted
    const part = quicReuse([q({ start: 0, end: 1, requests: 2 }), q({ start: 2, end: 3 }), q({ start: 0, end: 1, sni: 'o.test', requests: 3 })])!;
    expect(part.destinations.find((d) => d.key === 'h3.test:443')!.requests).toBeNull();
    expect(part.destinations.find((d) => d.key === 'o.test:443')!.requests).toBe(3);
    expect([part.requests, part.requestsPerConnection, part.setupMsPerRequest, part.requestsCounted]).toEqual([null, null, null, 2]);
  });

  test('the reason, word for word', () => {
    const one = quicReuse([q({ start: 0, end: 1, setupMs: 12 })])!;
    expect(one.reason).toBe(
      '1 QUIC connection to 1 destination is not part of the keep-alive simulation: QUIC multiplexes requests on one connection ' +
        '(requests per connection are encrypted HTTP/3 streams, not countable without keys). ' +
        '1 paid a new handshake (12.0 ms of setup), 0 resumed a session and 0 sent 0-RTT data.',
    );
    const dup = quicReuse([
      q({ start: 0, end: 10, setupMs: 5, requests: 2 }),
      q({ start: 1, end: 2, setupMs: 5 }),
      q({ start: 3, end: 4, setupMs: 5, resumed: true, zeroRtt: true, sni: 'o.test' }),
    ])!;
    expect(dup.reason).toBe(
      '3 QUIC connections to 2 destinations are not part of the keep-alive simulation: QUIC multiplexes requests on one connection ' +
        '(requests per connection are encrypted HTTP/3 streams, not countable without keys: 1 of 3 connections decrypted). ' +
        '2 paid a new handshake (10.0 ms of setup), 1 resumed a session and 1 sent 0-RTT data; 1 opened beside an open connection to the same destination.',
    );
    const keys = quicReuse([q({ start: 0, end: 10, setupMs: 8, requests: 3 }), q({ start: 11, end: 12, setupMs: 4, requests: 0 })])!;
    expect(keys.reason).toBe(
      '2 QUIC connections to 1 destination are not part of the keep-alive simulation: QUIC multiplexes requests on one connection ' +
        '(3 HTTP/3 requests read with keys, 1.50 per connection, 4.00 ms of setup per request). ' +
        '2 paid a new handshake (12.0 ms of setup), 0 resumed a session and 0 sent 0-RTT data.',
    );
    const none = quicReuse([q({ start: 0, end: 10, setupMs: 8, requests: 0 })])!;
    expect(none.reason).toBe(
      '1 QUIC connection to 1 destination is not part of the keep-alive simulation: QUIC multiplexes requests on one connection ' +
        '(0 HTTP/3 requests read with keys, 0 per connection). ' +
        '1 paid a new handshake (8.00 ms of setup), 0 resumed a session and 0 sent 0-RTT data.',
    );
    const single = quicReuse([q({ start: 0, end: 10, setupMs: 8, requests: 1 })])!;
    expect(single.reason).toContain('(1 HTTP/3 request read with keys, 1 per connection, 8.00 ms of setup per request)');
  });
});
