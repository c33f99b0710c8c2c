#!/usr/bin/env node
// Golden expectations for the QUIC fixtures that have a key log beside them
// (fixtures/quic/<name>.pcap + <name>.keys), from tshark's dissection with
// that key log (`-o tls.keylog_file:`): tshark 4.0 then decrypts Handshake
// and 1-RTT packets too. Never from handshake-lens's output.
//
// Writes test/golden-quic/keys/<name>.json:
// {
//   "tshark": "4.0.17",
//   "keylog": "<name>.keys",
//   "connections": [ { "number",                       // quic.connection.number
//       "client": { "ip", "port" },                    // sender of its first frame
//       "firstFrame",
//       "handshake": { "client": { "<type>": frame }, "server": { ... } },  // first frame showing each
//                                                       // TLS handshake type (1, 2, 8, 11, 13, 15, 20, 4 …) per side
//       "handshakeDone": frame | null,                 // first server frame with a HANDSHAKE_DONE (quic.frame_type 0x1e)
//       "alpn": string | null,                         // ALPN in the server's EncryptedExtensions
//       "certificateLengths": [ ... ],                 // tls.handshake.certificate_length of the server's Certificate
//       "cipher": number | null,                       // ServerHello cipher suite
//       "decryptionFailed": { "client": [frames], "server": [frames] },  // frames where tshark's own
//                                                       // decryption failed (expert info "Decryption failed")
//       "earlyDataAccepted": bool | null } ]           // the server's EncryptedExtensions carries early_data (42);
//                                                       // null: no EncryptedExtensions decrypted
// }
// Frames tshark gives no quic.connection.number (TCP, unnumbered QUIC) are skipped.
//
// Usage: node scripts/make-quic-keys-golden.mjs [fixture-name.pcap ...]   (default: every fixtures/quic/*.pcap with a .keys)

import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tshark, asList, objectsWith } from './tshark-json.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FIXTURES = path.join(ROOT, 'fixtures', 'quic');
const GOLDEN = path.join(ROOT, 'test', 'golden-quic', 'keys');
const FIELDS = [
  'frame.number',
  'quic.connection.number',
  'ip.src',
  'ipv6.src',
  'udp.srcport',
  'tls.handshake.type',
  'quic.frame_type',
  'tls.handshake.extensions_alpn_str',
  'tls.handshake.certificate_length',
  'tls.handshake.ciphersuite',
  'quic.decryption_failed',
];

const list = (v) => (v === '' ? [] : v.split(','));

/** Per frame: the extension types of each EncryptedExtensions message in it (read from tshark's JSON tree). */
function encryptedExtensions(pcap, keys) {
  const json = JSON.parse(tshark(['-n', '-r', pcap, '-o', `tls.keylog_file:${keys}`, '-Y', 'tls.handshake.type == 8', '-T', 'json', '--no-duplicate-keys', '-J', 'frame quic']));
  const out = new Map();
  for (const pkt of json) {
    const l = pkt._source.layers;
    const frame = Number(l.frame['frame.number']);
    for (const m of objectsWith(l, 'tls.handshake.type')) {
      if (m['tls.handshake.type'] !== '8') continue;
      const types = objectsWith(m, 'tls.handshake.extension.type').flatMap((e) => asList(e['tls.handshake.extension.type'])).map(Number);
      out.set(frame, [...(out.get(frame) ?? []), ...types]);
    }
  }
  return out;
}

function golden(pcap, keys) {
  const version = tshark(['-v']).split('\n')[0].replace(/^TShark \(Wireshark\) /, '').replace(/ .*$/, '');
  const out = tshark(['-n', '-r', pcap, '-o', `tls.keylog_file:${keys}`, '-Y', 'quic', '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=,', ...FIELDS.flatMap((f) => ['-e', f])]);
  const ee = encryptedExtensions(pcap, keys);
  const conns = new Map();
  for (const line of out.split('\n')) {
    if (line === '') continue;
    const v = line.split('\t');
    const row = Object.fromEntries(FIELDS.map((f, i) => [f, v[i] ?? '']));
    const numbers = list(row['quic.connection.number']);
    if (numbers.length === 0) continue;
    const number = Number(numbers[0]);
    const frame = Number(row['frame.number']);
    const ip = row['ip.src'] || row['ipv6.src'];
    const port = Number(row['udp.srcport']);
    let c = conns.get(number);
    if (c === undefined) {
      c = { number, client: { ip, port }, firstFrame: frame, handshake: { client: {}, server: {} }, handshakeDone: null, alpn: null, certificateLengths: [], cipher: null, decryptionFailed: { client: [], server: [] }, earlyDataAccepted: null };
      conns.set(number, c);
    }
    const side = ip === c.client.ip && port === c.client.port ? 'client' : 'server';
    const types = list(row['tls.handshake.type']);
    if (row['quic.decryption_failed'] !== '') c.decryptionFailed[side].push(frame);
    for (const t of types) if (c.handshake[side][t] === undefined) c.handshake[side][t] = frame;
    if (side === 'server') {
      if (c.handshakeDone === null && list(row['quic.frame_type']).map(Number).includes(0x1e)) c.handshakeDone = frame;
      if (c.alpn === null && types.includes('8')) c.alpn = list(row['tls.handshake.extensions_alpn_str'])[0] ?? null;
      if (c.earlyDataAccepted === null && ee.has(frame)) c.earlyDataAccepted = ee.get(frame).includes(42);
      if (c.certificateLengths.length === 0 && types.includes('11')) c.certificateLengths = list(row['tls.handshake.certificate_length']).map(Number);
      if (c.cipher === null && types.includes('2')) c.cipher = Number(list(row['tls.handshake.ciphersuite'])[0]);
    }
  }
  return { tshark: version, keylog: path.basename(keys), connections: [...conns.values()].sort((a, b) => a.number - b.number) };
}

const names = process.argv.slice(2);
const files = names.length > 0 ? names : readdirSync(FIXTURES).filter((f) => f.endsWith('.pcap') && existsSync(path.join(FIXTURES, f.replace(/\.pcap$/, '.keys')))).sort();
mkdirSync(GOLDEN, { recursive: true });
for (const name of files) {
  const g = golden(path.join(FIXTURES, name), path.join(FIXTURES, name.replace(/\.pcap$/, '.keys')));
  writeFileSync(path.join(GOLDEN, `${name}.json`), JSON.stringify(g, null, 1) + '\n');
  console.log(`${name}: ${g.connections.length} connections`);
}
