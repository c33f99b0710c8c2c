/**
 * Test helper: every cleartext handshake message tshark dissects in a capture,
 * with its bytes (tshark's `tls.handshake_raw`, the message as tshark
 * reassembled it, header included) and tshark's own dissection of it, so a
 * parser test can feed the bytes to our parser and compare with tshark's
 * fields of the same message. With `keyLog`, tshark decrypts TLS 1.3 and its
 * encrypted handshake messages (EncryptedExtensions, Certificate) come too.
 * tshark's output is kept in the disk cache of test/findings/tshark-facts.ts
 * (these suites run once per mutant in mutation testing).
 */
import { tsharkOutput } from '../findings/tshark-facts.js';
import { fixturePath } from './streams.js';

type Node = { [key: string]: unknown };

export interface TsharkMessage {
  frame: number;
  /** tshark's tcp.stream. */
  stream: number;
  /** Handshake type (tshark's tls.handshake.type). */
  type: number;
  /** SSLv2-compatible ClientHello: `bytes` start at its msg_type byte (after the 2-byte record header). */
  sslv2: boolean;
  /** The whole message: 4-byte header and body (SSLv2: from msg_type on). */
  bytes: Buffer;
  /** tshark's dissection of this message only. */
  node: Node;
}

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** A `_raw` value: [hex, offset, length, …], or a list of them for a repeated key. */
function raws(v: unknown): string[] {
  if (v === undefined) return [];
  const a = v as unknown[];
  return typeof a[0] === 'string' ? [a[0]] : (a as unknown[][]).map((r) => r[0] as string);
}

/**
 * Every value tshark shows under `key` inside `node`, in document order
 * (flattened; `_raw` twins skipped).
 */
export function fieldValues(node: unknown, key: string): string[] {
  const out: string[] = [];
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) {
      for (const x of n) walk(x);
      return;
    }
    if (n === null || typeof n !== 'object') return;
    for (const [k, v] of Object.entries(n as Node)) {
      if (k.endsWith('_raw')) continue;
      if (k === key) {
        for (const x of list(v as string | string[])) if (typeof x === 'string') out.push(x);
        else walk(x);
      } else walk(v);
    }
  };
  walk(node);
  return out;
}

/** Numbers tshark prints as decimal or 0x hex. */
export const num = (s: string): number => Number(s);
export const nums = (node: unknown, key: string): number[] => fieldValues(node, key).map(num);

export function tsharkMessages(fixture: string, keyLog?: string): TsharkMessage[] {
  const args = [
    '-o', 'tcp.desegment_tcp_streams:TRUE', '-o', 'tls.desegment_ssl_records:TRUE', '-o', 'tcp.reassemble_out_of_order:TRUE',
    ...(keyLog ? ['-o', `tls.keylog_file:${fixturePath(keyLog)}`] : []),
    '-Y', 'tls.handshake.type', '-T', 'json', '-x', '--no-duplicate-keys', '-J', 'frame tcp tls',
  ];
  const r = tsharkOutput(fixturePath(fixture), args);
  if (r.status !== 0) throw new Error(`tshark on ${fixture}: ${r.stderr}`);
  const packets = JSON.parse(r.stdout) as { _source: { layers: Node } }[];
  const out: TsharkMessage[] = [];
  for (const p of packets) {
    const layers = p._source.layers;
    const frame = Number((layers.frame as Node)['frame.number']);
    const stream = Number((layers.tcp as Node)['tcp.stream']);
    for (const tls of list(layers.tls as Node | Node[])) {
      const records = list(tls['tls.record'] as Node | Node[]);
      const recordRaws = raws(tls['tls.record_raw']);
      records.forEach((rec, i) => {
        if (typeof rec !== 'object') return;
        if (rec['tls.record.version'] === '0x0002' && rec['tls.handshake.type'] !== undefined) {
          out.push({ frame, stream, type: num(rec['tls.handshake.type'] as string), sslv2: true, bytes: Buffer.from(recordRaws[i], 'hex').subarray(2), node: rec });
          return;
        }
        const hs = list(rec['tls.handshake'] as Node | Node[]);
        const hsRaws = raws(rec['tls.handshake_raw']);
        if (hs.length !== hsRaws.length) throw new Error(`${fixture} frame ${frame}: ${hs.length} handshake nodes, ${hsRaws.length} raws`);
        hs.forEach((h, j) => {
          if (typeof h !== 'object' || h['tls.handshake.type'] === undefined) return;
          out.push({ frame, stream, type: num(h['tls.handshake.type'] as string), sslv2: false, bytes: Buffer.from(hsRaws[j], 'hex'), node: h });
        });
      });
    }
  }
  return out;
}
