import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { validateWnm, type EtsReport, type WnmSuiteOptions } from '../../../nodes/lib/wnm';
import { NOW, digest, entry, failed, link, props, short, tests, validWnm, warned, type Json, type JsonObject } from './fixtures';

interface Expectation {
  /** Tests expected FAILED (short names, e.g. `links`); every other test must not fail. */
  failed: string[];
  /** Recommendations expected as WARNING (e.g. `rec/links`); every other one must be silent. */
  warned?: string[];
  /** JSON Pointer expected among the errors of the first failing (or warning) suite test. */
  path?: string;
  options?: WnmSuiteOptions;
}

function run(message: unknown, options?: WnmSuiteOptions): EtsReport {
  return validateWnm(message, { now: NOW, ...options });
}

/**
 * Breaks one rule of a valid message and checks that exactly the expected tests fail, as an
 * object and as the bytes a broker would deliver.
 */
function breaks(mutate: (m: JsonObject) => void, expected: Expectation): void {
  const message = validWnm();
  mutate(message);
  const bytes = Buffer.from(JSON.stringify(message));
  for (const [form, input] of [['object', message], ['bytes', bytes]] as const) {
    const report = run(input, expected.options);
    assert.deepEqual(failed(report), [...expected.failed].sort(), `${form}: ${JSON.stringify(tests(report), null, 1)}`);
    assert.deepEqual(warned(report), [...(expected.warned ?? [])].sort(), `${form}: ${JSON.stringify(tests(report), null, 1)}`);
    if (expected.path !== undefined) {
      const suiteTest = tests(report).find((t) => (t.code === 'FAILED' || t.code === 'WARNING') && short(t.id) !== 'validation');
      assert.ok(suiteTest, 'a failing or warning test');
      assert.ok(
        suiteTest.errors?.some((e) => e.path === expected.path),
        `${form}: expected an error at ${expected.path} in ${JSON.stringify(suiteTest.errors)}`,
      );
    }
  }
}

function gzipBase64(text: string): string {
  return zlib.gzipSync(Buffer.from(text)).toString('base64');
}

