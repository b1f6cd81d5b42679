import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { resolveDataset, type Dataset } from '../../../nodes/lib/dataset';
import { readStacItem } from '../../../nodes/lib/stac';
import { MAX_MESSAGE_BYTES, buildNotification, inlineContent, notificationId, type BuildContext, type BuiltNotification } from '../../../nodes/lib/wnm';
import { fitMessage, type WisNotification } from '../../../nodes/lib/wnm/build';
import type { Warning } from '../../../nodes/lib/core/errors';
import { OFFICIAL_WNM_SCHEMA, officialWnmErrors, wnmSchemaErrors } from '../../helpers/official';
import { needReference, reference, readJson } from '../../helpers/reference';
import { ARGO, SAMPLE_BUFR, SAMPLE_NETCDF } from '../../helpers/fixtures';
import { refusal } from '../../helpers/refusal';

interface Sample {
  id: string;
  source: string;
  data: Record<string, unknown> & { assets: Record<string, Record<string, unknown>>; properties: Record<string, unknown> };
}

/** A project sample event (flows/samples). */
function sample(name: 'bufr' | 'netcdf'): Sample {
  return readJson(name === 'bufr' ? SAMPLE_BUFR : SAMPLE_NETCDF) as Sample;
}

/** The BUFR event of Ifremer's own pipeline, which announces the bulletin in the reference data. */
function ifremerBufr(): Sample {
  return readJson(reference('ifremer', 'event-message', 'bufr-creation-cloudevent.json')) as Sample;
}

const NOW = new Date('2026-11-28T10:00:00.123Z');

function context(ev: Sample, extra: Partial<BuildContext> = {}): BuildContext {
  const item = readStacItem(ev.data);
  const file = item.files[0];
  assert.ok(file);
  return { event: ev, itemId: item.id, geometry: item.geometry, file, operation: 'canonical', now: NOW, ...extra };
}

/** Builds a notification that the test expects to be announced (no memory: never a duplicate). */
function announce(ds: Dataset, ctx: BuildContext): BuiltNotification {
  const r = buildNotification(ds, ctx);
  assert.ok(!('duplicate' in r));
  return r;
}


