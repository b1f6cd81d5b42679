import assert from 'node:assert/strict';
import { validateWcmp } from '../../../nodes/lib/wcmp';
import { argo, examples, officialWcmpValidator } from './helpers';

/**
 * The whole suite (schema, 13 more tests, the report) against schema-only validation with the
 * official schema compiled once, on the 17 official examples and the Argo record.
 *
 * Both are timed record by record, one right after the other, so that they share the same state
 * of caches and the same load of the machine; the ratio is taken per round and the median round
 * is kept, which shared test machines do not swing the way totals swing.
 */
describe('wcmp: speed', function () {
  this.timeout(120_000);

  it('the WCMP suite runs within 3 times the time of schema-only validation with the official schema', () => {
    const records: unknown[] = [...examples().map((e) => e.record), argo()];
    const official = officialWcmpValidator();
    for (let i = 0; i < 1500; i++) {
      for (const r of records) {
        official(r);
        validateWcmp(r);
      }
    }
    const now = (): bigint => process.hrtime.bigint();
    const ratios: number[] = [];
    let schemaNs = 0n;
    let suiteNs = 0n;
    for (let round = 0; round < 21; round++) {
      let a = 0n;
      let b = 0n;
      for (let i = 0; i < 60; i++) {
        for (const r of records) {
          let t = now();
          official(r);
          a += now() - t;
          t = now();
          validateWcmp(r);
          b += now() - t;
        }
      }
      ratios.push(Number(b) / Number(a));
      schemaNs += a;
      suiteNs += b;
    }
    ratios.sort((x, y) => x - y);
    const median = ratios[Math.floor(ratios.length / 2)] ?? Infinity;
    const per = (ns: bigint): string => (Number(ns) / 21 / 60 / records.length / 1000).toFixed(1);
    console.log(`      schema only ${per(schemaNs)} µs/record, suite ${per(suiteNs)} µs/record; median ratio ${median.toFixed(2)} (rounds ${ratios[0]?.toFixed(2)}-${ratios[ratios.length - 1]?.toFixed(2)})`);
    assert.ok(median < 3, `the suite takes ${median.toFixed(2)} times as long as schema-only validation`);
  });
});
