/** The value of a lowercase hex digit, from its character code (checked by the caller). */
export function hexDigitValue(code: number): number {
  return code <= 0x39 ? code - 0x30 : code - 0x57;
}

/**
 * A whole number of at least `min`, from a number or from text of decimal digits (blanks around
 * them allowed): a config node's field, where the editor stores text, a hand-written flow may
 * hold a number and `${NAME}` may expand to anything; or a header such as Content-Length.
 * Anything else (empty, a fraction, words, beyond the safe integers) is undefined, so that the
 * caller's default applies.
 */
export function wholeNumber(value: string | number | undefined, min = 0): number | undefined {
  const n = typeof value === 'number' ? value : /^\s*\d+\s*$/.test(value ?? '') ? Number(value) : NaN;
  return Number.isSafeInteger(n) && n >= min ? n : undefined;
}
