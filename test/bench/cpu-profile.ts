/**
 * Preloaded into the Node-RED runtime (`node --require`) when WIS2_BENCH_CPU_PROFILE names a
 * directory: Node refuses --cpu-prof in NODE_OPTIONS, and bin/launch.ts passes no flags to the
 * runtime, so the profiler is driven from inside through the inspector instead. The profile is
 * written when the process exits (Node-RED exits on the SIGTERM the benchmark sends it);
 * the in-process inspector answers synchronously, which is what an 'exit' listener needs.
 * Summarise it with `node dist/test/bench/profile-summary.js FILE`.
 */
import fs from 'node:fs';
import inspector from 'node:inspector';
import path from 'node:path';

const dir = process.env.WIS2_BENCH_CPU_PROFILE;
if (dir) {
  const session = new inspector.Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.start');
  process.on('exit', () => {
    session.post('Profiler.stop', (err, result) => {
      if (err) return;
      const name = `${process.env.WIS2_BENCH_FLOW ?? 'runtime'}-${process.pid}.cpuprofile`;
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, name), JSON.stringify(result.profile));
    });
  });
}
