/**
 * Where was the capture taken? From the three-way handshake as seen in the
 * capture: at the client, SYN -> SYN-ACK is the whole round trip and
 * SYN-ACK -> ACK only the client's own turnaround; at the server the other way
 * round; in between, both carry part of the path.
 */
import type { ConnectionRecord } from '../timeline/types.js';

export type VantagePoint = 'client' | 'server' | 'between' | 'unknown';

export interface VantageGuess {
  point: VantagePoint;
  /** Handshakes the guess is based on. */
  handshakes: number;
  /** Median SYN -> SYN-ACK and SYN-ACK -> ACK, ms (null without handshakes). */
  synToSynAckMs: number | null;
  synAckToAckMs: number | null;
}

export interface VantageOptions {
  /** One leg must be at least this many times the other to name an end. */
  ratio: number;
  /** Below this round trip (ms) the legs are host turnaround noise: 'unknown'. */
  minRttMs: number;
}

export const DEFAULT_VANTAGE_OPTIONS: Readonly<VantageOptions> = Object.freeze({ ratio: 4, minRttMs: 1 });

/** The two legs of one connection's handshake (last SYN before the SYN-ACK), or null. */
export function handshakeLegs(rec: ConnectionRecord): { synToSynAckMs: number; synAckToAckMs: number } | null {
  const synAck = rec.events.find((e) => e.type === 'SYN-ACK' && e.from === 'server');
  const ack = rec.events.find((e) => e.type === 'ACK' && e.from === 'client');
  if (!synAck || !ack) return null;
  const syns = rec.events.filter((e) => e.type === 'SYN' && e.from === 'client' && e.time <= synAck.time);
  const syn = syns[syns.length - 1];
  if (!syn) return null;
  return { synToSynAckMs: (synAck.time - syn.time) * 1000, synAckToAckMs: (ack.time - synAck.time) * 1000 };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Incremental: add each record as it closes, read guess() at any time. Keeps the last `keep` handshakes. */
export class VantageEstimator {
  private readonly a: number[] = [];
  private readonly b: number[] = [];
  constructor(
    private readonly opts: VantageOptions = DEFAULT_VANTAGE_OPTIONS,
    private readonly keep = 256,
  ) {}

  add(rec: ConnectionRecord): void {
    const legs = handshakeLegs(rec);
    if (!legs) return;
    this.a.push(legs.synToSynAckMs);
    this.b.push(legs.synAckToAckMs);
    if (this.a.length > this.keep) {
      this.a.shift();
      this.b.shift();
    }
  }

  guess(): VantageGuess {
    if (this.a.length === 0) return { point: 'unknown', handshakes: 0, synToSynAckMs: null, synAckToAckMs: null };
    const a = median(this.a);
    const b = median(this.b);
    const base = { handshakes: this.a.length, synToSynAckMs: a, synAckToAckMs: b };
    if (a + b < this.opts.minRttMs) return { point: 'unknown', ...base };
    if (a >= this.opts.ratio * b) return { point: 'client', ...base };
    if (b >= this.opts.ratio * a) return { point: 'server', ...base };
    return { point: 'between', ...base };
  }
}

export function guessVantage(records: Iterable<ConnectionRecord>, opts?: VantageOptions): VantageGuess {
  const v = new VantageEstimator(opts);
  for (const r of records) v.add(r);
  return v.guess();
}
