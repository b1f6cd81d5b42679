import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The metrics of this runtime process, in the Prometheus text format (served at `/metrics`).
 *
 * One registry per process, kept on `globalThis`: a redeploy of the flows makes new node
 * objects, but the counters go on counting (Prometheus itself copes with a restart of the
 * process). Keeping it on `globalThis` rather than in this module also holds when two copies
 * of the package end up loaded in one runtime.
 *
 * Naming rule (the names are a public contract, see the README):
 * - `wis2_` then lower-case words joined by `_`;
 * - a counter ends in `_total`; a gauge or a histogram never does;
 * - a measure carries its base unit as last word (`_seconds`, `_bytes`), a 0/1 state none;
 * - label names are lower-case words joined by `_`; label values are short and bounded
 *   (dataset, broker, rel, stage, code...), never an event id or a file name.
 *
 * `counter`, `gauge` and `histogram` get the metric of that name, creating it the first time;
 * asking again with another kind or other labels is a programming error and throws.
 */

export type MetricKind = 'counter' | 'gauge' | 'histogram';

export const METRIC_NAME = /^wis2_[a-z][a-z0-9]*(_[a-z0-9]+)*$/;
const LABEL_NAME = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;

/** Seconds, from a few milliseconds to a day: publication latencies and event ages both fit. */
export const SECONDS_BUCKETS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 21600, 86400,
];

/** What a sampled gauge reads at each collection; undefined while it has nothing to say. */
interface Source {
  labels: Record<string, string>;
  read: () => number | undefined;
}

interface Entry {
  kind: MetricKind;
  labelNames: readonly string[];
  metric: Counter | Gauge | Histogram;
  /** a sampled gauge's sources (see sampledGauge) */
  sources?: Set<Source>;
}

interface State {
  registry: Registry;
  entries: Map<string, Entry>;
}

const KEY = Symbol.for('node-red-contrib-wis2.metrics');

function state(): State {
  const g = globalThis as typeof globalThis & { [KEY]?: State };
  let s = g[KEY];
  if (!s) {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    s = { registry, entries: new Map() };
    g[KEY] = s;
  }
  return s;
}

/** The registry of this process: `await metricsRegistry().metrics()` is the text to serve. */
export function metricsRegistry(): Registry {
  return state().registry;
}

export function checkMetricName(kind: MetricKind, name: string, labelNames: readonly string[]): void {
  if (!METRIC_NAME.test(name)) {
    throw new Error(`metric name ${name} breaks the naming rule: wis2_ then lower-case words joined by _`);
  }
  if ((kind === 'counter') !== name.endsWith('_total')) {
    throw new Error(`metric name ${name}: a counter, and only a counter, ends in _total`);
  }
  for (const l of labelNames) {
    if (!LABEL_NAME.test(l)) throw new Error(`metric ${name}: label name ${l} breaks the naming rule`);
  }
}

function getOrCreate<M extends Entry['metric']>(
  kind: MetricKind,
  name: string,
  labelNames: readonly string[],
  create: (registry: Registry) => M,
  sources?: Set<Source>,
): M {
  const s = state();
  const known = s.entries.get(name);
  if (known) {
    if (known.kind !== kind || known.labelNames.join(',') !== labelNames.join(',') || (known.sources === undefined) !== (sources === undefined)) {
      throw new Error(
        `metric ${name} exists as a ${describe(known.kind, known.sources)} with labels [${known.labelNames.join(', ')}], ` +
          `asked as a ${describe(kind, sources)} with labels [${labelNames.join(', ')}]`,
      );
    }
    // the kind was checked just above, and the labels type only narrows label names
    return known.metric as M;
  }
  checkMetricName(kind, name, labelNames);
  const metric = create(s.registry);
  s.entries.set(name, { kind, labelNames: [...labelNames], metric, ...(sources ? { sources } : {}) });
  return metric;
}

export function counter<L extends string = string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
  return getOrCreate('counter', name, labelNames, (r) =>
    new Counter<L>({ name, help, labelNames: [...labelNames], registers: [r] }),
  );
}

export function gauge<L extends string = string>(name: string, help: string, labelNames: readonly L[] = []): Gauge<L> {
  return getOrCreate('gauge', name, labelNames, (r) =>
    new Gauge<L>({ name, help, labelNames: [...labelNames], registers: [r] }),
  );
}

/**
 * A gauge that nothing sets per message: its values are read from their sources (see
 * `readAtScrape`) whenever the metrics are read (a scrape of `/metrics`, the sidebar). Sources
 * with the same labels add up; a series whose sources have all gone, or say nothing, is absent.
 */
export function sampledGauge<L extends string = string>(name: string, help: string, labelNames: readonly L[] = []): Gauge<L> {
  const sources = new Set<Source>();
  return getOrCreate('gauge', name, labelNames, (r) =>
    new Gauge<L>({
      name,
      help,
      labelNames: [...labelNames],
      registers: [r],
      collect() {
        this.reset();
        for (const source of sources) {
          const value = source.read();
          // prom-client checks the label names against the gauge's own
          if (value !== undefined && Number.isFinite(value)) this.inc(source.labels as Partial<Record<L, string>>, value);
        }
      },
    }),
  sources);
}

/**
 * Makes `read` a source of `gauge`, a sampled gauge, for `labels` until the function returned is
 * called (when the node that holds what it reads closes).
 */
export function readAtScrape(gauge: Gauge, labels: Record<string, string>, read: () => number | undefined): () => void {
  const entry = [...state().entries.values()].find((e) => e.metric === gauge);
  const sources = entry?.sources;
  if (sources === undefined) throw new Error('readAtScrape: not a sampled gauge of this registry');
  const source: Source = { labels: { ...labels }, read };
  sources.add(source);
  return () => { sources.delete(source); };
}

function describe(kind: MetricKind, sources: Set<Source> | undefined): string {
  return sources === undefined ? kind : `sampled ${kind}`;
}

export function histogram<L extends string = string>(
  name: string,
  help: string,
  labelNames: readonly L[] = [],
  buckets: readonly number[] = SECONDS_BUCKETS,
): Histogram<L> {
  return getOrCreate('histogram', name, labelNames, (r) =>
    new Histogram<L>({ name, help, labelNames: [...labelNames], buckets: [...buckets], registers: [r] }),
  );
}

/**
 * The current value of a counter or gauge for one set of labels, summed over the labels not
 * given (0 when never touched, as Prometheus reads an absent series in a sum). For readers
 * inside the runtime, such as the editor's sidebar, so that they show what `/metrics` shows.
 */
export async function metricValue(name: string, labels: Record<string, string> = {}): Promise<number> {
  const known = state().entries.get(name);
  if (!known || known.kind === 'histogram') return 0;
  const { values } = await known.metric.get();
  const wanted = Object.entries(labels);
  let sum = 0;
  for (const v of values) {
    const l = v.labels as Record<string, string | number | undefined>;
    if (wanted.every(([k, x]) => String(l[k]) === x)) sum += v.value;
  }
  return sum;
}
