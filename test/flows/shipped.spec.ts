import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { freePort } from '../../bin/launch';
import { coreNodesDir } from '../../bin/node-red-dir';
import { BROKER_CREDENTIALS, DEPLOYED_FLOWS, assembleFlows, installFlows, readFlow, shippedFlows } from '../../bin/commands/flows';
import { validateWnm, type WisNotification } from '../../nodes/lib/wnm';
import { ARGO_TOPIC } from '../helpers/fixtures';
import { needMosquitto, startMosquitto, type Broker } from '../helpers/mosquitto';
import { helper, wis2Nodes, Recorder } from '../helpers/nodes';
import { wnmSchemaErrors } from '../helpers/official';
import { repoRoot } from '../helpers/reference';

type FlowNode = Record<string, unknown> & { id: string; type: string; z?: string; wires?: string[][] };

/* eslint-disable @typescript-eslint/no-require-imports -- Node-RED's core nodes are CommonJS modules found at run time */
const coreNodes = ['common/20-inject', 'common/21-debug', 'common/25-catch', 'common/25-status', 'common/90-comment', 'common/91-global-config', 'function/10-switch', 'function/15-change', 'function/rbe', 'network/05-tls', 'network/06-httpproxy', 'network/10-mqtt', 'network/21-httprequest', 'storage/10-file'].map(
  (n) => require(path.join(coreNodesDir(), 'core', n)) as unknown,
);
/* eslint-enable @typescript-eslint/no-require-imports */

const MINIMAL = 'minimal-mqtt';
const MINIMAL_PREFIX = 'wis2-minimal';

const PIPELINE_TYPES = ['wis2-cloudevent-to-wnm', 'wis2-wnm-validator', 'wis2-publish', 'wis2-wcmp-validator', 'wis2-wcmp-to-wnm'];

