/**
 * HTTP/1.x message framing for one direction (RFC 9112): start line and
 * header fields, then a body delimited by Content-Length, chunked coding, or
 * the connection's close — enough to split keep-alive and pipelined messages
 * and to know the frame where each message starts and completes. Bodies are
 * skipped by count, never buffered; a head is buffered up to a cap.
 */
import type { Side, Stamp } from '../base/stamp.js';

export type BodyMode = { kind: 'none' } | { kind: 'length'; length: number } | { kind: 'chunked' } | { kind: 'close' };

export interface ParsedHead {
  /** Request: method, target; response: status. */
  method?: string;
  target?: string;
  status?: number;
  version: string;
  contentLength: number | null | 'invalid';
  chunked: boolean;
  upgrade: boolean;
}

export interface Http1Events {
  /** A message's head completed; returns how its body is delimited, or null to stop parsing this side. */
  head(side: Side, head: ParsedHead, start: Stamp, at: Stamp): BodyMode | null;
  /** The message completed (bytes: head + body as sent, framing included). */
  complete(side: Side, at: Stamp, bytes: number): void;
  problem(side: Side, frame: number | null, kind: 'malformed' | 'gap' | 'too-large', detail: string): void;
}

const REQUEST_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) +(\S+) +HTTP\/(1)\.(\d)$/;
const STATUS_LINE = /^HTTP\/(1)\.(\d) +(\d{3})(?:[ \t].*)?$/;

/** Token characters (RFC 9110 §5.6.2) — a request line starts with a method token. */
export function isTokenByte(b: number): boolean {
  return (
    (b >= 0x30 && b <= 0x39) ||
    (b >= 0x41 && b <= 0x5a) ||
    (b >= 0x61 && b <= 0x7a) ||
    '!#$%&\'*+-.^_`|~'.includes(String.fromCharCode(b))
  );
}

/** Parses a request line, or null. */
export function parseRequestLine(line: string): { method: string; target: string; version: string } | null {
  const m = REQUEST_LINE.exec(line);
  return m ? { method: m[1]!, target: m[2]!, version: `${m[3]}.${m[4]}` } : null;
}

function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/**
 * The field lines of a head (its lines after the start line), with obs-fold undone:
 * a line that starts with SP or HTAB continues the previous field's value and is
 * joined to it with one SP (RFC 9112 §5.2), so it is never a field of its own.
 * Whitespace-led lines before the first field are dropped (§2.2).
 */
function fieldLines(lines: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    if (isWhitespace(line.charCodeAt(0))) {
      if (out.length > 0) out[out.length - 1] += ' ' + line.trim();
      continue;
    }
    out.push(line);
  }
  return out;
}

export function parseHead(text: string, side: Side): ParsedHead | string {
  const lines = text.split(/\r?\n/);
  const startLine = lines[0]!;
  const head: ParsedHead = { version: '', contentLength: null, chunked: false, upgrade: false };
  if (side === 'client') {
    const r = parseRequestLine(startLine);
    if (r === null) return `not a request line: ${JSON.stringify(startLine.slice(0, 60))}`;
    head.method = r.method;
    head.target = r.target;
    head.version = r.version;
  } else {
    const m = STATUS_LINE.exec(startLine);
    if (m === null) return `not a status line: ${JSON.stringify(startLine.slice(0, 60))}`;
    head.version = `${m[1]}.${m[2]}`;
    head.status = Number(m[3]);
  }
  for (const line of fieldLines(lines)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue; // junk: not a field we need
    if (isWhitespace(line.charCodeAt(colon - 1)) && side === 'client') {
      // RFC 9112 §5.1: a server rejects such a request with 400 (a proxy strips the
      // whitespace from a response, so a response's field still counts).
      return `whitespace before the colon in ${JSON.stringify(line.slice(0, Math.min(colon + 1, 60)))}`;
    }
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'content-length') {
      // A list of identical values is allowed (RFC 9110 §8.6); anything else is invalid.
      const parts = value.split(',').map((p) => p.trim());
      if (!parts.every((p) => /^\d{1,15}$/.test(p)) || new Set(parts).size !== 1) head.contentLength = 'invalid';
      else {
        const n = Number(parts[0]);
        if (head.contentLength !== null && head.contentLength !== n) head.contentLength = 'invalid';
        else head.contentLength = n;
      }
    } else if (name === 'transfer-encoding') {
      const codings = value.toLowerCase().split(',').map((c) => c.trim()).filter((c) => c !== '');
      head.chunked = codings[codings.length - 1] === 'chunked';
    } else if (name === 'upgrade') {
      head.upgrade = true;
    }
  }
  return head;
}

