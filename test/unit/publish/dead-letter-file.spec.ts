import assert from 'node:assert/strict';
import { fileOf } from '../../../nodes/lib/publish/dead-letter';

describe('dead letters: the file concerned', () => {
  it("names the notification's link, else the first asset of a CloudEvent, else the event", () => {
    assert.equal(fileOf({ wis2: { href: 'https://x/a.nc' }, payload: 'x' }), 'https://x/a.nc');
    assert.equal(fileOf({ payload: Buffer.from(JSON.stringify({ id: 'e1', subject: 's', data: { assets: { f: { href: 'https://x/f.nc' } } } })) }), 'https://x/f.nc');
    assert.equal(fileOf({ payload: { id: 'e1', subject: 's' } }), 'event e1');
    assert.equal(fileOf({ payload: 'not json' }), undefined);
  });
});
