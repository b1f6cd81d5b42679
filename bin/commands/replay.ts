/**
 * `wis2 replay`: publishes again what a WIS2 broker acknowledged in a time window, from the
 * notifications it kept, with new ids (Global Brokers drop ids they have seen).
 */
import { randomUUID } from 'node:crypto';
import type { ParseArgsConfig } from 'node:util';
import type { MqttClient } from 'mqtt';
import { DEFAULT_RATE, pacer } from '../../nodes/lib/argo/reconcile';
import { readPublished, republished, type PublishedRecord } from '../../nodes/lib/reliability/published-log';
import type { CommandIo } from '../cli/io';
import { timeOption } from './reconcile';
import { HELP_OPTION, UsageError, errorLine, numberOption, readOptions, runMain, stopSignal } from '../cli/command';
import { BROKER_OPTIONS, endClient, publisher } from '../cli/mqtt';

const USAGE = `usage:
  wis2 replay --published DIR --since T [--until T] [--rate R] [--dry-run]
              [--url URL] [--username U] [--password P] [--mqtt-version 3.1.1|5]
      publishes again, on their own topics of the WIS2 broker --url, the notifications that broker
      acknowledged between --since and --until (RFC 3339; default until now), as kept in DIR
      (<user dir>/wis2/published/<broker node id>), each with a new id and pubtime, at --rate
      per second (default ${DEFAULT_RATE}), QoS 1. Prints one JSON line per notification
      {"replayed":{"id","was","data_id","topic","at"}} and a summary {"summary":{"replayed","skipped"}};
      --dry-run publishes nothing.`;

const OPTIONS = {
  published: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  rate: { type: 'string' },
  'dry-run': { type: 'boolean' },
  ...BROKER_OPTIONS,
  ...HELP_OPTION,
} satisfies ParseArgsConfig['options'];

interface Replay {
  client: MqttClient | undefined;
  /** MQTT 5: the notifications go with their Content Type */
  v5: boolean;
  io: CommandIo;
  counts: { replayed: number; skipped: number };
}

/** Publishes one kept notification again under a new id, or tells why it cannot. */
async function replayOne(r: PublishedRecord, pace: () => Promise<void>, run: Replay): Promise<void> {
  const id = randomUUID();
  const payload = republished(r.payload, id, new Date());
  if (payload === undefined) {
    run.counts.skipped++;
    run.io.err(errorLine('replay.unreadable', `a record of ${r.at.toISOString()} on ${r.topic} is no notification; skipped`));
    return;
  }
  await pace();
  if (run.client) await run.client.publishAsync(r.topic, payload, { qos: 1, ...(run.v5 ? { properties: { contentType: 'application/geo+json' } } : {}) });
  const was = (JSON.parse(r.payload) as { id?: unknown; properties?: { data_id?: unknown } });
  run.io.out(JSON.stringify({ replayed: { id, was: was.id ?? null, data_id: was.properties?.data_id ?? null, topic: r.topic, at: r.at.toISOString() } }));
  run.counts.replayed++;
}

async function main(args: string[], io: CommandIo): Promise<number> {
  const values = readOptions(args, OPTIONS, USAGE, io);
  if (typeof values === 'number') return values;
  if (values.published === undefined) throw new UsageError('--published is required');
  if (values.since === undefined) throw new UsageError('--since is required');
  const since = timeOption('since', values.since);
  const until = values.until === undefined ? new Date() : timeOption('until', values.until);
  const rate = numberOption('rate', values.rate, DEFAULT_RATE, { min: 0.001, max: 10_000 });
  const dryRun = values['dry-run'] === true;
  const broker = await publisher(values, io, dryRun, 'WIS2_', 'wis2-replay');
  const stop = stopSignal(io);
  const run: Replay = { client: broker?.client, v5: broker?.target.options.protocolVersion === 5, io, counts: { replayed: 0, skipped: 0 } };
  const pace = pacer(rate, stop.signal);
  try {
    for await (const r of readPublished(values.published, since, until)) await replayOne(r, pace, run);
  } catch (err) {
    if (!stop.signal.aborted) throw err;
    io.err(errorLine('replay.stopped', `stopped after ${run.counts.replayed} notification(s)`));
    return 130;
  } finally {
    stop.release();
    if (broker) await endClient(broker.client, false);
  }
  io.out(JSON.stringify({ summary: { dry_run: dryRun, ...run.counts } }));
  return 0;
}

export function run(args: string[], io: CommandIo): Promise<number> {
  return runMain('replay', USAGE, io, () => main(args, io));
}
