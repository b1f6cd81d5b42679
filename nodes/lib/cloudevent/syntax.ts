/**
 * The lexical rules CloudEvents borrows from other RFCs: RFC 3339 timestamps, RFC 3986 URIs and
 * URI-references, RFC 2045/2046 media types, RFC 4648 base64, and the CloudEvents String type.
 * Hand-written because the usual validators accept too much (a `"` in a URI-reference, a
 * date-time without an offset) or pull in dependencies.
 */
import { printable } from '../intake';

export { isRfc3339 } from '../core/time';

/** Without noUncheckedIndexedAccess a match's groups look always present; they are not. */
function groups(m: RegExpExecArray): readonly (string | undefined)[] {
  return m;
}

// RFC 3986 character classes, as regex fragments; `pct` is a well-formed %-escape.
const UNRESERVED = "A-Za-z0-9\\-._~";
const SUB_DELIMS = "!$&'()*+,;=";
const PCT = '%[0-9A-Fa-f]{2}';
const PCHAR = `(?:[${UNRESERVED}${SUB_DELIMS}:@]|${PCT})`;
const SCHEME_RE = /^[A-Za-z][A-Za-z0-9+\-.]*$/;
const USERINFO_RE = new RegExp(`^(?:[${UNRESERVED}${SUB_DELIMS}:]|${PCT})*$`);
const REG_NAME_RE = new RegExp(`^(?:[${UNRESERVED}${SUB_DELIMS}]|${PCT})*$`);
const PATH_RE = new RegExp(`^(?:${PCHAR}|/)*$`);
const QUERY_RE = new RegExp(`^(?:${PCHAR}|[/?])*$`);
const PORT_RE = /^[0-9]*$/;
const IPV4_RE = /^(?:(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])$/;
const IPVFUTURE_RE = new RegExp(`^[vV][0-9A-Fa-f]+\\.[${UNRESERVED}${SUB_DELIMS}:]+$`);
const H16 = /^[0-9A-Fa-f]{1,4}$/;

function isIpv6(text: string): boolean {
  let s = text;
  const lastColon = s.lastIndexOf(':');
  if (lastColon === -1) return false;
  const last = s.slice(lastColon + 1);
  if (last.includes('.')) {
    // A dotted IPv4 tail stands for the last two 16-bit groups.
    if (!IPV4_RE.test(last)) return false;
    s = s.slice(0, lastColon + 1) + '0:0';
  }
  const gap = s.indexOf('::');
  if (gap === -1) {
    const groups = s.split(':');
    return groups.length === 8 && groups.every((g) => H16.test(g));
  }
  if (s.includes('::', gap + 1)) return false;
  const head = s.slice(0, gap);
  const tail = s.slice(gap + 2);
  const groups = [...(head === '' ? [] : head.split(':')), ...(tail === '' ? [] : tail.split(':'))];
  return groups.length <= 7 && groups.every((g) => H16.test(g));
}

function isHost(host: string): boolean {
  if (host.startsWith('[')) {
    if (!host.endsWith(']')) return false;
    const inner = host.slice(1, -1);
    return IPVFUTURE_RE.test(inner) || isIpv6(inner);
  }
  return REG_NAME_RE.test(host);
}

