/**
 * connectionFindings() at its thresholds and in its words: every rule of the README's
 * findings table on hand-built records and facts, just below / at / just above each
 * threshold (1/1024 s steps, exact in binary), and the detail strings whole, in the
 * format of the README's examples: durations under 10 ms with one decimal ("0.0 ms"),
 * under 1 s in whole ms ("519 ms"), above in seconds with 3 decimals ("1.013 s"), from
 * 10 s on with one ("10.0 s"); offsets and waits in seconds with 3 decimals.
 */
import { connectionFindings, DEFAULT_FINDING_OPTIONS, findingOptions, type Finding, type FindingOptions } from '../../src/findings/index.js';
import type { ConnectionFacts } from '../../src/findings/index.js';
import type { ConnectionRecord } from '../../src/timeline/types.js';
import { ev, facts, ft, handshake, record, STEP, T0, tls } from './build.js';

function find(rec: ConnectionRecord, f: ConnectionFacts = facts(), captureEnd = rec.end - T0, options?: Partial<FindingOptions>): Finding[] {
  return connectionFindings(rec, f, { captureEnd: T0 + captureEnd, ...(options ? { options: findingOptions(options) } : {}) });
}
const codes = (fs: Finding[]): string[] => fs.map((f) => f.code);

describe('syn-retransmit: the client sent its SYN more than once', () => {
  test('one retransmission, answered: singular, the offset and the wait for the SYN-ACK; cost = first to last SYN', () => {
    const rec = record([ev('SYN', 'client', 1, 0), ev('SYN', 'client', 2, 1, { retransmission: true }), ev('SYN-ACK', 'server', 3, 1.25), ev('ACK', 'client', 4, 1.25 + STEP)], {}, 4);
    expect(find(rec)).toEqual([{ code: 'syn-retransmit', severity: 'warn', frame: 2, detail: '1 SYN retransmission at +1.000 s; answered 1.250 s after the first SYN', costMs: 1000 }]);
  });

  test('two retransmissions, never answered: plural, both offsets; the frame is the first one marked as a retransmission', () => {
    // frame 2 is a second SYN tshark does not call a retransmission (e.g. a new ISN): the finding points at frame 3
    const rec = record([ev('SYN', 'client', 1, 0), ev('SYN', 'client', 2, 1), ev('SYN', 'client', 3, 3, { retransmission: true })]);
    expect(find(rec, facts(), 3.5)).toEqual([{ code: 'syn-retransmit', severity: 'warn', frame: 3, detail: '2 SYN retransmissions at +1.000 s, +3.000 s; never answered', costMs: 3000 }]);
  });

  test('no SYN marked as a retransmission: the second SYN is the frame', () => {
    const rec = record([ev('SYN', 'client', 1, 0), ev('SYN', 'client', 2, 0.5), ev('SYN-ACK', 'server', 3, 0.5 + 10 * STEP)]);
    expect(find(rec)).toEqual([{ code: 'syn-retransmit', severity: 'warn', frame: 2, detail: '1 SYN retransmission at +0.500 s; answered 510 ms after the first SYN', costMs: 500 }]);
  });

  test('one SYN: nothing', () => {
    expect(find(record(handshake()), facts(), 0.5)).toEqual([]);
  });
});

describe('durations in details: the 10 ms, 1 s and 10 s format boundaries', () => {
  // A clock starting at the epoch (time 0) makes 10 ms exact: (0.01 - 0) * 1000 === 10.
  const at0 = (synAck: number): string => {
    const e = (type: 'SYN' | 'SYN-ACK', from: 'client' | 'server', frame: number, time: number) => ({ type, from, frame, firstFrame: frame, time, bytes: 0 });
    const rec = record([e('SYN', 'client', 1, 0), e('SYN', 'client', 2, 0.00390625), e('SYN-ACK', 'server', 3, synAck)]);
    const f = connectionFindings(rec, facts(), { captureEnd: synAck });
    return f[0]!.detail.replace(/^.*; answered (.*) after the first SYN$/, '$1');
  };
  test.each([
    [0.009765625, '9.8 ms'], // 9.77 ms: one decimal
    [0.01, '10 ms'], // 10 ms: whole ms
    [0.5, '500 ms'],
    [0.9990234375, '999 ms'],
    [1, '1.000 s'], // 1 s: seconds, 3 decimals
    [9.9990234375, '9.999 s'],
    [10, '10.0 s'], // 10 s: one decimal
    [12.3125, '12.3 s'],
  ])('a SYN-ACK %s s after the first SYN: "%s"', (t, want) => {
    expect(at0(t)).toBe(want);
  });
});

