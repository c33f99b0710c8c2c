/**
 * TLS record layer over one direction's in-order byte stream: framing into
 * records (5-byte headers, or the 2-byte header of an SSLv2-compatible
 * ClientHello), lost bytes (a hole inside a record damages that record only;
 * any other hole loses the framing) and resynchronisation after a hole on a
 * valid chain of record headers.
 *
 * Allocation is bounded by bytes actually seen: a record body is copied only
 * when it spans feeds and its type is one the consumer reads (at most
 * MAX_RECORD bytes, or 32 KiB for an SSLv2 hello), and resynchronisation holds
 * at most one candidate record plus the next header.
 */
import type { Side, Stamp } from '../base/stamp.js';

/** Largest record body allowed (RFC 5246 6.2.3: 2^14 + 2048). */
export const MAX_RECORD = 16384 + 2048;
/** Bytes scanned for a record header after a gap before giving up. */
export const MAX_RESYNC_SCAN = 64 * 1024;

export const CT_CCS = 20;
export const CT_ALERT = 21;
export const CT_HANDSHAKE = 22;
export const CT_APPDATA = 23;
export const CT_HEARTBEAT = 24;
/** Internal content type of an SSLv2-compatible ClientHello record. */
export const CT_SSLV2 = 0x100;

/** Bytes of a record body with the stamp of the frame that delivered them. */
export interface RecordPiece {
  data: Buffer;
  stamp: Stamp;
}

export interface TlsRecord {
  /** Content type (20..24), or CT_SSLV2. */
  type: number;
  /** Version in the record header (0x0300..0x0304; 0x0002 for SSLv2). */
  version: number;
  /** Body length. */
  length: number;
  /** 5, or 2 for an SSLv2 header. */
  headerLength: number;
  /** Stream offset of the record header. */
  offset: number;
  /** Frame of the header's first byte. */
  first: Stamp;
  /** Frame of the body's last byte: where Wireshark shows the record. */
  last: Stamp;
  /**
   * The body in the pieces that delivered it, for types the consumer reads;
   * null for counted-only types and damaged records. Views may point into the
   * fed buffer: valid during the callback only.
   */
  body: RecordPiece[] | null;
  /** Bytes of the body were lost. */
  damaged: boolean;
}

export interface RecordSink {
  record(r: TlsRecord): void;
  problem(text: string): void;
}

export interface RecordReaderOptions {
  /** Content types whose bodies are delivered (others are only counted). */
  keep: (type: number) => boolean;
  /** Accept an SSLv2-compatible 2-byte header as the stream's first record. */
  sslv2?: boolean;
}

/** Is there a plausible TLS record header at buf[h..h+5)? Types 20..23, version 0x0300..0x0304, 0 < length <= MAX_RECORD. */
export function plausibleHeader(buf: Buffer, h: number): boolean {
  if (h + 5 > buf.length) return false;
  const type = buf[h];
  if (type < CT_CCS || type > CT_APPDATA || buf[h + 1] !== 3 || buf[h + 2] > 4) return false;
  const len = buf.readUInt16BE(h + 3);
  return len > 0 && len <= MAX_RECORD;
}

/**
 * Result of scanning for a chain of two plausible headers: the offset of the
 * first one, 'wait' with the offset of a candidate whose successor is not in
 * `buf` yet, or 'none'.
 */
export function findRecordChain(buf: Buffer, from = 0): { at: number; wait: boolean } | null {
  for (let i = buf.indexOf(3, from + 1); i !== -1; i = buf.indexOf(3, i + 1)) {
    const h = i - 1;
    if (h + 5 > buf.length) return { at: h, wait: true };
    if (!plausibleHeader(buf, h)) continue;
    const next = h + 5 + buf.readUInt16BE(h + 3);
    if (next + 5 > buf.length) return { at: h, wait: true };
    if (plausibleHeader(buf, next)) return { at: h, wait: false };
  }
  return null;
}

