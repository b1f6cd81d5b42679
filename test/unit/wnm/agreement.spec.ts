import assert from 'node:assert/strict';
import fc from 'fast-check';
import { validateWnm, validateWnmSchema } from '../../../nodes/lib/wnm';
import { DELIBERATE_DIFFERENCES } from './differences';
import { needReference } from '../../helpers/reference';
import { NOW, OFFICIAL_SCHEMA, officialAccepts, type Json, type JsonObject } from './fixtures';

const WNM_CLASS = 'http://wis.wmo.int/spec/wnm/1/conf/core';

// ---------------------------------------------------------------------------------------------
// Valid messages
// ---------------------------------------------------------------------------------------------

const dateTime: fc.Arbitrary<string> = fc
  .tuple(
    fc.date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true }),
    fc.constantFrom('Z', '+00:00', 'z'),
    fc.constantFrom('', '.5', '.123', '.314854383'),
  )
  .map(([d, zone, fraction]) => d.toISOString().slice(0, 19) + fraction + zone);

const position: fc.Arbitrary<Json[]> = fc.oneof(
  fc.tuple(fc.double({ min: -180, max: 180, noNaN: true }), fc.double({ min: -90, max: 90, noNaN: true })),
  fc.tuple(fc.integer({ min: -180, max: 180 }), fc.integer({ min: -90, max: 90 }), fc.double({ min: -500, max: 9000, noNaN: true })),
);

const ring: fc.Arbitrary<Json[]> = fc.array(position, { minLength: 3, maxLength: 6 }).map((ps) => [...ps, ps[0] as Json]);

const geometry: fc.Arbitrary<Json> = fc.oneof(
  fc.constant(null),
  position.map((coordinates) => ({ type: 'Point', coordinates })),
  fc.array(ring, { minLength: 1, maxLength: 2 }).map((coordinates) => ({ type: 'Polygon', coordinates })),
);

const temporal: fc.Arbitrary<JsonObject> = fc.oneof(
  dateTime.map((datetime) => ({ datetime })),
  fc.constant({ datetime: null }),
  fc.tuple(dateTime, dateTime).map(([a, b]) => ({ start_datetime: a < b ? a : b, end_datetime: a < b ? b : a })),
);

const METHODS: Record<string, number> = { sha256: 32, sha384: 48, sha512: 64, 'sha3-256': 32, 'sha3-384': 48, 'sha3-512': 64 };
const integrity: fc.Arbitrary<Json> = fc
  .constantFrom(...Object.keys(METHODS))
  .chain((method) =>
    fc.uint8Array({ minLength: METHODS[method], maxLength: METHODS[method] }).map((bytes) => ({ method, value: Buffer.from(bytes).toString('base64') })),
  );

const content: fc.Arbitrary<Json> = fc.oneof(
  fc.string({ maxLength: 200, unit: 'grapheme' }).map((text) => ({ encoding: 'utf-8', value: text, size: Buffer.byteLength(text) })),
  fc.uint8Array({ maxLength: 300 }).map((bytes) => ({ encoding: 'base64', value: Buffer.from(bytes).toString('base64'), size: bytes.length })),
);

const securityScheme: fc.Arbitrary<Json> = fc.oneof(
  fc.record({ type: fc.constant('apiKey'), name: fc.constantFrom('X-API-Key', 'token'), in: fc.constantFrom('header', 'query', 'cookie') }),
  fc.record(
    { type: fc.constant('http'), scheme: fc.constantFrom('bearer', 'basic', 'digest'), description: fc.constant('access') },
    { requiredKeys: ['type', 'scheme'] },
  ),
  fc.record({ type: fc.constant('http'), scheme: fc.constant('bearer'), bearerFormat: fc.constant('JWT') }),
  fc.record({
    type: fc.constant('oauth2'),
    flows: fc.record(
      {
        implicit: fc.constant({ authorizationUrl: 'https://auth.example.org/authorize', scopes: { read: 'read data' } }),
        password: fc.constant({ tokenUrl: 'https://auth.example.org/token', scopes: {} }),
        clientCredentials: fc.constant({ tokenUrl: 'https://auth.example.org/token' }),
        authorizationCode: fc.constant({
          authorizationUrl: 'https://auth.example.org/authorize',
          tokenUrl: '/token',
          refreshUrl: '/refresh',
          scopes: { read: 'read' },
        }),
      },
      { requiredKeys: [] },
    ),
  }),
  fc.record({ type: fc.constant('openIdConnect'), openIdConnectUrl: fc.constantFrom('https://auth.example.org/.well-known/openid-configuration', '/oidc') }),
  fc.record({ $ref: fc.constantFrom('#/components/securitySchemes/key', 'https://example.org/security.json#/key') }),
  fc.constant({ type: 'apiKey', name: 'k', in: 'header', 'x-vendor': { any: 'thing' } }),
);

