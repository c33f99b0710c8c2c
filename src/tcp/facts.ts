/**
 * Per-connection facts the findings need and the ConnectionRecord does not
 * carry (yet). They are a bounded summary of the connection's segments, kept
 * while it is open: the TCP stage can collect them with FactsCollector (one
 * call per segment, O(1) state), or any other source can fill the interface
 * (the tests fill it from tshark's fields of the same capture).
 *
 * Definitions used throughout:
 * - payload: TCP payload that is new data (not a retransmission) and not a
 *   TLS closing alert (`closeAlert`, below);
 * - burst: a maximal run of payload segments from one side, ended by payload
 *   from the other side; `last` is its last segment;
 * - turn: a client burst followed by a server burst (request -> response).
 */
import { epoch, type Side, type Stamp } from '../base/stamp.js';
import { appendTight } from '../base/lists.js';

export interface FrameTime {
  frame: number;
  /** Epoch seconds. */
  time: number;
}

export interface PerSide<T> {
  client: T;
  server: T;
}

export interface Burst {
  from: Side;
  first: FrameTime;
  last: FrameTime;
  bytes: number;
}

export interface Turn {
  request: Burst;
  /** First segment of the response burst. */
  response: FrameTime;
}

export interface ConnectionFacts {
  /** First segment from each side advertising a zero receive window (no SYN/FIN/RST, as tcp.analysis.zero_window). */
  zeroWindow: PerSide<FrameTime | null>;
  /** First FIN and first RST from each side. */
  fin: PerSide<FrameTime | null>;
  rst: PerSide<FrameTime | null>;
  /** First payload segment from each side (handshake messages count: TLS records are payload). */
  firstPayload: PerSide<FrameTime | null>;
  /** First segment from each side carrying only a TLS closing alert. */
  closeAlert: PerSide<FrameTime | null>;
  /** First payload from each side after the other side's FIN. */
  payloadAfterPeerFin: PerSide<FrameTime | null>;
  /** The last burst before the first FIN or RST of either side (null: no payload before it, or no close yet). */
  lastBurstBeforeClose: Burst | null;
  /** The open burst at the end of the capture (or at the close). */
  lastBurst: Burst | null;
  /** The first MAX_TURNS request -> response turns; later ones are summarised by `slowestLaterTurn`. */
  turns: Turn[];
  /** Of the turns after the first MAX_TURNS, the one with the longest wait for the response. */
  slowestLaterTurn: Turn | null;
  /** Turns counted in all. */
  turnCount: number;
}

export const MAX_TURNS = 8;

/** What the collector needs from one TCP segment. */
export interface SegmentFact {
  frame: number;
  /** Epoch seconds. */
  time: number;
  from: Side;
  syn: boolean;
  fin: boolean;
  rst: boolean;
  /** TCP payload length. */
  payload: number;
  /** The raw window field (unscaled). */
  window: number;
  /** The segment repeats data already seen in this direction (tcp.analysis.retransmission). */
  retransmission: boolean;
  /**
   * The payload is exactly one TLS alert record: bytes 0x15 0x03 xx, then a length L with
   * payload = 5 + L; or a TLS 1.3 encrypted alert: 0x17 0x03 0x03 0x00 0x13 and payload = 24
   * (a 2-byte alert, the inner content type and a 16-byte tag). After the handshake this is
   * close_notify in practice; such segments do not count as payload.
   */
  closeAlert: boolean;
  /**
   * The segment's frame stamp, when the TCP stage collects (frame and time are then
   * stamp.frame and epoch(stamp)): the collector keeps a reference to it, which the
   * connection holds anyway, instead of a FrameTime of its own per fact.
   */
  stamp?: Stamp;
}

export function emptyFacts(): ConnectionFacts {
  return {
    zeroWindow: { client: null, server: null },
    fin: { client: null, server: null },
    rst: { client: null, server: null },
    firstPayload: { client: null, server: null },
    closeAlert: { client: null, server: null },
    payloadAfterPeerFin: { client: null, server: null },
    lastBurstBeforeClose: null,
    lastBurst: null,
    turns: [],
    slowestLaterTurn: null,
    turnCount: 0,
  };
}

