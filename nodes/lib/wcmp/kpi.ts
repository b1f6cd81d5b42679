/**
 * Key performance indicators of WCMP2 metadata quality, as the WCMP2 KPI document defines them
 * (title, description, time intervals, graphic overview, links health, contacts, persistent
 * identifiers), reported in pywcmp's KPI report shape.
 *
 * A rule we cannot judge is "not evaluated" and stays out of the totals: spelling (we ship no
 * dictionary, and guessing would punish proper nouns and technical terms), and, unless the
 * caller allows the network, everything that needs to fetch a URL.
 */
import { randomUUID } from 'node:crypto';
import { WEB_IMAGE_TYPES } from './codelists';
import { arrayMember, decode, member, show, stringMember } from './json';
import { pointer } from '../core/errors';
import { isMediaType, relations, uriScheme } from './links';
import { pool, probeContent, probeLink, resolves, sniffImage, type ProbeOptions } from './probe';
import { reportTime } from '../core/report';
import { WCMP_GENERATED_BY, WCMP2_BASE } from './report';
import { DURATION, beginsAfterEnd, readBound, type Span } from './temporal';
import { isRecord } from '../core/json';

export const KPI_BASE = `${WCMP2_BASE}/kpi/core`;

/** KPI names as pywcmp reports them, so reports compare. */
export const KPI_NAMES = [
  'good_quality_title',
  'good_quality_description',
  'time_intervals',
  'graphic_overview_for_metadata_records',
  'links_health',
  'contacts',
  'persistent_identifiers',
] as const;

export type KpiName = (typeof KPI_NAMES)[number];

export const KPI_IDS: readonly string[] = KPI_NAMES.map((n) => `${KPI_BASE}/${n}`);

export type RuleResult = 'passed' | 'failed' | 'not_evaluated';

export interface KpiRule {
  rule: string;
  result: RuleResult;
  /** What the rule looked at (a URL, an interval, a contact), when it applies to several. */
  subject?: string;
  comment?: string;
}

export type KpiStatus = 'evaluated' | 'not_evaluated' | 'not_applicable';

export interface KpiResult {
  id: string;
  title: string;
  status: KpiStatus;
  /** Points available from the rules that were evaluated. */
  total: number;
  score: number;
  /** score / total as a percentage (3 decimals), null when nothing was evaluated. */
  percentage: number | null;
  comments: string[];
  rules: KpiRule[];
}

export type Grade = 'A' | 'B' | 'C' | 'D' | 'E' | 'F';

export interface KpiSummary {
  total: number;
  score: number;
  percentage: number | null;
  grade: Grade | null;
  comments: string[];
  /** Ids of the KPIs left out of the totals because they could not be evaluated. */
  not_evaluated: string[];
}

export interface KpiReport {
  id: string;
  report_type: 'kpi';
  metadata_id: string | null;
  datetime: string;
  generated_by: string;
  tests: KpiResult[];
  summary: KpiSummary;
}

export interface KpiOptions {
  /** Allow the KPIs that fetch URLs (links health, graphic overview). Default false. */
  network?: boolean;
  /** Deadline for each request, in milliseconds. Default 10 000. */
  timeoutMs?: number;
  /** The fetch to use; default the global one. */
  fetch?: typeof fetch;
  /** Most distinct URLs the links health KPI fetches. Default 100. */
  maxLinks?: number;
  /** Requests in flight at once. Default 8. */
  concurrency?: number;
}

const TITLES: Record<KpiName, string> = {
  good_quality_title: 'Good quality title',
  good_quality_description: 'Good quality description',
  time_intervals: 'Time intervals',
  graphic_overview_for_metadata_records: 'Graphic overview for metadata records',
  links_health: 'Links health',
  contacts: 'Contacts',
  persistent_identifiers: 'Persistent identifiers',
};

