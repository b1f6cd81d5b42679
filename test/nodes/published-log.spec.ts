import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readPublished } from '../../nodes/lib/reliability/published-log';
import { helper, wis2Nodes, onTab, datasetConfig, Recorder } from '../helpers/nodes';
import { ARGO } from '../helpers/fixtures';
import { needMosquitto, startMosquitto, type Broker } from '../helpers/mosquitto';

describe('notifications kept for replay', function () {
  this.timeout(30_000);

  describe('by the WIS2 broker node', () => {
    let broker: Broker | undefined;
    before(async function () {
      needMosquitto(this);
      broker = await startMosquitto();
      await new Promise<void>((resolve) => {
        helper.startServer(() => {
          resolve();
        });
      });
    });
    after(async () => {
      await new Promise<void>((resolve) => {
        helper.stopServer(() => {
          resolve();
        });
      });
      await broker?.stop();
    });
    afterEach(() => helper.unload());

    it('keeps what the broker acknowledged on origin/ topics, and nothing when Keep sent is 0', async () => {
      for (const keepDays of [7, 0]) {
        const state = fs.mkdtempSync(path.join(os.tmpdir(), 'wis2-state-'));
        helper.settings({ wis2BrokerStateDir: state } as Parameters<typeof helper.settings>[0]);
        await helper.load(wis2Nodes, [
          ...onTab([datasetConfig('ds', ARGO), { id: 'pub', type: 'wis2-publish', dataset: 'ds', broker: 'b', wires: [['out'], ['rej']] }, { id: 'out', type: 'helper' }, { id: 'rej', type: 'helper' }]),
          { id: 'b', type: 'wis2-broker', url: broker?.url ?? '', clientId: '', cleanSession: true, keepalive: 60, window: 8, maxQueueMB: 1, keepDays },
        ]);
        const rec = new Recorder(['out', 'rej']);
        const wnm = { type: 'Feature', id: '0b0f1b2e-5f5e-4e4e-9a9a-000000000002', geometry: null, properties: { data_id: 'x' }, links: [] };
        helper.getNode('pub').receive({ payload: wnm, topic: ARGO.topic });
        await rec.wait(1, 10_000);
        assert.equal(rec.from('out').length, 1);
        const dir = path.join(state, 'published', 'b');
        const records: string[] = [];
        const deadline = Date.now() + 10_000;
        while (keepDays > 0 && records.length === 0 && Date.now() < deadline) {
          if (fs.existsSync(dir)) for await (const r of readPublished(dir, new Date(0))) records.push(r.payload);
          await Recorder.settle(50);
        }
        if (keepDays > 0) {
          assert.equal(records.length, 1);
          assert.deepEqual(JSON.parse(records[0] ?? ''), wnm);
        } else {
          await Recorder.settle(500);
          assert.equal(fs.existsSync(dir), false);
        }
        await helper.unload();
        fs.rmSync(state, { recursive: true, force: true });
      }
    });
  });
});
