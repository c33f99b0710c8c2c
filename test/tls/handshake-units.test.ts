/**
 * Handshake message reassembly of src/tls/handshake.ts, driven directly.
 *
 * Real captures: the bodies of the cleartext handshake records of each
 * direction (cut from the direction's bytes with tshark's record lengths, up to
 * the direction's ChangeCipherSpec: RFC 5246 7.1, later records are protected)
 * are fed to a HandshakeReader as they came, byte by byte, re-fragmented into
 * records of a few bytes (RFC 5246 6.2.1 / RFC 8446 5.1: a message may span
 * records), and cut short. The messages must be tshark's (tls.handshake.type,
 * tls.handshake.length, shown in the frame of the record completing them).
 *
 * Hand-built messages for the bounds, expected values from RFC 8446 4
 * (msg_type(1), uint24 length, body) and the module's contract on memory (a
 * body is copied only while it spans feeds, up to maxMessage and within the
 * shared ByteBudget; past either it is counted, with a null body).
 */
import { HandshakeReader, ByteBudget, HANDSHAKE_BUDGET, MAX_MESSAGE, type HandshakeMessage } from '../../src/tls/handshake.js';
import type { Stamp } from '../../src/base/stamp.js';
import { tsharkDirections, type TsharkDirection } from './tshark-records.js';

const stamp = (frame: number): Stamp => ({ frame, tsSec: 1_700_000_000 + frame, tsNsec: frame });

interface Seen {
  type: number;
  length: number;
  body: Buffer | null;
  first: number;
  last: number;
}

function make(maxMessage?: number, budget?: ByteBudget) {
  const msgs: Seen[] = [];
  const problems: string[] = [];
  const sink = {
    message: (m: HandshakeMessage) =>
      msgs.push({ type: m.type, length: m.length, body: m.body === null ? null : Buffer.from(m.body), first: m.first.frame, last: m.last.frame }),
    problem: (t: string) => problems.push(t),
  };
  const r = maxMessage === undefined ? new HandshakeReader(sink) : new HandshakeReader(sink, maxMessage, budget);
  return { r, msgs, problems };
}

/** A handshake message (RFC 8446 4): type, uint24 length, body of `len` bytes of `fill`. */
function msg(type: number, len: number, fill = 0x5a): Buffer {
  const b = Buffer.alloc(4 + len, fill);
  b[0] = type;
  b[1] = len >> 16;
  b[2] = (len >> 8) & 0xff;
  b[3] = len & 0xff;
  return b;
}

// ------------------------------------------------------------------ real captures

const CAPTURES = [
  'lo-tls12-full.pcap',
  'lo-tls12-client-cert.pcap',
  'lo-tls13-full.pcap',
  'zeek-tls11.pcap',
  'arkime-openssl-ssl3.pcap',
  'arkime-tls13-split-client-hello.pcap',
  'ns-tls12-mtu1500-cert-chain.pcap',
  'suricata-sslv2-hello-upgrade-tls10.pcap',
];

interface Piece {
  data: Buffer;
  frame: number;
}

/** The cleartext handshake record bodies of a direction, cut with tshark's lengths, and tshark's messages in them. */
function handshakeRecords(d: TsharkDirection): { pieces: Piece[]; messages: { type: number; length: number; frame: number }[] } {
  const pieces: Piece[] = [];
  const messages: { type: number; length: number; frame: number }[] = [];
  let off = 0;
  for (const t of d.records) {
    const hdr = t.type === -1 ? 2 : 5;
    if (t.type === 20) break;
    if (t.type === 22) {
      pieces.push({ data: d.bytes.subarray(off + hdr, off + hdr + t.length), frame: t.frame });
      for (const h of t.handshakes) messages.push({ ...h, frame: t.frame });
    }
    off += hdr + t.length;
  }
  return { pieces, messages };
}

const dirs = CAPTURES.flatMap((name) => tsharkDirections(name).map((d) => ({ name, d, ...handshakeRecords(d) })))
  .filter((x) => x.pieces.length > 0)
  .map((x) => ({ ...x, label: `${x.name} stream ${x.d.stream} ${x.d.side}` }));

