/**
 * Saved analyses (`--format protobuf`, .hlpb): a length-delimited protobuf
 * stream described by handshake_lens.proto (shipped with the package so other
 * languages can read it).
 *
 *   "HLPB" 00 00 00 01 | varint len, Record{header} | varint len, Record{connection} ... | varint len, Record{trailer}
 *
 * The writer streams: one record per connection as it is handed over, the
 * capture summary (frames, start, end, warnings, destinations) last. The reader
 * decodes record by record from a file stream; a file cut short (no trailer)
 * still yields its connections, with a warning.
 */
import { createReadStream, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { CaptureError } from '../capture/types.js';
import { DestinationTable, type IdPieces } from '../report/destinations.js';
import { TempBytes } from '../base/spill.js';
import { Float64Column, Uint32Column } from '../base/typed.js';
import { TotalKeyOrder } from '../report/order.js';
import type { Analysis, DestinationStats, Distribution } from '../report/types.js';
import { CONNECTION_STATES, EVENT_TYPES, FINDING_CODES, SEVERITIES, TRANSPORTS, type Finding, type FindingCode, type Severity, type Transport } from '../timeline/types.js';
import type { VantagePoint } from '../findings/vantage.js';
import { packageVersion } from '../base/version.js';
import type {
  ConnectionRecord,
  ConnectionState,
  EventType,
  Side,
  TimelineEvent,
  TlsAlert,
  TlsMetrics,
  QuicMetrics,
  TcpMetrics,
  RequestTiming,
} from '../timeline/types.js';

import { isSavedAnalysis, MAGIC, SCHEMA_VERSION } from './hlpb-magic.js';

export { isSavedAnalysis, MAGIC, SCHEMA_VERSION };
/** A record longer than this is taken as corruption rather than allocated. */
const MAX_RECORD_BYTES = 256 * 1024 * 1024;
/** Encoded records are gathered up to this size before one write to the stream. */
const BATCH_BYTES = 64 * 1024;

// ---------------------------------------------------------------------------
// Schema loading

function protoPath(): string {
  // src/output/protobuf.ts and dist/output/protobuf.js are both two levels below
  // the package root, and the .proto ships in src/output/.
  const candidates = [
    new URL('../../src/output/handshake_lens.proto', import.meta.url),
    new URL('./handshake_lens.proto', import.meta.url),
  ];
  for (const u of candidates) {
    const p = fileURLToPath(u);
    if (existsSync(p)) return p;
  }
  throw new Error(`handshake_lens.proto not found next to ${fileURLToPath(import.meta.url)}`);
}

/**
 * A record field's string values <-> the numbers of a .proto enum. The numbers
 * are the ones written in handshake_lens.proto, found by enum value name
 * ('SYN-ACK' -> SYN_ACK, 'ClientHello' -> CLIENT_HELLO, 'half-closed' ->
 * HALF_CLOSED, with an optional prefix: 'FIN' -> BY_FIN), never by the order of
 * a TypeScript array: adding a value in TypeScript cannot renumber the file
 * format, and a value missing from the .proto stops the schema from loading.
 * null is the enum's 0 (UNSPECIFIED).
 */
export class EnumMap<T extends string> {
  private readonly toNumber = new Map<T, number>();
  private readonly toValue = new Map<number, T>();

  constructor(
    readonly protoEnum: protobuf.Enum,
    values: readonly T[],
    private readonly what: string,
    prefix = '',
  ) {
    for (const v of values) {
      const name = prefix + protoEnumName(v);
      const n = protoEnum.values[name];
      if (n === undefined) throw new Error(`handshake_lens.proto: enum ${protoEnum.name} has no ${name} for ${what} '${v}'`);
      this.toNumber.set(v, n);
      this.toValue.set(n, v);
    }
  }

  number(v: T | null): number {
    if (v === null) return 0;
    const n = this.toNumber.get(v);
    if (n === undefined) throw new Error(`protobuf: no ${this.what} enum value for ${String(v)}`);
    return n;
  }

  value(n: unknown): T | null {
    const i = typeof n === 'number' ? n : 0;
    if (i === 0) return null;
    const v = this.toValue.get(i);
    if (v === undefined) throw new Error(`unknown ${this.what} ${i}`);
    return v;
  }
}

/** 'SYN-ACK' -> 'SYN_ACK', 'ClientHello' -> 'CLIENT_HELLO', 'session-id' -> 'SESSION_ID'. */
export function protoEnumName(v: string): string {
  return v
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .toUpperCase()
    // Enum names cannot start with a digit: '0-RTT' -> ZERO_RTT, '1-RTT' -> ONE_RTT.
    .replace(/^0_/, 'ZERO_')
    .replace(/^1_/, 'ONE_');
}

interface Schema {
  Record: protobuf.Type;
  Trailer: protobuf.Type;
  Destination: protobuf.Type;
  sides: EnumMap<Side>;
  states: EnumMap<ConnectionState>;
  events: EnumMap<EventType>;
  resumptions: EnumMap<NonNullable<TlsMetrics['resumption']>>;
  teardownBy: EnumMap<NonNullable<ConnectionRecord['teardown']['by']>>;
  transports: EnumMap<Transport>;
  severities: EnumMap<Severity>;
  oneSided: EnumMap<'client-only' | 'server-only'>;
  notDecrypted: EnumMap<NonNullable<TlsMetrics['notDecrypted']>>;
  httpProtocols: EnumMap<'http/1' | 'h2'>;
}

let types: Schema | undefined;
export function schema(): Schema {
  if (!types) {
    const root = protobuf.loadSync(protoPath());
    const e = (name: string) => root.lookupEnum(`handshake_lens.${name}`);
    types = {
      Record: root.lookupType('handshake_lens.Record'),
      Trailer: root.lookupType('handshake_lens.Trailer'),
      Destination: root.lookupType('handshake_lens.Destination'),
      sides: new EnumMap<Side>(e('Side'), ['client', 'server'], 'side'),
      states: new EnumMap<ConnectionState>(e('ConnectionState'), CONNECTION_STATES, 'connection state'),
      events: new EnumMap<EventType>(e('EventType'), EVENT_TYPES, 'event type'),
      resumptions: new EnumMap(e('Resumption'), ['session-id', 'ticket', 'psk'] as const, 'resumption'),
      teardownBy: new EnumMap(e('TeardownBy'), ['FIN', 'RST', 'CONNECTION_CLOSE', 'idle'] as const, 'teardown', 'BY_'),
      transports: new EnumMap<Transport>(e('Transport'), TRANSPORTS, 'transport'),
      severities: new EnumMap<Severity>(e('Severity'), SEVERITIES, 'severity'),
      oneSided: new EnumMap(e('OneSided'), ['client-only', 'server-only'] as const, 'one-sided'),
      notDecrypted: new EnumMap(e('NotDecrypted'), ['no-secrets', 'unsupported', 'failed'] as const, 'not-decrypted reason'),
      httpProtocols: new EnumMap(e('HttpProtocol'), ['http/1', 'h2'] as const, 'HTTP protocol'),
    };
  }
  return types;
}

// ---------------------------------------------------------------------------
// ConnectionRecord -> message object (camelCase field names, enums as numbers,
// null for absent optional fields: protobufjs skips null when encoding)

type Obj = { [k: string]: unknown };

function eventToProto(e: TimelineEvent): Obj {
  return {
    type: schema().events.number(e.type),
    from: schema().sides.number(e.from),
    frame: e.frame,
    firstFrame: e.firstFrame,
    time: e.time,
    bytes: e.bytes,
    retransmission: e.retransmission ?? null,
    inferred: e.inferred ?? null,
    detail: e.detail ?? null,
  };
}

function alertToProto(a: TlsAlert): Obj {
  return { from: schema().sides.number(a.from), frame: a.frame, level: a.level ?? null, description: a.description ?? null, name: a.name };
}

function tlsToProto(t: TlsMetrics): Obj {
  return {
    version: t.version,
    versionCode: t.versionCode,
    cipherSuite: t.cipherSuite,
    cipherName: t.cipherName,
    sni: t.sni,
    alpnOffered: t.alpnOffered,
    alpn: t.alpn,
    versionsOffered: t.versionsOffered,
    keyShareGroupsOffered: t.keyShareGroupsOffered,
    keyShareGroup: t.keyShareGroup,
    resumed: t.resumed,
    resumption: schema().resumptions.number(t.resumption),
    earlyData: t.earlyData,
    helloRetry: t.helloRetry,
    alerts: t.alerts.map(alertToProto),
    certificateBytes: t.certificateBytes,
    certificateCount: t.certificateCount,
    handshakeMs: t.handshakeMs,
    handshakeEndInferred: t.handshakeEndInferred,
    firstApplicationDataRecord: { client: t.firstApplicationDataRecord.client, server: t.firstApplicationDataRecord.server },
    startTls: t.startTls,
    decrypted: t.decrypted,
    notDecrypted: schema().notDecrypted.number(t.notDecrypted),
    clientBursts: t.clientBursts ?? 0,
  };
}

function requestToProto(r: RequestTiming): Obj {
  return {
    requestFrame: r.requestFrame,
    requestTime: r.requestTime,
    requestEndFrame: r.requestEndFrame,
    requestEndTime: r.requestEndTime,
    responseFrame: r.responseFrame,
    responseTime: r.responseTime,
    responseEndFrame: r.responseEndFrame,
    responseEndTime: r.responseEndTime,
    method: r.method ?? null,
    status: r.status ?? null,
    stream: r.stream ?? null,
    requestBytes: r.requestBytes,
    responseBytes: r.responseBytes,
    ttfbMs: r.ttfbMs,
    transferMs: r.transferMs,
  };
}

function requestFromProto(m: Obj): RequestTiming {
  const r: RequestTiming = {
    requestFrame: num(m.requestFrame),
    requestTime: num(m.requestTime),
    requestEndFrame: optNum(m, 'requestEndFrame'),
    requestEndTime: optNum(m, 'requestEndTime'),
    responseFrame: optNum(m, 'responseFrame'),
    responseTime: optNum(m, 'responseTime'),
    responseEndFrame: optNum(m, 'responseEndFrame'),
    responseEndTime: optNum(m, 'responseEndTime'),
    requestBytes: num(m.requestBytes),
    responseBytes: num(m.responseBytes),
    ttfbMs: optNum(m, 'ttfbMs'),
    transferMs: optNum(m, 'transferMs'),
  };
  setIf(r, 'method', optStr(m, 'method'));
  setIf(r, 'status', optNum(m, 'status'));
  setIf(r, 'stream', optNum(m, 'stream'));
  return r;
}

export function connectionToProto(c: ConnectionRecord): Obj {
  return {
    id: c.id,
    client: { ip: c.client.ip, port: c.client.port },
    server: { ip: c.server.ip, port: c.server.port },
    transport: schema().transports.number(c.transport),
    midstream: c.midstream,
    state: schema().states.number(c.state),
    resetBy: schema().sides.number(c.resetBy),
    firstFrame: c.firstFrame,
    lastFrame: c.lastFrame,
    start: c.start,
    end: c.end,
    packets: c.packets,
    bytes: c.bytes,
    events: c.events.map(eventToProto),
    tcp: c.tcp && {
      synRetransmits: c.tcp.synRetransmits,
      synAckRetransmits: c.tcp.synAckRetransmits,
      synRetransmitOffsetsMs: c.tcp.synRetransmitOffsetsMs,
      handshakeMs: c.tcp.handshakeMs,
      initialRttMs: c.tcp.initialRttMs,
      mss: { client: c.tcp.mss.client ?? null, server: c.tcp.mss.server ?? null },
      retransmissions: c.tcp.retransmissions,
      outOfOrder: c.tcp.outOfOrder,
      missingBytes: c.tcp.missingBytes,
    },
    tls: c.tls ? tlsToProto(c.tls) : null,
    setup: {
      ms: c.setup.ms,
      roundTrips: c.setup.roundTrips,
      bytes: c.setup.bytes,
      packets: c.setup.packets,
      certificateBytes: c.setup.certificateBytes,
      endFrame: c.setup.endFrame,
    },
    firstDataMs: { client: c.firstDataMs.client, server: c.firstDataMs.server },
    lifetimeMs: c.lifetimeMs,
    setupShare: c.setupShare,
    teardown: {
      initiator: schema().sides.number(c.teardown.initiator),
      by: schema().teardownBy.number(c.teardown.by),
      ms: c.teardown.ms,
      idleBeforeSec: c.teardown.idleBeforeSec,
    },
    problems: c.problems,
    findings: (c.findings ?? []).map((f) => ({
      code: f.code,
      severity: schema().severities.number(f.severity),
      frame: f.frame,
      detail: f.detail,
      costMs: f.costMs ?? null,
    })),
    oneSided: schema().oneSided.number(c.oneSided ?? null),
    quic: c.quic ? quicToProto(c.quic) : null,
    requests: c.requests.map(requestToProto),
    requestsEstimated: c.requestsEstimated,
    httpProtocol: schema().httpProtocols.number(c.httpProtocol),
    setupMsPerRequest: c.setupMsPerRequest,
  };
}

function quicToProto(q: QuicMetrics): Obj {
  return {
    version: q.version,
    versionName: q.versionName,
    versionsTried: q.versionsTried,
    retry: q.retry,
    versionNegotiation: q.versionNegotiation,
    zeroRtt: q.zeroRtt,
    zeroRttPackets: q.zeroRttPackets,
    handshakeMs: q.handshakeMs,
    handshakeInferred: q.handshakeInferred,
    scid: q.scid,
    dcid: q.dcid,
    serverScid: q.serverScid,
    retryScid: q.retryScid,
    tokenLength: q.tokenLength,
    clientPackets: { ...q.packets.client },
    serverPackets: { ...q.packets.server },
    clientDatagrams: q.datagrams.client,
    serverDatagrams: q.datagrams.server,
    undecryptedInitials: q.undecryptedInitials,
    clientMigrations: q.clientMigrations.map((e) => ({ ip: e.ip, port: e.port })),
    pskOffered: q.pskOffered,
    earlyDataOffered: q.earlyDataOffered,
    close: q.close && { from: schema().sides.number(q.close.from), frame: q.close.frame, errorCode: q.close.errorCode, reason: q.close.reason },
  };
}

function quicFromProto(m: Obj): QuicMetrics {
  const counts = (v: unknown): Record<string, number> => Object.fromEntries(Object.entries(msg(v)).map(([k, n]) => [k, num(n)]));
  const close = msg(m.close);
  return {
    version: num(m.version),
    versionName: str(m.versionName),
    versionsTried: list(m.versionsTried).map(num),
    retry: m.retry === true,
    versionNegotiation: m.versionNegotiation === true,
    zeroRtt: m.zeroRtt === true,
    zeroRttPackets: num(m.zeroRttPackets),
    handshakeMs: optNum(m, 'handshakeMs'),
    handshakeInferred: m.handshakeInferred === true,
    scid: str(m.scid),
    dcid: str(m.dcid),
    serverScid: optStr(m, 'serverScid'),
    retryScid: optStr(m, 'retryScid'),
    tokenLength: num(m.tokenLength),
    packets: { client: counts(m.clientPackets), server: counts(m.serverPackets) },
    datagrams: { client: num(m.clientDatagrams), server: num(m.serverDatagrams) },
    undecryptedInitials: num(m.undecryptedInitials),
    clientMigrations: list(m.clientMigrations).map((e) => ({ ip: str(msg(e).ip), port: num(msg(e).port) })),
    pskOffered: m.pskOffered === true,
    earlyDataOffered: m.earlyDataOffered === true,
    close: has(m, 'close') ? { from: schema().sides.value(close.from) as Side, frame: num(close.frame), errorCode: num(close.errorCode), reason: str(close.reason) } : null,
  };
}

function distributionToProto(d: Distribution): Obj {
  return { ...d };
}

/** @internal Exported for the trailer test. */
export function destinationToProto(d: DestinationStats): Obj {
  return {
    key: d.key,
    sni: d.sni,
    ip: d.ip,
    port: d.port,
    connections: d.connections,
    connectionIds: d.connectionIds,
    peakConcurrency: d.peakConcurrency,
    idleGapsSec: distributionToProto(d.idleGapsSec),
    setupMs: distributionToProto(d.setupMs),
    setupRoundTrips: d.setupRoundTrips,
    handshakeBytes: d.handshakeBytes,
    certificateBytes: d.certificateBytes,
    resumptionRate: d.resumptionRate,
    setupShare: d.setupShare,
    observedIdleTimeouts: d.observedIdleTimeouts.map((o) => ({ by: schema().sides.number(o.by), seconds: o.seconds, connectionId: o.connectionId })),
    quicConnectionIds: d.quicConnectionIds,
    tcpSetup: d.setupByTransport.tcp && { ...d.setupByTransport.tcp, setupMs: distributionToProto(d.setupByTransport.tcp.setupMs) },
    quicSetup: d.setupByTransport.quic && { ...d.setupByTransport.quic, setupMs: distributionToProto(d.setupByTransport.quic.setupMs) },
  };
}

/** @internal Exported for the trailer test. */
export function captureToProto(c: Analysis['capture']): Obj {
  return {
    file: c.file,
    format: c.format,
    frames: c.frames,
    start: c.start,
    end: c.end,
    warnings: c.warnings,
    linkTypes: c.linkTypes ? { values: c.linkTypes } : null,
    bytes: c.bytes ?? null,
    vantage: c.vantage
      ? { point: c.vantage.point, handshakes: c.vantage.handshakes, synToSynAckMs: c.vantage.synToSynAckMs, synAckToAckMs: c.vantage.synAckToAckMs }
      : null,
    udpDatagrams: c.udpDatagrams ?? null,
    quicDatagrams: c.quicDatagrams ?? null,
    quicPackets: c.quicPackets ?? null,
  };
}

// ---------------------------------------------------------------------------
// Decoded message -> ConnectionRecord. Decoded messages have every field:
// unset optional fields and sub-messages read as null, unset scalars as 0/''/false,
// 64-bit integers as Long.

function num(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v === null || v === undefined) return 0;
  // 64-bit fields decode as Long ({low, high, unsigned, toNumber()}).
  if (typeof v === 'object' && typeof (v as { toNumber?: unknown }).toNumber === 'function') {
    return (v as { toNumber(): number }).toNumber();
  }
  throw new Error(`expected a number, got ${typeof v}`);
}
/**
 * Optional fields are read by presence: the decoder sets an own property only
 * for fields on the wire (the prototype default of an unset optional 64-bit
 * field is a Long zero, not null, so the value alone cannot tell).
 */
