import { counter, gauge, histogram, metricsRegistry, sampledGauge } from './metrics';

/**
 * The pipeline's metrics (public names, documented in the README) and the latest problems,
 * kept once per process like the registry: the nodes count here, and `/metrics`, the
 * dashboard and the editor's WIS2 sidebar all read from here.
 */

export const pipelineMetrics = {
  received: counter('wis2_events_received_total', 'File events that reached a CloudEvent to WNM node', ['dataset']),
  published: counter('wis2_notifications_published_total', 'Data notifications the WIS2 broker acknowledged (PUBACK), by link relation', ['dataset', 'rel']),
  rejected: counter('wis2_rejected_total', 'Messages sent to a reject output, by pipeline stage and error code', ['dataset', 'stage', 'code']),
  deadLetters: counter('wis2_dead_letters_total', 'Records written to a dead-letter topic', ['topic']),
  duplicates: counter('wis2_duplicates_total', 'Files announced before with the same content, not announced again', ['dataset']),
  outboxMessages: sampledGauge('wis2_outbox_messages', 'Notifications waiting in the outbox for the broker acknowledgement', ['broker']),
  outboxBytes: sampledGauge('wis2_outbox_bytes', 'Bytes of the outbox journal still to be acknowledged', ['broker']),
  inputUnfinished: sampledGauge('wis2_input_unfinished', 'Input messages received and not yet finished by the flow', ['broker']),
  connected: gauge('wis2_broker_connected', '1 while the broker connection is up, 0 otherwise', ['broker']),
  sessionLost: counter('wis2_input_session_lost_total', 'Reconnections where the broker no longer had the persistent session', ['broker']),
  latency: histogram('wis2_publish_latency_seconds', 'From the event reaching the converter to the PUBACK of its notification', ['dataset']),
  eventAge: histogram('wis2_event_age_seconds', "From the event's time to the publication of its notification", ['dataset']),
  lastPublished: gauge('wis2_last_published_timestamp_seconds', 'Unix time of the last acknowledged data notification', ['dataset']),
  metadataAnnounced: counter('wis2_metadata_announced_total', 'Metadata notifications the WIS2 broker acknowledged, by link relation', ['metadata_id', 'rel']),
  kpi: gauge('wis2_wcmp_kpi_percentage', 'KPI score of the last validated WCMP2 record, in percent', ['metadata_id']),
};

/** A label value that says "not known" rather than an empty string, which Prometheus drops. */
export const UNKNOWN = 'unknown';

/** What the pipeline knows of a notification when its broker acknowledges it. */
export interface Publication {
  dataset: string;
  rel: string;
  /** ms since the epoch: when the event reached the converter */
  receivedAt?: number;
  /** the event's own `time` (RFC 3339) */
  eventTime?: string;
}

export function countPublished(p: Publication, now = Date.now()): void {
  const { published, latency, eventAge, lastPublished } = pipelineMetrics;
  published.inc({ dataset: p.dataset, rel: p.rel });
  lastPublished.set({ dataset: p.dataset }, now / 1000);
  if (p.receivedAt !== undefined) latency.observe({ dataset: p.dataset }, Math.max(0, now - p.receivedAt) / 1000);
  const t = p.eventTime === undefined ? Number.NaN : Date.parse(p.eventTime);
  // an event stamped in the future (a producer's clock ahead) has no age to add
  if (Number.isFinite(t) && t <= now) eventAge.observe({ dataset: p.dataset }, (now - t) / 1000);
}

export function countRejected(dataset: string, error: { stage?: string; code: string }): void {
  pipelineMetrics.rejected.inc({ dataset, stage: error.stage ?? UNKNOWN, code: error.code });
}

export interface Problem {
  /** RFC 3339 */
  time: string;
  kind: 'dead-letter' | 'session-lost';
  code: string;
  message: string;
  /** the file, data id or event concerned, when known */
  file?: string;
  /** the dead-letter topic, or the broker whose session was lost */
  where?: string;
}

