import assert from 'node:assert/strict';
import { DEPLOYED_FLOWS, assembleFlows } from '../../bin/commands/flows';
import { withoutReadBack, type FlowNode } from './runtime';

describe('bench: the shipped flows with the cache tracker read-back off', () => {
  it('turns off the read-back of the shipped tracker and changes nothing else', () => {
    const shipped = assembleFlows(DEPLOYED_FLOWS);
    const readingBack = shipped.filter((n) => n.type === 'wis2-cache-tracker' && n.origin === true);
    assert.ok(readingBack.length > 0, 'the shipped monitoring tab reads our notifications back');
    const off = withoutReadBack(shipped);
    assert.equal(off.length, shipped.length);
    for (const [i, n] of off.entries()) {
      const before = shipped[i];
      if (readingBack.includes(before)) assert.deepEqual(n, { ...before, origin: false });
      else assert.equal(n, before);
    }
    // the shipped nodes themselves are left as they were
    assert.ok(readingBack.every((n) => n.origin === true));
  });

  it('refuses flows where no tracker reads back, which would measure the shipped flow twice', () => {
    const nodes: FlowNode[] = [
      { id: 't1', type: 'wis2-cache-tracker', origin: false },
      { id: 'p1', type: 'wis2-publish' },
    ];
    assert.throws(() => withoutReadBack(nodes), /no cache tracker/);
  });

  it('reads the option as the editor may save it, as text', () => {
    const [n] = withoutReadBack([{ id: 't1', type: 'wis2-cache-tracker', origin: 'true' }]);
    assert.equal(n.origin, false);
  });
});
