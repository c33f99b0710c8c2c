/**
 * QUIC in the terminal UI, on fixtures/quic/quic-tcp-tls-same-name.pcap (one
 * TCP+TLS connection, tcp.stream 0, then two QUIC connections,
 * quic.connection.number 0 and 1, to the same name): rows, the `quic` filter,
 * the detail with its Wireshark filter and ladder, the destinations' side by
 * side columns and the pool view's QUIC counts. Frame numbers and packet types
 * come from tshark (test/golden-quic/quic-tcp-tls-same-name.pcap.json).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { analyzeFile } from '../../src/analyze.js';
import type { Analysis } from '../../src/report/types.js';
import { KEY, renderApp, type Screen, linearDetail } from './harness.js';

const FILE = 'quic-tcp-tls-same-name.pcap';
const golden = JSON.parse(readFileSync(path.resolve(process.cwd(), 'test/golden-quic', `${FILE}.json`), 'utf8')) as {
  connections: { number: number; firstFrame: number; first: { client: Record<string, number>; server: Record<string, number> }; clientHello: number; serverHello: number }[];
};

const screens: Screen[] = [];
afterEach(() => {
  while (screens.length) screens.pop()!.unmount();
});
let a: Analysis;
beforeAll(async () => {
  a = await analyzeFile(path.resolve(process.cwd(), 'fixtures/quic', FILE));
});
function open(columns = 120, rows = 60): Screen {
  const s = renderApp({ title: FILE, load: async () => a }, { columns, rows });
  screens.push(s);
  return s;
}
const rowsOf = (f: string) => f.split('\n').filter((l) => /^[> ] +q?\d+ /.test(l));

test('QUIC rows beside the TCP one: q<N> ids, QUICv1, and the filter quic keeps them only', async () => {
  const s = open();
  let f = await s.waitFor('sort: setup');
  expect(f).toContain('3 connections (2 QUIC)');
  const rows = rowsOf(f);
  expect(rows.map((r) => r.trim().replace(/^> */, '').split(/\s+/)[0]).sort()).toEqual(['0', 'q0', 'q1']);
  for (const r of rows) expect(r).toContain(/q\d/.test(r.slice(0, 6)) ? 'QUICv1' : 'TLS1.3');
  await s.press('/', ...'quic'.split(''), KEY.enter);
  f = await s.waitFor('filter: quic');
  expect(rowsOf(f)).toHaveLength(2);
  for (const r of rowsOf(f)) expect(r).toContain('QUICv1');
});

test('the detail of a QUIC connection: its Wireshark filter and its own ladder, at tshark\'s frames', async () => {
  const s = open();
  await s.waitFor('sort: setup');
  await s.press('/', ...'#q0'.split(''), KEY.enter);
  await s.waitFor((f) => rowsOf(f).length === 1);
  await s.press(KEY.enter);
  const f = linearDetail(await s.waitFor('QUIC connection #q0'));
  expect(f).toContain('quic.connection.number eq 0');
  expect(f).toContain('QUIC handshake');
  const g = golden.connections[0];
  const ladder = (event: string, dir: string) => f.split('\n').find((l) => l.includes(dir) && l.split(dir)[1]!.trim().startsWith(event + ' '));
  const frameOf = (line: string | undefined) => (line === undefined ? undefined : Number(line.trim().split(/\s+/).slice(-2)[0]));
  expect(frameOf(ladder('ClientHello', 'client → server'))).toBe(g.clientHello);
  expect(frameOf(ladder('ServerHello', 'server → client'))).toBe(g.serverHello);
  expect(frameOf(ladder('Initial', 'client → server'))).toBe(g.first.client.Initial);
  expect(frameOf(ladder('Handshake', 'server → client'))).toBe(g.first.server.Handshake);
  expect(frameOf(ladder('1-RTT', 'client → server'))).toBe(g.first.client['1-RTT']);
  expect(ladder('1-RTT', 'client → server')).toContain('handshake confirmed (inferred)');
});

test('destinations put TCP+TLS and QUIC setup side by side; the pool view says QUIC is not simulated', async () => {
  const s = open();
  await s.waitFor('sort: setup');
  await s.press(KEY.tab);
  let f = await s.waitFor('TCP+TLS p50');
  expect(f).toMatch(/quic\.hl\.test:4433\s+3\s.*1× \S+\s+2× \S+/);
  await s.press(KEY.tab);
  f = await s.waitFor('QUIC (not simulated)');
  expect(f).toContain('QUIC (not simulated): 2 conns, 2 new handshakes, 0 resumed, 0 with 0-RTT');
});

test('with a key log the pool view counts QUIC requests per connection (tshark: 3 request streams on one connection)', async () => {
  const name = 'quic-three-requests-one-conn';
  const req = JSON.parse(readFileSync(path.resolve(process.cwd(), 'test/golden-quic/requests', `${name}.pcap.json`), 'utf8')) as {
    connections: { requests: unknown[] }[];
  };
  const n = req.connections.reduce((k, c) => k + c.requests.length, 0);
  const { KeyLog } = await import('../../src/tls/keylog.js');
  const keyLog = new KeyLog().add(readFileSync(path.resolve(process.cwd(), 'fixtures/quic', `${name}.keys`)));
  const keyed = await analyzeFile(path.resolve(process.cwd(), 'fixtures/quic', `${name}.pcap`), { keyLog });
  const s = renderApp({ title: name, load: async () => keyed }, { columns: 140, rows: 40 });
  screens.push(s);
  await s.waitFor('sort: setup');
  await s.press(KEY.tab, KEY.tab);
  const f = await s.waitFor('QUIC (not simulated)');
  expect(f).toContain(`QUIC (not simulated): ${req.connections.length} conns, ${n} requests (${n / req.connections.length} per conn)`);
});
