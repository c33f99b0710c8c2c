#!/usr/bin/env node
// Build golden expectations for every capture in fixtures/ from tshark/capinfos
// output only (never from handshake-lens itself).
//
// For fixtures/<name> it writes test/golden/<name>/:
//   capinfos.json  frame count, earliest/latest timestamp (9 decimals), encapsulation
//   frames.tsv     one line per frame, selected TCP/IP fields (tshark -T fields)
//   streams.json   one object per tcp.stream: endpoints, key frames, TLS facts
//
// Per-fixture extra tshark arguments (e.g. `-d tcp.port==8080,tls`) come from
// test/golden/options.json: { "<fixture file name>": ["-d", "tcp.port==8080,tls"] }.
// Conventions (which frame counts as what) follow /work/shared/wireshark-conventions.md;
// a copy of the rules used is in test/golden/README.md.
//
// Usage: node scripts/make-golden.mjs [fixture-name ...]   (default: all fixtures)

import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FIXTURES = path.join(ROOT, 'fixtures');
const GOLDEN = path.join(ROOT, 'test', 'golden');
const OPTIONS_FILE = path.join(GOLDEN, 'options.json');

/** Fixture subfolders that have goldens of their own (test/golden/<dir>/<file>/). */
const SUBDIRS = ['findings', 'lossy'];
const CAPTURE_RE = /\.(pcap|pcapng|cap)(\.gz|\.lz4)?$/i;
const HRR_RANDOM = 'cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c';

const REASSEMBLY_PREFS = [
  '-o', 'tcp.desegment_tcp_streams:TRUE',
  '-o', 'tls.desegment_ssl_records:TRUE',
  '-o', 'tls.desegment_ssl_application_data:TRUE',
  '-o', 'tcp.reassemble_out_of_order:TRUE',
];

const FRAME_FIELDS = [
  'frame.number', 'frame.time_epoch', 'frame.len', 'frame.cap_len',
  'ip.src', 'ip.dst', 'ipv6.src', 'ipv6.dst',
  'tcp.srcport', 'tcp.dstport', 'tcp.flags', 'tcp.len',
  'tcp.seq_raw', 'tcp.ack_raw', 'tcp.stream',
];

const STREAM_FIELDS = [
  'frame.number', 'tcp.stream',
  'ip.src', 'ip.dst', 'ipv6.src', 'ipv6.dst',
  'tcp.srcport', 'tcp.dstport', 'tcp.flags', 'tcp.len', 'tcp.seq_raw', 'tcp.ack_raw',
  'tcp.analysis.initial_rtt',
  'tls.record.content_type', 'tls.record.opaque_type',
  'tls.handshake.type', 'tls.handshake.random', 'tls.handshake.version',
  'tls.handshake.extensions.supported_version', 'tls.handshake.ciphersuite',
  'tls.handshake.extensions_server_name',
];

function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.error) throw r.error;
  const stderr = (r.stderr || '')
    .split('\n')
    .filter((l) => l && !/^Running as user "root"/.test(l))
    .join('\n');
  return { status: r.status, stdout: r.stdout || '', stderr };
}

function tsharkFields(file, extra, fields, occurrence) {
  const args = ['-n', '-r', file, ...extra, '-T', 'fields', '-E', 'header=y', '-E', 'separator=/t'];
  if (occurrence === 'f') args.push('-E', 'occurrence=f');
  else args.push('-E', 'occurrence=a', '-E', 'aggregator=,');
  for (const f of fields) args.push('-e', f);
  const r = run('tshark', args);
  // A damaged file makes tshark exit non-zero after printing the frames it could read.
  if (r.status !== 0 && r.stdout.trim() === '') {
    throw new Error(`tshark failed on ${file}: ${r.stderr}`);
  }
  return r;
}

/** "1357328848.512314" -> "1357328848.512314000" (always 9 decimals). */
function nineDecimals(t) {
  const [s, frac = ''] = t.trim().split('.');
  return `${s}.${(frac + '000000000').slice(0, 9)}`;
}

function epochKey(t) {
  const [s, frac] = nineDecimals(t).split('.');
  return BigInt(s) * 1000000000n + BigInt(frac);
}

function capinfosJson(file, tsvRows) {
  const r = run('capinfos', ['-M', '-T', '-r', '-c', '-a', '-e', '-E', '-S', file]);
  const line = r.stdout.trim().split('\n').find((l) => l.includes('\t'));
  if (r.status === 0 && line) {
    const [, encapsulation, frames, first, last] = line.split('\t');
    return {
      frames: Number(frames),
      first: nineDecimals(first),
      last: nineDecimals(last),
      encapsulation,
    };
  }
  // capinfos refused the file (e.g. a damaged record header): use what tshark read.
  let min = null;
  let max = null;
  for (const row of tsvRows) {
    const t = row['frame.time_epoch'];
    if (!t) continue;
    const k = epochKey(t);
    if (min === null || k < min.k) min = { k, t };
    if (max === null || k > max.k) max = { k, t };
  }
  const enc = run('tshark', ['-n', '-r', file, '-T', 'fields', '-E', 'occurrence=f', '-e', 'frame.encap_type', '-c', '1']);
  return {
    frames: tsvRows.length,
    first: min ? nineDecimals(min.t) : null,
    last: max ? nineDecimals(max.t) : null,
    encapsulation: encapName(enc.stdout.trim()),
    capinfosFailed: true,
    capinfosError: r.stderr.trim().split('\n').filter(Boolean),
  };
}

