/**
 * Test helper: a QUIC capture through the capture and decode stages into a
 * QuicTracker, as analyze.ts will wire it, keeping per datagram the connection
 * it went to and its packet types.
 */
import path from 'node:path';
import { readCapture } from '../../src/capture/index.js';
import { decodeFrame } from '../../src/decode/index.js';
import { QuicTracker } from '../../src/quic/tracker.js';
import type { QuicTrackerOptions } from '../../src/quic/tracker.js';
import type { QuicConnectionRecord } from '../../src/quic/types.js';

export const QUIC_FIXTURES = path.resolve(process.cwd(), 'fixtures/quic');
/** Captures in fixtures/ that carry QUIC too (as EXTRA in scripts/make-quic-golden.mjs). */
export const EXTRA_QUIC_FIXTURES = ['ndpi-pcapng-dsb-sll-quic-notcp.pcapng'];

export function quicFixturePath(file: string): string {
  if (path.isAbsolute(file)) return file;
  return EXTRA_QUIC_FIXTURES.includes(file) ? path.resolve(process.cwd(), 'fixtures', file) : path.join(QUIC_FIXTURES, file);
}

export interface QuicRun {
  records: QuicConnectionRecord[];
  /** frame -> connection id (null: QUIC, but no connection) and packet types. */
  datagrams: Map<number, { conn: number | null; types: string[] }>;
  tracker: QuicTracker;
}

export async function runQuic(file: string, opts: QuicTrackerOptions = {}): Promise<QuicRun> {
  const records: QuicConnectionRecord[] = [];
  const datagrams = new Map<number, { conn: number | null; types: string[] }>();
  const tracker = new QuicTracker((r) => records.push(r), {
    ...opts,
    onDatagram: (frame, conn, types) => datagrams.set(frame, { conn, types }),
  });
  await readCapture(quicFixturePath(file), (f) => {
    const p = decodeFrame(f.data, f.linkType);
    if (p.udp !== undefined && p.src !== undefined && p.dst !== undefined && !p.fragment) {
      tracker.datagram(p.src, p.dst, p.udp, { frame: f.number, tsSec: f.tsSec, tsNsec: f.tsNsec }, f.origLen);
    }
  });
  tracker.finish();
  records.sort((a, b) => a.id - b.id);
  return { records, datagrams, tracker };
}
