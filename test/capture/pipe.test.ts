/**
 * pipeChunks (src/capture/pipe.ts) over a scripted reader: what a pipe's reads
 * can do — return a few bytes, wait, end, fail, or fail with EAGAIN on a
 * non-blocking descriptor — and what the parser must get: every byte once, in
 * order, in chunks no larger than asked, as soon as there are any.
 * Real pipes are in stdin.test.ts and test/live/.
 */
import { pipeChunks, pipeReadsInFlight, type PipeSource, type ReadAt } from '../../src/capture/pipe.js';

/** A read the test settles by hand: with bytes (copied where the reader asked), the end, or an error. */
interface Pending {
  buf: Buffer;
  offset: number;
  length: number;
  give(bytes: Buffer): void;
  end(): void;
  fail(e: unknown): void;
}

function scripted(): PipeSource & { reads: Pending[]; unblocked: number; next(): Promise<Pending> } {
  const reads: Pending[] = [];
  let waiter: ((p: Pending) => void) | undefined;
  let taken = 0;
  const read: ReadAt = (buf, offset, length) =>
    new Promise<number>((resolve, reject) => {
      const p: Pending = {
        buf,
        offset,
        length,
        give(bytes) {
          if (bytes.length > length) throw new Error('more than asked');
          bytes.copy(buf, offset);
          resolve(bytes.length);
        },
        end: () => resolve(0),
        fail: reject,
      };
      reads.push(p);
      const w = waiter;
      waiter = undefined;
      w?.(p);
    });
  const me = {
    read,
    reads,
    unblocked: 0,
    /** As the real one: a byte written into the pipe ends the blocked read. */
    unblock() {
      me.unblocked++;
      reads[reads.length - 1]!.give(Buffer.of(0));
    },
    /** The next read the generator starts (already started or not yet). */
    next: () => (taken < reads.length ? Promise.resolve(reads[taken++]!) : new Promise<Pending>((r) => (waiter = (p) => (taken++, r(p))))),
  };
  return me;
}

/** pipeChunks over a plain reader (no unblock needed: the test settles every read). */
const source = (read: ReadAt): PipeSource => ({ read, unblock: () => {} });

const bytes = (from: number, n: number): Buffer => Buffer.from(Array.from({ length: n }, (_v, i) => (from + i) & 0xff));
const noFallback = (): AsyncIterator<Buffer> => {
  throw new Error('no fallback expected');
};
const eagain = (): Error => Object.assign(new Error('EAGAIN: resource temporarily unavailable, read'), { code: 'EAGAIN' });

test('reads fill the buffer not handed out; a chunk carries every read made while the parser worked', async () => {
  const base = pipeReadsInFlight();
  const s = scripted();
  const it = pipeChunks(s, 16, noFallback).chunks;
  const first = it.next();
  (await s.next()).give(bytes(0, 5));
  const c1 = (await first).value as Buffer;
  expect([...c1]).toEqual([...bytes(0, 5)]);
  // The read after it had started into the same buffer, behind the 5 bytes, before the parser
  // took them: its bytes belong to the next chunk, in the other buffer.
  const r2 = await s.next();
  expect(r2.offset).toBe(5);
  r2.give(bytes(5, 4));
  expect([...c1]).toEqual([...bytes(0, 5)]); // the chunk held by the parser is untouched
  const r3 = await s.next();
  expect(r3.buf.buffer === c1.buffer && r3.buf.byteOffset === c1.byteOffset).toBe(false);
  expect(r3.offset).toBe(4);
  expect(r3.length).toBe(12);
  r3.give(bytes(9, 12)); // the other buffer is full now: no read until the parser asks again
  await new Promise((r) => setImmediate(r));
  expect(s.reads.length).toBe(3);
  expect(pipeReadsInFlight()).toBe(base);
  const c2 = await it.next();
  expect([...(c2.value as Buffer)]).toEqual([...bytes(5, 16)]);
  const r4 = await s.next();
  expect(r4.offset).toBe(0);
  r4.end();
  expect((await it.next()).done).toBe(true);
  expect(pipeReadsInFlight()).toBe(base);
});

test('a read still waiting when the parser asks: what is there is handed out at once, and the late bytes are moved to the next chunk', async () => {
  const base = pipeReadsInFlight();
  const s = scripted();
  const it = pipeChunks(s, 32, noFallback).chunks;
  const p1 = it.next();
  (await s.next()).give(bytes(0, 3));
  expect([...((await p1).value as Buffer)]).toEqual([0, 1, 2]);
  const r2 = await s.next();
  r2.give(bytes(3, 2));
  const r3 = await s.next(); // pending into the same buffer, at offset 2
  expect(r3.offset).toBe(2);
  // The parser asks now: the 2 bytes go out while r3 still waits (a live pipe is not held back).
  const c2 = await it.next();
  expect([...(c2.value as Buffer)]).toEqual([3, 4]);
  expect(pipeReadsInFlight()).toBe(base + 1);
  // r3 lands in the buffer just handed out, after its 2 bytes: they must not show there,
  // and must come next, first in the other buffer.
  r3.give(bytes(5, 6));
  const r4 = await s.next();
  expect(r4.offset).toBe(6);
  r4.give(bytes(11, 1));
  await new Promise((r) => setImmediate(r)); // both reads settled before the parser asks
  const c3 = await it.next();
  expect([...(c3.value as Buffer)]).toEqual([...bytes(5, 7)]);
  (await s.next()).end();
  expect((await it.next()).done).toBe(true);
});

