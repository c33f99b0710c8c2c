/**
 * Every fixture read end to end, compared with tshark/capinfos golden files:
 * frame count, earliest/latest time (capinfos), and per frame
 * frame.number / frame.time_epoch / frame.len / frame.cap_len (tshark).
 * The same frames read in small pieces: golden-pieces.test.ts (a suite of its own,
 * so that the two long halves run side by side).
 */
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { readCapture, readCaptureStream } from '../../src/capture/index.js';
import type { CaptureMeta, ReadProgress } from '../../src/capture/index.js';
import { asGolden, capinfos, chunked, collector, epochNs, fixtureNames, fixturePath, goldenFrames, pcapRecordOffsets } from './helpers.js';

const names = fixtureNames();
const CORRUPT = 'suricata-tls12-corrupt-last-record.pcap';


test('there are golden files for the fixtures', () => {
  expect(names.length).toBeGreaterThanOrEqual(20);
  expect(names).toContain('pcapplusplus-http-bigendian-nanosec.pcap');
  expect(names).toContain('ndpi-pcapng-3if-anydesk-tls.pcapng');
});

describe.each(names)('%s', (name) => {
  const file = fixturePath(name);
  const golden = goldenFrames(name);
  const info = capinfos(name);

  test('frames, lengths and timestamps equal tshark and capinfos', async () => {
    const { seen, sink } = collector();
    const r = await readCapture(file, sink);
    expect(asGolden(seen)).toEqual(golden);
    expect(r.frames).toBe(info.frames);
    expect(seen.length).toBe(info.frames);
    for (const s of seen) expect(s.dataLength).toBe(s.capLen);
    const times = seen.map((s) => epochNs(s.epoch));
    const min = times.reduce((a, b) => (b < a ? b : a));
    const max = times.reduce((a, b) => (b > a ? b : a));
    expect(min).toBe(epochNs(info.first));
    expect(max).toBe(epochNs(info.last));
    expect(r.warnings).toEqual([]);
    if (name === CORRUPT) {
      // tshark: 6 packets, then "File has 4325376-byte packet, bigger than maximum of 262144".
      const at = pcapRecordOffsets(name)[info.frames];
      expect(r.error).toBe(
        `frame ${info.frames + 1} at byte offset ${at}: corrupt record header, captured length 4325376 exceeds the maximum of 262144`,
      );
    } else {
      expect(r.error).toBeUndefined();
      // bytes counts the capture itself: decompressed for a .gz fixture, and for a .lz4 one
      // (made by the lz4 program from the fixture of the same name without .lz4)
      const size = name.endsWith('.gz')
        ? gunzipSync(readFileSync(file)).length
        : statSync(name.endsWith('.lz4') ? fixturePath(name.slice(0, -'.lz4'.length)) : file).size;
      expect(r.bytes).toBe(size);
    }
  });

  // gzip around lz4 is not read (one compression only): no such test for an .lz4 fixture.
  if (!name.endsWith('.lz4')) test('gzip-compressed on the fly: same frames, progress counts compressed bytes', async () => {
    // A .gz fixture is already compressed: use its own bytes rather than compressing twice.
    const gz = name.endsWith('.gz') ? readFileSync(file) : gzipSync(readFileSync(file));
    const { seen, sink } = collector();
    const progress: ReadProgress[] = [];
    const r = await readCaptureStream(chunked(gz, 1000), sink, {
      name: `${name}.gz`,
      totalBytes: gz.length,
      onProgress: (p) => progress.push(p),
    });
    expect(asGolden(seen)).toEqual(golden);
    expect(r.meta.compression).toBe('gzip');
    expect(r.error === undefined).toBe(name !== CORRUPT);
    expect(progress.length).toBeGreaterThan(0);
    for (let i = 1; i < progress.length; i++) expect(progress[i]!.bytesRead).toBeGreaterThanOrEqual(progress[i - 1]!.bytesRead);
    expect(progress.every((p) => p.totalBytes === gz.length && p.bytesRead <= gz.length)).toBe(true);
    if (name !== CORRUPT) expect(progress[progress.length - 1]!.bytesRead).toBe(gz.length);
  });
});

test('format is found by magic bytes, not by file name (gzip file named .txt)', async () => {
  const name = 'ndpi-pcapng-nsres-tls12.pcapng';
  const dir = mkdtempSync(path.join(tmpdir(), 'hl-capture-'));
  const p = path.join(dir, 'notes.txt');
  writeFileSync(p, gzipSync(readFileSync(fixturePath(name))));
  const { seen, sink } = collector();
  const r = await readCapture(p, sink);
  expect(asGolden(seen)).toEqual(goldenFrames(name));
  expect(r.meta).toMatchObject({ format: 'pcapng', compression: 'gzip' });
});

test('progress: bytesRead grows to the file size, totalBytes is its size, frames at the end', async () => {
  const name = 'zeek-http-pipelined-keepalive.pcap';
  const size = statSync(fixturePath(name)).size;
  const progress: ReadProgress[] = [];
  const r = await readCapture(fixturePath(name), () => {}, { chunkSize: 4096, onProgress: (p) => progress.push({ ...p }) });
  expect(progress.length).toBe(Math.ceil(size / 4096));
  expect(progress.map((p) => p.bytesRead)).toEqual(progress.map((_, i) => Math.min(size, (i + 1) * 4096)));
  expect(progress.every((p) => p.totalBytes === size)).toBe(true);
  expect(progress[progress.length - 1]!.frames).toBe(r.frames);
  expect(r.frames).toBe(capinfos(name).frames);
});

