/**
 * HPACK Huffman decoding (RFC 7541 §5.2, code in Appendix B).
 *
 * The Appendix B code is canonical: within each length, codes are assigned in
 * increasing symbol order, and each length's first code follows the last code
 * of the shorter lengths. So the 257 code lengths below (symbol 0..255, then
 * EOS = 256) determine every code; the decoder is built from them once.
 */

// prettier-ignore
const LENGTHS: readonly number[] = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28,
  28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,
  6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6,
  5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,
  13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
  7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,
  15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5,
  6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,
  20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23,
  24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,
  22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23,
  21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,
  26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25,
  19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,
  20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23,
  26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,
  30,
];

const EOS = 256;
const MAX_LEN = 30;

/** first[len]: the first code of that length; offset[len]: index of its symbol in `sorted`. */
const first = new Array<number>(MAX_LEN + 2).fill(0);
const count = new Array<number>(MAX_LEN + 2).fill(0);
const offset = new Array<number>(MAX_LEN + 2).fill(0);
const sorted: number[] = [];
{
  for (const l of LENGTHS) count[l]!++;
  let code = 0;
  let idx = 0;
  for (let len = 1; len <= MAX_LEN; len++) {
    first[len] = code;
    offset[len] = idx;
    idx += count[len]!;
    code = (code + count[len]!) * 2;
  }
  for (let len = 1; len <= MAX_LEN; len++) {
    for (let s = 0; s < LENGTHS.length; s++) if (LENGTHS[s] === len) sorted.push(s);
  }
}

/**
 * Decodes a Huffman-coded string literal to its octets (as a latin1 string,
 * one char per octet), or undefined when the input is not a valid encoding:
 * an EOS symbol inside, padding longer than 7 bits, or padding that is not
 * the most significant bits of EOS (all ones) — RFC 7541 §5.2.
 */
export function huffmanDecode(buf: Buffer): string | undefined {
  let out = '';
  let code = 0;
  let len = 0;
  let ones = true; // every bit of the pending code is 1 (a prefix of EOS)
  for (let i = 0; i < buf.length; i++) {
    const byte = buf[i]!;
    for (let b = 7; b >= 0; b--) {
      const bit = (byte >> b) & 1;
      code = code * 2 + bit;
      len++;
      if (bit === 0) ones = false;
      const k = code - first[len]!;
      if (k >= 0 && k < count[len]!) {
        const sym = sorted[offset[len]! + k]!;
        if (sym === EOS) return undefined;
        out += String.fromCharCode(sym);
        code = 0;
        len = 0;
        ones = true;
      } else if (len >= MAX_LEN) {
        return undefined;
      }
    }
  }
  if (len > 7 || !ones) return undefined;
  return out;
}