describe('synack-retransmit: the server sent its SYN-ACK more than once', () => {
  test('frame of the first repeat, its offset, cost = first to last SYN-ACK', () => {
    const rec = record([ev('SYN', 'client', 1, 0), ev('SYN-ACK', 'server', 2, 0.25), ev('ACK', 'client', 3, 0.25 + STEP), ev('SYN-ACK', 'server', 4, 1.25, { retransmission: true }), ev('SYN-ACK', 'server', 5, 3.25, { retransmission: true }), ev('ACK', 'client', 6, 3.25 + STEP)], {}, 6);
    expect(find(rec)).toEqual([
      { code: 'synack-retransmit', severity: 'warn', frame: 4, detail: "the server sent its SYN-ACK 3 times (first repeat +1.000 s): the client's ACK did not complete the connection on the server", costMs: 3000 },
    ]);
  });
  test('no repeat marked as a retransmission: the second SYN-ACK', () => {
    const rec = record([ev('SYN', 'client', 1, 0), ev('SYN-ACK', 'server', 2, 0.25), ev('SYN-ACK', 'server', 3, 0.75)]);
    expect(find(rec)).toEqual([
      { code: 'synack-retransmit', severity: 'warn', frame: 3, detail: "the server sent its SYN-ACK 2 times (first repeat +0.500 s): the client's ACK did not complete the connection on the server", costMs: 500 },
    ]);
  });
});

describe('accept-overflow-reset: after the handshake ACK, the server\'s first RST comes before any server payload or FIN', () => {
  // SYN 0, SYN-ACK 0.125, handshake ACK (frame 3) 0.25
  const hs = (): ConnectionRecord => record(handshake(0.125, 0.125), {}, 3);
  const overflow = (rstFrame: number, rstT: number, ackT = 0.25): Finding => ({
    code: 'accept-overflow-reset',
    severity: 'error',
    frame: rstFrame,
    detail: `the server reset the connection ${rstT - ackT === 0 ? '0.0 ms' : `${(rstT - ackT) * 1000} ms`} after the handshake ACK (frame 3), before sending anything`,
    costMs: rstT * 1000,
  });

  test('an RST 250 ms after the ACK; one at the same instant, in a later frame ("0.0 ms", as in the README)', () => {
    expect(find(hs(), facts({ rst: { client: null, server: ft(4, 0.5) } }))).toEqual([overflow(4, 0.5)]);
    expect(find(hs(), facts({ rst: { client: null, server: ft(4, 0.25) } }))).toEqual([overflow(4, 0.25)]);
  });
  test('not an RST in the ACK\'s own frame, nor one stamped before the ACK (frames out of time order)', () => {
    expect(find(hs(), facts({ rst: { client: null, server: ft(3, 0.25) } }))).toEqual([]);
    expect(find(hs(), facts({ rst: { client: null, server: ft(4, 0.25 - STEP) } }))).toEqual([]);
  });
  test('not after server payload; server payload after the RST (same instant, later frame) does not count', () => {
    expect(find(hs(), facts({ rst: { client: null, server: ft(5, 0.5) }, firstPayload: { client: null, server: ft(4, 0.375) } }))).toEqual([]);
    expect(find(hs(), facts({ rst: { client: null, server: ft(5, 0.5) }, firstPayload: { client: null, server: ft(4, 0.5) } }))).toEqual([]);
    expect(find(hs(), facts({ rst: { client: null, server: ft(4, 0.5) }, firstPayload: { client: null, server: ft(5, 0.5) } }))).toEqual([overflow(4, 0.5)]);
  });
  test('not after a FIN from either side', () => {
    expect(find(hs(), facts({ rst: { client: null, server: ft(5, 0.5) }, fin: { client: ft(4, 0.375), server: null } }))).toEqual([]);
    expect(find(hs(), facts({ rst: { client: null, server: ft(5, 0.5) }, fin: { client: null, server: ft(4, 0.375) } }))).toEqual([]);
  });
  test('no handshake ACK or no server RST: nothing', () => {
    expect(find(record([ev('SYN', 'client', 1, 0), ev('SYN-ACK', 'server', 2, 0.125)]), facts({ rst: { client: null, server: ft(4, 0.5) } }))).toEqual([]);
    expect(find(hs(), facts({ rst: { client: ft(4, 0.5), server: null } }))).toEqual([]);
  });
  test('the reset is the failure: no handshake-failed (alert) and no abortive-reset beside it', () => {
    const rec = record(handshake(0.125, 0.125), { tls: tls({ handshakeMs: null, alerts: [{ from: 'client', frame: 4, name: 'internal_error' }] }) }, 3);
    const req = { from: 'client' as const, first: ft(4, 0.375), last: ft(4, 0.375), bytes: 100 };
    expect(codes(find(rec, facts({ rst: { client: null, server: ft(5, 0.5) }, lastBurstBeforeClose: req, lastBurst: req })))).toEqual(['accept-overflow-reset']);
  });
});

