/**
 * FactsCollector, swapSides and isCloseAlertPayload against references that are not our own output.
 *
 * Real captures: every TCP segment tshark lists is fed to a FactsCollector per tcp.stream (client =
 * sender of the stream's SYN without ACK), and each fact is compared with what tshark says about the
 * same frames: the zero window from tshark's own tcp.analysis.zero_window flag (window 0, no
 * SYN/FIN/RST), FIN and RST from tcp.flags, payload from tcp.len without tcp.analysis.retransmission,
 * closing alerts from tshark's TLS record fields; bursts and turns from a model written here over
 * that list of payload segments (a burst: consecutive payload segments of one side; a turn: a client
 * burst followed by a server burst).
 *
 * Hand-built segments check boundaries the captures do not reach (ties, copies, the 8-turn limit),
 * and record bytes check the TLS rule (RFC 8446 5.1/5.2: type, legacy version 0x03xx, 16-bit length).
 */
import { join } from 'node:path';
import {
  emptyFacts,
  FactsCollector,
  isCloseAlertPayload,
  MAX_TURNS,
  swapSides,
  type Burst,
  type ConnectionFacts,
  type FrameTime,
  type SegmentFact,
  type Turn,
} from '../../src/tcp/facts.js';
import type { Side } from '../../src/base/stamp.js';
import { closeAlertOnly, tsharkOutput } from '../findings/tshark-facts.js';

const ROOT = join(import.meta.dirname ?? __dirname, '../..');

