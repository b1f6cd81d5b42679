import type { NodeDef } from 'node-red';

export interface GdcCheckDef extends NodeDef {
  version?: number;
  /** the OGC API – Records collection of the Global Discovery Catalogue */
  catalogue: string;
  /** seconds between the announcement and the question: the catalogue needs time to ingest */
  delay?: string | number;
  /** ask the catalogue's KPI process too */
  kpi?: boolean | string;
}

/**
 * The shapes a WIS2 catalogue check configuration has had; each step brings one a version up.
 * Version 1 is the first: a configuration without a version gets its defaults.
 */
export const GDC_CHECK_VERSION = 1;
export const DEFAULT_CATALOGUE = 'https://wis2-gdc.weather.gc.ca/collections/wis2-discovery-metadata';

type Step = (def: GdcCheckDef) => GdcCheckDef;

const STEPS: Partial<Record<number, Step>> = {
  0: (def) => ({
    ...def,
    version: 1,
    catalogue: def.catalogue || DEFAULT_CATALOGUE,
    delay: def.delay ?? '300',
    kpi: def.kpi ?? true,
  }),
};

export function migrateGdcCheck(def: GdcCheckDef): GdcCheckDef {
  let out = def;
  for (let v = Number(out.version) || 0; v < GDC_CHECK_VERSION; v++) {
    const step = STEPS[v];
    if (!step) break;
    out = step(out);
  }
  return out;
}
