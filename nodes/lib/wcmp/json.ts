/**
 * Reading untrusted input: decoding and safe member access, so that no rule ever throws on a
 * missing or wrongly typed member.
 */
import { isRecord } from '../core/json';

export type JsonObject = Record<string, unknown>;

/**
 * The member names the suite and the KPIs read. None is a name Object.prototype answers to
 * (a unit test checks it), so for a value from JSON.parse a plain property read is an own read:
 * a record member named "__proto__" or "constructor" stays data and is never looked up.
 */
export const MEMBER_NAMES = [
  'additionalExtents', 'addresses', 'channel', 'concepts', 'conformsTo', 'contactInstructions', 'contacts',
  'coordinates', 'country', 'created', 'date', 'description', 'emails', 'externalIds', 'geometries', 'geometry',
  'href', 'id', 'interval', 'links', 'name', 'organization', 'properties', 'rel', 'resolution', 'roles', 'scheme',
  'security', 'temporal', 'themes', 'time', 'timestamp', 'title', 'type', 'updated', 'url', 'value', 'wmo:dataPolicy',
] as const;

export type MemberName = (typeof MEMBER_NAMES)[number];

export function member(value: unknown, key: MemberName): unknown {
  return isRecord(value) ? value[key] : undefined;
}

export function has(value: unknown, key: MemberName): boolean {
  return isRecord(value) && value[key] !== undefined;
}

export function stringMember(value: unknown, key: MemberName): string | undefined {
  const v = member(value, key);
  return typeof v === 'string' ? v : undefined;
}

export function arrayMember(value: unknown, key: MemberName): unknown[] | undefined {
  const v = member(value, key);
  return Array.isArray(v) ? v : undefined;
}

/** A short, printable account of a value for messages, never the whole value. */
export function show(value: unknown, max = 160): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') {
    const cut = value.length > max ? value.slice(0, max) + '…' : value;
    return JSON.stringify(cut);
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/** The JSON type name, as JSON Schema names types. */
export function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

export type Decoded =
  | { ok: true; value: unknown; text: string | undefined }
  | { ok: false; message: string };

/** Accepts a parsed value, a JSON string or its UTF-8 bytes (Buffer, Uint8Array, ArrayBuffer). */
export function decode(input: unknown): Decoded {
  let text: string | undefined;
  if (typeof input === 'string') text = input;
  else if (input instanceof Uint8Array) text = Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('utf8');
  else if (input instanceof ArrayBuffer) text = Buffer.from(input).toString('utf8');
  else return { ok: true, value: input, text: undefined };
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    return { ok: true, value: JSON.parse(text) as unknown, text };
  } catch (err) {
    return { ok: false, message: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * Keys written more than once directly inside the top-level `properties` object of a JSON text.
 * JSON.parse keeps the last duplicate silently, which would hide a second `created`
 * (/req/core/record_creation_date B). The text is known to be valid JSON.
 */
export function duplicateRecordPropertyKeys(text: string): string[] {
  const first = text.indexOf('"created"');
  if (first < 0 || text.indexOf('"created"', first + 1) < 0) return [];
  // Container stack: 'o' object expecting a key, 'v' object expecting a value, 'a' array.
  const stack: string[] = [];
  let inTarget = -1;
  let pendingKey: string | undefined;
  const seen = new Set<string>();
  const dups = new Set<string>();
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      let j = i + 1;
      let escaped = false;
      while (j < n) {
        const d = text.charCodeAt(j);
        if (d === 0x5c) {
          escaped = true;
          j += 2;
          continue;
        }
        if (d === 0x22) break;
        j++;
      }
      const top = stack[stack.length - 1];
      if (top === 'o') {
        const raw = text.slice(i + 1, j);
        let key = raw;
        if (escaped) {
          try {
            key = JSON.parse(`"${raw}"`) as string;
          } catch {
            key = raw;
          }
        }
        pendingKey = key;
        if (stack.length - 1 === inTarget) {
          if (seen.has(key)) dups.add(key);
          seen.add(key);
        }
        stack[stack.length - 1] = 'v';
      }
      i = j + 1;
      continue;
    }
    if (c === 0x7b) {
      const enteringTarget = stack.length === 1 && pendingKey === 'properties';
      stack.push('o');
      if (enteringTarget && inTarget < 0) inTarget = stack.length - 1;
      pendingKey = undefined;
    } else if (c === 0x5b) {
      stack.push('a');
      pendingKey = undefined;
    } else if (c === 0x7d || c === 0x5d) {
      if (stack.length - 1 === inTarget) return [...dups];
      stack.pop();
    } else if (c === 0x2c) {
      if (stack[stack.length - 1] === 'v') stack[stack.length - 1] = 'o';
    }
    i++;
  }
  return [...dups];
}