const other = (s: Side): Side => (s === 'client' ? 'server' : 'client');

/**
 * A fact's frame and time as kept by the collector: the frame's Stamp when the
 * segment came with one (SegmentFact.stamp), else a FrameTime; a FrameTime
 * only in what facts() returns.
 */
type Point = Stamp | FrameTime;

/** A burst as kept: `last` and `bytes` change while it is the open one (`cur`). */
interface OpenBurst {
  from: Side;
  first: Point;
  last: Point;
  bytes: number;
}

/** A turn as kept: its client burst's fields and the first segment of the response, one object. */
interface KeptTurn {
  first: Point;
  last: Point;
  bytes: number;
  response: Point;
}

/**
 * Collects ConnectionFacts from a connection's segments in capture order.
 * Constant state per connection: no segment is kept. Cheap per segment: with
 * SegmentFact.stamp nothing is allocated but a burst when one starts (and a
 * turn when one ends); without, a FrameTime per fact recorded.
 */
/**
 * Memory: one collector lives per open connection, so the per-side facts are
 * plain fields (no PerSide object each), points are the frames' stamps (shared
 * with the connection, not a FrameTime each: ~0.8 KB less per open TLS
 * connection), a turn is one object, and the turns list is made at the first
 * turn and grown to its length; facts() builds the ConnectionFacts shape.
 */
export class FactsCollector {
  private zeroWindowC: Point | null = null;
  private zeroWindowS: Point | null = null;
  private finC: Point | null = null;
  private finS: Point | null = null;
  private rstC: Point | null = null;
  private rstS: Point | null = null;
  private firstPayloadC: Point | null = null;
  private firstPayloadS: Point | null = null;
  private closeAlertC: Point | null = null;
  private closeAlertS: Point | null = null;
  private afterPeerFinC: Point | null = null;
  private afterPeerFinS: Point | null = null;
  private lastBurstBeforeClose: OpenBurst | null = null;
  private turns: KeptTurn[] | null = null;
  private slowestLaterTurn: KeptTurn | null = null;
  private turnCount = 0;
  private closed = false;
  private cur: OpenBurst | null = null;

  segment(s: SegmentFact): void {
    const client = s.from === 'client';
    if (s.window === 0 && !s.syn && !s.fin && !s.rst) {
      if (client) this.zeroWindowC ??= at(s);
      else this.zeroWindowS ??= at(s);
    }
    if (s.payload > 0 && !s.syn) this.payload(s);
    if ((s.fin || s.rst) && !this.closed) {
      this.closed = true;
      const cur = this.cur;
      this.lastBurstBeforeClose = cur ? { from: cur.from, first: cur.first, last: cur.last, bytes: cur.bytes } : null;
    }
    if (s.fin) {
      if (client) this.finC ??= at(s);
      else this.finS ??= at(s);
    }
    if (s.rst) {
      if (client) this.rstC ??= at(s);
      else this.rstS ??= at(s);
    }
  }

  private payload(s: SegmentFact): void {
    const client = s.from === 'client';
    if (s.closeAlert) {
      if (client) this.closeAlertC ??= at(s);
      else this.closeAlertS ??= at(s);
      return;
    }
    if (s.retransmission) return;
    if (client) this.firstPayloadC ??= at(s);
    else this.firstPayloadS ??= at(s);
    if (client ? this.finS !== null : this.finC !== null) {
      if (client) this.afterPeerFinC ??= at(s);
      else this.afterPeerFinS ??= at(s);
    }
    const cur = this.cur;
    if (cur && cur.from === s.from) {
      // In place: `cur` is copied wherever it is kept (lastBurstBeforeClose), or ends (turns).
      cur.last = at(s);
      cur.bytes += s.payload;
      return;
    }
    const p = at(s);
    if (cur && cur.from === 'client' && s.from === 'server') this.turn({ first: cur.first, last: cur.last, bytes: cur.bytes, response: p });
    this.cur = { from: s.from, first: p, last: p, bytes: s.payload };
  }

