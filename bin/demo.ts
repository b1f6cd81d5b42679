#!/usr/bin/env node
/**
 * `npm run demo`: starts the pipeline as `npm start` does (embedded broker, on free ports so it
 * runs beside anything), publishes the sample Argo file events, and prints each notification
 * that reaches `origin/a/wis2/#` with its validation result: one per announced file, and the
 * announcement of the Argo discovery metadata record that the metadata flow makes on deploy.
 *
 * Then the loop closes as it does on WIS2: a file server plays Ifremer's web server (the synthetic
 * sample files; one of them served with wrong bytes), a Global Cache simulator downloads and
 * checks each file, republishes it on `cache/a/wis2/…` or reports the failure as a monitoring
 * event, and the cache tracker and the monitor link all of it back to our notifications.
 * Exit 0 only when every announced file and the record arrived as valid notifications, nothing
 * went to the dead-letter topic, every file served right was cached, and the one served wrong
 * came back as one monitoring event linked to its notification.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { flowsDir } from './commands/flows';
import { freePort, startEmbeddedBroker, startRuntime, type Runtime } from './launch';
import { nodeRedVersion } from './node-red-dir';
import { validateWnm } from '../nodes/lib/wnm';
import { validateTopic } from '../nodes/lib/wth';
import { CacheTracker } from '../nodes/lib/feedback/cache-tracker';
import { linkEvent, readMonitorEvent } from '../nodes/lib/feedback/monitor';
import { run as runCache } from './commands/cache';
import { startFileServer } from './commands/serve';
import { announceSyntheticFiles } from './cli/samples';

const SOURCE = 'diffusion/files/coriolis/argo/#';
const DEAD_LETTERS = 'wis2/rejected/fr-ifremer-argo';
const CENTRE = 'fr-ifremer-argo';
const CACHE_ID = 'xx-wis2-gc-simulator';
const ORIGIN_SERVER = 'https://data-argo.ifremer.fr/';
/** the sample whose file the web server gets wrong: the failure path, end to end */
const SERVED_WRONG = 'BR6904187_052.nc';

interface Sample {
  file: string;
  event: { id: string; subject?: string; data?: { assets?: Record<string, { roles?: string[] }> } };
  bytes: Buffer;
}

/**
 * The sample events, each announcing the size of its synthetic file: their checksums describe
 * the text "synthetic sample: <file name>" (flows/samples/README.md), while their sizes are those
 * of real Argo files, which a cache checking the length would refuse.
 */
