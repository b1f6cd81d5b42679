import { setTimeout as delay } from 'node:timers/promises';
import { readFlow } from '../../bin/commands/flows';
import type { Broker } from '../helpers/mosquitto';
import { seriesValue } from '../helpers/prometheus';
import { closeSession, openSession, ready, runtimeMetrics, type Session } from './e2e';
import { envCount, percentiles, type Percentiles } from './stats';
import { settle, type Span } from './traffic';

/**
 * Growth: a long steady stream through the shipped Argo flow (a million events by default, the
 * announcement memory full after the first tenth), to see whether latency and memory stay flat
 * as the runtime's state (announcement memory, journals, cache tracker) fills up and turns over.
 *
 * The measured events follow a warm-up at the same rate (half a million by default): a fresh
 * runtime's RSS settles over its first few hundred thousand events (V8 sizes its old space
 * around the same live objects, the C library's allocator keeps more of what it freed), then
 * stays flat; a soak that starts with the runtime would read that settling, not a leak. The
 * warm-up's readings are kept and printed beside the measured ones.
 */


export interface MemoryBound {
  /** files the Argo dataset's announcement memory holds before it forgets the oldest */
  entries: number;
  /** where the figure comes from */
  source: string;
}

/**
 * The announcement memory of the run. The default (a million files) would not fill in any run
 * of this length, so the shipped flow's own knob (its dataset reads ${WIS2_MEMORY_FILES}) sizes
 * it to fill early and show whether memory stays flat once it is full.
 */
export function memoryBound(): MemoryBound {
  const dataset = readFlow('argo-data').find((n) => n.type === 'wis2-dataset');
  if (dataset?.memorySize !== '${WIS2_MEMORY_FILES}') throw new Error('the shipped Argo dataset no longer reads WIS2_MEMORY_FILES');
  const entries = envCount('WIS2_BENCH_MEMORY_FILES', 100_000);
  return { entries, source: `WIS2_MEMORY_FILES=${entries} for this run (WIS2_BENCH_MEMORY_FILES); the shipped default is 1,000,000` };
}

export interface Block extends Percentiles {
  /** event numbers in the stream, 1-based, inclusive */
  first: number;
  last: number;
  /** VmRSS of the runtime when the block's last output arrived, MiB */
  rssMiB: number | undefined;
}

export interface GrowthResult {
  /** events measured, after the warm-up */
  events: number;
  /** events before the measured ones, at the same rate, in the same stream */
  warmup: number;
  rate: number;
  achievedRate: number;
  missing: number;
  /** the whole stream, warm-up included: event numbers count from its first */
  blocks: Block[];
  /** VmRSS when the n-th output arrived, MiB (n counted from the warm-up's first) */
  rss: { events: number; rssMiB: number }[];
  /**
   * The runtime's old generation in use (V8's old space, read off its /metrics every
   * OLD_SPACE_EVERY_MS), with the outputs arrived by then; empty when /metrics did not answer.
   * The same scrape gives the sizes V8 holds from the system (`HeapSample`).
   */
  oldSpace: HeapSample[];
  peakRssMiB: number | undefined;
  memory: MemoryBound;
  /** RSS growth per 10,000 events over the second half of the measured events, MiB */
  lateSlopeMiBPer10k: number | undefined;
  /**
   * Where the readings below start: the first measured event, or the memory's filling when it
   * comes later (undefined when the memory never fills)
   */
  from: number | undefined;
  /** the same as `lateSlopeMiBPer10k` from `from` on */
  fullSlopeMiBPer10k: number | undefined;
  /** what stays after collections from `from` on: see `floorSlope` */
  fullFloor: FloorSlope | undefined;
  /** the same from the memory's filling on, warm-up included: what a soak without warm-up reads */
  sinceFillFloor: FloorSlope | undefined;
  /**
   * The same from the point where the memory has been full once over (twice its size in events):
   * what it bounds (its queue of replaced entries, the cache tracker's queue of files waiting)
   * reaches its largest size only then, so growth before it is the memory's own size, not a leak.
   */
  turnedOverFloor: FloorSlope | undefined;
  /**
   * `fullFloor` read on the old generation in use instead of RSS: its lows are what the last
   * full collection kept, whatever size V8 gives the heap around it (see `oldSpace`)
   */
  oldSpaceFloor: FloorSlope | undefined;
  /**
   * Where RSS sits once the memory is full, from the same readings: the lows of each third of
   * the old space V8 holds (in use or not), of its large-object space (the tables of maps and
   * arrays of many entries live there) and of the rest of RSS, outside V8's heap (code, buffers,
   * the allocator's own); undefined when /metrics gave none of them. `external`: of that rest,
   * what V8 was told is held outside its heap (ArrayBuffers, Buffers among them), so that the
   * C library allocator keeping freed memory is told from memory still held. `files`: of that
   * rest too, the resident pages of mapped files, which the kernel drops and reads back on its
   * own (a memory monitor reclaiming cold pages moves them), not the runtime.
   */
  rssParts: { oldHeld: FloorSlope; largeObjects: FloorSlope; outsideHeap: FloorSlope; external?: FloorSlope; files?: FloorSlope } | undefined;
}

