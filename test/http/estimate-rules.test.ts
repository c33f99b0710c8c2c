/**
 * The key-less request estimate against the rules README.md states ("a run of
 * client application-data records after the server answered is a new request;
 * TLS 1.3 close_notify records do not count"; a burst is a run of one side's
 * payload) and RFC 8446's record sizes: a TLS 1.3 client Finished record is
 * 4 (handshake header) + 32 or 48 (verify_data, SHA-256 / SHA-384) + 1 (inner
 * content type) + 16 (AEAD tag) = 53 or 69 bytes; an encrypted alert is
 * 2 + 1 + 16 = 19 bytes. Hand-built sequences; and a small reference model of
 * the README rule, checked on random burst sequences.
 */
import { BurstBuilder, estimateRequests, RequestEstimator, TlsRecordBursts, TLS13_ALERT_RECORD_LENGTH, type Burst } from '../../src/http/index.js';
import type { Side, Stamp } from '../../src/base/stamp.js';

const st = (frame: number): Stamp => ({ frame, tsSec: 100, tsNsec: frame * 1_000_000 });
const t = (frame: number): number => 100 + frame / 1000;
const burst = (side: Side, first: number, last: number, bytes: number): Burst => ({ side, firstFrame: first, firstTime: t(first), lastFrame: last, lastTime: t(last), bytes });

describe('BurstBuilder: a burst is a maximal run of one side\'s payload', () => {
  test('runs split where the other side sends; empty payload (a pure ACK) neither ends nor starts one; flush hands on the last', () => {
    const got: Burst[] = [];
    const b = new BurstBuilder({ burst: (x) => got.push(x) });
    b.payload('client', 100, st(1));
    b.payload('client', 0, st(2));
    b.payload('server', 0, st(3));
    b.payload('client', 50, st(4));
    b.payload('server', 10, st(5));
    b.payload('server', -1, st(6));
    b.payload('server', 20, st(7));
    b.payload('client', 5, st(8));
    expect(got).toEqual([burst('client', 1, 4, 150), burst('server', 5, 7, 30)]);
    b.flush();
    expect(got).toEqual([burst('client', 1, 4, 150), burst('server', 5, 7, 30), burst('client', 8, 8, 5)]);
    b.flush();
    expect(got).toHaveLength(3);
  });
});

describe('RequestEstimator: a client burst after the server answered is a new request', () => {
  test('request / response pairs, continuation bursts, unsolicited server bursts', () => {
    const r = estimateRequests([
      burst('server', 1, 1, 7), // a banner before any request
      burst('client', 2, 3, 100),
      burst('server', 4, 6, 1000),
      burst('client', 7, 7, 80),
      burst('server', 8, 8, 500),
      burst('server', 9, 9, 10), // same response goes on (bursts as given)
      burst('client', 10, 10, 60),
    ]);
    expect(r).toEqual({
      count: 3,
      overflow: 0,
      unsolicitedServerBursts: 1,
      requests: [
        { estimated: true, requestFrame: 2, requestTime: t(2), requestEndFrame: 3, requestEndTime: t(3), responseFrame: 4, responseTime: t(4), responseEndFrame: 6, responseEndTime: t(6), requestBytes: 100, responseBytes: 1000 },
        { estimated: true, requestFrame: 7, requestTime: t(7), requestEndFrame: 7, requestEndTime: t(7), responseFrame: 8, responseTime: t(8), responseEndFrame: 9, responseEndTime: t(9), requestBytes: 80, responseBytes: 510 },
        { estimated: true, requestFrame: 10, requestTime: t(10), requestEndFrame: 10, requestEndTime: t(10), responseFrame: null, responseTime: null, responseEndFrame: null, responseEndTime: null, requestBytes: 60, responseBytes: 0 },
      ],
    });
  });
  test('client bursts before any answer are one request (its end moves on)', () => {
    const r = estimateRequests([burst('client', 1, 1, 10), burst('client', 2, 3, 20)]);
    expect(r.count).toBe(1);
    expect(r.requests[0]).toMatchObject({ requestFrame: 1, requestEndFrame: 3, requestEndTime: t(3), requestBytes: 30 });
  });
  test('maxRequests: later ones counted, not kept', () => {
    const bursts = [1, 3, 5].flatMap((f) => [burst('client', f, f, 1), burst('server', f + 1, f + 1, 1)]);
    expect(estimateRequests(bursts, 2)).toMatchObject({ count: 3, overflow: 1 });
    expect(estimateRequests(bursts, 2).requests.map((r) => r.requestFrame)).toEqual([1, 3]);
    expect(estimateRequests(bursts, 3)).toMatchObject({ count: 3, overflow: 0 });
    const e = new RequestEstimator();
    for (const b of bursts) e.burst(b);
    expect(e.result().requests).toHaveLength(3);
  });
  test('random sequences against a reference model of the README rule', () => {
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % n;
    for (let round = 0; round < 300; round++) {
      const bursts: Burst[] = [];
      for (let i = 0, f = 1; i < rnd(12); i++, f += 2) bursts.push(burst(rnd(2) ? 'client' : 'server', f, f + 1, 1 + rnd(50)));
      // Model: walk the bursts; a client burst opens a request when none is open or the open one was answered.
      let requests = 0;
      let open = false;
      let answered = false;
      let unsolicited = 0;
      const req: number[] = [];
      const resp: number[] = [];
      for (const b of bursts) {
        if (b.side === 'client') {
          if (!open || answered) {
            requests++;
            open = true;
            answered = false;
            req.push(0);
            resp.push(0);
          }
          req[req.length - 1]! += b.bytes;
        } else if (!open) unsolicited++;
        else {
          answered = true;
          resp[resp.length - 1]! += b.bytes;
        }
      }
      const got = estimateRequests(bursts);
      expect([got.count, got.unsolicitedServerBursts, got.requests.map((r) => r.requestBytes), got.requests.map((r) => r.responseBytes)]).toEqual([requests, unsolicited, req, resp]);
    }
  });
});

