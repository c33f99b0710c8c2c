/**
 * Test helper: ConnectionFacts for every tcp.stream of a capture, from tshark's
 * fields of the same file (the TCP stage does not collect them yet). Each
 * segment tshark shows is fed to FactsCollector, so the collector is tested too.
 * Client = the side of the golden's `client` (test/golden/<fixture>/streams.json).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { FactsCollector, type ConnectionFacts } from '../../src/findings/facts.js';

const FIELDS = [
  'frame.number', 'frame.time_epoch', 'tcp.stream', 'ip.src', 'ipv6.src', 'tcp.srcport', 'tcp.flags', 'tcp.len',
  'tcp.window_size_value', 'tcp.analysis.retransmission',
  'tls.record.content_type', 'tls.record.opaque_type', 'tls.record.length', 'tls.alert_message.desc',
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
 * A segment whose payload is only closing TLS alerts: encrypted TLS <= 1.2 alert records
 * (content type 21, tshark cannot read a description), or one TLS 1.3 record of 19 bytes
 * (an encrypted 2-byte alert + inner type + 16-byte tag).
 */
export function closeAlertOnly(contentTypes: string[], opaqueTypes: string[], lengths: string[], alertDescs: string[]): boolean {
  if (contentTypes.length > 0 && opaqueTypes.length === 0) return contentTypes.every((t) => t === '21') && alertDescs.length === 0;
  if (contentTypes.length === 0 && opaqueTypes.length === 1) return opaqueTypes[0] === '23' && lengths.length === 1 && lengths[0] === '19';
  return false;
}

export function tsharkFacts(capture: string, goldenStreamsJson: string, extra: string[] = []): Map<number, ConnectionFacts> {
  const golden: GoldenClient[] = JSON.parse(readFileSync(goldenStreamsJson, 'utf8'));
  const clientOf = new Map(golden.map((g) => [g.stream, `${g.client.ip}|${g.client.port}`]));
  const args = ['-n', '-r', capture, ...PREFS, ...extra, '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=a', '-E', 'aggregator=,'];
  for (const f of FIELDS) args.push('-e', f);
  const r = spawnSync('tshark', args, { encoding: 'utf8', maxBuffer: 1 << 28 });
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
      closeAlert: closeAlertOnly(list(c[10]), list(c[11]), list(c[12]), list(c[13])),
    });
  }
  return new Map([...collectors].map(([id, col]) => [id, col.facts()]));
}
