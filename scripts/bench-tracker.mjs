// In-process: n unanswered SYNs (each from its own address and port, to one
// server) through the connection tracker, with the pipeline's reader attached
// and each finalized connection turned into its record (then dropped, as the
// streaming outputs do). Prints time, peak RSS and the tracker's counters.
//
//   npm run build && node --expose-gc scripts/bench-tracker.mjs [n] [maxOpen]
import { ConnectionTracker } from '../dist/tcp/tracker.js';
import { ConnectionReader } from '../dist/timeline/reader.js';
import { buildRecord } from '../dist/timeline/build.js';

const n = Number(process.argv[2] ?? 1_000_000);
const maxOpen = process.argv[3] !== undefined ? Number(process.argv[3]) : undefined;
const bare = process.env.BARE === '1'; // no reader, no record: the tracker alone
const readers = new WeakMap();
let finalized = 0;
const tracker = new ConnectionTracker(
  (conn) => {
    if (bare) return undefined;
    const r = new ConnectionReader(conn);
    readers.set(conn, r);
    return r;
  },
  (conn) => {
    if (!bare) buildRecord(conn, readers.get(conn));
    finalized++;
  },
  maxOpen !== undefined ? { maxOpenConnections: maxOpen } : {},
);
const empty = Buffer.alloc(0);
const t0 = process.hrtime.bigint();
for (let i = 0; i < n; i++) {
  const src = `10.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`; // a new string per packet, as decode makes
  const p = {
    linkType: 1,
    ipVersion: 4,
    src,
    dst: '192.0.2.1',
    ipProto: 6,
    problems: [],
    tcp: {
      srcPort: 1024 + (i % 60000),
      dstPort: 443,
      seq: (i * 2654435761) >>> 0,
      ack: 0,
      flags: 0x02,
      window: 64240,
      headerLength: 40,
      options: { mss: 1460, windowScale: 7, sackPermitted: true },
      payload: empty,
      payloadLength: 0,
    },
  };
  if (globalThis.gc && i % 250_000 === 0 && i > 0) {
    globalThis.gc();
    console.log(`  after ${i}: heap used ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MB, open ${tracker.open}`);
  }
  tracker.packet(p, { frame: i + 1, tsSec: 1_700_000_000 + Math.floor(i / 100_000), tsNsec: (i % 100_000) * 10_000 }, 74);
}
const fed = Number(process.hrtime.bigint() - t0) / 1e6;
tracker.finish();
const total = Number(process.hrtime.bigint() - t0) / 1e6;
const mb = (x) => (x / 1024).toFixed(0);
console.log(
  `n=${n} feed ${fed.toFixed(0)} ms, total ${total.toFixed(0)} ms, finalized ${finalized}, ` +
    `peak RSS ${mb(process.resourceUsage().maxRSS)} MB` +
    (tracker.stats ? `, stats ${JSON.stringify(tracker.stats)}` : ''),
);
