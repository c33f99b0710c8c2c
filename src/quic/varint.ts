/**
 * QUIC variable-length integers (RFC 9000 §16): the two high bits of the
 * first byte give the length (1, 2, 4 or 8 bytes). Values above 2^53 lose
 * precision as numbers; no field we read needs more.
 */

/** Length in bytes of the varint starting with `first`. */
export function varintLength(first: number): number {
  return 1 << (first >> 6);
}

/**
 * Reads the varint at `off` (before `end`). Returns the value and sets
 * `cursor.off` past it, or returns -1 (cursor unchanged) when it runs past end.
 */
export function readVarint(buf: Buffer, cursor: { off: number }, end: number): number {
  const off = cursor.off;
  if (off >= end) return -1;
  const first = buf[off];
  const len = varintLength(first);
  if (off + len > end) return -1;
  let v = first & 0x3f;
  for (let i = 1; i < len; i++) v = v * 256 + buf[off + i];
  cursor.off = off + len;
  return v;
}
