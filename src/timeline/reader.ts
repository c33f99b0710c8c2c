/**
 * Reads a connection's reassembled streams: recognises TLS by content (at the
 * start of a direction or, after a plaintext exchange such as STARTTLS, at the
 * start of a later segment), runs the TLS session, and keeps its messages.
 */
import type { Dir, StreamConsumer, TcpConnection } from '../tcp/connection.js';
import { sniffTls, TlsSession } from '../tls/index.js';
import type { Side, Stamp } from '../base/stamp.js';
import { appendTight } from '../base/lists.js';
import type { TlsMessage } from '../tls/types.js';
import type { TlsSessionOptions } from '../tls/session.js';
import type { TlsSecrets } from '../tls/keylog.js';
import { BurstBuilder, RequestEstimator, RequestTracker, TlsRecordBursts } from '../http/index.js';
import type { EstimatedRequest, HttpRequest, HttpSummary } from '../http/index.js';
import { isTls13 } from '../tls/index.js';
import type { KeySource } from './keys.js';

export interface ReaderOptions {
  /** Secrets for decryption (a key log, the capture's DSBs); absent: nothing is decrypted. */
  keys?: KeySource;
}

/** The requests a connection carried: read from plaintext, or estimated from TLS records. */
export interface ConnectionRequests {
  requests: readonly (HttpRequest | EstimatedRequest)[];
  estimated: boolean;
  http: HttpSummary | null;
}

/** Plaintext bytes per direction scanned for a STARTTLS switch before giving up. */
export const PLAINTEXT_SCAN_LIMIT = 64 * 1024;

/**
 * Once the handshake and the first application data are read, records are
 * followed only for later alerts: a hole is then given up on after this many
 * held bytes instead of 1 MiB, so many lossy bulk transfers cannot add up.
 */
/** Plaintext frames before TLS kept for the round-trip count (a STARTTLS dialogue is a few lines). */
export const MAX_PLAIN_TURNS = 64;
/** Recent frames whose counters are kept (a TLS 1.3 client flight is decided within a few records). */
const RECENT_FRAMES = 16;

export const AFTER_HANDSHAKE_HELD_LIMIT = 64 * 1024;

type Mode = 'sniff' | 'tls' | 'off';

export interface SetupSnapshot {
  stamp: Stamp;
  packets: number;
  bytes: number;
}

/**
 * Does `chunk` begin with a ServerHello (a handshake record, sniffed as TLS,
 * whose first message is type 2)? Checked further than the sniff, on the bytes
 * present, as it starts TLS without a ClientHello: the message fits a
 * ServerHello (at least 38 bytes: version, random, session id length, suite,
 * compression) and its legacy_version is 03 0x.
 */
function serverHelloStart(chunk: Buffer): boolean {
  if (chunk.length < 6 || chunk[0] !== 0x16 || chunk[5] !== 2) return false;
  if (chunk.length >= 9 && chunk.readUIntBE(6, 3) < 38) return false;
  if (chunk.length >= 11 && (chunk[9] !== 3 || chunk[10] > 4)) return false;
  return true;
}

/** The shared empty message list of a reader with none yet (never pushed to: appendTight() copies it first). */
const NO_MESSAGES: TlsMessage[] = Object.freeze([]) as unknown as TlsMessage[];

/** The shared empty plainTurns of readers that saw no plaintext before TLS. */
const NO_TURNS: readonly { side: Side; frame: number; stamp: Stamp }[] = Object.freeze([]);

/**
 * Memory: one reader lives per open connection (100,000 at once in issue 15's
 * adversarial captures), so per-direction state is plain fields rather than
 * pairs of arrays, lists are made on first use, and the reader is its TLS
 * session's options object itself (methods, not closures).
 */
