/**
 * The QUIC connection record (src/timeline/quic-build.ts) field by field
 * against tshark 4.0's dissection of the same capture (test/golden-quic/<file>.json,
 * written by scripts/make-quic-golden.mjs from tshark only: per datagram its
 * time, length, addresses, packet types in order and the handshake message
 * types it completes), for every capture in fixtures/quic/ and the QUIC one
 * in fixtures/ (no key log; the pcapng one carries its keys in a Decryption
 * Secrets Block, which tshark reads too). Expected values are computed here
 * from those per-frame fields by the README's rules:
 * - packets, bytes, first and last frame: the record's datagrams (which
 *   datagram goes to which record is checked against tshark's
 *   quic.connection.number by test/quic/golden.test.ts);
 * - quic.packets: tshark's packets per type and side, coalesced ones each;
 *   quic.datagrams per side; zeroRttPackets / zeroRtt / tls.earlyData: the
 *   client's 0-RTT packets ("0-RTT packets were sent");
 * - setup: ends at the client's Finished where tshark reads it (keys), else at
 *   the client's first 1-RTT datagram after the server's first Handshake
 *   packet (inferred); setup.packets / bytes the datagrams up to it (0 without an end);
 *   lifetimeMs first -> last datagram; setupShare = setup.ms / lifetimeMs;
 * - events, in order: per datagram, the first packet of each type per side;
 *   a hello (ClientHello, ServerHello: Initial level) right after the events
 *   of the datagram's Initial packets, Handshake-level messages
 *   (EncryptedExtensions, Certificate, CertificateVerify, Finished) right
 *   after those of its Handshake packets, each message once per side, in the
 *   datagram where tshark completes it; HANDSHAKE_DONE and a CONNECTION_CLOSE
 *   after the packets of their datagram; the inferred end is the one event
 *   marked inferred ("handshake confirmed");
 * - tls: null when tshark shows neither hello; resumed = tshark's ServerHello
 *   with pre_shared_key, else false; the ClientHello's offers; no alerts and
 *   no STARTTLS in QUIC; the certificate unknown (null) unless the Handshake
 *   packets were read (then tshark's certificate lengths, tshark run here).
 * Each test analyses its capture itself (no cache shared between tests), so
 * that mutation testing's per-test coverage runs every check against a mutant.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { runQuic, EXTRA_QUIC_FIXTURES, QUIC_FIXTURES, quicFixturePath } from '../quic/run.js';
import { tsharkOutput } from '../findings/tshark-facts.js';

interface GoldenFrame {
  frame: number;
  time: string;
  len: number;
  src: string;
  sport: number;
  conn: number | null;
  packets: { type: string }[];
  handshake: number[];
}
interface GoldenConn {
  number: number;
  firstFrame: number;
  clientHello: number | null;
  serverHello: number | null;
  sni: string | null;
  alpnOffered: string[];
  pskOffered: boolean;
  earlyDataOffered: boolean;
  keyShareGroupsOffered: number[];
  cipher: number | null;
  resumed: boolean;
  close: { frame: number; from: 'client' | 'server'; errorCode: number | null } | null;
  handshakeDone: number | null;
}
interface Golden {
  frames: GoldenFrame[];
  connections: GoldenConn[];
}

const GOLDEN = path.resolve(process.cwd(), 'test/golden-quic');
const FILES = [...readdirSync(QUIC_FIXTURES).filter((f) => f.endsWith('.pcap')).sort(), ...EXTRA_QUIC_FIXTURES];
const golden = (file: string): Golden => JSON.parse(readFileSync(path.join(GOLDEN, `${file}.json`), 'utf8')) as Golden;

/**
 * The two datagrams where tshark 4.0 and the bytes disagree on the packet types
 * (a coalesced 1-RTT packet tshark calls padding): see DISAGREEMENTS in
 * test/quic/golden.test.ts, where the bytes are quoted.
 */
const PACKET_TYPES: Record<string, Record<number, string[]>> = {
  'spicyquic-quicv2-echo-coalesced.pcap': { 5: ['Initial', 'Handshake', '1-RTT'] },
  'spicyquic-interop-quicgo-0rtt-ppp.pcap': { 79: ['Initial', 'Handshake', '1-RTT'] },
};

