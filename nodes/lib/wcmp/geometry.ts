/**
 * /conf/core/extent_geospatial: the record geometry is one GeoJSON geometry (RFC 7946) in WGS 84
 * longitude/latitude, with numeric coordinates inside the ranges, and valid as a simple feature:
 * rings closed and not self-intersecting, holes inside their shell, parts of a MultiPolygon not
 * overlapping. Everything is walked with explicit stacks and bounded work, so a hostile geometry
 * cannot exhaust the stack or the clock.
 */
import type { Findings } from './report';
import { has, member, show } from './json';
import { pointer } from '../core/errors';
import { GEOMETRY_TYPES, MIN_LINE_POSITIONS, MIN_RING_POSITIONS, dispatchGeometry, isSoundPosition, readPosition, samePlace } from '../core/geo';
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
  const groups = readGeometries(geometry, path, f);
  const budget = { left: VALIDITY_BUDGET };
  for (const group of groups) {
    checkValidity(group, f, budget);
    if (budget.left <= 0) {
      f.warn('too_complex', path, RULE_A, 'the geometry has too many vertices to finish checking it for self-intersections');
      break;
    }
  }
}

interface Pending {
  g: unknown;
  path: string;
  depth: number;
}

/** The walk over a geometry and the collections in it, without recursion. */
interface Walk {
  f: Findings;
  root: string;
  stack: Pending[];
  seen: Set<object>;
  /** The polygonal shapes read whole, each a Polygon or the parts of a MultiPolygon. */
  groups: Polygon[][];
}

/** Reads every geometry, reporting what is wrong; returns the polygonal shapes read whole. */
function readGeometries(geometry: unknown, root: string, f: Findings): Polygon[][] {
  const walk: Walk = { f, root, stack: [{ g: geometry, path: root, depth: 0 }], seen: new Set(), groups: [] };
  for (let top = walk.stack.pop(); top !== undefined; top = walk.stack.pop()) readGeometry(top, walk);
  return walk.groups;
}

function readGeometry({ g, path: at, depth }: Pending, walk: Walk): void {
  const f = walk.f;
  if (!isRecord(g)) {
    f.fail('not_geometry', at, RULE_A, `a geometry is a GeoJSON geometry object${at === walk.root ? ' or null' : ''}, not ${show(g)}`);
    return;
  }
  const cpath = pointer(at, 'coordinates');
  const coords = member(g, 'coordinates');
  const known = dispatchGeometry(g, {
    Point: () => { checkPosition(coords, cpath, undefined, f); },
    MultiPoint: () => { readMultiPoint(coords, cpath, f); },
    LineString: () => { readLine(coords, cpath, f); },
    MultiLineString: () => { forEachItem(coords, cpath, 'MultiLineString coordinates', f, (l, lp) => { readLine(l, lp, f); }); },
    Polygon: () => {
      const polygon = readPolygon(coords, cpath, f);
      if (polygon) walk.groups.push([polygon]);
    },
    MultiPolygon: () => {
      const parts = readMultiPolygon(coords, cpath, f);
      if (parts) walk.groups.push(parts);
    },
    GeometryCollection: () => { followCollection(g, at, depth, walk); },
  });
  if (!known) {
    f.fail('type', pointer(at, 'type'), RULE_A, `${show(member(g, 'type'))} is not a GeoJSON geometry type (${GEOMETRY_TYPES.join(', ')})`);
  }
}

function readMultiPoint(coords: unknown, path: string, f: Findings): void {
  if (Array.isArray(coords)) for (let i = 0; i < coords.length; i++) checkPosition(coords[i], path, i, f);
  else f.fail('coordinates', path, RULE_A, `MultiPoint coordinates is an array, not ${show(coords)}`);
}

function readMultiPolygon(coords: unknown, path: string, f: Findings): Polygon[] | undefined {
  if (!Array.isArray(coords)) {
    f.fail('coordinates', path, RULE_A, `MultiPolygon coordinates is an array, not ${show(coords)}`);
    return undefined;
  }
  const parts: Polygon[] = [];
  for (let i = 0; i < coords.length; i++) {
    const polygon = readPolygon(coords[i], pointer(path, i), f);
    if (polygon) parts.push(polygon);
  }
  // A part that could not be read has been reported; validity is judged on complete shapes only.
  return parts.length === coords.length && parts.length > 0 ? parts : undefined;
}

