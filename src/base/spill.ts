/**
 * Fixed-width rows sorted with bounded memory: rows are collected in a run of
 * at most `runRows`; a full run is sorted and appended to a temporary file, and
 * reading merges the runs (a k-way merge through one small read buffer per
 * run). Under `runRows` rows nothing touches the disk. Used where a report
 * needs every connection in some order at the end of a run (the protobuf
 * trailer's per-destination figures) and holding them all would make memory
 * grow with the number of connections.
 *
 * The temporary file is unlinked as soon as it is opened (it lives while it is
 * held open, and a killed process leaves nothing behind). When no temporary
 * file can be made or written (no space, a read-only TMPDIR), the runs stay in
 * memory instead: the result is the same, only bigger.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmdirSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Appends shorter than this are written to the temporary file together (TempBytes). */
const PENDING_BYTES = 64 * 1024;

/** TempBytes' read cache: 256 blocks of 4 KiB. */
const CACHE_BLOCK = 4096;
const CACHE_SLOTS = 256;

/** Bytes appended in order and read back by position: a temporary file, or memory when there is none. */
export class TempBytes {
  /** undefined: not opened yet; null: no file (everything past `fileBytes` is in `mem`). */
  private fd: number | null | undefined;
  private fileBytes = 0;
  private readonly mem: Buffer[] = [];
  private readonly memAt: number[] = [];
  private size = 0;
  /**
   * Appends shorter than PENDING_BYTES are collected here and written together: the protobuf
   * trailer appends a destination at a time, and a scan of a million addresses made a million
   * writes (~12 µs each in the kernel).
   */
  private pending: Buffer | undefined;
  private pendingN = 0;

  /**
   * Short reads from the file through a cache of 4 KiB blocks (cachedReads), made on the first
   * such read: block number by slot, and how much of the block was read (the file may have grown since).
   */
  private cache: { bytes: Buffer; block: Float64Array; valid: Int32Array } | undefined;

  /**
   * `dir`: where the temporary file goes (os.tmpdir(), which follows TMPDIR, when not given).
   * `cachedReads`: reads shorter than a block go through a 1 MiB cache of the file's blocks
   * (for many short pieces read back out of order: a destination at a time, in the report's
   * order; a million of them were a million reads from the kernel).
   */
  constructor(
    private readonly dir?: string,
    private readonly opts: { cachedReads?: boolean } = {},
  ) {}

  get length(): number {
    return this.size;
  }

  /** True when part of the bytes is held in memory (no temporary file could be made or written). */
  get inMemory(): boolean {
    return this.mem.length > 0;
  }

  append(b: Uint8Array): void {
    if (b.length === 0) return;
    if (this.fd === undefined) this.fd = openTemp(this.dir ?? tmpdir());
    if (this.fd !== null && this.mem.length === 0) {
      if (this.pendingN + b.length > PENDING_BYTES) this.flushPending();
      if (this.mem.length === 0) {
        if (b.length < PENDING_BYTES) {
          (this.pending ??= Buffer.allocUnsafe(PENDING_BYTES)).set(b, this.pendingN);
          this.pendingN += b.length;
          this.size += b.length;
          return;
        }
        if (this.writeFile(b)) {
          this.size += b.length;
          return;
        }
      }
    }
    // No file, or a write failed: this and everything after goes to memory.
    this.memAt.push(this.size);
    this.mem.push(Buffer.from(b));
    this.size += b.length;
  }

  /** Writes `b` at the file's end; false if the write failed (what was written whole stays in the file). */
  private writeFile(b: Uint8Array): boolean {
    try {
      let done = 0;
      while (done < b.length) done += writeSync(this.fd!, b, done, b.length - done, this.fileBytes + done);
      this.fileBytes += b.length;
      return true;
    } catch {
      return false;
    }
  }

  /** The bytes collected in `pending` go to the file (to memory if that write fails). */
  private flushPending(): void {
    if (this.pendingN === 0) return;
    const p = this.pending!.subarray(0, this.pendingN);
    this.pendingN = 0;
    if (this.writeFile(p)) return;
    this.memAt.push(this.fileBytes);
    this.mem.push(Buffer.from(p));
  }

