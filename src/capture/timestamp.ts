/**
 * Exact conversion of pcapng 64-bit timestamps (a count of units since the
 * epoch, split in two 32-bit halves) to whole seconds + nanoseconds.
 *
 * Nanosecond timestamps of today (~1.7e18) do not fit a double exactly, so the
 * common resolutions (10^0 .. 10^-9) use a long division in base 2^16 where
 * every intermediate value stays below 2^53. Other resolutions (2^-n,
 * 10^-10 and finer) fall back to BigInt, as Wireshark does with 64-bit ints.
 */

export interface TsResolution {
  /** Units per second (10^n or 2^n). */
  unitsPerSecond: number;
  /** Same as a BigInt, for the slow path. */
  unitsBig: bigint;
  /** Nanoseconds per unit when it is a whole number (10^-n with n <= 9), else 0. */
  nsPerUnit: number;
  /** Human label: 'µs', 'ns', '10^-7 s', '2^-20 s'. */
  label: string;
}

/** Decode pcapng if_tsresol (one byte): power of 10, or power of 2 when the high bit is set. */
export function tsResolution(ifTsresol: number): TsResolution {
  const exp = ifTsresol & 0x7f;
  if (ifTsresol & 0x80) {
    const unitsBig = 1n << BigInt(exp);
    return { unitsPerSecond: 2 ** exp, unitsBig, nsPerUnit: exp === 0 ? 1e9 : 0, label: `2^-${exp} s` };
  }
  const unitsBig = 10n ** BigInt(exp);
  const label = exp === 0 ? 's' : exp === 3 ? 'ms' : exp === 6 ? 'µs' : exp === 9 ? 'ns' : `10^-${exp} s`;
  return {
    unitsPerSecond: 10 ** exp,
    unitsBig,
    nsPerUnit: exp <= 9 ? 10 ** (9 - exp) : 0,
    label,
  };
}

/** Output of {@link splitTimestamp}; reused by the caller to avoid an allocation per frame. */
export interface SecNsec {
  sec: number;
  nsec: number;
}

/**
 * (high * 2^32 + low) units -> whole seconds and nanoseconds, exactly
 * (nanoseconds truncated for resolutions finer than 1 ns or not a power of 10,
 * like Wireshark). Writes into `out`.
 */
export function splitTimestamp(high: number, low: number, res: TsResolution, out: SecNsec): void {
  if (res.nsPerUnit !== 0 && high < 0x200000) {
    // Below 2^53 (µs timestamps of today): plain doubles are exact.
    const u = res.unitsPerSecond;
    const ts = high * 4294967296 + low;
    const sec = Math.floor(ts / u);
    out.sec = sec;
    out.nsec = (ts - sec * u) * res.nsPerUnit;
    return;
  }
  if (res.nsPerUnit !== 0) {
    const u = res.unitsPerSecond; // <= 1e9 < 2^30: r * 65536 + digit < 2^46
    let q = 0;
    let r = 0;
    let cur = (high >>> 16);
    let d = Math.floor(cur / u);
    r = cur - d * u;
    q = d;
    cur = r * 65536 + (high & 0xffff);
    d = Math.floor(cur / u);
    r = cur - d * u;
    q = q * 65536 + d;
    cur = r * 65536 + (low >>> 16);
    d = Math.floor(cur / u);
    r = cur - d * u;
    q = q * 65536 + d;
    cur = r * 65536 + (low & 0xffff);
    d = Math.floor(cur / u);
    r = cur - d * u;
    q = q * 65536 + d;
    out.sec = q;
    out.nsec = r * res.nsPerUnit;
    return;
  }
  const ts = (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0);
  const units = res.unitsBig;
  out.sec = Number(ts / units);
  out.nsec = Number(((ts % units) * 1_000_000_000n) / units);
}

/**
 * Largest timestamp magnitude accepted, in seconds: the range of an ECMAScript
 * Date (±8.64e15 ms, about ±275,760 years) less one day, so that any date
 * printed from a frame time (rounded to ms) is valid.
 */
export const MAX_TIME_SEC = 8_640_000_000_000 - 86_400;

/** A frame time (whole seconds since the epoch) we can compute with and print. */
export function representableSeconds(sec: number): boolean {
  return Number.isSafeInteger(sec) && sec >= -MAX_TIME_SEC && sec <= MAX_TIME_SEC;
}