describe('connect-timeout: SYNs with neither SYN-ACK nor RST, the capture going on ≥ 1 s after the last', () => {
  const syns = record([ev('SYN', 'client', 1, 0), ev('SYN', 'client', 2, 1, { retransmission: true }), ev('SYN', 'client', 3, 3, { retransmission: true })]);
  const timeout = (tail: string): Finding => ({ code: 'connect-timeout', severity: 'error', frame: 3, detail: `3 SYNs over 3.000 s got no answer; the capture goes on ${tail} after the last`, costMs: 3000 });

  test.each([
    [1 - STEP, null],
    [1, '1.000 s'],
    [1 + STEP, '1.001 s'],
    [10, '10.0 s'],
  ])('the capture goes on %s s after the last SYN: %s', (tail, want) => {
    const got = find(syns, facts(), 3 + tail).filter((f) => f.code === 'connect-timeout');
    expect(got).toEqual(want === null ? [] : [timeout(want)]);
  });
  test('the tail is an option', () => {
    expect(codes(find(syns, facts(), 3 + 0.25, { connectTimeoutTailMs: 250 }))).toEqual(['syn-retransmit', 'connect-timeout']);
    expect(codes(find(syns, facts(), 3 + 0.25, { connectTimeoutTailMs: 256 }))).toEqual(['syn-retransmit']);
  });
  test('one SYN: singular', () => {
    expect(find(record([ev('SYN', 'client', 1, 0)]), facts(), 2)).toEqual([
      { code: 'connect-timeout', severity: 'error', frame: 1, detail: '1 SYN over 0.000 s got no answer; the capture goes on 2.000 s after the last', costMs: 0 },
    ]);
  });
  test('answered by an RST (refused) or a SYN-ACK: no timeout', () => {
    expect(find(record([ev('SYN', 'client', 1, 0)]), facts({ rst: { client: null, server: ft(2, STEP) } }), 5)).toEqual([]);
    expect(find(record([ev('SYN', 'client', 1, 0), ev('SYN-ACK', 'server', 2, 0.25)]), facts(), 5)).toEqual([]);
  });
});

