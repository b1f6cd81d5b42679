import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { memoryIo } from '../../bin/cli/io';
import { main } from '../../bin/wis2';
import { Announcements } from '../../nodes/lib/publish/announce';
import { convertEvent } from '../../nodes/lib/publish/convert';
import { resolveDataset } from '../../nodes/lib/dataset';
import { AnnouncementMemory } from '../../nodes/lib/reliability/memory';
import { PublishedLog } from '../../nodes/lib/reliability/published-log';
import { ARGO, ARGO_TOPIC } from '../helpers/fixtures';
import { makeGdac, serveFolder, type Gdac } from '../helpers/gdac';
import { needMosquitto, startMosquitto, type Broker } from '../helpers/mosquitto';
import { wnmSchemaErrors } from '../helpers/official';
import { repoRoot } from '../helpers/reference';

const CLI = path.join(repoRoot, 'dist', 'bin', 'wis2.js');
const WINDOW = ['--since', '2026-11-29T00:00:00Z', '--until', '2026-12-01T00:00:00Z'];
const EVENT_TOPIC = 'diffusion/files/coriolis/argo/netcdf';

interface Received {
  topic: string;
  payload: Record<string, unknown>;
  at: number;
}

async function subscribe(url: string, filter: string): Promise<{ client: MqttClient; got: Received[] }> {
  const client = mqtt.connect(url, { clean: true, clientId: `wis2-test-${String(process.pid)}-${String(Math.random()).slice(2, 8)}` });
  const got: Received[] = [];
  client.on('message', (topic, payload) => got.push({ topic, payload: JSON.parse(payload.toString('utf8')) as Record<string, unknown>, at: performance.now() }));
  await new Promise<void>((resolve, reject) => client.on('connect', () => client.subscribe(filter, { qos: 1 }, (e) => {
    if (e) reject(e);
    else resolve();
  })));
  return { client, got };
}