type State = 'idle' | 'head' | 'body' | 'chunk-size' | 'chunk-data' | 'chunk-crlf' | 'trailers' | 'close' | 'dead';

const CR = 13;
const LF = 10;
const MAX_CHUNK_LINE = 1024;

/** One direction's message framer. Feed it in-order bytes with the stamp of the frame that delivered them. */
export class Http1Side {
  private state: State = 'idle';
  private head: Buffer[] = [];
  private headLen = 0;
  /** A non-CR byte was seen since the last LF (the current line is not empty). */
  private lineHasContent = false;
  private start: Stamp | null = null;
  private last: Stamp | null = null;
  private remaining = 0;
  private msgBytes = 0;
  private chunkLine = '';

  constructor(
    private readonly side: Side,
    private readonly events: Http1Events,
    private readonly maxHead: number,
  ) {}

  get dead(): boolean {
    return this.state === 'dead';
  }

  stop(): void {
    this.state = 'dead';
    this.head = [];
  }

  data(b: Buffer, st: Stamp): void {
    this.last = st;
    let i = 0;
    while (i < b.length) {
      switch (this.state) {
        case 'dead':
          return;
        case 'idle': {
          // Empty lines between messages are tolerated (RFC 9112 §2.2).
          while (i < b.length && (b[i] === CR || b[i] === LF)) i++;
          if (i === b.length) return;
          this.state = 'head';
          this.head = [];
          this.headLen = 0;
          this.msgBytes = 0;
          this.lineHasContent = false;
          this.start = st;
          break;
        }
        case 'head':
        case 'trailers': {
          let end = -1;
          let j = i;
          for (; j < b.length; j++) {
            const c = b[j]!;
            if (c === LF) {
              if (!this.lineHasContent) {
                end = j + 1;
                break;
              }
              this.lineHasContent = false;
            } else if (c !== CR) this.lineHasContent = true;
          }
          const stop = end === -1 ? b.length : end;
          const piece = b.subarray(i, stop);
          this.msgBytes += piece.length;
          this.headLen += piece.length;
          if (this.headLen > this.maxHead) {
            this.events.problem(this.side, st.frame, 'too-large', `${this.state === 'head' ? 'message head' : 'trailer'} longer than ${this.maxHead} bytes`);
            this.stop();
            return;
          }
          if (this.state === 'head') this.head.push(Buffer.from(piece));
          i = stop;
          if (end === -1) return;
          if (this.state === 'trailers') {
            this.finish(st);
            break;
          }
          this.headDone(st);
          break;
        }
        case 'body':
        case 'chunk-data': {
          const n = Math.min(this.remaining, b.length - i);
          this.remaining -= n;
          this.msgBytes += n;
          i += n;
          if (this.remaining > 0) return;
          if (this.state === 'body') this.finish(st);
          else this.state = 'chunk-crlf';
          break;
        }
        case 'chunk-crlf': {
          const c = b[i]!;
          this.msgBytes++;
          i++;
          if (c === LF) this.state = 'chunk-size';
          else if (c !== CR) {
            this.events.problem(this.side, st.frame, 'malformed', 'chunk data not followed by CRLF');
            this.stop();
            return;
          }
          break;
        }
        case 'chunk-size': {
          const lf = b.indexOf(LF, i);
          const stop = lf === -1 ? b.length : lf + 1;
          this.chunkLine += b.subarray(i, lf === -1 ? b.length : lf).toString('latin1');
          this.msgBytes += stop - i;
          i = stop;
          if (this.chunkLine.length > MAX_CHUNK_LINE) {
            this.events.problem(this.side, st.frame, 'malformed', 'chunk size line too long');
            this.stop();
            return;
          }
          if (lf === -1) return;
          // Leading zeros do not count towards the 12 significant digits (RFC 9112 §7.1 puts no limit on the digits).
          const m = /^\s*0*([0-9A-Fa-f]{1,12})\s*(?:;.*)?$/.exec(this.chunkLine.replace(/\r$/, ''));
          this.chunkLine = '';
          if (m === null) {
            this.events.problem(this.side, st.frame, 'malformed', 'bad chunk size');
            this.stop();
            return;
          }
          const size = parseInt(m[1]!, 16);
          if (size === 0) {
            this.state = 'trailers';
            this.lineHasContent = false;
            this.headLen = 0;
          } else {
            this.state = 'chunk-data';
            this.remaining = size;
          }
          break;
        }
        case 'close': {
          this.msgBytes += b.length - i;
          return;
        }
      }
    }
  }

