import assert from 'node:assert/strict';
import { toWnmGeometry } from '../../../nodes/lib/core/geo';
import { decodeMultihash, readStacItem } from '../../../nodes/lib/stac';
import { readJson } from '../../helpers/reference';
import { SAMPLE_BUFR, SAMPLE_NETCDF } from '../../helpers/fixtures';
import { refusal } from '../../helpers/refusal';


interface Sample {
  data: Record<string, unknown> & { assets: Record<string, Record<string, unknown>>; properties: Record<string, unknown> };
}

function sample(name: 'bufr' | 'netcdf'): Sample {
  return readJson(name === 'bufr' ? SAMPLE_BUFR : SAMPLE_NETCDF) as Sample;
}

describe('multihash file:checksum', () => {
  it('decodes the BUFR sample into sha3-256 and its base64 digest', () => {
    const asset = sample('bufr').data.assets['IOPX01_LFVX_091838.BU'];
    const mh = decodeMultihash(asset['file:checksum'], '/x');
    assert.equal(mh.method, 'sha3-256');
    assert.equal(mh.digest.toString('base64'), 'rAspahlM6qJNy1eUxoo1SF/dLUUPom5fcp8EOZ0CgIw=');
  });

  it('maps the multicodec sha2 names onto the WNM method names', () => {
    // the STAC file extension's own example: sha2-256 of the text "test"
    const mh = decodeMultihash('12209f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', '/x');
    assert.equal(mh.name, 'sha2-256');
    assert.equal(mh.method, 'sha256');
  });

  it('knows md5 (two-byte varint code) but gives it no WNM method', () => {
    const mh = decodeMultihash('d50110' + '0'.repeat(32), '/x');
    assert.equal(mh.name, 'md5');
    assert.equal(mh.method, undefined);
  });

  it('refuses malformed values instead of guessing', () => {
    for (const bad of ['', '1620ABCD', '162', '1620' + 'aa'.repeat(31), '1620' + 'aa'.repeat(33), '12' , 'ff', 42, '1620' + 'zz'.repeat(32)]) {
      const err = refusal(() => decodeMultihash(bad, '/data/assets/a/file:checksum'));
      assert.equal(err.code, 'checksum.invalid', String(bad));
      assert.equal(err.path, '/data/assets/a/file:checksum');
    }
  });

  it('says what a multihash looks like when given a bare digest or an algorithm:digest pair', () => {
    const sha256 = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';
    const bare = refusal(() => decodeMultihash(sha256, '/c'));
    assert.match(bare.message, /bare 32-byte digest without the multihash header/);
    assert.match(bare.message, /"1220" followed by the 64 hex digits/);
    const named = refusal(() => decodeMultihash(`sha256:${sha256}`, '/c'));
    assert.match(named.message, /"sha256:…" is an algorithm name and a digest, not a multihash/);
    assert.match(named.message, /"1220" followed by the 64 hex digits/);
    // and the advice works: 1220 + the digest decodes to that very digest
    assert.equal(decodeMultihash(`1220${sha256}`, '/c').digest.toString('hex'), sha256);
  });
});

