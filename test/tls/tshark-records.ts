/**
 * Test helper: the TLS records (and the cleartext handshake messages in them)
 * that tshark dissects in a capture, per TCP stream and direction, with the
 * in-order payload chunks of that direction (test/tls/streams.ts rules), so a
 * test can feed our record and handshake readers the same bytes and compare
 * with tshark's dissection. tshark shows a record in the frame that completes
 * it (TCP and TLS desegmentation on, its defaults). tshark's output goes
 * through the disk cache of test/findings/tshark-facts.ts (these suites run
 * once per mutant in mutation testing).
 */
import { tsharkOutput } from '../findings/tshark-facts.js';
import { fixturePath, parseSegments, SEGMENT_FIELDS, streamChunks, type Chunk, type Segment } from './streams.js';
import type { Side } from '../../src/base/stamp.js';

export interface TsharkRecord {
  /** Frame where tshark shows the record (its last byte's frame). */
  frame: number;
  /** tls.record.content_type, or tls.record.opaque_type (TLS 1.3); -1 for an SSLv2 record (no type field). */
  type: number;
  /** tls.record.version. */
  version: number;
  /** tls.record.length. */
  length: number;
  /**
   * tls.handshake.type / tls.handshake.length of the messages tshark dissects in it (none when
   * encrypted); for an SSLv2 record its one message, length -1 (SSLv2 has no message length).
   */
  handshakes: { type: number; length: number }[];
}

export interface TsharkDirection {
  stream: number;
  side: Side;
  chunks: Chunk[];
  /** The direction's bytes (all chunks). */
  bytes: Buffer;
  records: TsharkRecord[];
}

type Node = { [key: string]: unknown };
const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function segments(file: string): Segment[] {
  const args = ['-Y', 'tcp', '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=f'];
  for (const f of SEGMENT_FIELDS) args.push('-e', f);
  const out = tsharkOutput(file, args);
  if (out.status !== 0) throw new Error(`tshark failed on ${file}: ${out.stderr}`);
  return parseSegments(out.stdout);
}

/** tshark's records per frame, in the order it dissects them. */
function recordsByFrame(file: string): Map<number, TsharkRecord[]> {
  const out = tsharkOutput(file, ['-T', 'json', '-J', 'frame tls', '--no-duplicate-keys']);
  if (out.status !== 0) throw new Error(`tshark failed on ${file}: ${out.stderr}`);
  const byFrame = new Map<number, TsharkRecord[]>();
  for (const p of JSON.parse(out.stdout) as { _source: { layers: Node } }[]) {
    const layers = p._source.layers;
    const frame = Number((layers.frame as Node)['frame.number']);
    const recs: TsharkRecord[] = [];
    for (const t of list(layers.tls as Node | Node[] | undefined)) {
      if (typeof t !== 'object') continue; // "Transport Layer Security": a segment of a record shown later
      for (const r of list(t['tls.record'] as Node | Node[] | undefined)) {
        const ct = r['tls.record.content_type'] ?? r['tls.record.opaque_type'];
        recs.push({
          frame,
          type: ct === undefined ? -1 : Number(ct),
          version: Number(r['tls.record.version']),
          length: Number(r['tls.record.length']),
          handshakes:
            r['tls.handshake.type'] !== undefined
              ? [{ type: Number(r['tls.handshake.type']), length: -1 }] // SSLv2: the message is the record
              : list(r['tls.handshake'] as Node | Node[] | undefined)
                  .filter((h) => typeof h === 'object' && h['tls.handshake.type'] !== undefined)
                  .map((h) => ({ type: Number(h['tls.handshake.type']), length: Number(h['tls.handshake.length']) })),
        });
      }
    }
    if (recs.length > 0) byFrame.set(frame, recs);
  }
  return byFrame;
}

/** Every direction of every TCP stream of a fixture that carries TLS, with tshark's records. */
export function tsharkDirections(name: string): TsharkDirection[] {
  const file = fixturePath(name);
  const byStream = new Map<number, Segment[]>();
  for (const s of segments(file)) {
    if (!byStream.has(s.stream)) byStream.set(s.stream, []);
    (byStream.get(s.stream) as Segment[]).push(s);
  }
  const recs = recordsByFrame(file);
  const out: TsharkDirection[] = [];
  for (const [stream, segs] of [...byStream].sort((a, b) => a[0] - b[0])) {
    const chunks = streamChunks(segs);
    for (const side of ['client', 'server'] as Side[]) {
      const mine = chunks.filter((c) => c.side === side);
      if (mine.length === 0) continue;
      const frames = new Set(mine.map((c) => c.stamp.frame));
      const records = [...frames].sort((a, b) => a - b).flatMap((f) => recs.get(f) ?? []);
      out.push({ stream, side, chunks: mine, bytes: Buffer.concat(mine.map((c) => c.data)), records });
    }
  }
  return out;
}

export interface TsharkPayload {
  frame: number;
  stream: number;
  /** Sending side as `address|port`. */
  from: string;
  payload: Buffer;
  /** tshark's frame.protocols. */
  protocols: string;
  /** tshark's records shown in this frame. */
  records: TsharkRecord[];
  /** tls.alert_message.level of the alerts shown in this frame. */
  alertLevels: number[];
}

/** Every TCP segment with payload of a fixture, in file order, with tshark's protocols and records of its frame. */
export function tsharkPayloads(name: string): TsharkPayload[] {
  const file = fixturePath(name);
  const args = ['-Y', 'tcp.len > 0', '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=a', '-E', 'aggregator=,'];
  for (const f of ['frame.number', 'tcp.stream', 'ip.src', 'ipv6.src', 'tcp.srcport', 'tcp.payload', 'frame.protocols', 'tls.alert_message.level']) args.push('-e', f);
  const out = tsharkOutput(file, args);
  if (out.status !== 0) throw new Error(`tshark failed on ${file}: ${out.stderr}`);
  const recs = recordsByFrame(file);
  return out.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((line) => {
      const [frame, stream, ip4, ip6, sport, payload, protocols, levels] = line.split('\t');
      return {
        frame: Number(frame),
        stream: Number(stream),
        from: `${ip4 || ip6}|${sport}`,
        payload: Buffer.from(payload.replace(/:/g, ''), 'hex'),
        protocols,
        records: recs.get(Number(frame)) ?? [],
        alertLevels: levels ? levels.split(',').map(Number) : [],
      };
    });
}
