/**
 * Contracts of the capture stage: file bytes -> frames.
 *
 * A Frame is a view over the reader's buffer: it is only valid during the
 * synchronous call of the sink that receives it. Stages that need bytes later
 * (stream reassembly) copy exactly what they keep.
 */

export type CaptureFormat = 'pcap' | 'pcapng';

export interface Frame {
  /** 1-based, every record of the file in file order (Wireshark's frame.number). */
  number: number;
  /** Whole seconds since the epoch (after if_tsoffset). */
  tsSec: number;
  /** Nanoseconds within tsSec, 0..999_999_999 (full file precision is kept). */
  tsNsec: number;
  /** Bytes present in the file for this frame. */
  capLen: number;
  /** Length on the wire. */
  origLen: number;
  /** LINKTYPE_* value (pcap header, or the pcapng interface's). */
  linkType: number;
  /** pcapng interface id (global across sections: index in CaptureMeta.interfaces); 0 for pcap. */
  interfaceId: number;
  /** The captured bytes: a view, never a copy. */
  readonly data: Buffer;
  /**
   * The same bytes without a view of their own: `bytes[start, start + capLen)`,
   * the read chunk (pcap) or block (pcapng) the frame lies in; `data` is made
   * only when asked for (ChunkFrame: a Buffer view per frame was a few percent
   * of a run, issue 14).
   */
  readonly bytes: Buffer;
  readonly start: number;
  /**
   * A problem with the record itself that did not stop reading: only
   * 'timestamp out of range' today (tsSec/tsNsec then hold a fallback time,
   * and a capture warning counts such frames).
   */
  problem?: string;
}

export interface InterfaceInfo {
  linkType: number;
  snapLen: number;
  /** Timestamp resolution as the number of units per second (1e6 for µs, 1e9 for ns, 2^n ...). */
  unitsPerSecond: number;
  /** Human label of the resolution: 'µs', 'ns', '10^-7 s', '2^-20 s'. */
  resolution: string;
  /** if_tsoffset, seconds. */
  tsOffset: number;
  name?: string;
  description?: string;
  /** pcapng section index (0-based) this interface belongs to. */
  section: number;
}

export interface CaptureMeta {
  format: CaptureFormat;
  /** '2.4' for pcap, '1.0' for pcapng. */
  version: string;
  byteOrder: 'LE' | 'BE';
  /** The compression the capture was read through, null for none. */
  compression: 'gzip' | 'lz4' | null;
  interfaces: InterfaceInfo[];
  /** pcapng sections seen (1 for pcap). */
  sections: number;
  /** Bytes of Decryption Secrets Blocks, with their secrets type (0x544c534b = TLS key log). */
  decryptionSecrets: { type: number; data: Buffer }[];
  /**
   * pcapng Custom Blocks (0x00000BAD / 0x40000BAD) seen. Wireshark counts each
   * as a frame, so frame numbers after one count it too (no Frame is delivered
   * for it). Absent: none (or pcap).
   */
  customBlocks?: number;
}

/** How reading ended. */
export interface CaptureResult {
  meta: CaptureMeta;
  frames: number;
  /** Bytes of the (decompressed) capture consumed. */
  bytes: number;
  /** Non-fatal problems: truncation, skipped blocks, ... one line each. */
  warnings: string[];
  /** Fatal problem met after some frames were read (corrupt record): everything before is valid. */
  error?: string;
}

export interface ReadProgress {
  /** Bytes read from the source (compressed bytes for gzip). */
  bytesRead: number;
  /** Size of the source when known (regular file), else undefined (stdin). */
  totalBytes?: number;
  frames: number;
}

export interface ReadOptions {
  /** Called now and then (at most every chunk) with progress. */
  onProgress?: (p: ReadProgress) => void;
  /** Called once, before the first frame, when the header is known. */
  onMeta?: (meta: CaptureMeta) => void;
  /** Read chunk size; default 1 MiB. */
  chunkSize?: number;
  /**
   * Asked before each chunk is read: a promise makes the reader wait for it (the output
   * stream's backpressure: stdout to a pipe queues every write without bound otherwise).
   */
  pace?: () => Promise<void> | undefined;
}

/**
 * A capture that cannot be opened at all (not a capture, missing, unreadable).
 * The message is one line meant for the user; the CLI prints `error: <message>` and exits 2.
 */
export class CaptureError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'CaptureError';
  }
}
