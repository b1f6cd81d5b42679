/**
 * The checksum methods a WIS2 notification names in `integrity.method` (WNM /req/core/integrity),
 * and the length of the digest each produces.
 */
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

