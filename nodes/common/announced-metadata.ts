/** The metadata records announced in this runtime, shared by the nodes that announce and those that need them. */
import { AnnouncedMetadata } from '../lib/publish/announced-metadata';
import { wholeNumber } from '../lib/core/numbers';

export const announcedMetadata = new AnnouncedMetadata();

/** Default wait after a deploy before a dataset says its record is not announced. */
const GRACE_SECONDS = 120;

/**
 * How long a dataset waits, after a deploy, for a metadata flow to announce its record: the
 * shipped metadata flows announce 2 s after a deploy, then fetch and validate the record, which
 * may take the fetch's timeout. `WIS2_METADATA_GRACE` (seconds) changes it.
 */
export function metadataGraceMs(env: NodeJS.ProcessEnv = process.env): number {
  return (wholeNumber(env.WIS2_METADATA_GRACE, 0) ?? GRACE_SECONDS) * 1000;
}
