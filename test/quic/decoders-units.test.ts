/**
 * The QUIC decoders of src/quic (varint.ts, version.ts, header.ts, frames.ts,
 * crypto-stream.ts, protection.ts) on their own, with expected values from the
 * specifications only:
 * - RFC 9000 (QUIC): §16 and Appendix A.1 (variable-length integer examples),
 *   §17.2 (long header layout, Table 5 packet types), §12.2 (coalesced
 *   packets), §17.2.1 (Version Negotiation), §17.2.5 (Retry), §17.3 (short
 *   header), §19 (frame encodings), Appendix A.3 (packet number decoding).
 * - RFC 9001 (QUIC-TLS): §5.2 (Initial salt), Appendix A (the client and
 *   server Initial of DCID 0x8394c8f03e515708, their keys, protected and
 *   unprotected headers and payloads; the Retry; the ChaCha20 short header).
 * - RFC 9369 (QUIC v2): §3.1 version, §3.2 packet types, §3.3.1 salt, §3.3.2 labels.
 * - RFC 9221 (DATAGRAM frames 0x30/0x31).
 * - The salts of draft-ietf-quic-tls-23..28 and -29..32 (their §5.2).
 * Malformed input is checked the way the codebase promises: never a throw,
 * every shorter prefix of a valid packet or frame read as truncated.
 * The real captures are compared with tshark in decoders-tshark-units.test.ts.
 */
import { CryptoStream, DEFAULT_CRYPTO_CAP } from '../../src/quic/crypto-stream.js';
import { parseFrames } from '../../src/quic/frames.js';
import { looksLikeQuicLong, parseDatagram } from '../../src/quic/header.js';
import { decodePacketNumber, hkdfExpandLabel, initialKeys, openLongPacket, openPacket, packetKeys } from '../../src/quic/protection.js';
import { readVarint, varintLength } from '../../src/quic/varint.js';
import { isDraft, isKnownVersion, longPacketType, QUIC_V1, QUIC_V2, QUIC_VN, versionKeys, versionName } from '../../src/quic/version.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// ---------------------------------------------------------------------------
// RFC 9001 Appendix A (text copied from the RFC, whitespace removed).

const DCID = hex('8394c8f03e515708');

/** A.2: the client's protected Initial, 1200 bytes. */
const A2_PROTECTED = hex(`
c000000001088394c8f03e5157080000 449e7b9aec34d1b1c98dd7689fb8ec11
d242b123dc9bd8bab936b47d92ec356c 0bab7df5976d27cd449f63300099f399
1c260ec4c60d17b31f8429157bb35a12 82a643a8d2262cad67500cadb8e7378c
8eb7539ec4d4905fed1bee1fc8aafba1 7c750e2c7ace01e6005f80fcb7df6212
30c83711b39343fa028cea7f7fb5ff89 eac2308249a02252155e2347b63d58c5
457afd84d05dfffdb20392844ae81215 4682e9cf012f9021a6f0be17ddd0c208
4dce25ff9b06cde535d0f920a2db1bf3 62c23e596d11a4f5a6cf3948838a3aec
4e15daf8500a6ef69ec4e3feb6b1d98e 610ac8b7ec3faf6ad760b7bad1db4ba3
485e8a94dc250ae3fdb41ed15fb6a8e5 eba0fc3dd60bc8e30c5c4287e53805db
059ae0648db2f64264ed5e39be2e20d8 2df566da8dd5998ccabdae053060ae6c
7b4378e846d29f37ed7b4ea9ec5d82e7 961b7f25a9323851f681d582363aa5f8
9937f5a67258bf63ad6f1a0b1d96dbd4 faddfcefc5266ba6611722395c906556
be52afe3f565636ad1b17d508b73d874 3eeb524be22b3dcbc2c7468d54119c74
68449a13d8e3b95811a198f3491de3e7 fe942b330407abf82a4ed7c1b311663a
c69890f4157015853d91e923037c227a 33cdd5ec281ca3f79c44546b9d90ca00
f064c99e3dd97911d39fe9c5d0b23a22 9a234cb36186c4819e8b9c5927726632
291d6a418211cc2962e20fe47feb3edf 330f2c603a9d48c0fcb5699dbfe58964
25c5bac4aee82e57a85aaf4e2513e4f0 5796b07ba2ee47d80506f8d2c25e50fd
14de71e6c418559302f939b0e1abd576 f279c4b2e0feb85c1f28ff18f58891ff
ef132eef2fa09346aee33c28eb130ff2 8f5b766953334113211996d20011a198
e3fc433f9f2541010ae17c1bf202580f 6047472fb36857fe843b19f5984009dd
c324044e847a4f4a0ab34f719595de37 252d6235365e9b84392b061085349d73
203a4a13e96f5432ec0fd4a1ee65accd d5e3904df54c1da510b0ff20dcc0c77f
cb2c0e0eb605cb0504db87632cf3d8b4 dae6e705769d1de354270123cb11450e
fc60ac47683d7b8d0f811365565fd98c 4c8eb936bcab8d069fc33bd801b03ade
a2e1fbc5aa463d08ca19896d2bf59a07 1b851e6c239052172f296bfb5e724047
90a2181014f3b94a4e97d117b4381303 68cc39dbb2d198065ae3986547926cd2
162f40a29f0c3c8745c0f50fba3852e5 66d44575c29d39a03f0cda721984b6f4
40591f355e12d439ff150aab7613499d bd49adabc8676eef023b15b65bfc5ca0
6948109f23f350db82123535eb8a7433 bdabcb909271a6ecbcb58b936a88cd4e
8f2e6ff5800175f113253d8fa9ca8885 c2f552e657dc603f252e1a8e308f76f0
be79e2fb8f5d5fbbe2e30ecadd220723 c8c0aea8078cdfcb3868263ff8f09400
54da48781893a7e49ad5aff4af300cd8 04a6b6279ab3ff3afb64491c85194aab
760d58a606654f9f4400e8b38591356f bf6425aca26dc85244259ff2b19c41b9
f96f3ca9ec1dde434da7d2d392b905dd f3d1f9af93d1af5950bd493f5aa731b4
056df31bd267b6b90a079831aaf579be 0a39013137aac6d404f518cfd4684064
7e78bfe706ca4cf5e9c5453e9f7cfd2b 8b4c8d169a44e55c88d4a9a7f9474241
e221af44860018ab0856972e194cd934`);

/** A.2: the CRYPTO frame of the client's Initial (then PADDING to 1162 bytes). */
const A2_CRYPTO_FRAME = hex(`
060040f1010000ed0303ebf8fa56f129 39b9584a3896472ec40bb863cfd3e868
04fe3a47f06a2b69484c000004130113 02010000c000000010000e00000b6578
616d706c652e636f6dff01000100000a 00080006001d00170018001000070005
04616c706e0005000501000000000033 00260024001d00209370b2c9caa47fba
baf4559fedba753de171fa71f50f1ce1 5d43e994ec74d748002b000302030400
0d0010000e0403050306030203080408 050806002d00020101001c0002400100
3900320408ffffffffffffffff050480 00ffff07048000ffff08011001048000
75300901100f088394c8f03e51570806 048000ffff`);

