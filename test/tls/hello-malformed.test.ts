/**
 * The hello parsers of src/tls/hello.ts on hand-built bytes, by exception:
 * malformed or unusual hellos that no capture we hold has. Layouts and
 * expected values from the specifications: RFC 5246 7.4.1.2 / 7.4.1.4 (hello
 * and extension layouts), RFC 8446 4.1.2-4.2 (supported_versions, key_share,
 * pre_shared_key, HelloRetryRequest), RFC 6066 3 (server_name), RFC 7301 3.1
 * (ALPN), RFC 5077 3.2 (session_ticket), draft-ietf-tls-tls13-21/22/23 (the
 * draft ServerHello layouts and key_share's code points 40 and 51), RFC 5246
 * E.2 (the SSLv2-compatible CLIENT-HELLO).
 */
import {
  HELLO_LIST_CAPS, HRR_RANDOM, parseCertificate, parseClientHello, parseEncryptedExtensionsAlpn, parseServerHello, parseSslv2ClientHello,
} from '../../src/tls/hello.js';
import type { ClientHelloInfo, ServerHelloInfo } from '../../src/tls/types.js';
import { ascii, clientHello, ext, extensions, serverHello, sslv2Hello, u16, vec16, vec24, vec8 } from './hello-bytes.js';


const SERVER_NAME = 0;
const SUPPORTED_GROUPS = 10;
const ALPN = 16;
const SESSION_TICKET = 35;
const PRE_SHARED_KEY = 41;
const EARLY_DATA = 42;
const SUPPORTED_VERSIONS = 43;
const KEY_SHARE = 51;
const KEY_SHARE_DRAFT = 40;

const serverNameList = (...names: [number, string][]) =>
  vec16(Buffer.concat(names.map(([t, n]) => Buffer.concat([Buffer.from([t]), vec16(ascii(n))]))));
const keyShares = (...groups: [number, number][]) =>
  vec16(Buffer.concat(groups.map(([g, len]) => Buffer.concat([u16(g), vec16(Buffer.alloc(len, 1))]))));

/** The ClientHello info of `clientHello()` with nothing from extensions. */
const base: ClientHelloInfo = {
  legacyVersion: 0x0303,
  sslv2: false,
  sessionIdLength: 0,
  cipherSuites: [0x1301, 0xc02f],
  alpn: [],
  supportedVersions: [],
  supportedGroups: [],
  keyShareGroups: [],
  sessionTicket: false,
  psk: false,
  earlyData: false,
};

function info(body: Buffer): ClientHelloInfo | string {
  const r = parseClientHello(body);
  return typeof r === 'string' ? r : r.info;
}

