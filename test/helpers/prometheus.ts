import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitForPort } from './mosquitto';
import { findProgram, needProgram } from './programs';

/** Debian's `prometheus` package: the server and promtool. */
export const prometheusBin = findProgram('prometheus', ['/usr/bin', '/usr/local/bin']);
export const promtoolBin = findProgram('promtool', ['/usr/bin', '/usr/local/bin']);

export function needPrometheus(ctx: Mocha.Context): void {
  needProgram(ctx, 'prometheus', prometheusBin !== undefined && promtoolBin !== undefined, 'the suite runs a real Prometheus and promtool (Debian package prometheus)');
}

export function promtool(args: string[], cwd: string): { status: number | null; output: string } {
  const r = spawnSync(promtoolBin ?? 'promtool', args, { cwd, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/** The value of one series (`name{labels}`, as written) in Prometheus text, or undefined. */
export function seriesValue(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

export interface Sample {
  metric: Record<string, string>;
  value: number;
}

export interface Prometheus {
  url: string;
  dir: string;
  /** an instant query through the HTTP API */
  query(expr: string): Promise<Sample[]>;
  /** the API's answer for a path such as /api/v1/rules */
  api(pathAndQuery: string): Promise<unknown>;
  log(): string;
  stop(): Promise<void>;
}

async function waitForReady(url: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const status = await fetch(`${url}/-/ready`).then((r) => r.status, () => 0);
    if (status === 200) return;
    if (Date.now() > deadline) throw new Error(`prometheus at ${url} not ready after ${String(ms)} ms (last answer ${String(status)})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A Prometheus on a free loopback port, with the given configuration (YAML text). */
export async function startPrometheus(config: string): Promise<Prometheus> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wis2-prometheus-'));
  const port = await freePort();
  const configFile = path.join(dir, 'prometheus.yml');
  fs.writeFileSync(configFile, config);
  let logText = '';
  const child: ChildProcess = spawn(prometheusBin ?? 'prometheus', [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${path.join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d: Buffer) => (logText += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (logText += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => { reject(new Error(`prometheus exited (${String(code)}):\n${logText}`)); }));
  exited.catch(() => undefined);
  await Promise.race([waitForPort(port, '127.0.0.1', 30_000), exited]);
  // the port opens before the storage is; until then every API call answers 503
  await Promise.race([waitForReady(url, 30_000), exited]);
  const api = async (p: string): Promise<unknown> => {
    const res = await fetch(url + p);
    const body = (await res.json()) as { status: string; data?: unknown; error?: string };
    if (body.status !== 'success') throw new Error(`${p}: ${body.error ?? res.status}`);
    return body.data;
  };
  return {
    url,
    dir,
    api,
    log: () => logText,
    query: async (expr) => {
      const data = (await api(`/api/v1/query?query=${encodeURIComponent(expr)}`)) as { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
      if (data.resultType !== 'vector') throw new Error(`${expr}: a ${data.resultType}, not a vector`);
      return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        await new Promise<void>((resolve) => {
          child.once('exit', () => { resolve(); });
          child.kill('SIGTERM');
        });
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
