/**
 * Our WCMP2 JSON Schema, compiled once per process on first use.
 */
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { ErrorObject, ValidateFunction } from 'ajv';
import schema from '../../../schemas/wcmp2.schema.json';

let compiled: ValidateFunction | undefined;

/**
 * The compiled validator, collecting every error as pywcmp does. Strict mode keeps the schema
 * free of unknown keywords and ambiguous types; `strictRequired` is off because the HTTP
 * security scheme lists `bearerFormat` under `not.required` without redeclaring it there, which
 * is how OpenAPI writes that rule.
 */
export function schemaValidator(): ValidateFunction {
  if (compiled === undefined) {
    const ajv = new Ajv2020({ strict: true, strictRequired: false, allowUnionTypes: true, allErrors: true });
    addFormats(ajv);
    compiled = ajv.compile(schema);
  }
  return compiled;
}

export interface SchemaError {
  path: string;
  message: string;
}

/** Validates and returns the schema errors, one per distinct member and complaint. */
export function schemaErrors(value: unknown): SchemaError[] {
  const validate = schemaValidator();
  if (validate(value)) return [];
  const out: SchemaError[] = [];
  const seen = new Set<string>();
  for (const e of validate.errors ?? []) {
    // "must match \"then\" schema" only restates the errors of the branch, which are listed.
    if (e.keyword === 'if') continue;
    const message = describe(e);
    const key = `${e.instancePath}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ path: e.instancePath, message });
  }
  return out;
}

function describe(e: ErrorObject): string {
  const params = e.params as Record<string, unknown>;
  const text = e.message ?? e.keyword;
  switch (e.keyword) {
    case 'enum': {
      const allowed = params.allowedValues;
      return Array.isArray(allowed) ? `${text}: ${allowed.map((v) => JSON.stringify(v)).join(', ')}` : text;
    }
    case 'const':
      return `${text} ${JSON.stringify(params.allowedValue)}`;
    case 'additionalProperties':
      return `${text} (${String(params.additionalProperty)})`;
    default:
      return text;
  }
}
