/**
 * The text report's destinations (src/report/digest.ts): computed one
 * destination at a time from one table, keeping only the top of the table, they
 * equal the whole computation (destinations() joined with simulatePool()), cut
 * to the top, with the counts and pool totals over every destination; and what
 * is kept does not grow with the destinations.
 */
import { fileURLToPath } from 'node:url';
import { analyzeFile } from '../../src/analyze.js';
import { destinations, simulatePool } from '../../src/report/index.js';
import { destinationDigest } from '../../src/report/digest.js';
import type { ConnectionRecord } from '../../src/timeline/types.js';
import type { PoolOptions } from '../../src/report/types.js';

const fx = (name: string): string => fileURLToPath(new URL(`../../fixtures/${name}`, import.meta.url));

/** `times` copies of the connections, each copy to addresses of its own without SNI. */
function copies(conns: readonly ConnectionRecord[], times: number): ConnectionRecord[] {
  const ipIndex = new Map<string, number>();
  const out: ConnectionRecord[] = [];
  for (let k = 0; k < times; k++) {
    for (const c of conns) {
      if (!ipIndex.has(c.server.ip)) ipIndex.set(c.server.ip, ipIndex.size);
      const ip = `10.${k >> 8}.${k & 255}.${ipIndex.get(c.server.ip)!}`;
      out.push({ ...c, id: c.id + k * 1000, server: { ...c.server, ip }, tls: c.tls && { ...c.tls, sni: null } });
    }
  }
  return out;
}

describe('destination digest against the whole computation', () => {
  const cases: [string, number, Partial<PoolOptions>][] = [
    // 13 destinations, TCP and QUIC to the same host; will-not-help, reasons of four kinds.
    ['quic/mercury-chrome-quic-unanswered-tcp-tls-same-host.pcap', 1, {}],
    // Verdict 'pool' (the most helped are named), and the same with a pool of one.
    ['demo-loopback-mix.pcapng', 1, {}],
    ['demo-loopback-mix.pcapng', 1, { maxSize: 1, idleTimeoutSec: 0.5 }],
    // QUIC and TCP+TLS to the same names (a destination simulated on its TCP connections only).
    ['quic/quic-tcp-tls-same-name.pcap', 1, {}],
    // QUIC only: nothing simulated.
    ['quic/quic-resume-0rtt.pcap', 1, {}],
    // 300 copies: 1,200 destinations, 300+ of them helped, more than the kept lists hold.
    ['demo-loopback-mix.pcapng', 300, {}],
  ];
  test.each(cases)('%s ×%d %j', async (file, times, poolOptions) => {
    const a = await analyzeFile(fx(file));
    const conns = times === 1 ? a.connections : copies(a.connections, times);
    const dests = destinations(conns);
    const pool = simulatePool(conns, poolOptions);
    const poolByKey = new Map(pool.destinations.map((p) => [p.key, p]));
    for (const top of [0, 1, 3, 50, Infinity]) {
      const d = destinationDigest(conns, { top, poolOptions });
      expect(d.count).toBe(dests.length);
      expect(d.rows).toStrictEqual(dests.slice(0, top).map((s) => ({ stats: s, pool: poolByKey.get(s.key) ?? null })));
      const quic = dests.filter((s) => s.setupByTransport.quic !== null);
      expect(d.quicCount).toBe(quic.length);
      expect(d.quicRows).toStrictEqual(quic.slice(0, top));
      expect(d.quicKeyMax).toBe(Math.max(0, ...quic.map((s) => s.key.length)));
      expect(d.simulated).toBe(pool.destinations.length);
      expect(d.pool.total).toStrictEqual(pool.total);
      expect(d.pool.quic).toStrictEqual(pool.quic);
      expect(d.pool.options).toStrictEqual(pool.options);
      expect(d.pool.destinations).toStrictEqual(pool.destinations.slice(0, top));
      // The pool's rows with each destination's figures over all its connections (`pool`'s table).
      const statsByKey = new Map(dests.map((s) => [s.key, s]));
      expect(d.poolRows).toStrictEqual(pool.destinations.slice(0, top).map((p) => ({ pool: p, stats: statsByKey.get(p.key)! })));
      expect(d.poolSetupTotalMs).toBeCloseTo(pool.destinations.reduce((n, p) => n + statsByKey.get(p.key)!.setupMs.total, 0), 6);
    }
    if (times > 1) {
      // The case is what it says: more helped destinations than the verdict names, and named ones.
      expect(pool.destinations.filter((p) => p.verdict === 'pool').length).toBeGreaterThan(64);
      expect(pool.total.reason).toMatch(/most for .+\(.+\), .+\(.+\), .+\(.+\)\./);
    }
  });
});
