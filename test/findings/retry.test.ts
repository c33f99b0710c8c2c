/**
 * RetryTracker and isFailedAttempt by the README's rules, on hand-built attempts:
 * `retry` = a new connection to the same server ip:port ≤ 30 s after a failed attempt
 * (attempt number, interval between first SYNs, previous connection);
 * `retry-no-backoff` = attempt ≥ 3 with an interval < 100 ms or not growing
 * (≤ 1.2 × the previous). Intervals in details: under 10 ms with one decimal
 * ("0.2 ms"), under 1 s in whole ms, else seconds with 2 decimals ("1.72 s").
 */
import { findingOptions, isFailedAttempt, RetryTracker, type Finding, type FindingOptions } from '../../src/findings/index.js';
import type { ConnectionRecord, FindingCode } from '../../src/timeline/types.js';
import { ev, record, STEP, T0 } from './build.js';

/** A connection attempt: the client's first SYN at `start`, last packet at `end` (relative to `base`). */
function attempt(id: number, start: number, end = start, failed = true, over: Partial<ConnectionRecord> = {}, base = T0): ConnectionRecord {
  // absolute times base + t (base 0: a clock starting at the epoch, where 0.01 s is exactly 10 ms)
  const events = [ev('SYN', 'client', id * 10 + 1, 0, { time: base + start })];
  if (end > start) events.push(ev('SYN', 'client', id * 10 + 2, 0, { time: base + end, retransmission: true }));
  return record(events, { id, state: failed ? 'unanswered' : 'complete', ...over });
}
const tracker = (o: Partial<FindingOptions> = {}, onLate?: (id: number, f: Finding[], first: boolean) => void): RetryTracker =>
  new RetryTracker(findingOptions(o), onLate ? { onLate } : {});
const feed = (t: RetryTracker, recs: ConnectionRecord[]): string[] => recs.flatMap((r) => t.observe(r, []).map((f) => `${r.id} ${f.code} @${f.frame}: ${f.detail}`));

