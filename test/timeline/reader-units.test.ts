/**
 * src/timeline/reader.ts (ConnectionReader) driven directly, the way the TCP
 * stage drives it, with the TCP segments tshark shows in real captures (each
 * segment's payload at its own frame, a gap where the sequence numbers jump,
 * the connection's packet and byte counters advanced frame by frame as tshark
 * numbers and measures them). Expected values come from tshark's dissection of
 * the same files (handshake types, record content types, payload bytes, frame
 * lengths), from the metrics goldens (test/golden/<fixture>/metrics.json,
 * written from tshark by scripts/make-metrics-golden.mjs), from RFC 8446, or
 * from the rules the README and reader.ts document (client by SYN, else
 * ClientHello, else port; 64 KiB of plaintext scanned for STARTTLS; 64
 * plaintext turns kept). Hand-changed bytes only where a test is about a
 * malformed or cut ServerHello.
 *
 * Every analysis runs inside its test (mutation testing picks tests by the code
 * they run); tshark's output is read once per file and arguments, and kept on
 * disk by test/findings/tshark-facts.ts (keyed by the capture's bytes).
 */
import { readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TcpConnection, type Dir } from '../../src/tcp/connection.js';
import type { Stamp } from '../../src/base/stamp.js';
import { ConnectionReader, MAX_PLAIN_TURNS, PLAINTEXT_SCAN_LIMIT } from '../../src/timeline/reader.js';
import { expectedMetrics } from '../metrics/expected.js';
import { loadCapture, tempDir, writePcapng } from '../invariance/transform.js';
import { tsharkOutput } from '../findings/tshark-facts.js';
import { KeySource } from '../../src/timeline/keys.js';
import { KeyLog } from '../../src/tls/keylog.js';
import type { HttpRequest } from '../../src/http/index.js';

const root = resolve(process.cwd());
const fixture = (name: string): string => join(root, 'fixtures', name);

/** One TCP frame as tshark shows it (default preferences: TLS messages in the frame that completes them). */
interface Seg {
  frame: number;
  stamp: Stamp;
  len: number;
  sport: number;
  flags: number;
  seq: number;
  payload: Buffer;
  /** tls.handshake.type values shown in this frame. */
  hs: number[];
  /** tls.record.content_type values shown in this frame. */
  ct: number[];
}

const tsharkCache = new Map<string, Seg[]>();

/** The frames of a one-connection capture (the first TCP stream only). */
function tsharkSegs(file: string, extra: string[] = []): Seg[] {
  const key = `${file} ${extra.join(' ')}`;
  const hit = tsharkCache.get(key);
  if (hit) return hit;
  const r = tsharkOutput(
    file,
    [...extra, '-Y', 'tcp.stream == 0', '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=a', '-E', 'aggregator=,',
      '-e', 'frame.number', '-e', 'frame.time_epoch', '-e', 'frame.len', '-e', 'tcp.srcport', '-e', 'tcp.flags', '-e', 'tcp.seq_raw', '-e', 'tcp.payload',
      '-e', 'tls.handshake.type', '-e', 'tls.record.content_type'],
  );
  if (r.status !== 0) throw new Error(`tshark failed on ${file}: ${r.stderr}`);
  const nums = (v: string | undefined): number[] => (v ? v.split(',').filter(Boolean).map(Number) : []);
  const out: Seg[] = [];
  for (const line of r.stdout.split('\n')) {
    if (line === '') continue;
    const [frame, time, len, sport, flags, seq, payload, hs, ct] = line.split('\t');
    const [sec, frac = ''] = time!.split('.');
    out.push({
      frame: Number(frame),
      stamp: { frame: Number(frame), tsSec: Number(sec), tsNsec: Number((frac + '000000000').slice(0, 9)) },
      len: Number(len),
      sport: Number(sport),
      flags: Number(flags),
      seq: Number(seq),
      payload: Buffer.from((payload ?? '').replace(/:/g, ''), 'hex'),
      hs: nums(hs),
      ct: nums(ct),
    });
  }
  tsharkCache.set(key, out);
  return out;
}

type FakeConn = TcpConnection & { calls: [Dir, string][]; limits: number[] };

/**
 * The TcpConnection fields the reader uses, as the TCP stage keeps them; its getters of
 * what follows from them (clientDirByPort) are the real ones, through the prototype.
 */
function fakeConn(ports: [number, number]): FakeConn {
  const conn = {
    fin: [undefined, undefined] as [Stamp | undefined, Stamp | undefined],
    rst: [undefined, undefined] as [Stamp | undefined, Stamp | undefined],
    clientDir: -1 as Dir | -1,
    clientEvidence: null as string | null,
    synSeen: [false, false] as [boolean, boolean],
    ipA: '10.0.0.1',
    portA: ports[0],
    ipB: '10.0.0.2',
    portB: ports[1],
    packets: 0,
    bytes: 0,
    calls: [] as [Dir, string][],
    limits: [] as number[],
    setClient(dir: Dir, evidence: string) {
      this.calls.push([dir, evidence]);
      this.clientDir = dir;
      this.clientEvidence = evidence;
    },
    limitHeld(bytes: number) {
      this.limits.push(bytes);
    },
    countersAt() {
      return undefined;
    },
  };
  return Object.setPrototypeOf(conn, TcpConnection.prototype) as FakeConn;
}

interface Run {
  reader: ConnectionReader;
  conn: FakeConn;
  segs: Seg[];
  /** Port of direction 0's sender, of direction 1's. */
  ports: [number, number];
}

/**
 * Feeds the capture's first connection to a ConnectionReader: a SYN marks its
 * sender the client (unless `noSyn`: the SYNs are skipped as if not captured),
 * each payload is handed over at its own frame as a segment start, a jump in
 * sequence numbers is a gap, a direction the reader no longer wants gets no more
 * bytes. `ports` relabels the two endpoints (the bytes stay the capture's);
 * `split` hands one frame's payload over as two segment starts.
 */
function drive(segs: Seg[], o: { noSyn?: boolean; ports?: [number, number]; split?: { frame: number; at: number }; keys?: KeySource } = {}): Run {
  const real: [number, number] = [segs[0]!.sport, segs.find((s) => s.sport !== segs[0]!.sport)!.sport];
  const conn = fakeConn(o.ports ?? real);
  const reader = new ConnectionReader(conn, o.keys ? { keys: o.keys } : {});
  const dirOf = (port: number): Dir => (port === real[0] ? 0 : 1);
  const next: [number | null, number | null] = [null, null];
  const stopped = [false, false];
  for (const s of segs) {
    const d = dirOf(s.sport);
    if ((s.flags & 0x02) !== 0 && o.noSyn) continue;
    conn.packets++;
    conn.bytes += s.len;
    if (s.flags & 0x02) {
      conn.synSeen[d] = true;
      if ((s.flags & 0x10) === 0) {
        conn.clientDir = d;
        conn.clientEvidence = 'syn';
      }
      next[d] = (s.seq + 1) >>> 0;
      continue;
    }
    if (s.flags & 0x01) conn.fin[d] ??= s.stamp;
    if (s.flags & 0x04) conn.rst[d] ??= s.stamp;
    if (s.payload.length === 0 || stopped[d]) continue;
    next[d] ??= s.seq;
    const lost = (s.seq - next[d]!) | 0;
    if (lost < 0) continue; // a retransmission: not in these captures' connections
    if (lost > 0) reader.gap(d, lost);
    if (o.split?.frame === s.frame) {
      // The segment's bytes as two segments of the same frame (a sender that wrote the record header apart).
      reader.data(d, s.payload.subarray(0, o.split.at), s.stamp, true);
      reader.data(d, s.payload.subarray(o.split.at), s.stamp, true);
    } else reader.data(d, s.payload, s.stamp, true);
    if (!reader.wants(d)) stopped[d] = true;
    next[d] = (s.seq + s.payload.length) >>> 0;
  }
  return { reader, conn, segs, ports: real };
}

const kinds = (r: Run) => r.reader.messages.map((m) => `${m.from} ${m.type} ${m.last.frame}`);
/** tshark's frames of handshake type `t` sent from `port`. */
const hsFrames = (segs: Seg[], port: number, t: number) => segs.filter((s) => s.sport === port && s.hs.includes(t)).map((s) => s.frame);