async function until(condition: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface OutLine {
  event?: Record<string, unknown>;
  summary?: Record<string, unknown>;
}

function lines(stdout: string[]): OutLine[] {
  return stdout.map((l) => JSON.parse(l) as OutLine);
}

describe('wis2 reconcile and wis2 replay', function () {
  this.timeout(120_000);
  let gdac: Gdac;
  let state: string;
  let broker: Broker | undefined;
  const N = 12;
  const k = 4;

  before(async function () {
    needMosquitto(this);
    broker = await startMosquitto();
  });
  after(async () => {
    await broker?.stop();
  });
  beforeEach(() => {
    gdac = makeGdac(N);
    state = fs.mkdtempSync(path.join(os.tmpdir(), 'wis2-reconcile-cli-'));
  });
  afterEach(() => {
    gdac.close();
    fs.rmSync(state, { recursive: true, force: true });
  });

  /** A memory file in which the pipeline announced the first `count` files, from the events of a real run. */
  async function memoryWithFirst(count: number): Promise<string> {
    const file = path.join(state, 'memory.jsonl');
    const memory = AnnouncementMemory.open({ file });
    const announcements = new Announcements(memory);
    const dataset = resolveDataset(ARGO);
    try {
      const sent = await realEvents(count);
      for (const event of sent) {
        for (const n of convertEvent({ payload: event }, dataset, { decide: announcements.decide.bind(announcements) }).notifications) {
          announcements.confirm(n.dataId, n.fingerprint, n.operation);
        }
      }
    } finally {
      memory.close();
    }
    return file;
  }

  async function realEvents(count: number): Promise<Record<string, unknown>[]> {
    const url = broker?.url ?? '';
    const sub = await subscribe(url, EVENT_TOPIC);
    try {
      const io = memoryIo();
      const untilFirst = new Date(Date.UTC(2026, 10, 30, 0, count, 0)).toISOString();
      assert.equal(await main(['reconcile', '--index', gdac.indexPath, '--mirror', gdac.root, '--url', url, '--rate', '1000', '--since', '2026-11-29T00:00:00Z', '--until', untilFirst], io), 0, io.stderr.join('\n'));
      await until(() => sub.got.length >= count);
      return sub.got.map((g) => g.payload);
    } finally {
      sub.client.end(true);
    }
  }

  it('--dry-run prints what would be sent and why, as JSON lines and a summary, and publishes nothing', async () => {
    const memory = await memoryWithFirst(k);
    const io = memoryIo();
    const server = await serveFolder(gdac.root);
    try {
      const code = await main(['reconcile', '--index', `${server.url}ar_index_global_prof.txt`, '--mirror', server.url, '--memory', memory, '--dry-run', '--rate', '1000', ...WINDOW], io);
      assert.equal(code, 0, io.stderr.join('\n'));
    } finally {
      await server.close();
    }
    const out = lines(io.stdout);
    const events = out.flatMap((l) => (l.event ? [l.event] : []));
    assert.equal(events.length, N - k);
    assert.ok(events.every((e) => e.reason === 'missing' && typeof e.data_id === 'string'));
    const summary = out.at(-1)?.summary;
    assert.deepEqual({ present: summary?.present, missing: summary?.missing, dry: summary?.dry_run }, { present: k, missing: N - k, dry: true });
  });

  it('publishes N-k file events the pipeline accepts; killed in the middle, a restart sends the remainder', async () => {
    const memory = await memoryWithFirst(k);
    const url = broker?.url ?? '';
    const sub = await subscribe(url, EVENT_TOPIC);
    const progress = path.join(state, 'progress.json');
    const args = [CLI, 'reconcile', '--index', gdac.indexPath, '--mirror', gdac.root, '--memory', memory, '--state', progress, '--url', url, '--rate', '10', ...WINDOW];
    try {
      const first = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      await until(() => sub.got.length >= 3);
      first.kill('SIGKILL');
      await new Promise((r) => first.once('exit', r));
      const before = sub.got.length;
      assert.ok(before < N - k, `the kill came after ${String(before)} events`);
      const second = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      second.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
      const code = await new Promise<number | null>((r) => second.once('exit', r));
      assert.equal(code, 0, out);
      await until(() => new Set(sub.got.map((g) => g.payload.id)).size >= N - k);
      const ids = sub.got.map((g) => String(g.payload.id));
      assert.equal(new Set(ids).size, N - k);
      // a kill between an event's acknowledgement and its progress line can repeat that one
      // event, with the same id, which the pipeline's memory drops; nothing else repeats
      assert.ok(ids.length - (N - k) <= 1, `${String(ids.length)} events for ${String(N - k)} files`);
      const summary = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as { summary: { resumed_after_line: number } };
      assert.ok(summary.summary.resumed_after_line > 0);
      const dataset = resolveDataset(ARGO);
      for (const g of sub.got) {
        const { notifications } = convertEvent({ payload: g.payload }, dataset);
        assert.equal(notifications.length, 1);
        assert.deepEqual(wnmSchemaErrors(notifications[0]?.message), []);
      }
    } finally {
      sub.client.end(true);
    }
  });

  it('wis2 replay republishes the window with new ids, throttled to the rate', async () => {
    const dir = path.join(state, 'published');
    let clock = new Date('2026-12-01T10:00:00Z');
    const log = new PublishedLog(dir, 7, () => clock);
    const originals: Record<string, unknown>[] = [];
    const events = await realEvents(5);
    const dataset = resolveDataset(ARGO);
    for (const [i, event] of events.entries()) {
      const n = convertEvent({ payload: event }, dataset).notifications[0];
      assert.ok(n);
      clock = new Date(Date.UTC(2026, 11, 1, 10, i * 10));
      // the lines of a release from before `message` (a JSON string) beside today's
      log.append(ARGO_TOPIC, Buffer.from(JSON.stringify(n.message)), i % 2 === 0);
      originals.push(n.message);
    }
    log.close();
    const kept = fs.readFileSync(path.join(dir, '2026-12-01.jsonl'), 'utf8');
    assert.equal(kept.match(/"message":\{/g)?.length, 3);
    assert.equal(kept.match(/"payload":"\{/g)?.length, 2);
    const url = broker?.url ?? '';
    const sub = await subscribe(url, 'origin/a/wis2/#');
    try {
      const io = memoryIo();
      // 10:10 to 10:40: the records of 10:10, 10:20 and 10:30
      const code = await main(['replay', '--published', dir, '--since', '2026-12-01T10:10:00Z', '--until', '2026-12-01T10:40:00Z', '--url', url, '--rate', '4'], io);
      assert.equal(code, 0, io.stderr.join('\n'));
      await until(() => sub.got.length >= 3);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(sub.got.length, 3);
      for (const [i, g] of sub.got.entries()) {
        const was = originals[i + 1] as { id: string; properties: Record<string, unknown>; links: unknown };
        assert.equal(g.topic, ARGO_TOPIC);
        assert.notEqual(g.payload.id, was.id);
        assert.deepEqual((g.payload.properties as Record<string, unknown>).data_id, was.properties.data_id);
        assert.deepEqual(g.payload.links, was.links);
        assert.deepEqual(wnmSchemaErrors(g.payload), []);
      }
      assert.equal(new Set(sub.got.map((g) => g.payload.id)).size, 3);
      const spread = (sub.got.at(-1)?.at ?? 0) - (sub.got[0]?.at ?? 0);
      // 4 per second: the third is at least 0.5 s after the first (a lower bound: load only slows it)
      assert.ok(spread >= 450, `${String(spread)} ms`);
      const out = lines(io.stdout);
      assert.deepEqual(out.at(-1), { summary: { dry_run: false, replayed: 3, skipped: 0 } });
    } finally {
      sub.client.end(true);
    }
  });
});
