/**
 * `wis2 reconcile`: what the Argo GDAC index lists and we did not announce (or announced in an
 * older version), sent again as file events on the input broker, through the normal pipeline.
 */
import type { ParseArgsConfig } from 'node:util';
import { DEFAULT_RATE, reconcile, type ReconcileEvent, type ReconcileOptions, type ReconcileReport } from '../../nodes/lib/argo/reconcile';
import { resolveDataset, type DatasetConfig } from '../../nodes/lib/dataset';
import { readMemorySnapshot } from '../../nodes/lib/reliability/memory';
import { readPublished } from '../../nodes/lib/reliability/published-log';
import type { CommandIo } from '../cli/io';
import { HELP_OPTION, UsageError, errorLine, numberOption, readOptions, runMain, stopSignal } from '../cli/command';
import { BROKER_OPTIONS, checkTopicName, endClient, publisher } from '../cli/mqtt';

const USAGE = `usage:
  wis2 reconcile --index SRC [--since T] [--until T | --hours H] [--mirror DIR|URL]
                 [--gdac-url URL] [--memory FILE] [--published DIR] [--state FILE]
                 [--rate R] [--hash sha512|sha256] [--dry-run]
                 [--url URL] [--topic T] [--username U] [--password P] [--mqtt-version 3.1.1|5]
                 [--centre-id ID --topic-wis2 T --metadata-id ID --base-url URL]
      reads the Argo GDAC index SRC (a path or an http(s) URL, plain or gzip) and, for each file
      whose date_update is in [--since, --until) (default: the last --hours, 48), compares its
      bytes (from the --mirror, else downloaded) with what was announced (--memory: the dataset's
      memory file; --published: a WIS2 broker's folder of sent notifications); each file missing
      or changed becomes a file event published on --topic (default
      diffusion/files/coriolis/argo/netcdf) of --url at --rate events per second (default ${DEFAULT_RATE}),
      and each real-time file we announced that its delayed-mode file replaced, a deletion event.
      Prints one JSON line per event {"event":{"reason","file","data_id","line","date_update"}} and
      a summary {"summary":{...}}; --dry-run publishes nothing. --state FILE keeps progress so a
      stopped run resumes. Exit 0, or 1 when index lines were bad or files unreadable.`;

const OPTIONS = {
  index: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  hours: { type: 'string' },
  mirror: { type: 'string' },
  'gdac-url': { type: 'string' },
  memory: { type: 'string' },
  published: { type: 'string' },
  state: { type: 'string' },
  rate: { type: 'string' },
  hash: { type: 'string' },
  'dry-run': { type: 'boolean' },
  ...BROKER_OPTIONS,
  topic: { type: 'string' },
  'centre-id': { type: 'string' },
  'topic-wis2': { type: 'string' },
  'metadata-id': { type: 'string' },
  'base-url': { type: 'string' },
  ...HELP_OPTION,
} satisfies ParseArgsConfig['options'];

export const ARGO_DATASET: DatasetConfig = {
  centreId: 'fr-ifremer-argo',
  topic: 'origin/a/wis2/fr-ifremer-argo/data/core/ocean/surface-based-observations/drifting-ocean-profilers',
  metadataId: 'urn:wmo:md:fr-ifremer-argo:cor:msg:argo',
  dataPolicy: 'core',
  baseUrl: 'https://data-argo.ifremer.fr/',
  pathPattern: 'argo',
};

/** An RFC 3339 time option. */
export function timeOption(name: string, raw: string): Date {
  const d = new Date(raw);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/.test(raw) || Number.isNaN(d.getTime())) {
    throw new UsageError(`--${name} must be an RFC 3339 time (2026-12-01T00:00:00Z), got "${raw}"`);
  }
  return d;
}

/** data_id -> fingerprint of what a WIS2 broker acknowledged, from its sent notifications. */
async function publishedFingerprints(dir: string, into: Map<string, string>): Promise<void> {
  for await (const r of readPublished(dir, new Date(0))) {
    let wnm: { properties?: { data_id?: unknown; integrity?: { method?: unknown; value?: unknown } }; links?: { rel?: unknown }[] };
    try {
      wnm = JSON.parse(r.payload) as typeof wnm;
    } catch {
      continue;
    }
    const id = wnm.properties?.data_id;
    if (typeof id !== 'string') continue;
    const integrity = wnm.properties?.integrity;
    if (wnm.links?.some((l) => l.rel === 'deletion') === true) into.delete(id);
    else if (typeof integrity?.method === 'string' && typeof integrity.value === 'string') into.set(id, `${integrity.method}:${integrity.value}`);
  }
}

function eventLine(e: ReconcileEvent): string {
  return JSON.stringify({ event: { reason: e.reason, file: e.file, data_id: e.dataId ?? null, href: e.href, line: e.line, date_update: e.dateUpdate, id: e.event.id } });
}

