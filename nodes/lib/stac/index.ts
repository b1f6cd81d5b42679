import { Wis2Error, pointer, type Warning } from '../core/errors';
import { toWnmGeometry, type WnmGeometry } from '../core/geo';
import { compareUtc, toUtcString } from '../core/time';
import { decodeMultihash, type Multihash } from './multihash';
import { isRecord } from '../core/json';

/**
 * The part of a STAC Item (1.0/1.1, file extension 2.x) a notification needs: its identity,
 * geometry, time, and the data files it announces. Only what is used is checked; the official
 * STAC schemas are not compiled at run time (they reference remote GeoJSON schemas).
 */
export interface AnnouncedFile {
  /** the key of the asset in `assets` */
  key: string;
  /** JSON Pointer of the asset in the event */
  path: string;
  href: string;
  mediaType?: string;
  size?: number;
  checksum?: Multihash;
  roles: string[];
  temporal: Temporal;
}

/** Exactly one form, as the WNM asks: a datetime (possibly null) or a start/end pair. */
export type Temporal = { datetime: string | null } | { start_datetime: string; end_datetime: string };

export interface StacItem {
  id: string;
  geometry: WnmGeometry | null;
  files: AnnouncedFile[];
  warnings: Warning[];
}

function refuse(code: string, message: string, path: string): never {
  throw new Wis2Error('stac', code, message, path);
}

function utc(value: unknown, path: string, name: string): string {
  if (typeof value !== 'string') refuse('stac.invalid_datetime', `${name} must be an RFC 3339 string`, path);
  const out = toUtcString(value);
  if (out === undefined) refuse('stac.invalid_datetime', `${name} "${value}" is not an RFC 3339 date-time with an offset`, path);
  return out;
}

/**
 * Reads the temporal members of an object (the Item properties, or an asset that overrides
 * them), normalising every offset to `Z`. Returns undefined when the object has none.
 */
function temporalOf(holder: Record<string, unknown>, path: string, warnings: Warning[]): Temporal | undefined {
  const hasStart = holder.start_datetime !== undefined && holder.start_datetime !== null;
  const hasEnd = holder.end_datetime !== undefined && holder.end_datetime !== null;
  if (hasStart !== hasEnd) {
    const missing = hasStart ? 'end_datetime' : 'start_datetime';
    refuse('stac.incomplete_range', `start_datetime and end_datetime go together; ${missing} is missing`, pointer(path, missing));
  }
  if (hasStart) {
    const start = utc(holder.start_datetime, pointer(path, 'start_datetime'), 'start_datetime');
    const end = utc(holder.end_datetime, pointer(path, 'end_datetime'), 'end_datetime');
    if (compareUtc(start, end) > 0) refuse('stac.inverted_range', `start_datetime ${start} is after end_datetime ${end}`, path);
    if (holder.datetime !== undefined && holder.datetime !== null) {
      // a WNM carries one form only: the range says more than one instant
      warnings.push({
        code: 'stac.datetime_ignored',
        message: 'datetime is given beside start_datetime and end_datetime; the notification carries the range and not the datetime',
        path: pointer(path, 'datetime'),
      });
    }
    return { start_datetime: start, end_datetime: end };
  }
  if (!('datetime' in holder)) return undefined;
  if (holder.datetime === null) {
    warnings.push({
      code: 'stac.datetime_null',
      message: 'datetime is null without a start/end range; the notification says the time is unknown (datetime: null)',
      path: pointer(path, 'datetime'),
    });
    return { datetime: null };
  }
  return { datetime: utc(holder.datetime, pointer(path, 'datetime'), 'datetime') };
}

// the pointers of these two are made only when they refuse: `apath` is the asset's
function fileSize(v: unknown, apath: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    refuse('stac.invalid_file_size', 'file:size must be a non-negative integer below 2^53', pointer(apath, 'file:size'));
  }
  return v;
}

function roles(v: unknown, apath: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((r) => typeof r !== 'string')) refuse('stac.invalid_roles', 'roles must be an array of strings', pointer(apath, 'roles'));
  return v as string[];
}

/** Asset members read as absent when null, though STAC gives them no null. */
const NULLABLE_IGNORED = ['type', 'roles', 'file:size', 'file:checksum'] as const;

// eslint-disable-next-line no-control-regex -- control characters are exactly what is looked for
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;
const MEDIA_TYPE = /^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+(?:\s*;[\x20-\x7e]*)?$/;

