import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import semver from 'semver';
import { coreNodesDir, nodeRedCli, nodeRedVersion } from '../../bin/node-red-dir';
import { freePort, needMosquitto } from '../helpers/mosquitto';
import { repoRoot } from '../helpers/reference';
import { composeService, deployFiles, interpolate, loadCompose, readText, stringList } from './project';
import { startProjectBroker, type ProjectBroker } from './project-broker';
import { adminToken, getJson, spawnServer, waitForHttp, type NodeSetInfo, type Server } from './node-red';
import { isMap, type YamlMap } from './yaml';

/**
 * What the palette and the image do with the package: `npm pack`, install the tarball into a
 * plain Node-RED user directory (next to, not into, the runtime), start the runtime, check every
 * node registered and converting an event; then the whole compose stack, each container replaced
 * by the same program run natively with the same files and settings. The runtime is this
 * checkout's Node-RED 5, or the one WIS2_NODE_RED_DIR names (CI's second pass: Node-RED 4.1).
 * Before that, the Flow Library's scorecard rules that need no network.
 */

interface PackageJson {
  name: string;
  version: string;
  license?: string;
  repository?: unknown;
  bugs?: unknown;
  homepage?: string;
  keywords?: string[];
  engines?: { node?: string };
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  bin: { wis2: string };
  'node-red': { version?: string; nodes: Record<string, string> };
}

const pkg = JSON.parse(readText(path.join(repoRoot, 'package.json'))) as PackageJson;
const nodeSets = Object.entries(pkg['node-red'].nodes);
const redJs = nodeRedCli();
const runtimeVersion = nodeRedVersion();
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function sourceDir(set: string): string {
  return path.join(repoRoot, 'nodes', set);
}

