/**
 * The QUIC decoders (src/quic/header.ts, frames.ts, protection.ts, varint.ts,
 * version.ts, crypto-stream.ts) on real captures, packet by packet, against
 * tshark 4.0's dissection of the same files: `tshark -n -r F [-o
 * tls.keylog_file:K] -T json --no-duplicate-keys -J quic` (cached on disk by
 * tsharkOutput). For every QUIC packet tshark shows: header form, long packet
 * type (v1 and v2 numbering), version, DCID, SCID, token length, Length field,
 * packet length; for every packet tshark decrypts: the packet number, and of
 * its frames the CRYPTO offsets and lengths, the STREAM ids, offsets, lengths
 * and FIN bits, CONNECTION_CLOSE type, code and reason, HANDSHAKE_DONE, and
 * whether only PADDING/PING/ACK were there. The decoders are driven the way
 * RFC 9001 says (Initial keys from the client's first DCID, or the Retry's
 * SCID after a Retry; Handshake and 1-RTT keys from the key log's traffic
 * secrets and the ServerHello's cipher suite); nothing here compares our
 * output with itself.
 */
import { readFileSync } from 'node:fs';
import { readCapture } from '../../src/capture/index.js';
import { decodeFrame } from '../../src/decode/index.js';
import { CryptoStream } from '../../src/quic/crypto-stream.js';
import { parseFrames, type InitialFrames } from '../../src/quic/frames.js';
import { parseDatagram, type QuicPacket } from '../../src/quic/header.js';
import { initialKeys, openLongPacket, openPacket, packetKeys, type DirectionKeys } from '../../src/quic/protection.js';
import { tsharkOutput } from '../findings/tshark-facts.js';

const DIR = 'fixtures/quic';

type Json = Record<string, unknown>;
const arr = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const str = (o: Json | undefined, k: string): string | undefined => (o === undefined ? undefined : (o[k] as string | undefined));
const colonHex = (b: Buffer): string => (b.toString('hex').match(/../g) ?? []).join(':');

/** tshark's QUIC packets per frame number (layers.quic, one object per coalesced packet). */
function tsharkPackets(file: string, keys?: string): Map<number, Json[]> {
  const args = [...(keys ? ['-o', `tls.keylog_file:${DIR}/${keys}`] : []), '-T', 'json', '--no-duplicate-keys', '-J', 'frame quic'];
  const r = tsharkOutput(`${DIR}/${file}`, args);
  if (r.status !== 0) throw new Error(`tshark failed on ${file}: ${r.stderr}`);
  const out = new Map<number, Json[]>();
  for (const f of JSON.parse(r.stdout) as { _source: { layers: Json } }[]) {
    const layers = f._source.layers;
    const frame = Number(str(layers.frame as Json, 'frame.number'));
    out.set(frame, arr(layers.quic as Json | Json[]));
  }
  return out;
}

interface Dgram {
  frame: number;
  src: string;
  dst: string;
  payload: Buffer;
}

async function datagrams(file: string): Promise<Dgram[]> {
  const out: Dgram[] = [];
  await readCapture(`${DIR}/${file}`, (f) => {
    const p = decodeFrame(f.data, f.linkType);
    if (p.udp === undefined || p.src === undefined || p.dst === undefined) return;
    out.push({ frame: f.number, src: `${p.src}|${p.udp.srcPort}`, dst: `${p.dst}|${p.udp.dstPort}`, payload: Buffer.from(p.udp.payload) });
  });
  return out;
}

/** NSS key log: label -> client random (hex) -> secret. */
function keyLog(file: string): Map<string, Map<string, Buffer>> {
  const out = new Map<string, Map<string, Buffer>>();
  for (const line of readFileSync(`${DIR}/${file}`, 'utf8').split('\n')) {
    const [label, random, secret] = line.trim().split(/\s+/);
    if (secret === undefined) continue;
    if (!out.has(label)) out.set(label, new Map());
    out.get(label)!.set(random.toLowerCase(), Buffer.from(secret, 'hex'));
  }
  return out;
}

