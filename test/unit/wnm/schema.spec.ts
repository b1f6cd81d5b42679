import assert from 'node:assert/strict';
import fs from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { WNM_SCHEMA_ID, validateWnmSchema, wnmSchema } from '../../../nodes/lib/wnm';
import { repoRoot } from '../../helpers/reference';
import { DELIBERATE_DIFFERENCES } from './differences';
import { needReference } from '../../helpers/reference';
import { OFFICIAL_SCHEMA, officialAccepts, props, validWnm } from './fixtures';

describe('wnm schema', () => {
  const file = `${repoRoot}/schemas/wis2-notification-message.schema.json`;
  const text = fs.readFileSync(file, 'utf8');

  it('is our own draft 2020-12 schema with our own $id and $defs', () => {
    assert.equal(wnmSchema.$schema, 'https://json-schema.org/draft/2020-12/schema');
    assert.equal(WNM_SCHEMA_ID, 'https://github.com/node-red-contrib-wis2/schemas/wis2-notification-message.schema.json');
    assert.ok(typeof wnmSchema.$defs === 'object');
    assert.doesNotMatch(text, /schemas\.wmo\.int|"definitions"|"example"/);
  });

  it('compiles under Ajv strict mode (no unknown keyword, no type ambiguity)', () => {
    const ajv = new Ajv2020({ strict: true, strictRequired: false, allErrors: true });
    addFormats(ajv);
    assert.doesNotThrow(() => ajv.compile(JSON.parse(text) as object));
  });

  it('cites the requirement ids in its descriptions', () => {
    for (const id of ['message_size', 'identifier', 'conformance', 'version', 'geometry', 'pubtime', 'data_id', 'temporal', 'content', 'links']) {
      if (id === 'message_size') continue; // a size in bytes is for the test suite, not the schema
      assert.match(text, new RegExp(`/req/core/${id}`), id);
    }
  });

  it('accepts the valid message', () => {
    assert.deepEqual(validateWnmSchema(validWnm()), []);
  });

  it('explains a missing conformance declaration in one sentence', () => {
    const message = validWnm();
    delete message.conformsTo;
    assert.deepEqual(validateWnmSchema(message), [
      { path: '', message: 'must declare its conformance with conformsTo (or the deprecated version) (/req/core/conformance)' },
    ]);
  });

  it('explains conformsTo together with version', () => {
    const message = validWnm();
    message.version = 'v04';
    assert.deepEqual(validateWnmSchema(message), [
      { path: '', message: 'must not carry both conformsTo and the deprecated version (/req/core/conformance, /req/core/version)' },
    ]);
  });

  it('explains a missing or doubled temporal description in one sentence', () => {
    const message = validWnm();
    delete props(message).datetime;
    assert.deepEqual(validateWnmSchema(message), [
      { path: '/properties', message: 'must carry datetime, or start_datetime with end_datetime (/req/core/temporal A)' },
    ]);
    props(message).datetime = null;
    props(message).start_datetime = '2026-01-01T00:00:00Z';
    props(message).end_datetime = '2026-01-02T00:00:00Z';
    assert.deepEqual(validateWnmSchema(message), [
      { path: '/properties', message: 'must carry either datetime or start_datetime with end_datetime, not both (/req/core/temporal A)' },
    ]);
  });

  it('points a missing member at the member itself', () => {
    const message = validWnm();
    delete props(message).pubtime;
    assert.deepEqual(validateWnmSchema(message).map((e) => e.path), ['/properties/pubtime']);
  });

  it('escapes JSON Pointer tokens', () => {
    const message = validWnm();
    (message.links as Record<string, unknown>[])[0].security = { 'api.key': { type: 'apiKey', name: 'k', in: 'header', 'no/slash~x': 1 } };
    const paths = validateWnmSchema(message).map((e) => e.path);
    assert.ok(paths.includes('/links/0/security/api.key/no~1slash~0x'), JSON.stringify(paths));
  });

  it('never throws on JSON values of any shape', () => {
    for (const value of [null, 0, 'x', [], {}, [{}], { properties: [] }, { geometry: 'x', links: {} }]) {
      assert.ok(Array.isArray(validateWnmSchema(value)));
    }
  });

  describe('deliberate differences from the official schema', () => {
    before(function () {
      needReference(this, OFFICIAL_SCHEMA);
    });

    it('are few', () => {
      assert.equal(DELIBERATE_DIFFERENCES.length, 2);
    });

    for (const difference of DELIBERATE_DIFFERENCES) {
      it(`${difference.name}: the official schema accepts it, ours refuses it (${difference.reason})`, () => {
        const example = difference.example();
        assert.equal(difference.explains(example), true);
        assert.equal(officialAccepts(example), true);
        assert.notDeepEqual(validateWnmSchema(example), []);
        difference.repair(example);
        assert.equal(difference.explains(example), false);
        assert.equal(officialAccepts(example), true);
        assert.deepEqual(validateWnmSchema(example), []);
      });
    }
  });
});