describe('wnm suite: one rule at a time', () => {
  it('passes the valid message with no FAILED and no WARNING', () => {
    const report = run(validWnm());
    assert.deepEqual(failed(report), []);
    assert.deepEqual(warned(report), []);
    assert.deepEqual(report['ets-report'].summary, { PASSED: 9, FAILED: 0, WARNING: 0, SKIPPED: 2 });
  });

  describe('/req/core/message_size', () => {
    it('fails a message over 8192 bytes', () => {
      breaks((m) => (props(m).note = 'x'.repeat(8000)), { failed: ['message_size'] });
    });

    it('counts UTF-8 bytes, not characters', () => {
      const message = validWnm();
      const base = Buffer.byteLength(JSON.stringify(message));
      // Characters stay under 8192 while the bytes go over it.
      props(message).note = 'é'.repeat(8192 - base - 20);
      const text = JSON.stringify(message);
      assert.ok(text.length <= 8192 && Buffer.byteLength(text) > 8192);
      assert.deepEqual(failed(run(text)), ['message_size']);
      assert.deepEqual(failed(run(message)), ['message_size']);
    });

    it('passes exactly 8192 bytes', () => {
      const message = validWnm();
      props(message).note = '';
      props(message).note = 'x'.repeat(8192 - Buffer.byteLength(JSON.stringify(message)));
      const bytes = Buffer.from(JSON.stringify(message));
      assert.equal(bytes.length, 8192);
      assert.deepEqual(failed(run(bytes)), []);
    });

    it('measures the bytes received, white space included, and says how it measured', () => {
      const message = validWnm();
      const pretty = Buffer.from(JSON.stringify(message, null, 2));
      const size = entry(run(pretty), 'http://wis.wmo.int/spec/wnm/1/conf/core/message_size');
      assert.equal(size.message, `${pretty.length} bytes received`);
      const fromObject = entry(run(message), 'http://wis.wmo.int/spec/wnm/1/conf/core/message_size');
      assert.match(fromObject.message ?? '', new RegExp(`^${Buffer.byteLength(JSON.stringify(message))} bytes, measured on the compact JSON`));
      const fromText = entry(run(JSON.stringify(message)), 'http://wis.wmo.int/spec/wnm/1/conf/core/message_size');
      assert.match(fromText.message ?? '', /UTF-8 length of the text/);
    });
  });

  describe('/req/core/validation', () => {
    it('fails a type other than Feature', () => {
      breaks((m) => (m.type = 'FeatureCollection'), { failed: ['validation'] });
    });

    it('fails a missing type', () => {
      breaks((m) => delete m.type, { failed: ['validation'] });
    });

    it('reports schema errors as JSON Pointers to the member at fault', () => {
      const message = validWnm();
      delete message.type;
      const validation = entry(run(message), 'http://wis.wmo.int/spec/wnm/1/conf/core/validation');
      assert.deepEqual(validation.errors?.map((e) => e.path), ['/type']);
    });
  });

  describe('/req/core/identifier', () => {
    it('fails a missing id', () => {
      breaks((m) => delete m.id, { failed: ['validation', 'identifier'], path: '/id' });
    });

    it('fails the urn:uuid: form, which the uuid format of the schema lets through', () => {
      breaks((m) => (m.id = `urn:uuid:${m.id as string}`), { failed: ['identifier'], path: '/id' });
    });

    it('fails a UUID in braces', () => {
      breaks((m) => (m.id = `{${m.id as string}}`), { failed: ['validation', 'identifier'] });
    });

    it('fails 32 hexadecimal digits without hyphens', () => {
      breaks((m) => (m.id = (m.id as string).replace(/-/g, '')), { failed: ['validation', 'identifier'] });
    });

    it('fails an id that is not a string', () => {
      breaks((m) => (m.id = 42), { failed: ['validation', 'identifier'] });
    });

    it('accepts upper-case hexadecimal digits (RFC 4122: case-insensitive on input)', () => {
      breaks((m) => (m.id = (m.id as string).toUpperCase()), { failed: [] });
    });
  });

  describe('/req/core/conformance', () => {
    it('fails a message without conformsTo or version', () => {
      breaks((m) => delete m.conformsTo, { failed: ['validation', 'conformance'], path: '/conformsTo' });
    });

    it('fails conformsTo without the WNM conformance class', () => {
      breaks((m) => (m.conformsTo = ['http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core']), {
        failed: ['validation', 'conformance'],
      });
    });

    it('fails conformsTo that is not an array', () => {
      breaks((m) => (m.conformsTo = 'http://wis.wmo.int/spec/wnm/1/conf/core'), { failed: ['validation', 'conformance'] });
    });

    it('accepts other conformance classes beside the WNM one', () => {
      breaks((m) => (m.conformsTo = ['http://example.org/conf/extra', 'http://wis.wmo.int/spec/wnm/1/conf/core']), { failed: [] });
    });
  });

  describe('/req/core/version', () => {
    it('is SKIPPED without a version member', () => {
      assert.equal(entry(run(validWnm()), 'http://wis.wmo.int/spec/wnm/1/conf/core/version').code, 'SKIPPED');
    });

    it('passes the deprecated version v04 used instead of conformsTo, and skips conformance', () => {
      const message = validWnm();
      delete message.conformsTo;
      message.version = 'v04';
      const report = run(message);
      assert.deepEqual(failed(report), []);
      assert.equal(entry(report, 'http://wis.wmo.int/spec/wnm/1/conf/core/version').code, 'PASSED');
      assert.equal(entry(report, 'http://wis.wmo.int/spec/wnm/1/conf/core/conformance').code, 'SKIPPED');
    });

    it('fails a version other than v04', () => {
      breaks(
        (m) => {
          delete m.conformsTo;
          m.version = 'v03';
        },
        { failed: ['validation', 'version'], path: '/version' },
      );
    });

    it('fails version together with conformsTo', () => {
      breaks((m) => (m.version = 'v04'), { failed: ['validation', 'version'], path: '/version' });
    });
  });

  describe('/req/core/geometry', () => {
    it('accepts a null geometry', () => {
      breaks((m) => (m.geometry = null), { failed: [] });
    });

    it('accepts a third coordinate (height, /per/core/geometry)', () => {
      breaks((m) => (m.geometry = { type: 'Point', coordinates: [-4.48, 48.39, 12.5] }), { failed: [] });
    });

    it('accepts a closed Polygon with a hole', () => {
      breaks(
        (m) =>
          (m.geometry = {
            type: 'Polygon',
            coordinates: [
              [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]],
              [[2, 2], [2, 4], [4, 4], [2, 2]],
            ],
          }),
        { failed: [] },
      );
    });

    it('fails a missing geometry', () => {
      breaks((m) => delete m.geometry, { failed: ['validation', 'geometry'], path: '/geometry' });
    });

    it('fails a geometry type other than Point or Polygon', () => {
      breaks((m) => (m.geometry = { type: 'LineString', coordinates: [[0, 0], [1, 1]] }), { failed: ['validation', 'geometry'], path: '/geometry/type' });
    });

    it('fails a longitude outside [-180, 180]', () => {
      breaks((m) => (m.geometry = { type: 'Point', coordinates: [200, 48.39] }), { failed: ['geometry'], path: '/geometry/coordinates/0' });
    });

    it('fails a latitude outside [-90, 90]', () => {
      breaks((m) => (m.geometry = { type: 'Point', coordinates: [-4.48, -91] }), { failed: ['geometry'], path: '/geometry/coordinates/1' });
    });

    it('fails a coordinate that is not a number', () => {
      breaks((m) => (m.geometry = { type: 'Point', coordinates: ['-4.48', 48.39] }), { failed: ['validation', 'geometry'], path: '/geometry/coordinates/0' });
    });

    it('fails NaN handed over in an object (JSON has no NaN)', () => {
      const message = validWnm() as Record<string, unknown>;
      message.geometry = { type: 'Point', coordinates: [Number.NaN, 48.39] };
      assert.deepEqual(failed(run(message)), ['geometry', 'validation']);
    });

    it('fails a position with one coordinate', () => {
      breaks((m) => (m.geometry = { type: 'Point', coordinates: [-4.48] }), { failed: ['validation', 'geometry'] });
    });

    it('fails a position with a fourth coordinate', () => {
      breaks((m) => (m.geometry = { type: 'Point', coordinates: [-4.48, 48.39, 10, 1] }), { failed: ['geometry'], path: '/geometry/coordinates' });
    });

    it('fails a Polygon ring that is not closed', () => {
      breaks((m) => (m.geometry = { type: 'Polygon', coordinates: [[[0, 0], [10, 0], [10, 10], [0, 10]]] }), {
        failed: ['geometry'],
        path: '/geometry/coordinates/0/3',
      });
    });

    it('fails a Polygon ring of three positions', () => {
      breaks((m) => (m.geometry = { type: 'Polygon', coordinates: [[[0, 0], [10, 0], [0, 0]]] }), { failed: ['validation', 'geometry'] });
    });

    it('fails a Polygon without a ring (our schema on purpose; the official one lets it through)', () => {
      breaks((m) => (m.geometry = { type: 'Polygon', coordinates: [] }), { failed: ['validation', 'geometry'], path: '/geometry/coordinates' });
    });
  });

  describe('/req/core/pubtime', () => {
    it('fails a missing pubtime', () => {
      breaks((m) => delete props(m).pubtime, { failed: ['validation', 'pubtime'], path: '/properties/pubtime' });
    });

    it('fails a pubtime that is not a date-time', () => {
      breaks((m) => (props(m).pubtime = 'yesterday'), { failed: ['validation', 'pubtime'] });
    });

    it('fails a pubtime with a calendar date that does not exist', () => {
      breaks((m) => (props(m).pubtime = '2026-02-30T10:00:00Z'), { failed: ['validation', 'pubtime'] });
    });

    it('fails a pubtime not in UTC, which the date-time format lets through', () => {
      breaks((m) => (props(m).pubtime = '2026-08-20T12:00:00+02:00'), { failed: ['pubtime'], path: '/properties/pubtime' });
    });

    it('fails a pubtime without a UTC offset', () => {
      breaks((m) => (props(m).pubtime = '2026-08-20T10:00:00'), { failed: ['validation', 'pubtime'] });
    });

    it('fails a space instead of T, which the date-time format lets through (RFC 3339 §5.6: T in the grammar)', () => {
      breaks((m) => (props(m).pubtime = '2026-08-20 10:00:00Z'), { failed: ['pubtime'] });
    });

    it('accepts +00:00 as UTC', () => {
      breaks((m) => (props(m).pubtime = '2026-08-20T10:00:00+00:00'), { failed: [] });
    });

    it('fails -00:00: RFC 3339 §4.3 makes it "local offset unknown", explicitly not the same as Z or +00:00', () => {
      const message = validWnm();
      props(message).pubtime = '2026-08-20T10:00:00-00:00';
      const pubtime = entry(run(message), 'http://wis.wmo.int/spec/wnm/1/conf/core/pubtime');
      assert.equal(pubtime.code, 'FAILED');
      assert.match(pubtime.errors?.[0].message ?? '', /-00:00.*local offset unknown/);
    });

    it('accepts lower-case t and z: RFC 3339 §5.6 ABNF literals are case-insensitive, and z is UTC', () => {
      breaks((m) => (props(m).pubtime = '2026-08-20t10:00:00z'), { failed: [] });
    });

    it('accepts nanoseconds, as in the standard own pubtime example', () => {
      breaks((m) => (props(m).pubtime = '2026-08-20T10:00:00.314854383Z'), { failed: [] });
    });

    it('accepts a leap second at 23:59:60 UTC only', () => {
      breaks((m) => (props(m).pubtime = '2016-12-31T23:59:60Z'), { failed: [] });
      breaks((m) => (props(m).pubtime = '2016-12-31T12:59:60Z'), { failed: ['validation', 'pubtime'] });
    });

    it('warns about a pubtime in the future beyond the clock skew', () => {
      breaks((m) => (props(m).pubtime = '2026-08-20T10:05:00Z'), { failed: [], warned: ['rec/pubtime'], path: '/properties/pubtime' });
    });

    it('tolerates a pubtime a few seconds ahead (clock skew)', () => {
      breaks((m) => (props(m).pubtime = '2026-08-20T10:01:00Z'), { failed: [] });
    });
  });

  describe('/req/core/data_id', () => {
    it('fails a missing data_id', () => {
      breaks((m) => delete props(m).data_id, { failed: ['validation', 'data_id'], path: '/properties/data_id' });
    });

    it('fails an empty data_id (our schema on purpose; the official one lets it through)', () => {
      breaks((m) => (props(m).data_id = ''), { failed: ['validation', 'data_id'] });
    });

    it('fails a data_id that is not a string', () => {
      breaks((m) => (props(m).data_id = 6903001), { failed: ['validation', 'data_id'] });
    });
  });

  describe('/req/core/temporal', () => {
    it('accepts a null datetime', () => {
      breaks((m) => (props(m).datetime = null), { failed: [] });
    });

    it('accepts start_datetime with end_datetime', () => {
      breaks(
        (m) => {
          delete props(m).datetime;
          props(m).start_datetime = '2026-08-19T00:00:00Z';
          props(m).end_datetime = '2026-08-19T23:59:59Z';
        },
        { failed: [] },
      );
    });

    it('fails a message without any temporal description', () => {
      breaks((m) => delete props(m).datetime, { failed: ['validation', 'temporal'], path: '/properties/datetime' });
    });

    it('fails datetime together with start_datetime and end_datetime', () => {
      breaks(
        (m) => {
          props(m).start_datetime = '2026-08-19T00:00:00Z';
          props(m).end_datetime = '2026-08-19T23:59:59Z';
        },
        { failed: ['validation', 'temporal'] },
      );
    });

    it('fails start_datetime without end_datetime', () => {
      breaks(
        (m) => {
          delete props(m).datetime;
          props(m).start_datetime = '2026-08-19T00:00:00Z';
        },
        { failed: ['validation', 'temporal'], path: '/properties/end_datetime' },
      );
    });

    it('fails datetime with a lone start_datetime, which the schema lets through', () => {
      breaks((m) => (props(m).start_datetime = '2026-08-19T00:00:00Z'), { failed: ['temporal'] });
    });

    it('fails a null start_datetime: only datetime may be null', () => {
      breaks(
        (m) => {
          delete props(m).datetime;
          props(m).start_datetime = null;
          props(m).end_datetime = '2026-08-19T23:59:59Z';
        },
        { failed: ['validation', 'temporal'], path: '/properties/start_datetime' },
      );
    });

    it('fails a datetime not in UTC', () => {
      breaks((m) => (props(m).datetime = '2026-08-19T23:10:00+01:00'), { failed: ['temporal'], path: '/properties/datetime' });
    });

    it('fails a datetime that is not RFC 3339', () => {
      breaks((m) => (props(m).datetime = '19/08/2026'), { failed: ['validation', 'temporal'] });
    });
  });

  describe('/req/core/content', () => {
    it('is SKIPPED without inline content', () => {
      assert.equal(entry(run(validWnm()), 'http://wis.wmo.int/spec/wnm/1/conf/core/content').code, 'SKIPPED');
    });

    it('accepts utf-8, base64 and gzip content whose size is the length of the data', () => {
      const text = 'BUFR...7777';
      breaks((m) => (props(m).content = { encoding: 'utf-8', value: text, size: text.length }), { failed: [] });
      breaks((m) => (props(m).content = { encoding: 'base64', value: Buffer.from(text).toString('base64'), size: text.length }), { failed: [] });
      breaks((m) => (props(m).content = { encoding: 'gzip', value: gzipBase64(text), size: text.length }), { failed: [] });
    });

    it('fails a utf-8 value over 4096 bytes even under 4096 characters', () => {
      const value = 'é'.repeat(2100);
      breaks((m) => (props(m).content = { encoding: 'utf-8', value, size: Buffer.byteLength(value) }), {
        failed: ['validation', 'content'],
        path: '/properties/content/value',
      });
    });

    it('fails a value over 4096 bytes that the schema counts as under 4096 characters', () => {
      const value = 'é'.repeat(2100);
      breaks((m) => (props(m).content = { encoding: 'utf-8', value, size: 100 }), {
        failed: ['content'],
        warned: ['rec/content'],
        path: '/properties/content/value',
      });
    });

    it('fails a value of 4097 characters', () => {
      const value = 'a'.repeat(4097);
      breaks((m) => (props(m).content = { encoding: 'utf-8', value, size: 4096 }), { failed: ['validation', 'content'], warned: ['rec/content'] });
    });

    it('fails a size over 4096', () => {
      breaks((m) => (props(m).content = { encoding: 'utf-8', value: 'abc', size: 4097 }), { failed: ['validation', 'content'], path: '/properties/content/size' });
    });

    it('fails a negative size', () => {
      breaks((m) => (props(m).content = { encoding: 'utf-8', value: 'abc', size: -3 }), { failed: ['content'], path: '/properties/content/size' });
    });

    it('fails a base64 value that does not decode', () => {
      breaks((m) => (props(m).content = { encoding: 'base64', value: 'not base64!', size: 8 }), { failed: ['content'], path: '/properties/content/value' });
    });

    it('fails a gzip value that is base64 but not gzip', () => {
      const value = Buffer.from('plain text, not compressed at all').toString('base64');
      breaks((m) => (props(m).content = { encoding: 'gzip', value, size: 33 }), { failed: ['content'], path: '/properties/content/value' });
    });

    it('fails a gzip value whose stream is corrupt', () => {
      const packed = zlib.gzipSync(Buffer.from('some data that compresses'));
      packed[12] = (packed[12]) ^ 0xff;
      packed[13] = (packed[13]) ^ 0xff;
      breaks((m) => (props(m).content = { encoding: 'gzip', value: packed.toString('base64'), size: 25 }), { failed: ['content'] });
    });

    it('fails an encoding outside utf-8, base64, gzip (case matters)', () => {
      breaks((m) => (props(m).content = { encoding: 'UTF-8', value: 'abc', size: 3 }), { failed: ['validation', 'content'] });
    });

    it('warns when size is not the length of the data (/rec/core/content)', () => {
      breaks((m) => (props(m).content = { encoding: 'base64', value: Buffer.from('abcdef').toString('base64'), size: 5 }), {
        failed: [],
        warned: ['rec/content'],
        path: '/properties/content/size',
      });
    });

    it('accepts the compressed length as the size of gzip content', () => {
      const value = gzipBase64('compress me '.repeat(20));
      breaks((m) => (props(m).content = { encoding: 'gzip', value, size: Buffer.from(value, 'base64').length }), { failed: [] });
    });
  });

  describe('/req/core/links', () => {
    it('fails a missing links array', () => {
      breaks((m) => delete m.links, { failed: ['validation', 'links'], path: '/links' });
    });

    it('fails an empty links array', () => {
      breaks((m) => (m.links = []), { failed: ['validation', 'links'] });
    });

    it('fails a link without href', () => {
      breaks((m) => delete link(m).href, { failed: ['validation', 'links'], path: '/links/0/href' });
    });

    it('fails a link without rel', () => {
      breaks((m) => delete link(m).rel, { failed: ['validation', 'links'] });
    });

    it('fails a scheme other than HTTP, HTTPS, FTP or SFTP', () => {
      breaks((m) => (link(m).href = 's3://argo/R6903001_001.nc'), { failed: ['links'], path: '/links/0/href' });
    });

    it('parses the URL instead of testing a prefix: httpfoo: is not http', () => {
      breaks((m) => (link(m).href = 'httpfoo://example.org/x'), { failed: ['links'] });
    });

    it('fails a relative URL', () => {
      breaks((m) => (link(m).href = '/dac/coriolis/R6903001_001.nc'), { failed: ['links'] });
    });

    it('fails a URL without authority that WHATWG parsing would forgive', () => {
      breaks((m) => (link(m).href = 'https:data-argo.ifremer.fr/x.nc'), { failed: ['links'] });
    });

    it('fails a URL with white space', () => {
      breaks((m) => (link(m).href = ' https://data-argo.ifremer.fr/x.nc'), { failed: ['links'] });
    });

    it('fails a message without canonical, update or deletion link (12E-G)', () => {
      breaks((m) => (link(m).rel = 'item'), { failed: ['links'], path: '/links' });
    });

    it('fails two canonical links: exactly one (12E, 12I)', () => {
      breaks((m) => (m.links = [link(m), { ...link(m), href: 'https://mirror.example.org/R6903001_001.nc' }]), {
        failed: ['links'],
        path: '/links/1/rel',
      });
    });

    it('fails canonical combined with deletion (12I)', () => {
      breaks((m) => (m.links = [link(m), { href: 'https://data-argo.ifremer.fr/old.nc', rel: 'deletion' }]), { failed: ['links'], path: '/links/1/rel' });
    });

    it('fails update combined with canonical (12I)', () => {
      breaks((m) => (m.links = [{ ...link(m), rel: 'update' }, { ...link(m) }]), { failed: ['links'] });
    });

    it('fails rel Canonical: link types are lower case and compared exactly', () => {
      breaks((m) => (link(m).rel = 'Canonical'), { failed: ['links'], path: '/links/0/rel' });
    });

    it('fails the draft long-form update relation', () => {
      breaks((m) => (link(m).rel = 'http://def.wmo.int/def/rel/wnm/-/update'), { failed: ['links'], path: '/links/0/rel' });
    });

    it('accepts one update link, and one deletion link', () => {
      breaks((m) => (link(m).rel = 'update'), { failed: [] });
      breaks((m) => (m.links = [{ href: 'https://data-argo.ifremer.fr/x.nc', rel: 'deletion' }]), { failed: [] });
    });

    it('accepts extra links beside the canonical one (/per/core/links B)', () => {
      breaks((m) => (m.links = [link(m), { href: 'https://argo.ucsd.edu', rel: 'about', type: 'text/html' }]), { failed: [] });
    });

    describe('12H: metadata_id on the deletion of a metadata record', () => {
      const deletion = (dataId: string, metadataId?: string) => (m: JsonObject) => {
        m.geometry = null;
        props(m).data_id = dataId;
        if (metadataId === undefined) delete props(m).metadata_id;
        else props(m).metadata_id = metadataId;
        m.links = [{ href: 'https://data-argo.ifremer.fr/metadata/record.json', rel: 'deletion' }];
      };

      it('fails without metadata_id when data_id has a metadata segment', () => {
        breaks(deletion('fr-ifremer-argo/metadata/urn:wmo:md:fr-ifremer-argo:core.ocean.argo'), {
          failed: ['links'],
          warned: ['rec/metadata_id'],
          path: '/properties/metadata_id',
        });
      });

      it('fails without metadata_id when data_id is a WCMP2 identifier', () => {
        breaks(deletion('urn:wmo:md:fr-ifremer-argo:core.ocean.argo'), { failed: ['links'], warned: ['rec/metadata_id'] });
      });

      it('fails without metadata_id when the topic is a metadata topic', () => {
        breaks(deletion('fr-ifremer-argo/core.ocean.argo'), {
          failed: ['links'],
          warned: ['rec/metadata_id'],
          options: { topic: 'origin/a/wis2/fr-ifremer-argo/metadata' },
        });
      });

      it('passes with metadata_id', () => {
        breaks(deletion('fr-ifremer-argo/metadata/core.ocean.argo', 'urn:wmo:md:fr-ifremer-argo:core.ocean.argo'), { failed: [] });
      });

      it('does not require metadata_id to delete data (only recommends it)', () => {
        breaks(deletion('fr-ifremer-argo/data/core/ocean/R6903001_001.nc'), { failed: [], warned: ['rec/metadata_id'] });
      });
    });
  });

  describe('recommendations', () => {
    it('/rec/core/links A: warns about HTTP, FTP and SFTP links', () => {
      breaks((m) => (link(m).href = 'http://data-argo.ifremer.fr/x.nc'), { failed: [], warned: ['rec/links'], path: '/links/0/href' });
      breaks((m) => (link(m).href = 'ftp://ftp.ifremer.fr/ifremer/argo/x.nc'), { failed: [], warned: ['rec/links'] });
      breaks((m) => (link(m).href = 'sftp://ftp.ifremer.fr/argo/x.nc'), { failed: [], warned: ['rec/links'] });
    });

    it('/rec/core/links B: warns about a canonical link without length', () => {
      breaks((m) => delete link(m).length, { failed: [], warned: ['rec/links'], path: '/links/0/length' });
    });

    it('warns about a canonical or update link without type', () => {
      breaks((m) => delete link(m).type, { failed: [], warned: ['rec/links'], path: '/links/0/type' });
      breaks(
        (m) => {
          link(m).rel = 'update';
          delete link(m).type;
        },
        { failed: [], warned: ['rec/links'] },
      );
    });

    it('does not ask a deletion link for length or type', () => {
      breaks((m) => (m.links = [{ href: 'https://data-argo.ifremer.fr/x.nc', rel: 'deletion' }]), { failed: [] });
    });

    it('/rec/core/metadata_id: warns when it is missing or not a WCMP2 identifier', () => {
      breaks((m) => delete props(m).metadata_id, { failed: [], warned: ['rec/metadata_id'], path: '/properties/metadata_id' });
      breaks((m) => (props(m).metadata_id = 'argo-core'), { failed: [], warned: ['rec/metadata_id'] });
    });

    it('/rec/core/integrity: warns when integrity is missing', () => {
      breaks((m) => delete props(m).integrity, { failed: [], warned: ['rec/integrity'], path: '/properties/integrity' });
    });

    it('/rec/core/integrity: warns about a hexadecimal digest', () => {
      const hex = Buffer.from(digest('sha512', 'x'), 'base64').toString('hex');
      breaks((m) => (props(m).integrity = { method: 'sha512', value: hex }), { failed: [], warned: ['rec/integrity'], path: '/properties/integrity/value' });
    });

    it('/rec/core/integrity: warns about a digest of the wrong length for its method', () => {
      breaks((m) => (props(m).integrity = { method: 'sha512', value: digest('sha256', 'x') }), { failed: [], warned: ['rec/integrity'] });
    });

    it('/rec/core/integrity: warns about base64 that is not canonical (non-zero padding bits)', () => {
      const canonical = digest('sha256', 'x');
      const last = canonical.charAt(42);
      // B and C carry data in the two low bits that a 32-byte digest leaves at zero.
      const bent = canonical.slice(0, 42) + (last === 'B' ? 'C' : 'B') + '=';
      breaks((m) => (props(m).integrity = { method: 'sha256', value: bent }), { failed: [], warned: ['rec/integrity'] });
    });

    for (const method of ['sha256', 'sha384', 'sha512', 'sha3-256', 'sha3-384', 'sha3-512']) {
      it(`/rec/core/integrity: accepts a base64 ${method} digest`, () => {
        breaks((m) => (props(m).integrity = { method, value: digest(method, 'R6903001_001.nc') }), { failed: [] });
      });
    }

    it('reports recommendations after the tests, in the order of the standard', () => {
      const message = validWnm();
      props(message).pubtime = '2026-08-21T10:00:00Z';
      delete props(message).metadata_id;
      delete props(message).integrity;
      props(message).content = { encoding: 'utf-8', value: 'x', size: 2 };
      delete link(message).length;
      const ids = tests(run(message)).map((t) => short(t.id));
      assert.deepEqual(ids.slice(-5), ['rec/pubtime', 'rec/metadata_id', 'rec/integrity', 'rec/content', 'rec/links']);
    });
  });

  it('keeps at most 50 errors per test and counts the rest', () => {
    const message = validWnm();
    message.links = Array.from({ length: 120 }, (_, i): Json => ({ href: `s3://bucket/${i}`, rel: 'item' }));
    const links = entry(run(message), 'http://wis.wmo.int/spec/wnm/1/conf/core/links');
    assert.equal(links.errors?.length, 51);
    assert.match(links.errors[50].message, /and 71 more problems/);
    assert.match(links.message ?? '', /^121 problems; first: \/links\/0\/href/);
  });
});
