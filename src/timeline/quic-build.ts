/**
 * Turns a finished QUIC connection (src/quic's QuicConnection: packets) and
 * its QuicHandshakeReader (the hellos) into the transport-neutral connection
 * record (transport 'quic', `tcp` null, `quic` section), as build.ts does for TCP.
 */
import { epoch, msBetween, type Stamp } from '../base/stamp.js';
import type { QuicConnection } from '../quic/tracker.js';
import { versionName } from '../quic/version.js';
import { cipherSuiteName, tlsVersionName } from '../tls/names.js';
import type { QuicHandshakeReader } from './quic-reader.js';
import { setupMsPerRequest } from './build.js';
import type { ConnectionRecord, ConnectionState, RequestTiming, TimelineEvent, TlsMetrics } from './types.js';

const MAX_PROBLEMS = 20;

/** Rounded to the nanosecond, as build.ts does. */
function ms(a: Stamp, b: Stamp): number {
  return Math.round(msBetween(a, b) * 1e6) / 1e6;
}

/** Packet events and hello events merged in arrival order (a hello after the packet that completed it). */
function mergeEvents(c: QuicConnection, r: QuicHandshakeReader | undefined): TimelineEvent[] {
  const out: TimelineEvent[] = [];
  const msgs = r?.events ?? [];
  let j = 0;
  const flush = (upTo: number): void => {
    for (; j < msgs.length && msgs[j].at <= upTo; j++) {
      const m = msgs[j];
      out.push({ type: m.type, from: m.from, frame: m.last.frame, firstFrame: m.first.frame, time: epoch(m.last), bytes: m.bytes });
    }
  };
  c.events.forEach((e, i) => {
    flush(i);
    const ev: TimelineEvent = { ...e };
    // The client's first 1-RTT packet after the server's Handshake flight: the handshake is confirmed (inferred without keys).
    if (e.type === '1-RTT' && e.from === 'client' && c.confirmed !== undefined && !c.confirmedExact && e.frame === c.confirmed.frame) {
      ev.inferred = true;
      ev.detail = 'handshake confirmed';
    }
    out.push(ev);
  });
  flush(Number.MAX_SAFE_INTEGER);
  return out;
}

function tlsOf(c: QuicConnection, r: QuicHandshakeReader | undefined): TlsMetrics | null {
  const ch = r?.clientHello;
  const sh = r?.serverHello;
  if (ch === undefined && sh === undefined) return null;
  const resumed = sh?.pskAccepted ?? false;
  return {
    version: sh === undefined ? null : tlsVersionName(sh.version),
    versionCode: sh?.version ?? null,
    cipherSuite: sh?.cipherSuite ?? null,
    cipherName: sh === undefined ? null : cipherSuiteName(sh.cipherSuite),
    sni: ch?.sni ?? null,
    alpnOffered: ch?.alpn ?? [],
    // QUIC's ServerHello carries no ALPN: it is in the encrypted EncryptedExtensions (read with keys).
    alpn: sh?.alpn ?? r?.alpn ?? null,
    versionsOffered: ch?.supportedVersions ?? [],
    keyShareGroupsOffered: ch?.keyShareGroups ?? [],
    keyShareGroup: sh?.keyShareGroup ?? null,
    resumed,
    resumption: resumed ? 'psk' : null,
    // 0-RTT packets were sent (their acceptance is encrypted).
    earlyData: c.zeroRttPackets > 0,
    helloRetry: r?.helloRetry ?? false,
    alerts: [],
    // The certificate travels in Handshake packets: encrypted, unknown without keys.
    // With keys, a handshake complete without a Certificate (PSK resumption) sent none.
    certificateBytes: r?.certificate?.bytes ?? (r?.handshakeComplete === true ? 0 : null),
    certificateCount: r?.certificate?.count ?? (r?.handshakeComplete === true ? 0 : null),
    handshakeMs: c.confirmed !== undefined && r?.clientHelloFirst !== undefined ? ms(r.clientHelloFirst, c.confirmed) : null,
    handshakeEndInferred: c.confirmed !== undefined && !c.confirmedExact,
    firstApplicationDataRecord: { client: null, server: null },
    startTls: false,
    // With keys: both Finished read from decrypted Handshake packets.
    decrypted: r?.handshakeComplete ?? false,
    notDecrypted: r?.notDecrypted ?? null,
    clientBursts: 0,
  };
}

/**
 * HTTP/3 requests, with keys: one per client-initiated bidirectional stream
 * the client sent data on (src/quic reads the STREAM frame headers of its
 * decrypted 1-RTT and 0-RTT packets). Request frames: the first datagram with
 * data on the stream, and the one whose STREAM frame carried FIN; the
 * response is in the server's packets, not opened past HANDSHAKE_DONE, so its
 * fields are null. Without keys: none (not countable; see the README).
 */
