/**
 * Preloaded into every runtime the benchmark launches (`node --require`, see runtime.ts): the
 * runtime's garbage collections, each with its kind, its start on CLOCK_MONOTONIC and its
 * duration, appended to the file WIS2_BENCH_GC_LOG names, so that the benchmark can tell which
 * slow events of a latency phase a collection of the runtime's coincided with. The runtime's
 * /metrics counts collections and adds up their pauses, but does not say when they happened.
 *
 * One line per collection, `kind start-ms duration-ms` (see `parsePauses` in machine.ts). The
 * lines wait in memory and are written together a few times a second, not one write per
 * collection inside the runtime being measured.
 */
import fs from 'node:fs';
import { constants, performance, PerformanceObserver } from 'node:perf_hooks';

/** Node's kinds, named as prom-client names them in nodejs_gc_duration_seconds */
const KINDS: Readonly<Record<number, string>> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

/** how often the lines are written */
export const GC_FLUSH_MS = 200;

const file = process.env.WIS2_BENCH_GC_LOG;
if (file) {
  // performance.now() counts from the process's start; perf and process.hrtime from the boot
  const offset = Number(process.hrtime.bigint()) / 1e6 - performance.now();
  let lines = '';
  const flush = (): void => {
    if (lines === '') return;
    fs.appendFileSync(file, lines);
    lines = '';
  };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as { detail?: { kind?: number } | null }).detail?.kind;
      lines += `${(kind !== undefined ? KINDS[kind] : undefined) ?? 'other'} ${(e.startTime + offset).toFixed(3)} ${e.duration.toFixed(3)}\n`;
    }
  }).observe({ entryTypes: ['gc'] });
  setInterval(flush, GC_FLUSH_MS).unref();
  process.on('exit', flush);
}
