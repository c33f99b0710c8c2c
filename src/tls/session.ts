/**
 * TLS session parser: in-order bytes of each direction -> records -> handshake
 * messages -> TlsMessage events and a TlsSummary.
 *
 * Copies only what it keeps across feeds: a record that spans feeds and whose
 * content we read (handshake, alert, CCS: at most MAX_RECORD bytes), and a
 * handshake message that spans records (at most MAX_MESSAGE bytes, beyond
 * that its bytes are only counted). Application-data record bodies are never
 * copied, only counted.
 */
import {
  parseCertificate,
  parseClientHello,
  parseServerHello,
  parseSslv2ClientHello,
} from './hello.js';
import { alertName, handshakeMessageType, isKnownAlert, isTls13 } from './names.js';
import type { Side, Stamp } from '../base/stamp.js';
import type { AlertInfo, TlsMessage, TlsMessageType, TlsSummary } from './types.js';

/** Largest record body allowed (RFC 5246 6.2.3: 2^14 + 2048). */
export const MAX_RECORD = 16384 + 2048;
/** Largest handshake message we buffer to parse; longer ones are counted only. */
export const MAX_MESSAGE = 256 * 1024;
/** Bytes scanned for a record header after a gap before giving up. */
const MAX_RESYNC_SCAN = 64 * 1024;

const CT_CCS = 20;
const CT_ALERT = 21;
const CT_HANDSHAKE = 22;
const CT_APPDATA = 23;
const CT_HEARTBEAT = 24;
/** Internal content type of an SSLv2-compatible ClientHello record. */
const CT_SSLV2 = 0x100;

const HS_CLIENT_HELLO = 1;
const HS_SERVER_HELLO = 2;
const HS_CERTIFICATE = 11;
const HS_SERVER_KEY_EXCHANGE = 12;
const HS_FINISHED = 20;

interface Piece {
  /** Offset in the record body where bytes from `stamp` start. */
  off: number;
  stamp: Stamp;
}

class Direction {
  stopped = false;
  /** Scanning for a record header after a gap. */
  resync = false;
  resyncScanned = 0;
  /** Bytes of a possible header carried across feeds while resynchronising (<= 4). */
  carry: Buffer | null = null;
  /** Bytes of this direction seen so far (fed plus lost). */
  offset = 0;
  records = 0;
  /** Stamp of the latest feed. */
  lastStamp: Stamp | null = null;

  // Record header being read.
  readonly hdr = Buffer.alloc(5);
  hdrHave = 0;
  hdrFirst: Stamp | null = null;

  // Record body being read.
  inBody = false;
  recType = 0;
  recLen = 0;
  recHdrLen = 5;
  recHave = 0;
  recFirst: Stamp | null = null;
  /** Buffered body (records whose content we read), null when only counted. */
  recBuf: Buffer | null = null;
  pieces: Piece[] = [];
  /** Bytes of the current record were lost. */
  damaged = false;

  // Handshake message reassembly across records.
  readonly hsHdr = Buffer.alloc(4);
  hsHdrHave = 0;
  hsFirst: Stamp | null = null;
  inMsg = false;
  hsType = 0;
  hsLen = 0;
  hsHave = 0;
  hsBuf: Buffer | null = null;
  /** Handshake reassembly lost sync (gap inside a handshake record): cleartext handshake ignored. */
  hsBroken = false;

  // Meaning.
  /** ChangeCipherSpec seen (TLS <= 1.2: later handshake records are encrypted). */
  ccs = false;
  finished: Stamp | null = null;
  appDataEmitted = false;
  certificateSeen = false;
  serverKeyExchangeSeen = false;

  constructor(readonly side: Side) {}
}

export class TlsSession {
  private readonly dirs: { client: Direction; server: Direction } = {
    client: new Direction('client'),
    server: new Direction('server'),
  };
  private readonly sum: TlsSummary = {
    resumed: false,
    helloRetry: false,
    earlyData: false,
    certificateBytes: 0,
    certificateCount: 0,
    alerts: [],
    handshakeEndInferred: false,
    firstApplicationDataRecord: {},
    problems: [],
  };
  private clientSessionId: Buffer | undefined;
  /** The real (non-HRR) ServerHello was seen. */
  private serverHelloSeen = false;
  private tls13 = false;
  private earlyDataEmitted = false;
  private finished = false;

  constructor(private readonly onMessage: (m: TlsMessage) => void) {}

