import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../helpers/reference';
import {
  aclAllows,
  composeService,
  composeVariables,
  deployFiles,
  documentedVariables,
  interpolate,
  loadCompose,
  parseAcl,
  readText,
  shellDefault,
  stringList,
  variablesIn,
  type ComposeVariable,
} from './project';
import { isMap, parseYaml, type YamlMap, type YamlValue } from './yaml';

const SERVICES = ['mosquitto', 'node-red', 'proxy', 'simulator', 'receiver', 'files', 'cache', 'prometheus', 'grafana'];
/** Secrets allowed a default: WIS2's published read-only account, and "same as the pipeline". */
const PUBLIC_OR_INHERITED = new Map([
  ['SUBSCRIBER_PASSWORD', 'everyone'],
  ['WIS2_MQTT_PASSWORD', ''],
  // empty: no Global Cache account, the demo's cache cannot log in until it is set
  ['GLOBAL_CACHE_PASSWORD', ''],
]);
const SECRET = /PASSWORD|SECRET/;

function services(compose: YamlMap): Map<string, YamlMap> {
  return new Map(SERVICES.map((name) => [name, composeService(compose, name)]));
}

function environment(service: YamlMap): Record<string, string | undefined> {
  const env = service.environment;
  if (!isMap(env)) return {};
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, typeof v === 'string' ? v : '']));
}

/** `src:dst[:mode]` volume entries of a service, split. */
function volumes(service: YamlMap): { source: string; target: string }[] {
  return stringList(service.volumes ?? [], 'volumes').map((entry) => {
    const [source = '', target = ''] = entry.split(':');
    return { source, target };
  });
}

/** The repository file a container path comes from, through the service's bind mounts. */
function repoPathOf(service: YamlMap, containerPath: string): string | undefined {
  for (const { source, target } of volumes(service)) {
    if (!source.startsWith('.')) continue;
    if (containerPath === target || containerPath.startsWith(target + '/')) {
      return path.join(repoRoot, source, containerPath.slice(target.length));
    }
  }
  return undefined;
}

function allStrings(value: YamlValue): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(allStrings);
  return isMap(value) ? Object.values(value).flatMap(allStrings) : [];
}

