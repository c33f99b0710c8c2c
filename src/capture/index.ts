/**
 * Capture stage: a file (or stdin, or any Readable) -> frames, delivered
 * synchronously to a sink, chunk by chunk, in bounded memory.
 *
 * The format is found by magic bytes: pcap (4 magics), pcapng, gzip
 * (decompressed on the fly on libuv's thread pool, then detected again) or LZ4
 * (decoded block by block on the main thread: lz4.ts). zstd, xz and bzip2 are
 * named in the error, with the command that decompresses them into a pipe.
 */
import { fstatSync, read as fsRead } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { gunzipChunks } from './gunzip.js';
import { isLz4, lz4Chunks } from './lz4.js';
import { PcapReader, pcapMagic } from './pcap.js';
import { canFreeBlockedRead, enlargePipe, fdPipeSource, pipeChunks } from './pipe.js';
import { PCAPNG_SHB, PcapngReader } from './pcapng.js';
import { hexBytes } from './state.js';
import type { FormatReader, ReadState } from './state.js';
import { CaptureError } from './types.js';
import type { CaptureMeta, CaptureResult, Frame, ReadOptions } from './types.js';

export * from './types.js';
export { splitTimestamp, tsResolution } from './timestamp.js';
export { pipeReadsInFlight, pipeReport } from './pipe.js';

export const DEFAULT_CHUNK_SIZE = 1024 * 1024;

/** Live reading: stop on demand, or keep reading at the end of a growing file. */
export interface LiveReadOptions {
  /**
   * Stops reading when aborted: frames delivered so far stand, a record cut by
   * the stop is not reported as damage, and the result has `stopped: true`.
   */
  signal?: AbortSignal;
  /** A file given by name: at its end, wait for more (like `tail -f`) until `signal` aborts. */
  follow?: boolean;
  /** How often a followed file is looked at when nothing new came, ms (default 200). */
  followPollMs?: number;
}

export interface StreamReadOptions extends ReadOptions, LiveReadOptions {
  /** Name used in messages (a path, 'stdin'). */
  name: string;
  /** Size of the source in bytes when known (for progress). */
  totalBytes?: number;
}

/**
 * Read a capture file ('-' = stdin) and call `sink` for every frame in file
 * order. Resolves when the input is exhausted or after a fatal corrupt record
 * (`result.error`, frames before it delivered). Throws CaptureError when the
 * source cannot be opened or is not a capture at all.
 */
export async function readCapture(
  source: string,
  sink: (frame: Frame) => void,
  opts: ReadOptions & LiveReadOptions = {},
): Promise<CaptureResult & { stopped?: boolean }> {
  if (source === '-') {
    let totalBytes: number | undefined;
    let fifo = false;
    try {
      const st = fstatSync(0);
      if (st.isFile()) totalBytes = st.size;
      fifo = st.isFIFO();
    } catch {
      // stdin closed or not stat-able: size unknown
    }
    const stdinOpts = { ...opts, name: 'stdin', ...(totalBytes !== undefined ? { totalBytes } : {}) };
    if (totalBytes !== undefined) {
      // A file redirected to stdin (`- < FILE`): read like a named file, in 1 MiB chunks
      // (process.stdin reads it in 64 KiB ones: +5-10 % main-thread CPU, issue 14). fd 0 stays open.
      const chunks = fileChunks(fdReader(0), async () => {}, opts.chunkSize ?? DEFAULT_CHUNK_SIZE);
      return readChunks(chunks, () => void chunks.return(undefined).catch(() => {}), sink, stdinOpts);
    }
    if (fifo && canFreeBlockedRead(0)) {
      // A pipe: read on the thread pool, and made 1 MiB if the kernel lets us (pipe.ts).
      enlargePipe(0);
      let stream: Readable | undefined;
      const fallback = (): AsyncIterator<Buffer | string> => (stream = process.stdin)[Symbol.asyncIterator]();
      const pipe = pipeChunks(fdPipeSource(0), opts.chunkSize ?? DEFAULT_CHUNK_SIZE, fallback);
      const destroy = (): void => {
        pipe.stop();
        stream?.destroy();
      };
      return readChunks(pipe.chunks, destroy, sink, stdinOpts);
    }
    return readCaptureStream(process.stdin, sink, stdinOpts);
  }
  let handle: FileHandle;
  try {
    handle = await open(source, 'r');
  } catch (e) {
    throw new CaptureError(`cannot open ${source}: ${describeFsError(e)}`);
  }
  let size: number | undefined;
  try {
    const st = await handle.stat();
    if (st.isDirectory()) throw new CaptureError(`cannot open ${source}: it is a directory`);
    if (st.isFile()) size = st.size;
  } catch (e) {
    await handle.close();
    throw e instanceof CaptureError ? e : new CaptureError(`cannot open ${source}: ${describeFsError(e)}`);
  }
  const streamOpts = { ...opts, name: source, ...(size !== undefined ? { totalBytes: size } : {}) };
  if (!opts.follow) {
    // Two reused buffers, one read always in flight (issue 14).
    const chunks = fileChunks((buf) => handle.read(buf, 0, buf.length, null).then((r) => r.bytesRead), () => handle.close(), opts.chunkSize ?? DEFAULT_CHUNK_SIZE);
    return readChunks(chunks, () => void chunks.return(undefined).catch(() => {}), sink, streamOpts);
  }
  const stream = Readable.from(followFile(handle, opts.chunkSize ?? DEFAULT_CHUNK_SIZE, opts.followPollMs ?? 200, opts.signal), {
    objectMode: false,
  });
  stream.once('close', () => void handle.close().catch(() => {}));
  return readCaptureStream(stream, sink, streamOpts);
}

