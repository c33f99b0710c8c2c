/**
 * Turns a finished connection (TCP facts + TLS messages) into its record:
 * the ordered event ladder and the setup-cost metrics.
 */
import type { Dir, TcpConnection } from '../tcp/connection.js';
import { cipherSuiteName, tlsVersionName } from '../tls/index.js';
import { epoch, msBetween, type Side, type Stamp } from '../base/stamp.js';
import type { TlsMessage } from '../tls/types.js';
import type { ConnectionReader } from './reader.js';
import { EVENT_TYPES, QUIC_EVENT_TYPES, TCP_EVENT_TYPES } from './types.js';
import type {
  ConnectionRecord,
  ConnectionState,
  EventType,
  Teardown,
  TimelineEvent,
  TlsMetrics,
  RequestTiming,
} from './types.js';
import type { ConnectionRequests } from './reader.js';


/** Rounded to the nanosecond, so sums of ms print cleanly. */
function ms(a: Stamp, b: Stamp): number {
  return Math.round(msBetween(a, b) * 1e6) / 1e6;
}

/** TLS messages that become events (others, such as EncryptedExtensions in clear, are not in the vocabulary). */
const TLS_EVENT_TYPES: ReadonlySet<string> = new Set<string>(EVENT_TYPES.filter((t) => !TCP_EVENT_TYPES.has(t) && !QUIC_EVENT_TYPES.has(t)));

interface Ordered {
  ev: TimelineEvent;
  /** Tie-break inside a frame: SYN/ACK before payload, payload before FIN/RST. */
  rank: number;
  seq: number;
}

function tcpEvent(type: EventType, from: Side, s: Stamp, extra: Partial<TimelineEvent> = {}): TimelineEvent {
  return { type, from, frame: s.frame, firstFrame: s.frame, time: epoch(s), bytes: 0, ...extra };
}

function messageDetail(m: TlsMessage): string | undefined {
  const detail = singleDetail(m);
  if (m.count === undefined || m.count < 2) return detail;
  const times = `×${m.count.toLocaleString('en-US')}`;
  return detail ? `${detail} ${times}` : times;
}

function singleDetail(m: TlsMessage): string | undefined {
  if (m.alert) return m.alert.level !== undefined ? `${m.alert.level === 2 ? 'fatal' : 'warning'} ${m.alert.name}` : m.alert.name;
  if (m.certificate) return `${m.certificate.count} certificate${m.certificate.count === 1 ? '' : 's'}, ${m.certificate.bytes} bytes`;
  if (m.earlyData) return '0-RTT early data';
  if (m.clientHello?.sni) return `SNI ${m.clientHello.sni}`;
  if (m.serverHello) return tlsVersionName(m.serverHello.version);
  return undefined;
}

/** Which side is the client, deciding by port when nothing else did. */
function clientDirOf(c: TcpConnection): Dir {
  return c.clientDir !== -1 ? c.clientDir : c.clientDirByPort;
}

/**
 * `provisional`: the connection is still open (a live snapshot): what is
 * pending (the last burst of the request estimate, a body delimited by the
 * close) is left pending, so the final record is built from the same state.
 */
