import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { analyzeFile } from '../../src/analyze.js';
import { CaptureError } from '../../src/capture/types.js';
import {
  LIST_PIECE,
  MAGIC,
  ProtobufWriter,
  captureToProto,
  destinationToProto,
  encodeTrailer,
  tableTrailerChunks,
  schema,
  isSavedAnalysis,
  readSavedAnalysis,
  readSavedAnalysisStream,
} from '../../src/output/protobuf.js';
import { DestinationTable } from '../../src/report/destinations.js';
import type { Analysis } from '../../src/report/types.js';
import { FINDING_CODES } from '../../src/timeline/types.js';

const FIXTURES = path.resolve(process.cwd(), 'fixtures');
const captures = readdirSync(FIXTURES).filter((f) => /\.(pcap|pcapng|gz)$/.test(f)).sort();
/** The QUIC captures too: their records order their keys differently from TCP's (transport after id, quic last). */
const quicCaptures = readdirSync(path.join(FIXTURES, 'quic')).filter((f) => /\.(pcap|pcapng)$/.test(f)).sort().map((f) => `quic/${f}`);

/** The JSON the tool prints: what a saved file must give back, null vs absent included. */
const asJson = (a: Analysis): unknown => JSON.parse(JSON.stringify({ capture: a.capture, connections: a.connections }));

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'hl-pb-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Collects what a writer produces, in memory. */
function sink(): { stream: Writable; bytes: () => Buffer } {
  const parts: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      parts.push(chunk);
      cb();
    },
  });
  return { stream, bytes: () => Buffer.concat(parts) };
}

async function save(a: Analysis, file: string): Promise<string> {
  const out = path.join(dir, file);
  const w = new ProtobufWriter(createWriteStream(out), { file: a.capture.file });
  for (const c of a.connections) w.writeConnection(c);
  await w.end(a.capture);
  return out;
}

describe('saved analysis round trip on the real fixtures', () => {
  test('there are captures to test', () => expect(captures.length).toBeGreaterThanOrEqual(20));

  test.each([...captures, ...quicCaptures])('%s: capture -> protobuf -> reopened gives the same JSON, text included', async (name) => {
    const a = await analyzeFile(path.join(FIXTURES, name));
    const file = await save(a, `${name.replace('/', '-')}.hlpb`);
    const bytes = readFileSync(file);
    expect(bytes.subarray(0, 8)).toEqual(Buffer.from('HLPB\0\0\0\x01', 'latin1'));
    expect(isSavedAnalysis(bytes)).toBe(true);
    const back = await readSavedAnalysis(file);
    expect(asJson(back)).toStrictEqual(asJson(a));
    // Key order too: NDJSON/JSON of a saved analysis is the capture's text, byte for byte.
    expect(back.connections.map((c) => JSON.stringify(c))).toEqual(a.connections.map((c) => JSON.stringify(c)));
  });
});

describe('findings round trip (the recordings of fixtures/findings)', () => {
  const dir = path.join(FIXTURES, 'findings');
  const recordings = readdirSync(dir).filter((f) => f.endsWith('.pcap')).sort();

  test.each(recordings)('%s: findings, costs, one-sidedness and the vantage guess come back', async (name) => {
    const a = await analyzeFile(path.join(dir, name));
    const back = await readSavedAnalysis(await save(a, `findings-${name}.hlpb`));
    expect(asJson(back)).toStrictEqual(asJson(a));
    expect(back.capture.vantage).toEqual(a.capture.vantage);
  });

  // abortive-reset has no recording of its own: in arkime's capture the client resets (tshark:
  // frame 35, RST) with its last record (frame 32, 39 bytes) unanswered.
  const extra = path.join(FIXTURES, 'arkime-tls13-split-client-hello.pcap');

  // QUIC-only codes come from fixtures/quic: a Retry, a Version Negotiation, and a handshake
  // that is slow at a 10 ms threshold.
  const quicRuns: [string, { findings?: { slowHandshakeMs: number } }][] = [
    ['quic/quic-retry.pcap', {}],
    ['quic/ndpi-draft28-vn-draft27-h3.pcap', {}],
    ['quic/quic-one-request.pcap', { findings: { slowHandshakeMs: 10 } }],
  ];

  test.each(quicRuns)('%s: QUIC findings come back', async (name, opts) => {
    const a = await analyzeFile(path.join(FIXTURES, name), opts);
    const back = await readSavedAnalysis(await save(a, `findings-${path.basename(name)}.hlpb`));
    expect(asJson(back)).toStrictEqual(asJson(a));
  });

  test('the set as a whole carries every finding code, so the round trip covers each', async () => {
    const codes = new Set<string>();
    for (const file of [...recordings.map((n) => path.join(dir, n)), extra]) {
      for (const c of (await analyzeFile(file)).connections) for (const f of c.findings) codes.add(f.code);
    }
    for (const [name, opts] of quicRuns) {
      for (const c of (await analyzeFile(path.join(FIXTURES, name), opts)).connections) for (const f of c.findings) codes.add(f.code);
    }
    expect([...codes].sort()).toEqual([...FINDING_CODES].sort());
  });
});

