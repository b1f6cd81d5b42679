import type { DatasetNodeDef } from '../common/dataset-node';

/**
 * The shapes a WIS2 dataset configuration has had. Flows saved with an older shape keep working:
 * each step brings a configuration one version up, and the runtime applies them in turn.
 */
export const DATASET_VERSION = 1;

type Step = (def: DatasetNodeDef) => DatasetNodeDef;

const STEPS: Partial<Record<number, Step>> = {
  // 1: the check before publishing; flows made before it publish without checking, as they did
  0: (def) => ({ ...def, version: 1, check: def.check ?? 'off', checkRetries: def.checkRetries ?? '' }),
};

export function migrateDataset(def: DatasetNodeDef): DatasetNodeDef {
  let out = def;
  for (let v = Number(out.version) || 0; v < DATASET_VERSION; v++) {
    const step = STEPS[v];
    if (!step) break;
    out = step(out);
  }
  return out;
}
