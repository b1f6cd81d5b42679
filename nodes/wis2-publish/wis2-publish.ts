import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import type { BrokerConnectionState, BrokerNode } from '../common/broker-node';
import { datasetLabel, messageDatasetLabel, type DatasetNode } from '../common/dataset-node';
import type { Announcements } from '../lib/publish/announce';
import type { Wis2MessageInfo } from '../common/messages';
import { UNKNOWN, countPublished, countRejected, pipelineMetrics, type Publication as Counting } from '../common/pipeline-metrics';
import { rejectMessage } from '../common/reject';
import { ACK_PROPERTY, detached } from '../common/settle';
import { LogLimiter } from '../common/log-limiter';
import { counter } from '../common/metrics';
import { StatusCounter } from '../common/status';
import { Wis2Error } from '../lib/core/errors';
import { JournalFullError } from '../lib/reliability/journal';
import { CheckSlots, announcedFile, checkAnnouncedFile } from '../lib/feedback/href-check';
import type { Outbox, OutboxRecord } from '../lib/reliability/outbox';
import { preparePublication, type Publication } from '../lib/publish/publish';
import { migrateConfig } from '../common/migrations';
import { migrations } from './migrations';

interface PublishDef extends NodeDef {
  dataset: string;
  broker: string;
}

interface PublishMessage extends NodeMessageInFlow {
  qos?: number;
  retain?: boolean;
  contentType?: string;
  wis2?: Wis2MessageInfo;
  outbox?: { seq: number };
  [ACK_PROPERTY]?: unknown;
}

type Send = (msg: (NodeMessage | null)[]) => void;
type Done = (err?: Error) => void;

/** files checked at once per node; the others wait their turn, unfinished */
const CHECKS_AT_ONCE = 8;

/** notifications awaiting the broker's answer that a refusal can still be traced back to */
const MAX_TRACKED = 100_000;

/** What a PUBACK counts: a data notification, or a metadata one (which has its own metric). */
type Counted = { publication: Counting; metadataId?: string };

function count(c: Counted): void {
  if (c.metadataId !== undefined) pipelineMetrics.metadataAnnounced.inc({ metadata_id: c.metadataId, rel: c.publication.rel });
  else countPublished(c.publication);
}

