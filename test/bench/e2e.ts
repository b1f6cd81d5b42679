import type { Broker } from '../helpers/mosquitto';
import { DEAD_LETTERS, sleep } from '../reliability/harness';
import { procCpuMicros, procMainThreadCpuMicros, procMainThreadSystemMicros } from '../helpers/proc';
import { seriesValue } from '../helpers/prometheus';
import { PASS_THROUGH_TOPIC, benchBroker, launch, stopBroker, type BenchRuntime, type FlowKind } from './runtime';
import { GC_FLUSH_MS } from './gc-preload';
import { MachineWatch, onMonotonicClock, slowDuring, type Coincidence, type MachineReading } from './machine';
import { percentiles, type Percentiles } from './stats';
import { Pool, Publisher, Tap, settle, type Oddities, type Span } from './traffic';

/**
 * End to end: events published to Mosquitto, through a Node-RED runtime, back out of
 * Mosquitto; the shipped Argo flow beside a pass-through flow of core MQTT nodes in the same
 * runtime setup, so what is left between the two is what our nodes cost; and beside the shipped
 * flow with the cache tracker's read-back off, so what is left between those two is what reading
 * every notification back from the Global Broker costs.
 */

/** Where the Argo flow's notifications arrive (the reliability observer's filter). */
const ARGO_OUTPUT = 'origin/a/wis2/+/data/#';
/** Probes sent while waiting for the runtime to subscribe; a few of them are lost, by design. */
const MAX_PROBES = 200;

export interface Session {
  kind: FlowKind;
  broker: Broker;
  runtime: BenchRuntime;
  pool: Pool;
  tap: Tap;
  publisher: Publisher;
}

/** A phase's events are made when it takes them, before it starts (see Pool.take). */
export async function openSession(kind: FlowKind, broker: Broker, events: number, env: NodeJS.ProcessEnv = {}): Promise<Session> {
  const pool = new Pool(events + MAX_PROBES);
  const runtime = await launch(kind, broker, env);
  try {
    const argo = kind !== 'pass-through';
    const tap = await Tap.open(broker.url, pool, argo ? 'wnm' : 'event', argo ? [ARGO_OUTPUT, DEAD_LETTERS] : [PASS_THROUGH_TOPIC]);
    const publisher = await Publisher.open(broker.url, pool);
    return { kind, broker, runtime, pool, tap, publisher };
  } catch (err) {
    await runtime.stop();
    throw err;
  }
}

export async function closeSession(s: Session): Promise<void> {
  await Promise.allSettled([s.tap.close(), s.publisher.close()]);
  await s.runtime.stop();
}

/**
 * The editor answers before the flow's MQTT input has subscribed, and what is published before
 * that reaches nobody: one probe every 100 ms until one comes out the other end.
 */
export async function ready(s: Session): Promise<void> {
  const probes: Span[] = [];
  while (probes.length < MAX_PROBES) {
    const span = s.pool.take(1);
    probes.push(span);
    s.publisher.probe(span.from);
    await sleep(100);
    if (probes.some((p) => s.pool.countSettled(p) > 0)) {
      // let the probes already on their way arrive, so none is counted in the next phase
      await sleep(500);
      return;
    }
  }
  throw new Error(`the ${s.kind} flow let no probe through:\n${s.runtime.runtime.output().slice(-3000)}`);
}

/**
 * CPU microseconds per event of each process taking part: the runtime, Mosquitto, and this
 * process (the publisher and the observer). On a machine whose cores are all busy, their sum
 * is what bounds the rate, whichever flow runs.
 */
export interface CpuPerEvent {
  runtime: number;
  /** the runtime's main thread alone, where its JavaScript runs */
  runtimeMain: number;
  /**
   * of the main thread's, the kernel's time on its behalf (system calls, wake-ups), to clock-tick
   * precision; undefined where /proc cannot tell
   */
  runtimeMainSystem: number | undefined;
  broker: number;
  clients: number;
}

export interface Throughput {
  events: number;
  seconds: number;
  perSecond: number;
  /** neither output nor dead letter, 30 s after the last progress */
  missing: number;
  /** undefined where /proc cannot tell */
  cpu: CpuPerEvent | undefined;
}

interface CpuMark {
  runtime: number | undefined;
  runtimeMain: number | undefined;
  runtimeMainSystem: number | undefined;
  broker: number | undefined;
  clients: number;
}

function cpuMark(s: Session): CpuMark {
  const own = process.cpuUsage();
  const pid = s.runtime.runtime.child.pid;
  return {
    runtime: procCpuMicros(pid),
    runtimeMain: procMainThreadCpuMicros(pid),
    runtimeMainSystem: procMainThreadSystemMicros(pid),
    broker: procCpuMicros(s.broker.pid()),
    clients: own.user + own.system,
  };
}

