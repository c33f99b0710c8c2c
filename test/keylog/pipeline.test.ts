/**
 * The key log through the real pipeline (analyzeFile, as the CLI runs it):
 * every keylog fixture analysed with its key log (the DSB capture with none:
 * its keys are inside), compared field by field with tshark's dissection of
 * the same capture with the same keys (test/golden-keylog/, written by
 * scripts/make-keylog-golden.mjs): every handshake message's frame each way,
 * the server's certificate chain (DER lengths and count), the first
 * application data each way, and the HTTP request/response frames.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { analyzeFile } from '../../src/analyze.js';
import { KeyLog } from '../../src/tls/keylog.js';
import type { ConnectionRecord, EventType } from '../../src/timeline/types.js';
import { tsharkRows } from '../http/feed.js';

const FIX = path.resolve('fixtures/keylog');
const GOLD = path.resolve('test/golden-keylog');

interface GoldSide {
  handshake: { type: number; frame: number }[];
  records: { type: number; frame: number }[];
  firstApplicationData: number | null;
  certificates: { frame: number; lengths: number[]; total: number }[];
  http: { frame: number; method?: string; status?: number; requestIn?: number }[];
  http2Headers: { frame: number; stream: number; method?: string; status?: number }[];
}
interface Gold {
  capture: string;
  keylog: string | null;
  dsb: boolean;
  streams: { stream: number; client: { ip: string; port: number }; server: { ip: string; port: number }; sides: { client: GoldSide; server: GoldSide } }[];
}

const goldens: Gold[] = readdirSync(GOLD)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(path.join(GOLD, f), 'utf8')) as Gold);

const SIDES = ['client', 'server'] as const;

/** Handshake message type numbers (RFC 8446 4, RFC 5246 7.4) of our event names. */
const HS_TYPE: Partial<Record<EventType, number>> = {
  ClientHello: 1,
  ServerHello: 2,
  HelloRetryRequest: 2,
  NewSessionTicket: 4,
  EndOfEarlyData: 5,
  EncryptedExtensions: 8,
  Certificate: 11,
  ServerKeyExchange: 12,
  CertificateRequest: 13,
  ServerHelloDone: 14,
  CertificateVerify: 15,
  ClientKeyExchange: 16,
  Finished: 20,
};
const OUR_TYPES = new Set(Object.values(HS_TYPE));

/** A CBC suite: reported as not decrypted (the issue allows it). */
const cbc = (c: ConnectionRecord): boolean => /_CBC_/.test(c.tls?.cipherName ?? '');

async function analyse(g: Gold): Promise<ConnectionRecord[]> {
  const keyLog = g.keylog !== null ? new KeyLog().add(readFileSync(path.join(FIX, g.keylog)), g.keylog) : undefined;
  const a = await analyzeFile(path.join(FIX, g.capture), keyLog ? { keyLog } : {});
  return a.connections;
}

