import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { reject, rejectOrFail, type RejectPort } from '../common/reject';
import { StatusCounter } from '../common/status';
import { allWarnings, convertEvent, type ConvertOptions } from '../lib/publish/convert';
import { wholeNumber } from '../lib/core/numbers';
import { LogLimiter } from '../common/log-limiter';
import { Wis2Error, describeError, type ErrorDetail } from '../lib/core/errors';
import type { Operation } from '../lib/wnm';
import { datasetLabel, type DatasetNode } from '../common/dataset-node';
import type { Wis2MessageInfo } from '../common/messages';
import { countRejected, pipelineMetrics } from '../common/pipeline-metrics';
import { migrateConfig } from '../common/migrations';
import { migrations } from './migrations';

interface ConverterDef extends NodeDef {
  dataset: string;
  maxBytes: string | number;
  maxDepth: string | number;
  eventTypes: string;
  operation: string;
}

interface InputMessage extends NodeMessageInFlow {
  contentType?: string;
  userProperties?: Record<string, unknown>;
  inline?: unknown;
}

function inlineOption(value: unknown): ConvertOptions['inline'] {
  if (value instanceof Uint8Array) return value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const out: Record<string, Uint8Array> = {};
  for (const [key, bytes] of Object.entries(value)) if (bytes instanceof Uint8Array) out[key] = bytes;
  return out;
}

const REJECT: RejectPort = { outputs: 3, index: 1 };

