#!/usr/bin/env node
// Golden HTTP/3 requests per QUIC connection for the fixtures that have a key
// log beside them (fixtures/quic/<name>.pcap + <name>.keys), from tshark's
// dissection with that key log (tshark then decrypts 0-RTT and 1-RTT packets
// and shows each STREAM frame). Never from handshake-lens's output.
//
// A request is a client-initiated bidirectional stream (stream id % 4 == 0,
// tshark's quic.stream.initiator 0 and direction 0) on which the client sent
// a STREAM frame with data (RFC 9114 §4.1: one request per such stream).
//
// Writes test/golden-quic/requests/<name>.json:
// {
//   "tshark": "4.0.17",
//   "keylog": "<name>.keys",
//   "connections": [ { "number",                 // quic.connection.number
//       "client": { "ip", "port" },              // sender of its first frame
//       "requests": [ { "stream",                // stream id
//           "firstFrame",                        // first client frame with data on it
//           "finFrame",                          // first client frame whose STREAM frame has FIN (null: none)
//           "bytes" } ],                         // highest offset + length the client sent on it
//       "clientStreamFrames": n,                 // client STREAM frames of any stream (retransmissions included)
//       "clientCloseFrame": frame | null,        // first client frame with a CONNECTION_CLOSE (quic.frame_type 0x1c/0x1d)
//       "keylessEstimate": n } ]                 // the TCP estimator's rule on tshark's 1-RTT packet sizes (below)
// }
//
// keylessEstimate measures what a key-less count would say (src/http/estimate.ts's
// rule: a client burst after the server has answered starts a new request),
// fed with what is visible without keys: 1-RTT (short-header) packets by side
// and quic.packet_length, those of ACK size (<= ACK_SIZE bytes: ACK, PING,
// small control frames) left out. It is compared with the exact count in
// test/quic/requests.test.ts and the README.
//
// Usage: node scripts/make-quic-requests-golden.mjs [fixture-name.pcap ...]   (default: every fixtures/quic/*.pcap with a .keys)

import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tshark, asList } from './tshark-json.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FIXTURES = path.join(ROOT, 'fixtures', 'quic');
const GOLDEN = path.join(ROOT, 'test', 'golden-quic', 'requests');

/** Largest 1-RTT packet taken for an acknowledgement only, without keys (an ACK-only packet here is 40-44 bytes; small control frames ~50). */
const ACK_SIZE = 60;

function golden(name) {
  const pcap = path.join(FIXTURES, name);
  const keys = pcap.replace(/\.pcap$/, '.keys');
  const json = JSON.parse(tshark(['-n', '-r', pcap, '-o', `tls.keylog_file:${keys}`, '-Y', 'quic', '-T', 'json', '--no-duplicate-keys', '-J', 'frame ip ipv6 udp quic']));
  const conns = new Map();
  const state = new Map();
  for (const pkt of json) {
    const l = pkt._source.layers;
    const frame = Number(l.frame['frame.number']);
    const ip = l.ip?.['ip.src'] ?? l.ipv6?.['ipv6.src'];
    const port = Number(l.udp['udp.srcport']);
    // Coalesced packets: only the datagram's first names the connection.
    let number;
    for (const q of asList(l.quic)) {
      number = q['QUIC Connection information']?.['quic.connection.number'] ?? number;
      if (number === undefined) continue;
      let c = conns.get(number);
      if (c === undefined) {
        c = { number: Number(number), client: { ip, port }, requests: [], clientStreamFrames: 0, clientCloseFrame: null, keylessEstimate: 0 };
        state.set(c, { answered: true });
        conns.set(number, c);
      }
      const client = ip === c.client.ip && port === c.client.port;
      if (q['quic.short'] !== undefined && Number(q['quic.packet_length']) > ACK_SIZE) {
        const st = state.get(c);
        if (!client) st.answered = true;
        else if (st.answered) {
          c.keylessEstimate++;
          st.answered = false;
        }
      }
      if (!client) continue;
      const frames = asList(q['quic.frame']);
      for (const f of frames) {
        const type = Number(f['quic.frame_type']);
        if ((type === 0x1c || type === 0x1d) && c.clientCloseFrame === null) c.clientCloseFrame = frame;
        if (type < 8 || type > 15) continue;
        c.clientStreamFrames++;
        const id = Number(f['quic.stream.stream_id']);
        if (id % 4 !== 0) continue;
        const t = f['quic.frame_type_tree'];
        const fin = t['quic.stream.fin'] === '1';
        const offset = Number(f['quic.stream.offset'] ?? 0);
        const data = f['quic.stream_data'];
        const length = f['quic.stream.length'] !== undefined ? Number(f['quic.stream.length']) : data === undefined ? 0 : (data.length + 1) / 3;
        let r = c.requests.find((x) => x.stream === id);
        if (r === undefined) {
          if (length === 0) continue;
          r = { stream: id, firstFrame: frame, finFrame: null, bytes: 0 };
          c.requests.push(r);
        }
        r.bytes = Math.max(r.bytes, offset + length);
        if (fin && r.finFrame === null) r.finFrame = frame;
      }
    }
  }
  const version = tshark(['--version']).split('\n')[0].match(/[\d.]+/)[0];
  return { tshark: version, keylog: path.basename(keys), connections: [...conns.values()].sort((a, b) => a.number - b.number) };
}

const names = process.argv.length > 2 ? process.argv.slice(2) : readdirSync(FIXTURES).filter((f) => f.endsWith('.pcap') && existsSync(path.join(FIXTURES, f.replace(/\.pcap$/, '.keys'))));
mkdirSync(GOLDEN, { recursive: true });
for (const name of names) {
  const g = golden(name);
  writeFileSync(path.join(GOLDEN, `${name}.json`), JSON.stringify(g, null, 1) + '\n');
  console.log(`${name}: ${g.connections.map((c) => `#${c.number} ${c.requests.length} request(s)`).join(', ')}`);
}