function isFiniteNumber(n: unknown): boolean {
  return typeof n === 'number' && Number.isFinite(n);
}

function isLongitude(x: number): boolean {
  return x >= -180 && x <= 180;
}

function isLatitude(x: number): boolean {
  return x >= -90 && x <= 90;
}

/** STAC bbox: [west, south, east, north], or with the heights [w, s, min, e, n, max]; west > east crosses the antimeridian. */
function isBbox(v: unknown): boolean {
  if (!Array.isArray(v) || (v.length !== 4 && v.length !== 6)) return false;
  if (!v.every(isFiniteNumber)) return false;
  const b = v as number[];
  const [w = NaN, s = NaN, e = NaN, n = NaN] = b.length === 4 ? b : [b[0], b[1], b[3], b[4]];
  return isLongitude(w) && isLongitude(e) && isLatitude(s) && isLatitude(n) && s <= n;
}

/** Index of the first C0, DEL or C1 control character, or -1. */
function controlCharacterAt(s: string): number {
  return s.search(CONTROL_CHARACTER);
}

/**
 * Checks a STAC Item and lists the files to announce: every asset with the role `data`, or the
 * only asset when there is one. `path` is where the Item sits in the event (`/data`).
 */
export function readStacItem(item: unknown, path = '/data'): StacItem {
  if (!isRecord(item)) {
    const hint = typeof item === 'string' ? ' (a JSON string is not parsed again: was the Item encoded twice?)' : '';
    refuse('stac.not_object', `the event data must be a STAC Item object${hint}`, path);
  }
  const warnings: Warning[] = [];
  checkHeader(item, path, warnings);
  const id = readId(item, path);
  const geometry = readGeometry(item, path, warnings);
  const itemTemporal = readItemTemporal(item, path, warnings);
  const assetsPath = pointer(path, 'assets');
  const files = readAssets(item.assets, assetsPath, itemTemporal, warnings);
  return { id, geometry, files: announcedFiles(files, assetsPath, warnings), warnings };
}

/** type, stac_version and stac_extensions: only a wrong type is refused. */
function checkHeader(item: Record<string, unknown>, path: string, warnings: Warning[]): void {
  if (item.type !== 'Feature') refuse('stac.not_feature', 'a STAC Item has type "Feature"', pointer(path, 'type'));
  if (item.stac_version === undefined) {
    warnings.push({ code: 'stac.no_version', message: 'the Item has no stac_version', path: pointer(path, 'stac_version') });
  } else if (typeof item.stac_version !== 'string' || item.stac_version === '') {
    warnings.push({ code: 'stac.invalid_version', message: 'stac_version is not a version string; it was ignored', path: pointer(path, 'stac_version') });
  }
  const ext = item.stac_extensions;
  if (ext !== undefined && (!Array.isArray(ext) || !ext.every(isString))) {
    warnings.push({ code: 'stac.invalid_extensions', message: 'stac_extensions is not an array of schema URLs; it was ignored', path: pointer(path, 'stac_extensions') });
  }
}

function isString(v: unknown): boolean {
  return typeof v === 'string';
}

function readId(item: Record<string, unknown>, path: string): string {
  if (typeof item.id !== 'string' || item.id === '') refuse('stac.invalid_id', 'a STAC Item needs a non-empty string id', pointer(path, 'id'));
  // identifiers travel into data_ids, logs and file systems, where a NUL or a newline is a trap
  const idControl = controlCharacterAt(item.id);
  if (idControl >= 0) refuse('stac.invalid_id', `the Item id contains a control character at index ${idControl}`, pointer(path, 'id'));
  return item.id;
}

/** The geometry the notification carries; a missing or broken bbox is only said. */
function readGeometry(item: Record<string, unknown>, path: string, warnings: Warning[]): WnmGeometry | null {
  if (!('geometry' in item)) refuse('stac.missing_geometry', 'a STAC Item has a geometry member (null when it has none)', pointer(path, 'geometry'));
  const geo = toWnmGeometry(item.geometry, pointer(path, 'geometry'));
  warnings.push(...geo.warnings);
  if (item.geometry !== null && item.bbox === undefined) {
    warnings.push({ code: 'stac.no_bbox', message: 'a STAC Item with a geometry should carry a bbox', path: pointer(path, 'bbox') });
  } else if (item.bbox !== undefined && !isBbox(item.bbox)) {
    // the notification takes its geometry from `geometry`; a broken bbox is not used, but said
    warnings.push({
      code: 'stac.invalid_bbox',
      message: 'bbox is not 4 or 6 finite numbers with longitudes in [-180, 180] and latitudes south to north in [-90, 90]; it was ignored',
      path: pointer(path, 'bbox'),
    });
  }
  return geo.geometry;
}

