/**
 * The TLS record layer of src/tls/records.ts, driven directly.
 *
 * Real captures: each direction's in-order TCP payload (tshark's segments,
 * test/tls/streams.ts rules) is fed to a RecordReader whole, in small pieces
 * and cut short; the records must be tshark's records of that direction
 * (tls.record.content_type / opaque_type, version, length, and the frame where
 * tshark shows the record: the one that delivers its last byte).
 *
 * Hand-built records for what no capture has, expected values from the RFCs:
 * RFC 5246 6.2.1 (TLSPlaintext: type(1) version(2) length(2), types 20..23),
 * RFC 6520 (heartbeat, type 24), RFC 5246 6.2.3 (length <= 2^14 + 2048),
 * RFC 5246 E.2 (an SSLv2-compatible CLIENT-HELLO: a 2-byte header with the high
 * bit set, at least 9 bytes of fixed fields), and the module's own contract for
 * loss (a hole inside a record damages that record only; any other hole loses
 * the framing until a chain of two plausible headers is found).
 */
import {
  RecordReader,
  plausibleHeader,
  findRecordChain,
  findRecordChainToEnd,
  MAX_RECORD,
  MAX_RESYNC_SCAN,
  CT_SSLV2,
  type RecordReaderOptions,
  type TlsRecord,
} from '../../src/tls/records.js';
import type { Side, Stamp } from '../../src/base/stamp.js';
import { tsharkDirections, type TsharkDirection } from './tshark-records.js';

const stamp = (frame: number): Stamp => ({ frame, tsSec: 1_700_000_000 + frame, tsNsec: frame * 1000 });

interface Seen {
  type: number;
  version: number;
  length: number;
  headerLength: number;
  offset: number;
  first: number;
  last: number;
  /** The body's bytes (copied during the callback), or null. */
  body: Buffer | null;
  /** Frame of each body piece. */
  pieceFrames: number[] | null;
  damaged: boolean;
}

function snapshot(r: TlsRecord): Seen {
  return {
    type: r.type,
    version: r.version,
    length: r.length,
    headerLength: r.headerLength,
    offset: r.offset,
    first: r.first.frame,
    last: r.last.frame,
    body: r.body === null ? null : Buffer.from(Buffer.concat(r.body.map((p) => p.data))),
    pieceFrames: r.body === null ? null : r.body.map((p) => p.stamp.frame),
    damaged: r.damaged,
  };
}

function make(opts: RecordReaderOptions = { keep: () => true }, side: Side = 'client') {
  const recs: Seen[] = [];
  const problems: string[] = [];
  const r = new RecordReader(side, { record: (x) => recs.push(snapshot(x)), problem: (t) => problems.push(t) }, opts);
  return { r, recs, problems };
}

/** A TLS record: 5-byte header (RFC 5246 6.2.1) and a body of `len` bytes of `fill`. */
function rec(type: number, len: number, version = 0x0303, fill = 0xaa): Buffer {
  const b = Buffer.alloc(5 + len, fill);
  b[0] = type;
  b.writeUInt16BE(version, 1);
  b.writeUInt16BE(len, 3);
  return b;
}

/** Bytes with no 0x03 in them (no record header can start in them). */
const garbage = (n: number, fill = 0x41) => Buffer.alloc(n, fill);

// ------------------------------------------------------------------ real captures

/** Captures with a variety of record layouts; `sslv2`: the client starts with an SSLv2-compatible hello. */
const CAPTURES: { name: string; sslv2?: boolean }[] = [
  { name: 'lo-tls12-full.pcap' },
  { name: 'lo-tls13-full.pcap' },
  { name: 'lo-tls12-client-cert.pcap' },
  { name: 'zeek-tls11.pcap' },
  { name: 'arkime-openssl-ssl3.pcap' },
  { name: 'arkime-tls13-split-client-hello.pcap' },
  { name: 'zeek-tls12-handshake-failure-alert.pcap' },
  { name: 'ns-tls12-mtu1500-cert-chain.pcap' },
  { name: 'suricata-sslv2-hello-upgrade-tls10.pcap', sslv2: true },
];

const expected = (d: TsharkDirection) =>
  d.records.map((t) => ({ type: t.type, version: t.version, length: t.length, last: t.frame }));

const ours = (recs: Seen[]) =>
  recs.map((s) => ({ type: s.type === CT_SSLV2 ? -1 : s.type, version: s.version, length: s.length, last: s.last }));

/** Frame of each byte of a direction. */
function byteFrames(d: TsharkDirection): number[] {
  const f: number[] = [];
  for (const c of d.chunks) for (let i = 0; i < c.data.length; i++) f.push(c.stamp.frame);
  return f;
}

/** Feeds a direction's chunks, each cut into pieces of `size` bytes (same stamps). */
function feedDirection(r: RecordReader, d: TsharkDirection, size = Infinity, upTo = Infinity): void {
  let fed = 0;
  for (const c of d.chunks) {
    for (let p = 0; p < c.data.length && fed < upTo; ) {
      const n = Math.min(size, c.data.length - p, upTo - fed);
      r.feed(c.data.subarray(p, p + n), c.stamp);
      p += n;
      fed += n;
    }
  }
}

