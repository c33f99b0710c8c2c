/**
 * A full garbage collection on request. Node offers `gc()` only under
 * --expose-gc, but the flag still takes effect at run time for contexts made
 * after it is set (what the `expose-gc` package does): no flag on the command
 * line, no re-executed process. Used once at the end of a big run, before a
 * large allocation, so that it reuses the memory of the run's garbage instead
 * of growing the process (see ProtobufWriter.end).
 */
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | null | undefined;

/** Runs a full collection; false when this Node cannot be asked for one. */
export function collectGarbage(): boolean {
  if (collect === undefined) {
    try {
      v8.setFlagsFromString('--expose-gc');
      const f: unknown = runInNewContext('gc');
      collect = typeof f === 'function' ? (f as () => void) : null;
    } catch {
      collect = null;
    }
  }
  if (collect === null) return false;
  collect();
  return true;
}