const security: fc.Arbitrary<Json> = fc.dictionary(fc.constantFrom('apiKey', 'bearer_auth', 'oauth.main', 'oidc-1'), securityScheme, {
  minKeys: 1,
  maxKeys: 2,
});

const href: fc.Arbitrary<string> = fc.oneof(
  fc.webUrl({ validSchemes: ['https', 'http'] }),
  fc.constantFrom('ftp://ftp.ifremer.fr/ifremer/argo/dac/coriolis/6903001/6903001_prof.nc', 'sftp://data.example.org/argo/x.nc'),
);

function linkOf(rel: fc.Arbitrary<string>): fc.Arbitrary<JsonObject> {
  return fc.record(
    {
      href,
      rel,
      type: fc.constantFrom('application/netcdf', 'application/bufr', 'application/geo+json', 'text/html'),
      length: fc.nat({ max: 10_000_000 }),
      title: fc.string({ maxLength: 20 }),
      hreflang: fc.constantFrom('en', 'fr'),
      security,
    },
    { requiredKeys: ['href', 'rel'] },
  );
}

const links: fc.Arbitrary<Json[]> = fc
  .tuple(linkOf(fc.constantFrom('canonical', 'update', 'deletion')), fc.array(linkOf(fc.constantFrom('item', 'about', 'related', 'via')), { maxLength: 2 }))
  .map(([operation, others]) => [operation, ...others]);

const validMessage: fc.Arbitrary<JsonObject> = fc
  .record(
    {
      id: fc.uuid(),
      geometry,
      temporal,
      pubtime: dateTime,
      data_id: fc.stringMatching(/^[a-z0-9][a-z0-9/._-]{0,60}$/),
      metadata_id: fc.constant('urn:wmo:md:fr-ifremer-argo:core.ocean.argo'),
      producer: fc.constant('Coriolis'),
      cache: fc.boolean(),
      integrity,
      content,
      globalCache: fc.constant('fr-meteofrance-global-cache'),
      links,
      extra: fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<unknown> as fc.Arbitrary<Json>,
      declaration: fc.constantFrom<'conformsTo' | 'version'>('conformsTo', 'conformsTo', 'conformsTo', 'version'),
    },
    { requiredKeys: ['id', 'geometry', 'temporal', 'pubtime', 'data_id', 'links', 'declaration'] },
  )
  .map((r) => {
    const properties: JsonObject = { pubtime: r.pubtime, data_id: r.data_id, ...r.temporal };
    if (r.metadata_id !== undefined) properties.metadata_id = r.metadata_id;
    if (r.producer !== undefined) properties.producer = r.producer;
    if (r.cache !== undefined) properties.cache = r.cache;
    if (r.integrity !== undefined) properties.integrity = r.integrity;
    if (r.content !== undefined) properties.content = r.content;
    if (r.globalCache !== undefined) properties['global-cache'] = r.globalCache;
    if (r.extra !== undefined) properties._comment = r.extra;
    const message: JsonObject = { id: r.id, type: 'Feature', geometry: r.geometry, properties, links: r.links };
    if (r.declaration === 'conformsTo') message.conformsTo = [WNM_CLASS];
    else message.version = 'v04';
    return message;
  });

