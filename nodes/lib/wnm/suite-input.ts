/**
 * Turns whatever a caller hands to the WNM test suite into a value to check and a byte count,
 * without ever throwing and without recursing over the input.
 */
import { isUtf8 } from 'node:buffer';
import { jsonNumberBytes, jsonStringBytes } from '../core/json';

/**
 * Objects handed over directly are walked to this depth at most. Nothing in a WNM nests deeper
 * than 8 levels; additional members get generous room, and the limit stays far from what
 * exhausts the call stack when JSON.stringify has to step in (values with toJSON).
 */
export const MAX_DEPTH = 512;
/** Bounds the walk over objects handed over directly, whose members may be shared or cyclic. */
export const MAX_VALUES = 1 << 20;
/** A WNM is at most 8192 bytes; far larger payloads are measured but not parsed. */
export const MAX_PARSE_BYTES = 1 << 20;

export type SizeBasis = 'bytes' | 'string' | 'object';

export interface DecodedInput {
  /** The value to check: parsed JSON, or the object given. Only meaningful when `problem` is absent. */
  value: unknown;
  /** Size in bytes, when it could be measured. */
  size: number | undefined;
  /** A lower bound of the size, when only that is known. */
  minSize?: number;
  basis: SizeBasis;
  /** Why the input cannot be checked as a JSON value. */
  problem?: string;
  /** Why the size could not be measured (set only when `size` is undefined). */
  sizeProblem?: string;
}

export type JsonSize =
  | { readonly kind: 'size'; readonly bytes: number }
  | { readonly kind: 'deep' | 'large' | 'none' }
  /** Some value defines its own JSON form (toJSON, boxed primitives): only JSON.stringify knows. */
  | { readonly kind: 'custom' };

const DEEP: JsonSize = { kind: 'deep' };
const LARGE: JsonSize = { kind: 'large' };
const NONE: JsonSize = { kind: 'none' };
const CUSTOM: JsonSize = { kind: 'custom' };

/** Bytes of a primitive in JSON; -1 when JSON.stringify omits it (or throws, for bigint). */
function primitiveBytes(value: unknown): number {
  switch (typeof value) {
    case 'string':
      return jsonStringBytes(value);
    case 'number':
      return jsonNumberBytes(value);
    case 'boolean':
      return value ? 4 : 5;
    case 'bigint':
      return -2;
    default:
      return value === null ? 4 : -1;
  }
}

/**
 * Member names repeat from one message to the next: their JSON size is looked up rather than
 * scanned again. Bounded, since hostile messages may bring any number of new names.
 */
const KEY_BYTES = new Map<string, number>();
const MAX_KEYS_KEPT = 4096;

function keyBytes(key: string): number {
  let bytes = KEY_BYTES.get(key);
  if (bytes === undefined) {
    bytes = jsonStringBytes(key);
    if (KEY_BYTES.size < MAX_KEYS_KEPT && key.length <= 64) KEY_BYTES.set(key, bytes);
  }
  return bytes;
}

function isPlainContainer(node: object): boolean {
  const proto: unknown = Object.getPrototypeOf(node);
  if (proto !== Object.prototype && proto !== Array.prototype && proto !== null) return false;
  return typeof (node as { toJSON?: unknown }).toJSON !== 'function';
}

/**
 * The byte length of `JSON.stringify(root)` in UTF-8, computed iteratively: it stops at the first
 * container deeper than `maxDepth` or after `maxValues` values, so that a cycle, a huge shared
 * graph or 10^5 levels of nesting cost little. Follows JSON.stringify's rules: own enumerable
 * string keys, members whose value has no JSON form left out, `null` for them in arrays.
 */
export function measureJson(root: unknown, maxDepth = MAX_DEPTH, maxValues = MAX_VALUES): JsonSize {
  if (typeof root !== 'object' || root === null) {
    const bytes = primitiveBytes(root);
    return bytes === -2 ? CUSTOM : bytes < 0 ? NONE : { kind: 'size', bytes };
  }
  const pending: object[] = [root];
  const depths: number[] = [1];
  let total = 0;
  let seen = 1;
  // Once a value with its own JSON form turns up, the count is moot but the walk goes on: the
  // depth and size limits must hold before JSON.stringify is let loose on the input.
  let custom = false;
  while (pending.length > 0) {
    const node = pending.pop() as object;
    const depth = depths.pop() as number;
    if (depth > maxDepth) return DEEP;
    if (!custom && !isPlainContainer(node)) custom = true;
    if (Array.isArray(node)) {
      const items = node as unknown[];
      const n = items.length;
      seen += n;
      if (seen > maxValues) return LARGE;
      total += n > 0 ? n + 1 : 2; // brackets and commas
      for (let i = 0; i < n; i++) {
        const child = items[i];
        if (typeof child === 'object' && child !== null) {
          pending.push(child);
          depths.push(depth + 1);
        } else {
          const bytes = primitiveBytes(child);
          if (bytes === -2) custom = true;
          total += bytes < 0 ? 4 : bytes;
        }
      }
    } else {
      const record = node as Record<string, unknown>;
      const keys = Object.keys(record);
      seen += keys.length;
      if (seen > maxValues) return LARGE;
      let members = 0;
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i];
        const child = record[key];
        if (typeof child === 'object' && child !== null) {
          pending.push(child);
          depths.push(depth + 1);
        } else {
          const bytes = primitiveBytes(child);
          if (bytes === -2) custom = true;
          if (bytes < 0) continue;
          total += bytes;
        }
        total += keyBytes(key) + 1;
        members++;
      }
      total += members > 0 ? members + 1 : 2; // braces and commas
    }
  }
  return custom ? CUSTOM : { kind: 'size', bytes: total };
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  try {
    return String(err);
  } catch {
    return 'unknown error';
  }
}

