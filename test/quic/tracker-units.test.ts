/**
 * src/quic/tracker.ts unit by unit (issue 16, reports/mutation/quic-tracker-survivors.md):
 * datagrams built here byte by byte and fed to a QuicTracker, the expected values
 * from the specifications and the tracker's own contract, not from its code:
 * - packet layouts from RFC 9000 §17.2 (long header: Initial, 0-RTT, Handshake,
 *   Retry, Version Negotiation §17.2.1) and §17.3.1 (short header), frames from §19
 *   (PADDING, CRYPTO, STREAM, CONNECTION_CLOSE, HANDSHAKE_DONE);
 * - packets that must open sealed here with node:crypto per RFC 9001 §5 (Initial
 *   secrets from the client's first DCID with the v1 salt, §5.2; AEAD_AES_128_GCM
 *   nonce = IV XOR packet number, §5.3; AES-ECB header protection, §5.4), the key
 *   derivation checked first against RFC 9001 Appendix A.1;
 * - the tracker's documented rules (module and method comments, README): which
 *   Initial starts a connection, roles from port 443, idle timeout, the cap on
 *   open connections, migrations, the bounded decrypt attempts, when the handshake
 *   counts as confirmed.
 * Each datagram is stamped with its frame number and a time chosen by the test.
 */
import { createHmac } from 'node:crypto';
import type { Side, Stamp } from '../../src/base/stamp.js';
import type { DirectionKeys } from '../../src/quic/protection.js';
import { QuicTracker, type QuicConnection, type QuicTrackerOptions } from '../../src/quic/tracker.js';
import type { QuicCryptoConsumer, QuicLevel } from '../../src/quic/types.js';
import { seal } from './seal.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// ---------------------------------------------------------------------------
// Encodings (RFC 9000 §16, §17, §19)

/** §16 variable-length integer, in its shortest form (values below 2^30 here). */
function varint(n: number): Buffer {
  if (n < 64) return Buffer.from([n]);
  if (n < 16384) return Buffer.from([0x40 | (n >> 8), n & 0xff]);
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n | 0x80000000);
  return b;
}

const V1 = 0x00000001;
const V2 = 0x6b3343cf;
/** Long packet type bits, §17.2 (v1); RFC 9369 §3.2 renumbers them for v2. */
const TYPE_BITS = { Initial: 0, '0-RTT': 1, Handshake: 2, Retry: 3 } as const;
const TYPE_BITS_V2 = { Initial: 1, '0-RTT': 2, Handshake: 3, Retry: 0 } as const;
type LongType = keyof typeof TYPE_BITS;

interface LongOpts {
  version?: number;
  dcid: Buffer;
  scid: Buffer;
  token?: Buffer;
  /** First byte's fixed bit (0x40); false: cleared (greased, RFC 9287). */
  fixedBit?: boolean;
}

/** The header of a long packet up to and including its Length field (§17.2, §17.2.2). */
function longPrefix(type: LongType, o: LongOpts, pnLength: number, length: number): Buffer {
  const version = o.version ?? V1;
  const bits = version === V2 ? TYPE_BITS_V2[type] : TYPE_BITS[type];
  const first = 0x80 | (o.fixedBit === false ? 0 : 0x40) | (bits << 4) | (pnLength - 1);
  const v = Buffer.alloc(4);
  v.writeUInt32BE(version);
  const parts = [Buffer.from([first]), v, Buffer.from([o.dcid.length]), o.dcid, Buffer.from([o.scid.length]), o.scid];
  if (type === 'Initial') parts.push(varint(o.token?.length ?? 0), o.token ?? Buffer.alloc(0));
  // Length in the 2-byte form, as most stacks write it.
  parts.push(Buffer.from([0x40 | (length >> 8), length & 0xff]));
  return Buffer.concat(parts);
}

/** A long packet whose protected part (packet number + payload) is `body` bytes of filler: parses, never opens. */
function rawLong(type: LongType, o: LongOpts, body = 40): Buffer {
  return Buffer.concat([longPrefix(type, o, 1, body), Buffer.alloc(body, 0x5a)]);
}

/** A short-header packet (§17.3.1) with `body` bytes of filler after the DCID. */
function rawShort(dcid: Buffer, body = 30): Buffer {
  return Buffer.concat([Buffer.from([0x40]), dcid, Buffer.alloc(body, 0x33)]);
}

/** Version Negotiation (§17.2.1): unused first-byte bits, version 0, the CIDs, the versions offered. */
function versionNegotiation(dcid: Buffer, scid: Buffer, versions: number[]): Buffer {
  const list = Buffer.alloc(4 * versions.length);
  versions.forEach((v, i) => list.writeUInt32BE(v, 4 * i));
  return Buffer.concat([Buffer.from([0x80, 0, 0, 0, 0, dcid.length]), dcid, Buffer.from([scid.length]), scid, list]);
}

/** Retry (§17.2.5): header, token, 16-byte integrity tag (not checked by the tracker). */
function retry(dcid: Buffer, scid: Buffer, token: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0xf0, 0, 0, 0, 1, dcid.length]), dcid, Buffer.from([scid.length]), scid, token, Buffer.alloc(16, 0xee)]);
}

/** §19.6 CRYPTO frame. */
const cryptoFrame = (offset: number, data: Buffer): Buffer => Buffer.concat([Buffer.from([0x06]), varint(offset), varint(data.length), data]);
/** §19.19 CONNECTION_CLOSE (0x1c: transport, with the frame type). */
const closeFrame = (code: number, reason: string): Buffer => Buffer.concat([Buffer.from([0x1c]), varint(code), varint(0), varint(reason.length), Buffer.from(reason)]);
/** §19.20 HANDSHAKE_DONE. */
const HANDSHAKE_DONE = Buffer.from([0x1e]);
/** §19.8 STREAM with OFF and LEN bits set (0x0e), FIN (0x01) when asked. */
const streamFrame = (id: number, offset: number, length: number, fin = false): Buffer =>
  Buffer.concat([Buffer.from([0x0e | (fin ? 1 : 0)]), varint(id), varint(offset), varint(length), Buffer.alloc(length, 0x61)]);

// ---------------------------------------------------------------------------
// Packet protection (RFC 9001 §5), written from the RFC

const SALT_V1 = hex('38762cf7f55934b34d179ae6a4c80cadccbb7f0a');

/** HKDF-Expand-Label (RFC 8446 §7.1) for outputs of at most one SHA-256 block. */
function expandLabel(secret: Buffer, label: string, length: number): Buffer {
  const l = Buffer.from('tls13 ' + label);
  const info = Buffer.concat([Buffer.from([length >> 8, length & 0xff, l.length]), l, Buffer.from([0])]);
  return createHmac('sha256', secret).update(Buffer.concat([info, Buffer.from([1])])).digest().subarray(0, length);
}

/** §5.2: Initial keys of one direction from the client's first DCID (v1). */
function initialKeysOf(dcid: Buffer, side: Side): DirectionKeys {
  const initial = createHmac('sha256', SALT_V1).update(dcid).digest();
  const secret = expandLabel(initial, side === 'client' ? 'client in' : 'server in', 32);
  return { key: expandLabel(secret, 'quic key', 16), iv: expandLabel(secret, 'quic iv', 12), hp: expandLabel(secret, 'quic hp', 16) };
}

/** Keys as a key log would give them (AEAD_AES_128_GCM): any 16/12/16 bytes. */
const someKeys = (seed: number): DirectionKeys => ({
  key: Buffer.alloc(16, seed),
  iv: Buffer.alloc(12, seed + 1),
  hp: Buffer.alloc(16, seed + 2),
  aead: 'aes-128-gcm',
});

/** Payloads are padded (PADDING frames) to 24 bytes so that the §5.4.2 sample exists. */
const padded = (frames: Buffer[]): Buffer => {
  const b = Buffer.concat(frames);
  return b.length >= 24 ? b : Buffer.concat([b, Buffer.alloc(24 - b.length)]);
};

/** A long packet sealed with `keys`, packet number `pn` in 2 bytes. */
function sealedLong(type: LongType, o: LongOpts, pn: number, frames: Buffer[], keys: DirectionKeys): Buffer {
  const payload = padded(frames);
  const prefix = longPrefix(type, o, 2, 2 + payload.length + 16);
  const header = Buffer.concat([prefix, Buffer.from([pn >> 8, pn & 0xff])]);
  return seal(keys, header, prefix.length, BigInt(pn), payload, true);
}

/** A short-header (1-RTT) packet sealed with `keys`. */
function sealedShort(dcid: Buffer, pn: number, frames: Buffer[], keys: DirectionKeys): Buffer {
  const header = Buffer.concat([Buffer.from([0x41]), dcid, Buffer.from([pn >> 8, pn & 0xff])]);
  return seal(keys, header, 1 + dcid.length, BigInt(pn), padded(frames), false);
}

// ---------------------------------------------------------------------------
// The tracker, fed by hand

const CLIENT = { ip: '192.0.2.1', port: 50000 };
const SERVER = { ip: '198.51.100.7', port: 443 };
const CCID = hex('c1c2c3c4c5c6c7c8'); // the client's first DCID (the server's CID until it picks one)
const CSCID = hex('a1a2a3a4'); // the client's SCID
const SCID = hex('b1b2b3b4b5'); // the server's SCID

interface Ep {
  ip: string;
  port: number;
}

/** A consumer standing in for the hello reader: records what it is given; keys and wishes set by the test. */
class Consumer implements QuicCryptoConsumer {
  readonly got: { from: Side; level: QuicLevel; bytes: string; first: number; now: number }[] = [];
  wantsCrypto = true;
  wantsHandshakeCrypto: boolean | undefined = true;
  handshakeComplete: boolean | undefined = undefined;
  keys: Partial<Record<`${Side}-${'handshake' | 'application'}`, DirectionKeys>> = {};
  early: DirectionKeys[] | undefined;
  readonly asked: string[] = [];
  crypto(from: Side, level: QuicLevel, bytes: Buffer, first: Stamp, now: Stamp): void {
    this.got.push({ from, level, bytes: bytes.toString('hex'), first: first.frame, now: now.frame });
  }
  packetKeys?(from: Side, level: 'handshake' | 'application'): DirectionKeys | undefined {
    this.asked.push(`${from}-${level}`);
    return this.keys[`${from}-${level}`];
  }
  earlyKeyCandidates?(): DirectionKeys[] {
    return this.early ?? [];
  }
}

class Feed {
  readonly closed: { conn: QuicConnection; end: 'open' | 'idle' }[] = [];
  readonly datagrams: { frame: number; conn: number | null; types: string[] }[] = [];
  readonly consumers: Consumer[] = [];
  readonly tracker: QuicTracker;
  frame = 0;
  constructor(opts: QuicTrackerOptions = {}, consumer: (() => Consumer | undefined) | undefined = () => new Consumer()) {
    this.tracker = new QuicTracker(
      () => {
        const c = consumer?.();
        if (c !== undefined) this.consumers.push(c);
        return c;
      },
      (conn, end) => this.closed.push({ conn, end }),
      { ...opts, onDatagram: (frame, conn, types) => this.datagrams.push({ frame, conn, types }) },
    );
  }
  /** One datagram from `src` to `dst` at `sec` seconds (default: its frame number), wire length payload + 42. */
  send(src: Ep, dst: Ep, payload: Buffer, sec?: number, nsec = 0): boolean {
    const frame = ++this.frame;
    const stamp: Stamp = { frame, tsSec: 1_700_000_000 + (sec ?? frame), tsNsec: nsec };
    return this.tracker.datagram(src.ip, dst.ip, { srcPort: src.port, dstPort: dst.port, payload, payloadLength: payload.length }, stamp, payload.length + 42);
  }
  c(payload: Buffer, sec?: number): boolean {
    return this.send(CLIENT, SERVER, payload, sec);
  }
  s(payload: Buffer, sec?: number): boolean {
    return this.send(SERVER, CLIENT, payload, sec);
  }
  get last(): { frame: number; conn: number | null; types: string[] } | undefined {
    return this.datagrams[this.datagrams.length - 1];
  }
  get conns(): QuicConnection[] {
    return [...this.tracker.openConnections()];
  }
}

const clientInitial = (o: Partial<LongOpts> = {}, body?: number): Buffer => rawLong('Initial', { dcid: CCID, scid: CSCID, ...o }, body);
const serverInitial = (o: Partial<LongOpts> = {}): Buffer => rawLong('Initial', { dcid: CSCID, scid: SCID, ...o });
const serverHandshake = (o: Partial<LongOpts> = {}): Buffer => rawLong('Handshake', { dcid: CSCID, scid: SCID, ...o });

// ---------------------------------------------------------------------------

describe('the reference sealer', () => {
  test('derives RFC 9001 A.1 client and server Initial keys from DCID 0x8394c8f03e515708', () => {
    const dcid = hex('8394c8f03e515708');
    const c = initialKeysOf(dcid, 'client');
    const s = initialKeysOf(dcid, 'server');
    expect([c.key, c.iv, c.hp, s.key, s.iv, s.hp].map((b) => b.toString('hex'))).toEqual([
      '1f369613dd76d5467730efcbe3b1a22d',
      'fa044b2f42a3fd3b46fb255c',
      '9f50449e04a0e810283a1e9933adedd2',
      'cf3a5331653c364c88f0f379b6067e37',
      '0ac1493ca1905853b0bba03e',
      'c206b8d9b9f0f37644430b490eeaa314',
    ]);
  });
});