function has(m: Obj, k: string): boolean {
  return Object.hasOwn(m, k) && m[k] !== null && m[k] !== undefined;
}
function optNum(m: Obj, k: string): number | null {
  return has(m, k) ? num(m[k]) : null;
}
function optBool(m: Obj, k: string): boolean | null {
  return has(m, k) ? m[k] === true : null;
}
function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}
function optStr(m: Obj, k: string): string | null {
  return has(m, k) ? str(m[k]) : null;
}
function msg(v: unknown): Obj {
  return v !== null && typeof v === 'object' ? (v as Obj) : {};
}
function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
/** Present-or-absent fields (`x?: T` in TypeScript): set only when the message had them. */
function setIf<T extends object, K extends keyof T>(o: T, k: K, v: T[K] | null): void {
  if (v !== null && v !== undefined) o[k] = v;
}

function eventFromProto(m: Obj): TimelineEvent {
  const e: TimelineEvent = {
    type: schema().events.value(m.type) as EventType,
    from: schema().sides.value(m.from) as Side,
    frame: num(m.frame),
    firstFrame: num(m.firstFrame),
    time: num(m.time),
    bytes: num(m.bytes),
  };
  setIf(e, 'retransmission', optBool(m, 'retransmission'));
  setIf(e, 'inferred', optBool(m, 'inferred'));
  setIf(e, 'detail', optStr(m, 'detail'));
  if (e.type === null || e.from === null) throw new Error('event without a type or side');
  return e;
}

