/** TLS record decryption from a key log (see connection.ts for the caller's contract). */
export { TlsDecryptor } from './connection.js';
export type { ServerHelloParams, NotDecrypted, NotDecryptedReason, DecryptResult, DecryptFailureReason } from './connection.js';
export { AeadDirection, MAX_TLS12_CIPHERTEXT, MAX_TLS13_CIPHERTEXT } from './record.js';
export { aeadSuite, type AeadSuite, type AeadName } from './suites.js';
export { hkdfExpand, hkdfExpandLabel, trafficKeys, nextTrafficSecret, tls12Prf, type HashName } from './kdf.js';
