/**
 * QUIC and TCP in one analysis (analyzeFile, the real pipeline), against tshark 4.0:
 * - ids: TCP records carry tcp.stream, QUIC records quic.connection.number, each
 *   0-based in its own transport (test/golden-quic/tcp/<file>.json and
 *   test/golden-quic/<file>.json, written by scripts/make-tcp-streams-golden.mjs and
 *   scripts/make-quic-golden.mjs);
 * - info's counts: UDP datagrams, QUIC datagrams and packets, TCP frames, connections per transport;
 * - reports: destinations put the same name's TCP+TLS and QUIC setups side by side, and the
 *   pool view keeps QUIC out of the keep-alive simulation but counts its handshakes,
 *   resumptions and 0-RTT (expected values from tshark's packet types and hellos);
 * - every QUIC capture survives JSON and the protobuf round trip.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { analyzeFile, type AnalysisResult } from '../../src/analyze.js';
import { infoJson } from '../../src/output/info.js';
import { ProtobufWriter, readSavedAnalysis } from '../../src/output/protobuf.js';
import { destinations, simulatePool } from '../../src/report/index.js';
import { connectionSearchText, filterConnections, tlsVersionShort, wiresharkFilter, ladder, waterfall } from '../../src/view/model.js';
import { EXTRA_QUIC_FIXTURES, QUIC_FIXTURES, quicFixturePath } from './run.js';

const GOLDEN = path.resolve(process.cwd(), 'test/golden-quic');
interface TcpGolden {
  frames: number;
  tcpFrames: number;
  streams: { stream: number; firstFrame: number; src: string; sport: number; dst: string; dport: number }[];
}
interface QuicGolden {
  udp: unknown[];
  frames: { frame: number; time: string; len: number; src: string; sport: number; conn: number | null; packets: { type: string }[] }[];
  connections: {
    number: number;
    firstFrame: number;
    client: { ip: string; port: number };
    sni: string | null;
    resumed: boolean;
    first: { client: Record<string, number>; server: Record<string, number> };
  }[];
}
const tcpGolden = (f: string): TcpGolden => JSON.parse(readFileSync(path.join(GOLDEN, 'tcp', `${f}.json`), 'utf8')) as TcpGolden;
const quicGolden = (f: string): QuicGolden => JSON.parse(readFileSync(path.join(GOLDEN, `${f}.json`), 'utf8')) as QuicGolden;

const MIXED = ['mercury-chrome-quic-unanswered-tcp-tls-same-host.pcap', 'quic-tcp-tls-same-name.pcap'];
const ALL = [...readdirSync(QUIC_FIXTURES).filter((f) => f.endsWith('.pcap')).sort(), ...EXTRA_QUIC_FIXTURES];

const runs = new Map<string, Promise<AnalysisResult>>();
function analyze(file: string): Promise<AnalysisResult> {
  let r = runs.get(file);
  if (r === undefined) runs.set(file, (r = analyzeFile(quicFixturePath(file))));
  return r;
}

/** QUIC setup per tshark: first frame -> the client's first 1-RTT after the server's Handshake (the inferred rule). */
function expectedQuicSetupMs(g: QuicGolden, number: number): number | null {
  const rows = g.frames.filter((f) => f.conn === number);
  const c = g.connections.find((x) => x.number === number)!;
  const fromClient = (f: (typeof rows)[number]) => f.src === c.client.ip && f.sport === c.client.port;
  const hs = rows.findIndex((f) => !fromClient(f) && f.packets.some((p) => p.type === 'Handshake'));
  const end = hs < 0 ? undefined : rows.slice(hs).find((f) => fromClient(f) && f.packets.some((p) => p.type === '1-RTT'));
  return end === undefined ? null : (Number(end.time) - Number(rows[0].time)) * 1000;
}

