import assert from 'node:assert/strict';
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { ALLOCATOR_DEFAULTS, freePort, runtimeEnv } from '../../bin/launch';
import { NODE_RED_DIR_VARIABLE, nodeRedVersion } from '../../bin/node-red-dir';
import { procChildren, procEnviron } from '../helpers/proc';
import { repoRoot } from '../helpers/reference';

/** `npm start` itself (its built entry point): what a newcomer runs first. */
const START = path.join(repoRoot, 'dist', 'bin', 'start.js');

function run(env: NodeJS.ProcessEnv): { child: ChildProcessByStdio<null, Readable, Readable>; out: () => string; err: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [START], { env: { PATH: process.env.PATH, HOME: process.env.HOME, [NODE_RED_DIR_VARIABLE]: process.env[NODE_RED_DIR_VARIABLE], ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      resolve(code);
    });
  });
  return { child, out: () => out, err: () => err, exit };
}

async function occupy(): Promise<{ port: number; close: () => Promise<void> }> {
  const server = net.createServer();
  await new Promise<void>((r) => {
    server.listen(0, '127.0.0.1', r);
  });
  const addr = server.address();
  assert.ok(addr && typeof addr === 'object');
  return { port: addr.port, close: () => new Promise((r) => server.close(() => { r(); })) };
}

describe('npm start', function () {
  this.timeout(90_000);
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  function userDir(): string {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'wis2-start-'));
    dirs.push(d);
    return d;
  }

  it('gives the runtime two allocator arenas unless the environment says otherwise, and its host, port and nodes', () => {
    assert.deepEqual(ALLOCATOR_DEFAULTS, { MALLOC_ARENA_MAX: '2' });
    const env = runtimeEnv({ env: { PATH: '/bin', NODE_RED_PORT: '1' }, host: '127.0.0.1', port: 1880 });
    assert.equal(env.MALLOC_ARENA_MAX, '2');
    assert.equal(env.PATH, '/bin');
    assert.equal(env.NODE_RED_PORT, '1880', 'the port it was given, not one from the environment');
    assert.equal(env.NODE_RED_HOST, '127.0.0.1');
    assert.equal(env.WIS2_NODES_DIR, repoRoot);
    assert.equal(runtimeEnv({ env: { MALLOC_ARENA_MAX: '8' }, host: 'h', port: 1 }).MALLOC_ARENA_MAX, '8');
  });

  it('says in one line that the MQTT port is taken, and what to set', async () => {
    const busy = await occupy();
    try {
      const r = run({ MQTT_PORT: String(busy.port), NODE_RED_PORT: String(await freePort()), WIS2_USER_DIR: userDir() });
      assert.equal(await r.exit, 1);
      const lines = r.err().trim().split('\n');
      assert.equal(lines.length, 1, r.err());
      assert.match(lines[0] ?? '', new RegExp(`port ${busy.port} on 127\\.0\\.0\\.1 is in use: set MQTT_PORT to a free port, or MQTT_URL`));
    } finally {
      await busy.close();
    }
  });

  it('says in one line that the editor port is taken, and what to set', async () => {
    const busy = await occupy();
    try {
      const r = run({ NODE_RED_PORT: String(busy.port), MQTT_PORT: String(await freePort()), WIS2_USER_DIR: userDir() });
      assert.equal(await r.exit, 1);
      assert.deepEqual(r.err().trim().split('\n').length, 1, r.err());
      assert.match(r.err(), /is in use: set NODE_RED_PORT to a free port/);
    } finally {
      await busy.close();
    }
  });

  it('serves the editor with the Argo flow deployed and the embedded broker connected, and stops on SIGTERM', async () => {
    const port = await freePort();
    const dir = userDir();
    const r = run({ NODE_RED_PORT: String(port), MQTT_PORT: String(await freePort()), WIS2_USER_DIR: dir });
    try {
      const deadline = Date.now() + 60_000;
      while (!r.out().includes('Node-RED editor: http://127.0.0.1:')) {
        if (Date.now() > deadline || r.child.exitCode !== null) assert.fail(`npm start did not come up:\n${r.out()}\n${r.err()}`);
        await new Promise((res) => setTimeout(res, 100));
      }
      const editor = await fetch(`http://127.0.0.1:${port}/`);
      assert.equal(editor.status, 200);
      if (process.platform === 'linux') {
        // the runtime, npm start's one child, runs with glibc's allocator held to two arenas
        const children = procChildren(r.child.pid ?? -1);
        assert.equal(children.length, 1, 'one child');
        assert.equal(procEnviron(children[0])?.MALLOC_ARENA_MAX, '2');
      }
      // the checkout's Node-RED (5), or the one WIS2_NODE_RED_DIR names, on this Node.js
      assert.ok(r.out().includes(`Node-RED version: v${nodeRedVersion()}`), r.out());
      assert.ok(r.out().includes(`Node.js  version: ${process.version}`), r.out());
      const flows = (await (await fetch(`http://127.0.0.1:${port}/flows`)).json()) as { id: string; type: string }[];
      assert.ok(flows.some((n) => n.id === 'wis2-argo-convert' && n.type === 'wis2-cloudevent-to-wnm'));
      assert.ok(fs.existsSync(path.join(dir, 'flows.json')), 'the shipped flows are installed in the user directory');
      // the three broker connections (input, WIS2, Global Broker of the feedback flow): the
      // embedded broker speaks only 3.1.1, so each falls back once
      const connected = (): number => (r.out().match(/connected to mqtt:\/\/127\.0\.0\.1:\d+ as \S+ \(MQTT 3\.1\.1\)/g) ?? []).length;
      while (connected() < 3) {
        if (Date.now() > deadline) assert.fail(r.out());
        await new Promise((res) => setTimeout(res, 100));
      }
      const fallbacks = r.out().split('\n').filter((l) => /refuses MQTT 5/.test(l));
      assert.equal(fallbacks.length, 3, fallbacks.join('\n'));
      assert.ok(['(MQTT_URL)', '(WIS2_MQTT_URL)', '(WIS2_GB_MQTT_URL)'].every((name) => fallbacks.some((l) => l.includes(name))), 'one line per broker node');
      assert.equal(r.out().split('\n').filter((l) => /Unacceptable protocol version/.test(l)).length, 3, 'the refusal is said once per broker, by the fallback line');
      // past the reconnect period: the fallen-back connections stay up and the runtime alive
      await new Promise((res) => setTimeout(res, 3000));
      assert.equal(r.child.exitCode, null, r.out());
      assert.doesNotMatch(r.out(), /Uncaught Exception/);
      assert.equal(connected(), 3, 'no reconnection');
    } finally {
      r.child.kill('SIGTERM');
    }
    assert.equal(await r.exit, 0);
  });
});