/**
 * A file read sequentially into two buffers used in turn: while the caller
 * parses one chunk, the read of the next is in flight (the main thread does not
 * wait for the disk, and no buffer is allocated per chunk). A chunk is valid
 * until the caller asks for the next one: its buffer is then read into again.
 * `close` is called at the end.
 */
async function* fileChunks(
  read: (buf: Buffer) => Promise<number>,
  close: () => Promise<void>,
  chunkSize: number,
): AsyncGenerator<Buffer, void, undefined> {
  const bufs = [Buffer.allocUnsafe(chunkSize), Buffer.allocUnsafe(chunkSize)];
  let turn = 0;
  let inFlight: Promise<number> | undefined = read(bufs[0]!);
  try {
    for (;;) {
      const bytesRead = await inFlight!;
      inFlight = undefined;
      if (bytesRead === 0) return;
      const cur = bufs[turn]!;
      turn ^= 1;
      // The other buffer was handed out before the last next(): the caller is done with it.
      inFlight = read(bufs[turn]!);
      yield bytesRead === chunkSize ? cur : cur.subarray(0, bytesRead);
    }
  } finally {
    if (inFlight) await inFlight.catch(() => {});
    await close().catch(() => {});
  }
}

/** Sequential reads of an open descriptor (from its current position) into a whole buffer. */
function fdReader(fd: number): (buf: Buffer) => Promise<number> {
  return (buf) =>
    new Promise((resolve, reject) => {
      fsRead(fd, buf, 0, buf.length, null, (e, n) => (e ? reject(e) : resolve(n)));
    });
}