function readItemTemporal(item: Record<string, unknown>, path: string, warnings: Warning[]): Temporal {
  const propsPath = pointer(path, 'properties');
  if (!isRecord(item.properties)) refuse('stac.invalid_properties', 'a STAC Item has a properties object', propsPath);
  const itemTemporal = temporalOf(item.properties, propsPath, warnings);
  if (!itemTemporal) {
    refuse('stac.missing_datetime', 'a STAC Item has properties.datetime (null only with start_datetime and end_datetime)', pointer(propsPath, 'datetime'));
  }
  return itemTemporal;
}

function readAssets(assets: unknown, assetsPath: string, itemTemporal: Temporal, warnings: Warning[]): AnnouncedFile[] {
  if (!isRecord(assets)) refuse('stac.invalid_assets', 'a STAC Item has an assets object', assetsPath);
  const keys = Object.keys(assets);
  if (keys.length === 0) refuse('stac.no_assets', 'the Item has no asset: there is no file to announce', assetsPath);
  const files: AnnouncedFile[] = [];
  for (const key of keys) files.push(readAsset(key, assets[key], pointer(assetsPath, key), itemTemporal, warnings));
  return files;
}

function readAsset(key: string, asset: unknown, apath: string, itemTemporal: Temporal, warnings: Warning[]): AnnouncedFile {
  if (!isRecord(asset)) refuse('stac.invalid_asset', 'an asset must be an object', apath);
  for (const field of NULLABLE_IGNORED) {
    if (asset[field] === null) {
      warnings.push({ code: 'stac.null_ignored', message: `${field} is null, which STAC does not allow; it was taken as absent`, path: pointer(apath, field) });
    }
  }
  const keyControl = controlCharacterAt(key);
  if (keyControl >= 0) refuse('stac.invalid_asset', `the asset key contains a control character at index ${keyControl}`, apath);
  return {
    key,
    path: apath,
    href: typeof asset.href === 'string' ? asset.href : refuse('stac.invalid_asset', 'an asset needs an href string', pointer(apath, 'href')),
    roles: roles(asset.roles, apath),
    temporal: temporalOf(asset, apath, warnings) ?? itemTemporal,
    ...optionalFileFields(asset, apath),
  };
}

/** The assets with the role `data`, or the only asset when none has it. */
function announcedFiles(files: AnnouncedFile[], assetsPath: string, warnings: Warning[]): AnnouncedFile[] {
  const data = files.filter(hasDataRole);
  const announced = data.length > 0 ? data : files.length === 1 ? files : [];
  if (announced.length === 0) {
    refuse('stac.no_data_asset', `none of the ${files.length} assets has the role "data": which file is announced is ambiguous`, assetsPath);
  }
  const only = files.at(0);
  if (data.length === 0 && only && only.roles.length > 0) {
    warnings.push({
      code: 'stac.no_data_role',
      message: `the only asset has the roles ${JSON.stringify(only.roles)} but not "data"; it is announced as the data file`,
      path: pointer(only.path, 'roles'),
    });
  }
  return announced;
}

function hasDataRole(file: AnnouncedFile): boolean {
  return file.roles.includes('data');
}

function optionalFileFields(asset: Record<string, unknown>, apath: string): Pick<AnnouncedFile, 'mediaType' | 'size' | 'checksum'> {
  const out: Pick<AnnouncedFile, 'mediaType' | 'size' | 'checksum'> = {};
  if (asset.type !== undefined && asset.type !== null) {
    if (typeof asset.type !== 'string' || !MEDIA_TYPE.test(asset.type)) {
      refuse('stac.invalid_media_type', 'the asset type must be a media type such as application/x-netcdf', pointer(apath, 'type'));
    }
    out.mediaType = asset.type;
  }
  const size = fileSize(asset['file:size'], apath);
  if (size !== undefined) out.size = size;
  if (asset['file:checksum'] !== undefined && asset['file:checksum'] !== null) {
    out.checksum = decodeMultihash(asset['file:checksum'], pointer(apath, 'file:checksum'));
  }
  return out;
}

export { decodeMultihash } from './multihash';
export type { Multihash } from './multihash';
