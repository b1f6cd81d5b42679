import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { flowsDir } from '../../bin/commands/flows';
import { freePort, startRuntime, type Runtime } from '../../bin/launch';
import { validateWnm } from '../../nodes/lib/wnm';
import { startProjectBroker, type ProjectBroker } from '../deploy/project-broker';
import { needMosquitto } from '../helpers/mosquitto';
import { wnmSchemaErrors } from '../helpers/official';
import { ARGO_TOPIC } from '../helpers/fixtures';

/**
 * The whole pipeline as deployed: the project's Mosquitto configuration, users and ACL, the
 * Node-RED runtime with docker/node-red/settings.js and the shipped flows, the pipeline logged
 * in with its own account. File events go in as the diffusion system; notifications are read
 * as `everyone`, like a Global Broker; dead letters as the pipeline.
 */
const DEAD_LETTERS = 'wis2/rejected/fr-ifremer-argo';

interface Received {
  topic: string;
  payload: Buffer;
}

function sampleEvents(): Buffer[] {
  const dir = path.join(flowsDir, 'samples');
  return fs.readdirSync(dir).filter((n) => n.endsWith('.json')).sort().map((n) => fs.readFileSync(path.join(dir, n)));
}

function badEvents(): { name: string; bytes: Buffer; code: string }[] {
  const sample = JSON.parse(sampleEvents()[0]?.toString('utf8') ?? '{}') as Record<string, unknown> & { data: { assets: Record<string, { href: string }> } };
  const withHref = (href: string): Buffer => {
    const copy = structuredClone(sample);
    const [asset] = Object.values(copy.data.assets);
    assert.ok(asset);
    asset.href = href;
    copy.id = `bad-${href.length}`;
    return Buffer.from(JSON.stringify(copy));
  };
  const noSource: Record<string, unknown> = { ...sample };
  Reflect.deleteProperty(noSource, 'source');
  return [
    { name: 'not JSON', bytes: Buffer.from('{"specversion": "1.0", '), code: 'intake.invalid_json' },
    { name: 'no source', bytes: Buffer.from(JSON.stringify(noSource)), code: 'ce.missing_attribute' },
    { name: 'a float number that is not the directory\'s', bytes: withHref('https://data-argo.ifremer.fr/dac/coriolis/6903580/profiles/R6903581_147.nc'), code: 'href.path_pattern' },
    { name: 'a file on another host', bytes: withHref('https://evil.example/dac/coriolis/6903580/profiles/R6903580_147.nc'), code: 'href.outside_base' },
  ];
}

function collect(client: MqttClient, into: Received[]): void {
  client.on('message', (topic, payload) => into.push({ topic, payload }));
}

