/**
 * Which event comes first, as the findings' rules read it: by time, the frame number only
 * breaking ties (frames can be out of time order in merged or reordered captures); a
 * segment carrying FIN and RST together closed by FIN (README: teardown `by` is FIN if the
 * first closing frame has FIN, else RST). And the retry tracker forgetting the destination
 * seen least recently when it holds too many.
 */
import { connectionFindings, destinationKey, findingOptions, RetryTracker, type ConnectionFacts, type Finding } from '../../src/findings/index.js';
import type { ConnectionRecord } from '../../src/timeline/types.js';
import { ev, facts, ft, handshake, record, T0 } from './build.js';
import { mulberry32 } from '../helpers/rng.js';

const find = (rec: ConnectionRecord, f: ConnectionFacts): Finding[] => connectionFindings(rec, f, { captureEnd: T0 + 10 });
/** Handshake ACK (frame 3) at 0.25 s = the setup's end. */
const afterSetup = (): ConnectionRecord => record(handshake(0.125, 0.125), {}, 3);

describe('first close', () => {
  test('a segment with FIN and RST: closed by FIN', () => {
    expect(find(afterSetup(), facts({ fin: { client: ft(4, 1.5), server: null }, rst: { client: ft(4, 1.5), server: null } })).map((f) => f.detail)).toEqual([
      'the client closed (FIN) after 1.250 s without payload either way',
    ]);
  });
  test('the earlier time wins over the lower frame', () => {
    // the server's RST has the lower frame number but was stamped after the client's FIN
    const got = find(afterSetup(), facts({ fin: { client: ft(6, 1.5), server: null }, rst: { client: null, server: ft(5, 1.75) }, firstPayload: { client: null, server: ft(4, 0.375) } }));
    expect(got.map((f) => f.detail)).toEqual(['the client closed (FIN) after 1.250 s without payload either way']);
    const rev = find(afterSetup(), facts({ fin: { client: ft(5, 1.75), server: null }, rst: { client: ft(6, 1.5), server: null } }));
    expect(rev.map((f) => f.detail)).toEqual(['the client closed (RST) after 1.250 s without payload either way']);
  });
});

describe('before: time first, frame on a tie', () => {
  const hs = (): ConnectionRecord => record(handshake(0.125, 0.125), {}, 3);
  test('the server\'s RST on its first payload segment is not before that payload: no accept-overflow-reset', () => {
    expect(find(hs(), facts({ rst: { client: null, server: ft(4, 0.5) }, firstPayload: { client: null, server: ft(4, 0.5) } })).map((f) => f.code)).not.toContain('accept-overflow-reset');
  });
  test('an RST stamped before the server payload but numbered after it is before it', () => {
    expect(find(hs(), facts({ rst: { client: null, server: ft(5, 0.375) }, firstPayload: { client: null, server: ft(4, 0.5) } })).map((f) => f.code)).toEqual(['accept-overflow-reset']);
  });
  test('an RST numbered before the server payload but stamped after it is not', () => {
    expect(find(hs(), facts({ rst: { client: null, server: ft(4, 0.625) }, firstPayload: { client: null, server: ft(5, 0.5) } })).map((f) => f.code)).not.toContain('accept-overflow-reset');
  });
});

test('the retry tracker keeps the destinations seen most recently', () => {
  const t = new RetryTracker(findingOptions(), { maxDestinations: 2 });
  const to = (id: number, ip: string, s: number): ConnectionRecord =>
    record([ev('SYN', 'client', id * 10 + 1, s)], { id, state: 'unanswered', server: { ip, port: 443 } });
  t.observe(to(0, '10.0.0.1', 0), []);
  t.observe(to(1, '10.0.0.2', 1), []);
  t.observe(to(2, '10.0.0.1', 2), []); // a retry to .1: .1 is now the more recent
  t.observe(to(3, '10.0.0.3', 3), []); // one too many: .2 goes
  expect(t.size).toBe(2);
  expect(t.observe(to(4, '10.0.0.1', 4), []).map((f) => f.detail)).toEqual(['attempt 3, 2.00 s after attempt 2 (connection 2)', 'attempt 3: interval 2.00 s after 2.00 s: not growing']);
  expect(t.observe(to(5, '10.0.0.2', 5), [])).toEqual([]);
});

test('the retry tracker forgets the least recently active destination, over many evictions', () => {
  // A plain reference: a list of keys, the most recently active last, cut at the front.
  const max = 5;
  const t = new RetryTracker(findingOptions(), { maxDestinations: max });
  const ref: string[] = [];
  const next = mulberry32(7);
  for (let id = 0; id < 3000; id++) {
    // Mostly a few hot destinations, sometimes one of many: keys come back after being evicted.
    const ip = next() < 0.7 ? `10.0.0.${Math.floor(next() * 6)}` : `10.0.1.${Math.floor(next() * 200)}`;
    const rec = record([ev('SYN', 'client', id * 10 + 1, id)], { id, state: 'unanswered', server: { ip, port: 443 } });
    t.observe(rec, []);
    const key = destinationKey(rec);
    if (ref.includes(key)) ref.splice(ref.indexOf(key), 1);
    ref.push(key);
    if (ref.length > max) ref.shift();
    expect(t.remembered).toEqual(ref);
  }
});

test('a cost from timestamps out of order is 0, not negative', () => {
  // the client's RST is numbered after its request's last segment but stamped 125 ms before it
  const req = { from: 'client' as const, first: ft(4, 0.375), last: ft(5, 0.5), bytes: 100 };
  const got = find(afterSetup(), facts({ lastBurstBeforeClose: req, lastBurst: req, rst: { client: ft(6, 0.375), server: null }, firstPayload: { client: ft(4, 0.375), server: null } }));
  expect(got).toEqual([{ code: 'abortive-reset', severity: 'error', frame: 6, detail: 'the client reset the connection while the request (frame 5) was outstanding', costMs: 0 }]);
});
