/**
 * Through the whole pipeline, on a real capture with frames taken out (the
 * loss tests' helpers), checked against tshark's dissection of the same lossy
 * file:
 * - the ClientHello lost: a ServerHello starts TLS, the client's direction is
 *   read from its next chain of record headers; what the records show is
 *   reported, no handshake time (it is timed from the ClientHello);
 * - a single record between a hole and the FIN is taken only once the
 *   direction is closed (its FIN), never while bytes may still come.
 */
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { analyzeFile } from '../../src/analyze.js';
import { loadCapture, tempDir, writePcapng, type Capture } from '../invariance/transform.js';
import { tsharkText } from '../helpers/tshark.js';

const root = resolve(process.cwd());

/** Per frame of `file`: sender port, record content types and handshake types as tshark shows them per segment. */
async function tsharkRecords(file: string): Promise<{ frame: number; port: number; records: number[]; handshakes: number[] }[]> {
  const out = tsharkText(['-n', '-r', file, '-o', 'tcp.desegment_tcp_streams:FALSE', '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=,',
    '-e', 'frame.number', '-e', 'tcp.srcport', '-e', 'tls.record.content_type', '-e', 'tls.handshake.type']);
  const nums = (v: string) => (v ? v.split(',').filter(Boolean).map(Number) : []);
  return out.split('\n').filter(Boolean).map((l) => {
    const [f, port, ct, hs] = l.split('\t');
    return { frame: Number(f), port: Number(port), records: nums(ct), handshakes: nums(hs) };
  });
}

