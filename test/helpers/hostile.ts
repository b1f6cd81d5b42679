import assert from 'node:assert/strict';
import fc from 'fast-check';
import { helper } from './nodes';

/** What the property specs throw at a node: `payload`, and what else the message carries. */
export type Case = { payload: unknown } & Record<string, unknown>;

export function deepArrayText(depth: number): string {
  return '['.repeat(depth) + ']'.repeat(depth);
}

export function deepObject(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

/** Payloads that are no JSON object: scalars, an array, and values JSON cannot carry (a symbol, a function, a bigint, a Map, a Date). */
export function oddValues(): Case[] {
  return [
    { payload: null },
    { payload: undefined },
    { payload: 42 },
    { payload: true },
    { payload: [] },
    { payload: Symbol('x') },
    { payload: () => 1 },
    { payload: 10n },
    { payload: new Map([['a', 1]]) },
    { payload: new Date() },
  ];
}

/** A copy of `base` with the member at `path` set to `value`, or removed. */
export function mutate(base: unknown, path: (string | number)[], value: unknown, remove: boolean): unknown {
  const copy = structuredClone(base) as Record<string | number, unknown>;
  let holder: Record<string | number, unknown> = copy;
  for (const key of path.slice(0, -1)) {
    const next = holder[key];
    if (typeof next !== 'object' || next === null) return copy;
    holder = next as Record<string | number, unknown>;
  }
  const last = path[path.length - 1];
  if (remove) Reflect.deleteProperty(holder, last);
  else holder[last] = value;
  return copy;
}

/** Random JSON, random values, random bytes and random strings, the same ones on every run. */
export function randomPayloads(numRuns: number): Case[] {
  return fc.sample(
    fc.oneof(
      fc.jsonValue().map((v) => ({ payload: v })),
      fc.jsonValue().map((v) => ({ payload: JSON.stringify(v) })),
      fc.anything({ withBoxedValues: true, withMap: true, withSet: true, withObjectString: true, withNullPrototype: true, withBigInt: true, withDate: true, withTypedArray: true, withSparseArray: true }).map((v) => ({ payload: v })),
      fc.uint8Array({ maxLength: 512 }).map((b) => ({ payload: Buffer.from(b) })),
      fc.string({ unit: 'binary', maxLength: 256 }).map((s) => ({ payload: s })),
    ),
    { numRuns, seed: 20261128 },
  );
}

/**
 * The test runtime for a describe block of hostile input, and the check after each test that
 * nothing reached Object.prototype.
 */
export function runtimeKeptClean(): void {
  let protoBefore: string[];
  before((done) => {
    protoBefore = Object.getOwnPropertyNames(Object.prototype).sort();
    helper.startServer(done);
  });
  after((done) => {
    helper.stopServer(done);
  });
  afterEach(async () => {
    await helper.unload();
    assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), protoBefore);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
}
