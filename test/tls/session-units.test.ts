/**
 * TlsSession (src/tls/session.ts) driven directly with hand-built byte streams:
 * the meaning it gives to the records and handshake messages of each direction.
 *
 * Layouts from the specifications (test/tls/hello-bytes.ts): RFC 8446 5.1 /
 * RFC 5246 6.2.1 records (types 20 ChangeCipherSpec, 21 alert, 22 handshake,
 * 23 application data, RFC 6520 24 heartbeat), RFC 8446 4 / RFC 5246 7.4
 * handshake messages (1 ClientHello, 2 ServerHello, 8 EncryptedExtensions,
 * 11 Certificate, 12 ServerKeyExchange, 14 ServerHelloDone, 16
 * ClientKeyExchange, 20 Finished), RFC 8446 6 / RFC 5246 7.2 alerts (level 1
 * or 2, description), RFC 5246 E.2 SSLv2-compatible hellos. The flows are
 * RFC 5246 7.3 (full and abbreviated TLS 1.2 handshakes), RFC 5077 3.4
 * (session tickets), RFC 8446 2 (TLS 1.3, HelloRetryRequest 4.1.4, 0-RTT
 * 4.2.10, PSK 4.2.11) and RFC 8446 D.4 (the middlebox-compatibility
 * ChangeCipherSpec). Expected values follow from those and from the rules the
 * module's comments state (Finished record sizes, client flights, the server
 * records held while the client lags, folding of repeats, the budgets), never
 * from running the code.
 *
 * With keys: the key-log fixtures (fixtures/keylog), each side's bytes in
 * order from our capture, decode and TCP reassembly stages (test/keylog/
 * walker.ts), against tshark decrypting the same capture with the same key log
 * (test/golden-keylog/, scripts/make-keylog-golden.mjs).
 */
import { MAX_ALERTS, MAX_MESSAGES, TlsSession, finishedRecordLength, type TlsSessionOptions } from '../../src/tls/session.js';
import type { Side, Stamp } from '../../src/base/stamp.js';
import type { TlsMessage } from '../../src/tls/types.js';
import type { TlsSecrets } from '../../src/tls/keylog.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { KeyLog } from '../../src/tls/keylog.js';
import { tls12Prf, trafficKeys } from '../../src/tls/decrypt/index.js';
import { walkCapture, type WalkedStream } from '../keylog/walker.js';
import {
  ascii, clientHello, ext, extensions, handshake, record, serverHello, sslv2Hello, u16, vec16, vec24, vec8,
} from './hello-bytes.js';

const st = (frame: number): Stamp => ({ frame, tsSec: 1_700_000_000 + frame, tsNsec: 0 });

const CCS = 20;
const ALERT = 21;
const HS = 22;
const APP = 23;
const HEARTBEAT = 24;

// Handshake message types (RFC 8446 4, RFC 5246 7.4).
const CLIENT_HELLO = 1;
const SERVER_HELLO = 2;
const ENCRYPTED_EXTENSIONS = 8;
const CERTIFICATE = 11;
const SERVER_KEY_EXCHANGE = 12;
const SERVER_HELLO_DONE = 14;
const CLIENT_KEY_EXCHANGE = 16;

// Extensions.
const ALPN = 16;
const SESSION_TICKET = 35;
const PRE_SHARED_KEY = 41;
const EARLY_DATA = 42;
const SUPPORTED_VERSIONS = 43;

/** RFC 8446 4.1.3: the HelloRetryRequest's fixed random, SHA-256("HelloRetryRequest"). */
const HRR_RANDOM = Buffer.from('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c', 'hex');

const ccsRecord = () => record(CCS, Buffer.from([1]));
const hsRecord = (type: number, body: Buffer) => record(HS, handshake(type, body));
const app = (len: number, fill = 0x17) => record(APP, Buffer.alloc(len, fill));
const alertRecord = (body: number[]) => record(ALERT, Buffer.from(body));

/** A TLS 1.2 client's hello (no supported_versions), suites [0xc02f]; `ticket`: presenting a ticket (RFC 5077 3.2: a non-empty SessionTicket extension). */
const ch12 = (opts: { sid?: Buffer; ticket?: boolean; random?: Buffer } = {}) =>
  clientHello(extensions(...(opts.ticket ? [ext(SESSION_TICKET, Buffer.alloc(100, 0x77))] : [])), {
    sid: opts.sid, random: opts.random, suites: vec16(u16(0xc02f)),
  });
/** A TLS 1.2 ServerHello selecting 0xc02f. */
const sh12 = (opts: { sid?: Buffer; alpn?: string } = {}) =>
  serverHello(extensions(...(opts.alpn ? [ext(ALPN, vec16(vec8(ascii(opts.alpn))))] : [])), { suite: 0xc02f, sid: opts.sid });
/** A TLS 1.3 client's hello: supported_versions offering 0x0304 (RFC 8446 4.2.1). */
const ch13 = (extra: Buffer[] = [], random?: Buffer) =>
  clientHello(extensions(ext(SUPPORTED_VERSIONS, vec8(Buffer.concat([u16(0x0304), u16(0x0303)]))), ...extra), { random });
/** A TLS 1.3 ServerHello (supported_versions 0x0304) with this suite. */
const sh13 = (suite = 0x1301, extra: Buffer[] = [], random?: Buffer) =>
  serverHello(extensions(ext(SUPPORTED_VERSIONS, u16(0x0304)), ...extra), { suite, random });
/** TLS <= 1.2 Certificate body (RFC 5246 7.4.2): certificate_list of ASN.1Cert<1..2^24-1>. */
const cert12 = (...lengths: number[]) => vec24(Buffer.concat(lengths.map((n) => vec24(Buffer.alloc(n, 0x30)))));
/** TLS 1.3 Certificate body (RFC 8446 4.4.2): request context, then entries each with extensions. */
const cert13 = (...lengths: number[]) =>
  Buffer.concat([vec8(Buffer.alloc(0)), vec24(Buffer.concat(lengths.map((n) => Buffer.concat([vec24(Buffer.alloc(n, 0x30)), vec16(Buffer.alloc(0))]))))]);

function make(opts: TlsSessionOptions = {}) {
  const messages: TlsMessage[] = [];
  const session = new TlsSession({ message: (m) => messages.push(m) }, opts);
  const feed = (side: Side, frame: number, ...bytes: Buffer[]) => session.feed(side, Buffer.concat(bytes), st(frame));
  return { session, messages, feed };
}

/** One message as `side Type@first-last/bytes` with its flags. */
function view(m: TlsMessage): string {
  let s = `${m.from} ${m.type}@${m.first.frame === m.last.frame ? m.last.frame : `${m.first.frame}-${m.last.frame}`}/${m.bytes}`;
  if (m.inferred) s += ' inferred';
  if (m.earlyData) s += ' early';
  if (m.count !== undefined) s += ` x${m.count} last@${m.lastRepeat!.frame}`;
  return s;
}
const views = (ms: TlsMessage[]) => ms.map(view);

// ------------------------------------------------------------------ Finished sizes

describe('finishedRecordLength: a TLS 1.3 record holding only a Finished (RFC 8446 4.4.4, 5.2)', () => {
  test('hash length + 4 (handshake header) + 1 (inner type) + AEAD tag, per suite', () => {
    // SHA-256 suites with a 16-byte tag (RFC 8446 B.4; RFC 8998 for SM4 with SM3, a 32-byte hash).
    for (const s of [0x1301, 0x1303, 0x1304, 0x00c6, 0x00c7]) expect(finishedRecordLength(s)).toBe(32 + 4 + 1 + 16);
    expect(finishedRecordLength(0x1302)).toBe(48 + 4 + 1 + 16); // SHA-384
    expect(finishedRecordLength(0x1305)).toBe(32 + 4 + 1 + 8); // CCM_8: an 8-byte tag
  });
  test('null for a suite whose sizes are not known, and without a suite', () => {
    for (const s of [0xc02f, 0xc0b4, 0x0000, 0x1306]) expect(finishedRecordLength(s)).toBeNull();
    expect(finishedRecordLength(undefined)).toBeNull();
  });
});

// ------------------------------------------------------------------ TLS 1.2

