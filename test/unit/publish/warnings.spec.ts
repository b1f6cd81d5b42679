import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { allWarnings, convertEvent, type ConvertOptions } from '../../../nodes/lib/publish/convert';
import { resolveDataset, type DatasetConfig } from '../../../nodes/lib/dataset';
import { duplicateMembers } from '../../../nodes/lib/intake';
import type { MqttMessageLike } from '../../../nodes/lib/cloudevent';
import { ARGO } from '../../helpers/fixtures';
import { repoRoot } from '../../helpers/reference';

/**
 * Every malformed or unusable field that the conversion ignores or repairs instead of refusing
 * gives a warning with a code: one case per code, each showing the event still goes through.
 */
type Json = Record<string, unknown>;
interface Event extends Json {
  data: Json & { properties: Json; assets: Record<string, Json>; geometry: unknown };
}

const SAMPLE = fs.readFileSync(path.join(repoRoot, 'flows', 'samples', 'coriolis-R6903580_147.json'), 'utf8');
const ASSET = 'R6903580_147.nc';

function event(change: (e: Event) => void = () => undefined): Event {
  const e = JSON.parse(SAMPLE) as Event;
  change(e);
  return e;
}

function asset(e: Event): Json {
  const a = e.data.assets[ASSET];
  assert.ok(a);
  return a;
}

/** The binary-mode form of the sample: attributes in user properties, the Item as payload. */
function binary(extra: Record<string, string> = {}, contentType: string | null = 'application/json'): MqttMessageLike {
  const e = event();
  const props: Record<string, string> = { specversion: '1.0', id: String(e.id), source: String(e.source), type: String(e.type), ...extra };
  const msg: MqttMessageLike = { payload: Buffer.from(JSON.stringify(e.data)), userProperties: props };
  if (contentType !== null) msg.contentType = contentType;
  return msg;
}

function codes(msg: MqttMessageLike, options: ConvertOptions = {}, config: DatasetConfig = ARGO): string[] {
  const result = convertEvent(msg, resolveDataset(config), options);
  assert.ok(result.notifications.length > 0, 'the event still goes through');
  return allWarnings(result).map((w) => w.code);
}

function codesOf(e: Event, options?: ConvertOptions, config?: DatasetConfig): string[] {
  return codes({ payload: Buffer.from(JSON.stringify(e)) }, options, config);
}

/** A polygon of `n` vertices around the sample's position: big enough to overflow 8192 bytes. */
function bigPolygon(n: number): Json {
  const ring: number[][] = [];
  for (let i = 0; i < n; i++) {
    const a = (2 * Math.PI * i) / n;
    ring.push([Number((-24.8 + Math.cos(a)).toFixed(6)), Number((47.3 + Math.sin(a)).toFixed(6))]);
  }
  ring.push(ring[0] ?? []);
  return { type: 'Polygon', coordinates: [ring] };
}