  private turn(t: KeptTurn): void {
    this.turnCount++;
    const turns = this.turns;
    // A literal for the first, then exactly as long as its turns (MAX_TURNS is under TIGHT_UP_TO).
    if (turns === null) this.turns = [t];
    else if (turns.length < MAX_TURNS) this.turns = appendTight(turns, t);
    else if (this.slowestLaterTurn === null || keptWait(t) > keptWait(this.slowestLaterTurn)) this.slowestLaterTurn = t;
  }

  facts(): ConnectionFacts {
    return {
      zeroWindow: { client: ftOrNull(this.zeroWindowC), server: ftOrNull(this.zeroWindowS) },
      fin: { client: ftOrNull(this.finC), server: ftOrNull(this.finS) },
      rst: { client: ftOrNull(this.rstC), server: ftOrNull(this.rstS) },
      firstPayload: { client: ftOrNull(this.firstPayloadC), server: ftOrNull(this.firstPayloadS) },
      closeAlert: { client: ftOrNull(this.closeAlertC), server: ftOrNull(this.closeAlertS) },
      payloadAfterPeerFin: { client: ftOrNull(this.afterPeerFinC), server: ftOrNull(this.afterPeerFinS) },
      lastBurstBeforeClose: this.lastBurstBeforeClose === null ? null : burstOf(this.lastBurstBeforeClose),
      lastBurst: this.cur ? burstOf(this.cur) : null,
      turns: this.turns === null ? [] : this.turns.map(turnOf),
      slowestLaterTurn: this.slowestLaterTurn === null ? null : turnOf(this.slowestLaterTurn),
      turnCount: this.turnCount,
    };
  }
}

const at = (s: SegmentFact): Point => s.stamp ?? { frame: s.frame, time: s.time };
/** A point as a FrameTime of its own (a Stamp's time is epoch(), as SegmentFact.time is). */
const timeOf = (p: Point): number => ('tsSec' in p ? epoch(p) : p.time);
const ft = (p: Point): FrameTime => ({ frame: p.frame, time: timeOf(p) });
const ftOrNull = (p: Point | null): FrameTime | null => (p === null ? null : ft(p));
const keptWait = (t: KeptTurn): number => timeOf(t.response) - timeOf(t.last);
const burstOf = (b: OpenBurst): Burst => ({ from: b.from, first: ft(b.first), last: ft(b.last), bytes: b.bytes });
const turnOf = (t: KeptTurn): Turn => ({
  request: { from: 'client', first: ft(t.first), last: ft(t.last), bytes: t.bytes },
  response: ft(t.response),
});

/**
 * The same facts seen with the sides the other way round: for a connection
 * whose client was decided after its segments were collected (mid-stream,
 * decided by a later ClientHello or by port). Turns (client burst -> server
 * burst) cannot be recovered from the swapped collection and are dropped.
 */
export function swapSides(f: ConnectionFacts): ConnectionFacts {
  const sw = <T>(p: PerSide<T>): PerSide<T> => ({ client: p.server, server: p.client });
  const sb = (b: Burst | null): Burst | null => (b ? { ...b, from: other(b.from) } : null);
  return {
    zeroWindow: sw(f.zeroWindow),
    fin: sw(f.fin),
    rst: sw(f.rst),
    firstPayload: sw(f.firstPayload),
    closeAlert: sw(f.closeAlert),
    payloadAfterPeerFin: sw(f.payloadAfterPeerFin),
    lastBurstBeforeClose: sb(f.lastBurstBeforeClose),
    lastBurst: sb(f.lastBurst),
    turns: [],
    slowestLaterTurn: null,
    turnCount: 0,
  };
}

/** SegmentFact.closeAlert from the segment's payload bytes (reads at most the first 5 bytes). */
export function isCloseAlertPayload(payload: Uint8Array): boolean {
  if (payload.length < 5 || payload[1] !== 0x03) return false;
  const len = (payload[3]! << 8) | payload[4]!;
  if (payload[0] === 0x15) return payload.length === 5 + len;
  return payload[0] === 0x17 && payload[2] === 0x03 && len === 19 && payload.length === 24;
}
