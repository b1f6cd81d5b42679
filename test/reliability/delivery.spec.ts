import assert from 'node:assert/strict';
import fs from 'node:fs';
import { validateWnm } from '../../nodes/lib/wnm/suite';
import type { Broker } from '../helpers/mosquitto';
import { needMosquitto } from '../helpers/mosquitto';
import { Observer, distinctEvents, persistentBroker, produce, startPipeline, until, type Pipeline } from './harness';

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
  const brokers: Broker[] = [];
  const pipelines: Pipeline[] = [];
  const observers: Observer[] = [];

  before(function () {
    needMosquitto(this);
  });

  afterEach(async () => {
    await Promise.all(observers.splice(0).map((o) => o.close()));
    for (const p of pipelines.splice(0)) {
      await p.stop();
      fs.rmSync(p.userDir, { recursive: true, force: true });
    }
    for (const b of brokers.splice(0)) {
      await b.stop();
      fs.rmSync(b.dir, { recursive: true, force: true });
    }
  });

  async function broker(): Promise<Broker> {
    const b = await persistentBroker();
    brokers.push(b);
    return b;
  }

  async function pipeline(input: Broker, output: Broker): Promise<Pipeline> {
    const p = await startPipeline(input.url, output.url);
    pipelines.push(p);
    await until(() => p.runtime.output().includes('subscribed to diffusion/files/coriolis/argo/#'), 30_000, () => p.runtime.output());
    return p;
  }

  async function observe(output: Broker): Promise<Observer> {
    const o = await Observer.connect(output.url);
    observers.push(o);
    return o;
  }

  it('broker outage: 1,000 events at 100/s, Mosquitto stopped for 5 s mid-stream: all announced once', async () => {
    const b = await broker();
    const p = await pipeline(b, b);
    const o = await observe(b);
    const events = distinctEvents(1000);
    let sent = 0;
    const producing = produce(b.url, events, 100, (n) => {
      sent = n;
    });
    await until(() => sent >= 300, 30_000, () => `only ${sent} sent`);
    await b.stop();
    await new Promise((r) => setTimeout(r, 5000));
    await b.start();
    await producing;
    await until(() => o.distinctIds() >= 1000, 120_000, () => `${o.distinctIds()} of 1000 arrived\n${p.runtime.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 2000));
    report('broker outage', o);
    assert.equal(o.distinctIds(), 1000);
    assert.deepEqual(o.dataIdsAnnouncedTwice(), []);
    assert.equal(o.deadLetters.length, 0);
    assertAllValid(o);
  });

  it('WIS2 broker away for 30 s and the runtime killed meanwhile: every notification arrives once it is back', async () => {
    const input = await broker();
    const output = await broker();
    const p = await pipeline(input, output);
    const o = await observe(output);
    const events = distinctEvents(600);
    await produce(input.url, events.slice(0, 200), 100);
    await until(() => o.distinctIds() >= 200, 30_000, () => `${o.distinctIds()} of the first 200`);
    await output.stop();
    const outageStarted = Date.now();
    const during = produce(input.url, events.slice(200, 500), 20);
    await new Promise((r) => setTimeout(r, 8000));
    await p.kill();
    await new Promise((r) => setTimeout(r, 2000));
    await p.restart();
    await during;
    await produce(input.url, events.slice(500), 50);
    const waited = Date.now() - outageStarted;
    if (waited < 30_000) await new Promise((r) => setTimeout(r, 30_000 - waited));
    assert.equal(o.distinctIds(), 200, 'nothing reaches the WIS2 broker while it is away');
    await output.start();
    await until(() => o.distinctIds() >= 600, 120_000, () => `${o.distinctIds()} of 600 arrived\n${p.runtime.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 2000));
    report('WIS2 broker outage with a SIGKILL', o, `, peak RSS ${String(p.peakRssMiB())} MiB`);
    assert.equal(o.distinctIds(), 600);
    assert.deepEqual(o.dataIdsAnnouncedTwice(), []);
    assertAllValid(o);
  });

  it('runtime crash: 1,000 events, kill -9 mid-stream, started again: nothing lost, no file announced twice', async () => {
    const b = await broker();
    const p = await pipeline(b, b);
    const o = await observe(b);
    const events = distinctEvents(1000);
    let sent = 0;
    const producing = produce(b.url, events, 100, (n) => {
      sent = n;
    });
    await until(() => sent >= 400, 30_000, () => `only ${sent} sent`);
    await p.kill();
    await new Promise((r) => setTimeout(r, 1000));
    await p.restart();
    await producing;
    await until(() => o.distinctIds() >= 1000, 120_000, () => `${o.distinctIds()} of 1000 arrived\n${p.runtime.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 2000));
    report('runtime crash', o);
    assert.equal(o.distinctIds(), 1000);
    assert.deepEqual(o.dataIdsAnnouncedTwice(), [], 'a repeated notification is only ever an exact redelivery of the same id');
    assertAllValid(o);
  });

  it('burst: 10,000 events back to back, all announced, memory bounded', async () => {
    const b = await broker();
    const p = await pipeline(b, b);
    const o = await observe(b);
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
    const b = await broker();
    await pipeline(b, b);
    const o = await observe(b);
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
    await new Promise((r) => setTimeout(r, 1500));
    console.log(`      duplicates and updates: ${o.notifications.map((n) => n.rel).join(', ')}`);
    assert.deepEqual(o.notifications.map((n) => n.rel), ['canonical', 'update', 'deletion']);
    assert.equal(new Set(o.notifications.map((n) => n.dataId)).size, 1);
  });
});
