import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { procCpuMicros, procName, procPids } from '../helpers/proc';
import { median, percentiles } from './stats';

/**
 * What else the machine did while a latency phase ran. A latency's tail is made of the moments
 * an event waits: for the runtime's collector, and for a core, which anything else on the
 * machine may hold (another process, a kernel thread). Two readings, so that a reader of the
 * p99 can tell the flow's doing from the machine's:
 *
 * - always, from /proc: the CPU time every process and kernel thread outside the benchmark
 *   spent during the phase, by name;
 * - with WIS2_BENCH_SCHED=1, where `perf sched` can record the scheduler (Linux, root): which
 *   of the slow events coincided with a run of 1 ms or more of such a task, whatever core it
 *   ran on, and the p99 of the events none coincided with. A diagnosis, not a goal: the goal
 *   is judged on every event.
 */

/**
 * What two primitives cost on this machine, medians of 5 rounds: a system call (fstat of an open
 * file) and a turn of the event loop (one setImmediate after another). Each event costs the
 * runtime a few file writes, socket writes and turns, so a machine on which these cost several
 * times more (a hypervisor's, with the kernel's page table isolation on) gives slower rates and
 * a longer latency tail for the same code: the line lets runs on two machines be compared.
 */
export interface Primitives {
  syscallUs: number;
  turnUs: number;
}

export async function measurePrimitives(calls = 20_000, turns = 20_000): Promise<Primitives> {
  const fd = fs.openSync(process.execPath, 'r');
  const syscall: number[] = [];
  const turn: number[] = [];
  try {
    for (let round = 0; round < 5; round++) {
      const start = performance.now();
      for (let i = 0; i < calls; i++) fs.fstatSync(fd);
      syscall.push(((performance.now() - start) * 1000) / calls);
      const began = performance.now();
      await new Promise<void>((resolve) => {
        let left = turns;
        const next = (): void => {
          if (--left > 0) setImmediate(next);
          else resolve();
        };
        setImmediate(next);
      });
      turn.push(((performance.now() - began) * 1000) / turns);
    }
  } finally {
    fs.closeSync(fd);
  }
  return { syscallUs: median(syscall), turnUs: median(turn) };
}

/** Runs shorter than this are the machine's ordinary background, not a stall. */
export const LONG_RUN_MS = 1;

/** CPU microseconds per process (all its threads) and its name, for every process now. */
type CpuSnapshot = Map<number, { name: string; us: number }>;

function snapshot(): CpuSnapshot {
  const out: CpuSnapshot = new Map();
  for (const pid of procPids()) {
    // either is undefined once the process has exited: what it did is not told
    const us = procCpuMicros(pid);
    const name = procName(pid);
    if (us !== undefined && name !== undefined) out.set(pid, { name, us });
  }
  return out;
}

export interface TaskShare {
  name: string;
  /** CPU milliseconds per second of the phase */
  msPerSecond: number;
}

export interface Coincidence {
  /** events slower than the threshold */
  slow: number;
  /** of those, the ones during which another task ran for LONG_RUN_MS or more */
  coinciding: number;
  /** how many slow events each such task coincided with, most first */
  tasks: { name: string; events: number }[];
  /** the events no such run coincided with, and their p99 */
  apart: number;
  apartP99: number;
  /**
   * every run of LONG_RUN_MS or more of another task during the phase, by task, the longest
   * first: a task that takes a core for ten milliseconds at a time delays whatever waits for
   * that core by as much, however little CPU it uses per second
   */
  longRuns: { name: string; runs: number; longestMs: number }[];
}

export interface MachineReading {
  /** CPU of every process and kernel thread outside the benchmark, ms per second of the phase */
  othersMsPerSecond: number;
  /** the largest of them, by name */
  top: TaskShare[];
  /** with WIS2_BENCH_SCHED=1: the slow events and the other tasks' long runs */
  coincidence?: Coincidence;
  /** why the scheduler was not recorded, when it was asked for */
  schedSkipped?: string;
  /** with WIS2_BENCH_STALLS=1: the slow events during a stall of the benchmark's own event loop */
  stalls?: Coincidence;
}

/** One stretch a task held a core, in milliseconds on the monotonic clock. */
export interface Run {
  name: string;
  pid: number;
  start: number;
  end: number;
}

/**
 * `perf sched timehist` lines: time (s, at the end of the run), [cpu], task name[tid/pid] or
 * name[pid], wait time, scheduling delay, run time (ms). Other lines (headers, idle) are not runs.
 */
