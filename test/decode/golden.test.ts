/**
 * Every frame of every fixture, decoded and compared with tshark 4.0.17
 * (test/golden/<fixture>/frames.tsv): addresses, ports, TCP flags, tcp.len,
 * raw seq/ack.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { PacketDecoder, decodeFrame } from '../../src/decode/index.js';
import type { DecodedPacket } from '../../src/decode/index.js';
import { readFrames, type TestFrame } from './read-frames.js';

const FIXTURES = path.resolve(process.cwd(), 'fixtures');
const GOLDEN = path.resolve(process.cwd(), 'test/golden');
/** Decode-only captures (see data/README.md): goldens are data/<file>.frames.tsv. */
const DATA = path.resolve(process.cwd(), 'test/decode/data');

interface GoldenRow {
  number: number;
  capLen: number;
  ipSrc: string;
  ipDst: string;
  ipv6Src: string;
  ipv6Dst: string;
  srcPort: string;
  dstPort: string;
  flags: string;
  tcpLen: string;
  seq: string;
  ack: string;
}

function readGolden(tsv: string, fixture: string): GoldenRow[] {
  const lines = readFileSync(tsv, 'utf8').split('\n').filter((l) => l !== '');
  const header = lines[0].split('\t');
  const col = (name: string): number => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`frames.tsv of ${fixture} has no column ${name}`);
    return i;
  };
  const c = {
    number: col('frame.number'), capLen: col('frame.cap_len'),
    ipSrc: col('ip.src'), ipDst: col('ip.dst'), ipv6Src: col('ipv6.src'), ipv6Dst: col('ipv6.dst'),
    srcPort: col('tcp.srcport'), dstPort: col('tcp.dstport'), flags: col('tcp.flags'), tcpLen: col('tcp.len'),
    seq: col('tcp.seq_raw'), ack: col('tcp.ack_raw'),
  };
  return lines.slice(1).map((line) => {
    const f = line.split('\t');
    return {
      number: Number(f[c.number]), capLen: Number(f[c.capLen]),
      ipSrc: f[c.ipSrc] ?? '', ipDst: f[c.ipDst] ?? '', ipv6Src: f[c.ipv6Src] ?? '', ipv6Dst: f[c.ipv6Dst] ?? '',
      srcPort: f[c.srcPort] ?? '', dstPort: f[c.dstPort] ?? '', flags: f[c.flags] ?? '', tcpLen: f[c.tcpLen] ?? '',
      seq: f[c.seq] ?? '', ack: f[c.ack] ?? '',
    };
  });
}

interface Case {
  name: string;
  capture: string;
  tsv: string;
}

const cases: Case[] = [
  ...readdirSync(FIXTURES)
    .filter((f) => /\.(pcap|pcapng)$/.test(f))
    .filter((f) => existsSync(path.join(GOLDEN, f, 'frames.tsv')))
    .sort()
    .map((f) => ({ name: f, capture: path.join(FIXTURES, f), tsv: path.join(GOLDEN, f, 'frames.tsv') })),
  ...readdirSync(DATA)
    .filter((f) => /\.(pcap|pcapng)$/.test(f))
    .sort()
    .map((f) => ({ name: `decode/data/${f}`, capture: path.join(DATA, f), tsv: path.join(DATA, `${f}.frames.tsv`) })),
];

test('there are fixtures with goldens to compare against', () => {
  expect(cases.length).toBeGreaterThanOrEqual(22);
  expect(cases.map((c) => c.name)).toEqual(
    expect.arrayContaining(['decode/data/nflog-loopback-http.pcap', 'decode/data/qinq-zeek-tls12-basic.pcap']),
  );
});

test('802.1ad + 802.1Q stacked tags: VLAN ids outermost first, as tshark reads them', async () => {
  const capture = path.join(DATA, 'qinq-zeek-tls12-basic.pcap');
  const rows = readFileSync(`${capture}.vlan.tsv`, 'utf8').trim().split('\n').slice(1);
  const frames = await readFrames(capture);
  expect(frames.length).toBe(rows.length);
  frames.forEach((f, i) => {
    const [outer, inner] = rows[i].split('\t');
    expect(decodeFrame(f.data, f.linkType).vlan).toEqual([Number(outer), Number(inner)]);
  });
});

