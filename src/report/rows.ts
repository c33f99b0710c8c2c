/**
 * Compact per-connection rows: what the report stage reads of a connection
 * record, and nothing else (issue 14). The text report, the JSON document, the
 * terminal UI and `pool`/`compare` keep one row per connection instead of whole records, so
 * every aggregate (summary, state counts, findings groups, destinations, pool
 * simulation and verdict, QUIC pool, comparison) covers every connection of
 * the capture.
 *
 * A row is stored column by column (RowStore: typed arrays in chunks of 64 Ki
 * elements, never copied once the first is full; strings such as addresses,
 * SNI and versions stored once) and read through a RowView, which has the property paths of the
 * ConnectionRecord it came from (a ConnectionRecord *is* a ConnRow: the report
 * functions take either). A row keeps:
 * - of the timeline, which of SYN, SYN-ACK, ClientHello and ServerHello were
 *   seen (compare.ts and findings.ts ask); no problems, no request list (its
 *   length only), no TCP/TLS/QUIC details the report does not read;
 * - its findings without their text (idle-close keeps it: pool.ts reads the
 *   seconds in it), in columns of their own.
 *
 * The terminal UI lists rows too: a row also keeps what its connections table
 * shows, sorts and filters by (client port, ALPN, setup share, reset side, marks).
 *
 * Measured with Node 20 (test/report/rows.test.ts prints it): ~265 B per
 * connection of a SYN flood and per TLS connection, the view included
 * (ROW_BYTES_MAX is the bound the test holds it to).
 */
import {
  CONNECTION_STATES,
  FINDING_CODES,
  SEVERITIES,
  type ConnectionRecord,
  type ConnectionState,
  type Endpoint,
  type EventType,
  type Finding,
  type FindingCode,
  type Severity,
  type Side,
  type Transport,
} from '../timeline/types.js';
import { Float64Column, Int32Column, Uint16Column, Uint32Column, Uint8Column, grown, type ChunkedColumn } from '../base/typed.js';
import type { Analysis } from './types.js';
import { homeSlot, textHash } from '../base/hash.js';

/** A finding as a row keeps it: no text except for idle-close (see the file comment). */
export interface RowFinding {
  readonly code: FindingCode;
  readonly severity: Severity;
  readonly frame: number;
  readonly detail: string;
  readonly costMs?: number;
}

/** The TLS facts the report and the connections table read. */
export interface RowTls {
  readonly sni: string | null;
  readonly version: string | null;
  readonly alpn: string | null;
  readonly resumed: boolean;
  readonly earlyData: boolean;
  readonly decrypted: boolean;
  readonly handshakeMs: number | null;
  readonly certificateBytes: number | null;
  readonly clientBursts?: number;
  /**
   * A row keeps the first alert (handshakeFailure reads its name) and, when that one is
   * not fatal, the first fatal alert (the table marks a connection with one as failed).
   */
  readonly alerts: readonly { readonly name: string; readonly level?: number }[];
}

/** The QUIC facts the report and the connections table read. */
export interface RowQuic {
  readonly versionName: string;
  readonly zeroRtt: boolean;
  readonly retry: boolean;
  readonly handshakeMs: number | null;
  readonly close: { readonly errorCode: number } | null;
}

export interface RowTeardown {
  readonly initiator: Side | null;
  readonly by: 'FIN' | 'RST' | 'CONNECTION_CLOSE' | 'idle' | null;
  readonly ms: number | null;
  readonly idleBeforeSec: number | null;
}

export interface RowSetup {
  readonly ms: number | null;
  readonly roundTrips: number | null;
  readonly bytes: number;
  readonly certificateBytes: number | null;
}

/**
 * What the report stage and the connections table (filter, sort, cells, marks)
 * read of a connection: a ConnectionRecord or a compact row made from one.
 */
