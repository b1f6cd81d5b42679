import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseCloudEvent, type MqttMessageLike } from '../../../nodes/lib/cloudevent';
import { isRfc3339, parseUriReference } from '../../../nodes/lib/cloudevent/syntax';
import { Wis2Error } from '../../../nodes/lib/core/errors';
import { assertPrototypeUntouched, prototypeSnapshot } from '../intake/refusal';
import { sample, toBinary, type JsonObject } from './fixtures';

/** Independent oracle for the CloudEvents String type, written with Unicode properties. */
const NOT_A_CE_STRING = /[\p{Cc}\p{Noncharacter_Code_Point}\p{Cs}]/u;
const FORBIDDEN_KEY_TEXT = /"(__proto__|constructor|prototype)":/;
const RESERVED = new Set(['specversion', 'id', 'source', 'type', 'subject', 'time', 'datacontenttype', 'dataschema', 'data', 'constructor', 'prototype']);

function onlyWis2Errors(run: () => unknown): void {
  try {
    run();
  } catch (err) {
    if (!(err instanceof Wis2Error)) throw err;
  }
}

const ceString = (minLength: number): fc.Arbitrary<string> =>
  fc.oneof(fc.string({ unit: 'grapheme', minLength, maxLength: 20 }), fc.string({ unit: 'binary', minLength, maxLength: 20 })).filter((s) => !NOT_A_CE_STRING.test(s));

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** RFC 3339 timestamps of every shape the spec allows: offsets, fractions, either case. */
const timestamp: fc.Arbitrary<string> = fc
  .record({
    ms: fc.integer({ min: Date.UTC(1, 0, 2), max: Date.UTC(9999, 11, 30) }),
    fraction: fc.option(fc.stringMatching(/^[0-9]{1,12}$/), { nil: undefined }),
    offset: fc.option(fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 }), { nil: undefined }),
    lowerT: fc.boolean(),
    lowerZ: fc.boolean(),
  })
  .map(({ ms, fraction, offset, lowerT, lowerZ }) => {
    const local = new Date(ms + (offset ?? 0) * 60_000);
    const date = `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}`;
    const time = `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}`;
    const zone = offset === undefined ? (lowerZ ? 'z' : 'Z') : `${offset < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
    return `${date}${lowerT ? 't' : 'T'}${time}${fraction === undefined ? '' : '.' + fraction}${zone}`;
  });

const source: fc.Arbitrary<string> = fc.oneof(
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
  fc.stringMatching(/^[a-z][a-z0-9]{0,15}$/),
  fc.stringMatching(/^\/[a-z0-9]{1,8}(\/[a-z0-9._~-]{1,8}){0,3}$/),
  fc.stringMatching(/^urn:[a-z]{2,6}:[a-z0-9:._-]{1,20}$/),
);

const extensionName = fc.stringMatching(/^[a-z][a-z0-9]{0,19}$/).filter((n) => !RESERVED.has(n));
const extensionValue = fc.oneof(ceString(0), fc.boolean(), fc.integer({ min: -2147483648, max: 2147483647 }));

const stacLike: fc.Arbitrary<JsonObject> = fc
  .dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 }), { noNullPrototype: true, maxKeys: 6 })
  .filter((d) => !FORBIDDEN_KEY_TEXT.test(JSON.stringify(d)));

interface Generated {
  attrs: JsonObject;
  extensions: Record<string, string | number | boolean>;
  data: JsonObject;
}

const validEvent: fc.Arbitrary<Generated> = fc
  .record(
    {
      id: ceString(1),
      source,
      type: ceString(1),
      subject: ceString(1),
      time: timestamp,
      datacontenttype: fc.constantFrom('application/json', 'application/json; charset=utf-8', 'Application/Geo+JSON', 'application/vnd.example.item+json; v="1 2"'),
      dataschema: fc.webUrl({ withQueryParameters: true }),
    },
    { requiredKeys: ['id', 'source', 'type'] },
  )
  .chain((attrs) =>
    fc.record({
      attrs: fc.constant<JsonObject>({ specversion: '1.0', ...attrs }),
      extensions: fc.dictionary(extensionName, extensionValue, { maxKeys: 4, noNullPrototype: true }),
      data: stacLike,
    }),
  );

function structuredEvent(g: Generated): JsonObject {
  return { ...g.attrs, ...g.extensions, data: g.data };
}

describe('cloudevent: properties', () => {
  // Taken when the suite starts: other suites may legitimately extend Object.prototype before
  // that (should.js adds a `should` getter), and that is not this suite's doing.
  let baseline: string[] = [];
  before(() => {
    baseline = prototypeSnapshot();
  });
  after(() => {
    assertPrototypeUntouched(baseline);
  });

  it('valid events are accepted in every form and round-trip their attributes unchanged', () => {
    fc.assert(
      fc.property(validEvent, fc.constantFrom('object', 'string', 'bytes', 'binary'), (g, form) => {
        const ev = structuredEvent(g);
        const text = JSON.stringify(ev);
        let msg: MqttMessageLike;
        if (form === 'object') msg = { payload: ev };
        else if (form === 'string') msg = { payload: text };
        else if (form === 'bytes') msg = { payload: Buffer.from(text) };
        else msg = toBinary(ev);
        const parsed = parseCloudEvent(msg);
        assert.equal(parsed.mode, form === 'binary' ? 'binary' : 'structured');
        for (const name of ['specversion', 'id', 'source', 'type', 'subject', 'time', 'datacontenttype', 'dataschema'] as const) {
          assert.equal(parsed.event[name], g.attrs[name], name);
        }
        const expectedExtensions = form === 'binary' ? Object.fromEntries(Object.entries(g.extensions).map(([k, v]) => [k, String(v)])) : g.extensions;
        assert.deepEqual(parsed.event.extensions, expectedExtensions);
        assert.equal(JSON.stringify(parsed.data), JSON.stringify(g.data));
        if (form === 'object') assert.equal(parsed.data, g.data);
        if (form !== 'binary') assert.deepEqual(parsed.warnings, []);
      }),
      { numRuns: 400 },
    );
  });

  it('a forbidden character anywhere in id is refused', () => {
    const bad = fc.oneof(
      fc.integer({ min: 0, max: 0x1f }),
      fc.integer({ min: 0x7f, max: 0x9f }),
      fc.integer({ min: 0xfdd0, max: 0xfdef }),
      fc.integer({ min: 0, max: 0x10 }).chain((plane) => fc.constantFrom(plane * 0x10000 + 0xfffe, plane * 0x10000 + 0xffff)),
      fc.integer({ min: 0xd800, max: 0xdfff }),
    );
    fc.assert(
      fc.property(ceString(0), ceString(0), bad, (head, tail, cp) => {
        const ch = cp >= 0xd800 && cp <= 0xdfff ? String.fromCharCode(cp) : String.fromCodePoint(cp);
        const id = head + ch + tail;
        // A lone surrogate can pair with a neighbour into a valid character; the oracle decides.
        fc.pre(NOT_A_CE_STRING.test(id));
        const ev = sample();
        ev.id = id;
        try {
          parseCloudEvent({ payload: ev });
          assert.fail(`accepted id ${JSON.stringify(id)}`);
        } catch (err) {
          assert.ok(err instanceof Wis2Error);
          assert.ok(['ce.control_character', 'ce.invalid_character'].includes(err.code), err.code);
          assert.equal(err.path, '/id');
        }
      }),
      { numRuns: 500 },
    );
  });

  it('random JSON payloads, as objects, text or bytes, only ever lead to a Wis2Error', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom('object', 'string', 'bytes'), (value, form) => {
        const text = JSON.stringify(value);
        const payload = form === 'object' ? value : form === 'string' ? text : Buffer.from(text);
        onlyWis2Errors(() => parseCloudEvent({ payload }));
      }),
      { numRuns: 500 },
    );
  });

  it('random bytes, content types and user properties only ever lead to a Wis2Error', () => {
    const userProperties = fc.dictionary(
      fc.oneof(fc.constantFrom('specversion', 'id', 'source', 'type', 'time', 'datacontenttype', 'data', 'constructor', '__proto__'), fc.string()),
      fc.oneof(fc.string({ unit: 'binary' }), fc.array(fc.string(), { maxLength: 3 }), fc.jsonValue({ maxDepth: 1 })),
    );
    const full = fc.record({ specversion: fc.constantFrom('1.0', '1.0.2', ''), id: fc.string(), source: fc.string(), type: fc.string() });
    fc.assert(
      fc.property(
        fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 300 })),
        fc.option(fc.oneof(fc.constantFrom('application/cloudevents+json', 'application/cloudevents-batch+json', 'application/json', 'text/plain; charset=latin1', ''), fc.string())),
        fc.option(fc.oneof(userProperties, fc.tuple(full, userProperties).map(([a, b]) => ({ ...b, ...a })))),
        (payload, contentType, props) => {
          const msg: MqttMessageLike = { payload };
          if (contentType !== null) msg.contentType = contentType;
          if (props !== null) msg.userProperties = props;
          onlyWis2Errors(() => parseCloudEvent(msg));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('a valid event with one member replaced by anything only ever leads to success or a Wis2Error', () => {
    const member = fc.oneof(fc.constantFrom('specversion', 'id', 'source', 'type', 'subject', 'time', 'datacontenttype', 'dataschema', 'data', 'data_base64', 'ext'), fc.string());
    fc.assert(
      fc.property(member, fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.string({ unit: 'binary' }), fc.base64String()), fc.boolean(), (name, value, asText) => {
        const ev = sample();
        Object.defineProperty(ev, name, { value, enumerable: true, writable: true, configurable: true });
        onlyWis2Errors(() => parseCloudEvent({ payload: asText ? JSON.stringify(ev) : ev }));
      }),
      { numRuns: 1000 },
    );
  });

  it('isRfc3339 accepts a date-time exactly when the calendar has it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 9999 }),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 0, max: 32 }),
        fc.integer({ min: 0, max: 25 }),
        fc.integer({ min: 0, max: 61 }),
        fc.integer({ min: 0, max: 59 }),
        (y, mo, d, h, mi, s) => {
          const text = `${pad(y, 4)}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}:${pad(s)}Z`;
          const date = new Date(0);
          date.setUTCFullYear(y, mo - 1, d);
          date.setUTCHours(h, mi, s, 0);
          const real = date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d && date.getUTCHours() === h && date.getUTCMinutes() === mi;
          assert.equal(isRfc3339(text), real, text);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('every generated timestamp and URL is accepted by the syntax checks', () => {
    fc.assert(
      fc.property(timestamp, source, (t, s) => {
        assert.ok(isRfc3339(t), t);
        assert.equal(typeof parseUriReference(s), 'object', s);
      }),
      { numRuns: 1000 },
    );
  });

  it('a URI-reference is refused whenever it holds a character RFC 3986 never allows', () => {
    fc.assert(
      fc.property(source, fc.constantFrom(' ', '"', '<', '>', '\\', '^', '`', '{', '|', '}', '\u00e9', '%g'), fc.nat(), (s, ch, at) => {
        const i = at % (s.length + 1);
        const broken = s.slice(0, i) + ch + s.slice(i);
        assert.equal(typeof parseUriReference(broken), 'string', broken);
      }),
      { numRuns: 1000 },
    );
  });
});