// ---------------------------------------------------------------------------------------------
// Mutations: each breaks (or bends) one thing, on purpose or at random
// ---------------------------------------------------------------------------------------------

type Mutation = (message: JsonObject) => void;

function propsOf(m: JsonObject): JsonObject {
  return m.properties as JsonObject;
}

function firstLink(m: JsonObject): JsonObject {
  return (m.links as JsonObject[])[0];
}

const anyJson: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(null, true, false, 0, -1, 1.5, '', 'x', [], {}, 4096, 4097, 'v04', 'Feature', 'Point'),
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<unknown> as fc.Arbitrary<Json>,
);

/** Every member path of a message, found iteratively. */
function pathsOf(message: Json): (string | number)[][] {
  const out: (string | number)[][] = [];
  const pending: [Json, (string | number)[]][] = [[message, []]];
  while (pending.length > 0) {
    const [value, at] = pending.pop()!;
    if (Array.isArray(value)) value.forEach((v, i) => (out.push([...at, i]), pending.push([v, [...at, i]])));
    else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        out.push([...at, k]);
        pending.push([v, [...at, k]]);
      }
    }
  }
  return out;
}

function parentOf(message: JsonObject, at: (string | number)[]): [Json[] | JsonObject, string | number] | undefined {
  let node: Json = message;
  for (const key of at.slice(0, -1)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = Array.isArray(node) ? (node[key as number]) : (node[key as string]);
  }
  if (node === null || typeof node !== 'object') return undefined;
  return [node, at[at.length - 1]];
}

/** Deletes or replaces the member at a random path (the index picks among all paths). */
const randomEdit: fc.Arbitrary<Mutation> = fc.tuple(fc.nat(), fc.boolean(), anyJson).map(([pick, remove, value]) => (m: JsonObject) => {
  const paths = pathsOf(m);
  if (paths.length === 0) return;
  const found = parentOf(m, paths[pick % paths.length]);
  if (!found) return;
  const [parent, key] = found;
  if (Array.isArray(parent)) {
    if (remove) parent.splice(key as number, 1);
    else parent[key as number] = value;
  } else if (remove) Reflect.deleteProperty(parent, key);
  else parent[key as string] = value;
});

const REQUIRED: ((m: JsonObject) => [JsonObject, string])[] = [
  (m) => [m, 'id'],
  (m) => [m, 'type'],
  (m) => [m, 'geometry'],
  (m) => [m, 'properties'],
  (m) => [m, 'links'],
  (m) => [m, 'conformsTo'],
  (m) => [m, 'version'],
  (m) => [propsOf(m), 'pubtime'],
  (m) => [propsOf(m), 'data_id'],
  (m) => [propsOf(m), 'datetime'],
  (m) => [propsOf(m), 'start_datetime'],
  (m) => [firstLink(m), 'href'],
  (m) => [firstLink(m), 'rel'],
];

const removeRequired: fc.Arbitrary<Mutation> = fc.constantFrom(...REQUIRED).map((where) => (m: JsonObject) => {
  const [parent, key] = where(m);
  Reflect.deleteProperty(parent, key);
});

const KNOWN: ((m: JsonObject) => [JsonObject, string])[] = [
  ...REQUIRED,
  (m) => [propsOf(m), 'metadata_id'],
  (m) => [propsOf(m), 'producer'],
  (m) => [propsOf(m), 'global-cache'],
  (m) => [propsOf(m), 'cache'],
  (m) => [propsOf(m), 'integrity'],
  (m) => [propsOf(m), 'content'],
  (m) => [propsOf(m), 'end_datetime'],
  (m) => [firstLink(m), 'type'],
  (m) => [firstLink(m), 'length'],
  (m) => [firstLink(m), 'title'],
  (m) => [firstLink(m), 'hreflang'],
  (m) => [firstLink(m), 'security'],
];

const retype: fc.Arbitrary<Mutation> = fc.tuple(fc.constantFrom(...KNOWN), anyJson).map(([where, value]) => (m: JsonObject) => {
  const [parent, key] = where(m);
  parent[key] = value;
});

