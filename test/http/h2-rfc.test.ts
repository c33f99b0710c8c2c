/**
 * HTTP/2 on hand-built frames (no capture), against RFC 9113: the client
 * preface (§3.4), the frame header (§4.1), HEADERS with PADDED / PRIORITY
 * (§6.2), CONTINUATION (§6.10: nothing else may come between; same stream),
 * PUSH_PROMISE (§6.6: its header block changes the server's HPACK table),
 * DATA / RST_STREAM, client streams odd and increasing (§5.1.1), 1xx
 * interim responses (§8.1), END_STREAM. Header blocks use RFC 7541 static
 * entries and literals. Frames, statuses and byte counts (9-byte frame
 * headers included, as types.ts documents) follow from the frames built here.
 */
import { RequestTracker, type HttpRequest, type RequestTrackerOptions } from '../../src/http/index.js';
import type { Side, Stamp } from '../../src/base/stamp.js';
import { DEFAULT_TRACKER_OPTIONS } from '../../src/http/types.js';
import { Http2Connection } from '../../src/http/conn2.js';
import { RequestLog } from '../../src/http/log.js';
import { h2Frame as frame } from './feed.js';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
const DATA = 0;
const HEADERS = 1;
const PRIORITY_FRAME = 2;
const RST_STREAM = 3;
const SETTINGS = 4;
const PUSH_PROMISE = 5;
const CONTINUATION = 9;
const END_STREAM = 0x1;
const END_HEADERS = 0x4;
const PADDED = 0x8;
const PRIORITY = 0x20;

const st = (frame: number): Stamp => ({ frame, tsSec: 2000, tsNsec: frame * 1_000_000 });
const t0 = (frame: number): number => 2000 + frame / 1000;

/** RFC 7541 literal without indexing, name from static index `idx` (4-bit prefix, idx < 15), raw value. */
const lit = (idx: number, value: string): number[] => [idx, value.length, ...Buffer.from(value, 'latin1')];
const GET = [0x82, 0x86, 0x84]; // :method GET, :scheme http, :path /
const POST = [0x83, 0x86, 0x84];
const S200 = [0x88];
const S204 = [0x89];
const S404 = [0x8d];
const status = (s: string): number[] => lit(8, s); // :status (static 8) with a literal value

type Step = [Side, Buffer, number];
function run(steps: Step[], opts: Partial<RequestTrackerOptions> = {}, size = 0): RequestTracker {
  const t = new RequestTracker(opts);
  for (const [side, b, f] of steps) {
    if (size === 0) t.data(side, b, st(f));
    else for (let o = 0; o < b.length; o += size) t.data(side, b.subarray(o, o + size), st(f));
  }
  return t;
}
const row = (r: HttpRequest) => [r.stream, r.method, r.status, r.requestFrame, r.requestEndFrame, r.responseFrame, r.responseEndFrame, r.requestBytes, r.responseBytes];
const kinds = (t: RequestTracker) => t.summary().problems.map((p) => [p.side, p.kind, p.frame]);