describe.each(goldens.map((g) => [g.capture, g] as const))('%s through analyzeFile', (_name, g) => {
  let conns: ConnectionRecord[];
  beforeAll(async () => {
    conns = await analyse(g);
  });

  const conn = (s: Gold['streams'][number]): ConnectionRecord => {
    const c = conns.find((x) => x.client.port === s.client.port && x.server.port === s.server.port);
    if (c === undefined) throw new Error(`no connection for client port ${s.client.port}`);
    return c;
  };

  it.each(g.streams.map((s) => [s.stream, s] as const))('stream %s: decrypted, every handshake message at tshark\'s frame each way', (_i, s) => {
    const c = conn(s);
    if (cbc(c)) {
      // CBC suites are reported, not decrypted: TLS 1.2's cleartext handshake and the record after each
      // ChangeCipherSpec (the Finished) are where tshark has them all the same.
      expect(c.tls?.decrypted).toBe(false);
      expect(c.tls?.notDecrypted).toBe('unsupported');
      expect(c.problems.some((p) => /not decrypted: cipher suite 0x[0-9a-f]+ .*CBC/.test(p))).toBe(true);
    } else {
      expect(c.tls?.decrypted).toBe(true);
      expect(c.tls?.notDecrypted).toBeNull();
    }
    expect(c.tls?.handshakeEndInferred).toBe(false);
    for (const side of SIDES) {
      // KeyUpdate (24) is not an event of the timeline.
      const want = s.sides[side].handshake.filter((m) => OUR_TYPES.has(m.type));
      const got = c.events
        .filter((e) => e.from === side && HS_TYPE[e.type] !== undefined)
        .map((e) => ({ type: HS_TYPE[e.type]!, frame: e.frame }));
      expect({ side, messages: got }).toEqual({ side, messages: want });
      expect(c.events.filter((e) => e.from === side && e.inferred)).toEqual([]);
    }
  });

  it.each(g.streams.map((s) => [s.stream, s] as const))('stream %s: certificate chain and first application data', (_i, s) => {
    const c = conn(s);
    const certs = s.sides.server.certificates;
    const lengths = certs.flatMap((x) => x.lengths);
    expect(c.tls?.certificateCount).toBe(lengths.length);
    expect(c.tls?.certificateBytes).toBe(lengths.reduce((a, b) => a + b, 0));
    for (const side of SIDES) {
      const first = c.events.find((e) => e.from === side && e.type === 'ApplicationData');
      expect({ side, frame: first?.frame ?? null }).toEqual({ side, frame: s.sides[side].firstApplicationData });
    }
  });

  it.each(g.streams.map((s) => [s.stream, s] as const))('stream %s: requests at tshark\'s http frames', (_i, s) => {
    const c = conn(s);
    const h1req = s.sides.client.http;
    const h1res = s.sides.server.http;
    const h2req = s.sides.client.http2Headers;
    const h2res = s.sides.server.http2Headers;
    if (h1req.length + h2req.length === 0) {
      // Not HTTP (the fixture's server echoes or writes no requests tshark names).
      expect(c.httpProtocol).toBeNull();
      return;
    }
    if (cbc(c)) {
      // No plaintext: the estimate from record bursts, labelled so. One request per burst here,
      // so its first frames are tshark's request and response frames.
      expect(c.requestsEstimated).toBe(true);
      expect(c.httpProtocol).toBeNull();
      expect(c.requests.map((r) => [r.requestFrame, r.responseFrame])).toEqual(h1req.map((h, i) => [h.frame, h1res[i]!.frame]));
      return;
    }
    expect(c.requestsEstimated).toBe(false);
    if (h1req.length > 0) {
      expect(c.httpProtocol).toBe('http/1');
      expect(c.requests.map((r) => ({ frame: r.requestEndFrame, method: r.method }))).toEqual(h1req.map((h) => ({ frame: h.frame, method: h.method })));
      expect(c.requests.map((r) => ({ frame: r.responseEndFrame, status: r.status }))).toEqual(h1res.map((h) => ({ frame: h.frame, status: h.status })));
    } else {
      expect(c.httpProtocol).toBe('h2');
      expect(c.requests.map((r) => ({ frame: r.requestEndFrame, stream: r.stream, method: r.method }))).toEqual(
        h2req.map((h) => ({ frame: h.frame, stream: h.stream, method: h.method })),
      );
      expect(c.requests.map((r) => ({ frame: r.responseEndFrame, stream: r.stream, status: r.status }))).toEqual(
        h2res.map((h) => ({ frame: h.frame, stream: h.stream, status: h.status })),
      );
    }
    for (const r of c.requests) {
      // Derived from the same frames' times, never from our own constants.
      expect(r.ttfbMs).toBeCloseTo((r.responseTime! - r.requestTime) * 1000, 6);
    }
    expect(c.setupMsPerRequest).toBeCloseTo(c.setup.ms! / c.requests.length, 6);
  });
});

describe('ALPN from the decrypted EncryptedExtensions (TLS 1.3 moved it out of the ServerHello)', () => {
  const tls13 = goldens.filter((g) => g.keylog !== null && /tls13|http/.test(g.capture));
  it.each(tls13.map((g) => [g.capture, g] as const))('%s: the selected protocol per connection, as tshark reads it with the keys', async (_n, g) => {
    const conns = await analyse(g);
    const rows = tsharkRows(path.join(FIX, g.capture), 'tls.handshake.type == 8', ['tcp.stream', 'tls.handshake.extensions_alpn_str'], [
      '-o',
      `tls.keylog_file:${path.join(FIX, g.keylog!)}`,
    ]);
    const want = new Map(rows.map(([s, a]) => [Number(s![0]), a![0] ?? null]));
    expect(want.size).toBeGreaterThan(0);
    for (const [stream, alpn] of want) expect({ stream, alpn: conns.find((c) => c.id === stream)?.tls?.alpn }).toEqual({ stream, alpn });
  });
});
