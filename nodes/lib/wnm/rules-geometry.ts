/**
 * /req/core/geometry and its abstract test: one geometry, Point, Polygon or null, coordinates
 * numbers, longitude in [-180, 180], latitude in [-90, 90], a valid GeoJSON geometry (RFC 7946).
 */
import { MIN_RING_POSITIONS, isSoundPosition, readPosition, samePosition } from '../core/geo';
import type { Findings as Issues } from '../core/report';
import { shown } from './suite-report';

function positionPath(base: string, index: number): string {
  return index < 0 ? base : `${base}/${index}`;
}

/**
 * Longitude, latitude and the height that /per/core/geometry permits. RFC 7946 §3.1.1 discourages
 * more elements and WNM gives them no meaning, so a fourth one fails: the coordinates must be
 * WGS 84 longitude/latitude (6A). The path of the position is `base`, or `base/index` when an
 * index is given; it is only spelt out when there is something to report.
 */
function checkPosition(position: unknown, base: string, index: number, issues: Issues): void {
  if (isSoundPosition(position)) return;
  const read = readPosition(position);
  if (!read.array) {
    issues.add(positionPath(base, index), 'must be a position: an array [longitude, latitude] or [longitude, latitude, height]');
    return;
  }
  if (read.length < 2) {
    issues.add(positionPath(base, index), `has ${read.length} coordinate(s); a position needs longitude and latitude`);
  } else if (read.length > 3) {
    issues.add(positionPath(base, index), `has ${read.length} coordinates; only longitude, latitude and an optional height are allowed (/req/core/geometry A, /per/core/geometry)`);
  }
  const coords = position as unknown[];
  for (let i = 0; i < read.length && i < 3; i++) {
    if (read.notNumbers.includes(i)) {
      issues.add(`${positionPath(base, index)}/${i}`, 'must be a number (integer or decimal degrees)');
    } else if (i === 0 && read.longitudeOutOfRange) {
      issues.add(`${positionPath(base, index)}/${i}`, `longitude ${String(coords[0])} is outside [-180, 180]`);
    } else if (i === 1 && read.latitudeOutOfRange) {
      issues.add(`${positionPath(base, index)}/${i}`, `latitude ${String(coords[1])} is outside [-90, 90]`);
    }
  }
}

function checkRing(ring: unknown, path: string, issues: Issues): void {
  if (!Array.isArray(ring)) {
    issues.add(path, 'must be a linear ring: an array of positions');
    return;
  }
  const positions = ring as unknown[];
  if (positions.length < MIN_RING_POSITIONS) {
    issues.add(path, `has ${positions.length} position(s); a linear ring needs at least 4 (RFC 7946 §3.1.6)`);
  }
  for (let i = 0; i < positions.length; i++) checkPosition(positions[i], path, i, issues);
  if (positions.length >= 2 && !samePosition(positions[0], positions[positions.length - 1])) {
    issues.add(`${path}/${positions.length - 1}`, 'does not close the ring: the last position must equal the first (RFC 7946 §3.1.6)');
  }
}

/** Returns the kind of geometry found, for the PASSED message. */
export function checkMessageGeometry(message: Record<string, unknown>, issues: Issues): string {
  const geometry = message.geometry;
  if (geometry === undefined) {
    issues.add('/geometry', 'is required (null when no location can be derived)');
    return 'missing';
  }
  if (geometry === null) return 'null';
  if (typeof geometry !== 'object' || Array.isArray(geometry)) {
    issues.add('/geometry', 'must be a GeoJSON geometry object or null');
    return 'invalid';
  }
  const g = geometry as Record<string, unknown>;
  const type = g.type;
  if (type !== 'Point' && type !== 'Polygon') {
    issues.add('/geometry/type', `${shown(type)} is not allowed: only Point, Polygon or null (/req/core/geometry B)`);
    return 'invalid';
  }
  const coordinates = g.coordinates;
  if (coordinates === undefined) {
    issues.add('/geometry/coordinates', 'is required');
    return type;
  }
  if (type === 'Point') {
    checkPosition(coordinates, '/geometry/coordinates', -1, issues);
    return type;
  }
  if (!Array.isArray(coordinates)) {
    issues.add('/geometry/coordinates', 'must be an array of linear rings');
    return type;
  }
  const rings = coordinates as unknown[];
  if (rings.length === 0) {
    issues.add('/geometry/coordinates', 'has no ring: a Polygon needs an exterior ring (use a null geometry when no location can be derived)');
  }
  for (let i = 0; i < rings.length; i++) checkRing(rings[i], `/geometry/coordinates/${i}`, issues);
  return type;
}
