/**
 * One TCP connection: what TCP itself says (handshake, teardown, counters)
 * and, for the directions someone wants to read, the reassembled byte stream.
 *
 * Directions are numbered from the first packet seen: 0 is A -> B, where A
 * sent the first packet. Which of A and B is the client is decided by the
 * first SYN (or SYN-ACK), else by whoever sends a TLS ClientHello, else by
 * port at the end (see `clientDir`).
 */
import type { TcpHeader } from '../decode/types.js';
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from '../decode/types.js';
import type { Stamp } from '../base/stamp.js';
import { StreamReassembler, type SegmentKind } from './reassembly.js';

export type Dir = 0 | 1;

export interface Endpoint {
  ip: string;
  port: number;
}

/** Reads the reassembled streams of a connection (the timeline stage implements it). */
export interface StreamConsumer {
  /** Whether bytes of this direction are still wanted; when false, reassembly of it stops. */
  wants(dir: Dir): boolean;
  data(dir: Dir, chunk: Buffer, stamp: Stamp, segmentStart: boolean): void;
  gap(dir: Dir, lost: number): void;
}

export type ClientEvidence = 'syn' | 'syn-ack' | 'tls' | 'port';

export class TcpConnection {
  readonly endpoints: [Endpoint, Endpoint];
  /** Direction in which the client sends; -1 while unknown. */
  clientDir: Dir | -1 = -1;
  clientEvidence: ClientEvidence | null = null;

  firstStamp: Stamp;
  lastStamp: Stamp;
  packets = 0;
  bytes = 0;

  /** First sequence number seen per direction (ISN when it was a SYN). */
  readonly baseSeq: [number | undefined, number | undefined] = [undefined, undefined];
  readonly synSeen: [boolean, boolean] = [false, false];
  /** Client SYNs (first, then retransmissions). */
  readonly syns: Stamp[] = [];
  readonly synAcks: Stamp[] = [];
  synAckSeq: number | undefined;
  handshakeAck: Stamp | undefined;
  /** Packets and wire bytes of the connection up to and including the completing ACK. */
  ackSnapshot: { packets: number; bytes: number } | undefined;
  readonly fin: [Stamp | undefined, Stamp | undefined] = [undefined, undefined];
  readonly rst: [Stamp | undefined, Stamp | undefined] = [undefined, undefined];
  readonly firstPayload: [Stamp | undefined, Stamp | undefined] = [undefined, undefined];
  readonly payloadBytes: [number, number] = [0, 0];
  /** Last frame that carried new payload (either side), for idle-before-teardown. */
  lastPayload: Stamp | undefined;
  /** lastPayload as it was when the teardown started. */
  lastPayloadBeforeTeardown: Stamp | undefined;
  readonly mss: [number | undefined, number | undefined] = [undefined, undefined];
  retransmissions = 0;
  outOfOrder = 0;
  readonly problems: string[] = [];

  private readonly streams: [StreamReassembler | undefined, StreamReassembler | undefined] = [undefined, undefined];
  consumer: StreamConsumer | undefined;
  /** Heavy state (reassembly) released: the connection is only followed, not read. */
  released = false;
  private heldLimit: number | undefined;

  constructor(
    readonly id: number,
    a: Endpoint,
    b: Endpoint,
    stamp: Stamp,
  ) {
    this.endpoints = [a, b];
    this.firstStamp = stamp;
    this.lastStamp = stamp;
  }

  /** FIN seen both ways, or a RST: the connection is over (late packets may still follow). */
  get closed(): boolean {
    return (this.fin[0] !== undefined && this.fin[1] !== undefined) || this.rst[0] !== undefined || this.rst[1] !== undefined;
  }

  get teardownStarted(): boolean {
    return this.fin[0] !== undefined || this.fin[1] !== undefined || this.rst[0] !== undefined || this.rst[1] !== undefined;
  }

  get missingBytes(): number {
    return (this.streams[0]?.missingBytes ?? 0) + (this.streams[1]?.missingBytes ?? 0);
  }

  setClient(dir: Dir, evidence: ClientEvidence): void {
    this.clientDir = dir;
    this.clientEvidence = evidence;
  }

  /** Whether a SYN without ACK in `dir` starts a new connection on this 4-tuple (port reuse). */
  isNewConnectionSyn(dir: Dir, tcp: TcpHeader): boolean {
    if ((tcp.flags & (TCP_SYN | TCP_ACK)) !== TCP_SYN) return false;
    const base = this.baseSeq[dir];
    if (base !== undefined && base !== tcp.seq) return true;
    // Same sequence number: a retransmitted SYN, unless the connection already ended.
    return this.closed && !(base === tcp.seq && this.synSeen[dir]);
  }

