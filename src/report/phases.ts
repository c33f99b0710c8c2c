/**
 * The phases of a connection on its own time axis, for the waterfall and any
 * report that splits a connection's time: pure arithmetic over the record.
 */
import type { ConnectionRecord, EventType } from '../timeline/types.js';

export type PhaseName =
  | 'TCP handshake'
  | 'QUIC handshake'
  | 'client think time'
  | 'TLS handshake'
  | 'waiting for first data'
  | 'data'
  | 'teardown';

export interface Phase {
  name: PhaseName;
  /** ms from the first SYN (or first packet). */
  startMs: number;
  endMs: number;
  durationMs: number;
}

function eventOffset(c: ConnectionRecord, type: EventType): number | null {
  const e = c.events.find((ev) => ev.type === type);
  return e ? (e.time - c.start) * 1000 : null;
}

/**
 * The phases of a connection on its own time axis (0 = first SYN):
 * - TCP handshake: 0 -> tcp.handshakeMs;
 * - client think time: the end of the TCP handshake -> the ClientHello (the
 *   client preparing its hello; only when the gap is there);
 * - TLS handshake: ClientHello -> setup end (setup.ms);
 * - waiting for first data: setup end -> first application data of the server
 *   (of the client when the server sent none), httpstat's "server processing";
 * - data: that first data -> the start of the teardown (or the last packet);
 * - teardown: first FIN/RST -> last packet (teardown.ms).
 * Phases that did not happen are left out.
 */
export function connectionPhases(c: ConnectionRecord): Phase[] {
  const life = Math.max(c.lifetimeMs, 0);
  const raw: { name: PhaseName; start: number; end: number }[] = [];
  if (c.tcp && c.tcp.handshakeMs !== null && !c.midstream) raw.push({ name: 'TCP handshake', start: 0, end: c.tcp.handshakeMs });
  const setupEnd = c.setup.ms;
  // QUIC: one handshake, transport and TLS together (first Initial -> confirmed).
  if (c.quic && setupEnd !== null) raw.push({ name: 'QUIC handshake', start: 0, end: setupEnd });
  else if (c.tls && setupEnd !== null) {
    const hello = eventOffset(c, 'ClientHello') ?? c.tcp?.handshakeMs ?? 0;
    const tcpEnd = c.midstream ? null : (c.tcp?.handshakeMs ?? null);
    if (tcpEnd !== null && hello > tcpEnd) raw.push({ name: 'client think time', start: tcpEnd, end: hello });
    if (c.tls.handshakeMs !== null) raw.push({ name: 'TLS handshake', start: hello, end: hello + c.tls.handshakeMs });
  }
  const firstData = c.firstDataMs.server ?? c.firstDataMs.client;
  const teardownStart = c.teardown.ms !== null ? life - c.teardown.ms : null;
  if (setupEnd !== null && firstData !== null && firstData >= setupEnd) {
    raw.push({ name: 'waiting for first data', start: setupEnd, end: firstData });
  }
  if (firstData !== null) {
    const dataEnd = teardownStart ?? life;
    if (dataEnd >= firstData) raw.push({ name: 'data', start: firstData, end: dataEnd });
  }
  if (teardownStart !== null) raw.push({ name: 'teardown', start: teardownStart, end: life });
  return raw.map((p) => ({ name: p.name, startMs: p.start, endMs: p.end, durationMs: p.end - p.start }));
}
