import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { convertEvent } from '../publish/convert';
import type { Dataset } from '../dataset';
import { describeError } from '../core/errors';
import type { Operation } from '../wnm';
import { emptyStats, readIndex, type BadLine, type IndexEntry, type IndexStats, type IndexWindow } from './index-reader';

/**
 * Reconciliation with the GDAC index: for each file of a window, the file event the diffusion
 * system should have sent, when what we announced says it is missing or out of date. The events
 * go through the normal pipeline (conversion, validation, announcement memory, outbox), which
 * stays the judge: what this decides only spares the pipeline files it already has.
 */
export type Reason = 'missing' | 'changed' | 'vanished';

export interface ReconcileEvent {
  reason: Reason;
  /** the index's path below dac/ */
  file: string;
  href: string;
  dataId?: string;
  /** index line, for deletions the line of the delayed-mode file that replaced it */
  line: number;
  dateUpdate: string;
  /** the CloudEvent 1.0, structured, its data a STAC Item with one asset */
  event: Record<string, unknown>;
}

export interface ReconcileReport {
  index: IndexStats;
  present: number;
  missing: number;
  changed: number;
  vanished: number;
  /** files of the index that could not be read (gone from the mirror, HTTP error) */
  unavailable: { file: string; message: string }[];
  /** index lines a previous, interrupted run had done */
  resumedAfterLine: number;
  /** false when stopped (signal) before the end */
  complete: boolean;
}

/** What was announced for a data_id: its fingerprint, as the announcement memory keeps it. */
export type KnownLookup = (dataId: string) => string | undefined;

export interface ReconcileOptions extends IndexWindow {
  /** the index: a path or an http(s) URL, plain or gzip */
  index: string;
  dataset: Dataset;
  /** the GDAC's public root: hrefs are `<gdacUrl>dac/<file>` */
  gdacUrl: string;
  /**
   * where the files' bytes are read: a local copy of the GDAC tree (a folder holding `dac/`) or
   * another server's root URL; none: downloaded from their public URL
   */
  mirror?: string;
  known: KnownLookup;
  /** where progress is kept, so that a stopped run resumes; none: no resuming */
  progressFile?: string;
  /** events per second; default 5 */
  rate?: number;
  /** the integrity method of the events' checksums; default sha512 */
  hash?: 'sha256' | 'sha512';
  signal?: AbortSignal;
  /** the CloudEvent source; default `wis2-reconcile` */
  source?: string;
  /** clock of the events' `time` */
  now?: () => Date;
}

/** Global Caches refuse floods of small files: a few per second is what they take without asking. */
export const DEFAULT_RATE = 5;
export const EVENT_TYPE = 'fr.ifremer.argo.gdac.reconcile';
export const DELETION_EVENT_TYPE = 'fr.ifremer.argo.gdac.deleted';

const MULTIHASH_PREFIX: Record<string, string> = { sha256: '1220', sha512: '1340' };

/** Size and multihash of a file's bytes, streamed from the mirror or from its URL. */
export async function fileDigest(source: { mirror?: string; file: string; href: string }, hash: 'sha256' | 'sha512', signal?: AbortSignal): Promise<{ size: number; checksum: string }> {
  const h = createHash(hash);
  let size = 0;
  const consume = async (stream: AsyncIterable<Buffer>): Promise<void> => {
    for await (const chunk of stream) {
      h.update(chunk);
      size += chunk.length;
    }
  };
  const remote = source.mirror === undefined || /^https?:\/\//i.test(source.mirror);
  if (!remote && source.mirror !== undefined) {
    await consume(fs.createReadStream(path.join(source.mirror, 'dac', ...source.file.split('/')), signal ? { signal } : {}));
  } else {
    const url = source.mirror === undefined ? source.href : `${source.mirror.replace(/\/?$/, '/')}dac/${source.file}`;
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const get = url.toLowerCase().startsWith('https:') ? https.get : http.get;
      get(url, signal ? { signal } : {}, resolve).on('error', reject);
    });
    if (res.statusCode !== 200) {
      res.resume();
      throw new Error(`HTTP ${String(res.statusCode)}`);
    }
    await consume(res);
  }
  return { size, checksum: MULTIHASH_PREFIX[hash] + h.digest('hex') };
}

