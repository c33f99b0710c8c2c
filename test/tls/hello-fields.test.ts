/**
 * The hello parsers of src/tls/hello.ts, called directly on the handshake
 * messages of real captures: each message's bytes as tshark reassembled them
 * (test/tls/tshark-messages.ts), every field compared whole with tshark's
 * dissection of the same message. Then every proper prefix of those messages
 * (a truncated message, with the lengths of RFC 5246 7.4.1.2 / RFC 8446 4.1.2
 * and 4.4.2 read from tshark), and a few hand-built malformed hellos.
 */
import {
  helloRandom,
  parseCertificate,
  parseClientHello,
  parseEncryptedExtensionsAlpn,
  parseServerHello,
  parseSslv2ClientHello,
  HRR_RANDOM,
} from '../../src/tls/hello.js';
import type { ClientHelloInfo, ServerHelloInfo } from '../../src/tls/types.js';
import { fieldValues, nums, tsharkMessages, type TsharkMessage } from './tshark-messages.js';

/** Captures with a variety of hellos: [capture, key log (tshark decrypts TLS 1.3 with it)]. */
const CAPTURES: [string, string?][] = [
  ['lo-tls13-full.pcap'],
  ['lo-tls13-hello-retry.pcap'],
  ['zeek-tls13-hello-retry-request.pcap'],
  ['lo-tls13-psk-resume.pcap'],
  ['zeek-tls13-psk-resumption.pcap'],
  ['lo-tls12-resume-sessionid.pcap'],
  ['lo-tls12-resume-ticket.pcap'],
  ['suricata-sslv2-hello-upgrade-tls10.pcap'],
  ['ndpi-vlan-tls12-many-ciphers.pcap'],
  ['ndpi-sll-tls13-cloudflare.pcap'],
  ['arkime-tls13-split-client-hello.pcap'],
  ['arkime-openssl-ssl3.pcap'],
  ['zeek-tls12-client-certificate.pcap'],
  ['../test/tls/captures/openssl-tls13-early-data.pcap'],
  ['keylog/lo-http2-5req-keylog.pcap', 'keylog/lo-http2-5req-keylog.keys.log'],
  ['keylog/lo-tls13-mtls-keylog.pcap', 'keylog/lo-tls13-mtls-keylog.keys.log'],
  ['keylog/lo-tls13-early-data-keylog.pcap', 'keylog/lo-tls13-early-data-keylog.keys.log'],
  ['keylog/lo-tls13-hrr-keylog.pcap', 'keylog/lo-tls13-hrr-keylog.keys.log'],
];

/** RFC 8446 4.1.3: the Random of a HelloRetryRequest, SHA-256("HelloRetryRequest"). */
const RFC_HRR_RANDOM = 'cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c';

const hex = (s: string | undefined) => (s ?? '').replace(/:/g, '').toLowerCase();
const one = (m: TsharkMessage, key: string): string | undefined => fieldValues(m.node, key)[0];
const extTypes = (m: TsharkMessage) => nums(m.node, 'tls.handshake.extension.type');
const extLens = (m: TsharkMessage) => nums(m.node, 'tls.handshake.extension.len');

/** A ClientHello as tshark dissects it. */
function expectedClientHello(m: TsharkMessage): { info: ClientHelloInfo; sessionId: string } {
  const types = extTypes(m);
  const lens = extLens(m);
  const sni = fieldValues(m.node, 'tls.handshake.extensions_server_name');
  const info: ClientHelloInfo = {
    legacyVersion: Number(one(m, 'tls.handshake.version')),
    sslv2: m.sslv2,
    sessionIdLength: Number(one(m, 'tls.handshake.session_id_length')),
    cipherSuites: nums(m.node, m.sslv2 ? 'tls.handshake.cipherspec' : 'tls.handshake.ciphersuite'),
    alpn: fieldValues(m.node, 'tls.handshake.extensions_alpn_str'),
    supportedVersions: nums(m.node, 'tls.handshake.extensions.supported_version'),
    supportedGroups: nums(m.node, 'tls.handshake.extensions_supported_group'),
    keyShareGroups: nums(m.node, 'tls.handshake.extensions_key_share_group'),
    // RFC 5077 3.2: an empty session_ticket extension asks for a ticket; a non-empty one offers one.
    sessionTicket: types.some((t, i) => t === 35 && lens[i] > 0),
    psk: types.includes(41),
    earlyData: types.includes(42),
  };
  if (sni.length > 0) info.sni = sni[0];
  return { info, sessionId: hex(one(m, 'tls.handshake.session_id')) };
}