/** One reading of the runtime's /metrics, MiB. */
export interface HeapSample {
  events: number;
  /** old space in use */
  usedMiB: number;
  /** old space V8 holds */
  oldHeldMiB?: number;
  /** large-object space V8 holds */
  largeObjectsMiB?: number;
  /** RSS less every space of V8's heap */
  outsideHeapMiB?: number;
  /** memory outside the heap that V8 was told of (process.memoryUsage().external) */
  externalMiB?: number;
  /** resident pages of mapped files (RssFile of /proc), read beside the scrape */
  fileMiB?: number;
}

export interface FloorSlope {
  /** the lowest RSS in each third of the samples, MiB */
  floors: [number, number, number];
  /** from the first third's lowest RSS to the last third's, per 10,000 events, MiB */
  slopeMiBPer10k: number;
}

/**
 * Outputs after which the runtime's RSS is read: every 1,000 and at the end of every block.
 * RSS rises and falls by tens of MiB with the garbage collector's rhythm, so a slope fitted to
 * one reading per block swings by several MiB per 10,000 events from run to run; a hundred
 * readings average the sawtooth out.
 */
function checkpoints(events: number, block: number): number[] {
  const out = new Set<number>([Math.min(1000, events)]);
  for (let n = 1000; n < events; n += 1000) out.add(n);
  for (let n = block; n < events; n += block) out.add(n);
  out.add(events);
  return [...out].sort((a, b) => a - b);
}

/** Least-squares slope of RSS against events, per 10,000, over the samples from `from` on. */
function slope(rss: GrowthResult['rss'], from: number): number | undefined {
  const points = rss.filter((r) => r.events >= from);
  if (points.length < 2) return undefined;
  const mx = points.reduce((sum, r) => sum + r.events, 0) / points.length;
  const my = points.reduce((sum, r) => sum + r.rssMiB, 0) / points.length;
  const sxy = points.reduce((sum, r) => sum + (r.events - mx) * (r.rssMiB - my), 0);
  const sxx = points.reduce((sum, r) => sum + (r.events - mx) ** 2, 0);
  return sxx > 0 ? (sxy / sxx) * 10_000 : undefined;
}

/**
 * Growth of what the runtime keeps, read from the lowest RSS of each third of the samples from
 * `from` on. RSS rises with garbage and drops at each full collection, a sawtooth tens of MiB
 * high whose phase alone moves a least-squares slope by a few MiB per 10,000 events from one
 * run to the next; the lows are what is left after collecting, so a leak raises them and
 * garbage does not. Undefined with fewer than three samples.
 */