  /**
   * The handshake is complete and the first application data went both ways (or
   * parsing gave up). Records are still followed after that, so later alerts
   * (close_notify, a fatal alert after an encrypted handshake) are reported.
   */
  get done(): boolean {
    if (this.finished) return true;
    const { client, server } = this.dirs;
    return client.stopped && server.stopped;
  }

  summary(): TlsSummary {
    return this.sum;
  }

  feed(from: Side, data: Buffer, stamp: Stamp): void {
    const d = this.dirs[from];
    if (d.stopped || data.length === 0) return;
    try {
      if (d.resync) {
        data = this.resyncScan(d, data);
        if (d.resync || d.stopped) return;
      }
      this.records(d, data, stamp);
    } catch (e) {
      // Defensive: a bug must not take down the pipeline.
      this.stop(d, `internal error: ${(e as Error).message}`);
    }
  }

  gap(from: Side, lostBytes: number): void {
    const d = this.dirs[from];
    if (d.stopped || lostBytes <= 0) return;
    d.offset += lostBytes;
    if (d.resync) {
      d.carry = null;
      return;
    }
    if (d.inBody) {
      const remaining = d.recLen - d.recHave;
      if (lostBytes <= remaining) {
        // Still in step at the record level: only this record's content is lost.
        if (d.recType !== CT_APPDATA) {
          if (!d.damaged) this.problem(d, `${lostBytes} bytes lost inside a record of type ${d.recType}`);
          d.damaged = true;
        }
        d.recHave += lostBytes;
        if (d.recHave === d.recLen) this.completeRecord(d, null, d.lastStamp ?? (d.recFirst as Stamp));
        return;
      }
    }
    this.problem(d, `gap of ${lostBytes} bytes: resynchronising`);
    d.inBody = false;
    d.recBuf = null;
    d.pieces = [];
    d.hdrHave = 0;
    this.resetHandshake(d);
    d.hsBroken = true;
    d.resync = true;
    d.resyncScanned = 0;
    d.carry = null;
  }

  // ---------------------------------------------------------------- records

  private records(d: Direction, data: Buffer, stamp: Stamp): void {
    const len = data.length;
    let pos = 0;
    d.lastStamp = stamp;
    while (pos < len && !d.stopped) {
      if (!d.inBody) {
        // Record header: 5 bytes, or 2 for an SSLv2-compatible ClientHello.
        if (d.hdrHave === 0) {
          d.hdrFirst = stamp;
          if (len - pos >= 5) {
            data.copy(d.hdr, 0, pos, pos + 5); // peek; an SSLv2 header takes only 2
            pos += this.sslv2Header(d) ? 2 : 5;
          } else {
            d.hdr[d.hdrHave++] = data[pos++];
          }
        }
        if (d.hdrHave > 0) {
          while (d.hdrHave < (this.sslv2Header(d) ? 2 : 5) && pos < len) d.hdr[d.hdrHave++] = data[pos++];
          if (d.hdrHave < (this.sslv2Header(d) ? 2 : 5)) return;
        }
        d.hdrHave = 0;
        if (!this.startRecord(d)) return;
        if (d.recLen === 0) this.completeRecord(d, data.subarray(0, 0), stamp, stamp);
        continue;
      }
      const want = d.recLen - d.recHave;
      const avail = len - pos;
      if (d.recHave === 0 && avail >= want && !d.damaged) {
        // Whole body in this view: no copy.
        const body = data.subarray(pos, pos + want);
        d.recHave = want;
        pos += want;
        this.completeRecord(d, body, stamp, stamp);
        continue;
      }
      const n = Math.min(want, avail);
      if (d.recHave === 0 && d.recType !== CT_APPDATA && !d.damaged) {
        d.recBuf = Buffer.allocUnsafe(d.recLen);
        d.pieces = [];
      }
      if (d.recBuf !== null) {
        d.pieces.push({ off: d.recHave, stamp });
        data.copy(d.recBuf, d.recHave, pos, pos + n);
      }
      d.recHave += n;
      pos += n;
      if (d.recHave === d.recLen) this.completeRecord(d, d.recBuf, stamp);
    }
  }

  /** Is d.hdr (at least 1 byte) an SSLv2 2-byte header at the start of the client's stream? */
  private sslv2Header(d: Direction): boolean {
    return d.side === 'client' && d.records === 0 && (d.hdr[0] & 0x80) !== 0;
  }

