import type { DatasetConfig } from '../../nodes/lib/dataset';

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
