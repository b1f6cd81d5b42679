import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { SAMPLES_DIR, loadSamples, variant } from '../../bin/cli/samples';
import { installFlows } from '../../bin/commands/flows';
import { memoryIo } from '../../bin/cli/io';
import { freePort, startRuntime, type Runtime } from '../../bin/launch';
import { startMosquitto, type Broker } from '../helpers/mosquitto';
import { procMemory } from '../helpers/proc';

/**
 * What the reliability tests need: brokers that keep their sessions across a stop, the
 * Node-RED runtime with the shipped flows that can be killed and started again on the same
 * user directory, a producer of distinct file events and an observer playing the Global Broker.
 */

export const SOURCE_TOPIC = 'diffusion/files/coriolis/argo/netcdf';
export const DEAD_LETTERS = 'wis2/rejected/fr-ifremer-argo';

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });

/** Mosquitto as the deployment runs it where it matters here: persistence, large queues. */
export function persistentBroker(): Promise<Broker> {
  return startMosquitto({
    config: [
      'listener {{PORT}} 127.0.0.1',
      'allow_anonymous true',
      'persistence true',
      'persistence_location {{DIR}}/',
      'autosave_interval 1',
      'max_queued_messages 100000',
      'max_inflight_messages 100',
      '',
    ].join('\n'),
  });
}

/**
 * The k-th (0-based) of an endless series of file events, each announcing a file no other one
 * announces: the samples in turn, each time renamed to a new file. For runs too long to hold
 * every event in memory at once.
 */
export function distinctEventMaker(): (k: number) => Buffer {
  const samples = loadSamples(SAMPLES_DIR, memoryIo()).filter((s) => s.renamer !== undefined);
  const now = new Date();
  return (k) => Buffer.from(JSON.stringify(variant(samples[k % samples.length], Math.floor(k / samples.length) + 1, now).event));
}

/** `count` file events, each announcing a file no other one announces. */
export function distinctEvents(count: number): Buffer[] {
  const make = distinctEventMaker();
  return Array.from({ length: count }, (_, k) => make(k));
}

export interface Pipeline {
  runtime: Runtime;
  userDir: string;
  /** kills the runtime with SIGKILL, as a crash would */
  kill(): Promise<void>;
  /** starts it again on the same user directory (journals, memory, flows kept) */
  restart(): Promise<void>;
  stop(): Promise<void>;
  /** peak resident memory of the runtime process so far, in MiB (Linux) */
  peakRssMiB(): number | undefined;
}

/**
 * The environment the shipped flows read, for a runtime between these brokers: nothing else of
 * this process's environment leaks in, and reconnections are quick.
 */
export function pipelineEnv(inputUrl: string, outputUrl: string, clientId: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    MQTT_URL: inputUrl,
    WIS2_MQTT_URL: outputUrl,
    MQTT_CLIENT_ID: clientId,
    MQTT_RECONNECT_MS: '500',
    WIS2_DEAD_LETTER_TOPIC: DEAD_LETTERS,
    // the sample events announce files on data-argo.ifremer.fr, which the tests do not reach
    WIS2_CHECK: 'off',
  };
}

/** A node of a flow file, as the editor exports it. */
export type FlowNode = Record<string, unknown> & { id: string; type: string };

/** The shipped flows with a user's changes: `edit` gets them and returns what is deployed. */
export type FlowEdit = (nodes: FlowNode[]) => FlowNode[];

export async function startPipeline(inputUrl: string, outputUrl: string, extraEnv: NodeJS.ProcessEnv = {}, edit?: FlowEdit): Promise<Pipeline> {
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wis2-reliability-'));
  if (edit) {
    const { flowFile } = installFlows(userDir);
    const nodes = JSON.parse(fs.readFileSync(flowFile, 'utf8')) as FlowNode[];
    fs.writeFileSync(flowFile, JSON.stringify(edit(nodes), null, 4) + '\n');
  }
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...pipelineEnv(inputUrl, outputUrl, `wis2-reliability-${port}`), ...extraEnv };
  const start = (): Promise<Runtime> => startRuntime({ userDir, host: '127.0.0.1', port, env, quiet: true });
  let runtime = await start();
  // the peak of each process the runtime has been, across kills and restarts
  let peak = 0;
  const sample = (): void => {
    const hwm = procMemory(runtime.child.pid)?.hwmMiB;
    if (hwm !== undefined && hwm > peak) peak = hwm;
  };
  const timer = setInterval(sample, 250);
  timer.unref();
  const pipeline: Pipeline = {
    get runtime() {
      return runtime;
    },
    userDir,
    kill: async () => {
      sample();
      const child = runtime.child;
      await new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) resolve();
        else {
          child.once('exit', () => {
            resolve();
          });
          child.kill('SIGKILL');
        }
      });
    },
    restart: async () => {
      runtime = await start();
    },
    stop: async () => {
      clearInterval(timer);
      sample();
      await runtime.stop();
    },
    peakRssMiB: () => {
      sample();
      return peak > 0 ? Math.round(peak) : undefined;
    },
  };
  return pipeline;
}

export interface Observed {
  topic: string;
  id: string;
  dataId: string;
  rel: string;
  payload: Buffer;
}

