import fc from 'fast-check';
import path from 'node:path';
import { hasReference, listJson, readJson, reference, repoRoot } from '../../helpers/reference';
import { ARGO_FILE, EXAMPLES_DIR, FIXTURES_DIR, clone, goodRecord } from './helpers';
import { kitchenSink } from './kitchen-sink';

/**
 * Random edits of real records: members replaced by values of the wrong type, deleted, or
 * added (including "__proto__"), the whole record replaced. Shared by the schema comparison
 * and the robustness tests.
 */
type Json = Record<string, unknown>;

let bases: unknown[] | undefined;

/**
 * The records mutated: the official examples, pywcmp's test records and Ifremer's record when
 * the reference data is there, else our own Argo record; and always two records of ours.
 */
export function BASES(): unknown[] {
  bases ??= hasReference(EXAMPLES_DIR, FIXTURES_DIR, ARGO_FILE)
    ? [...listJson(reference(EXAMPLES_DIR)).map(readJson), ...listJson(reference(FIXTURES_DIR)).map(readJson), readJson(reference(ARGO_FILE)), goodRecord(), kitchenSink()]
    : [readJson(path.join(repoRoot, 'flows', 'metadata', 'fr-ifremer-argo.json')), goodRecord(), kitchenSink()];
  return bases;
}

const INTERESTING: unknown[] = [
  null, '', 'x', 0, 1, -1, 1.5, true, false, [], {}, '..', '2020', '2020-06', '2020-01-01', '2020-13-45',
  '2020-01-01T00:00:00Z', '2020-01-01T00:00:00+02:00', 'T12:00Z', 'P1D', 'P1H', 'PT1H', 'Feature', 'dataset',
  'core', 'recommended', 'icon', 'bearer', 'basic', 'apiKey', 'http', 'oauth2', 'openIdConnect', 'header',
  'https://example.org/x', 'not a uri', 'a@example.org', '+33298224040', '33 2 98 22',
  'http://wis.wmo.int/spec/wcmp/2/conf/core', ['http://wis.wmo.int/spec/wcmp/2/conf/core'], ['x', 1],
  [0, 0], [0, 0, 0, 0], [0, 0, 0, 0, 0], [[0, 0], [1, 1]], [[[0, 0], [1, 0], [1, 1], [0, 0]]],
  { type: 'Point', coordinates: [0, 0] }, { type: 'Polygon', coordinates: [] }, { type: 'GeometryCollection', geometries: [] },
  { type: 'LineString', coordinates: [[0, 0]] }, { href: 'https://x' }, { href: 5 }, { href: 'x', rel: 'y' },
  { concepts: [{ id: 'x' }], scheme: 's' }, { concepts: [] }, { organization: 'o' }, { name: 'n' }, { $ref: '#/x' },
  { type: 'apiKey', name: 'k', in: 'header' }, { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
  { type: 'http', scheme: 'basic', bearerFormat: 'x' }, { tokenUrl: 'https://t' }, ['a'], [null], [[null, null]],
  [['2020-01-01', null]], { interval: ['2020', '..'] }, { date: '2020-01-01', timestamp: '2020-01-01T00:00:00Z' },
];

const KEYS = [
  '__proto__', 'constructor', 'x-ext', '$ref', 'description', 'href', 'rel', 'type', 'samples', 'channel', 'security',
  'roles', 'scheme', 'id', 'interval', 'foo', 'coordinates', 'geometries', 'bearerFormat', 'resolution', 'date',
];

export type Op = { kind: 'replace' | 'replaceNamed' | 'delete' | 'insert' | 'root'; at: number; value: unknown; key: string };

export const valueArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...INTERESTING) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
);

const opArb: fc.Arbitrary<Op> = fc.record({
  kind: fc.oneof(
    { weight: 10, arbitrary: fc.constantFrom('replace' as const, 'delete' as const, 'insert' as const) },
    { weight: 4, arbitrary: fc.constant('replaceNamed' as const) },
    { weight: 1, arbitrary: fc.constant('root' as const) },
  ),
  at: fc.nat(),
  value: valueArb,
  key: fc.constantFrom(...KEYS),
});

export function mutationArb(): fc.Arbitrary<{ base: number; ops: Op[] }> {
  return fc.record({ base: fc.nat({ max: BASES().length - 1 }), ops: fc.array(opArb, { minLength: 1, maxLength: 3 }) });
}

/** Every member of the value, as (container, key), found without recursion. */
function members(root: unknown): { parent: Json | unknown[]; key: string | number }[] {
  const out: { parent: Json | unknown[]; key: string | number }[] = [];
  const stack: unknown[] = [root];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    if (Array.isArray(node)) {
      node.forEach((v, i) => {
        out.push({ parent: node, key: i });
        stack.push(v);
      });
    } else if (typeof node === 'object' && node !== null) {
      for (const k of Object.keys(node)) {
        out.push({ parent: node as Json, key: k });
        stack.push((node as Json)[k]);
      }
    }
  }
  return out;
}

function containers(root: unknown): (Json | unknown[])[] {
  const out: (Json | unknown[])[] = [];
  const stack: unknown[] = [root];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    if (typeof node !== 'object' || node === null) continue;
    out.push(node as Json);
    const children: unknown[] = Array.isArray(node) ? node : Object.values(node as Json);
    stack.push(...children);
  }
  return out;
}

function setOwn(target: Json, key: string, value: unknown): void {
  // defineProperty keeps "__proto__" an ordinary member, as JSON.parse makes it.
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

export function mutate(m: { base: number; ops: Op[] }): unknown {
  let record: unknown = clone(BASES()[m.base]);
  for (const op of m.ops) {
    const value = clone(op.value);
    if (op.kind === 'root') {
      record = value;
      continue;
    }
    if (op.kind === 'insert') {
      const all = containers(record);
      const target = all.at(op.at % Math.max(all.length, 1));
      if (target === undefined) continue;
      if (Array.isArray(target)) target.push(value);
      else setOwn(target, op.key, value);
      continue;
    }
    // replaceNamed aims at members called op.key, where the schemas have most to say.
    const all = members(record).filter((x) => op.kind !== 'replaceNamed' || x.key === op.key);
    const target = all.at(op.at % Math.max(all.length, 1));
    if (target === undefined) continue;
    const { parent, key } = target;
    if (op.kind === 'delete') {
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else Reflect.deleteProperty(parent, key);
    } else if (Array.isArray(parent)) parent[key as number] = value;
    else setOwn(parent, key as string, value);
  }
  return record;
}