/** A ServerHello / HelloRetryRequest as tshark dissects it; `clientSessionId` from tshark's ClientHello. */
function expectedServerHello(m: TsharkMessage, clientSessionId: string | undefined): ServerHelloInfo {
  const random = hex(one(m, 'tls.handshake.random'));
  const helloRetry = random === RFC_HRR_RANDOM;
  const legacyVersion = Number(one(m, 'tls.handshake.version'));
  const sid = hex(one(m, 'tls.handshake.session_id'));
  const alpn = fieldValues(m.node, 'tls.handshake.extensions_alpn_str');
  const group = nums(m.node, helloRetry ? 'tls.handshake.extensions_key_share_selected_group' : 'tls.handshake.extensions_key_share_group');
  const info: ServerHelloInfo = {
    legacyVersion,
    version: nums(m.node, 'tls.handshake.extensions.supported_version')[0] ?? legacyVersion,
    cipherSuite: Number(one(m, 'tls.handshake.ciphersuite')),
    sessionIdLength: Number(one(m, 'tls.handshake.session_id_length')),
    sessionIdEchoed: sid !== '' && sid === clientSessionId,
    pskAccepted: extTypes(m).includes(41),
    helloRetry,
  };
  if (alpn.length > 0) info.alpn = alpn[0];
  if (group.length > 0) info.keyShareGroup = group[0];
  return info;
}

interface Loaded {
  capture: string;
  messages: TsharkMessage[];
}
const loaded: Loaded[] = CAPTURES.map(([capture, keyLog]) => ({ capture, messages: tsharkMessages(capture, keyLog) }));
const all = loaded.flatMap((l) => l.messages.map((m) => ({ capture: l.capture, m })));
const ofType = (t: number) => all.filter(({ m }) => m.type === t);

/** The last ClientHello of the same TCP stream before `m`, as tshark dissects it. */
function clientHelloBefore(capture: string, m: TsharkMessage): TsharkMessage | undefined {
  const l = loaded.find((x) => x.capture === capture) as Loaded;
  const i = l.messages.indexOf(m);
  return l.messages.slice(0, i).reverse().find((x) => x.type === 1 && x.stream === m.stream);
}

test('the captures hold every kind of message the parsers read', () => {
  // tshark's handshake length plus the 4-byte header (RFC 8446 4) is what we were given.
  for (const { m } of all.filter(({ m }) => !m.sslv2)) expect(m.bytes.length).toBe(Number(one(m, 'tls.handshake.length')) + 4);
  const count = (f: (m: TsharkMessage) => boolean) => all.filter(({ m }) => f(m)).length;
  expect(count((m) => m.type === 1 && !m.sslv2)).toBeGreaterThanOrEqual(18);
  expect(count((m) => m.type === 1 && m.sslv2)).toBe(1);
  expect(count((m) => m.type === 2 && hex(one(m, 'tls.handshake.random')) === RFC_HRR_RANDOM)).toBeGreaterThanOrEqual(3);
  expect(count((m) => m.type === 8 && fieldValues(m.node, 'tls.handshake.extensions_alpn_str').length > 0)).toBeGreaterThanOrEqual(1);
  expect(count((m) => m.type === 8 && fieldValues(m.node, 'tls.handshake.extensions_alpn_str').length === 0)).toBeGreaterThanOrEqual(1);
  expect(count((m) => m.type === 11 && one(m, 'tls.handshake.certificate_request_context_length') !== undefined)).toBeGreaterThanOrEqual(2);
  expect(count((m) => m.type === 11 && one(m, 'tls.handshake.certificate_request_context_length') === undefined)).toBeGreaterThanOrEqual(4);
});

