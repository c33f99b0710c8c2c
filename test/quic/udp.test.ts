/**
 * UDP decoding (src/decode/udp.ts) against tshark 4.0: every UDP datagram of
 * the QUIC fixtures (the mercury capture also has DNS, NTP, mDNS; the others
 * Ethernet, PPP, SLL, IPv6), ports and udp.length from test/golden-quic/. Then
 * hand-built headers for the malformed cases.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readCapture } from '../../src/capture/index.js';
import { decodeFrame } from '../../src/decode/index.js';
import { EXTRA_QUIC_FIXTURES, QUIC_FIXTURES, quicFixturePath } from './run.js';
import { readdirSync } from 'node:fs';

const FILES = [...readdirSync(QUIC_FIXTURES).filter((f) => f.endsWith('.pcap')).sort(), ...EXTRA_QUIC_FIXTURES];

test.each(FILES)('%s: every UDP datagram, ports and length as tshark', async (file) => {
  const g = JSON.parse(readFileSync(path.resolve(process.cwd(), 'test/golden-quic', `${file}.json`), 'utf8')) as { udp: number[][] };
  const ours: number[][] = [];
  await readCapture(quicFixturePath(file), (f) => {
    const p = decodeFrame(f.data, f.linkType);
    if (p.udp !== undefined) ours.push([f.number, p.udp.srcPort, p.udp.dstPort, p.udp.payloadLength + 8]);
  });
  expect(ours).toEqual(g.udp);
});

/** IPv4 header (20 bytes, protocol 17) with `total` as its total length, then `rest`. */
function ipv4Udp(total: number, rest: number[]): Buffer {
  const h = Buffer.alloc(20);
  h[0] = 0x45;
  h.writeUInt16BE(total, 2);
  h[8] = 64;
  h[9] = 17;
  h.set([10, 0, 0, 1], 12);
  h.set([10, 0, 0, 2], 16);
  return Buffer.concat([h, Buffer.from(rest)]);
}
const RAW = 101;

test('a clean header: payload bounded by the UDP length, not by trailing bytes', () => {
  const p = decodeFrame(Buffer.concat([ipv4Udp(31, [0x30, 0x39, 0x01, 0xbb, 0, 11, 0, 0, 7, 8, 9]), Buffer.from([0xee, 0xee])]), RAW);
  expect(p.problems).toEqual([]);
  expect(p.udp).toEqual({ srcPort: 12345, dstPort: 443, payload: Buffer.from([7, 8, 9]), payloadLength: 3 });
});

test('UDP length beyond the IP payload: bad length, the IP end is used', () => {
  const p = decodeFrame(ipv4Udp(30, [0, 1, 0, 2, 0, 99, 0, 0, 1, 2]), RAW);
  expect(p.problems).toEqual([{ layer: 'udp', offset: 20, reason: 'bad length' }]);
  expect(p.udp?.payload).toEqual(Buffer.from([1, 2]));
});

test('UDP length under 8: bad length', () => {
  const p = decodeFrame(ipv4Udp(30, [0, 1, 0, 2, 0, 3, 0, 0, 1, 2]), RAW);
  expect(p.problems).toEqual([{ layer: 'udp', offset: 20, reason: 'bad length' }]);
});

test('IP payload shorter than a UDP header: bad length, no header', () => {
  const p = decodeFrame(ipv4Udp(24, [0, 1, 0, 2]), RAW);
  expect(p.udp).toBeUndefined();
  expect(p.problems).toEqual([{ layer: 'udp', offset: 20, reason: 'bad length' }]);
});

test('header cut by the snaplen: truncated, no header', () => {
  const p = decodeFrame(ipv4Udp(40, [0, 1, 0, 2]), RAW);
  expect(p.udp).toBeUndefined();
  expect(p.problems).toEqual([
    { layer: 'ipv4', offset: 0, reason: 'truncated' },
    { layer: 'udp', offset: 20, reason: 'truncated' },
  ]);
});

test('payload cut by the snaplen: the view holds what was captured, payloadLength what UDP claims', () => {
  const p = decodeFrame(ipv4Udp(38, [0, 1, 0, 2, 0, 18, 0, 0, 1, 2, 3]), RAW);
  expect(p.problems).toEqual([{ layer: 'ipv4', offset: 0, reason: 'truncated' }]);
  expect(p.udp?.payload).toEqual(Buffer.from([1, 2, 3]));
  expect(p.udp?.payloadLength).toBe(10);
});

test('first IPv4 fragment: the UDP length runs past it, which is no problem', () => {
  const b = ipv4Udp(30, [0, 1, 0, 2, 0x05, 0xdc, 0, 0, 1, 2]);
  b.writeUInt16BE(0x2000, 6); // MF set, offset 0
  const p = decodeFrame(b, RAW);
  expect(p.fragment).toBe(true);
  expect(p.problems).toEqual([]);
  expect(p.udp?.payload).toEqual(Buffer.from([1, 2]));
  expect(p.udp?.payloadLength).toBe(2);
});
