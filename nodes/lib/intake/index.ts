/**
 * Safe JSON intake: everything that arrives from a broker or from another node passes here
 * before any recursive code (lodash cloneDeep in Node-RED, JSON.stringify, schema validators)
 * sees it. V8's JSON.parse survives a million levels of nesting, but the code after it does not,
 * and `Object.assign` on a parsed `"__proto__"` member replaces the target's prototype.
 *
 * What counts as a JSON value here (the only shapes `inspectValue` lets through):
 * - `null`, booleans, finite numbers (so not NaN or ±Infinity) and strings;
 * - arrays without holes;
 * - plain objects: a null prototype, or a prototype that is itself a root prototype, so objects
 *   built in another realm (Node-RED Function nodes run in a `vm` context) are plain too.
 * Everything else is refused rather than silently changed the way JSON.stringify would change
 * it: `undefined` (even as an object member), functions, symbols and bigints are
 * `intake.not_json_value`; Buffers, typed arrays, Dates, Maps, boxed primitives, class
 * instances and accessor properties are `intake.unsupported_type`; a value that contains itself
 * is `intake.cycle`. Symbol-keyed and non-enumerable members are ignored, as JSON.stringify
 * ignores them.
 */
import { Wis2Error, pointer } from '../core/errors';
import { jsonNumberBytes, jsonStringBytes } from '../core/json';

export interface IntakeLimits {
  /** Largest accepted input in bytes: UTF-8 bytes of the text, or of the compact JSON of an object. */
  maxBytes: number;
  /** Deepest accepted nesting of arrays and objects; the outermost container is level 1. */
  maxDepth: number;
}

/** CloudEvents only guarantees 64 KiB; four times that leaves room without inviting abuse. */
export const DEFAULT_LIMITS: IntakeLimits = { maxBytes: 256 * 1024, maxDepth: 64 };

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** A key of FORBIDDEN_KEYS; the length is looked at first, since they are 9 or 11 characters long. */
function isForbiddenKey(key: string): boolean {
  return (key.length === 9 || key.length === 11) && FORBIDDEN_KEYS.has(key);
}

/** Merges caller limits over the defaults, refusing values that would disable a check. */
export function resolveLimits(limits?: Partial<IntakeLimits>): IntakeLimits {
  const out: IntakeLimits = { ...DEFAULT_LIMITS };
  if (limits === undefined) return out;
  for (const name of ['maxBytes', 'maxDepth'] as const) {
    const value = limits[name];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new Wis2Error('config', 'config.invalid_limit', `intake limit ${name} must be a positive integer, got ${String(value)}`);
    }
    out[name] = value;
  }
  return out;
}

function isUint8Array(value: unknown): value is Uint8Array {
  // The tag check also recognises Buffers and Uint8Arrays made in another realm.
  return value instanceof Uint8Array || Object.prototype.toString.call(value) === '[object Uint8Array]';
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === null || Object.getPrototypeOf(proto) === null;
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  const tag = Object.prototype.toString.call(value).slice(8, -1);
  const proto: unknown = Object.getPrototypeOf(value);
  const ctor = proto !== null && typeof proto === 'object' ? (proto as { constructor?: unknown }).constructor : undefined;
  const name = typeof ctor === 'function' && ctor.name !== '' ? ctor.name : tag;
  return name === 'Object' ? 'object' : `${name} instance`;
}

/**
 * One decoder for every payload: decoding without `stream` keeps no state between calls, and a
 * decoder per message cost more than the JSON it decoded.
 */
export const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Decodes an MQTT payload (bytes or text) or checks an already-parsed value, and returns the
 * JSON value. A string is always JSON text to parse, never a parsed string value. Bytes must be
 * UTF-8 without a byte order mark (RFC 8259). `path` is the JSON Pointer of the input inside
 * whatever carries it, prefixed to every error path.
 */
