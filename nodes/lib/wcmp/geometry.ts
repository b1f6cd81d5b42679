/**
 * /conf/core/extent_geospatial: the record geometry is one GeoJSON geometry (RFC 7946) in WGS 84
 * longitude/latitude, with numeric coordinates inside the ranges, and valid as a simple feature:
 * rings closed and not self-intersecting, holes inside their shell, parts of a MultiPolygon not
 * overlapping. Everything is walked with explicit stacks and bounded work, so a hostile geometry
 * cannot exhaust the stack or the clock.
 */
import type { Findings } from './report';
import { has, member, pointer, show } from './json';
import { isRecord } from '../core/json';

const RULE_A = '/req/core/extent_geospatial A';
const RULE_B = '/req/core/extent_geospatial B';

/** Nested GeometryCollections beyond this are refused rather than followed. */
const MAX_COLLECTION_DEPTH = 16;
/** Pairs of segments or point-in-ring steps spent on validity before giving up (with a warning). */
const VALIDITY_BUDGET = 4_000_000;

/** A checked position as the record wrote it: longitude, latitude, perhaps a height. */
type Point = readonly number[];

interface Ring {
  points: readonly Point[];
  path: string;
}

/** The rings of one Polygon: shell first, then holes. */
interface Polygon {
  rings: Ring[];
  path: string;
}

/**
 * How deep GeometryCollections nest, walked without recursion and stopping past `limit`. The
 * schema validator follows `geometries` recursively, the only place it does, so this is what
 * keeps a hostile record from exhausting its stack; a collection met twice (only possible in
 * objects handed over by a caller, never from JSON) would make it loop for ever.
 */
export function collectionNesting(record: unknown, limit: number): { at: string; problem: 'depth' | 'shared' } | undefined {
  const seen = new Set<object>();
  const stack: { g: unknown; path: string; depth: number }[] = [{ g: member(record, 'geometry'), path: '/geometry', depth: 0 }];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const geometries = member(top.g, 'geometries');
    if (!Array.isArray(geometries)) continue;
    if (seen.has(geometries)) return { at: top.path, problem: 'shared' };
    seen.add(geometries);
    if (top.depth >= limit) return { at: top.path, problem: 'depth' };
    for (let i = 0; i < geometries.length; i++) {
      const g: unknown = geometries[i];
      if (isRecord(g)) stack.push({ g, path: `${top.path}/geometries/${i}`, depth: top.depth + 1 });
    }
  }
  return undefined;
}

