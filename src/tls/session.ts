/**
 * TLS session over TCP: the composition of a record layer (records.ts) and a
 * handshake-message layer (handshake.ts) per direction, and the meaning of
 * what they deliver -> TlsMessage events and a TlsSummary.
 *
 * Copies only what it keeps across feeds (see records.ts and handshake.ts):
 * application-data record bodies are never copied, only counted.
 */
import {
  helloRandom,
  parseCertificate,
  parseEncryptedExtensionsAlpn,
  parseClientHello,
  parseServerHello,
  parseSslv2ClientHello,
} from './hello.js';
import { alertName, handshakeMessageType, isKnownAlert, isTls13 } from './names.js';
import type { Side, Stamp } from '../base/stamp.js';
import type { AlertInfo, CertificateInfo, ClientHelloInfo, ServerHelloInfo, TlsMessage, TlsMessageType, TlsSummary } from './types.js';
import {
  CT_ALERT,
  CT_APPDATA,
  CT_CCS,
  CT_HANDSHAKE,
  CT_SSLV2,
  MAX_RECORD,
  RecordReader,
  type RecordPiece,
  type TlsRecord,
} from './records.js';
import { HandshakeReader, MAX_MESSAGE, type HandshakeMessage } from './handshake.js';
import type { TlsSecrets } from './keylog.js';
import { TlsDecryptor } from './decrypt/connection.js';

export { MAX_RECORD, MAX_MESSAGE };

const HS_CLIENT_HELLO = 1;
const HS_SERVER_HELLO = 2;
const HS_HELLO_RETRY_DRAFT = 6;
const HS_ENCRYPTED_EXTENSIONS = 8;
const HS_CERTIFICATE = 11;
const HS_SERVER_KEY_EXCHANGE = 12;
const HS_SERVER_HELLO_DONE = 14;
const HS_FINISHED = 20;

/** Messages handed on per connection; beyond, counted in TlsSummary.droppedMessages (issue 15). */
export const MAX_MESSAGES = 256;
/** Distinct alerts listed in TlsSummary.alerts per connection. */
export const MAX_ALERTS = 32;

/** Does `m` repeat `prev` (same sender)? ChangeCipherSpec, or the same alert. */
function repeats(prev: TlsMessage, m: TlsMessage): boolean {
  if (prev.type !== m.type) return false;
  if (m.type === 'ChangeCipherSpec') return true;
  if (m.type !== 'Alert') return false;
  const a = prev.alert!;
  const b = m.alert!;
  return a.name === b.name && a.level === b.level && a.description === b.description;
}

/** Client records a TLS 1.3 flight may span before its Finished ([Certificate, CertificateVerify,] Finished, split at most so). */
const MAX_FLIGHT_RECORDS = 4;
/** TLS 1.3 server records held while the client's direction is behind a hole (see TlsSession.serverAhead). */
const MAX_AHEAD_RECORDS = 32;
/** Body length of a TLS 1.3 alert record: 2 alert bytes + inner content type + 16-byte AEAD tag. */
const TLS13_ALERT_BODY_LENGTH = 19;

interface RecordStamp {
  first: Stamp;
  last: Stamp;
  /** Record bytes, header included. */
  bytes: number;
}

/**
 * Bytes of a TLS 1.3 record body carrying only a Finished: verify_data (the
 * suite's hash length) + 4 (handshake header) + 1 (inner content type) + the
 * AEAD tag (RFC 8446 4.4.4, 5.2); null for a suite we do not know.
 */
export function finishedRecordLength(suite: number | undefined): number | null {
  switch (suite) {
    case 0x1301: // TLS_AES_128_GCM_SHA256
    case 0x1303: // TLS_CHACHA20_POLY1305_SHA256
    case 0x1304: // TLS_AES_128_CCM_SHA256
    case 0x00c6: // TLS_SM4_GCM_SM3
    case 0x00c7: // TLS_SM4_CCM_SM3
      return 32 + 4 + 1 + 16;
    case 0x1302: // TLS_AES_256_GCM_SHA384
      return 48 + 4 + 1 + 16;
    case 0x1305: // TLS_AES_128_CCM_8_SHA256
      return 32 + 4 + 1 + 8;
    default:
      return null;
  }
}

/** Types whose record bodies we read. */
const keep = (type: number): boolean => (type >= CT_CCS && type <= CT_HANDSHAKE) || type === CT_SSLV2;

/**
 * Decryption and the request stage's feeds (all optional). Without `keys`
 * nothing is decrypted and no record body of type 23 is kept: a capture read
 * without a key log costs what it cost before.
 */
