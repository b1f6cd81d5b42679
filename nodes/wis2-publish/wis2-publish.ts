import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import type { BrokerNode } from '../common/broker-node';
import { datasetLabel, messageDatasetLabel, type DatasetNode } from '../common/dataset-node';
import type { Wis2MessageInfo } from '../common/messages';
import { countPublished, countRejected, pipelineMetrics } from '../common/pipeline-metrics';
import { onOutput, reject, rejectMessage, rejectOrFail, type RejectPort } from '../common/reject';
import { ACK_PROPERTY, detached } from '../common/settle';
import { LogLimiter } from '../common/log-limiter';
import { queuedForReadBack } from '../common/published';
import { counter } from '../common/metrics';
import { StatusCounter } from '../common/status';
import { PublishController, type Counted, type PublishEnds, type PublishHost } from '../lib/publish/publish-controller';
import { migrateConfig } from '../common/migrations';
import { migrations } from './migrations';

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

const REJECT: RejectPort = { outputs: 2, index: 1 };

function count(c: Counted): void {
  if (c.metadataId !== undefined) pipelineMetrics.metadataAnnounced.inc({ metadata_id: c.metadataId, rel: c.publication.rel });
  else countPublished(c.publication);
}

/** The log lines, metrics and outputs of a publisher, as Node-RED gives them. */
function host(RED: NodeAPI, node: Node, datasetNode: DatasetNode | null, status: StatusCounter<'ready' | 'sent' | 'rejected' | 'warned'>): PublishHost<PublishMessage, DatasetNode> & { flush(): void } {
  // what the last check repaired or found missing is said in the log too, a line per kind a minute
  const warnings = new LogLimiter(
    (text) => { node.warn(text); },
    (count, last) => RED._('wis2-publish.log.warningsMore', { count, last }),
  );
  const retryLog = new LogLimiter(
    (text) => { node.log(text); },
    (count, last) => RED._('wis2-publish.log.retryMore', { count, last }),
  );
  const checkFailures = counter(
    'wis2_download_check_failed_total',
    'Announced files the check before publishing refused, by dataset and reason code',
    ['dataset', 'code'],
  );
  // read once: Node-RED keeps a node's wires as it was deployed with them, a rewired flow is a new node
  const forwarding = ((node as Node & { wires?: unknown[][] }).wires?.[0]?.length ?? 1) > 0;
  return {
    datasetOf: (id) => RED.nodes.getNode(id),
    label: (wis2) => messageDatasetLabel(RED, wis2, datasetNode),
    datasetLabel,
    newId: () => RED.util.generateId(),
    detached,
    forwards: () => forwarding,
    refused: (msg, error) => { node.send(onOutput(REJECT, rejectMessage(msg, error))); },
    reject: (msg, error, ends, counted) => { reject(msg, error, REJECT, ends as PublishEnds<NodeMessage>, counted); },
    rejectOrFail: (msg, err, ends, counted) => { rejectOrFail(msg, err, REJECT, ends as PublishEnds<NodeMessage>, counted); },
    published: count,
    queued: (p) => { queuedForReadBack(p.topic, p.payload, p.message); },
    countRejected,
    publishedAtZero: (rels) => {
      const dataset = messageDatasetLabel(RED, undefined, datasetNode);
      for (const rel of rels) pipelineMetrics.published.inc({ dataset, rel }, 0);
    },
    count: (kind) => { status.count(kind); },
    refresh: () => { status.refresh(); },
    showConfigError: () => { status.show({ fill: 'red', shape: 'ring', text: 'wis2-publish.status.configError' }); },
    warning: (w, topic) => { warnings.report(w.code, RED._('wis2-publish.log.warning', { code: w.code, path: w.path, message: w.message, topic })); },
    retry: (href, reason, attempt, seconds) => { retryLog.report('retry', RED._('wis2-publish.log.retry', { href, reason, attempt, seconds })); },
    checkFailed: (dataset, err) => {
      checkFailures.inc({ dataset, code: err.code });
      node.warn(RED._('wis2-publish.log.checkFailed', { code: err.code, message: err.message, dataset }));
    },
    flush: () => {
      retryLog.flush();
      status.stop();
      warnings.flush();
    },
  };
}

export = function register(RED: NodeAPI): void {
  function Wis2PublishNode(this: Node, saved: PublishDef): void {
    RED.nodes.createNode(this, saved);
    const def = migrateConfig(RED, this, saved, migrations);
    const node = this;
    const datasetNode = def.dataset ? (RED.nodes.getNode(def.dataset) as DatasetNode | null) : null;
    const broker = def.broker ? (RED.nodes.getNode(def.broker) as BrokerNode | null) : null;
    const status = new StatusCounter(node, ['ready', 'sent', 'rejected', 'warned'] as const, (c, last) => {
      const warned = (c.warned > 0 ? RED._('wis2-publish.status.warned', { warned: c.warned }) : '')
        + (publisher.checkingCount > 0 ? RED._('wis2-publish.status.checking', { checking: publisher.checkingCount }) : '');
      if (!publisher.outbox) {
        return {
          fill: last === 'rejected' ? 'red' : last === 'warned' ? 'yellow' : 'green',
          shape: 'dot',
          text: RED._('wis2-publish.status.counts', { ready: c.ready, rejected: c.rejected }) + warned,
        };
      }
      const connected = publisher.connected;
      return {
        fill: connected ? (publisher.queuedCount > 0 || publisher.checkingCount > 0 || last === 'warned' ? 'yellow' : 'green') : 'red',
        shape: connected ? 'dot' : 'ring',
        text: RED._(connected ? 'wis2-publish.status.connected' : 'wis2-publish.status.disconnected', {
          queued: publisher.queuedCount,
          sent: c.sent,
          rejected: c.rejected,
        }) + warned,
      };
    });
    const io = host(RED, node, datasetNode, status);
    const publisher = new PublishController<PublishMessage, DatasetNode>({
      datasetId: def.dataset,
      dataset: datasetNode,
      brokerId: def.broker,
      broker: broker && {
        configError: broker.configError,
        use: (onState) => { broker.use(node, onState); },
        outbox: () => broker.outbox(),
      },
    }, io);
    publisher.start();

    this.on('input', (msg: PublishMessage, send, done) => {
      publisher.input(msg, { send, done });
    });
    this.on('close', (done: () => void) => {
      publisher.abortChecks();
      io.flush();
      publisher.detach();
      if (broker) broker.release(node).then(done, done);
      else done();
    });
  }
  RED.nodes.registerType('wis2-publish', Wis2PublishNode);
};