describe('building a notification', () => {
  const ds = resolveDataset(ARGO);

  it('turns the BUFR sample into a schema-valid WNM, with sha3-256 integrity in base64', () => {
    const built = announce(ds, context(sample('bufr')));
    const m = built.message;
    assert.deepEqual(wnmSchemaErrors(m), []);
    assert.deepEqual(m.properties.integrity, { method: 'sha3-256', value: 'rAspahlM6qJNy1eUxoo1SF/dLUUPom5fcp8EOZ0CgIw=' });
    assert.deepEqual(m.links, [
      { href: 'https://data-argo.ifremer.fr/etc/bufr/202611/IOPX01_LFVX_091838.BU', rel: 'canonical', type: 'application/bufr', length: 1134 },
    ]);
    assert.equal(m.properties.data_id, 'wis2/fr-ifremer-argo/data/core/ocean/surface-based-observations/drifting-ocean-profilers/etc/bufr/202611/IOPX01_LFVX_091838.BU');
    assert.equal(m.properties.metadata_id, 'urn:wmo:md:fr-ifremer-argo:cor:msg:argo');
    assert.equal(m.properties.pubtime, '2026-11-28T10:00:00.123Z');
    assert.equal(m.properties.datetime, '2026-11-09T16:55:40.00Z');
    assert.deepEqual(m.conformsTo, ['http://wis.wmo.int/spec/wnm/1/conf/core']);
    assert.equal(built.bytes, Buffer.byteLength(JSON.stringify(m)));
    assert.equal('cache' in m.properties, false);
  });

  it('turns the NetCDF sample into a schema-valid WNM', () => {
    const built = announce(ds, context(sample('netcdf')));
    assert.deepEqual(wnmSchemaErrors(built.message), []);
    assert.deepEqual(built.message.properties.integrity, { method: 'sha3-256', value: 'gliN/tD5ajdbyZBx/Wu7HzyaypeLVzPJ+DylpPaQYjU=' });
    assert.equal(built.message.links.at(0)?.type, 'application/x-netcdf');
  });

  it('derives the id from the event and the file: the same on redelivery, new for a new event', () => {
    const ev = sample('bufr');
    const a = announce(ds, context(ev)).message.id;
    const b = announce(ds, context(ev, { now: new Date() })).message.id;
    assert.equal(a, b);
    assert.equal(a, notificationId(ev.source, ev.id, 'https://data-argo.ifremer.fr/etc/bufr/202611/IOPX01_LFVX_091838.BU', ARGO.topic));
    const next = announce(ds, context({ ...ev, id: ev.id + '-2' })).message.id;
    assert.notEqual(a, next);
    const other = resolveDataset({ ...ARGO, topic: ARGO.topic.replace('drifting-ocean-profilers', 'drifting-buoys') });
    assert.notEqual(a, announce(other, context(ev)).message.id);
  });

  it('uses the relation of the operation, and cache false when the dataset says so', () => {
    const del = announce(resolveDataset({ ...ARGO, cache: false }), context(sample('bufr'), { operation: 'deletion' })).message;
    assert.equal(del.links.at(0)?.rel, 'deletion');
    assert.equal(del.properties.cache, false);
    assert.deepEqual(wnmSchemaErrors(del), []);
  });

  it('omits an integrity with no WNM method, with a warning, or refuses it when required', () => {
    const ev = sample('bufr');
    ev.data.assets['IOPX01_LFVX_091838.BU']['file:checksum'] = 'd50110' + 'ab'.repeat(16);
    const built = announce(ds, context(ev));
    assert.equal(built.message.properties.integrity, undefined);
    assert.equal(built.warnings.at(0)?.code, 'integrity.omitted');
    assert.match(built.warnings.at(0)?.message ?? '', /md5/);
    const strict = resolveDataset({ ...ARGO, integrity: 'required' });
    const err = refusal(() => announce(strict, context(ev)));
    assert.equal(err.code, 'checksum.unsupported');
    assert.equal(err.path, '/data/assets/IOPX01_LFVX_091838.BU/file:checksum');
  });

  it('inlines the bytes a checksum describes, and refuses bytes that are not the announced file', () => {
    // the samples' checksums are of the text "synthetic sample: <file name>"
    const bytes = Buffer.from('synthetic sample: IOPX01_LFVX_091838.BU');
    const ev = sample('bufr');
    ev.data.assets['IOPX01_LFVX_091838.BU']['file:size'] = bytes.length;
    const m = announce(ds, context(ev, { inline: bytes })).message;
    assert.equal(m.properties.content?.encoding, 'utf-8');
    assert.equal(m.properties.content.size, bytes.length);
    assert.equal(m.properties.content.value, bytes.toString('utf8'));
    assert.deepEqual(wnmSchemaErrors(m), []);
    const other = Buffer.from(bytes);
    other[0] ^= 1;
    assert.equal(refusal(() => announce(ds, context(ev, { inline: other }))).code, 'content.mismatch');
  });

  it('chooses utf-8, base64 or gzip so that the encoded value fits 4096 bytes', () => {
    assert.equal(inlineContent(Buffer.from('TTAA 12345'))?.encoding, 'utf-8');
    const binary = Buffer.alloc(3000, 0xff);
    assert.equal(inlineContent(binary)?.encoding, 'base64');
    const compressible = Buffer.alloc(4000, 0x01);
    const gz = inlineContent(compressible);
    assert.equal(gz?.encoding, 'gzip');
    assert.equal(gz.size, 4000);
    assert.ok(gunzipSync(Buffer.from(gz.value, 'base64')).equals(compressible));
    assert.equal(inlineContent(Buffer.alloc(4097)), undefined);
    const random = randomBytes(4000);
    assert.equal(inlineContent(random), undefined, 'incompressible 4000 bytes do not fit once encoded');
  });

  it('reduces a polygon to its bounding box when the message would exceed 8192 bytes', () => {
    const ev = sample('netcdf');
    const ring: number[][] = [];
    for (let i = 0; i < 400; i++) ring.push([10 + Math.cos((i / 400) * 2 * Math.PI), 40 + Math.sin((i / 400) * 2 * Math.PI)]);
    ring.push(ring[0]);
    ev.data.geometry = { type: 'Polygon', coordinates: [ring] };
    const built = announce(ds, context(ev));
    assert.ok(built.bytes <= MAX_MESSAGE_BYTES);
    assert.equal(built.bytes, Buffer.byteLength(JSON.stringify(built.message)));
    assert.equal((built.message.geometry?.coordinates as number[][][]).at(0)?.length, 5);
    assert.ok(built.warnings.some((w) => w.code === 'geometry.reduced'));
    assert.deepEqual(wnmSchemaErrors(built.message), []);
  });

  it('counts the bytes JSON.stringify would write, without writing them: escapes, non-ASCII text, numbers', () => {
    const built = announce(ds, context(sample('bufr')));
    const m: WisNotification = structuredClone(built.message);
    // quotes, backslashes, control characters, 2-, 3- and 4-byte UTF-8, a lone surrogate, numbers JSON writes its own way
    m.properties.content = { encoding: 'utf-8', size: 1, value: 'é "q" \\ \n \u0001 \u2028 日本 😀 \ud800 end' };
    m.properties.extra = { n: [-0, 1e21, 0.1, -1.5e-7, 123456789012], t: true, f: false, z: null };
    const warnings: Warning[] = [];
    assert.equal(fitMessage(m, warnings, 'its polygon'), Buffer.byteLength(JSON.stringify(m)));
    assert.deepEqual(warnings, [], 'under 8192 bytes, nothing is reduced or left out');
    // a value with a JSON form of its own is measured by writing it
    const custom = { ...structuredClone(built.message), when: { toJSON: () => 'written "by" toJSON' } } as WisNotification;
    assert.equal(fitMessage(custom, [], 'its polygon'), Buffer.byteLength(JSON.stringify(custom)));
  });

  it("counts a notification's bytes from its members as JSON.stringify writes them, whatever members the build gives it", () => {
    const open = resolveDataset({ ...ARGO, pathPattern: '' });
    const variants: [string, Dataset, (ev: Sample) => Partial<BuildContext> | undefined][] = [];
    const add = (name: string, dataset: Dataset, change: (ev: Sample) => Partial<BuildContext> | undefined): void => {
      variants.push([name, dataset, change]);
    };
    const asset = (ev: Sample): Record<string, unknown> => ev.data.assets['IOPX01_LFVX_091838.BU'];
    /** inline bytes stand for the file: no checksum to match them, their own size */
    const inline = (ev: Sample, bytes: Buffer): Partial<BuildContext> => {
      delete asset(ev)['file:checksum'];
      asset(ev)['file:size'] = bytes.length;
      return { inline: bytes };
    };
    add('as sampled', ds, () => undefined);
    add('datetime null', ds, (ev) => {
      ev.data.properties.datetime = null;
      return undefined;
    });
    add('a start and end', ds, (ev) => {
      Object.assign(ev.data.properties, { start_datetime: '2026-11-09T16:00:00+02:00', end_datetime: '2026-11-09T17:00:00.5Z' });
      return undefined;
    });
    add('no checksum, size or media type, an unknown extension', open, (ev) => {
      const a = asset(ev);
      delete a['file:checksum'];
      delete a['file:size'];
      delete a.type;
      a.href = 'https://data-argo.ifremer.fr/etc/x/IOPX01_LFVX_091838.unknown';
      return undefined;
    });
    add('a deletion, cache false', resolveDataset({ ...ARGO, cache: false }), () => ({ operation: 'deletion' }));
    add('an update', ds, () => ({ operation: 'update' }));
    add('no geometry', ds, (ev) => {
      ev.data.geometry = null;
      return undefined;
    });
    add('a point with height', ds, (ev) => {
      ev.data.geometry = { type: 'Point', coordinates: [-0.000001, 45.123456789, -1500.5] };
      return undefined;
    });
    add('a polygon', ds, (ev) => {
      ev.data.geometry = { type: 'Polygon', coordinates: [[[-10, 40], [10.5, 40], [10.5, 50.25], [-10, 40]]] };
      return undefined;
    });
    add('media type parameters', ds, (ev) => {
      asset(ev).type = 'text/plain; charset=utf-8';
      return undefined;
    });
    add('inline text to escape', ds, (ev) => inline(ev, Buffer.from('é "q" \\ \t\n 日本 😀 end')));
    add('inline base64', ds, (ev) => inline(ev, Buffer.alloc(300, 0xff)));
    add('inline gzip', ds, (ev) => inline(ev, Buffer.alloc(4000, 0x01)));
    add('inline text that does not fit', ds, (ev) => inline(ev, randomBytes(4000)));
    for (const [name, dataset, change] of variants) {
      const ev = sample('bufr');
      const built = announce(dataset, context(ev, change(ev)));
      assert.equal(built.bytes, Buffer.byteLength(JSON.stringify(built.message)), name);
    }
    assert.equal(variants.length, 14);
  });

  it('refuses a message that cannot be brought under 8192 bytes', () => {
    const open = resolveDataset({ ...ARGO, pathPattern: '' });
    const ev = sample('netcdf');
    ev.data.assets['R6903580_147.nc'].href = 'https://data-argo.ifremer.fr/' + 'a'.repeat(4200) + '.nc';
    const err = refusal(() => announce(open, context(ev)));
    assert.equal(err.code, 'wnm.too_large');
    assert.equal(err.stage, 'wnm');
  });

  describe("with Ifremer's BUFR event and bulletin", () => {
    before(function () {
      needReference(this, OFFICIAL_WNM_SCHEMA, 'ifremer/event-message/bufr-creation-cloudevent.json', 'ifremer/sample-data/IOPX01_LFVX_251403.BU');
    });

    it('turns the BUFR sample into a WNM the official schema accepts, with sha3-256 integrity in base64', () => {
      const built = announce(ds, context(ifremerBufr()));
      const m = built.message;
      assert.deepEqual(officialWnmErrors(m), []);
      assert.deepEqual(m.properties.integrity, { method: 'sha3-256', value: '8roCSwmGq459PsJ1UFxZBw1FP0dk5IrZ6q2VWb92uQY=' });
      assert.deepEqual(m.links, [
        { href: 'https://data-argo.ifremer.fr/etc/bufr/202503/IOPX01_LFVX_251403.BU', rel: 'canonical', type: 'application/bufr', length: 940 },
      ]);
      assert.equal(m.properties.data_id, 'wis2/fr-ifremer-argo/data/core/ocean/surface-based-observations/drifting-ocean-profilers/etc/bufr/202503/IOPX01_LFVX_251403.BU');
      assert.equal(m.properties.metadata_id, 'urn:wmo:md:fr-ifremer-argo:cor:msg:argo');
      assert.equal(m.properties.pubtime, '2026-11-28T10:00:00.123Z');
      assert.equal(m.properties.datetime, '2024-11-09T21:08:00.00Z');
      assert.deepEqual(m.conformsTo, ['http://wis.wmo.int/spec/wnm/1/conf/core']);
      assert.equal(built.bytes, Buffer.byteLength(JSON.stringify(m)));
      assert.equal('cache' in m.properties, false);
    });

    it('inlines the 940-byte BUFR bulletin as base64 after checking it against the checksum', () => {
      const bytes = fs.readFileSync(reference('ifremer', 'sample-data', 'IOPX01_LFVX_251403.BU'));
      const m = announce(ds, context(ifremerBufr(), { inline: bytes })).message;
      assert.equal(m.properties.content?.encoding, 'base64');
      assert.equal(m.properties.content.size, 940);
      assert.ok(Buffer.from(m.properties.content.value, 'base64').equals(bytes));
      assert.deepEqual(officialWnmErrors(m), []);
    });

    it('refuses inline bytes that are not the announced file', () => {
      const bytes = Buffer.from(fs.readFileSync(reference('ifremer', 'sample-data', 'IOPX01_LFVX_251403.BU')));
      bytes[100] ^= 1;
      assert.equal(refusal(() => announce(ds, context(ifremerBufr(), { inline: bytes }))).code, 'content.mismatch');
      assert.equal(refusal(() => announce(ds, context(ifremerBufr(), { inline: bytes.subarray(1) }))).code, 'content.mismatch');
    });
  });
});
