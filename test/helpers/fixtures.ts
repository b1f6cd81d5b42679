import path from 'node:path';
import type { DatasetConfig } from '../../nodes/lib/dataset';
import { repoRoot } from './reference';

export const ARGO_TOPIC = 'origin/a/wis2/fr-ifremer-argo/data/core/ocean/surface-based-observations/drifting-ocean-profilers';

/** The Argo dataset of the shipped flow, as the tests configure it. */
export const ARGO = {
  centreId: 'fr-ifremer-argo',
  topic: ARGO_TOPIC,
  metadataId: 'urn:wmo:md:fr-ifremer-argo:cor:msg:argo',
  dataPolicy: 'core',
  baseUrl: 'https://data-argo.ifremer.fr/',
  pathPattern: 'argo',
} satisfies DatasetConfig;

/**
 * The project's own sample events (flows/samples), which every setup has: a BUFR bulletin and
 * a real-time NetCDF profile of the Argo dataset.
 */
export const SAMPLE_BUFR = path.join(repoRoot, 'flows', 'samples', 'bufr-IOPX01_LFVX_091838.json');
export const SAMPLE_NETCDF = path.join(repoRoot, 'flows', 'samples', 'coriolis-R6903580_147.json');
