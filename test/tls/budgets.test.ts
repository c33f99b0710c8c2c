/**
 * Budgets (issue 15): hostile inputs, built by hand because they must be
 * malformed or adversarial, and the retained size they may cost.
 */
import {
  ByteBudget,
  HANDSHAKE_BUDGET,
  HandshakeReader,
  HELLO_LIST_CAPS,
  MAX_ALERTS,
  MAX_MESSAGE,
  MAX_MESSAGES,
  MAX_RECORD,
  TlsSession,
} from '../../src/tls/index.js';
import type { Stamp } from '../../src/base/stamp.js';
import type { TlsMessage } from '../../src/tls/types.js';

const stamp = (frame: number): Stamp => ({ frame, tsSec: 1_700_000_000, tsNsec: 0 });

function collect(): { session: TlsSession; messages: TlsMessage[] } {
  const messages: TlsMessage[] = [];
  return { session: new TlsSession({ message: (m) => messages.push(m) }), messages };
}

const u16 = (n: number) => Buffer.from([n >> 8, n & 0xff]);
const u24 = (n: number) => Buffer.from([n >> 16, (n >> 8) & 0xff, n & 0xff]);
const vec16 = (b: Buffer) => Buffer.concat([u16(b.length), b]);
const vec8 = (b: Buffer) => Buffer.concat([Buffer.from([b.length]), b]);
const ext = (type: number, data: Buffer) => Buffer.concat([u16(type), vec16(data)]);

/** Handshake records (at most 16 KiB of content each) carrying `hs`. */
function records(type: number, content: Buffer): Buffer {
  const out: Buffer[] = [];
  for (let p = 0; p < content.length; p += 16384) {
    const part = content.subarray(p, p + 16384);
    out.push(Buffer.from([type, 3, 3]), u16(part.length), part);
  }
  return Buffer.concat(out);
}

/** A ClientHello with the given cipher suites and extensions. */
function clientHello(suites: number[], extensions: Buffer[]): Buffer {
  const body = Buffer.concat([
    u16(0x0303),
    Buffer.alloc(32, 7),
    vec8(Buffer.alloc(0)),
    vec16(Buffer.concat(suites.map(u16))),
    vec8(Buffer.from([0])),
    vec16(Buffer.concat(extensions)),
  ]);
  return records(22, Buffer.concat([Buffer.from([1]), u24(body.length), body]));
}

/** Feeds `bytes` from `side` in 64 KiB chunks, one frame each. */
function feedAll(session: TlsSession, side: 'client' | 'server', bytes: Buffer, frame = 1): number {
  for (let p = 0; p < bytes.length; p += 65536) session.feed(side, bytes.subarray(p, p + 65536), stamp(frame++));
  return frame;
}

describe('handshake messages never allocate by their claimed length', () => {
  test('20,000 connections each announcing a 16 MB Certificate hold only the bytes seen', () => {
    const claim = 0xffffff;
    const hs = Buffer.concat([Buffer.from([11]), u24(claim), Buffer.alloc(100, 0x30)]);
    const rec = Buffer.concat([Buffer.from([22, 3, 3]), u16(16384), hs]); // record announces 16 KiB, 104 bytes arrive
    const sessions: TlsSession[] = [];
    let retained = 0;
    for (let i = 0; i < 20_000; i++) {
      const { session } = collect();
      session.feed('server', rec, stamp(i + 1));
      retained += session.retained;
      sessions.push(session);
    }
    // The 104 record-body bytes seen are copied per connection (the record spans feeds): not 16 MB, nor 16 KiB.
    expect(retained).toBe(20_000 * hs.length);
  });

  test('a message announced as 16 MB: held up to MAX_MESSAGE, then counted only, with a problem before it ends', () => {
    const claim = 0xffffff;
    const { session, messages } = collect();
    const head = Buffer.concat([Buffer.from([11]), u24(claim)]);
    let frame = feedAll(session, 'server', records(22, Buffer.concat([head, Buffer.alloc(MAX_MESSAGE - 100, 0x30)])));
    expect(session.retained).toBeGreaterThanOrEqual(MAX_MESSAGE - 100);
    expect(session.retained).toBeLessThanOrEqual(MAX_MESSAGE + MAX_RECORD);
    expect(session.summary().problems).toEqual([]);
    // 1 MB more: the bound is crossed, the held bytes are released.
    frame = feedAll(session, 'server', records(22, Buffer.alloc(1 << 20, 0x30)), frame);
    expect(session.retained).toBeLessThanOrEqual(MAX_RECORD);
    expect(session.summary().problems).toEqual([`server: Certificate of ${claim} bytes not parsed (over ${MAX_MESSAGE})`]);
    expect(messages).toEqual([]);
  });
});

