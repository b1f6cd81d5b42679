/**
 * `wis2 receive`: plays the Global Broker side. It subscribes to a WIS2 broker and checks each
 * notification the way a Global Broker does before republishing it, with what can be checked
 * without the network: the topic, the message, the centre, and repeated ids.
 */
import { performance } from 'node:perf_hooks';
import type { ParseArgsConfig } from 'node:util';
import type { IPublishPacket, MqttClient } from 'mqtt';
import { validateWnm } from '../../nodes/lib/wnm';
import { validateTopic } from '../../nodes/lib/wth';
import type { CommandIo } from '../cli/io';
import { HELP_OPTION, Stopper, UsageError, countOption, errorLine, errorMessage, field, readOptions, rounded, runCommand, timeoutOption, warningLine } from '../cli/command';
import { BROKER_OPTIONS, CONNECT_TIMEOUT_OPTION, brokerTarget, connectBroker, connectTimeoutOption, endClient, watchConnection, type BrokerTarget } from '../cli/mqtt';
import { isRecord } from '../../nodes/lib/core/json';

const USAGE = `usage:
  wis2 receive --url URL [--topic T]… [--count N] [--timeout S] [--json] [--quiet]
               [--centre-id ID] [--username U] [--password P] [--mqtt-version 3.1.1|5]
               [--connect-timeout S]
      subscribes (QoS 1) as a Global Broker does and checks every notification received:
      - the topic: a WIS2 publication topic (WIS2 Topic Hierarchy, registered centre id, leaf);
      - with --centre-id, that the topic belongs to that centre (a Global Broker takes from a
        WIS2 node only the topics of its centre);
      - the message: the whole WNM test suite, JSON Schema included (size, id, links...);
      - repeated ids: a valid message whose id was seen in the last hour is a duplicate and
        is dropped (anti-loop on id only, as Global Brokers do; a new id for the same
        data_id is not a duplicate).

  --url URL          broker: mqtt://, mqtts://, ws:// or wss://, credentials allowed (user:pass@host)
  --topic T          subscription filter, repeatable (default origin/a/wis2/#)
  --count N          stop after N distinct messages (valid or invalid; duplicates do not count)
  --timeout S        stop after S seconds of subscription
  --json             one JSON object per message instead of a text line
  --quiet            no line per message, only the summary
  --centre-id ID     the centre whose WIS2 node is received from
  --username, --password   credentials (else from the URL, else WIS2_MQTT_USERNAME / WIS2_MQTT_PASSWORD,
                           or the password from the file WIS2_MQTT_PASSWORD_FILE names)
  --mqtt-version V   3.1.1 (default) or 5
  --connect-timeout S  keep trying to reach the broker for S seconds (default 10)

  prints {"subscribed":[filters]} on stderr once subscribed; then "VALID <topic> <id> <data_id>",
  "INVALID <topic> <id> <reasons>" or "DUPLICATE <topic> <id> <data_id>" per message, then
  {"received":N,"valid":N,"invalid":N,"duplicates":N,"seconds":S,"stopped":"count|timeout|signal"}
  (also on SIGINT/SIGTERM); exit 0 when --count messages came and all were valid (without
  --count: when none was invalid), 1 otherwise, 64 on usage errors`;

const OPTIONS = {
  ...BROKER_OPTIONS,
  topic: { type: 'string', multiple: true },
  count: { type: 'string' },
  timeout: { type: 'string' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  'centre-id': { type: 'string' },
  ...CONNECT_TIMEOUT_OPTION,
  ...HELP_OPTION,
} satisfies ParseArgsConfig['options'];

export const DEFAULT_SUBSCRIPTION = 'origin/a/wis2/#';
/** How long an id is remembered: the reference Global Broker keeps it one hour. */
export const DEDUP_WINDOW_MS = 3600_000;
/** Bounds the memory of ids whatever the message rate; the oldest are forgotten first. */
export const DEDUP_MAX_IDS = 1_000_000;

export type Status = 'valid' | 'invalid' | 'duplicate';

export interface Verdict {
  status: Status;
  topic: string;
  id?: string;
  data_id?: string;
  /** why the message is invalid: `<check>: <problem>` */
  reasons: string[];
  /** what a Global Broker would let through but the publisher should fix */
  warnings: string[];
}

/** Ids of valid messages, each forgotten after the window; insertion order is age order. */
export class IdMemory {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly windowMs = DEDUP_WINDOW_MS,
    private readonly maxIds = DEDUP_MAX_IDS,
  ) {}

  /** True when `id` was remembered within the window; remembers it otherwise. */
  repeated(id: string, now: number): boolean {
    for (const [old, at] of this.seen) {
      if (now - at < this.windowMs && this.seen.size < this.maxIds) break;
      this.seen.delete(old);
    }
    if (this.seen.has(id)) return true;
    this.seen.set(id, now);
    return false;
  }
}

