/**
 * Test helper: a minimal TLS record walker over a real capture, feeding our
 * decryption module. Frames come from the capture stage (readCapture), headers
 * from the decode stage, each side's bytes are put in order by the TCP
 * StreamReassembler, so every record and handshake message is stamped with the
 * frame that completed it (Wireshark's convention). Only what the decryption
 * tests need: no alerts, no midstream, no port reuse (our recordings have none).
 */
import { readCapture } from '../../src/capture/index.js';
import type { CaptureMeta } from '../../src/capture/index.js';
import { decodeFrame, TCP_ACK, TCP_SYN } from '../../src/decode/index.js';
import { StreamReassembler } from '../../src/tcp/reassembly.js';
import type { Side, Stamp } from '../../src/base/stamp.js';
import { KeyLog, keyLogFromSecretsBlocks } from '../../src/tls/keylog.js';
import { TlsDecryptor, type DecryptResult, type NotDecrypted } from '../../src/tls/decrypt/index.js';
import { parseServerHello } from '../../src/tls/hello.js';

export interface WalkedMessage {
  type: number;
  frame: number;
  body: Buffer;
}
export interface WalkedRecord {
  frame: number;
  /** Content type after decryption (the inner type in TLS 1.3), or the outer type when plaintext. */
  type: number;
  decrypted: boolean;
  plaintext: Buffer;
}
export interface WalkedSide {
  handshake: WalkedMessage[];
  records: WalkedRecord[];
  failures: (DecryptResult & { ok: false; frame: number })[];
}
export interface WalkedStream {
  stream: number;
  client: { ip: string; port: number };
  server: { ip: string; port: number };
  sides: Record<Side, WalkedSide>;
  /** Set when the ServerHello was seen and decryption could not start. */
  notDecrypted?: NotDecrypted | 'no-keys';
  decryptor?: TlsDecryptor;
  /** Each side's in-order bytes as the reassembler delivered them (copies), in delivery order: what a TlsSession is fed. */
  chunks: { side: Side; data: Buffer; stamp: Stamp }[];
}

class SideWalker {
  private pending: Buffer = Buffer.alloc(0);
  /** [end offset in pending, frame] of each chunk appended. */
  private chunks: [number, number][] = [];
  private hs: Buffer = Buffer.alloc(0);
  readonly out: WalkedSide = { handshake: [], records: [], failures: [] };

  constructor(
    private readonly conn: ConnWalker,
    private readonly side: Side,
  ) {}

  data(chunk: Buffer, stamp: Stamp): void {
    this.pending = Buffer.concat([this.pending, chunk]);
    this.chunks.push([this.pending.length, stamp.frame]);
    for (;;) {
      if (this.pending.length < 5) return;
      const len = this.pending.readUInt16BE(3);
      const end = 5 + len;
      if (this.pending.length < end) return;
      const frame = this.chunks.find(([e]) => e >= end)![1];
      const rec = this.pending.subarray(0, end);
      this.pending = this.pending.subarray(end);
      this.chunks = this.chunks.map(([e, f]) => [e - end, f] as [number, number]).filter(([e]) => e > 0);
      this.record(rec[0], rec.readUInt16BE(1), rec.subarray(5), frame);
    }
  }

  private record(outer: number, version: number, body: Buffer, frame: number): void {
    const d = this.conn.decryptor;
    let type = outer;
    let plain = body;
    let decrypted = false;
    if (d !== undefined && d.expectsEncrypted(this.side, outer)) {
      const r = d.decrypt(this.side, outer, version, body);
      if (!r.ok) {
        this.out.failures.push({ ...r, frame });
        return;
      }
      type = r.innerType;
      plain = r.plaintext;
      decrypted = true;
    }
    this.out.records.push({ frame, type, decrypted, plaintext: Buffer.from(plain) });
    if (outer === 20 && !decrypted) d?.changeCipherSpec(this.side);
    if (type !== 22) return;
    if (outer === 23 && !decrypted) return;
    this.hs = Buffer.concat([this.hs, plain]);
    while (this.hs.length >= 4) {
      const mlen = this.hs.readUIntBE(1, 3);
      if (this.hs.length < 4 + mlen) break;
      const msg: WalkedMessage = { type: this.hs[0], frame, body: Buffer.from(this.hs.subarray(4, 4 + mlen)) };
      this.hs = this.hs.subarray(4 + mlen);
      this.out.handshake.push(msg);
      this.conn.message(this.side, msg);
    }
  }
}

