/**
 * Content test: does a direction (or a segment after a STARTTLS exchange) start
 * with TLS? Looks at the first 6 bytes only.
 */
import { MAX_RECORD } from './session.js';

/**
 * 'tls': a record header 16 03 0x (x <= 4) with a plausible length followed by
 * handshake type 1 (ClientHello) or 2 (ServerHello), or an alert record
 * 15 03 0x with level 1/2; 'sslv2': an SSLv2-compatible ClientHello (2-byte
 * header with the high bit set, msg type 1, version 0x0002 or 0x0300..0x0303);
 * 'need-more': fewer than 6 bytes that could still start either; 'no' otherwise
 * (as soon as the bytes present rule both out).
 */
export function sniffTls(data: Buffer): 'tls' | 'sslv2' | 'no' | 'need-more' {
  const n = data.length;
  if (n === 0) return 'need-more';
  const b0 = data[0];
  if (b0 === 0x16 || b0 === 0x15) {
    if (n >= 2 && data[1] !== 3) return 'no';
    if (n >= 3 && data[2] > 4) return 'no';
    if (n < 5) return 'need-more';
    const len = data.readUInt16BE(3);
    if (b0 === 0x16) {
      if (len < 4 || len > MAX_RECORD) return 'no';
      if (n < 6) return 'need-more';
      return data[5] === 1 || data[5] === 2 ? 'tls' : 'no';
    }
    if (len < 2 || len > MAX_RECORD) return 'no';
    if (n < 6) return 'need-more';
    return data[5] === 1 || data[5] === 2 ? 'tls' : 'no';
  }
  if ((b0 & 0x80) !== 0) {
    if (n < 3) return 'need-more';
    const len = ((b0 & 0x7f) << 8) | data[1];
    if (len < 9 || data[2] !== 1) return 'no';
    if (n < 5) return 'need-more';
    const version = data.readUInt16BE(3);
    if (version === 0x0002 || (version >= 0x0300 && version <= 0x0303)) return n >= 6 ? 'sslv2' : 'need-more';
    return 'no';
  }
  return 'no';
}