/** A Global Broker's view: a persistent session, so nothing published while it reconnects is missed. */
export class Observer {
  readonly notifications: Observed[] = [];
  readonly deadLetters: { code: string; payload: Buffer }[] = [];
  private constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload) => {
      if (topic === DEAD_LETTERS) {
        const record = JSON.parse(payload.toString('utf8')) as { reason: { code: string } };
        this.deadLetters.push({ code: record.reason.code, payload });
        return;
      }
      const wnm = JSON.parse(payload.toString('utf8')) as { id: string; properties: { data_id: string }; links: { rel: string }[] };
      this.notifications.push({ topic, id: wnm.id, dataId: wnm.properties.data_id, rel: wnm.links.at(0)?.rel ?? '', payload });
    });
  }

  static async connect(url: string, deadLetterUrl = url): Promise<Observer> {
    const client = await mqtt.connectAsync(url, { clientId: `wis2-observer-${process.pid}-${Date.now()}`, clean: false, reconnectPeriod: 300 });
    const o = new Observer(client);
    // data notifications: the metadata flow's daily announcement is not part of these counts
    await client.subscribeAsync('origin/a/wis2/+/data/#', { qos: 1 });
    if (deadLetterUrl === url) await client.subscribeAsync(DEAD_LETTERS, { qos: 1 });
    return o;
  }

  distinctIds(): number {
    return new Set(this.notifications.map((n) => n.id)).size;
  }

  /** data_ids announced under more than one notification id: announced twice */
  dataIdsAnnouncedTwice(): string[] {
    const ids = new Map<string, Set<string>>();
    for (const n of this.notifications) {
      const set = ids.get(n.dataId) ?? new Set<string>();
      set.add(n.id);
      ids.set(n.dataId, set);
    }
    return [...ids].filter(([, s]) => s.size > 1).map(([d]) => d);
  }

  /** the same notification id received more than once (redeliveries of the same message) */
  repeatedIds(): number {
    return this.notifications.length - this.distinctIds();
  }

  close(): Promise<void> {
    return this.client.endAsync(true);
  }
}

/** Publishes events at `rate` per second (0: back to back), QoS 1, surviving broker outages. */
export async function produce(url: string, events: Buffer[], rate: number, onProgress?: (n: number) => void): Promise<void> {
  const client = await mqtt.connectAsync(url, { clientId: `wis2-producer-${process.pid}-${Date.now()}`, clean: false, reconnectPeriod: 300 });
  try {
    const start = Date.now();
    const inflight = new Set<Promise<unknown>>();
    for (let i = 0; i < events.length; i++) {
      if (rate > 0) {
        const due = start + (i * 1000) / rate;
        const wait = due - Date.now();
        if (wait > 0) await sleep(wait);
      }
      const p = client.publishAsync(SOURCE_TOPIC, events[i] ?? Buffer.alloc(0), { qos: 1 });
      inflight.add(p);
      void p.finally(() => inflight.delete(p));
      if (inflight.size >= 200) await Promise.race(inflight);
      onProgress?.(i + 1);
    }
    await Promise.all(inflight);
  } finally {
    await client.endAsync();
  }
}

export async function until(check: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(what());
    await sleep(100);
  }
}

/** Brokers, runtimes and observers a test starts, stopped and their directories removed together. */
export class Lab {
  private readonly brokers: Broker[] = [];
  private readonly pipelines: Pipeline[] = [];
  private readonly observers: Observer[] = [];

  async broker(): Promise<Broker> {
    const b = await persistentBroker();
    this.brokers.push(b);
    return b;
  }

  /** The runtime with the shipped flows, once its input has subscribed (under its share group, if any). */
  async pipeline(input: Broker, output: Broker, env: NodeJS.ProcessEnv = {}, edit?: FlowEdit): Promise<Pipeline> {
    const p = await startPipeline(input.url, output.url, env, edit);
    this.pipelines.push(p);
    const share = env.MQTT_SHARE_GROUP ? `$share/${env.MQTT_SHARE_GROUP}/` : '';
    await until(() => p.runtime.output().includes(`subscribed to ${share}diffusion/files/coriolis/argo/#`), 30_000, () => p.runtime.output());
    return p;
  }

  async observe(output: Broker, deadLetters: Broker = output): Promise<Observer> {
    const o = await Observer.connect(output.url, deadLetters.url);
    this.observers.push(o);
    return o;
  }

  /** One broker for everything: the runtime reads from it and publishes to it, the observer watches it. */
  async oneBroker(): Promise<{ b: Broker; p: Pipeline; o: Observer }> {
    const b = await this.broker();
    const p = await this.pipeline(b, b);
    const o = await this.observe(b);
    return { b, p, o };
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.observers.splice(0).map((o) => o.close()));
    for (const p of this.pipelines.splice(0)) {
      await p.stop();
      fs.rmSync(p.userDir, { recursive: true, force: true });
    }
    for (const b of this.brokers.splice(0)) {
      await b.stop();
      fs.rmSync(b.dir, { recursive: true, force: true });
    }
  }
}

/**
 * 1,000 distinct events at 100/s into `url`; `interrupt` runs once `at` of them are sent, while
 * the stream goes on. Resolves once every event was announced (or throws with what arrived).
 */
export async function streamThrough(url: string, o: Observer, p: Pipeline, at: number, interrupt: () => Promise<void>): Promise<void> {
  let sent = 0;
  const producing = produce(url, distinctEvents(1000), 100, (n) => {
    sent = n;
  });
  await until(() => sent >= at, 30_000, () => `only ${sent} sent`);
  await interrupt();
  await producing;
  await until(() => o.distinctIds() >= 1000, 120_000, () => `${o.distinctIds()} of 1000 arrived\n${p.runtime.output().slice(-3000)}`);
  // a late redelivery, or a notification announced twice, would come now
  await sleep(2000);
}