export interface ConnRow {
  readonly id: number;
  readonly transport: Transport;
  readonly client: Readonly<Endpoint>;
  readonly server: Readonly<Endpoint>;
  readonly midstream: boolean;
  readonly state: ConnectionState;
  readonly resetBy: Side | null;
  readonly start: number;
  readonly end: number;
  readonly lifetimeMs: number;
  readonly setupShare: number | null;
  /** A row keeps the events listed in KEPT_EVENTS (below). */
  readonly events: readonly { readonly type: EventType; readonly from?: Side }[];
  readonly tcp: { readonly handshakeMs: number | null; readonly initialRttMs: number | null; readonly synRetransmits: number } | null;
  readonly tls: RowTls | null;
  readonly quic: RowQuic | null;
  readonly setup: RowSetup;
  readonly firstDataMs: { readonly client: number | null };
  readonly teardown: RowTeardown;
  readonly findings: readonly RowFinding[];
  readonly requests: { readonly length: number };
  readonly requestsEstimated: boolean;
}

/** Bytes per row the design allows (issue 14: 1M connections in ≤ 600 MiB with the rest). */
export const ROW_BYTES_MAX = 300;

/**
 * Events a row keeps, each at most once (report/compare.ts and findings.ts ask
 * about the first four; the table's mutual-TLS mark about the server's
 * CertificateRequest and the client's Certificate).
 */
const KEPT_EVENTS: readonly { readonly type: EventType; readonly from?: Side }[] = [
  { type: 'SYN' },
  { type: 'SYN-ACK' },
  { type: 'ClientHello' },
  { type: 'ServerHello' },
  { type: 'CertificateRequest' },
  { type: 'Certificate', from: 'client' },
];
const keptEvent = (e: { type: EventType; from: Side }): number =>
  KEPT_EVENTS.findIndex((k) => k.type === e.type && (k.from === undefined || k.from === e.from));
const EVENT_LISTS: readonly (readonly { readonly type: EventType; readonly from?: Side }[])[] = Array.from({ length: 1 << KEPT_EVENTS.length }, (_, mask) =>
  Object.freeze(KEPT_EVENTS.filter((_, i) => (mask & (1 << i)) !== 0).map((e) => Object.freeze({ ...e }))),
);
const EMPTY: readonly never[] = Object.freeze([]);
const SIDES: readonly (Side | null)[] = [null, 'client', 'server'];
const TEARDOWN_BY: readonly RowTeardown['by'][] = [null, 'FIN', 'RST', 'CONNECTION_CLOSE', 'idle'];

// Flag bits of a row.
const F_QUIC = 1 << 0;
const F_MIDSTREAM = 1 << 1;
const F_TCP = 1 << 2;
const F_TLS = 1 << 3;
const F_RESUMED = 1 << 4;
const F_EARLY = 1 << 5;
const F_DECRYPTED = 1 << 6;
const F_QUIC_SECTION = 1 << 7;
const F_ZERO_RTT = 1 << 8;
const F_ESTIMATED = 1 << 9;
const F_RETRY = 1 << 10;
const S_STATE = 11; // 4 bits
const S_EVENTS = 15; // 6 bits
const S_INITIATOR = 21; // 2 bits
const S_BY = 23; // 3 bits
const S_RESET_BY = 26; // 2 bits

/** A record's setupShare from its setup.ms and lifetimeMs (timeline/build.ts, quic-build.ts). */
const shareOf = (setupMs: number | null, lifetimeMs: number): number | null =>
  setupMs !== null && lifetimeMs > 0 ? Math.min(1, setupMs / lifetimeMs) : null;

/** null as NaN in a Float64 column, and back. */
const f = (v: number | null | undefined): number => (v === null || v === undefined ? NaN : v);
const n = (v: number): number | null => (Number.isNaN(v) ? null : v);

/**
 * Strings stored once, by number (-1: null). Found by an open-addressing index of typed
 * arrays (id + 1 and the string's hash per slot, at most half full), not a Map: a scan of a
 * million addresses stores a million server addresses, and the Map's lookups were 6 % of
 * the text report's time and its table ~30 MB; here 16 MB of slots, at half the lookup time.
 */