describe('which datagrams are QUIC (module comment; QuicStats)', () => {
  test('an empty payload, an unknown version, a short header of no connection: not QUIC, counted as UDP only', () => {
    const f = new Feed();
    const unknown = rawLong('Initial', { version: 0x1a2a3a4a, dcid: CCID, scid: CSCID });
    expect([f.c(Buffer.alloc(0)), f.c(unknown), f.c(rawShort(CCID))]).toEqual([false, false, false]);
    expect(f.tracker.stats).toEqual({ udpDatagrams: 3, quicDatagrams: 0, quicPackets: 0, unmatchedDatagrams: 0 });
    expect([f.datagrams, f.tracker.openCount]).toEqual([[], 0]);
  });

  test('a long header of a known version that does not parse: QUIC, unmatched, no packet types', () => {
    const f = new Feed();
    // v1, DCID length 8 but only 3 bytes follow (§17.2: the header is cut).
    expect(f.c(Buffer.from([0xc0, 0, 0, 0, 1, 8, 1, 2, 3]))).toBe(true);
    expect(f.tracker.stats).toEqual({ udpDatagrams: 1, quicDatagrams: 1, quicPackets: 0, unmatchedDatagrams: 1 });
    expect(f.datagrams).toEqual([{ frame: 1, conn: null, types: [] }]);
    expect(f.tracker.openCount).toBe(0);
  });

  test('a Handshake packet of no connection we track: QUIC, unmatched, starts nothing', () => {
    const f = new Feed();
    expect(f.s(serverHandshake())).toBe(true);
    expect(f.tracker.stats).toEqual({ udpDatagrams: 1, quicDatagrams: 1, quicPackets: 0, unmatchedDatagrams: 1 });
    expect([f.datagrams, f.tracker.openCount]).toEqual([[{ frame: 1, conn: null, types: [] }], 0]);
  });

  test('a client Initial with its fixed bit cleared (greased, RFC 9287) starts no connection', () => {
    const f = new Feed();
    expect(f.c(clientInitial({ fixedBit: false }))).toBe(true);
    expect([f.tracker.openCount, f.tracker.stats.unmatchedDatagrams, f.last]).toEqual([0, 1, { frame: 1, conn: null, types: [] }]);
  });

  test('coalesced packets count one each; datagrams and wire bytes per side', () => {
    const f = new Feed();
    f.c(clientInitial());
    const flight = Buffer.concat([serverInitial(), serverHandshake()]);
    f.s(flight);
    expect(f.tracker.stats).toEqual({ udpDatagrams: 2, quicDatagrams: 2, quicPackets: 3, unmatchedDatagrams: 0 });
    expect(f.datagrams).toEqual([
      { frame: 1, conn: 0, types: ['Initial'] },
      { frame: 2, conn: 0, types: ['Initial', 'Handshake'] },
    ]);
    const [conn] = f.conns;
    expect([conn.packets, conn.bytes, conn.datagrams]).toEqual([2, clientInitial().length + 42 + flight.length + 42, { client: 1, server: 1 }]);
    expect(conn.packetCounts).toEqual({ client: { Initial: 1 }, server: { Initial: 1, Handshake: 1 } });
  });
});

describe('a connection starts at the client Initial', () => {
  test('roles, CIDs, version, times and the first Initial event (its packet bytes)', () => {
    const f = new Feed();
    const init = clientInitial({}, 60);
    f.send(CLIENT, SERVER, init, 5, 250_000_000);
    const [conn] = f.conns;
    expect([conn.id, conn.client, conn.server, conn.scid.toString('hex'), conn.dcid.toString('hex'), conn.keyDcid.toString('hex')]).toEqual([
      0,
      CLIENT,
      SERVER,
      'a1a2a3a4',
      'c1c2c3c4c5c6c7c8',
      'c1c2c3c4c5c6c7c8',
    ]);
    expect([conn.version, conn.midstream, conn.first.frame, conn.last.frame, conn.problems.length > 0]).toEqual([1, false, 1, 1, true]);
    expect(conn.events).toEqual([{ type: 'Initial', from: 'client', frame: 1, firstFrame: 1, time: 1_700_000_005.25, bytes: init.length }]);
    expect(conn.consumer).toBe(f.consumers[0]);
  });

  test('a first Initial from port 443 to another port is the server\'s: roles turned, midstream, a problem', () => {
    const f = new Feed();
    f.s(serverInitial());
    const [conn] = f.conns;
    expect([conn.client, conn.server, conn.midstream]).toEqual([CLIENT, SERVER, true]);
    // Our CIDs by role: the client's is the packet's DCID, the server's its SCID.
    expect([conn.scid.toString('hex'), conn.dcid.toString('hex'), conn.serverScid?.toString('hex')]).toEqual(['a1a2a3a4', 'b1b2b3b4b5', 'b1b2b3b4b5']);
    expect(conn.problems).toContain('connection start not captured: first packet is a server Initial');
    expect(conn.events.map((e) => [e.type, e.from])).toEqual([['Initial', 'server']]);
    // The client's next datagram (a short header to the server's CID) is the same connection, from the client.
    f.c(rawShort(SCID));
    expect([f.last, conn.datagrams]).toEqual([{ frame: 2, conn: 0, types: ['1-RTT'] }, { client: 1, server: 1 }]);
  });

  test('an Initial between two ports 443 (or from any other port) keeps the sender as the client', () => {
    const f = new Feed();
    const a = { ip: '10.0.0.1', port: 443 };
    const b = { ip: '10.0.0.2', port: 443 };
    f.send(a, b, clientInitial());
    expect([f.conns[0].client, f.conns[0].midstream]).toEqual([a, false]);
  });

  test('the server\'s Initial, a retransmitted client Initial and the server\'s Handshake stay in the connection', () => {
    const f = new Feed();
    f.c(clientInitial());
    f.s(serverInitial());
    f.c(clientInitial());
    f.s(serverHandshake());
    expect(f.datagrams.map((d) => d.conn)).toEqual([0, 0, 0, 0]);
    const [conn] = f.conns;
    expect([conn.serverHandshake, conn.serverScid?.toString('hex'), conn.datagrams]).toEqual([true, 'b1b2b3b4b5', { client: 2, server: 2 }]);
    expect(conn.events.map((e) => `${e.from} ${e.type} ${e.frame}`)).toEqual(['client Initial 1', 'server Initial 2', 'server Handshake 4']);
  });

  test('the serverScid is the first one the server shows (its Initial), not a later one', () => {
    const f = new Feed();
    f.c(clientInitial());
    f.s(serverInitial());
    f.s(serverHandshake({ scid: hex('0102030405') }));
    expect(f.conns[0].serverScid?.toString('hex')).toBe('b1b2b3b4b5');
  });
});

/** Client Initial, server Initial + Handshake: a connection whose CIDs are all known. */
function handshake(f: Feed): QuicConnection {
  f.c(clientInitial());
  f.s(Buffer.concat([serverInitial(), serverHandshake()]));
  return f.conns[f.conns.length - 1];
}

describe('short headers find their connection by DCID, or by address pair', () => {
  test('client short headers carry the server\'s CID, server ones the client\'s; each side counted', () => {
    const f = new Feed();
    const conn = handshake(f);
    for (let i = 0; i < 3; i++) {
      expect(f.c(rawShort(SCID))).toBe(true);
      expect(f.s(rawShort(CSCID))).toBe(true);
    }
    expect(f.datagrams.slice(2)).toEqual([3, 4, 5, 6, 7, 8].map((frame) => ({ frame, conn: 0, types: ['1-RTT'] })));
    expect([conn.packetCounts.client['1-RTT'], conn.packetCounts.server['1-RTT'], conn.datagrams]).toEqual([3, 3, { client: 4, server: 4 }]);
    expect(f.tracker.stats).toEqual({ udpDatagrams: 8, quicDatagrams: 8, quicPackets: 9, unmatchedDatagrams: 0 });
    expect(conn.events.filter((e) => e.type === '1-RTT').map((e) => `${e.from} ${e.frame} ${e.bytes}`)).toEqual([
      `client 3 ${rawShort(SCID).length}`,
      `server 4 ${rawShort(CSCID).length}`,
    ]);
    expect([conn.firstData.client?.frame, conn.firstData.server?.frame, conn.last.frame]).toEqual([3, 4, 8]);
  });

  test('a short header whose first bytes are a tracked CID of another length is matched by the right length', () => {
    const f = new Feed();
    handshake(f); // CIDs of 8 (client's first DCID), 4 (client), 5 (server) bytes
    const other = hex('a1a2a3'); // a prefix of the client's CID: no CID of 3 bytes is tracked
    const stranger = { ip: '203.0.113.9', port: 7 }; // an address pair we do not know: only the CID can match
    expect(f.send(stranger, CLIENT, rawShort(Buffer.concat([other, hex('ffff')])))).toBe(false);
    expect(f.send(stranger, SERVER, rawShort(Buffer.concat([SCID, hex('99')])))).toBe(true); // 5 bytes match, the rest is packet
    expect(f.last).toEqual({ frame: 4, conn: 0, types: ['1-RTT'] });
    expect(f.conns[0].migrations).toEqual([stranger]); // from the client's side: a new client address
  });

  test('a datagram too short for any tracked CID is not matched by one', () => {
    const f = new Feed();
    handshake(f);
    // 1 + 3 bytes: shorter than 1 + every tracked CID length, on an address pair we do not know.
    expect(f.send({ ip: '203.0.113.9', port: 1 }, SERVER, Buffer.from([0x40, 0xb1, 0xb2, 0xb3]))).toBe(false);
  });

  test('zero-length CIDs: short headers go by address pair, to the connection of that pair and side', () => {
    const f = new Feed();
    const c2 = { ip: CLIENT.ip, port: 50001 };
    const empty = Buffer.alloc(0);
    f.c(clientInitial({ scid: empty }));
    f.send(c2, SERVER, clientInitial({ dcid: hex('d1d2d3d4d5d6d7d8'), scid: empty }));
    f.s(rawLong('Handshake', { dcid: empty, scid: empty }));
    f.send(SERVER, c2, rawLong('Handshake', { dcid: empty, scid: empty }));
    const [a, b] = f.conns;
    expect([a.serverScid?.length, b.serverScid?.length]).toEqual([0, 0]);
    const order: [Ep, Ep, number][] = [
      [CLIENT, SERVER, 0],
      [c2, SERVER, 1],
      [SERVER, c2, 1],
      [SERVER, CLIENT, 0],
      [c2, SERVER, 1],
      [CLIENT, SERVER, 0],
      [SERVER, CLIENT, 0],
      [SERVER, c2, 1],
    ];
    for (const [src, dst] of order) expect(f.send(src, dst, rawShort(empty))).toBe(true);
    expect(f.datagrams.slice(4).map((d) => d.conn)).toEqual(order.map((o) => o[2]));
    expect([a.datagrams, b.datagrams]).toEqual([
      { client: 3, server: 3 },
      { client: 3, server: 3 },
    ]);
    // Unknown pair, empty DCID: nothing.
    expect(f.send({ ip: '203.0.113.9', port: 50000 }, SERVER, rawShort(empty))).toBe(false);
  });

  test('a short header of an emitted connection matches nothing (neither its CID nor its address pair)', () => {
    const f = new Feed({ idleTimeoutSec: 10 });
    handshake(f);
    f.c(rawShort(SCID), 3);
    f.s(rawShort(CSCID), 3);
    // 30 s later: the connection is emitted as idle before this datagram is looked at.
    expect(f.c(rawShort(SCID), 33)).toBe(false);
    expect(f.s(rawShort(CSCID), 33)).toBe(false);
    expect(f.closed.map((c) => [c.conn.id, c.end, c.conn.closed])).toEqual([[0, 'idle', true]]);
    expect(f.tracker.stats.quicDatagrams).toBe(4);
  });

  test('many connections at once (more than the recent-match cache): every short header to its own', () => {
    const f = new Feed();
    const n = 7;
    const ep = (i: number): Ep => ({ ip: CLIENT.ip, port: 40000 + i });
    const scid = (i: number): Buffer => hex(`5e${i.toString(16).padStart(2, '0')}0000`);
    const ccid = (i: number): Buffer => hex(`c0${i.toString(16).padStart(2, '0')}`);
    for (let i = 0; i < n; i++) {
      f.send(ep(i), SERVER, rawLong('Initial', { dcid: hex(`d0d0d0d0d0d0d0${i.toString(16).padStart(2, '0')}`), scid: ccid(i) }));
      f.send(SERVER, ep(i), rawLong('Handshake', { dcid: ccid(i), scid: scid(i) }));
    }
    const want: number[] = [];
    for (let round = 0; round < 3; round++)
      for (let i = 0; i < n; i++) {
        const j = (i * 3 + round) % n;
        f.send(ep(j), SERVER, rawShort(scid(j)));
        f.send(SERVER, ep(j), rawShort(ccid(j)));
        want.push(j, j);
      }
    expect(f.datagrams.slice(2 * n).map((d) => d.conn)).toEqual(want);
    expect(f.conns.map((c) => c.datagrams.client + c.datagrams.server).sort()).toEqual(Array(n).fill(8));
  });
});

