import assert from 'node:assert/strict';
import type { DatasetNode } from '../../nodes/common/dataset-node';
import type { Announcements } from '../../nodes/lib/publish/announce';
import { ARGO } from '../helpers/fixtures';
import { datasetConfig, helper, wis2Nodes } from '../helpers/nodes';

/** The dataset config node's announcement memory, sized from the editor. */
describe('WIS2 dataset node: announcement memory', () => {
  afterEach(async () => {
    await helper.unload();
  });

  async function memoryOf(extra: Record<string, unknown>): Promise<Announcements> {
    await helper.load(wis2Nodes, [{ ...datasetConfig('ds', ARGO), ...extra }]);
    const node = helper.getNode('ds') as DatasetNode;
    const announcements = node.announcements?.();
    assert.ok(announcements);
    return announcements;
  }

  it('remembers at most "Remember at most" files, forgetting the oldest', async () => {
    const a = await memoryOf({ memorySize: '2' });
    for (const f of ['a', 'b', 'c']) a.confirm(f, 'x', 'canonical');
    assert.equal(a.decide('c', 'x', 'canonical'), 'duplicate');
    assert.equal(a.decide('b', 'x', 'canonical'), 'duplicate');
    assert.equal(a.decide('a', 'x', 'canonical'), 'canonical', 'the oldest was forgotten');
  });

  it('keeps a million by default, and ignores what is not a positive whole number', async () => {
    for (const memorySize of ['', '0', '-3', 'many', '2.5']) {
      const a = await memoryOf({ memorySize });
      for (const f of ['a', 'b', 'c']) a.confirm(f, 'x', 'canonical');
      assert.equal(a.decide('a', 'x', 'canonical'), 'duplicate', JSON.stringify(memorySize));
      await helper.unload();
    }
  });

  it('forgets a file on its way when its message becomes a dead letter', async () => {
    await helper.load(wis2Nodes, [
      datasetConfig('ds', ARGO),
      { id: 'dl', type: 'wis2-dead-letter', wires: [['out']] },
      { id: 'out', type: 'helper' },
    ]);
    const a = (helper.getNode('ds') as DatasetNode).announcements?.();
    assert.ok(a);
    assert.equal(a.decide('f', 'x', 'canonical'), 'canonical');
    assert.equal(a.decide('f', 'x', 'canonical'), 'duplicate', 'on its way');
    const out = new Promise<void>((resolve) => helper.getNode('out').on('input', () => { resolve(); }));
    helper.getNode('dl').receive({ payload: '{}', error: { code: 'x', message: 'refused' }, wis2: { dataset: 'ds', dataId: 'f', fingerprint: 'x' } });
    await out;
    assert.equal(a.decide('f', 'x', 'canonical'), 'canonical', 'a corrected copy is announced');
  });
});
