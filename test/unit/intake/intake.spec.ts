import assert from 'node:assert/strict';
import vm from 'node:vm';
import fc from 'fast-check';
import { Wis2Error } from '../../../nodes/lib/core/errors';
import { DEFAULT_LIMITS, decodeJson, duplicateMembers, inspectValue, printable, resolveLimits, safeStringify } from '../../../nodes/lib/intake';
import { jsonStringBytes } from '../../../nodes/lib/core/json';
import { assertPrototypeUntouched, deepArray, deepObject, prototypeSnapshot, refused } from './refusal';

const MILLION = 1_000_000;

/** JSON.stringify returns undefined for undefined, functions and symbols; its typing hides that. */
const stringifyOrUndefined = JSON.stringify as (value: unknown) => string | undefined;

/** The pointer of the container at nesting level `level` inside a chain of arrays. */
function arrayChainPointer(level: number): string {
  return '/0'.repeat(level - 1);
}

describe('intake: decodeJson', () => {
  // Taken when the suite starts: other suites may legitimately extend Object.prototype before
  // that (should.js adds a `should` getter), and that is not this suite's doing.
  let baseline: string[] = [];
  before(() => {
    baseline = prototypeSnapshot();
  });
  after(() => {
    assertPrototypeUntouched(baseline);
  });

  describe('accepts', () => {
    const value = { a: [1, 'é', true, null, { b: 'x' }], c: -0.5 };
    const text = JSON.stringify(value);

    it('a JSON string', () => {
      assert.deepEqual(decodeJson(text), value);
    });

    it('a Buffer', () => {
      assert.deepEqual(decodeJson(Buffer.from(text, 'utf8')), value);
    });

    it('a plain Uint8Array', () => {
      assert.deepEqual(decodeJson(new Uint8Array(Buffer.from(text, 'utf8'))), value);
    });

    it('an already-parsed value, returned as the same object', () => {
      const obj = JSON.parse(text) as unknown;
      assert.equal(decodeJson(obj), obj);
    });

    it('JSON scalars at the top level', () => {
      assert.equal(decodeJson('42'), 42);
      assert.equal(decodeJson('"s"'), 's');
      assert.equal(decodeJson('null'), null);
      assert.equal(decodeJson(false), false);
    });

    it('objects with a null prototype', () => {
      const obj = Object.create(null) as Record<string, unknown>;
      obj.a = 1;
      assert.equal(decodeJson(obj), obj);
    });

    it('objects and arrays made in another realm (Node-RED Function nodes run in a vm context)', () => {
      const foreign = vm.runInNewContext('({ a: [1, { b: 2 }], c: "x" })') as unknown;
      assert.equal(decodeJson(foreign), foreign);
    });

    it('the same object reached twice without a cycle', () => {
      const shared = { x: 1 };
      const value2 = { a: shared, b: [shared, shared] };
      assert.equal(decodeJson(value2), value2);
    });

    it('exactly maxDepth levels and exactly maxBytes bytes', () => {
      const depth = DEFAULT_LIMITS.maxDepth;
      const nested = '['.repeat(depth) + ']'.repeat(depth);
      assert.deepEqual(decodeJson(nested), deepArray(depth));
      assert.deepEqual(decodeJson(deepArray(depth)), deepArray(depth));
      const fits = '"' + 'a'.repeat(98) + '"';
      assert.equal(decodeJson(fits, { maxBytes: 100 }), 'a'.repeat(98));
      assert.equal(decodeJson(Buffer.from(fits), { maxBytes: 100 }), 'a'.repeat(98));
    });

    it('whitespace around the JSON text', () => {
      assert.deepEqual(decodeJson(' \n\t{"a":1}\r\n'), { a: 1 });
    });

    it('the same values and repeated members when Object.prototype carries an enumerable member', () => {
      const proto = Object.prototype as Record<string, unknown>;
      const say = (t: string): { value: unknown; repeated: string[] } => {
        const repeated: string[] = [];
        return { value: decodeJson(t, undefined, '', repeated), repeated };
      };
      const texts = ['{"a":{"b":1,"c":"x:y"},"d":[{"e":2}]}', '{"a":{"b":1,"b":2},"d":[{"e":2,"e":3}]}'];
      const before = texts.map(say);
      // an object (walked in its turn) and a plain value, which only adds to the members counted
      for (const planted of [{ deep: { deeper: ['x:y'] } }, 1]) {
        proto.wis2Planted = planted;
        try {
          const during = texts.map(say);
          assert.deepEqual(during, before);
          assert.deepEqual(during[1].repeated, ['/a/b', '/d/0/e']);
          refused(() => decodeJson('{"a":[{"constructor":1}]}'), { code: 'intake.forbidden_key', path: '/a/0/constructor' });
        } finally {
          delete proto.wis2Planted;
        }
      }
    });
  });

    it('every repeated member, where the count of the colons that follow quotes could be fooled', () => {
      const repeated = (t: string): string[] => {
        const out: string[] = [];
        decodeJson(t, undefined, '', out);
        return out;
      };
      const cases: [string, string[]][] = [
        // whitespace before a name's colon: that colon follows no quote
        ['{"a" :1,"a":2}', ['/a']],
        ['{\n  "a"\t:\n1,\n  "a": 2\n}', ['/a']],
        // a string that starts with a colon, written plainly or as an escape
        ['{"a":":","a":1}', ['/a']],
        ['{"a":"\\u003ax","a":1}', ['/a']],
        ['{"\\u003a":1,"b":2,"b":3}', ['/b']],
        // an escaped quote before a colon, inside a string
        ['{"x":"\\":","x":1}', ['/x']],
        ['{"x":"\\":"}', []],
        // names and strings with colons, and none repeated
        ['{"file:size":1,"href":"https://a.b/c","t":"12:00:00","e":"","":":"}', []],
        ['{"file:size":1,"file:size":2}', ['/file:size']],
        ['":a"', []],
        ['[":",{":":":"},{":":1,":":2}]', ['/2/:']],
      ];
      for (const [text, expected] of cases) {
        assert.deepEqual(repeated(text), expected, text);
        assert.deepEqual(duplicateMembers(text), expected, text);
      }
    });

  describe('refuses', () => {
    it('intake.too_large: bytes above the cap, before decoding them', () => {
      // Invalid UTF-8 on purpose: the size must be refused first.
      const bytes = Buffer.alloc(300 * 1024, 0xff);
      refused(() => decodeJson(bytes), { code: 'intake.too_large', path: '', stage: 'intake', message: '262144' });
    });

    it('intake.too_large: a 300 KiB string, and the prefix path', () => {
      const text = JSON.stringify({ pad: 'x'.repeat(300 * 1024) });
      refused(() => decodeJson(text, undefined, '/data'), { code: 'intake.too_large', path: '/data' });
    });

    it('intake.too_large: a string whose UTF-8 form is above the cap though its length is not', () => {
      const text = '"' + 'é'.repeat(60) + '"';
      assert.equal(text.length <= 100, true);
      refused(() => decodeJson(text, { maxBytes: 100 }), { code: 'intake.too_large', path: '' });
    });

    it('intake.too_large: an object whose compact JSON is above the cap', () => {
      const obj = { pad: 'x'.repeat(300 * 1024) };
      refused(() => decodeJson(obj), { code: 'intake.too_large', path: '' });
    });

    it('intake.too_large: a shared-reference bomb is stopped by the size count', () => {
      let node: unknown = 'x'.repeat(10);
      for (let i = 0; i < 60; i++) node = [node, node];
      refused(() => decodeJson(node), { code: 'intake.too_large' });
    });

    it('intake.invalid_utf8: a byte that never occurs in UTF-8', () => {
      refused(() => decodeJson(Buffer.from([0x22, 0xff, 0x22])), { code: 'intake.invalid_utf8', path: '', message: 'offset 1' });
    });

    it('intake.invalid_utf8: an overlong encoding of "/" (C0 AF)', () => {
      refused(() => decodeJson(Buffer.from([0x22, 0xc0, 0xaf, 0x22])), { code: 'intake.invalid_utf8', path: '' });
    });

    it('intake.invalid_utf8: a three-byte overlong NUL (E0 80 80)', () => {
      refused(() => decodeJson(Buffer.from([0x22, 0xe0, 0x80, 0x80, 0x22])), { code: 'intake.invalid_utf8', message: 'overlong' });
    });

    it('intake.invalid_utf8: an encoded surrogate (ED A0 80)', () => {
      refused(() => decodeJson(Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22])), { code: 'intake.invalid_utf8', message: 'surrogate' });
    });

    it('intake.invalid_utf8: a truncated sequence at the end', () => {
      refused(() => decodeJson(Buffer.from([0x22, 0x22, 0xe2, 0x82])), { code: 'intake.invalid_utf8', message: 'truncated' });
    });

    it('intake.byte_order_mark: a UTF-8 BOM before the JSON bytes', () => {
      const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}')]);
      refused(() => decodeJson(bytes), { code: 'intake.byte_order_mark', path: '' });
    });

    it('intake.byte_order_mark: a BOM at the start of a string', () => {
      refused(() => decodeJson('\ufeff{"a":1}', undefined, '/data'), { code: 'intake.byte_order_mark', path: '/data' });
    });

    it('intake.invalid_json: empty input, trailing commas, NaN literals, two documents', () => {
      for (const text of ['', ' ', '{"a":1,}', '[NaN]', '{} {}', "{'a':1}"]) {
        refused(() => decodeJson(text), { code: 'intake.invalid_json', path: '' });
      }
      refused(() => decodeJson(Buffer.alloc(0)), { code: 'intake.invalid_json' });
    });

    it('intake.too_deep: 10^6 nested arrays in a string (once the size cap allows it)', () => {
      const text = '['.repeat(MILLION) + ']'.repeat(MILLION);
      refused(() => decodeJson(text), { code: 'intake.too_large', path: '' });
      refused(() => decodeJson(text, { maxBytes: 3 * MILLION }), { code: 'intake.too_deep', path: arrayChainPointer(65) });
      refused(() => decodeJson(Buffer.from(text), { maxBytes: 3 * MILLION }), { code: 'intake.too_deep', path: arrayChainPointer(65) });
    });

    it('intake.too_deep: 10^6 nested arrays and objects as already-parsed values', () => {
      refused(() => decodeJson(deepArray(MILLION)), { code: 'intake.too_deep', path: arrayChainPointer(65) });
      refused(() => decodeJson(deepObject(MILLION)), { code: 'intake.too_deep', path: '/a'.repeat(64) });
    });

    it('intake.too_deep: one level past a custom maxDepth', () => {
      refused(() => decodeJson('{"x":[[[1]]]}', { maxDepth: 3 }), { code: 'intake.too_deep', path: '/x/0/0' });
      assert.deepEqual(decodeJson('{"x":[[1]]}', { maxDepth: 3 }), { x: [[1]] });
    });

    it('intake.forbidden_key: "__proto__" at depth, from text', () => {
      const text = '{"a":{"b":[{"__proto__":{"polluted":true}}]}}';
      refused(() => decodeJson(text), { code: 'intake.forbidden_key', path: '/a/b/0/__proto__' });
    });

    it('intake.forbidden_key: "__proto__" as an own key of a parsed object', () => {
      const obj = JSON.parse('{"x":1,"__proto__":{"isAdmin":true}}') as unknown;
      refused(() => decodeJson(obj), { code: 'intake.forbidden_key', path: '/__proto__' });
    });

    it('intake.forbidden_key: "constructor" and "prototype" keys', () => {
      refused(() => decodeJson('{"constructor":{"prototype":{"polluted":1}}}'), { code: 'intake.forbidden_key', path: '/constructor' });
      refused(() => decodeJson('[{"ok":{"prototype":1}}]'), { code: 'intake.forbidden_key', path: '/0/ok/prototype' });
    });

    it('intake.forbidden_key: the path escapes ~ and / (RFC 6901)', () => {
      refused(() => decodeJson('{"a/b":{"c~d":{"constructor":1}}}'), { code: 'intake.forbidden_key', path: '/a~1b/c~0d/constructor' });
    });

    it('intake.not_json_value: functions, symbols, bigints and undefined inside values', () => {
      refused(() => decodeJson({ f: () => 1 }), { code: 'intake.not_json_value', path: '/f' });
      refused(() => decodeJson({ s: Symbol('x') }), { code: 'intake.not_json_value', path: '/s' });
      refused(() => decodeJson({ n: [1, 2n] }), { code: 'intake.not_json_value', path: '/n/1' });
      refused(() => decodeJson({ u: undefined }), { code: 'intake.not_json_value', path: '/u' });
      refused(() => decodeJson([1, undefined]), { code: 'intake.not_json_value', path: '/1' });
      refused(() => decodeJson(undefined), { code: 'intake.not_json_value', path: '' });
    });

    it('intake.not_json_value: NaN and ±Infinity', () => {
      refused(() => decodeJson({ a: NaN }), { code: 'intake.not_json_value', path: '/a' });
      refused(() => decodeJson([Infinity]), { code: 'intake.not_json_value', path: '/0' });
      refused(() => decodeJson(-Infinity), { code: 'intake.not_json_value', path: '' });
    });

    it('intake.not_json_value: holes in sparse arrays', () => {
      // eslint-disable-next-line no-sparse-arrays -- the hole is what is under test
      refused(() => decodeJson({ a: [1, , 3] }), { code: 'intake.not_json_value', path: '/a/1' });
    });

    it('intake.unsupported_type: Buffers, Dates, Maps and class instances inside a value', () => {
      refused(() => decodeJson({ b: Buffer.from('x') }), { code: 'intake.unsupported_type', path: '/b', message: 'Buffer' });
      refused(() => decodeJson({ d: new Date(0) }), { code: 'intake.unsupported_type', path: '/d', message: 'Date' });
      refused(() => decodeJson([new Map()]), { code: 'intake.unsupported_type', path: '/0' });
      class Thing {
        readonly x = 1;
      }
      refused(() => decodeJson({ t: new Thing() }), { code: 'intake.unsupported_type', path: '/t', message: 'Thing' });
    });

    it('intake.unsupported_type: an ArrayBuffer, a typed array other than Uint8Array, or a boxed string at the top', () => {
      refused(() => decodeJson(new ArrayBuffer(4)), { code: 'intake.unsupported_type', path: '' });
      refused(() => decodeJson(new Uint16Array(2)), { code: 'intake.unsupported_type', path: '' });
      refused(() => decodeJson(Object('s')), { code: 'intake.unsupported_type', path: '' });
    });

    it('intake.unsupported_type: accessor properties, without calling the getter', () => {
      let called = false;
      const obj = {
        get secret(): string {
          called = true;
          return 'x';
        },
      };
      refused(() => decodeJson({ o: obj }), { code: 'intake.unsupported_type', path: '/o/secret' });
      assert.equal(called, false);
    });

    it('intake.cycle: an object that contains itself, directly or further down', () => {
      const self: Record<string, unknown> = { a: 1 };
      self.me = self;
      refused(() => decodeJson(self), { code: 'intake.cycle', path: '/me' });
      const outer: Record<string, unknown> = { list: [] };
      (outer.list as unknown[]).push({ back: outer });
      refused(() => decodeJson(outer), { code: 'intake.cycle', path: '/list/0/back' });
    });

    it('keeps hostile text out of messages: controls escaped, long keys cut, the path exact', () => {
      const key = 'line\nFAKE LOG ' + 'k'.repeat(10_000);
      const err = refused(() => decodeJson({ [key]: { constructor: 1 } }), { code: 'intake.forbidden_key', path: '/' + key + '/constructor' });
      assert.doesNotMatch(err.message, /[\n\r\u2028]/);
      assert.ok(err.message.length < 400, String(err.message.length));
      const bad = refused(() => decodeJson('{"a":1}\n\r\u2028FAKE'), { code: 'intake.invalid_json' });
      assert.doesNotMatch(bad.message, /[\n\r\u2028]/);
    });

    it('printable escapes controls, separators and lone surrogates, keeps pairs, and cuts', () => {
      assert.equal(printable('a\u0000b\n\u0085\u2028\ud800😀'), 'a\\u0000b\\u000a\\u0085\\u2028\\ud800😀');
      assert.equal(printable('abcdef', 3), 'abc…');
      assert.equal(printable('ab😀', 3), 'ab😀');
    });

    it('config.invalid_limit: limits that would switch a check off', () => {
      refused(() => decodeJson('1', { maxBytes: 0 }), { code: 'config.invalid_limit', stage: 'config' });
      refused(() => decodeJson('1', { maxDepth: Number.NaN }), { code: 'config.invalid_limit' });
      refused(() => decodeJson('1', { maxDepth: 1.5 }), { code: 'config.invalid_limit' });
      assert.deepEqual(resolveLimits({ maxBytes: 10 }), { maxBytes: 10, maxDepth: 64 });
    });
  });

  describe('properties', () => {
    it('random JSON values, as objects, text or bytes, only ever lead to a Wis2Error', () => {
      fc.assert(
        fc.property(fc.jsonValue(), fc.constantFrom('object', 'string', 'bytes'), fc.integer({ min: 1, max: 4096 }), fc.integer({ min: 1, max: 8 }), (value, form, maxBytes, maxDepth) => {
          const input = form === 'object' ? value : form === 'string' ? JSON.stringify(value) : Buffer.from(JSON.stringify(value));
          try {
            decodeJson(input, { maxBytes, maxDepth });
          } catch (err) {
            if (!(err instanceof Wis2Error)) throw err;
          }
        }),
        { numRuns: 500 },
      );
    });

    it('random bytes and random strings only ever lead to a Wis2Error', () => {
      fc.assert(
        fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 })), (input) => {
          try {
            decodeJson(input);
          } catch (err) {
            if (!(err instanceof Wis2Error)) throw err;
          }
        }),
        { numRuns: 1000 },
      );
    });

    it('anything thrown at it (Maps, Dates, boxed values, sparse arrays…) only ever leads to a Wis2Error', () => {
      fc.assert(
        fc.property(fc.anything({ withBigInt: true, withBoxedValues: true, withDate: true, withMap: true, withSet: true, withNullPrototype: true, withSparseArray: true, withTypedArray: true }), (input) => {
          try {
            decodeJson(input);
          } catch (err) {
            if (!(err instanceof Wis2Error)) throw err;
          }
        }),
        { numRuns: 500 },
      );
    });

    it('says which members are repeated exactly as the walk over the text does, whatever the spacing and escapes', () => {
      // few names, so that objects repeat them; strings of the characters the count looks at
      const name = fc.constantFrom('a', ':', 'a:b', '', ' ', '"');
      const text = fc.string({ unit: fc.constantFrom('a', ':', '"', '\\', ' ', '/', 'é'), maxLength: 6 });
      const space = fc.constantFrom('', '', '', ' ', '\n', '\t', ' \r\n');
      // a string written with JSON.stringify's escapes, or with some characters as \uXXXX
      const written = (s: string, escapeAt: number): string =>
        escapeAt < 0 ? JSON.stringify(s) : `"${Array.from(s, (c, i) => (i === escapeAt % Math.max(1, s.length) ? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}` : JSON.stringify(c).slice(1, -1))).join('')}"`;
      const { tree } = fc.letrec<{ tree: string }>((tie) => ({
        tree: fc.oneof(
          { depthSize: 'small', withCrossShrink: true },
          fc.tuple(text, fc.integer({ min: -3, max: 5 })).map(([s, e]) => written(s, e)),
          fc.constantFrom('1', 'true', 'null'),
          fc.array(tie('tree'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
          fc.array(fc.tuple(name, fc.integer({ min: -3, max: 5 }), space, space, tie('tree')), { maxLength: 5 }).map(
            (members) => `{${members.map(([n, e, before, after, v]) => `${written(n, e)}${before}:${after}${v}`).join(',')}}`,
          ),
        ),
      }));
      fc.assert(
        fc.property(tree, (t) => {
          const out: string[] = [];
          decodeJson(t, undefined, '', out);
          assert.deepEqual(out, duplicateMembers(t));
        }),
        { numRuns: 3000 },
      );
    });

    it('a JSON value without forbidden keys passes, and the same value text parses back equal', () => {
      fc.assert(
        fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
          const text = JSON.stringify(value);
          fc.pre(!/"(__proto__|constructor|prototype)":/.test(text));
          assert.deepEqual(decodeJson(text), JSON.parse(text));
          // A string given directly is JSON text to decode, not a parsed value.
          if (typeof value !== 'string') assert.equal(decodeJson(value), value);
        }),
        { numRuns: 300 },
      );
    });

    it('the size an object is charged is exactly the UTF-8 length of its compact JSON', () => {
      fc.assert(
        fc.property(fc.jsonValue({ maxDepth: 5 }), (value) => {
          const text = JSON.stringify(value);
          fc.pre(!/"(__proto__|constructor|prototype)":/.test(text));
          const bytes = Buffer.byteLength(text, 'utf8');
          inspectValue(value, { maxBytes: bytes, maxDepth: 64 });
          if (bytes > 1) {
            assert.throws(() => {
              inspectValue(value, { maxBytes: bytes - 1, maxDepth: 64 });
            }, (err: unknown) => err instanceof Wis2Error && err.code === 'intake.too_large');
          }
        }),
        { numRuns: 300 },
      );
    });

    it('jsonStringBytes matches JSON.stringify on any string, lone surrogates included', () => {
      fc.assert(
        fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary-ascii' }), fc.string({ unit: fc.integer({ min: 0xd700, max: 0xe000 }).map((c) => String.fromCharCode(c)) })), (s) => {
          assert.equal(jsonStringBytes(s), Buffer.byteLength(JSON.stringify(s), 'utf8'));
        }),
        { numRuns: 1000 },
      );
    });
  });
});

