import type { NodeDef } from 'node-red';
import type { Migration } from '../common/migrations';

export interface GdcCheckDef extends NodeDef {
  version?: number;
  /** the OGC API – Records collection of the Global Discovery Catalogue */
  catalogue: string;
  /** seconds between the announcement and the question: the catalogue needs time to ingest */
  delay?: string | number;
  /** ask the catalogue's KPI process too */
  kpi?: boolean | string;
}

export const DEFAULT_CATALOGUE = 'https://wis2-gdc.weather.gc.ca/collections/wis2-discovery-metadata';

/** The shapes a WIS2 catalogue check configuration has had; version 1 is the first. */
export const migrations: readonly Migration<GdcCheckDef>[] = [
  // a configuration without a version gets the defaults
  {
    version: 1,
    up: (def) => ({ ...def, catalogue: def.catalogue || DEFAULT_CATALOGUE, delay: def.delay ?? '300', kpi: def.kpi ?? true }),
  },
];