describe('Retry and Version Negotiation (RFC 9000 §17.2.5, §6, §7.2)', () => {
  test('a Retry: the client\'s next Initial (to the Retry\'s SCID) is the same connection, keys from that CID', () => {
    const f = new Feed();
    f.c(clientInitial({ token: Buffer.alloc(0) }));
    const rscid = hex('e1e2e3e4e5e6');
    f.s(retry(CSCID, rscid, hex('7070707070')));
    const [conn] = f.conns;
    expect([conn.retry, conn.restartPending, conn.retryScid?.toString('hex'), conn.keyDcid.toString('hex'), conn.keys]).toEqual([
      true,
      true,
      'e1e2e3e4e5e6',
      'e1e2e3e4e5e6',
      undefined,
    ]);
    f.c(clientInitial({ dcid: rscid, token: hex('7070707070') }));
    expect([f.conns.length, f.last?.conn, conn.restartPending, conn.tokenLength]).toEqual([1, 0, false, 5]);
    expect(conn.events.map((e) => `${e.from} ${e.type}`)).toEqual(['client Initial', 'server Retry']);
    // Before the server's Handshake, client short headers carry the Retry's SCID (6 bytes).
    f.send({ ip: '203.0.113.9', port: 7 }, SERVER, rawShort(rscid));
    expect(f.last).toEqual({ frame: 4, conn: 0, types: ['1-RTT'] });
  });

  test('a second Retry, or one from the client, changes nothing', () => {
    const f = new Feed();
    f.c(clientInitial());
    f.s(retry(CSCID, hex('e1e2e3e4'), hex('01')));
    f.c(clientInitial({ dcid: hex('e1e2e3e4'), token: hex('01') }));
    f.s(retry(CSCID, hex('f1f2f3f4'), hex('02')));
    f.c(retry(CCID, CSCID, hex('03')));
    const [conn] = f.conns;
    expect([conn.retryScid?.toString('hex'), conn.keyDcid.toString('hex'), conn.restartPending]).toEqual(['e1e2e3e4', 'e1e2e3e4', false]);
    expect(conn.packetCounts).toEqual({ client: { Initial: 2, Retry: 1 }, server: { Retry: 2 } });
  });

  test('Version Negotiation: the offered versions on its event; the client\'s Initial of another version and DCID continues the connection', () => {
    const f = new Feed();
    const draft29 = 0xff00001d;
    f.c(clientInitial({ version: draft29 }));
    f.s(versionNegotiation(CSCID, CCID, [V2, V1, 0xff00001d]));
    const [conn] = f.conns;
    expect([conn.vn, conn.restartPending, conn.version]).toEqual([true, true, draft29]);
    expect(conn.events[1]).toMatchObject({ type: 'VersionNegotiation', from: 'server', detail: 'v2,v1,draft-29' });
    const dcid2 = hex('0909090909090909');
    f.c(clientInitial({ version: V1, dcid: dcid2 }));
    expect([f.conns.length, f.last?.conn]).toEqual([1, 0]);
    expect([conn.restartPending, conn.versionsTried, conn.version, conn.keyDcid.toString('hex'), conn.keys?.version]).toEqual([false, [draft29], V1, '0909090909090909', V1]);
    expect(conn.keys?.dcid.toString('hex')).toBe('0909090909090909');
    // The new DCID is the connection's: a retransmission of that Initial stays in it.
    f.c(clientInitial({ version: V1, dcid: dcid2 }));
    expect([f.conns.length, f.last?.conn]).toEqual([1, 0]);
    // A second Version Negotiation does not change the first event's detail.
    f.s(versionNegotiation(CSCID, dcid2, [V2]));
    expect(conn.events.filter((e) => e.type === 'VersionNegotiation').map((e) => e.detail)).toEqual(['v2,v1,draft-29']);
  });

  test('a Version Negotiation from the client\'s side is counted but changes nothing', () => {
    const f = new Feed();
    f.c(clientInitial());
    f.c(versionNegotiation(CCID, CSCID, [V2]));
    const [conn] = f.conns;
    expect([conn.vn, conn.restartPending, conn.packetCounts.client]).toEqual([false, false, { Initial: 1, VersionNegotiation: 1 }]);
    expect(conn.events[1]).toEqual({ type: 'VersionNegotiation', from: 'client', frame: 2, firstFrame: 2, time: 1_700_000_002, bytes: 23 });
  });

  test('after a Retry with the same version, the Initial keys come from the Retry\'s SCID (RFC 9001 §5.2)', () => {
    const f = new Feed();
    f.c(clientInitial());
    const rscid = hex('e1e2e3e4e5e6');
    f.s(retry(CSCID, rscid, hex('aa')));
    // The client's second Initial, sealed with the keys of the Retry's SCID, opens; its CRYPTO bytes reach the consumer.
    f.c(sealedLong('Initial', { dcid: rscid, scid: CSCID, token: hex('aa') }, 1, [cryptoFrame(0, hex('0100'))], initialKeysOf(rscid, 'client')));
    const [conn] = f.conns;
    expect([conn.undecrypted, conn.largestInitialPn.client, f.consumers[0].got]).toEqual([1, 1, [{ from: 'client', level: 'initial', bytes: '0100', first: 3, now: 3 }]]);
  });
});

describe('a client Initial on the address pair of a connection (RFC 9000 §7.2, §5.2)', () => {
  test('with a new DCID that opens with the connection\'s Initial keys: the same connection (a client changing its DCID)', () => {
    const f = new Feed();
    const keys = initialKeysOf(CCID, 'client');
    f.c(sealedLong('Initial', { dcid: CCID, scid: CSCID }, 0, [cryptoFrame(0, hex('01'))], keys));
    const other = hex('7777777777777777');
    f.c(sealedLong('Initial', { dcid: other, scid: CSCID }, 1, [cryptoFrame(1, hex('02'))], keys));
    expect([f.conns.length, f.last?.conn]).toEqual([1, 0]);
    const [conn] = f.conns;
    expect(conn.cids).toContain('7777777777777777');
    expect([conn.undecrypted, conn.largestInitialPn.client, f.consumers[0].got.map((g) => g.bytes)]).toEqual([0, 1, ['01', '02']]);
  });

  test('with a new DCID that does not open with them: a new connection reusing the client port', () => {
    const f = new Feed();
    f.c(sealedLong('Initial', { dcid: CCID, scid: CSCID }, 0, [cryptoFrame(0, hex('01'))], initialKeysOf(CCID, 'client')));
    const other = hex('7777777777777777');
    f.c(sealedLong('Initial', { dcid: other, scid: CSCID }, 0, [cryptoFrame(0, hex('02'))], initialKeysOf(other, 'client')));
    expect(f.datagrams.map((d) => d.conn)).toEqual([0, 1]);
    const [a, b] = f.conns;
    expect([a.undecrypted, b.undecrypted, b.dcid.toString('hex'), a.cids.includes('7777777777777777')]).toEqual([0, 0, '7777777777777777', false]);
    // The address pair now names the new connection.
    f.s(rawShort(Buffer.alloc(0)));
    expect(f.last?.conn).toBe(1);
  });

  test('a short Initial on that pair (no room for the header protection sample) starts a new connection', () => {
    const f = new Feed();
    f.c(clientInitial());
    f.c(rawLong('Initial', { dcid: hex('7777777777777777'), scid: CSCID }, 10));
    expect(f.datagrams.map((d) => d.conn)).toEqual([0, 1]);
  });

  test('with no DCID at all: the same connection', () => {
    const f = new Feed();
    f.c(clientInitial());
    f.c(clientInitial({ dcid: Buffer.alloc(0) }));
    expect(f.datagrams.map((d) => d.conn)).toEqual([0, 0]);
  });

  test('a server Initial from the pair with a CID we do not know stays in the connection (only clients start one)', () => {
    const f = new Feed();
    f.c(clientInitial());
    f.s(rawLong('Initial', { dcid: hex('abababab'), scid: SCID }));
    expect([f.datagrams.map((d) => d.conn), f.conns.length]).toEqual([[0, 0], 1]);
  });

  test('a client Initial to the DCID of one connection from the pair of another goes to the DCID\'s', () => {
    const f = new Feed();
    f.c(clientInitial());
    const c2 = { ip: CLIENT.ip, port: 50002 };
    f.send(c2, SERVER, clientInitial({ dcid: hex('d9d9d9d9d9d9d9d9'), scid: hex('0a0a') }));
    // From c2's pair, to the first connection's DCID: the DCID decides (a migrated client).
    f.send(c2, SERVER, clientInitial());
    expect(f.datagrams.map((d) => d.conn)).toEqual([0, 1, 0]);
  });
});

describe('bounded state: idle timeout, open connections, migrations, emit', () => {
  test('idle: emitted when a later datagram comes more than idleTimeoutSec after its last one, not at exactly that', () => {
    const f = new Feed({ idleTimeoutSec: 10 });
    f.c(clientInitial(), 100);
    f.send({ ip: '10.9.9.9', port: 1 }, SERVER, rawShort(hex('00')), 110); // not QUIC, still a clock tick: 10 s, kept
    expect(f.closed).toEqual([]);
    f.send({ ip: '10.9.9.9', port: 1 }, SERVER, Buffer.from([0x40]), 110);
    expect(f.closed).toEqual([]);
    f.send(CLIENT, SERVER, rawShort(hex('00')), 110, 1_000_000); // 10.001 s
    expect(f.closed.map((c) => [c.conn.id, c.end])).toEqual([[0, 'idle']]);
    expect(f.tracker.openCount).toBe(0);
  });

  test('the default idle timeout is 300 s', () => {
    const f = new Feed();
    f.c(clientInitial(), 0);
    f.c(clientInitial(), 300);
    expect(f.closed).toEqual([]);
    f.send({ ip: '10.9.9.9', port: 1 }, SERVER, Buffer.from([0x40]), 600, 1);
    expect(f.closed.map((c) => c.end)).toEqual(['idle']);
  });

  test('idle connections go in order of last activity; an active one is kept', () => {
    const f = new Feed({ idleTimeoutSec: 10 });
    const a = { ip: CLIENT.ip, port: 1001 };
    const b = { ip: CLIENT.ip, port: 1002 };
    const c = { ip: CLIENT.ip, port: 1003 };
    f.send(a, SERVER, clientInitial({ dcid: hex('0a0a0a0a0a0a0a0a') }), 0);
    f.send(b, SERVER, clientInitial({ dcid: hex('0b0b0b0b0b0b0b0b') }), 1);
    f.send(c, SERVER, clientInitial({ dcid: hex('0c0c0c0c0c0c0c0c') }), 2);
    f.send(a, SERVER, clientInitial({ dcid: hex('0a0a0a0a0a0a0a0a') }), 8); // a active again
    expect([...f.tracker.openConnections()].map((x) => x.id)).toEqual([1, 2, 0]);
    f.send(SERVER, { ip: '10.9.9.9', port: 1 }, Buffer.from([0x40]), 12.5);
    expect(f.closed.map((x) => [x.conn.id, x.end])).toEqual([
      [1, 'idle'],
      [2, 'idle'],
    ]);
    expect([...f.tracker.openConnections()].map((x) => x.id)).toEqual([0]);
  });

  test('maxConnections: a new connection emits the longest-idle one (state open) to make room', () => {
    const f = new Feed({ maxConnections: 2 });
    const ep = (port: number): Ep => ({ ip: CLIENT.ip, port });
    f.send(ep(1), SERVER, clientInitial({ dcid: hex('0101010101010101') }));
    f.send(ep(2), SERVER, clientInitial({ dcid: hex('0202020202020202') }));
    f.send(ep(1), SERVER, clientInitial({ dcid: hex('0101010101010101') }));
    expect(f.closed).toEqual([]);
    f.send(ep(3), SERVER, clientInitial({ dcid: hex('0303030303030303') }));
    expect(f.closed.map((x) => [x.conn.id, x.end])).toEqual([[1, 'open']]);
    expect([f.tracker.openCount, [...f.tracker.openConnections()].map((x) => x.id)]).toEqual([2, [0, 2]]);
    // The emitted connection's CID is forgotten: its Initial now starts a new one.
    f.send(ep(2), SERVER, clientInitial({ dcid: hex('0202020202020202') }));
    expect(f.last?.conn).toBe(3);
  });

  test('finish() emits every open connection, state open, oldest activity first', () => {
    const f = new Feed();
    f.send({ ip: CLIENT.ip, port: 1 }, SERVER, clientInitial({ dcid: hex('0101010101010101') }));
    f.send({ ip: CLIENT.ip, port: 2 }, SERVER, clientInitial({ dcid: hex('0202020202020202') }));
    f.send({ ip: CLIENT.ip, port: 1 }, SERVER, clientInitial({ dcid: hex('0101010101010101') }));
    f.tracker.finish();
    expect(f.closed.map((x) => [x.conn.id, x.end, x.conn.closed])).toEqual([
      [1, 'open', true],
      [0, 'open', true],
    ]);
    expect(f.tracker.openCount).toBe(0);
    f.tracker.finish();
    expect(f.closed).toHaveLength(2);
  });

  test('client migration (RFC 9000 §9): new client addresses kept once each, at most 8; the server side never migrates', () => {
    const f = new Feed();
    handshake(f);
    const [conn] = f.conns;
    const moved = (i: number): Ep => ({ ip: `192.0.2.${10 + i}`, port: 60000 + i });
    f.send(moved(0), SERVER, rawShort(SCID));
    f.send(moved(0), SERVER, rawShort(SCID));
    expect(conn.migrations).toEqual([moved(0)]);
    // The new pair is the connection's, both ways (a zero-length DCID would find it by address).
    f.send(SERVER, moved(0), rawShort(Buffer.alloc(0)));
    expect(f.last?.conn).toBe(0);
    f.send({ ip: CLIENT.ip, port: 1234 }, SERVER, rawShort(SCID)); // same IP, other port: a migration
    f.send({ ip: '192.0.2.99', port: CLIENT.port }, SERVER, rawShort(SCID)); // other IP, same port: too
    for (let i = 1; i < 12; i++) f.send(moved(i), SERVER, rawShort(SCID));
    expect(conn.migrations).toEqual([moved(0), { ip: CLIENT.ip, port: 1234 }, { ip: '192.0.2.99', port: CLIENT.port }, ...[1, 2, 3, 4, 5].map(moved)]);
    f.send({ ip: '198.51.100.8', port: 8443 }, CLIENT, rawShort(CSCID)); // the server from elsewhere
    expect(conn.migrations).toHaveLength(8);
    expect(conn.tuples).toHaveLength(2 + 2 * 8);
  });

  test('emit: the connection\'s CIDs and address pairs are forgotten, its CRYPTO buffers released', () => {
    const f = new Feed({ idleTimeoutSec: 1 });
    handshake(f);
    const [conn] = f.conns;
    expect([...conn.cids].sort()).toEqual(['a1a2a3a4', 'b1b2b3b4b5', 'c1c2c3c4c5c6c7c8']);
    f.send({ ip: '10.9.9.9', port: 1 }, SERVER, Buffer.from([0x40]), 100);
    expect(f.closed).toHaveLength(1);
    expect(conn.handshakeCrypto).toBeUndefined();
    // Nothing of it matches: the same Initial starts a new connection; its server's short headers find nothing.
    expect(f.send({ ip: '10.0.0.5', port: 9 }, SERVER, rawShort(SCID), 100)).toBe(false);
    expect(f.s(rawShort(CSCID), 100)).toBe(false);
    f.c(clientInitial(), 100);
    expect(f.last?.conn).toBe(1);
  });

  test('a CID taken over by a new connection leaves the old one\'s list, and its short headers go to the new one', () => {
    const f = new Feed();
    f.c(clientInitial());
    // Another client, another DCID, but the same SCID as the first client's.
    const other = { ip: '192.0.2.50', port: 5 };
    f.send(other, SERVER, clientInitial({ dcid: hex('d2d2d2d2d2d2d2d2') }));
    const [a, b] = f.conns;
    expect([f.datagrams.map((d) => d.conn), a.cids, b.cids]).toEqual([[0, 1], ['c1c2c3c4c5c6c7c8'], ['d2d2d2d2d2d2d2d2', 'a1a2a3a4']]);
    // A short header to that CID from an address pair we do not know: the new owner's, from its server.
    f.send({ ip: '203.0.113.9', port: 7 }, other, rawShort(CSCID));
    expect(f.last?.conn).toBe(1);
    // The old owner emitted: the CID (still the new one's) keeps working.
    f.tracker.finish();
    expect(f.closed.map((x) => x.conn.id)).toEqual([0, 1]);
  });

  test('emitting the old owner of a CID taken over does not take it from the new owner', () => {
    const f = new Feed({ idleTimeoutSec: 10 });
    f.c(clientInitial(), 0);
    const other = { ip: '192.0.2.50', port: 5 };
    f.send(other, SERVER, clientInitial({ dcid: hex('d2d2d2d2d2d2d2d2') }), 8);
    f.send(SERVER, other, rawShort(CSCID), 12); // the first connection is idle now and emitted first
    expect([f.closed.map((x) => x.conn.id), f.last?.conn]).toEqual([[0], 1]);
    f.send(SERVER, other, rawShort(CSCID), 13);
    f.send({ ip: '203.0.113.9', port: 7 }, other, rawShort(CSCID), 14);
    expect(f.datagrams.slice(-2).map((d) => d.conn)).toEqual([1, 1]);
  });
});

