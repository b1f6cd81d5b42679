/**
 * The WIS2 notification that announces a discovery metadata record (WCMP2) hosted at a URL:
 * what GDCs fetch and ingest, on `origin/a/wis2/<centre-id>/metadata` (WIS2 Guide 2.5, WNM 1.3).
 *
 * Which link relation, and which notification id, comes from a memory of what was announced
 * before, per record id:
 * - never announced (or deleted since): `canonical`;
 * - the record's bytes changed (or it moved to another URL): `update`, or `canonical` for a move;
 * - the same bytes at the same URL on a later UTC day: the daily re-announcement. WIS2 nodes
 *   re-publish their records every day so that a catalogue that missed one catches up; the
 *   record is unchanged, so the link is `canonical` again, with a new notification id (Global
 *   Brokers drop an id they have seen);
 * - the same bytes at the same URL on the same UTC day: a repeat. It is built again with the id
 *   and link relation of the day's announcement, so that Global Brokers drop it and a trigger
 *   fired twice announces once;
 * - `deletion` only on request; the record is then forgotten (a tombstone keeps the id chain).
 * Ids are v5 UUIDs over the record, its URL, the digest, the UTC day and the previous id, so two
 * different announcements never share one and a restart that lost the memory repeats the day's
 * first announcement rather than inventing a new one.
 */
import { createHash } from 'node:crypto';
import { Wis2Error, type Warning } from '../core/errors';
import { toWnmGeometry, type WnmGeometry } from '../core/geo';
import { decodeJson, type IntakeLimits } from '../intake';
import { toUtcString } from '../core/time';
import { uuidV5 } from '../core/uuid';
import { validateTopic } from '../wth';
import { fitMessage, type ReadyNotification, type WisNotification, type WnmLink } from './build';
import { WNM_CONFORMANCE, oversizeReason, type Operation } from './standard';
import { isRecord } from '../core/json';

/** The media type of a WCMP2 record (/rec/core/media_type), given on the notification's link. */
export const WCMP2_MEDIA_TYPE = 'application/geo+json';

/** Records are a few kilobytes; a megabyte leaves room for very detailed ones. */
export const RECORD_LIMITS: IntakeLimits = { maxBytes: 1024 * 1024, maxDepth: 64 };

/** How many records the memory keeps; the least recently announced go first. */
export const MAX_REMEMBERED_RECORDS = 1000;

const RECORD_ID = /^urn:wmo:md:([^:]*):(.*)$/s;
/** Longest record id taken: the id is repeated twice in a notification of at most 8192 bytes. */
const MAX_ID_LENGTH = 1024;
const MAX_URL_LENGTH = 2048;

/** A record, read: its exact bytes and what the notification needs from it. */
export interface MetadataRecord {
  /** The bytes the integrity and the link length are computed over. */
  bytes: Buffer;
  /** sha512 of `bytes`, base64. */
  digest: string;
  recordId: string;
  centreId: string;
  topic: string;
  dataId: string;
  /** `updated`, else `created`, in UTC. */
  datetime: string;
  geometry: WnmGeometry | null;
  warnings: Warning[];
}

/** What the memory keeps of the last announcement of a record. */
export interface AnnouncedRecord {
  /** sha512 of the record's bytes, base64 */
  digest: string;
  /** the record URL announced */
  url: string;
  rel: Operation;
  /** the notification id */
  id: string;
  /** UTC day of the announcement, YYYY-MM-DD */
  day: string;
}

export type Requested = 'auto' | 'deletion';

export interface MetadataOptions {
  recordUrl: string;
  requested: Requested;
  /** What was announced last for this record id, from the memory. */
  previous?: AnnouncedRecord;
  now?: Date;
}

export interface MetadataNotification extends ReadyNotification {
  /** True when this is the same announcement as one already made today (same id). */
  repeat: boolean;
  /** What to remember for the record once the notification is sent. */
  remember: AnnouncedRecord;
}

function refuse(code: string, message: string, path = ''): never {
  throw new Wis2Error('wnm', code, message, path);
}

function shown(value: string, max = 80): string {
  return JSON.stringify(value.length > max ? `${value.slice(0, max)}…` : value);
}