describe('handshake messages of real captures against tshark', () => {
  it('has messages to compare, some records with several, some empty bodies', () => {
    expect(dirs.length).toBeGreaterThanOrEqual(12);
    const all = dirs.flatMap((x) => x.messages);
    expect(all.some((m) => m.length === 0)).toBe(true);
    expect(all.some((m) => m.length > 4000)).toBe(true);
  });

  it.each(dirs.map((x) => [x.label, x] as const))('%s: one record body per feed', (_l, x) => {
    const { r, msgs, problems } = make();
    for (const p of x.pieces) r.feed(p.data, stamp(p.frame));
    expect(problems).toEqual([]);
    expect(msgs.map((m) => ({ type: m.type, length: m.length, frame: m.last }))).toEqual(x.messages);
    expect(msgs.map((m) => m.first)).toEqual(x.messages.map((m) => m.frame));
    expect(r.messages).toBe(x.messages.length);
    expect(r.partial).toBe(false);
    expect(r.retained).toBe(0);
    // Bodies: the bytes after each 4-byte header, in stream order.
    const stream = Buffer.concat(x.pieces.map((p) => p.data));
    let off = 0;
    for (const m of msgs) {
      expect(m.body?.equals(stream.subarray(off + 4, off + 4 + m.length))).toBe(true);
      off += 4 + m.length;
    }
    expect(off).toBe(stream.length);
  });

  it.each(dirs.map((x) => [x.label, x] as const))('%s: re-fragmented into records of 1, 3 and 7 bytes (first/last frames per feed)', (_l, x) => {
    const stream = Buffer.concat(x.pieces.map((p) => p.data));
    for (const size of [1, 3, 7]) {
      const { r, msgs, problems } = make();
      // Byte i comes in "frame" 1000 + i; a message completed by a feed is shown at that feed's last byte + 10000.
      for (let p = 0; p < stream.length; p += size) {
        const n = Math.min(size, stream.length - p);
        r.feed(stream.subarray(p, p + n), stamp(1000 + p), stamp(10000 + p + n - 1));
      }
      expect(problems).toEqual([]);
      expect(msgs.map((m) => [m.type, m.length])).toEqual(x.messages.map((m) => [m.type, m.length]));
      let off = 0;
      for (const m of msgs) {
        const end = off + 4 + m.length - 1;
        expect([m.first, m.last]).toEqual([1000 + off - (off % size), 10000 + Math.min(end - (end % size) + size, stream.length) - 1]);
        expect(m.body?.equals(stream.subarray(off + 4, off + 4 + m.length))).toBe(true);
        off += 4 + m.length;
      }
    }
  });

  it.each(dirs.map((x) => [x.label, x] as const))('%s: cut at every message boundary +0..5 and -1', (_l, x) => {
    const stream = Buffer.concat(x.pieces.map((p) => p.data));
    const ends: number[] = [];
    let off = 0;
    for (const m of x.messages) ends.push((off += 4 + m.length));
    const cuts = new Set<number>();
    for (const e of [0, ...ends]) for (const k of [1, 2, 3, 4, 5]) if (e + k < stream.length) cuts.add(e + k);
    for (const e of ends) cuts.add(e - 1);
    for (const cut of cuts) {
      const { r, msgs, problems } = make();
      r.feed(stream.subarray(0, cut), stamp(1));
      const done = ends.filter((e) => e <= cut);
      const start = done.length === 0 ? 0 : done[done.length - 1];
      expect({ cut, n: msgs.length, problems, partial: r.partial, retained: r.retained }).toEqual({
        cut, n: done.length, problems: [], partial: cut > start, retained: cut - start < 4 ? cut - start : cut - start - 4,
      });
    }
  });
});

// ------------------------------------------------------------------ hand-built