describe.each(MIXED)('%s: TCP and QUIC in one analysis', (file) => {
  const tg = tcpGolden(file);
  const qg = quicGolden(file);

  test('both kinds, each numbered as Wireshark numbers it (tcp.stream, quic.connection.number)', async () => {
    const a = await analyze(file);
    const tcp = a.connections.filter((c) => c.transport === 'tcp');
    const quic = a.connections.filter((c) => c.transport === 'quic');
    expect(tcp.map((c) => [c.id, c.firstFrame])).toEqual(tg.streams.map((s) => [s.stream, s.firstFrame]));
    expect(quic.map((c) => [c.id, c.firstFrame])).toEqual(qg.connections.map((c) => [c.number, c.firstFrame]));
    for (const c of tcp) expect([c.tcp !== null, c.quic]).toEqual([true, null]);
    for (const c of quic) {
      expect([c.tcp, c.quic !== null]).toEqual([null, true]);
      expect(wiresharkFilter(c)).toBe(`quic.connection.number eq ${c.id}`);
      expect(c.tls?.sni ?? null).toBe(qg.connections.find((g) => g.number === c.id)!.sni);
    }
    for (const c of tcp) expect(wiresharkFilter(c)).toBe(`tcp.stream eq ${c.id}`);
    // TCP first, then QUIC, each in id order.
    expect(a.connections.map((c) => c.transport)).toEqual([...tcp.map(() => 'tcp'), ...quic.map(() => 'quic')]);
  });

  test('info counts UDP datagrams, QUIC datagrams and packets, and connections per transport', async () => {
    const a = await analyze(file);
    const j = infoJson(a);
    expect(j.frames).toBe(tg.frames);
    expect(j.tcp).toBe(tg.tcpFrames);
    expect(j.udp).toBe(qg.udp.length);
    expect(j.quicDatagrams).toBe(qg.frames.length);
    expect(j.quicPackets).toBe(qg.frames.reduce((n, f) => n + f.packets.length, 0));
    expect([j.tcpConnections, j.quicConnections]).toEqual([tg.streams.length, qg.connections.length]);
    expect(a.capture.udpDatagrams).toBe(qg.udp.length);
    const notQuic = qg.udp.length - qg.frames.length;
    expect(a.capture.warnings.some((w) => w.startsWith(`${notQuic} UDP datagram`))).toBe(notQuic > 0);
  });

  test('destinations: TCP+TLS and QUIC setup side by side; ids per transport', async () => {
    const a = await analyze(file);
    for (const d of destinations(a.connections)) {
      const group = a.connections.filter((c) => d.connectionIds.includes(c.id) && c.transport === 'tcp');
      const qgroup = a.connections.filter((c) => d.quicConnectionIds.includes(c.id) && c.transport === 'quic');
      expect(group.length + qgroup.length).toBe(d.connections);
      const q = d.setupByTransport.quic;
      expect(q?.connections ?? 0).toBe(qgroup.length);
      expect(d.setupByTransport.tcp?.connections ?? 0).toBe(group.length);
      if (q === null) continue;
      const expected = qgroup.map((c) => expectedQuicSetupMs(qg, c.id)).filter((x): x is number => x !== null);
      expect(q.setupMs.count).toBe(expected.length);
      expect(q.setupMs.total).toBeCloseTo(expected.reduce((s, x) => s + x, 0), 3);
    }
  });

  test('the pool simulation is TCP only; QUIC handshakes, resumptions and 0-RTT are counted beside it', async () => {
    const a = await analyze(file);
    const pool = simulatePool(a.connections);
    const simulated = pool.destinations.reduce((n, d) => n + d.connections, 0);
    expect(simulated).toBe(tg.streams.length);
    expect(pool.quic?.connections).toBe(qg.connections.length);
    expect(pool.quic?.resumed).toBe(qg.connections.filter((c) => c.resumed).length);
    expect(pool.quic?.zeroRtt).toBe(qg.connections.filter((c) => c.first.client['0-RTT'] !== undefined).length);
  });
});

