/**
 * StreamReassembler and HeldBudget against references that are not our own output:
 *
 * - real captures dissected by tshark: every TCP segment tshark lists (raw seq,
 *   tcp.len, tcp.payload, in frame order) is fed to one reassembler per
 *   tcp.stream and direction; the bytes that come out must be tshark's
 *   `follow,tcp,raw` of that stream, and each TLS record must complete in the
 *   frame where tshark (tcp.reassemble_out_of_order on) shows it;
 * - hand-built segments whose expected output follows from RFC 9293 sequence
 *   arithmetic (modulo 2^32, SEG.SEQ + SEG.LEN) or from a brute-force model
 *   written here (a byte comes from the earliest-starting held segment covering
 *   it, ties to the first arrival), never from the reassembler itself.
 */
import { join } from 'node:path';
import { HeldBudget, HELD_SEGMENT_OVERHEAD, StreamReassembler, type SegmentKind } from '../../src/tcp/reassembly.js';
import type { Stamp } from '../../src/base/stamp.js';
import { tsharkOutput } from '../findings/tshark-facts.js';

const st = (frame: number): Stamp => ({ frame, tsSec: 1000 + frame, tsNsec: 0 });

type Ev = { text: string; frame: number; start: boolean } | { gap: number };

function harness(maxPending?: number, budget?: HeldBudget) {
  const ev: Ev[] = [];
  const r = new StreamReassembler(
    {
      data: (chunk, stamp, segmentStart) => ev.push({ text: chunk.toString('latin1'), frame: stamp.frame, start: segmentStart }),
      gap: (lost) => ev.push({ gap: lost }),
    },
    maxPending,
    budget,
  );
  const seg = (seq: number, text: string, frame: number, claimed = text.length): SegmentKind =>
    r.segment(seq >>> 0, Buffer.from(text, 'latin1'), claimed, st(frame));
  const text = () => ev.map((e) => ('text' in e ? e.text : '')).join('');
  const gaps = () => ev.flatMap((e) => ('gap' in e ? [e.gap] : []));
  const frames = () => ev.flatMap((e) => ('text' in e ? [e.frame] : []));
  return { r, ev, seg, text, gaps, frames };
}

const ROOT = join(import.meta.dirname ?? __dirname, '../..');

