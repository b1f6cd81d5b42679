import assert from 'node:assert/strict';
import { decode, encode, encodeHeader, type Received } from '../../../nodes/lib/reliability/inbox-record';

/** The header as written without any cache. */
function written(r: Received): string {
  return JSON.stringify({ t: r.topic, q: r.qos, r: r.retain, c: r.contentType, u: r.userProperties });
}

describe('journal records of MQTT messages', () => {
  it('writes each header as its own message says, whatever headers were written before', () => {
    const topics = ['diffusion/files/coriolis/argo/a', 'origin/a/wis2/fr-ifremer-argo/data/core/x', 'a/b', 'é/日本', ''];
    const contentTypes = [undefined, '', 'application/geo+json', 'application/json', '1:x|y'];
    const all: Received[] = [];
    for (const topic of topics) {
      for (const qos of [0, 1, 2, -0]) {
        for (const retain of [false, true]) for (const contentType of contentTypes) all.push({ topic, qos, retain, contentType, payload: Buffer.alloc(0) });
      }
    }
    all.push({ topic: 'a/b', qos: 1, retain: false, userProperties: { k: 'v' }, payload: Buffer.alloc(0) });
    all.push({ topic: 'a/b', qos: 1, retain: false, userProperties: { k: ['v', 'w'] }, contentType: 'text/plain', payload: Buffer.alloc(0) });
    // in order, in reverse, and interleaved, with topics that are new strings of the same text
    const orders = [all, [...all].reverse(), all.map((_, i) => all[(i * 7) % all.length])];
    for (const order of orders) {
      for (const r of order) {
        const copy = { ...r, topic: Buffer.from(r.topic, 'utf8').toString('utf8') };
        assert.equal(encodeHeader(r).toString('utf8'), written(r));
        assert.equal(encodeHeader(copy).toString('utf8'), written(r));
      }
    }
  });

  it('keeps what it writes when more headers come than it keeps', () => {
    for (let i = 0; i < 2500; i++) {
      const r: Received = { topic: `t/${i % 1500}`, qos: i % 3, retain: i % 2 === 0, contentType: i % 5 === 0 ? undefined : 'application/json', payload: Buffer.alloc(0) };
      assert.equal(encodeHeader(r).toString('utf8'), written(r), `header ${i}`);
    }
  });

  it('reads a record back as it was written', () => {
    const r: Received = { topic: 'diffusion/files/coriolis/argo/x', qos: 1, retain: true, contentType: 'application/json', payload: Buffer.from('{"a":1}') };
    const back = decode(encode(r));
    assert.deepEqual({ ...back, payload: back.payload.toString('utf8') }, { ...r, payload: '{"a":1}' });
    const plain: Received = { topic: 't', qos: 0, retain: false, userProperties: { k: 'v' }, payload: Buffer.from([0xff, 0]) };
    const back2 = decode(encode(plain));
    assert.deepEqual(back2.userProperties, { k: 'v' });
    assert.equal(back2.contentType, undefined);
    assert.ok(back2.payload.equals(plain.payload));
  });
});
