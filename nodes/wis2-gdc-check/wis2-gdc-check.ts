import type { Node, NodeAPI, NodeMessage, NodeMessageInFlow } from 'node-red';
import { gauge } from '../common/metrics';
import { wholeNumber } from '../lib/core/numbers';
import { rejectOrFail, type RejectPort } from '../common/reject';
import { StatusCounter } from '../common/status';
import { Wis2Error } from '../lib/core/errors';
import {
  RECORD_STATES,
  checkCatalogue,
  checkCollectionUrl,
  ourRecordFromBytes,
  type CatalogueReport,
  type OurRecord,
} from '../lib/feedback/gdc-check';
import { readMetadataRecord } from '../lib/wnm';
import { DEFAULT_CATALOGUE, migrations, type GdcCheckDef } from './migrations';
import { migrateConfig } from '../common/migrations';

interface CheckMessage extends NodeMessageInFlow {
  wis2?: { metadataId?: unknown; contentHash?: unknown; updated?: unknown; operation?: unknown };
}

type Send = (msg: (NodeMessage | null)[]) => void;
type Done = (err?: Error) => void;

/** What the message says of the record we announced: WCMP to WNM's msg.wis2, else the record itself. */
function ourRecordOf(msg: CheckMessage): OurRecord {
  const w = msg.wis2;
  if (w && typeof w.metadataId === 'string' && typeof w.contentHash === 'string') {
    return { id: w.metadataId, contentHash: w.contentHash, ...(typeof w.updated === 'string' ? { updated: w.updated } : {}) };
  }
  try {
    return ourRecordFromBytes(readMetadataRecord(msg.payload).bytes);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new Wis2Error('check', 'gdc.no_record', `neither msg.wis2 from WCMP to WNM nor a WCMP2 record in msg.payload: ${why}`);
  }
}

const REJECT: RejectPort = { outputs: 2, index: 1 };

export = function register(RED: NodeAPI): void {
  function GdcCheckNode(this: Node, saved: GdcCheckDef): void {
    RED.nodes.createNode(this, saved);
    const node = this;
    const def = migrateConfig(RED, node, saved, migrations);
    const delayMs = (wholeNumber(def.delay, 0) ?? 300) * 1000;
    const kpi = def.kpi !== false && def.kpi !== 'false';
    const states = gauge('wis2_gdc_record_state', 'State of our discovery metadata record in the Global Discovery Catalogue: 1 for the state of the last check, 0 for the others', ['metadata_id', 'state']);

    const status = new StatusCounter(node, ['present', 'absent', 'stale', 'failed'] as const, (_counts, last) => ({
      fill: last === 'present' ? 'green' : last === 'stale' ? 'yellow' : 'red',
      shape: 'dot',
      text: RED._(`wis2-gdc-check.status.${last}`, { kpi: lastKpi }) + (waiting.size > 0 ? RED._('wis2-gdc-check.status.waiting', { count: waiting.size }) : ''),
    }));
    let lastKpi = '';
    const waiting = new Set<NodeJS.Timeout>();
    const closing = new AbortController();

    let collectionUrl: string | undefined;
    let configError: Wis2Error | undefined;
    try {
      // a variable left unset arrives empty, or as its own name outside our settings: the
      // default catalogue then, said once
      const unset = def.catalogue === '' || /^\$\{[^}]*\}$/.test(def.catalogue);
      if (unset && def.catalogue !== '') node.warn(RED._('wis2-gdc-check.log.defaultCatalogue', { value: def.catalogue, url: DEFAULT_CATALOGUE }));
      collectionUrl = checkCollectionUrl(unset ? DEFAULT_CATALOGUE : def.catalogue);
    } catch (err) {
      configError = err as Wis2Error;
      status.show({ fill: 'red', shape: 'ring', text: 'wis2-gdc-check.status.configError' });
      node.warn(configError.message);
    }

    const report = (msg: CheckMessage, r: CatalogueReport, send: Send, done: Done): void => {
      for (const state of RECORD_STATES) states.set({ metadata_id: r.metadataId, state }, state === r.state ? 1 : 0);
      lastKpi = r.kpi?.percentage !== undefined ? RED._('wis2-gdc-check.status.kpi', { percentage: Math.round(r.kpi.percentage), grade: r.kpi.grade ?? '' }) : '';
      for (const w of r.warnings) node.warn(w.message);
      if (r.state !== 'present') node.warn(RED._(`wis2-gdc-check.log.${r.state}`, { id: r.metadataId, url: r.url, differs: r.differs.join(', ') }));
      const out = msg as CheckMessage & { report?: CatalogueReport };
      out.payload = r;
      send([out, null]);
      status.count(r.state);
      done();
    };

    const failed = (): void => { status.count('failed'); };
    const check = async (msg: CheckMessage, ours: OurRecord, send: Send, done: Done): Promise<void> => {
      try {
        const r = await checkCatalogue(ours, { collectionUrl: collectionUrl ?? '', kpi, signal: closing.signal });
        report(msg, r, send, done);
      } catch (err) {
        if (closing.signal.aborted) return;
        if (err instanceof Wis2Error) node.warn(err.message);
        rejectOrFail(msg, err, REJECT, { send, done }, failed);
      }
    };

    this.on('input', (msg: CheckMessage, send, done) => {
      try {
        if (configError) throw configError;
        const ours = ourRecordOf(msg);
        // the catalogue ingests what the Global Brokers relay: ask once it has had time to
        const timer = setTimeout(() => {
          waiting.delete(timer);
          void check(msg, ours, send, done);
        }, delayMs);
        waiting.add(timer);
        status.refresh();
      } catch (err) {
        rejectOrFail(msg, err, REJECT, { send, done }, failed);
      }
    });
    this.on('close', () => {
      closing.abort();
      for (const t of waiting) clearTimeout(t);
      waiting.clear();
      status.stop();
    });
  }
  RED.nodes.registerType('wis2-gdc-check', GdcCheckNode);
};
