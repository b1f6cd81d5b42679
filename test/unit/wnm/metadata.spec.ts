import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { evaluateKpis, validateWcmp } from '../../../nodes/lib/wcmp';
import {
  MAX_REMEMBERED_RECORDS,
  MetadataMemory,
  buildMetadataNotification,
  checkRecordUrl,
  decideAnnouncement,
  metadataDataId,
  metadataNotification,
  pathSegment,
  readMetadataRecord,
  validateWnm,
  type AnnouncedRecord,
  type MetadataNotification,
  type MetadataOptions,
} from '../../../nodes/lib/wnm';
import { wnmSchemaErrors } from '../../helpers/official';
import { listJson, needReference, reference, repoRoot } from '../../helpers/reference';
import { refusal } from '../../helpers/refusal';

const RECORD_FILE = path.join(repoRoot, 'flows', 'metadata', 'fr-ifremer-argo.json');
const RECORD = fs.readFileSync(RECORD_FILE);
const URL_A = 'https://data-argo.ifremer.fr/etc/wis2/fr-ifremer-argo-core-metadata.json';
const DAY1 = new Date('2026-11-27T08:00:00.000Z');
const DAY1_LATER = new Date('2026-11-27T20:00:00.000Z');
const DAY2 = new Date('2026-11-28T08:00:00.000Z');

function record(): Record<string, unknown> & { properties: Record<string, unknown> } {
  return JSON.parse(RECORD.toString('utf8')) as Record<string, unknown> & { properties: Record<string, unknown> };
}

function changed(): Buffer {
  const r = record();
  r.properties.updated = '2026-11-28T06:00:00+02:00';
  return Buffer.from(JSON.stringify(r, null, 2));
}

function announce(input: unknown, options: Partial<MetadataOptions> = {}): MetadataNotification {
  return metadataNotification(input, { recordUrl: URL_A, requested: 'auto', now: DAY1, ...options });
}

/** Suite and official schema, as a Global Broker would check the message. */
function assertValidWnm(n: MetadataNotification): void {
  const report = validateWnm(Buffer.from(JSON.stringify(n.message)), { topic: n.topic })['ets-report'];
  assert.equal(report.summary.FAILED, 0, JSON.stringify(report.tests.filter((t) => t.code === 'FAILED')));
  assert.deepEqual(wnmSchemaErrors(n.message), []);
}


