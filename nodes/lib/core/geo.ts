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

const STAGE: Stage = 'stac';

function fail(code: string, message: string, path: string): never {
  throw new Wis2Error(STAGE, code, message, path);
}

function position(v: unknown, path: string): Position {
  if (!Array.isArray(v)) fail('geometry.invalid_position', 'a position must be an array of numbers', path);
  if (v.length < 2 || v.length > 3) {
    fail('geometry.invalid_position', `a position has 2 or 3 numbers (longitude, latitude, height), not ${v.length}`, path);
  }
  for (let i = 0; i < v.length; i++) {
    const n: unknown = v[i];
    if (typeof n !== 'number' || !Number.isFinite(n)) fail('geometry.invalid_position', 'coordinates must be finite numbers', pointer(path, i));
  }
  const pos = v as number[];
  const [lon, lat] = pos as [number, number];
  if (lon < -180 || lon > 180) fail('geometry.out_of_range', `longitude ${lon} is outside [-180, 180]`, pointer(path, 0));
  if (lat < -90 || lat > 90) fail('geometry.out_of_range', `latitude ${lat} is outside [-90, 90]`, pointer(path, 1));
  return pos.slice();
}

function positions(v: unknown, path: string, min: number, what: string): Position[] {
  if (!Array.isArray(v)) fail('geometry.invalid_coordinates', `${what} must be an array of positions`, path);
  if (v.length < min) fail('geometry.invalid_coordinates', `${what} needs at least ${min} positions`, path);
  return v.map((p, i) => position(p, pointer(path, i)));
}

function ring(v: unknown, path: string): Position[] {
  const r = positions(v, path, 4, 'a linear ring');
  const first = r[0] ?? [];
  const last = r[r.length - 1] ?? [];
  if (first.length !== last.length || first.some((c, i) => c !== last[i])) {
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
  const type = g.type;
  const coords = g.coordinates;
  const cpath = pointer(path, 'coordinates');
  switch (type) {
    case 'Point':
      out.push(position(coords, cpath));
      return;
    case 'MultiPoint':
      list(coords, cpath, 'MultiPoint coordinates').forEach((p, i) => out.push(position(p, pointer(cpath, i))));
      return;
    case 'LineString':
      out.push(...positions(coords, cpath, 2, 'a LineString'));
      return;
    case 'MultiLineString':
      list(coords, cpath, 'MultiLineString coordinates').forEach((l, i) => out.push(...positions(l, pointer(cpath, i), 2, 'a LineString')));
      return;
    case 'Polygon':
      for (const r of rings(coords, cpath)) out.push(...r);
      return;
    case 'MultiPolygon':
      list(coords, cpath, 'MultiPolygon coordinates').forEach((p, i) => {
        for (const r of rings(p, pointer(cpath, i))) out.push(...r);
      });
      return;
    case 'GeometryCollection': {
      // RFC 7946 discourages nesting collections; one level keeps the walk bounded.
      if (depth > 0) fail('geometry.nested_collection', 'a GeometryCollection may not contain another one', path);
      const members = list(g.geometries, pointer(path, 'geometries'), 'GeometryCollection geometries');
      members.forEach((m, i) => {
        const mpath = pointer(path, 'geometries', i);
        if (!isRecord(m)) fail('geometry.invalid', 'a geometry must be an object', mpath);
        collect(m, mpath, out, depth + 1);
      });
      return;
    }
    default:
      fail('geometry.unknown_type', `"${String(type)}" is not a GeoJSON geometry type`, pointer(path, 'type'));
  }
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
  const points: Position[] = [];
  collect(value, path, points, 0);
  if (value.type === 'Point') return { geometry: { type: 'Point', coordinates: points[0] ?? [] }, warnings: [] };
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