export function checkRecordGeometry(record: unknown, f: Findings): void {
  const path = '/geometry';
  if (!has(record, 'geometry')) {
    f.fail('missing', path, RULE_A, 'the record has no geometry member (use null when no location can be given, /req/core/extent_geospatial C)');
    return;
  }
  const geometry = member(record, 'geometry');
  if (geometry === null) return;
  const groups: Polygon[][] = [];
  const seen = new Set<object>();
  const stack: { g: unknown; path: string; depth: number }[] = [{ g: geometry, path, depth: 0 }];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const { g, depth } = top;
    const at = top.path;
    if (!isRecord(g)) {
      f.fail('not_geometry', at, RULE_A, `a geometry is a GeoJSON geometry object${at === path ? ' or null' : ''}, not ${show(g)}`);
      continue;
    }
    const type = member(g, 'type');
    const cpath = pointer(at, 'coordinates');
    const coords = member(g, 'coordinates');
    switch (type) {
      case 'Point':
        readPosition(coords, cpath, undefined, f);
        break;
      case 'MultiPoint':
        if (Array.isArray(coords)) for (let i = 0; i < coords.length; i++) readPosition(coords[i], cpath, i, f);
        else f.fail('coordinates', cpath, RULE_A, `MultiPoint coordinates is an array, not ${show(coords)}`);
        break;
      case 'LineString':
        readLine(coords, cpath, f);
        break;
      case 'MultiLineString':
        forEachItem(coords, cpath, 'MultiLineString coordinates', f, (l, lp) => { readLine(l, lp, f); });
        break;
      case 'Polygon': {
        const polygon = readPolygon(coords, cpath, f);
        if (polygon) groups.push([polygon]);
        break;
      }
      case 'MultiPolygon': {
        if (!Array.isArray(coords)) {
          f.fail('coordinates', cpath, RULE_A, `MultiPolygon coordinates is an array, not ${show(coords)}`);
          break;
        }
        const parts: Polygon[] = [];
        for (let i = 0; i < coords.length; i++) {
          const polygon = readPolygon(coords[i], pointer(cpath, i), f);
          if (polygon) parts.push(polygon);
        }
        // A part that could not be read has been reported; validity is judged on complete shapes only.
        if (parts.length === coords.length && parts.length > 0) groups.push(parts);
        break;
      }
      case 'GeometryCollection': {
        if (depth >= MAX_COLLECTION_DEPTH) {
          f.fail('too_deep', at, RULE_A, `GeometryCollections nested more than ${MAX_COLLECTION_DEPTH} deep are not followed (RFC 7946 section 3.1.8 advises against nesting them at all)`);
          break;
        }
        const gpath = pointer(at, 'geometries');
        const members = member(g, 'geometries');
        if (!Array.isArray(members)) {
          f.fail('geometries', gpath, RULE_A, `a GeometryCollection has a geometries array, not ${show(members)}`);
          break;
        }
        if (seen.has(members)) break;
        seen.add(members);
        for (let i = members.length - 1; i >= 0; i--) stack.push({ g: members[i], path: pointer(gpath, i), depth: depth + 1 });
        break;
      }
      default:
        f.fail('type', pointer(at, 'type'), RULE_A, `${show(type)} is not a GeoJSON geometry type (Point, MultiPoint, LineString, MultiLineString, Polygon, MultiPolygon, GeometryCollection)`);
    }
  }
  const budget = { left: VALIDITY_BUDGET };
  for (const group of groups) {
    checkValidity(group, f, budget);
    if (budget.left <= 0) {
      f.warn('too_complex', path, RULE_A, 'the geometry has too many vertices to finish checking it for self-intersections');
      break;
    }
  }
}

function forEachItem(value: unknown, path: string, what: string, f: Findings, each: (item: unknown, path: string) => void): void {
  if (!Array.isArray(value)) {
    f.fail('coordinates', path, RULE_A, `${what} is an array, not ${show(value)}`);
    return;
  }
  for (let i = 0; i < value.length; i++) each(value[i], pointer(path, i));
}

/**
 * A position: longitude and latitude in range, an optional height, numbers only. Its path is
 * `parent` plus `index`, spelled out only when something is wrong: geometries can hold many
 * thousands of positions.
 */
function readPosition(value: unknown, parent: string, index: number | undefined, f: Findings): Point | undefined {
  if (Array.isArray(value) && value.length >= 2 && value.length <= 3) {
    const lon: unknown = value[0];
    const lat: unknown = value[1];
    const h: unknown = value.length === 3 ? value[2] : 0;
    if (
      typeof lon === 'number' && typeof lat === 'number' && typeof h === 'number' &&
      lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90 && Number.isFinite(h)
    ) {
      return value as Point;
    }
  }
  const path = index === undefined ? parent : pointer(parent, index);
  if (!Array.isArray(value)) {
    f.fail('position', path, RULE_A, `a position is an array of numbers [longitude, latitude] or [longitude, latitude, height], not ${show(value)}`);
    return undefined;
  }
  let ok = true;
  for (let i = 0; i < value.length; i++) {
    const n: unknown = value[i];
    if (typeof n !== 'number' || !Number.isFinite(n)) {
      f.fail('coordinate_type', pointer(path, i), RULE_B, `coordinates are integers or floats, not ${show(n)}`);
      ok = false;
    }
  }
  if (value.length < 2) {
    f.fail('position', path, RULE_A, `a position has a longitude and a latitude; this one has ${value.length} number(s)`);
    return undefined;
  }
  if (value.length > 3) {
    f.warn('position_length', path, RULE_A, `a position has 2 or 3 numbers (longitude, latitude, height); RFC 7946 section 3.1.1 advises against ${value.length}`);
  }
  if (!ok) return undefined;
  const lon = value[0] as number;
  const lat = value[1] as number;
  if (lon < -180 || lon > 180) {
    f.fail('longitude', pointer(path, 0), RULE_A, `longitude ${lon} is outside [-180, 180] (WGS 84 degrees)`);
    ok = false;
  }
  if (lat < -90 || lat > 90) {
    f.fail('latitude', pointer(path, 1), RULE_A, `latitude ${lat} is outside [-90, 90] (WGS 84 degrees)`);
    ok = false;
  }
  return ok ? (value as Point) : undefined;
}