const NO_DICTIONARY = 'not evaluated: no dictionary is shipped, and a guess would mark proper nouns and technical terms as misspelt';
const BULLETIN_HEADER = /[A-Z]{4}\d{2}[\s_]*[A-Z]{4}/;

class Kpi {
  readonly rules: KpiRule[] = [];
  readonly comments: string[] = [];
  status: KpiStatus | undefined;

  constructor(readonly name: KpiName) {}

  rule(rule: string, passed: boolean, subject?: string, comment?: string): void {
    const r: KpiRule = { rule, result: passed ? 'passed' : 'failed' };
    if (subject !== undefined) r.subject = subject;
    if (comment !== undefined) r.comment = comment;
    this.rules.push(r);
  }

  notEvaluated(rule: string, comment: string, subject?: string): void {
    const r: KpiRule = { rule, result: 'not_evaluated', comment };
    if (subject !== undefined) r.subject = subject;
    this.rules.push(r);
  }

  result(): KpiResult {
    const evaluated = this.rules.filter((r) => r.result !== 'not_evaluated');
    const total = evaluated.length;
    const score = evaluated.filter((r) => r.result === 'passed').length;
    const status: KpiStatus = this.status ?? (total > 0 ? 'evaluated' : this.rules.length > 0 ? 'not_evaluated' : 'not_applicable');
    return {
      id: `${KPI_BASE}/${this.name}`,
      title: TITLES[this.name],
      status,
      total,
      score,
      percentage: percentage(score, total),
      comments: this.comments,
      rules: this.rules,
    };
  }
}

function percentage(score: number, total: number): number | null {
  return total > 0 ? Math.round((score / total) * 100_000) / 1000 : null;
}

/** pywcmp's thresholds, with F below 20 % (pywcmp returns the number there). */
export function grade(percent: number | null): Grade | null {
  if (percent === null) return null;
  if (percent >= 80) return 'A';
  if (percent >= 65) return 'B';
  if (percent >= 50) return 'C';
  if (percent >= 35) return 'D';
  if (percent >= 20) return 'E';
  return 'F';
}

/** Characters as readers count them: a surrogate pair is one. */
function codePoints(text: string): number {
  return text.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, '_').length;
}

function words(text: string): string[] {
  return text
    .split(/\s+/)
    .map((w) => w.replace(/^[()]+|[()]+$/g, ''))
    .filter((w) => w !== '');
}

function isAcronym(word: string): boolean {
  const letters = word.replace(/[^\p{L}]/gu, '');
  return letters.length >= 2 && letters === letters.toUpperCase() && letters !== letters.toLowerCase();
}

/**
 * Sentence case: the first letter is a capital and the title is not in Title Case. Proper nouns
 * keep their capitals in sentence case and cannot be told apart without a dictionary, so a title
 * fails only when most of its longer words (four letters or more, acronyms aside) are capitalised.
 */
export function sentenceCase(title: string): { ok: boolean; comment?: string } {
  const first = /\p{L}/u.exec(title)?.[0];
  if (first === undefined) return { ok: false, comment: 'the title has no letter' };
  if (first !== first.toUpperCase() || first === first.toLowerCase()) return { ok: false, comment: 'the title does not start with a capital letter' };
  const later = words(title)
    .slice(1)
    .filter((w) => /^\p{L}/u.test(w) && !isAcronym(w) && w.replace(/[^\p{L}]/gu, '').length >= 4);
  const capitalised = later.filter((w) => {
    const c = w.charAt(0);
    return c === c.toUpperCase() && c !== c.toLowerCase();
  });
  if (later.length >= 2 && capitalised.length * 2 > later.length) {
    return { ok: false, comment: `the title is in Title Case (${capitalised.join(', ')}); write it in sentence case` };
  }
  return capitalised.length > 0 ? { ok: true, comment: `capitalised words taken as proper nouns: ${capitalised.join(', ')}` } : { ok: true };
}