class ConnWalker {
  decryptor?: TlsDecryptor;
  notDecrypted?: NotDecrypted | 'no-keys';
  readonly walkers: Record<Side, SideWalker>;
  readonly reassemblers: Record<Side, StreamReassembler>;
  readonly chunks: { side: Side; data: Buffer; stamp: Stamp }[] = [];

  constructor(
    readonly keyLog: () => KeyLog,
    readonly stream: number,
    readonly client: { ip: string; port: number },
    readonly server: { ip: string; port: number },
  ) {
    this.walkers = { client: new SideWalker(this, 'client'), server: new SideWalker(this, 'server') };
    this.reassemblers = {
      client: new StreamReassembler({ data: (c, s) => this.data('client', c, s), gap: () => undefined }),
      server: new StreamReassembler({ data: (c, s) => this.data('server', c, s), gap: () => undefined }),
    };
  }

  private data(side: Side, c: Buffer, s: Stamp): void {
    this.chunks.push({ side, data: Buffer.from(c), stamp: s });
    this.walkers[side].data(c, s);
  }

  message(side: Side, m: WalkedMessage): void {
    if (side === 'client' && m.type === 1 && this.decryptor === undefined && m.body.length >= 34) {
      this.decryptor = TlsDecryptor.forClientHello(this.keyLog(), m.body.subarray(2, 34));
      if (this.decryptor === undefined) this.notDecrypted = 'no-keys';
      return;
    }
    if (side === 'server' && m.type === 2 && this.decryptor !== undefined) {
      const sh = parseServerHello(m.body, undefined);
      if (typeof sh === 'string' || sh.helloRetry) return;
      const r = this.decryptor.serverHello({ version: sh.version, cipherSuite: sh.cipherSuite, serverRandom: m.body.subarray(2, 34) });
      if (r !== null) this.notDecrypted = r;
      return;
    }
    this.decryptor?.handshakeMessage(side, m.type);
  }
}

/** Walk a capture; keys from `keyLogText` (a key log file's text) or, without it, from the pcapng DSBs. */
export async function walkCapture(path: string, keyLogText?: string): Promise<{ streams: WalkedStream[]; keyLog: KeyLog; meta?: CaptureMeta }> {
  let keyLog = keyLogText !== undefined ? new KeyLog().add(keyLogText, path) : undefined;
  let meta: CaptureMeta | undefined;
  const byTuple = new Map<string, ConnWalker>();
  const conns: ConnWalker[] = [];
  const getKeyLog = (): KeyLog => {
    if (keyLog === undefined) keyLog = keyLogFromSecretsBlocks(meta?.decryptionSecrets ?? []).keyLog;
    return keyLog;
  };
  await readCapture(
    path,
    (f) => {
      const p = decodeFrame(f.data, f.linkType);
      const t = p.tcp;
      if (t === undefined || p.src === undefined || p.dst === undefined) return;
      const a = `${p.src}|${t.srcPort}`;
      const b = `${p.dst}|${t.dstPort}`;
      let c = byTuple.get(`${a}>${b}`) ?? byTuple.get(`${b}>${a}`);
      const stamp: Stamp = { frame: f.number, tsSec: f.tsSec, tsNsec: f.tsNsec };
      if (c === undefined) {
        if ((t.flags & (TCP_SYN | TCP_ACK)) !== TCP_SYN) return;
        c = new ConnWalker(getKeyLog, conns.length, { ip: p.src, port: t.srcPort }, { ip: p.dst, port: t.dstPort });
        byTuple.set(`${a}>${b}`, c);
        conns.push(c);
      }
      const side: Side = p.src === c.client.ip && t.srcPort === c.client.port ? 'client' : 'server';
      if (t.flags & TCP_SYN) c.reassemblers[side].syn(t.seq);
      c.reassemblers[side].segment(t.seq, t.payload, t.payloadLength, stamp);
    },
    { onMeta: (m) => (meta = m) },
  );
  return {
    keyLog: getKeyLog(),
    meta,
    streams: conns.map((c) => ({
      stream: c.stream,
      client: c.client,
      server: c.server,
      sides: { client: c.walkers.client.out, server: c.walkers.server.out },
      ...(c.notDecrypted !== undefined ? { notDecrypted: c.notDecrypted } : {}),
      ...(c.decryptor !== undefined ? { decryptor: c.decryptor } : {}),
      chunks: c.chunks,
    })),
  };
}
