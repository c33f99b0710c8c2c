/**
 * quicFindings() by the rules of src/findings/quic.ts and the README (QUIC rows of the
 * findings table): connect-timeout for Initials never answered (the client giving up with
 * CONNECTION_CLOSE, or the capture going on ≥ 1 s), handshake-failed for a CONNECTION_CLOSE
 * up to the handshake's end (TLS alerts as CRYPTO_ERROR 0x100 + alert, RFC 9001 §4.8),
 * version-negotiation and quic-retry with their round trip, slow-handshake ≥ 300 ms.
 * Hand-built records at the thresholds; details whole.
 */
import { quicErrorText, quicFindings, findingOptions, type Finding, type FindingOptions } from '../../src/findings/index.js';
import type { ConnectionRecord, QuicMetrics, TimelineEvent } from '../../src/timeline/types.js';
import { ev, quicMetrics, record, STEP, T0 } from './build.js';

function qrec(events: TimelineEvent[], q: Partial<QuicMetrics>, over: Partial<ConnectionRecord> = {}): ConnectionRecord {
  return record(events, { transport: 'quic', tcp: null, state: 'closed', quic: quicMetrics(q), ...over });
}
const find = (rec: ConnectionRecord, captureEnd = rec.end - T0, o?: Partial<FindingOptions>): Finding[] =>
  quicFindings(rec, { captureEnd: T0 + captureEnd, ...(o ? { options: findingOptions(o) } : {}) });

describe('quicErrorText', () => {
  test.each([
    [0x0, 'error 0x0'],
    [0xa, 'error 0xa'],
    [0xff, 'error 0xff'],
    [0x100, 'error 0x100: TLS alert close_notify'],
    [0x128, 'error 0x128: TLS alert handshake_failure'],
    [0x178, 'error 0x178: TLS alert no_application_protocol'],
    [0x1ff, 'error 0x1ff: TLS alert alert_255'],
    [0x200, 'error 0x200'],
  ])('%s: %s', (code, want) => {
    expect(quicErrorText(code)).toBe(want);
  });
});

describe('not a QUIC record with its section, or midstream: nothing', () => {
  test.each([
    ['tcp', { transport: 'tcp' as const }],
    ['no quic section', { quic: null }],
    ['midstream', { midstream: true }],
  ])('%s', (_name, over) => {
    const rec = qrec([ev('Initial', 'client', 1, 0)], {}, { state: 'unanswered', ...over });
    expect(find(rec, 5)).toEqual([]);
  });
});

describe('connect-timeout: Initials never answered', () => {
  const initials = (n: number, datagrams: number, close: QuicMetrics['close'] = null): ConnectionRecord => {
    const events = [ev('Initial', 'client', 1, 0)];
    if (n > 1) events.push(ev('Initial', 'client', n, 1.5));
    if (close) events.push(ev('ConnectionClose', close.from, close.frame, 2));
    return qrec(events, { packets: { client: { Initial: n }, server: {} }, datagrams: { client: datagrams, server: 0 }, close }, { state: 'unanswered' });
  };
  test('the client gave up with CONNECTION_CLOSE: at its frame, the error named; cost = the connection\'s life', () => {
    expect(find(initials(3, 3, { from: 'client', frame: 4, errorCode: 0x0, reason: '' }), 2)).toEqual([
      { code: 'connect-timeout', severity: 'error', frame: 4, detail: '3 Initial packets in 3 datagrams over 2.000 s got no answer; the client gave up with CONNECTION_CLOSE (error 0x0)', costMs: 2000 },
    ]);
  });
  test.each([
    [1 - STEP, null],
    [1, '1.000 s'],
    [12.5, '12.5 s'],
  ])('no close, the capture going on %s s after the last packet: %s', (tail, want) => {
    const rec = initials(1, 1);
    expect(find(rec, tail)).toEqual(want === null ? [] : [{ code: 'connect-timeout', severity: 'error', frame: 1, detail: `1 Initial packet in 1 datagram over 0.0 ms got no answer; the capture goes on ${want} after the last`, costMs: 0 }]);
  });
  test('two Initials in one datagram; the tail is an option', () => {
    const rec = initials(2, 1);
    expect(find(rec, 1.5 + 0.25, { connectTimeoutTailMs: 250 })).toEqual([
      { code: 'connect-timeout', severity: 'error', frame: 2, detail: '2 Initial packets in 1 datagram over 1.500 s got no answer; the capture goes on 250 ms after the last', costMs: 1500 },
    ]);
    expect(find(rec, 1.5 + 0.25, { connectTimeoutTailMs: 251 })).toEqual([]);
  });
  test('no Initial counted: 0', () => {
    const rec = qrec([ev('0-RTT', 'client', 1, 0)], { packets: { client: {}, server: {} }, datagrams: { client: 2, server: 0 } }, { state: 'unanswered' });
    expect(find(rec, 1)[0]!.detail).toBe('0 Initial packets in 2 datagrams over 0.0 ms got no answer; the capture goes on 1.000 s after the last');
  });
  test('a CONNECTION_CLOSE from the server (never answered otherwise) is no giving up: the tail decides', () => {
    const rec = initials(1, 1, { from: 'server', frame: 2, errorCode: 0x0, reason: '' });
    expect(find(rec, 2 + 0.5)).toEqual([]);
    expect(find(rec, 2 + 1).map((f) => f.frame)).toEqual([2]);
  });
  test('an unanswered connection gets no other finding', () => {
    const rec = qrec([ev('Initial', 'client', 1, 0)], { retry: true, versionNegotiation: true }, { state: 'unanswered', setup: { ms: 400, roundTrips: null, bytes: 0, packets: 0, certificateBytes: null, endFrame: 1 } });
    expect(find(rec, 0.5)).toEqual([]);
  });
});

