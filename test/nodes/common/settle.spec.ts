import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { NodeMessage } from 'node-red';
import { ACK_PROPERTY, settleRegistry } from '../../../nodes/common/settle';
import { helper, wis2Nodes, onTab, datasetConfig, runtimeHooks, type FlowNode } from '../../helpers/nodes';
import { repoRoot } from '../../helpers/reference';
import { ARGO, ARGO_TOPIC, SAMPLE_BUFR } from '../../helpers/fixtures';

const EVENT = fs.readFileSync(SAMPLE_BUFR, 'utf8');
const RECORD = fs.readFileSync(path.join(repoRoot, 'flows', 'metadata', 'fr-ifremer-argo.json'), 'utf8');
const SINKS = ['a', 'b', 'c'];

interface Case {
  /** what happens to the message */
  path: string;
  /** the nodes under test; `n` gets the messages; outputs go to the sinks a, b and c */
  nodes: FlowNode[];
  msgs: Record<string, unknown>[];
  /** the sinks that must get something: the path was taken */
  reaches: string[];
}

const wnmFlow = (dataset = 'ds'): FlowNode[] => [
  datasetConfig('ds', ARGO),
  { id: 'n', type: 'wis2-cloudevent-to-wnm', dataset, wires: [['val'], ['b'], ['c']] },
  { id: 'val', type: 'wis2-wnm-validator', wires: [['pub'], ['b']] },
  { id: 'pub', type: 'wis2-publish', dataset: 'ds', wires: [['a'], ['b']] },
];

const CASES: Case[] = [
  { path: 'converted, validated and published (cloudevent-to-wnm, wnm-validator, publish)', nodes: wnmFlow(), msgs: [{ payload: EVENT }], reaches: ['a'] },
  { path: 'a second time, as a duplicate (cloudevent-to-wnm third output)', nodes: wnmFlow(), msgs: [{ payload: EVENT }, { payload: EVENT }], reaches: ['a', 'c'] },
  { path: 'refused as no CloudEvent (cloudevent-to-wnm reject)', nodes: wnmFlow(), msgs: [{ payload: 'not json' }], reaches: ['b'] },
  { path: 'refused for want of a dataset (cloudevent-to-wnm configuration error)', nodes: wnmFlow('missing'), msgs: [{ payload: EVENT }], reaches: ['b'] },
  { path: 'invalid (wnm-validator)', nodes: [{ id: 'n', type: 'wis2-wnm-validator', wires: [['a'], ['b']] }], msgs: [{ payload: {} }], reaches: ['b'] },
  { path: 'refused (publish)', nodes: [datasetConfig('ds', ARGO), { id: 'n', type: 'wis2-publish', dataset: 'ds', wires: [['a'], ['b']] }], msgs: [{ payload: 'not a notification' }], reaches: ['b'] },
  { path: 'refused for want of a dataset (publish configuration error)', nodes: [{ id: 'n', type: 'wis2-publish', dataset: 'missing', wires: [['a'], ['b']] }], msgs: [{ payload: {} }], reaches: ['b'] },
  {
    path: 'written as a dead letter (dead-letter)',
    nodes: [{ id: 'n', type: 'wis2-dead-letter', topic: 'wis2/rejected/test', wires: [['a']] }],
    msgs: [{ payload: 'x', error: { code: 'wnm.test', message: 'a test', path: '', stage: 'wnm' } }],
    reaches: ['a'],
  },
  { path: 'valid and invalid (wcmp-validator)', nodes: [{ id: 'n', type: 'wis2-wcmp-validator', kpi: 'off', wires: [['a'], ['b']] }], msgs: [{ payload: RECORD }, { payload: {} }], reaches: ['a', 'b'] },
  {
    path: 'announced and refused (wcmp-to-wnm)',
    nodes: [{ id: 'n', type: 'wis2-wcmp-to-wnm', recordUrl: 'https://data-argo.ifremer.fr/etc/wis2/fr-ifremer-argo-core-metadata.json', wires: [['a'], ['b']] }],
    msgs: [{ payload: RECORD }, { payload: 'not a record' }],
    reaches: ['a', 'b'],
  },
  { path: 'refused as no record (gdc-check)', nodes: [{ id: 'n', type: 'wis2-gdc-check', delay: '0', version: 1, wires: [['a'], ['b']] }], msgs: [{ payload: 'not a record' }], reaches: ['b'] },
  {
    path: 'counted and sent nowhere (cache-tracker)',
    nodes: [
      datasetConfig('ds', ARGO),
      { id: 'n', type: 'wis2-cache-tracker', broker: 'gb', dataset: 'ds', wires: [['a'], ['b'], ['c']] },
      { id: 'gb', type: 'wis2-broker', url: 'mqtt://127.0.0.1:1', clientId: `settle-spec-${process.pid}`, cleanSession: true, keepalive: 60, window: 8, maxQueueMB: 1 },
    ],
    msgs: [{ payload: 'not json', topic: ARGO_TOPIC }],
    reaches: ['c'],
  },
  { path: 'failed with done(err) (argo-reconcile without a dataset)', nodes: [{ id: 'n', type: 'wis2-argo-reconcile', dataset: 'missing', wires: [['a'], ['b']] }], msgs: [{ payload: '' }], reaches: [] },
];

/**
 * A reliable input keeps a message in its journal until the flow has settled it: a node of the
 * package that ends a message without settling it would hold it there for ever. Every node type
 * with an input, on each of its ways to end a message, in the real flow engine and its hooks.
 */
describe('every node of the package settles the messages it ends', function () {
  this.timeout(20_000);
  before((done) => { helper.startServer(done); });
  after((done) => { helper.stopServer(done); });
  const registry = settleRegistry(runtimeHooks);
  afterEach(async () => {
    // a failure stays with its own case
    registry.forget('settle-spec:');
    await helper.unload();
  });

  for (const c of CASES) {
    it(c.path, async () => {
      await helper.load(wis2Nodes, onTab([
        { id: 'src', type: 'helper', wires: [['n']] },
        ...c.nodes,
        ...SINKS.map((id) => ({ id, type: 'helper' })),
      ]));
      const reached = new Set<string>();
      for (const id of SINKS) {
        // a node that reports done, so that what reaches it ends there at once
        helper.getNode(id).on('input', (_msg: NodeMessage, _send: unknown, done: () => void) => {
          reached.add(id);
          done();
        });
      }
      assert.deepEqual(registry.pending(), [], 'nothing left from before');
      const finished: string[] = [];
      const keys = c.msgs.map((_, i) => `settle-spec:${c.path}:${String(i)}`);
      for (const [i, msg] of c.msgs.entries()) {
        const key = keys[i] ?? '';
        registry.open(key, () => finished.push(key));
        helper.getNode('src').send({ ...msg, [ACK_PROPERTY]: key });
        // one at a time: the second of two equal events is a duplicate only once the first is through
        const deadline = Date.now() + 5000;
        while (!finished.includes(key) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      }
      assert.deepEqual(registry.pending(), [], `left unsettled: ${c.path}`);
      assert.deepEqual(finished, keys);
      assert.deepEqual([...reached].sort(), c.reaches);
    });
  }
});