describe('STARTTLS: plaintext first, TLS from the ClientHello tshark shows', () => {
  test.each(['zeek-smtp-starttls.pcap', 'zeek-imap-starttls.pcap'])('%s', (name) => {
    const segs = tsharkSegs(fixture(name));
    const clientPort = segs.find((s) => (s.flags & 0x12) === 0x02)!.sport;
    const serverPort = segs.find((s) => s.sport !== clientPort)!.sport;
    const [ch] = hsFrames(segs, clientPort, 1);
    expect(ch).toBeDefined();
    // tshark: a STARTTLS command from the client before the ClientHello.
    expect(segs.some((s) => s.frame < ch! && s.sport === clientPort && s.payload.toString('latin1').toUpperCase().includes('STARTTLS'))).toBe(true);
    const run = drive(segs);
    expect(run.reader.startTls).toBe(true);
    // Every frame with payload before the ClientHello, once, by its sender.
    expect(run.reader.plainTurns.map((t) => [t.side, t.frame])).toEqual(
      segs.filter((s) => s.frame < ch! && s.payload.length > 0).map((s) => [s.sport === clientPort ? 'client' : 'server', s.frame]),
    );
    expect(run.reader.plainTurns.every((t) => t.stamp.frame === t.frame)).toBe(true);
    const m = run.reader.messages;
    expect(m[0]).toMatchObject({ from: 'client', type: 'ClientHello' });
    expect(m[0]!.last.frame).toBe(ch);
    expect(m.find((x) => x.type === 'ServerHello')!.last.frame).toBe(hsFrames(segs, serverPort, 2)[0]);
    // The SYN said who the client is: the hello does not say it again.
    expect(run.conn.calls).toEqual([]);
    // Not HTTP: the plaintext dialogue gives no requests; the TLS records (tshark: application data both
    // ways) are estimated.
    const appData = segs.filter((s) => s.ct.includes(23));
    expect(new Set(appData.map((s) => s.sport)).size).toBe(2);
    const req = run.reader.requests({});
    expect({ estimated: req.estimated, http: req.http }).toEqual({ estimated: true, http: null });
  });

  test('lo-tls13-full.pcap: TLS from the first byte, no plaintext turns, not STARTTLS', () => {
    const run = drive(tsharkSegs(fixture('lo-tls13-full.pcap')));
    expect(run.reader.startTls).toBe(false);
    expect(run.reader.plainTurns).toEqual([]);
    expect(kinds(run)[0]).toBe('client ClientHello 4');
  });

  test('lo-tls13-full.pcap: the ClientHello kept with the connection holds what its record uses, not the offered suites and groups', () => {
    // tshark: 4 cipher suites and 10 supported groups offered; versions 0x0304; ALPN h2, http/1.1.
    const f = fixture('lo-tls13-full.pcap');
    const hello = tsharkOutput(f, ['-Y', 'tls.handshake.type == 1', '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=a', '-E', 'aggregator=,',
      '-e', 'tls.handshake.ciphersuite', '-e', 'tls.handshake.extensions_supported_group', '-e', 'tls.handshake.extensions.supported_version', '-e', 'tls.handshake.extensions_alpn_str']).stdout.trim().split('\t');
    expect(hello[0]!.split(',')).toHaveLength(4);
    expect(hello[1]!.split(',')).toHaveLength(10);
    const run = drive(tsharkSegs(f));
    const ch = run.reader.messages.find((m) => m.type === 'ClientHello')!.clientHello!;
    expect(ch.cipherSuites).toEqual([]);
    expect(ch.supportedGroups).toEqual([]);
    expect(ch.supportedVersions).toEqual(hello[2]!.split(',').map(Number));
    expect(ch.alpn).toEqual(hello[3]!.split(','));
    expect(run.reader.session!.summary().clientHello).toBe(ch); // the one object the summary holds too
  });
});

describe('plaintext scanned for a STARTTLS switch: 64 KiB per direction (PLAINTEXT_SCAN_LIMIT)', () => {
  // The ClientHello segment of lo-tls13-full.pcap (tshark: frame 4, 259 bytes), after plaintext from the client.
  const hello = () => tsharkSegs(fixture('lo-tls13-full.pcap')).find((s) => s.hs.includes(1))!;
  const stamp = (frame: number): Stamp => ({ frame, tsSec: 1000 + frame, tsNsec: 0 });
  const synced = (): { reader: ConnectionReader; conn: FakeConn } => {
    const conn = fakeConn([40000, 25]);
    conn.clientDir = 0;
    conn.clientEvidence = 'syn';
    conn.synSeen[0] = true;
    conn.synSeen[1] = true;
    return { reader: new ConnectionReader(conn), conn };
  };

  test('the limit is 64 KiB', () => {
    expect(PLAINTEXT_SCAN_LIMIT).toBe(65536);
  });

  test.each([
    [PLAINTEXT_SCAN_LIMIT, true],
    [PLAINTEXT_SCAN_LIMIT + 1, false],
  ])('%d plaintext bytes from the client, then its ClientHello: read as TLS %s', (n, tls) => {
    const { reader } = synced();
    const line = Buffer.from('NOOP\r\n'.repeat(Math.ceil(n / 6))).subarray(0, n);
    // In 1 KiB segments, as a dialogue would come.
    let frame = 1;
    for (let off = 0; off < n; off += 1024) reader.data(0, line.subarray(off, Math.min(n, off + 1024)), stamp(frame++), true);
    expect(reader.wants(0)).toBe(tls);
    if (reader.wants(0)) reader.data(0, hello().payload, stamp(frame), true);
    expect(reader.session !== undefined).toBe(tls);
    expect(reader.messages.map((m) => m.type)).toEqual(tls ? ['ClientHello'] : []);
    expect(reader.startTls).toBe(tls);
  });

  test.each([
    [PLAINTEXT_SCAN_LIMIT - 9, true],
    [PLAINTEXT_SCAN_LIMIT - 8, false],
  ])('bytes lost before TLS count as scanned: 8 bytes, a hole of %d, 1 byte: still scanned %s', (hole, scanned) => {
    const { reader } = synced();
    reader.data(0, Buffer.from('EHLO x\r\n'), stamp(1), true);
    reader.gap(0, hole);
    reader.data(0, Buffer.from('Q'), stamp(2), true);
    expect(reader.wants(0)).toBe(scanned);
    // The other direction is scanned on its own.
    expect(reader.wants(1)).toBe(true);
  });

  test('a direction past the limit is not TLS, whatever comes later; the other still switches', () => {
    const { reader } = synced();
    reader.data(1, Buffer.alloc(PLAINTEXT_SCAN_LIMIT + 1, 0x41), stamp(1), true);
    expect(reader.wants(1)).toBe(false);
    reader.data(0, hello().payload, stamp(2), true);
    expect(reader.messages.map((m) => `${m.from} ${m.type}`)).toEqual(['client ClientHello']);
    expect(reader.startTls).toBe(true);
  });
});

describe('plaintext turns before TLS (round trips of a STARTTLS dialogue)', () => {
  const stamp = (frame: number): Stamp => ({ frame, tsSec: 1000 + frame, tsNsec: 0 });
  test(`one per frame, the frame's first chunk, at most MAX_PLAIN_TURNS (${MAX_PLAIN_TURNS})`, () => {
    expect(MAX_PLAIN_TURNS).toBe(64);
    const conn = fakeConn([40000, 25]);
    conn.clientDir = 0;
    conn.clientEvidence = 'syn';
    conn.synSeen[0] = true;
    conn.synSeen[1] = true;
    const reader = new ConnectionReader(conn);
    for (let f = 1; f <= 70; f++) {
      const dir: Dir = f % 2 === 1 ? 1 : 0;
      reader.data(dir, Buffer.from('250 ok\r\n'), stamp(f), true);
      reader.data(dir, Buffer.from('250 more\r\n'), stamp(f), false); // same frame: not a new turn
    }
    const turns = reader.plainTurns.map((t) => [t.side, t.frame]);
    expect(turns).toEqual(Array.from({ length: 64 }, (_, i) => [(i + 1) % 2 === 1 ? 'server' : 'client', i + 1]));
  });
});

describe('a ServerHello that starts TLS without a ClientHello (RFC 8446 §4.1.3)', () => {
  // lo-tls12-full.pcap: tshark shows the ClientHello in frame 4 (port 52696) and the ServerHello in 6 (port 443).
  const segs = () => tsharkSegs(fixture('lo-tls12-full.pcap'));
  const sh = () => segs().find((s) => s.sport === 443 && s.hs.includes(2))!;
  /** The connection without its ClientHello frame; `patch` changes the server's first segment. */
  const withoutClientHello = (patch?: (b: Buffer) => Buffer, o: { noSyn?: boolean } = {}): Run =>
    drive(
      segs()
        .filter((s) => !s.hs.includes(1))
        .map((s) => (s.frame === sh().frame && patch ? { ...s, payload: patch(Buffer.from(s.payload)) } : s)),
      o,
    );

  test('tshark: the ServerHello begins the server\'s first segment, a 03 03 hello of more than 38 bytes', () => {
    const p = sh().payload;
    expect([p[0], p[5], p[9], p[10]]).toEqual([0x16, 2, 3, 3]);
    expect(p.readUIntBE(6, 3)).toBeGreaterThan(38);
  });

  test('the real one starts TLS at the server; the client is read from its next chain of records', () => {
    const run = withoutClientHello();
    expect(run.reader.session).toBeDefined();
    const m = kinds(run);
    expect(m[0]).toBe(`server ServerHello ${sh().frame}`);
    // tshark: the client's ChangeCipherSpec (content type 20) is in frame 10.
    const ccs = segs().filter((s) => s.sport === 52696 && s.ct.includes(20)).map((s) => s.frame);
    expect(m).toContain(`client ChangeCipherSpec ${ccs[0]}`);
    expect(run.reader.startTls).toBe(false);
  });

  test.each([
    ['a 37-byte message (shorter than any ServerHello body: 2 + 32 + 1 + 2 + 1)', (b: Buffer) => (b.writeUIntBE(37, 6, 3), b), false],
    ['a 38-byte message (the shortest ServerHello)', (b: Buffer) => (b.writeUIntBE(38, 6, 3), b), true],
    ['legacy_version 02 03', (b: Buffer) => ((b[9] = 2), b), false],
    ['legacy_version 03 05', (b: Buffer) => ((b[10] = 5), b), false],
    ['legacy_version 03 04', (b: Buffer) => ((b[10] = 4), b), true],
    ['legacy_version 03 00 (SSL 3.0)', (b: Buffer) => ((b[10] = 0), b), true],
  ])('%s: TLS begins there %s', (_what, patch, starts) => {
    const run = withoutClientHello(patch);
    const first = run.reader.messages[0];
    expect(first !== undefined && first.from === 'server' && first.last.frame === sh().frame).toBe(starts);
  });

  test.each([
    ['SYN seen', false, []],
    ['no SYN captured: the ServerHello\'s receiver is the client', true, [[0, 'tls']]],
  ] as const)('%s', (_what, noSyn, calls) => {
    const run = withoutClientHello(undefined, { noSyn });
    expect(run.reader.session).toBeDefined();
    // Direction 0 is the first frame's sender: 52696, the client.
    expect(run.conn.calls).toEqual(calls);
  });

  test.each([6, 8, 9, 10])('its segment cut after %d bytes (the rest a segment of its own): the ServerHello still starts TLS', (at) => {
    const run = drive(
      segs().filter((s) => !s.hs.includes(1)),
      { split: { frame: sh().frame, at } },
    );
    expect(kinds(run)[0]).toBe(`server ServerHello ${sh().frame}`);
  });

  test('a fatal alert is not a ServerHello: lo-tls-alert-version-mismatch.pcap without its ClientHello is not TLS', () => {
    const all = tsharkSegs(fixture('lo-tls-alert-version-mismatch.pcap'));
    // tshark: the ClientHello in frame 4, the server's only payload an alert record (content type 21) of level 2
    // whose sixth byte, the level, sits where a handshake record has its message type.
    const alert = all.find((s) => s.ct.includes(21))!;
    expect([alert.payload[0], alert.payload[5]]).toEqual([0x15, 2]);
    const run = drive(all.filter((s) => !s.hs.includes(1)));
    expect(run.reader.session).toBeUndefined();
    expect(run.reader.messages).toEqual([]);
  });

  test('a ServerHello from the client\'s direction does not start TLS', () => {
    const conn = fakeConn([52696, 443]);
    conn.clientDir = 0;
    conn.clientEvidence = 'syn';
    conn.synSeen[0] = true;
    conn.synSeen[1] = true;
    const reader = new ConnectionReader(conn);
    reader.data(0, sh().payload, sh().stamp, true);
    expect(reader.session).toBeUndefined();
    // The same bytes from the server's direction do.
    const again = new ConnectionReader(conn);
    again.data(1, sh().payload, sh().stamp, true);
    expect(again.session).toBeDefined();
  });
});

