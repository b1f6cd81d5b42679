import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import type { DatasetNode } from '../common/dataset-node';
import { rejectMessage } from '../common/reject';
import { StatusCounter } from '../common/status';
import { Wis2Error } from '../lib/errors';
import { preparePublication } from '../lib/publish';

interface PublishDef extends NodeDef {
  dataset: string;
}

interface PublishMessage extends NodeMessageInFlow {
  qos?: number;
  retain?: boolean;
  contentType?: string;
}

export = function register(RED: NodeAPI): void {
  function Wis2PublishNode(this: Node, def: PublishDef): void {
    RED.nodes.createNode(this, def);
    const datasetNode = def.dataset ? (RED.nodes.getNode(def.dataset) as DatasetNode | null) : null;
    const status = new StatusCounter(this, ['ready', 'rejected'] as const, (c, last) => ({
      fill: last === 'ready' ? 'green' : 'red',
      shape: 'dot',
      text: RED._('wis2-publish.status.counts', { ready: c.ready, rejected: c.rejected }),
    }));
    const configError = def.dataset && !datasetNode?.dataset
      ? (datasetNode?.configError ?? new Wis2Error('config', 'config.no_dataset', 'the WIS2 dataset of this node is missing', '/dataset').toJSON())
      : undefined;
    if (configError) status.show({ fill: 'red', shape: 'ring', text: 'wis2-publish.status.configError' });

    this.on('input', (msg: PublishMessage, send, done) => {
      if (configError) {
        send([null, rejectMessage(msg, configError)]);
        status.count('rejected');
        done();
        return;
      }
      try {
        const dataset = datasetNode?.dataset;
        const topic = typeof msg.topic === 'string' && msg.topic !== '' ? msg.topic : dataset?.topic;
        const p = preparePublication(msg.payload, topic, dataset);
        msg.topic = p.topic;
        msg.payload = p.payload;
        msg.qos = p.qos;
        msg.retain = p.retain;
        msg.contentType = p.contentType;
        send([msg, null]);
        status.count('ready');
        done();
      } catch (err) {
        if (!(err instanceof Wis2Error)) {
          done(err instanceof Error ? err : new Error(String(err)));
          return;
        }
        send([null, rejectMessage(msg, err.toJSON())]);
        status.count('rejected');
        done();
      }
    });
    this.on('close', () => { status.stop(); });
  }
  RED.nodes.registerType('wis2-publish', Wis2PublishNode);
};