/** The multihash of an announced fingerprint (`sha512:<base64>`), for a deletion event. */
export function fingerprintChecksum(fingerprint: string): string | undefined {
  const m = /^(sha256|sha512):([A-Za-z0-9+/=]+)$/.exec(fingerprint);
  if (!m) return undefined;
  const [, method = '', value = ''] = m;
  return MULTIHASH_PREFIX[method] + Buffer.from(value, 'base64').toString('hex');
}

function stamp(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A file event in the shape the diffusion system sends; its id is stable per file version. */
export function fileEvent(entry: IndexEntry, href: string, asset: { size?: number; checksum?: string }, type: string, source: string, now: Date): Record<string, unknown> {
  const name = entry.file.slice(entry.file.lastIndexOf('/') + 1);
  const id = createHash('sha256')
    .update(JSON.stringify([type, entry.file, stamp(entry.dateUpdate), asset.checksum ?? '']))
    .digest('hex')
    .slice(0, 32);
  const hasPoint = entry.latitude !== undefined && entry.longitude !== undefined;
  const fileAsset: Record<string, unknown> = { href, roles: ['data'] };
  if (asset.size !== undefined) fileAsset['file:size'] = asset.size;
  if (asset.checksum !== undefined) fileAsset['file:checksum'] = asset.checksum;
  return {
    specversion: '1.0',
    id,
    source,
    type,
    time: stamp(now),
    datacontenttype: 'application/json',
    data: {
      type: 'Feature',
      stac_version: '1.1.0',
      stac_extensions: ['https://stac-extensions.github.io/file/v2.1.0/schema.json'],
      id: name,
      ...(hasPoint ? { bbox: [entry.longitude, entry.latitude, entry.longitude, entry.latitude] } : {}),
      geometry: hasPoint ? { type: 'Point', coordinates: [entry.longitude, entry.latitude] } : null,
      properties: { datetime: stamp(entry.date ?? entry.dateUpdate), updated: stamp(entry.dateUpdate) },
      links: [],
      assets: { [name]: fileAsset },
    },
  };
}

interface Judged {
  dataId?: string;
  operation?: Operation | 'duplicate';
  error?: string;
}

/** The pipeline's own conversion decides the data_id and the fingerprint; memory is only read. */
function judge(event: Record<string, unknown>, dataset: Dataset, known: KnownLookup): Judged {
  const out: Judged = {};
  try {
    const result = convertEvent({ payload: event }, dataset, {
      decide: (dataId, fingerprint, requested) => {
        out.dataId = dataId;
        const before = known(dataId);
        if (requested === 'deletion') return before === undefined ? 'duplicate' : 'deletion';
        if (before === undefined) return requested;
        return before === fingerprint ? 'duplicate' : 'update';
      },
    });
    out.operation = result.notifications[0]?.operation ?? 'duplicate';
  } catch (err) {
    out.error = describeError(err, 'wnm').message;
  }
  return out;
}

// a real-time file and the delayed-mode file that replaces it: same folder, R -> D
const DELAYED = /^(.*\/)(B|S|M)?D(\d+_\d+D?(?:_aux)?\.nc)$/;
const REALTIME = /^(.*\/)(B|S|M)?R(\d+_\d+D?(?:_aux)?\.nc)$/;

/**
 * 53 bits of a path's SHA-1: R files seen in the index are remembered by this number, not by
 * their path, to keep the set small on a global index (a collision can only hold back a deletion).
 */
function pathKey(file: string): number {
  const d = createHash('sha1').update(file).digest();
  return d.readUIntBE(0, 6) * 32 + d.readUInt8(6) / 8;
}

interface Progress {
  key: string;
  line: number;
  complete: boolean;
}

function progressKey(o: ReconcileOptions): string {
  return JSON.stringify([o.index, o.since?.toISOString() ?? null, o.until?.toISOString() ?? null, o.gdacUrl]);
}

function readProgress(file: string | undefined, key: string): number {
  if (file === undefined) return 0;
  try {
    const p = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<Progress>;
    return p.key === key && p.complete === false && typeof p.line === 'number' ? p.line : 0;
  } catch {
    return 0;
  }
}

function writeProgress(file: string | undefined, p: Progress): void {
  if (file === undefined) return;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(p));
  fs.renameSync(tmp, file);
}

/** Spaces calls `1/rate` seconds apart, from the first one on. */
export function pacer(rate: number, signal?: AbortSignal): () => Promise<void> {
  const gap = 1000 / rate;
  let next = 0;
  return async () => {
    const now = performance.now();
    if (next === 0) next = now;
    const wait = next - now;
    next = Math.max(next, now) + gap;
    if (wait > 0) {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        }, wait);
        const onAbort = (): void => {
          clearTimeout(t);
          reject(signal?.reason as Error);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    }
  };
}

