/**
 * Inputs that are not captures, or captures damaged in a known place (real
 * fixtures truncated or patched in a temp dir). Expected frames come from the
 * golden files; frame numbers and byte offsets in messages from the golden
 * cap_len column / the pcapng block layout.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Readable } from 'node:stream';
import { constants as zlibConstants, createGunzip, gunzipSync, gzipSync } from 'node:zlib';
import { CaptureError, readCapture, readCaptureStream } from '../../src/capture/index.js';
import { asGolden, collector, fixturePath, goldenFrames, pcapngBlocks, pcapRecordOffsets } from './helpers.js';

const dir = mkdtempSync(path.join(tmpdir(), 'hl-capture-bad-'));
const write = (name: string, data: Buffer | string): string => {
  const p = path.join(dir, name);
  writeFileSync(p, data);
  return p;
};

async function captureError(p: string): Promise<CaptureError> {
  const err = await readCapture(p, () => {
    throw new Error('no frame expected');
  }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CaptureError);
  const ce = err as CaptureError;
  expect(ce.exitCode).toBe(2);
  expect(ce.message).not.toContain('\n');
  return ce;
}

/** Bytes zlib inflates from these gzip pieces, written one by one, before it reports an error. */
function inflateUntilError(parts: Buffer[]): Promise<number> {
  return new Promise((done) => {
    const z = createGunzip({ chunkSize: 256 * 1024 });
    let n = 0;
    z.on('data', (b: Buffer) => (n += b.length));
    z.on('error', () => done(n));
    z.on('end', () => done(n));
    for (const part of parts) z.write(part);
    z.end();
  });
}

