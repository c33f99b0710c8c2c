/**
 * TLS 1.3 draft ServerHellos (issue 11 #5).
 *
 * Hand-built bytes, by exception: no capture we hold has one (`tshark -Y
 * 'tls.handshake.type==2' -e tls.handshake.version -e
 * tls.handshake.extensions.supported_version` over fixtures/ and
 * /work/shared/captures finds only 0x0300..0x0304) and no TLS implementation
 * in Debian still speaks a draft. The layouts are those of
 * draft-ietf-tls-tls13-18 4.1.3 (version, random, cipher_suite, extensions;
 * key_share = 40) and of draft 26, which fizz's 0xfb1a follows (RFC 8446
 * layout). Each hello is written into a pcap and the expected values are
 * tshark's dissection of it, not ours.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TlsSession } from '../../src/tls/index.js';
import type { Stamp } from '../../src/base/stamp.js';
import type { TlsMessage } from '../../src/tls/types.js';
import { tshark } from './streams.js';

const stamp = (frame: number): Stamp => ({ frame, tsSec: 1_700_000_000, tsNsec: 0 });
const u16 = (n: number) => Buffer.from([n >> 8, n & 0xff]);
const u24 = (n: number) => Buffer.from([n >> 16, (n >> 8) & 0xff, n & 0xff]);
const vec16 = (b: Buffer) => Buffer.concat([u16(b.length), b]);
const ext = (type: number, data: Buffer) => Buffer.concat([u16(type), vec16(data)]);
const record = (type: number, hsType: number, body: Buffer) => {
  const hs = Buffer.concat([Buffer.from([hsType]), u24(body.length), body]);
  return Buffer.concat([Buffer.from([type, 3, 3]), u16(hs.length), hs]);
};

/** Draft < 22 ServerHello: version, random, cipher_suite, extensions (key_share 40, pre_shared_key 41). */
function draftServerHello(version: number, cipher: number, psk: boolean): Buffer {
  const exts = [ext(40, Buffer.concat([u16(29), vec16(Buffer.alloc(32, 9))]))];
  if (psk) exts.push(ext(41, u16(0)));
  return record(22, 2, Buffer.concat([u16(version), Buffer.alloc(32, 5), u16(cipher), vec16(Buffer.concat(exts))]));
}

/** RFC 8446 layout ServerHello selecting `version` through supported_versions. */
function rfcServerHello(version: number, cipher: number, psk: boolean): Buffer {
  const exts = [ext(43, u16(version)), ext(51, Buffer.concat([u16(29), vec16(Buffer.alloc(32, 9))]))];
  if (psk) exts.push(ext(41, u16(0)));
  const body = Buffer.concat([u16(0x0303), Buffer.alloc(32, 5), Buffer.from([0]), u16(cipher), Buffer.from([0]), vec16(Buffer.concat(exts))]);
  return record(22, 2, body);
}

/** A one-packet pcap (Ethernet/IPv4/TCP from port 443) carrying `payload`. */
function pcapOf(payload: Buffer): Buffer {
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(20 + 20 + payload.length, 2);
  ip[8] = 64;
  ip[9] = 6;
  Buffer.from([10, 0, 0, 2, 10, 0, 0, 1]).copy(ip, 12);
  const tcp = Buffer.alloc(20);
  tcp.writeUInt16BE(443, 0);
  tcp.writeUInt16BE(50000, 2);
  tcp.writeUInt32BE(1, 4);
  tcp[12] = 0x50;
  tcp[13] = 0x18;
  tcp.writeUInt16BE(65535, 14);
  const eth = Buffer.concat([Buffer.alloc(12, 0), u16(0x0800)]);
  const frame = Buffer.concat([eth, ip, tcp, payload]);
  const gh = Buffer.alloc(24);
  gh.writeUInt32LE(0xa1b2c3d4, 0);
  gh.writeUInt16LE(2, 4);
  gh.writeUInt16LE(4, 6);
  gh.writeUInt32LE(65535, 16);
  gh.writeUInt32LE(1, 20);
  const rh = Buffer.alloc(16);
  rh.writeUInt32LE(1_700_000_000, 0);
  rh.writeUInt32LE(frame.length, 8);
  rh.writeUInt32LE(frame.length, 12);
  return Buffer.concat([gh, rh, frame]);
}

/** tshark's version (supported_versions if present), cipher suite, key share group and pre_shared_key presence. */
function tsharkHello(payload: Buffer): { version: number; cipher: number; group: number; psk: boolean } {
  const dir = mkdtempSync(path.join(tmpdir(), 'hl-draft-'));
  try {
    const file = path.join(dir, 'hello.pcap');
    writeFileSync(file, pcapOf(payload));
    const [version, supported, cipher, group, extTypes] = tshark([
      '-r', file, '-T', 'fields', '-E', 'occurrence=f',
      '-e', 'tls.handshake.version', '-e', 'tls.handshake.extensions.supported_version',
      '-e', 'tls.handshake.ciphersuite', '-e', 'tls.handshake.extensions_key_share_group',
      '-E', 'occurrence=a', '-E', 'aggregator=,', '-e', 'tls.handshake.extension.type',
    ]).trim().split('\t');
    return {
      version: Number(supported || version),
      cipher: Number(cipher),
      group: Number(group),
      psk: extTypes.split(',').includes('41'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function serverHello(payload: Buffer): { session: TlsSession; messages: TlsMessage[] } {
  const messages: TlsMessage[] = [];
  const session = new TlsSession({ message: (m) => messages.push(m) });
  session.feed('server', payload, stamp(2));
  return { session, messages };
}

describe('TLS 1.3 draft ServerHellos', () => {
  test.each([
    ['draft 14', 0x7f0e, false],
    ['draft 18', 0x7f12, true],
    ['draft 21', 0x7f15, false],
  ])('%s: no legacy_session_id; version, cipher, key share and PSK read as tshark reads them', (_n, version, psk) => {
    const bytes = draftServerHello(version, 0x1301, psk);
    const ws = tsharkHello(bytes);
    expect(ws.version).toBe(version);
    const { session, messages } = serverHello(bytes);
    const s = session.summary();
    expect(s.problems).toEqual([]);
    expect([s.version, s.cipherSuite, s.serverHello?.keyShareGroup, s.serverHello?.pskAccepted]).toEqual([
      ws.version,
      ws.cipher,
      ws.group,
      ws.psk,
    ]);
    expect(s.resumed).toBe(psk);
    expect(messages.map((m) => m.type)).toEqual(['ServerHello']);
  });

  test.each([
    ['fizz 0xfb1a', 0xfb1a],
    ['draft 28', 0x7f1c],
  ])('%s: RFC 8446 layout, TLS 1.3 semantics (the CCS that follows is a compatibility CCS)', (_n, version) => {
    const bytes = rfcServerHello(version, 0x1303, true);
    const ws = tsharkHello(bytes);
    const { session, messages } = serverHello(bytes);
    const s = session.summary();
    expect([s.version, s.cipherSuite, s.serverHello?.keyShareGroup, s.serverHello?.pskAccepted]).toEqual([
      ws.version,
      ws.cipher,
      ws.group,
      ws.psk,
    ]);
    expect(s.resumption).toBe('psk');
    // TLS 1.3: an encrypted record from the server after the hello is encrypted handshake, not application data.
    session.feed('server', Buffer.from([0x14, 3, 3, 0, 1, 1, 0x17, 3, 3, 0, 4, 1, 2, 3, 4]), stamp(3));
    expect(messages.map((m) => m.type)).toEqual(['ServerHello', 'ChangeCipherSpec', 'EncryptedHandshake']);
  });
});