describe('ClientHello extensions', () => {
  test('no extensions block at all (optional before TLS 1.3): the fixed fields only', () => {
    expect(info(clientHello(null))).toEqual(base);
  });

  test('an empty extensions block', () => {
    expect(info(clientHello(extensions()))).toEqual(base);
  });

  test('session id kept whole', () => {
    const sid = Buffer.from([1, 2, 3, 4, 5]);
    const r = parseClientHello(clientHello(null, { sid }));
    expect(typeof r === 'string' ? r : { info: r.info, sid: r.sessionId.toString('hex') }).toEqual({
      info: { ...base, sessionIdLength: 5 },
      sid: '0102030405',
    });
  });

  test('server_name: the host_name (type 0) entry, not one of another type before it', () => {
    const h = clientHello(extensions(ext(SERVER_NAME, serverNameList([1, 'other'], [0, 'a.example']))));
    expect(info(h)).toEqual({ ...base, sni: 'a.example' });
  });

  test('server_name: with only other name types there is no SNI', () => {
    expect(info(clientHello(extensions(ext(SERVER_NAME, serverNameList([1, 'other'])))))).toEqual(base);
  });

  test('server_name: the first host_name of two (RFC 6066 allows one per type)', () => {
    const h = clientHello(extensions(ext(SERVER_NAME, serverNameList([0, 'first.example'], [0, 'second.example']))));
    expect(info(h)).toEqual({ ...base, sni: 'first.example' });
  });

  test('server_name: an empty extension (the ServerHello form) carries no name and is no error', () => {
    const h = clientHello(extensions(ext(SERVER_NAME, Buffer.alloc(0)), ext(ALPN, vec16(vec8(ascii('h2'))))));
    expect(info(h)).toEqual({ ...base, alpn: ['h2'] });
  });

  test('server_name: a name running past its list, or a list with one byte left, is truncated', () => {
    const entry = Buffer.concat([Buffer.from([0]), u16(20), ascii('short')]);
    expect(info(clientHello(extensions(ext(SERVER_NAME, vec16(entry)))))).toBe('truncated ClientHello');
    const dangling = Buffer.concat([Buffer.from([0]), vec16(ascii('a.example')), Buffer.from([0])]);
    expect(info(clientHello(extensions(ext(SERVER_NAME, vec16(dangling)))))).toBe('truncated ClientHello');
  });

  test('ALPN: every protocol in order; one running past the list is truncated', () => {
    const list = vec16(Buffer.concat([vec8(ascii('h2')), vec8(ascii('http/1.1')), vec8(ascii(''))]));
    expect(info(clientHello(extensions(ext(ALPN, list))))).toEqual({ ...base, alpn: ['h2', 'http/1.1', ''] });
    const bad = vec16(Buffer.concat([vec8(ascii('h2')), Buffer.from([9]), ascii('http')]));
    expect(info(clientHello(extensions(ext(ALPN, bad))))).toBe('truncated ClientHello');
  });

  test('supported_versions and supported_groups: 2-byte values; a stray odd byte is no value', () => {
    const h = clientHello(extensions(
      ext(SUPPORTED_VERSIONS, vec8(Buffer.concat([u16(0x0304), u16(0x0303), Buffer.from([0x03])]))),
      ext(SUPPORTED_GROUPS, vec16(Buffer.concat([u16(29), u16(23), Buffer.from([0])]))),
    ));
    expect(info(h)).toEqual({ ...base, supportedVersions: [0x0304, 0x0303], supportedGroups: [29, 23] });
  });

  test('key_share: the group of every entry, also under the draft code point 40', () => {
    expect(info(clientHello(extensions(ext(KEY_SHARE, keyShares([0x0a0a, 1], [29, 32], [23, 65])))))).toEqual({
      ...base, keyShareGroups: [0x0a0a, 29, 23],
    });
    expect(info(clientHello(extensions(ext(KEY_SHARE_DRAFT, keyShares([29, 32])))))).toEqual({ ...base, keyShareGroups: [29] });
  });

  test('key_share: an entry whose key runs past the list, or with a lone byte, is truncated', () => {
    const long = vec16(Buffer.concat([u16(29), u16(40), Buffer.alloc(32)]));
    expect(info(clientHello(extensions(ext(KEY_SHARE, long))))).toBe('truncated ClientHello');
    const lone = vec16(Buffer.concat([u16(29), vec16(Buffer.alloc(32)), Buffer.from([0])]));
    expect(info(clientHello(extensions(ext(KEY_SHARE, lone))))).toBe('truncated ClientHello');
    const noKey = vec16(Buffer.concat([u16(29), Buffer.from([0])]));
    expect(info(clientHello(extensions(ext(KEY_SHARE, noKey))))).toBe('truncated ClientHello');
  });

  test('session_ticket: an empty one asks for a ticket, a non-empty one offers one (RFC 5077 3.2)', () => {
    expect(info(clientHello(extensions(ext(SESSION_TICKET, Buffer.alloc(0)))))).toEqual(base);
    expect(info(clientHello(extensions(ext(SESSION_TICKET, Buffer.alloc(1, 7)))))).toEqual({ ...base, sessionTicket: true });
  });

  test('pre_shared_key and early_data are flags, whatever their content', () => {
    expect(info(clientHello(extensions(ext(EARLY_DATA, Buffer.alloc(0)), ext(PRE_SHARED_KEY, Buffer.alloc(3)))))).toEqual({
      ...base, psk: true, earlyData: true,
    });
  });

  test('unknown extensions are skipped, the ones after them still read', () => {
    const h = clientHello(extensions(ext(0xfafa, Buffer.alloc(0)), ext(0x1234, Buffer.alloc(9, 0xff)), ext(ALPN, vec16(vec8(ascii('h2'))))));
    expect(info(h)).toEqual({ ...base, alpn: ['h2'] });
  });

  test('an extension running past the block, or a block with fewer than 4 bytes left, is truncated', () => {
    const over = Buffer.concat([u16(ALPN), u16(10), Buffer.alloc(4)]);
    expect(info(clientHello(vec16(over)))).toBe('truncated ClientHello');
    expect(info(clientHello(vec16(Buffer.concat([ext(0x1234, Buffer.alloc(0)), Buffer.from([0, 16, 0])]))))).toBe('truncated ClientHello');
    // The block's own length running past the message.
    expect(info(clientHello(Buffer.concat([u16(10), ext(0x1234, Buffer.alloc(0))])))).toBe('truncated ClientHello');
  });

  test('an odd-length cipher_suites list keeps the whole suites', () => {
    const suites = vec16(Buffer.concat([u16(0x1301), u16(0x1302), Buffer.from([0x13])]));
    expect(info(clientHello(null, { suites }))).toEqual({ ...base, cipherSuites: [0x1301, 0x1302] });
  });
});

