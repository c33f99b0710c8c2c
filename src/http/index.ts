/**
 * The HTTP stage: requests per connection from plaintext (RequestTracker), or
 * estimated from data bursts when there is none (estimateRequests). It
 * imports only src/base; it sits beside src/tls (same rank) and is fed by it.
 *
 * Feeding a RequestTracker (one per TCP connection, dropped when it closes):
 * - Cleartext connections (the client's first bytes are not TLS): the TCP
 *   stage's in-order bytes of each direction, as StreamConsumer.data delivers
 *   them, with the stamp of the delivering frame; StreamConsumer.gap →
 *   tracker.gap(side, lost); a FIN → tracker.end(side, stampOfTheFin) (an
 *   HTTP/1.0 body delimited by the close completes there, as in tshark).
 * - TLS with keys: for each record TlsDecryptor.decrypt() opens whose inner
 *   content type is 23 (application data, 0-RTT early data included), call
 *   tracker.data(side, plaintext, stampOfTheFrameThatCompletedTheRecord) —
 *   the same stamp the record's events carry. Handshake, alert and
 *   NewSessionTicket records are not fed. A record that fails to decrypt, or a
 *   TCP hole that breaks the record stream: tracker.gap(side, Infinity) (that
 *   side stops; what was read stays). close_notify or FIN → tracker.end().
 * - Either way, bytes of both sides in capture order (the tracker holds the
 *   server's bytes until the client's first bytes tell the protocol).
 * - tracker.wants(side) turns false when the bytes are of no more use (not
 *   HTTP, upgraded, or that side stopped): the feeder may stop reassembling.
 * Then tracker.requests() and tracker.summary() at the connection's end.
 *
 * Without keys (or when wants() was false from the start for TLS), feed
 * TlsRecordBursts → BurstBuilder → RequestEstimator with every TLS record
 * (side, outer content type, length, stamp); for cleartext that is not HTTP
 * use BurstBuilder.payload directly. Raw TCP payload bursts (TLS handshake
 * included) overcount; see estimate.ts.
 */
export { RequestTracker, detectProtocol } from './tracker.js';
export { estimateRequests, RequestEstimator, BurstBuilder, TlsRecordBursts, TLS13_ALERT_RECORD_LENGTH } from './estimate.js';
export type { Burst, EstimatedRequest, RequestEstimate } from './estimate.js';
export { HpackDecoder, type HeaderField, type HpackResult } from './hpack.js';
export { huffmanDecode } from './huffman.js';
export { DEFAULT_TRACKER_OPTIONS } from './types.js';
export type { HttpRequest, HttpProblem, HttpProtocol, HttpSummary, RequestTrackerOptions } from './types.js';
