/**
 * The two damaged recordings of fixtures/lossy/ (scripts/record-lossy.sh).
 * Their frames and metrics are checked against tshark with every other
 * fixture (test/timeline/golden.test.ts, test/metrics); here, what the
 * goldens cannot say.
 */
import { join, resolve } from 'node:path';
import { analyzeFile } from '../../src/analyze.js';
import { loadCapture } from '../invariance/transform.js';
import { tsharkText } from '../helpers/tshark.js';

const root = resolve(process.cwd());
const PREFS = ['-o', 'tcp.desegment_tcp_streams:TRUE', '-o', 'tls.desegment_ssl_records:TRUE', '-o', 'tcp.reassemble_out_of_order:TRUE'];
const fields = (file: string, filter: string, ...f: string[]) =>
  tsharkText(['-n', '-r', file, ...PREFS, '-Y', filter, '-T', 'fields', ...f.flatMap((x) => ['-e', x])])
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('\t'));

test('lossy-2pct-tls: every real hole tshark marks is seen by us, and filled (the retransmission was captured)', async () => {
  const file = join(root, 'fixtures/lossy/lossy-2pct-tls.pcap');
  const holes = fields(file, 'tcp.analysis.lost_segment && tcp.len > 0', 'tcp.stream').map((r) => Number(r[0]));
  expect(holes.length).toBeGreaterThan(0);
  const a = await analyzeFile(file);
  for (const s of holes) {
    const c = a.connections[s];
    expect([s, c.tcp!.outOfOrder + c.tcp!.retransmissions > 0]).toEqual([s, true]);
    // The lost bytes were re-sent and captured: nothing is missing in the end.
    expect([s, c.tcp!.missingBytes]).toEqual([s, 0]);
  }
});

/**
 * midstream-mirror-tls13: a mirror started mid-download (no SYN, no
 * handshake). tshark shows no TLS record at all in it: the server's records
 * are 16 KiB, span a dozen segments, and the capture starts inside one, so
 * nothing tells it where a record begins; the client only sends ACKs. Read by
 * hand: the server's captured bytes are contiguous, and at offset 2266 a chain
 * of type-23 records begins (17 03 03 40 11: 16401 bytes, the largest TLS 1.3
 * record: 16384 + content type + 16-byte tag), the next header 16406 bytes on.
 * Issue 11 #3 labels mid-stream TLS when BOTH directions carry a record chain;
 * here one does, so we report it as tshark does: mid-stream TCP, first server
 * data in the first frame with payload.
 */
test('midstream-mirror-tls13: a record chain in one direction only, as the bytes show; like tshark, not labelled TLS', async () => {
  const file = join(root, 'fixtures/lossy/midstream-mirror-tls13.pcap');
  expect(fields(file, 'tls', 'frame.number')).toEqual([]);
  const cap = await loadCapture(file);
  const server = cap.pkts.filter((p) => p.seg && p.dir?.endsWith('|4433'));
  const client = cap.pkts.filter((p) => p.seg && !p.dir?.endsWith('|4433'));
  expect(client).toEqual([]);
  // The server's stream as captured, in order (no hole: each segment starts where the last ended).
  server.sort((x, y) => ((x.seg!.seq - server[0].seg!.seq) >>> 0) - ((y.seg!.seq - server[0].seg!.seq) >>> 0));
  const parts: Buffer[] = [];
  let next = server[0].seg!.seq;
  for (const p of server) {
    if (p.seg!.seq !== next) continue; // a copy (none expected)
    parts.push(p.data.subarray(p.seg!.payloadOff, p.seg!.payloadOff + p.seg!.len));
    next = (next + p.seg!.len) >>> 0;
  }
  const bytes = Buffer.concat(parts);
  const chain: number[] = [];
  for (let k = 2266; k + 5 <= bytes.length; k += 5 + bytes.readUInt16BE(k + 3)) {
    expect([k, bytes[k], bytes[k + 1], bytes[k + 2]]).toEqual([k, 23, 3, 3]);
    chain.push(bytes.readUInt16BE(k + 3));
  }
  expect(chain.length).toBeGreaterThanOrEqual(6);
  expect(new Set(chain.slice(0, -1))).toEqual(new Set([16401]));

  const c = (await analyzeFile(file)).connections[0];
  expect(c.midstream).toBe(true);
  expect(c.tls).toBeNull();
  const firstData = fields(file, 'tcp.len > 0', 'frame.number')[0][0];
  expect(c.events.find((e) => e.type === 'ApplicationData')?.frame).toBe(Number(firstData));
});
