/**
 * What an open connection costs on the heap (issue 14: a SYN flood holds up to
 * the open cap, 100,000 half-open connections, at once). A bare SYN touches
 * only the connection's own fields: its cold state (TcpColdState: FIN/RST,
 * payload, reassembly, facts) is shared and empty until the first SYN-ACK,
 * ACK, data, FIN or RST, and then made for that connection alone.
 */
import { runInNewContext } from 'node:vm';
import v8 from 'node:v8';
import { TcpConnection } from '../../src/tcp/connection.js';
import { TCP_ACK, TCP_SYN, type TcpHeader } from '../../src/decode/types.js';

const header = (flags: number, seq: number, ack = 0): TcpHeader => ({
  srcPort: 40000,
  dstPort: 443,
  seq,
  ack,
  flags,
  window: 64240,
  headerLength: 40,
  options: { mss: 1460 },
  payload: Buffer.alloc(0),
  payloadLength: 0,
});

/** Heap bytes per connection of `n` connections, each given the segments `feed` makes. */
function bytesPerConnection(n: number, feed: (c: TcpConnection, i: number) => void): number {
  v8.setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const a = { ip: '10.0.0.1', port: 40000 };
  const b = { ip: '10.0.0.2', port: 443 };
  gc();
  const before = process.memoryUsage().heapUsed;
  const conns: TcpConnection[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const stamp = { frame: i + 1, tsSec: 1_700_000_000, tsNsec: i };
    const c = new TcpConnection(i, a, b, stamp);
    feed(c, i);
    conns[i] = c;
  }
  gc();
  const per = (process.memoryUsage().heapUsed - before) / n;
  expect(conns).toHaveLength(n);
  return per;
}

describe('heap per open connection', () => {
  test('a bare SYN: at most 420 bytes (its two stamps, SYN list and endpoints included; 688 with the cold fields in the connection), the cold state not made', () => {
    const syn = bytesPerConnection(50_000, (c, i) => c.segment(0, header(TCP_SYN, 1000 + i), { frame: i + 1, tsSec: 1_700_000_000, tsNsec: i }, 74));
    // A SYN answered by a SYN-ACK and ACK needs the cold state: it costs more, which shows the bare SYN did not make it.
    const handshake = bytesPerConnection(50_000, (c, i) => {
      const t = (k: number) => ({ frame: 3 * i + k, tsSec: 1_700_000_000, tsNsec: i * 10 + k });
      c.segment(0, header(TCP_SYN, 1000 + i), t(1), 74);
      c.segment(1, header(TCP_SYN | TCP_ACK, 5000, 1001 + i), t(2), 74);
      c.segment(0, header(TCP_ACK, 1001 + i, 5001), t(3), 66);
    });
    process.stdout.write(`heap bytes per connection: bare SYN ${syn.toFixed(0)}, handshake ${handshake.toFixed(0)}\n`);
    expect(syn).toBeLessThanOrEqual(420);
    expect(handshake - syn).toBeGreaterThan(400);
  });
});