describe('against tshark on real captures', () => {
  interface Row {
    frame: number;
    time: number;
    stream: number;
    src: string;
    syn: boolean;
    ack: boolean;
    fin: boolean;
    rst: boolean;
    len: number;
    window: number;
    retransmission: boolean;
    zeroWindow: boolean;
    closeAlertTshark: boolean;
    payload: Buffer;
  }

  const list = (v: string | undefined): string[] => (v ? v.split(',').filter((x) => x !== '') : []);

  function rows(capture: string): Row[] {
    const fields = [
      'frame.number', 'frame.time_epoch', 'tcp.stream', 'ip.src', 'ipv6.src', 'tcp.srcport', 'tcp.flags', 'tcp.len',
      'tcp.window_size_value', 'tcp.analysis.retransmission', 'tcp.analysis.zero_window',
      'tls.record.content_type', 'tls.record.opaque_type', 'tls.record.length', 'tcp.payload',
    ];
    const args = [
      '-o', 'tcp.desegment_tcp_streams:TRUE', '-o', 'tls.desegment_ssl_records:TRUE', '-o', 'tcp.reassemble_out_of_order:TRUE',
      '-Y', 'tcp', '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=a', '-E', 'aggregator=,',
    ];
    for (const f of fields) args.push('-e', f);
    const r = tsharkOutput(capture, args);
    expect(r.status).toBe(0);
    return r.stdout
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => {
        const c = l.split('\t');
        const flags = Number(list(c[6])[0]);
        const len = Number(list(c[7])[0] ?? 0);
        return {
          frame: Number(c[0]),
          time: Number(c[1]),
          stream: Number(list(c[2])[0]),
          src: `${list(c[3])[0] ?? list(c[4])[0]}:${list(c[5])[0]}`,
          syn: (flags & 0x02) !== 0,
          ack: (flags & 0x10) !== 0,
          fin: (flags & 0x01) !== 0,
          rst: (flags & 0x04) !== 0,
          len,
          window: Number(list(c[8])[0] ?? 1),
          retransmission: (c[9] ?? '') !== '',
          zeroWindow: (c[10] ?? '') !== '',
          closeAlertTshark: closeAlertOnly(len, list(c[11]), list(c[12]), list(c[13])),
          payload: Buffer.from(list(c[14])[0] ?? '', 'hex'),
        };
      });
  }

  /** The facts of one stream from tshark's rows, by the definitions in facts.ts, computed here. */
  function expected(rs: Row[], clientSrc: string): ConnectionFacts {
    const side = (r: Row): Side => (r.src === clientSrc ? 'client' : 'server');
    const ft = (r: Row | undefined): FrameTime | null => (r ? { frame: r.frame, time: r.time } : null);
    const first = (s: Side, p: (r: Row) => boolean) => ft(rs.find((r) => side(r) === s && p(r)));
    const isPayload = (r: Row) => r.len > 0 && !r.syn && !r.retransmission && !r.closeAlertTshark;
    const fin = { client: first('client', (r) => r.fin), server: first('server', (r) => r.fin) };
    const closeAt = rs.find((r) => r.fin || r.rst)?.frame;
    const payloads = rs.filter(isPayload);
    const bursts = (segs: Row[]): Burst[] => {
      const out: Burst[] = [];
      for (const r of segs) {
        const b = out.at(-1);
        if (b && b.from === side(r)) {
          b.last = { frame: r.frame, time: r.time };
          b.bytes += r.len;
        } else out.push({ from: side(r), first: { frame: r.frame, time: r.time }, last: { frame: r.frame, time: r.time }, bytes: r.len });
      }
      return out;
    };
    const all = bursts(payloads);
    const turns: Turn[] = [];
    for (let i = 0; i + 1 < all.length; i++) {
      if (all[i]!.from === 'client' && all[i + 1]!.from === 'server') turns.push({ request: all[i]!, response: all[i + 1]!.first });
    }
    let slowest: Turn | null = null;
    for (const t of turns.slice(MAX_TURNS)) {
      const w = (x: Turn) => x.response.time - x.request.last.time;
      if (slowest === null || w(t) > w(slowest)) slowest = t;
    }
    const afterFin = (s: Side) => {
      const peer = fin[s === 'client' ? 'server' : 'client'];
      return first(s, (r) => isPayload(r) && peer !== null && r.frame > peer.frame);
    };
    return {
      zeroWindow: { client: first('client', (r) => r.zeroWindow), server: first('server', (r) => r.zeroWindow) },
      fin,
      rst: { client: first('client', (r) => r.rst), server: first('server', (r) => r.rst) },
      firstPayload: { client: first('client', isPayload), server: first('server', isPayload) },
      closeAlert: {
        client: first('client', (r) => r.len > 0 && !r.syn && r.closeAlertTshark),
        server: first('server', (r) => r.len > 0 && !r.syn && r.closeAlertTshark),
      },
      payloadAfterPeerFin: { client: afterFin('client'), server: afterFin('server') },
      lastBurstBeforeClose: closeAt === undefined ? null : (bursts(payloads.filter((r) => r.frame <= closeAt)).at(-1) ?? null),
      lastBurst: all.at(-1) ?? null,
      turns: turns.slice(0, MAX_TURNS),
      slowestLaterTurn: slowest,
      turnCount: turns.length,
    };
  }

  const CAPTURES = [
    'findings/h-zero-window.pcap',
    'findings/k-normal-closes.pcap',
    'findings/i-nginx-idle-close-stale-reuse.pcap',
    'findings/b-accept-overflow-abort.pcap',
    'findings/e-response-timeout.pcap',
    'findings/j-tls-handshake-alerts.pcap',
    'lossy/lossy-2pct-tls.pcap',
    'lo-http-keepalive-3req.pcap',
    'pool-rate-200req-keepalive.pcap',
    'zeek-http-pipelined-keepalive.pcap',
  ];

  const seen = { zeroWindow: 0, fin: 0, rst: 0, closeAlert: 0, afterFin: 0, slowest: 0, closes: 0 };
  for (const name of CAPTURES) {
    test(`${name}: every stream's facts are tshark's`, () => {
      const all = rows(join(ROOT, 'fixtures', name));
      const streams = [...new Set(all.map((r) => r.stream))];
      let compared = 0;
      for (const id of streams) {
        const rs = all.filter((r) => r.stream === id);
        const syn = rs.find((r) => r.syn && !r.ack);
        if (!syn) continue;
        const col = new FactsCollector();
        for (const r of rs) {
          const s: SegmentFact = {
            frame: r.frame,
            time: r.time,
            from: r.src === syn.src ? 'client' : 'server',
            syn: r.syn,
            fin: r.fin,
            rst: r.rst,
            payload: r.len,
            window: r.window,
            retransmission: r.retransmission,
            closeAlert: isCloseAlertPayload(r.payload), // from the bytes, as the TCP stage does
          };
          col.segment(s);
        }
        const want = expected(rs, syn.src);
        expect({ stream: id, ...col.facts() }).toEqual({ stream: id, ...want });
        compared++;
        if (want.zeroWindow.client || want.zeroWindow.server) seen.zeroWindow++;
        if (want.fin.client || want.fin.server) seen.fin++;
        if (want.rst.client || want.rst.server) seen.rst++;
        if (want.closeAlert.client || want.closeAlert.server) seen.closeAlert++;
        if (want.payloadAfterPeerFin.client || want.payloadAfterPeerFin.server) seen.afterFin++;
        if (want.slowestLaterTurn) seen.slowest++;
        if (want.lastBurstBeforeClose) seen.closes++;
      }
      expect(compared).toBeGreaterThan(0);
    });
  }

  test('the captures reach every kind of fact', () => {
    for (const [k, n] of Object.entries(seen)) expect({ k, reached: n > 0 }).toEqual({ k, reached: true });
  });

  test('closing alerts: the payload bytes rule agrees with tshark\'s records on every TCP payload', () => {
    let alerts = 0;
    let payloads = 0;
    for (const name of [...CAPTURES, 'lo-tls-alert-version-mismatch.pcap', 'zeek-tls12-handshake-failure-alert.pcap', 'lo-tls13-full.pcap']) {
      for (const r of rows(join(ROOT, 'fixtures', name))) {
        if (r.len === 0 || r.payload.length !== r.len) continue;
        expect({ name, frame: r.frame, alert: isCloseAlertPayload(r.payload) }).toEqual({ name, frame: r.frame, alert: r.closeAlertTshark });
        payloads++;
        if (r.closeAlertTshark) alerts++;
      }
    }
    expect(alerts).toBeGreaterThan(3);
    expect(payloads).toBeGreaterThan(100);
  });
});