describe('retry', () => {
  test('the second attempt after a failure: attempt number, interval between first SYNs, previous connection; frame = its first SYN, cost = the interval', () => {
    const t = tracker();
    expect(t.observe(attempt(0, 0, 1), [])).toEqual([]);
    // first SYNs 1.71875 s apart ("1.72 s", as in the README's example)
    expect(t.observe(attempt(1, 1.71875), [])).toEqual([{ code: 'retry', severity: 'info', frame: 11, detail: 'attempt 2, 1.72 s after attempt 1 (connection 0)', costMs: 1718.75 }]);
  });

  test.each([
    [30 - STEP, true],
    [30, true],
    [30 + STEP, false],
  ])('the next first SYN %s s after the failed attempt\'s last packet: a retry %s (window 30 s)', (gap, want) => {
    const t = tracker();
    t.observe(attempt(0, 0, 1), []);
    expect(t.observe(attempt(1, 1 + gap), []).length > 0).toBe(want);
  });

  test('the window is an option', () => {
    const t = tracker({ retryWindowMs: 250 });
    t.observe(attempt(0, 0, 1), []);
    expect(t.observe(attempt(1, 1.25), []).map((f) => f.code)).toEqual(['retry']);
    const u = tracker({ retryWindowMs: 249 });
    u.observe(attempt(0, 0, 1), []);
    expect(u.observe(attempt(1, 1.25), [])).toEqual([]);
  });

  test('starting when the failed attempt ended is a retry; starting before it ended is not', () => {
    const t = tracker();
    t.observe(attempt(0, 0, 1), []);
    expect(t.observe(attempt(1, 1), []).map((f) => f.detail)).toEqual(['attempt 2, 1.00 s after attempt 1 (connection 0)']);
    const u = tracker();
    u.observe(attempt(0, 0, 1), []);
    expect(u.observe(attempt(1, 1 - STEP), [])).toEqual([]);
  });

  test('after a connection that did not fail: no retry', () => {
    const t = tracker();
    t.observe(attempt(0, 0, 1, false), []);
    expect(t.observe(attempt(1, 2), [])).toEqual([]);
  });

  test('another destination (ip or port) is another series', () => {
    const t = tracker();
    t.observe(attempt(0, 0, 1), []);
    expect(t.observe(attempt(1, 2, 2, true, { server: { ip: '10.0.0.3', port: 443 } }), [])).toEqual([]);
    expect(t.observe(attempt(2, 3, 3, true, { server: { ip: '10.0.0.2', port: 8443 } }), [])).toEqual([]);
    expect(t.size).toBe(3);
  });

  test('interval formats: 10 ms and 1 s boundaries', () => {
    // a clock starting at the epoch makes 10 ms exact
    const at0 = (second: number): string => {
      const t = tracker();
      t.observe(attempt(0, 0, 0, true, {}, 0), []);
      return t.observe(attempt(1, second, second, true, {}, 0), [])[0]!.detail;
    };
    expect(at0(0.009765625)).toBe('attempt 2, 9.8 ms after attempt 1 (connection 0)');
    expect(at0(0.01)).toBe('attempt 2, 10 ms after attempt 1 (connection 0)');
    expect(at0(0.9990234375)).toBe('attempt 2, 999 ms after attempt 1 (connection 0)');
    expect(at0(1)).toBe('attempt 2, 1.00 s after attempt 1 (connection 0)');
  });

  test('cost rounded to the µs', () => {
    const t = tracker();
    t.observe(attempt(0, 0), []);
    expect(t.observe(attempt(1, STEP / 4), [])[0]!.costMs).toBe(0.244);
  });

  test('a midstream record or one without the client\'s SYN starts no attempt', () => {
    const t = tracker();
    t.observe(attempt(0, 0, 1), []);
    expect(t.observe(attempt(1, 2, 2, true, { midstream: true }), [])).toEqual([]);
    // only the server's SYN (its SYN-ACK), or a client ACK first: not an attempt's start
    expect(t.observe(record([ev('SYN', 'server', 21, 2)], { id: 2, state: 'unanswered' }), [])).toEqual([]);
    expect(t.observe(record([ev('ACK', 'client', 31, 2)], { id: 3, state: 'unanswered' }), [])).toEqual([]);
    expect(t.attempts).toBe(1);
  });

  test('the attempt starts at the client\'s first SYN, not at an earlier packet', () => {
    const t = tracker();
    t.observe(attempt(0, 0, 1), []);
    const rec = record([ev('SYN-ACK', 'server', 10, 1.5), ev('ACK', 'client', 11, 1.75), ev('SYN', 'client', 12, 2)], { id: 1 });
    expect(t.observe(rec, [])).toEqual([{ code: 'retry', severity: 'info', frame: 12, detail: 'attempt 2, 2.00 s after attempt 1 (connection 0)', costMs: 2000 }]);
  });

  test('QUIC attempts start at the client\'s first Initial', () => {
    const t = tracker();
    const q = (id: number, s: number): ConnectionRecord => record([ev('Initial', 'client', id * 10 + 1, s), ev('Initial', 'client', id * 10 + 2, s + 0.5)], { id, transport: 'quic', tcp: null, state: 'unanswered' });
    t.observe(q(0, 0), []);
    expect(t.observe(q(1, 1), [])).toEqual([{ code: 'retry', severity: 'info', frame: 11, detail: 'attempt 2, 1.00 s after attempt 1 (connection 0)', costMs: 1000 }]);
  });
});

