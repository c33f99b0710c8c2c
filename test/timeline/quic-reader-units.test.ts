/**
 * src/timeline/quic-reader.ts (QuicHandshakeReader) on its own: the real
 * captures of fixtures/quic/ through a QuicTracker, one reader per connection
 * as analyze.ts makes them, checked against tshark decrypting the same capture
 * with the same key log (handshake types and lengths per frame, the client's
 * first CRYPTO offset, the cipher suite, ALPN, the extensions of the
 * EncryptedExtensions, the certificate lengths); then the key log cut or
 * damaged (no handshake secrets, wrong secrets, SHA-384 secrets of SHA-256
 * length); then hand-made CRYPTO bytes for the malformed cases only (RFC 8446
 * §4 message framing, §4.2 extension lists, §4.1.3 HelloRetryRequest).
 *
 * Each reader runs inside its test; tshark's output is cached on disk
 * (test/findings/tshark-facts.ts).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readCapture } from '../../src/capture/index.js';
import { decodeFrame } from '../../src/decode/index.js';
import { QuicTracker, type QuicConnection } from '../../src/quic/tracker.js';
import type { QuicLevel } from '../../src/quic/types.js';
import type { Side, Stamp } from '../../src/base/stamp.js';
import { KeyLog } from '../../src/tls/keylog.js';
import { KeySource } from '../../src/timeline/keys.js';
import { QuicHandshakeReader } from '../../src/timeline/quic-reader.js';
import { QUIC_FIXTURES } from '../quic/run.js';
import { tsharkOutput } from '../findings/tshark-facts.js';

const fixture = (name: string): string => path.join(QUIC_FIXTURES, name);
const keysOf = (name: string): string => fixture(name.replace(/\.pcap$/, '.keys'));

/** One CRYPTO hand-over as the tracker made it. */
interface Crypto {
  from: Side;
  level: QuicLevel;
  bytes: Buffer;
  first: Stamp;
  now: Stamp;
}

/** A reader that also keeps what it was given, to feed it again to another reader. */
class Tap extends QuicHandshakeReader {
  readonly given: Crypto[] = [];
  override crypto(from: Side, level: QuicLevel, bytes: Buffer, first: Stamp, now: Stamp): void {
    this.given.push({ from, level, bytes: Buffer.from(bytes), first, now });
    super.crypto(from, level, bytes, first, now);
  }
}

/** The capture's connections, each with its reader (made with `keyLog` as the key source, if given). */
async function readers(name: string, keyLog?: string): Promise<{ conn: QuicConnection; reader: Tap }[]> {
  const source = keyLog === undefined ? undefined : new KeySource(new KeyLog().add(Buffer.from(keyLog)), () => undefined);
  const out: { conn: QuicConnection; reader: Tap }[] = [];
  const tracker = new QuicTracker(
    (conn) => {
      const reader = new Tap(conn, source);
      out.push({ conn, reader });
      return reader;
    },
    () => undefined,
  );
  await readCapture(fixture(name), (f) => {
    const p = decodeFrame(f.data, f.linkType);
    if (p.udp === undefined || p.src === undefined || p.dst === undefined) return;
    tracker.datagram(p.src, p.dst, p.udp, { frame: f.number, tsSec: f.tsSec, tsNsec: f.tsNsec }, f.origLen);
  });
  tracker.finish();
  return out;
}

/** tshark's handshake messages of a QUIC capture, decrypted with its key log: one row per frame that completes any. */
interface Row {
  frame: number;
  sport: number;
  dport: number;
  version: number;
  offsets: number[];
  types: number[];
  lengths: number[];
  alpn: string[];
  ext: number[];
  suites: number[];
  certs: number[];
}

