/**
 * buildQuicRecord (src/timeline/quic-build.ts) at its edges, on real
 * datagrams from fixtures/quic/ fed to a QuicTracker wired as analyze.ts
 * wires it, with the one edge made by hand: the problem list's cap of 20 and
 * its merge of the tracker's and the hello reader's problems (each once); the
 * request-stream cap (README "QUIC (HTTP/3)": at most 1,000 request streams
 * per connection, more: a line in `problems`); a connection built without a
 * hello reader; a damaged client Initial (the ServerHello is read, the
 * ClientHello is not); a capture whose clock never advanced (lifetime 0: no
 * setup share). Expected values from tshark's dissection of the undamaged
 * capture (test/golden-quic/, scripts/make-quic-golden.mjs) and the README's
 * rules.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readCapture } from '../../src/capture/index.js';
import { decodeFrame } from '../../src/decode/index.js';
import { parseDatagram } from '../../src/quic/header.js';
import { MAX_REQUEST_STREAMS, QuicTracker, type QuicConnection } from '../../src/quic/tracker.js';
import { KeyLog } from '../../src/tls/keylog.js';
import { KeySource } from '../../src/timeline/keys.js';
import { buildQuicRecord } from '../../src/timeline/quic-build.js';
import { QuicHandshakeReader } from '../../src/timeline/quic-reader.js';
import { QUIC_FIXTURES } from '../quic/run.js';

interface Built {
  conn: QuicConnection;
  reader: QuicHandshakeReader | undefined;
  end: 'open' | 'idle';
}

interface Options {
  keys?: boolean;
  reader?: boolean;
  /** Change a datagram's UDP payload (by frame number) before the tracker sees it. */
  damage?: (frame: number, payload: Buffer) => unknown;
  /** Every datagram stamped with the first one's time. */
  frozenClock?: boolean;
}

/** The capture's datagrams through a QuicTracker; the finished connections with their readers, not yet built. */
async function connections(file: string, opts: Options = {}): Promise<Built[]> {
  const keySource = opts.keys ? new KeySource(new KeyLog().add(readFileSync(path.join(QUIC_FIXTURES, file.replace(/\.pcap$/, '.keys')))), () => undefined) : undefined;
  const out: Built[] = [];
  const readers = new Map<QuicConnection, QuicHandshakeReader>();
  const tracker = new QuicTracker(
    (conn) => {
      if (opts.reader === false) return undefined;
      const r = new QuicHandshakeReader(conn, keySource);
      readers.set(conn, r);
      return r;
    },
    (conn, end) => out.push({ conn, reader: readers.get(conn), end }),
  );
  let clock: { tsSec: number; tsNsec: number } | undefined;
  await readCapture(path.join(QUIC_FIXTURES, file), (f) => {
    const p = decodeFrame(f.data, f.linkType);
    if (p.udp === undefined || p.src === undefined || p.dst === undefined) return;
    const payload = Buffer.from(p.udp.payload);
    opts.damage?.(f.number, payload);
    clock = opts.frozenClock ? (clock ?? { tsSec: f.tsSec, tsNsec: f.tsNsec }) : { tsSec: f.tsSec, tsNsec: f.tsNsec };
    tracker.datagram(p.src, p.dst, { ...p.udp, payload, payloadLength: payload.length }, { frame: f.number, ...clock }, f.origLen);
  });
  tracker.finish();
  return out;
}

interface GoldenConn {
  firstFrame: number;
  cipher: number | null;
  resumed: boolean;
  first: { client: Record<string, number>; server: Record<string, number> };
}
/** Flips the last byte (of the AEAD tag) of the datagram's Initial packet. */
function damageInitial(p: Buffer): void {
  const initial = parseDatagram(p, undefined).packets.find((x) => x.type === 'Initial');
  expect(initial).toBeDefined();
  p[initial!.end - 1] ^= 0xff;
}

const golden = (file: string): { connections: GoldenConn[] } => JSON.parse(readFileSync(path.resolve('test/golden-quic', `${file}.json`), 'utf8')) as { connections: GoldenConn[] };

