// In-process: n connections, each direction losing its first segment and then
// sending `mib` MiB more (1448-byte segments) that must be held ahead of the
// hole. Per direction at most 1 MiB is held; across all of them the tracker's
// shared budget (64 MiB unless given) bounds the total. Prints peak RSS and
// the tracker's counters.
//
//   npm run build && node scripts/bench-held.mjs [connections] [MiB per direction] [budget MiB]
import { ConnectionTracker } from '../dist/tcp/tracker.js';

const n = Number(process.argv[2] ?? 2000);
const mib = Number(process.argv[3] ?? 1);
const budget = process.argv[4] !== undefined ? Number(process.argv[4]) * 2 ** 20 : undefined;
const tracker = new ConnectionTracker(
  () => ({ wants: () => true, data: () => {}, gap: () => {} }),
  () => {},
  budget !== undefined ? { heldBudgetBytes: budget } : {},
);
const seg = Buffer.alloc(1448, 0x61);
const empty = Buffer.alloc(0);
const mk = (src, sport, dst, dport, flags, seq, payload) => ({
  linkType: 1, ipVersion: 4, src, dst, ipProto: 6, problems: [],
  tcp: { srcPort: sport, dstPort: dport, seq: seq >>> 0, ack: 0, flags, window: 1000, headerLength: 20, options: {}, payload, payloadLength: payload.length },
});
let frame = 0;
const feed = (p) => tracker.packet(p, { frame: ++frame, tsSec: 1_700_000_000, tsNsec: frame }, 60 + p.tcp.payloadLength);
const perDir = Math.floor((mib * 2 ** 20) / (1448 + 176)); // just under the per-direction bound (bytes + per-segment overhead)
const t0 = process.hrtime.bigint();
for (let c = 0; c < n; c++) {
  const cli = `10.1.${c >> 8}.${c & 255}`;
  feed(mk(cli, 40000, '10.9.9.9', 80, 0x02, 0, empty));
  feed(mk('10.9.9.9', 80, cli, 40000, 0x12, 0, empty));
  // seq 1 .. 1448 lost in both directions
  for (let i = 1; i <= perDir; i++) {
    feed(mk(cli, 40000, '10.9.9.9', 80, 0x10, 1 + i * 1448, seg));
    feed(mk('10.9.9.9', 80, cli, 40000, 0x10, 1 + i * 1448, seg));
  }
}
tracker.finish();
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
console.log(`${n} connections x 2 x ${mib} MiB after a hole: ${ms.toFixed(0)} ms, peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB, stats ${JSON.stringify(tracker.stats)}`);
