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
 * - requests (HTTP/3: the client's bidirectional streams, read from its 1-RTT
 *   and 0-RTT packets with a key log), requests per connection (reuse: one
 *   connection carrying several) and setup per request. Without keys they are
 *   null, not estimated: the TCP rule (a client burst after the server's
 *   answer is a new request) applied to QUIC packet sizes was right on 6 of
 *   the 10 recorded connections and wrong exactly where reuse shows (three
 *   multiplexed requests in one burst count as 1-2; a PMTU probe after the
 *   server's data counts as a request). See the README's QUIC section.
 */
import { fmtInt, fmtMs, plural } from '../base/format.js';
import type { ConnRow } from './rows.js';
import { groupByDestination, peakConcurrency } from './destinations.js';
import type { QuicPoolReport, QuicReuse } from './types.js';

/** Requests read with keys (null: the connection's requests were not counted). */
export function quicRequestsOf(c: ConnRow): number | null {
  if (c.transport !== 'quic') return null;
  const exact = c.requests.length > 0 && !c.requestsEstimated;
  // Decrypted without a request stream (a handshake only): 0, not requestsOf's one-request floor.
  return exact || c.tls?.decrypted === true ? c.requests.length : null;
}

const r9 = (n: number): number => Math.round(n * 1e9) / 1e9;

interface RequestAcc {
  requests: number;
  counted: number;
  setupMs: number;
}

function requestFigures(a: RequestAcc, connections: number): { requests: number | null; requestsPerConnection: number | null; setupMsPerRequest: number | null } {
  if (a.counted < connections || connections === 0) return { requests: null, requestsPerConnection: null, setupMsPerRequest: null };
  return {
    requests: a.requests,
    requestsPerConnection: r9(a.requests / connections),
    setupMsPerRequest: a.requests > 0 ? r9(a.setupMs / a.requests) : null,
  };
}

export function quicReuse(conns: readonly ConnRow[]): QuicPoolReport | null {
  const quic = conns.filter((c) => c.transport === 'quic');
  if (quic.length === 0) return null;
  const dests: QuicReuse[] = [];
  const all: RequestAcc = { requests: 0, counted: 0, setupMs: 0 };
  for (const [key, group] of groupByDestination(quic)) {
    const d: QuicReuse = {
      key,
      connections: group.length,
      peakConcurrency: peakConcurrency(group),
      newHandshakes: 0,
      newHandshakeMs: 0,
      resumed: 0,
      zeroRtt: 0,
      requests: null,
      requestsPerConnection: null,
      setupMsPerRequest: null,
    };
    const acc: RequestAcc = { requests: 0, counted: 0, setupMs: 0 };
    const openUntil = new Map<string, number>();
    for (const c of [...group].sort((a, b) => a.start - b.start || a.id - b.id)) {
      const n = quicRequestsOf(c);
      if (n !== null) {
        acc.requests += n;
        acc.counted++;
      }
      acc.setupMs += c.setup.ms ?? 0;
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
    Object.assign(d, requestFigures(acc, d.connections));
    all.requests += acc.requests;
    all.counted += acc.counted;
    all.setupMs += acc.setupMs;
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
    ...requestFigures(all, quic.length),
    requestsCounted: all.counted,
    reason: '',
  };
  r.reason =
    `${plural(r.connections, 'QUIC connection')} to ${plural(dests.length, 'destination')} ${r.connections === 1 ? 'is' : 'are'} not part of the keep-alive simulation: ` +
    `QUIC multiplexes requests on one connection (${requestsWords(r)}). ` +
    `${fmtInt(r.newHandshakes)} paid a new handshake (${fmtMs(r.newHandshakeMs)} of setup), ` +
    `${fmtInt(r.resumed)} resumed a session and ${fmtInt(r.zeroRtt)} sent 0-RTT data` +
    (r.connections > r.newHandshakes ? `; ${fmtInt(r.connections - r.newHandshakes)} opened beside an open connection to the same destination.` : '.');
  return r;
}

/** The requests part of the reason. */
function requestsWords(r: QuicPoolReport): string {
  if (r.requests !== null) {
    const per = r.setupMsPerRequest === null ? '' : `, ${fmtMs(r.setupMsPerRequest)} of setup per request`;
    return `${plural(r.requests, 'HTTP/3 request')} read with keys, ${perConnection(r.requestsPerConnection ?? 0)} per connection${per}`;
  }
  const why = 'requests per connection are encrypted HTTP/3 streams, not countable without keys';
  return r.requestsCounted === 0 ? why : `${why}: ${fmtInt(r.requestsCounted)} of ${plural(r.connections, 'connection')} decrypted`;
}

/** Requests per connection: whole numbers as they are, others with 2 decimals. */
export function perConnection(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}
