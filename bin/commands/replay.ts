/**
 * `wis2 replay`: publishes again what a WIS2 broker acknowledged in a time window, from the
 * notifications it kept, with new ids (Global Brokers drop ids they have seen).
 */
import { randomUUID } from 'node:crypto';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { MqttClient } from 'mqtt';
import { DEFAULT_RATE, pacer } from '../../nodes/lib/argo/reconcile';
import { readPublished, republished } from '../../nodes/lib/reliability/published-log';
import type { CommandIo } from './io';
import { timeOption } from './reconcile';
import { brokerTarget, connectBroker, endClient, errorLine, numberOption, runMain, UsageError, watchConnection } from './simulate';

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
  url: { type: 'string' },
  username: { type: 'string' },
  password: { type: 'string' },
  'mqtt-version': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} satisfies ParseArgsConfig['options'];

async function main(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0] ?? ''}"`);
  if (values.published === undefined) throw new UsageError('--published is required');
  if (values.since === undefined) throw new UsageError('--since is required');
  const since = timeOption('since', values.since);
  const until = values.until === undefined ? new Date() : timeOption('until', values.until);
  const rate = numberOption('rate', values.rate, DEFAULT_RATE, { min: 0.001, max: 10_000 });
  const dryRun = values['dry-run'] === true;
  let client: MqttClient | undefined;
  let v5 = false;
  if (!dryRun) {
    const target = brokerTarget(values, io.env, 'WIS2_', 'wis2-replay');
    v5 = target.options.protocolVersion === 5;
    client = await connectBroker(target, 10_000);
    watchConnection(client, io);
  }
  const stop = new AbortController();
  const unlisten = io.onStop?.(() => {
    stop.abort(new Error('stopped'));
  });
  const pace = pacer(rate, stop.signal);
  let replayed = 0;
  let skipped = 0;
  try {
    for await (const r of readPublished(values.published, since, until)) {
      const id = randomUUID();
      const payload = republished(r.payload, id, new Date());
      if (payload === undefined) {
        skipped++;
        io.err(errorLine('replay.unreadable', `a record of ${r.at.toISOString()} on ${r.topic} is no notification; skipped`));
        continue;
      }
      await pace();
      if (client) await client.publishAsync(r.topic, payload, { qos: 1, ...(v5 ? { properties: { contentType: 'application/geo+json' } } : {}) });
      const was = (JSON.parse(r.payload) as { id?: unknown; properties?: { data_id?: unknown } });
      io.out(JSON.stringify({ replayed: { id, was: was.id ?? null, data_id: was.properties?.data_id ?? null, topic: r.topic, at: r.at.toISOString() } }));
      replayed++;
    }
  } catch (err) {
    if (!stop.signal.aborted) throw err;
    io.err(errorLine('replay.stopped', `stopped after ${replayed} notification(s)`));
    return 130;
  } finally {
    unlisten?.();
    if (client) await endClient(client, false);
  }
  io.out(JSON.stringify({ summary: { dry_run: dryRun, replayed, skipped } }));
  return 0;
}

export function run(args: string[], io: CommandIo): Promise<number> {
  return runMain('replay', USAGE, io, () => main(args, io));
}
