/**
 * gzip decompression off the main thread (issue 14).
 *
 * A worker thread runs zlib's Gunzip; the main thread only hands it the raw
 * bytes and parses what comes back, so inflating one chunk overlaps with
 * parsing the one before (on 2 cores the wall time of a .gz capture is close
 * to that of the plain file; the CPU time still includes the inflate).
 *
 * Memory stays bounded whatever the compression ratio: the inflated bytes
 * travel in SLOTS buffers of SLOT_SIZE bytes that go back and forth (moved, not
 * copied: transferred ArrayBuffers). The worker pulls from zlib only into a
 * free slot, zlib stops inflating when its output is not pulled, and the main
 * thread sends raw chunks only as zlib consumes them (RAW_IN_FLIGHT at most).
 *
 * Errors keep their zlib code and message (Z_BUF_ERROR for a stream cut
 * short, Z_DATA_ERROR ...) and come after every byte zlib inflated before the
 * damage, as with a Gunzip stream on the main thread.
 *
 * The worker's code is plain JavaScript in a string (`eval: true`): it runs the
 * same from dist/ and from the TypeScript sources under jest, and nothing
 * instruments it.
 */
import { Worker } from 'node:worker_threads';

/** Bytes of one slot of inflated data. */
export const SLOT_SIZE = 1024 * 1024;
/** Slots in all (the main thread holds at most one at a time: the chunk it parses). */
const SLOTS = 4;
/** Raw chunks sent and not yet consumed by zlib. */
const RAW_IN_FLIGHT = 2;

/*
 * Messages. main -> worker: {t:'in', buf, n} raw bytes (buf transferred) | {t:'end'} no more raw bytes |
 * {t:'slot', buf} a slot given back. worker -> main: {t:'out', buf, n} inflated bytes (buf transferred) |
 * {t:'more'} a raw chunk was consumed | {t:'end'} all inflated | {t:'error', code, message} after the last 'out'.
 */
const WORKER_SOURCE = `
(async () => {
'use strict';
// import(), not require: the source runs as CommonJS or as a module (node --input-type=module ...).
const { parentPort, workerData } = await import('node:worker_threads');
const { createGunzip } = await import('node:zlib');
const SIZE = workerData.slotSize;
const free = [];
for (let i = 0; i < workerData.slots; i++) free.push(new ArrayBuffer(SIZE));
let cur = null; // slot being filled
let view = null;
let fill = 0;
let atMain = 0; // slots posted and not given back
let stash = null; // the part of a zlib piece that did not fit in the slots
let ended = false;
let failed = null;
let finished = false;
let writing = 0; // raw chunks written to zlib and not yet consumed
let endAsked = false;
const z = createGunzip({ chunkSize: 256 * 1024 });

function post() {
  parentPort.postMessage({ t: 'out', buf: cur, n: fill }, [cur]);
  atMain++;
  cur = null;
  view = null;
  fill = 0;
}

/** Copies b into slots; returns what did not fit (no free slot), or null. */
function put(b) {
  while (b.length > 0) {
    if (cur === null) {
      if (free.length === 0) return b;
      cur = free.pop();
      view = new Uint8Array(cur);
    }
    const n = Math.min(b.length, SIZE - fill);
    view.set(n === b.length ? b : b.subarray(0, n), fill);
    fill += n;
    b = b.subarray(n);
    if (fill === SIZE) post();
  }
  return null;
}

function pump() {
  if (finished) return;
  if (stash !== null) {
    stash = put(stash);
    if (stash !== null) return;
  }
  for (;;) {
    if (cur === null && free.length === 0) return; // wait for a slot
    const b = z.read();
    if (b === null) break;
    stash = put(b);
    if (stash !== null) return;
  }
  const done = ended || failed !== null;
  // Nothing more from zlib for now: a partly filled slot goes when the main thread
  // would otherwise wait for it (it holds at most the chunk it parses), or at the end.
  if (fill > 0 && (atMain <= 1 || done)) post();
  if (done && fill === 0 && z.readableLength === 0) {
    finished = true;
    if (failed !== null) parentPort.postMessage({ t: 'error', code: failed.code, message: String(failed.message) });
    else parentPort.postMessage({ t: 'end' });
  }
}

z.on('readable', pump);
z.on('end', () => { ended = true; pump(); });
z.on('error', (e) => { failed = e; pump(); });

parentPort.on('message', (m) => {
  if (m.t === 'in') {
    if (failed !== null) return;
    writing++;
    z.write(Buffer.from(m.buf, 0, m.n), () => {
      writing--;
      if (failed !== null) return;
      if (endAsked && writing === 0) z.end();
      else parentPort.postMessage({ t: 'more' });
    });
  } else if (m.t === 'end') {
    // zlib ends only once every chunk is consumed: the last one then goes through without
    // Z_FINISH, and a stream cut short loses none of what it inflates to (as zlib's own
    // one-shot inflate with Z_SYNC_FLUSH), whenever the end arrives.
    endAsked = true;
    if (failed === null && writing === 0) z.end();
  } else if (m.t === 'slot') {
    atMain--;
    free.push(m.buf);
    pump();
  }
});
})();
`;