export function buildRecord(c: TcpConnection, reader: ConnectionReader | undefined, provisional = false): ConnectionRecord {
  const clientDir = clientDirOf(c);
  const serverDir: Dir = clientDir === 0 ? 1 : 0;
  const sideOf = (d: Dir): Side => (d === clientDir ? 'client' : 'server');

  const ordered: Ordered[] = [];
  let seq = 0;
  const push = (ev: TimelineEvent, rank: number) => ordered.push({ ev, rank, seq: seq++ });

  c.syns.forEach((s, i) => push(tcpEvent('SYN', 'client', s, i > 0 ? { retransmission: true } : {}), 0));
  c.synAcks.forEach((s, i) => push(tcpEvent('SYN-ACK', 'server', s, i > 0 ? { retransmission: true } : {}), 0));
  if (c.handshakeAck) push(tcpEvent('ACK', 'client', c.handshakeAck), 0);

  const messages = reader?.messages ?? [];
  for (const m of messages) {
    if (!TLS_EVENT_TYPES.has(m.type)) continue;
    const ev: TimelineEvent = {
      type: m.type as EventType,
      from: m.from,
      frame: m.last.frame,
      firstFrame: m.first.frame,
      time: epoch(m.last),
      bytes: m.bytes,
    };
    if (m.inferred) ev.inferred = true;
    const detail = messageDetail(m);
    if (detail) ev.detail = detail;
    push(ev, 1);
  }

  // Plain TCP: the first payload of each side is its first application data.
  const tls = reader?.session ? tlsMetrics(reader, messages) : null;
  if (!tls) {
    for (const d of [clientDir, serverDir]) {
      const s = c.firstPayload[d];
      if (s) push(tcpEvent('ApplicationData', sideOf(d), s, { detail: 'first payload' }), 1);
    }
  }
  for (const d of [clientDir, serverDir]) {
    const f = c.fin[d];
    if (f) push(tcpEvent('FIN', sideOf(d), f), 2);
    const r = c.rst[d];
    if (r) push(tcpEvent('RST', sideOf(d), r), 2);
  }
  ordered.sort((x, y) => x.ev.frame - y.ev.frame || x.rank - y.rank || x.seq - y.seq);
  const events = ordered.map((o) => o.ev);

  const start = c.firstStamp;
  const firstSyn = c.syns[0];
  const midstream = firstSyn === undefined;
  const origin = firstSyn ?? start;

  // Setup ends when TLS completes (TLS connections) or when the TCP handshake completes.
  let setupEnd: Stamp | undefined;
  let setupPackets = 0;
  let setupBytes = 0;
  if (tls) {
    if (reader!.tlsDone) {
      setupEnd = reader!.tlsDone.stamp;
      setupPackets = reader!.tlsDone.packets;
      setupBytes = reader!.tlsDone.bytes;
    }
  } else if (c.handshakeAck) {
    setupEnd = c.handshakeAck;
    setupPackets = c.ackSnapshot?.packets ?? 0;
    setupBytes = c.ackSnapshot?.bytes ?? 0;
  }
  const setupMs = setupEnd && !midstream ? ms(origin, setupEnd) : null;

  const lifetimeMs = ms(start, c.lastStamp);
  const firstData = (d: Dir): number | null => {
    let s: Stamp | undefined;
    if (tls) {
      const m = messages.find((x) => x.type === 'ApplicationData' && x.from === sideOf(d) && !x.earlyData);
      s = m?.last;
    } else {
      s = c.firstPayload[d];
    }
    return s ? ms(origin, s) : null;
  };

  const req = reader ? reader.requests({ client: c.fin[clientDir], server: c.fin[serverDir] }, provisional) : null;
  const requests = req ? requestTimings(req) : [];

  const endpoints = c.endpoints;
  return {
    id: c.id,
    client: endpoints[clientDir],
    server: endpoints[serverDir],
    transport: 'tcp',
    midstream,
    state: stateOf(c, clientDir, midstream),
    resetBy: resetBy(c, sideOf),
    firstFrame: start.frame,
    lastFrame: c.lastStamp.frame,
    start: epoch(start),
    end: epoch(c.lastStamp),
    packets: c.packets,
    bytes: c.bytes,
    events,
    tcp: {
      synRetransmits: Math.max(0, c.syns.length - 1),
      synAckRetransmits: Math.max(0, c.synAcks.length - 1),
      synRetransmitOffsetsMs: firstSyn ? c.syns.slice(1).map((s) => ms(firstSyn, s)) : [],
      handshakeMs: firstSyn && c.handshakeAck ? ms(firstSyn, c.handshakeAck) : null,
      initialRttMs: initialRtt(c),
      mss: { client: c.mss[clientDir], server: c.mss[serverDir] },
      retransmissions: c.retransmissions,
      outOfOrder: c.outOfOrder,
      missingBytes: c.missingBytes,
    },
    tls,
    setup: {
      ms: setupMs,
      roundTrips: roundTrips(events, setupEnd?.frame, reader?.plainTurns),
      bytes: setupBytes,
      packets: setupPackets,
      certificateBytes: tls ? tls.certificateBytes : 0,
      endFrame: setupEnd ? setupEnd.frame : null,
    },
    firstDataMs: { client: firstData(clientDir), server: firstData(serverDir) },
    lifetimeMs,
    setupShare: setupMs !== null && lifetimeMs > 0 ? Math.min(1, setupMs / lifetimeMs) : null,
    teardown: teardownOf(c, sideOf),
    problems: [...c.problems, ...(reader?.session ? reader.session.summary().problems : [])],
    oneSided: c.oneSided(clientDir),
    findings: [],
    quic: null,
    requests,
    requestsEstimated: req !== null && req.estimated && requests.length > 0,
    httpProtocol: req?.http?.protocol === 'http/1' || req?.http?.protocol === 'h2' ? req.http.protocol : null,
    setupMsPerRequest: setupMsPerRequest(setupMs, requests.length),
  };
}