describe.each(CAPTURES)('records of $name against tshark', ({ name, sslv2 }) => {
  const dirs = tsharkDirections(name);

  it('has directions and records to compare', () => {
    expect(dirs.length).toBeGreaterThanOrEqual(2);
    for (const d of dirs) expect(d.records.length).toBeGreaterThan(0);
  });

  it.each([Infinity, 1, 3, 7])('frames tshark records, fed in pieces of %s bytes', (size) => {
    for (const d of dirs) {
      const { r, recs, problems } = make({ keep: () => true, sslv2: sslv2 === true && d.side === 'client' });
      feedDirection(r, d, size);
      expect(problems).toEqual([]);
      expect(ours(recs)).toEqual(expected(d));
      expect(r.records).toBe(d.records.length);
      expect(r.offset).toBe(d.bytes.length);
      expect(r.lastVersion).toBe(d.records[d.records.length - 1].version);
      expect(r.lastStamp?.frame).toBe(d.chunks[d.chunks.length - 1].stamp.frame);
      expect(r.retained).toBe(0);
      expect(r.stopped).toBe(false);
      // Offsets, header lengths, first frames and bodies follow from tshark's lengths (5-byte headers, 2 for SSLv2).
      const frames = byteFrames(d);
      let off = 0;
      for (const [i, s] of recs.entries()) {
        const t = d.records[i];
        const hdr = t.type === -1 ? 2 : 5;
        expect({ i, offset: s.offset, headerLength: s.headerLength, first: s.first, damaged: s.damaged }).toEqual({
          i, offset: off, headerLength: hdr, first: frames[off], damaged: false,
        });
        expect(s.body?.equals(d.bytes.subarray(off + hdr, off + hdr + t.length))).toBe(true);
        off += hdr + t.length;
      }
      expect(off).toBe(d.bytes.length);
    }
  });

  it('a direction cut short: only the records that end before the cut, nothing else', () => {
    for (const d of dirs) {
      const ends: number[] = [];
      let off = 0;
      for (const t of d.records) ends.push((off += (t.type === -1 ? 2 : 5) + t.length));
      const cuts = new Set<number>();
      for (const e of [0, ...ends]) for (const k of [1, 2, 4, 5, 6, 7]) if (e + k < d.bytes.length) cuts.add(e + k);
      for (const e of ends) if (e - 1 > 0) cuts.add(e - 1);
      for (const cut of cuts) {
        const { r, recs, problems } = make({ keep: () => true, sslv2: sslv2 === true && d.side === 'client' });
        feedDirection(r, d, Infinity, cut);
        expect({ cut, problems, n: recs.length }).toEqual({ cut, problems: [], n: ends.filter((e) => e <= cut).length });
        expect(r.offset).toBe(cut);
      }
    }
  });

  it('bodies only for the types kept; the others are counted with a null body', () => {
    for (const d of dirs) {
      const { r, recs } = make({ keep: (t) => t === 22, sslv2: sslv2 === true && d.side === 'client' });
      feedDirection(r, d, 5);
      expect(ours(recs)).toEqual(expected(d));
      for (const s of recs) expect(s.body === null).toBe(s.type !== 22);
      expect(r.retained).toBe(0);
    }
  });
});

// ------------------------------------------------------------------ plausibleHeader

describe('plausibleHeader (types 20..23, version 3.0..3.4, 0 < length <= 2^14 + 2048)', () => {
  const h = (type: number, major: number, minor: number, len: number) => Buffer.from([type, major, minor, len >> 8, len & 0xff]);

  it('MAX_RECORD is RFC 5246 6.2.3 2^14 + 2048', () => {
    expect(MAX_RECORD).toBe(16384 + 2048);
    expect(MAX_RESYNC_SCAN).toBe(65536);
  });

  it.each([
    [19, false], [20, true], [21, true], [22, true], [23, true], [24, false], [0, false], [255, false],
  ])('type %d -> %s', (type, ok) => {
    expect(plausibleHeader(h(type, 3, 3, 10), 0)).toBe(ok);
  });

  it.each([
    [2, 0, false], [4, 0, false], [3, 0, true], [3, 1, true], [3, 4, true], [3, 5, false], [0, 3, false],
  ])('version %d.%d -> %s', (major, minor, ok) => {
    expect(plausibleHeader(h(22, major, minor, 10), 0)).toBe(ok);
  });

  it.each([
    [0, false], [1, true], [16384, true], [16384 + 256, true], [MAX_RECORD, true], [MAX_RECORD + 1, false], [0xffff, false],
  ])('length %d -> %s', (len, ok) => {
    expect(plausibleHeader(h(23, 3, 3, len), 0)).toBe(ok);
  });

  it('needs all 5 bytes inside the buffer, at the offset given', () => {
    const b = Buffer.concat([Buffer.from([0]), h(22, 3, 1, 4)]);
    expect(plausibleHeader(b, 1)).toBe(true);
    expect(plausibleHeader(b, 0)).toBe(false);
    expect(plausibleHeader(b.subarray(0, 5), 1)).toBe(false);
    expect(plausibleHeader(h(22, 3, 1, 4).subarray(0, 4), 0)).toBe(false);
  });
});

// ------------------------------------------------------------------ findRecordChain