  /** Called with the header in d.hdr: validates it and starts the body. False when the direction stopped. */
  private startRecord(d: Direction): boolean {
    const h = d.hdr;
    if (this.sslv2Header(d)) {
      const len = ((h[0] & 0x7f) << 8) | h[1];
      if (len < 9) return this.stop(d, `SSLv2 record too short (${len} bytes)`);
      d.recType = CT_SSLV2;
      d.recLen = len;
      d.recHdrLen = 2;
    } else {
      const type = h[0];
      const version = h.readUInt16BE(1);
      const len = h.readUInt16BE(3);
      if (type < CT_CCS || type > CT_HEARTBEAT || h[1] !== 3 || h[2] > 4) {
        return this.stop(
          d,
          `not a TLS record at byte ${d.offset} (type ${type}, version 0x${version.toString(16).padStart(4, '0')})`,
        );
      }
      if (len > MAX_RECORD) return this.stop(d, `record length ${len} exceeds ${MAX_RECORD} at byte ${d.offset}`);
      d.recType = type;
      d.recLen = len;
      d.recHdrLen = 5;
    }
    d.records++;
    d.inBody = true;
    d.recHave = 0;
    d.recFirst = d.hdrFirst;
    d.recBuf = null;
    d.pieces = [];
    d.damaged = false;
    return true;
  }

  private completeRecord(d: Direction, body: Buffer | null, last: Stamp, single?: Stamp): void {
    const type = d.recType;
    const first = d.recFirst as Stamp;
    const len = d.recLen;
    const pieces = d.pieces;
    const damaged = d.damaged;
    d.offset += d.recHdrLen + len;
    d.inBody = false;
    d.recBuf = null;
    d.pieces = [];
    d.damaged = false;
    const stampAt = (off: number): Stamp => {
      if (single !== undefined) return single;
      let s = pieces.length > 0 ? pieces[0].stamp : last;
      for (const p of pieces) {
        if (p.off <= off) s = p.stamp;
        else break;
      }
      return s;
    };
    if (damaged) {
      if (type === CT_HANDSHAKE) {
        this.resetHandshake(d);
        d.hsBroken = true;
      }
      if (type !== CT_APPDATA) return;
    }
    switch (type) {
      case CT_SSLV2:
        this.sslv2Hello(d, body as Buffer, first, last);
        return;
      case CT_CCS:
        this.changeCipherSpec(d, len, first, last);
        return;
      case CT_ALERT:
        this.alert(d, body as Buffer, first, last);
        return;
      case CT_HANDSHAKE:
        this.handshakeRecord(d, body as Buffer, first, last, stampAt);
        return;
      case CT_APPDATA:
        this.applicationData(d, len, first, last);
        return;
      default:
        return; // heartbeat
    }
  }

  // ---------------------------------------------------------------- record meanings

  private sslv2Hello(d: Direction, body: Buffer, first: Stamp, last: Stamp): void {
    const parsed = parseSslv2ClientHello(body);
    if (typeof parsed === 'string') {
      this.stop(d, parsed);
      return;
    }
    this.clientSessionId = parsed.sessionId;
    this.sum.clientHello = parsed.info;
    this.emit({ type: 'ClientHello', from: d.side, first, last, bytes: body.length + 2, clientHello: parsed.info });
  }

