/**
 * The project's own WNM 1.3 JSON Schema, compiled once per process.
 *
 * Formats (uuid, date-time, uri-reference) are asserted, not left as annotations. Errors come back
 * as JSON Pointers with messages that say what the standard asks for: the two `oneOf` choices of
 * the schema (conformsTo or version; datetime or start/end) are reported as one sentence instead
 * of Ajv's "must match exactly one schema in oneOf" plus one error per branch.
 */
import { Ajv2020 } from 'ajv/dist/2020';
import type { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import schema from '../../../schemas/wis2-notification-message.schema.json';
import { isCalendarDay, isClockTime, readDigits } from '../core/time';

export interface SchemaIssue {
  /** JSON Pointer (RFC 6901) of the member at fault; '' is the whole message. */
  path: string;
  message: string;
}

export const WNM_SCHEMA_ID: string = schema.$id;

/** The schema document itself, for tools that want to show or serve it. */
export const wnmSchema: Readonly<Record<string, unknown>> = schema;

const NO_ISSUES: readonly SchemaIssue[] = Object.freeze([]);

/** The schema compiled twice: to stop at the first error, and to report them all. */
interface Validators {
  readonly first: ValidateFunction;
  readonly all: ValidateFunction;
}

let compiled: Validators | undefined;

/**
 * True only for a UTC date-time in the form notifications carry (`YYYY-MM-DDTHH:MM:SS[.f]Z`)
 * with every field in range, which the format's own check (a split and two regular expressions
 * per call) accepts too; anything else, leap seconds and offsets included, goes to that check.
 */
function plainUtcDateTime(s: string): boolean {
  const n = s.length;
  if (n < 20 || s.charCodeAt(4) !== 0x2d || s.charCodeAt(7) !== 0x2d || s.charCodeAt(10) !== 0x54) return false;
  if (s.charCodeAt(13) !== 0x3a || s.charCodeAt(16) !== 0x3a || s.charCodeAt(n - 1) !== 0x5a) return false;
  const year = readDigits(s, 0, 4);
  if (year < 0 || !isCalendarDay(year, readDigits(s, 5, 2), readDigits(s, 8, 2))) return false;
  const hour = readDigits(s, 11, 2);
  const minute = readDigits(s, 14, 2);
  const second = readDigits(s, 17, 2);
  if (hour < 0 || minute < 0 || second < 0 || second > 59 || !isClockTime(hour, minute, second)) return false;
  if (n === 20) return true;
  if (s.charCodeAt(19) !== 0x2e || n === 21) return false;
  for (let i = 20; i < n - 1; i++) if (readDigits(s, i, 1) < 0) return false;
  return true;
}

function isHexDigit(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/**
 * A UUID in its canonical 8-4-4-4-12 hexadecimal form (RFC 4122 §3), either case; read in a loop,
 * as every message's id is, which costs less than a regular expression call.
 */
export function isCanonicalUuid(s: string): boolean {
  if (s.length !== 36) return false;
  for (let i = 0; i < 36; i++) {
    const c = s.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 0x2d) return false;
    } else if (!isHexDigit(c)) {
      return false;
    }
  }
  return true;
}

function isStringFormat(format: unknown): format is { validate: (s: string) => boolean; compare?: (a: string, b: string) => number | undefined } {
  return typeof format === 'object' && format !== null && typeof (format as { validate?: unknown }).validate === 'function';
}

