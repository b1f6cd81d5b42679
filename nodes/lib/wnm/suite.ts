/**
 * The WNM test suite: one entry per abstract test of WNM 1.3 (Manual on WIS, Vol. II, App. E,
 * Annex A), in the standard's order, with the standard's test ids, in pywis-pubsub's report
 * shape; plus `content` for /req/core/content and WARNING entries for recommendations.
 *
 * Where it parts from pywis-pubsub's ETS, on purpose:
 * - the schema result is always reported, and every other test still runs;
 * - message_size counts the bytes received, not a re-serialisation;
 * - identifier wants the canonical 8-4-4-4-12 form; pubtime is tested at all;
 * - geometry checks ranges and GeoJSON validity; links parses URLs and checks 12E-12I and 12H;
 * - nothing throws, whatever the input.
 */
import type { Findings } from '../core/report';
import { isCanonicalUuid, validateWnmSchema } from './schema';
import { MAX_MESSAGE_BYTES, WNM_CONFORMANCE } from './standard';
import { decodeInput, type DecodedInput } from './suite-input';
import { checkDateTime, notUtcMessage } from './rules-time';
import { checkMessageGeometry } from './rules-geometry';
import { checkMessageLinks } from './rules-links';
import { checkContent, checkIntegrity } from './rules-content';
import { EtsReportBuilder, recommendationFindings, testFindings, type EtsReport, type EtsTest, type WnmTestName } from './suite-report';
import { isRecord } from '../core/json';

/** How far ahead of the checking clock a pubtime may be before it is called "in the future". */
export const PUBTIME_CLOCK_SKEW_MS = 60_000;

export interface WnmSuiteOptions {
  /** The checking clock, for the pubtime-in-the-future warning and the report datetime. */
  now?: Date;
  /**
   * The MQTT topic the message came on or goes to. Only used to recognise a metadata
   * notification (`.../wis2/<centre-id>/metadata`) for /req/core/links H.
   */
  topic?: string;
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  return 'unknown error';
}

/** What the tests after `validation` share about one message. */
interface Run {
  readonly message: Record<string, unknown>;
  readonly props: Record<string, unknown> | undefined;
  readonly hasConformsTo: boolean;
  readonly hasVersion: boolean;
  readonly topic: string | undefined;
  readonly nowMs: number;
  readonly recPubtime: Findings;
  readonly recContent: Findings;
  readonly recLinks: Findings;
}

/** A test reports its problems into `issues` and returns its PASSED message, or a reason to skip. */
type Outcome = string | { readonly skip: string };
type TestFn = (run: Run, issues: Findings) => Outcome;

/** Checks one RFC 3339 UTC date-time member; returns its instant when valid (NaN unless `instant`). */
function checkUtcDateTime(value: string, path: string, issues: Findings, instant = false): number | undefined {
  const parsed = checkDateTime(value, instant);
  if (typeof parsed === 'string') {
    issues.add(path, parsed);
    return undefined;
  }
  if (!parsed.utc) {
    issues.add(path, notUtcMessage(value));
    return undefined;
  }
  return parsed.epochMs;
}

function checkMessageId(message: Record<string, unknown>, issues: Findings): void {
  const id = message.id;
  if (id === undefined) {
    issues.add('/id', 'is required (/req/core/identifier A)');
  } else if (typeof id !== 'string') {
    issues.add('/id', 'must be a string holding a UUID');
  } else if (!isCanonicalUuid(id)) {
    let hint = 'is not a UUID in its canonical 8-4-4-4-12 hexadecimal form (RFC 4122 §3)';
    if (/^urn:uuid:/i.test(id)) hint = 'carries the urn:uuid: prefix; the id is the bare UUID (8-4-4-4-12)';
    else if (id.startsWith('{')) hint = 'is wrapped in braces; the id is the bare UUID (8-4-4-4-12)';
    else if (/^[0-9a-fA-F]{32}$/.test(id)) hint = 'has no hyphens; write the UUID as 8-4-4-4-12';
    issues.add('/id', hint);
  }
}

// The PASSED messages, written once rather than for every message.
const TEMPORAL_INSTANT = 'datetime in RFC 3339 UTC';
const TEMPORAL_NULL = 'datetime null (no temporal description) in RFC 3339 UTC';
const TEMPORAL_RANGE = 'start_datetime/end_datetime in RFC 3339 UTC';
const CONFORMANCE_PASSED = `conformsTo lists ${WNM_CONFORMANCE}`;

