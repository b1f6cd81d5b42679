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
 * On some machines the count of one commit moved by tens of per cent from run to run (306,126,
 * 359,443 and 434,539), as V8 sized its heap after what it measured of the machine, and so
 * collected elsewhere and compiled other functions again. So the runs fix V8's heap sizes
 * (--predictable-gc-schedule: its collections then follow the allocations alone), and each
 * count is split, from callgrind's output by function, into what V8's collector did, what its
 * compilers did (deoptimisation included) and the rest (our code, Node.js's and V8's builtins
 * and runtime): when two counts differ, the split says whether V8 collected or compiled
 * elsewhere. The rest alone is no steadier than the total: a function optimised earlier in one
 * run moves instructions from the rest to the compilers, and its faster code lowers the rest.
 *
 * Opt-in (WIS2_BENCH_ONLY=instructions): under valgrind the path runs some fifty times slower,
 * which makes about two and a half minutes.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveDataset } from '../../nodes/lib/dataset';
import { ARGO } from '../helpers/fixtures';
import { findProgram } from '../helpers/programs';
import { argoEvents, argoPathOnce } from './library';

/** One run's instructions: all of them, and those inside V8's collector and inside its compilers. */
export interface Split {
  instructions: number;
  collector: number;
  compilers: number;
}

export interface CountRun extends Split {
  events: number;
}

export interface InstructionsResult {
  /** machine instructions per event, the two runs' difference over their events' */
  perEvent: number;
  /** the same, outside V8's collector and compilers */
  outside: number;
  collector: number;
  compilers: number;
  warmup: number;
  runs: CountRun[];
}

/** V8's thresholds for optimising a function, at a tenth of their defaults (see above). */
const EARLY_TIERING = ['--invocation-count-for-maglev=40', '--invocation-count-for-turbofan=300'];

/**
 * Where the collector and the compilers are entered from the rest. What these functions do, with
 * all they call, is theirs: callgrind gives the cost of every call with what it called, so the
 * calls into one of them from a function that is none of them add up to their share, and a call
 * from one of them straight into another is not counted again. A collection that a compilation
 * starts through an allocation helper is counted in both shares: the rest is then short by it.
 * The collector: a collection, a step of incremental marking, its start, and sweeping pages when
 * an allocation waits for them. The compilers: compiling a function (lazily, for Sparkplug,
 * Maglev or TurboFan, on-stack replacement included) and deoptimising one. C++ lambdas defined
 * inside these functions are not entries (a collection runs its own inside itself, through a
 * helper that is not one).
 */
