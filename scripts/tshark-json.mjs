// What the QUIC golden scripts share: running tshark, and reading its JSON tree
// (-T json), where a key holds one value or a list of them.
import { spawnSync } from 'node:child_process';

/** tshark's stdout for `args`; throws with its stderr when it fails. */
export function tshark(args) {
  const r = spawnSync('tshark', args, { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`tshark ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** A JSON-tree value as a list: absent -> [], one value -> [it]. */
export const asList = (v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Every object under `o` (itself included) that has key `k`. */
export function objectsWith(o, k, out = []) {
  if (Array.isArray(o)) for (const x of o) objectsWith(x, k, out);
  else if (o !== null && typeof o === 'object') {
    if (k in o) out.push(o);
    for (const v of Object.values(o)) objectsWith(v, k, out);
  }
  return out;
}
