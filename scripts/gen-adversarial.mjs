#!/usr/bin/env node
// Adversarial captures for the robustness budgets (issue 15), written as a stream
// (a 1 MiB buffer flushed with writeSync): nothing is ever built whole in memory.
//
// Usage: node scripts/gen-adversarial.mjs NAME OUT [scale]
//   scale (default 1) multiplies the count of the row (connections, records or
//   segments), e.g. 0.01 for a quick run. `node scripts/gen-adversarial.mjs list`
//   lists the names.
//
// The packets are Ethernet/IPv4/TCP with correct IPv4 header checksums and a TCP
// checksum of 0 (our decoder, like Wireshark by default, does not verify it).
// Hand-built on purpose: these are malformed or hostile inputs, not traffic.
import { closeSync, openSync, writeSync } from 'node:fs';

const MB = 1024 * 1024;
const T0 = 1_700_000_000; // capture start, epoch seconds

// ---------------------------------------------------------------- output

class Out {
  constructor(path) {
    this.fd = path === '-' ? 1 : openSync(path, 'w');
    this.buf = Buffer.allocUnsafe(MB);
    this.n = 0;
    this.bytes = 0;
  }
  put(b) {
    if (this.n + b.length > this.buf.length) this.flush();
    if (b.length > this.buf.length) {
      writeSync(this.fd, b);
    } else {
      b.copy(this.buf, this.n);
      this.n += b.length;
    }
    this.bytes += b.length;
  }
  flush() {
    let off = 0;
    while (off < this.n) off += writeSync(this.fd, this.buf, off, this.n - off);
    this.n = 0;
  }
  close() {
    this.flush();
    if (this.fd !== 1) closeSync(this.fd);
  }
}

/** Classic pcap, little endian, microseconds. */
class Pcap {
  constructor(out, { snaplen = 262144, linktype = 1 } = {}) {
    this.out = out;
    const h = Buffer.alloc(24);
    h.writeUInt32LE(0xa1b2c3d4, 0);
    h.writeUInt16LE(2, 4);
    h.writeUInt16LE(4, 6);
    h.writeUInt32LE(snaplen, 16);
    h.writeUInt32LE(linktype, 20);
    out.put(h);
    this.rh = Buffer.alloc(16);
  }
  /** t: seconds (float, relative to T0). origLen defaults to data.length. */
  record(t, data, origLen = data.length) {
    const us = Math.round(t * 1e6);
    const sec = T0 + Math.floor(us / 1e6);
    this.rh.writeUInt32LE(sec, 0);
    this.rh.writeUInt32LE(us % 1e6, 4);
    this.rh.writeUInt32LE(data.length, 8);
    this.rh.writeUInt32LE(origLen, 12);
    this.out.put(this.rh);
    this.out.put(data);
  }
}

// ---------------------------------------------------------------- packets

const FIN = 0x01;
const SYN = 0x02;
const RST = 0x04;
const PSH = 0x08;
const ACK = 0x10;

function ipv4(s) {
  return s.split('.').map(Number);
}

/** Client address number n -> 10.1.x.y (n < 65536*...) */
function clientIp(n) {
  return `10.${1 + ((n >>> 16) & 0x7f)}.${(n >>> 8) & 0xff}.${n & 0xff}`;
}

