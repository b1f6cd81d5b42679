import fs from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { ValidateFunction } from 'ajv';
import { listJson, readJson, reference } from '../../helpers/reference';
import type { WcmpReport, WcmpTestName } from '../../../nodes/lib/wcmp';
import { testId } from '../../../nodes/lib/wcmp';

/** Where the official records are in the reference data (see needReference). */
export const EXAMPLES_DIR = 'wcmp2/examples';
export const FIXTURES_DIR = 'wcmp2/pywcmp-test-data';
export const ARGO_FILE = 'wcmp2/real-records/fr-ifremer-argo-core-metadata.json';
export const OFFICIAL_SCHEMA = 'wcmp2/schema/wcmp2-bundled.json';

export function examples(): { name: string; file: string; record: Record<string, unknown> }[] {
  return listJson(reference(EXAMPLES_DIR)).map((file) => ({ name: path.basename(file), file, record: readJson(file) as Record<string, unknown> }));
}

export function fixture(name: string): Record<string, unknown> {
  return readJson(reference(FIXTURES_DIR, name)) as Record<string, unknown>;
}

/** The record Ifremer publishes for Argo (reference data; not the project's own record). */
export function argo(): Record<string, unknown> {
  return readJson(reference(ARGO_FILE)) as Record<string, unknown>;
}

/**
 * The pointer the official bundled schema writes under `samples` crosses a `$ref` and resolves
 * nowhere, so ajv refuses to compile it; the pointer it means is the documentation item of the
 * same Link definition. Applied here only, to compare our schema with the official one.
 */
const BROKEN_REF = '#/properties/links/items/properties/distribution/properties/availableFormats/items/properties/documentation/items';
const FIXED_REF = '#/definitions/Link/properties/distribution/properties/availableFormats/items/properties/documentation/items';

let official: ValidateFunction | undefined;

export function officialWcmpValidator(options: { allErrors?: boolean } = {}): ValidateFunction {
  const build = (): ValidateFunction => {
    const text = fs.readFileSync(reference(OFFICIAL_SCHEMA), 'utf8');
    if (!text.includes(BROKEN_REF)) throw new Error('the official schema no longer has the broken samples $ref: revisit this helper');
    // strict: false because the bundled schema carries the non-standard `example` keyword
    const ajv = new Ajv2020({ strict: false, allErrors: options.allErrors === true });
    addFormats(ajv);
    return ajv.compile(JSON.parse(text.replace(BROKEN_REF, FIXED_REF)) as object);
  };
  if (options.allErrors === true) return build();
  official ??= build();
  return official;
}

export function clone<T>(value: T): T {
  return structuredClone(value);
}

export function code(report: WcmpReport, test: WcmpTestName): string {
  const t = report.tests.find((x) => x.id === testId(test));
  if (!t) throw new Error(`no test ${test} in the report`);
  return t.code;
}

export function failedTests(report: WcmpReport): string[] {
  return report.tests.filter((t) => t.code === 'FAILED').map((t) => t.id.replace(/^.*\//, '')).sort();
}

export function findings(report: WcmpReport, test: WcmpTestName, kind: 'errors' | 'warnings' = 'errors'): { code: string; path: string; message: string; rule: string }[] {
  return report.tests.find((x) => x.id === testId(test))?.[kind] ?? [];
}

/** A record that passes every test cleanly, to break one rule at a time. */
export function goodRecord(): Record<string, unknown> {
  return {
    id: 'urn:wmo:md:fr-ifremer-argo:argo-profiles',
    conformsTo: ['http://wis.wmo.int/spec/wcmp/2/conf/core'],
    type: 'Feature',
    geometry: {
      type: 'Polygon',
      coordinates: [
        [
          [-180, -90],
          [180, -90],
          [180, 90],
          [-180, 90],
          [-180, -90],
        ],
      ],
    },
    time: { interval: ['1997-01-01T00:00:00Z', '..'], resolution: 'PT15M' },
    properties: {
      type: 'dataset',
      title: 'Argo float vertical profiles',
      description: 'Temperature and salinity profiles measured by the Argo fleet of profiling floats.',
      themes: [{ concepts: [{ id: 'ocean' }], scheme: 'https://codes.wmo.int/wis/topic-hierarchy/earth-system-discipline' }],
      contacts: [
        {
          organization: 'Ifremer',
          emails: [{ value: 'argo@example.org' }],
          addresses: [{ country: 'FRA' }],
          contactInstructions: 'by email',
          roles: ['host', 'producer'],
        },
      ],
      created: '2025-08-20T14:00:00Z',
      updated: '2025-08-21T14:00:00Z',
      'wmo:dataPolicy': 'core',
    },
    links: [
      {
        rel: 'items',
        type: 'application/geo+json',
        title: 'Data notifications',
        href: 'mqtts://broker.example.org:8883',
        channel: 'origin/a/wis2/fr-ifremer-argo/data/core/ocean/surface-based-observations/drifting-ocean-profilers',
      },
      { rel: 'data', type: 'text/html', href: 'https://data.example.org/argo' },
    ],
  };
}
