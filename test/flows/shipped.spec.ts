import assert from 'node:assert/strict';
import type { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BROKER_CREDENTIALS, DEPLOYED_FLOWS, assembleFlows, installFlows, readFlow, shippedFlows } from '../../bin/commands/flows';
import { helper, wis2Nodes, Recorder } from '../helpers/nodes';
import { repoRoot } from '../helpers/reference';

type FlowNode = Record<string, unknown> & { id: string; type: string; z?: string; wires?: string[][] };

/* eslint-disable @typescript-eslint/no-require-imports -- Node-RED's core nodes are CommonJS modules found at run time */
const coreNodes = ['common/20-inject', 'common/21-debug', 'common/25-catch', 'common/25-status', 'common/90-comment', 'common/91-global-config', 'network/05-tls', 'network/06-httpproxy', 'network/10-mqtt'].map(
  (n) => require(path.join(path.dirname(require.resolve('@node-red/nodes/package.json')), 'core', n)) as unknown,
);
/* eslint-enable @typescript-eslint/no-require-imports */

const PIPELINE_TYPES = ['wis2-cloudevent-to-wnm', 'wis2-wnm-validator', 'wis2-publish'];

describe('shipped flows', () => {
  const names = shippedFlows();

  it('are the Argo data flow, the template for a new data source, and importable examples', () => {
    assert.ok(names.includes('argo-data'));
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
          // on mqtt-broker config nodes `broker` is the URL, elsewhere a reference
          for (const key of n.type === 'mqtt-broker' ? ['dataset'] : ['dataset', 'broker']) {
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
        for (const n of nodes.filter((x) => [...PIPELINE_TYPES, 'mqtt in'].includes(x.type))) assert.ok(scope.includes(n.id), `${n.id} is caught`);
        const letters = nodes.filter((n) => n.type === 'wis2-dead-letter');
        for (const dl of letters) {
          assert.ok(!scope.includes(dl.id), 'the dead-letter path is outside the catch scope, so a failure there cannot loop');
          const outs = (dl.wires?.[0] ?? []).map((t) => byId.get(t)).filter((t) => t?.type === 'mqtt out');
          assert.equal(outs.at(0)?.broker, 'wis2-broker-input');
        }
        assert.ok(nodes.some((n) => n.type === 'status'), 'connection changes are shown');
      });

      it('reads file events with QoS 1 and a persistent session, and leaves topic, QoS and retain to WIS2 publish', () => {
        const input = nodes.find((n) => n.type === 'mqtt in');
        assert.equal(input?.qos, '1');
        assert.equal(input.broker, 'wis2-broker-input');
        const inBroker = byId.get('wis2-broker-input');
        assert.equal(inBroker?.cleansession, false);
        assert.equal(inBroker.clientid, '${MQTT_CLIENT_ID}');
        assert.equal(inBroker.broker, '${MQTT_URL}');
        assert.equal(byId.get('wis2-broker-output')?.broker, '${WIS2_MQTT_URL}');
        const publish = nodes.find((n) => n.type === 'wis2-publish');
        const out = byId.get(publish?.wires?.[0]?.[0] ?? '');
        assert.equal(out?.type, 'mqtt out');
        assert.equal(out.broker, 'wis2-broker-output');
        assert.deepEqual([out.topic, out.qos, out.retain], ['', '', '']);
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
    assert.equal(readFlow('argo-data').find((n) => n.type === 'mqtt in')?.topic, 'diffusion/files/coriolis/argo/#');
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
      helper.startServer(done);
    });
    after((done) => {
      for (const k of ['MQTT_URL', 'WIS2_MQTT_URL', 'MQTT_CLIENT_ID']) Reflect.deleteProperty(process.env, k);
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