describe.each(cases)('$name', ({ name: fixture, capture, tsv }) => {
  const golden = readGolden(tsv, fixture);
  let frames: TestFrame[] = [];
  beforeAll(async () => {
    frames = await readFrames(capture);
  });

  test('same frames as tshark', () => {
    expect(frames.length).toBe(golden.length);
    expect(frames.map((f) => f.data.length)).toEqual(golden.map((g) => g.capLen));
  });

  // decodeFrame allocates a result per frame; the analysis decodes into one reused result
  // (PacketDecoder): both must read every frame as tshark does, the reused one with nothing
  // left over from the frame before (options, payload, problems, UDP/TCP of the last frame).
  test.each([
    ['decodeFrame', (): ((f: TestFrame) => DecodedPacket) => (f) => decodeFrame(f.data, f.linkType)],
    ['one PacketDecoder for the whole file', (): ((f: TestFrame) => DecodedPacket) => {
      const d = new PacketDecoder();
      return (f) => d.decode(f.data, f.linkType);
    }],
    // As the analysis decodes a classic pcap frame: in place in the read chunk (Frame.bytes,
    // start). Bytes that would parse as headers lie on both sides: a read past the frame's end
    // would take them instead of nothing.
    ['one PacketDecoder, each frame in place between foreign bytes', (): ((f: TestFrame) => DecodedPacket) => {
      const d = new PacketDecoder();
      return (f) => {
        const { bytes, start } = embed(f.data);
        return d.decode(bytes, f.linkType, start, start + f.data.length);
      };
    }],
  ])('addresses, ports, flags, tcp.len, seq/ack match tshark on every frame (%s)', (_how, make) => {
    const decode = make();
    const mismatches: string[] = [];
    let tcpFrames = 0;
    for (let i = 0; i < frames.length; i++) {
      const g = golden[i];
      const p = decode(frames[i]);
      const got = {
        src: p.src ?? '', dst: p.dst ?? '',
        srcPort: p.tcp ? String(p.tcp.srcPort) : '', dstPort: p.tcp ? String(p.tcp.dstPort) : '',
        flags: p.tcp ? '0x' + p.tcp.flags.toString(16).padStart(4, '0') : '',
        tcpLen: p.tcp ? String(p.tcp.payloadLength) : '',
        seq: p.tcp ? String(p.tcp.seq) : '', ack: p.tcp ? String(p.tcp.ack) : '',
      };
      const want = {
        src: g.ipSrc || g.ipv6Src, dst: g.ipDst || g.ipv6Dst,
        srcPort: g.srcPort, dstPort: g.dstPort, flags: g.flags, tcpLen: g.tcpLen, seq: g.seq, ack: g.ack,
      };
      if (p.tcp) tcpFrames++;
      if (JSON.stringify(got) !== JSON.stringify(want)) {
        mismatches.push(`frame ${g.number}: got ${JSON.stringify(got)} want ${JSON.stringify(want)} problems ${JSON.stringify(p.problems)}`);
      }
      // tshark reads the payload bytes it has; ours stops at the IP-claimed end.
      if (p.tcp && p.tcp.payload.length > p.tcp.payloadLength) mismatches.push(`frame ${g.number}: payload view longer than tcp.len`);
    }
    expect(mismatches).toEqual([]);
    expect(tcpFrames).toBe(golden.filter((g) => g.srcPort !== '').length);
  });

  test('decoded in place, a frame gives the same problems at the same frame-relative offsets, and the same payload bytes', () => {
    const d = new PacketDecoder();
    const differ: string[] = [];
    for (const f of frames) {
      const alone = decodeFrame(f.data, f.linkType);
      const { bytes, start } = embed(f.data);
      const inPlace = d.decode(bytes, f.linkType, start, start + f.data.length);
      const key = (p: DecodedPacket): string => JSON.stringify({
        problems: p.problems,
        tcp: p.tcp ? p.tcp.payload.toString('hex') : null,
        udp: p.udp ? p.udp.payload.toString('hex') : null,
        vlan: p.vlan ?? null,
      });
      if (key(alone) !== key(inPlace)) differ.push(`frame ${f.number}: ${key(alone)} against ${key(inPlace)}`);
    }
    expect(differ).toEqual([]);
  });
});

/** `data` copied into a larger buffer between copies of an IPv4/TCP-looking header (bytes a decoder must not read). */
function embed(data: Buffer): { bytes: Buffer; start: number } {
  const filler = Buffer.from('4500ffff00000000400600007f0000017f000001' + '01bb01bb0000000100000001f0ff7fff00000000', 'hex');
  const bytes = Buffer.concat([filler, filler, data, filler, filler, filler]);
  return { bytes, start: 2 * filler.length };
}
