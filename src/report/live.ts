/**
 * A report fed incrementally, for a live source (`tcpdump -w - | handshake-lens -`):
 * finished connection records are added one by one as they close, the
 * connections still open are replaced now and then by a fresh snapshot, and
 * the summary and destinations are computed on demand — once per change, not
 * per packet (the caller throttles how often it asks).
 */
import type { ConnectionRecord, Finding } from '../timeline/types.js';
import { destinations } from './destinations.js';
import { RowStore, RowView, type ConnRow } from './rows.js';
import { summarize } from './summary.js';
import type { DestinationStats, Summary } from './types.js';

/** Where a connection that is still open stands. */
export type LivePhase =
  | 'SYN sent' // waiting for the SYN-ACK
  | 'Initial sent' // QUIC: the client's Initial(s), no answer yet
  | 'SYN-ACK' // waiting for the client's ACK
  | 'TLS…' // ClientHello seen, handshake not complete
  | 'open' // set up (or plain TCP with data), not closing
  | 'closing' // FIN or RST seen, lingering for late packets
  | 'midstream'; // start not seen

export interface LiveConnection {
  /** The record as it would be if the capture ended now (state 'open', 'half-closed', ...). */
  record: ConnectionRecord;
  phase: LivePhase;
  /** Wall-clock time (ms since the epoch) when its first packet was read. */
  seenAtMs: number;
}

export interface LiveSnapshot {
  /**
   * Finished connections first (in close order), as compact rows (report/rows.ts: a
   * live source can run for days, and a row is all the report keeps of a finished
   * connection), then the open ones (in id order), as their records are now.
   */
  connections: readonly ConnRow[];
  /** The open ones among `connections`, by record. */
  open: ReadonlyMap<ConnRow, LiveConnection>;
  finished: number;
  /** Finished connections past the row bound (LiveReport's maxRows): not in `connections` nor in the figures. */
  dropped: number;
  summary: Summary;
  destinations: DestinationStats[];
  /** Increases with every change; equal versions mean equal snapshots. */
  version: number;
}

/** Rows a live report keeps by default (the analysis' DEFAULT_MAX_ROWS at 1 GiB). */
export const LIVE_MAX_ROWS = 1_500_000;

export class LiveReport {
  private readonly rows = new RowStore();
  /** A view of each finished row, in close order (the snapshot lists them as they are). */
  private readonly finished: RowView[] = [];
  private dropped = 0;
  private openNow: LiveConnection[] = [];
  private version = 0;
  private cached: LiveSnapshot | undefined;

  /** `maxRows`: finished connections kept (as rows) at most; later ones are counted in `dropped`. */
  constructor(private readonly maxRows = LIVE_MAX_ROWS) {}

  /** A connection that was finalized (closed and past its linger, or at the end): its row is kept, not the record. */
  add(record: ConnectionRecord): void {
    if (this.finished.length < this.maxRows) this.finished.push(new RowView(this.rows, this.rows.add(record)));
    else this.dropped++;
    this.version++;
  }

  /** Late (retry) findings for a TCP connection already added. */
  applyLate(id: number, late: readonly Finding[]): void {
    const i = this.rows.findTcp(id);
    if (i < 0) return;
    this.rows.applyLate(i, late);
    this.version++;
  }

  /** The connections open right now (replaces the previous set). */
  setOpen(open: LiveConnection[]): void {
    if (open.length === 0 && this.openNow.length === 0) return;
    this.openNow = open;
    this.version++;
  }

  /** Changes so far: compare with a snapshot's version to know whether to ask again. */
  get changes(): number {
    return this.version;
  }

  get finishedCount(): number {
    return this.finished.length;
  }

  /** Summary and destinations over finished and open connections (computed again only after a change). */
  snapshot(): LiveSnapshot {
    if (this.cached?.version === this.version) return this.cached;
    const open = new Map<ConnRow, LiveConnection>();
    for (const o of this.openNow) open.set(o.record, o);
    const connections: ConnRow[] = [...this.finished, ...this.openNow.map((o) => o.record)];
    this.cached = {
      connections,
      open,
      finished: this.finished.length,
      dropped: this.dropped,
      summary: summarize(connections),
      destinations: destinations(connections),
      version: this.version,
    };
    return this.cached;
  }
}