describe('file layout', () => {
  test('magic, header, one record per connection, trailer; readable in 1-byte chunks', async () => {
    const a = await analyzeFile(path.join(FIXTURES, 'suricata-ipv6-tls13.pcap'));
    expect(a.connections.length).toBe(2);
    const s = sink();
    const w = new ProtobufWriter(s.stream, { file: 'x.pcap' }, { toolVersion: '9.9.9' });
    for (const c of a.connections) w.writeConnection(c);
    await w.end(a.capture);
    const bytes = s.bytes();
    // Walk the varint-prefixed records by hand: header, 2 connections, trailer. The byte
    // after each length prefix is the Record's oneof tag: field number << 3 | 2.
    const kinds = recordOffsets(bytes).map((o) => {
      while (bytes[o] & 0x80) o++;
      return bytes[o + 1] >> 3;
    });
    expect(kinds).toEqual([1, 2, 2, 3]);
    // The header carries the tool version and file name as plain strings.
    expect(bytes.includes(Buffer.from('9.9.9'))).toBe(true);
    expect(bytes.includes(Buffer.from('x.pcap'))).toBe(true);

    const oneByte = Readable.from((function* () {
      for (let i = 0; i < bytes.length; i++) yield bytes.subarray(i, i + 1);
    })());
    expect(asJson(await readSavedAnalysisStream(oneByte, 'mem'))).toStrictEqual(asJson(a));
  });

  test('a file cut short keeps its connections and says so', async () => {
    const a = await analyzeFile(path.join(FIXTURES, 'ndpi-pcapng-3if-anydesk-tls.pcapng'));
    const s = sink();
    const w = new ProtobufWriter(s.stream, { file: 'anydesk.pcapng' });
    for (const c of a.connections) w.writeConnection(c);
    await w.end(a.capture);
    const full = s.bytes();
    const offsets = recordOffsets(full);
    expect(offsets.length).toBe(a.connections.length + 2);
    const trailerAt = offsets[offsets.length - 1];
    const cut = path.join(dir, 'cut.hlpb');
    writeFileSync(cut, full.subarray(0, trailerAt + 3));
    const back = await readSavedAnalysis(cut);
    expect(JSON.parse(JSON.stringify(back.connections))).toStrictEqual(JSON.parse(JSON.stringify(a.connections)));
    expect(back.capture.file).toBe('anydesk.pcapng');
    expect(back.capture.frames).toBe(0);
    expect(back.capture.warnings).toEqual([
      `saved analysis ${cut} is cut short: no trailer after ${a.connections.length} connections (3 bytes of an incomplete record at byte ${trailerAt}); capture totals are unknown`,
    ]);
  });

  test('not a saved analysis: clean CaptureError', async () => {
    const pcap = path.join(FIXTURES, 'zeek-tls12-basic.pcap');
    expect(isSavedAnalysis(readFileSync(pcap))).toBe(false);
    await expect(readSavedAnalysis(pcap)).rejects.toThrow(CaptureError);
    await expect(readSavedAnalysis(pcap)).rejects.toThrow(/missing the HLPB magic/);
    const empty = path.join(dir, 'empty.hlpb');
    writeFileSync(empty, '');
    await expect(readSavedAnalysis(empty)).rejects.toThrow(/empty file/);
    const v2 = path.join(dir, 'v2.hlpb');
    writeFileSync(v2, Buffer.from('HLPB\0\0\0\x02', 'latin1'));
    await expect(readSavedAnalysis(v2)).rejects.toThrow(/format version 2/);
    // Hand-built malformed bytes: a record claiming 5 bytes that hold an invalid wire type.
    const bad = path.join(dir, 'bad.hlpb');
    writeFileSync(bad, Buffer.concat([MAGIC, Buffer.from([5, 0x0f, 0xff, 0xff, 0xff, 0xff])]));
    await expect(readSavedAnalysis(bad)).rejects.toThrow(/byte 8/);
    await expect(readSavedAnalysis(path.join(dir, 'missing.hlpb'))).rejects.toThrow(/no such file/);
  });

  test('backpressure: a slow stream makes the writer wait, and nothing is lost', async () => {
    const a = await analyzeFile(path.join(FIXTURES, 'ndpi-pcapng-3if-anydesk-tls.pcapng'));
    const parts: Buffer[] = [];
    const slow = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _enc, cb) {
        parts.push(chunk);
        setTimeout(cb, 1);
      },
    });
    const w = new ProtobufWriter(slow, { file: 'slow' });
    let waited = 0;
    // Enough records to pass the 64 KiB batch several times.
    for (let i = 0; i < 200; i++) {
      for (const c of a.connections) w.writeConnection(c);
      if (w.needsDrain) {
        waited++;
        await w.drain();
        expect(w.needsDrain).toBe(false);
      }
    }
    await w.end(a.capture);
    expect(waited).toBeGreaterThan(0);
    const back = await readSavedAnalysisStream(Readable.from([Buffer.concat(parts)]), 'mem');
    expect(back.connections.length).toBe(200 * a.connections.length);
    expect(asJson({ capture: back.capture, connections: back.connections.slice(0, a.connections.length) })).toStrictEqual(asJson(a));
  });
});

