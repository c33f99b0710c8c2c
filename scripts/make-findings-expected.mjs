#!/usr/bin/env node
// Writes fixtures/findings/expected.json: for every capture in fixtures/findings/
// and every tcp.stream, the findings its scenario must produce (code and the frame
// where tshark shows the evidence), from the scenario's design (see
// scripts/record-findings.sh) and tshark's fields of the same file. Never from
// handshake-lens.
//
// Evidence frames, per code (tshark 4.0 fields):
//   syn-retransmit        first client SYN flagged tcp.analysis.retransmission
//   synack-retransmit     first server SYN-ACK flagged tcp.analysis.retransmission
//   accept-overflow-reset the server's RST
//   connect-timeout       the client's last SYN (no SYN-ACK, no RST in the stream)
//   handshake-failed      the frame with tls.alert_message.desc (alert name and sender as detail)
//   response-timeout      the client's FIN
//   slow-first-byte       the server's first payload frame after the request
//   retry/-no-backoff     the stream's first SYN
//   zero-window           first frame of that side flagged tcp.analysis.zero_window
//   idle-close            the first FIN of the connection
//   stale-reuse           the RST of the side whose FIN came first
// Usage: node scripts/make-findings-expected.mjs
import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIR = path.join(ROOT, 'fixtures', 'findings');
const FIELDS = [
  'frame.number', 'frame.time_epoch', 'tcp.stream', 'ip.src', 'tcp.srcport', 'tcp.flags', 'tcp.len',
  'tcp.analysis.retransmission', 'tcp.analysis.zero_window', 'tcp.analysis.window_full',
  'tls.alert_message.desc',
];
const SYN = 0x02, ACK = 0x10, FIN = 0x01, RST = 0x04;
// TLS alert descriptions (RFC 8446 6.2) for the ones the scenarios produce.
const ALERTS = { 48: 'unknown_ca', 70: 'protocol_version', 40: 'handshake_failure', 42: 'bad_certificate' };