export function floorSlope<T extends { events: number }>(samples: T[], from: number, mib: (sample: T) => number): FloorSlope | undefined {
  const points = samples.filter((r) => r.events >= from);
  const third = Math.floor(points.length / 3);
  if (third < 1) return undefined;
  const parts = [points.slice(0, third), points.slice(third, 2 * third), points.slice(2 * third)];
  const lows = parts.map((part) => Math.min(...part.map(mib))) as [number, number, number];
  const centre = (part: T[]): number => ((part[0]?.events ?? 0) + (part.at(-1)?.events ?? 0)) / 2;
  const span = centre(parts[2]) - centre(parts[0]);
  if (!(span > 0)) return undefined;
  return { floors: lows, slopeMiBPer10k: ((lows[2] - lows[0]) / span) * 10_000 };
}

export async function growthBench(broker: Broker, events: number, rate: number, block: number, warmup = 0): Promise<GrowthResult> {
  const bound = memoryBound();
  const total = warmup + events;
  const s = await openSession('argo', broker, total, { WIS2_MEMORY_FILES: String(bound.entries) });
  try {
    await ready(s);
    // one stream: the warm-up runs into the measured events without a pause
    const span = s.pool.take(total);
    const marks = new Set(checkpoints(total, block));
    const rss: GrowthResult['rss'] = [];
    const base = s.tap.arrived;
    // Read /proc when the n-th output arrives: memory against work done, whatever the timing.
    s.tap.onArrival = (arrived) => {
      const n = arrived - base;
      const m = marks.has(n) ? s.runtime.memory() : undefined;
      if (m) rss.push({ events: n, rssMiB: m.rssMiB });
    };
    const oldSpace: GrowthResult['oldSpace'] = [];
    const sampler = sampleOldSpace(s, () => s.tap.arrived - base, oldSpace);
    let achievedRate: number;
    let missing: number;
    try {
      achievedRate = await s.publisher.atRate(span, rate);
      missing = await settle(s.pool, span);
    } finally {
      await sampler.stop();
    }
    const blocks = blocksOf(s.pool.latencies.bind(s.pool), span, block, rss);
    const fills = bound.entries < total;
    const from = fills ? Math.max(bound.entries, warmup) : undefined;
    return {
      events,
      warmup,
      rate,
      achievedRate,
      missing,
      blocks,
      rss,
      peakRssMiB: s.runtime.memory()?.hwmMiB,
      memory: bound,
      lateSlopeMiBPer10k: slope(rss, warmup + events / 2),
      from,
      fullSlopeMiBPer10k: from !== undefined ? slope(rss, from) : undefined,
      fullFloor: from !== undefined ? floorSlope(rss, from, rssOf) : undefined,
      sinceFillFloor: fills && warmup > bound.entries ? floorSlope(rss, bound.entries, rssOf) : undefined,
      turnedOverFloor: from !== undefined && 2 * bound.entries > from && 2 * bound.entries < total ? floorSlope(rss, 2 * bound.entries, rssOf) : undefined,
      oldSpace,
      oldSpaceFloor: from !== undefined ? floorSlope(oldSpace, from, (o) => o.usedMiB) : undefined,
      rssParts: from !== undefined ? rssParts(oldSpace, from) : undefined,
    };
  } finally {
    await closeSession(s);
  }
}

