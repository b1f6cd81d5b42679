import assert from 'node:assert/strict';
import fs from 'node:fs';
import { validateWnm, validateWnmSchema } from '../../../nodes/lib/wnm';
import { hasReference, needReference } from '../../helpers/reference';
import { NOW, OFFICIAL_EXAMPLES, OFFICIAL_SCHEMA, entry, failed, officialAccepts, officialExamples, warned } from './fixtures';

/**
 * What each official example breaks. None breaks a requirement; several break recommendations:
 * placeholder or hexadecimal integrity values, canonical links without length or type, and
 * example1's content.size (457) which is not the length of its value (27 bytes).
 */
const EXPECTED_WARNINGS: Record<string, string[]> = {
  'eumetsat-msg-seviri-core-notification.json': ['rec/integrity'],
  'eumetsat-msg-seviri-recommended-api-notification.json': ['rec/integrity', 'rec/links'],
  'eumetsat-msg-seviri-recommended-notification.json': ['rec/integrity'],
  'example1.json': ['rec/content', 'rec/integrity', 'rec/links'],
  'example2.json': ['rec/integrity', 'rec/links'],
  'example3.json': ['rec/integrity', 'rec/links'],
  'example4.json': ['rec/integrity'],
};

describe('wnm suite: official examples', () => {
  before(function () {
    needReference(this, OFFICIAL_SCHEMA, OFFICIAL_EXAMPLES);
  });
  // Listed while the tests are defined, one suite per example, when the examples are there.
  const examples = hasReference(OFFICIAL_SCHEMA, OFFICIAL_EXAMPLES) ? officialExamples() : [];

  it('finds the seven official examples', () => {
    assert.deepEqual(examples.map((e) => e.name).sort(), Object.keys(EXPECTED_WARNINGS).sort());
  });

  for (const { name, file } of examples) {
    describe(name, () => {
      const bytes = fs.readFileSync(file);

      it('passes the official schema and ours', () => {
        const message: unknown = JSON.parse(bytes.toString('utf8'));
        assert.equal(officialAccepts(message), true);
        assert.deepEqual(validateWnmSchema(message), []);
      });

      it('gets no FAILED test, as bytes, as text and as an object', () => {
        for (const input of [bytes, bytes.toString('utf8'), JSON.parse(bytes.toString('utf8')) as unknown]) {
          const report = validateWnm(input, { now: NOW });
          assert.deepEqual(failed(report), [], JSON.stringify(report, null, 1));
          assert.equal(report['ets-report'].summary.FAILED, 0);
        }
      });

      it('gets a WARNING for each recommendation it breaks, and only those', () => {
        assert.deepEqual(warned(validateWnm(bytes, { now: NOW })), EXPECTED_WARNINGS[name]);
      });
    });
  }

  it('calls hexadecimal digests what they are', () => {
    const file = examples.find((e) => e.name === 'eumetsat-msg-seviri-core-notification.json')!.file;
    const integrity = entry(validateWnm(fs.readFileSync(file), { now: NOW }), 'http://wis.wmo.int/spec/wnm/1/rec/core/integrity');
    assert.equal(integrity.code, 'WARNING');
    assert.deepEqual(integrity.errors?.map((e) => e.path), ['/properties/integrity/value']);
    assert.match(integrity.errors[0].message, /hexadecimal sha512 digest/);
  });

  it('flags example1 content.size as not the length of its value', () => {
    const file = examples.find((e) => e.name === 'example1.json')!.file;
    const content = entry(validateWnm(fs.readFileSync(file), { now: NOW }), 'http://wis.wmo.int/spec/wnm/1/rec/core/content');
    assert.deepEqual(content.errors?.map((e) => e.path), ['/properties/content/size']);
    assert.match(content.errors[0].message, /457 .* 27 bytes/);
  });
});
