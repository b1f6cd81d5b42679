/** The WIS2 dataset config node as the other nodes see it. */
import type { Node, NodeAPI, NodeDef } from 'node-red';
import type { Dataset, DatasetConfig } from '../lib/dataset';
import type { Announcements } from '../lib/publish/announce';
import type { ErrorDetail } from '../lib/core/errors';
import type { CheckMode } from '../lib/feedback/href-check';

export interface DatasetNodeDef extends NodeDef {
  /** version of this configuration's shape (see nodes/wis2-dataset/migrations.ts) */
  version?: number;
  centreId: string;
  topic: string;
  metadataId: string;
  dataPolicy: string;
  baseUrl: string;
  dataIdTemplate: string;
  pathPattern: string;
  cache: boolean | string;
  schemes: string;
  integrity: string;
  /** remember what was announced (duplicates are dropped, changed files become updates) */
  memory?: boolean | string;
  /** most files remembered; empty: the memory's default */
  memorySize?: string | number;
  /** days a file is remembered; empty: the memory's default */
  memoryDays?: string | number;
  /** what is checked of each announced file before it is published: off, head or download */
  check?: string;
  /** how many times a file not served yet is asked again; empty: 5 */
  checkRetries?: string | number;
}

/** The config node as other nodes see it: either a resolved dataset or why there is none. */
export interface DatasetNode extends Node {
  dataset?: Dataset;
  configError?: ErrorDetail;
  /** what was announced for this dataset, when the dataset remembers it */
  announcements?: () => Announcements | undefined;
  /** why the dataset's metadata record is missing from this runtime, for a status; undefined when it is not */
  metadataNotice?: () => string | undefined;
  /** calls back when the notice changes; returns what stops it */
  onMetadataNotice?: (listener: () => void) => () => void;
  /** the check before publishing; mode off when the dataset asks for none */
  check?: { mode: CheckMode; retries: number };
}

export function datasetConfigFrom(def: DatasetNodeDef): DatasetConfig {
  return {
    centreId: def.centreId,
    topic: def.topic,
    metadataId: def.metadataId,
    dataPolicy: def.dataPolicy,
    baseUrl: def.baseUrl,
    dataIdTemplate: def.dataIdTemplate,
    pathPattern: def.pathPattern,
    // ${ENV} values arrive as strings
    cache: def.cache !== false && def.cache !== 'false',
    schemes: (def.schemes || 'https')
      .split(/[\s,]+/)
      .filter((s) => s !== ''),
    integrity: def.integrity === 'required' ? 'required' : 'optional',
  };
}

/**
 * A message that carried a notification ends without it being published (a dead letter, say):
 * its file no longer counts as on its way, so a corrected copy is announced rather than dropped.
 */
export function releaseAnnouncement(RED: NodeAPI, wis2: unknown): void {
  if (typeof wis2 !== 'object' || wis2 === null) return;
  const { dataset, dataId, fingerprint } = wis2 as Record<string, unknown>;
  if (typeof dataset !== 'string' || typeof dataId !== 'string' || typeof fingerprint !== 'string') return;
  (RED.nodes.getNode(dataset) as DatasetNode | null)?.announcements?.()?.release(dataId, fingerprint);
}

/**
 * The `dataset` label of the metrics: the config node's name, else its metadata id, else its id.
 * One per configured dataset, so the label set stays as small as the flows.
 */
export function datasetLabel(node: DatasetNode | null): string {
  return node?.name || node?.dataset?.metadataId || node?.id || 'unknown';
}

/**
 * The `dataset` metric label of a message's notification: the dataset it was built for, or
 * the record a metadata notification announces.
 */
export function messageDatasetLabel(RED: NodeAPI, wis2: unknown, fallback?: DatasetNode | null): string {
  if (typeof wis2 === 'object' && wis2 !== null) {
    const { dataset, metadataId } = wis2 as Record<string, unknown>;
    if (typeof metadataId === 'string' && metadataId !== '') return metadataId;
    if (typeof dataset === 'string') {
      const node = RED.nodes.getNode(dataset) as DatasetNode | null;
      if (node) return datasetLabel(node);
    }
  }
  return datasetLabel(fallback ?? null);
}