function rssParts(samples: HeapSample[], from: number): GrowthResult['rssParts'] {
  const full = samples.filter((o) => o.oldHeldMiB !== undefined && o.largeObjectsMiB !== undefined && o.outsideHeapMiB !== undefined);
  const oldHeld = floorSlope(full, from, (o) => o.oldHeldMiB ?? NaN);
  const largeObjects = floorSlope(full, from, (o) => o.largeObjectsMiB ?? NaN);
  const outsideHeap = floorSlope(full, from, (o) => o.outsideHeapMiB ?? NaN);
  if (!oldHeld || !largeObjects || !outsideHeap) return undefined;
  // a split some reading lacks (a scrape without nodejs_external_memory_bytes, a kernel without
  // RssFile) is left out
  const split = (part: (o: HeapSample) => number | undefined): FloorSlope | undefined =>
    full.every((o) => part(o) !== undefined) ? floorSlope(full, from, (o) => part(o) ?? NaN) : undefined;
  const external = split((o) => o.externalMiB);
  const files = split((o) => o.fileMiB);
  return { oldHeld, largeObjects, outsideHeap, ...(external && { external }), ...(files && { files }) };
}

/** The figure `floorSlope` reads for RSS. */
export const rssOf = (r: { rssMiB: number }): number => r.rssMiB;

/** Often enough for each third of a 10-minute soak to hold dozens of readings, seldom enough to cost the runtime nothing that shows. */
const OLD_SPACE_EVERY_MS = 2000;

/**
 * Reads the runtime's old generation in use (prom-client's nodejs_heap_space_size_used_bytes)
 * every OLD_SPACE_EVERY_MS until stopped, one request at a time. RSS follows the size V8 gives
 * its heap, which grows for minutes towards a steady state under a steady load; what the old
 * generation holds right after a full collection is what the runtime keeps, so its lows show a
 * leak without that drift.
 */
function sampleOldSpace(s: Session, arrived: () => number, into: GrowthResult['oldSpace']): { stop(): Promise<void> } {
  const stop = new AbortController();
  const loop = (async () => {
    while (!stop.signal.aborted) {
      try {
        await delay(OLD_SPACE_EVERY_MS, undefined, { signal: stop.signal });
      } catch {
        return;
      }
      const text = await runtimeMetrics(s, stop.signal);
      const used = text === undefined ? undefined : seriesValue(text, 'nodejs_heap_space_size_used_bytes{space="old"}');
      if (text === undefined || used === undefined) continue;
      const sample = heapSample(text, arrived(), used);
      const fileMiB = s.runtime.memory()?.fileMiB;
      if (fileMiB !== undefined) sample.fileMiB = fileMiB;
      into.push(sample);
    }
  })();
  return {
    stop: async () => {
      stop.abort();
      await loop;
    },
  };
}

const MIB = 1024 * 1024;

/** What one scrape says of the heap (prom-client's default metrics). */
export function heapSample(text: string, events: number, oldUsed: number): HeapSample {
  const sample: HeapSample = { events, usedMiB: oldUsed / MIB };
  const old = seriesValue(text, 'nodejs_heap_space_size_total_bytes{space="old"}');
  const large = seriesValue(text, 'nodejs_heap_space_size_total_bytes{space="large_object"}');
  const rss = seriesValue(text, 'process_resident_memory_bytes');
  const external = seriesValue(text, 'nodejs_external_memory_bytes');
  let heap = 0;
  for (const line of text.split('\n')) if (line.startsWith('nodejs_heap_space_size_total_bytes{')) heap += Number(line.slice(line.lastIndexOf(' ') + 1));
  if (old !== undefined) sample.oldHeldMiB = old / MIB;
  if (large !== undefined) sample.largeObjectsMiB = large / MIB;
  if (rss !== undefined && heap > 0) sample.outsideHeapMiB = (rss - heap) / MIB;
  if (external !== undefined) sample.externalMiB = external / MIB;
  return sample;
}

function blocksOf(latencies: (span: Span) => number[], span: Span, block: number, rss: GrowthResult['rss']): Block[] {
  const out: Block[] = [];
  for (let from = span.from; from < span.to; from += block) {
    const to = Math.min(span.to, from + block);
    const last = to - span.from;
    out.push({ first: from - span.from + 1, last, rssMiB: rss.find((r) => r.events === last)?.rssMiB, ...percentiles(latencies({ from, to })) });
  }
  return out;
}
