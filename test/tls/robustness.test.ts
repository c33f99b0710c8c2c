/**
 * Split, truncated, lost and malformed input. Real streams from fixtures are
 * re-chunked or cut; hand-built bytes only where the input must be malformed.
 */
import { TlsSession, MAX_RECORD, sniffTls } from '../../src/tls/index.js';
import type { Side, Stamp } from '../../src/base/stamp.js';
import type { TlsMessage } from '../../src/tls/types.js';
import { fixtureChunks, runChunks, type Chunk } from './streams.js';

const stamp = (frame: number): Stamp => ({ frame, tsSec: 1_700_000_000, tsNsec: frame });

function collect(): { session: TlsSession; messages: TlsMessage[] } {
  const messages: TlsMessage[] = [];
  return { session: new TlsSession({ message: (m) => messages.push(m) }), messages };
}

/** Comparable view of messages: type, side, frames, bytes and parsed info. */
const view = (ms: TlsMessage[]) =>
  ms.map((m) => ({ ...m, first: m.first.frame, last: m.last.frame }));

/** Re-chunks a stream: every chunk cut into pieces of `size` bytes (same stamps). */
function rechunk(chunks: Chunk[], size: (i: number) => number): Chunk[] {
  const out: Chunk[] = [];
  let i = 0;
  for (const c of chunks) {
    for (let p = 0; p < c.data.length; ) {
      const n = Math.max(1, size(i++));
      out.push({ side: c.side, data: c.data.subarray(p, p + n), stamp: c.stamp });
      p += n;
    }
  }
  return out;
}

/** One direction's bytes with the frame of each byte. */
function direction(chunks: Chunk[], side: Side): { bytes: Buffer; frames: number[] } {
  const parts = chunks.filter((c) => c.side === side);
  const frames: number[] = [];
  for (const c of parts) for (let i = 0; i < c.data.length; i++) frames.push(c.stamp.frame);
  return { bytes: Buffer.concat(parts.map((c) => c.data)), frames };
}

/** Record boundaries of a direction (walks the 5-byte headers). */
function records(bytes: Buffer): { start: number; type: number; len: number }[] {
  const out = [];
  for (let p = 0; p + 5 <= bytes.length; ) {
    const len = bytes.readUInt16BE(p + 3);
    out.push({ start: p, type: bytes[p], len });
    p += 5 + len;
  }
  return out;
}

const basic = fixtureChunks('zeek-tls12-basic.pcap').get(0)!;
const clientCert = fixtureChunks('zeek-tls12-client-certificate.pcap').get(0)!;
const tls13 = fixtureChunks('arkime-tls13-split-client-hello.pcap').get(0)!;
const sslv2 = fixtureChunks('suricata-sslv2-hello-upgrade-tls10.pcap').get(0)!;
const smtp = fixtureChunks('zeek-smtp-starttls.pcap').get(0)!;

describe('split input', () => {
  test.each([
    ['zeek-tls12-client-certificate', clientCert],
    ['arkime-tls13-split-client-hello', tls13],
    ['suricata-sslv2-hello-upgrade-tls10', sslv2],
  ])('%s: one byte per feed gives the same messages as whole segments', (_n, chunks) => {
    const whole = runChunks(0, chunks);
    const bytewise = runChunks(0, rechunk(chunks, () => 1));
    expect(whole.messages.length).toBeGreaterThan(5);
    expect(view(bytewise.messages)).toEqual(view(whole.messages));
    expect(bytewise.summary).toEqual(whole.summary);
  });

  test('random cuts give the same messages', () => {
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) % 700) + 1;
    const whole = runChunks(0, clientCert);
    for (let k = 0; k < 20; k++) {
      expect(view(runChunks(0, rechunk(clientCert, rnd)).messages)).toEqual(view(whole.messages));
    }
  });

  test('a message spanning records and segments: first and last frames', () => {
    // The client's Certificate (3430 bytes) spans frames 13-15 in zeek-tls12-client-certificate.
    const cert = runChunks(0, clientCert).messages.find((m) => m.type === 'Certificate' && m.from === 'client')!;
    expect([cert.first.frame, cert.last.frame]).toEqual([13, 15]);
  });
});

describe('truncated input', () => {
  test('every prefix of a real client and server stream: no throw, no internal error', () => {
    for (const side of ['client', 'server'] as Side[]) {
      const { bytes } = direction(basic, side);
      for (let cut = 0; cut <= Math.min(bytes.length, 4000); cut += 7) {
        const { session } = collect();
        session.feed(side, bytes.subarray(0, cut), stamp(1));
        expect(session.summary().problems.filter((p) => p.includes('internal'))).toEqual([]);
      }
    }
  });
});