export class ConnectionReader implements StreamConsumer, TlsSessionOptions {
  private mode0: Mode = 'sniff';
  private mode1: Mode = 'sniff';
  /** Plaintext bytes (and bytes lost) scanned per direction before TLS. */
  private plain0 = 0;
  private plain1 = 0;
  session: TlsSession | undefined;
  /** The session's messages, appended with appendTight() (most connections have a dozen or fewer). */
  private list: TlsMessage[] = NO_MESSAGES;
  /** Plaintext was exchanged before TLS began. */
  startTls = false;
  /** Packet and byte counters of the connection when the TLS handshake completed. */
  tlsDone: SetupSnapshot | undefined;
  /**
   * Frames that carried plaintext before TLS began (STARTTLS: the banner, EHLO,
   * "220 Ready" ...), the first chunk of each frame: the client waited for each
   * server line, so they count in the setup's round trips. At most MAX_PLAIN_TURNS.
   */
  private turns: { side: Side; frame: number; stamp: Stamp }[] | undefined;
  /**
   * The connection's packet and byte counters as they were when each of the
   * last few frames delivered bytes: the TLS 1.3 handshake end can be decided
   * a few records after the frame it is placed in (a client flight is read
   * whole), and setup counts the packets up to that frame, not to the decision.
   */
  private recent: number[] | undefined;
  private limited = false;
  /** Speculative session over a connection whose starts were not captured (see probeData). */
  private probe: TlsSession | undefined;
  private probeOff = false;
  /** The session began at the server's ServerHello (the ClientHello was not captured). */
  private serverFirst = false;
  /** Bit dir: data was delivered in this direction. */
  private seen = 0;
  /** Bit dir: this direction's first event was a gap. */
  private gapFirst = 0;

  /** Requests read from plaintext: cleartext HTTP, or decrypted TLS application data. */
  private http: RequestTracker | undefined;
  /** Key-less request estimate from TLS application-data records. */
  private bursts: TlsRecordBursts | undefined;
  /** The estimate the bursts go to (through their builder); set with `bursts`. */
  private estimator: RequestEstimator | undefined;
  /** The cleartext tracker gave up on this connection (not HTTP, or TLS began). */
  private httpOff = false;

  constructor(
    private readonly conn: TcpConnection,
    private readonly opts: ReaderOptions = {},
  ) {}

  /** Plaintext bytes of the TLS session (frames before TLS and the start of the plaintext). */
  get plainTurns(): readonly { side: Side; frame: number; stamp: Stamp }[] {
    return this.turns ?? NO_TURNS;
  }

  private getMode(dir: Dir): Mode {
    return dir === 0 ? this.mode0 : this.mode1;
  }

  private setMode(dir: Dir, m: Mode): void {
    if (dir === 0) this.mode0 = m;
    else this.mode1 = m;
  }

  private getPlain(dir: Dir): number {
    return dir === 0 ? this.plain0 : this.plain1;
  }

  private addPlain(dir: Dir, n: number): void {
    if (dir === 0) this.plain0 += n;
    else this.plain1 += n;
  }

  // The TLS session's options (TlsSessionOptions; the session is given `this`): decryption from the
  // key source, plaintext to the request tracker, records to the estimate.

  /** TlsSessionOptions.keys: present only with a key source (a function made when the session asks, once). */
  get keys(): ((clientRandom: Buffer) => TlsSecrets | undefined | null) | undefined {
    const keys = this.opts.keys;
    return keys === undefined ? undefined : (random) => keys.lookup(random);
  }

  /** The TLS session's (or probe's) message sink. */
  message(m: TlsMessage): void {
    this.list = appendTight(this.list, m);
  }

  /**
   * TlsSessionOptions.offeredLists: the offered cipher suites and supported groups are in no
   * record of a TCP connection (QUIC's reader parses its own hello), so its TLS session does not
   * keep them with the open connection. A getter: no field per connection.
   */
  get offeredLists(): boolean {
    return false;
  }

  /** TlsSessionOptions.plaintext. */
  plaintext(side: Side, data: Buffer, stamp: Stamp): void {
    this.http ??= new RequestTracker();
    this.http.data(side, data, stamp);
  }

  /** TlsSessionOptions.plaintextLost. */
  plaintextLost(side: Side): void {
    this.http?.gap(side, Infinity);
  }

  /** TlsSessionOptions.record. */
  record(side: Side, type: number, length: number, stamp: Stamp): void {
    this.estimateRecord(side, type, length, stamp);
  }

  private estimateRecord(side: Side, type: number, length: number, stamp: Stamp): void {
    if (this.bursts === undefined) {
      if (type !== 23) return;
      const sum = this.session?.summary();
      const tls13 = sum?.version !== undefined ? isTls13(sum.version) : (sum?.clientHello?.supportedVersions.some(isTls13) ?? false);
      const estimator = new RequestEstimator();
      const builder = new BurstBuilder(estimator);
      this.bursts = new TlsRecordBursts(builder, tls13);
      this.estimator = estimator;
    }
    this.bursts.record(side, type, length, stamp);
  }

