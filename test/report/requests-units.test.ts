/**
 * requestsOf / totalRequests (src/report/requests.ts) against the rules of its
 * file comment: the record's own requests first (estimated as the record says);
 * else the TLS client bursts (estimated); else one estimated request when the
 * client sent data or the setup completed (not midstream), zero otherwise. A
 * total is estimated when any non-zero count was.
 */
import { requestsOf, totalRequests } from '../../src/report/requests.js';
import type { ConnRow } from '../../src/report/rows.js';
import type { ConnectionRecord, RequestTiming } from '../../src/timeline/types.js';
import { rec } from './records.js';

const T0 = 1_700_000_000;

interface Opts {
  requests?: number;
  requestsEstimated?: boolean;
  bursts?: number;
  tls?: boolean;
  clientData?: number | null;
  setupMs?: number | null;
  midstream?: boolean;
  /** A file saved by 0.1.0: no `requests` field at all. */
  noRequestsField?: boolean;
}

function conn(o: Opts): ConnectionRecord {
  const r = rec({ start: T0, end: T0 + 1, setupMs: o.setupMs === undefined ? 10 : o.setupMs, midstream: o.midstream, tls: o.tls });
  const c: ConnectionRecord = {
    ...r,
    requests: Array.from({ length: o.requests ?? 0 }, () => ({}) as RequestTiming),
    requestsEstimated: o.requestsEstimated ?? false,
    firstDataMs: { client: o.clientData ?? null, server: null },
    tls: r.tls && o.bursts !== undefined ? { ...r.tls, clientBursts: o.bursts } : r.tls,
  };
  if (o.noRequestsField) delete (c as Partial<ConnectionRecord>).requests;
  return c;
}

describe('requestsOf', () => {
  test('the record count comes first, estimated only when the record says so', () => {
    expect(requestsOf(conn({ requests: 3 }))).toEqual({ count: 3, estimated: false });
    expect(requestsOf(conn({ requests: 3, requestsEstimated: true }))).toEqual({ count: 3, estimated: true });
    // bursts do not override a record count
    expect(requestsOf(conn({ requests: 2, bursts: 7 }))).toEqual({ count: 2, estimated: false });
    expect(requestsOf(conn({ requests: 1, setupMs: null, midstream: true }))).toEqual({ count: 1, estimated: false });
  });

  test('no record count: the client bursts, estimated', () => {
    expect(requestsOf(conn({ bursts: 4 }))).toEqual({ count: 4, estimated: true });
    expect(requestsOf(conn({ bursts: 1, setupMs: null, midstream: true }))).toEqual({ count: 1, estimated: true });
    expect(requestsOf(conn({ noRequestsField: true, bursts: 5 }))).toEqual({ count: 5, estimated: true });
  });

  test('no count, no bursts: one request when the client sent data or the setup completed', () => {
    // setup completed, no client data
    expect(requestsOf(conn({ bursts: 0 }))).toEqual({ count: 1, estimated: true });
    expect(requestsOf(conn({ tls: false }))).toEqual({ count: 1, estimated: true });
    expect(requestsOf(conn({ noRequestsField: true }))).toEqual({ count: 1, estimated: true });
    // client data without a known setup
    expect(requestsOf(conn({ setupMs: null, clientData: 5 }))).toEqual({ count: 1, estimated: true });
    expect(requestsOf(conn({ setupMs: null, clientData: 0 }))).toEqual({ count: 1, estimated: true });
    expect(requestsOf(conn({ setupMs: null, midstream: true, clientData: 3, tls: false }))).toEqual({ count: 1, estimated: true });
    // neither: zero
    expect(requestsOf(conn({ setupMs: null }))).toEqual({ count: 0, estimated: true });
    expect(requestsOf(conn({ setupMs: null, midstream: true, tls: false }))).toEqual({ count: 0, estimated: true });
    // a setup time on a midstream connection is not a completed setup
    expect(requestsOf(conn({ setupMs: 10, midstream: true }))).toEqual({ count: 0, estimated: true });
  });
});

describe('totalRequests', () => {
  test('sums the counts; estimated only when a non-zero count was estimated', () => {
    expect(totalRequests([])).toEqual({ count: 0, estimated: false });
    expect(totalRequests([conn({ requests: 2 }), conn({ requests: 5 })])).toEqual({ count: 7, estimated: false });
    expect(totalRequests([conn({ requests: 2 }), conn({ bursts: 3 })])).toEqual({ count: 5, estimated: true });
    // an estimated zero does not make the total estimated
    expect(totalRequests([conn({ requests: 2 }), conn({ setupMs: null })])).toEqual({ count: 2, estimated: false });
    expect(totalRequests([conn({ setupMs: null })])).toEqual({ count: 0, estimated: false });
    expect(totalRequests([conn({ requests: 1, requestsEstimated: true })])).toEqual({ count: 1, estimated: true });
  });

  test('takes any iterable (a generator of rows)', () => {
    function* gen(): Generator<ConnRow> {
      yield conn({ requests: 1 });
      yield conn({ bursts: 2 });
    }
    expect(totalRequests(gen())).toEqual({ count: 3, estimated: true });
  });
});
