/**
 * The tracker under hostile or awkward delivery: the real captures' plaintext
 * re-chunked, with holes, with HTTP/2 header blocks split into CONTINUATION
 * frames; then hand-built malformed input (allowed for malformed-input tests).
 * Nothing may throw; what goes wrong is a recorded problem; every buffer is
 * bounded by the options.
 */
import path from 'node:path';
import { RequestTracker, type HttpRequest } from '../../src/http/index.js';
import { cleartextConnections, keylogConnections, run, type FedConnection, type FeedEvent, h2Frame } from './feed.js';
import type { Stamp } from '../../src/base/stamp.js';

const FIX = path.resolve(process.cwd(), 'fixtures');
const H2 = [path.join(FIX, 'keylog/lo-http2-5req-keylog.pcap'), path.join(FIX, 'keylog/lo-http2-5req-keylog.keys.log')] as const;
const H1TLS = [path.join(FIX, 'keylog/lo-http1-keepalive-5req-keylog.pcap'), path.join(FIX, 'keylog/lo-http1-keepalive-5req-keylog.keys.log')] as const;

const frames = (rs: readonly HttpRequest[]) => rs.map((r) => [r.requestFrame, r.requestEndFrame, r.responseFrame, r.responseEndFrame, r.method, r.status, r.stream]);

function rechunk(c: FedConnection, size: number): FedConnection {
  const events: FeedEvent[] = c.events.flatMap((e) => {
    if (e.kind !== 'data') return [e];
    const out: FeedEvent[] = [];
    for (let o = 0; o < e.bytes.length; o += size) out.push({ ...e, bytes: e.bytes.subarray(o, o + size) });
    return out;
  });
  return { ...c, events };
}

describe('delivery in chunks of any size gives the same requests', () => {
  test.each([1, 7, 4096])('chunks of %i bytes', async (size) => {
    const all = [
      ...(await cleartextConnections(path.join(FIX, 'zeek-http-pipelined-keepalive.pcap'))),
      ...(await cleartextConnections(path.join(FIX, 'lo-http1-edge-cases.pcap'))),
      ...(await cleartextConnections(path.join(FIX, 'lo-h2c-cases.pcap'))),
      ...(await keylogConnections(...H2)),
      ...(await keylogConnections(...H1TLS)),
    ];
    for (const c of all) {
      const whole = run(c);
      expect(whole.requests().length).toBeGreaterThan(0);
      expect(frames(run(rechunk(c, size)).requests())).toEqual(frames(whole.requests()));
    }
  });
});

test('HTTP/2 header blocks split into HEADERS + CONTINUATION read the same', async () => {
  const [c] = await keylogConnections(...H2);
  // Rewrite the client's plaintext: each HEADERS frame becomes HEADERS (first half
  // of its fragment, END_HEADERS cleared) + CONTINUATION (the rest, END_HEADERS).
  let buf = Buffer.alloc(0);
  let preface = true;
  const events: FeedEvent[] = [];
  for (const e of c!.events) {
    if (e.kind !== 'data' || e.side !== 'client') {
      events.push(e);
      continue;
    }
    buf = Buffer.concat([buf, e.bytes]);
    const out: Buffer[] = [];
    if (preface && buf.length >= 24) {
      out.push(buf.subarray(0, 24));
      buf = buf.subarray(24);
      preface = false;
    }
    while (!preface && buf.length >= 9 && buf.length >= 9 + buf.readUIntBE(0, 3)) {
      const len = buf.readUIntBE(0, 3);
      const f = buf.subarray(0, 9 + len);
      buf = buf.subarray(9 + len);
      const flags = f[4]!;
      if (f[3] !== 1 || flags & 0x8) {
        out.push(f);
        continue;
      }
      const skip = flags & 0x20 ? 5 : 0;
      const half = skip + ((len - skip) >> 1);
      const h = Buffer.from(f.subarray(0, 9 + half));
      h.writeUIntBE(half, 0, 3);
      h[4] = flags & ~0x4;
      const cont = Buffer.concat([Buffer.alloc(9), f.subarray(9 + half)]);
      cont.writeUIntBE(len - half, 0, 3);
      cont[3] = 9;
      cont[4] = 0x4;
      cont.writeUInt32BE(f.readUInt32BE(5), 5);
      out.push(h, cont);
    }
    if (out.length > 0) events.push({ ...e, bytes: Buffer.concat(out) });
  }
  const split = run({ ...c!, events });
  expect(split.summary().problems).toEqual([]);
  const want = run(c!).requests();
  expect(want.length).toBe(5);
  expect(frames(split.requests())).toEqual(frames(want));
  // One more 9-byte frame header per request (the CONTINUATION).
  expect(split.requests().map((r) => r.requestBytes)).toEqual(want.map((r) => r.requestBytes + 9));
});

