/**
 * The numbers a connection is sorted and filtered by (one definition for the
 * table's sort and the filter's comparisons such as `setup>100`).
 */
import type { ConnRow } from '../report/rows.js';

export type SortKey = 'setup' | 'tcp' | 'tls' | 'lifetime' | 'share' | 'rtt' | 'id';

/** The order `s` cycles through; the first is the default (setup cost, largest first). */
export const SORT_KEYS: readonly SortKey[] = ['setup', 'tcp', 'tls', 'lifetime', 'share', 'rtt', 'id'];

/** The value a connection is sorted by (null = unknown, sorts last). */
export function sortValue(c: ConnRow, key: SortKey): number | null {
  switch (key) {
    case 'setup':
      return c.setup.ms;
    case 'tcp':
      return c.tcp?.handshakeMs ?? null;
    case 'tls':
      return c.tls?.handshakeMs ?? null;
    case 'lifetime':
      return c.lifetimeMs;
    case 'share':
      return c.setupShare;
    case 'rtt':
      return c.setup.ms === null ? null : c.setup.roundTrips;
    case 'id':
      return c.id;
  }
}
