import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { CacheTracker, OwnNotifications } from '../../../nodes/lib/feedback/cache-tracker';
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

  it('follows the files its store forgets one by one, decoding no stored record, whatever their ids', () => {
    const file = path.join(tempDir(), 'tracker.jsonl');
    const t = openTracker(file, 10);
    const ours = Array.from({ length: 3000 }, (_, i) => {
      const n = ourNotification(`c/h${i}.nc`, '2026-12-03T01:00:00Z');
      // an id that needs escaping in the stored record now and then
      if (i % 7 === 0) n.id = `id "${i}" \\ é`;
      return n;
    });
    const parse = JSON.parse;
    let decoded = 0;
    JSON.parse = ((text: string, reviver?: (this: unknown, key: string, value: unknown) => unknown) => {
      if (typeof text === 'string' && text.startsWith('{"id":"') && !text.startsWith('{"id":"id \\"')) decoded++;
      return parse(text, reviver) as unknown;
    }) as typeof JSON.parse;
    try {
      for (const n of ours) t.publishedNotification(n, TOPIC);
    } finally {
      JSON.parse = parse;
    }
    assert.equal(decoded, 0, 'a stored record with a plain id was decoded');
    assert.equal(t.pending(), 10);
    // what it holds for the files waiting follows the store's bound, not the files published
    // within the window (read from its private fields: no public figure shows it)
    const held = t as unknown as { waiting: string[]; head: number; state: Map<string, number> };
    assert.equal(held.waiting.length - held.head, 10);
    assert.ok(held.waiting.length <= 2 * 1024 + 10, `${held.waiting.length} slots`);
    // the slots let go keep no data_id alive until the array is next cut
    assert.ok(held.head > 0, 'no slot let go since the last cut');
    assert.deepEqual(new Set(held.waiting.slice(0, held.head)), new Set(['']));
    assert.equal(held.state.size, 10);
    for (const [i, n] of ours.entries()) {
      assert.deepEqual(t.byId(String(n.id)), i < 2990 ? undefined : { dataId: `c/h${i}.nc` }, String(n.id));
    }
    // a file forgotten then published again: its old notification is no longer ours
    const again = ourNotification('c/h0.nc', '2026-12-03T02:00:00Z');
    t.publishedNotification(again, TOPIC);
    assert.deepEqual(t.byId(String(again.id)), { dataId: 'c/h0.nc' });
    assert.equal(t.byId(String(ours[1]?.id)), undefined);
    const plain = ourNotification('c/h1.nc', '2026-12-03T02:00:00Z');
    t.publishedNotification(plain, TOPIC);
    assert.equal(t.byId(String(ours[1]?.id)), undefined, 'an id forgotten with its file still points to it');
    assert.equal(t.byId(String(ours[0]?.id)), undefined, 'an escaped id forgotten with its file still points to it');
  });

  it('reads back what its publishers queued without parsing it, and records what parsing would', () => {
    const ours = [0, 1, 2].map((i) => ourNotification(`c/r${i}.nc`, `2026-12-03T01:00:0${i}Z`));
    const bytes = ours.map((n) => Buffer.from(JSON.stringify(n)));
    const fast = openTracker(path.join(tempDir(), 'fast.jsonl'));
    const slow = openTracker(path.join(tempDir(), 'slow.jsonl'));
    for (const [i, n] of ours.entries()) fast.own.expect(bytes[i] ?? Buffer.alloc(0), n);
    assert.equal(fast.own.size, 3);
    // the Global Broker's copy: the same bytes in a buffer of their own, as a socket gives them
    const copies = bytes.map((b) => Buffer.from(b));
    const parse = JSON.parse;
    let parsed = 0;
    JSON.parse = ((text: string, reviver?: (this: unknown, key: string, value: unknown) => unknown) => {
      if (typeof text === 'string' && text.includes('"conformsTo"')) parsed++;
      return parse(text, reviver) as unknown;
    }) as typeof JSON.parse;
    try {
      for (const c of copies) assert.equal(fast.publishedNotification(c, TOPIC), true);
    } finally {
      JSON.parse = parse;
    }
    assert.equal(parsed, 0, 'a notification read back was parsed');
    assert.deepEqual([fast.own.known, fast.own.unknown, fast.own.size], [3, 0, 0]);
    for (const c of copies) assert.equal(slow.publishedNotification(c, TOPIC), true);
    for (const n of ours) {
      const dataId = (n.properties as { data_id: string }).data_id;
      assert.deepEqual(fast.get(dataId), slow.get(dataId));
      assert.deepEqual(fast.byId(String(n.id)), { dataId });
    }
    // the second copy (a second Global Broker) is the same notification again, parsed as before
    assert.equal(fast.publishedNotification(copies[0], TOPIC), false);
    assert.deepEqual([fast.own.known, fast.own.unknown], [3, 1]);
  });

  it('parses a copy that differs by a byte from what was queued, and remembers only so many', () => {
    const own = new OwnNotifications(2);
    const n = ourNotification('c/d0.nc', '2026-12-03T01:00:00Z');
    const bytes = Buffer.from(JSON.stringify(n));
    own.expect(bytes, n);
    // same id, another data_id: what the bytes say counts, not what was queued under that id
    assert.equal(own.take(Buffer.from(bytes.toString().replace('c/d0.nc', 'c/d9.nc'))), undefined);
    const t = openTracker(path.join(tempDir(), 'tracker.jsonl'));
    t.own.expect(bytes, n);
    assert.equal(t.publishedNotification(Buffer.from(bytes.toString().replace('c/d0.nc', 'c/d9.nc')), TOPIC), true);
    assert.deepEqual(t.byId(String(n.id)), { dataId: 'c/d9.nc' });
    assert.equal(own.take(Buffer.from(bytes))?.dataId, 'c/d0.nc');
    assert.equal(own.take(Buffer.from(bytes)), undefined, 'taken once');
    // a bound: the oldest are let go when the Global Broker sends nothing back
    const more = [1, 2, 3].map((i) => ourNotification(`c/d${i}.nc`, '2026-12-03T01:00:00Z'));
    for (const m of more) own.expect(Buffer.from(JSON.stringify(m)), m);
    assert.equal(own.size, 2);
    assert.equal(own.take(Buffer.from(JSON.stringify(more[0]))), undefined);
    assert.equal(own.take(Buffer.from(JSON.stringify(more[2])))?.dataId, 'c/d3.nc');
    // what the tracker refuses is not remembered: read back, it is refused as before
    const broken = { ...n, id: 'no-data-id', properties: { pubtime: '2026-12-03T01:00:00Z' } };
    own.expect(Buffer.from(JSON.stringify(broken)), broken);
    assert.equal(own.size, 1);
    t.own.expect(Buffer.from(JSON.stringify(broken)), broken);
    assert.throws(() => t.publishedNotification(Buffer.from(JSON.stringify(broken)), TOPIC), { code: 'cache.no_data_id' });
    // an id longer than any accepted is not looked up
    assert.equal(own.take(Buffer.from(`{"id":"${'x'.repeat(300)}"}`)), undefined);
    assert.equal(own.take(Buffer.from('{"id":"unterminated')), undefined);
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
    // the notification ids still lead to their files after the reopens, until a file is deleted
    for (const [i, n] of ours.entries()) assert.deepEqual(t.byId(String(n.id)), { dataId: `c/g${i}.nc` });
    const deletion = ourNotification('c/g0.nc', '2026-12-03T03:00:00Z');
    deletion.links = [{ rel: 'deletion', href: 'https://example.org/c/g0.nc', type: 'application/octet-stream' }];
    assert.equal(t.publishedNotification(deletion, TOPIC), false);
    assert.equal(t.byId(String(ours[0]?.id)), undefined);
    assert.equal(t.byId(String(deletion.id)), undefined);
  });

  it('writes its records without their data_id, and resumes a file whose records say it, as earlier releases wrote them', () => {
    const file = path.join(tempDir(), 'tracker.jsonl');
    const ours = [0, 1, 2].map((i) => ourNotification(`c/old${i}.nc`, `2026-12-03T01:00:0${i}Z`));
    // an earlier release: each record a string, the data_id in it too
    const earlier = ours.map((n, i) => {
      const props = n.properties as { data_id: string; pubtime: string };
      const record = { id: n.id, dataId: props.data_id, topic: TOPIC, pubtime: props.pubtime, publishedAt: clock - 1000, arrivals: i === 0 ? { 'gc-one': 0.5 } : {} };
      return JSON.stringify(['s', props.data_id, JSON.stringify(record), clock - 1000]);
    });
    fs.writeFileSync(file, `${['["wis2-memory",1]', ...earlier].join('\n')}\n`);
    let t = openTracker(file);
    assert.deepEqual(t.recoveryWarnings, []);
    assert.equal(t.pending(), 2);
    assert.deepEqual(t.get('c/old0.nc')?.arrivals, { 'gc-one': 0.5 });
    assert.equal(t.get('c/old1.nc')?.dataId, 'c/old1.nc');
    assert.deepEqual(t.byId(String(ours[2]?.id)), { dataId: 'c/old2.nc' });
    assert.equal(t.cacheNotification(cached(ours[1] ?? {}, 'gc-two', 2)).kind, 'arrival');
    const later = ourNotification('c/new.nc', '2026-12-03T02:00:00Z');
    assert.equal(t.publishedNotification(Buffer.from(JSON.stringify(later)), TOPIC), true);
    t.close();
    open = open.filter((x) => x !== t);
    // what it wrote: the records as objects, whose data_id is the line's key alone
    const written = fs.readFileSync(file, 'utf8').split('\n').slice(1 + earlier.length, -1).map((l) => JSON.parse(l) as unknown[]);
    assert.deepEqual(written.map((l) => [l[0], l[1]]), [['r', 'c/old1.nc'], ['r', 'c/new.nc']]);
    for (const l of written) assert.equal(Object.hasOwn(l[2] as object, 'dataId'), false);
    assert.equal((written[1]?.[2] as { id?: string }).id, later.id);
    t = openTracker(file);
    assert.deepEqual(t.recoveryWarnings, []);
    assert.equal(t.pending(), 2, 'c/old2.nc and c/new.nc');
    assert.equal(t.get('c/new.nc')?.dataId, 'c/new.nc');
    assert.deepEqual(t.get('c/old1.nc')?.arrivals, { 'gc-two': 2 });
    assert.deepEqual(t.byId(String(later.id)), { dataId: 'c/new.nc' });
    clock += 60_000;
    assert.deepEqual(t.sweep().map((m) => m.dataId).sort(), ['c/new.nc', 'c/old2.nc']);
  });

  it('counts what is waiting without decoding a stored record: the status asks several times a second', () => {
    const file = path.join(tempDir(), 'tracker.jsonl');
    const t = openTracker(file);
    const ours = Array.from({ length: 50 }, (_, i) => ourNotification(`c/p${i}.nc`, '2026-12-03T01:00:00Z'));
    for (const n of ours) t.publishedNotification(n, TOPIC);
    const parse = JSON.parse;
    let parses = 0;
    JSON.parse = ((text: string, reviver?: (this: unknown, key: string, value: unknown) => unknown) => {
      parses++;
      return parse(text, reviver) as unknown;
    }) as typeof JSON.parse;
    let counted: number[];
    try {
      counted = [0, 1, 2, 3].map(() => t.pending());
    } finally {
      JSON.parse = parse;
    }
    assert.deepEqual(counted, [50, 50, 50, 50]);
    assert.equal(parses, 0, 'no stored record decoded to count');
  });

  it('keeps the count through arrivals, deletions, evictions, misses, expiry and a reopen', () => {
    const file = path.join(tempDir(), 'tracker.jsonl');
    let t = CacheTracker.open({ file, windowMs: 60_000, now, maxEntries: 6, maxAgeMs: 120_000 });
    open.push(t);
    const ours = [0, 1, 2, 3, 4, 5].map((i) => ourNotification(`c/k${i}.nc`, `2026-12-03T01:00:0${i}Z`));
    for (const n of ours.slice(0, 4)) t.publishedNotification(n, TOPIC);
    assert.equal(t.pending(), 4);
    assert.equal(t.cacheNotification(cached(ours[0] ?? {}, 'gc-one', 1)).kind, 'arrival');
    assert.equal(t.pending(), 3, 'an arrival ends the wait');
    assert.equal(t.cacheNotification(cached(ours[0] ?? {}, 'gc-two', 2)).kind, 'arrival');
    assert.equal(t.pending(), 3, 'a second cache changes nothing');
    const deletion = { ...ours[1], links: [{ rel: 'deletion', href: 'https://data-argo.ifremer.fr/k1.nc' }] };
    assert.equal(t.publishedNotification(deletion, TOPIC), false);
    assert.equal(t.pending(), 2, 'a deletion ends the wait');
    for (const n of ours.slice(4)) t.publishedNotification(n, TOPIC);
    assert.equal(t.pending(), 4);
    for (const i of [6, 7, 8]) t.publishedNotification(ourNotification(`c/k${i}.nc`, '2026-12-03T01:00:09Z'), TOPIC);
    // six entries at most: k2 and k3, set longest ago, are forgotten
    assert.equal(t.pending(), 5, 'an evicted file is not waited for');
    clock += 60_000;
    assert.equal(t.sweep().length, 5);
    assert.equal(t.pending(), 0, 'missed files wait no more');
    t.publishedNotification(ourNotification('c/k9.nc', '2026-12-03T01:00:09Z'), TOPIC);
    t.close();
    open = open.filter((x) => x !== t);
    t = CacheTracker.open({ file, windowMs: 600_000, now, maxEntries: 6, maxAgeMs: 120_000 });
    open.push(t);
    assert.equal(t.pending(), 1, 'after a reopen');
    clock += 120_000;
    assert.equal(t.pending(), 0, 'an expired file is not waited for');
    assert.equal(t.get('c/k9.nc'), undefined);
  });
});