describe('ClientHello lists at and past their caps (issue 15: the first values kept, the list named)', () => {
  test('exactly at the cap: everything kept, nothing named', () => {
    const alpn = Array.from({ length: HELLO_LIST_CAPS.alpn }, (_, i) => `p${i}`);
    const groups = Array.from({ length: HELLO_LIST_CAPS.keyShareGroups }, (_, i) => 0x100 + i);
    const h = clientHello(extensions(
      ext(ALPN, vec16(Buffer.concat(alpn.map((p) => vec8(ascii(p)))))),
      ext(KEY_SHARE, keyShares(...groups.map((g) => [g, 1] as [number, number]))),
    ));
    expect(info(h)).toEqual({ ...base, alpn, keyShareGroups: groups });
  });

  test('one past the cap', () => {
    const alpn = Array.from({ length: HELLO_LIST_CAPS.alpn + 1 }, (_, i) => `p${i}`);
    const groups = Array.from({ length: HELLO_LIST_CAPS.keyShareGroups + 1 }, (_, i) => 0x100 + i);
    const versions = Array.from({ length: HELLO_LIST_CAPS.supportedVersions + 1 }, (_, i) => 0x7f00 + i);
    const supported = Array.from({ length: HELLO_LIST_CAPS.supportedGroups + 1 }, (_, i) => 0x200 + i);
    const suites = Array.from({ length: HELLO_LIST_CAPS.cipherSuites + 1 }, (_, i) => 0x1000 + i);
    const h = clientHello(
      extensions(
        ext(ALPN, vec16(Buffer.concat(alpn.map((p) => vec8(ascii(p)))))),
        ext(KEY_SHARE, keyShares(...groups.map((g) => [g, 1] as [number, number]))),
        ext(SUPPORTED_VERSIONS, vec8(Buffer.concat(versions.map(u16)))),
        ext(SUPPORTED_GROUPS, vec16(Buffer.concat(supported.map(u16)))),
      ),
      { suites: vec16(Buffer.concat(suites.map(u16))) },
    );
    expect(info(h)).toEqual({
      ...base,
      cipherSuites: suites.slice(0, -1),
      alpn: alpn.slice(0, -1),
      keyShareGroups: groups.slice(0, -1),
      supportedVersions: versions.slice(0, -1),
      supportedGroups: supported.slice(0, -1),
      truncated: [
        { list: 'cipherSuites', kept: HELLO_LIST_CAPS.cipherSuites, total: suites.length },
        { list: 'alpn', kept: HELLO_LIST_CAPS.alpn, total: alpn.length },
        { list: 'keyShareGroups', kept: HELLO_LIST_CAPS.keyShareGroups, total: groups.length },
        { list: 'supportedVersions', kept: HELLO_LIST_CAPS.supportedVersions, total: versions.length },
        { list: 'supportedGroups', kept: HELLO_LIST_CAPS.supportedGroups, total: supported.length },
      ],
    });
  });
});