export interface TlsSessionOptions {
  /** The key log's secrets for a ClientHello random (asked once per connection, at its ClientHello). */
  keys?: (clientRandom: Buffer) => TlsSecrets | undefined | null;
  /** Decrypted application data (inner type 23, 0-RTT included), in order per side, stamped with the frame completing its record. */
  plaintext?: (side: Side, data: Buffer, stamp: Stamp) => void;
  /** This side's decrypted stream stopped (a record failed, or bytes were lost): what follows is not plaintext. */
  plaintextLost?: (side: Side) => void;
  /** Every complete record: outer content type, body length, stamp of the frame completing it (key-less request estimate). */
  record?: (side: Side, outerType: number, length: number, stamp: Stamp) => void;
  /**
   * Keep the ClientHello's offered cipher suites and supported groups in its message and the
   * summary (the default). false: they are dropped once the session has reported them cut, for
   * a consumer that uses neither and holds the message while its connection is open (0.1-0.4 KB
   * each, issue 14).
   */
  readonly offeredLists?: boolean;
}

/** The shared empty alert and problem lists of a summary with none yet (never pushed to: replaced at the first). */
const NO_ALERTS: TlsSummary['alerts'] = Object.freeze([]) as unknown as TlsSummary['alerts'];
const NO_PROBLEMS: string[] = Object.freeze([]) as unknown as string[];
/** The shared empty list that stands for offered lists not kept (offeredLists: false). */
const NO_NUMBERS: number[] = Object.freeze([]) as unknown as number[];

/** Where a TlsSession's messages go (the connection reader is its own: no closure per session). */
export interface MessageSink {
  message(m: TlsMessage): void;
}

function joined(pieces: RecordPiece[]): Buffer {
  return pieces.length === 1 ? pieces[0].data : Buffer.concat(pieces.map((p) => p.data));
}

class Direction {
  readonly rec: RecordReader;
  readonly hs: HandshakeReader;

  // Meaning.
  /** ChangeCipherSpec seen (TLS <= 1.2: later handshake records are encrypted). */
  ccs = false;
  finished: Stamp | null = null;
  appDataEmitted = false;
  certificateSeen = false;
  serverKeyExchangeSeen = false;
  serverHelloDoneSeen = false;
  /** Handshake bytes of this side were lost before its CCS. */
  handshakeLost = false;
  /** Decryption of this side stopped (a record failed to authenticate, or bytes were lost). */
  decryptStopped = false;

  /** RecordReaderOptions.sslv2: the client's first record may be an SSLv2-compatible hello. */
  readonly sslv2: boolean;

  /**
   * The direction is its readers' sink and options itself (methods, not
   * closures: ~1 KB less per connection with 100,000 open).
   */
  constructor(
    readonly side: Side,
    private readonly session: TlsSession,
  ) {
    this.sslv2 = side === 'client';
    this.rec = new RecordReader(side, this, this);
    this.hs = new HandshakeReader(this);
  }

  /**
   * RecordReaderOptions.keep: types whose bodies are read. While decrypting, every
   * record's: after a TLS 1.2 ChangeCipherSpec every record is protected, a
   * heartbeat (RFC 6520 3) too, and each one must be decrypted in turn (its
   * sequence number is in the next one's additional data, RFC 5246 6.2.3.3).
   */
  keep(t: number): boolean {
    return keep(t) || this.session.decrypting;
  }

  /** RecordSink.record. */
  record(r: TlsRecord): void {
    this.session.onRecord(this, r);
  }

  /** HandshakeSink.message. */
  message(m: HandshakeMessage): void {
    this.session.onHandshake(this, m);
  }

  /** RecordSink.problem and HandshakeSink.problem. */
  problem(t: string): void {
    this.session.problem(this, t);
  }

  get stopped(): boolean {
    return this.rec.stopped;
  }
}

export class TlsSession {
  /** The two directions, as fields (no { client, server } object per session). */
  private readonly client = new Direction('client', this);
  private readonly server = new Direction('server', this);
  private readonly sum: TlsSummary = {
    resumed: false,
    helloRetry: false,
    earlyData: false,
    certificateBytes: null,
    certificateCount: null,
    alerts: NO_ALERTS,
    handshakeEndInferred: false,
    firstApplicationDataRecord: {},
    problems: NO_PROBLEMS,
  };
  /** The ClientHello's session id, as a latin1 string (a Buffer per connection is a heavy object). */
  private clientSessionId: string | undefined;
  /** The real (non-HRR) ServerHello was seen. */
  private serverHelloSeen = false;
  private tls13 = false;
  private earlyDataEmitted = false;
  /** A 0-RTT record was skipped undecrypted (undecryptedEarlyData): said once. */
  private earlyUndecrypted = false;
  private finished = false;
  /** Messages handed on (MAX_MESSAGES). */
  private kept = 0;
  /** Each side's latest message handed on (repeats fold into it). */
  private lastClientMessage: TlsMessage | undefined = undefined;
  private lastServerMessage: TlsMessage | undefined = undefined;
  private alertsCut = false;
  /** Client records of a TLS 1.3 flight not yet resolved (see clientFlight). */
  private flight: RecordStamp[] | null = null;
  /**
   * TLS 1.3 server records read before anything of the client's (its
   * ClientHello lost: the client's direction is held behind that hole and
   * read after the server's): whether each came before or after the
   * client's Finished is decided by frame once that Finished is known (or at
   * the end). At most MAX_AHEAD_RECORDS, then decided as they come.
   */
  private serverAhead: RecordStamp[] | null = null;
  private serverAheadOff = true;
  /** Side of the latest application-data record counted for clientBursts. */
  private lastDataSide: Side | null = null;
  /** Each side's latest message (last*Message) was handed on (to tell a dropped message's repeats from a kept one's). */
  private clientLastHandedOn = false;
  private serverLastHandedOn = false;

