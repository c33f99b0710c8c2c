/**
 * LineBatcher encodes NDJSON lines into byte pieces of bounded size: the bytes
 * written must be exactly the UTF-8 of the lines in order, whatever the
 * characters (multi-byte, surrogate pairs) and wherever a piece ends, and a
 * stream that keeps the chunks it is given must keep valid ones.
 */
import { Writable } from 'node:stream';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { LineBatcher, directWriteFd } from '../../src/output/json.js';

/** A stream that keeps every chunk it is given, as given (no copy). */
function keeper(): { out: Writable; chunks: Buffer[] } {
  const chunks: Buffer[] = [];
  const out = new Writable({
    decodeStrings: false,
    write(chunk: Buffer | string, _enc, cb) {
      chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
      cb();
    },
  });
  return { out, chunks };
}

const samples = ['{"sni":"hl.test"}', '{"sni":"bücher.example"}', '{"sni":"日本語.jp"}', '{"detail":"😀 emoji"}', '{"a":1}'];

test.each([64, 100, 257, 1 << 20])('the bytes are the lines in order, in pieces of at most %i bytes (a longer line whole)', async (limit) => {
  const { out, chunks } = keeper();
  const b = new LineBatcher(out, limit);
  const lines: string[] = [];
  for (let i = 0; i < 500; i++) {
    let line = samples[i % samples.length]!.replace('}', `,"i":${i}}`);
    if (i % 97 === 0) line = line.replace('}', `,"pad":"${'é'.repeat(limit)}"}`); // longer than a piece
    lines.push(line + '\n');
    b.push(line + '\n');
    if (i % 50 === 0) b.flushSync();
  }
  await b.flush();
  const expected = Buffer.from(lines.join(''), 'utf8');
  const got = Buffer.concat(chunks);
  expect(got.length).toBe(expected.length);
  expect(got.equals(expected)).toBe(true);
  // A piece holds at most `limit` bytes; only a line that might not fit one (3 bytes per
  // UTF-16 unit) is written on its own, whole.
  const alone = new Set(lines.filter((l) => l.length * 3 > limit));
  for (const c of chunks) if (c.length > limit) expect(alone.has(c.toString('utf8'))).toBe(true);
  expect(chunks.some((c) => c.length > limit)).toBe(true);
});

test('nothing is written before a piece fills or a flush, and an empty flush writes nothing', async () => {
  const { out, chunks } = keeper();
  const b = new LineBatcher(out, 1024);
  b.push('{"a":1}\n');
  expect(chunks).toHaveLength(0);
  b.flushSync();
  expect(chunks.map((c) => c.toString('utf8'))).toEqual(['{"a":1}\n']);
  await b.flush();
  b.flushSync();
  expect(chunks).toHaveLength(1);
});

test('reuse: a piece is filled again only after the stream has called back for it, and the buffers in use stay few', async () => {
  // A stream like a pipe: it calls back later (after a turn of the event loop), checking
  // then that the bytes it was given are still the bytes it was given.
  const got: Buffer[] = [];
  const buffers = new Set<ArrayBufferLike>();
  let changed = 0;
  const out = new Writable({
    highWaterMark: 1 << 30,
    write(chunk: Buffer, _enc, cb) {
      const copy = Buffer.from(chunk);
      buffers.add(chunk.buffer);
      // Three turns later: meanwhile the batcher fills more pieces.
      setImmediate(() => setImmediate(() => setImmediate(() => {
        if (!chunk.equals(copy)) changed++;
        got.push(copy);
        cb();
      })));
    },
  });
  const limit = 4096;
  const b = new LineBatcher(out, limit, { reuse: true });
  const lines: string[] = [];
  for (let i = 0; i < 20_000; i++) {
    const line = `{"i":${i},"sni":"${samples[i % samples.length]}"}\n`;
    lines.push(line);
    b.push(line);
    // Let the stream call back now and then, as the reading does between chunks.
    if (i % 50 === 0) await new Promise((r) => setImmediate(r));
  }
  await b.flush();
  await new Promise((r) => out.end(r));
  expect(changed).toBe(0);
  expect(Buffer.concat(got).equals(Buffer.from(lines.join(''), 'utf8'))).toBe(true);
  // ~800 KB in pieces of 4 KiB (~200 of them): each buffer filled again once written.
  expect(got.length).toBeGreaterThan(150);
  expect(buffers.size).toBeLessThan(got.length / 2); // a new buffer for each: all ~200
});

test('reuse into a regular file: written with writeSync from one buffer, the bytes the lines in order (a longer line whole)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hl-lines-'));
  const file = path.join(dir, 'out.ndjson');
  const fd = fs.openSync(file, 'w');
  try {
    // The stream itself is not used for a file: its write would throw.
    const out = { fd, write: () => { throw new Error('written through the stream'); } } as unknown as NodeJS.WritableStream;
    const b = new LineBatcher(out, 4096, { reuse: true });
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const line = (i % 700 === 0 ? `{"pad":"${'é'.repeat(3000)}"}` : samples[i % samples.length]!.replace('}', `,"i":${i}}`)) + '\n';
      lines.push(line);
      b.push(line);
    }
    await b.flush();
    expect(fs.readFileSync(file).equals(Buffer.from(lines.join(''), 'utf8'))).toBe(true);
  } finally {
    fs.closeSync(fd);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('without reuse, every piece is a buffer of its own (a stream may keep what it is given)', async () => {
  const { out, chunks } = keeper();
  const b = new LineBatcher(out, 8192); // buffers of their own (Node's pool serves those under 4 KiB)
  for (let i = 0; i < 20_000; i++) b.push(`{"i":${i}}\n`);
  await b.flush();
  expect(new Set(chunks.map((c) => c.buffer)).size).toBe(chunks.length);
});

describe('the JSON document writes straight to a file or a device, through the stream otherwise', () => {
  // Straight to the descriptor (one reused piece) where Node's stream would write synchronously
  // and free each new piece late: a regular file, /dev/null. A pipe or an in-process stream keeps its stream.
  test.each([
    ['a regular file', () => {
      const p = path.join(os.tmpdir(), `hl-fd-${process.pid}`);
      const fd = fs.openSync(p, 'w');
      fs.unlinkSync(p);
      return fd;
    }, true],
    ['/dev/null', () => fs.openSync('/dev/null', 'w'), true],
    ['a pipe', () => pipeWriteEnd(), false],
  ])('%s', (_name, open, direct) => {
    const fd = open();
    try {
      expect(directWriteFd({ fd } as unknown as NodeJS.WritableStream)).toBe(direct ? fd : undefined);
    } finally {
      fs.closeSync(fd);
    }
  });
  test('a stream without a descriptor', () => {
    expect(directWriteFd(keeper().out)).toBeUndefined();
  });
});

/** The write end of a pipe (a FIFO made in a temporary directory, opened read-write so the open does not wait). */
function pipeWriteEnd(): number {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hl-fifo-'));
  const p = path.join(dir, 'fifo');
  execFileSync('mkfifo', [p]);
  const fd = fs.openSync(p, 'r+');
  fs.rmSync(dir, { recursive: true });
  return fd;
}