const badFormat: fc.Arbitrary<Mutation> = fc.oneof(
  fc
    .constantFrom(
      'urn:uuid:4b2d6a51-8f3e-4c1a-9d7b-2e5f8a1c3b90',
      '{4b2d6a51-8f3e-4c1a-9d7b-2e5f8a1c3b90}',
      '4b2d6a518f3e4c1a9d7b2e5f8a1c3b90',
      '4B2D6A51-8F3E-4C1A-9D7B-2E5F8A1C3B90',
      '4b2d6a51-8f3e-4c1a-9d7b-2e5f8a1c3b9',
      'not-a-uuid',
    )
    .map((id) => (m: JsonObject) => (m.id = id)),
  fc
    .tuple(
      fc.constantFrom('pubtime', 'datetime', 'start_datetime', 'end_datetime'),
      fc.constantFrom(
        'yesterday',
        '2026-08-20 10:00:00Z',
        '2026-08-20T10:00:00+02:00',
        '2026-08-20T10:00:00-00:00',
        '2026-08-20T10:00:00',
        '2026-02-30T10:00:00Z',
        '2026-08-20T24:00:00Z',
        '2016-12-31T23:59:60Z',
        '2016-12-31T12:00:60Z',
        '2026-08-20t10:00:00z',
        '2026-08-20',
        '2026-08-20T10:00Z',
        '2026-08-20T10:00:00.Z',
      ),
    )
    .map(([member, value]) => (m: JsonObject) => (propsOf(m)[member] = value)),
  fc
    .constantFrom('', 'relative/path', 'not a url', 'https://example.org/%zz', 'https://[::1', 'mailto:x@example.org')
    .map((value) => (m: JsonObject) => {
      firstLink(m).security = { oidc: { type: 'openIdConnect', openIdConnectUrl: value } };
    }),
);

const temporalCombos: fc.Arbitrary<Mutation> = fc
  .tuple(
    fc.constantFrom<Json | undefined>(undefined, null, '2026-08-19T22:10:00Z'),
    fc.constantFrom<Json | undefined>(undefined, null, '2026-08-19T00:00:00Z'),
    fc.constantFrom<Json | undefined>(undefined, null, '2026-08-19T23:59:59Z'),
  )
  .map(([datetime, start, end]) => (m: JsonObject) => {
    const p = propsOf(m);
    delete p.datetime;
    delete p.start_datetime;
    delete p.end_datetime;
    if (datetime !== undefined) p.datetime = datetime;
    if (start !== undefined) p.start_datetime = start;
    if (end !== undefined) p.end_datetime = end;
  });

const badGeometry: fc.Arbitrary<Mutation> = fc
  .constantFrom<Json>(
    { type: 'Polygon', coordinates: [] },
    { type: 'Polygon', coordinates: [[]] },
    { type: 'Polygon', coordinates: [[[0, 0], [1, 1], [0, 0]]] },
    { type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 1], [0, 1]]] },
    { type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 1], [0, 0]], [[0, 0], ['1', 0], [1, 1], [0, 0]]] },
    { type: 'Polygon', coordinates: [[0, 0], [1, 0], [1, 1], [0, 0]] },
    { type: 'Point', coordinates: [] },
    { type: 'Point', coordinates: [1] },
    { type: 'Point', coordinates: [1, 2, 3, 4] },
    { type: 'Point', coordinates: [200, 0] },
    { type: 'Point', coordinates: [0, 95] },
    { type: 'Point', coordinates: ['1', 2] },
    { type: 'Point', coordinates: [[1, 2]] },
    { type: 'Point' },
    { coordinates: [1, 2] },
    { type: 'point', coordinates: [1, 2] },
    { type: 'LineString', coordinates: [[0, 0], [1, 1]] },
    { type: 'MultiPoint', coordinates: [[0, 0]] },
    { type: 'GeometryCollection', geometries: [] },
    [],
    'POINT(1 2)',
    0,
  )
  .map((g) => (m: JsonObject) => (m.geometry = structuredClone(g)));

