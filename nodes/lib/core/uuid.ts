import crypto from 'node:crypto';
import { memo } from './memo';
import { hexDigitValue } from './numbers';

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

const DEFAULT_NAMESPACE = namespaceOf(WNM_ID_NAMESPACE);

/**
 * Where names are laid out after their namespace for hashing: one-shot hashing of a view of it
 * needs no Hash object and no Buffer per name, which every event would otherwise cost. Hashing
 * is synchronous, so one buffer serves every call; a name too long for it gets its own.
 */
const scratch = Buffer.allocUnsafe(4096);
/**
 * The namespace whose bytes head `scratch`: they are copied only when another one is asked for,
 * as a copy is a call into the runtime that cost half as much as the hash of an Argo name.
 */
let scratchNamespace: Buffer | undefined;

/** The SHA-1 of the namespace bytes followed by the UTF-8 of the name, in hex. */
function sha1Hex(namespace: Buffer, name: string): string {
  // a UTF-16 code unit never takes more than 3 bytes of UTF-8
  if (16 + name.length * 3 > scratch.length) {
    const length = Buffer.byteLength(name, 'utf8');
    const data = Buffer.allocUnsafe(16 + length);
    namespace.copy(data, 0);
    data.write(name, 16, length, 'utf8');
    return crypto.hash('sha1', data, 'hex');
  }
  if (scratchNamespace !== namespace) {
    namespace.copy(scratch, 0);
    scratchNamespace = namespace;
  }
  const length = scratch.write(name, 16, 'utf8');
  return crypto.hash('sha1', new DataView(scratch.buffer, scratch.byteOffset, 16 + length), 'hex');
}

/** The variant digit of RFC 9562 (binary 10xx) for each value of the hex digit it replaces. */
const VARIANT = '89ab';

const HYPHEN = 0x2d;
const FIVE = 0x35;

export function uuidV5(name: string, namespace: string = WNM_ID_NAMESPACE): string {
  const hex = sha1Hex(namespace === WNM_ID_NAMESPACE ? DEFAULT_NAMESPACE : namespaceOf(namespace), name);
  const h = (i: number): number => hex.charCodeAt(i);
  // the version nibble becomes 5 and the variant's two top bits 10; the other digits stay
  const variant = VARIANT.charCodeAt(hexDigitValue(h(16)) & 3);
  // one sequential string from its character codes: a third of the time of joining slices
  return String.fromCharCode(
    h(0), h(1), h(2), h(3), h(4), h(5), h(6), h(7), HYPHEN,
    h(8), h(9), h(10), h(11), HYPHEN,
    FIVE, h(13), h(14), h(15), HYPHEN,
    variant, h(17), h(18), h(19), HYPHEN,
    h(20), h(21), h(22), h(23), h(24), h(25), h(26), h(27), h(28), h(29), h(30), h(31),
  );
}
