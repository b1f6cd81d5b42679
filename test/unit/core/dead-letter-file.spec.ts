import assert from 'node:assert/strict';
import { concernedFile } from '../../../nodes/lib/dead-letter';

describe('dead letters: the file concerned', () => {
  it('names the data id, else the first asset of a CloudEvent, else its subject or id', () => {
    assert.equal(concernedFile({ wis2: { dataId: 'a/b.nc' }, payload: 'x' }), 'a/b.nc');
    assert.equal(concernedFile({ payload: Buffer.from(JSON.stringify({ id: 'e1', subject: 's', data: { assets: { f: { href: 'https://x/f.nc' } } } })) }), 'https://x/f.nc');
    assert.equal(concernedFile({ payload: { id: 'e1', subject: 's' } }), 's');
    assert.equal(concernedFile({ payload: { properties: { data_id: 'd/1' } } }), 'd/1');
    assert.equal(concernedFile({ payload: 'not json' }), undefined);
  });
});
