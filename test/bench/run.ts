/**
 * `npm run bench`: every figure beside a baseline measured in the same run, printed as a table
 * and written as JSON (bench-report.json, or the path in WIS2_BENCH_REPORT) to compare runs.
 */
import fs from 'node:fs';
import os from 'node:os';
import { libraryBench, type Rate } from './library';

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function main(): void {
  const count = Number(process.env.WIS2_BENCH_EVENTS ?? 20_000);
  const started = new Date().toISOString();
  console.log(`node-red-contrib-wis2 benchmark, ${count} Argo events, node ${process.version}, ${os.cpus().length} CPU (${os.cpus()[0]?.model ?? '?'})`);
  const library: Rate[] = libraryBench(count);
  console.log('\nlibrary (median of 7 rounds)');
  for (const r of library) {
    console.log(`  ${r.name.padEnd(64)} ${fmt(r.perSecond).padStart(10)} ${r.unit.padEnd(9)} ratio ${r.ratio?.toFixed(2) ?? '-'}`);
  }
  const suite = library.find((r) => r.name.startsWith('WNM test suite'));
  if (suite?.ratio !== undefined) {
    console.log(`\ngoal: WNM suite at >= 0.50 of schema-only speed: ${suite.ratio.toFixed(2)} ${suite.ratio >= 0.5 ? 'met' : 'NOT met'}`);
  }
  const file = process.env.WIS2_BENCH_REPORT ?? 'bench-report.json';
  fs.writeFileSync(file, JSON.stringify({ started, node: process.version, cpus: os.cpus().length, events: count, library }, null, 2) + '\n');
  console.log(`\nreport written to ${file}`);
}

main();