async function until(check: () => boolean, ms: number, what: () => string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(what());
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the Argo pipeline end to end, against the project\'s Mosquitto', function () {
  this.timeout(120_000);
  let project: ProjectBroker | undefined;
  let runtime: Runtime | undefined;
  let userDir = '';
  const clients: MqttClient[] = [];

  before(async function () {
    needMosquitto(this);
    project = await startProjectBroker();
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wis2-e2e-'));
    const { pipeline } = project.users;
    runtime = await startRuntime({
      userDir,
      host: '127.0.0.1',
      port: await freePort(),
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        MQTT_URL: project.broker.url,
        MQTT_USERNAME: pipeline.username,
        MQTT_PASSWORD: pipeline.password,
        MQTT_CLIENT_ID: 'wis2-e2e-pipeline',
        WIS2_DEAD_LETTER_TOPIC: DEAD_LETTERS,
        // the sample events announce files on data-argo.ifremer.fr, which the tests do not reach
        WIS2_CHECK: 'off',
      },
      quiet: true,
    });
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    await runtime?.stop();
    await project?.stop();
    if (userDir) fs.rmSync(userDir, { recursive: true, force: true });
  });

  async function connect(user: { username: string; password: string }, protocolVersion: 4 | 5 = 4): Promise<MqttClient> {
    assert.ok(project);
    const client = await mqtt.connectAsync(project.broker.url, { ...user, protocolVersion, clientId: `wis2-e2e-${user.username}-${clients.length}`, reconnectPeriod: 0 });
    clients.push(client);
    return client;
  }

  it('announces every sample file once, validly, on the Argo topic, and turns every bad event into one dead letter', async () => {
    assert.ok(project && runtime);
    const { users } = project;
    const notifications: Received[] = [];
    const letters: Received[] = [];
    const gb = await connect(users.everyone);
    collect(gb, notifications);
    // data notifications only: the metadata flow announces the record meanwhile
    await gb.subscribeAsync('origin/a/wis2/+/data/#', { qos: 1 });
    const watcher = await connect(users.pipeline);
    collect(watcher, letters);
    await watcher.subscribeAsync(DEAD_LETTERS, { qos: 1 });
    // the pipeline has subscribed once its input connection is up (persistent session: from then on nothing is lost)
    await until(() => runtime?.output().includes('subscribed to diffusion/files/coriolis/argo/#') ?? false, 30_000, () => `Node-RED never connected:\n${runtime?.output() ?? ''}`);

    const producer = await connect(users.producer);
    const good = sampleEvents();
    const bad = badEvents();
    for (const bytes of good) await producer.publishAsync('diffusion/files/coriolis/argo/netcdf', bytes, { qos: 1 });
    for (const b of bad) await producer.publishAsync('diffusion/files/coriolis/argo/netcdf', b.bytes, { qos: 1 });

    await until(() => notifications.length >= good.length && letters.length >= bad.length, 30_000, () => `got ${notifications.length} notifications, ${letters.length} dead letters\n${runtime?.output() ?? ''}`);
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(notifications.length, good.length, 'exactly one notification per announced file');
    assert.equal(letters.length, bad.length, 'exactly one dead letter per bad event');

    const ids = new Set<string>();
    const dataIds = new Set<string>();
    for (const n of notifications) {
      assert.equal(n.topic, ARGO_TOPIC);
      const wnm = JSON.parse(n.payload.toString('utf8')) as { id: string; properties: { data_id: string } };
      assert.deepEqual(wnmSchemaErrors(wnm), []);
      assert.equal(validateWnm(n.payload)['ets-report'].summary.FAILED, 0);
      ids.add(wnm.id);
      dataIds.add(wnm.properties.data_id);
    }
    assert.equal(ids.size, good.length);
    assert.equal(dataIds.size, good.length);

    const codes = letters.map((l) => (JSON.parse(l.payload.toString('utf8')) as { reason: { code: string } }).reason.code).sort();
    assert.deepEqual(codes, bad.map((b) => b.code).sort());
    for (const l of letters) {
      const record = JSON.parse(l.payload.toString('utf8')) as { topic: string; payload: { encoding: string; value: string } };
      assert.equal(record.topic, 'diffusion/files/coriolis/argo/netcdf');
      const original = bad.find((b) => Buffer.from(record.payload.value, 'utf8').equals(b.bytes));
      assert.ok(original, 'the dead letter carries the original event byte for byte');
    }
  });

  it('lets everyone publish nowhere, and the pipeline nowhere under another centre id', async () => {
    assert.ok(project);
    const { users } = project;
    const everyone = await connect(users.everyone, 5);
    await assert.rejects(everyone.publishAsync(ARGO_TOPIC, '{}', { qos: 1 }), /[Nn]ot authorized|135/);
    await assert.rejects(everyone.publishAsync('diffusion/files/coriolis/argo/netcdf', '{}', { qos: 1 }), /[Nn]ot authorized|135/);
    const pipeline = await connect(users.pipeline, 5);
    await assert.rejects(pipeline.publishAsync(ARGO_TOPIC.replace('fr-ifremer-argo', 'fr-meteofrance'), '{}', { qos: 1 }), /[Nn]ot authorized|135/);
    await pipeline.publishAsync(`${DEAD_LETTERS}/acl-check`, '{}', { qos: 1 });
  });
});
