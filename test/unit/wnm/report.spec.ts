import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  GENERATED_BY,
  WNM_RECOMMENDATIONS,
  WNM_TESTS,
  failedTests,
  validateWnm,
  type EtsReport,
} from '../../../nodes/lib/wnm';
import { readJson, repoRoot } from '../../helpers/reference';
import { NOW, props, validWnm } from './fixtures';

const CONF_IDS = Object.values(WNM_TESTS);
const REC_IDS = Object.values(WNM_RECOMMENDATIONS);

function assertInvariants(report: EtsReport): void {
  const { summary, tests } = report['ets-report'];
  const validation = tests.filter((t) => t.id === WNM_TESTS.validation);
  assert.equal(validation.length, 1, 'exactly one validation entry');
  assert.deepEqual(tests.slice(0, CONF_IDS.length).map((t) => t.id), CONF_IDS);
  for (const t of tests.slice(CONF_IDS.length)) {
    assert.ok(REC_IDS.includes(t.id as (typeof REC_IDS)[number]), t.id);
    assert.equal(t.code, 'WARNING');
  }
  for (const t of tests) {
    if (t.code === 'FAILED' || t.code === 'WARNING') assert.ok(t.errors && t.errors.length > 0, `${t.id} explains itself`);
    else assert.equal(t.errors, undefined);
    for (const e of t.errors ?? []) assert.ok(e.path === '' || e.path.startsWith('/'), e.path);
  }
  const counted = { PASSED: 0, FAILED: 0, WARNING: 0, SKIPPED: 0 };
  for (const t of tests) counted[t.code]++;
  assert.deepEqual(summary, counted);
}

describe('wnm suite: report', () => {
  it('has the ets-report shape, with our name and version', () => {
    const report = validateWnm(validWnm(), { now: NOW });
    const pkg = readJson(`${repoRoot}/package.json`) as { version: string };
    assert.deepEqual(Object.keys(report), ['ets-report']);
    assert.deepEqual(Object.keys(report['ets-report']), ['summary', 'generated_by', 'tests', 'datetime']);
    assert.equal(report['ets-report'].generated_by, `node-red-contrib-wis2 ${pkg.version}`);
    assert.equal(GENERATED_BY, `node-red-contrib-wis2 ${pkg.version}`);
    assert.equal(report['ets-report'].datetime, '2026-08-20T10:00:30Z');
    assertInvariants(report);
  });

  it('uses the standard test ids, in the order of the standard, content before links', () => {
    assert.deepEqual(
      CONF_IDS.map((id) => id.replace('http://wis.wmo.int/spec/wnm/1/conf/core/', '')),
      ['message_size', 'validation', 'identifier', 'conformance', 'version', 'geometry', 'pubtime', 'data_id', 'temporal', 'content', 'links'],
    );
  });

  it('keeps the validation entry, and runs the other tests, when the schema fails', () => {
    const message = validWnm();
    delete message.type;
    props(message).pubtime = '2026-08-20T12:00:00+02:00';
    const report = validateWnm(message, { now: NOW });
    assert.deepEqual(failedTests(report).map((t) => t.id), [WNM_TESTS.validation, WNM_TESTS.pubtime]);
    assertInvariants(report);
  });

  it('failedTests lists the FAILED entries only', () => {
    assert.deepEqual(failedTests(validateWnm(validWnm(), { now: NOW })), []);
    const message = validWnm();
    message.id = 'x';
    props(message).metadata_id = 'not-wcmp';
    const failures = failedTests(validateWnm(message, { now: NOW }));
    assert.deepEqual(failures.map((t) => t.code), ['FAILED', 'FAILED']);
  });

  it('holds its invariants for any input (2,000 random values, texts and byte strings)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.anything({ withBigInt: true, withMap: true, withSet: true, withDate: true, withTypedArray: true, withSparseArray: true, withNullPrototype: true, withBoxedValues: true }),
          fc.jsonValue().map((v) => JSON.stringify(v)),
          fc.string({ unit: 'binary' }),
          fc.uint8Array({ maxLength: 64 }),
          fc.record({ id: fc.uuid(), type: fc.constant('Feature'), geometry: fc.constant(null), properties: fc.object(), links: fc.array(fc.object()) }),
        ),
        (input) => {
          assertInvariants(validateWnm(input, { now: NOW }));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