describe('HandshakeReader', () => {
  it('the uint24 length, with the header split at every byte', () => {
    const m = msg(11, 0x010203, 7);
    for (const cut of [1, 2, 3, 4, 5]) {
      const { r, msgs } = make();
      r.feed(m.subarray(0, cut), stamp(1));
      expect(r.partial).toBe(true);
      r.feed(m.subarray(cut), stamp(2), stamp(3));
      expect(msgs.map((x) => [x.type, x.length, x.first, x.last, x.body?.length])).toEqual([[11, 0x010203, 1, 3, 0x010203]]);
      expect(msgs[0].body?.equals(m.subarray(4))).toBe(true);
    }
  });

  it('a header cut inside, then a zero-length message (ServerHelloDone, RFC 5246 7.4.5)', () => {
    const { r, msgs } = make();
    r.feed(Buffer.from([14, 0]), stamp(1));
    expect(r.retained).toBe(2);
    r.feed(Buffer.from([0, 0, 20, 0, 0]), stamp(2));
    expect(r.retained).toBe(3);
    r.feed(Buffer.from([2, 1, 2]), stamp(3));
    expect(msgs).toEqual([
      { type: 14, length: 0, body: Buffer.alloc(0), first: 1, last: 2 },
      { type: 20, length: 2, body: Buffer.from([1, 2]), first: 2, last: 3 },
    ]);
    expect(r.messages).toBe(2);
  });

  it('several messages in one feed, `last` defaults to `first`', () => {
    const { r, msgs } = make();
    r.feed(Buffer.concat([msg(2, 3, 1), msg(11, 0), msg(14, 0)]), stamp(5));
    expect(msgs.map((x) => [x.type, x.length, x.first, x.last])).toEqual([[2, 3, 5, 5], [11, 0, 5, 5], [14, 0, 5, 5]]);
  });

  it('a body spanning feeds is copied, and delivered whole', () => {
    const { r, msgs } = make();
    const m = msg(1, 10, 3);
    const a = Buffer.from(m.subarray(0, 6));
    const b = Buffer.from(m.subarray(6, 9));
    r.feed(a, stamp(1));
    a.fill(0);
    expect(r.retained).toBe(2);
    r.feed(b, stamp(2));
    b.fill(0);
    expect(r.retained).toBe(5);
    r.feed(m.subarray(9), stamp(3));
    expect(msgs).toEqual([{ type: 1, length: 10, body: Buffer.alloc(10, 3), first: 1, last: 3 }]);
    expect(r.retained).toBe(0);
    expect(r.partial).toBe(false);
  });

  it('a body at exactly maxMessage is kept; one byte more is counted only, reported once', () => {
    const ok = make(100, new ByteBudget(1000));
    ok.r.feed(msg(11, 100).subarray(0, 50), stamp(1));
    ok.r.feed(msg(11, 100).subarray(50), stamp(2));
    expect(ok.problems).toEqual([]);
    expect(ok.msgs.map((x) => x.body?.length)).toEqual([100]);

    const budget = new ByteBudget(1000);
    const over = make(100, budget);
    const m = msg(11, 101);
    over.r.feed(m.subarray(0, 50), stamp(1));
    expect(budget.used).toBe(46);
    over.r.feed(m.subarray(50, 100), stamp(2));
    expect(budget.used).toBe(96);
    over.r.feed(m.subarray(100), stamp(3));
    expect(over.problems).toEqual(['Certificate of 101 bytes not parsed (over 100)']);
    expect(over.msgs).toEqual([{ type: 11, length: 101, body: null, first: 1, last: 3 }]);
    expect(budget.used).toBe(0);
  });

  it('past the bound the rest of the message is counted, and the next one read normally', () => {
    const budget = new ByteBudget(1000);
    const { r, msgs, problems } = make(10, budget);
    const m = msg(1, 30, 1);
    r.feed(m.subarray(0, 20), stamp(1));
    expect(problems).toEqual(['ClientHello of 30 bytes not parsed (over 10)']);
    expect(r.retained).toBe(0);
    r.feed(m.subarray(20, 25), stamp(2));
    r.feed(Buffer.concat([m.subarray(25), msg(2, 10, 2).subarray(0, 8)]), stamp(3));
    expect(problems.length).toBe(1);
    expect(budget.used).toBe(4);
    r.feed(msg(2, 10, 2).subarray(8), stamp(4));
    expect(problems.length).toBe(1);
    expect(msgs).toEqual([
      { type: 1, length: 30, body: null, first: 1, last: 3 },
      { type: 2, length: 10, body: Buffer.alloc(10, 2), first: 3, last: 4 },
    ]);
    expect(budget.used).toBe(0);
  });

  it('a whole body in one feed is not copied nor bounded (no allocation)', () => {
    const budget = new ByteBudget(0);
    const { r, msgs, problems } = make(10, budget);
    r.feed(msg(11, 50, 4), stamp(1));
    expect(problems).toEqual([]);
    expect(msgs.map((x) => x.body?.length)).toEqual([50]);
  });

  it('the shared budget: takes up to its limit, a reader past it counts its message only', () => {
    const budget = new ByteBudget(20);
    const a = make(MAX_MESSAGE, budget);
    const b = make(MAX_MESSAGE, budget);
    a.r.feed(msg(11, 30, 1).subarray(0, 16), stamp(1)); // 12 body bytes held
    expect(budget.used).toBe(12);
    b.r.feed(msg(11, 20, 2).subarray(0, 12), stamp(2)); // 8 more: exactly the limit
    expect(budget.used).toBe(20);
    expect(b.problems).toEqual([]);
    a.r.feed(msg(11, 30, 1).subarray(16, 17), stamp(3)); // one more byte: over
    expect(a.problems).toEqual(['Certificate of 30 bytes not parsed (handshake buffers of all connections over 20 bytes)']);
    expect(budget.used).toBe(8);
    expect(a.r.retained).toBe(0);
    b.r.feed(msg(11, 20, 2).subarray(12), stamp(4)); // 12 more: 8 + 12, the limit again
    expect(b.msgs.map((x) => x.body)).toEqual([Buffer.alloc(20, 2)]);
    expect(budget.used).toBe(0);
    a.r.feed(msg(11, 30, 1).subarray(17), stamp(5));
    expect(a.msgs.map((x) => [x.length, x.body])).toEqual([[30, null]]);
  });

  it('lose(): input ignored until reset(), the partial message dropped and its bytes given back', () => {
    const budget = new ByteBudget(100);
    const { r, msgs } = make(MAX_MESSAGE, budget);
    r.feed(msg(11, 40).subarray(0, 20), stamp(1));
    expect(budget.used).toBe(16);
    r.lose();
    expect(r.broken).toBe(true);
    expect(r.partial).toBe(false);
    expect(r.retained).toBe(0);
    expect(budget.used).toBe(0);
    r.feed(msg(2, 1), stamp(2));
    expect(msgs).toEqual([]);
    r.reset();
    expect(r.broken).toBe(false);
    r.feed(msg(2, 1, 9), stamp(3));
    expect(msgs).toEqual([{ type: 2, length: 1, body: Buffer.from([9]), first: 3, last: 3 }]);
  });

  it('reset() inside a header or body starts over at a message boundary', () => {
    const { r, msgs } = make();
    r.feed(Buffer.from([8, 0]), stamp(1));
    r.reset();
    expect(r.partial).toBe(false);
    r.feed(msg(8, 2).subarray(0, 5), stamp(2));
    r.reset();
    expect(r.retained).toBe(0);
    r.feed(msg(15, 3, 1), stamp(3));
    expect(msgs).toEqual([{ type: 15, length: 3, body: Buffer.alloc(3, 1), first: 3, last: 3 }]);
  });
});

describe('ByteBudget', () => {
  it('take() up to the limit inclusive, give() never below zero', () => {
    const b = new ByteBudget(10);
    expect(b.take(4)).toBe(true);
    expect(b.take(6)).toBe(true);
    expect(b.used).toBe(10);
    expect(b.take(1)).toBe(false);
    expect(b.used).toBe(10);
    b.give(3);
    expect(b.used).toBe(7);
    b.give(100);
    expect(b.used).toBe(0);
    expect(b.take(11)).toBe(false);
    expect(b.take(0)).toBe(true);
  });

  it('the defaults: 256 KiB per message, 256 MiB shared', () => {
    expect(MAX_MESSAGE).toBe(256 * 1024);
    expect(HANDSHAKE_BUDGET.limit).toBe(256 * 1024 * 1024);
    const { r } = make();
    expect(r.maxMessage).toBe(MAX_MESSAGE);
  });
});
