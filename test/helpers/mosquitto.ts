import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { freePort } from '../../bin/launch';
import path from 'node:path';
import { findProgram, needProgram } from './programs';
import { TempDirs } from './temp';

/**
 * Real Mosquitto for the tests: each test starts its own broker, on a free port, with a
 * configuration it chooses (often the project's own, with ports and paths rewritten).
 */

export const mosquittoBin: string | undefined = findProgram('mosquitto', ['/usr/sbin', '/usr/local/sbin']);

/**
 * Started as root, Mosquitto drops to its `mosquitto` user: the broker's directory must be that
 * user's, or persistence silently fails ("Error saving in-memory database") and a restart loses
 * every queued and in-flight message.
 */
function brokerUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const line = fs.readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('mosquitto:'));
    const [, , uid, gid] = line?.split(':') ?? [];
    return uid && gid ? { uid: Number(uid), gid: Number(gid) } : undefined;
  } catch {
    return undefined;
  }
}

function giveToBroker(dir: string): void {
  const user = brokerUser();
  if (!user) return;
  for (const name of ['', ...fs.readdirSync(dir)]) fs.chownSync(path.join(dir, name), user.uid, user.gid);
}

export function mosquittoTool(name: 'mosquitto_passwd' | 'mosquitto_pub' | 'mosquitto_sub'): string {
  const found = findProgram(name, ['/usr/bin', '/usr/local/bin']);
  if (found === undefined) throw new Error(`${name} not found`);
  return found;
}

/**
 * Skips the suite when Mosquitto is absent, saying so; under CI (CI=true) a missing broker is
 * a failure, because CI installs it.
 */
export function needMosquitto(ctx: Mocha.Context): void {
  needProgram(ctx, 'mosquitto', mosquittoBin !== undefined, 'the suite talks to a real broker, and none is installed on this machine');
}

export { freePort } from '../../bin/launch';

export function waitForPort(port: number, host = '127.0.0.1', timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      const sock = net.connect(port, host);
      sock.once('connect', () => {
        sock.destroy();
        resolve();
      });
      sock.once('error', () => {
        sock.destroy();
        if (Date.now() > deadline) reject(new Error(`nothing listens on ${host}:${port}`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

export interface Broker {
  port: number;
  url: string;
  dir: string;
  configFile: string;
  log(): string;
  /** the running broker's process id; undefined while stopped */
  pid(): number | undefined;
  /** stops gracefully (SIGTERM); persistence is written */
  stop(): Promise<void>;
  /** starts again with the same configuration and port */
  start(): Promise<void>;
}

export interface BrokerOptions {
  /** the whole configuration; `{{PORT}}` and `{{DIR}}` are replaced. Default: anonymous, one listener. */
  config?: string;
  port?: number;
  /** more ports the configuration mentions as {{PORT2}}, {{PORT3}}… (waited for too) */
  extraPorts?: number;
  /** files to write in the broker's directory before it starts */
  files?: Record<string, string>;
}

/**
 * The brokers' directories, removed when the process exits: a test stops its broker and may
 * start it again (persistence lives in that directory), so no single stop is the last one.
 */
const brokerDirs = new TempDirs();

export async function startMosquitto(options: BrokerOptions = {}): Promise<Broker> {
  if (!mosquittoBin) throw new Error('mosquitto not installed');
  const bin = mosquittoBin;
  const port = options.port ?? (await freePort());
  const ports = [port];
  for (let i = 0; i < (options.extraPorts ?? 0); i++) ports.push(await freePort());
  const dir = brokerDirs.make('wis2-mosquitto-');
  for (const [name, content] of Object.entries(options.files ?? {})) fs.writeFileSync(path.join(dir, name), content, { mode: 0o600 });
  let config = options.config ?? 'listener {{PORT}} 127.0.0.1\nallow_anonymous true\npersistence false\n';
  config = config.replace(/\{\{DIR\}\}/g, dir).replace(/\{\{PORT\}\}/g, String(port));
  ports.forEach((p, i) => {
    config = config.replace(new RegExp(`\\{\\{PORT${i + 1}\\}\\}`, 'g'), String(p));
  });
  const configFile = path.join(dir, 'mosquitto.conf');
  fs.writeFileSync(configFile, config);
  giveToBroker(dir);
  let logText = '';
  let child: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    const proc = spawn(bin, ['-c', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    proc.stdout.on('data', (d: Buffer) => (logText += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (logText += d.toString()));
    const exited = new Promise<never>((_, reject) => proc.once('exit', (code) => { reject(new Error(`mosquitto exited (${String(code)}):\n${logText}`)); }));
    await Promise.race([Promise.all(ports.map((p) => waitForPort(p))), exited]);
    proc.removeAllListeners('exit');
  };
  const stop = async (): Promise<void> => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => { resolve(); });
      proc.kill('SIGTERM');
    });
  };
  await start();
  return { port, url: `mqtt://127.0.0.1:${port}`, dir, configFile, log: () => logText, pid: () => child?.pid, stop, start };
}