describe('requests and responses on streams', () => {
  const hdr = frame(HEADERS, END_HEADERS | END_STREAM, 1, GET);
  const settings = frame(SETTINGS, 0, 0, [0, 3, 0, 0, 0, 100]);
  const resp = frame(HEADERS, END_HEADERS, 1, S200);
  const body = frame(DATA, END_STREAM, 1, 'hello');
  const steps: Step[] = [
    ['client', Buffer.concat([PREFACE, settings, hdr]), 1],
    ['server', Buffer.concat([frame(SETTINGS, 0, 0), frame(SETTINGS, 1, 0)]), 2],
    ['server', resp, 3],
    ['server', body, 4],
  ];
  test.each([0, 1, 5, 9])('one GET (chunks of %i bytes, 0 = whole): frames, times, status, bytes with 9-byte headers', (size) => {
    const t = run(steps, {}, size);
    expect(t.requests()).toEqual([
      {
        protocol: 'h2',
        stream: 1,
        method: 'GET',
        status: 200,
        requestFrame: 1,
        requestTime: t0(1),
        requestEndFrame: 1,
        requestEndTime: t0(1),
        responseFrame: 3,
        responseTime: t0(3),
        responseEndFrame: 3,
        responseEndTime: t0(3),
        requestBytes: hdr.length,
        responseBytes: resp.length + body.length,
      },
    ]);
    expect(t.summary()).toEqual({ protocol: 'h2', requestCount: 1, overflow: 0, upgraded: false, problems: [], problemCount: 0 });
    expect([t.wants('client'), t.wants('server')]).toEqual([true, true]);
  });

  test('concurrent streams answered out of order; request bodies (DATA) and trailers counted; the response starts in the frame of its HEADERS\' first byte', () => {
    const h1 = frame(HEADERS, END_HEADERS, 1, POST);
    const d1 = frame(DATA, 0, 1, 'abc');
    const tr1 = frame(HEADERS, END_HEADERS | END_STREAM, 1, lit(0, '').slice(0, 0).concat([0x00, 1, 0x78, 1, 0x79])); // trailer x: y (new name)
    const h3 = frame(HEADERS, END_HEADERS | END_STREAM, 3, GET);
    const h5 = frame(HEADERS, END_HEADERS | END_STREAM, 5, [0x82, 0x86, 0x04, 2, 0x2f, 0x35]); // :path /5
    const r5 = frame(HEADERS, END_HEADERS | END_STREAM, 5, S204);
    const r1 = frame(HEADERS, END_HEADERS, 1, S404);
    const r1d = frame(DATA, END_STREAM, 1, 'nope');
    const r3 = frame(HEADERS, END_HEADERS | END_STREAM, 3, S200);
    const t = run([
      ['client', Buffer.concat([PREFACE, h1, d1]), 1],
      ['client', Buffer.concat([tr1, h3, h5]), 2],
      ['server', Buffer.concat([r5, r1.subarray(0, 4)]), 3],
      ['server', Buffer.concat([r1.subarray(4), r1d]), 4],
      ['server', r3, 5],
    ]);
    expect(t.requests().map(row)).toEqual([
      [1, 'POST', 404, 1, 1, 3, 4, h1.length + d1.length + tr1.length, r1.length + r1d.length],
      [3, 'GET', 200, 2, 2, 5, 5, h3.length, r3.length],
      [5, 'GET', 204, 2, 2, 3, 3, h5.length, r5.length],
    ]);
    expect(t.summary().problemCount).toBe(0);
  });

  test('1xx interim HEADERS (103) are counted; the final HEADERS is the response; an unreadable :status still ends the wait', () => {
    const i = frame(HEADERS, END_HEADERS, 1, status('103'));
    const i2 = frame(HEADERS, END_HEADERS, 1, status('100'));
    const r = frame(HEADERS, END_HEADERS | END_STREAM, 1, S200);
    const t = run([
      ['client', Buffer.concat([PREFACE, frame(HEADERS, END_HEADERS | END_STREAM, 1, GET), frame(HEADERS, END_HEADERS | END_STREAM, 3, GET), frame(HEADERS, END_HEADERS | END_STREAM, 5, GET)]), 1],
      ['server', i, 2],
      ['server', i2, 3],
      ['server', r, 4],
      ['server', frame(HEADERS, END_HEADERS, 3, status('2x0')), 5],
      ['server', frame(HEADERS, END_HEADERS, 5, status('1999')), 6],
      ['server', frame(HEADERS, END_HEADERS, 5, status('200')), 7],
    ]);
    const [a, b, c] = t.requests();
    expect(a).toMatchObject({ interim: 2, interimFrame: 2, status: 200, responseFrame: 4, responseEndFrame: 4, responseBytes: i.length + i2.length + r.length });
    expect(b).toMatchObject({ responseFrame: 5, responseEndFrame: 5 });
    expect(b!.status).toBeUndefined();
    expect(b!.interim).toBeUndefined();
    // "1999" is no 3-digit status: not interim, the response (status unknown); the later HEADERS are counted, nothing else
    expect(c).toMatchObject({ responseFrame: 6, responseEndFrame: 6 });
    expect(c!.status).toBeUndefined();
    expect(c!.responseBytes).toBe(2 * (9 + 2 + 4) - 1);
  });

  test('END_STREAM from the server closes the stream: later frames on it are not counted; from the client it does not', () => {
    const t = run([
      ['client', Buffer.concat([PREFACE, frame(HEADERS, END_HEADERS | END_STREAM, 1, GET)]), 1],
      ['server', frame(HEADERS, END_HEADERS | END_STREAM, 1, S200), 2],
      ['server', frame(DATA, 0, 1, 'late'), 3],
      ['server', frame(HEADERS, END_HEADERS, 1, S404), 4],
    ]);
    expect(t.requests().map(row)).toEqual([[1, 'GET', 200, 1, 1, 2, 2, 12, 10]]);
    const u = run([
      ['client', Buffer.concat([PREFACE, frame(HEADERS, END_HEADERS | END_STREAM, 1, GET), frame(DATA, END_STREAM, 1, 'x')]), 1],
      ['server', frame(HEADERS, END_HEADERS, 1, S200), 2],
      ['server', frame(DATA, 0, 1, 'ab'), 3],
      ['server', frame(DATA, END_STREAM, 1, ''), 4],
      ['server', frame(DATA, 0, 1, 'zzz'), 5],
    ]);
    expect(u.requests().map(row)).toEqual([[1, 'GET', 200, 1, 1, 2, 2, 12 + 10, 10 + 11 + 9]]);
  });

  test('RST_STREAM from either side closes the stream, its bytes counted; a response after it is not matched', () => {
    const rst = frame(RST_STREAM, 0, 1, [0, 0, 0, 8]);
    const t = run([
      ['client', Buffer.concat([PREFACE, frame(HEADERS, END_HEADERS | END_STREAM, 1, GET), rst]), 1],
      ['server', frame(HEADERS, END_HEADERS, 1, S200), 2],
    ]);
    expect(t.requests().map(row)).toEqual([[1, 'GET', undefined, 1, 1, null, null, 12 + 13, 0]]);
    const u = run([
      ['client', Buffer.concat([PREFACE, frame(HEADERS, END_HEADERS | END_STREAM, 1, GET)]), 1],
      ['server', rst, 2],
      ['server', frame(HEADERS, END_HEADERS, 1, S200), 3],
    ]);
    expect(u.requests().map(row)).toEqual([[1, 'GET', undefined, 1, 1, null, null, 12, 13]]);
    // frames of other types (PRIORITY, SETTINGS, WINDOW_UPDATE) on a stream count nowhere
    const v = run([
      ['client', Buffer.concat([PREFACE, frame(HEADERS, END_HEADERS, 1, GET), frame(PRIORITY_FRAME, 0, 1, [0, 0, 0, 0, 16]), frame(8, 0, 1, [0, 0, 1, 0])]), 1],
    ]);
    expect(v.requests().map(row)).toEqual([[1, 'GET', undefined, 1, 1, null, null, 12, 0]]);
  });

  test('client streams must be odd and increasing (RFC 9113 §5.1.1): others are a problem and open nothing', () => {
    const t = run([
      ['client', Buffer.concat([PREFACE, frame(HEADERS, END_HEADERS, 3, GET)]), 1],
      ['client', frame(HEADERS, END_HEADERS, 2, GET), 2],
      ['client', frame(HEADERS, END_HEADERS, 0, GET), 3],
      ['client', frame(HEADERS, END_HEADERS, 1, GET), 4],
      ['client', frame(HEADERS, END_HEADERS, 5, GET), 5],
    ]);
    expect(t.requests().map((r) => r.stream)).toEqual([3, 5]);
    expect(t.summary().problems).toEqual([
      { side: 'client', frame: 2, kind: 'h2-protocol', detail: 'HEADERS on stream 2, which cannot open a request' },
      { side: 'client', frame: 3, kind: 'h2-protocol', detail: 'HEADERS on stream 0, which cannot open a request' },
      { side: 'client', frame: 4, kind: 'h2-protocol', detail: 'HEADERS on stream 1, which cannot open a request' },
    ]);
  });
});

