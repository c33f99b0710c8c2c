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
 * The record's `requests` (src/timeline: read from plaintext, or estimated
 * from TLS record bursts, `requestsEstimated`) come first when it has any.
 */
import type { ConnRow } from './rows.js';

export interface RequestCount {
  count: number;
  estimated: boolean;
}

/** The record's own requests (read from plaintext, or estimated from TLS record bursts), when it has any. */
function recordRequests(c: ConnRow): RequestCount | null {
  // A row keeps the count only (rows.ts); a file saved by 0.1.0 has no requests at all.
  const n = (c.requests as { length: number } | undefined)?.length ?? 0;
  if (n === 0) return null;
  return { count: n, estimated: c.requestsEstimated === true };
}

/** Requests the connection carried: the record's count, else the burst estimate (see the file comment). */
export function requestsOf(c: ConnRow): RequestCount {
  const exact = recordRequests(c);
  if (exact !== null) return exact;
  const bursts = c.tls?.clientBursts ?? 0;
  if (bursts > 0) return { count: bursts, estimated: true };
  return { count: c.firstDataMs.client !== null || (c.setup.ms !== null && !c.midstream) ? 1 : 0, estimated: true };
}

/** Requests over a set of connections; estimated when any count was. */
export function totalRequests(conns: Iterable<ConnRow>): RequestCount {
  let count = 0;
  let estimated = false;
  for (const c of conns) {
    const r = requestsOf(c);
    count += r.count;
    if (r.estimated && r.count > 0) estimated = true;
  }
  return { count, estimated };
}
