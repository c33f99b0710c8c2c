/**
 * Compare two analyses of the same traffic: the baseline (input rewritten
 * unchanged) and a transformed capture, under the transformation's rule.
 */
import type { AnalysisResult } from '../../src/analyze.js';
import type { ConnectionRecord, TimelineEvent } from '../../src/timeline/types.js';
import type { Transformed } from './transform.js';

const show = (e: TimelineEvent): string => `${e.from} ${e.type}@${e.frame}`;

/**
 * What must not change: the connections (count, order, roles), per side the
 * sequence of event types, each event's frame as the rule maps it (the frame
 * where the message's completing segment now is), the TLS facts read from the
 * handshake, and the events' order in the timeline (by frame).
 * Returns one line per difference; [] when the rule holds.
 */
export function differences(base: AnalysisResult, got: AnalysisResult, t: Transformed): string[] {
  const out: string[] = [];
  const a = base.connections.filter((c) => c.transport === 'tcp');
  const b = got.connections.filter((c) => c.transport === 'tcp');
  if (a.length !== b.length) return [`${a.length} TCP connections before, ${b.length} after`];
  a.forEach((ca, i) => {
    const cb = b[i];
    const tag = `conn ${ca.id}`;
    if (JSON.stringify([ca.client, ca.server]) !== JSON.stringify([cb.client, cb.server])) {
      out.push(`${tag}: endpoints ${JSON.stringify([ca.client, ca.server])} -> ${JSON.stringify([cb.client, cb.server])}`);
      return;
    }
    const facts = (c: ConnectionRecord) =>
      JSON.stringify(c.tls && [c.tls.versionCode, c.tls.cipherSuite, c.tls.sni, c.tls.alpn, c.tls.resumed, c.tls.helloRetry, c.tls.earlyData]);
    if (facts(ca) !== facts(cb)) out.push(`${tag}: TLS facts ${facts(ca)} -> ${facts(cb)}`);
    for (const side of ['client', 'server'] as const) {
      const ea = ca.events.filter((e) => e.from === side);
      const eb = cb.events.filter((e) => e.from === side);
      const ta = ea.map((e) => e.type).join(',');
      const tb = eb.map((e) => e.type).join(',');
      if (ta !== tb) {
        out.push(`${tag} ${side} events: [${ea.map(show).join(' ')}] -> [${eb.map(show).join(' ')}]`);
        continue;
      }
      const [me, peer] = side === 'client' ? [ca.client, ca.server] : [ca.server, ca.client];
      ea.forEach((e, k) => {
        // Without TLS, application data is the first segment with payload in the file, whatever its sequence
        // number (the metrics rule, from tshark's tcp.len): it moves with the segments, not with the bytes.
        const plain = ca.tls === null && e.type === 'ApplicationData' && me && peer;
        const first = plain ? firstPayload(t, `${me.ip}|${me.port}`, `${peer.ip}|${peer.port}`, t.expected(ca.firstFrame)[0]) : undefined;
        const want = first !== undefined ? [first] : t.expected(e.frame);
        if (!want.includes(eb[k].frame)) out.push(`${tag}: ${show(e)} -> frame ${eb[k].frame}, rule says ${want.join(' or ')}`);
      });
    }
    for (let k = 1; k < cb.events.length; k++) {
      if (cb.events[k].frame < cb.events[k - 1].frame) {
        out.push(`${tag}: timeline out of order: ${show(cb.events[k - 1])} before ${show(cb.events[k])}`);
      }
    }
  });
  return out;
}

/** Output frame of the first segment with payload from `from` to `to` (endpoints as "ip|port"), from frame `fromFrame` on (a reused port). */
export function firstPayload(t: Transformed, from: string, to: string, fromFrame = 1): number | undefined {
  const conn = from < to ? `${from}-${to}` : `${to}-${from}`;
  const i = t.out.findIndex((o, k) => k + 1 >= fromFrame && o.pkt.conn === conn && o.pkt.dir === from && o.pkt.payloadLength > 0);
  return i >= 0 ? i + 1 : undefined;
}
