/**
 * The report of the WNM test suite: what the tests collect (core/report) written out in
 * pywis-pubsub's `ets-report` shape, so reports can be compared line by line, plus WARNING
 * entries for recommendations and an `errors` list per test.
 */
import { Findings, GENERATED_BY, reportTime, summarise, type Summary, type TestCode } from '../core/report';

export type EtsCode = TestCode;

export interface EtsError {
  /** JSON Pointer (RFC 6901) of the member at fault; '' is the whole message. */
  path: string;
  message: string;
}

export interface EtsTest {
  id: string;
  code: EtsCode;
  message?: string;
  errors?: EtsError[];
}

export type EtsSummary = Summary;

export interface EtsReport {
  'ets-report': {
    summary: EtsSummary;
    generated_by: string;
    tests: EtsTest[];
    /** When the report was made, UTC, to the second. */
    datetime: string;
  };
}

/** Conformance class of WNM 1.x; abstract tests are `<this>/<name>`. */
export const WNM_CONF_CORE = 'http://wis.wmo.int/spec/wnm/1/conf/core';
/** Recommendations class; recommendation ids are `<this>/<name>`. */
export const WNM_REC_CORE = 'http://wis.wmo.int/spec/wnm/1/rec/core';

/** The abstract tests, in the standard's order, plus `content` for /req/core/content. */
export const WNM_TESTS = {
  message_size: `${WNM_CONF_CORE}/message_size`,
  validation: `${WNM_CONF_CORE}/validation`,
  identifier: `${WNM_CONF_CORE}/identifier`,
  conformance: `${WNM_CONF_CORE}/conformance`,
  version: `${WNM_CONF_CORE}/version`,
  geometry: `${WNM_CONF_CORE}/geometry`,
  pubtime: `${WNM_CONF_CORE}/pubtime`,
  data_id: `${WNM_CONF_CORE}/data_id`,
  temporal: `${WNM_CONF_CORE}/temporal`,
  content: `${WNM_CONF_CORE}/content`,
  links: `${WNM_CONF_CORE}/links`,
} as const;

/**
 * Recommendations (and soft rules) reported as WARNING, in the order they appear in the standard.
 * `pubtime` is not a recommendation of WNM 1.3: it carries the soft side of /req/core/pubtime D
 * ("set to the current time"), which a single message can only contradict by lying in the future.
 */
export const WNM_RECOMMENDATIONS = {
  pubtime: `${WNM_REC_CORE}/pubtime`,
  metadata_id: `${WNM_REC_CORE}/metadata_id`,
  integrity: `${WNM_REC_CORE}/integrity`,
  content: `${WNM_REC_CORE}/content`,
  links: `${WNM_REC_CORE}/links`,
} as const;

export type WnmTestName = keyof typeof WNM_TESTS;
export type WnmRecommendationName = keyof typeof WNM_RECOMMENDATIONS;

/** Enough to fix a message; a hostile one must not make the report as large as itself. */
export const MAX_ERRORS_PER_TEST = 50;

/** The collector of one test's problems. */
export function testFindings(): Findings {
  return new Findings({ keep: MAX_ERRORS_PER_TEST });
}

/** The collector of one recommendation's departures, which the report calls WARNING. */
export function recommendationFindings(): Findings {
  return new Findings({ keep: MAX_ERRORS_PER_TEST, severity: 'warning' });
}

/** The errors to report, with a last entry saying how many were left out. */
function etsErrors(found: Findings): EtsError[] {
  const errors = found.list().map(({ path, message }) => ({ path, message }));
  const left = found.count() - errors.length;
  if (left > 0) errors.push({ path: '', message: `and ${left} more problems of the same test` });
  return errors;
}

function plural(n: number, word: string): string {
  return n === 1 ? `1 ${word}` : `${n} ${word}s`;
}

/** The message of a FAILED or WARNING entry: how many problems, and the first one. */
function headline(found: Findings): string {
  const first = found.first();
  const where = first && first.path !== '' ? `${first.path} ` : '';
  const head = first ? `${where}${first.message}` : '';
  return found.count() === 1 ? head : `${plural(found.count(), 'problem')}; first: ${head}`;
}

/** Writes the suite's findings out as pywis-pubsub's `ets-report`, entry by entry. */
export class EtsReportBuilder {
  private readonly tests: EtsTest[] = [];

  private add(id: string, code: EtsCode, message: string, found?: Findings): void {
    const test: EtsTest = { id, code, message };
    if (found && !found.empty) test.errors = etsErrors(found);
    this.tests.push(test);
  }

  /** PASSED when nothing was found, FAILED otherwise. */
  verdict(name: WnmTestName, found: Findings, passed: string): void {
    if (found.empty) this.add(WNM_TESTS[name], 'PASSED', passed);
    else this.add(WNM_TESTS[name], 'FAILED', headline(found), found);
  }

  skip(name: WnmTestName, why: string): void {
    this.add(WNM_TESTS[name], 'SKIPPED', why);
  }

  /** A WARNING entry when the recommendation was not followed; nothing when it was. */
  warn(name: WnmRecommendationName, found: Findings): void {
    if (!found.empty) this.add(WNM_RECOMMENDATIONS[name], 'WARNING', headline(found), found);
  }

  build(nowMs: number): EtsReport {
    const summary = summarise([]);
    for (const test of this.tests) summary[test.code]++;
    return { 'ets-report': { summary, generated_by: GENERATED_BY, tests: this.tests, datetime: reportTime(nowMs) } };
  }
}

/** A short description of a value for messages, never its whole content. */
export function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? value.slice(0, 57) + '...' : value);
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return 'an array';
  if (value === undefined) return 'nothing';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}
