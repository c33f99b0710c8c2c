#!/usr/bin/env node
// Golden expectations for the QUIC fixtures (fixtures/quic/*.pcap), from
// tshark's dissection only (tshark decrypts Initial packets by itself; no key
// log is given to it, so it sees what handshake-lens sees without keys).
//
// For fixtures/quic/<name> (and the QUIC captures of fixtures/ listed in EXTRA)
// it writes test/golden-quic/<name>.json:
// {
//   "tshark": "4.0.17",
//   "udp": [ [frame, srcport, dstport, udp.length], ... ],                  // every UDP datagram (not inside ICMP)
//   "frames": [ { "frame", "time", "src", "sport", "dst", "dport", "len",   // every QUIC frame (datagram)
//                 "conn": number|null,                                      // quic.connection.number
//                 "packets": [ { "type", "version", "dcid", "scid" } ],     // each QUIC packet, in order
//                 "handshake": [ 1, 2, ... ] } ],                          // TLS handshake types shown here
//   "connections": [ { "number",                                            // quic.connection.number, sorted
//       "client": { "ip", "port" }, "server": { "ip", "port" },            // client = sender of its first frame
//       "firstFrame", "lastFrame", "frames",
//       "first": { "client": { "<type>": frame }, "server": { ... } },      // first frame of each packet type per side
//       "clientHello", "serverHello",                                       // frame showing handshake type 1 / 2 (not HRR)
//       "helloRetry": bool, "sni", "alpnOffered": [],
//       "pskOffered", "earlyDataOffered": bool,                            // ClientHello extensions 41 / 42
//       "keyShareGroupsOffered": [],                                        // ClientHello key_share groups
//       "resumed": bool,                                                    // ServerHello has pre_shared_key (41)
//       "close": { "frame", "from", "errorCode" } | null,                   // first CONNECTION_CLOSE frame tshark can read (quic.cc.error_code)
//       "handshakeDone": frame | null,                                      // first server frame with HANDSHAKE_DONE (0x1e): only
//                                                                           // when tshark has keys (a pcapng Decryption Secrets Block)
//       "version": "0x00000001",                                            // quic.version of the connection's first long header
//       "cipher": number|null } ]                                           // ServerHello cipher suite
// }
// Packet types: Initial, 0-RTT, Handshake, Retry (v1 quic.long.packet_type 0-3;
// v2 quic.long.packet_type_v2 1,2,3,0), VersionNegotiation (version 0), 1-RTT (short header).
//
// Usage: node scripts/make-quic-golden.mjs [fixture-name ...]   (default: all)

import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tshark, asList, objectsWith } from './tshark-json.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FIXTURES = path.join(ROOT, 'fixtures', 'quic');
const GOLDEN = path.join(ROOT, 'test', 'golden-quic');
/** Captures in fixtures/ (not fixtures/quic/) that carry QUIC too. */
export const EXTRA = ['ndpi-pcapng-dsb-sll-quic-notcp.pcapng'];
const HRR_RANDOM = 'cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c';
const V1_TYPES = ['Initial', '0-RTT', 'Handshake', 'Retry'];
const V2_TYPES = ['Retry', 'Initial', '0-RTT', 'Handshake'];

/** Every value of key `k` anywhere under `o`. */
function valuesOf(o, k, out = []) {
  if (Array.isArray(o)) for (const x of o) valuesOf(x, k, out);
  else if (o !== null && typeof o === 'object') {
    for (const [key, v] of Object.entries(o)) {
      if (key === k) out.push(...asList(v).filter((x) => typeof x === 'string'));
      else valuesOf(v, k, out);
    }
  }
  return out;
}

const cid = (v) => (v === undefined ? '' : String(v).replace(/:/g, ''));

function packetOf(q) {
  const shortHdr = q['quic.short'];
  if (shortHdr !== undefined || q['quic.header_form'] === '0') {
    return { type: '1-RTT', version: null, dcid: cid(shortHdr?.['quic.dcid'] ?? q['quic.dcid']), scid: '' };
  }
  const version = q['quic.version'];
  if (version === undefined) return undefined;
  let type;
  if (Number(version) === 0) type = 'VersionNegotiation';
  else if (q['quic.long.packet_type_v2'] !== undefined) type = V2_TYPES[Number(q['quic.long.packet_type_v2'])];
  else if (q['quic.long.packet_type'] !== undefined) type = V1_TYPES[Number(q['quic.long.packet_type'])];
  else return undefined;
  return { type, version, dcid: cid(q['quic.dcid']), scid: cid(q['quic.scid']) };
}