describe('geometry', () => {
  it('passes a Point and a Polygon through', () => {
    assert.deepEqual(toWnmGeometry({ type: 'Point', coordinates: [21.05, -36.3] }, '/g').geometry, { type: 'Point', coordinates: [21.05, -36.3] });
    const ring = [[0, 0], [1, 0], [1, 1], [0, 0]];
    assert.deepEqual(toWnmGeometry({ type: 'Polygon', coordinates: [ring] }, '/g').geometry, { type: 'Polygon', coordinates: [ring] });
  });

  it('keeps a height as third coordinate', () => {
    assert.deepEqual(toWnmGeometry({ type: 'Point', coordinates: [1, 2, -1500] }, '/g').geometry?.coordinates, [1, 2, -1500]);
  });

  it('turns other types into their bounding box, with a warning', () => {
    const r = toWnmGeometry({ type: 'LineString', coordinates: [[10, -5], [12, -3], [11, -8]] }, '/g');
    assert.deepEqual(r.geometry, { type: 'Polygon', coordinates: [[[10, -8], [12, -8], [12, -3], [10, -3], [10, -8]]] });
    assert.equal(r.warnings.at(0)?.code, 'geometry.bbox');
    const one = toWnmGeometry({ type: 'MultiPoint', coordinates: [[3, 4]] }, '/g');
    assert.deepEqual(one.geometry, { type: 'Point', coordinates: [3, 4] });
    const gc = toWnmGeometry({ type: 'GeometryCollection', geometries: [{ type: 'Point', coordinates: [0, 0] }, { type: 'Point', coordinates: [2, 1] }] }, '/g');
    assert.equal(gc.geometry?.type, 'Polygon');
  });

  it('refuses Argo fill values and other out-of-range coordinates', () => {
    assert.equal(refusal(() => toWnmGeometry({ type: 'Point', coordinates: [99999, 99999] }, '/g')).code, 'geometry.out_of_range');
    const lat = refusal(() => toWnmGeometry({ type: 'Point', coordinates: [0, 90.5] }, '/g'));
    assert.equal(lat.code, 'geometry.out_of_range');
    assert.equal(lat.path, '/g/coordinates/1');
  });

  it('refuses open rings, short rings, bad positions and unknown types', () => {
    assert.equal(refusal(() => toWnmGeometry({ type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 1], [0, 1]]] }, '/g')).code, 'geometry.open_ring');
    assert.equal(refusal(() => toWnmGeometry({ type: 'Polygon', coordinates: [[[0, 0], [1, 0], [0, 0]]] }, '/g')).code, 'geometry.invalid_coordinates');
    assert.equal(refusal(() => toWnmGeometry({ type: 'Polygon', coordinates: [] }, '/g')).code, 'geometry.invalid_coordinates');
    assert.equal(refusal(() => toWnmGeometry({ type: 'Point', coordinates: ['1', 2] }, '/g')).code, 'geometry.invalid_position');
    assert.equal(refusal(() => toWnmGeometry({ type: 'Point', coordinates: [1, 2, 3, 4] }, '/g')).code, 'geometry.invalid_position');
    assert.equal(refusal(() => toWnmGeometry({ type: 'Point', coordinates: [NaN, 2] }, '/g')).code, 'geometry.invalid_position');
    assert.equal(refusal(() => toWnmGeometry({ type: 'Circle', coordinates: [1, 2] }, '/g')).code, 'geometry.unknown_type');
    assert.equal(refusal(() => toWnmGeometry('POINT(1 2)', '/g')).code, 'geometry.invalid');
    const nested = { type: 'GeometryCollection', geometries: [{ type: 'GeometryCollection', geometries: [] }] };
    assert.equal(refusal(() => toWnmGeometry(nested, '/g')).code, 'geometry.nested_collection');
  });
});