function readPositions(value: unknown, path: string, what: string, f: Findings): Point[] | undefined {
  if (!Array.isArray(value)) {
    f.fail('coordinates', path, RULE_A, `${what} is an array of positions, not ${show(value)}`);
    return undefined;
  }
  let ok = true;
  for (let i = 0; i < value.length; i++) {
    if (readPosition(value[i], path, i, f) === undefined) ok = false;
  }
  // Every item is a checked position: the array itself serves, without a copy.
  return ok ? (value as Point[]) : undefined;
}

function readLine(value: unknown, path: string, f: Findings): void {
  const points = readPositions(value, path, 'a LineString', f);
  if (!points) return;
  if (points.length < 2) {
    f.fail('line_too_short', path, RULE_A, `a LineString has two positions or more (RFC 7946 section 3.1.4); this one has ${points.length}`);
  } else if (distinct(points).length < 2) {
    f.fail('line_degenerate', path, RULE_A, 'the LineString has all its positions at the same place (invalid geometry: too few points)');
  }
}

function readPolygon(value: unknown, path: string, f: Findings): Polygon | undefined {
  if (!Array.isArray(value)) {
    f.fail('coordinates', path, RULE_A, `a Polygon is an array of linear rings, not ${show(value)}`);
    return undefined;
  }
  if (value.length === 0) {
    f.warn('empty_polygon', path, RULE_A, 'the Polygon has no ring; a record without a location has a null geometry (/req/core/extent_geospatial C)');
    return undefined;
  }
  const rings: Ring[] = [];
  let ok = true;
  for (let i = 0; i < value.length; i++) {
    const rpath = pointer(path, i);
    const points = readPositions(value[i], rpath, 'a linear ring', f);
    if (!points) {
      ok = false;
      continue;
    }
    if (points.length < 4) {
      f.fail('ring_too_short', rpath, RULE_A, `a linear ring has four positions or more (RFC 7946 section 3.1.6); this one has ${points.length}`);
      ok = false;
      continue;
    }
    const first = points[0];
    const last = points[points.length - 1];
    if (first[0] !== last[0] || first[1] !== last[1]) {
      f.fail('ring_open', rpath, RULE_A, 'a linear ring is closed: its last position repeats its first (RFC 7946 section 3.1.6)');
      ok = false;
      continue;
    }
    const unique = distinct(points);
    if (unique.length < 4) {
      f.fail('ring_degenerate', rpath, RULE_A, 'the linear ring encloses no area: it has fewer than three distinct corners (invalid geometry: too few points)');
      ok = false;
      continue;
    }
    rings.push({ points: unique, path: rpath });
  }
  return ok ? { rings, path } : undefined;
}

/** The points without consecutive repeats (the closing point stays); the same array when none repeats. */
function distinct(points: readonly Point[]): readonly Point[] {
  let repeats = false;
  for (let i = 1; i < points.length && !repeats; i++) {
    const a = points[i - 1];
    const b = points[i];
    repeats = a[0] === b[0] && a[1] === b[1];
  }
  if (!repeats) return points;
  const out: Point[] = [];
  for (const p of points) {
    const prev = out.at(-1);
    if (prev === undefined || prev[0] !== p[0] || prev[1] !== p[1]) out.push(p);
  }
  return out;
}

