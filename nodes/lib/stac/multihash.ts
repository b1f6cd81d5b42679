import { Wis2Error } from '../core/errors';
import { hexDigitValue } from '../core/numbers';
import type { WnmIntegrityMethod } from '../core/integrity';

/**
 * STAC `file:checksum` values are multihashes in lowercase hex:
 * `<varint hash code><varint digest length><digest>`. The WNM `integrity` object wants the
 * method name of its own enumeration and the standard base64 of the digest alone.
 */
interface HashInfo {
  /** multicodec name */
  name: string;
  digestBytes: number;
  /** the WNM method, when the WNM enumeration has one */
  method?: WnmIntegrityMethod;
}

/** The multicodec table entries a file checksum realistically uses. */
const HASHES = new Map<number, HashInfo>([
  [0x12, { name: 'sha2-256', digestBytes: 32, method: 'sha256' }],
  [0x20, { name: 'sha2-384', digestBytes: 48, method: 'sha384' }],
  [0x13, { name: 'sha2-512', digestBytes: 64, method: 'sha512' }],
  [0x16, { name: 'sha3-256', digestBytes: 32, method: 'sha3-256' }],
  [0x15, { name: 'sha3-384', digestBytes: 48, method: 'sha3-384' }],
  [0x14, { name: 'sha3-512', digestBytes: 64, method: 'sha3-512' }],
  [0xd5, { name: 'md5', digestBytes: 16 }],
  [0x11, { name: 'sha1', digestBytes: 20 }],
  [0x1b, { name: 'keccak-256', digestBytes: 32 }],
  [0xb220, { name: 'blake2b-256', digestBytes: 32 }],
  [0xb240, { name: 'blake2b-512', digestBytes: 64 }],
  [0xb260, { name: 'blake2s-256', digestBytes: 32 }],
  [0x1e, { name: 'blake3', digestBytes: 32 }],
]);

export interface Multihash {
  code: number;
  /** multicodec name, or `0x…` for a code outside our table */
  name: string;
  digest: Buffer;
  method?: WnmIntegrityMethod;
}

function readVarint(bytes: Buffer, offset: number, path: string): [number, number] {
  let value = 0;
  let shift = 0;
  for (let i = offset; i < bytes.length && i < offset + 4; i++) {
    const b = bytes[i] ?? 0;
    value += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) {
      if (i > offset && b === 0) {
        invalid('the multihash uses a non-minimal varint', path);
      }
      return [value, i + 1];
    }
    shift += 7;
  }
  invalid('the multihash is truncated in its header', path);
}

/** What a multihash looks like, for messages that refuse something else. */
export const MULTIHASH_HINT =
  'a multihash is lowercase hex of <hash code><digest length><digest>: for sha256, "1220" followed by the 64 hex digits of the digest (sha512: "1340" + 128 digits)';

/** Bare digest lengths in hex digits: md5, sha1, sha256, sha384, sha512. */
const BARE_DIGEST_DIGITS = new Set([32, 40, 64, 96, 128]);

const LOWER_HEX = /^(?:[0-9a-f]{2})+$/;
const ALGORITHM_PREFIXED = /^([A-Za-z][A-Za-z0-9-]*):([0-9A-Fa-f]+)$/;

function invalid(message: string, path: string): never {
  throw new Wis2Error('stac', 'checksum.invalid', `${message}; ${MULTIHASH_HINT}`, path);
}

/** Decodes and checks a hex multihash; refuses malformed values, never guesses. */
export function decodeMultihash(hex: unknown, path: string): Multihash {
  if (typeof hex !== 'string' || hex.length === 0) invalid('file:checksum must be a non-empty string', path);
  // lowercase hex has no ':', so an algorithm-prefixed value is only looked for once hex fails
  if (!LOWER_HEX.test(hex)) {
    const prefixed = ALGORITHM_PREFIXED.exec(hex);
    if (prefixed) invalid(`file:checksum "${prefixed[1]}:…" is an algorithm name and a digest, not a multihash`, path);
    invalid('file:checksum must be lowercase hexadecimal with an even number of digits', path);
  }
  try {
    return decodeChecked(hex, path);
  } catch (err) {
    // a bare digest decodes as a nonsense header: say what it most likely is
    if (err instanceof Wis2Error && BARE_DIGEST_DIGITS.has(hex.length)) {
      invalid(`file:checksum looks like a bare ${hex.length / 2}-byte digest without the multihash header (${err.message.split(';')[0] ?? ''})`, path);
    }
    throw err;
  }
}

/**
 * The bytes of text already checked to be lowercase hex of even length; a digest is a few dozen
 * bytes, for which this loop costs less than the call into Buffer.from's native decoder.
 */
function hexBytes(hex: string): Buffer {
  const bytes = Buffer.allocUnsafe(hex.length >> 1);
  for (let i = 0, j = 0; i < bytes.length; i++, j += 2) bytes[i] = (hexDigitValue(hex.charCodeAt(j)) << 4) | hexDigitValue(hex.charCodeAt(j + 1));
  return bytes;
}

function decodeChecked(hex: string, path: string): Multihash {
  const bytes = hexBytes(hex);
  const [code, afterCode] = readVarint(bytes, 0, path);
  const [length, start] = readVarint(bytes, afterCode, path);
  const digest = bytes.subarray(start);
  if (digest.length !== length) invalid(`the multihash announces a ${length}-byte digest but carries ${digest.length} bytes`, path);
  const info = HASHES.get(code);
  if (info && info.digestBytes !== length) invalid(`a ${info.name} digest is ${info.digestBytes} bytes, not ${length}`, path);
  const result: Multihash = { code, name: info?.name ?? `0x${code.toString(16)}`, digest };
  if (info?.method) result.method = info.method;
  return result;
}
