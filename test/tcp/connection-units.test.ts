/**
 * TcpConnection (src/tcp/connection.ts) on every capture of fixtures/, against a
 * reference computed from tshark's per-frame dissection of the same file alone
 * (tshark-frames.ts): tcp.stream, the flags, tcp.seq_raw / tcp.seq (tshark's
 * stream start) / tcp.ack_raw / tcp.len / frame.len / tcp.options.mss_val and
 * tcp.analysis.initial_rtt. The rules applied to those fields are RFC 9293's
 * (handshake, receive sequence space) and README's ("Where we differ from
 * Wireshark"); where they part from tshark's own tcp.analysis flags, the test
 * says which frames and why.
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { msBetween } from '../../src/base/stamp.js';
import type { TcpConnection } from '../../src/tcp/connection.js';
import { tsharkFacts } from '../findings/tshark-facts.js';
import { writePcap, type Seg } from './pcap-writer.js';
import { fixture, ROOT, runTracker, tsharkFrames, type Run, type TFrame } from './tshark-frames.js';

const SYN = 0x02;
const FIN = 0x01;
const RST = 0x04;
const ACK = 0x10;

const CAPTURES = [
  ...readdirSync(join(ROOT, 'fixtures')).filter((f) => /\.(pcap|pcapng)$/.test(f)),
  ...readdirSync(join(ROOT, 'fixtures/lossy')).map((f) => `lossy/${f}`),
  ...readdirSync(join(ROOT, 'fixtures/derived')).map((f) => `derived/${f}`),
].sort();

/** Signed distance a - b in sequence space (RFC 9293 §3.4: modulo 2^32). */
const seqDiff = (a: number, b: number): number => (a - b) | 0;

interface DirModel {
  frames: TFrame[];
  /** RCV.NXT once the first payload was seen. */
  nxt: number | undefined;
  /** Highest sequence number + 1 seen (the stream followed without holding, when nobody reads). */
  maxEnd: number | undefined;
  /** Segments queued beyond RCV.NXT: [start, end) as sequence numbers. */
  queue: [number, number, number][];
  missing: number;
  /** Bytes handed to the reader. */
  delivered: number;
}

interface Expected {
  stream: number;
  endpoints: [{ ip: string; port: number }, { ip: string; port: number }];
  first: number;
  last: number;
  packets: number;
  bytes: number;
  baseSeq: [number | undefined, number | undefined];
  synSeen: [boolean, boolean];
  syns: number[];
  synAcks: number[];
  fin: [number | undefined, number | undefined];
  rst: [number | undefined, number | undefined];
  mss: [number | undefined, number | undefined];
  clientDir: 0 | 1 | -1;
  clientEvidence: 'syn' | 'syn-ack' | null;
  handshakeAck: number | undefined;
  ackSnapshot: { packets: number; bytes: number } | undefined;
  firstPayload: [number | undefined, number | undefined];
  payloadBytes: [number, number];
  retransmissions: number;
  outOfOrder: number;
  lastPayloadBeforeTeardown: number | undefined;
  closed: boolean;
  teardownStarted: boolean;
  initialRtt: number | undefined;
  missingBytes: number;
  /** Gaps given to the reader: [direction, bytes, frame being read (0: the end of the capture)]. */
  gapEvents: [number, number, number][];
  /** Bytes delivered per direction (read). */
  delivered: [number, number];
  /**
   * Stamps of bytes held ahead of a hole and delivered when it was given up (the latest frame so far
   * in each run after it): the connection's packets and bytes at that frame. Bytes delivered when a
   * late segment fills the hole take that segment's frame and the counters of now (none here).
   */
  heldCounters: Map<number, { packets: number; bytes: number }>;
  /** oneSided(0), oneSided(1). */
  oneSided: [string | null, string | null];
  /** Per frame: [dir, retransmission, out of order]. */
  perFrame: Map<number, [0 | 1, boolean, boolean]>;
}