const CASES: { code: string; what: string; run: () => string[] }[] = [
  // CloudEvent
  { code: 'ce.content_type_not_cloudevents', what: 'a structured event under another MQTT content type', run: () => codes({ payload: Buffer.from(SAMPLE), contentType: 'text/plain' }) },
  { code: 'ce.user_property_ignored', what: 'a binary-mode user property that is no attribute name', run: () => codes(binary({ 'X-Trace': 'abc' })) },
  { code: 'ce.datacontenttype_user_property', what: 'datacontenttype as a user property in binary mode', run: () => codes(binary({ datacontenttype: 'application/json' }, null)) },
  { code: 'ce.content_type_assumed', what: 'a binary-mode message without a content type', run: () => codes(binary({}, null)) },
  { code: 'ce.attribute_name_too_long', what: 'an extension name over 20 characters', run: () => codesOf(event((e) => { e.averyveryverylongextension = 'x'; })) },
  { code: 'ce.attribute_name_not_letter', what: 'an extension name starting with a digit', run: () => codesOf(event((e) => { e['1ext'] = 'x'; })) },
  { code: 'ce.dataschema_fragment', what: 'a dataschema with a fragment', run: () => codesOf(event((e) => { e.dataschema = 'https://schemas.stacspec.org/v1.1.0/item-spec/json-schema/item.json#x'; })) },
  { code: 'intake.duplicate_member', what: 'a member written twice (JSON.parse keeps the last)', run: () => codes({ payload: Buffer.from(SAMPLE.replace('"subject":', '"subject": "first", "subject":')) }) },
  // STAC Item
  { code: 'stac.no_version', what: 'no stac_version', run: () => codesOf(event((e) => { delete e.data.stac_version; })) },
  { code: 'stac.invalid_version', what: 'a stac_version that is not a string', run: () => codesOf(event((e) => { e.data.stac_version = 1.1; })) },
  { code: 'stac.invalid_extensions', what: 'stac_extensions that is not a list of URLs', run: () => codesOf(event((e) => { e.data.stac_extensions = 'file'; })) },
  { code: 'stac.no_bbox', what: 'a geometry without a bbox', run: () => codesOf(event((e) => { delete e.data.bbox; })) },
  { code: 'stac.invalid_bbox', what: 'a bbox of 3 numbers', run: () => codesOf(event((e) => { e.data.bbox = [1, 2, 3]; })) },
  { code: 'stac.invalid_bbox', what: 'a bbox with its south above its north', run: () => codesOf(event((e) => { e.data.bbox = [-25, 48, -24, 47]; })) },
  { code: 'stac.datetime_null', what: 'datetime null without a range', run: () => codesOf(event((e) => { e.data.properties.datetime = null; })) },
  { code: 'stac.datetime_ignored', what: 'datetime beside a start/end range', run: () => codesOf(event((e) => { Object.assign(e.data.properties, { start_datetime: '2026-11-14T06:00:00Z', end_datetime: '2026-11-14T07:00:00Z' }); })) },
  { code: 'stac.no_data_role', what: 'the only asset without the data role', run: () => codesOf(event((e) => { asset(e).roles = ['metadata']; })) },
  { code: 'stac.null_ignored', what: 'an asset type of null', run: () => codesOf(event((e) => { asset(e).type = null; })) },
  { code: 'stac.null_ignored', what: 'a file:size of null', run: () => codesOf(event((e) => { asset(e)['file:size'] = null; })) },
  { code: 'geometry.bbox', what: 'a LineString', run: () => codesOf(event((e) => { e.data.geometry = { type: 'LineString', coordinates: [[-25, 47], [-24, 48]] }; })) },
  { code: 'geometry.empty', what: 'a MultiPoint without positions', run: () => codesOf(event((e) => { e.data.geometry = { type: 'MultiPoint', coordinates: [] }; })) },
  // notification
  { code: 'integrity.omitted', what: 'no file:checksum', run: () => codesOf(event((e) => { delete asset(e)['file:checksum']; })) },
  { code: 'integrity.omitted', what: 'an md5 checksum, which WNM has no method for', run: () => codesOf(event((e) => { asset(e)['file:checksum'] = 'd50110' + '00'.repeat(16); })) },
  {
    code: 'link.no_type',
    what: 'no asset type and an extension that says none',
    run: () => codesOf(event((e) => {
      delete asset(e).type;
      asset(e).href = 'https://data.example.org/files/R6903580_147.xyz';
    }), {}, { centreId: 'fr-ifremer-argo', topic: ARGO.topic, metadataId: ARGO.metadataId, baseUrl: 'https://data.example.org/' }),
  },
  { code: 'content.too_large', what: 'inline bytes that do not fit 4096 once encoded', run: () => codesOf(event((e) => { delete asset(e)['file:size']; delete asset(e)['file:checksum']; }), { inline: Buffer.from(Array.from({ length: 8000 }, (_, i) => (i * 7919) % 251)) }) },
  { code: 'geometry.reduced', what: 'a polygon too big for 8192 bytes', run: () => codesOf(event((e) => { e.data.geometry = bigPolygon(400); })) },
  {
    code: 'content.dropped',
    what: 'inline content that makes the message too big',
    // a long file name appears twice (data_id and link): with 4000 bytes inline, over 8192
    run: () => codesOf(event((e) => {
      delete asset(e)['file:size'];
      delete asset(e)['file:checksum'];
      asset(e).href = `https://data.example.org/files/${'f'.repeat(2400)}.nc`;
    }), { inline: Buffer.from('x'.repeat(4000)) }, { centreId: 'fr-ifremer-argo', topic: ARGO.topic, metadataId: ARGO.metadataId, baseUrl: 'https://data.example.org/' }),
  },
];