test('HRR_RANDOM is RFC 8446 4.1.3\'s', () => {
  expect(HRR_RANDOM.toString('hex')).toBe(RFC_HRR_RANDOM);
});

describe('ClientHello', () => {
  const hellos = ofType(1).filter(({ m }) => !m.sslv2);
  test.each(hellos.map(({ capture, m }) => [`${capture} frame ${m.frame}`, m] as const))('%s: every field as tshark', (_l, m) => {
    const body = m.bytes.subarray(4);
    const e = expectedClientHello(m);
    const r = parseClientHello(body);
    expect(typeof r).toBe('object');
    const got = r as Exclude<typeof r, string>;
    expect(got.info).toStrictEqual(e.info);
    expect(got.info.truncated).toBeUndefined();
    expect(got.sessionId.toString('hex')).toBe(e.sessionId);
    expect(helloRandom(body)?.toString('hex')).toBe(hex(one(m, 'tls.handshake.random')));
  });

  test.each(hellos.map(({ capture, m }) => [`${capture} frame ${m.frame}`, m] as const))('%s: every prefix is truncated but the one without extensions', (_l, m) => {
    const body = m.bytes.subarray(4);
    const e = expectedClientHello(m);
    // RFC 5246 7.4.1.2: version, random, session_id<0..32>, cipher_suites<2..2^16-2>,
    // compression_methods<1..2^8-1>, then the optional extensions<0..2^16-1>.
    const extStart = 34 + 1 + e.info.sessionIdLength + 2 + Number(one(m, 'tls.handshake.cipher_suites_length')) + 1 +
      Number(one(m, 'tls.handshake.comp_methods_length'));
    const bare: ClientHelloInfo = {
      ...e.info, alpn: [], supportedVersions: [], supportedGroups: [], keyShareGroups: [], sessionTicket: false, psk: false, earlyData: false,
    };
    delete bare.sni;
    const wrong: string[] = [];
    for (let len = 0; len < body.length; len++) {
      const r = parseClientHello(body.subarray(0, len));
      if (len === extStart) {
        if (typeof r === 'string') wrong.push(`${len}: ${r}`);
        else expect(r.info).toEqual(bare);
      } else if (r !== 'truncated ClientHello') wrong.push(`${len}: ${JSON.stringify(r)}`);
    }
    expect(wrong).toEqual([]);
    expect(helloRandom(body.subarray(0, 33))).toBeNull();
    expect(helloRandom(body.subarray(0, 34))?.toString('hex')).toBe(hex(one(m, 'tls.handshake.random')));
  });
});

describe('SSLv2-compatible ClientHello', () => {
  const [{ m }] = ofType(1).filter(({ m }) => m.sslv2);
  test('every field as tshark', () => {
    const e = expectedClientHello(m);
    const r = parseSslv2ClientHello(m.bytes);
    expect(typeof r).toBe('object');
    const got = r as Exclude<typeof r, string>;
    expect(got.info).toStrictEqual(e.info);
    expect(got.sessionId.toString('hex')).toBe(e.sessionId);
  });
  test('every prefix is truncated (RFC 5246 E.2: cipher_specs, session_id and challenge lengths up front)', () => {
    const wrong: string[] = [];
    for (let len = 0; len < m.bytes.length; len++) {
      const r = parseSslv2ClientHello(m.bytes.subarray(0, len));
      if (r !== 'truncated SSLv2 ClientHello') wrong.push(`${len}: ${JSON.stringify(r)}`);
    }
    expect(wrong).toEqual([]);
  });
  test('a message type other than 1 (CLIENT-HELLO) is not a ClientHello', () => {
    const b = Buffer.from(m.bytes);
    b[0] = 4; // SERVER-HELLO (SSL 2.0)
    expect(parseSslv2ClientHello(b)).toBe('SSLv2 message type 4 is not a ClientHello');
  });
});