describe('TLS 1.2 full handshake (RFC 5246 7.3)', () => {
  const ch = ch12();
  const sh = sh12();
  const cert = cert12(100, 50);
  const cke = handshake(CLIENT_KEY_EXCHANGE, vec8(Buffer.alloc(32, 4)));
  const finished = record(HS, Buffer.alloc(40, 0xf1)); // encrypted: 8 explicit nonce + 16 + 16 tag (GCM)

  function run(upTo = 6) {
    const t = make();
    const steps: (() => void)[] = [
      () => t.feed('client', 1, hsRecord(CLIENT_HELLO, ch)),
      () => t.feed('server', 2, record(HS, Buffer.concat([handshake(SERVER_HELLO, sh), handshake(CERTIFICATE, cert), handshake(SERVER_HELLO_DONE, Buffer.alloc(0))]))),
      () => t.feed('client', 3, record(HS, cke), ccsRecord(), finished),
      () => t.feed('server', 4, ccsRecord(), finished),
      () => t.feed('client', 5, app(100)),
      () => t.feed('server', 6, app(300)),
    ];
    for (const s of steps.slice(0, upTo)) s();
    return t;
  }

  test('messages, each in the frame of its last byte, with its bytes on the wire', () => {
    const { messages } = run();
    expect(views(messages)).toEqual([
      `client ClientHello@1/${ch.length + 4}`,
      `server ServerHello@2/${sh.length + 4}`,
      `server Certificate@2/${cert.length + 4}`,
      'server ServerHelloDone@2/4',
      `client ClientKeyExchange@3/${cke.length}`,
      'client ChangeCipherSpec@3/6',
      'client Finished@3/45',
      'server ChangeCipherSpec@4/6',
      'server Finished@4/45',
      'client ApplicationData@5/105',
      'server ApplicationData@6/305',
    ]);
    expect(messages[0].clientHello?.cipherSuites).toEqual([0xc02f]);
    expect(messages[1].serverHello).toMatchObject({ version: 0x0303, cipherSuite: 0xc02f, helloRetry: false });
    expect(messages[2].certificate).toEqual({ count: 2, bytes: 150 });
  });

  test('summary: version, suite, the server chain, the later Finished ends the handshake', () => {
    const s = run().session.summary();
    expect(s).toMatchObject({
      version: 0x0303, cipherSuite: 0xc02f, resumed: false, helloRetry: false, earlyData: false,
      certificateBytes: 150, certificateCount: 2, handshakeEndInferred: false, recordVersion: 0x0303, clientBursts: 1,
    });
    expect(s.resumption).toBeUndefined();
    expect(s.handshakeDone?.frame).toBe(4);
    expect(s.firstApplicationDataRecord.client?.frame).toBe(5);
    expect(s.firstApplicationDataRecord.server?.frame).toBe(6);
    expect(s.problems).toEqual([]);
    expect(s.alerts).toEqual([]);
  });

  test('done once the handshake is complete and application data went both ways, not before', () => {
    expect(run(4).session.done).toBe(false);
    expect(run(5).session.done).toBe(false);
    expect(run(6).session.done).toBe(true);
  });

  test('the handshake ends at the later Finished even when the server\'s is read first', () => {
    const t = make();
    t.feed('client', 1, hsRecord(CLIENT_HELLO, ch));
    t.feed('server', 2, hsRecord(SERVER_HELLO, sh), hsRecord(SERVER_HELLO_DONE, Buffer.alloc(0)));
    t.feed('server', 7, ccsRecord(), finished); // a direction read ahead of the other
    t.feed('client', 3, record(HS, cke), ccsRecord(), finished);
    expect(t.session.summary().handshakeDone?.frame).toBe(7);
    const u = make();
    u.feed('client', 1, hsRecord(CLIENT_HELLO, ch));
    u.feed('server', 2, hsRecord(SERVER_HELLO, sh), hsRecord(SERVER_HELLO_DONE, Buffer.alloc(0)));
    u.feed('client', 9, record(HS, cke), ccsRecord(), finished);
    u.feed('server', 4, ccsRecord(), finished);
    expect(u.session.summary().handshakeDone?.frame).toBe(9);
  });

  test('after the sender\'s ChangeCipherSpec the first handshake record is its Finished, later ones encrypted handshake', () => {
    const t = run();
    t.feed('client', 7, finished); // renegotiation, under the session's keys
    t.feed('server', 8, finished);
    expect(views(t.messages.slice(-2))).toEqual(['client EncryptedHandshake@7/45', 'server EncryptedHandshake@8/45']);
  });

  test('the first application data each way is one message; later records are counted as client bursts', () => {
    const t = run();
    t.feed('client', 7, app(50));
    t.feed('client', 8, app(50)); // same burst
    t.feed('server', 9, app(50));
    t.feed('client', 10, app(19)); // TLS 1.2: a 19-byte record is data like any other
    expect(t.messages).toHaveLength(11);
    expect(t.session.summary().clientBursts).toBe(3);
  });

  test('the client\'s Finished lost: the server\'s data is still application data (the TLS 1.3 inference is not TLS 1.2\'s)', () => {
    const t = make();
    t.feed('client', 1, hsRecord(CLIENT_HELLO, ch));
    t.feed('server', 2, hsRecord(SERVER_HELLO, sh), hsRecord(SERVER_HELLO_DONE, Buffer.alloc(0)));
    t.session.gap('client', 600); // its key exchange, CCS and Finished
    t.feed('server', 4, ccsRecord(), finished);
    t.feed('server', 6, app(300));
    expect(views(t.messages.slice(-1))).toEqual(['server ApplicationData@6/305']);
  });
  test('a handshake message cut by the ChangeCipherSpec: one problem, the rest read as before', () => {
    const t = make();
    t.feed('client', 1, hsRecord(CLIENT_HELLO, ch));
    t.feed('server', 2, hsRecord(SERVER_HELLO, sh), hsRecord(SERVER_HELLO_DONE, Buffer.alloc(0)));
    t.feed('client', 3, record(HS, cke.subarray(0, 10)), ccsRecord(), finished);
    expect(t.session.summary().problems).toEqual(['client: handshake message cut by ChangeCipherSpec']);
    expect(views(t.messages.slice(-2))).toEqual(['client ChangeCipherSpec@3/6', 'client Finished@3/45']);
  });

  test('a ChangeCipherSpec folds into its sender\'s previous message only when that is a ChangeCipherSpec', () => {
    const t = run(3);
    t.feed('client', 4, ccsRecord()); // its previous message is the Finished: a new message
    expect(views(t.messages.slice(-2))).toEqual(['client Finished@3/45', 'client ChangeCipherSpec@4/6']);
    t.feed('server', 5, ccsRecord());
    t.feed('client', 6, ccsRecord()); // the server's between does not count: the client's previous is its CCS
    expect(views(t.messages.slice(-2))).toEqual(['client ChangeCipherSpec@4/12 x2 last@6', 'server ChangeCipherSpec@5/6']);
  });
});

describe('TLS 1.2 server certificate known absent (TlsSummary.certificateCount 0) or unknown (null)', () => {
  const start = (t: ReturnType<typeof make>) => {
    t.feed('client', 1, hsRecord(CLIENT_HELLO, ch12()));
  };
  test('the server\'s cleartext flight ended with ServerHelloDone, no Certificate: 0', () => {
    const t = make();
    start(t);
    t.feed('server', 2, hsRecord(SERVER_HELLO, sh12()), hsRecord(SERVER_HELLO_DONE, Buffer.alloc(0)));
    expect(t.session.summary()).toMatchObject({ certificateBytes: 0, certificateCount: 0 });
  });
  test('ended with its ChangeCipherSpec (abbreviated handshake): 0', () => {
    const t = make();
    start(t);
    t.feed('server', 2, hsRecord(SERVER_HELLO, sh12()), ccsRecord());
    expect(t.session.summary()).toMatchObject({ certificateBytes: 0, certificateCount: 0 });
  });
  test('flight not ended, no ServerHello, or handshake bytes lost before its end: null', () => {
    const a = make();
    start(a);
    a.feed('server', 2, hsRecord(SERVER_HELLO, sh12()));
    expect(a.session.summary()).toMatchObject({ certificateBytes: null, certificateCount: null });
    const b = make();
    start(b);
    b.feed('server', 2, hsRecord(SERVER_HELLO_DONE, Buffer.alloc(0)), ccsRecord());
    expect(b.session.summary()).toMatchObject({ certificateBytes: null, certificateCount: null });
    const c = make();
    start(c);
    const certRec = hsRecord(CERTIFICATE, cert12(300));
    c.feed('server', 2, hsRecord(SERVER_HELLO, sh12()), certRec.subarray(0, 50));
    c.session.gap('server', 100); // inside the Certificate record: that record is lost
    c.feed('server', 3, certRec.subarray(150), hsRecord(SERVER_HELLO_DONE, Buffer.alloc(0)), ccsRecord());
    // Out of step until the CCS: the ServerHelloDone after the hole is not read either.
    expect(c.messages.map((m) => m.type)).toEqual(['ClientHello', 'ServerHello', 'ChangeCipherSpec']);
    expect(c.session.summary()).toMatchObject({ certificateBytes: null, certificateCount: null });
    expect(c.session.summary().problems).toEqual(['server: 100 bytes lost inside a record of type 22']);
  });
  test('a ServerHello that does not parse still ends the hello exchange: its flight ending with ServerHelloDone gives 0', () => {
    const t = make();
    start(t);
    t.feed('server', 2, hsRecord(SERVER_HELLO, sh12().subarray(0, 20)), hsRecord(SERVER_HELLO_DONE, Buffer.alloc(0)));
    expect(t.session.summary()).toMatchObject({ certificateBytes: 0, certificateCount: 0, problems: ['server: ServerHello truncated'] });
    expect(t.messages[1]).toMatchObject({ type: 'ServerHello' });
  });
  test('a Certificate that does not parse: a problem, and the count stays unknown', () => {
    const t = make();
    start(t);
    t.feed('server', 2, hsRecord(SERVER_HELLO, sh12()), hsRecord(CERTIFICATE, Buffer.from([0, 0, 9, 0])), hsRecord(SERVER_HELLO_DONE, Buffer.alloc(0)));
    expect(t.session.summary()).toMatchObject({ certificateBytes: null, certificateCount: null, problems: ['server: truncated Certificate'] });
    expect(t.messages[2]).toMatchObject({ type: 'Certificate' });
    expect(t.messages[2].certificate).toBeUndefined();
  });
  test('the client\'s Certificate (client authentication) is not the server\'s chain; two server Certificates add up', () => {
    const t = make();
    start(t);
    t.feed('server', 2, hsRecord(SERVER_HELLO, sh12()), hsRecord(CERTIFICATE, cert12(100)), hsRecord(CERTIFICATE, cert12(20, 30)));
    t.feed('client', 3, hsRecord(CERTIFICATE, cert12(500, 500, 500)));
    expect(t.session.summary()).toMatchObject({ certificateBytes: 150, certificateCount: 3 });
    expect(t.messages[4].certificate).toEqual({ count: 3, bytes: 1500 });
  });
});

describe('TLS 1.2 resumption (RFC 5246 7.3, RFC 5077 3.4)', () => {
  const sid = Buffer.alloc(32, 0x33);
  test('the server echoes the client\'s session id: session-id resumption', () => {
    const t = make();
    t.feed('client', 1, hsRecord(CLIENT_HELLO, ch12({ sid })));
    t.feed('server', 2, hsRecord(SERVER_HELLO, sh12({ sid })), ccsRecord());
    expect(t.session.summary()).toMatchObject({ resumed: true, resumption: 'session-id' });
    expect(t.messages[1].serverHello?.sessionIdEchoed).toBe(true);
  });
  test('echoed with a session ticket offered: ticket resumption', () => {
    const t = make();
    t.feed('client', 1, hsRecord(CLIENT_HELLO, ch12({ sid, ticket: true })));
    t.feed('server', 2, hsRecord(SERVER_HELLO, sh12({ sid })));
    expect(t.session.summary()).toMatchObject({ resumed: true, resumption: 'ticket' });
  });
  test('another session id: not resumed at the ServerHello', () => {
    const t = make();
    t.feed('client', 1, hsRecord(CLIENT_HELLO, ch12({ sid })));
    t.feed('server', 2, hsRecord(SERVER_HELLO, sh12({ sid: Buffer.alloc(32, 0x44) })));
    expect(t.session.summary().resumed).toBe(false);
    expect(t.session.summary().resumption).toBeUndefined();
  });
  test('a ticket offered, no echo, and the server\'s CCS follows its ServerHello with no Certificate or key exchange: ticket', () => {
    const t = make();
    t.feed('client', 1, hsRecord(CLIENT_HELLO, ch12({ ticket: true })));
    t.feed('server', 2, hsRecord(SERVER_HELLO, sh12()));
    expect(t.session.summary().resumed).toBe(false);
    t.feed('server', 3, ccsRecord());
    expect(t.session.summary()).toMatchObject({ resumed: true, resumption: 'ticket' });
  });
  test('not so after a Certificate, after a ServerKeyExchange, without a ticket offered, or at the client\'s CCS', () => {
    const cases: [Buffer, Buffer, Side][] = [
      [ch12({ ticket: true }), hsRecord(CERTIFICATE, cert12(10)), 'server'],
      [ch12({ ticket: true }), hsRecord(SERVER_KEY_EXCHANGE, Buffer.alloc(20, 1)), 'server'],
      [ch12(), Buffer.alloc(0), 'server'],
      [ch12({ ticket: true }), Buffer.alloc(0), 'client'],
    ];
    for (const [ch, between, ccsFrom] of cases) {
      const t = make();
      t.feed('client', 1, hsRecord(CLIENT_HELLO, ch));
      t.feed('server', 2, hsRecord(SERVER_HELLO, sh12()), between);
      t.feed(ccsFrom, 3, ccsRecord());
      expect(t.session.summary().resumed).toBe(false);
    }
  });
  test('a server CCS before any ServerHello is no resumption', () => {
    const t = make();
    t.feed('client', 1, hsRecord(CLIENT_HELLO, ch12({ ticket: true })));
    t.feed('server', 2, ccsRecord());
    expect(t.session.summary().resumed).toBe(false);
  });
});