describe('the client decided by the ClientHello when no SYN was captured', () => {
  test.each([
    ['SYN captured', false, []],
    ['no SYN: the ClientHello\'s sender', true, [[0, 'tls']]],
  ] as const)('lo-tls13-full.pcap, %s', (_what, noSyn, calls) => {
    const run = drive(tsharkSegs(fixture('lo-tls13-full.pcap')), { noSyn });
    expect(run.conn.calls).toEqual(calls);
    expect(kinds(run)[0]).toBe('client ClientHello 4');
  });

  test('a SYN-ACK said it: the ClientHello does not override', () => {
    const segs = tsharkSegs(fixture('lo-tls13-full.pcap'));
    const conn = fakeConn([52698, 443]);
    conn.clientDir = 0;
    conn.clientEvidence = 'syn-ack';
    const reader = new ConnectionReader(conn);
    const ch = segs.find((s) => s.hs.includes(1))!;
    reader.data(0, ch.payload, ch.stamp, true);
    expect(reader.session).toBeDefined();
    expect(conn.calls).toEqual([]);
  });
});

describe('mid-stream TLS (fixtures/derived/zeek-tls12-basic-midstream.pcap, no SYN, no hello)', () => {
  const file = join(root, 'fixtures/derived/zeek-tls12-basic-midstream.pcap');
  // tshark (port 443 is TLS to it): the records and their senders.
  const recs = () => tsharkSegs(file).filter((s) => s.ct.length > 0);

  test('TLS from the record chains of both directions; the client by the port rule (443 is the server)', () => {
    const segs = tsharkSegs(file);
    expect(segs.some((s) => (s.flags & 0x02) !== 0)).toBe(false);
    const run = drive(segs);
    const s = run.reader.session!.summary();
    expect(s.midstream).toBe(true);
    expect(run.conn.calls).toEqual([[run.ports[0] === 443 ? 1 : 0, 'port']]);
    // The first application data record each way, and every alert, where tshark shows them.
    const first = (port: number) => recs().find((r) => r.sport === port && r.ct.includes(23))!.frame;
    const m = run.reader.messages;
    expect(m.find((x) => x.type === 'ApplicationData' && x.from === 'client')!.last.frame).toBe(first(56637));
    expect(m.find((x) => x.type === 'ApplicationData' && x.from === 'server')!.last.frame).toBe(first(443));
    expect(m.filter((x) => x.type === 'Alert').map((x) => [x.from, x.last.frame])).toEqual(
      recs().filter((r) => r.ct.includes(21)).map((r) => [r.sport === 443 ? 'server' : 'client', r.frame]),
    );
    expect(run.reader.startTls).toBe(false);
    expect(run.reader.plainTurns.length).toBeGreaterThan(0);
  });

  // The README's rule without a SYN or hello: the well-known port (< 1024) is the server's, else the lower one.
  test.each([
    [[56637, 443], 0],
    [[443, 56637], 1],
    [[80, 443], 1],
    [[443, 80], 0],
    [[1024, 1023], 0],
    [[1023, 1024], 1],
    [[50000, 40000], 0],
    [[40000, 50000], 1],
    [[4433, 4433], 1],
  ] as const)('endpoint ports %j: direction %d is the client', (ports, clientDir) => {
    const segs = tsharkSegs(file);
    const run = drive(segs, { ports: [...ports] });
    expect(run.conn.calls).toEqual([[clientDir, 'port']]);
    // The records of the direction called the client are labelled 'client'.
    const clientPort = clientDir === 0 ? run.ports[0] : run.ports[1];
    const firstAppData = recs().find((r) => r.sport === clientPort && r.ct.includes(23))!.frame;
    expect(run.reader.messages.find((x) => x.type === 'ApplicationData' && x.from === 'client')!.last.frame).toBe(firstAppData);
  });

  test('plain HTTP without its SYNs (fixtures/derived/zeek-http-pipelined-keepalive-midstream.pcap) stays plain', () => {
    const run = drive(tsharkSegs(join(root, 'fixtures/derived/zeek-http-pipelined-keepalive-midstream.pcap')));
    expect(run.reader.session).toBeUndefined();
    expect(run.reader.messages).toEqual([]);
    expect(run.conn.calls).toEqual([]);
    // No client known (no SYN, no hello): HTTP is not read either.
    expect(run.reader.requests({})).toEqual({ requests: [], estimated: false, http: null });
  });
});

describe('both hellos lost after the SYNs (lo-tls12-full.pcap without frames 4 and 6)', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('each direction begins with a hole: TLS found by its record chains, as tshark shows the records', async () => {
    const cap = await loadCapture(fixture('lo-tls12-full.pcap'));
    const file = join(dir, 'no-hellos.pcapng');
    writePcapng(cap, cap.pkts.filter((p) => p.orig !== 4 && p.orig !== 6).map((pkt) => ({ pkt })), file);
    // Records per segment, as tshark reads them on 443 without reassembly.
    const segs = tsharkSegs(file, ['-o', 'tcp.desegment_tcp_streams:FALSE']);
    const ccs = (port: number) => segs.filter((s) => s.sport === port && s.ct.includes(20)).map((s) => s.frame);
    const appData = (port: number) => segs.filter((s) => s.sport === port && s.ct.includes(23)).map((s) => s.frame);
    const run = drive(segs);
    expect(run.reader.session).toBeDefined();
    expect(run.reader.session!.summary().midstream).toBe(true);
    const m = run.reader.messages;
    const frames = (from: string, type: string) => m.filter((x) => x.from === from && x.type === type).map((x) => x.last.frame);
    expect(frames('client', 'ChangeCipherSpec')).toEqual(ccs(52696));
    expect(frames('server', 'ChangeCipherSpec')).toEqual(ccs(443));
    expect(frames('client', 'ApplicationData').slice(0, 1)).toEqual(appData(52696).slice(0, 1));
    expect(frames('server', 'ApplicationData').slice(0, 1)).toEqual(appData(443).slice(0, 1));
    expect(m.some((x) => x.type === 'ClientHello' || x.type === 'ServerHello')).toBe(false);
    // The SYN decided the client: the probe does not.
    expect(run.conn.calls).toEqual([]);
  });
});

describe('setup counters at the handshake end: frames and frame bytes up to it (metrics goldens, from tshark)', () => {
  test.each(['lo-tls12-full.pcap', 'lo-tls13-full.pcap', 'zeek-smtp-starttls.pcap', 'ns-tls13-mtu1500-cert-chain.pcap', 'zeek-tls12-basic.pcap', 'lo-tls13-client-cert.pcap'])(
    '%s',
    (name) => {
      const [e] = expectedMetrics(name);
      expect(e!.setup.endFrame).not.toBeNull();
      const run = drive(tsharkSegs(fixture(name)));
      run.reader.messages; // resolves what the session held
      const done = run.reader.tlsDone!;
      expect({ frame: done.stamp.frame, packets: done.packets, bytes: done.bytes }).toEqual({
        frame: e!.setup.endFrame,
        packets: e!.setup.packets,
        bytes: e!.setup.bytes,
      });
      // Once the handshake is read, a hole is given up on after 64 KiB held (reader.ts), asked once.
      expect(run.conn.limits).toEqual([64 * 1024]);
    },
  );
});

