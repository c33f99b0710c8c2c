/**
 * The request tracker on hand-built HTTP/1.x exchanges (no capture): requests
 * paired with responses as RFC 9112 §9.3 says (in order: pipelined responses
 * answer the oldest outstanding request), 1xx interim responses before the
 * final one (RFC 9110 §15.2), 101 and a 2xx to CONNECT end HTTP on the
 * connection (RFC 9110 §7.8, §9.3.6); protocol detection by the client's first
 * bytes (RFC 9113 §3.4 preface, RFC 9112 §3 request line); the documented caps
 * (RequestTrackerOptions, README). Frames and byte counts follow from the bytes
 * built here: one frame per message unless said otherwise.
 */
import { detectProtocol, RequestTracker, type HttpRequest } from '../../src/http/index.js';
import type { Side, Stamp } from '../../src/base/stamp.js';

const st = (frame: number): Stamp => ({ frame, tsSec: 1000 + frame, tsNsec: 250_000_000 });
const t0 = (frame: number): number => 1000 + frame + 0.25;

function exchange(steps: [Side, string | Buffer, number][], opts = {}): RequestTracker {
  const t = new RequestTracker(opts);
  for (const [side, text, frame] of steps) t.data(side, typeof text === 'string' ? Buffer.from(text, 'latin1') : text, st(frame));
  return t;
}
const req = (frame: number, over: Partial<HttpRequest> = {}): HttpRequest => ({
  protocol: 'http/1',
  requestFrame: frame,
  requestTime: t0(frame),
  requestEndFrame: null,
  requestEndTime: null,
  responseFrame: null,
  responseTime: null,
  responseEndFrame: null,
  responseEndTime: null,
  requestBytes: 0,
  responseBytes: 0,
  ...over,
});

describe('detectProtocol: the client\'s first bytes', () => {
  const PREFACE = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n';
  test.each([
    [PREFACE, 'h2'],
    [PREFACE + '\x00\x00\x12\x04', 'h2'],
    [PREFACE.slice(0, 23), null],
    ['PRI', null],
    ['P', null],
    ['PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n', 'none'],
    ['GET / HTTP/1.1\r\n', 'http/1'],
    ['GET / HTTP/1.1\n', 'http/1'],
    ['\r\n\r\nGET / HTTP/1.1\r\n', 'http/1'],
    ['GET / HTTP/1.1', null],
    ['GET', null],
    ['\r\n', null],
    ['', null],
    ['GET / SMTP/1.0\r\n', 'none'],
    ['\x16\x03\x01\x02\x00', 'none'],
    [' GET / HTTP/1.1\r\n', 'none'],
    ['\r\n\x16', 'none'],
    // A bare CR is invalid or read as SP (RFC 9112 §2.2): either way "GE\rT / HTTP/1.1" is no request line.
    ['GE\rT / HTTP/1.1\n', 'none'],
  ])('%j → %j', (text, want) => {
    expect(detectProtocol(Buffer.from(text, 'latin1'), 1024)).toBe(want);
  });
  test('no line end within maxLine bytes of the first token byte: not HTTP; at maxLine still undecided', () => {
    expect(detectProtocol(Buffer.from('G'.repeat(10)), 10)).toBeNull();
    expect(detectProtocol(Buffer.from('G'.repeat(11)), 10)).toBe('none');
    expect(detectProtocol(Buffer.from('\r\n' + 'G'.repeat(10)), 10)).toBeNull();
  });
});