describe('which ChangeCipherSpec switches its sender to encrypted handshake records', () => {
  test('TLS 1.2 client before the ServerHello: it does (its next handshake record is the Finished)', () => {
    for (const ch of [ch12(), clientHello(extensions(ext(SUPPORTED_VERSIONS, vec8(u16(0x0303)))))]) {
      const t = make();
      t.feed('client', 1, hsRecord(CLIENT_HELLO, ch), ccsRecord(), record(HS, Buffer.alloc(40, 1)));
      expect(t.messages.map((m) => m.type)).toEqual(['ClientHello', 'ChangeCipherSpec', 'Finished']);
    }
  });
  test('a client CCS before any ClientHello: it does (no TLS 1.3 offer seen)', () => {
    const t = make();
    t.feed('client', 1, ccsRecord(), record(HS, Buffer.alloc(40, 1)));
    expect(t.messages.map((m) => m.type)).toEqual(['ChangeCipherSpec', 'Finished']);
    expect(t.session.summary().problems).toEqual([]);
  });
  test('a client offering TLS 1.3, before the ServerHello (RFC 8446 D.4): it does not', () => {
    const t = make();
    t.feed('client', 1, hsRecord(CLIENT_HELLO, ch13()), ccsRecord(), hsRecord(CLIENT_HELLO, ch13()));
    expect(t.messages.map((m) => m.type)).toEqual(['ClientHello', 'ChangeCipherSpec', 'ClientHello']);
  });
  test('the server before its ServerHello: it does, unless after a HelloRetryRequest', () => {
    const a = make();
    a.feed('server', 2, ccsRecord(), record(HS, Buffer.alloc(40, 1)));
    expect(a.messages.map((m) => m.type)).toEqual(['ChangeCipherSpec', 'Finished']);
    const b = make();
    b.feed('client', 1, hsRecord(CLIENT_HELLO, ch13()));
    b.feed('server', 2, hsRecord(SERVER_HELLO, sh13(0x1301, [], HRR_RANDOM)), ccsRecord());
    b.feed('client', 3, ccsRecord(), hsRecord(CLIENT_HELLO, ch13()));
    b.feed('server', 4, hsRecord(SERVER_HELLO, sh13()));
    expect(views(b.messages)).toEqual([
      `client ClientHello@1/${ch13().length + 4}`,
      `server HelloRetryRequest@2/${sh13().length + 4}`,
      'server ChangeCipherSpec@2/6',
      'client ChangeCipherSpec@3/6',
      `client ClientHello@3/${ch13().length + 4}`,
      `server ServerHello@4/${sh13().length + 4}`,
    ]);
    expect(b.session.summary()).toMatchObject({ helloRetry: true, version: 0x0304 });
  });
  test('TLS 1.3 after the ServerHello: never (handshake records that follow are read as messages)', () => {
    const t = make();
    t.feed('client', 1, hsRecord(CLIENT_HELLO, ch13()));
    t.feed('server', 2, hsRecord(SERVER_HELLO, sh13()), ccsRecord(), hsRecord(ENCRYPTED_EXTENSIONS, extensions()));
    expect(t.messages.map((m) => m.type)).toEqual(['ClientHello', 'ServerHello', 'ChangeCipherSpec', 'EncryptedExtensions']);
  });
  test('TLS 1.2 after the ServerHello: it does, on either side', () => {
    const t = make();
    t.feed('client', 1, hsRecord(CLIENT_HELLO, ch13()));
    t.feed('server', 2, hsRecord(SERVER_HELLO, sh12()), ccsRecord(), record(HS, Buffer.alloc(40, 1)));
    t.feed('client', 3, ccsRecord(), record(HS, Buffer.alloc(40, 1)));
    expect(t.messages.map((m) => `${m.from} ${m.type}`)).toEqual([
      'client ClientHello', 'server ServerHello', 'server ChangeCipherSpec', 'server Finished', 'client ChangeCipherSpec', 'client Finished',
    ]);
  });
  test('a draft HelloRetryRequest (message type 6, drafts before 22) sets helloRetry', () => {
    const t = make();
    t.feed('server', 2, hsRecord(6, Buffer.from([0x7f, 0x12, 0, 0])));
    expect(t.session.summary().helloRetry).toBe(true);
    expect(t.messages.map((m) => m.type)).toEqual(['HelloRetryRequest']);
  });
});

// ------------------------------------------------------------------ alerts

describe('alerts (RFC 8446 6, RFC 5246 7.2)', () => {
  test('cleartext before the sender\'s CCS: level, description and name from the first two bytes', () => {
    const t = make();
    t.feed('client', 1, hsRecord(CLIENT_HELLO, ch12()));
    t.feed('server', 2, alertRecord([2, 40]));
    t.feed('client', 3, alertRecord([1, 0, 0xaa])); // longer than 2 bytes: still read as cleartext
    expect(views(t.messages.slice(1))).toEqual(['server Alert@2/7', 'client Alert@3/8']);
    expect(t.messages[1].alert).toEqual({ level: 2, description: 40, name: 'handshake_failure' });
    expect(t.session.summary().alerts).toEqual([
      { from: 'server', frame: 2, level: 2, description: 40, name: 'handshake_failure' },
      { from: 'client', frame: 3, level: 1, description: 0, name: 'close_notify' },
    ]);
  });
  test('after the CCS (TLS 1.2): encrypted, unless 2 bytes with level 1 or 2 and a known description', () => {
    const after = (body: Buffer) => {
      const t = make();
      t.feed('client', 1, hsRecord(CLIENT_HELLO, ch12()), ccsRecord());
      t.feed('client', 2, record(ALERT, body));
      return t.messages[2].alert;
    };
    expect(after(Buffer.from([1, 0]))).toEqual({ level: 1, description: 0, name: 'close_notify' });
    expect(after(Buffer.from([2, 10]))).toEqual({ level: 2, description: 10, name: 'unexpected_message' });
    expect(after(Buffer.from([3, 0]))).toEqual({ name: 'encrypted' }); // no such level
    expect(after(Buffer.from([0, 0]))).toEqual({ name: 'encrypted' });
    expect(after(Buffer.from([2, 200]))).toEqual({ name: 'encrypted' }); // no such description
    expect(after(Buffer.from([1, 0, 0]))).toEqual({ name: 'encrypted' }); // 3 bytes
    expect(after(Buffer.from([1]))).toEqual({ name: 'encrypted' });
    expect(after(Buffer.alloc(26, 9))).toEqual({ name: 'encrypted' }); // 8 nonce + 2 + 16 tag
  });
  test('TLS 1.3 after the ServerHello: the same rule without a CCS', () => {
    const t = make();
    t.feed('client', 1, hsRecord(CLIENT_HELLO, ch13()));
    t.feed('server', 2, hsRecord(SERVER_HELLO, sh13()), alertRecord([2, 70]));
    t.feed('server', 3, alertRecord([2, 70, 0]));
    expect(t.messages.slice(2).map((m) => m.alert)).toEqual([{ level: 2, description: 70, name: 'protocol_version' }, { name: 'encrypted' }]);
  });
  test('a record under 2 bytes is encrypted (unreadable) even before the CCS', () => {
    const t = make();
    t.feed('server', 2, alertRecord([2]));
    expect(t.messages[0].alert).toEqual({ name: 'encrypted' });
  });
  test('the same alert again from the same side folds into one message, listed once; from the other side it does not', () => {
    const t = make();
    t.feed('client', 1, alertRecord([2, 40]));
    t.feed('client', 2, alertRecord([2, 40]));
    t.feed('client', 3, alertRecord([2, 40]));
    t.feed('server', 4, alertRecord([2, 40]));
    t.feed('client', 5, alertRecord([1, 40])); // other level
    t.feed('client', 6, alertRecord([1, 90]));
    expect(views(t.messages)).toEqual([
      'client Alert@1/21 x3 last@3', 'server Alert@4/7', 'client Alert@5/7', 'client Alert@6/7',
    ]);
    expect(t.session.summary().alerts.map((a) => `${a.from}@${a.frame}`)).toEqual(['client@1', 'server@4', 'client@5', 'client@6']);
  });
  test('the server\'s repeats fold into the server\'s previous message', () => {
    const t = make();
    t.feed('server', 1, ccsRecord());
    t.feed('server', 2, ccsRecord());
    t.feed('server', 3, alertRecord([1, 0]));
    t.feed('server', 4, alertRecord([1, 0]));
    expect(views(t.messages)).toEqual(['server ChangeCipherSpec@1/12 x2 last@2', 'server Alert@3/14 x2 last@4']);
  });
  test('two encrypted alerts in a row fold too (same name, no level or description)', () => {
    const t = make();
    t.feed('client', 1, hsRecord(CLIENT_HELLO, ch12()), ccsRecord());
    t.feed('client', 2, record(ALERT, Buffer.alloc(26, 1)));
    t.feed('client', 3, record(ALERT, Buffer.alloc(26, 2)));
    expect(views(t.messages.slice(2))).toEqual(['client Alert@2/62 x2 last@3']);
  });
  test(`at most ${MAX_ALERTS} listed, with one problem at the next`, () => {
    const t = make();
    for (let i = 0; i < MAX_ALERTS + 3; i++) t.feed('client', i + 1, alertRecord([2, i % 2 === 0 ? 40 : 10]));
    const s = t.session.summary();
    expect(s.alerts).toHaveLength(MAX_ALERTS);
    expect(s.alerts[MAX_ALERTS - 1].frame).toBe(MAX_ALERTS);
    expect(s.problems).toEqual([`client: more than ${MAX_ALERTS} distinct alerts: later ones not listed`]);
    expect(t.messages).toHaveLength(MAX_ALERTS + 3);
  });
});

// ------------------------------------------------------------------ budgets