const contentLimits: fc.Arbitrary<Mutation> = fc
  .tuple(
    fc.constantFrom<Json>('utf-8', 'base64', 'gzip', 'UTF-8', 'hex'),
    fc.constantFrom(0, 1, 4095, 4096, 4097, 5000),
    fc.constantFrom('a', 'é', '+'),
    fc.constantFrom<Json>(0, 10, 4095, 4096, 4097, -1, 1.5, '12', null),
  )
  .map(([encoding, length, unit, size]) => (m: JsonObject) => {
    propsOf(m).content = { encoding, value: unit.repeat(length), size };
  });

const linkVariants: fc.Arbitrary<Mutation> = fc
  .constantFrom<Mutation>(
    (m) => (m.links = []),
    (m) => (m.links = firstLink(m)),
    (m) => (m.links = [firstLink(m), firstLink(m)]),
    (m) => (m.links = [firstLink(m), 'https://example.org']),
    (m) => (firstLink(m).href = 42),
    (m) => (firstLink(m).rel = ['canonical']),
    (m) => (firstLink(m).length = 1.5),
    (m) => (firstLink(m).length = -1),
    (m) => (firstLink(m).length = '100'),
    (m) => (firstLink(m).type = 7),
    (m) => (firstLink(m).href = 's3://bucket/key'),
    (m) => (firstLink(m).href = ''),
    (m) => (firstLink(m).rel = 'Canonical'),
    (m) => (firstLink(m).security = []),
    (m) => (firstLink(m).security = 'none'),
    (m) => (firstLink(m).security = {}),
  );

const declarations: fc.Arbitrary<Mutation> = fc
  .tuple(
    fc.constantFrom<Json | undefined>(undefined, [WNM_CLASS], [], ['http://example.org/other'], [WNM_CLASS, 'x', 1], WNM_CLASS, [[WNM_CLASS]]),
    fc.constantFrom<Json | undefined>(undefined, 'v04', 'v03', 'V04', 4, null),
  )
  .map(([conformsTo, version]) => (m: JsonObject) => {
    delete m.conformsTo;
    delete m.version;
    if (conformsTo !== undefined) m.conformsTo = structuredClone(conformsTo);
    if (version !== undefined) m.version = version;
  });

const badSecurity: fc.Arbitrary<Mutation> = fc
  .constantFrom<Json>(
    { type: 'apiKey', name: 'k' },
    { type: 'apiKey', name: 'k', in: 'body' },
    { type: 'apiKey', name: 'k', in: 'header', extra: 1 },
    { type: 'http' },
    { type: 'http', scheme: 'basic', bearerFormat: 'JWT' },
    { type: 'http', scheme: 'Bearer', bearerFormat: 'JWT' },
    { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 5 },
    { type: 'oauth2' },
    { type: 'oauth2', flows: {} },
    { type: 'oauth2', flows: { implicit: { authorizationUrl: 'https://a.example.org' } } },
    { type: 'oauth2', flows: { implicit: { authorizationUrl: 'https://a.example.org', scopes: {}, tokenUrl: '/t' } } },
    { type: 'oauth2', flows: { password: { authorizationUrl: '/a', tokenUrl: '/t' } } },
    { type: 'oauth2', flows: { clientCredentials: { tokenUrl: '/t', scopes: { a: 1 } } } },
    { type: 'oauth2', flows: { authorizationCode: { tokenUrl: '/t' } } },
    { type: 'oauth2', flows: { device: {} } },
    { type: 'oauth2', flows: { 'x-device': {} } },
    { type: 'openIdConnect' },
    { type: 'mutualTLS' },
    { $ref: 5 },
    { $ref: '#/ok', type: 'apiKey' },
    { $ref: '#/ok', type: 'apiKey', name: 'k', in: 'header' },
    {},
    'apiKey',
    null,
  )
  .chain((scheme) =>
    fc.constantFrom('key', 'bad key!', 'x.y').map((name) => (m: JsonObject) => {
      firstLink(m).security = { [name]: structuredClone(scheme) };
    }),
  );

