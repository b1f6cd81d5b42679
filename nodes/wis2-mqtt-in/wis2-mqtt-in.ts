import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import type { IPublishPacket } from 'mqtt';
import type { BrokerConnectionState, BrokerNode } from '../common/broker-node';
import { ACK_PROPERTY, inFlight, installHooks } from '../common/settle';
import { wholeNumber } from '../lib/core/numbers';
import { pipelineMetrics } from '../common/pipeline-metrics';
import { StatusCounter } from '../common/status';
import { decode, encode, type Received } from '../lib/reliability/inbox-record';
import { Journal } from '../lib/reliability/journal';
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
  installHooks(RED);
  function Wis2MqttInNode(this: Node, saved: InDef): void {
    RED.nodes.createNode(this, saved);
    const def = migrateConfig(RED, this, saved, migrations);
    const node = this;
    const broker = RED.nodes.getNode(def.broker) as BrokerNode | null;
    const topic = (def.topic || '').trim();
    const qos = def.qos === '2' ? 2 : def.qos === '0' ? 0 : 1;
    const asText = def.datatype === 'utf8';
    let connection: BrokerConnectionState = { connected: false };
    // Messages received but not finished yet; beyond the limit the connection stops reading, so
    // a burst waits at the broker instead of filling this process's memory.
    let open = 0;
    const maxOpen = 1000;
    const stuckMs = (wholeNumber(def.stuck, 1) ?? DEFAULT_STUCK_SECONDS) * 1000;
    // reported as unfinished for too long, and still unfinished
    const overdue = new Set<number>();
    const status = new StatusCounter(node, ['received', 'replayed'] as const, (c) => {
      const counts = { received: c.received, replayed: c.replayed };
      if (open >= maxOpen || overdue.size > 0) {
        return {
          fill: 'yellow',
          shape: connection.connected ? 'dot' : 'ring',
          text: RED._(open >= maxOpen ? 'wis2-mqtt-in.status.waiting' : 'wis2-mqtt-in.status.overdue', {
            ...counts,
            unfinished: open.toLocaleString('en-US'),
            overdue: overdue.size,
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

    // Every message is written here before the broker gets its PUBACK, and stays until all that
    // it became is safe downstream: a killed runtime replays what was not finished.
    let inbox: Journal;
    try {
      inbox = Journal.open({ dir: broker.stateDir('inbox', node.id) });
    } catch (err) {
      status.show({ fill: 'red', shape: 'ring', text: 'wis2-mqtt-in.status.journalError' });
      node.error(RED._('wis2-mqtt-in.error.journal', { message: (err as Error).message }));
      return;
    }
    for (const warning of inbox.recoveryWarnings) node.warn(warning);
    const prefix = `${node.id}:${RED.util.generateId()}:`;
    let closed = false;
    const unfinished = pipelineMetrics.inputUnfinished;
    const brokerLabel = { broker: broker.metricsName };

    // Finished messages are acknowledged in the journal together, once per turn of the event
    // loop: one write for a burst instead of one each. One killed before that is replayed, and
    // what it became is known by then (its notification queued, its file remembered).
    let finished: number[] = [];
    let ackTimer: NodeJS.Immediate | undefined;
    const ackFinished = (): void => {
      ackTimer = undefined;
      const seqs = finished;
      finished = [];
      if (seqs.length === 0) return;
      try {
        inbox.ackMany(seqs);
      } catch (err) {
        // nothing is lost: these messages are replayed at the next start
        node.warn(RED._('wis2-mqtt-in.error.journal', { message: (err as Error).message }));
      }
    };

    function emit(seq: number, r: Received): void {
      const key = prefix + String(seq);
      open++;
      unfinished.inc(brokerLabel);
      if (open === maxOpen) status.refresh();
      inFlight.open(key, () => {
        if (open === maxOpen || overdue.delete(seq)) status.refresh();
        open--;
        unfinished.dec(brokerLabel);
        finished.push(seq);
        ackTimer ??= setImmediate(ackFinished);
        broker?.wake();
      });
      const msg: NodeMessage & Record<string, unknown> = {
        topic: r.topic,
        payload: asText ? r.payload.toString('utf8') : r.payload,
        qos: r.qos,
        retain: r.retain,
        [ACK_PROPERTY]: key,
      };
      if (r.contentType !== undefined) msg.contentType = r.contentType;
      if (r.userProperties !== undefined) msg.userProperties = r.userProperties;
      node.send(msg);
    }

    const client = broker.use(node, (state) => {
      connection = state;
      status.refresh();
    });

    const onMessage = (t: string, payload: Buffer, packet: IPublishPacket): void => {
      if (closed || !topicMatches(topic, t)) return;
      const r: Received = { topic: t, payload, qos: packet.qos, retain: packet.retain };
      const props = packet.properties;
      if (props?.contentType !== undefined) r.contentType = props.contentType;
      if (props?.userProperties !== undefined) r.userProperties = props.userProperties;
      let seq: number;
      try {
        seq = inbox.append(encode(r));
      } catch (err) {
        // A full journal: the message is still processed, but a crash now could lose it.
        node.warn(RED._('wis2-mqtt-in.error.journal', { message: (err as Error).message }));
        const msg: NodeMessage & Record<string, unknown> = { topic: t, payload: asText ? payload.toString('utf8') : payload, qos: packet.qos, retain: packet.retain };
        node.send(msg);
        status.count('received');
        return;
      }
      emit(seq, r);
      status.count('received');
    };
    broker.backpressure(node, () => open >= maxOpen);
    const subscription = broker.shareGroup && !topic.startsWith('$share/') ? `$share/${broker.shareGroup}/${topic}` : topic;
    client.on('message', onMessage);
    const subscribe = (): void => {
      client.subscribe(subscription, { qos }, (err) => {
        if (err) node.error(RED._('wis2-mqtt-in.error.subscribe', { topic: subscription, message: err.message }));
        else node.log(RED._('wis2-mqtt-in.log.subscribed', { topic: subscription }));
      });
    };
    client.on('connect', subscribe);
    if (client.connected) subscribe();

    // What the last run received but did not finish goes through again, in order.
    const replay = (): void => {
      const unfinished = inbox.unacked();
      if (unfinished.length > 0) node.log(RED._('wis2-mqtt-in.log.replay', { count: unfinished.length }));
      for (const seq of unfinished) {
        if (closed) return;
        emit(seq, decode(inbox.read(seq)));
        status.count('replayed');
      }
    };
    const timer = setTimeout(replay, 0);

    // Messages no node has finished with for too long are named once, grouped by the node that
    // has them: a user's node that keeps messages (and never calls done) shows up here.
    const reportOverdue = (): void => {
      const late = inFlight.overdue(prefix, stuckMs);
      if (late.length === 0) return;
      const byNode = new Map<string, { where: string; seqs: number[]; ageMs: number }>();
      for (const u of late) {
        const seq = Number(u.key.slice(prefix.length));
        overdue.add(seq);
        const where = u.where ? `"${u.where.name ?? u.where.id}" (${u.where.type} ${u.where.id})` : RED._('wis2-mqtt-in.warn.nowhere');
        const group = byNode.get(where) ?? { where, seqs: [], ageMs: u.ageMs };
        group.seqs.push(seq);
        group.ageMs = Math.max(group.ageMs, u.ageMs);
        byNode.set(where, group);
      }
      for (const g of byNode.values()) {
        let topic = '';
        try {
          topic = decode(inbox.read(g.seqs[0] ?? 0)).topic;
        } catch {
          // the topic only helps the reader; the report goes out without it
        }
        const shown = g.seqs.slice(0, 5).join(', ') + (g.seqs.length > 5 ? ', …' : '');
        node.warn(RED._('wis2-mqtt-in.warn.unfinished', { count: g.seqs.length, seqs: shown, topic, seconds: Math.round(g.ageMs / 1000), node: g.where }));
      }
      status.refresh();
    };
    const overdueTimer = setInterval(reportOverdue, Math.min(10_000, Math.max(250, stuckMs / 4)));
    overdueTimer.unref();

    node.on('close', (done: () => void) => {
      closed = true;
      clearTimeout(timer);
      clearInterval(overdueTimer);
      status.stop();
      client.removeListener('message', onMessage);
      client.removeListener('connect', subscribe);
      inFlight.forget(prefix);
      // what this input still held is replayed by the next one, which counts it again
      if (open > 0) unfinished.dec(brokerLabel, open);
      open = 0;
      if (ackTimer) clearImmediate(ackTimer);
      // forget() above ended every finish callback: nothing adds to `finished` after this
      ackFinished();
      inbox.close();
      // The subscription is kept: with a persistent session the broker holds what arrives
      // while the runtime is away.
      broker.release(node).then(done, done);
    });
  }
  RED.nodes.registerType('wis2-mqtt-in', Wis2MqttInNode);
};
