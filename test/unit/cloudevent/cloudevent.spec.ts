import assert from 'node:assert/strict';
import fs from 'node:fs';
import { detectMode, parseCloudEvent, type MqttMessageLike } from '../../../nodes/lib/cloudevent';
import { assertPrototypeUntouched, deepArray, prototypeSnapshot, refused, type Expected } from '../intake/refusal';
import { needReference, readJson } from '../../helpers/reference';
import { IFREMER_DIR, IFREMER_FILES, SAMPLE_FILES, ifremerPath, sample, samplePath, toBinary, type JsonObject } from './fixtures';

const ATTRIBUTES = ['specversion', 'id', 'source', 'type', 'subject', 'time', 'datacontenttype', 'dataschema'] as const;

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64');
}

/** The NetCDF sample with one change applied. */
function event(change: (e: JsonObject) => void = () => undefined): JsonObject {
  const e = sample();
  change(e);
  return e;
}

describe('cloudevent: parseCloudEvent', () => {
  // Taken when the suite starts: other suites may legitimately extend Object.prototype before
  // that (should.js adds a `should` getter), and that is not this suite's doing.
  let baseline: string[] = [];
  before(() => {
    baseline = prototypeSnapshot();
  });
  after(() => {
    assertPrototypeUntouched(baseline);
  });

  /** Every sample parses the same whatever form it travels in. */
  function parsesInEveryForm(name: string, file: () => string): void {
    const original = (): JsonObject => readJson(file()) as JsonObject;
    const text = (): string => fs.readFileSync(file(), 'utf8');
    const forms: [string, () => MqttMessageLike][] = [
      ['an object', () => ({ payload: original() })],
      ['a string', () => ({ payload: text() })],
      ['a Buffer', () => ({ payload: fs.readFileSync(file()) })],
      ['a Uint8Array with the CloudEvents content type', () => ({ payload: new Uint8Array(Buffer.from(text())), contentType: 'application/cloudevents+json; charset=utf-8' })],
    ];
    for (const [form, msg] of forms) {
      it(`${name} parses in structured mode as ${form}`, () => {
        const expected = original();
        const { event: ev, data, mode, warnings } = parseCloudEvent(msg());
        assert.equal(mode, 'structured');
        assert.deepEqual(warnings, []);
        for (const attr of ATTRIBUTES) assert.equal(ev[attr], expected[attr], attr);
        assert.deepEqual(ev.extensions, {});
        assert.deepEqual(data, expected.data);
        assert.deepEqual(ev.data, expected.data);
        assert.equal(ev.data_base64, undefined);
      });
    }

    it(`${name} parses in MQTT 5 binary mode`, () => {
      const expected = original();
      const msg = toBinary(original());
      assert.equal(detectMode(msg), 'binary');
      const { event: ev, data, mode, warnings } = parseCloudEvent(msg);
      assert.equal(mode, 'binary');
      assert.deepEqual(warnings, []);
      for (const attr of ATTRIBUTES) assert.equal(ev[attr], expected[attr], attr);
      assert.deepEqual(data, expected.data);
    });

    it(`${name} parses with its data in data_base64`, () => {
      const expected = original();
      const e = original();
      const encoded = b64(e.data);
      delete e.data;
      e.data_base64 = encoded;
      const { event: ev, data } = parseCloudEvent({ payload: e });
      assert.deepEqual(data, expected.data);
      assert.equal(ev.data_base64, encoded);
      assert.equal(ev.data, undefined);
    });
  }

  describe('the project sample events', () => {
    for (const name of SAMPLE_FILES) parsesInEveryForm(name, () => samplePath(name));
  });

  describe('the Ifremer sample events', () => {
    before(function () {
      needReference(this, IFREMER_DIR);
    });
    for (const name of IFREMER_FILES) parsesInEveryForm(name, () => ifremerPath(name));
  });

  describe('accepts', () => {
    it('only the required attributes, and invents none of the others', () => {
      const { event: ev } = parseCloudEvent({ payload: { specversion: '1.0', id: 'x', source: 'co050203', type: 't', data: {} } });
      assert.deepEqual(Object.keys(ev).sort(), ['data', 'extensions', 'id', 'source', 'specversion', 'type']);
    });

    it('null for optional attributes and extensions (null means unset)', () => {
      const { event: ev } = parseCloudEvent({ payload: event((e) => Object.assign(e, { subject: null, time: null, dataschema: null, datacontenttype: null, traceparent: null })) });
      assert.equal('subject' in ev, false);
      assert.equal('time' in ev, false);
      assert.deepEqual(ev.extensions, {});
    });

    it('time exactly as written: lowercase t and z, offsets, nanoseconds, leap seconds', () => {
      for (const time of ['2025-03-28t14:31:00z', '2025-03-28T14:31:00.123456789+02:00', '2024-02-29T00:00:00-12:30', '2016-12-31T23:59:60Z', '2017-01-01T00:59:60+01:00', '0001-01-01T00:00:00Z']) {
        assert.equal(parseCloudEvent({ payload: event((e) => (e.time = time)) }).event.time, time);
      }
    });

    it('sources that are URI-references, relative ones included', () => {
      for (const source of ['co050203', '/sensors/tn-1234567/alerts', 'urn:wmo:md:fr-ifremer-argo:cor:msg:argo', 'https://data-argo.ifremer.fr/dac?x=1#frag', '//host:8080/p', 'http://[::1]:80/x', 'http://[2001:db8::192.0.2.1]/', 'mailto:a@b.c', 'a%20b', '.', '../x', '?q', '#f']) {
        assert.equal(parseCloudEvent({ payload: event((e) => (e.source = source)) }).event.source, source);
      }
    });

    it('JSON media types in any case, with a +json suffix, with parameters', () => {
      for (const dct of ['application/json', 'Application/JSON', 'application/geo+json', 'application/vnd.stac.item+json; profile="a b"', 'text/json', 'application/json ; charset=UTF-8']) {
        assert.equal(parseCloudEvent({ payload: event((e) => (e.datacontenttype = dct)) }).event.datacontenttype, dct);
      }
    });

    it('extension attributes of the three allowed types, as given', () => {
      const { event: ev } = parseCloudEvent({ payload: event((e) => Object.assign(e, { traceparent: '00-abc', sequence: 2147483647, low: -2147483648, flag: false, empty: '' })) });
      assert.deepEqual(ev.extensions, { traceparent: '00-abc', sequence: 2147483647, low: -2147483648, flag: false, empty: '' });
    });

    it('a MQTT 5 structured message whose CloudEvents content type has odd case', () => {
      assert.equal(parseCloudEvent({ payload: event(), contentType: 'Application/CloudEvents+JSON' }).mode, 'structured');
    });

    it('a binary-mode message whose payload Node-RED already parsed', () => {
      const msg = toBinary(event());
      msg.payload = JSON.parse((msg.payload as Buffer).toString()) as unknown;
      assert.deepEqual(parseCloudEvent(msg).data, sample().data);
    });

    it('in binary mode, extensions as the strings they travel as; other user properties ignored', () => {
      const msg = toBinary(event((e) => Object.assign(e, { sequence: 7 })));
      msg.userProperties = { ...msg.userProperties, 'X-Trace': 'abc' };
      const { event: ev, warnings } = parseCloudEvent(msg);
      assert.deepEqual(ev.extensions, { sequence: '7' });
      assert.deepEqual(warnings.map((w) => [w.code, w.path]), [['ce.user_property_ignored', '/X-Trace']]);
    });

    it('duplicate JSON keys, checking the value JSON.parse keeps', () => {
      const text = fs.readFileSync(samplePath('bufr-IOPX01_LFVX_091838.json'), 'utf8').replace('"id": "IOPX01_LFVX_091838",', '"id": "first", "id": "second",');
      assert.equal(parseCloudEvent({ payload: text }).event.id, 'second');
      refused(() => parseCloudEvent({ payload: text.replace('"id": "second"', '"id": "bad\\n"') }), { code: 'ce.control_character', path: '/id' });
    });
  });

  describe('warns but accepts', () => {
    const cases: [string, () => MqttMessageLike, string, string][] = [
      ['an extension name longer than 20 characters', () => ({ payload: event((e) => (e.averyveryverylongextension = 'x')) }), 'ce.attribute_name_too_long', '/averyveryverylongextension'],
      ['an extension name starting with a digit', () => ({ payload: event((e) => (e['1st'] = 'x')) }), 'ce.attribute_name_not_letter', '/1st'],
      ['a non-CloudEvents MQTT content type without binary attributes', () => ({ payload: event(), contentType: 'application/json' }), 'ce.content_type_not_cloudevents', ''],
      ['a dataschema with a fragment', () => ({ payload: event((e) => (e.dataschema = 'https://example.org/s.json#/defs/item')) }), 'ce.dataschema_fragment', '/dataschema'],
      ['a binary-mode message without a content type', () => {
        const msg = toBinary(event());
        delete msg.contentType;
        return msg;
      }, 'ce.content_type_assumed', '/datacontenttype'],
      ['datacontenttype sent as a user property', () => {
        const msg = toBinary(event());
        msg.userProperties = { ...msg.userProperties, datacontenttype: 'application/json; charset=utf-8' };
        return msg;
      }, 'ce.datacontenttype_user_property', '/datacontenttype'],
    ];
    for (const [what, msg, code, path] of cases) {
      it(`${code}: ${what}`, () => {
        const { warnings } = parseCloudEvent(msg());
        assert.deepEqual(warnings.map((w) => [w.code, w.path]), [[code, path]]);
        assert.ok((warnings[0]?.message.length ?? 0) > 0);
      });
    }
  });

  describe('refuses, one broken rule at a time', () => {
    const cases: [string, () => MqttMessageLike, Expected][] = [
      ['ce.not_object: a JSON string payload (an event encoded twice)', () => ({ payload: JSON.stringify(JSON.stringify(event())) }), { code: 'ce.not_object', path: '', message: 'twice' }],
      ['ce.not_object: a number payload', () => ({ payload: '42' }), { code: 'ce.not_object', path: '' }],
      ['ce.batch_unsupported: a JSON array of events', () => ({ payload: [event()] }), { code: 'ce.batch_unsupported', path: '' }],
      ['ce.batch_unsupported: the batch content type', () => ({ payload: event(), contentType: 'application/cloudevents-batch+json' }), { code: 'ce.batch_unsupported', path: '' }],
      ['ce.missing_attribute: no id', () => ({ payload: event((e) => delete e.id) }), { code: 'ce.missing_attribute', path: '/id' }],
      ['ce.missing_attribute: id null', () => ({ payload: event((e) => (e.id = null)) }), { code: 'ce.missing_attribute', path: '/id', message: 'null' }],
      ['ce.missing_attribute: no source', () => ({ payload: event((e) => delete e.source) }), { code: 'ce.missing_attribute', path: '/source' }],
      ['ce.missing_attribute: no type', () => ({ payload: event((e) => delete e.type) }), { code: 'ce.missing_attribute', path: '/type' }],
      ['ce.missing_attribute: no specversion (never defaulted)', () => ({ payload: event((e) => delete e.specversion) }), { code: 'ce.missing_attribute', path: '/specversion' }],
      ['ce.empty_attribute: empty id', () => ({ payload: event((e) => (e.id = '')) }), { code: 'ce.empty_attribute', path: '/id' }],
      ['ce.empty_attribute: empty subject', () => ({ payload: event((e) => (e.subject = '')) }), { code: 'ce.empty_attribute', path: '/subject' }],
      ['ce.empty_attribute: empty dataschema', () => ({ payload: event((e) => (e.dataschema = '')) }), { code: 'ce.empty_attribute', path: '/dataschema' }],
      ['ce.invalid_attribute_type: numeric id', () => ({ payload: event((e) => (e.id = 42)) }), { code: 'ce.invalid_attribute_type', path: '/id' }],
      ['ce.invalid_attribute_type: specversion as the number 1', () => ({ payload: event((e) => (e.specversion = 1)) }), { code: 'ce.invalid_attribute_type', path: '/specversion' }],
      ['ce.invalid_attribute_type: time as a number', () => ({ payload: event((e) => (e.time = 1743172260)) }), { code: 'ce.invalid_attribute_type', path: '/time' }],
      ['ce.invalid_attribute_type: a fractional extension', () => ({ payload: event((e) => (e.ratio = 1.5)) }), { code: 'ce.invalid_attribute_type', path: '/ratio' }],
      ['ce.invalid_attribute_type: an extension beyond 32 bits', () => ({ payload: event((e) => (e.sequence = 2 ** 31)) }), { code: 'ce.invalid_attribute_type', path: '/sequence' }],
      ['ce.invalid_attribute_type: an object extension', () => ({ payload: event((e) => (e.meta = { a: 1 })) }), { code: 'ce.invalid_attribute_type', path: '/meta' }],
      ['ce.invalid_attribute_type: a non-string user property', () => {
        const msg = toBinary(event());
        msg.userProperties = { ...msg.userProperties, source: 5 };
        return msg;
      }, { code: 'ce.invalid_attribute_type', path: '/source' }],
      ['ce.unsupported_specversion: "1.0.2"', () => ({ payload: event((e) => (e.specversion = '1.0.2')) }), { code: 'ce.unsupported_specversion', path: '/specversion' }],
      ['ce.unsupported_specversion: "0.3"', () => ({ payload: event((e) => (e.specversion = '0.3')) }), { code: 'ce.unsupported_specversion', path: '/specversion' }],
      ['ce.invalid_attribute_name: uppercase', () => ({ payload: event((e) => (e.myExt = 'x')) }), { code: 'ce.invalid_attribute_name', path: '/myExt' }],
      ['ce.invalid_attribute_name: a slash, escaped in the path', () => ({ payload: event((e) => (e['a/b'] = 'x')) }), { code: 'ce.invalid_attribute_name', path: '/a~1b' }],
      ['ce.invalid_attribute_name: an empty name', () => ({ payload: event((e) => (e[''] = 'x')) }), { code: 'ce.invalid_attribute_name', path: '/' }],
      ['ce.invalid_attribute_name: a "data" user property', () => {
        const msg = toBinary(event());
        msg.userProperties = { ...msg.userProperties, data: '{}' };
        return msg;
      }, { code: 'ce.invalid_attribute_name', path: '/data' }],
      ['ce.control_character: NUL in id', () => ({ payload: event((e) => (e.id = 'Profile\u0000x')) }), { code: 'ce.control_character', path: '/id', message: 'U+0000' }],
      ['ce.control_character: a newline in id (log injection)', () => ({ payload: event((e) => (e.id = 'Profile\nFAKE LOG LINE')) }), { code: 'ce.control_character', path: '/id', message: 'U+000A' }],
      ['ce.control_character: a C1 control in subject', () => ({ payload: event((e) => (e.subject = 'a\u0085b')) }), { code: 'ce.control_character', path: '/subject' }],
      ['ce.control_character: DEL in a string extension', () => ({ payload: event((e) => (e.note = 'a\u007f')) }), { code: 'ce.control_character', path: '/note' }],
      ['ce.invalid_character: a lone surrogate in type', () => ({ payload: event((e) => (e.type = 'fr.ifremer\ud800')) }), { code: 'ce.invalid_character', path: '/type', message: 'surrogate' }],
      ['ce.invalid_character: the noncharacter U+FFFE in id', () => ({ payload: event((e) => (e.id = 'a\ufffe')) }), { code: 'ce.invalid_character', path: '/id', message: 'U+FFFE' }],
      ['ce.invalid_character: the noncharacter U+1FFFF in id', () => ({ payload: event((e) => (e.id = 'a\u{1ffff}')) }), { code: 'ce.invalid_character', path: '/id', message: 'U+1FFFF' }],
      ['ce.invalid_time: February 30th', () => ({ payload: event((e) => (e.time = '2025-02-30T14:31:00Z')) }), { code: 'ce.invalid_time', path: '/time' }],
      ['ce.invalid_time: no offset', () => ({ payload: event((e) => (e.time = '2025-03-28T14:31:00')) }), { code: 'ce.invalid_time', path: '/time' }],
      ['ce.invalid_time: a space for T', () => ({ payload: event((e) => (e.time = '2025-03-28 14:31:00Z')) }), { code: 'ce.invalid_time', path: '/time' }],
      ['ce.invalid_time: hour 24', () => ({ payload: event((e) => (e.time = '2025-03-28T24:00:00Z')) }), { code: 'ce.invalid_time', path: '/time' }],
      ['ce.invalid_time: a leap second that is not at 23:59 UTC', () => ({ payload: event((e) => (e.time = '2025-03-28T14:31:60Z')) }), { code: 'ce.invalid_time', path: '/time' }],
      ['ce.invalid_time: 1900 is no leap year', () => ({ payload: event((e) => (e.time = '1900-02-29T00:00:00Z')) }), { code: 'ce.invalid_time', path: '/time' }],
      ['ce.invalid_time: an empty fraction', () => ({ payload: event((e) => (e.time = '2025-03-28T14:31:00.Z')) }), { code: 'ce.invalid_time', path: '/time' }],
      ['ce.invalid_source: a space', () => ({ payload: event((e) => (e.source = 'co 050203')) }), { code: 'ce.invalid_source', path: '/source' }],
      ['ce.invalid_source: a bad %-escape', () => ({ payload: event((e) => (e.source = 'co%zz')) }), { code: 'ce.invalid_source', path: '/source' }],
      ['ce.invalid_source: a colon in a relative first segment', () => ({ payload: event((e) => (e.source = '1abc:def')) }), { code: 'ce.invalid_source', path: '/source' }],
      ['ce.invalid_source: a bad IPv6 literal', () => ({ payload: event((e) => (e.source = 'http://[::g]/')) }), { code: 'ce.invalid_source', path: '/source' }],
      ['ce.invalid_source: a double quote', () => ({ payload: event((e) => (e.source = 'urn:"x"')) }), { code: 'ce.invalid_source', path: '/source' }],
      ['ce.invalid_dataschema: a relative reference', () => ({ payload: event((e) => (e.dataschema = 'schemas/item.json')) }), { code: 'ce.invalid_dataschema', path: '/dataschema' }],
      ['ce.invalid_dataschema: a space', () => ({ payload: event((e) => (e.dataschema = 'https://exa mple.org/')) }), { code: 'ce.invalid_dataschema', path: '/dataschema' }],
      ['ce.invalid_content_type: not a media type', () => ({ payload: event((e) => (e.datacontenttype = 'json')) }), { code: 'ce.invalid_content_type', path: '/datacontenttype' }],
      ['ce.invalid_content_type: a dangling parameter separator', () => ({ payload: event((e) => (e.datacontenttype = 'application/json;')) }), { code: 'ce.invalid_content_type', path: '/datacontenttype' }],
      ['ce.invalid_content_type: a malformed MQTT CloudEvents content type', () => ({ payload: event(), contentType: 'application/cloudevents+json;;' }), { code: 'ce.invalid_content_type', path: '' }],
      ['ce.unsupported_content_type: text/plain data', () => ({ payload: event((e) => (e.datacontenttype = 'text/plain')) }), { code: 'ce.unsupported_content_type', path: '/datacontenttype' }],
      ['ce.unsupported_content_type: an event format other than JSON', () => ({ payload: event(), contentType: 'application/cloudevents+avro' }), { code: 'ce.unsupported_content_type', path: '' }],
      ['ce.unsupported_content_type: binary-mode bytes declared in another charset', () => {
        const msg = toBinary(event());
        msg.contentType = 'application/json; charset=iso-8859-1';
        return msg;
      }, { code: 'ce.unsupported_content_type', path: '/datacontenttype' }],
      ['ce.content_type_conflict: content type and datacontenttype user property disagree', () => {
        const msg = toBinary(event());
        msg.userProperties = { ...msg.userProperties, datacontenttype: 'application/geo+json' };
        return msg;
      }, { code: 'ce.content_type_conflict', path: '/datacontenttype' }],
      ['ce.duplicate_attribute: a user property given twice', () => {
        const msg = toBinary(event());
        msg.userProperties = { ...msg.userProperties, id: ['a', 'b'] };
        return msg;
      }, { code: 'ce.duplicate_attribute', path: '/id' }],
      ['ce.data_conflict: data and data_base64', () => ({ payload: event((e) => (e.data_base64 = b64(e.data))) }), { code: 'ce.data_conflict', path: '/data_base64' }],
      ['ce.missing_data: no data at all', () => ({ payload: event((e) => delete e.data) }), { code: 'ce.missing_data', path: '/data' }],
      ['ce.missing_data: a binary-mode message without payload', () => ({ ...toBinary(event()), payload: undefined }), { code: 'ce.missing_data', path: '/data' }],
      ['ce.invalid_base64: unpadded', () => ({ payload: event((e) => Object.assign(e, { data_base64: 'e30', data: undefined })) }), { code: 'ce.invalid_base64', path: '/data_base64' }],
      ['ce.invalid_base64: URL-safe alphabet', () => ({ payload: event((e) => Object.assign(e, { data_base64: 'e3-_', data: undefined })) }), { code: 'ce.invalid_base64', path: '/data_base64' }],
      ['ce.invalid_base64: non-zero padding bits', () => ({ payload: event((e) => Object.assign(e, { data_base64: 'e31=', data: undefined })) }), { code: 'ce.invalid_base64', path: '/data_base64' }],
      ['ce.invalid_base64: embedded whitespace', () => ({ payload: event((e) => Object.assign(e, { data_base64: 'e3\n0=', data: undefined })) }), { code: 'ce.invalid_base64', path: '/data_base64' }],
      ['ce.invalid_base64: not a string', () => ({ payload: event((e) => Object.assign(e, { data_base64: 123, data: undefined })) }), { code: 'ce.invalid_base64', path: '/data_base64' }],
      ['ce.data_not_json: data_base64 holding text that is not JSON', () => ({ payload: event((e) => Object.assign(e, { data_base64: Buffer.from('not json').toString('base64'), data: undefined })) }), { code: 'ce.data_not_json', path: '/data_base64' }],
      ['ce.data_not_json: data_base64 holding invalid UTF-8', () => ({ payload: event((e) => Object.assign(e, { data_base64: Buffer.from([0x7b, 0xff, 0x7d]).toString('base64'), data: undefined })) }), { code: 'ce.data_not_json', path: '/data_base64' }],
      ['ce.data_not_json: a binary-mode payload that is not JSON', () => ({ ...toBinary(event()), payload: Buffer.from('<xml/>') }), { code: 'ce.data_not_json', path: '/data' }],
      ['ce.data_not_object: a STAC Item encoded twice into a JSON string', () => ({ payload: event((e) => (e.data = JSON.stringify(e.data))) }), { code: 'ce.data_not_object', path: '/data', message: 'twice' }],
      ['ce.data_not_object: data null', () => ({ payload: event((e) => (e.data = null)) }), { code: 'ce.data_not_object', path: '/data' }],
      ['ce.data_not_object: data an array', () => ({ payload: event((e) => (e.data = [e.data])) }), { code: 'ce.data_not_object', path: '/data' }],
      ['ce.data_not_object: data_base64 holding a JSON number', () => ({ payload: event((e) => Object.assign(e, { data_base64: b64(5), data: undefined })) }), { code: 'ce.data_not_object', path: '/data_base64' }],
    ];
    for (const [what, msg, expected] of cases) {
      it(what, () => {
        const m = msg();
        // Assigning undefined leaves the key; the JSON event format knows no undefined.
        if (typeof m.payload === 'object' && m.payload !== null && !Array.isArray(m.payload) && !Buffer.isBuffer(m.payload)) {
          const p = m.payload as JsonObject;
          if ('data' in p && p.data === undefined) delete p.data;
        }
        refused(() => parseCloudEvent(m), { stage: expected.code.startsWith('ce.') ? 'cloudevent' : 'intake', ...expected });
      });
    }
  });

  describe('hostile input', () => {
    it('10^6 nested arrays as the payload text: too large, then too deep', () => {
      const text = '['.repeat(1_000_000) + ']'.repeat(1_000_000);
      refused(() => parseCloudEvent({ payload: text }), { code: 'intake.too_large', path: '', stage: 'intake' });
      refused(() => parseCloudEvent({ payload: Buffer.from(text) }, { maxBytes: 3_000_000 }), { code: 'intake.too_deep', path: '/0'.repeat(64) });
    });

    it('10^6 nested arrays as data in an already-parsed event', () => {
      refused(() => parseCloudEvent({ payload: event((e) => (e.data = deepArray(1_000_000))) }), { code: 'intake.too_deep', path: '/data' + '/0'.repeat(63) });
    });

    it('"__proto__" deep in the STAC Item, and Object.prototype untouched', () => {
      const text = fs.readFileSync(samplePath('bufr-IOPX01_LFVX_091838.json'), 'utf8').replace('"dac": "CORIOLIS",', '"dac": "CORIOLIS", "__proto__": {"polluted": "yes", "isAdmin": true},');
      refused(() => parseCloudEvent({ payload: text }), { code: 'intake.forbidden_key', path: '/data/properties/__proto__' });
      assertPrototypeUntouched(baseline);
    });

    it('"constructor" and "prototype" keys anywhere', () => {
      refused(() => parseCloudEvent({ payload: event((e) => {
        Object.assign(e.data as JsonObject, JSON.parse('{"constructor":{"prototype":{"polluted":1}}}') as JsonObject);
      }) }), { code: 'intake.forbidden_key', path: '/data/constructor' });
      refused(() => parseCloudEvent({ payload: JSON.stringify(event()).replace('"links":[]', '"links":[{"prototype":1}]') }), { code: 'intake.forbidden_key', path: '/data/links/0/prototype' });
      const msg = toBinary(event());
      msg.userProperties = { ...msg.userProperties, constructor: 'x' };
      refused(() => parseCloudEvent(msg), { code: 'intake.forbidden_key', path: '/constructor' });
      assertPrototypeUntouched(baseline);
    });

    it('invalid UTF-8, overlong encodings and a BOM in the payload bytes', () => {
      const good = fs.readFileSync(samplePath('bufr-IOPX01_LFVX_091838.json'));
      const at = good.indexOf('co050411');
      const corrupt = Buffer.from(good);
      corrupt[at] = 0xff;
      refused(() => parseCloudEvent({ payload: corrupt }), { code: 'intake.invalid_utf8', path: '', message: `offset ${at}` });
      const overlong = Buffer.concat([good.subarray(0, at), Buffer.from([0xc1, 0x81]), good.subarray(at + 1)]);
      refused(() => parseCloudEvent({ payload: overlong }), { code: 'intake.invalid_utf8', path: '' });
      refused(() => parseCloudEvent({ payload: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), good]) }), { code: 'intake.byte_order_mark', path: '' });
    });

    it('a 300 KiB payload, as bytes, text or object', () => {
      const big = event((e) => ((e.data as JsonObject).pad = 'x'.repeat(300 * 1024)));
      refused(() => parseCloudEvent({ payload: Buffer.from(JSON.stringify(big)) }), { code: 'intake.too_large', path: '' });
      refused(() => parseCloudEvent({ payload: JSON.stringify(big) }), { code: 'intake.too_large', path: '' });
      refused(() => parseCloudEvent({ payload: big }), { code: 'intake.too_large', path: '' });
      refused(() => parseCloudEvent({ ...toBinary(event()), payload: Buffer.alloc(300 * 1024, 0x20) }), { code: 'intake.too_large', path: '/data' });
    });

    it('a cycle through an already-parsed event', () => {
      const e = event();
      (e.data as JsonObject).loop = e;
      refused(() => parseCloudEvent({ payload: e }), { code: 'intake.cycle', path: '/data/loop' });
    });

    it('values that are not JSON in an already-parsed event', () => {
      refused(() => parseCloudEvent({ payload: event((e) => (e.id = Symbol('x'))) }), { code: 'intake.not_json_value', path: '/id' });
      refused(() => parseCloudEvent({ payload: event((e) => ((e.data as JsonObject).when = new Date())) }), { code: 'intake.unsupported_type', path: '/data/when' });
    });
  });
});