describe('retry-no-backoff', () => {
  const series = (starts: number[], o: Partial<FindingOptions> = {}): string[] => feed(tracker(o), starts.map((s, i) => attempt(i, s)));

  test('attempt 3 at the same interval: not growing', () => {
    expect(series([0, 0.25, 0.5])).toEqual([
      '1 retry @11: attempt 2, 250 ms after attempt 1 (connection 0)',
      '2 retry @21: attempt 3, 250 ms after attempt 2 (connection 1)',
      '2 retry-no-backoff @21: attempt 3: interval 250 ms after 250 ms: not growing',
    ]);
  });
  test('attempt 3 within 100 ms: "only" (the README\'s 0.2 ms example); attempt 2 that fast is not flagged', () => {
    expect(series([0, 0.000244140625, 1.000244140625, 1.00048828125])).toEqual([
      '1 retry @11: attempt 2, 0.2 ms after attempt 1 (connection 0)',
      '2 retry @21: attempt 3, 1.00 s after attempt 2 (connection 1)',
      '3 retry @31: attempt 4, 0.2 ms after attempt 3 (connection 2)',
      '3 retry-no-backoff @31: attempt 4: only 0.2 ms after the previous attempt',
    ]);
  });
  test('a doubling interval is backoff', () => {
    expect(series([0, 0.5, 1.5, 3.5])).toEqual([
      '1 retry @11: attempt 2, 500 ms after attempt 1 (connection 0)',
      '2 retry @21: attempt 3, 1.00 s after attempt 2 (connection 1)',
      '3 retry @31: attempt 4, 2.00 s after attempt 3 (connection 2)',
    ]);
  });
  test.each([
    // default growth 1.2: 500 ms after 500 ms, 592 ms (x1.18) and 608 ms (x1.22)
    [0.5 + 0.5, {}, true],
    [0.5 + 0.591796875, {}, true],
    [0.5 + 0.607421875, {}, false],
    // growth 1.5 (exact): 750 ms after 500 ms is flagged, one step more is not
    [0.5 + 0.75, { backoffGrowth: 1.5 }, true],
    [0.5 + 0.75 + STEP, { backoffGrowth: 1.5 }, false],
  ])('attempt 3 at %s s (attempts at 0, 0.5 s), options %j: flagged %s', (third, o, want) => {
    expect(series([0, 0.5, third], o).some((l) => l.includes('retry-no-backoff'))).toBe(want);
  });
  test('the minimum interval (option, exact at 125 ms): below is "only", at it is judged by growth alone', () => {
    // growth 0: only the minimum counts
    expect(series([0, 1, 1.125 - STEP], { noBackoffMinIntervalMs: 125, backoffGrowth: 0 }).at(-1)).toBe('2 retry-no-backoff @21: attempt 3: only 124 ms after the previous attempt');
    expect(series([0, 1, 1.125], { noBackoffMinIntervalMs: 125, backoffGrowth: 0 }).some((l) => l.includes('retry-no-backoff'))).toBe(false);
    // at the minimum and not growing: the growth is the reason given
    expect(series([0, 0.125, 0.25], { noBackoffMinIntervalMs: 125, backoffGrowth: 1.5 }).at(-1)).toBe('2 retry-no-backoff @21: attempt 3: interval 125 ms after 125 ms: not growing');
  });
  test('from which attempt is an option', () => {
    expect(series([0, 0.25, 0.5], { noBackoffFromAttempt: 4 }).some((l) => l.includes('retry-no-backoff'))).toBe(false);
    expect(series([0, 0.25, 0.5, 0.75], { noBackoffFromAttempt: 4 }).filter((l) => l.includes('retry-no-backoff'))).toEqual(['3 retry-no-backoff @31: attempt 4: interval 250 ms after 250 ms: not growing']);
    expect(series([0, 0.03125], { noBackoffFromAttempt: 2 }).at(-1)).toBe('1 retry-no-backoff @11: attempt 2: only 31 ms after the previous attempt');
  });
});

describe('late records (close order is not start order)', () => {
  test('in order: nothing comes late', () => {
    const late: unknown[] = [];
    const t = tracker({}, (...a) => late.push(a));
    feed(t, [attempt(0, 0), attempt(1, 0.25), attempt(2, 0.5), attempt(3, 0.75)]);
    expect(late).toEqual([]);
  });
  test('an earlier failure closing last renumbers the ones handed out: onLate, "first" only the first time per connection', () => {
    const late: [number, string[], boolean][] = [];
    const t = tracker({}, (id, fs, first) => late.push([id, fs.map((f) => `${f.code}: ${f.detail}`), first]));
    expect(feed(t, [attempt(2, 2), attempt(3, 3)])).toEqual(['3 retry @31: attempt 2, 1.00 s after attempt 1 (connection 2)']);
    expect(feed(t, [attempt(1, 1)])).toEqual([]);
    expect(late).toEqual([
      [2, ['retry: attempt 2, 1.00 s after attempt 1 (connection 1)'], true],
      [3, ['retry: attempt 3, 1.00 s after attempt 2 (connection 2)', 'retry-no-backoff: attempt 3: interval 1.00 s after 1.00 s: not growing'], true],
    ]);
    late.length = 0;
    expect(feed(t, [attempt(0, 0)])).toEqual([]);
    expect(late).toEqual([
      [1, ['retry: attempt 2, 1.00 s after attempt 1 (connection 0)'], true],
      [2, ['retry: attempt 3, 1.00 s after attempt 2 (connection 1)', 'retry-no-backoff: attempt 3: interval 1.00 s after 1.00 s: not growing'], false],
      [3, ['retry: attempt 4, 1.00 s after attempt 3 (connection 2)', 'retry-no-backoff: attempt 4: interval 1.00 s after 1.00 s: not growing'], false],
    ]);
  });
});

describe('late renumbering reports only what changed', () => {
  test('a later attempt whose predecessor got a new interval, but whose own findings stay the same, gets no onLate call', () => {
    // 0 fails from 0.5 s to 0.8125 s; 1 (at 1 s) retries it; 2 (at 3 s) retries 1. Then 3 closes late:
    // it started at 0.625 s, before 0 ended (so it is not a retry itself), and ended at 0.75 s,
    // so it becomes 1's predecessor: 1 is still attempt 2, now 375 ms after connection 3.
    // 2 keeps attempt 3, 2.00 s after connection 1: nothing new for it (2.00 s is not within
    // 1.2 x 375 ms, so no retry-no-backoff either).
    const late: [number, string[], boolean][] = [];
    const t = tracker({}, (id, fs, first) => late.push([id, fs.map((f) => `${f.code}: ${f.detail}`), first]));
    expect(feed(t, [attempt(0, 0.5, 0.8125), attempt(1, 1, 1.125), attempt(2, 3, 3.125)])).toEqual([
      '1 retry @11: attempt 2, 500 ms after attempt 1 (connection 0)',
      '2 retry @21: attempt 3, 2.00 s after attempt 2 (connection 1)',
    ]);
    expect(late).toEqual([]);
    expect(feed(t, [attempt(3, 0.625, 0.75)])).toEqual([]);
    expect(late).toEqual([[1, ['retry: attempt 2, 375 ms after attempt 1 (connection 3)'], true]]);
  });
});

