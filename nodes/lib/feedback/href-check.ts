/**
 * The check before publishing: does the file a notification announces answer the way a Global
 * Cache will ask for it? A cache connects within 10 s, waits at most 30 s between reads,
 * compares the served length with the link's `length` and the bytes with `integrity`, and drops
 * a file that fails (WIS2 Guide, global services; Synoptic's cache uses these timeouts).
 *
 * - `head`: the href answers 200 with the announced Content-Length;
 * - `download`: the served bytes have the announced length and digest.
 *
 * A file not served yet (the diffusion system may announce a file a moment before the web
 * server has it) is asked again with a growing delay, up to a limit; a wrong length or digest
 * is final at once.
 */
import { createHash } from 'node:crypto';
import { Wis2Error, pointer, type Warning } from '../core/errors';
import { budgetRequest, RequestFailure, type BudgetResponse } from './http-budget';
import { WNM_METHODS, type WnmIntegrityMethod } from '../core/integrity';
import { isRecord } from '../core/json';
import { wholeNumber } from '../core/numbers';

export const CHECK_MODES = ['off', 'head', 'download'] as const;
export type CheckMode = (typeof CHECK_MODES)[number];

export function checkModeOf(value: unknown): CheckMode {
  return CHECK_MODES.includes(value as CheckMode) ? (value as CheckMode) : 'off';
}

/** The codes of a failed check, as the dead letters carry them. */
export type CheckCode = 'href.unreachable' | 'href.length_mismatch' | 'integrity.mismatch';

/** What a notification says a cache will find at its href. */
export interface AnnouncedFile {
  href: string;
  /** JSON Pointer of the link in the notification */
  path: string;
  length?: number;
  integrity?: { method: WnmIntegrityMethod; value: string };
}

/**
 * The file of a notification: its canonical or update link. A deletion announces no file to
 * fetch, so there is nothing to check (undefined).
 */
export function announcedFile(wnm: unknown): AnnouncedFile | undefined {
  if (!isRecord(wnm) || !Array.isArray(wnm.links)) return undefined;
  const at = wnm.links.findIndex((l) => isRecord(l) && (l.rel === 'canonical' || l.rel === 'update') && typeof l.href === 'string');
  if (at < 0) return undefined;
  const link = wnm.links[at] as Record<string, unknown>;
  const file: AnnouncedFile = { href: link.href as string, path: pointer('/links', at, 'href') };
  if (typeof link.length === 'number' && Number.isSafeInteger(link.length) && link.length >= 0) file.length = link.length;
  const integrity = isRecord(wnm.properties) ? wnm.properties.integrity : undefined;
  if (isRecord(integrity) && WNM_METHODS.includes(integrity.method as WnmIntegrityMethod) && typeof integrity.value === 'string') {
    file.integrity = { method: integrity.method as WnmIntegrityMethod, value: integrity.value };
  }
  return file;
}

export interface CheckOptions {
  mode: Exclude<CheckMode, 'off'>;
  connectTimeoutMs?: number;
  readTimeoutMs?: number;
  /** how many times a file not served yet is asked again */
  retries?: number;
  /** delay before the first retry; each next one waits twice as long */
  backoffMs?: number;
  maxBackoffMs?: number;
  signal?: AbortSignal;
  /** told before each retry, with why and how long it waits */
  onRetry?: (attempt: number, reason: string, delayMs: number) => void;
}

export interface CheckPassed {
  attempts: number;
  /** what the check could not confirm (no Content-Length served, no integrity announced) */
  warnings: Warning[];
}

/** One answer from the server: passed, try again later, or failed for good. */
type Verdict =
  | { kind: 'ok'; warnings: Warning[] }
  | { kind: 'retry'; reason: string }
  | { kind: 'fail'; code: CheckCode; reason: string };

/** Statuses a file that is on its way may answer with, and overloaded servers. */
function worthRetrying(status: number): boolean {
  return status === 404 || status === 408 || status === 425 || status === 429 || status >= 500;
}

function lengthVerdict(file: AnnouncedFile, served: number | undefined, warnings: Warning[]): Verdict {
  if (file.length === undefined || served === undefined) {
    if (served === undefined) warnings.push({ code: 'href.length_unknown', message: 'the server gave no Content-Length: the length is not checked', path: file.path });
    return { kind: 'ok', warnings };
  }
  if (served !== file.length) return { kind: 'fail', code: 'href.length_mismatch', reason: `the server serves ${served} bytes; the notification announces ${file.length}` };
  return { kind: 'ok', warnings };
}

