/** TLS stage: reassembled byte streams -> TLS records -> handshake messages. */
export { TlsSession, MAX_MESSAGE, MAX_RECORD, MAX_MESSAGES, MAX_ALERTS } from './session.js';
export { RecordReader, findRecordChain, plausibleHeader, type TlsRecord, type RecordSink } from './records.js';
export { HandshakeReader, ByteBudget, HANDSHAKE_BUDGET, type HandshakeMessage, type HandshakeSink } from './handshake.js';
export { HELLO_LIST_CAPS } from './hello.js';
export { sniffTls } from './sniff.js';
export { tlsVersionName, cipherSuiteName, alertName, isTls13 } from './names.js';
export type * from './types.js';
