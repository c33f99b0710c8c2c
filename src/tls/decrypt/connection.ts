/**
 * Decryption of one TLS connection from a key log: two directions and the
 * switches between their keys, driven by the caller.
 *
 * Contract (the caller walks each side's records in stream order):
 *  1. At the ClientHello: `TlsDecryptor.forClientHello(keyLog, clientHello.random)`;
 *     undefined when the key log has no line for that random (say so once).
 *  2. At the real ServerHello (never the HelloRetryRequest):
 *     `serverHello({ version, cipherSuite, serverRandom })`; a non-null result is a
 *     reason why nothing will be decrypted (unsupported suite, missing secrets).
 *  3. For each record of side S: if `expectsEncrypted(S, outerType)`, call
 *     `decrypt(S, outerType, version, body)` (body = bytes after the 5-byte header)
 *     and use `innerType`/`plaintext` instead of the outer record; otherwise the
 *     record is plaintext, as today. A failure is a problem on the connection
 *     (report the first one; later records of that side will most likely fail too).
 *  4. For every handshake message of side S found in decrypted plaintext, in order,
 *     call `handshakeMessage(S, type)` as soon as the message is complete — before
 *     decrypting S's next record. It switches S's keys after Finished (20 → the
 *     application secret _0), EndOfEarlyData (5, client → handshake secret) and
 *     KeyUpdate (24 → next generation). TLS 1.3 forbids a key change inside a record,
 *     so switching between records is exact.
 *  5. TLS 1.2: call `changeCipherSpec(S)` for S's ChangeCipherSpec record; S's later
 *     records (Finished first) are encrypted. In TLS 1.3 CCS records are ignored.
 *
 * Early data (0-RTT): a client's type-23 records after its ClientHello and before the
 * ServerHello are tried with CLIENT_EARLY_TRAFFIC_SECRET (the suite is not known yet:
 * a 48-byte secret means TLS_AES_256_GCM_SHA384, a 32-byte one is tried with
 * AES-128-GCM then ChaCha20-Poly1305, and only a suite whose tag verifies is kept). If
 * the server rejected early data, the client's next record fails under the early key
 * and is then tried with the handshake key: when that authenticates, the client
 * switches for good. That is authentication, not a guess.
 */
import type { Side } from '../../base/stamp.js';
import type { KeyLog, TlsSecrets } from '../keylog.js';
import { nextTrafficSecret, tls12Prf, trafficKeys } from './kdf.js';
import { AeadDirection, type DecryptResult } from './record.js';
import { aeadSuite, type AeadSuite } from './suites.js';

export type { DecryptResult, DecryptFailureReason } from './record.js';

export interface ServerHelloParams {
  /** Negotiated version code (supported_versions if present, else legacy_version): 0x0304, 0x0303 … */
  version: number;
  cipherSuite: number;
  /** ServerHello.random (32 bytes); used by TLS 1.2's key block. */
  serverRandom: Buffer;
  /** The ClientHello carried the early_data extension (TLS 1.3 0-RTT offered). */
  earlyDataOffered?: boolean;
}

/**
 * Bytes of client records skipped as 0-RTT data without an early key (see
 * DecryptFailureReason 'early-data'). RFC 8446 4.2.10 bounds the server's skipping
 * by the max_early_data_size of its ticket, which a capture need not show; common
 * servers allow 16 KiB. Past this, a failure is a failure (wrong keys, say).
 */
export const MAX_SKIPPED_EARLY_BYTES = 1 << 20;

export type NotDecryptedReason = 'unsupported-version' | 'unsupported-suite' | 'missing-secrets';

export interface NotDecrypted {
  reason: NotDecryptedReason;
  message: string;
}

type Phase = 'early' | 'handshake' | 'application';

interface DirState {
  /** Installed key; undefined = nothing decryptable (yet, or missing secret). */
  aead?: AeadDirection;
  /** TLS 1.3: the traffic secret behind `aead` (for KeyUpdate). */
  secret?: Buffer;
  phase: Phase;
  /** TLS 1.2: CCS seen, records are encrypted. TLS 1.3: keys installed. */
  active: boolean;
  /** Early-data candidates not yet pinned (suite unknown). */
  candidates?: AeadDirection[];
  /** Why nothing is installed (missing secret name). */
  missing?: string;
  keyUpdates: number;
}

const TLS13_EARLY_CANDIDATES_32 = [0x1301, 0x1303];
const TLS13_EARLY_CANDIDATES_48 = [0x1302];

export class TlsDecryptor {
  private suite?: AeadSuite;
  private tls13 = false;
  private helloDone = false;
  /** TLS 1.3, early data offered and no early key: client bytes that may still be skipped as 0-RTT. */
  private earlySkip = 0;
  private readonly dirs: Record<Side, DirState> = {
    client: { phase: 'early', active: false, keyUpdates: 0 },
    server: { phase: 'handshake', active: false, keyUpdates: 0 },
  };