interface Segment {
  a: Point;
  b: Point;
  minX: number;
  maxX: number;
  minY: number;
  maxY: number;
  /** Index of the ring within the group, and of the segment within its ring. */
  ring: number;
  index: number;
  ringSize: number;
}

function orient(p: Point, q: Point, r: Point): number {
  const v = (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0]);
  return v > 0 ? 1 : v < 0 ? -1 : 0;
}

function onSegment(p: Point, q: Point, r: Point): boolean {
  return Math.min(p[0], q[0]) <= r[0] && r[0] <= Math.max(p[0], q[0]) && Math.min(p[1], q[1]) <= r[1] && r[1] <= Math.max(p[1], q[1]);
}

type Contact = 'none' | 'touch' | 'cross' | 'overlap';

/** How segments ab and cd meet: not at all, at an end point, crossing inside both, or along a stretch. */
function meet(a: Point, b: Point, c: Point, d: Point): Contact {
  const o1 = orient(a, b, c);
  const o2 = orient(a, b, d);
  const o3 = orient(c, d, a);
  const o4 = orient(c, d, b);
  if (o1 === 0 && o2 === 0) {
    // Collinear: they share a stretch when their extents overlap by more than a point.
    const k = a[0] !== b[0] ? 0 : 1;
    const lo = Math.max(Math.min(a[k], b[k]), Math.min(c[k], d[k]));
    const hi = Math.min(Math.max(a[k], b[k]), Math.max(c[k], d[k]));
    if (lo < hi) return 'overlap';
    return lo === hi ? 'touch' : 'none';
  }
  if (o1 !== o2 && o3 !== o4) {
    if (o1 === 0 || o2 === 0 || o3 === 0 || o4 === 0) return 'touch';
    return 'cross';
  }
  if ((o1 === 0 && onSegment(a, b, c)) || (o2 === 0 && onSegment(a, b, d))) return 'touch';
  if ((o3 === 0 && onSegment(c, d, a)) || (o4 === 0 && onSegment(c, d, b))) return 'touch';
  return 'none';
}

function contact(s: Segment, t: Segment): Contact {
  return meet(s.a, s.b, t.a, t.b);
}

/** Whether a small ring is simple, comparing every pair of its edges in place. */
function smallRingIsSimple(pts: readonly Point[]): boolean {
  const n = pts.length - 1;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const how = meet(pts[i], pts[i + 1], pts[j], pts[j + 1]);
      const adjacentEdges = j === i + 1 || (i === 0 && j === n - 1);
      if (adjacentEdges ? how === 'overlap' : how !== 'none') return false;
    }
  }
  return true;
}

function adjacent(s: Segment, t: Segment): boolean {
  if (s.ring !== t.ring) return false;
  const d = Math.abs(s.index - t.index);
  return d === 1 || d === s.ringSize - 1;
}

/** -1 outside, 0 on the boundary, 1 inside (ray casting). */
function locate(p: Point, ring: readonly Point[], budget: { left: number }): number {
  let inside = false;
  budget.left -= ring.length;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const a = ring[i];
    const b = ring[j];
    if (orient(a, b, p) === 0 && onSegment(a, b, p)) return 0;
    if (a[1] > p[1] !== b[1] > p[1]) {
      const x = ((b[0] - a[0]) * (p[1] - a[1])) / (b[1] - a[1]) + a[0];
      if (p[0] < x) inside = !inside;
    }
  }
  return inside ? 1 : -1;
}

/** A vertex of `inner` that is not on `outer`'s boundary, located against `outer`. */
function ringInside(inner: readonly Point[], outer: readonly Point[], budget: { left: number }): number {
  for (const p of inner) {
    const where = locate(p, outer, budget);
    if (where !== 0) return where;
    if (budget.left <= 0) return 0;
  }
  return 0;
}

