/**
 * `wis2 simulate`: plays the diffusion system. It publishes "file created" CloudEvents on the
 * internal broker the way the Coriolis diffusion system does, so the pipeline can be run, measured
 * and tested without it.
 */
import { performance } from 'node:perf_hooks';
import type { ParseArgsConfig } from 'node:util';
import type { IClientPublishOptions, MqttClient } from 'mqtt';
import { HELP_OPTION, UsageError, countOption, errorLine, errorText, field, numberOption, readOptions, rounded, runCommand } from '../cli/command';
import type { CommandIo } from '../cli/io';
import { BROKER_OPTIONS, CONNECT_TIMEOUT_OPTION, brokerTarget, checkTopicName, connectBroker, connectTimeoutOption, endClient, watchConnection, type BrokerTarget } from '../cli/mqtt';
import { SAMPLES_DIR, announceSyntheticFiles, loadSamples, variant, type Json, type Sample } from '../cli/samples';

const USAGE = `usage:
  wis2 simulate --url URL [--events PATH] [--count N] [--rate R] [--topic T] [--qos 0|1|2]
                [--vary] [--synthetic-files] [--quiet] [--inflight N] [--ack-timeout S]
                [--username U] [--password P] [--mqtt-version 3.1.1|5] [--connect-timeout S]
      publishes "file created" CloudEvents as the diffusion system does, on
      diffusion/files/coriolis/argo/netcdf or .../bufr (by the announced file), or on --topic T

  --url URL          broker: mqtt://, mqtts://, ws:// or wss://, credentials allowed (user:pass@host)
  --events PATH      a JSON event file, or a directory of them (*.json, in name order);
                     default: the package's sample events (flows/samples)
  --count N          events in all, cycling through the files (default: each file once)
  --rate R           events per second (default: as fast as the broker acknowledges)
  --qos Q            0, 1 (default) or 2; an event counts as published once acknowledged
                     (QoS 0: once written to the connection; over MQTT 3.1.1 a broker also
                     acknowledges what its ACL drops: --mqtt-version 5 reports refusals)
  --vary             after the first pass, every event is a new event for a new file: new id and
                     a new cycle number (profiles), float number (float files) or bulletin time
                     (BUFR), so that N events announce N distinct files
  --synthetic-files  every announced file is the synthetic sample file of its name (the text
                     "synthetic sample: <file name>"): its file:checksum (sha3-256) and file:size
                     describe those bytes, which \`wis2 serve --synthetic\` serves, so a cache
                     downloading them finds what was announced
  --quiet            no line per event, only the summary
  --inflight N       events awaiting acknowledgement at most (default 100)
  --ack-timeout S    give up when no acknowledgement came for S seconds (default 30)
  --username, --password   credentials (else from the URL, else MQTT_USERNAME / MQTT_PASSWORD,
                           or the password from the file MQTT_PASSWORD_FILE names)
  --mqtt-version V   3.1.1 (default) or 5; with 5 the events carry the Content Type
                     application/cloudevents+json (CloudEvents MQTT binding, structured mode)
  --connect-timeout S  keep trying to reach the broker for S seconds (default 10)

  prints "PUBLISHED <topic> <event id> <href>…" (or "FAILED <topic> <event id> <reason>") per
  event, then {"published":N,"failed":N,"seconds":S,"rate":R} (S from the connection to the last
  acknowledgement, R = published / S); exit 0 when every event was
  acknowledged, 1 otherwise, 64 on usage errors, 65 for an event file that is not JSON,
  66 when the events cannot be read`;