describe('intake: safeStringify', () => {
  it('equals JSON.stringify on JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        assert.equal(safeStringify(value), JSON.stringify(value));
      }),
      { numRuns: 1000 },
    );
  });

  it('equals JSON.stringify on any value JSON.stringify can write (toJSON, boxed values, undefined members, holes)', () => {
    fc.assert(
      fc.property(
        fc.anything({ withBoxedValues: true, withDate: true, withMap: true, withSet: true, withNullPrototype: true, withSparseArray: true, withTypedArray: true, withObjectString: true }),
        (value) => {
          let expected: string | undefined;
          try {
            expected = stringifyOrUndefined(value);
          } catch {
            return;
          }
          assert.equal(safeStringify(value), expected ?? 'null');
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('writes Buffers and Dates through their toJSON', () => {
    const value = { b: Buffer.from('hi'), d: new Date(0), n: Object(3) as unknown, s: Object('x') as unknown };
    assert.equal(safeStringify(value), JSON.stringify(value));
  });

  it('writes 10^6 nested arrays and objects', () => {
    assert.equal(safeStringify(deepArray(MILLION)), '['.repeat(MILLION) + ']'.repeat(MILLION));
    assert.equal(safeStringify(deepObject(MILLION)), '{"a":'.repeat(MILLION - 1) + '{}' + '}'.repeat(MILLION - 1));
  });

  it('writes a parsed 10^6-deep payload back to the same text', () => {
    const text = '['.repeat(MILLION) + '1' + ']'.repeat(MILLION);
    assert.equal(safeStringify(JSON.parse(text)), text);
  });

  it('still returns JSON where JSON.stringify throws: cycles, bigints, throwing getters and toJSON', () => {
    const self: Record<string, unknown> = { a: 1 };
    self.me = self;
    assert.equal(safeStringify(self), '{"a":1,"me":"[Circular]"}');
    assert.equal(safeStringify({ n: 12345678901234567890n }), '{"n":12345678901234567890}');
    const nasty = {
      get boom(): never {
        throw new Error('no');
      },
      ok: 1,
    };
    assert.equal(safeStringify(nasty), '{"ok":1}');
    const badToJSON = {
      toJSON(): never {
        throw new Error('no');
      },
    };
    assert.equal(safeStringify([badToJSON]), '[null]');
    assert.equal(safeStringify(undefined), 'null');
    assert.equal(safeStringify(() => 1), 'null');
    for (const text of [safeStringify(self), safeStringify(nasty)]) JSON.parse(text);
  });

  it('does not take a value shared by siblings for a cycle', () => {
    const shared = { x: [1] };
    const value = { a: shared, b: shared, c: [shared, shared] };
    assert.equal(safeStringify(value), JSON.stringify(value));
  });

  it('keeps "__proto__" members as data', () => {
    const value = JSON.parse('{"__proto__":{"x":1},"y":2}') as unknown;
    assert.equal(safeStringify(value), '{"__proto__":{"x":1},"y":2}');
  });
});