/**
 * The reference model of one tcp.stream. Receive side (RFC 9293 §3.10.7.4): a segment whose
 * last byte is below RCV.NXT is old (a retransmission); one starting beyond RCV.NXT is queued
 * (out of order: ahead of a hole); otherwise its new bytes move RCV.NXT, and queued segments
 * it reaches follow. A direction's first data byte is where tshark's relative sequence number 1
 * is (tcp.seq_raw - tcp.seq + 1: the ISN + 1 after a SYN; after a peer's SYN and ACK without a
 * captured SYN-ACK, the peer's first ACK number, README "Where the start of a direction was not
 * captured"). With no SYN captured either way, the first segment with payload (README: "both tools
 * take each direction's first captured segment as its start"; tshark takes the first segment even when
 * it is empty: in lossy/midstream-mirror-tls13.pcap the server's empty ACKs sit one byte before its
 * first data, a byte tshark counts as not captured). When nobody reads (`read` false) nothing is queued: RCV.NXT follows the highest
 * byte seen. Once FIN went both ways or a RST came, queued holes are given up (missing bytes) when
 * someone reads; at the end of the capture too.
 */
function model(frames: TFrame[], reads: boolean | [boolean, boolean], endFrame = 0, presetClient?: 0 | 1): Expected {
  const f0 = frames[0]!;
  const a = { ip: f0.src, port: f0.sport };
  const dirOf = (f: TFrame): 0 | 1 => (f.src === a.ip && f.sport === a.port ? 0 : 1);
  const d: [DirModel, DirModel] = [0, 1].map(() => ({ frames: [], nxt: undefined, maxEnd: undefined, queue: [], missing: 0, delivered: 0 })) as unknown as [DirModel, DirModel];
  const e: Expected = {
    stream: f0.stream,
    endpoints: [a, { ip: f0.dst, port: f0.dport }],
    first: f0.frame,
    last: frames[frames.length - 1]!.frame,
    packets: frames.length,
    bytes: frames.reduce((s, f) => s + f.len, 0),
    baseSeq: [undefined, undefined],
    synSeen: [false, false],
    syns: [],
    synAcks: [],
    fin: [undefined, undefined],
    rst: [undefined, undefined],
    mss: [undefined, undefined],
    clientDir: -1,
    clientEvidence: null,
    handshakeAck: undefined,
    ackSnapshot: undefined,
    firstPayload: [undefined, undefined],
    payloadBytes: [0, 0],
    retransmissions: 0,
    outOfOrder: 0,
    lastPayloadBeforeTeardown: undefined,
    closed: false,
    teardownStarted: false,
    initialRtt: frames.find((f) => f.initialRtt !== undefined)?.initialRtt,
    missingBytes: 0,
    gapEvents: [],
    delivered: [0, 0],
    heldCounters: new Map(),
    oneSided: [null, null],
    perFrame: new Map(),
  };
  const readDir: [boolean, boolean] = typeof reads === 'boolean' ? [reads, reads] : reads;
  if (presetClient !== undefined) [e.clientDir, e.clientEvidence] = [presetClient, 'tls' as Expected['clientEvidence']];
  let synAckSeq: number | undefined;
  let anySyn = false;
  const heldAt = new Map<number, { packets: number; bytes: number }>();
  let lastPayload: number | undefined;
  let packets = 0;
  let bytes = 0;
  const giveUp = (m: DirModel, frame: number) => {
    m.queue.sort((x, y) => seqDiff(x[0], y[0]) || x[2] - y[2]);
    let latest = 0;
    for (const [s, en, fr] of m.queue) {
      if (seqDiff(s, m.nxt!) > 0) {
        latest = 0;
        m.missing += seqDiff(s, m.nxt!);
        e.gapEvents.push([d.indexOf(m), seqDiff(s, m.nxt!), frame]);
        m.nxt = s;
      }
      if (seqDiff(en, m.nxt!) > 0) {
        // Each run after a given-up hole is stamped with the latest frame so far in it, counted as of that frame.
        latest = Math.max(latest, fr);
        e.heldCounters.set(latest, heldAt.get(latest)!);
        m.delivered += seqDiff(en, m.nxt!);
        m.nxt = en;
      }
    }
    m.queue = [];
  };
  for (const f of frames) {
    const dir = dirOf(f);
    const m = d[dir];
    packets++;
    bytes += f.len;
    const syn = (f.flags & SYN) !== 0;
    if (syn) anySyn = true;
    if (m.frames.length === 0) e.baseSeq[dir] = f.seq;
    m.frames.push(f);
    if (syn) {
      if (!e.synSeen[dir]) e.baseSeq[dir] = f.seq;
      e.synSeen[dir] = true;
      if (e.mss[dir] === undefined) e.mss[dir] = f.mss;
      if (f.flags & ACK) {
        e.synAcks.push(f.frame);
        synAckSeq ??= f.seq;
        // The handshake outranks a guess from TLS (a ClientHello's sender, set by the reader).
        if (e.clientDir === -1 || e.clientEvidence === ('tls' as Expected['clientEvidence'])) [e.clientDir, e.clientEvidence] = [dir === 0 ? 1 : 0, 'syn-ack'];
      } else {
        e.syns.push(f.frame);
        if (e.clientEvidence !== 'syn') [e.clientDir, e.clientEvidence] = [dir, 'syn'];
      }
    }
    // RFC 9293 §3.5: the client's ACK of the SYN-ACK (ISN + 1), carrying nothing else, completes the handshake.
    if (
      e.handshakeAck === undefined && synAckSeq !== undefined && dir === e.clientDir &&
      (f.flags & (SYN | FIN | RST | ACK)) === ACK && f.tcpLen === 0 && f.ack === ((synAckSeq + 1) >>> 0)
    ) {
      e.handshakeAck = f.frame;
      e.ackSnapshot = { packets, bytes };
    }
    let retr = false;
    let ooo = false;
    const read = readDir[dir];
    if (f.tcpLen > 0) {
      const seq = syn ? (f.seq + 1) >>> 0 : f.seq;
      const end = (seq + f.tcpLen) >>> 0;
      if (m.nxt === undefined) {
        // With a SYN captured either way, tshark's base (relative sequence number 1); with none, the
        // first segment with payload (tshark: the first segment, even an empty one; see below).
        m.nxt = anySyn ? (f.seq - f.relSeq + 1) >>> 0 : seq;
        m.maxEnd = m.nxt;
      }
      if (!read) {
        if (seqDiff(seq, m.maxEnd!) > 0) ooo = true;
        else if (seqDiff(end, m.maxEnd!) <= 0) retr = true;
        if (seqDiff(end, m.maxEnd!) > 0) m.maxEnd = end;
      } else if (seqDiff(seq, m.nxt) > 0) {
        ooo = true;
        m.queue.push([seq, end, f.frame]);
        heldAt.set(f.frame, { packets, bytes });
      } else if (seqDiff(end, m.nxt) <= 0) retr = true;
      else {
        m.delivered += seqDiff(end, m.nxt);
        m.nxt = end;
        for (let moved = true; moved; ) {
          moved = false;
          for (const q of m.queue) {
            if (seqDiff(q[0], m.nxt) <= 0) {
              if (seqDiff(q[1], m.nxt) > 0) {
                m.delivered += seqDiff(q[1], m.nxt);
                m.nxt = q[1];
              }
              m.queue.splice(m.queue.indexOf(q), 1);
              moved = true;
              break;
            }
          }
        }
      }
      if (retr) e.retransmissions++;
      else {
        if (ooo) e.outOfOrder++;
        e.firstPayload[dir] ??= f.frame;
        e.payloadBytes[dir] += f.tcpLen;
        lastPayload = f.frame;
      }
    }
    if (f.flags & (FIN | RST)) {
      if (!e.teardownStarted) e.lastPayloadBeforeTeardown = lastPayload;
      e.teardownStarted = true;
      if (f.flags & FIN) e.fin[dir] ??= f.frame;
      if (f.flags & RST) e.rst[dir] ??= f.frame;
    }
    e.closed = (e.fin[0] !== undefined && e.fin[1] !== undefined) || e.rst[0] !== undefined || e.rst[1] !== undefined;
    if (e.closed) for (const x of d) if (x.nxt !== undefined && readDir[d.indexOf(x)]) giveUp(x, f.frame);
    e.perFrame.set(f.frame, [dir, retr, ooo]);
  }
  for (const x of d) if (x.nxt !== undefined && readDir[d.indexOf(x)]) giveUp(x, endFrame);
  e.missingBytes = d[0].missing + d[1].missing;
  e.delivered = [d[0].delivered, d[1].delivered];
  // One direction captured although both spoke (connection.ts oneSided): the server's packets alone
  // answer a client; the client's alone, when one of them has the ACK flag (it acknowledged something).
  for (const client of [0, 1] as const) {
    const only = d[0].frames.length > 0 && d[1].frames.length === 0 ? 0 : d[1].frames.length > 0 && d[0].frames.length === 0 ? 1 : -1;
    e.oneSided[client] = only === -1 ? null : only !== client ? 'server-only' : d[only].frames.some((f) => f.flags & ACK) ? 'client-only' : null;
  }
  return e;
}