// Only what the fallback needs: wiretap encapsulation numbers -> capinfos short names.
function encapName(n) {
  const names = { 1: 'ether', 7: 'rawip', 15: 'null', 25: 'linux-sll', 210: 'linux-sll2', 0: 'unknown' };
  return names[Number(n)] ?? `wtap-encap-${n}`;
}

function parseTsv(text) {
  const lines = text.split('\n').filter((l) => l.length > 0);
  const header = lines.shift().split('\t');
  return {
    header,
    rows: lines.map((l) => {
      const cols = l.split('\t');
      const o = {};
      header.forEach((h, i) => (o[h] = cols[i] ?? ''));
      return o;
    }),
  };
}

const list = (v) => (v ? v.split(',').filter((x) => x !== '') : []);
const first = (v) => list(v)[0] ?? '';
const num = (v) => (v === '' || v === undefined ? null : Number(v));

const SYN = 0x02, RST = 0x04, FIN = 0x01, ACK = 0x10;

function buildStreams(rows) {
  /** @type {Map<number, any[]>} */
  const byStream = new Map();
  for (const r of rows) {
    const s = first(r['tcp.stream']);
    if (s === '') continue;
    const pkt = {
      frame: Number(r['frame.number']),
      src: first(r['ip.src']) || first(r['ipv6.src']),
      dst: first(r['ip.dst']) || first(r['ipv6.dst']),
      sport: Number(first(r['tcp.srcport'])),
      dport: Number(first(r['tcp.dstport'])),
      flags: Number(first(r['tcp.flags'])),
      len: Number(first(r['tcp.len']) || 0),
      seq: BigInt(first(r['tcp.seq_raw']) || 0),
      ack: BigInt(first(r['tcp.ack_raw']) || 0),
      initialRtt: first(r['tcp.analysis.initial_rtt']),
      contentTypes: [...list(r['tls.record.content_type']), ...list(r['tls.record.opaque_type'])].map(Number),
      hsTypes: list(r['tls.handshake.type']).map(Number),
      randoms: list(r['tls.handshake.random']).map((x) => x.toLowerCase()),
      versions: list(r['tls.handshake.version']).map(Number),
      supportedVersions: list(r['tls.handshake.extensions.supported_version']).map(Number),
      ciphers: list(r['tls.handshake.ciphersuite']).map(Number),
      sni: first(r['tls.handshake.extensions_server_name']),
    };
    const id = Number(s);
    if (!byStream.has(id)) byStream.set(id, []);
    byStream.get(id).push(pkt);
  }

  const out = [];
  for (const id of [...byStream.keys()].sort((a, b) => a - b)) {
    out.push(analyseStream(id, byStream.get(id)));
  }
  return out;
}

