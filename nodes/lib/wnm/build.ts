import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { checkHref, expandDataId, type Dataset } from '../dataset';
import { Wis2Error, pointer, type Warning } from '../core/errors';
import { bboxGeometry, bboxOf, type WnmGeometry } from '../core/geo';
import { jsonNumberBytes, jsonQuote, jsonStringBytes } from '../core/json';
import { flat } from '../core/flat';
import { STRICT_UTF8 } from '../intake';
import type { AnnouncedFile } from '../stac';
import type { WnmIntegrityMethod } from '../core/integrity';
import { isoTimestamp } from '../core/time';
import { uuidV5 } from '../core/uuid';
import { MAX_INLINE_BYTES, MAX_MESSAGE_BYTES, WNM_CONFORMANCE, oversizeReason, type Operation } from './standard';
import { measureJson } from './suite-input';

export { MAX_INLINE_BYTES, MAX_MESSAGE_BYTES, WNM_CONFORMANCE, type Operation };

export interface WnmLink {
  href: string;
  rel: string;
  type?: string;
  length?: number;
  [extra: string]: unknown;
}

export interface WnmContent {
  encoding: 'utf-8' | 'base64' | 'gzip';
  size: number;
  value: string;
}

export interface WnmProperties {
  data_id: string;
  metadata_id?: string;
  pubtime: string;
  datetime?: string | null;
  start_datetime?: string;
  end_datetime?: string;
  integrity?: { method: WnmIntegrityMethod; value: string };
  cache?: boolean;
  content?: WnmContent;
  [extra: string]: unknown;
}

export interface WisNotification {
  id: string;
  conformsTo: string[];
  type: 'Feature';
  geometry: WnmGeometry | null;
  properties: WnmProperties;
  links: WnmLink[];
  [extra: string]: unknown;
}

export interface BuildContext {
  event: { id: string; source: string };
  itemId: string;
  geometry: WnmGeometry | null;
  file: AnnouncedFile;
  operation: Operation;
  now: Date;
  /** the file's bytes, to inline when they fit */
  inline?: Uint8Array;
  /**
   * Chooses the link relation from what was announced before (see Announcements); without it
   * the relation is `operation`. 'duplicate' means: do not announce this file again.
   */
  decide?: (dataId: string, fingerprint: string, requested: Operation) => Operation | 'duplicate';
}

/** A file whose notification would repeat the last one announced for it. */
export interface DuplicateFile {
  duplicate: true;
  dataId: string;
  href: string;
  fingerprint: string;
}

/** A notification ready to send, whichever way it was made. */
export interface ReadyNotification {
  message: WisNotification;
  /** the UTF-8 bytes of the compact JSON of `message`, as measured against the 8192-byte limit */
  bytes: number;
  topic: string;
  dataId: string;
  operation: Operation;
  warnings: Warning[];
}

export interface BuiltNotification extends ReadyNotification {
  href: string;
  /** what identifies this version of the file: its integrity, else its URL and length */
  fingerprint: string;
}

/** Media types by file extension, for assets that do not say theirs. */
const MEDIA_TYPES: Readonly<Record<string, string>> = {
  nc: 'application/x-netcdf',
  nc4: 'application/x-netcdf',
  bu: 'application/bufr',
  bufr: 'application/bufr',
  bufr4: 'application/bufr',
  bin: 'application/octet-stream',
  grib: 'application/grib',
  grib2: 'application/grib',
  grb2: 'application/grib',
  json: 'application/json',
  geojson: 'application/geo+json',
  csv: 'text/csv',
  txt: 'text/plain',
  xml: 'application/xml',
  zip: 'application/zip',
  gz: 'application/gzip',
  h5: 'application/x-hdf5',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  png: 'image/png',
};

export function mediaTypeFor(filename: string): string | undefined {
  const dot = filename.lastIndexOf('.');
  return dot < 0 ? undefined : MEDIA_TYPES[filename.slice(dot + 1).toLowerCase()];
}

/**
 * The notification id: a v5 UUID over the event's source and id (unique per event by the
 * CloudEvents spec), the announced file and the topic, so that a redelivered event yields the
 * same id while two datasets announcing the same event still yield different ones.
 */
export function notificationId(eventSource: string, eventId: string, href: string, topic: string): string {
  // the same text as JSON.stringify([eventSource, eventId, href, topic]), without the array
  return uuidV5(`[${jsonQuote(eventSource)},${jsonQuote(eventId)},${jsonQuote(href)},${jsonQuote(topic)}]`);
}

// eslint-disable-next-line no-control-regex -- control characters are exactly what this pattern detects
const PRINTABLE_TEXT = /^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$/;

/**
 * Chooses the smallest faithful inline encoding whose value fits 4096 bytes: UTF-8 for text,
 * base64, then gzip+base64; undefined when none fits (or the file itself exceeds the limit the
 * schema puts on content.size).
 */