test('migration with zero-length CIDs: the new address pair finds the connection both ways, a ninth address is not kept', () => {
  const f = new Feed();
  const empty = Buffer.alloc(0);
  f.c(clientInitial({ scid: empty }));
  f.s(rawLong('Handshake', { dcid: empty, scid: empty }));
  const moved = (i: number): Ep => ({ ip: `192.0.2.${10 + i}`, port: 60000 + i });
  // With empty CIDs a short header from a new address cannot be matched; an Initial retransmitted from
  // there can (its DCID is the connection's first): each of these is a migration.
  for (let i = 0; i < 9; i++) f.send(moved(i), SERVER, clientInitial({ scid: empty }));
  const [conn] = f.conns;
  expect(f.datagrams.map((d) => d.conn)).toEqual(Array(11).fill(0));
  expect(conn.migrations).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map(moved));
  expect(f.send(SERVER, moved(3), rawShort(empty))).toBe(true);
  expect(f.send(moved(3), SERVER, rawShort(empty))).toBe(true);
  expect(f.send(SERVER, moved(8), rawShort(empty))).toBe(false);
  expect(f.send(moved(8), SERVER, rawShort(empty))).toBe(false);
  expect([conn.datagrams.client, conn.datagrams.server]).toEqual([11, 2]);
});

const ck = initialKeysOf(CCID, 'client');
const sk = initialKeysOf(CCID, 'server');
const sealedClientInitial = (pn: number, frames: Buffer[], o: Partial<LongOpts> = {}): Buffer => sealedLong('Initial', { dcid: CCID, scid: CSCID, ...o }, pn, frames, ck);
const sealedServerInitial = (pn: number, frames: Buffer[]): Buffer => sealedLong('Initial', { dcid: CSCID, scid: SCID }, pn, frames, sk);

describe('Initial packets opened with the keys of the client\'s first DCID (RFC 9001 §5.2)', () => {
  test('CRYPTO bytes of each side reach the consumer in offset order, with the stamp of the datagram that brought them', () => {
    const f = new Feed();
    f.c(sealedClientInitial(0, [cryptoFrame(3, hex('444546')), cryptoFrame(0, hex('414243'))]));
    f.s(sealedServerInitial(0, [cryptoFrame(2, hex('0303'))]));
    f.s(sealedServerInitial(1, [cryptoFrame(0, hex('0202'))]));
    const [conn] = f.conns;
    expect(f.consumers[0].got).toEqual([
      { from: 'client', level: 'initial', bytes: '414243', first: 1, now: 1 },
      { from: 'client', level: 'initial', bytes: '444546', first: 1, now: 1 },
      { from: 'server', level: 'initial', bytes: '0202', first: 3, now: 3 },
      { from: 'server', level: 'initial', bytes: '0303', first: 2, now: 3 },
    ]);
    expect([conn.undecrypted, conn.initialDecrypts, conn.largestInitialPn, conn.problems]).toEqual([0, 3, { client: 0, server: 1 }, []]);
    expect(conn.keys?.client.key.toString('hex')).toBe(ck.key.toString('hex'));
  });

  test('the largest packet number per side is kept (a lower one later does not lower it)', () => {
    const f = new Feed();
    f.c(sealedClientInitial(7, [cryptoFrame(0, hex('01'))]));
    f.c(sealedClientInitial(5, [cryptoFrame(0, hex('01'))]));
    expect(f.conns[0].largestInitialPn).toEqual({ client: 7, server: -1 });
  });

  test('when the consumer wants no more, both Initial CRYPTO buffers are released and nothing more is delivered', () => {
    const f = new Feed();
    f.c(sealedClientInitial(0, [cryptoFrame(0, hex('01'))]));
    f.s(sealedServerInitial(0, [cryptoFrame(1, hex('02'))])); // waits for offset 0
    const c = f.consumers[0];
    c.wantsCrypto = false;
    f.c(sealedClientInitial(1, [cryptoFrame(1, hex('03'))]));
    f.s(sealedServerInitial(1, [cryptoFrame(0, hex('04'))]));
    expect(c.got.map((g) => g.bytes)).toEqual(['01']);
    expect(f.conns[0].initialDecrypts).toBe(4); // still opened (CONNECTION_CLOSE, packet numbers), not delivered
  });

  test('the consumer saying "enough" while bytes arrive: buffers released after that packet', () => {
    const f = new Feed();
    f.c(sealedClientInitial(0, [cryptoFrame(1, hex('02'))]));
    const c = f.consumers[0];
    const crypto = c.crypto.bind(c);
    c.crypto = (...args) => {
      crypto(...args);
      c.wantsCrypto = false;
    };
    f.c(sealedClientInitial(1, [cryptoFrame(0, hex('01'))]));
    expect(c.got.map((g) => g.bytes)).toEqual(['01', '02']);
    // Released: a retransmission of offset 0 is not delivered again, nor new bytes.
    c.wantsCrypto = true;
    f.c(sealedClientInitial(2, [cryptoFrame(0, hex('01')), cryptoFrame(2, hex('03'))]));
    expect(c.got.map((g) => g.bytes)).toEqual(['01', '02']);
  });

  test('no consumer: Initials are still opened (packet numbers, CONNECTION_CLOSE)', () => {
    const f = new Feed({}, () => undefined);
    f.c(sealedClientInitial(4, [closeFrame(0x0a, 'bye')]));
    const [conn] = f.conns;
    expect([conn.consumer, conn.largestInitialPn.client, conn.close?.errorCode, conn.close?.reason]).toEqual([undefined, 4, 0x0a, 'bye']);
  });

  test('CONNECTION_CLOSE in an Initial: the close (first one only) and its event, code in hex, bytes of its packet', () => {
    const f = new Feed();
    f.c(sealedClientInitial(0, [cryptoFrame(0, hex('01'))]));
    const pkt = sealedServerInitial(0, [closeFrame(0x16a, 'no')]);
    f.s(pkt, 7);
    f.c(sealedClientInitial(1, [closeFrame(0x01, 'later')]));
    const [conn] = f.conns;
    expect(conn.close).toEqual({ from: 'server', frame: 2, stamp: { frame: 2, tsSec: 1_700_000_007, tsNsec: 0 }, errorCode: 0x16a, reason: 'no' });
    expect(conn.events.filter((e) => e.type === 'ConnectionClose')).toEqual([
      { type: 'ConnectionClose', from: 'server', frame: 2, firstFrame: 2, time: 1_700_000_007, bytes: pkt.length, detail: 'error 0x16a' },
    ]);
  });

  test('a damaged Initial: counted undecrypted, the problem once; frames problems are the connection\'s', () => {
    const f = new Feed();
    const bad = sealedClientInitial(0, [cryptoFrame(0, hex('01'))]);
    bad[bad.length - 1] ^= 1;
    f.c(bad);
    f.c(bad);
    f.c(sealedClientInitial(1, [Buffer.from([0x1f])])); // 0x1f: no such frame (RFC 9000 §19)
    const [conn] = f.conns;
    expect([conn.undecrypted, conn.problems]).toEqual([2, ['Initial packet failed to decrypt', 'unexpected frame type 0x1f in an Initial packet']]);
  });

  test('at most 64 Initial packets are opened per connection', () => {
    const f = new Feed();
    for (let i = 0; i < 70; i++) f.c(clientInitial());
    const [conn] = f.conns;
    expect([conn.initialDecrypts, conn.undecrypted, conn.packetCounts.client.Initial]).toEqual([64, 64, 70]);
  });

  test('a version without Initial keys (draft-22): one problem, no attempt to open', () => {
    const f = new Feed();
    for (let i = 0; i < 3; i++) f.c(clientInitial({ version: 0xff000016 }));
    const [conn] = f.conns;
    expect([conn.problems, conn.undecrypted, conn.keys, conn.initialDecrypts]).toEqual([['no Initial keys for draft-22'], 0, undefined, 64]);
  });

  test('a v2 connection (RFC 9369): its Initial types and keys follow v2', () => {
    const f = new Feed();
    f.c(clientInitial({ version: V2 }));
    f.s(serverHandshake({ version: V2 }));
    const [conn] = f.conns;
    expect([conn.version, conn.keys?.version, conn.packetCounts, conn.serverHandshake]).toEqual([V2, V2, { client: { Initial: 1 }, server: { Handshake: 1 } }, true]);
  });

  test('the token length of the client\'s latest Initial', () => {
    const f = new Feed();
    f.c(clientInitial({ token: Buffer.alloc(37, 1) }));
    expect(f.conns[0].tokenLength).toBe(37);
    f.s(rawLong('Initial', { dcid: CSCID, scid: SCID, token: Buffer.alloc(5) }));
    expect(f.conns[0].tokenLength).toBe(37);
    f.c(clientInitial());
    expect(f.conns[0].tokenLength).toBe(0);
  });
});

describe('handshake confirmed (checkConfirmed: inferred without keys, exact with them)', () => {
  test('without keys: at the client\'s first 1-RTT after the server\'s Handshake; setup counts include that datagram', () => {
    const f = new Feed();
    f.c(clientInitial());
    f.c(rawShort(CCID)); // a client 1-RTT before any server Handshake: not yet
    f.s(serverInitial());
    f.s(rawShort(CSCID)); // the server's 1-RTT: not the client's
    expect(f.conns[0].confirmed).toBeUndefined();
    f.s(serverHandshake());
    f.s(rawShort(CSCID));
    expect(f.conns[0].confirmed).toBeUndefined();
    f.c(rawShort(SCID), 9);
    const [conn] = f.conns;
    expect([conn.confirmed, conn.confirmedExact, conn.setupPackets, conn.setupBytes]).toEqual([{ frame: 7, tsSec: 1_700_000_009, tsNsec: 0 }, false, 7, conn.bytes]);
    f.c(rawShort(SCID));
    expect([conn.confirmed?.frame, conn.setupPackets]).toEqual([7, 7]);
  });

  test('a client 1-RTT coalesced after its Handshake packet confirms too (slow path of the datagram)', () => {
    const f = new Feed();
    handshake(f);
    f.c(Buffer.concat([rawLong('Handshake', { dcid: SCID, scid: CSCID }), rawShort(SCID)]));
    const [conn] = f.conns;
    expect([f.last?.types, conn.confirmed?.frame, conn.setupPackets]).toEqual([['Handshake', '1-RTT'], 3, 3]);
  });

  test('a client datagram with only a Handshake packet after the server\'s Handshake does not confirm', () => {
    const f = new Feed();
    handshake(f);
    f.c(rawLong('Handshake', { dcid: SCID, scid: CSCID }));
    expect(f.conns[0].confirmed).toBeUndefined();
  });

  test('with keys: exactly when the consumer has read both Finished, replacing an earlier inferred one', () => {
    const f = new Feed();
    f.c(clientInitial());
    const c = f.consumers[0];
    c.keys['server-handshake'] = someKeys(1);
    c.keys['client-handshake'] = someKeys(4);
    f.s(sealedLong('Handshake', { dcid: CSCID, scid: SCID }, 0, [cryptoFrame(0, hex('08'))], someKeys(1)));
    const [conn] = f.conns;
    expect([conn.keyed, conn.serverHandshake]).toEqual([true, true]);
    f.c(rawShort(SCID)); // inferred for now
    expect([conn.confirmed?.frame, conn.confirmedExact, conn.setupPackets]).toEqual([3, false, 3]);
    c.handshakeComplete = true;
    f.c(sealedLong('Handshake', { dcid: SCID, scid: CSCID }, 0, [cryptoFrame(0, hex('14'))], someKeys(4)));
    expect([conn.confirmed?.frame, conn.confirmedExact, conn.setupPackets]).toEqual([4, true, 4]);
    f.c(rawShort(SCID));
    expect([conn.confirmed?.frame, conn.setupPackets]).toEqual([4, 4]);
  });

  test('keyed, the consumer not done: inferred at the client\'s 1-RTT and kept until it is; unkeyed: a consumer saying complete changes nothing', () => {
    const f = new Feed();
    f.c(clientInitial());
    const c = f.consumers[0];
    c.keys['server-handshake'] = someKeys(1);
    f.s(sealedLong('Handshake', { dcid: CSCID, scid: SCID }, 0, [cryptoFrame(0, hex('08'))], someKeys(1)));
    c.handshakeComplete = false;
    f.c(rawShort(SCID));
    f.c(rawShort(SCID));
    f.c(Buffer.concat([rawLong('Handshake', { dcid: SCID, scid: CSCID }), rawShort(SCID)]));
    expect([f.conns[0].confirmed?.frame, f.conns[0].confirmedExact, f.conns[0].setupPackets]).toEqual([3, false, 3]);
    // Unkeyed (no Handshake opened): inferred, and a consumer that later says complete changes nothing.
    const g = new Feed();
    handshake(g);
    g.c(rawShort(SCID));
    g.consumers[0].handshakeComplete = true;
    g.c(rawShort(SCID));
    g.c(Buffer.concat([rawLong('Handshake', { dcid: SCID, scid: CSCID }), rawShort(SCID)]));
    expect([g.conns[0].confirmed?.frame, g.conns[0].confirmedExact, g.conns[0].setupPackets]).toEqual([3, false, 3]);
  });

  test('with keys, completed on a server datagram: confirmed there', () => {
    const f = new Feed();
    f.c(clientInitial());
    const c = f.consumers[0];
    c.keys['server-handshake'] = someKeys(1);
    c.handshakeComplete = true;
    f.s(sealedLong('Handshake', { dcid: CSCID, scid: SCID }, 0, [cryptoFrame(0, hex('08'))], someKeys(1)));
    expect([f.conns[0].confirmed?.frame, f.conns[0].confirmedExact]).toEqual([2, true]);
  });

  test('with keys, completed when the client\'s 1-RTT comes on the fast path (a recent short header)', () => {
    const f = new Feed();
    f.c(clientInitial());
    const c = f.consumers[0];
    c.keys['server-handshake'] = someKeys(1);
    f.s(sealedLong('Handshake', { dcid: CSCID, scid: SCID }, 0, [cryptoFrame(0, hex('08'))], someKeys(1)));
    f.c(rawShort(SCID));
    c.handshakeComplete = true;
    f.c(rawShort(SCID)); // same DCID as the last: the recent-match path
    expect([f.conns[0].confirmed?.frame, f.conns[0].confirmedExact, f.conns[0].setupPackets]).toEqual([4, true, 4]);
  });
});