  /** Decryption state, once the key log knew the ClientHello's random (and until the ServerHello says it cannot be done). */
  private dec: TlsDecryptor | undefined;

  constructor(
    /** Where messages go. */
    private readonly onMessage: MessageSink,
    private readonly opts: TlsSessionOptions = {},
  ) {}

  /** Appends to TlsSummary.problems (a list of its own at the first). */
  private addProblem(text: string): void {
    if (this.sum.problems === NO_PROBLEMS) this.sum.problems = [text];
    else this.sum.problems.push(text);
  }

  private dir(side: Side): Direction {
    return side === 'client' ? this.client : this.server;
  }

  /** Records are being decrypted (application-data bodies are kept for it). */
  get decrypting(): boolean {
    return this.dec !== undefined;
  }

  /**
   * The handshake is complete and the first application data went both ways (or
   * parsing gave up). Records are still followed after that, so later alerts
   * (close_notify, a fatal alert after an encrypted handshake) are reported.
   */
  get done(): boolean {
    if (this.finished) return true;
    const client = this.client;
    const server = this.server;
    return client.stopped && server.stopped;
  }

  /**
   * This side's bytes are known to be TLS but do not begin with a record we
   * can read (its hello was lost, the capture began mid-stream): look for a
   * chain of record headers before reading records. Its handshake messages
   * are out of step until its ChangeCipherSpec.
   */
  resync(side: Side): void {
    const d = this.dir(side);
    if (d.stopped || d.rec.resyncing) return;
    this.problem(d, 'bytes that do not start with a TLS record: looking for a chain of record headers');
    d.rec.startResync();
    this.loseHandshake(d);
  }

  /**
   * `side`'s stream ended (its FIN, or a reset): a direction still looking for
   * a chain of record headers after a hole takes one that ends exactly at the
   * end of its bytes, a single record included (see RecordReader.endOfStream).
   */
  endOfStream(side: Side): void {
    const d = this.dir(side);
    try {
      d.rec.endOfStream();
    } catch (e) {
      this.stop(d, `internal error: ${(e as Error).message}`);
    }
  }

  /**
   * The session begins with the server's bytes (its ClientHello was not
   * captured): the client's, held behind that hole, may be read after the
   * server's that followed them. TLS 1.3 server records read before any of
   * the client's are then placed by frame against the client's Finished
   * (see serverAhead), not by the order they are read in.
   */
  clientMayLag(): void {
    if (this.client.rec.records === 0) this.serverAheadOff = false;
  }

  /** Parsing of `side` gave up. */
  stopped(side: Side): boolean {
    return this.dir(side).stopped;
  }

  /** Records of `side` are being read in step (a record seen, not scanning, not stopped). */
  inStep(side: Side): boolean {
    const r = this.dir(side).rec;
    return r.records > 0 && !r.resyncing && !r.stopped;
  }

  /** The connection was recognised mid-stream, by its records alone (no ClientHello). */
  markMidstream(): void {
    this.sum.midstream = true;
  }

  /** Bytes held for record and handshake reassembly (bounded: see records.ts, handshake.ts). */
  get retained(): number {
    const client = this.client;
    const server = this.server;
    return client.rec.retained + client.hs.retained + server.rec.retained + server.hs.retained;
  }

  summary(): TlsSummary {
    if (this.sum.certificateCount === null && this.noServerCertificate()) {
      this.sum.certificateBytes = 0;
      this.sum.certificateCount = 0;
    }
    return this.sum;
  }

  /** Is the server known to have sent no certificate (rather than one we could not read)? */
  private noServerCertificate(): boolean {
    const server = this.server;
    if (!this.serverHelloSeen || server.certificateSeen) return false;
    // TLS 1.3: the Certificate is encrypted, absent only when a PSK was accepted (RFC 8446 4.4.2).
    if (this.tls13) return this.sum.serverHello?.pskAccepted === true;
    // TLS <= 1.2: the server's cleartext flight ended (ServerHelloDone or its CCS) with nothing lost.
    return (server.serverHelloDoneSeen || server.ccs) && !server.handshakeLost;
  }

