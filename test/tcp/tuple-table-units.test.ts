/**
 * TupleTable (src/tcp/tuple-table.ts): the tracker's open connections by 4-tuple. Checked
 * against a Map keyed by the tuple's text through random adds and deletes, with hashes
 * forced to collide, and through its growth, shrinking and closing up of holes.
 */
import { homeSlot } from '../../src/base/hash.js';
import { TupleTable, tupleHash, type TupleEntry } from '../../src/tcp/tuple-table.js';
import { ipv4ToString } from '../../src/decode/address.js';
import { textHash } from '../../src/base/hash.js';
import { decodeFrame } from '../../src/decode/index.js';
import { mulberry32 } from '../helpers/rng.js';

interface Conn extends TupleEntry {
  id: number;
}

const conn = (id: number, ipA: string, portA: number, ipB: string, portB: number, hash?: number): Conn => ({
  id,
  ipA,
  portA,
  ipB,
  portB,
  tupleHash: hash ?? tupleHash(textHash(ipA), portA, textHash(ipB), portB),
});

const text = (ipA: string, pa: number, ipB: string, pb: number): string => {
  const x = `${ipA}|${pa}`;
  const y = `${ipB}|${pb}`;
  return x < y ? `${x}/${y}` : `${y}/${x}`;
};

const findIn = (t: TupleTable<Conn>, c: Pick<Conn, 'ipA' | 'portA' | 'ipB' | 'portB'>, hash?: number, reversed = false): Conn | undefined => {
  const h = hash ?? tupleHash(textHash(c.ipA), c.portA, textHash(c.ipB), c.portB);
  return reversed ? t.find(h, c.ipB, c.portB, c.ipA, c.portA) : t.find(h, c.ipA, c.portA, c.ipB, c.portB);
};

describe('tupleHash and the decoder\'s address hashes', () => {
  test('the same hash from either side; a decoded packet carries textHash of its address strings, cached or not', () => {
    expect(tupleHash(1, 2, 3, 4)).toBe(tupleHash(3, 4, 1, 2));
    expect(tupleHash(1, 2, 3, 4)).not.toBe(tupleHash(1, 4, 3, 2));
    const ipv4 = Buffer.from('000000000002000000000001080045000028000100004006' + '0000c0a80101d5c2c3c404d201bb00000000000000005002ffff00000000', 'hex');
    const ipv6 = Buffer.from(
      '00000000000200000000000186dd6000000000140640' + '20010db8000000000000000000000001' + '20010db8000000000000000000000abc' + '04d201bb00000000000000005002ffff00000000',
      'hex',
    );
    // Twice each: the first decode makes the strings (a cache miss), the second finds them.
    for (let round = 0; round < 2; round++) {
      const p4 = decodeFrame(ipv4, 1);
      expect([p4.src, p4.dst]).toEqual(['192.168.1.1', '213.194.195.196']);
      expect([p4.srcHash, p4.dstHash]).toEqual([textHash('192.168.1.1'), textHash('213.194.195.196')]);
      const p6 = decodeFrame(ipv6, 1);
      expect([p6.src, p6.dst]).toEqual(['2001:db8::1', '2001:db8::abc']);
      expect([p6.srcHash, p6.dstHash]).toEqual([textHash('2001:db8::1'), textHash('2001:db8::abc')]);
    }
    expect(textHash('10.0.0.1')).not.toBe(textHash('10.0.0.10'));
  });
});