describe('findRecordChain: two plausible headers in a row', () => {
  it('a chain at the start', () => {
    expect(findRecordChain(Buffer.concat([rec(22, 4), rec(23, 2)]))).toEqual({ at: 0, wait: false });
  });

  it('a chain after garbage, ignoring a lone 0x03 and a header whose successor is not plausible', () => {
    const buf = Buffer.concat([garbage(3), Buffer.from([3]), rec(22, 2), garbage(6), rec(21, 2), rec(23, 1)]);
    // rec(22, 2) at 4 is plausible, but its successor (garbage) is not; the chain starts at 4 + 7 + 6.
    expect(findRecordChain(buf)).toEqual({ at: 17, wait: false });
  });

  it('a 0x03 in the first byte cannot be a header version (the type byte comes first)', () => {
    const buf = Buffer.concat([Buffer.from([3, 3]), rec(23, 1), rec(23, 1)]);
    expect(findRecordChain(buf)).toEqual({ at: 2, wait: false });
  });

  it('starts at `from`', () => {
    const buf = Buffer.concat([rec(22, 1), rec(22, 1), rec(23, 1)]);
    expect(findRecordChain(buf, 0)).toEqual({ at: 0, wait: false });
    expect(findRecordChain(buf, 1)).toEqual({ at: 6, wait: false });
    expect(findRecordChain(buf, 6)).toEqual({ at: 6, wait: false });
    // From 7 on only the last header is left: its successor would start at the buffer's end.
    expect(findRecordChain(buf, 7)).toEqual({ at: 12, wait: true });
  });

  it('wait: a candidate cut by the end of the buffer, or whose successor header is not all there', () => {
    expect(findRecordChain(Buffer.concat([garbage(2), Buffer.from([22, 3, 3])]))).toEqual({ at: 2, wait: true });
    expect(findRecordChain(Buffer.concat([garbage(2), Buffer.from([22, 3])]))).toEqual({ at: 2, wait: true });
    expect(findRecordChain(Buffer.concat([garbage(2), rec(22, 3)]))).toEqual({ at: 2, wait: true });
    expect(findRecordChain(Buffer.concat([rec(22, 3), Buffer.from([23, 3, 3, 0])]))).toEqual({ at: 0, wait: true });
    // Exactly the successor's 5 header bytes: decided.
    expect(findRecordChain(Buffer.concat([rec(22, 3), Buffer.from([23, 3, 3, 0, 1])]))).toEqual({ at: 0, wait: false });
  });

  it('none: no 0x03, or only implausible candidates', () => {
    expect(findRecordChain(garbage(50))).toBeNull();
    expect(findRecordChain(Buffer.alloc(0))).toBeNull();
    expect(findRecordChain(Buffer.concat([Buffer.from([25, 3, 3, 0, 1, 0]), garbage(10)]))).toBeNull();
    expect(findRecordChain(Buffer.concat([rec(22, 3), garbage(10)]))).toBeNull();
    // A whole implausible header right at the end is no candidate either.
    expect(findRecordChain(Buffer.concat([garbage(2), Buffer.from([25, 3, 9, 0, 1])]))).toBeNull();
  });
});

// ------------------------------------------------------------------ findRecordChainToEnd

describe('findRecordChainToEnd: a chain of plausible headers ending exactly at the end', () => {
  it('one record filling the buffer', () => {
    expect(findRecordChainToEnd(rec(21, 2))).toBe(0);
    expect(findRecordChainToEnd(rec(23, 1))).toBe(0);
    expect(findRecordChainToEnd(Buffer.concat([garbage(9), rec(21, 2)]))).toBe(9);
  });

  it('the earliest header of a chain', () => {
    expect(findRecordChainToEnd(Buffer.concat([garbage(4), rec(22, 6), rec(20, 1), rec(23, 30)]))).toBe(4);
    // A record whose body is itself a record: both chains end at the end; the outer one starts first.
    expect(findRecordChainToEnd(Buffer.concat([Buffer.from([23, 3, 3, 0, 7]), rec(21, 2)]))).toBe(0);
  });

  it('-1 when the last record overruns or falls short of the end', () => {
    expect(findRecordChainToEnd(rec(22, 6).subarray(0, 10))).toBe(-1);
    expect(findRecordChainToEnd(Buffer.concat([rec(22, 6), garbage(1)]))).toBe(-1);
    expect(findRecordChainToEnd(Buffer.concat([rec(22, 6), Buffer.from([23, 3, 3, 0, 9, 1])]))).toBe(-1);
    expect(findRecordChainToEnd(Buffer.alloc(4))).toBe(-1);
    expect(findRecordChainToEnd(Buffer.alloc(0))).toBe(-1);
  });

  it('a header before a broken link does not chain', () => {
    // rec(22, 2) ends where an implausible header starts; only the last record qualifies.
    const buf = Buffer.concat([rec(22, 2), Buffer.from([99, 3, 3, 0, 1, 0]), rec(23, 1)]);
    expect(findRecordChainToEnd(buf)).toBe(13);
  });

  it('starts at `from`', () => {
    const buf = Buffer.concat([rec(22, 1), rec(23, 1)]);
    expect(findRecordChainToEnd(buf, 0)).toBe(0);
    expect(findRecordChainToEnd(buf, 1)).toBe(6);
    expect(findRecordChainToEnd(buf, 6)).toBe(6);
    expect(findRecordChainToEnd(buf, 7)).toBe(-1);
  });
});

// ------------------------------------------------------------------ RecordReader framing

