import assert from 'node:assert/strict';
import { validateWnm } from '../../nodes/lib/wnm';
import { needMosquitto } from '../helpers/mosquitto';
import { Lab, distinctEvents, produce, sleep, streamThrough, until, type Observer } from './harness';

/**
 * The shipped Argo flow in the real runtime, between real Mosquitto brokers that are stopped,
 * and a runtime that is killed, while events keep coming. Each test prints its figures.
 */
function report(what: string, o: Observer, extra = ''): void {
  console.log(
    `      ${what}: ${o.distinctIds()} distinct notifications (${o.notifications.length} received, ` +
      `${o.repeatedIds()} exact redeliveries), ${o.dataIdsAnnouncedTwice().length} files announced twice${extra}`,
  );
}

function assertAllValid(o: Observer): void {
  for (const n of o.notifications) assert.equal(validateWnm(n.payload)['ets-report'].summary.FAILED, 0, n.id);
}

describe('reliability: nothing lost', function () {
  this.timeout(240_000);
  const lab = new Lab();

  before(function () {
    needMosquitto(this);
  });

  afterEach(() => lab.cleanup());

  it('broker outage: 1,000 events at 100/s, Mosquitto stopped for 5 s mid-stream: all announced once', async () => {
    const { b, p, o } = await lab.oneBroker();
    await streamThrough(b.url, o, p, 300, async () => {
      await b.stop();
      await sleep(5000);
      await b.start();
    });
    report('broker outage', o);
    assert.equal(o.distinctIds(), 1000);
    assert.deepEqual(o.dataIdsAnnouncedTwice(), []);
    assert.equal(o.deadLetters.length, 0);
    assertAllValid(o);
  });

  it('WIS2 broker away for 30 s and the runtime killed meanwhile: every notification arrives once it is back', async () => {
    const input = await lab.broker();
    const output = await lab.broker();
    const p = await lab.pipeline(input, output);
    const o = await lab.observe(output);
    const events = distinctEvents(600);
    await produce(input.url, events.slice(0, 200), 100);
    await until(() => o.distinctIds() >= 200, 30_000, () => `${o.distinctIds()} of the first 200`);
    await output.stop();
    const outageStarted = Date.now();
    const during = produce(input.url, events.slice(200, 500), 20);
    await sleep(8000);
    await p.kill();
    await sleep(2000);
    await p.restart();
    await during;
    await produce(input.url, events.slice(500), 50);
    const waited = Date.now() - outageStarted;
    if (waited < 30_000) await sleep(30_000 - waited);
    assert.equal(o.distinctIds(), 200, 'nothing reaches the WIS2 broker while it is away');
    await output.start();
    await until(() => o.distinctIds() >= 600, 120_000, () => `${o.distinctIds()} of 600 arrived\n${p.runtime.output().slice(-3000)}`);
    await sleep(2000);
    report('WIS2 broker outage with a SIGKILL', o, `, peak RSS ${String(p.peakRssMiB())} MiB`);
    assert.equal(o.distinctIds(), 600);
    assert.deepEqual(o.dataIdsAnnouncedTwice(), []);
    assertAllValid(o);
  });

  it('runtime crash: 1,000 events, kill -9 mid-stream, started again: nothing lost, no file announced twice', async () => {
    const { b, p, o } = await lab.oneBroker();
    await streamThrough(b.url, o, p, 400, async () => {
      await p.kill();
      await sleep(1000);
      await p.restart();
    });
    report('runtime crash', o);
    assert.equal(o.distinctIds(), 1000);
    assert.deepEqual(o.dataIdsAnnouncedTwice(), [], 'a repeated notification is only ever an exact redelivery of the same id');
    assertAllValid(o);
  });

  it('burst: 10,000 events back to back, all announced, memory bounded', async () => {
    const { b, p, o } = await lab.oneBroker();
    const events = distinctEvents(10_000);
    const started = Date.now();
    await produce(b.url, events, 0);
    await until(() => o.distinctIds() >= 10_000, 180_000, () => `${o.distinctIds()} of 10000 arrived`);
    const seconds = (Date.now() - started) / 1000;
    report('burst', o, `, ${seconds.toFixed(1)} s (${Math.round(10_000 / seconds)} events/s), peak RSS of the runtime ${String(p.peakRssMiB())} MiB`);
    assert.equal(o.distinctIds(), 10_000);
    assert.deepEqual(o.dataIdsAnnouncedTwice(), []);
    // the runtime idles near 120 MiB; a burst held in memory would add its whole backlog
    const peak = p.peakRssMiB();
    if (peak !== undefined) assert.ok(peak < 400, `peak RSS ${peak} MiB`);
  });

  it('duplicates and updates: one event three times is announced once; a new checksum is an update; a deletion is a deletion', async () => {
    const { b, o } = await lab.oneBroker();
    const [event] = distinctEvents(1);
    assert.ok(event);
    await produce(b.url, [event, event, event], 0);
    const again = JSON.parse(event.toString('utf8')) as { id: string; type: string; data: { assets: Record<string, Record<string, unknown>> } };
    const asset = Object.values(again.data.assets)[0];
    assert.ok(asset);
    const rediffused = structuredClone(again);
    rediffused.id += '-rediffused';
    Object.assign(Object.values(rediffused.data.assets)[0] ?? {}, { 'file:checksum': '1620' + 'ab'.repeat(32) });
    await produce(b.url, [Buffer.from(JSON.stringify(rediffused))], 0);
    const deleted = structuredClone(rediffused);
    deleted.id += '-deleted';
    deleted.type = 'fr.ifremer.file.delete';
    await produce(b.url, [Buffer.from(JSON.stringify(deleted))], 0);
    await until(() => o.notifications.length >= 3, 30_000, () => JSON.stringify(o.notifications.map((n) => n.rel)));
    await sleep(1500);
    console.log(`      duplicates and updates: ${o.notifications.map((n) => n.rel).join(', ')}`);
    assert.deepEqual(o.notifications.map((n) => n.rel), ['canonical', 'update', 'deletion']);
    assert.equal(new Set(o.notifications.map((n) => n.dataId)).size, 1);
  });
});
