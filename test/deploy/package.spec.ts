import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, needMosquitto } from '../helpers/mosquitto';
import { repoRoot } from '../helpers/reference';
import { composeService, deployFiles, interpolate, loadCompose, readText, stringList } from './project';
import { startProjectBroker, type ProjectBroker } from './project-broker';
import { adminToken, getJson, spawnServer, waitForHttp, type NodeSetInfo, type Server } from './node-red';
import { isMap, type YamlMap } from './yaml-subset';

/**
 * What the image does with the package: `npm pack`, install the tarball next to (not into) a
 * Node-RED runtime, start it, and check every node registered; then the whole compose stack,
 * each container replaced by the same program run natively with the same files and settings.
 */

interface PackageJson {
  name: string;
  version: string;
  bin: { wis2: string };
  'node-red': { nodes: Record<string, string> };
}

const pkg = JSON.parse(readText(path.join(repoRoot, 'package.json'))) as PackageJson;
const nodeSets = Object.entries(pkg['node-red'].nodes);
const redJs = path.join(repoRoot, 'node_modules', 'node-red', 'red.js');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function sourceDir(set: string): string {
  return path.join(repoRoot, 'nodes', set);
}

/** Node types the editor file registers (a node set may hold several). */
function registeredTypes(set: string): string[] {
  const html = readText(path.join(sourceDir(set), `${set}.html`));
  return [...html.matchAll(/RED\.nodes\.registerType\(\s*['"]([^'"]+)['"]/g)].map((m) => m[1]).sort();
}

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

function shippedFlows(): string[] {
  return fs.existsSync(path.join(repoRoot, 'flows')) ? fs.readdirSync(path.join(repoRoot, 'flows')).filter((n) => n.endsWith('.json')).sort() : [];
}

function run(command: string, args: string[], cwd: string, timeout = 120_000): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout, env: { ...process.env, npm_config_update_notifier: 'false' } });
  assert.equal(result.status, 0, `${command} ${args.join(' ')}:\n${result.stderr}${result.stdout}`);
  return result.stdout;
}

/** `npm run build` when the runtime files are not all there, e.g. after `tsc` alone. */
function ensureBuilt(): void {
  const missing = nodeSets.some(([, js]) => !fs.existsSync(path.join(repoRoot, js)) || !fs.existsSync(path.join(repoRoot, js.replace(/\.js$/, '.html'))));
  if (missing) run(NPM, ['run', 'build'], repoRoot, 180_000);
}

function minimalSettings(): string {
  return `module.exports = {
  uiHost: '127.0.0.1',
  flowFile: 'flows.json',
  credentialSecret: false,
  logging: { console: { level: 'warn' } },
  editorTheme: { tours: false, projects: { enabled: false } },
  telemetry: { enabled: false },
};
`;
}

