#!/usr/bin/env node
// Expected per-connection METRICS for every capture in fixtures/, computed from
// tshark's per-frame fields only, by the short rules written below (and in the
// README, "How the metrics are defined"). Nothing here calls handshake-lens.
//
// For fixtures/<name> it writes test/golden/<name>/metrics.json:
//   { "streams": [ { "stream": N, ...expected metrics... } ] }   one object per tcp.stream
//
// tshark options are the ones scripts/make-golden.mjs uses: the same reassembly
// preferences and the per-fixture arguments of test/golden/options.json.
//
// Usage: node scripts/make-metrics-golden.mjs [fixture-name ...]   (default: all fixtures)
//
// ---------------------------------------------------------------- the rules
// Words: a stream's frames are those tshark gives its tcp.stream, in frame
// order. The client/server split is the one of streams.json (sender of the
// first SYN without ACK; else the sender of the first ClientHello; else the
// side on the lower port is the server). A "record" is one entry of
// tls.record.content_type or tls.record.opaque_type (tshark shows a record in
// the frame where it completes). Times are frame.time_epoch; "A -> B" is
// B's time minus A's, in ms.
//
// origin       = the first client SYN (without ACK); with none (midstream),
//                the stream's first frame.
// TLS          = the stream has a frame with tls.handshake.type 1 (ClientHello).
//                Its ClientHello is the FIRST such frame.
// negotiated   = the version of the first server frame with handshake type 2
//                whose random is not the HelloRetryRequest random
//                (supported_versions if present, else server_version).
// Finished (TLS <= 1.2, keys unknown): a side's Finished is its first record of
//                content type 22 after its first ChangeCipherSpec record (type 20),
//                in record order.
// Finished (TLS 1.3, keys unknown; an INFERENCE, as documented in the README):
//                everything after the ServerHello is sent as outer type 23, so the
//                handshake's end cannot be read. The client's flight is its type-23
//                records in frames after the ServerHello frame (type-23 records before
//                it are 0-RTT early data); its Finished is the first of the flight's
//                first four records whose tls.record.length is a Finished's (hash
//                length + 4 + 1 + 16: 53, or 69 with TLS_AES_256_GCM_SHA384) — a
//                client certificate's Certificate and CertificateVerify come before
//                it — else the flight's first record.
// handshake end = TLS <= 1.2: the later of the two Finished frames; TLS 1.3: the
//                client's (inferred) Finished frame; none when either is missing.
//
// setup.endFrame  = TLS: the handshake end frame (null if the handshake did not
//                   complete); plain TCP: the handshake-completing ACK (the client's
//                   first segment after the first SYN-ACK with only ACK set, no
//                   payload and ack = SYN-ACK seq + 1; null if none).
// setup.ms        = origin -> setup.endFrame; null when there is no end or no SYN.
// setup.packets   = frames of the stream numbered <= setup.endFrame (0 when no end).
// setup.bytes     = sum of frame.len over those frames (0 when no end).
// setup.certificateBytes = tls.certificateBytes (0 without TLS, null when unknown).
// setup.roundTrips = server flights the client waited for before setup ended:
//                   take the stream's frames numbered <= setup.endFrame that "say
//                   something": the first SYN, the first SYN-ACK, the completing ACK,
//                   and every frame with TCP payload (tcp.len > 0) — not pure ACKs,
//                   not retransmitted SYNs/SYN-ACKs, not bare FIN/RST. A server flight
//                   is a maximal run of consecutive such frames sent by the server;
//                   roundTrips = number of server flights. null when setup did not end.
// tls.handshakeMs = ClientHello frame -> handshake end frame; null when no end.
// tls.handshakeEndInferred = TLS 1.3 and the handshake ended (by the inference above).
// tls.certificateBytes / certificateCount = over the server's frames showing
//                   handshake type 11 (in clear: TLS <= 1.2), the sum and the number of
//                   tls.handshake.certificate_length entries (the DER bytes of each
//                   certificate, without the 3-byte length prefixes). 0 and 0 when none
//                   was sent for sure (a TLS <= 1.2 server flight that reached its
//                   Finished without one; a TLS 1.3 ServerHello that selected a PSK);
//                   null (unknown) otherwise: TLS 1.3 sends the Certificate encrypted.
// mid-stream TLS  = no ClientHello and no SYN, but both sides carry TLS records:
//                   tls with handshakeMs null, nothing offered, certificates null.
// tls.versionsOffered / keyShareGroupsOffered / alpnOffered = the ClientHello
//                   frame's tls.handshake.extensions.supported_version /
//                   extensions_key_share_group / extensions_alpn_str, every entry in
//                   wire order (GREASE values included); [] when absent.
// firstDataMs.X   = origin -> the frame of side X's first application data:
//                   plain TCP: X's first frame with tcp.len > 0;
//                   TLS <= 1.2: X's first record of type 23;
//                   TLS 1.3: client: its first type-23 record after the one taken as
//                   its Finished (same frame or later); server: its first type-23
//                   record in a frame after the client's Finished frame (records
//                   before are the encrypted handshake, by the same inference);
//                   null when there is none.
// lifetimeMs      = the stream's first frame -> its last frame (file order).
// teardown        = the stream's first frame with FIN or RST: initiator = its sender,
//                   by = 'FIN' if it has FIN else 'RST', ms = that frame -> the
//                   stream's last frame; all null when there is none.
// state           = in this order: (SYN seen, no SYN-ACK) the server sent RST ->
//                   'refused'; the server sent nothing -> 'unanswered'; any RST ->
//                   'reset'; no SYN -> 'midstream'; FIN from both sides -> 'complete';
//                   FIN from one side -> 'half-closed'; else 'open'.
// ----------------------------------------------------------------