function cpuPerEvent(a: CpuMark, b: CpuMark, events: number): CpuPerEvent | undefined {
  if (a.runtime === undefined || b.runtime === undefined || a.broker === undefined || b.broker === undefined || events <= 0) return undefined;
  if (a.runtimeMain === undefined || b.runtimeMain === undefined) return undefined;
  const system = a.runtimeMainSystem === undefined || b.runtimeMainSystem === undefined ? undefined : (b.runtimeMainSystem - a.runtimeMainSystem) / events;
  return {
    runtime: (b.runtime - a.runtime) / events,
    runtimeMain: (b.runtimeMain - a.runtimeMain) / events,
    runtimeMainSystem: system,
    broker: (b.broker - a.broker) / events,
    clients: (b.clients - a.clients) / events,
  };
}

/**
 * `n` events back to back; the clock runs from the first publish to the last output, the CPU
 * counters from before the first publish to the end of the wait for the last output (whose
 * 20 ms polls cost next to nothing).
 */
export async function throughput(s: Session, n: number): Promise<Throughput> {
  const span = s.pool.take(n);
  const before = cpuMark(s);
  await s.publisher.burst(span);
  const missing = await settle(s.pool, span);
  const cpu = cpuPerEvent(before, cpuMark(s), n - missing);
  const seconds = (s.pool.lastSettled(span) - s.pool.firstPublished(span)) / 1000;
  return { events: n, seconds, perSecond: (n - missing) / seconds, missing, cpu };
}

export interface Latency extends Percentiles {
  /** the phase's events in the session's pool */
  span: Span;
  /** events per second asked for, and achieved by the publisher */
  rate: number;
  achievedRate: number;
  missing: number;
  /** over the whole phase, idle moments between events included; undefined where /proc cannot tell */
  cpu: CpuPerEvent | undefined;
}

/** `n` events at `rate` per second; each event's time from its publish to its output. */
export async function latency(s: Session, n: number, rate: number): Promise<Latency> {
  const span = s.pool.take(n);
  const before = cpuMark(s);
  const achievedRate = await s.publisher.atRate(span, rate);
  const missing = await settle(s.pool, span);
  const cpu = cpuPerEvent(before, cpuMark(s), n - missing);
  return { span, rate, achievedRate, missing, cpu, ...percentiles(s.pool.latencies(span)) };
}

/** Garbage collections of one kind: how many, and their pauses added up, in ms. */
export interface GcPauses {
  count: number;
  ms: number;
}

type GcKind = 'minor' | 'major' | 'incremental';

/** The runtime's collections by kind, as its /metrics counts them. */
export type GcTotals = Record<GcKind, GcPauses>;

/**
 * The text of the runtime's /metrics, or undefined when it does not answer (or `signal` aborts),
 * so a bench of a runtime without the endpoint still runs, without the readings taken from it.
 */
export async function runtimeMetrics(s: Session, signal?: AbortSignal): Promise<string | undefined> {
  try {
    const res = await fetch(new URL('metrics', s.runtime.runtime.url), { signal });
    return res.ok ? await res.text() : undefined;
  } catch {
    return undefined;
  }
}

/** prom-client's nodejs_gc_duration_seconds, read off the runtime's /metrics. */
async function gcTotals(s: Session): Promise<GcTotals | undefined> {
  const text = await runtimeMetrics(s);
  if (text === undefined) return undefined;
  // a kind not collected yet has no series
  const pauses = (kind: GcKind): GcPauses => ({
    count: seriesValue(text, `nodejs_gc_duration_seconds_count{kind="${kind}"}`) ?? 0,
    ms: (seriesValue(text, `nodejs_gc_duration_seconds_sum{kind="${kind}"}`) ?? 0) * 1000,
  });
  return { minor: pauses('minor'), major: pauses('major'), incremental: pauses('incremental') };
}

/** What was collected between two readings. */
function gcBetween(before: GcTotals | undefined, after: GcTotals | undefined): GcTotals | undefined {
  if (!before || !after) return undefined;
  const less = (kind: GcKind): GcPauses => ({ count: after[kind].count - before[kind].count, ms: after[kind].ms - before[kind].ms });
  return { minor: less('minor'), major: less('major'), incremental: less('incremental') };
}

export interface FlowResult {
  kind: FlowKind;
  /** the median round by rate */
  throughput: Throughput;
  /** events per second of every round, in order */
  throughputRounds: number[];
  latency: Latency;
  /** the runtime's garbage collections during the latency phase, when its /metrics answered */
  latencyGc: GcTotals | undefined;
  /** what the rest of the machine did during the latency phase */
  latencyMachine: MachineReading;
  /** the slow events of the latency phase and the runtime's collections they coincided with */
  latencyPauses: Coincidence;
  /** events of every phase that came out neither as output nor as dead letter */
  lost: number;
  /** VmHWM of the runtime process at the end, MiB */
  peakRssMiB: number | undefined;
  refused: number;
  oddities: { strangers: number; repeats: number; refusals: Record<string, number> };
}