describe('a direction closed by its FIN or by a reset either way takes its last record after a hole (lo-tls12-full.pcap without frames 11 and 16)', () => {
  // The server's CCS + Finished (frame 11) and its FIN (16) left out: its next segment (lossy frame 12, tshark:
  // one application-data record, the whole segment) follows a hole, and only a closed direction takes a single
  // record ending at its last byte.
  let dir: string;
  let file: string;
  beforeAll(async () => {
    dir = tempDir();
    const cap = await loadCapture(fixture('lo-tls12-full.pcap'));
    file = join(dir, 'no-server-finished-no-fin.pcapng');
    writePcapng(cap, cap.pkts.filter((p) => p.orig !== 11 && p.orig !== 16).map((pkt) => ({ pkt })), file);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const serverAppData = (r: Run) => r.reader.messages.filter((m) => m.from === 'server' && m.type === 'ApplicationData').map((m) => m.last.frame);
  const closing = (how: 'none' | 'server FIN' | 'client FIN' | 'client RST' | 'server RST'): Run => {
    const segs = tsharkSegs(file, ['-o', 'tcp.desegment_tcp_streams:FALSE']).filter((s) => (s.flags & 0x05) === 0);
    const run = drive(segs);
    const last = segs[segs.length - 1]!.stamp;
    // Direction 0 is the client's (its SYN comes first), 1 the server's.
    if (how === 'server FIN') run.conn.fin[1] = last;
    if (how === 'client FIN') run.conn.fin[0] = last;
    if (how === 'client RST') run.conn.rst[0] = last;
    if (how === 'server RST') run.conn.rst[1] = last;
    return run;
  };

  test.each([
    ['none', false],
    ['client FIN', false],
    ['server FIN', true],
    ['client RST', true],
    ['server RST', true],
  ] as const)('%s: the server record taken %s', (how, taken) => {
    const segs = tsharkSegs(file, ['-o', 'tcp.desegment_tcp_streams:FALSE']);
    const want = segs.filter((s) => s.sport === 443 && s.ct.includes(23)).map((s) => s.frame);
    expect(want.length).toBe(1);
    expect(serverAppData(closing(how))).toEqual(taken ? want : []);
  });
});

describe('cleartext HTTP/1 read by the reader (lo-http-keepalive-3req.pcap, tshark http.request / http.response)', () => {
  test('three requests, each at tshark\'s frames; no TLS', () => {
    const file = fixture('lo-http-keepalive-3req.pcap');
    const http = tsharkOutput(file, ['-Y', 'http', '-T', 'fields', '-e', 'frame.number', '-e', 'http.request.method', '-e', 'http.response.code']).stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('\t'));
    const reqs = http.filter((r) => r[1] !== '');
    const resps = http.filter((r) => r[2] !== '');
    expect(reqs.length).toBe(3);
    const run = drive(tsharkSegs(file));
    expect(run.reader.session).toBeUndefined();
    expect(run.reader.messages).toEqual([]);
    const out = run.reader.requests({});
    expect({ estimated: out.estimated, protocol: out.http?.protocol }).toEqual({ estimated: false, protocol: 'http/1' });
    expect((out.requests as HttpRequest[]).map((r) => [r.method, r.requestEndFrame, r.status, r.responseEndFrame])).toEqual(
      reqs.map((r, i) => [r[1], Number(r[0]), Number(resps[i]![2]), Number(resps[i]![0])]),
    );
  });

  test('without a known client (no SYN) the bytes are not read as HTTP', () => {
    const run = drive(tsharkSegs(fixture('lo-http-keepalive-3req.pcap')), { noSyn: true });
    expect(run.reader.requests({})).toEqual({ requests: [], estimated: false, http: null });
  });
});

describe('key source handed to the TLS session', () => {
  test('none: no keys function; a key source: lookups by client random (lo-tls13-full-keylog)', () => {
    const conn = fakeConn([1, 2]);
    expect(new ConnectionReader(conn).keys).toBeUndefined();
    const asked: Buffer[] = [];
    const source = { lookup: (r: Buffer) => (asked.push(r), null) } as unknown as KeySource;
    const keys = new ConnectionReader(conn, { keys: source }).keys!;
    expect(keys(Buffer.alloc(32, 7))).toBeNull();
    expect(asked).toEqual([Buffer.alloc(32, 7)]);
  });

  test('a reader that never saw TLS has no messages', () => {
    const r = new ConnectionReader(fakeConn([1, 2]));
    expect(r.messages).toEqual([]);
    expect(r.requests({})).toEqual({ requests: [], estimated: false, http: null });
  });
});

describe('key-less request estimate from TLS 1.3 records (fixtures/keylog/lo-http1-keepalive-5req-keylog.pcap read without its key log)', () => {
  test("one estimated request per HTTP request tshark decrypts with the key log, at its frame; the client's Finished and close_notify are not requests", () => {
    const file = join(root, 'fixtures/keylog/lo-http1-keepalive-5req-keylog.pcap');
    const http = tsharkOutput(file, ['-o', `tls.keylog_file:${file.replace(/\.pcap$/, '.keys.log')}`, '-Y', 'http', '-T', 'fields', '-e', 'frame.number', '-e', 'http.request.method', '-e', 'http.response.code']).stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('\t'));
    const reqFrames = http.filter((r) => r[1] !== '').map((r) => Number(r[0]));
    const respFrames = http.filter((r) => r[2] !== '').map((r) => Number(r[0]));
    expect(reqFrames.length).toBe(5);
    const run = drive(tsharkSegs(file));
    const out = run.reader.requests({});
    expect({ estimated: out.estimated, http: out.http }).toEqual({ estimated: true, http: null });
    expect(out.requests.map((r) => [r.requestFrame, r.responseFrame])).toEqual(reqFrames.map((f, i) => [f, respFrames[i]]));
  });
});

describe('decrypted with the key log: requests from the plaintext (fixtures/keylog/, tshark decrypting with the same key log)', () => {
  test.each([
    ['lo-http1-keepalive-5req-keylog.pcap', 'http/1'],
    ['lo-http2-5req-keylog.pcap', 'h2'],
  ])('%s: %s, every request and response where tshark shows its headers', (name, protocol) => {
    const file = join(root, 'fixtures/keylog', name);
    const keyFile = file.replace(/\.pcap$/, '.keys.log');
    const h2 = protocol === 'h2';
    const rows = tsharkOutput(file, ['-o', `tls.keylog_file:${keyFile}`, '-Y', h2 ? 'http2.type == 1' : 'http', '-T', 'fields', '-E', 'occurrence=f', '-e', 'frame.number',
      '-e', h2 ? 'http2.headers.method' : 'http.request.method', '-e', h2 ? 'http2.headers.status' : 'http.response.code']).stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('\t'));
    const req = rows.filter((r) => r[1] !== '');
    const res = rows.filter((r) => r[2] !== '');
    expect(req.length).toBe(5);
    const keys = new KeySource(new KeyLog().add(readFileSync(keyFile)), () => undefined);
    const run = drive(tsharkSegs(file), { keys });
    const out = run.reader.requests({});
    expect({ estimated: out.estimated, protocol: out.http?.protocol }).toEqual({ estimated: false, protocol });
    expect((out.requests as HttpRequest[]).map((r) => [r.method, r.requestFrame, r.status, r.responseFrame])).toEqual(
      req.map((r, i) => [r[1], Number(r[0]), Number(res[i]![2]), Number(res[i]![0])]),
    );
  });
});

// ---------------------------------------------------------------------------
// Lines 321-452 of reader.ts (probeData, probeSide, trySwitch, noteFrame, snapshotAt, afterFeed): the
// cases their mutation run left open (reports/mutation/timeline-reader-b-survivors.md).

/** A connection whose SYNs were not captured (mid-stream): no client known. */
function midstreamConn(ports: [number, number] = [52696, 443]): { reader: ConnectionReader; conn: FakeConn } {
  const conn = fakeConn(ports);
  return { reader: new ConnectionReader(conn), conn };
}

describe('mid-stream speculation (probeData): both directions must carry a chain of records, and it ends for good when a direction gives up', () => {
  // lo-tls12-full.pcap after its server flight (tshark, per segment): client 52696 frame 10 (ClientKeyExchange,
  // CCS, Finished: three records), 12 (application data), 14 (alert); server 443 frame 11 (CCS, Finished), 13
  // (application data).
  const segs = () => tsharkSegs(fixture('lo-tls12-full.pcap'), ['-o', 'tcp.desegment_tcp_streams:FALSE']);
  const seg = (frame: number) => segs().find((s) => s.frame === frame)!;

  test('tshark: the segments used here, each whole records', () => {
    expect([10, 12, 14, 11, 13].map((f) => [seg(f).sport, seg(f).ct])).toEqual([
      [52696, [22, 20, 22]],
      [52696, [23]],
      [52696, [21]],
      [443, [20, 22]],
      [443, [23]],
    ]);
  });

  test('the same segments without the SYNs and the frames before are TLS (records both ways), the client by the port rule', () => {
    const { reader, conn } = midstreamConn();
    for (const f of [10, 11, 12, 13, 14]) reader.data(seg(f).sport === 52696 ? 0 : 1, seg(f).payload, seg(f).stamp, true);
    expect(reader.session?.summary().midstream).toBe(true);
    expect(conn.calls).toEqual([[0, 'port']]);
    expect(reader.messages.filter((m) => m.type === 'ApplicationData').map((m) => [m.from, m.last.frame])).toEqual([
      ['client', 12],
      ['server', 13],
    ]);
  });

  test("one direction's records alone (the other sends nothing) are not TLS (README: both directions carry a chain)", () => {
    const { reader, conn } = midstreamConn();
    for (const f of [10, 12, 14]) reader.data(0, seg(f).payload, seg(f).stamp, true);
    expect(reader.session).toBeUndefined();
    expect(reader.messages).toEqual([]);
    expect(conn.calls).toEqual([]);
  });

  test('the client gives up (records, then bytes that are no record header): the speculation is over, later chains both ways do not make it TLS', () => {
    const { reader, conn } = midstreamConn();
    reader.data(0, seg(10).payload, seg(10).stamp, true);
    // RFC 8446 §5.1: a record begins with its content type (20-23 here); 'G' (0x47) is none.
    reader.data(0, Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), seg(10).stamp, true);
    for (const f of [11, 12, 13, 14]) reader.data(seg(f).sport === 52696 ? 0 : 1, seg(f).payload, seg(f).stamp, true);
    expect(reader.session).toBeUndefined();
    expect(reader.messages).toEqual([]);
    expect(conn.calls).toEqual([]);
  });

  test("after the client gave up, the server's bytes are plaintext scanned like any other (64 KiB), though they are records", () => {
    const { reader } = midstreamConn();
    reader.data(0, seg(10).payload, seg(10).stamp, true);
    reader.data(0, Buffer.from('GET / HTTP/1.1\r\n\r\n'), seg(10).stamp, true);
    // The server's application-data record of frame 13 again and again: a chain of records, PLAINTEXT_SCAN_LIMIT bytes and one more.
    const rec = seg(13).payload;
    let sent = 0;
    for (let i = 0; sent <= PLAINTEXT_SCAN_LIMIT; i++) {
      expect(reader.wants(1)).toBe(true);
      reader.data(1, rec, { ...seg(13).stamp, frame: 100 + i }, true);
      sent += rec.length;
    }
    expect(reader.wants(1)).toBe(false);
    expect(reader.session).toBeUndefined();
  });

  test("a server direction that begins with a hole of 65,500 bytes (bytes lost count as scanned) and then records: TLS once both chains are in step, and read on from there", () => {
    const { reader } = midstreamConn();
    reader.gap(1, 65500);
    expect(reader.wants(1)).toBe(true);
    for (const f of [10, 11, 12, 13, 14]) reader.data(seg(f).sport === 52696 ? 0 : 1, seg(f).payload, seg(f).stamp, true);
    expect(reader.session?.summary().midstream).toBe(true);
    // The chunk that made the connection TLS is not plaintext: 65,500 + its 51 bytes would be past the 64 KiB scan.
    expect(reader.wants(1)).toBe(true);
    expect(reader.messages.filter((m) => m.from === 'server').map((m) => `${m.type} ${m.last.frame}`)).toEqual(['ChangeCipherSpec 11', 'Finished 11', 'ApplicationData 13']);
  });

  test('a direction that is no TLS at all is scanned 64 KiB too: 64 KiB of it keep it wanted, the next KiB ends it', () => {
    const { reader } = midstreamConn();
    const stamp = (frame: number): Stamp => ({ frame, tsSec: 1000 + frame, tsNsec: 0 });
    const kib = Buffer.alloc(1024, 0x41);
    for (let i = 1; i <= 64; i++) reader.data(0, kib, stamp(i), true);
    expect(reader.wants(0)).toBe(true);
    reader.data(0, kib, stamp(65), true);
    expect(reader.wants(0)).toBe(false);
    // The other direction on its own: the same 64 KiB, whatever the first one did.
    for (let i = 1; i <= 64; i++) reader.data(1, kib, stamp(100 + i), true);
    expect(reader.wants(1)).toBe(true);
    reader.data(1, kib, stamp(165), true);
    expect(reader.wants(1)).toBe(false);
    expect(reader.session).toBeUndefined();
  });
});