export = function register(RED: NodeAPI): void {
  function Wis2PublishNode(this: Node, saved: PublishDef): void {
    RED.nodes.createNode(this, saved);
    const def = migrateConfig(RED, this, saved, migrations);
    const node = this;
    const datasetNode = def.dataset ? (RED.nodes.getNode(def.dataset) as DatasetNode | null) : null;
    const broker = def.broker ? (RED.nodes.getNode(def.broker) as BrokerNode | null) : null;
    let connection: BrokerConnectionState = { connected: false };
    let outbox: Outbox | undefined;
    // What this node queued, until the broker answers. Its status counts these only: the broker's
    // outbox also carries other nodes' notifications (metadata, other datasets, dead letters),
    // whose totals the broker node reports. A refusal (MQTT 5 reason code) comes after the
    // message has left, so it leaves again on the reject output, as a new message; past
    // MAX_TRACKED a message's dataset is no longer kept, so its refusal withdraws no announcement.
    const queued = new Map<number, { wis2: Wis2MessageInfo | undefined; counted: Counted }>();

    // files whose check before publishing is under way
    const checking = new Set<AbortController>();
    const status = new StatusCounter(node, ['ready', 'sent', 'rejected', 'warned'] as const, (c, last) => {
      const warned = (c.warned > 0 ? RED._('wis2-publish.status.warned', { warned: c.warned }) : '')
        + (checking.size > 0 ? RED._('wis2-publish.status.checking', { checking: checking.size }) : '');
      if (!outbox) {
        return {
          fill: last === 'rejected' ? 'red' : last === 'warned' ? 'yellow' : 'green',
          shape: 'dot',
          text: RED._('wis2-publish.status.counts', { ready: c.ready, rejected: c.rejected }) + warned,
        };
      }
      return {
        fill: connection.connected ? (queued.size > 0 || checking.size > 0 || last === 'warned' ? 'yellow' : 'green') : 'red',
        shape: connection.connected ? 'dot' : 'ring',
        text: RED._(connection.connected ? 'wis2-publish.status.connected' : 'wis2-publish.status.disconnected', {
          queued: queued.size,
          sent: c.sent,
          rejected: c.rejected,
        }) + warned,
      };
    });
    // what the last check repaired or found missing is said in the log too, a line per kind a minute
    const warnings = new LogLimiter(
      (text) => { node.warn(text); },
      (count, last) => RED._('wis2-publish.log.warningsMore', { count, last }),
    );

    let configError = def.dataset && !datasetNode?.dataset
      ? (datasetNode?.configError ?? new Wis2Error('config', 'config.no_dataset', 'the WIS2 dataset of this node is missing', '/dataset').toJSON())
      : undefined;
    if (def.broker && (!broker || broker.configError)) {
      configError = new Wis2Error('config', 'config.broker', broker?.configError ?? 'the WIS2 broker of this node is missing', '/broker').toJSON();
    }
    if (datasetNode?.dataset) {
      // every relation shows from the start, at 0: rates and alerts see the first publication
      const dataset = messageDatasetLabel(RED, undefined, datasetNode);
      for (const rel of ['canonical', 'update', 'deletion']) pipelineMetrics.published.inc({ dataset, rel }, 0);
    }
    const counted = (msg: PublishMessage): Counted => {
      const info = msg.wis2 as (Partial<Wis2MessageInfo> & { metadataId?: unknown }) | undefined;
      const publication: Counting = { dataset: messageDatasetLabel(RED, info, datasetNode), rel: info?.operation ?? UNKNOWN };
      if (info?.receivedAt !== undefined) publication.receivedAt = info.receivedAt;
      if (info?.eventTime !== undefined) publication.eventTime = info.eventTime;
      return typeof info?.metadataId === 'string' ? { publication, metadataId: info.metadataId } : { publication };
    };
    const onSent = (seq: number): void => {
      const q = queued.get(seq);
      if (!q) return;
      queued.delete(seq);
      count(q.counted);
      status.count('sent');
    };
    const onRefused = (seq: number, record: OutboxRecord, error: Error & { code?: number }): void => {
      const q = queued.get(seq);
      if (!q) return;
      const wis2 = q.wis2;
      queued.delete(seq);
      const reason = `${error.message}${typeof error.code === 'number' ? ` (reason code ${error.code})` : ''}`;
      const msg: PublishMessage = { _msgid: RED.util.generateId(), topic: record.topic, payload: record.payload };
      if (wis2) {
        msg.wis2 = wis2;
        (RED.nodes.getNode(wis2.dataset) as DatasetNode | null)?.announcements?.()?.withdraw(wis2.dataId, wis2.fingerprint);
      }
      const refusal = new Wis2Error('publish', 'publish.refused', `the broker refused the notification: ${reason}`).toJSON();
      node.send([null, rejectMessage(msg, refusal)]);
      countRejected(q.counted.publication.dataset, refusal);
      status.count('rejected');
    };
    const datasetOf = (msg: PublishMessage): DatasetNode | null | undefined =>
      msg.wis2 ? RED.nodes.getNode(msg.wis2.dataset) : undefined;
    const announcementsOf = (msg: PublishMessage): Announcements | undefined => datasetOf(msg)?.announcements?.();
    // the check the notification's own dataset asks for, else this node's dataset's
    const checkOf = (msg: PublishMessage): DatasetNode['check'] => datasetOf(msg)?.check ?? datasetNode?.check;
    const retryLog = new LogLimiter(
      (text) => { node.log(text); },
      (count, last) => RED._('wis2-publish.log.retryMore', { count, last }),
    );
    const checkFailures = counter(
      'wis2_download_check_failed_total',
      'Announced files the check before publishing refused, by dataset and reason code',
      ['dataset', 'code'],
    );
    const checkFailed = (msg: PublishMessage, err: Wis2Error): void => {
      const dataset = datasetLabel(datasetOf(msg) ?? datasetNode);
      checkFailures.inc({ dataset, code: err.code });
      node.warn(RED._('wis2-publish.log.checkFailed', { code: err.code, message: err.message, dataset }));
    };
    /** what a check or the publication adds to the warnings a message carries */
    const addWarnings = (msg: PublishMessage, more: Wis2MessageInfo['warnings']): void => {
      if (!msg.wis2 || more.length === 0) return;
      // msg.wis2 may come from a flow of the user's, without warnings
      const earlier: unknown = msg.wis2.warnings;
      msg.wis2 = { ...msg.wis2, warnings: [...(Array.isArray(earlier) ? (earlier as Wis2MessageInfo['warnings']) : []), ...more] };
    };

    if (configError) {
      status.show({ fill: 'red', shape: 'ring', text: 'wis2-publish.status.configError' });
    } else if (broker) {
      try {
        broker.use(node, (state) => {
          connection = state;
          status.refresh();
        });
        outbox = broker.outbox();
        outbox.on('sent', onSent);
        outbox.on('refused', onRefused);
        status.refresh();
      } catch (err) {
        configError = new Wis2Error('config', 'config.outbox', `the outbox cannot be opened: ${(err as Error).message}`, '/broker').toJSON();
        status.show({ fill: 'red', shape: 'ring', text: 'wis2-publish.status.configError' });
      }
    }

    // Sends a notification on, checked: into the outbox, or out for an mqtt out node.
    const publish = (msg: PublishMessage, p: Publication, send: Send, done: Done): void => {
      const announcements = announcementsOf(msg);
      try {
        if (outbox) {
          try {
            const seq = outbox.enqueue({ topic: p.topic, payload: p.payload, qos: p.qos, retain: p.retain, contentType: p.contentType });
            queued.set(seq, { wis2: queued.size < MAX_TRACKED ? msg.wis2 : undefined, counted: counted(msg) });
            msg.outbox = { seq };
          } catch (err) {
            if (err instanceof JournalFullError) throw new Wis2Error('publish', 'publish.outbox_full', err.message);
            throw err;
          }
        }
        // From here the notification cannot be lost: remember it. The copy ends with done() below,
        // and what goes on from an outbox no longer holds the input back (without one, the node
        // that publishes it, an mqtt out, ends it).
        if (msg.wis2) announcements?.confirm(msg.wis2.dataId, msg.wis2.fingerprint, msg.wis2.operation);
        if (p.warnings.length > 0) {
          for (const w of p.warnings) warnings.report(w.code, RED._('wis2-publish.log.warning', { code: w.code, path: w.path, message: w.message, topic: p.topic }));
          addWarnings(msg, p.warnings);
        }
        msg.topic = p.topic;
        msg.payload = p.payload;
        msg.qos = p.qos;
        msg.retain = p.retain;
        msg.contentType = p.contentType;
        // without an outbox no acknowledgement comes back here: handing it on is publishing it
        if (!outbox) count(counted(msg));
        send([outbox ? detached(msg) : msg, null]);
        status.count('ready');
        if (p.warnings.length > 0) status.count('warned');
        done();
      } catch (err) {
        refuse(msg, err, send, done);
      }
    };

    const refuse = (msg: PublishMessage, err: unknown, send: Send, done: Done): void => {
      if (msg.wis2) announcementsOf(msg)?.release(msg.wis2.dataId, msg.wis2.fingerprint);
      if (!(err instanceof Wis2Error)) {
        done(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      const error = err.toJSON();
      send([null, rejectMessage(msg, error)]);
      countRejected(messageDatasetLabel(RED, msg.wis2, datasetNode), error);
      status.count('rejected');
      done();
    };

    // The check before publishing holds the message until the web server has answered: the
    // copy is not done, so a reliable input keeps its event on disk meanwhile.
    const slots = new CheckSlots(CHECKS_AT_ONCE);
    const checkFirst = (msg: PublishMessage, p: Publication, send: Send, done: Done): boolean => {
      const check = checkOf(msg);
      const mode = check?.mode;
      const file = mode && mode !== 'off' ? announcedFile(p.message) : undefined;
      if (!check || !mode || mode === 'off' || !file) return false;
      const controller = new AbortController();
      checking.add(controller);
      status.refresh();
      slots.run(() => checkAnnouncedFile(file, {
        mode,
        retries: check.retries,
        signal: controller.signal,
        onRetry: (n, reason, delayMs) => {
          if (msg.wis2) announcementsOf(msg)?.renew(msg.wis2.dataId, msg.wis2.fingerprint);
          retryLog.report('retry', RED._('wis2-publish.log.retry', { href: file.href, reason, attempt: n, seconds: delayMs / 1000 }));
        },
      })).then((passed) => {
        addWarnings(msg, passed.warnings);
        publish(msg, p, send, done);
      }, (err: unknown) => {
        // closing: the message stays unfinished, so its event is replayed after the restart
        if (controller.signal.aborted) return;
        if (err instanceof Wis2Error) checkFailed(msg, err);
        refuse(msg, err, send, done);
      }).finally(() => {
        checking.delete(controller);
        if (!controller.signal.aborted) status.refresh();
      });
      return true;
    };

    this.on('input', (msg: PublishMessage, send, done) => {
      if (configError) {
        send([null, rejectMessage(msg, configError)]);
        countRejected(messageDatasetLabel(RED, msg.wis2, datasetNode), configError);
        status.count('rejected');
        done();
        return;
      }
      let p: Publication;
      try {
        const dataset = datasetNode?.dataset;
        const topic = typeof msg.topic === 'string' && msg.topic !== '' ? msg.topic : dataset?.topic;
        p = preparePublication(msg.payload, topic, dataset);
      } catch (err) {
        refuse(msg, err, send, done);
        return;
      }
      if (!checkFirst(msg, p, send, done)) publish(msg, p, send, done);
    });
    this.on('close', (done: () => void) => {
      for (const controller of checking) controller.abort();
      checking.clear();
      retryLog.flush();
      status.stop();
      warnings.flush();
      outbox?.removeListener('sent', onSent);
      outbox?.removeListener('refused', onRefused);
      queued.clear();
      if (broker) broker.release(node).then(done, done);
      else done();
    });
  }
  RED.nodes.registerType('wis2-publish', Wis2PublishNode);
};
