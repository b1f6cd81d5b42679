import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { latestVersion, migrate, type Migration, type Versioned } from '../../../nodes/common/migrations';
import type { DatasetNodeDef } from '../../../nodes/common/dataset-node';
import { migrations as datasetMigrations } from '../../../nodes/wis2-dataset/migrations';
import { DEFAULT_CATALOGUE, migrations as gdcCheckMigrations, type GdcCheckDef } from '../../../nodes/wis2-gdc-check/migrations';
import { helper, onTab, Recorder, wis2Nodes } from '../../helpers/nodes';
import { repoRoot } from '../../helpers/reference';

/** Node-RED's level of a warning in its log */
const WARN = 30;

const DATASET_VERSION = latestVersion(datasetMigrations);
const GDC_CHECK_VERSION = latestVersion(gdcCheckMigrations);
const migrateDataset = (def: DatasetNodeDef): DatasetNodeDef => migrate(def, datasetMigrations);
const migrateGdcCheck = (def: GdcCheckDef): GdcCheckDef => migrate(def, gdcCheckMigrations);

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

type Saved = Versioned & Record<string, unknown>;

describe('the migration runner', () => {
  const steps: Migration<Versioned & { trail?: string }>[] = [
    { version: 1, up: (c) => ({ ...c, trail: `${c.trail ?? ''}1` }) },
    { version: 2, up: (c) => ({ ...c, trail: `${c.trail ?? ''}2` }) },
    { version: 3, up: (c) => ({ ...c, trail: `${c.trail ?? ''}3` }) },
  ];

  it('applies every step above the saved version, in order, and stamps the last version', () => {
    assert.deepEqual(migrate({ ...base }, steps), { ...base, trail: '123', version: 3 });
    assert.deepEqual(migrate({ ...base, version: 1, trail: 'x' }, steps), { ...base, trail: 'x23', version: 3 });
    assert.deepEqual(migrate({ ...base, version: '2' as unknown as number }, steps), { ...base, trail: '3', version: 3 });
  });

  it('leaves a configuration newer than its steps as it is, and says so', () => {
    const future = { ...base, version: 7, shape: 'unknown' };
    const told: number[][] = [];
    assert.equal(migrate(future, steps, (version, latest) => told.push([version, latest])), future);
    assert.deepEqual(told, [[7, 3]]);
  });

  it('is quiet about a configuration of the latest version', () => {
    let told = false;
    migrate({ ...base, version: 3 }, steps, () => { told = true; });
    assert.equal(told, false);
  });
});

const nodesDir = path.join(repoRoot, 'nodes');
const packageJson = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { 'node-red': { nodes: Record<string, string> } };

/** The node types the package registers in the editor, with the `version` their new nodes get. */
function editorTypes(): Map<string, number | undefined> {
  const types = new Map<string, number | undefined>();
  for (const runtime of Object.values(packageJson['node-red'].nodes)) {
    const folder = path.basename(path.dirname(runtime));
    const html = fs.readFileSync(path.join(nodesDir, folder, `${folder}.html`), 'utf8');
    for (const m of html.matchAll(/RED\.nodes\.registerType\('([^']+)'/g)) {
      const version = /\n {6}version: \{ value: (\d+) \}/.exec(html)?.[1];
      types.set(m[1], version === undefined ? undefined : Number(version));
    }
  }
  return types;
}

async function stepsOf(type: string): Promise<readonly Migration[]> {
  const module = (await import(`../../../nodes/${type}/migrations.js`)) as { migrations: readonly Migration[] };
  return module.migrations;
}