/** The RFC 3986 Appendix B split, which every string matches. */
const SPLIT = /^(?:([^:/?#]+):)?(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/s;

export interface UriParts {
  scheme: string | undefined;
  authority: string | undefined;
  path: string;
  query: string | undefined;
  fragment: string | undefined;
}

/**
 * Parses an RFC 3986 URI-reference (section 4.1), or returns a reason it is not one. Relative
 * references such as `co050203` or `/sensors/x` are accepted.
 */
export function parseUriReference(value: string): UriParts | string {
  const match = SPLIT.exec(value);
  if (match === null) return 'it cannot be split into URI components';
  const [, scheme, authority, path = '', query, fragment] = groups(match);
  if (scheme !== undefined && !SCHEME_RE.test(scheme)) {
    // A first segment holding ':' that is not a valid scheme makes a relative reference invalid.
    return `"${printable(scheme, 40)}:" is not a valid scheme, and a relative reference's first segment cannot contain ":"`;
  }
  if (authority !== undefined) {
    let rest = authority;
    const at = rest.lastIndexOf('@');
    if (at !== -1) {
      if (!USERINFO_RE.test(rest.slice(0, at))) return 'the user information has characters RFC 3986 does not allow';
      rest = rest.slice(at + 1);
    }
    let host = rest;
    const portMatch = /:([^:\]]*)$/.exec(rest);
    if (portMatch !== null) {
      if (!PORT_RE.test(portMatch[1])) return 'the port is not a number';
      host = rest.slice(0, portMatch.index);
    }
    if (!isHost(host)) return `"${printable(host, 80)}" is not a valid host`;
  } else if (scheme === undefined) {
    if (path.startsWith('//')) return 'a path cannot start with "//" without an authority';
    if ((path.split('/', 1)[0] ?? '').includes(':')) return 'the first segment of a relative reference cannot contain ":"';
  }
  if (!PATH_RE.test(path)) return 'the path has characters RFC 3986 does not allow or a bad %-escape';
  if (query !== undefined && !QUERY_RE.test(query)) return 'the query has characters RFC 3986 does not allow or a bad %-escape';
  if (fragment !== undefined && !QUERY_RE.test(fragment)) return 'the fragment has characters RFC 3986 does not allow or a bad %-escape';
  return { scheme, authority, path, query, fragment };
}

export interface MediaType {
  /** `type/subtype`, lower-cased. */
  essence: string;
  type: string;
  subtype: string;
  /** Parameter names lower-cased; values unquoted, case kept. */
  parameters: Record<string, string>;
}

// RFC 2045 token: any visible ASCII except tspecials.
const TOKEN = "[!#$%&'*+\\-.^_`{|}~0-9A-Za-z]+";
const MEDIA_TYPE_RE = new RegExp(`^(${TOKEN})/(${TOKEN})((?:[ \\t]*;[ \\t]*${TOKEN}=(?:${TOKEN}|"(?:[^"\\\\\\r\\n]|\\\\.)*"))*)[ \\t]*$`);
const PARAM_RE = new RegExp(`;[ \\t]*(${TOKEN})=(${TOKEN}|"(?:[^"\\\\\\r\\n]|\\\\.)*")`, 'g');

/** Parses an RFC 2046 media type with its parameters, or returns undefined. */
export function parseMediaType(value: string): MediaType | undefined {
  const m = MEDIA_TYPE_RE.exec(value);
  if (m === null) return undefined;
  const type = m[1].toLowerCase();
  const subtype = m[2].toLowerCase();
  const parameters: Record<string, string> = {};
  for (const p of m[3].matchAll(PARAM_RE)) {
    const name = p[1].toLowerCase();
    let val = p[2];
    if (val.startsWith('"')) val = val.slice(1, -1).replace(/\\(.)/g, '$1');
    // Defined with defineProperty so a parameter named __proto__ stays an ordinary entry.
    Object.defineProperty(parameters, name, { value: val, enumerable: true, writable: true, configurable: true });
  }
  return { essence: `${type}/${subtype}`, type, subtype, parameters };
}

/**
 * The CloudEvents JSON format's test for JSON data: subtype `json` (so `application/json` and
 * the legacy `text/json`) or a `+json` structured-syntax suffix (RFC 6839).
 */
export function isJsonMediaType(mt: MediaType): boolean {
  return mt.subtype === 'json' || mt.subtype.endsWith('+json');
}

const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Decodes RFC 4648 base64 (standard alphabet, padding required, no whitespace), refusing
 * non-canonical encodings whose unused bits are not zero: Buffer.from would silently accept
 * all of these variations.
 */
export function decodeStrictBase64(value: string): Buffer | undefined {
  if (!BASE64_RE.test(value)) return undefined;
  const bytes = Buffer.from(value, 'base64');
  return bytes.toString('base64') === value ? bytes : undefined;
}

/**
 * The code units of every forbidden code point, surrogates included (a pair is only forbidden when
 * it makes a noncharacter): a string without any is let through by one native scan, which costs
 * half the instructions and two thirds of the time of the loop below over an event's attributes.
 */
// eslint-disable-next-line no-control-regex -- control characters are among what is looked for
const MAY_BE_FORBIDDEN = /[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]/;

/**
 * Finds the first code point the CloudEvents String type forbids: controls U+0000–U+001F and
 * U+007F–U+009F, noncharacters (U+FDD0–U+FDEF and U+xxFFFE/U+xxFFFF) and unpaired surrogates.
 */
export function forbiddenCharacter(value: string): { index: number; description: string } | undefined {
  if (!MAY_BE_FORBIDDEN.test(value)) return undefined;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c <= 0x1f || (c >= 0x7f && c <= 0x9f)) return { index: i, description: `the control character ${codePoint(c)}` };
    if ((c >= 0xfdd0 && c <= 0xfdef) || c === 0xfffe || c === 0xffff) return { index: i, description: `the noncharacter ${codePoint(c)}` };
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return { index: i, description: `the unpaired surrogate ${codePoint(c)}` };
      const cp = ((c - 0xd800) << 10) + (next - 0xdc00) + 0x10000;
      if ((cp & 0xfffe) === 0xfffe) return { index: i, description: `the noncharacter ${codePoint(cp)}` };
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return { index: i, description: `the unpaired surrogate ${codePoint(c)}` };
    }
  }
  return undefined;
}

function codePoint(cp: number): string {
  return 'U+' + cp.toString(16).toUpperCase().padStart(4, '0');
}
