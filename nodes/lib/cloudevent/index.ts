/**
 * Strict CloudEvents 1.0 (1.0.2 text) intake for events received over MQTT, in structured
 * mode (JSON event format) or MQTT 5 binary mode (attributes in user properties).
 *
 * The receiver never invents anything: a missing `id`, `time` or `specversion` is a refusal,
 * and `time` is kept exactly as written. The `data` must be JSON (it has to be a STAC Item),
 * so non-JSON content types are refused here rather than later.
 *
 * Error paths are JSON Pointers into the event as the JSON event format would write it
 * (`/id`, `/data/assets`, `/data_base64`), whichever mode it arrived in: in binary mode `/id`
 * names the `id` user property, `/datacontenttype` the MQTT content type and `/data` the
 * payload. Problems with the MQTT content type of a structured message have the empty path.
 */
import { Wis2Error, pointer, type Warning } from '../core/errors';
import { memo } from '../core/memo';
import { decodeJson, printable, resolveLimits, type IntakeLimits } from '../intake';
import {
  decodeStrictBase64,
  forbiddenCharacter,
  isJsonMediaType,
  isRfc3339,
  parseMediaType,
  parseUriReference,
  type MediaType,
  type UriParts,
} from './syntax';

export type ExtensionValue = string | number | boolean;

export interface CloudEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  subject?: string;
  /** Exactly as received: reformatting would lose the offset and any digits past milliseconds. */
  time?: string;
  datacontenttype?: string;
  dataschema?: string;
  data?: unknown;
  data_base64?: string;
  extensions: Record<string, ExtensionValue>;
}

export interface MqttMessageLike {
  payload: unknown;
  /** The MQTT 5 Content Type property; MQTT 3.1.1 has none. */
  contentType?: string;
  /** MQTT 5 user properties as mqtt.js delivers them: a repeated name becomes an array. */
  userProperties?: Record<string, unknown>;
}

export type ContentMode = 'structured' | 'binary';

export interface ParsedCloudEvent {
  event: CloudEvent;
  /** The JSON payload: `data`, the JSON decoded from `data_base64`, or the binary-mode payload. */
  data: unknown;
  mode: ContentMode;
  warnings: Warning[];
}

const NAME_RE = /^[a-z0-9]+$/;
const REQUIRED = ['specversion', 'id', 'source', 'type'] as const;
const OPTIONAL = ['subject', 'time', 'datacontenttype', 'dataschema'] as const;
const KNOWN = new Set<string>([...REQUIRED, ...OPTIONAL]);
const FORBIDDEN_NAMES = new Set(['constructor', 'prototype']);
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
/** RFC 8259 JSON text is UTF-8; these are the charset labels that agree with it. */
const UTF8_CHARSETS = new Set(['utf-8', 'utf8', 'us-ascii']);

// A producer writes the same source, content type and schema URL in every event: each is parsed
// once. The answers are shared, so they are frozen; long values are parsed every time.
const MEMO_ENTRIES = 64;
const MEMO_KEY_LENGTH = 512;
const mediaTypeOf = memo((value: string): MediaType | undefined => freeze(parseMediaType(value)), MEMO_ENTRIES, MEMO_KEY_LENGTH);
const uriReferenceOf = memo((value: string): UriParts | string => freeze(parseUriReference(value)), MEMO_ENTRIES, MEMO_KEY_LENGTH);

function freeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) if (typeof v === 'object' && v !== null) Object.freeze(v);
    Object.freeze(value);
  }
  return value;
}

function refuse(code: string, message: string, path = ''): Wis2Error {
  return new Wis2Error('cloudevent', code, message, path);
}

