/**
 * The JSON document's records, written to a temporary file as each connection
 * finishes and copied into the document at the end (issue 14): the document
 * lists connections in id order (TCP, then QUIC) as before, without keeping
 * any record in memory. Per record only its place in the file is kept (id,
 * transport, byte offset and length: 17 bytes). Late findings (retry findings
 * for a connection already written) are kept in a small map and patched into
 * their records while copying.
 *
 * The terminal UI spills its records here too, to read one back for the detail
 * view; it asks for plain TCP records in the compact binary form of
 * record-codec.ts (`compact`), which any reader here turns back into a record.
 *
 * The file lives in os.tmpdir() and is removed by close(), and on process exit
 * (a second Ctrl-C, an error that ends the process) by an exit handler.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConnectionRecord, Finding } from '../timeline/types.js';
import { grown } from '../base/typed.js';
import { writeAllSync } from './fd.js';
import { PLAIN_TCP_MARK, decodePlainTcp, encodePlainTcp } from './record-codec.js';

/** Bytes collected before a write to the file, and the read window when copying. */
const CHUNK = 1 << 20;

/** Late findings applied to a record as src/analyze.ts's applyLateFindings does (same code and frame replaced, else added; by frame). */
function applyLate(rec: ConnectionRecord, late: readonly Finding[]): void {
  for (const f of late) {
    const i = rec.findings.findIndex((x) => x.code === f.code && x.frame === f.frame);
    if (i >= 0) rec.findings[i] = f;
    else rec.findings.push(f);
  }
  rec.findings.sort((a, b) => a.frame - b.frame);
}

/** A record as written to the file (JSON text or record-codec's compact form), with its late findings applied. */
function recordOf(bytes: Buffer, late: readonly Finding[][] | undefined): ConnectionRecord {
  const rec = bytes[0] === PLAIN_TCP_MARK ? decodePlainTcp(bytes) : (JSON.parse(bytes.toString('utf8')) as ConnectionRecord);
  if (late !== undefined) for (const l of late) applyLate(rec, l);
  return rec;
}

export class RecordSpill {
  readonly dir: string;
  readonly path: string;
  private fd: number | null;
  private buf = Buffer.allocUnsafe(CHUNK);
  private used = 0;
  /** Bytes written to the file (flushed or not): the next record's offset. */
  private size = 0;
  private n = 0;
  private ids = new Int32Array(1024);
  private quic = new Uint8Array(1024);
  private offsets = new Float64Array(1024);
  private lengths = new Int32Array(1024);
  /** Late findings per TCP connection id, in the order they came. */
  private readonly late = new Map<number, Finding[][]>();
  private readonly onExit = (): void => this.remove();

  /**
   * `compact`: plain TCP records (no TLS, QUIC or requests) are written in the
   * binary form of record-codec.ts instead of JSON text (the terminal UI, which
   * reads a record back only for its detail view: a scan of a million addresses
   * spent ~3.8 s of CPU stringifying and writing 1.3 GB of such records).
   */
  constructor(base = tmpdir(), private readonly compact = false) {
    this.dir = mkdtempSync(join(base, 'handshake-lens-'));
    this.path = join(this.dir, 'records.jsonl');
    this.fd = openSync(this.path, 'w+', 0o600);
    process.once('exit', this.onExit);
  }

  /** Records written so far. */
  get count(): number {
    return this.n;
  }

  /** Appends a finished record. */
  write(c: ConnectionRecord): void {
    const bin = this.compact ? encodePlainTcp(c) : null;
    if (bin !== null) {
      if (this.reserve(bin.length)) this.used += bin.copy(this.buf, this.used);
      else this.writeDirect(bin);
      this.place(c, bin.length);
      return;
    }
    const s = JSON.stringify(c);
    let len: number;
    if (this.reserve(s.length * 3)) {
      len = this.buf.write(s, this.used);
      this.used += len;
    } else {
      const b = Buffer.from(s);
      this.writeDirect(b);
      len = b.length;
    }
    this.place(c, len);
  }

