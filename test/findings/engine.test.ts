/**
 * The vantage guess by its rule (README: at the client SYN→SYN-ACK is the whole round
 * trip and SYN-ACK→ACK the client's turnaround, at the server the other way round; one
 * leg ≥ 4× the other names an end, a round trip under 1 ms is 'unknown'; medians over the
 * last 256 handshakes), and FindingsEngine's wiring: findings sorted by frame, retries
 * appended, late findings passed on, QUIC records apart.
 */
import { DEFAULT_VANTAGE_OPTIONS, FindingsEngine, guessVantage, handshakeLegs, VantageEstimator, type Finding } from '../../src/findings/index.js';
import type { ConnectionRecord } from '../../src/timeline/types.js';
import { ev, facts, ft, quicMetrics, record, STEP } from './build.js';

/** A handshake whose legs are a and b seconds. */
const hs = (a: number, b: number, id?: number): ConnectionRecord =>
  record([ev('SYN', 'client', 1, 0), ev('SYN-ACK', 'server', 2, a), ev('ACK', 'client', 3, a + b)], id === undefined ? {} : { id }, 3);

describe('handshakeLegs', () => {
  test('from the last SYN before the SYN-ACK (a retransmitted SYN), to the client\'s ACK', () => {
    const rec = record([ev('SYN', 'client', 1, 0), ev('SYN', 'client', 2, 1, { retransmission: true }), ev('SYN-ACK', 'server', 3, 1.25), ev('ACK', 'client', 4, 1.25 + STEP), ev('SYN', 'client', 5, 2)]);
    expect(handshakeLegs(rec)).toEqual({ synToSynAckMs: 250, synAckToAckMs: 1000 * STEP });
  });
  test('a SYN at the SYN-ACK\'s instant counts', () => {
    const rec = record([ev('SYN', 'client', 1, 0), ev('SYN', 'client', 2, 1), ev('SYN-ACK', 'server', 3, 1), ev('ACK', 'client', 4, 1.25)]);
    expect(handshakeLegs(rec)).toEqual({ synToSynAckMs: 0, synAckToAckMs: 250 });
  });
  test('simultaneous open: the client\'s SYN, the server\'s SYN-ACK, the client\'s ACK', () => {
    const rec = record([
      ev('SYN', 'client', 1, 0),
      ev('SYN', 'server', 2, 0.125),
      ev('SYN-ACK', 'client', 3, 0.25),
      ev('SYN-ACK', 'server', 4, 0.375),
      ev('ACK', 'server', 5, 0.4375),
      ev('ACK', 'client', 6, 0.5),
    ]);
    expect(handshakeLegs(rec)).toEqual({ synToSynAckMs: 375, synAckToAckMs: 125 });
  });
  test('no SYN-ACK, no ACK, or no SYN before the SYN-ACK: null', () => {
    expect(handshakeLegs(record([ev('SYN', 'client', 1, 0), ev('SYN-ACK', 'server', 2, 0.25)]))).toBeNull();
    expect(handshakeLegs(record([ev('SYN', 'client', 1, 0), ev('ACK', 'client', 2, 0.25)]))).toBeNull();
    expect(handshakeLegs(record([ev('SYN-ACK', 'server', 1, 0), ev('ACK', 'client', 2, STEP), ev('SYN', 'client', 3, 1)]))).toBeNull();
  });
});

describe('vantage guess', () => {
  test('nothing seen: unknown, no medians', () => {
    expect(new VantageEstimator().guess()).toEqual({ point: 'unknown', handshakes: 0, synToSynAckMs: null, synAckToAckMs: null });
  });
  test('medians: the middle one of an odd count, the mean of the middle two of an even one, whatever the order', () => {
    const v = new VantageEstimator();
    for (const a of [0.5, 0.125, 0.25]) v.add(hs(a, 2 * a));
    expect(v.guess()).toEqual({ point: 'between', handshakes: 3, synToSynAckMs: 250, synAckToAckMs: 500 });
    v.add(hs(1, 2));
    expect(v.guess()).toEqual({ point: 'between', handshakes: 4, synToSynAckMs: 375, synAckToAckMs: 750 });
  });
  test.each([
    // one leg at 4x the other names an end (exact: 4 steps against 1)
    [4 * STEP, STEP, 'client'],
    [4 * STEP - STEP / 64, STEP, 'between'],
    [STEP, 4 * STEP, 'server'],
    [STEP, 4 * STEP - STEP / 64, 'between'],
    [0.25, 0.25, 'between'],
  ])('legs %s s and %s s: %s', (a, b, point) => {
    expect(guessVantage([hs(a, b)]).point).toBe(point);
  });
  test('a round trip under the minimum is unknown; at it, it is judged', () => {
    // minimum = 1/1024 s (0.9765625 ms, exact): legs of half that each add up to it
    const opts = { ...DEFAULT_VANTAGE_OPTIONS, minRttMs: 1000 * STEP };
    expect(guessVantage([hs(STEP / 2, STEP / 2)], opts).point).toBe('between');
    expect(guessVantage([hs(STEP / 2, STEP / 2 - STEP / 64)], opts).point).toBe('unknown');
    // the default 1 ms: 0.9765625 ms is under it
    expect(guessVantage([hs(STEP / 2, STEP / 2)]).point).toBe('unknown');
  });
  test('only the last `keep` handshakes count', () => {
    const v = new VantageEstimator(DEFAULT_VANTAGE_OPTIONS, 2);
    v.add(hs(4, 0.25));
    v.add(hs(0.25, 4));
    v.add(hs(0.25, 4));
    expect(v.guess()).toEqual({ point: 'server', handshakes: 2, synToSynAckMs: 250, synAckToAckMs: 4000 });
  });
  test('records without a handshake are skipped', () => {
    const v = new VantageEstimator();
    v.add(record([ev('SYN', 'client', 1, 0)]));
    expect(v.guess().handshakes).toBe(0);
  });
});

