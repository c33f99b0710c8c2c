/**
 * Parsers of the cleartext handshake messages we read: ClientHello (TLS and
 * SSLv2-compatible), ServerHello / HelloRetryRequest and Certificate.
 * Each takes the message body (after the 4-byte handshake header) as a Buffer
 * view and returns the info, or a short problem string when the body is
 * malformed. They never throw.
 */
import type { CertificateInfo, ClientHelloInfo, ServerHelloInfo } from './types.js';
import { tls13Draft } from './names.js';

/** SHA-256("HelloRetryRequest"), the fixed random of a HelloRetryRequest (RFC 8446 4.1.3). */
export const HRR_RANDOM = Buffer.from(
  'cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c',
  'hex',
);

const EXT_SERVER_NAME = 0;
const EXT_SUPPORTED_GROUPS = 10;
const EXT_ALPN = 16;
const EXT_SESSION_TICKET = 35;
const EXT_PRE_SHARED_KEY = 41;
const EXT_EARLY_DATA = 42;
const EXT_SUPPORTED_VERSIONS = 43;
const EXT_KEY_SHARE = 51;
/** key_share's code point up to TLS 1.3 draft 22. */
const EXT_KEY_SHARE_DRAFT = 40;

/** Thrown inside the parsers on a length that runs past its container; caught at their top. */
class Short extends Error {}
const SHORT = new Short('truncated');

function need(buf: Buffer, off: number, n: number, end = buf.length): void {
  if (off + n > end) throw SHORT;
}

/** Reads a vector with a `lenBytes`-byte length at `off`; returns [start, end). */
function vector(buf: Buffer, off: number, lenBytes: 1 | 2 | 3, end = buf.length): [number, number] {
  need(buf, off, lenBytes, end);
  const len = lenBytes === 1 ? buf[off] : lenBytes === 2 ? buf.readUInt16BE(off) : buf.readUIntBE(off, 3);
  const start = off + lenBytes;
  need(buf, start, len, end);
  return [start, start + len];
}

/**
 * Values kept per ClientHello list (issue 15: 1,000 connections offering 1,000
 * ALPN values each held 909 MB). A list longer than its cap keeps its first
 * values and is named in ClientHelloInfo.truncated. The caps are far above
 * what real clients send (the most cipher suites among our fixtures is 350,
 * the most ALPN values 3).
 */
export const HELLO_LIST_CAPS = {
  cipherSuites: 1024,
  alpn: 32,
  supportedVersions: 64,
  supportedGroups: 128,
  keyShareGroups: 32,
} as const;

type CappedList = keyof typeof HELLO_LIST_CAPS;

function truncatedList(info: ClientHelloInfo, list: CappedList, total: number): void {
  const cap = HELLO_LIST_CAPS[list];
  if (total <= cap) return;
  (info.truncated ??= []).push({ list, kept: cap, total });
}

function u16list(buf: Buffer, start: number, end: number, cap: number): number[] {
  const out: number[] = [];
  for (let p = start; p + 1 < end && out.length < cap; p += 2) out.push(buf.readUInt16BE(p));
  return out;
}

/** u16 list into a capped ClientHello field. */
function u16field(info: ClientHelloInfo, list: 'cipherSuites' | 'supportedVersions' | 'supportedGroups', b: Buffer, s: number, e: number): void {
  info[list] = u16list(b, s, e, HELLO_LIST_CAPS[list]);
  truncatedList(info, list, (e - s) >> 1);
}

/** Client hello plus the raw session id, kept to detect its echo in the ServerHello. */
/**
 * Walks the extensions<0..2^16-1> block at `off`, if the message has one
 * (it is optional before TLS 1.3); throws on a length that overruns.
 */
function forEachExtension(body: Buffer, off: number, each: (type: number, start: number, end: number) => void): void {
  if (off >= body.length) return;
  const [extStart, extEnd] = vector(body, off, 2);
  for (let p = extStart; p < extEnd; ) {
    need(body, p, 4, extEnd);
    const type = body.readUInt16BE(p);
    const [ds, de] = vector(body, p + 2, 2, extEnd);
    p = de;
    each(type, ds, de);
  }
}

/** A ClientHello with nothing read yet but its version. */
function emptyClientHello(legacyVersion: number, sslv2: boolean): ClientHelloInfo {
  return {
    legacyVersion,
    sslv2,
    sessionIdLength: 0,
    cipherSuites: [],
    alpn: [],
    supportedVersions: [],
    supportedGroups: [],
    keyShareGroups: [],
    sessionTicket: false,
    psk: false,
    earlyData: false,
  };
}

export interface ParsedClientHello {
  info: ClientHelloInfo;
  sessionId: Buffer;
}

/**
 * The 32-byte random of a ClientHello or ServerHello body (after the 2-byte
 * legacy_version): the key log's index, and TLS 1.2's key-block seed. A view
 * into `body`; null when the body is shorter.
 */
export function helloRandom(body: Buffer): Buffer | null {
  return body.length >= 34 ? body.subarray(2, 34) : null;
}