function alertFromProto(m: Obj): TlsAlert {
  // Keys in the order the analysis writes them (from, frame, level, description, name): a saved
  // analysis read back gives the same JSON text as the capture did.
  const a = { from: schema().sides.value(m.from) as Side, frame: num(m.frame) } as TlsAlert;
  setIf(a, 'level', optNum(m, 'level'));
  setIf(a, 'description', optNum(m, 'description'));
  a.name = str(m.name);
  return a;
}

function tlsFromProto(m: Obj): TlsMetrics {
  const fad = msg(m.firstApplicationDataRecord);
  return {
    version: optStr(m, 'version'),
    versionCode: optNum(m, 'versionCode'),
    cipherSuite: optNum(m, 'cipherSuite'),
    cipherName: optStr(m, 'cipherName'),
    sni: optStr(m, 'sni'),
    alpnOffered: list(m.alpnOffered).map(str),
    alpn: optStr(m, 'alpn'),
    versionsOffered: list(m.versionsOffered).map(num),
    keyShareGroupsOffered: list(m.keyShareGroupsOffered).map(num),
    keyShareGroup: optNum(m, 'keyShareGroup'),
    resumed: m.resumed === true,
    resumption: schema().resumptions.value(m.resumption),
    earlyData: m.earlyData === true,
    helloRetry: m.helloRetry === true,
    alerts: list(m.alerts).map((a) => alertFromProto(msg(a))),
    certificateBytes: optNum(m, 'certificateBytes'),
    certificateCount: optNum(m, 'certificateCount'),
    handshakeMs: optNum(m, 'handshakeMs'),
    handshakeEndInferred: m.handshakeEndInferred === true,
    firstApplicationDataRecord: { client: optNum(fad, 'client'), server: optNum(fad, 'server') },
    startTls: m.startTls === true,
    decrypted: m.decrypted === true,
    notDecrypted: schema().notDecrypted.value(m.notDecrypted),
    clientBursts: num(m.clientBursts),
  };
}

