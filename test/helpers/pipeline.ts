import { helper, wis2Nodes, onTab, datasetConfig, Recorder } from './nodes';
import { ARGO } from './fixtures';

/**
 * The data pipeline without its brokers: CloudEvent to WNM, then WIS2 publish, each refusing into
 * a dead letter. What leaves is recorded on `out` (notifications) and `letters` (dead letters).
 */
export async function startPipeline(publishDataset = 'ds'): Promise<Recorder> {
  await helper.load(wis2Nodes, onTab([
    datasetConfig('ds', ARGO),
    { id: 'conv', type: 'wis2-cloudevent-to-wnm', dataset: 'ds', wires: [['pub'], ['dl']] },
    { id: 'pub', type: 'wis2-publish', dataset: publishDataset, wires: [['out'], ['dl']] },
    { id: 'dl', type: 'wis2-dead-letter', topic: 'wis2/rejected/test', wires: [['letters']] },
    { id: 'out', type: 'helper' },
    { id: 'letters', type: 'helper' },
  ]));
  return new Recorder(['out', 'letters']);
}
