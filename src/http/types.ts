/**
 * What the HTTP stage reports per connection: the requests it carried, each
 * with the frames of its request and response (Wireshark's frame numbers),
 * and the problems met on the way (malformed input never throws).
 */
import type { Side } from '../base/stamp.js';

export type HttpProtocol = 'http/1' | 'h2';

/**
 * One request and its response.
 *
 * Frames: `requestFrame` / `responseFrame` are the frames that delivered the
 * first byte of the request / of its final response (time to first byte);
 * `requestEndFrame` / `responseEndFrame` are the frames Wireshark names:
 * for HTTP/1.x the frame where the whole message (head and body) completes —
 * tshark's `http.request` / `http.response` with its default body reassembly
 * (`http.desegment_body`); for HTTP/2 the frame where the HEADERS block
 * (with its CONTINUATIONs) completes — tshark's HEADERS frame.
 * Inside TLS a byte's frame is the frame that completed its TLS record.
 * Times are epoch seconds of those frames.
 */
export interface HttpRequest {
  protocol: HttpProtocol;
  requestFrame: number;
  requestTime: number;
  requestEndFrame: number | null;
  requestEndTime: number | null;
  responseFrame: number | null;
  responseTime: number | null;
  responseEndFrame: number | null;
  responseEndTime: number | null;
  /** Undefined when it could not be read (never guessed). */
  method?: string;
  /** Final status (1xx interim responses are counted in `interim`). */
  status?: number;
  /** HTTP/2 stream id. */
  stream?: number;
  /** Plaintext bytes of the request message (HTTP/2: its HEADERS, CONTINUATION and DATA frames, 9-byte headers included). */
  requestBytes: number;
  /** Same for the response, interim responses included. */
  responseBytes: number;
  /** 1xx interim responses before the final one, and the frame of the first one's first byte. */
  interim?: number;
  interimFrame?: number;
}

export interface HttpProblem {
  side: Side | null;
  frame: number | null;
  kind:
    | 'malformed'
    | 'gap'
    | 'too-large'
    | 'overflow'
    | 'unmatched-response'
    | 'hpack'
    | 'h2-protocol';
  detail: string;
}

export interface RequestTrackerOptions {
  /** Requests kept per connection; later ones are counted in `overflow`. */
  maxRequests: number;
  /** Bytes of an HTTP/1 head (start line + header fields) or trailer buffered. */
  maxHeadBytes: number;
  /** Bytes of an HTTP/2 header block (HEADERS + CONTINUATION fragments) buffered. */
  maxHeaderBlock: number;
  /** Largest HPACK dynamic table accepted (octets, RFC 7541 §4.1 size); larger = desynchronised. */
  maxHpackTable: number;
  /** Requests outstanding at once (HTTP/1 pipelining queue, HTTP/2 open streams). */
  maxOutstanding: number;
  /** Problems kept (all are counted). */
  maxProblems: number;
}

export const DEFAULT_TRACKER_OPTIONS: RequestTrackerOptions = {
  maxRequests: 1000,
  maxHeadBytes: 64 * 1024,
  maxHeaderBlock: 64 * 1024,
  maxHpackTable: 64 * 1024,
  maxOutstanding: 1000,
  maxProblems: 20,
};

export interface HttpSummary {
  /** null until the client's first bytes tell; 'none' when they are not HTTP. */
  protocol: HttpProtocol | 'none' | null;
  /** Every request seen, kept or not. */
  requestCount: number;
  /** Requests seen beyond maxRequests (not kept). */
  overflow: number;
  /** The connection switched protocols (101, CONNECT tunnel): later bytes are not HTTP. */
  upgraded: boolean;
  problems: HttpProblem[];
  problemCount: number;
}