function samples(): Sample[] {
  const dir = path.join(flowsDir, 'samples');
  return fs
    .readdirSync(dir)
    .filter((n) => n.endsWith('.json'))
    .sort()
    .map((n) => {
      const event = announceSyntheticFiles(JSON.parse(fs.readFileSync(path.join(dir, n), 'utf8')) as Record<string, unknown>) as unknown as Sample['event'];
      return { file: n, bytes: Buffer.from(JSON.stringify(event)), event };
    });
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length === 0 ? NaN : sorted.length % 2 === 1 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function announced(s: Sample): number {
  const assets = Object.values(s.event.data?.assets ?? {});
  const data = assets.filter((a) => a.roles?.includes('data')).length;
  return data > 0 ? data : assets.length === 1 ? 1 : 0;
}

/** `origin/a/wis2/<centre-id>/metadata`: a discovery metadata notification, not data. */
function isMetadataTopic(topic: string): boolean {
  return topic.split('/')[4] === 'metadata';
}

type Wnm = { id?: string; properties?: { data_id?: string; metadata_id?: string }; links?: { rel?: string }[] };

/**
 * What reaches the demo's subscriptions, counted and printed: our notifications, dead letters,
 * the cache's notifications and its monitoring events, linked back to ours as the feedback flow's
 * tracker and monitor do in the runtime.
 */
class Tally {
  valid = 0;
  invalid = 0;
  metadata = 0;
  deadLetters = 0;
  cached = 0;
  readonly wis2Errors: { line: string; dataId?: string; linked: boolean }[] = [];
  readonly done: Promise<void>;
  private complete: () => void = () => undefined;

  constructor(
    private readonly tracker: CacheTracker,
    private readonly expected: number,
  ) {
    this.done = new Promise<void>((resolve) => {
      this.complete = resolve;
    });
  }

  onMessage(topic: string, payload: Buffer): void {
    try {
      if (topic === DEAD_LETTERS) {
        this.deadLetters++;
        console.log(`DEAD LETTER  ${payload.toString('utf8').slice(0, 300)}`);
      } else if (topic.startsWith('origin/')) this.onNotification(topic, payload);
      else if (topic.startsWith('cache/')) this.onCache(payload);
      else this.onMonitor(topic, payload);
    } catch (err) {
      console.log(`UNREADABLE  ${topic}: ${err instanceof Error ? err.message : String(err)}`);
    }
    // every announced file and the record, whatever became of each, and every file's fate at the cache
    const arrived = this.valid + this.metadata + this.invalid + this.deadLetters;
    if (arrived >= this.expected + 1 && this.cached + this.wis2Errors.length >= this.valid) this.complete();
  }

  private onNotification(topic: string, payload: Buffer): void {
    const report = validateWnm(payload, { topic })['ets-report'];
    const topicOk = validateTopic(topic, { mode: 'publication' }).valid;
    const ok = report.summary.FAILED === 0 && topicOk;
    const isMetadata = isMetadataTopic(topic);
    if (!ok) this.invalid++;
    else if (isMetadata) this.metadata++;
    else this.valid++;
    if (ok && !isMetadata) this.tracker.publishedNotification(payload, topic);
    const wnm = JSON.parse(payload.toString('utf8')) as Wnm;
    const failed = report.tests.filter((t) => t.code === 'FAILED').map((t) => t.id.split('/').pop());
    const what = isMetadata
      ? `metadata_id ${wnm.properties?.metadata_id ?? '?'}  link ${wnm.links?.at(0)?.rel ?? '?'}`
      : `data_id ${wnm.properties?.data_id ?? '?'}`;
    console.log(
      `${ok ? 'VALID  ' : 'INVALID'}  ${topic}\n         id ${wnm.id ?? '?'}  ${payload.length} bytes  ` +
        `tests: ${report.summary.PASSED} passed, ${report.summary.FAILED} failed, ${report.summary.WARNING} warnings` +
        `${failed.length ? ` (${failed.join(', ')})` : ''}${topicOk ? '' : '  topic INVALID'}\n         ${what}`,
    );
  }

  private onCache(payload: Buffer): void {
    const outcome = this.tracker.cacheNotification(payload);
    if (outcome.kind !== 'arrival') return;
    this.cached++;
    const a = outcome.arrival;
    console.log(`CACHED   by ${a.cache} after ${a.delay} s  data_id ${a.dataId}\n         our notification ${a.ourNotification}, the cache's ${a.cacheNotification}  ${a.href ?? ''}`);
  }

  private onMonitor(topic: string, payload: Buffer): void {
    const event = readMonitorEvent(payload, topic);
    const link = linkEvent(event.quoted, [this.tracker]);
    const linked = link.ourNotification !== undefined;
    const line = `WIS2 ${event.severity} ${event.kind} from ${event.centre}: ${event.reason}`;
    this.wis2Errors.push({ line, linked, ...(link.dataId === undefined ? {} : { dataId: link.dataId }) });
    console.log(`${line}\n         ${linked ? `linked by ${link.linkedBy ?? '?'} to our notification ${link.ourNotification ?? '?'}, data_id ${link.dataId ?? '?'}` : 'not linked to any notification of ours'}`);
  }
}

/** The Global Cache simulator, as `wis2 cache` runs it, downloading from the local file server. */
function startCacheSimulator(brokerUrl: string, filesUrl: string): { done: Promise<number>; stop(): void; output: string[] } {
  let stop = (): void => undefined;
  const output: string[] = [];
  const done = runCache(
    ['--url', brokerUrl, '--centre-id', CENTRE, '--cache-id', CACHE_ID, '--port', '0', '--fetch-from', `${ORIGIN_SERVER}=${filesUrl}`, '--quiet'],
    {
      out: (l) => output.push(l),
      err: (l) => output.push(l),
      readFile: (f) => fs.readFileSync(f),
      env: {},
      onStop: (listener) => {
        stop = listener;
        return () => undefined;
      },
    },
  );
  return {
    done,
    stop: () => {
      stop();
    },
    output,
  };
}

/** Our broker, subscribed to all the demo watches, before Node-RED starts: the metadata flow announces the record right after deploy. */
async function watch(brokerUrl: string, tally: Tally): Promise<mqtt.MqttClient> {
  const client = await mqtt.connectAsync(brokerUrl, { clientId: `wis2-demo-${process.pid}` });
  await client.subscribeAsync({ 'origin/a/wis2/#': { qos: 1 }, [DEAD_LETTERS]: { qos: 1 }, [`cache/a/wis2/${CENTRE}/#`]: { qos: 1 }, [`monitor/a/wis2/${CENTRE}`]: { qos: 1 } });
  client.on('message', (topic, payload) => {
    tally.onMessage(topic, payload);
  });
  return client;
}

/** Prints the two verdicts (the pipeline, the loop through the cache); true when both are OK. */
function verdict(tally: Tally, tracker: CacheTracker, events: number, expected: number): boolean {
  const { valid, metadata, invalid, deadLetters, cached, wis2Errors } = tally;
  const delays = tracker.delays.map((d) => d.delay);
  // within the demo's wait, a file no cache announced is as good as missed
  const missed = tracker.pending();
  const wrongReported = wis2Errors.filter((e) => e.linked && e.dataId?.endsWith(`/${SERVED_WRONG}`)).length;
  const pipelineOk = valid === expected && metadata === 1 && invalid === 0 && deadLetters === 0;
  const loopOk = cached === expected - 1 && missed === 1 && wis2Errors.length === 1 && wrongReported === 1;
  console.log(
    `\ndemo: ${events} events, ${expected} files announced; ${valid} valid data notifications, ${metadata} valid metadata notification, ` +
      `${invalid} invalid, ${deadLetters} dead letters: ${pipelineOk ? 'OK' : 'FAILED'}`,
  );
  const medianText = delays.length === 0 ? '' : ` (median delay ${median(delays).toFixed(1)} s)`;
  console.log(
    `demo: ${valid} files announced, ${cached} cached${medianText}, ${missed} missed, ${wis2Errors.length} WIS2 error${wis2Errors.length === 1 ? '' : 's'}` +
      `${wrongReported === 1 ? ` (${SERVED_WRONG}, served with wrong bytes: reported by the cache, linked to our notification)` : ''}: ${loopOk ? 'OK' : 'FAILED'}`,
  );
  return pipelineOk && loopOk;
}

/** Publishes the sample events once Node-RED listens, and waits for all to come back (30 s at most). */
async function publishSamples(client: mqtt.MqttClient, events: readonly Sample[], tally: Tally, subscribed: Promise<void>, runtimeUrl: string): Promise<void> {
  await subscribed;
  console.log(`demo: Node-RED ${runtimeUrl} subscribed to ${SOURCE}; publishing ${events.length} sample events; the metadata flow announces the Argo record\n`);
  for (const s of events) {
    await client.publishAsync(s.event.subject ?? 'diffusion/files/coriolis/argo/netcdf', s.bytes, { qos: 1 });
  }
  const timeout = new Promise<'timeout'>((r) => setTimeout(() => { r('timeout'); }, 30_000).unref());
  if ((await Promise.race([tally.done, timeout])) === 'timeout') console.log('\ndemo: timed out waiting for notifications');
}

/** What the demo runs beside Node-RED: the broker, the file server, its own client, the cache simulator. */
interface Services {
  broker: Awaited<ReturnType<typeof startEmbeddedBroker>>;
  files: Awaited<ReturnType<typeof startFileServer>>;
  client: mqtt.MqttClient;
  cache: ReturnType<typeof startCacheSimulator>;
}

async function shutdown(s: Services, runtime?: Runtime): Promise<void> {
  s.cache.stop();
  await s.cache.done;
  await s.client.endAsync();
  await runtime?.stop();
  await s.files.close();
  await s.broker.close();
}

async function startServices(tally: Tally): Promise<Services> {
  const broker = await startEmbeddedBroker(0);
  const files = await startFileServer({ synthetic: true, wrong: [SERVED_WRONG], port: 0 });
  const client = await watch(broker.url, tally);
  const cache = startCacheSimulator(broker.url, files.url);
  console.log(`demo: embedded broker ${broker.url}; file server ${files.url} (${SERVED_WRONG} served with wrong bytes); Global Cache simulator ${CACHE_ID}; starting Node-RED ${nodeRedVersion()} (Node.js ${process.version}) with the shipped flows…`);
  return { broker, files, client, cache };
}

async function main(): Promise<number> {
  const events = samples();
  const expected = events.reduce((n, s) => n + announced(s), 0);
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wis2-demo-'));
  const tracker = CacheTracker.open({ file: path.join(userDir, 'demo-tracker.jsonl') });
  const tally = new Tally(tracker, expected);
  const services = await startServices(tally);
  // our broker plays the Global Broker too: the feedback flow and the cache simulator use it;
  // nothing is checked before publishing, so that the file served wrong reaches the cache
  // simulator and shows the failure path
  const env = { ...process.env, MQTT_URL: services.broker.url, WIS2_MQTT_URL: '', WIS2_GB_MQTT_URL: '', WIS2_DEAD_LETTER_TOPIC: DEAD_LETTERS, WIS2_CHECK: 'off' };
  const runtime = await startRuntime({ userDir, host: '127.0.0.1', port: await freePort(), env, quiet: true }).catch(async (err: unknown) => {
    await shutdown(services);
    tracker.close();
    throw err;
  });
  try {
    await publishSamples(services.client, events, tally, services.broker.subscribed(SOURCE), runtime.url);
  } finally {
    await shutdown(services, runtime);
  }
  const ok = verdict(tally, tracker, events.length, expected);
  tracker.close();
  fs.rmSync(userDir, { recursive: true, force: true });
  if (!ok) console.log(`\nNode-RED output:\n${runtime.output()}\n\nGlobal Cache simulator:\n${services.cache.output.join('\n')}`);
  return ok ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`demo: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