function parseText(text: string, size: number, basis: SizeBasis): DecodedInput {
  if (size > MAX_PARSE_BYTES) {
    return { value: undefined, size, basis, problem: `is ${size} bytes long; payloads over ${MAX_PARSE_BYTES} bytes are not parsed` };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const bom = text.charCodeAt(0) === 0xfeff ? ' (it starts with a byte order mark, which JSON sent over a network must not carry, RFC 8259 §8.1)' : '';
    return { value: undefined, size, basis, problem: `is not JSON: ${describe(err)}${bom}` };
  }
  // No depth check here, on purpose: V8's JSON.parse does not recurse, parsed JSON is a tree (no
  // cycles, no sharing) no larger than the text, and neither Ajv nor the rules descend further
  // than the fixed depth of the members the schema describes. Only objects handed over directly
  // need the walk, to be measured without JSON.stringify recursing over them.
  return { value, size, basis };
}

function bytesOf(input: unknown): Uint8Array | undefined {
  if (input instanceof Uint8Array) return input;
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  return undefined;
}

/** Never throws. */
export function decodeInput(input: unknown): DecodedInput {
  try {
    if (typeof input === 'string') {
      return parseText(input, Buffer.byteLength(input, 'utf8'), 'string');
    }
    const bytes = bytesOf(input);
    if (bytes) {
      const size = bytes.byteLength;
      if (size > MAX_PARSE_BYTES) {
        return { value: undefined, size, basis: 'bytes', problem: `is ${size} bytes long; payloads over ${MAX_PARSE_BYTES} bytes are not parsed` };
      }
      if (!isUtf8(bytes)) return { value: undefined, size, basis: 'bytes', problem: 'is not valid UTF-8 (JSON must be UTF-8, RFC 8259 §8.1)' };
      const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      return parseText(buffer.toString('utf8'), size, 'bytes');
    }
    return decodeValue(input);
  } catch (err) {
    const why = `could not be read: ${describe(err)}`;
    return { value: undefined, size: undefined, basis: 'object', problem: why, sizeProblem: why };
  }
}

/**
 * JSON.stringify's declared return type is string, but it yields undefined for functions, symbols
 * and undefined itself, which is what needs telling apart here.
 */
const stringify: (value: unknown) => string | undefined = JSON.stringify;

function noJsonForm(why: string): DecodedInput {
  return { value: undefined, size: undefined, basis: 'object', problem: why, sizeProblem: why };
}

function decodeValue(input: unknown): DecodedInput {
  const measured = measureJson(input);
  switch (measured.kind) {
    case 'size':
      return { value: input, size: measured.bytes, basis: 'object' };
    case 'none':
      return noJsonForm(`has no JSON form (a ${typeof input})`);
    case 'deep':
      return noJsonForm(`is an object nested deeper than ${MAX_DEPTH} levels (or cyclic); refused without further checks`);
    case 'large':
      // Every JSON value takes at least one byte, so the count bounds the size.
      return {
        value: undefined,
        size: undefined,
        minSize: MAX_VALUES,
        basis: 'object',
        problem: `is an object holding more than ${MAX_VALUES} values; refused without further checks`,
      };
    case 'custom':
      break;
  }
  // Within the depth limit (the walk above checked it), JSON.stringify may run; toJSON methods
  // can still build anything, hence the try.
  let json: string | undefined;
  try {
    json = stringify(input);
  } catch (err) {
    return noJsonForm(`has no JSON form: ${describe(err)}`);
  }
  if (json === undefined) return noJsonForm(`has no JSON form (a ${typeof input})`);
  // What such a value sends is its JSON form, not itself (a Date sends a string, a class
  // instance its own members only): that form is what gets checked.
  return { value: JSON.parse(json), size: Buffer.byteLength(json, 'utf8'), basis: 'object' };
}
