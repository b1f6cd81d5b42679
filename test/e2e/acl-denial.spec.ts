import assert from 'node:assert/strict';
import type { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { flowsDir, readFlow } from '../../bin/commands/flows';
import type { BrokerNode } from '../../nodes/common/broker-node';
import { startProjectBroker, type ProjectBroker } from '../deploy/project-broker';
import { ARGO_TOPIC } from '../helpers/fixtures';
import { needMosquitto } from '../helpers/mosquitto';
import { helper, wis2Nodes, Recorder } from '../helpers/nodes';
import { coreNodesDir } from '../../bin/node-red-dir';

/**
 * A WIS2 broker account that may not write the WIS2 topic, as the project's Mosquitto (its own
 * configuration and ACL) treats it: over MQTT 5 every denied notification comes back refused
 * (reason code 135) and becomes a dead letter with that reason; none counts as sent. Over 3.1.1
 * the same broker acknowledges and drops them, which is why the shipped flows ask for 5.
 */
const DEAD_LETTERS = 'wis2/rejected/fr-ifremer-argo';

/* eslint-disable @typescript-eslint/no-require-imports -- Node-RED's core nodes are CommonJS modules found at run time */
const coreNodes = ['common/21-debug', 'common/25-catch', 'common/25-status', 'common/90-comment', 'common/91-global-config', 'function/15-change', 'function/rbe'].map(
  (n) => require(path.join(coreNodesDir(), 'core', n)) as unknown,
);
/* eslint-enable @typescript-eslint/no-require-imports */

function sampleEvents(): Buffer[] {
  const dir = path.join(flowsDir, 'samples');
  return fs.readdirSync(dir).filter((n) => n.endsWith('.json')).sort().map((n) => fs.readFileSync(path.join(dir, n)));
}

async function until(check: () => boolean, ms: number, what: () => string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(what());
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Letter {
  reason: { code: string; message: string; stage: string };
  topic: string;
  payload: { encoding: string; value: string };
}

describe('a WIS2 broker account the ACL denies the WIS2 topic, through the shipped Argo flow', function () {
  this.timeout(60_000);
  let project: ProjectBroker | undefined;
  const clients: MqttClient[] = [];

  before(async function () {
    needMosquitto(this);
    project = await startProjectBroker();
    process.env.MQTT_URL = project.broker.url;
    process.env.WIS2_MQTT_URL = project.broker.url;
    process.env.WIS2_DEAD_LETTER_TOPIC = DEAD_LETTERS;
    // as docker/node-red/settings.js defaults it: a variable left unset stays "${NAME}" in the runtime
    process.env.MQTT_SHARE_GROUP = '';
    await new Promise<void>((resolve) => { helper.startServer(() => { resolve(); }); });
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    for (const k of ['MQTT_URL', 'WIS2_MQTT_URL', 'WIS2_DEAD_LETTER_TOPIC', 'MQTT_CLIENT_ID', 'MQTT_SHARE_GROUP']) Reflect.deleteProperty(process.env, k);
    await new Promise<void>((resolve) => { helper.stopServer(() => { resolve(); }); });
    await project?.stop();
  });
  afterEach(() => helper.unload());

  async function connect(user: { username: string; password: string }): Promise<MqttClient> {
    assert.ok(project);
    const client = await mqtt.connectAsync(project.broker.url, { ...user, protocolVersion: 5, clientId: `wis2-acl-${user.username}-${clients.length}`, reconnectPeriod: 0 });
    clients.push(client);
    return client;
  }

  /** The shipped flow with the given account on the WIS2 broker; N sample events in. */
  async function run(wis2Account: 'pipeline' | 'everyone', protocolVersion: string, round: string): Promise<{ notifications: number; letters: Letter[]; sent: number; refused: number; events: number }> {
    assert.ok(project);
    const { users } = project;
    process.env.MQTT_CLIENT_ID = `wis2-acl-pipeline-${round}`;
    const flow = readFlow('argo-data').map((n) => (n.type === 'wis2-broker' ? { ...n, protocolVersion } : n));
    await helper.load([...wis2Nodes, ...coreNodes] as never, flow, {
      'wis2-broker-input': { user: users.pipeline.username, password: users.pipeline.password },
      'wis2-broker-output': { user: users[wis2Account].username, password: users[wis2Account].password },
    });
    let subscribed = false;
    (helper.getNode('wis2-argo-in') as unknown as EventEmitter).on('call:log', (call: { args: unknown[] }) => {
      if (/subscribed/.test(String(call.args[0]))) subscribed = true;
    });
    let dups = 0;
    (helper.getNode('wis2-argo-duplicates') as unknown as EventEmitter).on('input', () => { dups++; });
    const watcher = await connect(users.pipeline);
    const notifications: Buffer[] = [];
    const letters: Letter[] = [];
    watcher.on('message', (topic, payload) => {
      if (topic === DEAD_LETTERS) letters.push(JSON.parse(payload.toString('utf8')) as Letter);
      else notifications.push(payload);
    });
    await watcher.subscribeAsync([DEAD_LETTERS, 'origin/a/wis2/fr-ifremer-argo/data/#'], { qos: 1 });
    const output = helper.getNode('wis2-broker-output') as unknown as BrokerNode;
    await until(() => subscribed, 10_000, () => 'the input never subscribed');

    const producer = await connect(users.producer);
    const events = sampleEvents();
    for (const bytes of events) await producer.publishAsync('diffusion/files/coriolis/argo/netcdf', bytes, { qos: 1 });
    await until(
      () => {
        const s = output.outbox().stats();
        return s.sent + s.refused >= events.length;
      },
      20_000,
      () => `outbox: ${JSON.stringify(output.outbox().stats())}, letters: ${JSON.stringify(letters.map((l) => l.reason))}, dups: ${dups}`,
    );
    await Recorder.settle(1000);
    const { sent, refused } = output.outbox().stats();
    return { notifications: notifications.length, letters, sent, refused, events: events.length };
  }

  it('MQTT 5 (the shipped flows\' "auto"): N notifications denied -> N dead letters with the broker\'s reason, 0 sent', async () => {
    const r = await run('everyone', 'auto', 'denied');
    assert.equal(r.events, 5);
    assert.equal(r.sent, 0, 'nothing counts as sent');
    assert.equal(r.refused, r.events);
    assert.equal(r.notifications, 0);
    assert.equal(r.letters.length, r.events, 'one dead letter per denied notification');
    for (const l of r.letters) {
      assert.equal(l.reason.code, 'publish.refused');
      assert.equal(l.reason.stage, 'publish');
      assert.match(l.reason.message, /Not authorized/);
      assert.match(l.reason.message, /reason code 135/);
      assert.equal(l.topic, ARGO_TOPIC);
      const wnm = JSON.parse(l.payload.value) as { type: string };
      assert.equal(wnm.type, 'Feature', 'the dead letter carries the notification that was refused');
    }
    console.log(`      ACL denial over MQTT 5: ${r.events} notifications -> ${r.letters.length} dead letters (${r.letters[0]?.reason.message ?? ''}), ${r.sent} sent`);
  });

  it('with the account the ACL grants, the same events are sent and leave no dead letter', async () => {
    const r = await run('pipeline', 'auto', 'granted');
    assert.equal(r.sent, r.events);
    assert.equal(r.refused, 0);
    assert.equal(r.notifications, r.events);
    assert.deepEqual(r.letters, []);
  });

  it('over MQTT 3.1.1 the broker acknowledges and drops what it denies: counted as sent, lost (why 5 is asked for)', async () => {
    const r = await run('everyone', '4', 'v3');
    assert.equal(r.sent, r.events);
    assert.equal(r.notifications, 0);
    assert.deepEqual(r.letters, []);
  });
});
