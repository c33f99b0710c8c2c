/**
 * Malformed packet data never throws out of the pipeline: real captures with
 * bytes of their packets flipped at random (the file structure left intact)
 * go through capture -> decode -> tcp -> tls -> timeline -> report without an
 * exception, and every connection still gets a well-formed record.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { analyzeFile } from '../../src/analyze.js';
import { simulatePool, summarize } from '../../src/report/index.js';

const fixtures = ['zeek-tls12-basic.pcap', 'arkime-curl-tls13.pcap', 'zeek-tls13-hello-retry-request.pcap', 'ns-tls12-lossy-cert-flight.pcap', 'zeek-smtp-starttls.pcap', 'suricata-sslv2-hello-upgrade-tls10.pcap'];

/** xorshift32: the same mutations on every run. */
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

/** Offsets of the packet bodies of a little-endian classic pcap. */
function bodies(buf: Buffer): [number, number][] {
  const out: [number, number][] = [];
  for (let off = 24; off + 16 <= buf.length; ) {
    const len = buf.readUInt32LE(off + 8);
    out.push([off + 16, off + 16 + len]);
    off += 16 + len;
  }
  return out;
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hl-fuzz-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test.each(fixtures)('%s with flipped packet bytes: no exception, well-formed records', async (name) => {
  const original = readFileSync(resolve(process.cwd(), 'fixtures', name));
  expect(original.readUInt32LE(0)).toBe(0xa1b2c3d4); // little-endian µs pcap: bodies() can walk it
  const spans = bodies(original);
  for (let round = 0; round < 25; round++) {
    const rand = rng(round * 7919 + name.length);
    const buf = Buffer.from(original);
    // From a few flips to a heavy battering.
    const flips = 1 + Math.floor(rand() * (round < 12 ? 8 : 200));
    for (let i = 0; i < flips; i++) {
      const [s, e] = spans[Math.floor(rand() * spans.length)]!;
      if (e <= s) continue;
      const at = s + Math.floor(rand() * (e - s));
      buf[at] = rand() < 0.5 ? Math.floor(rand() * 256) : buf[at]! ^ (1 << Math.floor(rand() * 8));
    }
    const file = join(dir, `${round}-${name}`);
    writeFileSync(file, buf);
    const a = await analyzeFile(file);
    expect(a.capture.frames).toBe(spans.length);
    for (const c of a.connections) {
      expect(c.firstFrame).toBeLessThanOrEqual(c.lastFrame);
      for (const ev of c.events) {
        expect(ev.frame).toBeGreaterThanOrEqual(c.firstFrame);
        expect(ev.frame).toBeLessThanOrEqual(c.lastFrame);
        expect(ev.firstFrame).toBeLessThanOrEqual(ev.frame);
      }
      expect(() => JSON.stringify(c)).not.toThrow();
    }
    expect(() => summarize(a.connections)).not.toThrow();
    expect(() => simulatePool(a.connections)).not.toThrow();
  }
});