export function decodeJson(input: unknown, limits?: Partial<IntakeLimits>, path = '', duplicates?: string[]): unknown {
  const lim = resolveLimits(limits);
  let text: string;
  if (typeof input === 'string') {
    // A UTF-16 code unit never takes fewer UTF-8 bytes than one, so the length alone can refuse early.
    if (input.length > lim.maxBytes) throw tooLarge(`at least ${input.length} bytes`, lim, path);
    const bytes = Buffer.byteLength(input, 'utf8');
    if (bytes > lim.maxBytes) throw tooLarge(`${bytes} bytes`, lim, path);
    text = input;
  } else if (isUint8Array(input)) {
    if (input.byteLength > lim.maxBytes) throw tooLarge(`${input.byteLength} bytes`, lim, path);
    try {
      // ignoreBOM keeps a leading BOM in the text so that it is refused below, as it is for strings.
      text = STRICT_UTF8.decode(input);
    } catch {
      throw new Wis2Error('intake', 'intake.invalid_utf8', `${where(path)} is not valid UTF-8 (${invalidUtf8Offset(input)})`, path);
    }
  } else {
    inspectValue(input, lim, path);
    return input;
  }
  if (text.charCodeAt(0) === 0xfeff) {
    throw new Wis2Error('intake', 'intake.byte_order_mark', `${where(path)} starts with a byte order mark, which JSON text must not carry`, path);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const reason = printable(err instanceof Error ? err.message : String(err), 200);
    throw new Wis2Error('intake', 'intake.invalid_json', `${where(path)} is not JSON: ${reason}`, path);
  }
  const tally = tallyParsed(value, lim.maxDepth, duplicates !== undefined);
  // the walk that says what is wrong runs only when something is
  const members = tally ? tally.members : inspectParsed(value, lim.maxDepth, path);
  // a member name repeated in one object leaves fewer members than the text writes: only then
  // is the text walked again to say which
  if (duplicates && mayRepeatMembers(text, tally) && membersWritten(text) !== members) duplicates.push(...duplicateMembers(text, path));
  return value;
}

/** Deeper limits than this are walked without recursion. */
const RECURSIVE_DEPTH = 256;

/** What a parsed value holds: its object members, and its names and strings that start with a colon. */
interface Tally {
  members: number;
  colonFirst: number;
  /** whether strings are looked at: only repeated members need them */
  counting: boolean;
}

const COLON = 0x3a;

/**
 * The depth and key checks of `inspectParsed`, done by recursion without building frames, and
 * the tally `mayRepeatMembers` needs (its strings only when `counting`); undefined when a check
 * fails (or the limit is too deep to recurse), for `inspectParsed` to say what is wrong.
 */
function tallyParsed(value: unknown, maxDepth: number, counting: boolean): Tally | undefined {
  const tally: Tally = { members: 0, colonFirst: 0, counting };
  if (typeof value === 'string') {
    if (counting && value.charCodeAt(0) === COLON) tally.colonFirst++;
  } else if (value !== null && typeof value === 'object') {
    if (maxDepth > RECURSIVE_DEPTH || !tallyContainer(value, 1, maxDepth, tally)) return undefined;
  }
  return tally;
}

function tallyChild(child: unknown, depth: number, maxDepth: number, tally: Tally): boolean {
  if (typeof child === 'string') {
    if (tally.counting && child.charCodeAt(0) === COLON) tally.colonFirst++;
  } else if (child !== null && typeof child === 'object') return depth < maxDepth && tallyContainer(child, depth + 1, maxDepth, tally);
  return true;
}

function tallyContainer(value: object, depth: number, maxDepth: number, tally: Tally): boolean {
  if (Array.isArray(value)) {
    const arr = value as unknown[];
    for (let i = 0; i < arr.length; i++) if (!tallyChild(arr[i], depth, maxDepth, tally)) return false;
    return true;
  }
  const record = value as Record<string, unknown>;
  // for-in reads a member through V8's enum cache, with no array of keys per object: cheaper
  // than Object.keys here (WIS2_BENCH_ONLY=instructions tells). JSON.parse builds plain objects,
  // whose prototype has no enumerable member; one put there by someone else is counted too,
  // which mostly makes the tally disagree with the text and sends the value to the exact checks.
  for (const key in record) {
    tally.members++;
    if (isForbiddenKey(key)) return false;
    if (tally.counting && key.charCodeAt(0) === COLON) tally.colonFirst++;
    if (!tallyChild(record[key], depth, maxDepth, tally)) return false;
  }
  return true;
}

