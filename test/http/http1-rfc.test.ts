/**
 * HTTP/1.x framing against RFC 9112 / RFC 9110, on hand-built messages (no
 * capture): the expected frames and byte counts follow from where the RFC's
 * framing rules end each message in the bytes we built, never from our output.
 * Delivery: one byte per frame (frame n carries byte n, 1-based), so "the frame
 * where a message completes" is the offset of its last byte; then every other
 * chunking must give the same result.
 * - start lines (§3, §4), tokens (RFC 9110 §5.6.2), empty lines before a
 *   request (§2.2), bare LF line ends (§2.2);
 * - message body length (§6.3): HEAD / 1xx / 204 / 304 without body, a
 *   Transfer-Encoding whose final coding is chunked overrides Content-Length,
 *   Content-Length (a list of one repeated value allowed, RFC 9110 §8.6), else
 *   none for a request and until the close for a response;
 * - chunked coding (§7.1): hex sizes, extensions, the last chunk, trailers.
 */
import { bodyMode, Http1Side, isTokenByte, parseHead, parseRequestLine, type BodyMode, type ParsedHead } from '../../src/http/http1.js';
import type { Side, Stamp } from '../../src/base/stamp.js';

const st = (frame: number): Stamp => ({ frame, tsSec: 1000, tsNsec: frame * 1000 });

interface Log {
  heads: { start: number; at: number; head: ParsedHead }[];
  completes: { at: number; bytes: number }[];
  problems: [string, number | null, string][];
}

/** An Http1Side whose heads are framed by bodyMode (a response: after a request with `method`). */
function side(s: Side, method: string | undefined = 'GET', maxHead = 64 * 1024, stopOn?: (h: ParsedHead) => boolean): { p: Http1Side; log: Log } {
  const log: Log = { heads: [], completes: [], problems: [] };
  const p = new Http1Side(
    s,
    {
      head: (_side, head, start, at): BodyMode | null => {
        log.heads.push({ start: start.frame, at: at.frame, head });
        if (stopOn?.(head)) return null;
        const m = bodyMode(s, head, method);
        return m === 'invalid' ? null : m;
      },
      complete: (_side, at, bytes) => log.completes.push({ at: at.frame, bytes }),
      problem: (_side, frame, kind, detail) => log.problems.push([kind, frame, detail]),
    },
    maxHead,
  );
  return { p, log };
}

/** Feeds text in pieces of `size` bytes; piece k (0-based) is frame (k * size + size), i.e. the frame of its last byte. */
function feed(p: Http1Side, text: string | Buffer, size = 1): void {
  const b = typeof text === 'string' ? Buffer.from(text, 'latin1') : text;
  for (let o = 0; o < b.length; o += size) {
    const piece = b.subarray(o, o + size);
    p.data(piece, st(o + piece.length));
  }
}

/** Ends of messages laid end to end: cumulative lengths. */
const ends = (...msgs: string[]): number[] => {
  let n = 0;
  return msgs.map((m) => (n += m.length));
};

