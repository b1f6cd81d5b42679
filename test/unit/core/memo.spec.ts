import assert from 'node:assert/strict';
import { memo } from '../../../nodes/lib/core/memo';

/** A function that counts its calls by key, and whose answers tell the calls apart. */
function counted(): { fn: (key: string) => string; calls: Map<string, number> } {
  const calls = new Map<string, number>();
  return {
    calls,
    fn: (key: string): string => {
      const n = (calls.get(key) ?? 0) + 1;
      calls.set(key, n);
      return `${key}#${n}`;
    },
  };
}

describe('core/memo', () => {
  it('works each key out once, whether it is asked again at once or after others', () => {
    const { fn, calls } = counted();
    const m = memo(fn);
    // keys built at run time, as parsed ones are: equal text, distinct strings
    const a = (): string => ['ap', 'plication/json'].join('');
    assert.equal(m(a()), 'application/json#1');
    assert.equal(m(a()), 'application/json#1');
    assert.equal(m('text/plain'), 'text/plain#1');
    assert.equal(m(a()), 'application/json#1');
    assert.deepEqual([...calls], [['application/json', 1], ['text/plain', 1]]);
  });

  it('remembers answers that are undefined', () => {
    let calls = 0;
    const m = memo((key: string): number | undefined => {
      calls++;
      return key === 'x' ? undefined : 1;
    });
    assert.equal(m('x'), undefined);
    assert.equal(m('y'), 1);
    assert.equal(m('x'), undefined);
    assert.equal(calls, 2);
  });

  it('works out every time a key longer than its limit', () => {
    const { fn, calls } = counted();
    const m = memo(fn, 16, 4);
    assert.equal(m('abcd'), 'abcd#1');
    assert.equal(m('abcde'), 'abcde#1');
    assert.equal(m('abcde'), 'abcde#2');
    assert.equal(m('abcd'), 'abcd#1');
    assert.equal(calls.get('abcde'), 2);
  });

  it('starts afresh when full, so that it never holds more than its bound', () => {
    const { fn } = counted();
    const m = memo(fn, 3);
    for (const k of ['a', 'b', 'c']) m(k);
    // the fourth key empties the memory; 'a' is then worked out again
    assert.equal(m('d'), 'd#1');
    assert.equal(m('a'), 'a#2');
    assert.equal(m('d'), 'd#1');
  });
});
