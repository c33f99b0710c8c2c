/**
 * FNV-1a of a string's UTF-16 code units, as a 32-bit integer. The decoder keeps it beside
 * each address string it caches (DecodedPacket.srcHash), the connection table hashes a
 * packet's addresses with it when a packet has none (src/tcp/tuple-table.ts), and the
 * report's string table finds its strings by it (src/report/rows.ts): one function, so the
 * same text always gives the same number.
 */
export function textHash(text: string): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h;
}

/**
 * Fibonacci hashing: the first slot of a hash's probe in an open-addressing index of
 * 2^(32 - shift) slots, the top bits of the hash multiplied by 2^32 / φ. The indexes of
 * the connection table (src/tcp/tuple-table.ts), the row store's strings and the
 * destination table's numeric keys (src/report/rows.ts, destinations.ts) all start here.
 */
export function homeSlot(h: number, shift: number): number {
  return Math.imul(h, 0x9e3779b1) >>> shift;
}