describe('against tshark on real captures', () => {
  interface Seg {
    frame: number;
    stream: number;
    src: string;
    syn: boolean;
    seq: number;
    len: number;
    payload: Buffer;
  }

  function segments(capture: string): Seg[] {
    const r = tsharkOutput(capture, [
      '-o', 'tcp.relative_sequence_numbers:FALSE', '-Y', 'tcp',
      '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=f',
      '-e', 'frame.number', '-e', 'tcp.stream', '-e', 'ip.src', '-e', 'ipv6.src', '-e', 'tcp.srcport',
      '-e', 'tcp.flags.syn', '-e', 'tcp.seq', '-e', 'tcp.len', '-e', 'tcp.payload',
    ]);
    expect(r.status).toBe(0);
    return r.stdout
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => {
        const c = l.split('\t');
        return {
          frame: Number(c[0]),
          stream: Number(c[1]),
          src: `${c[2] || c[3]}:${c[4]}`,
          syn: c[5] === '1' || c[5] === 'True',
          seq: Number(c[6]),
          len: Number(c[7]),
          payload: Buffer.from(c[8] ?? '', 'hex'),
        };
      });
  }

  /** tshark's follow,tcp,raw of each stream: per node ("ip:port"), the hex of its bytes in order, and the gaps it reports. */
  function follow(capture: string, streams: number[]): Map<number, Map<string, { hex: string; missing: number }>> {
    const args = ['-q'];
    for (const s of streams) args.push('-z', `follow,tcp,raw,${s}`);
    const r = tsharkOutput(capture, args);
    expect(r.status).toBe(0);
    const out = new Map<number, Map<string, { hex: string; missing: number }>>();
    let cur: Map<string, { hex: string; missing: number }> | undefined;
    const nodes: string[] = [];
    for (const line of r.stdout.split('\n')) {
      const f = /^Filter: tcp\.stream eq (\d+)$/.exec(line);
      if (f) {
        out.set(Number(f[1]), (cur = new Map()));
        nodes.length = 0;
        continue;
      }
      const n = /^Node (\d): (.*)$/.exec(line);
      if (n && cur) {
        nodes[Number(n[1])] = n[2]!;
        cur.set(n[2]!, { hex: '', missing: 0 });
        continue;
      }
      const d = /^(\t?)([0-9a-f]+)$/.exec(line);
      if (d && cur) {
        const e = cur.get(nodes[d[1] === '' ? 0 : 1]!)!;
        const text = Buffer.from(d[2]!, 'hex').toString('latin1');
        // Follow writes a hole as the text "[N bytes missing in capture file]".
        const m = /^\[(\d+) bytes missing in capture file\]$/.exec(text);
        if (m) e.missing += Number(m[1]);
        else e.hex += d[2]!;
      }
    }
    return out;
  }

  /** tshark's TLS records per frame and sender, with out-of-order reassembly on (the frame that completes each record). */
  function tlsRecords(capture: string): Map<string, { frame: number; length: number }[]> {
    const r = tsharkOutput(capture, [
      '-o', 'tcp.desegment_tcp_streams:TRUE', '-o', 'tls.desegment_ssl_records:TRUE', '-o', 'tcp.reassemble_out_of_order:TRUE',
      '-Y', 'tls.record', '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=a', '-E', 'aggregator=,',
      '-e', 'frame.number', '-e', 'tcp.stream', '-e', 'ip.src', '-e', 'ipv6.src', '-e', 'tcp.srcport', '-e', 'tls.record.length',
    ]);
    expect(r.status).toBe(0);
    const out = new Map<string, { frame: number; length: number }[]>();
    for (const line of r.stdout.split('\n')) {
      if (line === '') continue;
      const c = line.split('\t');
      const key = `${c[1]}|${c[2] || c[3]}:${c[4]}`;
      const list = out.get(key) ?? [];
      out.set(key, list);
      for (const len of c[5]!.split(',')) list.push({ frame: Number(c[0]), length: Number(len) });
    }
    return out;
  }

  interface Dir {
    r: StreamReassembler;
    chunks: { data: Buffer; frame: number }[];
    gaps: number;
    kinds: Map<number, SegmentKind>;
  }

  /** Feeds every segment of the capture, one reassembler per stream and sender, then gives up the holes left. */
  function reassemble(capture: string): Map<string, Dir> {
    const dirs = new Map<string, Dir>();
    for (const s of segments(capture)) {
      const key = `${s.stream}|${s.src}`;
      let d = dirs.get(key);
      if (!d) {
        const nd: Dir = { r: undefined as unknown as StreamReassembler, chunks: [], gaps: 0, kinds: new Map() };
        nd.r = new StreamReassembler({
          data: (chunk, stamp) => nd.chunks.push({ data: Buffer.from(chunk), frame: stamp.frame }),
          gap: (lost) => (nd.gaps += lost),
        });
        dirs.set(key, (d = nd));
      }
      if (s.syn) d.r.syn(s.seq);
      else d.kinds.set(s.frame, d.r.segment(s.seq, s.payload, s.len, st(s.frame)));
    }
    for (const d of dirs.values()) d.r.flush();
    return dirs;
  }

  const CAPTURES = [
    'lossy/lossy-2pct-tls.pcap', // losses, retransmissions filling holes, out-of-order segments
    'ns-tls12-lossy-cert-flight.pcap', // a lost segment of the certificate flight, resent after three later ones
    'ns-tls13-mtu1500-cert-chain.pcap',
    'lo-tls12-full.pcap',
    'findings/c-accept-overflow-synack.pcap', // retransmitted SYN-ACKs and data
    'ndpi-pcapng-3if-anydesk-tls.pcapng',
  ];

  for (const name of CAPTURES) {
    test(`${name}: each direction's bytes are tshark's follow,tcp,raw`, () => {
      const capture = join(ROOT, 'fixtures', name);
      const dirs = reassemble(capture);
      const streams = [...new Set([...dirs.keys()].map((k) => Number(k.split('|')[0])))];
      const ref = follow(capture, streams);
      let compared = 0;
      for (const [key, d] of dirs) {
        const [stream, node] = key.split('|') as [string, string];
        const want = ref.get(Number(stream))?.get(node) ?? { hex: '', missing: 0 };
        expect({ key, hex: Buffer.concat(d.chunks.map((c) => c.data)).toString('hex') }).toEqual({ key, hex: want.hex });
        expect({ key, missing: d.gaps }).toEqual({ key, missing: want.missing });
        compared += want.hex.length / 2;
      }
      expect(compared).toBeGreaterThan(0);
    });
  }

  for (const name of ['lossy/lossy-2pct-tls.pcap', 'ns-tls12-lossy-cert-flight.pcap', 'ns-tls13-mtu1500-cert-chain.pcap']) {
    test(`${name}: each TLS record completes in the frame tshark shows it in`, () => {
      const capture = join(ROOT, 'fixtures', name);
      const dirs = reassemble(capture);
      const ref = tlsRecords(capture);
      let records = 0;
      for (const [key, d] of dirs) {
        const want = ref.get(key) ?? [];
        // Our records: 5-byte headers in the delivered bytes; the frame of each record's last byte.
        const got: { frame: number; length: number }[] = [];
        const all = Buffer.concat(d.chunks.map((c) => c.data));
        const ends: number[] = [];
        let end = 0;
        for (const c of d.chunks) ends.push((end += c.data.length));
        for (let at = 0; at + 5 <= all.length; ) {
          const length = all.readUInt16BE(at + 3);
          const last = at + 5 + length - 1;
          if (last >= all.length) break;
          got.push({ frame: d.chunks[ends.findIndex((e) => e > last)]!.frame, length });
          at = last + 1;
        }
        expect({ key, records: got }).toEqual({ key, records: want });
        records += got.length;
      }
      expect(records).toBeGreaterThan(4);
    });
  }

  test('lossy-2pct-tls.pcap: segments after a hole are held, late ones fill it (tshark: lost_segment, retransmission, out_of_order)', () => {
    // tshark 4.0, stream 0 server side: frame 12 "previous segment(s) not captured" (seq 1906589666, the
    // hole is 1906588218-1906589666), 14-21 follow it, 22 is the "out-of-order segment" that fills it.
    // Stream 2: frame 68 after a hole of two segments (1993417826-1993420722), filled by the
    // "retransmissions" 76 and 78. Per RFC 9293 a segment starting beyond RCV.NXT is queued: ours
    // returns 'out-of-order' for it; one starting at RCV.NXT is acceptable and in order.
    const dirs = reassemble(join(ROOT, 'fixtures/lossy/lossy-2pct-tls.pcap'));
    const s0 = dirs.get('0|10.66.1.2:4433')!;
    expect([12, 14, 16, 18, 19, 20, 21].map((f) => s0.kinds.get(f))).toEqual(Array(7).fill('out-of-order'));
    expect(s0.kinds.get(22)).toBe('in-order');
    expect(s0.kinds.get(24)).toBe('in-order');
    expect(s0.kinds.get(26)).toBe('empty'); // the FIN carries no payload
    const s2 = dirs.get('2|10.66.1.2:4433')!;
    expect([68, 70, 72, 74, 75].map((f) => s2.kinds.get(f))).toEqual(Array(5).fill('out-of-order'));
    expect([76, 78, 80].map((f) => s2.kinds.get(f))).toEqual(['in-order', 'in-order', 'in-order']);
    expect(s2.r.held).toBe(0);
    expect(s2.r.missingBytes).toBe(0);
  });
});

