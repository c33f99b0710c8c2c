/**
 * FindingsEngine's order when findings share a frame: after frame order, the
 * order of README.md's findings table (code by code, the catalog's order), for
 * TCP and QUIC connections alike, whatever order the detectors and the retry
 * tracker produced them in.
 */
import { FindingsEngine } from '../../src/findings/index.js';
import type { ConnectionRecord } from '../../src/timeline/types.js';
import { ev, facts, ft, quicMetrics, record } from './build.js';

// README.md, "Findings": the table's codes, top to bottom.
const TABLE = ['syn-retransmit', 'synack-retransmit', 'accept-overflow-reset', 'connect-timeout', 'handshake-failed', 'response-timeout', 'slow-first-byte', 'retry', 'retry-no-backoff', 'zero-window', 'idle-close', 'stale-reuse', 'abortive-reset', 'quic-retry', 'version-negotiation', 'slow-handshake'];
const byFrameThenTable = (xs: { frame: number; code: string }[]) => [...xs].sort((a, b) => a.frame - b.frame || TABLE.indexOf(a.code) - TABLE.indexOf(b.code)).map((f) => `${f.frame} ${f.code}`);

test('TCP: a retry and a zero window at the retry\'s first SYN: the table puts retry first', () => {
  const e = new FindingsEngine();
  e.connection(record([ev('SYN', 'client', 1, 0)], { id: 0, state: 'unanswered' }), facts(), 0.5);
  const second = record([ev('SYN', 'client', 11, 1), ev('SYN-ACK', 'server', 12, 1.25), ev('ACK', 'client', 13, 1.5)], { id: 1, state: 'closed' });
  const got = e.connection(second, facts({ zeroWindow: { client: ft(11, 1), server: null } }), second.end + 2);
  expect(got.map((f) => f.code).sort()).toEqual(['retry', 'zero-window']);
  expect(got.map((f) => `${f.frame} ${f.code}`)).toEqual(byFrameThenTable(got));
  expect(got.map((f) => `${f.frame} ${f.code}`)).toEqual(['11 retry', '11 zero-window']);
});

test('QUIC: a retry and a slow handshake ending in the first Initial\'s frame: retry first', () => {
  const e = new FindingsEngine();
  const quic = (id: number, events: ConnectionRecord['events'], over: Partial<ConnectionRecord>): ConnectionRecord =>
    record(events, { id, transport: 'quic', tcp: null, quic: quicMetrics(), ...over });
  e.quicConnection(quic(0, [ev('Initial', 'client', 1, 0)], { state: 'unanswered' }), 2);
  const second = quic(1, [ev('Initial', 'client', 11, 1), ev('Initial', 'server', 12, 1.5)], {
    state: 'closed',
    setup: { ms: 500, roundTrips: 1, bytes: 0, packets: 0, certificateBytes: null, endFrame: 11 },
  });
  const got = e.quicConnection(second, second.end + 1);
  expect(got.map((f) => f.code).sort()).toEqual(['retry', 'slow-handshake']);
  expect(got.map((f) => `${f.frame} ${f.code}`)).toEqual(['11 retry', '11 slow-handshake']);
});
