/**
 * A frame as the readers deliver it: its bytes stay where they were read
 * (`bytes[start, start + capLen)`, the read chunk or block), and a `data` view
 * of them is made only when a consumer asks for it. The analysis decodes in
 * place (issue 14: a Buffer view per frame was a few percent of a run).
 */
import type { Frame } from './types.js';

export class ChunkFrame implements Frame {
  /** Set only on a frame with a record problem (see Frame.problem). */
  declare problem?: string;

  constructor(
    readonly number: number,
    readonly tsSec: number,
    readonly tsNsec: number,
    readonly capLen: number,
    readonly origLen: number,
    readonly linkType: number,
    readonly interfaceId: number,
    readonly bytes: Buffer,
    readonly start: number,
  ) {}

  get data(): Buffer {
    return this.bytes.subarray(this.start, this.start + this.capLen);
  }
}