function contentLength(res: BudgetResponse): number | undefined {
  const value = res.headers['content-length'];
  return wholeNumber(value);
}

async function download(res: BudgetResponse, file: AnnouncedFile): Promise<Verdict> {
  const warnings: Warning[] = [];
  const hash = file.integrity ? createHash(file.integrity.method) : undefined;
  if (!file.integrity) warnings.push({ code: 'integrity.unchecked', message: 'the notification carries no integrity: only the length is checked', path: '/properties/integrity' });
  let size = 0;
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    size += chunk.length;
    // no need to read a file that is already too long
    if (file.length !== undefined && size > file.length) {
      res.discard();
      return { kind: 'fail', code: 'href.length_mismatch', reason: `the server serves more than the ${file.length} bytes the notification announces` };
    }
    hash?.update(chunk);
  }
  const byLength = lengthVerdict(file, size, warnings);
  if (byLength.kind !== 'ok') return byLength;
  if (hash && file.integrity) {
    const digest = hash.digest('base64');
    if (digest !== file.integrity.value) {
      return { kind: 'fail', code: 'integrity.mismatch', reason: `the served bytes have ${file.integrity.method} ${digest}; the notification announces ${file.integrity.value}` };
    }
  }
  return byLength;
}

async function attempt(file: AnnouncedFile, options: CheckOptions): Promise<Verdict> {
  const budget = {
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    readTimeoutMs: options.readTimeoutMs ?? 30_000,
    ...(options.signal ? { signal: options.signal } : {}),
  };
  try {
    let res = await budgetRequest(file.href, { ...budget, method: options.mode === 'head' ? 'HEAD' : 'GET' });
    if (options.mode === 'head' && (res.status === 405 || res.status === 501)) {
      // a server that refuses HEAD still serves the file: its headers are enough
      res.discard();
      res = await budgetRequest(file.href, { ...budget, method: 'GET' });
      res.discard();
    }
    if (res.status !== 200) {
      res.discard();
      const reason = `HTTP ${res.status} from ${res.url}`;
      return worthRetrying(res.status) ? { kind: 'retry', reason } : { kind: 'fail', code: 'href.unreachable', reason };
    }
    if (options.mode === 'head') {
      res.discard();
      return lengthVerdict(file, contentLength(res), []);
    }
    return await download(res, file);
  } catch (err) {
    if (err instanceof RequestFailure) {
      if (err.kind === 'redirect') return { kind: 'fail', code: 'href.unreachable', reason: err.message };
      return { kind: 'retry', reason: err.message };
    }
    return { kind: 'retry', reason: err instanceof Error ? err.message : String(err) };
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new RequestFailure('aborted', 'the check was cancelled'));
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new RequestFailure('aborted', 'the check was cancelled'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Checks the announced file; resolves when it passed, throws a Wis2Error (stage `check`) with a
 * CheckCode when it failed for good, or a RequestFailure `aborted` when the signal stopped it.
 */
export async function checkAnnouncedFile(file: AnnouncedFile, options: CheckOptions): Promise<CheckPassed> {
  const retries = options.retries ?? 5;
  const backoffMs = options.backoffMs ?? 1000;
  const maxBackoffMs = options.maxBackoffMs ?? 5 * 60_000;
  for (let n = 1; ; n++) {
    const verdict = await attempt(file, options);
    if (options.signal?.aborted) throw new RequestFailure('aborted', 'the check was cancelled');
    if (verdict.kind === 'ok') return { attempts: n, warnings: verdict.warnings };
    if (verdict.kind === 'fail') throw new Wis2Error('check', verdict.code, `${file.href}: ${verdict.reason}`, file.path);
    if (n > retries) {
      throw new Wis2Error('check', 'href.unreachable', `${file.href}: ${verdict.reason} (${n} attempts)`, file.path);
    }
    const delay = Math.min(maxBackoffMs, backoffMs * 2 ** (n - 1));
    options.onRetry?.(n, verdict.reason, delay);
    await sleep(delay, options.signal);
  }
}

/**
 * At most `size` checks at once: a reprocessing campaign announces thousands of files together,
 * and the web server should not see thousands of requests at the same moment.
 */
export class CheckSlots {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly size = 8) {}

  /** Runs `task` when a slot is free. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running++;
    try {
      return await task();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }

  get queued(): number {
    return this.waiting.length;
  }
}
