import assert from 'node:assert/strict';
import fs from 'node:fs';
import mqtt from 'mqtt';
import { metricValue } from '../../nodes/common/metrics';
import { helper, wis2Nodes, onTab, datasetConfig, Recorder, type FlowNode } from '../helpers/nodes';
import { ARGO, SAMPLE_BUFR as BUFR } from '../helpers/fixtures';
import { multihashSha512, startFileServer, type FileServer } from '../helpers/file-server';
import { needMosquitto, startMosquitto, type Broker } from '../helpers/mosquitto';
import { startPipeline } from '../helpers/pipeline';

const BYTES = Buffer.from('CDF\u0001 profile of float 6903580, cycle 147\n'.repeat(40));

/** A file event of the diffusion system announcing `path` on the test's web server. */
function fileEvent(server: FileServer, path: string, bytes = BYTES): Record<string, unknown> {
  return {
    specversion: '1.0',
    id: `event-${path}`,
    source: 'co050411',
    type: 'fr.ifremer.file.diffusion',
    time: '2026-11-14T09:41:07Z',
    datacontenttype: 'application/json',
    data: {
      type: 'Feature',
      stac_version: '1.1.0',
      id: path,
      bbox: [-24.8, 47.3, -24.8, 47.3],
      geometry: { type: 'Point', coordinates: [-24.8, 47.3] },
      properties: { datetime: '2026-11-14T06:12:30Z' },
      links: [],
      assets: {
        [path]: {
          href: `${server.base}${path}`,
          type: 'application/x-netcdf',
          roles: ['data'],
          'file:size': bytes.length,
          'file:checksum': multihashSha512(bytes),
        },
      },
    },
  };
}

interface Letter { reason: { code: string; stage: string; path: string }; payload: { value: string } }

function letterOf(msg: { payload?: unknown } | undefined): Letter {
  return JSON.parse((msg?.payload as Buffer).toString('utf8')) as Letter;
}

