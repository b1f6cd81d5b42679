import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../bin/launch';
import { coreNodesDir } from '../../bin/node-red-dir';
import { BROKER_CREDENTIALS, DEPLOYED_FLOWS, assembleFlows, installFlows, readFlow, shippedFlows } from '../../bin/commands/flows';
import type { WisNotification } from '../../nodes/lib/wnm/build';
import { validateWnm } from '../../nodes/lib/wnm/suite';
import { helper, wis2Nodes, Recorder } from '../helpers/nodes';
import { wnmSchemaErrors } from '../helpers/official';
import { repoRoot } from '../helpers/reference';

type FlowNode = Record<string, unknown> & { id: string; type: string; z?: string; wires?: string[][] };

/* eslint-disable @typescript-eslint/no-require-imports -- Node-RED's core nodes are CommonJS modules found at run time */
const coreNodes = ['common/20-inject', 'common/21-debug', 'common/25-catch', 'common/25-status', 'common/90-comment', 'common/91-global-config', 'function/10-switch', 'function/15-change', 'network/05-tls', 'network/06-httpproxy', 'network/10-mqtt', 'network/21-httprequest', 'storage/10-file'].map(
  (n) => require(path.join(coreNodesDir(), 'core', n)) as unknown,
);
/* eslint-enable @typescript-eslint/no-require-imports */

const PIPELINE_TYPES = ['wis2-cloudevent-to-wnm', 'wis2-wnm-validator', 'wis2-publish', 'wis2-wcmp-validator', 'wis2-wcmp-to-wnm'];

describe('shipped flows', () => {
  const names = shippedFlows();

  it('are the Argo data flow, the template for a new data source, and importable examples', () => {
    assert.ok(names.includes('argo-data'));
    assert.ok(names.includes('argo-metadata'));
    assert.ok(names.includes('new-data-source'));
    for (const name of names) assert.ok(fs.existsSync(path.join(repoRoot, 'examples', `${name}.json`)), `examples/${name}.json is built`);
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
          for (const key of ['dataset', 'broker']) {
            if (typeof n[key] === 'string' && n[key] !== '') assert.ok(byId.has(n[key]), `${n.id}.${key} → ${n[key]}`);
          }
        }
      });

      it('explains itself with a comment on every tab', () => {
        for (const tab of nodes.filter((n) => n.type === 'tab')) {
          assert.ok(nodes.some((n) => n.type === 'comment' && n.z === tab.id && typeof n.info === 'string' && n.info.length > 100), tab.id);
        }
      });

      it('sends every reject, every invalid message and every caught error to a dead letter on the input broker', () => {
        for (const n of nodes.filter((x) => PIPELINE_TYPES.includes(x.type))) {
          const rejects = n.wires?.[1] ?? [];
          assert.ok(rejects.length > 0 && rejects.every((t) => byId.get(t)?.type === 'wis2-dead-letter'), `${n.id} output 2`);
        }
        const catches = nodes.filter((n) => n.type === 'catch');
        assert.equal(catches.length, 1);
        const scope = catches.at(0)?.scope as string[];
        for (const n of nodes.filter((x) => [...PIPELINE_TYPES, 'wis2-mqtt-in'].includes(x.type))) assert.ok(scope.includes(n.id), `${n.id} is caught`);
        const letters = nodes.filter((n) => n.type === 'wis2-dead-letter');
        for (const dl of letters) {
          assert.ok(!scope.includes(dl.id), 'the dead-letter path is outside the catch scope, so a failure there cannot loop');
          assert.equal(dl.broker, 'wis2-broker-input', 'dead letters go to the input broker, through its durable outbox');
        }
        const status = nodes.find((n) => n.type === 'status');
        assert.ok(status, 'connection changes are shown');
        for (const n of nodes.filter((x) => ['wis2-mqtt-in', 'wis2-publish', 'wis2-dead-letter'].includes(x.type))) {
          assert.ok((status.scope as string[]).includes(n.id), `the status node watches ${n.id}`);
        }
      });

      it('reads file events reliably (QoS 1, persistent session, journal) and publishes itself through a durable outbox', () => {
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
        assert.equal(byId.get('wis2-broker-output')?.url, '${WIS2_MQTT_URL}');
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

  it('share identical broker config nodes, so importing a second flow reuses them', () => {
    assert.doesNotThrow(() => assembleFlows(names));
  });

  it('the Argo flow publishes on the Argo topic for the Argo dataset', () => {
    const ds = readFlow('argo-data').find((n) => n.type === 'wis2-dataset');
    assert.equal(ds?.topic, 'origin/a/wis2/fr-ifremer-argo/data/core/ocean/surface-based-observations/drifting-ocean-profilers');
    assert.equal(ds.pathPattern, 'argo');
    assert.equal(readFlow('argo-data').find((n) => n.type === 'wis2-mqtt-in')?.topic, 'diffusion/files/coriolis/argo/#');
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
      process.env.MQTT_CLIENT_ID = 'wis2-flow-test';
      process.env.WIS2_METADATA_URL = 'https://data-argo.ifremer.fr/etc/wis2/fr-ifremer-argo-core-metadata.json';
      process.env.WIS2_METADATA_SOURCE = path.join(repoRoot, 'flows', 'metadata', 'fr-ifremer-argo.json');
      helper.startServer(done);
    });
    after((done) => {
      for (const k of ['MQTT_URL', 'WIS2_MQTT_URL', 'MQTT_CLIENT_ID', 'WIS2_METADATA_URL', 'WIS2_METADATA_SOURCE']) Reflect.deleteProperty(process.env, k);
      helper.stopServer(done);
    });
    afterEach(() => helper.unload());

    for (const name of names) {
      it(`${name} loads: every type registered, every node starts without an error`, async () => {
        const flow = readFlow(name);
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