describe('sequence arithmetic (RFC 9293: modulo 2^32)', () => {
  test('the SYN fixes the first data byte at ISN + 1, also across 2^32; a later SYN changes nothing', () => {
    const h = harness();
    h.r.syn(0xffffffff); // ISN 2^32 - 1: data starts at 0
    h.r.syn(100); // a retransmitted or different SYN does not move the stream
    expect(h.seg(0, 'ab', 1)).toBe('in-order');
    expect(h.seg(100, 'zz', 2)).toBe('out-of-order');
    expect(h.text()).toBe('ab');
  });

  test('without a SYN the first segment with payload fixes the start; empty segments do not', () => {
    const h = harness();
    expect(h.seg(500, '', 1)).toBe('empty'); // an ACK: no payload, SEG.LEN 0
    expect(h.r.segment(500, Buffer.alloc(0), 0, st(2))).toBe('empty');
    expect(h.seg(700, 'xy', 3)).toBe('in-order');
    expect(h.seg(702, 'z', 4)).toBe('in-order');
    expect(h.text()).toBe('xyz');
    expect(h.r.missingBytes).toBe(0);
  });

  test('SEG.SEQ + SEG.LEN at RCV.NXT exactly is an old segment; one byte past it is new', () => {
    const h = harness();
    h.r.syn(0xfffffff0); // data from 0xfffffff1
    h.seg(0xfffffff1, 'abcdefghijklmno', 1); // 15 bytes: RCV.NXT = 0x100000000 mod 2^32 = 0
    expect(h.seg(0xfffffffe, 'no', 2)).toBe('retransmission'); // ends at RCV.NXT
    expect(h.seg(0xffffffff, 'oP', 3)).toBe('overlap'); // one new byte
    expect(h.ev.at(-1)).toEqual({ text: 'P', frame: 3, start: false });
    expect(h.seg(1, 'Q', 4)).toBe('in-order');
    expect(h.text()).toBe('abcdefghijklmnoPQ');
  });

  test('a segment that began 2^31 - 1 bytes back is old; one 2^31 - 1 bytes ahead is ahead of a hole', () => {
    const h = harness(Infinity);
    h.r.syn(9);
    h.seg(10, 'a', 1);
    expect(h.seg((11 - (2 ** 31 - 1)) >>> 0, 'b', 2)).toBe('retransmission');
    expect(h.seg(11 + 2 ** 31 - 1, 'c', 3)).toBe('out-of-order');
    expect(h.r.held).toBe(1);
  });

  test('a hole across 2^32 is filled and the held bytes come after it', () => {
    const h = harness();
    h.r.syn(0xfffffffd); // data from 0xfffffffe
    expect(h.seg(1, 'CD', 1)).toBe('out-of-order'); // bytes 0xfffffffe..0 missing
    expect(h.seg(0xfffffffe, 'AB', 2)).toBe('in-order');
    expect(h.text()).toBe('AB');
    expect(h.seg(0, 'b', 3)).toBe('in-order');
    expect(h.text()).toBe('ABbCD');
    expect(h.frames()).toEqual([2, 3, 3]);
  });
});