/** Checks the temporal members and returns the PASSED message of the temporal test. */
function checkTemporal(props: Record<string, unknown>, issues: Findings): string {
  const { datetime, start_datetime: start, end_datetime: end } = props;
  const hasInstant = datetime !== undefined;
  const hasStart = start !== undefined;
  const hasEnd = end !== undefined;
  if (hasInstant && (hasStart || hasEnd)) {
    issues.add('/properties', 'carries datetime together with start_datetime/end_datetime; give one form only (/req/core/temporal A)');
  } else if (!hasInstant && !hasStart && !hasEnd) {
    issues.add('/properties/datetime', 'is required, or start_datetime with end_datetime (/req/core/temporal A); use null when no time can be derived');
  } else if (hasStart !== hasEnd) {
    issues.add(hasStart ? '/properties/end_datetime' : '/properties/start_datetime', `is required with ${hasStart ? 'start_datetime' : 'end_datetime'} (/req/core/temporal A)`);
  }
  if (hasInstant && datetime !== null) {
    if (typeof datetime === 'string') checkUtcDateTime(datetime, '/properties/datetime', issues);
    else issues.add('/properties/datetime', 'must be an RFC 3339 date-time string or null');
  }
  if (hasStart) checkBound(start, 'start_datetime', issues);
  if (hasEnd) checkBound(end, 'end_datetime', issues);
  if (hasInstant) return datetime === null ? TEMPORAL_NULL : TEMPORAL_INSTANT;
  return TEMPORAL_RANGE;
}

function checkBound(value: unknown, name: 'start_datetime' | 'end_datetime', issues: Findings): void {
  if (typeof value === 'string') checkUtcDateTime(value, `/properties/${name}`, issues);
  else if (value === null) issues.add(`/properties/${name}`, 'must not be null: only datetime may be null (/req/core/temporal D)');
  else issues.add(`/properties/${name}`, 'must be an RFC 3339 date-time string');
}

function checkMetadataId(props: Record<string, unknown>, recommendations: Findings): void {
  const id = props.metadata_id;
  if (id === undefined) {
    recommendations.add('/properties/metadata_id', 'is missing; give the identifier of the WCMP2 record of the dataset (/rec/core/metadata_id)');
  } else if (typeof id === 'string' && !id.startsWith('urn:wmo:md:')) {
    recommendations.add('/properties/metadata_id', `${JSON.stringify(id.slice(0, 60))} is not a WCMP2 record identifier (urn:wmo:md:<centre-id>:<local-id>) (/rec/core/metadata_id)`);
  }
}

function messageSizeTest(report: EtsReportBuilder, decoded: DecodedInput): void {
  const { size, basis } = decoded;
  const issues = testFindings();
  if (size === undefined) {
    if (decoded.minSize !== undefined && decoded.minSize > MAX_MESSAGE_BYTES) {
      issues.add('', `its JSON would take more than ${decoded.minSize} bytes; a WNM SHALL NOT exceed ${MAX_MESSAGE_BYTES} bytes (/req/core/message_size A)`);
      report.verdict('message_size', issues, '');
    } else {
      report.skip('message_size', `not measured: the object ${decoded.sizeProblem ?? 'could not be serialised'}`);
    }
    return;
  }
  const what =
    basis === 'object'
      ? `${size} bytes, measured on the compact JSON serialisation of the object given (the bytes sent may differ)`
      : basis === 'string'
        ? `${size} bytes (UTF-8 length of the text received)`
        : `${size} bytes received`;
  if (size > MAX_MESSAGE_BYTES) issues.add('', `is ${what}; a WNM SHALL NOT exceed ${MAX_MESSAGE_BYTES} bytes (/req/core/message_size A)`);
  report.verdict('message_size', issues, what);
}

function identifierTest(run: Run, issues: Findings): Outcome {
  checkMessageId(run.message, issues);
  return 'id is a UUID';
}

const USES_VERSION = { skip: 'not applicable: the message uses the deprecated version member instead of conformsTo' };

