import { UNKNOWN, countRejected } from '../common/pipeline-metrics';
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { announcedMetadata } from '../common/announced-metadata';
import { rejectOrFail, type RejectPort } from '../common/reject';
import { StatusCounter } from '../common/status';
import { Wis2Error } from '../lib/core/errors';
import { ourRecordFromBytes } from '../lib/feedback/gdc-check';
import {
  MetadataMemory,
  buildMetadataNotification,
  checkRecordUrl,
  readMetadataRecord,
  type Requested,
} from '../lib/wnm';
import type { MetadataMessageInfo } from '../common/messages';
import { migrateConfig } from '../common/migrations';
import { migrations } from './migrations';

interface ConverterDef extends NodeDef {
  recordUrl: string;
  store: string;
}

interface InputMessage extends NodeMessageInFlow {
  recordUrl?: unknown;
  operation?: unknown;
}

/** What the node adds to each notification, for the nodes downstream and for logs. */

/** The context key of the memory of announced records. */
const MEMORY_KEY = 'wis2-announced-records';

function requestedOperation(value: unknown): Requested {
  if (value === undefined || value === null || value === '' || value === 'auto') return 'auto';
  if (value === 'deletion') return 'deletion';
  const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : typeof value;
  throw new Wis2Error('wnm', 'metadata.operation', `msg.operation is "deletion" to delete the record, or absent to announce it; not ${shown}`, '/operation');
}

const REJECT: RejectPort = { outputs: 2, index: 1 };

export = function register(RED: NodeAPI): void {
  function WcmpToWnmNode(this: Node, saved: ConverterDef): void {
    RED.nodes.createNode(this, saved);
    const def = migrateConfig(RED, this, saved, migrations);
    const configuredUrl = typeof def.recordUrl === 'string' ? def.recordUrl.trim() : '';
    const store = typeof def.store === 'string' && def.store.trim() !== '' ? def.store.trim() : undefined;
    const status = new StatusCounter(this, ['sent', 'rejected'] as const, (c, last) => ({
      fill: last === 'sent' ? 'green' : 'red',
      shape: 'dot',
      text: RED._('wis2-wcmp-to-wnm.status.counts', { sent: c.sent, rejected: c.rejected }),
    }));
    if (configuredUrl !== '') {
      try {
        checkRecordUrl(configuredUrl, 'config');
      } catch (err) {
        status.show({ fill: 'red', shape: 'ring', text: 'wis2-wcmp-to-wnm.status.configError' });
        this.warn(err instanceof Error ? err.message : String(err));
      }
    }

    const context = this.context();
    let memory: MetadataMemory | undefined;
    const loadMemory = (): Promise<MetadataMemory> => {
      if (memory) return Promise.resolve(memory);
      return new Promise((resolve) => {
        context.get(MEMORY_KEY, store, (err: Error | undefined, value: unknown) => {
          if (err) this.warn(RED._('wis2-wcmp-to-wnm.warn.memoryRead', { error: err.message }));
          memory ??= MetadataMemory.fromJSON(err ? undefined : value);
          resolve(memory);
        });
      });
    };
    const saveMemory = (m: MetadataMemory): Promise<void> =>
      new Promise((resolve) => {
        context.set(MEMORY_KEY, m.toJSON(), store, (err?: Error) => {
          if (err) this.warn(RED._('wis2-wcmp-to-wnm.warn.memoryWrite', { error: err.message }));
          resolve();
        });
      });

    type Send = (m: NodeMessage | (NodeMessage | NodeMessage[] | null)[]) => void;
    const handle = async (msg: InputMessage, send: Send, done: (err?: Error) => void): Promise<void> => {
      try {
        const requested = requestedOperation(msg.operation);
        const fromMessage = msg.recordUrl !== undefined;
        const recordUrl = fromMessage ? msg.recordUrl : configuredUrl;
        const urlWarnings = checkRecordUrl(recordUrl, fromMessage ? 'message' : 'config');
        const url = recordUrl as string;
        const record = readMetadataRecord(msg.payload);
        const ours = ourRecordFromBytes(record.bytes);
        const m = await loadMemory();
        const built = buildMetadataNotification(record, { recordUrl: url, requested, previous: m.get(record.recordId) });
        m.set(record.recordId, built.remember);
        await saveMemory(m);
        const info: MetadataMessageInfo = {
          centreId: record.centreId,
          topic: built.topic,
          dataId: built.dataId,
          metadataId: record.recordId,
          operation: built.operation,
          href: url,
          bytes: built.bytes,
          recordBytes: record.bytes.length,
          digest: record.digest,
          repeat: built.repeat,
          contentHash: ours.contentHash,
          warnings: [...urlWarnings, ...built.warnings],
        };
        if (ours.updated !== undefined) info.updated = ours.updated;
        const out = msg as InputMessage & { wis2?: MetadataMessageInfo };
        out.payload = built.message;
        out.topic = built.topic;
        out.wis2 = info;
        send([out, null]);
        if (built.operation === 'deletion') announcedMetadata.withdraw(this.id, record.recordId);
        else announcedMetadata.announce(this.id, record.recordId);
        status.count('sent');
        done();
      } catch (err) {
        const record = msg.payload as { id?: unknown } | null | undefined;
        rejectOrFail(msg, err, REJECT, { send, done }, (error) => {
          countRejected(typeof record?.id === 'string' ? record.id : UNKNOWN, error);
          status.count('rejected');
        });
      }
    };

    // One message at a time: each announcement reads what the one before it remembered.
    let queue: Promise<void> = Promise.resolve();
    this.on('input', (msg: InputMessage, send, done) => {
      queue = queue.then(() => handle(msg, send, done)).catch((err: unknown) => {
        // handle() settles every message itself; this only keeps the queue alive
        this.error(err instanceof Error ? err.message : String(err));
      });
    });
    this.on('close', () => {
      announcedMetadata.withdraw(this.id);
      status.stop();
    });
  }
  RED.nodes.registerType('wis2-wcmp-to-wnm', WcmpToWnmNode);
};