describe('TupleTable', () => {
  test.each([
    ['their own hashes', 0, 0],
    ['48 hashes shared by all (long probe runs)', 48, 0],
    ['6 hashes whose probes start in the last 8 or the first 4 of 1,024 slots (runs that wrap past the end)', 6, 1016],
  ])('random adds, lookups both ways and deletes agree with a map of tuple texts: %s', (_, pool, from) => {
    const rnd = mulberry32(14 + pool);
    const hashes: number[] = [];
    while (hashes.length < pool) {
      const h = (rnd() * 2 ** 32) | 0;
      const home = homeSlot(h, 22);
      const wanted = from === 0 || (hashes.length % 2 === 0 ? home >= from : home < 4);
      if (wanted) hashes.push(h);
    }
    const forced = new Map<string, number>();
    const hashOf = (key: string): number | undefined => {
      if (pool === 0) return undefined;
      let h = forced.get(key);
      if (h === undefined) forced.set(key, (h = hashes[forced.size % pool]!));
      return h;
    };
    const t = new TupleTable<Conn>();
    const model = new Map<string, Conn>();
    let id = 0;
    let mismatches = 0;
    for (let step = 0; step < 30_000; step++) {
      const r = rnd();
      // Few addresses and ports, so tuples repeat and probe runs are long.
      const ipA = ipv4ToString(Uint8Array.of(10, 0, 0, Math.floor(rnd() * 8)), 0);
      const ipB = ipv4ToString(Uint8Array.of(10, 0, 1, Math.floor(rnd() * 4)), 0);
      const portA = 1000 + Math.floor(rnd() * 7); // 448 tuples: the index stays at 1,024 slots
      const portB = rnd() < 0.5 ? 443 : 8443;
      const key = text(ipA, portA, ipB, portB);
      const have = model.get(key);
      const h = hashOf(key);
      if (findIn(t, { ipA, portA, ipB, portB }, h) !== have) mismatches++;
      if (findIn(t, { ipA, portA, ipB, portB }, h, true) !== have) mismatches++;
      if (have === undefined && r < 0.6) {
        const c = conn(id++, ipA, portA, ipB, portB, h);
        t.add(c);
        model.set(key, c);
      } else if (have !== undefined && r < 0.5) {
        t.delete(have);
        model.delete(key);
      }
      if (t.size !== model.size) mismatches++;
    }
    expect(mismatches).toBe(0);
    expect(model.size).toBeGreaterThan(100);
    expect(t.capacity).toBe(1_024);
    for (const c of model.values()) expect(findIn(t, c, c.tupleHash)).toBe(c);
  });

  test('connections whose hashes collide are told apart by their endpoints, and deleting one keeps the others findable', () => {
    const t = new TupleTable<Conn>();
    const cs = Array.from({ length: 50 }, (_, i) => conn(i, `2001:db8::${i}`, 40000 + i, '2001:db8::ffff', 443, 12345));
    for (const c of cs) t.add(c);
    for (const c of cs) expect(findIn(t, c, 12345)).toBe(c);
    expect(findIn(t, { ipA: '2001:db8::99', portA: 40099, ipB: '2001:db8::ffff', portB: 443 }, 12345)).toBeUndefined();
    for (let i = 0; i < cs.length; i += 3) t.delete(cs[i]!);
    for (let i = 0; i < cs.length; i++) expect(findIn(t, cs[i]!, 12345)).toBe(i % 3 === 0 ? undefined : cs[i]);
    // A connection with a port pair the same both ways round (a self-connection) is found either way.
    const self = conn(99, '10.9.9.9', 5000, '10.9.9.9', 5000);
    t.add(self);
    expect(findIn(t, self)).toBe(self);
    expect(findIn(t, self, undefined, true)).toBe(self);
  });

  test('grows past half full, shrinks below an eighth, and closes up the holes deletions leave', () => {
    const t = new TupleTable<Conn>();
    const cs = Array.from({ length: 20_000 }, (_, i) => conn(i, ipv4ToString(Uint8Array.of(10, 1, i >> 8, i & 255), 0), 1024 + (i % 7), '10.0.0.1', 443));
    for (const c of cs) t.add(c);
    expect(t.capacity).toBe(65_536);
    expect(t.length).toBe(20_000);
    // Delete 15,000: the holes come to outnumber the connections and are closed up; the index shrinks.
    for (let i = 0; i < 15_000; i++) t.delete(cs[i]!);
    expect(t.size).toBe(5_000);
    expect(t.length).toBeLessThan(2 * 5_000 + 1_024 + 1);
    expect(t.capacity).toBeLessThanOrEqual(32_768);
    for (let i = 0; i < cs.length; i++) expect(findIn(t, cs[i]!)).toBe(i < 15_000 ? undefined : cs[i]);
    // Deleting one not filed changes nothing.
    t.delete(cs[0]!);
    expect(t.size).toBe(5_000);
    for (let i = 15_000; i < cs.length; i++) t.delete(cs[i]!);
    expect(t.size).toBe(0);
    expect(t.capacity).toBe(1_024);
    expect(t.length).toBe(0);
    // Emptied (as when every open connection has closed), it files and finds connections again.
    for (let i = 0; i < 600; i++) t.add(cs[i]!);
    for (let i = 0; i < 1_000; i++) expect(findIn(t, cs[i]!)).toBe(i < 600 ? cs[i] : undefined);
    t.clear();
    expect(findIn(t, cs[0]!)).toBeUndefined();
    t.add(cs[1]!);
    expect(findIn(t, cs[1]!)).toBe(cs[1]);
  });
});