/** The members printed on a line, read without trusting the message. */
function identity(payload: Buffer): { id?: string; data_id?: string; metadata_id?: string } {
  if (payload.length > 64 * 1024) return {};
  let message: unknown;
  try {
    message = JSON.parse(payload.toString('utf8'));
  } catch {
    return {};
  }
  if (!isRecord(message)) return {};
  const out: { id?: string; data_id?: string; metadata_id?: string } = {};
  if (typeof message.id === 'string') out.id = message.id;
  const props = message.properties;
  if (isRecord(props)) {
    if (typeof props.data_id === 'string') out.data_id = props.data_id;
    if (typeof props.metadata_id === 'string') out.metadata_id = props.metadata_id;
  }
  return out;
}

const TEST_NAME = /\/conf\/core\/([a-z_]+)$|\/rec\/core\/([a-z_]+)$/;

function testName(id: string): string {
  const m = TEST_NAME.exec(id);
  return m?.[1] ?? m?.[2] ?? id;
}

/**
 * The Global Broker checks of one message, except the anti-loop which needs memory. Network
 * checks (a WCMP2 record in the Global Discovery Catalogue for the topic) are not made.
 */
export function checkNotification(topic: string, payload: Buffer, options: { centreId?: string; retained?: boolean } = {}): Verdict {
  const reasons: string[] = [];
  const warnings: string[] = [];
  // Global Brokers relay the cache channel of Global Caches as well as nodes' origin channel.
  const topicCheck = validateTopic(topic, { mode: 'publication', allowCache: true });
  for (const e of topicCheck.errors) reasons.push(`topic: ${e.message}${e.suggestion ? ` (${e.suggestion})` : ''}`);
  for (const w of topicCheck.warnings) warnings.push(`topic: ${w.message}`);
  if (options.centreId !== undefined && topicCheck.centreId !== options.centreId) {
    reasons.push(`centre: the topic belongs to centre "${topicCheck.centreId ?? ''}", not to "${options.centreId}" whose node this is`);
  }

  const report = validateWnm(payload, { topic });
  for (const t of report['ets-report'].tests) {
    if (t.code === 'FAILED') reasons.push(`${testName(t.id)}: ${t.message ?? 'failed'}`);
    else if (t.code === 'WARNING') warnings.push(`${testName(t.id)}: ${t.message ?? ''}`);
  }

  const { id, data_id, metadata_id } = identity(payload);
  const md = metadata_id === undefined ? undefined : /^urn:wmo:md:([^:]+):/.exec(metadata_id);
  if (md && topicCheck.centreId !== undefined && md[1] !== topicCheck.centreId) {
    warnings.push(`metadata_id: names centre "${md[1]}" while the topic is of centre "${topicCheck.centreId}"`);
  }
  if (options.retained === true) {
    warnings.push('retain: the broker kept this message as retained; WIS2 notifications are published with retain false');
  }
  const verdict: Verdict = { status: reasons.length === 0 ? 'valid' : 'invalid', topic, reasons, warnings };
  if (id !== undefined) verdict.id = id;
  if (data_id !== undefined) verdict.data_id = data_id;
  return verdict;
}

function line(v: Verdict): string {
  const head = `${v.status.toUpperCase()} ${field(v.topic)} ${field(v.id)}`;
  return v.status === 'invalid' ? `${head} ${v.reasons.join('; ')}` : `${head} ${field(v.data_id)}`;
}

interface Settings {
  target: BrokerTarget;
  filters: string[];
  count: number | undefined;
  timeoutMs: number | undefined;
  json: boolean;
  quiet: boolean;
  centreId: string | undefined;
  connectTimeoutMs: number;
}

function checkFilter(filter: string): void {
  const levels = filter.split('/');
  const bad = filter === '' || filter.includes('\u0000') || levels.some((l, i) => (l.includes('+') && l !== '+') || (l.includes('#') && (l !== '#' || i !== levels.length - 1)));
  if (bad) throw new UsageError(`--topic "${filter}" is not an MQTT topic filter ("+" for one whole level, "#" only last)`);
}