export const MAX_PROBLEMS = 20;
const KEY = Symbol.for('node-red-contrib-wis2.problems');

interface Problems {
  list: Problem[];
  listeners: Set<() => void>;
}

function problemState(): Problems {
  const g = globalThis as typeof globalThis & { [KEY]?: Problems };
  g[KEY] ??= { list: [], listeners: new Set() };
  return g[KEY];
}

export function recordProblem(p: Problem): void {
  const s = problemState();
  s.list.unshift(p);
  s.list.length = Math.min(s.list.length, MAX_PROBLEMS);
  for (const l of s.listeners) l();
}

/** the latest problems, newest first */
export function latestProblems(): readonly Problem[] {
  return problemState().list;
}

export function onProblem(listener: () => void): () => void {
  const s = problemState();
  s.listeners.add(listener);
  return () => s.listeners.delete(listener);
}

export interface DatasetSummary {
  dataset: string;
  received: number;
  published: Record<string, number>;
  rejected: number;
  duplicates: number;
  /** Unix time in seconds, when anything was published */
  lastPublished?: number;
}

export interface BrokerSummary {
  broker: string;
  connected: boolean;
  outboxMessages: number;
  outboxBytes: number;
  inputUnfinished: number;
  sessionLost: number;
}

export interface MetricsSummary {
  datasets: DatasetSummary[];
  brokers: BrokerSummary[];
  problems: readonly Problem[];
}

type Values = { labels: Partial<Record<string, string | number>>; value: number }[];

async function values(metric: { get(): Promise<{ values: Values }> }): Promise<Values> {
  return (await metric.get()).values;
}

/** What the sidebar shows, read from the very counters `/metrics` serves. */
export async function summary(): Promise<MetricsSummary> {
  const m = pipelineMetrics;
  const datasets = new Map<string, DatasetSummary>();
  const ds = (name: string | number | undefined): DatasetSummary => {
    const key = String(name ?? UNKNOWN);
    let d = datasets.get(key);
    if (!d) {
      d = { dataset: key, received: 0, published: {}, rejected: 0, duplicates: 0 };
      datasets.set(key, d);
    }
    return d;
  };
  for (const v of await values(m.received)) ds(v.labels.dataset).received += v.value;
  for (const v of await values(m.published)) {
    const d = ds(v.labels.dataset);
    const rel = String(v.labels.rel ?? UNKNOWN);
    d.published[rel] = (d.published[rel] ?? 0) + v.value;
  }
  for (const v of await values(m.rejected)) ds(v.labels.dataset).rejected += v.value;
  for (const v of await values(m.duplicates)) ds(v.labels.dataset).duplicates += v.value;
  for (const v of await values(m.lastPublished)) ds(v.labels.dataset).lastPublished = v.value;

  const brokers = new Map<string, BrokerSummary>();
  const br = (name: string | number | undefined): BrokerSummary => {
    const key = String(name ?? UNKNOWN);
    let b = brokers.get(key);
    if (!b) {
      b = { broker: key, connected: false, outboxMessages: 0, outboxBytes: 0, inputUnfinished: 0, sessionLost: 0 };
      brokers.set(key, b);
    }
    return b;
  };
  for (const v of await values(m.connected)) br(v.labels.broker).connected = v.value === 1;
  for (const v of await values(m.outboxMessages)) br(v.labels.broker).outboxMessages = v.value;
  for (const v of await values(m.outboxBytes)) br(v.labels.broker).outboxBytes = v.value;
  for (const v of await values(m.inputUnfinished)) br(v.labels.broker).inputUnfinished = v.value;
  for (const v of await values(m.sessionLost)) br(v.labels.broker).sessionLost = v.value;
  return { datasets: [...datasets.values()], brokers: [...brokers.values()], problems: latestProblems() };
}

/** The text `/metrics` serves, and its content type. */
export async function exposition(): Promise<{ contentType: string; body: string }> {
  const registry = metricsRegistry();
  return { contentType: registry.contentType, body: await registry.metrics() };
}