describe('0-RTT and 1-RTT packets without keys', () => {
  test('client 0-RTT: counted, first data; a server "0-RTT" is only counted', () => {
    const f = new Feed();
    f.c(clientInitial());
    f.c(rawLong('0-RTT', { dcid: CCID, scid: CSCID }), 2);
    f.c(rawLong('0-RTT', { dcid: CCID, scid: CSCID }), 3);
    f.s(rawLong('0-RTT', { dcid: CSCID, scid: SCID }), 4);
    const [conn] = f.conns;
    expect([conn.zeroRttPackets, conn.firstData.client?.frame, conn.firstData.server, conn.packetCounts]).toEqual([
      2,
      2,
      undefined,
      { client: { Initial: 1, '0-RTT': 2 }, server: { '0-RTT': 1 } },
    ]);
    expect(conn.events.map((e) => `${e.from} ${e.type} ${e.frame}`)).toEqual(['client Initial 1', 'client 0-RTT 2', 'server 0-RTT 4']);
  });

  test('first data: the first 1-RTT of each side (a client 0-RTT before it counts for the client)', () => {
    const f = new Feed();
    handshake(f);
    f.c(Buffer.concat([rawLong('Handshake', { dcid: SCID, scid: CSCID }), rawShort(SCID)]));
    f.s(rawShort(CSCID));
    f.c(rawShort(SCID));
    const [conn] = f.conns;
    expect([conn.firstData.client?.frame, conn.firstData.server?.frame]).toEqual([3, 4]);
  });
});

const hsKeys = { client: someKeys(10), server: someKeys(20) };
const appKeys = { client: someKeys(30), server: someKeys(40) };
const serverHs = (pn: number, frames: Buffer[], keys = hsKeys.server): Buffer => sealedLong('Handshake', { dcid: CSCID, scid: SCID }, pn, frames, keys);
const clientHs = (pn: number, frames: Buffer[], keys = hsKeys.client): Buffer => sealedLong('Handshake', { dcid: SCID, scid: CSCID }, pn, frames, keys);

/** A connection whose consumer has the key log's keys (handshake and application, both sides). */
function keyed(f: Feed): Consumer {
  f.c(sealedClientInitial(0, [Buffer.from([0x01])])); // a PING: opens, no CRYPTO, no problem
  f.s(sealedServerInitial(0, [Buffer.from([0x01])])); // the server's CID is known from here
  const c = f.consumers[f.consumers.length - 1];
  c.keys = { 'client-handshake': hsKeys.client, 'server-handshake': hsKeys.server, 'client-application': appKeys.client, 'server-application': appKeys.server };
  return c;
}

describe('Handshake packets opened with keys from outside (a key log)', () => {
  test('CRYPTO at the handshake level per side, packet numbers, counters', () => {
    const f = new Feed();
    const c = keyed(f);
    f.s(serverHs(3, [cryptoFrame(0, hex('080000')), cryptoFrame(3, hex('0b'))]));
    f.c(clientHs(9, [cryptoFrame(0, hex('14'))]));
    f.s(serverHs(2, [cryptoFrame(4, hex('0f'))]));
    const [conn] = f.conns;
    expect(c.got).toEqual([
      { from: 'server', level: 'handshake', bytes: '080000', first: 3, now: 3 },
      { from: 'server', level: 'handshake', bytes: '0b', first: 3, now: 3 },
      { from: 'client', level: 'handshake', bytes: '14', first: 4, now: 4 },
      { from: 'server', level: 'handshake', bytes: '0f', first: 5, now: 5 },
    ]);
    expect([conn.keyed, conn.keyedDecrypts, conn.largestPn.handshake, conn.problems, conn.handshakeCrypto !== undefined]).toEqual([
      true,
      { handshake: 3, application: 0 },
      { client: 9, server: 3 },
      [],
      true,
    ]);
  });

  test('no packetKeys, keys not there yet, or not wanted: nothing opened, not keyed', () => {
    for (const set of [
      (c: Consumer) => (c.packetKeys = undefined),
      (c: Consumer) => (c.keys = {}),
      (c: Consumer) => (c.wantsHandshakeCrypto = false),
      (c: Consumer) => (c.wantsHandshakeCrypto = undefined),
    ]) {
      const f = new Feed();
      set(keyed(f));
      f.s(serverHs(0, [cryptoFrame(0, hex('08'))]));
      const [conn] = f.conns;
      expect([conn.keyed, conn.keyedDecrypts.handshake, f.consumers[0].got, conn.handshakeCrypto]).toEqual([false, 0, [], undefined]);
    }
  });

  test('a Handshake packet that does not open: a problem naming the side; a Handshake CONNECTION_CLOSE is the close', () => {
    const f = new Feed();
    keyed(f);
    f.s(serverHs(0, [cryptoFrame(0, hex('08'))], someKeys(99)));
    const close = clientHs(0, [closeFrame(0x128, 'x')]);
    f.c(close);
    const [conn] = f.conns;
    expect(conn.problems).toEqual(["Handshake packet from the server failed to decrypt with the key log's secrets"]);
    expect([conn.keyed, conn.keyedDecrypts.handshake, conn.close?.from, conn.close?.errorCode, conn.handshakeCrypto]).toEqual([true, 2, 'client', 0x128, undefined]);
    expect(conn.events.find((e) => e.type === 'ConnectionClose')).toMatchObject({ frame: 4, bytes: close.length, detail: 'error 0x128' });
  });

  test('frame problems of a Handshake packet name its level', () => {
    const f = new Feed();
    keyed(f);
    f.s(serverHs(0, [cryptoFrame(0, hex('08')), Buffer.from([0x06, 0x00, 0x3f])])); // 63 bytes announced, fewer left
    expect(f.conns[0].problems).toEqual(['truncated frame in a Handshake packet']);
  });

  test('at most 64 Handshake packets are opened per connection', () => {
    const f = new Feed();
    const c = keyed(f);
    for (let i = 0; i < 70; i++) f.s(serverHs(i, [cryptoFrame(i, hex('aa'))]));
    expect([f.conns[0].keyedDecrypts.handshake, c.got.length, f.conns[0].largestPn.handshake.server]).toEqual([64, 64, 63]);
  });

  test('once the consumer wants no more Handshake CRYPTO, the Handshake streams are released', () => {
    const f = new Feed();
    const c = keyed(f);
    f.s(serverHs(0, [cryptoFrame(1, hex('02'))])); // waits for offset 0
    const crypto = c.crypto.bind(c);
    c.crypto = (...args) => {
      crypto(...args);
      c.wantsHandshakeCrypto = false;
    };
    f.c(clientHs(0, [cryptoFrame(0, hex('14'))]));
    c.wantsHandshakeCrypto = true;
    f.s(serverHs(1, [cryptoFrame(0, hex('01'))]));
    // Released: the server's offset 1 byte (buffered before) is gone; only offset 0 arrives.
    expect(c.got.map((g) => `${g.from} ${g.bytes}`)).toEqual(['client 14', 'server 01']);
  });

  test('a Handshake packet with no CRYPTO frame (ACK only) creates no Handshake streams', () => {
    const f = new Feed();
    keyed(f);
    f.c(clientHs(0, [Buffer.from([0x02, 0x00, 0x00, 0x00, 0x00])]));
    expect([f.conns[0].keyedDecrypts.handshake, f.conns[0].handshakeCrypto]).toEqual([1, undefined]);
  });
});

describe('server 1-RTT packets opened for HANDSHAKE_DONE (RFC 9001 §4.1.2)', () => {
  test('HANDSHAKE_DONE: its datagram and event; after it no more server packets are opened', () => {
    const f = new Feed();
    keyed(f);
    f.s(serverHs(0, [cryptoFrame(0, hex('08'))]));
    f.s(sealedShort(CSCID, 0, [Buffer.from([0x01])], appKeys.server));
    const done = sealedShort(CSCID, 1, [HANDSHAKE_DONE], appKeys.server);
    f.s(done, 6);
    f.s(sealedShort(CSCID, 2, [HANDSHAKE_DONE], appKeys.server));
    const [conn] = f.conns;
    expect([conn.handshakeDone?.frame, conn.keyedDecrypts.application, conn.largestPn.application.server]).toEqual([5, 2, 1]);
    expect(conn.events.filter((e) => e.type === 'HandshakeDone')).toEqual([{ type: 'HandshakeDone', from: 'server', frame: 5, firstFrame: 5, time: 1_700_000_006, bytes: done.length }]);
  });

  test('the same when the server\'s 1-RTT is coalesced after its Handshake packet', () => {
    const f = new Feed();
    keyed(f);
    f.s(Buffer.concat([serverHs(0, [cryptoFrame(0, hex('08'))]), sealedShort(CSCID, 0, [HANDSHAKE_DONE, closeFrame(0, '')], appKeys.server)]));
    const [conn] = f.conns;
    expect([conn.handshakeDone?.frame, conn.close?.from, conn.close?.frame, conn.keyedDecrypts.application]).toEqual([3, 'server', 3, 1]);
  });

  test('not before a Handshake packet was opened with keys; not for client packets', () => {
    const f = new Feed();
    const c = keyed(f);
    f.s(sealedShort(CSCID, 0, [HANDSHAKE_DONE], appKeys.server));
    expect([f.conns[0].handshakeDone, f.conns[0].keyedDecrypts.application, c.asked]).toEqual([undefined, 0, []]);
  });

  test('one that does not open: a problem; at most 16 are tried', () => {
    const f = new Feed();
    keyed(f);
    f.s(serverHs(0, [cryptoFrame(0, hex('08'))]));
    for (let i = 0; i < 20; i++) f.s(sealedShort(CSCID, i, [Buffer.from([0x01])], someKeys(77)));
    const [conn] = f.conns;
    expect([conn.keyedDecrypts.application, conn.problems]).toEqual([16, ["1-RTT packet from the server failed to decrypt with the key log's secrets"]]);
    f.s(sealedShort(CSCID, 21, [HANDSHAKE_DONE], appKeys.server));
    expect(conn.handshakeDone).toBeUndefined();
  });

  test('no application keys yet: not counted as a try', () => {
    const f = new Feed();
    const c = keyed(f);
    delete c.keys['server-application'];
    f.s(serverHs(0, [cryptoFrame(0, hex('08'))]));
    f.s(sealedShort(CSCID, 0, [HANDSHAKE_DONE], appKeys.server));
    expect([f.conns[0].keyedDecrypts.application, c.asked.filter((a) => a === 'server-application').length]).toEqual([0, 1]);
  });

  test('frame problems of a 1-RTT packet name its level', () => {
    const f = new Feed();
    keyed(f);
    f.s(serverHs(0, [cryptoFrame(0, hex('08'))]));
    f.s(sealedShort(CSCID, 0, [Buffer.from([0x1f])], appKeys.server));
    expect(f.conns[0].problems).toEqual(['unexpected frame type 0x1f in a 1-RTT packet']);
  });
});