describe(`messages beyond ${MAX_MESSAGES} per connection are counted (TlsSummary.droppedMessages)`, () => {
  /** MAX_MESSAGES alternating alerts from the client: all handed on, the last one [1, 90]. */
  function full() {
    const t = make();
    for (let i = 0; i < MAX_MESSAGES; i++) t.feed('client', i + 1, alertRecord(i % 2 === 0 ? [1, 0] : [1, 90]));
    expect(t.messages).toHaveLength(MAX_MESSAGES);
    return t;
  }
  test('the next one is dropped with one problem; its repeats are dropped with it', () => {
    const t = full();
    expect(t.session.summary().droppedMessages).toBeUndefined();
    t.feed('server', 1000, alertRecord([2, 40]));
    expect(t.messages).toHaveLength(MAX_MESSAGES);
    expect(t.session.summary().droppedMessages).toBe(1);
    expect(t.session.summary().problems).toEqual([
      `client: more than ${MAX_ALERTS} distinct alerts: later ones not listed`,
      `server: more than ${MAX_MESSAGES} messages: later ones counted only`,
    ]);
    t.feed('server', 1001, alertRecord([2, 40]));
    t.feed('client', 1002, alertRecord([1, 0]));
    expect(t.session.summary().droppedMessages).toBe(3);
    expect(t.session.summary().problems).toHaveLength(2);
  });
  test('an alert beyond the budget is only counted: not listed either', () => {
    const t = make();
    t.feed('client', 1, hsRecord(CLIENT_HELLO, ch12()), ccsRecord());
    for (let i = 0; i < MAX_MESSAGES - 2; i++) t.feed('client', 2 + i, record(HS, Buffer.alloc(40, i))); // Finished, then encrypted handshake
    expect(t.messages).toHaveLength(MAX_MESSAGES);
    t.feed('server', 1000, alertRecord([2, 40]));
    expect(t.session.summary().droppedMessages).toBe(1);
    expect(t.session.summary().alerts).toEqual([]);
  });
  test('a repeat of the last message handed on folds into it and is not dropped', () => {
    const t = full();
    t.feed('client', 2000, alertRecord([1, 90]));
    expect(t.session.summary().droppedMessages).toBeUndefined();
    expect(view(t.messages[MAX_MESSAGES - 1])).toBe(`client Alert@${MAX_MESSAGES}/14 x2 last@2000`);
    t.feed('server', 2001, ccsRecord());
    t.feed('client', 2002, alertRecord([1, 90])); // still the client's last message handed on
    expect(t.session.summary().droppedMessages).toBe(1);
    expect(t.messages[MAX_MESSAGES - 1].count).toBe(3);
  });
  test('problems: at most 20', () => {
    const t = make();
    for (let i = 0; i < 25; i++) t.feed('client', i + 1, hsRecord(CLIENT_HELLO, Buffer.alloc(10, 3)));
    const p = t.session.summary().problems;
    expect(p).toHaveLength(20);
    expect(new Set(p)).toEqual(new Set(['client: truncated ClientHello']));
    expect(t.messages.filter((m) => m.type === 'ClientHello')).toHaveLength(25);
  });
  test('a ClientHello whose lists were cut: one problem per list', () => {
    const suites = Array.from({ length: 1100 }, (_, i) => 0x0a00 + i); // past HELLO_LIST_CAPS.cipherSuites (1024)
    const t = make();
    t.feed('client', 1, hsRecord(CLIENT_HELLO, clientHello(extensions(), { suites: vec16(Buffer.concat(suites.map(u16))) })));
    const s = t.session.summary();
    expect(s.problems).toHaveLength(1);
    expect(s.problems[0]).toMatch(/^client: ClientHello cipherSuites list cut to 1024 of 1100 values$/);
    expect(s.clientHello?.truncated?.[0].total).toBe(1100);
  });
});

// ------------------------------------------------------------------ TLS 1.3

describe('TLS 1.3 (RFC 8446 2): the encrypted handshake inferred from record sizes', () => {
  const ch = ch13();
  const sh = sh13();
  /** ClientHello, ServerHello + compatibility CCS + the server's encrypted flight, the client's CCS. */
  function start(suite = 0x1301) {
    const t = make();
    t.feed('client', 1, hsRecord(CLIENT_HELLO, ch));
    t.feed('server', 2, hsRecord(SERVER_HELLO, sh13(suite)), ccsRecord(), app(2000));
    t.feed('client', 3, ccsRecord());
    return t;
  }

  test('a client record of exactly a Finished is the Finished; the data after it is application data', () => {
    const t = start();
    t.feed('client', 4, app(53));
    t.feed('client', 5, app(100));
    expect(t.session.done).toBe(false);
    t.feed('server', 6, app(300));
    expect(views(t.messages)).toEqual([
      `client ClientHello@1/${ch.length + 4}`,
      `server ServerHello@2/${sh.length + 4}`,
      'server ChangeCipherSpec@2/6',
      'server EncryptedHandshake@2/2005 inferred',
      'client ChangeCipherSpec@3/6',
      'client Finished@4/58 inferred',
      'client ApplicationData@5/105',
      'server ApplicationData@6/305',
    ]);
    const s = t.session.summary();
    expect(s).toMatchObject({ version: 0x0304, cipherSuite: 0x1301, handshakeEndInferred: true, certificateCount: null, certificateBytes: null, resumed: false });
    expect(s.resumption).toBeUndefined();
    expect(s.handshakeDone?.frame).toBe(4);
    expect(s.firstApplicationDataRecord.server?.frame).toBe(2); // as on the wire: the first record of type 23
    expect(s.firstApplicationDataRecord.client?.frame).toBe(4);
    expect(t.session.done).toBe(true);
  });

  test('every server record before the client\'s Finished is encrypted handshake', () => {
    const t = start();
    t.feed('server', 4, app(500));
    t.feed('server', 5, app(19));
    expect(views(t.messages.slice(3))).toEqual([
      'server EncryptedHandshake@2/2005 inferred', 'client ChangeCipherSpec@3/6',
      'server EncryptedHandshake@4/505 inferred', 'server EncryptedHandshake@5/24 inferred',
    ]);
    expect(t.session.summary().handshakeDone).toBeUndefined();
  });

  test('a longer client record opens a flight that ends with the next Finished-sized one', () => {
    const t = start();
    t.feed('client', 4, app(1500)); // Certificate
    t.feed('client', 5, app(300)); // CertificateVerify
    expect(t.messages).toHaveLength(5);
    t.feed('client', 6, app(53));
    expect(views(t.messages.slice(5))).toEqual([
      'client EncryptedHandshake@4/1505 inferred', 'client EncryptedHandshake@5/305 inferred', 'client Finished@6/58 inferred',
    ]);
    expect(t.session.summary().handshakeDone?.frame).toBe(6);
  });

  test('no Finished-sized record before the server\'s next one: the flight\'s first record was the Finished, the second data', () => {
    const t = start();
    t.feed('client', 4, app(200)); // a padded Finished
    t.feed('server', 5, app(300));
    expect(views(t.messages.slice(5))).toEqual(['client Finished@4/205 inferred', 'server ApplicationData@5/305']);
    const u = start();
    u.feed('client', 4, app(200));
    u.feed('client', 5, app(100));
    u.feed('server', 6, app(300));
    expect(views(u.messages.slice(5))).toEqual(['client Finished@4/205 inferred', 'client ApplicationData@5/105', 'server ApplicationData@6/305']);
    expect(u.session.done).toBe(true);
    expect(u.session.summary().clientBursts).toBe(1);
  });

  test('at most 4 flight records: the fifth ends it the same way', () => {
    const t = start();
    for (let i = 0; i < 4; i++) t.feed('client', 4 + i, app(200 + i));
    expect(t.messages).toHaveLength(5);
    t.feed('client', 8, app(204));
    expect(views(t.messages.slice(5))).toEqual(['client Finished@4/205 inferred', 'client ApplicationData@5/206']);
  });

  test('end(): a pending flight resolves the same way; a second end() changes nothing', () => {
    const t = start();
    t.feed('client', 4, app(200));
    t.feed('client', 5, app(100));
    t.session.end();
    t.session.end();
    expect(views(t.messages.slice(5))).toEqual(['client Finished@4/205 inferred', 'client ApplicationData@5/105']);
  });

  test('the Finished size follows the suite (SHA-384: 69 bytes; CCM_8: 45)', () => {
    const a = start(0x1302);
    a.feed('client', 4, app(53));
    expect(a.messages).toHaveLength(5); // not a Finished for SHA-384: a flight opens
    a.feed('client', 5, app(69));
    expect(views(a.messages.slice(5))).toEqual(['client EncryptedHandshake@4/58 inferred', 'client Finished@5/74 inferred']);
    const b = start(0x1305);
    b.feed('client', 4, app(45));
    expect(views(b.messages.slice(5))).toEqual(['client Finished@4/50 inferred']);
  });

  test('a suite of unknown sizes: the client\'s first record is the Finished', () => {
    const t = start(0xc0b4); // TLS_SHA256_SHA256 (RFC 9150)
    t.feed('client', 4, app(1000));
    t.feed('client', 5, app(1000));
    expect(views(t.messages.slice(5))).toEqual(['client Finished@4/1005 inferred', 'client ApplicationData@5/1005']);
  });

  test('19-byte records (a TLS 1.3 alert under application keys) are no client burst', () => {
    const t = start();
    t.feed('client', 4, app(53));
    t.feed('client', 5, app(100)); // burst 1
    t.feed('server', 6, app(300));
    t.feed('client', 7, app(19)); // close_notify: not data
    expect(t.session.summary().clientBursts).toBe(1);
    t.feed('client', 8, app(100)); // the server's data in 6 answered: a second burst
    expect(t.session.summary().clientBursts).toBe(2);
    t.feed('server', 9, app(19)); // not data: the client's next record continues its burst
    t.feed('client', 10, app(100));
    expect(t.session.summary().clientBursts).toBe(2);
    t.feed('server', 11, app(20));
    t.feed('client', 12, app(100));
    expect(t.session.summary().clientBursts).toBe(3);
  });

  test('PSK accepted (RFC 8446 4.2.11): resumed by psk, no server certificate', () => {
    const t = make();
    t.feed('client', 1, hsRecord(CLIENT_HELLO, ch));
    t.feed('server', 2, hsRecord(SERVER_HELLO, sh13(0x1301, [ext(PRE_SHARED_KEY, u16(0))])));
    expect(t.session.summary()).toMatchObject({ resumed: true, resumption: 'psk', certificateBytes: 0, certificateCount: 0 });
  });

  test('a TLS 1.3 Certificate read in clear (decrypted) is parsed with its request context and extensions', () => {
    const t = make();
    t.feed('client', 1, hsRecord(CLIENT_HELLO, ch));
    t.feed('server', 2, hsRecord(SERVER_HELLO, sh), hsRecord(CERTIFICATE, cert13(700, 300)));
    expect(t.session.summary()).toMatchObject({ certificateBytes: 1000, certificateCount: 2 });
  });

  test('EncryptedExtensions: its ALPN is the server\'s choice when the ServerHello has none', () => {
    const ee = (proto: string) => hsRecord(ENCRYPTED_EXTENSIONS, extensions(ext(ALPN, vec16(vec8(ascii(proto))))));
    const a = make();
    a.feed('client', 1, hsRecord(CLIENT_HELLO, ch));
    a.feed('server', 2, hsRecord(SERVER_HELLO, sh), ee('h2'));
    expect(a.session.summary().serverHello?.alpn).toBe('h2');
    const b = make(); // a client's message of that type is not the server's choice
    b.feed('client', 1, hsRecord(CLIENT_HELLO, ch));
    b.feed('server', 2, hsRecord(SERVER_HELLO, sh));
    b.feed('client', 3, ee('h2'));
    expect(b.session.summary().serverHello?.alpn).toBeUndefined();
    const c = make(); // the ServerHello's own stays
    c.feed('client', 1, hsRecord(CLIENT_HELLO, ch12()));
    c.feed('server', 2, hsRecord(SERVER_HELLO, sh12({ alpn: 'http/1.1' })), ee('h2'));
    expect(c.session.summary().serverHello?.alpn).toBe('http/1.1');
    const d = make(); // without ALPN: nothing
    d.feed('client', 1, hsRecord(CLIENT_HELLO, ch));
    d.feed('server', 2, hsRecord(SERVER_HELLO, sh), hsRecord(ENCRYPTED_EXTENSIONS, extensions()));
    expect(d.session.summary().serverHello?.alpn).toBeUndefined();
    expect(d.session.summary().problems).toEqual([]);
    const e = make(); // malformed: a problem; before any ServerHello: nothing to set
    e.feed('server', 2, hsRecord(ENCRYPTED_EXTENSIONS, Buffer.from([0, 9, 0])), ee('h2'));
    expect(e.session.summary().problems).toEqual(['server: malformed EncryptedExtensions']);
    expect(e.session.summary().serverHello).toBeUndefined();
  });
});