export class StringTable {
  readonly list: string[] = [];
  /** Index slots: id + 1 (0: empty) and its string's hash; let go by release() and made again if asked. */
  private slots: Int32Array | null = new Int32Array(MIN_SLOTS);
  private hashes = new Int32Array(MIN_SLOTS);
  /** 32 - log2(slots.length), for homeSlot. */
  private shift = 32 - Math.log2(MIN_SLOTS);

  id(s: string | null | undefined): number {
    if (s === null || s === undefined) return -1;
    const slots = this.index();
    const h = textHash(s);
    const j = this.probe(slots, s, h);
    if (slots[j] !== 0) return slots[j]! - 1;
    const i = this.list.length;
    this.list.push(s);
    slots[j] = i + 1;
    this.hashes[j] = h;
    if (2 * this.list.length > slots.length) this.reindex(slots.length * 2);
    return i;
  }

  get(i: number): string | null {
    return i < 0 ? null : this.list[i]!;
  }

  /** The id of a stored string; -1 if it is not stored. */
  find(s: string): number {
    const slots = this.index();
    return slots[this.probe(slots, s, textHash(s))]! - 1;
  }

  /** The slot holding `s` (hash `h`), or the empty slot where it would go. */
  private probe(slots: Int32Array, s: string, h: number): number {
    const mask = slots.length - 1;
    for (let j = homeSlot(h, this.shift); ; j = (j + 1) & mask) {
      const v = slots[j]!;
      if (v === 0 || (this.hashes[j] === h && this.list[v - 1] === s)) return j;
    }
  }

  /** Lets the index go (a million addresses: 16 MB); the strings stay. */
  release(): void {
    this.slots = null;
    this.hashes = new Int32Array(0);
  }

  private index(): Int32Array {
    if (this.slots === null) {
      let n = MIN_SLOTS;
      while (n < 2 * (this.list.length + 1)) n *= 2;
      this.reindex(n);
    }
    return this.slots!;
  }

  /** An index of `n` slots: the strings' hashes from the index there is, else (after release) made again. */
  private reindex(n: number): void {
    const slots = new Int32Array(n);
    const hashes = new Int32Array(n);
    const mask = n - 1;
    const shift = 32 - Math.log2(n);
    const put = (id: number, h: number): void => {
      let j = homeSlot(h, shift);
      while (slots[j] !== 0) j = (j + 1) & mask;
      slots[j] = id + 1;
      hashes[j] = h;
    };
    const old = this.slots;
    if (old !== null) {
      for (let j = 0; j < old.length; j++) if (old[j] !== 0) put(old[j]! - 1, this.hashes[j]!);
    } else {
      for (let i = 0; i < this.list.length; i++) put(i, textHash(this.list[i]!));
    }
    this.slots = slots;
    this.hashes = hashes;
    this.shift = shift;
  }
}

const MIN_SLOTS = 1024;

/**
 * Every connection's row, column by column (ChunkedColumn: no doubling copies,
 * which held up to 3x the rows while a column was copied, and no trim at the
 * end, which copied every column once more): 128 B per connection, 61 B more
 * for one with TLS or QUIC (its section), ~22 B per finding, plus the view
 * object the report reads a row through (RowView).
 * Strings (addresses, SNI, versions, alert names) are stored once.
 */
