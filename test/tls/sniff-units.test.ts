/**
 * sniffTls of src/tls/sniff.ts: does a direction (or the segment after a
 * STARTTLS exchange) start with TLS?
 *
 * Real captures: for each direction, the payload segments tshark dissects as
 * another protocol before its first TLS frame (SMTP, IMAP, HTTP) must read
 * 'no'; the first segment tshark dissects as TLS reads as tshark's first record
 * of the direction says: a handshake record (22) starting with a ClientHello
 * or ServerHello, or an alert record (21) of level 1 or 2, is 'tls'; an
 * SSLv2-compatible ClientHello (RFC 5246 E.2, tshark's version 0x0002) is
 * 'sslv2'. Every prefix shorter than 6 bytes of such a start is 'need-more'.
 *
 * Hand-built bytes for each rule at its bounds: RFC 5246 6.2.1 header (type,
 * version 3.x with x <= 4, length <= 2^14 + 2048), a handshake body holds at
 * least its 4-byte header and an alert 2 bytes (RFC 5246 7.2, 7.4); an SSLv2
 * CLIENT-HELLO has at least 9 bytes, msg_type 1 and version 0x0002 or 3.0..3.3.
 */
import { sniffTls } from '../../src/tls/sniff.js';
import { MAX_RECORD } from '../../src/tls/records.js';
import { tsharkPayloads } from './tshark-records.js';

const CAPTURES = [
  'lo-tls12-full.pcap',
  'lo-tls13-full.pcap',
  'zeek-tls11.pcap',
  'arkime-openssl-ssl3.pcap',
  'arkime-tls13-split-client-hello.pcap',
  'suricata-sslv2-hello-upgrade-tls10.pcap',
  'zeek-tls12-handshake-failure-alert.pcap',
  'lo-tls-alert-version-mismatch.pcap',
  'zeek-smtp-starttls.pcap',
  'zeek-imap-starttls.pcap',
  'lo-http-keepalive-3req.pcap',
  'ndpi-vlan-tls12-many-ciphers.pcap',
];

type Verdict = ReturnType<typeof sniffTls>;

interface Case {
  label: string;
  payload: Buffer;
  expected: Verdict;
}

function cases(name: string): { starts: Case[]; others: Case[] } {
  const segs = tsharkPayloads(name);
  const starts: Case[] = [];
  const others: Case[] = [];
  const dirs = new Map<string, typeof segs>();
  for (const s of segs) {
    const k = `${s.stream} ${s.from}`;
    if (!dirs.has(k)) dirs.set(k, []);
    (dirs.get(k) as typeof segs).push(s);
  }
  for (const [k, list] of dirs) {
    const i = list.findIndex((s) => /:tls(:|$)/.test(s.protocols));
    // Before TLS (or a direction without): another protocol, text or HTTP. Only the direction's
    // first segment and the segments before a STARTTLS are looked at (an HTTP body may be anything).
    const before = i === -1 ? list.slice(0, 1) : list.slice(0, i);
    for (const s of before) others.push({ label: `${name} ${k} frame ${s.frame}`, payload: s.payload, expected: 'no' });
    if (i === -1) continue;
    const rec = list.slice(i).find((s) => s.records.length > 0);
    if (!rec) continue;
    const r = rec.records[0];
    let expected: Verdict;
    if (r.type === -1) expected = r.handshakes[0]?.type === 1 ? 'sslv2' : 'no';
    else if (r.type === 22) expected = r.handshakes[0]?.type === 1 || r.handshakes[0]?.type === 2 ? 'tls' : 'no';
    else if (r.type === 21) expected = rec.alertLevels[0] === 1 || rec.alertLevels[0] === 2 ? 'tls' : 'no';
    else expected = 'no';
    const start = list[i];
    starts.push({ label: `${name} ${k} frame ${start.frame}`, payload: start.payload, expected: start.payload.length < 6 ? 'need-more' : expected });
  }
  return { starts, others };
}