function ours(c: TcpConnection) {
  const frame = (s: { frame: number } | undefined) => s?.frame;
  return {
    stream: c.id,
    endpoints: c.endpoints,
    first: c.firstStamp.frame,
    last: c.lastStamp.frame,
    packets: c.packets,
    bytes: c.bytes,
    baseSeq: c.baseSeq,
    synSeen: c.synSeen,
    syns: c.syns.map((s) => s.frame),
    synAcks: c.synAcks.map((s) => s.frame),
    fin: c.fin.map(frame),
    rst: c.rst.map(frame),
    mss: c.mss,
    clientDir: c.clientDir,
    clientEvidence: c.clientEvidence,
    handshakeAck: frame(c.handshakeAck),
    ackSnapshot: c.ackSnapshot,
    firstPayload: c.firstPayload.map(frame),
    payloadBytes: c.payloadBytes,
    retransmissions: c.retransmissions,
    outOfOrder: c.outOfOrder,
    lastPayloadBeforeTeardown: frame(c.lastPayloadBeforeTeardown),
    closed: c.closed,
    teardownStarted: c.teardownStarted,
    initialRtt: c.initialRttSyn && c.initialRttAt ? msBetween(c.initialRttSyn, c.initialRttAt) / 1000 : undefined,
    missingBytes: c.missingBytes,
    oneSided: [c.oneSided(0), c.oneSided(1)],
  };
}

