import assert from 'node:assert/strict';
import type { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import type { NodeStatus } from 'node-red';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../bin/launch';
import type { BrokerNode } from '../../nodes/common/broker-node';
import { metricValue } from '../../nodes/common/metrics';
import { readPublished } from '../../nodes/lib/reliability/published-log';
import { helper, mosquittoRuntime, wis2Nodes, onTab, datasetConfig, Recorder, freshStateDir, type FlowNode } from '../helpers/nodes';
import { ARGO } from '../helpers/fixtures';
import { needMosquitto, startMosquitto, type Broker } from '../helpers/mosquitto';

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

  it('leaves mqtt.js its debug log only when DEBUG is set', async () => {
    const before = process.env.DEBUG;
    const logOf = async (debug: string | undefined): Promise<unknown> => {
      if (debug === undefined) delete process.env.DEBUG;
      else process.env.DEBUG = debug;
      await helper.load(wis2Nodes, [{ id: 'b', type: 'wis2-broker', url: broker.url, protocolVersion: '4' }, ...onTab([{ id: 'user', type: 'helper' }])]);
      const client = (helper.getNode('b') as unknown as BrokerNode).use(helper.getNode('user'), () => undefined);
      const log = (client as unknown as { log: unknown }).log;
      await helper.unload();
      return log;
    };
    try {
      const quiet = await logOf(undefined);
      assert.equal(typeof quiet, 'function');
      assert.equal((quiet as { namespace?: string }).namespace, undefined, 'not a debug logger');
      assert.equal((quiet as (...args: unknown[]) => unknown).length, 0);
      const debugging = await logOf('mqttjs*');
      assert.equal((debugging as { namespace?: string }).namespace, 'mqttjs:client');
    } finally {
      if (before === undefined) delete process.env.DEBUG;
      else process.env.DEBUG = before;
    }
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
    helper.settings({ wis2BrokerStateDir: freshStateDir(), mqttReconnectTime: 200 } as Parameters<typeof helper.settings>[0]);
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

describe('notifications kept for replay', function () {
  this.timeout(30_000);

  describe('by the WIS2 broker node', () => {
    let broker: Broker | undefined;
    before(async function () {
      needMosquitto(this);
      broker = await startMosquitto();
      await new Promise<void>((resolve) => {
        helper.startServer(() => {
          resolve();
        });
      });
    });
    after(async () => {
      await new Promise<void>((resolve) => {
        helper.stopServer(() => {
          resolve();
        });
      });
      await broker?.stop();
    });
    afterEach(() => helper.unload());

    it('keeps what the broker acknowledged on origin/ topics, and nothing when Keep sent is 0', async () => {
      for (const keepDays of [7, 0]) {
        const state = freshStateDir();
        helper.settings({ wis2BrokerStateDir: state } as Parameters<typeof helper.settings>[0]);
        await helper.load(wis2Nodes, [
          ...onTab([datasetConfig('ds', ARGO), { id: 'pub', type: 'wis2-publish', dataset: 'ds', broker: 'b', wires: [['out'], ['rej']] }, { id: 'out', type: 'helper' }, { id: 'rej', type: 'helper' }]),
          { id: 'b', type: 'wis2-broker', url: broker?.url ?? '', clientId: '', cleanSession: true, keepalive: 60, window: 8, maxQueueMB: 1, keepDays },
        ]);
        const rec = new Recorder(['out', 'rej']);
        const wnm = { type: 'Feature', id: '0b0f1b2e-5f5e-4e4e-9a9a-000000000002', geometry: null, properties: { data_id: 'x' }, links: [] };
        helper.getNode('pub').receive({ payload: wnm, topic: ARGO.topic });
        await rec.wait(1, 10_000);
        assert.equal(rec.from('out').length, 1);
        const dir = path.join(state, 'published', 'b');
        const records: string[] = [];
        const deadline = Date.now() + 10_000;
        while (keepDays > 0 && records.length === 0 && Date.now() < deadline) {
          if (fs.existsSync(dir)) for await (const r of readPublished(dir, new Date(0))) records.push(r.payload);
          await Recorder.settle(50);
        }
        if (keepDays > 0) {
          assert.equal(records.length, 1);
          assert.deepEqual(JSON.parse(records[0] ?? ''), wnm);
        } else {
          await Recorder.settle(500);
          assert.equal(fs.existsSync(dir), false);
        }
        await helper.unload();
        fs.rmSync(state, { recursive: true, force: true });
      }
    });
  });
});

describe('WIS2 broker node: the packets of a turn leave together', function () {
  this.timeout(30_000);
  const { broker, publisher } = mosquittoRuntime('broker-spec-burst');

  /** Counts the writes (system calls) on the connection's socket, and its reads, from now on. */
  function watchSocket(client: MqttClient): { writes: number; reads: number } {
    type Write = (this: unknown, ...args: unknown[]) => unknown;
    const stream = client.stream as unknown as { _write: Write; _writev: Write; on(event: 'data', listener: () => void): unknown };
    const counts = { writes: 0, reads: 0 };
    const write = stream._write;
    const writev = stream._writev;
    stream._write = function (...args) { counts.writes++; return write.apply(this, args); };
    stream._writev = function (...args) { counts.writes++; return writev.apply(this, args); };
    stream.on('data', () => { counts.reads++; });
    return counts;
  }

  function brokerConfig(window: number): FlowNode {
    return { id: 'b', type: 'wis2-broker', url: broker().url, clientId: '', cleanSession: true, protocolVersion: '5', keepalive: 60, window, maxQueueMB: 4 };
  }

  it('acknowledges the messages of a turn in one write, not one write each', async () => {
    await helper.load(wis2Nodes, [
      ...onTab([{ id: 'in', type: 'wis2-mqtt-in', broker: 'b', topic: 'burst-in/#', qos: '1', datatype: 'utf8', wires: [['out']] }, { id: 'out', type: 'helper' }]),
      brokerConfig(8),
    ]);
    helper.getNode('out').on('input', (_msg: unknown, _send: unknown, done: () => void) => { done(); });
    const rec = new Recorder(['out']);
    // the input subscribes a moment after it connects
    const deadline = Date.now() + 10_000;
    while (rec.received.length === 0 && Date.now() < deadline) {
      await publisher().publishAsync('burst-in/warm', 'warm', { qos: 1 });
      await Recorder.settle(200);
    }
    await Recorder.settle(200);
    const before = rec.received.length;
    const client = (helper.getNode('b') as unknown as BrokerNode).use(helper.getNode('out'), () => undefined);
    const socket = watchSocket(client);
    const count = 200;
    await Promise.all(Array.from({ length: count }, (_, i) => publisher().publishAsync(`burst-in/${String(i)}`, String(i), { qos: 1 })));
    await rec.wait(before + count, 10_000);
    // every PUBACK is out: the publisher's QoS 1 publishes all came back acknowledged by Mosquitto,
    // and Mosquitto holds nothing unacknowledged for the input once it is quiet again
    await Recorder.settle(300);
    console.log(`      ${String(count)} messages arrived in ${String(socket.reads)} reads; their PUBACKs left in ${String(socket.writes)} writes`);
    assert.ok(socket.writes <= socket.reads, `${String(socket.writes)} writes for ${String(socket.reads)} reads`);
    assert.ok(socket.reads < count / 4, `the messages came in ${String(socket.reads)} reads: too many to tell`);
  });

  it('publishes from a WIS2 publish node with nothing wired to its first output, sending nothing on', async () => {
    await helper.load(wis2Nodes, [
      ...onTab([datasetConfig('ds', ARGO), { id: 'pub', type: 'wis2-publish', dataset: 'ds', broker: 'b', wires: [[], ['rej']] }, { id: 'rej', type: 'helper' }]),
      brokerConfig(64),
    ]);
    const received: string[] = [];
    const watcher = await mqtt.connectAsync(broker().url, { clientId: `broker-spec-unwired-watch-${process.pid}`, protocolVersion: 5 });
    try {
      watcher.on('message', (_topic, payload) => { received.push((JSON.parse(payload.toString()) as { id: string }).id); });
      await watcher.subscribeAsync(ARGO.topic, { qos: 1 });
      const pub = helper.getNode('pub');
      const sends: unknown[] = [];
      (pub as unknown as EventEmitter).on('call:send', (call: unknown) => { sends.push(call); });
      const ids = [0, 1, 2].map((i) => `0b0f1b2e-5f5e-4e4e-9a9a-${String(100 + i).padStart(12, '0')}`);
      for (const id of ids) pub.receive({ payload: { type: 'Feature', id, geometry: null, properties: { data_id: `unwired/${id}` }, links: [] }, topic: ARGO.topic });
      const deadline = Date.now() + 10_000;
      while (received.length < ids.length && Date.now() < deadline) await Recorder.settle(50);
      assert.deepEqual(received, ids);
      assert.deepEqual(sends, [], 'a copy sent to no node');
    } finally {
      await watcher.endAsync(true);
    }
  });

  it('keeps pinging under a steady flow of acknowledgements, and the connection stays up', async () => {
    await helper.load(wis2Nodes, [...onTab([{ id: 'out', type: 'helper' }]), { ...brokerConfig(8), keepalive: 1 }]);
    const client = (helper.getNode('b') as unknown as BrokerNode).use(helper.getNode('out'), () => undefined);
    const deadline = Date.now() + 10_000;
    while (!client.connected && Date.now() < deadline) await Recorder.settle(50);
    let pings = 0;
    let acks = 0;
    let drops = 0;
    client.on('packetsend', (packet: { cmd: string }) => { if (packet.cmd === 'pingreq') pings++; });
    client.on('packetreceive', (packet: { cmd: string }) => { if (packet.cmd === 'puback') acks++; });
    client.on('offline', () => { drops++; });
    client.on('close', () => { drops++; });
    // a PUBACK every 20 ms for three and a half keepalive periods: acknowledgements never restart
    // the keepalive timer, so a PINGREQ goes out each period all the same, and its PINGRESP keeps
    // the connection
    const end = Date.now() + 3500;
    while (Date.now() < end) {
      await client.publishAsync('keepalive-spec/steady', 'x', { qos: 1 });
      await Recorder.settle(20);
    }
    assert.ok(acks > 100, `${String(acks)} acknowledgements`);
    assert.ok(pings >= 2, `${String(pings)} PINGREQs in 3.5 keepalive periods of steady acknowledgements`);
    assert.equal(drops, 0, 'the connection dropped');
    assert.ok(client.connected);
  });

  it('sends what a turn publishes in one write, however many callbacks it took', async () => {
    await helper.load(wis2Nodes, [
      ...onTab([datasetConfig('ds', ARGO), { id: 'pub', type: 'wis2-publish', dataset: 'ds', broker: 'b', wires: [['out'], ['rej']] }, { id: 'out', type: 'helper' }, { id: 'rej', type: 'helper' }]),
      brokerConfig(64),
    ]);
    const received: string[] = [];
    const watcher = await mqtt.connectAsync(broker().url, { clientId: `broker-spec-burst-watch-${process.pid}`, protocolVersion: 5 });
    try {
      watcher.on('message', (topic) => { received.push(topic); });
      await watcher.subscribeAsync(ARGO.topic, { qos: 1 });
      const client = (helper.getNode('b') as unknown as BrokerNode).use(helper.getNode('pub'), () => undefined);
      const deadline = Date.now() + 10_000;
      while (!client.connected && Date.now() < deadline) await Recorder.settle(50);
      const socket = watchSocket(client);
      const rec = new Recorder(['out', 'rej']);
      const count = 40;
      // one message per callback, as Node-RED hands them from node to node
      for (let i = 0; i < count; i++) {
        const id = `0b0f1b2e-5f5e-4e4e-9a9a-${String(i).padStart(12, '0')}`;
        setImmediate(() => { helper.getNode('pub').receive({ payload: { type: 'Feature', id, geometry: null, properties: { data_id: `burst/${id}` }, links: [] }, topic: ARGO.topic }); });
      }
      await rec.wait(count, 10_000);
      assert.equal(rec.from('out').length, count, JSON.stringify(rec.from('rej').map((m) => m.payload)));
      while (received.length < count && Date.now() < deadline + 10_000) await Recorder.settle(50);
      assert.equal(received.length, count);
      console.log(`      ${String(count)} notifications published from ${String(count)} callbacks in ${String(socket.writes)} writes`);
      assert.ok(socket.writes <= 3, `${String(socket.writes)} writes`);
    } finally {
      await watcher.endAsync(true);
    }
  });
});
