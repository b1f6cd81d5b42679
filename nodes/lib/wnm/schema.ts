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

export interface SchemaIssue {
  /** JSON Pointer (RFC 6901) of the member at fault; '' is the whole message. */
  path: string;
  message: string;
}

export const WNM_SCHEMA_ID: string = schema.$id;

/** The schema document itself, for tools that want to show or serve it. */
export const wnmSchema: Readonly<Record<string, unknown>> = schema;

const NO_ISSUES: readonly SchemaIssue[] = Object.freeze([]);

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (!compiled) {
    // Strict about the schema itself, except strictRequired: `required` inside the `oneOf`
    // choices names members declared beside them, which is the usual 2020-12 idiom.
    // strictNumbers: objects handed over directly (not parsed from JSON) may hold NaN or
    // Infinity, which JSON cannot carry; they must not pass as numbers.
    const ajv = new Ajv2020({
      allErrors: true,
      strictSchema: true,
      strictTypes: true,
      strictTuples: true,
      strictRequired: false,
      strictNumbers: true,
    });
    addFormats(ajv, ['uuid', 'date-time', 'uri-reference']);
    compiled = ajv.compile(schema);
  }
  return compiled;
}

/** Compiles the schema now rather than on the first message. */
export function warmUpWnmSchema(): void {
  validator();
}

/**
 * Validates a parsed WNM against our schema. Returns no issue when it is valid. Never throws for
 * JSON data; callers handing over arbitrary objects (getters, proxies) catch what they throw.
 */
export function validateWnmSchema(data: unknown): readonly SchemaIssue[] {
  const validate = validator();
  if (validate(data)) return NO_ISSUES;
  return describeErrors(validate.errors ?? []);
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
