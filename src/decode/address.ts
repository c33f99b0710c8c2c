/**
 * Textual IP addresses as Wireshark prints them: IPv4 dotted quad, IPv6 in
 * RFC 5952 form (lower case, longest run of >= 2 zero groups as '::', the
 * leftmost on a tie, IPv4-mapped/compatible tails as dotted quad).
 *
 * Called for both addresses of ~1.3 M frames, so both formatters sit behind a
 * direct-mapped cache keyed by the address words: a hit costs a few integer
 * compares and no allocation, and returns the same (flat) string every time,
 * which also keeps later Map keys cheap; made flat (join), not as a tree of concatenations.
 */

import { textHash } from '../base/hash.js';

/** textHash (base/hash.ts) of the string ipv4ToString or ipv6ToString returned last, kept with the cached string. */
export let lastAddressHash = 0;

const DEC: string[] = [];
for (let i = 0; i < 256; i++) DEC.push(String(i));

// ---------------------------------------------------------------- IPv4

const V4_BITS = 12;
const V4_SIZE = 1 << V4_BITS;
const v4Keys = new Uint32Array(V4_SIZE);
const v4Strings: (string | undefined)[] = new Array<string | undefined>(V4_SIZE).fill(undefined);
const v4Hashes = new Int32Array(V4_SIZE);

/** Dotted quad of the 4 bytes at `offset` (caller guarantees they exist). */
export function ipv4ToString(data: Uint8Array, offset: number): string {
  const w = ((data[offset] << 24) | (data[offset + 1] << 16) | (data[offset + 2] << 8) | data[offset + 3]) >>> 0;
  const slot = (Math.imul(w, 0x9e3779b1) >>> (32 - V4_BITS)) & (V4_SIZE - 1);
  const hit = v4Strings[slot];
  if (hit !== undefined && v4Keys[slot] === w) {
    lastAddressHash = v4Hashes[slot]!;
    return hit;
  }
  // join, not '+': a string of 13 characters or more made with '+' is a tree of concatenations
  // (68 bytes for a 14-character address, against 42 flat), and the row store keeps one per
  // server address: a scan of a million addresses.
  const s = [DEC[w >>> 24], DEC[(w >>> 16) & 255], DEC[(w >>> 8) & 255], DEC[w & 255]].join('.');
  v4Keys[slot] = w;
  v4Strings[slot] = s;
  v4Hashes[slot] = lastAddressHash = textHash(s);
  return s;
}

// ---------------------------------------------------------------- IPv6

const V6_BITS = 12;
const V6_SIZE = 1 << V6_BITS;
const v6Keys = new Int32Array(V6_SIZE * 4);
const v6Strings: (string | undefined)[] = new Array<string | undefined>(V6_SIZE).fill(undefined);
const v6Hashes = new Int32Array(V6_SIZE);
const groups = new Uint16Array(8);

function word(d: Uint8Array, o: number): number {
  return (d[o] << 24) | (d[o + 1] << 16) | (d[o + 2] << 8) | d[o + 3];
}

/** RFC 5952 text of the 16 bytes at `offset` (caller guarantees they exist). */
export function ipv6ToString(data: Uint8Array, offset: number): string {
  const w0 = word(data, offset);
  const w1 = word(data, offset + 4);
  const w2 = word(data, offset + 8);
  const w3 = word(data, offset + 12);
  let h = Math.imul(w0, 0x9e3779b1) ^ w1;
  h = Math.imul(h, 0x85ebca6b) ^ w2;
  h = Math.imul(h, 0xc2b2ae35) ^ w3;
  h = Math.imul(h ^ (h >>> 15), 0x27d4eb2f);
  const slot = (h >>> (32 - V6_BITS)) & (V6_SIZE - 1);
  const k = slot * 4;
  const hit = v6Strings[slot];
  if (hit !== undefined && v6Keys[k] === w0 && v6Keys[k + 1] === w1 && v6Keys[k + 2] === w2 && v6Keys[k + 3] === w3) {
    lastAddressHash = v6Hashes[slot]!;
    return hit;
  }
  const s = formatIpv6(data, offset);
  v6Keys[k] = w0;
  v6Keys[k + 1] = w1;
  v6Keys[k + 2] = w2;
  v6Keys[k + 3] = w3;
  v6Strings[slot] = s;
  v6Hashes[slot] = lastAddressHash = textHash(s);
  return s;
}

/** Uncached RFC 5952 formatter (exported for tests). */
export function formatIpv6(data: Uint8Array, offset: number): string {
  for (let i = 0; i < 8; i++) groups[i] = (data[offset + 2 * i] << 8) | data[offset + 2 * i + 1];

  // Longest run of zero groups (length >= 2), leftmost on a tie.
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) bestStart = -1;

  // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d) addresses
  // keep their last 32 bits as a dotted quad, as inet_ntop does.
  const v4Tail =
    bestStart === 0 &&
    (bestLen === 6 || (bestLen === 5 && groups[5] === 0xffff)) &&
    // '::' and '::1' are not IPv4-compatible addresses.
    !(bestLen === 6 && groups[6] === 0 && groups[7] <= 1);
  const lastGroup = v4Tail ? 6 : 8;

  // Pieces joined once: a flat string (see ipv4ToString), not a tree of concatenations.
  const out: string[] = [];
  for (let i = 0; i < lastGroup; i++) {
    if (i === bestStart) {
      out.push(i === 0 ? '::' : ':');
      i += bestLen - 1;
      continue;
    }
    out.push(groups[i].toString(16));
    if (i < lastGroup - 1) out.push(':');
  }
  if (v4Tail) {
    if (out[out.length - 1]!.slice(-1) !== ':') out.push(':');
    out.push(DEC[data[offset + 12]], '.', DEC[data[offset + 13]], '.', DEC[data[offset + 14]], '.', DEC[data[offset + 15]]);
  }
  return out.join('');
}
