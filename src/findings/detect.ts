/**
 * Findings of one finished connection, from its record and its facts.
 * Pure: no state across connections (retries: retry.ts).
 */
import type { Side } from '../base/stamp.js';
import type { ConnectionRecord, EventType, TimelineEvent } from '../timeline/types.js';
import type { Burst, ConnectionFacts, FrameTime, Turn } from './facts.js';
import { fmtMs, fmtS, make, ms, roundMs } from './make.js';
import { DEFAULT_FINDING_OPTIONS, type Finding, type FindingOptions } from './types.js';

export interface DetectContext {
  /** Epoch seconds of the latest frame of the capture seen so far (live: now). */
  captureEnd: number;
  options?: FindingOptions;
}

function events(rec: ConnectionRecord, type: EventType, from?: Side): TimelineEvent[] {
  return rec.events.filter((e) => e.type === type && (from === undefined || e.from === from));
}

function earliest(...xs: (FrameTime | null)[]): FrameTime | null {
  let best: FrameTime | null = null;
  for (const x of xs) if (x && (best === null || x.time < best.time || (x.time === best.time && x.frame < best.frame))) best = x;
  return best;
}

const before = (a: FrameTime | null, b: FrameTime | null): boolean =>
  a !== null && (b === null || a.time < b.time || (a.time === b.time && a.frame < b.frame));

/** Frame and time where setup ended (TLS handshake complete, or the TCP handshake), or null. */
function setupEnd(rec: ConnectionRecord): FrameTime | null {
  if (rec.setup.endFrame === null) return null;
  const e = rec.events.find((x) => x.frame === rec.setup.endFrame);
  const time = e ? e.time : rec.setup.ms !== null ? rec.start + rec.setup.ms / 1000 : rec.start;
  return { frame: rec.setup.endFrame, time };
}

/** A client burst that carries data after setup: a request (without keys, requests are client bursts). */
function isRequest(b: Burst | null, end: FrameTime | null): boolean {
  return b !== null && b.from === 'client' && end !== null && b.last.frame > end.frame;
}