export class RowStore {
  length = 0;
  // Per row.
  id = new Int32Column();
  flags = new Uint32Column();
  start = new Float64Column();
  end = new Float64Column();
  lifetimeMs = new Float64Column();
  clientIp = new Int32Column();
  clientPort = new Uint16Column();
  server = new Int32Column();
  setupMs = new Float64Column();
  setupRoundTrips = new Float64Column();
  setupBytes = new Float64Column();
  certificateBytes = new Float64Column();
  tcpHandshakeMs = new Float64Column();
  initialRttMs = new Float64Column();
  /** SYN retransmits, capped at 255 (the table only asks whether there were any). */
  synRetransmits = new Uint8Column();
  /**
   * The row's TLS and QUIC figures, by index into the section columns below (-1: the row has
   * neither section). A connection that never reached TLS or QUIC (a scan, a SYN flood, a
   * refused connection) stores none of their 61 bytes.
   */
  sectionAt = new Int32Column();
  // Sections, in their own columns.
  sLength = 0;
  sni = new Int32Column();
  version = new Int32Column();
  alpn = new Int32Column();
  tlsCertificateBytes = new Float64Column();
  quicVersion = new Int32Column();
  tlsHandshakeMs = new Float64Column();
  clientBursts = new Int32Column();
  alert = new Int32Column();
  /** The first alert's level (0: not known, an encrypted alert). */
  alertLevel = new Uint8Column();
  /** The first fatal alert, when the first alert is not fatal (-1: none). */
  fatalAlert = new Int32Column();
  quicHandshakeMs = new Float64Column();
  closeCode = new Float64Column();
  firstDataClient = new Float64Column();
  teardownMs = new Float64Column();
  idleBeforeSec = new Float64Column();
  requests = new Int32Column();
  findingAt = new Int32Column();
  findingCount = new Uint8Column();
  // Findings, in their own columns; a row points at its run.
  fLength = 0;
  fCode = new Uint8Column();
  fSeverity = new Uint8Column();
  fFrame = new Float64Column();
  fCost = new Float64Column();
  fDetail = new Int32Column();
  /** Row index + 1 by TCP id (0: no row), see findTcp; ids far past the row count go to sparseTcp. */
  private tcpRow = new Int32Array(0);
  private readonly sparseTcp = new Map<number, number>();
  readonly strings = new StringTable();
  /**
   * Server endpoints, stored once, in columns: the address (a string id) and port. An
   * address's first endpoint is found through `firstEndpoint` (by string id), others
   * through `moreEndpoints`. A scan of a million addresses has a million endpoints: an
   * object and an "ip|port" key string per endpoint were ~110 bytes of them.
   */
  private readonly endpointIp = new Int32Column();
  private readonly endpointPort = new Uint16Column();
  private endpointN = 0;
  /** Endpoint index + 1 of an address's first endpoint, by the address's string id (0: none). */
  private readonly firstEndpoint = new Int32Column();
  private firstEndpointN = 0;
  private readonly moreEndpoints = new Map<string, number>();
  /**
   * A record's setupShare is setup.ms / lifetimeMs (at most 1; null without a setup or a
   * lifetime): a row computes it from those. One that says otherwise (a saved analysis
   * written another way) keeps its own value here, by row.
   */
  readonly setupShares = new Map<number, number | null>();
  /** Idle-close texts (pool.ts reads the seconds in them); other findings keep no text. */
  readonly details = new StringTable();

  private static readonly ROW_COLUMNS = [
    'id', 'flags', 'start', 'end', 'lifetimeMs', 'clientIp', 'clientPort', 'server', 'setupMs', 'setupRoundTrips', 'setupBytes',
    'certificateBytes', 'tcpHandshakeMs', 'initialRttMs', 'synRetransmits', 'sectionAt',
    'firstDataClient', 'teardownMs', 'idleBeforeSec', 'requests', 'findingAt',
    'findingCount',
  ] as const;
  private static readonly SECTION_COLUMNS = [
    'sni', 'version', 'alpn', 'tlsCertificateBytes', 'quicVersion', 'tlsHandshakeMs', 'clientBursts', 'alert', 'alertLevel', 'fatalAlert',
    'quicHandshakeMs', 'closeCode',
  ] as const;
  private static readonly FINDING_COLUMNS = ['fCode', 'fSeverity', 'fFrame', 'fCost', 'fDetail'] as const;

