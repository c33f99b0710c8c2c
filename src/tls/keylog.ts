/**
 * NSS key log ("SSLKEYLOGFILE") parser.
 *
 * Format (one entry per line, fields separated by a single space):
 *   <LABEL> <client_random, 64 hex digits> <secret, hex>
 * `#` starts a comment line; blank lines are ignored. Labels understood:
 *   CLIENT_RANDOM                       TLS 1.2 and earlier: the 48-byte master secret
 *   CLIENT_EARLY_TRAFFIC_SECRET         TLS 1.3 0-RTT (also accepted as EARLY_TRAFFIC_SECRET)
 *   CLIENT_HANDSHAKE_TRAFFIC_SECRET, SERVER_HANDSHAKE_TRAFFIC_SECRET
 *   CLIENT_TRAFFIC_SECRET_0, SERVER_TRAFFIC_SECRET_0
 *   EARLY_EXPORTER_SECRET, EXPORTER_SECRET
 *   QUIC_CLIENT_EARLY_TRAFFIC_SECRET, QUIC_CLIENT_HANDSHAKE_TRAFFIC_SECRET, … (the names
 *   early QUIC stacks wrote: the same secrets with a QUIC_ prefix)
 * Recognised but not used: RSA (RSA pre-master secrets), ECH_SECRET, ECH_CONFIG,
 * CLIENT_TRAFFIC_SECRET_<n> / SERVER_TRAFFIC_SECRET_<n> for n > 0, and the literal
 * CLIENT_TRAFFIC_SECRET_N / SERVER_TRAFFIC_SECRET_N that OpenSSL 3.0 writes after a
 * KeyUpdate (we derive those generations from _0 ourselves).
 *
 * The parser is bounded: a line longer than MAX_LINE is skipped (and counted),
 * the number of client randoms kept is capped, at most MAX_PROBLEM_SAMPLES
 * problems are kept verbatim (all are counted). Nothing here throws on input.
 */

/** Secrets known for one TLS connection, by its ClientHello random. */
export interface TlsSecrets {
  /** ClientHello.random, lower-case hex (64 digits). */
  clientRandom: string;
  /** CLIENT_RANDOM: TLS 1.2 (and earlier) master secret, 48 bytes. */
  masterSecret?: Buffer;
  clientEarlyTrafficSecret?: Buffer;
  clientHandshakeTrafficSecret?: Buffer;
  serverHandshakeTrafficSecret?: Buffer;
  clientTrafficSecret0?: Buffer;
  serverTrafficSecret0?: Buffer;
  earlyExporterSecret?: Buffer;
  exporterSecret?: Buffer;
}

type SecretField = Exclude<keyof TlsSecrets, 'clientRandom'>;

const LABELS: Record<string, SecretField> = {
  CLIENT_RANDOM: 'masterSecret',
  CLIENT_EARLY_TRAFFIC_SECRET: 'clientEarlyTrafficSecret',
  EARLY_TRAFFIC_SECRET: 'clientEarlyTrafficSecret',
  CLIENT_HANDSHAKE_TRAFFIC_SECRET: 'clientHandshakeTrafficSecret',
  SERVER_HANDSHAKE_TRAFFIC_SECRET: 'serverHandshakeTrafficSecret',
  CLIENT_TRAFFIC_SECRET_0: 'clientTrafficSecret0',
  SERVER_TRAFFIC_SECRET_0: 'serverTrafficSecret0',
  EARLY_EXPORTER_SECRET: 'earlyExporterSecret',
  EXPORTER_SECRET: 'exporterSecret',
  QUIC_CLIENT_EARLY_TRAFFIC_SECRET: 'clientEarlyTrafficSecret',
  QUIC_CLIENT_HANDSHAKE_TRAFFIC_SECRET: 'clientHandshakeTrafficSecret',
  QUIC_SERVER_HANDSHAKE_TRAFFIC_SECRET: 'serverHandshakeTrafficSecret',
  QUIC_CLIENT_TRAFFIC_SECRET_0: 'clientTrafficSecret0',
  QUIC_SERVER_TRAFFIC_SECRET_0: 'serverTrafficSecret0',
};

/** Labels of the format that carry nothing we use. */
const IGNORED = /^(RSA|ECH_SECRET|ECH_CONFIG|(QUIC_)?(CLIENT|SERVER)_TRAFFIC_SECRET_([1-9][0-9]*|N))$/;

/** Longest line considered (longer lines are skipped as a problem). */
export const MAX_LINE = 4096;
/** Most client randoms kept from one key log (further entries are counted as dropped). */
export const MAX_CONNECTIONS = 1_000_000;
/** Problems kept verbatim; all are counted. */
export const MAX_PROBLEM_SAMPLES = 20;

export interface KeyLogProblem {
  /** 1-based line number within the source (per add() call). */
  line: number;
  /** Where the text came from (file name, "pcapng DSB #1", …). */
  source: string;
  reason: string;
}

export interface KeyLogStats {
  lines: number;
  entries: number;
  ignored: number;
  problems: number;
  dropped: number;
}

const HEX = /^[0-9a-fA-F]+$/;

/**
 * A set of key log entries, filled from one or more sources (a --keylog file,
 * each pcapng DSB of type TLS key log), looked up by client random.
 */
export class KeyLog {
  private readonly byRandom = new Map<string, TlsSecrets>();
  readonly problems: KeyLogProblem[] = [];
  readonly stats: KeyLogStats = { lines: 0, entries: 0, ignored: 0, problems: 0, dropped: 0 };