  /** Copies `len` bytes from position `pos` into `into` at 0; the bytes must have been appended. */
  read(pos: number, into: Uint8Array, len: number): void {
    if (this.pendingN > 0 && pos + len > this.fileBytes) this.flushPending();
    if (this.opts.cachedReads && len < CACHE_BLOCK && pos + len <= this.fileBytes) {
      this.readCached(pos, into, len);
      return;
    }
    let at = 0;
    while (at < len) {
      const p = pos + at;
      if (p < this.fileBytes) {
        const n = readSync(this.fd!, into, at, Math.min(len - at, this.fileBytes - p), p);
        if (n <= 0) throw new Error('temporary file read short');
        at += n;
        continue;
      }
      // Memory: the last chunk starting at or before p.
      if (this.memAt.length === 0) throw new Error('temporary bytes read past their end');
      let lo = 0;
      let hi = this.memAt.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (this.memAt[mid]! <= p) lo = mid;
        else hi = mid - 1;
      }
      const chunk = this.mem[lo]!;
      const from = p - this.memAt[lo]!;
      const n = Math.min(len - at, chunk.length - from);
      if (n <= 0) throw new Error('temporary bytes read past their end');
      into.set(chunk.subarray(from, from + n), at);
      at += n;
    }
  }

  /** read() of `len` bytes at `pos`, all in the file, through the block cache. */
  private readCached(pos: number, into: Uint8Array, len: number): void {
    const c = (this.cache ??= { bytes: Buffer.allocUnsafe(CACHE_SLOTS * CACHE_BLOCK), block: new Float64Array(CACHE_SLOTS).fill(-1), valid: new Int32Array(CACHE_SLOTS) });
    const cache = c.bytes;
    let at = 0;
    while (at < len) {
      const p = pos + at;
      const block = Math.floor(p / CACHE_BLOCK);
      const slot = block % CACHE_SLOTS;
      const off = p - block * CACHE_BLOCK;
      const n = Math.min(len - at, CACHE_BLOCK - off);
      if (c.block[slot] !== block || c.valid[slot]! < off + n) {
        const start = block * CACHE_BLOCK;
        const want = Math.min(CACHE_BLOCK, this.fileBytes - start);
        let got = 0;
        while (got < want) {
          const k = readSync(this.fd!, cache, slot * CACHE_BLOCK + got, want - got, start + got);
          if (k <= 0) throw new Error('temporary file read short');
          got += k;
        }
        c.block[slot] = block;
        c.valid[slot] = want;
      }
      into.set(cache.subarray(slot * CACHE_BLOCK + off, slot * CACHE_BLOCK + off + n), at);
      at += n;
    }
  }

  /** Forgets the bytes and starts again at position 0, in the same file. */
  clear(): void {
    this.fileBytes = 0;
    this.pendingN = 0;
    this.cache?.block.fill(-1);
    this.mem.length = 0;
    this.memAt.length = 0;
    this.size = 0;
  }

  /** Releases the file (and the memory). Reading after close is an error. */
  close(): void {
    if (typeof this.fd === 'number') closeSync(this.fd);
    this.fd = null;
    this.clear();
    this.pending = undefined;
    this.cache = undefined;
  }
}

/** A new temporary file, already unlinked; null when none can be made. */
function openTemp(parent: string): number | null {
  let dir: string | undefined;
  try {
    dir = mkdtempSync(join(parent, 'handshake-lens-'));
    const path = join(dir, 'spill');
    const fd = openSync(path, 'wx+', 0o600);
    unlinkSync(path);
    return fd;
  } catch {
    return null;
  } finally {
    if (dir !== undefined) {
      try {
        rmdirSync(dir);
      } catch {
        // Left behind only if the file could not be unlinked.
      }
    }
  }
}

/** Orders two rows: negative, 0 or positive, as for Array.prototype.sort. */
export type RowCompare = (a: DataView, ao: number, b: DataView, bo: number) => number;

/** The rows in order: after next() returned true, the row is `width` bytes at `off` in `view`. */
export interface RowCursor {
  next(): boolean;
  readonly view: DataView;
  readonly off: number;
}

/** Rows read at once from each run while merging. */
const READ_BYTES = 32 * 1024;

/**
 * Runs merged at once at most: 64 read buffers of 32 KiB (2 MiB) per sorter. Past
 * 64 runs (4,194,304 rows of 65,536) they are merged in more than one pass.
 */
export const MAX_FAN_IN = 64;

/** Rows sorted in memory before they go to the file, unless a sorter is told otherwise. */
export const RUN_ROWS = 65_536;