describe('frame header fields (RFC 9113 §4.1) and stream reuse (§5.1.1)', () => {
  test('the reserved bit of the stream id is ignored', () => {
    const h = frame(HEADERS, END_HEADERS | END_STREAM, 1, GET);
    h[5]! |= 0x80; // stream 0x80000001 on the wire: stream 1
    const r = frame(HEADERS, END_HEADERS | END_STREAM, 1, S200);
    r[5]! |= 0x80;
    const t = run([['client', Buffer.concat([PREFACE, h]), 1], ['server', r, 2]]);
    expect(t.requests().map(row)).toEqual([[1, 'GET', 200, 1, 1, 2, 2, 12, 10]]);
  });
  test('flags without meaning for a frame type are ignored: 0x20 (PRIORITY on HEADERS) on a PUSH_PROMISE adds no field', () => {
    const promise = frame(PUSH_PROMISE, END_HEADERS | PRIORITY, 1, [0, 0, 0, 2, 0x48, 3, 0x32, 0x39, 0x39]);
    const t = run([
      ['client', Buffer.concat([PREFACE, frame(HEADERS, END_HEADERS | END_STREAM, 1, GET)]), 1],
      ['server', promise, 2],
      ['server', frame(HEADERS, END_HEADERS | END_STREAM, 1, [0xbe]), 3],
    ]);
    expect(t.summary().problemCount).toBe(0);
    expect(t.requests()[0]).toMatchObject({ status: 299 });
  });
  test('a closed stream cannot be opened again: HEADERS on it from the client is a problem, not a request', () => {
    const t = run([
      ['client', Buffer.concat([PREFACE, frame(HEADERS, END_HEADERS | END_STREAM, 1, GET)]), 1],
      ['server', frame(HEADERS, END_HEADERS | END_STREAM, 1, S200), 2],
      ['client', frame(HEADERS, END_HEADERS | END_STREAM, 1, GET), 3],
    ]);
    expect(t.requests()).toHaveLength(1);
    expect(t.summary().problems).toEqual([{ side: 'client', frame: 3, kind: 'h2-protocol', detail: 'HEADERS on stream 1, which cannot open a request' }]);
  });
  test('a client PUSH_PROMISE carries no header block for us: never checked against maxHeaderBlock', () => {
    const pp = frame(PUSH_PROMISE, END_HEADERS, 1, [0, 0, 0, 2, ...Array(40).fill(0x82)]);
    const t = run([['client', Buffer.concat([PREFACE, frame(HEADERS, END_HEADERS, 1, GET), pp]), 1]], { maxHeaderBlock: 16 });
    expect(t.summary().problemCount).toBe(0);
    expect(t.requests()[0]!.requestBytes).toBe(12 + pp.length);
  });
});