type WorkerMsg =
  | { t: 'out'; buf: ArrayBuffer; n: number }
  | { t: 'more' }
  | { t: 'end' }
  | { t: 'error'; code: string | undefined; message: string };

/** A zlib error as it came from the worker: its code and message. */
class ZlibError extends Error {
  constructor(message: string, readonly code: string | undefined) {
    super(message);
  }
}

/**
 * The inflated bytes of `first` and then of `raw`'s chunks. A chunk handed out
 * is valid until next() is called again (its buffer then goes back to the
 * worker). `onRaw` counts the raw bytes as they are read. return() stops the worker.
 */
export function gunzipInWorker(
  first: Buffer,
  rawDone: boolean,
  raw: AsyncIterator<Buffer | string>,
  onRaw: (n: number) => void,
): AsyncIterator<Buffer> & { return(): Promise<IteratorResult<Buffer>> } {
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { slotSize: SLOT_SIZE, slots: SLOTS } });
  const ready: { buf: ArrayBuffer; n: number }[] = [];
  let held: ArrayBuffer | undefined;
  let ended = false;
  let failure: unknown;
  let stopped = false;
  let waiter: { resolve: () => void } | undefined;
  const wake = (): void => {
    const w = waiter;
    waiter = undefined;
    w?.resolve();
  };
  const fail = (e: unknown): void => {
    if (failure === undefined && !ended) failure = e;
    wake();
  };

  // Raw bytes to the worker: a copy the worker owns (the raw chunks may be reused buffers).
  const send = (b: Buffer): void => {
    const ab = new ArrayBuffer(b.length);
    new Uint8Array(ab).set(b);
    worker.postMessage({ t: 'in', buf: ab, n: b.length }, [ab]);
  };
  let rawEnded = rawDone;
  let credits = 0;
  let reading = false;
  const readRaw = async (): Promise<void> => {
    if (reading) return;
    reading = true;
    try {
      while (credits > 0 && !rawEnded && !stopped) {
        credits--;
        const r = await raw.next();
        if (stopped) return;
        if (r.done) {
          rawEnded = true;
          worker.postMessage({ t: 'end' });
          return;
        }
        const b = typeof r.value === 'string' ? Buffer.from(r.value, 'latin1') : r.value;
        onRaw(b.length);
        send(b);
      }
    } catch (e) {
      fail(e);
    } finally {
      reading = false;
    }
  };

  worker.on('message', (m: WorkerMsg) => {
    switch (m.t) {
      case 'out':
        ready.push({ buf: m.buf, n: m.n });
        break;
      case 'more':
        credits++;
        void readRaw();
        return;
      case 'end':
        ended = true;
        break;
      case 'error':
        fail(new ZlibError(m.message, m.code));
        break;
    }
    wake();
  });
  worker.on('error', fail);
  worker.on('exit', () => {
    if (!ended && !stopped) fail(new Error('the gzip worker stopped'));
  });

  send(first);
  if (rawDone) worker.postMessage({ t: 'end' });
  else {
    credits = RAW_IN_FLIGHT - 1;
    void readRaw();
  }

  const stop = async (): Promise<IteratorResult<Buffer>> => {
    if (!stopped) {
      stopped = true;
      wake();
      await worker.terminate();
    }
    return { done: true, value: undefined };
  };

  return {
    async next(): Promise<IteratorResult<Buffer>> {
      if (held !== undefined) {
        worker.postMessage({ t: 'slot', buf: held }, [held]);
        held = undefined;
      }
      for (;;) {
        const c = ready.shift();
        if (c !== undefined) {
          held = c.buf;
          return { done: false, value: Buffer.from(c.buf, 0, c.n) };
        }
        if (failure !== undefined) throw failure;
        if (ended || stopped) return { done: true, value: undefined };
        await new Promise<void>((resolve) => (waiter = { resolve }));
      }
    },
    return: stop,
  };
}
