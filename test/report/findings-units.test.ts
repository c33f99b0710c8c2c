/**
 * src/report/findings.ts on hand-built records: the groups' order and
 * severity (its doc: most severe first, then most connections, then catalog
 * order), the failure reasons (alert name, QUIC CRYPTO_ERROR 0x100 + alert per
 * RFC 9001 §4.8, else 'closed' / 'no answer'), ordinary resets, and what the
 * findings say about pooling. Expected values are written out by hand.
 */
import {
  findingGroups,
  GROUP_IDS_KEPT,
  handshakeFailure,
  handshakeFailures,
  hasFinding,
  isNormalReset,
  normalResets,
  poolingFindings,
  serverIdleClose,
  SEVERITY_RANK,
} from '../../src/report/findings.js';
import type { ConnectionRecord, Finding, FindingCode, QuicMetrics, Severity } from '../../src/timeline/types.js';
import { rec } from './records.js';

const T0 = 1_700_000_000;
let frame = 1;
const f = (code: FindingCode, severity: Severity = 'warn', extra: Partial<Finding> = {}): Finding => ({ code, severity, frame: frame++, detail: 'd', ...extra });
const conn = (id: number, findings: Finding[], more: Partial<ConnectionRecord> = {}): ConnectionRecord => ({ ...rec({ id, start: T0, end: T0 + 1, findings }), ...more });

describe('findingGroups', () => {
  test('severity rank', () => {
    expect(SEVERITY_RANK).toEqual({ error: 2, warn: 1, info: 0 });
  });

  test('no findings (empty, or no list at all): no groups', () => {
    const none = { ...conn(1, []), findings: undefined } as unknown as ConnectionRecord;
    expect(findingGroups([])).toEqual([]);
    expect(findingGroups([conn(0, []), none])).toEqual([]);
  });

  test('counts, ids, cost and the most severe severity, by hand', () => {
    const conns = [
      conn(0, [f('retry', 'info', { costMs: 100 }), f('retry', 'warn', { costMs: 50 }), f('zero-window', 'info')]),
      conn(1, [f('zero-window', 'info', { costMs: 2.5 })]),
      conn(2, [f('retry', 'info')]),
      conn(3, [f('handshake-failed', 'error', { costMs: 7 })]),
    ];
    const g = findingGroups(conns);
    // error first; then retry (one of its findings is warn), then zero-window (info only)
    expect(g.map((x) => x.code)).toEqual(['handshake-failed', 'retry', 'zero-window']);
    expect(g[0]).toEqual({ code: 'handshake-failed', severity: 'error', connections: 1, findings: 1, connectionIds: [3], costMs: 7 });
    expect(g[1]).toEqual({ code: 'retry', severity: 'warn', connections: 2, findings: 3, connectionIds: [0, 2], costMs: 150 });
    expect(g[2]).toEqual({ code: 'zero-window', severity: 'info', connections: 2, findings: 2, connectionIds: [0, 1], costMs: 2.5 });
  });

  test('a severity never goes down; a later error raises the group', () => {
    const g = findingGroups([conn(0, [f('retry', 'error')]), conn(1, [f('retry', 'info')]), conn(2, [f('retry', 'warn')])]);
    expect(g[0]!.severity).toBe('error');
    const up = findingGroups([conn(0, [f('retry', 'info')]), conn(1, [f('retry', 'warn')])]);
    expect(up[0]!.severity).toBe('warn');
  });

  test('order: severity, then connections, then catalog order', () => {
    // all warn: idle-close on 3 connections, syn-retransmit and stale-reuse on 1 each
    const conns = [
      conn(0, [f('stale-reuse'), f('idle-close')]),
      conn(1, [f('idle-close'), f('syn-retransmit')]),
      conn(2, [f('idle-close')]),
    ];
    expect(findingGroups(conns).map((g) => g.code)).toEqual(['idle-close', 'syn-retransmit', 'stale-reuse']);
    // reversed arrival: same order
    expect(findingGroups([...conns].reverse()).map((g) => g.code)).toEqual(['idle-close', 'syn-retransmit', 'stale-reuse']);
    // info with many connections after a warn with one
    const mixed = [conn(0, [f('zero-window', 'info')]), conn(1, [f('zero-window', 'info')]), conn(2, [f('abortive-reset', 'warn')])];
    expect(findingGroups(mixed).map((g) => g.code)).toEqual(['abortive-reset', 'zero-window']);
    // catalog order among equals, whatever the arrival order
    const eq = [conn(0, [f('slow-handshake')]), conn(1, [f('connect-timeout')]), conn(2, [f('retry')])];
    expect(findingGroups(eq).map((g) => g.code)).toEqual(['connect-timeout', 'retry', 'slow-handshake']);
  });

  test('a connection counts once per code even with several findings; two connections sharing an id count twice', () => {
    const g = findingGroups([conn(5, [f('retry'), f('zero-window'), f('retry'), f('retry')]), conn(5, [f('retry')])]);
    const retry = g.find((x) => x.code === 'retry')!;
    expect(retry.connections).toBe(2);
    expect(retry.findings).toBe(4);
    expect(retry.connectionIds).toEqual([5, 5]);
  });

  test(`keeps the first ${GROUP_IDS_KEPT} ids, counts them all`, () => {
    expect(GROUP_IDS_KEPT).toBe(12);
    const conns = Array.from({ length: 20 }, (_, i) => conn(100 + i, [f('retry')]));
    const g = findingGroups(conns);
    expect(g[0]!.connections).toBe(20);
    expect(g[0]!.connectionIds).toEqual(Array.from({ length: 12 }, (_, i) => 100 + i));
  });
});

