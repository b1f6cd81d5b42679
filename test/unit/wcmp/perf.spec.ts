import assert from 'node:assert/strict';
import { Worker, isMainThread, parentPort } from 'node:worker_threads';
import { validateWcmp } from '../../../nodes/lib/wcmp';
import { needReference } from '../../helpers/reference';
import { ARGO_FILE, EXAMPLES_DIR, OFFICIAL_SCHEMA, argo, examples, officialWcmpValidator } from './helpers';

/**
 * The whole suite (schema, 13 more tests, the report) against schema-only validation with the
 * official schema compiled once, on the 17 official examples and the Argo record.
 *
 * Both are timed record by record, one right after the other, so that they share the same state
 * of caches and the same load of the machine; the ratio is taken per round and the median round
 * is kept, which shared test machines do not swing the way totals swing.
 *
 * The timing runs in a worker thread, a V8 isolate of its own: in the test process, whatever ran
 * before (hostile and random records fed to the suite, as the robustness and node tests do)
 * leaves its functions deoptimised, and the ratio would measure the order of the test files.
 */
interface Timing {
  median: number;
  min: number;
  max: number;
  schemaUs: string;
  suiteUs: string;
}

export function measure(): Timing {
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
  const per = (ns: bigint): string => (Number(ns) / 21 / 60 / records.length / 1000).toFixed(1);
  return {
    median: ratios[Math.floor(ratios.length / 2)] ?? Infinity,
    min: ratios[0] ?? Infinity,
    max: ratios[ratios.length - 1] ?? Infinity,
    schemaUs: per(schemaNs),
    suiteUs: per(suiteNs),
  };
}

if (!isMainThread) {
  parentPort?.postMessage(measure());
} else {
  describe('wcmp: speed', function () {
    this.timeout(120_000);
    before(function () {
      needReference(this, OFFICIAL_SCHEMA, EXAMPLES_DIR, ARGO_FILE);
    });

    it('the WCMP suite runs within 3 times the time of schema-only validation with the official schema', async () => {
      const t = await new Promise<Timing>((resolve, reject) => {
        const worker = new Worker(__filename);
        worker.once('message', (m: Timing) => { resolve(m); });
        worker.once('error', reject);
        worker.once('exit', (code) => { reject(new Error(`the timing worker exited with code ${code}`)); });
      });
      console.log(`      schema only ${t.schemaUs} µs/record, suite ${t.suiteUs} µs/record; median ratio ${t.median.toFixed(2)} (rounds ${t.min.toFixed(2)}-${t.max.toFixed(2)})`);
      assert.ok(t.median < 3, `the suite takes ${t.median.toFixed(2)} times as long as schema-only validation`);
    });
  });
}