  /**
   * The connection's requests, once it is finished: from plaintext when HTTP
   * was read (decrypted TLS, cleartext), else the estimate from TLS records.
   * `fin`: each side's FIN, where a body delimited by the close completes.
   * `provisional` (a live snapshot of an open connection): nothing is ended or
   * flushed, the estimate leaves out the burst still open.
   */
  requests(fin: { client?: Stamp; server?: Stamp }, provisional = false): ConnectionRequests {
    const http = this.http;
    if (http !== undefined) {
      if (!provisional) {
        if (fin.client) http.end('client', fin.client);
        if (fin.server) http.end('server', fin.server);
      }
      const summary = http.summary();
      if (summary.protocol === 'http/1' || summary.protocol === 'h2') return { requests: http.requests(), estimated: false, http: summary };
    }
    if (this.session !== undefined && this.bursts !== undefined) {
      if (!provisional) this.bursts.flush();
      return { requests: this.estimator!.result().requests, estimated: true, http: null };
    }
    return { requests: [], estimated: false, http: null };
  }

  /** Cleartext bytes to the request tracker (plain TCP; bytes before a STARTTLS too). */
  private cleartext(dir: Dir, chunk: Buffer, stamp: Stamp): void {
    if (this.httpOff) return;
    const side = this.side(dir);
    if (this.http === undefined) {
      // Client first: HTTP is told by the client's first bytes; a server banner before them is not HTTP's.
      if (side !== 'client' || this.conn.clientDir === -1) return;
      this.http = new RequestTracker();
    }
    this.http.data(side, chunk, stamp);
    if (!this.http.wants('client') && !this.http.wants('server')) this.httpOff = true;
  }

  /**
   * The TLS messages, once the capture has ended: reading them resolves what
   * the session still held pending (a TLS 1.3 client flight).
   */
  get messages(): TlsMessage[] {
    if (this.session === undefined) return [];
    this.endOfStreams();
    this.session.end();
    return this.list === NO_MESSAGES ? [] : this.list;
  }

  /**
   * A direction that was closed (its FIN, or a reset either way) will bring no
   * more bytes: one still looking for record headers after a hole may take a
   * single record that ends exactly at the end of its bytes (the last record
   * before the FIN), where resynchronisation otherwise wants two headers.
   */
  private endOfStreams(): void {
    const session = this.session!;
    const [fin0, fin1] = this.conn.fin;
    const [rst0, rst1] = this.conn.rst;
    const reset = rst0 !== undefined || rst1 !== undefined;
    const before = this.list.length;
    for (const dir of [0, 1] as const) {
      if (this.getMode(dir) !== 'tls') continue;
      if ((dir === 0 ? fin0 : fin1) === undefined && !reset) continue;
      session.endOfStream(this.side(dir));
    }
    if (this.list.length > before) this.afterFeed(before);
  }

  wants(dir: Dir): boolean {
    if (this.getMode(dir) !== 'off') return true;
    return !this.httpOff && this.http !== undefined && this.session === undefined && this.http.wants(this.side(dir));
  }

  data(dir: Dir, chunk: Buffer, stamp: Stamp, segmentStart: boolean): void {
    const mode = this.getMode(dir);
    if (mode === 'off') {
      if (this.session === undefined) this.cleartext(dir, chunk, stamp);
      return;
    }
    this.noteFrame(stamp);
    if (mode === 'tls' || (segmentStart && this.trySwitch(dir, chunk)) || this.otherOfKnownTls(dir, chunk)) {
      const before = this.list.length;
      this.session!.feed(this.side(dir), chunk, stamp);
      this.afterFeed(before);
      return;
    }
    this.seen |= 1 << dir;
    if (this.session === undefined && (this.turns === undefined || this.turns.length < MAX_PLAIN_TURNS)) {
      const turns = (this.turns ??= []);
      const last = turns[turns.length - 1];
      if (last === undefined || last.frame !== stamp.frame) turns.push({ side: this.side(dir), frame: stamp.frame, stamp });
    }
    if (this.probeData(dir, chunk, stamp)) return;
    // Cleartext HTTP reads on beside a speculation still undecided (a direction that began with a hole after the SYNs).
    if (this.session === undefined) this.cleartext(dir, chunk, stamp);
    if (this.probe?.inStep(this.probeSide(dir))) return; // TLS records, waiting for the other direction
    this.addPlain(dir, chunk.length);
    if (this.getPlain(dir) > PLAINTEXT_SCAN_LIMIT) this.setMode(dir, 'off');
  }

