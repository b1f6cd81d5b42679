import assert from 'node:assert/strict';
import { AnnouncedMetadata } from '../../../nodes/lib/publish/announced-metadata';
import { metadataGraceMs } from '../../../nodes/common/announced-metadata';

describe('announced metadata records', () => {
  const ID = 'urn:wmo:md:fr-ifremer-argo:cor:msg:argo';

  it('counts a record announced by any announcer until each withdrew it or is gone', () => {
    const a = new AnnouncedMetadata();
    let changes = 0;
    const stop = a.watch(() => (changes += 1));
    assert.equal(a.has(ID), false);
    a.announce('node-1', ID);
    a.announce('node-1', ID);
    a.announce('node-2', ID);
    assert.equal(a.has(ID), true);
    assert.equal(changes, 2, 'a repeated announcement changes nothing');
    a.withdraw('node-1', ID);
    assert.equal(a.has(ID), true, 'node-2 still announces it');
    a.withdraw('node-2');
    assert.equal(a.has(ID), false);
    a.withdraw('node-3');
    assert.equal(changes, 4, 'withdrawing what was never announced changes nothing');
    stop();
    a.announce('node-1', ID);
    assert.equal(changes, 4, 'a stopped watcher hears nothing');
  });

  it('waits 120 s after a deploy unless WIS2_METADATA_GRACE says otherwise', () => {
    assert.equal(metadataGraceMs({}), 120_000);
    assert.equal(metadataGraceMs({ WIS2_METADATA_GRACE: '5' }), 5000);
    assert.equal(metadataGraceMs({ WIS2_METADATA_GRACE: 'soon' }), 120_000, 'not a number: the default');
  });
});
