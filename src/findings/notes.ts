/**
 * Short notes on a connection worth a look (refused, retransmitted SYNs,
 * alerts, resumption, ...), one phrase each, for the detail screen. Computed
 * from the finished record only; the diagnoses with codes live beside it.
 * Strings from the capture are returned as they are: the view sanitizes.
 */
import type { ConnectionRecord } from '../timeline/types.js';
import { fmtMs } from '../base/format.js';

/** The facts worth a look about a connection, one short phrase each. */
export function connectionNotes(c: ConnectionRecord): string[] {
  const flags: string[] = [];
  if (c.state === 'refused') flags.push('connection refused (SYN answered by RST)');
  if (c.state === 'unanswered') flags.push(c.transport === 'quic' ? 'Initial never answered' : 'SYN never answered');
  if (c.midstream) flags.push('started before the capture (midstream)');
  if (c.tcp && c.tcp.synRetransmits > 0) {
    const at = c.tcp.synRetransmitOffsetsMs.map((ms) => `+${fmtMs(ms)}`).join(', ');
    flags.push(`SYN retransmitted ×${c.tcp.synRetransmits}${at ? ` (${at})` : ''}`);
  }
  if (c.tcp && c.tcp.synAckRetransmits > 0) flags.push(`SYN-ACK retransmitted ×${c.tcp.synAckRetransmits}`);
  const tls = c.tls;
  if (tls) {
    // An alert of a handshake that never completed is its failure.
    const failed = tls.handshakeMs === null;
    for (const a of tls.alerts) {
      flags.push(`${failed ? 'handshake failed: ' : ''}alert ${a.name} from ${a.from} (frame ${a.frame})`);
    }
    if (tls.resumed) flags.push(`resumed${tls.resumption ? ` (${tls.resumption})` : ''}`);
    if (tls.helloRetry) flags.push('HelloRetryRequest (one more round trip)');
    if (tls.earlyData) flags.push('0-RTT early data offered');
    if (tls.handshakeEndInferred) flags.push('TLS 1.3 handshake end inferred (encrypted)');
    if (tls.startTls) flags.push('STARTTLS (TLS after a plaintext exchange)');
  }
  // An RST after the FIN ends an ordinary close: a note, not a reset (findings say when it was more).
  if (c.state === 'reset' && c.teardown.by === 'FIN') flags.push(`closed with an RST${c.resetBy ? ` from the ${c.resetBy}` : ''} after the FIN`);
  else if (c.state === 'reset') flags.push(`reset${c.resetBy ? ` by the ${c.resetBy}` : ''}`);
  for (const p of c.problems) flags.push(p);
  return flags;
}
