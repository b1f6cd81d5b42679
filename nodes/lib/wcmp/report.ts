/**
 * The shape of a WCMP2 test-suite report. It follows pywcmp's ETS report (id, report_type,
 * summary, generated_by, datetime, metadata_id, tests[{id, code, message}]) so both can be
 * compared line by line, and adds to each test the list of what failed and what deserves
 * attention, each with the JSON Pointer of the member at fault and the rule it breaks.
 */

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

export type TestCode = 'PASSED' | 'FAILED' | 'WARNING' | 'SKIPPED';

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

export interface WcmpSummary {
  PASSED: number;
  FAILED: number;
  WARNING: number;
  SKIPPED: number;
}

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

export const GENERATED_BY = 'node-red-contrib-wis2 WCMP 2.3 test suite';

/** Collects the findings of one test. */
export class Findings {
  // Created on the first finding: most tests of most records find nothing.
  private errorList: WcmpFinding[] | undefined;
  private warningList: WcmpFinding[] | undefined;
  skipped: string | undefined;

  constructor(readonly test: WcmpTestName) {}

  get errors(): readonly WcmpFinding[] {
    return this.errorList ?? [];
  }

  get warnings(): readonly WcmpFinding[] {
    return this.warningList ?? [];
  }

  /** Records a broken requirement: the test fails. */
  fail(what: string, path: string, rule: string, text: string): void {
    (this.errorList ??= []).push(finding(this.test, what, path, rule, text));
  }

  /** Records a recommendation not followed, or a requirement bent in a way WIS2 still accepts. */
  warn(what: string, path: string, rule: string, text: string): void {
    (this.warningList ??= []).push(finding(this.test, what, path, rule, text));
  }

  skip(reason: string): void {
    this.skipped = reason;
  }

  result(): WcmpTestResult {
    const id = TEST_IDS[this.test];
    const errors = this.errorList ?? [];
    const warnings = this.warningList ?? [];
    if (errors.length > 0) return { id, code: 'FAILED', message: errors[0]?.message, errors, warnings };
    if (warnings.length > 0) return { id, code: 'WARNING', message: warnings[0]?.message, errors, warnings };
    if (this.skipped !== undefined) return { id, code: 'SKIPPED', message: this.skipped, errors, warnings };
    return { id, code: 'PASSED', errors, warnings };
  }
}

function finding(test: WcmpTestName, what: string, path: string, rule: string, text: string): WcmpFinding {
  return { code: `${test}.${what}`, path, rule, message: `${rule}: ${text}` };
}
