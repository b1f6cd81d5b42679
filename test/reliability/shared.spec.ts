import assert from 'node:assert/strict';
import fs from 'node:fs';
import { validateWnm } from '../../nodes/lib/wnm/suite';
import type { Broker } from '../helpers/mosquitto';
import { needMosquitto } from '../helpers/mosquitto';
import { Observer, distinctEvents, persistentBroker, produce, startPipeline, until, type Pipeline } from './harness';

/**
 * Scale-out: two runtimes read one stream through a shared subscription. Each publishes to a
 * WIS2 broker of its own, so that the test sees which runtime announced what.
 */
describe('reliability: two runtimes on one shared subscription', function () {
  this.timeout(240_000);
  const brokers: Broker[] = [];
  const pipelines: Pipeline[] = [];
  const observers: Observer[] = [];

  before(function () {
    needMosquitto(this);
  });

  after(async () => {
    await Promise.all(observers.map((o) => o.close()));
    for (const p of pipelines) {
      await p.stop();
      fs.rmSync(p.userDir, { recursive: true, force: true });
    }
    for (const b of brokers) {
      await b.stop();
      fs.rmSync(b.dir, { recursive: true, force: true });
    }
  });

  it('splits 2,000 events between them: 2,000 notifications, none twice, both working', async () => {
    const input = await persistentBroker();
    brokers.push(input);
    for (let i = 0; i < 2; i++) {
      const output = await persistentBroker();
      brokers.push(output);
      observers.push(await Observer.connect(output.url, input.url));
      const p = await startPipeline(input.url, output.url, { MQTT_SHARE_GROUP: 'argo' });
      pipelines.push(p);
      await until(
        () => p.runtime.output().includes('subscribed to $share/argo/diffusion/files/coriolis/argo/#'),
        30_000,
        () => p.runtime.output(),
      );
    }
    const [a, b] = observers as [Observer, Observer];
    await produce(input.url, distinctEvents(2000), 500);
    await until(() => a.distinctIds() + b.distinctIds() >= 2000, 60_000, () => `${a.distinctIds()} + ${b.distinctIds()} of 2000`);
    await new Promise((r) => setTimeout(r, 2000));

    const all = [...a.notifications, ...b.notifications];
    const ids = new Set(all.map((n) => n.id));
    const dataIds = new Set(all.map((n) => n.dataId));
    console.log(
      `      shared subscription: ${all.length} notifications, ${ids.size} distinct ids, ${dataIds.size} distinct files; ` +
        `runtime 1 announced ${a.notifications.length}, runtime 2 ${b.notifications.length}`,
    );
    assert.equal(all.length, 2000, 'each event announced exactly once');
    assert.equal(ids.size, 2000);
    assert.equal(dataIds.size, 2000);
    // Mosquitto deals a shared subscription's messages in turn: each runtime gets a real share
    assert.ok(a.notifications.length >= 500 && b.notifications.length >= 500, 'both runtimes do a share of the work');
    for (const n of all) assert.equal(validateWnm(n.payload)['ets-report'].summary.FAILED, 0, n.id);
  });
});