export function connectionFromProto(m: Obj): ConnectionRecord {
  const r = recordFromProto(m);
  return r.transport === 'quic' ? inQuicKeyOrder(r) : r;
}

/**
 * A QUIC record's keys in the order src/timeline/quic-build.ts writes them
 * (transport after id, quic last), so that a saved analysis read back gives
 * the NDJSON/JSON text the capture gave, byte for byte (TCP records already do).
 */
function inQuicKeyOrder(r: ConnectionRecord): ConnectionRecord {
  const { id, transport, quic, ...rest } = r;
  return { id, transport, ...rest, quic };
}

function recordFromProto(m: Obj): ConnectionRecord {
  const client = msg(m.client);
  const server = msg(m.server);
  const tcp = msg(m.tcp);
  const mss = msg(tcp.mss);
  const setup = msg(m.setup);
  const fd = msg(m.firstDataMs);
  const td = msg(m.teardown);
  const state = schema().states.value(m.state);
  if (state === null) throw new Error('connection without a state');
  const mssOut: TcpMetrics['mss'] = {};
  setIf(mssOut, 'client', optNum(mss, 'client'));
  setIf(mssOut, 'server', optNum(mss, 'server'));
  return {
    id: num(m.id),
    client: { ip: str(client.ip), port: num(client.port) },
    server: { ip: str(server.ip), port: num(server.port) },
    transport: schema().transports.value(m.transport) ?? 'tcp',
    midstream: m.midstream === true,
    state,
    resetBy: schema().sides.value(m.resetBy),
    firstFrame: num(m.firstFrame),
    lastFrame: num(m.lastFrame),
    start: num(m.start),
    end: num(m.end),
    packets: num(m.packets),
    bytes: num(m.bytes),
    events: list(m.events).map((e) => eventFromProto(msg(e))),
    // Absent for QUIC; always present in TCP records (0.1.0 files included).
    tcp: !has(m, 'tcp') ? null : {
      synRetransmits: num(tcp.synRetransmits),
      synAckRetransmits: num(tcp.synAckRetransmits),
      synRetransmitOffsetsMs: list(tcp.synRetransmitOffsetsMs).map(num),
      handshakeMs: optNum(tcp, 'handshakeMs'),
      initialRttMs: optNum(tcp, 'initialRttMs'),
      mss: mssOut,
      retransmissions: num(tcp.retransmissions),
      outOfOrder: num(tcp.outOfOrder),
      missingBytes: num(tcp.missingBytes),
    },
    tls: has(m, 'tls') ? tlsFromProto(msg(m.tls)) : null,
    setup: {
      ms: optNum(setup, 'ms'),
      roundTrips: optNum(setup, 'roundTrips'),
      bytes: num(setup.bytes),
      packets: num(setup.packets),
      certificateBytes: optNum(setup, 'certificateBytes'),
      endFrame: optNum(setup, 'endFrame'),
    },
    firstDataMs: { client: optNum(fd, 'client'), server: optNum(fd, 'server') },
    lifetimeMs: num(m.lifetimeMs),
    setupShare: optNum(m, 'setupShare'),
    teardown: {
      initiator: schema().sides.value(td.initiator),
      by: schema().teardownBy.value(td.by),
      ms: optNum(td, 'ms'),
      idleBeforeSec: optNum(td, 'idleBeforeSec'),
    },
    problems: list(m.problems).map(str),
    oneSided: schema().oneSided.value(m.oneSided),
    // A code this version does not know (a newer writer) is left out: nothing here could explain it.
    findings: list(m.findings).flatMap((f) => findingFromProto(msg(f))),
    quic: has(m, 'quic') ? quicFromProto(msg(m.quic)) : null,
    requests: list(m.requests).map((r) => requestFromProto(msg(r))),
    requestsEstimated: m.requestsEstimated === true,
    httpProtocol: schema().httpProtocols.value(m.httpProtocol),
    setupMsPerRequest: optNum(m, 'setupMsPerRequest'),
  };
}

