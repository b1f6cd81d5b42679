import { Wis2Error, pointer, type Stage, type Warning } from './errors';
import { isRecord } from './json';

/**
 * GeoJSON (RFC 7946) geometries reduced to what a WIS2 notification may carry: a Point, a
 * Polygon or null (WNM /req/core/geometry). Any other type becomes the Polygon of its bounding
 * box. Coordinates are WGS 84 longitude/latitude, optionally with a height.
 */
export type Position = number[];
export interface PointGeometry {
  type: 'Point';
  coordinates: Position;
}
export interface PolygonGeometry {
  type: 'Polygon';
  coordinates: Position[][];
}
export type WnmGeometry = PointGeometry | PolygonGeometry;

export interface GeometryResult {
  geometry: WnmGeometry | null;
  warnings: Warning[];
}

/** [west, south, east, north] */
export type BBox = [number, number, number, number];

/** The geometry types of RFC 7946 section 1.4. */
export const GEOMETRY_TYPES = ['Point', 'MultiPoint', 'LineString', 'MultiLineString', 'Polygon', 'MultiPolygon', 'GeometryCollection'] as const;
export type GeometryType = (typeof GEOMETRY_TYPES)[number];

export function isGeometryType(value: unknown): value is GeometryType {
  return GEOMETRY_TYPES.includes(value as GeometryType);
}

/** Fewest positions of a LineString (RFC 7946 section 3.1.4) and of a linear ring (section 3.1.6). */
export const MIN_LINE_POSITIONS = 2;
export const MIN_RING_POSITIONS = 4;

/** WGS 84 longitude in degrees. */
export function isLongitude(n: number): boolean {
  return n >= -180 && n <= 180;
}

/** WGS 84 latitude in degrees. */
export function isLatitude(n: number): boolean {
  return n >= -90 && n <= 90;
}

/**
 * A position with nothing to say about it: longitude and latitude in range, an optional height,
 * numbers only. The common case, told without allocating: geometries hold many thousands.
 */
export function isSoundPosition(value: unknown): value is Position {
  if (!Array.isArray(value) || value.length < 2 || value.length > 3) return false;
  const lon: unknown = value[0];
  const lat: unknown = value[1];
  const height: unknown = value.length === 3 ? value[2] : 0;
  return typeof lon === 'number' && typeof lat === 'number' && typeof height === 'number' && isLongitude(lon) && isLatitude(lat) && Number.isFinite(height);
}

/** What is wrong with a position, read once; each caller says it in its own words. */
export interface PositionReading {
  /** false when the value is no array at all (the rest is then empty) */
  array: boolean;
  length: number;
  /** indexes of the items that are not finite numbers */
  notNumbers: number[];
  /** a finite longitude outside [-180, 180], a finite latitude outside [-90, 90] */
  longitudeOutOfRange: boolean;
  latitudeOutOfRange: boolean;
}

export function readPosition(value: unknown): PositionReading {
  if (!Array.isArray(value)) return { array: false, length: 0, notNumbers: [], longitudeOutOfRange: false, latitudeOutOfRange: false };
  const items = value as unknown[];
  const notNumbers: number[] = [];
  for (let i = 0; i < items.length; i++) {
    const n = items[i];
    if (typeof n !== 'number' || !Number.isFinite(n)) notNumbers.push(i);
  }
  const [lon, lat] = items;
  return {
    array: true,
    length: items.length,
    notNumbers,
    longitudeOutOfRange: typeof lon === 'number' && Number.isFinite(lon) && !isLongitude(lon),
    latitudeOutOfRange: typeof lat === 'number' && Number.isFinite(lat) && !isLatitude(lat),
  };
}

