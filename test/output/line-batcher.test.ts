/**
 * LineBatcher encodes NDJSON lines into byte pieces of bounded size: the bytes
 * written must be exactly the UTF-8 of the lines in order, whatever the
 * characters (multi-byte, surrogate pairs) and wherever a piece ends, and a
 * stream that keeps the chunks it is given must keep valid ones.
 */
import { Writable } from 'node:stream';
import { LineBatcher } from '../../src/output/json.js';

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