function byStream(frames: TFrame[]): TFrame[][] {
  const m = new Map<number, TFrame[]>();
  for (const f of frames) {
    if (!m.has(f.stream)) m.set(f.stream, []);
    m.get(f.stream)!.push(f);
  }
  return [...m.keys()].sort((x, y) => x - y).map((k) => m.get(k)!);
}

/** The frame where a stream ends for its reader: the first frame of the next stream on its 4-tuple (port reuse), else the end (0). */
function endFrame(frames: TFrame[], stream: TFrame[]): number {
  const f0 = stream[0]!;
  const tuple = (f: TFrame) => [`${f.src}|${f.sport}`, `${f.dst}|${f.dport}`].sort().join('>');
  return frames.find((f) => f.stream > f0.stream && f.frame > f0.frame && tuple(f) === tuple(f0))?.frame ?? 0;
}

function compare(run: Run, frames: TFrame[], read: boolean | [boolean, boolean], presetClient?: 0 | 1): void {
  const models = byStream(frames).map((s) => model(s, read, endFrame(frames, s), presetClient));
  expect(run.finals.map((c) => c.id)).toEqual(models.map((m) => m.stream));
  run.finals.forEach((c, i) => {
    const { perFrame, initialRtt, gapEvents, delivered, heldCounters, ...want } = models[i]!;
    const { initialRtt: rtt, ...got } = ours(c);
    expect(got).toEqual(want);
    expect(run.gapEvents.filter((g) => g[0] === c.id).map((g) => g.slice(1))).toEqual(gapEvents);
    const mine = run.deliveries.filter((x) => x[0] === c.id);
    expect([0, 1].map((dir) => mine.filter((x) => x[1] === dir).reduce((s, x) => s + x[2], 0))).toEqual(delivered);
    // Held bytes read late are counted as of their own frame (countersAt), the others as of now.
    const counted = new Map(mine.filter((x) => x[4] !== undefined).map((x) => [x[3], x[4]]));
    expect(counted).toEqual(heldCounters);
    // tshark shows no tcp.analysis.initial_rtt when it is 0 (two frames with the same time).
    if (initialRtt === undefined) expect(rtt === undefined || rtt === 0).toBe(true);
    else expect(Math.abs(rtt! - initialRtt)).toBeLessThan(2e-9);
    // Each frame went to this connection, in tshark's direction, classified as the model says.
    const segs = run.seen.filter((s) => s.id === c.id).map((s) => [s.frame, s.dir, s.retransmission, s.outOfOrder]);
    expect(segs).toEqual([...perFrame].map(([fr, v]) => [fr, ...v]));
  });
  expect(run.seen.length).toBe(frames.length);
}