function golden(file) {
  const version = tshark(['-v']).split('\n')[0].replace(/^TShark \(Wireshark\) /, '').replace(/ .*$/, '');
  const json = JSON.parse(tshark(['-n', '-r', file, '-Y', 'quic', '-T', 'json', '--no-duplicate-keys', '-J', 'frame ip ipv6 udp quic']));
  const frames = [];
  const conns = new Map();
  for (const pkt of json) {
    const l = pkt._source.layers;
    const frame = Number(l.frame['frame.number']);
    const ip = l.ip ?? l.ipv6;
    const src = l.ip ? l.ip['ip.src'] : l.ipv6['ipv6.src'];
    const dst = l.ip ? l.ip['ip.dst'] : l.ipv6['ipv6.dst'];
    if (ip === undefined) continue;
    const sport = Number(l.udp['udp.srcport']);
    const dport = Number(l.udp['udp.dstport']);
    const quics = asList(l.quic);
    const numbers = valuesOf(quics, 'quic.connection.number').map(Number);
    const conn = numbers.length > 0 ? numbers[0] : null;
    const packets = quics.map(packetOf).filter((p) => p !== undefined);
    const hs = objectsWith(quics, 'tls.handshake.type');
    const frameTypes = valuesOf(quics, 'quic.frame_type').map(Number);
    const handshake = hs.map((h) => Number(h['tls.handshake.type']));
    const row = { frame, time: l.frame['frame.time_epoch'], src, sport, dst, dport, len: Number(l.frame['frame.len']), conn, packets, handshake };
    frames.push(row);
    if (conn === null) continue;
    let c = conns.get(conn);
    if (c === undefined) {
      c = {
        number: conn,
        client: { ip: src, port: sport },
        server: { ip: dst, port: dport },
        firstFrame: frame,
        lastFrame: frame,
        frames: 0,
        first: { client: {}, server: {} },
        clientHello: null,
        serverHello: null,
        helloRetry: false,
        sni: null,
        alpnOffered: [],
        pskOffered: false,
        earlyDataOffered: false,
        keyShareGroupsOffered: [],
        version: null,
        cipher: null,
        resumed: false,
        close: null,
        handshakeDone: null,
      };
      conns.set(conn, c);
    }
    c.lastFrame = frame;
    c.frames++;
    const side = src === c.client.ip && sport === c.client.port ? 'client' : 'server';
    for (const p of packets) {
      if (c.first[side][p.type] === undefined) c.first[side][p.type] = frame;
      if (c.version === null && p.version !== null && Number(p.version) !== 0) c.version = p.version;
    }
    if (c.close === null && (frameTypes.includes(0x1c) || frameTypes.includes(0x1d))) {
      const code = valuesOf(quics, 'quic.cc.error_code')[0] ?? valuesOf(quics, 'quic.cc.error_code.app')[0];
      c.close = { frame, from: side, errorCode: code === undefined ? null : Number(code) };
    }
    if (c.handshakeDone === null && side === 'server' && frameTypes.includes(0x1e)) c.handshakeDone = frame;
    for (const h of hs) {
      const t = Number(h['tls.handshake.type']);
      if (t === 1 && c.clientHello === null) {
        c.clientHello = frame;
        c.sni = valuesOf(h, 'tls.handshake.extensions_server_name')[0] ?? null;
        c.alpnOffered = valuesOf(h, 'tls.handshake.extensions_alpn_str');
        const ext = valuesOf(h, 'tls.handshake.extension.type');
        c.pskOffered = ext.includes('41');
        c.earlyDataOffered = ext.includes('42');
        c.keyShareGroupsOffered = valuesOf(h, 'tls.handshake.extensions_key_share_group').map(Number);
      } else if (t === 2) {
        const random = String(h['tls.handshake.random'] ?? '').replace(/:/g, '');
        if (random === HRR_RANDOM) c.helloRetry = true;
        else if (c.serverHello === null) {
          c.serverHello = frame;
          const cs = h['tls.handshake.ciphersuite'];
          c.cipher = cs === undefined ? null : Number(asList(cs)[0]);
          c.resumed = valuesOf(h, 'tls.handshake.extension.type').includes('41');
        }
      }
    }
  }
  // Every UDP datagram (ICMP errors quote UDP headers: not ours to decode).
  const udp = tshark(['-n', '-r', file, '-Y', 'udp and not icmp and not icmpv6', '-T', 'fields', '-E', 'occurrence=f', '-e', 'frame.number', '-e', 'udp.srcport', '-e', 'udp.dstport', '-e', 'udp.length'])
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split('\t').map(Number));
  return { tshark: version, udp, frames, connections: [...conns.values()].sort((a, b) => a.number - b.number) };
}

const names = process.argv.slice(2);
const files = names.length > 0 ? names : [...readdirSync(FIXTURES).filter((f) => /\.pcap(ng)?$/.test(f)).sort(), ...EXTRA];
mkdirSync(GOLDEN, { recursive: true });
for (const name of files) {
  const g = golden(EXTRA.includes(name) ? path.join(ROOT, 'fixtures', name) : path.join(FIXTURES, name));
  writeFileSync(path.join(GOLDEN, `${name}.json`), JSON.stringify(g, null, 1) + '\n');
  console.log(`${name}: ${g.frames.length} QUIC frames, ${g.connections.length} connections`);
}
