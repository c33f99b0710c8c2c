/**
 * HTTP/3 requests per QUIC connection. With the key log, the client's 1-RTT
 * and 0-RTT packets are opened for their STREAM frame headers and each
 * client-initiated bidirectional stream with data is a request: compared with
 * tshark 4.0's dissection of the same file with the same key log
 * (test/golden-quic/requests/<file>.json, scripts/make-quic-requests-golden.mjs):
 * per connection the stream ids, the frame of each stream's first data, of its
 * FIN and the bytes sent on it. quic-three-requests-one-conn.pcap carries three
 * requests on one connection (streams 0, 4, 8, all in frame 4; frame 9 sends
 * them again, which counts nothing new); quic-resume-0rtt.pcap's second
 * connection sends its request in a 0-RTT packet (frame 15).
 *
 * Without keys the requests are not counted (null in the pool view): the
 * golden's keylessEstimate (the TCP burst rule on tshark's 1-RTT packet sizes)
 * disagrees with the exact count, in both directions.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { analyzeFile } from '../../src/analyze.js';
import { parseFrames } from '../../src/quic/frames.js';
import { MAX_REQUEST_STREAMS, QuicConnection } from '../../src/quic/tracker.js';
import { compareAnalyses } from '../../src/report/index.js';
import { quicReuse } from '../../src/report/quic-pool.js';
import { requestsText } from '../../src/view/model.js';
import { KeyLog } from '../../src/tls/keylog.js';
import type { ConnectionRecord } from '../../src/timeline/types.js';
import { QUIC_FIXTURES } from './run.js';

interface RequestsGolden {
  connections: {
    number: number;
    client: { ip: string; port: number };
    requests: { stream: number; firstFrame: number; finFrame: number | null; bytes: number }[];
    clientStreamFrames: number;
    clientCloseFrame: number | null;
    keylessEstimate: number;
  }[];
}

const GOLDEN = path.resolve(process.cwd(), 'test/golden-quic/requests');
const FILES = readdirSync(GOLDEN)
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.replace(/\.json$/, ''))
  .sort();

function golden(file: string): RequestsGolden {
  return JSON.parse(readFileSync(path.join(GOLDEN, `${file}.json`), 'utf8')) as RequestsGolden;
}

async function quicRecords(pcap: string, withKeys: boolean): Promise<ConnectionRecord[]> {
  const keyLog = withKeys ? new KeyLog().add(readFileSync(path.join(QUIC_FIXTURES, pcap.replace(/\.pcap$/, '.keys'))), 'test') : undefined;
  const a = await analyzeFile(path.join(QUIC_FIXTURES, pcap), keyLog === undefined ? {} : { keyLog });
  return a.connections.filter((c) => c.transport === 'quic');
}

test('a requests golden for every recording with a key log', () => {
  const withKeys = readdirSync(QUIC_FIXTURES).filter((f) => f.startsWith('quic-') && f.endsWith('.keys'));
  expect(FILES).toEqual(withKeys.map((k) => k.replace(/\.keys$/, '.pcap')).sort());
});

describe.each(FILES)('%s with its key log, against tshark with the same key log', (file) => {
  let records: ConnectionRecord[];
  const g = golden(file);
  beforeAll(async () => {
    records = await quicRecords(file, true);
  });

  test('the same connections, each with tshark\'s request streams (first frame, FIN frame, bytes)', () => {
    expect(records.map((r) => ({ ip: r.client.ip, port: r.client.port }))).toEqual(g.connections.map((c) => c.client));
    records.forEach((r, i) => {
      const want = g.connections[i].requests;
      expect(want.length).toBeGreaterThan(0);
      expect(r.requests.map((q) => ({ stream: q.stream, firstFrame: q.requestFrame, finFrame: q.requestEndFrame, bytes: q.requestBytes }))).toEqual(want);
      expect(r.requestsEstimated).toBe(false);
      expect(r.requests.every((q) => q.responseFrame === null && q.ttfbMs === null)).toBe(true);
      expect(r.setupMsPerRequest).toBeCloseTo(r.setup.ms! / want.length, 6);
      expect(r.problems).not.toContain("1-RTT packet from the client failed to decrypt with the key log's secrets");
    });
  });

  test("the client's CONNECTION_CLOSE, in a 1-RTT packet, is read with keys (tshark's frame)", () => {
    expect(records.map((r) => (r.quic?.close?.from === 'client' ? r.quic.close.frame : null))).toEqual(g.connections.map((c) => c.clientCloseFrame));
    for (const r of records) if (r.quic?.close != null) expect([r.state, r.teardown.by]).toEqual(['closed', 'CONNECTION_CLOSE']);
  });

  test('pool view: requests and requests per connection per destination, from tshark\'s counts', () => {
    const q = quicReuse(records)!;
    const total = g.connections.reduce((n, c) => n + c.requests.length, 0);
    expect(q.requestsCounted).toBe(g.connections.length);
    expect(q.requests).toBe(total);
    expect(q.requestsPerConnection).toBeCloseTo(total / g.connections.length, 9);
    const setup = records.reduce((n, r) => n + (r.setup.ms ?? 0), 0);
    expect(q.setupMsPerRequest).toBeCloseTo(setup / total, 9);
    // One destination in each recording.
    expect(q.destinations.map((d) => [d.requests, d.requestsPerConnection])).toEqual([[q.requests, q.requestsPerConnection]]);
    expect(q.reason).toContain(`${total} HTTP/3 request${total === 1 ? '' : 's'} read with keys`);
  });

  test('without keys: no requests on the records, null in the pool view, and the reason says why', async () => {
    const bare = await quicRecords(file, false);
    expect(bare.map((r) => r.requests.length)).toEqual(g.connections.map(() => 0));
    const q = quicReuse(bare)!;
    expect([q.requests, q.requestsPerConnection, q.setupMsPerRequest, q.requestsCounted]).toEqual([null, null, null, 0]);
    expect(q.destinations.every((d) => d.requests === null)).toBe(true);
    expect(q.reason).toContain('not countable without keys');
  });
});

test('reuse vs none: the same three requests on one connection and on three (tshark counts; the pool view with keys)', async () => {
  const one = golden('quic-three-requests-one-conn.pcap');
  const three = golden('quic-three-requests-three-conns.pcap');
  expect(one.connections.map((c) => c.requests.length)).toEqual([3]);
  expect(three.connections.map((c) => c.requests.length)).toEqual([1, 1, 1]);
  const reused = quicReuse(await quicRecords('quic-three-requests-one-conn.pcap', true))!;
  const unpooled = quicReuse(await quicRecords('quic-three-requests-three-conns.pcap', true))!;
  expect([reused.requests, reused.requestsPerConnection, reused.newHandshakes]).toEqual([3, 3, 1]);
  // One after the other: each connection opened after the last one ended, each paid a handshake.
  expect([unpooled.requests, unpooled.requestsPerConnection, unpooled.newHandshakes]).toEqual([3, 1, 3]);
  // Setup per request: a third of one handshake against a whole one each.
  expect(reused.setupMsPerRequest!).toBeLessThan(unpooled.setupMsPerRequest!);
});

test('the key-less estimate (TCP burst rule on 1-RTT packet sizes) is wrong on these recordings both ways: so QUIC requests are null without keys', () => {
  const conns = FILES.flatMap((f) => golden(f).connections);
  const over = conns.filter((c) => c.keylessEstimate > c.requests.length);
  const under = conns.filter((c) => c.keylessEstimate < c.requests.length);
  // Measured with tshark 4.0 (README, QUIC section): 13 connections, 6 wrong.
  expect(conns).toHaveLength(13);
  // A PMTU probe (PING + PADDING, ~1400 bytes) or the request sent again after the server's data counts as one more.
  expect(over).toHaveLength(5);
  expect(under).toHaveLength(1); // three multiplexed requests in one burst
  expect(under[0].requests.length).toBe(3);
});

test('0-RTT: the resumed connection\'s request was read from its 0-RTT packet (CLIENT_EARLY_TRAFFIC_SECRET)', async () => {
  const records = await quicRecords('quic-resume-0rtt.pcap', true);
  const r = records[1];
  expect(r.quic?.zeroRttPackets).toBeGreaterThan(0);
  // tshark: stream 0 first in frame 15, the datagram whose second packet is the 0-RTT one.
  expect(r.requests.map((q) => q.requestFrame)).toEqual(golden('quic-resume-0rtt.pcap').connections[1].requests.map((q) => q.firstFrame));
  // A key log without the early secret: the 0-RTT packet stays closed, no request is read from it.
  const text = readFileSync(path.join(QUIC_FIXTURES, 'quic-resume-0rtt.keys'), 'utf8')
    .split('\n')
    .filter((l) => !l.startsWith('CLIENT_EARLY_TRAFFIC_SECRET'))
    .join('\n');
  const a = await analyzeFile(path.join(QUIC_FIXTURES, 'quic-resume-0rtt.pcap'), { keyLog: new KeyLog().add(text, 'test') });
  expect(a.connections.filter((c) => c.transport === 'quic')[1].requests).toEqual([]);
});

describe('STREAM frame headers (hand-built frames: malformed input)', () => {
  const headers = (b: Buffer) => {
    const seen: [number, number, number, boolean][] = [];
    const r = parseFrames(b, 'a 1-RTT', (id, off, len, fin) => seen.push([id, off, len, fin]));
    return { seen, problem: r.problem };
  };

  test('id, offset, length and FIN of each form; data without LEN runs to the end', () => {
    // 0x0b: LEN|FIN, stream 0, 2 bytes; 0x0e: OFF|LEN, stream 4, offset 5, 1 byte; 0x08: stream 8, rest (3 bytes).
    const b = Buffer.from([0x0b, 0x00, 0x02, 0xaa, 0xbb, 0x0e, 0x04, 0x05, 0x01, 0xcc, 0x08, 0x08, 0x01, 0x02, 0x03]);
    expect(headers(b)).toEqual({ seen: [[0, 0, 2, true], [4, 5, 1, false], [8, 0, 3, false]], problem: undefined });
  });

  test('a length past the packet: no stream reported, a problem', () => {
    const b = Buffer.from([0x0a, 0x00, 0x40, 0xff, 0x01]);
    expect(headers(b)).toEqual({ seen: [], problem: 'truncated frame in a 1-RTT packet' });
  });
});

describe('request streams of a connection', () => {
  const stamp = (frame: number) => ({ frame, tsSec: 1, tsNsec: frame });
  const conn = () => new QuicConnection(0, { ip: '10.0.0.1', port: 1 }, { ip: '10.0.0.2', port: 443 }, Buffer.alloc(8), Buffer.alloc(8), 1, false, stamp(1), 1024);

  test('only client bidirectional streams with data; a retransmission adds nothing; FIN frame and highest offset kept', () => {
    const c = conn();
    c.clientStream(2, 0, 10, false, stamp(2), false); // client unidirectional (control)
    c.clientStream(1, 0, 10, false, stamp(2), false); // server-initiated
    c.clientStream(4, 0, 0, false, stamp(2), false); // no data yet
    c.clientStream(0, 0, 15, false, stamp(3), false);
    c.clientStream(0, 0, 15, true, stamp(4), false); // sent again, with FIN
    c.clientStream(0, 15, 5, false, stamp(5), false);
    expect(c.requestStreams).toEqual([{ id: 0, first: stamp(3), end: stamp(4), bytes: 20, early: false }]);
  });

  test(`at most ${MAX_REQUEST_STREAMS} streams are remembered; the rest are counted`, () => {
    const c = conn();
    for (let i = 0; i < MAX_REQUEST_STREAMS + 3; i++) c.clientStream(4 * i, 0, 1, true, stamp(i + 2), false);
    expect(c.requestStreams).toHaveLength(MAX_REQUEST_STREAMS);
    expect(c.streamOverflow).toBe(3);
  });
});

test('compare: the QUIC requests read with keys, exact (not estimated), before (3 connections) and after (1 reused)', async () => {
  const analysis = async (file: string) => ({
    capture: { file, format: 'pcap' as const, frames: 0, start: null, end: null, warnings: [] },
    connections: await quicRecords(file, true),
  });
  const c = compareAnalyses(await analysis('quic-three-requests-three-conns.pcap'), await analysis('quic-three-requests-one-conn.pcap'));
  const want = (f: string) => golden(f).connections.reduce((n, x) => n + x.requests.length, 0);
  expect([c.total.requests.before, c.total.requests.after]).toEqual([want('quic-three-requests-three-conns.pcap'), want('quic-three-requests-one-conn.pcap')]);
  expect(c.requestsEstimated).toBe(false);
  expect(c.total.connections.after).toBe(1);
  expect(c.total.setupMsPerRequest.after!).toBeLessThan(c.total.setupMsPerRequest.before!);
});

test("the detail's requests line names HTTP/3 for a QUIC connection", async () => {
  const [r] = await quicRecords('quic-three-requests-one-conn.pcap', true);
  expect(requestsText(r)).toMatch(/^3 \(HTTP\/3\), setup /);
});

test('a decrypted connection without a request stream counts 0 requests, not the one-request floor of key-less connections', async () => {
  const [r] = await quicRecords('quic-one-request.pcap', true);
  expect(r.tls?.decrypted).toBe(true);
  const q = quicReuse([{ ...r, requests: [] }])!;
  expect([q.requests, q.requestsPerConnection, q.setupMsPerRequest, q.requestsCounted]).toEqual([0, 0, null, 1]);
});