export function inlineContent(bytes: Uint8Array): WnmContent | undefined {
  const size = bytes.length;
  if (size > MAX_INLINE_BYTES) return undefined;
  try {
    const text = STRICT_UTF8.decode(bytes);
    if (PRINTABLE_TEXT.test(text)) return { encoding: 'utf-8', size, value: text };
  } catch {
    // not UTF-8: binary encodings below
  }
  const b64 = Buffer.from(bytes).toString('base64');
  if (b64.length <= MAX_INLINE_BYTES) return { encoding: 'base64', size, value: b64 };
  const gz = gzipSync(bytes, { level: 9 }).toString('base64');
  if (gz.length <= MAX_INLINE_BYTES) return { encoding: 'gzip', size, value: gz };
  return undefined;
}

function checkInline(file: AnnouncedFile, bytes: Uint8Array): void {
  if (file.size !== undefined && bytes.length !== file.size) {
    throw new Wis2Error('wnm', 'content.mismatch', `the inline bytes are ${bytes.length} long but file:size says ${file.size}`, pointer(file.path, 'file:size'));
  }
  if (file.checksum?.method) {
    const digest = createHash(file.checksum.method).update(bytes).digest();
    if (!digest.equals(file.checksum.digest)) {
      throw new Wis2Error('wnm', 'content.mismatch', 'the inline bytes do not match file:checksum', pointer(file.path, 'file:checksum'));
    }
  }
}

/** Builds the notification of one announced file, ready to publish on the dataset's topic. */
export function buildNotification(dataset: Dataset, ctx: BuildContext): BuiltNotification | DuplicateFile {
  const { file } = ctx;
  const warnings: Warning[] = [];
  const hrefPath = pointer(file.path, 'href');
  const checked = checkHref(dataset, file.href, hrefPath);
  const dataId = expandDataId(dataset, { path: checked.path, filename: checked.filename, asset: file.key, itemId: ctx.itemId }, hrefPath);

  const properties: WnmProperties = { data_id: dataId, metadata_id: dataset.metadataId, pubtime: isoTimestamp(ctx.now.getTime()) };
  const t = file.temporal;
  if ('datetime' in t) properties.datetime = t.datetime;
  else {
    properties.start_datetime = t.start_datetime;
    properties.end_datetime = t.end_datetime;
  }

  if (file.checksum?.method) {
    properties.integrity = { method: file.checksum.method, value: file.checksum.digest.toString('base64') };
  } else {
    const why = file.checksum
      ? `its ${file.checksum.name} checksum has no WNM integrity method (sha256, sha384, sha512, sha3-256, sha3-384, sha3-512)`
      : 'it has no file:checksum';
    const at = file.checksum ? pointer(file.path, 'file:checksum') : file.path;
    if (dataset.integrity === 'required') {
      throw new Wis2Error('stac', 'checksum.unsupported', `the file cannot carry an integrity value: ${why}`, at);
    }
    warnings.push({ code: 'integrity.omitted', message: `the notification carries no integrity: ${why}`, path: at });
  }
  if (!dataset.cache) properties.cache = false;
  const fingerprint = properties.integrity
    ? flat([properties.integrity.method, ':', properties.integrity.value])
    : `${file.href}#${file.size === undefined ? '' : String(file.size)}`;
  const decided = ctx.decide ? ctx.decide(dataId, fingerprint, ctx.operation) : ctx.operation;
  if (decided === 'duplicate') return { duplicate: true, dataId, href: file.href, fingerprint };
  const operation: Operation = decided;

  if (ctx.inline && operation !== 'deletion') {
    checkInline(file, ctx.inline);
    const content = inlineContent(ctx.inline);
    if (content) properties.content = content;
    else warnings.push({ code: 'content.too_large', message: 'the file does not fit 4096 bytes once encoded; it is not inlined', path: file.path });
  }

  const link: WnmLink = { href: file.href, rel: operation };
  const type = file.mediaType ?? mediaTypeFor(checked.filename);
  if (type) link.type = type;
  else warnings.push({ code: 'link.no_type', message: 'the asset has no media type and its extension says none', path: pointer(file.path, 'type') });
  if (file.size !== undefined) link.length = file.size;

  const message: WisNotification = {
    id: notificationId(ctx.event.source, ctx.event.id, file.href, dataset.topic),
    conformsTo: [WNM_CONFORMANCE],
    type: 'Feature',
    geometry: ctx.geometry,
    properties,
    links: [link],
  };

  const bytes = fitMessage(message, warnings, 'its polygon', builtBytes(message));
  const oversize = oversizeReason(bytes);
  if (oversize) throw new Wis2Error('wnm', 'wnm.too_large', oversize, file.path);
  return { message, bytes, topic: dataset.topic, dataId, operation, href: file.href, fingerprint, warnings };
}

