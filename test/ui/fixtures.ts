/**
 * Real data for the UI tests: analyses of fixtures/ captures, a capture merged
 * from several fixtures with mergecap, and tshark's view of them (the
 * expected values).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { analyzeFile } from '../../src/analyze.js';
import type { Analysis } from '../../src/report/types.js';
import { tsharkText } from '../helpers/tshark.js';

export const fixture = (name: string) => path.resolve(process.cwd(), 'fixtures', name);

export async function analysis(file: string): Promise<Analysis> {
  const a = await analyzeFile(file);
  return { capture: a.capture, connections: a.connections };
}

/** Captures merged into one (chronologically, pcapng) by mergecap. */
export const MERGED_PARTS = [
  'zeek-tls12-basic.pcap',
  'arkime-curl-tls13.pcap',
  'suricata-ipv6-tls13.pcap',
  'arkime-tls13-split-client-hello.pcap',
  'zeek-tls13-hello-retry-request.pcap',
  'arkime-tls10-sessionid-resumption.pcap',
  'ndpi-tls12-midstream-no-syn.pcapng',
];

export function makeTemp(): { dir: string; done: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'hl-ui-'));
  return { dir, done: () => rmSync(dir, { recursive: true, force: true }) };
}

export function mergeFixtures(out: string, parts = MERGED_PARTS): string {
  execFileSync('mergecap', ['-F', 'pcapng', '-w', out, ...parts.map(fixture)], { stdio: 'ignore' });
  return out;
}

export interface TsharkStream {
  stream: number;
  client: string;
  server: string;
  serverPort: number;
  sni: string | null;
}

function tshark(file: string, filter: string, fields: string[]): string[][] {
  const out = tsharkText(['-r', file, '-Y', filter, '-T', 'fields', ...fields.flatMap((f) => ['-e', f])]);
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('\t'));
}

/** Per tcp.stream: the endpoints of its first packet (client = sender of the SYN when there is one) and the SNI. */
export function tsharkStreams(file: string): TsharkStream[] {
  const rows = tshark(file, 'tcp', ['tcp.stream', 'ip.src', 'ipv6.src', 'tcp.srcport', 'ip.dst', 'ipv6.dst', 'tcp.dstport', 'tcp.flags.syn', 'tcp.flags.ack']);
  const byStream = new Map<number, TsharkStream>();
  for (const r of rows) {
    const stream = Number(r[0]);
    const src = `${r[1] || r[2]}`;
    const dst = `${r[4] || r[5]}`;
    const isSyn = r[7] === '1' && r[8] === '0';
    const ep = (ip: string, port: string) => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);
    const s: TsharkStream = { stream, client: ep(src, r[3]!), server: ep(dst, r[6]!), serverPort: Number(r[6]), sni: null };
    if (!byStream.has(stream) || isSyn) byStream.set(stream, { ...s, sni: byStream.get(stream)?.sni ?? null });
  }
  // The ClientHello's sender is the client (this settles streams whose SYN was not captured).
  const hellos = tshark(file, 'tls.handshake.type == 1', ['tcp.stream', 'tls.handshake.extensions_server_name', 'ip.src', 'ipv6.src', 'tcp.srcport', 'ip.dst', 'ipv6.dst', 'tcp.dstport']);
  for (const r of hellos) {
    const s = byStream.get(Number(r[0]));
    if (!s) continue;
    if (r[1]) s.sni = r[1];
    const ep = (ip: string, port: string) => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);
    s.client = ep(r[2] || r[3]!, r[4]!);
    s.server = ep(r[5] || r[6]!, r[7]!);
    s.serverPort = Number(r[7]);
  }
  return [...byStream.values()].sort((a, b) => a.stream - b.stream);
}
