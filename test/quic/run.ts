/**
 * Test helper: a QUIC capture through the capture and decode stages into a
 * QuicTracker whose CRYPTO bytes a QuicHandshakeReader reads and whose
 * connections buildQuicRecord turns into records, as analyze.ts wires them,
 * keeping per datagram the connection it went to and its packet types.
 */
import path from 'node:path';
import { QuicTracker } from '../../src/quic/tracker.js';
import type { QuicStats, QuicTrackerOptions } from '../../src/quic/tracker.js';
import { analyzeFile, type AnalysisResult } from '../../src/analyze.js';
import { QuicHandshakeReader } from '../../src/timeline/quic-reader.js';
import { buildQuicRecord } from '../../src/timeline/quic-build.js';
import type { ConnectionRecord } from '../../src/timeline/types.js';

export type QuicRecord = ConnectionRecord & { quic: NonNullable<ConnectionRecord['quic']> };

/** A QuicTracker wired as analyze.ts wires it; records go to `out`. */
export function quicTracker(out: QuicRecord[], opts: QuicTrackerOptions = {}): QuicTracker {
  const readers = new WeakMap<object, QuicHandshakeReader>();
  return new QuicTracker(
    (conn) => {
      const r = new QuicHandshakeReader(conn);
      readers.set(conn, r);
      return r;
    },
    (conn, end) => out.push(buildQuicRecord(conn, readers.get(conn), end) as QuicRecord),
    opts,
  );
}

export const QUIC_FIXTURES = path.resolve(process.cwd(), 'fixtures/quic');
/** Captures in fixtures/ that carry QUIC too (as EXTRA in scripts/make-quic-golden.mjs). */
export const EXTRA_QUIC_FIXTURES = ['ndpi-pcapng-dsb-sll-quic-notcp.pcapng'];

export function quicFixturePath(file: string): string {
  if (path.isAbsolute(file)) return file;
  return EXTRA_QUIC_FIXTURES.includes(file) ? path.resolve(process.cwd(), 'fixtures', file) : path.join(QUIC_FIXTURES, file);
}

export interface QuicRun {
  records: QuicRecord[];
  /** frame -> connection id (null: QUIC, but no connection) and packet types. */
  datagrams: Map<number, { conn: number | null; types: string[] }>;
  stats: QuicStats;
  analysis: AnalysisResult;
}

/**
 * The capture through the real pipeline (analyzeFile), with the QUIC tracker's
 * per-datagram hook: what analyze.ts wires is what is tested.
 */
export async function runQuic(file: string, opts: QuicTrackerOptions = {}): Promise<QuicRun> {
  const datagrams = new Map<number, { conn: number | null; types: string[] }>();
  const a = await analyzeFile(quicFixturePath(file), {
    quic: { ...opts, onDatagram: (frame, conn, types) => datagrams.set(frame, { conn, types }) },
  });
  const records = a.connections.filter((c): c is QuicRecord => c.transport === 'quic');
  let unmatched = 0;
  for (const d of datagrams.values()) if (d.conn === null) unmatched++;
  return { records, datagrams, stats: { quicDatagrams: a.stats.quicDatagrams, quicPackets: a.stats.quicPackets, udpDatagrams: a.stats.udp, unmatchedDatagrams: unmatched }, analysis: a };
}