describe('our Argo WCMP2 record (flows/metadata/fr-ifremer-argo.json)', () => {
  it('passes every WCMP2 test: 0 FAILED, 0 WARNING', () => {
    const report = validateWcmp(RECORD);
    const problems = report.tests.filter((t) => t.code === 'FAILED' || t.code === 'WARNING');
    assert.deepEqual(problems, []);
    assert.deepEqual(report.summary, { PASSED: 13, FAILED: 0, WARNING: 0, SKIPPED: 1 });
    assert.equal(report.metadata_id, 'urn:wmo:md:fr-ifremer-argo:cor:msg:argo');
  });

  it('scores grade A on the offline KPIs', async () => {
    const kpi = await evaluateKpis(RECORD, { network: false });
    assert.equal(kpi.summary.grade, 'A');
    assert.equal(kpi.summary.percentage, 90);
  });

  it('says what the brief of the project asks: core data, mqtts link on the Argo channel, ocean theme', () => {
    const r = record() as { properties: { 'wmo:dataPolicy': string; themes: { scheme: string; concepts: { id: string }[] }[] }; links: { href: string; channel?: string }[] };
    assert.equal(r.properties['wmo:dataPolicy'], 'core');
    const mqtt = r.links.filter((l) => l.channel !== undefined);
    assert.equal(mqtt.length, 1);
    assert.match(mqtt[0]?.href ?? '', /^mqtts:\/\//);
    assert.equal(mqtt[0]?.channel, 'origin/a/wis2/fr-ifremer-argo/data/core/ocean/surface-based-observations/drifting-ocean-profilers');
    const esd = r.properties.themes.find((t) => t.scheme === 'https://codes.wmo.int/wis/topic-hierarchy/earth-system-discipline');
    assert.deepEqual(esd?.concepts.map((c) => c.id), ['ocean']);
  });
});

describe('metadata notification (nodes/lib/wnm/metadata)', () => {
  describe('the notification', () => {
    it('announces the record at its URL: canonical, integrity and length over its exact bytes, valid WNM', () => {
      const n = announce(RECORD);
      assertValidWnm(n);
      assert.equal(n.topic, 'origin/a/wis2/fr-ifremer-argo/metadata');
      assert.equal(n.operation, 'canonical');
      const { properties, links } = n.message;
      assert.deepEqual(links, [{ href: URL_A, rel: 'canonical', type: 'application/geo+json', length: RECORD.length }]);
      assert.deepEqual(properties.integrity, { method: 'sha512', value: createHash('sha512').update(RECORD).digest('base64') });
      assert.equal(properties.metadata_id, 'urn:wmo:md:fr-ifremer-argo:cor:msg:argo');
      assert.equal(properties.data_id, 'fr-ifremer-argo/metadata/urn:wmo:md:fr-ifremer-argo:cor:msg:argo');
      assert.equal(properties.datetime, '2026-11-27T00:00:00Z');
      assert.equal(properties.pubtime, DAY1.toISOString());
      assert.deepEqual(n.message.geometry, record().geometry);
      assert.equal(n.bytes, Buffer.byteLength(JSON.stringify(n.message)));
      assert.deepEqual(n.warnings, []);
    });

    it('takes text as its UTF-8 bytes, and an object as its compact JSON with a warning', () => {
      const text = RECORD.toString('utf8');
      const fromText = announce(text);
      assert.equal(fromText.message.properties.integrity?.value, createHash('sha512').update(RECORD).digest('base64'));
      assert.deepEqual(fromText.warnings, []);
      const obj = record();
      const fromObject = announce(obj);
      const compact = Buffer.from(JSON.stringify(obj));
      assert.equal(fromObject.message.properties.integrity?.value, createHash('sha512').update(compact).digest('base64'));
      assert.equal(fromObject.message.links[0]?.length, compact.length);
      assert.deepEqual(fromObject.warnings.map((w) => w.code), ['metadata.integrity_of_object']);
      assertValidWnm(fromObject);
      const view = new Uint8Array(RECORD.buffer, RECORD.byteOffset, RECORD.byteLength);
      assert.equal(announce(view).message.properties.integrity?.value, createHash('sha512').update(RECORD).digest('base64'));
    });

    it('gives datetime from updated, else created, in UTC', () => {
      assert.equal(announce(changed()).message.properties.datetime, '2026-11-28T04:00:00Z');
      const r = record();
      Reflect.deleteProperty(r.properties, 'updated');
      r.properties.created = '2025-01-01T12:00:00.5+01:00';
      assert.equal(announce(JSON.stringify(r)).message.properties.datetime, '2025-01-01T11:00:00.5Z');
      r.properties.updated = 'yesterday';
      const n = announce(JSON.stringify(r));
      assert.equal(n.message.properties.datetime, '2025-01-01T11:00:00.5Z');
      assert.deepEqual(n.warnings.map((w) => w.code), ['metadata.updated_invalid']);
      Reflect.deleteProperty(r.properties, 'created');
      Reflect.deleteProperty(r.properties, 'updated');
      assert.equal(refusal(() => announce(JSON.stringify(r))).code, 'metadata.no_datetime');
    });

    it('keeps a Point or a Polygon, null stays null, and any other geometry becomes its bounding box', () => {
      const r = record();
      r.geometry = { type: 'Point', coordinates: [-4.55, 48.36] };
      assert.deepEqual(announce(JSON.stringify(r)).message.geometry, r.geometry);
      r.geometry = null;
      assert.equal(announce(JSON.stringify(r)).message.geometry, null);
      r.geometry = { type: 'MultiPoint', coordinates: [[-10, 40], [10, 50]] };
      const n = announce(JSON.stringify(r));
      assert.deepEqual(n.message.geometry, { type: 'Polygon', coordinates: [[[-10, 40], [10, 40], [10, 50], [-10, 50], [-10, 40]]] });
      assert.deepEqual(n.warnings.map((w) => w.code), ['geometry.bbox']);
      assertValidWnm(n);
      r.geometry = { type: 'Point', coordinates: [200, 0] };
      const bad = refusal(() => announce(JSON.stringify(r)));
      assert.equal(bad.code, 'geometry.out_of_range');
      assert.equal(bad.stage, 'wnm');
      assert.equal(bad.path, '/geometry/coordinates/0');
    });

    it('reduces a polygon too large for 8192 bytes to its box, and refuses what still does not fit', () => {
      const r = record();
      const ring: number[][] = [];
      for (let i = 0; i < 400; i++) ring.push([-180 + (i * 360) / 400, Math.sin(i) * 80]);
      ring.push(ring[0] ?? []);
      r.geometry = { type: 'Polygon', coordinates: [ring] };
      const n = announce(JSON.stringify(r));
      assert.equal(n.message.geometry?.type, 'Polygon');
      assert.equal(n.message.geometry.coordinates[0]?.length, 5);
      assert.ok(n.warnings.some((w) => w.code === 'geometry.reduced'));
      assertValidWnm(n);
      const long = record();
      // each emoji is 4 bytes in metadata_id and 12 characters once percent-encoded in data_id
      long.id = `urn:wmo:md:fr-ifremer-argo:${'\u{1F30A}'.repeat(490)}`;
      assert.equal(refusal(() => announce(JSON.stringify(long), { recordUrl: `https://example.org/${'y'.repeat(2000)}` })).code, 'wnm.too_large');
    });

    it('makes data_id a URL path: the record id percent-encoded where a path segment needs it', () => {
      assert.equal(pathSegment('urn:wmo:md:de-dwd:icon-eps.ALL'), 'urn:wmo:md:de-dwd:icon-eps.ALL');
      assert.equal(pathSegment('a/b?c#d%e f'), 'a%2Fb%3Fc%23d%25e%20f');
      assert.equal(pathSegment('é'), '%C3%A9');
      assert.equal(metadataDataId('fr-ifremer-argo', 'urn:wmo:md:fr-ifremer-argo:x/y'), 'fr-ifremer-argo/metadata/urn:wmo:md:fr-ifremer-argo:x%2Fy');
      const r = record();
      r.id = 'urn:wmo:md:fr-ifremer-argo:cor/msg argo?';
      const n = announce(JSON.stringify(r));
      assert.equal(n.dataId, 'fr-ifremer-argo/metadata/urn:wmo:md:fr-ifremer-argo:cor%2Fmsg%20argo%3F');
      assert.equal(n.message.properties.metadata_id, r.id, 'metadata_id is the record id as written');
      assert.equal(new URL(`https://cache.example/${n.dataId}`).pathname.split('/').length, 4);
    });

    it('takes the centre id from the record id, warning when the register snapshot does not know it', () => {
      const r = record();
      r.id = 'urn:wmo:md:xx-new-centre:argo';
      const n = announce(JSON.stringify(r));
      assert.equal(n.topic, 'origin/a/wis2/xx-new-centre/metadata');
      assert.deepEqual(n.warnings.map((w) => w.code), ['metadata.centre_id_unknown']);
      for (const id of ['urn:wmo:md:FR-Ifremer:x', 'urn:wmo:md:a/b:x', 'urn:wmo:md:a+#:x']) {
        r.id = id;
        assert.equal(refusal(() => announce(JSON.stringify(r))).code, 'metadata.centre_id', id);
      }
    });

    it('refuses what is not a record it can announce, with a code, a path and a stage', () => {
      const cases: [unknown, string, string][] = [
        ['not json', 'intake.invalid_json', 'intake'],
        [Buffer.from([0xff]), 'intake.invalid_utf8', 'intake'],
        ['[]', 'metadata.not_record', 'wnm'],
        [{ ...record(), id: 42 }, 'metadata.no_id', 'wnm'],
        [{ ...record(), id: 'urn:wmo:md:fr-ifremer-argo' }, 'metadata.invalid_id', 'wnm'],
        [{ ...record(), id: 'urn:wmo:md:fr-ifremer-argo:' }, 'metadata.invalid_id', 'wnm'],
        [{ ...record(), id: 'urn:wmo:md:fr-ifremer-argo:a\nb' }, 'metadata.invalid_id', 'wnm'],
        [{ ...record(), id: `urn:wmo:md:fr-ifremer-argo:${'a'.repeat(2000)}` }, 'metadata.invalid_id', 'wnm'],
        [{ ...record(), properties: 'none' }, 'metadata.no_properties', 'wnm'],
        ['{"__proto__":{"x":1},"id":"urn:wmo:md:fr-ifremer-argo:a"}', 'intake.forbidden_key', 'intake'],
        [`${'['.repeat(100)}${']'.repeat(100)}`, 'intake.too_deep', 'intake'],
        [' '.repeat(2 * 1024 * 1024), 'intake.too_large', 'intake'],
      ];
      for (const [input, code, stage] of cases) {
        const err = refusal(() => announce(input));
        assert.equal(err.code, code, String(input).slice(0, 40));
        assert.equal(err.stage, stage);
        assert.equal(typeof err.path, 'string');
      }
    });
  });

  describe('the record URL', () => {
    it('accepts https, and http with a warning', () => {
      assert.deepEqual(checkRecordUrl(URL_A, 'config'), []);
      assert.deepEqual(checkRecordUrl('https://example.org/records/x?f=json', 'message'), []);
      assert.deepEqual(checkRecordUrl('http://example.org/x.json', 'config').map((w) => w.code), ['metadata.insecure_url']);
    });

    it('refuses anything else, with the stage of where it came from', () => {
      const bad = ['', 'example.org/x.json', 'ftp://example.org/x.json', 'https://user:pw@example.org/x', 'https://example.org/x#top', 'https://exa mple.org/x', 'https:/example.org/x', 'https://example.org/x\n', '${WIS2_METADATA_URL}', `https://example.org/${'a'.repeat(3000)}`];
      for (const url of bad) {
        const err = refusal(() => checkRecordUrl(url, 'config'));
        assert.equal(err.code, 'metadata.record_url', url);
        assert.equal(err.stage, 'config');
        assert.equal(err.path, '/recordUrl');
      }
      assert.equal(refusal(() => checkRecordUrl(42, 'message')).stage, 'wnm');
      assert.equal(refusal(() => checkRecordUrl(undefined, 'config')).code, 'metadata.record_url');
    });
  });

  describe('canonical, update, deletion and the daily re-announcement', () => {
    it('goes canonical → update → deletion → canonical, each with a new id, all valid', () => {
      const first = announce(RECORD);
      const second = announce(changed(), { previous: first.remember, now: DAY1_LATER });
      const third = announce(changed(), { previous: second.remember, requested: 'deletion', now: DAY2 });
      const fourth = announce(changed(), { previous: third.remember, now: DAY2 });
      assert.deepEqual([first, second, third, fourth].map((n) => n.operation), ['canonical', 'update', 'deletion', 'canonical']);
      assert.equal(new Set([first, second, third, fourth].map((n) => n.message.id)).size, 4);
      for (const n of [first, second, third, fourth]) assertValidWnm(n);
      assert.equal(third.message.properties.metadata_id, 'urn:wmo:md:fr-ifremer-argo:cor:msg:argo', 'deletion carries metadata_id (WNM 12H)');
      assert.notEqual(second.message.properties.integrity?.value, first.message.properties.integrity?.value);
    });

    it('re-announces an unchanged record on a later day as canonical with a new id', () => {
      const first = announce(RECORD, { now: DAY1 });
      const daily = announce(RECORD, { previous: first.remember, now: DAY2 });
      assert.equal(daily.operation, 'canonical');
      assert.equal(daily.repeat, false);
      assert.notEqual(daily.message.id, first.message.id);
      const next = announce(RECORD, { previous: daily.remember, now: new Date('2026-11-29T08:00:00Z') });
      assert.notEqual(next.message.id, daily.message.id);
      assertValidWnm(daily);
    });

    it('repeats the day\'s announcement, same id and link, when triggered again the same day', () => {
      const first = announce(RECORD, { now: DAY1 });
      const again = announce(RECORD, { previous: first.remember, now: DAY1_LATER });
      assert.equal(again.repeat, true);
      assert.equal(again.message.id, first.message.id);
      assert.equal(again.operation, 'canonical');
      const update = announce(changed(), { previous: first.remember, now: DAY1 });
      const updateAgain = announce(changed(), { previous: update.remember, now: DAY1_LATER });
      assert.deepEqual([updateAgain.operation, updateAgain.message.id, updateAgain.repeat], ['update', update.message.id, true]);
      const deletion = announce(RECORD, { previous: first.remember, requested: 'deletion' });
      const deletionAgain = announce(RECORD, { previous: deletion.remember, requested: 'deletion' });
      assert.deepEqual([deletionAgain.message.id, deletionAgain.repeat], [deletion.message.id, true]);
    });

    it('without a memory (after a restart), repeats the day\'s first canonical id rather than inventing one', () => {
      const first = announce(RECORD, { now: DAY1 });
      assert.equal(announce(RECORD, { now: DAY1_LATER }).message.id, first.message.id);
      assert.notEqual(announce(RECORD, { now: DAY2 }).message.id, first.message.id);
    });

    it('never reuses an id when the record goes back and forth, or moves, the same day', () => {
      const a = RECORD;
      const b = changed();
      let previous: AnnouncedRecord | undefined;
      const ids = new Set<string>();
      const ops: string[] = [];
      for (const bytes of [a, b, a, b, a]) {
        const n = announce(bytes, { previous, now: DAY1 });
        ids.add(n.message.id);
        ops.push(n.operation);
        previous = n.remember;
      }
      assert.deepEqual(ops, ['canonical', 'update', 'update', 'update', 'update']);
      assert.equal(ids.size, 5);
      const moved = announce(a, { previous, recordUrl: 'https://example.org/argo.json', now: DAY1 });
      assert.deepEqual([moved.operation, ids.has(moved.message.id)], ['canonical', false]);
      const back = announce(a, { previous: moved.remember, requested: 'deletion', now: DAY1 });
      const again = announce(a, { previous: back.remember, now: DAY1 });
      assert.ok(!ids.has(again.message.id) && again.message.id !== moved.message.id, 'a canonical after a deletion is a new announcement');
    });

    it('decides from digest, URL and day only', () => {
      const read = readMetadataRecord(RECORD);
      const prev: AnnouncedRecord = { digest: read.digest, url: URL_A, rel: 'update', id: '00000000-0000-5000-8000-000000000000', day: '2026-11-27' };
      assert.deepEqual(decideAnnouncement(read, URL_A, 'auto', prev, '2026-11-27'), { rel: 'update', id: prev.id, repeat: true });
      assert.equal(decideAnnouncement(read, URL_A, 'auto', prev, '2026-11-28').rel, 'canonical');
      assert.equal(decideAnnouncement(read, URL_A, 'auto', { ...prev, digest: 'x' }, '2026-11-27').rel, 'update');
      assert.equal(decideAnnouncement(read, URL_A, 'deletion', prev, '2026-11-27').rel, 'deletion');
      assert.equal(buildMetadataNotification(read, { recordUrl: URL_A, requested: 'auto', previous: prev, now: DAY1 }).remember.day, '2026-11-27');
    });
  });

  describe('the memory', () => {
    const entry = (n: number): AnnouncedRecord => ({ digest: `d${n}`, url: URL_A, rel: 'canonical', id: `id-${n}`, day: '2026-11-27' });

    it('round-trips through JSON, records as pairs so no id becomes an object key', () => {
      const m = new MetadataMemory();
      m.set('__proto__', entry(1));
      m.set('constructor', entry(2));
      const json = JSON.parse(JSON.stringify(m)) as unknown;
      const back = MetadataMemory.fromJSON(json);
      assert.deepEqual(back.get('__proto__'), entry(1));
      assert.deepEqual(back.get('constructor'), entry(2));
      assert.equal(({} as Record<string, unknown>).digest, undefined);
    });

    it('is bounded: the least recently announced records go first', () => {
      const m = new MetadataMemory(3);
      for (let i = 0; i < 5; i++) m.set(`r${i}`, entry(i));
      assert.equal(m.size, 3);
      assert.equal(m.get('r0'), undefined);
      m.set('r2', entry(9));
      m.set('r5', entry(5));
      assert.equal(m.get('r3'), undefined, 'r3 was the oldest once r2 was announced again');
      assert.deepEqual(m.get('r2'), entry(9));
      assert.equal(new MetadataMemory().max, MAX_REMEMBERED_RECORDS);
      const many = { records: Array.from({ length: MAX_REMEMBERED_RECORDS + 10 }, (_, i) => [`r${i}`, entry(i)]) };
      assert.equal(MetadataMemory.fromJSON(many).size, MAX_REMEMBERED_RECORDS);
    });

    it('drops whatever a context store returns that it did not write', () => {
      for (const junk of [undefined, null, 42, 'x', [], { records: 'x' }, { records: [[1, entry(1)], ['a'], ['b', { digest: 1 }], ['c', { ...entry(1), rel: 'other' }], ['d', { ...entry(1), day: 'today' }]] }]) {
        assert.equal(MetadataMemory.fromJSON(junk).size, 0);
      }
    });
  });

  describe('with the official WCMP2 examples', () => {
    before(function () {
      needReference(this, 'wcmp2/examples');
    });

    it('announces every official WCMP2 example validly', () => {
      for (const file of listJson(reference('wcmp2', 'examples'))) {
        const n = announce(fs.readFileSync(file), { recordUrl: `https://example.org/${path.basename(file)}` });
        assertValidWnm(n);
        assert.equal(n.message.properties.metadata_id, (JSON.parse(fs.readFileSync(file, 'utf8')) as { id: string }).id);
      }
    });
  });
});