describe('holes (bytes never captured)', () => {
  test('a hole inside a body of known length keeps the connection in step', async () => {
    const [c] = await cleartextConnections(path.join(FIX, 'zeek-http-pipelined-keepalive.pcap'));
    const want = run(c!);
    // Replace a full-sized server segment in the middle of the last (27 kB) response with a gap.
    const big = c!.events.filter((e) => e.kind === 'data' && e.side === 'server');
    const victim = big[big.length - 5]!;
    const holed = { ...c!, events: c!.events.map((e): FeedEvent => (e === victim && e.kind === 'data' ? { kind: 'gap', side: 'server', lost: e.bytes.length } : e)) };
    const t = run(holed);
    expect(t.summary().problemCount).toBe(0);
    expect(frames(t.requests())).toEqual(frames(want.requests()));
  });

  test('a hole in a message head stops that side with a problem, earlier requests stay', async () => {
    const [c] = await cleartextConnections(path.join(FIX, 'lo-http-keepalive-3req.pcap'));
    const clientData = c!.events.filter((e) => e.kind === 'data' && e.side === 'client');
    const second = clientData[1]!;
    const holed = { ...c!, events: c!.events.map((e): FeedEvent => (e === second && e.kind === 'data' ? { kind: 'gap', side: 'client', lost: e.bytes.length } : e)) };
    const t = run(holed);
    expect(t.requests().length).toBe(1);
    expect(t.summary().problems.map((p) => [p.side, p.kind])).toContainEqual(['client', 'gap']);
  });

  test('HTTP/2: a hole inside a HEADERS frame loses that block (method unknown, not guessed) and later dynamic entries', async () => {
    const [c] = await keylogConnections(...H2);
    // Find the client's record carrying the first HEADERS frame and replace it by a gap of its size.
    const want = run(c!).requests();
    const idx = c!.events.findIndex((e) => e.kind === 'data' && e.side === 'client' && e.stamp.frame === want[0]!.requestFrame);
    const e = c!.events[idx]! as Extract<FeedEvent, { kind: 'data' }>;
    // Keep the 9-byte frame header, lose the payload.
    const events: FeedEvent[] = [...c!.events.slice(0, idx), { ...e, bytes: e.bytes.subarray(0, 9) }, { kind: 'gap', side: 'client', lost: e.bytes.length - 9 }, ...c!.events.slice(idx + 1)];
    expect(e.bytes[3]).toBe(1); // the record holds the HEADERS frame alone
    const t = run({ ...c!, events });
    const got = t.requests();
    expect(got.map((r) => r.stream)).toEqual(want.map((r) => r.stream));
    expect(got[0]!.method).toBeUndefined();
    // :method GET is static index 2 in every later request: still known.
    expect(got.slice(1).map((r) => r.method)).toEqual(want.slice(1).map((r) => r.method));
    expect(got.map((r) => r.status)).toEqual(want.map((r) => r.status));
  });
});