describe('RecordReader framing', () => {
  it('records in one feed: views of the body, offsets, stamps', () => {
    const { r, recs, problems } = make();
    const a = rec(22, 4, 0x0301, 1);
    const b = rec(23, 3, 0x0303, 2);
    r.feed(Buffer.concat([a, b]), stamp(7));
    expect(problems).toEqual([]);
    expect(recs).toEqual([
      { type: 22, version: 0x0301, length: 4, headerLength: 5, offset: 0, first: 7, last: 7, body: Buffer.alloc(4, 1), pieceFrames: [7], damaged: false },
      { type: 23, version: 0x0303, length: 3, headerLength: 5, offset: 9, first: 7, last: 7, body: Buffer.alloc(3, 2), pieceFrames: [7], damaged: false },
    ]);
    expect(r.records).toBe(2);
    expect(r.offset).toBe(17);
    expect(r.lastVersion).toBe(0x0303);
    expect(r.lastStamp).toEqual(stamp(7));
  });

  it('a header cut at every byte and a body over several feeds: first/last frames and per-piece stamps', () => {
    const whole = Buffer.concat([rec(22, 6, 0x0303, 5), rec(21, 2, 0x0303, 6)]);
    for (let cut = 1; cut < 5; cut++) {
      const { r, recs, problems } = make();
      r.feed(whole.subarray(0, cut), stamp(1));
      expect(recs).toEqual([]);
      expect(r.retained).toBe(0);
      r.feed(whole.subarray(cut, 7), stamp(2));
      expect(r.retained).toBe(2);
      r.feed(whole.subarray(7, 9), stamp(3));
      expect(r.retained).toBe(4);
      r.feed(whole.subarray(9), stamp(4));
      expect(problems).toEqual([]);
      expect(recs).toEqual([
        { type: 22, version: 0x0303, length: 6, headerLength: 5, offset: 0, first: 1, last: 4, body: Buffer.alloc(6, 5), pieceFrames: [2, 3, 4], damaged: false },
        { type: 21, version: 0x0303, length: 2, headerLength: 5, offset: 11, first: 4, last: 4, body: Buffer.alloc(2, 6), pieceFrames: [4], damaged: false },
      ]);
      expect(r.offset).toBe(18);
      expect(r.retained).toBe(0);
    }
  });

  it('a body spanning feeds is copied (the fed buffers may be reused)', () => {
    const { r, recs } = make();
    const buf = rec(22, 4, 0x0303, 9);
    const part = Buffer.from(buf.subarray(0, 7));
    r.feed(part, stamp(1));
    part.fill(0);
    r.feed(Buffer.from(buf.subarray(7)), stamp(2));
    expect(recs[0].body).toEqual(Buffer.alloc(4, 9));
  });

  it('a body inside one feed is a view of the fed bytes, a body spanning feeds is copied (allocation contract of src/tls/records.ts)', () => {
    // The contract (file comment of src/tls/records.ts): "a record body is copied only when it spans
    // feeds"; TlsRecord.body: "Views may point into the fed buffer". Each feed gets memory of its own
    // (not Node's shared 8 KiB pool), so a view is told from a copy by the ArrayBuffer behind it.
    const fed: Buffer[] = [];
    const pieces: (string | number[])[][] = [];
    const r = new RecordReader('client', {
      record: (x) => pieces.push((x.body ?? []).map((p) => {
        const i = fed.findIndex((f) => f.buffer === p.data.buffer);
        return i < 0 ? `copy of ${p.data.length}` : [i, p.data.byteOffset - fed[i].byteOffset, p.data.length];
      })),
      problem: (t) => { throw new Error(t); },
    }, { keep: () => true });
    const feed = (bytes: Buffer, frame: number) => {
      const own = Buffer.from(new ArrayBuffer(bytes.length));
      bytes.copy(own);
      fed.push(own);
      r.feed(own, stamp(frame));
    };
    const third = rec(21, 4);
    // Feed 0: a record with bytes after it, then one ending exactly at the feed's end.
    feed(Buffer.concat([rec(22, 4), rec(23, 3)]), 1);
    // Feeds 1 and 2: a record cut after 2 body bytes, then one ending feed 2.
    feed(third.subarray(0, 7), 2);
    feed(Buffer.concat([third.subarray(7), rec(22, 2)]), 3);
    expect(pieces).toEqual([
      [[0, 5, 4]],
      [[0, 14, 3]],
      ['copy of 2', 'copy of 2'],
      [[2, 7, 2]],
    ]);
  });

  it('a header whose body starts in the next feed, and a record ending a feed', () => {
    const { r, recs } = make();
    r.feed(rec(22, 3).subarray(0, 5), stamp(1));
    r.feed(rec(22, 3).subarray(5), stamp(2));
    expect(recs.map((s) => [s.first, s.last, s.pieceFrames])).toEqual([[1, 2, [2]]]);
  });

  it('zero-length records (RFC 5246 6.2.1 allows empty application data) complete at once', () => {
    const { r, recs, problems } = make({ keep: (t) => t === 23 });
    r.feed(Buffer.concat([rec(23, 0), rec(21, 0), rec(23, 2)]), stamp(3));
    r.feed(rec(23, 0), stamp(4));
    expect(problems).toEqual([]);
    expect(recs.map((s) => [s.type, s.length, s.offset, s.body?.length ?? null, s.last])).toEqual([
      [23, 0, 0, 0, 3], [21, 0, 5, null, 3], [23, 2, 10, 2, 3], [23, 0, 17, 0, 4],
    ]);
  });

  it('lengths up to 2^14 + 2048 are framed (2^14 plaintext, +256 TLS 1.3, +2048 TLS 1.2 ciphertext)', () => {
    for (const len of [16384, 16384 + 256, MAX_RECORD]) {
      const { r, recs, problems } = make();
      const b = rec(23, len);
      r.feed(b.subarray(0, 1000), stamp(1));
      r.feed(b.subarray(1000), stamp(2));
      expect(problems).toEqual([]);
      expect(recs.map((s) => [s.length, s.body?.length])).toEqual([[len, len]]);
    }
  });

  it('a length past 2^14 + 2048 stops the direction', () => {
    const { r, recs, problems } = make();
    r.feed(Buffer.concat([rec(22, 1), rec(23, MAX_RECORD + 1)]), stamp(1));
    expect(recs.length).toBe(1);
    expect(problems).toEqual([`record length ${MAX_RECORD + 1} exceeds ${MAX_RECORD} at byte 6`]);
    expect(r.stopped).toBe(true);
    expect(r.retained).toBe(0);
    r.feed(rec(22, 1), stamp(2));
    r.gap(10);
    expect(recs.length).toBe(1);
    expect(r.lastStamp).toEqual(stamp(1));
  });

  it.each([
    [20, 0x0303, true], [24, 0x0303, true], [22, 0x0300, true], [22, 0x0304, true],
    [19, 0x0303, false], [25, 0x0303, false], [0x80, 0x0303, false], [22, 0x0305, false], [22, 0x0203, false], [22, 0x0403, false],
  ])('type %d version %d: framed = %s (types 20..24, versions 3.0..3.4)', (type, version, ok) => {
    const { r, recs, problems } = make();
    r.feed(Buffer.concat([rec(22, 2), rec(type, 1, version)]), stamp(1));
    if (ok) {
      expect(problems).toEqual([]);
      expect(recs.map((s) => [s.type, s.version])).toEqual([[22, 0x0303], [type, version]]);
    } else {
      expect(problems).toEqual([`not a TLS record at byte 7 (type ${type}, version 0x${version.toString(16).padStart(4, '0')})`]);
      expect(recs.length).toBe(1);
      expect(r.stopped).toBe(true);
      expect(r.records).toBe(1);
    }
  });

  it('the version is printed with 4 hex digits', () => {
    const { r, problems } = make();
    r.feed(Buffer.from([22, 0, 2, 0, 1, 0]), stamp(1));
    expect(problems).toEqual(['not a TLS record at byte 0 (type 22, version 0x0002)']);
  });

  it('stop(): a problem, nothing framed after, retained dropped', () => {
    const { r, recs, problems } = make();
    r.feed(rec(22, 10).subarray(0, 8), stamp(1));
    expect(r.retained).toBe(3);
    expect(r.stop('enough')).toBe(false);
    expect(problems).toEqual(['enough']);
    expect(r.retained).toBe(0);
    r.feed(rec(22, 10).subarray(8), stamp(2));
    expect(recs).toEqual([]);
    expect(r.endOfStream()).toBe(false);
  });

  it('an empty feed changes nothing', () => {
    const { r, recs } = make();
    r.feed(Buffer.alloc(0), stamp(1));
    expect(r.lastStamp).toBeNull();
    r.feed(rec(22, 1), stamp(2));
    r.feed(Buffer.alloc(0), stamp(3));
    expect(r.lastStamp).toEqual(stamp(2));
    expect(recs.length).toBe(1);
  });
});

