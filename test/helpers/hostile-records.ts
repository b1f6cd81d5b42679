import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { repoRoot } from './reference';
import { deepObject, mutate, oddValues, type Case } from './hostile';

// Random and hostile WCMP2 records, for the nodes that read discovery metadata.

export const RECORD_TEXT = fs.readFileSync(path.join(repoRoot, 'flows', 'metadata', 'fr-ifremer-argo.json'), 'utf8');

function record(): Record<string, unknown> {
  return JSON.parse(RECORD_TEXT) as Record<string, unknown>;
}

/** Members of the record worth breaking. */
const PATHS: (string | number)[][] = [
  ['id'], ['type'], ['conformsTo'], ['geometry'], ['geometry', 'type'], ['geometry', 'coordinates'], ['geometry', 'coordinates', 0],
  ['geometry', 'coordinates', 0, 0], ['time'], ['time', 'interval'], ['properties'], ['properties', 'created'], ['properties', 'updated'],
  ['properties', 'title'], ['properties', 'themes'], ['properties', 'contacts'], ['properties', 'contacts', 0, 'roles'],
  ['properties', 'wmo:dataPolicy'], ['links'], ['links', 0], ['links', 0, 'channel'], ['links', 0, 'href'], ['links', 1, 'rel'],
];

/** Payloads that have broken readers of JSON and of records, and operations and URLs that are not ours to take. */
export function hostileRecords(): Case[] {
  return [
    { payload: '['.repeat(100_000) + ']'.repeat(100_000) },
    { payload: Buffer.from('['.repeat(100_000) + ']'.repeat(100_000)) },
    { payload: deepObject(2_000) },
    { payload: deepObject(100_000) },
    { payload: '{"__proto__":{"polluted":1},"id":"urn:wmo:md:fr-ifremer-argo:x"}' },
    { payload: JSON.parse('{"a":{"__proto__":{"polluted":1}}}') as unknown },
    { payload: RECORD_TEXT.replace('"properties": {', '"properties": {"constructor":{"prototype":{"polluted":1}},') },
    { payload: RECORD_TEXT.replace('"id": "urn:wmo:md:fr-ifremer-argo:cor:msg:argo"', '"id": "__proto__"') },
    { payload: RECORD_TEXT.replace('"id": "urn:wmo:md:fr-ifremer-argo:cor:msg:argo"', '"id": "urn:wmo:md:fr-ifremer-argo:__proto__"') },
    { payload: 'x'.repeat(2 * 1024 * 1024) },
    { payload: Buffer.alloc(2 * 1024 * 1024, 0x20) },
    { payload: Buffer.from([0x7b, 0xc3, 0x28, 0x7d]) },
    { payload: Buffer.from([0xef, 0xbb, 0xbf, ...Buffer.from(RECORD_TEXT)]) },
    { payload: RECORD_TEXT.replace('"created": "2026-11-27T00:00:00Z"', '"created": "2026-11-27T00:00:00Z", "created": "bad"') },
    { payload: RECORD_TEXT.replace('[-180, -90],\n        [180, -90]', '[1e308, 99999],\n        [180, -90]') },
    { payload: RECORD_TEXT.replace('"id": "urn:wmo:md:fr-ifremer-argo:cor:msg:argo"', '"id": "urn:wmo:md:fr-ifremer-argo:a\\u0000b"') },
    { payload: RECORD_TEXT.replace('"id": "urn:wmo:md:fr-ifremer-argo:cor:msg:argo"', '"id": "urn:wmo:md:../../etc:x"') },
    { payload: RECORD_TEXT.replace('"id": "urn:wmo:md:fr-ifremer-argo:cor:msg:argo"', '"id": "urn:wmo:md:fr-ifremer-argo/+/#:x"') },
    { payload: `[${RECORD_TEXT}]` },
    { payload: RECORD_TEXT, operation: 'deletion' },
    { payload: RECORD_TEXT, operation: { toString: 'deletion' } },
    { payload: RECORD_TEXT, operation: '__proto__' },
    { payload: RECORD_TEXT, recordUrl: 'javascript:alert(1)' },
    { payload: RECORD_TEXT, recordUrl: 'https://data-argo.ifremer.fr@evil.example/x' },
    { payload: RECORD_TEXT, recordUrl: 'https://x.example/\u0000' },
    { payload: RECORD_TEXT, recordUrl: ['https://x.example/a.json'] },
    ...oddValues(),
    { payload: new ArrayBuffer(8) },
    { payload: new Uint8Array(Buffer.from(RECORD_TEXT)) },
  ];
}

/** Our record with one member broken at random, as an object or as text, with random operations and URLs. */
export function brokenRecords(): Case[] {
  const base = record();
  return fc.sample(
    fc.record({
      at: fc.constantFrom(...PATHS),
      value: fc.oneof(fc.jsonValue(), fc.constantFrom('', 'urn:wmo:md:fr-ifremer-argo:x', 'urn:wmo:md:FR:x', 0, -1, 1e308, null, '2024-01-01T00:00:00+02:00', '2024-01-01T00:00:00-00:00')),
      remove: fc.boolean(),
      asText: fc.boolean(),
      operation: fc.option(fc.constantFrom('deletion', 'auto', '', 'update', 7), { nil: undefined }),
      recordUrl: fc.option(fc.oneof(fc.webUrl(), fc.constantFrom('http://example.org/r.json', 'https://a:b@example.org/', 'x')), { nil: undefined }),
    }).map(({ at, value, remove, asText, operation, recordUrl }) => {
      const r = mutate(base, at, value, remove);
      const c: Case = { payload: asText ? JSON.stringify(r) : r };
      if (operation !== undefined) c.operation = operation;
      if (recordUrl !== undefined) c.recordUrl = recordUrl;
      return c;
    }),
    { numRuns: 400, seed: 11 },
  );
}
