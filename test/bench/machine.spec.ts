import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { procMainThreadCpuMicros, procMainThreadSystemMicros } from '../helpers/proc';
import { GC_FLUSH_MS } from './gc-preload';
import { coincidence, LoopStalls, measurePrimitives, onMonotonicClock, parsePauses, parseTimehist, whileEventsRan, type Run } from './machine';

describe('bench: what else the machine ran during a latency phase', () => {
  it('reads perf sched timehist: threads by their process, kernel threads by their own id, idle left out', () => {
    const text = [
      '           time    cpu  task name                       wait time  sch delay   run time',
      '                        [tid/pid]                          (msec)     (msec)     (msec)',
      '--------------- ------  ------------------------------  ---------  ---------  ---------',
      '     463.119509 [0000]  <idle>                              0.000      0.000      0.912 ',
      '     464.544992 [0000]  V8Worker[6731/6729]                 0.004      0.001      2.178 ',
      '     463.188630 [0001]  kdamond.0[83]                       0.000      0.004      4.588 ',
      '     463.200000 [0001]  kworker/u8:2-ev[12]                 0.000      0.000      0.010 ',
    ].join('\n');
    const runs = parseTimehist(text);
    assert.equal(runs.length, 3);
    assert.equal(runs[0]?.name, 'V8Worker');
    assert.equal(runs[0]?.pid, 6729);
    assert.ok(Math.abs((runs[0]?.end ?? 0) - 464544.992) < 1e-6);
    assert.ok(Math.abs((runs[0]?.start ?? 0) - (464544.992 - 2.178)) < 1e-6);
    assert.equal(runs[1]?.name, 'kdamond.0');
    assert.equal(runs[1]?.pid, 83);
    assert.equal(runs[2]?.name, 'kworker/u8:2-ev');
  });

  it('names the long runs of other tasks that slow events coincided with, and leaves ours out', () => {
    const runs: Run[] = [
      { name: 'kdamond.0', pid: 83, start: 100, end: 107 },
      // ours: the runtime ran long too, which is the flow's doing, not the machine's
      { name: 'node-red', pid: 500, start: 200, end: 210 },
      // short: the ordinary background
      { name: 'redis-server', pid: 90, start: 300, end: 300.5 },
      { name: 'beam.smp', pid: 91, start: 400, end: 402 },
      { name: 'kdamond.0', pid: 83, start: 401, end: 403 },
    ];
    const events: [number, number][] = [
      [98, 110], // slow, during kdamond's first run
      [200, 212], // slow, only our own run
      [299, 306], // slow, only a short run
      [399, 405], // slow, during two others
      [500, 501],
      [600, 601.5],
    ];
    const c = coincidence(events, runs, new Set([500]), 5);
    assert.equal(c.slow, 4);
    assert.equal(c.coinciding, 2);
    assert.deepEqual(c.tasks, [{ name: 'kdamond.0', events: 2 }, { name: 'beam.smp', events: 1 }]);
    // the four events no other long run touched: 12, 7, 1 and 1.5 ms
    assert.equal(c.apart, 4);
    assert.equal(c.apartP99, 12);
    // every long run of another task, whether or not a slow event met it; ours and short ones left out
    assert.deepEqual(c.longRuns, [{ name: 'kdamond.0', runs: 2, longestMs: 7 }, { name: 'beam.smp', runs: 1, longestMs: 2 }]);
  });

  it("reads the runtime's collections as written down by the preload, and skips what is not a line of them", () => {
    const text = ['minor 1000.500 2.250', 'major 1010.000 14.000', '', 'torn 10', 'minor x 1', 'incremental 1030.000 -1', 'weakcb 1040.000 0.000'].join('\n');
    assert.deepEqual(parsePauses(text), [
      { name: 'minor', pid: 0, start: 1000.5, end: 1002.75 },
      { name: 'major', pid: 0, start: 1010, end: 1024 },
      { name: 'weakcb', pid: 0, start: 1040, end: 1040 },
    ]);
  });

  it('the preload writes down a real process\'s collections on the monotonic clock, between its start and its end', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wis2-gc-preload-'));
    try {
      const log = path.join(dir, 'gc.log');
      const before = Number(process.hrtime.bigint()) / 1e6;
      // enough short-lived garbage for several scavenges, one full collection asked for, then
      // time for the observer to be told of them (in a later turn) and to write them down
      const script = `let keep = []; for (let i = 0; i < 300000; i++) { keep.push({ i, s: String(i) }); if (keep.length > 1000) keep = []; } globalThis.gc(); setTimeout(() => undefined, ${3 * GC_FLUSH_MS});`;
      const r = spawnSync(process.execPath, ['--expose-gc', '--require', path.join(__dirname, 'gc-preload.js'), '-e', script], { env: { ...process.env, WIS2_BENCH_GC_LOG: log }, encoding: 'utf8' });
      const after = Number(process.hrtime.bigint()) / 1e6;
      assert.equal(r.status, 0, r.stderr);
      const pauses = parsePauses(fs.readFileSync(log, 'utf8'));
      assert.ok(pauses.some((p) => p.name === 'minor'), JSON.stringify(pauses));
      assert.ok(pauses.some((p) => p.name === 'major'), JSON.stringify(pauses));
      for (const p of pauses) assert.ok(p.start > before && p.end < after && p.end >= p.start, JSON.stringify({ p, before, after }));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("notes the stalls of the bench's own event loop on the monotonic clock, and the slow events they held up", async () => {
    const stalls = new LoopStalls();
    await new Promise((r) => setTimeout(r, 20));
    const held = performance.now();
    // the loop held for 30 ms, as the machine or a collection would hold it
    while (performance.now() < held + 30) continue;
    await new Promise((r) => setTimeout(r, 20));
    const runs = stalls.stop();
    assert.ok(runs.some((r) => r.end - r.start >= 25), JSON.stringify(runs));
    const c = coincidence(onMonotonicClock([[held, held + 31], [held + 100, held + 101]]), runs, new Set(), 5);
    assert.equal(c.slow, 1);
    assert.equal(c.coinciding, 1);
    assert.equal(c.apart, 1);
  });

  it('keeps of each run what falls between the first event sent and the last one arrived', () => {
    const runs: Run[] = [
      { name: 'before', pid: 0, start: 50, end: 90 },
      { name: 'across the first', pid: 0, start: 90, end: 110 },
      { name: 'inside', pid: 0, start: 150, end: 160 },
      { name: 'across the last', pid: 0, start: 200, end: 260 },
      { name: 'after', pid: 0, start: 300, end: 310 },
    ];
    const events: [number, number][] = [[100, 101], [120, 250], [180, 185]];
    assert.deepEqual(whileEventsRan(runs, events), [
      { name: 'across the first', pid: 0, start: 100, end: 110 },
      { name: 'inside', pid: 0, start: 150, end: 160 },
      { name: 'across the last', pid: 0, start: 200, end: 250 },
    ]);
  });

  it('times a system call and a turn of the event loop, and leaves no file open', async () => {
    const fds = (): number => (fs.existsSync('/proc/self/fd') ? fs.readdirSync('/proc/self/fd').length : 0);
    const before = fds();
    const p = await measurePrimitives(200, 200);
    for (const us of [p.syscallUs, p.turnUs]) assert.ok(Number.isFinite(us) && us > 0 && us < 10_000, String(us));
    assert.equal(fds(), before);
  });

  it("tells the kernel's part of a main thread's time: next to none for a loop of arithmetic, most of it for one reading /proc", async function () {
    // skipped: no /proc. The per-thread CPU times it reads (/proc/PID/task/PID/stat and schedstat) exist on Linux only
    if (process.platform !== 'linux') this.skip();
    this.timeout(20_000);
    /** main thread CPU and its kernel part, microseconds, over 1.5 s of a child running `loop` */
    const measure = async (loop: string): Promise<{ cpu: number; system: number }> => {
      const child = spawn(process.execPath, ['-e', `process.stdout.write('go'); const end = Date.now() + 4000; ${loop}`], { stdio: ['ignore', 'pipe', 'inherit'] });
      try {
        await new Promise((resolve) => child.stdout.once('data', resolve));
        const cpu0 = procMainThreadCpuMicros(child.pid) ?? NaN;
        const system0 = procMainThreadSystemMicros(child.pid) ?? NaN;
        await new Promise((resolve) => setTimeout(resolve, 1500));
        return { cpu: (procMainThreadCpuMicros(child.pid) ?? NaN) - cpu0, system: (procMainThreadSystemMicros(child.pid) ?? NaN) - system0 };
      } finally {
        child.kill();
      }
    };
    const arithmetic = await measure('let x = 0; while (Date.now() < end) x += Math.sqrt(x + 1);');
    const reading = await measure("const fs = require('fs'); while (Date.now() < end) fs.readFileSync('/proc/self/status');");
    assert.ok(arithmetic.cpu > 500_000 && reading.cpu > 500_000, `the children ran: ${JSON.stringify({ arithmetic, reading })}`);
    assert.ok(arithmetic.system < 0.2 * arithmetic.cpu, `arithmetic: ${JSON.stringify(arithmetic)}`);
    assert.ok(reading.system > 0.4 * reading.cpu, `reading /proc: ${JSON.stringify(reading)}`);
    assert.equal(procMainThreadSystemMicros(2 ** 22 + 1), undefined);
  });
});