describe('FindingsEngine', () => {
  test('findings sorted by frame; retry findings appended and sorted in', () => {
    const e = new FindingsEngine();
    // a failed attempt (unanswered), then one with two SYNs, unanswered too, the capture going on 2 s
    const first = record([ev('SYN', 'client', 1, 0)], { id: 0, state: 'unanswered' });
    expect(e.connection(first, facts(), first.end + 0.5).map((f) => f.code)).toEqual([]);
    const second = record([ev('SYN', 'client', 11, 1), ev('SYN', 'client', 12, 2, { retransmission: true })], { id: 1, state: 'unanswered' });
    const got = e.connection(second, facts(), second.end + 2);
    expect(got.map((f) => `${f.frame} ${f.code}`)).toEqual(['11 retry', '12 syn-retransmit', '12 connect-timeout']);
  });
  test('own findings out of frame order are sorted', () => {
    const e = new FindingsEngine();
    const got = e.connection(hs(0.125, 0.125), facts({ zeroWindow: { client: ft(9, 1), server: ft(7, 0.75) } }), 2 + 1.7e9);
    expect(got.map((f) => `${f.frame} ${f.code}`)).toEqual(['7 zero-window', '9 zero-window']);
  });
  test('options reach the detectors and the retry tracker', () => {
    const e = new FindingsEngine({ retryWindowMs: 100, connectTimeoutTailMs: 5000 });
    e.connection(record([ev('SYN', 'client', 1, 0)], { id: 0, state: 'unanswered' }), facts(), 0);
    const second = record([ev('SYN', 'client', 11, 0.25)], { id: 1, state: 'unanswered' });
    expect(e.connection(second, facts(), second.end + 2)).toEqual([]);
    expect(e.options.retryWindowMs).toBe(100);
  });
  test('late retry findings go to onLate', () => {
    const late: [number, Finding[], boolean][] = [];
    const e = new FindingsEngine({}, (id, f, first) => late.push([id, f, first]));
    const later = record([ev('SYN', 'client', 11, 1)], { id: 1, state: 'unanswered' });
    const earlier = record([ev('SYN', 'client', 1, 0)], { id: 0, state: 'unanswered' });
    e.connection(later, facts(), later.end);
    e.connection(earlier, facts(), later.end);
    expect(late).toEqual([[1, [{ code: 'retry', severity: 'info', frame: 11, detail: 'attempt 2, 1.00 s after attempt 1 (connection 0)', costMs: 1000 }], true]]);
  });
  test('the vantage guess follows the connections seen', () => {
    const e = new FindingsEngine();
    expect(e.vantage().point).toBe('unknown');
    e.connection(hs(0.25, STEP), facts(), 1.7e9 + 1);
    expect(e.vantage()).toEqual({ point: 'client', handshakes: 1, synToSynAckMs: 250, synAckToAckMs: 1000 * STEP });
  });

  test('QUIC: findings sorted by frame, QUIC retries counted apart from TCP ones', () => {
    const e = new FindingsEngine();
    // a failed TCP attempt to the same ip:port is not the QUIC attempt's predecessor
    e.connection(record([ev('SYN', 'client', 1, 0)], { id: 0, state: 'unanswered' }), facts(), 0.5);
    const q = record([ev('Initial', 'client', 2, 0.25), ev('VersionNegotiation', 'server', 3, 0.375), ev('Initial', 'client', 4, 0.5), ev('Initial', 'server', 5, 0.625)], {
      id: 0,
      transport: 'quic',
      tcp: null,
      state: 'closed',
      quic: quicMetrics({ versionNegotiation: true, versionsTried: [0xff00001d], close: { from: 'server', frame: 5, errorCode: 0x128, reason: '' } }),
    });
    expect(e.quicConnection(q, q.end).map((f) => `${f.frame} ${f.code}`)).toEqual(['3 version-negotiation', '5 handshake-failed']);
  });
});
