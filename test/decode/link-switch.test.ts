/**
 * One PacketDecoder fed frames of different link types in turn (a pcapng file's
 * interfaces may each have their own): it keeps the last link type's decoder,
 * and must switch with every change. Frames of three real captures (BSD
 * loopback, Ethernet, NFLOG), interleaved, decode as each alone does.
 */
import path from 'node:path';
import { PacketDecoder, decodeFrame } from '../../src/decode/index.js';
import type { DecodedPacket } from '../../src/decode/index.js';
import { readFrames, type TestFrame } from './read-frames.js';

const FIXTURES = path.resolve(process.cwd(), 'fixtures');
const DATA = path.resolve(process.cwd(), 'test/decode/data');

const view = (p: DecodedPacket): string =>
  JSON.stringify({
    ip: p.ipVersion, src: p.src, dst: p.dst, proto: p.ipProto, problems: p.problems,
    tcp: p.tcp ? [p.tcp.srcPort, p.tcp.dstPort, p.tcp.seq, p.tcp.ack, p.tcp.flags, p.tcp.payloadLength, p.tcp.payload.toString('hex')] : null,
    udp: p.udp ? [p.udp.srcPort, p.udp.dstPort, p.udp.payloadLength] : null,
  });

test('frames of three link types interleaved through one PacketDecoder decode as each does alone', async () => {
  const lists = await Promise.all([
    readFrames(path.join(FIXTURES, 'arkime-null-loopback-ssl3-4443.pcap')),
    readFrames(path.join(FIXTURES, 'arkime-curl-tls13.pcap')),
    readFrames(path.join(DATA, 'nflog-loopback-http.pcap')),
  ]);
  expect(new Set(lists.map((l) => l[0]!.linkType)).size).toBe(3);
  // Round robin: the link type changes on every frame.
  const mixed: TestFrame[] = [];
  for (let i = 0; lists.some((l) => i < l.length); i++) for (const l of lists) if (i < l.length) mixed.push(l[i]!);
  const d = new PacketDecoder();
  const differ: string[] = [];
  let tcp = 0;
  for (const f of mixed) {
    const got = d.decode(f.data, f.linkType);
    if (got.tcp) tcp++;
    const want = view(decodeFrame(f.data, f.linkType));
    if (view(got) !== want) differ.push(`link ${f.linkType} frame ${f.number}`);
  }
  expect(differ).toEqual([]);
  expect(tcp).toBeGreaterThan(mixed.length / 2);
  // And an unsupported link type between them is reported, then the next frame decodes again.
  const eth = lists[1]!.find((f) => decodeFrame(f.data, f.linkType).tcp !== undefined)!;
  expect(d.decode(eth.data, 147).problems.map((p) => p.reason)).toEqual(['unsupported link type 147']);
  expect(d.decode(eth.data, eth.linkType).tcp).toBeDefined();
});
