/**
 * A report fed incrementally, for a live source (`tcpdump -w - | handshake-lens -`):
 * finished connection records are added one by one as they close, the
 * connections still open are replaced now and then by a fresh snapshot, and
 * the summary and destinations are computed on demand — once per change, not
 * per packet (the caller throttles how often it asks).
 */
import type { ConnectionRecord } from '../timeline/types.js';
import { destinations } from './destinations.js';
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
  /** Finished connections first (in close order), then the open ones (in id order). */
  connections: readonly ConnectionRecord[];
  /** The open ones among `connections`, by record. */
  open: ReadonlyMap<ConnectionRecord, LiveConnection>;
  finished: number;
  summary: Summary;
  destinations: DestinationStats[];
  /** Increases with every change; equal versions mean equal snapshots. */
  version: number;
}

export class LiveReport {
  private readonly finished: ConnectionRecord[] = [];
  private openNow: LiveConnection[] = [];
  private version = 0;
  private cached: LiveSnapshot | undefined;

  /** A connection that was finalized (closed and past its linger, or at the end). */
  add(record: ConnectionRecord): void {
    this.finished.push(record);
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
    const open = new Map<ConnectionRecord, LiveConnection>();
    for (const o of this.openNow) open.set(o.record, o);
    const connections = [...this.finished, ...this.openNow.map((o) => o.record)];
    this.cached = {
      connections,
      open,
      finished: this.finished.length,
      summary: summarize(connections),
      destinations: destinations(connections),
      version: this.version,
    };
    return this.cached;
  }
}
