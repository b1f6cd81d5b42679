import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { helper, wis2Nodes, onTab, datasetConfig, Recorder, type FlowNode } from '../helpers/nodes';
import { ARGO, ARGO_TOPIC } from '../helpers/fixtures';
import { mosquittoBin, needMosquitto, startMosquitto, type Broker } from '../helpers/mosquitto';
import { ourNotification } from '../helpers/notifications';
import { metricValue } from '../../nodes/common/metrics';

const CENTRE = ARGO.centreId;
const CACHE_TOPIC = ARGO_TOPIC.replace(/^origin\//, 'cache/');
/** a fraction of a minute: long enough for the arrivals on a loaded machine, short for the test */
const WINDOW_MINUTES = 0.15;

function trackerFlow(brokerUrl: string): FlowNode[] {
  return [
    ...onTab([
      datasetConfig('ds', ARGO),
      { id: 'tracker', type: 'wis2-cache-tracker', broker: 'gb', dataset: 'ds', window: WINDOW_MINUTES, wires: [['arrivals'], ['missed'], ['rejects']] },
      { id: 'arrivals', type: 'helper' },
      { id: 'missed', type: 'helper' },
      { id: 'rejects', type: 'helper' },
    ]),
    { id: 'gb', type: 'wis2-broker', url: brokerUrl, clientId: `tracker-spec-${process.pid}`, cleanSession: true, keepalive: 60, window: 8, maxQueueMB: 1 },
  ];
}

/** What a Global Cache publishes: a new id, its own href, properties.global-cache, its pubtime. */
function republished(ours: Record<string, unknown>, cache: string, delaySeconds: number): Record<string, unknown> {
  const props = ours.properties as { pubtime: string; data_id: string };
  const pubtime = new Date(Date.parse(props.pubtime) + delaySeconds * 1000).toISOString();
  return {
    ...ours,
    id: randomUUID(),
    properties: { ...props, pubtime, 'global-cache': cache },
    links: [{ rel: 'canonical', type: 'application/x-netcdf', href: `https://${cache}.example.int/${props.data_id}`, length: 100 }],
  };
}

async function subscribed(): Promise<void> {
  const n = helper.getNode('tracker') as unknown as { on: (e: string, f: (c: { args: unknown[] }) => void) => void };
  const seen = { done: false };
  n.on('call:log', (c) => { if (String(c.args[0]).includes('subscribed')) seen.done = true; });
  const deadline = Date.now() + 10_000;
  while (!seen.done && Date.now() < deadline) await Recorder.settle(25);
  assert.ok(seen.done, 'the tracker subscribed');
}

describe('cache tracker node, against Mosquitto', function () {
  this.timeout(60_000);
  let broker: Broker;
  let gc: MqttClient;

  before(async function () {
    needMosquitto(this);
    broker = await startMosquitto();
    gc = await mqtt.connectAsync(broker.url, { clientId: `tracker-spec-gc-${process.pid}` });
    await new Promise<void>((resolve) => { helper.startServer(() => { resolve(); }); });
  });
  after(async function () {
    if (!mosquittoBin) return;
    await gc.endAsync();
    await new Promise<void>((resolve) => { helper.stopServer(() => { resolve(); }); });
    await broker.stop();
  });
  afterEach(() => helper.unload());

  it('publish N, caches republish N-k with delays: N-k arrivals with the right delays, k missed after the window, nothing lost across a restart', async () => {
    const N = 8;
    const k = 3;
    const base = Date.parse('2026-12-03T01:00:00Z');
    const ours = Array.from({ length: N }, (_, i) => ourNotification(`${CENTRE}/dac/coriolis/69001${String(i).padStart(2, '0')}/profiles/R69001${String(i).padStart(2, '0')}_001.nc`, new Date(base + i * 1000).toISOString(), `aW50ZWdyaXR5${i}`));
    const delays = [0.4, 1.25, 2.5, 0.8, 12];
    const arrivalsBefore = await metricValue('wis2_cache_arrivals_total', { cache: 'int-gc-one' });
    const missedBefore = await metricValue('wis2_cache_missed_total');
    await helper.load(wis2Nodes, trackerFlow(broker.url));
    await subscribed();
    let rec = new Recorder(['arrivals', 'missed', 'rejects']);
    for (const n of ours) helper.getNode('tracker').receive({ payload: Buffer.from(JSON.stringify(n)), topic: ARGO_TOPIC });
    // two arrivals before the restart
    for (let i = 0; i < 2; i++) await gc.publishAsync(CACHE_TOPIC, JSON.stringify(republished(ours[i] ?? {}, 'int-gc-one', delays[i] ?? 0)), { qos: 1 });
    await rec.wait(2, 10_000);
    const before = rec.from('arrivals').map((m) => m.payload as { dataId: string; delay: number; cache: string; ourNotification: string });

    // a restart in the middle: the waits are on disk
    await helper.unload();
    await helper.load(wis2Nodes, trackerFlow(broker.url));
    await subscribed();
    rec = new Recorder(['arrivals', 'missed', 'rejects']);
    for (let i = 2; i < N - k; i++) await gc.publishAsync(CACHE_TOPIC, JSON.stringify(republished(ours[i] ?? {}, 'int-gc-one', delays[i] ?? 0)), { qos: 1 });
    // a second cache for the first file, the first cache again (counted once), and a file not ours
    await gc.publishAsync(CACHE_TOPIC, JSON.stringify(republished(ours[0] ?? {}, 'int-gc-two', 3)), { qos: 1 });
    await gc.publishAsync(CACHE_TOPIC, JSON.stringify(republished(ours[0] ?? {}, 'int-gc-one', 0.4)), { qos: 1 });
    await gc.publishAsync(CACHE_TOPIC, JSON.stringify(republished(ourNotification(`${CENTRE}/not/ours.nc`, '2026-12-03T01:00:00Z'), 'int-gc-one', 1)), { qos: 1 });
    // a message without global-cache on the cache topic is refused, with a code
    await gc.publishAsync(CACHE_TOPIC, JSON.stringify(ours[7]), { qos: 1 });
    await rec.wait(N - k - 2 + 1 + 1, 10_000);
    const after = rec.from('arrivals').map((m) => m.payload as { dataId: string; delay: number; cache: string; ourNotification: string });
    assert.equal(rec.from('rejects').length, 1);
    assert.equal((rec.from('rejects')[0]?.error as { code: string }).code, 'cache.no_global_cache');

    const all = [...before, ...after];
    const firstCache = all.filter((a) => a.cache === 'int-gc-one');
    assert.equal(firstCache.length, N - k, 'N-k arrivals from the first cache, the repeat not counted');
    firstCache.forEach((a, i) => {
      assert.equal(a.dataId, (ours[i]?.properties as { data_id: string }).data_id);
      assert.equal(a.delay, delays[i], `delay of file ${i}`);
      assert.equal(a.ourNotification, ours[i]?.id);
    });
    assert.deepEqual(all.filter((a) => a.cache === 'int-gc-two').map((a) => a.delay), [3]);

    // after the window, the k files no cache announced, published before the restart, are missed
    await rec.wait(after.length + 1 + k, WINDOW_MINUTES * 60_000 + 15_000);
    const missed = rec.from('missed').map((m) => m.payload as { dataId: string; ourNotification: string; href: string });
    assert.deepEqual(missed.map((m) => m.dataId).sort(), ours.slice(N - k).map((n) => (n.properties as { data_id: string }).data_id).sort());
    for (const m of missed) assert.ok(ours.some((n) => n.id === m.ourNotification && m.href.startsWith('https://data-argo.ifremer.fr/')), 'with what we published');
    const tracker = (helper.getNode('tracker') as unknown as { tracker: { arrivals: Map<string, number>; missed: number; pending(): number } }).tracker;
    assert.equal(tracker.missed, k);
    assert.equal((await metricValue('wis2_cache_arrivals_total', { cache: 'int-gc-one' })) - arrivalsBefore, N - k, 'counted in the metrics');
    assert.equal((await metricValue('wis2_cache_missed_total')) - missedBefore, k);
    assert.equal(tracker.pending(), 0);
    // reported once: a later sweep has nothing more
    await Recorder.settle(2000);
    assert.equal(rec.from('missed').length, k);
  });

  it('reads back from the Global Broker what a publish node of the runtime queued without parsing it, and anything else as before', async () => {
    const flow = trackerFlow(broker.url);
    const tracker = flow.find((n) => n.id === 'tracker') as FlowNode;
    tracker.origin = true;
    flow.push(
      { id: 'pub', type: 'wis2-publish', z: tracker.z, dataset: 'ds', broker: 'out', wires: [[], ['rejects']] },
      { id: 'out', type: 'wis2-broker', url: broker.url, clientId: `tracker-spec-out-${process.pid}`, cleanSession: true, keepalive: 60, window: 8, maxQueueMB: 1 },
    );
    await helper.load(wis2Nodes, flow);
    await subscribed();
    const rec = new Recorder(['rejects']);
    const state = (helper.getNode('tracker') as unknown as { tracker: { published: number; own: { known: number; unknown: number; size: number } } }).tracker;
    const queued = ourNotification(`${CENTRE}/q.nc`, new Date().toISOString());
    // published by another runtime of the centre: bytes no publisher of this one queued
    const foreign = ourNotification(`${CENTRE}/f.nc`, new Date().toISOString());
    helper.getNode('pub').receive({ payload: queued, topic: ARGO_TOPIC });
    await gc.publishAsync(ARGO_TOPIC, JSON.stringify(foreign), { qos: 1 });
    const deadline = Date.now() + 10_000;
    while (state.published < 2 && Date.now() < deadline) await Recorder.settle(25);
    assert.equal(state.published, 2);
    assert.deepEqual([state.own.known, state.own.unknown, state.own.size], [1, 1, 0], 'read back without parsing, parsed, waiting');
    const lookup = helper.getNode('tracker') as unknown as { tracker: { byId(id: string): unknown } };
    assert.deepEqual(lookup.tracker.byId(String(queued.id)), { dataId: `${CENTRE}/q.nc` });
    assert.deepEqual(lookup.tracker.byId(String(foreign.id)), { dataId: `${CENTRE}/f.nc` });
    assert.deepEqual(rec.from('rejects'), []);
  });

  it('does not wait for notifications without cache, nor for deletions; refuses what is not a notification', async () => {
    await helper.load(wis2Nodes, trackerFlow(broker.url));
    await subscribed();
    const rec = new Recorder(['arrivals', 'missed', 'rejects']);
    const noCache = ourNotification(`${CENTRE}/a.nc`, '2026-12-03T01:00:00Z');
    (noCache.properties as Record<string, unknown>).cache = false;
    const deletion = ourNotification(`${CENTRE}/b.nc`, '2026-12-03T01:00:00Z');
    (deletion.links as { rel: string }[])[0] = { rel: 'deletion' };
    const tracker = helper.getNode('tracker');
    tracker.receive({ payload: noCache, topic: ARGO_TOPIC });
    tracker.receive({ payload: deletion, topic: ARGO_TOPIC });
    tracker.receive({ payload: 'not json', topic: ARGO_TOPIC });
    tracker.receive({ payload: { id: 'x', properties: { data_id: 'd' } }, topic: ARGO_TOPIC });
    await rec.wait(2, 5000);
    assert.deepEqual(rec.from('rejects').map((m) => (m.error as { code: string }).code), ['intake.invalid_json', 'cache.pubtime']);
    const state = (tracker as unknown as { tracker: { published: number; pending(): number } }).tracker;
    assert.equal(state.published, 0);
    assert.equal(state.pending(), 0);
  });
});