describe('handshake-failed: a CONNECTION_CLOSE up to the handshake\'s end', () => {
  const closed = (close: QuicMetrics['close'], endFrame: number | null): ConnectionRecord =>
    qrec([ev('Initial', 'client', 1, 0), ev('Initial', 'server', 2, 0.125), ev('ConnectionClose', close!.from, close!.frame, 0.25)], { close }, { setup: { ms: endFrame === null ? null : 125, roundTrips: null, bytes: 0, packets: 0, certificateBytes: null, endFrame } });
  test('from the server, a TLS alert, with its reason; cost = the connection\'s life', () => {
    expect(find(closed({ from: 'server', frame: 3, errorCode: 0x128, reason: 'no shared group' }, null))).toEqual([
      { code: 'handshake-failed', severity: 'error', frame: 3, detail: 'CONNECTION_CLOSE from the server during the handshake (error 0x128: TLS alert handshake_failure) "no shared group"', costMs: 250 },
    ]);
  });
  test('from the client, without a reason', () => {
    expect(find(closed({ from: 'client', frame: 3, errorCode: 0xa, reason: '' }, null))[0]!.detail).toBe('CONNECTION_CLOSE from the client during the handshake (error 0xa)');
  });
  test('in the handshake\'s last frame it counts; after it, it is a close, not a failure', () => {
    expect(find(closed({ from: 'server', frame: 3, errorCode: 0x0, reason: '' }, 3)).map((f) => f.code)).toEqual(['handshake-failed']);
    expect(find(closed({ from: 'server', frame: 3, errorCode: 0x0, reason: '' }, 2))).toEqual([]);
  });
});

describe('version-negotiation and quic-retry: one more round trip each', () => {
  test('the versions turned down (8 hex digits), what the server offers, the version used; cost = to the Version Negotiation', () => {
    const rec = qrec([ev('Initial', 'client', 1, 0), ev('VersionNegotiation', 'server', 2, 0.25, { detail: '0x00000001, 0x6b3343cf' }), ev('Initial', 'client', 3, 0.375)], {
      versionNegotiation: true,
      versionsTried: [0x1a2a3a4a, 0xff00001d],
      versionName: 'v1',
    });
    expect(find(rec)).toEqual([
      { code: 'version-negotiation', severity: 'info', frame: 2, detail: 'the server turned down 0x1a2a3a4a, 0xff00001d; it offers 0x00000001, 0x6b3343cf; the client went on with v1', costMs: 250 },
    ]);
  });
  test('versions tried unknown, no list shown: "the first version"', () => {
    const rec = qrec([ev('Initial', 'client', 1, 0), ev('VersionNegotiation', 'server', 2, 0.25)], { versionNegotiation: true, versionsTried: [0x1], versionName: 'v2' });
    expect(find(rec)[0]!.detail).toBe('the server turned down 0x00000001; the client went on with v2');
    const none = qrec([ev('Initial', 'client', 1, 0), ev('VersionNegotiation', 'server', 2, 0.25)], { versionNegotiation: true, versionName: 'v1' });
    expect(find(none)[0]!.detail).toBe('the server turned down the first version; the client went on with v1');
  });
  test('a Retry: when, and the token the client sent back', () => {
    const rec = qrec([ev('Initial', 'client', 1, 0), ev('Retry', 'server', 2, 0.0078125), ev('Initial', 'client', 3, 0.015625)], { retry: true, tokenLength: 57 });
    expect(find(rec)).toEqual([
      { code: 'quic-retry', severity: 'info', frame: 2, detail: 'Retry 7.8 ms after the first Initial; the client sent its ClientHello again with a 57-byte token', costMs: 7.813 },
    ]);
  });
  test('flag without the packet, or a packet from the client: nothing', () => {
    expect(find(qrec([ev('Initial', 'client', 1, 0)], { retry: true, versionNegotiation: true }))).toEqual([]);
    expect(find(qrec([ev('Initial', 'client', 1, 0), ev('Retry', 'client', 2, 0.25), ev('VersionNegotiation', 'client', 3, 0.5)], { retry: true, versionNegotiation: true }))).toEqual([]);
    expect(find(qrec([ev('Initial', 'client', 1, 0), ev('Retry', 'server', 2, 0.25), ev('VersionNegotiation', 'server', 3, 0.5)], {}))).toEqual([]);
  });
});