export function parseTimehist(text: string): Run[] {
  const runs: Run[] = [];
  const line = /^\s*(\d+\.\d+)\s+\[\d+\]\s+(.+?)\[(\d+(?:\/\d+)?)\]\s+\d+\.\d+\s+\d+\.\d+\s+(\d+\.\d+)\s*$/;
  for (const l of text.split('\n')) {
    const m = line.exec(l);
    if (!m) continue;
    const end = Number(m[1]) * 1000;
    // [tid/pid] for a thread, [pid] for a process's main thread or a kernel thread
    const pid = Number(m[3].split('/').at(-1));
    runs.push({ name: m[2], pid, start: end - Number(m[4]), end });
  }
  return runs;
}

/**
 * The runtime's garbage collections written by gc-preload.ts (`kind start-ms duration-ms` per
 * line, on the monotonic clock), as runs named by their kind: a collection's pause holds the
 * runtime's thread as a long run of another task holds a core. Other lines are skipped.
 */
export function parsePauses(text: string): Run[] {
  const runs: Run[] = [];
  for (const l of text.split('\n')) {
    const [name, start, ms] = l.split(' ');
    const from = Number(start);
    const length = Number(ms);
    if (name && start && ms && Number.isFinite(from) && length >= 0) runs.push({ name, pid: 0, start: from, end: from + length });
  }
  return runs;
}

/**
 * The part of each run between the first event sent and the last one arrived, those with any:
 * just before the first is sent the bench makes the phase's events, and once the last has
 * arrived it reads the results, work of its own which holds up no event.
 */
export function whileEventsRan(runs: readonly Run[], events: readonly [number, number][]): Run[] {
  const first = events[0]?.[0] ?? Infinity;
  let last = -Infinity;
  for (const [, arrived] of events) last = Math.max(last, arrived);
  return runs.map((r) => ({ ...r, start: Math.max(r.start, first), end: Math.min(r.end, last) })).filter((r) => r.end > r.start);
}

/**
 * The slow events and the runs of our own they coincided with (the runtime's collections, the
 * bench's stalls): the runs cut to the events' time, those longer than `longerThanMs` kept.
 */
export function slowDuring(events: readonly [number, number][], runs: readonly Run[], thresholdMs: number, longerThanMs = 0): Coincidence {
  return coincidence(events, whileEventsRan(runs, events).filter((r) => r.end - r.start > longerThanMs), new Set(), thresholdMs);
}

/** Milliseconds on CLOCK_MONOTONIC, perf's clock and process.hrtime's. */
function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** [published, arrived] on performance.now()'s clock, moved to CLOCK_MONOTONIC's. */
export function onMonotonicClock(events: readonly [number, number][]): [number, number][] {
  const offset = monotonicMs() - performance.now();
  return events.map(([a, b]): [number, number] => [a + offset, b + offset]);
}

/**
 * Which events over `thresholdMs` coincided with a long run of a task outside `ours`. `events`
 * are [published, arrived] on the same clock as the runs.
 */
export function coincidence(events: readonly [number, number][], runs: readonly Run[], ours: ReadonlySet<number>, thresholdMs: number): Coincidence {
  const long = runs.filter((r) => !ours.has(r.pid) && r.end - r.start >= LONG_RUN_MS).sort((a, b) => a.start - b.start);
  const counts = new Map<string, number>();
  const apart: number[] = [];
  let slow = 0;
  let coinciding = 0;
  for (const [from, to] of events) {
    const names = new Set<string>();
    for (const r of long) {
      if (r.start >= to) break;
      if (r.end > from) names.add(r.name);
    }
    if (names.size === 0) apart.push(to - from);
    if (to - from <= thresholdMs) continue;
    slow++;
    if (names.size === 0) continue;
    coinciding++;
    for (const n of names) counts.set(n, (counts.get(n) ?? 0) + 1);
  }
  const tasks = [...counts].map(([name, n]) => ({ name, events: n })).sort((a, b) => b.events - a.events);
  const byTask = new Map<string, { name: string; runs: number; longestMs: number }>();
  for (const r of long) {
    const t = byTask.get(r.name) ?? { name: r.name, runs: 0, longestMs: 0 };
    t.runs++;
    t.longestMs = Math.max(t.longestMs, r.end - r.start);
    byTask.set(r.name, t);
  }
  const longRuns = [...byTask.values()].sort((a, b) => b.longestMs - a.longestMs);
  return { slow, coinciding, tasks, apart: apart.length, apartP99: percentiles(apart).p99, longRuns };
}

/** The scheduler's record of a phase, by `perf sched record`, on the monotonic clock. */
class SchedRecording {
  private constructor(
    private readonly child: ChildProcess,
    private readonly file: string,
    private readonly exited: Promise<number | null>,
    private readonly stderr: () => string,
  ) {}

