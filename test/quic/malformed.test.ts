/**
 * Malformed input never throws out of the QUIC stage: real datagrams from the
 * fixtures, cut and with bytes changed (seeded, so a failure reproduces), go
 * through decodeFrame and QuicTracker; plus hand-built headers for the
 * specific problems, the CRYPTO byte cap and the bound on open connections.
 */
import { readCapture } from '../../src/capture/index.js';
import { decodeFrame } from '../../src/decode/index.js';
import type { UdpHeader } from '../../src/decode/index.js';
import { CryptoStream } from '../../src/quic/crypto-stream.js';
import { parseDatagram } from '../../src/quic/header.js';
import { QUIC_FIXTURES, quicTracker, runQuic, type QuicRecord } from './run.js';

interface Dgram {
  frame: number;
  src: string;
  dst: string;
  sport: number;
  dport: number;
  payload: Buffer;
  tsSec: number;
  tsNsec: number;
}

async function datagrams(file: string): Promise<Dgram[]> {
  const out: Dgram[] = [];
  await readCapture(`${QUIC_FIXTURES}/${file}`, (f) => {
    const p = decodeFrame(f.data, f.linkType);
    if (p.udp === undefined || p.src === undefined || p.dst === undefined) return;
    out.push({ frame: f.number, src: p.src, dst: p.dst, sport: p.udp.srcPort, dport: p.udp.dstPort, payload: Buffer.from(p.udp.payload), tsSec: f.tsSec, tsNsec: f.tsNsec });
  });
  return out;
}

function udp(d: Dgram, payload: Buffer): UdpHeader {
  return { srcPort: d.sport, dstPort: d.dport, payload, payloadLength: payload.length };
}

