import assert from 'node:assert/strict';
import type { EventEmitter } from 'node:events';
import type { NodeMessage, NodeStatus } from 'node-red';
import { metricValue, metricsRegistry } from '../../nodes/common/metrics';
import { ACK_PROPERTY, settleRegistry } from '../../nodes/common/settle';
import { helper, mosquittoRuntime, wis2Nodes, onTab, Recorder, runtimeHooks, type FlowNode } from '../helpers/nodes';

/** The reliable MQTT input in the runtime, against Mosquitto. */
describe('WIS2 MQTT in node', function () {
  this.timeout(30_000);
  const { broker, publisher } = mosquittoRuntime('mqtt-in-spec-pub');
  const registry = settleRegistry(runtimeHooks);

  function brokerNode(extra: Record<string, unknown> = {}): FlowNode {
    return { id: 'b', type: 'wis2-broker', url: broker().url, clientId: '', cleanSession: true, protocolVersion: '5', keepalive: 60, window: 8, maxQueueMB: 1, ...extra };
  }

  /** publishes until the input, subscribing a moment after it connects, has received `count` */
  async function publishUntil(rec: Recorder, topic: string, text: string, count: number): Promise<void> {
    const deadline = Date.now() + 20_000;
    while (rec.received.length < count && Date.now() < deadline) {
      await publisher().publishAsync(topic, text, { qos: 1, properties: { contentType: 'application/json' } });
      await Recorder.settle(200);
    }
    assert.ok(rec.received.length >= count, `${text} not received`);
  }

  it('sends what arrives on its topic with the key of its journal entry, and the entry settles when the flow is done', async () => {
    await helper.load(wis2Nodes, [
      ...onTab([{ id: 'in', type: 'wis2-mqtt-in', broker: 'b', topic: 'in-spec/#', qos: '1', datatype: 'utf8', wires: [['out']] }, { id: 'out', type: 'helper' }]),
      brokerNode(),
    ]);
    const statuses: NodeStatus[] = [];
    (helper.getNode('in') as unknown as EventEmitter).on('call:status', (call: { args: unknown[] }) => statuses.push(call.args[0] as NodeStatus));
    // the sink reports done: what reaches it ends there
    helper.getNode('out').on('input', (_msg: NodeMessage, _send: unknown, done: () => void) => { done(); });
    const rec = new Recorder(['out']);
    await publishUntil(rec, 'in-spec/x', '{"a":1}', 1);
    const msg = rec.received[0]?.msg;
    assert.ok(msg);
    assert.equal(msg.topic, 'in-spec/x');
    assert.equal(msg.payload, '{"a":1}');
    assert.equal(msg.qos, 1);
    assert.equal(msg.retain, false);
    assert.equal(msg.contentType, 'application/json');
    assert.match(String(msg[ACK_PROPERTY]), /^in:[^:]+:\d+$/);
    await Recorder.settle(300);
    assert.deepEqual(registry.pending().filter((k) => k.startsWith('in:')), [], 'settled');
    const last = statuses.at(-1);
    assert.ok(last);
    assert.equal(last.fill, 'green');
  });

  it('says in wis2_input_unfinished, read at each scrape, how many messages the flow still holds', async () => {
    await helper.load(wis2Nodes, [
      ...onTab([{ id: 'in', type: 'wis2-mqtt-in', broker: 'b', topic: 'in-spec-held/#', qos: '1', datatype: 'utf8', wires: [['out']] }, { id: 'out', type: 'helper' }]),
      brokerNode({ name: 'held broker' }),
    ]);
    const unfinished = (): Promise<number> => metricValue('wis2_input_unfinished', { broker: 'held broker' });
    const series = async (): Promise<boolean> => (await metricsRegistry().metrics()).includes('wis2_input_unfinished{broker="held broker"}');
    assert.equal(await series(), true, 'the input is there, with nothing unfinished');
    assert.equal(await unfinished(), 0);
    // the sink holds every message until the test lets it go
    const held: (() => void)[] = [];
    helper.getNode('out').on('input', (_msg: NodeMessage, _send: unknown, done: () => void) => { held.push(done); });
    const rec = new Recorder(['out']);
    await publishUntil(rec, 'in-spec-held/x', 'held', 2);
    assert.ok(held.length >= 2);
    assert.equal(await unfinished(), held.length);
    for (const done of held.splice(0, 1)) done();
    // the runtime tells the input in a later turn
    await Recorder.settle(100);
    assert.equal(await unfinished(), rec.received.length - 1, 'one settled');
    for (const done of held.splice(0)) done();
    await Recorder.settle(100);
    assert.equal(await unfinished(), 0);
    await helper.unload();
    assert.equal(await series(), false, 'an input taken out of the flows has nothing to report');
  });

  it('receives bytes through the shared group of its broker', async () => {
    await helper.load(wis2Nodes, [
      ...onTab([{ id: 'in', type: 'wis2-mqtt-in', broker: 'b', topic: 'in-spec-group/#', qos: '1', datatype: 'buffer', wires: [['out']] }, { id: 'out', type: 'helper' }]),
      brokerNode({ shareGroup: 'g1' }),
    ]);
    const logs: string[] = [];
    (helper.getNode('in') as unknown as EventEmitter).on('call:log', (call: { args: unknown[] }) => logs.push(String(call.args[0])));
    const rec = new Recorder(['out']);
    await publishUntil(rec, 'in-spec-group/y', 'bytes', 1);
    assert.ok(Buffer.isBuffer(rec.received[0]?.msg.payload));
    assert.ok(logs.includes('wis2-mqtt-in.log.subscribed'), logs.join('\n'));
  });

  it('refuses to start without a topic or a usable broker', async () => {
    await helper.load(wis2Nodes, [
      ...onTab([
        { id: 'notopic', type: 'wis2-mqtt-in', broker: 'b', topic: ' ', qos: '1', datatype: 'utf8', wires: [[]] },
        { id: 'nobroker', type: 'wis2-mqtt-in', broker: 'missing', topic: 'x', qos: '1', datatype: 'utf8', wires: [[]] },
        { id: 'badbroker', type: 'wis2-mqtt-in', broker: 'bad', topic: 'x', qos: '1', datatype: 'utf8', wires: [[]] },
      ]),
      brokerNode(),
      { ...brokerNode(), id: 'bad', url: 'http://not-mqtt' },
    ]);
    for (const id of ['notopic', 'nobroker', 'badbroker']) {
      // the helper's spies: what the node did while it was created
      const spy = helper.getNode(id) as unknown as { status: { lastCall?: { args: NodeStatus[] } }; error: { called: boolean } };
      assert.ok(spy.error.called, id);
      assert.equal(spy.status.lastCall?.args[0]?.text, 'wis2-mqtt-in.status.configError', id);
    }
  });
});
