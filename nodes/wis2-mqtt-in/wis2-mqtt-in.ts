import type { Node, NodeAPI, NodeDef } from 'node-red';
import type { BrokerConnectionState, BrokerNode } from '../common/broker-node';
import { installHooks } from '../common/settle';
import { wholeNumber } from '../lib/core/numbers';
import { readAtScrape } from '../common/metrics';
import { pipelineMetrics } from '../common/pipeline-metrics';
import { StatusCounter } from '../common/status';
import { Journal } from '../lib/reliability/journal';
import { RANK, runtimeTurn } from '../lib/reliability/turn-writes';
import { ReliableInput, type InputEvents } from '../lib/reliability/reliable-input';
import { topicMatches } from '../lib/publish/mqtt-topic';
import { migrateConfig } from '../common/migrations';
import { migrations } from './migrations';

interface InDef extends NodeDef {
  broker: string;
  topic: string;
  qos: string;
  datatype: string;
  /** seconds after which an unfinished message is reported */
  stuck?: string | number;
}

const DEFAULT_STUCK_SECONDS = 600;

export = function register(RED: NodeAPI): void {
  const registry = installHooks(RED);
  function Wis2MqttInNode(this: Node, saved: InDef): void {
    RED.nodes.createNode(this, saved);
    const def = migrateConfig(RED, this, saved, migrations);
    const node = this;
    const broker = RED.nodes.getNode(def.broker) as BrokerNode | null;
    const topic = (def.topic || '').trim();
    const stuckMs = (wholeNumber(def.stuck, 1) ?? DEFAULT_STUCK_SECONDS) * 1000;
    let connection: BrokerConnectionState = { connected: false };
    let input: ReliableInput | undefined = undefined;
    const status = new StatusCounter(node, ['received', 'replayed'] as const, (c) => {
      const counts = { received: c.received, replayed: c.replayed };
      if (input && (input.full || input.overdue > 0)) {
        return {
          fill: 'yellow',
          shape: connection.connected ? 'dot' : 'ring',
          text: RED._(input.full ? 'wis2-mqtt-in.status.waiting' : 'wis2-mqtt-in.status.overdue', {
            ...counts,
            unfinished: input.unfinished.toLocaleString('en-US'),
            overdue: input.overdue,
            seconds: stuckMs / 1000,
          }),
        };
      }
      if (connection.sessionLost !== undefined && connection.connected) {
        // stays until the next deploy: the operator has events to ask for again
        return { fill: 'yellow', shape: 'dot', text: RED._('wis2-mqtt-in.status.sessionLost', { ...counts, time: connection.sessionLost.slice(0, 19).replace('T', ' ') }) };
      }
      return {
        fill: connection.connected ? 'green' : 'red',
        shape: connection.connected ? 'dot' : 'ring',
        text: RED._(connection.connected ? 'wis2-mqtt-in.status.connected' : 'wis2-mqtt-in.status.disconnected', counts),
      };
    });
    if (!broker || broker.configError || topic === '' || topic.includes('\u0000')) {
      status.show({ fill: 'red', shape: 'ring', text: 'wis2-mqtt-in.status.configError' });
      if (!broker) node.error(RED._('wis2-mqtt-in.error.noBroker'));
      else if (broker.configError) node.error(broker.configError);
      else node.error(RED._('wis2-mqtt-in.error.topic'));
      return;
    }

    let inbox: Journal;
    try {
      inbox = Journal.open({
        dir: broker.stateDir('inbox', node.id),
        turn: runtimeTurn,
        rank: RANK.inbox,
        onDeferredError: (err) => { node.warn(RED._('wis2-mqtt-in.error.journal', { message: err.message })); },
      });
    } catch (err) {
      status.show({ fill: 'red', shape: 'ring', text: 'wis2-mqtt-in.status.journalError' });
      node.error(RED._('wis2-mqtt-in.error.journal', { message: (err as Error).message }));
      return;
    }
    for (const warning of inbox.recoveryWarnings) node.warn(warning);
    const brokerLabel = { broker: broker.metricsName };
    const events: InputEvents = {
      send: (msg) => { node.send(msg); },
      counted: (kind) => { status.count(kind); },
      changed: () => { status.refresh(); },
      journalError: (err) => { node.warn(RED._('wis2-mqtt-in.error.journal', { message: err.message })); },
      subscribed: (subscription) => { node.log(RED._('wis2-mqtt-in.log.subscribed', { topic: subscription })); },
      subscribeFailed: (subscription, err) => { node.error(RED._('wis2-mqtt-in.error.subscribe', { topic: subscription, message: err.message })); },
      replaying: (count) => { node.log(RED._('wis2-mqtt-in.log.replay', { count })); },
      overdue: (groups) => {
        for (const g of groups) {
          const where = g.where ? `"${g.where.name ?? g.where.id}" (${g.where.type} ${g.where.id})` : RED._('wis2-mqtt-in.warn.nowhere');
          const shown = g.seqs.slice(0, 5).join(', ') + (g.seqs.length > 5 ? ', …' : '');
          node.warn(RED._('wis2-mqtt-in.warn.unfinished', { count: g.seqs.length, seqs: shown, topic: g.topic, seconds: Math.round(g.ageMs / 1000), node: where }));
        }
      },
    };
    const client = broker.use(node, (state) => {
      connection = state;
      status.refresh();
    });
    const settings = {
      accepts: (t: string) => topicMatches(topic, t),
      subscription: broker.shareGroup && !topic.startsWith('$share/') ? `$share/${broker.shareGroup}/${topic}` : topic,
      qos: def.qos === '2' ? 2 : def.qos === '0' ? 0 : 1,
      asText: def.datatype === 'utf8',
      stuckMs,
      prefix: `${node.id}:${RED.util.generateId()}:`,
    } as const;
    const reliable = new ReliableInput(client, inbox, registry, settings, events, () => { broker.wake(); });
    input = reliable;
    broker.backpressure(node, () => reliable.busy);
    // read when the metrics are, rather than counted up and down on every message
    const unsampled = readAtScrape(pipelineMetrics.inputUnfinished, brokerLabel, () => reliable.unfinished);

    node.on('close', (done: () => void) => {
      status.stop();
      unsampled();
      reliable.close();
      // The subscription is kept: with a persistent session the broker holds what arrives
      // while the runtime is away.
      broker.release(node).then(done, done);
    });
  }
  RED.nodes.registerType('wis2-mqtt-in', Wis2MqttInNode);
};