/** draft-ietf-tls-tls13-21 4.1.3 (drafts before 22): version, random, cipher_suite, extensions. */
function earlyDraftServerHello(version: number, exts: Buffer): Buffer {
  return Buffer.concat([u16(version), Buffer.alloc(32, 0x5a), u16(0x1301), exts]);
}

const sh: ServerHelloInfo = {
  legacyVersion: 0x0303,
  version: 0x0303,
  cipherSuite: 0x1301,
  sessionIdLength: 0,
  sessionIdEchoed: false,
  pskAccepted: false,
  helloRetry: false,
};

describe('ServerHello', () => {
  test('session id echo: only a non-empty id equal to the client\'s', () => {
    const id = Buffer.from('0102030405060708', 'hex');
    expect(parseServerHello(serverHello(null, { sid: id }), Buffer.from(id))).toEqual({ ...sh, sessionIdLength: 8, sessionIdEchoed: true });
    expect(parseServerHello(serverHello(null, { sid: id }), Buffer.from('0102030405060709', 'hex'))).toEqual({ ...sh, sessionIdLength: 8 });
    expect(parseServerHello(serverHello(null), Buffer.alloc(0))).toEqual(sh);
  });

  test('supported_versions, key_share, ALPN and pre_shared_key', () => {
    const h = serverHello(extensions(
      ext(SUPPORTED_VERSIONS, u16(0x0304)),
      ext(KEY_SHARE, Buffer.concat([u16(29), vec16(Buffer.alloc(32, 3))])),
      ext(ALPN, vec16(vec8(ascii('h2')))),
      ext(PRE_SHARED_KEY, u16(0)),
    ));
    expect(parseServerHello(h, undefined)).toEqual({ ...sh, version: 0x0304, keyShareGroup: 29, alpn: 'h2', pskAccepted: true });
  });

  test('HelloRetryRequest: its random, and the selected group alone in key_share', () => {
    const h = serverHello(extensions(ext(SUPPORTED_VERSIONS, u16(0x0304)), ext(KEY_SHARE, u16(23))), { random: Buffer.from(HRR_RANDOM) });
    expect(parseServerHello(h, undefined)).toEqual({ ...sh, version: 0x0304, keyShareGroup: 23, helloRetry: true });
  });

  test('a one-byte supported_versions or key_share, or an ALPN running past its list, is truncated', () => {
    expect(parseServerHello(serverHello(extensions(ext(SUPPORTED_VERSIONS, Buffer.from([3])))), undefined)).toBe('ServerHello truncated');
    expect(parseServerHello(serverHello(extensions(ext(KEY_SHARE, Buffer.from([0])))), undefined)).toBe('ServerHello truncated');
    expect(parseServerHello(serverHello(extensions(ext(ALPN, vec16(Buffer.from([5, 0x68]))))), undefined)).toBe('ServerHello truncated');
    expect(parseServerHello(serverHello(extensions(ext(ALPN, u16(4)))), undefined)).toBe('ServerHello truncated');
    const hrr = serverHello(extensions(ext(KEY_SHARE, Buffer.from([0]))), { random: Buffer.from(HRR_RANDOM) });
    expect(parseServerHello(hrr, undefined)).toBe('HelloRetryRequest truncated');
  });

  test('draft 21 (0x7f15): no session id, no compression method; key_share is 40', () => {
    const h = earlyDraftServerHello(0x7f15, extensions(ext(KEY_SHARE_DRAFT, Buffer.concat([u16(29), vec16(Buffer.alloc(32))])), ext(KEY_SHARE, u16(23))));
    expect(parseServerHello(h, undefined)).toEqual({ ...sh, legacyVersion: 0x7f15, version: 0x7f15, keyShareGroup: 29 });
    // Only 2 bytes of cipher suite after the random: complete in a draft-21 layout.
    expect(parseServerHello(Buffer.concat([u16(0x7f15), Buffer.alloc(32), u16(0x1301)]), undefined)).toEqual({
      ...sh, legacyVersion: 0x7f15, version: 0x7f15,
    });
    expect(parseServerHello(Buffer.concat([u16(0x7f15), Buffer.alloc(32), Buffer.from([0x13])]), undefined)).toBe('ServerHello truncated');
  });

  test('an early-draft ServerHello whose random is the HRR value is still a ServerHello (drafts before 22 had a message of their own)', () => {
    const h = Buffer.concat([u16(0x7f12), HRR_RANDOM, u16(0x1301)]);
    expect(parseServerHello(h, undefined)).toEqual({ ...sh, legacyVersion: 0x7f12, version: 0x7f12 });
  });

  test('draft 22 (0x7f16 in supported_versions, RFC layout): key_share is still 40', () => {
    const h = serverHello(extensions(ext(SUPPORTED_VERSIONS, u16(0x7f16)), ext(KEY_SHARE, Buffer.concat([u16(23), vec16(Buffer.alloc(65))])),
      ext(KEY_SHARE_DRAFT, Buffer.concat([u16(29), vec16(Buffer.alloc(32))]))));
    expect(parseServerHello(h, undefined)).toEqual({ ...sh, version: 0x7f16, keyShareGroup: 29 });
    // A draft-22 legacy_version is not the early layout: the session id is read.
    const legacy22 = serverHello(null, { version: 0x7f16, sid: Buffer.from([7, 7]) });
    expect(parseServerHello(legacy22, undefined)).toEqual({ ...sh, legacyVersion: 0x7f16, version: 0x7f16, sessionIdLength: 2 });
  });

  test('draft 23 (0x7f17) and fizz 0xfb17: key_share is 51', () => {
    for (const v of [0x7f17, 0xfb17]) {
      const h = serverHello(extensions(ext(SUPPORTED_VERSIONS, u16(v)), ext(KEY_SHARE_DRAFT, Buffer.concat([u16(29), vec16(Buffer.alloc(32))])),
        ext(KEY_SHARE, Buffer.concat([u16(23), vec16(Buffer.alloc(65))]))));
      expect(parseServerHello(h, undefined)).toEqual({ ...sh, version: v, keyShareGroup: 23 });
    }
  });

  test('TLS 1.3 with only the draft key_share code point has no key share group', () => {
    const h = serverHello(extensions(ext(SUPPORTED_VERSIONS, u16(0x0304)), ext(KEY_SHARE_DRAFT, Buffer.concat([u16(29), vec16(Buffer.alloc(32))]))));
    // Strict: no keyShareGroup property at all, not one set to undefined.
    expect(parseServerHello(h, undefined)).toStrictEqual({ ...sh, version: 0x0304 });
  });
});

