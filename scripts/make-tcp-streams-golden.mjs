#!/usr/bin/env node
// TCP side of the QUIC fixtures, for the mixed TCP+QUIC tests: from tshark only.
// For fixtures/quic/<name>.pcap (and the EXTRA QUIC captures of fixtures/) writes
// test/golden-quic/tcp/<name>.json:
// { "tshark": "4.0.x", "frames": N, "tcpFrames": N,
//   "streams": [ { "stream": tcp.stream, "firstFrame", "src", "sport", "dst", "dport" } ] }  // sorted by stream
// Usage: node scripts/make-tcp-streams-golden.mjs
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FIXTURES = path.join(ROOT, 'fixtures', 'quic');
const OUT = path.join(ROOT, 'test', 'golden-quic', 'tcp');
const EXTRA = ['ndpi-pcapng-dsb-sll-quic-notcp.pcapng'];

function tshark(args) {
  const r = spawnSync('tshark', args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`tshark ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const version = tshark(['--version']).split('\n')[0].replace(/^TShark \(Wireshark\) /, '').split(' ')[0];
mkdirSync(OUT, { recursive: true });
const files = [
  ...readdirSync(FIXTURES).filter((f) => f.endsWith('.pcap')).map((f) => [f, path.join(FIXTURES, f)]),
  ...EXTRA.map((f) => [f, path.join(ROOT, 'fixtures', f)]),
];
for (const [name, file] of files) {
  const frames = tshark(['-r', file, '-T', 'fields', '-e', 'frame.number']).split('\n').filter(Boolean).length;
  const rows = tshark(['-r', file, '-Y', 'tcp', '-T', 'fields', '-E', 'separator=\t', '-e', 'tcp.stream', '-e', 'frame.number',
    '-e', 'ip.src', '-e', 'ipv6.src', '-e', 'tcp.srcport', '-e', 'ip.dst', '-e', 'ipv6.dst', '-e', 'tcp.dstport'])
    .split('\n').filter(Boolean).map((l) => l.split('\t'));
  const streams = new Map();
  for (const [s, f, s4, s6, sp, d4, d6, dp] of rows) {
    const n = Number(s);
    if (!streams.has(n)) streams.set(n, { stream: n, firstFrame: Number(f), src: s4 || s6, sport: Number(sp), dst: d4 || d6, dport: Number(dp) });
  }
  const out = { tshark: version, frames, tcpFrames: rows.length, streams: [...streams.values()].sort((a, b) => a.stream - b.stream) };
  writeFileSync(path.join(OUT, `${name}.json`), JSON.stringify(out, null, 1) + '\n');
  console.log(`${name}: ${frames} frames, ${streams.size} TCP streams`);
}
