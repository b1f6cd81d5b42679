import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MAX_DEPTH, decodeInput, measureJson } from '../../../nodes/lib/wnm/suite-input';
import { jsonStringBytes } from '../../../nodes/lib/core/json';

describe('wnm suite: measuring input', () => {
  it('counts the UTF-8 bytes of a JSON string exactly as JSON.stringify writes it', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        assert.equal(jsonStringBytes(text), Buffer.byteLength(JSON.stringify(text)));
      }),
      { numRuns: 3000 },
    );
    for (const text of ['', '"', '\\', '\u0000\u001f\u007f', '\b\t\n\f\r', '\u2028\u2029', '\ud800', '\udc00x', '\ud83d\ude00', 'é€']) {
      assert.equal(jsonStringBytes(text), Buffer.byteLength(JSON.stringify(text)), JSON.stringify(text));
    }
  });

  it('measures objects without JSON.stringify, to the byte', () => {
    fc.assert(
      fc.property(fc.anything({ withDate: false, withBoxedValues: false }), (value) => {
        const json = JSON.stringify(value) as string | undefined;
        const measured = measureJson(value);
        if (json === undefined) assert.equal(measured.kind, 'none');
        else assert.deepEqual(measured, { kind: 'size', bytes: Buffer.byteLength(json) });
      }),
      { numRuns: 3000 },
    );
    const odd = { a: undefined, b: () => 1, c: [undefined, () => 1, Symbol('s')], d: Number.NaN, e: -0, f: 1e21, g: {}, h: [] };
    assert.deepEqual(measureJson(odd), { kind: 'size', bytes: Buffer.byteLength(JSON.stringify(odd)) });
  });

  it('leaves values with their own JSON form to JSON.stringify, and checks that form', () => {
    assert.equal(measureJson({ when: new Date(0) }).kind, 'custom');
    assert.equal(measureJson([1n]).kind, 'custom');
    const decoded = decodeInput({ when: new Date(0) });
    assert.deepEqual(decoded.value, { when: '1970-01-01T00:00:00.000Z' });
    assert.equal(decoded.size, Buffer.byteLength(JSON.stringify({ when: new Date(0) })));
  });

  it('stops at the depth limit and at cycles', () => {
    let deep: unknown = 1;
    for (let i = 0; i < MAX_DEPTH; i++) deep = [deep];
    assert.equal(measureJson(deep).kind, 'size');
    assert.equal(measureJson([deep]).kind, 'deep');
    const cycle: unknown[] = [];
    cycle.push(cycle);
    assert.equal(measureJson(cycle).kind, 'deep');
  });

  it('parses text and bytes once, and keeps the size received', () => {
    const text = '{ "a" : 1 }';
    assert.deepEqual(decodeInput(text), { value: { a: 1 }, size: 11, basis: 'string' });
    assert.deepEqual(decodeInput(Buffer.from(text)), { value: { a: 1 }, size: 11, basis: 'bytes' });
  });
});
