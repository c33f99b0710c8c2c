/** Synchronous writes to a file descriptor, looping over short writes (writeSync may write less than asked). */
import { writeSync } from 'node:fs';

/**
 * Writes `len` bytes of `buf` from `off` to `fd`: at `position` (then onwards),
 * or at the descriptor's current position when it is null.
 */
export function writeAllSync(fd: number, buf: Uint8Array, off: number, len: number, position: number | null = null): void {
  let done = 0;
  while (done < len) done += writeSync(fd, buf, off + done, len - done, position === null ? null : position + done);
}
