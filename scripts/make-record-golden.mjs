#!/usr/bin/env node
// tshark facts for test/timeline/record.test.ts (test/golden/record-facts.json), from tshark
// only, so the test does not run tshark itself (it runs once per mutant in mutation testing):
//   alerts      per fixture: [frame, tcp.stream, level, description] of every alert tshark reads in clear
//   handshakes  per fixture: [frame, tcp.stream, [handshake types in dissection order]] of every frame completing two or more
//   mss         per fixture: [tcp.stream, SYN-ACK?, MSS option] of every SYN / SYN-ACK carrying one
//   http        per fixture: requests and responses, [frame, tcp.stream, method or status, frame of the first segment]
// Usage: node scripts/make-record-golden.mjs
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PREFS = ['-o', 'tcp.desegment_tcp_streams:TRUE', '-o', 'tls.desegment_ssl_records:TRUE'];
const ALERTS = ['lo-tls-alert-version-mismatch.pcap', 'zeek-tls12-handshake-failure-alert.pcap', 'findings/j-tls-handshake-alerts.pcap'];
const HANDSHAKES = ['lo-tls12-client-cert.pcap', 'zeek-tls12-client-certificate.pcap', 'lo-tls12-resume-ticket.pcap'];
const HTTP = ['lo-http-keepalive-3req.pcap', 'lo-http-conn-per-request-3req.pcap', 'zeek-http-pipelined-keepalive.pcap'];
const MSS = ['lo-tls12-full.pcap', 'lo6-tls13-full.pcap', 'zeek-tls12-basic.pcap', 'lo-tcp-refused.pcap', 'lo-http-keepalive-3req.pcap'];

function rows(fixture, filter, fields) {
  const r = spawnSync(
    'tshark',
    ['-n', '-r', path.join(ROOT, 'fixtures', fixture), ...PREFS, '-Y', filter, '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=a', '-E', 'aggregator=,', ...fields.flatMap((f) => ['-e', f])],
    { encoding: 'utf8', maxBuffer: 1 << 28 },
  );
  if (r.status !== 0) throw new Error(`tshark ${fixture}: ${r.stderr}`);
  return r.stdout.split('\n').filter(Boolean).map((l) => l.split('\t'));
}
const nums = (s) => s.split(',').map(Number);

const out = { alerts: {}, handshakes: {}, mss: {}, http: {} };
for (const f of ALERTS) {
  out.alerts[f] = rows(f, 'tls.alert_message.level', ['frame.number', 'tcp.stream', 'tls.alert_message.level', 'tls.alert_message.desc']).map(([fr, st, lv, ds]) => [
    Number(fr),
    Number(st),
    nums(lv)[0],
    nums(ds)[0],
  ]);
}
for (const f of HANDSHAKES) {
  out.handshakes[f] = rows(f, 'tls.handshake.type', ['frame.number', 'tcp.stream', 'tls.handshake.type'])
    .map(([fr, st, types]) => [Number(fr), Number(st), nums(types)])
    .filter(([, , types]) => types.length >= 2);
}
for (const f of MSS) {
  out.mss[f] = rows(f, 'tcp.flags.syn == 1 && tcp.options.mss_val', ['tcp.stream', 'tcp.flags.ack', 'tcp.options.mss_val']).map(([st, ack, mss]) => [
    Number(st),
    ack === '1' || ack === 'True',
    nums(mss)[0],
  ]);
}
for (const f of HTTP) {
  const first = (frame, segs) => (segs ? nums(segs)[0] : Number(frame));
  out.http[f] = {
    requests: rows(f, 'http.request', ['frame.number', 'tcp.stream', 'http.request.method', 'tcp.segment']).map(([fr, st, m, segs]) => [Number(fr), Number(st), m, first(fr, segs)]),
    responses: rows(f, 'http.response', ['frame.number', 'tcp.stream', 'http.response.code', 'tcp.segment']).map(([fr, st, c, segs]) => [Number(fr), Number(st), Number(c), first(fr, segs)]),
  };
}
writeFileSync(path.join(ROOT, 'test/golden/record-facts.json'), JSON.stringify(out, null, 1) + '\n');
