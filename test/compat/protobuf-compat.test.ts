/**
 * The .hlpb format is a contract with scripts (Python/Go readers) and with
 * files users saved. test/compat/demo-loopback-mix.v0.1.0.hlpb was written by
 * handshake-lens 0.1.0 (`-f protobuf` on fixtures/demo-loopback-mix.pcapng)
 * and is never regenerated: every later version must read it, and what it
 * holds must agree with a fresh analysis of the same capture on every field
 * that version 0.1.0 wrote.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyzeFile } from '../../src/analyze.js';
import { EnumMap, protoEnumName, readSavedAnalysis, schema } from '../../src/output/protobuf.js';
import { CONNECTION_STATES, EVENT_TYPES, type ConnectionRecord } from '../../src/timeline/types.js';

const here = dirname(fileURLToPath(import.meta.url));
const saved = join(here, 'demo-loopback-mix.v0.1.0.hlpb');
const capture = join(here, '../../fixtures/demo-loopback-mix.pcapng');

/** The fields of a connection that version 0.1.0 wrote. */
function v010(c: ConnectionRecord) {
  return {
    id: c.id,
    client: c.client,
    server: c.server,
    midstream: c.midstream,
    state: c.state,
    resetBy: c.resetBy,
    firstFrame: c.firstFrame,
    lastFrame: c.lastFrame,
    packets: c.packets,
    bytes: c.bytes,
    events: c.events.map((e) => [e.type, e.from, e.frame, e.firstFrame, e.bytes, e.retransmission ?? false, e.detail ?? null]),
    synRetransmits: c.tcp.synRetransmits,
    handshakeMs: c.tcp.handshakeMs,
    tls: c.tls && {
      version: c.tls.version,
      cipherSuite: c.tls.cipherSuite,
      sni: c.tls.sni,
      alpn: c.tls.alpn,
      resumption: c.tls.resumption,
      alerts: c.tls.alerts.map((a) => [a.from, a.frame, a.name]),
    },
    teardown: [c.teardown.initiator, c.teardown.by],
  };
}

describe('reading a .hlpb written by version 0.1.0', () => {
  test('every connection reads back and agrees with a fresh analysis of the same capture', async () => {
    const old = await readSavedAnalysis(saved);
    const fresh = await analyzeFile(capture);
    expect(old.connections.length).toBe(16);
    expect(old.connections.map(v010)).toEqual(fresh.connections.map(v010));
    expect(old.capture.frames).toBe(fresh.capture.frames);
  });

  test('fields added later read as absent: no findings, not one-sided, no vantage', async () => {
    const old = await readSavedAnalysis(saved);
    expect(old.connections.every((c) => Array.isArray(c.findings) && c.findings.length === 0 && c.oneSided === null)).toBe(true);
    expect(old.capture.vantage).toBeUndefined();
  });
});

describe('protobuf enum numbers come from the .proto, by name', () => {
  test('the numbers 0.1.0 wrote for event types and states are the .proto ones', () => {
    const s = schema();
    // Written out in handshake_lens.proto since 0.1.0; these must never change.
    expect(s.events.number('SYN')).toBe(1);
    expect(s.events.number('SYN-ACK')).toBe(2);
    expect(s.events.number('ClientHello')).toBe(4);
    expect(s.events.number('ApplicationData')).toBe(17);
    expect(s.events.number('RST')).toBe(20);
    expect(s.states.number('half-closed')).toBe(6);
    expect(s.teardownBy.number('RST')).toBe(2);
    expect(s.sides.number(null)).toBe(0);
  });

  test('every event type and state has a value in the .proto, and each number decodes back', () => {
    const s = schema();
    for (const t of EVENT_TYPES) expect(s.events.value(s.events.number(t))).toBe(t);
    for (const st of CONNECTION_STATES) expect(s.states.value(s.states.number(st))).toBe(st);
  });

  test('a value the .proto lacks stops the schema instead of taking the next free number', () => {
    const e = schema().events.protoEnum;
    expect(() => new EnumMap(e, ['NoSuchEvent'], 'event type')).toThrow(/has no NO_SUCH_EVENT/);
    expect(protoEnumName('HelloRetryRequest')).toBe('HELLO_RETRY_REQUEST');
    expect(protoEnumName('session-id')).toBe('SESSION_ID');
  });
});