/** Puts the members of a GeometryCollection on the walk, in order, unless nested too deep or met before. */
function followCollection(g: Record<string, unknown>, at: string, depth: number, walk: Walk): void {
  if (depth >= MAX_COLLECTION_DEPTH) {
    walk.f.fail('too_deep', at, RULE_A, `GeometryCollections nested more than ${MAX_COLLECTION_DEPTH} deep are not followed (RFC 7946 section 3.1.8 advises against nesting them at all)`);
    return;
  }
  const gpath = pointer(at, 'geometries');
  const members = member(g, 'geometries');
  if (!Array.isArray(members)) {
    walk.f.fail('geometries', gpath, RULE_A, `a GeometryCollection has a geometries array, not ${show(members)}`);
    return;
  }
  if (walk.seen.has(members)) return;
  walk.seen.add(members);
  for (let i = members.length - 1; i >= 0; i--) walk.stack.push({ g: members[i], path: pointer(gpath, i), depth: depth + 1 });
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
function checkPosition(value: unknown, parent: string, index: number | undefined, f: Findings): Point | undefined {
  if (isSoundPosition(value)) return value;
  const path = index === undefined ? parent : pointer(parent, index);
  const read = readPosition(value);
  if (!read.array) {
    f.fail('position', path, RULE_A, `a position is an array of numbers [longitude, latitude] or [longitude, latitude, height], not ${show(value)}`);
    return undefined;
  }
  const items = value as unknown[];
  for (const i of read.notNumbers) f.fail('coordinate_type', pointer(path, i), RULE_B, `coordinates are integers or floats, not ${show(items[i])}`);
  if (read.length < 2) {
    f.fail('position', path, RULE_A, `a position has a longitude and a latitude; this one has ${read.length} number(s)`);
    return undefined;
  }
  if (read.length > 3) {
    f.warn('position_length', path, RULE_A, `a position has 2 or 3 numbers (longitude, latitude, height); RFC 7946 section 3.1.1 advises against ${read.length}`);
  }
  if (read.notNumbers.length > 0) return undefined;
  if (read.longitudeOutOfRange) f.fail('longitude', pointer(path, 0), RULE_A, `longitude ${String(items[0])} is outside [-180, 180] (WGS 84 degrees)`);
  if (read.latitudeOutOfRange) f.fail('latitude', pointer(path, 1), RULE_A, `latitude ${String(items[1])} is outside [-90, 90] (WGS 84 degrees)`);
  return read.longitudeOutOfRange || read.latitudeOutOfRange ? undefined : (items as Point);
}

function readPositions(value: unknown, path: string, what: string, f: Findings): Point[] | undefined {
  if (!Array.isArray(value)) {
    f.fail('coordinates', path, RULE_A, `${what} is an array of positions, not ${show(value)}`);
    return undefined;
  }
  let ok = true;
  for (let i = 0; i < value.length; i++) {
    if (checkPosition(value[i], path, i, f) === undefined) ok = false;
  }
  // Every item is a checked position: the array itself serves, without a copy.
  return ok ? (value as Point[]) : undefined;
}

function readLine(value: unknown, path: string, f: Findings): void {
  const points = readPositions(value, path, 'a LineString', f);
  if (!points) return;
  if (points.length < MIN_LINE_POSITIONS) {
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
  for (let i = 0; i < value.length; i++) {
    const ring = readRing(value[i], pointer(path, i), f);
    if (ring) rings.push(ring);
  }
  return rings.length === value.length ? { rings, path } : undefined;
}

function readRing(value: unknown, path: string, f: Findings): Ring | undefined {
  const points = readPositions(value, path, 'a linear ring', f);
  if (!points) return undefined;
  if (points.length < MIN_RING_POSITIONS) {
    f.fail('ring_too_short', path, RULE_A, `a linear ring has four positions or more (RFC 7946 section 3.1.6); this one has ${points.length}`);
    return undefined;
  }
  if (!samePlace(points[0], points[points.length - 1])) {
    f.fail('ring_open', path, RULE_A, 'a linear ring is closed: its last position repeats its first (RFC 7946 section 3.1.6)');
    return undefined;
  }
  const unique = distinct(points);
  if (unique.length < 4) {
    f.fail('ring_degenerate', path, RULE_A, 'the linear ring encloses no area: it has fewer than three distinct corners (invalid geometry: too few points)');
    return undefined;
  }
  return { points: unique, path };
}

/** The points without consecutive repeats (the closing point stays); the same array when none repeats. */
function distinct(points: readonly Point[]): readonly Point[] {
  let repeats = false;
  for (let i = 1; i < points.length && !repeats; i++) {
    repeats = samePlace(points[i - 1], points[i]);
  }
  if (!repeats) return points;
  const out: Point[] = [];
  for (const p of points) {
    const prev = out.at(-1);
    if (prev === undefined || !samePlace(prev, p)) out.push(p);
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

interface GroupRing {
  ring: Ring;
  /** Index of its Polygon within the group. */
  polygon: number;
  hole: boolean;
}

type Budget = { left: number };

function checkValidity(group: Polygon[], f: Findings, budget: Budget): void {
  if (isSmallSimpleShape(group)) return;
  const rings: GroupRing[] = [];
  group.forEach((polygon, p) => { polygon.rings.forEach((ring, k) => rings.push({ ring, polygon: p, hole: k > 0 })); });
  if (reportContacts(rings, f, budget) === 'stop') return;
  // No boundaries cross: containment decides the rest.
  group.forEach((polygon) => { checkHoles(polygon, f, budget); });
  checkNestedShells(group, f, budget);
}

/** Most records give one box or a few-cornered outline: those are settled without the general sweep. */
function isSmallSimpleShape(group: Polygon[]): boolean {
  const only = group.length === 1 ? group[0] : undefined;
  return only?.rings.length === 1 && (only.rings[0]?.points.length ?? 0) <= 16 && smallRingIsSimple(only.rings[0]?.points ?? []);
}

/** The edges of every ring, sorted by their west end for the sweep. */
function segmentsOf(rings: GroupRing[]): Segment[] {
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
  return segments.sort((s, t) => s.minX - t.minX);
}

/** What is wrong when two edges meet, or undefined when their meeting is allowed. */
function contactProblem(s: Segment, t: Segment, how: Contact, rings: GroupRing[]): string | undefined {
  const sameRing = s.ring === t.ring;
  if (sameRing && adjacent(s, t)) {
    return how === 'overlap' ? 'the ring turns back on itself (a spike: two consecutive edges overlap)' : undefined;
  }
  if (sameRing) return 'the ring crosses or touches itself (self-intersection)';
  if (how !== 'cross' && how !== 'overlap') return undefined;
  if (rings[s.ring].polygon !== rings[t.ring].polygon) return 'two polygons of the MultiPolygon overlap (their boundaries cross)';
  return 'a hole crosses its shell or another hole (self-intersection)';
}

/**
 * Sweeps the edges from west to east and reports each ring whose boundary crosses, touches or
 * doubles back where it may not, once per problem. 'stop' when something was found or the
 * budget ran out during the sweep: containment is then not judged.
 */
function reportContacts(rings: GroupRing[], f: Findings, budget: Budget): 'stop' | 'go on' {
  const segments = segmentsOf(rings);
  const reported = new Set<string>();
  let broken = false;
  for (let i = 0; i < segments.length && budget.left > 0; i++) {
    const s = segments[i];
    for (let j = i + 1; j < segments.length; j++) {
      const t = segments[j];
      if (t.minX > s.maxX) break;
      if (--budget.left <= 0) return 'stop';
      if (t.minY > s.maxY || t.maxY < s.minY) continue;
      const how = contact(s, t);
      if (how === 'none') continue;
      const problem = contactProblem(s, t, how, rings);
      if (problem === undefined) continue;
      const ringPath = rings[s.ring].ring.path;
      const key = `${ringPath}|${problem}`;
      broken = true;
      if (reported.has(key)) continue;
      reported.add(key);
      f.fail('invalid', ringPath, RULE_A, `invalid geometry: ${problem}, near [${t.a[0]}, ${t.a[1]}]`);
    }
  }
  return broken ? 'stop' : 'go on';
}

/** Each hole lies inside its shell and outside the other holes. */
function checkHoles(polygon: Polygon, f: Findings, budget: Budget): void {
  const shell = polygon.rings.at(0);
  if (shell === undefined) return;
  const holes = polygon.rings.slice(1);
  holes.forEach((hole, h) => {
    if (ringInside(hole.points, shell.points, budget) < 0) {
      f.fail('invalid', hole.path, RULE_A, 'invalid geometry: the hole lies outside its shell');
    }
    holes.forEach((other, o) => {
      if (o === h) return;
      if (ringInside(hole.points, other.points, budget) > 0) {
        f.fail('invalid', hole.path, RULE_A, 'invalid geometry: a hole lies inside another hole (nested holes)');
      }
    });
  });
}

/** No polygon of a MultiPolygon lies inside another one, unless in one of its holes. */
function checkNestedShells(group: Polygon[], f: Findings, budget: Budget): void {
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
