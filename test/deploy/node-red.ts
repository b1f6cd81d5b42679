import { spawn, type ChildProcess } from 'node:child_process';

/** A Node-RED (or any HTTP server) child process, with its output kept for failure messages. */
export interface Server {
  url: string;
  log(): string;
  exited(): boolean;
  stop(): Promise<void>;
}

export function spawnServer(command: string, args: string[], options: { env: NodeJS.ProcessEnv; cwd?: string; url: string }): Server {
  let output = '';
  const child: ChildProcess = spawn(command, args, { env: options.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  let exitCode: number | null = null;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code) => {
      exitCode = code ?? -1;
      resolve();
    }),
  );
  return {
    url: options.url,
    log: () => output,
    exited: () => exitCode !== null,
    stop: async () => {
      if (exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exit;
      clearTimeout(timer);
    },
  };
}

/** Waits until GET `path` answers (any status), failing early if the process ends. */
export async function waitForHttp(server: Server, path = '/', timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (server.exited()) throw new Error(`the server exited:\n${server.log()}`);
    try {
      await fetch(server.url + path, { signal: AbortSignal.timeout(2000) });
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`nothing answers on ${server.url}${path}:\n${server.log()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

export async function getJson<T>(url: string, headers: Record<string, string> = {}): Promise<T> {
  const res = await fetch(url, { headers: { Accept: 'application/json', ...headers } });
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** A Node-RED admin API token, as `node-red-admin login` gets one. */
export async function adminToken(url: string, username: string, password: string): Promise<string> {
  const res = await fetch(`${url}/auth/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: 'node-red-admin', grant_type: 'password', scope: '*', username, password }).toString(),
  });
  if (!res.ok) throw new Error(`POST /auth/token: HTTP ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { access_token?: string };
  if (!body.access_token) throw new Error('no access_token');
  return body.access_token;
}

/** One entry of GET /nodes (Accept: application/json). */
export interface NodeSetInfo {
  id: string;
  name: string;
  module: string;
  version?: string;
  types: string[];
  enabled: boolean;
  local?: boolean;
  err?: string;
}
