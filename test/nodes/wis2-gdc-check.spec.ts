import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { metricValue } from '../../nodes/common/metrics';
import type { CatalogueReport } from '../../nodes/lib/feedback/gdc-check';
import { helper, wis2Nodes, onTab, Recorder } from '../helpers/nodes';
import { repoRoot } from '../helpers/reference';
import { startCatalogue, type Catalogue } from '../helpers/catalogue';

const RECORD = fs.readFileSync(path.join(repoRoot, 'flows', 'metadata', 'fr-ifremer-argo.json'));
const PARSED = JSON.parse(RECORD.toString('utf8')) as Record<string, unknown> & { properties: Record<string, unknown> };
const ID = PARSED.id as string;
const URL_A = 'https://data-argo.ifremer.fr/etc/wis2/fr-ifremer-argo-core-metadata.json';

describe('WIS2 catalogue check in the metadata flow', function () {
  this.timeout(20_000);
  let catalogue: Catalogue;
  before((done) => {
    helper.startServer(done);
  });
  after((done) => {
    helper.stopServer(done);
  });
  beforeEach(async () => {
    catalogue = await startCatalogue();
  });
  afterEach(async () => {
    await helper.unload();
    await catalogue.close();
  });

  /** The metadata flow's tail: WCMP to WNM, WIS2 publish (no broker), then the check. */
  async function start(check: Record<string, unknown> = {}): Promise<Recorder> {
    await helper.load(wis2Nodes, onTab([
      { id: 'conv', type: 'wis2-wcmp-to-wnm', recordUrl: URL_A, wires: [['pub'], ['failed']] },
      { id: 'pub', type: 'wis2-publish', dataset: '', broker: '', wires: [['gdc'], ['failed']] },
      { id: 'gdc', type: 'wis2-gdc-check', catalogue: catalogue.collectionUrl, delay: '0', kpi: true, version: 1, ...check, wires: [['report'], ['failed']] },
      { id: 'report', type: 'helper' },
      { id: 'failed', type: 'helper' },
    ]));
    return new Recorder(['report', 'failed']);
  }

  async function announce(rec: Recorder, count: number, record = RECORD): Promise<CatalogueReport> {
    helper.getNode('conv').receive({ payload: record });
    await rec.wait(count, 10_000);
    assert.deepEqual(rec.from('failed'), []);
    return rec.from('report').at(-1)?.payload as CatalogueReport;
  }

  it('present after the announcement, with the KPI; the metric says present', async () => {
    catalogue.ingest(PARSED);
    const rec = await start();
    const report = await announce(rec, 1);
    assert.equal(report.state, 'present');
    assert.equal(report.metadataId, ID);
    assert.deepEqual(report.kpi, { score: 35, total: 40, percentage: 87.5, grade: 'A' });
    assert.equal(await metricValue('wis2_gdc_record_state', { metadata_id: ID, state: 'present' }), 1);
    assert.equal(await metricValue('wis2_gdc_record_state', { metadata_id: ID, state: 'absent' }), 0);
  });

  it('absent, then stale once the catalogue holds an older version; the metric follows', async () => {
    const rec = await start({ kpi: false });
    assert.equal((await announce(rec, 1)).state, 'absent');
    assert.equal(await metricValue('wis2_gdc_record_state', { metadata_id: ID, state: 'absent' }), 1);
    catalogue.ingest(PARSED);
    const newer = structuredClone(PARSED);
    newer.properties.updated = '2026-12-01T00:00:00Z';
    const stale = await announce(rec, 2, Buffer.from(JSON.stringify(newer)));
    assert.equal(stale.state, 'stale');
    assert.deepEqual(stale.differs, ['updated', 'content']);
    assert.equal(stale.ours.updated, '2026-12-01T00:00:00Z');
    assert.equal(stale.theirs?.updated, PARSED.properties.updated);
    assert.equal(await metricValue('wis2_gdc_record_state', { metadata_id: ID, state: 'stale' }), 1);
    assert.equal(await metricValue('wis2_gdc_record_state', { metadata_id: ID, state: 'absent' }), 0);
    assert.ok(catalogue.requests.every((r) => r.method === 'GET'), 'no KPI asked when the option is off');
  });

  it('waits the configured delay before asking', async () => {
    catalogue.ingest(PARSED);
    const rec = await start({ delay: '1' });
    helper.getNode('conv').receive({ payload: RECORD });
    await Recorder.settle(500);
    assert.equal(catalogue.requests.length, 0, 'not asked yet');
    await rec.wait(1, 5000);
    assert.equal((rec.from('report')[0]?.payload as CatalogueReport).state, 'present');
  });

  it('a catalogue down, and a message naming no record, leave on the second output with their codes', async () => {
    catalogue.down = 502;
    const rec = await start();
    helper.getNode('conv').receive({ payload: RECORD });
    helper.getNode('gdc').receive({ payload: 'not a record' });
    await rec.wait(2, 10_000);
    const codes = rec.from('failed').map((m) => (m.error as { code: string }).code).sort();
    assert.deepEqual(codes, ['gdc.no_record', 'gdc.unreachable']);
    assert.equal(rec.from('report').length, 0);
  });
});
