/**
 * QUIC connections from UDP datagrams. A datagram is QUIC when it starts with
 * a long header of a known version (or a Version Negotiation), on any port, or
 * when its short header's Destination Connection ID (or, for zero-length CIDs
 * and CIDs we could not see being issued, its address pair) belongs to a
 * connection we track. Connections are found by connection ID, not 4-tuple.
 *
 * Per connection we keep counters, the first packet of each type per side,
 * the Initial keys (derived from the client's first DCID, RFC 9001 §5.2) and
 * the Initial CRYPTO streams until both hellos are read. State is bounded:
 * the CRYPTO streams are capped and released after the hellos, at most
 * MAX_PROBLEMS problems and MAX_MIGRATIONS addresses are kept, and at most
 * `maxConnections` are open (the longest-idle one is emitted to make room).
 * A connection quiet for `idleTimeoutSec` of capture time is emitted when the
 * next datagram arrives.
 */
import type { Side, Stamp } from '../base/stamp.js';
import { epoch, msBetween } from '../base/stamp.js';
import type { UdpHeader } from '../decode/types.js';
import { CryptoStream, DEFAULT_CRYPTO_CAP } from './crypto-stream.js';
import { parseFrames, type InitialFrames } from './frames.js';
import { looksLikeQuicLong, parseDatagram } from './header.js';
import type { QuicPacket } from './header.js';
import { initialKeys, openLongPacket, openPacket } from './protection.js';
import type { DirectionKeys, InitialKeys } from './protection.js';
import type { QuicCryptoConsumer, QuicEvent, QuicEventType, QuicEndpoint } from './types.js';
import { versionName } from './version.js';

export interface QuicTrackerOptions {
  /** Open connections at most; the longest-idle one is emitted to make room. Default 10000. */
  maxConnections?: number;
  /** Capture seconds without a packet after which a connection is emitted ('idle'). Default 300. */
  idleTimeoutSec?: number;
  /** Bytes of Initial CRYPTO data kept per direction. Default 64 KiB. */
  cryptoCap?: number;
  /**
   * Called for every datagram recognised as QUIC: its frame, the id of the
   * connection it was given to (null: none) and the types of its packets in
   * order. For tests and debugging; costs nothing when absent.
   */
  onDatagram?: (frame: number, connId: number | null, packetTypes: string[]) => void;
}

export interface QuicStats {
  /** UDP datagrams seen, and those recognised as QUIC. */
  udpDatagrams: number;
  quicDatagrams: number;
  /** QUIC packets (coalesced packets count one each). */
  quicPackets: number;
  /** QUIC-looking datagrams that matched no connection (short headers of a connection whose start we missed). */
  unmatchedDatagrams: number;
}

const MAX_PROBLEMS = 20;
const MAX_MIGRATIONS = 8;
/** Initial packets decrypted per connection at most (they stop after the handshake anyway). */
const MAX_INITIAL_DECRYPTS = 64;
/** With a key log: Handshake packets, and the server's 1-RTT packets looked into for HANDSHAKE_DONE, decrypted per connection at most. */
const MAX_HANDSHAKE_DECRYPTS = 64;
const MAX_APPLICATION_DECRYPTS = 16;
/** Client-initiated bidirectional streams (HTTP/3 requests) remembered per connection; more are counted in `streamOverflow`. */
export const MAX_REQUEST_STREAMS = 1000;
/** Client 1-RTT / 0-RTT packets that failed to open with the key log's keys before we stop trying (a key update, damage). */
const MAX_CLIENT_APP_FAILURES = 8;

/**
 * A client-initiated bidirectional stream (id % 4 === 0): with HTTP/3, one
 * request. Read from the client's decrypted 1-RTT and 0-RTT packets (frame
 * headers only). `first`: the datagram of the first STREAM frame with data;
 * `end`: the one whose frame carried FIN (undefined: not seen); `bytes`: the
 * highest offset + length the client sent on it (retransmissions not added).
 */
export interface QuicRequestStream {
  id: number;
  first: Stamp;
  end: Stamp | undefined;
  bytes: number;
  /** Its first data came in a 0-RTT packet. */
  early: boolean;
}
/**
 * One QUIC connection as the tracker follows it: what the packets show
 * (src/timeline/quic-build.ts turns it, with its CRYPTO consumer, into the
 * connection record). Read it, do not change it, outside this stage.
 */