function analyseStream(id, pkts) {
  const ep = (p, dir) => (dir === 'src' ? `${p.src}|${p.sport}` : `${p.dst}|${p.dport}`);

  // Who is the client? 1) sender of the first SYN without ACK; 2) sender of a
  // ClientHello; 3) the side on the lower (well-known) port is the server.
  let clientKey = null;
  const syn = pkts.find((p) => (p.flags & (SYN | ACK)) === SYN);
  if (syn) clientKey = ep(syn, 'src');
  if (!clientKey) {
    const ch = pkts.find((p) => p.hsTypes.includes(1));
    if (ch) clientKey = ep(ch, 'src');
  }
  if (!clientKey) {
    const p = pkts[0];
    if (p.sport < p.dport) clientKey = ep(p, 'dst');
    else clientKey = ep(p, 'src'); // higher port (or equal: first sender) is the client
  }
  const isClient = (p) => ep(p, 'src') === clientKey;
  const p0 = pkts[0];
  const [cIp, cPort] = isClient(p0) ? [p0.src, p0.sport] : [p0.dst, p0.dport];
  const [sIp, sPort] = isClient(p0) ? [p0.dst, p0.dport] : [p0.src, p0.sport];

  const firstWhere = (pred) => pkts.find(pred)?.frame ?? null;

  const clientSyns = pkts.filter((p) => isClient(p) && (p.flags & (SYN | ACK)) === SYN);
  const serverSynAcks = pkts.filter((p) => !isClient(p) && (p.flags & (SYN | ACK)) === (SYN | ACK));
  const synAck = serverSynAcks[0] ?? null;

  let handshakeAck = null;
  if (synAck) {
    const want = (synAck.seq + 1n) & 0xffffffffn;
    const p = pkts.find(
      (q) =>
        q.frame > synAck.frame &&
        isClient(q) &&
        (q.flags & ACK) !== 0 &&
        (q.flags & (SYN | FIN | RST)) === 0 &&
        q.len === 0 &&
        q.ack === want,
    );
    handshakeAck = p ? p.frame : null;
  }

  const isHrr = (p) => p.hsTypes.includes(2) && p.randoms.includes(HRR_RANDOM);
  const helloRetry = pkts.some((p) => !isClient(p) && isHrr(p));
  const chPkt = pkts.find((p) => p.hsTypes.includes(1)) ?? null;
  // The negotiated ServerHello: a handshake type 2 from the server whose random is not the HRR one.
  const shPkt =
    pkts.find((p) => !isClient(p) && p.hsTypes.includes(2) && p.randoms.some((r) => r !== HRR_RANDOM)) ?? null;

  let version = null;
  let cipher = null;
  if (shPkt) {
    version = shPkt.supportedVersions.length > 0 ? shPkt.supportedVersions[0] : (shPkt.versions[0] ?? null);
    cipher = shPkt.ciphers[0] ?? null;
  }

  const rstPkt = pkts.find((p) => (p.flags & RST) !== 0) ?? null;
  const rttStr = pkts.find((p) => p.initialRtt !== '')?.initialRtt ?? '';

  return {
    stream: id,
    client: { ip: cIp, port: cPort },
    server: { ip: sIp, port: sPort },
    frames: {
      firstSyn: clientSyns[0]?.frame ?? null,
      synAck: synAck ? synAck.frame : null,
      handshakeAck,
      clientHello: chPkt ? chPkt.frame : null,
      serverHello: shPkt ? shPkt.frame : null,
      ccsClient: firstWhere((p) => isClient(p) && p.contentTypes.includes(20)),
      ccsServer: firstWhere((p) => !isClient(p) && p.contentTypes.includes(20)),
      appDataClient: firstWhere((p) => isClient(p) && p.contentTypes.includes(23)),
      appDataServer: firstWhere((p) => !isClient(p) && p.contentTypes.includes(23)),
      finClient: firstWhere((p) => isClient(p) && (p.flags & FIN) !== 0),
      finServer: firstWhere((p) => !isClient(p) && (p.flags & FIN) !== 0),
      rst: rstPkt ? rstPkt.frame : null,
    },
    rstFrom: rstPkt ? (isClient(rstPkt) ? 'client' : 'server') : null,
    synCount: clientSyns.length,
    synAckCount: serverSynAcks.length,
    initialRtt: rttStr === '' ? null : Number(rttStr),
    sni: chPkt && chPkt.sni !== '' ? chPkt.sni : null,
    version,
    cipher,
    helloRetry,
    alertFrames: pkts.filter((p) => p.contentTypes.includes(21)).map((p) => p.frame),
    packets: pkts.length,
  };
}

function main() {
  const options = existsSync(OPTIONS_FILE) ? JSON.parse(readFileSync(OPTIONS_FILE, 'utf8')) : {};
  // Names as given (fixtures/findings/x.pcap, findings/x.pcap) or bare file names.
  const wanted = process.argv.slice(2).map((a) => a.replace(/^(\.\/)?fixtures\//, ''));
  const captures = (dir) =>
    readdirSync(path.join(FIXTURES, dir))
      .filter((f) => CAPTURE_RE.test(f) && statSync(path.join(FIXTURES, dir, f)).isFile())
      .map((f) => path.posix.join(dir, f));
  // Top-level fixtures, and those in SUBDIRS (golden in test/golden/<subdir>/<name>/).
  const files = [...captures('.'), ...SUBDIRS.filter((d) => existsSync(path.join(FIXTURES, d))).flatMap(captures)]
    .filter((f) => wanted.length === 0 || wanted.includes(f) || wanted.includes(path.basename(f)))
    .sort();
  const ver = run('tshark', ['-v']).stdout.split('\n')[0];
  for (const name of files) {
    const file = path.join(FIXTURES, name);
    const extra = options[name] ?? [];
    const outDir = path.join(GOLDEN, name);
    mkdirSync(outDir, { recursive: true });

    const fr = tsharkFields(file, [...REASSEMBLY_PREFS, ...extra], FRAME_FIELDS, 'f');
    writeFileSync(path.join(outDir, 'frames.tsv'), fr.stdout);
    const frames = parseTsv(fr.stdout);

    const cap = capinfosJson(file, frames.rows);
    writeFileSync(path.join(outDir, 'capinfos.json'), JSON.stringify(cap, null, 2) + '\n');

    const st = tsharkFields(file, [...REASSEMBLY_PREFS, ...extra], STREAM_FIELDS, 'a');
    const streams = buildStreams(parseTsv(st.stdout).rows);
    writeFileSync(path.join(outDir, 'streams.json'), JSON.stringify(streams, null, 2) + '\n');

    const note = fr.status !== 0 ? ` (tshark exit ${fr.status}: ${fr.stderr.split('\n')[0]})` : '';
    console.log(`${name}: ${frames.rows.length} frames, ${streams.length} tcp streams${note}`);
  }
  writeFileSync(
    path.join(GOLDEN, 'VERSION'),
    `${ver}\nprefs: ${REASSEMBLY_PREFS.filter((x) => x !== '-o').join(' ')}\n`,
  );
}

main();