describe('bounded state', () => {
  test('attempts older than the window before the latest record are forgotten; one at the window\'s edge is kept', () => {
    const t = tracker();
    t.observe(attempt(0, 0, 1), []);
    t.observe(attempt(1, 2, 31), []); // the horizon is 31 - 30 = 1 s: attempt 0 ended at it
    expect(t.attempts).toBe(2);
    t.observe(attempt(2, 40, 40), []); // horizon 10 s: attempt 0 goes; attempt 1 ended at 31 s
    expect(t.attempts).toBe(2);
    t.observe(attempt(3, 100, 100), []); // horizon 70 s: only the latest stays
    expect(t.attempts).toBe(1);
  });
  test('at most maxAttempts per destination, at least the latest', () => {
    const two = new RetryTracker(findingOptions(), { maxAttempts: 2 });
    two.observe(attempt(0, 0), []);
    two.observe(attempt(1, 0.25), []);
    expect(two.attempts).toBe(2);
    two.observe(attempt(2, 0.5), []);
    expect(two.attempts).toBe(2);
    const none = new RetryTracker(findingOptions(), { maxAttempts: 0 });
    none.observe(attempt(0, 0), []);
    none.observe(attempt(1, 0.25), []);
    expect(none.attempts).toBe(1);
  });
  test('attempts are counted over all destinations', () => {
    const t = tracker();
    t.observe(attempt(0, 0), []);
    t.observe(attempt(1, 0.25, 0.25, true, { server: { ip: '10.0.0.9', port: 443 } }), []);
    t.observe(attempt(2, 0.5), []);
    expect([t.size, t.attempts]).toEqual([2, 3]);
  });
});

describe('isFailedAttempt: refused, unanswered, reset before any FIN, or a failure finding', () => {
  const closed = (events: ReturnType<typeof ev>[]): ConnectionRecord => record([ev('SYN', 'client', 1, 0), ev('SYN-ACK', 'server', 2, 0.125), ev('ACK', 'client', 3, 0.25), ...events], { state: 'complete' });
  const f = (code: FindingCode): Finding => ({ code, severity: 'error', frame: 1, detail: '' });
  test('by state', () => {
    expect(isFailedAttempt(attempt(0, 0, 0, true, { state: 'refused' }), [])).toBe(true);
    expect(isFailedAttempt(attempt(0, 0, 0, true, { state: 'unanswered' }), [])).toBe(true);
    expect(isFailedAttempt(closed([]), [])).toBe(false);
  });
  test.each(['connect-timeout', 'accept-overflow-reset', 'handshake-failed', 'response-timeout', 'abortive-reset', 'stale-reuse'] as FindingCode[])('a %s finding fails it', (code) => {
    expect(isFailedAttempt(closed([]), [f('slow-first-byte'), f(code)])).toBe(true);
  });
  test.each(['syn-retransmit', 'synack-retransmit', 'slow-first-byte', 'retry', 'retry-no-backoff', 'zero-window', 'idle-close', 'quic-retry', 'version-negotiation', 'slow-handshake'] as FindingCode[])('a %s finding does not', (code) => {
    expect(isFailedAttempt(closed([]), [f(code)])).toBe(false);
  });
  test('an RST before the first FIN (either side), or without one; not an RST after a FIN or at the same instant', () => {
    expect(isFailedAttempt(closed([ev('RST', 'server', 4, 0.5)]), [])).toBe(true);
    expect(isFailedAttempt(closed([ev('RST', 'client', 4, 0.5), ev('FIN', 'server', 5, 0.75)]), [])).toBe(true);
    expect(isFailedAttempt(closed([ev('FIN', 'server', 4, 0.5), ev('RST', 'client', 5, 0.75)]), [])).toBe(false);
    expect(isFailedAttempt(closed([ev('FIN', 'client', 4, 0.5), ev('RST', 'server', 5, 0.5)]), [])).toBe(false);
    expect(isFailedAttempt(closed([ev('FIN', 'client', 4, 0.5), ev('FIN', 'server', 5, 0.625)]), [])).toBe(false);
  });
});