function tsharkRows(name: string): Row[] {
  const r = tsharkOutput(fixture(name), ['-o', `tls.keylog_file:${keysOf(name)}`, '-Y', 'tls.handshake.type', '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=,',
    '-e', 'frame.number', '-e', 'udp.srcport', '-e', 'udp.dstport', '-e', 'quic.version', '-e', 'quic.crypto.offset', '-e', 'tls.handshake.type', '-e', 'tls.handshake.length',
    '-e', 'tls.handshake.extensions_alpn_str', '-e', 'tls.handshake.extension.type', '-e', 'tls.handshake.ciphersuite', '-e', 'tls.handshake.certificate_length']);
  if (r.status !== 0) throw new Error(r.stderr);
  const nums = (v: string | undefined): number[] => (v ? v.split(',').filter(Boolean).map(Number) : []);
  return r.stdout.split('\n').filter(Boolean).map((l) => {
    const [frame, sport, dport, version, offsets, types, lengths, alpn, ext, suites, certs] = l.split('\t');
    return {
      frame: Number(frame),
      sport: Number(sport),
      dport: Number(dport),
      version: nums(version)[0] ?? 0,
      offsets: nums(offsets),
      types: nums(types),
      lengths: nums(lengths),
      alpn: alpn ? alpn.split(',') : [],
      ext: nums(ext),
      suites: nums(suites),
      certs: nums(certs),
    };
  });
}

const EVENT: Record<number, string> = { 1: 'ClientHello', 2: 'ServerHello', 8: 'EncryptedExtensions', 11: 'Certificate', 13: 'CertificateRequest', 15: 'CertificateVerify', 20: 'Finished' };

describe('with the key log: each connection against tshark decrypting the same capture', () => {
  test.each(['quic-one-request.pcap', 'quic-resume-0rtt.pcap', 'quic-chacha20-aes256.pcap', 'quic-three-requests-three-conns.pcap', 'quic-ipv6-one-request.pcap'])(
    '%s',
    async (name) => {
      const rows = tsharkRows(name);
      const hellos = rows.filter((r) => r.types.includes(1));
      const got = await readers(name, readFileSync(keysOf(name), 'utf8'));
      const withHello = got.filter((g) => g.reader.clientHello !== undefined);
      expect(withHello.map((g) => g.reader.clientHelloFirst!.frame)).toEqual(hellos.map((h) => h.frame));
      for (const h of hellos) {
        const { conn, reader } = withHello.find((g) => g.reader.clientHelloFirst!.frame === h.frame)!;
        // The ClientHello fits its first Initial here: its CRYPTO offset 0 is in that frame.
        expect(h.offsets).toContain(0);
        const client = rows.filter((r) => r.sport === h.sport);
        const server = rows.filter((r) => r.dport === h.sport);
        const at = (rs: Row[], t: number) => rs.find((r) => r.types.includes(t));
        const sh = at(server, 2)!;
        const ee = at(server, 8)!;
        const cert = at(server, 11);
        // The messages tshark shows per side, each type once, at the frame completing it, 4 + its length bytes.
        const want: unknown[] = [];
        for (const [from, rs] of [
          ['client', client],
          ['server', server],
        ] as const) {
          const seen = new Set<number>();
          for (const r of rs) {
            r.types.forEach((t, i) => {
              if (EVENT[t] === undefined || seen.has(t)) return;
              seen.add(t);
              want.push({ type: EVENT[t], from, frame: r.frame, bytes: 4 + r.lengths[i]! });
            });
          }
        }
        const sortKey = (e: { from: string; type: string }) => `${e.from} ${e.type}`;
        expect(reader.events.map((e) => ({ type: e.type, from: e.from, frame: e.last.frame, bytes: e.bytes })).sort((a, b) => sortKey(a).localeCompare(sortKey(b)))).toEqual(
          (want as { type: string; from: string }[]).sort((a, b) => sortKey(a).localeCompare(sortKey(b))),
        );
        expect(reader.events.every((e) => e.at <= conn.events.length)).toBe(true);
        expect(reader.serverHello!.cipherSuite).toBe(sh.suites[0]); // the ServerHello's one suite
        expect(reader.clientHello!.cipherSuites).toEqual(h.suites);
        expect(reader.helloRetry).toBe(false);
        expect({ client: reader.finished.client?.frame, server: reader.finished.server?.frame }).toEqual({ client: at(client, 20)!.frame, server: at(server, 20)!.frame });
        expect(reader.alpn).toBe(ee.alpn[0]);
        // early_data (42) in the EncryptedExtensions' frame: a ServerHello never carries it (RFC 8446 §4.2) and no
        // NewSessionTicket shares the frame.
        expect(ee.types).not.toContain(4);
        expect(reader.earlyDataAccepted).toBe(ee.ext.includes(42));
        expect(reader.certificate).toEqual(cert ? { bytes: cert.certs.reduce((a, b) => a + b, 0), count: cert.certs.length } : undefined);
        expect({
          complete: reader.handshakeComplete,
          keyed: reader.keyed,
          wantsCrypto: reader.wantsCrypto,
          wantsHandshakeCrypto: reader.wantsHandshakeCrypto,
          notDecrypted: reader.notDecrypted,
          problems: reader.problems,
        }).toEqual({ complete: true, keyed: true, wantsCrypto: false, wantsHandshakeCrypto: false, notDecrypted: null, problems: [] });
        for (const side of ['client', 'server'] as const) {
          expect(reader.packetKeys(side, 'handshake')).toBeDefined();
          expect(reader.packetKeys(side, 'application')).toBeDefined();
        }
      }
    },
  );

  test('quic-resume-0rtt.pcap: early keys for the resumed connection only, one per offered SHA-256 AEAD suite QUIC uses', async () => {
    const got = (await readers('quic-resume-0rtt.pcap', readFileSync(keysOf('quic-resume-0rtt.pcap'), 'utf8'))).filter((g) => g.reader.clientHello);
    expect(got.length).toBe(2);
    expect(got[0]!.reader.earlyKeyCandidates()).toEqual([]);
    const second = got[1]!.reader;
    // tshark: the resumed ClientHello offers 0x1301, 0x1302, 0x1303, 0x1304; its early secret is 32 bytes
    // (SHA-256), which a SHA-384 suite (0x1302) cannot use (RFC 8446 §7.1); 0x1304 (AES-128-CCM) has no
    // QUIC packet protection here (src/quic/protection.ts).
    const rows = tsharkRows('quic-resume-0rtt.pcap').filter((r) => r.types.includes(1));
    expect(rows[1]!.suites).toEqual([0x1301, 0x1302, 0x1303, 0x1304]);
    const early = second.earlyKeyCandidates();
    expect(early.map((k) => k.aead)).toEqual(['aes-128-gcm', 'chacha20-poly1305']);
    expect(second.earlyKeyCandidates()).toBe(early); // made once
  });
});