describe('EncryptedExtensions and Certificate', () => {
  test('EncryptedExtensions: ALPN found among other extensions; an empty protocol list is malformed', () => {
    const ee = extensions(ext(SUPPORTED_GROUPS, vec16(u16(29))), ext(SERVER_NAME, Buffer.alloc(0)), ext(ALPN, vec16(vec8(ascii('http/1.1')))));
    expect(parseEncryptedExtensionsAlpn(ee)).toEqual({ alpn: 'http/1.1' });
    expect(parseEncryptedExtensionsAlpn(extensions(ext(SERVER_NAME, Buffer.alloc(0))))).toEqual({});
    expect(parseEncryptedExtensionsAlpn(extensions())).toEqual({});
    expect(parseEncryptedExtensionsAlpn(extensions(ext(ALPN, vec16(Buffer.alloc(0)))))).toBe('malformed EncryptedExtensions');
    expect(parseEncryptedExtensionsAlpn(extensions(ext(ALPN, Buffer.from([0]))))).toBe('malformed EncryptedExtensions');
  });

  test('Certificate (TLS 1.2): an empty list; certificates counted and summed', () => {
    expect(parseCertificate(vec24(Buffer.alloc(0)), false)).toEqual({ count: 0, bytes: 0 });
    expect(parseCertificate(vec24(Buffer.concat([vec24(Buffer.alloc(10)), vec24(Buffer.alloc(300))])), false)).toEqual({ count: 2, bytes: 310 });
  });

  test('Certificate (TLS 1.3): a request context, each entry followed by its extensions', () => {
    const entry = (n: number, e: Buffer) => Buffer.concat([vec24(Buffer.alloc(n)), vec16(e)]);
    const body = Buffer.concat([vec8(Buffer.from([1, 2, 3])), vec24(Buffer.concat([entry(10, Buffer.alloc(0)), entry(20, ext(5, Buffer.alloc(4)))]))]);
    expect(parseCertificate(body, true)).toEqual({ count: 2, bytes: 30 });
    // Read as TLS 1.2, the context byte is taken for the list's length: it runs past the message.
    expect(parseCertificate(body, false)).toBe('truncated Certificate');
    // An entry without its extensions field.
    expect(parseCertificate(Buffer.concat([vec8(Buffer.alloc(0)), vec24(vec24(Buffer.alloc(10)))]), true)).toBe('truncated Certificate');
  });
});