  feed(from: Side, data: Buffer, stamp: Stamp): void {
    const d = this.dir(from);
    if (d.stopped || data.length === 0) return;
    try {
      d.rec.feed(data, stamp);
    } catch (e) {
      // Defensive: a bug must not take down the pipeline.
      this.stop(d, `internal error: ${(e as Error).message}`);
    }
  }

  gap(from: Side, lostBytes: number): void {
    const d = this.dir(from);
    if (d.stopped || lostBytes <= 0) return;
    const wasResyncing = d.rec.resyncing;
    if (this.dec !== undefined && !d.decryptStopped) this.stopDecrypt(d, `${lostBytes} bytes lost: later records cannot be decrypted`);
    d.rec.gap(lostBytes);
    if (d.rec.resyncing && !wasResyncing) this.loseHandshake(d);
  }

  // ---------------------------------------------------------------- records

  /** A complete record from a direction's record layer. */
  onRecord(d: Direction, r: TlsRecord): void {
    const { type, first, last, length: len } = r;
    if (type === CT_APPDATA) {
      if (this.sum.recordVersion === undefined) this.sum.recordVersion = r.version;
      const fadr = this.sum.firstApplicationDataRecord;
      if (fadr[d.side] === undefined) fadr[d.side] = last;
    }
    this.opts.record?.(d.side, type, len, last);
    if (this.dec !== undefined && !d.decryptStopped && this.dec.expectsEncrypted(d.side, type) && this.decryptRecord(d, r)) return;
    if (r.damaged) {
      if (type === CT_HANDSHAKE) this.loseHandshake(d);
      if (type !== CT_APPDATA) return;
    }
    switch (type) {
      case CT_SSLV2:
        this.sslv2Hello(d, joined(r.body!), first, last);
        return;
      case CT_CCS:
        this.changeCipherSpec(d, len, first, last);
        return;
      case CT_ALERT:
        this.alert(d, joined(r.body!), first, last);
        return;
      case CT_HANDSHAKE:
        this.handshakeRecord(d, r);
        return;
      case CT_APPDATA:
        this.applicationData(d, len, first, last);
        return;
      default:
        return; // heartbeat
    }
  }

  private handshakeRecord(d: Direction, r: TlsRecord): void {
    if (d.ccs) {
      // Encrypted handshake (TLS <= 1.2 after this side's CCS): the first one is Finished.
      const bytes = r.length + 5;
      if (d.finished === null) {
        d.finished = r.last;
        this.emit({ type: 'Finished', from: d.side, first: r.first, last: r.last, bytes });
        this.finishedSeen(r.last);
      } else {
        this.emit({ type: 'EncryptedHandshake', from: d.side, first: r.first, last: r.last, bytes });
      }
      return;
    }
    for (const p of r.body!) {
      if (d.hs.broken || d.stopped) return;
      d.hs.feed(p.data, p.stamp, r.last);
    }
  }

  // ---------------------------------------------------------------- record meanings

  private sslv2Hello(d: Direction, body: Buffer, first: Stamp, last: Stamp): void {
    const parsed = parseSslv2ClientHello(body);
    if (typeof parsed === 'string') {
      this.stop(d, parsed);
      return;
    }
    this.clientSessionId = parsed.sessionId.toString('latin1');
    this.sum.clientHello = parsed.info;
    this.truncatedLists(d, parsed.info);
    this.emit({ type: 'ClientHello', from: d.side, first, last, bytes: body.length + 2, clientHello: parsed.info });
  }

  private changeCipherSpec(d: Direction, len: number, first: Stamp, last: Stamp): void {
    this.emit({ type: 'ChangeCipherSpec', from: d.side, first, last, bytes: len + 5 });
    this.dec?.changeCipherSpec(d.side);
    if (!this.ccsSwitchesKeys(d)) return; // TLS 1.3 compatibility CCS (RFC 8446 D.4)
    if (d.side === 'server' && this.serverHelloSeen && !this.sum.resumed) {
      const server = this.server;
      if (!server.certificateSeen && !server.serverKeyExchangeSeen && this.sum.clientHello?.sessionTicket) {
        this.sum.resumed = true;
        this.sum.resumption = 'ticket';
      }
    }
    if (!d.ccs) {
      d.ccs = true;
      if (d.hs.partial) this.problem(d, 'handshake message cut by ChangeCipherSpec');
      d.hs.reset();
    }
  }

  /**
   * Does this CCS switch the sender to encrypted handshake records (TLS <= 1.2)?
   * Not in TLS 1.3; and a CCS before the ServerHello is a 1.3 compatibility CCS
   * when it follows a HelloRetryRequest (server) or a ClientHello offering 1.3.
   */
  private ccsSwitchesKeys(d: Direction): boolean {
    if (this.tls13) return false;
    if (this.serverHelloSeen) return true;
    if (d.side === 'server') return !this.sum.helloRetry;
    const ch = this.sum.clientHello;
    return !(ch !== undefined && ch.supportedVersions.some(isTls13));
  }

