import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { coreNodesDir } from '../../bin/node-red-dir';
import { readFlow } from '../../bin/commands/flows';
import { memoryIo } from '../../bin/cli/io';
import { run as runCache } from '../../bin/commands/cache';
import { startFileServer, type FileServer } from '../../bin/commands/serve';
import { syntheticFile } from '../../bin/cli/samples';
import { ARGO_TOPIC } from '../helpers/fixtures';
import { mosquittoBin, needMosquitto, startMosquitto, type Broker } from '../helpers/mosquitto';
import { helper, wis2Nodes, Recorder } from '../helpers/nodes';
import { ourNotification } from '../helpers/notifications';

/* eslint-disable @typescript-eslint/no-require-imports -- Node-RED's core nodes are CommonJS modules found at run time */
const coreNodes = ['common/21-debug', 'common/25-catch', 'common/25-status', 'common/90-comment', 'common/91-global-config', 'function/15-change', 'function/rbe'].map(
  (n) => require(path.join(coreNodesDir(), 'core', n)) as unknown,
);
/* eslint-enable @typescript-eslint/no-require-imports */

const P = 'wis2-argo-monitoring';
const ENV = ['MQTT_URL', 'WIS2_GB_MQTT_URL', 'WIS2_DEAD_LETTER_TOPIC', 'WIS2_MEMORY_FILES'];

/** Our notification for a file the web server serves, with the integrity of those bytes. */
function forFile(name: string, bytes: Buffer): Record<string, unknown> {
  const n = ourNotification(`wis2/fr-ifremer-argo/data/core/ocean/surface-based-observations/drifting-ocean-profilers/dac/coriolis/${name}`, new Date().toISOString());
  (n.properties as Record<string, unknown>).integrity = { method: 'sha512', value: createHash('sha512').update(bytes).digest('base64') };
  n.links = [{ rel: 'canonical', type: 'application/x-netcdf', href: `https://data-argo.ifremer.fr/dac/coriolis/${name}`, length: bytes.length }];
  return n;
}

describe('the shipped argo-monitoring flow, against Mosquitto and a Global Cache simulator', function () {
  this.timeout(60_000);
  let broker: Broker;
  let files: FileServer;
  let origin: MqttClient;

  before(async function () {
    needMosquitto(this);
    broker = await startMosquitto();
    files = await startFileServer({ synthetic: true, wrong: ['wrong.nc'], port: 0 });
    origin = await mqtt.connectAsync(broker.url, { clientId: `monitoring-spec-${process.pid}` });
    process.env.MQTT_URL = broker.url;
    process.env.WIS2_GB_MQTT_URL = broker.url;
    process.env.WIS2_DEAD_LETTER_TOPIC = 'wis2/rejected/fr-ifremer-argo';
    process.env.WIS2_MEMORY_FILES = '';
    await new Promise<void>((resolve) => { helper.startServer(() => { resolve(); }); });
  });
  after(async function () {
    for (const k of ENV) Reflect.deleteProperty(process.env, k);
    if (!mosquittoBin) return;
    await origin.endAsync();
    await files.close();
    await new Promise<void>((resolve) => { helper.stopServer(() => { resolve(); }); });
    await broker.stop();
  });
  afterEach(() => helper.unload());

  it('reports the cache arrivals of our files, and the cache\'s monitoring event linked to the notification it is about', async () => {
    await helper.load([...wis2Nodes, ...coreNodes] as never, readFlow('argo-monitoring'));
    const rec = new Recorder([`${P}-events`, `${P}-arrivals`, `${P}-missed`, `${P}-dead-letter-debug`]);
    // both nodes are subscribed before anything is published
    for (const id of [`${P}-monitor`, `${P}-tracker`]) {
      const node = helper.getNode(id) as unknown as { on: (e: string, f: (c: { args: unknown[] }) => void) => void };
      const seen = { done: false };
      node.on('call:log', (c) => { if (String(c.args[0]).includes('subscribed')) seen.done = true; });
      const deadline = Date.now() + 10_000;
      while (!seen.done && Date.now() < deadline) await Recorder.settle(25);
      assert.ok(seen.done, `${id} subscribed`);
    }
    const io = memoryIo();
    const cache = runCache(['--url', broker.url, '--centre-id', 'fr-ifremer-argo', '--cache-id', 'xx-test-cache', '--fetch-from', `https://data-argo.ifremer.fr/=${files.url}`, '--count', '3', '--quiet'], io);
    const deadline = Date.now() + 10_000;
    while (!io.stderr.some((l) => l.includes('subscribed')) && Date.now() < deadline) await Recorder.settle(25);

    const good = [forFile('a.nc', syntheticFile('a.nc')), forFile('b.nc', syntheticFile('b.nc'))];
    // announced with the digest of the right bytes; the web server serves other ones
    const wrong = forFile('wrong.nc', syntheticFile('wrong.nc'));
    for (const n of [...good, wrong]) await origin.publishAsync(ARGO_TOPIC, JSON.stringify(n), { qos: 1 });
    assert.equal(await cache, 0);
    await rec.wait(3, 15_000);
    await Recorder.settle(200);

    const arrivals = rec.from(`${P}-arrivals`).map((m) => m.payload as { cache: string; ourNotification: string; delay: number });
    assert.deepEqual(arrivals.map((a) => a.ourNotification).sort(), good.map((n) => n.id as string).sort());
    for (const a of arrivals) {
      assert.equal(a.cache, 'xx-test-cache');
      assert.ok(a.delay >= 0 && a.delay < 60, `a delay in seconds: ${a.delay}`);
    }
    const events = rec.from(`${P}-events`).map((m) => m.payload as Record<string, unknown>);
    assert.equal(events.length, 1);
    assert.equal(events[0]?.kind, 'integrity');
    assert.equal(events[0]?.severity, 'ERROR');
    assert.equal(events[0]?.centre, 'xx-test-cache');
    assert.equal(events[0]?.linkedBy, 'id');
    assert.equal(events[0]?.ourNotification, wrong.id);
    assert.equal(events[0]?.dataId, (wrong.properties as { data_id: string }).data_id);
    assert.deepEqual(rec.from(`${P}-missed`), [], 'the window is 30 minutes');
    assert.deepEqual(rec.from(`${P}-dead-letter-debug`), []);
  });
});
