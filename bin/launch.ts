import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { installFlows, packageRoot } from './commands/flows';
import { nodeRedCli } from './node-red-dir';

/**
 * Runs the pipeline from a checkout the way the container runs it: the Node-RED runtime (its
 * own CLI, the project's settings.js, this package's nodes, the shipped flows), and, when no
 * broker is given, an embedded MQTT broker so a newcomer sees it work with nothing else
 * installed. Shared by `npm start` and `npm run demo`.
 */

export class PortInUse extends Error {
  constructor(
    readonly port: number,
    readonly host: string,
    readonly hint: string,
  ) {
    super(`port ${port} on ${host} is in use: ${hint}`);
  }
}

export interface EmbeddedBroker {
  url: string;
  port: number;
  /** resolves when a client subscribes to `filter` */
  subscribed(filter: string): Promise<void>;
  close(): Promise<void>;
}

function listen(server: net.Server, port: number, host: string, hint: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => { reject(err.code === 'EADDRINUSE' ? new PortInUse(port, host, hint) : err); });
    server.listen(port, host, () => {
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}

/** A port nothing listens on right now (the OS picks it). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const probe = net.createServer();
  const port = await listen(probe, 0, host, '');
  await new Promise((r) => probe.close(r));
  return port;
}

export async function checkPortFree(port: number, host: string, hint: string): Promise<void> {
  const probe = net.createServer();
  await listen(probe, port, host, hint);
  await new Promise((r) => probe.close(r));
}

/** aedes (MQTT 3.1.1) in this process; port 0 picks a free one. */
export async function startEmbeddedBroker(port: number, host = '127.0.0.1'): Promise<EmbeddedBroker> {
  // aedes 1.x is an ES module: a dynamic import loads it from CommonJS on every Node 20.
  const { Aedes } = await import('aedes');
  const aedes = await Aedes.createBroker();
  const waiting: { filter: string; resolve: () => void }[] = [];
  const seen = new Set<string>();
  aedes.on('subscribe', (subs) => {
    for (const s of subs) {
      seen.add(s.topic);
      for (const w of waiting.filter((x) => x.filter === s.topic)) w.resolve();
    }
  });
  // Without noDelay a reply written while an earlier one is unacknowledged waits for the
  // client's delayed ACK, 40 ms on Linux (see docker/mosquitto/mosquitto.conf, set_tcp_nodelay)
  const server = net.createServer({ noDelay: true }, aedes.handle);
  let actual: number;
  try {
    actual = await listen(server, port, host, 'set MQTT_PORT to a free port, or MQTT_URL to use the broker that listens there');
  } catch (err) {
    await new Promise<void>((resolve) => { aedes.close(() => { resolve(); }); });
    throw err;
  }
  return {
    url: `mqtt://${host}:${actual}`,
    port: actual,
    subscribed: (filter) =>
      seen.has(filter) ? Promise.resolve() : new Promise((resolve) => waiting.push({ filter, resolve })),
    close: async () => {
      await new Promise<void>((resolve) => { aedes.close(() => { resolve(); }); });
      await new Promise((r) => server.close(r));
    },
  };
}

export interface RuntimeOptions {
  userDir: string;
  host: string;
  port: number;
  env: NodeJS.ProcessEnv;
  /** inherit the runtime's output (npm start) or keep it (the demo shows it on failure) */
  quiet: boolean;
}

export interface Runtime {
  url: string;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

function get(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => { resolve(0); });
    req.setTimeout(1000, () => req.destroy());
  });
}

/**
 * The C library allocator's defaults for the runtime, which the given environment overrides.
 * glibc's gives threads that allocate their own arenas (up to eight per core) and keeps what is
 * freed in each: under a steady stream the runtime's memory outside V8's heap creeps up for a
 * million events and more. With two arenas it crept about half as much, from a lower level
 * (the soak of `npm run bench`, lows of its thirds outside V8's heap: 153 / 159 / 165 MiB with
 * glibc's default; 135 / 138 / 136 and 150 / 153 / 157 in two runs with two arenas; 160 / 159 /
 * 162 with jemalloc in its place). Other C libraries (musl, in the container's Alpine image)
 * ignore the variable.
 */
export const ALLOCATOR_DEFAULTS: Readonly<NodeJS.ProcessEnv> = { MALLOC_ARENA_MAX: '2' };

/** The runtime's environment: the allocator's defaults, what the caller gives, then the launcher's own. */
export function runtimeEnv(options: Pick<RuntimeOptions, 'env' | 'host' | 'port'>): NodeJS.ProcessEnv {
  return {
    ...ALLOCATOR_DEFAULTS,
    ...options.env,
    NODE_RED_HOST: options.host,
    NODE_RED_PORT: String(options.port),
    WIS2_NODES_DIR: packageRoot,
  };
}

function spawnRuntime(options: RuntimeOptions): ChildProcess {
  // the launcher's choice (WIS2_NODE_RED_DIR), whatever environment the runtime itself is given
  const redJs = nodeRedCli();
  const settings = path.join(packageRoot, 'docker', 'node-red', 'settings.js');
  return spawn(process.execPath, [redJs, '--settings', settings, '--userDir', options.userDir, 'flows.json'], {
    env: runtimeEnv(options),
    stdio: options.quiet ? ['ignore', 'pipe', 'pipe'] : ['ignore', 'inherit', 'inherit'],
  });
}

/** Resolves once the editor answers, which it does once the runtime has loaded the flows and started them. */
async function untilReady(child: ChildProcess, url: string): Promise<void> {
  // stops with the process: polling a runtime that failed to start would keep this one alive
  while (child.exitCode === null && child.signalCode === null) {
    if ((await get(url)) === 200) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve();
      return;
    }
    child.once('exit', () => { resolve(); });
    child.kill('SIGTERM');
  });
}

export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  installFlows(options.userDir);
  const child = spawnRuntime(options);
  let output = '';
  const onData = (d: Buffer): void => {
    output += d.toString();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${options.port}/`;
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => { reject(new Error(`Node-RED exited with code ${String(code)}${output ? `:\n${output}` : ''}`)); }),
  );
  await Promise.race([untilReady(child, url), exited]);
  // once running, an exit is the caller's business (it listens on `child`)
  exited.catch(() => undefined);
  return { url, child, output: () => output, stop: () => stopChild(child) };
}
