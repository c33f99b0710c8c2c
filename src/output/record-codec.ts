/**
 * A compact binary form of a plain TCP connection record, for the terminal
 * UI's spill file (src/output/spill.ts, issue 14): a record with no TLS, QUIC
 * or request section (a SYN scan's or flood's, a refused or reset connection,
 * plain TCP without HTTP) is written field by field in a fixed order, without
 * keys, instead of as JSON text. On a scan of a million addresses the UI spent
 * ~2.6 s of CPU in `JSON.stringify` of these records and ~1.2 s writing their
 * 1.3 GB; this form is ~3× smaller (354 against 1,071 bytes for a scan's record)
 * and written without V8's serialiser.
 *
 * What it reads back is what `JSON.parse(JSON.stringify(record))` gives, the
 * detail view's record before: an absent optional field stays absent, a
 * number that is not finite reads back as null, -0 as 0. Anything it cannot
 * write exactly (a count or frame number outside 32 bits, a section it does
 * not know) makes `encodePlainTcp` return null and the record is spilled as
 * JSON. test/output/record-codec.test.ts compares the two on every fixture.
 *
 * Layout, little-endian, unaligned: a marker byte (JSON text starts with `{`),
 * then the fields in the order of ConnectionRecord. An integer is 4 bytes
 * (INT_NULL for null), a time or duration 8 (a double; NaN for null), an enum
 * its index in its list (1 byte; 255 for null: the finding codes and
 * severities too), a string 4 bytes of header
 * (-1 for null; else its length in code units × 2, +1 when its code units are
 * written as 2 bytes each rather than 1) and its code units.
 */
import { CONNECTION_STATES, EVENT_TYPES, FINDING_CODES, SEVERITIES } from '../timeline/types.js';
import type { ConnectionRecord, EventType, Finding, TimelineEvent } from '../timeline/types.js';

/** First byte of a record in this form. */
export const PLAIN_TCP_MARK = 0x01;

const INT_NULL = -0x80000000;
const ENUM_NULL = 255;

const SIDES = ['client', 'server'] as const;
const TEARDOWN_BY = ['FIN', 'RST', 'CONNECTION_CLOSE', 'idle'] as const;
const ONE_SIDED = ['client-only', 'server-only'] as const;
const HTTP = ['http/1', 'h2'] as const;

const EVENT_INDEX = new Map<string, number>(EVENT_TYPES.map((t, i) => [t, i]));
const CODE_INDEX = new Map<string, number>(FINDING_CODES.map((t, i) => [t, i]));

/** Event flags: which optional fields are present, and the booleans' values. */
const HAS_RETRANSMISSION = 1;
const RETRANSMISSION = 2;
const HAS_INFERRED = 4;
const INFERRED = 8;
const HAS_DETAIL = 16;
/** Finding flags. */
const HAS_COST = 1;
/** mss flags. */
const HAS_MSS_CLIENT = 1;
const HAS_MSS_SERVER = 2;

/** Thrown inside the encoder when a value has no exact form here; the record goes as JSON. */
class NotPlain {}
const NOT_PLAIN = new NotPlain();

/**
 * Writes `s` as UTF-8 into `b` at `at` (at most `max` bytes); returns the bytes
 * written. Buffer's own `utf8Write` where the runtime has it (Node 20 and 24 do;
 * not in the typings): `write()`'s argument juggling cost ~75 ns a call inside
 * the terminal UI's process, against ~40 ns alone.
 */
const utf8Into: (b: Buffer, s: string, at: number, max: number) => number =
  typeof (Buffer.prototype as unknown as { utf8Write?: unknown }).utf8Write === 'function'
    ? (b, s, at, max) => (b as unknown as { utf8Write(s: string, at: number, max: number): number }).utf8Write(s, at, max)
    : (b, s, at, max) => b.write(s, at, max, 'utf8');

/** Strings from this length are copied natively (utf8Into, ~40 ns a call) rather than by a loop (~1.3 ns a code unit). */
const LONG = 24;

/** Bytes always free after a string, and asked for before the record, each event, offset and finding. */
const SLACK = 256;

/** Writes the fields into a growing scratch buffer. */
class Writer {
  buf: Buffer;
  view: DataView;
  pos = 0;

