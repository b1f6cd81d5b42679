import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { memoryIo } from '../../bin/cli/io';
import { run as runCache } from '../../bin/commands/cache';
import { run as runServe, startFileServer, wrongBytes, type FileServer } from '../../bin/commands/serve';
import { syntheticFile } from '../../bin/cli/samples';
import { readMonitorEvent } from '../../nodes/lib/feedback/monitor';
import { mosquittoBin, needMosquitto, startMosquitto, type Broker } from '../helpers/mosquitto';
import { ARGO_TOPIC } from '../helpers/fixtures';

const CENTRE = 'fr-ifremer-argo';
const ORIGIN = 'https://data-argo.ifremer.fr/';

function notification(name: string, bytes: Buffer, extra: { length?: number; cache?: boolean; id?: string; pubtime?: string } = {}): Record<string, unknown> {
  const pubtime = extra.pubtime ?? new Date().toISOString();
  return {
    id: extra.id ?? randomUUID(),
    type: 'Feature',
    geometry: null,
    properties: {
      data_id: `${CENTRE}/dac/coriolis/${name}`,
      pubtime,
      datetime: pubtime,
      ...(extra.cache === undefined ? {} : { cache: extra.cache }),
      integrity: { method: 'sha512', value: createHash('sha512').update(bytes).digest('base64') },
    },
    links: [{ rel: 'canonical', type: 'application/x-netcdf', href: `${ORIGIN}dac/coriolis/${name}`, length: extra.length ?? bytes.length }],
  };
}