describe('malformed input', () => {
  test('garbage at the start of both directions: problems, then done', () => {
    const { session, messages } = collect();
    session.feed('client', Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), stamp(1));
    expect(session.done).toBe(false);
    session.feed('server', Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n'), stamp(2));
    expect(messages).toEqual([]);
    expect(session.summary().problems).toEqual([
      'client: not a TLS record at byte 0 (type 71, version 0x4554)',
      'server: not a TLS record at byte 0 (type 72, version 0x5454)',
    ]);
    expect(session.done).toBe(true);
  });

  test('non-TLS bytes after valid records stop the direction', () => {
    const { bytes } = direction(basic, 'client');
    const recs = records(bytes);
    const cut = recs[1].start; // after the ClientHello record
    const { session, messages } = collect();
    session.feed('client', Buffer.concat([bytes.subarray(0, cut), Buffer.from('EHLO x\r\n')]), stamp(4));
    expect(messages.map((m) => m.type)).toEqual(['ClientHello']);
    expect(session.summary().problems).toEqual([`client: not a TLS record at byte ${cut} (type 69, version 0x484c)`]);
    session.feed('client', bytes.subarray(cut), stamp(5)); // ignored once stopped
    expect(messages.length).toBe(1);
  });

  test('record length over 2^14+2048', () => {
    const { session } = collect();
    const len = MAX_RECORD + 1;
    session.feed('server', Buffer.from([0x16, 3, 3, len >> 8, len & 0xff, 2, 0, 0]), stamp(1));
    expect(session.summary().problems).toEqual([`server: record length ${len} exceeds ${MAX_RECORD} at byte 0`]);
  });

  test('ClientHello whose cipher suite list runs past the message', () => {
    // Handshake header (type 1, length 40) then version, random, empty session id, cipher list length 200.
    const body = Buffer.alloc(40);
    body.writeUInt16BE(0x0303, 0);
    body[34] = 0;
    body.writeUInt16BE(200, 35);
    const msg = Buffer.concat([Buffer.from([1, 0, 0, 40]), body]);
    const rec = Buffer.concat([Buffer.from([0x16, 3, 1, 0, msg.length]), msg]);
    const { session, messages } = collect();
    session.feed('client', rec, stamp(3));
    expect(messages.map((m) => [m.type, m.bytes, m.clientHello])).toEqual([['ClientHello', 44, undefined]]);
    expect(session.summary().problems).toEqual(['client: truncated ClientHello']);
  });

  test('handshake message longer than the buffering bound is counted, not parsed', () => {
    const len = 300 * 1024;
    const { session, messages } = collect();
    const stream: Buffer[] = [Buffer.from([11, len >> 16, (len >> 8) & 0xff, len & 0xff])];
    stream.push(Buffer.alloc(len, 0x30));
    const hs = Buffer.concat(stream);
    let frame = 10;
    for (let p = 0; p < hs.length; p += 16384) {
      const part = hs.subarray(p, p + 16384);
      session.feed('server', Buffer.concat([Buffer.from([0x16, 3, 3, part.length >> 8, part.length & 0xff]), part]), stamp(frame++));
    }
    expect(messages.map((m) => [m.type, m.bytes, m.first.frame, m.last.frame, m.certificate])).toEqual([
      ['Certificate', len + 4, 10, frame - 1, undefined],
    ]);
    expect(session.summary().problems).toEqual([`server: Certificate of ${len} bytes not parsed (over 262144)`]);
  });

  test('alert records: cleartext before CCS, encrypted after unless a plausible 2-byte alert', () => {
    const { session, messages } = collect();
    session.feed('server', Buffer.from([0x15, 3, 3, 0, 2, 2, 40]), stamp(1));
    session.feed('server', Buffer.from([0x14, 3, 3, 0, 1, 1]), stamp(2));
    session.feed('server', Buffer.from([0x15, 3, 3, 0, 2, 1, 0]), stamp(3));
    session.feed('server', Buffer.from([0x15, 3, 3, 0, 2, 0x9c, 0x3e]), stamp(4));
    session.feed('server', Buffer.from([0x15, 3, 3, 0, 4, 1, 2, 3, 4]), stamp(5));
    // The two encrypted alerts in a row from one sender fold into one message of count 2 (issue 15 budgets).
    expect(messages.filter((m) => m.type === 'Alert').map((m) => [m.alert, m.count])).toEqual([
      [{ level: 2, description: 40, name: 'handshake_failure' }, undefined],
      [{ level: 1, description: 0, name: 'close_notify' }, undefined],
      [{ name: 'encrypted' }, 2],
    ]);
    expect(session.summary().alerts.map((a) => a.frame)).toEqual([1, 3, 4]);
  });
});