export class QuicConnection {
  readonly events: QuicEvent[] = [];
  /** Event types already recorded, one bit per type, per side. */
  readonly seen = { client: 0, server: 0 };
  /** Emitted: its entries in the recent-match cache are stale. */
  closed = false;
  readonly problems: string[] = [];
  readonly migrations: QuicEndpoint[] = [];
  readonly cids: string[] = [];
  readonly tuples: string[] = [];
  readonly crypto: { client: CryptoStream; server: CryptoStream };
  /** Reads the CRYPTO bytes (given by the tracker's `open` callback); none: not read. */
  consumer: QuicCryptoConsumer | undefined;
  keys: InitialKeys | undefined;
  keyDcid: Buffer;
  largestInitialPn = { client: -1, server: -1 };
  initialDecrypts = 0;
  undecrypted = 0;
  version: number;
  versionsTried: number[] = [];
  retry = false;
  retryScid: Buffer | undefined;
  vn = false;
  /** A Retry or Version Negotiation came back and the client has not sent its next Initial yet. */
  restartPending = false;
  zeroRttPackets = 0;
  serverScid: Buffer | undefined;
  tokenLength = 0;
  serverHandshake = false;
  /** Handshake confirmed: inferred from packet types, or (`confirmedExact`) both Finished read with keys. */
  confirmed: Stamp | undefined;
  confirmedExact = false;
  /** Datagrams and wire bytes of the connection up to `confirmed`, that one included. */
  setupBytes = 0;
  setupPackets = 0;
  /** With keys: Handshake-level CRYPTO streams (created on the first decrypted Handshake packet). */
  handshakeCrypto: { client: CryptoStream; server: CryptoStream } | undefined;
  /** Largest packet numbers of the Handshake and application spaces, per side (keys only). */
  largestPn = { handshake: { client: -1, server: -1 }, application: { client: -1, server: -1 } };
  /** Handshake / 1-RTT packets decrypted with keys from outside. */
  keyedDecrypts = { handshake: 0, application: 0 };
  /** Keys from outside opened a Handshake packet. */
  keyed = false;
  /**
   * With keys: the client's 1-RTT (and 0-RTT) packets are opened for their
   * STREAM frame headers; its request streams in order of first data (at most
   * MAX_REQUEST_STREAMS, the rest counted in streamOverflow).
   */
  requestStreams: QuicRequestStream[] | undefined;
  private streamIndex: Map<number, QuicRequestStream> | undefined;
  streamOverflow = 0;
  /** Client application packets opened with keys, and those that failed. */
  clientAppOpened = 0;
  clientAppFailed = 0;
  /** The 0-RTT keys that opened the client's first 0-RTT packet (one of the consumer's candidates). */
  earlyKeys: DirectionKeys | undefined;
  /** The server's HANDSHAKE_DONE (keys only). */
  handshakeDone: Stamp | undefined;
  firstData: { client: Stamp | undefined; server: Stamp | undefined } = { client: undefined, server: undefined };
  close: { from: Side; frame: number; stamp: Stamp; errorCode: number; reason: string } | undefined;
  packetCounts = { client: {} as Record<string, number>, server: {} as Record<string, number> };
  datagrams = { client: 0, server: 0 };
  first: Stamp;
  last: Stamp;
  packets = 0;
  bytes = 0;

  constructor(
    readonly id: number,
    readonly client: QuicEndpoint,
    readonly server: QuicEndpoint,
    readonly scid: Buffer,
    readonly dcid: Buffer,
    version: number,
    readonly midstream: boolean,
    stamp: Stamp,
    cap: number,
  ) {
    this.crypto = { client: new CryptoStream(cap), server: new CryptoStream(cap) };
    this.version = version;
    this.keyDcid = dcid;
    this.first = stamp;
    this.last = stamp;
  }

  problem(text: string): void {
    if (this.problems.length < MAX_PROBLEMS && !this.problems.includes(text)) this.problems.push(text);
  }

  /** A client STREAM frame header from a decrypted packet (server-initiated and unidirectional streams are ignored). */
  clientStream(id: number, offset: number, length: number, fin: boolean, stamp: Stamp, early: boolean): void {
    if (id % 4 !== 0) return;
    this.requestStreams ??= [];
    this.streamIndex ??= new Map();
    let st = this.streamIndex.get(id);
    if (st === undefined) {
      if (length === 0) return; // a stream with no data yet is no request
      if (this.requestStreams.length >= MAX_REQUEST_STREAMS) {
        // Ids seen above the cap are not remembered: a retransmission of one counts again; bounded memory wins.
        this.streamOverflow++;
        return;
      }
      st = { id, first: stamp, end: undefined, bytes: 0, early };
      this.streamIndex.set(id, st);
      this.requestStreams.push(st);
    }
    if (offset + length > st.bytes) st.bytes = offset + length;
    if (fin && st.end === undefined) st.end = stamp;
  }
}

/** Bit of each event type in QuicConnection.seen. */
const EVENT_BIT: Record<QuicEventType, number> = {
  Initial: 1,
  '0-RTT': 2,
  Handshake: 4,
  Retry: 8,
  VersionNegotiation: 16,
  '1-RTT': 32,
  ClientHello: 64,
  HelloRetryRequest: 128,
  ServerHello: 256,
  ConnectionClose: 512,
  HandshakeDone: 1024,
};

/** Size of the cache of recent short-header matches (both directions of a couple of busy connections). */
const RECENT = 4;

