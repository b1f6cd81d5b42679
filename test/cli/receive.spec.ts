import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { main } from '../../bin/wis2';
import { memoryIo } from '../../bin/cli/io';
import { IdMemory, checkNotification, type Verdict } from '../../bin/commands/receive';
import { SAMPLES_DIR } from '../../bin/cli/samples';
import { ARGO, ARGO_TOPIC } from '../helpers/fixtures';
import { freePort, needMosquitto, startMosquitto, type Broker } from '../helpers/mosquitto';
import { repoRoot } from '../helpers/reference';

const CLI = path.join(repoRoot, 'dist', 'bin', 'wis2.js');
const ARGO_ARGS = ['--centre-id', ARGO.centreId, '--topic', ARGO.topic, '--metadata-id', ARGO.metadataId, '--base-url', 'https://data-argo.ifremer.fr/', '--path-pattern', 'argo'];
const SWAPPED_TOPIC = ARGO_TOPIC.replace('/data/core/', '/core/data/');
const FOREIGN_TOPIC = ARGO_TOPIC.replace('fr-ifremer-argo', 'au-imos');

interface Summary {
  received: number;
  valid: number;
  invalid: number;
  duplicates: number;
  seconds: number;
  stopped?: string;
}

/** A notification as the pipeline makes it: the "wis2 wnm build" path over a sample event. */
async function buildWnm(sample: string): Promise<Record<string, unknown> & { id: string; properties: Record<string, unknown> }> {
  const io = memoryIo();
  assert.equal(await main(['wnm', 'build', path.join(SAMPLES_DIR, sample), ...ARGO_ARGS], io), 0, io.stderr.join('\n'));
  return JSON.parse(io.stdout[0] ?? '') as Record<string, unknown> & { id: string; properties: Record<string, unknown> };
}

function withNewId<T extends { id: string }>(wnm: T, id: string): T {
  return { ...wnm, id };
}

function summaryOf(stdout: string[]): Summary {
  return JSON.parse(stdout.at(-1) ?? '') as Summary;
}

