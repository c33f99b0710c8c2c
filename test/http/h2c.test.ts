/**
 * HTTP/2 cases on a real recording (scripts/record-h2c.sh: node 20 http2
 * server and client, cleartext with prior knowledge): three concurrent
 * streams opened in one segment, POST with a body, HEAD, 20 kB header blocks
 * with CONTINUATION both ways, a 103 interim response, trailers, and a stream
 * reset by the server before any response. Expected values from tshark at
 * run time (`-d tcp.port==8081,http2`: tshark does not look for HTTP/2 on
 * that port by itself).
 */
import path from 'node:path';
import { cleartextConnections, estimate, run, tsharkRows, type FedConnection } from './feed.js';
import type { HttpRequest } from '../../src/http/index.js';

const FILE = path.resolve(process.cwd(), 'fixtures/lo-h2c-cases.pcap');
const SERVER_PORT = 8081;

interface Want {
  stream: number;
  requestEndFrame: number;
  method: string;
  responseEndFrame: number | null;
  status?: number;
  interimFrame?: number;
}

/** From tshark's per-segment lists: HEADERS frames (type 1) in order, with the :method / :status they carry. */
function expected(): Want[] {
  const rows = tsharkRows(FILE, 'http2.type == 1', ['frame.number', 'tcp.srcport', 'http2.type', 'http2.streamid', 'http2.headers.method', 'http2.headers.status'], [
    '-d', `tcp.port==${SERVER_PORT},http2`,
  ]);
  const byStream = new Map<number, Want>();
  const out: Want[] = [];
  for (const [f, port, types, ids, methods, statuses] of rows) {
    const frame = Number(f![0]);
    const headerStreams = types!.flatMap((t, i) => (t === '1' ? [Number(ids![i])] : []));
    if (Number(port![0]) !== SERVER_PORT) {
      const opening = headerStreams.filter((s) => !byStream.has(s));
      expect(opening.length).toBe(methods!.length); // every request HEADERS has a :method
      opening.forEach((s, i) => {
        const w: Want = { stream: s, requestEndFrame: frame, method: methods![i]!, responseEndFrame: null };
        byStream.set(s, w);
        out.push(w);
      });
    } else {
      // HEADERS on a stream already answered are trailers (no :status).
      const answering = headerStreams.filter((s) => byStream.get(s)?.responseEndFrame === null);
      expect(answering.length).toBe(statuses!.length);
      answering.forEach((s, i) => {
        const w = byStream.get(s)!;
        const code = Number(statuses![i]);
        if (code < 200) w.interimFrame ??= frame;
        else {
          w.responseEndFrame = frame;
          w.status = code;
        }
      });
    }
  }
  return out;
}

let conn: FedConnection;
let reqs: readonly HttpRequest[];
beforeAll(async () => {
  [conn] = (await cleartextConnections(FILE)) as [FedConnection];
  reqs = run(conn).requests();
});

test('requests and responses on every stream as tshark (concurrency, CONTINUATION, 103, trailers, reset)', () => {
  const want = expected();
  expect(want.length).toBe(9);
  expect(want.filter((w) => w.responseEndFrame === null)).toHaveLength(1); // the reset stream
  expect(
    reqs.map((r) => ({
      stream: r.stream,
      requestEndFrame: r.requestEndFrame,
      method: r.method,
      responseEndFrame: r.responseEndFrame,
      ...(r.status !== undefined ? { status: r.status } : {}),
      ...(r.interimFrame !== undefined ? { interimFrame: r.interimFrame } : {}),
    })),
  ).toEqual(want);
});

test('no problem; bytes per stream and side as the frame lengths tshark reads (HEADERS, CONTINUATION, DATA, RST_STREAM)', () => {
  expect(run(conn).summary()).toMatchObject({ protocol: 'h2', problemCount: 0 });
  const rows = tsharkRows(FILE, 'http2', ['tcp.srcport', 'http2.type', 'http2.streamid', 'http2.length'], ['-d', `tcp.port==${SERVER_PORT},http2`]);
  const want = new Map<string, number>();
  for (const [port, types, ids, lens] of rows) {
    const side = Number(port![0]) === SERVER_PORT ? 'response' : 'request';
    types!.forEach((ty, i) => {
      if (!['0', '1', '3', '9'].includes(ty) || ids![i] === '0') return;
      const k = `${ids![i]} ${side}`;
      want.set(k, (want.get(k) ?? 0) + 9 + Number(lens![i]));
    });
  }
  const got = new Map<string, number>();
  for (const r of reqs) {
    got.set(`${r.stream} request`, r.requestBytes);
    got.set(`${r.stream} response`, r.responseBytes);
  }
  for (const [k, v] of [...got]) if (v === 0 && !want.has(k)) got.delete(k);
  expect(Object.fromEntries([...got].sort())).toEqual(Object.fromEntries([...want].sort()));
});

test('the burst estimate on a multiplexed connection: concurrent requests share a burst', () => {
  const est = estimate(conn);
  // The server's SETTINGS come first (an unsolicited burst); the preface, SETTINGS and the
  // three concurrent GETs go out as one client burst: 3 requests estimated as 1. Each later
  // request is its own exchange, and the client's closing SETTINGS ACK / GOAWAY answered by
  // the server's make one more: 9 requests → 9 - 2 + 1 estimated.
  expect(est.unsolicitedServerBursts).toBe(1);
  expect(est.count).toBe(expected().length - 2 + 1);
});