describe('deploy: the npm package', function () {
  this.timeout(120_000);
  let work = '';

  before(() => {
    ensureBuilt();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'wis2-deploy-package-'));
  });

  after(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('packs everything Node-RED loads: runtime, editor, icons, locales, examples, licence', () => {
    const reports = JSON.parse(run(NPM, ['pack', '--dry-run', '--json'], repoRoot)) as { files: { path: string }[] }[];
    const files = new Set(reports.flatMap((r) => r.files.map((f) => f.path)));
    const missing: string[] = [];
    const expect = (file: string): void => {
      if (!files.has(file)) missing.push(file);
    };
    for (const [set, js] of nodeSets) {
      const dist = path.posix.dirname(js);
      expect(js);
      expect(js.replace(/\.js$/, '.html'));
      for (const lang of ['en-US', 'fr']) {
        const sources = filesUnder(path.join(sourceDir(set), 'locales', lang));
        assert.ok(sources.includes(`${set}.json`), `${set}: no locales/${lang}/${set}.json`);
        assert.ok(sources.includes(`${set}.html`), `${set}: no locales/${lang}/${set}.html (help)`);
        for (const f of sources) expect(`${dist}/locales/${lang}/${f}`);
      }
      for (const f of filesUnder(path.join(sourceDir(set), 'icons'))) expect(`${dist}/icons/${f}`);
      // every icon the editor names must come with the package (Font Awesome ones are Node-RED's)
      const html = readText(path.join(sourceDir(set), `${set}.html`));
      for (const m of html.matchAll(/\bicon:\s*['"]([^'"]+)['"]/g)) {
        if (!m[1].startsWith('font-awesome/')) expect(`${dist}/icons/${m[1]}`);
      }
    }
    expect('LICENSE');
    expect('package.json');
    expect(pkg.bin.wis2);
    for (const flow of shippedFlows()) expect(`examples/${flow}`);
    assert.deepEqual(missing, [], `missing from the tarball: ${missing.join(', ')}`);
    assert.ok(shippedFlows().length > 0 && [...files].some((f) => f.startsWith('examples/')), 'no examples/ for Import > Examples');
    const stray = [...files].filter((f) => f.startsWith('dist/test/') || f.startsWith('test/') || (f.endsWith('.ts') && !f.endsWith('.d.ts')));
    assert.deepEqual(stray, [], 'tests and TypeScript sources stay out of the tarball');
  });

  describe('installed from its tarball', () => {
    let installDir = '';
    let tarball = '';

    before(() => {
      installDir = path.join(work, 'install');
      const packed = JSON.parse(run(NPM, ['pack', '--json', '--pack-destination', work], repoRoot)) as { filename: string }[];
      assert.equal(packed.length, 1);
      tarball = path.join(work, packed.at(0)?.filename ?? '');
      assert.ok(fs.existsSync(tarball));
      fs.mkdirSync(installDir);
      // what Node-RED writes in a new user directory
      fs.writeFileSync(path.join(installDir, 'package.json'), JSON.stringify({ name: 'node-red-project', description: 'A Node-RED Project', version: '0.0.1', private: true }));
      run(NPM, ['install', '--no-audit', '--no-fund', '--omit=dev', '--prefer-offline', '--loglevel=error', tarball], installDir, 110_000);
    });

    it('installs without Node-RED itself (the runtime is the host\'s), with a working `wis2` command', () => {
      const modules = path.join(installDir, 'node_modules');
      assert.ok(!fs.existsSync(path.join(modules, 'node-red')), 'node-red must stay a peer');
      const installed = JSON.parse(readText(path.join(modules, pkg.name, 'package.json'))) as { version: string };
      assert.equal(installed.version, pkg.version);
      const help = spawnSync(path.join(modules, '.bin', 'wis2'), ['--help'], { encoding: 'utf8' });
      assert.equal(help.status, 0, help.stderr);
      assert.match(help.stdout, /usage: wis2/);
    });

    it('registers every node of the package, enabled and without error, in a real Node-RED', async () => {
      const settings = path.join(work, 'minimal-settings.js');
      fs.writeFileSync(settings, minimalSettings());
      const port = await freePort();
      const server = spawnServer(process.execPath, [redJs, '-u', installDir, '-p', String(port), '--settings', settings], {
        env: { PATH: process.env.PATH, HOME: process.env.HOME ?? work },
        url: `http://127.0.0.1:${port}`,
      });
      try {
        await waitForHttp(server);
        const sets = (await getJson<NodeSetInfo[]>(`${server.url}/nodes`)).filter((s) => s.module === pkg.name);
        assert.deepEqual(sets.map((s) => s.name).sort(), nodeSets.map(([name]) => name).sort(), server.log());
        for (const [set] of nodeSets) {
          const info = sets.find((s) => s.name === set);
          assert.ok(info);
          assert.equal(info.err, undefined, `${set}: ${info.err ?? ''}`);
          assert.equal(info.enabled, true, set);
          assert.equal(info.version, pkg.version);
          assert.deepEqual([...info.types].sort(), registeredTypes(set), `${set}: types`);
        }
        // the editor side: templates, and the French catalogues found beside the runtime
        const editor = await (await fetch(`${server.url}/nodes`, { headers: { Accept: 'text/html' } })).text();
        for (const [set] of nodeSets) {
          for (const type of registeredTypes(set)) assert.ok(editor.includes(`data-template-name="${type}"`), `${type}: no editor template`);
          const fr = await getJson<Record<string, unknown>>(`${server.url}/nodes/${pkg.name}/${set}/messages?lng=fr`);
          const catalog = JSON.parse(readText(path.join(sourceDir(set), 'locales', 'fr', `${set}.json`))) as unknown;
          assert.deepEqual(fr, catalog, `${set}: French messages`);
        }
        // Import > Examples
        const examples = await getJson<string[]>(`${server.url}/library/examples/flows/${pkg.name}/`);
        assert.deepEqual(
          examples.map((e) => (typeof e === 'string' ? e : (e as { fn?: string }).fn ?? '')).sort(),
          shippedFlows().map((f) => f.replace(/\.json$/, '')),
        );
      } finally {
        await server.stop();
      }
    });

    describe('the compose stack, run natively', () => {
      let project: ProjectBroker | undefined;
      const servers: Server[] = [];

      before(function () {
        needMosquitto(this);
      });

      after(async () => {
        await Promise.all(servers.map((s) => s.stop()));
        await project?.stop();
      });

      /** A service's environment as compose would give it, pointed at the test broker. */
      function serviceEnv(compose: YamlMap, name: string, vars: Record<string, string>, brokerUrl: string): Record<string, string | undefined> {
        const env = composeService(compose, name).environment;
        if (!isMap(env)) return {};
        return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, interpolate(typeof v === 'string' ? v : '', vars).replace('mqtt://mosquitto:1883', brokerUrl)]));
      }

      it('seeds the shipped flows, and file events published by the simulator come out as valid WIS2 notifications', async function () {
        this.timeout(90_000);
        project = await startProjectBroker();
        const { broker, users } = project;
        const compose = loadCompose();
        const vars = {
          PRODUCER_PASSWORD: users.producer.password,
          PIPELINE_PASSWORD: users.pipeline.password,
          NODE_RED_ADMIN_USER: 'admin',
          NODE_RED_ADMIN_PASSWORD: 'admin password',
          NODE_RED_CREDENTIAL_SECRET: 'credential secret',
          SIMULATOR_COUNT: '6',
          SIMULATOR_RATE: '20',
        };
        const basePath = `${path.join(installDir, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH ?? ''}`;
        const base = { PATH: basePath, HOME: process.env.HOME ?? work };

        // node-red: the image's files, the image's ENV, compose's environment
        const imageDir = path.join(work, 'image');
        const dataDir = path.join(work, 'data');
        fs.mkdirSync(imageDir);
        fs.mkdirSync(dataDir);
        fs.copyFileSync(deployFiles.settings, path.join(imageDir, 'settings.js'));
        fs.symlinkSync(path.join(installDir, 'node_modules'), path.join(dataDir, 'node_modules'), 'dir');
        fs.copyFileSync(path.join(installDir, 'package.json'), path.join(dataDir, 'package.json'));
        // stands in for the stock image's entrypoint: node red.js --userDir /data $FLOWS "$@"
        const stock = path.join(imageDir, 'stock-entrypoint.sh');
        fs.writeFileSync(stock, `#!/bin/sh\nexec '${process.execPath}' '${redJs}' --userDir "$NODE_RED_USER_DIR" $FLOWS "$@"\n`, { mode: 0o755 });
        const port = await freePort();
        const nodeRed = spawnServer('sh', [deployFiles.nodeRedEntrypoint], {
          env: {
            ...base,
            ...serviceEnv(compose, 'node-red', vars, broker.url),
            // the image listens on 0.0.0.0; loopback is enough here and settings.js still asks for the login
            NODE_RED_HOST: '127.0.0.1',
            NODE_RED_PORT: String(port),
            FLOWS: '',
            WIS2_IMAGE_DIR: imageDir,
            NODE_RED_USER_DIR: dataDir,
            NODE_RED_STOCK_ENTRYPOINT: stock,
          },
          url: `http://127.0.0.1:${port}`,
        });
        servers.push(nodeRed);
        await waitForHttp(nodeRed);
        assert.ok(fs.existsSync(path.join(dataDir, 'flows.json')), 'flows seeded');
        assert.equal(readText(path.join(dataDir, 'settings.js')), readText(deployFiles.settings));

        // the admin API is closed without the login, open with it
        assert.equal((await fetch(`${nodeRed.url}/nodes`, { headers: { Accept: 'application/json' } })).status, 401);
        const token = await adminToken(nodeRed.url, vars.NODE_RED_ADMIN_USER, vars.NODE_RED_ADMIN_PASSWORD);
        const flows = await getJson<{ type: string; z?: string }[]>(`${nodeRed.url}/flows`, { Authorization: `Bearer ${token}` });
        assert.ok(flows.some((n) => n.type === 'wis2-cloudevent-to-wnm'), 'the shipped Argo flow runs');
        const sets = (await getJson<NodeSetInfo[]>(`${nodeRed.url}/nodes`, { Authorization: `Bearer ${token}` })).filter((s) => s.module === pkg.name);
        assert.ok(sets.length === nodeSets.length && sets.every((s) => s.enabled && !s.err));

        // the reliable input logs its subscription: from then on file events are not missed
        await until(() => nodeRed.log().includes(`subscribed to diffusion/files/coriolis/argo/#`), 20_000, () => `Node-RED never connected:\n${nodeRed.log()}`);

        // receiver, then simulator, with compose's commands and environment
        const receiverCmd = stringList(composeService(compose, 'receiver').command, 'receiver').map((a) => interpolate(a, vars).replace('mqtt://mosquitto:1883', broker.url));
        const count = Number(vars.SIMULATOR_COUNT);
        const receiver = runTool([...receiverCmd, '--count', String(count), '--timeout', '40', '--json'], { ...base, ...serviceEnv(compose, 'receiver', vars, broker.url) });
        await until(() => receiver.stderr().includes('"subscribed"'), 15_000, () => `receiver never subscribed:\n${receiver.stderr()}`);
        const simulatorCmd = stringList(composeService(compose, 'simulator').command, 'simulator').map((a) => interpolate(a, vars).replace('mqtt://mosquitto:1883', broker.url));
        const simulator = runTool(simulatorCmd, { ...base, ...serviceEnv(compose, 'simulator', vars, broker.url) });
        assert.equal(await simulator.done, 0, `simulator:\n${simulator.stdout()}${simulator.stderr()}`);

        const code = await receiver.done;
        const lines = receiver.stdout().trim().split('\n');
        const summary = JSON.parse(lines.at(-1) ?? '{}') as { received?: number; valid?: number; invalid?: number };
        assert.equal(summary.invalid, 0, receiver.stdout());
        assert.equal(summary.valid, count, `${receiver.stdout()}\n--- node-red\n${nodeRed.log()}`);
        assert.equal(code, 0);
      });
    });
  });
});

async function until(check: () => boolean, timeoutMs: number, message: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(message());
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Runs `wis2 <args>` the way the compose services do (entrypoint ["wis2"]). */
function runTool(args: string[], env: NodeJS.ProcessEnv): { done: Promise<number>; stdout(): string; stderr(): string } {
  let out = '';
  let err = '';
  const child = spawn('wis2', args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const done = new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      resolve(code ?? -1);
    });
  });
  return { done, stdout: () => out, stderr: () => err };
}