describe('isCloseAlertPayload: one TLS record, by its header (RFC 8446 5.1, 5.2)', () => {
  const rec = (bytes: number[], body: number) => Uint8Array.from([...bytes, ...Array(body).fill(0xaa)]);
  test.each([
    ['a plaintext alert: type 21, 2-byte body', rec([0x15, 0x03, 0x03, 0x00, 0x02], 2), true],
    ['an alert record of a longer length filling the segment', rec([0x15, 0x03, 0x01, 0x00, 0x1a], 26), true],
    ['SSL 3.0 alert', rec([0x15, 0x03, 0x00, 0x00, 0x02], 2), true],
    ['an alert record with a byte after it', rec([0x15, 0x03, 0x03, 0x00, 0x02], 3), false],
    ['an alert record cut short', rec([0x15, 0x03, 0x03, 0x00, 0x02], 1), false],
    ['an alert record whose length high byte counts (0x0102)', rec([0x15, 0x03, 0x03, 0x01, 0x02], 2), false],
    ['length 0x0102 filling the segment', rec([0x15, 0x03, 0x03, 0x01, 0x02], 0x102), true],
    ['not version 3.x', rec([0x15, 0x02, 0x03, 0x00, 0x02], 2), false],
    ['TLS 1.3 encrypted alert: type 23, 0x0303, length 19, 24 bytes', rec([0x17, 0x03, 0x03, 0x00, 0x13], 19), true],
    ['type 23 with legacy version 0x0301', rec([0x17, 0x03, 0x01, 0x00, 0x13], 19), false],
    ['type 23 of length 20', rec([0x17, 0x03, 0x03, 0x00, 0x14], 20), false],
    ['type 23 of length 19 with a byte more', rec([0x17, 0x03, 0x03, 0x00, 0x13], 20), false],
    ['type 23 of length 0x0113', rec([0x17, 0x03, 0x03, 0x01, 0x13], 19), false],
    ['type 23 with a non-3 major version', rec([0x17, 0x04, 0x03, 0x00, 0x13], 19), false],
    ['handshake record (22)', rec([0x16, 0x03, 0x03, 0x00, 0x02], 2), false],
    ['a 24-byte handshake record of length 19: only type 23 is an encrypted alert', rec([0x16, 0x03, 0x03, 0x00, 0x13], 19), false],
    ['change cipher spec (20)', rec([0x14, 0x03, 0x03, 0x00, 0x01], 1), false],
    ['four bytes', Uint8Array.from([0x15, 0x03, 0x03, 0x00]), false],
    ['a header of length 0 alone', rec([0x15, 0x03, 0x03, 0x00, 0x00], 0), true],
    ['empty', new Uint8Array(0), false],
  ])('%s', (_what, bytes, want) => {
    expect(isCloseAlertPayload(bytes)).toBe(want);
  });
});