import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync, existsSync, statSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FIXTURES = path.join(ROOT, 'fixtures');
const GOLDEN = path.join(ROOT, 'test', 'golden');
const OPTIONS_FILE = path.join(GOLDEN, 'options.json');
const CAPTURE_RE = /\.(pcap|pcapng|cap)(\.gz|\.lz4)?$/i;
/** Fixture subfolders with metrics goldens of their own (test/golden/<dir>/<file>/metrics.json). */
const SUBDIRS = ['findings', 'lossy'];
const HRR_RANDOM = 'cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c';

// The same preferences as scripts/make-golden.mjs.
const REASSEMBLY_PREFS = [
  '-o', 'tcp.desegment_tcp_streams:TRUE',
  '-o', 'tls.desegment_ssl_records:TRUE',
  '-o', 'tls.desegment_ssl_application_data:TRUE',
  '-o', 'tcp.reassemble_out_of_order:TRUE',
];

// Aggregator for multi-occurrence fields: a control character no ALPN string carries.
const AGG = '\x1f';

const FIELDS = [
  'frame.number', 'frame.time_epoch', 'frame.len', 'tcp.stream',
  'ip.src', 'ipv6.src', 'tcp.srcport', 'ip.dst', 'ipv6.dst', 'tcp.dstport',
  'tcp.flags', 'tcp.len', 'tcp.seq_raw', 'tcp.ack_raw',
  'tls.record.content_type', 'tls.record.opaque_type',
  'tls.handshake.type', 'tls.handshake.random', 'tls.handshake.version',
  'tls.handshake.extensions.supported_version',
  'tls.handshake.extensions_key_share_group',
  'tls.handshake.extensions_alpn_str',
  'tls.handshake.certificate_length',
  'tls.record.length', 'tls.handshake.ciphersuite', 'tls.handshake.extensions.psk.identity.selected',
];

const SYN = 0x02, RST = 0x04, FIN = 0x01, ACK = 0x10;