  /** `lost` bytes of this direction were never captured. */
  gap(lost: number): void {
    if (this.state === 'dead') return;
    if ((this.state === 'body' || this.state === 'chunk-data') && lost <= this.remaining) {
      // Still in step: the hole is inside a body whose length is known.
      this.remaining -= lost;
      this.msgBytes += lost;
      if (this.remaining === 0) {
        if (this.state === 'body') this.finish(this.last!);
        else this.state = 'chunk-crlf';
      }
      return;
    }
    if (this.state === 'close') {
      this.msgBytes += lost;
      return;
    }
    this.events.problem(this.side, this.last?.frame ?? null, 'gap', `${lost} bytes missing in the ${this.state === 'idle' ? 'gap between messages' : this.state}: stopped reading this side`);
    this.stop();
  }

  /** This side closed (its FIN, in frame `st`): a body delimited by the close completes there, as in tshark. */
  end(st: Stamp): void {
    if (this.state === 'close') this.finish(st);
  }

  private headDone(st: Stamp): void {
    const text = Buffer.concat(this.head).toString('latin1');
    this.head = [];
    const parsed = parseHead(text, this.side);
    if (typeof parsed === 'string') {
      this.events.problem(this.side, st.frame, 'malformed', parsed);
      this.stop();
      return;
    }
    const mode = this.events.head(this.side, parsed, this.start!, st);
    if (mode === null) {
      this.stop();
      return;
    }
    switch (mode.kind) {
      case 'none':
        this.finish(st);
        return;
      case 'length':
        if (mode.length === 0) this.finish(st);
        else {
          this.state = 'body';
          this.remaining = mode.length;
        }
        return;
      case 'chunked':
        this.state = 'chunk-size';
        this.chunkLine = '';
        return;
      case 'close':
        this.state = 'close';
        return;
    }
  }

  private finish(st: Stamp): void {
    this.state = 'idle';
    this.events.complete(this.side, st, this.msgBytes);
  }
}

/** How a message's body is delimited (RFC 9112 §6.3), given its head and, for a response, its request's method. */
export function bodyMode(side: Side, h: ParsedHead, requestMethod: string | undefined): BodyMode | 'invalid' {
  if (side === 'server') {
    const s = h.status!;
    if ((s >= 100 && s < 200) || s === 204 || s === 304 || requestMethod === 'HEAD') return { kind: 'none' };
  }
  if (h.chunked) return { kind: 'chunked' };
  if (h.contentLength === 'invalid') return 'invalid';
  if (h.contentLength !== null) return { kind: 'length', length: h.contentLength };
  return side === 'client' ? { kind: 'none' } : { kind: 'close' };
}
