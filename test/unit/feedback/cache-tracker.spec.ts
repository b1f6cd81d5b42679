import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { CacheTracker } from '../../../nodes/lib/feedback/cache-tracker';
import { ourNotification } from '../../helpers/notifications';
import { cleanup, tempDir } from '../reliability/helpers';

const TOPIC = 'origin/a/wis2/fr-ifremer-argo/data/core/ocean/surface-based-observations/drifting-ocean-profilers';

function cached(ours: Record<string, unknown>, cache: string, delaySeconds: number): Buffer {
  const props = ours.properties as { pubtime: string };
  const pubtime = new Date(Date.parse(props.pubtime) + delaySeconds * 1000).toISOString();
  return Buffer.from(JSON.stringify({ ...ours, id: `${cache}-${String(ours.id)}`, properties: { ...props, pubtime, 'global-cache': cache } }));
}

describe('cache tracker memory', () => {
  let clock = 1_700_000_000_000;
  const now = (): number => clock;
  let open: CacheTracker[] = [];
  const openTracker = (file: string, maxEntries?: number): CacheTracker => {
    const t = CacheTracker.open({ file, windowMs: 60_000, now, ...(maxEntries === undefined ? {} : { maxEntries }) });
    open.push(t);
    return t;
  };
  afterEach(() => {
    for (const t of open) t.close();
    open = [];
    cleanup();
  });

  it('is bounded: beyond maxEntries the oldest files are forgotten, and so are their ids', () => {
    const file = path.join(tempDir(), 'tracker.jsonl');
    const t = openTracker(file, 3);
    const ours = [0, 1, 2, 3, 4].map((i) => ourNotification(`c/f${i}.nc`, `2026-12-03T01:00:0${i}Z`));
    for (const n of ours) assert.equal(t.publishedNotification(n, TOPIC), true);
    assert.equal(t.byId(String(ours[0]?.id)), undefined);
    assert.equal(t.byId(String(ours[1]?.id)), undefined);
    assert.deepEqual(t.byId(String(ours[4]?.id)), { dataId: 'c/f4.nc' });
    assert.equal(t.pending(), 3);
    const outcome = t.cacheNotification(cached(ours[0] ?? {}, 'gc-one', 1));
    assert.equal(outcome.kind, 'unmatched', 'a forgotten file is not ours any more');
  });

  it('resumes after a reopen, even after a torn last line: waits, arrivals, missed once', () => {
    const file = path.join(tempDir(), 'tracker.jsonl');
    let t = openTracker(file);
    const ours = [0, 1, 2].map((i) => ourNotification(`c/g${i}.nc`, `2026-12-03T01:00:0${i}Z`));
    for (const n of ours) t.publishedNotification(n, TOPIC);
    const first = t.cacheNotification(cached(ours[0] ?? {}, 'gc-one', 0.5));
    assert.equal(first.kind === 'arrival' ? first.arrival.delay : NaN, 0.5);
    // the same notification again (from a Global Broker too) does not restart the wait
    assert.equal(t.publishedNotification(ours[1], TOPIC), false);
    t.close();
    open = open.filter((x) => x !== t);
    fs.appendFileSync(file, '["s","c/torn');
    t = openTracker(file);
    assert.match(t.recoveryWarnings.join('\n'), /torn last line/);
    assert.equal(t.pending(), 2);
    assert.equal(t.cacheNotification(cached(ours[0] ?? {}, 'gc-one', 0.5)).kind, 'repeated');
    assert.equal(t.cacheNotification(cached(ours[1] ?? {}, 'gc-two', 2)).kind, 'arrival');
    assert.deepEqual(t.sweep(), [], 'within the window');
    clock += 60_000;
    assert.deepEqual(t.sweep().map((m) => m.dataId), ['c/g2.nc']);
    assert.deepEqual(t.sweep(), [], 'reported once');
    t.close();
    open = open.filter((x) => x !== t);
    t = openTracker(file);
    assert.deepEqual(t.sweep(), [], 'still reported once after a reopen');
    assert.equal(t.get('c/g2.nc')?.missed, true);
    assert.deepEqual(t.byDataId('c/g1.nc'), { id: ours[1]?.id });
  });
});