  /** Number of connections (client randoms) with at least one secret. */
  get size(): number {
    return this.byRandom.size;
  }

  /** Parse a whole key log text (a Buffer is read as latin1: the format is ASCII). */
  add(text: string | Buffer, source = 'key log'): this {
    const p = new KeyLogLineSplitter(this, source);
    p.push(text);
    p.end();
    return this;
  }

  /** Incremental parsing of a source that arrives in chunks (a file stream). */
  stream(source = 'key log'): KeyLogLineSplitter {
    return new KeyLogLineSplitter(this, source);
  }

  /** Secrets for a ClientHello random (32 bytes or 64 hex digits). */
  lookup(clientRandom: Buffer | string): TlsSecrets | undefined {
    const key = typeof clientRandom === 'string' ? clientRandom.toLowerCase() : clientRandom.toString('hex');
    return this.byRandom.get(key);
  }

  /** Count a problem (and keep it if fewer than MAX_PROBLEM_SAMPLES are kept). */
  noteProblem(source: string, line: number, reason: string): void {
    this.stats.problems++;
    if (this.problems.length < MAX_PROBLEM_SAMPLES) this.problems.push({ line, source, reason });
  }

  /** One line (without its end-of-line). Internal to the splitter. */
  parseLine(raw: string, lineNo: number, source: string): void {
    this.stats.lines++;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const f = trimmed.split(/[ \t]+/);
    const label = f[0];
    const field = LABELS[label];
    if (field === undefined) {
      if (IGNORED.test(label)) this.stats.ignored++;
      else this.noteProblem(source, lineNo, `unknown label ${JSON.stringify(label.slice(0, 40))}`);
      return;
    }
    if (f.length !== 3) {
      this.noteProblem(source, lineNo, `${label}: expected 3 fields, found ${f.length}`);
      return;
    }
    const [, random, secretHex] = f;
    if (random.length !== 64 || !HEX.test(random)) {
      this.noteProblem(source, lineNo, `${label}: client random is not 32 bytes of hex`);
      return;
    }
    if (secretHex.length % 2 !== 0 || !HEX.test(secretHex)) {
      this.noteProblem(source, lineNo, `${label}: secret is not hex`);
      return;
    }
    const secret = Buffer.from(secretHex, 'hex');
    const okLength = field === 'masterSecret' ? secret.length === 48 : secret.length === 32 || secret.length === 48;
    if (!okLength) {
      this.noteProblem(source, lineNo, `${label}: secret of ${secret.length} bytes (expected ${field === 'masterSecret' ? '48' : '32 or 48'})`);
      return;
    }
    const key = random.toLowerCase();
    let entry = this.byRandom.get(key);
    if (entry === undefined) {
      if (this.byRandom.size >= MAX_CONNECTIONS) {
        this.stats.dropped++;
        return;
      }
      entry = { clientRandom: key };
      this.byRandom.set(key, entry);
    }
    const previous = entry[field];
    if (previous !== undefined && !previous.equals(secret)) {
      this.noteProblem(source, lineNo, `${label}: a different secret for a client random already seen (the first is kept)`);
      return;
    }
    entry[field] = secret;
    this.stats.entries++;
  }
}

/** Splits chunks into lines for KeyLog.parseLine, bounded by MAX_LINE. */
export class KeyLogLineSplitter {
  private carry = '';
  private skipping = false;
  private lineNo = 0;

  constructor(
    private readonly log: KeyLog,
    private readonly source: string,
  ) {}

  push(chunk: string | Buffer): void {
    const text = typeof chunk === 'string' ? chunk : chunk.toString('latin1');
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      this.finishLine(text.slice(start, nl));
      start = nl + 1;
    }
    this.appendPartial(text.slice(start));
  }

  end(): void {
    if (this.carry !== '' || this.skipping) this.finishLine('');
  }

  private appendPartial(s: string): void {
    if (this.skipping) return;
    if (this.carry.length + s.length > MAX_LINE) {
      this.skipping = true;
      this.carry = '';
      return;
    }
    this.carry += s;
  }

  private finishLine(tail: string): void {
    this.lineNo++;
    if (this.skipping || this.carry.length + tail.length > MAX_LINE) {
      this.log.stats.lines++;
      this.skipping = false;
      this.carry = '';
      this.log.noteProblem(this.source, this.lineNo, `line longer than ${MAX_LINE} characters skipped`);
      return;
    }
    const line = this.carry + tail;
    this.carry = '';
    this.log.parseLine(line, this.lineNo, this.source);
  }
}

/** pcapng Decryption Secrets Block type of an NSS key log ('TLSK'). */
export const DSB_TLS_KEY_LOG = 0x544c534b;

/**
 * A key log from the Decryption Secrets Blocks of a pcapng (meta.decryptionSecrets):
 * the blocks of type TLS key log are parsed, others are counted in `otherBlocks`.
 */
export function keyLogFromSecretsBlocks(
  blocks: readonly { type: number; data: Buffer }[],
  into: KeyLog = new KeyLog(),
): { keyLog: KeyLog; tlsBlocks: number; otherBlocks: number } {
  let tlsBlocks = 0;
  let otherBlocks = 0;
  for (const b of blocks) {
    if (b.type === DSB_TLS_KEY_LOG) {
      tlsBlocks++;
      into.add(b.data, `pcapng decryption secrets block ${tlsBlocks}`);
    } else {
      otherBlocks++;
    }
  }
  return { keyLog: into, tlsBlocks, otherBlocks };
}
