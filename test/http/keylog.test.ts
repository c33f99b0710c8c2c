/**
 * The request tracker on decrypted TLS: each key-log fixture is decrypted by
 * src/tls/decrypt (through test/keylog/walker.ts), its application data fed to
 * the tracker, and the requests compared with the tshark goldens of
 * test/golden-keylog (tshark with the same key log):
 * - `http`: http.request / http.response frames (where the message completes)
 *   → requestEndFrame / responseEndFrame, with method, status and request_in;
 * - `http2Headers`: every HEADERS frame; the client's open the streams
 *   (→ requestEndFrame, stream, :method), the server's first on each stream is
 *   the response (→ responseEndFrame, :status).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { estimate, keylogConnections, run, type FedConnection } from './feed.js';

const FIX = path.resolve(process.cwd(), 'fixtures/keylog');
const GOLD = path.resolve(process.cwd(), 'test/golden-keylog');

interface GoldSide {
  http: { frame: number; method?: string; status?: number; requestIn?: number }[];
  http2Headers: { frame: number; stream: number; method?: string; status?: number }[];
}
interface Gold {
  capture: string;
  keylog: string | null;
  streams: { stream: number; sides: { client: GoldSide; server: GoldSide } }[];
}

const golds: Gold[] = readdirSync(GOLD)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(path.join(GOLD, f), 'utf8')) as Gold);

describe.each(golds.map((g) => [g.capture, g] as const))('%s', (_name, gold) => {
  let conns: FedConnection[];
  beforeAll(async () => {
    conns = await keylogConnections(path.join(FIX, gold.capture), gold.keylog === null ? null : path.join(FIX, gold.keylog));
  });

  test('the capture decrypts to application data on every stream we can decrypt', () => {
    expect(conns.map((c) => c.index)).toEqual(gold.streams.map((s) => s.stream));
    for (const c of conns) expect(c.events.length > 0).toBe(c.notDecrypted === undefined);
  });

  test('requests and responses as tshark', () => {
    for (const s of gold.streams) {
      const c = conns.find((x) => x.index === s.stream)!;
      // ECDHE-RSA-AES128-SHA256 (CBC) is not decrypted by src/tls/decrypt; tshark decrypts it.
      if (c.notDecrypted !== undefined) continue;
      const t = run(c);
      const reqs = t.requests();
      const { client, server } = s.sides;
      if (client.http2Headers.length > 0) {
        expect(t.summary().protocol).toBe('h2');
        // The server's first HEADERS on each stream is its response.
        const firstOn = new Map<number, GoldSide['http2Headers'][number]>();
        for (const h of server.http2Headers) if (!firstOn.has(h.stream)) firstOn.set(h.stream, h);
        const want = client.http2Headers.map((h) => ({
          stream: h.stream,
          requestEndFrame: h.frame,
          method: h.method,
          responseEndFrame: firstOn.get(h.stream)?.frame ?? null,
          status: firstOn.get(h.stream)?.status,
        }));
        expect(reqs.map((r) => ({ stream: r.stream, requestEndFrame: r.requestEndFrame, method: r.method, responseEndFrame: r.responseEndFrame, status: r.status }))).toEqual(want);
      } else {
        const want = client.http.map((h) => {
          const resp = server.http.find((x) => x.requestIn === h.frame);
          return { requestEndFrame: h.frame, method: h.method, responseEndFrame: resp?.frame ?? null, status: resp?.status };
        });
        expect(reqs.map((r) => ({ requestEndFrame: r.requestEndFrame, method: r.method, responseEndFrame: r.responseEndFrame, status: r.status }))).toEqual(want);
        // What the client says is not HTTP (s_client lines) is no request, and is not a problem.
        if (want.length === 0) expect(t.summary()).toMatchObject({ protocol: 'none', problemCount: 0 });
      }
      expect(t.summary().problems).toEqual([]);
    }
  });

  test('the first byte comes no later than completion, requests before their responses', () => {
    for (const c of conns) {
      for (const r of run(c).requests()) {
        expect(r.requestFrame).toBeLessThanOrEqual(r.requestEndFrame!);
        if (r.responseFrame !== null) {
          expect(r.requestFrame).toBeLessThan(r.responseFrame);
          expect(r.responseFrame).toBeLessThanOrEqual(r.responseEndFrame!);
          expect(r.responseTime!).toBeGreaterThanOrEqual(r.requestTime);
        }
      }
    }
  });

  test('estimate from application-data bursts vs exact count (see the per-fixture expectation)', () => {
    for (const s of gold.streams) {
      const c = conns.find((x) => x.index === s.stream)!;
      const exact = run(c).summary();
      const est = estimate(c);
      if (exact.protocol === 'http/1') {
        // One request per client burst: exact on HTTP/1 without pipelining.
        expect(est.count).toBe(exact.requestCount);
      } else if (exact.protocol === 'h2') {
        // HTTP/2 control frames (SETTINGS, its ACK, WINDOW_UPDATE) form bursts of their own
        // and requests may be multiplexed: the estimate is not the request count.
        expect(est.count).not.toBe(exact.requestCount);
      }
    }
  });
});