describe('FactsCollector on hand-built segments', () => {
  const base: SegmentFact = {
    frame: 0, time: 0, from: 'client', syn: false, fin: false, rst: false, payload: 0, window: 1000, retransmission: false, closeAlert: false,
  };
  const seg = (frame: number, from: Side, extra: Partial<SegmentFact> = {}): SegmentFact => ({ ...base, frame, time: frame / 10, from, ...extra });
  const ft = (frame: number): FrameTime => ({ frame, time: frame / 10 });

  test('a collector that saw nothing has the empty facts', () => {
    expect(new FactsCollector().facts()).toEqual(emptyFacts());
    expect(emptyFacts()).toEqual({
      zeroWindow: { client: null, server: null },
      fin: { client: null, server: null },
      rst: { client: null, server: null },
      firstPayload: { client: null, server: null },
      closeAlert: { client: null, server: null },
      payloadAfterPeerFin: { client: null, server: null },
      lastBurstBeforeClose: null,
      lastBurst: null,
      turns: [],
      slowestLaterTurn: null,
      turnCount: 0,
    });
  });

  test('zero window: only without SYN, FIN or RST (as tcp.analysis.zero_window), the first per side', () => {
    const c = new FactsCollector();
    c.segment(seg(1, 'server', { window: 0, syn: true }));
    c.segment(seg(2, 'client', { window: 0, fin: true }));
    c.segment(seg(3, 'client', { window: 0, rst: true }));
    c.segment(seg(4, 'server', { window: 1 }));
    expect(c.facts().zeroWindow).toEqual({ client: null, server: null });
    c.segment(seg(5, 'server', { window: 0 }));
    c.segment(seg(6, 'client', { window: 0 }));
    c.segment(seg(7, 'server', { window: 0 }));
    c.segment(seg(8, 'client', { window: 0 }));
    expect(c.facts().zeroWindow).toEqual({ client: ft(6), server: ft(5) });
  });

  test('FIN and RST: the first per side; the close is the first of either', () => {
    const c = new FactsCollector();
    c.segment(seg(1, 'client', { payload: 10 }));
    c.segment(seg(2, 'server', { rst: true }));
    c.segment(seg(3, 'client', { payload: 5 }));
    c.segment(seg(4, 'client', { fin: true }));
    c.segment(seg(5, 'server', { fin: true }));
    c.segment(seg(6, 'client', { rst: true }));
    c.segment(seg(7, 'server', { rst: true }));
    c.segment(seg(8, 'client', { fin: true }));
    const f = c.facts();
    expect(f.fin).toEqual({ client: ft(4), server: ft(5) });
    expect(f.rst).toEqual({ client: ft(6), server: ft(2) });
    // Only the client's first segment came before the close (the server's RST in frame 2).
    expect(f.lastBurstBeforeClose).toEqual({ from: 'client', first: ft(1), last: ft(1), bytes: 10 });
    expect(f.lastBurst).toEqual({ from: 'client', first: ft(1), last: ft(3), bytes: 15 });
  });

  test('payload in the FIN segment belongs to the burst before the close; a SYN\'s payload is not payload', () => {
    const c = new FactsCollector();
    c.segment(seg(1, 'client', { syn: true, payload: 100 }));
    expect(c.facts().firstPayload).toEqual({ client: null, server: null });
    c.segment(seg(2, 'client', { payload: 3 }));
    c.segment(seg(3, 'client', { payload: 4, fin: true }));
    const f = c.facts();
    expect(f.lastBurstBeforeClose).toEqual({ from: 'client', first: ft(2), last: ft(3), bytes: 7 });
    expect(f.firstPayload.client).toEqual(ft(2));
  });

  test('the burst before the close is a copy: payload after the close does not change it', () => {
    const c = new FactsCollector();
    c.segment(seg(1, 'server', { payload: 1 }));
    c.segment(seg(2, 'server', { fin: true }));
    c.segment(seg(3, 'server', { payload: 2 }));
    c.segment(seg(4, 'client', { payload: 4 }));
    const f = c.facts();
    expect(f.lastBurstBeforeClose).toEqual({ from: 'server', first: ft(1), last: ft(1), bytes: 1 });
    expect(f.lastBurst).toEqual({ from: 'client', first: ft(4), last: ft(4), bytes: 4 });
    expect(f.payloadAfterPeerFin).toEqual({ client: ft(4), server: null });
  });

  test('facts() returns copies: later segments do not change facts returned earlier', () => {
    const c = new FactsCollector();
    c.segment(seg(1, 'client', { payload: 1 }));
    c.segment(seg(2, 'server', { payload: 2 }));
    const f1 = c.facts();
    c.segment(seg(3, 'server', { payload: 3 }));
    c.segment(seg(4, 'client', { payload: 4 }));
    c.segment(seg(5, 'server', { payload: 5 }));
    expect(f1.lastBurst).toEqual({ from: 'server', first: ft(2), last: ft(2), bytes: 2 });
    expect(f1.turns).toHaveLength(1);
    expect(f1.turnCount).toBe(1);
    const f2 = c.facts();
    expect(f2.turns).toHaveLength(2);
    expect(f2.turns[0]).toEqual({ request: { from: 'client', first: ft(1), last: ft(1), bytes: 1 }, response: ft(2) });
    expect(f2.turns[1]).toEqual({ request: { from: 'client', first: ft(4), last: ft(4), bytes: 4 }, response: ft(5) });
  });

  test('retransmissions and closing alerts are not payload; a closing alert is recorded even when resent', () => {
    const c = new FactsCollector();
    c.segment(seg(1, 'client', { payload: 10, retransmission: true }));
    c.segment(seg(2, 'server', { payload: 24, closeAlert: true, retransmission: true }));
    c.segment(seg(3, 'server', { payload: 24, closeAlert: true }));
    expect(c.facts().firstPayload).toEqual({ client: null, server: null });
    expect(c.facts().lastBurst).toBeNull();
    expect(c.facts().closeAlert).toEqual({ client: null, server: ft(2) });
    c.segment(seg(4, 'client', { payload: 7, closeAlert: true }));
    c.segment(seg(5, 'client', { payload: 7 }));
    expect(c.facts().closeAlert).toEqual({ client: ft(4), server: ft(2) });
    expect(c.facts().firstPayload).toEqual({ client: ft(5), server: null });
  });

  test('payload after the peer\'s FIN: the first per side, only after the other side\'s FIN', () => {
    const c = new FactsCollector();
    c.segment(seg(1, 'client', { fin: true }));
    c.segment(seg(2, 'client', { payload: 1 })); // its own FIN does not count
    c.segment(seg(3, 'server', { payload: 1 }));
    c.segment(seg(4, 'server', { payload: 1 }));
    c.segment(seg(5, 'server', { fin: true }));
    c.segment(seg(6, 'client', { payload: 1 }));
    c.segment(seg(7, 'client', { payload: 1 }));
    expect(c.facts().payloadAfterPeerFin).toEqual({ client: ft(6), server: ft(3) });
  });

  test('turns: a server burst after a client burst; not the reverse', () => {
    const c = new FactsCollector();
    c.segment(seg(1, 'server', { payload: 1 })); // a server greeting: no turn
    c.segment(seg(2, 'client', { payload: 1 }));
    c.segment(seg(3, 'client', { payload: 1 }));
    c.segment(seg(4, 'server', { payload: 1 }));
    const f = c.facts();
    expect(f.turnCount).toBe(1);
    expect(f.turns).toEqual([{ request: { from: 'client', first: ft(2), last: ft(3), bytes: 2 }, response: ft(4) }]);
  });

  test(`past ${MAX_TURNS} turns: counted, and the slowest later one kept (the first of equal waits)`, () => {
    const c = new FactsCollector();
    let frame = 1;
    // wait (response - last request segment) per turn, in frames of 0.1 s
    const waits = [1, 1, 1, 1, 1, 1, 1, 1, /* later: */ 2, 5, 3, 5, 4];
    const responses: number[] = [];
    for (const w of waits) {
      c.segment(seg(frame, 'client', { payload: 1 }));
      frame += w;
      responses.push(frame);
      c.segment(seg(frame, 'server', { payload: 1 }));
      frame += 1;
      if (responses.length === MAX_TURNS) {
        expect(c.facts().slowestLaterTurn).toBeNull();
        expect(c.facts().turns).toHaveLength(MAX_TURNS);
      }
    }
    const f = c.facts();
    expect(f.turnCount).toBe(waits.length);
    expect(f.turns.map((t) => t.response.frame)).toEqual(responses.slice(0, MAX_TURNS));
    expect(f.slowestLaterTurn?.response).toEqual(ft(responses[9]!));
  });

  test('a later turn that is faster than the first later one does not replace it', () => {
    const c = new FactsCollector();
    let frame = 1;
    for (const w of [1, 1, 1, 1, 1, 1, 1, 1, 6, 2, 6]) {
      c.segment(seg(frame, 'client', { payload: 1 }));
      frame += w;
      c.segment(seg(frame, 'server', { payload: 1 }));
      frame += 1;
    }
    // The ninth turn: client at frame 17, response at 23.
    expect(c.facts().slowestLaterTurn).toEqual({ request: { from: 'client', first: ft(17), last: ft(17), bytes: 1 }, response: ft(23) });
  });
});