export interface E2eOptions {
  warmup: number;
  throughputEvents: number;
  throughputRounds: number;
  latencyEvents: number;
  rate: number;
  /** latency, ms, above which an event counts as slow (the p99 goal) */
  slowMs: number;
}

function oddities(o: Oddities): FlowResult['oddities'] {
  return { strangers: o.strangers, repeats: o.repeats, refusals: Object.fromEntries(o.refusals) };
}

/** A flow to measure, and the environment of its runtime. */
export interface Contender {
  kind: FlowKind;
  env?: NodeJS.ProcessEnv;
}

/** The flows' turns in a round: the order turns over every round, so no flow always goes first. */
function turns(count: number, round: number): number[] {
  const order = Array.from({ length: count }, (_, i) => i);
  return round % 2 === 0 ? order : order.reverse();
}

/**
 * Flows measured side by side: every runtime is up for the whole run, on a Mosquitto of its
 * own (flows may read the same source topic, and leave nothing on a broker used after), and
 * their throughput bursts take turns. Several bursts each, the median kept: a burst of a few
 * thousand events lasts well under a second through the pass-through flow, where one slow
 * moment of a shared machine shows a lot; and since a machine whose speed drifts over minutes
 * now weighs on every flow alike, the ratios between them say what the flows cost, not when
 * each ran. Before the bursts, a probe through each flow and its warm-up (JIT, pools, journals'
 * first segments). Then each flow's fixed-rate latency run, after a pause for its
 * runtime to catch its breath, the flow whose burst came last first: it waits as long as a
 * flow measured alone does.
 */
export async function benchFlows(contenders: readonly Contender[], o: E2eOptions): Promise<FlowResult[]> {
  const brokers: Broker[] = [];
  const sessions: Session[] = [];
  try {
    for (const c of contenders) {
      const broker = await benchBroker();
      brokers.push(broker);
      sessions.push(await openSession(c.kind, broker, o.warmup + o.throughputEvents * o.throughputRounds + o.latencyEvents, c.env));
    }
    const lost = sessions.map(() => 0);
    for (const [i, s] of sessions.entries()) {
      await ready(s);
      // in bursts no larger than a round's: a longer one would leave a longer backlog, and the
      // peak RSS would show the warm-up's instead of the rounds'
      for (let left = o.warmup; left > 0; left -= o.throughputEvents) {
        const warm = s.pool.take(Math.min(left, o.throughputEvents));
        await s.publisher.burst(warm);
        lost[i] += await settle(s.pool, warm);
      }
    }
    const rounds: Throughput[][] = sessions.map(() => []);
    for (let r = 0; r < o.throughputRounds; r++) {
      for (const i of turns(sessions.length, r)) {
        rounds[i].push(await throughput(sessions[i], o.throughputEvents));
        await sleep(500);
      }
    }
    const latencies: Latency[] = [];
    const latencyGc: (GcTotals | undefined)[] = [];
    const machine: MachineReading[] = [];
    const pauses: Coincidence[] = [];
    const ours = [...sessions.map((s) => s.runtime.runtime.child.pid), ...brokers.map((b) => b.pid())];
    for (const i of turns(sessions.length, o.throughputRounds)) {
      const s = sessions[i];
      await sleep(2000);
      const gcBefore = await gcTotals(s);
      const watch = await MachineWatch.start(ours);
      latencies[i] = await latency(s, o.latencyEvents, o.rate);
      const timings = s.pool.timings(latencies[i].span);
      machine[i] = await watch.stop(timings, o.slowMs);
      latencyGc[i] = gcBetween(gcBefore, await gcTotals(s));
      // the runtime writes down its collections a few times a second
      await sleep(2 * GC_FLUSH_MS);
      pauses[i] = slowDuring(onMonotonicClock(timings), s.runtime.pauses(), o.slowMs);
    }
    return sessions.map((s, i) => {
      const own = rounds[i];
      // throughputRounds >= 1 (envCount refuses 0), so the median round exists
      const t = [...own].sort((a, b) => a.perSecond - b.perSecond)[Math.floor(own.length / 2)];
      const l = latencies[i];
      return {
        kind: s.kind,
        throughput: t,
        throughputRounds: own.map((r) => r.perSecond),
        latency: l,
        latencyGc: latencyGc[i],
        latencyMachine: machine[i],
        latencyPauses: pauses[i],
        lost: lost[i] + own.reduce((n, r) => n + r.missing, 0) + l.missing,
        peakRssMiB: s.runtime.memory()?.hwmMiB,
        refused: s.pool.countRefused({ from: 0, to: s.pool.size }),
        oddities: oddities(s.tap.oddities),
      };
    });
  } finally {
    await Promise.allSettled(sessions.map(closeSession));
    await Promise.allSettled(brokers.map(stopBroker));
  }
}
