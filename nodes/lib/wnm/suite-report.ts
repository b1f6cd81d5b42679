/**
 * The report of the WNM test suite: pywis-pubsub's `ets-report` shape, so reports can be compared
 * line by line, plus WARNING entries for recommendations and an `errors` list per test.
 */

export type EtsCode = 'PASSED' | 'FAILED' | 'WARNING' | 'SKIPPED';

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

export interface EtsSummary {
  PASSED: number;
  FAILED: number;
  WARNING: number;
  SKIPPED: number;
}

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

/** Collects the problems of one test, keeping at most MAX_ERRORS_PER_TEST of them. */
export class Issues {
  // Allocated on the first problem: most tests of most messages find none.
  private kept: EtsError[] | undefined;
  count = 0;

  add(path: string, message: string): void {
    this.count++;
    const kept = (this.kept ??= []);
    if (kept.length < MAX_ERRORS_PER_TEST) kept.push({ path, message });
  }

  /** Forgets the problems collected; the arrays already handed out stay with their owner. */
  reset(): void {
    this.count = 0;
    this.kept = undefined;
  }

  get empty(): boolean {
    return this.count === 0;
  }

  get first(): EtsError | undefined {
    return this.kept?.[0];
  }

  /** The errors to report, with a last entry saying how many were left out. */
  errors(): EtsError[] {
    const kept = this.kept ?? [];
    if (this.count > kept.length) {
      return [...kept, { path: '', message: `and ${this.count - kept.length} more problems of the same test` }];
    }
    return kept;
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
