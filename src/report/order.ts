/**
 * The reports' order of destinations, for writers that keep only what they need to
 * sort them (the protobuf trailer, the destinations of `pool`/`compare --format json`):
 * total setup ms, largest first, then key (compareTotalKey: JavaScript string order,
 * by UTF-16 code unit), then the order they were added in.
 *
 * What is kept per entry is its total, its key's length and the key's first
 * PREFIX_CHARS code units as bytes (33 bytes in all), not the key: a scan of a
 * million addresses kept a million key strings (~48 MB with the array) only to sort
 * them. A key the prefix and length cannot place exactly (longer than the prefix, or
 * with a code unit of 255 or more in it, where its prefix ends) is kept whole as well,
 * and two keys whose prefixes are equal, one of them such a key, are compared as strings.
 */
import { Float64Column, Uint32Column, Uint8Column } from '../base/typed.js';

/**
 * Key code units kept as bytes per entry, in big-endian words (compared as numbers, they
 * compare as the bytes do): 24 hold every 'address:port' key of IPv4 (at most 21).
 */
const PREFIX_CHARS = 24;
const WORDS = PREFIX_CHARS / 4;

export class TotalKeyOrder {
  private n = 0;
  private readonly totals = new Float64Column();
  /** Key lengths (up to 255: only those of keys the prefix holds whole are read). */
  private readonly lengths = new Uint8Column();
  /** WORDS per entry. */
  private readonly prefix = new Uint32Column();
  /** Keys the prefix and length do not place exactly, by entry. */
  private readonly whole = new Map<number, string>();

  get length(): number {
    return this.n;
  }

  /** Adds an entry; returns its index (0, 1, ...). */
  add(total: number, key: string): number {
    const i = this.n++;
    this.totals.set(i, total);
    this.lengths.set(i, Math.min(key.length, 255));
    let exact = key.length <= PREFIX_CHARS;
    // The prefix ends after the first code unit of 255 or more, kept as 255 (standing for
    // itself and every larger one): past it, the bytes would no longer order the keys.
    let end = Math.min(key.length, PREFIX_CHARS);
    for (let w = 0; w < WORDS; w++) {
      let word = 0;
      for (let b = 0; b < 4; b++) {
        const k = w * 4 + b;
        let cu = k < end ? key.charCodeAt(k) : 0;
        if (cu >= 255) {
          cu = 255;
          exact = false;
          end = k + 1;
        }
        word = ((word << 8) | cu) >>> 0;
      }
      this.prefix.set(i * WORDS + w, word);
    }
    if (!exact) this.whole.set(i, key);
    return i;
  }

  /** Entries i and j in the order: negative when i comes first. */
  compare(i: number, j: number): number {
    // As compareTotalKey's `||`: a difference of 0 (or NaN) goes on to the keys.
    const d = this.totals.get(j) - this.totals.get(i);
    if (d) return d;
    for (let w = 0; w < WORDS; w++) {
      const a = this.prefix.get(i * WORDS + w);
      const b = this.prefix.get(j * WORDS + w);
      if (a !== b) return a < b ? -1 : 1;
    }
    const wi = this.whole.get(i);
    const wj = this.whole.get(j);
    if (wi === undefined && wj === undefined) {
      // Both exact, the same code units as far as the shorter goes: the shorter first.
      return this.lengths.get(i) - this.lengths.get(j) || i - j;
    }
    const ki = wi ?? this.keyText(i);
    const kj = wj ?? this.keyText(j);
    return ki < kj ? -1 : ki > kj ? 1 : i - j;
  }

  /** Indexes of every entry, in the order. */
  order(): Uint32Array {
    const order = new Uint32Array(this.n);
    for (let i = 0; i < this.n; i++) order[i] = i;
    return order.sort((a, b) => this.compare(a, b));
  }

  /** An exact entry's key, from its prefix. */
  private keyText(i: number): string {
    const len = this.lengths.get(i);
    const codes: number[] = [];
    for (let k = 0; k < len; k++) codes.push((this.prefix.get(i * WORDS + (k >> 2)) >>> (8 * (3 - (k & 3)))) & 255);
    return String.fromCharCode(...codes);
  }
}
