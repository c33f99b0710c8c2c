/** 64-bit pcapng timestamps -> (sec, nsec), checked against exact BigInt arithmetic. */
import { splitTimestamp, tsResolution } from '../../src/capture/index.js';

function reference(high: number, low: number, units: bigint): [number, number] {
  const ts = (BigInt(high) << 32n) | BigInt(low);
  return [Number(ts / units), Number(((ts % units) * 1_000_000_000n) / units)];
}

const resolutions = [0, 3, 6, 7, 9, 12, 0x80 | 0, 0x80 | 10, 0x80 | 20, 0x80 | 30, 0x80 | 32];

test.each(resolutions)('if_tsresol 0x%s: exact for random and edge 64-bit values', (r) => {
  const res = tsResolution(r);
  const units = r & 0x80 ? 1n << BigInt(r & 0x7f) : 10n ** BigInt(r);
  const out = { sec: 0, nsec: 0 };
  const cases: [number, number][] = [
    [0, 0],
    [0xffffffff, 0xffffffff],
    [0x179c5a3e, 0x8f1c2d4b], // 1.7e18 ns: a 2023 ns timestamp, beyond 2^53
    [0, 999_999_999],
  ];
  for (let i = 0; i < 2000; i++) cases.push([Math.floor(Math.random() * 2 ** 32), Math.floor(Math.random() * 2 ** 32)]);
  for (const [h, l] of cases) {
    splitTimestamp(h, l, res, out);
    expect([out.sec, out.nsec]).toEqual(reference(h, l, units));
  }
});

test('resolution labels and units', () => {
  expect(tsResolution(6)).toMatchObject({ unitsPerSecond: 1e6, label: 'µs' });
  expect(tsResolution(9)).toMatchObject({ unitsPerSecond: 1e9, label: 'ns' });
  expect(tsResolution(7)).toMatchObject({ unitsPerSecond: 1e7, label: '10^-7 s' });
  expect(tsResolution(0x80 | 20)).toMatchObject({ unitsPerSecond: 2 ** 20, label: '2^-20 s' });
});