/**
 * Rows of `width` bytes, written in place (add() gives the offset in `view`),
 * read back sorted by `compare`; rows that compare equal keep the order they
 * were added in (a stable sort, and a merge that takes the earlier run first).
 */
export class SpillSorter {
  private buf: Uint8Array;
  private dv: DataView;
  private n = 0;
  private count = 0;
  private file: TempBytes | null = null;
  private readonly runs: { pos: number; rows: number }[] = [];
  /** The runs as the last cursor() merged them down to at most fanIn (another pass starts from them). */
  private merged: { pos: number; rows: number }[] | null = null;

  private readonly runRows: number;
  private readonly dir: string | undefined;
  private readonly fanIn: number;

  /**
   * `runRows`: rows sorted in memory before they go to the file (RUN_ROWS); `dir`: where
   * the file goes (os.tmpdir()); `fanIn`: runs merged at once at most (MAX_FAN_IN).
   */
  constructor(
    readonly width: number,
    private readonly compare: RowCompare,
    opts: { runRows?: number; dir?: string; fanIn?: number } = {},
  ) {
    this.runRows = opts.runRows ?? RUN_ROWS;
    this.dir = opts.dir;
    this.fanIn = Math.max(2, opts.fanIn ?? MAX_FAN_IN);
    this.buf = new Uint8Array(width * Math.min(this.runRows, 64));
    this.dv = new DataView(this.buf.buffer);
  }

  /** Rows added. */
  get length(): number {
    return this.count;
  }

  /** Runs written to the temporary file so far. */
  get spilledRuns(): number {
    return this.runs.length;
  }

  /** Bytes held in memory for the current run. */
  get memoryBytes(): number {
    return this.buf.byteLength;
  }

  /** Where to write the next row: `width` bytes at the returned offset in `view`. */
  add(): number {
    if (this.n === this.runRows) this.spill();
    const need = (this.n + 1) * this.width;
    if (need > this.buf.length) {
      const next = new Uint8Array(Math.min(this.runRows * this.width, Math.max(need, this.buf.length * 2)));
      next.set(this.buf);
      this.buf = next;
      this.dv = new DataView(next.buffer);
    }
    this.count++;
    return this.n++ * this.width;
  }

  get view(): DataView {
    return this.dv;
  }

  /** The current run's rows, sorted (a new buffer when they were out of order). */
  private sortedRun(): Uint8Array {
    const { width: w, dv, compare, n } = this;
    let inOrder = true;
    for (let i = 1; i < n && inOrder; i++) inOrder = compare(dv, (i - 1) * w, dv, i * w) <= 0;
    if (inOrder) return this.buf.subarray(0, n * w);
    const perm = Array.from({ length: n }, (_, i) => i);
    perm.sort((a, b) => compare(dv, a * w, dv, b * w) || a - b);
    const out = new Uint8Array(n * w);
    for (let i = 0; i < n; i++) out.set(this.buf.subarray(perm[i]! * w, perm[i]! * w + w), i * w);
    return out;
  }

  private spill(): void {
    if (this.n === 0) return;
    this.file ??= new TempBytes(this.dir);
    const run = this.sortedRun();
    this.runs.push({ pos: this.file.length, rows: this.n });
    this.file.append(run);
    this.n = 0;
  }

  /** The rows in order, after the last add(); again for another pass; close() when done. */
  cursor(): RowCursor {
    if (this.runs.length === 0) return new ArrayCursor(this.sortedRun(), this.width);
    this.spill();
    const file = this.file!;
    const w = this.width;
    // More runs than fanIn are first merged in groups of consecutive runs into longer
    // ones, appended to the file, until fanIn are left: merging then holds at most fanIn
    // read buffers, whatever the number of rows. Groups stay in order, so ties still
    // come out in the order the rows were added.
    let runs = this.merged ?? this.runs;
    while (runs.length > this.fanIn) {
      const next: { pos: number; rows: number }[] = [];
      for (let i = 0; i < runs.length; i += this.fanIn) {
        const group = runs.slice(i, i + this.fanIn);
        if (group.length === 1) {
          next.push(group[0]!);
          continue;
        }
        const c = new MergeCursor(file, group, w, this.compare);
        const out = new Uint8Array(Math.max(1, Math.floor(READ_BYTES / w)) * w);
        const pos = file.length;
        let rows = 0;
        let k = 0;
        while (c.next()) {
          const src = c.bytes;
          for (let b = 0; b < w; b++) out[k + b] = src[c.off + b]!;
          k += w;
          rows++;
          if (k === out.length) {
            file.append(out);
            k = 0;
          }
        }
        if (k > 0) file.append(out.subarray(0, k));
        next.push({ pos, rows });
      }
      runs = next;
    }
    // The merged runs hold every row: another pass merges them alone.
    this.merged = runs;
    return new MergeCursor(file, runs, w, this.compare);
  }

