import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { reconcile, type ReconcileEvent, type ReconcileOptions, type ReconcileReport } from '../../../nodes/lib/argo/reconcile';
import { Announcements } from '../../../nodes/lib/publish/announce';
import { convertEvent } from '../../../nodes/lib/publish/convert';
import { resolveDataset } from '../../../nodes/lib/dataset';
import { AnnouncementMemory, readMemorySnapshot } from '../../../nodes/lib/reliability/memory';
import { validateWnm, type WisNotification } from '../../../nodes/lib/wnm';
import { ARGO } from '../../helpers/fixtures';
import { makeGdac, serveFolder, type Gdac } from '../../helpers/gdac';
import { wnmSchemaErrors } from '../../helpers/official';

const dataset = resolveDataset(ARGO);
const GDAC_URL = 'https://data-argo.ifremer.fr/';

/** The Argo flow's work on a file event, in one process: conversion, WNM suite, memory. */
class Pipeline {
  readonly published: WisNotification[] = [];
  private readonly memory: AnnouncementMemory;
  readonly announcements: Announcements;

  constructor(readonly file: string) {
    this.memory = AnnouncementMemory.open({ file });
    this.announcements = new Announcements(this.memory);
  }

  accept(event: unknown): void {
    const { notifications } = convertEvent({ payload: event }, dataset, { decide: this.announcements.decide.bind(this.announcements) });
    for (const n of notifications) {
      const report = validateWnm(n.message);
      assert.equal(report['ets-report'].summary.FAILED, 0, JSON.stringify(report));
      assert.deepEqual(wnmSchemaErrors(n.message), []);
      this.published.push(n.message);
      this.announcements.confirm(n.dataId, n.fingerprint, n.operation);
    }
  }

  close(): void {
    this.memory.close();
  }
}