/**
 * The hello's lists are kept with the connection (its summary) until it
 * closes: an array filled by push() has room for 17 or more values, a copy
 * exactly its length (~0.3 KB less per open connection for a usual hello).
 */
function compactLists(info: ClientHelloInfo): void {
  if (info.cipherSuites.length > 0) info.cipherSuites = info.cipherSuites.slice();
  if (info.alpn.length > 0) info.alpn = info.alpn.slice();
  if (info.supportedVersions.length > 0) info.supportedVersions = info.supportedVersions.slice();
  if (info.supportedGroups.length > 0) info.supportedGroups = info.supportedGroups.slice();
  if (info.keyShareGroups.length > 0) info.keyShareGroups = info.keyShareGroups.slice();
}

export function parseClientHello(body: Buffer): ParsedClientHello | string {
  try {
    need(body, 0, 34);
    const info = emptyClientHello(body.readUInt16BE(0), false);
    let off = 34;
    const [sidStart, sidEnd] = vector(body, off, 1);
    info.sessionIdLength = sidEnd - sidStart;
    const sessionId = Buffer.from(body.subarray(sidStart, sidEnd));
    off = sidEnd;
    const [csStart, csEnd] = vector(body, off, 2);
    u16field(info, 'cipherSuites', body, csStart, csEnd);
    off = csEnd;
    const [, compEnd] = vector(body, off, 1);
    off = compEnd;
    forEachExtension(body, off, (type, ds, de) => clientExtension(info, body, type, ds, de));
    compactLists(info);
    return { info, sessionId };
  } catch (e) {
    if (e instanceof Short) return 'truncated ClientHello';
    return 'malformed ClientHello';
  }
}

function clientExtension(info: ClientHelloInfo, b: Buffer, type: number, ds: number, de: number): void {
  switch (type) {
    case EXT_SERVER_NAME: {
      if (de === ds) return; // empty in a ServerHello-style echo
      const [ls, le] = vector(b, ds, 2, de);
      for (let p = ls; p < le; ) {
        need(b, p, 1, le);
        const nameType = b[p];
        const [ns, ne] = vector(b, p + 1, 2, le);
        p = ne;
        if (nameType === 0 && info.sni === undefined) info.sni = b.toString('latin1', ns, ne);
      }
      return;
    }
    case EXT_ALPN: {
      const [ls, le] = vector(b, ds, 2, de);
      let total = 0;
      for (let p = ls; p < le; ) {
        const [ps, pe] = vector(b, p, 1, le);
        if (info.alpn.length < HELLO_LIST_CAPS.alpn) info.alpn.push(b.toString('latin1', ps, pe));
        total++;
        p = pe;
      }
      truncatedList(info, 'alpn', total);
      return;
    }
    case EXT_SUPPORTED_VERSIONS: {
      const [ls, le] = vector(b, ds, 1, de);
      u16field(info, 'supportedVersions', b, ls, le);
      return;
    }
    case EXT_SUPPORTED_GROUPS: {
      const [ls, le] = vector(b, ds, 2, de);
      u16field(info, 'supportedGroups', b, ls, le);
      return;
    }
    case EXT_KEY_SHARE:
    case EXT_KEY_SHARE_DRAFT: {
      // client_shares<0..2^16-1> (extension 40 up to TLS 1.3 draft 22, 51 after).
      const [ls, le] = vector(b, ds, 2, de);
      let total = 0;
      for (let p = ls; p < le; ) {
        need(b, p, 2, le);
        if (info.keyShareGroups.length < HELLO_LIST_CAPS.keyShareGroups) info.keyShareGroups.push(b.readUInt16BE(p));
        total++;
        const [, ke] = vector(b, p + 2, 2, le);
        p = ke;
      }
      truncatedList(info, 'keyShareGroups', total);
      return;
    }
    case EXT_SESSION_TICKET:
      info.sessionTicket = de > ds;
      return;
    case EXT_PRE_SHARED_KEY:
      info.psk = true;
      return;
    case EXT_EARLY_DATA:
      info.earlyData = true;
      return;
  }
}

/**
 * SSLv2-compatible ClientHello (RFC 5246 appendix E.2), `body` starting at the
 * msg_type byte (after the 2-byte record header). Cipher specs are 3 bytes:
 * TLS suites appear as 0x00XXXX and so keep their TLS code; SSLv2-only specs
 * keep their 24-bit value.
 */
export function parseSslv2ClientHello(body: Buffer): ParsedClientHello | string {
  try {
    need(body, 0, 9);
    if (body[0] !== 1) return `SSLv2 message type ${body[0]} is not a ClientHello`;
    const specLen = body.readUInt16BE(3);
    const sidLen = body.readUInt16BE(5);
    const challengeLen = body.readUInt16BE(7);
    need(body, 9, specLen + sidLen + challengeLen);
    const cipherSuites: number[] = [];
    const cap = HELLO_LIST_CAPS.cipherSuites;
    for (let p = 9; p + 2 < 9 + specLen && cipherSuites.length < cap; p += 3) cipherSuites.push(body.readUIntBE(p, 3));
    const info: ClientHelloInfo = { ...emptyClientHello(body.readUInt16BE(1), true), sessionIdLength: sidLen, cipherSuites };
    truncatedList(info, 'cipherSuites', Math.floor(specLen / 3));
    const sidStart = 9 + specLen;
    return {
      info,
      sessionId: Buffer.from(body.subarray(sidStart, sidStart + sidLen)),
    };
  } catch {
    return 'truncated SSLv2 ClientHello';
  }
}