export function summaryLine(r: ReconcileReport, dryRun: boolean): string {
  return JSON.stringify({
    summary: {
      dry_run: dryRun,
      complete: r.complete,
      index_lines: r.index.lines,
      index_entries: r.index.entries,
      in_window: r.index.inWindow,
      present: r.present,
      missing: r.missing,
      changed: r.changed,
      vanished: r.vanished,
      unavailable: r.unavailable,
      bad_lines: r.index.bad,
      bad: r.index.badLines,
      resumed_after_line: r.resumedAfterLine,
    },
  });
}

type Values = Exclude<ReturnType<typeof readOptions<typeof OPTIONS>>, number>;

/** The time window: [--since, --until), or the last --hours (48) before --until (now). */
function timeWindow(values: Values): { since: Date; until: Date } {
  if (values.until !== undefined && values.hours !== undefined) throw new UsageError('--until and --hours exclude each other');
  const until = values.until === undefined ? new Date() : timeOption('until', values.until);
  const hours = numberOption('hours', values.hours, 48, { min: 0.001 });
  const since = values.since === undefined ? new Date(until.getTime() - hours * 3600_000) : timeOption('since', values.since);
  return { since, until };
}

/** The Argo dataset, with what the options change of it. */
function dataset(values: Values): ReturnType<typeof resolveDataset> {
  return resolveDataset({
    ...ARGO_DATASET,
    ...(values['centre-id'] === undefined ? {} : { centreId: values['centre-id'] }),
    ...(values['topic-wis2'] === undefined ? {} : { topic: values['topic-wis2'] }),
    ...(values['metadata-id'] === undefined ? {} : { metadataId: values['metadata-id'] }),
    ...(values['base-url'] === undefined ? {} : { baseUrl: values['base-url'] }),
  });
}

/**
 * What the run needs apart from the announced fingerprints and the stop signal, and the topic
 * the events go to; read in the order the usage errors are told.
 */
function reconcileOptions(values: Values & { index: string }, dryRun: boolean): { options: Omit<ReconcileOptions, 'known' | 'signal'>; topic: string } {
  const window = timeWindow(values);
  const rate = numberOption('rate', values.rate, DEFAULT_RATE, { min: 0.001, max: 10_000 });
  const hash = values.hash ?? 'sha512';
  if (hash !== 'sha512' && hash !== 'sha256') throw new UsageError(`--hash is sha512 or sha256, got "${hash}"`);
  const topic = values.topic ?? 'diffusion/files/coriolis/argo/netcdf';
  checkTopicName(topic);
  const ds = dataset(values);
  const options: Omit<ReconcileOptions, 'known' | 'signal'> = {
    index: values.index,
    dataset: ds,
    gdacUrl: values['gdac-url'] ?? ds.baseUrl?.href ?? 'https://data-argo.ifremer.fr/',
    ...window,
    rate,
    hash,
    source: 'wis2-reconcile',
  };
  if (values.mirror !== undefined) options.mirror = values.mirror;
  // a dry run must not move a real run's progress on
  if (values.state !== undefined && !dryRun) options.progressFile = values.state;
  return { options, topic };
}

/** data_id -> fingerprint of what was announced: the dataset's memory, then a broker's sent notifications. */
async function knownFingerprints(values: Values): Promise<Map<string, string>> {
  const known = values.memory === undefined ? new Map<string, string>() : await readMemorySnapshot(values.memory);
  if (values.published !== undefined) await publishedFingerprints(values.published, known);
  return known;
}

async function main(args: string[], io: CommandIo): Promise<number> {
  const values = readOptions(args, OPTIONS, USAGE, io);
  if (typeof values === 'number') return values;
  const index = values.index;
  if (index === undefined) throw new UsageError('--index is required');
  const dryRun = values['dry-run'] === true;
  const { options, topic } = reconcileOptions({ ...values, index }, dryRun);
  const known = await knownFingerprints(values);
  const client = (await publisher(values, io, dryRun, '', 'wis2-reconcile'))?.client;
  const stop = stopSignal(io);
  try {
    const report = await reconcile({ ...options, known: (id) => known.get(id), signal: stop.signal }, async (e) => {
      if (client) await client.publishAsync(topic, JSON.stringify(e.event), { qos: 1 });
      io.out(eventLine(e));
    });
    io.out(summaryLine(report, dryRun));
    return report.index.bad > 0 || report.unavailable.length > 0 ? 1 : 0;
  } catch (err) {
    if (!stop.signal.aborted) throw err;
    io.err(errorLine('reconcile.stopped', 'stopped before the end; run it again with the same --state to resume'));
    return 130;
  } finally {
    stop.release();
    if (client) await endClient(client, false);
  }
}

export function run(args: string[], io: CommandIo): Promise<number> {
  return runMain('reconcile', USAGE, io, () => main(args, io));
}