function streams(file) {
  const r = spawnSync('tshark', ['-n', '-r', file, '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=f', ...FIELDS.flatMap((f) => ['-e', f])], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tshark ${file}: ${r.stderr}`);
  const by = new Map();
  for (const line of r.stdout.split('\n').filter(Boolean)) {
    const c = line.split('\t');
    const p = {
      frame: Number(c[0]), time: Number(c[1]), stream: Number(c[2]), src: `${c[3]}:${c[4]}`,
      flags: Number(c[5]), len: Number(c[6] || 0), retrans: c[7] !== '', zeroWin: c[8] !== '', windowFull: c[9] !== '',
      alert: c[10] === '' ? null : Number(c[10]),
    };
    if (!by.has(p.stream)) by.set(p.stream, []);
    by.get(p.stream).push(p);
  }
  return [...by.keys()].sort((a, b) => a - b).map((id) => describe(id, by.get(id)));
}

/** The facts of one stream the expectations are written with. */
function describe(id, pkts) {
  const client = pkts.find((p) => (p.flags & (SYN | ACK)) === SYN).src;
  for (const p of pkts) p.side = p.src === client ? 'client' : 'server';
  const of = (side) => pkts.filter((p) => p.side === side);
  const first = (xs) => xs[0]?.frame ?? null;
  const syns = of('client').filter((p) => (p.flags & (SYN | ACK)) === SYN);
  const synAcks = of('server').filter((p) => (p.flags & (SYN | ACK)) === (SYN | ACK));
  const data = (side) => of(side).filter((p) => p.len > 0 && !p.retrans && (p.flags & SYN) === 0);
  return {
    id, pkts,
    syns, synAcks,
    synRetrans: first(syns.filter((p) => p.retrans)),
    synAckRetrans: first(synAcks.filter((p) => p.retrans)),
    lastSyn: syns[syns.length - 1]?.frame ?? null,
    firstSyn: syns[0]?.frame ?? null,
    fin: { client: first(of('client').filter((p) => p.flags & FIN)), server: first(of('server').filter((p) => p.flags & FIN)) },
    rst: { client: first(of('client').filter((p) => p.flags & RST)), server: first(of('server').filter((p) => p.flags & RST)) },
    data: { client: data('client'), server: data('server') },
    zeroWindow: { client: first(of('client').filter((p) => p.zeroWin)), server: first(of('server').filter((p) => p.zeroWin)) },
    alert: pkts.find((p) => p.alert !== null) ?? null,
    timeOf: (frame) => pkts.find((p) => p.frame === frame).time,
  };
}

/** Server payload frames that began a response >= ms after the client's last new request segment. */
function slowResponses(s, ms = 200) {
  const out = [];
  const all = [...s.data.client, ...s.data.server].sort((a, b) => a.frame - b.frame);
  for (let i = 1; i < all.length; i++) {
    const prev = all[i - 1], cur = all[i];
    if (prev.side === 'client' && cur.side === 'server' && (cur.time - prev.time) * 1000 >= ms) out.push(cur.frame);
  }
  return out;
}

/** The server's RST follows the client's handshake ACK, before any server payload and any FIN. */
function overflowReset(s) {
  if (s.rst.server === null || s.synAcks.length === 0) return false;
  const hsAck = s.pkts.find((p) => p.side === 'client' && p.frame > s.synAcks[0].frame && (p.flags & (SYN | FIN | RST)) === 0 && (p.flags & ACK) !== 0);
  return hsAck !== undefined && hsAck.frame < s.rst.server && s.data.server.length === 0 && s.fin.client === null && s.fin.server === null;
}

const f = (code, frame, detail) => (detail ? { code, frame, detail } : { code, frame });
const synFindings = (s) => [
  ...(s.synRetrans ? [f('syn-retransmit', s.synRetrans)] : []),
  ...(s.synAckRetrans ? [f('synack-retransmit', s.synAckRetrans)] : []),
];
const slow = (s) => slowResponses(s).slice(0, 1).map((fr) => f('slow-first-byte', fr));

// Per capture: the scenario's design, as a function of each stream's tshark facts.
const SCENARIOS = {
  // Two fillers complete the handshake, sit idle 5 s and close (the listener's RST follows their FIN);
  // two more have every SYN dropped (accept queue full) and give up.
  'a-syn-backlog-full.pcap': (s) =>
    s.synAcks.length > 0
      ? [f('idle-close', Math.min(...[s.fin.client, s.fin.server].filter((x) => x !== null)), { who: 'client' })]
      : [...synFindings(s), f('connect-timeout', s.lastSyn)],
  // Accept queue overflow with tcp_abort_on_overflow=1: the handshake ACK answered by the server's RST.
  // The server accept()s late, so a request sent before that waits: slow first byte.
  'b-accept-overflow-abort.pcap': (s) => [
    ...synFindings(s),
    ...(overflowReset(s) ? [f('accept-overflow-reset', s.rst.server)] : []),
    ...slow(s),
  ],
  // Overflow with tcp_abort_on_overflow=0: SYN-ACK retransmitted, the request retransmitted; late accept(): slow first byte.
  'c-accept-overflow-synack.pcap': (s) => [...synFindings(s), ...slow(s)],
  // SYNs dropped by a firewall: the connect times out; then a normal connection to another port.
  'd-connect-timeout-firewall.pcap': (s) => (s.synAcks.length === 0 ? [...synFindings(s), f('connect-timeout', s.lastSyn)] : []),
  'e-response-timeout.pcap': (s) => [f('response-timeout', s.fin.client)],
  'f-slow-first-byte-server-side.pcap': (s) => slow(s),
  // Refused five times, pauses 0.5, 1, 2, 4 s: retries that back off.
  'g-retry-backoff.pcap': (s) => (s.id === 0 ? [] : [f('retry', s.firstSyn, { attempt: s.id + 1, previous: s.id - 1 })]),
  // Refused four times at once: from the third attempt on, no backoff.
  'g-retry-no-backoff.pcap': (s) =>
    s.id === 0 ? [] : [f('retry', s.firstSyn, { attempt: s.id + 1, previous: s.id - 1 }), ...(s.id + 1 >= 3 ? [f('retry-no-backoff', s.firstSyn)] : [])],
  // Three connects to a port whose SYNs are dropped, 1.2 s connect timeout, pauses 0.5 and 2 s
  // (intervals 1.7 s, 3.2 s: backing off); then one normal connection to another port.
  'g-retry-after-connect-timeout.pcap': (s) =>
    s.synAcks.length > 0
      ? []
      : [...synFindings(s), f('connect-timeout', s.lastSyn), ...(s.id === 0 ? [] : [f('retry', s.firstSyn, { attempt: s.id + 1, previous: s.id - 1 })])],
  'h-zero-window.pcap': (s) => [
    ...(s.zeroWindow.client ? [f('zero-window', s.zeroWindow.client, { side: 'client' })] : []),
    ...(s.zeroWindow.server ? [f('zero-window', s.zeroWindow.server, { side: 'server' })] : []),
  ],
  // nginx closes the idle keep-alive connection (close_notify, FIN) after 2 s; the client writes 1 s later: RST.
  'i-nginx-idle-close-stale-reuse.pcap': (s) => [f('idle-close', s.fin.server, { who: 'server' }), f('stale-reuse', s.rst.server)],
  'j-tls-handshake-alerts.pcap': (s) => [
    f('handshake-failed', s.alert.frame, { alert: ALERTS[s.alert.alert] ?? String(s.alert.alert), from: s.alert.side }),
  ],
  'k-normal-closes.pcap': () => [],
};

const out = {};
for (const name of readdirSync(DIR).filter((n) => n.endsWith('.pcap')).sort()) {
  const design = SCENARIOS[name];
  if (!design) throw new Error(`no scenario for ${name}`);
  const per = {};
  for (const s of streams(path.join(DIR, name))) {
    per[s.id] = design(s).sort((a, b) => a.frame - b.frame || a.code.localeCompare(b.code));
    if (per[s.id].some((x) => x.frame === null || x.frame === undefined)) throw new Error(`${name} stream ${s.id}: evidence frame missing`);
  }
  out[name] = per;
}
writeFileSync(path.join(DIR, 'expected.json'), JSON.stringify(out, null, 2) + '\n');
console.log(`wrote fixtures/findings/expected.json (${Object.keys(out).length} captures)`);