function settings(args: string[], io: CommandIo): Settings | number {
  const values = readOptions(args, OPTIONS, USAGE, io);
  if (typeof values === 'number') return values;
  const target = brokerTarget(values, io.env, 'WIS2_', 'wis2-receive');
  const filters = values.topic ?? [DEFAULT_SUBSCRIPTION];
  for (const f of filters) {
    checkFilter(f);
    // Not fatal: watching a broker with "#" is how one sees what is published on wrong topics.
    for (const w of validateTopic(f, { mode: 'subscription' }).errors) io.err(warningLine('topic.filter', `${f}: ${w.message}`));
  }
  const centreId = values['centre-id'];
  if (centreId !== undefined && !/^[a-z0-9]+(?:-[a-z0-9]+)+$/.test(centreId)) {
    throw new UsageError(`--centre-id "${centreId}" is not a WIS2 centre id (lowercase, dash-separated, e.g. fr-ifremer-argo)`);
  }
  return {
    target,
    filters,
    count: countOption(values.count),
    timeoutMs: timeoutOption(values.timeout),
    json: values.json === true,
    quiet: values.quiet === true,
    centreId,
    connectTimeoutMs: connectTimeoutOption(values['connect-timeout']),
  };
}

/** One run: subscribed until --count, --timeout or a stop request, a verdict per message. */
class Reception {
  readonly stopper = new Stopper();
  private readonly started = performance.now();
  private readonly counts = { received: 0, valid: 0, invalid: 0, duplicates: 0 };
  private readonly memory = new IdMemory();

  constructor(
    private readonly s: Settings,
    private readonly io: CommandIo,
  ) {}

  async run(connecting: AbortSignal): Promise<number> {
    let client: MqttClient;
    try {
      client = await connectBroker(this.s.target, this.s.connectTimeoutMs, connecting);
    } catch (err) {
      if (this.stopper.stoppedBy() !== undefined) return this.summary();
      this.io.err(errorLine('mqtt.connect', errorMessage(err)));
      return 1;
    }
    watchConnection(client, this.io);
    client.on('message', (topic: string, payload: Buffer, packet: IPublishPacket) => {
      this.onMessage(topic, payload, packet.retain);
    });
    if (this.stopper.stoppedBy() === undefined) {
      try {
        await this.subscribe(client);
      } catch (err) {
        await endClient(client, true);
        this.io.err(errorLine('mqtt.subscribe', errorMessage(err)));
        return 1;
      }
      await this.stopper.finished;
    }
    this.stopper.clearTimer();
    await endClient(client, false);
    return this.summary();
  }

  private async subscribe(client: MqttClient): Promise<void> {
    const granted = await client.subscribeAsync(Object.fromEntries(this.s.filters.map((topic) => [topic, { qos: 1 as const }])));
    const refused = granted.filter((g) => g.qos > 2);
    if (refused.length > 0) throw new Error(`the broker refused the subscription to ${refused.map((g) => g.topic).join(', ')}`);
    this.io.err(JSON.stringify({ subscribed: this.s.filters }));
    this.stopper.startTimer(this.s.timeoutMs);
  }

  private onMessage(topic: string, payload: Buffer, retained: boolean): void {
    if (this.stopper.stoppedBy() !== undefined) return;
    const { counts, s } = this;
    counts.received++;
    const verdict = checkNotification(topic, payload, { ...(s.centreId === undefined ? {} : { centreId: s.centreId }), retained });
    if (verdict.status === 'valid' && verdict.id !== undefined && this.memory.repeated(verdict.id, Date.now())) verdict.status = 'duplicate';
    if (verdict.status === 'valid') counts.valid++;
    else if (verdict.status === 'invalid') counts.invalid++;
    else counts.duplicates++;
    if (!s.quiet) this.io.out(s.json ? JSON.stringify(verdict) : line(verdict));
    if (s.count !== undefined && counts.valid + counts.invalid >= s.count) this.stopper.stop('count');
  }

  private summary(): number {
    const seconds = (performance.now() - this.started) / 1000;
    const summary: Record<string, unknown> = { ...this.counts, seconds: rounded(seconds, 3) };
    const why = this.stopper.stoppedBy();
    if (why !== undefined) summary.stopped = why;
    this.io.out(JSON.stringify(summary));
    if (this.counts.invalid > 0) return 1;
    return this.s.count === undefined || this.counts.valid + this.counts.invalid >= this.s.count ? 0 : 1;
  }
}

async function receive(s: Settings, io: CommandIo): Promise<number> {
  const reception = new Reception(s, io);
  const connecting = new AbortController();
  const stopListening = io.onStop?.(() => {
    connecting.abort();
    reception.stopper.stop('signal');
  });
  try {
    return await reception.run(connecting.signal);
  } finally {
    stopListening?.();
  }
}

export function run(args: string[], io: CommandIo): Promise<number> {
  return runCommand('receive', USAGE, io, () => settings(args, io), (s) => receive(s, io));
}