// ------------------------------------------------------------------ SSLv2-compatible hello

describe('SSLv2-compatible ClientHello header (RFC 5246 E.2)', () => {
  /** A 2-byte header (high bit set) and a body of `len` bytes starting with msg_type 1 and version 3.1. */
  const v2 = (len: number) => {
    const b = Buffer.alloc(2 + len, 0);
    b[0] = 0x80 | (len >> 8);
    b[1] = len & 0xff;
    b[2] = 1;
    b[3] = 3;
    b[4] = 1;
    return b;
  };

  it('first record of the stream: type CT_SSLV2, version 2, 2-byte header, then 5-byte records', () => {
    for (const cut of [0, 1, 2, 3]) {
      const { r, recs, problems } = make({ keep: () => true, sslv2: true });
      const all = Buffer.concat([v2(300), rec(22, 4)]);
      if (cut > 0) r.feed(all.subarray(0, cut), stamp(1));
      r.feed(all.subarray(cut), stamp(2));
      expect(problems).toEqual([]);
      expect(recs.map((s) => [s.type, s.version, s.length, s.headerLength, s.offset, s.first])).toEqual([
        [CT_SSLV2, 0x0002, 300, 2, 0, cut > 0 ? 1 : 2], [22, 0x0303, 4, 5, 302, 2],
      ]);
      expect(recs[0].body).toEqual(v2(300).subarray(2));
    }
  });

  it('the longest 15-bit length', () => {
    const { r, recs } = make({ keep: () => true, sslv2: true });
    r.feed(v2(0x7fff), stamp(1));
    expect(recs.map((s) => s.length)).toEqual([0x7fff]);
  });

  it('at least 9 bytes (msg_type, version, three lengths)', () => {
    const ok = make({ keep: () => true, sslv2: true });
    ok.r.feed(v2(9), stamp(1));
    expect(ok.recs.map((s) => s.length)).toEqual([9]);
    const short = make({ keep: () => true, sslv2: true });
    short.r.feed(v2(8), stamp(1));
    expect(short.problems).toEqual(['SSLv2 record too short (8 bytes)']);
    expect(short.r.stopped).toBe(true);
    expect(short.recs).toEqual([]);
  });

  it('not without the option, and not after the first record', () => {
    const off = make({ keep: () => true });
    off.r.feed(v2(20), stamp(1));
    expect(off.problems).toEqual(['not a TLS record at byte 0 (type 128, version 0x1401)']);
    const later = make({ keep: () => true, sslv2: true });
    later.r.feed(Buffer.concat([rec(22, 1), v2(20)]), stamp(1));
    expect(later.recs.length).toBe(1);
    expect(later.problems).toEqual(['not a TLS record at byte 6 (type 128, version 0x1401)']);
  });

  it('a first byte without the high bit is a TLS header even with the option', () => {
    const { r, recs } = make({ keep: () => true, sslv2: true });
    r.feed(rec(22, 3), stamp(1));
    expect(recs.map((s) => [s.type, s.headerLength])).toEqual([[22, 5]]);
  });
});

