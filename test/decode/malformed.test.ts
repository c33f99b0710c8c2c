/**
 * Malformed and truncated headers, built by hand (the only hand-built bytes in
 * the decode tests): decodeFrame must not throw, must keep what decoded and
 * record exactly where and why it stopped.
 */
import { decodeFrame, LINKTYPE_ETHERNET } from '../../src/decode/index.js';

const ETH = LINKTYPE_ETHERNET;

function ethernet(etherType: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(14);
  h.set([0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2]);
  h.writeUInt16BE(etherType, 12);
  return Buffer.concat([h, payload]);
}

function ipv4(payload: Buffer, opts: { ihl?: number; totalLength?: number; version?: number; proto?: number } = {}): Buffer {
  const ihl = opts.ihl ?? 5;
  const h = Buffer.alloc(Math.max(20, ihl * 4));
  h[0] = ((opts.version ?? 4) << 4) | ihl;
  h.writeUInt16BE(opts.totalLength ?? h.length + payload.length, 2);
  h[8] = 64;
  h[9] = opts.proto ?? 6;
  h.set([192, 0, 2, 1], 12);
  h.set([198, 51, 100, 7], 16);
  return Buffer.concat([h, payload]);
}

function ipv6(nextHeader: number, payloadLength: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(40);
  h[0] = 0x60;
  h.writeUInt16BE(payloadLength, 4);
  h[6] = nextHeader;
  h[7] = 64;
  h[8] = 0x20; h[9] = 0x01; h[10] = 0x0d; h[11] = 0xb8; h[23] = 1; // 2001:db8::1
  h[24] = 0x20; h[25] = 0x01; h[26] = 0x0d; h[27] = 0xb8; h[39] = 2; // 2001:db8::2
  return Buffer.concat([h, payload]);
}

function tcp(opts: { dataOffset?: number; options?: number[]; payload?: number } = {}): Buffer {
  const optBytes = Buffer.from(opts.options ?? []);
  const h = Buffer.alloc(20);
  h.writeUInt16BE(40000, 0);
  h.writeUInt16BE(443, 2);
  h.writeUInt32BE(0xfffffff0, 4);
  h.writeUInt32BE(12345, 8);
  h[12] = (opts.dataOffset ?? 5 + optBytes.length / 4) << 4;
  h[13] = 0x18;
  h.writeUInt16BE(502, 14);
  return Buffer.concat([h, optBytes, Buffer.alloc(opts.payload ?? 0, 0x61)]);
}

test('a well-formed hand-built frame decodes without problems (sanity for the builders)', () => {
  const p = decodeFrame(ethernet(0x0800, ipv4(tcp({ payload: 5 }))), ETH);
  expect(p.problems).toEqual([]);
  expect(p.src).toBe('192.0.2.1');
  expect(p.dst).toBe('198.51.100.7');
  expect(p.tcp?.seq).toBe(0xfffffff0);
  expect(p.tcp?.payloadLength).toBe(5);
});

test('truncated Ethernet header', () => {
  const frame = ethernet(0x0800, ipv4(tcp())).subarray(0, 13);
  const p = decodeFrame(frame, ETH);
  expect(p.problems).toEqual([{ layer: 'ethernet', offset: 0, reason: 'truncated' }]);
  expect(p.ipVersion).toBeUndefined();
});

test('truncated VLAN tag', () => {
  const frame = ethernet(0x8100, Buffer.from([0x00, 0x64]));
  const p = decodeFrame(frame, ETH);
  expect(p.problems).toEqual([{ layer: 'vlan', offset: 14, reason: 'truncated' }]);
  expect(p.vlan).toBeUndefined();
});

test('second VLAN tag truncated after a complete 802.1ad tag keeps the first id', () => {
  const frame = ethernet(0x88a8, Buffer.from([0x00, 0x64, 0x81, 0x00, 0x00]));
  const p = decodeFrame(frame, ETH);
  expect(p.vlan).toEqual([100]);
  expect(p.problems).toEqual([{ layer: 'vlan', offset: 18, reason: 'truncated' }]);
});

test('IPv4 with IHL < 5', () => {
  const p = decodeFrame(ethernet(0x0800, ipv4(tcp(), { ihl: 4 })), ETH);
  expect(p.problems).toEqual([{ layer: 'ipv4', offset: 14, reason: 'bad header length' }]);
  expect(p.src).toBeUndefined();
  expect(p.tcp).toBeUndefined();
});

test('IPv4 with a wrong version nibble', () => {
  const p = decodeFrame(ethernet(0x0800, ipv4(tcp(), { version: 5 })), ETH);
  expect(p.problems).toEqual([{ layer: 'ipv4', offset: 14, reason: 'bad version' }]);
});

test('IPv4 options cut by the capture: addresses kept', () => {
  const frame = ethernet(0x0800, ipv4(tcp(), { ihl: 8 })).subarray(0, 14 + 24);
  const p = decodeFrame(frame, ETH);
  expect(p.problems).toEqual([{ layer: 'ipv4', offset: 14, reason: 'truncated' }]);
  expect(p.src).toBe('192.0.2.1');
  expect(p.tcp).toBeUndefined();
});

test('IPv4 total length shorter than its header', () => {
  const p = decodeFrame(ethernet(0x0800, ipv4(tcp(), { totalLength: 19 })), ETH);
  expect(p.problems).toEqual([{ layer: 'ipv4', offset: 14, reason: 'bad total length' }]);
  expect(p.dst).toBe('198.51.100.7');
});

