import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { freePort, startRuntime, type Runtime } from '../../bin/launch';
import { validateWnm, type WisNotification } from '../../nodes/lib/wnm';
import { startProjectBroker, type ProjectBroker } from '../deploy/project-broker';
import { needMosquitto } from '../helpers/mosquitto';
import { wnmSchemaErrors } from '../helpers/official';
import { repoRoot } from '../helpers/reference';

/**
 * The discovery metadata announcement as deployed: the project's Mosquitto with its users and
 * ACL, the Node-RED runtime with docker/node-red/settings.js and the shipped flows. The record
 * announced by default is the one in the package; the notification is read as `everyone`, like
 * a Global Broker.
 */
const DEAD_LETTERS = 'wis2/rejected/fr-ifremer-argo';
const METADATA_TOPIC = 'origin/a/wis2/fr-ifremer-argo/metadata';
const RECORD_FILE = path.join(repoRoot, 'flows', 'metadata', 'fr-ifremer-argo.json');
/** settings.js's default, where Ifremer hosts its record */
const RECORD_URL = 'https://data-argo.ifremer.fr/etc/wis2/fr-ifremer-argo-core-metadata.json';

interface Received {
  topic: string;
  payload: Buffer;
}

async function until(check: () => boolean, ms: number, what: () => string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(what());
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the Argo discovery metadata end to end, against the project\'s Mosquitto', function () {
  this.timeout(120_000);
  let project: ProjectBroker | undefined;
  const runtimes: Runtime[] = [];
  const dirs: string[] = [];
  const clients: MqttClient[] = [];

  before(async function () {
    needMosquitto(this);
    project = await startProjectBroker();
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    for (const r of runtimes) await r.stop();
    await project?.stop();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  async function connect(user: { username: string; password: string }): Promise<MqttClient> {
    assert.ok(project);
    const client = await mqtt.connectAsync(project.broker.url, { ...user, clientId: `wis2-e2e-md-${user.username}-${clients.length}`, reconnectPeriod: 0 });
    clients.push(client);
    return client;
  }

  /** Subscribes as a Global Broker and as the operator watching dead letters, then starts Node-RED. */
  async function deploy(env: Record<string, string> = {}): Promise<{ runtime: Runtime; notifications: Received[]; letters: Received[] }> {
    assert.ok(project);
    const { users } = project;
    const notifications: Received[] = [];
    const letters: Received[] = [];
    const gb = await connect(users.everyone);
    gb.on('message', (topic, payload) => notifications.push({ topic, payload }));
    await gb.subscribeAsync('origin/a/wis2/#', { qos: 1 });
    const watcher = await connect(users.pipeline);
    watcher.on('message', (topic, payload) => letters.push({ topic, payload }));
    await watcher.subscribeAsync(DEAD_LETTERS, { qos: 1 });
    const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wis2-e2e-metadata-'));
    dirs.push(userDir);
    const runtime = await startRuntime({
      userDir,
      host: '127.0.0.1',
      port: await freePort(),
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        MQTT_URL: project.broker.url,
        MQTT_USERNAME: users.pipeline.username,
        MQTT_PASSWORD: users.pipeline.password,
        MQTT_CLIENT_ID: `wis2-e2e-metadata-${runtimes.length}`,
        WIS2_DEAD_LETTER_TOPIC: DEAD_LETTERS,
        ...env,
      },
      quiet: true,
    });
    runtimes.push(runtime);
    return { runtime, notifications, letters };
  }

  it('announces the packaged Argo record on the metadata topic, valid, canonical, with the integrity of its bytes', async () => {
    const { runtime, notifications, letters } = await deploy();
    await until(() => notifications.length >= 1, 30_000, () => `no metadata notification:\n${runtime.output()}`);
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(letters.length, 0, letters.map((l) => l.payload.toString('utf8')).join('\n'));
    assert.equal(notifications.length, 1, 'one announcement on deploy');
    const [n] = notifications;
    assert.ok(n);
    assert.equal(n.topic, METADATA_TOPIC);
    const report = validateWnm(n.payload, { topic: n.topic })['ets-report'];
    assert.equal(report.summary.FAILED, 0, JSON.stringify(report.tests.filter((t) => t.code === 'FAILED')));
    const wnm = JSON.parse(n.payload.toString('utf8')) as WisNotification;
    assert.deepEqual(wnmSchemaErrors(wnm), []);
    const record = fs.readFileSync(RECORD_FILE);
    assert.deepEqual(wnm.links, [{ href: RECORD_URL, rel: 'canonical', type: 'application/geo+json', length: record.length }]);
    assert.deepEqual(wnm.properties.integrity, { method: 'sha512', value: createHash('sha512').update(record).digest('base64') });
    assert.equal(wnm.properties.metadata_id, 'urn:wmo:md:fr-ifremer-argo:cor:msg:argo');
    assert.equal(wnm.properties.data_id, 'fr-ifremer-argo/metadata/urn:wmo:md:fr-ifremer-argo:cor:msg:argo');
    await runtime.stop();
  });

  it('sends a record made invalid to the dead-letter topic instead of announcing it', async () => {
    const bad = JSON.parse(fs.readFileSync(RECORD_FILE, 'utf8')) as { links: { href: string; channel?: string }[] };
    const mqttLink = bad.links.find((l) => l.channel !== undefined);
    assert.ok(mqttLink);
    // a channel on a link that is no MQTT broker: /req/core/links E fails
    mqttLink.href = 'https://example.org/not-a-broker';
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wis2-e2e-bad-record-'));
    dirs.push(dir);
    const file = path.join(dir, 'record.json');
    fs.writeFileSync(file, JSON.stringify(bad, null, 2));
    const { runtime, notifications, letters } = await deploy({ WIS2_METADATA_SOURCE: file });
    await until(() => letters.length >= 1, 30_000, () => `no dead letter:\n${runtime.output()}`);
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(notifications.length, 0, 'nothing is announced');
    assert.equal(letters.length, 1);
    const letter = JSON.parse(letters[0]?.payload.toString('utf8') ?? '{}') as { reason: { code: string; tests: { id: string }[] }; payload: { encoding: string; value: string } };
    assert.equal(letter.reason.code, 'validation.failed');
    assert.deepEqual(letter.reason.tests.map((t) => t.id), ['http://wis.wmo.int/spec/wcmp/2/conf/core/links']);
    assert.equal(letter.payload.value, fs.readFileSync(file, 'utf8'), 'the dead letter carries the record as read');
    await runtime.stop();
  });
});
