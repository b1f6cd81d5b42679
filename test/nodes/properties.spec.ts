import assert from 'node:assert/strict';
import type { EventEmitter } from 'node:events';
import fs from 'node:fs';
import fc from 'fast-check';
import { helper, wis2Nodes, onTab, datasetConfig, Recorder } from '../helpers/nodes';
import { wnmSchemaErrors } from '../helpers/official';
import { readJson } from '../helpers/reference';
import { ARGO, SAMPLE_BUFR as BUFR, SAMPLE_NETCDF as NETCDF } from '../helpers/fixtures';
import { validateWnm } from '../../nodes/lib/wnm';

/**
 * Random and hostile payloads through the real runtime: every message leaves on exactly one
 * output, nothing throws, nothing reaches the runtime's error handling, nothing invalid comes
 * out of the notification output, and Object.prototype stays as it was.
 */

type Case = { payload: unknown; contentType?: string; userProperties?: Record<string, unknown> };

function deepArrayText(depth: number): string {
  return '['.repeat(depth) + ']'.repeat(depth);
}

function deepObject(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

/** Paths into the sample event worth breaking. */
const PATHS: (string | number)[][] = [
  ['id'], ['source'], ['specversion'], ['type'], ['time'], ['datacontenttype'], ['dataschema'], ['subject'], ['data'],
  ['data', 'type'], ['data', 'id'], ['data', 'geometry'], ['data', 'geometry', 'coordinates'], ['data', 'geometry', 'coordinates', 0],
  ['data', 'properties'], ['data', 'properties', 'datetime'], ['data', 'assets'], ['data', 'assets', 'R6903580_147.nc'],
  ['data', 'assets', 'R6903580_147.nc', 'href'], ['data', 'assets', 'R6903580_147.nc', 'type'], ['data', 'assets', 'R6903580_147.nc', 'roles'],
  ['data', 'assets', 'R6903580_147.nc', 'file:size'], ['data', 'assets', 'R6903580_147.nc', 'file:checksum'], ['data', 'bbox'],
];

function mutate(base: unknown, path: (string | number)[], value: unknown, remove: boolean): unknown {
  const copy = structuredClone(base) as Record<string | number, unknown>;
  let holder: Record<string | number, unknown> = copy;
  for (const key of path.slice(0, -1)) {
    const next = holder[key];
    if (typeof next !== 'object' || next === null) return copy;
    holder = next as Record<string | number, unknown>;
  }
  const last = path[path.length - 1];
  if (remove) Reflect.deleteProperty(holder, last);
  else holder[last] = value;
  return copy;
}

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

function hostileCases(): Case[] {
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
    { payload: null },
    { payload: undefined },
    { payload: 42 },
    { payload: true },
    { payload: [] },
    { payload: Symbol('x') },
    { payload: () => 1 },
    { payload: 10n },
    { payload: new Map([['a', 1]]) },
    { payload: new Date() },
    ...HREF_TRICKS.map((href) => ({ payload: mutate(sample, ['data', 'assets', 'R6903580_147.nc', 'href'], href, false) })),
    { payload: mutate(sample, ['type'], 'x\u0000/+/#', false) },
    { payload: mutate(sample, ['source'], 'a b', false) },
    { payload: mutate(sample, ['time'], '2025-02-30T00:00:00Z', false) },
  ];
}