interface Recent {
  conn: QuicConnection;
  from: Side;
  /** The DCID the matched short headers carried (empty: matched by address pair). */
  cid: Buffer;
  src: string;
  sport: number;
  dst: string;
  dport: number;
}

function hex(b: Buffer): string {
  return b.toString('hex');
}

function tupleKey(srcIp: string, srcPort: number, dstIp: string, dstPort: number): string {
  return `${srcIp}|${srcPort}|${dstIp}|${dstPort}`;
}

export class QuicTracker {
  readonly stats: QuicStats = { udpDatagrams: 0, quicDatagrams: 0, quicPackets: 0, unmatchedDatagrams: 0 };
  private readonly maxConnections: number;
  private readonly idleTimeoutSec: number;
  private readonly cryptoCap: number;
  /** Connection ID (hex) -> connection and the side that CID addresses (undefined: both ends use it, see sideOf). */
  private readonly byCid = new Map<string, { conn: QuicConnection; to: Side | undefined }>();
  /** Lengths of the non-empty CIDs we track, with a count each (short headers do not carry the length). */
  private readonly cidLengths = new Map<number, number>();
  /** src|sport|dst|dport -> connection and the sender's side. */
  private readonly byTuple = new Map<string, { conn: QuicConnection; from: Side }>();
  /** Open connections in order of last activity (Map keeps insertion order; re-inserted on activity). */
  private readonly open = new Map<QuicConnection, true>();
  private lastTouched: QuicConnection | undefined;
  /** Recent short-header matches, checked byte by byte before the maps (no key strings built). */
  private readonly recent: (Recent | undefined)[] = new Array<Recent | undefined>(RECENT).fill(undefined);
  private recentNext = 0;
  private nextId = 0;

  constructor(
    /** A connection starts: the consumer of its CRYPTO bytes (undefined: none). */
    private readonly onOpen: (conn: QuicConnection) => QuicCryptoConsumer | undefined,
    /** A connection is finished: closed by the capture's end or `finish()` ('open') or idle ('idle'). */
    private readonly onClose: (conn: QuicConnection, endState: 'open' | 'idle') => void,
    opts: QuicTrackerOptions = {},
  ) {
    this.maxConnections = opts.maxConnections ?? 10000;
    this.idleTimeoutSec = opts.idleTimeoutSec ?? 300;
    this.cryptoCap = opts.cryptoCap ?? DEFAULT_CRYPTO_CAP;
    this.onDatagram = opts.onDatagram;
  }

  private readonly onDatagram: QuicTrackerOptions['onDatagram'];

  /**
   * One UDP datagram (IP fragments excluded) with its frame stamp and wire
   * length. Returns whether it was QUIC.
   */
  datagram(src: string, dst: string, udp: UdpHeader, stamp: Stamp, wireLength: number): boolean {
    this.stats.udpDatagrams++;
    const p = udp.payload;
    if (p.length === 0) return false;
    this.expireIdle(stamp);
    const long = (p[0] & 0x80) !== 0;
    if (long && !looksLikeQuicLong(p)) return false;

    let conn: QuicConnection | undefined;
    let from: Side | undefined;
    let shortLength: number | undefined;
    if (long) {
      const h = parseDatagram(p, undefined).packets[0];
      if (h === undefined) {
        // A long header of a known version that does not parse: QUIC, damaged.
        this.stats.quicDatagrams++;
        this.stats.unmatchedDatagrams++;
        this.onDatagram?.(stamp.frame, null, []);
        return true;
      }
      const m = this.match(h.dcid, src, udp.srcPort, dst, udp.dstPort);
      if (m !== undefined) ({ conn, from } = m);
      if (h.type === 'Initial' && this.startsNewConnection(h, p, m?.conn, m?.from)) {
        conn = this.create(src, udp.srcPort, dst, udp.dstPort, h, stamp);
        from = conn.midstream ? 'server' : 'client';
      }
    } else {
      const hit = this.recentMatch(p, src, udp.srcPort, dst, udp.dstPort);
      if (hit !== undefined) {
        // Fast path of the bulk of a connection: one short-header packet, no parse.
        this.stats.quicDatagrams++;
        this.stats.quicPackets++;
        this.touch(hit.conn, src, udp.srcPort, dst, udp.dstPort, hit.from, stamp, wireLength);
        this.shortPacket(hit.conn, hit.from, p, hit.cid.length, stamp);
        this.onDatagram?.(stamp.frame, hit.conn.id, ['1-RTT']);
        return true;
      }
      const m = this.matchShort(p, src, udp.srcPort, dst, udp.dstPort);
      if (m === undefined) return false;
      ({ conn, from } = m);
      shortLength = m.dcidLength;
      // Only a whole DCID is remembered: a cut one would match later packets with the wrong DCID length.
      if (p.length >= 1 + m.dcidLength) this.remember(conn, from, p.subarray(1, 1 + m.dcidLength), src, udp.srcPort, dst, udp.dstPort);
    }
    this.stats.quicDatagrams++;
    if (conn === undefined || from === undefined) {
      this.stats.unmatchedDatagrams++;
      this.onDatagram?.(stamp.frame, null, []);
      return true;
    }
    if (shortLength === undefined) shortLength = this.shortDcidLength(conn, from);
    const { packets, problems } = parseDatagram(p, shortLength);
    for (const pr of problems) conn.problem(pr);
    this.stats.quicPackets += packets.length;
    this.touch(conn, src, udp.srcPort, dst, udp.dstPort, from, stamp, wireLength);
    for (const pkt of packets) this.packet(conn, from, p, pkt, stamp);
    this.onDatagram?.(stamp.frame, conn.id, packets.map((k) => k.type));
    this.checkConfirmed(conn, from, stamp, packets.some((k) => k.type === '1-RTT'));
    return true;
  }