/** Each step of each node: a configuration as flows saved it before the step, and what the node reads. */
const STEPS: Record<string, { version: number; before: Saved; after: Saved }[]> = {
  'wis2-dataset': [{
    version: 1,
    before: { ...argo, memory: true, memorySize: '', memoryDays: '' },
    after: { ...argo, memory: true, memorySize: '', memoryDays: '', check: 'off', checkRetries: '', version: 1 },
  }],
  'wis2-gdc-check': [
    { version: 1, before: { ...base, catalogue: '' }, after: { ...base, catalogue: DEFAULT_CATALOGUE, delay: '300', kpi: true, version: 1 } },
    { version: 1, before: { ...base, catalogue: '${WIS2_GDC_URL}', delay: '60', kpi: false }, after: { ...base, catalogue: '${WIS2_GDC_URL}', delay: '60', kpi: false, version: 1 } },
  ],
  'wis2-broker': [stampOnly({ url: '${MQTT_URL}', clientId: '', cleanSession: false, protocolVersion: 'auto', keepalive: '60', window: '64', maxQueueMB: '256', caFile: '', shareGroup: '' })],
  'wis2-mqtt-in': [stampOnly({ broker: 'b', topic: 'diffusion/files/#', qos: '1', datatype: 'buffer', stuck: '600' })],
  'wis2-cloudevent-to-wnm': [stampOnly({ dataset: 'd', maxBytes: '262144', maxDepth: '64', eventTypes: '', operation: 'auto' })],
  'wis2-wnm-validator': [stampOnly({ warnings: 'valid' })],
  'wis2-publish': [stampOnly({ dataset: 'd', broker: 'b' })],
  'wis2-dead-letter': [stampOnly({ broker: 'b', topic: '${WIS2_DEAD_LETTER_TOPIC}' })],
  'wis2-wcmp-validator': [stampOnly({ kpi: 'offline', minGrade: '', relaxCentreId: false, timeout: '10000' })],
  'wis2-wcmp-to-wnm': [stampOnly({ recordUrl: '${WIS2_METADATA_URL}', store: '' })],
  'wis2-monitor': [stampOnly({ broker: 'b', dataset: 'd', centreId: '' })],
  'wis2-cache-tracker': [stampOnly({ broker: 'b', dataset: 'd', centreId: '', window: 30, memorySize: '', origin: true })],
  'wis2-argo-reconcile': [stampOnly({ dataset: 'd', index: '', mirror: '', hours: '48', rate: '5', hash: 'sha512' })],
};

/** The first version of a node that has not changed shape: the configuration is kept, the version stamped. */
function stampOnly(config: Record<string, unknown>): { version: number; before: Saved; after: Saved } {
  return { version: 1, before: { ...base, ...config }, after: { ...base, ...config, version: 1 } };
}

describe('every node configuration, step by step', () => {
  for (const [type, cases] of Object.entries(STEPS)) {
    it(`${type}: each step turns a configuration of the version before into what the node reads`, async () => {
      const steps = await stepsOf(type);
      for (const { version, before, after } of cases) {
        const step = steps.find((s) => s.version === version);
        assert.ok(step, `${type} has a step to version ${String(version)}`);
        assert.deepEqual(migrate({ ...before, version: version - 1 || undefined }, steps.filter((s) => s.version <= version)), after);
      }
      assert.deepEqual([...new Set(cases.map((c) => c.version))], steps.map((s) => s.version), `${type}: every step has its case`);
    });
  }

  it('covers every node type the package registers, each with steps up to the version its editor gives a new node', async () => {
    const types = editorTypes();
    assert.deepEqual([...types.keys()].sort(), Object.keys(STEPS).sort());
    for (const [type, editorVersion] of types) {
      assert.equal(latestVersion(await stepsOf(type)), editorVersion, `${type}: the last step is the editor's default version`);
      for (const lang of ['en-US', 'fr']) {
        const catalogue = JSON.parse(fs.readFileSync(path.join(nodesDir, type, 'locales', lang, `${type}.json`), 'utf8')) as Partial<Record<string, { migration?: { newer?: string } }>>;
        assert.match(catalogue[type]?.migration?.newer ?? '', /__version__.*__latest__/, `${type} (${lang}) says which version it was saved with and which it knows`);
      }
    }
  });
});

describe('a node saved by a newer release, in the runtime', () => {
  before((done) => {
    helper.startServer(done);
  });
  after((done) => {
    helper.stopServer(done);
  });
  afterEach(() => helper.unload());

  it('is read as it is, and its log says so', async () => {
    await helper.load(wis2Nodes, onTab([
      { id: 'v', type: 'wis2-wnm-validator', warnings: 'valid', version: 99, wires: [['valid'], ['invalid']] },
      { id: 'valid', type: 'helper' },
      { id: 'invalid', type: 'helper' },
    ]));
    const warnings = (helper.log().args as [{ level: number; id?: string; msg?: unknown }][]).map(([event]) => event).filter((e) => e.id === 'v' && e.level === WARN);
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]?.msg, 'wis2-wnm-validator.migration.newer', 'the message of its catalogue');
    const rec = new Recorder(['valid', 'invalid']);
    helper.getNode('v').receive({ payload: 'not a notification' });
    await rec.wait(1);
    assert.equal(rec.from('invalid').length, 1);
  });
});