  private alert(d: Direction, body: Buffer, first: Stamp, last: Stamp): void {
    // After the sender's CCS (TLS <= 1.2) alerts are encrypted; a 2-byte record
    // with a valid level and a known description is cleartext whatever the state.
    const plausible = body.length >= 2 && (body[0] === 1 || body[0] === 2) && isKnownAlert(body[1]);
    const clear = d.ccs || this.tls13 ? body.length === 2 && plausible : body.length >= 2;
    let alert: AlertInfo;
    if (clear) alert = { level: body[0], description: body[1], name: alertName(body[1]) };
    else alert = { name: 'encrypted' };
    if (!this.emit({ type: 'Alert', from: d.side, first, last, bytes: body.length + 5, alert })) return;
    if (this.sum.alerts.length < MAX_ALERTS) {
      const a = { from: d.side, frame: last.frame, ...alert };
      if (this.sum.alerts === NO_ALERTS) this.sum.alerts = [a];
      else this.sum.alerts.push(a);
    }
    else if (this.sum.alerts.length === MAX_ALERTS && !this.alertsCut) {
      this.alertsCut = true;
      this.problem(d, `more than ${MAX_ALERTS} distinct alerts: later ones not listed`);
    }
  }

  private applicationData(d: Direction, len: number, first: Stamp, last: Stamp): void {
    const bytes = len + 5;
    if (!this.serverHelloSeen) {
      if (d.side === 'client' && this.sum.clientHello?.earlyData) {
        this.earlyData(d, first, last, bytes);
        return;
      }
    } else if (this.tls13) {
      const client = this.client;
      if (client.finished === null) {
        const rec: RecordStamp = { first, last, bytes };
        if (d.side === 'server') {
          if (this.flight === null) {
            if (this.holdServerAhead(rec)) return;
            this.emit({ type: 'EncryptedHandshake', from: 'server', first, last, bytes, inferred: true });
            return;
          }
          // The server answers only after the client's Finished: the pending flight was one record.
          this.endFlight();
        } else if (this.clientFlight(rec, len)) {
          return;
        }
      }
    }
    this.countBurst(d.side, len);
    if (!d.appDataEmitted) {
      d.appDataEmitted = true;
      this.emit({ type: 'ApplicationData', from: d.side, first, last, bytes });
      this.checkDone();
    }
  }

  /**
   * Counts client data bursts (TlsSummary.clientBursts): a client record after
   * a server one (or the first) starts one. TLS 1.3 alerts (close_notify) are
   * records of 19 bytes under application keys: not data, not counted.
   */
  private countBurst(side: Side, len: number): void {
    if (this.tls13 && len === TLS13_ALERT_BODY_LENGTH) return;
    if (side === 'client' && this.lastDataSide !== 'client') this.sum.clientBursts = (this.sum.clientBursts ?? 0) + 1;
    this.lastDataSide = side;
  }

  /**
   * A client record (TLS 1.3, after the ServerHello, before its Finished is
   * known). The client's last flight is [Certificate, CertificateVerify,]
   * Finished, under handshake keys: application data, under other keys, can
   * never share a record with it. A record whose ciphertext is exactly a
   * Finished (hash length + 4 + 1 + AEAD tag) is the Finished; a longer one
   * (a certificate, or a padded record) opens a flight that ends with the next
   * Finished-sized record. When none comes (the flight was coalesced into one
   * record, or padded) before the server's next record, MAX_FLIGHT_RECORDS or
   * the end, the flight's first record was the Finished. True when the record
   * was taken as handshake.
   */
  private clientFlight(rec: RecordStamp, len: number): boolean {
    const fin = finishedRecordLength(this.sum.cipherSuite);
    if (this.flight === null) {
      if (fin === null || len === fin) {
        this.clientFinished(rec);
        return true;
      }
      this.flight = [rec];
      return true;
    }
    if (len === fin) {
      for (const r of this.flight) {
        this.emit({ type: 'EncryptedHandshake', from: 'client', first: r.first, last: r.last, bytes: r.bytes, inferred: true });
      }
      this.flight = null;
      this.clientFinished(rec);
      return true;
    }
    this.flight.push(rec);
    if (this.flight.length > MAX_FLIGHT_RECORDS) this.endFlight();
    return true;
  }

  /** Holds a TLS 1.3 server record while nothing of the client was read and no ClientHello seen (see serverAhead). */
  private holdServerAhead(rec: RecordStamp): boolean {
    if (this.serverAheadOff || this.sum.clientHello !== undefined || this.client.rec.records > 0) return false;
    this.serverAhead ??= [];
    if (this.serverAhead.length >= MAX_AHEAD_RECORDS) {
      this.serverAheadOff = true;
      this.releaseServerAhead(null);
      return false;
    }
    this.serverAhead.push(rec);
    return true;
  }