  /**
   * After each datagram of a connection whose handshake is not known to be
   * over: with keys, confirmed exactly when the consumer has read both
   * Finished; without, inferred at the client's first 1-RTT packet after the
   * server's Handshake flight (kept until a Finished read with keys says otherwise).
   */
  private checkConfirmed(conn: QuicConnection, from: Side, stamp: Stamp, oneRtt: boolean): void {
    if (conn.confirmedExact || (conn.confirmed !== undefined && !conn.keyed)) return;
    if (conn.keyed && conn.consumer?.handshakeComplete === true) {
      conn.confirmedExact = true;
    } else if (conn.confirmed !== undefined || from !== 'client' || !conn.serverHandshake || !oneRtt) return;
    conn.confirmed = stamp;
    conn.setupBytes = conn.bytes;
    conn.setupPackets = conn.packets;
  }

  /** The datagram's short header matches a recent one: same DCID bytes, or same address pair for an empty DCID. */
  private recentMatch(p: Buffer, src: string, sport: number, dst: string, dport: number): Recent | undefined {
    for (const r of this.recent) {
      if (r === undefined || r.conn.closed) continue;
      const n = r.cid.length;
      if (n === 0) {
        if (r.sport === sport && r.dport === dport && r.src === src && r.dst === dst) return r;
        continue;
      }
      if (p.length < 1 + n) continue;
      let i = 0;
      while (i < n && p[1 + i] === r.cid[i]) i++;
      if (i === n && (p[0] & 0x80) === 0) return r;
    }
    return undefined;
  }

  private remember(conn: QuicConnection, from: Side, cid: Buffer, src: string, sport: number, dst: string, dport: number): void {
    this.recent[this.recentNext] = { conn, from, cid: Buffer.from(cid), src, sport, dst, dport };
    this.recentNext = (this.recentNext + 1) % RECENT;
  }

  /** A CID or address pair of `conn` now belongs to another connection: its recent matches may be stale. */
  private forgetRecent(conn: QuicConnection): void {
    for (let i = 0; i < RECENT; i++) if (this.recent[i]?.conn === conn) this.recent[i] = undefined;
  }

  /** A datagram holding one short-header packet of a known connection (DCID of `cidLength` bytes). */
  private shortPacket(conn: QuicConnection, from: Side, p: Buffer, cidLength: number, stamp: Stamp): void {
    const counts = conn.packetCounts[from];
    counts['1-RTT'] = (counts['1-RTT'] ?? 0) + 1;
    if ((conn.seen[from] & EVENT_BIT['1-RTT']) === 0) this.firstEvent(conn, '1-RTT', from, stamp, p.length);
    if (conn.firstData[from] === undefined) conn.firstData[from] = stamp;
    if (from === 'server' && conn.handshakeDone === undefined && conn.keyed) this.applicationPacket(conn, p, 0, cidLength, p.length, stamp);
    else if (from === 'client') this.clientApplicationPacket(conn, p, 0, 1 + cidLength, p.length, stamp, false);
    if (!conn.confirmedExact) this.checkConfirmed(conn, from, stamp, true);
  }

  /** Connections open now, in order of last activity (live snapshots). */
  openConnections(): IterableIterator<QuicConnection> {
    return this.open.keys();
  }

  /** How many connections are open now. */
  get openCount(): number {
    return this.open.size;
  }

  /** Emits every connection still open (state 'open'). */
  finish(): void {
    for (const conn of [...this.open.keys()]) this.emit(conn, 'open');
  }

  // --- matching -------------------------------------------------------------

  private match(dcid: Buffer, src: string, sport: number, dst: string, dport: number): { conn: QuicConnection; from: Side } | undefined {
    if (dcid.length > 0) {
      const c = this.byCid.get(hex(dcid));
      if (c !== undefined) return { conn: c.conn, from: this.sideOf(c, src, sport) };
    }
    return this.byTuple.get(tupleKey(src, sport, dst, dport));
  }