/** Node types the editor file registers (a node set may hold several). */
function registeredTypes(set: string): string[] {
  const html = readText(path.join(sourceDir(set), `${set}.html`));
  return [...html.matchAll(/RED\.nodes\.registerType\(\s*['"]([^'"]+)['"]/g)].map((m) => m[1]).sort();
}

/** Each registered type with its palette category ('config' for config nodes). */
function typeCategories(set: string): { type: string; category: string }[] {
  const html = readText(path.join(sourceDir(set), `${set}.html`));
  return [...html.matchAll(/RED\.nodes\.registerType\(\s*['"]([^'"]+)['"]\s*,\s*\{([\s\S]*?)\bcategory:\s*['"]([^'"]+)['"]/g)].map((m) => ({ type: m[1], category: m[3] }));
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

/** The Flow Library's scorecard (`node-red-dev validate`), the rules that need no network. */
describe('deploy: the Flow Library scorecard, offline rules', () => {
  const nodeTypes = nodeSets.flatMap(([set]) => typeCategories(set));
  const checkoutNodeRed = JSON.parse(readText(path.join(repoRoot, 'node_modules', 'node-red', 'package.json'))) as { version: string; engines: { node: string } };

  it('P01 a licence, with its text in the package', () => {
    assert.equal(pkg.license, 'Apache-2.0');
    assert.match(readText(path.join(repoRoot, 'LICENSE')), /Apache License\s+Version 2\.0/);
  });

  it('P03 a repository and where to report bugs (and a home page)', () => {
    const url = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'object' && v !== null && 'url' in v && typeof v.url === 'string' ? v.url : '');
    assert.match(url(pkg.repository), /^git\+https:\/\/github\.com\/[\w.-]+\/node-red-contrib-wis2\.git$/);
    const repo = url(pkg.repository).replace(/^git\+/, '').replace(/\.git$/, '');
    assert.equal(url(pkg.bugs), `${repo}/issues`);
    assert.equal(pkg.homepage, `${repo}#readme`);
    assert.ok(readText(path.join(repoRoot, 'README.md')).includes(`${repo}/issues`), 'the README says where issues go');
  });

  it('P05 the node-red keyword', () => {
    assert.ok(pkg.keywords?.includes('node-red'));
  });

  it(`P06 node-red.version admits the installed Node-RED releases (${[...new Set([checkoutNodeRed.version, runtimeVersion])].join(', ')}) and 4.1, and the peer range says the same`, () => {
    const range = pkg['node-red'].version ?? '';
    assert.ok(semver.validRange(range), `node-red.version ${range}`);
    for (const v of [checkoutNodeRed.version, runtimeVersion, '4.1.0']) assert.ok(semver.satisfies(v, range), `Node-RED ${v} not in ${range}`);
    assert.ok(!semver.satisfies('4.0.5', range), 'Node-RED 4.0 is not tested: the range must not admit it');
    assert.equal(pkg.peerDependencies?.['node-red'], range);
    assert.ok(semver.subset(pkg.devDependencies?.['node-red'] ?? '', range), 'the development runtime is a supported one');
  });

  it(`P07 engines.node admits the lowest Node.js of Node-RED ${checkoutNodeRed.version} and the Node.js running this (${process.version})`, () => {
    const range = pkg.engines?.node ?? '';
    const lowest = semver.minVersion(checkoutNodeRed.engines.node);
    assert.ok(lowest && semver.satisfies(lowest, range), `Node.js ${String(lowest)} (Node-RED's minimum) not in ${range}`);
    assert.ok(semver.satisfies(process.version, range), `${process.version} not in ${range}`);
    // zlib.crc32 (the journal) and crypto.hash (notification ids) arrived in Node.js 20.15
    assert.equal(semver.minVersion(range)?.version, '20.15.0');
  });

  it('N01 node types unique: prefixed, no two alike, none a core node type', () => {
    const types = nodeTypes.map((t) => t.type);
    assert.deepEqual(types.filter((t) => !t.startsWith('wis2-')), []);
    assert.equal(new Set(types).size, types.length);
    const coreHtml = fs.readdirSync(path.join(coreNodesDir(), 'core'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && e.name.endsWith('.html'));
    const core = new Set(coreHtml.flatMap((e) => [...readText(path.join(e.parentPath, e.name)).matchAll(/registerType\(\s*['"]([^'"]+)['"]/g)].map((m) => m[1])));
    assert.ok(core.has('mqtt in') && core.has('inject'), 'core node types found');
    assert.deepEqual(types.filter((t) => core.has(t)), []);
  });

  it('N02 the examples use every node that is not a config node', () => {
    ensureBuilt();
    const examplesDir = path.join(repoRoot, 'examples');
    const used = new Set(fs.readdirSync(examplesDir).filter((f) => f.endsWith('.json')).flatMap((f) => (JSON.parse(readText(path.join(examplesDir, f))) as { type: string }[]).map((n) => n.type)));
    const nonConfig = nodeTypes.filter((t) => t.category !== 'config').map((t) => t.type);
    assert.equal(nonConfig.length, nodeTypes.length - 2, 'two config nodes: dataset and broker');
    assert.deepEqual(nonConfig.filter((t) => !used.has(t)), []);
  });

  it('D01 at most 6 runtime dependencies', () => {
    assert.ok(Object.keys(pkg.dependencies ?? {}).length <= 6, Object.keys(pkg.dependencies ?? {}).join(', '));
  });

  it('D02 no known-incompatible package in the installed runtime dependency tree', () => {
    // node-red-dev 0.1.6's list (src/badpackages.json); the tool reads the tree from the registry,
    // this reads the tree npm installed from the lock file
    const knownBad = new Map<string, string>([['agent-base', '<6.0.0']]);
    interface Tree { version?: string; dependencies?: Record<string, Tree> }
    const tree = JSON.parse(run(NPM, ['ls', '--omit=dev', '--all', '--json'], repoRoot)) as Tree;
    const found: string[] = [];
    let count = 0;
    const walk = (t: Tree): void => {
      for (const [name, dep] of Object.entries(t.dependencies ?? {})) {
        count++;
        const range = knownBad.get(name);
        if (range !== undefined && dep.version !== undefined && semver.satisfies(dep.version, range)) found.push(`${name}@${dep.version}`);
        walk(dep);
      }
    };
    walk(tree);
    assert.ok(count >= Object.keys(pkg.dependencies ?? {}).length, 'the tree was read');
    assert.deepEqual(found, []);
  });
});

describe(`deploy: the npm package, on Node-RED ${runtimeVersion}`, function () {
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

    it(`registers every node of the package, enabled and without error, in a plain Node-RED ${runtimeVersion}, which converts a sample event with them`, async () => {
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

        // a flow holding every node type, deployed through the admin API as the editor does
        const deploy = await fetch(`${server.url}/flows`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
          body: JSON.stringify(everyNodeFlow(await freePort())),
        });
        // 204: deployed (API v1 answers with no body)
        assert.equal(deploy.status, 204, `${await deploy.text()}\n${server.log()}`);
        const sample = readText(path.join(repoRoot, 'flows', 'samples', 'bufr-IOPX01_LFVX_091838.json'));
        let res: Response | undefined;
        // the flows start just after the deploy answers
        for (const deadline = Date.now() + 15_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
          res = await fetch(`${server.url}/convert`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: sample });
          if (res.status !== 404) break;
        }
        assert.ok(res);
        const answer = await res.text();
        assert.equal(res.status, 200, `${answer}\n${server.log()}`);
        const wnm = JSON.parse(answer) as { id?: string; properties?: { data_id?: string }; links?: { rel: string; href: string }[] };
        const href = (JSON.parse(sample) as { data: { assets: Record<string, { href: string } | undefined> } }).data.assets['IOPX01_LFVX_091838.BU']?.href ?? '';
        assert.equal(wnm.properties?.data_id, `wis2/fr-ifremer-argo/data/core/ocean/surface-based-observations/drifting-ocean-profilers/${href.replace('https://data-argo.ifremer.fr/', '')}`);
        assert.deepEqual(wnm.links?.filter((l) => l.rel === 'canonical').map((l) => l.href), [href], answer);
        assert.match(wnm.id ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-/);
        // a broken event comes back as a dead letter, from the same flow
        const bad = await fetch(`${server.url}/convert`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"specversion":"0.3"}' });
        assert.equal(bad.status, 422);
        assert.doesNotMatch(server.log(), /missing types|Waiting for missing|Unknown type/i);
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
          WIS2_METRICS_TOKEN: 'metrics token',
          // the sample events announce files on data-argo.ifremer.fr, which the tests do not reach
          WIS2_CHECK: 'off',
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

/**
 * Every node type of the package in one flow: an HTTP endpoint through the conversion, the
 * validator and the publish node (no broker: it passes the checked notification on) back to the
 * caller, rejects through a dead letter as HTTP 422; the other nodes deployed beside them.
 */
function everyNodeFlow(closedPort: number): Record<string, unknown>[] {
  const tab = 'package-check';
  return [
    { id: tab, type: 'tab', label: 'package check' },
    { id: 'pc-dataset', type: 'wis2-dataset', name: 'Argo', centreId: 'fr-ifremer-argo', topic: 'origin/a/wis2/fr-ifremer-argo/data/core/ocean/surface-based-observations/drifting-ocean-profilers', metadataId: 'urn:wmo:md:fr-ifremer-argo:cor:msg:argo', dataPolicy: 'core', baseUrl: 'https://data-argo.ifremer.fr/', pathPattern: 'argo', dataIdTemplate: '', schemes: 'https', cache: true, integrity: 'optional', memorySize: '', memoryDays: '' },
    { id: 'pc-broker', type: 'wis2-broker', name: 'nowhere', url: `mqtt://127.0.0.1:${closedPort}`, clientId: 'package-check', cleanSession: true, protocolVersion: '4', keepalive: '60', sessionExpiry: '', window: '64', maxQueueMB: '16', caFile: '', shareGroup: '' },
    { id: 'pc-http', z: tab, type: 'http in', url: '/convert', method: 'post', upload: false, wires: [['pc-convert']] },
    { id: 'pc-convert', z: tab, type: 'wis2-cloudevent-to-wnm', dataset: 'pc-dataset', maxBytes: '262144', maxDepth: '64', eventTypes: '', operation: 'auto', wires: [['pc-validate'], ['pc-dead-letter'], ['pc-dead-letter']] },
    { id: 'pc-validate', z: tab, type: 'wis2-wnm-validator', warnings: 'valid', wires: [['pc-publish'], ['pc-dead-letter']] },
    { id: 'pc-publish', z: tab, type: 'wis2-publish', dataset: 'pc-dataset', broker: '', wires: [['pc-ok'], ['pc-dead-letter']] },
    { id: 'pc-dead-letter', z: tab, type: 'wis2-dead-letter', topic: 'wis2/rejected/package-check', broker: '', wires: [['pc-rejected']] },
    { id: 'pc-ok', z: tab, type: 'http response', statusCode: '200', headers: {}, wires: [] },
    { id: 'pc-rejected', z: tab, type: 'http response', statusCode: '422', headers: {}, wires: [] },
    { id: 'pc-in', z: tab, type: 'wis2-mqtt-in', broker: 'pc-broker', topic: 'diffusion/files/#', qos: '1', datatype: 'buffer', wires: [[]] },
    { id: 'pc-wcmp-validate', z: tab, type: 'wis2-wcmp-validator', kpi: 'offline', minGrade: '', relaxCentreId: false, timeout: '10000', wires: [['pc-wcmp-convert'], []] },
    { id: 'pc-wcmp-convert', z: tab, type: 'wis2-wcmp-to-wnm', recordUrl: 'https://data-argo.ifremer.fr/etc/wis2/record.json', store: '', wires: [[], []] },
    { id: 'pc-gdc-check', z: tab, type: 'wis2-gdc-check', catalogue: 'https://wis2-gdc.weather.gc.ca/collections/wis2-discovery-metadata', delay: '300', kpi: true, version: 1, wires: [[], []] },
  ];
}

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
