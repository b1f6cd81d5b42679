import assert from 'node:assert/strict';
import fs from 'node:fs';
import { validateWcmp } from '../../../nodes/lib/wcmp';
import { needReference, reference } from '../../helpers/reference';
import { FIXTURES_DIR, code, failedTests, findings, fixture } from './helpers';

/**
 * The verdicts the README of pywcmp-test-data lists for pywcmp 0.14.4+: whether the record passes
 * the schema (our `validation` test) and which of pywcmp's tests fail.
 */
const PYWCMP_VERDICTS: Record<string, { schema: boolean; failing: string[] }> = {
  'wcmp2-passing.json': { schema: true, failing: [] },
  'wcmp2-passing-null-time.json': { schema: true, failing: [] },
  'wcmp2-passing-no-centre-id.json': { schema: true, failing: [] },
  'wcmp2-passing-test-centre-id.json': { schema: true, failing: [] },
  'wcmp2-passing-test-centre-id-in-topic.json': { schema: true, failing: [] },
  'wcmp2-failing.json': { schema: false, failing: ['data_policy', 'links', 'themes'] },
  'wcmp2-failing-created-none.json': { schema: false, failing: [] },
  'wcmp2-failing-invalid-time-resolution.json': { schema: false, failing: ['extent_temporal'] },
  'wcmp2-failing-invalid-centre-id.json': { schema: true, failing: ['identifier', 'links'] },
  'wcmp2-failing-invalid-identifier-empty.json': { schema: true, failing: ['identifier'] },
  'wcmp2-failing-invalid-identifier-space.json': { schema: true, failing: ['identifier'] },
  'wcmp2-failing-invalid-geometry-range.json': { schema: true, failing: ['extent_geospatial'] },
  'wcmp2-failing-invalid-geometry-validity.json': { schema: true, failing: ['extent_geospatial'] },
  'wcmp2-failing-invalid-link-channel-centre-id.json': { schema: true, failing: ['links'] },
  'wcmp2-failing-invalid-link-channel-data-policy.json': { schema: true, failing: ['links'] },
  'wcmp2-failing-invalid-link-channel-wis2-topic.json': { schema: true, failing: ['links'] },
  'wcmp2-failing-invalid-link-channel-wis2-topic-wss.json': { schema: true, failing: ['links'] },
  'wcmp2-failing-no-link-channel-centre-id.json': { schema: true, failing: ['links'] },
};

/**
 * Where pywcmp is wrong: tests it reports PASSED because its function is a stub, for records that
 * break the rule the test stands for. Each is argued in a test below.
 */
const PYWCMP_WRONG: Partial<Record<string, string[]>> = {
  'wcmp2-failing.json': ['conformance', 'contacts'],
  'wcmp2-failing-created-none.json': ['record_creation_date'],
};

function expected(name: string): string[] {
  const v = PYWCMP_VERDICTS[name];
  return [...v.failing, ...(v.schema ? [] : ['validation']), ...(PYWCMP_WRONG[name] ?? [])].sort();
}