describe('hasFinding', () => {
  test('by code; a record without a list has none', () => {
    expect(hasFinding(conn(0, [f('retry'), f('idle-close')]), 'idle-close')).toBe(true);
    expect(hasFinding(conn(0, [f('retry')]), 'idle-close')).toBe(false);
    expect(hasFinding({ ...conn(0, []), findings: undefined } as unknown as ConnectionRecord, 'retry')).toBe(false);
  });
});

describe('handshakeFailure / handshakeFailures', () => {
  const failed = [f('handshake-failed', 'error')];
  const alert = (name: string) => ({ from: 'server' as const, frame: 9, level: 2, description: 48, name });
  const withTls = (c: ConnectionRecord, alerts: ReturnType<typeof alert>[]): ConnectionRecord => ({ ...c, tls: { ...c.tls!, alerts } });
  const quicClose = (c: ConnectionRecord, errorCode: number | null): ConnectionRecord => ({
    ...c,
    transport: 'quic',
    tls: null,
    quic: { close: errorCode === null ? null : { from: 'server', frame: 3, errorCode, reason: '' } } as unknown as QuicMetrics,
  });
  const serverHello = (c: ConnectionRecord): ConnectionRecord => ({
    ...c,
    events: [...c.events, { type: 'ServerHello', from: 'server', frame: 2, firstFrame: 2, time: c.start, bytes: 100 }],
  });

  test('null without a handshake-failed finding, even with an alert', () => {
    expect(handshakeFailure(withTls(conn(0, [f('retry')]), [alert('unknown_ca')]))).toBeNull();
  });

  test('the first alert name', () => {
    expect(handshakeFailure(withTls(conn(0, failed), [alert('unknown_ca'), alert('decode_error')]))).toBe('unknown_ca');
  });

  test('QUIC: CRYPTO_ERROR 0x100 + alert named, other codes in hex', () => {
    expect(handshakeFailure(quicClose(conn(0, failed), 0x100 + 48))).toBe('unknown_ca');
    expect(handshakeFailure(quicClose(conn(0, failed), 0x100 + 40))).toBe('handshake_failure');
    expect(handshakeFailure(quicClose(conn(0, failed), 0x100))).toBe('close_notify');
    expect(handshakeFailure(quicClose(conn(0, failed), 0x1ff))).toBe('alert_255');
    expect(handshakeFailure(quicClose(conn(0, failed), 0xff))).toBe('CONNECTION_CLOSE 0xff');
    expect(handshakeFailure(quicClose(conn(0, failed), 0x200))).toBe('CONNECTION_CLOSE 0x200');
    expect(handshakeFailure(quicClose(conn(0, failed), 0xa))).toBe('CONNECTION_CLOSE 0xa');
  });

  test("no alert, no close: 'closed' after a ServerHello, else 'no answer'", () => {
    expect(handshakeFailure(conn(0, failed))).toBe('no answer');
    expect(handshakeFailure(serverHello(conn(0, failed)))).toBe('closed');
    expect(handshakeFailure(withTls(serverHello(conn(0, failed)), []))).toBe('closed');
    expect(handshakeFailure(quicClose(conn(0, failed), null))).toBe('no answer');
    expect(handshakeFailure(serverHello(quicClose(conn(0, failed), null)))).toBe('closed');
    expect(handshakeFailure({ ...conn(0, failed), tls: null })).toBe('no answer');
  });

  test('counted by reason, most frequent first, ties by name', () => {
    const conns = [
      conn(0, failed),
      serverHello(conn(1, failed)),
      withTls(conn(2, failed), [alert('unknown_ca')]),
      withTls(conn(3, failed), [alert('unknown_ca')]),
      serverHello(conn(4, failed)),
      conn(5, [f('retry')]),
      withTls(conn(6, failed), [alert('bad_certificate')]),
      withTls(conn(7, failed), [alert('unknown_ca')]),
    ];
    expect(handshakeFailures(conns)).toEqual([
      { reason: 'unknown_ca', count: 3 },
      { reason: 'closed', count: 2 },
      { reason: 'bad_certificate', count: 1 },
      { reason: 'no answer', count: 1 },
    ]);
    expect(handshakeFailures([...conns].reverse())).toEqual(handshakeFailures(conns));
    expect(handshakeFailures([])).toEqual([]);
  });
});

