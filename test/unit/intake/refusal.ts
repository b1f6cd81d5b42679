import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { Wis2Error, type Stage } from '../../../nodes/lib/core/errors';

export interface Expected {
  code: string;
  path?: string;
  stage?: Stage;
  /** A fragment the human message must contain. */
  message?: string | RegExp;
}

/** Runs `fn`, asserts it throws a Wis2Error matching `expected`, and returns that error. */
export function refused(fn: () => unknown, expected: Expected): Wis2Error {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  if (caught === undefined) assert.fail(`expected a refusal with ${expected.code}, but nothing was thrown`);
  if (!(caught instanceof Wis2Error)) {
    assert.fail(`expected a Wis2Error ${expected.code}, got ${caught instanceof Error ? caught.stack ?? caught.message : inspect(caught)}`);
  }
  assert.equal(caught.code, expected.code, `code (message: ${caught.message})`);
  if (expected.path !== undefined) assert.equal(caught.path, expected.path, `path (message: ${caught.message})`);
  if (expected.stage !== undefined) assert.equal(caught.stage, expected.stage);
  if (typeof expected.message === 'string') assert.ok(caught.message.includes(expected.message), `message ${JSON.stringify(caught.message)} lacks ${JSON.stringify(expected.message)}`);
  else if (expected.message !== undefined) assert.match(caught.message, expected.message);
  assert.ok(caught.message.length > 0);
  return caught;
}

/** Snapshot of Object.prototype, to prove hostile input left it alone. */
export function prototypeSnapshot(): string[] {
  return Object.getOwnPropertyNames(Object.prototype).sort();
}

export function assertPrototypeUntouched(before: string[]): void {
  assert.deepEqual(prototypeSnapshot(), before);
  assert.equal(Object.getPrototypeOf({}), Object.prototype);
  const probe: Record<string, unknown> = {};
  assert.equal(probe.polluted, undefined);
  assert.equal(probe.isAdmin, undefined);
}

/** `depth` nested arrays, built without recursion. */
export function deepArray(depth: number): unknown[] {
  const root: unknown[] = [];
  let cur = root;
  for (let i = 1; i < depth; i++) {
    const next: unknown[] = [];
    cur.push(next);
    cur = next;
  }
  return root;
}

/** `depth` nested objects `{"a":{"a":…}}`, built without recursion. */
export function deepObject(depth: number): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  let cur = root;
  for (let i = 1; i < depth; i++) {
    const next: Record<string, unknown> = {};
    cur.a = next;
    cur = next;
  }
  return root;
}