  private matchShort(p: Buffer, src: string, sport: number, dst: string, dport: number): { conn: QuicConnection; from: Side; dcidLength: number } | undefined {
    for (const len of this.cidLengths.keys()) {
      if (1 + len > p.length) continue;
      const c = this.byCid.get(hex(p.subarray(1, 1 + len)));
      if (c !== undefined) return { conn: c.conn, from: this.sideOf(c, src, sport), dcidLength: len };
    }
    const t = this.byTuple.get(tupleKey(src, sport, dst, dport));
    if (t === undefined) return undefined;
    return { conn: t.conn, from: t.from, dcidLength: this.shortDcidLength(t.conn, t.from) };
  }

  /**
   * The sender of a packet to a CID of `c.conn`: the end that CID does not
   * address. A CID both ends use for themselves (a client whose SCID is its
   * first DCID: RFC 9000 §7.2 does not forbid it) names neither: the server
   * when the packet comes from the server's address (only clients migrate,
   * §9), else the client.
   */
  private sideOf(c: { conn: QuicConnection; to: Side | undefined }, src: string, sport: number): Side {
    if (c.to !== undefined) return c.to === 'server' ? 'client' : 'server';
    return src === c.conn.server.ip && sport === c.conn.server.port ? 'server' : 'client';
  }

  /** DCID length of a short header from `from`: the CID the peer chose for itself. */
  private shortDcidLength(conn: QuicConnection, from: Side): number {
    if (from === 'server') return conn.scid.length;
    return (conn.serverScid ?? conn.retryScid ?? conn.dcid).length;
  }

  /**
   * A client Initial starts a connection unless it belongs to one we track:
   * its DCID is one of that connection's, or it comes on the same address pair
   * right after a Retry / Version Negotiation (the client may pick a new DCID).
   */
  private startsNewConnection(h: QuicPacket, datagram: Buffer, conn: QuicConnection | undefined, from: Side | undefined): boolean {
    // A connection's first Initial cannot have a greased fixed bit (no transport parameters yet).
    if ((datagram[h.start] & 0x40) === 0) return false;
    if (conn === undefined) return true;
    if (from !== 'client') return false;
    if (h.dcid.length > 0 && this.byCid.get(hex(h.dcid))?.conn === conn) return false;
    if (conn.restartPending) return false;
    if (h.dcid.length === 0) return false;
    // Same address pair, a DCID the connection never used: the same connection
    // if the packet opens with its Initial keys (the bytes decide), else a new
    // connection reusing the client port.
    return !this.opensWithKeysOf(conn, h, datagram);
  }

  private opensWithKeysOf(conn: QuicConnection, h: QuicPacket, datagram: Buffer): boolean {
    if (h.pnOffset === undefined) return false;
    const keys = conn.keys?.version === h.version ? conn.keys : initialKeys(h.version, conn.keyDcid);
    if (keys === undefined) return false;
    const opened = openLongPacket(datagram.subarray(h.start, h.end), h.pnOffset, h.end - h.start, keys.client, conn.largestInitialPn.client);
    if (typeof opened === 'string') return false;
    this.addCid(conn, h.dcid, 'server');
    return true;
  }

  private create(src: string, sport: number, dst: string, dport: number, h: QuicPacket, stamp: Stamp): QuicConnection {
    // The first Initial we see normally comes from the client. One from port 443 to
    // another port, when we missed the start, is the server's: keep roles right.
    const fromServer = sport === 443 && dport !== 443;
    const client = fromServer ? { ip: dst, port: dport } : { ip: src, port: sport };
    const server = fromServer ? { ip: src, port: sport } : { ip: dst, port: dport };
    const conn = new QuicConnection(
      this.nextId++,
      client,
      server,
      Buffer.from(fromServer ? h.dcid : h.scid),
      Buffer.from(fromServer ? h.scid : h.dcid),
      h.version,
      fromServer,
      stamp,
      this.cryptoCap,
    );
    if (fromServer) {
      conn.problem('connection start not captured: first packet is a server Initial');
      conn.serverScid = conn.dcid;
    }
    if (this.open.size >= this.maxConnections) {
      const oldest = this.open.keys().next().value;
      if (oldest !== undefined) this.emit(oldest, 'open');
    }
    this.open.set(conn, true);
    conn.consumer = this.onOpen(conn);
    this.addCid(conn, conn.dcid, 'server');
    this.addCid(conn, conn.scid, 'client');
    this.addTuple(conn, client, server);
    return conn;
  }

  private addCid(conn: QuicConnection, cid: Buffer, to: Side): void {
    if (cid.length === 0) return;
    const key = hex(cid);
    const had = this.byCid.get(key);
    if (had !== undefined && had.conn === conn) {
      // The other end uses it too: it addresses no one side.
      if (had.to !== to) had.to = undefined;
      return;
    }
    if (had !== undefined) {
      this.dropCid(key, had.conn);
      this.forgetRecent(had.conn);
    }
    this.byCid.set(key, { conn, to });
    conn.cids.push(key);
    this.cidLengths.set(cid.length, (this.cidLengths.get(cid.length) ?? 0) + 1);
  }

