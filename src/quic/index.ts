/**
 * QUIC stage: UDP datagrams -> QUIC connections (src/quic/tracker.ts), with
 * Initial packets decrypted without keys (RFC 9001 §5) and the ClientHello /
 * ServerHello read from their CRYPTO frames.
 *
 * Wiring (analyze.ts): for every decoded frame with `p.udp` set, not an IP
 * fragment, call `tracker.datagram(p.src, p.dst, p.udp, stamp, frame.origLen)`;
 * it returns whether the datagram was QUIC. After the last frame call
 * `tracker.finish()`. Records arrive through the constructor's callback.
 */
export { QuicTracker, QuicConnection } from './tracker.js';
export type { QuicStats, QuicTrackerOptions } from './tracker.js';
export type * from './types.js';
export { versionName, QUIC_V1, QUIC_V2 } from './version.js';