  /** Room for `most` bytes in the collecting buffer (flushed first if need be); false if it can never hold them. */
  private reserve(most: number): boolean {
    if (this.used + most > this.buf.length) this.flush();
    return most <= this.buf.length;
  }

  /** A record larger than the collecting buffer, written at the file's end (after a flush). */
  private writeDirect(b: Buffer): void {
    writeAllSync(this.fd!, b, 0, b.length, this.size);
  }

  private place(c: ConnectionRecord, len: number): void {
    if (this.n === this.ids.length) {
      this.ids = grown(this.ids, this.n + 1);
      this.quic = grown(this.quic, this.n + 1);
      this.offsets = grown(this.offsets, this.n + 1);
      this.lengths = grown(this.lengths, this.n + 1);
    }
    this.ids[this.n] = c.id;
    this.quic[this.n] = c.transport === 'quic' ? 1 : 0;
    this.offsets[this.n] = this.size;
    this.lengths[this.n] = len;
    this.size += len;
    this.n++;
  }

  /** Retry findings found after the connection was written (TCP ids: AnalyzeOptions.onLateFindings). */
  addLate(id: number, findings: Finding[]): void {
    let l = this.late.get(id);
    if (l === undefined) this.late.set(id, (l = []));
    l.push(findings);
  }

  private flush(): void {
    if (this.used === 0) return;
    writeAllSync(this.fd!, this.buf, 0, this.used, this.size - this.used);
    this.used = 0;
  }

  /**
   * Each record's JSON text, TCP then QUIC, each by id, with late findings
   * patched in. Reads the file through a window: records finish roughly in id
   * order, so it is read about once from start to end.
   */
  *records(): Generator<string> {
    this.flush();
    const order = new Uint32Array(this.n);
    for (let i = 0; i < this.n; i++) order[i] = i;
    const ids = this.ids;
    const quic = this.quic;
    order.sort((a, b) => quic[a]! - quic[b]! || ids[a]! - ids[b]!);
    let win = Buffer.allocUnsafe(CHUNK);
    let winAt = 0;
    let winLen = 0;
    for (const i of order) {
      const at = this.offsets[i]!;
      const len = this.lengths[i]!;
      if (at < winAt || at + len > winAt + winLen) {
        if (len > win.length) win = Buffer.allocUnsafe(len);
        winAt = at;
        winLen = readSync(this.fd!, win, 0, win.length, at);
      }
      const bytes = win.subarray(at - winAt, at - winAt + len);
      const late = quic[i] === 0 ? this.late.get(ids[i]!) : undefined;
      // JSON text as it was written, unless it has to be made: from the compact form, or with late findings.
      if (late === undefined && bytes[0] !== PLAIN_TCP_MARK) yield bytes.toString('utf8');
      else yield JSON.stringify(recordOf(bytes, late));
    }
  }

  /**
   * One record read back (the terminal UI's detail view of a compact row), with its late
   * findings patched in; null if none was written with this transport and id. The last
   * written wins (ids are unique per transport in an analysis).
   */
  record(transport: 'tcp' | 'quic', id: number): ConnectionRecord | null {
    const q = transport === 'quic' ? 1 : 0;
    let i = this.n - 1;
    while (i >= 0 && (this.ids[i] !== id || this.quic[i] !== q)) i--;
    if (i < 0 || this.fd === null) return null;
    this.flush();
    const len = this.lengths[i]!;
    const buf = Buffer.allocUnsafe(len);
    let got = 0;
    while (got < len) {
      const r = readSync(this.fd, buf, got, len - got, this.offsets[i]! + got);
      if (r === 0) return null;
      got += r;
    }
    return recordOf(buf, q === 0 ? this.late.get(id) : undefined);
  }

  /** Closes and removes the file (also done on process exit). */
  close(): void {
    this.remove();
    process.off('exit', this.onExit);
  }

  private remove(): void {
    if (this.fd !== null) {
      try {
        closeSync(this.fd);
      } catch {
        // already closed
      }
      this.fd = null;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