describe.each(CAPTURES)('%s', (name) => {
  let frames: TFrame[];
  beforeAll(() => {
    frames = tsharkFrames(fixture(name));
  });

  test('read (a consumer wants both directions): every connection and frame as the reference says', async () => {
    compare(await runTracker(fixture(name), {}, true), frames, true);
  });

  test('not read: the same, with RCV.NXT following the highest byte seen', async () => {
    compare(await runTracker(fixture(name)), frames, false);
  });

  test('only direction 0 read, each connection first guessed (as TLS would) to have its client on side 1', async () => {
    compare(await runTracker(fixture(name), {}, [true, false], (c) => c.setClient(1, 'tls')), frames, [true, false], 1);
  });
});

/**
 * The model's classification against tshark's own tcp.analysis flags on the same frames: a
 * segment with payload the model calls old is one tshark flags retransmission (fast or spurious
 * included), and the other way round, except where a late segment fills a hole: RFC 9293 takes
 * it in order (RCV.NXT is at the hole), tshark flags it as a retransmission (it had seen higher
 * sequence numbers) or as out of order (when it came within an RTT). Not read, RCV.NXT already
 * followed the highest byte, so the filler is old to the model too.
 */
describe('the reference model against tshark\'s tcp.analysis flags', () => {
  const differ = (read: boolean): string[] =>
    CAPTURES.flatMap((name) => {
      const frames = tsharkFrames(fixture(name));
      const models = byStream(frames).map((s) => model(s, read));
      return frames
        .filter((f) => f.tcpLen > 0)
        .filter((f) => {
          const [, old] = models.find((m) => m.stream === f.stream)!.perFrame.get(f.frame)!;
          return old !== (f.retransmission || f.fastRetransmission || f.spurious);
        })
        .map((f) => `${name}#${f.frame}${f.outOfOrder ? ' (tshark: out of order)' : ''}`);
    });

  test('read: only hole fillers differ', () => {
    expect(differ(true)).toEqual(['lossy/lossy-2pct-tls.pcap#76', 'lossy/lossy-2pct-tls.pcap#78']);
  });

  test('not read: only fillers tshark calls out of order differ', () => {
    expect(differ(false)).toEqual([
      'lossy/lossy-2pct-tls.pcap#22 (tshark: out of order)',
      'ns-tls12-lossy-cert-flight.pcap#12 (tshark: out of order)',
      'zeek-tls13-hello-retry-request.pcap#11 (tshark: out of order)',
    ]);
  });
});

/**
 * The findings' facts each connection collects (connection.ts collect(), facts()) against the
 * same FactsCollector fed with tshark's fields of the same segments (test/findings/tshark-facts.ts:
 * flags, tcp.len, window, tcp.analysis.retransmission, TLS close alerts), once with the client
 * tshark's golden says and once with the sides the other way round (facts() swaps them).
 */
describe('facts against tshark\'s segments, both ways round', () => {
  const OPTIONS: Record<string, string[]> = JSON.parse(readFileSync(join(ROOT, 'test/golden/options.json'), 'utf8'));
  const withGolden = CAPTURES.filter((n) => existsSync(join(ROOT, 'test/golden', n, 'streams.json')));
  // tshark flags these hole fillers as retransmissions, RFC 9293 takes them in order (see above).
  const SKIP = new Set([
    'lossy/lossy-2pct-tls.pcap',
    // Without the server's ServerHello tshark reads the client's 24-byte TLS 1.3 alert as content type 23,
    // not as opaque type 23, so the helper's close-alert rule (closeAlertOnly) does not see it.
    'ns-tls13-mtu1500-cert-chain-client-only.pcap',
    'ndpi-pcapng-dsb-sll-quic-notcp.pcapng', // no TCP
  ]);

  test.each(withGolden.filter((n) => !SKIP.has(n)))('%s', async (name) => {
    const golden = join(ROOT, 'test/golden', name, 'streams.json');
    const gold: { stream: number; client: { ip: string; port: number }; server: { ip: string; port: number } }[] = JSON.parse(readFileSync(golden, 'utf8'));
    const swapped = join(tmpdir(), `handshake-lens-swapped-${process.pid}-${name.replace(/\//g, '_')}.json`);
    writeFileSync(swapped, JSON.stringify(gold.map((g) => ({ ...g, client: g.server, server: g.client }))));
    const want = tsharkFacts(fixture(name), golden, OPTIONS[name] ?? []);
    let wantSwapped: ReturnType<typeof tsharkFacts>;
    try {
      wantSwapped = tsharkFacts(fixture(name), swapped, OPTIONS[name] ?? []);
    } finally {
      rmSync(swapped, { force: true });
    }
    const run = await runTracker(fixture(name), {}, true);
    let n = 0;
    for (const c of run.finals) {
      const g = gold.find((x) => x.stream === c.id);
      if (!g || !want.has(c.id)) continue;
      const dir = c.endpoints[0].ip === g.client.ip && c.endpoints[0].port === g.client.port ? 0 : 1;
      expect({ id: c.id, facts: c.facts(dir) }).toEqual({ id: c.id, facts: want.get(c.id) });
      // Sides decided the other way after the segments came: turns (client burst -> server burst) are not
      // recoverable and are dropped (facts.ts swapSides); everything else is tshark's with the sides swapped.
      const other = { ...wantSwapped.get(c.id)!, turns: [], slowestLaterTurn: null, turnCount: 0 };
      expect({ id: c.id, facts: c.facts(dir === 0 ? 1 : 0) }).toEqual({ id: c.id, facts: other });
      n++;
    }
    expect(n).toBeGreaterThan(0);
  });
});