describe('tokens and start lines', () => {
  test('isTokenByte is exactly tchar (RFC 9110 §5.6.2)', () => {
    const tchar = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    for (let b = 0; b < 256; b++) expect([b, isTokenByte(b)]).toEqual([b, tchar.includes(String.fromCharCode(b))]);
  });
  test.each([
    ['GET / HTTP/1.1', { method: 'GET', target: '/', version: '1.1' }],
    ['M-SEARCH * HTTP/1.1', { method: 'M-SEARCH', target: '*', version: '1.1' }],
    ['get /x?y=1 HTTP/1.0', { method: 'get', target: '/x?y=1', version: '1.0' }],
    ['CONNECT example.com:443 HTTP/1.1', { method: 'CONNECT', target: 'example.com:443', version: '1.1' }],
    ["!#$%&'*+-.^_`|~09AZaz / HTTP/1.1", { method: "!#$%&'*+-.^_`|~09AZaz", target: '/', version: '1.1' }],
    ['GET  /  HTTP/1.1', { method: 'GET', target: '/', version: '1.1' }], // §3: words split on whitespace
    ['G(T / HTTP/1.1', null],
    ['GET / HTTP/2.0', null],
    ['GET / HTTP/1.10', null],
    ['GET / HTTP/1.1 x', null],
    ['GET /', null],
    [' GET / HTTP/1.1', null],
    ['GET / http/1.1', null],
    ['', null],
  ])('%j', (line, want) => {
    expect(parseRequestLine(line)).toEqual(want);
  });
  test.each([
    ['HTTP/1.1 200 OK', 200, '1.1'],
    ['HTTP/1.0 404 Not Found', 404, '1.0'],
    ['HTTP/1.1 204', 204, '1.1'],
    ['HTTP/1.1 301\tMoved', 301, '1.1'],
    ['HTTP/1.1 599 ', 599, '1.1'],
    // §4: a recipient MAY parse the status line on whitespace-delimited word boundaries.
    ['HTTP/1.1  200  OK', 200, '1.1'],
    ['HTTP/1.1 20 OK', null, ''],
    ['HTTP/1.1 2000 OK', null, ''],
    ['HTTP/1.1 200OK', null, ''],
    ['HTTP/2 200 OK', null, ''],
    ['HTTP/1.1 abc OK', null, ''],
    ['xHTTP/1.1 200 OK', null, ''],
  ])('status line %j', (line, status, version) => {
    const h = parseHead(`${line}\r\n\r\n`, 'server');
    if (status === null) expect(typeof h).toBe('string');
    else expect(h).toMatchObject({ status, version });
  });
  test('a request head names its method, target and version; an unparsable start line is a string (the problem)', () => {
    expect(parseHead('PATCH /p HTTP/1.0\r\n\r\n', 'client')).toEqual({ method: 'PATCH', target: '/p', version: '1.0', contentLength: null, chunked: false, upgrade: false });
    expect(typeof parseHead('HTTP/1.1 200 OK\r\n\r\n', 'client')).toBe('string');
    expect(typeof parseHead('GET / HTTP/1.1\r\n\r\n', 'server')).toBe('string');
  });
  test('the problem names at most the first 60 characters of a bad start line', () => {
    expect(parseHead(`GET /${'a'.repeat(80)} HTTP/1.1 x\r\n\r\n`, 'client')).toBe(`not a request line: "GET /${'a'.repeat(55)}"`);
    expect(parseHead(`HTTP/1.1 2000 ${'r'.repeat(80)}\r\n\r\n`, 'server')).toBe(`not a status line: "HTTP/1.1 2000 ${'r'.repeat(46)}"`);
  });
});

