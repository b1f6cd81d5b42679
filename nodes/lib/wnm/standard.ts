/** Figures of the WNM 1.3 standard that both the builder and the test suite use. */

/** The conformance class every message declares (/req/core/conformance B). */
export const WNM_CONFORMANCE = 'http://wis.wmo.int/spec/wnm/1/conf/core';
/** /req/core/message_size A */
export const MAX_MESSAGE_BYTES = 8192;
/** /req/core/content A, and the schema's maximum of content.size */
export const MAX_INLINE_BYTES = 4096;
/** The link relations of which a message carries exactly one (/req/core/links E–G, I). */
export type Operation = 'canonical' | 'update' | 'deletion';

/** The checksum methods of /req/core/integrity, as `integrity.method` names them. */
export type WnmIntegrityMethod = 'sha256' | 'sha384' | 'sha512' | 'sha3-256' | 'sha3-384' | 'sha3-512';
export const WNM_METHODS: readonly WnmIntegrityMethod[] = ['sha256', 'sha384', 'sha512', 'sha3-256', 'sha3-384', 'sha3-512'];

export function isWnmIntegrityMethod(value: unknown): value is WnmIntegrityMethod {
  return WNM_METHODS.includes(value as WnmIntegrityMethod);
}

/** Digest length in bytes of each WNM method. */
export const DIGEST_BYTES: Readonly<Record<WnmIntegrityMethod, number>> = {
  sha256: 32,
  sha384: 48,
  sha512: 64,
  'sha3-256': 32,
  'sha3-384': 48,
  'sha3-512': 64,
};

/** Why a notification of `bytes` bytes cannot be sent (/req/core/message_size A), or undefined when it fits. */
export function oversizeReason(bytes: number): string | undefined {
  return bytes > MAX_MESSAGE_BYTES ? `the notification is ${bytes} bytes; WIS2 allows ${MAX_MESSAGE_BYTES}` : undefined;
}