/** Input text quoted for a human message: escaped and cut short (see `printable`). */
function quote(text: string): string {
  return `"${printable(text, 80)}"`;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${quote(value)}`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return `the ${typeof value} ${String(value)}`;
  return `a ${typeof value}`;
}

function ownKeys(value: object): string[] {
  return Object.keys(value);
}

function hasOwn(value: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(value, key);
}

/**
 * Tells structured from binary mode the way the CloudEvents MQTT binding does. Without a
 * CloudEvents content type, a message is binary only if its user properties carry all four
 * required attributes; anything else (notably every MQTT 3.1.1 message) is structured.
 */
export function detectMode(msg: MqttMessageLike): ContentMode {
  const ct: unknown = msg.contentType;
  if (typeof ct === 'string' && /^\s*application\/cloudevents/i.test(ct)) return 'structured';
  const props: unknown = msg.userProperties;
  if (props !== null && typeof props === 'object' && REQUIRED.every((name) => hasOwn(props, name))) return 'binary';
  return 'structured';
}

export function parseCloudEvent(msg: MqttMessageLike, limits?: Partial<IntakeLimits>): ParsedCloudEvent {
  const lim = resolveLimits(limits);
  const warnings: Warning[] = [];
  return detectMode(msg) === 'binary' ? parseBinary(msg, lim, warnings) : parseStructured(msg, lim, warnings);
}

function parseStructured(msg: MqttMessageLike, lim: IntakeLimits, warnings: Warning[]): ParsedCloudEvent {
  // Typed loosely on purpose: a Node-RED msg can carry anything in these properties.
  const ct: unknown = msg.contentType;
  if (ct !== undefined && ct !== null) {
    if (typeof ct !== 'string') throw refuse('ce.invalid_content_type', `the MQTT content type is ${describe(ct)}, not a string`);
    if (/^\s*application\/cloudevents/i.test(ct)) {
      const mt = mediaTypeOf(ct.trim());
      if (mt === undefined) throw refuse('ce.invalid_content_type', `the MQTT content type ${quote(ct)} is not a valid media type`);
      if (mt.essence === 'application/cloudevents-batch+json') {
        throw refuse('ce.batch_unsupported', 'the MQTT binding of CloudEvents has no batch mode: send one event per message');
      }
      if (mt.essence !== 'application/cloudevents+json') {
        throw refuse('ce.unsupported_content_type', `the event format ${mt.essence} is not supported: only application/cloudevents+json is`);
      }
    } else if (ct !== '') {
      warnings.push({
        code: 'ce.content_type_not_cloudevents',
        message: `the MQTT content type ${quote(ct)} is not application/cloudevents+json and the user properties do not carry a binary-mode event, so the payload was read as a structured-mode event`,
        path: '',
      });
    }
  }

  const duplicates: string[] = [];
  const raw = decodeJson(msg.payload, lim, '', duplicates);
  warnDuplicates(duplicates, warnings);
  if (Array.isArray(raw)) {
    throw refuse('ce.batch_unsupported', 'the payload is a JSON array (a batch), but the MQTT binding of CloudEvents has no batch mode: send one event per message');
  }
  if (raw === null || typeof raw !== 'object') {
    const hint = typeof raw === 'string' ? ' (the event looks JSON-encoded twice)' : '';
    throw refuse('ce.not_object', `a structured-mode CloudEvent is a JSON object, but the payload is ${describe(raw)}${hint}`);
  }
  const obj = raw as Record<string, unknown>;

  const attrs = new Map<string, unknown>();
  for (const key of ownKeys(obj)) {
    if (key !== 'data' && key !== 'data_base64') attrs.set(key, obj[key]);
  }
  const { event, mediaType } = checkAttributes(attrs, 'member', warnings);

  const hasData = hasOwn(obj, 'data');
  const hasBase64 = hasOwn(obj, 'data_base64');
  if (hasData && hasBase64) {
    throw refuse('ce.data_conflict', 'the event has both data and data_base64, which are mutually exclusive', '/data_base64');
  }
  if (!hasData && !hasBase64) {
    throw refuse('ce.missing_data', 'the event has no data: it must carry a STAC Item', '/data');
  }
  if (hasData) {
    const data = obj.data;
    event.data = data;
    requireObjectData(data, '/data');
    return { event, data, mode: 'structured', warnings };
  }
  const b64 = obj.data_base64;
  if (typeof b64 !== 'string') {
    throw refuse('ce.invalid_base64', `data_base64 must be a base64 string, but it is ${describe(b64)}`, '/data_base64');
  }
  const bytes = decodeStrictBase64(b64);
  if (bytes === undefined) {
    throw refuse('ce.invalid_base64', 'data_base64 is not strict RFC 4648 base64 (standard alphabet, padded, no whitespace, unused bits zero)', '/data_base64');
  }
  requireUtf8Charset(mediaType, '/datacontenttype');
  event.data_base64 = b64;
  const data = decodeDataBytes(bytes, lim, '/data_base64', 'data_base64', warnings);
  requireObjectData(data, '/data_base64');
  return { event, data, mode: 'structured', warnings };
}

function parseBinary(msg: MqttMessageLike, lim: IntakeLimits, warnings: Warning[]): ParsedCloudEvent {
  const props = msg.userProperties as Record<string, unknown>;
  const attrs = new Map<string, unknown>();
  let propBytes = 0;
  let propContentType: string | undefined;
  for (const name of ownKeys(props)) {
    const at = pointer('', name);
    const value = props[name];
    if (FORBIDDEN_NAMES.has(name)) {
      throw new Wis2Error('intake', 'intake.forbidden_key', `the user property "${name}" is refused: it can rewrite object prototypes`, at);
    }
    if (!NAME_RE.test(name)) {
      warnings.push({ code: 'ce.user_property_ignored', message: `the user property ${quote(name)} is not a CloudEvents attribute name and was ignored`, path: at });
      continue;
    }
    if (Array.isArray(value)) {
      throw refuse('ce.duplicate_attribute', `the user property "${name}" appears ${value.length} times, but an attribute must appear at most once`, at);
    }
    if (typeof value !== 'string') {
      throw refuse('ce.invalid_attribute_type', `the user property "${name}" is ${describe(value)}, but user properties carry attributes as strings`, at);
    }
    propBytes += Buffer.byteLength(name) + Buffer.byteLength(value);
    if (propBytes > lim.maxBytes) {
      throw new Wis2Error('intake', 'intake.too_large', `the user properties exceed the limit of ${lim.maxBytes} bytes`, at);
    }
    if (name === 'data') {
      throw refuse('ce.invalid_attribute_name', 'no attribute may be called "data"; in binary mode the data is the MQTT payload', at);
    }
    if (name === 'datacontenttype') {
      propContentType = value;
      continue;
    }
    attrs.set(name, value);
  }

  const ct: unknown = msg.contentType;
  if (ct !== undefined && ct !== null && typeof ct !== 'string') {
    throw refuse('ce.invalid_content_type', `the MQTT content type is ${describe(ct)}, not a string`, '/datacontenttype');
  }
  const contentType = typeof ct === 'string' && ct !== '' ? ct : undefined;
  if (propContentType !== undefined) {
    if (contentType !== undefined && contentType.toLowerCase() !== propContentType.toLowerCase()) {
      throw refuse('ce.content_type_conflict', `the MQTT content type ${quote(contentType)} and the datacontenttype user property ${quote(propContentType)} disagree`, '/datacontenttype');
    }
    warnings.push({ code: 'ce.datacontenttype_user_property', message: 'in binary mode datacontenttype belongs in the MQTT content type, not in a user property', path: '/datacontenttype' });
  }
  const datacontenttype = contentType ?? propContentType;
  if (datacontenttype !== undefined) attrs.set('datacontenttype', datacontenttype);
  else warnings.push({ code: 'ce.content_type_assumed', message: 'the binary-mode message has no content type; its payload was read as application/json', path: '/datacontenttype' });

  const { event, mediaType } = checkAttributes(attrs, 'user property', warnings);
  requireUtf8Charset(mediaType, '/datacontenttype');
  if (msg.payload === undefined || msg.payload === null) {
    throw refuse('ce.missing_data', 'the binary-mode message has no payload: it must carry a STAC Item', '/data');
  }
  const data = isBytes(msg.payload) || typeof msg.payload === 'string'
    ? decodeDataBytes(msg.payload, lim, '/data', 'the payload', warnings)
    : decodeJson(msg.payload, lim, '/data');
  event.data = data;
  requireObjectData(data, '/data');
  return { event, data, mode: 'binary', warnings };
}

function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array || Object.prototype.toString.call(value) === '[object Uint8Array]';
}

/** Decodes data bytes through the safe intake; text that is not JSON is a CloudEvents fault. */
function decodeDataBytes(bytes: Uint8Array | string, lim: IntakeLimits, path: string, what: string, warnings: Warning[]): unknown {
  try {
    const duplicates: string[] = [];
    const data = decodeJson(bytes, lim, path, duplicates);
    warnDuplicates(duplicates, warnings);
    return data;
  } catch (err) {
    if (err instanceof Wis2Error && (err.code === 'intake.invalid_json' || err.code === 'intake.invalid_utf8' || err.code === 'intake.byte_order_mark')) {
      throw refuse('ce.data_not_json', `${what} does not hold JSON text, but the content type says JSON: ${err.message}`, path);
    }
    throw err;
  }
}

/** JSON.parse keeps the last of two members with one name: the event is read, but not silently. */
function warnDuplicates(paths: readonly string[], warnings: Warning[]): void {
  for (const at of paths) {
    warnings.push({ code: 'intake.duplicate_member', message: `the member ${quote(at)} appears more than once in its object; the last one was used`, path: at });
  }
}

function requireObjectData(data: unknown, path: string): void {
  if (data !== null && typeof data === 'object' && !Array.isArray(data)) return;
  const hint = typeof data === 'string'
    ? '; a JSON string in data is a string and is never parsed again, so the STAC Item looks JSON-encoded twice'
    : '';
  throw refuse('ce.data_not_object', `data must be a STAC Item (a JSON object), but it is ${describe(data)}${hint}`, path);
}

function requireUtf8Charset(mt: MediaType | undefined, path: string): void {
  const charset = mt?.parameters.charset;
  if (charset !== undefined && !UTF8_CHARSETS.has(charset.toLowerCase())) {
    throw refuse('ce.unsupported_content_type', `the data is declared as charset ${charset}, but JSON text must be UTF-8`, path);
  }
}

/**
 * Checks every context attribute and builds the event without its data. `origin` names where
 * attributes come from, for messages: a JSON member or an MQTT user property.
 */
function checkAttributes(attrs: Map<string, unknown>, origin: string, warnings: Warning[]): { event: CloudEvent; mediaType?: MediaType } {
  checkSpecversion(attrs, origin);
  checkNames(attrs, origin, warnings);
  const event: CloudEvent = {
    specversion: '1.0',
    id: requiredString(attrs, 'id', origin),
    source: requiredString(attrs, 'source', origin),
    type: requiredString(attrs, 'type', origin),
    extensions: {},
  };
  const checked: { event: CloudEvent; mediaType?: MediaType } = { event };
  const sourceProblem = uriReferenceOf(event.source);
  if (typeof sourceProblem === 'string') {
    throw refuse('ce.invalid_source', `source ${quote(event.source)} is not a URI-reference: ${sourceProblem}`, '/source');
  }
  const subject = optionalString(attrs, 'subject', origin);
  if (subject !== undefined) event.subject = subject;
  const time = optionalString(attrs, 'time', origin);
  if (time !== undefined) event.time = checkTime(time);
  const dct = optionalString(attrs, 'datacontenttype', origin);
  if (dct !== undefined) {
    checked.mediaType = checkContentType(dct);
    event.datacontenttype = dct;
  }
  const schema = optionalString(attrs, 'dataschema', origin);
  if (schema !== undefined) event.dataschema = checkDataschema(schema, warnings);
  checkExtensions(attrs, event.extensions);
  return checked;
}

function checkSpecversion(attrs: Map<string, unknown>, origin: string): void {
  const specversion = requiredString(attrs, 'specversion', origin);
  if (specversion !== '1.0') {
    throw refuse('ce.unsupported_specversion', `specversion is ${quote(specversion)}, but only "1.0" is supported (1.0.x patch versions are never written)`, '/specversion');
  }
}

/** Attribute names: refused when not lowercase a-z0-9, warned of when long or not starting with a letter. */
function checkNames(attrs: Map<string, unknown>, origin: string, warnings: Warning[]): void {
  for (const name of attrs.keys()) {
    if (!NAME_RE.test(name)) {
      throw refuse('ce.invalid_attribute_name', `the ${origin} ${quote(name)} is not a valid attribute name: names use only lowercase a-z and 0-9`, pointer('', name));
    }
    if (name.length > 20) {
      warnings.push({ code: 'ce.attribute_name_too_long', message: `the attribute name "${name}" is longer than the 20 characters CloudEvents recommends`, path: pointer('', name) });
    }
    if (name.charCodeAt(0) < 0x61) {
      warnings.push({ code: 'ce.attribute_name_not_letter', message: `the attribute name "${name}" should start with a letter`, path: pointer('', name) });
    }
  }
}

function checkTime(time: string): string {
  if (!isRfc3339(time)) {
    throw refuse('ce.invalid_time', `time ${quote(time)} is not an RFC 3339 timestamp (a real date, T, a time, and Z or a ±hh:mm offset)`, '/time');
  }
  return time;
}

/** datacontenttype: an RFC 2046 media type, and a JSON one, since data must be a STAC Item. */
function checkContentType(dct: string): MediaType {
  const mediaType = mediaTypeOf(dct);
  if (mediaType === undefined) {
    throw refuse('ce.invalid_content_type', `datacontenttype ${quote(dct)} is not an RFC 2046 media type`, '/datacontenttype');
  }
  if (!isJsonMediaType(mediaType)) {
    throw refuse('ce.unsupported_content_type', `datacontenttype ${mediaType.essence} is not JSON (subtype json or a +json suffix), but data must be a STAC Item`, '/datacontenttype');
  }
  return mediaType;
}

function checkDataschema(schema: string, warnings: Warning[]): string {
  const parts = uriReferenceOf(schema);
  if (typeof parts === 'string') {
    throw refuse('ce.invalid_dataschema', `dataschema ${quote(schema)} is not a URI: ${parts}`, '/dataschema');
  }
  if (parts.scheme === undefined) {
    throw refuse('ce.invalid_dataschema', `dataschema ${quote(schema)} is a relative reference, but it must be an absolute URI`, '/dataschema');
  }
  if (parts.fragment !== undefined) {
    warnings.push({ code: 'ce.dataschema_fragment', message: 'dataschema carries a fragment; CloudEvents asks for an absolute URI without one', path: '/dataschema' });
  }
  return schema;
}

/** Extension attributes: strings, booleans or 32-bit integers; null ones are unset. */
function checkExtensions(attrs: Map<string, unknown>, extensions: Record<string, ExtensionValue>): void {
  for (const [name, value] of attrs) {
    if (KNOWN.has(name) || value === null) continue;
    if (typeof value === 'string') {
      checkCharacters(name, value);
    } else if (typeof value === 'number') {
      if (!Number.isInteger(value) || value < INT32_MIN || value > INT32_MAX) {
        throw refuse('ce.invalid_attribute_type', `the extension "${name}" is the number ${value}, but extension numbers must be 32-bit signed integers`, pointer('', name));
      }
    } else if (typeof value !== 'boolean') {
      throw refuse('ce.invalid_attribute_type', `the extension "${name}" is ${describe(value)}, but extension values are strings, booleans or integers`, pointer('', name));
    }
    extensions[name] = value;
  }
}

function requiredString(attrs: Map<string, unknown>, name: string, origin: string): string {
  const value = attrs.get(name);
  if (value === undefined) throw refuse('ce.missing_attribute', `the required attribute ${name} is missing`, pointer('', name));
  if (value === null) throw refuse('ce.missing_attribute', `the required attribute ${name} is null, which means unset`, pointer('', name));
  return checkString(name, value, origin);
}

function optionalString(attrs: Map<string, unknown>, name: string, origin: string): string | undefined {
  const value = attrs.get(name);
  if (value === undefined || value === null) return undefined;
  return checkString(name, value, origin);
}

function checkString(name: string, value: unknown, origin: string): string {
  if (typeof value !== 'string') {
    throw refuse('ce.invalid_attribute_type', `the ${origin} ${name} must be a string, but it is ${describe(value)}`, pointer('', name));
  }
  if (value === '') throw refuse('ce.empty_attribute', `the attribute ${name} must not be empty`, pointer('', name));
  checkCharacters(name, value);
  return value;
}

function checkCharacters(name: string, value: string): void {
  const bad = forbiddenCharacter(value);
  if (bad === undefined) return;
  const code = bad.description.startsWith('the control') ? 'ce.control_character' : 'ce.invalid_character';
  throw refuse(code, `the attribute ${name} contains ${bad.description} at index ${bad.index}, which CloudEvents strings forbid`, pointer('', name));
}