function checksum(buf, start, end) {
  let sum = 0;
  for (let i = start; i < end; i += 2) sum += (buf[i] << 8) | buf[i + 1];
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/**
 * Ethernet + IPv4 + TCP (20-byte header, no options) + payload.
 * `wireLen` lets the payload be claimed longer than given (snaplen cuts).
 */
function tcpPacket(src, sport, dst, dport, seq, ack, flags, payload = EMPTY, wirePayload = payload.length) {
  const b = Buffer.alloc(54 + payload.length);
  b.writeUIntBE(0x020000000002, 0, 6);
  b.writeUIntBE(0x020000000001, 6, 6);
  b.writeUInt16BE(0x0800, 12);
  b[14] = 0x45;
  b.writeUInt16BE(Math.min(0xffff, 40 + wirePayload), 16);
  b[22] = 64;
  b[23] = 6;
  const s = ipv4(src);
  const d = ipv4(dst);
  for (let i = 0; i < 4; i++) {
    b[26 + i] = s[i];
    b[30 + i] = d[i];
  }
  b.writeUInt16BE(checksum(b, 14, 34), 24);
  b.writeUInt16BE(sport, 34);
  b.writeUInt16BE(dport, 36);
  b.writeUInt32BE(seq >>> 0, 38);
  b.writeUInt32BE(ack >>> 0, 42);
  b[46] = 0x50;
  b[47] = flags;
  b.writeUInt16BE(65535, 48);
  payload.copy(b, 54);
  return b;
}
const EMPTY = Buffer.alloc(0);

/** One TCP connection's two directions, with sequence numbers tracked. */
class Conn {
  constructor(pcap, client, cport, server, sport, { cisn = 1000, sisn = 5000 } = {}) {
    Object.assign(this, { pcap, client, cport, server, sport });
    this.cseq = cisn;
    this.sseq = sisn;
  }
  c(t, flags, payload = EMPTY, wire) {
    this.pcap.record(t, tcpPacket(this.client, this.cport, this.server, this.sport, this.cseq, this.sseq, flags, payload, wire));
    this.cseq += payload.length + (flags & (SYN | FIN) ? 1 : 0);
  }
  s(t, flags, payload = EMPTY, wire) {
    this.pcap.record(t, tcpPacket(this.server, this.sport, this.client, this.cport, this.sseq, this.cseq, flags, payload, wire));
    this.sseq += payload.length + (flags & (SYN | FIN) ? 1 : 0);
  }
  handshake(t, rtt = 0.001) {
    this.c(t, SYN);
    this.s(t + rtt, SYN | ACK);
    this.c(t + 2 * rtt, ACK);
    return t + 2 * rtt;
  }
}

// ---------------------------------------------------------------- TLS

function u16(n) {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}
function u24(n) {
  return Buffer.from([(n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);
}
function record(type, body, version = 0x0303) {
  return Buffer.concat([Buffer.from([type]), u16(version), u16(body.length), body]);
}
/** A handshake message cut into records of at most 2^14 bytes, as a TLS stack sends it. */
function handshakeRecords(msg) {
  const recs = [];
  for (let o = 0; o < msg.length; o += 16384) recs.push(record(22, msg.subarray(o, o + 16384), 0x0301));
  return Buffer.concat(recs);
}
function ext(type, body) {
  return Buffer.concat([u16(type), u16(body.length), body]);
}

/** A TLS 1.2-style ClientHello handshake message (no record header). */
function clientHello({ sni = 'adversarial.example', alpn = [], versions13 = false, sessionId = Buffer.alloc(0) } = {}) {
  const exts = [];
  const name = Buffer.from(sni);
  exts.push(ext(0, Buffer.concat([u16(name.length + 3), Buffer.from([0]), u16(name.length), name])));
  if (alpn.length) {
    const list = Buffer.concat(alpn.map((a) => Buffer.concat([Buffer.from([a.length]), a])));
    exts.push(ext(16, Buffer.concat([u16(list.length), list])));
  }
  if (versions13) {
    exts.push(ext(43, Buffer.concat([Buffer.from([4]), u16(0x0304), u16(0x0303)])));
    exts.push(ext(51, Buffer.concat([u16(36), u16(29), u16(32), Buffer.alloc(32, 0x43)])));
  }
  // Two cipher suites, the null compression method.
  return helloMessage(1, 0x42, sessionId, Buffer.concat([u16(4), u16(0xc02f), u16(0x1301), Buffer.from([1, 0])]), Buffer.concat(exts));
}

/**
 * A hello handshake message (no record header): legacy version 1.2, a random of one
 * repeated byte, the session id, `middle` (the suites and compression), the extensions.
 */
function helloMessage(type, randomByte, sessionId, middle, extBytes) {
  const body = Buffer.concat([u16(0x0303), Buffer.alloc(32, randomByte), Buffer.from([sessionId.length]), sessionId, middle, u16(extBytes.length), extBytes]);
  return Buffer.concat([Buffer.from([type]), u24(body.length), body]);
}

/** A TLS 1.3 ServerHello handshake message (no record header): TLS_AES_128_GCM_SHA256, x25519. */
function serverHello13(sessionId) {
  const exts = Buffer.concat([ext(43, u16(0x0304)), ext(51, Buffer.concat([u16(29), u16(32), Buffer.alloc(32, 0x55)]))]);
  // TLS_AES_128_GCM_SHA256, the null compression method.
  return helloMessage(2, 0x53, sessionId, Buffer.concat([u16(0x1301), Buffer.from([0])]), exts);
}

/** Send bytes from one side in MSS-sized segments. */
function sendStream(conn, side, t, bytes, mss = 1448, dt = 0.000001) {
  for (let o = 0; o < bytes.length; o += mss) {
    conn[side](t, PSH | ACK, bytes.subarray(o, o + mss));
    t += dt;
  }
  return t;
}

// ---------------------------------------------------------------- generators

const SERVER = '10.0.0.1';

const generators = {
  /** 2,000,000 SYNs that nobody answers, from distinct client addresses/ports. */
  'syn-flood': { count: 2_000_000, what: 'unanswered SYNs', run(pcap, n) {
    for (let i = 0; i < n; i++) {
      pcap.record(i * 0.00001, tcpPacket(clientIp(i >>> 14), 1024 + (i & 0x3fff), SERVER, 443, i * 7919, 0, SYN));
    }
  } },

  /** A scan: one SYN to each of n different addresses (a destination per connection), none answered. */
  'syn-scan': { count: 1_000_000, what: 'unanswered SYNs to as many addresses', run(pcap, n) {
    for (let i = 0; i < n; i++) {
      const ip = `10.${128 + ((i >>> 16) & 0x7f)}.${(i >>> 8) & 0xff}.${i & 0xff}`;
      pcap.record(i * 0.00001, tcpPacket('10.0.0.2', 20000 + (i % 40000), ip, 443, i * 7919, 0, SYN));
    }
  } },

  /** One connection: a ClientHello, then 100 MB of ChangeCipherSpec records from the client. */
  'ccs-flood': { count: 100 * MB, what: 'bytes of ChangeCipherSpec records', run(pcap, n) {
    floodRecords(pcap, n, record(20, Buffer.from([1])));
  } },

  /** Same with alert records (warning, close_notify... repeated). */
  'alert-flood': { count: 100 * MB, what: 'bytes of alert records', run(pcap, n) {
    floodRecords(pcap, n, record(21, Buffer.from([1, 0])));
  } },

  /** 20,000 connections, each a ClientHello record whose handshake header claims 16 MB. */
  'big-handshake': { count: 20_000, what: 'connections announcing a 16 MB handshake message', run(pcap, n) {
    bigHandshake(pcap, n, 0xffffff);
  } },

  /** Same, claiming 256 KiB - 1: just under the message cap of src/tls/session.ts today (MAX_MESSAGE). */
  'big-handshake-256k': { count: 20_000, what: 'connections announcing a 256 KiB handshake message', run(pcap, n) {
    bigHandshake(pcap, n, 256 * 1024 - 1);
  } },

  /**
   * 2,000 connections, all open together; in each, both directions send just
   * under 1 MiB after a 100-byte hole that is never filled (rounds of one
   * segment per connection and direction, so every connection holds its data
   * at the same time).
   */
  'held-after-hole': { count: 2_000, what: 'connections with 2 x 1 MiB held after a hole', run(pcap, n) {
    const chunk = Buffer.alloc(1448, 0x17);
    const conns = [];
    let t = 0;
    for (let i = 0; i < n; i++) {
      const conn = new Conn(pcap, clientIp(i >>> 14), 1024 + (i & 0x3fff), SERVER, 443);
      t = conn.handshake(t + 0.0001);
      conn.cseq += 100; // the hole
      conn.sseq += 100;
      conns.push(conn);
    }
    const rounds = Math.floor((MB - 1) / chunk.length);
    for (let k = 0; k < rounds; k++) {
      for (const conn of conns) {
        conn.c((t += 0.000001), ACK, chunk);
        conn.s((t += 0.000001), ACK, chunk);
      }
    }
  } },

  /** 1,000 connections, each ClientHello offering 1,000 ALPN values. */
  'alpn-1000': { count: 1_000, what: 'connections offering 1,000 ALPN values', run(pcap, n) {
    const alpn = [];
    for (let k = 0; k < 1000; k++) alpn.push(Buffer.from(`proto-${String(k).padStart(4, '0')}-${'x'.repeat(50)}`));
    const hello = handshakeRecords(clientHello({ alpn }));
    for (let i = 0; i < n; i++) {
      const conn = new Conn(pcap, clientIp(i >>> 14), 1024 + (i & 0x3fff), SERVER, 443);
      const t = conn.handshake(i * 0.1);
      sendStream(conn, 'c', t + 0.001, hello);
    }
  } },

  /** One connection: N one-byte segments after a one-byte hole (ascending), then the hole filled. */
  'tiny-asc': { count: 1_000_000, what: 'one-byte segments after a hole, ascending', run(pcap, n) {
    tinySegments(pcap, n, false);
  } },

  /** Same, the segments in descending order. */
  'tiny-desc': { count: 200_000, what: 'one-byte segments after a hole, descending', run(pcap, n) {
    tinySegments(pcap, n, true);
  } },

  /** One connection, N full-size segments each cut by a 68-byte snaplen. */
  'snaplen-cut': { count: 2_000_000, what: 'segments cut by the snaplen', snaplen: 68, run(pcap, n) {
    snaplenCut(pcap, n, false);
  } },

  /** Same, after a one-segment hole that is never filled (the cut segments wait behind it). */
  'snaplen-cut-hole': { count: 2_000_000, what: 'segments cut by the snaplen, after a hole', snaplen: 68, run(pcap, n) {
    snaplenCut(pcap, n, true);
  } },

  /**
   * 64,000 mid-stream connections (no SYN seen, none closed) to one server, all
   * open at once: client ports 1,024-33,023 used by two client addresses. Each
   * client sends one data segment, then (after all of them) each server answers,
   * so every connection spans the capture.
   */
  'midstream-reuse': { count: 64_000, what: 'mid-stream connections', run(pcap, n) {
    const conns = [];
    for (let i = 0; i < n; i++) {
      conns.push(new Conn(pcap, clientIp(Math.floor(i / 32000)), 1024 + (i % 32000), SERVER, 443, {
        cisn: (i * 2654435761) >>> 0,
        sisn: (i * 40503 + 12345) >>> 0,
      }));
    }
    const req = record(23, Buffer.alloc(100, 1));
    const resp = record(23, Buffer.alloc(200, 2));
    for (let i = 0; i < n; i++) conns[i].c(i * 0.001, PSH | ACK, req);
    for (let i = 0; i < n; i++) conns[i].s((n + i) * 0.001, PSH | ACK, resp);
  } },

  /** 140,000 connections: handshake, request, response, then the server closes after 2 s idle. */
  'idle-close': { count: 140_000, what: 'connections closed idle by the server', run(pcap, n) {
    const req = Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const resp = Buffer.from('HTTP/1.1 204 No Content\r\n\r\n');
    for (let i = 0; i < n; i++) {
      const conn = new Conn(pcap, clientIp(i >>> 14), 1024 + (i & 0x3fff), SERVER, 80);
      const t0 = i * 3;
      let t = conn.handshake(t0);
      conn.c((t += 0.001), PSH | ACK, req);
      conn.s((t += 0.001), PSH | ACK, resp);
      conn.c((t += 0.001), ACK);
      conn.s((t += 2), FIN | ACK);
      conn.c((t += 0.001), FIN | ACK);
      conn.s((t += 0.001), ACK);
    }
  } },

  /**
   * 200,000 TLS-looking connections all open at once (issue 14's "200k concurrent"):
   * every connection does its handshake, then round by round each sends a
   * ClientHello, gets a 600-byte server record, sends a request and gets a
   * response, and only then do they all close. Same content per connection as
   * 'concurrent-2k', so the two compare cost per byte at 200,000 vs 2,000 open.
   */
  'concurrent-200k': { count: 200_000, what: 'connections open at once (200,000 total)', run(pcap, n) {
    concurrentWaves(pcap, n, n);
  } },

  /** The same 200,000 connections (scaled like the row above) in waves of 2,000 open at once. */
  'concurrent-2k': { count: 200_000, what: 'connections, 2,000 open at once', run(pcap, n) {
    concurrentWaves(pcap, n, Math.max(1, Math.round(n / 100)));
  } },

  /**
   * 200,000 TLS 1.3 connections that finish their handshake, exchange a request and a
   * response, and then all stay open until every one has (a pool of idle keep-alive
   * connections): what each costs once set up. heap-per-connection.mjs --kind pooled-200k.
   */
  'pooled-200k': { count: 200_000, what: 'set-up TLS 1.3 connections open at once', run(pcap, n) {
    pooledWave(pcap, n);
  } },

  /** pcapng whose interface has if_tsoffset = 2^62 s. */
  'tsoffset-2e62': { count: 1, what: 'pcapng, if_tsoffset 2^62', pcapng: true, run(out) {
    pcapngSmall(out, { tsoffset: 2n ** 62n });
  } },

  /** pcapng with if_tsresol = 10^0 (seconds) and packet timestamps of 2^44 s. */
  'tsresol-2e44': { count: 1, what: 'pcapng, if_tsresol 10^0, timestamps 2^44 s', pcapng: true, run(out) {
    pcapngSmall(out, { tsresol: 0, tsUnits: 2n ** 44n });
  } },
};

function bigHandshake(pcap, n, claim) {
  for (let i = 0; i < n; i++) {
    const conn = new Conn(pcap, clientIp(i >>> 14), 1024 + (i & 0x3fff), SERVER, 443);
    const t = conn.handshake(i * 0.01);
    const body = Buffer.concat([Buffer.from([1]), u24(claim), Buffer.alloc(1200, 0x41)]);
    conn.c(t + 0.001, PSH | ACK, record(22, body, 0x0301));
  }
}

function snaplenCut(pcap, n, hole) {
  const conn = new Conn(pcap, '10.1.0.1', 40000, SERVER, 443);
  let t = conn.handshake(0);
  if (hole) conn.cseq += 1448;
  const cut = Buffer.alloc(14, 0x17); // 54 + 14 = 68 bytes kept
  for (let i = 0; i < n; i++) {
    pcap.record((t += 0.000001), tcpPacket(conn.client, conn.cport, conn.server, conn.sport, conn.cseq, conn.sseq, ACK, cut, 1448), 54 + 1448);
    conn.cseq += 1448;
  }
}

function floodRecords(pcap, bytes, rec) {
  const conn = new Conn(pcap, '10.1.0.1', 40000, SERVER, 443);
  let t = conn.handshake(0);
  t = sendStream(conn, 'c', t + 0.001, record(22, clientHello(), 0x0301));
  const per = Math.floor(1448 / rec.length);
  const seg = Buffer.concat(Array.from({ length: per }, () => rec));
  for (let sent = 0; sent < bytes; sent += seg.length) {
    conn.c((t += 0.000001), PSH | ACK, seg);
    if ((sent / seg.length) % 20 === 19) conn.s(t, ACK);
  }
}

function tinySegments(pcap, n, descending) {
  const conn = new Conn(pcap, '10.1.0.1', 40000, SERVER, 80);
  let t = conn.handshake(0);
  const base = conn.cseq; // byte 0 is the hole
  const one = Buffer.from([0x41]);
  const seg = (i) =>
    pcap.record((t += 0.000001), tcpPacket(conn.client, conn.cport, conn.server, conn.sport, base + i, conn.sseq, ACK, one));
  if (descending) for (let i = n; i >= 1; i--) seg(i);
  else for (let i = 1; i <= n; i++) seg(i);
  seg(0); // the hole, filled at last
  conn.cseq = base + n + 1;
  conn.c((t += 0.001), FIN | ACK);
  conn.s((t += 0.001), FIN | ACK);
  conn.c((t += 0.001), ACK);
}

/** n connections in waves of `wave` open together; each phase runs over the whole wave. */
function concurrentWaves(pcap, n, wave) {
  const hello = handshakeRecords(clientHello({ sni: 'concurrent.example', alpn: [Buffer.from('h2')] }));
  const serverFlight = record(22, Buffer.alloc(596, 0x02));
  const req = record(23, Buffer.alloc(120, 0x17));
  const resp = record(23, Buffer.alloc(400, 0x17));
  let t = 0;
  const dt = 0.000005;
  for (let first = 0; first < n; first += wave) {
    const conns = [];
    for (let i = first; i < Math.min(n, first + wave); i++) {
      conns.push(new Conn(pcap, clientIp(i >>> 14), 1024 + (i & 0x3fff), SERVER, 443, { cisn: (i * 2654435761) >>> 0, sisn: (i * 40503) >>> 0 }));
    }
    const phase = (f) => { for (const c of conns) f(c, (t += dt)); };
    phase((c, at) => c.c(at, SYN));
    phase((c, at) => c.s(at, SYN | ACK));
    phase((c, at) => c.c(at, ACK));
    phase((c, at) => c.c(at, PSH | ACK, hello));
    phase((c, at) => c.s(at, PSH | ACK, serverFlight));
    phase((c, at) => c.c(at, PSH | ACK, req));
    phase((c, at) => c.s(at, PSH | ACK, resp));
    phase((c, at) => c.c(at, FIN | ACK));
    phase((c, at) => c.s(at, FIN | ACK));
    phase((c, at) => c.c(at, ACK));
  }
}

/** n TLS 1.3 connections set up (handshake, one request and response) and left open, then closed. */
function pooledWave(pcap, n) {
  const sid = Buffer.alloc(32, 0x5a);
  const hello = handshakeRecords(clientHello({ sni: 'pooled.example', alpn: [Buffer.from('h2')], versions13: true, sessionId: sid }));
  const serverFlight = Buffer.concat([
    handshakeRecords(serverHello13(sid)),
    record(20, Buffer.from([1])),
    record(23, Buffer.alloc(2200, 0x17)), // EncryptedExtensions, Certificate, CertificateVerify, Finished
  ]);
  const clientFinish = Buffer.concat([record(20, Buffer.from([1])), record(23, Buffer.alloc(53, 0x17))]);
  const req = record(23, Buffer.alloc(120, 0x17));
  const resp = record(23, Buffer.alloc(400, 0x17));
  let t = 0;
  const dt = 0.000005;
  const conns = [];
  for (let i = 0; i < n; i++) {
    conns.push(new Conn(pcap, clientIp(i >>> 14), 1024 + (i & 0x3fff), SERVER, 443, { cisn: (i * 2654435761) >>> 0, sisn: (i * 40503) >>> 0 }));
  }
  for (const c of conns) {
    c.c((t += dt), SYN);
    c.s((t += dt), SYN | ACK);
    c.c((t += dt), ACK);
    c.c((t += dt), PSH | ACK, hello);
    t = sendStream(c, 's', (t += dt), serverFlight);
    c.c((t += dt), PSH | ACK, Buffer.concat([clientFinish, req]));
    c.s((t += dt), PSH | ACK, resp);
    c.c((t += dt), ACK);
  }
  for (const c of conns) {
    c.c((t += dt), FIN | ACK);
    c.s((t += dt), FIN | ACK);
    c.c((t += dt), ACK);
  }
}

// ---------------------------------------------------------------- pcapng

function pcapngBlock(type, body) {
  const pad = (4 - (body.length % 4)) % 4;
  const len = 12 + body.length + pad;
  const b = Buffer.alloc(len);
  b.writeUInt32LE(type, 0);
  b.writeUInt32LE(len, 4);
  body.copy(b, 8);
  b.writeUInt32LE(len, len - 4);
  return b;
}

function pcapngSmall(out, { tsoffset = 0n, tsresol = 6, tsUnits }) {
  const shb = Buffer.alloc(16);
  shb.writeUInt32LE(0x1a2b3c4d, 0);
  shb.writeUInt16LE(1, 4);
  shb.writeBigInt64LE(-1n, 8);
  out.put(pcapngBlock(0x0a0d0d0a, shb));
  const opts = [];
  const o = (code, val) => {
    const h = Buffer.alloc(4);
    h.writeUInt16LE(code, 0);
    h.writeUInt16LE(val.length, 2);
    const pad = Buffer.alloc((4 - (val.length % 4)) % 4);
    opts.push(h, val, pad);
  };
  o(9, Buffer.from([tsresol]));
  if (tsoffset !== 0n) {
    const v = Buffer.alloc(8);
    v.writeBigInt64LE(tsoffset);
    o(14, v);
  }
  opts.push(Buffer.alloc(4)); // opt_endofopt
  const idb = Buffer.concat([Buffer.from([1, 0, 0, 0]), Buffer.from([0, 0, 4, 0]), ...opts]);
  out.put(pcapngBlock(1, idb));
  // A TCP handshake and a ClientHello, as EPBs.
  const pkts = [];
  const fake = { record: (t, data) => pkts.push({ t, data }) };
  const conn = new Conn(fake, '10.1.0.1', 40000, SERVER, 443);
  const t = conn.handshake(0);
  conn.c(t + 0.001, PSH | ACK, record(22, clientHello(), 0x0301));
  conn.s(t + 0.002, ACK);
  for (const [i, p] of pkts.entries()) {
    const units = tsUnits !== undefined ? tsUnits + BigInt(i) : BigInt(T0) * 10n ** BigInt(tsresol) + BigInt(i);
    const h = Buffer.alloc(20);
    h.writeUInt32LE(0, 0);
    h.writeUInt32LE(Number(units >> 32n), 4);
    h.writeUInt32LE(Number(units & 0xffffffffn), 8);
    h.writeUInt32LE(p.data.length, 12);
    h.writeUInt32LE(p.data.length, 16);
    out.put(pcapngBlock(6, Buffer.concat([h, p.data])));
  }
}

// ---------------------------------------------------------------- main

const [name, outPath, scaleArg] = process.argv.slice(2);
if (name === 'list' || name === undefined) {
  for (const [k, g] of Object.entries(generators)) console.log(`${k.padEnd(16)} ${g.count.toLocaleString('en-US')} ${g.what}`);
  process.exit(name === undefined ? 2 : 0);
}
const g = generators[name];
if (!g || !outPath) {
  console.error(`usage: gen-adversarial.mjs NAME OUT [scale]; NAME one of: ${Object.keys(generators).join(', ')}`);
  process.exit(2);
}
const scale = scaleArg === undefined ? 1 : Number(scaleArg);
if (!(scale > 0)) {
  console.error(`scale must be a positive number, got ${scaleArg}`);
  process.exit(2);
}
const out = new Out(outPath);
if (g.pcapng) g.run(out);
else g.run(new Pcap(out, { snaplen: g.snaplen ?? 262144 }), Math.max(1, Math.round(g.count * scale)));
out.close();
if (outPath !== '-') console.error(`${name}: ${out.bytes.toLocaleString('en-US')} bytes -> ${outPath}`);
