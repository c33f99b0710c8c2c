/**
 * Robustness: every prefix of every real frame of every fixture, and seeded
 * random mutations of them decoded under every supported link type, never
 * throw and always yield a consistent result.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { decodeFrame, type DecodedPacket } from '../../src/decode/index.js';
import { readFrames, type TestFrame } from './read-frames.js';
import { mulberry32 } from '../helpers/rng.js';

const FIXTURES = path.resolve(process.cwd(), 'fixtures');
const LINK_TYPES = [0, 1, 12, 14, 101, 108, 113, 228, 229, 239, 276];

let frames: TestFrame[] = [];
beforeAll(async () => {
  const files = readdirSync(FIXTURES)
    .filter((f) => /\.(pcap|pcapng)$/.test(f))
    .sort();
  for (const f of files) frames = frames.concat(await readFrames(path.join(FIXTURES, f)));
});

/** Invariants any result must satisfy, whatever the input. */
function check(p: DecodedPacket, data: Buffer): string | undefined {
  for (const problem of p.problems) {
    if (!(problem.offset >= 0 && problem.offset <= data.length)) return `problem offset ${problem.offset} outside frame`;
    if (typeof problem.reason !== 'string' || problem.reason === '') return 'empty reason';
  }
  if (p.tcp) {
    const t = p.tcp;
    if (t.payload.length > t.payloadLength) return 'payload longer than tcp.len';
    if (t.payload.buffer !== data.buffer) return 'payload is not a view of the frame';
    if (t.headerLength < 20 || t.headerLength > 60) return `header length ${t.headerLength}`;
    if (!(t.seq >= 0 && t.seq <= 0xffffffff && t.ack >= 0 && t.ack <= 0xffffffff)) return 'seq/ack not uint32';
    if (p.ipVersion === undefined) return 'TCP without IP';
  }
  if ((p.src === undefined) !== (p.ipVersion === undefined)) return 'address without IP version';
  return undefined;
}

/** Small deterministic PRNG (mulberry32) so failures reproduce. */
const rng = mulberry32;

test('fixtures provide frames to fuzz', () => {
  expect(frames.length).toBeGreaterThan(500);
});

test('every prefix of every real frame decodes without throwing', () => {
  const failures: string[] = [];
  let decoded = 0;
  let sawTruncation = 0;
  for (const f of frames) {
    for (let n = 0; n <= f.data.length; n++) {
      const view = f.data.subarray(0, n);
      const p = decodeFrame(view, f.linkType);
      decoded++;
      if (n < f.data.length && p.problems.length > 0) sawTruncation++;
      const bad = check(p, view);
      if (bad !== undefined && failures.length < 10) failures.push(`frame ${f.number} len ${n}: ${bad}`);
    }
  }
  expect(failures).toEqual([]);
  expect(decoded).toBeGreaterThan(100000);
  expect(sawTruncation).toBeGreaterThan(decoded / 2);
});

test('random mutations under every supported link type decode without throwing', () => {
  const random = rng(20240611);
  const failures: string[] = [];
  let decoded = 0;
  for (const f of frames) {
    for (let round = 0; round < 8; round++) {
      const copy = Buffer.from(f.data);
      const flips = 1 + Math.floor(random() * 6);
      for (let i = 0; i < flips && copy.length > 0; i++) {
        // Bias mutations towards the headers, where the length fields live.
        const limit = Math.min(copy.length, random() < 0.8 ? 80 : copy.length);
        copy[Math.floor(random() * limit)] = Math.floor(random() * 256);
      }
      const cut = random() < 0.3 ? Math.floor(random() * copy.length) : copy.length;
      const data = copy.subarray(0, cut);
      for (const lt of LINK_TYPES) {
        const p = decodeFrame(data, lt);
        decoded++;
        const bad = check(p, data);
        if (bad !== undefined && failures.length < 10) failures.push(`frame ${f.number} round ${round} linktype ${lt}: ${bad}`);
      }
    }
  }
  expect(failures).toEqual([]);
  expect(decoded).toBeGreaterThan(50000);
});