describe('gaps', () => {
  const server = direction(basic, 'server');
  const recs = records(server.bytes);
  const certRec = recs.find((r) => r.type === 22 && r.len > 1000)!;
  const appRec = recs.find((r) => r.type === 23)!;
  const whole = runChunks(0, basic);
  const serverEvents = (ms: TlsMessage[]) =>
    ms.filter((m) => m.from === 'server').map((m) => `${m.type}@${m.last.frame}`);

  /** Feeds the server direction with bytes [from, to) lost; the client as recorded. */
  function withLoss(from: number, to: number) {
    const { session, messages } = collect();
    const client = basic.filter((c) => c.side === 'client');
    // Interleave by frame as recorded: client chunks first where their frame is earlier.
    const serverPieces: Chunk[] = [];
    for (let p = 0; p < server.bytes.length; ) {
      const f = server.frames[p];
      let q = p;
      while (q < server.bytes.length && server.frames[q] === f && q !== from && q !== to) q++;
      if (q === p) q = p + 1;
      serverPieces.push({ side: 'server', data: server.bytes.subarray(p, q), stamp: { frame: f, tsSec: 0, tsNsec: 0 } });
      p = q;
    }
    const all = [...client, ...serverPieces].sort((a, b) => a.stamp.frame - b.stamp.frame);
    let lostFed = false;
    const offset = { server: 0 };
    for (const c of all) {
      if (session.done) break;
      if (c.side === 'server') {
        const start = offset.server;
        offset.server += c.data.length;
        if (start >= from && start < to) {
          if (!lostFed) session.gap('server', to - from);
          lostFed = true;
          continue;
        }
      }
      session.feed(c.side, c.data, c.stamp);
    }
    expect(lostFed).toBe(true);
    return { session, messages };
  }

  test('bytes lost inside an application-data record: nothing else changes', () => {
    const { session, messages } = withLoss(appRec.start + 10, appRec.start + 20);
    expect(session.summary().problems).toEqual([]);
    expect(serverEvents(messages)).toEqual(serverEvents(whole.messages));
  });

  test('bytes lost inside the Certificate record: that record is dropped, the rest is kept', () => {
    const { session, messages } = withLoss(certRec.start + 100, certRec.start + 200);
    expect(session.summary().problems).toEqual(['server: 100 bytes lost inside a record of type 22']);
    const expected = serverEvents(whole.messages).filter((e) => !/^(Certificate|ServerHelloDone)@/.test(e));
    expect(serverEvents(messages)).toEqual(expected);
    expect(session.summary().handshakeDone?.frame).toBe(whole.summary!.handshakeDone!.frame);
  });

  test('bytes lost across a record boundary: resynchronised on the next record header', () => {
    const next = recs[recs.indexOf(certRec) + 1];
    const { session, messages } = withLoss(certRec.start + 100, next.start + 3);
    const problems = session.summary().problems;
    expect(problems[0]).toBe(`server: gap of ${next.start + 3 - certRec.start - 100} bytes: resynchronising`);
    expect(problems[1]).toMatch(/^server: resynchronised after skipping \d+ bytes$/);
    // CCS, Finished and the first application data of the server are still found in their frames.
    const after = serverEvents(whole.messages).filter((e) => /^(ChangeCipherSpec|Finished|ApplicationData)@/.test(e));
    expect(serverEvents(messages).filter((e) => /^(ChangeCipherSpec|Finished|ApplicationData)@/.test(e))).toEqual(after);
  });
});

describe('sniffTls', () => {
  test('real starts of TLS directions', () => {
    const first = (cs: Chunk[], side: Side) => cs.find((c) => c.side === side)!.data;
    expect(sniffTls(first(basic, 'client'))).toBe('tls');
    expect(sniffTls(first(basic, 'server'))).toBe('tls');
    expect(sniffTls(first(tls13, 'client'))).toBe('tls');
    expect(sniffTls(first(sslv2, 'client'))).toBe('sslv2');
    expect(sniffTls(first(smtp, 'client'))).toBe('tls'); // the ClientHello after STARTTLS
  });
  test('plaintext, alerts and short input', () => {
    expect(sniffTls(Buffer.from('220 mail.example ESMTP\r\n'))).toBe('no');
    expect(sniffTls(Buffer.from('EHLO'))).toBe('no');
    expect(sniffTls(Buffer.from([0x16, 3]))).toBe('need-more');
    expect(sniffTls(Buffer.from([0x16, 3, 1, 0, 0x80]))).toBe('need-more');
    expect(sniffTls(Buffer.from([0x16, 3, 1, 0, 0x80, 1]))).toBe('tls');
    expect(sniffTls(Buffer.from([0x16, 3, 1, 0, 0x80, 11]))).toBe('no');
    expect(sniffTls(Buffer.from([0x16, 3, 9, 0, 0x80, 1]))).toBe('no');
    expect(sniffTls(Buffer.from([0x15, 3, 3, 0, 2, 2, 40]))).toBe('tls');
    expect(sniffTls(Buffer.from([0x17, 3, 3, 0, 2, 2, 40]))).toBe('no');
  });
});
