/**
 * Test-only builders of TLS bytes by their specifications' layouts, shared by
 * the suites that hand-build hellos, handshake messages and records:
 * RFC 5246 7.4.1.2 / 7.4.1.3 and RFC 8446 4.1.2 / 4.1.3 (ClientHello and
 * ServerHello bodies), RFC 8446 4 (handshake message: msg_type(1), uint24
 * length, body), RFC 8446 5.1 / RFC 5246 6.2.1 (TLSPlaintext record:
 * type(1), version(2), uint16 length, fragment), RFC 5246 E.2 (the
 * SSLv2-compatible CLIENT-HELLO).
 */
export const u16 = (n: number) => Buffer.from([n >> 8, n & 0xff]);
export const u24 = (n: number) => Buffer.from([n >> 16, (n >> 8) & 0xff, n & 0xff]);
export const vec8 = (b: Buffer) => Buffer.concat([Buffer.from([b.length]), b]);
export const vec16 = (b: Buffer) => Buffer.concat([u16(b.length), b]);
export const vec24 = (b: Buffer) => Buffer.concat([u24(b.length), b]);
export const ext = (type: number, data: Buffer) => Buffer.concat([u16(type), vec16(data)]);
export const ascii = (s: string) => Buffer.from(s, 'latin1');
/** An extensions block: extensions<0..2^16-1>. */
export const extensions = (...e: Buffer[]) => vec16(Buffer.concat(e));

/** RFC 5246 7.4.1.2 ClientHello body: version, random, session_id, cipher_suites, compression_methods, extensions. */
export function clientHello(exts: Buffer | null, opts: { sid?: Buffer; suites?: Buffer; random?: Buffer } = {}): Buffer {
  return Buffer.concat([
    u16(0x0303),
    opts.random ?? Buffer.alloc(32, 0xa5),
    vec8(opts.sid ?? Buffer.alloc(0)),
    opts.suites ?? vec16(Buffer.concat([u16(0x1301), u16(0xc02f)])),
    vec8(Buffer.from([0])),
    exts === null ? Buffer.alloc(0) : exts,
  ]);
}

/** RFC 8446 4.1.3 ServerHello body (also TLS 1.2's, RFC 5246 7.4.1.3). */
export function serverHello(exts: Buffer | null, opts: { version?: number; random?: Buffer; sid?: Buffer; suite?: number } = {}): Buffer {
  return Buffer.concat([
    u16(opts.version ?? 0x0303),
    opts.random ?? Buffer.alloc(32, 0x5a),
    vec8(opts.sid ?? Buffer.alloc(0)),
    u16(opts.suite ?? 0x1301),
    Buffer.from([0]),
    exts === null ? Buffer.alloc(0) : exts,
  ]);
}

/** RFC 5246 E.2: msg_type 1, version, cipher_spec_length, session_id_length, challenge_length, then the three. */
export function sslv2Hello(specs: Buffer, sid: Buffer, challenge: Buffer): Buffer {
  return Buffer.concat([Buffer.from([1]), u16(0x0301), u16(specs.length), u16(sid.length), u16(challenge.length), specs, sid, challenge]);
}

/** RFC 8446 4: a handshake message, msg_type(1) and uint24 length before the body. */
export const handshake = (type: number, body: Buffer) => Buffer.concat([Buffer.from([type]), u24(body.length), body]);

/** RFC 8446 5.1: a record, type(1) legacy_record_version(2) length(2) and the fragment. */
export const record = (type: number, fragment: Buffer, version = 0x0303) => Buffer.concat([Buffer.from([type]), u16(version), u16(fragment.length), fragment]);