/** Same as readCapture over any byte stream (stdin, tests). The stream is destroyed at the end. */
export async function readCaptureStream(
  stream: Readable,
  sink: (frame: Frame) => void,
  opts: StreamReadOptions,
): Promise<CaptureResult & { stopped?: boolean }> {
  return readChunks(stream[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>, () => stream.destroy(), sink, opts);
}

/**
 * The capture in `raw`'s chunks. A chunk's bytes may only be valid until the
 * next chunk is asked for (fileChunks), so whatever keeps bytes across chunks
 * copies them (the format readers do; gzip input is copied as it is written).
 */
async function readChunks(
  raw: AsyncIterator<Buffer | string>,
  destroy: () => void,
  sink: (frame: Frame) => void,
  opts: StreamReadOptions,
): Promise<CaptureResult & { stopped?: boolean }> {
  const name = opts.name;
  const signal = opts.signal;
  const meta: CaptureMeta = {
    format: 'pcap',
    version: '',
    byteOrder: 'LE',
    compression: null,
    interfaces: [],
    sections: 0,
    decryptionSecrets: [],
  };
  let metaSent = false;
  const st: ReadState = {
    name,
    sink,
    meta,
    warnings: [],
    frames: 0,
    emitMeta() {
      if (metaSent) return;
      metaSent = true;
      opts.onMeta?.(meta);
    },
  };
  const counter = { bytesRead: 0 };
  const onProgress = opts.onProgress;
  const totalBytes = opts.totalBytes;
  /** The decompressor the chunks come from (gzip or LZ4), if any. */
  let inflater: { return(): Promise<unknown> } | undefined;
  // Aborting settles the pending read at once (a pipe may stay silent for
  // hours). One listener per read, removed when the read settles: nothing
  // accumulates over a long capture read chunk by chunk.
  let stopped = signal?.aborted === true;
  const next = (it: AsyncIterator<Buffer | string>): Promise<IteratorResult<Buffer | string>> => {
    if (!signal) return it.next();
    if (signal.aborted) {
      stopped = true;
      return Promise.resolve({ done: true, value: undefined });
    }
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        stopped = true;
        resolve({ done: true, value: undefined });
      };
      signal.addEventListener('abort', onAbort, { once: true });
      it.next().then(
        (r) => {
          signal.removeEventListener('abort', onAbort);
          resolve(r);
        },
        (e: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(e);
        },
      );
    });
  };

  try {
    // Raw head: enough bytes to tell the format.
    const rawHead = await peek(next, raw, 4, (n) => (counter.bytesRead += n), (e) => new CaptureError(`cannot read ${name}: ${describeFsError(e)}`));
    if (rawHead.first.length === 0 && stopped) {
      st.emitMeta();
      return { meta, frames: 0, bytes: 0, warnings: st.warnings, stopped: true };
    }
    if (rawHead.first.length === 0) throw new CaptureError(`${name} is empty`);

    let chunks: AsyncIterator<Buffer | string>;
    let head = rawHead;
    const compression = rawHead.first[0] === 0x1f && rawHead.first[1] === 0x8b ? 'gzip' : isLz4(rawHead.first) ? 'lz4' : null;
    if (compression !== null) {
      meta.compression = compression;
      const countRaw = (n: number): void => void (counter.bytesRead += n);
      // gzip: inflated ahead of the parser on libuv's pool (gunzip.ts), raw chunks copied as they
      // are written. LZ4: decoded block by block (lz4.ts).
      const inflated =
        compression === 'gzip'
          ? gunzipChunks(Buffer.from(rawHead.first), rawHead.done, raw, countRaw)
          : lz4Chunks(rawHead.first, rawHead.done, raw, countRaw);
      inflater = inflated;
      chunks = inflated;
      head = await peek(next, chunks, 4, () => {}, (e) => new CaptureError(`${name} is not a valid ${compression} file: ${errorMessage(e)}`));
      if (head.first.length === 0) throw new CaptureError(`${name} is empty (${compression}-compressed, nothing inside)`);
    } else {
      const other = otherCompression(rawHead.first);
      if (other !== undefined) {
        const file = name === 'stdin' ? 'FILE' : name;
        throw new CaptureError(`${name} is ${other}-compressed, which is not read here: decompress it into a pipe (${other} -dc ${file} | handshake-lens -)`);
      }
      chunks = raw;
    }

    const first = head.first;
    let reader: FormatReader;
    const magic = first.length >= 4 ? first.readUInt32BE(0) : -1;
    const pm = magic >= 0 ? pcapMagic(magic) : undefined;
    if (pm) reader = new PcapReader(st, pm);
    else if (magic === PCAPNG_SHB) reader = new PcapngReader(st);
    else {
      const inner = meta.compression !== null ? ` inside its ${meta.compression} compression` : '';
      throw new CaptureError(`${name} is not a pcap or pcapng file${inner} (starts with ${hexBytes(first, 4)})`);
    }

    let dataBytes = first.length;
    let ok = reader.push(first);
    onProgress?.({ bytesRead: counter.bytesRead, totalBytes, frames: st.frames });
    let ended = head.done;
    while (ok && !ended) {
      const wait = opts.pace?.();
      if (wait) await wait;
      let r: IteratorResult<Buffer | string>;
      try {
        r = await next(chunks);
      } catch (e) {
        readFailure(st, reader, e, meta.compression);
        break;
      }
      if (r.done) {
        ended = !stopped;
        break;
      }
      const chunk = toBuffer(r.value);
      if (!inflater) counter.bytesRead += chunk.length;
      dataBytes += chunk.length;
      ok = reader.push(chunk);
      onProgress?.({ bytesRead: counter.bytesRead, totalBytes, frames: st.frames });
    }
    if (ended && ok) reader.finish();
    st.emitMeta();
    const result: CaptureResult & { stopped?: boolean } = { meta, frames: st.frames, bytes: dataBytes, warnings: st.warnings };
    if (st.error !== undefined) result.error = st.error;
    if (stopped) result.stopped = true;
    return result;
  } finally {
    if (inflater) await inflater.return().catch(() => {});
    destroy();
  }
}

