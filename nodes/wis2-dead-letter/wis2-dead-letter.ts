import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import type { BrokerNode } from '../common/broker-node';
import { releaseAnnouncement } from '../common/dataset-node';
import { ACK_PROPERTY, detached } from '../common/settle';
import { StatusCounter } from '../common/status';
import { deadLetter, deadLetterSummary, fileOf } from '../lib/publish/dead-letter';
import { pipelineMetrics, recordProblem, type Problem } from '../common/pipeline-metrics';
import type { Outbox } from '../lib/reliability/outbox';
import { migrateConfig } from '../common/migrations';
import { migrations } from './migrations';

interface DeadLetterDef extends NodeDef {
  topic: string;
  broker: string;
}

interface OutMessage extends NodeMessageInFlow {
  qos?: number;
  retain?: boolean;
  deadLetter?: unknown;
  summary?: string;
  wis2?: unknown;
  outbox?: { seq: number };
  [ACK_PROPERTY]?: unknown;
}

export = function register(RED: NodeAPI): void {
  function Wis2DeadLetterNode(this: Node, saved: DeadLetterDef): void {
    RED.nodes.createNode(this, saved);
    const def = migrateConfig(RED, this, saved, migrations);
    const node = this;
    const topic = (def.topic || '').trim();
    const status = new StatusCounter(node, ['letters'] as const, (c) => ({
      fill: 'yellow',
      shape: 'dot',
      text: RED._('wis2-dead-letter.status.count', { count: c.letters }),
    }));
    const broker = def.broker ? (RED.nodes.getNode(def.broker) as BrokerNode | null) : null;
    let outbox: Outbox | undefined;
    let setupError: string | undefined;
    if (def.broker) {
      if (!broker || broker.configError) setupError = broker?.configError ?? RED._('wis2-dead-letter.error.noBroker');
      else if (!topic || /[+#]/.test(topic) || topic.includes('\u0000')) setupError = RED._('wis2-dead-letter.error.topic');
      else {
        try {
          broker.use(node, () => undefined);
          outbox = broker.outbox();
        } catch (err) {
          setupError = (err as Error).message;
        }
      }
    }
    if (setupError) {
      node.error(setupError);
      status.show({ fill: 'red', shape: 'ring', text: 'wis2-dead-letter.status.configError' });
    }

    this.on('input', (msg: OutMessage, send, done) => {
      try {
        if (setupError) throw new Error(setupError);
        const record = deadLetter(msg);
        const file = fileOf(msg);
        const bytes = Buffer.from(JSON.stringify(record), 'utf8');
        // queued durably before the message counts as handled: a dead letter is not lost either
        if (outbox) msg.outbox = { seq: outbox.enqueue({ topic, payload: bytes, qos: 1, retain: false }) };
        releaseAnnouncement(RED, msg.wis2);
        msg.summary = deadLetterSummary(record, msg);
        msg.deadLetter = record;
        msg.payload = bytes;
        if (topic) msg.topic = topic;
        msg.qos = 1;
        msg.retain = false;
        pipelineMetrics.deadLetters.inc({ topic: topic || 'none' });
        const problem: Problem = { time: record.time, kind: 'dead-letter', code: record.reason.code, message: record.reason.message };
        if (file !== undefined) problem.file = file;
        if (topic) problem.where = topic;
        recordProblem(problem);
        send(outbox ? detached(msg) : msg);
        status.count('letters');
        done();
      } catch (err) {
        done(err instanceof Error ? err : new Error(String(err)));
      }
    });
    this.on('close', (done: () => void) => {
      status.stop();
      if (broker && outbox) broker.release(node).then(done, done);
      else done();
    });
  }
  RED.nodes.registerType('wis2-dead-letter', Wis2DeadLetterNode);
};
