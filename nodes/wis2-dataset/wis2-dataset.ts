import type { NodeAPI } from 'node-red';
import { announcedMetadata, metadataGraceMs } from '../common/announced-metadata';
import { datasetConfigFrom, type DatasetNode, type DatasetNodeDef } from '../common/dataset-node';
import { wholeNumber } from '../lib/core/numbers';
import { stateDir } from '../common/state';
import { Announcements } from '../lib/publish/announce';
import { resolveDataset } from '../lib/dataset';
import { describeError } from '../lib/core/errors';
import { checkModeOf } from '../lib/feedback/href-check';
import { AnnouncementMemory } from '../lib/reliability/memory';
import { RANK, runtimeTurn } from '../lib/reliability/turn-writes';
import { migrations } from './migrations';
import { migrateConfig } from '../common/migrations';

export = function register(RED: NodeAPI): void {
  function Wis2DatasetNode(this: DatasetNode, saved: DatasetNodeDef): void {
    RED.nodes.createNode(this, saved);
    const node = this;
    const def = migrateConfig(RED, node, saved, migrations);
    // empty (an unset ${VARIABLE}) is the default, off; anything else unknown is said
    if (def.check !== undefined && def.check !== '' && def.check !== checkModeOf(def.check)) {
      node.warn(RED._('wis2-dataset.error.check', { value: def.check }));
    }
    node.check = { mode: checkModeOf(def.check), retries: wholeNumber(def.checkRetries, 0) ?? 5 };
    try {
      node.dataset = resolveDataset(datasetConfigFrom(def));
      for (const warning of node.dataset.warnings) node.warn(warning);
    } catch (err) {
      // Config nodes sit on no tab, so this is logged; the nodes using the dataset reject
      // each message with the same error, where Catch nodes and outputs can see it.
      node.configError = describeError(err, 'config');
      node.error(RED._('wis2-dataset.error.invalid', { message: node.configError.message }));
    }

    const remember = def.memory !== false && def.memory !== 'false';
    let memory: AnnouncementMemory | undefined;
    let announcements: Announcements | undefined;
    node.announcements = () => {
      if (!remember) return undefined;
      if (!announcements) {
        try {
          const size = wholeNumber(def.memorySize, 1);
          const days = wholeNumber(def.memoryDays, 1);
          memory = AnnouncementMemory.open({
            file: stateDir(RED, 'memory', `${node.id}.jsonl`),
            // data_id and fingerprint are read back only for a file announced before (a duplicate
            // or an update): kept in the file, they cost a read then, and spare some 280 bytes
            // of heap per file that every new file would otherwise carry into the old generation
            keepOnDisk: true,
            turn: runtimeTurn,
            rank: RANK.memory,
            onDeferredError: (err) => { node.warn(RED._('wis2-dataset.error.memory', { message: err.message })); },
            ...(size === undefined ? {} : { maxEntries: size }),
            ...(days === undefined ? {} : { maxAgeMs: days * 24 * 3600 * 1000 }),
          });
        } catch (err) {
          node.warn(RED._('wis2-dataset.error.memory', { message: (err as Error).message }));
        }
        announcements = new Announcements(memory);
      }
      return announcements;
    };
    const stopWatching = watchMetadata(node);
    node.on('close', () => {
      stopWatching();
      memory?.close();
      memory = undefined;
      announcements = undefined;
    });
  }

  /**
   * Says, once a deploy had time to announce it, when no metadata flow of this runtime announces
   * the dataset's record, and again when one does. Returns what stops watching.
   */
  function watchMetadata(node: DatasetNode): () => void {
    const metadataId = node.dataset?.metadataId;
    if (!metadataId) return () => undefined;
    const graceMs = metadataGraceMs();
    let graceOver = false;
    let missing = false;
    const check = (): void => {
      if (!graceOver || missing === !announcedMetadata.has(metadataId)) return;
      missing = !missing;
      if (missing) node.warn(RED._('wis2-dataset.warn.noMetadata', { metadataId, seconds: Math.round(graceMs / 1000) }));
      else node.log(RED._('wis2-dataset.log.metadataAnnounced', { metadataId }));
      for (const listener of listeners) listener();
    };
    const listeners = new Set<() => void>();
    node.onMetadataNotice = (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    };
    node.metadataNotice = () => (missing ? RED._('wis2-dataset.status.noMetadata', { metadataId }) : undefined);
    const unwatch = announcedMetadata.watch(check);
    const timer = setTimeout(() => {
      graceOver = true;
      check();
    }, graceMs);
    return () => {
      clearTimeout(timer);
      unwatch();
    };
  }
  RED.nodes.registerType('wis2-dataset', Wis2DatasetNode);
};