/**
 * At the end of a stream (its direction closed): the offset of the first
 * plausible header from which a chain of plausible headers ends exactly at
 * `buf`'s end, or -1. One header qualifies alone when its record is the last
 * thing in the stream: the exact fit stands in for the second header that
 * findRecordChain wants.
 */
export function findRecordChainToEnd(buf: Buffer, from = 0): number {
  // ends[h]: a chain from h ends exactly at buf's end (filled backwards, linear in the bytes held).
  const n = buf.length;
  const ends = new Uint8Array(n);
  let first = -1;
  for (let h = n - 5; h >= from; h--) {
    if (!plausibleHeader(buf, h)) continue;
    const next = h + 5 + buf.readUInt16BE(h + 3);
    if (next === n || (next < n && ends[next] === 1)) {
      ends[h] = 1;
      first = h;
    }
  }
  return first;
}

/** The shared empty `held` list of every reader not scanning (never pushed to: scan() replaces it first). */
const NONE: RecordPiece[] = [];
Object.freeze(NONE);

/** A reader's resynchronisation state (only while it scans: four fields fewer per reader otherwise). */
class Resync {
  /** Bytes skipped so far. */
  scanned = 0;
  /** Bytes held while scanning, each with its own stamp (copies). */
  held: RecordPiece[] = NONE;
  heldLen = 0;
  /** Bytes needed in `held` before scanning again (a candidate waits for its successor's header). */
  need = 0;
}

export class RecordReader {
  stopped = false;
  /** Scanning for a record header chain (after a hole, or a start mid-stream). */
  resyncing = false;
  /** Records framed so far. */
  records = 0;
  /** Stream bytes consumed (fed plus lost). */
  offset = 0;
  /** Stamp of the latest feed. */
  lastStamp: Stamp | null = null;
  /** Version of the latest record header framed. */
  lastVersion: number | null = null;

  // Header being read: its bytes as numbers (a Buffer per reader costs ~200 B of heap per connection).
  private h0 = 0;
  private h1 = 0;
  private h2 = 0;
  private h3 = 0;
  private h4 = 0;
  private hdrHave = 0;
  private hdrFirst: Stamp | null = null;
  private hdrOffset = 0;

  // Body being read.
  private inBody = false;
  // (Its version is lastVersion, its first stamp and offset hdrFirst and hdrOffset, its header length
  // told by its type: no field each.)
  private type = 0;
  private len = 0;
  private have = 0;
  /** Copied pieces of a body that spans feeds, or null when only counted. */
  private pieces: RecordPiece[] | null = null;
  private damaged = false;

  /** Resynchronisation state: made by startResync(), dropped when framing resumes or the reader stops. */
  private rs: Resync | null = null;

  constructor(
    readonly side: Side,
    private readonly sink: RecordSink,
    private readonly opts: RecordReaderOptions,
  ) {}

  /** Bytes held for framing or resynchronisation (for budgets and tests). */
  get retained(): number {
    let n = this.rs === null ? 0 : this.rs.heldLen;
    if (this.pieces) for (const p of this.pieces) n += p.data.length;
    return n;
  }

  feed(data: Buffer, stamp: Stamp): void {
    if (this.stopped || data.length === 0) return;
    this.lastStamp = stamp;
    if (this.resyncing) {
      this.scan(data, stamp);
      return;
    }
    this.frame(data, stamp);
  }

  /** `lost` bytes of the stream were not captured. */
  gap(lost: number): void {
    if (this.stopped || lost <= 0) return;
    this.offset += lost;
    if (this.resyncing) {
      const rs = this.rs!;
      this.offset += rs.heldLen;
      rs.held = NONE;
      rs.heldLen = 0;
      rs.need = 0;
      return;
    }
    if (this.inBody) {
      const remaining = this.len - this.have;
      if (lost <= remaining) {
        // Still in step at the record level: only this record's content is lost.
        if (this.type !== CT_APPDATA) {
          if (!this.damaged) this.sink.problem(`${lost} bytes lost inside a record of type ${this.type}`);
          this.damaged = true;
        }
        this.pieces = null;
        this.have += lost;
        if (this.have === this.len) this.complete(this.lastStamp ?? (this.hdrFirst as Stamp));
        return;
      }
    }
    this.sink.problem(`gap of ${lost} bytes: resynchronising`);
    this.startResync();
  }