  private endpoint(e: Endpoint): number {
    const ip = this.strings.id(e.ip);
    const first = ip < this.firstEndpointN ? this.firstEndpoint.get(ip) - 1 : -1;
    if (first >= 0 && this.endpointPort.get(first) === e.port) return first;
    const key = first >= 0 ? `${ip}|${e.port}` : '';
    if (first >= 0) {
      const i = this.moreEndpoints.get(key);
      if (i !== undefined) return i;
    }
    const i = this.endpointN++;
    this.endpointIp.set(i, ip);
    this.endpointPort.set(i, e.port);
    if (first >= 0) this.moreEndpoints.set(key, i);
    else {
      // Ids not yet given an endpoint read 0 (none).
      while (this.firstEndpointN <= ip) this.firstEndpoint.set(this.firstEndpointN++, 0);
      this.firstEndpoint.set(ip, i + 1);
    }
    return i;
  }

  /** The index of the server endpoint with this address and port; -1 if none is stored. */
  findEndpoint(ip: string, port: number): number {
    const id = this.strings.find(ip);
    const first = id >= 0 && id < this.firstEndpointN ? this.firstEndpoint.get(id) - 1 : -1;
    if (first < 0) return -1;
    if (this.endpointPort.get(first) === port) return first;
    return this.moreEndpoints.get(`${id}|${port}`) ?? -1;
  }

  /** Row i's server endpoint (an index for endpointAt). */
  serverAt(i: number): number {
    return this.server.get(i);
  }

  /** Row i's SNI, without the TLS section's object (RowView.tls); null without one. */
  sniAt(i: number): string | null {
    return (this.flags.get(i) & F_TLS) === 0 ? null : this.strings.get(this.sni.get(this.sectionAt.get(i)));
  }

  /** Server endpoints stored. */
  get endpointCount(): number {
    return this.endpointN;
  }

  /** Server endpoint i (a new object: addresses and ports live in columns). */
  endpointAt(i: number): Endpoint {
    return { ip: this.strings.list[this.endpointIp.get(i)]!, port: this.endpointPort.get(i) };
  }