describe('malformed and hostile input (hand-built)', () => {
  const st = (frame: number): Stamp => ({ frame, tsSec: 1, tsNsec: frame });

  test('gap(side, Infinity) (a TLS record lost) stops that side and keeps what was read', () => {
    const t = new RequestTracker();
    t.data('client', Buffer.from('GET /a HTTP/1.1\r\n\r\n'), st(1));
    t.data('server', Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n01234'), st(2));
    t.gap('server', Infinity);
    t.data('server', Buffer.from('HTTP/1.1 200 OK\r\n\r\n'), st(3));
    expect(t.requests()).toHaveLength(1);
    expect(t.requests()[0]).toMatchObject({ status: 200, responseFrame: 2, responseEndFrame: null });
    expect(t.wants('server')).toBe(false);
    expect(t.wants('client')).toBe(true);
    expect(t.summary().problems.map((p) => p.kind)).toEqual(['gap']);
  });

  test('not HTTP: decided on the first byte, nothing held, no problem', () => {
    const t = new RequestTracker();
    t.data('server', Buffer.from('220 smtp ready\r\n'), st(1));
    t.data('client', Buffer.from([0x16, 0x03, 0x01]), st(2));
    t.data('client', Buffer.alloc(100000, 0x41), st(3));
    expect(t.summary()).toMatchObject({ protocol: 'none', requestCount: 0, problemCount: 0 });
    expect([t.wants('client'), t.wants('server')]).toEqual([false, false]);
  });

  test('after 101 Switching Protocols neither side is HTTP any more', () => {
    const t = new RequestTracker();
    t.data('client', Buffer.from('GET /chat HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n'), st(1));
    expect(t.wants('server')).toBe(true);
    t.data('server', Buffer.from('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x05hello'), st(2));
    t.data('client', Buffer.from([0x81, 0x85, 1, 2, 3, 4, 5, 6, 7, 8, 9]), st(3));
    expect(t.summary()).toMatchObject({ upgraded: true, requestCount: 1, problemCount: 0 });
    expect(t.requests()[0]).toMatchObject({ status: 101, responseFrame: 2, responseEndFrame: 2 });
    expect([t.wants('client'), t.wants('server')]).toEqual([false, false]);
  });

  test('a head longer than the cap is a problem, not a buffer that grows', () => {
    const t = new RequestTracker({ maxHeadBytes: 1024 });
    t.data('client', Buffer.from('GET / HTTP/1.1\r\n'), st(1));
    for (let i = 0; i < 100; i++) t.data('client', Buffer.from(`X-Filler-${i}: ${'y'.repeat(100)}\r\n`), st(2 + i));
    expect(t.summary().problems.map((p) => p.kind)).toEqual(['too-large']);
    // A request whose head never completed is not listed (its method and end are unknown).
    expect(t.requests()).toHaveLength(0);
  });

  test('an endless first line is not HTTP once it passes the cap, nor a server that talks first for long', () => {
    const t = new RequestTracker({ maxHeadBytes: 1024 });
    for (let i = 0; i < 20; i++) t.data('client', Buffer.from('GETGETGETGET'.repeat(10)), st(i));
    expect(t.summary()).toMatchObject({ protocol: 'none', problemCount: 0 });
    const s = new RequestTracker({ maxHeadBytes: 1024 });
    for (let i = 0; i < 20; i++) s.data('server', Buffer.alloc(100, 0x20), st(i));
    expect(s.summary()).toMatchObject({ protocol: 'none', problemCount: 0 });
  });

  test('bad Content-Length, bad chunk size, response without request: problems', () => {
    const a = new RequestTracker();
    a.data('client', Buffer.from('POST / HTTP/1.1\r\nContent-Length: 5, 6\r\n\r\n'), st(1));
    expect(a.summary().problems.map((p) => p.kind)).toEqual(['malformed']);
    const b = new RequestTracker();
    b.data('client', Buffer.from('GET / HTTP/1.1\r\n\r\n'), st(1));
    b.data('server', Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'), st(2));
    expect(b.summary().problems.map((p) => p.kind)).toEqual(['malformed']);
    expect(b.requests()[0]).toMatchObject({ responseFrame: 2, status: 200, responseEndFrame: null });
    const c = new RequestTracker();
    c.data('client', Buffer.from('GET / HTTP/1.1\r\n\r\n'), st(1));
    c.data('server', Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'), st(2));
    expect(c.summary().problems.map((p) => p.kind)).toEqual(['unmatched-response']);
  });

  test('HTTP/2: bad preface, CONTINUATION without HEADERS, a frame inside a header block, an oversized header frame', () => {
    const pre = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
    const t1 = new RequestTracker();
    t1.data('client', Buffer.concat([pre, h2Frame(9, 4, 1, Buffer.from([0x82]))]), st(1));
    expect(t1.summary().problems.map((p) => p.kind)).toEqual(['h2-protocol']);
    const t2 = new RequestTracker();
    t2.data('client', Buffer.concat([pre, h2Frame(1, 0, 1, Buffer.from([0x82])), h2Frame(0, 0, 1, Buffer.from('x'))]), st(1));
    expect(t2.summary().problems.map((p) => p.kind)).toEqual(['h2-protocol']);
    const t3 = new RequestTracker({ maxHeaderBlock: 16 });
    // A 2^24-1 byte HEADERS frame: its length must not size any allocation.
    const big = Buffer.alloc(9);
    big.writeUIntBE(0xffffff, 0, 3);
    big[3] = 1;
    big[4] = 5;
    big.writeUInt32BE(1, 5);
    t3.data('client', Buffer.concat([pre, big, Buffer.alloc(1000)]), st(1));
    expect(t3.summary().problems.map((p) => p.kind)).toEqual(['too-large']);
    const t4 = new RequestTracker();
    t4.data('client', Buffer.from('PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n', 'latin1'), st(1));
    expect(t4.summary()).toMatchObject({ protocol: 'none' }); // not the preface, and "PRI *" is no HTTP/1 request of ours
  });

  test('random bytes after a valid start never throw and stay bounded', () => {
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) & 0xff;
    for (let round = 0; round < 200; round++) {
      const t = new RequestTracker({ maxRequests: 10, maxProblems: 3 });
      const start = round % 2 === 0 ? 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n' : 'GET / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc';
      t.data('client', Buffer.from(start, 'latin1'), st(0));
      for (let i = 0; i < 50; i++) {
        const b = Buffer.alloc(1 + (rnd() % 64));
        for (let j = 0; j < b.length; j++) b[j] = rnd();
        if (rnd() < 8) t.gap(rnd() & 1 ? 'client' : 'server', rnd());
        else t.data(rnd() & 1 ? 'client' : 'server', b, st(i + 1));
      }
      const s = t.summary();
      expect(t.requests().length).toBeLessThanOrEqual(10);
      expect(s.problems.length).toBeLessThanOrEqual(3);
    }
  });
});
