/** Figures of the WNM 1.3 standard that both the builder and the test suite use. */

/** The conformance class every message declares (/req/core/conformance B). */
export const WNM_CONFORMANCE = 'http://wis.wmo.int/spec/wnm/1/conf/core';
/** /req/core/message_size A */
export const MAX_MESSAGE_BYTES = 8192;
/** /req/core/content A, and the schema's maximum of content.size */
export const MAX_INLINE_BYTES = 4096;
/** The link relations of which a message carries exactly one (/req/core/links E–G, I). */
export type Operation = 'canonical' | 'update' | 'deletion';

/** Why a notification of `bytes` bytes cannot be sent (/req/core/message_size A), or undefined when it fits. */
export function oversizeReason(bytes: number): string | undefined {
  return bytes > MAX_MESSAGE_BYTES ? `the notification is ${bytes} bytes; WIS2 allows ${MAX_MESSAGE_BYTES}` : undefined;
}
