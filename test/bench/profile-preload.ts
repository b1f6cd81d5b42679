/**
 * Preloaded into the Node-RED runtime (`node --require`) when WIS2_BENCH_CPU_PROFILE or
 * WIS2_BENCH_HEAP_PROFILE names a directory: Node refuses --cpu-prof and --heap-prof in
 * NODE_OPTIONS, and bin/launch.ts passes no flags to the runtime, so the profilers are driven
 * from inside through the inspector instead. The profiles are written when the process exits
 * (Node-RED exits on the SIGTERM the benchmark sends it); the in-process inspector answers
 * synchronously, which is what an 'exit' listener needs.
 *
 * The heap profile is V8's sampling heap profiler with the objects the collector has already
 * freed kept in: what was allocated over the run, and where, not what is still alive at the end
 * (the garbage per event is what makes the collector run). Summarise either with
 * `node dist/test/bench/profile-summary.js FILE`.
 */
import fs from 'node:fs';
import inspector from 'node:inspector';
import path from 'node:path';

/** Bytes between two samples of the heap profiler: about 1,000 samples per 8 MB allocated. */
const HEAP_SAMPLE_BYTES = 8192;

const cpuDir = process.env.WIS2_BENCH_CPU_PROFILE;
const heapDir = process.env.WIS2_BENCH_HEAP_PROFILE;

function write(dir: string, extension: string, profile: unknown): void {
  const name = `${process.env.WIS2_BENCH_FLOW ?? 'runtime'}-${process.pid}.${extension}`;
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, name), JSON.stringify(profile));
}

if (cpuDir || heapDir) {
  const session = new inspector.Session();
  session.connect();
  if (cpuDir) {
    session.post('Profiler.enable');
    session.post('Profiler.start');
  }
  if (heapDir) {
    session.post('HeapProfiler.enable');
    session.post('HeapProfiler.startSampling', { samplingInterval: HEAP_SAMPLE_BYTES, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  }
  process.on('exit', () => {
    if (cpuDir) {
      session.post('Profiler.stop', (err, result) => {
        if (!err) write(cpuDir, 'cpuprofile', result.profile);
      });
    }
    if (heapDir) {
      session.post('HeapProfiler.stopSampling', (err, result) => {
        if (!err) write(heapDir, 'heapprofile', result.profile);
      });
    }
  });
}
