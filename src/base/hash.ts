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
