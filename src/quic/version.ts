/**
 * QUIC versions we recognise by content, their Initial salts and HKDF labels
 * (RFC 9001 §5.2, RFC 9369 §3.3) and the long-header packet type numbering
 * (v2 renumbers the types, RFC 9369 §3.2).
 */

export const QUIC_V1 = 0x00000001;
export const QUIC_V2 = 0x6b3343cf;
export const QUIC_VN = 0;

export type LongPacketType = 'Initial' | '0-RTT' | 'Handshake' | 'Retry';

const V1_TYPES: readonly LongPacketType[] = ['Initial', '0-RTT', 'Handshake', 'Retry'];
// RFC 9369 §3.2: Initial 0b01, 0-RTT 0b10, Handshake 0b11, Retry 0b00.
const V2_TYPES: readonly LongPacketType[] = ['Retry', 'Initial', '0-RTT', 'Handshake'];

/** A draft version of the IETF QUIC working group: 0xff0000xx. */
export function isDraft(version: number): boolean {
  return version >>> 8 === 0xff0000;
}

/** Versions whose packets we can read (Version Negotiation, version 0, is handled apart). */
export function isKnownVersion(version: number): boolean {
  return version === QUIC_V1 || version === QUIC_V2 || isDraft(version);
}

/** The long-header packet type of the two type bits of the first byte. */
export function longPacketType(version: number, firstByte: number): LongPacketType {
  const bits = (firstByte >> 4) & 0x03;
  return version === QUIC_V2 ? V2_TYPES[bits] : V1_TYPES[bits];
}

/** 'v1', 'v2', 'draft-29', or the hex code. */
export function versionName(version: number): string {
  if (version === QUIC_V1) return 'v1';
  if (version === QUIC_V2) return 'v2';
  if (version === QUIC_VN) return 'negotiation';
  if (isDraft(version)) return `draft-${version & 0xff}`;
  return '0x' + (version >>> 0).toString(16).padStart(8, '0');
}

const SALT_V1 = Buffer.from('38762cf7f55934b34d179ae6a4c80cadccbb7f0a', 'hex');
const SALT_V2 = Buffer.from('0dede3def700a6db819381be6e269dcbf9bd2ed9', 'hex');
/** draft-ietf-quic-tls-29 .. -32 (drafts 33 and 34 already use the v1 salt). */
const SALT_DRAFT_29 = Buffer.from('afbfec289993d24c9e9786f19c6111e04390a899', 'hex');
/** draft-ietf-quic-tls-23 .. -28. */
const SALT_DRAFT_23 = Buffer.from('c3eef712c72ebb5a11a7d2432bb46365bef9f502', 'hex');

export interface VersionKeys {
  salt: Buffer;
  keyLabel: string;
  ivLabel: string;
  hpLabel: string;
}

const V1_KEYS = { keyLabel: 'quic key', ivLabel: 'quic iv', hpLabel: 'quic hp' };
const V2_KEYS = { keyLabel: 'quicv2 key', ivLabel: 'quicv2 iv', hpLabel: 'quicv2 hp' };

/** Salt and labels of the Initial keys of `version`, or undefined when we have none (drafts before 23). */
export function versionKeys(version: number): VersionKeys | undefined {
  if (version === QUIC_V1) return { salt: SALT_V1, ...V1_KEYS };
  if (version === QUIC_V2) return { salt: SALT_V2, ...V2_KEYS };
  if (isDraft(version)) {
    const d = version & 0xff;
    if (d >= 33) return { salt: SALT_V1, ...V1_KEYS };
    if (d >= 29) return { salt: SALT_DRAFT_29, ...V1_KEYS };
    if (d >= 23) return { salt: SALT_DRAFT_23, ...V1_KEYS };
  }
  return undefined;
}