/** Read from `it` until `min` bytes are buffered or the input ends. */
async function peek(
  next: (it: AsyncIterator<Buffer | string>) => Promise<IteratorResult<Buffer | string>>,
  it: AsyncIterator<Buffer | string>,
  min: number,
  count: (n: number) => void,
  wrapError: (e: unknown) => Error,
): Promise<{ first: Buffer; done: boolean }> {
  const parts: Buffer[] = [];
  let n = 0;
  let done = false;
  try {
    while (n < min) {
      const r = await next(it);
      if (r.done) {
        done = true;
        break;
      }
      const b = toBuffer(r.value);
      n += b.length;
      // A chunk is only valid until the next one is asked for: keep a copy when more are needed.
      parts.push(n < min ? Buffer.from(b) : b);
      count(b.length);
    }
  } catch (e) {
    throw wrapError(e);
  }
  return { first: parts.length === 1 ? parts[0]! : Buffer.concat(parts, n), done };
}

/**
 * A file read from the start and then followed at its end (`tail -f`): when
 * nothing new is there, look again every `pollMs` (a timer, not a busy loop)
 * until `signal` aborts.
 */
async function* followFile(handle: FileHandle, chunkSize: number, pollMs: number, signal: AbortSignal | undefined): AsyncGenerator<Buffer> {
  let pos = 0;
  let buf: Buffer | undefined;
  for (;;) {
    if (signal?.aborted) return;
    // A new buffer only after one was handed out: polling an idle file allocates nothing.
    buf ??= Buffer.allocUnsafe(chunkSize);
    const { bytesRead } = await handle.read(buf, 0, chunkSize, pos);
    if (bytesRead > 0) {
      pos += bytesRead;
      const out = buf.subarray(0, bytesRead);
      buf = undefined;
      yield out;
      continue;
    }
    await new Promise<void>((resolve) => {
      const t = setTimeout(done, pollMs);
      function done(): void {
        clearTimeout(t);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}

/** A read or decompression error after the header: frames so far stand. */
function readFailure(st: ReadState, reader: FormatReader, e: unknown, compression: CaptureMeta['compression']): void {
  const code = (e as { code?: string }).code;
  if ((compression === 'gzip' && code === 'Z_BUF_ERROR') || (compression === 'lz4' && code === 'LZ4_TRUNCATED')) {
    // Compressed stream cut short: like a truncated file.
    st.warnings.push(`${st.name}: ${compression} stream is cut short after frame ${st.frames}`);
    reader.finish();
    return;
  }
  const what =
    (compression === 'gzip' && code?.startsWith('Z_')) || (compression === 'lz4' && code === 'LZ4_CORRUPT')
      ? `corrupt ${compression} data (${errorMessage(e)})`
      : `read error (${describeFsError(e)})`;
  st.error = `${st.name}: ${what} after frame ${st.frames}`;
}

/** Compressions common tools write that are not read here, by magic bytes (each is also its decompressor's name). */
function otherCompression(b: Buffer): 'zstd' | 'xz' | 'bzip2' | undefined {
  if (b.length >= 4 && b.readUInt32BE(0) === 0x28b52ffd) return 'zstd';
  if (b.length >= 4 && b.readUInt32BE(0) === 0xfd377a58) return 'xz';
  if (b.length >= 3 && b[0] === 0x42 && b[1] === 0x5a && b[2] === 0x68) return 'bzip2';
  return undefined;
}

function toBuffer(v: Buffer | string): Buffer {
  return typeof v === 'string' ? Buffer.from(v, 'latin1') : v;
}

/** An error's message (zlib's and lz4.ts's errors say what broke), else the value as text. */
function errorMessage(e: unknown): string {
  const m = (e as { message?: unknown } | null)?.message;
  return typeof m === 'string' ? m : String(e);
}

function describeFsError(e: unknown): string {
  const code = (e as { code?: string }).code;
  switch (code) {
    case 'ENOENT': return 'no such file';
    case 'EACCES':
    case 'EPERM': return 'permission denied';
    case 'EISDIR': return 'it is a directory';
    case 'ENOTDIR': return 'a component of the path is not a directory';
    case 'ELOOP': return 'too many symbolic links';
    case 'EMFILE':
    case 'ENFILE': return 'too many open files';
    case 'EIO': return 'input/output error';
    default: return errorMessage(e);
  }
}