  /** Appends a record's row; returns its index. */
  add(c: ConnectionRecord): number {
    const i = this.length++;
    const tls = c.tls;
    const q = c.quic;
    let events = 0;
    for (const e of c.events) {
      const k = keptEvent(e);
      if (k >= 0) events |= 1 << k;
    }
    this.flags.set(
      i,
      (c.transport === 'quic' ? F_QUIC : 0) |
      (c.midstream ? F_MIDSTREAM : 0) |
      (c.tcp !== null ? F_TCP : 0) |
      (tls !== null ? F_TLS : 0) |
      (tls?.resumed ? F_RESUMED : 0) |
      (tls?.earlyData ? F_EARLY : 0) |
      (tls?.decrypted ? F_DECRYPTED : 0) |
      (q !== null ? F_QUIC_SECTION : 0) |
      (q?.zeroRtt ? F_ZERO_RTT : 0) |
      (c.requestsEstimated ? F_ESTIMATED : 0) |
      (q?.retry ? F_RETRY : 0) |
      (CONNECTION_STATES.indexOf(c.state) << S_STATE) |
      (events << S_EVENTS) |
      (SIDES.indexOf(c.teardown.initiator) << S_INITIATOR) |
      (TEARDOWN_BY.indexOf(c.teardown.by) << S_BY) |
      (SIDES.indexOf(c.resetBy) << S_RESET_BY),
    );
    this.id.set(i, c.id);
    this.start.set(i, c.start);
    this.end.set(i, c.end);
    this.lifetimeMs.set(i, c.lifetimeMs);
    this.clientIp.set(i, this.strings.id(c.client.ip));
    this.clientPort.set(i, c.client.port);
    this.server.set(i, this.endpoint(c.server));
    if (c.setupShare !== shareOf(c.setup.ms, c.lifetimeMs)) this.setupShares.set(i, c.setupShare);
    this.setupMs.set(i, f(c.setup.ms));
    this.setupRoundTrips.set(i, f(c.setup.roundTrips));
    this.setupBytes.set(i, c.setup.bytes);
    this.certificateBytes.set(i, f(c.setup.certificateBytes));
    this.tcpHandshakeMs.set(i, f(c.tcp?.handshakeMs));
    this.initialRttMs.set(i, f(c.tcp?.initialRttMs));
    this.synRetransmits.set(i, Math.min(255, c.tcp?.synRetransmits ?? 0));
    if (tls === null && q === null) this.sectionAt.set(i, -1);
    else {
      const k = this.sLength++;
      this.sectionAt.set(i, k);
      this.sni.set(k, this.strings.id(tls?.sni));
      this.version.set(k, this.strings.id(tls?.version));
      this.alpn.set(k, this.strings.id(tls?.alpn));
      this.tlsCertificateBytes.set(k, f(tls?.certificateBytes));
      this.quicVersion.set(k, this.strings.id(q?.versionName));
      this.tlsHandshakeMs.set(k, f(tls?.handshakeMs));
      this.clientBursts.set(k, tls?.clientBursts ?? 0);
      const first = tls?.alerts[0];
      this.alert.set(k, this.strings.id(first?.name));
      this.alertLevel.set(k, first?.level ?? 0);
      this.fatalAlert.set(k, first === undefined || first.level === 2 ? -1 : this.strings.id(tls!.alerts.find((a) => a.level === 2)?.name));
      this.quicHandshakeMs.set(k, f(q?.handshakeMs));
      this.closeCode.set(k, f(q?.close?.errorCode));
    }
    this.firstDataClient.set(i, f(c.firstDataMs.client));
    this.teardownMs.set(i, f(c.teardown.ms));
    this.idleBeforeSec.set(i, f(c.teardown.idleBeforeSec));
    this.requests.set(i, c.requests.length);
    this.setFindings(i, c.findings);
    if (c.transport !== 'quic') {
      // Dense ids (tcp.stream numbers) in the index; any other id (never sized from it) in a map.
      if (Number.isSafeInteger(c.id) && c.id >= 0 && c.id < 2 * this.length + 1024) {
        if (c.id >= this.tcpRow.length) this.tcpRow = grown(this.tcpRow, c.id + 1, 1024);
        this.tcpRow[c.id] = i + 1;
      } else this.sparseTcp.set(c.id, i);
    }
    return i;
  }

  /** The row's findings become these (appended; a replaced run is left unused). */
  setFindings(i: number, fs: readonly RowFinding[]): void {
    const k = Math.min(fs.length, 255);
    this.findingAt.set(i, this.fLength);
    this.findingCount.set(i, k);
    for (let j = 0; j < k; j++) {
      const x = fs[j]!;
      const at = this.fLength++;
      this.fCode.set(at, FINDING_CODES.indexOf(x.code));
      this.fSeverity.set(at, SEVERITIES.indexOf(x.severity));
      this.fFrame.set(at, x.frame);
      this.fCost.set(at, f(x.costMs));
      this.fDetail.set(at, x.code === 'idle-close' ? this.details.id(x.detail) : -1);
    }
  }

  findings(i: number): RowFinding[] {
    const out: RowFinding[] = [];
    const at = this.findingAt.get(i);
    for (let j = at; j < at + this.findingCount.get(i); j++) {
      const cost = this.fCost.get(j);
      const code = FINDING_CODES[this.fCode.get(j)]!;
      const severity = SEVERITIES[this.fSeverity.get(j)]!;
      const frame = this.fFrame.get(j);
      const detail = this.details.get(this.fDetail.get(j)) ?? '';
      // Two literals, not a spread of one into the other: a spread took a quarter of a 1M-row text report.
      out.push(Number.isNaN(cost) ? { code, severity, frame, detail } : { code, severity, frame, detail, costMs: cost });
    }
    return out;
  }