const ENTRIES: readonly { share: 'collector' | 'compilers'; name: RegExp }[] = [
  { share: 'collector', name: /^v8::internal::(?:Heap::(?:CollectGarbage|CollectAllGarbage|StartIncrementalMarking)|IncrementalMarking::(?:Step|AdvanceOnAllocation)|Sweeper::\w+)\(/ },
  {
    share: 'compilers',
    name: /^v8::internal::(?:Compiler::Compile\w*|Runtime_Compile\w*|Runtime_InstallBaselineCode|Runtime_NotifyDeoptimized|Deoptimizer::(?:New|ComputeOutputFrames))\(/,
  },
];

function entryOf(fn: string): 'collector' | 'compilers' | undefined {
  // callgrind names the levels of a recursion fn'2, fn'3…
  const name = fn.replace(/'\d+$/, '');
  if (name.includes('::{lambda')) return undefined;
  return ENTRIES.find((e) => e.name.test(name))?.share;
}

/**
 * A callgrind output file (one event, Ir; any `--dump-instr`/`--dump-line`) split into all of its
 * instructions and the collector's and the compilers' shares (see ENTRIES). Lines: `fn=` starts a
 * function's costs, `cfn=` names a callee, `calls=` says the next cost line is that call's,
 * with all it called; any other line starting with a position (a number, `+n`, `-n` or `*`)
 * is the function's own cost, last on the line. Names are compressed: `(id) name` the first
 * time, `(id)` after.
 */
export function splitCallgrind(text: string): Split {
  const names = new Map<string, string>();
  const entries = new Map<string, 'collector' | 'compilers' | undefined>();
  const entry = (fn: string): 'collector' | 'compilers' | undefined => {
    if (!entries.has(fn)) entries.set(fn, entryOf(fn));
    return entries.get(fn);
  };
  const nameOf = (spec: string): string => {
    const m = /^\((\d+)\)(?: (.*))?$/.exec(spec);
    if (!m) return spec;
    // a group that did not take part is undefined, which `at` says and indexing does not
    const name = m.at(2);
    if (name !== undefined) names.set(m[1], name);
    return names.get(m[1]) ?? spec;
  };
  const out: Split = { instructions: 0, collector: 0, compilers: 0 };
  let fn = '';
  let callee = '';
  let call = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('fn=')) fn = nameOf(line.slice(3));
    else if (line.startsWith('cfn=')) callee = nameOf(line.slice(4));
    else if (line.startsWith('calls=')) call = true;
    else if (/^[0-9+*-]/.test(line)) {
      const cost = Number(line.slice(line.trimEnd().lastIndexOf(' ') + 1));
      if (!call) out.instructions += cost;
      else {
        const share = entry(callee);
        if (share !== undefined && entry(fn) === undefined) out[share] += cost;
      }
      call = false;
    }
  }
  return out;
}

/** Events every run passes first, so that the measured ones meet optimised code. */
const WARMUP = 2000;
const FEWER = 1000;
const MORE = 3000;

/** The total callgrind prints on its last line: `==PID== Collected : N`. */
export function collectedInstructions(stderr: string): number | undefined {
  const m = /^==\d+== Collected : (\d+)\s*$/m.exec(stderr);
  return m ? Number(m[1]) : undefined;
}

/** Per event of the steady state, from two runs that differ in their events only. */
export function perEvent(a: { events: number; instructions: number }, b: { events: number; instructions: number }): number {
  if (b.events === a.events) throw new RangeError('the two runs must pass different numbers of events');
  return (b.instructions - a.instructions) / (b.events - a.events);
}

const valgrindBin = findProgram('valgrind');

export function valgrindMissing(): string | undefined {
  return valgrindBin === undefined ? 'no valgrind' : undefined;
}

function countRun(events: number): CountRun {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wis2-bench-callgrind-'));
  const file = path.join(dir, 'callgrind.out');
  try {
    const args = [
      '--tool=callgrind',
      `--callgrind-out-file=${file}`,
      process.execPath,
      '--single-threaded',
      '--hash-seed=1',
      '--random-seed=1',
      '--predictable-gc-schedule',
      ...EARLY_TIERING,
      __filename,
      String(WARMUP),
      String(MORE),
      String(events),
    ];
    const r = spawnSync(valgrindBin ?? 'valgrind', args, { encoding: 'utf8', maxBuffer: 1 << 24 });
    const instructions = collectedInstructions(r.stderr);
    if (r.status !== 0 || instructions === undefined) throw new Error(`instructions bench (${events} events) failed: ${r.stderr.slice(-2000)}`);
    const split = splitCallgrind(fs.readFileSync(file, 'utf8'));
    if (split.instructions !== instructions) throw new Error(`instructions bench: callgrind's file adds up to ${split.instructions}, its total says ${instructions}`);
    return { events, ...split };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function instructionsBench(): InstructionsResult {
  const runs = [countRun(FEWER), countRun(MORE)];
  const [a, b] = runs;
  const of = (share: keyof Split) => perEvent({ events: a.events, instructions: a[share] }, { events: b.events, instructions: b[share] });
  const [all, collector, compilers] = [of('instructions'), of('collector'), of('compilers')];
  return { perEvent: all, outside: all - collector - compilers, collector, compilers, warmup: WARMUP, runs };
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