  /**
   * The held server records, in order: up to the client's Finished (frame
   * `finished`; null: not known) encrypted handshake, as they are read when
   * the client comes first; after it application data.
   */
  private releaseServerAhead(finished: number | null): void {
    const held = this.serverAhead;
    if (held === null) return;
    this.serverAhead = null;
    const server = this.server;
    for (const r of held) {
      if (finished === null || r.last.frame <= finished) {
        this.emit({ type: 'EncryptedHandshake', from: 'server', first: r.first, last: r.last, bytes: r.bytes, inferred: true });
        continue;
      }
      this.countBurst('server', r.bytes - 5);
      if (!server.appDataEmitted) {
        server.appDataEmitted = true;
        this.emit({ type: 'ApplicationData', from: 'server', first: r.first, last: r.last, bytes: r.bytes });
        this.checkDone();
      }
    }
  }

  /** A pending client flight ends without a Finished-sized record: its first record was the Finished, the next application data. */
  private endFlight(): void {
    const flight = this.flight;
    if (flight === null) return;
    this.flight = null;
    this.clientFinished(flight[0]);
    const next = flight[1];
    if (next !== undefined) this.applicationData(this.client, next.bytes - 5, next.first, next.last);
  }

  private clientFinished(r: RecordStamp): void {
    const client = this.client;
    client.finished = r.last;
    this.emit({ type: 'Finished', from: 'client', first: r.first, last: r.last, bytes: r.bytes, inferred: true });
    this.sum.handshakeDone = r.last;
    this.sum.handshakeEndInferred = true;
    this.releaseServerAhead(r.last.frame);
    this.checkDone();
  }

  /**
   * The capture ended: a client flight still pending is resolved (its first
   * record was the Finished), partial handshake messages are dropped.
   * Idempotent; call before reading the messages.
   */
  end(): void {
    this.endFlight();
    this.releaseServerAhead(null);
    // No more bytes will come: partial handshake messages are given up (their buffers go back to the budget).
    for (const d of [this.client, this.server]) if (d.hs.partial) d.hs.lose();
  }

  /** A complete cleartext handshake message; `body` null when it was too long to buffer. */
  onHandshake(d: Direction, hm: HandshakeMessage): void {
    const { type: hsType, body, length: len, first, last } = hm;
    let type: TlsMessageType = handshakeMessageType(hsType);
    // The message is made after the parse, with its hello or certificate in the literal: a field
    // added to a made object costs a property array of its own (~40 B a connection, issue 14).
    let clientHello: ClientHelloInfo | undefined;
    let serverHello: ServerHelloInfo | undefined;
    let certificate: CertificateInfo | undefined;
    if (body !== null) {
      switch (hsType) {
        case HS_CLIENT_HELLO: {
          const r = parseClientHello(body);
          if (typeof r === 'string') {
            this.problem(d, r);
            break;
          }
          this.clientSessionId = r.sessionId.toString('latin1');
          this.sum.clientHello = r.info;
          clientHello = r.info;
          this.truncatedLists(d, r.info);
          if (this.opts.offeredLists === false) {
            r.info.cipherSuites = NO_NUMBERS;
            r.info.supportedGroups = NO_NUMBERS;
          }
          this.lookupKeys(d, body);
          break;
        }
        case HS_SERVER_HELLO: {
          const r = parseServerHello(body, this.clientSessionId === undefined ? undefined : Buffer.from(this.clientSessionId, 'latin1'));
          if (typeof r === 'string') {
            this.problem(d, r);
            break;
          }
          serverHello = r;
          if (r.helloRetry) {
            type = 'HelloRetryRequest';
            this.sum.helloRetry = true;
            break;
          }
          this.serverHelloSeen = true;
          this.startDecrypt(r.version, r.cipherSuite, body);
          this.sum.serverHello = r;
          this.sum.version = r.version;
          this.sum.cipherSuite = r.cipherSuite;
          this.tls13 = isTls13(r.version);
          if (this.tls13) {
            if (r.pskAccepted) {
              this.sum.resumed = true;
              this.sum.resumption = 'psk';
            }
          } else if (r.sessionIdEchoed) {
            // RFC 5077 3.4: a server accepting a ticket echoes the client's session id too.
            this.sum.resumed = true;
            this.sum.resumption = this.sum.clientHello?.sessionTicket ? 'ticket' : 'session-id';
          }
          break;
        }
        case HS_ENCRYPTED_EXTENSIONS: {
          // Only ever read decrypted (TLS 1.3): the selected ALPN lives here, not in the ServerHello.
          const r = parseEncryptedExtensionsAlpn(body);
          if (typeof r === 'string') this.problem(d, r);
          else if (r.alpn !== undefined && d.side === 'server' && this.sum.serverHello && this.sum.serverHello.alpn === undefined) {
            this.sum.serverHello.alpn = r.alpn;
          }
          break;
        }
        case HS_HELLO_RETRY_DRAFT:
          // TLS 1.3 drafts before 22: HelloRetryRequest is a message type of its own.
          this.sum.helloRetry = true;
          break;
        case HS_CERTIFICATE: {
          const r = parseCertificate(body, this.tls13);
          if (typeof r === 'string') {
            this.problem(d, r);
            break;
          }
          certificate = r;
          if (d.side === 'server') {
            this.sum.certificateBytes = (this.sum.certificateBytes ?? 0) + r.bytes;
            this.sum.certificateCount = (this.sum.certificateCount ?? 0) + r.count;
          }
          break;
        }
      }
    }
    const from = d.side;
    const bytes = len + 4;
    const m: TlsMessage =
      clientHello !== undefined
        ? { type, from, first, last, bytes, clientHello }
        : serverHello !== undefined
          ? { type, from, first, last, bytes, serverHello }
          : certificate !== undefined
            ? { type, from, first, last, bytes, certificate }
            : { type, from, first, last, bytes };
    if (hsType === HS_CERTIFICATE) d.certificateSeen = true;
    if (hsType === HS_SERVER_KEY_EXCHANGE) d.serverKeyExchangeSeen = true;
    if (hsType === HS_SERVER_HELLO_DONE) d.serverHelloDoneSeen = true;
    if (hsType === HS_SERVER_HELLO && !this.serverHelloSeen && m.type === 'ServerHello') this.serverHelloSeen = true;
    this.emit(m);
    // Before this side's next record is decrypted: Finished, EndOfEarlyData and KeyUpdate switch its keys.
    this.dec?.handshakeMessage(d.side, hsType);
    if (hsType === HS_FINISHED && d.finished === null) {
      d.finished = last;
      this.finishedSeen(last);
    }
  }