describe('0-RTT (RFC 8446 4.2.10)', () => {
  test('client data before the ServerHello with early_data offered: one early-data message, earlyData set', () => {
    const t = make();
    t.feed('client', 1, hsRecord(CLIENT_HELLO, ch13([ext(EARLY_DATA, Buffer.alloc(0))])), app(200));
    t.feed('client', 2, app(300));
    expect(views(t.messages.slice(1))).toEqual(['client ApplicationData@1/205 early']);
    expect(t.session.summary().earlyData).toBe(true);
    expect(t.session.summary().clientBursts).toBeUndefined();
  });
  test('without early_data offered it is application data', () => {
    const t = make();
    t.feed('client', 1, hsRecord(CLIENT_HELLO, ch13()), app(200));
    expect(views(t.messages.slice(1))).toEqual(['client ApplicationData@1/205']);
    expect(t.session.summary().earlyData).toBe(false);
    expect(t.session.summary().clientBursts).toBe(1);
  });
  test('server data before the ServerHello is application data', () => {
    const t = make();
    t.feed('client', 1, hsRecord(CLIENT_HELLO, ch13([ext(EARLY_DATA, Buffer.alloc(0))])));
    t.feed('server', 2, app(200));
    expect(views(t.messages.slice(1))).toEqual(['server ApplicationData@2/205']);
    expect(t.session.summary().earlyData).toBe(false);
  });
});

describe('TLS 1.3 with the client lagging (its ClientHello lost): server records held, placed by frame', () => {
  /** ServerHello in frame 2 with the server's flight, server data in 6; then the client's Finished (5) and data (7). */
  function run(lag: boolean) {
    const t = make();
    if (lag) t.session.clientMayLag();
    t.feed('server', 2, hsRecord(SERVER_HELLO, sh13()), app(2000));
    t.feed('server', 5, app(100));
    t.feed('server', 6, app(300));
    const held = t.messages.length;
    t.feed('client', 5, app(53));
    t.feed('client', 7, app(100));
    return { t, held };
  }
  test('before and after the client\'s Finished by frame (the same frame counts as before)', () => {
    const { t, held } = run(true);
    expect(held).toBe(1);
    expect(views(t.messages)).toEqual([
      `server ServerHello@2/${sh13().length + 4}`,
      'client Finished@5/58 inferred',
      'server EncryptedHandshake@2/2005 inferred',
      'server EncryptedHandshake@5/105 inferred',
      'server ApplicationData@6/305',
      'client ApplicationData@7/105',
    ]);
    expect(t.session.done).toBe(true);
  });
  test('two held server records after the Finished: one application-data message', () => {
    const t = make();
    t.session.clientMayLag();
    t.feed('server', 2, hsRecord(SERVER_HELLO, sh13()), app(2000));
    t.feed('server', 6, app(300));
    t.feed('server', 7, app(400));
    t.feed('client', 5, app(53));
    expect(views(t.messages.slice(1))).toEqual(['client Finished@5/58 inferred', 'server EncryptedHandshake@2/2005 inferred', 'server ApplicationData@6/305']);
  });
  test('without clientMayLag: in the order read', () => {
    const { t } = run(false);
    expect(views(t.messages)).toEqual([
      `server ServerHello@2/${sh13().length + 4}`,
      'server EncryptedHandshake@2/2005 inferred',
      'server EncryptedHandshake@5/105 inferred',
      'server EncryptedHandshake@6/305 inferred',
      'client Finished@5/58 inferred',
      'client ApplicationData@7/105',
    ]);
    expect(t.session.done).toBe(false);
  });
  test('not held once the client has a record, or a ClientHello was seen', () => {
    const a = make();
    a.feed('client', 1, app(53));
    a.session.clientMayLag();
    a.feed('server', 2, hsRecord(SERVER_HELLO, sh13()), app(2000));
    expect(a.messages.map((m) => m.type)).toEqual(['ApplicationData', 'ServerHello', 'EncryptedHandshake']);
    const b = make();
    b.session.clientMayLag();
    b.feed('server', 2, hsRecord(SERVER_HELLO, sh13()));
    b.feed('client', 1, hsRecord(CLIENT_HELLO, ch13()));
    b.feed('server', 3, app(2000));
    expect(b.messages.map((m) => m.type)).toEqual(['ServerHello', 'ClientHello', 'EncryptedHandshake']);
  });
  test('not held either when the client\'s first record came after clientMayLag but before the server\'s', () => {
    const t = make();
    t.session.clientMayLag();
    t.feed('client', 1, app(100));
    t.feed('server', 2, hsRecord(SERVER_HELLO, sh13()), app(2000));
    expect(views(t.messages)).toEqual(['client ApplicationData@1/105', `server ServerHello@2/${sh13().length + 4}`, 'server EncryptedHandshake@2/2005 inferred']);
  });
  test('at most 32 held: the 33rd releases them all as encrypted handshake', () => {
    const t = make();
    t.session.clientMayLag();
    t.feed('server', 2, hsRecord(SERVER_HELLO, sh13()));
    for (let i = 0; i < 32; i++) t.feed('server', 10 + i, app(100 + i));
    expect(t.messages).toHaveLength(1);
    t.feed('server', 42, app(132));
    expect(t.messages.slice(1).map((m) => `${m.type}@${m.last.frame}/${m.bytes}${m.inferred ? ' inferred' : ''}`)).toEqual(
      Array.from({ length: 33 }, (_, i) => `EncryptedHandshake@${10 + i}/${105 + i} inferred`),
    );
    t.feed('server', 43, app(100)); // no longer held
    expect(t.messages).toHaveLength(35);
  });
  test('end(): records still held are encrypted handshake (the client\'s Finished never known)', () => {
    const t = make();
    t.session.clientMayLag();
    t.feed('server', 2, hsRecord(SERVER_HELLO, sh13()), app(2000));
    t.feed('server', 6, app(300));
    t.session.end();
    expect(views(t.messages.slice(1))).toEqual(['server EncryptedHandshake@2/2005 inferred', 'server EncryptedHandshake@6/305 inferred']);
  });
  test('server data after the Finished counts towards no client burst, and the client\'s next record opens one', () => {
    const { t } = run(true);
    expect(t.session.summary().clientBursts).toBe(1);
  });
});

// ------------------------------------------------------------------ SSLv2, other records

describe('SSLv2-compatible ClientHello (RFC 5246 E.2)', () => {
  const body = sslv2Hello(Buffer.from([0x00, 0x00, 0x2f, 0x01, 0x00, 0x80]), Buffer.alloc(0), Buffer.alloc(16, 0xcc));
  const v2 = Buffer.concat([Buffer.from([0x80 | (body.length >> 8), body.length & 0xff]), body]);
  test('read as the ClientHello: its bytes with the 2-byte header, the suites', () => {
    const t = make();
    t.feed('client', 1, v2);
    expect(views(t.messages)).toEqual([`client ClientHello@1/${body.length + 2}`]);
    expect(t.session.summary().clientHello).toMatchObject({ sslv2: true, cipherSuites: [0x00002f, 0x010080], legacyVersion: 0x0301 });
    // The session id it gave (empty) is what the ServerHello is compared with.
    t.feed('server', 2, hsRecord(SERVER_HELLO, serverHello(null, { version: 0x0301, suite: 0x002f })));
    expect(t.session.summary().resumed).toBe(false);
  });
  test('only the client\'s first record may be one: the server\'s bytes with that header are no TLS record', () => {
    const t = make();
    t.feed('server', 1, v2);
    expect(t.messages).toEqual([]);
    expect(t.session.stopped('server')).toBe(true);
    expect(t.session.summary().clientHello).toBeUndefined();
  });
  test('a 16-byte session id (RFC 5246 E.2) echoed by the ServerHello: session-id resumption', () => {
    const sid = Buffer.alloc(16, 0x61);
    const b = sslv2Hello(Buffer.from([0x00, 0x00, 0x2f]), sid, Buffer.alloc(16, 0xcc));
    const t = make();
    t.feed('client', 1, Buffer.concat([Buffer.from([0x80 | (b.length >> 8), b.length & 0xff]), b]));
    t.feed('server', 2, hsRecord(SERVER_HELLO, serverHello(extensions(), { version: 0x0301, suite: 0x002f, sid })));
    expect(t.session.summary()).toMatchObject({ resumed: true, resumption: 'session-id' });
  });
  test('its lists cut: one problem per list, as for a TLS ClientHello', () => {
    const specs = Buffer.concat(Array.from({ length: 1100 }, (_, i) => Buffer.from([0, i >> 8, i & 0xff])));
    const b = sslv2Hello(specs, Buffer.alloc(0), Buffer.alloc(16, 0xcc));
    const t = make();
    t.feed('client', 1, Buffer.concat([Buffer.from([0x80 | (b.length >> 8), b.length & 0xff]), b]));
    expect(t.session.summary().problems).toEqual(['client: ClientHello cipherSuites list cut to 1024 of 1100 values']);
  });
  test('one that does not parse stops the client direction', () => {
    const bad = Buffer.concat([Buffer.from([1]), u16(0x0301), u16(6), u16(0), u16(40), Buffer.alloc(10)]);
    const t = make();
    t.feed('client', 1, Buffer.concat([Buffer.from([0x80, bad.length]), bad]));
    expect(t.messages).toEqual([]);
    expect(t.session.stopped('client')).toBe(true);
    expect(t.session.stopped('server')).toBe(false);
    expect(t.session.summary().problems).toHaveLength(1);
    expect(t.session.summary().problems[0]).toMatch(/^client: /);
  });
});

