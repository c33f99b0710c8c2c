/**
 * Destinations and the keep-alive pool for a report that shows the top of its
 * table (the text report): every destination is computed and simulated, one at
 * a time, from one DestinationTable, and only the first `top` rows are kept,
 * with the counts and totals over all of them. Same figures as destinations()
 * and simulatePool(), without a DestinationStats and a simulated destination
 * (~1.7 KB together) held per destination: a scan of a million addresses.
 */
import type { ConnRow } from './rows.js';
import { DestinationTable, byTotalThenKey, destinationStats, IDLE_CLOSE_MIN_SEC } from './destinations.js';
import { PoolBuilder } from './pool.js';
import { FirstN } from './top.js';
import { quicReuse } from './quic-pool.js';
import { captureRttMs } from './rates.js';
import type { DestinationPool, DestinationStats, PoolOptions, PoolReport } from './types.js';

export interface DestinationDigestRow {
  stats: DestinationStats;
  /** The destination's simulated pool; null when it has no TCP connection. */
  pool: DestinationPool | null;
}

export interface DestinationDigest {
  /** Destinations in all. */
  count: number;
  /** The first `top`, by total setup ms (largest first), then key: destinations()'s order. */
  rows: DestinationDigestRow[];
  /** Destinations with QUIC connections in all, and the first `top` of them in the same order. */
  quicCount: number;
  quicRows: DestinationStats[];
  /** The longest key of a destination with QUIC connections (the comparison's key column is laid out over all of them). */
  quicKeyMax: number;
  /** Destinations simulated (those with TCP connections). */
  simulated: number;
  /** The pool: its destinations are the first `top` simulated (simulatePool's order), its totals over all. */
  pool: PoolReport;
  /** The pool's destinations, each with its figures over all its connections (destinations()'s, QUIC included). */
  poolRows: { pool: DestinationPool; stats: DestinationStats }[];
  /** Total setup ms of the simulated destinations, over all their connections (QUIC included). */
  poolSetupTotalMs: number;
}

interface PoolRow {
  pool: DestinationPool;
  stats: DestinationStats;
  /** What the simulation saw (its TCP connections): the pool's order. */
  simulated: DestinationStats;
}

const byPool = (a: PoolRow, b: PoolRow): number => byTotalThenKey(a.simulated, b.simulated);

const byStats = (a: DestinationDigestRow, b: DestinationDigestRow): number => byTotalThenKey(a.stats, b.stats);

export function destinationDigest(
  conns: readonly ConnRow[],
  opts: {
    top: number;
    poolOptions?: Partial<PoolOptions>;
    minIdleSec?: number;
    /** Called with every simulated destination's pool as it is computed, and the figures it was simulated on. */
    onPool?: (p: DestinationPool, simulated: DestinationStats) => void;
  },
): DestinationDigest {
  const top = Math.max(0, opts.top);
  const minIdle = opts.minIdleSec ?? IDLE_CLOSE_MIN_SEC;
  const builder = new PoolBuilder(opts.poolOptions ?? {}, captureRttMs(conns), top);
  const table = new DestinationTable(minIdle);
  for (let i = 0; i < conns.length; i++) table.add(conns[i]!, i);
  let count = 0;
  let quicCount = 0;
  let quicKeyMax = 0;
  const rows = new FirstN<DestinationDigestRow>(top, byStats);
  const quicRows = new FirstN<DestinationStats>(top, byTotalThenKey);
  const poolRows = new FirstN<PoolRow>(top, byPool);
  let poolSetupTotalMs = 0;
  table.eachDestination(Infinity, (d, _pieces, refs) => {
    count++;
    const byT = d.setupByTransport;
    let pool: DestinationPool | null = null;
    if (byT.tcp !== null) {
      const group: ConnRow[] = [];
      for (const i of refs) {
        const c = conns[i]!;
        if (c.transport !== 'quic') group.push(c);
      }
      // With QUIC beside it, the simulation sees the destination's TCP connections only (as simulatePool).
      const simulated = byT.quic === null ? d : destinationStats(d.key, group, minIdle);
      pool = builder.add(simulated, group);
      opts.onPool?.(pool, simulated);
      poolRows.add({ pool, stats: d, simulated });
      poolSetupTotalMs += d.setupMs.total;
    }
    if (byT.quic !== null) {
      quicCount++;
      if (d.key.length > quicKeyMax) quicKeyMax = d.key.length;
      quicRows.add(d);
    }
    rows.add({ stats: d, pool });
  });
  return {
    count,
    rows: rows.sorted(),
    quicCount,
    quicRows: quicRows.sorted(),
    quicKeyMax,
    simulated: builder.destinations,
    pool: builder.finish(quicReuse(conns)),
    poolRows: poolRows.sorted().map(({ pool, stats }) => ({ pool, stats })),
    poolSetupTotalMs,
  };
}