/**
 * Whether valid JSON text may write more members than its parsed value has; when it says no,
 * none was repeated. Every member name the text writes is a string followed by its colon, right
 * after its closing quote unless whitespace comes between. So when no colon of the text follows
 * whitespace, the colons that follow a quote are at least the members written plus the strings
 * written that start with a colon (more only where an escaped quote precedes a colon). Without
 * a `\u` escape, which could write a colon as something else, every string that starts with a
 * colon in the parsed value starts with one in the text too. So when those colons are the
 * value's members plus its strings that start with a colon, the text writes no more members
 * than the value has: no name was repeated. One look at each colon of the text, and none inside
 * each string, which asking every string for its colons took.
 */
function mayRepeatMembers(text: string, tally: Tally | undefined): boolean {
  if (tally === undefined || text.includes('\\u')) return true;
  let afterQuote = 0;
  for (let i = text.indexOf(':'); i !== -1; i = text.indexOf(':', i + 1)) {
    const before = text.charCodeAt(i - 1);
    if (before === 0x22) afterQuote++;
    else if (before === 0x20 || before === 0x0a || before === 0x0d || before === 0x09) return true;
  }
  // a member someone put on Object.prototype adds to the tally's members once per object; the
  // counts then differ, unless it makes up for as many repeated names exactly
  return afterQuote !== tally.members + tally.colonFirst;
}

/** Index of the quote that closes the JSON string opening at `open`. */
function closingQuote(text: string, open: number): number {
  let j = text.indexOf('"', open + 1);
  for (;;) {
    let k = j - 1;
    while (text.charCodeAt(k) === 0x5c) k--;
    if ((j - 1 - k) % 2 === 0) return j;
    j = text.indexOf('"', j + 1);
  }
}

/** How many members valid JSON text writes: the colons outside its strings. */
function membersWritten(text: string): number {
  let count = 0;
  let i = 0;
  for (;;) {
    const q = text.indexOf('"', i);
    const end = q < 0 ? text.length : q;
    for (let k = i; k < end; k++) if (text.charCodeAt(k) === COLON) count++;
    if (q < 0) return count;
    i = closingQuote(text, q) + 1;
  }
}

/**
 * The members of JSON text that repeat a name already used in the same object (RFC 8259 says
 * names SHOULD be unique): JSON.parse keeps the last one without a word, so a caller can say
 * which were overridden. `text` is valid JSON (it has been parsed); at most `limit` are listed.
 */
export function duplicateMembers(text: string, base = '', limit = 10): string[] {
  const out: string[] = [];
  // one frame per open container; paths are built only for a duplicate, by walking up
  interface Frame {
    names: Set<string> | undefined;
    expectName: boolean;
    name: string;
    index: number;
    parent: Frame | undefined;
  }
  const pathOf = (frame: Frame | undefined, last: string): string => {
    const tokens: (string | number)[] = [last];
    for (let f = frame?.parent, child = frame; f && child; child = f, f = f.parent) tokens.unshift(f.names ? f.name : f.index);
    return pointer(base, ...tokens);
  };
  let top: Frame | undefined;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      const j = closingQuote(text, i);
      if (top?.names && top.expectName) {
        const raw = text.slice(i + 1, j);
        const name = raw.includes('\\') ? (JSON.parse(text.slice(i, j + 1)) as string) : raw;
        if (top.names.has(name)) {
          out.push(pathOf(top, name));
          if (out.length >= limit) return out;
        } else {
          top.names.add(name);
        }
        top.name = name;
        top.expectName = false;
      }
      i = j + 1;
      continue;
    }
    if (c === 0x7b) top = { names: new Set(), expectName: true, name: '', index: 0, parent: top };
    else if (c === 0x5b) top = { names: undefined, expectName: false, name: '', index: 0, parent: top };
    else if (c === 0x7d || c === 0x5d) top = top?.parent;
    else if (c === 0x2c && top) {
      if (top.names) top.expectName = true;
      else top.index++;
    }
    i++;
  }
  return out;
}

/**
 * Makes input text safe to put in a human message that ends up in logs: control characters,
 * line separators and unpaired surrogates become `\uXXXX`, and long text is cut, since a
 * hostile key or attribute may be a hundred kilobytes of newlines.
 */
