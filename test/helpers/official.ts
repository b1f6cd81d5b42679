import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { ValidateFunction } from 'ajv';
import { hasReference, reference, readJson, repoRoot } from './reference';

export const OFFICIAL_WNM_SCHEMA = 'wnm/wis2-notification-message-bundled.json';

let officialWnm: ValidateFunction | undefined;
let ownWnm: ValidateFunction | undefined;

/**
 * `strict: false` because the bundled schema carries the non-standard `example` keyword; formats
 * asserted, as a Global Broker would.
 */
function compile(schema: object): ValidateFunction {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  return ajv.compile(schema);
}

/** The official WNM schema, compiled the way a Global Broker would: draft 2020-12 with formats asserted. */
export function officialWnmValidator(): ValidateFunction {
  officialWnm ??= compile(readJson(reference(OFFICIAL_WNM_SCHEMA)) as object);
  return officialWnm;
}

export function officialWnmErrors(message: unknown): string[] {
  const validate = officialWnmValidator();
  return validate(message) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}

/**
 * What a schema finds wrong in a notification we produced: the official WNM schema when the
 * reference data is there, else the project's own, which accepts the same messages except where
 * it is stricter (a Polygon needs a ring, data_id must not be empty), so that every setup still
 * checks each output against a schema.
 */
export function wnmSchemaErrors(message: unknown): string[] {
  if (hasReference(OFFICIAL_WNM_SCHEMA)) return officialWnmErrors(message);
  ownWnm ??= compile(readJson(`${repoRoot}/schemas/wis2-notification-message.schema.json`) as object);
  return ownWnm(message) ? [] : (ownWnm.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}