  private dropCid(key: string, owner: QuicConnection): void {
    this.byCid.delete(key);
    const len = key.length / 2;
    const n = (this.cidLengths.get(len) ?? 1) - 1;
    if (n <= 0) this.cidLengths.delete(len);
    else this.cidLengths.set(len, n);
    const i = owner.cids.indexOf(key);
    if (i >= 0) owner.cids.splice(i, 1);
  }

  private addTuple(conn: QuicConnection, client: QuicEndpoint, server: QuicEndpoint): void {
    const up = tupleKey(client.ip, client.port, server.ip, server.port);
    const down = tupleKey(server.ip, server.port, client.ip, client.port);
    const had = this.byTuple.get(up)?.conn;
    if (had !== undefined && had !== conn) this.forgetRecent(had);
    this.byTuple.set(up, { conn, from: 'client' });
    this.byTuple.set(down, { conn, from: 'server' });
    conn.tuples.push(up, down);
  }

  private touch(conn: QuicConnection, src: string, sport: number, dst: string, dport: number, from: Side, stamp: Stamp, wireLength: number): void {
    conn.last = stamp;
    conn.packets++;
    conn.bytes += wireLength;
    conn.datagrams[from]++;
    if (this.lastTouched !== conn) {
      // Keep `open` in order of last activity (re-inserting moves it to the end).
      this.open.delete(conn);
      this.open.set(conn, true);
      this.lastTouched = conn;
    }
    if (from === 'client' && (src !== conn.client.ip || sport !== conn.client.port)) {
      const ep = { ip: src, port: sport };
      if (!conn.migrations.some((m) => m.ip === ep.ip && m.port === ep.port) && conn.migrations.length < MAX_MIGRATIONS) {
        conn.migrations.push(ep);
        this.addTuple(conn, ep, { ip: dst, port: dport });
      }
    }
  }

  private expireIdle(now: Stamp): void {
    for (const conn of this.open.keys()) {
      if (msBetween(conn.last, now) <= this.idleTimeoutSec * 1000) break; // in order of last activity
      this.emit(conn, 'idle');
    }
  }

  // --- packets --------------------------------------------------------------

  private packet(conn: QuicConnection, from: Side, datagram: Buffer, pkt: QuicPacket, stamp: Stamp): void {
    const bytes = pkt.end - pkt.start;
    const counts = conn.packetCounts[from];
    counts[pkt.type] = (counts[pkt.type] ?? 0) + 1;
    this.firstEvent(conn, pkt.type, from, stamp, bytes);
    switch (pkt.type) {
      case 'VersionNegotiation':
        if (from === 'server') {
          conn.vn = true;
          conn.restartPending = true;
          const offered = pkt.supportedVersions ?? [];
          const detail = offered.map(versionName).join(',');
          const ev = conn.events[conn.events.length - 1];
          if (ev !== undefined && ev.type === 'VersionNegotiation' && ev.detail === undefined) ev.detail = detail;
        }
        return;
      case 'Retry':
        if (from === 'server' && !conn.retry) {
          conn.retry = true;
          conn.restartPending = true;
          conn.retryScid = Buffer.from(pkt.scid);
          conn.keyDcid = conn.retryScid;
          conn.keys = undefined;
          this.addCid(conn, conn.retryScid, 'server');
        }
        return;
      case '0-RTT':
        if (from === 'client') {
          conn.zeroRttPackets++;
          if (conn.firstData.client === undefined) conn.firstData.client = stamp;
          if (pkt.pnOffset !== undefined) this.clientApplicationPacket(conn, datagram, pkt.start, pkt.pnOffset, pkt.end, stamp, true);
        }
        return;
      case '1-RTT':
        if (conn.firstData[from] === undefined) conn.firstData[from] = stamp;
        if (from === 'server' && conn.handshakeDone === undefined && conn.keyed) this.applicationPacket(conn, datagram, pkt.start, pkt.dcid.length, pkt.end, stamp);
        else if (from === 'client') this.clientApplicationPacket(conn, datagram, pkt.start, 1 + pkt.dcid.length, pkt.end, stamp, false);
        return;
      case 'Handshake':
        if (from === 'server') {
          conn.serverHandshake = true;
          this.learnServerScid(conn, pkt);
        }
        this.handshakePacket(conn, from, datagram, pkt, stamp);
        return;
      case 'Initial':
        this.initial(conn, from, datagram, pkt, stamp);
        return;
    }
  }

  private learnServerScid(conn: QuicConnection, pkt: QuicPacket): void {
    if (conn.serverScid === undefined) {
      conn.serverScid = Buffer.from(pkt.scid);
      this.addCid(conn, conn.serverScid, 'server');
    }
  }