test('quic-tcp-tls-same-name: one destination, one TCP+TLS and two sequential QUIC connections, each a new handshake', async () => {
  const a = await analyze('quic-tcp-tls-same-name.pcap');
  const ds = destinations(a.connections);
  expect(ds.map((d) => [d.key, d.connectionIds, d.quicConnectionIds])).toEqual([['quic.hl.test:4433', [0], [0, 1]]]);
  expect(ds[0].setupByTransport.tcp?.setupMs.count).toBe(1);
  expect(ds[0].setupByTransport.quic?.setupMs.count).toBe(2);
  const pool = simulatePool(a.connections);
  // tshark: QUIC 0 spans frames 21-35, QUIC 1 starts at 36: the second is not beside the first.
  expect(pool.quic?.destinations.map((d) => [d.key, d.connections, d.newHandshakes, d.peakConcurrency])).toEqual([['quic.hl.test:4433', 2, 2, 1]]);
});

test('quic-resume-0rtt: the second connection resumed with 0-RTT, as tshark shows (PSK accepted, 0-RTT packet)', async () => {
  const a = await analyze('quic-resume-0rtt.pcap');
  const g = quicGolden('quic-resume-0rtt.pcap');
  const pool = simulatePool(a.connections);
  expect(pool.destinations).toEqual([]);
  expect([pool.quic?.resumed, pool.quic?.zeroRtt]).toEqual([
    g.connections.filter((c) => c.resumed).length,
    g.connections.filter((c) => c.first.client['0-RTT'] !== undefined).length,
  ]);
  expect(pool.quic?.reason).toMatch(/not part of the keep-alive simulation/);
});

test('a QUIC connection in the view: QUICv1 in the version column, filter "quic", its own ladder and waterfall', async () => {
  const a = await analyze('quic-retry.pcap');
  const c = a.connections[0];
  expect(tlsVersionShort(c)).toBe('QUICv1');
  expect(connectionSearchText(c)).toContain('quic');
  expect(filterConnections(a.connections, 'quic')).toHaveLength(1);
  const mixed = await analyze('quic-tcp-tls-same-name.pcap');
  expect(filterConnections(mixed.connections, 'quic').map((x) => x.transport)).toEqual(['quic', 'quic']);
  // tshark (golden): CH 1, Retry 2, SH 4; Initial / Handshake / 1-RTT first frames per side.
  const g = quicGolden('quic-retry.pcap').connections[0];
  const rows = ladder(c);
  const at = (event: string, from: string) => rows.find((r) => r.event.split(' ')[0] === event && r.from === from)?.frame;
  for (const side of ['client', 'server'] as const) for (const [t, f] of Object.entries(g.first[side])) expect([t, side, at(t, side)]).toEqual([t, side, f]);
  expect([at('ClientHello', 'client'), at('ServerHello', 'server')]).toEqual([1, 4]);
  // The client's first 1-RTT after the server's Handshake is where the handshake is taken as confirmed.
  expect(rows.find((r) => r.frame === c.setup.endFrame && r.from === 'client')?.event).toBe('1-RTT handshake confirmed (inferred)');
  const phases = waterfall(c, 40).map((p) => p.name);
  expect(phases[0]).toBe('QUIC handshake');
  expect(phases).not.toContain('TCP handshake');
});

describe('every QUIC capture through JSON and the protobuf round trip', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'hl-quic-pb-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const asJson = (x: { capture: unknown; connections: unknown }): unknown => JSON.parse(JSON.stringify({ capture: x.capture, connections: x.connections }));

  test.each(ALL)('%s', async (file) => {
    const a = await analyze(file);
    expect(a.connections.some((c) => c.transport === 'quic')).toBe(true);
    const out = path.join(dir, `${file}.hlpb`);
    const w = new ProtobufWriter(createWriteStream(out), { file: a.capture.file });
    for (const c of a.connections) w.writeConnection(c);
    await w.end(a.capture);
    const back = await readSavedAnalysis(out);
    expect(asJson(back)).toStrictEqual(asJson(a));
  });
});
