/**
 * Test helper: hand-built ConnectionRecords and ConnectionFacts for the findings'
 * rules at their thresholds. Times are T0 + binary fractions of a second (1/1024 s
 * steps), so every gap the rules compare is exact in floating point: a gap of
 * 0.5 s is 500 ms, not 499.99999. The expected values in the tests come from the
 * rules as the README states them, never from the code under test.
 */
import { emptyFacts, type ConnectionFacts, type FrameTime } from '../../src/findings/index.js';
import type { ConnectionRecord, EventType, QuicMetrics, Side, TimelineEvent, TlsMetrics } from '../../src/timeline/types.js';

/** Epoch seconds of the capture's start. */
export const T0 = 1_700_000_000;
/** The smallest step used: 1/1024 s (0.9765625 ms), exact in binary. */
export const STEP = 1 / 1024;

export function ev(type: EventType, from: Side, frame: number, t: number, extra: Partial<TimelineEvent> = {}): TimelineEvent {
  return { type, from, frame, firstFrame: frame, time: T0 + t, bytes: 0, ...extra };
}

export const ft = (frame: number, t: number): FrameTime => ({ frame, time: T0 + t });

export function tls(over: Partial<TlsMetrics> = {}): TlsMetrics {
  return {
    version: 'TLS 1.3',
    versionCode: 0x0304,
    cipherSuite: 0x1301,
    cipherName: 'TLS_AES_128_GCM_SHA256',
    sni: 'example.test',
    alpnOffered: [],
    alpn: null,
    versionsOffered: [0x0304],
    keyShareGroupsOffered: [29],
    keyShareGroup: 29,
    resumed: false,
    resumption: null,
    earlyData: false,
    helloRetry: false,
    alerts: [],
    certificateBytes: null,
    certificateCount: null,
    handshakeMs: 10,
    handshakeEndInferred: false,
    firstApplicationDataRecord: { client: null, server: null },
    startTls: false,
    decrypted: false,
    notDecrypted: null,
    ...over,
  };
}

let nextId = 1000;

/**
 * A TCP record over `events` (times relative to T0). start/end/frames follow the events;
 * setup ends at `setupEndFrame` (null: never), tls is null unless given.
 */
export function record(events: TimelineEvent[], over: Partial<ConnectionRecord> = {}, setupEndFrame: number | null = null): ConnectionRecord {
  const start = events.length > 0 ? Math.min(...events.map((e) => e.time)) : T0;
  const end = events.length > 0 ? Math.max(...events.map((e) => e.time)) : T0;
  const endEv = events.find((e) => e.frame === setupEndFrame);
  return {
    id: nextId++,
    transport: 'tcp',
    client: { ip: '10.0.0.1', port: 40000 },
    server: { ip: '10.0.0.2', port: 443 },
    midstream: false,
    state: 'complete',
    resetBy: null,
    firstFrame: events[0]?.frame ?? 1,
    lastFrame: events.at(-1)?.frame ?? 1,
    start,
    end,
    packets: events.length,
    bytes: 0,
    events,
    tcp: { synRetransmits: 0, synAckRetransmits: 0, synRetransmitOffsetsMs: [], handshakeMs: null, initialRttMs: null, mss: {}, retransmissions: 0, outOfOrder: 0, missingBytes: 0 },
    tls: null,
    setup: { ms: endEv ? (endEv.time - start) * 1000 : null, roundTrips: null, bytes: 0, packets: 0, certificateBytes: null, endFrame: setupEndFrame },
    firstDataMs: { client: null, server: null },
    lifetimeMs: (end - start) * 1000,
    setupShare: null,
    teardown: { initiator: null, by: null, ms: null, idleBeforeSec: null },
    problems: [],
    oneSided: null,
    findings: [],
    quic: null,
    requests: [],
    requestsEstimated: false,
    httpProtocol: null,
    setupMsPerRequest: null,
    ...over,
  };
}

/** The three-way handshake at t = 0, a, a + b (frames 1-3), client SYN first. */
export function handshake(a = 0.25, b = STEP): TimelineEvent[] {
  return [ev('SYN', 'client', 1, 0), ev('SYN-ACK', 'server', 2, a), ev('ACK', 'client', 3, a + b)];
}

export function facts(over: Partial<ConnectionFacts> = {}): ConnectionFacts {
  return { ...emptyFacts(), ...over };
}

export function quicMetrics(over: Partial<QuicMetrics> = {}): QuicMetrics {
  return {
    version: 1,
    versionName: 'v1',
    versionsTried: [],
    retry: false,
    versionNegotiation: false,
    zeroRtt: false,
    zeroRttPackets: 0,
    handshakeMs: null,
    handshakeInferred: false,
    scid: 'aa',
    dcid: 'bb',
    serverScid: null,
    retryScid: null,
    tokenLength: 0,
    packets: { client: { Initial: 1 }, server: {} },
    datagrams: { client: 1, server: 0 },
    undecryptedInitials: 0,
    clientMigrations: [],
    pskOffered: false,
    earlyDataOffered: false,
    close: null,
    ...over,
  };
}