function kpiTitle(record: unknown): Kpi {
  const k = new Kpi('good_quality_title');
  const title = stringMember(member(record, 'properties'), 'title');
  if (title === undefined) {
    k.comments.push('properties.title is missing or not a string');
    for (const r of ['3 words or more', '150 characters or less', 'only letters, digits and round brackets', 'sentence case', 'fewer than 3 acronyms', 'no bulletin header']) k.rule(r, false);
    k.notEvaluated('passes a basic spellcheck', NO_DICTIONARY);
    return k;
  }
  const w = words(title);
  k.rule('3 words or more', w.length >= 3, undefined, `${w.length} word(s)`);
  const length = codePoints(title);
  k.rule('150 characters or less', length <= 150, undefined, `${length} characters`);
  const odd = [...new Set(title.replace(/[\p{L}\p{M}\p{N} ()]/gu, ''))];
  k.rule('only letters, digits and round brackets', odd.length === 0, undefined, odd.length > 0 ? `also has ${odd.map((c) => JSON.stringify(c)).join(' ')}` : undefined);
  const sc = sentenceCase(title);
  k.rule('sentence case', sc.ok, undefined, sc.comment);
  const acronyms = w.filter(isAcronym);
  k.rule('fewer than 3 acronyms', acronyms.length < 3, undefined, acronyms.length > 0 ? `acronyms: ${acronyms.join(', ')}` : undefined);
  k.rule('no bulletin header', !BULLETIN_HEADER.test(title));
  k.notEvaluated('passes a basic spellcheck', NO_DICTIONARY);
  return k;
}

