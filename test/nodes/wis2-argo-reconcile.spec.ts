import assert from 'node:assert/strict';
import type { EventEmitter } from 'node:events';
import fs from 'node:fs';
import { helper, wis2Nodes, onTab, datasetConfig, Recorder } from '../helpers/nodes';
import { ARGO } from '../helpers/fixtures';
import { makeGdac, type Gdac } from '../helpers/gdac';
import { wnmSchemaErrors } from '../helpers/official';

describe('Argo reconcile node in the pipeline', function () {
  this.timeout(30_000);
  let gdac: Gdac;
  const N = 8;
  const k = 3;
  before((done) => {
    helper.startServer(done);
  });
  after((done) => {
    helper.stopServer(done);
  });
  beforeEach(() => {
    gdac = makeGdac(N);
  });
  afterEach(async () => {
    await helper.unload();
    gdac.close();
  });

  async function start(): Promise<Recorder> {
    await helper.load(wis2Nodes, onTab([
      datasetConfig('ds', ARGO),
      { id: 'run', type: 'wis2-argo-reconcile', dataset: 'ds', index: gdac.indexPath, mirror: gdac.root, hours: '48', rate: '200', hash: 'sha512', wires: [['conv'], ['report']] },
      { id: 'conv', type: 'wis2-cloudevent-to-wnm', dataset: 'ds', wires: [['val'], ['dl'], []] },
      { id: 'val', type: 'wis2-wnm-validator', wires: [['pub'], ['dl']] },
      { id: 'pub', type: 'wis2-publish', dataset: 'ds', wires: [['out'], ['dl']] },
      { id: 'dl', type: 'wis2-dead-letter', topic: 'wis2/rejected/test', wires: [['letters']] },
      { id: 'out', type: 'helper' },
      { id: 'letters', type: 'helper' },
      { id: 'report', type: 'helper' },
    ]));
    return new Recorder(['out', 'letters', 'report']);
  }

  const WINDOW = { since: '2026-11-29T00:00:00Z', until: '2026-12-01T00:00:00Z' };

  it('announces the N-k files the memory lacks, all valid, and nothing on a second run', async () => {
    const rec = await start();
    const run = helper.getNode('run');
    // k files announced first: a window that ends after the k-th
    run.receive({ payload: '', since: WINDOW.since, until: new Date(Date.UTC(2026, 10, 30, 0, k, 0)).toISOString() });
    await rec.wait(k + 1, 10_000);
    assert.equal(rec.from('out').length, k);
    run.receive({ payload: '', ...WINDOW });
    await rec.wait(k + 1 + (N - k) + 1, 10_000);
    const out = rec.from('out');
    assert.equal(out.length, N);
    const wnms = out.map((m) => JSON.parse((m.payload as Buffer).toString('utf8')) as { links: { rel: string }[]; properties: { data_id: string } });
    assert.equal(new Set(wnms.map((w) => w.properties.data_id)).size, N);
    for (const w of wnms) {
      assert.equal(w.links[0]?.rel, 'canonical');
      assert.deepEqual(wnmSchemaErrors(w), []);
    }
    const report = rec.from('report').at(-1)?.payload as Record<string, unknown>;
    assert.equal(report.present, k);
    assert.equal(report.missing, N - k);
    assert.equal(rec.from('letters').length, 0);

    run.receive({ payload: '', ...WINDOW });
    await rec.wait(N + 3, 10_000);
    await Recorder.settle(200);
    assert.equal(rec.from('out').length, N);
    assert.equal((rec.from('report').at(-1)?.payload as Record<string, unknown>).present, N);
  });

  it('reports malformed index lines with their numbers and warns, never announcing them', async () => {
    gdac.writeIndex(['coriolis/../../../etc/passwd,20261130000000,1,1,A,846,IF,20261130000000', 'too,few,columns']);
    fs.rmSync(`${gdac.root}/dac/${gdac.files[0]?.file ?? ''}`);
    const rec = await start();
    const run = helper.getNode('run');
    const warnings: unknown[] = [];
    (run as unknown as EventEmitter).on('call:warn', (call: { args: unknown[] }) => warnings.push(call.args[0]));
    run.receive({ payload: '', ...WINDOW });
    await rec.wait(N, 10_000);
    const report = rec.from('report').at(-1)?.payload as { badLines: number; bad: { line: number; code: string }[]; unavailable: { file: string }[] };
    assert.equal(rec.from('out').length, N - 1);
    assert.equal(report.badLines, 2);
    assert.deepEqual(report.bad.map((b) => [b.line, b.code]), [[9 + N + 1, 'index.dot_segment'], [9 + N + 2, 'index.column_count']]);
    assert.equal(report.unavailable.length, 1);
    assert.equal(warnings.length, 2);
  });
});