/**
 * Corners no fixture has, in captures written here (pcap-writer.ts) and dissected by tshark: the
 * same reference, from tshark's fields of these bytes.
 */
describe('synthetic corners', () => {
  const c = { src: '10.1.0.1', sport: 4000, dst: '10.2.0.2', dport: 443 };
  const s = { src: '10.2.0.2', sport: 443, dst: '10.1.0.1', dport: 4000 };
  const CORNERS: [string, Seg[]][] = [
    ['SYN and SYN-ACK each retransmitted with another MSS: the first one counts', [
      { t: 1, ...c, flags: SYN, seq: 100, mss: 1460 },
      { t: 2, ...c, flags: SYN, seq: 100, mss: 1200 },
      { t: 2.1, ...s, flags: SYN | ACK, seq: 9000, ack: 101, mss: 1400 },
      { t: 2.2, ...s, flags: SYN | ACK, seq: 9000, ack: 101, mss: 1300 },
      { t: 2.3, ...c, flags: ACK, seq: 101, ack: 9001 },
    ]],
    ['an ACK at the SYN\'s time: the initial RTT is taken again at the next ACK', [
      { t: 1, ...c, flags: SYN, seq: 100 },
      { t: 1, ...s, flags: SYN | ACK, seq: 9000, ack: 101 },
      { t: 1, ...c, flags: ACK, seq: 101, ack: 9001 },
      { t: 1.25, ...c, flags: ACK | 0x08, seq: 101, ack: 9001, len: 7 },
    ]],
    ['an ACK of 0 before any SYN-ACK completes nothing', [
      { t: 1, ...c, flags: SYN, seq: 100 },
      { t: 1.1, ...c, flags: ACK, seq: 101, ack: 0 },
    ]],
    ['the server acknowledging its own SYN-ACK does not complete the handshake; the client does', [
      { t: 1, ...c, flags: SYN, seq: 100 },
      { t: 1.1, ...s, flags: SYN | ACK, seq: 9000, ack: 101 },
      { t: 1.2, ...s, flags: ACK, seq: 9001, ack: 9001 },
      { t: 1.3, ...c, flags: ACK, seq: 101, ack: 9001 },
    ]],
    ['a FIN+ACK of the SYN-ACK is not the handshake\'s ACK', [
      { t: 1, ...c, flags: SYN, seq: 100 },
      { t: 1.1, ...s, flags: SYN | ACK, seq: 9000, ack: 101 },
      { t: 1.2, ...c, flags: FIN | ACK, seq: 101, ack: 9001 },
      { t: 1.3, ...s, flags: FIN | ACK, seq: 9001, ack: 102 },
      { t: 1.4, ...c, flags: ACK, seq: 102, ack: 9002 },
    ]],
    ['two SYN-ACKs with different ISNs: the first one is acknowledged by the handshake', [
      { t: 1, ...c, flags: SYN, seq: 100 },
      { t: 1.1, ...s, flags: SYN | ACK, seq: 9000, ack: 101 },
      { t: 1.2, ...s, flags: SYN | ACK, seq: 9500, ack: 101 },
      { t: 1.3, ...c, flags: ACK, seq: 101, ack: 9501 },
      { t: 1.4, ...c, flags: ACK, seq: 101, ack: 9001 },
    ]],
    ['simultaneous open: the first SYN\'s sender stays the client', [
      { t: 1, ...c, flags: SYN, seq: 100 },
      { t: 1.1, ...s, flags: SYN, seq: 9000 },
      { t: 1.2, ...c, flags: SYN | ACK, seq: 100, ack: 9001 },
    ]],
    ['data on the SYN (TCP Fast Open) starts at ISN + 1', [
      { t: 1, ...c, flags: SYN, seq: 100, len: 10 },
      { t: 1.1, ...s, flags: SYN | ACK, seq: 9000, ack: 111 },
      { t: 1.2, ...c, flags: ACK | 0x08, seq: 111, ack: 9001, len: 5 },
    ]],
    ['SYN-ACK not captured, the server\'s first segment lost: its stream starts at the client\'s first ACK number', [
      { t: 1, ...c, flags: SYN, seq: 100 },
      { t: 1.1, ...c, flags: ACK, seq: 101, ack: 9001 },
      { t: 1.2, ...c, flags: ACK, seq: 101, ack: 10449 },
      { t: 1.3, ...s, flags: ACK | 0x08, seq: 10449, ack: 101, len: 100 },
    ]],
    ['SYN not captured, the client\'s first segment lost: the SYN-ACK\'s ACK number starts its stream', [
      { t: 1, ...s, flags: SYN | ACK, seq: 9000, ack: 101 },
      { t: 1.1, ...c, flags: ACK, seq: 101, ack: 9001 },
      { t: 1.2, ...c, flags: ACK | 0x08, seq: 111, ack: 9001, len: 10 },
    ]],
    ['the client\'s ACK first, then the SYN-ACK, the client\'s first data lost: its stream starts at the SYN-ACK\'s ACK number', [
      { t: 1, ...c, flags: ACK, seq: 101, ack: 9001 },
      { t: 1.1, ...s, flags: SYN | ACK, seq: 9000, ack: 101 },
      { t: 1.2, ...c, flags: ACK | 0x08, seq: 111, ack: 9001, len: 10 },
    ]],
    ['no SYN either way: an ACK number does not start the peer\'s stream; its first data does', [
      { t: 1, ...c, flags: ACK, seq: 101, ack: 9001 },
      { t: 1.1, ...s, flags: ACK | 0x08, seq: 9101, ack: 101, len: 100 },
      { t: 1.2, ...s, flags: ACK | 0x08, seq: 9201, ack: 101, len: 100 },
    ]],
    ['no SYN: an empty segment before the first data does not start the stream', [
      { t: 1, ...c, flags: ACK, seq: 101, ack: 9001 },
      { t: 1.1, ...c, flags: ACK | 0x08, seq: 106, ack: 9001, len: 20 },
    ]],
    ['the first ACK, then the SYN late: the SYN fixes the ISN and the stream start', [
      { t: 1, ...c, flags: ACK, seq: 101, ack: 9001 },
      { t: 1.1, ...c, flags: SYN, seq: 100 },
      { t: 1.2, ...c, flags: ACK | 0x08, seq: 101, ack: 9001, len: 20 },
    ]],
    ['a hole never filled, no close: given up at the end of the capture', [
      { t: 1, ...c, flags: SYN, seq: 100 },
      { t: 1.1, ...s, flags: SYN | ACK, seq: 9000, ack: 101 },
      { t: 1.2, ...c, flags: ACK, seq: 101, ack: 9001 },
      { t: 1.3, ...s, flags: ACK | 0x08, seq: 9001, ack: 101, len: 10 },
      { t: 1.4, ...s, flags: ACK | 0x08, seq: 9021, ack: 101, len: 10 },
      { t: 1.5, ...c, flags: ACK | 0x08, seq: 101, ack: 9011, len: 10 },
      { t: 1.6, ...c, flags: ACK | 0x08, seq: 121, ack: 9011, len: 10 },
    ]],
  ];

  describe.each(CORNERS)('%s', (_name, segs) => {
    let file: string;
    let frames: TFrame[];
    beforeAll(() => {
      file = writePcap(segs);
      frames = tsharkFrames(file);
    });
    test('read', async () => compare(await runTracker(file, {}, true), frames, true));
    test('not read', async () => compare(await runTracker(file), frames, false));
  });
});
