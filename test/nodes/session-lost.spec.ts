import assert from 'node:assert/strict';
import type { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import type { NodeStatus } from 'node-red';
import type { BrokerNode } from '../../nodes/common/broker-node';
import { metricValue } from '../../nodes/common/metrics';
import { needMosquitto, startMosquitto, type Broker } from '../helpers/mosquitto';
import { helper, wis2Nodes, onTab, Recorder } from '../helpers/nodes';

/**
 * A broker that answers a reconnection without the persistent session it held for us (here a
 * Mosquitto restarted without persistence) may have lost events: the runtime says so.
 */
describe('WIS2 broker node: a lost persistent session', function () {
  this.timeout(60_000);
  let broker: Broker;

  before(async function () {
    needMosquitto(this);
    broker = await startMosquitto();
    await new Promise<void>((resolve) => { helper.startServer(() => { resolve(); }); });
  });
  after(async () => {
    await new Promise<void>((resolve) => { helper.stopServer(() => { resolve(); }); });
    await broker.stop();
    fs.rmSync(broker.dir, { recursive: true, force: true });
  });
  afterEach(() => helper.unload());

  it('warns, shows it in the input status and counts wis2_input_session_lost_total once; the subscription is renewed', async () => {
    const name = `session-spec-${process.pid}-${Date.now()}`;
    helper.settings({ wis2BrokerStateDir: fs.mkdtempSync(path.join(os.tmpdir(), 'wis2-state-')), mqttReconnectTime: 200 } as Parameters<typeof helper.settings>[0]);
    await helper.load(wis2Nodes, [
      ...onTab([{ id: 'in', type: 'wis2-mqtt-in', broker: 'b', topic: 'session/#', qos: '1', datatype: 'utf8', wires: [['out']] }, { id: 'out', type: 'helper' }]),
      { id: 'b', type: 'wis2-broker', name, url: broker.url, clientId: name, cleanSession: false, protocolVersion: '4', keepalive: 60, window: 8, maxQueueMB: 1 },
    ]);
    const b = helper.getNode('b') as unknown as BrokerNode & EventEmitter;
    const input = helper.getNode('in') as unknown as EventEmitter;
    const warnings: string[] = [];
    const statuses: NodeStatus[] = [];
    b.on('call:warn', (call: { args: unknown[] }) => warnings.push(String(call.args[0])));
    input.on('call:status', (call: { args: unknown[] }) => statuses.push(call.args[0] as NodeStatus));
    const rec = new Recorder(['out']);
    const publisher = await mqtt.connectAsync(broker.url, { clientId: `${name}-pub` });
    const send = async (text: string, count: number): Promise<void> => {
      // subscribing takes a moment after each connection: publish until it arrives
      const deadline = Date.now() + 20_000;
      while (rec.received.length < count && Date.now() < deadline) {
        await publisher.publishAsync('session/x', text, { qos: 1 });
        await Recorder.settle(300);
      }
      assert.ok(rec.received.length >= count, `message ${text} not received`);
    };
    try {
      await send('first', 1);
      const lost = (): number => warnings.filter((w) => /sessionLost|no longer had the persistent session/.test(w)).length;
      assert.equal(lost(), 0, 'a first session is not a lost one');

      // a plain reconnection to a broker that kept the session: nothing to report
      // the connection the input shares, reached as one more user of the broker node
      const client = b.use(helper.getNode('out'), () => undefined);
      client.stream.destroy();
      await new Promise<void>((resolve) => client.once('connect', () => { resolve(); }));
      await Recorder.settle(300);
      assert.equal(lost(), 0, warnings.join('\n'));
      assert.equal(await metricValue('wis2_input_session_lost_total', { broker: name }), 0);

      // the broker restarts without persistence: our session is gone
      await broker.stop();
      await broker.start();
      const deadline = Date.now() + 20_000;
      while (lost() === 0 && Date.now() < deadline) await Recorder.settle(100);
      assert.equal(lost(), 1, warnings.join('\n'));
      assert.equal(await metricValue('wis2_input_session_lost_total', { broker: name }), 1);

      const again = await mqtt.connectAsync(broker.url, { clientId: `${name}-pub2` });
      try {
        const before = rec.received.length;
        const until = Date.now() + 20_000;
        while (rec.received.length === before && Date.now() < until) {
          await again.publishAsync('session/x', 'after', { qos: 1 });
          await Recorder.settle(300);
        }
        assert.ok(rec.received.length > before, 'the input subscribed again on the new session');
      } finally {
        await again.endAsync(true);
      }
      await Recorder.settle(400);
      const last = statuses.at(-1);
      assert.ok(last);
      assert.equal(last.fill, 'yellow');
      assert.match(String(last.text), /sessionLost|session lost/);
    } finally {
      await publisher.endAsync(true);
    }
  });
});
