import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import type { BrokerConnectionState, BrokerNode } from '../common/broker-node';
import type { DatasetNode } from '../common/dataset-node';
import { counter } from '../common/metrics';
import { publishedLookups } from '../common/published';
import { rejectMessage } from '../common/reject';
import { StatusCounter } from '../common/status';
import { describeError } from '../lib/core/errors';
import { linkEvent, MonitorCounts, readMonitorEvent, type PublishedLookup } from '../lib/feedback/monitor';
import { topicMatches } from '../lib/publish/mqtt-topic';
import { migrateConfig } from '../common/migrations';
import { migrations } from './migrations';

interface MonitorDef extends NodeDef {
  broker: string;
  dataset: string;
  /** empty: the dataset's centre id */
  centreId?: string;
}

/** What the node exposes to the sidebar and the metrics. */
interface MonitorNode extends Node {
  counts?: MonitorCounts;
}

export = function register(RED: NodeAPI): void {
  function Wis2MonitorNode(this: MonitorNode, saved: MonitorDef): void {
    RED.nodes.createNode(this, saved);
    const def = migrateConfig(RED, this, saved, migrations);
    const node = this;
    const broker = RED.nodes.getNode(def.broker) as BrokerNode | null;
    const dataset = RED.nodes.getNode(def.dataset) as DatasetNode | null;
    const centreId = (def.centreId ?? '').trim() || dataset?.dataset?.centreId || '';
    const counts = new MonitorCounts();
    const events = counter('wis2_monitor_events_total', 'WIS2 Monitoring Events read about our centre, by severity and kind', ['severity', 'kind'] as const);
    node.counts = counts;
    let connection: BrokerConnectionState = { connected: false };
    const status = new StatusCounter(node, ['events', 'errors', 'rejected'] as const, (c) => ({
      fill: !connection.connected ? 'red' : c.errors > 0 ? 'yellow' : 'green',
      shape: connection.connected ? 'dot' : 'ring',
      text: RED._('wis2-monitor.status.counts', { events: c.events, errors: c.errors, rejected: c.rejected, linked: counts.linked }),
    }));
    if (!broker || broker.configError || !/^[a-z0-9][a-z0-9_-]*$/.test(centreId)) {
      status.show({ fill: 'red', shape: 'ring', text: 'wis2-monitor.status.configError' });
      node.error(!broker ? RED._('wis2-monitor.error.noBroker') : (broker.configError ?? RED._('wis2-monitor.error.centre')));
      return;
    }
    const topic = `monitor/a/wis2/${centreId}`;

    // What we published: the tracker's notifications (by id and data_id), else the dataset's
    // announcement memory (data_id only).
    const memoryLookup: PublishedLookup = {
      byId: () => undefined,
      byDataId: (dataId) => (dataset?.announcements?.()?.known(dataId) ? {} : undefined),
    };

    const onMessage = (t: string, payload: Buffer): void => {
      if (!topicMatches(topic, t)) return;
      const msg: NodeMessage & Record<string, unknown> = { topic: t, payload };
      try {
        const event = readMonitorEvent(payload, t);
        const link = linkEvent(event.quoted, [...publishedLookups(def.dataset), memoryLookup]);
        counts.event(event, link);
        events.inc({ severity: event.severity, kind: event.kind });
        const out: Record<string, unknown> = { severity: event.severity, kind: event.kind, centre: event.centre, subject: event.subject, reason: event.reason, type: event.type, id: event.id };
        if (event.subtype !== undefined) out.subtype = event.subtype;
        if (event.time !== undefined) out.time = event.time;
        if (link.ourNotification !== undefined) out.ourNotification = link.ourNotification;
        if (link.dataId !== undefined) out.dataId = link.dataId;
        else if (event.quoted.dataId !== undefined) out.quotedDataId = event.quoted.dataId;
        if (link.linkedBy !== undefined) out.linkedBy = link.linkedBy;
        msg.payload = out;
        msg.wme = payload;
        node.send([msg, null]);
        status.count('events');
        if (counts.errors() !== status.get('errors')) status.count('errors', counts.errors() - status.get('errors'));
      } catch (err) {
        const error = describeError(err, 'monitor');
        counts.reject(error.code);
        node.send([null, rejectMessage(msg, error)]);
        status.count('rejected');
      }
    };

    const client = broker.use(node, (state) => {
      connection = state;
      status.refresh();
    });
    client.on('message', onMessage);
    const subscribe = (): void => {
      client.subscribe(topic, { qos: 1 }, (err) => {
        if (err) node.error(RED._('wis2-monitor.error.subscribe', { topic, message: err.message }));
        else node.log(RED._('wis2-monitor.log.subscribed', { topic }));
      });
    };
    client.on('connect', subscribe);
    if (client.connected) subscribe();
    status.refresh();

    node.on('close', (done: () => void) => {
      status.stop();
      client.removeListener('message', onMessage);
      client.removeListener('connect', subscribe);
      broker.release(node).then(done, done);
    });
  }
  RED.nodes.registerType('wis2-monitor', Wis2MonitorNode);
};