  private firstEvent(conn: QuicConnection, type: QuicEventType, from: Side, stamp: Stamp, bytes: number, extra?: Partial<QuicEvent>): void {
    const bit = EVENT_BIT[type];
    if ((conn.seen[from] & bit) !== 0) return;
    conn.seen[from] |= bit;
    conn.events.push({ type, from, frame: stamp.frame, firstFrame: stamp.frame, time: epoch(stamp), bytes, ...extra });
  }

  private initial(conn: QuicConnection, from: Side, datagram: Buffer, pkt: QuicPacket, stamp: Stamp): void {
    if (from === 'client') {
      if (conn.restartPending) {
        // The Initial that answers a Retry or Version Negotiation.
        conn.restartPending = false;
        if (pkt.version !== conn.version) {
          conn.versionsTried.push(conn.version);
          conn.version = pkt.version;
          if (!conn.retry) conn.keyDcid = Buffer.from(pkt.dcid);
          conn.keys = undefined;
          conn.largestInitialPn.client = -1;
        }
        this.addCid(conn, pkt.dcid, 'server');
      }
      conn.tokenLength = pkt.token?.length ?? 0;
    } else {
      this.learnServerScid(conn, pkt);
    }
    if (conn.initialDecrypts >= MAX_INITIAL_DECRYPTS || pkt.pnOffset === undefined) return;
    conn.initialDecrypts++;
    if (conn.keys === undefined || conn.keys.version !== pkt.version) {
      conn.keys = initialKeys(pkt.version, conn.keyDcid);
      if (conn.keys === undefined) {
        conn.problem(`no Initial keys for ${versionName(pkt.version)}`);
        conn.initialDecrypts = MAX_INITIAL_DECRYPTS;
        return;
      }
    }
    const opened = openLongPacket(datagram.subarray(pkt.start, pkt.end), pkt.pnOffset, pkt.end - pkt.start, conn.keys[from], conn.largestInitialPn[from]);
    if (typeof opened === 'string') {
      conn.undecrypted++;
      conn.problem(opened);
      return;
    }
    if (opened.packetNumber > conn.largestInitialPn[from]) conn.largestInitialPn[from] = opened.packetNumber;
    const frames = parseFrames(opened.payload);
    if (frames.problem !== undefined) conn.problem(frames.problem);
    this.closeFrame(conn, from, frames, stamp, pkt.end - pkt.start);
    const consumer = conn.consumer;
    if (consumer === undefined || !consumer.wantsCrypto) return;
    const stream = conn.crypto[from];
    const deliver = (bytes: Buffer, first: Stamp): void => consumer.crypto(from, 'initial', bytes, first, stamp);
    for (const cf of frames.crypto) stream.add(cf.offset, cf.data, stamp, deliver);
    if (stream.problem !== undefined) conn.problem(stream.problem);
    if (!consumer.wantsCrypto) {
      conn.crypto.client.release();
      conn.crypto.server.release();
    }
  }

  private closeFrame(conn: QuicConnection, from: Side, frames: InitialFrames, stamp: Stamp, bytes: number): void {
    if (frames.close === undefined || conn.close !== undefined) return;
    conn.close = { from, frame: stamp.frame, stamp, errorCode: frames.close.errorCode, reason: frames.close.reason };
    this.firstEvent(conn, 'ConnectionClose', from, stamp, bytes, { detail: `error 0x${frames.close.errorCode.toString(16)}` });
  }

  /**
   * A Handshake packet, when the consumer has keys for it (a key log): its
   * CRYPTO frames go to the consumer at the 'handshake' level (the rest of the
   * TLS handshake: EncryptedExtensions … Finished), a CONNECTION_CLOSE is the
   * connection's close. Stops once the consumer wants no more.
   */
  private handshakePacket(conn: QuicConnection, from: Side, datagram: Buffer, pkt: QuicPacket, stamp: Stamp): void {
    const consumer = conn.consumer;
    if (consumer?.packetKeys === undefined || consumer.wantsHandshakeCrypto !== true || pkt.pnOffset === undefined) return;
    if (conn.keyedDecrypts.handshake >= MAX_HANDSHAKE_DECRYPTS) return;
    const keys = consumer.packetKeys(from, 'handshake');
    if (keys === undefined) return;
    conn.keyed = true;
    conn.keyedDecrypts.handshake++;
    const space = conn.largestPn.handshake;
    const opened = openLongPacket(datagram.subarray(pkt.start, pkt.end), pkt.pnOffset, pkt.end - pkt.start, keys, space[from]);
    if (typeof opened === 'string') {
      conn.problem(`Handshake packet from the ${from} failed to decrypt with the key log's secrets`);
      return;
    }
    if (opened.packetNumber > space[from]) space[from] = opened.packetNumber;
    const frames = parseFrames(opened.payload, 'a Handshake');
    if (frames.problem !== undefined) conn.problem(frames.problem);
    this.closeFrame(conn, from, frames, stamp, pkt.end - pkt.start);
    if (frames.crypto.length === 0) return;
    const streams = (conn.handshakeCrypto ??= { client: new CryptoStream(this.cryptoCap), server: new CryptoStream(this.cryptoCap) });
    const stream = streams[from];
    const deliver = (bytes: Buffer, first: Stamp): void => consumer.crypto(from, 'handshake', bytes, first, stamp);
    for (const cf of frames.crypto) stream.add(cf.offset, cf.data, stamp, deliver);
    if (stream.problem !== undefined) conn.problem(stream.problem);
    if (consumer.wantsHandshakeCrypto !== true) {
      streams.client.release();
      streams.server.release();
    }
  }