export function printable(text: string, max = 120): string {
  let out = '';
  let i = 0;
  for (; i < text.length && out.length < max; i++) {
    const c = text.charCodeAt(i);
    const paired = c >= 0xd800 && c <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
    if (paired) {
      out += text.slice(i, i + 2);
      i++;
    } else if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029 || (c >= 0xd800 && c <= 0xdfff)) {
      out += '\\u' + c.toString(16).padStart(4, '0');
    } else {
      out += text[i];
    }
  }
  return i < text.length ? out + '…' : out;
}

function loc(at: string): string {
  return at === '' ? 'the top level' : printable(at, 200);
}

function where(path: string): string {
  return path === '' ? 'the payload' : `the value at ${loc(path)}`;
}

function tooLarge(size: string, lim: IntakeLimits, path: string): Wis2Error {
  return new Wis2Error('intake', 'intake.too_large', `${where(path)} is ${size}, above the limit of ${lim.maxBytes} bytes`, path);
}

/** Locates the first malformed sequence so an operator can find it in a hex dump. */
function invalidUtf8Offset(bytes: Uint8Array): string {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    let need: number;
    let min: number;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else {
      return `byte 0x${b.toString(16).padStart(2, '0')} at offset ${i}`;
    }
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      if (i + k >= bytes.length) return `truncated sequence at offset ${i}`;
      const c = bytes[i + k];
      if ((c & 0xc0) !== 0x80) return `bad continuation byte at offset ${i + k}`;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min) return `overlong encoding at offset ${i}`;
    if (cp >= 0xd800 && cp <= 0xdfff) return `encoded surrogate at offset ${i}`;
    if (cp > 0x10ffff) return `code point above U+10FFFF at offset ${i}`;
    i += need + 1;
  }
  return 'malformed sequence';
}

interface Frame {
  value: object;
  depth: number;
  parent: Frame | undefined;
  key: string | number;
  /** Set once every child has been pushed; the frame is then popped and leaves the ancestor set. */
  expanded: boolean;
}

/** Pointers are only built when something is refused, by walking the parent chain. */
function framePath(base: string, frame: Frame | undefined, ...extra: (string | number)[]): string {
  const tokens: (string | number)[] = [];
  for (let f = frame; f?.parent !== undefined; f = f.parent) tokens.push(f.key);
  tokens.reverse();
  return pointer(base, ...tokens, ...extra);
}

/**
 * One `inspectValue` walk: the size so far and the frames still to expand. The frames expanded
 * and not yet finished are exactly the chain of ancestors of whatever is being expanded, so a
 * value shared between siblings is not taken for a cycle.
 */
class Inspection {
  private size = 0;
  private readonly ancestors = new Set<object>();
  readonly stack: Frame[] = [];
  private readonly maxBytes: number;
  private readonly maxDepth: number;

  constructor(
    limits: IntakeLimits,
    private readonly path: string,
  ) {
    this.maxBytes = limits.maxBytes;
    this.maxDepth = limits.maxDepth;
  }

  private refuse(code: string, message: string, at: string): Wis2Error {
    return new Wis2Error('intake', code, message, at);
  }

  private addSize(n: number): void {
    this.size += n;
    if (this.size > this.maxBytes) {
      throw this.refuse('intake.too_large', `${where(this.path)} serialises to more than ${this.maxBytes} bytes of JSON`, this.path);
    }
  }

  /** Accounts for a leaf, or pushes a container; `parent`/`key` locate it for messages. */
  visit(v: unknown, parent: Frame | undefined, key: string | number): void {
    switch (typeof v) {
      case 'string':
        this.addSize(jsonStringBytes(v));
        return;
      case 'boolean':
        this.addSize(v ? 4 : 5);
        return;
      case 'number': {
        if (!Number.isFinite(v)) {
          const at = framePath(this.path, parent, ...(parent ? [key] : []));
          throw this.refuse('intake.not_json_value', `${String(v)} at ${loc(at)} is not a JSON number`, at);
        }
        this.addSize(jsonNumberBytes(v));
        return;
      }
      case 'object':
        if (v === null) this.addSize(4);
        else this.push(v, parent, key);
        return;
      default: {
        const at = framePath(this.path, parent, ...(parent ? [key] : []));
        throw this.refuse('intake.not_json_value', `a ${typeof v} at ${loc(at)} is not a JSON value`, at);
      }
    }
  }