/** What tshark says of one packet, in the shape we compare. */
interface Seen {
  header: Record<string, string | number | undefined>;
  packetNumber?: number;
  frames?: Record<string, unknown>;
}

function tsharkSeen(q: Json): Seen {
  const short = q['quic.short'] as Json | undefined;
  const h = short ?? q;
  const form = str(h, 'quic.header_form');
  const header: Seen['header'] = { form, packetLength: Number(str(q, 'quic.packet_length')) };
  if (form === '1') {
    const version = Number(str(q, 'quic.version'));
    header.version = version;
    const t1 = str(q, 'quic.long.packet_type');
    const t2 = str(q, 'quic.long.packet_type_v2');
    // RFC 9000 Table 5 / RFC 9369 §3.2 numbering, as tshark prints it.
    header.type = version === 0 ? 'VersionNegotiation' : t2 !== undefined ? ['Retry', 'Initial', '0-RTT', 'Handshake'][Number(t2)] : ['Initial', '0-RTT', 'Handshake', 'Retry'][Number(t1)];
    header.dcid = str(q, 'quic.dcid') ?? '';
    header.scid = str(q, 'quic.scid') ?? '';
    if (str(q, 'quic.token_length') !== undefined) header.tokenLength = Number(str(q, 'quic.token_length'));
    if (str(q, 'quic.retry_token') !== undefined) header.token = str(q, 'quic.retry_token');
    if (str(q, 'quic.length') !== undefined) header.length = Number(str(q, 'quic.length'));
    const sv = arr(q['quic.supported_version'] as string | string[] | undefined);
    if (sv.length > 0) header.supported = sv.map(Number).join(',');
  } else {
    header.type = '1-RTT';
    header.dcid = str(h, 'quic.dcid') ?? '';
  }
  const seen: Seen = { header };
  const pn = str(h, 'quic.packet_number');
  const frames = arr(q['quic.frame'] as Json | Json[] | undefined);
  if (pn === undefined || frames.length === 0) return seen;
  seen.packetNumber = Number(pn);
  const crypto: string[] = [];
  const streams: string[] = [];
  let close: string | undefined;
  let handshakeDone = false;
  let ackOnly = true;
  for (const f of frames) {
    const t = Number(str(f, 'quic.frame_type'));
    if (t > 3) ackOnly = false;
    if (t === 6) crypto.push(`${str(f, 'quic.crypto.offset')}+${str(f, 'quic.crypto.length')}`);
    if (t >= 8 && t <= 15) {
      const fin = str(f['quic.frame_type_tree'] as Json, 'quic.stream.fin') === '1';
      streams.push(`${str(f, 'quic.stream.stream_id')}@${str(f, 'quic.stream.offset') ?? 0}+${str(f, 'quic.stream.length')}${fin ? ' FIN' : ''}`);
    }
    if (t === 28 || t === 29) {
      const code = str(f, 'quic.cc.error_code') ?? str(f, 'quic.cc.error_code.app');
      close = `${t}:${code}:${str(f, 'quic.cc.reason_phrase') ?? ''}`;
    }
    if (t === 30) handshakeDone = true;
  }
  seen.frames = { crypto, streams, close, handshakeDone, ackOnly, problem: undefined };
  return seen;
}

function ourHeader(pkt: QuicPacket): Seen['header'] {
  const header: Seen['header'] = { form: pkt.type === '1-RTT' ? '0' : '1', packetLength: pkt.end - pkt.start };
  if (pkt.type !== '1-RTT') {
    header.version = pkt.version;
    header.type = pkt.type;
    header.dcid = colonHex(pkt.dcid);
    header.scid = colonHex(pkt.scid);
    if (pkt.type === 'Initial') header.tokenLength = pkt.token?.length;
    if (pkt.type === 'Retry') header.token = colonHex(pkt.token!);
    if (pkt.pnOffset !== undefined) header.length = pkt.end - pkt.start - pkt.pnOffset;
    if (pkt.supportedVersions) header.supported = pkt.supportedVersions.join(',');
  } else {
    header.type = '1-RTT';
    header.dcid = colonHex(pkt.dcid);
  }
  return header;
}

