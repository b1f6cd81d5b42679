/**
 * Inline content (/req/core/content, /rec/core/content) and integrity (/rec/core/integrity).
 */
import { DIGEST_BYTES, isWnmIntegrityMethod } from '../core/integrity';
import { MAX_INLINE_BYTES } from './standard';
import { gunzipSync } from 'node:zlib';
import type { Findings } from '../core/report';
import { shown } from './suite-report';

/** A gzip value announcing at most 4096 bytes gains nothing from inflating far beyond that. */
const MAX_INFLATE_BYTES = 1 << 16;

// RFC 4648 §4 with padding, no line breaks or white space.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const ENCODINGS: ReadonlySet<string> = new Set(['utf-8', 'base64', 'gzip']);

function base64Length(value: string): number {
  const padding = value.endsWith('==') ? 2 : value.endsWith('=') ? 1 : 0;
  return (value.length / 4) * 3 - padding;
}

/**
 * `size` is the size of the data. For gzip, the standard's text ("the size ... in accordance to
 * the encoding", "the limit takes into account ... compression") leaves open whether that is the
 * compressed or the original size, so either is accepted.
 */
function sizeMatches(size: number, lengths: readonly number[]): boolean {
  return lengths.includes(size);
}

/** Returns true when there was content to check. */
export function checkContent(props: Record<string, unknown>, issues: Findings, recommendations: Findings): boolean {
  const content = props.content;
  if (content === undefined) return false;
  const base = '/properties/content';
  if (typeof content !== 'object' || content === null || Array.isArray(content)) {
    issues.add(base, 'must be an object with encoding, value and size');
    return true;
  }
  const { encoding, value, size } = content as Record<string, unknown>;

  // The size, when it is a byte count within the limit.
  let bytesAnnounced: number | undefined;
  if (size === undefined) issues.add(`${base}/size`, 'is required');
  else if (typeof size !== 'number' || !Number.isInteger(size) || size < 0) issues.add(`${base}/size`, `${shown(size)} is not a number of bytes`);
  else if (size > MAX_INLINE_BYTES) issues.add(`${base}/size`, `${size} exceeds ${MAX_INLINE_BYTES}: such data is not inlined (/req/core/content A)`);
  else bytesAnnounced = size;

  let encodingName: string | undefined;
  if (encoding === undefined) issues.add(`${base}/encoding`, 'is required');
  else if (typeof encoding !== 'string' || !ENCODINGS.has(encoding)) issues.add(`${base}/encoding`, `${shown(encoding)} is not one of utf-8, base64, gzip`);
  else encodingName = encoding;

  if (value === undefined) {
    issues.add(`${base}/value`, 'is required');
    return true;
  }
  if (typeof value !== 'string') {
    issues.add(`${base}/value`, 'must be a string');
    return true;
  }
  const encodedBytes = Buffer.byteLength(value, 'utf8');
  if (encodedBytes > MAX_INLINE_BYTES) {
    issues.add(`${base}/value`, `is ${encodedBytes} bytes once encoded; inline data SHALL NOT exceed ${MAX_INLINE_BYTES} bytes (/req/core/content A)`);
  }
  if (encodingName === undefined) return true;

  // The lengths `size` may rightly announce, when the value can be decoded.
  let lengths: number[] | undefined;
  if (encodingName === 'utf-8') {
    lengths = [encodedBytes];
  } else if (!BASE64.test(value)) {
    issues.add(`${base}/value`, `is not base64 (RFC 4648 §4, padded, no white space), as encoding ${encodingName} requires`);
  } else if (encodingName === 'base64') {
    lengths = [base64Length(value)];
  } else {
    const packed = Buffer.from(value, 'base64');
    if (packed.length < 18 || packed[0] !== 0x1f || packed[1] !== 0x8b || packed[2] !== 8) {
      issues.add(`${base}/value`, 'does not decode to gzip data (RFC 1952: magic bytes 1f 8b, method 8)');
    } else {
      try {
        lengths = [gunzipSync(packed, { maxOutputLength: MAX_INFLATE_BYTES }).length, packed.length];
      } catch (err) {
        if (err instanceof RangeError) {
          lengths = [packed.length];
        } else {
          issues.add(`${base}/value`, `is not valid gzip data: ${err instanceof Error ? err.message : 'inflate failed'}`);
        }
      }
    }
  }
  if (lengths !== undefined && bytesAnnounced !== undefined && !sizeMatches(bytesAnnounced, lengths)) {
    recommendations.add(
      `${base}/size`,
      `is ${bytesAnnounced} but the ${encodingName} value holds ${lengths[0]} bytes of data; size gives the length of the data (/rec/core/content)`,
    );
  }
  return true;
}

/** The 6-bit value of each base64 character (RFC 4648 §4), -1 for any other code unit below 128. */
const SEXTETS: Int8Array = (() => {
  const table = new Int8Array(128).fill(-1);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let i = 0; i < alphabet.length; i++) table[alphabet.charCodeAt(i)] = i;
  return table;
})();

function sextet(c: number): number {
  return c < 128 ? (SEXTETS[c]) : -1;
}

/**
 * Canonical base64 of exactly `bytes` bytes: the right length and padding, and zero bits where
 * the last character holds fewer than 6 bits of data (RFC 4648 §3.5), so that one digest has
 * one spelling. A loop over a table: faster than a regular expression on every message.
 */
function isCanonicalBase64Of(value: string, bytes: number): boolean {
  const chars = Math.ceil(bytes / 3) * 4;
  if (value.length !== chars) return false;
  const padding = (3 - (bytes % 3)) % 3;
  const dataChars = chars - padding;
  for (let i = 0; i < dataChars; i++) if (sextet(value.charCodeAt(i)) < 0) return false;
  for (let i = dataChars; i < chars; i++) if (value.charCodeAt(i) !== 0x3d) return false;
  return padding === 0 || (sextet(value.charCodeAt(dataChars - 1)) & (padding === 2 ? 0x0f : 0x03)) === 0;
}

/** /rec/core/integrity: present, and a base64 digest of the length its method produces. */
export function checkIntegrity(props: Record<string, unknown>, recommendations: Findings): void {
  const integrity = props.integrity;
  if (integrity === undefined) {
    recommendations.add('/properties/integrity', 'is missing; give the checksum of the data (method and base64 value) (/rec/core/integrity)');
    return;
  }
  if (typeof integrity !== 'object' || integrity === null) return;
  const { method, value } = integrity as Record<string, unknown>;
  if (!isWnmIntegrityMethod(method) || typeof value !== 'string') return;
  const bytes = DIGEST_BYTES[method];
  if (isCanonicalBase64Of(value, bytes)) return;
  const hex = value.length === bytes * 2 && /^[0-9a-fA-F]+$/.test(value);
  recommendations.add(
    '/properties/integrity/value',
    hex
      ? `is a hexadecimal ${method} digest; the value is the base64 encoding of the digest (/rec/core/integrity)`
      : `is not the base64 encoding of a ${bytes}-byte ${method} digest (/rec/core/integrity)`,
  );
}
