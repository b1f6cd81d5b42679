import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import type { IPublishPacket } from 'mqtt';
import type { BrokerConnectionState, BrokerNode } from '../common/broker-node';
import { ACK_PROPERTY, inFlight, installHooks } from '../common/settle';
import { wholeNumber } from '../common/numbers';
import { StatusCounter } from '../common/status';
import { Journal } from '../lib/journal';
import { topicMatches } from '../lib/mqtt-topic';

interface InDef extends NodeDef {
  broker: string;
  topic: string;
  qos: string;
  datatype: string;
  /** seconds after which an unfinished message is reported */
  stuck?: string | number;
}

const DEFAULT_STUCK_SECONDS = 600;

interface Received {
  topic: string;
  payload: Buffer;
  qos: number;
  retain: boolean;
  contentType?: string;
  userProperties?: Record<string, string | string[]>;
}

/** [4-byte header length][header JSON][payload]: the payload is kept byte-exact. */
function encode(r: Received): Buffer {
  const header = Buffer.from(JSON.stringify({ t: r.topic, q: r.qos, r: r.retain, c: r.contentType, u: r.userProperties }), 'utf8');
  const out = Buffer.allocUnsafe(4 + header.length + r.payload.length);
  out.writeUInt32BE(header.length, 0);
  header.copy(out, 4);
  r.payload.copy(out, 4 + header.length);
  return out;
}

function decode(b: Buffer): Received {
  const len = b.readUInt32BE(0);
  const h = JSON.parse(b.subarray(4, 4 + len).toString('utf8')) as { t: string; q: number; r: boolean; c?: string; u?: Record<string, string | string[]> };
  const r: Received = { topic: h.t, qos: h.q, retain: h.r, payload: b.subarray(4 + len) };
  if (h.c !== undefined) r.contentType = h.c;
  if (h.u !== undefined) r.userProperties = h.u;
  return r;
}

export = function register(RED: NodeAPI): void {
  installHooks(RED);
  function Wis2MqttInNode(this: Node, def: InDef): void {
    RED.nodes.createNode(this, def);
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
      if (open === maxOpen) status.refresh();
      inFlight.open(key, () => {
        if (open === maxOpen || overdue.delete(seq)) status.refresh();
        open--;
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
      for (const seq of inbox.unacked()) {
        if (closed) return;
        emit(seq, decode(inbox.read(seq)));
        status.count('replayed');
      }
    };
    const timer = setTimeout(replay, 0);

    // A message no node has finished with for too long is named once, with the node that has
    // it: a user's node that keeps messages (and never calls done) shows up here.
    const reportOverdue = (): void => {
      for (const u of inFlight.overdue(prefix, stuckMs)) {
        const seq = Number(u.key.slice(prefix.length));
        overdue.add(seq);
        let topic = '';
        try {
          topic = decode(inbox.read(seq)).topic;
        } catch {
          // the topic only helps the reader; the report goes out without it
        }
        const where = u.where ? `"${u.where.name ?? u.where.id}" (${u.where.type}, ${u.where.id})` : RED._('wis2-mqtt-in.warn.nowhere');
        node.warn(RED._('wis2-mqtt-in.warn.unfinished', { seq, topic, seconds: Math.round(u.ageMs / 1000), node: where }));
        status.refresh();
      }
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