const KNOWN_CODES: ReadonlySet<string> = new Set(FINDING_CODES);
const VANTAGE_POINTS: ReadonlySet<string> = new Set(['client', 'server', 'between', 'unknown']);

function findingFromProto(m: Obj): Finding[] {
  const code = str(m.code);
  if (!KNOWN_CODES.has(code)) return [];
  const f: Finding = { code: code as FindingCode, severity: schema().severities.value(m.severity) ?? 'info', frame: num(m.frame), detail: str(m.detail) };
  setIf(f, 'costMs', optNum(m, 'costMs'));
  return [f];
}

function captureFromProto(m: Obj): Analysis['capture'] {
  const c: Analysis['capture'] = {
    file: str(m.file),
    format: str(m.format),
    frames: num(m.frames),
    start: optNum(m, 'start'),
    end: optNum(m, 'end'),
    warnings: list(m.warnings).map(str),
  };
  if (has(m, 'linkTypes')) c.linkTypes = list(msg(m.linkTypes).values).map(str);
  setIf(c, 'bytes', optNum(m, 'bytes'));
  if (has(m, 'vantage')) {
    const v = msg(m.vantage);
    const point = str(v.point);
    c.vantage = {
      point: (VANTAGE_POINTS.has(point) ? point : 'unknown') as VantagePoint,
      handshakes: num(v.handshakes),
      synToSynAckMs: optNum(v, 'synToSynAckMs'),
      synAckToAckMs: optNum(v, 'synAckToAckMs'),
    };
  }
  setIf(c, 'udpDatagrams', optNum(m, 'udpDatagrams'));
  setIf(c, 'quicDatagrams', optNum(m, 'quicDatagrams'));
  setIf(c, 'quicPackets', optNum(m, 'quicPackets'));
  return c;
}