  gap(dir: Dir, lost: number): void {
    if (this.getMode(dir) === 'tls') {
      this.session!.gap(this.side(dir), lost);
    } else {
      if (this.session === undefined && !this.httpOff) this.http?.gap(this.side(dir), lost);
      if (this.getMode(dir) === 'off') return;
      if (this.otherOfKnownTls(dir, null)) {
        this.session!.gap(this.side(dir), lost);
        return;
      }
      if ((this.seen & (1 << dir)) === 0) this.gapFirst |= 1 << dir;
      this.probe?.gap(this.probeSide(dir), lost);
      this.addPlain(dir, lost);
    }
  }

  private side(dir: Dir): Side {
    return dir === this.conn.clientDir ? 'client' : 'server';
  }

  /**
   * Once a session began, the other direction is TLS too, whatever its first
   * captured bytes: the server's once a ClientHello was seen (issue 11 #2: its
   * ServerHello was lost, or the capture began between them), the client's
   * once a ServerHello was (its ClientHello was lost). It is read from a chain
   * of record headers on (after a gap, the session's own resynchronisation),
   * or from its first byte when that is where its hello begins. True when the
   * direction was switched to TLS.
   */
  private otherOfKnownTls(dir: Dir, chunk: Buffer | null): boolean {
    if (this.session === undefined || this.getMode(dir) !== 'sniff') return false;
    const side = this.side(dir);
    if (side === 'client' && !this.serverFirst) return false;
    this.setMode(dir, 'tls');
    // The very start of the direction: too short to tell (a ServerHello cut after < 6 bytes), or the
    // client's own hello arriving after the server's (capture order): read it as it comes.
    const sniff = chunk !== null && this.getPlain(dir) === 0 ? sniffTls(chunk) : 'no';
    const start = sniff === 'need-more' || (side === 'client' && (sniff === 'sslv2' || (sniff === 'tls' && chunk![0] === 0x16)));
    if (chunk !== null && !start) this.session.resync(side);
    return true;
  }

  /**
   * Mid-stream TLS without a ClientHello (issue 11 #3): a direction whose start
   * was not captured (no SYN from it, or its first bytes lost) is scanned by a
   * speculative session for a chain of TLS record headers; when both
   * directions are in step the connection is TLS, read from there on with
   * what the records show and no handshake timing. The speculation ends when
   * a direction gives up (MAX_RESYNC_SCAN bytes without a chain, or a bad
   * record after one). True when this chunk made the connection TLS.
   */
  private probeData(dir: Dir, chunk: Buffer, stamp: Stamp): boolean {
    if (this.session !== undefined || this.probeOff) return false;
    if (this.probe === undefined) {
      if (this.conn.synSeen[dir] && (this.gapFirst & (1 << dir)) === 0) return false;
      this.probe = new TlsSession(this, this);
      this.probe.resync('client');
      this.probe.resync('server');
    }
    const side = this.probeSide(dir);
    this.probe.feed(side, chunk, stamp);
    if (this.probe.stopped(side)) {
      this.probe = undefined;
      this.probeOff = true;
      this.list = NO_MESSAGES;
      this.bursts = undefined;
      this.estimator = undefined;
      return false;
    }
    if (!this.probe.inStep('client') || !this.probe.inStep('server')) return false;
    if (this.conn.clientDir === -1) this.conn.setClient(this.probeSide(0) === 'client' ? 0 : 1, 'port');
    this.session = this.probe;
    this.probe = undefined;
    this.session.markMidstream();
    this.mode0 = 'tls';
    this.mode1 = 'tls';
    this.afterFeed(0);
    return true;
  }

  /** The client's direction as build.ts decides it without a SYN or hello (TcpConnection.clientDirByPort). */
  private probeSide(dir: Dir): Side {
    if (this.conn.clientDir !== -1) return this.side(dir);
    return dir === this.conn.clientDirByPort ? 'client' : 'server';
  }