/** Dockerfile instructions, continuation lines joined, comments dropped. */
function dockerInstructions(text: string): string[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

describe('deploy: compose.yml', () => {
  const compose = loadCompose();
  const byName = services(compose);
  const pkg = JSON.parse(readText(path.join(repoRoot, 'package.json'))) as { name: string; devDependencies: Record<string, string> };

  it('is read as compose reads it where the tests look: scalars as strings, empty values null', () => {
    const sample = [
      'a:',
      '  b: "x # not a comment"   # a comment',
      "  c: ['p', \"q\", r]",
      '  d:',
      '    - e: 1',
      '      f: ${X:?it\'s required}',
      '    - plain:value',
      '  g:',
      '  - one',
    ].join('\n');
    assert.deepEqual(parseYaml(sample), {
      a: { b: 'x # not a comment', c: ['p', 'q', 'r'], d: [{ e: '1', f: "${X:?it's required}" }, 'plain:value'], g: ['one'] },
    });
    // what compose also reads: anchors and aliases, block scalars
    assert.deepEqual(parseYaml('a: &anchor x\nb: *anchor'), { a: 'x', b: 'x' });
    assert.deepEqual(parseYaml('a: |\n  text'), { a: 'text\n' });
    assert.deepEqual(parseYaml('a:\nb: 5'), { a: null, b: '5' });
  });

  it('declares its services, built from files that exist', () => {
    assert.deepEqual(Object.keys(compose.services ?? {}).sort(), [...SERVICES].sort());
    let builds = 0;
    for (const [name, service] of byName) {
      if (!('build' in service)) continue;
      const { build } = service;
      assert.ok(isMap(build), `${name}: build must be a mapping`);
      const { context: contextPath, dockerfile: dockerfilePath } = build;
      assert.ok(typeof contextPath === 'string' && typeof dockerfilePath === 'string', `${name}: build needs context and dockerfile`);
      const context = path.join(repoRoot, contextPath);
      const dockerfile = path.join(context, dockerfilePath);
      assert.ok(fs.statSync(context).isDirectory(), `${name}: build context ${contextPath} missing`);
      assert.ok(fs.existsSync(dockerfile), `${name}: ${dockerfilePath} missing`);
      assert.equal(dockerfile, deployFiles.dockerfile, `${name} builds the project's Dockerfile`);
      builds++;
    }
    // the demo tools run the same image, overriding only the command
    assert.equal(builds, 5);
    const images = new Set(['node-red', 'simulator', 'receiver', 'files', 'cache'].map((n) => byName.get(n)?.image));
    assert.equal(images.size, 1, 'one image for node-red and the demo tools');
  });

  it('offers the editor behind HTTPS as an optional profile: a pinned Caddy proxying to Node-RED', () => {
    const proxy = byName.get('proxy')!;
    assert.deepEqual(proxy.profiles, ['tls'], 'optional: only with --profile tls');
    assert.ok(typeof proxy.image === 'string');
    assert.match(proxy.image, /^caddy:\d+\.\d+\.\d+(-[a-z0-9]+)?$/, 'a pinned tag');
    const caddyfile = repoPathOf(proxy, '/etc/caddy/Caddyfile');
    assert.ok(caddyfile && fs.existsSync(caddyfile));
    // the upstream Caddy dials is the Node-RED service on the port it listens on
    assert.match(readText(caddyfile), /reverse_proxy \{\$EDITOR_UPSTREAM:node-red:1880\}/);
    assert.ok(stringList(byName.get('node-red')?.ports ?? [], 'ports').some((p) => p.endsWith(':1880}:1880') || p.endsWith(':1880')));
    const deps = proxy.depends_on;
    assert.ok(isMap(deps) && isMap(deps['node-red']) && deps['node-red'].condition === 'service_healthy');
  });

  it('ships .env.example naming every secret, and an override that mounts them as files where each service reads them', () => {
    const example = readText(path.join(repoRoot, '.env.example'));
    const named = new Set([...example.matchAll(/^#? ?([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]));
    const used = new Set(composeVariables(compose).map((v) => v.name));
    for (const name of named) assert.ok(used.has(name), `.env.example names ${name}, which compose.yml does not use`);
    // every secret with no default is there to fill in, uncommented
    for (const v of composeVariables(compose).filter((x) => SECRET.test(x.name) && !x.name.endsWith('_FILE') && !PUBLIC_OR_INHERITED.has(x.name))) {
      assert.match(example, new RegExp(`^${v.name}=$`, 'm'), `.env.example asks for ${v.name}`);
    }
    const secrets = parseYaml(readText(path.join(repoRoot, 'docker', 'compose.secrets.yml')));
    assert.ok(isMap(secrets) && isMap(secrets.services) && isMap(secrets.secrets));
    const declared = secrets.secrets;
    // each *_FILE path of .env.example is a declared secret, mounted in every service that reads that variable
    for (const [, variable, file] of example.matchAll(/^# ([A-Z0-9_]+_FILE)=\/run\/secrets\/([a-z0-9_]+)$/gm)) {
      const secret = declared[file];
      assert.ok(isMap(secret) && typeof secret.file === 'string' && secret.file.startsWith('./secrets/'), `${file} is declared, from ./secrets/`);
      for (const [name, service] of byName) {
        const reads = Object.values(environment(service)).some((value) => variablesIn(value ?? '', name).some((r) => r.name === variable));
        const overlay = secrets.services[name];
        const mounted = isMap(overlay) && stringList(overlay.secrets ?? [], `${name} secrets`).includes(file);
        if (reads) assert.ok(mounted, `${name} reads ${variable}: docker/compose.secrets.yml mounts ${file} there`);
      }
    }
    assert.match(readText(path.join(repoRoot, '.gitignore')), /^\/\.env$/m);
    assert.match(readText(path.join(repoRoot, '.gitignore')), /^\/secrets\/$/m);
  });

  it('builds an image whose every COPY source exists, the package coming from `npm pack`', () => {
    const instructions = dockerInstructions(readText(deployFiles.dockerfile));
    const copies = instructions.filter((i) => /^COPY\s/i.test(i));
    assert.ok(copies.length >= 3);
    for (const copy of copies) {
      const args = copy.split(/\s+/).slice(1).filter((a) => !a.startsWith('--'));
      const sources = args.slice(0, -1);
      for (const source of sources) {
        if (source.includes('*')) {
          // npm pack names the tarball <name>-<version>.tgz, in the directory it runs in
          assert.equal(source, `${pkg.name}-*.tgz`, `unexpected glob ${source}`);
        } else {
          assert.ok(fs.existsSync(path.join(repoRoot, source)), `${copy}: ${source} is not in the repository`);
        }
      }
    }
    const from = instructions.find((i) => /^ARG\s+NODE_RED_IMAGE=/.test(i));
    const image = from?.split('=')[1] ?? '';
    assert.match(image, /^nodered\/node-red:5\.0\.\d+-24$/, 'a pinned 5.0.x image on Node 24');
    // the runtime the tests install from devDependencies is the same 5.0 line as the image
    assert.match(pkg.devDependencies['node-red'] ?? '', /^[~^]?5\.0\./);
    assert.ok(instructions.some((i) => i.startsWith('COPY') && i.endsWith(' /data/settings.js')), 'settings.js where the stock healthcheck reads it');
    assert.ok(instructions.some((i) => /^HEALTHCHECK\s/.test(i)));

    // the entrypoint's defaults are where the Dockerfile puts things
    const script = readText(deployFiles.nodeRedEntrypoint);
    const imageDir = shellDefault(script, 'WIS2_IMAGE_DIR') ?? '';
    assert.ok(copies.some((c) => c.includes('docker/node-red/settings.js') && c.endsWith(` ${imageDir}/settings.js`)), `settings.js copied to ${imageDir}`);
    const entrypoint = instructions.find((i) => i.startsWith('ENTRYPOINT')) ?? '';
    const copiedTo = copies.find((c) => c.includes('docker/node-red/entrypoint.sh'))?.split(/\s+/).at(-1) ?? '';
    assert.ok(copiedTo !== '' && entrypoint.includes(`"${copiedTo}"`), `ENTRYPOINT runs ${copiedTo}`);
    assert.equal(shellDefault(script, 'NODE_RED_USER_DIR'), '/data');
  });

  it('mounts only files that exist, and declares its named volumes', () => {
    const named = compose.volumes;
    assert.ok(isMap(named));
    for (const [name, service] of byName) {
      for (const { source, target } of volumes(service)) {
        assert.ok(target.startsWith('/'), `${name}: ${source} mounted on a relative path`);
        if (source.startsWith('.')) assert.ok(fs.existsSync(path.join(repoRoot, source)), `${name}: ${source} missing`);
        else {
          assert.ok(!source.startsWith('/'), `${name}: absolute host path ${source}`);
          assert.ok(source in named, `${name}: volume ${source} not declared`);
        }
      }
    }
    assert.deepEqual(volumes(byName.get('mosquitto')!).find((v) => v.target === '/mosquitto/data')?.source, 'mosquitto-data');
    assert.deepEqual(volumes(byName.get('node-red')!).find((v) => v.target === '/data')?.source, 'node-red-data');
  });

  it('runs Mosquitto with the project\'s entrypoint, configuration and ACL, consistently', () => {
    const mosquitto = byName.get('mosquitto')!;
    const entrypoint = stringList(mosquitto.entrypoint, 'mosquitto entrypoint');
    assert.equal(repoPathOf(mosquitto, entrypoint.at(-1) ?? ''), deployFiles.mosquittoEntrypoint);
    const command = stringList(mosquitto.command, 'mosquitto command');
    const conf = command[command.indexOf('-c') + 1] ?? '';
    assert.equal(repoPathOf(mosquitto, conf), deployFiles.mosquittoConf);

    const script = readText(deployFiles.mosquittoEntrypoint);
    const confText = readText(deployFiles.mosquittoConf);
    const authDir = shellDefault(script, 'MOSQUITTO_AUTH_DIR');
    assert.match(confText, new RegExp(`^password_file ${authDir ?? '?'}/passwd$`, 'm'), 'the broker reads the password file the script writes');
    assert.match(confText, new RegExp(`^acl_file ${authDir ?? '?'}/acl$`, 'm'), 'the broker reads the ACL the script writes');
    assert.equal(repoPathOf(mosquitto, shellDefault(script, 'MOSQUITTO_ACL_TEMPLATE') ?? ''), deployFiles.aclTemplate);
    const persistence = /^persistence_location (\S+?)\/?$/m.exec(confText)?.[1];
    assert.equal(persistence, shellDefault(script, 'MOSQUITTO_DATA_DIR'));
    assert.ok(volumes(mosquitto).some((v) => v.target === persistence), 'persistence lives in a volume');

    // the script's defaults are compose's
    const env = environment(mosquitto);
    for (const name of ['PRODUCER_USERNAME', 'PIPELINE_USERNAME', 'SUBSCRIBER_USERNAME', 'SUBSCRIBER_PASSWORD']) {
      assert.equal(interpolate(env[name] ?? ''), shellDefault(script, name), `${name}: same default in compose and in the script`);
    }
  });

  it('documents every variable it uses, in README.md or docker/README.md', () => {
    const docs = [deployFiles.readme, deployFiles.dockerReadme].filter((f) => fs.existsSync(f)).map(readText).join('\n');
    const documented = documentedVariables(docs);
    const used = new Set(composeVariables(compose).map((v) => v.name));
    assert.ok(used.size >= 10);
    const missing = [...used].filter((name) => !documented.has(name)).sort();
    assert.deepEqual(missing, [], `undocumented variables: ${missing.join(', ')}`);
  });

  it('takes every secret from the environment or from the file <NAME>_FILE names, required unless public or inherited', () => {
    const all = composeVariables(compose);
    const names = new Set(all.map((v) => v.name));
    for (const [name, service] of byName) {
      const env = environment(service);
      for (const [key, value] of Object.entries(env)) {
        if (!SECRET.test(key)) continue;
        const refs = variablesIn(value ?? '', `${name}.environment.${key}`);
        const ref = refs.at(0);
        assert.ok(refs.length === 1 && ref, `${name}: ${key} must be exactly one \${VARIABLE}`);
        assert.equal(value, `\${${ref.name}${ref.operator}${ref.argument}}`, `${name}: ${key} holds a literal`);
        if (key.endsWith('_FILE')) {
          // a path, passed through: the value it stands for must be beside it
          assert.ok(env[key.slice(0, -'_FILE'.length)] !== undefined, `${name}: ${key} without its value variable`);
          assert.equal(`${ref.operator}${ref.argument}`, ':-', `${name}: ${key} is optional`);
          assert.ok(ref.name.endsWith('_FILE'), `${name}: ${key} reads ${ref.name}`);
        } else if (!PUBLIC_OR_INHERITED.has(ref.name)) {
          // optional in compose only because the file may give it; the service then requires one of them
          assert.equal(env[`${key}_FILE`], `\${${ref.name}_FILE:-}`, `${name}: ${key} has its ${key}_FILE twin`);
        }
      }
    }
    for (const v of all.filter((x) => SECRET.test(x.name))) {
      if (PUBLIC_OR_INHERITED.has(v.name)) {
        assert.equal(v.argument, PUBLIC_OR_INHERITED.get(v.name), `${v.name} default at ${v.where}`);
      } else {
        assert.ok(v.operator === ':?' || (v.operator === ':-' && v.argument === '' && (v.name.endsWith('_FILE') || names.has(`${v.name}_FILE`))), `${v.name} must be required, or optional beside ${v.name}_FILE, at ${v.where}`);
      }
    }
    // the services refuse to start without them, naming both ways
    const mosquittoEntrypoint = readText(deployFiles.mosquittoEntrypoint);
    for (const v of ['PRODUCER_PASSWORD', 'PIPELINE_PASSWORD']) assert.ok(mosquittoEntrypoint.includes(`fail "set ${v} or ${v}_FILE"`), v);
    const refused = spawnSync('sh', [deployFiles.nodeRedEntrypoint], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', MQTT_USERNAME: 'wis2-pipeline', NODE_RED_USER_DIR: '/nonexistent', WIS2_IMAGE_DIR: '/nonexistent' } });
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /set NODE_RED_CREDENTIAL_SECRET or NODE_RED_CREDENTIAL_SECRET_FILE/);
    const noPassword = spawnSync('sh', [deployFiles.nodeRedEntrypoint], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', MQTT_USERNAME: 'wis2-pipeline', NODE_RED_CREDENTIAL_SECRET: 'x', NODE_RED_USER_DIR: '/nonexistent', WIS2_IMAGE_DIR: '/nonexistent' } });
    assert.notEqual(noPassword.status, 0);
    assert.match(noPassword.stderr, /set MQTT_PASSWORD or MQTT_PASSWORD_FILE/);
    // no credentials in a URL: they would show in `docker inspect` and in the process list
    const urls = allStrings(compose).flatMap((s) => [...s.matchAll(/[a-z]+:\/\/(?:\$\{[^}]*\}|[^@/\s"])*@/g)]);
    assert.deepEqual(urls.map((m) => m[0]), []);
  });

  it('gives each variable one default everywhere it appears', () => {
    const byVar = new Map<string, Set<string>>();
    for (const v of composeVariables(compose)) {
      const forms = byVar.get(v.name) ?? new Set<string>();
      forms.add(`${v.operator}${v.argument}`);
      byVar.set(v.name, forms);
    }
    for (const [name, forms] of byVar) assert.equal(forms.size, 1, `${name} appears as ${[...forms].join(' and ')}`);
  });

  it('starts in order: broker healthy, then Node-RED healthy, then the simulator', () => {
    const condition = (from: string, to: string): string | undefined => {
      const deps = byName.get(from)?.depends_on;
      const dep = isMap(deps) ? deps[to] : undefined;
      return isMap(dep) && typeof dep.condition === 'string' ? dep.condition : undefined;
    };
    assert.equal(condition('node-red', 'mosquitto'), 'service_healthy');
    assert.equal(condition('receiver', 'mosquitto'), 'service_healthy');
    assert.equal(condition('simulator', 'node-red'), 'service_healthy');
    assert.equal(condition('simulator', 'receiver'), 'service_started');
    for (const name of ['mosquitto', 'node-red']) {
      const hc = byName.get(name)?.healthcheck;
      assert.ok(isMap(hc) && Array.isArray(hc.test) && hc.test.length > 1, `${name} has a healthcheck`);
    }
    // the one-shot tools would otherwise inherit the image's HTTP healthcheck and look unhealthy
    for (const name of ['simulator', 'receiver', 'files', 'cache']) {
      const hc = byName.get(name)?.healthcheck;
      assert.ok(isMap(hc) && hc.disable === 'true', `${name} disables the inherited healthcheck`);
      assert.deepEqual(byName.get(name)?.profiles, ['demo'], `${name} is demo-only`);
    }
    const nodeRedHc = byName.get('node-red')?.healthcheck;
    assert.ok(isMap(nodeRedHc));
    assert.deepEqual(nodeRedHc.test, ['CMD', 'node', '/healthcheck.js']);
  });

  it('passes Node-RED only variables its settings.js reads, and the pipeline account', () => {
    const settings = readText(deployFiles.settings);
    const env = environment(byName.get('node-red')!);
    for (const key of Object.keys(env)) {
      if (key === 'TZ') continue;
      assert.ok(settings.includes(`env.${key}`) || settings.includes(`'${key}'`), `settings.js does not read ${key}`);
    }
    const ref = (key: string): ComposeVariable | undefined => variablesIn(env[key] ?? '', key)[0];
    assert.equal(ref('MQTT_USERNAME')?.name, 'PIPELINE_USERNAME');
    assert.equal(ref('MQTT_PASSWORD')?.name, 'PIPELINE_PASSWORD');
    assert.equal(env.MQTT_URL, 'mqtt://mosquitto:1883');
    // settings.js requires the admin login whenever Node-RED listens beyond loopback, as in the image
    assert.equal(ref('NODE_RED_ADMIN_USER')?.operator, ':?');
    // the password may come from its file instead: settings.js then reads NODE_RED_ADMIN_PASSWORD_FILE
    assert.ok(ref('NODE_RED_ADMIN_PASSWORD')?.operator === ':?' || ref('NODE_RED_ADMIN_PASSWORD_FILE')?.name === 'NODE_RED_ADMIN_PASSWORD_FILE');
    const deadLetter = ref('WIS2_DEAD_LETTER_TOPIC')?.argument ?? '';
    assert.match(settings, new RegExp(`defaultTo\\('WIS2_DEAD_LETTER_TOPIC', '${deadLetter}'\\)`), 'same dead-letter default as settings.js');
  });

  it('uses topics and accounts the broker\'s ACL grants', () => {
    const acl = parseAcl(readText(deployFiles.aclTemplate));
    const pipeline = acl.get('${PIPELINE_USERNAME}');
    const producer = acl.get('${PRODUCER_USERNAME}');
    const subscriber = acl.get('${SUBSCRIBER_USERNAME}');
    const env = environment(byName.get('node-red')!);
    const deadLetter = interpolate(env.WIS2_DEAD_LETTER_TOPIC ?? '');
    assert.ok(aclAllows(pipeline, 'write', deadLetter), `the pipeline may publish on ${deadLetter}`);
    assert.ok(aclAllows(pipeline, 'write', 'origin/a/wis2/fr-ifremer-argo/data/core/ocean/surface-based-observations/drifting-ocean-profilers'));
    assert.ok(aclAllows(pipeline, 'write', 'origin/a/wis2/fr-ifremer-argo/metadata'));
    assert.ok(aclAllows(pipeline, 'read', 'diffusion/files/coriolis/argo/#'));
    assert.ok(aclAllows(producer, 'write', 'diffusion/files/coriolis/argo/x'));

    const receiver = stringList(byName.get('receiver')?.command, 'receiver command');
    const topic = receiver[receiver.indexOf('--topic') + 1] ?? '';
    assert.ok(aclAllows(subscriber, 'read', topic), `the receiver may read ${topic}`);
    const ref = (service: string, key: string): string | undefined => variablesIn(environment(byName.get(service)!)[key] ?? '', key)[0]?.name;
    assert.equal(ref('receiver', 'WIS2_MQTT_USERNAME'), 'SUBSCRIBER_USERNAME');
    assert.equal(ref('receiver', 'WIS2_MQTT_PASSWORD'), 'SUBSCRIBER_PASSWORD');
    assert.equal(ref('simulator', 'MQTT_USERNAME'), 'PRODUCER_USERNAME');
    assert.equal(ref('simulator', 'MQTT_PASSWORD'), 'PRODUCER_PASSWORD');

    // the demo's Global Cache reads the notifications and answers on cache/ and monitor/, which
    // the pipeline (the feedback flow) and the public account may read
    const cache = acl.get('${GLOBAL_CACHE_USERNAME}');
    assert.equal(ref('cache', 'WIS2_MQTT_USERNAME'), 'GLOBAL_CACHE_USERNAME');
    assert.ok(aclAllows(cache, 'read', 'origin/a/wis2/fr-ifremer-argo/data/core/ocean/surface-based-observations/drifting-ocean-profilers'));
    assert.ok(aclAllows(cache, 'write', 'cache/a/wis2/fr-ifremer-argo/data/core/ocean/surface-based-observations/drifting-ocean-profilers'));
    assert.ok(aclAllows(cache, 'write', 'monitor/a/wis2/fr-ifremer-argo'));
    assert.ok(!aclAllows(cache, 'write', 'origin/a/wis2/fr-ifremer-argo/data/core/ocean/surface-based-observations/drifting-ocean-profilers'), 'a cache never publishes for the centre');
    for (const who of [pipeline, subscriber]) {
      assert.ok(aclAllows(who, 'read', 'cache/a/wis2/fr-ifremer-argo/data/core/ocean/surface-based-observations/drifting-ocean-profilers'));
      assert.ok(aclAllows(who, 'read', 'monitor/a/wis2/fr-ifremer-argo'));
    }
  });

  it('wires the monitoring profile: Prometheus to the pipeline and its rules, Grafana to Prometheus and the dashboards', () => {
    const prometheus = byName.get('prometheus')!;
    const grafana = byName.get('grafana')!;
    const promConfigFile = repoPathOf(prometheus, '/etc/prometheus/prometheus.yml');
    assert.ok(promConfigFile !== undefined && fs.existsSync(promConfigFile), 'prometheus.yml is mounted');
    const promConfig = parseYaml(readText(promConfigFile));
    assert.ok(isMap(promConfig));
    for (const rules of stringList(promConfig.rule_files ?? [], 'rule_files')) {
      const file = repoPathOf(prometheus, rules);
      assert.ok(file !== undefined && fs.existsSync(file), `rule file ${rules} is mounted`);
      const groups = parseYaml(readText(file));
      assert.ok(isMap(groups) && Array.isArray(groups.groups) && groups.groups.length > 0, `${rules} has rule groups`);
      for (const group of groups.groups) {
        assert.ok(isMap(group) && Array.isArray(group.rules));
        for (const rule of group.rules) assert.ok(isMap(rule) && typeof rule.alert === 'string' && typeof rule.expr === 'string', `${rules}: every rule is an alert with an expression`);
      }
    }
    const targets = allStrings(promConfig.scrape_configs ?? null).filter((t) => /^[a-z-]+:\d+$/.test(t));
    assert.ok(targets.includes('node-red:1880'), 'Prometheus scrapes the node-red service');
    const datasources = parseYaml(readText(path.join(repoRoot, 'docker', 'grafana', 'provisioning', 'datasources', 'prometheus.yml')));
    assert.ok(isMap(datasources) && Array.isArray(datasources.datasources));
    const [source] = datasources.datasources;
    assert.ok(isMap(source) && source.url === 'http://prometheus:9090', 'Grafana reads the prometheus service');
    const dashboard = readText(path.join(repoRoot, 'docker', 'grafana', 'dashboards', 'wis2-pipeline.json'));
    assert.ok(typeof source.uid === 'string' && dashboard.includes(`"uid": "${source.uid}"`), 'the dashboard names the provisioned datasource');
    const providers = parseYaml(readText(path.join(repoRoot, 'docker', 'grafana', 'provisioning', 'dashboards', 'wis2.yml')));
    assert.ok(isMap(providers) && Array.isArray(providers.providers));
    const [provider] = providers.providers;
    assert.ok(isMap(provider) && isMap(provider.options) && typeof provider.options.path === 'string');
    assert.equal(repoPathOf(grafana, provider.options.path), path.join(repoRoot, 'docker', 'grafana', 'dashboards'), 'the provider loads the shipped dashboards');
  });

  it('runs the demo tools with options and variables the `wis2` CLI documents', () => {
    for (const name of ['simulator', 'receiver', 'files', 'cache']) {
      const service = byName.get(name)!;
      assert.deepEqual(service.entrypoint, ['wis2']);
      const command = stringList(service.command, `${name} command`);
      const help = spawnSync(process.execPath, [path.join(repoRoot, 'dist', 'bin', 'wis2.js'), command[0] ?? '', '--help'], { encoding: 'utf8' });
      assert.equal(help.status, 0, `wis2 ${command[0] ?? ''} --help: ${help.stderr}`);
      for (const option of command.filter((a) => a.startsWith('--'))) {
        assert.ok(help.stdout.includes(option), `wis2 ${command[0] ?? ''} has no ${option}`);
      }
      for (const key of Object.keys(environment(service))) {
        assert.ok(help.stdout.includes(key), `wis2 ${command[0] ?? ''} does not read ${key}`);
      }
      if (name !== 'files') assert.equal(command[command.indexOf('--url') + 1], 'mqtt://mosquitto:1883');
    }
  });
});