// ---------------------------------------------------------------------------
// Writer

export interface ProtobufWriterOptions {
  /** End the output stream in end() (default: true, except for process.stdout/stderr). */
  close?: boolean;
  /** Tool version for the header (default: package.json's). */
  toolVersion?: string;
}

/**
 * Streams a saved analysis. Records are encoded as they are handed over and
 * written in batches of ~64 KiB; when the stream asks to slow down
 * (`write()` returned false) `needsDrain` is true and `drain()` resolves once
 * it has caught up — callers producing many connections can await it. end()
 * writes the trailer and resolves when everything is flushed.
 */
export class ProtobufWriter {
  private readonly out: NodeJS.WritableStream;
  private readonly close: boolean;
  private batch: Uint8Array[] = [];
  private batchBytes = 0;
  private blocked = false;
  private error: Error | undefined;
  private ended = false;
  /**
   * The trailer's per-destination aggregates, fed as connections are written: two counts, a
   * port and an entry to find it by (an IPv4 address and port by number) per destination, and
   * rows per connection that go to a temporary file past 65,536 (report/destinations.ts).
   * Whole records kept here held 2.1 GB for 1,000,000 unanswered SYNs, compact rows 235 MB,
   * columns in memory 33 MB.
   */
  private dests = new DestinationTable();
  private readonly R = schema().Record;
  private readonly onError = (err: Error): void => {
    this.error ??= err;
  };

  constructor(out: NodeJS.WritableStream, header: { file: string }, opts: ProtobufWriterOptions = {}) {
    this.out = out;
    this.close = opts.close ?? !(out === process.stdout || out === process.stderr);
    out.on('error', this.onError);
    this.push(MAGIC);
    this.record({
      header: { tool: 'handshake-lens', toolVersion: opts.toolVersion ?? packageVersion(), file: header.file, schemaVersion: SCHEMA_VERSION },
    });
  }

  /** True while the output stream has more buffered than it wants. */
  get needsDrain(): boolean {
    return this.blocked;
  }

  /** Resolves when the output stream has drained (at once if it is not blocked). */
  drain(): Promise<void> {
    if (!this.blocked) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (): void => {
        this.out.removeListener('drain', done);
        this.out.removeListener('error', fail);
        this.blocked = false;
        resolve();
      };
      const fail = (err: Error): void => {
        this.out.removeListener('drain', done);
        reject(err);
      };
      this.out.once('drain', done);
      this.out.once('error', fail);
    });
  }

  writeConnection(c: ConnectionRecord): void {
    if (this.ended) throw new Error('ProtobufWriter: writeConnection after end');
    this.dests.add(c);
    this.record({ connection: connectionToProto(c) });
  }

  /** Writes the trailer (capture summary, destinations), flushes, and ends the stream unless told not to. */
  async end(capture: Analysis['capture']): Promise<void> {
    if (this.ended) throw new Error('ProtobufWriter: end called twice');
    this.ended = true;
    // Each destination is encoded as it is computed, into a temporary file, and the file
    // is written out in the trailer's order: nothing here grows with the connection count.
    const table = this.dests;
    this.dests = new DestinationTable();
    for (const chunk of tableTrailerChunks(captureToProto(capture), table)) {
      this.push(chunk);
      if (this.batchBytes >= BATCH_BYTES) {
        this.flush();
        if (this.error) throw this.error;
        if (this.blocked) await this.drain();
      }
    }
    const last = this.takeBatch();
    await new Promise<void>((resolve, reject) => {
      if (this.error) return reject(this.error);
      const finish = (err?: Error | null): void => {
        this.out.removeListener('error', this.onError);
        if (err || this.error) reject(err ?? this.error);
        else resolve();
      };
      if (this.close) {
        this.out.once('error', finish);
        if (last) this.out.end(last, () => finish());
        else this.out.end(() => finish());
      } else if (last) {
        this.out.write(last, (err) => finish(err));
      } else {
        finish();
      }
    });
  }

  /**
   * Records are encoded one after another into one protobufjs Writer per batch, which makes
   * the batch's buffer once when it is handed over, instead of a buffer per record
   * (`finish()` each) and a copy of them all into the batch.
   */
  private w = protobuf.Writer.create();

  private record(obj: Obj): void {
    this.R.encodeDelimited(obj, this.w);
    if (this.batchBytes + this.w.len >= BATCH_BYTES) this.flush();
  }

  private push(b: Uint8Array): void {
    this.settle();
    this.batch.push(b);
    this.batchBytes += b.length;
  }

  /** The records encoded since the last batch piece, as one piece. */
  private settle(): void {
    if (this.w.len === 0) return;
    const b = this.w.finish();
    this.w = protobuf.Writer.create();
    this.batch.push(b);
    this.batchBytes += b.length;
  }

  private takeBatch(): Buffer | undefined {
    this.settle();
    if (this.batch.length === 0) return undefined;
    const one = this.batch.length === 1 ? this.batch[0]! : undefined;
    const buf = one ? (Buffer.isBuffer(one) ? one : Buffer.from(one)) : Buffer.concat(this.batch, this.batchBytes);
    this.batch = [];
    this.batchBytes = 0;
    return buf;
  }

  /** Hands the records collected so far to the stream (a live source sends each connection promptly). */
  flush(): void {
    const buf = this.takeBatch();
    if (buf && !this.out.write(buf)) this.blocked = true;
  }
}