  /**
   * A Finished was seen: the handshake completes with the second side's, the
   * later of the two in the capture (a direction held behind a hole, such as
   * a client whose ClientHello was lost, is read after the other one).
   */
  private finishedSeen(last: Stamp): void {
    const client = this.client;
    const server = this.server;
    if (client.finished !== null && server.finished !== null && this.sum.handshakeDone === undefined) {
      const other = last === client.finished ? server.finished : client.finished;
      this.sum.handshakeDone = other.frame > last.frame ? other : last;
      this.checkDone();
    }
  }

  private checkDone(): void {
    const client = this.client;
    const server = this.server;
    if (this.sum.handshakeDone !== undefined && client.appDataEmitted && server.appDataEmitted) {
      this.finished = true;
    }
  }

  // ---------------------------------------------------------------- decryption

  /** At the ClientHello: a decryptor when the key log knows its random (asked once per connection). */
  private lookupKeys(d: Direction, body: Buffer): void {
    const keys = this.opts.keys;
    if (keys === undefined || d.side !== 'client' || this.dec !== undefined || this.sum.notDecrypted !== undefined) return;
    if (this.sum.decrypted) return;
    const random = helloRandom(body);
    const secrets = random === null ? undefined : keys(random);
    if (secrets === null) return; // no key source at all
    if (secrets === undefined) {
      this.sum.notDecrypted = 'no-secrets';
      return;
    }
    this.dec = TlsDecryptor.fromSecrets(secrets);
  }

  /** At the real ServerHello: can this connection be decrypted? If not, why (one problem), and the timeline stays inferred. */
  private startDecrypt(version: number, cipherSuite: number, body: Buffer): void {
    const dec = this.dec;
    if (dec === undefined) return;
    const serverRandom = helloRandom(body)!;
    const no = dec.serverHello({ version, cipherSuite, serverRandom, earlyDataOffered: this.sum.clientHello?.earlyData === true });
    if (no === null) return;
    this.dec = undefined;
    this.sum.notDecrypted = 'unsupported';
    if (this.sum.problems.length < 20) this.addProblem(`not decrypted: ${no.message}`);
  }

  /**
   * A record this side encrypted (`expectsEncrypted`): decrypted, its plaintext
   * is read as a record of its inner type, stamped like the record. False when
   * it could not be (the first failure stops this side's decryption, one
   * problem): the record is then read as it is on the wire, as without keys.
   */
  private decryptRecord(d: Direction, r: TlsRecord): boolean {
    const dec = this.dec!;
    if (r.damaged || r.body === null) {
      this.stopDecrypt(d, `record in frame ${r.last.frame} lost bytes: later records cannot be decrypted`);
      return false;
    }
    const early = d.side === 'client' && dec.phase('client') === 'early';
    const res = dec.decrypt(d.side, r.type, r.version, joined(r.body));
    if (!res.ok && res.reason === 'early-data') {
      this.undecryptedEarlyData(d, r);
      return true;
    }
    if (!res.ok) {
      this.stopDecrypt(d, `record in frame ${r.last.frame} not decrypted (${res.reason}): ${res.message}`);
      return false;
    }
    this.sum.decrypted = true;
    const plain = res.plaintext;
    switch (res.innerType) {
      case CT_HANDSHAKE:
        if (!d.hs.broken) d.hs.feed(plain, r.first, r.last);
        return true;
      case CT_ALERT:
        this.alert(d, plain, r.first, r.last);
        return true;
      case CT_APPDATA:
        this.decryptedData(d, plain, r, early);
        return true;
      default:
        return true;
    }
  }

