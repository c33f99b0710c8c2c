/**
 * Test helpers: the plaintext of each connection of a real capture, in the
 * order the pipeline would deliver it, and tshark's view of the same file.
 *
 * - cleartextConnections: frames from our capture stage, headers from the
 *   decode stage, each side put in order by the TCP StreamReassembler (as the
 *   TCP stage does), one connection per SYN (a reused 4-tuple starts anew).
 * - keylogConnections: test/keylog/walker.ts decrypts each side's records with
 *   src/tls/decrypt and the key log; the application data records (inner type
 *   23) are the plaintext, stamped with the frame that completed each record.
 */
import { readFileSync } from 'node:fs';
import { readCapture } from '../../src/capture/index.js';
import { decodeFrame, TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from '../../src/decode/index.js';
import { StreamReassembler } from '../../src/tcp/reassembly.js';
import type { Side, Stamp } from '../../src/base/stamp.js';
import { walkCapture } from '../keylog/walker.js';
import { RequestTracker, type RequestTrackerOptions } from '../../src/http/index.js';
import { BurstBuilder, RequestEstimator } from '../../src/http/estimate.js';
import { tsharkText } from '../helpers/tshark.js';

export type FeedEvent =
  | { kind: 'data'; side: Side; bytes: Buffer; stamp: Stamp }
  | { kind: 'gap'; side: Side; lost: number }
  | { kind: 'end'; side: Side; stamp: Stamp };

export interface FedConnection {
  /** Index in order of first SYN (= tcp.stream for our recordings). */
  index: number;
  events: FeedEvent[];
  /** Keyed captures: why src/tls/decrypt could not decrypt this connection (e.g. a CBC suite). */
  notDecrypted?: string;
}

export async function cleartextConnections(file: string): Promise<FedConnection[]> {
  interface Conn {
    c: FedConnection;
    client: string;
    closed: boolean;
    r: Record<Side, StreamReassembler>;
  }
  const byTuple = new Map<string, Conn>();
  const conns: FedConnection[] = [];
  await readCapture(file, (f) => {
    const p = decodeFrame(f.data, f.linkType);
    const t = p.tcp;
    if (t === undefined || p.src === undefined || p.dst === undefined) return;
    const a = `${p.src}|${t.srcPort}`;
    const b = `${p.dst}|${t.dstPort}`;
    const key = a < b ? `${a}>${b}` : `${b}>${a}`;
    let c = byTuple.get(key);
    const stamp: Stamp = { frame: f.number, tsSec: f.tsSec, tsNsec: f.tsNsec };
    const pureSyn = (t.flags & (TCP_SYN | TCP_ACK)) === TCP_SYN;
    if (c === undefined || (pureSyn && c.closed)) {
      if (!pureSyn) return;
      const fed: FedConnection = { index: conns.length, events: [] };
      conns.push(fed);
      const sink = (side: Side) => ({
        data: (chunk: Buffer, s: Stamp) => fed.events.push({ kind: 'data', side, bytes: Buffer.from(chunk), stamp: s }),
        gap: (lost: number) => fed.events.push({ kind: 'gap', side, lost }),
      });
      c = { c: fed, client: a, closed: false, r: { client: new StreamReassembler(sink('client')), server: new StreamReassembler(sink('server')) } };
      byTuple.set(key, c);
    }
    const side: Side = a === c.client ? 'client' : 'server';
    if (t.flags & TCP_SYN) c.r[side].syn(t.seq);
    c.r[side].segment(t.seq, t.payload, t.payloadLength, stamp);
    if (t.flags & (TCP_FIN | TCP_RST)) {
      c.closed = true;
      if (t.flags & TCP_FIN) c.c.events.push({ kind: 'end', side, stamp });
    }
  });
  return conns;
}

export async function keylogConnections(file: string, keyLogFile: string | null): Promise<FedConnection[]> {
  const keyText = keyLogFile === null ? undefined : readFileSync(keyLogFile, 'latin1');
  const { streams } = await walkCapture(file, keyText);
  const times = frameTimes(file);
  return streams.map((s) => {
    const recs = (['client', 'server'] as const).flatMap((side) =>
      s.sides[side].records.filter((r) => r.decrypted && r.type === 23).map((r) => ({ side, r })),
    );
    // Each frame belongs to one side; records of one frame keep their order (stable sort).
    recs.sort((x, y) => x.r.frame - y.r.frame);
    return {
      index: s.stream,
      ...(s.notDecrypted !== undefined ? { notDecrypted: typeof s.notDecrypted === 'string' ? s.notDecrypted : JSON.stringify(s.notDecrypted) } : {}),
      events: recs.map(({ side, r }) => ({ kind: 'data' as const, side, bytes: r.plaintext, stamp: times.get(r.frame)! })),
    };
  });
}

/** tshark's stdout for these arguments (through the store of tshark's outputs); throws on a non-zero exit. */
export function tshark(args: string[]): string {
  return tsharkText(args);
}

/** Stamp of every frame of a file, from tshark. */
export function frameTimes(file: string): Map<number, Stamp> {
  const out = new Map<number, Stamp>();
  for (const line of tshark(['-n', '-r', file, '-T', 'fields', '-e', 'frame.number', '-e', 'frame.time_epoch']).split('\n')) {
    if (line === '') continue;
    const [n, t] = line.split('\t') as [string, string];
    const [sec, frac = ''] = t.split('.');
    out.set(Number(n), { frame: Number(n), tsSec: Number(sec), tsNsec: Number((frac + '000000000').slice(0, 9)) });
  }
  return out;
}

/** tshark's fields of the frames matching a display filter, one row per frame, multi-valued fields split on ','. */
export function tsharkRows(file: string, filter: string, fields: string[], extra: string[] = []): string[][][] {
  const out = tshark(['-n', '-r', file, ...extra, '-Y', filter, '-T', 'fields', '-E', 'separator=/t', '-E', 'aggregator=,', ...fields.flatMap((f) => ['-e', f])]);
  return out
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split('\t').map((v) => (v === '' ? [] : v.split(','))));
}

/** Feeds a connection to a new tracker, as the pipeline would. */
export function run(c: FedConnection, opts: Partial<RequestTrackerOptions> = {}): RequestTracker {
  const t = new RequestTracker(opts);
  for (const e of c.events) {
    if (e.kind === 'data') t.data(e.side, e.bytes, e.stamp);
    else if (e.kind === 'gap') t.gap(e.side, e.lost);
    else t.end(e.side, e.stamp);
  }
  return t;
}

/** The key-less estimate of the same connection: one burst per run of one side's payload. */
export function estimate(c: FedConnection): ReturnType<RequestEstimator['result']> {
  const est = new RequestEstimator();
  const b = new BurstBuilder(est);
  for (const e of c.events) if (e.kind === 'data') b.payload(e.side, e.bytes.length, e.stamp);
  b.flush();
  return est.result();
}

/** An HTTP/2 frame (RFC 9113 §4.1): 24-bit length, type, flags, 31-bit stream id, payload (bytes, a byte list or latin1 text). */
export function h2Frame(type: number, flags: number, stream: number, payload: Buffer | number[] | string = []): Buffer {
  const p = Buffer.isBuffer(payload) ? payload : typeof payload === 'string' ? Buffer.from(payload, 'latin1') : Buffer.from(payload);
  const h = Buffer.alloc(9);
  h.writeUIntBE(p.length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(stream, 5);
  return Buffer.concat([h, p]);
}