test('pace: before each chunk, a promise it returns holds the reading until it settles (the backpressure of the output)', async () => {
  const name = 'zeek-http-pipelined-keepalive.pcap';
  const size = statSync(fixturePath(name)).size;
  const progress: number[] = [];
  let asked = 0;
  let release: () => void = () => {};
  let held = -1;
  const reading = readCapture(fixturePath(name), () => {}, {
    chunkSize: 4096,
    onProgress: (p) => progress.push(p.bytesRead),
    pace: () => {
      asked++;
      // The third chunk waits until released.
      if (asked !== 2) return undefined;
      return new Promise<void>((resolve) => {
        held = progress.length;
        release = resolve;
      });
    },
  });
  // Wait for the reading to reach the held chunk (its reads run on the thread pool: under load
  // that takes any number of event-loop turns), then check that nothing more is read while the
  // promise is pending, however long the event loop turns.
  const until = Date.now() + 20_000;
  while (held === -1 && Date.now() < until) await new Promise((r) => setImmediate(r));
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  expect(held).toBe(2);
  expect(progress).toHaveLength(2);
  release();
  const r = await reading;
  expect(progress).toHaveLength(Math.ceil(size / 4096));
  // Asked before every read after the first chunk (which tells the format), the last one finding the end.
  expect(asked).toBe(Math.ceil(size / 4096));
  expect(r.frames).toBe(capinfos(name).frames);
});

test('onMeta is called once, before the first frame', async () => {
  const events: string[] = [];
  let meta: CaptureMeta | undefined;
  await readCapture(fixturePath('ndpi-pcapng-3if-anydesk-tls.pcapng'), (f) => events.push(`frame ${f.number}`), {
    onMeta: (m) => {
      events.push('meta');
      meta = m;
    },
  });
  expect(events[0]).toBe('meta');
  expect(events.filter((e) => e === 'meta')).toHaveLength(1);
  expect(meta?.interfaces.map((i) => i.resolution)).toEqual(['µs', 'µs', 'ns']);
});

test('classic pcap meta: big-endian nanosecond file', async () => {
  const r = await readCapture(fixturePath('pcapplusplus-http-bigendian-nanosec.pcap'), () => {});
  expect(r.meta).toMatchObject({ format: 'pcap', version: '2.4', byteOrder: 'BE', compression: null, sections: 1 });
  expect(r.meta.interfaces).toEqual([
    { linkType: 1, snapLen: expect.any(Number), unitsPerSecond: 1e9, resolution: 'ns', tsOffset: 0, section: 0 },
  ]);
});

test('classic pcap link types come from the header (SLL2 = 276, raw IP = 101, NULL = 0)', async () => {
  const linkTypes = async (n: string): Promise<number[]> => {
    const { seen, sink } = collector();
    await readCapture(fixturePath(n), sink);
    return [...new Set(seen.map((s) => s.linkType))];
  };
  expect(await linkTypes('zeek-sll2-openjdk-tls13.pcap')).toEqual([276]);
  expect(await linkTypes('zeek-rawip-tls12.pcap')).toEqual([101]);
  expect(await linkTypes('arkime-null-loopback-ssl3-4443.pcap')).toEqual([0]);
});

test('pcapng Decryption Secrets Block is kept as a TLS key log', async () => {
  const r = await readCapture(fixturePath('ndpi-pcapng-dsb-sll-quic-notcp.pcapng'), () => {});
  expect(r.meta.decryptionSecrets).toHaveLength(1);
  const dsb = r.meta.decryptionSecrets[0]!;
  expect(dsb.type).toBe(0x544c534b);
  const lines = dsb.data.toString('utf8').split('\n').filter((l) => l !== '');
  expect(lines.length).toBeGreaterThan(0);
  for (const l of lines) expect(l).toMatch(/^[A-Z_0-9]+ [0-9a-f]{64} [0-9a-f]+$/);
  expect(r.meta.interfaces).toMatchObject([{ linkType: 113, resolution: 'ns', name: 'any' }]);
});

/**
 * A file is read into two buffers used in turn (one read in flight while the
 * other chunk is parsed). With tiny chunks, records cut at chunk ends are the
 * rule: their bytes must be carried over as copies, or the next read into the
 * same buffer would overwrite them. Frame bytes must equal the file's records.
 */
test.each(names.filter((n) => !n.endsWith('.gz')))('%s: reused read buffers, 61-byte chunks: frame bytes are the records', async (name) => {
  const file = readFileSync(fixturePath(name));
  const whole: Buffer[] = [];
  await readCaptureStream(Readable.from([file]), (f) => whole.push(Buffer.from(f.data)), { name });
  const small: Buffer[] = [];
  const r = await readCapture(fixturePath(name), (f) => small.push(Buffer.from(f.data)), { chunkSize: 61 });
  expect(r.frames).toBe(goldenFrames(name).length);
  expect(small.length).toBe(whole.length);
  for (let i = 0; i < whole.length; i++) if (!small[i]!.equals(whole[i]!)) throw new Error(`frame ${i + 1} differs`);
  if ([0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1].includes(file.readUInt32BE(0))) {
    // Classic pcap: also against the record bytes, walking the file's record headers.
    const le = file.readUInt32LE(0) === 0xa1b2c3d4 || file.readUInt32LE(0) === 0xa1b23c4d;
    let o = 24;
    for (let i = 0; i < small.length; i++) {
      const capLen = le ? file.readUInt32LE(o + 8) : file.readUInt32BE(o + 8);
      if (!small[i]!.equals(file.subarray(o + 16, o + 16 + capLen))) throw new Error(`frame ${i + 1} is not the record at ${o}`);
      o += 16 + capLen;
    }
  }
});