  private changeCipherSpec(d: Direction, len: number, first: Stamp, last: Stamp): void {
    this.emit({ type: 'ChangeCipherSpec', from: d.side, first, last, bytes: len + 5 });
    if (!this.ccsSwitchesKeys(d)) return; // TLS 1.3 compatibility CCS (RFC 8446 D.4)
    if (d.side === 'server' && this.serverHelloSeen && !this.sum.resumed) {
      const server = this.dirs.server;
      if (!server.certificateSeen && !server.serverKeyExchangeSeen && this.sum.clientHello?.sessionTicket) {
        this.sum.resumed = true;
        this.sum.resumption = 'ticket';
      }
    }
    if (!d.ccs) {
      d.ccs = true;
      if (d.inMsg || d.hsHdrHave > 0) this.problem(d, 'handshake message cut by ChangeCipherSpec');
      this.resetHandshake(d);
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
    this.sum.alerts.push({ from: d.side, frame: last.frame, ...alert });
    this.emit({ type: 'Alert', from: d.side, first, last, bytes: body.length + 5, alert });
  }

  private applicationData(d: Direction, len: number, first: Stamp, last: Stamp): void {
    const fadr = this.sum.firstApplicationDataRecord;
    if (fadr[d.side] === undefined) fadr[d.side] = last;
    const bytes = len + 5;
    if (!this.serverHelloSeen) {
      if (d.side === 'client' && this.sum.clientHello?.earlyData) {
        this.sum.earlyData = true;
        if (!this.earlyDataEmitted) {
          this.earlyDataEmitted = true;
          this.emit({ type: 'ApplicationData', from: d.side, first, last, bytes, earlyData: true });
        }
        return;
      }
    } else if (this.tls13) {
      const client = this.dirs.client;
      if (client.finished === null) {
        if (d.side === 'server') {
          this.emit({ type: 'EncryptedHandshake', from: 'server', first, last, bytes, inferred: true });
          return;
        }
        // The client's first encrypted record after the ServerHello carries its Finished.
        client.finished = last;
        this.emit({ type: 'Finished', from: 'client', first, last, bytes, inferred: true });
        this.sum.handshakeDone = last;
        this.sum.handshakeEndInferred = true;
        this.checkDone();
        return;
      }
    }
    if (!d.appDataEmitted) {
      d.appDataEmitted = true;
      this.emit({ type: 'ApplicationData', from: d.side, first, last, bytes });
      this.checkDone();
    }
  }

  private handshakeRecord(
    d: Direction,
    body: Buffer,
    first: Stamp,
    last: Stamp,
    stampAt: (off: number) => Stamp,
  ): void {
    if (d.ccs) {
      // Encrypted handshake (TLS <= 1.2 after this side's CCS): the first one is Finished.
      const bytes = body.length + 5;
      if (d.finished === null) {
        d.finished = last;
        this.emit({ type: 'Finished', from: d.side, first, last, bytes });
        this.finishedSeen(last);
      } else {
        this.emit({ type: 'EncryptedHandshake', from: d.side, first, last, bytes });
      }
      return;
    }
    if (d.hsBroken) return;
    let p = 0;
    const n = body.length;
    while (p < n) {
      if (!d.inMsg) {
        let type: number;
        let mlen: number;
        if (d.hsHdrHave === 0 && n - p >= 4) {
          d.hsFirst = stampAt(p);
          type = body[p];
          mlen = body.readUIntBE(p + 1, 3);
          p += 4;
        } else {
          if (d.hsHdrHave === 0) d.hsFirst = stampAt(p);
          const k = Math.min(4 - d.hsHdrHave, n - p);
          body.copy(d.hsHdr, d.hsHdrHave, p, p + k);
          d.hsHdrHave += k;
          p += k;
          if (d.hsHdrHave < 4) return;
          d.hsHdrHave = 0;
          type = d.hsHdr[0];
          mlen = d.hsHdr.readUIntBE(1, 3);
        }
        d.hsType = type;
        d.hsLen = mlen;
        d.hsHave = 0;
        if (n - p >= mlen) {
          this.handshakeMessage(d, type, body.subarray(p, p + mlen), mlen, last);
          p += mlen;
          if (d.stopped) return;
          continue;
        }
        d.inMsg = true;
        d.hsBuf = mlen <= MAX_MESSAGE ? Buffer.allocUnsafe(mlen) : null;
        continue;
      }
      const k = Math.min(d.hsLen - d.hsHave, n - p);
      if (d.hsBuf !== null) body.copy(d.hsBuf, d.hsHave, p, p + k);
      d.hsHave += k;
      p += k;
      if (d.hsHave === d.hsLen) {
        const msg = d.hsBuf;
        d.inMsg = false;
        d.hsBuf = null;
        this.handshakeMessage(d, d.hsType, msg, d.hsLen, last);
        if (d.stopped) return;
      }
    }
  }

  private resetHandshake(d: Direction): void {
    d.inMsg = false;
    d.hsBuf = null;
    d.hsHdrHave = 0;
    d.hsHave = 0;
  }

  /** A complete cleartext handshake message; `body` null when it was too long to buffer. */
  private handshakeMessage(d: Direction, hsType: number, body: Buffer | null, len: number, last: Stamp): void {
    const first = d.hsFirst as Stamp;
    let type: TlsMessageType = handshakeMessageType(hsType);
    const m: TlsMessage = { type, from: d.side, first, last, bytes: len + 4 };
    if (body === null) {
      this.problem(d, `${type} of ${len} bytes not parsed (over ${MAX_MESSAGE})`);
    } else {
      switch (hsType) {
        case HS_CLIENT_HELLO: {
          const r = parseClientHello(body);
          if (typeof r === 'string') {
            this.problem(d, r);
            break;
          }
          this.clientSessionId = r.sessionId;
          this.sum.clientHello = r.info;
          m.clientHello = r.info;
          break;
        }
        case HS_SERVER_HELLO: {
          const r = parseServerHello(body, this.clientSessionId);
          if (typeof r === 'string') {
            this.problem(d, r);
            break;
          }
          m.serverHello = r;
          if (r.helloRetry) {
            m.type = type = 'HelloRetryRequest';
            this.sum.helloRetry = true;
            break;
          }
          this.serverHelloSeen = true;
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
        case HS_CERTIFICATE: {
          const r = parseCertificate(body, this.tls13);
          if (typeof r === 'string') {
            this.problem(d, r);
            break;
          }
          m.certificate = r;
          if (d.side === 'server') {
            this.sum.certificateBytes += r.bytes;
            this.sum.certificateCount += r.count;
          }
          break;
        }
      }
    }
    if (hsType === HS_CERTIFICATE) d.certificateSeen = true;
    if (hsType === HS_SERVER_KEY_EXCHANGE) d.serverKeyExchangeSeen = true;
    if (hsType === HS_SERVER_HELLO && !this.serverHelloSeen && m.type === 'ServerHello') this.serverHelloSeen = true;
    this.emit(m);
    if (hsType === HS_FINISHED && d.finished === null) {
      d.finished = last;
      this.finishedSeen(last);
    }
  }

  /** A Finished was seen (`last`): the handshake completes with the second side's. */
  private finishedSeen(last: Stamp): void {
    const { client, server } = this.dirs;
    if (client.finished !== null && server.finished !== null && this.sum.handshakeDone === undefined) {
      this.sum.handshakeDone = last;
      this.checkDone();
    }
  }

  private checkDone(): void {
    const { client, server } = this.dirs;
    if (this.sum.handshakeDone !== undefined && client.appDataEmitted && server.appDataEmitted) {
      this.finished = true;
    }
  }

  // ---------------------------------------------------------------- resynchronisation

  /**
   * Looks for a plausible record header in `data` (after a gap). Returns the
   * data from the header on, with d.resync cleared, or leaves d.resync set.
   */
  private resyncScan(d: Direction, data: Buffer): Buffer {
    const buf = d.carry !== null ? Buffer.concat([d.carry, data]) : data;
    d.carry = null;
    let i = buf.indexOf(3, 1);
    while (i !== -1 && i + 3 < buf.length) {
      const h = i - 1;
      const type = buf[h];
      if (type >= CT_CCS && type <= CT_APPDATA && buf[i + 1] <= 4) {
        const len = buf.readUInt16BE(i + 2);
        if (len > 0 && len <= MAX_RECORD) {
          const next = h + 5 + len;
          const nextOk =
            next + 3 > buf.length ||
            (buf[next] >= CT_CCS && buf[next] <= CT_APPDATA && buf[next + 1] === 3 && buf[next + 2] <= 4);
          if (nextOk) {
            d.resync = false;
            this.problem(d, `resynchronised after skipping ${d.resyncScanned + h} bytes`);
            d.offset += h;
            return buf.subarray(h);
          }
        }
      }
      i = buf.indexOf(3, i + 1);
    }
    const keep = Math.min(4, buf.length);
    d.resyncScanned += buf.length - keep;
    d.offset += buf.length - keep;
    if (d.resyncScanned > MAX_RESYNC_SCAN) {
      this.stop(d, `no TLS record found in ${d.resyncScanned} bytes after a gap`);
      return buf.subarray(0, 0);
    }
    d.carry = Buffer.from(buf.subarray(buf.length - keep));
    return buf.subarray(0, 0);
  }

  // ---------------------------------------------------------------- helpers

  private emit(m: TlsMessage): void {
    this.onMessage(m);
  }

  private problem(d: Direction, text: string): void {
    if (this.sum.problems.length < 20) this.sum.problems.push(`${d.side}: ${text}`);
  }

  /** Records a problem and stops parsing this direction; returns false for convenience. */
  private stop(d: Direction, text: string): false {
    this.problem(d, text);
    d.stopped = true;
    d.inBody = false;
    d.recBuf = null;
    d.hsBuf = null;
    d.carry = null;
    return false;
  }
}