  /** Look for a record header chain before framing again (after a hole, or at a start mid-stream). */
  startResync(): void {
    this.inBody = false;
    this.pieces = null;
    this.hdrHave = 0;
    this.resyncing = true;
    this.rs = new Resync();
  }

  /**
   * The stream ended (its direction was closed: a FIN, or a reset) and nothing
   * more will come: when still looking for a chain after a hole, a chain of
   * record headers that ends exactly where the bytes end is taken, even a
   * single record (the last one before the FIN). True when framing resumed.
   */
  endOfStream(): boolean {
    const rs = this.rs;
    if (this.stopped || !this.resyncing || rs === null || rs.heldLen < 5) return false;
    const buf = rs.held.length === 1 ? rs.held[0].data : Buffer.concat(rs.held.map((p) => p.data));
    const at = findRecordChainToEnd(buf);
    if (at < 0) return false;
    this.resyncing = false;
    rs.scanned += at;
    this.dropHeld(rs, at);
    this.sink.problem(`resynchronised after skipping ${rs.scanned} bytes, on a record that ends the stream`);
    const pieces = rs.held;
    this.rs = null;
    for (const p of pieces) {
      if (this.stopped) break;
      this.frame(p.data, p.stamp);
    }
    return true;
  }

  /** Records a problem and stops framing this direction. Returns false. */
  stop(text: string): false {
    this.sink.problem(text);
    this.stopped = true;
    this.inBody = false;
    this.pieces = null;
    this.rs = null;
    return false;
  }

  // ---------------------------------------------------------------- framing

  private frame(data: Buffer, stamp: Stamp): void {
    const len = data.length;
    let pos = 0;
    while (pos < len && !this.stopped) {
      if (!this.inBody) {
        // Record header: 5 bytes, or 2 for an SSLv2-compatible ClientHello.
        if (this.hdrHave === 0) {
          this.hdrFirst = stamp;
          this.hdrOffset = this.offset;
          if (len - pos >= 5) {
            // peek; an SSLv2 header takes only 2
            this.h0 = data[pos];
            this.h1 = data[pos + 1];
            this.h2 = data[pos + 2];
            this.h3 = data[pos + 3];
            this.h4 = data[pos + 4];
            const n = this.sslv2Header() ? 2 : 5;
            pos += n;
            this.offset += n;
            this.hdrHave = n;
          } else {
            this.putHeader(data[pos++]);
            this.offset++;
          }
        }
        const want = this.sslv2Header() ? 2 : 5;
        while (this.hdrHave < want && pos < len) {
          this.putHeader(data[pos++]);
          this.offset++;
        }
        if (this.hdrHave < want) return;
        this.hdrHave = 0;
        if (!this.startRecord()) return;
        if (this.len === 0) {
          if (this.pieces !== null) this.pieces.push({ data: data.subarray(0, 0), stamp });
          this.complete(stamp);
        }
        continue;
      }
      const want = this.len - this.have;
      const avail = len - pos;
      if (this.have === 0 && avail >= want && this.pieces !== null) {
        // Whole body in this view: no copy.
        this.pieces.push({ data: data.subarray(pos, pos + want), stamp });
        this.have = want;
        pos += want;
        this.offset += want;
        this.complete(stamp);
        continue;
      }
      const n = Math.min(want, avail);
      if (this.pieces !== null) this.pieces.push({ data: Buffer.from(data.subarray(pos, pos + n)), stamp });
      this.have += n;
      pos += n;
      this.offset += n;
      if (this.have === this.len) this.complete(stamp);
    }
  }

  /** Appends a byte to the header being read. */
  private putHeader(b: number): void {
    switch (this.hdrHave++) {
      case 0: this.h0 = b; break;
      case 1: this.h1 = b; break;
      case 2: this.h2 = b; break;
      case 3: this.h3 = b; break;
      default: this.h4 = b;
    }
  }