/** Handshake message types (RFC 8446 §4) per QUIC packet level, and our event names. */
const INITIAL_LEVEL: Record<number, string> = { 1: 'ClientHello', 2: 'ServerHello' };
const HANDSHAKE_LEVEL: Record<number, string> = { 8: 'EncryptedExtensions', 11: 'Certificate', 13: 'CertificateRequest', 15: 'CertificateVerify', 20: 'Finished' };

const us = (x: number): number => Math.round(x * 1e3) / 1e3;
/** tshark's frame.time_epoch ("1796191834.225037000") in ns, exact. */
const ns = (f: GoldenFrame): bigint => {
  const [sec, frac = ''] = f.time.split('.');
  return BigInt(sec!) * 1_000_000_000n + BigInt(frac.padEnd(9, '0').slice(0, 9));
};
const msBetween = (a: GoldenFrame, b: GoldenFrame): number => Number(ns(b) - ns(a)) / 1e6;
const share = (x: number): number => Math.round(x * 1e9) / 1e9;

describe.each(FILES)('%s', (file) => {
  const g = golden(file);
  const types = (f: GoldenFrame): string[] => PACKET_TYPES[file]?.[f.frame] ?? f.packets.map((p) => p.type);

  test('every QUIC record against the rules applied to tshark\'s frames', async () => {
    const r = await runQuic(file);
    expect(r.records.length).toBeGreaterThan(0);
    for (const rec of r.records) {
      const rows = g.frames.filter((f) => r.datagrams.get(f.frame)?.conn === rec.id);
      const side = (f: GoldenFrame): 'client' | 'server' => (f.src === rec.server.ip && f.sport === rec.server.port ? 'server' : 'client');
      const members = g.connections.filter((c) => r.datagrams.get(c.firstFrame)?.conn === rec.id);
      const first = rows[0]!;
      const last = rows[rows.length - 1]!;

      // Packets per type and side, datagrams per side.
      const packets = { client: {} as Record<string, number>, server: {} as Record<string, number> };
      const datagrams = { client: 0, server: 0 };
      for (const f of rows) {
        datagrams[side(f)]++;
        for (const t of types(f)) packets[side(f)][t] = (packets[side(f)][t] ?? 0) + 1;
      }
      const zeroRttPackets = packets.client['0-RTT'] ?? 0;

      // Setup end: the client's Finished where tshark reads it, else the inferred one.
      const finished = rows.find((f) => side(f) === 'client' && f.handshake.includes(20));
      const serverHs = rows.findIndex((f) => side(f) === 'server' && types(f).includes('Handshake'));
      const end = finished ?? (serverHs < 0 ? undefined : rows.slice(serverHs).find((f) => side(f) === 'client' && types(f).includes('1-RTT')));
      const inferred = end !== undefined && finished === undefined;
      const setupMs = end === undefined ? null : msBetween(first, end);
      const lifetimeMs = msBetween(first, last);
      const upTo = end === undefined ? [] : rows.filter((f) => f.frame <= end.frame);

      // Events in order.
      const events: string[] = [];
      const seen = new Set<string>();
      const once = (name: string, from: 'client' | 'server', frame: number, extra = ''): void => {
        if (seen.has(`${name}/${from}`)) return;
        seen.add(`${name}/${from}`);
        events.push(`${name}/${from}@${frame}${extra}`);
      };
      const done = members.find((m) => m.handshakeDone !== null)?.handshakeDone ?? null;
      const close = members.find((m) => m.close !== null)?.close ?? null;
      for (const f of rows) {
        const from = side(f);
        const ts = types(f);
        const level = (t: string): number => ts.lastIndexOf(t);
        const messages = (table: Record<number, string>): void => {
          for (const h of f.handshake) if (table[h] !== undefined) once(table[h]!, from, f.frame);
        };
        ts.forEach((t, i) => {
          once(t, from, f.frame, t === '1-RTT' && inferred && f === end ? ' inferred: handshake confirmed' : '');
          if (i === level('Initial')) messages(INITIAL_LEVEL);
          if (i === level('Handshake')) messages(HANDSHAKE_LEVEL);
        });
        if (f.frame === done) once('HandshakeDone', 'server', f.frame);
        if (f.frame === close?.frame) once('ConnectionClose', close.from, f.frame);
      }

      const ch = members.find((m) => m.clientHello !== null);
      const sh = members.find((m) => m.serverHello !== null);
      const decrypted = finished !== undefined && rows.some((f) => side(f) === 'server' && f.handshake.includes(20));
      // With the Handshake packets read: the certificates tshark shows in them (frame, lengths).
      const certificates = decrypted
        ? tsharkOutput(quicFixturePath(file), ['-Y', 'tls.handshake.type == 11', '-T', 'fields', '-e', 'frame.number', '-e', 'tls.handshake.certificate_length'])
            .stdout.split('\n')
            .filter((l) => l !== '' && rows.some((f) => f.frame === Number(l.split('\t')[0])))
            .flatMap((l) => l.split('\t')[1]!.split(',').map(Number))
        : null;
      const expected = {
        firstFrame: first.frame,
        lastFrame: last.frame,
        packets: rows.length,
        bytes: rows.reduce((n, f) => n + f.len, 0),
        lifetimeMs: us(lifetimeMs),
        setupShare: setupMs === null || lifetimeMs <= 0 ? null : share(Math.min(1, setupMs / lifetimeMs)),
        // 0 packets and bytes when setup did not end, as the README's TCP rule says (QUIC alike).
        setup: { ms: setupMs === null ? null : us(setupMs), endFrame: end?.frame ?? null, packets: end === undefined ? 0 : upTo.length, bytes: end === undefined ? 0 : upTo.reduce((n, f) => n + f.len, 0) },
        events,
        tls:
          ch === undefined && sh === undefined
            ? null
            : {
                sni: ch?.sni ?? null,
                alpnOffered: ch?.alpnOffered ?? [],
                keyShareGroupsOffered: ch?.keyShareGroupsOffered ?? [],
                cipherSuite: sh?.cipher ?? null,
                resumed: sh?.resumed ?? false,
                resumption: sh?.resumed === true ? 'psk' : null,
                earlyData: zeroRttPackets > 0,
                helloRetry: false,
                decrypted,
                notDecrypted: null,
                handshakeEndInferred: inferred,
                alerts: [],
                startTls: false,
                certificateCount: certificates === null ? null : certificates.length,
                certificateBytes: certificates === null ? null : certificates.reduce((a, b) => a + b, 0),
              },
        quic: {
          packets,
          datagrams,
          zeroRtt: zeroRttPackets > 0,
          zeroRttPackets,
          handshakeInferred: inferred,
          pskOffered: ch?.pskOffered ?? false,
          earlyDataOffered: ch?.earlyDataOffered ?? false,
        },
      };
      const t = rec.tls;
      const ours = {
        firstFrame: rec.firstFrame,
        lastFrame: rec.lastFrame,
        packets: rec.packets,
        bytes: rec.bytes,
        lifetimeMs: us(rec.lifetimeMs),
        setupShare: rec.setupShare === null ? null : share(rec.setupShare),
        setup: {
          ms: rec.setup.ms === null ? null : us(rec.setup.ms),
          endFrame: rec.setup.endFrame,
          packets: rec.setup.packets,
          bytes: rec.setup.bytes,
        },
        events: rec.events.map((e) => `${e.type}/${e.from}@${e.frame}${e.inferred === true ? ` inferred: ${e.detail}` : ''}`),
        tls:
          t === null
            ? null
            : {
                sni: t.sni,
                alpnOffered: t.alpnOffered,
                keyShareGroupsOffered: t.keyShareGroupsOffered,
                cipherSuite: t.cipherSuite,
                resumed: t.resumed,
                resumption: t.resumption,
                earlyData: t.earlyData,
                helloRetry: t.helloRetry,
                decrypted: t.decrypted,
                notDecrypted: t.notDecrypted,
                handshakeEndInferred: t.handshakeEndInferred,
                alerts: t.alerts,
                startTls: t.startTls,
                certificateCount: t.certificateCount,
                certificateBytes: t.certificateBytes,
              },
        quic: {
          packets: rec.quic.packets,
          datagrams: rec.quic.datagrams,
          zeroRtt: rec.quic.zeroRtt,
          zeroRttPackets: rec.quic.zeroRttPackets,
          handshakeInferred: rec.quic.handshakeInferred,
          pskOffered: rec.quic.pskOffered,
          earlyDataOffered: rec.quic.earlyDataOffered,
        },
      };
      expect({ id: rec.id, ...ours }).toEqual({ id: rec.id, ...expected });
    }
  });
});