  /** Decide whether TLS starts at this segment. */
  private trySwitch(dir: Dir, chunk: Buffer): boolean {
    const kind = sniffTls(chunk);
    if (kind === 'no' || kind === 'need-more') return false;
    // A ClientHello is a handshake record (content type 22) whose first message is type 1; an alert
    // record's sixth byte is its level (1 = warning) or, encrypted, any byte (RFC 8446 5.1, 6).
    const clientHello = kind === 'sslv2' || (chunk[0] === 0x16 && chunk[5] === 1);
    if (this.session === undefined) {
      const serverHello = !clientHello && serverHelloStart(chunk) && (this.conn.clientDir === -1 || this.side(dir) === 'server');
      if (!clientHello && !serverHello) return false;
      // The ClientHello's sender is the client (a ServerHello's the server), unless a SYN already said otherwise.
      if (this.conn.clientEvidence !== 'syn' && this.conn.clientEvidence !== 'syn-ack') {
        this.conn.setClient(clientHello ? dir : dir === 0 ? 1 : 0, 'tls');
      }
      // The ClientHello was not captured: the client's direction is TLS from its next record chain on.
      this.serverFirst = serverHello;
      if (this.plain0 + this.plain1 > 0) this.startTls = true;
      if (this.probe !== undefined) {
        // A hello after all: the speculation over the bytes before it is dropped.
        this.probe = undefined;
        this.list = NO_MESSAGES;
        this.bursts = undefined;
        this.estimator = undefined;
      }
      this.probeOff = true;
      // TLS after cleartext (STARTTLS): the cleartext exchange was not HTTP's requests.
      this.http = undefined;
      this.httpOff = true;
      this.session = new TlsSession(this, this);
      if (serverHello) this.session.clientMayLag();
    } else if (this.side(dir) !== 'server' || clientHello) {
      return false;
    }
    this.setMode(dir, 'tls');
    return true;
  }

  private noteFrame(stamp: Stamp): void {
    // The counters are only read for the frame of the handshake's end (snapshotAt): none needed once it is known.
    if (this.tlsDone !== undefined) return;
    // Bytes held ahead of a hole and read now: the counters as they were when their frame came.
    const then = this.conn.countersAt(stamp);
    const packets = then?.packets ?? this.conn.packets;
    const bytes = then?.bytes ?? this.conn.bytes;
    // (frame, packets, bytes) triples, flat: no object per frame.
    const recent = this.recent;
    if (recent === undefined) {
      this.recent = [stamp.frame, packets, bytes];
      return;
    }
    const n = recent.length;
    if (n > 0 && recent[n - 3] === stamp.frame) {
      recent[n - 2] = packets;
      recent[n - 1] = bytes;
      return;
    }
    if (n >= 3 * RECENT_FRAMES) {
      recent.splice(0, 3); // full: room for the three pushed now
      recent.push(stamp.frame, packets, bytes);
    } else {
      // Grown to its length (push() would make room for 16 more): a copy of at most 45 numbers, the size splice() moves once full.
      this.recent = recent.concat(stamp.frame, packets, bytes);
    }
  }

  /** The counters as of the frame of `at` (as now when that frame is no longer among the recent ones). */
  private snapshotAt(at: Stamp): SetupSnapshot {
    const recent = this.recent;
    if (recent !== undefined) {
      for (let i = recent.length - 3; i >= 0; i -= 3) {
        if (recent[i] === at.frame) return { stamp: at, packets: recent[i + 1]!, bytes: recent[i + 2]! };
      }
    }
    return { stamp: at, packets: this.conn.packets, bytes: this.conn.bytes };
  }

  private afterFeed(firstNew: number): void {
    const s = this.session!;
    if (!this.limited && s.done) {
      this.limited = true;
      this.conn.limitHeld(AFTER_HANDSHAKE_HELD_LIMIT);
    }
    if (this.tlsDone === undefined) {
      for (let i = firstNew; i < this.list.length; i++) {
        if (this.list[i]!.type !== 'Finished') continue;
        const done = s.summary().handshakeDone;
        if (done) {
          this.tlsDone = this.snapshotAt(done);
          this.recent = undefined;
        }
        break;
      }
    }
  }
}
