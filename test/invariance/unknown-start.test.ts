/**
 * Where invariance cannot hold: a direction whose SYN was not captured. When
 * its peer's SYN was (the SYN-ACK lost), the peer's first ACK number says
 * where the stream starts (server ISN + 1): we take the start from it, as
 * Wireshark takes its relative sequence base, and a reordered server flight
 * is read whole; tshark 4.0's reassembly still takes the first segment seen
 * as the start and loses the ServerHello (we differ, and the bytes say we are
 * right). When neither SYN was captured (mid-stream), nothing says where a
 * stream starts: both tools take the first segment seen, and bytes that
 * arrive later with lower sequence numbers are outside the stream (tshark:
 * "TCP Spurious Retransmission"). Both cases are in the README ("Where we
 * differ from Wireshark").
 */
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { analyzeFile } from '../../src/analyze.js';
import { dropThenRetransmit, loadCapture, reorderWindow, startKnown, tempDir, writePcapng } from './transform.js';
import { tshark } from '../helpers/tshark.js';

const root = resolve(process.cwd());
const PREFS = ['-o', 'tcp.desegment_tcp_streams:TRUE', '-o', 'tls.desegment_ssl_records:TRUE', '-o', 'tcp.reassemble_out_of_order:TRUE'];

function tsharkFrames(file: string, filter: string): number[] {
  const r = tshark(['-n', '-r', file, ...PREFS, '-Y', filter, '-T', 'fields', '-e', 'frame.number']);
  return r.stdout.split('\n').filter(Boolean).map(Number);
}

let dir: string;
beforeAll(() => {
  dir = tempDir();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('no SYN-ACK captured, the server flight reordered: tshark loses the ServerHello that the bytes hold, we read it (start from the client ACK)', async () => {
  const src = join(root, 'fixtures/ns-tls13-mtu1500-cert-chain-no-synack.pcap');
  const cap = await loadCapture(src);
  // The server's direction has no SYN in the file: the transformations leave it alone unless told to.
  const server = cap.pkts.find((p) => p.seg && p.dir?.endsWith('|443'))!;
  expect(startKnown(cap).has(`${server.conn}>${server.dir}`)).toBe(false);
  const t = reorderWindow(cap, 3, true);
  const file = join(dir, 'no-synack-reordered.pcapng');
  writePcapng(cap, t.out, file);

  expect(tsharkFrames(src, 'tls.handshake.type == 2')).toEqual([5]);
  // Input frames 5, 7, 9 (the server's first three segments) now arrive as 9, 7, 5.
  expect(t.out.slice(4, 9).map((o) => o.pkt.orig)).toEqual([9, 6, 7, 8, 5]);
  expect(tsharkFrames(file, 'tls.handshake.type == 2')).toEqual([]);
  // (a later run of the server, input frames 15-17, is reversed too)
  expect(tsharkFrames(file, 'tcp.analysis.spurious_retransmission')[0]).toBe(9);

  // The bytes: output frame 9 is the segment whose sequence number is the one the client's first ACK
  // acknowledges (server ISN + 1), and it starts with a handshake record holding a ServerHello.
  const late = t.out[8].pkt;
  const clientAck = cap.pkts[1].data.readUInt32BE(cap.pkts[1].data.length - 32 + 8); // frame 2: the client's ACK
  expect(late.seg!.seq).toBe(clientAck);
  const rec = late.data.subarray(late.seg!.payloadOff);
  expect([rec[0], rec[1], rec[2], rec[5]]).toEqual([22, 3, 3, 2]);

  const ours = (await analyzeFile(file)).connections[0];
  const before = (await analyzeFile(src)).connections[0];
  expect(before.tls?.versionCode).toBe(0x0304);
  // Unlike tshark: the server's stream starts at the client's ACK number, the late segment fills the hole
  // before the held ones, and the ServerHello is read in the frame that holds it, nothing lost.
  expect(ours.tls?.versionCode).toBe(0x0304);
  expect(ours.events.filter((e) => e.type === 'ServerHello').map((e) => [e.firstFrame, e.frame])).toEqual([[9, 9]]);
  expect(ours.tcp?.missingBytes).toBe(0);
  expect(ours.tcp?.outOfOrder).toBeGreaterThan(0);
});

test('mid-stream (no SYN either way), the first segment of each side re-sent late: both tools drop it as before the start', async () => {
  const src = join(root, 'fixtures/ndpi-pcapng-3if-anydesk-tls.pcapng');
  const cap = await loadCapture(src);
  // dropThenRetransmit only moves directions whose SYN is in the file: pretend both were, with two placeholder
  // SYNs that are not written (the bytes do not change).
  const fake = { ...cap, pkts: [...cap.pkts] };
  const first = fake.pkts[0];
  fake.pkts.unshift({ ...first, orig: 0, syn: true, seg: undefined, payloadLength: 0 });
  fake.pkts.unshift({ ...first, orig: 0, dir: fake.pkts.find((p) => p.conn === first.conn && p.dir !== first.dir)!.dir, syn: true, seg: undefined, payloadLength: 0 });
  const t = dropThenRetransmit(fake, 0, 3);
  t.out = t.out.filter((o) => o.pkt.orig !== 0);
  const file = join(dir, 'midstream-late.pcapng');
  writePcapng(cap, t.out, file);
  // Input frame 1 (client, 51 bytes) now follows input frame 4; input frame 5 (server, 49 bytes) follows frame 8.
  expect(t.out.slice(0, 8).map((o) => o.pkt.orig)).toEqual([2, 3, 4, 1, 6, 7, 8, 5]);
  expect(tsharkFrames(file, 'tcp.stream == 0 && tcp.analysis.spurious_retransmission')).toEqual([4, 8]);
  const c = (await analyzeFile(file)).connections[0];
  // Our first application data each way is the first record inside the stream as both tools delimit it.
  expect(c.tls?.firstApplicationDataRecord).toEqual({ client: 2, server: 6 });
});