  constructor(size: number) {
    this.buf = Buffer.allocUnsafeSlow(size);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  /**
   * At least n bytes free. The fixed-size fields write without asking: the
   * record, each event, offset and finding ask for SLACK first, and each
   * string for its own bytes and SLACK after them, more than any run of
   * fixed-size fields between two of those needs (< 200 bytes).
   */
  room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const b = Buffer.allocUnsafeSlow(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(b, 0, 0, this.pos);
    this.buf = b;
    this.view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }

  u8(v: number): void {
    this.buf[this.pos++] = v;
  }

  int(v: number): void {
    if ((v | 0) !== v || v === INT_NULL) throw NOT_PLAIN;
    this.view.setInt32(this.pos, v, true);
    this.pos += 4;
  }

  intOrNull(v: number | null | undefined): void {
    if (v === null || v === undefined) {
      this.view.setInt32(this.pos, INT_NULL, true);
      this.pos += 4;
    } else this.int(v);
  }

  /** A double; null (and anything JSON would write as null) as NaN. */
  num(v: number | null): void {
    this.view.setFloat64(this.pos, v === null ? NaN : v, true);
    this.pos += 8;
  }

  bool(v: boolean): void {
    if (v !== true && v !== false) throw NOT_PLAIN;
    this.u8(v ? 1 : 0);
  }

  /** A value of a long list (event types, finding codes): its index, found in `index`. */
  indexed(v: string, index: ReadonlyMap<string, number>): void {
    const i = index.get(v);
    if (i === undefined) throw NOT_PLAIN;
    this.u8(i);
  }

  /** An enum: the value's index in `list`, or ENUM_NULL for null. */
  pick(v: string | null, list: readonly string[]): void {
    if (v === null) return this.u8(ENUM_NULL);
    const i = list.indexOf(v);
    if (i < 0) throw NOT_PLAIN;
    this.u8(i);
  }

  str(s: string | null): void {
    if (s === null) {
      this.room(4 + SLACK);
      return this.int(-1);
    }
    if (typeof s !== 'string') throw NOT_PLAIN;
    // Its header holds 2n + 1 in 31 bits: V8's longest string is 2^29 - 24 code units.
    const n = s.length;
    this.room(4 + 3 * n + SLACK);
    const at = this.pos;
    const buf = this.buf;
    let p = at + 4;
    let i = 0;
    if (n >= LONG && utf8Into(buf, s, p, 3 * n) === n) {
      // In one native call: UTF-8 of one byte per code unit is ASCII, as written.
      p += n;
      i = n;
    } else {
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c > 0xff) break;
        buf[p++] = c;
      }
    }
    if (i === n) {
      this.view.setInt32(at, 2 * n, true);
    } else {
      // A code unit above 0xff: the whole string as two bytes per code unit (any code unit, lone surrogates too).
      p = at + 4 + buf.write(s, at + 4, 'utf16le');
      this.view.setInt32(at, 2 * n + 1, true);
    }
    this.pos = p;
  }
}

/** Reads the fields back in the order they were written. */
class Reader {
  private readonly view: DataView;
  pos = 1;

  constructor(private readonly buf: Buffer) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  u8(): number {
    return this.buf[this.pos++]!;
  }

  int(): number {
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }

  intOrNull(): number | null {
    const v = this.int();
    return v === INT_NULL ? null : v;
  }

  /** As JSON.parse(JSON.stringify(x)) gives it: not finite → null, -0 → 0. */
  num(): number | null {
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return Number.isFinite(v) ? (v === 0 ? 0 : v) : null;
  }

  bool(): boolean {
    return this.u8() === 1;
  }

  pick<T extends string>(list: readonly T[]): T | null {
    const i = this.u8();
    return i === ENUM_NULL ? null : list[i]!;
  }

  str(): string | null {
    const h = this.int();
    if (h === -1) return null;
    const bytes = h & ~1;
    const two = (h & 1) === 1;
    const at = this.pos;
    this.pos += two ? bytes : bytes >> 1;
    return this.buf.toString(two ? 'utf16le' : 'latin1', at, this.pos);
  }
}

/** A record this form holds: TCP with no TLS, QUIC or requests. */
export function isPlainTcp(c: ConnectionRecord): boolean {
  return c.transport === 'tcp' && c.tcp !== null && c.tls === null && c.quic === null && c.requests.length === 0;
}

