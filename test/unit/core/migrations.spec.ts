import assert from 'node:assert/strict';
import { DATASET_VERSION, migrateDataset } from '../../../nodes/wis2-dataset/migrations';
import { DEFAULT_CATALOGUE, GDC_CHECK_VERSION, migrateGdcCheck } from '../../../nodes/wis2-gdc-check/migrations';

const base = { id: 'n', type: 't', z: '', name: '' };
const argo = { ...base, centreId: 'fr-ifremer-argo', topic: 't', metadataId: 'm', dataPolicy: 'core', baseUrl: '', dataIdTemplate: '', pathPattern: '', cache: true, schemes: 'https', integrity: 'optional' };

describe('configurations saved with an older shape', () => {
  it('a dataset saved before the check before publishing: version 1, check off, as it published before', () => {
    const migrated = migrateDataset(argo);
    assert.equal(migrated.version, DATASET_VERSION);
    assert.equal(migrated.check, 'off');
    assert.equal(migrated.checkRetries, '');
    assert.equal(migrated.centreId, 'fr-ifremer-argo', 'the rest is kept');
  });

  it('a dataset of the current version is left as it is, whether its version is a number or text', () => {
    const current = { ...argo, version: 1, check: 'head', checkRetries: '3' };
    assert.equal(migrateDataset(current), current);
    const asText = { ...current, version: '1' as unknown as number };
    assert.equal(migrateDataset(asText).check, 'head');
  });

  it('a catalogue check without a version gets the defaults: the Canadian GDC, 300 s, the KPI', () => {
    const migrated = migrateGdcCheck({ ...base, catalogue: '' });
    assert.equal(migrated.version, GDC_CHECK_VERSION);
    assert.equal(migrated.catalogue, DEFAULT_CATALOGUE);
    assert.equal(migrated.delay, '300');
    assert.equal(migrated.kpi, true);
    const kept = migrateGdcCheck({ ...base, catalogue: 'https://gdc.example/collections/c', delay: '5', kpi: false, version: 1 });
    assert.deepEqual([kept.catalogue, kept.delay, kept.kpi], ['https://gdc.example/collections/c', '5', false]);
  });
});