const all = CAPTURES.map((name) => cases(name));
const starts = all.flatMap((c) => c.starts);
const others = all.flatMap((c) => c.others);

describe('sniffTls on real captures, against tshark', () => {
  it('has starts of every kind and other protocols', () => {
    const kinds = new Set(starts.map((c) => c.expected));
    expect([...kinds].sort()).toEqual(['sslv2', 'tls']);
    expect(starts.length).toBeGreaterThanOrEqual(20);
    expect(others.length).toBeGreaterThanOrEqual(10);
    // An alert as a direction's first record (a server refusing the ClientHello).
    expect(starts.some((c) => c.payload[0] === 21)).toBe(true);
  });

  it.each(starts.map((c) => [c.label, c] as const))('%s: the first TLS segment', (_l, c) => {
    expect(sniffTls(c.payload)).toBe(c.expected);
    // Every shorter start could still be either: need more.
    for (let n = 0; n < Math.min(6, c.payload.length); n++) expect([n, sniffTls(c.payload.subarray(0, n))]).toEqual([n, 'need-more']);
    expect(sniffTls(c.payload.subarray(0, 6))).toBe(c.expected);
  });

  it.each(others.map((c) => [c.label, c] as const))('%s: another protocol', (_l, c) => {
    expect(sniffTls(c.payload)).toBe('no');
  });
});

// ------------------------------------------------------------------ hand-built

const b = (...x: number[]) => Buffer.from(x);
/** A record header of `type`, version 3.`minor`, length `len`, then `rest`. */
const hdr = (type: number, minor: number, len: number, ...rest: number[]) => b(type, 3, minor, len >> 8, len & 0xff, ...rest);

describe('sniffTls: TLS record starts', () => {
  it('nothing yet', () => {
    expect(sniffTls(Buffer.alloc(0))).toBe('need-more');
  });

  it.each([0x16, 0x15])('type %d: the version major byte must be 3, the minor at most 4', (t) => {
    expect(sniffTls(b(t))).toBe('need-more');
    expect(sniffTls(b(t, 3))).toBe('need-more');
    expect(sniffTls(b(t, 2))).toBe('no');
    expect(sniffTls(b(t, 4))).toBe('no');
    expect(sniffTls(b(t, 3, 0))).toBe('need-more');
    expect(sniffTls(b(t, 3, 4))).toBe('need-more');
    expect(sniffTls(b(t, 3, 5))).toBe('no');
    expect(sniffTls(b(t, 3, 5, 0, 4, 1))).toBe('no');
    expect(sniffTls(b(t, 2, 1, 0, 4, 1))).toBe('no');
    expect(sniffTls(b(t, 3, 1, 0))).toBe('need-more');
  });

  it('handshake: a length from 4 (a message header) to 2^14 + 2048, then ClientHello or ServerHello', () => {
    expect(sniffTls(hdr(0x16, 1, 3, 1))).toBe('no');
    expect(sniffTls(hdr(0x16, 1, 3))).toBe('no');
    expect(sniffTls(hdr(0x16, 1, 4))).toBe('need-more');
    expect(sniffTls(hdr(0x16, 1, 4, 1))).toBe('tls');
    expect(sniffTls(hdr(0x16, 0, MAX_RECORD, 2))).toBe('tls');
    expect(sniffTls(hdr(0x16, 4, MAX_RECORD + 1, 1))).toBe('no');
    expect(sniffTls(hdr(0x16, 4, MAX_RECORD + 1))).toBe('no');
    expect(sniffTls(hdr(0x16, 3, 0xffff, 1))).toBe('no');
    for (const t of [0, 3, 4, 11, 14, 16, 20, 0x80]) expect([t, sniffTls(hdr(0x16, 3, 100, t))]).toEqual([t, 'no']);
    expect(sniffTls(hdr(0x16, 3, 100, 1, 0, 0))).toBe('tls');
  });

  it('alert: a length from 2 (level, description) to 2^14 + 2048, then level warning (1) or fatal (2)', () => {
    expect(sniffTls(hdr(0x15, 3, 1, 2))).toBe('no');
    expect(sniffTls(hdr(0x15, 3, 0, 2))).toBe('no');
    expect(sniffTls(hdr(0x15, 3, 2))).toBe('need-more');
    expect(sniffTls(hdr(0x15, 3, 2, 1, 0))).toBe('tls');
    expect(sniffTls(hdr(0x15, 3, 2, 2, 40))).toBe('tls');
    expect(sniffTls(hdr(0x15, 3, 3, 2))).toBe('tls');
    expect(sniffTls(hdr(0x15, 3, MAX_RECORD, 2))).toBe('tls');
    expect(sniffTls(hdr(0x15, 3, MAX_RECORD + 1, 2))).toBe('no');
    expect(sniffTls(hdr(0x15, 3, MAX_RECORD + 1))).toBe('no');
    for (const lvl of [0, 3, 0x16]) expect([lvl, sniffTls(hdr(0x15, 3, 2, lvl, 40))]).toEqual([lvl, 'no']);
  });

  it('other content types, and plain text, are not a start', () => {
    for (const t of [0x14, 0x17, 0x18, 0x00, 0x7f]) {
      expect([t, sniffTls(hdr(t, 3, 10, 1))]).toEqual([t, 'no']);
      expect([t, sniffTls(b(t))]).toEqual([t, 'no']);
    }
    expect(sniffTls(Buffer.from('GET / HTTP/1.1\r\n'))).toBe('no');
  });
});