describe('handshake-failed: TLS never completed', () => {
  // SYN 0, SYN-ACK 0.125, ACK 0.25 (frame 3), ClientHello 0.375 (frame 4)
  const base = (events: ReturnType<typeof ev>[] = [], over: Parameters<typeof tls>[0] = {}): ConnectionRecord =>
    record([...handshake(0.125, 0.125), ev('ClientHello', 'client', 4, 0.375), ...events], { tls: tls({ handshakeMs: null, ...over }) }, null);

  test('an alert: its name and sender, at its frame; cost = the connection\'s life', () => {
    const rec = base([ev('Alert', 'server', 6, 0.5)], { alerts: [{ from: 'server', frame: 6, name: 'protocol_version' }, { from: 'client', frame: 7, name: 'close_notify' }] });
    expect(find(rec)).toEqual([{ code: 'handshake-failed', severity: 'error', frame: 6, detail: 'alert protocol_version from the server', costMs: 500 }]);
  });
  test('a completed handshake with an alert is no failure', () => {
    const rec = record([...handshake(0.125, 0.125), ev('ClientHello', 'client', 4, 0.375)], { tls: tls({ handshakeMs: 12, alerts: [{ from: 'server', frame: 6, name: 'protocol_version' }] }) }, 3);
    expect(find(rec)).toEqual([]);
  });
  test('a FIN or RST after the ServerHello: who closed and how', () => {
    const sh = [ev('ServerHello', 'server', 5, 0.5)];
    // the ServerHello is the server's first payload
    const shFacts = (over: Partial<ConnectionFacts>): ConnectionFacts => facts({ firstPayload: { client: ft(4, 0.375), server: ft(5, 0.5) }, ...over });
    expect(find(base(sh), shFacts({ fin: { client: null, server: ft(6, 0.625) } }))).toEqual([
      { code: 'handshake-failed', severity: 'error', frame: 6, detail: 'the server closed (FIN) after the ServerHello, before the handshake completed', costMs: 500 },
    ]);
    expect(find(base(sh), shFacts({ rst: { client: ft(6, 0.625), server: null } }))[0]!.detail).toBe('the client closed (RST) after the ServerHello, before the handshake completed');
    expect(find(base(sh), shFacts({ fin: { client: ft(6, 0.625), server: null } }))[0]!.detail).toBe('the client closed (FIN) after the ServerHello, before the handshake completed');
    expect(find(base(sh), shFacts({ rst: { client: null, server: ft(6, 0.625) } }))[0]!.detail).toBe('the server closed (RST) after the ServerHello, before the handshake completed');
  });
  test('a close in the ServerHello\'s own frame is not after it', () => {
    expect(find(base([ev('ServerHello', 'server', 5, 0.5)]), facts({ fin: { client: null, server: ft(5, 0.5) } }))).toEqual([]);
  });

  describe('the client giving up ≥ 0.5 s after an unanswered ClientHello', () => {
    const gaveUp = (at: number, how: 'FIN' | 'RST' = 'FIN', over: Partial<ConnectionFacts> = {}): Finding[] =>
      find(base([]), facts({ [how === 'FIN' ? 'fin' : 'rst']: { client: ft(5, 0.375 + at), server: null }, ...over }));
    test.each([
      [0.5 - STEP, []],
      [0.5, ['the client closed (FIN) 0.500 s after its ClientHello without an answer']],
      [0.5 + STEP, ['the client closed (FIN) 0.501 s after its ClientHello without an answer']],
    ])('closing %s s after it: %j', (at, want) => {
      expect(gaveUp(at).map((f) => f.detail)).toEqual(want);
    });
    test('frame of the close, by RST too; cost = the connection\'s life', () => {
      expect(gaveUp(2, 'RST')).toEqual([{ code: 'handshake-failed', severity: 'error', frame: 5, detail: 'the client closed (RST) 2.000 s after its ClientHello without an answer', costMs: 375 }]);
    });
    test('the stall is an option', () => {
      expect(gaveUp(0.25).map((f) => f.code)).toEqual([]);
      expect(codes(find(base([]), facts({ fin: { client: ft(5, 0.625), server: null } }), undefined, { handshakeStallMs: 250 }))).toEqual(['handshake-failed']);
    });
    test('not when the server sent payload after the ClientHello; payload before it (a banner) does not count', () => {
      expect(gaveUp(1, 'FIN', { firstPayload: { client: null, server: ft(5, 0.4) } })).toEqual([]);
      const banner = record([...handshake(0.125, 0.125), ev('ClientHello', 'client', 5, 0.375)], { tls: tls({ handshakeMs: null }) }, null);
      expect(codes(find(banner, facts({ firstPayload: { client: null, server: ft(4, 0.3) }, fin: { client: ft(6, 1.375), server: null } })))).toEqual(['handshake-failed']);
    });
    test('not when the server closed first; the server closing after the client does not matter', () => {
      expect(find(base([]), facts({ fin: { client: ft(6, 1.375), server: ft(5, 0.5) } }))).toEqual([]);
      expect(codes(find(base([]), facts({ fin: { client: ft(5, 1.375), server: ft(6, 1.5) } })))).toEqual(['handshake-failed']);
    });
    test('no ClientHello: nothing to fail', () => {
      const rec = record(handshake(0.125, 0.125), { tls: tls({ handshakeMs: null }) }, 3);
      expect(find(rec, facts({ fin: { client: ft(5, 2), server: null } })).filter((f) => f.code === 'handshake-failed')).toEqual([]);
    });
  });
});

