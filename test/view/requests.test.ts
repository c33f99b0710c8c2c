/**
 * The decrypted connection as the UI shows it (view/model.ts): the table's
 * version cell carries the decrypted marker, the ladder the real message
 * names, and the detail a per-request waterfall whose rows start and end at
 * the times of tshark's frames (the HTTP/2 HEADERS of each request and
 * response, from the key-log golden; times from tshark's frame.time_epoch).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { analyzeFile } from '../../src/analyze.js';
import { KeyLog } from '../../src/tls/keylog.js';
import type { ConnectionRecord } from '../../src/timeline/types.js';
import { DECRYPTED_MARK, detailLines, ladder, requestWaterfall, versionCell } from '../../src/view/model.js';
import { epoch } from '../../src/base/stamp.js';
import { frameTimes } from '../http/feed.js';

const FIX = path.resolve('fixtures/keylog');
const CAP = path.join(FIX, 'lo-http2-5req-keylog.pcap');
const gold = JSON.parse(readFileSync(path.resolve('test/golden-keylog/lo-http2-5req-keylog.pcap.json'), 'utf8'));

let dec: ConnectionRecord;
let plain: ConnectionRecord;
let times: Map<number, number>;
beforeAll(async () => {
  const keyLog = new KeyLog().add(readFileSync(path.join(FIX, 'lo-http2-5req-keylog.keys.log')));
  dec = (await analyzeFile(CAP, { keyLog })).connections[0]!;
  plain = (await analyzeFile(CAP)).connections[0]!;
  times = new Map([...frameTimes(CAP)].map(([n, s]) => [n, epoch(s)]));
});

test('the table marks the decrypted connection only', () => {
  expect(versionCell(dec)).toBe(`TLS1.3 ${DECRYPTED_MARK}`);
  expect(versionCell(plain)).toBe('TLS1.3');
});

test('the ladder names the real messages, none inferred', () => {
  const server = ladder(dec).filter((r) => r.from === 'server').map((r) => r.event.split(' ')[0]);
  for (const name of ['EncryptedExtensions', 'Certificate', 'CertificateVerify', 'Finished', 'NewSessionTicket']) expect(server).toContain(name);
  expect(ladder(dec).some((r) => r.event.includes('(inferred)'))).toBe(false);
  expect(ladder(plain).some((r) => r.event.includes('(inferred)'))).toBe(true);
});

test("the per-request waterfall: setup, then each request's wait and transfer at tshark's frame times", () => {
  const rows = requestWaterfall(dec, 60);
  const req = gold.streams[0].sides.client.http2Headers as { frame: number; stream: number }[];
  const res = gold.streams[0].sides.server.http2Headers as { frame: number; stream: number }[];
  expect(rows[0]).toMatchObject({ label: 'setup', startMs: 0, durationMs: dec.setup.ms });
  const waits = rows.filter((r) => r.label.endsWith(' wait'));
  expect(waits.map((w) => w.label)).toEqual(req.map((h, i) => `#${i + 1} GET 200 s${h.stream} wait`));
  waits.forEach((w, i) => {
    const at = (frame: number) => (times.get(frame)! - dec.start) * 1000;
    expect(w.startMs).toBeCloseTo(at(req[i]!.frame), 3);
    expect(w.startMs + w.durationMs).toBeCloseTo(at(res.find((h) => h.stream === req[i]!.stream)!.frame), 3);
  });
  expect(rows.filter((r) => r.label.endsWith(' transfer'))).toHaveLength(req.length);
  for (const r of rows) expect(r.barOffset + r.barLength).toBeLessThanOrEqual(60);
  const text = detailLines(dec, 110).map((l) => l.text);
  expect(text.some((l) => /^requests\s+5 \(HTTP\/2\), setup .* per request$/.test(l))).toBe(true);
  expect(text.some((l) => /^decrypted\s+dec: yes/.test(l))).toBe(true);
});

test('without keys the waterfall is labelled estimated', () => {
  expect(plain.requestsEstimated).toBe(true);
  const text = detailLines(plain, 110).map((l) => l.text);
  expect(text.some((l) => /^requests \(estimated\)/.test(l))).toBe(true);
  expect(text.some((l) => /estimated from TLS record bursts/.test(l))).toBe(true);
});
