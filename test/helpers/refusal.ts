import assert from 'node:assert/strict';
import { Wis2Error } from '../../nodes/lib/core/errors';

/** Runs `fn` and returns the Wis2Error it throws; anything else, or nothing thrown, fails the test. */
export function refusal(fn: () => unknown): Wis2Error {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof Wis2Error, `expected a Wis2Error, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a refusal');
}
