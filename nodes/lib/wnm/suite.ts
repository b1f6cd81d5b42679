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
import fs from 'node:fs';
import path from 'node:path';
import { validateWnmSchema } from './schema';
import { MAX_MESSAGE_BYTES, WNM_CONFORMANCE } from './standard';
import { decodeInput } from './suite-input';
import { checkDateTime, notUtcMessage } from './rules-time';
import { checkMessageGeometry } from './rules-geometry';
import { checkMessageLinks } from './rules-links';
import { checkContent, checkIntegrity } from './rules-content';
import {
  Issues,
  WNM_RECOMMENDATIONS,
  WNM_TESTS,
  type EtsCode,
  type EtsReport,
  type EtsSummary,
  type EtsTest,
  type WnmRecommendationName,
  type WnmTestName,
} from './suite-report';
import { isRecord } from '../core/json';

export {
  WNM_CONF_CORE,
  WNM_REC_CORE,
  WNM_TESTS,
  WNM_RECOMMENDATIONS,
  MAX_ERRORS_PER_TEST,
  type EtsCode,
  type EtsError,
  type EtsReport,
  type EtsSummary,
  type EtsTest,
  type WnmTestName,
  type WnmRecommendationName,
} from './suite-report';
export { announcesMetadata } from './rules-links';

export { MAX_MESSAGE_BYTES };
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

/** `<name> <version>` of this package, read once from the nearest package.json of ours. */
export const GENERATED_BY: string = (() => {
  const name = 'node-red-contrib-wis2';
  try {
    let dir = __dirname;
    for (;;) {
      const file = path.join(dir, 'package.json');
      if (fs.existsSync(file)) {
        const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
        if (pkg.name === name && typeof pkg.version === 'string') return `${name} ${pkg.version}`;
      }
      const parent = path.dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  } catch {
    // An unreadable package.json must not stop validation; the version is only informative.
  }
  return `${name} (unknown version)`;
})();

let stampSecond = -1;
let stampText = '';

/** UTC to the second, as pywis-pubsub writes it; formatted once per second at most. */
function stamp(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== stampSecond) {
    stampSecond = second;
    stampText = new Date(second * 1000).toISOString().slice(0, 19) + 'Z';
  }
  return stampText;
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  return 'unknown error';
}

function plural(n: number, word: string): string {
  return n === 1 ? `1 ${word}` : `${n} ${word}s`;
}

/** The message of a FAILED or WARNING entry: how many problems, and the first one. */
function summarise(issues: Issues): string {
  const first = issues.first;
  const where = first && first.path !== '' ? `${first.path} ` : '';
  const head = first ? `${where}${first.message}` : '';
  return issues.count === 1 ? head : `${plural(issues.count, 'problem')}; first: ${head}`;
}

class ReportBuilder {
  readonly tests: EtsTest[] = [];
  readonly summary: EtsSummary = { PASSED: 0, FAILED: 0, WARNING: 0, SKIPPED: 0 };

  add(id: string, code: EtsCode, message: string, issues?: Issues): void {
    const summary = this.summary;
    if (code === 'PASSED') summary.PASSED++;
    else if (code === 'FAILED') summary.FAILED++;
    else if (code === 'WARNING') summary.WARNING++;
    else summary.SKIPPED++;
    const test: EtsTest = { id, code, message };
    if (issues && !issues.empty) test.errors = issues.errors();
    this.tests.push(test);
  }

  /** PASSED when nothing was found, FAILED otherwise. */
  verdict(name: WnmTestName, issues: Issues, passed: string): void {
    if (issues.empty) this.add(WNM_TESTS[name], 'PASSED', passed);
    else this.add(WNM_TESTS[name], 'FAILED', summarise(issues), issues);
  }

  skip(name: WnmTestName, why: string): void {
    this.add(WNM_TESTS[name], 'SKIPPED', why);
  }

  warn(name: WnmRecommendationName, issues: Issues): void {
    if (!issues.empty) this.add(WNM_RECOMMENDATIONS[name], 'WARNING', summarise(issues), issues);
  }

  build(nowMs: number): EtsReport {
    return { 'ets-report': { summary: this.summary, generated_by: GENERATED_BY, tests: this.tests, datetime: stamp(nowMs) } };
  }
}

/** What the tests after `validation` share about one message. */
interface Run {
  readonly message: Record<string, unknown>;
  readonly props: Record<string, unknown> | undefined;
  readonly hasConformsTo: boolean;
  readonly hasVersion: boolean;
  readonly topic: string | undefined;
  readonly nowMs: number;
  readonly recPubtime: Issues;
  readonly recContent: Issues;
  readonly recLinks: Issues;
}