  /**
   * A server 1-RTT packet at datagram[start, end) with a DCID of `cidLength`
   * bytes, opened with the consumer's application keys to find HANDSHAKE_DONE
   * (the event that confirms the handshake at the client, RFC 9001 §4.1.2).
   * Only until it is found, and for a bounded number of packets.
   */
  private applicationPacket(conn: QuicConnection, datagram: Buffer, start: number, cidLength: number, end: number, stamp: Stamp): void {
    const consumer = conn.consumer;
    if (consumer?.packetKeys === undefined || conn.keyedDecrypts.application >= MAX_APPLICATION_DECRYPTS) return;
    const keys = consumer.packetKeys('server', 'application');
    if (keys === undefined) return;
    conn.keyedDecrypts.application++;
    const space = conn.largestPn.application;
    const opened = openPacket(datagram.subarray(start, end), 1 + cidLength, end - start, keys, space.server, false);
    if (typeof opened === 'string') {
      conn.problem("1-RTT packet from the server failed to decrypt with the key log's secrets");
      return;
    }
    if (opened.packetNumber > space.server) space.server = opened.packetNumber;
    const frames = parseFrames(opened.payload, 'a 1-RTT');
    if (frames.problem !== undefined) conn.problem(frames.problem);
    if (frames.handshakeDone) {
      conn.handshakeDone = stamp;
      this.firstEvent(conn, 'HandshakeDone', 'server', stamp, end - start);
    }
    this.closeFrame(conn, 'server', frames, stamp, end - start);
  }

  /**
   * A client 0-RTT (`early`, long header) or 1-RTT packet at datagram[start,
   * end), packet number at `pnOffset` from start: opened with the key log's
   * keys (0-RTT: the candidate that opens the first one, then that one) for
   * the headers of its STREAM frames, which name the requests. Every client
   * packet while keys work (requests keep coming); after
   * MAX_CLIENT_APP_FAILURES failures (a key update we do not follow, damage)
   * no more. Without keys nothing is done.
   */
  private clientApplicationPacket(conn: QuicConnection, datagram: Buffer, start: number, pnOffset: number, end: number, stamp: Stamp, early: boolean): void {
    const consumer = conn.consumer;
    if (consumer?.packetKeys === undefined || conn.clientAppFailed >= MAX_CLIENT_APP_FAILURES) return;
    let candidates: readonly (DirectionKeys | undefined)[];
    if (!early) {
      const keys = consumer.packetKeys('client', 'application');
      if (keys === undefined) return;
      candidates = [keys];
    } else candidates = conn.earlyKeys !== undefined ? [conn.earlyKeys] : (consumer.earlyKeyCandidates?.() ?? []);
    if (candidates.length === 0) return;
    const space = conn.largestPn.application;
    const packet = datagram.subarray(start, end);
    for (const keys of candidates) {
      if (keys === undefined) continue;
      const opened = openPacket(packet, pnOffset, end - start, keys, space.client, early);
      if (typeof opened === 'string') continue;
      if (early) conn.earlyKeys = keys;
      conn.clientAppOpened++;
      if (opened.packetNumber > space.client) space.client = opened.packetNumber;
      const frames = parseFrames(opened.payload, early ? 'a 0-RTT' : 'a 1-RTT', (id, offset, length, fin) => conn.clientStream(id, offset, length, fin, stamp, early));
      if (frames.problem !== undefined) conn.problem(frames.problem);
      this.closeFrame(conn, 'client', frames, stamp, end - start);
      return;
    }
    conn.clientAppFailed++;
    conn.problem(`${early ? '0-RTT' : '1-RTT'} packet from the client failed to decrypt with the key log's secrets`);
  }

  // --- records --------------------------------------------------------------

  private emit(conn: QuicConnection, endState: 'open' | 'idle'): void {
    this.open.delete(conn);
    conn.closed = true;
    if (this.lastTouched === conn) this.lastTouched = undefined;
    for (const key of [...conn.cids]) if (this.byCid.get(key)?.conn === conn) this.dropCid(key, conn);
    for (const key of conn.tuples) if (this.byTuple.get(key)?.conn === conn) this.byTuple.delete(key);
    conn.crypto.client.release();
    conn.crypto.server.release();
    conn.handshakeCrypto = undefined;
    this.onClose(conn, endState);
  }
}