let scratch = new Writer(4096);

/** Starts the scratch buffer again at `bytes` (tests: records that outgrow it at every field). */
export function resetScratch(bytes: number): void {
  scratch = new Writer(bytes);
}

/**
 * `c` in the compact form when it is a plain TCP record with an exact form
 * here: a view of a scratch buffer, valid until the next call; null otherwise
 * (write it as JSON).
 */
export function encodePlainTcp(c: ConnectionRecord): Buffer | null {
  if (!isPlainTcp(c)) return null;
  const w = scratch;
  w.pos = 0;
  try {
    writeRecord(w, c);
  } catch (e) {
    // A value without an exact form here; or a write past the scratch's end, which the
    // room() calls rule out (a field past the end moves `pos` past it, or DataView throws).
    if (e === NOT_PLAIN || e instanceof RangeError) return null;
    throw e;
  }
  if (w.pos > w.buf.length) return null;
  return w.buf.subarray(0, w.pos);
}

function writeRecord(w: Writer, c: ConnectionRecord): void {
  w.room(SLACK);
  w.u8(PLAIN_TCP_MARK);
  w.int(c.id);
  w.str(c.client.ip);
  w.int(c.client.port);
  w.str(c.server.ip);
  w.int(c.server.port);
  w.bool(c.midstream);
  w.pick(c.state, CONNECTION_STATES);
  w.pick(c.resetBy, SIDES);
  w.int(c.firstFrame);
  w.int(c.lastFrame);
  w.num(c.start);
  w.num(c.end);
  w.int(c.packets);
  w.num(c.bytes);
  w.int(c.events.length);
  for (const e of c.events) writeEvent(w, e);
  const t = c.tcp!;
  w.int(t.synRetransmits);
  w.int(t.synAckRetransmits);
  w.int(t.synRetransmitOffsetsMs.length);
  for (const o of t.synRetransmitOffsetsMs) {
    w.room(SLACK);
    w.num(o);
  }
  w.num(t.handshakeMs);
  w.num(t.initialRttMs);
  const mss = t.mss;
  const hasC = mss.client !== undefined;
  const hasS = mss.server !== undefined;
  w.u8((hasC ? HAS_MSS_CLIENT : 0) | (hasS ? HAS_MSS_SERVER : 0));
  if (hasC) w.intOrNull(mss.client);
  if (hasS) w.intOrNull(mss.server);
  w.int(t.retransmissions);
  w.int(t.outOfOrder);
  w.num(t.missingBytes);
  const s = c.setup;
  w.num(s.ms);
  w.intOrNull(s.roundTrips);
  w.num(s.bytes);
  w.intOrNull(s.packets);
  w.num(s.certificateBytes);
  w.intOrNull(s.endFrame);
  w.num(c.firstDataMs.client);
  w.num(c.firstDataMs.server);
  w.num(c.lifetimeMs);
  w.num(c.setupShare);
  const td = c.teardown;
  w.pick(td.initiator, SIDES);
  w.pick(td.by, TEARDOWN_BY);
  w.num(td.ms);
  w.num(td.idleBeforeSec);
  w.int(c.problems.length);
  for (const p of c.problems) w.str(p);
  w.pick(c.oneSided, ONE_SIDED);
  w.int(c.findings.length);
  for (const f of c.findings) writeFinding(w, f);
  w.bool(c.requestsEstimated);
  w.pick(c.httpProtocol, HTTP);
  w.num(c.setupMsPerRequest);
}

function writeEvent(w: Writer, e: TimelineEvent): void {
  w.room(SLACK);
  w.indexed(e.type, EVENT_INDEX);
  w.pick(e.from, SIDES);
  w.int(e.frame);
  w.int(e.firstFrame);
  w.num(e.time);
  w.num(e.bytes);
  const r = e.retransmission;
  const inf = e.inferred;
  const d = e.detail;
  w.u8((r !== undefined ? HAS_RETRANSMISSION | (r ? RETRANSMISSION : 0) : 0) | (inf !== undefined ? HAS_INFERRED | (inf ? INFERRED : 0) : 0) | (d !== undefined ? HAS_DETAIL : 0));
  if (d !== undefined) w.str(d);
}