describe('slow-handshake: the first Initial to the handshake\'s end ≥ 300 ms', () => {
  const hs = (setupMs: number | null, endFrame: number | null, q: Partial<QuicMetrics> = {}, events?: TimelineEvent[]): ConnectionRecord =>
    qrec(events ?? [ev('Initial', 'client', 1, 0), ev('ClientHello', 'client', 1, 0), ev('ServerHello', 'server', 2, 0.25), ev('Handshake', 'client', 3, 0.375)], q, {
      setup: { ms: setupMs, roundTrips: 1, bytes: 0, packets: 0, certificateBytes: null, endFrame },
    });
  test.each([
    [300 - 1000 * STEP, null],
    [300, 'handshake 300 ms: the server\'s ServerHello came 250 ms after the ClientHello, the client finished 50 ms after it'],
    [375, 'handshake 375 ms: the server\'s ServerHello came 250 ms after the ClientHello, the client finished 125 ms after it'],
  ])('setup %s ms: %s', (ms, want) => {
    expect(find(hs(ms, 3))).toEqual(want === null ? [] : [{ code: 'slow-handshake', severity: 'warn', frame: 3, detail: want, costMs: ms }]);
  });
  test('the threshold is an option', () => {
    expect(find(hs(375, 3), undefined, { slowHandshakeMs: 376 })).toEqual([]);
    expect(find(hs(375, 3), undefined, { slowHandshakeMs: 375 }).map((f) => f.code)).toEqual(['slow-handshake']);
  });
  test('no setup end: nothing', () => {
    expect(find(hs(null, null))).toEqual([]);
    expect(find(hs(400, null))).toEqual([]);
  });
  test('extra round trips named; an inferred end said so', () => {
    const both = hs(1250, 3, { retry: true, versionNegotiation: true, handshakeInferred: true });
    expect(find(both).find((f) => f.code === 'slow-handshake')!.detail).toBe(
      "handshake 1.250 s (end inferred: no keys): the server's ServerHello came 250 ms after the ClientHello, the client finished 1.000 s after it, 2 extra round trips (Retry, Version Negotiation)",
    );
    expect(find(hs(375, 3, { retry: true })).find((f) => f.code === 'slow-handshake')!.detail).toBe(
      "handshake 375 ms: the server's ServerHello came 250 ms after the ClientHello, the client finished 125 ms after it, 1 extra round trip (Retry)",
    );
    expect(find(hs(375, 3, { versionNegotiation: true })).find((f) => f.code === 'slow-handshake')!.detail).toBe(
      "handshake 375 ms: the server's ServerHello came 250 ms after the ClientHello, the client finished 125 ms after it, 1 extra round trip (Version Negotiation)",
    );
  });
  test('without a readable ClientHello and ServerHello: the total alone', () => {
    expect(find(hs(10_000, 3, {}, [ev('Initial', 'client', 1, 0), ev('Handshake', 'server', 2, 0.25)]))[0]!.detail).toBe('handshake 10.0 s');
    expect(find(hs(400, 3, {}, [ev('Initial', 'client', 1, 0), ev('ClientHello', 'client', 1, 0)]))[0]!.detail).toBe('handshake 400 ms');
    expect(find(hs(400, 3, {}, [ev('Initial', 'client', 1, 0), ev('ServerHello', 'server', 2, 0.25)]))[0]!.detail).toBe('handshake 400 ms');
  });
});

test('all of them on one connection, in rule order: handshake-failed, version-negotiation, quic-retry, slow-handshake', () => {
  const rec = qrec(
    [ev('Initial', 'client', 1, 0), ev('VersionNegotiation', 'server', 2, 0.125), ev('Retry', 'server', 3, 0.25), ev('ClientHello', 'client', 4, 0.375), ev('ServerHello', 'server', 5, 0.5)],
    { versionNegotiation: true, retry: true, tokenLength: 16, close: { from: 'server', frame: 6, errorCode: 0x178, reason: '' } },
    { setup: { ms: 500, roundTrips: 3, bytes: 0, packets: 0, certificateBytes: null, endFrame: 6 } },
  );
  expect(find(rec).map((f) => `${f.frame} ${f.code}`)).toEqual(['6 handshake-failed', '2 version-negotiation', '3 quic-retry', '6 slow-handshake']);
});
