/**
 * QUIC in the pool view. The keep-alive simulation (pool.ts) is TCP's: a TCP
 * connection carries one request at a time, so reusing an idle one saves a
 * handshake. QUIC (HTTP/3) multiplexes every request on one connection, and a
 * new connection can resume with 0-RTT: a second connection to the same
 * destination while one is open is rare, and its cost is not a TCP handshake.
 * So QUIC connections are not simulated; what is counted per destination and
 * client address:
 * - newHandshakes: connections opened while no earlier QUIC connection to the
 *   destination from that client was still open (the first included): each
 *   paid a handshake; connections opened beside an open one ("duplicates")
 *   are the rest;
 * - of those, resumed (the ServerHello accepted a PSK) and 0-RTT (the client
 *   sent 0-RTT packets: its first request did not wait for the handshake).
 * Requests per connection are HTTP/3 streams inside 1-RTT packets: without
 * keys they cannot be counted, and the report says so.
 */
import { fmtInt, fmtMs, plural } from '../base/format.js';
import type { ConnectionRecord } from '../timeline/types.js';
import { groupByDestination, peakConcurrency } from './destinations.js';
import type { QuicPoolReport, QuicReuse } from './types.js';

export function quicReuse(conns: readonly ConnectionRecord[]): QuicPoolReport | null {
  const quic = conns.filter((c) => c.transport === 'quic');
  if (quic.length === 0) return null;
  const dests: QuicReuse[] = [];
  for (const [key, group] of groupByDestination(quic)) {
    const d: QuicReuse = { key, connections: group.length, peakConcurrency: peakConcurrency(group), newHandshakes: 0, newHandshakeMs: 0, resumed: 0, zeroRtt: 0 };
    const openUntil = new Map<string, number>();
    for (const c of [...group].sort((a, b) => a.start - b.start || a.id - b.id)) {
      const until = openUntil.get(c.client.ip);
      if (until === undefined || c.start >= until) {
        d.newHandshakes++;
        d.newHandshakeMs += c.setup.ms ?? 0;
      }
      if (c.tls?.resumed) d.resumed++;
      if (c.quic?.zeroRtt) d.zeroRtt++;
      openUntil.set(c.client.ip, Math.max(until ?? -Infinity, c.end));
    }
    d.newHandshakeMs = Math.round(d.newHandshakeMs * 1e6) / 1e6;
    dests.push(d);
  }
  dests.sort((a, b) => b.newHandshakeMs - a.newHandshakeMs || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const sum = (k: 'newHandshakes' | 'newHandshakeMs' | 'resumed' | 'zeroRtt') => dests.reduce((n, d) => n + d[k], 0);
  const r: QuicPoolReport = {
    connections: quic.length,
    destinations: dests,
    newHandshakes: sum('newHandshakes'),
    newHandshakeMs: Math.round(sum('newHandshakeMs') * 1e6) / 1e6,
    resumed: sum('resumed'),
    zeroRtt: sum('zeroRtt'),
    reason: '',
  };
  r.reason =
    `${plural(r.connections, 'QUIC connection')} to ${plural(dests.length, 'destination')} are not part of the keep-alive simulation: ` +
    `QUIC multiplexes requests on one connection (requests per connection are encrypted HTTP/3 streams, not countable without keys). ` +
    `${fmtInt(r.newHandshakes)} paid a new handshake (${fmtMs(r.newHandshakeMs)} of setup), ` +
    `${fmtInt(r.resumed)} resumed a session and ${fmtInt(r.zeroRtt)} sent 0-RTT data` +
    (r.connections > r.newHandshakes ? `; ${fmtInt(r.connections - r.newHandshakes)} opened beside an open connection to the same destination.` : '.');
  return r;
}
