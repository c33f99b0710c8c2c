/**
 * Cleartext HTTP through the real pipeline (analyzeFile): each connection's
 * `requests` against tshark's dissection of the same file, computed at run
 * time: http.request / http.response give the frame where each message
 * completes (requestEndFrame / responseEndFrame), their tcp.segment list the
 * frame of its first byte (requestFrame / responseFrame); tcp.stream is our
 * connection id.
 */
import path from 'node:path';
import { analyzeFile } from '../../src/analyze.js';
import type { ConnectionRecord } from '../../src/timeline/types.js';
import { tsharkRows } from '../http/feed.js';

const FIX = path.resolve('fixtures');

const FILES = [
  'lo-http-keepalive-3req.pcap',
  'lo-http-conn-per-request-3req.pcap',
  'lo-http-port-reuse.pcap',
  'pcapplusplus-http-bigendian-nanosec.pcap',
];

interface Row {
  stream: number;
  frame: number;
  first: number;
  method?: string;
  status?: number;
}

function tsharkHttp(file: string): { requests: Row[]; responses: Row[] } {
  const first = (frame: number, segs: string[]) => (segs.length > 0 ? Number(segs[0]) : frame);
  const requests = tsharkRows(file, 'http.request', ['frame.number', 'tcp.stream', 'http.request.method', 'tcp.segment']).map(([f, s, m, segs]) => ({
    frame: Number(f![0]),
    stream: Number(s![0]),
    method: m![0],
    first: first(Number(f![0]), segs!),
  }));
  const responses = tsharkRows(file, 'http.response', ['frame.number', 'tcp.stream', 'http.response.code', 'tcp.segment']).map(([f, s, code, segs]) => ({
    frame: Number(f![0]),
    stream: Number(s![0]),
    status: Number(code![0]),
    first: first(Number(f![0]), segs!),
  }));
  return { requests, responses };
}

describe.each(FILES)('%s: cleartext requests through analyzeFile', (name) => {
  const file = path.join(FIX, name);
  let conns: ConnectionRecord[];
  let want: ReturnType<typeof tsharkHttp>;
  beforeAll(async () => {
    conns = (await analyzeFile(file)).connections;
    want = tsharkHttp(file);
  });

  it('has tshark requests to compare with', () => {
    expect(want.requests.length).toBeGreaterThan(0);
  });

  it('lists every request and response at tshark\'s frames, per connection', () => {
    const streams = new Set(want.requests.map((r) => r.stream));
    for (const c of conns) {
      if (!streams.has(c.id)) {
        expect({ id: c.id, requests: c.requests }).toEqual({ id: c.id, requests: [] });
        continue;
      }
      expect(c.httpProtocol).toBe('http/1');
      expect(c.requestsEstimated).toBe(false);
      const req = want.requests.filter((r) => r.stream === c.id);
      const res = want.responses.filter((r) => r.stream === c.id);
      expect(c.requests.map((r) => ({ id: c.id, first: r.requestFrame, frame: r.requestEndFrame, method: r.method }))).toEqual(
        req.map((r) => ({ id: c.id, first: r.first, frame: r.frame, method: r.method })),
      );
      expect(
        c.requests.filter((r) => r.responseFrame !== null).map((r) => ({ id: c.id, first: r.responseFrame, frame: r.responseEndFrame, status: r.status })),
      ).toEqual(res.map((r) => ({ id: c.id, first: r.first, frame: r.frame, status: r.status })));
    }
  });
});

describe('lo-h2c-cases.pcap: cleartext HTTP/2 (prior knowledge) through analyzeFile', () => {
  const file = path.join(FIX, 'lo-h2c-cases.pcap');
  const SERVER_PORT = 8081;

  /** tshark's HEADERS frames (`-d`: tshark does not look for HTTP/2 on that port by itself): per stream, the request's and the final response's. */
  function tsharkHeaders(): { stream: number; method?: string; requestFrame?: number; status?: number; responseFrame?: number }[] {
    const rows = tsharkRows(file, 'http2.type == 1', ['frame.number', 'tcp.srcport', 'http2.type', 'http2.streamid', 'http2.headers.method', 'http2.headers.status'], [
      '-d',
      `tcp.port==${SERVER_PORT},http2`,
    ]);
    const byStream = new Map<number, { stream: number; method?: string; requestFrame?: number; status?: number; responseFrame?: number }>();
    for (const [f, port, types, ids, methods, statuses] of rows) {
      const server = Number(port![0]) === SERVER_PORT;
      let m = 0;
      let st = 0;
      types!.forEach((t, i) => {
        if (t !== '1') return;
        const stream = Number(ids![i]);
        const e = byStream.get(stream) ?? { stream };
        byStream.set(stream, e);
        if (!server) {
          e.method = methods![m++];
          e.requestFrame = Number(f![0]);
        } else {
          const status = statuses![st++];
          // 1xx are interim; a HEADERS without :status is a trailer.
          if (status !== undefined && Number(status) >= 200) {
            e.status = Number(status);
            e.responseFrame = Number(f![0]);
          }
        }
      });
    }
    return [...byStream.values()].sort((a, b) => a.stream - b.stream);
  }

  it("lists each stream's request and final response at tshark's HEADERS frames", async () => {
    const c = (await analyzeFile(file)).connections[0]!;
    const want = tsharkHeaders();
    expect(want.length).toBeGreaterThan(0);
    expect(c.httpProtocol).toBe('h2');
    expect(c.requestsEstimated).toBe(false);
    expect(
      c.requests.map((r) => ({ stream: r.stream, method: r.method, requestFrame: r.requestEndFrame, status: r.status, responseFrame: r.responseEndFrame ?? undefined })),
    ).toEqual(want.map((w) => ({ stream: w.stream, method: w.method, requestFrame: w.requestFrame, status: w.status, responseFrame: w.responseFrame })));
  });
});