  /** Decrypted application data: the true first data each way (never a ticket), and the request stage's feed. */
  private decryptedData(d: Direction, plain: Buffer, r: TlsRecord, early: boolean): void {
    this.opts.plaintext?.(d.side, plain, r.last);
    const bytes = r.length + 5;
    if (early) {
      this.earlyData(d, r.first, r.last, bytes);
      return;
    }
    if (!d.appDataEmitted) {
      d.appDataEmitted = true;
      this.emit({ type: 'ApplicationData', from: d.side, first: r.first, last: r.last, bytes });
      this.checkDone();
    }
  }

  /**
   * A 0-RTT record after the ServerHello that no key of the key log opens (TLS 1.3,
   * early data offered, no early traffic key): early data, as without keys; its
   * plaintext is lost to the request stage. Decryption goes on with the next record.
   */
  private undecryptedEarlyData(d: Direction, r: TlsRecord): void {
    this.earlyData(d, r.first, r.last, r.length + 5);
    if (!this.earlyUndecrypted) {
      this.earlyUndecrypted = true;
      this.problem(d, `record in frame ${r.last.frame} is under the 0-RTT key, which the key log lacks (no CLIENT_EARLY_TRAFFIC_SECRET): early records skipped`);
      this.opts.plaintextLost?.(d.side);
    }
  }

  /** A 0-RTT record (read as one without keys, decrypted, or skipped undecrypted): the first is the early-data event. */
  private earlyData(d: Direction, first: Stamp, last: Stamp, bytes: number): void {
    this.sum.earlyData = true;
    if (this.earlyDataEmitted) return;
    this.earlyDataEmitted = true;
    this.emit({ type: 'ApplicationData', from: d.side, first, last, bytes, earlyData: true });
  }

  private stopDecrypt(d: Direction, text: string): void {
    d.decryptStopped = true;
    if (this.sum.notDecrypted === undefined) this.sum.notDecrypted = 'failed';
    this.problem(d, `decryption stopped: ${text}`);
    this.opts.plaintextLost?.(d.side);
  }

  // ---------------------------------------------------------------- helpers

  /**
   * Hands a message on, within the budgets: a ChangeCipherSpec, or an alert
   * equal to the sender's previous message, is folded into it (count, bytes,
   * lastRepeat); beyond MAX_MESSAGES per connection messages are only counted.
   * True when the message was handed on as a new one.
   */
  private emit(m: TlsMessage): boolean {
    const prev = m.from === 'client' ? this.lastClientMessage : this.lastServerMessage;
    if (prev !== undefined && repeats(prev, m)) {
      prev.count = (prev.count ?? 1) + 1;
      prev.bytes += m.bytes;
      prev.lastRepeat = m.last;
      const handedOn = m.from === 'client' ? this.clientLastHandedOn : this.serverLastHandedOn;
      if (this.kept >= MAX_MESSAGES && !handedOn) this.sum.droppedMessages! += 1;
      return false;
    }
    if (this.kept >= MAX_MESSAGES) {
      this.setLast(m, false);
      this.sum.droppedMessages = (this.sum.droppedMessages ?? 0) + 1;
      if (this.sum.droppedMessages === 1) {
        this.problem(this.dir(m.from), `more than ${MAX_MESSAGES} messages: later ones counted only`);
      }
      return false;
    }
    this.kept++;
    this.setLast(m, true);
    this.onMessage.message(m);
    return true;
  }

  /** `m` is now its sender's latest message; `handedOn`: it went to onMessage. */
  private setLast(m: TlsMessage, handedOn: boolean): void {
    if (m.from === 'client') {
      this.lastClientMessage = m;
      this.clientLastHandedOn = handedOn;
    } else {
      this.lastServerMessage = m;
      this.serverLastHandedOn = handedOn;
    }
  }

  private truncatedLists(d: Direction, info: ClientHelloInfo): void {
    for (const t of info.truncated ?? []) {
      this.problem(d, `ClientHello ${t.list} list cut to ${t.kept} of ${t.total} values`);
    }
  }

  problem(d: Direction, text: string): void {
    if (this.sum.problems.length < 20) this.addProblem(`${d.side}: ${text}`);
  }

  /** Handshake bytes of `d` were lost: its message stream is out of step until its CCS. */
  private loseHandshake(d: Direction): void {
    if (!d.ccs) d.handshakeLost = true;
    d.hs.lose();
  }

  /** Records a problem and stops parsing this direction; returns false for convenience. */
  private stop(d: Direction, text: string): false {
    this.loseHandshake(d);
    return d.rec.stop(text);
  }
}