function validators(): Validators {
  if (!compiled) {
    const make = (allErrors: boolean): ValidateFunction => {
      // Strict about the schema itself, except strictRequired: `required` inside the `oneOf`
      // choices names members declared beside them, which is the usual 2020-12 idiom.
      // strictNumbers: objects handed over directly (not parsed from JSON) may hold NaN or
      // Infinity, which JSON cannot carry; they must not pass as numbers.
      const ajv = new Ajv2020({
        allErrors,
        strictSchema: true,
        strictTypes: true,
        strictTuples: true,
        strictRequired: false,
        strictNumbers: true,
      });
      addFormats(ajv, ['uuid', 'date-time', 'uri-reference']);
      // The formats' own checks still decide whatever the shortcuts do not accept.
      const uuid = ajv.formats.uuid;
      if (uuid instanceof RegExp) ajv.addFormat('uuid', { type: 'string', validate: (s: string) => isCanonicalUuid(s) || uuid.test(s) });
      const full = ajv.formats['date-time'];
      if (isStringFormat(full)) {
        const check = full.validate;
        ajv.addFormat('date-time', { ...full, validate: (s: string) => plainUtcDateTime(s) || check(s) });
      }
      return ajv.compile(schema);
    };
    compiled = { first: make(false), all: make(true) };
  }
  return compiled;
}

/** Compiles the schema now rather than on the first message. */
export function warmUpWnmSchema(): void {
  validators();
}

/**
 * Validates a parsed WNM against our schema. Returns no issue when it is valid. Never throws for
 * JSON data; callers handing over arbitrary objects (getters, proxies) catch what they throw.
 */
export function validateWnmSchema(data: unknown): readonly SchemaIssue[] {
  const { first, all } = validators();
  // Most messages are valid: the first pass stops at the first error, and only a message that
  // fails is checked again for all of its errors, which are what gets reported.
  if (first(data)) return NO_ISSUES;
  if (all(data)) return NO_ISSUES;
  return describeErrors(all.errors ?? []);
}

function escapeToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

// Ajv inlines small referenced schemas, so a schemaPath alone does not say which `oneOf` failed;
// the two choices are told apart by where they apply: the message root and its properties.
function choiceAt(instancePath: string): 'root' | 'temporal' | undefined {
  if (instancePath === '') return 'root';
  if (instancePath === '/properties') return 'temporal';
  return undefined;
}

function describeErrors(errors: readonly ErrorObject[]): SchemaIssue[] {
  const out: SchemaIssue[] = [];
  const seen = new Set<string>();
  const push = (path: string, message: string): void => {
    const key = path + '\u0000' + message;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ path, message });
  };
  for (const error of errors) {
    const { schemaPath, keyword, instancePath } = error;
    const choice = choiceAt(instancePath);
    // The branch errors of the two choices only restate "this member is missing".
    if (choice && schemaPath.startsWith('#/oneOf/')) continue;
    // An if/then failure is always accompanied by the error of the `then` branch itself.
    if (keyword === 'if') continue;
    if (choice && keyword === 'oneOf') {
      const matched = (error.params as { passingSchemas?: number[] | null }).passingSchemas;
      const both = Array.isArray(matched) && matched.length > 1;
      if (choice === 'root') {
        push(
          instancePath,
          both
            ? 'must not carry both conformsTo and the deprecated version (/req/core/conformance, /req/core/version)'
            : 'must declare its conformance with conformsTo (or the deprecated version) (/req/core/conformance)',
        );
      } else {
        push(
          instancePath,
          both
            ? 'must carry either datetime or start_datetime with end_datetime, not both (/req/core/temporal A)'
            : 'must carry datetime, or start_datetime with end_datetime (/req/core/temporal A)',
        );
      }
      continue;
    }
    if (keyword === 'required') {
      const missing = (error.params as { missingProperty: string }).missingProperty;
      push(`${instancePath}/${escapeToken(missing)}`, `is required (${parentLabel(instancePath)} must have ${missing})`);
      continue;
    }
    if (keyword === 'additionalProperties') {
      const extra = (error.params as { additionalProperty: string }).additionalProperty;
      push(`${instancePath}/${escapeToken(extra)}`, 'is not allowed here (only the members of the OpenAPI object and x- extensions)');
      continue;
    }
    push(instancePath, error.message ?? `fails ${keyword}`);
  }
  return out;
}

function parentLabel(instancePath: string): string {
  return instancePath === '' ? 'the message' : instancePath;
}