describe('client 1-RTT / 0-RTT packets opened for their STREAM frames (requests)', () => {
  test('client-initiated bidirectional streams in order of first data: bytes, end, early', () => {
    const f = new Feed();
    keyed(f);
    f.c(sealedShort(SCID, 0, [streamFrame(0, 0, 10), streamFrame(2, 0, 5), streamFrame(3, 0, 5), streamFrame(1, 0, 5)], appKeys.client), 2);
    f.c(sealedShort(SCID, 1, [streamFrame(4, 0, 7, true), streamFrame(0, 10, 6, true)], appKeys.client), 3);
    f.c(sealedShort(SCID, 2, [streamFrame(0, 0, 10)], appKeys.client), 4); // a retransmission: no change
    const [conn] = f.conns;
    expect(conn.requestStreams).toEqual([
      { id: 0, first: { frame: 3, tsSec: 1_700_000_002, tsNsec: 0 }, end: { frame: 4, tsSec: 1_700_000_003, tsNsec: 0 }, bytes: 16, early: false },
      { id: 4, first: { frame: 4, tsSec: 1_700_000_003, tsNsec: 0 }, end: { frame: 4, tsSec: 1_700_000_003, tsNsec: 0 }, bytes: 7, early: false },
    ]);
    expect([conn.clientAppOpened, conn.clientAppFailed, conn.largestPn.application, conn.problems]).toEqual([3, 0, { client: 2, server: -1 }, []]);
  });

  test('the same on the slow path (the first short header of an address pair) and coalesced after a Handshake packet', () => {
    const f = new Feed();
    keyed(f);
    f.c(Buffer.concat([clientHs(0, [cryptoFrame(0, hex('14'))]), sealedShort(SCID, 0, [streamFrame(0, 0, 3, true)], appKeys.client)]));
    const [conn] = f.conns;
    expect(conn.requestStreams?.map((s) => [s.id, s.bytes, s.first.frame, s.end?.frame])).toEqual([[0, 3, 3, 3]]);
    expect(conn.clientAppOpened).toBe(1);
  });

  test('0-RTT: the candidate that opens the first one is kept and used after; streams marked early', () => {
    const f = new Feed();
    const c = keyed(f);
    const early = someKeys(50);
    c.early = [someKeys(60), early];
    const zeroRtt = (pn: number, frames: Buffer[]): Buffer => sealedLong('0-RTT', { dcid: CCID, scid: CSCID }, pn, frames, early);
    f.c(zeroRtt(0, [streamFrame(0, 0, 4)]));
    const [conn] = f.conns;
    expect(conn.earlyKeys).toBe(early);
    c.early = [someKeys(61)]; // no longer asked
    f.c(zeroRtt(1, [streamFrame(0, 4, 4, true), streamFrame(4, 0, 2)]));
    expect(conn.requestStreams?.map((s) => [s.id, s.bytes, s.early, s.end?.frame])).toEqual([
      [0, 8, true, 4],
      [4, 2, true, undefined],
    ]);
    expect([conn.zeroRttPackets, conn.clientAppOpened, conn.largestPn.application.client, conn.problems]).toEqual([2, 2, 1, []]);
  });

  test('0-RTT with no candidates (or a consumer without them): nothing tried, no failure', () => {
    const f = new Feed();
    const c = keyed(f);
    f.c(sealedLong('0-RTT', { dcid: CCID, scid: CSCID }, 0, [streamFrame(0, 0, 4)], someKeys(50)));
    c.earlyKeyCandidates = undefined;
    f.c(sealedLong('0-RTT', { dcid: CCID, scid: CSCID }, 1, [streamFrame(0, 0, 4)], someKeys(50)));
    const [conn] = f.conns;
    expect([conn.clientAppOpened, conn.clientAppFailed, conn.requestStreams, conn.problems]).toEqual([0, 0, undefined, []]);
  });

  test('a frame problem in a 0-RTT packet names its level; a client CONNECTION_CLOSE in 1-RTT is the close', () => {
    const f = new Feed();
    const c = keyed(f);
    c.early = [someKeys(50)];
    f.c(sealedLong('0-RTT', { dcid: CCID, scid: CSCID }, 0, [Buffer.from([0x1f])], someKeys(50)));
    const close = sealedShort(SCID, 0, [closeFrame(0x100, 'h3')], appKeys.client);
    f.c(close);
    const [conn] = f.conns;
    expect(conn.problems).toEqual(['unexpected frame type 0x1f in a 0-RTT packet']);
    expect([conn.close?.from, conn.close?.frame, conn.close?.errorCode, conn.close?.reason]).toEqual(['client', 4, 0x100, 'h3']);
  });

  test('packets that do not open: a problem per kind; after 8 failures no more are tried', () => {
    const f = new Feed();
    const c = keyed(f);
    c.early = [someKeys(50)];
    f.c(sealedLong('0-RTT', { dcid: CCID, scid: CSCID }, 0, [streamFrame(0, 0, 4)], someKeys(51)));
    for (let i = 0; i < 9; i++) f.c(sealedShort(SCID, i, [streamFrame(4 * i, 0, 1)], someKeys(88)));
    f.c(sealedShort(SCID, 9, [streamFrame(100, 0, 1)], appKeys.client));
    const [conn] = f.conns;
    expect([conn.clientAppFailed, conn.clientAppOpened, conn.requestStreams, conn.problems]).toEqual([
      8,
      0,
      undefined,
      ["0-RTT packet from the client failed to decrypt with the key log's secrets", "1-RTT packet from the client failed to decrypt with the key log's secrets"],
    ]);
  });

  test('no client application keys: not tried, not a failure; without packetKeys nothing is asked', () => {
    const f = new Feed();
    const c = keyed(f);
    delete c.keys['client-application'];
    f.c(sealedShort(SCID, 0, [streamFrame(0, 0, 1)], appKeys.client));
    expect([f.conns[0].clientAppFailed, f.conns[0].clientAppOpened, c.asked]).toEqual([0, 0, ['client-application']]);
  });
});

describe('QuicConnection.clientStream and problem (their doc comments)', () => {
  const conn = (): QuicConnection => {
    const f = new Feed();
    f.c(clientInitial());
    return f.conns[0];
  };
  const at = (frame: number): Stamp => ({ frame, tsSec: frame, tsNsec: 0 });

  test('only ids % 4 === 0; a stream whose first frame has no data is no request (yet)', () => {
    const c = conn();
    c.clientStream(1, 0, 5, false, at(1), false);
    c.clientStream(2, 0, 5, false, at(1), false);
    c.clientStream(3, 0, 5, false, at(1), false);
    expect(c.requestStreams).toBeUndefined();
    c.clientStream(8, 0, 0, true, at(2), false);
    expect(c.requestStreams).toEqual([]);
    c.clientStream(8, 0, 3, false, at(3), true);
    c.clientStream(8, 3, 0, true, at(4), false); // FIN alone, later
    expect(c.requestStreams).toEqual([{ id: 8, first: at(3), end: at(4), bytes: 3, early: true }]);
  });

  test('bytes: the highest offset + length; end: the first FIN', () => {
    const c = conn();
    c.clientStream(0, 100, 20, true, at(1), false);
    c.clientStream(0, 0, 50, true, at(2), false);
    c.clientStream(0, 120, 0, false, at(3), false);
    expect(c.requestStreams).toEqual([{ id: 0, first: at(1), end: at(1), bytes: 120, early: false }]);
  });

  test('at most 1000 streams; new ids past that are counted, known ones still updated', () => {
    const c = conn();
    for (let i = 0; i < 1000; i++) c.clientStream(4 * i, 0, 1, false, at(1), false);
    c.clientStream(4000, 0, 1, false, at(2), false);
    c.clientStream(4000, 1, 1, false, at(2), false);
    c.clientStream(4004, 0, 0, false, at(2), false); // no data: not even counted
    c.clientStream(0, 1, 9, true, at(3), false);
    expect([c.requestStreams?.length, c.streamOverflow, c.requestStreams?.[0]]).toEqual([1000, 2, { id: 0, first: at(1), end: at(3), bytes: 10, early: false }]);
  });

  test('problems: each text once, at most 20', () => {
    const c = conn();
    const before = c.problems.length; // the unopened Initial's
    for (let i = 0; i < 30; i++) c.problem(`p${i % 25}`);
    expect(c.problems).toHaveLength(20);
    expect(c.problems.slice(before)).toEqual(Array.from({ length: 20 - before }, (_, i) => `p${i}`));
  });
});

describe('edges of the rules above', () => {
  test('cryptoCap: Initial and Handshake CRYPTO past it dropped, a problem each time, per level', () => {
    const f = new Feed({ cryptoCap: 4 });
    const c = keyed(f);
    f.c(sealedClientInitial(1, [cryptoFrame(0, hex('0102030405060708'))]));
    f.s(serverHs(0, [cryptoFrame(0, hex('0a0b0c0d0e0f'))]));
    const [conn] = f.conns;
    expect(conn.problems).toEqual(['CRYPTO data beyond 4 bytes dropped']);
    expect(c.got.map((g) => `${g.level} ${g.bytes}`)).toEqual(['initial 01020304', 'handshake 0a0b0c0d']);
  });

  test('a server 1-RTT packet number lower than the largest does not lower it', () => {
    const f = new Feed();
    keyed(f);
    f.s(serverHs(0, [cryptoFrame(0, hex('08'))]));
    f.s(sealedShort(CSCID, 9, [Buffer.from([0x01])], appKeys.server));
    f.s(sealedShort(CSCID, 4, [Buffer.from([0x01])], appKeys.server));
    f.c(sealedShort(SCID, 3, [Buffer.from([0x01])], appKeys.client));
    f.c(sealedShort(SCID, 2, [Buffer.from([0x01])], appKeys.client));
    expect(f.conns[0].largestPn.application).toEqual({ client: 3, server: 9 });
  });

  test('a Handshake packet number lower than the largest does not lower it', () => {
    const f = new Feed();
    keyed(f);
    f.s(serverHs(6, [cryptoFrame(0, hex('08'))]));
    f.s(serverHs(5, [cryptoFrame(1, hex('09'))]));
    expect(f.conns[0].largestPn.handshake).toEqual({ client: -1, server: 6 });
  });

  test('a Retry, then an Initial of another version: its keys still come from the Retry\'s SCID', () => {
    const f = new Feed();
    f.c(clientInitial({ version: 0xff00001d }));
    const rscid = hex('e1e2e3e4e5e6');
    f.s(retry(CSCID, rscid, hex('aa')));
    f.c(clientInitial({ version: V1, dcid: rscid, token: hex('aa') }));
    const [conn] = f.conns;
    expect([f.conns.length, conn.version, conn.versionsTried, conn.keyDcid.toString('hex'), conn.keys?.dcid.toString('hex')]).toEqual([
      1,
      V1,
      [0xff00001d],
      'e1e2e3e4e5e6',
      'e1e2e3e4e5e6',
    ]);
  });

  test('the answer to a Version Negotiation in the same version keeps the keys and packet numbers', () => {
    const f = new Feed();
    f.c(sealedClientInitial(3, [cryptoFrame(0, hex('01'))]));
    f.s(versionNegotiation(CSCID, CCID, [V1]));
    f.c(sealedClientInitial(4, [cryptoFrame(1, hex('02'))]));
    const [conn] = f.conns;
    expect([conn.versionsTried, conn.keyDcid.toString('hex'), conn.largestInitialPn.client, f.consumers[0].got.map((g) => g.bytes)]).toEqual([
      [],
      'c1c2c3c4c5c6c7c8',
      4,
      ['01', '02'],
    ]);
  });

  test('after a version change the client\'s Initial packet numbers start over', () => {
    const f = new Feed();
    f.c(rawLong('Initial', { version: 0xff00001d, dcid: CCID, scid: CSCID }));
    f.s(versionNegotiation(CSCID, CCID, [V1]));
    const conn = f.conns[0];
    conn.largestInitialPn.client = 900; // as if many draft-29 Initials had opened
    f.c(sealedClientInitial(0, [cryptoFrame(0, hex('01'))]));
    expect([conn.largestInitialPn.client, conn.undecrypted, f.consumers[0].got.map((g) => g.bytes)]).toEqual([0, 1, ['01']]);
  });

  test('a new DCID on the pair of a connection of another version: tried with that version\'s keys from the first DCID', () => {
    const f = new Feed();
    f.c(rawLong('Initial', { version: 0xff00001d, dcid: CCID, scid: CSCID }));
    f.c(sealedClientInitial(0, [cryptoFrame(0, hex('01'))], { dcid: hex('7777777777777777') }));
    expect(f.datagrams.map((d) => d.conn)).toEqual([0, 0]);
  });

  test('a new DCID on the pair of a connection without Initial keys (draft-22): a new connection', () => {
    const f = new Feed();
    f.c(clientInitial({ version: 0xff000016 }));
    f.c(clientInitial({ version: 0xff000016, dcid: hex('7777777777777777') }));
    expect(f.datagrams.map((d) => d.conn)).toEqual([0, 1]);
  });

  test('a connection that lost its address pair to a newer one: emitting it leaves the newer one\'s pair', () => {
    const f = new Feed({ idleTimeoutSec: 10 });
    const empty = Buffer.alloc(0);
    f.c(clientInitial({ scid: empty }), 0);
    f.c(clientInitial({ dcid: hex('7777777777777777'), scid: empty }), 5); // does not open with the first's keys: new connection
    f.s(rawLong('Handshake', { dcid: empty, scid: empty }), 8);
    f.send({ ip: '10.9.9.9', port: 1 }, SERVER, Buffer.from([0x40]), 12); // the first is idle now
    expect(f.closed.map((x) => x.conn.id)).toEqual([0]);
    expect(f.s(rawShort(empty), 13)).toBe(true);
    expect(f.c(rawShort(empty), 14)).toBe(true);
    expect(f.datagrams.slice(-2).map((d) => d.conn)).toEqual([1, 1]);
  });

  test('maxConnections 0 keeps one connection at a time', () => {
    const f = new Feed({ maxConnections: 0 });
    f.send({ ip: CLIENT.ip, port: 1 }, SERVER, clientInitial({ dcid: hex('0101010101010101') }));
    expect([f.tracker.openCount, f.closed.length]).toEqual([1, 0]);
    f.send({ ip: CLIENT.ip, port: 2 }, SERVER, clientInitial({ dcid: hex('0202020202020202') }));
    expect([f.tracker.openCount, f.closed.map((x) => x.conn.id)]).toEqual([1, [0]]);
  });

  test('a recent short-header CID longer than the datagram is passed over for a match further on', () => {
    const f = new Feed();
    handshake(f);
    const c2 = { ip: CLIENT.ip, port: 50009 };
    const empty = Buffer.alloc(0);
    f.send(c2, SERVER, clientInitial({ dcid: hex('d9d9d9d9d9d9d9d9'), scid: empty }));
    f.send(SERVER, c2, rawLong('Handshake', { dcid: empty, scid: empty }));
    f.c(rawShort(SCID)); // remembered first: the 5-byte CID
    f.send(SERVER, c2, rawShort(empty)); // then the pair, no CID
    // A 3-byte datagram: too short for the 5-byte CID; the pair entry matches it.
    expect(f.send(SERVER, c2, Buffer.from([0x40, 0xb1, 0xb2]))).toBe(true);
    expect(f.last).toEqual({ frame: 7, conn: 1, types: ['1-RTT'] });
  });
});