describe('key source cases (quic-one-request.pcap)', () => {
  const name = 'quic-one-request.pcap';
  const log = () => readFileSync(keysOf(name), 'utf8');
  const only = (pred: (label: string) => boolean) =>
    log()
      .split('\n')
      .filter((l) => l !== '' && pred(l.split(' ')[0]!))
      .join('\n');

  test('no key source: nothing asked, nothing decrypted, no reason given', async () => {
    const [{ reader }] = await readers(name);
    expect(reader.secrets).toBeNull();
    expect({ keyed: reader.keyed, notDecrypted: reader.notDecrypted, wantsHandshakeCrypto: reader.wantsHandshakeCrypto, complete: reader.handshakeComplete }).toEqual({
      keyed: false,
      notDecrypted: null,
      wantsHandshakeCrypto: false,
      complete: false,
    });
    expect(reader.packetKeys('client', 'handshake')).toBeUndefined();
    expect(reader.earlyKeyCandidates()).toEqual([]);
    expect(reader.events.map((e) => `${e.from} ${e.type}`)).toEqual(['client ClientHello', 'server ServerHello']);
    expect([reader.alpn, reader.certificate, reader.earlyDataAccepted]).toEqual([undefined, undefined, undefined]);
    expect(reader.problems).toEqual([]);
  });

  test('a key log without this connection: no secrets', async () => {
    const [{ reader }] = await readers(name, '');
    expect(reader.secrets).toBeUndefined();
    expect([reader.keyed, reader.notDecrypted]).toEqual([false, 'no-secrets']);
  });

  test('only the 1-RTT secrets: no handshake keys, said once', async () => {
    const [{ reader }] = await readers(name, only((l) => l.endsWith('TRAFFIC_SECRET_0')));
    expect(reader.secrets).toBeDefined();
    expect(reader.keyed).toBe(false);
    expect(reader.problems).toEqual(['key log has no handshake traffic secrets for this connection']);
    expect(reader.packetKeys('server', 'application')).toBeUndefined();
  });

  test('only the client\'s handshake secret: its keys, none for the server; the handshake not read whole', async () => {
    const [{ reader }] = await readers(name, only((l) => l === 'CLIENT_HANDSHAKE_TRAFFIC_SECRET'));
    expect(reader.keyed).toBe(true);
    expect(reader.packetKeys('client', 'handshake')).toBeDefined();
    expect(reader.packetKeys('server', 'handshake')).toBeUndefined();
    expect(reader.packetKeys('client', 'application')).toBeUndefined();
    expect(reader.wantsHandshakeCrypto).toBe(true);
    expect(reader.notDecrypted).toBe('failed');
  });

  test('wrong handshake secrets: keys made, the Handshake packets do not open: failed', async () => {
    const flip = (hex: string) => hex.slice(0, -1) + (hex.endsWith('0') ? '1' : '0');
    const text = log()
      .split('\n')
      .map((l) => (/HANDSHAKE_TRAFFIC_SECRET/.test(l) ? l.replace(/\S+$/, flip) : l))
      .join('\n');
    const [{ reader }] = await readers(name, text);
    expect(reader.keyed).toBe(true);
    expect(reader.finished).toEqual({ client: undefined, server: undefined });
    expect(reader.notDecrypted).toBe('failed');
  });
});