export = function register(RED: NodeAPI): void {
  function CloudEventToWnmNode(this: Node, saved: ConverterDef): void {
    RED.nodes.createNode(this, saved);
    const def = migrateConfig(RED, this, saved, migrations);
    const datasetNode = RED.nodes.getNode(def.dataset) as DatasetNode | null;
    const limits = { maxBytes: wholeNumber(def.maxBytes, 1) ?? 256 * 1024, maxDepth: wholeNumber(def.maxDepth, 1) ?? 64 };
    const forced = ['canonical', 'update', 'deletion'].includes(def.operation) ? (def.operation as Operation) : undefined;
    let eventTypes: RegExp | undefined;
    let setupError: Wis2Error | undefined;
    try {
      if (def.eventTypes) eventTypes = new RegExp(`^(?:${def.eventTypes})$`);
    } catch (err) {
      setupError = new Wis2Error('config', 'config.event_types', `the event type pattern is invalid: ${(err as Error).message}`, '/eventTypes');
    }
    if (!datasetNode) setupError = new Wis2Error('config', 'config.no_dataset', 'no WIS2 dataset is configured for this node', '/dataset');

    const status = new StatusCounter(this, ['sent', 'rejected', 'duplicates', 'warned'] as const, (c, last) => {
      const counts = RED._(c.warned > 0 ? 'wis2-cloudevent-to-wnm.status.countsWarned' : 'wis2-cloudevent-to-wnm.status.counts', {
        sent: c.sent,
        rejected: c.rejected,
        duplicates: c.duplicates,
        warned: c.warned,
      });
      // a missing metadata record outlasts any one message: it stays on the status until announced
      const notice = datasetNode?.metadataNotice?.();
      if (notice !== undefined) return { fill: 'yellow', shape: 'ring', text: `${counts} · ${notice}` };
      return { fill: last === 'rejected' ? 'red' : last === 'warned' ? 'yellow' : 'green', shape: 'dot', text: counts };
    });
    const stopNotice = datasetNode?.onMetadataNotice?.(() => { status.refresh(); });
    // What the conversion ignored or repaired is never silent, but a producer that repeats the
    // same fault in every event gets one log line per kind a minute, plus a count.
    const node = this;
    const warnings = new LogLimiter(
      (text) => { node.warn(text); },
      (count, last) => RED._('wis2-cloudevent-to-wnm.log.warningsMore', { count, last }),
    );
    // A forced relation announces every event as configured; otherwise what was announced
    // before decides (duplicates dropped, changed files announced as updates).
    const announcements = forced ? undefined : datasetNode?.announcements?.();
    const remembered: Pick<ConvertOptions, 'decide' | 'release'> | undefined = announcements && {
      decide: (dataId, fingerprint, requested) => announcements.decide(dataId, fingerprint, requested),
      release: (dataId, fingerprint) => {
        announcements.release(dataId, fingerprint);
      },
    };
    const configError = setupError?.toJSON() ?? datasetNode?.configError;
    if (configError) status.show({ fill: 'red', shape: 'ring', text: 'wis2-cloudevent-to-wnm.status.configError' });

    const label = datasetLabel(datasetNode);
    // shown from the start, at 0: rates and alerts see the first event
    pipelineMetrics.received.inc({ dataset: label }, 0);
    pipelineMetrics.duplicates.inc({ dataset: label }, 0);
    const rejected = (error: ErrorDetail): void => {
      countRejected(label, error);
      status.count('rejected');
    };
    // the same for every message but the inline bytes
    const baseOptions: ConvertOptions = { limits };
    if (eventTypes) baseOptions.eventTypes = eventTypes;
    if (forced) baseOptions.operation = forced;
    if (remembered) {
      baseOptions.decide = remembered.decide;
      baseOptions.release = remembered.release;
    }
    this.on('input', (msg: InputMessage, send, done) => {
      const receivedAt = Date.now();
      pipelineMetrics.received.inc({ dataset: label });
      const dataset = datasetNode?.dataset;
      if (configError || !dataset) {
        reject(msg, configError ?? describeError(new Error('dataset unavailable'), 'config'), REJECT, { send, done }, rejected);
        return;
      }
      try {
        const inline = inlineOption(msg.inline);
        const options = inline ? { ...baseOptions, inline } : baseOptions;
        const result = convertEvent(
          { payload: msg.payload, contentType: msg.contentType, userProperties: msg.userProperties },
          dataset,
          options,
        );
        const { event, notifications, duplicates } = result;
        const ignored = allWarnings(result);
        for (const w of ignored) {
          warnings.report(w.code, RED._('wis2-cloudevent-to-wnm.log.warning', { code: w.code, path: w.path, message: w.message, id: event.id }));
        }
        const out = notifications.map((n, i): NodeMessage => {
          // The first notification reuses the incoming message, so its properties (and _msgid)
          // travel on; the others are new messages with the same properties.
          const m: NodeMessage & { wis2?: Wis2MessageInfo } = i === 0 ? msg : { ...msg, _msgid: RED.util.generateId() };
          delete (m as InputMessage).inline;
          m.payload = n.message;
          m.topic = n.topic;
          m.wis2 = {
            centreId: dataset.centreId,
            topic: n.topic,
            dataId: n.dataId,
            operation: n.operation,
            href: n.href,
            fingerprint: n.fingerprint,
            dataset: def.dataset,
            bytes: n.bytes,
            eventId: event.id,
            eventSource: event.source,
            eventType: event.type,
            warnings: n.warnings,
            receivedAt,
          };
          if (event.time !== undefined) m.wis2.eventTime = event.time;
          return m;
        });
        // An event that announces nothing new leaves on the third output, so that nothing
        // disappears without a trace; the notifications of its other files go on as usual.
        let dup: NodeMessage | null = null;
        if (duplicates.length > 0) {
          dup = out.length === 0 ? msg : { ...msg, _msgid: RED.util.generateId() };
          (dup as NodeMessage & { duplicates?: unknown }).duplicates = duplicates.map((d) => ({ dataId: d.dataId, href: d.href, fingerprint: d.fingerprint }));
          status.count('duplicates', duplicates.length);
          pipelineMetrics.duplicates.inc({ dataset: label }, duplicates.length);
        }
        if (dup && ignored.length > 0) (dup as NodeMessage & { warnings?: unknown }).warnings = ignored;
        send([out.length > 0 ? out : null, null, dup]);
        if (out.length > 0) status.count('sent', out.length);
        if (ignored.length > 0) status.count('warned');
        done();
      } catch (err) {
        rejectOrFail(msg, err, REJECT, { send, done }, rejected);
      }
    });
    this.on('close', () => {
      stopNotice?.();
      status.stop();
      warnings.flush();
    });
  }
  RED.nodes.registerType('wis2-cloudevent-to-wnm', CloudEventToWnmNode);
};
