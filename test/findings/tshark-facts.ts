/**
 * Test helper: ConnectionFacts for every tcp.stream of a capture, from tshark's
 * fields of the same file (the TCP stage does not collect them yet). Each
 * segment tshark shows is fed to FactsCollector, so the collector is tested too.
 * Client = the side of the golden's `client` (test/golden/<fixture>/streams.json).
 */
import { readFileSync } from 'node:fs';
import { tshark } from '../helpers/tshark.js';
import { FactsCollector, type ConnectionFacts } from '../../src/findings/facts.js';

const FIELDS = [
  'frame.number', 'frame.time_epoch', 'tcp.stream', 'ip.src', 'ipv6.src', 'tcp.srcport', 'tcp.flags', 'tcp.len',
  'tcp.window_size_value', 'tcp.analysis.retransmission',
  'tls.record.content_type', 'tls.record.opaque_type', 'tls.record.length',
];

const PREFS = [
  '-o', 'tcp.desegment_tcp_streams:TRUE',
  '-o', 'tls.desegment_ssl_records:TRUE',
  '-o', 'tls.desegment_ssl_application_data:TRUE',
  '-o', 'tcp.reassemble_out_of_order:TRUE',
];

interface GoldenClient {
  stream: number;
  client: { ip: string; port: number };
}

const list = (v: string | undefined): string[] => (v ? v.split(',').filter((x) => x !== '') : []);

/**
 * A segment whose payload is exactly one closing TLS alert record, the rule the TCP stage can
 * apply to the payload bytes (facts.ts, SegmentFact.closeAlert): one record of content type 21
 * filling the segment, or one TLS 1.3 application_data record of 19 bytes (24 with its header:
 * an encrypted 2-byte alert, the inner type and a 16-byte tag).
 */
export function closeAlertOnly(tcpLen: number, contentTypes: string[], opaqueTypes: string[], lengths: string[]): boolean {
  if (lengths.length !== 1) return false;
  const len = Number(lengths[0]);
  if (contentTypes.length === 1 && opaqueTypes.length === 0) return contentTypes[0] === '21' && tcpLen === len + 5;
  if (contentTypes.length === 0 && opaqueTypes.length === 1) return opaqueTypes[0] === '23' && len === 19 && tcpLen === 24;
  return false;
}

/** tshark's stdout, stderr and exit status for `args` on `capture` (`tshark -n -r capture …`), through the store (test/helpers/tshark.ts). */
export function tsharkOutput(capture: string, args: string[]): { stdout: string; status: number | null; stderr: string } {
  return tshark(['-n', '-r', capture, ...args]);
}

export function tsharkFacts(capture: string, goldenStreamsJson: string, extra: string[] = []): Map<number, ConnectionFacts> {
  const golden: GoldenClient[] = JSON.parse(readFileSync(goldenStreamsJson, 'utf8'));
  const clientOf = new Map(golden.map((g) => [g.stream, `${g.client.ip}|${g.client.port}`]));
  const args = [...PREFS, ...extra, '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=a', '-E', 'aggregator=,'];
  for (const f of FIELDS) args.push('-e', f);
  const r = tsharkOutput(capture, args);
  // A damaged file makes tshark exit non-zero after printing the frames it could read.
  if (r.status !== 0 && r.stdout.trim() === '') throw new Error(`tshark failed on ${capture}: ${r.stderr}`);
  const collectors = new Map<number, FactsCollector>();
  for (const line of r.stdout.split('\n')) {
    if (line === '') continue;
    const c = line.split('\t');
    const stream = list(c[2])[0];
    if (stream === undefined) continue;
    const id = Number(stream);
    const src = `${list(c[3])[0] ?? list(c[4])[0]}|${list(c[5])[0]}`;
    const flags = Number(list(c[6])[0]);
    let col = collectors.get(id);
    if (!col) collectors.set(id, (col = new FactsCollector()));
    col.segment({
      frame: Number(c[0]),
      time: Number(c[1]),
      from: src === clientOf.get(id) ? 'client' : 'server',
      syn: (flags & 0x02) !== 0,
      fin: (flags & 0x01) !== 0,
      rst: (flags & 0x04) !== 0,
      payload: Number(list(c[7])[0] ?? 0),
      window: Number(list(c[8])[0] ?? 1),
      retransmission: (c[9] ?? '') !== '',
      closeAlert: closeAlertOnly(Number(list(c[7])[0] ?? 0), list(c[10]), list(c[11]), list(c[12])),
    });
  }
  return new Map([...collectors].map(([id, col]) => [id, col.facts()]));
}