/** SYN 0, SYN-ACK 0.125, ACK 0.25 = setup end (frame 3); a client request in frames 4-5 ending at 0.5. */
const afterSetup = (): ConnectionRecord => record(handshake(0.125, 0.125), {}, 3);
const request = { from: 'client' as const, first: ft(4, 0.375), last: ft(5, 0.5), bytes: 120 };

describe('response-timeout: a request outstanding, the client closing ≥ 0.5 s after it, the server not having closed', () => {
  const closedAt = (t: number, how: 'fin' | 'rst' = 'fin', over: Partial<ConnectionFacts> = {}): Finding[] =>
    find(afterSetup(), facts({ lastBurstBeforeClose: request, lastBurst: request, [how]: { client: ft(6, t), server: null }, ...over }));
  test.each([
    [1 - STEP, null],
    [1, 'the client closed (FIN) 0.500 s after its request (frame 5) without an answer'],
    [1 + STEP, 'the client closed (FIN) 0.501 s after its request (frame 5) without an answer'],
  ])('the client closes at %s s (request at 0.5 s): %s', (t, want) => {
    expect(closedAt(t).filter((f) => f.code === 'response-timeout').map((f) => f.detail)).toEqual(want === null ? [] : [want]);
  });
  test('frame of the close, cost = the wait; by RST too (and then no abortive-reset beside it)', () => {
    expect(closedAt(1.5, 'rst')).toEqual([{ code: 'response-timeout', severity: 'error', frame: 6, detail: 'the client closed (RST) 1.000 s after its request (frame 5) without an answer', costMs: 1000 }]);
  });
  test('the server closed first: no response timeout', () => {
    expect(closedAt(2, 'fin', { fin: { client: ft(7, 2), server: ft(6, 1.5) } })).toEqual([]);
  });
  test('the last burst is the server\'s, or ends in the setup\'s last frame, or setup never ended: not a request', () => {
    expect(closedAt(2, 'fin', { lastBurstBeforeClose: { ...request, from: 'server' } }).filter((f) => f.code === 'response-timeout')).toEqual([]);
    expect(closedAt(2, 'fin', { lastBurstBeforeClose: { ...request, first: ft(3, 0.25), last: ft(3, 0.25) } }).filter((f) => f.code === 'response-timeout')).toEqual([]);
    const noSetup = record(handshake(0.125, 0.125), {}, null);
    expect(find(noSetup, facts({ lastBurstBeforeClose: request, fin: { client: ft(6, 2), server: null } }))).toEqual([]);
  });
});

