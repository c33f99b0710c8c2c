/**
 * HPACK header block decoding (RFC 7541), as far as the request tracker needs:
 * every representation is walked so the dynamic table stays in step with the
 * encoder, the static table and literals are resolved, Huffman strings are
 * decoded. A value that cannot be known (a block that failed or was lost, a
 * table larger than our cap) is undefined, never guessed.
 */
import { huffmanDecode } from './huffman.js';

// RFC 7541 Appendix A: index 1..61.
// prettier-ignore
const STATIC: readonly (readonly [string, string])[] = [
  [':authority', ''], [':method', 'GET'], [':method', 'POST'], [':path', '/'], [':path', '/index.html'],
  [':scheme', 'http'], [':scheme', 'https'], [':status', '200'], [':status', '204'], [':status', '206'],
  [':status', '304'], [':status', '400'], [':status', '404'], [':status', '500'], ['accept-charset', ''],
  ['accept-encoding', 'gzip, deflate'], ['accept-language', ''], ['accept-ranges', ''], ['accept', ''],
  ['access-control-allow-origin', ''], ['age', ''], ['allow', ''], ['authorization', ''], ['cache-control', ''],
  ['content-disposition', ''], ['content-encoding', ''], ['content-language', ''], ['content-length', ''],
  ['content-location', ''], ['content-range', ''], ['content-type', ''], ['cookie', ''], ['date', ''],
  ['etag', ''], ['expect', ''], ['expires', ''], ['from', ''], ['host', ''], ['if-match', ''],
  ['if-modified-since', ''], ['if-none-match', ''], ['if-range', ''], ['if-unmodified-since', ''],
  ['last-modified', ''], ['link', ''], ['location', ''], ['max-forwards', ''], ['proxy-authenticate', ''],
  ['proxy-authorization', ''], ['range', ''], ['referer', ''], ['refresh', ''], ['retry-after', ''],
  ['server', ''], ['set-cookie', ''], ['strict-transport-security', ''], ['transfer-encoding', ''],
  ['user-agent', ''], ['vary', ''], ['via', ''], ['www-authenticate', ''],
];

export const STATIC_TABLE_SIZE = STATIC.length;

/** A decoded field: name or value undefined when it could not be known. */
export interface HeaderField {
  name: string | undefined;
  value: string | undefined;
}

interface Entry {
  name: string | undefined;
  value: string | undefined;
  size: number;
}

export type HpackResult = { ok: true; fields: HeaderField[] } | { ok: false; fields: HeaderField[]; error: string };

/** Protocol default SETTINGS_HEADER_TABLE_SIZE (RFC 7540 §6.5.2). */
const DEFAULT_TABLE = 4096;

export class HpackDecoder {
  /** Newest first. */
  private table: Entry[] = [];
  private size = 0;
  private maxSize = DEFAULT_TABLE;
  /** The dynamic table no longer mirrors the encoder's: its entries are unknown. */
  desynced = false;
  /** Huffman-coded string literals decoded (diagnostics). */
  huffmanStrings = 0;

  constructor(private readonly cap: number = 64 * 1024) {}

  /** A block could not be decoded (lost, too large): later dynamic references are unknown. */
  lose(): void {
    this.desynced = true;
    this.table = [];
    this.size = 0;
  }

  /**
   * Decodes one complete header block. On an error the fields read so far
   * are returned with it, and the decoder is desynchronised (RFC 7541 makes
   * such an error fatal to the connection; we keep what is still certain).
   */
  decode(block: Buffer): HpackResult {
    const fields: HeaderField[] = [];
    let pos = 0;
    const fail = (error: string): HpackResult => {
      this.lose();
      return { ok: false, fields, error };
    };
    const int = (prefix: number): number | undefined => {
      if (pos >= block.length) return undefined;
      const max = (1 << prefix) - 1;
      let v = block[pos++]! & max;
      if (v < max) return v;
      let shift = 0;
      for (;;) {
        if (pos >= block.length || shift > 21) return undefined; // 4 continuation bytes = values up to 2^28
        const b = block[pos++]!;
        v += (b & 0x7f) * 2 ** shift;
        shift += 7;
        if ((b & 0x80) === 0) return v;
      }
    };
    /** A string literal: [decoded text or undefined if its Huffman code is invalid, octet length]. */
    const str = (): [string | undefined, number] | null => {
      if (pos >= block.length) return null;
      const huff = (block[pos]! & 0x80) !== 0;
      const len = int(7);
      if (len === undefined || len > block.length - pos) return null;
      const raw = block.subarray(pos, pos + len);
      pos += len;
      if (!huff) return [raw.toString('latin1'), len];
      const s = huffmanDecode(raw);
      this.huffmanStrings++;
      return [s, s === undefined ? 0 : s.length];
    };
    let sawField = false;
    while (pos < block.length) {
      const b = block[pos]!;
      if (b & 0x80) {
        const idx = int(7);
        if (idx === undefined || idx === 0) return fail('bad indexed field');
        const e = this.lookup(idx);
        if (e === null) return fail(`index ${idx} beyond the tables`);
        fields.push({ name: e.name, value: e.value });
        sawField = true;
      } else if ((b & 0xe0) === 0x20) {
        // Dynamic table size update: only at the start of a block (§4.2).
        const n = int(5);
        if (n === undefined) return fail('bad table size update');
        if (sawField) return fail('table size update after a field');
        if (n > this.cap) {
          this.maxSize = this.cap;
          this.desynced = true;
        } else this.maxSize = n;
        this.evict(0);
      } else {
        const incremental = (b & 0xc0) === 0x40;
        const idx = int(incremental ? 6 : 4);
        if (idx === undefined) return fail('bad literal field');
        let name: string | undefined;
        let nameLen: number;
        if (idx === 0) {
          const s = str();
          if (s === null) return fail('bad literal name');
          if (s[0] === undefined) return fail('bad Huffman code in a name');
          [name, nameLen] = s;
        } else {
          const e = this.lookup(idx);
          if (e === null) return fail(`name index ${idx} beyond the tables`);
          name = e.name;
          nameLen = name?.length ?? 0;
        }
        const v = str();
        if (v === null) return fail('bad literal value');
        if (v[0] === undefined) return fail('bad Huffman code in a value');
        fields.push({ name, value: v[0] });
        sawField = true;
        if (incremental) {
          const size = nameLen + v[1] + 32;
          // A name from a desynchronised entry has an unknown length: the table's size is unknown too.
          if (name === undefined) this.desynced = true;
          this.add({ name, value: v[0], size });
        }
      }
    }
    return { ok: true, fields };
  }

  private lookup(idx: number): Entry | { name: string | undefined; value: string | undefined } | null {
    if (idx <= STATIC.length) {
      const [name, value] = STATIC[idx - 1]!;
      return { name, value };
    }
    const d = idx - STATIC.length - 1;
    if (this.desynced) return { name: undefined, value: undefined };
    return this.table[d] ?? null;
  }

  private add(e: Entry): void {
    if (e.size > this.maxSize) {
      // §4.4: an entry larger than the table empties it.
      this.table = [];
      this.size = 0;
      return;
    }
    this.evict(e.size);
    if (this.desynced) return;
    this.table.unshift(e);
    this.size += e.size;
  }

  private evict(room: number): void {
    while (this.table.length > 0 && this.size + room > this.maxSize) {
      this.size -= this.table.pop()!.size;
    }
  }
}