function tshark(file, extra) {
  const args = ['-n', '-r', file, ...REASSEMBLY_PREFS, ...extra, '-T', 'fields', '-E', 'header=y',
    '-E', 'separator=/t', '-E', 'occurrence=a', '-E', `aggregator=${AGG}`];
  for (const f of FIELDS) args.push('-e', f);
  const r = spawnSync('tshark', args, { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.error) throw r.error;
  if (r.status !== 0 && (r.stdout || '').trim() === '') throw new Error(`tshark failed on ${file}: ${r.stderr}`);
  return r.stdout;
}

const list = (v) => (v ? v.split(AGG).filter((x) => x !== '') : []);
const first = (v) => list(v)[0] ?? '';

/** Epoch string -> BigInt nanoseconds. */
function ns(t) {
  const [s, frac = ''] = t.trim().split('.');
  return BigInt(s) * 1000000000n + BigInt((frac + '000000000').slice(0, 9));
}
/** a -> b in ms, exact to the nanosecond. */
const msBetween = (a, b) => Number(b.ns - a.ns) / 1e6;

function parse(text) {
  const lines = text.split('\n').filter((l) => l.length > 0);
  const header = lines.shift().split('\t');
  const byStream = new Map();
  for (const line of lines) {
    const cols = line.split('\t');
    const r = {};
    header.forEach((h, i) => (r[h] = cols[i] ?? ''));
    const s = first(r['tcp.stream']);
    if (s === '') continue;
    const contentTypes = list(r['tls.record.content_type']).map(Number);
    const opaque = list(r['tls.record.opaque_type']).map(Number);
    const p = {
      frame: Number(r['frame.number']),
      ns: ns(r['frame.time_epoch']),
      len: Number(r['frame.len']),
      src: `${first(r['ip.src']) || first(r['ipv6.src'])}|${first(r['tcp.srcport'])}`,
      dst: `${first(r['ip.dst']) || first(r['ipv6.dst'])}|${first(r['tcp.dstport'])}`,
      sport: Number(first(r['tcp.srcport'])),
      dport: Number(first(r['tcp.dstport'])),
      flags: Number(first(r['tcp.flags'])),
      tcpLen: Number(first(r['tcp.len']) || 0),
      seq: BigInt(first(r['tcp.seq_raw']) || 0),
      ack: BigInt(first(r['tcp.ack_raw']) || 0),
      // Record order inside a frame: cleartext records (content_type) come before the
      // TLS 1.3 encrypted ones (opaque_type), which only follow a ServerHello/CCS.
      records: [...contentTypes, ...opaque],
      hsTypes: list(r['tls.handshake.type']).map(Number),
      randoms: list(r['tls.handshake.random']).map((x) => x.toLowerCase()),
      versions: list(r['tls.handshake.version']).map(Number),
      supportedVersions: list(r['tls.handshake.extensions.supported_version']).map(Number),
      keyShareGroups: list(r['tls.handshake.extensions_key_share_group']).map(Number),
      alpn: list(r['tls.handshake.extensions_alpn_str']),
      certLengths: list(r['tls.handshake.certificate_length']).map(Number),
      // Lengths of the records in the same order as \`records\` (tshark lists them in frame order).
      recordLengths: list(r['tls.record.length']).map(Number),
      ciphers: list(r['tls.handshake.ciphersuite']).map(Number),
      pskSelected: list(r['tls.handshake.extensions.psk.identity.selected']).length > 0,
    };
    const id = Number(s);
    if (!byStream.has(id)) byStream.set(id, []);
    byStream.get(id).push(p);
  }
  return byStream;
}

function metrics(id, pkts) {
  // Client/server: as streams.json.
  let clientKey = null;
  const synPkt = pkts.find((p) => (p.flags & (SYN | ACK)) === SYN);
  if (synPkt) clientKey = synPkt.src;
  if (!clientKey) clientKey = pkts.find((p) => p.hsTypes.includes(1))?.src ?? null;
  if (!clientKey) clientKey = pkts[0].sport < pkts[0].dport ? pkts[0].dst : pkts[0].src;
  const isClient = (p) => p.src === clientKey;
  const sideOf = (p) => (isClient(p) ? 'client' : 'server');

  const firstPkt = pkts[0];
  const lastPkt = pkts[pkts.length - 1];
  const syn = pkts.find((p) => isClient(p) && (p.flags & (SYN | ACK)) === SYN) ?? null;
  const synAck = pkts.find((p) => !isClient(p) && (p.flags & (SYN | ACK)) === (SYN | ACK)) ?? null;
  const origin = syn ?? firstPkt;
  let handshakeAck = null;
  if (synAck) {
    const want = (synAck.seq + 1n) & 0xffffffffn;
    handshakeAck = pkts.find((q) => q.frame > synAck.frame && isClient(q) &&
      (q.flags & (SYN | FIN | RST | ACK)) === ACK && q.tcpLen === 0 && q.ack === want) ?? null;
  }

  // ---- TLS
  const ch = pkts.find((p) => p.hsTypes.includes(1)) ?? null;
  let tls = null;
  let handshakeEnd = null;
  let firstData = { client: null, server: null };
  if (ch) {
    const sh = pkts.find((p) => !isClient(p) && p.hsTypes.includes(2) && p.randoms.some((r) => r !== HRR_RANDOM)) ?? null;
    const version = sh ? (sh.supportedVersions[0] ?? sh.versions[0] ?? null) : null;
    const tls13 = version === 0x0304 || (version !== null && (version & 0xff00) === 0x7f00);
    const recs = (side) =>
      pkts.filter((p) => sideOf(p) === side).flatMap((p) => p.records.map((t, i) => ({ t, p, len: p.recordLengths[i] ?? 0 })));

    if (tls13) {
      // Inference: the client's flight after the ServerHello frame is sent as type-23 records. Its
      // Finished is the record of a Finished's size (hash length + 4-byte header + 1 content type +
      // 16-byte tag: 53 with SHA-256 suites, 69 with SHA-384) among the flight's first four records
      // (Certificate and CertificateVerify come first with a client certificate); if none has that
      // size, the first record. Type-23 records before the ServerHello are 0-RTT early data.
      const hashLen = sh.ciphers[0] === 0x1302 ? 48 : 32;
      const c23 = recs('client').filter((r) => r.t === 23 && r.p.frame > sh.frame);
      const sized = c23.slice(0, 4).findIndex((r) => r.len === hashLen + 21);
      const finIdx = c23.length === 0 ? -1 : sized >= 0 ? sized : 0;
      const fin = finIdx >= 0 ? c23[finIdx].p : null;
      handshakeEnd = fin;
      firstData.client = finIdx >= 0 ? c23[finIdx + 1]?.p ?? null : null;
      firstData.server = fin ? recs('server').find((r) => r.t === 23 && r.p.frame > fin.frame)?.p ?? null : null;
    } else {
      const finished = (side) => {
        let ccs = false;
        for (const r of recs(side)) {
          if (r.t === 20) ccs = true;
          else if (ccs && r.t === 22) return r.p;
        }
        return null;
      };
      const fc = sh ? finished('client') : null;
      const fs = sh ? finished('server') : null;
      handshakeEnd = fc && fs ? (fc.frame > fs.frame ? fc : fs) : null;
      firstData.client = recs('client').find((r) => r.t === 23)?.p ?? null;
      firstData.server = recs('server').find((r) => r.t === 23)?.p ?? null;
    }
    // Certificates: what the server's Certificate messages show (TLS <= 1.2); 0 when it is known that
    // none was sent (a TLS <= 1.2 server flight that reached its Finished without one, a TLS 1.3
    // PSK resumption); null (unknown) otherwise: TLS 1.3 sends them encrypted, a lost flight hides them.
    const certs = tls13 ? [] : pkts.filter((p) => !isClient(p) && p.hsTypes.includes(11)).flatMap((p) => p.certLengths);
    const serverFinished = !tls13 && sh !== null && recs('server').some((r, i, all) => r.t === 22 && all.slice(0, i).some((x) => x.t === 20));
    const known = certs.length > 0 || (tls13 ? sh !== null && sh.pskSelected : serverFinished);
    tls = {
      handshakeMs: handshakeEnd ? msBetween(ch, handshakeEnd) : null,
      handshakeEndInferred: tls13 && handshakeEnd !== null,
      certificateBytes: known ? certs.reduce((a, b) => a + b, 0) : null,
      certificateCount: known ? certs.length : null,
      versionsOffered: ch.supportedVersions,
      keyShareGroupsOffered: ch.keyShareGroups,
      alpnOffered: ch.alpn,
    };
  } else if (!syn && ['client', 'server'].every((side) => pkts.some((p) => sideOf(p) === side && p.records.length > 0))) {
    // Mid-stream TLS: no ClientHello and no SYN, but both sides carry TLS records as tshark dissects
    // them: TLS, with no handshake timing and nothing known of the hellos or certificates.
    const recs = (side) => pkts.filter((p) => sideOf(p) === side).flatMap((p) => p.records.map((t) => ({ t, p })));
    firstData.client = recs('client').find((r) => r.t === 23)?.p ?? null;
    firstData.server = recs('server').find((r) => r.t === 23)?.p ?? null;
    tls = {
      handshakeMs: null,
      handshakeEndInferred: false,
      certificateBytes: null,
      certificateCount: null,
      versionsOffered: [],
      keyShareGroupsOffered: [],
      alpnOffered: [],
    };
  } else {
    firstData.client = pkts.find((p) => isClient(p) && p.tcpLen > 0) ?? null;
    firstData.server = pkts.find((p) => !isClient(p) && p.tcpLen > 0) ?? null;
  }

  // ---- setup
  const end = ch ? handshakeEnd : handshakeAck;
  let roundTrips = 0;
  let packets = 0;
  let bytes = 0;
  if (end) {
    let prev = null;
    for (const p of pkts) {
      if (p.frame > end.frame) continue;
      packets++;
      bytes += p.len;
      const says = p === syn || p === synAck || p === handshakeAck || p.tcpLen > 0;
      if (!says) continue;
      const side = sideOf(p);
      if (side === 'server' && prev !== 'server') roundTrips++;
      prev = side;
    }
  }

  // ---- teardown and state
  const tear = pkts.find((p) => (p.flags & (FIN | RST)) !== 0) ?? null;
  const rstFrom = (side) => pkts.some((p) => sideOf(p) === side && (p.flags & RST) !== 0);
  const finFrom = (side) => pkts.some((p) => sideOf(p) === side && (p.flags & FIN) !== 0);
  let state;
  if (syn && !synAck && rstFrom('server')) state = 'refused';
  // Unanswered: nothing from the server, and the client never acknowledged anything from it either (a
  // capture holding only the client's packets shows the server answered through the client's ACKs).
  else if (syn && !synAck && !pkts.some((p) => !isClient(p)) && !pkts.some((p) => isClient(p) && (p.flags & ACK) !== 0)) state = 'unanswered';
  else if (rstFrom('client') || rstFrom('server')) state = 'reset';
  else if (!syn) state = 'midstream';
  else if (finFrom('client') && finFrom('server')) state = 'complete';
  else if (finFrom('client') || finFrom('server')) state = 'half-closed';
  else state = 'open';

  const dataMs = (p) => (p ? msBetween(origin, p) : null);
  return {
    stream: id,
    tls,
    setup: {
      ms: end && syn ? msBetween(syn, end) : null,
      roundTrips: end ? roundTrips : null,
      bytes,
      packets,
      certificateBytes: tls ? tls.certificateBytes : 0,
      endFrame: end ? end.frame : null,
    },
    firstDataMs: { client: dataMs(firstData.client), server: dataMs(firstData.server) },
    lifetimeMs: msBetween(firstPkt, lastPkt),
    teardown: tear
      ? { initiator: sideOf(tear), by: (tear.flags & FIN) !== 0 ? 'FIN' : 'RST', ms: msBetween(tear, lastPkt) }
      : { initiator: null, by: null, ms: null },
    state,
  };
}

function main() {
  const options = existsSync(OPTIONS_FILE) ? JSON.parse(readFileSync(OPTIONS_FILE, 'utf8')) : {};
  const wanted = process.argv.slice(2).map((a) => a.replace(/^(\.\/)?fixtures\//, ''));
  const captures = (dir) =>
    readdirSync(path.join(FIXTURES, dir))
      .filter((f) => CAPTURE_RE.test(f) && statSync(path.join(FIXTURES, dir, f)).isFile())
      .map((f) => path.posix.join(dir, f));
  const files = [...captures('.'), ...SUBDIRS.filter((d) => existsSync(path.join(FIXTURES, d))).flatMap(captures)]
    .filter((f) => wanted.length === 0 || wanted.includes(f) || wanted.includes(path.basename(f)))
    .sort();
  for (const name of files) {
    const byStream = parse(tshark(path.join(FIXTURES, name), options[name] ?? []));
    const streams = [...byStream.keys()].sort((a, b) => a - b).map((id) => metrics(id, byStream.get(id)));
    const outDir = path.join(GOLDEN, name);
    mkdirSync(outDir, { recursive: true });
    writeFileSync(path.join(outDir, 'metrics.json'), JSON.stringify({ streams }, null, 2) + '\n');
    console.log(`${name}: ${streams.length} tcp streams`);
  }
}

main();
