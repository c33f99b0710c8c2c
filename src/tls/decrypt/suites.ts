/**
 * Cipher suites whose records we can decrypt, with the parameters the record
 * protection needs. Anything not listed (CBC, CCM, NULL, export, RC4 …) is
 * reported as not decrypted.
 */
import type { HashName } from './kdf.js';

export type AeadName = 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305';

export interface AeadSuite {
  code: number;
  /** 13: TLS 1.3 suite; 12: TLS 1.2 suite. */
  tls: 12 | 13;
  aead: AeadName;
  keyLength: number;
  /** HKDF hash (TLS 1.3) or PRF hash (TLS 1.2). */
  hash: HashName;
  /** TLS 1.2: implicit (fixed) IV bytes from the key block: 4 for GCM (RFC 5288), 12 for ChaCha20 (RFC 7905). */
  fixedIvLength: number;
  /** TLS 1.2: explicit nonce bytes at the start of each record body: 8 for GCM, 0 for ChaCha20. */
  explicitNonceLength: number;
}

const TAG = 16;
export const AEAD_TAG_LENGTH = TAG;

function s13(code: number, aead: AeadName, keyLength: number, hash: HashName): AeadSuite {
  return { code, tls: 13, aead, keyLength, hash, fixedIvLength: 12, explicitNonceLength: 0 };
}
function gcm12(code: number, keyLength: 16 | 32, hash: HashName): AeadSuite {
  return { code, tls: 12, aead: keyLength === 16 ? 'aes-128-gcm' : 'aes-256-gcm', keyLength, hash, fixedIvLength: 4, explicitNonceLength: 8 };
}
function chacha12(code: number): AeadSuite {
  return { code, tls: 12, aead: 'chacha20-poly1305', keyLength: 32, hash: 'sha256', fixedIvLength: 12, explicitNonceLength: 0 };
}

const SUITES = new Map<number, AeadSuite>(
  [
    s13(0x1301, 'aes-128-gcm', 16, 'sha256'), // TLS_AES_128_GCM_SHA256
    s13(0x1302, 'aes-256-gcm', 32, 'sha384'), // TLS_AES_256_GCM_SHA384
    s13(0x1303, 'chacha20-poly1305', 32, 'sha256'), // TLS_CHACHA20_POLY1305_SHA256
    gcm12(0x009c, 16, 'sha256'), // TLS_RSA_WITH_AES_128_GCM_SHA256
    gcm12(0x009d, 32, 'sha384'), // TLS_RSA_WITH_AES_256_GCM_SHA384
    gcm12(0x009e, 16, 'sha256'), // TLS_DHE_RSA_WITH_AES_128_GCM_SHA256
    gcm12(0x009f, 32, 'sha384'), // TLS_DHE_RSA_WITH_AES_256_GCM_SHA384
    gcm12(0xc02b, 16, 'sha256'), // TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
    gcm12(0xc02c, 32, 'sha384'), // TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
    gcm12(0xc02f, 16, 'sha256'), // TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
    gcm12(0xc030, 32, 'sha384'), // TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
    chacha12(0xcca8), // TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
    chacha12(0xcca9), // TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
    chacha12(0xccaa), // TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256
  ].map((s) => [s.code, s]),
);

/** The suite's decryption parameters, or undefined when we cannot decrypt it. */
export function aeadSuite(code: number): AeadSuite | undefined {
  return SUITES.get(code);
}