describe('warnings for what the conversion ignores or repairs', () => {
  it('the sample itself gives none', () => {
    assert.deepEqual(codes({ payload: Buffer.from(SAMPLE) }), []);
  });

  for (const c of CASES) {
    it(`${c.code}: ${c.what}`, () => {
      assert.ok(c.run().includes(c.code), `got ${JSON.stringify(c.run())}`);
    });
  }

  it('every warning has a code, a message and a JSON Pointer, and each notification carries the event\'s', () => {
    const e = event((x) => {
      delete x.data.stac_version;
      x['1ext'] = 'x';
    });
    const result = convertEvent({ payload: Buffer.from(JSON.stringify(e)) }, resolveDataset(ARGO));
    const all = allWarnings(result);
    assert.deepEqual(all.map((w) => w.code).sort(), ['ce.attribute_name_not_letter', 'stac.no_version']);
    for (const w of all) {
      assert.match(w.code, /^[a-z]+\.[a-z_]+$/);
      assert.ok(w.message.length > 10);
      assert.match(w.path, /^(\/.*)?$/);
    }
    assert.deepEqual(result.notifications[0]?.warnings.map((w) => w.code).sort(), ['ce.attribute_name_not_letter', 'stac.no_version']);
  });

  it('has a case here, a line in the README and in both help pages for every code the conversion emits', () => {
    const lib = path.join(repoRoot, 'nodes', 'lib');
    const files = ['cloudevent/index.ts', 'stac/index.ts', 'stac/multihash.ts', 'core/geo.ts', 'wnm/build.ts', 'publish/convert.ts', 'intake/index.ts'];
    const emitted = new Set(files.flatMap((f) => [...fs.readFileSync(path.join(lib, f), 'utf8').matchAll(/code: '([a-z]+\.[a-z_]+)'/g)].map((m) => m[1])));
    assert.ok(emitted.size >= 24, `${emitted.size} codes found`);
    const tested = new Set(CASES.map((c) => c.code));
    const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    const help = ['en-US', 'fr'].map((lang) => fs.readFileSync(path.join(repoRoot, 'nodes', 'wis2-cloudevent-to-wnm', 'locales', lang, 'wis2-cloudevent-to-wnm.html'), 'utf8'));
    for (const code of emitted) {
      assert.ok(tested.has(code), `${code} has a case`);
      assert.ok(readme.includes(`| \`${code}\` |`), `${code} in the README`);
      for (const h of help) assert.ok(h.includes(`<code>${code}</code>`), `${code} in the help`);
    }
  });

  it('names each repeated member by its place, at any depth, escaped names included', () => {
    assert.deepEqual(duplicateMembers('{"a":1,"b":{"c":[{"d":1,"d":2}],"c":3},"a":"x\\"y"}'), ['/b/c/0/d', '/b/c', '/a']);
    assert.deepEqual(duplicateMembers('{"a\\u0062":1,"ab":2,"s":"\\\\","t":"{\\"a\\":1}"}'), ['/ab']);
    assert.deepEqual(duplicateMembers('[{"x":1},{"x":2}]', '/data'), []);
    assert.deepEqual(duplicateMembers('{"a~/b":1,"a~/b":2}', '/data'), ['/data/a~0~1b']);
  });
});