  private push(v: object, parent: Frame | undefined, key: string | number): void {
    const frame: Frame = { value: v, depth: parent === undefined ? 1 : parent.depth + 1, parent, key, expanded: false };
    if (frame.depth > this.maxDepth) {
      const at = framePath(this.path, frame);
      throw this.refuse('intake.too_deep', `nesting at ${loc(at)} is deeper than ${this.maxDepth} levels`, at);
    }
    if (!Array.isArray(v) && !isPlainObject(v)) {
      const at = framePath(this.path, frame);
      throw this.refuse('intake.unsupported_type', `a ${describeType(v)} at ${loc(at)} is not a JSON object or array`, at);
    }
    this.stack.push(frame);
  }

  /** Expands the frame on top of the stack, or pops it once its children are finished. */
  step(): void {
    const frame = this.stack[this.stack.length - 1];
    if (frame.expanded) {
      this.stack.pop();
      this.ancestors.delete(frame.value);
      return;
    }
    frame.expanded = true;
    const obj = frame.value;
    if (this.ancestors.has(obj)) {
      const at = framePath(this.path, frame);
      throw this.refuse('intake.cycle', `the value at ${loc(at)} contains itself (a cycle)`, at);
    }
    this.ancestors.add(obj);
    // Child containers are pushed, then reversed, so they are expanded in document order.
    const mark = this.stack.length;
    if (Array.isArray(obj)) this.expandArray(frame, obj as unknown[]);
    else this.expandObject(frame, obj);
    reverseFrom(this.stack, mark);
  }

  private expandArray(frame: Frame, arr: unknown[]): void {
    this.addSize(2 + Math.max(0, arr.length - 1));
    for (let i = 0; i < arr.length; i++) {
      if (!(i in arr)) {
        const at = framePath(this.path, frame, i);
        throw this.refuse('intake.not_json_value', `the array element at ${loc(at)} is a hole (undefined)`, at);
      }
      this.visit(arr[i], frame, i);
    }
  }

  private expandObject(frame: Frame, obj: object): void {
    const keys = Object.keys(obj);
    this.addSize(2 + Math.max(0, keys.length - 1));
    for (const key of keys) {
      if (isForbiddenKey(key)) {
        const at = framePath(this.path, frame, key);
        throw this.refuse('intake.forbidden_key', `the key "${key}" at ${loc(at)} is refused: it can rewrite object prototypes`, at);
      }
      const desc = Object.getOwnPropertyDescriptor(obj, key);
      if (desc !== undefined && !('value' in desc)) {
        const at = framePath(this.path, frame, key);
        throw this.refuse('intake.unsupported_type', `the member at ${loc(at)} is an accessor property, not a JSON value`, at);
      }
      this.addSize(jsonStringBytes(key) + 1);
      this.visit(desc?.value, frame, key);
    }
  }
}

/** The longest `String(n)` of a finite number: "-0.00000" and 17 digits. */
const MAX_NUMBER_CHARS = 25;

/** An upper bound of `jsonStringBytes`: every UTF-16 unit takes at most six bytes (`\uXXXX`). */
function stringBound(text: string): number {
  return 6 * text.length + 2;
}

/**
 * Whether `inspectValue` would accept the value, told by a cheaper walk that only says yes when
 * sure: no frames or ancestor set (past the depth limit a cycle is no longer told apart from deep
 * nesting, so it says no), and a size bound instead of the exact size (no number formatting or
 * string scanning). On any doubt the exact walk runs and says what is wrong, with the same error
 * it always gave. Accessors are found by their descriptors, as there, so no getter runs.
 */
function plainlyClean(root: unknown, limits: IntakeLimits): boolean {
  if (typeof root !== 'object' || root === null) return false;
  const { maxBytes, maxDepth } = limits;
  const pending: object[] = [root];
  const depths: number[] = [1];
  let bound = 0;
  while (pending.length > 0) {
    const node = pending.pop() as object;
    const depth = depths.pop() as number;
    if (depth > maxDepth) return false;
    if (Array.isArray(node)) {
      const items = node as unknown[];
      const n = items.length;
      bound += n + 2;
      // a huge array or object is refused before its members are looked at, as the exact walk does
      if (bound > maxBytes) return false;
      for (let i = 0; i < n; i++) {
        if (!(i in items)) return false;
        const child = items[i];
        const size = leafBound(child);
        if (size < 0) return false;
        if (size === 0) {
          pending.push(child as object);
          depths.push(depth + 1);
        }
        bound += size;
      }
    } else {
      if (!isPlainObject(node)) return false;
      const keys = Object.keys(node);
      bound += keys.length + 2;
      if (bound > maxBytes) return false;
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i];
        if (isForbiddenKey(key)) return false;
        const desc = Object.getOwnPropertyDescriptor(node, key);
        if (desc === undefined || !('value' in desc)) return false;
        const child: unknown = desc.value;
        const size = leafBound(child);
        if (size < 0) return false;
        if (size === 0) {
          pending.push(child as object);
          depths.push(depth + 1);
        }
        bound += size + stringBound(key) + 1;
      }
    }
    if (bound > maxBytes) return false;
  }
  return true;
}