describe('swapSides', () => {
  test('every per-side fact and burst changes side; turns are dropped', () => {
    const f: ConnectionFacts = {
      zeroWindow: { client: { frame: 1, time: 1 }, server: null },
      fin: { client: null, server: { frame: 2, time: 2 } },
      rst: { client: { frame: 3, time: 3 }, server: { frame: 4, time: 4 } },
      firstPayload: { client: { frame: 5, time: 5 }, server: null },
      closeAlert: { client: null, server: { frame: 6, time: 6 } },
      payloadAfterPeerFin: { client: { frame: 7, time: 7 }, server: null },
      lastBurstBeforeClose: { from: 'client', first: { frame: 8, time: 8 }, last: { frame: 9, time: 9 }, bytes: 10 },
      lastBurst: { from: 'server', first: { frame: 11, time: 11 }, last: { frame: 12, time: 12 }, bytes: 13 },
      turns: [{ request: { from: 'client', first: { frame: 8, time: 8 }, last: { frame: 9, time: 9 }, bytes: 10 }, response: { frame: 11, time: 11 } }],
      slowestLaterTurn: { request: { from: 'client', first: { frame: 8, time: 8 }, last: { frame: 9, time: 9 }, bytes: 10 }, response: { frame: 11, time: 11 } },
      turnCount: 9,
    };
    expect(swapSides(f)).toEqual({
      zeroWindow: { client: null, server: { frame: 1, time: 1 } },
      fin: { client: { frame: 2, time: 2 }, server: null },
      rst: { client: { frame: 4, time: 4 }, server: { frame: 3, time: 3 } },
      firstPayload: { client: null, server: { frame: 5, time: 5 } },
      closeAlert: { client: { frame: 6, time: 6 }, server: null },
      payloadAfterPeerFin: { client: null, server: { frame: 7, time: 7 } },
      lastBurstBeforeClose: { from: 'server', first: { frame: 8, time: 8 }, last: { frame: 9, time: 9 }, bytes: 10 },
      lastBurst: { from: 'client', first: { frame: 11, time: 11 }, last: { frame: 12, time: 12 }, bytes: 13 },
      turns: [],
      slowestLaterTurn: null,
      turnCount: 0,
    });
    expect(swapSides(emptyFacts())).toEqual(emptyFacts());
  });

  test('a collection made with the sides the other way round, swapped, is the collection with the right sides (turns aside)', () => {
    const segs: [number, Side, Partial<SegmentFact>][] = [
      [1, 'client', { payload: 5 }],
      [2, 'server', { window: 0 }],
      [3, 'server', { payload: 7 }],
      [4, 'client', { fin: true }],
      [5, 'server', { payload: 2 }],
      [6, 'server', { rst: true }],
    ];
    const flip = (s: Side): Side => (s === 'client' ? 'server' : 'client');
    const right = new FactsCollector();
    const wrong = new FactsCollector();
    for (const [frame, from, extra] of segs) {
      const s: SegmentFact = { frame, time: frame, from, syn: false, fin: false, rst: false, payload: 0, window: 9, retransmission: false, closeAlert: false, ...extra };
      right.segment(s);
      wrong.segment({ ...s, from: flip(from) });
    }
    const r = right.facts();
    expect(swapSides(wrong.facts())).toEqual({ ...r, turns: [], slowestLaterTurn: null, turnCount: 0 });
    expect(r.payloadAfterPeerFin.server).toEqual({ frame: 5, time: 5 });
    expect(r.zeroWindow.server).toEqual({ frame: 2, time: 2 });
  });
});
