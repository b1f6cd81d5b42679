import assert from 'node:assert/strict';
import { validateWnm } from '../../nodes/lib/wnm';
import { needMosquitto } from '../helpers/mosquitto';
import { Lab, distinctEvents, produce, sleep, until, type Observer } from './harness';

/**
 * Scale-out: two runtimes read one stream through a shared subscription. Each publishes to a
 * WIS2 broker of its own, so that the test sees which runtime announced what.
 */
describe('reliability: two runtimes on one shared subscription', function () {
  this.timeout(240_000);
  const lab = new Lab();

  before(function () {
    needMosquitto(this);
  });

  after(() => lab.cleanup());

  it('splits 2,000 events between them: 2,000 notifications, none twice, both working', async () => {
    const input = await lab.broker();
    const observers: Observer[] = [];
    for (let i = 0; i < 2; i++) {
      const output = await lab.broker();
      observers.push(await lab.observe(output, input));
      await lab.pipeline(input, output, { MQTT_SHARE_GROUP: 'argo' });
    }
    const [a, b] = observers as [Observer, Observer];
    await produce(input.url, distinctEvents(2000), 500);
    await until(() => a.distinctIds() + b.distinctIds() >= 2000, 60_000, () => `${a.distinctIds()} + ${b.distinctIds()} of 2000`);
    await sleep(2000);

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