describe('header block framing (RFC 9113 §6.2, §6.6, §6.10)', () => {
  test('PADDED and PRIORITY fields are stripped before HPACK; the frame counts whole', () => {
    const padded = frame(HEADERS, END_HEADERS | PADDED, 1, [3, 0x83, 0x86, 0x84, 0, 0, 0]);
    const prio = frame(HEADERS, END_HEADERS | PRIORITY, 3, [0x80, 0, 0, 1, 15, 0x83, 0x86, 0x84]);
    const both = frame(HEADERS, END_HEADERS | PADDED | PRIORITY, 5, [2, 0, 0, 0, 3, 200, 0x83, 0x86, 0x84, 0, 0]);
    const zeroPad = frame(HEADERS, END_HEADERS | PADDED, 7, [0, 0x83, 0x86, 0x84]);
    const t = run([['client', Buffer.concat([PREFACE, padded, prio, both, zeroPad]), 1]]);
    expect(t.requests().map((r) => [r.stream, r.method, r.requestBytes])).toEqual([
      [1, 'POST', padded.length],
      [3, 'POST', prio.length],
      [5, 'POST', both.length],
      [7, 'POST', zeroPad.length],
    ]);
    expect(t.summary().problemCount).toBe(0);
  });

  test('padding that takes all the rest leaves an empty block (valid); an empty block alone in its delivery ends the request there', () => {
    const t = run([['client', Buffer.concat([PREFACE, frame(HEADERS, END_HEADERS | PADDED, 1, [2, 0, 0])]), 1], ['client', frame(HEADERS, END_HEADERS, 3, []), 2], ['client', frame(HEADERS, END_HEADERS, 5, GET), 3]]);
    expect(t.summary().problemCount).toBe(0);
    expect(t.requests().map((r) => [r.stream, r.method, r.requestEndFrame])).toEqual([[1, undefined, 1], [3, undefined, 2], [5, 'GET', 3]]);
  });

  test('a lost block makes later dynamic references unknown (its HPACK changes are not known)', () => {
    // block 1 adds ":method: PATCH" (incremental, name index 2) → index 62; block 2 is lost (bad padding); block 3 refers to 62
    const t = run([
      ['client', Buffer.concat([PREFACE, frame(HEADERS, END_HEADERS, 1, [0x42, 5, ...Buffer.from('PATCH')]), frame(HEADERS, END_HEADERS, 3, [0xbe])]), 1],
      ['client', frame(HEADERS, END_HEADERS | PADDED, 5, [9, 0x82]), 2],
      ['client', frame(HEADERS, END_HEADERS, 7, [0xbe]), 3],
    ]);
    expect(t.requests().map((r) => [r.stream, r.method])).toEqual([[1, 'PATCH'], [3, 'PATCH'], [5, undefined], [7, undefined]]);
  });

  test.each([
    ['padding longer than the payload', frame(HEADERS, END_HEADERS | PADDED, 1, [4, 0x82, 0, 0])],
    ['PADDED with an empty payload', frame(HEADERS, END_HEADERS | PADDED, 1, [])],
    ['PRIORITY fields cut short', frame(HEADERS, END_HEADERS | PRIORITY, 1, [0, 0, 0])],
  ])('%s: a problem; the block is lost (method unknown) and so is the HPACK table', (_name, bad) => {
    const d = frame(HEADERS, END_HEADERS, 3, [0x40, 1, 0x61, 1, 0x62]); // adds a: b to the table, method unknown
    const t = run([['client', Buffer.concat([PREFACE, bad, d]), 1]]);
    expect(kinds(t)).toEqual([['client', 'h2-protocol', 1]]);
    expect(t.summary().problems[0]!.detail).toBe('bad padding or length in frame type 1');
    expect(t.requests().map((r) => [r.stream, r.method, r.requestBytes])).toEqual([[1, undefined, bad.length], [3, undefined, d.length]]);
  });

  test('HEADERS + CONTINUATION: one block, ending in the CONTINUATION\'s frame, all frame bytes counted', () => {
    const h = frame(HEADERS, 0, 1, [0x83]);
    const c1 = frame(CONTINUATION, 0, 1, [0x86]);
    const c2 = frame(CONTINUATION, END_HEADERS | END_STREAM, 1, [0x84]);
    const t = run([
      ['client', Buffer.concat([PREFACE, h]), 1],
      ['client', c1, 2],
      ['client', c2, 3],
      ['server', frame(HEADERS, 0, 1, []), 4],
      ['server', frame(CONTINUATION, END_HEADERS, 1, S200), 5],
    ]);
    expect(t.requests().map(row)).toEqual([[1, 'POST', 200, 1, 3, 4, 5, h.length + c1.length + c2.length, 9 + 10]]);
  });

  test.each([
    ['a DATA frame inside a header block', [frame(HEADERS, 0, 1, GET), frame(DATA, 0, 1, 'x')], 'frame type 0 inside a header block'],
    ['a CONTINUATION on another stream', [frame(HEADERS, 0, 1, GET), frame(CONTINUATION, END_HEADERS, 3, [])], 'CONTINUATION without an open header block'],
    ['a CONTINUATION with no block open', [frame(CONTINUATION, END_HEADERS, 1, GET)], 'CONTINUATION without an open header block'],
    ['a CONTINUATION after a complete block', [frame(HEADERS, END_HEADERS, 1, GET), frame(CONTINUATION, END_HEADERS, 1, [])], 'CONTINUATION without an open header block'],
  ])('%s: a protocol problem, that side stops', (_name, frames, detail) => {
    const t = run([['client', Buffer.concat([PREFACE, ...frames]), 1], ['client', frame(HEADERS, END_HEADERS, 5, GET), 2]]);
    expect(t.summary().problems).toEqual([{ side: 'client', frame: 1, kind: 'h2-protocol', detail }]);
    expect(t.wants('client')).toBe(false);
    expect(t.wants('server')).toBe(true);
    expect(t.requests().map((r) => r.stream)).not.toContain(5);
  });

  test('PUSH_PROMISE from the server: its block (after the promised stream id, and padding) keeps the server\'s table in step', () => {
    // The promise adds ":status: 299" (literal with incremental indexing, name index 8) to the server's table;
    // the response then refers to it as index 62.
    const promise = frame(PUSH_PROMISE, END_HEADERS | PADDED, 1, [2, 0, 0, 0, 2, 0x48, 3, 0x32, 0x39, 0x39, 0, 0]);
    const resp = frame(HEADERS, END_HEADERS | END_STREAM, 1, [0xbe]);
    const t = run([
      ['client', Buffer.concat([PREFACE, frame(HEADERS, END_HEADERS | END_STREAM, 1, GET)]), 1],
      ['server', promise, 2],
      ['server', frame(HEADERS, END_HEADERS, 2, S200), 3],
      ['server', resp, 4],
    ]);
    expect(t.summary().problemCount).toBe(0);
    expect(t.requests().map(row)).toEqual([[1, 'GET', 299, 1, 1, 4, 4, 12, resp.length]]);
    // split over a CONTINUATION
    const p1 = frame(PUSH_PROMISE, 0, 1, [0, 0, 0, 2, 0x48]);
    const p2 = frame(CONTINUATION, END_HEADERS, 1, [3, 0x32, 0x39, 0x39]);
    const u = run([
      ['client', Buffer.concat([PREFACE, frame(HEADERS, END_HEADERS | END_STREAM, 1, GET)]), 1],
      ['server', Buffer.concat([p1, p2]), 2],
      ['server', resp, 3],
    ]);
    expect(u.requests()[0]).toMatchObject({ status: 299, responseFrame: 3 });
  });

  test('PUSH_PROMISE from a client (not allowed) is only counted on its stream', () => {
    const pp = frame(PUSH_PROMISE, END_HEADERS, 1, [0, 0, 0, 2, 0x82]);
    const t = run([['client', Buffer.concat([PREFACE, frame(HEADERS, END_HEADERS, 1, GET), pp, frame(HEADERS, END_HEADERS, 3, GET)]), 1]]);
    expect(t.requests().map((r) => [r.stream, r.requestBytes])).toEqual([[1, 12 + pp.length], [3, 12]]);
    expect(t.summary().problemCount).toBe(0);
  });
});

