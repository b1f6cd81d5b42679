import assert from 'node:assert/strict';
import fs from 'node:fs';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { ValidateFunction } from 'ajv';
import fc from 'fast-check';
import { schemaValidator } from '../../../nodes/lib/wcmp';
import ourSchema from '../../../schemas/wcmp2.schema.json';
import { needReference, readJson, reference } from '../../helpers/reference';
import { ARGO_FILE, EXAMPLES_DIR, FIXTURES_DIR, OFFICIAL_SCHEMA, goodRecord, officialWcmpValidator } from './helpers';
import { kitchenSink } from './kitchen-sink';
import { BASES, mutate, mutationArb } from './mutation';

type Json = Record<string, unknown>;

/**
 * Where our schema deliberately differs from the official one, as patches that bring the
 * official schema to ours. The test proves our schema accepts exactly what the patched official
 * schema accepts, so these are the only differences.
 */
const DELIBERATE_DIFFERENCES: { name: string; reason: string; patch: (schema: Json) => void }[] = [
  {
    name: 'record-is-object',
    reason: 'a record is a GeoJSON Feature, a JSON object; the official schema has no root type, so it accepts [], "x", 5 and null',
    patch: (s) => {
      s.type = 'object';
    },
  },
  {
    name: 'href-is-string',
    reason: 'a link href is a URI string (OGC API link, RFC 8288); the official link definition requires href but never says what it is, so it accepts numbers, objects and arrays',
    patch: (s) => {
      const link = (s.definitions as Json).Link as Json;
      (link.properties as Json).href = { type: 'string' };
    },
  },
  {
    name: 'samples-is-array',
    reason: 'distribution samples are a list of links; the official schema gives samples an items keyword but no type, so a string or an object is accepted',
    patch: (s) => {
      const link = (s.definitions as Json).Link as Json;
      const formats = (((link.properties as Json).distribution as Json).properties as Json).availableFormats as Json;
      ((((formats.items as Json).properties as Json).samples) as Json).type = 'array';
    },
  },
];

function officialSchemaText(): string {
  return fs
    .readFileSync(reference('wcmp2', 'schema', 'wcmp2-bundled.json'), 'utf8')
    .replace(
      '#/properties/links/items/properties/distribution/properties/availableFormats/items/properties/documentation/items',
      '#/definitions/Link/properties/distribution/properties/availableFormats/items/properties/documentation/items',
    );
}

function compileOfficial(patches: ((s: Json) => void)[]): ValidateFunction {
  const schema = JSON.parse(officialSchemaText()) as Json;
  for (const p of patches) p(schema);
  const ajv = new Ajv2020({ strict: false });
  addFormats(ajv);
  return ajv.compile(schema);
}

describe('wcmp: our JSON Schema', () => {
  it('is draft 2020-12 with our own $id and $defs', () => {
    assert.equal(ourSchema.$schema, 'https://json-schema.org/draft/2020-12/schema');
    assert.match(ourSchema.$id, /node-red-contrib-wis2/);
    assert.ok(Object.keys(ourSchema.$defs).length > 20);
  });
});

describe('wcmp: our JSON Schema against the official one', () => {
  let official: ReturnType<typeof officialWcmpValidator>;
  before(function () {
    needReference(this, OFFICIAL_SCHEMA, EXAMPLES_DIR, FIXTURES_DIR, ARGO_FILE);
    official = officialWcmpValidator();
  });
  const ours = schemaValidator();

  it('the official schema does not compile as published (the samples $ref points nowhere)', () => {
    const ajv = new Ajv2020({ strict: false });
    addFormats(ajv);
    assert.throws(() => ajv.compile(readJson(reference('wcmp2', 'schema', 'wcmp2-bundled.json')) as object), /can't resolve reference/);
  });

  it('agrees with the official schema on the 17 examples, the 18 pywcmp test records, the Argo record and two records of ours', () => {
    assert.equal(BASES().length, 38);
    for (const [i, record] of BASES().entries()) {
      assert.equal(ours(record), official(record), `record ${i}`);
    }
  });

  it(`differs only where listed, with its reason, over thousands of mutations: ${DELIBERATE_DIFFERENCES.map((d) => d.name).join(', ')}`, () => {
    const patched = compileOfficial(DELIBERATE_DIFFERENCES.map((d) => d.patch));
    const single = DELIBERATE_DIFFERENCES.map((d) => ({ name: d.name, validate: compileOfficial([d.patch]) }));
    const stats = { runs: 0, valid: 0, invalid: 0, differing: 0, byDifference: new Map<string, number>() };
    fc.assert(
      fc.property(mutationArb(), (m) => {
        const record = mutate(m);
        const verdict = ours(record);
        stats.runs++;
        if (verdict) stats.valid++;
        else stats.invalid++;
        assert.equal(verdict, patched(record), 'our schema and the official one with the listed differences disagree');
        if (official(record) !== verdict) {
          stats.differing++;
          const causes = single.filter((d) => d.validate(record) !== official(record)).map((d) => d.name);
          assert.ok(causes.length > 0, 'a difference no listed reason explains');
          for (const c of causes) stats.byDifference.set(c, (stats.byDifference.get(c) ?? 0) + 1);
        }
      }),
      { numRuns: 4000, seed: 20261127 },
    );
    assert.ok(stats.runs >= 3000, `${stats.runs} mutations`);
    assert.ok(stats.valid >= 300 && stats.invalid >= 300, `valid ${stats.valid}, invalid ${stats.invalid}: mutations should land on both sides`);
    for (const d of DELIBERATE_DIFFERENCES) assert.ok((stats.byDifference.get(d.name) ?? 0) > 0, `the mutations never exercised ${d.name}`);
    // The figures, for the report of this suite.
    console.log(`      ${stats.runs} mutations: ${stats.valid} valid, ${stats.invalid} invalid; ${stats.differing} differ from the official schema (${[...stats.byDifference].map(([k, v]) => `${k} ${v}`).join(', ')})`);
  });

  it('each deliberate difference, on a record that shows it', () => {
    const root: unknown[] = [];
    assert.equal(official(root), true);
    assert.equal(ours(root), false);
    const href = goodRecord();
    (href.links as Json[])[1].href = 42;
    assert.equal(official(href), true);
    assert.equal(ours(href), false);
    const samples = kitchenSink();
    const formats = (((samples.links as Json[])[2].distribution as Json).availableFormats as Json[])[0];
    formats.samples = 'https://data.example.org/sample.nc';
    assert.equal(official(samples), true);
    assert.equal(ours(samples), false);
    for (const d of DELIBERATE_DIFFERENCES) assert.ok(d.reason.length > 40, d.name);
  });
});
