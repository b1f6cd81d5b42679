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

function fileSize(v: unknown, path: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    refuse('stac.invalid_file_size', 'file:size must be a non-negative integer below 2^53', path);
  }
  return v;
}

function roles(v: unknown, path: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((r) => typeof r !== 'string')) refuse('stac.invalid_roles', 'roles must be an array of strings', path);
  return v as string[];
}

/** Asset members read as absent when null, though STAC gives them no null. */
const NULLABLE_IGNORED = ['type', 'roles', 'file:size', 'file:checksum'] as const;

/** STAC bbox: [west, south, east, north], or with the heights [w, s, min, e, n, max]; west > east crosses the antimeridian. */
function isBbox(v: unknown): boolean {
  if (!Array.isArray(v) || (v.length !== 4 && v.length !== 6)) return false;
  if (!v.every((n) => typeof n === 'number' && Number.isFinite(n))) return false;
  const b = v as number[];
  const [w = NaN, s = NaN, e = NaN, n = NaN] = b.length === 4 ? b : [b[0], b[1], b[3], b[4]];
  const lon = (x: number): boolean => x >= -180 && x <= 180;
  const lat = (x: number): boolean => x >= -90 && x <= 90;
  return lon(w) && lon(e) && lat(s) && lat(n) && s <= n;
}

/** Index of the first C0, DEL or C1 control character, or -1. */
function controlCharacterAt(s: string): number {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is looked for
  return s.search(/[\u0000-\u001f\u007f-\u009f]/);
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
  if (item.type !== 'Feature') refuse('stac.not_feature', 'a STAC Item has type "Feature"', pointer(path, 'type'));
  if (item.stac_version === undefined) {
    warnings.push({ code: 'stac.no_version', message: 'the Item has no stac_version', path: pointer(path, 'stac_version') });
  } else if (typeof item.stac_version !== 'string' || item.stac_version === '') {
    warnings.push({ code: 'stac.invalid_version', message: 'stac_version is not a version string; it was ignored', path: pointer(path, 'stac_version') });
  }
  const ext = item.stac_extensions;
  if (ext !== undefined && (!Array.isArray(ext) || ext.some((e) => typeof e !== 'string'))) {
    warnings.push({ code: 'stac.invalid_extensions', message: 'stac_extensions is not an array of schema URLs; it was ignored', path: pointer(path, 'stac_extensions') });
  }
  if (typeof item.id !== 'string' || item.id === '') refuse('stac.invalid_id', 'a STAC Item needs a non-empty string id', pointer(path, 'id'));
  // identifiers travel into data_ids, logs and file systems, where a NUL or a newline is a trap
  const idControl = controlCharacterAt(item.id);
  if (idControl >= 0) refuse('stac.invalid_id', `the Item id contains a control character at index ${idControl}`, pointer(path, 'id'));
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
  const propsPath = pointer(path, 'properties');
  if (!isRecord(item.properties)) refuse('stac.invalid_properties', 'a STAC Item has a properties object', propsPath);
  const itemTemporal = temporalOf(item.properties, propsPath, warnings);
  if (!itemTemporal) {
    refuse('stac.missing_datetime', 'a STAC Item has properties.datetime (null only with start_datetime and end_datetime)', pointer(propsPath, 'datetime'));
  }

  const assetsPath = pointer(path, 'assets');
  if (!isRecord(item.assets)) refuse('stac.invalid_assets', 'a STAC Item has an assets object', assetsPath);
  const keys = Object.keys(item.assets);
  if (keys.length === 0) refuse('stac.no_assets', 'the Item has no asset: there is no file to announce', assetsPath);

  const files: AnnouncedFile[] = [];
  for (const key of keys) {
    const apath = pointer(assetsPath, key);
    const asset = item.assets[key];
    if (!isRecord(asset)) refuse('stac.invalid_asset', 'an asset must be an object', apath);
    for (const field of NULLABLE_IGNORED) {
      if (asset[field] === null) {
        warnings.push({ code: 'stac.null_ignored', message: `${field} is null, which STAC does not allow; it was taken as absent`, path: pointer(apath, field) });
      }
    }
    const keyControl = controlCharacterAt(key);
    if (keyControl >= 0) refuse('stac.invalid_asset', `the asset key contains a control character at index ${keyControl}`, apath);
    files.push({
      key,
      path: apath,
      href: typeof asset.href === 'string' ? asset.href : refuse('stac.invalid_asset', 'an asset needs an href string', pointer(apath, 'href')),
      roles: roles(asset.roles, pointer(apath, 'roles')),
      temporal: temporalOf(asset, apath, warnings) ?? itemTemporal,
      ...optionalFileFields(asset, apath),
    });
  }
  const data = files.filter((f) => f.roles.includes('data'));
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
  return { id: item.id, geometry: geo.geometry, files: announced, warnings };
}

function optionalFileFields(asset: Record<string, unknown>, apath: string): Pick<AnnouncedFile, 'mediaType' | 'size' | 'checksum'> {
  const out: Pick<AnnouncedFile, 'mediaType' | 'size' | 'checksum'> = {};
  if (asset.type !== undefined && asset.type !== null) {
    if (typeof asset.type !== 'string' || !/^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+(?:\s*;[\x20-\x7e]*)?$/.test(asset.type)) {
      refuse('stac.invalid_media_type', 'the asset type must be a media type such as application/x-netcdf', pointer(apath, 'type'));
    }
    out.mediaType = asset.type;
  }
  const size = fileSize(asset['file:size'], pointer(apath, 'file:size'));
  if (size !== undefined) out.size = size;
  if (asset['file:checksum'] !== undefined && asset['file:checksum'] !== null) {
    out.checksum = decodeMultihash(asset['file:checksum'], pointer(apath, 'file:checksum'));
  }
  return out;
}

export { decodeMultihash } from './multihash';
export type { Multihash } from './multihash';