test('IPv4 total length beyond the capture (snaplen cut): TCP kept, tcp.len from IP', () => {
  const full = ethernet(0x0800, ipv4(tcp({ payload: 100 })));
  const p = decodeFrame(full.subarray(0, 14 + 20 + 20 + 10), ETH);
  expect(p.problems).toEqual([{ layer: 'ipv4', offset: 14, reason: 'truncated' }]);
  expect(p.src).toBe('192.0.2.1');
  expect(p.tcp?.dstPort).toBe(443);
  expect(p.tcp?.payloadLength).toBe(100);
  expect(p.tcp?.payload.length).toBe(10);
});

test('snaplen cut inside the TCP header: no TCP header, problem at the TCP offset', () => {
  const full = ethernet(0x0800, ipv4(tcp({ payload: 10 })));
  const p = decodeFrame(full.subarray(0, 14 + 20 + 12), ETH);
  expect(p.problems).toEqual([
    { layer: 'ipv4', offset: 14, reason: 'truncated' },
    { layer: 'tcp', offset: 34, reason: 'truncated' },
  ]);
  expect(p.tcp).toBeUndefined();
  expect(p.ipProto).toBe(6);
});

test('IPv6 extension header chain cut off by the capture', () => {
  // Hop-by-hop (8 bytes) -> destination options (16 bytes) -> TCP; capture ends inside the second.
  const hbh = Buffer.from([60, 0, 1, 4, 0, 0, 0, 0]);
  const dst = Buffer.from([6, 1, 1, 12, ...new Array<number>(12).fill(0)]);
  const full = ethernet(0x86dd, ipv6(0, 8 + 16 + 20, Buffer.concat([hbh, dst, tcp()])));
  const p = decodeFrame(full.subarray(0, 14 + 40 + 8 + 6), ETH);
  expect(p.problems).toEqual([
    { layer: 'ipv6', offset: 14, reason: 'truncated' },
    { layer: 'ipv6', offset: 62, reason: 'truncated extension header' },
  ]);
  expect(p.src).toBe('2001:db8::1');
  expect(p.dst).toBe('2001:db8::2');
  expect(p.ipProto).toBeUndefined();
  expect(p.tcp).toBeUndefined();
});

test('IPv6 extension header longer than the payload length', () => {
  const hbh = Buffer.from([6, 1, 1, 4, 0, 0, 0, 0, ...new Array<number>(8).fill(0)]);
  const p = decodeFrame(ethernet(0x86dd, ipv6(0, 8, Buffer.concat([hbh, tcp()]))), ETH);
  expect(p.problems).toEqual([{ layer: 'ipv6', offset: 54, reason: 'bad extension header length' }]);
  expect(p.tcp).toBeUndefined();
});

test('TCP data offset < 5', () => {
  const p = decodeFrame(ethernet(0x0800, ipv4(tcp({ dataOffset: 4 }))), ETH);
  expect(p.problems).toEqual([{ layer: 'tcp', offset: 34, reason: 'bad data offset' }]);
  expect(p.tcp).toBeUndefined();
  expect(p.src).toBe('192.0.2.1');
});

test('TCP data offset beyond the segment', () => {
  const p = decodeFrame(ethernet(0x0800, ipv4(tcp({ dataOffset: 8 }))), ETH);
  expect(p.problems).toEqual([{ layer: 'tcp', offset: 34, reason: 'bad data offset' }]);
});

test('TCP option with length 0: problem, header kept, walk stops', () => {
  const p = decodeFrame(ethernet(0x0800, ipv4(tcp({ options: [2, 0, 5, 180] }))), ETH);
  expect(p.problems).toEqual([{ layer: 'tcp', offset: 54, reason: 'bad option length' }]);
  expect(p.tcp?.srcPort).toBe(40000);
  expect(p.tcp?.headerLength).toBe(24);
  expect(p.tcp?.options.mss).toBeUndefined();
});

test('TCP option overrunning the header: earlier options kept', () => {
  // MSS 1460, NOP, then a timestamp option (length 10) with only 3 header bytes left.
  const p = decodeFrame(ethernet(0x0800, ipv4(tcp({ options: [2, 4, 5, 180, 1, 8, 10, 0] }))), ETH);
  expect(p.problems).toEqual([{ layer: 'tcp', offset: 59, reason: 'bad option length' }]);
  expect(p.tcp?.options.mss).toBe(1460);
  expect(p.tcp?.options.tsVal).toBeUndefined();
});

test('TCP option kind without room for its length byte', () => {
  const p = decodeFrame(ethernet(0x0800, ipv4(tcp({ options: [1, 1, 1, 3] }))), ETH);
  expect(p.problems).toEqual([{ layer: 'tcp', offset: 57, reason: 'bad option length' }]);
  expect(p.tcp?.options.windowScale).toBeUndefined();
});

test('known TCP option with the wrong length is recorded and skipped', () => {
  const p = decodeFrame(ethernet(0x0800, ipv4(tcp({ options: [3, 4, 7, 0, 4, 2, 0, 0] }))), ETH);
  expect(p.problems).toEqual([{ layer: 'tcp', offset: 54, reason: 'bad option length' }]);
  expect(p.tcp?.options.windowScale).toBeUndefined();
  expect(p.tcp?.options.sackPermitted).toBe(true);
});

test('unsupported link type', () => {
  const p = decodeFrame(ethernet(0x0800, ipv4(tcp())), 147);
  expect(p.problems).toEqual([{ layer: 'link', offset: 0, reason: 'unsupported link type 147' }]);
  expect(p.linkType).toBe(147);
  expect(p.tcp).toBeUndefined();
});

test('empty frames on every supported link type', () => {
  for (const lt of [0, 1, 12, 14, 101, 108, 113, 228, 229, 239, 276]) {
    const p = decodeFrame(Buffer.alloc(0), lt);
    expect(p.problems).toHaveLength(1);
    expect(p.problems[0].offset).toBe(0);
    expect(p.problems[0].reason).toBe('truncated');
  }
});