test('quic-chacha20-aes256.pcap, the SHA-384 connection given 32-byte secrets: unsupported, with the suite and version tshark shows', async () => {
  const name = 'quic-chacha20-aes256.pcap';
  const rows = tsharkRows(name);
  const sh = rows.filter((r) => r.types.includes(2));
  const aes256 = sh.find((r) => r.suites.includes(0x1302))!;
  const ch = rows.find((r) => r.types.includes(1) && r.sport === aes256.dport)!;
  expect(ch.version).toBe(1);
  const got = await readers(name, readFileSync(keysOf(name), 'utf8').replace(/^(\S+ \S+ )([0-9a-f]{64})[0-9a-f]{32}$/gm, '$1$2'));
  const r = got.find((g) => g.reader.clientHelloFirst?.frame === ch.frame)!.reader;
  expect(r.problems).toEqual(['key log secrets not usable with cipher suite 0x1302 and QUIC 1']);
  expect([r.keyed, r.notDecrypted]).toEqual([false, 'unsupported']);
});

describe('hand-made CRYPTO bytes (malformed or unusual input)', () => {
  const stamp = (frame: number): Stamp => ({ frame, tsSec: 100 + frame, tsNsec: 0 });
  const conn = () => ({ version: 1, serverHandshake: true, events: [1, 2, 3] }) as unknown as QuicConnection;
  /** A handshake message (RFC 8446 §4): type, 3-byte length, body. */
  const msg = (type: number, body: Buffer): Buffer => Buffer.concat([Buffer.from([type, body.length >> 16, (body.length >> 8) & 0xff, body.length & 0xff]), body]);
  /** An extension list (RFC 8446 §4.2): 2-byte length, then type / 2-byte length / data entries. */
  const exts = (...e: [number, Buffer][]): Buffer => {
    const body = Buffer.concat(e.map(([t, d]) => Buffer.concat([Buffer.from([t >> 8, t & 0xff, d.length >> 8, d.length & 0xff]), d])));
    return Buffer.concat([Buffer.from([body.length >> 8, body.length & 0xff]), body]);
  };
  const alpn = (p: string): Buffer => Buffer.concat([Buffer.from([0, p.length + 1, p.length]), Buffer.from(p)]);

  test('an unexpected message in Handshake packets is a problem, not an event; each text once', () => {
    const r = new QuicHandshakeReader(conn());
    r.crypto('server', 'handshake', msg(4, Buffer.alloc(8)), stamp(1), stamp(1));
    r.crypto('server', 'handshake', msg(4, Buffer.alloc(8)), stamp(2), stamp(2));
    r.crypto('client', 'handshake', msg(2, Buffer.alloc(8)), stamp(3), stamp(3));
    expect(r.problems).toEqual(['unexpected handshake message type 4 from the server in Handshake packets', 'unexpected handshake message type 2 from the client in Handshake packets']);
    expect(r.events).toEqual([]);
  });

  test('at most 20 problems are kept, the first 20', () => {
    const r = new QuicHandshakeReader(conn());
    for (let t = 21; t < 46; t++) r.crypto('server', 'handshake', msg(t, Buffer.alloc(1)), stamp(t), stamp(t));
    expect(r.problems).toEqual(Array.from({ length: 20 }, (_, i) => `unexpected handshake message type ${21 + i} from the server in Handshake packets`));
  });

  test.each([
    ['an empty body', false, Buffer.alloc(0)],
    ['an empty list', false, exts()],
    ['early_data alone', true, exts([42, Buffer.alloc(0)])],
    ['early_data after ALPN', true, exts([16, alpn('h3')], [42, Buffer.alloc(0)])],
    ['ALPN alone', false, exts([16, alpn('h3')])],
    ['early_data past the list\'s own length', false, Buffer.concat([Buffer.from([0, 4]), exts([57, Buffer.alloc(0)], [42, Buffer.alloc(0)]).subarray(2)])],
    ['a list longer than the body: read to the body\'s end', true, Buffer.concat([Buffer.from([0xff, 0xff]), exts([57, Buffer.alloc(0)], [42, Buffer.alloc(0)]).subarray(2)])],
    ['a second entry cut in its header', false, Buffer.concat([exts([57, Buffer.alloc(2)]), Buffer.from([0, 42, 0])])],
  ])('EncryptedExtensions with %s: early_data accepted %s', (_what, accepted, body) => {
    const r = new QuicHandshakeReader(conn());
    r.crypto('server', 'handshake', msg(8, body), stamp(5), stamp(5));
    expect(r.earlyDataAccepted).toBe(accepted);
    expect(r.events.map((e) => [e.type, e.from, e.bytes, e.at])).toEqual([['EncryptedExtensions', 'server', 4 + body.length, 3]]);
  });

  test('the first EncryptedExtensions gives the ALPN; a client\'s is not read; a bad ALPN list is a problem', () => {
    const r = new QuicHandshakeReader(conn());
    r.crypto('client', 'handshake', msg(8, exts([16, alpn('x1')])), stamp(1), stamp(1));
    expect(r.alpn).toBeUndefined();
    expect(r.earlyDataAccepted).toBeUndefined();
    r.crypto('server', 'handshake', msg(8, exts([16, alpn('h3')])), stamp(2), stamp(2));
    r.crypto('server', 'handshake', msg(8, exts([16, alpn('h2')], [42, Buffer.alloc(0)])), stamp(3), stamp(3));
    expect(r.alpn).toBe('h3');
    expect(r.earlyDataAccepted).toBe(false);
    const bad = new QuicHandshakeReader(conn());
    bad.crypto('server', 'handshake', msg(8, exts([16, Buffer.from([0, 5, 2, 0x68])])), stamp(1), stamp(1));
    expect(bad.alpn).toBeUndefined();
    expect(bad.problems.length).toBe(1);
  });

  test('Finished: the first of each side is kept; the event once per side', () => {
    const r = new QuicHandshakeReader(conn());
    // The server's EncryptedExtensions (RFC 8446 §4.3.1) comes before its Finished and is not one.
    r.crypto('server', 'handshake', msg(8, exts()), stamp(1), stamp(1));
    expect(r.finished.server).toBeUndefined();
    r.crypto('server', 'handshake', msg(20, Buffer.alloc(32)), stamp(2), stamp(2));
    r.crypto('server', 'handshake', msg(20, Buffer.alloc(32)), stamp(3), stamp(3));
    expect(r.handshakeComplete).toBe(false);
    r.crypto('client', 'handshake', msg(20, Buffer.alloc(32)), stamp(4), stamp(4));
    expect(r.finished).toEqual({ client: stamp(4), server: stamp(2) });
    expect(r.handshakeComplete).toBe(true);
    expect(r.events.map((e) => [e.from, e.type, e.first.frame, e.last.frame, e.bytes])).toEqual([
      ['server', 'EncryptedExtensions', 1, 1, 6],
      ['server', 'Finished', 2, 2, 36],
      ['client', 'Finished', 4, 4, 36],
    ]);
  });

  test('a Certificate that does not parse is a problem; the next one is read', () => {
    const r = new QuicHandshakeReader(conn());
    r.crypto('server', 'handshake', msg(11, Buffer.from([0, 0, 0, 9])), stamp(1), stamp(1));
    expect(r.certificate).toBeUndefined();
    expect(r.problems.length).toBe(1);
    // RFC 8446 §4.4.2: context length 0, list of one entry (3-byte length 2, 2 bytes, no extensions).
    r.crypto('server', 'handshake', msg(11, Buffer.from([0, 0, 0, 7, 0, 0, 2, 0x30, 0x00, 0, 0])), stamp(2), stamp(2));
    expect(r.certificate).toEqual({ bytes: 2, count: 1 });
    // A client's Certificate (mutual TLS) is an event, not the server's chain.
    r.crypto('client', 'handshake', msg(11, Buffer.from([0, 0, 0, 7, 0, 0, 2, 0x30, 0x00, 0, 0])), stamp(3), stamp(3));
    expect(r.certificate).toEqual({ bytes: 2, count: 1 });
    // A later server Certificate (two entries) does not replace the chain read.
    r.crypto('server', 'handshake', msg(11, Buffer.from([0, 0, 0, 14, 0, 0, 2, 0x30, 0x00, 0, 0, 0, 0, 2, 0x30, 0x00, 0, 0])), stamp(4), stamp(4));
    expect(r.certificate).toEqual({ bytes: 2, count: 1 });
    expect(r.events.map((e) => `${e.from} ${e.type}`)).toEqual(['server Certificate', 'client Certificate']);
  });

  test('an EncryptedExtensions too long to keep: its event, no ALPN or early_data read, the reader\'s problem', () => {
    const r = new QuicHandshakeReader(conn());
    const n = 256 * 1024 + 1;
    const m = msg(8, Buffer.alloc(n));
    r.crypto('server', 'handshake', m.subarray(0, 1200), stamp(1), stamp(1));
    r.crypto('server', 'handshake', m.subarray(1200), stamp(2), stamp(2));
    expect(r.problems).toEqual([`EncryptedExtensions of ${n} bytes not parsed (over ${256 * 1024})`]);
    expect([r.alpn, r.earlyDataAccepted]).toEqual([undefined, undefined]);
    expect(r.events.map((e) => [e.type, e.first.frame, e.last.frame, e.bytes])).toEqual([['EncryptedExtensions', 1, 2, 4 + n]]);
  });

  test('a message in Initial packets other than the hellos, or a hello from the wrong side, is a problem', () => {
    const r = new QuicHandshakeReader(conn());
    r.crypto('server', 'initial', msg(1, Buffer.alloc(40)), stamp(1), stamp(1));
    r.crypto('client', 'initial', msg(2, Buffer.alloc(40)), stamp(2), stamp(2));
    r.crypto('client', 'initial', msg(20, Buffer.alloc(32)), stamp(3), stamp(3));
    expect(r.problems).toEqual([
      'unexpected handshake message type 1 from the server in Initial packets',
      'unexpected handshake message type 2 from the client in Initial packets',
      'unexpected handshake message type 20 from the client in Initial packets',
    ]);
    expect(r.events).toEqual([]);
    expect(r.wantsCrypto).toBe(true);
  });

  test('a message longer than the reader keeps (256 KiB) is a problem naming its type and length', () => {
    const r = new QuicHandshakeReader(conn());
    const n = 256 * 1024 + 1;
    const m = msg(1, Buffer.alloc(n));
    // In two CRYPTO pieces, as it would come over several packets (src/tls/handshake.ts keeps at most 256 KiB).
    r.crypto('client', 'initial', m.subarray(0, 1200), stamp(1), stamp(1));
    r.crypto('client', 'initial', m.subarray(1200), stamp(2), stamp(2));
    expect(r.problems).toEqual([`ClientHello of ${n} bytes not parsed (over ${256 * 1024})`, `handshake message type 1 of ${n} bytes too long to read`]);
    expect(r.events).toEqual([]);
    expect(r.clientHello).toBeUndefined();
  });

  describe('the hellos of quic-one-request.pcap fed again', () => {
    const hellos = async () => {
      const [{ reader }] = await readers('quic-one-request.pcap');
      const initial = reader.given.filter((g) => g.level === 'initial');
      return { ch: initial.filter((g) => g.from === 'client'), sh: initial.filter((g) => g.from === 'server') };
    };

    test('a second ClientHello (and ServerHello) does not replace the first; one event each', async () => {
      const { ch, sh } = await hellos();
      const r = new QuicHandshakeReader(conn());
      for (const g of ch) r.crypto('client', 'initial', g.bytes, g.first, g.now);
      expect(r.wantsCrypto).toBe(true);
      const first = r.clientHello;
      for (const g of ch) r.crypto('client', 'initial', g.bytes, stamp(50), stamp(50));
      for (const g of sh) r.crypto('server', 'initial', g.bytes, g.first, g.now);
      expect(r.wantsCrypto).toBe(false);
      const sh1 = r.serverHello;
      for (const g of sh) r.crypto('server', 'initial', g.bytes, stamp(60), stamp(60));
      expect(r.clientHello).toBe(first);
      expect(r.serverHello).toBe(sh1);
      expect(r.clientHelloFirst).toEqual(ch[0]!.first);
      expect(r.events.map((e) => `${e.from} ${e.type} ${e.last.frame}`)).toEqual([`client ClientHello ${ch[0]!.now.frame}`, `server ServerHello ${sh[0]!.now.frame}`]);
      expect(r.problems).toEqual([]);
    });

    test('a HelloRetryRequest (RFC 8446 §4.1.3 random) is its own event; the ServerHello still wanted', async () => {
      const { ch, sh } = await hellos();
      const r = new QuicHandshakeReader(conn());
      for (const g of ch) r.crypto('client', 'initial', g.bytes, g.first, g.now);
      const bytes = Buffer.concat(sh.map((g) => g.bytes));
      expect(bytes[0]).toBe(2);
      const hrr = Buffer.from(bytes.subarray(0, 4 + bytes.readUIntBE(1, 3)));
      Buffer.from('CF21AD74E59A6111BE1D8C021E65B891C2A211167ABB8C5E079E09E2C8A8339C', 'hex').copy(hrr, 6);
      r.crypto('server', 'initial', hrr, stamp(7), stamp(7));
      expect(r.helloRetry).toBe(true);
      expect(r.serverHello).toBeUndefined();
      expect(r.wantsCrypto).toBe(true);
      expect(r.events.map((e) => `${e.from} ${e.type}`)).toEqual(['client ClientHello', 'server HelloRetryRequest']);
    });

    test('a ClientHello that does not parse is a problem and no hello', async () => {
      const r = new QuicHandshakeReader(conn());
      r.crypto('client', 'initial', msg(1, Buffer.from([3, 3])), stamp(1), stamp(1));
      expect(r.clientHello).toBeUndefined();
      expect(r.problems.length).toBe(1);
      r.crypto('server', 'initial', msg(2, Buffer.from([3, 3])), stamp(2), stamp(2));
      expect(r.serverHello).toBeUndefined();
      expect(r.problems.length).toBe(2);
      expect(r.events).toEqual([]);
    });
  });
});