/** A test reports its problems into `issues` and returns its PASSED message, or a reason to skip. */
type Outcome = string | { readonly skip: string };
type TestFn = (run: Run, issues: Issues) => Outcome;

/** Checks one RFC 3339 UTC date-time member; returns its instant when valid. */
function checkUtcDateTime(value: string, path: string, issues: Issues): number | undefined {
  const parsed = checkDateTime(value);
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

const CANONICAL_UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

function checkMessageId(message: Record<string, unknown>, issues: Issues): void {
  const id = message.id;
  if (id === undefined) {
    issues.add('/id', 'is required (/req/core/identifier A)');
  } else if (typeof id !== 'string') {
    issues.add('/id', 'must be a string holding a UUID');
  } else if (!CANONICAL_UUID.test(id)) {
    let hint = 'is not a UUID in its canonical 8-4-4-4-12 hexadecimal form (RFC 4122 §3)';
    if (/^urn:uuid:/i.test(id)) hint = 'carries the urn:uuid: prefix; the id is the bare UUID (8-4-4-4-12)';
    else if (id.startsWith('{')) hint = 'is wrapped in braces; the id is the bare UUID (8-4-4-4-12)';
    else if (/^[0-9a-fA-F]{32}$/.test(id)) hint = 'has no hyphens; write the UUID as 8-4-4-4-12';
    issues.add('/id', hint);
  }
}

function checkTemporal(props: Record<string, unknown>, issues: Issues): string {
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
  for (const [value, present, name] of [[start, hasStart, 'start_datetime'], [end, hasEnd, 'end_datetime']] as const) {
    if (!present) continue;
    if (typeof value === 'string') checkUtcDateTime(value, `/properties/${name}`, issues);
    else if (value === null) issues.add(`/properties/${name}`, 'must not be null: only datetime may be null (/req/core/temporal D)');
    else issues.add(`/properties/${name}`, 'must be an RFC 3339 date-time string');
  }
  if (hasInstant) return datetime === null ? 'datetime null (no temporal description)' : 'datetime';
  return 'start_datetime/end_datetime';
}

function checkMetadataId(props: Record<string, unknown>, recommendations: Issues): void {
  const id = props.metadata_id;
  if (id === undefined) {
    recommendations.add('/properties/metadata_id', 'is missing; give the identifier of the WCMP2 record of the dataset (/rec/core/metadata_id)');
  } else if (typeof id === 'string' && !id.startsWith('urn:wmo:md:')) {
    recommendations.add('/properties/metadata_id', `${JSON.stringify(id.slice(0, 60))} is not a WCMP2 record identifier (urn:wmo:md:<centre-id>:<local-id>) (/rec/core/metadata_id)`);
  }
}

function messageSizeTest(report: ReportBuilder, decoded: ReturnType<typeof decodeInput>): void {
  const { size, basis } = decoded;
  const issues = new Issues();
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

function identifierTest(run: Run, issues: Issues): Outcome {
  checkMessageId(run.message, issues);
  return 'id is a UUID';
}

const USES_VERSION = { skip: 'not applicable: the message uses the deprecated version member instead of conformsTo' };

function conformanceTest(run: Run, issues: Issues): Outcome {
  if (!run.hasConformsTo && run.hasVersion) return USES_VERSION;
  const conformsTo = run.message.conformsTo;
  if (!run.hasConformsTo) issues.add('/conformsTo', 'is required (/req/core/conformance A)');
  else if (!Array.isArray(conformsTo)) issues.add('/conformsTo', 'must be an array of conformance class URIs (/req/core/conformance A)');
  else if (!(conformsTo as unknown[]).includes(WNM_CONFORMANCE)) issues.add('/conformsTo', `must list ${WNM_CONFORMANCE} (/req/core/conformance B)`);
  return `conformsTo lists ${WNM_CONFORMANCE}`;
}

const NO_VERSION = { skip: 'not applicable: no deprecated version member' };

function versionTest(run: Run, issues: Issues): Outcome {
  if (!run.hasVersion) return NO_VERSION;
  if (run.message.version !== 'v04') issues.add('/version', 'must be v04 (/req/core/version B)');
  if (run.hasConformsTo) issues.add('/version', 'must not be given together with conformsTo, which replaces it (/req/core/version)');
  return 'version is v04 (deprecated: use conformsTo)';
}

function geometryTest(run: Run, issues: Issues): Outcome {
  const kind = checkMessageGeometry(run.message, issues);
  return kind === 'null' ? 'geometry is null' : `valid ${kind} in longitude/latitude`;
}

function pubtimeTest(run: Run, issues: Issues): Outcome {
  const { props, nowMs } = run;
  const pubtime = props?.pubtime;
  if (props === undefined) issues.add('/properties', 'is required and must be an object holding pubtime');
  else if (pubtime === undefined) issues.add('/properties/pubtime', 'is required (/req/core/pubtime A)');
  else if (typeof pubtime !== 'string') issues.add('/properties/pubtime', 'must be an RFC 3339 date-time string (/req/core/pubtime B)');
  else {
    const at = checkUtcDateTime(pubtime, '/properties/pubtime', issues);
    if (at !== undefined && at > nowMs + PUBTIME_CLOCK_SKEW_MS) {
      run.recPubtime.add('/properties/pubtime', `is ${Math.round((at - nowMs) / 1000)} s in the future; pubtime is the time of publication (/req/core/pubtime D)`);
    }
  }
  return 'pubtime is an RFC 3339 date-time in UTC';
}

function dataIdTest(run: Run, issues: Issues): Outcome {
  const { props } = run;
  const dataId = props?.data_id;
  if (props === undefined) issues.add('/properties', 'is required and must be an object holding data_id');
  else if (dataId === undefined) issues.add('/properties/data_id', 'is required (/req/core/data_id A)');
  else if (typeof dataId !== 'string') issues.add('/properties/data_id', 'must be a string');
  else if (dataId === '') issues.add('/properties/data_id', 'must not be empty');
  return 'data_id is present';
}

function temporalTest(run: Run, issues: Issues): Outcome {
  if (run.props === undefined) {
    issues.add('/properties', 'is required and must be an object holding datetime or start_datetime/end_datetime');
    return '';
  }
  return `${checkTemporal(run.props, issues)} in RFC 3339 UTC`;
}

const NO_CONTENT = { skip: 'no inline content' };

function contentTest(run: Run, issues: Issues): Outcome {
  if (run.props === undefined || !checkContent(run.props, issues, run.recContent)) return NO_CONTENT;
  return 'inline content within 4096 bytes and decodable';
}

function linksTest(run: Run, issues: Issues): Outcome {
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

function runSuite(input: unknown, options: WnmSuiteOptions): EtsReport {
  const now = options.now;
  const nowMs = now instanceof Date && !Number.isNaN(now.getTime()) ? now.getTime() : Date.now();
  const report = new ReportBuilder();
  const decoded = decodeInput(input);

  messageSizeTest(report, decoded);

  // One collector for every test in turn: most find nothing, and a report keeps what it is handed.
  const issues = new Issues();
  if (decoded.problem !== undefined) {
    issues.add('', `the message ${decoded.problem}`);
    report.verdict('validation', issues, '');
    for (const [name] of TESTS) report.skip(name, 'not evaluated: the payload is not a JSON value that can be checked');
    return report.build(nowMs);
  }
  const message = decoded.value;

  try {
    const found = validateWnmSchema(message);
    for (const { path: at, message: text } of found) issues.add(at, text);
  } catch (err) {
    issues.add('', `could not be evaluated: ${describe(err)}`);
  }
  report.verdict('validation', issues, 'valid against the WNM 1.3 JSON Schema');

  if (!isRecord(message)) {
    for (const [name] of TESTS) report.skip(name, 'not evaluated: the message is not a JSON object');
    return report.build(nowMs);
  }

  // Read once, guarded: on an object handed over directly these reads may run getters.
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
  const run: Run = {
    message,
    props,
    hasConformsTo,
    hasVersion,
    topic: typeof options.topic === 'string' ? options.topic : undefined,
    nowMs,
    recPubtime: new Issues(),
    recContent: new Issues(),
    recLinks: new Issues(),
  };

  for (let t = 0; t < TESTS.length; t++) {
    const [name, test] = TESTS[t];
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

  const recMetadataId = new Issues();
  const recIntegrity = new Issues();
  if (props !== undefined) {
    try {
      checkMetadataId(props, recMetadataId);
      checkIntegrity(props, recIntegrity);
    } catch {
      // A member that throws when read already failed the tests above.
    }
  }
  report.warn('pubtime', run.recPubtime);
  report.warn('metadata_id', recMetadataId);
  report.warn('integrity', recIntegrity);
  report.warn('content', run.recContent);
  report.warn('links', run.recLinks);
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
    const report = new ReportBuilder();
    const issues = new Issues();
    report.skip('message_size', 'not evaluated');
    issues.add('', `the suite could not run: ${describe(err)}`);
    report.verdict('validation', issues, '');
    for (const [name] of TESTS) report.skip(name, 'not evaluated');
    return report.build(Date.now());
  }
}

/** The FAILED entries of a report. */
export function failedTests(report: EtsReport): EtsTest[] {
  return report['ets-report'].tests.filter((t) => t.code === 'FAILED');
}