describe('random and hostile input through the real runtime', function () {
  this.timeout(120_000);
  let protoBefore: string[];

  before((done) => {
    protoBefore = Object.getOwnPropertyNames(Object.prototype).sort();
    helper.startServer(done);
  });
  after((done) => {
    helper.stopServer(done);
  });
  afterEach(async () => {
    await helper.unload();
    assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), protoBefore);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  async function run(cases: Case[]): Promise<{ converted: number; rejected: number; duplicates: number; valid: number; invalid: number }> {
    await helper.load(wis2Nodes, onTab([
      datasetConfig('ds', ARGO),
      { id: 'conv', type: 'wis2-cloudevent-to-wnm', dataset: 'ds', wires: [['ok'], ['rej'], ['dup']] },
      { id: 'val', type: 'wis2-wnm-validator', wires: [['valid'], ['invalid']] },
      { id: 'ok', type: 'helper' },
      { id: 'rej', type: 'helper' },
      { id: 'dup', type: 'helper' },
      { id: 'valid', type: 'helper' },
      { id: 'invalid', type: 'helper' },
    ]));
    const conv = new Recorder(['ok', 'rej', 'dup']);
    const val = new Recorder(['valid', 'invalid']);
    const errors: unknown[] = [];
    for (const id of ['conv', 'val']) {
      (helper.getNode(id) as unknown as EventEmitter).on('call:error', (call: { args: unknown[] }) => errors.push(call.args));
    }
    cases.forEach((c, i) => {
      helper.getNode('conv').receive({ ...c, caseId: i });
      helper.getNode('val').receive({ payload: c.payload, caseId: i });
    });
    await conv.wait(cases.length, 60_000);
    await val.wait(cases.length, 60_000);
    await Recorder.settle(100);
    assert.deepEqual(errors, [], 'no node reported an error to the runtime');

    for (let i = 0; i < cases.length; i++) {
      const ok = conv.from('ok').filter((m) => m.caseId === i);
      const rej = conv.from('rej').filter((m) => m.caseId === i);
      const dup = conv.from('dup').filter((m) => m.caseId === i);
      // one event, one file: a notification, a reject or a duplicate, exactly one of them
      assert.equal(Number(ok.length > 0) + Number(rej.length > 0) + Number(dup.length > 0), 1, `case ${i}: one output only (ok ${ok.length}, rejected ${rej.length}, duplicate ${dup.length})`);
      assert.ok(dup.length <= 1, `case ${i}: one duplicate message`);
      assert.ok(rej.length <= 1, `case ${i}: one reject`);
      for (const m of rej) {
        const err = m.error as { code?: unknown; message?: unknown; path?: unknown; stage?: unknown };
        assert.equal(typeof err.code, 'string');
        assert.equal(typeof err.message, 'string');
        assert.equal(typeof err.path, 'string');
        assert.equal(typeof err.stage, 'string');
      }
      for (const m of ok) {
        assert.deepEqual(wnmSchemaErrors(m.payload), [], `case ${i}: a published notification is valid`);
        assert.equal(m.topic, ARGO.topic, `case ${i}: the topic is the dataset's`);
        assert.equal(validateWnm(m.payload)['ets-report'].summary.FAILED, 0);
      }
      const v = val.received.filter((r) => r.msg.caseId === i);
      assert.equal(v.length, 1, `case ${i}: the validator sends exactly one message`);
    }
    return {
      duplicates: conv.from('dup').length,
      converted: conv.from('ok').length,
      rejected: conv.from('rej').length,
      valid: val.from('valid').length,
      invalid: val.from('invalid').length,
    };
  }

  it('the hostile corpus: every case refused with a reason, runtime intact', async () => {
    const cases = hostileCases();
    const counts = await run(cases);
    assert.equal(counts.converted, 0, "none is announced");
    assert.equal(counts.rejected, cases.length, "every hostile case is refused");
    assert.equal(counts.converted, 0);
  });

  it('wildcards in event attributes never reach the topic, which is configuration', async () => {
    const ev = mutate(readJson(NETCDF), ['type'], 'fr.ifremer/+/#', false);
    const counts = await run([{ payload: ev }]);
    assert.equal(counts.converted, 1);
  });

  it('random JSON, random values, random bytes and random strings', async () => {
    const cases = fc.sample(
      fc.oneof(
        fc.jsonValue().map((v) => ({ payload: v })),
        fc.jsonValue().map((v) => ({ payload: JSON.stringify(v) })),
        fc.anything({ withBoxedValues: true, withMap: true, withSet: true, withObjectString: true, withNullPrototype: true, withBigInt: true, withDate: true, withTypedArray: true, withSparseArray: true }).map((v) => ({ payload: v })),
        fc.uint8Array({ maxLength: 512 }).map((b) => ({ payload: Buffer.from(b) })),
        fc.string({ unit: 'binary', maxLength: 256 }).map((s) => ({ payload: s })),
      ),
      { numRuns: 600, seed: 20261128 },
    );
    const counts = await run(cases);
    assert.equal(counts.converted + counts.rejected >= cases.length, true);
  });

  it('samples with one member broken at random: announced validly or refused', async () => {
    const sample = readJson(NETCDF);
    const cases = fc.sample(
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
    const counts = await run([{ payload: readJson(BUFR) }, ...cases]);
    assert.ok(counts.converted >= 1, 'untouched events still get through');
    assert.ok(counts.rejected >= 1);
  });
});
