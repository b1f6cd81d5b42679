import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import type { BrokerConnectionState, BrokerNode } from '../common/broker-node';
import { messageDatasetLabel, type DatasetNode } from '../common/dataset-node';
import type { Wis2MessageInfo } from '../common/messages';
import { UNKNOWN, countPublished, countRejected, pipelineMetrics, type Publication } from '../common/pipeline-metrics';
import { rejectMessage } from '../common/reject';
import { ACK_PROPERTY, detached } from '../common/settle';
import { LogLimiter } from '../common/log-limiter';
import { StatusCounter } from '../common/status';
import { Wis2Error } from '../lib/errors';
import { JournalFullError } from '../lib/journal';
import type { Outbox, OutboxRecord } from '../lib/outbox';
import { preparePublication } from '../lib/publish';

interface PublishDef extends NodeDef {
  dataset: string;
  broker: string;
}

interface PublishMessage extends NodeMessageInFlow {
  qos?: number;
  retain?: boolean;
  contentType?: string;
  wis2?: Wis2MessageInfo;
  outbox?: { seq: number };
  [ACK_PROPERTY]?: unknown;
}

/** notifications awaiting the broker's answer that a refusal can still be traced back to */
const MAX_TRACKED = 100_000;

/** What a PUBACK counts: a data notification, or a metadata one (which has its own metric). */
type Counted = { publication: Publication; metadataId?: string };

function count(c: Counted): void {
  if (c.metadataId !== undefined) pipelineMetrics.metadataAnnounced.inc({ metadata_id: c.metadataId, rel: c.publication.rel });
  else countPublished(c.publication);
}