describe('the probe labels the directions by the SYN when there was one (probeSide), not by the port rule', () => {
  test("lo-tls12-full.pcap without both hellos, its endpoints' ports swapped (443 on the client's side): the SYN still says who the client is", async () => {
    const dir = tempDir();
    try {
      const cap = await loadCapture(fixture('lo-tls12-full.pcap'));
      const file = join(dir, 'no-hellos.pcapng');
      writePcapng(cap, cap.pkts.filter((p) => p.orig !== 4 && p.orig !== 6).map((pkt) => ({ pkt })), file);
      const segs = tsharkSegs(file, ['-o', 'tcp.desegment_tcp_streams:FALSE']);
      const ccs = (port: number) => segs.filter((s) => s.sport === port && s.ct.includes(20)).map((s) => s.frame);
      // Direction 0 (52696 in the capture, the SYN's sender) is given port 443: the port rule would call it the server.
      const run = drive(segs, { ports: [443, 52696] });
      expect(run.conn.calls).toEqual([]);
      const m = run.reader.messages;
      expect(m.filter((x) => x.type === 'ChangeCipherSpec').map((x) => [x.from, x.last.frame])).toEqual([
        ['client', ccs(52696)[0]],
        ['server', ccs(443)[0]],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('trySwitch: which first bytes start TLS', () => {
  test('an SSLv2-format ClientHello (fixtures/suricata-sslv2-hello-upgrade-tls10.pcap, tshark: handshake type 1 in frame 4) starts it at the client', () => {
    const segs = tsharkSegs(fixture('suricata-sslv2-hello-upgrade-tls10.pcap'));
    const ch = segs.find((s) => s.hs.includes(1))!;
    expect([ch.frame, ch.payload[0]! & 0x80, ch.payload[2]]).toEqual([4, 0x80, 1]); // 2-byte header, msg_type 1 (client-hello)
    const run = drive(segs, { noSyn: true });
    expect(kinds(run)[0]).toBe('client ClientHello 4');
    expect(run.conn.calls).toEqual([[0, 'tls']]);
    expect(kinds(run)).toContain(`server ServerHello ${hsFrames(segs, 443, 2)[0]}`);
  });

  test.each([
    ['02 03', 1, 2],
    ['03 05', 2, 5],
  ])('a ClientHello record whose legacy_record_version is %s (RFC 8446 §5.1: 03 0x) does not start TLS', (_v, at, value) => {
    const segs = tsharkSegs(fixture('lo-tls13-full.pcap'));
    const bad = segs.map((s) => (s.hs.includes(1) ? { ...s, payload: Buffer.from(s.payload).fill(value, at, at + 1) } : s));
    const run = drive(bad.filter((s) => s.sport === bad[0]!.sport || s.payload.length === 0));
    expect(run.reader.session).toBeUndefined();
    expect(run.reader.messages).toEqual([]);
  });

  test('no SYN, the capture begins at the ServerHello (lo-tls12-full.pcap from frame 6): its receiver, direction 1, is the client', () => {
    const segs = tsharkSegs(fixture('lo-tls12-full.pcap')).filter((s) => s.frame >= 6);
    const run = drive(segs);
    expect(run.ports[0]).toBe(443);
    expect(run.conn.calls).toEqual([[1, 'tls']]);
    expect(kinds(run)[0]).toBe('server ServerHello 6');
    expect(run.reader.messages.find((m) => m.type === 'ChangeCipherSpec' && m.from === 'client')?.last.frame).toBe(10);
  });

  test('a ServerHello from the client\'s direction does not start TLS when the client is direction 1 either', () => {
    const sh = tsharkSegs(fixture('lo-tls12-full.pcap')).find((s) => s.sport === 443 && s.hs.includes(2))!;
    const conn = fakeConn([443, 52696]);
    conn.clientDir = 1;
    conn.clientEvidence = 'syn';
    conn.synSeen[0] = true;
    conn.synSeen[1] = true;
    const reader = new ConnectionReader(conn);
    reader.data(1, sh.payload, sh.stamp, true);
    expect(reader.session).toBeUndefined();
    const again = new ConnectionReader(conn);
    again.data(0, sh.payload, sh.stamp, true);
    expect(again.session).toBeDefined();
  });
});

describe('afterFeed: the held-bytes limit once the handshake is read (AFTER_HANDSHAKE_HELD_LIMIT)', () => {
  test('lo-tls12-full.pcap: not while the hellos and the server flight are read; once, from the first application data on', () => {
    const segs = tsharkSegs(fixture('lo-tls12-full.pcap'));
    const firstAppData = segs.find((s) => s.ct.includes(23))!.frame;
    const before = drive(segs.filter((s) => s.frame < firstAppData));
    expect(before.reader.session).toBeDefined();
    expect(before.conn.limits).toEqual([]);
    const all = drive(segs);
    expect(all.conn.limits).toEqual([64 * 1024]);
  });
});

describe('setup counters when a frame is delivered in pieces (noteFrame keeps one entry per frame)', () => {
  test.each(['lo-tls12-full.pcap', 'lo-tls13-full.pcap', 'ns-tls13-mtu1500-cert-chain.pcap', 'lo-tls13-client-cert.pcap'])(
    '%s, the handshake-end frame in two pieces (its first record header apart): the counters of metrics.json',
    (name) => {
      const [e] = expectedMetrics(name);
      const run = drive(tsharkSegs(fixture(name)), { split: { frame: e!.setup.endFrame!, at: 5 } });
      run.reader.messages;
      const done = run.reader.tlsDone!;
      expect({ frame: done.stamp.frame, packets: done.packets, bytes: done.bytes }).toEqual({
        frame: e!.setup.endFrame,
        packets: e!.setup.packets,
        bytes: e!.setup.bytes,
      });
    },
  );

  test("lo-tls12-full.pcap up to the server's Finished (frame 11, CCS then Finished: split between them), nothing after: the handshake end is still taken", () => {
    const [e] = expectedMetrics('lo-tls12-full.pcap');
    const segs = tsharkSegs(fixture('lo-tls12-full.pcap'));
    const fin = segs.find((s) => s.frame === e!.setup.endFrame)!;
    // tshark: the frame holds a ChangeCipherSpec record (type 20, 6 bytes with its header), then the Finished's record.
    expect([fin.sport, fin.ct, fin.payload[0], fin.payload.readUInt16BE(3)]).toEqual([443, [20, 22], 20, 1]);
    const run = drive(segs.filter((s) => s.frame <= fin.frame), { split: { frame: fin.frame, at: 6 } });
    expect(run.reader.messages.slice(-2).map((m) => `${m.from} ${m.type} ${m.last.frame}`)).toEqual([`server ChangeCipherSpec ${fin.frame}`, `server Finished ${fin.frame}`]);
    const done = run.reader.tlsDone!;
    expect({ frame: done.stamp.frame, packets: done.packets, bytes: done.bytes }).toEqual({ frame: e!.setup.endFrame, packets: e!.setup.packets, bytes: e!.setup.bytes });
  });
});

// ---------------------------------------------------------------------------
// Session 19: the cases the hand run of today's reader.ts left open (reports/mutation/timeline-reader-c-survivors.md).

/**
 * lo-tls13-full.pcap with its ServerHello's cipher suite changed from TLS_AES_256_GCM_SHA384 (0x1302, tshark) to
 * TLS_AES_128_GCM_SHA256 (0x1301): the client's 69-byte Finished record (SHA-384: 48 + 4 + 1 + 16) is then not
 * Finished-sized (53), so by the README's TLS 1.3 rule its flight [69, 88, ...] has no Finished-sized record among its
 * first four and the flight's first record (frame 10) is the Finished, decided only when the server's next record
 * comes (frame 13): the counters must be those of frame 10, not of the decision.
 */
function tls13SuitePatched(): Seg[] {
  const segs = tsharkSegs(fixture('lo-tls13-full.pcap'));
  return segs.map((s) => {
    if (!s.hs.includes(2)) return s;
    const p = Buffer.from(s.payload);
    // Record header (5), handshake header (4), legacy_version (2), random (32), legacy_session_id<0..32>, cipher_suite.
    const at = 5 + 4 + 2 + 32 + 1 + p[43]!;
    expect(p.readUInt16BE(at)).toBe(0x1302);
    p.writeUInt16BE(0x1301, at);
    return { ...s, payload: p };
  });
}

describe('setup counters of a handshake end decided frames later (noteFrame keeps the last RECENT_FRAMES frames, snapshotAt looks back)', () => {
  test('tshark: lo-tls13-full.pcap has the client records 1 and 69 in frame 10, 88 in frame 11, the server\'s 282 in frame 13', () => {
    const segs = tsharkSegs(fixture('lo-tls13-full.pcap'));
    const lens = (f: number) => {
      const s = segs.find((x) => x.frame === f)!;
      const out: number[] = [];
      for (let o = 0; o < s.payload.length; o += 5 + s.payload.readUInt16BE(o + 3)) out.push(s.payload.readUInt16BE(o + 3));
      return [s.sport, ...out];
    };
    expect([lens(10), lens(11), lens(13)]).toEqual([
      [52698, 1, 69],
      [52698, 88],
      [443, 282],
    ]);
  });

  test.each([
    ['whole frames', undefined],
    ["frame 10 in two pieces (its CCS apart)", { frame: 10, at: 6 }],
    ['frame 11 in two pieces', { frame: 11, at: 40 }],
  ] as const)('the Finished taken at the server\'s next record: frame 10\'s counters (metrics.json of the unchanged capture), %s', (_what, split) => {
    const [e] = expectedMetrics('lo-tls13-full.pcap');
    expect(e!.setup.endFrame).toBe(10);
    const run = drive(tls13SuitePatched(), split ? { split: { ...split } } : {});
    // Decided while the server's frame 13 was read, before the capture ended.
    expect(run.reader.tlsDone).toBeDefined();
    const done = run.reader.tlsDone!;
    expect({ frame: done.stamp.frame, packets: done.packets, bytes: done.bytes }).toEqual({ frame: 10, packets: e!.setup.packets, bytes: e!.setup.bytes });
    expect(run.reader.messages.find((m) => m.from === 'client' && m.type === 'Finished')?.last.frame).toBe(10);
  });

  /**
   * The same connection with frames of our own: the ClientHello, the ServerHello's segment, the server's 1,050 bytes
   * of frame 8 in `server` frames, the client's frame 10, its 93 bytes of frame 11 in `client` frames, the server's
   * frame 13. Every frame carries payload; its length is the payload's + 66 (Ethernet, IPv4, TCP with timestamps).
   */
  function spread(server: number, client: number): { reader: ConnectionReader; end: number; packets: number; bytes: number; all: { packets: number; bytes: number } } {
    const segs = tls13SuitePatched();
    const seg = (f: number) => segs.find((s) => s.frame === f)!;
    const pieces = (b: Buffer, n: number): Buffer[] => Array.from({ length: n }, (_, i) => b.subarray(Math.floor((i * b.length) / n), Math.floor(((i + 1) * b.length) / n)));
    const chunks: [Dir, Buffer][] = [
      [0, seg(4).payload],
      [1, seg(6).payload],
      ...pieces(seg(8).payload, server).map((b) => [1, b] as [Dir, Buffer]),
      [0, seg(10).payload],
      ...pieces(seg(11).payload, client).map((b) => [0, b] as [Dir, Buffer]),
      [1, seg(13).payload],
    ];
    expect(chunks.every(([, b]) => b.length > 0)).toBe(true);
    const conn = fakeConn([52698, 443]);
    conn.clientDir = 0;
    conn.clientEvidence = 'syn';
    conn.synSeen[0] = true;
    conn.synSeen[1] = true;
    const reader = new ConnectionReader(conn);
    const end = 3 + server; // the client's frame 10
    let at: { packets: number; bytes: number } | undefined;
    chunks.forEach(([dir, b], i) => {
      conn.packets++;
      conn.bytes += b.length + 66;
      reader.data(dir, b, { frame: i + 1, tsSec: 1000, tsNsec: i * 1000 }, true);
      if (i + 1 === end) at = { packets: conn.packets, bytes: conn.bytes };
    });
    return { reader, end, ...at!, all: { packets: conn.packets, bytes: conn.bytes } };
  }

  test('16 frames kept: the end frame as the oldest of them (the 17th data frame, 14 client frames and the server\'s after it) still has its own counters', () => {
    const r = spread(14, 14);
    const done = r.reader.tlsDone!;
    expect({ frame: done.stamp.frame, packets: done.packets, bytes: done.bytes }).toEqual({ frame: r.end, packets: r.packets, bytes: r.bytes });
    expect(r.packets).toBe(17);
  });

  test('one frame more between them: the end frame is no longer kept, the counters are those of the decision (snapshotAt: "as now")', () => {
    const r = spread(14, 15);
    const done = r.reader.tlsDone!;
    expect(done.stamp.frame).toBe(r.end);
    expect({ packets: done.packets, bytes: done.bytes }).toEqual(r.all);
    expect(r.all.packets).toBe(r.packets + 16);
  });
});

/** A connection whose SYN named direction 0 the client (port 40000 → 80). */
function plainConn(): { reader: ConnectionReader; conn: FakeConn } {
  const conn = fakeConn([40000, 80]);
  conn.clientDir = 0;
  conn.clientEvidence = 'syn';
  conn.synSeen[0] = true;
  conn.synSeen[1] = true;
  return { reader: new ConnectionReader(conn), conn };
}

type Step = [Dir, string | Buffer] | [Dir, 'gap', number];

/**
 * Hands `steps` to the reader as the TCP stage would: each chunk a frame of its own (numbered from 1 in order), a
 * segment start, the counters advanced by it; a direction the reader no longer wants gets nothing more (its
 * reassembly is stopped). Returns each step's frame (0 for a gap).
 */
function feed(reader: ConnectionReader, conn: FakeConn, steps: Step[]): number[] {
  const stopped = [false, false];
  let frame = 0;
  return steps.map((s) => {
    const [dir] = s;
    if (s[1] === 'gap') {
      if (!stopped[dir]) reader.gap(dir, s[2] as number);
      return 0;
    }
    const b = typeof s[1] === 'string' ? Buffer.from(s[1], 'latin1') : s[1];
    frame++;
    conn.packets++;
    conn.bytes += b.length + 66;
    if (stopped[dir]) return frame;
    reader.data(dir, b, { frame, tsSec: 1000 + frame, tsNsec: 0 }, true);
    if (!reader.wants(dir)) stopped[dir] = true;
    return frame;
  });
}

const reqRows = (out: ReturnType<ConnectionReader['requests']>) =>
  (out.requests as HttpRequest[]).map((r) => [r.method, r.requestEndFrame, r.status ?? null, r.responseEndFrame]);

describe('cleartext HTTP/1 (messages of our own, framed as RFC 9112 §6 says)', () => {
  const get = (path: string) => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`;

  test('a response body past the 64 KiB STARTTLS scan: the server\'s direction is still read for HTTP, up to the next request\'s response', () => {
    const { reader, conn } = plainConn();
    const body = Buffer.alloc(100000, 0x61);
    const steps: Step[] = [[0, get('/a')], [1, 'HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n']];
    for (let o = 0; o < body.length; o += 1000) steps.push([1, body.subarray(o, o + 1000)]);
    expect(body.length).toBeGreaterThan(PLAINTEXT_SCAN_LIMIT);
    steps.push([0, get('/b')], [1, 'HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nno']);
    const f = feed(reader, conn, steps);
    // Frames: 1 the request, 2 the head, 3-102 the body (its last byte in 102), 103 and 104 the second exchange.
    expect(f.slice(-3)).toEqual([102, 103, 104]);
    expect(reader.wants(1)).toBe(true);
    const out = reader.requests({});
    expect({ estimated: out.estimated, protocol: out.http?.protocol }).toEqual({ estimated: false, protocol: 'http/1' });
    expect(reqRows(out)).toEqual([
      ['GET', 1, 200, 102],
      ['GET', 103, 404, 104],
    ]);
  });

  test("a ClientHello's bytes at a segment start inside such a body, past the scan, are body bytes: no TLS", () => {
    const { reader, conn } = plainConn();
    const hello = tsharkSegs(fixture('lo-tls13-full.pcap')).find((s) => s.hs.includes(1))!.payload;
    const n = 70 * 1024 + hello.length + 100;
    const steps: Step[] = [[0, get('/capture.pcap')], [1, `HTTP/1.1 200 OK\r\nContent-Length: ${n}\r\n\r\n`]];
    for (let i = 0; i < 70; i++) steps.push([1, Buffer.alloc(1024, 0x61)]);
    steps.push([1, hello], [1, Buffer.alloc(100, 0x61)]);
    const f = feed(reader, conn, steps);
    expect(reader.session).toBeUndefined();
    expect(reader.messages).toEqual([]);
    expect(reqRows(reader.requests({}))).toEqual([['GET', 1, 200, f[f.length - 1]]]);
  });

  test('a response delimited by the close (no Content-Length, not chunked: RFC 9112 §6.3 item 8) ends at the server\'s FIN; a live snapshot leaves it open', () => {
    const { reader, conn } = plainConn();
    feed(reader, conn, [[0, get('/a')], [1, 'HTTP/1.0 200 OK\r\n\r\nhello'], [1, ' world']]);
    const fin: Stamp = { frame: 4, tsSec: 1004, tsNsec: 0 };
    // Provisional (an open connection's snapshot): nothing is ended.
    expect(reqRows(reader.requests({ server: fin }, true))).toEqual([['GET', 1, 200, null]]);
    expect(reqRows(reader.requests({ server: fin }))).toEqual([['GET', 1, 200, 4]]);
  });

  test('plaintext that is not HTTP (an SMTP dialogue) gives no requests and no HTTP summary', () => {
    const { reader, conn } = plainConn();
    feed(reader, conn, [[0, 'EHLO x\r\n'], [1, '250 ok\r\n']]);
    expect(reader.requests({})).toEqual({ requests: [], estimated: false, http: null });
  });

  test("a server's bytes before the client's first are not HTTP's (reader.ts: HTTP is told by the client's first bytes)", () => {
    const { reader, conn } = plainConn();
    feed(reader, conn, [[1, 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'], [0, get('/a')], [1, 'HTTP/1.1 204 No Content\r\n\r\n']]);
    const out = reader.requests({});
    expect(reqRows(out)).toEqual([['GET', 2, 204, 3]]);
    expect(out.http?.problems).toEqual([]);
  });

  test('a hole inside a response body (Content-Length 3000, 1000 bytes lost) is skipped: the next exchange is read', () => {
    const { reader, conn } = plainConn();
    const f = feed(reader, conn, [
      [0, get('/a')],
      [1, 'HTTP/1.1 200 OK\r\nContent-Length: 3000\r\n\r\n'],
      [1, Buffer.alloc(1000, 0x62)],
      [1, 'gap', 1000],
      [1, Buffer.alloc(1000, 0x62)],
      [0, get('/b')],
      [1, 'HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nno'],
    ]);
    expect(f).toEqual([1, 2, 3, 0, 4, 5, 6]);
    expect(reqRows(reader.requests({}))).toEqual([
      ['GET', 1, 200, 4],
      ['GET', 5, 404, 6],
    ]);
  });
});

describe('cleartext HTTP/1 whose server direction begins with a hole after the SYNs (the mid-stream speculation runs beside it)', () => {
  test("the response head lost: the speculation for TLS (probeData) does not take the HTTP bytes from the request tracker, every request is read", () => {
    const { reader, conn } = plainConn();
    const f = feed(reader, conn, [
      [0, 'GET /a HTTP/1.1\r\nHost: x\r\n\r\n'],
      [1, 'gap', 38],
      [1, Buffer.alloc(1000, 0x62)],
      [0, 'GET /b HTTP/1.1\r\nHost: x\r\n\r\n'],
      [1, 'HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nno'],
    ]);
    expect(f).toEqual([1, 0, 2, 3, 4]);
    expect(reader.session).toBeUndefined();
    const out = reader.requests({});
    expect(out.http?.protocol).toBe('http/1');
    // tshark would list both requests. The responses: src/http/http1.ts stops reading a side at a hole outside a
    // body of known length (a 'gap' problem), so neither is read.
    expect(reqRows(out)).toEqual([
      ['GET', 1, null, null],
      ['GET', 3, null, null],
    ]);
    expect(out.http!.problems.map((p) => [p.side, p.kind])).toEqual([['server', 'gap']]);
  });
});

describe('serverHelloStart on a ServerHello cut exactly where its checks begin', () => {
  // lo-tls12-full.pcap without its ClientHello, the ServerHello's segment (tshark: frame 6) handed over in two pieces.
  const segs = () => tsharkSegs(fixture('lo-tls12-full.pcap')).filter((s) => !s.hs.includes(1));
  const patched = (patch: (b: Buffer) => void) =>
    segs().map((s) => {
      if (!s.hs.includes(2)) return s;
      const p = Buffer.from(s.payload);
      patch(p);
      return { ...s, payload: p };
    });
  test.each([
    ['after 9 bytes, its length field (bytes 6-8) saying 37', 9, (b: Buffer): void => void b.writeUIntBE(37, 6, 3)],
    ['after 11 bytes, its legacy_version (bytes 9-10) 02 03', 11, (b: Buffer): void => void (b[9] = 2)],
  ] as const)('%s: the first piece already shows it is no ServerHello, TLS does not begin there', (_what, at, patch) => {
    const run = drive(patched(patch), { split: { frame: 6, at } });
    // Not at the ServerHello: the connection is found TLS only later, by its record chains (mid-stream).
    expect(run.reader.messages.some((m) => m.type === 'ServerHello')).toBe(false);
    expect(run.reader.session?.summary().midstream).toBe(true);
  });
});

describe('an alert record is not a ClientHello though its sixth byte is 1 (RFC 8446 §5.1, §6: that byte is the level, 1 = warning)', () => {
  test('a warning close_notify (15 03 03 00 02 01 00, made by hand) as the client\'s first bytes starts nothing', () => {
    const { reader, conn } = plainConn();
    feed(reader, conn, [[0, Buffer.from('15030300020100', 'hex')]]);
    expect(reader.session).toBeUndefined();
    expect(reader.messages).toEqual([]);
  });
});

describe("a direction closed by its own FIN takes its last record after a hole (lo-tls12-full.pcap without the client's frame 12)", () => {
  // tshark (per segment): the client's frame 12 is one application-data record, its frame 14 one alert record (type 21).
  const closing = (how: 'none' | 'client FIN' | 'server FIN'): Run => {
    const segs = tsharkSegs(fixture('lo-tls12-full.pcap'), ['-o', 'tcp.desegment_tcp_streams:FALSE']).filter((s) => s.frame !== 12 && (s.flags & 0x05) === 0);
    const run = drive(segs);
    const last = segs[segs.length - 1]!.stamp;
    if (how === 'client FIN') run.conn.fin[0] = last;
    if (how === 'server FIN') run.conn.fin[1] = last;
    return run;
  };
  test.each([
    ['none', false],
    ['client FIN', true],
    ['server FIN', false],
  ] as const)('%s: the client\'s alert taken %s', (how, taken) => {
    const segs = tsharkSegs(fixture('lo-tls12-full.pcap'), ['-o', 'tcp.desegment_tcp_streams:FALSE']);
    expect(segs.filter((s) => s.sport === 52696 && s.ct.length > 0).map((s) => [s.frame, s.ct])).toEqual([
      [4, [22]],
      [10, [22, 20, 22]],
      [12, [23]],
      [14, [21]],
    ]);
    const alerts = closing(how).reader.messages.filter((m) => m.from === 'client' && m.type === 'Alert').map((m) => m.last.frame);
    expect(alerts).toEqual(taken ? [14] : []);
  });
});

describe("a TLS 1.3 client Finished taken only at the client's FIN sets the handshake end (lo-tls13-full.pcap, the client's CCS lost, nothing after its Finished)", () => {
  // tshark: the client's frame 10 holds a CCS record (6 bytes with its header) and the 69-byte Finished record; the
  // CCS is taken as lost (a 6-byte hole), the client's later segments (11, 17) left out, the FINs as in the capture.
  const run = (fin: boolean): Run => {
    const segs = tsharkSegs(fixture('lo-tls13-full.pcap'))
      .filter((s) => !(s.sport === 52698 && s.frame > 10 && s.payload.length > 0) && (s.flags & 0x01) === 0)
      .map((s) => (s.frame === 10 ? { ...s, payload: s.payload.subarray(6), seq: s.seq + 6 } : s));
    const r = drive(segs);
    if (fin) r.conn.fin[0] = segs[segs.length - 1]!.stamp;
    return r;
  };
  test('with the FIN: the Finished at frame 10, the counters of metrics.json (frames up to 10 unchanged)', () => {
    const [e] = expectedMetrics('lo-tls13-full.pcap');
    const r = run(true);
    expect(r.reader.messages.find((m) => m.from === 'client' && m.type === 'Finished')?.last.frame).toBe(10);
    const done = r.reader.tlsDone!;
    expect({ frame: done.stamp.frame, packets: done.packets, bytes: done.bytes }).toEqual({ frame: e!.setup.endFrame, packets: e!.setup.packets, bytes: e!.setup.bytes });
  });
  test('without it the record stays held: no Finished, no handshake end', () => {
    const r = run(false);
    expect(r.reader.messages.some((m) => m.from === 'client' && m.type === 'Finished')).toBe(false);
    expect(r.reader.tlsDone).toBeUndefined();
  });
});

describe("the client's own hello read after the server's (capture order), and a client direction that begins mid-record", () => {
  test.each([
    ['whole', undefined],
    ['its first 3 bytes a segment of their own (too short to tell)', 3],
  ] as const)("lo-tls12-full.pcap with the ClientHello's frame 4 handed over after the ServerHello's frame 6, %s: the ClientHello is read", (_what, at) => {
    const segs = tsharkSegs(fixture('lo-tls12-full.pcap'));
    const ch = segs.find((s) => s.frame === 4)!;
    const order = segs.filter((s) => s.frame !== 4);
    order.splice(order.findIndex((s) => s.frame === 6) + 1, 0, ch);
    const run = drive(order, at ? { split: { frame: 4, at } } : {});
    const m = kinds(run);
    expect(m.slice(0, 2)).toEqual(['server ServerHello 6', 'client ClientHello 4']);
    expect(run.reader.session!.summary().clientHello).toBeDefined();
    expect(m).toContain('client ChangeCipherSpec 10');
  });

  test("suricata-sslv2-hello-upgrade-tls10.pcap with its SSLv2-format ClientHello (frame 4) after the ServerHello: read as it comes", () => {
    const segs = tsharkSegs(fixture('suricata-sslv2-hello-upgrade-tls10.pcap'));
    const ch = segs.find((s) => s.frame === 4)!;
    const order = segs.filter((s) => s.frame !== 4);
    order.splice(order.findIndex((s) => s.hs.includes(2)) + 1, 0, ch);
    const run = drive(order);
    expect(kinds(run)).toContain('client ClientHello 4');
    expect(run.reader.session!.summary().clientHello).toBeDefined();
  });

  test("lo-tls12-full.pcap from its ServerHello (frame 6, no SYN), the client's frame 10 without its first 3 bytes: the client is read from its chain of record headers on", () => {
    // tshark (per segment): frame 10 is ClientKeyExchange (handshake, 37 bytes), CCS, Finished (40); cut, it begins inside the first header.
    const segs = tsharkSegs(fixture('lo-tls12-full.pcap'), ['-o', 'tcp.desegment_tcp_streams:FALSE'])
      .filter((s) => s.frame >= 6)
      .map((s) => (s.frame === 10 ? { ...s, payload: s.payload.subarray(3), seq: s.seq + 3 } : s));
    const run = drive(segs);
    const m = kinds(run);
    expect(m[0]).toBe('server ServerHello 6');
    expect(m).toContain('client ChangeCipherSpec 10');
    expect(run.reader.messages.find((x) => x.from === 'client' && x.type === 'ApplicationData')?.last.frame).toBe(12);
  });
});

describe("the ServerHello lost after the SYNs (lo-tls12-full.pcap without frame 6): the server's direction begins with a hole", () => {
  test("its records are read from the next chain on, where tshark shows them; the key-less estimate is TLS 1.2's (the ClientHello offers no TLS 1.3): one request, 12 → 13", () => {
    const segs = tsharkSegs(fixture('lo-tls12-full.pcap'), ['-o', 'tcp.desegment_tcp_streams:FALSE']);
    const run = drive(segs.filter((s) => s.frame !== 6));
    const m = kinds(run);
    expect(m[0]).toBe('client ClientHello 4');
    // The hole is the session's: the server's bytes lost (tshark: frame 6 carried 4,096) are what it resynchronises after.
    const lost = segs.find((s) => s.frame === 6)!.payload.length;
    expect(lost).toBe(4096);
    expect(run.reader.session!.summary().problems.filter((p) => p.includes('gap of'))).toEqual([expect.stringContaining(`gap of ${lost} bytes: resynchronising`)]);
    expect(m).toContain('server ChangeCipherSpec 11');
    expect(run.reader.messages.find((x) => x.from === 'server' && x.type === 'ApplicationData')?.last.frame).toBe(13);
    // metrics.json: versionsOffered [] (no supported_versions extension).
    expect(expectedMetrics('lo-tls12-full.pcap')[0]!.tls!.versionsOffered).toEqual([]);
    const out = run.reader.requests({});
    expect(out.estimated).toBe(true);
    expect(out.requests.map((r) => [r.requestFrame, r.responseFrame])).toEqual([[12, 13]]);
  });
});

describe('key-less estimates of mid-stream TLS and of an undecided speculation', () => {
  // lo-tls12-full.pcap after its server flight: client 52696 frames 10 (handshake), 12 (application data), 14 (alert);
  // server 443 frames 11 (CCS, Finished), 13 (application data) (tshark, per segment).
  const seg = (frame: number) => tsharkSegs(fixture('lo-tls12-full.pcap'), ['-o', 'tcp.desegment_tcp_streams:FALSE']).find((s) => s.frame === frame)!;

  test('mid-stream, neither hello seen: estimated without the TLS 1.3 rules (nothing says TLS 1.3): one request, 12 → 13', () => {
    const { reader } = midstreamConn();
    for (const f of [10, 11, 12, 13, 14]) reader.data(seg(f).sport === 52696 ? 0 : 1, seg(f).payload, seg(f).stamp, true);
    expect(reader.session?.summary().midstream).toBe(true);
    const out = reader.requests({});
    expect(out.estimated).toBe(true);
    expect(out.requests.map((r) => [r.requestFrame, r.responseFrame])).toEqual([[12, 13]]);
  });

  test("one direction's records alone (not TLS): no estimate from the speculation's records", () => {
    const { reader } = midstreamConn();
    for (const f of [10, 12, 14]) reader.data(0, seg(f).payload, seg(f).stamp, true);
    expect(reader.session).toBeUndefined();
    expect(reader.requests({})).toEqual({ requests: [], estimated: false, http: null });
  });

  test("one direction in step for more than 64 KiB while the other sends nothing: still wanted (waiting for the other direction), TLS once the other's records come", () => {
    const { reader } = midstreamConn();
    reader.data(0, seg(10).payload, seg(10).stamp, true);
    const rec = seg(12).payload;
    let sent = 0;
    for (let i = 0; sent <= PLAINTEXT_SCAN_LIMIT; i++) {
      reader.data(0, rec, { ...seg(12).stamp, frame: 100 + i }, true);
      sent += rec.length;
    }
    expect(reader.wants(0)).toBe(true);
    expect(reader.session).toBeUndefined();
    for (const f of [11, 13]) reader.data(1, seg(f).payload, seg(f).stamp, true);
    expect(reader.session?.summary().midstream).toBe(true);
  });
});

describe('a live snapshot of the key-less estimate leaves out the burst still open (fixtures/keylog/lo-http1-keepalive-5req-keylog.pcap without its key log, up to frame 19)', () => {
  test("tshark: the last response is the server's record in frame 19; provisional, it is not yet there, at the end it is", () => {
    const file = join(root, 'fixtures/keylog/lo-http1-keepalive-5req-keylog.pcap');
    const segs = tsharkSegs(file).filter((s) => s.frame <= 19);
    // TLS 1.3 records (opaque type 23): the last two segments with payload.
    expect(segs.filter((s) => s.payload.length > 0).slice(-2).map((s) => [s.frame, s.sport])).toEqual([
      [18, 52100],
      [19, 443],
    ]);
    const run = drive(segs);
    const rows = (out: ReturnType<ConnectionReader['requests']>) => out.requests.map((r) => [r.requestFrame, r.responseFrame, r.responseEndFrame]);
    // Read at once: the estimate's requests are live objects.
    const live = rows(run.reader.requests({}, true));
    const final = rows(run.reader.requests({}));
    expect(final).toEqual([
      [9, 11, 11],
      [12, 13, 13],
      [14, 15, 15],
      [16, 17, 17],
      [18, 19, 19],
    ]);
    expect(live).toEqual([...final.slice(0, 4), [18, null, null]]);
  });
});

describe('the message list of a session with no complete message yet', () => {
  test("is a list of its own (TlsMessage[]: the caller may add to it), not a shared one", () => {
    const { reader, conn } = plainConn();
    const ch = tsharkSegs(fixture('lo-tls13-full.pcap')).find((s) => s.hs.includes(1))!.payload;
    feed(reader, conn, [[0, ch.subarray(0, 20)]]);
    expect(reader.session).toBeDefined();
    const m = reader.messages;
    expect(m).toEqual([]);
    expect(() => m.push(m[0]!)).not.toThrow();
  });
});

describe('decrypted plaintext with a hole (fixtures/keylog/lo-http1-keepalive-5req-keylog.pcap with its key log, the server\'s frame 15 left out)', () => {
  test('decryption of the server\'s direction stops at the hole and the request tracker is told: requests 1-5 as tshark shows them, responses 1 and 2, the server\'s side reported lost', () => {
    const file = join(root, 'fixtures/keylog/lo-http1-keepalive-5req-keylog.pcap');
    const keyFile = file.replace(/\.pcap$/, '.keys.log');
    const rows = tsharkOutput(file, ['-o', `tls.keylog_file:${keyFile}`, '-Y', 'http', '-T', 'fields', '-e', 'frame.number', '-e', 'http.request.method', '-e', 'http.response.code']).stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('\t'));
    const req = rows.filter((r) => r[1] !== '').map((r) => Number(r[0]));
    const res = rows.filter((r) => r[2] !== '').map((r) => Number(r[0]));
    // tshark: the third response is in frame 15.
    expect(res[2]).toBe(15);
    const keys = new KeySource(new KeyLog().add(readFileSync(keyFile)), () => undefined);
    const run = drive(tsharkSegs(file).filter((s) => s.frame !== 15), { keys });
    const out = run.reader.requests({});
    expect((out.requests as HttpRequest[]).map((r) => [r.requestFrame, r.responseEndFrame])).toEqual(req.map((f, i) => [f, i < 2 ? res[i] : null]));
    expect(out.http!.problems.map((p) => [p.side, p.kind])).toEqual([['server', 'gap']]);
  });
});

describe('records without a hello on a connection whose starts were captured are plaintext (probeData: only a direction whose start was not captured is speculated on)', () => {
  const seg = (frame: number) => tsharkSegs(fixture('lo-tls12-full.pcap'), ['-o', 'tcp.desegment_tcp_streams:FALSE']).find((s) => s.frame === frame)!;

  test("SYNs both ways, no hole: the server's application-data record again and again is scanned 64 KiB, then no longer wanted", () => {
    const { reader, conn } = plainConn();
    const rec = seg(13).payload;
    const steps: Step[] = [];
    for (let sent = 0; sent <= PLAINTEXT_SCAN_LIMIT; sent += rec.length) steps.push([1, rec]);
    feed(reader, conn, steps);
    expect(reader.wants(1)).toBe(false);
    expect(reader.session).toBeUndefined();
  });

  test('a hole after a direction\'s captured start (plaintext, then bytes lost) does not make it one: record chains both ways after it are not TLS', () => {
    const { reader, conn } = plainConn();
    feed(reader, conn, [
      [0, 'EHLO x\r\n'],
      [0, 'gap', 100],
      [0, seg(10).payload],
      [1, seg(11).payload],
      [0, seg(12).payload],
      [1, seg(13).payload],
      [0, seg(14).payload],
    ]);
    expect(reader.session).toBeUndefined();
    expect(reader.messages).toEqual([]);
  });
});

describe('a hello after all: the speculation over the bytes before it is dropped (trySwitch)', () => {
  test("no SYN; the server's CCS, Finished and application data (lo-tls12-full.pcap frames 11, 13) before a ClientHello (lo-tls13-full.pcap frame 4): the session begins at the hello, nothing of the speculation is kept", () => {
    const seg12 = (frame: number) => tsharkSegs(fixture('lo-tls12-full.pcap'), ['-o', 'tcp.desegment_tcp_streams:FALSE']).find((s) => s.frame === frame)!;
    const ch = tsharkSegs(fixture('lo-tls13-full.pcap')).find((s) => s.hs.includes(1))!;
    const { reader } = midstreamConn();
    reader.data(1, seg12(11).payload, seg12(11).stamp, true);
    reader.data(1, seg12(13).payload, seg12(13).stamp, true);
    reader.data(0, ch.payload, { ...ch.stamp, frame: 20 }, true);
    expect(reader.session).toBeDefined();
    expect(reader.session!.summary().midstream).toBeFalsy();
    expect(kinds({ reader } as Run)[0]).toBe('client ClientHello 20');
    expect(reader.messages.every((m) => m.last.frame >= 20)).toBe(true);
  });
});

describe("cleartext HTTP/1 after a hole in the client's direction", () => {
  test('two pipelined requests, then client bytes lost: the client side is no longer read, but both responses still are', () => {
    const { reader, conn } = plainConn();
    const f = feed(reader, conn, [
      [0, 'GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n'],
      [0, 'gap', 500],
      [1, 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'],
      [1, 'HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nno'],
    ]);
    expect(f).toEqual([1, 0, 2, 3]);
    const out = reader.requests({});
    expect(reqRows(out)).toEqual([
      ['GET', 1, 200, 2],
      ['GET', 1, 404, 3],
    ]);
    expect(out.http!.problems.map((p) => [p.side, p.kind])).toEqual([['client', 'gap']]);
  });
});