describe('snaplen cuts (claimed length above the captured bytes)', () => {
  test('an overlap that starts past the captured bytes yields only a gap', () => {
    const h = harness();
    h.r.syn(0);
    h.seg(1, 'abcde', 1); // RCV.NXT = 6
    // 10 bytes on the wire from seq 1, 3 captured: bytes 1-5 are old, 6-10 new but not captured.
    expect(h.seg(1, 'abc', 2, 10)).toBe('overlap');
    expect(h.ev).toEqual([{ text: 'abcde', frame: 1, start: true }, { gap: 5 }]);
    expect(h.r.missingBytes).toBe(5);
    expect(h.seg(11, 'k', 3)).toBe('in-order');
  });

  test('an overlap that starts right at the end of the captured bytes: no empty chunk, only the gap', () => {
    const h = harness();
    h.r.syn(0);
    h.seg(1, 'abc', 1);
    expect(h.seg(1, 'abc', 2, 10)).toBe('overlap'); // bytes 4-10 new, none captured
    expect(h.ev).toEqual([{ text: 'abc', frame: 1, start: true }, { gap: 7 }]);
  });

  test('an overlap inside the captured bytes delivers their new part, then a gap for the rest', () => {
    const h = harness();
    h.r.syn(0);
    h.seg(1, 'ab', 1);
    expect(h.seg(1, 'abcd', 2, 6)).toBe('overlap');
    expect(h.ev).toEqual([{ text: 'ab', frame: 1, start: true }, { text: 'cd', frame: 2, start: false }, { gap: 2 }]);
  });

  test('a held segment cut by the snaplen: its captured part, then its gap, when the hole is filled', () => {
    const h = harness();
    h.r.syn(0);
    expect(h.seg(3, 'cd', 1, 5)).toBe('out-of-order');
    expect(h.r.held).toBe(2);
    h.seg(1, 'ab', 2);
    expect(h.ev).toEqual([
      { text: 'ab', frame: 2, start: true },
      { text: 'cd', frame: 2, start: true },
      { gap: 3 },
    ]);
    expect(h.r.missingBytes).toBe(3);
    expect(h.seg(8, 'h', 3)).toBe('in-order');
  });
});

