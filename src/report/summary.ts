/** Whole-capture aggregates over connection records. */
import type { ConnectionState } from '../timeline/types.js';
import type { ConnRow } from './rows.js';
import { QuantileSketch } from './sketch.js';
import type { Summary } from './types.js';

const STATES: ConnectionState[] = ['complete', 'reset', 'refused', 'unanswered', 'open', 'half-closed', 'midstream'];

/** A TLS connection whose ServerHello was seen (the denominator of resumption rates). */
export function hasServerHello(c: ConnRow): boolean {
  return c.tls !== null && c.tls.version !== null;
}

/**
 * Counts, setup totals and distributions for a set of connections.
 * - setupTotalMs / connectionTimeTotalMs / setupShare only use connections whose
 *   setup time is known (setup.ms not null), so the share compares like with like.
 * - resumptionRate = resumed / TLS connections with a ServerHello (null when none).
 * - roundTrips is the distribution of setup.roundTrips over connections with a known setup.
 */
export function summarize(conns: readonly ConnRow[]): Summary {
  const byState = Object.fromEntries(STATES.map((s) => [s, 0])) as Record<ConnectionState, number>;
  const tlsVersions: Record<string, number> = {};
  const tcpHs = new QuantileSketch();
  const tlsHs = new QuantileSketch();
  const setup = new QuantileSketch();
  const rtts = new QuantileSketch();
  let midstream = 0;
  let quic = 0;
  let quicZeroRtt = 0;
  const quicVersions: Record<string, number> = {};
  const quicHs = new QuantileSketch();
  let tls = 0;
  let withServerHello = 0;
  let resumed = 0;
  let setupTotalMs = 0;
  let connectionTimeTotalMs = 0;
  for (const c of conns) {
    byState[c.state] = (byState[c.state] ?? 0) + 1;
    if (c.midstream) midstream++;
    if (c.tcp && c.tcp.handshakeMs !== null) tcpHs.add(c.tcp.handshakeMs);
    if (c.quic) {
      quic++;
      quicVersions[c.quic.versionName] = (quicVersions[c.quic.versionName] ?? 0) + 1;
      if (c.quic.zeroRtt) quicZeroRtt++;
      if (c.quic.handshakeMs !== null) quicHs.add(c.quic.handshakeMs);
    }
    if (c.tls) {
      tls++;
      if (c.tls.version !== null) {
        withServerHello++;
        tlsVersions[c.tls.version] = (tlsVersions[c.tls.version] ?? 0) + 1;
        if (c.tls.resumed) resumed++;
      }
      // QUIC's TLS handshake is its whole handshake: counted as QUIC handshake.
      if (c.tls.handshakeMs !== null && !c.quic) tlsHs.add(c.tls.handshakeMs);
    }
    if (c.setup.ms !== null) {
      setup.add(c.setup.ms);
      rtts.add(c.setup.roundTrips ?? 0);
      setupTotalMs += c.setup.ms;
      connectionTimeTotalMs += c.lifetimeMs;
    }
  }
  return {
    connections: conns.length,
    byState,
    midstream,
    tls,
    tlsVersions,
    resumed,
    resumptionRate: withServerHello > 0 ? resumed / withServerHello : null,
    setupTotalMs,
    connectionTimeTotalMs,
    setupShare: connectionTimeTotalMs > 0 ? Math.min(1, setupTotalMs / connectionTimeTotalMs) : null,
    tcpHandshakeMs: tcpHs.distribution(),
    tlsHandshakeMs: tlsHs.distribution(),
    setupMs: setup.distribution(),
    roundTrips: rtts.distribution(),
    quic,
    quicVersions,
    quicZeroRtt,
    quicHandshakeMs: quicHs.distribution(),
  };
}
