import assert from 'node:assert/strict';
import fc from 'fast-check';
import { evaluateKpis, validateWcmp, WCMP_TEST_IDS, type KpiReport, type WcmpReport } from '../../../nodes/lib/wcmp';
import { goodRecord } from './helpers';
import { kitchenSink } from './kitchen-sink';
import { mutate, mutationArb, valueArb } from './mutation';
import { MEMBER_NAMES } from '../../../nodes/lib/wcmp/json';

type Json = Record<string, unknown>;

function wellFormed(report: WcmpReport): void {
  assert.equal(report.report_type, 'ets');
  assert.deepEqual(report.tests.map((t) => t.id), [...WCMP_TEST_IDS]);
  const sum = report.summary.PASSED + report.summary.FAILED + report.summary.WARNING + report.summary.SKIPPED;
  assert.equal(sum, 14);
  for (const t of report.tests) {
    for (const f of [...t.errors, ...t.warnings]) {
      assert.equal(typeof f.path, 'string');
      assert.ok(f.path === '' || f.path.startsWith('/'), f.path);
      assert.ok(f.message.startsWith(`${f.rule}: `));
    }
  }
  // The report itself is plain JSON, whatever went in.
  assert.doesNotThrow(() => JSON.stringify(report));
}

function wellFormedKpi(report: KpiReport): void {
  assert.equal(report.report_type, 'kpi');
  assert.equal(report.tests.length, 7);
  assert.ok(report.summary.total >= report.summary.score);
  assert.doesNotThrow(() => JSON.stringify(report));
}

// Taken when the suite starts: other test files may extend Object.prototype themselves (should.js).
let prototypeBefore: string[] = [];

function prototypeUntouched(): void {
  assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), prototypeBefore);
  const probe: Json = {};
  for (const key of ['polluted', 'isAdmin', 'type', 'href', 'channel', 'roles']) assert.equal(probe[key], undefined, key);
}