let dir: string;
let cap: Capture;
beforeAll(async () => {
  dir = tempDir();
  cap = await loadCapture(join(root, 'fixtures/lo-tls12-full.pcap'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function withoutFrames(name: string, drop: number[]): string {
  const file = join(dir, name);
  writePcapng(cap, cap.pkts.filter((p) => !drop.includes(p.orig)).map((pkt) => ({ pkt })), file);
  return file;
}

test('lo-tls12-full without its ClientHello (frame 4): TLS from the ServerHello, the client read after its hole', async () => {
  const file = withoutFrames('no-client-hello.pcapng', [4]);
  const shown = await tsharkRecords(file);
  const from = (port: number, pred: (s: (typeof shown)[number]) => boolean) => shown.filter((s) => s.port === port && pred(s)).map((s) => s.frame);
  // tshark on the lossy file: the server's ServerHello in 5, its CCS + Finished in 10, data in 12; the
  // client's CCS + Finished in 9, data in 11, an alert in 13.
  expect(from(443, (s) => s.handshakes.includes(2))).toEqual([5]);
  expect(from(443, (s) => s.records.includes(20))).toEqual([10]);
  expect(from(52696, (s) => s.records.includes(20))).toEqual([9]);
  expect(from(52696, (s) => s.records.includes(21))).toEqual([13]);

  const c = (await analyzeFile(file)).connections[0];
  expect(c.tls).not.toBeNull();
  expect(c.tls!.version).toBe('TLS 1.2');
  expect(c.tls!.sni).toBeNull();
  expect(c.tls!.handshakeMs).toBeNull(); // timed from the ClientHello: not seen
  expect(c.tcp!.missingBytes).toBe(218);
  const ev = (from: string, type: string) => c.events.filter((e) => e.from === from && e.type === type).map((e) => e.frame);
  expect(ev('client', 'ClientHello')).toEqual([]);
  expect(ev('server', 'ServerHello')).toEqual(from(443, (s) => s.handshakes.includes(2)));
  expect(ev('client', 'ChangeCipherSpec')).toEqual(from(52696, (s) => s.records.includes(20)));
  expect(ev('client', 'Finished')).toEqual([9]);
  expect(ev('server', 'Finished')).toEqual([10]);
  expect(c.tls!.alerts.map((a) => [a.from, a.frame])).toEqual([['client', 13]]);
  expect(c.tls!.firstApplicationDataRecord).toEqual({ client: 11, server: 12 });
  // Setup ends with the later Finished (the server's, frame 10), though the client's, behind its hole, is read last.
  expect(c.setup.endFrame).toBe(10);
  expect(c.setup.packets).toBe(10);
});

test('lo-tls12-full without the server CCS + Finished (11): its one record before the FIN is taken, not without the FIN', async () => {
  const closed = (await analyzeFile(withoutFrames('no-server-finished.pcapng', [11]))).connections[0];
  // Lossy frame 12 (the original 13): 17 03 03 01 2a, the whole segment, the server's last bytes before its FIN.
  expect(closed.tls!.firstApplicationDataRecord.server).toBe(12);
  expect(closed.events.filter((e) => e.from === 'server' && e.type === 'ApplicationData').map((e) => e.frame)).toEqual([12]);
  // Without the server's FIN (the original 16) the direction never closes: more bytes could have followed.
  const open = (await analyzeFile(withoutFrames('no-server-finished-no-fin.pcapng', [11, 16]))).connections[0];
  expect(open.events.some((e) => e.from === 'server' && e.type === 'FIN')).toBe(false);
  expect(open.tls!.firstApplicationDataRecord.server).toBeNull();
});

/**
 * The rule, as in the invariance tests: without its ClientHello a connection's
 * timeline is the original's without the ClientHello, later frames one lower,
 * and the setup one packet (and the frame's bytes) smaller. Also without the
 * client's ClientKeyExchange (TLS 1.2): its direction's handshake messages are
 * out of step after the hole until its ChangeCipherSpec, and we do not guess
 * that the record after the hole begins a message (tshark reads it). TLS 1.3 too,
 * where the client's direction, held behind its hole, is read after the
 * server's records that followed the client's Finished.
 */
test.each(['lo-tls12-full.pcap', 'lo-tls13-full.pcap', 'zeek-tls12-basic.pcap'])('%s without frame 4: the original timeline less the ClientHello', async (fixture) => {
  const src = join(root, 'fixtures', fixture);
  const original = await loadCapture(src);
  const file = join(dir, `${fixture}-no-4.pcapng`);
  writePcapng(original, original.pkts.filter((p) => p.orig !== 4).map((pkt) => ({ pkt })), file);
  const lostLen = original.pkts.find((p) => p.orig === 4)!.origLen;
  const [a] = (await analyzeFile(src)).connections;
  const [b] = (await analyzeFile(file)).connections;
  const shift = (f: number) => (f > 4 ? f - 1 : f);
  expect(b.events.map((e) => [e.from, e.type, e.frame])).toEqual(
    a.events.filter((e) => e.type !== 'ClientHello' && e.type !== 'ClientKeyExchange').map((e) => [e.from, e.type, shift(e.frame)]),
  );
  expect(b.tls!.versionCode).toBe(a.tls!.versionCode);
  expect(b.tls!.alerts.map((x) => [x.from, x.frame])).toEqual(a.tls!.alerts.map((x) => [x.from, shift(x.frame)]));
  expect(b.setup.endFrame).toBe(shift(a.setup.endFrame!));
  expect(b.setup.packets).toBe(a.setup.packets - 1);
  expect(b.setup.bytes).toBe(a.setup.bytes - lostLen);
  expect(b.setup.ms).toBe(a.setup.ms);
  expect(b.firstDataMs).toEqual(a.firstDataMs);
  expect(b.tls!.handshakeMs).toBeNull();
});

/**
 * Capture order across directions: a capture point that saw the server's reply
 * before the client's hello (the ClientHello, frame 4, written after the
 * ServerHello, frame 6, with a timestamp 1 µs after it; the server's ACK of
 * the hello, frame 5, stays before both). The session begins at
 * the ServerHello; the client's direction then begins with its own hello, which
 * is read at once from its first byte, not searched for as a chain of record
 * headers. Every frame below is tshark's on the reordered file.
 */
test.each(['lo-tls12-full.pcap', 'lo-tls13-full.pcap'])('%s with its ClientHello captured after the ServerHello: both hellos in tshark\'s frames', async (fixture) => {
  const original = await loadCapture(join(root, 'fixtures', fixture));
  const hello = original.pkts.find((p) => p.orig === 4)!;
  const reply = original.pkts.find((p) => p.orig === 6)!;
  const order = original.pkts.filter((p) => p !== hello).flatMap((p) => (p === reply ? [p, hello] : [p]));
  const file = join(dir, `${fixture}-hello-after-reply.pcapng`);
  const nsec = reply.tsNsec + 1000;
  writePcapng(
    original,
    order.map((pkt) => (pkt === hello ? { pkt, tsSec: reply.tsSec + Math.floor(nsec / 1e9), tsNsec: nsec % 1e9 } : { pkt })),
    file,
  );
  const shown = await tsharkRecords(file);
  const clientPort = shown.find((s) => s.handshakes.includes(1))!.port;
  const hs = (port: number, type: number) => shown.filter((s) => s.port === port && s.handshakes.includes(type)).map((s) => s.frame);
  // tshark: the ServerHello in 5, the ClientHello in 6.
  expect(hs(443, 2)).toEqual([5]);
  expect(hs(clientPort, 1)).toEqual([6]);

  const c = (await analyzeFile(file)).connections[0];
  const ev = (from: string, type: string) => c.events.filter((e) => e.from === from && e.type === type).map((e) => e.frame);
  expect(ev('server', 'ServerHello')).toEqual([5]);
  expect(ev('client', 'ClientHello')).toEqual([6]);
  expect(c.tls!.sni).not.toBeNull(); // read from the ClientHello
  expect(ev('client', 'ChangeCipherSpec')).toEqual(shown.filter((s) => s.port === clientPort && s.records.includes(20)).map((s) => s.frame));
});
