/**
 * Findings of one finished QUIC connection, from its record alone (QUIC has
 * no TCP facts: a record's events, `quic` and `setup` say it all). Pure.
 *
 * - connect-timeout: no datagram from the server at all, and the client gave
 *   up (CONNECTION_CLOSE in its Initial) or the capture goes on
 *   `connectTimeoutTailMs` after its last packet.
 * - handshake-failed: a CONNECTION_CLOSE readable before the handshake's end
 *   (in an Initial packet; with keys also in a Handshake packet) from a server
 *   that answered. TLS alerts travel as CRYPTO_ERROR 0x0100 + alert (RFC 9001 §4.8).
 * - quic-retry, version-negotiation: each costs the client a round trip
 *   (cost: first Initial to the Retry / Version Negotiation).
 * - slow-handshake: first Initial to the handshake's end at least `slowHandshakeMs`.
 */
import type { ConnectionRecord, TimelineEvent } from '../timeline/types.js';
import { alertName } from '../tls/names.js';
import type { DetectContext } from './detect.js';
import { fmtMs, make, ms } from './make.js';
import { DEFAULT_FINDING_OPTIONS, type Finding } from './types.js';

/** A QUIC error code in words: TLS alerts by name (CRYPTO_ERROR range), transport errors by number. */
export function quicErrorText(code: number): string {
  const hex = `0x${code.toString(16)}`;
  if (code >= 0x100 && code <= 0x1ff) return `error ${hex}: TLS alert ${alertName(code - 0x100)}`;
  return `error ${hex}`;
}

export function quicFindings(rec: ConnectionRecord, ctx: DetectContext): Finding[] {
  const q = rec.quic;
  if (rec.transport !== 'quic' || q === null || rec.midstream) return [];
  const o = ctx.options ?? DEFAULT_FINDING_OPTIONS;
  const out: Finding[] = [];
  const first = (type: TimelineEvent['type'], from: 'client' | 'server'): TimelineEvent | undefined => rec.events.find((e) => e.type === type && e.from === from);
  const close = q.close;

  if (rec.state === 'unanswered') {
    const initials = q.packets.client.Initial ?? 0;
    const over = `${initials} Initial packet${initials === 1 ? '' : 's'} in ${q.datagrams.client} datagram${q.datagrams.client === 1 ? '' : 's'} over ${fmtMs(rec.lifetimeMs)} got no answer`;
    if (close !== null && close.from === 'client') {
      out.push(make('connect-timeout', close.frame, `${over}; the client gave up with CONNECTION_CLOSE (${quicErrorText(close.errorCode)})`, rec.lifetimeMs));
    } else {
      const tail = ms(rec.end, ctx.captureEnd);
      if (tail >= o.connectTimeoutTailMs) out.push(make('connect-timeout', rec.lastFrame, `${over}; the capture goes on ${fmtMs(tail)} after the last`, rec.lifetimeMs));
    }
    return out;
  }

  if (close !== null && (rec.setup.endFrame === null || close.frame <= rec.setup.endFrame)) {
    const reason = close.reason !== '' ? ` "${close.reason}"` : '';
    out.push(make('handshake-failed', close.frame, `CONNECTION_CLOSE from the ${close.from} during the handshake (${quicErrorText(close.errorCode)})${reason}`, rec.lifetimeMs));
  }

  const vn = first('VersionNegotiation', 'server');
  if (q.versionNegotiation && vn !== undefined) {
    const tried = q.versionsTried.map((v) => `0x${v.toString(16).padStart(8, '0')}`).join(', ');
    const offered = vn.detail !== undefined ? `; it offers ${vn.detail}` : '';
    out.push(make('version-negotiation', vn.frame, `the server turned down ${tried || 'the first version'}${offered}; the client went on with ${q.versionName}`, ms(rec.start, vn.time)));
  }
  const retry = first('Retry', 'server');
  if (q.retry && retry !== undefined) {
    out.push(make('quic-retry', retry.frame, `Retry ${fmtMs(ms(rec.start, retry.time))} after the first Initial; the client sent its ClientHello again with a ${q.tokenLength}-byte token`, ms(rec.start, retry.time)));
  }

  if (rec.setup.ms !== null && rec.setup.endFrame !== null && rec.setup.ms >= o.slowHandshakeMs) {
    const ch = first('ClientHello', 'client');
    const sh = first('ServerHello', 'server');
    const parts: string[] = [];
    if (ch !== undefined && sh !== undefined) {
      const endTime = rec.start + rec.setup.ms / 1000;
      parts.push(`the server's ServerHello came ${fmtMs(ms(ch.time, sh.time))} after the ClientHello`, `the client finished ${fmtMs(ms(sh.time, endTime))} after it`);
    }
    const extra = (q.retry ? 1 : 0) + (q.versionNegotiation ? 1 : 0);
    if (extra > 0) parts.push(`${extra} extra round trip${extra === 1 ? '' : 's'} (${[q.retry ? 'Retry' : '', q.versionNegotiation ? 'Version Negotiation' : ''].filter((x) => x !== '').join(', ')})`);
    const how = q.handshakeInferred ? ' (end inferred: no keys)' : '';
    out.push(make('slow-handshake', rec.setup.endFrame, `handshake ${fmtMs(rec.setup.ms)}${how}${parts.length > 0 ? ': ' + parts.join(', ') : ''}`, rec.setup.ms));
  }
  return out;
}