describe('slow-first-byte: a response beginning ≥ 200 ms after the request\'s last segment', () => {
  const turn = (reqFrame: number, reqT: number, respT: number) => ({ request: { from: 'client' as const, first: ft(reqFrame, reqT), last: ft(reqFrame, reqT), bytes: 80 }, response: ft(reqFrame + 1, respT) });
  test.each([
    // 0.2 s is not exact in binary: the default is checked around it, the boundary with an exact option
    [0.5 + 0.1953125, {}, null],
    [0.5 + 0.203125, {}, '203 ms'],
    [0.5 + 0.25 - STEP, { slowFirstByteMs: 250 }, null],
    [0.5 + 0.25, { slowFirstByteMs: 250 }, '250 ms'],
  ])('response at %s s, request at 0.5 s, options %j: %s', (respT, options, want) => {
    const got = find(afterSetup(), facts({ turns: [turn(4, 0.5, respT)], turnCount: 1 }), 2, options);
    expect(got).toEqual(want === null ? [] : [{ code: 'slow-first-byte', severity: 'warn', frame: 5, detail: `the response began ${want} after the request (frame 4)`, costMs: (respT - 0.5) * 1000 }]);
  });
  test('several slow turns: the first one\'s frame, their number, the slowest (also a later, summarised turn), cost = their sum', () => {
    const f = facts({
      turns: [turn(4, 0.5, 0.75), turn(6, 1, 1.125), turn(8, 1.5, 2)],
      slowestLaterTurn: turn(20, 3, 4),
      turnCount: 12,
    });
    expect(find(afterSetup(), f, 5)).toEqual([
      { code: 'slow-first-byte', severity: 'warn', frame: 5, detail: 'the response began 250 ms after the request (frame 4) (3 slow responses; slowest 1.000 s)', costMs: 1750 },
    ]);
  });
  test('only the summarised later turn is slow: it is the finding', () => {
    const f = facts({ turns: [turn(4, 0.5, 0.625)], slowestLaterTurn: turn(20, 3, 3.5), turnCount: 9 });
    expect(find(afterSetup(), f, 5)).toEqual([{ code: 'slow-first-byte', severity: 'warn', frame: 21, detail: 'the response began 500 ms after the request (frame 20)', costMs: 500 }]);
  });
  test('two slow turns: "2 slow responses"', () => {
    const f = facts({ turns: [turn(4, 0.5, 1), turn(6, 1, 1.25)], turnCount: 2 });
    expect(find(afterSetup(), f, 5)[0]!.detail).toBe('the response began 500 ms after the request (frame 4) (2 slow responses; slowest 500 ms)');
  });
  test('a turn whose request is not after setup does not count', () => {
    expect(find(afterSetup(), facts({ turns: [turn(3, 0.25, 1)], turnCount: 1 }), 5)).toEqual([]);
  });
});

describe('zero-window', () => {
  test('one finding per side that advertised a zero window, client first', () => {
    expect(find(afterSetup(), facts({ zeroWindow: { client: ft(9, 1), server: ft(7, 0.75) } }), 2)).toEqual([
      { code: 'zero-window', severity: 'warn', frame: 9, detail: 'the client advertised a zero receive window: its application was not reading' },
      { code: 'zero-window', severity: 'warn', frame: 7, detail: 'the server advertised a zero receive window: its application was not reading' },
    ]);
  });
});