/** Wraps a value in `depth` arrays without recursion. */
function nested(depth: number, inner: unknown = 0): unknown {
  let v = inner;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

describe('wcmp: hostile and random input', function () {
  this.timeout(120_000);

  before(() => {
    prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort();
  });
  afterEach(prototypeUntouched);

  it('reads members by names Object.prototype does not answer to, so a plain read is an own read', () => {
    for (const name of MEMBER_NAMES) assert.ok(!(name in Object.prototype), name);
    const record = JSON.parse('{"__proto__": {"links": [{"rel": "data", "href": "https://x"}]}, "constructor": {"type": "Feature"}}') as unknown;
    const report = validateWcmp(record);
    assert.ok(report.tests[0].errors.some((e) => e.message.includes("must have required property 'links'")));
  });

  it('random JSON values, as objects, strings and bytes, never make the suite or the KPIs throw', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 5 }), fc.constantFrom('object', 'string', 'buffer'), async (value, form) => {
        const text = JSON.stringify(value);
        const input = form === 'object' ? value : form === 'string' ? text : Buffer.from(text);
        wellFormed(validateWcmp(input));
        wellFormedKpi(await evaluateKpis(input));
      }),
      { numRuns: 500, seed: 1 },
    );
  });

  it('real records with wrong types, missing and extra members everywhere never make the suite or the KPIs throw', async () => {
    await fc.assert(
      fc.asyncProperty(mutationArb(), async (m) => {
        const record = mutate(m);
        wellFormed(validateWcmp(record));
        wellFormed(validateWcmp(JSON.stringify(record)));
        wellFormedKpi(await evaluateKpis(record));
      }),
      { numRuns: 1500, seed: 2 },
    );
  });

  it('every member of a record replaced by a random value, one by one', () => {
    fc.assert(
      fc.property(fc.array(valueArb, { minLength: 40, maxLength: 40 }), (values) => {
        const base = kitchenSink();
        const stack: unknown[] = [base];
        let i = 0;
        for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
          if (typeof node !== 'object' || node === null) continue;
          for (const key of Object.keys(node)) {
            // Replaced in place and put back, so each run changes one member only.
            const child = (node as Json)[key];
            (node as Json)[key] = values[i++ % values.length];
            wellFormed(validateWcmp(base));
            (node as Json)[key] = child;
            stack.push(child);
          }
        }
      }),
      { numRuns: 10, seed: 3 },
    );
  });

  it('"__proto__", "constructor" and "prototype" members at every level leave Object.prototype alone', async () => {
    const poison = '{"__proto__": {"polluted": true, "type": "Feature"}, "constructor": {"prototype": {"isAdmin": true}}}';
    const text = JSON.stringify(goodRecord())
      .replace('"properties":{', `"properties":{"__proto__":{"polluted":1},`)
      .replace('"links":[', `"links":[${poison},`)
      .replace('{"organization"', '{"__proto__":{"roles":["host"]},"organization"')
      .replace(/^\{/, '{"__proto__":{"href":"x","channel":"y"},');
    const report = validateWcmp(text);
    wellFormed(report);
    wellFormedKpi(await evaluateKpis(text));
    // An inherited member is not a member: the poisoned link has no href of its own.
    assert.ok(report.tests.some((t) => t.errors.some((e) => e.path === '/links/0/href')));
    const parsed = JSON.parse(text) as unknown;
    wellFormed(validateWcmp(parsed));
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 4 }), async (payload) => {
        const record = goodRecord();
        for (const target of [record, record.properties as Json, (record.links as Json[])[0]]) {
          Object.defineProperty(target, '__proto__', { value: payload, enumerable: true, writable: true, configurable: true });
        }
        wellFormed(validateWcmp(record));
        wellFormedKpi(await evaluateKpis(record));
      }),
      { numRuns: 200, seed: 4 },
    );
  });

  it('nesting 100,000 deep anywhere neither overflows the stack nor passes where the schema looks', async () => {
    const places: [string, (r: Json, deep: unknown) => void][] = [
      ['/geometry', (r, deep) => (r.geometry = { type: 'Point', coordinates: deep })],
      ['/properties/themes', (r, deep) => ((r.properties as Json).themes = deep)],
      ['/links/0/security', (r, deep) => ((r.links as Json[])[0].security = { key: deep })],
      ['/time', (r, deep) => (r.time = { interval: deep })],
      ['/properties/contacts', (r, deep) => ((r.properties as Json).contacts = [{ organization: 'x', roles: deep }])],
      ['', (r, deep) => (r.extra = deep)],
    ];
    for (const [where, place] of places) {
      const record = goodRecord();
      place(record, '@deep@');
      // JSON.stringify recurses, so the text is spliced rather than serialised.
      const text = JSON.stringify(record).replace('"@deep@"', '['.repeat(100_000) + '0' + ']'.repeat(100_000));
      place(record, nested(100_000));
      for (const input of [record, text]) {
        const report = validateWcmp(input);
        wellFormed(report);
        // An unconstrained extra member is the record's own business; anywhere else the schema objects.
        if (where !== '') assert.ok(report.tests[0].errors.some((e) => e.path.startsWith(where)), where);
      }
      wellFormedKpi(await evaluateKpis(record));
    }
    let collection: unknown = { type: 'Point', coordinates: [0, 0] };
    for (let i = 0; i < 50_000; i++) collection = { type: 'GeometryCollection', geometries: [collection] };
    const record = goodRecord();
    record.geometry = collection;
    const opening = '{"type":"GeometryCollection","geometries":['.repeat(50_000);
    const deepText = JSON.stringify({ ...record, geometry: '@deep@' }).replace('"@deep@"', opening + '{"type":"Point","coordinates":[0,0]}' + ']}'.repeat(50_000));
    for (const input of [record, deepText]) {
      const report = validateWcmp(input);
      wellFormed(report);
      const depth = report.tests[0].errors.find((e) => e.code === 'validation.depth');
      assert.ok(depth, 'GeometryCollection nesting reported');
      assert.match(depth.path, /^\/geometry(\/geometries\/0)+$/);
      assert.equal(report.tests[4].code, 'FAILED');
    }
  });

  it('cycles, shared branches, throwing getters and proxies are reported, not thrown', async () => {
    const cyclic = goodRecord();
    (cyclic.links as Json[]).push(cyclic);
    const shared = goodRecord();
    const geometry = { type: 'GeometryCollection', geometries: [] as unknown[] };
    geometry.geometries.push(geometry);
    shared.geometry = geometry;
    const getter = goodRecord();
    Object.defineProperty(getter.properties, 'title', { enumerable: true, get: () => { throw new Error('boom'); } });
    const proxy = new Proxy(goodRecord(), { get: () => { throw new Error('trap'); }, ownKeys: () => { throw new Error('trap'); } });
    let exponential: unknown = [0];
    for (let i = 0; i < 60; i++) exponential = [exponential, exponential];
    const dag = goodRecord();
    dag.extra = exponential;
    for (const input of [cyclic, shared, getter, proxy]) {
      const report = validateWcmp(input);
      wellFormed(report);
      assert.equal(report.tests[0].code, 'FAILED');
      wellFormedKpi(await evaluateKpis(input));
    }
    // 2^60 paths through a shared branch: the suite reads fixed members and never walks them all.
    const started = Date.now();
    wellFormed(validateWcmp(dag));
    wellFormedKpi(await evaluateKpis(dag));
    assert.ok(Date.now() - started < 2000);
  });

  it('huge strings in every string member finish in bounded time', async () => {
    const huge = 'a'.repeat(2_000_000);
    const digits = 'P' + '1'.repeat(2_000_000) + 'X';
    const targets: ((r: Json, s: string) => void)[] = [
      (r, s) => (r.id = `urn:wmo:md:fr-ifremer-argo:${s}`),
      (r, s) => ((r.properties as Json).title = s),
      (r, s) => ((r.properties as Json).description = `<p>${s}`),
      (r, s) => ((r.properties as Json).created = `2020-01-01T00:00:00.${s}Z`),
      (r, s) => ((r.time as Json).resolution = s),
      (r, s) => ((r.links as Json[])[0].channel = `origin/a/wis2/${s}`),
      (r, s) => ((r.links as Json[])[0].href = `mqtts://${s}`),
      (r, s) => ((r.links as Json[])[1].rel = s),
      (r, s) => ((r.links as Json[])[1].type = `${s}/${s}`),
      (r, s) => (((r.properties as Json).themes as Json[])[0].scheme = `https://codes.wmo.int/wis/topic-hierarchy/earth-system-discipline/${s}`),
      (r, s) => ((((r.properties as Json).themes as Json[])[0].concepts as Json[]).push({ id: 'x', url: `https://${s}` })),
      (r, s) => ((((r.properties as Json).contacts as Json[])[0].emails as Json[])[0].value = `${s}@${s}`),
      (r, s) => (r[s] = s),
    ];
    for (const s of [huge, digits, '9'.repeat(1_000_000)]) {
      for (const target of targets) {
        const record = goodRecord();
        target(record, s);
        const started = Date.now();
        wellFormed(validateWcmp(record));
        wellFormedKpi(await evaluateKpis(record));
        assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
      }
    }
  });

  it('a ring of 100,000 vertices, and a zigzag built to defeat the sweep, finish in bounded time', () => {
    const ring: number[][] = [];
    for (let i = 0; i < 100_000; i++) {
      const a = (2 * Math.PI * i) / 100_000;
      ring.push([Math.cos(a) * 100, Math.sin(a) * 50]);
    }
    ring.push(ring[0]);
    const circle = goodRecord();
    circle.geometry = { type: 'Polygon', coordinates: [ring] };
    let started = Date.now();
    const r1 = validateWcmp(circle);
    assert.equal(r1.tests[4].code, 'PASSED');
    assert.ok(Date.now() - started < 5000);
    const zigzag: number[][] = [[-170, -80]];
    for (let i = 0; i < 20_000; i++) zigzag.push([i % 2 === 0 ? 170 : -170, -80 + (160 * i) / 20_000]);
    zigzag.push([-170, 80], [-175, 80], [-175, -80], [-170, -80]);
    const zig = goodRecord();
    zig.geometry = { type: 'Polygon', coordinates: [zigzag] };
    started = Date.now();
    wellFormed(validateWcmp(zig));
    assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
  });

  it('bytes that are not UTF-8 JSON, a byte order mark, and empty input', async () => {
    for (const input of [Buffer.from([0xff, 0xfe, 0x00]), Buffer.from('\ufeff' + JSON.stringify(goodRecord())), '', Buffer.alloc(0), new Uint8Array([123, 125]), new ArrayBuffer(2)]) {
      wellFormed(validateWcmp(input));
      wellFormedKpi(await evaluateKpis(input));
    }
    assert.deepEqual(validateWcmp(Buffer.from('\ufeff' + JSON.stringify(goodRecord()))).summary, validateWcmp(goodRecord()).summary);
    assert.equal(validateWcmp(goodRecord()).summary.FAILED, 0);
  });
});