/** Setup cost shared by the requests a connection carried (ms, rounded to the ns). */
export function setupMsPerRequest(setupMs: number | null, requests: number): number | null {
  if (setupMs === null || requests === 0) return null;
  return Math.round((setupMs / requests) * 1e6) / 1e6;
}

/** ms between two epoch-second times, rounded to the ns; null when either is missing. */
function msOf(from: number | null, to: number | null): number | null {
  if (from === null || to === null) return null;
  return Math.round((to - from) * 1e9) / 1e6;
}

/** The record's requests: the request stage's frames and times, with time to first byte and transfer time. */
export function requestTimings(r: ConnectionRequests): RequestTiming[] {
  return r.requests.map((q) => {
    const requestEndTime = 'requestEndTime' in q ? q.requestEndTime : null;
    const responseEndTime = 'responseEndTime' in q ? q.responseEndTime : null;
    const t: RequestTiming = {
      requestFrame: q.requestFrame,
      requestTime: q.requestTime,
      requestEndFrame: q.requestEndFrame,
      requestEndTime,
      responseFrame: q.responseFrame,
      responseTime: q.responseTime,
      responseEndFrame: q.responseEndFrame,
      responseEndTime,
      requestBytes: q.requestBytes,
      responseBytes: q.responseBytes,
      ttfbMs: msOf(q.requestTime, q.responseTime),
      transferMs: msOf(q.responseTime, responseEndTime),
    };
    if ('method' in q && q.method !== undefined) t.method = q.method;
    if ('status' in q && q.status !== undefined) t.status = q.status;
    if ('stream' in q && q.stream !== undefined) t.stream = q.stream;
    return t;
  });
}

/** tcp.analysis.initial_rtt, as the tcp stage follows it (see TcpConnection.initialRttAt). */
function initialRtt(c: TcpConnection): number | null {
  return c.initialRttSyn && c.initialRttAt ? ms(c.initialRttSyn, c.initialRttAt) : null;
}

function tlsMetrics(reader: ConnectionReader, messages: TlsMessage[]): TlsMetrics {
  const s = reader.session!.summary();
  const ch = s.clientHello;
  const sh = s.serverHello;
  const chMsg = messages.find((m) => m.type === 'ClientHello');
  // What the client offered is its first ClientHello: after a HelloRetryRequest the second one only
  // repeats the group the server chose (reported as keyShareGroup), and setup is timed from the first.
  const offer = chMsg?.clientHello ?? ch;
  const version = sh ? sh.version : null;
  const cipher = sh ? sh.cipherSuite : null;
  return {
    version: version !== null ? tlsVersionName(version) : null,
    versionCode: version,
    cipherSuite: cipher,
    cipherName: cipher !== null ? cipherSuiteName(cipher) : null,
    sni: offer?.sni ?? null,
    alpnOffered: offer?.alpn ?? [],
    alpn: sh?.alpn ?? null,
    versionsOffered: offer?.supportedVersions ?? [],
    keyShareGroupsOffered: offer?.keyShareGroups ?? [],
    keyShareGroup: sh?.keyShareGroup ?? null,
    resumed: s.resumed,
    resumption: s.resumption ?? null,
    earlyData: s.earlyData,
    helloRetry: s.helloRetry,
    alerts: s.alerts.map((a) => ({ ...a })),
    // TlsSummary's are null when unknown (encrypted TLS 1.3, lost): TlsMetrics is still number (integrator: issue 11 #10).
    certificateBytes: s.certificateBytes,
    certificateCount: s.certificateCount,
    handshakeMs: chMsg && s.handshakeDone ? ms(chMsg.last, s.handshakeDone) : null,
    handshakeEndInferred: s.handshakeEndInferred,
    firstApplicationDataRecord: {
      client: s.firstApplicationDataRecord.client?.frame ?? null,
      server: s.firstApplicationDataRecord.server?.frame ?? null,
    },
    startTls: reader.startTls,
    decrypted: s.decrypted === true,
    notDecrypted: s.notDecrypted ?? null,
    clientBursts: s.clientBursts ?? 0,
  };
}

