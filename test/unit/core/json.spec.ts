import assert from 'node:assert/strict';
import fc from 'fast-check';
import { jsonQuote, jsonStringBytes } from '../../../nodes/lib/core/json';

/** Printable ASCII with, maybe, one character that JSON escapes or writes in several bytes. */
const mostlyPlain = fc
  .tuple(fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 120 }), fc.nat(), fc.constantFrom('', '"', '\\', '\u0000', '\u001f', '\u007f', 'é', '\u2028', '\ud800', '\ud83d\ude00'))
  .map(([text, at, odd]) => {
    const i = text.length === 0 ? 0 : at % text.length;
    return text.slice(0, i) + odd + text.slice(i);
  });

describe('JSON text of strings', () => {
  it('quotes a string as JSON.stringify does, short or long, plain or not', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), mostlyPlain), (text) => {
        assert.equal(jsonQuote(text), JSON.stringify(text));
        assert.equal(jsonStringBytes(text), Buffer.byteLength(JSON.stringify(text)));
      }),
      { numRuns: 5000 },
    );
    const href = 'https://data-argo.ifremer.fr/dac/coriolis/6902746/profiles/R6902746_001.nc';
    for (const text of ['', 'a', href, `${href}"`, `${href}\\`, `${href}\n`, `${href}é`, `"${href}`, 'x'.repeat(33), `${'x'.repeat(32)}\u007f`]) {
      assert.equal(jsonQuote(text), JSON.stringify(text), JSON.stringify(text));
      assert.equal(jsonStringBytes(text), Buffer.byteLength(JSON.stringify(text)), JSON.stringify(text));
    }
  });
});
