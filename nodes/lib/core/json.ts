/** Reading and measuring JSON values. */

/** A JSON object: not null, not an array. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Printable ASCII except `"` and `\`: one byte each in JSON. Most strings are only that, and
// past SHORT_STRING characters a native regular expression tells so faster than a loop. Matched
// whole from the start rather than searched for a character outside it: one pass, without a new
// attempt at each position (11% less time over 90-character hrefs, topics and fingerprints).
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** Strings up to this length are scanned in a loop, which costs less than a regular expression call. */
const SHORT_STRING = 32;

/** Size in bytes of the UTF-8 of `JSON.stringify(text)`, quotes included. */
export function jsonStringBytes(text: string): number {
  const n = text.length;
  if (n <= SHORT_STRING) {
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return escapedBytes(text);
    }
    return n + 2;
  }
  return PLAIN.test(text) ? n + 2 : escapedBytes(text);
}

/**
 * `JSON.stringify(text)`: the text between quotes when nothing in it needs escaping, as the
 * data_ids, hrefs, topics and fingerprints written into every line and notification id are.
 * The call into JSON.stringify costs more than the check for strings of that size.
 */
export function jsonQuote(text: string): string {
  return jsonStringBytes(text) === text.length + 2 ? `"${text}"` : JSON.stringify(text);
}

/** Size in bytes of a finite number's JSON, or of the `null` JSON.stringify writes for the others. */
export function jsonNumberBytes(value: number): number {
  return Number.isFinite(value) ? String(value).length : 4;
}

function escapedBytes(text: string): number {
  let bytes = 2;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) {
      if (c >= 0x20) bytes += c === 0x22 || c === 0x5c ? 2 : 1;
      else bytes += c === 0x08 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d ? 2 : 6;
    } else if (c < 0x800) {
      bytes += 2;
    } else if (c >= 0xd800 && c <= 0xdbff) {
      const next = i + 1 < length ? text.charCodeAt(i + 1) : 0;
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else {
        bytes += 6; // a lone surrogate is escaped as \udxxx (well-formed JSON.stringify)
      }
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      bytes += 6;
    } else {
      bytes += 3;
    }
  }
  return bytes;
}