/**
 * Runs a reconciliation: `emit` receives each event to send, in index order (deletions last),
 * paced to `rate`; the run's progress is written after each one resolves. A dry run is an
 * `emit` that prints and no progress file.
 */
export async function reconcile(o: ReconcileOptions, emit: (e: ReconcileEvent) => Promise<void> | void): Promise<ReconcileReport> {
  const key = progressKey(o);
  const resumedAfterLine = readProgress(o.progressFile, key);
  const stats = emptyStats();
  const report: ReconcileReport = { index: stats, present: 0, missing: 0, changed: 0, vanished: 0, unavailable: [], resumedAfterLine, complete: false };
  const pace = pacer(o.rate ?? DEFAULT_RATE, o.signal);
  const hash = o.hash ?? 'sha512';
  const source = o.source ?? 'wis2-reconcile';
  const now = o.now ?? (() => new Date());
  const base = o.gdacUrl.endsWith('/') ? o.gdacUrl : `${o.gdacUrl}/`;
  const seenRealtime = new Set<number>();
  const replaced: IndexEntry[] = [];
  let line = resumedAfterLine;
  let inWindow = 0;
  const send = async (e: ReconcileEvent): Promise<void> => {
    await pace();
    await emit(e);
    report[e.reason]++;
  };
  const window: IndexWindow = {};
  if (o.since) window.since = o.since;
  if (o.until) window.until = o.until;
  const all = { ...(o.signal ? { signal: o.signal } : {}) };
  // the R files of the whole index, not only the window's: a D file's R twin is looked up in it
  for await (const entry of readIndex(o.index, stats, { ...all, maxReported: 1000 })) {
    if (REALTIME.test(entry.file)) seenRealtime.add(pathKey(entry.file));
    const t = entry.dateUpdate.getTime();
    if ((window.since && t < window.since.getTime()) || (window.until && t >= window.until.getTime())) continue;
    inWindow++;
    if (DELAYED.test(entry.file)) replaced.push(entry);
    if (entry.line <= resumedAfterLine) continue;
    const href = `${base}dac/${entry.file}`;
    let digest: { size: number; checksum: string };
    try {
      digest = await fileDigest({ ...(o.mirror === undefined ? {} : { mirror: o.mirror }), file: entry.file, href }, hash, o.signal);
    } catch (err) {
      if (o.signal?.aborted) throw err;
      report.unavailable.push({ file: entry.file, message: (err as Error).message });
      continue;
    }
    const event = fileEvent(entry, href, digest, EVENT_TYPE, source, now());
    const judged = judge(event, o.dataset, o.known);
    if (judged.operation === 'duplicate') report.present++;
    else {
      const e: ReconcileEvent = { reason: judged.operation === 'update' ? 'changed' : 'missing', file: entry.file, href, line: entry.line, dateUpdate: stamp(entry.dateUpdate), event };
      if (judged.dataId !== undefined) e.dataId = judged.dataId;
      await send(e);
    }
    line = entry.line;
    writeProgress(o.progressFile, { key, line, complete: false });
  }
  // the reader saw no window (it had to list every R file): the window's count is this one
  stats.inWindow = inWindow;
  for (const d of replaced) {
    const m = DELAYED.exec(d.file);
    if (!m) continue;
    // the B/S/M prefix is an optional group: absent, it is undefined
    const [, dir = '', prefix = '', rest = ''] = m;
    const rFile = `${dir}${prefix}R${rest}`;
    if (seenRealtime.has(pathKey(rFile))) continue;
    const href = `${base}dac/${rFile}`;
    const probe = fileEvent({ ...d, file: rFile }, href, {}, DELETION_EVENT_TYPE, source, now());
    const judged = judge(probe, o.dataset, o.known);
    if (judged.operation !== 'deletion' || judged.dataId === undefined) continue;
    const checksum = fingerprintChecksum(o.known(judged.dataId) ?? '');
    const event = fileEvent({ ...d, file: rFile }, href, checksum === undefined ? {} : { checksum }, DELETION_EVENT_TYPE, source, now());
    await send({ reason: 'vanished', file: rFile, href, dataId: judged.dataId, line: d.line, dateUpdate: stamp(d.dateUpdate), event });
  }
  report.complete = true;
  writeProgress(o.progressFile, { key, line, complete: true });
  return report;
}

export type { BadLine };
