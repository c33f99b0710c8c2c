/**
 * Findings of QUIC connections (src/findings/quic.ts, wired in analyze.ts),
 * through the real pipeline, on every QUIC capture. The expected findings come
 * from tshark's dissection of the same file (test/golden-quic/<file>.json):
 * - connect-timeout: tshark shows no server packet for the connection and the
 *   client's CONNECTION_CLOSE (the browser gave up) — frame of that close;
 * - handshake-failed: a CONNECTION_CLOSE from the server (in its Initial) —
 *   its frame, and the error code named (0x128 = CRYPTO_ERROR + TLS alert 40);
 * - quic-retry / version-negotiation: the server's Retry / Version
 *   Negotiation frame, cost = its time after the connection's first frame;
 * - retry: a QUIC attempt to the same server after a failed one (quic-handshake-failed-twice.pcap).
 * No other QUIC finding at the default thresholds: no handshake here reaches 300 ms.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { analyzeFile } from '../../src/analyze.js';
import { handshakeFailures } from '../../src/report/findings.js';
import type { FindingOptions } from '../../src/findings/types.js';
import type { ConnectionRecord } from '../../src/timeline/types.js';
import { EXTRA_QUIC_FIXTURES, QUIC_FIXTURES, quicFixturePath } from './run.js';

interface GConn {
  number: number;
  server: { ip: string; port: number };
  firstFrame: number;
  lastFrame: number;
  first: { client: Record<string, number>; server: Record<string, number> };
  close: { frame: number; from: 'client' | 'server'; errorCode: number | null } | null;
}
interface G {
  frames: { frame: number; time: string; conn: number | null }[];
  connections: GConn[];
}
const GOLDEN = path.resolve(process.cwd(), 'test/golden-quic');
const FILES = [...readdirSync(QUIC_FIXTURES).filter((f) => f.endsWith('.pcap')).sort(), ...EXTRA_QUIC_FIXTURES];
const golden = (f: string): G => JSON.parse(readFileSync(path.join(GOLDEN, `${f}.json`), 'utf8')) as G;

async function quic(file: string, findings: Partial<FindingOptions> = {}): Promise<ConnectionRecord[]> {
  const a = await analyzeFile(quicFixturePath(file), { findings });
  return a.connections.filter((c) => c.transport === 'quic');
}

const codes = (r: ConnectionRecord) => r.findings.map((f) => [f.code, f.frame]);

describe.each(FILES)('%s', (file) => {
  test('QUIC findings as tshark\'s dissection shows them', async () => {
    const g = golden(file);
    const time = (frame: number) => Number(g.frames.find((f) => f.frame === frame)!.time);
    const recs = await quic(file);
    const failedEnd = new Map<string, number>();
    for (const r of [...recs].sort((a, b) => a.firstFrame - b.firstFrame)) {
      const c = g.connections.find((x) => x.firstFrame === r.firstFrame)!;
      expect(c).toBeDefined();
      const expected: [string, number][] = [];
      const answered = Object.keys(c.first.server).length > 0;
      const dest = `${c.server.ip}|${c.server.port}`;
      const prevEnd = failedEnd.get(dest);
      if (prevEnd !== undefined && time(c.firstFrame) >= prevEnd) expected.push(['retry', c.firstFrame]);
      if (!answered && c.close?.from === 'client') expected.push(['connect-timeout', c.close.frame]);
      if (answered && c.close?.from === 'server') expected.push(['handshake-failed', c.close.frame]);
      if (c.first.server.VersionNegotiation !== undefined) expected.push(['version-negotiation', c.first.server.VersionNegotiation]);
      if (c.first.server.Retry !== undefined) expected.push(['quic-retry', c.first.server.Retry]);
      expected.sort((a, b) => a[1] - b[1]);
      expect([r.id, codes(r)]).toEqual([r.id, expected]);
      const failed = expected.some(([code]) => code === 'connect-timeout' || code === 'handshake-failed');
      if (failed) failedEnd.set(dest, time(g.frames.filter((f) => f.conn === c.number).at(-1)!.frame));
      for (const f of r.findings) {
        if (f.code === 'quic-retry' || f.code === 'version-negotiation') {
          expect(f.costMs).toBeCloseTo((time(f.frame) - time(c.firstFrame)) * 1000, 3);
        }
        if (f.code === 'handshake-failed') {
          expect(f.detail).toContain(`error 0x${c.close!.errorCode!.toString(16)}`);
          // 0x100 + 40: TLS alert handshake_failure (RFC 9001 §4.8; RFC 8446 §6).
          if (c.close!.errorCode === 0x128) expect(f.detail).toContain('TLS alert handshake_failure');
        }
      }
    }
  });
});

test('retry: the second attempt of quic-handshake-failed-twice.pcap names the first and the interval between their first Initials', async () => {
  const g = golden('quic-handshake-failed-twice.pcap');
  const time = (frame: number) => Number(g.frames.find((f) => f.frame === frame)!.time);
  const [a, b] = g.connections;
  const recs = await quic('quic-handshake-failed-twice.pcap');
  const retry = recs[1].findings.find((f) => f.code === 'retry')!;
  expect(retry.detail).toBe(`attempt 2, ${Math.round((time(b.firstFrame) - time(a.firstFrame)) * 1000)} ms after attempt 1 (connection 0)`);
  expect(retry.costMs).toBeCloseTo((time(b.firstFrame) - time(a.firstFrame)) * 1000, 3);
});

test('slow-handshake is a threshold: quic-one-request.pcap\'s 25 ms handshake is slow at 10 ms, not at the default 300 ms', async () => {
  const g = golden('quic-one-request.pcap');
  const time = (frame: number) => Number(g.frames.find((f) => f.frame === frame)!.time);
  expect((await quic('quic-one-request.pcap'))[0].findings).toEqual([]);
  const r = (await quic('quic-one-request.pcap', { slowHandshakeMs: 10 }))[0];
  // tshark: ClientHello 1, ServerHello 2; the client's first 1-RTT after the server's Handshake is frame 4.
  const c = g.connections[0];
  expect([c.first.client['1-RTT'], c.first.server.Handshake]).toEqual([4, 2]);
  const total = (time(4) - time(1)) * 1000;
  expect(r.findings.map((f) => [f.code, f.frame])).toEqual([['slow-handshake', 4]]);
  expect(r.findings[0].costMs).toBeCloseTo(total, 3);
  const fmt = (v: number) => (v < 10 ? `${v.toFixed(1)} ms` : `${Math.round(v)} ms`);
  expect(r.findings[0].detail).toBe(
    `handshake ${fmt(total)} (end inferred: no keys): the server's ServerHello came ${fmt((time(2) - time(1)) * 1000)} after the ClientHello, the client finished ${fmt((time(4) - time(2)) * 1000)} after it`,
  );
});

test('a teardown by CONNECTION_CLOSE in the last frame takes 0 ms (stamps kept, not rebuilt from float seconds)', async () => {
  for (const r of await quic('quic-handshake-failed-twice.pcap')) expect(r.teardown).toEqual({ initiator: 'server', by: 'CONNECTION_CLOSE', ms: 0, idleBeforeSec: null });
});

test("the report's reason for a failed QUIC handshake is the TLS alert in the server's CONNECTION_CLOSE, not 'no answer'", async () => {
  const g = golden('quic-handshake-failed-twice.pcap');
  // tshark: quic.cc.error_code 296 = 0x100 + 40, and TLS alert 40 is handshake_failure (RFC 8446 §6).
  expect(g.connections.map((c) => c.close?.errorCode)).toEqual([296, 296]);
  expect(handshakeFailures(await quic('quic-handshake-failed-twice.pcap'))).toEqual([{ reason: 'handshake_failure', count: 2 }]);
});
