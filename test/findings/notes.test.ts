/**
 * connectionNotes(): the short phrases the detail screen lists for a connection,
 * one per fact of its record, in a fixed order. The phrases are what a user reads,
 * so they are asserted whole.
 */
import { connectionNotes } from '../../src/findings/notes.js';
import type { ConnectionRecord } from '../../src/timeline/types.js';
import { ev, record, tls } from './build.js';

const tcp = (over: Partial<NonNullable<ConnectionRecord['tcp']>>): ConnectionRecord['tcp'] => ({
  synRetransmits: 0,
  synAckRetransmits: 0,
  synRetransmitOffsetsMs: [],
  handshakeMs: null,
  initialRttMs: null,
  mss: {},
  retransmissions: 0,
  outOfOrder: 0,
  missingBytes: 0,
  ...over,
});
const plain = (over: Partial<ConnectionRecord> = {}): ConnectionRecord => record([ev('SYN', 'client', 1, 0)], over);

describe('connection notes', () => {
  test('an ordinary complete connection has none', () => {
    expect(connectionNotes(plain())).toEqual([]);
    expect(connectionNotes(plain({ tls: tls() }))).toEqual([]);
  });

  test('refused, unanswered (TCP: SYN, QUIC: Initial), midstream', () => {
    expect(connectionNotes(plain({ state: 'refused' }))).toEqual(['connection refused (SYN answered by RST)']);
    expect(connectionNotes(plain({ state: 'unanswered' }))).toEqual(['SYN never answered']);
    expect(connectionNotes(plain({ state: 'unanswered', transport: 'quic', tcp: null }))).toEqual(['Initial never answered']);
    expect(connectionNotes(plain({ state: 'midstream', midstream: true }))).toEqual(['started before the capture (midstream)']);
  });

  test('SYN retransmissions with their offsets (the shared ms format), SYN-ACK retransmissions', () => {
    expect(connectionNotes(plain({ tcp: tcp({ synRetransmits: 2, synRetransmitOffsetsMs: [1003.2, 3012.7] }) }))).toEqual(['SYN retransmitted ×2 (+1003 ms, +3013 ms)']);
    // offsets unknown (a record read from an older file): the count alone
    expect(connectionNotes(plain({ tcp: tcp({ synRetransmits: 1 }) }))).toEqual(['SYN retransmitted ×1']);
    expect(connectionNotes(plain({ tcp: tcp({ synAckRetransmits: 1 }) }))).toEqual(['SYN-ACK retransmitted ×1']);
    expect(connectionNotes(plain({ tcp: tcp({ synRetransmits: 1, synRetransmitOffsetsMs: [12.5], synAckRetransmits: 3 }) }))).toEqual([
      'SYN retransmitted ×1 (+12.5 ms)',
      'SYN-ACK retransmitted ×3',
    ]);
  });

  test('alerts: "handshake failed:" only when the handshake did not complete; every alert with sender and frame', () => {
    const alerts = [
      { from: 'server' as const, frame: 7, name: 'unknown_ca' },
      { from: 'client' as const, frame: 9, name: 'close_notify' },
    ];
    expect(connectionNotes(plain({ tls: tls({ handshakeMs: null, alerts }) }))).toEqual([
      'handshake failed: alert unknown_ca from server (frame 7)',
      'handshake failed: alert close_notify from client (frame 9)',
    ]);
    expect(connectionNotes(plain({ tls: tls({ handshakeMs: 12, alerts: alerts.slice(1) }) }))).toEqual(['alert close_notify from client (frame 9)']);
    // no alert, no completed handshake: no alert note
    expect(connectionNotes(plain({ tls: tls({ handshakeMs: null }) }))).toEqual([]);
  });

  test('resumption (with its kind when known), HelloRetryRequest, 0-RTT, inferred end, STARTTLS', () => {
    expect(connectionNotes(plain({ tls: tls({ resumed: true, resumption: 'ticket' }) }))).toEqual(['resumed (ticket)']);
    expect(connectionNotes(plain({ tls: tls({ resumed: true, resumption: null }) }))).toEqual(['resumed']);
    expect(connectionNotes(plain({ tls: tls({ helloRetry: true }) }))).toEqual(['HelloRetryRequest (one more round trip)']);
    expect(connectionNotes(plain({ tls: tls({ earlyData: true }) }))).toEqual(['0-RTT early data offered']);
    expect(connectionNotes(plain({ tls: tls({ handshakeEndInferred: true }) }))).toEqual(['TLS 1.3 handshake end inferred (encrypted)']);
    expect(connectionNotes(plain({ tls: tls({ startTls: true }) }))).toEqual(['STARTTLS (TLS after a plaintext exchange)']);
  });

  test('a reset: by whom; an RST after the FIN is a close, not a reset', () => {
    expect(connectionNotes(plain({ state: 'reset', resetBy: 'server', teardown: { initiator: 'server', by: 'RST', ms: 0, idleBeforeSec: 0 } }))).toEqual(['reset by the server']);
    expect(connectionNotes(plain({ state: 'reset', resetBy: null, teardown: { initiator: 'client', by: 'RST', ms: 0, idleBeforeSec: 0 } }))).toEqual(['reset']);
    expect(connectionNotes(plain({ state: 'reset', resetBy: 'client', teardown: { initiator: 'server', by: 'FIN', ms: 1, idleBeforeSec: 0 } }))).toEqual(['closed with an RST from the client after the FIN']);
    expect(connectionNotes(plain({ state: 'reset', resetBy: null, teardown: { initiator: 'server', by: 'FIN', ms: 1, idleBeforeSec: 0 } }))).toEqual(['closed with an RST after the FIN']);
    // a FIN teardown without a reset: nothing
    expect(connectionNotes(plain({ state: 'complete', resetBy: null, teardown: { initiator: 'server', by: 'FIN', ms: 1, idleBeforeSec: 0 } }))).toEqual([]);
  });

  test('problems last, as recorded; all notes in their fixed order', () => {
    const c = plain({
      state: 'reset',
      resetBy: 'server',
      midstream: false,
      tcp: tcp({ synRetransmits: 1, synRetransmitOffsetsMs: [1000], synAckRetransmits: 1 }),
      tls: tls({ handshakeMs: null, alerts: [{ from: 'server', frame: 5, name: 'handshake_failure' }], resumed: true, resumption: 'psk', helloRetry: true, earlyData: true, handshakeEndInferred: true, startTls: true }),
      teardown: { initiator: 'server', by: 'RST', ms: 0, idleBeforeSec: 0 },
      problems: ['gap of 100 bytes in the client stream'],
    });
    expect(connectionNotes(c)).toEqual([
      'SYN retransmitted ×1 (+1000 ms)',
      'SYN-ACK retransmitted ×1',
      'handshake failed: alert handshake_failure from server (frame 5)',
      'resumed (psk)',
      'HelloRetryRequest (one more round trip)',
      '0-RTT early data offered',
      'TLS 1.3 handshake end inferred (encrypted)',
      'STARTTLS (TLS after a plaintext exchange)',
      'reset by the server',
      'gap of 100 bytes in the client stream',
    ]);
  });
});
