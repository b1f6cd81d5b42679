import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt';
import { main } from '../../bin/wis2';
import { memoryIo } from '../../bin/cli/io';
import { SAMPLES_DIR, loadSamples, variant, type Sample } from '../../bin/cli/samples';
import { convertEvent } from '../../nodes/lib/publish/convert';
import { resolveDataset } from '../../nodes/lib/dataset';
import { validateWnm } from '../../nodes/lib/wnm';
import { ARGO } from '../helpers/fixtures';
import { freePort, mosquittoTool, needMosquitto, startMosquitto, type Broker } from '../helpers/mosquitto';
import { wnmSchemaErrors } from '../helpers/official';
import { repoRoot } from '../helpers/reference';

const CLI = path.join(repoRoot, 'dist', 'bin', 'wis2.js');
const DIFFUSION = 'diffusion/files/coriolis/argo/#';
const SAMPLE_FILES = fs.readdirSync(SAMPLES_DIR).filter((n) => n.endsWith('.json')).sort();
const ARGO_ARGS = ['--centre-id', ARGO.centreId, '--topic', ARGO.topic, '--metadata-id', ARGO.metadataId, '--base-url', 'https://data-argo.ifremer.fr/', '--path-pattern', 'argo'];

interface Received {
  topic: string;
  payload: Buffer;
  packet: IPublishPacket;
  at: number;
}

interface Summary {
  published: number;
  failed: number;
  seconds: number;
  rate: number;
  unsent?: number;
  interrupted?: boolean;
}

