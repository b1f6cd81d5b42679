import assert from 'node:assert/strict';
import { detectMode } from '../../../nodes/lib/cloudevent';
import { decodeStrictBase64, forbiddenCharacter, isJsonMediaType, isRfc3339, parseMediaType, parseUriReference } from '../../../nodes/lib/cloudevent/syntax';

describe('cloudevent: syntax', () => {
  describe('isRfc3339', () => {
    const good = [
      '2025-03-28T14:31:00Z',
      '2025-03-28t14:31:00z',
      '2025-03-28T14:31:00.1Z',
      '2025-03-28T14:31:00.123456789012Z',
      '2025-03-28T14:31:00+23:59',
      '2025-03-28T14:31:00-00:00',
      '2024-02-29T00:00:00Z',
      '2000-02-29T00:00:00Z',
      '2016-12-31T23:59:60Z',
      '2016-12-31T18:59:60-05:00',
    ];
    const bad = [
      '2025-03-28',
      '2025-03-28T14:31Z',
      '2025-03-28T14:31:00',
      '2025-03-28T14:31:00+0200',
      '2025-03-28T14:31:00+24:00',
      '2025-03-28T14:31:00+02:60',
      '2025-03-28T14:31:00,5Z',
      '2025-3-28T14:31:00Z',
      '2025-13-01T00:00:00Z',
      '2025-00-01T00:00:00Z',
      '2025-04-31T00:00:00Z',
      '2023-02-29T00:00:00Z',
      '2100-02-29T00:00:00Z',
      '2025-03-28T23:60:00Z',
      '2016-12-31T23:58:60Z',
      '+2025-03-28T14:31:00Z',
      ' 2025-03-28T14:31:00Z',
      '2025-03-28T14:31:00Z\n',
      '２０２５-03-28T14:31:00Z',
    ];
    for (const t of good) it(`accepts ${t}`, () => { assert.equal(isRfc3339(t), true); });
    for (const t of bad) it(`refuses ${JSON.stringify(t)}`, () => { assert.equal(isRfc3339(t), false); });
  });

  describe('parseUriReference', () => {
    const good = [
      'co050203',
      '',
      '/a/b',
      'a/b:c',
      './x:y',
      'https://user:pw@host.example:8443/p/a%2Fb;x=1?q=1&r=/?#frag/?',
      'http://[::]/',
      'http://[1:2:3:4:5:6:7:8]/',
      'http://[::ffff:192.0.2.1]/',
      'http://[v1.fe80::a+en1]/',
      'http://192.0.2.1:/',
      'urn:example:a:b',
      'tag:ifremer.fr,2025:argo',
      "x-y+z.w:!$&'()*+,;=",
    ];
    const bad = [
      'a b',
      '%',
      '%4',
      '%4g',
      ':no-scheme',
      '1x:y',
      'http://host:80a/',
      'http://[::1/',
      'http://[1:2:3:4:5:6:7:8:9]/',
      'http://[1::2::3]/',
      'http://[::1%eth0]/',
      'http://ho st/',
      'http://h/a#b#c',
      'http://h/{x}',
      '//a@b@c',
      'x\u0000y',
    ];
    for (const u of good) it(`accepts ${JSON.stringify(u)}`, () => { assert.equal(typeof parseUriReference(u), 'object'); });
    for (const u of bad) it(`refuses ${JSON.stringify(u)}`, () => { assert.equal(typeof parseUriReference(u), 'string'); });

    it('splits a URI into its components', () => {
      assert.deepEqual(parseUriReference('https://h:1/p?q#f'), { scheme: 'https', authority: 'h:1', path: '/p', query: 'q', fragment: 'f' });
      assert.deepEqual(parseUriReference('co050203'), { scheme: undefined, authority: undefined, path: 'co050203', query: undefined, fragment: undefined });
    });
  });

  describe('parseMediaType', () => {
    it('reads type, subtype and parameters, case-insensitively where RFC 2045 says so', () => {
      assert.deepEqual(parseMediaType('Application/GEO+JSON ; Charset=UTF-8;profile="https://x/y z";q=\\'), undefined);
      const mt = parseMediaType('Application/GEO+JSON ; Charset=UTF-8;profile="a \\"b\\""');
      assert.ok(mt);
      assert.equal(mt.essence, 'application/geo+json');
      assert.deepEqual({ ...mt.parameters }, { charset: 'UTF-8', profile: 'a "b"' });
      assert.equal(isJsonMediaType(mt), true);
    });

    it('refuses what is not a media type', () => {
      for (const v of ['', 'json', 'application/', '/json', 'application/json;', 'application/json; charset', 'application/json charset=utf-8', 'appli cation/json', 'application/json; a=b c']) {
        assert.equal(parseMediaType(v), undefined, v);
      }
    });

    it('keeps a parameter named __proto__ as plain data', () => {
      const mt = parseMediaType('application/json; __proto__=x');
      assert.ok(mt);
      assert.equal(Object.getPrototypeOf(mt.parameters), Object.prototype);
      assert.equal(Object.getOwnPropertyDescriptor(mt.parameters, '__proto__')?.value, 'x');
    });

    it('knows JSON types by subtype or +json suffix only', () => {
      const json = (v: string): boolean => isJsonMediaType(parseMediaType(v) ?? assert.fail(v));
      assert.equal(json('application/json'), true);
      assert.equal(json('text/json'), true);
      assert.equal(json('application/ld+json'), true);
      assert.equal(json('application/jsonl'), false);
      assert.equal(json('application/json-seq'), false);
      assert.equal(json('text/plain'), false);
      assert.equal(json('application/x-netcdf'), false);
    });
  });

  describe('decodeStrictBase64', () => {
    it('decodes canonical base64 only', () => {
      assert.deepEqual(decodeStrictBase64(''), Buffer.alloc(0));
      assert.deepEqual(decodeStrictBase64('e30='), Buffer.from('{}'));
      assert.deepEqual(decodeStrictBase64('YWJj'), Buffer.from('abc'));
      for (const v of ['e30', 'e30==', 'e31=', 'e3 0=', 'e30=\n', 'e3-_', '=e30', 'YQ=', 'YR==']) {
        assert.equal(decodeStrictBase64(v), undefined, v);
      }
    });
  });

  describe('forbiddenCharacter', () => {
    it('finds the first forbidden code point and its index', () => {
      assert.equal(forbiddenCharacter('plain ascii ~ é 😀'), undefined);
      assert.deepEqual(forbiddenCharacter('ab\tc'), { index: 2, description: 'the control character U+0009' });
      assert.deepEqual(forbiddenCharacter('a\u009f'), { index: 1, description: 'the control character U+009F' });
      assert.deepEqual(forbiddenCharacter('a\ufdd0'), { index: 1, description: 'the noncharacter U+FDD0' });
      assert.deepEqual(forbiddenCharacter('😀\u{10ffff}'), { index: 2, description: 'the noncharacter U+10FFFF' });
      assert.deepEqual(forbiddenCharacter('a\udc00b'), { index: 1, description: 'the unpaired surrogate U+DC00' });
      assert.deepEqual(forbiddenCharacter('a\ud83d'), { index: 1, description: 'the unpaired surrogate U+D83D' });
    });

    it('tells every code point apart as the CloudEvents String type does', () => {
      const forbidden = (cp: number): boolean =>
        cp <= 0x1f || (cp >= 0x7f && cp <= 0x9f) || (cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) === 0xfffe || (cp >= 0xd800 && cp <= 0xdfff);
      for (let cp = 0; cp <= 0x10ffff; cp++) {
        // every code point of the BMP, and the first two and the last two of each supplementary plane
        if (cp > 0xffff && (cp & 0xffff) > 1 && (cp & 0xffff) < 0xfffe) continue;
        const found = forbiddenCharacter(`id-${String.fromCodePoint(cp)}-x`);
        assert.equal(found?.index, forbidden(cp) ? 3 : undefined, `U+${cp.toString(16)}`);
      }
    });
  });

  describe('detectMode', () => {
    const attrs = { specversion: '1.0', id: 'x', source: 's', type: 't' };
    it('follows the MQTT binding', () => {
      assert.equal(detectMode({ payload: '{}' }), 'structured');
      assert.equal(detectMode({ payload: '{}', userProperties: attrs }), 'binary');
      assert.equal(detectMode({ payload: '{}', userProperties: attrs, contentType: 'application/json' }), 'binary');
      assert.equal(detectMode({ payload: '{}', userProperties: attrs, contentType: 'application/cloudevents+json' }), 'structured');
      assert.equal(detectMode({ payload: '{}', userProperties: { id: 'x', source: 's', type: 't' } }), 'structured');
      assert.equal(detectMode({ payload: '{}', contentType: 'APPLICATION/CLOUDEVENTS+JSON' }), 'structured');
    });
  });
});