export function connectionFindings(rec: ConnectionRecord, facts: ConnectionFacts, ctx: DetectContext): Finding[] {
  const o = ctx.options ?? DEFAULT_FINDING_OPTIONS;
  const out: Finding[] = [];
  const syns = events(rec, 'SYN', 'client');
  const synAcks = events(rec, 'SYN-ACK', 'server');
  const hsAck = events(rec, 'ACK', 'client')[0] ?? null;
  const end = setupEnd(rec);
  const firstClose = earliest(facts.fin.client, facts.fin.server, facts.rst.client, facts.rst.server);
  const anyFin = earliest(facts.fin.client, facts.fin.server);
  const anyRst = earliest(facts.rst.client, facts.rst.server);
  const closeBy = (side: Side): FrameTime | null => earliest(facts.fin[side], facts.rst[side]);
  const sideOf = (ft: FrameTime | null): Side | null =>
    ft === null ? null : ft === facts.fin.client || ft === facts.rst.client ? 'client' : 'server';
  const how = (ft: FrameTime): string => (ft === facts.fin.client || ft === facts.fin.server ? 'FIN' : 'RST');

  // --- the TCP handshake
  if (syns.length > 1) {
    const firstRe = syns.find((e) => e.retransmission) ?? syns[1]!;
    const waited =
      synAcks.length > 0 ? `answered ${fmtMs(ms(syns[0]!.time, synAcks[0]!.time))} after the first SYN` : 'never answered';
    out.push(make('syn-retransmit', firstRe.frame, `${syns.length - 1} SYN retransmission${syns.length > 2 ? 's' : ''} at +${syns.slice(1).map((e) => fmtS(ms(syns[0]!.time, e.time))).join(', +')}; ${waited}`, ms(syns[0]!.time, syns[syns.length - 1]!.time)));
  }
  if (synAcks.length > 1) {
    const firstRe = synAcks.find((e) => e.retransmission) ?? synAcks[1]!;
    out.push(make('synack-retransmit', firstRe.frame, `the server sent its SYN-ACK ${synAcks.length} times (first repeat +${fmtS(ms(synAcks[0]!.time, firstRe.time))}): the client's ACK did not complete the connection on the server`, ms(synAcks[0]!.time, synAcks[synAcks.length - 1]!.time)));
  }
  let overflow = false;
  const srvRst = facts.rst.server;
  if (hsAck && srvRst && srvRst.time >= hsAck.time && srvRst.frame > hsAck.frame && before(srvRst, facts.firstPayload.server) && before(srvRst, anyFin)) {
    overflow = true;
    out.push(make('accept-overflow-reset', srvRst.frame, `the server reset the connection ${fmtMs(ms(hsAck.time, srvRst.time))} after the handshake ACK (frame ${hsAck.frame}), before sending anything`, ms(rec.start, srvRst.time)));
  }
  let connectTimeout = false;
  if (syns.length > 0 && synAcks.length === 0 && anyRst === null) {
    const last = syns[syns.length - 1]!;
    const tail = ms(last.time, ctx.captureEnd);
    if (tail >= o.connectTimeoutTailMs) {
      connectTimeout = true;
      out.push(make('connect-timeout', last.frame, `${syns.length} SYN${syns.length > 1 ? 's' : ''} over ${fmtS(ms(syns[0]!.time, last.time))} got no answer; the capture goes on ${fmtS(tail)} after the last`, ms(syns[0]!.time, last.time)));
    }
  }

  // --- TLS
  let handshakeFailed = false;
  const tls = rec.tls;
  if (tls && tls.handshakeMs === null && !overflow) {
    const ch = events(rec, 'ClientHello', 'client')[0];
    const sh = events(rec, 'ServerHello', 'server')[0];
    const alert = tls.alerts[0];
    let f: Finding | null = null;
    if (alert) {
      f = make('handshake-failed', alert.frame, `alert ${alert.name} from the ${alert.from}`);
    } else if (sh && firstClose && firstClose.frame > sh.frame) {
      f = make('handshake-failed', firstClose.frame, `the ${sideOf(firstClose)} closed (${how(firstClose)}) after the ServerHello, before the handshake completed`);
    } else if (ch) {
      const cc = closeBy('client');
      const srvPayloadAfterCh = facts.firstPayload.server !== null && facts.firstPayload.server.frame > ch.frame;
      if (cc && !srvPayloadAfterCh && ms(ch.time, cc.time) >= o.handshakeStallMs && before(cc, closeBy('server'))) {
        f = make('handshake-failed', cc.frame, `the client closed (${how(cc)}) ${fmtS(ms(ch.time, cc.time))} after its ClientHello without an answer`);
      }
    }
    if (f) {
      f.costMs = roundMs(rec.lifetimeMs);
      handshakeFailed = true;
      out.push(f);
    }
  }

  // --- requests and responses
  let responseTimeout = false;
  const cc = closeBy('client');
  const req = facts.lastBurstBeforeClose;
  if (cc && cc === firstClose && req && isRequest(req, end)) {
    const wait = ms(req.last.time, cc.time);
    if (wait >= o.responseTimeoutMs) {
      responseTimeout = true;
      out.push(make('response-timeout', cc.frame, `the client closed (${how(cc)}) ${fmtS(wait)} after its request (frame ${req.last.frame}) without an answer`, wait));
    }
  }
  const turns: Turn[] = [...facts.turns, ...(facts.slowestLaterTurn ? [facts.slowestLaterTurn] : [])].filter((t) => isRequest(t.request, end));
  const slow = turns.filter((t) => ms(t.request.last.time, t.response.time) >= o.slowFirstByteMs);
  if (slow.length > 0) {
    const t = slow[0]!;
    const more = slow.length > 1 ? ` (${slow.length} slow responses; slowest ${fmtMs(Math.max(...slow.map((x) => ms(x.request.last.time, x.response.time))))})` : '';
    out.push(make('slow-first-byte', t.response.frame, `the response began ${fmtMs(ms(t.request.last.time, t.response.time))} after the request (frame ${t.request.last.frame})${more}`, slow.reduce((sum, x) => sum + ms(x.request.last.time, x.response.time), 0)));
  }

  // --- flow control
  for (const side of ['client', 'server'] as const) {
    const z = facts.zeroWindow[side];
    if (z) out.push(make('zero-window', z.frame, `the ${side} advertised a zero receive window: its application was not reading`));
  }

  // --- teardown
  if (firstClose && end && firstClose.frame > end.frame && !isRequest(facts.lastBurstBeforeClose, end)) {
    const lastPayload = facts.lastBurstBeforeClose && facts.lastBurstBeforeClose.last.frame > end.frame ? facts.lastBurstBeforeClose.last : end;
    const idle = ms(lastPayload.time, firstClose.time);
    if (idle >= o.idleCloseMs) {
      out.push(make('idle-close', firstClose.frame, `the ${sideOf(firstClose)} closed (${how(firstClose)}) after ${fmtS(idle)} without payload either way`));
    }
  }
  for (const a of ['client', 'server'] as const) {
    const b = a === 'client' ? 'server' : 'client';
    const finA = facts.fin[a];
    const dataB = facts.payloadAfterPeerFin[b];
    const rstA = facts.rst[a];
    if (finA && dataB && rstA && !before(rstA, dataB)) {
      out.push(make('stale-reuse', rstA.frame, `the ${b} sent data (frame ${dataB.frame}) ${fmtS(ms(finA.time, dataB.time))} after the ${a}'s FIN (frame ${finA.frame}); the ${a} answered with RST`));
    }
  }
  if (anyRst && anyRst === firstClose && !overflow && !responseTimeout && !connectTimeout && !handshakeFailed && isRequest(facts.lastBurstBeforeClose, end)) {
    out.push(make('abortive-reset', anyRst.frame, `the ${sideOf(anyRst)} reset the connection while the request (frame ${facts.lastBurstBeforeClose!.last.frame}) was outstanding`, ms(facts.lastBurstBeforeClose!.last.time, anyRst.time)));
  }
  return out;
}
