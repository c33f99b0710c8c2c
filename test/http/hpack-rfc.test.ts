/**
 * HPACK (RFC 7541) and its Huffman code against the RFC itself, no capture:
 * - Appendix C: the integer examples (C.1), the four field representations
 *   (C.2), the request sequences without and with Huffman (C.3, C.4) and the
 *   response sequences with a 256-octet table that evicts (C.5, C.6). The
 *   decoder's table is private, so the RFC's table after each block is checked
 *   by what it does: a probe block of indexed fields (62, 63, …) must read the
 *   RFC's entries in order, and the first index past them must fail.
 * - Appendix A: every static table entry.
 * - Appendix B: Huffman codes of symbols of every kind (5 to 30 bits).
 * - §4–§6 rules: entry size = name + value octets (decoded) + 32, an entry
 *   larger than the table empties it (§4.4), a size update only at the start
 *   of a block (§4.2), index 0 is an error (§6.1), truncated input is an error.
 */
import { HpackDecoder, huffmanDecode, type HeaderField } from '../../src/http/index.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const pairs = (fs: HeaderField[]): [string | undefined, string | undefined][] => fs.map((f) => [f.name, f.value]);

/** An HPACK integer (§5.1) with an N-bit prefix whose high bits are `first`. */
function int(first: number, prefix: number, v: number): number[] {
  const max = (1 << prefix) - 1;
  if (v < max) return [first | v];
  const out = [first | max];
  v -= max;
  while (v >= 128) {
    out.push((v % 128) + 128);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}
const sizeUpdate = (n: number): Buffer => Buffer.from(int(0x20, 5, n));
const indexed = (...idx: number[]): Buffer => Buffer.from(idx.flatMap((i) => int(0x80, 7, i)));
/** Literal with incremental indexing, new name, both strings raw (§6.2.1, figure 7). */
function literalNew(name: string, value: string, first = 0x40): Buffer {
  return Buffer.concat([Buffer.from([first]), Buffer.from(int(0, 7, name.length)), Buffer.from(name, 'latin1'), Buffer.from(int(0, 7, value.length)), Buffer.from(value, 'latin1')]);
}

/**
 * The dynamic table, newest first, as indices 62… read it; and the first index past it fails.
 * An error desynchronises a decoder, so the failing probe runs on a twin fed the same blocks.
 */
function expectTable(d: HpackDecoder, entries: [string, string][]): void {
  const probe = d.decode(indexed(...entries.map((_, i) => 62 + i)));
  expect(probe).toEqual({ ok: true, fields: entries.map(([name, value]) => ({ name, value })) });
  const twin = fed.get(d);
  if (twin !== undefined) {
    const t = new HpackDecoder(twin.cap);
    for (const b of twin.blocks) t.decode(b);
    expect(t.decode(indexed(62 + entries.length)).ok).toBe(false);
  }
}
/** Every block a decoder made by dec() was fed, so expectTable can replay them. */
const fed = new WeakMap<HpackDecoder, { cap: number | undefined; blocks: Buffer[] }>();
function dec(cap?: number): HpackDecoder {
  const d = new HpackDecoder(cap);
  const log = { cap, blocks: [] as Buffer[] };
  fed.set(d, log);
  const decode = d.decode.bind(d);
  d.decode = (b: Buffer) => {
    log.blocks.push(b);
    return decode(b);
  };
  return d;
}

describe('RFC 7541 C.1: integers', () => {
  test('C.1.1 10 and C.1.2 1337 with a 5-bit prefix (as dynamic table size updates), C.1.3 42 on an 8-bit boundary', () => {
    expect(int(0x20, 5, 10)).toEqual([0x2a]);
    expect(int(0x20, 5, 1337)).toEqual([0x3f, 0x9a, 0x0a]);
    // Size update to 1337 (0x3f 0x9a 0x0a): an entry of exactly 1337 octets fits (§4.4), one of 1338 empties the table.
    const fits = dec();
    const v1304 = 'v'.repeat(1304); // 1 + 1304 + 32 = 1337
    expect(fits.decode(Buffer.concat([hex('3f9a0a'), literalNew('x', v1304)])).ok).toBe(true);
    expectTable(fits, [['x', v1304]]);
    const over = dec();
    expect(over.decode(Buffer.concat([hex('3f9a0a'), literalNew('x', 'v'.repeat(1305))])).ok).toBe(true);
    expectTable(over, []);
  });
  test('indices at and past a prefix\'s end: 126 in one octet, 127 as 0x7f 0x00, and a non-minimal 127 (0x7f 0x80 0x00)', () => {
    const d = dec();
    // 70 entries: index 62 is the newest (e69), index 127 is e4, 126 is e5.
    const block = Buffer.concat(Array.from({ length: 70 }, (_, i) => literalNew(`e${i}`, 'v')));
    expect(d.decode(block).ok).toBe(true);
    expect(d.decode(hex('fe'))).toEqual({ ok: true, fields: [{ name: 'e5', value: 'v' }] });
    expect(d.decode(hex('ff00'))).toEqual({ ok: true, fields: [{ name: 'e4', value: 'v' }] });
    expect(d.decode(hex('ff8000'))).toEqual({ ok: true, fields: [{ name: 'e4', value: 'v' }] });
    expect(d.decode(hex('ff01'))).toEqual({ ok: true, fields: [{ name: 'e3', value: 'v' }] });
    // 127 + 3 + 1·128 = 258: past the 131 entries → error
    expect(d.decode(hex('ff8301')).ok).toBe(false);
  });
  test('up to 4 continuation octets are read (values < 2^28); a 5th, or input ending inside an integer, is an error', () => {
    // size update 31 + 0 (four continuation octets, the last without the flag) = 31
    expect(dec().decode(hex('3f 80 80 80 00')).ok).toBe(true);
    expect(dec().decode(hex('3f 80 80 80 80 00')).ok).toBe(false);
    expect(dec().decode(hex('3f 80')).ok).toBe(false);
    expect(dec().decode(hex('3f')).ok).toBe(false);
    expect(dec().decode(hex('ff')).ok).toBe(false);
    expect(dec().decode(hex('7f')).ok).toBe(false);
    expect(dec().decode(hex('0f')).ok).toBe(false);
  });
});

describe('RFC 7541 C.2: one representation each', () => {
  test('C.2.1 literal with indexing: custom-key: custom-header, added (size 55)', () => {
    const d = dec();
    expect(d.decode(hex('400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572'))).toEqual({ ok: true, fields: [{ name: 'custom-key', value: 'custom-header' }] });
    expectTable(d, [['custom-key', 'custom-header']]);
  });
  test('C.2.2 literal without indexing (:path /sample/path), C.2.3 never indexed (password: secret): table stays empty', () => {
    const a = dec();
    expect(a.decode(hex('040c 2f73 616d 706c 652f 7061 7468'))).toEqual({ ok: true, fields: [{ name: ':path', value: '/sample/path' }] });
    expectTable(a, []);
    const b = dec();
    expect(b.decode(hex('1008 7061 7373 776f 7264 0673 6563 7265 74'))).toEqual({ ok: true, fields: [{ name: 'password', value: 'secret' }] });
    expectTable(b, []);
  });
  test('C.2.4 indexed field: :method GET', () => {
    const d = dec();
    expect(d.decode(hex('82'))).toEqual({ ok: true, fields: [{ name: ':method', value: 'GET' }] });
    expectTable(d, []);
  });
});

const REQ1: [string, string][] = [[':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'www.example.com']];
const REQ2: [string, string][] = [...REQ1, ['cache-control', 'no-cache']];
const REQ3: [string, string][] = [[':method', 'GET'], [':scheme', 'https'], [':path', '/index.html'], [':authority', 'www.example.com'], ['custom-key', 'custom-value']];

describe.each([
  ['C.3 (no Huffman)', ['8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d', '8286 84be 5808 6e6f 2d63 6163 6865', '8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65'], 0],
  ['C.4 (Huffman)', ['8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff', '8286 84be 5886 a8eb 1064 9cbf', '8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf'], 4],
] as const)('RFC 7541 %s: three requests on one connection', (_name, blocks, huffman) => {
  test('each request\'s fields and the table after it', () => {
    const d = dec();
    expect(pairs(d.decode(hex(blocks[0])).fields)).toEqual(REQ1);
    expectTable(d, [[':authority', 'www.example.com']]);
    expect(pairs(d.decode(hex(blocks[1])).fields)).toEqual(REQ2);
    expectTable(d, [['cache-control', 'no-cache'], [':authority', 'www.example.com']]);
    expect(pairs(d.decode(hex(blocks[2])).fields)).toEqual(REQ3);
    expectTable(d, [['custom-key', 'custom-value'], ['cache-control', 'no-cache'], [':authority', 'www.example.com']]);
    expect(d.huffmanStrings).toBe(huffman);
    expect(d.desynced).toBe(false);
  });
});

const DATE1 = 'Mon, 21 Oct 2013 20:13:21 GMT';
const DATE2 = 'Mon, 21 Oct 2013 20:13:22 GMT';
const LOC = 'https://www.example.com';
const COOKIE = 'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1';

describe.each([
  [
    'C.5 (no Huffman)',
    [
      '4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d',
      '4803 3330 37c1 c0bf',
      '88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d 54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049 5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e 3d31',
    ],
  ],
  [
    'C.6 (Huffman)',
    [
      '4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3',
      '4883 640e ffc1 c0bf',
      '88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab 77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07',
    ],
  ],
] as const)('RFC 7541 %s: three responses, table size 256 (set by a size update, §6.3)', (_name, blocks) => {
  test('each response\'s fields and the table after it: the oldest entries are evicted', () => {
    const d = dec();
    // SETTINGS_HEADER_TABLE_SIZE 256 as the encoder's size update at the start of the first block: 0x3f, 256 - 31 = 225 = 0xe1 0x01.
    expect(pairs(d.decode(Buffer.concat([hex('3fe101'), hex(blocks[0])])).fields)).toEqual([[':status', '302'], ['cache-control', 'private'], ['date', DATE1], ['location', LOC]]);
    expectTable(d, [['location', LOC], ['date', DATE1], ['cache-control', 'private'], [':status', '302']]);
    expect(pairs(d.decode(hex(blocks[1])).fields)).toEqual([[':status', '307'], ['cache-control', 'private'], ['date', DATE1], ['location', LOC]]);
    expectTable(d, [[':status', '307'], ['location', LOC], ['date', DATE1], ['cache-control', 'private']]);
    expect(pairs(d.decode(hex(blocks[2])).fields)).toEqual([[':status', '200'], ['cache-control', 'private'], ['date', DATE2], ['location', LOC], ['content-encoding', 'gzip'], ['set-cookie', COOKIE]]);
    expectTable(d, [['set-cookie', COOKIE], ['content-encoding', 'gzip'], ['date', DATE2]]);
  });
});

describe('RFC 7541 Appendix A: the static table', () => {
  // prettier-ignore
  const A: [string, string][] = [
    [':authority', ''], [':method', 'GET'], [':method', 'POST'], [':path', '/'], [':path', '/index.html'],
    [':scheme', 'http'], [':scheme', 'https'], [':status', '200'], [':status', '204'], [':status', '206'],
    [':status', '304'], [':status', '400'], [':status', '404'], [':status', '500'], ['accept-charset', ''],
    ['accept-encoding', 'gzip, deflate'], ['accept-language', ''], ['accept-ranges', ''], ['accept', ''],
    ['access-control-allow-origin', ''], ['age', ''], ['allow', ''], ['authorization', ''], ['cache-control', ''],
    ['content-disposition', ''], ['content-encoding', ''], ['content-language', ''], ['content-length', ''],
    ['content-location', ''], ['content-range', ''], ['content-type', ''], ['cookie', ''], ['date', ''],
    ['etag', ''], ['expect', ''], ['expires', ''], ['from', ''], ['host', ''], ['if-match', ''],
    ['if-modified-since', ''], ['if-none-match', ''], ['if-range', ''], ['if-unmodified-since', ''],
    ['last-modified', ''], ['link', ''], ['location', ''], ['max-forwards', ''], ['proxy-authenticate', ''],
    ['proxy-authorization', ''], ['range', ''], ['referer', ''], ['refresh', ''], ['retry-after', ''],
    ['server', ''], ['set-cookie', ''], ['strict-transport-security', ''], ['transfer-encoding', ''],
    ['user-agent', ''], ['vary', ''], ['via', ''], ['www-authenticate', ''],
  ];
  test('indices 1–61 as indexed fields; 62 on an empty dynamic table is past both tables', () => {
    expect(A).toHaveLength(61);
    const d = dec();
    expect(pairs(d.decode(indexed(...A.map((_, i) => i + 1))).fields)).toEqual(A);
    expect(d.decode(indexed(62)).ok).toBe(false);
  });
  test('a static name with a literal value, with indexing (size = name + value + 32)', () => {
    const d = dec();
    // name index 58 (user-agent), value "curl": 10 + 4 + 32 = 46; a size-46 table holds exactly it.
    expect(d.decode(Buffer.concat([sizeUpdate(46), Buffer.from([0x40 | 58, 4]), Buffer.from('curl')]))).toEqual({ ok: true, fields: [{ name: 'user-agent', value: 'curl' }] });
    expectTable(d, [['user-agent', 'curl']]);
    const small = dec();
    small.decode(Buffer.concat([sizeUpdate(45), Buffer.from([0x40 | 58, 4]), Buffer.from('curl')]));
    expectTable(small, []);
  });
});

describe('table size and eviction (§4.1, §4.3, §4.4)', () => {
  test('two entries of 100 octets fill a 200-octet table; a third evicts the oldest only', () => {
    const d = dec();
    const v = 'v'.repeat(67); // 1 + 67 + 32 = 100
    d.decode(Buffer.concat([sizeUpdate(200), literalNew('a', v), literalNew('b', v)]));
    expectTable(d, [['b', v], ['a', v]]);
    d.decode(literalNew('c', ''));
    expectTable(d, [['c', ''], ['b', v]]);
  });
  test('an entry larger than the table empties it and leaves the whole table free (§4.4)', () => {
    const d = dec();
    const v = 'v'.repeat(67); // 100 octets
    d.decode(Buffer.concat([sizeUpdate(200), literalNew('a', v), literalNew('big', 'w'.repeat(166))])); // 3 + 166 + 32 = 201
    expectTable(d, []);
    d.decode(Buffer.concat([literalNew('b', v), literalNew('c', v)]));
    expectTable(d, [['c', v], ['b', v]]);
  });
  test('a Huffman-coded entry counts its decoded length (C.4.1 www.example.com: 15 octets, 12 coded)', () => {
    const d = dec();
    // :authority (10) + 15 + 32 = 57: fits a 57-octet table; would fit 54 if the coded length counted.
    d.decode(Buffer.concat([sizeUpdate(57), hex('418cf1e3c2e5f23a6ba0ab90f4ff')]));
    expectTable(d, [[':authority', 'www.example.com']]);
    const e = dec();
    e.decode(Buffer.concat([sizeUpdate(56), hex('418cf1e3c2e5f23a6ba0ab90f4ff')]));
    expectTable(e, []);
    // A Huffman-coded new name: custom-key (C.4.3) + custom-value = 10 + 12 + 32 = 54
    const f = dec();
    f.decode(Buffer.concat([sizeUpdate(54), hex('4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf')]));
    expectTable(f, [['custom-key', 'custom-value']]);
    const g = dec();
    g.decode(Buffer.concat([sizeUpdate(53), hex('4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf')]));
    expectTable(g, []);
  });
  test('a size update shrinking the table evicts at once; size 0 empties it; two updates at the start are allowed', () => {
    const d = dec();
    const v = 'v'.repeat(67);
    d.decode(Buffer.concat([literalNew('a', v), literalNew('b', v)]));
    expect(d.decode(sizeUpdate(150)).ok).toBe(true);
    expectTable(d, [['b', v]]);
    expect(d.decode(Buffer.concat([sizeUpdate(0), sizeUpdate(4096), indexed(2)]))).toEqual({ ok: true, fields: [{ name: ':method', value: 'GET' }] });
    expectTable(d, []);
  });
  test('a size update after a field is an error (§4.2), and the fields before it are returned', () => {
    const d = dec();
    const r = d.decode(Buffer.concat([indexed(2), sizeUpdate(100)]));
    expect(r.ok).toBe(false);
    expect(r.fields).toEqual([{ name: ':method', value: 'GET' }]);
  });
  test('a size update after a literal field is an error too', () => {
    const d = dec();
    const r = d.decode(Buffer.concat([literalNew('a', 'b'), sizeUpdate(100)]));
    expect(r).toMatchObject({ ok: false, fields: [{ name: 'a', value: 'b' }] });
    const e = dec();
    expect(e.decode(Buffer.concat([hex('0001610162'), sizeUpdate(100)])).ok).toBe(false);
  });
  test('a size update above the decoder\'s cap: capped, and the table is no longer known', () => {
    const d = dec(100);
    expect(d.decode(sizeUpdate(101)).ok).toBe(true);
    expect(d.desynced).toBe(true);
    const e = dec(100);
    expect(e.decode(Buffer.concat([sizeUpdate(100), literalNew('a', 'v'.repeat(67))])).ok).toBe(true);
    expect(e.desynced).toBe(false);
    expectTable(e, [['a', 'v'.repeat(67)]]);
  });
});

describe('errors (§5.2, §6.1): ok false, decoder desynchronised, the fields before kept', () => {
  test.each([
    ['index 0 (§6.1)', '80'],
    ['a literal name longer than the block', '40 05 61'],
    ['a literal value longer than the block', '40 01 61 05 62'],
    ['a literal value missing', '40 01 61'],
    ['a literal name missing', '40'],
    ['a name index past the tables', '7f 00 01 61'],
    ['a Huffman name with EOS inside', '40 84 ff ff ff ff 01 61'],
    ['a Huffman value padded with zeros', '00 01 61 81 00'],
  ])('%s', (_name, h) => {
    const d = dec();
    d.decode(literalNew('kept', 'yes'));
    const r = d.decode(Buffer.concat([indexed(3), hex(h)]));
    expect(r.ok).toBe(false);
    expect(r.fields[0]).toEqual({ name: ':method', value: 'POST' });
    expect(d.desynced).toBe(true);
    // The dynamic entry is no longer known; static ones still are.
    expect(d.decode(indexed(62, 2)).fields).toEqual([{ name: undefined, value: undefined }, { name: ':method', value: 'GET' }]);
  });
  test.each([
    ['80', 'bad indexed field'], // index 0 (§6.1)
    ['ff 80', 'bad indexed field'], // an integer ending inside its continuation
    ['be', 'index 62 beyond the tables'], // an empty dynamic table
    ['3f', 'bad table size update'],
    ['82 20', 'table size update after a field'],
    ['7f', 'bad literal field'],
    ['40', 'bad literal name'],
    ['40 05 61', 'bad literal name'],
    ['40 84 ff ff ff ff 01 61', 'bad Huffman code in a name'],
    ['7f 00 01 61', 'name index 63 beyond the tables'], // 63 + 0,
    ['40 01 61', 'bad literal value'],
    ['00 01 61 81 00', 'bad Huffman code in a value'],
  ])('%s fails with the problem %j (the text a connection\'s problem carries)', (h, error) => {
    expect(dec().decode(hex(h))).toMatchObject({ ok: false, error });
  });
  test('an empty Huffman-coded string is valid (§5.2: no code, no padding): the empty value', () => {
    // 0x40: literal with incremental indexing, new name; name "a" (raw, length 1); value H=1, length 0.
    expect(dec().decode(hex('40 01 61 80'))).toEqual({ ok: true, fields: [{ name: 'a', value: '' }] });
  });
  test('a literal without indexing or never indexed reads a 4-bit name index (§6.2.2, §6.2.3): 0x0f 0x2f = index 62', () => {
    const d = dec();
    d.decode(literalNew('x-a', '1'));
    expect(d.decode(hex('0f 2f 01 32'))).toEqual({ ok: true, fields: [{ name: 'x-a', value: '2' }] });
    expect(d.decode(hex('1f 2f 01 33'))).toEqual({ ok: true, fields: [{ name: 'x-a', value: '3' }] });
    expect(d.decode(hex('7e 01 34'))).toEqual({ ok: true, fields: [{ name: 'x-a', value: '4' }] });
    // only the incremental one added an entry
    expectTable(d, [['x-a', '4'], ['x-a', '1']]);
  });
  test('after desynchronisation an incremental entry with an unknown name keeps the table unknown; lose() forgets it all', () => {
    const d = dec();
    d.decode(literalNew('a', '1'));
    d.lose();
    expect(d.desynced).toBe(true);
    expect(d.decode(hex('7e 01 32'))).toEqual({ ok: true, fields: [{ name: undefined, value: '2' }] });
    expect(d.decode(indexed(62, 63))).toEqual({ ok: true, fields: [{ name: undefined, value: undefined }, { name: undefined, value: undefined }] });
  });
});

describe('RFC 7541 Appendix B: Huffman', () => {
  // [symbol, code, bits] from Appendix B; the code is followed by EOS's first bits (ones) up to an octet.
  const B: [number, number, number][] = [
    [48, 0x0, 5], // '0'
    [97, 0x3, 5], // 'a'
    [32, 0x14, 6], // ' '
    [58, 0x5c, 7], // ':'
    [38, 0xf8, 8], // '&'
    [33, 0x3f8, 10], // '!'
    [39, 0x7fa, 11], // "'"
    [35, 0xffa, 12], // '#'
    [0, 0x1ff8, 13],
    [60, 0x7ffc, 15], // '<'
    [9, 0xffffea, 24],
    [1, 0x7fffd8, 23],
    [2, 0xfffffe2, 28],
    [31, 0xffffffb, 28],
    [10, 0x3ffffffc, 30],
    [13, 0x3ffffffd, 30],
    [22, 0x3ffffffe, 30],
  ];
  const encode = (codes: [number, number][]): Buffer => {
    let bits = '';
    for (const [code, n] of codes) bits += code.toString(2).padStart(n, '0');
    bits += '1'.repeat((8 - (bits.length % 8)) % 8);
    return Buffer.from(bits.match(/.{8}/g)!.map((b) => parseInt(b, 2)));
  };
  test.each(B)('symbol %i: code %i, %i bits', (sym, code, n) => {
    expect(huffmanDecode(encode([[code, n]]))).toBe(String.fromCharCode(sym));
    expect(huffmanDecode(encode([[code, n], [code, n], [0x3, 5]]))).toBe(String.fromCharCode(sym, sym, 97));
  });
  test('Appendix C strings', () => {
    expect(huffmanDecode(hex('f1e3 c2e5 f23a 6ba0 ab90 f4ff'))).toBe('www.example.com');
    expect(huffmanDecode(hex('a8eb 1064 9cbf'))).toBe('no-cache');
    expect(huffmanDecode(hex('25a8 49e9 5ba9 7d7f'))).toBe('custom-key');
    expect(huffmanDecode(hex('25a8 49e9 5bb8 e8b4 bf'))).toBe('custom-value');
    expect(huffmanDecode(hex('6402'))).toBe('302');
    expect(huffmanDecode(hex('640e ff'))).toBe('307');
    expect(huffmanDecode(hex('aec3 771a 4b'))).toBe('private');
    expect(huffmanDecode(hex('9bd9 ab'))).toBe('gzip');
    expect(huffmanDecode(hex('d07a be94 1054 d444 a820 0595 040b 8166 e082 a62d 1bff'))).toBe(DATE1);
    expect(huffmanDecode(hex('9d29 ad17 1863 c78f 0b97 c8e9 ae82 ae43 d3'))).toBe(LOC);
  });
  test('padding: up to 7 one bits end a string; 8 ones, a zero bit in the padding, or EOS (30 ones) inside are errors (§5.2)', () => {
    // 'a' (00011) + 3 ones: ok; 'a' + '0' (00000) with 6 bits of ones padding... as whole octets:
    expect(huffmanDecode(Buffer.from([0b00011111]))).toBe('a');
    expect(huffmanDecode(Buffer.from([0b00011111, 0xff]))).toBeUndefined(); // 11 bits of padding
    expect(huffmanDecode(Buffer.from([0b00011110]))).toBeUndefined(); // padding 110: not all ones
    expect(huffmanDecode(Buffer.from([0b00011011]))).toBeUndefined(); // padding 011
    // 7 ones of padding after a 9-bit total: 'a' (5) + '0'… no: ' ' (010100, 6) + 'a' (00011, 5) = 11 bits, 5 ones of padding
    expect(huffmanDecode(encode([[0x14, 6], [0x3, 5]]))).toBe(' a');
    // EOS (0x3fffffff, 30 bits) after a symbol, with 2 ones of padding: rejected
    expect(huffmanDecode(encode([[0x3, 5], [0x3fffffff, 30]]))).toBeUndefined();
    expect(huffmanDecode(Buffer.from([0xff, 0xff, 0xff, 0xfc]))).toBeUndefined(); // 30 ones: EOS
    expect(huffmanDecode(Buffer.from([0xfe]))).toBeUndefined(); // 7 ones and a zero: neither a code nor padding
    expect(huffmanDecode(Buffer.from([0xff]))).toBeUndefined(); // 8 ones: padding longer than 7 bits
    // 'aaaaa' = 25 bits: exactly 7 ones of padding
    expect(encode([[0x3, 5], [0x3, 5], [0x3, 5], [0x3, 5], [0x3, 5]])).toEqual(Buffer.from([0x18, 0xc6, 0x31, 0xff]));
    expect(huffmanDecode(Buffer.from([0x18, 0xc6, 0x31, 0xff]))).toBe('aaaaa');
    // a string that ends on an octet boundary (no padding): '0' ×8 = 40 bits
    expect(huffmanDecode(Buffer.alloc(5, 0))).toBe('00000000');
  });
});