describe('ServerHello and HelloRetryRequest', () => {
  const hellos = ofType(2);
  test.each(hellos.map(({ capture, m }) => [`${capture} frame ${m.frame}`, capture, m] as const))('%s: every field as tshark', (_l, capture, m) => {
    const ch = clientHelloBefore(capture, m);
    const chId = ch ? hex(one(ch, 'tls.handshake.session_id')) : undefined;
    const e = expectedServerHello(m, chId);
    const body = m.bytes.subarray(4);
    expect(parseServerHello(body, chId === undefined ? undefined : Buffer.from(chId, 'hex'))).toStrictEqual(e);
    // Without the ClientHello's session id there is no echo to see.
    expect(parseServerHello(body, undefined)).toEqual({ ...e, sessionIdEchoed: false });
    expect(helloRandom(body)?.toString('hex')).toBe(hex(one(m, 'tls.handshake.random')));
  });

  test.each(hellos.map(({ capture, m }) => [`${capture} frame ${m.frame}`, m] as const))('%s: every prefix is truncated but the one without extensions', (_l, m) => {
    const body = m.bytes.subarray(4);
    const e = expectedServerHello(m, undefined);
    // RFC 8446 4.1.3: legacy_version, random, legacy_session_id_echo<0..32>, cipher_suite,
    // legacy_compression_method, extensions (optional before TLS 1.3, RFC 5246 7.4.1.3).
    const extStart = 34 + 1 + e.sessionIdLength + 3;
    const label = e.helloRetry ? 'HelloRetryRequest' : 'ServerHello';
    const wrong: string[] = [];
    for (let len = 0; len < body.length; len++) {
      const r = parseServerHello(body.subarray(0, len), undefined);
      if (len === extStart) {
        // No extensions: nothing but the fixed fields; the version is the legacy one.
        expect(r).toEqual({
          legacyVersion: e.legacyVersion, version: e.legacyVersion, cipherSuite: e.cipherSuite, sessionIdLength: e.sessionIdLength,
          sessionIdEchoed: false, pskAccepted: false, helloRetry: e.helloRetry,
        });
      } else {
        // Under 34 bytes the random is not all there: a HelloRetryRequest cannot be told from a ServerHello.
        const want = `${len >= 34 ? label : 'ServerHello'} truncated`;
        if (r !== want) wrong.push(`${len}: ${JSON.stringify(r)}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});

describe('Certificate', () => {
  const certs = ofType(11);
  test.each(certs.map(({ capture, m }) => [`${capture} frame ${m.frame}`, m] as const))('%s: count and bytes as tshark, every prefix truncated', (_l, m) => {
    // TLS 1.3 (RFC 8446 4.4.2) has a certificate_request_context; tshark shows it only there.
    const tls13 = one(m, 'tls.handshake.certificate_request_context_length') !== undefined;
    const lens = nums(m.node, 'tls.handshake.certificate_length');
    const body = m.bytes.subarray(4);
    expect(parseCertificate(body, tls13)).toEqual({ count: lens.length, bytes: lens.reduce((a, b) => a + b, 0) });
    const wrong: number[] = [];
    for (let len = 0; len < body.length; len++) if (parseCertificate(body.subarray(0, len), tls13) !== 'truncated Certificate') wrong.push(len);
    expect(wrong).toEqual([]);
  });
});

describe('EncryptedExtensions (decrypted by tshark with the key log)', () => {
  const ees = ofType(8);
  test.each(ees.map(({ capture, m }) => [`${capture} frame ${m.frame}`, m] as const))('%s: the selected protocol as tshark, every prefix malformed', (_l, m) => {
    const alpn = fieldValues(m.node, 'tls.handshake.extensions_alpn_str');
    const body = m.bytes.subarray(4);
    expect(parseEncryptedExtensionsAlpn(body)).toEqual(alpn.length > 0 ? { alpn: alpn[0] } : {});
    const wrong: number[] = [];
    // RFC 8446 4.3.1: extensions<0..2^16-1> is the whole body; any shorter non-empty prefix overruns it.
    for (let len = 1; len < body.length; len++) if (parseEncryptedExtensionsAlpn(body.subarray(0, len)) !== 'malformed EncryptedExtensions') wrong.push(len);
    expect(wrong).toEqual([]);
  });
});