describe('WIS2 publish: the check before publishing, in the Node-RED runtime', function () {
  this.timeout(30_000);
  let server: FileServer;
  before((done) => {
    helper.startServer(done);
  });
  after((done) => {
    helper.stopServer(done);
  });
  beforeEach(async () => {
    server = await startFileServer();
  });
  afterEach(async () => {
    await helper.unload();
    await server.close();
  });

  function dataset(check: string, retries = '2'): FlowNode {
    return {
      ...datasetConfig('ds', { ...ARGO, baseUrl: server.base, pathPattern: '', schemes: ['http'] }),
      check,
      checkRetries: retries,
      version: 1,
    };
  }

  async function start(check: string, retries?: string): Promise<Recorder> {
    await helper.load(wis2Nodes, onTab([
      dataset(check, retries),
      { id: 'conv', type: 'wis2-cloudevent-to-wnm', dataset: 'ds', wires: [['pub'], ['dl']] },
      { id: 'pub', type: 'wis2-publish', dataset: 'ds', wires: [['out'], ['dl']] },
      { id: 'dl', type: 'wis2-dead-letter', topic: 'wis2/rejected/test', wires: [['letters']] },
      { id: 'out', type: 'helper' },
      { id: 'letters', type: 'helper' },
    ]));
    return new Recorder(['out', 'letters']);
  }

  it('download: publishes the right file, and dead-letters wrong length and wrong bytes with their codes, counted', async () => {
    const counted = (code: string): Promise<number> => metricValue('wis2_download_check_failed_total', { dataset: ARGO.metadataId, code });
    const before = { length: await counted('href.length_mismatch'), integrity: await counted('integrity.mismatch') };
    const rec = await start('download');
    server.set('/right.nc', { serve: BYTES });
    server.set('/short.nc', { serve: BYTES.subarray(1) });
    const wrong = Buffer.from(BYTES);
    wrong[5] ^= 1;
    server.set('/wrong.nc', { serve: wrong });
    for (const path of ['right.nc', 'short.nc', 'wrong.nc']) helper.getNode('conv').receive({ payload: fileEvent(server, path) });
    await rec.wait(3, 10_000);
    assert.equal(rec.from('out').length, 1);
    assert.match((rec.from('out')[0]?.payload as Buffer).toString('utf8'), /right\.nc/);
    const letters = rec.from('letters').map(letterOf);
    const codes = new Map(letters.map((l) => [/short/.test(l.payload.value) ? 'short' : 'wrong', l.reason]));
    assert.equal(codes.get('short')?.code, 'href.length_mismatch');
    assert.equal(codes.get('wrong')?.code, 'integrity.mismatch');
    assert.equal(codes.get('wrong')?.stage, 'check');
    assert.equal(codes.get('wrong')?.path, '/links/0/href');
    // the dead letter holds the whole notification that was not published
    assert.match(letters[0]?.payload.value ?? '', /"data_id"/);
    assert.equal(await counted('href.length_mismatch'), before.length + 1);
    assert.equal(await counted('integrity.mismatch'), before.integrity + 1);
  });

  it('off (the default, and flows saved before the option): publishes without asking the server', async () => {
    await helper.load(wis2Nodes, onTab([
      // a dataset as saved before the check existed: no version, no check
      datasetConfig('ds', { ...ARGO, baseUrl: server.base, pathPattern: '', schemes: ['http'] }),
      { id: 'pub', type: 'wis2-publish', dataset: 'ds', wires: [['out'], ['out']] },
      { id: 'conv', type: 'wis2-cloudevent-to-wnm', dataset: 'ds', wires: [['pub'], ['out']] },
      { id: 'out', type: 'helper' },
    ]));
    const rec = new Recorder(['out']);
    helper.getNode('conv').receive({ payload: fileEvent(server, 'absent.nc') });
    await rec.wait(1);
    assert.ok(Buffer.isBuffer(rec.from('out')[0]?.payload), 'published, not rejected');
    assert.equal(server.requests.length, 0);
  });

  it('head: holds a file answering 404 until it is served 2 s later, then publishes it', async () => {
    const rec = await start('head', '3');
    const servedAt = Date.now() + 2000;
    server.set('/late.nc', () => (Date.now() >= servedAt ? { serve: BYTES } : { status: 404 }));
    helper.getNode('conv').receive({ payload: fileEvent(server, 'late.nc') });
    await Recorder.settle(1000);
    assert.equal(rec.received.length, 0, 'nothing leaves while the file is not served');
    await rec.wait(1, 15_000);
    assert.equal(rec.from('out').length, 1);
    assert.ok(Date.now() >= servedAt);
    assert.ok(server.requests.length >= 2);
    assert.ok(server.requests.every((r) => r.method === 'HEAD'));
  });

  it('head: dead-letters a file never served, and a connection closed without an answer, as href.unreachable', async () => {
    const rec = await start('head', '1');
    server.set('/hang.nc', { hangUp: true });
    helper.getNode('conv').receive({ payload: fileEvent(server, 'never.nc') });
    helper.getNode('conv').receive({ payload: fileEvent(server, 'hang.nc') });
    await rec.wait(2, 10_000);
    assert.deepEqual(rec.from('letters').map((m) => letterOf(m).reason.code), ['href.unreachable', 'href.unreachable']);
    assert.equal(server.requests.length, 4, 'each asked twice: once, then once again');
  });

  describe('with a reliable input on a real broker', () => {
    let broker: Broker;
    before(async function () {
      needMosquitto(this);
      broker = await startMosquitto();
    });
    after(async () => {
      // absent when the suite was skipped for want of Mosquitto
      await (broker as Broker | undefined)?.stop();
    });

    it('keeps the event in the journal while it is checked: stopped mid-check, it is checked again and published on restart', async () => {
      const flow = (): FlowNode[] => [
        ...onTab([
          dataset('download', '50'),
          { id: 'in', type: 'wis2-mqtt-in', broker: 'b', topic: 'diffusion/files/#', qos: '1', datatype: 'buffer', wires: [['conv']] },
          { id: 'conv', type: 'wis2-cloudevent-to-wnm', dataset: 'ds', wires: [['pub'], ['dl']] },
          { id: 'pub', type: 'wis2-publish', dataset: 'ds', wires: [['out'], ['dl']] },
          { id: 'dl', type: 'wis2-dead-letter', topic: 'wis2/rejected/test', wires: [['letters']] },
          { id: 'out', type: 'helper' },
          { id: 'letters', type: 'helper' },
        ]),
        { id: 'b', type: 'wis2-broker', url: broker.url, clientId: 'check-spec', cleanSession: false, keepalive: 60, window: 8, maxQueueMB: 1 },
      ];
      await helper.load(wis2Nodes, flow());
      let rec = new Recorder(['out', 'letters']);
      const producer = await mqtt.connectAsync(broker.url, { clientId: 'check-spec-producer' });
      // the input subscribes once connected
      await Recorder.settle(500);
      await producer.publishAsync('diffusion/files/argo', JSON.stringify(fileEvent(server, 'later.nc')), { qos: 1 });
      await producer.endAsync();
      const deadline = Date.now() + 10_000;
      while (server.requests.length < 2 && Date.now() < deadline) await Recorder.settle(50);
      assert.ok(server.requests.length >= 2, 'the check is asking again');
      await helper.unload();
      assert.equal(rec.received.length, 0, 'neither published nor dead-lettered while stopped mid-check');

      server.set('/later.nc', { serve: BYTES });
      await helper.load(wis2Nodes, flow());
      rec = new Recorder(['out', 'letters']);
      await rec.wait(1, 15_000);
      assert.equal(rec.from('out').length, 1, 'replayed from the journal, checked and published');
      assert.match((rec.from('out')[0]?.payload as Buffer).toString('utf8'), /later\.nc/);
    });
  });
});

describe('WIS2 publish in a pipeline, refusing into a dead letter', () => {
  before((done) => {
    helper.startServer(done);
  });
  after((done) => {
    helper.stopServer(done);
  });
  afterEach(() => helper.unload());

  it('hands mqtt out the exact bytes, the topic, QoS 1, no retain and the content type', async () => {
    const rec = await startPipeline();
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
    const rec = await startPipeline();
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

  it('publishes without a dataset only on valid WIS2 publication topics', async () => {
    const rec = await startPipeline('');
    helper.getNode('pub').receive({ payload: { type: 'Feature', properties: {} }, topic: 'origin/a/wis2/fr-ifremer-argo/metadata' });
    helper.getNode('pub').receive({ payload: { type: 'Feature', properties: {} }, topic: 'origin/a/wis2/fr-ifremer-argo/metadata/core' });
    await rec.wait(2);
    assert.equal(rec.from('out').length, 1);
    assert.equal((JSON.parse((rec.from('letters').at(0)?.payload as Buffer).toString('utf8')) as { reason: { code: string } }).reason.code, 'publish.invalid_topic');
  });
});