function ourFrames(f: InitialFrames, streams: string[]): Record<string, unknown> {
  return {
    crypto: f.crypto.map((c) => `${c.offset}+${c.data.length}`),
    streams,
    close: f.close && `${f.close.frameType}:${f.close.errorCode}:${f.close.reason}`,
    handshakeDone: f.handshakeDone,
    ackOnly: f.ackOnly,
    problem: f.problem,
  };
}

interface Conn {
  client: string;
  initialDcid?: Buffer;
  version?: number;
  clientRandom?: string;
  suite?: number;
  /** SCID lengths: a short header's DCID is the peer's SCID. */
  scidLen: Map<string, number>;
  largest: Map<string, number>;
  /** CRYPTO streams of Initial packets per side, to find the ClientHello's random and the ServerHello's suite. */
  initialCrypto: Map<string, CryptoStream>;
  initialBytes: Map<string, Buffer>;
}

interface Walk {
  compared: { frame: number; ours: Seen[]; theirs: Seen[] }[];
  /** Packets we opened (decrypted), per packet type. */
  opened: Record<string, number>;
  conns: Conn[];
}

/**
 * Every datagram through parseDatagram, every packet we hold keys for through
 * openPacket and parseFrames, next to tshark's view of the same frame.
 */
async function walk(file: string, keysFile?: string): Promise<Walk> {
  const tshark = tsharkPackets(file, keysFile);
  const log = keysFile ? keyLog(keysFile) : undefined;
  const conns = new Map<string, Conn>();
  const out: Walk = { compared: [], opened: {}, conns: [] };
  for (const d of await datagrams(file)) {
    const theirs = tshark.get(d.frame) ?? [];
    if (theirs.length === 0) continue; // not QUIC to tshark
    const key = [d.src, d.dst].sort().join(' ');
    let c = conns.get(key);
    if (c === undefined) {
      c = { client: d.src, scidLen: new Map(), largest: new Map(), initialCrypto: new Map(), initialBytes: new Map() };
      conns.set(key, c);
      out.conns.push(c);
    }
    const fromClient = d.src === c.client;
    const side = fromClient ? 'client' : 'server';
    const parsed = parseDatagram(d.payload, c.scidLen.get(fromClient ? 'server' : 'client'));
    const ours: Seen[] = [];
    for (const pkt of parsed.packets) {
      const seen: Seen = { header: ourHeader(pkt) };
      ours.push(seen);
      if (pkt.type === 'VersionNegotiation') continue;
      if (pkt.type !== '1-RTT') c.scidLen.set(side, pkt.scid.length);
      if (pkt.type === 'Retry') {
        c.initialDcid = pkt.scid; // RFC 9001 §5.2: the new Initial keys follow the Retry's SCID
        continue;
      }
      if (pkt.type === 'Initial' && fromClient && c.initialDcid === undefined) c.initialDcid = pkt.dcid;
      if (pkt.type !== '1-RTT') c.version = pkt.version;
      let keys: DirectionKeys | undefined;
      let level = '';
      if (pkt.type === 'Initial') {
        keys = initialKeys(pkt.version, c.initialDcid!)?.[side];
        level = 'an Initial';
      } else if (log !== undefined && c.clientRandom !== undefined && c.suite !== undefined && pkt.type !== '0-RTT') {
        const label = `${fromClient ? 'CLIENT' : 'SERVER'}_${pkt.type === 'Handshake' ? 'HANDSHAKE_TRAFFIC_SECRET' : 'TRAFFIC_SECRET_0'}`;
        const secret = log.get(label)?.get(c.clientRandom);
        keys = secret && packetKeys(c.version!, c.suite, secret);
        level = pkt.type === 'Handshake' ? 'a Handshake' : 'a 1-RTT';
      }
      if (keys === undefined) continue;
      const space = `${side} ${pkt.type}`;
      const bytes = d.payload.subarray(pkt.start, pkt.end);
      const opened =
        pkt.type === '1-RTT'
          ? openPacket(bytes, 1 + pkt.dcid.length, bytes.length, keys, c.largest.get(space) ?? -1, false)
          : openLongPacket(bytes, pkt.pnOffset!, bytes.length, keys, c.largest.get(space) ?? -1);
      if (typeof opened === 'string') {
        seen.frames = { problem: opened };
        continue;
      }
      out.opened[pkt.type] = (out.opened[pkt.type] ?? 0) + 1;
      c.largest.set(space, Math.max(c.largest.get(space) ?? -1, opened.packetNumber));
      seen.packetNumber = opened.packetNumber;
      const streams: string[] = [];
      const frames = parseFrames(opened.payload, level, (id, offset, length, fin) => streams.push(`${id}@${offset}+${length}${fin ? ' FIN' : ''}`));
      seen.frames = ourFrames(frames, streams);
      if (pkt.type === 'Initial') {
        let s = c.initialCrypto.get(side);
        if (s === undefined) c.initialCrypto.set(side, (s = new CryptoStream()));
        for (const cf of frames.crypto)
          s.add(cf.offset, cf.data, { frame: d.frame, tsSec: 0, tsNsec: 0 }, (b) => c!.initialBytes.set(side, Buffer.concat([c!.initialBytes.get(side) ?? Buffer.alloc(0), b])));
        const hs = c.initialBytes.get(side);
        // RFC 8446 §4.1.2/§4.1.3: type, 3-byte length, legacy_version, 32-byte random; ServerHello: session id, cipher suite.
        if (fromClient && hs !== undefined && hs.length >= 38 && hs[0] === 1) c.clientRandom = hs.subarray(6, 38).toString('hex');
        if (!fromClient && hs !== undefined && hs.length >= 41 && hs[0] === 2) c.suite = hs.readUInt16BE(39 + hs[38]);
      }
    }
    // tshark shows bytes after the last packet as padding or ignores them; compare the packets both have.
    // Bytes after the last packet that tshark calls "(Random) padding data appended to the datagram" are no packet to it, nor to us.
    const packets = theirs.filter((q) => (q['_ws.expert'] as Json | undefined)?.['quic.coalesced_padding_data'] === undefined);
    out.compared.push({ frame: d.frame, ours, theirs: packets.map(tsharkSeen) });
  }
  return out;
}