/** A bound of a leaf's JSON bytes; 0 for a container (to be walked), -1 for what is refused. */
function leafBound(v: unknown): number {
  switch (typeof v) {
    case 'string':
      return stringBound(v);
    case 'boolean':
      return 5;
    case 'number':
      return Number.isFinite(v) ? MAX_NUMBER_CHARS : -1;
    case 'object':
      return v === null ? 4 : 0;
    default:
      return -1;
  }
}

/**
 * One iterative pass over an already-parsed value (see the module comment for what is accepted).
 * Refuses excessive depth, prototype-polluting keys, non-JSON values, cycles and a compact
 * serialised size above `limits.maxBytes`. The walk visits at most about `maxBytes` nodes, since
 * each one adds at least a byte to the size it keeps, so even a shared-reference bomb is cheap.
 */
export function inspectValue(value: unknown, limits: IntakeLimits, path = ''): void {
  if (plainlyClean(value, limits)) return;
  const walk = new Inspection(limits, path);
  walk.visit(value, undefined, '');
  while (walk.stack.length > 0) walk.step();
}

/** Pushes a child container of `parent` for `inspectParsed`; leaves need no check. */
function pushParsed(stack: Frame[], child: unknown, parent: Frame, key: string | number, maxDepth: number, path: string): void {
  if (child === null || typeof child !== 'object') return;
  const next: Frame = { value: child, depth: parent.depth + 1, parent, key, expanded: false };
  if (next.depth > maxDepth) {
    const at = framePath(path, next);
    throw new Wis2Error('intake', 'intake.too_deep', `nesting at ${loc(at)} is deeper than ${maxDepth} levels`, at);
  }
  stack.push(next);
}

/**
 * The same depth and key checks for a value fresh from JSON.parse, which can hold no cycle,
 * accessor, class instance or non-JSON value, and whose size the text already bounded: skipping
 * those checks makes this walk several times cheaper than `inspectValue`. Returns how many
 * object members the value has.
 */
function inspectParsed(value: unknown, maxDepth: number, path: string): number {
  let members = 0;
  if (value === null || typeof value !== 'object') return members;
  const stack: Frame[] = [{ value, depth: 1, parent: undefined, key: '', expanded: false }];
  for (let frame = stack.pop(); frame !== undefined; frame = stack.pop()) {
    const obj = frame.value;
    if (Array.isArray(obj)) {
      const arr = obj as unknown[];
      for (let i = arr.length - 1; i >= 0; i--) pushParsed(stack, arr[i], frame, i, maxDepth, path);
    } else {
      const record = obj as Record<string, unknown>;
      const keys = Object.keys(record);
      members += keys.length;
      for (const key of keys) {
        if (isForbiddenKey(key)) {
          const at = framePath(path, frame, key);
          throw new Wis2Error('intake', 'intake.forbidden_key', `the key "${key}" at ${loc(at)} is refused: it can rewrite object prototypes`, at);
        }
      }
      for (let i = keys.length - 1; i >= 0; i--) pushParsed(stack, record[keys[i]], frame, keys[i], maxDepth, path);
    }
  }
  return members;
}

function reverseFrom(arr: unknown[], from: number): void {
  for (let i = from, j = arr.length - 1; i < j; i++, j--) {
    const t = arr[i];
    arr[i] = arr[j];
    arr[j] = t;
  }
}

interface OutFrame {
  value: object;
  /** Array elements or object keys, walked by `index`. */
  keys: readonly string[] | undefined;
  length: number;
  index: number;
  wrote: boolean;
}