/** A plain subscriber that keeps everything it gets. */
async function subscriber(url: string, filter: string, protocolVersion: 4 | 5 = 4): Promise<{ client: MqttClient; got: Received[]; waitFor(n: number, ms?: number): Promise<void> }> {
  const client = await mqtt.connectAsync(url, { protocolVersion, clientId: `spec-sub-${process.pid}-${Math.random().toString(16).slice(2)}` });
  const got: Received[] = [];
  client.on('message', (topic, payload, packet) => got.push({ topic, payload, packet, at: performance.now() }));
  await client.subscribeAsync(filter, { qos: 1 });
  const waitFor = async (n: number, ms = 10_000): Promise<void> => {
    const deadline = Date.now() + ms;
    while (got.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    // a little longer, to see any message too many
    await new Promise((r) => setTimeout(r, 300));
  };
  return { client, got, waitFor };
}

function summaryOf(stdout: string[]): Summary {
  const last = stdout.at(-1) ?? '';
  return JSON.parse(last) as Summary;
}

function eventOf(m: Received): { id: string; data: { assets: Record<string, { href: string }> } } {
  return JSON.parse(m.payload.toString('utf8')) as { id: string; data: { assets: Record<string, { href: string }> } };
}

function hrefOf(m: Received): string {
  return Object.values(eventOf(m).data.assets)[0]?.href ?? '';
}

describe('flows/samples', () => {
  it('holds the five kinds of Argo events, each turned into a WNM by "wis2 wnm build" (exit 0)', async () => {
    assert.deepEqual(SAMPLE_FILES, ['aoml-D4903512_089.json', 'bufr-IOPX01_LFVX_091838.json', 'coriolis-BR6904187_052.json', 'coriolis-R6903580_147.json', 'csiro-5906843_meta.json']);
    const hrefs: string[] = [];
    for (const name of SAMPLE_FILES) {
      const file = path.join(SAMPLES_DIR, name);
      const event = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown> & { data: { stac_version: string; assets: Record<string, Record<string, unknown>> } };
      assert.equal(event.type, 'fr.ifremer.file.diffusion');
      assert.match(String(event.source), /^[a-z0-9-]+$/);
      assert.match(String(event.subject), /^diffusion\/files\/coriolis\/argo\/(netcdf|bufr)$/);
      assert.equal(event.datacontenttype, 'application/json; charset=utf-8');
      assert.equal(event.data.stac_version, '1.1.0');
      for (const asset of Object.values(event.data.assets)) {
        assert.equal(typeof asset['file:size'], 'number');
        assert.match(String(asset['file:checksum']), /^1620[0-9a-f]{64}$/);
        hrefs.push(String(asset.href));
      }
      const io = memoryIo();
      assert.equal(await main(['wnm', 'build', file, ...ARGO_ARGS], io), 0, `${name}: ${io.stderr.join('\n')}`);
      assert.equal(io.stdout.length, 1);
      assert.deepEqual(wnmSchemaErrors(JSON.parse(io.stdout[0] ?? '')), [], name);
    }
    const paths = hrefs.map((h) => h.replace('https://data-argo.ifremer.fr/', ''));
    assert.ok(paths.some((p) => /^dac\/coriolis\/\d+\/profiles\/R\d+_\d{3}\.nc$/.test(p)), 'a core R profile from coriolis');
    assert.ok(paths.some((p) => /^dac\/(?!coriolis)[a-z]+\/\d+\/profiles\/D\d+_\d{3}\.nc$/.test(p)), 'a D profile from another DAC');
    assert.ok(paths.some((p) => /\/profiles\/BR\d+_\d{3}\.nc$/.test(p)), 'a BGC BR profile');
    assert.ok(paths.some((p) => /^dac\/[a-z]+\/(\d+)\/\1_meta\.nc$/.test(p)), 'a float-level meta file');
    assert.ok(paths.some((p) => /^etc\/bufr\/\d{6}\/[A-Z]{4}\d{2}_[A-Z]{4}_\d{6}\.BU$/.test(p)), 'a BUFR bulletin');
  });
});

describe('--vary file names', () => {
  const samples = loadSamples(SAMPLES_DIR, memoryIo());
  const dataset = resolveDataset(ARGO);
  const byName = (name: string): Sample => {
    const found = samples.find((s) => s.file.endsWith(name));
    assert.ok(found);
    return found;
  };
  const check = (event: object): string => {
    const { notifications } = convertEvent({ payload: event }, dataset);
    assert.equal(notifications.length, 1);
    assert.equal(validateWnm(JSON.stringify(notifications[0]?.message))['ets-report'].summary.FAILED, 0);
    return notifications[0]?.href ?? '';
  };

  it('rewrites the cycle number alike in id, asset key, href and titles', () => {
    const v = variant(byName('coriolis-R6903580_147.json'), 3, new Date('2026-11-28T00:00:00Z'));
    const data = v.event.data as { id: string; properties: { title: string; platform: string }; assets: Record<string, { href: string; title: string; created: string; 'file:checksum': string }> };
    assert.equal(v.id, 'ProfileR6903580_150A');
    assert.equal(data.id, 'ProfileR6903580_150A');
    assert.match(data.properties.title, /6903580_150/);
    assert.deepEqual(Object.keys(data.assets), ['R6903580_150.nc']);
    const asset = data.assets['R6903580_150.nc'];
    assert.ok(asset);
    assert.equal(asset.href, 'https://data-argo.ifremer.fr/dac/coriolis/6903580/profiles/R6903580_150.nc');
    assert.equal(asset.title, 'Profile file R6903580_150.nc');
    assert.equal(asset.created, '2026-11-28T00:00:00.000Z');
    assert.equal(v.event.time, '2026-11-28T00:00:00.000Z');
    assert.match(asset['file:checksum'], /^1620[0-9a-f]{64}$/);
    assert.notEqual(asset['file:checksum'], '162082588dfed0f96a375bc99071fd6bbb1f3c9aca978b5733c9f83ca5a4f6906235');
    assert.equal(check(v.event), asset.href);
  });

  it('moves to the next float after cycle 999, and keeps file names the Argo pattern accepts', () => {
    const v = variant(byName('coriolis-R6903580_147.json'), 900, new Date());
    assert.equal(v.id, 'ProfileR6903581_048A');
    assert.equal((v.event.data as { properties: { platform: string } }).properties.platform, '6903581');
    assert.equal(check(v.event), 'https://data-argo.ifremer.fr/dac/coriolis/6903581/profiles/R6903581_048.nc');
  });

  it('gives a float-level file the next float numbers', () => {
    const v = variant(byName('csiro-5906843_meta.json'), 7, new Date());
    assert.equal(v.id, 'Meta5906850');
    assert.equal(check(v.event), 'https://data-argo.ifremer.fr/dac/csiro/5906850/5906850_meta.nc');
  });

  it('gives a BUFR bulletin a later time, in the directory of its month', () => {
    const first = variant(byName('bufr-IOPX01_LFVX_091838.json'), 1, new Date());
    assert.equal(first.id, 'IOPX01_LFVX_091839');
    const later = variant(byName('bufr-IOPX01_LFVX_091838.json'), 35_000, new Date());
    // 35,000 minutes (24 days 7 h 20 min) after 9 November 18:38 is 4 December 01:58
    assert.equal(later.id, 'IOPX01_LFVX_040158');
    assert.equal(check(later.event), 'https://data-argo.ifremer.fr/etc/bufr/202612/IOPX01_LFVX_040158.BU');
  });

  it('yields distinct files for every variant of every sample', () => {
    const hrefs = new Set<string>();
    const ids = new Set<string>();
    for (const sample of samples) {
      for (const n of [1, 2, 3, 852, 853, 999, 1000, 39_999, 40_000, 40_001]) {
        const v = variant(sample, n, new Date());
        ids.add(v.id);
        for (const h of v.hrefs) hrefs.add(h);
      }
      for (const h of sample.hrefs) hrefs.add(h);
      ids.add(sample.id);
    }
    assert.equal(hrefs.size, samples.length * 11);
    assert.equal(ids.size, samples.length * 11);
  });
});

describe('wis2 simulate', function () {
  let broker: Broker;

  before(async function () {
    needMosquitto(this);
    broker = await startMosquitto();
  });

  after(async () => {
    // unset when the suite was skipped
    await (broker as Broker | undefined)?.stop();
  });

  it('publishes N events, each acknowledged; with --vary N distinct files, each a valid WNM', async () => {
    const sub = await subscriber(broker.url, DIFFUSION);
    try {
      const io = memoryIo();
      const code = await main(['simulate', '--url', broker.url, '--count', '23', '--vary'], io);
      assert.equal(code, 0, io.stderr.join('\n'));
      await sub.waitFor(23);
      assert.equal(sub.got.length, 23);

      const ids = new Set(sub.got.map((m) => eventOf(m).id));
      const hrefs = new Set(sub.got.map(hrefOf));
      assert.equal(ids.size, 23, 'distinct CloudEvent ids');
      assert.equal(hrefs.size, 23, 'distinct files');
      // the first pass is the sample files themselves, byte for byte
      const files = SAMPLE_FILES.map((n) => fs.readFileSync(path.join(SAMPLES_DIR, n)));
      assert.deepEqual(sub.got.slice(0, 5).map((m) => m.payload), files);

      const dataset = resolveDataset(ARGO);
      const wnmIds = new Set<string>();
      const dataIds = new Set<string>();
      for (const m of sub.got) {
        assert.equal(m.packet.qos, 1);
        assert.equal(m.topic, /\.BU$/.test(hrefOf(m)) ? 'diffusion/files/coriolis/argo/bufr' : 'diffusion/files/coriolis/argo/netcdf');
        const { notifications } = convertEvent({ payload: m.payload }, dataset);
        assert.equal(notifications.length, 1);
        const n = notifications[0];
        assert.ok(n);
        const report = validateWnm(JSON.stringify(n.message))['ets-report'];
        assert.equal(report.summary.FAILED, 0, JSON.stringify(report.tests.filter((t) => t.code === 'FAILED')));
        assert.deepEqual(wnmSchemaErrors(JSON.parse(JSON.stringify(n.message))), []);
        wnmIds.add(n.message.id);
        dataIds.add(n.dataId);
      }
      assert.equal(wnmIds.size, 23);
      assert.equal(dataIds.size, 23);

      const lines = io.stdout.slice(0, -1);
      assert.equal(lines.length, 23);
      for (const l of lines) assert.match(l, /^PUBLISHED diffusion\/files\/coriolis\/argo\/(netcdf|bufr) \S+ https:\/\/\S+$/);
      const summary = summaryOf(io.stdout);
      assert.equal(summary.published, 23);
      assert.equal(summary.failed, 0);
      assert.ok(summary.seconds > 0 && summary.rate > 0);
    } finally {
      await sub.client.endAsync();
    }
  });

  it('without --vary cycles through the same events (the same ids, as a replay would)', async () => {
    const sub = await subscriber(broker.url, DIFFUSION);
    try {
      const io = memoryIo();
      assert.equal(await main(['simulate', '--url', broker.url, '--count', '7', '--quiet'], io), 0, io.stderr.join('\n'));
      await sub.waitFor(7);
      assert.equal(sub.got.length, 7);
      const ids = sub.got.map((m) => eventOf(m).id);
      assert.equal(new Set(ids).size, 5);
      assert.deepEqual(ids.slice(5), ids.slice(0, 2));
      assert.equal(io.stdout.length, 1, '--quiet leaves the summary only');
      assert.deepEqual(summaryOf(io.stdout), { ...summaryOf(io.stdout), published: 7, failed: 0 });
    } finally {
      await sub.client.endAsync();
    }
  });

  it('keeps to --rate', async () => {
    const sub = await subscriber(broker.url, DIFFUSION);
    try {
      const io = memoryIo();
      const rate = 40;
      const count = 21;
      assert.equal(await main(['simulate', '--url', broker.url, '--count', String(count), '--rate', String(rate), '--vary', '--quiet'], io), 0);
      await sub.waitFor(count);
      assert.equal(sub.got.length, count);
      const span = ((sub.got.at(-1)?.at ?? 0) - (sub.got[0]?.at ?? 0)) / 1000;
      const expected = (count - 1) / rate;
      assert.ok(span >= expected * 0.85, `the events came within ${span} s, faster than ${rate}/s`);
      assert.ok(span <= expected + 1.5, `the events took ${span} s, expected about ${expected} s`);
      const summary = summaryOf(io.stdout);
      assert.ok(summary.seconds >= expected * 0.9);
      // N events over N - 1 intervals
      assert.ok(summary.rate <= ((rate * count) / (count - 1)) * 1.05, `reported rate ${summary.rate}`);
    } finally {
      await sub.client.endAsync();
    }
  });

  it('publishes one --events file on --topic with --qos 2; over MQTT 5 as a structured CloudEvent', async () => {
    const sub = await subscriber(broker.url, 'test/simulate/#', 5);
    try {
      const file = path.join(SAMPLES_DIR, 'bufr-IOPX01_LFVX_091838.json');
      const io = memoryIo();
      const args = ['simulate', '--url', broker.url, '--events', file, '--count', '3', '--vary', '--topic', 'test/simulate/events', '--qos', '2', '--mqtt-version', '5'];
      assert.equal(await main(args, io), 0, io.stderr.join('\n'));
      await sub.waitFor(3);
      assert.equal(sub.got.length, 3);
      for (const m of sub.got) {
        assert.equal(m.topic, 'test/simulate/events');
        assert.equal(m.packet.properties?.contentType, 'application/cloudevents+json; charset=utf-8');
      }
      assert.deepEqual(sub.got.map((m) => eventOf(m).id), ['IOPX01_LFVX_091838', 'IOPX01_LFVX_091839', 'IOPX01_LFVX_091840']);
    } finally {
      await sub.client.endAsync();
    }
  });

  it('counts as failed what the broker refuses (MQTT 5 PUBACK reason code), exit 1', async () => {
    const denying = await startMosquitto({
      // user root: started as root, Mosquitto would otherwise drop to a user that cannot read the ACL file
      config: `listener {{PORT}} 127.0.0.1\nallow_anonymous true\npersistence false\nacl_file {{DIR}}/acl\n${process.getuid?.() === 0 ? 'user root\n' : ''}`,
      files: { acl: 'topic readwrite elsewhere/#\n' },
    });
    try {
      const io = memoryIo();
      assert.equal(await main(['simulate', '--url', denying.url, '--count', '4', '--mqtt-version', '5'], io), 1);
      const summary = summaryOf(io.stdout);
      assert.equal(summary.published, 0);
      assert.equal(summary.failed, 4);
      assert.equal(io.stdout.filter((l) => l.startsWith('FAILED ')).length, 4);
    } finally {
      await denying.stop();
    }
  });

  it('takes credentials from the URL (percent-decoded) or from --username/--password; a refusal is final', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wis2-passwd-'));
    const passwd = path.join(dir, 'passwd');
    fs.writeFileSync(passwd, '');
    execFileSync(mosquittoTool('mosquitto_passwd'), ['-b', passwd, 'producer', 'p@ss:word']);
    const secured = await startMosquitto({
      config: `listener {{PORT}} 127.0.0.1\nallow_anonymous false\npersistence false\npassword_file {{DIR}}/passwd\n${process.getuid?.() === 0 ? 'user root\n' : ''}`,
      files: { passwd: fs.readFileSync(passwd, 'utf8') },
    });
    try {
      const inUrl = memoryIo();
      assert.equal(await main(['simulate', '--url', `mqtt://producer:${encodeURIComponent('p@ss:word')}@127.0.0.1:${secured.port}`, '--count', '2', '--quiet'], inUrl), 0, inUrl.stderr.join('\n'));
      const inOptions = memoryIo();
      assert.equal(await main(['simulate', '--url', secured.url, '--username', 'producer', '--password', 'p@ss:word', '--count', '2', '--quiet'], inOptions), 0);
      const refused = memoryIo();
      const started = Date.now();
      assert.equal(await main(['simulate', '--url', secured.url, '--username', 'producer', '--password', 'wrong', '--connect-timeout', '20'], refused), 1);
      assert.ok(Date.now() - started < 5000, 'no retrying with credentials the broker refused');
      const error = JSON.parse(refused.stderr[0] ?? '') as { error: { code: string; message: string } };
      assert.equal(error.error.code, 'mqtt.connect');
      assert.match(error.error.message, /refused/);
      assert.doesNotMatch(error.error.message, /wrong/);
    } finally {
      await secured.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops on a signal, still printing its summary (exit 1: not everything was sent)', async () => {
    const io = memoryIo();
    const running = main(['simulate', '--url', broker.url, '--count', '1000', '--rate', '20', '--quiet'], io);
    await new Promise((r) => setTimeout(r, 400));
    io.stop();
    assert.equal(await running, 1);
    const summary = summaryOf(io.stdout);
    assert.equal(summary.interrupted, true);
    assert.ok(summary.published > 0 && summary.published < 100, `published ${summary.published}`);
    assert.equal(summary.failed, 0);
    assert.equal(summary.unsent, 1000 - summary.published);
  });

  it('says so when the broker cannot be reached (exit 1, JSON error on stderr)', async () => {
    const io = memoryIo();
    const port = await freePort();
    assert.equal(await main(['simulate', '--url', `mqtt://127.0.0.1:${port}`, '--connect-timeout', '0.5'], io), 1);
    const error = JSON.parse(io.stderr[0] ?? '') as { error: { code: string; message: string } };
    assert.equal(error.error.code, 'mqtt.connect');
    assert.match(error.error.message, /ECONNREFUSED/);
    assert.equal(summaryOf(io.stdout).published, 0);
  });

  it('refuses bad usage with exit 64, unreadable events with 66, non-JSON events with 65', async () => {
    const url = broker.url;
    const cases: [string[], number][] = [
      [[], 64],
      [['--url', 'http://127.0.0.1:1883'], 64],
      [['--url', url, '--qos', '3'], 64],
      [['--url', url, '--rate', '0'], 64],
      [['--url', url, '--count', '0'], 64],
      [['--url', url, '--count', '1.5'], 64],
      [['--url', url, '--inflight', '0'], 64],
      [['--url', url, '--topic', 'diffusion/#'], 64],
      [['--url', url, '--mqtt-version', '6'], 64],
      [['--url', url, '--bogus'], 64],
      [['--url', url, 'extra'], 64],
      [['--url', url, '--events', '/nonexistent/events'], 66],
    ];
    for (const [args, expected] of cases) {
      const io = memoryIo();
      assert.equal(await main(['simulate', ...args], io), expected, `${args.join(' ')}: ${io.stderr.join('\n')}`);
      assert.equal(io.stdout.length, 0);
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wis2-simulate-'));
    fs.writeFileSync(path.join(dir, 'broken.json'), '{"id":');
    try {
      const io = memoryIo();
      assert.equal(await main(['simulate', '--url', url, '--events', dir], io), 65);
      assert.equal((JSON.parse(io.stderr[0] ?? '') as { error: { code: string } }).error.code, 'cli.not_json');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const help = memoryIo();
    assert.equal(await main(['simulate', '--help'], help), 0);
    assert.match(help.stdout.join('\n'), /--vary/);
  });

  it('runs as a program: exit 0 and a JSON summary on stdout', async () => {
    const sub = await subscriber(broker.url, DIFFUSION);
    try {
      const child = spawn(process.execPath, [CLI, 'simulate', '--url', broker.url, '--count', '12', '--vary', '--quiet'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
      assert.equal(status, 0, err);
      assert.deepEqual(Object.keys(JSON.parse(out.trim()) as object), ['published', 'failed', 'seconds', 'rate']);
      assert.equal((JSON.parse(out.trim()) as Summary).published, 12);
      await sub.waitFor(12);
      assert.equal(sub.got.length, 12);
    } finally {
      await sub.client.endAsync();
    }
  });
});

/**
 * A broker that accepts the connection and every PUBLISH but acknowledges none: what the
 * simulator counts, and how much it sends ahead, when acknowledgements never come.
 */
async function silentBroker(): Promise<{ url: string; publishes(): number; close(): Promise<void> }> {
  let publishes = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        // fixed header: type byte, then the remaining length as a variable byte integer
        let length = 0;
        let multiplier = 1;
        let at = 1;
        let complete = false;
        while (at < buffer.length && at <= 4) {
          const byte = buffer[at] ?? 0;
          length += (byte & 0x7f) * multiplier;
          multiplier *= 128;
          at++;
          if ((byte & 0x80) === 0) {
            complete = true;
            break;
          }
        }
        if (!complete || buffer.length < at + length) break;
        const type = buffer[0] >> 4;
        buffer = buffer.subarray(at + length);
        if (type === 1) socket.write(Buffer.from([0x20, 0x02, 0x00, 0x00]));
        else if (type === 3) publishes++;
        else if (type === 12) socket.write(Buffer.from([0xd0, 0x00]));
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as net.AddressInfo;
  return {
    url: `mqtt://127.0.0.1:${address.port}`,
    publishes: () => publishes,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => {
          resolve();
        });
      }),
  };
}

describe('wis2 simulate without acknowledgements', () => {
  it('counts nothing as published, keeps at most --inflight events in flight, gives up after --ack-timeout', async () => {
    const silent = await silentBroker();
    try {
      const io = memoryIo();
      const started = Date.now();
      const code = await main(['simulate', '--url', silent.url, '--count', '1000', '--vary', '--inflight', '10', '--ack-timeout', '0.5'], io);
      assert.equal(code, 1);
      assert.ok(Date.now() - started < 5000);
      assert.equal(silent.publishes(), 10, 'the window bounds what is sent ahead of acknowledgements');
      const summary = summaryOf(io.stdout);
      assert.equal(summary.published, 0);
      assert.equal(summary.failed, 10);
      assert.equal(summary.unsent, 990);
      assert.equal((JSON.parse(io.stderr.find((l) => l.includes('mqtt.ack_timeout')) ?? '{}') as { error?: { code: string } }).error?.code, 'mqtt.ack_timeout');
    } finally {
      await silent.close();
    }
  });
});