describe('shipped flows', () => {
  const names = shippedFlows();

  it('are the Argo data flow, the template for a new data source, and importable examples', () => {
    assert.ok(names.includes('argo-data'));
    assert.ok(names.includes('argo-metadata'));
    assert.ok(names.includes('new-data-source'));
    assert.ok(names.includes(MINIMAL));
    assert.ok(!DEPLOYED_FLOWS.includes(MINIMAL), 'the minimal shape is an example to import, not what npm start and the container run');
    for (const name of names) assert.ok(fs.existsSync(path.join(repoRoot, 'examples', `${name}.json`)), `examples/${name}.json is built`);
  });

  it('give no two of our nodes the same log name ([type:name]) across the flows a runtime holds together', () => {
    const seen = new Map<string, string>();
    for (const name of names) {
      for (const n of readFlow(name) as FlowNode[]) {
        if (!n.type.startsWith('wis2-') || typeof n.name !== 'string' || n.name === '') continue;
        const key = `[${n.type}:${n.name}]`;
        const other = seen.get(key);
        assert.ok(other === undefined || other === n.id, `${key} names both ${other ?? ''} and ${n.id}`);
        seen.set(key, n.id);
      }
    }
  });

  for (const name of names) {
    describe(name, () => {
      const nodes = readFlow(name) as FlowNode[];
      const byId = new Map(nodes.map((n) => [n.id, n]));

      it('has unique, stable, prefixed ids and no dangling reference', () => {
        assert.equal(byId.size, nodes.length);
        for (const n of nodes) {
          assert.match(n.id, /^wis2-[a-z0-9-]+$/, `${n.id} is a readable stable id`);
          if (n.z !== undefined) assert.equal(byId.get(n.z)?.type, 'tab', `${n.id} sits on a tab of this file`);
          for (const port of n.wires ?? []) for (const target of port) assert.ok(byId.has(target), `${n.id} → ${target}`);
          // the core mqtt-broker's own `broker` is its address, not a reference
          for (const key of n.type === 'mqtt-broker' ? [] : ['dataset', 'broker']) {
            if (typeof n[key] === 'string' && n[key] !== '') assert.ok(byId.has(n[key]), `${n.id}.${key} → ${n[key]}`);
          }
        }
      });

      it('explains itself with a comment on every tab', () => {
        for (const tab of nodes.filter((n) => n.type === 'tab')) {
          assert.ok(nodes.some((n) => n.type === 'comment' && n.z === tab.id && typeof n.info === 'string' && n.info.length > 100), tab.id);
        }
      });

      /** Where a flow's dead letters are published: through the input broker's outbox, or an `mqtt out` on the input's broker. */
      const inputBroker = name === MINIMAL ? `${MINIMAL_PREFIX}-broker-input` : 'wis2-broker-input';

      it('sends every reject, every invalid message and every caught error to a dead letter on the input broker', () => {
        for (const n of nodes.filter((x) => PIPELINE_TYPES.includes(x.type))) {
          const rejects = n.wires?.[1] ?? [];
          assert.ok(rejects.length > 0 && rejects.every((t) => byId.get(t)?.type === 'wis2-dead-letter'), `${n.id} output 2`);
        }
        const catches = nodes.filter((n) => n.type === 'catch');
        assert.equal(catches.length, 1);
        const scope = catches.at(0)?.scope as string[];
        for (const n of nodes.filter((x) => [...PIPELINE_TYPES, 'wis2-mqtt-in', 'mqtt in'].includes(x.type))) assert.ok(scope.includes(n.id), `${n.id} is caught`);
        const letters = nodes.filter((n) => n.type === 'wis2-dead-letter');
        for (const dl of letters) {
          assert.ok(!scope.includes(dl.id), 'the dead-letter path is outside the catch scope, so a failure there cannot loop');
          if (dl.broker) {
            assert.equal(dl.broker, inputBroker, 'dead letters go to the input broker, through its durable outbox');
          } else {
            const outs = (dl.wires?.[0] ?? []).map((id) => byId.get(id)).filter((n) => n?.type === 'mqtt out');
            assert.equal(outs.length, 1, 'without a broker, dead letters go to one mqtt out');
            assert.equal(outs[0]?.broker, inputBroker, 'on the input broker');
          }
        }
        const status = nodes.find((n) => n.type === 'status');
        assert.ok(status, 'connection changes are shown');
        // a dead letter's status counts letters, not a connection: its broker is the input's, watched there
        const connected = (n: FlowNode): boolean => ['wis2-mqtt-in', 'mqtt in', 'mqtt out'].includes(n.type) || (n.type === 'wis2-publish' && Boolean(n.broker));
        for (const n of nodes.filter(connected)) {
          assert.ok((status.scope as string[]).includes(n.id), `the status node watches ${n.id}`);
        }
      });

      // the minimal shape is the one flow built on the core MQTT nodes, on purpose (tested below)
      if (name !== MINIMAL) it('reads file events reliably (QoS 1, persistent session, journal) and publishes itself through a durable outbox', () => {
        assert.ok(!nodes.some((n) => n.type === 'mqtt in' || n.type === 'mqtt out'), 'the core MQTT nodes drop what they cannot send');
        // the metadata flow reads no events: its input is a timer
        for (const input of nodes.filter((n) => n.type === 'wis2-mqtt-in')) {
          assert.equal(input.qos, '1');
          assert.equal(input.broker, 'wis2-broker-input');
          assert.equal(input.datatype, 'buffer');
        }
        const inBroker = byId.get('wis2-broker-input');
        assert.equal(inBroker?.type, 'wis2-broker');
        assert.equal(inBroker.cleanSession, false);
        assert.equal(inBroker.clientId, '${MQTT_CLIENT_ID}');
        assert.equal(inBroker.url, '${MQTT_URL}');
        // the feedback flow publishes nothing to WIS2
        if (nodes.some((n) => n.type === 'wis2-publish')) assert.equal(byId.get('wis2-broker-output')?.url, '${WIS2_MQTT_URL}');
        for (const publish of nodes.filter((n) => n.type === 'wis2-publish')) assert.equal(publish.broker, 'wis2-broker-output');
        for (const convert of nodes.filter((n) => n.type === 'wis2-cloudevent-to-wnm')) {
          assert.equal(convert.wires?.length, 3, 'duplicates leave on a third output, wired');
          assert.ok(convert.wires[2].length > 0);
        }
      });

      it('holds no secret', () => {
        const text = JSON.stringify(nodes);
        assert.doesNotMatch(text, /"(password|credentials|user)"\s*:/);
      });
    });
  }

  it('print a refusal as its one-line summary, and a status only when a connection changes', () => {
    for (const name of names) {
      const nodes = readFlow(name) as FlowNode[];
      const byId = new Map(nodes.map((n) => [n.id, n]));
      for (const n of nodes.filter((x) => x.type === 'debug' && x.name === 'why refused')) {
        assert.equal(n.complete, 'summary', `${name}: ${n.id} prints the dead letter's one-line summary`);
      }
      // a status node reaches a debug only through the filter that lets a changed shape through
      for (const status of nodes.filter((x) => x.type === 'status')) {
        const seen = new Set<string>();
        const walk = (id: string, filtered: boolean): void => {
          const n = byId.get(id);
          if (!n || seen.has(id)) return;
          seen.add(id);
          if (n.type === 'debug') assert.ok(filtered, `${name}: ${status.id} reaches ${n.id} without a report-by-exception filter`);
          const next = filtered || (n.type === 'rbe' && n.property === 'status.shape');
          for (const w of (n.wires ?? []).flat()) walk(w, next);
        };
        for (const w of (status.wires ?? []).flat()) walk(w, false);
      }
    }
  });

  it('share identical broker config nodes, so importing a second flow reuses them', () => {
    assert.doesNotThrow(() => assembleFlows(names));
  });

  it('the Argo flow publishes on the Argo topic for the Argo dataset', () => {
    const ds = readFlow('argo-data').find((n) => n.type === 'wis2-dataset');
    assert.equal(ds?.topic, 'origin/a/wis2/fr-ifremer-argo/data/core/ocean/surface-based-observations/drifting-ocean-profilers');
    assert.equal(ds.pathPattern, 'argo');
    assert.equal(readFlow('argo-data').find((n) => n.type === 'wis2-mqtt-in')?.topic, 'diffusion/files/coriolis/argo/#');
  });

  it('the Argo flow checks each file before publishing with WIS2_CHECK, head unless set, and says why', () => {
    const flow = readFlow('argo-data');
    assert.equal(flow.find((n) => n.type === 'wis2-dataset')?.check, '${WIS2_CHECK}');
    const settings = fs.readFileSync(path.join(repoRoot, 'docker', 'node-red', 'settings.js'), 'utf8');
    assert.match(settings, /defaultTo\('WIS2_CHECK', 'head'\)/);
    const comment = flow.find((n) => n.id === 'wis2-argo-check-comment');
    assert.equal(comment?.name, 'checked before publishing: head');
    assert.match(String(comment.info), /Argo uses \*\*head\*\*/);
    assert.match(String(comment.info), /\*\*download\*\* would read every file a second time/);
    assert.match(String(comment.info), /href\.unreachable/);
  });

  describe('argo-reconcile', () => {
    it('is shipped disabled, runs daily over the last 48 hours, and says how to enable it', () => {
      const nodes = readFlow('argo-reconcile') as FlowNode[];
      const tab = nodes.find((n) => n.type === 'tab');
      assert.equal(tab?.disabled, true);
      const comment = nodes.find((n) => n.type === 'comment');
      assert.match(String(comment?.info), /To enable it: double-click this tab, set it to \*Enabled\*, and Deploy/);
      assert.equal(nodes.find((n) => n.type === 'inject')?.crontab, '00 03 * * *');
      const run = nodes.find((n) => n.type === 'wis2-argo-reconcile');
      assert.equal(run?.hours, '48');
      assert.deepEqual(run.wires?.[0], ['wis2-argo-reconcile-convert']);
    });
  });

  describe('argo-metadata', () => {
    const P = 'wis2-argo-metadata-';
    const nodes = readFlow('argo-metadata') as FlowNode[];
    const byId = new Map(nodes.map((n) => [n.id, n]));
    const RECORD_FILE = path.join(repoRoot, 'flows', 'metadata', 'fr-ifremer-argo.json');

    it('is deployed, and shares the broker and global config nodes of argo-data byte for byte', () => {
      assert.ok(DEPLOYED_FLOWS.includes('argo-metadata'));
      const data = new Map(readFlow('argo-data').map((n) => [n.id, n]));
      for (const id of ['wis2-broker-input', 'wis2-broker-output', 'wis2-global-config']) {
        assert.equal(JSON.stringify(byId.get(id)), JSON.stringify(data.get(id)), id);
      }
      for (const n of nodes.filter((x) => x.z !== undefined || x.type === 'tab')) assert.ok(n.id.startsWith('wis2-argo-metadata'), n.id);
    });

    it('runs on deploy and then every day, reading the record from WIS2_METADATA_SOURCE as bytes, by URL or by file', () => {
      const trigger = nodes.filter((n) => n.type === 'inject');
      assert.equal(trigger.length, 1);
      assert.equal(trigger[0]?.once, true);
      assert.equal(trigger[0]?.repeat, '86400');
      const source = byId.get(`${P}source`);
      assert.deepEqual([source?.type, source?.property, source?.propertyType], ['switch', 'WIS2_METADATA_SOURCE', 'env']);
      const [toHttp, toFile] = (source?.wires ?? []).map((port) => byId.get(port[0] ?? ''));
      assert.deepEqual([toHttp?.type, toHttp?.url, toHttp?.ret, toHttp?.senderr], ['http request', '${WIS2_METADATA_SOURCE}', 'bin', true]);
      assert.deepEqual([toFile?.type, toFile?.filename, toFile?.filenameType, toFile?.format, toFile?.sendError], ['file in', 'WIS2_METADATA_SOURCE', 'env', '', false]);
      const convert = nodes.find((n) => n.type === 'wis2-wcmp-to-wnm');
      assert.equal(convert?.recordUrl, '${WIS2_METADATA_URL}');
      assert.equal(nodes.find((n) => n.type === 'wis2-publish')?.dataset, '', 'no dataset: WIS2 publish checks the metadata topic itself');
      const catchNode = nodes.find((n) => n.type === 'catch');
      for (const id of [`${P}fetch`, `${P}read`]) assert.ok((catchNode?.scope as string[]).includes(id), `${id} is caught`);
    });

    describe('in the Node-RED runtime', () => {
      let server: http.Server;
      let base = '';
      const record = fs.readFileSync(RECORD_FILE);
      const invalidFile = path.join(os.tmpdir(), `wis2-invalid-record-${process.pid}.json`);

      before(async () => {
        server = http.createServer((req, res) => {
          if (req.url === '/record.json') {
            res.writeHead(200, { 'Content-Type': 'application/geo+json' });
            res.end(record);
          } else {
            res.writeHead(404, { 'Content-Type': 'text/plain' });
            res.end('not here');
          }
        });
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        const bad = JSON.parse(record.toString('utf8')) as Record<string, unknown>;
        bad.id = 'not a record id';
        fs.writeFileSync(invalidFile, JSON.stringify(bad));
        process.env.MQTT_URL = 'mqtt://127.0.0.1:9';
        process.env.WIS2_MQTT_URL = 'mqtt://127.0.0.1:9';
        process.env.WIS2_METADATA_URL = 'https://data-argo.ifremer.fr/etc/wis2/fr-ifremer-argo-core-metadata.json';
        await new Promise<void>((resolve) => { helper.startServer(() => { resolve(); }); });
      });
      after(async () => {
        for (const k of ['MQTT_URL', 'WIS2_MQTT_URL', 'WIS2_METADATA_URL', 'WIS2_METADATA_SOURCE']) Reflect.deleteProperty(process.env, k);
        fs.rmSync(invalidFile, { force: true });
        server.closeAllConnections();
        await new Promise((r) => server.close(r));
        await new Promise<void>((resolve) => { helper.stopServer(() => { resolve(); }); });
      });
      afterEach(() => helper.unload());

      /** The shipped flow, fired at once, with probes where the two MQTT outputs are. */
      async function runFlow(source: string): Promise<{ announced: Record<string, unknown>[]; letters: Record<string, unknown>[] }> {
        process.env.WIS2_METADATA_SOURCE = source;
        const flow = nodes.map((n): FlowNode => {
          if (n.type === 'inject') return { ...n, onceDelay: '0.05', repeat: '' };
          if (n.id === `${P}publish`) return { ...n, wires: [['probe-announced'], n.wires?.[1] ?? []] };
          if (n.id === `${P}dead-letter`) return { ...n, wires: [['probe-letters']] };
          return n;
        });
        flow.push({ id: 'probe-announced', type: 'helper', z: 'wis2-argo-metadata' }, { id: 'probe-letters', type: 'helper', z: 'wis2-argo-metadata' });
        await helper.load([...wis2Nodes, ...coreNodes] as never, flow);
        const rec = new Recorder(['probe-announced', 'probe-letters']);
        await rec.wait(1, 10_000);
        await Recorder.settle(500);
        return { announced: rec.from('probe-announced'), letters: rec.from('probe-letters') };
      }

      function reasonCodes(letters: Record<string, unknown>[]): string[] {
        return letters.map((l) => (l.deadLetter as { reason: { code: string } }).reason.code);
      }

      for (const [what, source] of [['a file', () => RECORD_FILE], ['a URL', () => `${base}/record.json`]] as const) {
        it(`announces the record read from ${what}: canonical, integrity of its bytes, valid, queued for the WIS2 broker`, async () => {
          const { announced, letters } = await runFlow(source());
          assert.deepEqual(reasonCodes(letters), []);
          assert.equal(announced.length, 1);
          const msg = announced[0];
          assert.ok(msg);
          assert.equal(msg.topic, 'origin/a/wis2/fr-ifremer-argo/metadata');
          assert.ok(Buffer.isBuffer(msg.payload), 'WIS2 publish queues and passes on the exact bytes');
          const wnm = JSON.parse(msg.payload.toString('utf8')) as WisNotification;
          assert.equal(validateWnm(msg.payload, { topic: msg.topic })['ets-report'].summary.FAILED, 0);
          assert.deepEqual(wnmSchemaErrors(wnm), []);
          assert.equal(wnm.links[0]?.rel, 'canonical');
          assert.equal(wnm.links[0]?.href, process.env.WIS2_METADATA_URL);
          assert.equal(wnm.properties.integrity?.value, createHash('sha512').update(record).digest('base64'));
        });
      }

      it('turns an HTTP error into one dead letter saying so', async () => {
        const { announced, letters } = await runFlow(`${base}/missing.json`);
        assert.equal(announced.length, 0);
        assert.deepEqual(reasonCodes(letters), ['metadata.http_status']);
        assert.match((letters[0]?.deadLetter as { reason: { message: string } }).reason.message, /HTTP 404 from http:\/\/127\.0\.0\.1:\d+\/missing\.json/);
      });

      it('turns an unreachable server, a missing file and an invalid record each into one dead letter', async () => {
        // a Catch node's error keeps the system's code
        const closed = `http://127.0.0.1:${await freePort()}/record.json`;
        for (const [source, code] of [[closed, 'ECONNREFUSED'], [path.join(os.tmpdir(), 'no-such-record.json'), 'ENOENT'], [invalidFile, 'validation.failed']] as const) {
          const { announced, letters } = await runFlow(source);
          assert.equal(announced.length, 0, source);
          assert.deepEqual(reasonCodes(letters), [code], source);
          await helper.unload();
        }
      });
    });
  });

  describe(MINIMAL, () => {
    const P = MINIMAL_PREFIX;
    const nodes = readFlow(MINIMAL) as FlowNode[];
    const byId = new Map(nodes.map((n) => [n.id, n]));
    const next = (id: string, port = 0): FlowNode[] => (byId.get(id)?.wires?.[port] ?? []).map((t) => byId.get(t) as FlowNode);

    it('is built exactly: core mqtt in -> CloudEvent to WNM -> WNM validator -> WIS2 publish -> core mqtt out, rejects -> dead letter -> core mqtt out', () => {
      const input = nodes.filter((n) => n.type === 'mqtt in');
      assert.equal(input.length, 1);
      assert.deepEqual([input[0]?.qos, input[0]?.datatype, input[0]?.topic], ['1', 'buffer', '${SOURCE_TOPIC}']);
      const chain = [input[0]?.id ?? ''];
      for (const type of ['wis2-cloudevent-to-wnm', 'wis2-wnm-validator', 'wis2-publish', 'mqtt out']) {
        const after = next(chain.at(-1) ?? '');
        assert.deepEqual(after.map((n) => n.type), [type], `${chain.at(-1) ?? ''} -> ${type}`);
        chain.push(after[0]?.id ?? '');
      }
      assert.equal(byId.get(`${P}-publish`)?.broker, '', 'WIS2 publish has no broker: it checks and passes the message on');
      const letter = byId.get(`${P}-dead-letter`);
      assert.equal(letter?.broker, '', 'the dead letter has no broker either');
      assert.equal(letter.topic, '${DEAD_LETTER_TOPIC}');
      assert.deepEqual(next(`${P}-dead-letter`).map((n) => n.type).sort(), ['debug', 'mqtt out']);
      for (const id of [`${P}-convert`, `${P}-validate`, `${P}-publish`]) assert.deepEqual(next(id, 1).map((n) => n.id), [`${P}-dead-letter`], `${id} output 2`);
      // the mqtt out nodes take topic, QoS, retain and the MQTT 5 content type from the message
      for (const out of nodes.filter((n) => n.type === 'mqtt out')) assert.deepEqual([out.topic, out.qos, out.retain, out.contentType], ['', '', '', ''], out.id);
      assert.ok(!nodes.some((n) => ['wis2-mqtt-in', 'wis2-broker'].includes(n.type)), 'no journal, no outbox');
      const scope = nodes.find((n) => n.type === 'catch')?.scope as string[];
      assert.ok(scope.includes(`${P}-out`), 'a publication the broker refuses (MQTT 5) is caught and becomes a dead letter');
      assert.ok(!scope.includes(`${P}-dead-letter-out`), 'the dead letters\' own output is outside the scope: no loop');
    });

    it('takes the dataset, topics and client id from its tab, the brokers from MQTT_URL and WIS2_MQTT_URL, over MQTT 5', () => {
      const tab = byId.get(P);
      const env = new Map((tab?.env as { name: string; value: string }[]).map((e) => [e.name, e.value]));
      for (const name of ['SOURCE_TOPIC', 'CENTRE_ID', 'WIS2_TOPIC', 'METADATA_ID', 'BASE_URL', 'PATH_PATTERN', 'DEAD_LETTER_TOPIC', 'CLIENT_ID']) assert.ok(env.has(name), name);
      const ds = byId.get(`${P}-dataset`);
      assert.deepEqual([ds?.z, ds?.centreId, ds?.topic, ds?.baseUrl], [P, '${CENTRE_ID}', '${WIS2_TOPIC}', '${BASE_URL}']);
      const inBroker = byId.get(`${P}-broker-input`);
      const outBroker = byId.get(`${P}-broker-output`);
      assert.deepEqual([inBroker?.type, inBroker?.z, inBroker?.broker, inBroker?.clientid, inBroker?.protocolVersion], ['mqtt-broker', P, '${MQTT_URL}', '${CLIENT_ID}', 5]);
      assert.equal(inBroker?.cleansession, false, 'a persistent session keeps what arrives while the runtime is away');
      assert.ok(Number(inBroker.sessionExpiry) > 0, 'which MQTT 5 ends with the connection unless it has an expiry');
      assert.equal(inBroker.autoUnsubscribe, false, 'a redeploy keeps the subscription of the session');
      assert.deepEqual([outBroker?.type, outBroker?.z, outBroker?.broker, outBroker?.protocolVersion], ['mqtt-broker', P, '${WIS2_MQTT_URL}', 5]);
      assert.equal(byId.get(`${P}-out`)?.broker, outBroker?.id);
    });

    describe('in the Node-RED runtime, against Mosquitto', function () {
      this.timeout(60_000);
      let broker: Broker | undefined;
      const clients: MqttClient[] = [];

      before(async function () {
        needMosquitto(this);
        broker = await startMosquitto();
        process.env.MQTT_URL = broker.url;
        process.env.WIS2_MQTT_URL = broker.url;
        await new Promise<void>((resolve) => { helper.startServer(() => { resolve(); }); });
      });
      after(async () => {
        await Promise.all(clients.map((c) => c.endAsync(true)));
        for (const k of ['MQTT_URL', 'WIS2_MQTT_URL']) Reflect.deleteProperty(process.env, k);
        await new Promise<void>((resolve) => { helper.stopServer(() => { resolve(); }); });
        await broker?.stop();
        if (broker) fs.rmSync(broker.dir, { recursive: true, force: true });
      });
      afterEach(() => helper.unload());

      it('turns the sample events into valid notifications on the WIS2 topic (MQTT 5 content type), and a bad event into one dead letter', async () => {
        assert.ok(broker);
        const watcher = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: 'wis2-minimal-watcher', reconnectPeriod: 0 });
        clients.push(watcher);
        const notifications: { topic: string; payload: Buffer; contentType?: string }[] = [];
        const letters: Buffer[] = [];
        watcher.on('message', (topic, payload, packet) => {
          if (topic.startsWith('wis2/rejected/')) letters.push(payload);
          else notifications.push({ topic, payload, ...(packet.properties?.contentType ? { contentType: packet.properties.contentType } : {}) });
        });
        await watcher.subscribeAsync(['origin/a/wis2/#', 'wis2/rejected/#'], { qos: 1 });

        await helper.load([...wis2Nodes, ...coreNodes] as never, nodes);
        const input = helper.getNode(`${P}-in`) as unknown as EventEmitter;
        const seen = { connected: false };
        input.on('call:status', (call: { args: { text?: string }[] }) => {
          if (/connected/.test(call.args[0]?.text ?? '') && !/disconnected/.test(call.args[0]?.text ?? '')) seen.connected = true;
        });
        const deadline = Date.now() + 10_000;
        while (!seen.connected && Date.now() < deadline) await Recorder.settle(50);
        assert.ok(seen.connected, 'the mqtt in node connected');
        await Recorder.settle(200);

        const samplesDir = path.join(repoRoot, 'flows', 'samples');
        const samples = fs.readdirSync(samplesDir).filter((n) => n.endsWith('.json')).sort().map((n) => fs.readFileSync(path.join(samplesDir, n)));
        const producer = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: 'wis2-minimal-producer', reconnectPeriod: 0 });
        clients.push(producer);
        for (const bytes of samples) await producer.publishAsync('diffusion/files/coriolis/argo/netcdf', bytes, { qos: 1 });
        const bad = Buffer.from('{"specversion": "1.0", ');
        await producer.publishAsync('diffusion/files/coriolis/argo/netcdf', bad, { qos: 1 });

        const until = Date.now() + 15_000;
        while ((notifications.length < samples.length || letters.length < 1) && Date.now() < until) await Recorder.settle(50);
        await Recorder.settle(500);
        assert.equal(notifications.length, samples.length, 'one notification per sample event');
        const ids = new Set<string>();
        for (const n of notifications) {
          assert.equal(n.topic, ARGO_TOPIC);
          assert.equal(n.contentType, 'application/geo+json', 'carried over MQTT 5 by the core mqtt out');
          assert.equal(validateWnm(n.payload, { topic: n.topic })['ets-report'].summary.FAILED, 0);
          assert.deepEqual(wnmSchemaErrors(JSON.parse(n.payload.toString('utf8')) as WisNotification), []);
          ids.add((JSON.parse(n.payload.toString('utf8')) as WisNotification).id);
        }
        assert.equal(ids.size, samples.length);
        assert.equal(letters.length, 1, 'one dead letter for the bad event');
        const record = JSON.parse(letters[0]?.toString('utf8') ?? '{}') as { reason: { code: string }; topic: string; payload: { value: string } };
        assert.equal(record.reason.code, 'intake.invalid_json');
        assert.equal(record.topic, 'diffusion/files/coriolis/argo/netcdf');
        assert.equal(record.payload.value, bad.toString('utf8'), 'the original bytes, losslessly');
      });
    });
  });

  describe(`${MINIMAL} with a WIS2 broker that refuses its notifications (MQTT 5, ACL)`, function () {
    this.timeout(60_000);
    let broker: Broker | undefined;
    let watcher: MqttClient | undefined;
    let producer: MqttClient | undefined;

    before(async function () {
      needMosquitto(this);
      // anonymous clients may read and write the internal topics, only read the WIS2 ones
      broker = await startMosquitto({
        config: 'listener {{PORT}} 127.0.0.1\nallow_anonymous true\npersistence false\nacl_file {{DIR}}/acl\n',
        files: { acl: 'topic readwrite diffusion/#\ntopic readwrite wis2/#\ntopic read origin/#\n' },
      });
      process.env.MQTT_URL = broker.url;
      process.env.WIS2_MQTT_URL = broker.url;
      await new Promise<void>((resolve) => { helper.startServer(() => { resolve(); }); });
    });
    after(async () => {
      await watcher?.endAsync(true);
      await producer?.endAsync(true);
      for (const k of ['MQTT_URL', 'WIS2_MQTT_URL']) Reflect.deleteProperty(process.env, k);
      await new Promise<void>((resolve) => { helper.stopServer(() => { resolve(); }); });
      await broker?.stop();
      if (broker) fs.rmSync(broker.dir, { recursive: true, force: true });
    });
    afterEach(() => helper.unload());

    it('turns every refused notification into a dead letter carrying the broker\'s reason', async () => {
      assert.ok(broker);
      const letters: { reason: { code: string; message: string }; payload: { value: string } }[] = [];
      watcher = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: 'wis2-minimal-acl-watcher', reconnectPeriod: 0 });
      watcher.on('message', (_t, payload) => letters.push(JSON.parse(payload.toString('utf8')) as (typeof letters)[number]));
      await watcher.subscribeAsync('wis2/rejected/#', { qos: 1 });
      const flow = readFlow(MINIMAL) as FlowNode[];
      await helper.load([...wis2Nodes, ...coreNodes] as never, flow);
      const input = helper.getNode(`${MINIMAL_PREFIX}-in`) as unknown as EventEmitter;
      const seen = { connected: false };
      input.on('call:status', (call: { args: { text?: string }[] }) => {
        if (/connected/.test(call.args[0]?.text ?? '') && !/disconnected/.test(call.args[0]?.text ?? '')) seen.connected = true;
      });
      const deadline = Date.now() + 10_000;
      while (!seen.connected && Date.now() < deadline) await Recorder.settle(50);
      await Recorder.settle(200);
      const samplesDir = path.join(repoRoot, 'flows', 'samples');
      const samples = fs.readdirSync(samplesDir).filter((n) => n.endsWith('.json')).sort().map((n) => fs.readFileSync(path.join(samplesDir, n)));
      producer = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: 'wis2-minimal-acl-producer', reconnectPeriod: 0 });
      for (const bytes of samples) await producer.publishAsync('diffusion/files/coriolis/argo/netcdf', bytes, { qos: 1 });
      const until = Date.now() + 15_000;
      while (letters.length < samples.length && Date.now() < until) await Recorder.settle(50);
      await Recorder.settle(500);
      assert.equal(letters.length, samples.length, 'one dead letter per refused notification');
      for (const l of letters) {
        assert.equal(l.reason.code, 'node.error', 'caught from the mqtt out node');
        assert.match(l.reason.message, /Not authorized/);
        assert.equal((JSON.parse(l.payload.value) as WisNotification).type, 'Feature');
      }
    });
  });

  describe('wis2 flows install', () => {
    it('writes the deployed flows and credential references, then keeps what is there', () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wis2-flows-'));
      const first = installFlows(dir);
      assert.equal(first.written, true);
      const flows = JSON.parse(fs.readFileSync(first.flowFile, 'utf8')) as FlowNode[];
      for (const name of DEPLOYED_FLOWS.filter((n) => names.includes(n))) {
        for (const n of readFlow(name)) assert.ok(flows.some((f) => f.id === n.id), `${name}: ${n.id}`);
      }
      assert.deepEqual(JSON.parse(fs.readFileSync(first.credentialsFile, 'utf8')), BROKER_CREDENTIALS);
      fs.writeFileSync(first.flowFile, '[]');
      assert.equal(installFlows(dir).written, false);
      assert.equal(fs.readFileSync(first.flowFile, 'utf8'), '[]');
      assert.equal(installFlows(dir, { force: true }).written, true);
      fs.rmSync(dir, { recursive: true });
    });
  });

  describe('in the Node-RED runtime', () => {
    before((done) => {
      process.env.MQTT_URL = 'mqtt://127.0.0.1:9';
      process.env.WIS2_MQTT_URL = 'mqtt://127.0.0.1:9';
      process.env.WIS2_GB_MQTT_URL = 'mqtt://127.0.0.1:9';
      process.env.MQTT_CLIENT_ID = 'wis2-flow-test';
      process.env.WIS2_METADATA_URL = 'https://data-argo.ifremer.fr/etc/wis2/fr-ifremer-argo-core-metadata.json';
      process.env.WIS2_METADATA_SOURCE = path.join(repoRoot, 'flows', 'metadata', 'fr-ifremer-argo.json');
      helper.startServer(done);
    });
    after((done) => {
      for (const k of ['MQTT_URL', 'WIS2_MQTT_URL', 'WIS2_GB_MQTT_URL', 'MQTT_CLIENT_ID', 'WIS2_METADATA_URL', 'WIS2_METADATA_SOURCE']) Reflect.deleteProperty(process.env, k);
      helper.stopServer(done);
    });
    afterEach(() => helper.unload());

    for (const name of names) {
      it(`${name} loads: every type registered, every node starts without an error`, async () => {
        // a flow shipped disabled is checked as it runs once enabled
        const flow = readFlow(name).map((n) => (n.type === 'tab' ? { ...n, disabled: false } : n));
        await helper.load([...wis2Nodes, ...coreNodes] as never, flow);
        const errors: unknown[] = [];
        for (const n of flow.filter((x) => x.z)) {
          const node = helper.getNode(n.id) as unknown as EventEmitter | null;
          assert.ok(node, `${n.id} (${n.type}) is running`);
          node.on('call:error', (call: { args: unknown[] }) => errors.push([n.id, call.args]));
        }
        await Recorder.settle(200);
        assert.deepEqual(errors, []);
      });
    }
  });
});