export = function register(RED: NodeAPI): void {
  function Wis2PublishNode(this: Node, def: PublishDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const datasetNode = def.dataset ? (RED.nodes.getNode(def.dataset) as DatasetNode | null) : null;
    const broker = def.broker ? (RED.nodes.getNode(def.broker) as BrokerNode | null) : null;
    let connection: BrokerConnectionState = { connected: false };
    let outbox: Outbox | undefined;
    // What this node queued, until the broker answers. Its status counts these only: the broker's
    // outbox also carries other nodes' notifications (metadata, other datasets, dead letters),
    // whose totals the broker node reports. A refusal (MQTT 5 reason code) comes after the
    // message has left, so it leaves again on the reject output, as a new message; past
    // MAX_TRACKED a message's dataset is no longer kept, so its refusal withdraws no announcement.
    const queued = new Map<number, { wis2: Wis2MessageInfo | undefined; counted: Counted }>();

    const status = new StatusCounter(node, ['ready', 'sent', 'rejected', 'warned'] as const, (c, last) => {
      const warned = c.warned > 0 ? RED._('wis2-publish.status.warned', { warned: c.warned }) : '';
      if (!outbox) {
        return {
          fill: last === 'rejected' ? 'red' : last === 'warned' ? 'yellow' : 'green',
          shape: 'dot',
          text: RED._('wis2-publish.status.counts', { ready: c.ready, rejected: c.rejected }) + warned,
        };
      }
      return {
        fill: connection.connected ? (queued.size > 0 || last === 'warned' ? 'yellow' : 'green') : 'red',
        shape: connection.connected ? 'dot' : 'ring',
        text: RED._(connection.connected ? 'wis2-publish.status.connected' : 'wis2-publish.status.disconnected', {
          queued: queued.size,
          sent: c.sent,
          rejected: c.rejected,
        }) + warned,
      };
    });
    // what the last check repaired or found missing is said in the log too, a line per kind a minute
    const warnings = new LogLimiter(
      (text) => { node.warn(text); },
      (count, last) => RED._('wis2-publish.log.warningsMore', { count, last }),
    );

    let configError = def.dataset && !datasetNode?.dataset
      ? (datasetNode?.configError ?? new Wis2Error('config', 'config.no_dataset', 'the WIS2 dataset of this node is missing', '/dataset').toJSON())
      : undefined;
    if (def.broker && (!broker || broker.configError)) {
      configError = new Wis2Error('config', 'config.broker', broker?.configError ?? 'the WIS2 broker of this node is missing', '/broker').toJSON();
    }
    if (datasetNode?.dataset) {
      // every relation shows from the start, at 0: rates and alerts see the first publication
      const dataset = messageDatasetLabel(RED, undefined, datasetNode);
      for (const rel of ['canonical', 'update', 'deletion']) pipelineMetrics.published.inc({ dataset, rel }, 0);
    }
    const counted = (msg: PublishMessage): Counted => {
      const info = msg.wis2 as (Partial<Wis2MessageInfo> & { metadataId?: unknown }) | undefined;
      const publication: Publication = { dataset: messageDatasetLabel(RED, info, datasetNode), rel: info?.operation ?? UNKNOWN };
      if (info?.receivedAt !== undefined) publication.receivedAt = info.receivedAt;
      if (info?.eventTime !== undefined) publication.eventTime = info.eventTime;
      return typeof info?.metadataId === 'string' ? { publication, metadataId: info.metadataId } : { publication };
    };
    const onSent = (seq: number): void => {
      const q = queued.get(seq);
      if (!q) return;
      queued.delete(seq);
      count(q.counted);
      status.count('sent');
    };
    const onRefused = (seq: number, record: OutboxRecord, error: Error & { code?: number }): void => {
      const q = queued.get(seq);
      if (!q) return;
      const wis2 = q.wis2;
      queued.delete(seq);
      const reason = `${error.message}${typeof error.code === 'number' ? ` (reason code ${error.code})` : ''}`;
      const msg: PublishMessage = { _msgid: RED.util.generateId(), topic: record.topic, payload: record.payload };
      if (wis2) {
        msg.wis2 = wis2;
        (RED.nodes.getNode(wis2.dataset) as DatasetNode | null)?.announcements?.()?.withdraw(wis2.dataId, wis2.fingerprint);
      }
      const refusal = new Wis2Error('publish', 'publish.refused', `the broker refused the notification: ${reason}`).toJSON();
      node.send([null, rejectMessage(msg, refusal)]);
      countRejected(q.counted.publication.dataset, refusal);
      status.count('rejected');
    };
    if (configError) {
      status.show({ fill: 'red', shape: 'ring', text: 'wis2-publish.status.configError' });
    } else if (broker) {
      try {
        broker.use(node, (state) => {
          connection = state;
          status.refresh();
        });
        outbox = broker.outbox();
        outbox.on('sent', onSent);
        outbox.on('refused', onRefused);
        status.refresh();
      } catch (err) {
        configError = new Wis2Error('config', 'config.outbox', `the outbox cannot be opened: ${(err as Error).message}`, '/broker').toJSON();
        status.show({ fill: 'red', shape: 'ring', text: 'wis2-publish.status.configError' });
      }
    }

    this.on('input', (msg: PublishMessage, send, done) => {
      if (configError) {
        send([null, rejectMessage(msg, configError)]);
        countRejected(messageDatasetLabel(RED, msg.wis2, datasetNode), configError);
        status.count('rejected');
        done();
        return;
      }
      const announcements = msg.wis2 ? (RED.nodes.getNode(msg.wis2.dataset) as DatasetNode | null)?.announcements?.() : undefined;
      try {
        const dataset = datasetNode?.dataset;
        const topic = typeof msg.topic === 'string' && msg.topic !== '' ? msg.topic : dataset?.topic;
        const p = preparePublication(msg.payload, topic, dataset);
        if (outbox) {
          try {
            const seq = outbox.enqueue({ topic: p.topic, payload: p.payload, qos: p.qos, retain: p.retain, contentType: p.contentType });
            queued.set(seq, { wis2: queued.size < MAX_TRACKED ? msg.wis2 : undefined, counted: counted(msg) });
            msg.outbox = { seq };
          } catch (err) {
            if (err instanceof JournalFullError) throw new Wis2Error('publish', 'publish.outbox_full', err.message);
            throw err;
          }
        }
        // From here the notification cannot be lost: remember it. The copy ends with done() below,
        // and what goes on from an outbox no longer holds the input back (without one, the node
        // that publishes it, an mqtt out, ends it).
        if (msg.wis2) announcements?.confirm(msg.wis2.dataId, msg.wis2.fingerprint, msg.wis2.operation);
        if (p.warnings.length > 0) {
          for (const w of p.warnings) warnings.report(w.code, RED._('wis2-publish.log.warning', { code: w.code, path: w.path, message: w.message, topic: p.topic }));
          if (msg.wis2) {
            // msg.wis2 may come from a flow of the user's, without warnings
            const earlier: unknown = msg.wis2.warnings;
            msg.wis2 = { ...msg.wis2, warnings: [...(Array.isArray(earlier) ? (earlier as Wis2MessageInfo['warnings']) : []), ...p.warnings] };
          }
        }
        msg.topic = p.topic;
        msg.payload = p.payload;
        msg.qos = p.qos;
        msg.retain = p.retain;
        msg.contentType = p.contentType;
        // without an outbox no acknowledgement comes back here: handing it on is publishing it
        if (!outbox) count(counted(msg));
        send([outbox ? detached(msg) : msg, null]);
        status.count('ready');
        if (p.warnings.length > 0) status.count('warned');
        done();
      } catch (err) {
        if (msg.wis2) announcements?.release(msg.wis2.dataId, msg.wis2.fingerprint);
        if (!(err instanceof Wis2Error)) {
          done(err instanceof Error ? err : new Error(String(err)));
          return;
        }
        const error = err.toJSON();
        send([null, rejectMessage(msg, error)]);
        countRejected(messageDatasetLabel(RED, msg.wis2, datasetNode), error);
        status.count('rejected');
        done();
      }
    });
    this.on('close', (done: () => void) => {
      status.stop();
      warnings.flush();
      outbox?.removeListener('sent', onSent);
      outbox?.removeListener('refused', onRefused);
      queued.clear();
      if (broker) broker.release(node).then(done, done);
      else done();
    });
  }
  RED.nodes.registerType('wis2-publish', Wis2PublishNode);
};
