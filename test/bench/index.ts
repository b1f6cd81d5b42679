/**
 * Bench part 4, the Argo GDAC index: a synthetic global profile index of millions of lines read
 * by the reconciliation's reader (every line checked, a 48-hour window selected), beside plain
 * `readline` over the same file (lines counted, nothing checked). Each read runs in a child
 * process of its own, so its peak RSS is its own.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { emptyStats, readIndex } from '../../nodes/lib/argo/index-reader';
import { INDEX_HEADER } from '../helpers/gdac';
import { procMemory } from '../helpers/proc';

export interface IndexRead {
  name: string;
  lines: number;
  seconds: number;
  linesPerSecond: number;
  peakRssMiB: number;
  inWindow?: number;
  bad?: number;
}

export interface IndexBenchResult {
  lines: number;
  fileMiB: number;
  baseline: IndexRead;
  reader: IndexRead;
}

const DACS = ['aoml', 'coriolis', 'csio', 'csiro', 'incois', 'jma', 'kma', 'kordi', 'meds', 'nmdis', 'bodc'];
const INSTITUTIONS = ['AO', 'IF', 'HZ', 'CS', 'IN', 'JA', 'KM', 'KO', 'ME', 'NM', 'BO'];

/** Writes `count` lines in the shape of ar_index_global_prof.txt, the last ones recently updated. */
async function writeIndex(file: string, count: number): Promise<void> {
  const out = fs.createWriteStream(file);
  const write = (s: string): Promise<void> | undefined => (out.write(s) ? undefined : new Promise((r) => out.once('drain', () => { r(); })));
  await write(INDEX_HEADER.join('\n') + '\n');
  const start = Date.UTC(2000, 0, 1);
  const span = Date.UTC(2026, 11, 1) - start;
  let chunk = '';
  for (let i = 0; i < count; i++) {
    const d = i % DACS.length;
    const float = 1900000 + Math.floor(i / 200);
    const cycle = String(i % 200).padStart(3, '0');
    const t = new Date(start + Math.floor((span * i) / count));
    const stamp = t.toISOString().replace(/[-:T]/g, '').slice(0, 14);
    const lat = (((i * 7919) % 17000) / 100 - 85).toFixed(3);
    const lon = (((i * 104729) % 36000) / 100 - 180).toFixed(3);
    chunk += `${DACS[d] ?? 'aoml'}/${String(float)}/profiles/${i % 3 === 0 ? 'R' : 'D'}${String(float)}_${cycle}.nc,${stamp},${lat},${lon},${'AIP'[i % 3] ?? 'A'},846,${INSTITUTIONS[d] ?? 'AO'},${stamp}\n`;
    if (chunk.length > 1 << 20) {
      await write(chunk);
      chunk = '';
    }
  }
  await write(chunk);
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => {
    if (err) reject(err);
    else resolve();
  }));
}

/** Runs in the child: one read, printed as JSON. */
async function child(mode: string, file: string): Promise<void> {
  const t0 = process.hrtime.bigint();
  let lines = 0;
  const extra: Partial<IndexRead> = {};
  if (mode === 'baseline') {
    const rl = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
    for await (const line of rl) if (line.length >= 0) lines++;
  } else {
    const stats = emptyStats();
    const until = new Date(Date.UTC(2026, 11, 1));
    let yielded = 0;
    for await (const entry of readIndex(file, stats, { since: new Date(until.getTime() - 48 * 3600_000), until })) if (entry.line > 0) yielded++;
    extra.inWindow = yielded;
    lines = stats.lines;
    extra.bad = stats.bad;
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  // VmHWM, not getrusage's maxrss: on Linux a child's maxrss starts from what its parent had
  // resident when it forked, so after the bench's other parts it read the bench's own 120 to
  // 140 MiB whatever the reader used
  const peakRssMiB = procMemory(process.pid)?.hwmMiB ?? process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify({ lines, seconds, linesPerSecond: lines / seconds, peakRssMiB, ...extra }));
}

function readInChild(name: string, mode: string, file: string): IndexRead {
  const r = spawnSync(process.execPath, [__filename, mode, file], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`index bench (${mode}) failed: ${r.stderr}`);
  return { name, ...(JSON.parse(r.stdout) as Omit<IndexRead, 'name'>) };
}

export async function indexBench(count: number): Promise<IndexBenchResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wis2-bench-index-'));
  const file = path.join(dir, 'ar_index_global_prof.txt');
  try {
    await writeIndex(file, count);
    const fileMiB = fs.statSync(file).size / 1024 / 1024;
    const baseline = readInChild('readline, lines counted (baseline)', 'baseline', file);
    const reader = readInChild('index reader: every line checked, 48 h window', 'reader', file);
    return { lines: count, fileMiB, baseline, reader };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module && process.argv.length >= 4) {
  child(process.argv[2] ?? '', process.argv[3] ?? '').catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
