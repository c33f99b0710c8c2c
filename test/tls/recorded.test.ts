/**
 * Ticket resumption (TLS 1.2) and 0-RTT early data (TLS 1.3) on captures
 * recorded on loopback (test/tls/captures/README.md); expected frames from tshark.
 */
import path from 'node:path';
import { runChunks, streamChunks, readSegmentsFrom, tshark, type StreamResult } from './streams.js';

const dir = path.resolve(process.cwd(), 'test/tls/captures');

interface Expected {
  clientHello: number[];
  serverHello: number | null;
  certificateFromServer: boolean;
  firstClient23: number | null;
  firstServer23: number | null;
  ccsClient: number | null;
  ccsServer: number | null;
  chExtensions: number[];
  shExtensions: number[];
}

function expected(file: string, serverPort: number): Map<number, Expected> {
  const out = tshark([
    '-n', '-r', file, '-Y', 'tls', '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=a', '-E', 'aggregator=,',
    '-e', 'frame.number', '-e', 'tcp.stream', '-e', 'tcp.srcport', '-e', 'tls.record.content_type',
    '-e', 'tls.record.opaque_type', '-e', 'tls.handshake.type', '-e', 'tls.handshake.extension.type',
  ]);
  const m = new Map<number, Expected>();
  const nums = (s: string) => (s ? s.split(',').map(Number) : []);
  for (const line of out.split('\n')) {
    if (!line) continue;
    const [frame, stream, sport, ct, ot, hs, ext] = line.split('\t');
    const f = Number(frame);
    const e: Expected = m.get(Number(stream)) ?? {
      clientHello: [], serverHello: null, certificateFromServer: false, firstClient23: null, firstServer23: null,
      ccsClient: null, ccsServer: null, chExtensions: [], shExtensions: [],
    };
    m.set(Number(stream), e);
    const fromServer = Number(sport) === serverPort;
    const types = [...nums(ct), ...nums(ot)];
    if (nums(hs).includes(1)) {
      e.clientHello.push(f);
      e.chExtensions = nums(ext);
    }
    if (fromServer && nums(hs).includes(2) && e.serverHello === null) {
      e.serverHello = f;
      e.shExtensions = nums(ext);
    }
    if (fromServer && nums(hs).includes(11)) e.certificateFromServer = true;
    if (types.includes(23)) {
      if (fromServer) e.firstServer23 ??= f;
      else e.firstClient23 ??= f;
    }
    if (types.includes(20)) {
      if (fromServer) e.ccsServer ??= f;
      else e.ccsClient ??= f;
    }
  }
  return m;
}

function run(name: string): StreamResult[] {
  const segs = readSegmentsFrom(path.join(dir, name));
  const streams = [...new Set(segs.map((s) => s.stream))];
  return streams.map((st) => runChunks(st, streamChunks(segs.filter((s) => s.stream === st))));
}

function keyFrames(r: StreamResult, e: Expected) {
  const first = (type: string, from?: string) => r.messages.find((m) => m.type === type && (!from || m.from === from))?.last.frame ?? null;
  expect(first('ClientHello')).toBe(e.clientHello[0]);
  expect(first('ServerHello')).toBe(e.serverHello);
  expect(first('ChangeCipherSpec', 'client')).toBe(e.ccsClient);
  expect(first('ChangeCipherSpec', 'server')).toBe(e.ccsServer);
  expect(r.summary!.firstApplicationDataRecord.client?.frame ?? null).toBe(e.firstClient23);
  expect(r.summary!.firstApplicationDataRecord.server?.frame ?? null).toBe(e.firstServer23);
}

describe('TLS 1.2 session ticket resumption', () => {
  const file = path.join(dir, 'openssl-tls12-ticket-resumption.pcap');
  const exp = expected(file, 44330);
  const results = run('openssl-tls12-ticket-resumption.pcap');

  test('two connections, key frames as tshark', () => {
    expect(results.length).toBe(2);
    for (const r of results) keyFrames(r, exp.get(r.stream)!);
  });

  test('the second resumes from the ticket: ticket offered, no server Certificate (tshark)', () => {
    const [full, resumed] = results;
    expect(exp.get(0)!.certificateFromServer).toBe(true);
    expect(full.summary!.resumed).toBe(false);
    const e = exp.get(1)!;
    expect(e.certificateFromServer).toBe(false);
    expect(e.chExtensions).toContain(35);
    expect(resumed.summary!.resumed).toBe(true);
    expect(resumed.summary!.resumption).toBe('ticket');
    expect(resumed.messages.some((m) => m.type === 'Certificate')).toBe(false);
    // Abbreviated handshake: the server's Finished comes first, the client's completes it.
    const fins = resumed.messages.filter((m) => m.type === 'Finished').map((m) => `${m.from}@${m.last.frame}`);
    expect(fins).toEqual([`server@${e.ccsServer}`, `client@${e.ccsClient}`]);
    expect(resumed.summary!.handshakeDone?.frame).toBe(e.ccsClient);
  });
});

describe('TLS 1.3 0-RTT early data', () => {
  const file = path.join(dir, 'openssl-tls13-early-data.pcap');
  const exp = expected(file, 44331);
  const results = run('openssl-tls13-early-data.pcap');

  test('two connections, key frames as tshark', () => {
    expect(results.length).toBe(2);
    for (const r of results) keyFrames(r, exp.get(r.stream)!);
  });

  test('the second sends early data before the ServerHello and resumes with a PSK', () => {
    const e = exp.get(1)!;
    expect(e.chExtensions).toContain(42); // early_data offered
    expect(e.firstClient23! < e.serverHello!).toBe(true);
    const r = results[1];
    const early = r.messages.find((m) => m.type === 'ApplicationData' && m.earlyData);
    expect(early?.last.frame).toBe(e.firstClient23);
    expect(r.summary!.earlyData).toBe(true);
    expect(r.summary!.clientHello!.earlyData).toBe(true);
    expect(r.summary!.resumption).toBe(e.shExtensions.includes(41) ? 'psk' : undefined);
    expect(r.summary!.resumption).toBe('psk');
    expect(results[0].summary!.earlyData).toBe(false);
    expect(results[0].summary!.resumed).toBe(false);
  });
});
