import fs from 'node:fs';
import { parseCsv } from '../../../scripts/codelists';
import { reference } from '../../helpers/reference';

export { parseCsv };

/** Where the official WTH codelists are in the reference data (see needReference). */
export const WTH_CODELISTS = 'wcmp2/codelists/wis2-topic-hierarchy';

/** One official WTH codelist (as shipped in the WTH bundle) from the reference data. */
export function officialCodelist(name: string): Record<string, string | undefined>[] {
  return parseCsv(fs.readFileSync(reference(WTH_CODELISTS, `${name}.csv`), 'utf8'));
}