describe('isNormalReset / normalResets', () => {
  const reset = (by: 'FIN' | 'RST', findings: Finding[] = [], state: ConnectionRecord['state'] = 'reset'): ConnectionRecord =>
    conn(0, findings, { state, teardown: { initiator: 'client', by, ms: 0, idleBeforeSec: 0 } });

  test('state reset, teardown begun by a FIN, no finding that says more', () => {
    expect(isNormalReset(reset('FIN'))).toBe(true);
    expect(isNormalReset(reset('FIN', [f('retry'), f('idle-close'), f('zero-window')]))).toBe(true);
    expect(isNormalReset(reset('RST'))).toBe(false);
    expect(isNormalReset(reset('FIN', [], 'complete'))).toBe(false);
    for (const code of ['stale-reuse', 'abortive-reset', 'response-timeout', 'accept-overflow-reset', 'handshake-failed'] as const) {
      expect(isNormalReset(reset('FIN', [f('retry'), f(code)]))).toBe(false);
    }
    expect(isNormalReset({ ...reset('FIN'), findings: undefined } as unknown as ConnectionRecord)).toBe(true);
  });

  test('counted', () => {
    expect(normalResets([reset('FIN'), reset('RST'), reset('FIN'), reset('FIN', [f('stale-reuse')])])).toBe(2);
    expect(normalResets([])).toBe(0);
  });
});

describe('serverIdleClose / poolingFindings', () => {
  const idle = (detail: string) => f('idle-close', 'info', { detail });

  test("the seconds from the idle-close finding's sentence", () => {
    expect(serverIdleClose(conn(0, [idle('the server closed (FIN) after 2.003 s without payload either way')]))).toBe(2.003);
    expect(serverIdleClose(conn(0, [idle('the server closed (RST) after 65 s without payload either way')]))).toBe(65);
    // the client's idle close, or another code with the same words, does not count
    expect(serverIdleClose(conn(0, [idle('the client closed (FIN) after 3 s without payload either way')]))).toBeNull();
    expect(serverIdleClose(conn(0, [f('retry', 'info', { detail: 'the server closed (FIN) after 2 s without payload either way' })]))).toBeNull();
    // the sentence must start there
    expect(serverIdleClose(conn(0, [idle('so the server closed (FIN) after 2 s without payload either way')]))).toBeNull();
    // the first matching finding
    expect(
      serverIdleClose(conn(0, [idle('other words'), idle('the server closed (FIN) after 4.5 s without payload'), idle('the server closed (FIN) after 1 s without payload')])),
    ).toBe(4.5);
    expect(serverIdleClose({ ...conn(0, []), findings: undefined } as unknown as ConnectionRecord)).toBeNull();
  });

  test('retries, stale reuse and the shortest server idle close', () => {
    const conns = [
      conn(0, [f('retry'), f('retry')]),
      conn(1, [f('stale-reuse'), f('retry')]),
      conn(2, [idle('the server closed (FIN) after 30 s without payload either way')]),
      conn(3, [idle('the server closed (FIN) after 5.25 s without payload either way')]),
      conn(4, [idle('the server closed (FIN) after 10 s without payload either way'), f('stale-reuse')]),
    ];
    expect(poolingFindings(conns)).toEqual({ retries: 2, staleReuse: 2, serverIdleCloseSec: 5.25 });
    expect(poolingFindings([conns[2]!, conns[3]!].reverse())).toEqual({ retries: 0, staleReuse: 0, serverIdleCloseSec: 5.25 });
    expect(poolingFindings([])).toEqual({ retries: 0, staleReuse: 0, serverIdleCloseSec: null });
  });
});