// ------------------------------------------------------------------ loss

describe('RecordReader: bytes lost inside a record', () => {
  it('a handshake record with a hole is damaged, reported once, and framing goes on', () => {
    const { r, recs, problems } = make();
    const a = rec(22, 10);
    r.feed(a.subarray(0, 8), stamp(1));
    r.gap(2);
    r.gap(1);
    expect(r.retained).toBe(0);
    r.feed(Buffer.concat([a.subarray(11), rec(21, 2)]), stamp(2));
    expect(problems).toEqual(['2 bytes lost inside a record of type 22']);
    expect(recs.map((s) => [s.type, s.damaged, s.body, s.offset, s.last])).toEqual([
      [22, true, null, 0, 2], [21, false, Buffer.alloc(2, 0xaa), 15, 2],
    ]);
    expect(r.offset).toBe(22);
    expect(r.resyncing).toBe(false);
  });

  it('application data with a hole: not damaged (its content is not read), body not kept', () => {
    const { r, recs, problems } = make();
    r.feed(rec(23, 10).subarray(0, 6), stamp(1));
    r.gap(4);
    r.feed(Buffer.alloc(5, 0xaa), stamp(2));
    expect(problems).toEqual([]);
    expect(recs.map((s) => [s.type, s.damaged, s.body, s.last])).toEqual([[23, false, null, 2]]);
  });

  it('a hole that ends exactly at the record end completes it at the latest feed', () => {
    const { r, recs, problems } = make();
    r.feed(rec(22, 10).subarray(0, 6), stamp(1));
    r.feed(Buffer.alloc(2), stamp(2));
    r.gap(7);
    expect(problems).toEqual(['7 bytes lost inside a record of type 22']);
    expect(recs.map((s) => [s.damaged, s.first, s.last, s.length])).toEqual([[true, 1, 2, 10]]);
    r.feed(rec(23, 1), stamp(3));
    expect(recs.map((s) => [s.type, s.offset])).toEqual([[22, 0], [23, 15]]);
    expect(r.resyncing).toBe(false);
  });

  it('a hole covering the whole body right after the header', () => {
    const { r, recs } = make();
    r.feed(rec(21, 2).subarray(0, 5), stamp(4));
    r.gap(2);
    expect(recs.map((s) => [s.damaged, s.first, s.last])).toEqual([[true, 4, 4]]);
  });

  it('a hole past the record end loses the framing', () => {
    const { r, recs, problems } = make();
    r.feed(rec(22, 10).subarray(0, 6), stamp(1));
    r.gap(10);
    expect(problems).toEqual(['gap of 10 bytes: resynchronising']);
    expect(r.resyncing).toBe(true);
    expect(recs).toEqual([]);
    expect(r.offset).toBe(16);
  });

  it('after a hole past the record end, the partial body is dropped and the next chain framed from its header', () => {
    const { r, recs, problems } = make();
    r.feed(rec(22, 10).subarray(0, 6), stamp(1));
    r.feed(rec(22, 10).subarray(6, 8), stamp(2));
    expect(r.retained).toBe(3);
    r.gap(20);
    expect(r.retained).toBe(0);
    r.feed(Buffer.concat([rec(21, 2, 0x0303, 1), rec(23, 1, 0x0303, 2)]), stamp(3));
    expect(problems).toEqual(['gap of 20 bytes: resynchronising', 'resynchronised after skipping 0 bytes']);
    expect(recs.map((s) => [s.type, s.offset, s.body])).toEqual([[21, 28, Buffer.alloc(2, 1)], [23, 35, Buffer.alloc(1, 2)]]);
  });

  it('a hole between records, or inside a header, loses the framing', () => {
    const between = make();
    between.r.feed(rec(22, 1), stamp(1));
    between.r.gap(1);
    expect(between.problems).toEqual(['gap of 1 bytes: resynchronising']);
    expect(between.r.resyncing).toBe(true);
    const inHeader = make();
    inHeader.r.feed(rec(22, 1).subarray(0, 3), stamp(1));
    inHeader.r.gap(2);
    expect(inHeader.r.resyncing).toBe(true);
    // The header's first bytes are forgotten: the next chain is framed from scratch.
    inHeader.r.feed(Buffer.concat([rec(22, 2), rec(23, 1)]), stamp(2));
    expect(inHeader.recs.map((s) => [s.type, s.offset])).toEqual([[22, 5], [23, 12]]);
  });

  it('no loss: gap(0) and negative gaps do nothing', () => {
    const { r, problems } = make();
    r.feed(rec(22, 4).subarray(0, 6), stamp(1));
    r.gap(0);
    r.gap(-3);
    expect(problems).toEqual([]);
    expect(r.offset).toBe(6);
    expect(r.resyncing).toBe(false);
  });
});