describe('handshake buffers of all connections share one budget', () => {
  const sink = (problems: string[], lengths: (number | null)[]) => ({
    message: (m: { body: Buffer | null }) => lengths.push(m.body === null ? null : m.body.length),
    problem: (t: string) => problems.push(t),
  });

  test('a reader past the shared budget counts its message only; completed and dropped messages give bytes back', () => {
    const budget = new ByteBudget(1000);
    const pa: string[] = [];
    const la: (number | null)[] = [];
    const pb: string[] = [];
    const lb: (number | null)[] = [];
    const a = new HandshakeReader(sink(pa, la), MAX_MESSAGE, budget);
    const b = new HandshakeReader(sink(pb, lb), MAX_MESSAGE, budget);
    a.feed(Buffer.concat([Buffer.from([11]), u24(900), Buffer.alloc(800)]), stamp(1));
    expect(budget.used).toBe(800);
    b.feed(Buffer.concat([Buffer.from([11]), u24(500), Buffer.alloc(300)]), stamp(2));
    expect(pb).toEqual(['Certificate of 500 bytes not parsed (handshake buffers of all connections over 1000 bytes)']);
    expect(budget.used).toBe(800);
    a.feed(Buffer.alloc(100), stamp(3));
    expect(la).toEqual([900]);
    expect(budget.used).toBe(0);
    b.feed(Buffer.alloc(200), stamp(4));
    expect(lb).toEqual([null]);
    a.feed(Buffer.concat([Buffer.from([11]), u24(900), Buffer.alloc(10)]), stamp(5));
    expect(budget.used).toBe(10);
    a.lose();
    expect(budget.used).toBe(0);
  });

  test('TlsSession.end() gives back what an unfinished message held', () => {
    const before = HANDSHAKE_BUDGET.used;
    const { session } = collect();
    feedAll(session, 'server', records(22, Buffer.concat([Buffer.from([11]), u24(200_000), Buffer.alloc(100_000)])));
    expect(HANDSHAKE_BUDGET.used - before).toBe(100_000);
    session.end();
    expect(HANDSHAKE_BUDGET.used).toBe(before);
  });
});