/** A.3: the server's protected Initial, 135 bytes, and its payload (ACK, CRYPTO). */
const A3_PROTECTED = hex(`
cf000000010008f067a5502a4262b500 4075c0d95a482cd0991cd25b0aac406a
5816b6394100f37a1c69797554780bb3 8cc5a99f5ede4cf73c3ec2493a1839b3
dbcba3f6ea46c5b7684df3548e7ddeb9 c3bf9c73cc3f3bded74b562bfb19fb84
022f8ef4cdd93795d77d06edbb7aaf2f 58891850abbdca3d20398c276456cbc4
2158407dd074ee`);
const A3_PAYLOAD = hex(`
02000000000600405a020000560303ee fce7f7b37ba1d1632e96677825ddf739
88cfc79825df566dc5430b9a045a1200 130100002e00330024001d00209d3c94
0d89690b84d08a60993c144eca684d10 81287c834d5311bcf32bb9da1a002b00
020304`);

/** A.4: a Retry answering A.2: SCID f067a5502a4262b5, token "token", integrity tag. */
const A4_RETRY = hex('ff000000010008f067a5502a4262b574 6f6b656e04a265ba2eff4d829058fb3f 0f2496ba');

/** A.5: the ChaCha20-Poly1305 short header packet (empty DCID) and its secret. */
const A5_PACKET = hex('4cfe4189655e5cd55c41f69080575d7999c25a5bfb');
const A5_SECRET = hex('9ac312a7f877468ebe69422748ad00a15443f18203a07d6060f688f30f21632b');

// ---------------------------------------------------------------------------
// varint.ts

describe('varint (RFC 9000 §16, Appendix A.1)', () => {
  // A.1: "the eight-byte sequence 0xc2197c5eff14e88c decodes to the decimal value
  // 151,288,809,941,952,652; the four-byte sequence 0x9d7f3e7d decodes to
  // 494,878,333; the two-byte sequence 0x7bbd decodes to 15,293; and the single
  // byte 0x25 decodes to 37 (as does the two-byte sequence 0x4025)".
  const examples: [string, number, number][] = [
    ['c2197c5eff14e88c', Number(151288809941952652n), 8],
    ['9d7f3e7d', 494878333, 4],
    ['7bbd', 15293, 2],
    ['25', 37, 1],
    ['4025', 37, 2],
  ];

  test.each(examples)('%s decodes to %d in %d bytes, and every shorter prefix is truncated', (h, value, len) => {
    const b = hex(h);
    expect(varintLength(b[0])).toBe(len);
    const c = { off: 0 };
    expect(readVarint(b, c, b.length)).toBe(value);
    expect(c.off).toBe(len);
    for (let n = 0; n < b.length; n++) {
      const cut = { off: 0 };
      expect(readVarint(b, cut, n)).toBe(-1); // the end given, not the buffer's, bounds the read
      expect(cut.off).toBe(0);
      expect(readVarint(b.subarray(0, n), { off: 0 }, n)).toBe(-1);
    }
  });

  test('the two high bits give the length (§16 Table 4: 00 1, 01 2, 10 4, 11 8 bytes); the rest is the value', () => {
    expect([0x00, 0x3f, 0x40, 0x7f, 0x80, 0xbf, 0xc0, 0xff].map(varintLength)).toEqual([1, 1, 2, 2, 4, 4, 8, 8]);
    // Table 4's ranges: the largest 1-, 2- and 4-byte values.
    expect(readVarint(hex('3f'), { off: 0 }, 1)).toBe(63);
    expect(readVarint(hex('7fff'), { off: 0 }, 2)).toBe(16383);
    expect(readVarint(hex('bfffffff'), { off: 0 }, 4)).toBe(1073741823);
    expect(readVarint(hex('c000000000000001'), { off: 0 }, 8)).toBe(1);
  });

  test('reads from the cursor and moves it; at or past the end nothing is read', () => {
    // 0x25 (37), 0x7bbd (15293), 0x9d7f3e7d (494878333) one after the other.
    const b = hex('257bbd9d7f3e7d');
    const c = { off: 0 };
    expect([readVarint(b, c, b.length), c.off]).toEqual([37, 1]);
    expect([readVarint(b, c, b.length), c.off]).toEqual([15293, 3]);
    expect([readVarint(b, c, b.length), c.off]).toEqual([494878333, 7]);
    expect([readVarint(b, c, b.length), c.off]).toEqual([-1, 7]);
    expect(readVarint(b, { off: 3 }, 3)).toBe(-1);
    expect(readVarint(b, { off: 1 }, 3)).toBe(15293);
  });
});

// ---------------------------------------------------------------------------
// version.ts