describe('records: the record feed, heartbeats, damaged records', () => {
  test('opts.record sees every complete record: side, outer type, body length, the frame completing it', () => {
    const seen: string[] = [];
    const t = make({ record: (side, type, len, s) => seen.push(`${side} ${type} ${len} @${s.frame}`) });
    const chRec = hsRecord(CLIENT_HELLO, ch12());
    t.feed('client', 1, chRec.subarray(0, 20));
    t.feed('client', 2, chRec.subarray(20), record(HEARTBEAT, Buffer.alloc(3, 1)));
    t.feed('server', 3, app(10, 1), alertRecord([2, 40]), ccsRecord());
    expect(seen).toEqual([`client 22 ${chRec.length - 5} @2`, 'client 24 3 @2', 'server 23 10 @3', 'server 21 2 @3', 'server 20 1 @3']);
    expect(t.messages.map((m) => m.type)).toEqual(['ClientHello', 'ApplicationData', 'Alert', 'ChangeCipherSpec']);
  });
  test('recordVersion: the first application-data record\'s header version', () => {
    const t = make();
    t.feed('server', 1, record(APP, Buffer.alloc(10), 0x0301));
    t.feed('client', 2, record(APP, Buffer.alloc(10), 0x0302));
    expect(t.session.summary().recordVersion).toBe(0x0301);
    expect(t.session.summary().firstApplicationDataRecord.client?.frame).toBe(2);
  });
  test('an alert record that lost bytes is not read', () => {
    const t = make();
    const a = record(ALERT, Buffer.from([2, 40, 0, 0, 0, 0]));
    t.feed('server', 1, a.subarray(0, 6));
    t.session.gap('server', 2);
    t.feed('server', 2, a.subarray(8));
    expect(t.messages).toEqual([]);
    expect(t.session.summary().alerts).toEqual([]);
  });
  test('an alert whose record body comes in two frames is read whole', () => {
    const t = make();
    const a = alertRecord([2, 40]);
    t.feed('server', 1, a.subarray(0, 6));
    t.feed('server', 2, a.subarray(6));
    expect(views(t.messages)).toEqual(['server Alert@1-2/7']);
    expect(t.messages[0].alert).toEqual({ level: 2, description: 40, name: 'handshake_failure' });
  });
  test('a message spanning records is stamped from its first byte to its last', () => {
    const t = make();
    const m = handshake(CLIENT_HELLO, ch12());
    t.feed('client', 1, record(HS, m.subarray(0, 30)));
    t.feed('client', 2, record(HS, m.subarray(30)));
    expect(views(t.messages)).toEqual([`client ClientHello@1-2/${m.length}`]);
  });
});

// ------------------------------------------------------------------ loss and state

describe('loss, resynchronisation and state', () => {
  test('gap of nothing, or on a stopped side, changes nothing', () => {
    const t = make();
    t.feed('client', 1, hsRecord(CLIENT_HELLO, ch12()));
    t.session.gap('client', 0);
    t.session.gap('client', -5);
    expect(t.session.inStep('client')).toBe(true);
    expect(t.session.summary().problems).toEqual([]);
    t.feed('server', 2, Buffer.from('HTTP/1.1 200 OK\r\n\r\n'));
    expect(t.session.stopped('server')).toBe(true);
    const n = t.session.summary().problems.length;
    t.session.gap('server', 10);
    t.session.resync('server');
    expect(t.session.summary().problems).toHaveLength(n);
  });
  test('a gap at a record boundary loses the framing: resynchronising, handshake out of step until the CCS', () => {
    const t = make();
    t.feed('client', 1, hsRecord(CLIENT_HELLO, ch12()));
    t.feed('server', 2, hsRecord(SERVER_HELLO, sh12()));
    t.session.gap('server', 500);
    expect(t.session.inStep('server')).toBe(false);
    expect(t.session.summary().problems).toEqual(['server: gap of 500 bytes: resynchronising']);
    t.feed('server', 3, hsRecord(SERVER_HELLO_DONE, Buffer.alloc(0)), hsRecord(SERVER_HELLO_DONE, Buffer.alloc(0)));
    expect(t.session.inStep('server')).toBe(true);
    // Its flight ended with bytes lost: the certificate is unknown.
    expect(t.session.summary()).toMatchObject({ certificateBytes: null, certificateCount: null });
  });
  test('resync(): one problem, records read once a chain is found; the handshake lost before any CCS', () => {
    const t = make();
    t.feed('client', 1, hsRecord(CLIENT_HELLO, ch12()));
    t.feed('server', 2, hsRecord(SERVER_HELLO, sh12()));
    t.session.resync('server');
    t.session.resync('server');
    expect(t.session.summary().problems).toEqual(['server: bytes that do not start with a TLS record: looking for a chain of record headers']);
    t.feed('server', 3, Buffer.from([0x01, 0x02]), hsRecord(SERVER_HELLO_DONE, Buffer.alloc(0)), ccsRecord());
    // The chain is found at the ServerHelloDone's header; the handshake is out of step until the CCS.
    expect(t.messages.slice(2).map((m) => m.type)).toEqual(['ChangeCipherSpec']);
    expect(t.session.summary().problems[1]).toBe('server: resynchronised after skipping 2 bytes');
    expect(t.session.summary().certificateCount).toBeNull();
  });
  test('bytes lost inside a heartbeat record (RFC 6520) lose only that record: the handshake stays in step', () => {
    const t = make();
    t.feed('client', 1, hsRecord(CLIENT_HELLO, ch12()));
    const hb = record(HEARTBEAT, Buffer.alloc(40, 1));
    t.feed('server', 2, hsRecord(SERVER_HELLO, sh12()), hb.subarray(0, 10));
    t.session.gap('server', 20);
    t.feed('server', 3, hb.subarray(30), hsRecord(SERVER_HELLO_DONE, Buffer.alloc(0)));
    expect(t.messages.map((m) => m.type)).toEqual(['ClientHello', 'ServerHello', 'ServerHelloDone']);
    expect(t.session.summary()).toMatchObject({ certificateBytes: 0, certificateCount: 0, problems: ['server: 20 bytes lost inside a record of type 24'] });
  });
  test('a resync after the CCS does not make the certificate unknown', () => {
    const t = make();
    t.feed('client', 1, hsRecord(CLIENT_HELLO, ch12()));
    t.feed('server', 2, hsRecord(SERVER_HELLO, sh12()), hsRecord(SERVER_HELLO_DONE, Buffer.alloc(0)), ccsRecord());
    t.session.gap('server', 1000);
    expect(t.session.summary()).toMatchObject({ certificateBytes: 0, certificateCount: 0 });
  });
  test('inStep: after a record, not while scanning, not when stopped; done when both sides stopped', () => {
    const t = make();
    expect(t.session.inStep('client')).toBe(false);
    expect(t.session.done).toBe(false);
    t.feed('client', 1, hsRecord(CLIENT_HELLO, ch12()).subarray(0, 3));
    expect(t.session.inStep('client')).toBe(false); // no record header yet
    t.feed('client', 1, hsRecord(CLIENT_HELLO, ch12()).subarray(3, 30));
    expect(t.session.inStep('client')).toBe(true); // a record begun
    t.feed('server', 2, app(10));
    expect(t.session.inStep('server')).toBe(true);
    t.feed('server', 3, Buffer.from('garbage!'));
    expect(t.session.inStep('server')).toBe(false);
    expect(t.session.done).toBe(false);
    t.feed('client', 4, Buffer.alloc(500, 0xee));
    expect(t.session.stopped('client')).toBe(true);
    expect(t.session.done).toBe(true);
  });
  test('feeding nothing, or a stopped side, changes nothing', () => {
    const t = make();
    t.feed('client', 1, Buffer.alloc(0));
    expect(t.session.inStep('client')).toBe(false);
    t.feed('server', 2, Buffer.from('garbage!'));
    const before = t.session.summary().problems.length;
    t.feed('server', 3, app(10));
    expect(t.messages).toEqual([]);
    expect(t.session.summary().problems).toHaveLength(before);
  });
  test('bodies of application data (without keys) and heartbeats are never copied, only counted; an alert\'s is', () => {
    const held = (type: number) => {
      const t = make();
      t.feed('server', 1, record(type, Buffer.alloc(600, 2)).subarray(0, 400));
      return t.session.retained;
    };
    expect(held(APP)).toBe(0);
    expect(held(HEARTBEAT)).toBe(0);
    expect(held(ALERT)).toBe(400 - 5);
  });
  test('application data both ways without a handshake seen (mid-stream): not done, the records are still read', () => {
    const t = make();
    t.session.markMidstream();
    t.feed('client', 1, app(100));
    t.feed('server', 2, app(200));
    expect(t.messages.map((m) => m.type)).toEqual(['ApplicationData', 'ApplicationData']);
    expect(t.session.done).toBe(false);
    expect(t.session.summary().handshakeDone).toBeUndefined();
  });
  test('markMidstream sets summary.midstream', () => {
    const t = make();
    expect(t.session.summary().midstream).toBeUndefined();
    t.session.markMidstream();
    expect(t.session.summary().midstream).toBe(true);
  });
  test('retained: the bytes both sides hold for records and messages still incomplete, none after end()', () => {
    const m = handshake(CERTIFICATE, cert12(3000));
    const alone = (side: Side) => {
      const t = make();
      t.feed(side, 1, record(HS, m.subarray(0, 1000)), record(HS, m.subarray(1000, 2000)).subarray(0, 300));
      return t.session.retained;
    };
    const c = alone('client');
    expect(c).toBeGreaterThan(0);
    // The server holds a different amount, in both its readers: 700 bytes of the message in a whole record, 495 of the next record's body.
    const s = (() => {
      const t = make();
      t.feed('server', 1, record(HS, m.subarray(0, 700)), record(HS, m.subarray(700, 1700)).subarray(0, 500));
      return t.session.retained;
    })();
    expect(s).toBeGreaterThan(0);
    expect(s).not.toBe(c);
    const t = make();
    t.feed('client', 1, record(HS, m.subarray(0, 1000)), record(HS, m.subarray(1000, 2000)).subarray(0, 300));
    t.feed('server', 1, record(HS, m.subarray(0, 700)), record(HS, m.subarray(700, 1700)).subarray(0, 500));
    expect(t.session.retained).toBe(c + s);
    t.session.end();
    const u = make();
    u.feed('client', 1, record(HS, m.subarray(0, 1000)));
    expect(u.session.retained).toBeGreaterThan(0);
    u.session.end();
    expect(u.session.retained).toBe(0);
  });
});

// ------------------------------------------------------------------ key lookup