describe('header fields that frame the body (RFC 9110 §5, §8.6; RFC 9112 §6)', () => {
  const head = (fields: string[]): ParsedHead => parseHead(`POST / HTTP/1.1\r\n${fields.map((f) => f + '\r\n').join('')}\r\n`, 'client') as ParsedHead;
  test.each([
    [['Content-Length: 5'], 5],
    [['content-length:5'], 5],
    [['CONTENT-LENGTH:   7   '], 7],
    [['Content-Length: 0'], 0],
    [['Content-Length: 5, 5'], 5],
    [['Content-Length: 5,5 , 5'], 5],
    [['Content-Length: 5', 'Content-Length: 5'], 5],
    [['Content-Length: 123456789012345'], 123456789012345],
    [['Content-Length: 5, 6'], 'invalid'],
    [['Content-Length: 5', 'Content-Length: 6'], 'invalid'],
    [['Content-Length: 5', 'Content-Length: 5, 6'], 'invalid'],
    [['Content-Length: x', 'Content-Length: 5'], 'invalid'],
    [['Content-Length: abc'], 'invalid'],
    [['Content-Length: -1'], 'invalid'],
    [['Content-Length: +5'], 'invalid'],
    [['Content-Length: 5 5'], 'invalid'],
    [['Content-Length:'], 'invalid'],
    [['Content-Length: 1234567890123456'], 'invalid'],
    [[], null],
    [['X-Content-Length: 5'], null],
    [['Content-Length 5'], null],
    [[': 5'], null],
  ])('%j → Content-Length %j', (fields, want) => {
    expect(head(fields).contentLength).toBe(want);
  });
  test.each([
    [['Transfer-Encoding: chunked'], true],
    [['Transfer-Encoding: Chunked'], true],
    [['Transfer-Encoding: gzip, chunked'], true],
    [['Transfer-Encoding: gzip,chunked,'], true],
    [['Transfer-Encoding: chunked, gzip'], false],
    [['Transfer-Encoding: gzip'], false],
    [['Transfer-Encoding: chunked', 'Transfer-Encoding: gzip'], false],
    [['Transfer-Encoding: gzip', 'Transfer-Encoding: chunked'], true],
    [['Transfer-Encoding:'], false],
    [['Transfer-Encodings: chunked'], false],
  ])('%j → chunked %j', (fields, want) => {
    expect(head(fields).chunked).toBe(want);
  });
  test('Upgrade present or not; bare LF line ends', () => {
    expect(head(['Upgrade: websocket']).upgrade).toBe(true);
    expect(head(['Upgrade-Insecure-Requests: 1']).upgrade).toBe(false);
    expect(parseHead('GET / HTTP/1.1\nContent-Length: 3\n\n', 'client')).toMatchObject({ method: 'GET', contentLength: 3 });
  });
  test('an obs-fold line continues the previous field\'s value, joined with one SP (RFC 9112 §5.2): never a field of its own', () => {
    expect(head(['X-A: 1', ' continued: 9', 'Content-Length: 2']).contentLength).toBe(2);
    // A folded "Content-Length: 9" is text inside X-A, not a second length.
    expect(head(['X-A: 1', ' Content-Length: 9']).contentLength).toBe(null);
    expect(head(['Content-Length: 2', '\tContent-Length: 9']).contentLength).toBe('invalid'); // "2 Content-Length: 9"
    expect(head(['Transfer-Encoding: chunked', ' Transfer-Encoding: gzip']).chunked).toBe(false); // "chunked Transfer-Encoding: gzip"
    expect(head(['Transfer-Encoding: gzip,', ' chunked']).chunked).toBe(true); // "gzip, chunked"
    expect(head(['Content-Length:', '  5']).contentLength).toBe(5); // " 5"
    // The fold is replaced by SP, never by nothing: "1 2" is no 1*DIGIT (RFC 9110 §8.6), where "12" would be.
    expect(head(['Content-Length: 1', ' 2']).contentLength).toBe('invalid');
    expect(parseHead('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\t2\r\n\r\n', 'server')).toMatchObject({ contentLength: 'invalid' });
    // Whitespace-led lines before the first field are consumed without processing (§2.2).
    expect(head([' Content-Length: 9', 'X-A: 1']).contentLength).toBe(null);
  });
  test('whitespace between a field name and its colon: a request is invalid (a server must answer 400), a response keeps the field (a proxy strips it) (RFC 9112 §5.1)', () => {
    const req = parseHead('POST / HTTP/1.1\r\nContent-Length : 5\r\n\r\n', 'client');
    expect(typeof req).toBe('string');
    expect(req).toContain('whitespace before the colon');
    expect(parseHead('POST / HTTP/1.1\r\nX-A\t: 1\r\nContent-Length: 5\r\n\r\n', 'client')).toEqual(expect.stringContaining('X-A'));
    // The problem names the line up to its colon, at most 60 characters of it.
    expect(req).toBe('whitespace before the colon in "Content-Length :"');
    expect(parseHead(`POST / HTTP/1.1\r\nX-${'n'.repeat(70)} : 1\r\n\r\n`, 'client')).toBe(`whitespace before the colon in "X-${'n'.repeat(58)}"`);
    expect(parseHead('HTTP/1.1 200 OK\r\nContent-Length : 5\r\n\r\n', 'server')).toMatchObject({ status: 200, contentLength: 5 });
    // Whitespace inside the value, or after the colon, is fine.
    expect(parseHead('POST / HTTP/1.1\r\nContent-Length:  5 \r\n\r\n', 'client')).toMatchObject({ contentLength: 5 });
  });
});

