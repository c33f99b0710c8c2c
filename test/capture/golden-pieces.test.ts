/**
 * Every fixture read in 1, 7 and 4096-byte pieces gives tshark's frames (split from
 * golden.test.ts so that the two long halves run side by side).
 */
import { readFileSync } from 'node:fs';
import { readCaptureStream } from '../../src/capture/index.js';
import { asGolden, chunked, collector, fixtureNames, fixturePath, goldenFrames, SMALL_PIECES_HEAD } from './helpers.js';

const names = fixtureNames();
const CORRUPT = 'suricata-tls12-corrupt-last-record.pcap';

describe.each(names)('%s', (name) => {
  const file = fixturePath(name);
  const golden = goldenFrames(name);

  test.each([1, 7, 4096])('same frames when read %i bytes at a time (the first 64 KiB; then 4 KiB)', async (size) => {
    const { seen, sink } = collector();
    const r = await readCaptureStream(chunked(readFileSync(file), size, SMALL_PIECES_HEAD), sink, { name });
    expect(asGolden(seen)).toEqual(golden);
    expect(r.error === undefined).toBe(name !== CORRUPT);
  });

});