describe('idle-close: the first close ≥ 1 s after the last payload, handshake complete, no request outstanding', () => {
  const idle = (who: string, how: string, s: string, frame: number): Finding => ({ code: 'idle-close', severity: 'info', frame, detail: `the ${who} closed (${how}) after ${s} without payload either way` });
  test.each([
    [1.25 - STEP, null],
    [1.25, '1.000 s'],
    [1.25 + STEP, '1.001 s'],
  ])('no payload, setup ended at 0.25 s, client FIN at %s s: %s', (t, want) => {
    expect(find(afterSetup(), facts({ fin: { client: ft(4, t), server: null } }))).toEqual(want === null ? [] : [idle('client', 'FIN', want, 4)]);
  });
  test('idle from the last payload after setup (a response), by whoever closed first, FIN or RST', () => {
    const resp = { from: 'server' as const, first: ft(4, 0.375), last: ft(5, 0.5), bytes: 900 };
    expect(find(afterSetup(), facts({ lastBurstBeforeClose: resp, lastBurst: resp, rst: { client: null, server: ft(6, 1.5) }, firstPayload: { client: null, server: ft(4, 0.375) } }))).toEqual([idle('server', 'RST', '1.000 s', 6)]);
    expect(find(afterSetup(), facts({ lastBurstBeforeClose: resp, lastBurst: resp, fin: { client: null, server: ft(6, 1.5) } }))).toEqual([idle('server', 'FIN', '1.000 s', 6)]);
    expect(find(afterSetup(), facts({ lastBurstBeforeClose: resp, lastBurst: resp, fin: { client: null, server: ft(6, 1.5 - STEP) } }))).toEqual([]);
  });
  test('a burst that ended before the setup did (the handshake\'s own records) is not idle time: from the setup\'s end', () => {
    // TLS: the server's flight ends at frame 5 (0.375 s), setup ends at frame 6 (0.5 s)
    const rec = record([...handshake(0.125, 0.125), ev('ServerHello', 'server', 5, 0.375), ev('Finished', 'client', 6, 0.5)], {}, 6);
    const flight = { from: 'server' as const, first: ft(4, 0.3), last: ft(5, 0.375), bytes: 3000 };
    expect(find(rec, facts({ lastBurstBeforeClose: flight, lastBurst: flight, fin: { client: ft(7, 1.5), server: null } }))).toEqual([idle('client', 'FIN', '1.000 s', 7)]);
    expect(find(rec, facts({ lastBurstBeforeClose: flight, lastBurst: flight, fin: { client: ft(7, 1.5 - STEP), server: null } }))).toEqual([]);
  });
  test('a close in the setup\'s last frame or before it is no idle close, even with the threshold at 0', () => {
    expect(find(afterSetup(), facts({ fin: { client: ft(3, 0.25), server: null } }), 5, { idleCloseMs: 0 })).toEqual([]);
    expect(find(afterSetup(), facts({ fin: { client: ft(4, 0.25) , server: null } }), 5, { idleCloseMs: 0 })).toEqual([idle('client', 'FIN', '0.000 s', 4)]);
  });
  test('the threshold is an option', () => {
    expect(find(afterSetup(), facts({ fin: { client: ft(4, 0.75), server: null } }), 2, { idleCloseMs: 500 })).toEqual([idle('client', 'FIN', '0.500 s', 4)]);
  });
  test('the first close decides: same instant, the lower frame; the RST of one side before the other\'s FIN', () => {
    expect(find(afterSetup(), facts({ fin: { client: null, server: ft(6, 1.5) }, rst: { client: ft(5, 1.5), server: null } }))).toEqual([idle('client', 'RST', '1.250 s', 5)]);
    expect(find(afterSetup(), facts({ fin: { client: ft(5, 1.5), server: null }, rst: { client: null, server: ft(6, 1.5) } }))).toEqual([idle('client', 'FIN', '1.250 s', 5)]);
    expect(find(afterSetup(), facts({ fin: { client: ft(7, 2), server: ft(6, 1.75) }, rst: { client: ft(5, 1.5), server: null } }))).toEqual([idle('client', 'RST', '1.250 s', 5)]);
    expect(find(afterSetup(), facts({ fin: { client: ft(7, 2), server: ft(5, 1.5) }, rst: { client: null, server: null } }))).toEqual([idle('server', 'FIN', '1.250 s', 5)]);
  });
  test('setup end without its event: start + setup.ms; without either: the start', () => {
    const noEvent = record(handshake(0.125, 0.125), {}, 9);
    noEvent.setup.ms = 500;
    expect(find(noEvent, facts({ fin: { client: ft(10, 1.5), server: null } }))).toEqual([idle('client', 'FIN', '1.000 s', 10)]);
    noEvent.setup.ms = null;
    expect(find(noEvent, facts({ fin: { client: ft(10, 1.5), server: null } }))).toEqual([idle('client', 'FIN', '1.500 s', 10)]);
  });
  test('the setup end frame\'s own time, not start + setup.ms (which is rounded)', () => {
    const rec = afterSetup();
    rec.setup.ms = 1; // as if rounded badly: the event at frame 3 (0.25 s) decides
    expect(find(rec, facts({ fin: { client: ft(4, 1.25), server: null } }))).toEqual([idle('client', 'FIN', '1.000 s', 4)]);
  });
});