function checkValidity(group: Polygon[], f: Findings, budget: { left: number }): void {
  // Most records give one box or a few-cornered outline: settle those without the general sweep.
  const only = group.length === 1 ? group[0] : undefined;
  if (only?.rings.length === 1 && (only.rings[0]?.points.length ?? 0) <= 16 && smallRingIsSimple(only.rings[0]?.points ?? [])) return;
  const rings: { ring: Ring; polygon: number; hole: boolean }[] = [];
  group.forEach((polygon, p) => { polygon.rings.forEach((ring, k) => rings.push({ ring, polygon: p, hole: k > 0 })); });
  const segments: Segment[] = [];
  rings.forEach(({ ring }, r) => {
    const pts = ring.points;
    for (let i = 0; i + 1 < pts.length; i++) {
      const a = pts[i];
      const b = pts[i + 1];
      segments.push({
        a,
        b,
        minX: Math.min(a[0], b[0]),
        maxX: Math.max(a[0], b[0]),
        minY: Math.min(a[1], b[1]),
        maxY: Math.max(a[1], b[1]),
        ring: r,
        index: i,
        ringSize: pts.length - 1,
      });
    }
  });
  segments.sort((s, t) => s.minX - t.minX);
  const reported = new Set<string>();
  let broken = false;
  for (let i = 0; i < segments.length && budget.left > 0; i++) {
    const s = segments[i];
    for (let j = i + 1; j < segments.length; j++) {
      const t = segments[j];
      if (t.minX > s.maxX) break;
      if (--budget.left <= 0) return;
      if (t.minY > s.maxY || t.maxY < s.minY) continue;
      const how = contact(s, t);
      if (how === 'none') continue;
      const sameRing = s.ring === t.ring;
      let problem: string | undefined;
      if (sameRing && adjacent(s, t)) {
        if (how === 'overlap') problem = 'the ring turns back on itself (a spike: two consecutive edges overlap)';
      } else if (sameRing) {
        problem = 'the ring crosses or touches itself (self-intersection)';
      } else if (how === 'cross' || how === 'overlap') {
        if (rings[s.ring].polygon !== rings[t.ring].polygon) problem = 'two polygons of the MultiPolygon overlap (their boundaries cross)';
        else problem = 'a hole crosses its shell or another hole (self-intersection)';
      }
      if (problem === undefined) continue;
      const ringPath = rings[s.ring].ring.path;
      const key = `${ringPath}|${problem}`;
      broken = true;
      if (reported.has(key)) continue;
      reported.add(key);
      f.fail('invalid', ringPath, RULE_A, `invalid geometry: ${problem}, near [${t.a[0]}, ${t.a[1]}]`);
    }
  }
  if (broken) return;
  // No boundaries cross: containment decides the rest.
  group.forEach((polygon) => {
    const shell = polygon.rings.at(0);
    if (shell === undefined) return;
    polygon.rings.slice(1).forEach((hole, h) => {
      if (ringInside(hole.points, shell.points, budget) < 0) {
        f.fail('invalid', hole.path, RULE_A, 'invalid geometry: the hole lies outside its shell');
      }
      polygon.rings.slice(1).forEach((other, o) => {
        if (o === h) return;
        if (ringInside(hole.points, other.points, budget) > 0) {
          f.fail('invalid', hole.path, RULE_A, 'invalid geometry: a hole lies inside another hole (nested holes)');
        }
      });
    });
  });
  for (let a = 0; a < group.length && budget.left > 0; a++) {
    for (let b = 0; b < group.length && budget.left > 0; b++) {
      if (a === b) continue;
      const inner = group[a].rings.at(0);
      const outer = group[b];
      const outerShell = outer.rings.at(0);
      if (inner === undefined || outerShell === undefined) continue;
      if (ringInside(inner.points, outerShell.points, budget) <= 0) continue;
      const inHole = outer.rings.slice(1).some((hole) => ringInside(inner.points, hole.points, budget) > 0);
      if (!inHole) {
        f.fail('invalid', inner.path, RULE_A, 'invalid geometry: a polygon of the MultiPolygon lies inside another one (nested shells)');
      }
    }
  }
}
