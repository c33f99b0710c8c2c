/**
 * Resynchronisation at the end of a closed direction (issue 11, the second bug
 * the loss tests found): after a hole, one record header whose record ends
 * exactly where the direction's bytes end is taken, though resynchronisation
 * otherwise wants a chain of two headers. The bytes are the server's, from
 * ns-tls12-mtu1500-cert-chain.pcap as tshark reads them: frame 15 holds its
 * ChangeCipherSpec and Finished (51 bytes), frame 17 one application-data
 * record, 17 03 03 01 2a (298 bytes of body, 303 in all), the last bytes the
 * server sends before its FIN (frame 19, seq 5368 = 5065 + 303).
 */
import { RecordReader, findRecordChain, type TlsRecord } from '../../src/tls/records.js';
import { TlsSession } from '../../src/tls/session.js';
import type { TlsMessage } from '../../src/tls/types.js';
import { readSegments, type Segment } from './streams.js';

const FIXTURE = 'ns-tls12-mtu1500-cert-chain.pcap';
let segs: Segment[];
let finished: Segment; // frame 15: server CCS + Finished
let data: Segment; // frame 17: server application data, the last record before the FIN
beforeAll(() => {
  segs = readSegments(FIXTURE);
  finished = segs.find((s) => s.frame === 15)!;
  data = segs.find((s) => s.frame === 17)!;
});

function reader(): { r: RecordReader; records: TlsRecord[]; problems: string[] } {
  const records: TlsRecord[] = [];
  const problems: string[] = [];
  const r = new RecordReader('server', { record: (x) => records.push(x), problem: (t) => problems.push(t) }, { keep: () => false });
  return { r, records, problems };
}

test('the bytes: frame 17 is one whole record, ending the server direction at its FIN', () => {
  expect(data.sport).toBe(443);
  expect(data.payload.length).toBe(303);
  expect([...data.payload.subarray(0, 5)]).toEqual([0x17, 0x03, 0x03, 0x01, 0x2a]);
  const fin = segs.find((s) => s.sport === 443 && (s.flags & 0x01) !== 0)!;
  expect(fin.frame).toBe(19);
  expect(fin.seq).toBe((data.seq + data.payload.length) >>> 0);
  // Alone it is no chain: the successor's header would lie beyond the bytes.
  expect(findRecordChain(data.payload)).toEqual({ at: 0, wait: true });
});

test('after a hole: nothing until the stream ends, then the record, in its own frame', () => {
  const { r, records, problems } = reader();
  r.gap(51); // frame 15 lost
  r.feed(data.payload, data.stamp);
  expect(records).toEqual([]);
  expect(r.resyncing).toBe(true);
  expect(r.endOfStream()).toBe(true);
  expect(records.map((x) => [x.type, x.length, x.first.frame, x.last.frame])).toEqual([[23, 298, 17, 17]]);
  expect(problems[problems.length - 1]).toMatch(/resynchronised after skipping 0 bytes, on a record that ends the stream/);
  expect(r.resyncing).toBe(false);
  expect(r.endOfStream()).toBe(false); // idempotent
});

test('after a hole inside a record: the tail of the Finished is skipped, the record after it found', () => {
  const { r, records } = reader();
  // The gap falls in the first 20 bytes of frame 15 (inside its CCS and the Finished record's header).
  r.gap(20);
  r.feed(finished.payload.subarray(20), finished.stamp);
  r.feed(data.payload, data.stamp);
  expect(records).toEqual([]);
  expect(r.endOfStream()).toBe(true);
  expect(records.map((x) => [x.type, x.length, x.first.frame, x.last.frame, x.offset])).toEqual([[23, 298, 17, 17, 51]]);
});

test('not taken when the record does not end exactly where the bytes end', () => {
  const cut = reader();
  cut.r.gap(51);
  cut.r.feed(data.payload.subarray(0, 302), data.stamp); // one byte short
  expect(cut.r.endOfStream()).toBe(false);
  expect(cut.records).toEqual([]);
  const more = reader();
  more.r.gap(51);
  more.r.feed(Buffer.concat([data.payload, finished.payload.subarray(0, 3)]), data.stamp); // 3 bytes past its end
  expect(more.r.endOfStream()).toBe(false);
  expect(more.records).toEqual([]);
});

test('ciphertext alone (the record body without its header) is not taken for a record', () => {
  const { r, records } = reader();
  r.gap(56);
  r.feed(data.payload.subarray(5), data.stamp);
  expect(r.endOfStream()).toBe(false);
  expect(records).toEqual([]);
});

test('nothing to do when the direction is in step', () => {
  const { r, records } = reader();
  r.feed(finished.payload, finished.stamp);
  r.feed(data.payload, data.stamp);
  expect(records.map((x) => x.type)).toEqual([20, 22, 23]);
  expect(r.endOfStream()).toBe(false);
  expect(records.length).toBe(3);
});

test('TlsSession: the server application data is reported at the end of its stream, not before', () => {
  const msgs: TlsMessage[] = [];
  const s = new TlsSession({ message: (m) => msgs.push(m) });
  const first = segs.filter((x) => x.payload.length > 0 && x.frame < 15);
  for (const x of first) s.feed(x.sport === 443 ? 'server' : 'client', x.payload, x.stamp);
  s.gap('server', 51);
  s.feed('server', data.payload, data.stamp);
  expect(s.summary().firstApplicationDataRecord.server).toBeUndefined();
  s.endOfStream('server');
  expect(s.summary().firstApplicationDataRecord.server?.frame).toBe(17);
  expect(msgs.filter((m) => m.from === 'server' && m.type === 'ApplicationData').map((m) => m.last.frame)).toEqual([17]);
});