const CIRCULAR = '"[Circular]"';
const SKIP = Symbol('skip');

/**
 * Reads a member without letting a throwing getter escape: this function exists to carry
 * payloads nobody trusts, so it must always return.
 */
function readMember(holder: object, key: string | number): unknown {
  try {
    return (holder as Record<string | number, unknown>)[key];
  } catch {
    return undefined;
  }
}

/** Applies toJSON and unboxes primitives exactly as JSON.stringify's SerializeJSONProperty does. */
function prepare(holderKey: string | number, v: unknown): unknown {
  let value = v;
  if (typeof value === 'object' && value !== null) {
    const toJSON = readMember(value, 'toJSON');
    if (typeof toJSON === 'function') {
      try {
        value = (toJSON as (this: unknown, key: string) => unknown).call(value, String(holderKey));
      } catch {
        return null;
      }
    }
  }
  return typeof value === 'object' && value !== null ? unbox(value) : value;
}

/**
 * Number, String and Boolean wrapper objects serialise as their primitive. The prototype
 * valueOf methods only succeed on real wrappers, so a spoofed toStringTag stays an object.
 */
const UNWRAP: Record<string, ((value: object) => unknown) | undefined> = {
  '[object Number]': (value) => Number.prototype.valueOf.call(value),
  '[object String]': (value) => String.prototype.valueOf.call(value),
  '[object Boolean]': (value) => Boolean.prototype.valueOf.call(value),
};

function unbox(value: object): unknown {
  if (Array.isArray(value)) return value;
  const fn = UNWRAP[Object.prototype.toString.call(value)];
  if (fn === undefined) return value;
  try {
    return fn(value);
  } catch {
    return value;
  }
}

/**
 * JSON.stringify without recursion, so it works on a million levels of nesting. It writes
 * exactly what JSON.stringify writes for every value JSON.stringify can handle; where
 * JSON.stringify would throw it still returns valid JSON: a cycle becomes the string
 * "[Circular]", a bigint its decimal digits, a throwing getter or toJSON `null`, and a
 * top-level value with no JSON form (undefined, a function) `null`.
 */
export function safeStringify(value: unknown): string {
  let out = '';
  const stack: OutFrame[] = [];
  const ancestors = new Set<object>();

  /** Writes a leaf, or opens a container; returns SKIP when the value has no JSON form. */
  const emit = (v: unknown): typeof SKIP | undefined => {
    switch (typeof v) {
      case 'string':
        out += JSON.stringify(v);
        return undefined;
      case 'number':
        out += Number.isFinite(v) ? String(v) : 'null';
        return undefined;
      case 'boolean':
        out += v ? 'true' : 'false';
        return undefined;
      case 'bigint':
        out += v.toString();
        return undefined;
      case 'object':
        break;
      default:
        return SKIP;
    }
    if (v === null) {
      out += 'null';
      return undefined;
    }
    const obj: object = v;
    if (ancestors.has(obj)) {
      out += CIRCULAR;
      return undefined;
    }
    ancestors.add(obj);
    if (Array.isArray(obj)) {
      out += '[';
      stack.push({ value: obj, keys: undefined, length: (obj as unknown[]).length, index: 0, wrote: false });
    } else {
      let keys: string[];
      try {
        keys = Object.keys(obj);
      } catch {
        keys = [];
      }
      out += '{';
      stack.push({ value: obj, keys, length: keys.length, index: 0, wrote: false });
    }
    return undefined;
  };

  if (emit(prepare('', value)) === SKIP) return 'null';
  while (stack.length > 0) {
    const frame = stack[stack.length - 1];
    if (frame.index >= frame.length) {
      stack.pop();
      ancestors.delete(frame.value);
      out += frame.keys === undefined ? ']' : '}';
      continue;
    }
    const i = frame.index++;
    if (frame.keys === undefined) {
      if (i > 0) out += ',';
      if (emit(prepare(i, readMember(frame.value, i))) === SKIP) out += 'null';
    } else {
      const key = frame.keys[i];
      const member = prepare(key, readMember(frame.value, key));
      const t = typeof member;
      if (t === 'undefined' || t === 'function' || t === 'symbol') continue;
      out += (frame.wrote ? ',' : '') + JSON.stringify(key) + ':';
      frame.wrote = true;
      emit(member);
    }
  }
  return out;
}
