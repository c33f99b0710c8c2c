/**
 * HPACK and Huffman decoding on a real HTTP/2 connection (curl 7.88 / nghttp2
 * → node 20 http2, decrypted with its key log): every header field of every
 * HEADERS block, both ways, against tshark's decoding of the same file with
 * the same key log. curl indexes its request fields incrementally, so later
 * requests refer to the dynamic table; most literals are Huffman-coded.
 * Then malformed input: hand-built blocks (allowed for malformed-input tests).
 */
import path from 'node:path';
import { HpackDecoder, huffmanDecode, type HeaderField } from '../../src/http/index.js';
import { keylogConnections, tshark } from './feed.js';
import type { Side } from '../../src/base/stamp.js';

const FIX = path.resolve(process.cwd(), 'fixtures/keylog');
const CAP = path.join(FIX, 'lo-http2-5req-keylog.pcap');
const KEYS = path.join(FIX, 'lo-http2-5req-keylog.keys.log');

interface TsharkHeaders {
  _source: { layers: Record<string, string[]> };
}

test('every header field of the HTTP/2 fixture decodes as tshark decodes it', async () => {
  const [conn] = await keylogConnections(CAP, KEYS);
  // Our own frame walk over each side's plaintext (test code): header blocks by the frame that completed them.
  const got = new Map<string, [string | undefined, string | undefined][]>();
  const dec: Record<Side, HpackDecoder> = { client: new HpackDecoder(), server: new HpackDecoder() };
  const buf: Record<Side, Buffer> = { client: Buffer.alloc(0), server: Buffer.alloc(0) };
  let preface = true;
  for (const e of conn!.events) {
    if (e.kind !== 'data') continue;
    buf[e.side] = Buffer.concat([buf[e.side], e.bytes]);
    if (e.side === 'client' && preface) {
      buf.client = buf.client.subarray(24);
      preface = false;
    }
    for (;;) {
      const b = buf[e.side];
      if (b.length < 9 || b.length < 9 + b.readUIntBE(0, 3)) break;
      const len = b.readUIntBE(0, 3);
      const type = b[3]!;
      const flags = b[4]!;
      expect(flags & 0x4 || type !== 1).toBeTruthy(); // no CONTINUATION in this capture
      if (type === 1) {
        let p = b.subarray(9, 9 + len);
        if (flags & 0x8) p = p.subarray(1, p.length - p[0]!);
        if (flags & 0x20) p = p.subarray(5);
        const r = dec[e.side].decode(p);
        expect(r.ok).toBe(true);
        const key = `${e.side}:${e.stamp.frame}`;
        got.set(key, [...(got.get(key) ?? []), ...r.fields.map((f: HeaderField) => [f.name, f.value] as [string | undefined, string | undefined])]);
      }
      buf[e.side] = b.subarray(9 + len);
    }
  }
  const rows = JSON.parse(
    tshark(['-n', '-r', CAP, '-o', `tls.keylog_file:${KEYS}`, '-Y', 'http2.type == 1', '-T', 'json',
      '-e', 'frame.number', '-e', 'tcp.srcport', '-e', 'http2.header.name', '-e', 'http2.header.value']),
  ) as TsharkHeaders[];
  const serverPort = 8443;
  const want = new Map<string, [string, string][]>();
  for (const r of rows) {
    const l = r._source.layers;
    const side = Number(l['tcp.srcport']![0]) === serverPort ? 'server' : 'client';
    want.set(`${side}:${l['frame.number']![0]}`, l['http2.header.name']!.map((n, i) => [n, l['http2.header.value']![i]!]));
  }
  expect(want.size).toBe(10);
  expect(Object.fromEntries(got)).toEqual(Object.fromEntries(want));
  // The comparison covers Huffman-coded strings and dynamic-table references.
  expect(dec.client.huffmanStrings).toBeGreaterThan(0);
  expect(dec.server.huffmanStrings).toBeGreaterThan(0);
});

describe('malformed input (hand-built)', () => {
  test('Huffman: EOS inside, padding of zeros or longer than 7 bits are rejected', () => {
    expect(huffmanDecode(Buffer.from([0xff, 0xff, 0xff, 0xff]))).toBeUndefined(); // 30 ones = EOS
    expect(huffmanDecode(Buffer.from([0x00]))).toBeUndefined(); // '0' (00000) then 000 padding: not ones
    expect(huffmanDecode(Buffer.from([0xff]))).toBeUndefined(); // 8 bits of padding
    expect(huffmanDecode(Buffer.alloc(0))).toBe('');
  });

  test('an index beyond the tables, a truncated string, a size update after a field: errors, never a throw', () => {
    const d = new HpackDecoder();
    expect(d.decode(Buffer.from([0xbe]))).toMatchObject({ ok: false }); // index 62, empty dynamic table
    expect(new HpackDecoder().decode(Buffer.from([0x40, 0x05, 0x61]))).toMatchObject({ ok: false });
    expect(new HpackDecoder().decode(Buffer.from([0x82, 0x20]))).toMatchObject({ ok: false, fields: [{ name: ':method', value: 'GET' }] });
    expect(new HpackDecoder().decode(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]))).toMatchObject({ ok: false });
  });

  test('after a lost block, dynamic references are unknown but static ones still read', () => {
    const d = new HpackDecoder();
    // literal with incremental indexing, name ":method" (static 2), value "PATCH" → dynamic 62
    expect(d.decode(Buffer.from([0x42, 0x05, ...Buffer.from('PATCH')])).fields).toEqual([{ name: ':method', value: 'PATCH' }]);
    expect(d.decode(Buffer.from([0xbe])).fields).toEqual([{ name: ':method', value: 'PATCH' }]);
    d.lose();
    expect(d.decode(Buffer.from([0xbe, 0x83]))).toEqual({ ok: true, fields: [{ name: undefined, value: undefined }, { name: ':method', value: 'POST' }] });
  });

  test('a table size update above the cap desynchronises instead of allocating', () => {
    const d = new HpackDecoder(4096);
    // size update to 2^20 (prefix 5 bits: 0x3f, then 1048576 - 31 in 7-bit groups)
    let v = (1 << 20) - 31;
    const bytes = [0x3f];
    while (v >= 128) {
      bytes.push((v & 0x7f) | 0x80);
      v >>= 7;
    }
    bytes.push(v);
    expect(d.decode(Buffer.from(bytes)).ok).toBe(true);
    expect(d.desynced).toBe(true);
  });
});