describe('key lookup (TlsSessionOptions.keys)', () => {
  const random = Buffer.alloc(32, 0x42);
  test('asked with the ClientHello\'s random, at the client\'s ClientHello only', () => {
    const asked: string[] = [];
    const t = make({ keys: (r) => (asked.push(r.toString('hex')), null) });
    t.feed('server', 1, hsRecord(CLIENT_HELLO, ch13([], Buffer.alloc(32, 0x11))));
    expect(asked).toEqual([]);
    t.feed('client', 2, hsRecord(CLIENT_HELLO, ch13([], random)));
    expect(asked).toEqual([random.toString('hex')]);
    // null: no key source at all, so no reason why not.
    expect(t.session.summary().notDecrypted).toBeUndefined();
    expect(t.session.decrypting).toBe(false);
  });
  test('undefined: the key log has no line for it (no-secrets), and it is not asked again', () => {
    let n = 0;
    const t = make({ keys: () => (n++, undefined) });
    t.feed('client', 1, hsRecord(CLIENT_HELLO, ch13([], random)));
    t.feed('client', 2, hsRecord(CLIENT_HELLO, ch13([], random)));
    expect(n).toBe(1);
    expect(t.session.summary().notDecrypted).toBe('no-secrets');
  });
  test('secrets: decrypting until a ServerHello whose suite cannot be decrypted (unsupported, one problem)', () => {
    const secrets: TlsSecrets = { clientRandom: random.toString('hex'), masterSecret: Buffer.alloc(48, 1) };
    let n = 0;
    const t = make({ keys: () => (n++, secrets) });
    t.feed('client', 1, hsRecord(CLIENT_HELLO, ch12({ random })));
    expect(t.session.decrypting).toBe(true);
    t.feed('client', 2, hsRecord(CLIENT_HELLO, ch12({ random })));
    expect(n).toBe(1);
    t.feed('server', 3, hsRecord(SERVER_HELLO, serverHello(extensions(), { suite: 0x002f })));
    expect(t.session.decrypting).toBe(false);
    const s = t.session.summary();
    expect(s.notDecrypted).toBe('unsupported');
    expect(s.problems).toHaveLength(1);
    expect(s.problems[0]).toMatch(/^not decrypted: .*0x002f/);
  });
  test('the unsupported problem too stays within the 20', () => {
    const secrets: TlsSecrets = { clientRandom: random.toString('hex'), masterSecret: Buffer.alloc(48, 1) };
    const t = make({ keys: () => secrets });
    for (let i = 0; i < 20; i++) t.feed('client', 1, hsRecord(CLIENT_HELLO, Buffer.alloc(10, 3)));
    t.feed('client', 2, hsRecord(CLIENT_HELLO, ch12({ random })));
    t.feed('server', 3, hsRecord(SERVER_HELLO, serverHello(extensions(), { suite: 0x002f })));
    expect(t.session.summary().notDecrypted).toBe('unsupported');
    expect(t.session.summary().problems).toHaveLength(20);
  });
  test('bytes lost while decrypting stop that side\'s decryption (failed), and say so to the plaintext feed', () => {
    const secrets: TlsSecrets = { clientRandom: random.toString('hex'), masterSecret: Buffer.alloc(48, 1) };
    const lost: Side[] = [];
    const t = make({ keys: () => secrets, plaintextLost: (side) => lost.push(side) });
    t.feed('client', 1, hsRecord(CLIENT_HELLO, ch12({ random })));
    t.feed('server', 2, hsRecord(SERVER_HELLO, sh12()));
    expect(t.session.decrypting).toBe(true);
    t.session.gap('server', 0);
    expect(lost).toEqual([]);
    expect(t.session.summary().problems).toEqual([]);
    t.session.gap('server', 30);
    t.session.gap('server', 30);
    expect(lost).toEqual(['server']);
    const s = t.session.summary();
    expect(s.notDecrypted).toBe('failed');
    expect(s.problems).toEqual([
      'server: decryption stopped: 30 bytes lost: later records cannot be decrypted',
      'server: gap of 30 bytes: resynchronising', // the second gap, while scanning, says nothing more
    ]);
  });
});

// ------------------------------------------------------------------ decrypted

describe('decrypted with the key log: every handshake message, alert and first data in tshark\'s frames (test/golden-keylog)', () => {
  const FIX = path.resolve('fixtures/keylog');
  /** Handshake message types (RFC 8446 4, RFC 5246 7.4) by the labels TlsMessage uses. */
  const TYPE: Partial<Record<string, number>> = {
    ClientHello: 1, ServerHello: 2, HelloRetryRequest: 2, NewSessionTicket: 4, EndOfEarlyData: 5, EncryptedExtensions: 8, Certificate: 11,
    ServerKeyExchange: 12, CertificateRequest: 13, ServerHelloDone: 14, CertificateVerify: 15, ClientKeyExchange: 16, Finished: 20, KeyUpdate: 24,
  };
  interface GoldSide {
    handshake: { type: number; frame: number }[];
    records: { type: number; frame: number }[];
    firstApplicationData: number | null;
    certificates: { frame: number; lengths: number[]; total: number }[];
  }
  const gold = (name: string) => JSON.parse(readFileSync(path.resolve(`test/golden-keylog/${name}.pcap.json`), 'utf8')) as {
    streams: { stream: number; sides: Record<Side, GoldSide> }[];
  };
  const keyText = (name: string) => readFileSync(path.join(FIX, `${name}.keys.log`), 'latin1');

  function session(stream: WalkedStream, keyLog: KeyLog, extra: TlsSessionOptions = {}) {
    const messages: TlsMessage[] = [];
    const plaintext: Record<Side, number[]> = { client: [], server: [] };
    const lost: Side[] = [];
    const s = new TlsSession({ message: (m) => messages.push(m) }, {
      keys: (r) => keyLog.lookup(r),
      plaintext: (side, _data, at) => plaintext[side].push(at.frame),
      plaintextLost: (side) => lost.push(side),
      ...extra,
    });
    for (const c of stream.chunks) s.feed(c.side, c.data, c.stamp);
    s.end();
    return { s, messages, plaintext, lost };
  }

  const NAMES = [
    'lo-tls13-full-keylog', 'lo-tls13-early-data-keylog', 'lo-tls13-early-data-chacha-keylog', 'lo-tls12-ecdhe-gcm-keylog',
    'lo-tls12-3suites-keylog', 'lo-tls13-3suites-keylog', 'lo-tls13-mtls-keylog', 'lo-tls13-hrr-keylog', 'lo-tls13-key-update-keylog',
    'lo-http1-keepalive-5req-keylog',
  ];
  test.each(NAMES)('%s', async (name) => {
    const keys = keyText(name);
    const { streams } = await walkCapture(path.join(FIX, `${name}.pcap`), keys);
    const keyLog = new KeyLog().add(keys, name);
    const g = gold(name);
    expect(streams.map((s) => s.stream)).toEqual(g.streams.map((s) => s.stream));
    for (const [i, stream] of streams.entries()) {
      const gs = g.streams[i];
      const { s, messages, plaintext, lost } = session(stream, keyLog);
      const sum = s.summary();
      if (stream.notDecrypted !== undefined) {
        // A suite src/tls/decrypt does not decrypt (AES-CBC): said once at the ServerHello, nothing decrypted.
        expect(stream.notDecrypted).toMatchObject({ reason: 'unsupported-suite' });
        expect(sum).toMatchObject({ notDecrypted: 'unsupported', problems: [`not decrypted: ${(stream.notDecrypted as { message: string }).message}`] });
        expect(sum.decrypted).toBeUndefined();
        expect(s.decrypting).toBe(false);
        continue;
      }
      expect(sum.decrypted).toBe(true);
      expect(sum.notDecrypted).toBeUndefined();
      // README (clientBursts): the key-less request estimate; records read with keys are not counted.
      expect(sum.clientBursts).toBeUndefined();
      expect(sum.problems).toEqual([]);
      expect(lost).toEqual([]);
      for (const side of ['client', 'server'] as const) {
        const gside = gs.sides[side];
        const mine = messages.filter((m) => m.from === side);
        // Every handshake message, in order, in the frame of its last byte; none inferred.
        expect(mine.filter((m) => TYPE[m.type] !== undefined).map((m) => `${TYPE[m.type]}@${m.last.frame}`))
          .toEqual(gside.handshake.map((h) => `${h.type}@${h.frame}`));
        expect(mine.filter((m) => m.inferred || m.type === 'EncryptedHandshake')).toEqual([]);
        // Alerts decrypted (no 'encrypted'), one per record of inner type 21.
        const alerts = sum.alerts.filter((a) => a.from === side);
        expect(alerts.map((a) => a.frame)).toEqual(gside.records.filter((r) => r.type === 21).map((r) => r.frame));
        expect(alerts.every((a) => a.name !== 'encrypted' && a.level !== undefined)).toBe(true);
        // The first application data (0-RTT included) and the plaintext feed's first frame.
        const first = mine.find((m) => m.type === 'ApplicationData');
        expect(first?.last.frame ?? null).toBe(gside.firstApplicationData);
        expect(first?.earlyData === true).toBe(side === 'client' && sum.earlyData);
        expect(plaintext[side][0] ?? null).toBe(gside.firstApplicationData);
        expect(plaintext[side]).toEqual(gside.records.filter((r) => r.type === 23).map((r) => r.frame));
        // One message for the first data each way, one for the first 0-RTT data.
        const fin = gside.handshake.find((h) => h.type === 20)!.frame;
        expect(mine.filter((m) => m.type === 'ApplicationData' && !m.earlyData)).toHaveLength(gside.records.some((r) => r.type === 23 && r.frame >= fin) ? 1 : 0);
        expect(mine.filter((m) => m.earlyData)).toHaveLength(gside.records.some((r) => r.type === 23 && r.frame < fin) ? 1 : 0);
      }
      const both = (['client', 'server'] as const).every((side) => messages.some((m) => m.from === side && m.type === 'ApplicationData' && !m.earlyData));
      expect(s.done).toBe(both);
      // The server's chain as tshark reads it; the handshake ends at the later Finished, read, not inferred.
      const certs = gs.sides.server.certificates;
      if (certs.length > 0) {
        expect(sum.certificateBytes).toBe(certs.reduce((a, c) => a + c.lengths.reduce((x, y) => x + y, 0), 0));
        expect(sum.certificateCount).toBe(certs.reduce((a, c) => a + c.lengths.length, 0));
      }
      const fin = (side: Side) => gs.sides[side].handshake.filter((h) => h.type === 20).map((h) => h.frame)[0];
      expect(sum.handshakeDone?.frame).toBe(Math.max(fin('client'), fin('server')));
      expect(sum.handshakeEndInferred).toBe(false);
      // 0-RTT: earlyData when the client's first application data came before its Finished.
      expect(sum.earlyData).toBe((gs.sides.client.firstApplicationData ?? Infinity) < fin('client'));
    }
  });

  test('TLS 1.2 decrypted: the first application data each way is the record it is without keys (frame and bytes)', async () => {
    const name = 'lo-tls12-ecdhe-gcm-keylog';
    const text = keyText(name);
    const { streams } = await walkCapture(path.join(FIX, `${name}.pcap`), text);
    const { messages } = session(streams[0], new KeyLog().add(text, name));
    const keyless: TlsMessage[] = [];
    const k = new TlsSession({ message: (m) => keyless.push(m) });
    for (const c of streams[0].chunks) k.feed(c.side, c.data, c.stamp);
    const data = (ms: TlsMessage[]) => views(ms.filter((m) => m.type === 'ApplicationData'));
    expect(data(messages)).toHaveLength(2);
    expect(data(messages)).toEqual(data(keyless));
  });
  test('two 0-RTT records decrypted: one early-data message, both to the plaintext feed', async () => {
    // lo-tls13-early-data-keylog's second connection sends one 0-RTT record; a second one is sealed after it under the
    // client's early traffic secret (RFC 8446 7.3 keys, 5.2-5.3: nonce = iv XOR sequence number, additional data = the
    // record header, inner plaintext = content + inner type), and its EndOfEarlyData re-sealed one sequence number on.
    const name = 'lo-tls13-early-data-keylog';
    const text = keyText(name);
    const { streams } = await walkCapture(path.join(FIX, `${name}.pcap`), text);
    const stream = streams[1];
    const gs = gold(name).streams[1];
    const client = Buffer.concat(stream.chunks.filter((c) => c.side === 'client').map((c) => c.data));
    const random = client.subarray(11, 43).toString('hex');
    const secret = Buffer.from(new RegExp(`^CLIENT_EARLY_TRAFFIC_SECRET ${random} ([0-9a-f]+)$`, 'm').exec(text)![1], 'hex');
    expect(secret.length).toBe(48); // TLS_AES_256_GCM_SHA384
    const { key, iv } = trafficKeys('sha384', secret, 32);
    const nonce = (seq: number) => {
      const n = Buffer.from(iv);
      n[11] ^= seq;
      return n;
    };
    const open = (rec: Buffer, seq: number) => {
      const d = createDecipheriv('aes-256-gcm', key, nonce(seq), { authTagLength: 16 });
      d.setAAD(rec.subarray(0, 5));
      d.setAuthTag(rec.subarray(rec.length - 16));
      return Buffer.concat([d.update(rec.subarray(5, rec.length - 16)), d.final()]);
    };
    const seal = (inner: Buffer, seq: number) => {
      const header = Buffer.from([APP, 3, 3, (inner.length + 16) >> 8, (inner.length + 16) & 0xff]);
      const c = createCipheriv('aes-256-gcm', key, nonce(seq), { authTagLength: 16 });
      c.setAAD(header);
      return Buffer.concat([header, c.update(inner), c.final(), c.getAuthTag()]);
    };
    // The client's records: the first two of type 23 are the 0-RTT data (sequence 0) and the EndOfEarlyData (1).
    const starts: number[] = [];
    for (let p = 0; p < client.length; p += 5 + client.readUInt16BE(p + 3)) if (client[p] === APP) starts.push(p);
    const [dataAt, eoedAt] = starts;
    const eoed = client.subarray(eoedAt, eoedAt + 5 + client.readUInt16BE(eoedAt + 3));
    const eoedInner = open(eoed, 1);
    expect([eoedInner[0], eoedInner[eoedInner.length - 1]]).toEqual([5, HS]); // EndOfEarlyData, inner type handshake
    const rebuilt = Buffer.from(client);
    seal(eoedInner, 2).copy(rebuilt, eoedAt);
    const extra = seal(Buffer.concat([Buffer.from('second 0-RTT record'), Buffer.from([APP])]), 1);
    const insertAt = dataAt + 5 + client.readUInt16BE(dataAt + 3);

    const messages: TlsMessage[] = [];
    const plain: string[] = [];
    const keyLog = new KeyLog().add(text, name);
    const s = new TlsSession({ message: (m) => messages.push(m) }, { keys: (r) => keyLog.lookup(r), plaintext: (side, _d, at) => plain.push(`${side}@${at.frame}`) });
    let pos = 0;
    let inserted = false;
    for (const c of stream.chunks) {
      if (c.side === 'server') {
        s.feed('server', c.data, c.stamp);
        continue;
      }
      const end = pos + c.data.length;
      if (!inserted && pos <= insertAt && insertAt <= end) {
        // In the frame that ended the first 0-RTT record.
        inserted = true;
        s.feed('client', rebuilt.subarray(pos, insertAt), c.stamp);
        s.feed('client', extra, c.stamp);
        s.feed('client', rebuilt.subarray(insertAt, end), c.stamp);
      } else {
        s.feed('client', rebuilt.subarray(pos, end), c.stamp);
      }
      pos = end;
    }
    s.end();
    expect(s.summary()).toMatchObject({ problems: [], decrypted: true, earlyData: true });
    const early = messages.filter((m) => m.earlyData);
    const frame = gs.sides.client.firstApplicationData;
    expect(views(early)).toEqual([`client ApplicationData@${frame}/${5 + client.readUInt16BE(dataAt + 3)} early`]);
    expect(plain.filter((p) => p.startsWith('client'))).toEqual([`client@${frame}`, `client@${frame}`]);
    expect(messages.filter((m) => m.from === 'client' && TYPE[m.type] !== undefined).map((m) => `${TYPE[m.type]}@${m.last.frame}`))
      .toEqual(gs.sides.client.handshake.map((h) => `${h.type}@${h.frame}`));
  });

  test('a wrong server handshake secret: the server\'s first encrypted record fails, one problem, then read as without keys', async () => {
    const name = 'lo-tls13-full-keylog';
    const text = keyText(name).replace(/^(SERVER_HANDSHAKE_TRAFFIC_SECRET [0-9a-f]+ [0-9a-f]*)([0-9a-f])$/m, (_m, head: string, last: string) => head + (last === '0' ? '1' : '0'));
    const { streams } = await walkCapture(path.join(FIX, `${name}.pcap`), text);
    const g = gold(name).streams[0];
    const { s, messages, lost } = session(streams[0], new KeyLog().add(text, name));
    const ee = g.sides.server.handshake.find((h) => h.type === 8)!.frame;
    const sum = s.summary();
    expect(sum.notDecrypted).toBe('failed');
    expect(lost).toEqual(['server']);
    expect(sum.problems).toHaveLength(1);
    expect(sum.problems[0]).toMatch(new RegExp(`^server: decryption stopped: record in frame ${ee} not decrypted \\(authentication\\): `));
    // The failed record and the server's later ones are read as on the wire: the server's messages are those of a session without keys.
    const keyless: TlsMessage[] = [];
    const k = new TlsSession({ message: (m) => keyless.push(m) });
    for (const c of streams[0].chunks) k.feed(c.side, c.data, c.stamp);
    k.end();
    expect(views(messages.filter((m) => m.from === 'server'))).toEqual(views(keyless.filter((m) => m.from === 'server')));
    expect(messages.some((m) => m.from === 'server' && m.type === 'EncryptedHandshake' && m.inferred && m.last.frame === ee)).toBe(true);
    // The client's keys were right: its Finished is read in tshark's frame.
    const cfin = g.sides.client.handshake.find((h) => h.type === 20)!.frame;
    expect(messages.filter((m) => m.from === 'client' && m.type === 'Finished').map((m) => `${m.last.frame}${m.inferred ? ' inferred' : ''}`)).toEqual([`${cfin}`]);
  });
});

