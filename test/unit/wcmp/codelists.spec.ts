import assert from 'node:assert/strict';
import fs from 'node:fs';
import { wcmpCodelists } from '../../../nodes/lib/wcmp';
import { needReference, reference } from '../../helpers/reference';
import { ARGO_FILE, EXAMPLES_DIR, FIXTURES_DIR, examples, argo, fixture } from './helpers';

/** First column of an official codelist CSV, header dropped. */
function names(...parts: string[]): string[] {
  return fs
    .readFileSync(reference('wcmp2', 'codelists', ...parts), 'utf8')
    .split(/\r?\n/)
    .slice(1)
    .filter((line) => line.trim() !== '')
    .map((line) => (line.split(',')[0] ?? '').trim());
}

const sorted = (list: readonly string[]): string[] => [...list].sort();

describe('wcmp: our codelist snapshot against the official CSV files', () => {
  before(function () {
    needReference(this, 'wcmp2/codelists/wcmp2-codelists', EXAMPLES_DIR, ARGO_FILE, FIXTURES_DIR);
  });

  it('is dated and says where it comes from', () => {
    assert.match(wcmpCodelists.CODELIST_SNAPSHOT.date, /^\d{4}-\d{2}-\d{2}$/);
    assert.match(wcmpCodelists.CODELIST_SNAPSHOT.wcmp2Codelists, /wcmp2-codelists/);
    assert.match(wcmpCodelists.CODELIST_SNAPSHOT.ianaLinkRelations, /IANA/);
  });

  it('covers exactly the codelists the WCMP2 codelist register lists', () => {
    assert.deepEqual(names('wcmp2-codelists', 'codelists.csv'), ['contact-role', 'global-service-type', 'link-type', 'resource-type']);
  });

  it('resource types, contact roles, WIS link types, global service types', () => {
    assert.deepEqual(sorted(wcmpCodelists.RESOURCE_TYPES), sorted(names('wcmp2-codelists', 'resource-type.csv')));
    assert.deepEqual(sorted(wcmpCodelists.CONTACT_ROLES), sorted(names('wcmp2-codelists', 'contact-role.csv')));
    assert.deepEqual(sorted(wcmpCodelists.WIS_LINK_TYPES), sorted(names('wcmp2-codelists', 'link-type.csv')));
    assert.deepEqual(sorted(wcmpCodelists.GLOBAL_SERVICE_TYPES), sorted(names('wcmp2-codelists', 'global-service-type.csv')));
  });

  it('"publisher" is recommended by the standard but absent from the role register, so it is kept apart', () => {
    assert.ok(!names('wcmp2-codelists', 'contact-role.csv').includes('publisher'));
    assert.equal(wcmpCodelists.PUBLISHER_ROLE, 'publisher');
  });

  it('the earth-system disciplines are the top level of the WIS2 Topic Hierarchy list', () => {
    const top = names('wis2-topic-hierarchy', 'earth-system-discipline.csv').filter((n) => !n.includes('/'));
    assert.deepEqual(sorted(wcmpCodelists.EARTH_SYSTEM_DISCIPLINES), sorted(top));
  });

  it('the IANA relation snapshot (no official CSV is available offline): lower case, unique, and holds every relation the official records use', () => {
    const iana = wcmpCodelists.IANA_LINK_RELATIONS;
    assert.equal(new Set(iana).size, iana.length);
    for (const r of iana) assert.match(r, /^[a-z][a-z0-9.\-_]*$/);
    assert.ok(iana.length > 130);
    // No WIS link type is an IANA relation, so the two lists do not overlap.
    for (const w of wcmpCodelists.WIS_LINK_TYPES) assert.ok(!iana.includes(w), w);
    const used = new Set<string>();
    const collect = (record: Record<string, unknown>): void => {
      for (const link of (record.links as { rel?: string }[] | undefined) ?? []) if (link.rel) used.add(link.rel.toLowerCase());
    };
    for (const e of examples()) collect(e.record);
    collect(argo());
    collect(fixture('wcmp2-passing.json'));
    for (const rel of used) assert.ok(iana.includes(rel) || wcmpCodelists.WIS_LINK_TYPES.includes(rel), rel);
    assert.ok(!iana.includes('download'), 'pywcmp\'s test record relies on "download" being unregistered');
  });
});