describe('problems', () => {
  test("the hello reader's problems follow the tracker's, each text once", async () => {
    const [{ conn, reader, end }] = await connections('quic-one-request.pcap', { keys: true });
    expect([conn.problems, reader!.problems]).toEqual([[], []]);
    conn.problem('tracker problem A');
    reader!.problems.push('tracker problem A', 'reader problem B', 'reader problem B');
    expect(buildQuicRecord(conn, reader, end).problems).toEqual(['tracker problem A', 'reader problem B']);
  });

  test('at most 20: a full tracker list leaves room for one of the reader\'s', async () => {
    const [{ conn, reader, end }] = await connections('quic-one-request.pcap', { keys: true });
    const tracker = Array.from({ length: 19 }, (_, i) => `tracker problem ${i}`);
    for (const p of tracker) conn.problem(p);
    reader!.problems.push('reader problem X', 'reader problem Y');
    expect(buildQuicRecord(conn, reader, end).problems).toEqual([...tracker, 'reader problem X']);
  });

  test('more request streams than are kept: 1,000 listed and one problem saying how many were not, unless the list is full', async () => {
    const [{ conn, reader, end }] = await connections('quic-one-request.pcap', { keys: true });
    const stamp = conn.last;
    const ids = new Set((conn.requestStreams ?? []).map((s) => s.id));
    expect(ids.size).toBeGreaterThan(0); // the capture's own request, read with its key log
    let id = 0;
    const fresh = (): number => {
      while (ids.has(id)) id += 4;
      ids.add(id);
      return id;
    };
    while ((conn.requestStreams?.length ?? 0) < MAX_REQUEST_STREAMS) conn.clientStream(fresh(), 0, 10, true, stamp, false);
    conn.clientStream(fresh(), 0, 10, true, stamp, false);
    conn.clientStream(fresh(), 0, 10, true, stamp, false);
    const rec = buildQuicRecord(conn, reader, end);
    expect(MAX_REQUEST_STREAMS).toBe(1000); // README
    expect(rec.requests).toHaveLength(1000);
    expect(rec.problems).toEqual(['more than 1000 request streams: 2 not listed']);
    for (let i = 0; i < 20; i++) conn.problem(`tracker problem ${i}`);
    expect(buildQuicRecord(conn, reader, end).problems).toEqual(Array.from({ length: 20 }, (_, i) => `tracker problem ${i}`));
  });
});

test('without a hello reader: no TLS section, no hello offers, and 0-RTT packets are not taken as accepted (nothing says so)', async () => {
  const file = 'quic-resume-0rtt.pcap';
  const built = await connections(file, { reader: false });
  const g = golden(file).connections;
  expect(built.map((b) => b.conn.first.frame)).toEqual(g.map((c) => c.firstFrame));
  for (const { conn, reader, end } of built) {
    expect(reader).toBeUndefined();
    conn.problem('tracker problem');
    const rec = buildQuicRecord(conn, reader, end);
    const m = g.find((c) => c.firstFrame === rec.firstFrame)!;
    const retry = m.first.server.Retry !== undefined ? 1 : 0;
    expect([rec.tls, rec.quic!.pskOffered, rec.quic!.earlyDataOffered, rec.quic!.zeroRtt, rec.setup.roundTrips, rec.problems]).toEqual([
      null,
      false,
      false,
      m.first.client['0-RTT'] !== undefined,
      1 + retry,
      ['tracker problem'],
    ]);
  }
});

test("a damaged client Initial: the ServerHello alone makes the TLS section (tshark's suite and resumption), no ClientHello offers", async () => {
  const file = 'spicyquic-chromium115-h3-coalesced.pcap';
  const built = await connections(file, { damage: (frame, p) => frame === 1 && damageInitial(p) });
  const g = golden(file).connections;
  expect(built).toHaveLength(1);
  const { conn, reader, end } = built[0]!;
  const rec = buildQuicRecord(conn, reader, end);
  const t = rec.tls!;
  expect(t).not.toBeNull();
  expect([t.cipherSuite, t.resumed, t.resumption, t.sni, t.alpnOffered, t.versionsOffered, t.keyShareGroupsOffered, rec.quic!.pskOffered, rec.quic!.earlyDataOffered]).toEqual([
    g[0]!.cipher,
    g[0]!.resumed,
    g[0]!.resumed ? 'psk' : null,
    null,
    [],
    [],
    [],
    false,
    false,
  ]);
});

test('a damaged client and server Initial: neither hello read, no TLS section', async () => {
  const file = 'spicyquic-chromium115-h3-coalesced.pcap';
  const built = await connections(file, { damage: (frame, p) => frame <= 2 && damageInitial(p) });
  expect(built).toHaveLength(1);
  const { conn, reader, end } = built[0]!;
  expect([reader!.clientHello, reader!.serverHello]).toEqual([undefined, undefined]);
  expect(buildQuicRecord(conn, reader, end).tls).toBeNull();
});

test('a clock that never advanced: lifetime 0 and setup 0 ms, so no setup share', async () => {
  const built = await connections('quic-one-request.pcap', { frozenClock: true });
  expect(built).toHaveLength(1);
  const { conn, reader, end } = built[0]!;
  const rec = buildQuicRecord(conn, reader, end);
  expect([rec.lifetimeMs, rec.setup.ms, rec.setupShare]).toEqual([0, 0, null]);
});