describe('held segments (brute-force model: each byte from the earliest-starting covering segment, ties to the first arrival)', () => {
  function lcg(seed: number) {
    let s = seed >>> 0;
    return (n: number) => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s % n;
    };
  }

  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    test(`random overlapping segments held behind a one-byte hole (seed ${seed})`, () => {
      const rnd = lcg(seed);
      const isn = (0xffffff00 + rnd(512)) >>> 0; // starts near 2^32 half the time: the stream wraps
      const span = 60;
      // Segments at offsets 1..span-1 (offset 0 is the hole), each with its own letters.
      const segs: { at: number; text: string; frame: number }[] = [];
      for (let i = 0; i < 40; i++) {
        const at = 1 + rnd(span - 1);
        const len = 1 + rnd(8);
        const ch = String.fromCharCode(97 + (i % 26));
        segs.push({ at, text: (i < 26 ? ch : ch.toUpperCase()).repeat(len), frame: 10 + i });
      }
      // Model: offsets covered without a break from 0 (the filler covers 0); byte x from the covering
      // segment with the smallest start, then the earliest arrival.
      const filler = { at: 0, text: '#', frame: 100 };
      const model: string[] = [];
      for (let x = 0; ; x++) {
        let best: { at: number; text: string; frame: number } | undefined;
        for (const s of [filler, ...segs]) {
          if (s.at <= x && x < s.at + s.text.length && (best === undefined || s.at < best.at)) best = s;
        }
        if (best === undefined) break;
        model.push(best.text[x - best.at]!);
      }
      const h = harness(Infinity);
      h.r.syn(isn);
      for (const s of segs) expect(h.seg(isn + 1 + s.at, s.text, s.frame)).toBe('out-of-order');
      expect(h.r.heldSegments).toBe(segs.length);
      expect(h.r.held).toBe(segs.reduce((n, s) => n + s.text.length, 0));
      expect(h.seg(isn + 1, filler.text, filler.frame)).toBe('in-order');
      expect(h.text()).toBe(model.join(''));
      // Every held byte completes in the frame that filled the hole (Wireshark with reassemble_out_of_order).
      expect(new Set(h.frames())).toEqual(new Set([100]));
      // What lies beyond the first break stays held, and nothing of it was delivered.
      const beyond = segs.filter((s) => s.at > model.length);
      expect(h.r.heldSegments).toBe(beyond.length);
      expect(h.r.held).toBe(beyond.reduce((n, s) => n + s.text.length, 0));
      // Giving up: one gap per break, then the rest by the same model from there.
      const { holes, lost } = h.r.flush();
      expect(h.r.held).toBe(0);
      expect(h.r.heldSegments).toBe(0);
      expect(lost).toBe(h.gaps().reduce((a, b) => a + b, 0));
      expect(holes).toBe(h.gaps().length);
      expect(h.r.missingBytes).toBe(lost);
    });
  }

  for (const seed of [11, 12, 13, 14, 15, 16]) {
    test(`many segments at the same few offsets, each longer than the earlier ones there, in random order (seed ${seed})`, () => {
      const rnd = lcg(seed);
      // Each segment is longer than the earlier ones at its offset: which of equal offsets comes out
      // first shows in the bytes (the first arrival's letters, then the next one's past its end).
      const longest = [0, 0, 0, 0];
      const segs = Array.from({ length: 48 }, (_, i) => {
        const at = 1 + rnd(3);
        longest[at] = longest[at]! + 1 + rnd(3);
        return { at, text: String.fromCharCode(i < 24 ? 65 + i : 97 + i - 24).repeat(longest[at]!), frame: 10 + i };
      });
      const model: string[] = ['#'];
      for (let x = 1; ; x++) {
        let best: (typeof segs)[number] | undefined;
        for (const s of segs) if (s.at <= x && x < s.at + s.text.length && (best === undefined || s.at < best.at)) best = s;
        if (best === undefined) break;
        model.push(best.text[x - best.at]!);
      }
      const h = harness(Infinity);
      h.r.syn(41);
      for (const s of segs) h.seg(42 + s.at, s.text, s.frame);
      h.seg(42, '#', 100);
      expect(h.text()).toBe(model.join(''));
      expect(h.r.heldSegments).toBe(0);
    });
  }

  test('equal offsets: the first arrival is delivered, the second only past its end', () => {
    const h = harness();
    h.r.syn(0);
    h.seg(3, 'AB', 1);
    h.seg(3, 'xyz', 2);
    h.seg(3, 'pqrs', 3);
    h.seg(1, '12', 4);
    expect(h.text()).toBe('12ABzs');
    expect(h.ev).toEqual([
      { text: '12', frame: 4, start: true },
      { text: 'AB', frame: 4, start: true },
      { text: 'z', frame: 4, start: false },
      { text: 's', frame: 4, start: false },
    ]);
  });

  test('a held segment wholly covered by an earlier one is dropped, not delivered', () => {
    const h = harness();
    h.r.syn(0);
    h.seg(3, 'ABCD', 1);
    h.seg(4, 'bc', 2);
    h.seg(1, '12', 3);
    expect(h.ev).toEqual([
      { text: '12', frame: 3, start: true },
      { text: 'ABCD', frame: 3, start: true },
    ]);
    expect(h.r.heldSegments).toBe(0);
    expect(h.r.held).toBe(0);
  });

  test('flush: each run after a gap is stamped with the latest frame so far in it', () => {
    const h = harness();
    h.r.syn(0);
    h.seg(1, 'a', 1);
    h.seg(5, 'cc', 5); // hole 2-4
    h.seg(7, 'dd', 3);
    h.seg(9, 'ee', 4);
    h.seg(20, 'gg', 2); // hole 11-19
    h.seg(22, 'hh', 6);
    expect(h.r.flush()).toEqual({ holes: 2, lost: 3 + 9 });
    expect(h.ev).toEqual([
      { text: 'a', frame: 1, start: true },
      { gap: 3 },
      { text: 'cc', frame: 5, start: true },
      { text: 'dd', frame: 5, start: true },
      { text: 'ee', frame: 5, start: true },
      { gap: 9 },
      { text: 'gg', frame: 2, start: true },
      { text: 'hh', frame: 6, start: true },
    ]);
    expect(h.r.missingBytes).toBe(12);
    expect(h.r.flush()).toEqual({ holes: 0, lost: 0 });
    expect(h.seg(24, 'i', 7)).toBe('in-order');
  });

  test('flush: a held segment that ends where the delivered bytes end adds nothing, not even its frame', () => {
    const h = harness();
    h.r.syn(0);
    h.seg(5, 'cc', 2); // 5-6, hole 1-4
    h.seg(6, 'c', 9); // 6: covered by frame 2's bytes
    h.seg(7, 'd', 3); // 7
    h.r.flush();
    expect(h.ev).toEqual([
      { gap: 4 },
      { text: 'cc', frame: 2, start: true },
      { text: 'd', frame: 3, start: true },
    ]);
  });

  test('a filling segment that overlaps held ones: held bytes past its end follow, with its frame', () => {
    const h = harness();
    h.r.syn(0);
    h.seg(4, 'DEFG', 1);
    h.seg(9, 'IJ', 2);
    expect(h.seg(1, 'abcde', 3)).toBe('in-order'); // covers 1-5, held DEFG starts at 4
    expect(h.ev).toEqual([
      { text: 'abcde', frame: 3, start: true },
      { text: 'FG', frame: 3, start: false },
    ]);
    expect(h.r.heldSegments).toBe(1);
    expect(h.seg(8, 'H', 4)).toBe('in-order');
    expect(h.text()).toBe('abcdeFGHIJ');
    expect(h.frames()).toEqual([3, 3, 4, 4]);
  });
});