function conformanceTest(run: Run, issues: Findings): Outcome {
  if (!run.hasConformsTo && run.hasVersion) return USES_VERSION;
  const conformsTo = run.message.conformsTo;
  if (!run.hasConformsTo) issues.add('/conformsTo', 'is required (/req/core/conformance A)');
  else if (!Array.isArray(conformsTo)) issues.add('/conformsTo', 'must be an array of conformance class URIs (/req/core/conformance A)');
  else if (!(conformsTo as unknown[]).includes(WNM_CONFORMANCE)) issues.add('/conformsTo', `must list ${WNM_CONFORMANCE} (/req/core/conformance B)`);
  return CONFORMANCE_PASSED;
}

const NO_VERSION = { skip: 'not applicable: no deprecated version member' };

function versionTest(run: Run, issues: Findings): Outcome {
  if (!run.hasVersion) return NO_VERSION;
  if (run.message.version !== 'v04') issues.add('/version', 'must be v04 (/req/core/version B)');
  if (run.hasConformsTo) issues.add('/version', 'must not be given together with conformsTo, which replaces it (/req/core/version)');
  return 'version is v04 (deprecated: use conformsTo)';
}

function geometryTest(run: Run, issues: Findings): Outcome {
  const kind = checkMessageGeometry(run.message, issues);
  return kind === 'null' ? 'geometry is null' : `valid ${kind} in longitude/latitude`;
}

function pubtimeTest(run: Run, issues: Findings): Outcome {
  const { props, nowMs } = run;
  const pubtime = props?.pubtime;
  if (props === undefined) issues.add('/properties', 'is required and must be an object holding pubtime');
  else if (pubtime === undefined) issues.add('/properties/pubtime', 'is required (/req/core/pubtime A)');
  else if (typeof pubtime !== 'string') issues.add('/properties/pubtime', 'must be an RFC 3339 date-time string (/req/core/pubtime B)');
  else {
    const at = checkUtcDateTime(pubtime, '/properties/pubtime', issues, true);
    if (at !== undefined && at > nowMs + PUBTIME_CLOCK_SKEW_MS) {
      run.recPubtime.add('/properties/pubtime', `is ${Math.round((at - nowMs) / 1000)} s in the future; pubtime is the time of publication (/req/core/pubtime D)`);
    }
  }
  return 'pubtime is an RFC 3339 date-time in UTC';
}

function dataIdTest(run: Run, issues: Findings): Outcome {
  const { props } = run;
  const dataId = props?.data_id;
  if (props === undefined) issues.add('/properties', 'is required and must be an object holding data_id');
  else if (dataId === undefined) issues.add('/properties/data_id', 'is required (/req/core/data_id A)');
  else if (typeof dataId !== 'string') issues.add('/properties/data_id', 'must be a string');
  else if (dataId === '') issues.add('/properties/data_id', 'must not be empty');
  return 'data_id is present';
}

function temporalTest(run: Run, issues: Findings): Outcome {
  if (run.props === undefined) {
    issues.add('/properties', 'is required and must be an object holding datetime or start_datetime/end_datetime');
    return '';
  }
  return checkTemporal(run.props, issues);
}

const NO_CONTENT = { skip: 'no inline content' };

function contentTest(run: Run, issues: Findings): Outcome {
  if (run.props === undefined || !checkContent(run.props, issues, run.recContent)) return NO_CONTENT;
  return 'inline content within 4096 bytes and decodable';
}

function linksTest(run: Run, issues: Findings): Outcome {
  const { props } = run;
  const dataId = props?.data_id;
  const outcome = checkMessageLinks(
    run.message,
    { dataId: typeof dataId === 'string' ? dataId : undefined, metadataId: props?.metadata_id, topic: run.topic },
    issues,
    run.recLinks,
  );
  return outcome.operation ? `links valid; exactly one ${outcome.operation} link` : 'links valid';
}

/** The tests after `validation`, in the order of the standard's requirements. */
const TESTS: readonly (readonly [WnmTestName, TestFn])[] = [
  ['identifier', identifierTest],
  ['conformance', conformanceTest],
  ['version', versionTest],
  ['geometry', geometryTest],
  ['pubtime', pubtimeTest],
  ['data_id', dataIdTest],
  ['temporal', temporalTest],
  ['content', contentTest],
  ['links', linksTest],
];

/** The checking clock: the one given when it is a valid date, else the system's. */
function clockMs(now: unknown): number {
  return now instanceof Date && !Number.isNaN(now.getTime()) ? now.getTime() : Date.now();
}

function skipTests(report: EtsReportBuilder, why: string): void {
  for (const [name] of TESTS) report.skip(name, why);
}

