import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Wis2Error } from '../../../nodes/lib/core/errors';
import { checkCatalogue, checkCollectionUrl, kpiProcessUrl, ourRecord, readKpiReport } from '../../../nodes/lib/feedback/gdc-check';
import { startCatalogue, type Catalogue } from '../../helpers/catalogue';
import { startFileServer } from '../../helpers/file-server';
import { repoRoot } from '../../helpers/reference';

const RECORD = JSON.parse(fs.readFileSync(path.join(repoRoot, 'flows', 'metadata', 'fr-ifremer-argo.json'), 'utf8')) as Record<string, unknown>;
const ID = RECORD.id as string;

function edited(change: (r: Record<string, unknown> & { properties: Record<string, unknown> }) => void): Record<string, unknown> {
  const copy = structuredClone(RECORD) as Record<string, unknown> & { properties: Record<string, unknown> };
  change(copy);
  return copy;
}

describe('our metadata record in a Global Discovery Catalogue', () => {
  let catalogue: Catalogue;
  beforeEach(async () => {
    catalogue = await startCatalogue();
  });
  afterEach(() => catalogue.close());

  it('present: the catalogue holds our record, links rewritten as a GDC does; the KPI its process gives', async () => {
    catalogue.ingest(RECORD);
    const report = await checkCatalogue(ourRecord(RECORD), { collectionUrl: catalogue.collectionUrl, kpi: true });
    assert.equal(report.state, 'present');
    assert.deepEqual(report.differs, []);
    assert.equal(report.theirs?.updated, '2026-11-27T00:00:00Z');
    assert.deepEqual(report.kpi, { score: 35, total: 40, percentage: 87.5, grade: 'A' });
    assert.deepEqual(report.warnings, []);
    assert.equal(report.url, `${catalogue.collectionUrl}/items/${encodeURIComponent(ID)}?f=json`);
    const kpiCall = catalogue.requests.find((r) => r.method === 'POST');
    assert.equal((kpiCall?.body as { inputs: { record: { id: string } } }).inputs.record.id, ID, 'the KPI scores the record the catalogue holds');
  });

  it('absent: the catalogue answers 404, and no KPI is asked', async () => {
    const report = await checkCatalogue(ourRecord(RECORD), { collectionUrl: catalogue.collectionUrl, kpi: true });
    assert.equal(report.state, 'absent');
    assert.equal(report.theirs, undefined);
    assert.equal(report.kpi, undefined);
    assert.equal(catalogue.requests.length, 1);
  });

  it('stale: an older updated, or the same updated with other content', async () => {
    catalogue.ingest(edited((r) => { r.properties.updated = '2026-10-01T00:00:00Z'; }));
    const older = await checkCatalogue(ourRecord(RECORD), { collectionUrl: catalogue.collectionUrl });
    assert.equal(older.state, 'stale');
    assert.deepEqual(older.differs, ['updated', 'content']);
    assert.equal(older.theirs?.updated, '2026-10-01T00:00:00Z');

    catalogue.ingest(edited((r) => { r.properties.title = 'Another title'; }));
    const changed = await checkCatalogue(ourRecord(RECORD), { collectionUrl: catalogue.collectionUrl });
    assert.equal(changed.state, 'stale');
    assert.deepEqual(changed.differs, ['content']);
  });

  it('compares content whatever the order of the members', async () => {
    const reordered = Object.fromEntries(Object.entries(RECORD).reverse());
    catalogue.ingest(reordered);
    assert.equal((await checkCatalogue(ourRecord(RECORD), { collectionUrl: catalogue.collectionUrl })).state, 'present');
  });

  it('a catalogue without the KPI process: present all the same, with a warning', async () => {
    catalogue.ingest(RECORD);
    catalogue.kpi = { status: 500 };
    const report = await checkCatalogue(ourRecord(RECORD), { collectionUrl: catalogue.collectionUrl, kpi: true });
    assert.equal(report.state, 'present');
    assert.equal(report.kpi, undefined);
    assert.deepEqual(report.warnings.map((w) => w.code), ['gdc.kpi_unavailable']);
  });

  it('a catalogue down, or answering something else than our record, is a failure with a code, not a state', async () => {
    catalogue.down = 503;
    await assert.rejects(checkCatalogue(ourRecord(RECORD), { collectionUrl: catalogue.collectionUrl }), (err: unknown) => err instanceof Wis2Error && err.code === 'gdc.unreachable' && /HTTP 503/.test(err.message));
    const server = await startFileServer();
    try {
      const item = `/collections/c/items/${encodeURIComponent(ID)}`;
      const collectionUrl = `${server.base}collections/c`;
      for (const [answer, why] of [
        [Buffer.from('<html>maintenance</html>'), /not JSON/],
        [Buffer.from(JSON.stringify({ ...RECORD, id: 'urn:wmo:md:fr-ifremer-argo:other' })), /not the record/],
        [Buffer.from(`{"__proto__":{"polluted":true},"id":${JSON.stringify(ID)}}`), /not JSON/],
        [Buffer.from(`${'['.repeat(100)}${']'.repeat(100)}`), /not JSON/],
      ] as const) {
        server.set(item, { serve: answer });
        await assert.rejects(checkCatalogue(ourRecord(RECORD), { collectionUrl }), (err: unknown) => err instanceof Wis2Error && err.code === 'gdc.bad_answer' && why.test(err.message), String(why));
      }
    } finally {
      await server.close();
    }
  });

  it('reads the KPI summary of pywcmp, given as is or as the result output, and the grade below 20 %', () => {
    assert.deepEqual(readKpiReport({ summary: { percentage: 91, grade: 'A', score: 91, total: 100 } }), { percentage: 91, grade: 'A', score: 91, total: 100 });
    assert.deepEqual(readKpiReport({ result: { summary: { percentage: 50.5, grade: 'C' } } }), { percentage: 50.5, grade: 'C' });
    assert.deepEqual(readKpiReport({ summary: { percentage: 12.5, grade: 12.5 } }), { percentage: 12.5, grade: 'F' });
    assert.equal(readKpiReport({ summary: 'nothing' }), undefined);
    assert.equal(readKpiReport([1, 2]), undefined);
  });

  it('takes an OGC API – Records collection URL, and finds the processes at the API root', () => {
    assert.equal(checkCollectionUrl('https://wis2-gdc.weather.gc.ca/collections/wis2-discovery-metadata/'), 'https://wis2-gdc.weather.gc.ca/collections/wis2-discovery-metadata');
    assert.equal(kpiProcessUrl('https://wis2.dwd.de/gdc/collections/wis2-discovery-metadata'), 'https://wis2.dwd.de/gdc/processes/pywcmp-wis2-wcmp2-kpi/execution');
    for (const bad of ['ftp://x/collections/y', 'https://u:p@x/c', 'https://x/c?f=json', 'not a url']) {
      assert.throws(() => checkCollectionUrl(bad), (err: unknown) => err instanceof Wis2Error && err.code === 'gdc.url', bad);
    }
  });
});
