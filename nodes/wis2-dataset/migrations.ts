import type { DatasetNodeDef } from '../common/dataset-node';
import type { Migration } from '../common/migrations';

/** The shapes a WIS2 dataset configuration has had: flows saved with an older one keep working. */
export const migrations: readonly Migration<DatasetNodeDef>[] = [
  // the check before publishing: flows made before it publish without checking, as they did
  { version: 1, up: (def) => ({ ...def, check: def.check ?? 'off', checkRetries: def.checkRetries ?? '' }) },
];