describe('STAC Item', () => {
  it('reads the NetCDF sample: one data file, Point, datetime in UTC', () => {
    const item = readStacItem(sample('netcdf').data);
    assert.equal(item.id, 'ProfileR6903580_147A');
    assert.equal(item.files.length, 1);
    const file = item.files.at(0);
    assert.equal(file?.key, 'R6903580_147.nc');
    assert.equal(file.size, 31208);
    assert.equal(file.mediaType, 'application/x-netcdf');
    assert.deepEqual(file.temporal, { datetime: '2026-11-14T06:12:30.000000Z' });
    assert.equal(item.geometry?.type, 'Point');
  });

  it('announces every data asset and skips the others', () => {
    const item = sample('netcdf').data;
    item.assets['thumb.png'] = { href: 'https://data-argo.ifremer.fr/t.png', roles: ['thumbnail'] };
    item.assets['R6903580_148.nc'] = { href: 'https://data-argo.ifremer.fr/dac/coriolis/6903580/profiles/R6903580_148.nc', roles: ['data'] };
    assert.deepEqual(readStacItem(item).files.map((f) => f.key), ['R6903580_147.nc', 'R6903580_148.nc']);
  });

  it('takes the single asset even without the data role', () => {
    const item = sample('netcdf').data;
    delete item.assets['R6903580_147.nc'].roles;
    assert.equal(readStacItem(item).files.length, 1);
  });

  it('refuses several assets none of which is data', () => {
    const item = sample('netcdf').data;
    item.assets['R6903580_147.nc'].roles = ['metadata'];
    item.assets.other = { href: 'https://x.org/a.nc', roles: ['metadata'] };
    assert.equal(refusal(() => readStacItem(item)).code, 'stac.no_data_asset');
  });

  it('prefers a start/end range and never keeps both forms', () => {
    const item = sample('netcdf').data;
    Object.assign(item.properties, { start_datetime: '2024-11-09T00:00:00+01:00', end_datetime: '2024-11-10T00:00:00Z' });
    assert.deepEqual(readStacItem(item).files.at(0)?.temporal, { start_datetime: '2024-11-08T23:00:00Z', end_datetime: '2024-11-10T00:00:00Z' });
  });

  it('lets an asset override the Item time', () => {
    const item = sample('netcdf').data;
    item.assets['R6903580_147.nc'].datetime = '2020-01-01T00:00:00Z';
    assert.deepEqual(readStacItem(item).files.at(0)?.temporal, { datetime: '2020-01-01T00:00:00Z' });
  });

  it('carries datetime null (time unknown) with a warning', () => {
    const item = sample('netcdf').data;
    item.properties.datetime = null;
    const read = readStacItem(item);
    assert.deepEqual(read.files.at(0)?.temporal, { datetime: null });
    assert.ok(read.warnings.some((w) => w.code === 'stac.datetime_null'));
  });

  const refusals: [string, (item: Sample['data']) => void, string, string][] = [
    ['not a Feature', (i) => (i.type = 'Collection'), 'stac.not_feature', '/data/type'],
    ['no id', (i) => delete i.id, 'stac.invalid_id', '/data/id'],
    ['a NUL in the id', (i) => (i.id = 'R6903580_147\u0000'), 'stac.invalid_id', '/data/id'],
    ['a C1 control in the id', (i) => (i.id = 'R6903580\u0085022'), 'stac.invalid_id', '/data/id'],
    ['a newline in an asset key', (i) => (i.assets = { 'R6903580_147.nc\n': i.assets['R6903580_147.nc'] }), 'stac.invalid_asset', '/data/assets/R6903580_147.nc\n'],
    ['no geometry member', (i) => delete i.geometry, 'stac.missing_geometry', '/data/geometry'],
    ['no properties', (i) => delete (i as Record<string, unknown>).properties, 'stac.invalid_properties', '/data/properties'],
    ['no datetime', (i) => delete i.properties.datetime, 'stac.missing_datetime', '/data/properties/datetime'],
    ['a datetime with no offset', (i) => (i.properties.datetime = '2024-11-09T21:08:00'), 'stac.invalid_datetime', '/data/properties/datetime'],
    ['a start without an end', (i) => (i.properties.start_datetime = '2024-11-09T21:08:00Z'), 'stac.incomplete_range', '/data/properties/end_datetime'],
    ['an inverted range', (i) => Object.assign(i.properties, { start_datetime: '2024-11-10T00:00:00Z', end_datetime: '2024-11-09T00:00:00Z' }), 'stac.inverted_range', '/data/properties'],
    ['empty assets', (i) => (i.assets = {}), 'stac.no_assets', '/data/assets'],
    ['an asset with no href', (i) => delete i.assets['R6903580_147.nc'].href, 'stac.invalid_asset', '/data/assets/R6903580_147.nc/href'],
    ['a fractional file:size', (i) => (i.assets['R6903580_147.nc']['file:size'] = 1.5), 'stac.invalid_file_size', '/data/assets/R6903580_147.nc/file:size'],
    ['a file:size beyond 2^53', (i) => (i.assets['R6903580_147.nc']['file:size'] = 2 ** 60), 'stac.invalid_file_size', '/data/assets/R6903580_147.nc/file:size'],
    ['an upper-case checksum', (i) => (i.assets['R6903580_147.nc']['file:checksum'] = '1620F5'), 'checksum.invalid', '/data/assets/R6903580_147.nc/file:checksum'],
    ['a media type with a newline', (i) => (i.assets['R6903580_147.nc'].type = 'text/plain\nX: y'), 'stac.invalid_media_type', '/data/assets/R6903580_147.nc/type'],
    ['roles that are not strings', (i) => (i.assets['R6903580_147.nc'].roles = [1]), 'stac.invalid_roles', '/data/assets/R6903580_147.nc/roles'],
  ];
  for (const [name, breakIt, code, path] of refusals) {
    it(`refuses ${name} (${code})`, () => {
      const item = sample('netcdf').data;
      breakIt(item);
      const err = refusal(() => readStacItem(item));
      assert.equal(err.code, code);
      assert.equal(err.path, path);
      assert.equal(err.stage, 'stac');
    });
  }

  it('refuses a STAC Item sent as a JSON string, with a hint', () => {
    const err = refusal(() => readStacItem(JSON.stringify(sample('netcdf').data)));
    assert.equal(err.code, 'stac.not_object');
    assert.match(err.message, /encoded twice/);
  });
});
