import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mosquittoTool, startMosquitto, waitForPort, type Broker } from '../helpers/mosquitto';
import { deployFiles, readText } from './project';

/**
 * The broker as the container runs it: the project's mosquitto.conf with only its listeners'
 * ports and its file paths moved into a temp dir, users and ACL written by the project's own
 * entrypoint script.
 */

export interface Rewritten {
  config: string;
  /** indexes of the lines changed */
  changed: number[];
  listeners: { port: string; protocol: string }[];
}

/**
 * Moves the listeners to {{PORT}}, {{PORT2}}… on loopback and the container directories into
 * `dirs`; any other absolute path is an error, so the test notices a path it would not move.
 */
export function rewriteForTest(conf: string, dirs: Record<string, string>): Rewritten {
  const changed: number[] = [];
  const listeners: { port: string; protocol: string }[] = [];
  const out = conf.split('\n').map((line, i) => {
    const listener = /^listener\s+(\d+)\s*$/.exec(line);
    if (listener?.[1]) {
      listeners.push({ port: listener[1], protocol: 'mqtt' });
      changed.push(i);
      return `listener {{PORT${listeners.length === 1 ? '' : listeners.length}}} 127.0.0.1`;
    }
    const protocol = /^protocol\s+(\S+)\s*$/.exec(line);
    const current = listeners.at(-1);
    if (protocol?.[1] && current) current.protocol = protocol[1];
    if (line.startsWith('#')) return line;
    const pathLine = /^(\S+)\s+(\/\S*)\s*$/.exec(line);
    if (!pathLine?.[2]) return line;
    const [, directive, file] = pathLine;
    const dir = Object.keys(dirs).find((d) => file === d || file.startsWith(d + '/'));
    if (!dir) throw new Error(`mosquitto.conf: ${line}: a path the test does not know how to move`);
    changed.push(i);
    return `${directive} ${dirs[dir]}${file.slice(dir.length)}`;
  });
  return { config: out.join('\n'), changed, listeners };
}

export function runMosquittoEntrypoint(env: Record<string, string>): SpawnSyncReturns<string> {
  return spawnSync('sh', [deployFiles.mosquittoEntrypoint], {
    encoding: 'utf8',
    // only what the container would have: no variable leaks in from the machine running the tests
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', MOSQUITTO_PASSWD: mosquittoTool('mosquitto_passwd'), ...env },
  });
}

export interface ProjectBroker {
  broker: Broker;
  /** the temp dir holding auth/ and data/ */
  work: string;
  rewritten: Rewritten;
  bootstrap: SpawnSyncReturns<string>;
  wsPort: number;
  users: Record<'producer' | 'pipeline' | 'everyone', { username: string; password: string }>;
  stop(): Promise<void>;
}

export interface ProjectBrokerOptions {
  /** a directory with server.crt and server.key, and the port of the TLS listener */
  tls?: { dir: string; port: number };
}

export async function startProjectBroker(options: ProjectBrokerOptions = {}): Promise<ProjectBroker> {
  const users = {
    // spaces, colons and shell metacharacters must survive the script's quoting
    producer: { username: 'diffusion', password: `pr0d ${crypto.randomBytes(6).toString('hex')}:$x"'` },
    pipeline: { username: 'wis2-pipeline', password: `p1pe:${crypto.randomBytes(6).toString('hex')} $(true)` },
    everyone: { username: 'everyone', password: 'everyone' },
  };
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'wis2-deploy-broker-'));
  // Mosquitto started as root drops to its own user before reading the password file
  fs.chmodSync(work, 0o711);
  const authDir = path.join(work, 'auth');
  const dataDir = path.join(work, 'data');
  fs.mkdirSync(dataDir);
  const bootstrap = runMosquittoEntrypoint({
    MOSQUITTO_AUTH_DIR: authDir,
    MOSQUITTO_ACL_TEMPLATE: deployFiles.aclTemplate,
    MOSQUITTO_DATA_DIR: dataDir,
    PRODUCER_PASSWORD: users.producer.password,
    PIPELINE_PASSWORD: users.pipeline.password,
    // never the container's default: a machine with /mosquitto/certs must not change the test
    MOSQUITTO_TLS_DIR: options.tls?.dir ?? path.join(work, 'no-certs'),
    MOSQUITTO_TLS_PORT: String(options.tls?.port ?? 8883),
  });
  if (bootstrap.status !== 0) throw new Error(`entrypoint.sh failed: ${bootstrap.stderr}`);
  const rewritten = rewriteForTest(readText(deployFiles.mosquittoConf), { '/mosquitto/auth': authDir, '/mosquitto/data': dataDir });
  const broker = await startMosquitto({ config: rewritten.config, extraPorts: rewritten.listeners.length - 1 });
  const ports = readText(broker.configFile)
    .split('\n')
    .filter((l) => l.startsWith('listener '))
    .map((l) => Number(l.split(/\s+/)[1]));
  const wsPort = ports[rewritten.listeners.findIndex((l) => l.protocol === 'websockets')] ?? 0;
  if (options.tls) await waitForPort(options.tls.port);
  return {
    broker,
    work,
    rewritten,
    bootstrap,
    wsPort,
    users,
    stop: async () => {
      await broker.stop();
      fs.rmSync(broker.dir, { recursive: true, force: true });
      fs.rmSync(work, { recursive: true, force: true });
    },
  };
}