describe('RecordReader: resynchronisation on two plausible headers', () => {
  function lost() {
    const m = make();
    m.r.feed(rec(22, 3), stamp(1));
    m.r.gap(100);
    m.problems.length = 0;
    return m;
  }

  it('garbage, then a chain: framing resumes at the chain, the garbage counted', () => {
    const { r, recs, problems } = lost();
    r.feed(Buffer.concat([garbage(7), rec(22, 2, 0x0303, 1), rec(23, 1, 0x0303, 2)]), stamp(2));
    expect(problems).toEqual(['resynchronised after skipping 7 bytes']);
    expect(r.resyncing).toBe(false);
    expect(recs.slice(1).map((s) => [s.type, s.offset, s.body, s.first])).toEqual([
      [22, 115, Buffer.alloc(2, 1), 2], [23, 122, Buffer.alloc(1, 2), 2],
    ]);
    expect(r.offset).toBe(128);
    expect(r.retained).toBe(0);
  });

  it('fed a byte at a time, each byte keeps its own stamp', () => {
    const { r, recs, problems } = lost();
    const bytes = Buffer.concat([garbage(5), rec(22, 2), rec(23, 1), rec(21, 2)]);
    for (let i = 0; i < bytes.length; i++) r.feed(bytes.subarray(i, i + 1), stamp(10 + i));
    expect(problems).toEqual(['resynchronised after skipping 5 bytes']);
    expect(recs.slice(1).map((s) => [s.type, s.offset, s.first, s.last])).toEqual([
      [22, 113, 15, 21], [23, 120, 22, 27], [21, 126, 28, 34],
    ]);
    expect(r.offset).toBe(108 + bytes.length);
  });

  it('a candidate whose successor is not plausible is skipped', () => {
    const { r, recs, problems } = lost();
    r.feed(Buffer.concat([rec(22, 2), garbage(3)]), stamp(2));
    expect(r.resyncing).toBe(true);
    r.feed(Buffer.concat([rec(23, 1), rec(23, 1)]), stamp(3));
    expect(problems).toEqual(['resynchronised after skipping 10 bytes']);
    expect(recs.slice(1).map((s) => [s.offset, s.first])).toEqual([[118, 3], [124, 3]]);
  });

  it('waits for a candidate`s successor header across feeds, holding only what it needs', () => {
    const { r, recs, problems } = lost();
    const big = rec(22, 1000);
    r.feed(Buffer.concat([garbage(20), big.subarray(0, 500)]), stamp(2));
    expect(r.resyncing).toBe(true);
    expect(r.retained).toBe(500);
    r.feed(big.subarray(500, 900), stamp(3));
    r.feed(Buffer.concat([big.subarray(900), Buffer.from([23, 3])]), stamp(4));
    expect(r.resyncing).toBe(true);
    expect(problems).toEqual([]);
    r.feed(Buffer.from([3, 0, 1, 0]), stamp(5));
    expect(problems).toEqual(['resynchronised after skipping 20 bytes']);
    expect(recs.slice(1).map((s) => [s.type, s.offset, s.first, s.last, s.pieceFrames])).toEqual([
      [22, 128, 2, 4, [2, 3, 4]], [23, 1133, 4, 5, [5]],
    ]);
  });

  it('fewer than 5 bytes of garbage are held, none skipped yet', () => {
    const { r } = lost();
    r.feed(garbage(2), stamp(2));
    expect(r.retained).toBe(2);
    expect(r.offset).toBe(108);
    r.feed(garbage(1), stamp(3));
    expect(r.retained).toBe(3);
    expect(r.offset).toBe(108);
  });

  it('resumes on the very feed that completes the successor`s header', () => {
    const { r, recs, problems } = lost();
    r.feed(Buffer.concat([garbage(3), rec(22, 20)]), stamp(2));
    expect(problems).toEqual([]);
    r.feed(Buffer.from([23, 3, 3, 0, 2]), stamp(3));
    expect(problems).toEqual(['resynchronised after skipping 3 bytes']);
    expect(recs.slice(1).map((s) => [s.type, s.offset])).toEqual([[22, 111]]);
    r.feed(Buffer.from([7, 7]), stamp(4));
    expect(recs.slice(1).map((s) => [s.type, s.offset, s.first, s.last])).toEqual([[22, 111, 2, 2], [23, 136, 3, 4]]);
  });

  it('a candidate given up: back to holding at most 4 bytes at each feed', () => {
    const { r } = lost();
    r.feed(rec(22, 2), stamp(2)); // a candidate: waits for 5 + 2 + 5 bytes
    expect(r.retained).toBe(7);
    r.feed(garbage(10), stamp(3)); // its successor is garbage: nothing left to wait for
    expect(r.retained).toBe(4);
    r.feed(garbage(1), stamp(4));
    expect(r.retained).toBe(4);
    expect(r.offset).toBe(108 + 18 - 4);
  });

  it('a second hole counts its skipped bytes afresh', () => {
    const { r, problems } = lost();
    r.feed(Buffer.concat([garbage(9), rec(22, 1), rec(22, 1)]), stamp(2));
    r.gap(3);
    r.feed(Buffer.concat([garbage(4), rec(22, 1), rec(22, 1)]), stamp(3));
    expect(problems).toEqual(['resynchronised after skipping 9 bytes', 'gap of 3 bytes: resynchronising', 'resynchronised after skipping 4 bytes']);
  });

  it('garbage only: holds at most 4 bytes (a header could start in them)', () => {
    const { r, problems } = lost();
    r.feed(garbage(1000), stamp(2));
    expect(r.retained).toBe(4);
    r.feed(Buffer.from([22]), stamp(3));
    expect(r.retained).toBe(4);
    r.feed(Buffer.from([3, 3, 0]), stamp(4));
    expect(r.retained).toBe(4);
    expect(problems).toEqual([]);
    expect(r.offset).toBe(108 + 1000 + 4 - 4);
  });

  it('a gap while resynchronising drops the held bytes and counts them as consumed', () => {
    const { r, recs, problems } = lost();
    r.feed(Buffer.concat([garbage(2), rec(22, 50).subarray(0, 20)]), stamp(2));
    expect(r.retained).toBe(20);
    r.gap(5);
    expect(r.retained).toBe(0);
    expect(r.offset).toBe(108 + 22 + 5);
    r.feed(Buffer.concat([rec(22, 1), rec(22, 1)]), stamp(3));
    expect(problems).toEqual(['resynchronised after skipping 2 bytes']);
    expect(recs.slice(1).map((s) => s.offset)).toEqual([135, 141]);
  });

  it(`gives up after more than ${MAX_RESYNC_SCAN} bytes without a chain`, () => {
    const { r, problems } = lost();
    r.feed(garbage(MAX_RESYNC_SCAN + 4), stamp(2));
    expect(r.stopped).toBe(false);
    r.feed(garbage(1), stamp(3));
    expect(r.stopped).toBe(true);
    expect(problems).toEqual([`no TLS record found in ${MAX_RESYNC_SCAN + 1} bytes after a gap`]);
    expect(r.retained).toBe(0);
  });

  it('the scan count includes bytes skipped before an earlier wait', () => {
    const { r, problems } = lost();
    r.feed(Buffer.concat([garbage(30), rec(22, 4).subarray(0, 4)]), stamp(2));
    r.feed(Buffer.concat([rec(22, 4).subarray(4), garbage(2)]), stamp(3));
    r.feed(Buffer.concat([rec(23, 1), rec(23, 1)]), stamp(4));
    expect(problems).toEqual(['resynchronised after skipping 41 bytes']);
  });

  it('startResync() at a start mid-stream', () => {
    const { r, recs, problems } = make();
    r.startResync();
    expect(r.resyncing).toBe(true);
    r.feed(Buffer.concat([garbage(3), rec(23, 2), rec(23, 2)]), stamp(1));
    expect(problems).toEqual(['resynchronised after skipping 3 bytes']);
    expect(recs.map((s) => s.offset)).toEqual([3, 10]);
  });

  it('a chain found, then a bad header inside the held bytes stops the direction there', () => {
    const { r, recs, problems } = lost();
    r.feed(Buffer.concat([rec(22, 1), rec(23, 1), Buffer.from([99, 3, 3, 0, 1, 0]), rec(22, 1)]), stamp(2));
    expect(recs.length).toBe(3);
    expect(problems).toEqual(['resynchronised after skipping 0 bytes', 'not a TLS record at byte 120 (type 99, version 0x0303)']);
    expect(r.stopped).toBe(true);
  });
});