/** Elements of a repeated field encoded in one go; longer lists are encoded in pieces of this many (encodeTrailer). */
export const LIST_PIECE = 16_384;

/** A length-delimited field's tag. */
const delimitedTag = (t: protobuf.Type, field: string): number => (t.fields[field]!.id << 3) | 2;

/**
 * The trailer record, varint-length-prefixed, encoded so that no list is encoded
 * whole. protobufjs keeps an object per element until finish() (~50 B each): the
 * trailer of a million unanswered SYNs (one destination, a million connection ids)
 * took the heap from 39 to 81 MB while it was encoded, at the end of the run. A
 * destination is its fields without its long lists, then each long list in pieces
 * of LIST_PIECE elements, each piece a Destination holding that piece alone: a
 * parser appends the elements of every occurrence of a repeated field (protobuf's
 * encoding guide: the key-value pairs of a packed field that occurs more than once
 * are concatenated), so the bytes decode to the same message. Without a list that
 * long the bytes are those of encoding the record whole.
 */
export function encodeTrailer(capture: Obj, destinations: readonly DestinationStats[]): Uint8Array {
  return Buffer.concat([...trailerChunks(capture, destinations)]);
}

/** The bytes of encodeTrailer() in chunks. */
export function* trailerChunks(capture: Obj, destinations: readonly DestinationStats[]): Generator<Uint8Array> {
  const { Destination: D } = schema();
  const blobs = destinations.map((d) => Buffer.concat([...destinationBytes(D, destinationToProto(d), () => null)]));
  yield* trailerFrame(
    capture,
    (k) => blobs[k]!.length,
    blobs.length,
    function* (i) {
      yield blobs[i]!;
    },
  );
}

/**
 * The trailer of a DestinationTable's destinations, with the bytes of
 * encodeTrailer(capture, table.result()), without holding the destinations: each
 * is encoded as the table computes it (its long id lists piece by piece, as they
 * are read back from the table's file) and appended to a temporary file; what is
 * kept per destination is its total setup ms, key, and place in the file, and the
 * file is read back in the trailer's order. A scan of a million addresses (a
 * destination each) took the trailer to 1.6 GB of memory when every
 * DestinationStats was held (~940 B each, plus its encoding).
 */
export function* tableTrailerChunks(capture: Obj, table: DestinationTable): Generator<Uint8Array> {
  const { Destination: D } = schema();
  const file = new TempBytes(undefined, { cachedReads: true });
  try {
    const order = new TotalKeyOrder();
    const at = new Float64Column();
    const sizes = new Uint32Column();
    table.eachDestination(LIST_PIECE, (d, pieces: IdPieces) => {
      const start = file.length;
      for (const b of destinationBytes(D, destinationToProto(d), (list) => pieces(list, LIST_PIECE))) file.append(b);
      const i = order.add(d.setupMs.total, d.key);
      at.set(i, start);
      sizes.set(i, file.length - start);
    });
    const sorted = order.order();
    yield* trailerFrame(
      capture,
      (k) => sizes.get(sorted[k]!),
      sorted.length,
      function* (k) {
        const i = sorted[k]!;
        const size = sizes.get(i);
        for (let done = 0; done < size; ) {
          const chunk = new Uint8Array(Math.min(64 * 1024, size - done));
          file.read(at.get(i) + done, chunk, chunk.length);
          done += chunk.length;
          yield chunk;
        }
      },
    );
  } finally {
    file.close();
  }
}

/** Bytes of a varint of n (n < 2^53). */
function varintBytes(n: number): number {
  let k = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    k++;
  }
  return k;
}

/**
 * The trailer record around destinations already encoded: the record's length,
 * the trailer's tag and length, the capture, then for each destination (k in
 * 0..count-1) its tag, its length size(k) and the bytes `blob(k)` gives.
 */
function* trailerFrame(capture: Obj, size: (k: number) => number, count: number, blob: (k: number) => Iterable<Uint8Array>): Generator<Uint8Array> {
  const { Record: R, Trailer: T } = schema();
  const head = T.encode({ capture }).finish();
  const destTag = delimitedTag(T, 'destinations');
  let trailerLen = head.length;
  const tagBytes = varintBytes(destTag);
  for (let k = 0; k < count; k++) {
    const n = size(k);
    trailerLen += tagBytes + varintBytes(n) + n;
  }
  const recordHead = protobuf.Writer.create().uint32(delimitedTag(R, 'trailer')).uint32(trailerLen);
  yield protobuf.Writer.create()
    .uint32(recordHead.len + trailerLen)
    .uint32(delimitedTag(R, 'trailer'))
    .uint32(trailerLen)
    .finish();
  yield head;
  for (let k = 0; k < count; k++) {
    yield protobuf.Writer.create().uint32(destTag).uint32(size(k)).finish();
    yield* blob(k);
  }
}

/** The repeated fields of Destination that are id lists a DestinationTable may stream. */
const STREAMED_LISTS = new Set(['connectionIds', 'quicConnectionIds']);

/**
 * A destination's encoding, made as it is taken: its fields without its long lists, then
 * each long list's pieces, in field order. A list `streamed` hands out (left empty in `o`)
 * is long whatever its length.
 */
