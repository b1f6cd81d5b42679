import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { ValidateFunction } from 'ajv';
import { reference, readJson } from './reference';

let officialWnm: ValidateFunction | undefined;

/**
 * The official WNM schema, compiled the way a Global Broker would: draft 2020-12 with formats
 * asserted. `strict: false` because the bundled schema carries the non-standard `example` keyword.
 */
export function officialWnmValidator(): ValidateFunction {
  if (!officialWnm) {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    officialWnm = ajv.compile(readJson(reference('wnm', 'wis2-notification-message-bundled.json')) as object);
  }
  return officialWnm;
}

export function officialWnmErrors(message: unknown): string[] {
  const validate = officialWnmValidator();
  return validate(message) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}
