/**
 * Is our discovery metadata record in a Global Discovery Catalogue, and is it the one we
 * announced? A GDC is an OGC API – Records server: the record is the item
 * `<collection>/items/<record id>` (404 when absent). The GDC changes a record on the way in:
 * for core data it replaces the `origin` subscription links with `cache` ones and adds one per
 * Global Broker, and the server adds its own navigation links. So the record is compared
 * without its links: by `properties.updated` and by a digest of the rest.
 *
 * A GDC scores records against the WCMP2 KPIs; the reference implementation (wis2-gdc) offers
 * pywcmp's KPI process, `<root>/processes/pywcmp-wis2-wcmp2-kpi/execution`, whose report's
 * summary carries the score, percentage and grade. What the catalogue answers is public data:
 * read with the same limits as any input.
 */
import { createHash } from 'node:crypto';
import { Wis2Error, type Warning } from '../core/errors';
import { budgetRequest, readBody, RequestFailure, type BudgetOptions } from './http-budget';
import { decodeJson } from '../intake';
import { isRecord } from '../core/json';

export type RecordState = 'present' | 'absent' | 'stale';
export const RECORD_STATES: readonly RecordState[] = ['present', 'absent', 'stale'];

/** What we know of the record we announced. */
export interface OurRecord {
  id: string;
  updated?: string;
  /** recordContentHash of our record */
  contentHash: string;
}

export interface CatalogueKpi {
  score?: number;
  total?: number;
  percentage?: number;
  grade?: string;
}

export interface CatalogueReport {
  state: RecordState;
  metadataId: string;
  /** the item URL asked */
  url: string;
  ours: { updated?: string; contentHash: string };
  theirs?: { updated?: string; contentHash: string };
  /** what makes the catalogue's copy stale */
  differs: ('updated' | 'content')[];
  kpi?: CatalogueKpi;
  warnings: Warning[];
}

export interface CatalogueOptions {
  /** the OGC API – Records collection of the catalogue */
  collectionUrl: string;
  /** ask the catalogue's KPI process about the record it holds */
  kpi?: boolean;
  connectTimeoutMs?: number;
  readTimeoutMs?: number;
  signal?: AbortSignal;
}

/** Public data: a record is at most 1 MiB (as we read our own), a KPI report as much. */
const ANSWER_LIMITS = { maxBytes: 1024 * 1024, maxDepth: 64 };
export const KPI_PROCESS = 'pywcmp-wis2-wcmp2-kpi';

/** JSON with the members of every object in code point order, so that equal records hash alike. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isRecord(value)) {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** sha256 (hex) of a record without its links, the part a catalogue keeps as we wrote it. */
export function recordContentHash(record: Record<string, unknown>): string {
  const rest = { ...record };
  delete rest.links;
  return createHash('sha256').update(canonical(rest)).digest('hex');
}

export function recordUpdated(record: Record<string, unknown>): string | undefined {
  const updated = isRecord(record.properties) ? record.properties.updated : undefined;
  return typeof updated === 'string' ? updated : undefined;
}

/** What we compare of a record of ours. */
export function ourRecord(record: Record<string, unknown>): OurRecord {
  const updated = recordUpdated(record);
  return { id: String(record.id), contentHash: recordContentHash(record), ...(updated === undefined ? {} : { updated }) };
}

/** The same, from the exact bytes of a record already read (readMetadataRecord checked them). */
export function ourRecordFromBytes(bytes: Buffer): OurRecord {
  const value = decodeJson(bytes, ANSWER_LIMITS);
  if (!isRecord(value) || typeof value.id !== 'string') throw new Wis2Error('wnm', 'metadata.not_record', 'the payload is not a WCMP2 record (a JSON object with an id)');
  return ourRecord(value);
}