/**
 * Ours and tshark's per frame. Packet numbers and frames are compared wherever
 * tshark decrypted the packet (where it could not, what we read is left out).
 */
function aligned(w: Walk, paddingTo1Rtt: number[] = []): { ours: unknown[]; theirs: unknown[] } {
  const ours: unknown[] = [];
  const theirs: unknown[] = [];
  for (const { frame, ours: o, theirs: t } of w.compared) {
    if (paddingTo1Rtt.includes(frame)) {
      // tshark 4.0 calls this trailing 1-RTT packet padding (fixtures/quic/README.md, "Where tshark 4.0 and we disagree"):
      // a short header with the DCID of the datagram's first packet, as RFC 9000 §12.2 allows.
      const last = o[o.length - 1];
      expect([o.length, last.header.type, last.header.dcid]).toEqual([t.length + 1, '1-RTT', o[0].header.dcid]);
      o.pop();
    }
    const n = Math.max(o.length, t.length);
    for (let i = 0; i < n; i++) {
      const a = o[i];
      const b = t[i];
      const both = b?.frames !== undefined;
      // Without keys tshark does not name a short header's DCID.
      const header = b?.header.type === '1-RTT' && b.header.dcid === '' && a !== undefined ? { ...a.header, dcid: '' } : a?.header;
      ours.push({ frame, i, header, pn: both ? a?.packetNumber : undefined, frames: both ? a?.frames : undefined });
      theirs.push({ frame, i, header: b?.header, pn: both ? b.packetNumber : undefined, frames: both ? b.frames : undefined });
    }
  }
  return { ours, theirs };
}