describe('RecordReader.endOfStream: a chain ending exactly at the end of the stream', () => {
  function lost() {
    const m = make();
    m.r.feed(rec(22, 3), stamp(1));
    m.r.gap(100);
    m.problems.length = 0;
    return m;
  }

  it('one record after garbage, the last thing before the FIN', () => {
    const { r, recs, problems } = lost();
    r.feed(Buffer.concat([garbage(6), rec(21, 2).subarray(0, 3)]), stamp(2));
    r.feed(rec(21, 2).subarray(3), stamp(3));
    expect(r.resyncing).toBe(true);
    expect(r.endOfStream()).toBe(true);
    expect(r.resyncing).toBe(false);
    expect(problems).toEqual(['resynchronised after skipping 6 bytes, on a record that ends the stream']);
    expect(recs.slice(1).map((s) => [s.type, s.offset, s.first, s.last, s.body])).toEqual([[21, 114, 2, 3, Buffer.alloc(2, 0xaa)]]);
    expect(r.retained).toBe(0);
    expect(r.offset).toBe(121);
  });

  it('false when not resynchronising, with fewer than 5 bytes held, or with no exact fit', () => {
    const a = make();
    a.r.feed(rec(22, 3), stamp(1));
    expect(a.r.endOfStream()).toBe(false);
    const b = lost();
    b.r.feed(Buffer.from([21, 3, 3, 0]), stamp(2));
    expect(b.r.endOfStream()).toBe(false);
    const c = lost();
    c.r.feed(Buffer.concat([rec(21, 2), garbage(1)]), stamp(2));
    expect(c.r.endOfStream()).toBe(false);
    expect(c.r.resyncing).toBe(true);
    expect(c.problems).toEqual([]);
  });

  it('a chain held exactly to the end, with a bad record before it stops inside', () => {
    const { r, recs } = lost();
    r.feed(Buffer.concat([garbage(2), rec(22, 2)]), stamp(2));
    r.feed(Buffer.concat([rec(23, 3)]), stamp(3));
    // The chain was already found by the scan (two plausible headers).
    expect(r.resyncing).toBe(false);
    expect(recs.length).toBe(3);
    expect(r.endOfStream()).toBe(false);
  });

  it('skips a waiting candidate held before the record that ends the stream', () => {
    const { r, recs, problems } = lost();
    // A plausible header announcing 4096 bytes: the scan waits for its successor at 5 + 4096.
    r.feed(Buffer.concat([garbage(2), Buffer.from([22, 3, 3, 0x10, 0x00]), garbage(5), rec(21, 2, 0x0303, 4)]), stamp(2));
    expect(r.resyncing).toBe(true);
    expect(r.retained).toBe(17);
    expect(r.endOfStream()).toBe(true);
    expect(problems).toEqual(['resynchronised after skipping 12 bytes, on a record that ends the stream']);
    expect(recs.slice(1).map((s) => [s.type, s.offset, s.body])).toEqual([[21, 120, Buffer.alloc(2, 4)]]);
    expect(r.offset).toBe(127);
  });

  it('a single 5-byte-header record exactly held', () => {
    const { r, recs } = lost();
    r.feed(rec(23, 1), stamp(4));
    expect(r.retained).toBe(6);
    expect(r.endOfStream()).toBe(true);
    expect(recs.slice(1).map((s) => [s.offset, s.first, s.last])).toEqual([[108, 4, 4]]);
  });
});
