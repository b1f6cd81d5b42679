import assert from 'node:assert/strict';
import fs from 'node:fs';
import { helper, wis2Nodes, onTab, datasetConfig, Recorder } from '../helpers/nodes';
import { ARGO, SAMPLE_BUFR as BUFR } from '../helpers/fixtures';

describe('WIS2 publish and dead-letter nodes in a pipeline', () => {
  before((done) => {
    helper.startServer(done);
  });
  after((done) => {
    helper.stopServer(done);
  });
  afterEach(() => helper.unload());

  async function start(publishDataset = 'ds'): Promise<Recorder> {
    await helper.load(wis2Nodes, onTab([
      datasetConfig('ds', ARGO),
      { id: 'conv', type: 'wis2-cloudevent-to-wnm', dataset: 'ds', wires: [['pub'], ['dl']] },
      { id: 'pub', type: 'wis2-publish', dataset: publishDataset, wires: [['out'], ['dl']] },
      { id: 'dl', type: 'wis2-dead-letter', topic: 'wis2/rejected/test', wires: [['letters']] },
      { id: 'out', type: 'helper' },
      { id: 'letters', type: 'helper' },
    ]));
    return new Recorder(['out', 'letters']);
  }

  it('hands mqtt out the exact bytes, the topic, QoS 1, no retain and the content type', async () => {
    const rec = await start();
    helper.getNode('conv').receive({ payload: fs.readFileSync(BUFR) });
    await rec.wait(1);
    const msg = rec.from('out').at(0);
    assert.ok(Buffer.isBuffer(msg?.payload));
    assert.equal(msg.topic, ARGO.topic);
    assert.equal(msg.qos, 1);
    assert.equal(msg.retain, false);
    assert.equal(msg.contentType, 'application/geo+json');
    const wnm = JSON.parse((msg.payload).toString('utf8')) as { links: { href: string }[] };
    assert.equal(wnm.links.at(0)?.href, 'https://data-argo.ifremer.fr/etc/bufr/202611/IOPX01_LFVX_091838.BU');
  });

  it('refuses a message for another centre and turns it into a dead letter with the original payload', async () => {
    const rec = await start();
    const wnm = { type: 'Feature', properties: { data_id: 'x' } };
    helper.getNode('pub').receive({ payload: wnm, topic: ARGO.topic.replace('fr-ifremer-argo', 'fr-meteofrance') });
    await rec.wait(1);
    const letter = rec.from('letters').at(0);
    assert.equal(letter?.topic, 'wis2/rejected/test');
    assert.equal(letter.qos, 1);
    const record = JSON.parse((letter.payload as Buffer).toString('utf8')) as { reason: { code: string; stage: string }; payload: { encoding: string; value: string } };
    assert.equal(record.reason.code, 'publish.foreign_centre');
    assert.equal(record.reason.stage, 'publish');
    assert.deepEqual(JSON.parse(record.payload.value), wnm);
  });

  it('turns a rejected event into a dead letter carrying its exact bytes', async () => {
    const rec = await start();
    const bad = Buffer.from([0x7b, 0xff, 0x7d]);
    helper.getNode('conv').receive({ payload: bad, topic: 'diffusion/files/coriolis/argo/bufr' });
    await rec.wait(1);
    const record = JSON.parse((rec.from('letters').at(0)?.payload as Buffer).toString('utf8')) as { reason: { code: string }; topic: string; payload: { encoding: string; value: string } };
    assert.equal(record.reason.code, 'intake.invalid_utf8');
    assert.equal(record.topic, 'diffusion/files/coriolis/argo/bufr');
    assert.equal(record.payload.encoding, 'base64');
    assert.ok(Buffer.from(record.payload.value, 'base64').equals(bad));
  });

  it('publishes without a dataset only on valid WIS2 publication topics', async () => {
    const rec = await start('');
    helper.getNode('pub').receive({ payload: { type: 'Feature', properties: {} }, topic: 'origin/a/wis2/fr-ifremer-argo/metadata' });
    helper.getNode('pub').receive({ payload: { type: 'Feature', properties: {} }, topic: 'origin/a/wis2/fr-ifremer-argo/metadata/core' });
    await rec.wait(2);
    assert.equal(rec.from('out').length, 1);
    assert.equal((JSON.parse((rec.from('letters').at(0)?.payload as Buffer).toString('utf8')) as { reason: { code: string } }).reason.code, 'publish.invalid_topic');
  });
});