/** The two deliberate differences, also reached on purpose rather than by luck. */
const deliberate: fc.Arbitrary<Mutation> = fc.constantFrom<Mutation>(
  (m) => (propsOf(m).data_id = ''),
  (m) => (m.geometry = { type: 'Polygon', coordinates: [] }),
);

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { arbitrary: deliberate, weight: 1 },
  { arbitrary: randomEdit, weight: 4 },
  { arbitrary: removeRequired, weight: 2 },
  { arbitrary: retype, weight: 3 },
  { arbitrary: badFormat, weight: 2 },
  { arbitrary: temporalCombos, weight: 2 },
  { arbitrary: badGeometry, weight: 2 },
  { arbitrary: contentLimits, weight: 2 },
  { arbitrary: linkVariants, weight: 2 },
  { arbitrary: declarations, weight: 2 },
  { arbitrary: badSecurity, weight: 2 },
);

const mutated: fc.Arbitrary<JsonObject> = fc.tuple(validMessage, fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([generated, edits]) => {
  // Generated values may share constants and are replayed when shrinking: never edit them in place.
  const message = structuredClone(generated);
  for (const edit of edits) {
    try {
      edit(message);
    } catch {
      // An edit aimed at a member an earlier edit removed (properties gone, links retyped).
    }
  }
  return message;
});

// ---------------------------------------------------------------------------------------------
// Agreement
// ---------------------------------------------------------------------------------------------

function oursAccepts(message: unknown): boolean {
  return validateWnmSchema(message).length === 0;
}

function clone(message: JsonObject): JsonObject {
  return JSON.parse(JSON.stringify(message)) as JsonObject;
}

/** Same verdict, or a disagreement that a deliberate difference explains, in its direction. */
function agrees(message: JsonObject): boolean {
  const ours = oursAccepts(message);
  const theirs = officialAccepts(message);
  if (ours === theirs) return true;
  const reasons = DELIBERATE_DIFFERENCES.filter((d) => d.explains(message));
  if (reasons.length === 0 || ours || !theirs) return false;
  // Removing the deliberate causes must bring both schemas back to the same verdict.
  const repaired = clone(message);
  for (const reason of reasons) reason.repair(repaired);
  return oursAccepts(repaired) === officialAccepts(repaired);
}

describe('wnm schema: agreement with the official schema (property-based)', function () {
  this.timeout(120_000);
  before(function () {
    needReference(this, OFFICIAL_SCHEMA);
  });
  const seen = { valid: 0, invalid: 0, explained: 0 };

  it('accepts every generated valid message, as the official schema does (1,000 messages)', () => {
    fc.assert(
      fc.property(validMessage, (message) => {
        assert.deepEqual(validateWnmSchema(message), []);
        assert.equal(officialAccepts(message), true);
      }),
      { numRuns: 1000 },
    );
  });

  it('gives the same verdict on 4,000 mutated messages, except for the deliberate differences', () => {
    fc.assert(
      fc.property(mutated, (message) => {
        const ours = oursAccepts(message);
        if (ours) seen.valid++;
        else seen.invalid++;
        if (ours !== officialAccepts(message)) seen.explained++;
        return agrees(message);
      }),
      { numRuns: 4000 },
    );
    // The mutations must exercise both verdicts, and the differences must actually occur.
    assert.ok(seen.valid > 200 && seen.invalid > 2000, JSON.stringify(seen));
    assert.ok(seen.explained > 0, JSON.stringify(seen));
  });

  it('never lets the suite throw, and the suite fails validation exactly when our schema does', () => {
    fc.assert(
      fc.property(mutated, (message) => {
        const report = validateWnm(message, { now: NOW });
        const validation = report['ets-report'].tests.find((t) => t.id === 'http://wis.wmo.int/spec/wnm/1/conf/core/validation');
        assert.equal(validation?.code === 'PASSED', oursAccepts(message));
      }),
      { numRuns: 1000 },
    );
  });
});