  /** Late findings on a row: as applyLateFindings does on a record (same code and frame replaced, else added; by frame). */
  applyLate(i: number, late: readonly Finding[]): void {
    const fs = this.findings(i);
    for (const x of late) {
      const k = fs.findIndex((y) => y.code === x.code && y.frame === x.frame);
      const r: RowFinding = x.costMs === undefined ? { code: x.code, severity: x.severity, frame: x.frame, detail: x.detail } : { ...x };
      if (k >= 0) fs[k] = r;
      else fs.push(r);
    }
    fs.sort((a, b) => a.frame - b.frame);
    this.setFindings(i, fs);
  }

  /**
   * The index of the TCP row with this id; -1 if none. From an index by id (TCP ids are
   * tcp.stream numbers, dense from 0: 4 bytes per id; an id far past the row count, as a
   * saved analysis may hold, in a map), not a scan of the rows: late findings
   * can be for rows far back (an unanswered connection finalized at the end renumbers
   * attempts), and a scan per late finding grew with rows × late findings.
   */
  findTcp(id: number): number {
    const dense = Number.isSafeInteger(id) && id >= 0 && id < this.tcpRow.length ? this.tcpRow[id]! - 1 : -1;
    return dense >= 0 ? dense : (this.sparseTcp.get(id) ?? -1);
  }

  /** Bytes of the columns (typed arrays live outside the JS heap). */
  get columnBytes(): number {
    const self = this as unknown as Record<string, ChunkedColumn>;
    let sum = 0;
    for (const k of [...RowStore.ROW_COLUMNS, ...RowStore.SECTION_COLUMNS, ...RowStore.FINDING_COLUMNS]) sum += self[k]!.byteLength;
    for (const c of [this.endpointIp, this.endpointPort, this.firstEndpoint]) sum += c.byteLength;
    return sum + this.tcpRow.byteLength;
  }

  /**
   * No more rows will come (a finished analysis): the strings' lookup map is let go, ~30 MB
   * for a scan of a million addresses while the reports run. Adding again makes it again.
   */
  doneAdding(): void {
    this.strings.release();
  }

  /** A view of every row, TCP first then QUIC, each by id (the records' order). */
  views(): RowView[] {
    const order = Array.from({ length: this.length }, (_, i) => i);
    const q = (i: number): number => this.flags.get(i) & F_QUIC;
    order.sort((a, b) => q(a) - q(b) || this.id.get(a) - this.id.get(b));
    return order.map((i) => new RowView(this, i));
  }
}

/**
 * One row read through the ConnRow property paths: every property is read
 * from the store's columns when asked (sections are small objects made on
 * each read: the report reads each a few times, and they die young).
 */