export function checkCollectionUrl(url: unknown): string {
  let parsed: URL;
  try {
    parsed = new URL(typeof url === 'string' ? url.trim() : '');
  } catch {
    throw new Wis2Error('config', 'gdc.url', `the catalogue URL ${JSON.stringify(String(url).slice(0, 200))} is not a URL`, '/catalogue');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Wis2Error('config', 'gdc.url', 'the catalogue URL is http or https', '/catalogue');
  if (parsed.username || parsed.password || parsed.search || parsed.hash) throw new Wis2Error('config', 'gdc.url', 'the catalogue URL has no credentials, query or fragment', '/catalogue');
  return parsed.href.replace(/\/+$/, '');
}

export function itemUrl(collectionUrl: string, id: string): string {
  return `${collectionUrl}/items/${encodeURIComponent(id)}?f=json`;
}

/** The API root is what comes before `/collections/`; the processes hang from it. */
export function kpiProcessUrl(collectionUrl: string): string {
  const at = collectionUrl.lastIndexOf('/collections/');
  const root = at >= 0 ? collectionUrl.slice(0, at) : collectionUrl;
  return `${root}/processes/${KPI_PROCESS}/execution`;
}

function unreachable(url: string, why: string): Wis2Error {
  return new Wis2Error('check', 'gdc.unreachable', `the catalogue did not answer at ${url}: ${why}`);
}

async function getJson(url: string, budget: BudgetOptions): Promise<{ status: number; value?: unknown }> {
  try {
    const res = await budgetRequest(url, budget);
    if (res.status !== 200) {
      res.discard();
      return { status: res.status };
    }
    const body = await readBody(res, ANSWER_LIMITS.maxBytes);
    try {
      return { status: 200, value: decodeJson(body, ANSWER_LIMITS) };
    } catch (err) {
      throw new Wis2Error('check', 'gdc.bad_answer', `the catalogue's answer at ${url} is not JSON: ${(err as Error).message}`);
    }
  } catch (err) {
    if (err instanceof RequestFailure) throw unreachable(url, err.message);
    throw err;
  }
}

function numberOrUndefined(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** The summary of a pywcmp KPI report, given as is or as the `result` output of the process. */
export function readKpiReport(value: unknown): CatalogueKpi | undefined {
  const report = isRecord(value) && isRecord(value.result) ? value.result : value;
  if (!isRecord(report) || !isRecord(report.summary)) return undefined;
  const s = report.summary;
  const kpi: CatalogueKpi = {};
  const score = numberOrUndefined(s.score);
  const total = numberOrUndefined(s.total);
  const percentage = numberOrUndefined(s.percentage);
  if (score !== undefined) kpi.score = score;
  if (total !== undefined) kpi.total = total;
  if (percentage !== undefined) kpi.percentage = percentage;
  // pywcmp gives a letter, or the percentage itself below 20 %
  if (typeof s.grade === 'string' && /^[A-F]$/.test(s.grade)) kpi.grade = s.grade;
  else if (percentage !== undefined && percentage < 20) kpi.grade = 'F';
  return Object.keys(kpi).length > 0 ? kpi : undefined;
}

async function askKpi(collectionUrl: string, record: Record<string, unknown>, budget: BudgetOptions, warnings: Warning[]): Promise<CatalogueKpi | undefined> {
  const url = kpiProcessUrl(collectionUrl);
  try {
    const res = await budgetRequest(url, {
      ...budget,
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: Buffer.from(JSON.stringify({ inputs: { record } })),
    });
    if (res.status !== 200) {
      res.discard();
      warnings.push({ code: 'gdc.kpi_unavailable', message: `the catalogue's KPI process answered HTTP ${res.status} at ${url}`, path: '' });
      return undefined;
    }
    const kpi = readKpiReport(decodeJson(await readBody(res, ANSWER_LIMITS.maxBytes), ANSWER_LIMITS));
    if (!kpi) warnings.push({ code: 'gdc.kpi_unreadable', message: `the catalogue's KPI process at ${url} gave no report summary`, path: '' });
    return kpi;
  } catch (err) {
    warnings.push({ code: 'gdc.kpi_unavailable', message: `the catalogue's KPI process at ${url} did not answer: ${(err as Error).message}`, path: '' });
    return undefined;
  }
}

/**
 * Asks the catalogue for our record. Resolves with its state; throws a Wis2Error
 * `gdc.unreachable` (no answer, or a status other than 200 and 404) or `gdc.bad_answer` (an
 * answer that is not the record asked for).
 */
export async function checkCatalogue(ours: OurRecord, options: CatalogueOptions): Promise<CatalogueReport> {
  const budget: BudgetOptions = {
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    readTimeoutMs: options.readTimeoutMs ?? 30_000,
    headers: { accept: 'application/geo+json, application/json' },
    ...(options.signal ? { signal: options.signal } : {}),
  };
  const url = itemUrl(options.collectionUrl, ours.id);
  const report: CatalogueReport = {
    state: 'absent',
    metadataId: ours.id,
    url,
    ours: { contentHash: ours.contentHash, ...(ours.updated === undefined ? {} : { updated: ours.updated }) },
    differs: [],
    warnings: [],
  };
  const answer = await getJson(url, budget);
  if (answer.status === 404) return report;
  if (answer.status !== 200) throw unreachable(url, `HTTP ${answer.status}`);
  const record = answer.value;
  if (!isRecord(record) || record.id !== ours.id) {
    throw new Wis2Error('check', 'gdc.bad_answer', `the catalogue's answer at ${url} is not the record ${ours.id}`);
  }
  const updated = recordUpdated(record);
  report.theirs = { contentHash: recordContentHash(record), ...(updated === undefined ? {} : { updated }) };
  if (ours.updated !== undefined && updated !== ours.updated) report.differs.push('updated');
  if (report.theirs.contentHash !== ours.contentHash) report.differs.push('content');
  report.state = report.differs.length > 0 ? 'stale' : 'present';
  if (options.kpi) {
    const kpi = await askKpi(options.collectionUrl, record, budget, report.warnings);
    if (kpi) report.kpi = kpi;
  }
  return report;
}