  private constructor(readonly secrets: TlsSecrets) {
    const early = secrets.clientEarlyTrafficSecret;
    if (early !== undefined) {
      const codes = early.length === 48 ? TLS13_EARLY_CANDIDATES_48 : TLS13_EARLY_CANDIDATES_32;
      this.dirs.client.candidates = codes.map((c) => tls13Direction(aeadSuite(c)!, early));
      this.dirs.client.secret = early;
      this.dirs.client.active = true;
    }
  }

  /** A decryptor for the connection whose ClientHello carried `clientRandom`, if the key log knows it. */
  static forClientHello(keyLog: KeyLog, clientRandom: Buffer): TlsDecryptor | undefined {
    const s = keyLog.lookup(clientRandom);
    return s === undefined ? undefined : new TlsDecryptor(s);
  }

  /** Same, from secrets already looked up. */
  static fromSecrets(secrets: TlsSecrets): TlsDecryptor {
    return new TlsDecryptor(secrets);
  }

  /** The negotiated suite once the ServerHello was given and is decryptable. */
  get cipherSuite(): AeadSuite | undefined {
    return this.suite;
  }

  /** Number of KeyUpdates applied per side. */
  keyUpdates(side: Side): number {
    return this.dirs[side].keyUpdates;
  }

  /** Next sequence number of a side's current key (undefined without one). */
  sequence(side: Side): bigint | undefined {
    return this.dirs[side].aead?.seq;
  }

  /** Key phase of a side: 'early' (client 0-RTT), 'handshake' or 'application'. */
  phase(side: Side): Phase {
    return this.dirs[side].phase;
  }

  serverHello(p: ServerHelloParams): NotDecrypted | null {
    this.helloDone = true;
    const suite = aeadSuite(p.cipherSuite);
    const hex = `0x${p.cipherSuite.toString(16).padStart(4, '0')}`;
    if (p.version === 0x0304 || (p.version & 0xff00) === 0x7f00) {
      this.tls13 = true;
      if (suite === undefined || suite.tls !== 13) {
        this.dropEarly();
        return { reason: 'unsupported-suite', message: `TLS 1.3 cipher suite ${hex} is not decrypted (only AES-GCM and ChaCha20-Poly1305)` };
      }
      this.suite = suite;
      const c = this.dirs.client;
      if (c.candidates !== undefined) {
        // 0-RTT not pinned yet (no early record seen): the early key uses the negotiated suite.
        c.candidates = c.candidates.filter((d) => d.suite.code === suite.code);
        if (c.candidates.length === 1) {
          c.aead = c.candidates[0];
          c.candidates = undefined;
        } else {
          this.dropEarly();
        }
      }
      if (this.dirs.client.phase !== 'early' || this.dirs.client.aead === undefined) {
        this.install13('client', this.secrets.clientHandshakeTrafficSecret, 'handshake', 'CLIENT_HANDSHAKE_TRAFFIC_SECRET');
        // 0-RTT records may still come before the client's first handshake record, under a key we lack.
        if (p.earlyDataOffered === true) this.earlySkip = MAX_SKIPPED_EARLY_BYTES;
      }
      this.install13('server', this.secrets.serverHandshakeTrafficSecret, 'handshake', 'SERVER_HANDSHAKE_TRAFFIC_SECRET');
      if (this.dirs.server.aead === undefined) {
        return { reason: 'missing-secrets', message: 'the key log has no SERVER_HANDSHAKE_TRAFFIC_SECRET for this connection' };
      }
      return null;
    }
    this.dropEarly();
    if (p.version < 0x0301 || p.version > 0x0303) {
      return { reason: 'unsupported-version', message: `version 0x${p.version.toString(16)} is not decrypted` };
    }
    if (suite === undefined) {
      return { reason: 'unsupported-suite', message: `cipher suite ${hex} is not decrypted (CBC and other non-AEAD suites are not supported)` };
    }
    if (suite.tls !== 12 || p.version !== 0x0303) {
      // An AEAD suite of another version (RFC 5288 4, RFC 7905 2: TLS 1.2 only; RFC 8446 B.4: TLS 1.3 only).
      return { reason: 'unsupported-suite', message: `cipher suite ${hex} is a TLS 1.${suite.tls === 13 ? 3 : 2} suite, not valid in version 0x${p.version.toString(16)}: not decrypted` };
    }
    const master = this.secrets.masterSecret;
    if (master === undefined) {
      return { reason: 'missing-secrets', message: 'the key log has no CLIENT_RANDOM line (master secret) for this connection' };
    }
    this.suite = suite;
    const clientRandom = Buffer.from(this.secrets.clientRandom, 'hex');
    const n = suite.keyLength;
    const ivn = suite.fixedIvLength;
    // AEAD suites: no MAC keys. key_block = client key, server key, client IV, server IV.
    const block = tls12Prf(suite.hash, master, 'key expansion', Buffer.concat([p.serverRandom, clientRandom]), 2 * n + 2 * ivn);
    this.dirs.client = { phase: 'application', active: false, keyUpdates: 0, aead: new AeadDirection(suite, block.subarray(0, n), block.subarray(2 * n, 2 * n + ivn), false) };
    this.dirs.server = { phase: 'application', active: false, keyUpdates: 0, aead: new AeadDirection(suite, block.subarray(n, 2 * n), block.subarray(2 * n + ivn, 2 * n + 2 * ivn), false) };
    return null;
  }