/** tshark's decrypted packets (those with frames) per packet type. */
function tsharkOpened(w: Walk): Record<string, number> {
  const n: Record<string, number> = {};
  for (const { theirs } of w.compared) for (const t of theirs) if (t.frames !== undefined) n[t.header.type as string] = (n[t.header.type as string] ?? 0) + 1;
  return n;
}

interface Row {
  file: string;
  keys?: string;
  /** Packets tshark decrypts, per type (from its output: packets with frames). */
  tshark: Record<string, number>;
  /**
   * fixtures/quic/README.md, "Where tshark 4.0 and we disagree": frames whose
   * last packet tshark calls padding, and packets it fails to open that we open.
   */
  paddingTo1Rtt?: number[];
  alsoOpened?: Record<string, number>;
}

const ROWS: Row[] = [
  { file: 'quic-one-request.pcap', keys: 'quic-one-request.keys', tshark: { Initial: 2, Handshake: 3, '1-RTT': 11 } },
  // ChaCha20-Poly1305 (RFC 9001 §5.4.4 header protection) and AES-256-GCM with SHA-384 secrets.
  { file: 'quic-chacha20-aes256.pcap', keys: 'quic-chacha20-aes256.keys', tshark: { Initial: 4, Handshake: 6, '1-RTT': 20 } },
  // A Retry with a token; the new Initial keys follow the Retry's SCID.
  { file: 'quic-retry.pcap', keys: 'quic-retry.keys', tshark: { Initial: 3, Handshake: 3, '1-RTT': 8 } },
  // Three connections, each closed by the client's CONNECTION_CLOSE in 1-RTT.
  { file: 'quic-three-requests-three-conns.pcap', keys: 'quic-three-requests-three-conns.keys', tshark: { Initial: 6, Handshake: 9, '1-RTT': 32 } },
  { file: 'quic-ipv6-one-request.pcap', keys: 'quic-ipv6-one-request.keys', tshark: { Initial: 2, Handshake: 3, '1-RTT': 8 } },
  // Server Initials carrying only CONNECTION_CLOSE 0x1c (error 0x128).
  { file: 'quic-handshake-failed-twice.pcap', tshark: { Initial: 4 } },
  // QUIC v2 (RFC 9369): its salt, labels and packet type numbering. Frame 5: tshark opens the client's
  // Initial with the new DCID's keys and fails; with the first DCID's keys (RFC 9001 §5.2) it opens.
  { file: 'spicyquic-quicv2-echo-coalesced.pcap', tshark: { Initial: 4 }, paddingTo1Rtt: [5], alsoOpened: { Initial: 1 } },
  // draft-28, Version Negotiation, draft-27 (the draft-23..28 salt).
  { file: 'ndpi-draft28-vn-draft27-h3.pcap', tshark: { Initial: 5 } },
  // Scrambled CRYPTO/PING/PADDING frames.
  { file: 'clienthellod-chrome-ipv6-h3-coalesced.pcap', tshark: { Initial: 2 } },
  // A ClientHello over two Initials, random padding after coalesced packets.
  { file: 'suricata-firefox-mlkem-2packet-clienthello.pcap', tshark: { Initial: 5 } },
  // quic-go Retry over PPP.
  { file: 'spicyquic-interop-quicgo-retry-ppp.pcap', tshark: { Initial: 4 } },
];

test.each(ROWS.map((r) => [r.file, r] as const))('%s: every packet header, packet number and frame as tshark reads them', async (_file, row) => {
  const w = await walk(row.file, row.keys);
  const { ours, theirs } = aligned(w, row.paddingTo1Rtt);
  expect(ours).toEqual(theirs);
  expect(tsharkOpened(w)).toEqual(row.tshark);
  const expected = { ...row.tshark };
  for (const [k, n] of Object.entries(row.alsoOpened ?? {})) expected[k] += n;
  expect(w.opened).toEqual(expected);
});
