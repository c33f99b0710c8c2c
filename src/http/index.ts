/**
 * The HTTP stage: requests per connection from plaintext (RequestTracker), or
 * estimated from data bursts when there is none (estimateRequests).
 */
export { RequestTracker, detectProtocol } from './tracker.js';
export { estimateRequests, RequestEstimator, BurstBuilder, TlsRecordBursts, TLS13_ALERT_RECORD_LENGTH } from './estimate.js';
export type { Burst, EstimatedRequest, RequestEstimate } from './estimate.js';
export { HpackDecoder, type HeaderField, type HpackResult } from './hpack.js';
export { huffmanDecode } from './huffman.js';
export { DEFAULT_TRACKER_OPTIONS } from './types.js';
export type { HttpRequest, HttpProblem, HttpProtocol, HttpSummary, RequestTrackerOptions } from './types.js';
