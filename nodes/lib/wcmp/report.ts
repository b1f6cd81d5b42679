/**
 * The shape of a WCMP2 test-suite report. It follows pywcmp's ETS report (id, report_type,
 * summary, generated_by, datetime, metadata_id, tests[{id, code, message}]) so both can be
 * compared line by line, and adds to each test the list of what failed and what deserves
 * attention, each with the JSON Pointer of the member at fault and the rule it breaks.
 */
import { randomUUID } from 'node:crypto';
import { Findings as Collector, PACKAGE_NAME, reportTime, summarise, type Summary, type TestCode } from '../core/report';

/** Base URI of the standard; requirement, conformance and KPI ids are relative to it. */
export const WCMP2_BASE = 'http://wis.wmo.int/spec/wcmp/2';
/** The conformance class a record lists in `conformsTo` (/req/core/conformance B). */
export const WCMP2_CONFORMANCE_CLASS = `${WCMP2_BASE}/conf/core`;

/** The 14 abstract tests of WCMP 2.3 Annex A, in the order the standard lists them. */
export const WCMP_TEST_NAMES = [
  'validation',
  'identifier',
  'conformance',
  'type',
  'extent_geospatial',
  'extent_temporal',
  'title',
  'description',
  'themes',
  'themes_wis2_global_service',
  'contacts',
  'record_creation_date',
  'data_policy',
  'links',
] as const;

export type WcmpTestName = (typeof WCMP_TEST_NAMES)[number];

/** `http://wis.wmo.int/spec/wcmp/2/conf/core/<name>` */
export function testId(name: WcmpTestName): string {
  return `${WCMP2_CONFORMANCE_CLASS}/${name}`;
}

export const WCMP_TEST_IDS: readonly string[] = WCMP_TEST_NAMES.map(testId);

const TEST_IDS = Object.fromEntries(WCMP_TEST_NAMES.map((n) => [n, testId(n)])) as Record<WcmpTestName, string>;

export type { TestCode };

/** One thing a test found. */
export interface WcmpFinding {
  /** Stable machine-readable code, `<test>.<what>`. */
  code: string;
  /** JSON Pointer (RFC 6901) of the member at fault; `""` for the record itself. */
  path: string;
  /** The rule, relative to the base URI: `/req/core/links E`, `/rec/core/contacts B`. */
  rule: string;
  /** Human sentence, starting with the rule it cites. */
  message: string;
}

export interface WcmpTestResult {
  id: string;
  code: TestCode;
  /** The first error (or warning, or why it was skipped); absent when the test passed cleanly. */
  message?: string;
  errors: WcmpFinding[];
  warnings: WcmpFinding[];
}

export type WcmpSummary = Summary;

export interface WcmpReport {
  id: string;
  report_type: 'ets';
  summary: WcmpSummary;
  generated_by: string;
  datetime: string;
  /** The record's `id` when it is a string or a number, else null. */
  metadata_id: string | null;
  tests: WcmpTestResult[];
}

/** The maker pywcmp's report names; the KPI report names the same. */
export const WCMP_GENERATED_BY = `${PACKAGE_NAME} WCMP 2.3 test suite`;

/**
 * The findings of one WCMP test, in pywcmp's vocabulary: a finding fails the test or warns, and
 * cites the rule it breaks first in its message.
 */
export class Findings extends Collector {
  constructor(readonly test: WcmpTestName) {
    super();
  }

  /** Records a broken requirement: the test fails. */
  fail(what: string, path: string, rule: string, text: string): void {
    this.add(path, `${rule}: ${text}`, { severity: 'error', id: `${this.test}.${what}`, rule });
  }

  /** Records a recommendation not followed, or a requirement bent in a way WIS2 still accepts. */
  warn(what: string, path: string, rule: string, text: string): void {
    this.add(path, `${rule}: ${text}`, { severity: 'warning', id: `${this.test}.${what}`, rule });
  }

  /** The test's entry in the report. */
  result(): WcmpTestResult {
    const id = TEST_IDS[this.test];
    const errors = this.list('error').map(wcmpFinding);
    const warnings = this.list('warning').map(wcmpFinding);
    const code = this.code();
    if (code === 'PASSED') return { id, code, errors, warnings };
    const message = code === 'SKIPPED' ? this.skipped : code === 'FAILED' ? errors[0]?.message : warnings[0]?.message;
    return { id, code, message, errors, warnings };
  }
}

function wcmpFinding(f: { id?: string; path: string; rule?: string; message: string }): WcmpFinding {
  return { code: f.id ?? '', path: f.path, rule: f.rule ?? '', message: f.message };
}

/** pywcmp's report over the results of the 14 tests. */
export function wcmpReport(tests: WcmpTestResult[], metadataId: string | null): WcmpReport {
  return {
    id: randomUUID(),
    report_type: 'ets',
    summary: summarise(tests.map((t) => t.code)),
    generated_by: WCMP_GENERATED_BY,
    datetime: reportTime(Date.now()),
    metadata_id: metadataId,
    tests,
  };
}
