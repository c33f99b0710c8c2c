/**
 * Where the TLS stage gets its secrets for one capture: a key log given by
 * the user (--keylog FILE, or SSLKEYLOGFILE when asked with --keylog env) and
 * the capture's own pcapng Decryption Secrets Blocks, merged in one KeyLog.
 * Blocks that arrive after the first packet (pcapng allows a DSB anywhere
 * before the packets it decrypts) are picked up before each lookup.
 *
 * It also counts what the lookups found, for the capture's one warning.
 */
import type { CaptureMeta } from '../capture/types.js';
import { KeyLog, keyLogFromSecretsBlocks, type TlsSecrets } from '../tls/keylog.js';
import type { ConnectionRecord } from './types.js';

export class KeySource {
  private readonly log: KeyLog;
  /** Decryption Secrets Blocks already merged. */
  private blocksTaken = 0;
  /** TLS key-log blocks found in the capture. */
  dsbBlocks = 0;
  /** Connections counted by `count`: with a ClientHello, without secrets, decrypted, failed. */
  readonly seen = { tls: 0, noSecrets: 0, decrypted: 0, failed: 0, unsupported: 0 };

  /**
   * `fileLog`: the user's key log, already read (undefined: none given).
   * `meta`: the capture's metadata as the reader knows it so far.
   */
  constructor(
    readonly fileLog: KeyLog | undefined,
    private readonly meta: () => CaptureMeta | undefined,
  ) {
    this.log = fileLog ?? new KeyLog();
  }

  /**
   * Secrets for a ClientHello random, the capture's latest secrets blocks
   * included; null when no key source was given or found at all (then the
   * connection is not marked as lacking secrets).
   */
  lookup(clientRandom: Buffer): TlsSecrets | undefined | null {
    if (!this.asked) return null;
    return this.log.lookup(clientRandom);
  }

  /** Any secrets at all (from the file or the capture)? */
  get hasSecrets(): boolean {
    this.takeBlocks();
    return this.log.size > 0;
  }

  /** Was any key source given or found (so a connection without secrets is worth a warning)? */
  get asked(): boolean {
    this.takeBlocks();
    return this.fileLog !== undefined || this.dsbBlocks > 0;
  }

  private takeBlocks(): void {
    const blocks = this.meta()?.decryptionSecrets;
    if (blocks === undefined || blocks.length <= this.blocksTaken) return;
    const fresh = blocks.slice(this.blocksTaken);
    this.blocksTaken = blocks.length;
    this.dsbBlocks += keyLogFromSecretsBlocks(fresh, this.log).tlsBlocks;
  }

  /** Counts a finished connection's outcome. */
  count(rec: ConnectionRecord): void {
    const t = rec.tls;
    if (t === null || (!t.decrypted && t.notDecrypted === null)) return;
    this.seen.tls++;
    if (t.decrypted) this.seen.decrypted++;
    if (t.notDecrypted === 'no-secrets') this.seen.noSecrets++;
    else if (t.notDecrypted === 'failed') this.seen.failed++;
    else if (t.notDecrypted === 'unsupported') this.seen.unsupported++;
  }

  /** The capture's one warning about decryption, or null when there is nothing to say. */
  warning(): string | null {
    if (!this.asked) return null;
    const { tls, noSecrets, decrypted, failed, unsupported } = this.seen;
    if (tls === 0 || noSecrets + failed + unsupported === 0) return null;
    const parts: string[] = [];
    if (noSecrets > 0) parts.push(`${noSecrets} had no secrets in the key log`);
    if (failed > 0) parts.push(`${failed} failed to decrypt (wrong keys or lost bytes)`);
    if (unsupported > 0) parts.push(`${unsupported} not decryptable (version or cipher suite, e.g. CBC)`);
    const whose = decrypted === 0 ? 'every timeline is inferred as without keys' : "those timelines are inferred as without keys";
    return `key log: ${decrypted} of ${tls} TLS connection${tls === 1 ? '' : 's'} decrypted; ${parts.join(', ')}: ${whose}`;
  }
}