test('packet number 0 in every space and direction is the largest seen (none seen: -1)', () => {
  const f = new Feed();
  keyed(f); // both Initials, packet number 0
  const [conn] = f.conns;
  expect([conn.largestInitialPn, conn.largestPn]).toEqual([
    { client: 0, server: 0 },
    { handshake: { client: -1, server: -1 }, application: { client: -1, server: -1 } },
  ]);
  f.s(serverHs(0, [cryptoFrame(0, hex('08'))]));
  f.c(clientHs(0, [cryptoFrame(0, hex('14'))]));
  f.s(sealedShort(CSCID, 0, [Buffer.from([0x01])], appKeys.server));
  f.c(sealedShort(SCID, 0, [Buffer.from([0x01])], appKeys.client));
  expect(conn.largestPn).toEqual({ handshake: { client: 0, server: 0 }, application: { client: 0, server: 0 } });
  expect([conn.closed, conn.clientAppOpened, conn.keyedDecrypts]).toEqual([false, 1, { handshake: 2, application: 1 }]);
});

describe('the recent-match cache is only a shortcut: it gives what the maps give', () => {
  test('a client port reused for a new connection with zero-length CIDs: short headers on that pair go to the new one', () => {
    const f = new Feed();
    const empty = Buffer.alloc(0);
    f.c(clientInitial({ scid: empty }));
    f.s(rawLong('Handshake', { dcid: empty, scid: empty }));
    f.s(rawShort(empty));
    f.c(rawShort(empty));
    // The same client port, a DCID whose Initial does not open with the first connection's keys: a new connection
    // (the address pair now names it), while the first one is still open.
    f.c(clientInitial({ dcid: hex('7777777777777777'), scid: empty }));
    f.s(rawLong('Handshake', { dcid: empty, scid: empty }));
    f.s(rawShort(empty));
    f.c(rawShort(empty));
    expect(f.datagrams.map((d) => d.conn)).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
    expect(f.tracker.openCount).toBe(2);
  });

  test('a CID taken over by a new connection: short headers with it go to the new owner', () => {
    const f = new Feed();
    handshake(f);
    f.s(rawShort(CSCID)); // remembered: the client's CID, first connection
    const other = { ip: '192.0.2.50', port: 5 };
    f.send(other, SERVER, clientInitial({ dcid: hex('d2d2d2d2d2d2d2d2') })); // its SCID is the first client's CID
    f.send(SERVER, other, rawShort(CSCID));
    f.send({ ip: '203.0.113.9', port: 7 }, other, rawShort(CSCID));
    expect(f.datagrams.slice(-3).map((d) => d.conn)).toEqual([1, 1, 1]);
  });
});

describe('more edges: coalesced packets, the fast path, roles', () => {
  test('two client Initials in one datagram (RFC 9000 §12.2): both opened, each event and close with its own packet bytes', () => {
    const f = new Feed();
    const first = sealedClientInitial(0, [cryptoFrame(0, hex('0102'))]);
    const second = sealedClientInitial(1, [cryptoFrame(2, hex('0304')), closeFrame(0x0a, '')]);
    f.c(Buffer.concat([first, second]));
    const [conn] = f.conns;
    expect([conn.undecrypted, conn.largestInitialPn.client, f.consumers[0].got.map((g) => g.bytes)]).toEqual([0, 1, ['0102', '0304']]);
    expect(conn.events.map((e) => [e.type, e.bytes])).toEqual([
      ['Initial', first.length],
      ['ConnectionClose', second.length],
    ]);
    expect(conn.packetCounts.client).toEqual({ Initial: 2 });
  });

  test('a server Initial and Handshake in one datagram: the Handshake event has its own bytes, and opens with keys', () => {
    const f = new Feed();
    const c = keyed(f);
    const hs = serverHs(0, [cryptoFrame(0, hex('08'))]);
    f.s(Buffer.concat([sealedServerInitial(1, [Buffer.from([0x01])]), hs]));
    const [conn] = f.conns;
    expect(conn.events.find((e) => e.type === 'Handshake')?.bytes).toBe(hs.length);
    expect(c.got.map((g) => `${g.level} ${g.bytes}`)).toEqual(['handshake 08']);
  });

  test('HANDSHAKE_DONE and a client CONNECTION_CLOSE in 1-RTT packets coalesced after Handshake: events with the 1-RTT packet\'s bytes', () => {
    const f = new Feed();
    keyed(f);
    const done = sealedShort(CSCID, 0, [HANDSHAKE_DONE], appKeys.server);
    f.s(Buffer.concat([serverHs(0, [cryptoFrame(0, hex('08'))]), done]));
    const close = sealedShort(SCID, 0, [closeFrame(0, 'x')], appKeys.client);
    f.c(Buffer.concat([clientHs(0, [cryptoFrame(0, hex('14'))]), close]));
    const [conn] = f.conns;
    expect(conn.events.filter((e) => e.type === 'HandshakeDone' || e.type === 'ConnectionClose').map((e) => [e.type, e.from, e.bytes])).toEqual([
      ['HandshakeDone', 'server', done.length],
      ['ConnectionClose', 'client', close.length],
    ]);
  });

  test('server 1-RTT after HANDSHAKE_DONE (fast path) is neither opened again nor taken for the client\'s', () => {
    const f = new Feed();
    keyed(f);
    f.s(serverHs(0, [cryptoFrame(0, hex('08'))]));
    f.s(sealedShort(CSCID, 0, [HANDSHAKE_DONE], appKeys.server));
    f.s(sealedShort(CSCID, 1, [Buffer.from([0x01])], appKeys.server));
    f.s(sealedShort(CSCID, 2, [Buffer.from([0x01])], appKeys.server));
    const [conn] = f.conns;
    expect([conn.keyedDecrypts.application, conn.clientAppFailed, conn.clientAppOpened, conn.problems]).toEqual([1, 0, 0, []]);
  });

  test('server 1-RTT before any keyed Handshake (slow and fast path): not opened', () => {
    const f = new Feed();
    const c = keyed(f);
    f.s(sealedShort(CSCID, 0, [HANDSHAKE_DONE], appKeys.server));
    f.s(sealedShort(CSCID, 1, [HANDSHAKE_DONE], appKeys.server));
    expect([f.conns[0].handshakeDone, f.conns[0].keyedDecrypts.application, c.asked, f.conns[0].clientAppFailed]).toEqual([undefined, 0, [], 0]);
  });

  test('client 1-RTT packets leave the 0-RTT keys alone', () => {
    const f = new Feed();
    keyed(f);
    f.c(sealedShort(SCID, 0, [streamFrame(0, 0, 1)], appKeys.client));
    f.c(sealedShort(SCID, 1, [streamFrame(4, 0, 1)], appKeys.client));
    expect([f.conns[0].earlyKeys, f.conns[0].clientAppOpened]).toEqual([undefined, 2]);
  });

  test('a client Handshake packet seen before any of the server\'s: the server has not sent one, its CID is not learned', () => {
    const f = new Feed();
    f.c(clientInitial());
    f.c(rawLong('Handshake', { dcid: SCID, scid: CSCID }));
    const [conn] = f.conns;
    expect([conn.serverHandshake, conn.serverScid]).toEqual([false, undefined]);
  });

  test('a second Version Negotiation after other events does not label them', () => {
    const f = new Feed();
    f.c(clientInitial({ version: 0xff00001d }));
    f.s(versionNegotiation(CSCID, CCID, [V1]));
    f.c(clientInitial({ version: V1, dcid: hex('0909090909090909') }));
    f.s(rawLong('Handshake', { dcid: CSCID, scid: SCID }));
    f.s(versionNegotiation(CSCID, CCID, [V2]));
    const [conn] = f.conns;
    expect(conn.events.map((e) => [e.type, e.detail])).toEqual([
      ['Initial', undefined],
      ['VersionNegotiation', 'v1'],
      ['Handshake', undefined],
    ]);
  });

  test('without a Version Negotiation or Retry, a client Initial of another version does not change the connection\'s version', () => {
    const f = new Feed();
    f.c(rawLong('Initial', { version: 0xff00001d, dcid: CCID, scid: CSCID }));
    f.c(sealedClientInitial(0, [cryptoFrame(0, hex('01'))], { dcid: hex('7777777777777777') }));
    const [conn] = f.conns;
    expect([conn.version, conn.versionsTried, conn.keyDcid.toString('hex')]).toEqual([0xff00001d, [], 'c1c2c3c4c5c6c7c8']);
    // It opens with v1 keys (its own version), not the draft-29 keys the first Initial left in conn.keys.
    expect([conn.undecrypted, f.consumers[0].got.map((g) => g.bytes)]).toEqual([1, ['01']]);
  });

  test('zero-length CIDs, two clients on the same port of two hosts: each pair to its own connection', () => {
    const f = new Feed();
    const empty = Buffer.alloc(0);
    const other = { ip: '192.0.2.2', port: CLIENT.port };
    f.c(clientInitial({ scid: empty }));
    f.send(other, SERVER, clientInitial({ dcid: hex('d1d2d3d4d5d6d7d8'), scid: empty }));
    f.s(rawLong('Handshake', { dcid: empty, scid: empty }));
    f.send(SERVER, other, rawLong('Handshake', { dcid: empty, scid: empty }));
    const order: [Ep, Ep, number][] = [
      [SERVER, CLIENT, 0],
      [SERVER, other, 1],
      [CLIENT, SERVER, 0],
      [other, SERVER, 1],
      [SERVER, CLIENT, 0],
      [CLIENT, SERVER, 0],
    ];
    for (const [src, dst] of order) f.send(src, dst, rawShort(empty));
    expect(f.datagrams.slice(4).map((d) => d.conn)).toEqual(order.map((o) => o[2]));
  });

  test('a connection whose address pair was taken over and then emitted after the newer one: both emitted cleanly', () => {
    const f = new Feed();
    f.c(clientInitial());
    f.s(serverHandshake());
    f.c(clientInitial({ dcid: hex('7777777777777777'), scid: hex('0b0b') })); // a new connection on the pair
    f.send({ ip: '203.0.113.9', port: 7 }, SERVER, rawShort(SCID)); // the first one, active again (migrated)
    f.tracker.finish();
    expect(f.closed.map((x) => x.conn.id)).toEqual([1, 0]);
  });

  test('two connections with CIDs of one length: emitting one leaves the other\'s CIDs matchable', () => {
    const f = new Feed({ idleTimeoutSec: 10 });
    const other = { ip: '192.0.2.60', port: 6 };
    f.c(clientInitial(), 0);
    f.s(serverHandshake(), 0);
    f.send(other, SERVER, clientInitial({ dcid: hex('0606060606060606'), scid: hex('06060606') }), 5);
    f.send(SERVER, other, rawLong('Handshake', { dcid: hex('06060606'), scid: hex('0707070707') }), 5);
    f.send({ ip: '10.9.9.9', port: 1 }, SERVER, Buffer.from([0x40]), 12); // the first is idle
    expect(f.closed.map((x) => x.conn.id)).toEqual([0]);
    // From an address pair we do not know: only the CIDs (4 and 5 bytes, as the first's were) can match.
    expect(f.send({ ip: '203.0.113.9', port: 7 }, SERVER, rawShort(hex('0707070707')), 13)).toBe(true);
    expect(f.send({ ip: '203.0.113.9', port: 8 }, other, rawShort(hex('06060606')), 13)).toBe(true);
    expect(f.datagrams.slice(-2).map((d) => d.conn)).toEqual([1, 1]);
  });

  test('a truncated short header first (too short for the DCID), then a whole one on the same pair: read with the whole DCID', () => {
    const f = new Feed();
    keyed(f);
    // 1 + 2 bytes, the server's CID is 5: matched by address pair, too short to hold a packet.
    f.c(Buffer.from([0x40, SCID[0], SCID[1]]));
    expect([f.last, f.conns[0].problems]).toEqual([{ frame: 3, conn: 0, types: [] }, ['truncated short header']]);
    f.c(sealedShort(SCID, 0, [streamFrame(0, 0, 2, true)], appKeys.client));
    const [conn] = f.conns;
    expect([conn.clientAppOpened, conn.clientAppFailed, conn.requestStreams?.map((s) => s.id), conn.packetCounts.client['1-RTT']]).toEqual([1, 0, [0], 1]);
  });
});

