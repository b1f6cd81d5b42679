import crypto from 'node:crypto';
import { memo } from './memo';

/**
 * Name-based UUIDs (RFC 9562 version 5, SHA-1): the same event delivered twice yields the same
 * notification id, so Global Brokers, which drop repeated ids, make redelivery harmless.
 */

/** The namespace of this project's notification ids (a fixed random v4 UUID). */
export const WNM_ID_NAMESPACE = 'b8f2d0a4-6a3e-4c1f-9d57-2e0b91c4a7d3';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The bytes of the namespaces in use: there is one in practice, and every event needs it. */
const namespaceOf = memo((namespace: string): Buffer => {
  if (!UUID.test(namespace)) throw new TypeError('namespace is not a canonical UUID');
  return Buffer.from(namespace.replace(/-/g, ''), 'hex');
}, 16);

/** One-shot hashing: no Hash object per name, which every event would otherwise cost. */
function sha1(namespace: Buffer, name: string): Buffer {
  const length = Buffer.byteLength(name, 'utf8');
  const data = Buffer.allocUnsafe(16 + length);
  namespace.copy(data, 0);
  data.write(name, 16, length, 'utf8');
  return crypto.hash('sha1', data, 'buffer');
}

/** Two lowercase hex digits per byte value. */
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

function hexOf(bytes: Buffer, from: number, to: number): string {
  let out = '';
  for (let i = from; i < to; i++) out += HEX[bytes[i]];
  return out;
}

export function uuidV5(name: string, namespace: string = WNM_ID_NAMESPACE): string {
  const hash = sha1(namespaceOf(namespace), name);
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  return `${hexOf(hash, 0, 4)}-${hexOf(hash, 4, 6)}-${hexOf(hash, 6, 8)}-${hexOf(hash, 8, 10)}-${hexOf(hash, 10, 16)}`;
}