// eslint-disable-next-line no-control-regex -- control characters are exactly what this pattern detects
const CONTROL = /[\x00-\x1f\x7f]/;
// eslint-disable-next-line no-control-regex -- control characters and white space are what a URL may not hold
const UNSAFE_IN_URL = /[\x00-\x20\x7f]/;

/** RFC 3986 pchar: what a path segment holds without percent-encoding. */
const PCHAR = /[A-Za-z0-9\-._~!$&'()*+,;=:@]/;

/**
 * A record id as one URL path segment: everything outside RFC 3986 `pchar` is percent-encoded
 * (UTF-8), so Global Caches that build `<cache URL>/<data_id>` get a path with exactly the
 * segments intended. WCMP2 ids are ASCII without spaces, so for them this changes nothing but
 * `/`, `?`, `#` and `%`.
 */
export function pathSegment(text: string): string {
  let out = '';
  for (const ch of text) {
    if (PCHAR.test(ch)) out += ch;
    else for (const b of Buffer.from(ch, 'utf8')) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** `<centre-id>/metadata/<record id>`, the data_id WIS2 nodes give a metadata notification. */
export function metadataDataId(centreId: string, recordId: string): string {
  return `${centreId}/metadata/${pathSegment(recordId)}`;
}

export function metadataTopic(centreId: string): string {
  return `origin/a/wis2/${centreId}/metadata`;
}

export function recordDigest(bytes: Uint8Array): string {
  return createHash('sha512').update(bytes).digest('base64');
}

/**
 * Checks the URL the record is hosted at: an absolute http(s) URL with a host, no credentials
 * (the notification is public) and no fragment. Returns warnings (plain http). `source` says
 * where the URL came from, for the error's stage and path.
 */
export function checkRecordUrl(url: unknown, source: 'config' | 'message'): Warning[] {
  const path = '/recordUrl';
  const fail = (message: string): never => {
    throw new Wis2Error(source === 'config' ? 'config' : 'wnm', 'metadata.record_url', message, path);
  };
  if (typeof url !== 'string' || url === '') {
    return fail(source === 'config' ? 'no record URL is configured, and the message gives none in msg.recordUrl' : 'msg.recordUrl is not a URL string');
  }
  if (url.length > MAX_URL_LENGTH) fail(`the record URL is ${url.length} characters long; at most ${MAX_URL_LENGTH} are accepted`);
  if (UNSAFE_IN_URL.test(url)) fail(`the record URL ${shown(url)} holds white space or control characters`);
  if (/^\$\{[^}]*\}$/.test(url)) fail(`the record URL is ${shown(url)}: the environment variable it names is not set`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return fail(`${shown(url)} is not an absolute URL`);
  }
  const scheme = parsed.protocol.slice(0, -1);
  if (scheme !== 'https' && scheme !== 'http') fail(`the record URL uses ${scheme}; a record is hosted at an https (or http) URL`);
  if (!url.toLowerCase().startsWith(`${scheme}://`) || parsed.hostname === '') fail(`${shown(url)} is not a full URL (${scheme}://host/...)`);
  if (parsed.username !== '' || parsed.password !== '') fail('the record URL carries credentials, which a public notification would give away');
  if (parsed.hash !== '' || url.includes('#')) fail('the record URL has a fragment; give the URL of the record itself');
  return scheme === 'http' ? [{ code: 'metadata.insecure_url', message: 'the record URL uses http; Global Caches and catalogues prefer https', path }] : [];
}

function readDatetime(props: Record<string, unknown>, warnings: Warning[]): string {
  const updated = props.updated;
  if (updated !== undefined) {
    const utc = typeof updated === 'string' ? toUtcString(updated) : undefined;
    if (utc !== undefined) return utc;
    warnings.push({ code: 'metadata.updated_invalid', message: 'properties.updated is not an RFC 3339 date-time with an offset; properties.created is used', path: '/properties/updated' });
  }
  const created = props.created;
  const utc = typeof created === 'string' ? toUtcString(created) : undefined;
  if (utc === undefined) {
    refuse('metadata.no_datetime', 'the record has no properties.created (or updated) as an RFC 3339 date-time with an offset', '/properties/created');
  }
  return utc;
}

function readGeometry(record: Record<string, unknown>, warnings: Warning[]): WnmGeometry | null {
  if (!('geometry' in record)) {
    warnings.push({ code: 'metadata.no_geometry', message: 'the record has no geometry; the notification carries null', path: '/geometry' });
    return null;
  }
  try {
    const result = toWnmGeometry(record.geometry, '/geometry');
    warnings.push(...result.warnings);
    return result.geometry;
  } catch (err) {
    // the geometry helper speaks of STAC items; here the geometry is the record's
    if (err instanceof Wis2Error) throw new Wis2Error('wnm', err.code, `the record's geometry: ${err.message}`, err.path);
    throw err;
  }
}

/**
 * Reads a WCMP2 record given as bytes (Buffer, Uint8Array), text or an object. Bytes and text
 * are announced exactly as given; an object is announced as its compact JSON, which the hosted
 * file may not match byte for byte: a warning says so.
 */
export function readMetadataRecord(input: unknown, limits: IntakeLimits = RECORD_LIMITS): MetadataRecord {
  const warnings: Warning[] = [];
  const value = decodeJson(input, limits);
  let bytes: Buffer;
  if (Buffer.isBuffer(input)) bytes = input;
  else if (input instanceof Uint8Array) bytes = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  else if (typeof input === 'string') bytes = Buffer.from(input, 'utf8');
  else {
    bytes = Buffer.from(JSON.stringify(value), 'utf8');
    warnings.push({
      code: 'metadata.integrity_of_object',
      message: 'the record was given as an object: integrity and length are those of its compact JSON, which may differ from the bytes hosted at the record URL; give the record as bytes to announce exactly those',
      path: '',
    });
  }
  if (!isRecord(value)) refuse('metadata.not_record', 'the payload is not a WCMP2 record (a JSON object)');
  const id = value.id;
  if (typeof id !== 'string') refuse('metadata.no_id', 'the record has no id string (urn:wmo:md:<centre-id>:<local-id>)', '/id');
  if (id.length > MAX_ID_LENGTH) refuse('metadata.invalid_id', `the record id is ${id.length} characters long; at most ${MAX_ID_LENGTH} are accepted`, '/id');
  if (CONTROL.test(id)) refuse('metadata.invalid_id', 'the record id holds control characters', '/id');
  const match = RECORD_ID.exec(id);
  const centreId = match?.[1] ?? '';
  const local = match?.[2] ?? '';
  if (!match || centreId === '' || local === '') {
    refuse('metadata.invalid_id', `the record id ${shown(id)} is not urn:wmo:md:<centre-id>:<local-id>`, '/id');
  }
  const topic = metadataTopic(centreId);
  const check = validateTopic(topic, { mode: 'publication' });
  for (const problem of check.errors) {
    if (problem.code === 'centre-id-unknown') {
      warnings.push({ code: 'metadata.centre_id_unknown', message: `the centre id ${shown(centreId)} is not in our snapshot of the WIS2 register: ${problem.message}`, path: '/id' });
      continue;
    }
    refuse('metadata.centre_id', `the record id's centre id ${shown(centreId)} cannot make a WIS2 topic: ${problem.message}`, '/id');
  }
  const props = value.properties;
  if (!isRecord(props)) refuse('metadata.no_properties', 'the record has no properties object', '/properties');
  const datetime = readDatetime(props, warnings);
  const geometry = readGeometry(value, warnings);
  return {
    bytes,
    digest: recordDigest(bytes),
    recordId: id,
    centreId,
    topic,
    dataId: metadataDataId(centreId, id),
    datetime,
    geometry,
    warnings,
  };
}

export function utcDay(now: Date): string {
  return now.toISOString().slice(0, 10);
}

function notificationId(rel: Operation, record: MetadataRecord, url: string, day: string, previous: AnnouncedRecord | undefined): string {
  return uuidV5(JSON.stringify(['wcmp2-record', rel, record.recordId, url, record.digest, day, previous?.id ?? '']));
}

/** The link relation and id for this announcement, from the last one (see the module comment). */
export function decideAnnouncement(
  record: MetadataRecord,
  url: string,
  requested: Requested,
  previous: AnnouncedRecord | undefined,
  day: string,
): { rel: Operation; id: string; repeat: boolean } {
  const same = previous !== undefined && previous.digest === record.digest && previous.url === url;
  if (requested === 'deletion') {
    if (same && previous.rel === 'deletion' && previous.day === day) return { rel: 'deletion', id: previous.id, repeat: true };
    return { rel: 'deletion', id: notificationId('deletion', record, url, day, previous), repeat: false };
  }
  if (previous === undefined || previous.rel === 'deletion') {
    return { rel: 'canonical', id: notificationId('canonical', record, url, day, previous), repeat: false };
  }
  if (same) {
    if (previous.day === day) return { rel: previous.rel, id: previous.id, repeat: true };
    return { rel: 'canonical', id: notificationId('canonical', record, url, day, previous), repeat: false };
  }
  // new bytes are an update; the same bytes at a new address are the record announced anew
  const rel: Operation = previous.digest === record.digest ? 'canonical' : 'update';
  return { rel, id: notificationId(rel, record, url, day, previous), repeat: false };
}

/** Builds the notification of a record read by readMetadataRecord. */
export function buildMetadataNotification(record: MetadataRecord, options: MetadataOptions): MetadataNotification {
  const now = options.now ?? new Date();
  const day = utcDay(now);
  const url = options.recordUrl;
  const warnings = [...record.warnings];
  const { rel, id, repeat } = decideAnnouncement(record, url, options.requested, options.previous, day);
  const link: WnmLink = { href: url, rel, type: WCMP2_MEDIA_TYPE, length: record.bytes.length };
  const message: WisNotification = {
    id,
    conformsTo: [WNM_CONFORMANCE],
    type: 'Feature',
    geometry: record.geometry,
    properties: {
      data_id: record.dataId,
      metadata_id: record.recordId,
      pubtime: now.toISOString(),
      datetime: record.datetime,
      integrity: { method: 'sha512', value: record.digest },
    },
    links: [link],
  };
  const bytes = fitMessage(message, warnings, "the record's polygon");
  const oversize = oversizeReason(bytes);
  if (oversize) refuse('wnm.too_large', oversize);
  return {
    message,
    bytes,
    topic: record.topic,
    dataId: record.dataId,
    operation: rel,
    repeat,
    remember: { digest: record.digest, url, rel, id, day },
    warnings,
  };
}

/** Reads the record and builds its notification in one step. */
export function metadataNotification(input: unknown, options: MetadataOptions & { limits?: IntakeLimits }): MetadataNotification {
  return buildMetadataNotification(readMetadataRecord(input, options.limits), options);
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const OPERATIONS: ReadonlySet<string> = new Set<Operation>(['canonical', 'update', 'deletion']);

function readEntry(value: unknown): AnnouncedRecord | undefined {
  if (!isRecord(value)) return undefined;
  const { digest, url, rel, id, day } = value;
  if (typeof digest !== 'string' || typeof url !== 'string' || typeof id !== 'string' || typeof day !== 'string') return undefined;
  if (typeof rel !== 'string' || !OPERATIONS.has(rel) || !DAY.test(day)) return undefined;
  return { digest, url, rel: rel as Operation, id, day };
}

/**
 * The memory of announced records, record id to last announcement, least recently announced
 * first, at most `max` records. It travels as plain JSON (`toJSON`, `fromJSON`) so any Node-RED
 * context store can keep it; record ids are never object keys, so no id can reach a prototype.
 */
export class MetadataMemory {
  private readonly entries = new Map<string, AnnouncedRecord>();

  constructor(readonly max: number = MAX_REMEMBERED_RECORDS) {}

  /** Rebuilds a memory from what a context store returned, dropping anything malformed. */
  static fromJSON(value: unknown, max: number = MAX_REMEMBERED_RECORDS): MetadataMemory {
    const memory = new MetadataMemory(max);
    const records = isRecord(value) ? value.records : undefined;
    if (!Array.isArray(records)) return memory;
    for (const pair of records as unknown[]) {
      if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string') continue;
      const entry = readEntry(pair[1]);
      if (entry) memory.set(pair[0], entry);
    }
    return memory;
  }

  get size(): number {
    return this.entries.size;
  }

  get(recordId: string): AnnouncedRecord | undefined {
    return this.entries.get(recordId);
  }

  /** Remembers an announcement; the record becomes the most recent, the oldest beyond `max` go. */
  set(recordId: string, entry: AnnouncedRecord): void {
    this.entries.delete(recordId);
    this.entries.set(recordId, entry);
    while (this.entries.size > this.max) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
    }
  }

  toJSON(): { version: 1; records: [string, AnnouncedRecord][] } {
    return { version: 1, records: [...this.entries] };
  }
}