  /** Is the header being read (at least 1 byte) an SSLv2 2-byte header at the start of the stream? */
  private sslv2Header(): boolean {
    return this.opts.sslv2 === true && this.records === 0 && (this.h0 & 0x80) !== 0;
  }

  /** Validates the header in h0..h4 and starts the body. False when the direction stopped. */
  private startRecord(): boolean {
    if (this.sslv2Header()) {
      const len = ((this.h0 & 0x7f) << 8) | this.h1;
      if (len < 9) return this.stop(`SSLv2 record too short (${len} bytes)`);
      this.type = CT_SSLV2;
      this.lastVersion = 0x0002;
      this.len = len;
    } else {
      const type = this.h0;
      const version = (this.h1 << 8) | this.h2;
      const len = (this.h3 << 8) | this.h4;
      if (type < CT_CCS || type > CT_HEARTBEAT || this.h1 !== 3 || this.h2 > 4) {
        return this.stop(
          `not a TLS record at byte ${this.hdrOffset} (type ${type}, version 0x${version.toString(16).padStart(4, '0')})`,
        );
      }
      if (len > MAX_RECORD) return this.stop(`record length ${len} exceeds ${MAX_RECORD} at byte ${this.hdrOffset}`);
      this.type = type;
      this.lastVersion = version;
      this.len = len;
    }
    this.records++;
    this.inBody = true;
    this.have = 0;
    this.pieces = this.opts.keep(this.type) ? [] : null;
    this.damaged = false;
    return true;
  }

  private complete(last: Stamp): void {
    const r: TlsRecord = {
      type: this.type,
      version: this.lastVersion as number,
      length: this.len,
      headerLength: this.type === CT_SSLV2 ? 2 : 5,
      offset: this.hdrOffset,
      first: this.hdrFirst as Stamp,
      last,
      body: this.damaged ? null : this.pieces,
      damaged: this.damaged,
    };
    this.inBody = false;
    this.pieces = null;
    this.damaged = false;
    this.sink.record(r);
  }

  // ---------------------------------------------------------------- resynchronisation

  /**
   * Holds `data` and scans the held bytes for a chain of two plausible record
   * headers; on one, framing restarts there with each byte's own stamp.
   */
  private scan(data: Buffer, stamp: Stamp): void {
    const rs = this.rs!;
    if (rs.held === NONE) rs.held = [];
    rs.held.push({ data: Buffer.from(data), stamp });
    rs.heldLen += data.length;
    if (rs.heldLen < rs.need) return;
    const buf = rs.held.length === 1 ? rs.held[0].data : Buffer.concat(rs.held.map((p) => p.data));
    const found = findRecordChain(buf);
    let drop: number;
    if (found === null) drop = Math.max(0, buf.length - 4);
    else drop = found.at;
    rs.scanned += drop;
    this.dropHeld(rs, drop);
    if (found !== null && !found.wait) {
      this.resyncing = false;
      this.sink.problem(`resynchronised after skipping ${rs.scanned} bytes`);
      const pieces = rs.held;
      this.rs = null;
      for (const p of pieces) {
        if (this.stopped) return;
        this.frame(p.data, p.stamp);
      }
      return;
    }
    if (found !== null) {
      // A candidate header: wait for its successor's header.
      rs.need = found.wait && buf.length - found.at >= 5 ? 5 + buf.readUInt16BE(found.at + 3) + 5 : 5;
    } else {
      rs.need = 0;
    }
    if (rs.scanned > MAX_RESYNC_SCAN) this.stop(`no TLS record found in ${rs.scanned} bytes after a gap`);
  }

  /** Drops the first n held bytes. */
  private dropHeld(rs: Resync, n: number): void {
    this.offset += n;
    rs.heldLen -= n;
    const held = rs.held;
    while (n > 0 && held.length > 0) {
      const p = held[0];
      if (p.data.length <= n) {
        n -= p.data.length;
        held.shift();
      } else {
        held[0] = { data: p.data.subarray(n), stamp: p.stamp };
        n = 0;
      }
    }
  }
}