describe('bodyMode: message body length (RFC 9112 §6.3)', () => {
  const h = (over: Partial<ParsedHead>): ParsedHead => ({ version: '1.1', contentLength: null, chunked: false, upgrade: false, ...over });
  test.each([
    // [side, status, contentLength, chunked, request method, want]
    ['server', 200, 10, false, 'HEAD', { kind: 'none' }],
    ['server', 200, null, true, 'HEAD', { kind: 'none' }],
    ['server', 100, 10, false, 'GET', { kind: 'none' }],
    ['server', 199, 10, false, 'GET', { kind: 'none' }],
    ['server', 204, 10, false, 'GET', { kind: 'none' }],
    ['server', 304, 10, true, 'GET', { kind: 'none' }],
    ['server', 200, 10, false, 'GET', { kind: 'length', length: 10 }],
    ['server', 205, 10, false, 'GET', { kind: 'length', length: 10 }],
    ['server', 303, 10, false, 'GET', { kind: 'length', length: 10 }],
    ['server', 200, 10, true, 'GET', { kind: 'chunked' }],
    ['server', 200, 'invalid', true, 'GET', { kind: 'chunked' }],
    ['server', 200, 'invalid', false, 'GET', 'invalid'],
    ['server', 200, null, false, 'GET', { kind: 'close' }],
    ['server', 200, null, false, undefined, { kind: 'close' }],
    ['server', 200, 0, false, 'POST', { kind: 'length', length: 0 }],
    // RFC 9110 §15: a status outside 100..599 is invalid and processed as a 5xx: not a 1xx without body.
    ['server', 99, 10, false, 'GET', { kind: 'length', length: 10 }],
    ['client', undefined, null, false, undefined, { kind: 'none' }],
    ['client', undefined, 7, false, undefined, { kind: 'length', length: 7 }],
    ['client', undefined, 7, true, undefined, { kind: 'chunked' }],
    ['client', undefined, 'invalid', false, undefined, 'invalid'],
  ] as const)('%s %s CL %j chunked %j after %s: %j', (s, status, contentLength, chunked, method, want) => {
    expect(bodyMode(s, h({ status, contentLength, chunked }), method)).toEqual(want);
  });
});