/**
 * The protocol a TLS 1.3 server selected, from its EncryptedExtensions body
 * (RFC 8446 4.3.1: ALPN moved there from the ServerHello); undefined when it
 * selected none; a string when the body is malformed.
 */
export function parseEncryptedExtensionsAlpn(body: Buffer): { alpn?: string } | string {
  try {
    const out: { alpn?: string } = {};
    forEachExtension(body, 0, (type, ds, de) => {
      if (type !== EXT_ALPN) return;
      const [ls, le] = vector(body, ds, 2, de);
      const [ps, pe] = vector(body, ls, 1, le);
      out.alpn = body.toString('latin1', ps, pe);
    });
    return out;
  } catch {
    return 'malformed EncryptedExtensions';
  }
}

/**
 * ServerHello or HelloRetryRequest. `clientSessionId` is the ClientHello's
 * session id (to detect an echo).
 *
 * TLS 1.3 drafts before 22 (legacy_version 0x7f00..0x7f15, e.g. draft 18's
 * 0x7f12) have another layout: version, random, cipher_suite, extensions: no
 * legacy_session_id, no compression method, no supported_versions. Up to
 * draft 22 key_share is extension 40 (51 from draft 23 on). Facebook fizz's
 * 0xfb17/0xfb1a follow drafts 23/26: the RFC 8446 layout.
 */
export function parseServerHello(body: Buffer, clientSessionId: Buffer | undefined): ServerHelloInfo | string {
  try {
    need(body, 0, 34);
    const legacyVersion = body.readUInt16BE(0);
    const draft = tls13Draft(legacyVersion);
    const early = draft !== null && draft < 22;
    const helloRetry = !early && body.subarray(2, 34).equals(HRR_RANDOM);
    let off = 34;
    let sid = body.subarray(0, 0);
    if (!early) {
      const [sidStart, sidEnd] = vector(body, off, 1);
      sid = body.subarray(sidStart, sidEnd);
      off = sidEnd;
    }
    need(body, off, early ? 2 : 3);
    const info: ServerHelloInfo = {
      legacyVersion,
      version: legacyVersion,
      cipherSuite: body.readUInt16BE(off),
      sessionIdLength: sid.length,
      sessionIdEchoed: sid.length > 0 && clientSessionId !== undefined && sid.equals(clientSessionId),
      pskAccepted: false,
      helloRetry,
    };
    off += early ? 2 : 3; // cipher suite (+ compression method)
    const keyShare: { [type: number]: number } = {};
    forEachExtension(body, off, (type, ds, de) => {
      switch (type) {
        case EXT_SUPPORTED_VERSIONS:
          need(body, ds, 2, de);
          info.version = body.readUInt16BE(ds);
          break;
        case EXT_ALPN: {
          const [ls, le] = vector(body, ds, 2, de);
          const [ps, pe] = vector(body, ls, 1, le);
          info.alpn = body.toString('latin1', ps, pe);
          break;
        }
        case EXT_KEY_SHARE:
        case EXT_KEY_SHARE_DRAFT:
          // ServerHello: KeyShareEntry; HelloRetryRequest: the selected group only.
          need(body, ds, 2, de);
          keyShare[type] = body.readUInt16BE(ds);
          break;
        case EXT_PRE_SHARED_KEY:
          info.pskAccepted = true;
          break;
      }
    });
    const selected = tls13Draft(info.version);
    const shareType = selected !== null && selected <= 22 ? EXT_KEY_SHARE_DRAFT : EXT_KEY_SHARE;
    if (keyShare[shareType] !== undefined) info.keyShareGroup = keyShare[shareType];
    return info;
  } catch {
    return helloLabel(body) + ' truncated';
  }
}

function helloLabel(body: Buffer): string {
  return body.length >= 34 && body.subarray(2, 34).equals(HRR_RANDOM) ? 'HelloRetryRequest' : 'ServerHello';
}

/**
 * Certificate message. TLS <= 1.2: certificate_list<0..2^24-1> of ASN.1Cert<1..2^24-1>.
 * TLS 1.3: certificate_request_context<0..255>, then entries each followed by extensions<0..2^16-1>.
 */
export function parseCertificate(body: Buffer, tls13: boolean): CertificateInfo | string {
  try {
    let off = 0;
    if (tls13) off = vector(body, 0, 1)[1];
    const [ls, le] = vector(body, off, 3);
    let count = 0;
    let bytes = 0;
    for (let p = ls; p < le; ) {
      const [cs, ce] = vector(body, p, 3, le);
      count++;
      bytes += ce - cs;
      p = ce;
      if (tls13) p = vector(body, p, 2, le)[1];
    }
    return { count, bytes };
  } catch {
    return 'truncated Certificate';
  }
}