function validationTest(report: EtsReportBuilder, message: unknown, issues: Findings): void {
  try {
    const found = validateWnmSchema(message);
    for (const { path: at, message: text } of found) issues.add(at, text);
  } catch (err) {
    issues.add('', `could not be evaluated: ${describe(err)}`);
  }
  report.verdict('validation', issues, 'valid against the WNM 1.3 JSON Schema');
}

/** Reads once, guarded, what the tests share: on an object handed over directly these reads may run getters. */
function startRun(message: Record<string, unknown>, options: WnmSuiteOptions, nowMs: number): Run {
  let props: Record<string, unknown> | undefined;
  let hasConformsTo = false;
  let hasVersion = false;
  try {
    const candidate = message.properties;
    props = isRecord(candidate) ? candidate : undefined;
    hasConformsTo = message.conformsTo !== undefined;
    hasVersion = message.version !== undefined;
  } catch {
    // The tests below read the same members again and report what throws.
  }
  return {
    message,
    props,
    hasConformsTo,
    hasVersion,
    topic: typeof options.topic === 'string' ? options.topic : undefined,
    nowMs,
    recPubtime: recommendationFindings(),
    recContent: recommendationFindings(),
    recLinks: recommendationFindings(),
  };
}

function runTests(report: EtsReportBuilder, run: Run, issues: Findings): void {
  for (const [name, test] of TESTS) {
    issues.reset();
    let outcome: Outcome;
    try {
      outcome = test(run, issues);
    } catch (err) {
      // A hostile getter or proxy fails its test instead of escaping.
      issues.add('', `could not be evaluated: ${describe(err)}`);
      outcome = '';
    }
    if (typeof outcome === 'string') report.verdict(name, issues, outcome);
    else report.skip(name, outcome.skip);
  }
}

function reportRecommendations(report: EtsReportBuilder, run: Run): void {
  const recMetadataId = recommendationFindings();
  const recIntegrity = recommendationFindings();
  if (run.props !== undefined) {
    try {
      checkMetadataId(run.props, recMetadataId);
      checkIntegrity(run.props, recIntegrity);
    } catch {
      // A member that throws when read already failed the tests above.
    }
  }
  report.warn('pubtime', run.recPubtime);
  report.warn('metadata_id', recMetadataId);
  report.warn('integrity', recIntegrity);
  report.warn('content', run.recContent);
  report.warn('links', run.recLinks);
}

function runSuite(input: unknown, options: WnmSuiteOptions): EtsReport {
  const nowMs = clockMs(options.now);
  const report = new EtsReportBuilder();
  const decoded = decodeInput(input);
  messageSizeTest(report, decoded);
  // One collector for every test in turn: most find nothing, and a report keeps what it is handed.
  const issues = testFindings();
  if (decoded.problem !== undefined) {
    issues.add('', `the message ${decoded.problem}`);
    report.verdict('validation', issues, '');
    skipTests(report, 'not evaluated: the payload is not a JSON value that can be checked');
    return report.build(nowMs);
  }
  validationTest(report, decoded.value, issues);
  if (!isRecord(decoded.value)) {
    skipTests(report, 'not evaluated: the message is not a JSON object');
    return report.build(nowMs);
  }
  const run = startRun(decoded.value, options, nowMs);
  runTests(report, run, issues);
  reportRecommendations(report, run);
  return report.build(nowMs);
}

/**
 * Runs the WNM test suite on a message given as an object, JSON text, or bytes (Buffer,
 * Uint8Array or any ArrayBuffer view). Never throws.
 */
export function validateWnm(input: unknown, options?: WnmSuiteOptions): EtsReport {
  try {
    return runSuite(input, options ?? {});
  } catch (err) {
    // Unreachable by design (every test is guarded); kept so that no input can make this throw,
    // and so that even then the report has its usual entries.
    const report = new EtsReportBuilder();
    const issues = testFindings();
    report.skip('message_size', 'not evaluated');
    issues.add('', `the suite could not run: ${describe(err)}`);
    report.verdict('validation', issues, '');
    skipTests(report, 'not evaluated');
    return report.build(Date.now());
  }
}

/** The FAILED entries of a report. */
export function failedTests(report: EtsReport): EtsTest[] {
  return report['ets-report'].tests.filter((t) => t.code === 'FAILED');
}
