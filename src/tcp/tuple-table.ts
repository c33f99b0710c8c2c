/**
 * The open connections by 4-tuple (issue 14).
 *
 * The table this replaces kept two maps: address string -> small id (with a
 * count of users, so ids could be reused), and the id pair as a number -> the
 * connection (or a map by ports when a pair had several). With 100,000
 * connections open to as many addresses (a scan, a SYN flood past the cap) the
 * two maps' tables were 14 MB and every pair key a boxed number, ~150 bytes a
 * connection.
 *
 * Here the connections are kept in one array in the order they were filed,
 * and an open-addressing index of typed arrays maps a tuple's hash to a place
 * in it: 8 bytes a slot (position and hash) at a load between 1/8 and 1/2, and
 * 8 bytes a place, ~30–60 bytes a connection. New connections are appended,
 * as in a JS Map: an index that held the connections themselves, each written
 * at its hash's slot anywhere in a 2 MB array, made every scavenge walk
 * references from old space scattered over all of it (+60 % scavenge time on
 * a SYN flood). A removed connection leaves a hole that is closed up once the
 * holes outnumber the connections.
 *
 * A tuple's hash is made from its address strings' hashes (DecodedPacket.srcHash,
 * kept by the decoder with its cached strings; textHash of the string when a
 * packet has none) and the ports, the same from either side; a slot matches when
 * the hash matches and the connection's ports and address strings are the
 * tuple's, so addresses whose hashes collide are never taken for each other. Deletion moves later slots of
 * the probe run back (no tombstones), so a lookup stops at the first empty slot.
 */

import { homeSlot } from '../base/hash.js';

/** What the table reads of a connection: its endpoints and the hash it was filed under. */
export interface TupleEntry {
  readonly ipA: string;
  readonly portA: number;
  readonly ipB: string;
  readonly portB: number;
  /** tupleHash(...) of its endpoints, set by whoever files it. */
  tupleHash: number;
}

const MIN_BITS = 10;

/** One endpoint's share of a tuple hash. */
function endpointHash(addr: number, port: number): number {
  const h = Math.imul(addr ^ Math.imul(port + 1, 0x27d4eb2f), 0x9e3779b1);
  return h ^ (h >>> 16);
}

/** A 32-bit hash of a 4-tuple, the same from either side (the two endpoints combined symmetrically). */
export function tupleHash(addrA: number, portA: number, addrB: number, portB: number): number {
  const x = endpointHash(addrA, portA);
  const y = endpointHash(addrB, portB);
  let h = Math.imul((x + y) | 0, 0x85ebca6b) ^ Math.imul(x ^ y, 0xc2b2ae35);
  h ^= h >>> 15;
  return h | 0;
}

export class TupleTable<T extends TupleEntry> {
  /** The connections in the order they were filed; undefined where one was removed. */
  private entries: (T | undefined)[] = [];
  /** Index slots: a place in `entries` + 1 (0: empty), and the hash filed there. */
  private places = new Int32Array(1 << MIN_BITS);
  private hashes = new Int32Array(1 << MIN_BITS);
  private shift = 32 - MIN_BITS;
  private mask = (1 << MIN_BITS) - 1;
  /** Connections filed. */
  size = 0;

  /** Index slots (for tests of growth and shrinking). */
  get capacity(): number {
    return this.places.length;
  }

  /** Places in the array of connections, holes included (for tests of closing up). */
  get length(): number {
    return this.entries.length;
  }

  private home(h: number): number {
    return homeSlot(h, this.shift);
  }

  /** The connection filed under hash `h` whose endpoints are (src, sport) and (dst, dport), either way round. */
  find(h: number, src: string, sport: number, dst: string, dport: number): T | undefined {
    const places = this.places;
    const hashes = this.hashes;
    const mask = this.mask;
    for (let i = this.home(h); ; i = (i + 1) & mask) {
      const at = places[i]!;
      if (at === 0) return undefined;
      if (hashes[i] !== h) continue;
      const c = this.entries[at - 1]!;
      if (
        (c.portA === sport && c.portB === dport && c.ipA === src && c.ipB === dst) ||
        (c.portA === dport && c.portB === sport && c.ipA === dst && c.ipB === src)
      ) {
        return c;
      }
    }
  }

  /** Files `c` under `c.tupleHash` (the caller knows no entry has its endpoints). */
  add(c: T): void {
    if (2 * (this.size + 1) > this.places.length) this.reindex(this.places.length * 2);
    this.entries.push(c);
    this.place(c.tupleHash, this.entries.length);
    this.size++;
  }

  /** Removes `c` if it is filed; later slots of its probe run move back into the gap. */
  delete(c: T): void {
    const places = this.places;
    const hashes = this.hashes;
    const mask = this.mask;
    const entries = this.entries;
    let i = this.home(c.tupleHash);
    for (;;) {
      const at = places[i]!;
      if (at === 0) return;
      if (entries[at - 1] === c) {
        entries[at - 1] = undefined;
        break;
      }
      i = (i + 1) & mask;
    }
    this.size--;
    for (;;) {
      places[i] = 0;
      let j = i;
      let moved = false;
      for (;;) {
        j = (j + 1) & mask;
        if (places[j] === 0) break;
        const k = this.home(hashes[j]!);
        // The slot at j stays if its home lies cyclically in (i, j]; otherwise it fills the gap at i.
        const stays = i <= j ? i < k && k <= j : i < k || k <= j;
        if (!stays) {
          places[i] = places[j]!;
          hashes[i] = hashes[j]!;
          i = j;
          moved = true;
          break;
        }
      }
      if (!moved) break;
    }
    if (this.size === 0) {
      // The last one gone: no slot is in use any more, so only the array of connections starts
      // again (a capture of one connection at a time empties the table at every close).
      entries.length = 0;
      if (this.places.length > 1 << MIN_BITS) this.reindex(1 << MIN_BITS);
    } else if (entries.length - this.size > Math.max(1 << MIN_BITS, this.size)) this.reindex(this.places.length);
    else if (this.places.length > 1 << MIN_BITS && 8 * this.size < this.places.length) this.reindex(this.places.length / 2);
  }

  /** Empties the table and lets its arrays go. */
  clear(): void {
    this.entries = [];
    this.size = 0;
    this.reindex(1 << MIN_BITS);
  }

  private place(h: number, at: number): void {
    const places = this.places;
    const mask = this.mask;
    let i = this.home(h);
    while (places[i] !== 0) i = (i + 1) & mask;
    places[i] = at;
    this.hashes[i] = h;
  }

  /** An index of `n` slots over the connections closed up (holes dropped, order kept). */
  private reindex(n: number): void {
    const old = this.entries;
    const live: T[] = [];
    for (const c of old) if (c !== undefined) live.push(c);
    this.entries = live;
    this.places = new Int32Array(n);
    this.hashes = new Int32Array(n);
    this.mask = n - 1;
    this.shift = 32 - Math.log2(n);
    for (let k = 0; k < live.length; k++) this.place(live[k]!.tupleHash, k + 1);
  }
}