/**
 * The size in UTF-8 bytes of a message's compact JSON, counted without writing it: the publisher
 * writes the message once, and what a node between may change it to is what it writes. Half the
 * time of JSON.stringify and Buffer.byteLength on an Argo notification (1.5 against 3.0 us).
 */
function measure(message: WisNotification): number {
  const m = measureJson(message);
  // a caller's value with a JSON form of its own (toJSON) is only known by writing it
  return m.kind === 'size' ? m.bytes : Buffer.byteLength(JSON.stringify(message));
}

/** `"name":value,` where the name is ASCII with nothing to escape, as every member name built here. */
function member(name: string, valueBytes: number): number {
  return name.length + 4 + valueBytes;
}

/** An object or array of parts that each counted a comma after them: the last one has none. */
function container(partsBytes: number): number {
  return partsBytes === 0 ? 2 : partsBytes + 1;
}

/** Nested arrays of numbers, as GeoJSON coordinates are. */
function coordinatesBytes(value: readonly unknown[]): number {
  let bytes = 0;
  for (const c of value) bytes += (Array.isArray(c) ? coordinatesBytes(c) : jsonNumberBytes(c as number)) + 1;
  return container(bytes);
}

const CONFORMS_TO_BYTES = member('conformsTo', Buffer.byteLength(JSON.stringify([WNM_CONFORMANCE])));
const TYPE_BYTES = member('type', '"Feature"'.length);

/**
 * What `measure` says of a notification as buildNotification makes it, read off its members
 * instead of walked: what the build writes itself is ASCII with nothing to escape (the id, the
 * data_id that passed DATA_ID_CHARS, pubtime, the integrity in base64, the link relation) and
 * counts its length; what it copies from its context (the times, the href, the media type, the
 * metadata_id, inline text) is measured. The build's own members and only those: a member added
 * there must be counted here, which the tests hold to JSON.stringify.
 */
function builtBytes(message: WisNotification): number {
  const p = message.properties;
  let props = member('data_id', p.data_id.length + 2) + member('pubtime', p.pubtime.length + 2);
  if (p.metadata_id !== undefined) props += member('metadata_id', jsonStringBytes(p.metadata_id));
  if (p.datetime !== undefined) props += member('datetime', p.datetime === null ? 4 : jsonStringBytes(p.datetime));
  if (p.start_datetime !== undefined) props += member('start_datetime', jsonStringBytes(p.start_datetime));
  if (p.end_datetime !== undefined) props += member('end_datetime', jsonStringBytes(p.end_datetime));
  if (p.integrity) props += member('integrity', container(member('method', p.integrity.method.length + 2) + member('value', p.integrity.value.length + 2)));
  if (p.cache !== undefined) props += member('cache', p.cache ? 4 : 5);
  const c = p.content;
  if (c) props += member('content', container(member('encoding', c.encoding.length + 2) + member('size', jsonNumberBytes(c.size)) + member('value', jsonStringBytes(c.value))));

  let links = 0;
  for (const l of message.links) {
    let link = member('href', jsonStringBytes(l.href)) + member('rel', l.rel.length + 2);
    if (l.type !== undefined) link += member('type', jsonStringBytes(l.type));
    if (l.length !== undefined) link += member('length', jsonNumberBytes(l.length));
    links += container(link) + 1;
  }
  const g = message.geometry;
  const geometry = g === null ? 4 : container(member('type', g.type.length + 2) + member('coordinates', coordinatesBytes(g.coordinates)));
  return container(
    member('id', message.id.length + 2) + CONFORMS_TO_BYTES + TYPE_BYTES + member('geometry', geometry) + member('properties', container(props)) + member('links', container(links)),
  );
}

/**
 * Brings a message under MAX_MESSAGE_BYTES as far as it can: a Polygon becomes its bounding box
 * (`polygon` names it in the warning), then inline content is left out. Whether the result fits
 * is for the caller to say. `bytes` is the message's size when the caller knows it.
 */
export function fitMessage(message: WisNotification, warnings: Warning[], polygon: string, bytes = measure(message)): number {
  if (bytes > MAX_MESSAGE_BYTES && message.geometry?.type === 'Polygon') {
    const box = bboxOf(message.geometry.coordinates.flat());
    if (box) {
      message.geometry = bboxGeometry(box);
      warnings.push({ code: 'geometry.reduced', message: `the message was ${bytes} bytes; ${polygon} was reduced to its bounding box`, path: '/geometry' });
      bytes = measure(message);
    }
  }
  if (bytes > MAX_MESSAGE_BYTES && message.properties.content) {
    delete message.properties.content;
    warnings.push({ code: 'content.dropped', message: `the message was ${bytes} bytes; the inline content was left out`, path: '/properties/content' });
    bytes = measure(message);
  }
  return bytes;
}