describe('wcmp: pywcmp test records', () => {
  before(function () {
    needReference(this, FIXTURES_DIR);
  });

  it('the table covers every record of the folder (18)', () => {
    const files = fs.readdirSync(reference(FIXTURES_DIR)).filter((n) => n.endsWith('.json')).sort();
    assert.deepEqual(files, Object.keys(PYWCMP_VERDICTS).sort());
    assert.equal(files.length, 18);
  });

  for (const name of Object.keys(PYWCMP_VERDICTS)) {
    const differs = PYWCMP_WRONG[name] ? ` (plus ${PYWCMP_WRONG[name].join(', ')}, where pywcmp is wrong)` : '';
    it(`${name}: ${expected(name).length === 0 ? 'no FAILED test' : `FAILED ${expected(name).join(', ')}`}${differs}`, () => {
      assert.deepEqual(failedTests(validateWcmp(fixture(name))), expected(name));
    });
  }

  it('wcmp2-failing-invalid-centre-id.json with relaxed centre ids: identifier becomes a WARNING, the channel/id mismatch still fails links', () => {
    const report = validateWcmp(fixture('wcmp2-failing-invalid-centre-id.json'), { relaxCentreId: true });
    assert.equal(code(report, 'identifier'), 'WARNING');
    assert.deepEqual(failedTests(report), ['links']);
    assert.ok(findings(report, 'links').some((e) => e.code === 'links.channel_centre_mismatch'));
  });

  it('the failures carry pywcmp\'s wording, so reports compare line by line', () => {
    const message = (name: string, test: Parameters<typeof findings>[1]): string => findings(validateWcmp(fixture(name)), test).map((e) => e.message).join(' | ');
    assert.match(message('wcmp2-failing.json', 'data_policy'), /Missing data policy/);
    assert.match(message('wcmp2-failing.json', 'links'), /invalid link relation "download"/);
    assert.match(message('wcmp2-failing.json', 'themes'), /Missing scheme/);
    assert.match(message('wcmp2-failing-invalid-time-resolution.json', 'extent_temporal'), /Invalid time resolution/);
    assert.match(message('wcmp2-failing-invalid-centre-id.json', 'identifier'), /Invalid centre_id: "bad-centre-id"/);
    assert.match(message('wcmp2-failing-invalid-centre-id.json', 'links'), /centre identifiers do not match/);
    assert.match(message('wcmp2-failing-invalid-identifier-empty.json', 'identifier'), /Empty \/ null local identifier/);
    assert.match(message('wcmp2-failing-invalid-identifier-space.json', 'identifier'), /spaces in local identifier/);
    assert.match(message('wcmp2-failing-invalid-geometry-range.json', 'extent_geospatial'), /longitude -242 is outside/);
    assert.match(message('wcmp2-failing-invalid-geometry-validity.json', 'extent_geospatial'), /invalid geometry: the hole lies outside its shell/);
    assert.match(message('wcmp2-failing-invalid-link-channel-centre-id.json', 'links'), /Invalid WIS2 topic for Pub\/Sub link channel .*"acme"/);
    assert.match(message('wcmp2-failing-invalid-link-channel-data-policy.json', 'links'), /Inconsistent data policy in channel with wmo:dataPolicy/);
    assert.match(message('wcmp2-failing-invalid-link-channel-wis2-topic.json', 'links'), /Invalid WIS2 topic for Pub\/Sub link channel .*landFixed/);
    assert.match(message('wcmp2-failing-invalid-link-channel-wis2-topic-wss.json', 'links'), /levels 5 and 6 are swapped/);
    assert.match(message('wcmp2-failing-no-link-channel-centre-id.json', 'links'), /at least 5 levels/);
  });

  describe('where pywcmp is wrong', () => {
    it('wcmp2-failing.json fails conformance: /req/core/conformance B asks conformsTo to list http://wis.wmo.int/spec/wcmp/2/conf/core, and it lists only "bad-uri" (pywcmp\'s conformance test always passes)', () => {
      const report = validateWcmp(fixture('wcmp2-failing.json'));
      assert.equal(code(report, 'conformance'), 'FAILED');
      assert.equal(findings(report, 'conformance')[0]?.rule, '/req/core/conformance B');
      // The official schema agrees: conformsTo is one of the schema errors pywcmp lists.
      assert.ok(findings(report, 'validation').some((e) => e.path === '/conformsTo'));
    });

    it('wcmp2-failing.json fails contacts: /req/core/contacts B asks each contact for an organization, and its only contact gives a name (pywcmp checks roles only)', () => {
      const report = validateWcmp(fixture('wcmp2-failing.json'));
      const e = findings(report, 'contacts');
      assert.deepEqual(e.map((x) => [x.code, x.path, x.rule]), [['contacts.organization', '/properties/contacts/0/organization', '/req/core/contacts B']]);
    });

    it('wcmp2-failing-created-none.json fails record_creation_date: /req/core/record_creation_date A asks for a creation date, and "None" is no date-time (pywcmp\'s test always passes; only its schema run notices)', () => {
      const report = validateWcmp(fixture('wcmp2-failing-created-none.json'));
      const e = findings(report, 'record_creation_date');
      assert.deepEqual(e.map((x) => [x.code, x.rule]), [['record_creation_date.format', '/req/core/record_creation_date A']]);
    });
  });
});
