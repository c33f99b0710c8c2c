/** TLS stage: reassembled byte streams -> TLS records -> handshake messages. */
export { TlsSession, MAX_MESSAGE, MAX_RECORD } from './session.js';
export { sniffTls } from './sniff.js';
export { tlsVersionName, cipherSuiteName, alertName, isTls13 } from './names.js';
export type * from './types.js';