describe('limits and damage', () => {
  test('a preface cut and then wrong is not HTTP/2 at all (decided on the client\'s first bytes)', () => {
    const t = run([['client', Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r'), 1], ['client', Buffer.from('X'), 2]]);
    expect(t.summary()).toMatchObject({ protocol: 'none', problemCount: 0 });
  });

  test('Http2Connection alone checks the preface byte by byte, and a hole in it stops the side', () => {
    const opts = { ...DEFAULT_TRACKER_OPTIONS };
    const a = new Http2Connection(new RequestLog(10, 10), opts);
    a.data('client', PREFACE.subarray(0, 10), st(1));
    a.data('client', Buffer.concat([PREFACE.subarray(10, 23), Buffer.from('X')]), st(2));
    expect(a.log.problems).toEqual([{ side: 'client', frame: 2, kind: 'h2-protocol', detail: 'bad client connection preface' }]);
    expect(a.wants('client')).toBe(false);
    const b = new Http2Connection(new RequestLog(10, 10), opts);
    b.data('client', PREFACE.subarray(0, 10), st(1));
    b.data('client', Buffer.concat([PREFACE.subarray(10), frame(HEADERS, END_HEADERS, 1, GET)]), st(2));
    expect(b.log.problems).toEqual([]);
    expect(b.log.list.map((r) => [r.stream, r.method])).toEqual([[1, 'GET']]);
    const c = new Http2Connection(new RequestLog(10, 10), opts);
    c.data('client', PREFACE.subarray(0, 20), st(1));
    c.gap('client', 4);
    expect(c.log.problems).toEqual([{ side: 'client', frame: 1, kind: 'gap', detail: '4 bytes missing across HTTP/2 frame boundaries: stopped reading this side' }]);
    // the server sends no preface: its first bytes are a frame
    const d = new Http2Connection(new RequestLog(10, 10), opts);
    d.data('server', frame(SETTINGS, 0, 0), st(1));
    expect(d.log.problems).toEqual([]);
  });

  test('a header frame over maxHeaderBlock is not buffered: a problem, the block is lost, the request still counted', () => {
    const big = frame(HEADERS, END_HEADERS, 1, [...GET, ...lit(1, 'x'.repeat(20))]);
    const t = run([['client', Buffer.concat([PREFACE, big, frame(HEADERS, END_HEADERS, 3, GET)]), 1]], { maxHeaderBlock: 22 });
    expect(t.summary().problems).toEqual([{ side: 'client', frame: 1, kind: 'too-large', detail: 'header block frame of 25 bytes (cap 22)' }]);
    expect(t.requests().map((r) => [r.stream, r.method, r.requestBytes])).toEqual([[1, undefined, big.length], [3, 'GET', 12]]);
    // exactly at the cap: read
    const u = run([['client', Buffer.concat([PREFACE, big]), 1]], { maxHeaderBlock: 25 });
    expect(u.requests()[0]).toMatchObject({ method: 'GET' });
    expect(u.summary().problemCount).toBe(0);
  });

  test('a block over maxHeaderBlock across CONTINUATIONs: a problem, the block lost; exactly at the cap: read', () => {
    const steps = (): Step[] => [['client', Buffer.concat([PREFACE, frame(HEADERS, 0, 1, [0x82, 0x86]), frame(CONTINUATION, 0, 1, [0x84]), frame(CONTINUATION, END_HEADERS, 1, [0x40, 1, 0x61, 1, 0x62])]), 1]];
    const t = run(steps(), { maxHeaderBlock: 7 });
    expect(t.summary().problems).toEqual([{ side: 'client', frame: 1, kind: 'too-large', detail: 'header block over 7 bytes' }]);
    expect(t.requests()[0]!.method).toBeUndefined();
    const u = run(steps(), { maxHeaderBlock: 8 });
    expect(u.requests()[0]!.method).toBe('GET');
    expect(u.summary().problemCount).toBe(0);
  });

  test('an HPACK error is an hpack problem; the fields before it still count', () => {
    const t = run([['client', Buffer.concat([PREFACE, frame(HEADERS, END_HEADERS, 1, [0x83, 0x80])]), 1]]);
    expect(t.summary().problems).toEqual([{ side: 'client', frame: 1, kind: 'hpack', detail: 'bad indexed field' }]);
    expect(t.requests()[0]!.method).toBe('POST');
  });

  test('holes: inside a DATA payload the framing holds; inside a header block the block is lost; across frames the side stops', () => {
    const t = new RequestTracker();
    t.data('client', Buffer.concat([PREFACE, frame(HEADERS, END_HEADERS, 1, GET)]), st(1));
    const d = frame(DATA, 0, 1, 'abcdef');
    t.data('client', d.subarray(0, 11), st(2));
    t.gap('client', 4);
    t.data('client', frame(HEADERS, END_HEADERS, 3, GET), st(3));
    expect(t.requests().map((r) => [r.stream, r.method, r.requestBytes])).toEqual([[1, 'GET', 12 + d.length], [3, 'GET', 12]]);
    // a hole in a HEADERS payload: that request's method is unknown; the server's side is untouched
    const h = frame(HEADERS, END_HEADERS, 5, [0x83, 0x86, 0x84]);
    t.data('client', h.subarray(0, 10), st(4));
    t.gap('client', 2);
    t.data('client', frame(HEADERS, END_HEADERS, 7, [0x83]), st(5));
    expect(t.requests().slice(2).map((r) => [r.stream, r.method, r.requestBytes])).toEqual([[5, undefined, h.length], [7, 'POST', 10]]);
    expect(t.summary().problemCount).toBe(0);
    // a hole that ends exactly with a frame: still in step
    const e = frame(DATA, 0, 7, 'xy');
    t.data('client', e.subarray(0, 9), st(6));
    t.gap('client', 2);
    t.data('client', frame(HEADERS, END_HEADERS, 9, GET), st(7));
    expect(t.requests().map((r) => r.stream)).toEqual([1, 3, 5, 7, 9]);
    // a hole longer than the frame's rest, or in a frame header: a gap problem, that side stops
    t.data('client', frame(DATA, 0, 9, 'abc').subarray(0, 10), st(8));
    t.gap('client', 3);
    expect(t.summary().problems).toEqual([{ side: 'client', frame: 8, kind: 'gap', detail: '3 bytes missing across HTTP/2 frame boundaries: stopped reading this side' }]);
    expect(t.wants('client')).toBe(false);
    t.gap('client', 1); // nothing more
    expect(t.summary().problemCount).toBe(1);
    const u = new RequestTracker();
    u.data('client', Buffer.concat([PREFACE, frame(HEADERS, END_HEADERS, 1, GET)]), st(1));
    u.data('server', frame(SETTINGS, 0, 0).subarray(0, 4), st(2));
    u.gap('server', 1);
    expect(kinds(u)).toEqual([['server', 'gap', 2]]);
  });

  test('a hole that ends a header frame still ends the block (END_HEADERS): the next block decodes', () => {
    const t = new RequestTracker();
    const h = frame(HEADERS, END_HEADERS, 1, [0x83, 0x86, 0x84]);
    t.data('client', Buffer.concat([PREFACE, h.subarray(0, 10)]), st(1));
    t.gap('client', 2);
    t.data('client', frame(HEADERS, END_HEADERS, 3, [0x83]), st(2));
    expect(t.requests().map((r) => [r.stream, r.method, r.requestEndFrame])).toEqual([[1, undefined, 1], [3, 'POST', 2]]);
  });

  test('more open streams than maxOutstanding: the oldest is forgotten (its response unmatched), a problem', () => {
    const t = run(
      [
        ['client', Buffer.concat([PREFACE, frame(HEADERS, END_HEADERS, 1, GET), frame(HEADERS, END_HEADERS, 3, GET)]), 1],
        ['client', frame(HEADERS, END_HEADERS, 5, GET), 2],
        ['server', Buffer.concat([frame(HEADERS, END_HEADERS, 1, S200), frame(HEADERS, END_HEADERS, 3, S204), frame(HEADERS, END_HEADERS, 5, S404)]), 3],
      ],
      { maxOutstanding: 2 },
    );
    expect(t.summary().problems).toEqual([{ side: 'client', frame: 2, kind: 'overflow', detail: 'more than 2 open streams: stream 1 no longer followed' }]);
    expect(t.requests().map((r) => [r.stream, r.status])).toEqual([[1, undefined], [3, 204], [5, 404]]);
  });

  test('maxRequests: later streams counted, not kept, not followed', () => {
    const t = run(
      [
        ['client', Buffer.concat([PREFACE, frame(HEADERS, END_HEADERS, 1, GET), frame(HEADERS, END_HEADERS, 3, GET)]), 1],
        ['server', frame(HEADERS, END_HEADERS, 3, S200), 2],
      ],
      { maxRequests: 1 },
    );
    expect(t.requests().map((r) => r.stream)).toEqual([1]);
    expect(t.summary()).toMatchObject({ requestCount: 2, overflow: 1, problemCount: 1 });
  });

  test('a server HEADERS on a stream the client never opened is ignored', () => {
    const t = run([
      ['client', Buffer.concat([PREFACE, frame(HEADERS, END_HEADERS, 1, GET)]), 1],
      ['server', frame(HEADERS, END_HEADERS, 3, S200), 2],
      ['server', frame(DATA, 0, 3, 'x'), 3],
    ]);
    expect(t.requests().map(row)).toEqual([[1, 'GET', undefined, 1, 1, null, null, 12, 0]]);
    expect(t.summary().problemCount).toBe(0);
  });
});

describe('survivors of the http-c Stryker run', () => {
  test('DATA carries no header block (RFC 9113 §6.1): a server DATA frame longer than maxHeaderBlock is no problem', () => {
    const d = frame(DATA, END_STREAM, 1, 'x'.repeat(40));
    const t = run([['client', Buffer.concat([PREFACE, frame(HEADERS, END_HEADERS, 1, GET)]), 1], ['server', Buffer.concat([frame(HEADERS, END_HEADERS, 1, S200), d]), 2]], { maxHeaderBlock: 16 });
    expect(t.summary().problemCount).toBe(0);
    expect(t.requests()[0]!.responseBytes).toBe(10 + d.length);
  });
  test('a hole inside a DATA payload that leaves part of it: the rest of the payload, then the next frame, are read in step', () => {
    const t = new RequestTracker();
    t.data('client', Buffer.concat([PREFACE, frame(HEADERS, END_HEADERS, 1, GET)]), st(1));
    const d = frame(DATA, 0, 1, 'abcdefghij');
    t.data('client', d.subarray(0, 11), st(2)); // header + 2 payload bytes
    t.gap('client', 3); // 5 payload bytes still to come
    t.data('client', Buffer.concat([d.subarray(14), frame(HEADERS, END_HEADERS, 3, GET)]), st(3));
    expect(t.requests().map((r) => [r.stream, r.method, r.requestBytes])).toEqual([[1, 'GET', 12 + d.length], [3, 'GET', 12]]);
    expect(t.summary().problemCount).toBe(0);
  });
  test('a stopped side ignores every later hole, whatever its size', () => {
    const t = new RequestTracker();
    t.data('client', Buffer.concat([PREFACE, frame(HEADERS, END_HEADERS, 1, GET), frame(DATA, 0, 1, 'abcdef').subarray(0, 10)]), st(1));
    t.gap('client', 9); // more than the frame's 5 remaining bytes: the side stops
    t.gap('client', 50);
    t.gap('client', 2);
    expect(t.summary().problemCount).toBe(1);
  });
  test('flags without meaning are ignored (RFC 9113 §4.1): 0x8 on a CONTINUATION is no padding', () => {
    const t = run([['client', Buffer.concat([PREFACE, frame(HEADERS, 0, 1, [0x83]), frame(CONTINUATION, END_HEADERS | PADDED, 1, [0x86, 0x84])]), 1]]);
    expect(t.summary().problemCount).toBe(0);
    expect(t.requests()[0]).toMatchObject({ method: 'POST', requestBytes: 10 + 11 });
  });
  test('a PADDED HEADERS whose payload is its Pad Length 0 alone is an empty block (RFC 9113 §6.2)', () => {
    const t = run([['client', Buffer.concat([PREFACE, frame(HEADERS, END_HEADERS | PADDED, 1, [0])]), 1]]);
    expect(t.summary().problemCount).toBe(0);
    expect(t.requests().map((r) => [r.stream, r.method, r.requestBytes])).toEqual([[1, undefined, 10]]);
  });
  test('an even client stream id above the last one opens nothing (RFC 9113 §5.1.1: client streams are odd)', () => {
    const t = run([['client', Buffer.concat([PREFACE, frame(HEADERS, END_HEADERS, 4, GET), frame(HEADERS, END_HEADERS, 5, GET)]), 1]]);
    expect(t.requests().map((r) => r.stream)).toEqual([5]);
    expect(t.summary().problems).toEqual([{ side: 'client', frame: 1, kind: 'h2-protocol', detail: 'HEADERS on stream 4, which cannot open a request' }]);
  });
  test('a :status outside 100..599 is invalid, processed as a 5xx (RFC 9110 §15): the final response, not an interim one', () => {
    const t = run([['client', Buffer.concat([PREFACE, frame(HEADERS, END_HEADERS, 1, GET)]), 1], ['server', frame(HEADERS, END_HEADERS, 1, status('099')), 2]]);
    expect(t.requests()[0]).toMatchObject({ status: 99, responseFrame: 2, responseEndFrame: 2 });
    expect(t.requests()[0]!.interim).toBeUndefined();
  });
  test('a client PUSH_PROMISE (only counted) leaves its stream open: the response still pairs', () => {
    const pp = frame(PUSH_PROMISE, END_HEADERS, 1, [0, 0, 0, 2, 0x82]);
    const t = run([['client', Buffer.concat([PREFACE, frame(HEADERS, END_HEADERS, 1, GET), pp]), 1], ['server', frame(HEADERS, END_HEADERS | END_STREAM, 1, S204), 2]]);
    expect(t.requests()[0]).toMatchObject({ status: 204, responseFrame: 2, responseBytes: 10 });
  });
  test('a block over maxHeaderBlock: one problem however many fragments follow, and it is lost to HPACK (later dynamic references unknown, no error)', () => {
    // HEADERS (2 bytes) + CONTINUATION (2: over the cap of 3) + CONTINUATION (2); the block adds :method GET as entry 62.
    const t = run([
      ['client', Buffer.concat([PREFACE, frame(HEADERS, 0, 1, [0x86, 0x84]), frame(CONTINUATION, 0, 1, [0x42, 3]), frame(CONTINUATION, END_HEADERS, 1, [0x47, 0x45, 0x54])]), 1],
      ['client', frame(HEADERS, END_HEADERS, 3, [0xbe]), 2],
    ], { maxHeaderBlock: 3 });
    expect(t.summary().problems).toEqual([{ side: 'client', frame: 1, kind: 'too-large', detail: 'header block over 3 bytes' }]);
    expect(t.requests().map((r) => [r.stream, r.method])).toEqual([[1, undefined], [3, undefined]]);
  });
  test('the default HPACK table cap follows a table of the protocol default 4,096 octets (RFC 7541 §4.2, §6.3)', () => {
    // size update to 4096 (5-bit prefix: 31, then 4065 = 0x61 | 0x80, 0x1f), then :method GET with incremental indexing (entry 62)
    const first = [0x3f, 0xe1, 0x1f, 0x42, 3, 0x47, 0x45, 0x54, 0x86, 0x84];
    const t = run([['client', Buffer.concat([PREFACE, frame(HEADERS, END_HEADERS, 1, first), frame(HEADERS, END_HEADERS, 3, [0xbe, 0x86, 0x84])]), 1]]);
    expect(t.summary().problemCount).toBe(0);
    expect(t.requests().map((r) => [r.stream, r.method])).toEqual([[1, 'GET'], [3, 'GET']]);
  });
});
