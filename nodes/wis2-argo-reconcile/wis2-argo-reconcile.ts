import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import type { DatasetNode } from '../common/dataset-node';
import { wholeNumber } from '../lib/core/numbers';
import { stateDir } from '../common/state';
import { DEFAULT_RATE, reconcile, type ReconcileOptions, type ReconcileReport } from '../lib/argo/reconcile';
import { migrateConfig } from '../common/migrations';
import { migrations } from './migrations';
import { asError } from '../common/reject';

interface ReconcileNodeDef extends NodeDef {
  dataset: string;
  index: string;
  mirror: string;
  hours: string | number;
  rate: string | number;
  hash: string;
}

type InMessage = NodeMessageInFlow & { since?: unknown; until?: unknown };

/** The topic the diffusion system would have used: a reconciled event reads as one of its own. */
const EVENT_TOPIC = 'diffusion/files/coriolis/argo/reconcile';

function instant(v: unknown): Date | undefined {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? undefined : v;
  if (typeof v !== 'string' || v === '') return undefined;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

function summary(r: ReconcileReport): Record<string, unknown> {
  return {
    complete: r.complete,
    indexLines: r.index.lines,
    inWindow: r.index.inWindow,
    present: r.present,
    missing: r.missing,
    changed: r.changed,
    vanished: r.vanished,
    unavailable: r.unavailable,
    badLines: r.index.bad,
    bad: r.index.badLines,
    resumedAfterLine: r.resumedAfterLine,
  };
}

export = function register(RED: NodeAPI): void {
  function Wis2ArgoReconcileNode(this: Node, saved: ReconcileNodeDef): void {
    RED.nodes.createNode(this, saved);
    const def = migrateConfig(RED, this, saved, migrations);
    const node = this;
    const datasetNode = RED.nodes.getNode(def.dataset) as DatasetNode | null;
    const hours = wholeNumber(def.hours, 1) ?? 48;
    const rate = Number(def.rate) > 0 ? Number(def.rate) : DEFAULT_RATE;
    let running: AbortController | undefined;

    node.on('input', (msg: InMessage, send, done) => {
      const dataset = datasetNode?.dataset;
      if (!dataset) {
        done(new Error(RED._('wis2-argo-reconcile.error.dataset', { message: datasetNode?.configError?.message ?? RED._('wis2-argo-reconcile.error.noDataset') })));
        return;
      }
      if (running) {
        node.warn(RED._('wis2-argo-reconcile.warn.busy'));
        done();
        return;
      }
      const until = instant(msg.until) ?? new Date();
      const since = instant(msg.since) ?? new Date(until.getTime() - hours * 3600_000);
      const stop = new AbortController();
      running = stop;
      const announcements = datasetNode.announcements?.();
      const index = def.index || 'https://data-argo.ifremer.fr/ar_index_global_prof.txt';
      const options: ReconcileOptions = {
        index,
        dataset,
        gdacUrl: dataset.baseUrl?.href ?? 'https://data-argo.ifremer.fr/',
        known: (id) => announcements?.peek(id),
        progressFile: stateDir(RED, 'reconcile', `${node.id}.json`),
        since,
        until,
        rate,
        hash: def.hash === 'sha256' ? 'sha256' : 'sha512',
        signal: stop.signal,
        source: `wis2-reconcile/${node.id}`,
      };
      if (def.mirror) options.mirror = def.mirror;
      let sent = 0;
      node.status({ fill: 'blue', shape: 'dot', text: RED._('wis2-argo-reconcile.status.reading') });
      reconcile(options, (e) => {
        sent++;
        send([{ _msgid: RED.util.generateId(), topic: EVENT_TOPIC, payload: e.event, reconcile: { reason: e.reason, file: e.file, dataId: e.dataId, line: e.line, dateUpdate: e.dateUpdate } }, null]);
        node.status({ fill: 'blue', shape: 'dot', text: RED._('wis2-argo-reconcile.status.sending', { sent }) });
      }).then(
        (report) => {
          running = undefined;
          const s = summary(report);
          if (report.index.bad > 0) node.warn(RED._('wis2-argo-reconcile.warn.badLines', { count: report.index.bad, first: JSON.stringify(report.index.badLines[0]) }));
          if (report.unavailable.length > 0) node.warn(RED._('wis2-argo-reconcile.warn.unavailable', { count: report.unavailable.length, first: JSON.stringify(report.unavailable[0]) }));
          node.status({
            fill: report.index.bad > 0 || report.unavailable.length > 0 ? 'yellow' : 'green',
            shape: 'dot',
            text: RED._('wis2-argo-reconcile.status.done', { missing: report.missing, changed: report.changed, vanished: report.vanished, bad: report.index.bad }),
          });
          send([null, { ...msg, payload: s }]);
          done();
        },
        (err: unknown) => {
          running = undefined;
          if (stop.signal.aborted) {
            node.status({ fill: 'grey', shape: 'ring', text: RED._('wis2-argo-reconcile.status.stopped') });
            done();
            return;
          }
          node.status({ fill: 'red', shape: 'ring', text: RED._('wis2-argo-reconcile.status.failed') });
          done(asError(err));
        },
      );
    });

    node.on('close', () => {
      // progress is on disk: the next trigger of the same window resumes
      running?.abort(new Error('closed'));
      running = undefined;
    });
  }
  RED.nodes.registerType('wis2-argo-reconcile', Wis2ArgoReconcileNode);
};
