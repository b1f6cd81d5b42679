import crypto from 'node:crypto';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020';
import type { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { listJson, readJson, reference } from '../../helpers/reference';

/** Where the official schema and examples are in the reference data (see needReference). */
export const OFFICIAL_SCHEMA = 'wnm/wis2-notification-message-bundled.json';
export const OFFICIAL_EXAMPLES = 'wnm/examples';
import { WNM_RECOMMENDATIONS, WNM_TESTS, type EtsCode, type EtsReport, type EtsTest } from '../../../nodes/lib/wnm';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

let official: ValidateFunction | undefined;

/**
 * The official bundled schema, compiled as a Global Broker would: draft 2020-12, formats asserted.
 * `strict: false` because it carries the non-standard `example` keyword.
 */
export function officialValidator(): ValidateFunction {
  if (!official) {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    official = ajv.compile(readJson(reference(OFFICIAL_SCHEMA)) as object);
  }
  return official;
}

export function officialAccepts(message: unknown): boolean {
  return officialValidator()(message);
}

export interface Example {
  name: string;
  file: string;
}

export function officialExamples(): Example[] {
  return listJson(reference(OFFICIAL_EXAMPLES)).map((file) => ({ name: path.basename(file), file }));
}

/** A fixed clock for the pubtime-in-the-future warning: half a minute after the valid message's pubtime. */
export const NOW = new Date('2026-08-20T10:00:30Z');

export function digest(method: string, data: string): string {
  return crypto.createHash(method).update(data).digest('base64');
}

/** A complete WNM that passes every test and follows every recommendation. */
export function validWnm(): JsonObject {
  return {
    id: '4b2d6a51-8f3e-4c1a-9d7b-2e5f8a1c3b90',
    conformsTo: ['http://wis.wmo.int/spec/wnm/1/conf/core'],
    type: 'Feature',
    geometry: { type: 'Point', coordinates: [-4.48, 48.39] },
    properties: {
      data_id: 'wis2/fr-ifremer-argo/data/core/ocean/surface-based-observations/drifting-ocean-profilers/6903001_001.nc',
      metadata_id: 'urn:wmo:md:fr-ifremer-argo:core.ocean.surface-based-observations.drifting-ocean-profilers',
      pubtime: '2026-08-20T10:00:00Z',
      datetime: '2026-08-19T22:10:00Z',
      integrity: { method: 'sha512', value: digest('sha512', 'R6903001_001.nc') },
    },
    links: [
      {
        href: 'https://data-argo.ifremer.fr/dac/coriolis/6903001/profiles/R6903001_001.nc',
        rel: 'canonical',
        type: 'application/netcdf',
        length: 123456,
      },
    ],
  };
}

/** `message.properties`, typed for mutation in tests. */
export function props(message: JsonObject): JsonObject {
  return message.properties as JsonObject;
}

/** `message.links[i]`, typed for mutation in tests. */
export function link(message: JsonObject, i = 0): JsonObject {
  return (message.links as JsonObject[])[i];
}

export const CONF = WNM_TESTS;
export const REC = WNM_RECOMMENDATIONS;

export function tests(report: EtsReport): EtsTest[] {
  return report['ets-report'].tests;
}

export function idsWith(report: EtsReport, code: EtsCode): string[] {
  return tests(report)
    .filter((t) => t.code === code)
    .map((t) => t.id);
}

export function entry(report: EtsReport, id: string): EtsTest {
  const found = tests(report).find((t) => t.id === id);
  if (!found) throw new Error(`no entry ${id} in the report`);
  return found;
}

/** Short names (`links`, `rec/links`) for readable assertions. */
export function short(id: string): string {
  return id.replace('http://wis.wmo.int/spec/wnm/1/conf/core/', '').replace('http://wis.wmo.int/spec/wnm/1/rec/core/', 'rec/');
}

export function failed(report: EtsReport): string[] {
  return idsWith(report, 'FAILED').map(short).sort();
}

export function warned(report: EtsReport): string[] {
  return idsWith(report, 'WARNING').map(short).sort();
}