function writeFinding(w: Writer, f: Finding): void {
  w.room(SLACK);
  w.indexed(f.code, CODE_INDEX);
  w.pick(f.severity, SEVERITIES);
  w.int(f.frame);
  w.str(f.detail);
  const cost = f.costMs;
  w.u8(cost !== undefined ? HAS_COST : 0);
  if (cost !== undefined) w.num(cost);
}

/** A record written by encodePlainTcp, as JSON.parse(JSON.stringify(record)) would give it. */
export function decodePlainTcp(buf: Buffer): ConnectionRecord {
  const r = new Reader(buf);
  const id = r.int();
  const client = { ip: r.str()!, port: r.int() };
  const server = { ip: r.str()!, port: r.int() };
  const midstream = r.bool();
  const state = r.pick(CONNECTION_STATES)!;
  const resetBy = r.pick(SIDES);
  const firstFrame = r.int();
  const lastFrame = r.int();
  const start = r.num()!;
  const end = r.num()!;
  const packets = r.int();
  const bytes = r.num()!;
  const events: TimelineEvent[] = [];
  for (let n = r.int(), k = 0; k < n; k++) events.push(readEvent(r));
  const synRetransmits = r.int();
  const synAckRetransmits = r.int();
  const synRetransmitOffsetsMs: number[] = [];
  for (let n = r.int(), k = 0; k < n; k++) synRetransmitOffsetsMs.push(r.num()!);
  const handshakeMs = r.num();
  const initialRttMs = r.num();
  const mssFlags = r.u8();
  const mss: { client?: number; server?: number } = {};
  if (mssFlags & HAS_MSS_CLIENT) mss.client = r.intOrNull()!;
  if (mssFlags & HAS_MSS_SERVER) mss.server = r.intOrNull()!;
  const tcp = {
    synRetransmits,
    synAckRetransmits,
    synRetransmitOffsetsMs,
    handshakeMs,
    initialRttMs,
    mss,
    retransmissions: r.int(),
    outOfOrder: r.int(),
    missingBytes: r.num()!,
  };
  const setup = { ms: r.num(), roundTrips: r.intOrNull(), bytes: r.num()!, packets: r.intOrNull()!, certificateBytes: r.num(), endFrame: r.intOrNull() };
  const firstDataMs = { client: r.num(), server: r.num() };
  const lifetimeMs = r.num()!;
  const setupShare = r.num();
  const teardown = { initiator: r.pick(SIDES), by: r.pick(TEARDOWN_BY), ms: r.num(), idleBeforeSec: r.num() };
  const problems: string[] = [];
  for (let n = r.int(), k = 0; k < n; k++) problems.push(r.str()!);
  const oneSided = r.pick(ONE_SIDED);
  const findings: Finding[] = [];
  for (let n = r.int(), k = 0; k < n; k++) findings.push(readFinding(r));
  const requestsEstimated = r.bool();
  const httpProtocol = r.pick(HTTP);
  const setupMsPerRequest = r.num();
  return {
    id,
    client,
    server,
    transport: 'tcp',
    midstream,
    state,
    resetBy,
    firstFrame,
    lastFrame,
    start,
    end,
    packets,
    bytes,
    events,
    tcp,
    tls: null,
    setup,
    firstDataMs,
    lifetimeMs,
    setupShare,
    teardown,
    problems,
    oneSided,
    findings,
    quic: null,
    requests: [],
    requestsEstimated,
    httpProtocol,
    setupMsPerRequest,
  };
}

function readEvent(r: Reader): TimelineEvent {
  const type = EVENT_TYPES[r.u8()]! as EventType;
  const ev: TimelineEvent = { type, from: r.pick(SIDES)!, frame: r.int(), firstFrame: r.int(), time: r.num()!, bytes: r.num()! };
  const flags = r.u8();
  if (flags & HAS_RETRANSMISSION) ev.retransmission = (flags & RETRANSMISSION) !== 0;
  if (flags & HAS_INFERRED) ev.inferred = (flags & INFERRED) !== 0;
  if (flags & HAS_DETAIL) ev.detail = r.str()!;
  return ev;
}

function readFinding(r: Reader): Finding {
  const f: Finding = { code: FINDING_CODES[r.u8()]!, severity: r.pick(SEVERITIES)!, frame: r.int(), detail: r.str()! };
  if (r.u8() & HAS_COST) f.costMs = r.num()!;
  return f;
}