  /** Should a record of this outer content type from `side` be given to decrypt() now? */
  expectsEncrypted(side: Side, outerType: number): boolean {
    const d = this.dirs[side];
    if (!this.helloDone) return side === 'client' && outerType === 23 && d.active;
    if (this.tls13) return outerType === 23;
    return d.active;
  }

  decrypt(side: Side, outerType: number, version: number, body: Buffer): DecryptResult {
    const d = this.dirs[side];
    if (d.candidates !== undefined) {
      // 0-RTT before the suite is known: the first candidate that authenticates is kept.
      let first: DecryptResult | undefined;
      for (const c of d.candidates) {
        const r = c.decrypt(outerType, version, body);
        if (r.ok) {
          d.aead = c;
          d.candidates = undefined;
          return r;
        }
        first ??= r;
      }
      return first!;
    }
    if (d.aead === undefined) {
      return { ok: false, reason: 'no-keys', message: `no ${d.missing ?? 'key'} for the ${side}'s records`, seq: 0n };
    }
    const r = d.aead.decrypt(outerType, version, body);
    if (side === 'client' && this.earlySkip > 0) {
      if (r.ok || d.phase !== 'handshake') this.earlySkip = 0; // the client's handshake records began
      else if (r.reason === 'authentication' && body.length <= this.earlySkip) {
        this.earlySkip -= body.length;
        return {
          ok: false,
          reason: 'early-data',
          message: 'a 0-RTT record with no early traffic key (no CLIENT_EARLY_TRAFFIC_SECRET in the key log, or one of another hash)',
          seq: r.seq,
        };
      }
    }
    if (!r.ok && r.reason === 'authentication' && side === 'client' && d.phase === 'early' && this.helloDone) {
      // Early data rejected (or finished without EndOfEarlyData): the client is on its handshake key.
      const saved = { ...d };
      this.install13('client', this.secrets.clientHandshakeTrafficSecret, 'handshake', 'CLIENT_HANDSHAKE_TRAFFIC_SECRET');
      const retry = this.dirs.client.aead?.decrypt(outerType, version, body);
      if (retry?.ok) return retry;
      this.dirs.client = saved;
    }
    return r;
  }

  /** A complete handshake message of `side` (decrypted), in order. Switches keys when the message says so. */
  handshakeMessage(side: Side, type: number): void {
    if (!this.tls13 || !this.helloDone) return;
    if (type === 20 && this.dirs[side].phase === 'handshake') {
      const s = side === 'client' ? this.secrets.clientTrafficSecret0 : this.secrets.serverTrafficSecret0;
      this.install13(side, s, 'application', side === 'client' ? 'CLIENT_TRAFFIC_SECRET_0' : 'SERVER_TRAFFIC_SECRET_0');
    } else if (type === 5 && side === 'client' && this.dirs.client.phase === 'early') {
      this.install13('client', this.secrets.clientHandshakeTrafficSecret, 'handshake', 'CLIENT_HANDSHAKE_TRAFFIC_SECRET');
    } else if (type === 24 && this.dirs[side].phase === 'application') {
      const d = this.dirs[side];
      if (d.secret !== undefined && this.suite !== undefined) {
        const keyUpdates = d.keyUpdates + 1;
        this.install13(side, nextTrafficSecret(this.suite.hash, d.secret), 'application', 'updated traffic secret');
        this.dirs[side].keyUpdates = keyUpdates;
      }
    }
  }

  /** TLS 1.2: `side` sent ChangeCipherSpec; its following records are encrypted (sequence 0). */
  changeCipherSpec(side: Side): void {
    if (this.tls13 || !this.helloDone) return;
    const d = this.dirs[side];
    d.active = true;
    if (d.aead !== undefined) d.aead.seq = 0n;
  }

  private dropEarly(): void {
    const c = this.dirs.client;
    c.candidates = undefined;
    if (c.phase === 'early') {
      c.aead = undefined;
      c.active = false;
    }
  }

  private install13(side: Side, secret: Buffer | undefined, phase: Phase, name: string): void {
    const prev = this.dirs[side];
    if (secret === undefined || this.suite === undefined) {
      this.dirs[side] = { phase, active: true, missing: name, keyUpdates: prev.keyUpdates };
      return;
    }
    this.dirs[side] = { phase, active: true, aead: tls13Direction(this.suite, secret), secret, keyUpdates: prev.keyUpdates };
  }
}

function tls13Direction(suite: AeadSuite, secret: Buffer): AeadDirection {
  const { key, iv } = trafficKeys(suite.hash, secret, suite.keyLength);
  return new AeadDirection(suite, key, iv, true);
}
