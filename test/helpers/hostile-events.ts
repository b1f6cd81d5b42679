import fs from 'node:fs';
import fc from 'fast-check';
import { readJson } from './reference';
import { SAMPLE_NETCDF as NETCDF } from './fixtures';
import { deepArrayText, deepObject, mutate, oddValues, type Case } from './hostile';

// Random and hostile CloudEvents, for the nodes that read the diffusion system's file events.

/** Paths into the sample event worth breaking. */
const PATHS: (string | number)[][] = [
  ['id'], ['source'], ['specversion'], ['type'], ['time'], ['datacontenttype'], ['dataschema'], ['subject'], ['data'],
  ['data', 'type'], ['data', 'id'], ['data', 'geometry'], ['data', 'geometry', 'coordinates'], ['data', 'geometry', 'coordinates', 0],
  ['data', 'properties'], ['data', 'properties', 'datetime'], ['data', 'assets'], ['data', 'assets', 'R6903580_147.nc'],
  ['data', 'assets', 'R6903580_147.nc', 'href'], ['data', 'assets', 'R6903580_147.nc', 'type'], ['data', 'assets', 'R6903580_147.nc', 'roles'],
  ['data', 'assets', 'R6903580_147.nc', 'file:size'], ['data', 'assets', 'R6903580_147.nc', 'file:checksum'], ['data', 'bbox'],
];

const HREF_TRICKS = [
  'https://data-argo.ifremer.fr/dac/coriolis/6903580/profiles/../../../etc/passwd',
  'https://data-argo.ifremer.fr/dac/coriolis/6903580/profiles/R6903580_147.nc?x=1',
  'https://user@data-argo.ifremer.fr/dac/coriolis/6903580/profiles/R6903580_147.nc',
  'https://data-argo.ifremer.fr/dac/coriolis/6903580/profiles/R6903580_147.nc\u0000',
  'https://data-argo.ifremer.fr/dac/coriolis/6903580/profiles/R6903580_147.nc\n',
  'javascript:alert(1)',
  'file:///etc/passwd',
  'https://data-argo.ifremer.fr/dac/coriolis/6903580/profiles/%2e%2e/R6903580_147.nc',
  'https://data-argo.ifremer.fr/dac/coriolis/6903580/profiles/R6903580_147.nc#frag',
  'https://data-argo.ifremer.fr/dac/coriolis/6903580/profiles/R6903580_147.nc/+/#',
  'https://data-argo.ifremer.fr@evil.example/dac/coriolis/6903580/profiles/R6903580_147.nc',
];

/** Payloads that have broken readers of JSON and of CloudEvents, and hrefs that try to leave the dataset. */
export function hostileEvents(): Case[] {
  const sample = readJson(NETCDF);
  const text = fs.readFileSync(NETCDF, 'utf8');
  return [
    { payload: deepArrayText(100_000) },
    { payload: Buffer.from(deepArrayText(100_000)) },
    { payload: deepObject(2_000) },
    { payload: deepObject(100_000) },
    { payload: '{"__proto__":{"polluted":1},"specversion":"1.0"}' },
    { payload: JSON.parse('{"a":{"__proto__":{"polluted":1}}}') as unknown },
    { payload: text.replace('"data": {', '"data": {"constructor":{"prototype":{"polluted":1}},') },
    { payload: 'x'.repeat(300 * 1024) },
    { payload: Buffer.alloc(300 * 1024, 0x20) },
    { payload: Buffer.from([0x7b, 0xc3, 0x28, 0x7d]) },
    { payload: Buffer.from([0xef, 0xbb, 0xbf, ...Buffer.from(text)]) },
    { payload: Buffer.from([0xc0, 0xaf]) },
    { payload: text.replace('"id": "ProfileR6903580_147A"', '"id": "Profile\\u0000x"') },
    { payload: text.replace('"id": "ProfileR6903580_147A"', '"id": "a\\nb"') },
    { payload: text.replace('"file:size": 31208', '"file:size": 1e400') },
    { payload: text.replace('"file:size": 31208', '"file:size": -1') },
    { payload: text.replace('-24.82137,\n        47.33912\n      ]\n    },', '1e308, 99999]},') },
    { payload: text.replace(/"specversion": "1.0"/, '"specversion": 1') },
    { payload: `[${text}]` },
    { payload: JSON.stringify({ ...(sample as object), data: JSON.stringify((sample as { data: unknown }).data) }) },
    { payload: JSON.stringify({ ...(sample as object), data_base64: 'AAAA' }) },
    { payload: text, contentType: 'application/cloudevents-batch+json' },
    { payload: text, userProperties: { specversion: ['1.0', '1.0'], id: 'x', source: 'y', type: 'z' } },
    ...oddValues(),
    ...HREF_TRICKS.map((href) => ({ payload: mutate(sample, ['data', 'assets', 'R6903580_147.nc', 'href'], href, false) })),
    { payload: mutate(sample, ['type'], 'x\u0000/+/#', false) },
    { payload: mutate(sample, ['source'], 'a b', false) },
    { payload: mutate(sample, ['time'], '2025-02-30T00:00:00Z', false) },
  ];
}

/** The NetCDF sample event with one member broken at random, as an object or as text. */
export function brokenEvents(): Case[] {
  const sample = readJson(NETCDF);
  return fc.sample(
    fc.record({
      path: fc.constantFrom(...PATHS),
      value: fc.oneof(fc.jsonValue(), fc.constantFrom('', '1.0', 'https://data-argo.ifremer.fr/x.nc', 0, -1, 1e308, null, '2024-01-01T00:00:00+02:00')),
      remove: fc.boolean(),
      asText: fc.boolean(),
    }).map(({ path, value, remove, asText }) => {
      const ev = mutate(sample, path, value, remove);
      return { payload: asText ? JSON.stringify(ev) : ev };
    }),
    { numRuns: 600, seed: 7 },
  );
}