export class RowView implements ConnRow {
  constructor(
    readonly store: RowStore,
    readonly index: number,
  ) {}
  get id(): number {
    return this.store.id.get(this.index);
  }
  private get flags(): number {
    return this.store.flags.get(this.index);
  }
  get transport(): Transport {
    return this.flags & F_QUIC ? 'quic' : 'tcp';
  }
  get client(): Endpoint {
    return { ip: this.store.strings.get(this.store.clientIp.get(this.index))!, port: this.store.clientPort.get(this.index) };
  }
  get server(): Readonly<Endpoint> {
    return this.store.endpointAt(this.store.server.get(this.index));
  }
  get midstream(): boolean {
    return (this.flags & F_MIDSTREAM) !== 0;
  }
  get state(): ConnectionState {
    return CONNECTION_STATES[(this.flags >>> S_STATE) & 15]!;
  }
  get resetBy(): Side | null {
    return SIDES[(this.flags >>> S_RESET_BY) & 3]!;
  }
  get setupShare(): number | null {
    const s = this.store;
    const i = this.index;
    const own = s.setupShares.get(i);
    return own !== undefined || s.setupShares.has(i) ? own! : shareOf(n(s.setupMs.get(i)), s.lifetimeMs.get(i));
  }
  get start(): number {
    return this.store.start.get(this.index);
  }
  get end(): number {
    return this.store.end.get(this.index);
  }
  get lifetimeMs(): number {
    return this.store.lifetimeMs.get(this.index);
  }
  get events(): readonly { readonly type: EventType }[] {
    return EVENT_LISTS[(this.flags >>> S_EVENTS) & 63]!;
  }
  get tcp(): ConnRow['tcp'] {
    if ((this.flags & F_TCP) === 0) return null;
    const s = this.store;
    const i = this.index;
    return { handshakeMs: n(s.tcpHandshakeMs.get(i)), initialRttMs: n(s.initialRttMs.get(i)), synRetransmits: s.synRetransmits.get(i) };
  }
  get tls(): RowTls | null {
    const fl = this.flags;
    if ((fl & F_TLS) === 0) return null;
    const s = this.store;
    const i = s.sectionAt.get(this.index);
    const alert = s.strings.get(s.alert.get(i));
    const fatal = s.strings.get(s.fatalAlert.get(i));
    const level = s.alertLevel.get(i);
    const alerts: { name: string; level?: number }[] = [];
    if (alert !== null) alerts.push(level === 0 ? { name: alert } : { name: alert, level });
    if (fatal !== null) alerts.push({ name: fatal, level: 2 });
    return {
      sni: s.strings.get(s.sni.get(i)),
      version: s.strings.get(s.version.get(i)),
      alpn: s.strings.get(s.alpn.get(i)),
      resumed: (fl & F_RESUMED) !== 0,
      earlyData: (fl & F_EARLY) !== 0,
      decrypted: (fl & F_DECRYPTED) !== 0,
      handshakeMs: n(s.tlsHandshakeMs.get(i)),
      certificateBytes: n(s.tlsCertificateBytes.get(i)),
      clientBursts: s.clientBursts.get(i),
      alerts: alerts.length === 0 ? EMPTY : alerts,
    };
  }
  get quic(): RowQuic | null {
    const fl = this.flags;
    if ((fl & F_QUIC_SECTION) === 0) return null;
    const s = this.store;
    const k = s.sectionAt.get(this.index);
    const code = s.closeCode.get(k);
    return {
      versionName: s.strings.get(s.quicVersion.get(k))!,
      zeroRtt: (fl & F_ZERO_RTT) !== 0,
      retry: (fl & F_RETRY) !== 0,
      handshakeMs: n(s.quicHandshakeMs.get(k)),
      close: Number.isNaN(code) ? null : { errorCode: code },
    };
  }
  get setup(): RowSetup {
    const s = this.store;
    const i = this.index;
    return { ms: n(s.setupMs.get(i)), roundTrips: n(s.setupRoundTrips.get(i)), bytes: s.setupBytes.get(i), certificateBytes: n(s.certificateBytes.get(i)) };
  }
  get firstDataMs(): { client: number | null } {
    return { client: n(this.store.firstDataClient.get(this.index)) };
  }
  get teardown(): RowTeardown {
    const fl = this.flags;
    return {
      initiator: SIDES[(fl >>> S_INITIATOR) & 3]!,
      by: TEARDOWN_BY[(fl >>> S_BY) & 7]!,
      ms: n(this.store.teardownMs.get(this.index)),
      idleBeforeSec: n(this.store.idleBeforeSec.get(this.index)),
    };
  }
  get findings(): readonly RowFinding[] {
    return this.store.findingCount.get(this.index) === 0 ? EMPTY : this.store.findings(this.index);
  }
  get requests(): { length: number } {
    return { length: this.store.requests.get(this.index) };
  }
  get requestsEstimated(): boolean {
    return (this.flags & F_ESTIMATED) !== 0;
  }
}

/** A compact row (whose record is not in memory), not a whole record. */
export function isRow(c: ConnRow): c is RowView {
  return c instanceof RowView;
}

/** Every connection of an analysis as the aggregates read it: its rows, else its records. */
export function allRows(a: Pick<Analysis, 'connections' | 'rows'>): readonly ConnRow[] {
  return a.rows ?? a.connections;
}