describe('versions (RFC 9000 §15, §17.2; RFC 9369 §3; RFC 9001 §5.2)', () => {
  test('drafts are 0xff0000xx (RFC 9000 §15: the versions of the drafts)', () => {
    expect([0xff000000, 0xff00001b, 0xff00001d, 0xff0000ff].map(isDraft)).toEqual([true, true, true, true]);
    expect([0xfe00001d, 0xff01001d, 0x0ff00001, QUIC_V1, 0xff].map(isDraft)).toEqual([false, false, false, false, false]);
  });

  test('versions we read: v1 (0x00000001), v2 (0x6b3343cf, RFC 9369 §3.1) and the drafts', () => {
    expect([QUIC_V1, QUIC_V2, QUIC_VN]).toEqual([1, 0x6b3343cf, 0]);
    expect([0x00000001, 0x6b3343cf, 0xff00001c].map(isKnownVersion)).toEqual([true, true, true]);
    // 0x00000002 (the unknown version of the mercury capture), a reserved 0x?a?a?a?a version (RFC 9000 §15), VN.
    expect([0x00000002, 0x1a2a3a4a, 0x00000000].map(isKnownVersion)).toEqual([false, false, false]);
  });

  test('long header packet types: RFC 9000 Table 5 (v1, drafts) and RFC 9369 §3.2 (v2)', () => {
    // Type bits are 0x30 of the first byte; the other bits do not matter.
    const firsts = [0xc0, 0xd0, 0xe0, 0xf0];
    expect(firsts.map((f) => longPacketType(QUIC_V1, f))).toEqual(['Initial', '0-RTT', 'Handshake', 'Retry']);
    expect(firsts.map((f) => longPacketType(0xff00001d, f))).toEqual(['Initial', '0-RTT', 'Handshake', 'Retry']);
    // v2: Initial 0b01, 0-RTT 0b10, Handshake 0b11, Retry 0b00.
    expect(firsts.map((f) => longPacketType(QUIC_V2, f))).toEqual(['Retry', 'Initial', '0-RTT', 'Handshake']);
    expect([0xcf, 0x8f, 0xff, 0xb3].map((f) => longPacketType(QUIC_V1, f))).toEqual(['Initial', 'Initial', 'Retry', 'Retry']);
  });

  test('version names', () => {
    expect([QUIC_V1, QUIC_V2, 0, 0xff00001d, 0xff00001b].map(versionName)).toEqual(['v1', 'v2', 'negotiation', 'draft-29', 'draft-27']);
    expect([0x00000002, 0x1a2a3a4a, 0xfaceb002].map(versionName)).toEqual(['0x00000002', '0x1a2a3a4a', '0xfaceb002']);
  });

  test('Initial salts and labels: RFC 9001 §5.2 / §5.1, RFC 9369 §3.3.1 / §3.3.2, draft-ietf-quic-tls-23 and -29 §5.2', () => {
    const v1 = { salt: '38762cf7f55934b34d179ae6a4c80cadccbb7f0a', keyLabel: 'quic key', ivLabel: 'quic iv', hpLabel: 'quic hp' };
    const of = (v: number) => {
      const k = versionKeys(v);
      return k && { ...k, salt: k.salt.toString('hex') };
    };
    expect(of(QUIC_V1)).toEqual(v1);
    expect(of(QUIC_V2)).toEqual({ salt: '0dede3def700a6db819381be6e269dcbf9bd2ed9', keyLabel: 'quicv2 key', ivLabel: 'quicv2 iv', hpLabel: 'quicv2 hp' });
    // Drafts 33 and 34 use the RFC's salt; 29-32 theirs; 23-28 theirs; before 23 none we know.
    expect(of(0xff000022)).toEqual(v1);
    expect(of(0xff000021)).toEqual(v1);
    expect(of(0xff000020)).toEqual({ ...v1, salt: 'afbfec289993d24c9e9786f19c6111e04390a899' });
    expect(of(0xff00001d)).toEqual({ ...v1, salt: 'afbfec289993d24c9e9786f19c6111e04390a899' });
    expect(of(0xff00001c)).toEqual({ ...v1, salt: 'c3eef712c72ebb5a11a7d2432bb46365bef9f502' });
    expect(of(0xff000017)).toEqual({ ...v1, salt: 'c3eef712c72ebb5a11a7d2432bb46365bef9f502' });
    expect(of(0xff000016)).toBeUndefined();
    expect(of(0x00000002)).toBeUndefined();
    expect(of(0)).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------
// header.ts

describe('packet headers (RFC 9000 §17, §12.2; RFC 9001 Appendix A packets)', () => {
  const parse = (b: Buffer, short?: number) => {
    const r = parseDatagram(b, short);
    return { packets: r.packets.map((p) => ({ ...p, dcid: p.dcid.toString('hex'), scid: p.scid.toString('hex'), token: p.token?.toString('hex') })), problems: r.problems };
  };

  test('A.2 client Initial: version 1, DCID 8394c8f03e515708, no SCID, no token, Length 1182 (0x449e), packet number at 18', () => {
    expect(parse(A2_PROTECTED)).toEqual({
      packets: [{ type: 'Initial', version: 1, start: 0, end: 1200, dcid: '8394c8f03e515708', scid: '', token: '', pnOffset: 18 }],
      problems: [],
    });
  });

  test('A.3 server Initial: SCID f067a5502a4262b5, Length 117 (0x4075), 135 bytes', () => {
    expect(parse(A3_PROTECTED)).toEqual({
      packets: [{ type: 'Initial', version: 1, start: 0, end: 135, dcid: '', scid: 'f067a5502a4262b5', token: '', pnOffset: 18 }],
      problems: [],
    });
  });

  test('A.4 Retry: the token "token" before the 16-byte integrity tag (§17.2.5)', () => {
    expect(parse(A4_RETRY)).toEqual({
      packets: [{ type: 'Retry', version: 1, start: 0, end: 36, dcid: '', scid: 'f067a5502a4262b5', token: Buffer.from('token').toString('hex') }],
      problems: [],
    });
    // RFC 9369 §3.2: a v2 Retry has type bits 0b00 (the same bytes with the v2 version and first byte 0xcf).
    const v2 = Buffer.from(A4_RETRY);
    v2[0] = 0xcf;
    v2.writeUInt32BE(QUIC_V2, 1);
    expect(parse(v2).packets.map((p) => [p.type, p.token])).toEqual([['Retry', '746f6b656e']]);
  });

  test('A.5 short header: the rest of the datagram, the DCID length from the caller', () => {
    expect(parse(A5_PACKET, 0)).toEqual({ packets: [{ type: '1-RTT', version: 0, start: 0, end: 21, dcid: '', scid: '' }], problems: [] });
    expect(parse(A5_PACKET, 4).packets.map((p) => [p.dcid, p.end])).toEqual([['fe418965', 21]]);
    // §17.3: the DCID fills the datagram after the first byte: 20 bytes is the most a 21-byte datagram holds.
    expect(parse(A5_PACKET, 20).packets.map((p) => p.dcid.length / 2)).toEqual([20]);
    expect(parse(A5_PACKET, 21)).toEqual({ packets: [], problems: ['truncated short header'] });
    expect(parse(A5_PACKET)).toEqual({ packets: [], problems: ['short header with an unknown connection ID'] });
  });

  test('every shorter prefix of A.2, A.3 and A.4 is a problem, never a throw, and the problem names the field cut (§17.2 layout)', () => {
    const problemsOf = (b: Buffer, n: number) => parseDatagram(b.subarray(0, n), undefined).problems;
    // A.3: c1 | 00000001 | 00 (DCID len) | 08 f067a5502a4262b5 (SCID) | 00 (token len) | 4075 (Length) | pn...
    for (let n = 1; n < A3_PROTECTED.length; n++) {
      const want = n < 15 ? 'truncated long header' : n === 15 ? 'truncated Initial token' : n < 18 ? 'truncated Initial header' : 'Initial length 117 runs past the datagram';
      expect([n, problemsOf(A3_PROTECTED, n)]).toEqual([n, [want]]);
      expect(parseDatagram(A3_PROTECTED.subarray(0, n), undefined).packets).toEqual([]);
    }
    // A.2: c0 | 00000001 | 08 8394c8f03e515708 | 00 (SCID len) | 00 (token len) | 449e | pn...
    for (let n = 1; n < A2_PROTECTED.length; n++) {
      const want = n < 15 ? 'truncated long header' : n === 15 ? 'truncated Initial token' : n < 18 ? 'truncated Initial header' : 'Initial length 1182 runs past the datagram';
      expect([n, problemsOf(A2_PROTECTED, n)]).toEqual([n, [want]]);
    }
    // A.4: the Retry needs its 16-byte tag after the 15-byte header; then any token length fits.
    for (let n = 1; n < A4_RETRY.length; n++) {
      const r = parseDatagram(A4_RETRY.subarray(0, n), undefined);
      if (n < 15) expect([n, r.problems]).toEqual([n, ['truncated long header']]);
      else if (n < 31) expect([n, r.problems]).toEqual([n, ['truncated Retry']]);
      else expect([n, r.problems, r.packets[0].token?.length]).toEqual([n, [], n - 31]);
    }
  });

  test('coalesced packets (§12.2): same DCID goes on, another DCID ends the walk, zero bytes after a packet are padding', () => {
    const two = Buffer.concat([A3_PROTECTED, A3_PROTECTED]);
    expect(parse(two).packets.map((p) => [p.start, p.end])).toEqual([
      [0, 135],
      [135, 270],
    ]);
    // A.3 (empty DCID) then A.2 (DCID 8394...): the second is ignored, without a problem.
    expect(parse(Buffer.concat([A3_PROTECTED, A2_PROTECTED]))).toMatchObject({ packets: [{ end: 135 }], problems: [] });
    expect(parse(Buffer.concat([A3_PROTECTED, Buffer.alloc(40)]))).toMatchObject({ packets: [{ end: 135 }], problems: [] });
    // A short header after a long one: with the first packet's DCID it is a 1-RTT packet to the end of the datagram.
    expect(parse(Buffer.concat([A3_PROTECTED, A5_PACKET]), 0).packets.map((p) => [p.type, p.start, p.end])).toEqual([
      ['Initial', 0, 135],
      ['1-RTT', 135, 156],
    ]);
    const a2short = Buffer.concat([A2_PROTECTED, hex('40'), DCID, hex('0102030405')]);
    expect(parse(a2short, 8).packets.map((p) => [p.type, p.dcid, p.end])).toEqual([
      ['Initial', '8394c8f03e515708', 1200],
      ['1-RTT', '8394c8f03e515708', 1214],
    ]);
    // Another 8-byte DCID: not this connection's packet (§12.2), the walk stops there.
    const other = Buffer.concat([A2_PROTECTED, hex('40 0102030405060708 0102030405')]);
    expect(parse(other, 8)).toMatchObject({ packets: [{ type: 'Initial' }], problems: [] });
    expect(parse(other, 8).packets).toHaveLength(1);
    // A zero first byte with no packet before it is a short header, not padding.
    expect(parse(Buffer.alloc(30))).toEqual({ packets: [], problems: ['short header with an unknown connection ID'] });
  });

  test('Version Negotiation (§17.2.1): any CID lengths (RFC 8999 §6), the supported versions', () => {
    // DCID of 21 bytes and SCID of 1 byte, versions draft-27 and v1.
    const vn = Buffer.concat([hex('80 00000000 15'), Buffer.alloc(21, 7), hex('01 09 ff00001b 00000001')]);
    expect(parse(vn)).toEqual({
      packets: [{ type: 'VersionNegotiation', version: 0, start: 0, end: vn.length, dcid: '07'.repeat(21), scid: '09', token: undefined, supportedVersions: [0xff00001b, 1] }],
      problems: [],
    });
    const scid21 = Buffer.concat([hex('80 00000000 00 15'), Buffer.alloc(21, 7), hex('00000001')]);
    expect(parse(scid21).packets[0].supportedVersions).toEqual([1]);
    expect(parse(Buffer.concat([vn, hex('ff')])).problems).toEqual(['Version Negotiation list not a multiple of 4 bytes']);
    expect(parse(hex('80 00000000 00 00')).packets[0].supportedVersions).toEqual([]);
  });

  test('connection IDs over 20 bytes (§17.2), unknown versions, Length 0: named problems', () => {
    const v1 = (rest: string) => hex(`c0 00000001 ${rest}`);
    expect(parse(v1(`14 ${'aa'.repeat(20)} 00 00 01 00`)).problems).toEqual([]);
    expect(parse(v1(`00 15 ${'aa'.repeat(21)} 00 01 00`)).problems).toEqual(['connection ID length 21 over 20']);
    expect(parse(v1(`00 14 ${'aa'.repeat(20)} 00 01 00`)).problems).toEqual([]);
    expect(parse(v1(`15 ${'aa'.repeat(21)} 00 00 01 00`)).problems).toEqual(['connection ID length 21 over 20']);
    // Initial with Length 0: no room for a packet number.
    expect(parse(v1('00 00 00 00')).problems).toEqual(['Initial packet with no packet number']);
    // Handshake (type 2): no token; Length 1 (one packet number byte).
    expect(parse(hex('e0 00000001 00 00 01 00'))).toMatchObject({ packets: [{ type: 'Handshake', end: 9, pnOffset: 8, token: undefined }], problems: [] });
    // Only Initial (and Retry) packets have a token field (§17.2.2, §17.2.4).
    expect('token' in parseDatagram(hex('e0 00000001 00 00 01 00'), undefined).packets[0]).toBe(false);
    expect('token' in parseDatagram(A3_PROTECTED, undefined).packets[0]).toBe(true);
    expect(parse(hex('e0 00000001 00 00'))).toEqual({ packets: [], problems: ['truncated Handshake header'] });
    expect(parse(hex('e0 00000001 00 00 02 00'))).toEqual({ packets: [], problems: ['Handshake length 2 runs past the datagram'] });
    expect(parse(hex('d0 00000002 00 00 01 00')).problems).toEqual(['unknown QUIC version 0x00000002']);
    expect(parse(hex('d0 1a2a3a4a 00 00 01 00')).problems).toEqual(['unknown QUIC version 0x1a2a3a4a']);
    // RFC 9287: the fixed bit is not required (a greased long header still parses).
    expect(parse(hex('a0 00000001 00 00 01 00')).packets.map((p) => p.type)).toEqual(['Handshake']);
  });

  test('looksLikeQuicLong: long header form bit and a version we read (RFC 8999 §5.1), at least 7 bytes', () => {
    expect(looksLikeQuicLong(A2_PROTECTED)).toBe(true);
    expect(looksLikeQuicLong(A2_PROTECTED.subarray(0, 7))).toBe(true);
    expect(looksLikeQuicLong(A2_PROTECTED.subarray(0, 6))).toBe(false);
    expect(looksLikeQuicLong(hex('80 00000000 0000'))).toBe(true); // Version Negotiation
    expect(looksLikeQuicLong(hex('d0 6b3343cf 0000'))).toBe(true);
    expect(looksLikeQuicLong(hex('c0 ff00001d 0000'))).toBe(true);
    expect(looksLikeQuicLong(hex('c0 00000002 0000'))).toBe(false);
    expect(looksLikeQuicLong(hex('40 00000001 0000'))).toBe(false); // short header form
    expect(looksLikeQuicLong(A5_PACKET)).toBe(false);
  });
});

// ---------------------------------------------------------------------------
// protection.ts

describe('packet protection (RFC 9001 §5, Appendix A; RFC 9000 Appendix A.3)', () => {
  test('A.1: HKDF-Expand-Label of the initial secret and of the client secret', () => {
    const initialSecret = hex('7db5df06e7a69e432496adedb00851923595221596ae2ae9fb8115c1e9ed0a44');
    const client = hkdfExpandLabel(initialSecret, 'client in', 32);
    expect(client.toString('hex')).toBe('c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea');
    expect(hkdfExpandLabel(initialSecret, 'server in', 32).toString('hex')).toBe('3c199828fd139efd216c155ad844cc81fb82fa8d7446fa7d78be803acdda951b');
    expect(hkdfExpandLabel(client, 'quic key', 16).toString('hex')).toBe('1f369613dd76d5467730efcbe3b1a22d');
    expect(hkdfExpandLabel(client, 'quic iv', 12).toString('hex')).toBe('fa044b2f42a3fd3b46fb255c');
    // A.5: "quic ku" of the ChaCha20 secret.
    expect(hkdfExpandLabel(A5_SECRET, 'quic ku', 32).toString('hex')).toBe('1223504755036d556342ee9361d253421a826c9ecdf3c7148684b36b714881f9');
    const k = initialKeys(QUIC_V1, DCID)!;
    expect([k.version, k.dcid.toString('hex')]).toEqual([1, '8394c8f03e515708']);
  });

  test('A.2: the client Initial opens to packet number 2 and the CRYPTO frame plus PADDING (1162 bytes)', () => {
    const k = initialKeys(QUIC_V1, DCID)!;
    const opened = openLongPacket(A2_PROTECTED, 18, A2_PROTECTED.length, k.client, -1);
    expect(typeof opened).toBe('object');
    const o = opened as Exclude<typeof opened, string>;
    expect(o.packetNumber).toBe(2);
    expect(o.payload.length).toBe(1162);
    expect(o.payload.subarray(0, A2_CRYPTO_FRAME.length).toString('hex')).toBe(A2_CRYPTO_FRAME.toString('hex'));
    expect(o.payload.subarray(A2_CRYPTO_FRAME.length).equals(Buffer.alloc(1162 - A2_CRYPTO_FRAME.length))).toBe(true);
    // The packet was not changed in place (header protection is removed on a copy).
    expect(A2_PROTECTED.subarray(0, 22).toString('hex')).toBe('c000000001088394c8f03e5157080000449e7b9aec34');
    // The frames: one CRYPTO frame at offset 0 of 0xf1 = 241 bytes (the ClientHello), then PADDING.
    const f = parseFrames(o.payload);
    expect([f.crypto.map((c) => [c.offset, c.data.length, c.data[0]]), f.ackOnly, f.problem]).toEqual([[[0, 241, 1]], false, undefined]);
    // The server's keys do not open the client's packet.
    expect(openLongPacket(A2_PROTECTED, 18, A2_PROTECTED.length, k.server, -1)).toBe('Initial packet failed to decrypt');
  });

  test('A.3: the server Initial opens to packet number 1 and its ACK + CRYPTO payload', () => {
    const k = initialKeys(QUIC_V1, DCID)!;
    expect(openLongPacket(A3_PROTECTED, 18, A3_PROTECTED.length, k.server, -1)).toEqual({ payload: A3_PAYLOAD, packetNumber: 1 });
    // The packet number (2 bytes here) is decoded against the largest seen (RFC 9000 A.3) and goes into
    // the nonce (RFC 9001 §5.3): up to largest 0x7fff, 0x0001 is packet 1 and the packet opens; from 0x8000
    // on it decodes to 0x10001, another nonce, and the tag check fails.
    expect(openLongPacket(A3_PROTECTED, 18, A3_PROTECTED.length, k.server, 0x7fff)).toEqual({ payload: A3_PAYLOAD, packetNumber: 1 });
    expect(openLongPacket(A3_PROTECTED, 18, A3_PROTECTED.length, k.server, 0x8000)).toBe('Initial packet failed to decrypt');
    const f = parseFrames(A3_PAYLOAD);
    // ACK (largest 0, delay 0, no ranges, first range 0), CRYPTO offset 0, 0x5a = 90 bytes (the ServerHello).
    expect([f.crypto.map((c) => [c.offset, c.data.length, c.data[0]]), f.ackOnly, f.problem]).toEqual([[[0, 90, 2]], false, undefined]);
  });

  test('a damaged tag or a short packet is a returned problem', () => {
    const k = initialKeys(QUIC_V1, DCID)!;
    const bad = Buffer.from(A3_PROTECTED);
    bad[bad.length - 1] ^= 1;
    expect(openLongPacket(bad, 18, bad.length, k.server, -1)).toBe('Initial packet failed to decrypt');
    expect(openLongPacket(bad, 18, bad.length, { ...k.server, aead: 'aes-128-gcm' }, -1)).toBe('packet failed to decrypt');
    // The sample is the 16 bytes after a 4-byte packet number (§5.4.2): 18 + 20 bytes are the least.
    expect(openLongPacket(A3_PROTECTED, 18, 37, k.server, -1)).toBe('packet too short for a header protection sample');
    expect(openLongPacket(A3_PROTECTED, 18, 38, k.server, -1)).toBe('Initial packet failed to decrypt');
    // A.5 with its 21 bytes is the smallest packet: one byte less has no sample.
    const keys = packetKeys(QUIC_V1, 0x1303, A5_SECRET)!;
    expect(openPacket(A5_PACKET, 1, 20, keys, 654360563, false)).toBe('packet too short for a header protection sample');
    // The AEAD follows the keys: the A.5 packet with its keys marked AES-256-GCM does not open.
    expect(openPacket(A5_PACKET, 1, 21, { ...keys, aead: 'aes-256-gcm' }, 654360563, false)).toBe('packet failed to decrypt');
  });

  test('packet keys: AES-128-GCM (0x1301) 16-byte key and hp, AES-256-GCM (0x1302) 32-byte with SHA-384 secrets, ChaCha20 (0x1303) 32-byte', () => {
    const k1 = packetKeys(QUIC_V1, 0x1301, hex('c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea'))!;
    // RFC 9001 A.1: from the client Initial secret, AES-128-GCM keys are the client Initial keys.
    expect([k1.key.toString('hex'), k1.iv.toString('hex'), k1.hp.toString('hex'), k1.aead]).toEqual([
      '1f369613dd76d5467730efcbe3b1a22d',
      'fa044b2f42a3fd3b46fb255c',
      '9f50449e04a0e810283a1e9933adedd2',
      'aes-128-gcm',
    ]);
    const k2 = packetKeys(QUIC_V1, 0x1302, Buffer.alloc(48, 1))!;
    expect([k2.key.length, k2.iv.length, k2.hp.length, k2.aead]).toEqual([32, 12, 32, 'aes-256-gcm']);
    expect(packetKeys(QUIC_V1, 0x1302, Buffer.alloc(32, 1))).toBeUndefined();
    expect(packetKeys(QUIC_V1, 0x1301, Buffer.alloc(48, 1))).toBeUndefined();
    expect(packetKeys(QUIC_V1, 0x1303, Buffer.alloc(48, 1))).toBeUndefined();
    expect(packetKeys(QUIC_V1, 0x1303, A5_SECRET)?.aead).toBe('chacha20-poly1305');
    // v2 labels differ (RFC 9369 §3.3.2): other keys from the same secret.
    expect(packetKeys(QUIC_V2, 0x1303, A5_SECRET)?.key.toString('hex')).not.toBe('c6d98ff3441c3fe1b2182094f69caa2ed4b716b65488960a7a984979fb23e1c8');
    expect(packetKeys(0xff000016, 0x1301, Buffer.alloc(32))).toBeUndefined();
  });

  test('RFC 9000 A.3 DecodePacketNumber at the edges of its window (values worked from the pseudocode)', () => {
    // 8 bits: window 256, half window 128.
    // largest 300: expected 301, candidate (301 & ~255) | t = 256 + t.
    expect(decodePacketNumber(300, 173, 8)).toBe(429); // 429 = 301 + 128: not above expected + hwin, kept
    expect(decodePacketNumber(300, 174, 8)).toBe(174); // 430 > 429 and 430 >= 256: one window down
    // largest 400: expected 401, expected - hwin = 273.
    expect(decodePacketNumber(400, 17, 8)).toBe(529); // candidate 273 <= 273: one window up
    expect(decodePacketNumber(400, 18, 8)).toBe(274);
    // No packet yet (largest -1): expected 0, candidate t; 200 > 128 but below the window: kept.
    expect(decodePacketNumber(-1, 200, 8)).toBe(200);
    expect(decodePacketNumber(-1, 0, 8)).toBe(0);
    // 16 bits: RFC 9000 A.3's own example, and one window later.
    expect(decodePacketNumber(0xa82f30ea, 0x9b32, 16)).toBe(0xa82f9b32);
    expect(decodePacketNumber(0xa82ffff0, 0x0005, 16)).toBe(0xa8300005);
    // 32 bits with the top bit set (the pseudocode's candidate (expected & ~mask) | truncated is
    // 0x80000001 etc.; nothing to correct: above expected + hwin but below the window).
    // These came out negative before the fix (JavaScript's & is a 32-bit signed operation).
    expect(decodePacketNumber(-1, 0x80000001, 32)).toBe(0x80000001);
    expect(decodePacketNumber(5, 0xfffffff0, 32)).toBe(0xfffffff0);
    expect(decodePacketNumber(100, 0xc0000000, 32)).toBe(0xc0000000);
    // Largest 0x7fffffff: expected 0x80000000, candidate 0x80000000, kept.
    expect(decodePacketNumber(0x7fffffff, 0x80000000, 32)).toBe(0x80000000);
    // Largest 0x100000010: expected 0x100000011, candidate 0x100000000 | 5 = 0x100000005.
    expect(decodePacketNumber(0x100000010, 5, 32)).toBe(0x100000005);
    // One window up: largest 0x1ffffff00, candidate 0x100000005 <= expected - 2^31, so + 2^32.
    expect(decodePacketNumber(0x1ffffff00, 5, 32)).toBe(0x200000005);
    // 24 bits (A.5: 654360564 from 0xbff4 ... encoded as 3 bytes 00bff4 after largest 654360563).
    expect(decodePacketNumber(654360563, 0x00bff4, 24)).toBe(654360564);
  });
});

// ---------------------------------------------------------------------------
// frames.ts

describe('frames (RFC 9000 §19, RFC 9221)', () => {
  /** A CRYPTO frame after the frame under test: it is read only if the one before was delimited right. */
  const SENTINEL = hex('06 4001 03 aabbcc'); // CRYPTO, offset 1 (2-byte varint), length 3
  const sentinelSeen = (b: Buffer) => {
    const f = parseFrames(Buffer.concat([b, SENTINEL]), 'a 1-RTT');
    return { crypto: f.crypto.map((c) => [c.offset, c.data.toString('hex')]), ackOnly: f.ackOnly, problem: f.problem, handshakeDone: f.handshakeDone, close: f.close };
  };
  const ok = { crypto: [[1, 'aabbcc']], ackOnly: false, problem: undefined, handshakeDone: false, close: undefined };

  // Each frame as RFC 9000 §19 lays it out, with multi-byte varints where a field allows.
  const FRAMES: [string, string][] = [
    ['PING 0x01', '01'],
    ['PADDING 0x00', '00'],
    ['ACK 0x02, 2 ranges', '02 4064 05 02 00 01 02 03 04'],
    ['ACK_ECN 0x03', '03 10 00 01 02 03 04 05 06 07'],
    ['RESET_STREAM 0x04', '04 04 4001 80001000'],
    ['STOP_SENDING 0x05', '05 08 4102'],
    ['NEW_TOKEN 0x07', '07 05 0102030405'],
    ['STREAM 0x0a (LEN)', '0a 00 02 6869'],
    ['STREAM 0x0e (OFF, LEN)', '0e 04 4100 01 21'],
    ['STREAM 0x0f (OFF, LEN, FIN)', '0f 04 05 00'],
    ['STREAM 0x0b (LEN, FIN)', '0b 00 00'],
    ['MAX_DATA 0x10', '10 80010000'],
    ['MAX_STREAM_DATA 0x11', '11 00 4400'],
    ['MAX_STREAMS 0x12', '12 24'],
    ['MAX_STREAMS 0x13', '13 03'],
    ['DATA_BLOCKED 0x14', '14 4001'],
    ['STREAM_DATA_BLOCKED 0x15', '15 00 10'],
    ['STREAMS_BLOCKED 0x16', '16 01'],
    ['STREAMS_BLOCKED 0x17', '17 01'],
    ['NEW_CONNECTION_ID 0x18, 4-byte CID', `18 01 00 04 a1a2a3a4 ${'5a'.repeat(16)}`],
    ['RETIRE_CONNECTION_ID 0x19', '19 02'],
    ['PATH_CHALLENGE 0x1a', '1a 0102030405060708'],
    ['PATH_RESPONSE 0x1b', '1b 0102030405060708'],
    ['DATAGRAM 0x31 (RFC 9221, with length)', '31 03 010203'],
  ];

  test.each(FRAMES)('%s is skipped by its encoding: the CRYPTO frame after it is read', (_name, h) => {
    const r = sentinelSeen(hex(h));
    expect({ ...r, ackOnly: undefined }).toEqual({ ...ok, ackOnly: undefined });
  });

  test.each(FRAMES)('%s: every shorter prefix is a truncated frame, never a throw', (_name, h) => {
    const b = hex(h);
    for (let n = 1; n < b.length; n++) {
      const f = parseFrames(b.subarray(0, n), 'a Handshake');
      expect([n, f.problem]).toEqual([n, 'truncated frame in a Handshake packet']);
    }
    // The whole frame alone is read without a problem.
    expect(parseFrames(b).problem).toBeUndefined();
  });

  test('ackOnly: only PADDING, PING and ACK frames (§12.4; nothing for the handshake)', () => {
    for (const [name, h] of FRAMES) {
      const only = parseFrames(hex(h)).ackOnly;
      expect([name, only]).toEqual([name, /PING|PADDING|ACK/.test(name)]);
    }
    expect(parseFrames(Buffer.alloc(0))).toEqual({ crypto: [], ackOnly: true, handshakeDone: false });
    expect(parseFrames(hex('06 00 01 aa')).ackOnly).toBe(false);
    expect(parseFrames(hex('1e')).ackOnly).toBe(false);
    expect(parseFrames(hex('1d 00 00')).ackOnly).toBe(false);
    expect(parseFrames(hex('30 0102')).ackOnly).toBe(false);
  });

  test('STREAM frames 0x08-0x0f (§19.8): OFF 0x04, LEN 0x02, FIN 0x01; without LEN the data runs to the end', () => {
    const seen: [number, number, number, boolean][] = [];
    const sink = (id: number, off: number, len: number, fin: boolean) => seen.push([id, off, len, fin]);
    for (let t = 0x08; t <= 0x0f; t++) {
      // Stream 4, offset 0x4100 (if OFF), length 2 (if LEN), 2 data bytes, then a PING.
      const parts = [t.toString(16).padStart(2, '0'), '04', t & 0x04 ? '4100' : '', t & 0x02 ? '02' : '', '6869', '01'];
      const f = parseFrames(hex(parts.join('')), 'a 1-RTT', sink);
      expect(f.problem).toBeUndefined();
    }
    expect(seen).toEqual([
      [4, 0, 3, false], // 0x08: no LEN: the data and the PING byte are stream data
      [4, 0, 3, true],
      [4, 0, 2, false],
      [4, 0, 2, true],
      [4, 0x100, 3, false],
      [4, 0x100, 3, true],
      [4, 0x100, 2, false],
      [4, 0x100, 2, true],
    ]);
    // Without a sink nothing is reported and nothing breaks.
    expect(parseFrames(hex('0e 04 4100 02 6869'), 'a 1-RTT').problem).toBeUndefined();
  });

  test('CONNECTION_CLOSE 0x1c (with the frame type) and 0x1d (application, without it), the reason as UTF-8 (§19.19)', () => {
    // CRYPTO_ERROR 0x128 (0x100 + TLS alert 40), frame type 0x06, reason "bad".
    expect(parseFrames(hex('1c 4128 06 03 626164')).close).toEqual({ frameType: 0x1c, errorCode: 0x128, reason: 'bad' });
    expect(parseFrames(hex('1d 4100 00')).close).toEqual({ frameType: 0x1d, errorCode: 0x100, reason: '' });
    // 0x1d has no frame type field: 0x02 is the reason length here.
    expect(parseFrames(hex('1d 00 02 c3a9 01')).close).toEqual({ frameType: 0x1d, errorCode: 0, reason: 'é' });
    for (const h of ['1c 4128 06 03 626164', '1d 4100 02 6869']) {
      const b = hex(h);
      for (let n = 1; n < b.length; n++) expect(parseFrames(b.subarray(0, n)).problem).toBe('truncated frame in an Initial packet');
    }
  });

  test('HANDSHAKE_DONE 0x1e (§19.20); DATAGRAM 0x30 runs to the end (RFC 9221 §4)', () => {
    expect(parseFrames(hex('01 1e 01'))).toEqual({ crypto: [], ackOnly: false, handshakeDone: true });
    // 0x30: everything after is its data, even bytes that would be a CRYPTO frame.
    expect(parseFrames(Buffer.concat([hex('30'), SENTINEL]))).toEqual({ crypto: [], ackOnly: false, handshakeDone: false });
  });

  test('an unknown frame type stops the walk with a problem naming the type and level; the frames before it stay', () => {
    for (const t of ['1f', '20', '2f', '32', '4040']) {
      const f = parseFrames(Buffer.concat([SENTINEL, hex(t), SENTINEL]), 'a Handshake');
      const code = Number(`0x${t}`) >= 0x4000 ? Number(`0x${t}`) & 0x3fff : Number(`0x${t}`);
      expect([f.crypto.length, f.problem]).toEqual([1, `unexpected frame type 0x${code.toString(16)} in a Handshake packet`]);
    }
    // The default level is an Initial.
    expect(parseFrames(hex('21')).problem).toBe('unexpected frame type 0x21 in an Initial packet');
    // A frame type in a longer varint encoding than needed is the same type (§12.4 forbids it, the encoding allows it).
    expect(parseFrames(hex('4006 00 01 aa')).crypto.map((c) => c.data.toString('hex'))).toEqual(['aa']);
  });

  test('CRYPTO frames (§19.6): offsets and data; a length past the packet is truncated', () => {
    const f = parseFrames(hex('06 00 02 0102 06 4400 01 03 06 80010000 00'));
    expect(f.crypto.map((c) => [c.offset, c.data.toString('hex')])).toEqual([
      [0, '0102'],
      [0x400, '03'],
      [0x10000, ''],
    ]);
    expect(parseFrames(hex('06 00 05 0102')).problem).toBe('truncated frame in an Initial packet');
    // NEW_CONNECTION_ID whose CID length runs past the packet.
    expect(parseFrames(hex(`18 01 00 14 a1a2a3a4 ${'5a'.repeat(16)}`)).problem).toBe('truncated frame in an Initial packet');
    // ACK whose range count promises more ranges than there are.
    expect(parseFrames(hex('02 10 00 05 00 01 01')).problem).toBe('truncated frame in an Initial packet');
  });
});

// ---------------------------------------------------------------------------
// crypto-stream.ts

describe('CRYPTO stream reassembly (RFC 9000 §19.6, §2.2: bytes delivered in offset order)', () => {
  const at = (frame: number) => ({ frame, tsSec: 0, tsNsec: 0 });
  const collect = () => {
    const out: [string, number][] = [];
    return { out, deliver: (b: Buffer, s: { frame: number }) => out.push([b.toString('hex'), s.frame]) };
  };

  test('in-order data is delivered at once, later data only once contiguous, duplicates not again', () => {
    const s = new CryptoStream();
    const { out, deliver } = collect();
    s.add(0, hex('0102'), at(1), deliver);
    s.add(4, hex('05'), at(2), deliver);
    expect(out).toEqual([['0102', 1]]);
    s.add(2, hex('0304'), at(3), deliver);
    expect(out).toEqual([
      ['0102', 1],
      ['0304', 3],
      ['05', 2],
    ]);
    s.add(0, hex('0102030405'), at(4), deliver);
    s.add(3, hex('04'), at(5), deliver);
    expect(out).toHaveLength(3);
    // An empty frame delivers nothing.
    s.add(5, Buffer.alloc(0), at(6), deliver);
    expect(out).toHaveLength(3);
    expect(s.problem).toBeUndefined();
  });

  test('data not starting at 0 waits: nothing is delivered until offset 0 arrives', () => {
    const s = new CryptoStream();
    const { out, deliver } = collect();
    s.add(3, hex('04'), at(1), deliver);
    s.add(1, hex('0203'), at(2), deliver);
    expect(out).toEqual([]);
    s.add(0, hex('01'), at(3), deliver);
    expect(out).toEqual([
      ['01', 3],
      ['0203', 2],
      ['04', 1],
    ]);
  });

  test('the cap: bytes at or past it are dropped with a problem, the bytes before it delivered', () => {
    const s = new CryptoStream(8);
    const { out, deliver } = collect();
    s.add(0, hex('0102030405060708'), at(1), deliver);
    expect([out, s.problem]).toEqual([[['0102030405060708', 1]], undefined]);
    const t = new CryptoStream(8);
    const c = collect();
    t.add(0, hex('010203040506070809'), at(1), c.deliver);
    expect([c.out, t.problem]).toEqual([[['0102030405060708', 1]], 'CRYPTO data beyond 8 bytes dropped']);
    // Entirely past the cap: nothing, and the problem.
    const u = new CryptoStream(8);
    const d = collect();
    u.add(8, hex('09'), at(1), d.deliver);
    u.add(0, hex('01'), at(2), d.deliver);
    expect([d.out, u.problem]).toEqual([[['01', 2]], 'CRYPTO data beyond 8 bytes dropped']);
    expect(DEFAULT_CRYPTO_CAP).toBe(65536);
  });

  test('large and out-of-order data: the buffer grows past its first 2048 bytes, up to the cap', () => {
    const data = Buffer.alloc(20000);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7 + 3) & 0xff;
    const s = new CryptoStream();
    const got: Buffer[] = [];
    s.add(9000, data.subarray(9000), at(2), (b) => got.push(Buffer.from(b)));
    s.add(0, data.subarray(0, 9000), at(1), (b) => got.push(Buffer.from(b)));
    expect(Buffer.concat(got).equals(data)).toBe(true);
    // A cap below 2048: the buffer is the cap.
    const small = new CryptoStream(1000);
    const g2: Buffer[] = [];
    small.add(0, data.subarray(0, 1000), at(1), (b) => g2.push(Buffer.from(b)));
    expect(Buffer.concat(g2).equals(data.subarray(0, 1000))).toBe(true);
    // Growing keeps the bytes held but not yet delivered: 1000-1500 fit the first 2048 bytes,
    // 1500-5000 make the buffer grow, 0-1000 then makes all of it contiguous.
    const grow = new CryptoStream();
    const g3: Buffer[] = [];
    grow.add(1000, data.subarray(1000, 1500), at(1), (b) => g3.push(Buffer.from(b)));
    grow.add(1500, data.subarray(1500, 5000), at(2), (b) => g3.push(Buffer.from(b)));
    expect(g3).toEqual([]);
    grow.add(0, data.subarray(0, 1000), at(3), (b) => g3.push(Buffer.from(b)));
    expect(Buffer.concat(g3).equals(data.subarray(0, 5000))).toBe(true);
  });

  test('each delivered piece carries the frame that first brought it; after 256 pieces the current frame stands for the rest', () => {
    const s = new CryptoStream();
    const { out, deliver } = collect();
    // 256 one-byte pieces at offsets 1..256 from frames 1..256, then offset 0 from frame 999.
    for (let i = 1; i <= 256; i++) s.add(i, Buffer.from([i & 0xff]), at(i), deliver);
    expect(out).toEqual([]);
    s.add(0, hex('00'), at(999), deliver);
    // The first piece's origin is not remembered (256 kept): everything up to the first remembered
    // piece that covers the next byte goes out with the current frame, then piece by piece.
    expect(out[0]).toEqual([Buffer.from(Array.from({ length: 257 }, (_, i) => i & 0xff)).toString('hex'), 999]);
    expect(out).toHaveLength(1);
    const t = new CryptoStream();
    const c = collect();
    for (let i = 1; i <= 255; i++) t.add(i, Buffer.from([i]), at(i), c.deliver);
    t.add(0, hex('00'), at(999), c.deliver);
    expect(c.out.slice(0, 3)).toEqual([
      ['00', 999],
      ['01', 1],
      ['02', 2],
    ]);
    expect(c.out).toHaveLength(256);
  });

  test('re-sent bytes already delivered change nothing, not even which frame later bytes are credited to', () => {
    const s = new CryptoStream();
    const { out, deliver } = collect();
    s.add(0, hex('01'), at(1), deliver);
    // 300 retransmissions of byte 0 (a client re-sending its Initial).
    for (let i = 0; i < 300; i++) s.add(0, hex('01'), at(100 + i), deliver);
    s.add(2, hex('03'), at(2), deliver);
    s.add(1, hex('02'), at(3), deliver);
    expect(out).toEqual([
      ['01', 1],
      ['02', 3],
      ['03', 2],
    ]);
  });

  test('empty CRYPTO frames (§19.6 allows a zero Length) supply nothing and are credited nothing', () => {
    const s = new CryptoStream();
    const { out, deliver } = collect();
    s.add(0, hex('01'), at(1), deliver);
    for (let i = 0; i < 300; i++) s.add(5, Buffer.alloc(0), at(100 + i), deliver);
    s.add(2, hex('03'), at(2), deliver);
    s.add(1, hex('02'), at(3), deliver);
    expect(out).toEqual([
      ['01', 1],
      ['02', 3],
      ['03', 2],
    ]);
  });

  test('overlapping ranges merge: a later piece inside a received range adds nothing', () => {
    const s = new CryptoStream();
    const { out, deliver } = collect();
    s.add(2, hex('030405'), at(1), deliver);
    s.add(3, hex('04'), at(2), deliver);
    s.add(6, hex('07'), at(3), deliver);
    s.add(4, hex('0506'), at(4), deliver);
    s.add(0, hex('0102'), at(5), deliver);
    expect(out).toEqual([
      ['0102', 5],
      ['030405', 1],
      ['06', 4],
      ['07', 3],
    ]);
  });

  test('release drops what was buffered: nothing held is delivered afterwards', () => {
    const s = new CryptoStream();
    const { out, deliver } = collect();
    s.add(0, hex('01'), at(1), deliver);
    s.add(2, hex('03'), at(2), deliver);
    s.release();
    s.add(1, hex('02'), at(3), deliver);
    // Byte 2 was released with the buffer; byte 1 alone is contiguous... but offset 0 is gone too: nothing.
    expect(out).toEqual([['01', 1]]);
  });
});
