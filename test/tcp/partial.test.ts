/**
 * Partial captures derived from a real one (scripts/make-one-sided-fixtures.sh):
 * the tcp stage's initial RTT against tshark's tcp.analysis.initial_rtt on the
 * same files (test/golden/<fixture>/streams.json), and the one-sided flag.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCapture } from '../../src/capture/index.js';
import { decodeFrame } from '../../src/decode/index.js';
import { ConnectionTracker } from '../../src/tcp/tracker.js';
import type { TcpConnection } from '../../src/tcp/connection.js';
import { msBetween } from '../../src/base/stamp.js';

const root = process.cwd();

async function connections(fixture: string): Promise<TcpConnection[]> {
  const out: TcpConnection[] = [];
  const tracker = new ConnectionTracker(() => undefined, (c) => out.push(c));
  await readCapture(join(root, 'fixtures', fixture), (f) => {
    const p = decodeFrame(f.data, f.linkType);
    if (p.tcp && p.src !== undefined && p.dst !== undefined) tracker.packet(p, { frame: f.number, tsSec: f.tsSec, tsNsec: f.tsNsec }, f.origLen);
  });
  tracker.finish();
  return out.sort((a, b) => a.id - b.id);
}

function golden(fixture: string): { initialRtt: number | null; client: { ip: string; port: number } }[] {
  return JSON.parse(readFileSync(join(root, 'test', 'golden', fixture, 'streams.json'), 'utf8'));
}

const rttSec = (c: TcpConnection): number | null =>
  c.initialRttSyn && c.initialRttAt ? msBetween(c.initialRttSyn, c.initialRttAt) / 1000 : null;

const clientDirOf = (c: TcpConnection, client: { ip: string; port: number }) =>
  c.endpoints[0].ip === client.ip && c.endpoints[0].port === client.port ? 0 : 1;

describe.each([
  // [fixture, one-sided flag expected]
  ['ns-tls13-mtu1500-cert-chain.pcap', null],
  ['ns-tls13-mtu1500-cert-chain-client-only.pcap', 'client-only'],
  ['ns-tls13-mtu1500-cert-chain-no-synack.pcap', null],
  ['ns-tls13-mtu1500-cert-chain-no-pure-ack.pcap', null],
  ['lo-tcp-syn-retransmit-then-tls13.pcap', null],
  ['lo-tcp-refused.pcap', null],
  ['lo-tcp-syn-unanswered.pcap', null],
] as const)('%s', (fixture, oneSided) => {
  let conns: TcpConnection[];
  let gold: ReturnType<typeof golden>;
  beforeAll(async () => {
    conns = await connections(fixture);
    gold = golden(fixture);
  });

  test('initial RTT where tshark has one, and only there', () => {
    expect(conns.length).toBe(gold.length);
    conns.forEach((c, i) => {
      const g = gold[i]!.initialRtt;
      const ours = rttSec(c);
      if (g === null) expect(ours).toBeNull();
      else expect(Math.abs(ours! - g)).toBeLessThan(1e-9);
    });
  });

  test(`one-sided: ${oneSided}`, () => {
    conns.forEach((c, i) => expect(c.oneSided(clientDirOf(c, gold[i]!.client))).toBe(oneSided));
  });
});

/**
 * The same flag on the record (analyze.ts -> buildRecord), and what the state says: a
 * client-only capture holds only the client's packets, but its ACKs acknowledge the
 * server's SYN-ACK and data (tshark: tcp.ack > 1 in the client's segments), so the
 * connection was answered; a SYN nobody answered stays 'unanswered'.
 */
describe('records: oneSided and the state of a one-sided capture', () => {
  test.each([
    ['ns-tls13-mtu1500-cert-chain-client-only.pcap', 'client-only', false],
    ['ns-tls13-mtu1500-cert-chain.pcap', null, false],
    ['lo-tcp-syn-unanswered.pcap', null, true],
  ] as const)('%s: oneSided %s, unanswered %s', async (fixture, oneSided, unanswered) => {
    const { analyzeFile } = await import('../../src/analyze.js');
    const a = await analyzeFile(join(root, 'fixtures', fixture));
    expect(a.connections.length).toBeGreaterThan(0);
    for (const c of a.connections) {
      expect(c.oneSided).toBe(oneSided);
      expect(c.state === 'unanswered').toBe(unanswered);
    }
  });
});
