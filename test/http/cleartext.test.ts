/**
 * The request tracker on real cleartext HTTP/1.x captures, against tshark's
 * dissection of the same files, computed here at run time:
 * - http.request / http.response name the frame where the message completes
 *   (head and body: http.desegment_body is on by default) → requestEndFrame /
 *   responseEndFrame;
 * - that frame's tcp.segment list (its reassembled PDU) starts with the frame
 *   of the message's first byte → requestFrame / responseFrame (a message in
 *   one segment has no list: its first byte is in the frame itself);
 * - http.request_in pairs each response with its request.
 * The key-less estimator is compared with tshark's request count per stream.
 */
import path from 'node:path';
import { cleartextConnections, estimate, run, tsharkRows, type FedConnection } from './feed.js';

const FIX = path.resolve(process.cwd(), 'fixtures');

interface Expected {
  stream: number;
  frame: number;
  first: number;
  method?: string;
  status?: number;
  requestIn?: number;
}

function expected(file: string): { requests: Expected[]; responses: Expected[] } {
  const first = (frame: number, segs: string[]) => (segs.length > 0 ? Number(segs[0]) : frame);
  const requests = tsharkRows(file, 'http.request', ['frame.number', 'tcp.stream', 'http.request.method', 'tcp.segment']).map(
    ([f, s, m, segs]) => ({ frame: Number(f![0]), stream: Number(s![0]), method: m![0], first: first(Number(f![0]), segs!) }),
  );
  const responses = tsharkRows(file, 'http.response', ['frame.number', 'tcp.stream', 'http.response.code', 'http.request_in', 'tcp.segment']).map(
    ([f, s, code, rin, segs]) => ({
      frame: Number(f![0]),
      stream: Number(s![0]),
      status: Number(code![0]),
      requestIn: Number(rin![0]),
      first: first(Number(f![0]), segs!),
    }),
  );
  return { requests, responses };
}

const FILES = [
  'lo-http-keepalive-3req.pcap',
  'lo-http-conn-per-request-3req.pcap',
  'lo-http-port-reuse.pcap',
  'zeek-http-pipelined-keepalive.pcap',
  'pcapplusplus-http-bigendian-nanosec.pcap',
];

describe.each(FILES)('%s', (name) => {
  const file = path.join(FIX, name);
  let conns: FedConnection[];
  let want: ReturnType<typeof expected>;
  beforeAll(async () => {
    conns = await cleartextConnections(file);
    want = expected(file);
  });

  test('the capture has HTTP for tshark (the comparison is not empty)', () => {
    expect(want.requests.length).toBeGreaterThan(0);
  });

  test('requests: the frames of the first byte and of completion, and the method, as tshark', () => {
    const got = conns.flatMap((c) => run(c).requests().map((r) => ({ stream: c.index, frame: r.requestEndFrame, first: r.requestFrame, method: r.method })));
    expect(got).toEqual(want.requests.map((r) => ({ stream: r.stream, frame: r.frame, first: r.first, method: r.method })));
  });

  test('responses: paired with their request, first byte, completion and status as tshark', () => {
    const got = conns.flatMap((c) =>
      run(c)
        .requests()
        .filter((r) => r.responseFrame !== null)
        .map((r) => ({ stream: c.index, frame: r.responseEndFrame, first: r.responseFrame, status: r.status, requestIn: r.requestEndFrame })),
    );
    expect(got).toEqual(want.responses.map((r) => ({ stream: r.stream, frame: r.frame, first: r.first, status: r.status, requestIn: r.requestIn })));
  });

  test('each connection is HTTP/1 without problems', () => {
    for (const c of conns) {
      const s = run(c).summary();
      if (!c.events.some((e) => e.kind === 'data')) continue;
      expect({ c: c.index, protocol: s.protocol, problems: s.problems }).toEqual({ c: c.index, protocol: 'http/1', problems: [] });
    }
  });

  test('bytes: request and response sizes add up to the payload of each side', () => {
    for (const c of conns) {
      const reqs = run(c).requests();
      const sum = (side: 'client' | 'server') => c.events.reduce((n, e) => n + (e.kind === 'data' && e.side === side ? e.bytes.length : 0), 0);
      expect(reqs.reduce((n, r) => n + r.requestBytes, 0)).toBe(sum('client'));
      expect(reqs.reduce((n, r) => n + r.responseBytes, 0)).toBe(sum('server'));
    }
  });

  test('estimate from bursts: the same request count per connection as tshark, first frames as the tracker', () => {
    for (const c of conns) {
      const est = estimate(c);
      const exact = run(c).requests();
      expect({ c: c.index, n: est.count }).toEqual({ c: c.index, n: want.requests.filter((r) => r.stream === c.index).length });
      expect(est.requests.map((r) => [r.requestFrame, r.responseFrame])).toEqual(exact.map((r) => [r.requestFrame, r.responseFrame]));
    }
  });
});

describe('limits on a real capture', () => {
  test('requests beyond maxRequests are counted, not kept, and say so once', async () => {
    const [c] = await cleartextConnections(path.join(FIX, 'lo-http-keepalive-3req.pcap'));
    const t = run(c!, { maxRequests: 2 });
    expect(t.requests()).toHaveLength(2);
    expect(t.summary()).toMatchObject({ requestCount: 3, overflow: 1, problemCount: 1 });
    expect(t.summary().problems[0]!.kind).toBe('overflow');
  });

  test('TLS payload is not HTTP: no request, no problem, nothing held', async () => {
    const conns = await cleartextConnections(path.join(FIX, 'pool-after-keepalive.pcap'));
    expect(conns.length).toBeGreaterThan(0);
    for (const c of conns) {
      const s = run(c).summary();
      expect(s).toMatchObject({ protocol: 'none', requestCount: 0, problemCount: 0 });
    }
  });
});