describe('HTTP/1.x pairing (RFC 9112 §9.3)', () => {
  test('keep-alive: each response answers the oldest request; frames, times and bytes of both', () => {
    const q1 = 'GET /1 HTTP/1.1\r\nHost: h\r\n\r\n';
    const r1 = 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc';
    const q2 = 'POST /2 HTTP/1.1\r\nContent-Length: 4\r\n\r\n';
    const r2 = 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n';
    const t = exchange([
      ['client', q1, 1],
      ['server', r1.slice(0, 10), 2],
      ['server', r1.slice(10), 3],
      ['client', q2, 4],
      ['client', 'body', 5],
      ['server', r2, 6],
    ]);
    expect(t.requests()).toEqual([
      req(1, { method: 'GET', status: 200, requestEndFrame: 1, requestEndTime: t0(1), responseFrame: 2, responseTime: t0(2), responseEndFrame: 3, responseEndTime: t0(3), requestBytes: q1.length, responseBytes: r1.length }),
      req(4, { method: 'POST', status: 404, requestEndFrame: 5, requestEndTime: t0(5), responseFrame: 6, responseTime: t0(6), responseEndFrame: 6, responseEndTime: t0(6), requestBytes: q2.length + 4, responseBytes: r2.length }),
    ]);
    expect(t.summary()).toEqual({ protocol: 'http/1', requestCount: 2, overflow: 0, upgraded: false, problems: [], problemCount: 0 });
  });

  test('pipelined: three requests in one frame, the responses to them in order (a HEAD response has no body)', () => {
    const qs = ['GET /a HTTP/1.1\r\n\r\n', 'HEAD /b HTTP/1.1\r\n\r\n', 'GET /c HTTP/1.1\r\n\r\n'];
    const rs = ['HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok', 'HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n', 'HTTP/1.1 500 Oops\r\nContent-Length: 1\r\n\r\n!'];
    const t = exchange([
      ['client', qs.join(''), 1],
      ['server', rs[0]! + rs[1]!, 2],
      ['server', rs[2]!, 3],
    ]);
    expect(t.requests().map((r) => [r.method, r.status, r.requestFrame, r.requestEndFrame, r.responseFrame, r.responseEndFrame, r.requestBytes, r.responseBytes])).toEqual([
      ['GET', 200, 1, 1, 2, 2, qs[0]!.length, rs[0]!.length],
      ['HEAD', 200, 1, 1, 2, 2, qs[1]!.length, rs[1]!.length],
      ['GET', 500, 1, 1, 3, 3, qs[2]!.length, rs[2]!.length],
    ]);
  });

  test('1xx interim responses (100 Continue, 103 Early Hints) are counted on the request, the final one is its response', () => {
    const q = 'POST /u HTTP/1.1\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n';
    const i1 = 'HTTP/1.1 100 Continue\r\n\r\n';
    const i2 = 'HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n';
    const r = 'HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n';
    const t = exchange([
      ['client', q, 1],
      ['server', i1, 2],
      ['client', 'abc', 3],
      ['server', i2, 4],
      ['server', r, 5],
    ]);
    expect(t.requests()).toEqual([
      req(1, {
        method: 'POST',
        status: 201,
        interim: 2,
        interimFrame: 2,
        requestEndFrame: 3,
        requestEndTime: t0(3),
        responseFrame: 5,
        responseTime: t0(5),
        responseEndFrame: 5,
        responseEndTime: t0(5),
        requestBytes: q.length + 3,
        responseBytes: i1.length + i2.length + r.length,
      }),
    ]);
  });

  test('interim responses alone are no response: the request has no response frames until a final one', () => {
    const t = exchange([
      ['client', 'POST /u HTTP/1.1\r\nContent-Length: 1\r\nExpect: 100-continue\r\n\r\n', 1],
      ['server', 'HTTP/1.1 100 Continue\r\n\r\n', 2],
    ]);
    expect(t.requests()[0]).toMatchObject({ interim: 1, interimFrame: 2, responseFrame: null, responseEndFrame: null, responseEndTime: null });
    expect(t.requests()[0]!.status).toBeUndefined();
  });

  test('a status outside 100..599 is invalid and processed as a 5xx (RFC 9110 §15): a final response with its body, never an interim one', () => {
    const r = 'HTTP/1.1 099 Odd\r\nContent-Length: 2\r\n\r\nok';
    const t = exchange([
      ['client', 'GET / HTTP/1.1\r\n\r\n', 1],
      ['server', r, 2],
    ]);
    expect(t.requests()[0]).toMatchObject({ status: 99, responseFrame: 2, responseEndFrame: 2, responseBytes: r.length });
    expect(t.requests()[0]!.interim).toBeUndefined();
    expect(t.summary().problemCount).toBe(0);
  });

  test('101 Switching Protocols: the response ends with its head, neither side is read after it', () => {
    const q = 'GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n';
    const r = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n';
    const t = exchange([
      ['client', q, 1],
      ['server', r + '\x81\x02hi', 2],
      ['client', 'GET /x HTTP/1.1\r\n\r\n', 3],
    ]);
    expect(t.requests()).toHaveLength(1);
    expect(t.requests()[0]).toMatchObject({ status: 101, responseFrame: 2, responseEndFrame: 2, responseBytes: r.length });
    expect(t.summary()).toMatchObject({ upgraded: true, requestCount: 1, problemCount: 0 });
    expect([t.wants('client'), t.wants('server')]).toEqual([false, false]);
  });

  test('CONNECT: a 2xx opens a tunnel (RFC 9110 §9.3.6), any other status does not', () => {
    const ok = exchange([
      ['client', 'CONNECT h:443 HTTP/1.1\r\n\r\n', 1],
      ['server', 'HTTP/1.1 200 Connection Established\r\n\r\n\x16\x03\x03', 2],
    ]);
    expect(ok.summary().upgraded).toBe(true);
    expect(ok.requests()[0]).toMatchObject({ method: 'CONNECT', status: 200, responseEndFrame: 2 });
    expect(ok.wants('client')).toBe(false);
    const edge = exchange([
      ['client', 'CONNECT h:443 HTTP/1.1\r\n\r\n', 1],
      ['server', 'HTTP/1.1 299 Fine\r\n\r\n', 2],
    ]);
    expect(edge.summary().upgraded).toBe(true);
    const denied = exchange([
      ['client', 'CONNECT h:443 HTTP/1.1\r\n\r\n', 1],
      ['server', 'HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n', 2],
      ['client', 'CONNECT h:443 HTTP/1.1\r\n\r\n', 3],
      ['server', 'HTTP/1.1 300 Choices\r\nContent-Length: 0\r\n\r\n', 4],
    ]);
    expect(denied.summary().upgraded).toBe(false);
    expect(denied.requests().map((r) => [r.status, r.responseEndFrame])).toEqual([[407, 2], [300, 4]]);
    expect(denied.wants('client')).toBe(true);
    // A 1xx to CONNECT is interim (RFC 9110 §15.2), no tunnel: the final response decides.
    const interim = exchange([
      ['client', 'CONNECT h:443 HTTP/1.1\r\n\r\n', 1],
      ['server', 'HTTP/1.1 100 Continue\r\n\r\n', 2],
      ['server', 'HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n', 3],
    ]);
    expect(interim.summary().upgraded).toBe(false);
    expect(interim.requests()[0]).toMatchObject({ status: 407, interim: 1, interimFrame: 2, responseFrame: 3, responseEndFrame: 3 });
    expect(interim.wants('client')).toBe(true);
    // A 200 to a GET is no tunnel.
    const get = exchange([
      ['client', 'GET / HTTP/1.1\r\n\r\n', 1],
      ['server', 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n', 2],
    ]);
    expect(get.summary().upgraded).toBe(false);
  });

  test('a response without a request is a problem; an invalid Content-Length on either side is one and stops that side', () => {
    const t = exchange([['server', 'x', 1], ['client', 'GET / HTTP/1.1\r\n\r\n', 2], ['server', 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 204 No\r\n\r\n', 3]]);
    // the server's "x" (frame 1) begins its first message: the start line runs to the first CRLF, in frame 3
    expect(t.summary().problems).toEqual([{ side: 'server', frame: 3, kind: 'malformed', detail: 'not a status line: "xHTTP/1.1 200 OK"' }]);
    const u = exchange([['client', 'GET / HTTP/1.1\r\n\r\n', 1], ['server', 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 204 No\r\n\r\n', 2]]);
    expect(u.summary().problems).toEqual([{ side: 'server', frame: 2, kind: 'unmatched-response', detail: 'response 204 without a request' }]);
    const v = exchange([['client', 'GET / HTTP/1.1\r\n\r\n', 1], ['server', 'HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\n', 2]]);
    expect(v.summary().problems).toEqual([{ side: 'server', frame: 2, kind: 'malformed', detail: 'invalid Content-Length' }]);
    expect([v.wants('client'), v.wants('server')]).toEqual([true, false]);
    expect(v.requests()[0]).toMatchObject({ status: 200, responseFrame: 2, responseEndFrame: null });
    const w = exchange([['client', 'POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n', 1]]);
    expect(w.summary().problems).toEqual([{ side: 'client', frame: 1, kind: 'malformed', detail: 'invalid Content-Length' }]);
    expect(w.requests()).toEqual([req(1, { method: 'POST' })]);
    expect([w.wants('client'), w.wants('server')]).toEqual([false, true]);
  });

  test('more requests outstanding than maxOutstanding: a problem at the next one, both sides stop', () => {
    const t = exchange([['client', 'GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n', 1], ['client', 'GET /3 HTTP/1.1\r\n\r\n', 2]], { maxOutstanding: 2 });
    expect(t.requests()).toHaveLength(2);
    expect(t.summary().problems).toEqual([{ side: 'client', frame: 2, kind: 'overflow', detail: 'more than 2 requests without a response: stopped reading' }]);
    expect([t.wants('client'), t.wants('server')]).toEqual([false, false]);
    // answered ones leave the queue: two outstanding at a time is fine
    const u = exchange(
      [
        ['client', 'GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n', 1],
        ['server', 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n', 2],
        ['client', 'GET /3 HTTP/1.1\r\n\r\n', 3],
      ],
      { maxOutstanding: 2 },
    );
    expect(u.requests()).toHaveLength(3);
    expect(u.summary().problemCount).toBe(0);
  });
});

describe('requests and problems kept (RequestLog caps)', () => {
  test('maxRequests: later requests counted, not kept, one overflow problem; responses still pair', () => {
    const t = exchange(
      [
        ['client', 'GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n', 1],
        ['client', 'GET /3 HTTP/1.1\r\n\r\n', 2],
        ['client', 'GET /4 HTTP/1.1\r\n\r\n', 3],
        ['server', 'HTTP/1.1 201 A\r\nContent-Length: 0\r\n\r\n'.repeat(4), 4],
      ],
      { maxRequests: 2 },
    );
    expect(t.requests().map((r) => [r.requestFrame, r.status])).toEqual([[1, 201], [1, 201]]);
    expect(t.summary()).toMatchObject({ requestCount: 4, overflow: 2, problemCount: 1, problems: [{ side: null, frame: 2, kind: 'overflow', detail: 'more than 2 requests: later ones are counted, not kept' }] });
  });
  test('maxProblems: all counted, the first ones kept', () => {
    const t = exchange([['client', 'GET / HTTP/1.1\r\n\r\n', 1], ['server', 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n' + 'HTTP/1.1 204 No\r\n\r\n'.repeat(3), 2]], { maxProblems: 2 });
    expect(t.summary().problemCount).toBe(3);
    expect(t.summary().problems).toHaveLength(2);
  });
});

describe('the tracker before the protocol is known', () => {
  test('server bytes held until the client speaks, then replayed in frame order', () => {
    // The server's greeting (frame 1) came before the request (frame 2): it answers nothing.
    const t = exchange([
      ['server', 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n', 1],
      ['client', 'GET / HTTP/1.1\r\n\r\n', 2],
    ]);
    expect(t.summary().problems.map((p) => [p.kind, p.frame])).toEqual([['unmatched-response', 1]]);
    // the same bytes in the other order: answered
    const u = exchange([
      ['client', 'GET / HTTP/1.1\r\n\r\n', 1],
      ['server', 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n', 2],
    ]);
    expect(u.summary().problemCount).toBe(0);
    expect(u.requests()[0]).toMatchObject({ requestFrame: 1, responseFrame: 2, status: 200 });
  });
  test('empty data is ignored; undecided until a line end', () => {
    const t = new RequestTracker();
    t.data('client', Buffer.alloc(0), st(1));
    t.data('client', Buffer.from('GET'), st(2));
    expect(t.summary().protocol).toBeNull();
    expect(t.wants('client')).toBe(true);
    t.data('client', Buffer.from(' / HTTP/1.1\r\n\r\n'), st(3));
    expect(t.summary().protocol).toBe('http/1');
    expect(t.requests()[0]).toMatchObject({ requestFrame: 2, requestEndFrame: 3 });
  });
  test('held bytes over maxHeadBytes on either side: not HTTP; exactly maxHeadBytes still held', () => {
    const t = new RequestTracker({ maxHeadBytes: 20 });
    t.data('client', Buffer.from('GET /' + 'a'.repeat(15)), st(1)); // 20 bytes
    expect(t.summary().protocol).toBeNull();
    t.data('client', Buffer.from('a'), st(2));
    expect(t.summary().protocol).toBe('none');
    expect([t.wants('client'), t.wants('server')]).toEqual([false, false]);
    t.data('client', Buffer.from(' HTTP/1.1\r\n\r\n'), st(3));
    expect(t.summary()).toMatchObject({ protocol: 'none', requestCount: 0, problemCount: 0 });
    const s = new RequestTracker({ maxHeadBytes: 20 });
    s.data('server', Buffer.alloc(20, 0x41), st(1));
    s.data('client', Buffer.from('GET / HTTP/1.1\r\n\r\n'), st(2));
    expect(s.summary().protocol).toBe('http/1');
  });
  test('not HTTP stays not HTTP: a request line after the decision is not read', () => {
    const t = new RequestTracker();
    t.data('client', Buffer.from('\x16\x03\x01\x00\x05hello'), st(1));
    expect(t.summary().protocol).toBe('none');
    t.data('client', Buffer.from('GET / HTTP/1.1\r\n\r\n'), st(2));
    t.data('server', Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'), st(3));
    expect(t.summary()).toMatchObject({ protocol: 'none', requestCount: 0, problemCount: 0 });
    expect(t.requests()).toEqual([]);
  });
  test('more than maxHeadBytes from the server before the client spoke: not HTTP (a greeting that long is no HTTP response)', () => {
    const s = new RequestTracker({ maxHeadBytes: 20 });
    s.data('server', Buffer.alloc(12, 0x41), st(1));
    s.data('server', Buffer.alloc(9, 0x41), st(2)); // 21 held
    s.data('client', Buffer.from('GET / HTTP/1.1\r\n\r\n'), st(3));
    expect(s.summary()).toMatchObject({ protocol: 'none', requestCount: 0 });
  });
  test('an empty delivery after the decision is no delivery: a hole that completes a body completes it in the frame of its last bytes', () => {
    const t = exchange([['client', 'GET / HTTP/1.1\r\n\r\n', 1], ['server', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab', 2]]);
    t.data('server', Buffer.alloc(0), st(7));
    t.gap('server', 3);
    expect(t.requests()[0]).toMatchObject({ responseFrame: 2, responseEndFrame: 2 });
  });
  test('a hole before the protocol is known: a problem from the client (or once the server was held), ignored from a silent server', () => {
    const a = new RequestTracker();
    a.gap('client', 5);
    expect(a.summary()).toMatchObject({ protocol: 'none', problemCount: 1, problems: [{ side: 'client', frame: null, kind: 'gap', detail: '5 bytes missing before the protocol was known' }] });
    a.gap('client', 5);
    expect(a.summary().problemCount).toBe(1);
    const b = new RequestTracker();
    b.gap('server', 5);
    b.data('client', Buffer.from('GET / HTTP/1.1\r\n\r\n'), st(1));
    expect(b.summary()).toMatchObject({ protocol: 'http/1', problemCount: 0 });
    const c = new RequestTracker();
    c.data('server', Buffer.from('HTTP/1.1'), st(1));
    c.gap('server', 5);
    expect(c.summary()).toMatchObject({ protocol: 'none', problemCount: 1 });
  });
  test('after the decision, holes and ends go to the connection; end() completes a close-delimited body', () => {
    const t = exchange([['client', 'GET / HTTP/1.0\r\n\r\n', 1], ['server', 'HTTP/1.0 200 OK\r\n\r\nabc', 2]]);
    t.gap('server', 10);
    t.end('server', st(9));
    expect(t.requests()[0]).toMatchObject({ responseFrame: 2, responseEndFrame: 9, responseEndTime: t0(9), responseBytes: 'HTTP/1.0 200 OK\r\n\r\nabc'.length + 10 });
    t.end('client', st(10));
    const h2 = new RequestTracker();
    h2.data('client', Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), st(1));
    h2.end('client', st(2));
    expect(h2.summary()).toMatchObject({ protocol: 'h2', upgraded: false, problemCount: 0 });
  });
});

describe('the client\'s first bytes one at a time (a TCP stream may deliver them so)', () => {
  const bytewise = (text: string): [Side, string, number][] => [...text].map((ch, i) => ['client', ch, i + 1]);

  test.each([
    ['an HTTP/1.1 request line', 'GET /a HTTP/1.1\r\nHost: x\r\n\r\n', 'http/1'],
    ['the HTTP/2 preface (RFC 9113 3.4), decided at its 24th byte', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'h2'],
    ['a TLS record', '\x16\x03\x01\x02\x00\x01', 'none'],
    ['a line that is no request line', 'HELO mail.example\r\n', 'none'],
  ])('%s: the same protocol as in one piece', (_what, text, want) => {
    expect(exchange(bytewise(text)).summary().protocol).toBe(want);
    expect(exchange([['client', text, 1]]).summary().protocol).toBe(want);
  });

  test('the request is read with the frame of its first byte', () => {
    const t = exchange(bytewise('GET /a HTTP/1.1\r\nHost: x\r\n\r\n'));
    expect(t.requests().map((r) => r.requestFrame)).toEqual([1]);
  });

  test('a line end that comes after the first 24 bytes still decides (the request line is longer than the preface)', () => {
    const line = 'GET /' + 'a'.repeat(100) + ' HTTP/1.1\r\n';
    const t = new RequestTracker();
    for (let i = 0; i < line.length - 1; i++) {
      t.data('client', Buffer.from(line[i]!, 'latin1'), st(i + 1));
      expect(t.summary().protocol).toBeNull();
    }
    t.data('client', Buffer.from('\n'), st(line.length));
    expect(t.summary().protocol).toBe('http/1');
  });
});