describe('Http1Side: where each message starts and completes', () => {
  const REQS = [
    'GET /a HTTP/1.1\r\nHost: x\r\n\r\n',
    'POST /b HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello',
    'PUT /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\nA\r\n0123456789\r\n0\r\nX-Trailer: 1\r\n\r\n',
    'DELETE /d HTTP/1.0\n\n',
    'POST /e HTTP/1.1\r\nContent-Length: 0\r\n\r\n',
  ];
  test.each([1, 2, 3, 7, 64, 1000])('pipelined requests, delivered %i bytes at a time', (size) => {
    // Two empty lines before the fourth request (§2.2): not part of any message.
    const text = REQS.slice(0, 3).join('') + '\r\n\n' + REQS.slice(3).join('');
    const { p, log } = side('client');
    feed(p, text, size);
    const e = ends(...REQS.slice(0, 3), '\r\n\n' + REQS[3]!, REQS[4]!);
    const frameOf = (byte: number) => Math.min(text.length, Math.ceil(byte / size) * size); // frame of the piece holding that 1-based byte
    expect(log.completes).toEqual(e.map((end, i) => ({ at: frameOf(end), bytes: REQS[i]!.length })));
    const starts = [1, e[0]! + 1, e[1]! + 1, e[2]! + 3 + 1, e[3]! + 1];
    const headEnds = REQS.map((r, i) => starts[i]! - 1 + r.indexOf(r.includes('\r\n\r\n') ? '\r\n\r\n' : '\n\n') + (r.includes('\r\n\r\n') ? 4 : 2));
    expect(log.heads.map((h) => [h.start, h.at, h.head.method, h.head.target, h.head.version])).toEqual([
      [frameOf(starts[0]!), frameOf(headEnds[0]!), 'GET', '/a', '1.1'],
      [frameOf(starts[1]!), frameOf(headEnds[1]!), 'POST', '/b', '1.1'],
      [frameOf(starts[2]!), frameOf(headEnds[2]!), 'PUT', '/c', '1.1'],
      [frameOf(starts[3]!), frameOf(headEnds[3]!), 'DELETE', '/d', '1.0'],
      [frameOf(starts[4]!), frameOf(headEnds[4]!), 'POST', '/e', '1.1'],
    ]);
    expect(log.problems).toEqual([]);
  });

  test('responses: close-delimited body completes with the FIN (end), in its frame', () => {
    const { p, log } = side('server');
    const r = 'HTTP/1.0 200 OK\r\n\r\nbody bytes';
    feed(p, r);
    expect(log.completes).toEqual([]);
    p.end(st(500));
    expect(log.completes).toEqual([{ at: 500, bytes: r.length }]);
    // an end() anywhere else completes nothing
    const b = side('server');
    feed(b.p, 'HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nab');
    b.p.end(st(99));
    expect(b.log.completes).toEqual([]);
  });

  test('a response to HEAD, 1xx, 204 and 304 end with their head even with a Content-Length', () => {
    const msgs = ['HTTP/1.1 100 Continue\r\n\r\n', 'HTTP/1.1 204 No Content\r\nContent-Length: 9\r\n\r\n', 'HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n'];
    const { p, log } = side('server', 'GET');
    feed(p, msgs.join(''));
    expect(log.completes).toEqual(ends(...msgs).map((at, i) => ({ at, bytes: msgs[i]!.length })));
    const h = side('server', 'HEAD');
    const head = 'HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n';
    feed(h.p, head);
    expect(h.log.completes).toEqual([{ at: head.length, bytes: head.length }]);
  });

  test('chunk sizes: upper and lower case hex, extensions, whitespace, and the CRLF after the data may be a bare LF', () => {
    const body = '1a\r\n' + 'x'.repeat(26) + '\r\n' + 'B ; name="v"\r\n' + 'y'.repeat(11) + '\n' + '0\r\n\r\n';
    const msg = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n' + body;
    const { p, log } = side('server');
    feed(p, msg + 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nz');
    expect(log.problems).toEqual([]);
    expect(log.completes.map((c) => c.at)).toEqual([msg.length, msg.length + 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nz'.length]);
    expect(log.completes[0]!.bytes).toBe(msg.length);
  });

  test('a chunk size written with leading zeros is its value (RFC 9112 §7.1: chunk-size = 1*HEXDIG)', () => {
    // 20 digits in all: more than the 12 significant digits a size may have here, all but the last zeros.
    const body = '00000000000000000005\r\nhello\r\n' + '0000000000000000000000\r\n\r\n';
    const msg = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n' + body;
    const { p, log } = side('server');
    feed(p, msg);
    expect(log.problems).toEqual([]);
    expect(log.completes).toEqual([{ at: msg.length, bytes: msg.length }]);
  });

  test.each([
    ['zz\r\n', 'bad chunk size'],
    ['\r\n', 'bad chunk size'],
    ['-1\r\n', 'bad chunk size'],
    ['5x\r\n', 'bad chunk size'],
    ['5 5\r\n', 'bad chunk size'],
    ['5\r\nhelloXX', 'chunk data not followed by CRLF'],
    ['5\r\nhello\rX', 'chunk data not followed by CRLF'],
    [`${'0'.repeat(1030)}1\r\n`, 'chunk size line too long'],
  ])('malformed chunked body %j: a problem in the frame of the bad byte, the side stops', (body, detail) => {
    const msg = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n' + body;
    const { p, log } = side('server');
    feed(p, msg);
    expect(log.problems.map(([k, , d]) => [k, d])).toEqual([['malformed', detail]]);
    expect(p.dead).toBe(true);
    expect(log.completes).toEqual([]);
  });

  test('a chunk line of exactly 1024 characters is still read; the bad-size problem names the frame of its LF', () => {
    const line = '1;' + 'e'.repeat(1021); // with its CR: 1024 characters before the LF
    const msg = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n' + line + '\r\nx\r\n0\r\n\r\n';
    const a = side('server');
    feed(a.p, msg);
    expect(a.log.problems).toEqual([]);
    expect(a.log.completes).toEqual([{ at: msg.length, bytes: msg.length }]);
    const long = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;' + 'e'.repeat(1022) + '\r\nx\r\n0\r\n\r\n';
    const c = side('server');
    feed(c.p, long, long.length);
    expect(c.log.problems).toEqual([['malformed', long.length, 'chunk size line too long']]);
    const bad = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nq\r\n';
    const b = side('server');
    feed(b.p, bad);
    expect(b.log.problems).toEqual([['malformed', bad.length, 'bad chunk size']]);
  });

  test('a head of exactly maxHead bytes is read; one byte more is too large (head and trailer)', () => {
    const h = 'GET / HTTP/1.1\r\nX: 12345\r\n\r\n';
    const ok = side('client', undefined, h.length);
    feed(ok.p, h);
    expect(ok.log.completes).toEqual([{ at: h.length, bytes: h.length }]);
    const over = side('client', undefined, h.length - 1);
    feed(over.p, h);
    expect(over.log.problems).toEqual([['too-large', h.length, `message head longer than ${h.length - 1} bytes`]]);
    expect(over.p.dead).toBe(true);
    // trailers count from the last chunk's line on, against the same cap
    const t = `X-T: ${'q'.repeat(60)}\r\n\r\n`; // longer than the head before it
    const msg = 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n' + t;
    const tr = side('client', undefined, t.length);
    feed(tr.p, msg);
    expect(tr.log.completes).toEqual([{ at: msg.length, bytes: msg.length }]);
    const tro = side('client', undefined, t.length - 1);
    feed(tro.p, msg, msg.length);
    expect(tro.log.problems).toEqual([['too-large', msg.length, `trailer longer than ${t.length - 1} bytes`]]);
  });

  test('the head cap is per message: pipelined heads each under it are read', () => {
    const heads = ['GET /1 HTTP/1.1\r\nX: 1\r\n\r\n', 'GET /2 HTTP/1.1\r\nX: 2\r\n\r\n', 'GET /3 HTTP/1.1\r\nX: 3\r\n\r\n'];
    const { p, log } = side('client', undefined, heads[0]!.length);
    feed(p, heads.join(''), 1000);
    expect(log.problems).toEqual([]);
    expect(log.completes).toHaveLength(3);
  });
  test('an unparsable head is a problem in the frame that ended it; the caller can stop a side (head → null)', () => {
    const a = side('client');
    feed(a.p, 'HELLO\r\n\r\nGET / HTTP/1.1\r\n\r\n');
    expect(a.log.problems).toEqual([['malformed', 9, 'not a request line: "HELLO"']]);
    expect(a.log.heads).toEqual([]);
    const b = side('client', undefined, undefined, () => true);
    feed(b.p, 'GET / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n');
    expect(b.log.heads).toHaveLength(1);
    expect(b.p.dead).toBe(true);
    expect(b.log.completes).toEqual([]);
  });

  test('stop() and a dead side ignore everything after', () => {
    const { p, log } = side('client');
    p.stop();
    feed(p, 'GET / HTTP/1.1\r\n\r\n');
    p.gap(10);
    p.end(st(1));
    expect(log).toEqual({ heads: [], completes: [], problems: [] });
  });
});

describe('Http1Side: holes (gap) per state', () => {
  test('inside a body of known length: counted, the message completes when its last byte (or hole) is in', () => {
    const head = 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n';
    const a = side('server');
    feed(a.p, head + '01');
    a.p.gap(8);
    expect(a.log.completes).toEqual([{ at: head.length + 2, bytes: head.length + 10 }]);
    const b = side('server');
    feed(b.p, head + '01');
    b.p.gap(3);
    feed(b.p, Buffer.from('56789'));
    expect(b.log.completes).toEqual([{ at: 5, bytes: head.length + 10 }]);
    expect(b.log.problems).toEqual([]);
  });
  test('a hole larger than the rest of the body, or in a head, or between messages: a problem, the side stops', () => {
    const head = 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n';
    const a = side('server');
    feed(a.p, head + '01');
    a.p.gap(9);
    expect(a.log.problems).toEqual([['gap', head.length + 2, '9 bytes missing in the body: stopped reading this side']]);
    expect(a.p.dead).toBe(true);
    const b = side('server');
    feed(b.p, 'HTTP/1.1 200');
    b.p.gap(1);
    expect(b.log.problems).toEqual([['gap', 12, '1 bytes missing in the head: stopped reading this side']]);
    const c = side('server');
    c.p.gap(4);
    expect(c.log.problems).toEqual([['gap', null, '4 bytes missing in the gap between messages: stopped reading this side']]);
  });
  test('inside a chunk: counted, then the CRLF after it is expected', () => {
    const msg = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nab';
    const a = side('server');
    feed(a.p, msg);
    a.p.gap(2);
    feed(a.p, Buffer.from('\r\n0\r\n\r\n'));
    expect(a.log.problems).toEqual([]);
    expect(a.log.completes).toEqual([{ at: 7, bytes: msg.length + 2 + 7 }]);
    const b = side('server');
    feed(b.p, msg);
    b.p.gap(1);
    feed(b.p, Buffer.from('d\r\n0\r\n\r\n'));
    expect(b.log.completes).toEqual([{ at: 8, bytes: msg.length + 1 + 8 }]);
  });
  test('in a close-delimited body: counted in its bytes', () => {
    const head = 'HTTP/1.1 200 OK\r\n\r\n';
    const { p, log } = side('server');
    feed(p, head + 'abc');
    p.gap(100);
    feed(p, Buffer.from('de'));
    p.end(st(7));
    expect(log.completes).toEqual([{ at: 7, bytes: head.length + 105 }]);
    expect(log.problems).toEqual([]);
  });
});
