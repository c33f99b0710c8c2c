/**
 * Destinations and the keep-alive pool for a report that shows the top of its
 * table (the text report): every destination is computed and simulated, one at
 * a time, from one DestinationTable, and only the first `top` rows are kept,
 * with the counts and totals over all of them. Same figures as destinations()
 * and simulatePool(), without a DestinationStats and a simulated destination
 * (~1.7 KB together) held per destination: a scan of a million addresses.
 */
import type { ConnRow } from './rows.js';
import { DestinationTable, compareTotalKey, destinationStats, IDLE_CLOSE_MIN_SEC } from './destinations.js';
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

/**
 * A destination while the first pass looks for the top of the table: its index in the
 * table, its key, and the totals the three orders sort by. The pass keeps these, not the
 * destination's figures and pool (~1.7 KB): on a scan of a million addresses the rows it
 * took in and later dropped were promoted by the collector before they died, and the
 * digest of the terminal UI's 20,000 took 8 s and +240 MiB instead of 4 s and +70.
 */
interface Seen {
  index: number;
  key: string;
  /** Total setup ms over all its connections (the table's order). */
  total: number;
  /** Total setup ms of what the simulation saw, its TCP connections (the pool's order). */
  simulated: number;
}

const byTotal = (a: Seen, b: Seen): number => compareTotalKey(a.total, a.key, b.total, b.key);
const bySimulated = (a: Seen, b: Seen): number => compareTotalKey(a.simulated, a.key, b.simulated, b.key);

/**
 * What the pool simulation sees of destination `d`: its TCP connections (QUIC is not
 * simulated), from the table's refs into `conns`, and their figures (d's own when it has
 * no QUIC beside them, as simulatePool); null without TCP.
 */
function simulatedOf(d: DestinationStats, conns: readonly ConnRow[], refs: Uint32Array, minIdle: number): { group: ConnRow[]; stats: DestinationStats } | null {
  if (d.setupByTransport.tcp === null) return null;
  const group: ConnRow[] = [];
  for (const i of refs) {
    const c = conns[i]!;
    if (c.transport !== 'quic') group.push(c);
  }
  return { group, stats: d.setupByTransport.quic === null ? d : destinationStats(d.key, group, minIdle) };
}

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
  const builder = new PoolBuilder(opts.poolOptions ?? {}, captureRttMs(conns), 0);
  const table = new DestinationTable(minIdle);
  for (let i = 0; i < conns.length; i++) table.add(conns[i]!, i);
  let count = 0;
  let quicCount = 0;
  let quicKeyMax = 0;
  let poolSetupTotalMs = 0;
  const rows = new FirstN<Seen>(top, byTotal);
  const quicRows = new FirstN<Seen>(top, byTotal);
  const poolRows = new FirstN<Seen>(top, bySimulated);
  // No more destinations than are kept (a capture's usual case): their figures are kept as
  // they come, and there is no second pass.
  const all = table.destinations <= top;
  const full = new Map<number, { stats: DestinationStats; pool: DestinationPool | null }>();
  try {
    // First pass: every destination computed and simulated, for the counts and totals.
    table.eachDestination(
      Infinity,
      (d, _pieces, refs, index) => {
        count++;
        const byT = d.setupByTransport;
        let pool: DestinationPool | null = null;
        const sim = simulatedOf(d, conns, refs, minIdle);
        if (sim) {
          pool = builder.add(sim.stats, sim.group);
          opts.onPool?.(pool, sim.stats);
          poolSetupTotalMs += d.setupMs.total;
        }
        const seen: Seen = { index, key: d.key, total: d.setupMs.total, simulated: sim ? sim.stats.setupMs.total : 0 };
        if (sim) poolRows.add(seen);
        if (byT.quic !== null) {
          quicCount++;
          if (d.key.length > quicKeyMax) quicKeyMax = d.key.length;
          quicRows.add(seen);
        }
        rows.add(seen);
        if (all) full.set(index, { stats: d, pool });
      },
      { again: !all },
    );
    if (!all) {
      // Second pass: the kept destinations again, computed and simulated as in the first.
      const wanted = new Set<number>();
      for (const list of [rows, quicRows, poolRows]) for (const x of list.sorted()) wanted.add(x.index);
      table.eachDestination(
        Infinity,
        (d, _pieces, refs, index) => {
          const sim = simulatedOf(d, conns, refs, minIdle);
          full.set(index, { stats: d, pool: sim ? builder.poolOf(sim.stats, sim.group) : null });
        },
        { only: (i) => wanted.has(i) },
      );
    }
  } finally {
    // The rows' files, also when a pass threw (`again` leaves them open for the next).
    table.close();
  }
  const keptRows = rows.sorted();
  const keptQuic = quicRows.sorted();
  const keptPool = poolRows.sorted();
  const at = (x: Seen) => full.get(x.index)!;
  return {
    count,
    rows: keptRows.map((x) => ({ stats: at(x).stats, pool: at(x).pool })),
    quicCount,
    quicRows: keptQuic.map((x) => at(x).stats),
    quicKeyMax,
    simulated: builder.destinations,
    pool: builder.finish(
      quicReuse(conns),
      keptPool.map((x) => at(x).pool!),
    ),
    poolRows: keptPool.map((x) => ({ pool: at(x).pool!, stats: at(x).stats })),
    poolSetupTotalMs,
  };
}
