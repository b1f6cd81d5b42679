import { createHash } from 'node:crypto';

/**
 * Name-based UUIDs (RFC 9562 version 5, SHA-1): the same event delivered twice yields the same
 * notification id, so Global Brokers, which drop repeated ids, make redelivery harmless.
 */

/** The namespace of this project's notification ids (a fixed random v4 UUID). */
export const WNM_ID_NAMESPACE = 'b8f2d0a4-6a3e-4c1f-9d57-2e0b91c4a7d3';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function uuidV5(name: string, namespace: string = WNM_ID_NAMESPACE): string {
  if (!UUID.test(namespace)) throw new TypeError('namespace is not a canonical UUID');
  const hash = createHash('sha1')
    .update(Buffer.from(namespace.replace(/-/g, ''), 'hex'))
    .update(name, 'utf8')
    .digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