const OPTIONS = {
  ...BROKER_OPTIONS,
  events: { type: 'string' },
  count: { type: 'string' },
  rate: { type: 'string' },
  topic: { type: 'string' },
  qos: { type: 'string' },
  vary: { type: 'boolean' },
  'synthetic-files': { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  inflight: { type: 'string' },
  'ack-timeout': { type: 'string' },
  ...CONNECT_TIMEOUT_OPTION,
  ...HELP_OPTION,
} satisfies ParseArgsConfig['options'];

/** CloudEvents MQTT binding, structured mode: the Content Type of an MQTT 5 message. */
const CLOUDEVENTS_CONTENT_TYPE = 'application/cloudevents+json; charset=utf-8';
/** A signal stops new publications; events in flight get this long to be acknowledged. */
const STOP_GRACE_MS = 2000;

interface Settings {
  target: BrokerTarget;
  samples: Sample[];
  count: number;
  rate: number | undefined;
  topic: string | undefined;
  qos: 0 | 1 | 2;
  vary: boolean;
  syntheticFiles: boolean;
  quiet: boolean;
  inflight: number;
  ackTimeoutMs: number;
  connectTimeoutMs: number;
}

type Values = Exclude<ReturnType<typeof readOptions<typeof OPTIONS>>, number>;

/** The pace options, read before the events so that a wrong one is told first. */
function pace(values: Values): Pick<Settings, 'qos' | 'rate' | 'inflight' | 'ackTimeoutMs' | 'connectTimeoutMs'> {
  return {
    qos: numberOption('qos', values.qos, 1, { min: 0, max: 2, integer: true }) as 0 | 1 | 2,
    rate: values.rate === undefined ? undefined : numberOption('rate', values.rate, 0, { min: 0.001 }),
    inflight: numberOption('inflight', values.inflight, 100, { min: 1, max: 65535, integer: true }),
    ackTimeoutMs: numberOption('ack-timeout', values['ack-timeout'], 30, { min: 0.1, max: 86400 }) * 1000,
    connectTimeoutMs: connectTimeoutOption(values['connect-timeout']),
  };
}

/** With --vary, every pass after the first needs new file names: the numbering of each sample must allow them. */
function checkVariants(samples: readonly Sample[], total: number): void {
  const passes = Math.ceil(total / samples.length) - 1;
  const short = samples.find((s) => (s.renamer?.capacity ?? Number.MAX_SAFE_INTEGER) < passes);
  if (short) throw new UsageError(`--vary cannot make ${passes} new files out of ${short.file}: its numbering allows ${short.renamer?.capacity ?? 0}`);
}

function settings(args: string[], io: CommandIo): Settings | number {
  const values = readOptions(args, OPTIONS, USAGE, io);
  if (typeof values === 'number') return values;
  const target = brokerTarget(values, io.env, '', 'wis2-simulate');
  const paced = pace(values);
  if (values.topic !== undefined) checkTopicName(values.topic);
  const count = countOption(values.count);
  const samples = loadSamples(values.events ?? SAMPLES_DIR, io);
  const total = count ?? samples.length;
  if (values.vary === true) checkVariants(samples, total);
  return {
    ...paced,
    target,
    samples,
    count: total,
    topic: values.topic,
    vary: values.vary === true,
    syntheticFiles: values['synthetic-files'] === true,
    quiet: values.quiet === true,
  };
}

interface InFlight {
  topic: string;
  id: string;
  hrefs: string[];
  settled: boolean;
}

/**
 * One run: a publishing loop, and the callbacks (acknowledgements, the rate timer, the
 * watchdog, stop requests) that change its state and wake it; the loop is their only waiter.
 */
class Simulation {
  private published = 0;
  private failed = 0;
  /** no new event is published */
  private stopped = false;
  private interrupted = false;
  /** set when events in flight are given up for lost */
  private abortReason: string | undefined;
  /** when publishing began (the connection was made): the origin of the schedule and of `seconds` */
  private started = performance.now();
  private lastProgress = performance.now();
  /** after a stop request, when events in flight are given up */
  private graceEnds = Infinity;
  private readonly pending = new Set<InFlight>();
  private readonly connecting = new AbortController();
  private wake: (() => void) | undefined;

  constructor(
    private readonly s: Settings,
    private readonly io: CommandIo,
  ) {}

  async run(): Promise<number> {
    const stopListening = this.io.onStop?.(() => {
      this.requestStop();
    });
    try {
      const client = await this.connect();
      if (client === undefined) return this.summary();
      const watchdog = this.watchdog();
      await this.publishAll(client);
      clearInterval(watchdog);
      await this.giveUpAndEnd(client);
      return this.summary();
    } finally {
      stopListening?.();
    }
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private nextChange(): Promise<void> {
    return new Promise((resolve) => (this.wake = resolve));
  }

  // read through a call: the flags change in callbacks while the loop awaits
  private halted(): boolean {
    return this.stopped;
  }

  private requestStop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.interrupted = true;
    this.graceEnds = performance.now() + STOP_GRACE_MS;
    this.connecting.abort();
    this.notify();
  }

  private async connect(): Promise<MqttClient | undefined> {
    let client: MqttClient;
    try {
      client = await connectBroker(this.s.target, this.s.connectTimeoutMs, this.connecting.signal);
    } catch (err) {
      if (!this.interrupted) this.io.err(errorLine('mqtt.connect', errorText(err)));
      return undefined;
    }
    watchConnection(client, this.io);
    this.started = performance.now();
    return client;
  }

  private watchdog(): NodeJS.Timeout {
    const { ackTimeoutMs } = this.s;
    return setInterval(() => {
      const now = performance.now();
      if (this.pending.size > 0 && (now - this.lastProgress > ackTimeoutMs || now > this.graceEnds)) {
        this.abortReason = this.interrupted ? 'interrupted before the broker acknowledged' : `no acknowledgement within ${ackTimeoutMs / 1000} s`;
        this.stopped = true;
        this.notify();
      }
    }, Math.min(250, ackTimeoutMs / 4));
  }

  private async publishAll(client: MqttClient): Promise<void> {
    const options: IClientPublishOptions = { qos: this.s.qos, retain: false };
    if (this.s.target.options.protocolVersion === 5) options.properties = { contentType: CLOUDEVENTS_CONTENT_TYPE };
    for (let i = 0; i < this.s.count && !this.halted(); i++) {
      await this.waitForTurn(i);
      if (this.halted()) break;
      this.publish(client, i, options);
    }
    while (this.pending.size > 0 && this.abortReason === undefined) await this.nextChange();
  }

  /** Until the i-th event is due by the rate and there is room in flight. */
  private async waitForTurn(i: number): Promise<void> {
    if (this.s.rate !== undefined) {
      // An absolute schedule, so that waiting for acknowledgements does not make the rate drift.
      const due = this.started + (i * 1000) / this.s.rate;
      while (!this.halted()) {
        const wait = due - performance.now();
        if (wait <= 0) break;
        const timer = setTimeout(() => {
          this.notify();
        }, wait);
        await this.nextChange();
        clearTimeout(timer);
      }
    }
    while (this.pending.size >= this.s.inflight && !this.halted()) await this.nextChange();
  }

  private publish(client: MqttClient, i: number, options: IClientPublishOptions): void {
    const { payload, ...announced } = eventAt(this.s, i);
    const entry: InFlight = { ...announced, settled: false };
    if (this.pending.size === 0) this.lastProgress = performance.now();
    this.pending.add(entry);
    client.publish(entry.topic, payload, options, (err) => {
      this.settle(entry, err ?? undefined);
    });
  }

  private settle(entry: InFlight, err: unknown): void {
    if (entry.settled) return;
    entry.settled = true;
    this.pending.delete(entry);
    this.lastProgress = performance.now();
    if (err === undefined) {
      this.published++;
      if (!this.s.quiet) this.io.out(`PUBLISHED ${field(entry.topic)} ${field(entry.id)} ${entry.hrefs.map(field).join(' ') || '-'}`);
    } else {
      this.failed++;
      if (!this.s.quiet) this.io.out(`FAILED ${field(entry.topic)} ${field(entry.id)} ${errorText(err)}`);
    }
    this.notify();
  }

  /** What is still in flight counts as failed; the connection is cut when that was given up. */
  private async giveUpAndEnd(client: MqttClient): Promise<void> {
    const lost = this.abortReason;
    for (const entry of [...this.pending]) this.settle(entry, new Error(lost ?? 'not acknowledged'));
    if (lost !== undefined) this.io.err(errorLine(this.interrupted ? 'mqtt.interrupted' : 'mqtt.ack_timeout', lost));
    await endClient(client, lost !== undefined);
  }

  private summary(): number {
    const seconds = (performance.now() - this.started) / 1000;
    const line: Record<string, unknown> = { published: this.published, failed: this.failed, seconds: rounded(seconds, 3), rate: rounded(seconds > 0 ? this.published / seconds : 0, 1) };
    const unsent = this.s.count - this.published - this.failed;
    if (unsent > 0) line.unsent = unsent;
    if (this.interrupted) line.interrupted = true;
    this.io.out(JSON.stringify(line));
    return this.published === this.s.count && this.failed === 0 ? 0 : 1;
  }
}

/** The i-th event of the run: the samples in turn, varied after the first pass with --vary. */
function eventAt(s: Settings, i: number): { topic: string; id: string; hrefs: string[]; payload: Buffer } {
  const sample = s.samples[i % s.samples.length];
  const pass = Math.floor(i / s.samples.length);
  let payload: Buffer = sample.bytes;
  let id = sample.id;
  let hrefs = sample.hrefs;
  if (s.vary && pass > 0) {
    const v = variant(sample, pass, new Date());
    payload = Buffer.from(JSON.stringify(v.event));
    id = v.id;
    hrefs = v.hrefs;
  }
  if (s.syntheticFiles) payload = Buffer.from(JSON.stringify(announceSyntheticFiles(JSON.parse(payload.toString('utf8')) as Json)));
  return { topic: s.topic ?? sample.topic, id, hrefs, payload };
}

export function run(args: string[], io: CommandIo): Promise<number> {
  return runCommand('simulate', USAGE, io, () => settings(args, io), (s) => new Simulation(s, io).run());
}
