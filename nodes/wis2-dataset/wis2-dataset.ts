import type { NodeAPI } from 'node-red';
import { datasetConfigFrom, type DatasetNode, type DatasetNodeDef } from '../common/dataset-node';
import { resolveDataset } from '../lib/dataset';
import { describeError } from '../lib/errors';

export = function register(RED: NodeAPI): void {
  function Wis2DatasetNode(this: DatasetNode, def: DatasetNodeDef): void {
    RED.nodes.createNode(this, def);
    try {
      this.dataset = resolveDataset(datasetConfigFrom(def));
      for (const warning of this.dataset.warnings) this.warn(warning);
    } catch (err) {
      // Config nodes sit on no tab, so this is logged; the nodes using the dataset reject
      // each message with the same error, where Catch nodes and outputs can see it.
      this.configError = describeError(err, 'config');
      this.error(RED._('wis2-dataset.error.invalid', { message: this.configError.message }));
    }
  }
  RED.nodes.registerType('wis2-dataset', Wis2DatasetNode);
};