describe('not a capture: CaptureError with a one-line message', () => {
  test('text file', async () => {
    const p = write('notes.txt', '# hand-written notes, not a capture\n');
    expect((await captureError(p)).message).toBe(`${p} is not a pcap or pcapng file (starts with 23 20 68 61)`);
  });

  test('empty file', async () => {
    const p = write('empty.pcap', '');
    expect((await captureError(p)).message).toBe(`${p} is empty`);
  });

  test('random blob', async () => {
    let blob: Buffer;
    do blob = Buffer.from(Array.from({ length: 5000 }, () => Math.floor(Math.random() * 256)));
    while ([0x1f, 0xa1, 0xd4, 0x4d, 0x0a].includes(blob[0]!));
    const p = write('blob.pcap', blob);
    const hex = [...blob.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    expect((await captureError(p)).message).toBe(`${p} is not a pcap or pcapng file (starts with ${hex})`);
  });

  test('missing file', async () => {
    const p = path.join(dir, 'does-not-exist.pcap');
    expect((await captureError(p)).message).toBe(`cannot open ${p}: no such file`);
  });

  test('a directory', async () => {
    const d = path.join(dir, 'adir.pcap');
    mkdirSync(d);
    expect((await captureError(d)).message).toBe(`cannot open ${d}: it is a directory`);
  });

  // As root every file is readable: then the same capture stage (the built dist/, as the CLI runs it)
  // reads the file in a process of its own run as nobody, so the check is real in CI too. That needs
  // the checkout to be readable by nobody (a clone under a 0700 home is not): only then is it skipped.
  const asRoot = process.getuid?.() === 0;
  const distCapture = path.resolve(fixturePath('zeek-tls12-basic.pcap'), '../../dist/capture/index.js');
  const nobodyCanRead =
    !asRoot || spawnSync(process.execPath, ['-e', `require("fs").accessSync(${JSON.stringify(distCapture)}, 4)`], { uid: 65534, gid: 65534 }).status === 0;
  (nobodyCanRead ? test : test.skip)('unreadable file (permission)', async () => {
    const p = write('secret.pcap', readFileSync(fixturePath('zeek-tls12-basic.pcap')));
    chmodSync(path.dirname(p), 0o755);
    chmodSync(p, 0o000);
    if (!asRoot) {
      expect((await captureError(p)).message).toBe(`cannot open ${p}: permission denied`);
      return;
    }
    const script =
      `import { readCapture } from ${JSON.stringify(pathToFileURL(distCapture).href)};` +
      `readCapture(${JSON.stringify(p)}, () => {}).then(() => console.log('read'), (e) => console.log(e.message));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { uid: 65534, gid: 65534, encoding: 'utf8' });
    expect(r.stdout.trim()).toBe(`cannot open ${p}: permission denied`);
  });

  test('gzip of a text file', async () => {
    const p = write('notes.txt.gz', gzipSync('# not a capture either\n'));
    expect((await captureError(p)).message).toBe(`${p} is not a pcap or pcapng file inside its gzip compression (starts with 23 20 6e 6f)`);
  });

  test('pcap with a cut global header', async () => {
    const p = write('short.pcap', readFileSync(fixturePath('zeek-tls12-basic.pcap')).subarray(0, 20));
    expect((await captureError(p)).message).toBe(`${p}: pcap file header is cut short (20 of 24 bytes)`);
  });
});

describe('classic pcap cut mid-record', () => {
  const name = 'zeek-tls12-basic.pcap';
  const full = readFileSync(fixturePath(name));
  const golden = goldenFrames(name);
  const offs = pcapRecordOffsets(name);
  /** Records of the file that end within its first `bytes` bytes. */
  const completeRecords = (bytes: number): number => offs.slice(1).filter((end) => end <= bytes).length;

  test.each([
    ['in the body of frame 10', 9, 16 + 5],
    ['in the header of frame 10', 9, 7],
    ['in the body of the last frame', golden.length - 1, 20],
  ])('%s: frames before the cut delivered, warning names the last complete frame and the offset', async (_label, complete, into) => {
    const at = offs[complete]!;
    const p = write(`cut-${complete}-${into}.pcap`, full.subarray(0, at + into));
    const { seen, sink } = collector();
    const r = await readCapture(p, sink);
    expect(asGolden(seen)).toEqual(golden.slice(0, complete));
    expect(r.error).toBeUndefined();
    expect(r.warnings).toHaveLength(1);
    const w = r.warnings[0]!;
    expect(w).toContain(`frame ${complete + 1}`);
    expect(w).toContain(`byte offset ${at}`);
    expect(w).toContain(`the last complete frame is ${complete}`);
  });

  test('a cut exactly between records is a complete file', async () => {
    const p = write('cut-clean.pcap', full.subarray(0, offs[5]));
    const { seen, sink } = collector();
    const r = await readCapture(p, sink);
    expect(asGolden(seen)).toEqual(golden.slice(0, 5));
    expect(r.warnings).toEqual([]);
    expect(r.error).toBeUndefined();
  });

  test('gzip stream cut short: frames before kept, warning, no error', async () => {
    const gz = gzipSync(full);
    const p = write('cut.pcap.gz', gz.subarray(0, Math.floor(gz.length * 0.6)));
    // How many frames the cut leaves, from the bytes: inflate what the cut stream still holds
    // (zlib flushes everything decodable) and count the records that end inside it.
    const held = gunzipSync(gz.subarray(0, Math.floor(gz.length * 0.6)), { finishFlush: zlibConstants.Z_SYNC_FLUSH });
    const complete = completeRecords(held.length);
    expect(complete).toBeGreaterThan(0);
    expect(complete).toBeLessThan(golden.length);
    const { seen, sink } = collector();
    const r = await readCapture(p, sink);
    expect(asGolden(seen)).toEqual(golden.slice(0, complete));
    expect(r.error).toBeUndefined();
    expect(r.warnings.join('\n')).toContain(`gzip stream is cut short after frame ${complete}`);
  });

  test('corrupt gzip data after some frames: frames before kept, clean error', async () => {
    const gz = Buffer.from(gzipSync(full));
    // Damage the deflate stream well after the header (not its end: that would be a CRC error).
    gz.fill(0xff, Math.floor(gz.length * 0.5), Math.floor(gz.length * 0.5) + 64);
    // Fed in small pieces, as a slow pipe would, so frames before the damage come out.
    const parts: Buffer[] = [];
    for (let o = 0; o < gz.length; o += 256) parts.push(gz.subarray(o, o + 256));
    // How many frames come out before the damage, from the bytes: zlib itself, fed the same pieces,
    // inflates this much before it rejects the data; the frames are the records that end inside it.
    const inflated = await inflateUntilError(parts);
    const complete = completeRecords(inflated);
    expect(complete).toBeGreaterThan(0);
    expect(complete).toBeLessThan(golden.length);
    const { seen, sink } = collector();
    const r = await readCaptureStream(Readable.from(parts), sink, { name: 'corrupt.pcap.gz' });
    expect(asGolden(seen)).toEqual(golden.slice(0, complete));
    expect(r.error).toMatch(new RegExp(`corrupt gzip data .* after frame ${complete}$`));
  });
});

describe('classic pcap record header with a huge length', () => {
  const name = 'zeek-tls12-basic.pcap';
  const golden = goldenFrames(name);
  const offs = pcapRecordOffsets(name);

  test.each([0xc0000000, 262_145])('captured length %i in frame 5: 4 frames, error names frame 5 and its offset', async (len) => {
    const buf = Buffer.from(readFileSync(fixturePath(name)));
    buf.writeUInt32LE(len, offs[4]! + 8);
    const p = write(`huge-${len}.pcap`, buf);
    const before = process.memoryUsage().arrayBuffers;
    const { seen, sink } = collector();
    const r = await readCapture(p, sink);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
    expect(asGolden(seen)).toEqual(golden.slice(0, 4));
    expect(r.error).toBe(`frame 5 at byte offset ${offs[4]}: corrupt record header, captured length ${len} exceeds the maximum of 262144`);
    expect(r.warnings).toEqual([]);
  });

  test('reading stops at the corrupt record: the rest of the stream is not consumed', async () => {
    const buf = Buffer.from(readFileSync(fixturePath(name)));
    buf.writeUInt32LE(0xc0000000, offs[4]! + 8);
    let pulled = 0;
    function* source(): Generator<Buffer> {
      yield buf;
      // 1000 more MiB would follow; only a few may be pulled before the reader stops.
      for (let i = 0; i < 1000; i++) {
        pulled++;
        yield Buffer.alloc(1024 * 1024);
      }
    }
    const stream = Readable.from(source());
    const r = await readCaptureStream(stream, () => {}, { name });
    expect(r.frames).toBe(4);
    expect(r.error).toContain('frame 5');
    expect(pulled).toBeLessThan(5);
    expect(stream.destroyed).toBe(true);
  });
});

describe('pcapng with a bad block', () => {
  const name = 'ndpi-pcapng-nsres-tls12.pcapng';
  const full = readFileSync(fixturePath(name));
  const golden = goldenFrames(name);
  const blocks = pcapngBlocks(full);
  const epbs = blocks.filter((b) => b.type === 6);
  const third = epbs[2]!; // frame 3

  test.each([
    ['not a multiple of 4', third.length + 2, 'is not a multiple of 4'],
    ['less than 12', 8, 'is less than 12'],
    ['huge', 0xfffffff0, `exceeds the maximum of ${16 * 1024 * 1024}`],
  ])('block length %s: frames 1-2 delivered, error names frame 3 and the offset', async (_l, len, why) => {
    const buf = Buffer.from(full);
    buf.writeUInt32LE(len, third.offset + 4);
    const p = write(`bad-len-${len}.pcapng`, buf);
    const { seen, sink } = collector();
    const r = await readCapture(p, sink);
    expect(asGolden(seen)).toEqual(golden.slice(0, 2));
    expect(r.error).toBe(`frame 3: corrupt pcapng block at byte offset ${third.offset}: block length ${len} ${why} (the last good frame is 2)`);
  });

  test('trailing length differs from the leading one', async () => {
    const buf = Buffer.from(full);
    buf.writeUInt32LE(third.length + 4, third.offset + third.length - 4);
    const { seen, sink } = collector();
    const r = await readCapture(write('bad-trailer.pcapng', buf), sink);
    expect(seen).toHaveLength(2);
    expect(r.error).toBe(
      `frame 3: corrupt pcapng block at byte offset ${third.offset}: block length ${third.length} does not match the trailing length ${third.length + 4} (the last good frame is 2)`,
    );
  });

  test('captured length larger than its block', async () => {
    const buf = Buffer.from(full);
    buf.writeUInt32LE(third.length, third.offset + 20);
    const { seen, sink } = collector();
    const r = await readCapture(write('bad-caplen.pcapng', buf), sink);
    expect(seen).toHaveLength(2);
    expect(r.error).toContain(`frame 3: corrupt pcapng block at byte offset ${third.offset}: captured length ${third.length}`);
  });

  test('packet for an interface the section does not have', async () => {
    const buf = Buffer.from(full);
    buf.writeUInt32LE(7, third.offset + 8);
    const { seen, sink } = collector();
    const r = await readCapture(write('bad-ifid.pcapng', buf), sink);
    expect(seen).toHaveLength(2);
    expect(r.error).toContain('packet for interface 7, but section 0 has 1 interface(s)');
  });

  test('cut in the middle of a packet block: warning, frames before kept', async () => {
    const last = epbs[epbs.length - 1]!;
    const p = write('cut.pcapng', full.subarray(0, last.offset + 40));
    const { seen, sink } = collector();
    const r = await readCapture(p, sink);
    expect(asGolden(seen)).toEqual(golden.slice(0, golden.length - 1));
    expect(r.error).toBeUndefined();
    expect(r.warnings).toEqual([
      `${p} is cut short in the middle of a block (byte offset ${last.offset}: 40 of ${last.length} bytes); the last complete frame is ${golden.length - 1}`,
    ]);
  });

  test('bad byte-order magic in the first section header: not a valid pcapng file', async () => {
    const buf = Buffer.from(full);
    buf.writeUInt32LE(0x12345678, 8);
    const p = write('bad-bom.pcapng', buf);
    expect((await captureError(p)).message).toBe(`${p} is not a valid pcapng file: section header block with a bad byte-order magic 78563412`);
  });
});

test('stdin-like input: a Readable of a real fixture', async () => {
  const name = 'suricata-ipv6-tls13.pcap';
  const { seen, sink } = collector();
  const r = await readCaptureStream(Readable.from([readFileSync(fixturePath(name))]), sink, { name: 'stdin' });
  expect(asGolden(seen)).toEqual(goldenFrames(name));
  expect(r.error).toBeUndefined();
});

test('an empty stream is "stdin is empty"', async () => {
  await expect(readCaptureStream(Readable.from([]), () => {}, { name: 'stdin' })).rejects.toThrow(new CaptureError('stdin is empty'));
});