/**
 * Round trips the client waited for during setup: the number of server
 * flights (maximal runs of server events) before setup completed. Plaintext
 * exchanged before TLS began (a STARTTLS dialogue) counts too: the client
 * waited for each server line.
 */
export function roundTrips(
  events: TimelineEvent[],
  endFrame: number | undefined,
  plainTurns: readonly { side: Side; frame: number }[] = [],
): number | null {
  if (endFrame === undefined) return null;
  const said: { frame: number; from: Side }[] = [];
  for (const e of events) {
    if (e.frame > endFrame) break;
    if (e.type === 'FIN' || e.type === 'RST' || e.retransmission) continue;
    said.push({ frame: e.frame, from: e.from });
  }
  for (const t of plainTurns) if (t.frame <= endFrame) said.push({ frame: t.frame, from: t.side });
  if (plainTurns.length > 0) said.sort((a, b) => a.frame - b.frame);
  let flights = 0;
  let prev: Side | null = null;
  for (const s of said) {
    if (s.from === 'server' && prev !== 'server') flights++;
    prev = s.from;
  }
  return flights;
}

function resetBy(c: TcpConnection, sideOf: (d: Dir) => Side): Side | null {
  const [r0, r1] = c.rst;
  if (r0 && r1) return r0.frame <= r1.frame ? sideOf(0) : sideOf(1);
  if (r0) return sideOf(0);
  if (r1) return sideOf(1);
  return null;
}

function stateOf(c: TcpConnection, clientDir: Dir, midstream: boolean): ConnectionState {
  const serverDir: Dir = clientDir === 0 ? 1 : 0;
  const serverSpoke = c.synAcks.length > 0 || c.baseSeq[serverDir] !== undefined;
  if (!midstream && c.synAcks.length === 0) {
    if (c.rst[serverDir]) return 'refused';
    // Only the client's direction was captured but it acknowledged the server: answered.
    if (!serverSpoke && c.oneSided(clientDir) !== 'client-only') return 'unanswered';
  }
  if (c.rst[0] || c.rst[1]) return 'reset';
  if (midstream) return 'midstream';
  if (c.fin[0] && c.fin[1]) return 'complete';
  if (c.fin[0] || c.fin[1]) return 'half-closed';
  return 'open';
}

function teardownOf(c: TcpConnection, sideOf: (d: Dir) => Side): Teardown {
  let first: { s: Stamp; d: Dir; by: 'FIN' | 'RST' } | undefined;
  for (const d of [0, 1] as Dir[]) {
    for (const [s, by] of [
      [c.fin[d], 'FIN'],
      [c.rst[d], 'RST'],
    ] as [Stamp | undefined, 'FIN' | 'RST'][]) {
      if (s && (!first || s.frame < first.s.frame)) first = { s, d, by };
    }
  }
  if (!first) return { initiator: null, by: null, ms: null, idleBeforeSec: null };
  const lastData = c.lastPayloadBeforeTeardown;
  return {
    initiator: sideOf(first.d),
    by: first.by,
    ms: ms(first.s, c.lastStamp),
    idleBeforeSec: lastData ? Math.round(msBetween(lastData, first.s)) / 1000 : null,
  };
}