function quicRequests(c: QuicConnection): RequestTiming[] {
  return (c.requestStreams ?? []).map((s) => ({
    requestFrame: s.first.frame,
    requestTime: epoch(s.first),
    requestEndFrame: s.end?.frame ?? null,
    requestEndTime: s.end === undefined ? null : epoch(s.end),
    responseFrame: null,
    responseTime: null,
    responseEndFrame: null,
    responseEndTime: null,
    requestBytes: s.bytes,
    responseBytes: 0,
    ttfbMs: null,
    transferMs: null,
    // Last, as requestTimings (build.ts) and a saved analysis read back place it.
    stream: s.id,
  }));
}

/** `id` is given by the caller (analyze.ts renumbers in order of first frame, as quic.connection.number). */
export function buildQuicRecord(c: QuicConnection, r: QuicHandshakeReader | undefined, endState: 'open' | 'idle', id = c.id): ConnectionRecord {
  const start = c.first;
  const confirmedMs = c.confirmed !== undefined ? ms(start, c.confirmed) : null;
  const answered = c.datagrams.server > 0;
  const state: ConnectionState = !answered ? 'unanswered' : c.close !== undefined ? 'closed' : endState;
  const flights = (c.vn ? 1 : 0) + (c.retry ? 1 : 0);
  // 0-RTT: the client sent its data with its first flight and the server took it (read in
  // EncryptedExtensions' early_data with keys; without, a ServerHello accepting the PSK says so):
  // it waited for no server flight before its data, only for Retry / Version Negotiation.
  const zeroRttTaken = c.zeroRttPackets > 0 && (r?.earlyDataAccepted ?? r?.serverHello?.pskAccepted ?? false);
  const fromStart = (s: Stamp | undefined): number | null => (s === undefined ? null : ms(start, s));
  const lifetimeMs = ms(start, c.last);
  const problems = [...c.problems];
  for (const p of r?.problems ?? []) if (problems.length < MAX_PROBLEMS && !problems.includes(p)) problems.push(p);
  const close = c.close;
  const requests = quicRequests(c);
  if (c.streamOverflow > 0 && problems.length < MAX_PROBLEMS) problems.push(`more than ${requests.length} request streams: ${c.streamOverflow} not listed`);
  return {
    id,
    transport: 'quic',
    client: { ...c.client },
    server: { ...c.server },
    midstream: c.midstream,
    state,
    resetBy: null,
    firstFrame: start.frame,
    lastFrame: c.last.frame,
    start: epoch(start),
    end: epoch(c.last),
    packets: c.packets,
    bytes: c.bytes,
    events: mergeEvents(c, r),
    tcp: null,
    tls: tlsOf(c, r),
    setup: {
      ms: confirmedMs,
      // null when the handshake never completed (as for TCP: SetupMetrics.roundTrips).
      roundTrips: c.confirmed === undefined ? null : flights + (zeroRttTaken ? 0 : 1),
      // 0 when the handshake was never confirmed, as for TCP (README "How the metrics are defined").
      bytes: c.confirmed !== undefined ? c.setupBytes : 0,
      packets: c.confirmed !== undefined ? c.setupPackets : 0,
      certificateBytes: r?.certificate?.bytes ?? 0,
      endFrame: c.confirmed?.frame ?? null,
    },
    firstDataMs: { client: fromStart(c.firstData.client), server: fromStart(c.firstData.server) },
    lifetimeMs,
    setupShare: confirmedMs !== null && lifetimeMs > 0 ? Math.min(1, confirmedMs / lifetimeMs) : null,
    teardown:
      close !== undefined
        ? { initiator: close.from, by: 'CONNECTION_CLOSE', ms: ms(close.stamp, c.last), idleBeforeSec: null }
        : { initiator: null, by: endState === 'idle' ? 'idle' : null, ms: null, idleBeforeSec: null },
    problems,
    oneSided: null,
    findings: [],
    requests,
    requestsEstimated: false,
    httpProtocol: null,
    setupMsPerRequest: setupMsPerRequest(confirmedMs, requests.length),
    quic: {
      version: c.version,
      versionName: versionName(c.version),
      versionsTried: [...c.versionsTried],
      retry: c.retry,
      versionNegotiation: c.vn,
      zeroRtt: c.zeroRttPackets > 0,
      zeroRttPackets: c.zeroRttPackets,
      handshakeMs: confirmedMs,
      handshakeInferred: c.confirmed !== undefined && !c.confirmedExact,
      scid: c.scid.toString('hex'),
      dcid: c.dcid.toString('hex'),
      serverScid: c.serverScid === undefined ? null : c.serverScid.toString('hex'),
      retryScid: c.retryScid === undefined ? null : c.retryScid.toString('hex'),
      tokenLength: c.tokenLength,
      packets: { client: { ...c.packetCounts.client }, server: { ...c.packetCounts.server } },
      datagrams: { ...c.datagrams },
      undecryptedInitials: c.undecrypted,
      clientMigrations: c.migrations.map((m) => ({ ...m })),
      pskOffered: r?.clientHello?.psk ?? false,
      earlyDataOffered: r?.clientHello?.earlyData ?? false,
      close: close === undefined ? null : { from: close.from, frame: close.frame, errorCode: close.errorCode, reason: close.reason },
    },
  };
}