describe('TLS 1.2 decrypted: every record after the CCS is protected (RFC 5246 6.2.3), heartbeats too (RFC 6520 3)', () => {
  /**
   * Seals a TLS 1.2 AES-128-GCM record (RFC 5288 3, RFC 5246 6.2.3.3): key block = PRF(master, "key expansion",
   * server_random + client_random) = client_write_key(16) server_write_key(16) client_write_IV(4) server_write_IV(4);
   * nonce = the side's 4-byte salt + an 8-byte explicit nonce sent first in the body; additional data = seq_num(8)
   * type(1) version(2) plaintext length(2); the body is explicit nonce, ciphertext, 16-byte tag.
   */
  function seal(master: Buffer, clientRandom: Buffer, serverRandom: Buffer, side: Side, seq: number, type: number, plain: Buffer): Buffer {
    const kb = tls12Prf('sha256', master, 'key expansion', Buffer.concat([serverRandom, clientRandom]), 40);
    const key = side === 'client' ? kb.subarray(0, 16) : kb.subarray(16, 32);
    const salt = side === 'client' ? kb.subarray(32, 36) : kb.subarray(36, 40);
    const explicit = Buffer.alloc(8);
    explicit.writeBigUInt64BE(BigInt(seq) + 1000n);
    const aad = Buffer.alloc(13);
    aad.writeBigUInt64BE(BigInt(seq));
    aad[8] = type;
    aad.writeUInt16BE(0x0303, 9);
    aad.writeUInt16BE(plain.length, 11);
    const c = createCipheriv('aes-128-gcm', key, Buffer.concat([salt, explicit]), { authTagLength: 16 });
    c.setAAD(aad);
    const ct = Buffer.concat([c.update(plain), c.final()]);
    return record(type, Buffer.concat([explicit, ct, c.getAuthTag()]));
  }

  test('a heartbeat after the client\'s data is decrypted in turn, and the data after it still is', async () => {
    const name = 'lo-tls12-ecdhe-gcm-keylog';
    const FIX = path.resolve('fixtures/keylog');
    const text = readFileSync(path.join(FIX, `${name}.keys.log`), 'latin1');
    const { streams } = await walkCapture(path.join(FIX, `${name}.pcap`), text);
    const chunks = streams[0].chunks;
    const first = (side: Side) => Buffer.concat(chunks.filter((c) => c.side === side).map((c) => c.data));
    // RFC 5246 7.4.1.2: the random follows the record header (5), the handshake header (4) and client_version (2).
    const clientRandom = first('client').subarray(11, 43);
    const serverRandom = first('server').subarray(11, 43);
    expect(first('server').readUInt16BE(11 + 32 + 1 + first('server')[43])).toBe(0xc02f); // TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
    const master = Buffer.from(new RegExp(`^CLIENT_RANDOM ${clientRandom.toString('hex')} ([0-9a-f]+)$`, 'm').exec(text)![1], 'hex');
    // The client protected 3 records (Finished, data, close_notify: tshark's records after its CCS): sequence numbers 0-2.
    const heartbeat = Buffer.concat([Buffer.from([1]), u16(3), Buffer.from('abc'), Buffer.alloc(16, 0x50)]); // request, payload, padding
    const extra = Buffer.concat([seal(master, clientRandom, serverRandom, 'client', 3, HEARTBEAT, heartbeat), seal(master, clientRandom, serverRandom, 'client', 4, APP, Buffer.from('GET / HTTP/1.1\r\n\r\n'))]);
    const plain: string[] = [];
    const messages: TlsMessage[] = [];
    const keyLog = new KeyLog().add(text, name);
    const s = new TlsSession({ message: (m) => messages.push(m) }, { keys: (r) => keyLog.lookup(r), plaintext: (side, d, at) => plain.push(`${side}@${at.frame} ${d.toString('latin1')}`) });
    for (const c of chunks) s.feed(c.side, c.data, c.stamp);
    s.feed('client', extra, st(100));
    expect(s.summary().problems).toEqual([]);
    expect(s.summary().notDecrypted).toBeUndefined();
    expect(plain[plain.length - 1]).toBe('client@100 GET / HTTP/1.1\r\n\r\n');
  });
});