describe('the per-direction bound', () => {
  const unit = HELD_SEGMENT_OVERHEAD + 4;

  test('held memory may reach maxPending exactly; one byte more gives up the hole', () => {
    const h = harness(2 * unit);
    h.r.syn(0);
    h.seg(2, 'AAAA', 1);
    h.seg(6, 'BBBB', 2);
    expect(h.r.heldSegments).toBe(2);
    expect(h.gaps()).toEqual([]);
    h.seg(20, 'C', 3); // 2 * unit + OVERHEAD + 1 > maxPending: byte 1 is given up
    expect(h.gaps()).toEqual([1]);
    expect(h.text()).toBe('AAAABBBB');
    expect(h.r.heldSegments).toBe(1); // C, still ahead of bytes 10-19
    expect(h.r.held).toBe(1);
    h.seg(10, '0123456789', 4);
    expect(h.text()).toBe('AAAABBBB0123456789C');
  });

  test('the first held segment is kept even when it alone is above the bound', () => {
    const h = harness(10);
    h.r.syn(0);
    h.seg(5, 'x'.repeat(50), 1);
    expect(h.r.heldSegments).toBe(1);
    expect(h.r.held).toBe(50);
    expect(h.gaps()).toEqual([]);
  });

  test('after giving up the hole, a segment that starts right after the held data is delivered at once', () => {
    const h = harness(unit);
    h.r.syn(0);
    h.seg(3, 'AAAA', 1); // hole 1-2
    expect(h.seg(7, 'BBBB', 2)).toBe('out-of-order');
    expect(h.ev).toEqual([{ gap: 2 }, { text: 'AAAA', frame: 1, start: true }, { text: 'BBBB', frame: 2, start: true }]);
    expect(h.r.heldSegments).toBe(0);
    expect(h.r.held).toBe(0);
    expect(h.seg(11, 'C', 3)).toBe('in-order');
  });

  test('after giving up the hole, a segment still ahead of the next one is held', () => {
    const h = harness(unit);
    h.r.syn(0);
    h.seg(3, 'AAAA', 1); // hole 1-2
    expect(h.seg(10, 'BBBB', 2)).toBe('out-of-order'); // gives up 1-2, delivers AAAA, 7-9 still missing: held
    expect(h.ev).toEqual([{ gap: 2 }, { text: 'AAAA', frame: 1, start: true }]);
    expect(h.r.heldSegments).toBe(1);
    expect(h.r.held).toBe(4);
    h.seg(7, '789', 3);
    expect(h.text()).toBe('AAAA789BBBB');
    expect(h.frames()).toEqual([1, 3, 3]);
  });

  test('after giving up the hole, a segment overlapping what was delivered gives only its new bytes', () => {
    const h = harness(unit);
    h.r.syn(0);
    h.seg(3, 'ABCD', 1);
    expect(h.seg(5, 'CDEF', 2)).toBe('out-of-order'); // counted when it came; settled after the flush
    expect(h.ev).toEqual([{ gap: 2 }, { text: 'ABCD', frame: 1, start: true }, { text: 'EF', frame: 2, start: false }]);
    expect(h.r.heldSegments).toBe(0);
    expect(h.seg(9, 'G', 3)).toBe('in-order');
  });

  test('after giving up the hole, a segment entirely delivered already adds nothing', () => {
    const h = harness(unit);
    h.r.syn(0);
    h.seg(3, 'ABCD', 1);
    h.seg(4, 'BC', 2);
    expect(h.ev).toEqual([{ gap: 2 }, { text: 'ABCD', frame: 1, start: true }]);
    expect(h.r.heldSegments).toBe(0);
    expect(h.r.held).toBe(0);
    expect(h.seg(7, 'E', 3)).toBe('in-order'); // RCV.NXT is still 7
    expect(h.text()).toBe('ABCDE');
  });
});

describe('stop()', () => {
  test('stopped: a segment ahead is followed (the stream moves to its end), nothing held or delivered', () => {
    const h = harness();
    h.r.syn(0);
    h.seg(1, 'ab', 1);
    h.r.stop();
    expect(h.r.delivering).toBe(false);
    expect(h.seg(10, 'xyz', 2)).toBe('out-of-order');
    expect(h.r.heldSegments).toBe(0);
    expect(h.r.held).toBe(0);
    // RCV.NXT followed the segment ahead: 13 is next, 3-12 are old now.
    expect(h.seg(3, 'cd', 3)).toBe('retransmission');
    expect(h.seg(13, 'q', 4)).toBe('in-order');
    expect(h.seg(13, 'qrs', 5)).toBe('overlap');
    expect(h.text()).toBe('ab');
    expect(h.gaps()).toEqual([]);
  });

  test('stopped while holding: held data is dropped, the holes count no gap', () => {
    const budget = new HeldBudget();
    const h = harness(undefined, budget);
    h.r.syn(0);
    h.seg(5, 'held', 1);
    h.r.stop();
    expect(h.r.held).toBe(0);
    expect(h.r.heldSegments).toBe(0);
    expect(budget.used).toBe(0);
    expect(h.r.flush()).toEqual({ holes: 0, lost: 0 });
    expect(h.ev).toEqual([]);
    h.r.stop(); // twice: nothing more returned to the budget
    expect(budget.used).toBe(0);
    h.seg(1, 'abcd', 2, 10); // cut by the snaplen while stopped: counted, not reported
    expect(h.r.missingBytes).toBe(6);
    expect(h.ev).toEqual([]);
  });

  test('stopped while holding, without a shared budget', () => {
    const h = harness();
    h.r.syn(0);
    h.seg(5, 'held', 1);
    h.r.stop();
    expect(h.r.held).toBe(0);
    expect(h.seg(1, 'abcd', 2)).toBe('in-order');
    expect(h.ev).toEqual([]);
  });

  test('a stream stopped while holding is no longer a holder: the budget does not evict it', () => {
    const budget = new HeldBudget(2 * (HELD_SEGMENT_OVERHEAD + 4));
    const a = harness(undefined, budget);
    const b = harness(undefined, budget);
    a.r.syn(0);
    b.r.syn(0);
    a.seg(5, 'aaaa', 1);
    b.seg(5, 'bbbb', 2);
    a.r.stop();
    b.seg(9, 'BBBB', 3);
    b.seg(20, 'CCCC', 4); // over the budget: b, the only holder, gives up
    expect(budget.evictions).toBe(1);
    expect(budget.holesGivenUp).toBe(1);
    expect(b.gaps()).toEqual([4]);
  });

  test('stop() on a stream holding nothing does not touch the budget', () => {
    const budget = new HeldBudget();
    const a = harness(undefined, budget);
    const b = harness(undefined, budget);
    a.r.syn(0);
    b.r.syn(0);
    b.seg(5, 'bbbb', 1);
    a.r.stop();
    expect(budget.used).toBe(HELD_SEGMENT_OVERHEAD + 4);
    // b is still the holder: the budget evicts it to make room.
    budget.makeRoom(budget.max);
    expect(budget.evictions).toBe(1);
    expect(b.text()).toBe('bbbb');
  });
});