  static async start(): Promise<SchedRecording | string> {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'wis2-bench-sched-')), 'perf.data');
    let child: ChildProcess;
    try {
      child = spawn('perf', ['sched', 'record', '-k', 'CLOCK_MONOTONIC', '-a', '-o', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (err) {
      return `perf: ${(err as Error).message}`;
    }
    let err = '';
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => {
      child.once('error', (e) => {
        err += e.message;
        resolve(-1);
      });
      child.once('exit', (code) => {
        resolve(code);
      });
    });
    // perf opens its buffers before it records: a phase that starts earlier loses its start
    const early = await Promise.race([exited, new Promise<'running'>((r) => setTimeout(() => { r('running'); }, 1500))]);
    if (early !== 'running') {
      fs.rmSync(path.dirname(file), { recursive: true, force: true });
      return `perf sched record exited: ${err.trim().split('\n').at(-1) ?? String(early)}`;
    }
    return new SchedRecording(child, file, exited, () => err);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  async stop(): Promise<Run[] | string> {
    this.child.kill('SIGINT');
    await this.exited;
    try {
      const r = spawnSync('perf', ['sched', 'timehist', '-i', this.file], { encoding: 'utf8', maxBuffer: 1 << 30 });
      if (r.status !== 0) return `perf sched timehist: ${(r.stderr || this.stderr()).trim().split('\n').at(-1) ?? String(r.status)}`;
      return parseTimehist(r.stdout);
    } finally {
      fs.rmSync(path.dirname(this.file), { recursive: true, force: true });
    }
  }
}

/** A gap this long between two ticks of a timer set for every millisecond is a stall. */
export const STALL_MS = 4;

/**
 * Stalls of this process's event loop, the benchmark's own (its publisher and its observer),
 * on the monotonic clock. It does little else: a stall is its own collector or the machine
 * holding it up, and an event published or observed meanwhile is slow whatever the flow.
 */
export class LoopStalls {
  private readonly stalls: Run[] = [];
  private last = monotonicMs();
  private readonly timer = setInterval(() => {
    const now = monotonicMs();
    if (now - this.last > STALL_MS) this.stalls.push({ name: 'the bench\'s event loop', pid: 0, start: this.last, end: now });
    this.last = now;
  }, 1);

  stop(): Run[] {
    clearInterval(this.timer);
    return this.stalls;
  }
}

/** Watches the machine from the start of a phase to its end. */
export class MachineWatch {
  /** with WIS2_BENCH_STALLS=1: this process's own stalls through the phase */
  private readonly stalls = process.env.WIS2_BENCH_STALLS === '1' ? new LoopStalls() : undefined;

  private constructor(
    private readonly ours: Set<number>,
    private readonly before: CpuSnapshot,
    private readonly t0: number,
    private readonly sched: SchedRecording | string | undefined,
  ) {}

  /** `ours`: the benchmark's processes (this one is added), left out of every reading. */
  static async start(ours: Iterable<number | undefined>): Promise<MachineWatch> {
    const set = new Set<number>([process.pid]);
    for (const pid of ours) if (pid !== undefined) set.add(pid);
    const sched = process.env.WIS2_BENCH_SCHED === '1' ? await SchedRecording.start() : undefined;
    if (sched instanceof SchedRecording && sched.pid !== undefined) set.add(sched.pid);
    return new MachineWatch(set, snapshot(), performance.now(), sched);
  }

  /**
   * `events`: [published, arrived] of each event of the phase, on performance.now()'s clock;
   * `thresholdMs`: what counts as slow.
   */
  async stop(events: readonly [number, number][], thresholdMs: number): Promise<MachineReading> {
    // first: reading every process's CPU below holds this loop up
    const stalls = this.stalls?.stop();
    const seconds = (performance.now() - this.t0) / 1000;
    const after = snapshot();
    const byName = new Map<string, number>();
    let total = 0;
    for (const [pid, a] of after) {
      if (this.ours.has(pid)) continue;
      // a process started during the phase counts from zero
      const us = a.us - (this.before.get(pid)?.us ?? 0);
      if (!(us > 0)) continue;
      total += us;
      byName.set(a.name, (byName.get(a.name) ?? 0) + us);
    }
    const perSecond = (us: number): number => us / 1000 / seconds;
    const top = [...byName].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([name, us]) => ({ name, msPerSecond: perSecond(us) }));
    const reading: MachineReading = { othersMsPerSecond: perSecond(total), top };
    if (stalls) reading.stalls = slowDuring(onMonotonicClock(events), stalls, thresholdMs, STALL_MS);
    if (typeof this.sched === 'string') reading.schedSkipped = this.sched;
    else if (this.sched) {
      const runs = await this.sched.stop();
      if (typeof runs === 'string') reading.schedSkipped = runs;
      else {
        // perf stamps with CLOCK_MONOTONIC
        reading.coincidence = coincidence(onMonotonicClock(events), runs, this.ours, thresholdMs);
      }
    }
    return reading;
  }
}