  /** Releases the temporary file and the run's memory. */
  close(): void {
    this.file?.close();
    this.file = null;
    this.runs.length = 0;
    this.merged = null;
    this.buf = new Uint8Array(0);
    this.dv = new DataView(this.buf.buffer);
    this.n = 0;
  }
}

class ArrayCursor implements RowCursor {
  readonly view: DataView;
  off: number;
  private readonly end: number;
  constructor(
    rows: Uint8Array,
    private readonly width: number,
  ) {
    this.view = new DataView(rows.buffer, rows.byteOffset, rows.byteLength);
    this.off = -width;
    this.end = rows.byteLength;
  }
  next(): boolean {
    this.off += this.width;
    return this.off < this.end;
  }
}

/** One run being merged: a window of its rows in a small buffer. */
interface RunReader {
  buf: Uint8Array;
  view: DataView;
  /** Offset of the current row in buf. */
  off: number;
  /** Bytes of rows in buf. */
  have: number;
  /** File position and rows of the run not read into buf yet. */
  pos: number;
  left: number;
}

class MergeCursor implements RowCursor {
  view: DataView;
  /** The current row's buffer, as bytes (view is over it). */
  bytes: Uint8Array = new Uint8Array(0);
  off = 0;
  private readonly readers: RunReader[] = [];
  /** Run indexes, a binary min-heap by (current row, run index). */
  private readonly heap: number[] = [];
  private last = -1;

  constructor(
    private readonly file: TempBytes,
    runs: readonly { pos: number; rows: number }[],
    private readonly width: number,
    private readonly compare: RowCompare,
  ) {
    const rowsPerRead = Math.max(1, Math.floor(READ_BYTES / width));
    for (const r of runs) {
      const buf = new Uint8Array(rowsPerRead * width);
      const reader: RunReader = { buf, view: new DataView(buf.buffer), off: 0, have: 0, pos: r.pos, left: r.rows };
      if (this.refill(reader)) {
        this.readers.push(reader);
        this.heap.push(this.readers.length - 1);
        this.up(this.heap.length - 1);
      }
    }
    this.view = new DataView(new ArrayBuffer(0));
  }

  private refill(r: RunReader): boolean {
    if (r.left === 0) return false;
    const rows = Math.min(r.left, r.buf.length / this.width);
    const bytes = rows * this.width;
    this.file.read(r.pos, r.buf, bytes);
    r.pos += bytes;
    r.left -= rows;
    r.have = bytes;
    r.off = 0;
    return true;
  }

  private less(i: number, j: number): boolean {
    const a = this.readers[i]!;
    const b = this.readers[j]!;
    const c = this.compare(a.view, a.off, b.view, b.off);
    return c < 0 || (c === 0 && i < j);
  }

  private up(k: number): void {
    const h = this.heap;
    while (k > 0) {
      const p = (k - 1) >> 1;
      if (!this.less(h[k]!, h[p]!)) break;
      [h[k], h[p]] = [h[p]!, h[k]!];
      k = p;
    }
  }

  private down(k: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * k + 1;
      if (l >= h.length) return;
      const r = l + 1;
      const m = r < h.length && this.less(h[r]!, h[l]!) ? r : l;
      if (!this.less(h[m]!, h[k]!)) return;
      [h[k], h[m]] = [h[m]!, h[k]!];
      k = m;
    }
  }

  next(): boolean {
    // Advance the run whose row was handed out last, then take the smallest.
    if (this.last >= 0) {
      const r = this.readers[this.last]!;
      r.off += this.width;
      if (r.off >= r.have && !this.refill(r)) {
        const tail = this.heap.pop()!;
        if (this.heap.length > 0) {
          this.heap[0] = tail;
          this.down(0);
        }
      } else {
        this.down(0);
      }
    }
    if (this.heap.length === 0) return false;
    this.last = this.heap[0]!;
    const r = this.readers[this.last]!;
    this.view = r.view;
    this.bytes = r.buf;
    this.off = r.off;
    return true;
  }
}