describe('repeated records fold into one counted message', () => {
  test('1,000,000 ChangeCipherSpec records: one message ×1,000,000', () => {
    const n = 1_000_000;
    const ccs = Buffer.from([20, 3, 3, 0, 1, 1]);
    const { session, messages } = collect();
    feedAll(session, 'client', Buffer.alloc(ccs.length * n).fill(ccs));
    expect(messages.map((m) => [m.type, m.count, m.bytes, m.first.frame, m.lastRepeat?.frame])).toEqual([
      ['ChangeCipherSpec', n, 6 * n, 1, Math.ceil((6 * n) / 65536)],
    ]);
    expect(session.retained).toBeLessThan(16);
  });

  test('1,000,000 identical fatal alerts: one message, one listed alert', () => {
    const n = 1_000_000;
    const alert = Buffer.from([21, 3, 3, 0, 2, 2, 40]);
    const { session, messages } = collect();
    feedAll(session, 'server', Buffer.alloc(alert.length * n).fill(alert));
    expect(messages.map((m) => [m.type, m.count, m.alert?.name])).toEqual([['Alert', n, 'handshake_failure']]);
    expect(session.summary().alerts).toHaveLength(1);
  });

  test('alternating alerts: at most MAX_MESSAGES messages and MAX_ALERTS listed, the rest counted', () => {
    const n = 10_000;
    const two = Buffer.from([21, 3, 3, 0, 2, 1, 0, 21, 3, 3, 0, 2, 2, 40]);
    const { session, messages } = collect();
    feedAll(session, 'server', Buffer.alloc(two.length * (n / 2)).fill(two));
    expect(messages).toHaveLength(MAX_MESSAGES);
    const s = session.summary();
    expect(s.droppedMessages).toBe(n - MAX_MESSAGES);
    expect(s.alerts).toHaveLength(MAX_ALERTS);
    expect(s.problems).toEqual([
      `server: more than ${MAX_ALERTS} distinct alerts: later ones not listed`,
      `server: more than ${MAX_MESSAGES} messages: later ones counted only`,
    ]);
  });

  test('a TLS 1.2 exchange keeps its two ChangeCipherSpec messages apart (one per side)', () => {
    const { session, messages } = collect();
    session.feed('client', Buffer.from([20, 3, 3, 0, 1, 1]), stamp(1));
    session.feed('server', Buffer.from([20, 3, 3, 0, 1, 1]), stamp(2));
    expect(messages.map((m) => [m.from, m.count])).toEqual([
      ['client', undefined],
      ['server', undefined],
    ]);
  });
});

describe('values kept per ClientHello are capped', () => {
  test('1,000 ALPN values: the first 32 kept, the cut named, the retained size bounded', () => {
    const names = Array.from({ length: 1000 }, (_, i) => Buffer.from(`protocol-${String(i).padStart(4, '0')}-${'x'.repeat(40)}`));
    const alpn = ext(16, vec16(Buffer.concat(names.map(vec8))));
    const { session, messages } = collect();
    feedAll(session, 'client', clientHello([0x1301], [alpn]));
    const ch = messages[0].clientHello!;
    expect(ch.alpn).toHaveLength(HELLO_LIST_CAPS.alpn);
    expect(ch.alpn[31]).toBe(names[31].toString('latin1'));
    expect(ch.truncated).toEqual([{ list: 'alpn', kept: HELLO_LIST_CAPS.alpn, total: 1000 }]);
    expect(session.summary().problems).toEqual([`client: ClientHello alpn list cut to ${HELLO_LIST_CAPS.alpn} of 1000 values`]);
    expect(JSON.stringify(messages).length).toBeLessThan(10_000);
  });

  test('30,000 cipher suites, 500 versions, 5,000 groups and key shares: each list cut at its cap', () => {
    const suites = Array.from({ length: 30_000 }, (_, i) => i);
    const versions = ext(43, vec8(Buffer.concat(Array.from({ length: 120 }, () => u16(0x0304)))));
    const groups = ext(10, vec16(Buffer.concat(Array.from({ length: 5000 }, (_, i) => u16(i)))));
    const shares = ext(51, vec16(Buffer.concat(Array.from({ length: 5000 }, (_, i) => Buffer.concat([u16(i), vec16(Buffer.alloc(1))])))));
    const { messages } = (() => {
      const c = collect();
      feedAll(c.session, 'client', clientHello(suites, [versions, groups, shares]));
      return c;
    })();
    const ch = messages[0].clientHello!;
    expect(ch.cipherSuites).toEqual(suites.slice(0, HELLO_LIST_CAPS.cipherSuites));
    expect(ch.supportedVersions).toHaveLength(HELLO_LIST_CAPS.supportedVersions);
    expect(ch.supportedGroups).toHaveLength(HELLO_LIST_CAPS.supportedGroups);
    expect(ch.keyShareGroups).toHaveLength(HELLO_LIST_CAPS.keyShareGroups);
    expect(ch.truncated!.map((t) => [t.list, t.total])).toEqual([
      ['cipherSuites', 30_000],
      ['supportedVersions', 120],
      ['supportedGroups', 5000],
      ['keyShareGroups', 5000],
    ]);
  });
});