test('nothing there: the parser waits for the first bytes, not for a full buffer', async () => {
  const s = scripted();
  const it = pipeChunks(s, 1 << 20, noFallback).chunks;
  const p = it.next();
  let got: IteratorResult<Buffer | string> | undefined;
  void p.then((r) => (got = r));
  const r1 = await s.next();
  await new Promise((r) => setImmediate(r));
  expect(got).toBeUndefined();
  r1.give(bytes(0, 1));
  expect([...((await p).value as Buffer)]).toEqual([0]);
  (await s.next()).end();
  expect((await it.next()).done).toBe(true);
});

test('EAGAIN (a non-blocking descriptor): bytes read so far first, then the rest through the fallback, in order', async () => {
  const base = pipeReadsInFlight();
  const s = scripted();
  let fellBack = 0;
  const it = pipeChunks(s, 64, () => {
    fellBack++;
    return (async function* () {
      yield bytes(7, 3);
      yield bytes(10, 2);
    })();
  }).chunks;
  const got: number[] = [];
  const p = (async () => {
    for await (const c of it) got.push(...(c as Buffer));
  })();
  (await s.next()).give(bytes(0, 7));
  (await s.next()).fail(eagain());
  await p;
  expect(got).toEqual([...bytes(0, 12)]);
  expect(fellBack).toBe(1);
  expect(pipeReadsInFlight()).toBe(base);
});

test('a read error: bytes read before it are delivered, then the error is thrown', async () => {
  const s = scripted();
  const it = pipeChunks(s, 64, noFallback).chunks;
  const p = it.next();
  (await s.next()).give(bytes(0, 4));
  expect([...((await p).value as Buffer)]).toEqual([0, 1, 2, 3]);
  (await s.next()).fail(Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' }));
  await expect(it.next()).rejects.toMatchObject({ code: 'EIO' });
});

test('stopped at a chunk with a read blocked on a silent pipe: the read is freed (unblock), its bytes dropped, no read after', async () => {
  const base = pipeReadsInFlight();
  const s = scripted();
  const it = pipeChunks(s, 64, noFallback).chunks;
  const p = it.next();
  (await s.next()).give(bytes(0, 4));
  const c1 = (await p).value as Buffer;
  await s.next(); // the next read, blocked
  expect(pipeReadsInFlight()).toBe(base + 1);
  await it.return(undefined); // what the capture reader does when it stops (a fatal record)
  expect(s.unblocked).toBe(1);
  await new Promise((r) => setImmediate(r));
  expect(pipeReadsInFlight()).toBe(base);
  expect(s.reads.length).toBe(2);
  expect([...c1]).toEqual([0, 1, 2, 3]);
});

test('stop() while the parser waits for bytes (SIGINT on a silent pipe): the chunks end, the blocked read is freed', async () => {
  const base = pipeReadsInFlight();
  const s = scripted();
  const pc = pipeChunks(s, 64, noFallback);
  const p = pc.chunks.next();
  await s.next(); // blocked: nothing written yet
  pc.stop();
  expect((await p).done).toBe(true);
  expect(s.unblocked).toBe(1);
  await new Promise((r) => setImmediate(r));
  expect(pipeReadsInFlight()).toBe(base);
  expect(s.reads.length).toBe(1);
  pc.stop(); // twice is harmless
  expect(s.unblocked).toBe(1);
});

test('the end of the pipe: no unblock, nothing in flight', async () => {
  const base = pipeReadsInFlight();
  const s = scripted();
  const it = pipeChunks(s, 64, noFallback).chunks;
  const p = it.next();
  (await s.next()).give(bytes(0, 2));
  await p;
  (await s.next()).end();
  expect((await it.next()).done).toBe(true);
  expect(s.unblocked).toBe(0);
  expect(pipeReadsInFlight()).toBe(base);
});

test('many small reads of a long stream: every byte once, in order, no chunk over the size asked', async () => {
  const base = pipeReadsInFlight();
  const total = 5000;
  const src = bytes(0, total);
  let pos = 0;
  let k = 0;
  // Reads of 1..7 bytes, some settling at once and some a turn later.
  const read: ReadAt = (buf, offset, length) => {
    const n = Math.min(length, 1 + (k++ % 7), total - pos);
    src.copy(buf, offset, pos, pos + n);
    pos += n;
    return k % 3 === 0 ? new Promise((r) => setImmediate(() => r(n))) : Promise.resolve(n);
  };
  const out: number[] = [];
  let chunks = 0;
  for await (const c of pipeChunks(source(read), 37, noFallback).chunks) {
    expect(c.length).toBeGreaterThan(0);
    expect(c.length).toBeLessThanOrEqual(37);
    out.push(...(c as Buffer));
    chunks++;
    if (chunks % 2 === 0) await new Promise((r) => setImmediate(r)); // a slow parser now and then
  }
  expect(Buffer.from(out).equals(src)).toBe(true);
  expect(pipeReadsInFlight()).toBe(base);
});
