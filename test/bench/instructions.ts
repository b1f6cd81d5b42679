/**
 * The in-process Argo path (library.ts, the row "Argo path in process") counted in machine
 * instructions per event by valgrind's callgrind instead of timed. A time per event moves with
 * whatever else the machine does (on one 2-core virtual machine the same commit timed 35 to 60 us
 * per event from one run to the next); the count stays within about 2% of itself (what still
 * varies follows the clock: which events share a millisecond's timestamp, what has expired), and
 * so tells a change of a few per cent apart from noise, on any machine with the same Node.js, and
 * one of a per cent over several runs of each build.
 *
 * Two runs differ only in how many events they pass through the path after the same warm-up;
 * the difference of their counts over the difference of their events is the steady state, without
 * start-up, module loading or the warm-up's compilations. Both runs build the same events first.
 * V8 runs with --single-threaded, so that its compilers and collector, which otherwise run partly
 * on helper threads whose share varies, are counted the same way each time. What a count leaves
 * out is what the CPU does not execute: cache misses, system calls' time in the kernel.
 *
 * V8 tiers functions up at a tenth of its usual call counts (40 calls for Maglev, 300 for
 * TurboFan, against 400 and 3,000). With the usual ones, a function called once per event reaches
 * TurboFan only after some 3,000 events, so the warm-up left much of the path to be compiled
 * inside the counted runs: some 55,000 instructions per event of the count were V8's compilers
 * (Node.js 24), and which functions tiered up inside them moved with any change. A runtime
 * that has run for minutes runs optimised code; this counts that code.
 *
 * Opt-in (WIS2_BENCH_ONLY=instructions): under valgrind the path runs some fifty times slower,
 * which makes about two minutes.
 */
import { spawnSync } from 'node:child_process';
import { resolveDataset } from '../../nodes/lib/dataset';
import { ARGO } from '../helpers/fixtures';
import { findProgram } from '../helpers/programs';
import { argoEvents, argoPathOnce } from './library';

export interface InstructionsResult {
  /** machine instructions per event, the two runs' difference over their events' */
  perEvent: number;
  warmup: number;
  runs: { events: number; instructions: number }[];
}

/** V8's thresholds for optimising a function, at a tenth of their defaults (see above). */
const EARLY_TIERING = ['--invocation-count-for-maglev=40', '--invocation-count-for-turbofan=300'];

/** Events every run passes first, so that the measured ones meet optimised code. */
const WARMUP = 2000;
const FEWER = 1000;
const MORE = 3000;

/** The total callgrind prints on its last line: `==PID== Collected : N`. */
export function collectedInstructions(stderr: string): number | undefined {
  const m = /^==\d+== Collected : (\d+)\s*$/m.exec(stderr);
  return m ? Number(m[1]) : undefined;
}

/** Instructions per event of the steady state, from two runs that differ in their events only. */
export function perEvent(a: { events: number; instructions: number }, b: { events: number; instructions: number }): number {
  if (b.events === a.events) throw new RangeError('the two runs must pass different numbers of events');
  return (b.instructions - a.instructions) / (b.events - a.events);
}

const valgrindBin = findProgram('valgrind');

export function valgrindMissing(): string | undefined {
  return valgrindBin === undefined ? 'no valgrind' : undefined;
}

function countRun(events: number): { events: number; instructions: number } {
  const args = [
    '--tool=callgrind',
    '--callgrind-out-file=/dev/null',
    process.execPath,
    '--single-threaded',
    '--hash-seed=1',
    '--random-seed=1',
    ...EARLY_TIERING,
    __filename,
    String(WARMUP),
    String(MORE),
    String(events),
  ];
  const r = spawnSync(valgrindBin ?? 'valgrind', args, { encoding: 'utf8', maxBuffer: 1 << 24 });
  const instructions = collectedInstructions(r.stderr);
  if (r.status !== 0 || instructions === undefined) throw new Error(`instructions bench (${events} events) failed: ${r.stderr.slice(-2000)}`);
  return { events, instructions };
}

export function instructionsBench(): InstructionsResult {
  const runs = [countRun(FEWER), countRun(MORE)];
  return { perEvent: perEvent(runs[0], runs[1]), warmup: WARMUP, runs };
}

/** In the child: the warm-up, then `measured` of the events, all `warmup + most` built first. */
function child(warmup: number, most: number, measured: number): void {
  const dataset = resolveDataset(ARGO);
  const events = argoEvents(warmup + most);
  argoPathOnce(events.slice(0, warmup), dataset);
  argoPathOnce(events.slice(warmup, warmup + measured), dataset);
}

if (require.main === module && process.argv.length >= 5) {
  child(Number(process.argv[2]), Number(process.argv[3]), Number(process.argv[4]));
}