describe('stale-reuse: after side A\'s FIN, side B sends data and A answers with RST', () => {
  const noSetup = (): ConnectionRecord => record([ev('SYN', 'client', 1, 0)], {}, null);
  test('server FIN, client data, server RST (the README\'s nginx case); and the mirror', () => {
    expect(find(noSetup(), facts({ fin: { client: null, server: ft(6, 1) }, payloadAfterPeerFin: { client: ft(7, 2), server: null }, rst: { client: null, server: ft(8, 2 + STEP) } }))).toEqual([
      { code: 'stale-reuse', severity: 'error', frame: 8, detail: "the client sent data (frame 7) 1.000 s after the server's FIN (frame 6); the server answered with RST" },
    ]);
    expect(find(noSetup(), facts({ fin: { client: ft(6, 1), server: null }, payloadAfterPeerFin: { client: null, server: ft(7, 1.5) }, rst: { client: ft(8, 1.5), server: null } }))).toEqual([
      { code: 'stale-reuse', severity: 'error', frame: 8, detail: "the server sent data (frame 7) 0.500 s after the client's FIN (frame 6); the client answered with RST" },
    ]);
  });
  test('an RST before the data is no answer to it', () => {
    expect(find(noSetup(), facts({ fin: { client: null, server: ft(6, 1) }, payloadAfterPeerFin: { client: ft(8, 2), server: null }, rst: { client: null, server: ft(7, 2) } }))).toEqual([]);
  });
});

describe('abortive-reset: the first RST before any FIN while a request is outstanding', () => {
  const withReq = (over: Partial<ConnectionFacts>): ConnectionFacts => facts({ lastBurstBeforeClose: request, lastBurst: request, firstPayload: { client: ft(4, 0.375), server: ft(4, 0.3) }, ...over });
  test('client RST 250 ms after the request; the server\'s (after its own payload, so no overflow)', () => {
    expect(find(afterSetup(), withReq({ rst: { client: ft(6, 0.75), server: null } }))).toEqual([
      { code: 'abortive-reset', severity: 'error', frame: 6, detail: 'the client reset the connection while the request (frame 5) was outstanding', costMs: 250 },
    ]);
    expect(find(afterSetup(), withReq({ rst: { client: null, server: ft(6, 0.75) } }))).toEqual([
      { code: 'abortive-reset', severity: 'error', frame: 6, detail: 'the server reset the connection while the request (frame 5) was outstanding', costMs: 250 },
    ]);
  });
  test('a FIN first: no abortive reset', () => {
    expect(find(afterSetup(), withReq({ fin: { client: null, server: ft(6, 0.625) }, rst: { client: ft(7, 0.75), server: null } }))).toEqual([]);
  });
  test('no request outstanding: no abortive reset', () => {
    const resp = { from: 'server' as const, first: ft(4, 0.375), last: ft(5, 0.5), bytes: 100 };
    expect(codes(find(afterSetup(), withReq({ lastBurstBeforeClose: resp, lastBurst: resp, rst: { client: ft(6, 0.75), server: null } })))).toEqual([]);
  });
  test('a failed handshake is the finding, not the reset', () => {
    const rec = record(handshake(0.125, 0.125), { tls: tls({ handshakeMs: null, alerts: [{ from: 'server', frame: 5, name: 'decode_error' }] }) }, 3);
    expect(codes(find(rec, withReq({ rst: { client: ft(6, 0.75), server: null } })))).toEqual(['handshake-failed']);
  });
});

test('the defaults are the README\'s', () => {
  expect({ ...DEFAULT_FINDING_OPTIONS }).toEqual({
    connectTimeoutTailMs: 1000,
    handshakeStallMs: 500,
    responseTimeoutMs: 500,
    slowFirstByteMs: 200,
    idleCloseMs: 1000,
    slowHandshakeMs: 300,
    retryWindowMs: 30_000,
    noBackoffFromAttempt: 3,
    noBackoffMinIntervalMs: 100,
    backoffGrowth: 1.2,
  });
  // 0 is a valid threshold; negative and non-finite values fall back to the default
  expect(findingOptions({ idleCloseMs: 0 }).idleCloseMs).toBe(0);
  expect(findingOptions({ idleCloseMs: -STEP, slowFirstByteMs: Number.POSITIVE_INFINITY }).idleCloseMs).toBe(1000);
  expect(findingOptions({ slowFirstByteMs: Number.POSITIVE_INFINITY }).slowFirstByteMs).toBe(200);
  expect(findingOptions({ responseTimeoutMs: undefined }).responseTimeoutMs).toBe(500);
});