describe('sniffTls: SSLv2-compatible CLIENT-HELLO', () => {
  /** 2-byte header (high bit) with length `len`, msg_type, version. */
  const v2 = (len: number, type = 1, version = 0x0301, more = 1) =>
    b(0x80 | (len >> 8), len & 0xff, type, version >> 8, version & 0xff, ...(more ? [0] : []));

  it('needs 6 bytes, deciding as soon as the bytes rule it out', () => {
    expect(sniffTls(b(0x80))).toBe('need-more');
    expect(sniffTls(b(0x80, 0x2e))).toBe('need-more');
    expect(sniffTls(b(0x80, 0x2e, 1))).toBe('need-more');
    expect(sniffTls(b(0x80, 0x2e, 1, 3))).toBe('need-more');
    expect(sniffTls(b(0x80, 0x2e, 1, 3, 1))).toBe('need-more');
    expect(sniffTls(v2(0x2e))).toBe('sslv2');
    expect(sniffTls(b(0x80, 0x2e, 2))).toBe('no');
    expect(sniffTls(b(0x80, 0x08, 1))).toBe('no');
  });

  it('a length of at least 9, from the 15 low bits of the header', () => {
    expect(sniffTls(v2(8))).toBe('no');
    expect(sniffTls(v2(9))).toBe('sslv2');
    expect(sniffTls(v2(0x7fff))).toBe('sslv2');
    // High byte 0x81, low byte 0x00: length 256 (the high byte's low bits count).
    expect(sniffTls(b(0x81, 0x00, 1, 3, 1, 0))).toBe('sslv2');
    expect(sniffTls(b(0x81, 0x00, 1, 3, 1))).toBe('need-more');
  });

  it.each([
    [0x0002, 'sslv2'], [0x0300, 'sslv2'], [0x0301, 'sslv2'], [0x0303, 'sslv2'],
    [0x0304, 'no'], [0x0001, 'no'], [0x0003, 'no'], [0x02ff, 'no'], [0x0200, 'no'], [0x0400, 'no'],
  ])('version %d -> %s', (version, verdict) => {
    expect(sniffTls(v2(0x40, 1, version))).toBe(verdict);
    expect(sniffTls(v2(0x40, 1, version, 0))).toBe(verdict === 'no' ? 'no' : 'need-more');
  });

  it('msg_type must be CLIENT-HELLO (1)', () => {
    for (const t of [0, 2, 4]) expect([t, sniffTls(v2(0x40, t))]).toEqual([t, 'no']);
  });
});