describe('gaps the Stryker run found (reports/mutation/quic-tracker-survivors.md)', () => {
  test('an empty UDP payload on a connection\'s address pair is not QUIC and changes nothing', () => {
    const f = new Feed({ idleTimeoutSec: 10 });
    const empty = Buffer.alloc(0);
    f.c(clientInitial({ scid: empty }), 0);
    f.s(rawLong('Handshake', { dcid: empty, scid: empty }), 0);
    f.s(rawShort(empty), 0); // the pair is remembered for zero-length DCIDs
    const before = { ...f.tracker.stats };
    expect(f.s(empty, 100)).toBe(false);
    expect(f.c(empty, 100)).toBe(false);
    expect(f.tracker.stats).toEqual({ ...before, udpDatagrams: before.udpDatagrams + 2 });
    expect([f.conns[0].datagrams, f.closed]).toEqual([{ client: 1, server: 2 }, []]); // not even a clock tick for the idle timeout
  });

  test('a connection first seen at the server\'s Initial has no restart pending: a client Initial with a DCID of its own is a new connection', () => {
    const f = new Feed();
    f.s(serverInitial());
    expect(f.conns[0].restartPending).toBe(false);
    f.c(clientInitial({ dcid: hex('7777777777777777') }));
    expect(f.datagrams.map((d) => d.conn)).toEqual([0, 1]);
  });

  test('a datagram captured twice: the copy of a client 1-RTT packet opens too (same DCID, same packet number)', () => {
    const f = new Feed();
    keyed(f);
    const pkt = sealedShort(SCID, 0, [streamFrame(0, 0, 3, true)], appKeys.client);
    f.c(pkt);
    f.c(Buffer.from(pkt));
    const [conn] = f.conns;
    expect([conn.clientAppOpened, conn.clientAppFailed, conn.problems, conn.requestStreams?.length]).toEqual([2, 0, [], 1]);
  });

  test('a client short header sent to its first DCID after the server chose its own: read with that DCID\'s length (8, not 5)', () => {
    const f = new Feed();
    keyed(f); // the server's SCID (5 bytes) is known
    f.c(sealedShort(CCID, 0, [streamFrame(0, 0, 3, true)], appKeys.client));
    const [conn] = f.conns;
    expect([conn.clientAppOpened, conn.clientAppFailed, conn.requestStreams?.map((s) => s.bytes)]).toEqual([1, 0, [3]]);
  });
});

describe('gaps of the run\'s lines 333-489', () => {
  test('confirmed exactly: a later datagram on the slow path (the server\'s first short header) does not move it', () => {
    const f = new Feed();
    const c = keyed(f);
    c.handshakeComplete = true;
    f.s(serverHs(0, [cryptoFrame(0, hex('08'))]));
    f.s(rawShort(CSCID));
    f.c(Buffer.concat([clientHs(0, [cryptoFrame(0, hex('14'))]), rawShort(SCID)]));
    expect([f.conns[0].confirmed?.frame, f.conns[0].confirmedExact, f.conns[0].setupPackets]).toEqual([3, true, 3]);
  });

  test('keyed, before HANDSHAKE_DONE: client 1-RTT packets on the fast path are the client\'s (requests read)', () => {
    const f = new Feed();
    keyed(f);
    f.s(serverHs(0, [cryptoFrame(0, hex('08'))]));
    f.c(sealedShort(SCID, 0, [streamFrame(0, 0, 1)], appKeys.client));
    f.c(sealedShort(SCID, 1, [streamFrame(4, 0, 1)], appKeys.client));
    const [conn] = f.conns;
    expect([conn.clientAppOpened, conn.requestStreams?.map((s) => s.id), conn.problems, conn.keyedDecrypts.application]).toEqual([2, [0, 4], [], 0]);
  });

  test('without keys: a client 1-RTT on the fast path after the server\'s Handshake confirms', () => {
    const f = new Feed();
    f.c(clientInitial());
    f.s(serverInitial());
    f.c(rawShort(SCID)); // remembered, before the server's Handshake
    f.s(serverHandshake());
    f.c(rawShort(SCID)); // same DCID: the fast path
    expect([f.conns[0].confirmed?.frame, f.conns[0].setupPackets]).toEqual([5, 5]);
  });

  test('a first Initial to a port other than 443 keeps the sender as the client', () => {
    const f = new Feed();
    f.send(CLIENT, { ip: SERVER.ip, port: 8443 }, clientInitial());
    expect([f.conns[0].client, f.conns[0].midstream]).toEqual([CLIENT, false]);
  });
});

test('a short datagram is matched by the tracked CID length it holds, not by a longer one it cannot (line 414)', () => {
  const f = new Feed();
  handshake(f); // CIDs of 8, 4 and 5 bytes (the 8-byte length is tried first)
  const other = { ip: '192.0.2.70', port: 7 };
  const x = hex('0c0d0e');
  f.send(other, SERVER, clientInitial({ dcid: hex('0808080808080808'), scid: x }));
  // 1 + 3 bytes from an address pair we do not know: only the 3-byte CID can match it.
  expect(f.send({ ip: '203.0.113.9', port: 9 }, other, Buffer.concat([Buffer.from([0x40]), x]))).toBe(true);
  expect([f.last, f.conns[1].problems.includes('truncated short header')]).toEqual([{ frame: 4, conn: 1, types: ['1-RTT'] }, false]);
});

describe('lines 490-618 and 681-789 (addCid … packet, handshakePacket … emit)', () => {
  test('client migrations are told apart by address and port together: a new port of a seen host and a seen port of another host are new paths (RFC 9000 §9.3)', () => {
    const f = new Feed();
    const conn = handshake(f);
    const a1 = { ip: '192.0.2.20', port: 61000 };
    const a2 = { ip: '192.0.2.20', port: 61001 }; // the same host, a new port (a NAT rebinding)
    const b1 = { ip: '192.0.2.21', port: 61000 }; // another host, a port already seen
    for (const ep of [a1, a2, b1, a1, a2, b1]) f.send(ep, SERVER, rawShort(SCID));
    expect(conn.migrations).toEqual([a1, a2, b1]);
  });

  test('no consumer: Handshake, 0-RTT and 1-RTT packets are counted, none opened, nothing fails', () => {
    const f = new Feed({}, () => undefined);
    f.c(sealedClientInitial(0, [Buffer.from([0x01])]));
    f.c(rawLong('0-RTT', { dcid: CCID, scid: CSCID }));
    f.s(Buffer.concat([sealedServerInitial(0, [Buffer.from([0x01])]), serverHandshake()]));
    f.c(Buffer.concat([rawLong('Handshake', { dcid: SCID, scid: CSCID }), rawShort(SCID)]));
    f.c(rawShort(SCID));
    f.s(rawShort(CSCID));
    const [conn] = f.conns;
    expect(conn.packetCounts).toEqual({ client: { Initial: 1, '0-RTT': 1, Handshake: 1, '1-RTT': 2 }, server: { Initial: 1, Handshake: 1, '1-RTT': 1 } });
    expect([conn.keyed, conn.keyedDecrypts, conn.clientAppOpened, conn.clientAppFailed, conn.problems]).toEqual([false, { handshake: 0, application: 0 }, 0, 0, []]);
  });

  test('emit releases the Initial CRYPTO streams: bytes that waited behind a gap are gone', () => {
    const f = new Feed();
    f.c(sealedClientInitial(0, [cryptoFrame(1, hex('02'))])); // waits for offset 0
    f.s(sealedServerInitial(0, [cryptoFrame(1, hex('12'))]));
    const [conn] = f.conns;
    f.tracker.finish();
    const got: string[] = [];
    const stamp: Stamp = { frame: 9, tsSec: 0, tsNsec: 0 };
    for (const side of ['client', 'server'] as const) conn.crypto[side].add(0, hex('01'), stamp, (b) => got.push(`${side} ${b.toString('hex')}`));
    expect([f.consumers[0].got, got]).toEqual([[], ['client 01', 'server 01']]);
  });

  test('once the consumer wants no more Handshake CRYPTO, the client\'s Handshake stream is released too', () => {
    const f = new Feed();
    const c = keyed(f);
    f.c(clientHs(0, [cryptoFrame(1, hex('15'))])); // waits for offset 0
    const crypto = c.crypto.bind(c);
    c.crypto = (...args) => {
      crypto(...args);
      c.wantsHandshakeCrypto = false;
    };
    f.s(serverHs(0, [cryptoFrame(0, hex('08'))]));
    c.crypto = crypto;
    c.wantsHandshakeCrypto = true;
    f.c(clientHs(1, [cryptoFrame(0, hex('14'))]));
    // Released: the client's offset 1 byte (buffered before) is gone; only offset 0 arrives.
    expect(c.got.map((g) => `${g.from} ${g.bytes}`)).toEqual(['server 08', 'client 14']);
  });

  test('after HANDSHAKE_DONE a server 1-RTT on the slow path (coalesced after a Handshake packet) is not opened', () => {
    const f = new Feed();
    keyed(f);
    f.s(Buffer.concat([serverHs(0, [cryptoFrame(0, hex('08'))]), sealedShort(CSCID, 0, [HANDSHAKE_DONE], appKeys.server)]));
    f.s(Buffer.concat([serverHs(1, [cryptoFrame(1, hex('09'))]), sealedShort(CSCID, 1, [HANDSHAKE_DONE], appKeys.server)]));
    const [conn] = f.conns;
    expect([conn.handshakeDone?.frame, conn.keyedDecrypts.application, conn.largestPn.application.server, conn.keyedDecrypts.handshake]).toEqual([3, 1, 0, 2]);
  });

  test('frame problems of a client 1-RTT packet name its level', () => {
    const f = new Feed();
    keyed(f);
    f.c(sealedShort(SCID, 0, [Buffer.from([0x1f])], appKeys.client)); // 0x1f: no such frame (RFC 9000 §19)
    expect([f.conns[0].clientAppOpened, f.conns[0].problems]).toEqual([1, ['unexpected frame type 0x1f in a 1-RTT packet']]);
  });

  test('a CID taken over leaves the old owner\'s list also when it is the first there (a client Initial with an empty DCID)', () => {
    const f = new Feed();
    f.c(clientInitial({ dcid: Buffer.alloc(0) })); // its CIDs: only its SCID
    const [a] = f.conns;
    expect(a.cids).toEqual(['a1a2a3a4']);
    f.send({ ip: '192.0.2.50', port: 5 }, SERVER, clientInitial({ dcid: hex('d2d2d2d2d2d2d2d2') })); // the same SCID
    const b = f.conns[1];
    expect([a.cids, b.cids]).toEqual([[], ['d2d2d2d2d2d2d2d2', 'a1a2a3a4']]);
  });
  test('a CONNECTION_CLOSE in a Handshake packet coalesced after an Initial, and one in a server 1-RTT coalesced after a Handshake packet: events with their own packet\'s bytes', () => {
    const f = new Feed();
    keyed(f);
    const hsClose = clientHs(0, [closeFrame(0x128, 'x')]);
    f.c(Buffer.concat([sealedClientInitial(1, [Buffer.from([0x01])], { dcid: SCID }), hsClose])); // one DCID for both (RFC 9000 §12.2)
    const g = new Feed();
    keyed(g);
    const appClose = sealedShort(CSCID, 0, [closeFrame(0x0a, '')], appKeys.server);
    g.s(Buffer.concat([serverHs(0, [cryptoFrame(0, hex('08'))]), appClose]));
    const closes = (x: Feed): unknown[] => x.conns[0].events.filter((e) => e.type === 'ConnectionClose').map((e) => [e.from, e.frame, e.bytes]);
    expect([closes(f), closes(g)]).toEqual([[['client', 3, hsClose.length]], [['server', 3, appClose.length]]]);
  });

  test('cryptoCap at the Handshake level alone: its CRYPTO past the cap dropped, with the problem', () => {
    const f = new Feed({ cryptoCap: 4 });
    const c = keyed(f);
    f.c(sealedClientInitial(1, [cryptoFrame(0, hex('0102'))])); // within the cap
    f.s(serverHs(0, [cryptoFrame(0, hex('0a0b0c0d0e0f'))]));
    expect([f.conns[0].problems, c.got.map((g) => `${g.level} ${g.bytes}`)]).toEqual([['CRYPTO data beyond 4 bytes dropped'], ['initial 0102', 'handshake 0a0b0c0d']]);
  });
});

test('a client whose SCID is its first DCID (RFC 9000 §7.2 allows it): a packet to that CID is the server\'s when it comes from the server\'s address', () => {
  const f = new Feed();
  f.c(clientInitial({ scid: CCID })); // DCID and SCID: the same 8 bytes
  f.s(rawLong('Initial', { dcid: CCID, scid: SCID })); // the server's Initial, to the client's SCID
  f.s(rawLong('Handshake', { dcid: CCID, scid: SCID }));
  f.c(clientInitial({ dcid: SCID, scid: CCID })); // the client's next Initial, to the server's SCID
  f.c(clientInitial({ scid: CCID })); // or a retransmission of its first, to its first DCID
  f.s(rawShort(CCID)); // the server's 1-RTT, to the client's SCID
  // The client elsewhere (only clients migrate, §9): on another host's port 443, on the server's host.
  f.send({ ip: '203.0.113.9', port: 443 }, SERVER, rawLong('0-RTT', { dcid: CCID, scid: CCID }));
  f.send({ ip: SERVER.ip, port: 50001 }, SERVER, rawLong('0-RTT', { dcid: CCID, scid: CCID }));
  const [conn] = f.conns;
  expect([f.conns.length, conn.serverScid?.toString('hex'), conn.serverHandshake]).toEqual([1, 'b1b2b3b4b5', true]);
  expect(conn.packetCounts).toEqual({ client: { Initial: 3, '0-RTT': 2 }, server: { Initial: 1, Handshake: 1, '1-RTT': 1 } });
  expect(conn.migrations).toEqual([
    { ip: '203.0.113.9', port: 443 },
    { ip: SERVER.ip, port: 50001 },
  ]);
});

test('a short header to the client\'s CID from another server address (its preferred address, RFC 9000 §9.6) is the server\'s', () => {
  const f = new Feed();
  const conn = handshake(f);
  f.send({ ip: '198.51.100.8', port: 4433 }, CLIENT, rawShort(CSCID));
  expect([conn.datagrams, conn.migrations, conn.packetCounts.server['1-RTT']]).toEqual([{ client: 1, server: 2 }, [], 1]);
});

test('a Retry from the client\'s side (only servers send one, RFC 9000 §17.2.5) is counted but changes nothing', () => {
  const f = new Feed();
  f.c(clientInitial());
  f.c(retry(CCID, CSCID, hex('03')));
  const [conn] = f.conns;
  expect([conn.retry, conn.restartPending, conn.retryScid, conn.keyDcid.toString('hex'), conn.packetCounts.client]).toEqual([false, false, undefined, 'c1c2c3c4c5c6c7c8', { Initial: 1, Retry: 1 }]);
});