describe('the shared budget', () => {
  const unit = HELD_SEGMENT_OVERHEAD + 4;

  test('holders are evicted oldest first; one that stopped holding leaves the order (middle, head, tail)', () => {
    const budget = new HeldBudget(4 * unit);
    const hs = [0, 1, 2, 3].map(() => harness(undefined, budget));
    hs.forEach((h) => h.r.syn(0));
    hs.forEach((h, i) => h.seg(3, `${i}${i}${i}${i}`, i + 1)); // each holds one, oldest first: 0 1 2 3
    expect(budget.used).toBe(4 * unit);
    expect(budget.peak).toBe(4 * unit);
    hs[1]!.seg(1, 'xy', 10); // 1 fills its hole: no longer a holder
    expect(budget.used).toBe(3 * unit);
    hs[1]!.seg(50, 'zzzz', 11); // 1 holds again: now the newest
    hs[0]!.seg(1, 'xy', 12); // the head leaves
    hs[3]!.seg(1, 'xy', 13); // so does the tail... 
    hs[3]!.seg(60, 'wwww', 14); // ...and comes back at the end: order 2 1 3
    expect(budget.used).toBe(3 * unit);
    hs[0]!.seg(70, 'vvvv', 15); // 0 joins: 2 1 3 0 = 4 units, full
    expect(budget.evictions).toBe(0);
    hs[0]!.seg(80, 'uuuu', 16); // one more: 2 goes
    expect(budget.evictions).toBe(1);
    expect(hs[2]!.gaps()).toEqual([2]);
    expect(hs[1]!.gaps()).toEqual([]);
    hs[0]!.seg(90, 'tttt', 17); // then 1
    expect(budget.evictions).toBe(2);
    expect(hs[1]!.gaps()).toEqual([43]); // bytes 7-49
    expect(hs[3]!.gaps()).toEqual([]);
    expect(budget.holesGivenUp).toBe(2);
    expect(budget.bytesGivenUp).toBe(2 + 43);
    expect(budget.used).toBe(4 * unit);
    expect(budget.peak).toBe(4 * unit);
  });

  test('the budget may be reached exactly; the segment that passes it makes room, several holders if needed', () => {
    const budget = new HeldBudget(3 * unit);
    const a = harness(undefined, budget);
    const b = harness(undefined, budget);
    const c = harness(undefined, budget);
    for (const h of [a, b, c]) h.r.syn(0);
    a.seg(2, 'aaaa', 1);
    b.seg(3, 'bbbb', 2);
    c.seg(4, 'cccc', 3);
    expect(budget.evictions).toBe(0);
    expect(budget.used).toBe(3 * unit);
    c.seg(20, 'C'.repeat(4 + unit), 4); // needs two units: a and b give up
    expect(budget.evictions).toBe(2);
    expect(budget.holesGivenUp).toBe(2);
    expect(budget.bytesGivenUp).toBe(1 + 2);
    expect(a.ev).toEqual([{ gap: 1 }, { text: 'aaaa', frame: 1, start: true }]);
    expect(b.ev).toEqual([{ gap: 2 }, { text: 'bbbb', frame: 2, start: true }]);
    expect(c.r.heldSegments).toBe(2);
    expect(budget.used).toBe(3 * unit); // c's two: one unit and two
    expect(budget.peak).toBe(3 * unit);
    c.seg(1, 'xyz', 5);
    expect(c.text()).toBe('xyzcccc');
    expect(budget.used).toBe(2 * unit);
    expect(budget.peak).toBe(3 * unit);
  });

  test('nothing to give up: a segment larger than the whole budget is still held', () => {
    const budget = new HeldBudget(10);
    const a = harness(undefined, budget);
    a.r.syn(0);
    expect(a.seg(5, 'abcdefgh', 1)).toBe('out-of-order');
    expect(budget.evictions).toBe(0);
    expect(a.r.heldSegments).toBe(1);
    expect(budget.used).toBe(HELD_SEGMENT_OVERHEAD + 8);
    expect(budget.peak).toBe(HELD_SEGMENT_OVERHEAD + 8);
    a.seg(1, '1234', 2);
    expect(a.text()).toBe('1234abcdefgh');
    expect(budget.used).toBe(0);
    expect(budget.peak).toBe(HELD_SEGMENT_OVERHEAD + 8);
  });

  test('a stream giving up its own holes: the new segment, still ahead, is held after them', () => {
    const budget = new HeldBudget(unit);
    const a = harness(undefined, budget);
    a.r.syn(0);
    a.seg(3, 'AAAA', 1);
    expect(a.seg(20, 'BBBB', 2)).toBe('out-of-order');
    expect(a.ev).toEqual([{ gap: 2 }, { text: 'AAAA', frame: 1, start: true }]);
    expect(a.r.heldSegments).toBe(1);
    expect(budget.used).toBe(unit);
    expect(budget.evictions).toBe(1);
    // a holds again, as a new holder: it is evicted again for the next segment.
    expect(a.seg(40, 'CCCC', 3)).toBe('out-of-order');
    expect(budget.evictions).toBe(2);
    expect(a.gaps()).toEqual([2, 13]); // bytes 1-2, then 7-19
    expect(a.r.heldSegments).toBe(1);
  });

  test('a consumer that stops reading while the budget gives up its holes: the new segment is not held', () => {
    const budget = new HeldBudget(unit);
    const ev: string[] = [];
    const r: StreamReassembler = new StreamReassembler(
      {
        data: (chunk) => {
          ev.push(chunk.toString('latin1'));
          r.stop();
        },
        gap: (n) => ev.push(`gap ${n}`),
      },
      undefined,
      budget,
    );
    r.syn(0);
    r.segment(3, Buffer.from('AAAA'), 4, st(1));
    expect(r.segment(20, Buffer.from('BBBB'), 4, st(2))).toBe('out-of-order');
    expect(ev).toEqual(['gap 2', 'AAAA']);
    expect(r.heldSegments).toBe(0);
    expect(budget.used).toBe(0);
  });

  test('several segments of one holder: it stays one holder, uncharged once its last segment drains', () => {
    const budget = new HeldBudget(3 * unit);
    const a = harness(undefined, budget);
    const b = harness(undefined, budget);
    a.r.syn(0);
    b.r.syn(0);
    a.seg(3, 'aaaa', 1);
    b.seg(3, 'bbbb', 2);
    a.seg(7, 'AAAA', 3); // a holds two now; b is still the second holder
    expect(budget.used).toBe(3 * unit);
    a.seg(1, '12', 4); // a drains both: leaves the holders
    expect(a.text()).toBe('12aaaaAAAA');
    expect(budget.used).toBe(unit);
    a.seg(30, 'xxxx', 5); // a joins again, after b
    a.seg(40, 'yyyy', 6); // full
    a.seg(50, 'zzzz', 7); // b (the oldest) gives up first, and that is enough
    expect(budget.evictions).toBe(1);
    expect(b.ev).toEqual([{ gap: 2 }, { text: 'bbbb', frame: 2, start: true }]);
    expect(a.gaps()).toEqual([]);
    expect(a.r.heldSegments).toBe(3);
  });

  test('a holder that drains some of its segments keeps its place: it is still the oldest', () => {
    const budget = new HeldBudget(3 * unit);
    const a = harness(undefined, budget);
    const b = harness(undefined, budget);
    a.r.syn(0);
    b.r.syn(0);
    a.seg(3, 'aaaa', 1);
    a.seg(20, 'AAAA', 2);
    b.seg(3, 'bbbb', 3);
    a.seg(1, '12', 4); // a's first hole filled: aaaa drained, AAAA still held
    expect(a.text()).toBe('12aaaa');
    expect(budget.used).toBe(2 * unit);
    b.seg(30, 'BBBB', 5); // full
    b.seg(40, 'CCCC', 6); // a, the oldest holder, gives up
    expect(budget.evictions).toBe(1);
    expect(a.gaps()).toEqual([13]); // bytes 7-19
    expect(a.text()).toBe('12aaaaAAAA');
    expect(b.gaps()).toEqual([]);
    expect(b.r.heldSegments).toBe(3);
  });

  test('charge and uncharge directly: peak keeps the highest, a second first charge does not relink', () => {
    const budget = new HeldBudget(1000);
    const a = new StreamReassembler({ data: () => {}, gap: () => {} }, undefined, budget);
    budget.charge(a, 300, true);
    budget.charge(a, 200, true); // already holding: still one holder
    expect(budget.used).toBe(500);
    expect(budget.peak).toBe(500);
    budget.uncharge(a, 100, false);
    expect(budget.used).toBe(400);
    expect(a.holding).toBe(true);
    budget.uncharge(a, 400, true);
    expect(budget.used).toBe(0);
    expect(budget.peak).toBe(500);
    expect(a.holding).toBe(false);
    budget.charge(a, 50, true);
    expect(budget.peak).toBe(500); // the highest so far, not the latest
    budget.uncharge(a, 50, true);
    budget.makeRoom(2000); // no holder left: returns
    expect(budget.evictions).toBe(0);
    const b = harness(undefined, budget);
    b.r.syn(0);
    b.seg(5, 'bbbb', 1);
    budget.uncharge(a, 0, true); // a is not a holder: b stays one
    budget.makeRoom(budget.max);
    expect(budget.evictions).toBe(1);
    expect(b.gaps()).toEqual([4]);
  });
});