function kpiDescription(record: unknown): Kpi {
  const k = new Kpi('good_quality_description');
  const text = stringMember(member(record, 'properties'), 'description');
  if (text === undefined) {
    k.comments.push('properties.description is missing or not a string');
    for (const r of ['between 16 and 2048 characters', 'no HTML markup', 'no bulletin template']) k.rule(r, false);
    k.notEvaluated('passes a basic spellcheck', NO_DICTIONARY);
    return k;
  }
  const length = codePoints(text);
  k.rule('between 16 and 2048 characters', length >= 16 && length <= 2048, undefined, `${length} characters`);
  const markup = /<\/?[A-Za-z][^<>]*>|<!--|&(?:[A-Za-z][A-Za-z0-9]*|#\d+|#x[0-9A-Fa-f]+);/.exec(text);
  k.rule('no HTML markup', markup === null, undefined, markup ? `found ${JSON.stringify(markup[0].slice(0, 40))}` : undefined);
  k.notEvaluated('passes a basic spellcheck', NO_DICTIONARY);
  k.rule('no bulletin template', !BULLETIN_HEADER.test(text));
  return k;
}

function kpiTimeIntervals(record: unknown): Kpi {
  const k = new Kpi('time_intervals');
  const time = member(record, 'time');
  const intervals: { bounds: unknown[]; path: string; resolution: unknown }[] = [];
  const recordResolution = member(time, 'resolution');
  const interval = member(time, 'interval');
  if (Array.isArray(interval)) intervals.push({ bounds: interval, path: '/time/interval', resolution: recordResolution });
  const temporal = member(member(record, 'additionalExtents'), 'temporal');
  const extra = arrayMember(temporal, 'interval') ?? [];
  const extraResolution = member(temporal, 'resolution') ?? recordResolution;
  extra.forEach((bounds, i) => {
    if (Array.isArray(bounds)) intervals.push({ bounds, path: pointer('/additionalExtents/temporal/interval', i), resolution: extraResolution });
  });
  if (intervals.length === 0) {
    k.comments.push(time === null ? 'time is null: no interval to score' : 'no time interval (a single date or timestamp is not scored)');
    return k;
  }
  for (const { bounds, path, resolution } of intervals) {
    const read = (v: unknown): Span | undefined => (v === null || v === '..' ? readBound('..') : typeof v === 'string' ? readBound(v) : undefined);
    const begin = read(bounds[0]);
    const end = read(bounds[1]);
    const readable = bounds.length === 2 && begin !== undefined && end !== undefined;
    if (!readable) {
      k.rule('begin before end', false, path, 'the interval is not two readable bounds');
      k.rule('not open at both ends', false, path);
    } else {
      const closed = begin.kind !== 'open' && end.kind !== 'open';
      const ordered = !closed || (begin.kind === end.kind && !beginsAfterEnd(begin, end) && begin.start < end.end);
      k.rule('begin before end', ordered, path, closed && !ordered ? 'the interval does not begin before it ends' : undefined);
      k.rule('not open at both ends', !(begin.kind === 'open' && end.kind === 'open'), path);
    }
    const hasResolution = typeof resolution === 'string' && DURATION.test(resolution);
    k.rule('a resolution is given', hasResolution, path, hasResolution ? undefined : 'give time.resolution as an ISO 8601 duration');
  }
  return k;
}

function previewLinks(record: unknown): string[] {
  const out = new Set<string>();
  for (const link of arrayMember(record, 'links') ?? []) {
    const href = stringMember(link, 'href');
    if (href !== undefined && relations(link).includes('preview')) out.add(href);
  }
  return [...out];
}

async function kpiGraphicOverview(record: unknown, net: ProbeOptions | undefined, concurrency: number): Promise<Kpi> {
  const k = new Kpi('graphic_overview_for_metadata_records');
  const previews = previewLinks(record);
  if (previews.length === 0) {
    k.rule('a graphic overview is present', false, undefined, 'no link with rel "preview"');
    return k;
  }
  if (!net) {
    for (const href of previews) {
      k.rule('a graphic overview is present', true, href);
      k.notEvaluated('the URL resolves', 'not evaluated: the network is off (network: true)', href);
      k.notEvaluated('the content is a common web image type', 'not evaluated: the network is off (network: true)', href);
    }
    k.comments.push('network rules not evaluated');
    return k;
  }
  const results = await pool(previews, concurrency, async (href) => {
    const scheme = uriScheme(href);
    return scheme === 'http' || scheme === 'https' ? probeContent(href, net) : undefined;
  });
  previews.forEach((href, i) => {
    k.rule('a graphic overview is present', true, href);
    const r = results[i];
    if (r === undefined) {
      k.rule('the URL resolves', false, href, 'not an http(s) URL');
      k.rule('the content is a common web image type', false, href);
      return;
    }
    const ok = resolves(r);
    k.rule('the URL resolves', ok, href, r.error ?? (r.status !== undefined ? `HTTP ${r.status}` : undefined));
    const sniffed = ok && r.head ? sniffImage(r.head) : undefined;
    const image = sniffed !== undefined && WEB_IMAGE_TYPES.includes(sniffed);
    let comment: string | undefined;
    if (!ok) comment = 'nothing to look at';
    else if (sniffed === undefined) comment = `the content is not a common web image (served as ${r.contentType ?? 'no media type'})`;
    else if (r.contentType !== undefined && r.contentType !== sniffed) comment = `the content is ${sniffed} but is served as ${r.contentType}`;
    k.rule('the content is a common web image type', image, href, comment);
  });
  return k;
}

/** The URLs the links health KPI looks at, with the media type the record declares for them. */
function healthTargets(record: unknown): { url: string; declared?: string }[] {
  const found = new Map<string, string | undefined>();
  const add = (url: unknown, declared: unknown): void => {
    if (typeof url !== 'string' || url.trim() === '') return;
    const type = typeof declared === 'string' ? declared : undefined;
    if (!found.has(url) || (found.get(url) === undefined && type !== undefined)) found.set(url, type);
  };
  for (const link of arrayMember(record, 'links') ?? []) add(member(link, 'href'), member(link, 'type'));
  const props = member(record, 'properties');
  for (const theme of arrayMember(props, 'themes') ?? []) {
    add(member(theme, 'scheme'), undefined);
    for (const concept of arrayMember(theme, 'concepts') ?? []) add(member(concept, 'url'), undefined);
  }
  for (const contact of arrayMember(props, 'contacts') ?? []) {
    for (const link of arrayMember(contact, 'links') ?? []) add(member(link, 'href'), member(link, 'type'));
  }
  return [...found].map(([url, declared]) => (declared === undefined ? { url } : { url, declared }));
}

async function kpiLinksHealth(record: unknown, net: ProbeOptions | undefined, maxLinks: number, concurrency: number): Promise<Kpi> {
  const k = new Kpi('links_health');
  const targets = healthTargets(record);
  const web = targets.filter((t) => {
    const s = uriScheme(t.url);
    return s === 'http' || s === 'https';
  });
  const other = targets.filter((t) => !web.includes(t));
  if (other.length > 0) {
    k.comments.push(`not checked (not http or https): ${other.map((t) => show(t.url, 60)).join(', ')}`);
  }
  if (!net) {
    for (const t of web) {
      k.notEvaluated('the link resolves', 'not evaluated: the network is off (network: true)', t.url);
      k.notEvaluated('the link has a valid media type', 'not evaluated: the network is off (network: true)', t.url);
    }
    k.status = 'not_evaluated';
    k.comments.push(`network off: ${web.length} link(s) not checked`);
    return k;
  }
  const checked = web.slice(0, maxLinks);
  if (web.length > checked.length) k.comments.push(`only the first ${maxLinks} of ${web.length} links were checked`);
  const plain = checked.filter((t) => uriScheme(t.url) === 'http');
  if (plain.length > 0) k.comments.push(`${plain.length} link(s) use http rather than https`);
  const results = await pool(checked, concurrency, (t) => probeLink(t.url, net));
  checked.forEach((t, i) => {
    const r = results[i] ?? {};
    const ok = resolves(r);
    k.rule('the link resolves', ok, t.url, r.error ?? (r.status !== undefined ? `HTTP ${r.status}` : undefined));
    const type = t.declared ?? r.contentType;
    const valid = type !== undefined && isMediaType(type);
    k.rule('the link has a valid media type', valid, t.url, valid ? undefined : `media type ${type === undefined ? 'unknown' : JSON.stringify(type)}`);
  });
  if (checked.length === 0) k.status = 'not_applicable';
  return k;
}

function kpiContacts(record: unknown): Kpi {
  const k = new Kpi('contacts');
  const contacts = (arrayMember(member(record, 'properties'), 'contacts') ?? []).filter(isRecord);
  const hasRole = (c: unknown, role: string): boolean => (arrayMember(c, 'roles') ?? []).includes(role);
  const hosts = contacts.filter((c) => hasRole(c, 'host'));
  k.rule('a contact with the role host', hosts.length > 0);
  const email = hosts.some((h) => (arrayMember(h, 'emails') ?? []).some((e) => (stringMember(e, 'value') ?? '').trim() !== ''));
  k.rule('the host has an email', email);
  const instructions = hosts.some((h) => (stringMember(h, 'contactInstructions') ?? '').trim() !== '');
  k.rule('the host has contact instructions', instructions);
  k.rule('a contact with the role publisher', contacts.some((c) => hasRole(c, 'publisher')));
  return k;
}

const PID_SCHEMES = ['doi.org', 'arks.org', 'handle.net'];

function kpiPids(record: unknown): Kpi {
  const k = new Kpi('persistent_identifiers');
  const ids = (arrayMember(member(record, 'properties'), 'externalIds') ?? []).filter((e) => typeof stringMember(e, 'value') === 'string');
  k.rule('external identifiers are given', ids.length > 0);
  const schemes = ids.map((e) => stringMember(e, 'scheme')).filter((s): s is string => s !== undefined);
  const known = schemes.some((s) => PID_SCHEMES.includes(s.trim().toLowerCase().replace(/^https?:\/\//, '').replace(/\/+$/, '')));
  const bare = schemes.find((s) => ['doi', 'ark', 'hdl', 'handle'].includes(s.trim().toLowerCase()));
  k.rule('a scheme is https://doi.org, https://arks.org or https://handle.net', known, undefined, !known && bare !== undefined ? `scheme ${JSON.stringify(bare)}: write the resolver URI instead` : undefined);
  const citeAs = (arrayMember(record, 'links') ?? []).some((l) => relations(l).includes('cite-as'));
  k.rule('a link with rel "cite-as"', citeAs);
  return k;
}

/**
 * Scores a record against the WCMP2 KPIs. Accepts an object, a JSON string or its bytes; never
 * throws. Without `network: true` nothing is fetched and the rules that would need it are
 * reported as not evaluated.
 */
export async function evaluateKpis(record: unknown, options?: KpiOptions | null): Promise<KpiReport> {
  const opts = options ?? {};
  const decoded = decode(record);
  const value = decoded.ok ? decoded.value : undefined;
  const fetcher = opts.fetch ?? globalThis.fetch;
  const positive = (n: number | undefined, fallback: number): number => (n !== undefined && Number.isFinite(n) && n >= 1 ? Math.floor(n) : fallback);
  const net: ProbeOptions | undefined = opts.network === true ? { fetch: fetcher, timeoutMs: positive(opts.timeoutMs, 10_000) } : undefined;
  const concurrency = positive(opts.concurrency, 8);
  const kpis: Kpi[] = [];
  const steps: [KpiName, () => Kpi | Promise<Kpi>][] = [
    ['good_quality_title', () => kpiTitle(value)],
    ['good_quality_description', () => kpiDescription(value)],
    ['time_intervals', () => kpiTimeIntervals(value)],
    ['graphic_overview_for_metadata_records', () => kpiGraphicOverview(value, net, concurrency)],
    ['links_health', () => kpiLinksHealth(value, net, positive(opts.maxLinks, 100), concurrency)],
    ['contacts', () => kpiContacts(value)],
    ['persistent_identifiers', () => kpiPids(value)],
  ];
  for (const [name, step] of steps) {
    try {
      kpis.push(await step());
    } catch (err) {
      // Only inputs that are not plain JSON values (throwing getters, proxies) can get here.
      const k = new Kpi(name);
      k.status = 'not_evaluated';
      k.comments.push(`the record could not be read: ${err instanceof Error ? err.message : String(err)}`);
      kpis.push(k);
    }
  }
  const tests = kpis.map((k) => k.result());
  if (!decoded.ok) tests[0]?.comments.push(`the input is not JSON: ${decoded.message}`);
  else if (!isRecord(value)) tests[0]?.comments.push('the record is not a JSON object');
  const total = tests.reduce((s, t) => s + t.total, 0);
  const score = tests.reduce((s, t) => s + t.score, 0);
  const percent = percentage(score, total);
  const comments: string[] = [];
  const notEvaluated: string[] = [];
  for (const t of tests) {
    if (t.status === 'not_evaluated') notEvaluated.push(t.id);
    const skipped = t.rules.filter((r) => r.result === 'not_evaluated').length;
    if (skipped > 0) comments.push(`${t.title}: ${skipped} rule(s) not evaluated`);
    else if (t.status === 'not_applicable') comments.push(`${t.title}: nothing to score`);
  }
  let id: unknown;
  try {
    id = member(value, 'id');
  } catch {
    id = undefined;
  }
  return {
    id: randomUUID(),
    report_type: 'kpi',
    metadata_id: typeof id === 'string' ? id : typeof id === 'number' ? String(id) : null,
    datetime: reportTime(Date.now()),
    generated_by: WCMP_GENERATED_BY,
    tests,
    summary: { total, score, percentage: percent, grade: grade(percent), comments, not_evaluated: notEvaluated },
  };
}
