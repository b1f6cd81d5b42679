import assert from 'node:assert/strict';
import type { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { validateWnm, type WisNotification } from '../../nodes/lib/wnm';
import { helper, wis2Nodes, onTab, Recorder } from '../helpers/nodes';
import { wnmSchemaErrors } from '../helpers/official';
import { repoRoot } from '../helpers/reference';

/**
 * Random and hostile records through the WCMP validator and WCMP to WNM in the real runtime:
 * every message leaves on exactly one output of each node, no node throws or reports an error
 * to the runtime, every notification that comes out is valid, and Object.prototype stays as it
 * was.
 */

const RECORD_TEXT = fs.readFileSync(path.join(repoRoot, 'flows', 'metadata', 'fr-ifremer-argo.json'), 'utf8');
const URL_A = 'https://data-argo.ifremer.fr/etc/wis2/fr-ifremer-argo-core-metadata.json';

interface Case {
  payload: unknown;
  operation?: unknown;
  recordUrl?: unknown;
}

function record(): Record<string, unknown> {
  return JSON.parse(RECORD_TEXT) as Record<string, unknown>;
}

function deepObject(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

/** Members of the record worth breaking. */
const PATHS: (string | number)[][] = [
  ['id'], ['type'], ['conformsTo'], ['geometry'], ['geometry', 'type'], ['geometry', 'coordinates'], ['geometry', 'coordinates', 0],
  ['geometry', 'coordinates', 0, 0], ['time'], ['time', 'interval'], ['properties'], ['properties', 'created'], ['properties', 'updated'],
  ['properties', 'title'], ['properties', 'themes'], ['properties', 'contacts'], ['properties', 'contacts', 0, 'roles'],
  ['properties', 'wmo:dataPolicy'], ['links'], ['links', 0], ['links', 0, 'channel'], ['links', 0, 'href'], ['links', 1, 'rel'],
];

function mutate(base: unknown, at: (string | number)[], value: unknown, remove: boolean): unknown {
  const copy = structuredClone(base) as Record<string | number, unknown>;
  let holder: Record<string | number, unknown> = copy;
  for (const key of at.slice(0, -1)) {
    const next = holder[key];
    if (typeof next !== 'object' || next === null) return copy;
    holder = next as Record<string | number, unknown>;
  }
  const last = at[at.length - 1];
  if (remove) Reflect.deleteProperty(holder, last);
  else holder[last] = value;
  return copy;
}

function hostileCases(): Case[] {
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
    { payload: new ArrayBuffer(8) },
    { payload: new Uint8Array(Buffer.from(RECORD_TEXT)) },
  ];
}

describe('random and hostile records through the metadata nodes in the real runtime', function () {
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

  async function run(cases: Case[]): Promise<{ announced: number; rejected: number; valid: number; invalid: number }> {
    await helper.load(wis2Nodes, onTab([
      { id: 'wcmp', type: 'wis2-wcmp-validator', kpi: 'offline', wires: [['valid'], ['invalid']] },
      { id: 'conv', type: 'wis2-wcmp-to-wnm', recordUrl: URL_A, wires: [['ok'], ['rej']] },
      { id: 'valid', type: 'helper' },
      { id: 'invalid', type: 'helper' },
      { id: 'ok', type: 'helper' },
      { id: 'rej', type: 'helper' },
    ]));
    const val = new Recorder(['valid', 'invalid']);
    const conv = new Recorder(['ok', 'rej']);
    const errors: unknown[] = [];
    for (const id of ['wcmp', 'conv']) {
      (helper.getNode(id) as unknown as EventEmitter).on('call:error', (call: { args: unknown[] }) => errors.push([id, call.args]));
    }
    cases.forEach((c, i) => {
      helper.getNode('wcmp').receive({ payload: c.payload, caseId: i });
      const msg: Record<string, unknown> = { payload: c.payload, caseId: i };
      if ('operation' in c) msg.operation = c.operation;
      if ('recordUrl' in c) msg.recordUrl = c.recordUrl;
      helper.getNode('conv').receive(msg);
    });
    await val.wait(cases.length, 90_000);
    await conv.wait(cases.length, 90_000);
    await Recorder.settle(100);
    assert.deepEqual(errors, [], 'no node reported an error to the runtime');
    assert.equal(val.received.length, cases.length, 'the validator sends nothing more');
    assert.equal(conv.received.length, cases.length, 'the converter sends nothing more');

    for (let i = 0; i < cases.length; i++) {
      assert.equal(val.received.filter((r) => r.msg.caseId === i).length, 1, `case ${i}: the validator sends exactly one message`);
      for (const r of val.received.filter((x) => x.msg.caseId === i)) {
        assert.equal(typeof (r.msg.report as { summary?: unknown }).summary, 'object', `case ${i}: a report`);
      }
      const out = conv.received.filter((r) => r.msg.caseId === i);
      assert.equal(out.length, 1, `case ${i}: the converter sends exactly one message`);
      const only = out[0];
      assert.ok(only);
      if (only.from === 'rej') {
        const err = only.msg.error as { code?: unknown; message?: unknown; path?: unknown; stage?: unknown };
        for (const key of ['code', 'message', 'path', 'stage'] as const) assert.equal(typeof err[key], 'string', `case ${i}: error.${key}`);
      } else {
        const wnm = only.msg.payload as WisNotification;
        assert.deepEqual(wnmSchemaErrors(wnm), [], `case ${i}: an announced record gives a valid notification`);
        assert.equal(validateWnm(wnm, { topic: String(only.msg.topic) })['ets-report'].summary.FAILED, 0, `case ${i}`);
        assert.match(String(only.msg.topic), /^origin\/a\/wis2\/[a-z0-9-]+\/metadata$/);
        assert.equal(wnm.links.length, 1);
      }
    }
    return { announced: conv.from('ok').length, rejected: conv.from('rej').length, valid: val.from('valid').length, invalid: val.from('invalid').length };
  }

  it('the hostile corpus: one message per node each, runtime intact', async () => {
    const counts = await run(hostileCases());
    assert.ok(counts.rejected >= 25, `most are refused (${counts.rejected})`);
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
      { numRuns: 400, seed: 20261128 },
    );
    const counts = await run(cases);
    assert.equal(counts.announced + counts.rejected, cases.length);
  });

  it('our record with one member broken at random, with random operations and URLs: announced validly or refused', async () => {
    const base = record();
    const cases = fc.sample(
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
    const counts = await run([{ payload: Buffer.from(RECORD_TEXT) }, ...cases]);
    assert.ok(counts.announced >= 1, 'untouched records still get through');
    assert.ok(counts.rejected >= 1);
    assert.ok(counts.valid >= 1 && counts.invalid >= 1);
  });
});