const spec = (n: number) => Buffer.from([n >> 16, (n >> 8) & 0xff, n & 0xff]);

describe('SSLv2-compatible ClientHello', () => {
  const v2base: ClientHelloInfo = { ...base, legacyVersion: 0x0301, sslv2: true, cipherSuites: [] };

  test('3-byte cipher specs (TLS suites as 0x00XXXX), the session id after them', () => {
    const r = parseSslv2ClientHello(sslv2Hello(Buffer.concat([spec(0x010080), spec(0x00002f)]), Buffer.from([9, 8, 7]), Buffer.alloc(16, 1)));
    expect(typeof r === 'string' ? r : { info: r.info, sid: r.sessionId.toString('hex') }).toEqual({
      info: { ...v2base, sessionIdLength: 3, cipherSuites: [0x010080, 0x2f] },
      sid: '090807',
    });
  });

  test('every prefix of a hello with a session id is truncated: cipher specs, session id and challenge must all be there', () => {
    const h = sslv2Hello(Buffer.concat([spec(0x010080), spec(0x00002f)]), Buffer.alloc(16, 0x33), Buffer.alloc(16, 0x44));
    const wrong: number[] = [];
    for (let len = 0; len < h.length; len++) if (parseSslv2ClientHello(h.subarray(0, len)) !== 'truncated SSLv2 ClientHello') wrong.push(len);
    expect(wrong).toEqual([]);
  });

  test('a cipher_spec_length that is not a multiple of 3: the incomplete spec is no spec', () => {
    for (const extra of [1, 2]) {
      const specs = Buffer.concat([spec(0x000035), Buffer.alloc(extra, 0xee)]);
      const r = parseSslv2ClientHello(sslv2Hello(specs, Buffer.alloc(0), Buffer.alloc(16, 0x44)));
      expect(typeof r === 'string' ? r : r.info).toEqual({ ...v2base, cipherSuites: [0x35] });
    }
  });

  test(`cipher specs past the cap: the first ${HELLO_LIST_CAPS.cipherSuites} kept, whole specs counted`, () => {
    const many = (n: number) => Buffer.concat(Array.from({ length: n }, (_, i) => spec(0x1000 + i)));
    const kept = Array.from({ length: HELLO_LIST_CAPS.cipherSuites }, (_, i) => 0x1000 + i);
    const at = parseSslv2ClientHello(sslv2Hello(Buffer.concat([many(HELLO_LIST_CAPS.cipherSuites), Buffer.alloc(2)]), Buffer.alloc(0), Buffer.alloc(16)));
    expect(typeof at === 'string' ? at : at.info).toEqual({ ...v2base, cipherSuites: kept });
    const past = parseSslv2ClientHello(sslv2Hello(many(HELLO_LIST_CAPS.cipherSuites + 1), Buffer.alloc(0), Buffer.alloc(16)));
    expect(typeof past === 'string' ? past : past.info).toEqual({
      ...v2base, cipherSuites: kept, truncated: [{ list: 'cipherSuites', kept: HELLO_LIST_CAPS.cipherSuites, total: HELLO_LIST_CAPS.cipherSuites + 1 }],
    });
  });
});