describe('wis2 serve and wis2 cache', function () {
  this.timeout(60_000);
  let broker: Broker;
  let files: FileServer;
  let dir: string;
  let client: MqttClient;

  before(async function () {
    needMosquitto(this);
    broker = await startMosquitto();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wis2-serve-'));
    fs.mkdirSync(path.join(dir, 'dac', 'coriolis'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'dac', 'coriolis', 'right.nc'), 'the right bytes');
    fs.writeFileSync(path.join(dir, 'dac', 'coriolis', 'wrong.nc'), 'the right bytes too');
    files = await startFileServer({ dir: path.join(dir), wrong: ['wrong.nc'], port: 0 });
    client = await mqtt.connectAsync(broker.url, { clientId: `cache-spec-${process.pid}` });
    await client.subscribeAsync({ 'cache/a/wis2/#': { qos: 1 }, 'monitor/a/wis2/#': { qos: 1 } });
  });
  after(async function () {
    if (!mosquittoBin) return;
    await client.endAsync();
    await files.close();
    await broker.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('serves files by path, the synthetic sample files, and wrong bytes of the same length when asked', async () => {
    const right = await fetch(`${files.url}dac/coriolis/right.nc`);
    assert.equal(right.status, 200);
    assert.equal(Buffer.from(await right.arrayBuffer()).toString(), 'the right bytes');
    const wrong = Buffer.from(await (await fetch(`${files.url}dac/coriolis/wrong.nc`)).arrayBuffer());
    assert.equal(wrong.length, 'the right bytes too'.length);
    assert.notEqual(wrong.toString(), 'the right bytes too');
    assert.equal((await fetch(`${files.url}dac/coriolis/absent.nc`)).status, 404);
    assert.equal((await fetch(`${files.url}dac/%2e%2e/%2e%2e/etc/passwd`)).status, 404);
    const synthetic = await startFileServer({ synthetic: true, port: 0 });
    try {
      const bytes = Buffer.from(await (await fetch(`${synthetic.url}dac/coriolis/6903580/profiles/R6903580_147.nc`)).arrayBuffer());
      assert.deepEqual(bytes, syntheticFile('R6903580_147.nc'));
      // the sample event's checksum is of these bytes
      const sample = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'flows', 'samples', 'coriolis-R6903580_147.json'), 'utf8')) as { data: { assets: Record<string, { 'file:checksum': string }> } };
      assert.equal(sample.data.assets['R6903580_147.nc']['file:checksum'], `1620${createHash('sha3-256').update(bytes).digest('hex')}`);
    } finally {
      await synthetic.close();
    }
    assert.deepEqual(wrongBytes(wrongBytes(Buffer.from('x'))), Buffer.from('x'));
    const io = memoryIo();
    assert.equal(await runServe(['--synthetic', '--dir', dir], io), 64, 'one source only');
  });

  it('caches files that check out, reports the others as monitoring events naming the notification', async () => {
    const io = memoryIo();
    const done = runCache(['--url', broker.url, '--centre-id', CENTRE, '--cache-id', 'xx-test-cache', '--port', '0', '--fetch-from', `${ORIGIN}=${files.url}`, '--count', '5'], io);
    const deadline = Date.now() + 10_000;
    while (!io.stderr.some((l) => l.includes('subscribed')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    const received: { topic: string; payload: Record<string, unknown> }[] = [];
    client.on('message', (topic, payload) => received.push({ topic, payload: JSON.parse(payload.toString('utf8')) as Record<string, unknown> }));

    const right = notification('right.nc', Buffer.from('the right bytes'));
    const wrong = notification('wrong.nc', Buffer.from('the right bytes too'));
    const absent = notification('absent.nc', Buffer.from('x'));
    const longer = notification('right.nc', Buffer.from('the right bytes'), { length: 99, pubtime: new Date(Date.now() + 1000).toISOString() });
    const recommended = notification('other.nc', Buffer.from('x'), { cache: false });
    const again = { ...right };
    const overdue = notification('right.nc', Buffer.from('the right bytes'), { pubtime: '2020-01-01T00:00:00Z' });
    const streams = [right, again, wrong, absent, recommended, overdue, longer];
    for (const n of streams) await client.publishAsync(ARGO_TOPIC, JSON.stringify(n), { qos: 1 });
    // a notification that is not JSON is skipped, never fatal
    await client.publishAsync(ARGO_TOPIC, '{not json', { qos: 1 });
    // the right file once more, as an update: five handled in all
    const update = notification('right.nc', Buffer.from('the right bytes'), { pubtime: new Date(Date.now() + 2000).toISOString() });
    await client.publishAsync(ARGO_TOPIC, JSON.stringify(update), { qos: 1 });
    assert.equal(await done, 0);
    const summary = JSON.parse(io.stdout.at(-1) ?? '{}') as Record<string, unknown>;
    assert.deepEqual(summary, { cached: 2, failed: 3, skipped: 4, stopped: 'count' });

    const settle = Date.now() + 5000;
    while (received.length < 5 && Date.now() < settle) await new Promise((r) => setTimeout(r, 25));
    const cached = received.filter((r) => r.topic.startsWith('cache/'));
    assert.equal(cached.length, 2);
    const first = cached[0];
    assert.equal(first.topic, ARGO_TOPIC.replace(/^origin\//, 'cache/'));
    assert.notEqual(first.payload.id, right.id, 'a new id');
    const props = first.payload.properties as Record<string, unknown>;
    assert.equal(props['global-cache'], 'xx-test-cache');
    assert.equal(props.data_id, (right.properties as Record<string, unknown>).data_id);
    const href = ((first.payload.links as { href: string }[])[0]?.href ?? '');
    assert.match(href, /^http:\/\/127\.0\.0\.1:\d+\//, 'its own href');

    const events = received.filter((r) => r.topic === `monitor/a/wis2/${CENTRE}`).map((r) => readMonitorEvent(Buffer.from(JSON.stringify(r.payload)), r.topic));
    assert.deepEqual(events.map((e) => [e.kind, e.severity, e.centre, e.quoted.id]), [
      ['integrity', 'ERROR', 'xx-test-cache', wrong.id],
      ['download', 'ERROR', 'xx-test-cache', absent.id],
      ['download', 'ERROR', 'xx-test-cache', longer.id],
    ]);
    assert.match(events[1]?.reason ?? '', /404/);
    assert.match(events[2]?.reason ?? '', /length_mismatch/);
    for (const r of received) assert.ok(Buffer.byteLength(JSON.stringify(r.payload)) <= 8192);
  });
});