/** xorshift32: a reproducible byte source. */
function rng(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

test.each(['suricata-firefox-mlkem-2packet-clienthello.pcap', 'spicyquic-interop-quicgo-retry-ppp.pcap', 'spicyquic-quicv2-echo-coalesced.pcap'])(
  'cut and damaged datagrams of %s never throw and end up as problems',
  async (file) => {
    const ds = await datagrams(file);
    const rand = rng(0x9e3779b9);
    for (let round = 0; round < 40; round++) {
      const records: QuicRecord[] = [];
      const t = quicTracker(records);
      for (const d of ds) {
        const p = Buffer.from(d.payload);
        const edits = Math.floor(rand() * 4);
        for (let i = 0; i < edits; i++) p[Math.floor(rand() * p.length)] = Math.floor(rand() * 256);
        const cut = rand() < 0.3 ? p.subarray(0, Math.floor(rand() * p.length)) : p;
        expect(() => t.datagram(d.src, d.dst, udp(d, cut), { frame: d.frame, tsSec: d.tsSec, tsNsec: d.tsNsec }, cut.length + 42)).not.toThrow();
      }
      expect(() => t.finish()).not.toThrow();
      for (const r of records) expect(r.problems.length).toBeLessThanOrEqual(20);
    }
  },
);

test('a damaged Initial is recorded as a problem, not a crash', async () => {
  const ds = await datagrams('spicyquic-chromium115-h3-coalesced.pcap');
  const records: QuicRecord[] = [];
  const t = quicTracker(records);
  for (const d of ds) {
    const p = Buffer.from(d.payload);
    if (d.frame === 1) p[p.length - 1] ^= 0xff; // last byte of the AEAD tag of the client's Initial
    t.datagram(d.src, d.dst, udp(d, p), { frame: d.frame, tsSec: d.tsSec, tsNsec: d.tsNsec }, p.length + 42);
  }
  t.finish();
  expect(records).toHaveLength(1);
  expect(records[0].problems).toContain('Initial packet failed to decrypt');
  expect(records[0].quic.undecryptedInitials).toBe(1);
  expect(records[0].events.find((e) => e.type === 'ClientHello')).toBeUndefined();
  expect(records[0].events.find((e) => e.type === 'ServerHello')?.frame).toBe(2);
});

test('hand-built long headers: each problem named, nothing thrown', () => {
  const v1 = (rest: number[]): Buffer => Buffer.from([0xc0, 0, 0, 0, 1, ...rest]);
  expect(parseDatagram(v1([21, ...new Array<number>(21).fill(1), 0]), undefined).problems).toEqual(['connection ID length 21 over 20']);
  expect(parseDatagram(v1([4, 1, 2]), undefined).problems).toEqual(['truncated long header']);
  // Initial: DCID 1 byte, SCID 0, token length 0, Length 0x3fff (2-byte varint) running past the datagram.
  expect(parseDatagram(v1([1, 9, 0, 0, 0x7f, 0xff, 0, 0]), undefined).problems).toEqual(['Initial length 16383 runs past the datagram']);
  // Token length claims 63 bytes; 2 are there.
  expect(parseDatagram(v1([0, 0, 0x3f, 1, 2]), undefined).problems).toEqual(['truncated Initial token']);
  // Version Negotiation with a list that is not a multiple of 4.
  const vn = parseDatagram(Buffer.from([0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff]), undefined);
  expect(vn.packets[0]?.type).toBe('VersionNegotiation');
  expect(vn.packets[0]?.supportedVersions).toEqual([1]);
  expect(vn.problems).toEqual(['Version Negotiation list not a multiple of 4 bytes']);
  // A short header after which nothing tells the DCID length.
  expect(parseDatagram(Buffer.from([0x40, 1, 2, 3]), undefined).problems).toEqual(['short header with an unknown connection ID']);
});

test('CRYPTO reassembly stops at its byte cap (a 1854-byte ClientHello does not fit in 1024)', async () => {
  const r = await runQuic('suricata-firefox-mlkem-2packet-clienthello.pcap', { cryptoCap: 1024 });
  expect(r.records).toHaveLength(1);
  expect(r.records[0].events.find((e) => e.type === 'ClientHello')).toBeUndefined();
  expect(r.records[0].problems.some((p) => /beyond/.test(p))).toBe(true);
  // The same capture with the default cap: the ClientHello completes in frame 2, starting in frame 1.
  const full = await runQuic('suricata-firefox-mlkem-2packet-clienthello.pcap');
  const ch = full.records[0].events.find((e) => e.type === 'ClientHello');
  expect([ch?.firstFrame, ch?.frame]).toEqual([1, 2]);
});

test('CryptoStream: out-of-order, overlapping chunks are handed on in offset order once contiguous, each byte with the frame that brought it first', () => {
  const s = new CryptoStream(4096);
  const msg = Buffer.concat([Buffer.from([1, 0, 0, 10]), Buffer.from('0123456789')]);
  const at = (frame: number) => ({ frame, tsSec: 0, tsNsec: 0 });
  const out: [string, number][] = [];
  const deliver = (b: Buffer, first: { frame: number }) => out.push([b.toString('hex'), first.frame]);
  s.add(6, msg.subarray(6), at(1), deliver);
  s.add(2, msg.subarray(2, 8), at(2), deliver);
  expect(out).toEqual([]);
  s.add(0, msg.subarray(0, 3), at(3), deliver);
  // Bytes 0-2 came in frame 3, 3-7 first in frame 2 (2-7 minus what frame 3 gave), 8-13 in frame 1.
  expect(out).toEqual([
    [msg.subarray(0, 3).toString('hex'), 3],
    [msg.subarray(3, 8).toString('hex'), 2],
    [msg.subarray(8).toString('hex'), 1],
  ]);
  // Bytes already handed on are not handed on again.
  s.add(0, msg, at(4), deliver);
  expect(out).toHaveLength(3);
});

test('open connections are capped: the longest idle is emitted to make room', async () => {
  // quic-resume-0rtt: the second connection starts after the first went quiet.
  const capped = await runQuic('quic-resume-0rtt.pcap', { maxConnections: 1 });
  const free = await runQuic('quic-resume-0rtt.pcap');
  expect(capped.records.map((r) => [r.firstFrame, r.lastFrame, r.packets])).toEqual(free.records.map((r) => [r.firstFrame, r.lastFrame, r.packets]));
  expect(capped.records).toHaveLength(2);
});

test('a connection quiet for the idle timeout is emitted and its state released', async () => {
  // quic-resume-0rtt: 70 ms between the connections, at most 15 ms between packets of one.
  const r = await runQuic('quic-resume-0rtt.pcap', { idleTimeoutSec: 0.05 });
  expect(r.records.map((x) => [x.firstFrame, x.state, x.teardown.by])).toEqual([
    [1, 'idle', 'idle'],
    [15, 'open', null],
  ]);
  const never = await runQuic('quic-resume-0rtt.pcap');
  expect(never.records.map((x) => x.state)).toEqual(['open', 'open']);
});