describe('reconciliation with the Argo GDAC index', function () {
  this.timeout(60_000);
  let gdac: Gdac;
  let state: string;
  let pipeline: Pipeline;
  const N = 10;
  const k = 3;

  beforeEach(() => {
    gdac = makeGdac(N);
    state = fs.mkdtempSync(path.join(os.tmpdir(), 'wis2-reconcile-'));
    pipeline = new Pipeline(path.join(state, 'memory.jsonl'));
  });
  afterEach(() => {
    pipeline.close();
    gdac.close();
    fs.rmSync(state, { recursive: true, force: true });
  });

  function options(extra: Partial<ReconcileOptions> = {}): ReconcileOptions {
    return {
      index: gdac.indexPath,
      dataset,
      gdacUrl: GDAC_URL,
      mirror: gdac.root,
      known: (id) => pipeline.announcements.peek(id),
      progressFile: path.join(state, 'progress.json'),
      rate: 1000,
      since: new Date('2026-11-29T00:00:00Z'),
      until: new Date('2026-12-01T00:00:00Z'),
      ...extra,
    };
  }

  async function run(extra: Partial<ReconcileOptions> = {}, onEvent?: (e: ReconcileEvent) => void): Promise<{ events: ReconcileEvent[]; report: ReconcileReport }> {
    const events: ReconcileEvent[] = [];
    const report = await reconcile(options(extra), (e) => {
      events.push(e);
      pipeline.accept(e.event);
      onEvent?.(e);
    });
    return { events, report };
  }

  /** The first k files announced the way the diffusion system would have: by the pipeline, from their events. */
  async function announceFirst(count: number): Promise<void> {
    const first = await run({ until: new Date(Date.UTC(2026, 10, 30, 0, count, 0)), progressFile: path.join(state, 'other.json') });
    assert.equal(first.events.length, count);
    pipeline.published.length = 0;
  }

  for (const where of ['a local folder', 'a local HTTP server'] as const) {
    it(`from ${where}: N files of which k announced give N-k valid announcements, and a second run none`, async () => {
      const server = where === 'a local HTTP server' ? await serveFolder(gdac.root) : undefined;
      try {
        const extra: Partial<ReconcileOptions> = server ? { index: `${server.url}ar_index_global_prof.txt`, mirror: server.url } : {};
        await announceFirst(k);
        const { events, report } = await run(extra);
        assert.equal(events.length, N - k);
        assert.ok(events.every((e) => e.reason === 'missing'));
        assert.equal(pipeline.published.length, N - k);
        assert.deepEqual(pipeline.published.map((m) => m.links[0]?.rel), Array<string>(N - k).fill('canonical'));
        assert.deepEqual(
          pipeline.published.map((m) => m.links[0]?.href),
          gdac.files.slice(k).map((f) => `${GDAC_URL}dac/${f.file}`),
        );
        assert.equal(report.present, k);
        assert.equal(report.missing, N - k);
        assert.equal(report.index.inWindow, N);
        // the checksum is the file's own: sha512 of its bytes
        const bytes = fs.readFileSync(path.join(gdac.root, 'dac', gdac.files[k]?.file ?? ''));
        const { createHash } = await import('node:crypto');
        assert.deepEqual(pipeline.published[0]?.properties.integrity, { method: 'sha512', value: createHash('sha512').update(bytes).digest('base64') });
        assert.equal(pipeline.published[0]?.links[0]?.length, bytes.length);
        if (server) assert.ok(server.requests.includes(`/dac/${gdac.files[k]?.file ?? ''}`));

        pipeline.published.length = 0;
        const second = await run(extra);
        assert.equal(second.events.length, 0);
        assert.equal(second.report.present, N);
        assert.equal(pipeline.published.length, 0);
      } finally {
        await server?.close();
      }
    });
  }

  it('stopped in the middle, resumes with the remainder and announces nothing twice', async () => {
    await announceFirst(k);
    const stop = new AbortController();
    let handed = 0;
    await assert.rejects(
      run({ signal: stop.signal }, () => {
        if (++handed === 4) stop.abort(new Error('stopped'));
      }),
      /stopped/,
    );
    assert.equal(pipeline.published.length, 4);
    const rest = await run();
    assert.equal(rest.report.resumedAfterLine > 0, true);
    assert.equal(rest.events.length, N - k - 4);
    const ids = pipeline.published.map((m) => m.properties.data_id);
    assert.equal(ids.length, N - k);
    assert.equal(new Set(ids).size, N - k);
  });

  it('a kill after an event left before its progress was written: the memory knows it, so it is not sent again', async () => {
    await announceFirst(k);
    const progress = path.join(state, 'progress.json');
    const stop = new AbortController();
    let handed = 0;
    let before = '';
    await assert.rejects(
      run({ signal: stop.signal }, () => {
        if (++handed === 4) {
          // progress says the 3rd is done; the 4th is on its way
          before = fs.readFileSync(progress, 'utf8');
          stop.abort(new Error('killed'));
        }
      }),
      /killed/,
    );
    // as if the process died between sending the 4th event and writing it down
    fs.writeFileSync(progress, before);
    const rest = await run();
    assert.equal(rest.report.present, 1);
    assert.equal(rest.events.length, N - k - 4);
    assert.equal(pipeline.published.length, N - k);
    assert.equal(new Set(pipeline.published.map((m) => m.properties.data_id)).size, N - k);
  });

  it('a changed file goes out as update', async () => {
    await run();
    pipeline.published.length = 0;
    const f = gdac.files[5];
    assert.ok(f);
    gdac.writeFile(f, 'reprocessed bytes\n');
    f.dateUpdate = '20261130120000';
    gdac.writeIndex();
    const { events } = await run();
    assert.deepEqual(events.map((e) => [e.reason, e.file]), [['changed', f.file]]);
    assert.equal(pipeline.published.length, 1);
    assert.equal(pipeline.published[0]?.links[0]?.rel, 'update');
  });

  it('a real-time file replaced by its delayed-mode file: the D file announced, the R file deleted once', async () => {
    await run();
    pipeline.published.length = 0;
    const r = gdac.files[2];
    assert.ok(r);
    const d = { ...r, file: r.file.replace('/R', '/D'), dateUpdate: '20261130180000' };
    gdac.remove(r);
    gdac.files.push(d);
    gdac.writeFile(d);
    gdac.writeIndex();
    const { events, report } = await run();
    assert.deepEqual(events.map((e) => [e.reason, e.file]), [['missing', d.file], ['vanished', r.file]]);
    assert.deepEqual(pipeline.published.map((m) => [m.links[0]?.rel, m.links[0]?.href]), [
      ['canonical', `${GDAC_URL}dac/${d.file}`],
      ['deletion', `${GDAC_URL}dac/${r.file}`],
    ]);
    assert.equal(report.vanished, 1);
    pipeline.published.length = 0;
    const again = await run();
    assert.equal(again.events.length, 0);
    // an R file never announced by us is not deleted
    const other = gdac.files[3];
    assert.ok(other);
    const fresh = new Pipeline(path.join(state, 'fresh.jsonl'));
    try {
      const d2 = { ...other, file: other.file.replace('/R', '/D'), dateUpdate: '20261130190000' };
      gdac.remove(other);
      gdac.files.push(d2);
      gdac.writeFile(d2);
      gdac.writeIndex();
      const events2: ReconcileEvent[] = [];
      await reconcile(options({ known: (id) => fresh.announcements.peek(id), progressFile: path.join(state, 'p2.json') }), (e) => {
        events2.push(e);
      });
      assert.equal(events2.filter((e) => e.reason === 'vanished').length, 0);
    } finally {
      fresh.close();
    }
  });

  it('unreadable files and bad index lines are reported, never announced', async () => {
    const gone = gdac.files[1];
    assert.ok(gone);
    fs.rmSync(path.join(gdac.root, 'dac', gone.file));
    gdac.writeIndex(['coriolis/../../etc/passwd,20261130000000,1,1,A,846,IF,20261130000000', 'https://other.gdac/dac/x/1/R1_001.nc,,,,,,,20261130000000']);
    const { events, report } = await run();
    assert.equal(events.length, N - 1);
    assert.deepEqual(report.unavailable.map((u) => u.file), [gone.file]);
    assert.deepEqual(report.index.badLines.map((b) => b.code), ['index.dot_segment', 'index.foreign_host']);
  });

  it('reads a memory file another process holds open, as the memory itself would replay it', async () => {
    const file = path.join(state, 'held.jsonl');
    const memory = AnnouncementMemory.open({ file });
    try {
      memory.set('a', 'sha512:AAAA');
      memory.set('b', 'sha512:BBBB');
      memory.set('a', 'sha512:CCCC');
      memory.delete('b');
      fs.appendFileSync(file, '["s","torn');
      assert.deepEqual([...(await readMemorySnapshot(file))], [['a', 'sha512:CCCC']]);
    } finally {
      memory.close();
    }
  });

  it('is throttled to the given rate', async () => {
    const started = performance.now();
    const { events } = await run({ rate: 20 });
    const elapsed = performance.now() - started;
    assert.equal(events.length, N);
    // a lower bound only: a loaded machine can be slower, never faster than the pacing
    assert.ok(elapsed >= ((N - 1) / 20) * 1000 - 20, `${String(elapsed)} ms`);
  });
});
