import assert from 'node:assert/strict';
import { flattenHeap, oursInclusive, type HeapNode, type Profile } from './profile-summary';

function frame(id: number, functionName: string, url: string, children: number[] = []): Profile['nodes'][number] {
  return { id, callFrame: { functionName, url, lineNumber: 0 }, children };
}

const RED = '/srv/app/node_modules/@node-red/runtime/lib';
const OURS = '/srv/app/dist/nodes';

describe('bench: a CPU profile summed by the outermost of our files', () => {
  // (root) -> Node-RED delivery -> the publish node -> its library -> Node-RED's send;
  // (root) -> mqtt.js -> the outbox -> the publish node; and the collector
  const profile: Profile = {
    nodes: [
      frame(1, '(root)', '', [2, 6, 7]),
      frame(2, 'deliverMessageToDestination', `${RED}/flows/Flow.js`, [3]),
      frame(3, '', `${OURS}/wis2-publish/wis2-publish.js`, [4]),
      frame(4, 'preparePublication', `${OURS}/lib/publish/publish.js`, [5]),
      frame(5, 'Node.send', `${RED}/nodes/Node.js`),
      frame(6, '(garbage collector)', ''),
      frame(7, 'handleAck', '/srv/app/node_modules/mqtt/build/lib/handlers/ack.js', [8]),
      frame(8, 'pump', `${OURS}/lib/reliability/outbox.js`, [9]),
      frame(9, '', `${OURS}/wis2-publish/wis2-publish.js`),
    ],
    startTime: 0,
    endTime: 3000,
    // each sample lasts until the next one: the last one counts for nothing
    samples: [2, 3, 4, 5, 6, 9, 8, 5],
    timeDeltas: [0, 100, 200, 300, 400, 500, 600, 700],
  };

  it('counts what our code calls to the outermost of our files on the stack, each sample once', () => {
    const out = oursInclusive(profile);
    assert.deepEqual(Object.fromEntries(out), {
      // 3, 4 and 5 (Node-RED's send, called from our handler); not 2, which called it
      'ours: nodes/wis2-publish/wis2-publish.js': 200 + 300 + 400,
      // 8, and 9 under it: the handler file is not outermost there
      'ours: nodes/lib/reliability/outbox.js': 600 + 700,
    });
  });

  it('leaves out what runs outside our code', () => {
    const out = oursInclusive({ ...profile, samples: [2, 6, 7, 1], timeDeltas: [0, 10, 20, 30] });
    assert.equal(out.size, 0);
  });

  it('sums a heap profile the same way, in bytes allocated', () => {
    const node = (id: number, functionName: string, url: string, selfSize: number, children: HeapNode[] = []): HeapNode => ({ id, callFrame: { functionName, url, lineNumber: 0 }, selfSize, children });
    // (root) -> Node-RED delivery (64) -> the publish node (128) -> Node-RED's send (256); (root) -> mqtt.js (512)
    const head = node(1, '(root)', '', 0, [
      node(2, 'deliverMessageToDestination', `${RED}/flows/Flow.js`, 64, [node(3, '', `${OURS}/wis2-publish/wis2-publish.js`, 128, [node(4, 'Node.send', `${RED}/nodes/Node.js`, 256)])]),
      node(5, 'handlePublish', '/srv/app/node_modules/mqtt/build/lib/handlers/publish.js', 512),
    ]);
    const { profile: flat, bytes } = flattenHeap(head);
    assert.equal(flat.nodes.length, 5);
    assert.deepEqual(flat.nodes.find((n) => n.id === 1)?.children, [2, 5]);
    assert.deepEqual(Object.fromEntries(oursInclusive(flat, bytes)), { 'ours: nodes/wis2-publish/wis2-publish.js': 128 + 256 });
  });
});
