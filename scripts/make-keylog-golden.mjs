#!/usr/bin/env node
// Golden expectations for the decryption tests, from tshark only (never from
// handshake-lens): for every capture in fixtures/keylog/ it writes
// test/golden-keylog/<capture>.json.
//
// A capture NAME.pcap is dissected with `-o tls.keylog_file:NAME.keys.log`; a
// .pcapng without a key log beside it is dissected alone (its Decryption
// Secrets Block carries the keys). Reassembly preferences as in make-golden.mjs.
//
// Per tcp.stream: client/server (sender of the first SYN = client), and per side:
//   handshake           [{ type, frame }] every handshake message (tls.handshake.type,
//                       decrypted ones included), in order, in the frame where it completes
//   records             [{ frame, type }] every record's content type after decryption
//                       (tls.record.content_type: the inner type of a decrypted TLS 1.3 record)
//   firstApplicationData frame of the first record whose (inner) type is 23, or null
//   certificates        [{ frame, lengths: [..], total }] (tls.handshake.certificate_length,
//                       tls.handshake.certificates_length)
//   http                [{ frame, method | status, requestIn? }] (http.request / http.response)
//   http2Headers        [{ frame, stream, method | status }] (HEADERS frames, http2.type == 1)
//
// Usage: node scripts/make-keylog-golden.mjs [capture-name ...]

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FIXTURES = path.join(ROOT, 'fixtures', 'keylog');
const GOLDEN = path.join(ROOT, 'test', 'golden-keylog');

const PREFS = [
  '-o', 'tcp.desegment_tcp_streams:TRUE',
  '-o', 'tls.desegment_ssl_records:TRUE',
  '-o', 'tls.desegment_ssl_application_data:TRUE',
  '-o', 'tcp.reassemble_out_of_order:TRUE',
];

const FIELDS = [
  'frame.number', 'tcp.stream', 'ip.src', 'ipv6.src', 'tcp.srcport', 'ip.dst', 'ipv6.dst', 'tcp.dstport', 'tcp.flags',
  'tls.record.content_type', 'tls.handshake.type',
  'tls.handshake.certificate_length', 'tls.handshake.certificates_length',
  'http.request.method', 'http.response.code', 'http.request_in',
  'http2.type', 'http2.streamid', 'http2.headers.method', 'http2.headers.status',
];

function tshark(args) {
  const r = spawnSync('tshark', args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`tshark ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const list = (s) => (s === '' ? [] : s.split(','));
const nums = (s) => list(s).map((x) => Number(x));

function golden(file) {
  const base = file.replace(/\.(pcapng|pcap)$/, '');
  const keylog = existsSync(path.join(FIXTURES, `${base}.keys.log`)) ? `${base}.keys.log` : null;
  const args = ['-r', path.join(FIXTURES, file), ...PREFS];
  if (keylog) args.push('-o', `tls.keylog_file:${path.join(FIXTURES, keylog)}`);
  args.push('-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=,', '-E', 'separator=\t');
  for (const f of FIELDS) args.push('-e', f);
  const version = tshark(['--version']).split('\n')[0];
  const streams = new Map();
  for (const line of tshark(args).split('\n')) {
    if (line === '') continue;
    const v = line.split('\t');
    const get = (name) => v[FIELDS.indexOf(name)] ?? '';
    const frame = Number(get('frame.number'));
    if (get('tcp.stream') === '') continue;
    const id = Number(get('tcp.stream'));
    const src = { ip: get('ip.src') || get('ipv6.src'), port: Number(get('tcp.srcport')) };
    const dst = { ip: get('ip.dst') || get('ipv6.dst'), port: Number(get('tcp.dstport')) };
    let s = streams.get(id);
    if (!s) {
      s = { stream: id, client: null, server: null, sides: {} };
      for (const side of ['client', 'server']) {
        s.sides[side] = { handshake: [], records: [], firstApplicationData: null, certificates: [], http: [], http2Headers: [] };
      }
      streams.set(id, s);
    }
    const flags = parseInt(get('tcp.flags'), 16);
    if (s.client === null && (flags & 0x12) === 0x02) {
      s.client = src;
      s.server = dst;
    }
    if (s.client === null) continue; // nothing before the SYN in these recordings
    const side = src.ip === s.client.ip && src.port === s.client.port ? 'client' : 'server';
    const g = s.sides[side];
    for (const t of nums(get('tls.handshake.type'))) g.handshake.push({ type: t, frame });
    for (const t of nums(get('tls.record.content_type'))) {
      g.records.push({ frame, type: t });
      if (t === 23 && g.firstApplicationData === null) g.firstApplicationData = frame;
    }
    const certLengths = nums(get('tls.handshake.certificate_length'));
    const totals = nums(get('tls.handshake.certificates_length'));
    if (totals.length > 0) g.certificates.push({ frame, lengths: certLengths, total: totals.reduce((a, b) => a + b, 0) });
    for (const m of list(get('http.request.method'))) g.http.push({ frame, method: m });
    const reqIn = nums(get('http.request_in'));
    list(get('http.response.code')).forEach((c, i) => g.http.push({ frame, status: Number(c), ...(reqIn[i] ? { requestIn: reqIn[i] } : {}) }));
    const types = nums(get('http2.type'));
    const ids = nums(get('http2.streamid'));
    const methods = list(get('http2.headers.method'));
    const statuses = list(get('http2.headers.status'));
    let mi = 0;
    let si = 0;
    types.forEach((t, i) => {
      if (t !== 1) return;
      const h = { frame, stream: ids[i] };
      if (side === 'client' && mi < methods.length) h.method = methods[mi++];
      if (side === 'server' && si < statuses.length) h.status = Number(statuses[si++]);
      g.http2Headers.push(h);
    });
  }
  return { capture: file, keylog, dsb: keylog === null, tshark: version, streams: [...streams.values()] };
}

const only = process.argv.slice(2);
mkdirSync(GOLDEN, { recursive: true });
for (const file of readdirSync(FIXTURES).sort()) {
  if (!/\.(pcap|pcapng)$/.test(file)) continue;
  if (only.length > 0 && !only.includes(file)) continue;
  const g = golden(file);
  writeFileSync(path.join(GOLDEN, `${file}.json`), JSON.stringify(g, null, 1) + '\n');
  console.log(`${file}: ${g.streams.length} stream(s)${g.keylog ? '' : ' (keys from the DSB)'}`);
}