function* destinationBytes(D: protobuf.Type, o: Obj, streamed: (list: 'connectionIds' | 'quicConnectionIds') => Iterable<number[]> | null): Generator<Uint8Array> {
  const long: { name: string; pieces: Iterable<unknown[]> }[] = [];
  for (const f of D.fieldsArray) {
    if (!f.repeated) continue;
    const name = f.name;
    const fromTable = STREAMED_LISTS.has(name) ? streamed(name as 'connectionIds') : null;
    const list = o[name] as unknown[] | null;
    if (fromTable !== null) long.push({ name, pieces: fromTable });
    else if ((list?.length ?? 0) > LIST_PIECE) long.push({ name, pieces: slices(list!, LIST_PIECE) });
  }
  if (long.length === 0) {
    yield D.encode(o).finish();
    return;
  }
  const rest: Obj = { ...o };
  for (const { name } of long) rest[name] = [];
  yield D.encode(rest).finish();
  for (const { name, pieces } of long) for (const piece of pieces) yield D.encode({ [name]: piece }).finish();
}

function* slices<T>(list: readonly T[], size: number): Iterable<T[]> {
  for (let i = 0; i < list.length; i += size) yield list.slice(i, i + size);
}

// ---------------------------------------------------------------------------
// Reader

/** Reads a varint32 at pos: [value, bytes used], or undefined when more bytes are needed. */
function readVarint(buf: Buffer, pos: number): [number, number] | undefined {
  let value = 0;
  for (let i = 0; i < 5; i++) {
    if (pos + i >= buf.length) return undefined;
    const b = buf[pos + i];
    value += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) return [value, i + 1];
  }
  throw new Error('record length is not a valid varint32');
}

/**
 * Decodes a saved analysis record by record from a byte stream. `name` is used
 * in error messages. Corruption throws a CaptureError; a stream that ends
 * before the trailer gives the connections read so far and a warning.
 */
export async function readSavedAnalysisStream(source: AsyncIterable<Buffer | string>, name: string): Promise<Analysis> {
  const R = schema().Record;
  let buf: Buffer = Buffer.alloc(0);
  let pos = 0;
  let offset = 0; // file offset of buf[0]
  let magicOk = false;
  let headerFile: string | undefined;
  let capture: Analysis['capture'] | undefined;
  let extraAfterTrailer = false;
  const connections: ConnectionRecord[] = [];
  const fail = (at: number, why: string): never => {
    throw new CaptureError(`${name}: not a valid handshake-lens saved analysis (byte ${at}: ${why})`);
  };

  for await (const raw of source) {
    const chunk = typeof raw === 'string' ? Buffer.from(raw) : raw;
    if (pos >= buf.length) {
      offset += buf.length;
      buf = chunk;
    } else {
      offset += pos;
      buf = Buffer.concat([buf.subarray(pos), chunk]);
    }
    pos = 0;
    if (!magicOk) {
      if (buf.length < MAGIC.length) continue;
      if (!isSavedAnalysis(buf)) fail(0, 'missing the HLPB magic');
      const v = buf.readUInt32BE(4);
      if (v !== SCHEMA_VERSION) fail(4, `format version ${v}, this version of handshake-lens reads ${SCHEMA_VERSION}`);
      magicOk = true;
      pos = MAGIC.length;
    }
    for (;;) {
      let lenInfo: [number, number] | undefined;
      try {
        lenInfo = readVarint(buf, pos);
      } catch (e) {
        fail(offset + pos, (e as Error).message);
      }
      if (!lenInfo) break;
      const [len, used] = lenInfo;
      if (len > MAX_RECORD_BYTES) fail(offset + pos, `record length ${len} is implausible`);
      if (pos + used + len > buf.length) break;
      const at = offset + pos;
      let rec: Obj;
      try {
        rec = R.decode(buf.subarray(pos + used, pos + used + len)) as unknown as Obj;
      } catch (e) {
        return fail(at, (e as Error).message);
      }
      pos += used + len;
      if (capture) {
        extraAfterTrailer = true;
        continue;
      }
      try {
        if (rec.header) headerFile = str(msg(rec.header).file);
        else if (rec.connection) connections.push(connectionFromProto(msg(rec.connection)));
        else if (rec.trailer) capture = captureFromProto(msg(msg(rec.trailer).capture));
        // A record of a kind this version does not know is skipped.
      } catch (e) {
        fail(at, (e as Error).message);
      }
    }
  }
  if (!magicOk) fail(0, buf.length === 0 ? 'empty file' : 'too short for the HLPB magic');
  if (headerFile === undefined) fail(MAGIC.length, 'no header record');
  if (!capture) {
    const cut = pos < buf.length ? ` (${buf.length - pos} bytes of an incomplete record at byte ${offset + pos})` : '';
    return {
      capture: {
        file: headerFile!,
        format: '',
        frames: 0,
        start: null,
        end: null,
        warnings: [`saved analysis ${name} is cut short: no trailer after ${connections.length} connections${cut}; capture totals are unknown`],
      },
      connections,
    };
  }
  if (pos < buf.length || extraAfterTrailer) capture.warnings.push(`saved analysis ${name} has data after its trailer (ignored)`);
  return { capture, connections };
}

/** Reads a saved analysis (.hlpb) from a file ('-' for stdin), streaming. */
export async function readSavedAnalysis(path: string): Promise<Analysis> {
  if (path === '-') return readSavedAnalysisStream(process.stdin, 'stdin');
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  try {
    return await readSavedAnalysisStream(stream, path);
  } catch (e) {
    if (e instanceof CaptureError) throw e;
    const err = e as NodeJS.ErrnoException;
    if (err.code) throw new CaptureError(`${path}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
    throw e;
  } finally {
    stream.destroy();
  }
}