/** Whether two positions are the same, height included: how a linear ring closes (RFC 7946 section 3.1.6). */
export function samePosition(a: unknown, b: unknown): boolean {
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Whether two positions are the same place on the map, whatever their heights. */
export function samePlace(a: readonly number[], b: readonly number[]): boolean {
  return a[0] === b[0] && a[1] === b[1];
}

/**
 * Calls the handler of the geometry's type; false when the type is none of RFC 7946, for the
 * caller to report in its own words.
 */
export function dispatchGeometry(geometry: Record<string, unknown>, handlers: Readonly<Record<GeometryType, () => void>>): boolean {
  const type = geometry.type;
  if (!isGeometryType(type)) return false;
  handlers[type]();
  return true;
}

const STAGE: Stage = 'stac';

function fail(code: string, message: string, path: string): never {
  throw new Wis2Error(STAGE, code, message, path);
}

function position(v: unknown, path: string): Position {
  const read = readPosition(v);
  if (!read.array) fail('geometry.invalid_position', 'a position must be an array of numbers', path);
  if (read.length < 2 || read.length > 3) {
    fail('geometry.invalid_position', `a position has 2 or 3 numbers (longitude, latitude, height), not ${read.length}`, path);
  }
  const bad = read.notNumbers.at(0);
  if (bad !== undefined) fail('geometry.invalid_position', 'coordinates must be finite numbers', pointer(path, bad));
  const pos = v as number[];
  const [lon, lat] = pos as [number, number];
  if (read.longitudeOutOfRange) fail('geometry.out_of_range', `longitude ${lon} is outside [-180, 180]`, pointer(path, 0));
  if (read.latitudeOutOfRange) fail('geometry.out_of_range', `latitude ${lat} is outside [-90, 90]`, pointer(path, 1));
  return pos.slice();
}

function positions(v: unknown, path: string, min: number, what: string): Position[] {
  if (!Array.isArray(v)) fail('geometry.invalid_coordinates', `${what} must be an array of positions`, path);
  if (v.length < min) fail('geometry.invalid_coordinates', `${what} needs at least ${min} positions`, path);
  return v.map((p, i) => position(p, pointer(path, i)));
}

function ring(v: unknown, path: string): Position[] {
  const r = positions(v, path, MIN_RING_POSITIONS, 'a linear ring');
  if (!samePosition(r[0] ?? [], r[r.length - 1] ?? [])) {
    fail('geometry.open_ring', 'a linear ring must end on its first position', path);
  }
  return r;
}

function rings(v: unknown, path: string): Position[][] {
  if (!Array.isArray(v) || v.length === 0) fail('geometry.invalid_coordinates', 'a polygon needs at least one linear ring', path);
  return v.map((r, i) => ring(r, pointer(path, i)));
}

function list(v: unknown, path: string, what: string): unknown[] {
  if (!Array.isArray(v)) fail('geometry.invalid_coordinates', `${what} must be an array`, path);
  return v;
}

/** Every position of a checked geometry, for its bounding box. */
function collect(g: Record<string, unknown>, path: string, out: Position[], depth: number): void {
  const coords = g.coordinates;
  const cpath = pointer(path, 'coordinates');
  const known = dispatchGeometry(g, {
    Point: () => { out.push(position(coords, cpath)); },
    MultiPoint: () => { list(coords, cpath, 'MultiPoint coordinates').forEach((p, i) => out.push(position(p, pointer(cpath, i)))); },
    LineString: () => { out.push(...positions(coords, cpath, MIN_LINE_POSITIONS, 'a LineString')); },
    MultiLineString: () => {
      list(coords, cpath, 'MultiLineString coordinates').forEach((l, i) => out.push(...positions(l, pointer(cpath, i), MIN_LINE_POSITIONS, 'a LineString')));
    },
    Polygon: () => { for (const r of rings(coords, cpath)) out.push(...r); },
    MultiPolygon: () => {
      list(coords, cpath, 'MultiPolygon coordinates').forEach((p, i) => {
        for (const r of rings(p, pointer(cpath, i))) out.push(...r);
      });
    },
    GeometryCollection: () => {
      // RFC 7946 discourages nesting collections; one level keeps the walk bounded.
      if (depth > 0) fail('geometry.nested_collection', 'a GeometryCollection may not contain another one', path);
      const members = list(g.geometries, pointer(path, 'geometries'), 'GeometryCollection geometries');
      members.forEach((m, i) => {
        const mpath = pointer(path, 'geometries', i);
        if (!isRecord(m)) fail('geometry.invalid', 'a geometry must be an object', mpath);
        collect(m, mpath, out, depth + 1);
      });
    },
  });
  if (!known) fail('geometry.unknown_type', `"${String(g.type)}" is not a GeoJSON geometry type`, pointer(path, 'type'));
}

export function bboxOf(points: Position[]): BBox | undefined {
  if (points.length === 0) return undefined;
  let w = Infinity;
  let s = Infinity;
  let e = -Infinity;
  let n = -Infinity;
  for (const p of points) {
    const [lon, lat] = p as [number, number];
    if (lon < w) w = lon;
    if (lon > e) e = lon;
    if (lat < s) s = lat;
    if (lat > n) n = lat;
  }
  return [w, s, e, n];
}

/** The box as a closed counter-clockwise Polygon, or a Point when it has no extent at all. */
export function bboxGeometry([w, s, e, n]: BBox): WnmGeometry {
  if (w === e && s === n) return { type: 'Point', coordinates: [w, s] };
  return {
    type: 'Polygon',
    coordinates: [
      [
        [w, s],
        [e, s],
        [e, n],
        [w, n],
        [w, s],
      ],
    ],
  };
}

/**
 * Checks a GeoJSON geometry (ranges, ring closure, shapes) and returns the geometry a WNM may
 * carry. `path` is the JSON Pointer of the geometry in the input, for refusals.
 */
export function toWnmGeometry(value: unknown, path: string): GeometryResult {
  if (value === null) return { geometry: null, warnings: [] };
  if (!isRecord(value)) fail('geometry.invalid', 'a geometry must be a GeoJSON object or null', path);
  // the usual case, checked as `collect` checks it without the walk over every geometry type
  if (value.type === 'Point') return { geometry: { type: 'Point', coordinates: position(value.coordinates, pointer(path, 'coordinates')) }, warnings: [] };
  const points: Position[] = [];
  collect(value, path, points, 0);
  if (value.type === 'Polygon') {
    return { geometry: { type: 'Polygon', coordinates: rings(value.coordinates, pointer(path, 'coordinates')) }, warnings: [] };
  }
  const box = bboxOf(points);
  if (!box) {
    return {
      geometry: null,
      warnings: [{ code: 'geometry.empty', message: `the ${String(value.type)} has no positions; the notification carries a null geometry`, path }],
    };
  }
  return {
    geometry: bboxGeometry(box),
    warnings: [
      {
        code: 'geometry.bbox',
        message: `a ${String(value.type)} cannot be carried by a WIS2 notification; its bounding box is used instead`,
        path,
      },
    ],
  };
}
