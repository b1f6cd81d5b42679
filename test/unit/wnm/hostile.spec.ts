import assert from 'node:assert/strict';
import { validateWnm, WNM_TESTS, type EtsReport } from '../../../nodes/lib/wnm';
import { NOW, entry, failed, props, validWnm, type JsonObject } from './fixtures';

const CONF_IDS = Object.values(WNM_TESTS);

/** Every report, whatever the input, has these properties. */
function assertWellFormed(report: EtsReport): void {
  const body = report['ets-report'];
  const ids = body.tests.map((t) => t.id);
  assert.deepEqual(ids.slice(0, CONF_IDS.length), CONF_IDS, 'one entry per test, in the order of the standard');
  const counts = { PASSED: 0, FAILED: 0, WARNING: 0, SKIPPED: 0 };
  for (const t of body.tests) counts[t.code]++;
  assert.deepEqual(body.summary, counts);
  assert.match(body.generated_by, /^node-red-contrib-wis2 \d+\.\d+\.\d+/);
  assert.match(body.datetime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.doesNotThrow(() => JSON.stringify(report));
}

function check(input: unknown): EtsReport {
  let report: EtsReport | undefined;
  assert.doesNotThrow(() => {
    report = validateWnm(input, { now: NOW });
  });
  assertWellFormed(report!);
  return report!;
}

function deepObject(depth: number): unknown {
  let value: unknown = {};
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

describe('wnm suite: hostile input', () => {
  // Taken when these tests start, not when the file loads: other suites' libraries (should.js)
  // extend Object.prototype on purpose, between the two.
  let prototypeBefore: string[] = [];
  before(() => {
    prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort();
  });

  afterEach(() => {
    assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), prototypeBefore);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(({} as Record<string, unknown>).pubtime, undefined);
  });

  it('nesting 100,000 deep, as an object: refused, no stack overflow', () => {
    const report = check(deepObject(100_000));
    assert.equal(entry(report, WNM_TESTS.validation).code, 'FAILED');
    assert.match(entry(report, WNM_TESTS.validation).message ?? '', /nested deeper than 512 levels/);
    assert.equal(entry(report, WNM_TESTS.message_size).code, 'SKIPPED');
  });

  it('nesting 100,000 deep, as text: parsed without recursion and reported', () => {
    check('['.repeat(100_000) + ']'.repeat(100_000));
    const report = check('{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000));
    // An object, so every test runs on it, and finds nothing it needs.
    assert.deepEqual(failed(report), ['conformance', 'data_id', 'geometry', 'identifier', 'links', 'message_size', 'pubtime', 'temporal', 'validation']);
  });

  it('nesting 100,000 deep inside an extra member of a valid message, as bytes', () => {
    const text = JSON.stringify(validWnm()).replace(/}$/, `,"deep":${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
    const report = check(Buffer.from(text));
    // The schema does not descend into members it does not describe, and nothing else does.
    assert.deepEqual(failed(report), ['message_size']);
  });

  it('a cycle, and a graph of shared branches with 2^60 paths, handed over as objects', () => {
    const cyclic = validWnm() as Record<string, unknown>;
    cyclic.self = cyclic;
    assert.match(entry(check(cyclic), WNM_TESTS.validation).message ?? '', /or cyclic/);

    let shared: unknown = [];
    for (let i = 0; i < 60; i++) shared = [shared, shared];
    const started = Date.now();
    const report = check({ ...validWnm(), shared });
    assert.ok(Date.now() - started < 5000, 'bounded work');
    assert.equal(entry(report, WNM_TESTS.message_size).code, 'FAILED');
    assert.match(entry(report, WNM_TESTS.validation).message ?? '', /more than 1048576 values/);
  });

  it('__proto__ keys, as text and as objects, pollute nothing and are plain members', () => {
    const text = JSON.stringify(validWnm())
      .replace(/^{/, '{"__proto__":{"polluted":true,"pubtime":"x"},')
      .replace('"properties":{', '"properties":{"__proto__":{"polluted":1},');
    assert.deepEqual(failed(check(text)), []);
    assert.deepEqual(failed(check(Buffer.from(text))), []);
    const parsed = JSON.parse(text) as unknown;
    assert.deepEqual(failed(check(parsed)), []);
    check('{"__proto__":null}');
    check('{"constructor":{"prototype":{"polluted":true}}}');
  });

  it('an object with its own JSON form is judged on what it would send', () => {
    const inherited = check(Object.create(validWnm()) as object);
    assert.equal(entry(inherited, WNM_TESTS.message_size).message, '2 bytes, measured on the compact JSON serialisation of the object given (the bytes sent may differ)');
    assert.equal(entry(inherited, WNM_TESTS.validation).code, 'FAILED');
    assert.deepEqual(failed(check({ toJSON: () => validWnm() })), []);
  });

  it('huge payloads: measured, not parsed beyond 1 MiB', () => {
    const big = check('x'.repeat(2 * 1024 * 1024));
    assert.deepEqual(failed(big), ['message_size', 'validation']);
    assert.match(entry(big, WNM_TESTS.validation).message ?? '', /not parsed/);
    const message = validWnm();
    props(message).blob = 'y'.repeat(200_000);
    assert.deepEqual(failed(check(JSON.stringify(message))), ['message_size']);
    assert.deepEqual(failed(check(Buffer.alloc(3 * 1024 * 1024, 0x20))), ['message_size', 'validation']);
  });

  it('values that are not JSON text or objects', () => {
    for (const input of [undefined, () => 1, Symbol('wnm'), 10n, Number.NaN, Number.POSITIVE_INFINITY]) {
      const report = check(input);
      assert.equal(entry(report, WNM_TESTS.validation).code, 'FAILED', typeof input);
    }
    check(new Map([['id', 'x']]));
    check(new Set([1]));
    check(new Date(0));
    check(/re/);
    check(new (class Wnm {
      id = 'x';
    })());
    check(Promise.resolve(1));
    check({ toJSON: () => deepObject(100_000) });
    check({ toJSON: () => { throw new Error('no'); } });
  });

  it('numbers, booleans, null, arrays and strings that are not objects', () => {
    for (const input of [0, 42, -1.5, true, false, null, [], [validWnm()], '', ' ', '"text"', '42', 'null', '[]']) {
      const report = check(input);
      const validation = entry(report, WNM_TESTS.validation);
      assert.equal(validation.code, 'FAILED', JSON.stringify(input));
      for (const id of CONF_IDS.slice(2)) assert.equal(entry(report, id).code, 'SKIPPED', `${id} for ${JSON.stringify(input)}`);
    }
    const number = check(42);
    assert.equal(entry(number, WNM_TESTS.message_size).code, 'PASSED');
  });

  it('bytes that are not UTF-8, a byte order mark, and other binary views', () => {
    assert.match(entry(check(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])), WNM_TESTS.validation).message ?? '', /not valid UTF-8/);
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(validWnm()))]);
    assert.match(entry(check(bom), WNM_TESTS.validation).message ?? '', /byte order mark/);
    const bytes = Buffer.from(JSON.stringify(validWnm()));
    const copy = new Uint8Array(bytes);
    for (const input of [copy, copy.buffer, new DataView(copy.buffer), new Uint8Array(copy.buffer, 0, copy.length)]) {
      assert.deepEqual(failed(check(input)), []);
    }
    check(new Uint16Array([1, 2, 3]));
    check(Buffer.alloc(0));
  });

  it('getters that throw, and proxies: reported, not thrown', () => {
    const throwing = { ...validWnm() } as Record<string, unknown>;
    Object.defineProperty(throwing, 'links', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    assert.match(entry(check(throwing), WNM_TESTS.validation).message ?? '', /boom/);

    const hiddenThrow = validWnm() as Record<string, unknown>;
    Object.defineProperty(hiddenThrow, 'conformsTo', {
      enumerable: false,
      get() {
        throw new Error('hidden');
      },
    });
    const report = check(hiddenThrow);
    assert.ok(failed(report).length > 0);

    const { proxy, revoke } = Proxy.revocable(validWnm(), {});
    revoke();
    check(proxy);
    check(
      new Proxy(validWnm(), {
        get() {
          throw new Error('trap');
        },
      }),
    );
    check(
      new Proxy(validWnm(), {
        ownKeys() {
          throw new Error('keys');
        },
      }),
    );
  });

  it('getters that change their answer between reads do not break the report', () => {
    let reads = 0;
    const fickle = validWnm() as Record<string, unknown>;
    const properties = props(fickle as JsonObject);
    Object.defineProperty(fickle, 'properties', {
      enumerable: true,
      get() {
        reads++;
        return reads % 2 === 0 ? 'not an object' : properties;
      },
    });
    check(fickle);
  });

  it('hostile options are ignored', () => {
    check(validWnm());
    assert.doesNotThrow(() => validateWnm(validWnm(), { now: new Date(Number.NaN) }));
    assert.doesNotThrow(() => validateWnm(validWnm(), { now: 'tomorrow' as unknown as Date, topic: 42 as unknown as string }));
    assert.doesNotThrow(() => validateWnm(validWnm(), null as unknown as undefined));
  });
});
