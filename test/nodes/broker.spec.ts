import assert from 'node:assert/strict';
import type { EventEmitter } from 'node:events';
import mqtt, { type MqttClient } from 'mqtt';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../bin/launch';
import type { BrokerNode } from '../../nodes/common/broker-node';
import { helper, wis2Nodes, onTab, datasetConfig, Recorder, type FlowNode } from '../helpers/nodes';
import { ARGO } from '../helpers/fixtures';

/** The WIS2 broker config node in the runtime, against the embedded broker (aedes: MQTT 3.1.1 only). */
describe('WIS2 broker node: MQTT version', function () {
  this.timeout(20_000);
  let broker: EmbeddedBroker;
  let watcher: MqttClient;

  before(async () => {
    broker = await startEmbeddedBroker(0);
    watcher = await mqtt.connectAsync(broker.url, { protocolVersion: 4, clientId: 'broker-spec-watcher' });
    await watcher.subscribeAsync('#', { qos: 1 });
    await new Promise<void>((resolve) => { helper.startServer(() => { resolve(); }); });
  });
  after(async () => {
    await watcher.endAsync(true);
    await new Promise<void>((resolve) => { helper.stopServer(() => { resolve(); }); });
    await broker.close();
  });
  afterEach(() => helper.unload());

  async function run(protocolVersion: string | undefined): Promise<{ warnings: string[]; logs: string[]; client: MqttClient; received: string[] }> {
    const received: string[] = [];
    const onMessage = (topic: string): void => { received.push(topic); };
    watcher.on('message', onMessage);
    const config: FlowNode = { id: 'b', type: 'wis2-broker', url: broker.url, clientId: 'broker-spec', cleanSession: false, keepalive: 60, window: 8, maxQueueMB: 1 };
    if (protocolVersion !== undefined) config.protocolVersion = protocolVersion;
    await helper.load(wis2Nodes, [
      ...onTab([datasetConfig('ds', ARGO), { id: 'pub', type: 'wis2-publish', dataset: 'ds', broker: 'b', wires: [['out'], ['rej']] }, { id: 'out', type: 'helper' }, { id: 'rej', type: 'helper' }]),
      config,
    ]);
    const node = helper.getNode('b') as unknown as BrokerNode & EventEmitter;
    const warnings: string[] = [];
    const logs: string[] = [];
    node.on('call:warn', (call: { args: unknown[] }) => warnings.push(String(call.args[0])));
    node.on('call:log', (call: { args: unknown[] }) => logs.push(String(call.args[0])));
    const client = node.use(helper.getNode('pub'), () => undefined);
    const rec = new Recorder(['out', 'rej']);
    const wnm = { type: 'Feature', id: '0b0f1b2e-5f5e-4e4e-9a9a-000000000001', geometry: null, properties: {}, links: [] };
    helper.getNode('pub').receive({ payload: wnm, topic: ARGO.topic });
    await rec.wait(1, 10_000);
    const deadline = Date.now() + 10_000;
    while (!received.includes(ARGO.topic) && Date.now() < deadline) await Recorder.settle(50);
    // a reconnection, to show the choice sticks and is not announced again
    client.stream.destroy();
    await new Promise<void>((resolve) => client.once('connect', () => { resolve(); }));
    await Recorder.settle(200);
    watcher.removeListener('message', onMessage);
    return { warnings, logs, client, received };
  }

  it('"auto" falls back to 3.1.1 for a broker that refuses 5, says so once, and publishes', async () => {
    const { warnings, logs, client, received } = await run('auto');
    assert.equal(client.options.protocolVersion, 4);
    // the test runtime shows message keys, not their text
    const fallback = /refuses MQTT 5|wis2-broker\.log\.fallback/;
    assert.equal(warnings.filter((w) => fallback.test(w)).length, 1, warnings.join('\n'));
    assert.deepEqual(warnings.filter((w) => !fallback.test(w)), [], 'the refusal itself is not reported as a broker error too');
    assert.equal(logs.filter((l) => /connected/.test(l)).length, 2, 'connected, then connected again after the cut');
    assert.ok(received.includes(ARGO.topic), 'the notification reached the broker');
    // past the reconnect period (2 s): no stray reconnection ends the connection or breaks it
    await Recorder.settle(2500);
    assert.ok(client.connected);
    assert.equal(logs.filter((l) => /connected/.test(l)).length, 2);
  });

  it('without a client id, connects as wis2-<node id>-<random>, the prefix not doubled for ids that carry it', async () => {
    await helper.load(wis2Nodes, [
      { id: 'wis2-broker-output', type: 'wis2-broker', url: broker.url, protocolVersion: '4' },
      { id: 'plain', type: 'wis2-broker', url: broker.url, protocolVersion: '4' },
      ...onTab([{ id: 'user', type: 'helper' }]),
    ]);
    const user = helper.getNode('user');
    const ids = ['wis2-broker-output', 'plain'].map((id) => (helper.getNode(id) as unknown as BrokerNode).use(user, () => undefined).options.clientId);
    assert.match(ids[0] ?? '', /^wis2-broker-output-[0-9a-z]{8}$/);
    assert.match(ids[1] ?? '', /^wis2-plain-[0-9a-z]{8}$/);
  });

  it('a flow saved with 3.1.1 (or before the option existed) keeps it, without a word', async () => {
    for (const setting of ['4', undefined]) {
      const { warnings, client, received } = await run(setting);
      assert.equal(client.options.protocolVersion, 4);
      assert.deepEqual(warnings, []);
      assert.ok(received.includes(ARGO.topic));
      await helper.unload();
    }
  });
});