async function until(condition: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Starts `wis2 receive` in-process and waits for its subscription. */
async function receiving(args: string[]): Promise<{ io: ReturnType<typeof memoryIo>; done: Promise<number> }> {
  const io = memoryIo();
  const done = main(['receive', ...args], io);
  let settled = false;
  void done.finally(() => (settled = true));
  await until(() => settled || io.stderr.some((l) => l.startsWith('{"subscribed"')));
  return { io, done };
}

describe('wis2 receive: checks', () => {
  it('a Global Broker remembers ids for a while, then forgets them, and bounds their number', () => {
    const memory = new IdMemory(100, 3);
    assert.equal(memory.repeated('a', 0), false);
    assert.equal(memory.repeated('a', 50), true);
    assert.equal(memory.repeated('a', 150), false, 'forgotten after the window');
    for (const id of ['b', 'c', 'd']) memory.repeated(id, 160);
    assert.equal(memory.repeated('a', 170), false, 'the oldest go first when the memory is full');
  });

  it('tells valid from invalid without a broker', async () => {
    const wnm = Buffer.from(JSON.stringify(await buildWnm('coriolis-R6903580_147.json')));
    const ok: Verdict = checkNotification(ARGO_TOPIC, wnm);
    assert.equal(ok.status, 'valid', ok.reasons.join('\n'));
    assert.deepEqual(ok.reasons, []);
    const foreign = checkNotification(FOREIGN_TOPIC, wnm, { centreId: 'fr-ifremer-argo' });
    assert.equal(foreign.status, 'invalid');
    assert.match(foreign.reasons.join('\n'), /^centre: /m);
    assert.match(foreign.warnings.join('\n'), /^metadata_id: names centre "fr-ifremer-argo"/m);
    const notJson = checkNotification(ARGO_TOPIC, Buffer.from('not json'));
    assert.equal(notJson.status, 'invalid');
    assert.equal(notJson.id, undefined);
    const tooBig = checkNotification(ARGO_TOPIC, Buffer.from(JSON.stringify({ ...JSON.parse(wnm.toString()) as object, padding: 'x'.repeat(9000) })));
    assert.match(tooBig.reasons.join('\n'), /^message_size: /m);
    assert.equal(checkNotification(ARGO_TOPIC, wnm, { retained: true }).status, 'valid');
    assert.match(checkNotification(ARGO_TOPIC, wnm, { retained: true }).warnings.join('\n'), /^retain: /m);
  });
});

describe('wis2 receive', function () {
  let broker: Broker;
  let publisher: MqttClient;

  before(async function () {
    needMosquitto(this);
    broker = await startMosquitto();
    publisher = await mqtt.connectAsync(broker.url, { clientId: `spec-pub-${process.pid}` });
  });

  after(async () => {
    // unset when the suite was skipped
    await (publisher as MqttClient | undefined)?.endAsync();
    await (broker as Broker | undefined)?.stop();
  });

  const publish = async (topic: string, message: unknown, retain = false): Promise<void> => {
    await publisher.publishAsync(topic, typeof message === 'string' ? message : JSON.stringify(message), { qos: 1, retain });
  };

  it('counts valid, invalid and duplicate notifications as a Global Broker would (exit 1: some invalid)', async () => {
    const { io, done } = await receiving(['--url', broker.url, '--count', '4']);
    const first = await buildWnm('coriolis-R6903580_147.json');
    const second = await buildWnm('aoml-D4903512_089.json');
    const broken: Record<string, unknown> = withNewId(first, '0b5f4d43-4c51-4c5e-9d1f-6b1d4c1c9a01');
    delete broken.links;
    await publish(ARGO_TOPIC, first);
    await publish(ARGO_TOPIC, first); // the same id again: dropped
    await publish(ARGO_TOPIC, broken);
    await publish(SWAPPED_TOPIC, withNewId(first, '7d0c9b7e-2f44-4a43-8c8b-6f0b0c6f3d12'));
    await publish(ARGO_TOPIC, second);
    assert.equal(await done, 1);

    const lines = io.stdout.slice(0, -1);
    assert.equal(lines.length, 5);
    assert.equal(lines[0], `VALID ${ARGO_TOPIC} ${first.id} ${String(first.properties.data_id)}`);
    assert.equal(lines[1], `DUPLICATE ${ARGO_TOPIC} ${first.id} ${String(first.properties.data_id)}`);
    assert.match(lines[2] ?? '', new RegExp(`^INVALID ${ARGO_TOPIC} 0b5f4d43-4c51-4c5e-9d1f-6b1d4c1c9a01 .*links`));
    assert.match(lines[3] ?? '', new RegExp(`^INVALID ${SWAPPED_TOPIC} 7d0c9b7e-2f44-4a43-8c8b-6f0b0c6f3d12 topic: `));
    assert.equal(lines[4], `VALID ${ARGO_TOPIC} ${second.id} ${String(second.properties.data_id)}`);
    const summary = summaryOf(io.stdout);
    assert.deepEqual({ ...summary, seconds: 0 }, { received: 5, valid: 2, invalid: 2, duplicates: 1, seconds: 0, stopped: 'count' });
    assert.ok(summary.seconds > 0);
  });

  it('exits 0 when --count notifications came and all were valid: every sample, as the pipeline announces it', async () => {
    const samples = fs.readdirSync(SAMPLES_DIR).filter((n) => n.endsWith('.json'));
    const { io, done } = await receiving(['--url', broker.url, '--count', String(samples.length), '--centre-id', 'fr-ifremer-argo', '--quiet']);
    for (const sample of samples) await publish(ARGO_TOPIC, await buildWnm(sample));
    assert.equal(await done, 0, io.stdout.join('\n'));
    assert.equal(io.stdout.length, 1, '--quiet leaves the summary only');
    assert.deepEqual({ ...summaryOf(io.stdout), seconds: 0 }, { received: samples.length, valid: samples.length, invalid: 0, duplicates: 0, seconds: 0, stopped: 'count' });
  });

  it('prints one JSON object per message with --json, with reasons and warnings', async () => {
    const { io, done } = await receiving(['--url', broker.url, '--count', '2', '--json', '--centre-id', 'fr-ifremer-argo']);
    const wnm = await buildWnm('csiro-5906843_meta.json');
    await publish(ARGO_TOPIC, wnm);
    await publish(FOREIGN_TOPIC, withNewId(wnm, 'c1f0e2d3-9a8b-4c7d-8e6f-5a4b3c2d1e0f'));
    assert.equal(await done, 1);
    const [valid, foreign] = io.stdout.slice(0, -1).map((l) => JSON.parse(l) as Verdict);
    assert.deepEqual(valid, { status: 'valid', topic: ARGO_TOPIC, id: wnm.id, data_id: wnm.properties.data_id, reasons: [], warnings: [] });
    assert.ok(foreign);
    assert.equal(foreign.status, 'invalid');
    assert.equal(foreign.topic, FOREIGN_TOPIC);
    assert.match(foreign.reasons.join('\n'), /^centre: the topic belongs to centre "au-imos", not to "fr-ifremer-argo"/m);
    assert.match(foreign.warnings.join('\n'), /^metadata_id: /m);
  });

  it('flags a retained notification (WIS2 publishes with retain false) without dropping it', async () => {
    const topic = ARGO_TOPIC;
    const wnm = withNewId(await buildWnm('bufr-IOPX01_LFVX_091838.json'), '5e0d8c1b-7a6f-4e3d-9c2b-1a0f9e8d7c6b');
    await publish(topic, wnm, true);
    try {
      const { io, done } = await receiving(['--url', broker.url, '--count', '1', '--json']);
      assert.equal(await done, 0);
      const verdict = JSON.parse(io.stdout[0] ?? '') as Verdict;
      assert.equal(verdict.status, 'valid');
      assert.match(verdict.warnings.join('\n'), /^retain: /m);
    } finally {
      await publish(topic, '', true);
    }
  });

  it('stops at --timeout: exit 0 without --count when nothing was invalid, exit 1 when --count was not reached', async () => {
    const quiet = memoryIo();
    assert.equal(await main(['receive', '--url', broker.url, '--timeout', '0.3'], quiet), 0);
    assert.deepEqual({ ...summaryOf(quiet.stdout), seconds: 0 }, { received: 0, valid: 0, invalid: 0, duplicates: 0, seconds: 0, stopped: 'timeout' });
    assert.ok(summaryOf(quiet.stdout).seconds >= 0.3);
    const short = memoryIo();
    assert.equal(await main(['receive', '--url', broker.url, '--timeout', '0.3', '--count', '1'], short), 1);
    assert.equal(summaryOf(short.stdout).stopped, 'timeout');
  });

  it('stops on a signal and still prints its summary', async () => {
    const { io, done } = await receiving(['--url', broker.url, '--topic', 'origin/a/wis2/fr-ifremer-argo/#']);
    await publish(ARGO_TOPIC, await buildWnm('coriolis-BR6904187_052.json'));
    await until(() => io.stdout.length === 1);
    io.stop();
    assert.equal(await done, 0);
    assert.deepEqual({ ...summaryOf(io.stdout), seconds: 0 }, { received: 1, valid: 1, invalid: 0, duplicates: 0, seconds: 0, stopped: 'signal' });
  });

  it('refuses bad usage with exit 64 and an unreachable broker with exit 1', async () => {
    const cases: string[][] = [
      [],
      ['--url', 'http://127.0.0.1:1883'],
      ['--url', broker.url, '--count', '0'],
      ['--url', broker.url, '--timeout', 'soon'],
      ['--url', broker.url, '--topic', 'origin/#/wis2'],
      ['--url', broker.url, '--centre-id', 'Ifremer'],
      ['--url', broker.url, '--bogus'],
    ];
    for (const args of cases) {
      const io = memoryIo();
      assert.equal(await main(['receive', ...args], io), 64, args.join(' '));
      assert.equal(io.stdout.length, 0);
    }
    const io = memoryIo();
    assert.equal(await main(['receive', '--url', `mqtt://127.0.0.1:${await freePort()}`, '--connect-timeout', '0.3'], io), 1);
    assert.equal((JSON.parse(io.stderr.at(-1) ?? '') as { error: { code: string } }).error.code, 'mqtt.connect');
  });

  it('runs as a program: lines on stdout, and the summary after SIGTERM', async () => {
    const child = spawn(process.execPath, [CLI, 'receive', '--url', broker.url, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    await until(() => err.includes('"subscribed"'));
    const wnm = withNewId(await buildWnm('coriolis-R6903580_147.json'), '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d');
    await publish(ARGO_TOPIC, wnm);
    await until(() => out.includes('\n'));
    child.kill('SIGTERM');
    assert.equal(await closed, 0, err);
    const [line, summary] = out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(line);
    assert.equal(line.status, 'valid');
    assert.equal(line.id, wnm.id);
    assert.deepEqual({ ...summary, seconds: 0 }, { received: 1, valid: 1, invalid: 0, duplicates: 0, seconds: 0, stopped: 'signal' });
  });
});
