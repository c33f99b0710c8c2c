/**
 * Requests per connection, for costs per request.
 *
 * The exact count comes from the record's `requests` field when a later stage
 * fills it (decrypted or cleartext HTTP); until then, and for connections it
 * does not cover, the key-less estimate: the client's application-data bursts
 * (tls.clientBursts: a run of client records after the server answered starts
 * a new request), labelled estimated. A connection without a burst count
 * (plain TCP, a file saved by 0.1.0) that carried client data or completed
 * its setup counts as one estimated request; any other as zero.
 *
 * To swap in the record's field, only `recordRequests` below needs to know its
 * shape: it accepts a number, an array of requests, or { count, estimated? }.
 */
import type { ConnectionRecord } from '../timeline/types.js';

export interface RequestCount {
  count: number;
  estimated: boolean;
}

/** The record's own request count, when a stage filled one in (see the file comment). */
function recordRequests(c: ConnectionRecord): RequestCount | null {
  const r = (c as unknown as { requests?: unknown }).requests;
  if (r === undefined || r === null) return null;
  if (typeof r === 'number' && Number.isFinite(r) && r >= 0) return { count: r, estimated: false };
  if (Array.isArray(r)) return { count: r.length, estimated: r.some((x) => (x as { estimated?: unknown })?.estimated === true) };
  if (typeof r === 'object') {
    const o = r as { count?: unknown; estimated?: unknown };
    if (typeof o.count === 'number' && Number.isFinite(o.count) && o.count >= 0) return { count: o.count, estimated: o.estimated === true };
  }
  return null;
}

/** Requests the connection carried: the record's count, else the burst estimate (see the file comment). */
export function requestsOf(c: ConnectionRecord): RequestCount {
  const exact = recordRequests(c);
  if (exact !== null) return exact;
  const bursts = c.tls?.clientBursts ?? 0;
  if (bursts > 0) return { count: bursts, estimated: true };
  return { count: c.firstDataMs.client !== null || (c.setup.ms !== null && !c.midstream) ? 1 : 0, estimated: true };
}

/** Requests over a set of connections; estimated when any count was. */
export function totalRequests(conns: Iterable<ConnectionRecord>): RequestCount {
  let count = 0;
  let estimated = false;
  for (const c of conns) {
    const r = requestsOf(c);
    count += r.count;
    if (r.estimated && r.count > 0) estimated = true;
  }
  return { count, estimated };
}