describe('the trailer', () => {
  /** The trailer record as protobufjs encodes it in one go, and ours. */
  async function both(n: number): Promise<{ whole: Uint8Array; ours: Uint8Array; ids: number[] }> {
    const a = await analyzeFile(path.join(FIXTURES, 'lo-tcp-syn-unanswered.pcap'));
    const syn = a.connections[0]!;
    const t = new DestinationTable();
    const ids: number[] = [];
    for (let i = 0; i < n; i++) {
      // Every fourth one closes after 2 s idle by the client: observed idle timeouts, a repeated message field.
      const idle = i % 4 === 0 ? { ...syn.teardown, initiator: 'client' as const, idleBeforeSec: 2 } : syn.teardown;
      t.add({ ...syn, id: 3 * i + 1, start: syn.start + i * 1e-3, end: syn.end + i * 1e-3 + 2, teardown: idle });
      ids.push(3 * i + 1);
    }
    const dests = t.result();
    const capture = captureToProto(a.capture);
    const whole = schema().Record.encodeDelimited({ trailer: { capture, destinations: dests.map(destinationToProto) } }).finish();
    return { whole, ours: encodeTrailer(capture, dests), ids };
  }
  const decoded = (b: Uint8Array): unknown => schema().Record.toObject(schema().Record.decodeDelimited(b), { longs: Number, defaults: false });

  test('lists longer than LIST_PIECE go in pieces, and decode to the same message', async () => {
    const n = 2 * LIST_PIECE + 4 * 1000 + 3; // connection ids in three pieces, idle timeouts in one
    const { whole, ours, ids } = await both(n);
    expect(Buffer.from(ours).equals(Buffer.from(whole))).toBe(false);
    const back = decoded(ours) as { trailer: { destinations: { connectionIds: number[]; observedIdleTimeouts: unknown[] }[] } };
    expect(back.trailer.destinations[0]!.connectionIds).toEqual(ids);
    expect(back.trailer.destinations[0]!.observedIdleTimeouts).toHaveLength(Math.ceil(n / 4));
    expect(back).toStrictEqual(decoded(whole));
  });

  test('from a table that spilled its rows, destination by destination: the same bytes as encoding its whole result', async () => {
    const a = await analyzeFile(path.join(FIXTURES, 'lo-tcp-syn-unanswered.pcap'));
    const syn = a.connections[0]!;
    expect(syn.server.ip).toBe('127.0.0.1');
    // Every third connection is QUIC: both id lists of the first destination longer than a piece.
    // The second of every three (TCP) goes to 10.9.9.9, seen second and sorted before 127.0.0.1
    // (by key, the totals all 0), its id list also longer than a piece; every 11th to an address
    // of its own, a scan's destinations; their order is the trailer's, not the table's.
    const n = 4 * LIST_PIECE + 10;
    const fill = (t: DestinationTable): DestinationTable => {
      for (let i = 0; i < n; i++) {
        const quic = i % 3 === 2 ? { transport: 'quic' as const, quic: { zeroRtt: false } } : {};
        const ip = i % 11 === 3 ? `10.8.${(i >> 8) & 255}.${i & 255}` : i % 3 === 1 ? '10.9.9.9' : syn.server.ip;
        t.add({ ...syn, ...quic, server: { ...syn.server, ip }, id: 5 * i, start: syn.start + (i % 1000) * 1e-3, end: syn.end + i * 1e-6 } as typeof syn);
      }
      return t;
    };
    const capture = captureToProto(a.capture);
    const whole = encodeTrailer(capture, fill(new DestinationTable()).result());
    const table = fill(new DestinationTable(undefined, { runRows: 4096 }));
    expect(table.spilledRuns).toBeGreaterThan(0);
    const streamed = Buffer.concat([...tableTrailerChunks(capture, table)]);
    expect(streamed.equals(Buffer.from(whole))).toBe(true);
    const back = decoded(streamed) as { trailer: { destinations: { key: string; connectionIds: number[]; quicConnectionIds: number[] }[] } };
    const ds = back.trailer.destinations;
    expect(ds.length).toBeGreaterThan(1000);
    // Every total setup is 0 (SYNs only): by key, whatever order they were first seen in.
    expect(ds.map((d) => d.key)).toEqual(ds.map((d) => d.key).sort());
    expect(ds[ds.length - 1]!.key).toBe(`127.0.0.1:${syn.server.port}`);
    const local = ds.find((d) => d.key.startsWith('127.0.0.1:'))!;
    expect(local.connectionIds.length).toBeGreaterThan(LIST_PIECE);
    expect(local.quicConnectionIds.length).toBeGreaterThan(LIST_PIECE);
    expect(local.connectionIds.slice(0, 2)).toEqual([0, 30]);
    const other = ds.find((d) => d.key.startsWith('10.9.9.9:'))!;
    expect(other.connectionIds.length).toBeGreaterThan(LIST_PIECE);
    expect(other.connectionIds.slice(0, 2)).toEqual([5, 20]);
  });

  test('ProtobufWriter streams a long id list into the file it writes, and reads back the same', async () => {
    const a = await analyzeFile(path.join(FIXTURES, 'lo-tcp-syn-unanswered.pcap'));
    const syn = a.connections[0]!;
    const n = LIST_PIECE + 500;
    const { stream, bytes } = sink();
    const w = new ProtobufWriter(stream, { file: 'mem' });
    const t = new DestinationTable();
    for (let i = 0; i < n; i++) {
      const c = { ...syn, id: i, start: syn.start + i * 1e-4, end: syn.end + i * 1e-4 };
      w.writeConnection(c);
      t.add(c);
    }
    await w.end(a.capture);
    const out = bytes();
    const offsets = recordOffsets(out);
    const last = schema().Record.toObject(schema().Record.decodeDelimited(out.subarray(offsets[offsets.length - 1]!)), { longs: Number, defaults: false }) as {
      trailer: { destinations: { connectionIds: number[] }[] };
    };
    expect(last.trailer.destinations[0]!.connectionIds).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(last).toStrictEqual(decoded(encodeTrailer(captureToProto(a.capture), t.result())));
  });

  test('without a list that long, the bytes of encoding the record whole', async () => {
    const { whole, ours } = await both(LIST_PIECE);
    expect(Buffer.from(ours).equals(Buffer.from(whole))).toBe(true);
  });
});

/** Byte offsets of the varint-prefixed records after the magic, walked by hand. */
function recordOffsets(bytes: Buffer): number[] {
  const out: number[] = [];
  let pos = MAGIC.length;
  while (pos < bytes.length) {
    out.push(pos);
    let len = 0;
    let shift = 0;
    let b: number;
    do {
      b = bytes[pos++];
      len += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    pos += len;
  }
  expect(pos).toBe(bytes.length);
  return out;
}