describe('TlsRecordBursts: only application data makes bursts', () => {
  function feed(tls13: boolean, recs: [Side, number, number, number][]): Burst[] {
    const out: Burst[] = [];
    const b = new BurstBuilder({ burst: (x) => out.push(x) });
    const f = new TlsRecordBursts(b, tls13);
    for (const [side, type, len, frame] of recs) f.record(side, type, len, st(frame));
    f.flush();
    return out;
  }
  test('TLS 1.2: every type-23 record is data; handshake (22), CCS (20) and alerts (21) are not', () => {
    expect(
      feed(false, [
        ['client', 22, 512, 1],
        ['server', 22, 4000, 2],
        ['client', 20, 1, 3],
        ['client', 22, 40, 3],
        ['server', 20, 1, 4],
        ['client', 23, 53, 5],
        ['server', 23, 19, 6],
        ['client', 21, 26, 7],
      ]),
    ).toEqual([burst('client', 5, 5, 53), burst('server', 6, 6, 19)]);
    expect(TLS13_ALERT_RECORD_LENGTH).toBe(2 + 1 + 16);
  });
  test('TLS 1.3: the server\'s encrypted flight is skipped until the client\'s; the client\'s Finished (53 bytes) is skipped in its frame; alerts (19) skipped', () => {
    expect(
      feed(true, [
        ['client', 22, 512, 1], // ClientHello
        ['server', 22, 90, 2], // ServerHello
        ['server', 20, 1, 2],
        ['server', 23, 2000, 2], // EncryptedExtensions … Finished
        ['server', 23, 300, 3],
        ['client', 20, 1, 4],
        ['client', 23, 53, 4], // Finished
        ['client', 23, 80, 4], // request in the same frame, after the Finished
        ['server', 23, 200, 5], // NewSessionTicket: joins the response burst
        ['server', 23, 700, 5],
        ['client', 23, 19, 6], // close_notify
        ['server', 23, 19, 7],
      ]),
    ).toEqual([burst('client', 4, 4, 80), burst('server', 5, 5, 900)]);
  });
  test('TLS 1.3 with a client certificate: Certificate, CertificateVerify and a 69-byte (SHA-384) Finished in one frame are skipped', () => {
    expect(
      feed(true, [
        ['server', 23, 2000, 2],
        ['client', 23, 1500, 3],
        ['client', 23, 280, 3],
        ['client', 23, 69, 3],
        ['client', 23, 100, 3],
        ['server', 23, 50, 4],
      ]),
    ).toEqual([burst('client', 3, 3, 100), burst('server', 4, 4, 50)]);
  });
  test('TLS 1.3: a flight frame with one record not of a Finished\'s size (a padded Finished): that record is skipped; the flight ends with its frame', () => {
    expect(
      feed(true, [
        ['server', 23, 2000, 2],
        ['client', 23, 60, 3],
        ['client', 23, 53, 4], // a later frame: data, even at 53 bytes
        ['client', 23, 70, 4],
        ['server', 23, 10, 5],
      ]),
    ).toEqual([burst('client', 4, 4, 123), burst('server', 5, 5, 10)]);
  });
  test('TLS 1.3: a padded Finished (not 53 or 69 bytes) with the request after it in one frame: the request is data, known when the frame ends', () => {
    expect(
      feed(true, [
        ['server', 23, 2000, 2],
        ['client', 23, 60, 3], // padded Finished
        ['client', 23, 90, 3], // request
        ['client', 23, 19, 3], // an alert-sized record: skipped as everywhere
        ['client', 23, 40, 3], // more of the request
        ['server', 23, 500, 4],
        ['client', 23, 70, 5],
        ['client', 23, 71, 6],
      ]),
    ).toEqual([burst('client', 3, 3, 130), burst('server', 4, 4, 500), burst('client', 5, 6, 141)]);
    // The connection ends in the flight frame: what was held is data at the end.
    expect(
      feed(true, [
        ['server', 23, 2000, 2],
        ['client', 23, 60, 3],
        ['client', 23, 90, 3],
      ]),
    ).toEqual([burst('client', 3, 3, 90)]);
    // The flight frame ends with a server record in the next frame: the held request comes first.
    expect(
      feed(true, [
        ['server', 23, 2000, 2],
        ['client', 23, 60, 3],
        ['client', 23, 90, 3],
        ['server', 23, 10, 4],
      ]),
    ).toEqual([burst('client', 3, 3, 90), burst('server', 4, 4, 10)]);
  });
  test('TLS 1.3: records held in the flight frame are the flight when a Finished-sized record follows them in that frame', () => {
    expect(
      feed(true, [
        ['server', 23, 2000, 2],
        ['client', 23, 1500, 3], // Certificate
        ['client', 23, 280, 3], // CertificateVerify
        ['client', 23, 53, 3], // Finished
        ['server', 23, 50, 4],
      ]),
    ).toEqual([burst('server', 4, 4, 50)]);
  });
  test('TLS 1.3: client records before the server spoke are 0-RTT data; server records before the client\'s flight are not', () => {
    expect(
      feed(true, [
        ['client', 22, 512, 1],
        ['client', 23, 300, 1], // early data
        ['server', 22, 90, 2],
        ['server', 23, 2000, 2],
        ['client', 23, 53, 3],
        ['server', 23, 400, 4],
      ]),
    ).toEqual([burst('client', 1, 1, 300), burst('server', 4, 4, 400)]);
  });
});