  /** One segment of this connection. `wire` is the frame's length on the wire. */
  segment(dir: Dir, tcp: TcpHeader, stamp: Stamp, wire: number): void {
    this.packets++;
    this.bytes += wire;
    this.lastStamp = stamp;
    const flags = tcp.flags;
    if (this.baseSeq[dir] === undefined) this.baseSeq[dir] = tcp.seq;

    if (flags & TCP_SYN) this.onSyn(dir, tcp, stamp);

    const other: Dir = dir === 0 ? 1 : 0;
    if (
      this.handshakeAck === undefined &&
      this.synAckSeq !== undefined &&
      dir === this.clientDir &&
      (flags & (TCP_SYN | TCP_FIN | TCP_RST | TCP_ACK)) === TCP_ACK &&
      tcp.payloadLength === 0 &&
      tcp.ack === ((this.synAckSeq + 1) >>> 0)
    ) {
      this.handshakeAck = stamp;
      this.ackSnapshot = { packets: this.packets, bytes: this.bytes };
    }

    if (tcp.payloadLength > 0) this.onPayload(dir, tcp, stamp);

    if (flags & TCP_FIN && this.fin[dir] === undefined) {
      if (!this.teardownStarted) this.lastPayloadBeforeTeardown = this.lastPayload;
      this.fin[dir] = stamp;
    }
    if (flags & TCP_RST && this.rst[dir] === undefined) {
      if (!this.teardownStarted) this.lastPayloadBeforeTeardown = this.lastPayload;
      this.rst[dir] = stamp;
    }
    if (this.closed && this.consumer && !this.released) {
      // Nothing more will come in order: give up on remaining holes so held data is read.
      this.streams[dir]?.flush();
      this.streams[other]?.flush();
    }
  }

  /**
   * Lower the bytes held ahead of a hole, per direction (the reader needs little
   * once what it came for is read: a hole is then given up on sooner).
   */
  limitHeld(bytes: number): void {
    this.heldLimit = bytes;
    for (const s of this.streams) if (s && s.maxPending > bytes) s.maxPending = bytes;
  }

  /** Drop reassembly buffers; the connection is still followed for its TCP events. */
  release(): void {
    if (this.released) return;
    this.streams[0]?.flush();
    this.streams[1]?.flush();
    this.streams[0]?.stop();
    this.streams[1]?.stop();
    this.released = true;
  }

  private onSyn(dir: Dir, tcp: TcpHeader, stamp: Stamp): void {
    if (tcp.options.mss !== undefined && this.mss[dir] === undefined) this.mss[dir] = tcp.options.mss;
    this.stream(dir)?.syn(tcp.seq);
    if (!this.synSeen[dir]) {
      this.synSeen[dir] = true;
      this.baseSeq[dir] = tcp.seq;
    }
    if (tcp.flags & TCP_ACK) {
      if (this.clientDir === -1 || this.clientEvidence === 'tls') this.setClient(dir === 0 ? 1 : 0, 'syn-ack');
      if (this.synAckSeq === undefined) this.synAckSeq = tcp.seq;
      this.synAcks.push(stamp);
    } else {
      if (this.clientEvidence !== 'syn') this.setClient(dir, 'syn');
      this.syns.push(stamp);
    }
  }

  private onPayload(dir: Dir, tcp: TcpHeader, stamp: Stamp): void {
    // Data on a SYN (TCP Fast Open) starts one past the SYN's sequence number.
    const seq = tcp.flags & TCP_SYN ? (tcp.seq + 1) >>> 0 : tcp.seq;
    const s = this.stream(dir);
    let kind: SegmentKind;
    if (s) {
      kind = s.segment(seq, tcp.payload, tcp.payloadLength, stamp);
    } else {
      kind = 'in-order';
    }
    if (kind === 'retransmission') {
      this.retransmissions++;
      return;
    }
    if (kind === 'out-of-order') this.outOfOrder++;
    if (this.firstPayload[dir] === undefined) this.firstPayload[dir] = stamp;
    this.payloadBytes[dir] += tcp.payloadLength;
    this.lastPayload = stamp;
  }

  /** The reassembler of a direction, created on first use; tracked even when nobody reads it. */
  private stream(dir: Dir): StreamReassembler | undefined {
    let s = this.streams[dir];
    if (s === undefined) {
      const consumer = this.consumer;
      s = new StreamReassembler({
        data: (chunk, stamp, segmentStart) => {
          consumer?.data(dir, chunk, stamp, segmentStart);
          if (consumer && !consumer.wants(dir)) this.streams[dir]?.stop();
        },
        gap: (lost) => consumer?.gap(dir, lost),
      });
      if (!consumer || !consumer.wants(dir) || this.released) s.stop();
      if (this.heldLimit !== undefined) s.maxPending = this.heldLimit;
      if (this.synSeen[dir] && this.baseSeq[dir] !== undefined) s.syn(this.baseSeq[dir]!);
      this.streams[dir] = s;
    }
    return s;
  }
}
