/**
 * WIS2 Monitoring Events (WME draft 1.0.0) as read from `monitor/a/wis2/<centre-id>` on a Global
 * Broker: CloudEvents 1.0 whose `data` says what a Global Service found wrong (or right) with
 * what a centre published. Besides the draft's `int.wmo.wis.wme.event` (with `data.subtype`),
 * the emitters in service today use their own types:
 * - the Météo-France Global Broker relay: `int.wmo.wis.wme.wnm.validation.{topic,metadata,schema}`,
 *   always ERROR, with the refused notification;
 * - wis2-gdc: `int.wmo.wis.wme.event.wcmp2.{ets,kpi}` and `int.wmo.wis.wme.event.item.download`.
 * Any other type is kept as kind `other`: an event is never dropped for being unfamiliar.
 *
 * Everything here comes from a public broker, so nothing of it is trusted: the payload passes the
 * same intake as our own events, and every member is checked before use. The kind, a metric
 * label, comes from a closed list so that a hostile emitter cannot grow the label set.
 */
import { decodeJson, type IntakeLimits } from '../intake';
import { Wis2Error } from '../core/errors';
import { toUtcString } from '../core/time';
import { isRecord } from '../core/json';

/** WME events are at most 8192 bytes; a little room for emitters that exceed it. */
export const MONITOR_LIMITS: IntakeLimits = { maxBytes: 64 * 1024, maxDepth: 32 };

export const SEVERITIES = ['DEBUG', 'INFO', 'NOTICE', 'WARNING', 'ERROR', 'CRITICAL', 'ALERT', 'EMERGENCY'] as const;
export type Severity = (typeof SEVERITIES)[number] | 'UNKNOWN';

export const WME_TYPE = 'int.wmo.wis.wme.event';

/** Every kind an event can be counted under. */
export const KINDS = ['wnm-report', 'download', 'integrity', 'outage', 'wme', 'wnm.topic', 'wnm.metadata', 'wnm.schema', 'wcmp2.ets', 'wcmp2.kpi', 'item.download', 'other'] as const;
export type Kind = (typeof KINDS)[number];

/** Types of the emitters in service, by the kind we count them under. */
const KNOWN_TYPES: Partial<Record<string, Kind>> = {
  'int.wmo.wis.wme.wnm.validation.topic': 'wnm.topic',
  'int.wmo.wis.wme.wnm.validation.metadata': 'wnm.metadata',
  'int.wmo.wis.wme.wnm.validation.schema': 'wnm.schema',
  'int.wmo.wis.wme.event.wcmp2.ets': 'wcmp2.ets',
  'int.wmo.wis.wme.event.wcmp2.kpi': 'wcmp2.kpi',
  'int.wmo.wis.wme.event.item.download': 'item.download',
};

/** The relay's validation events carry no severity: they are refusals. */
const ERROR_KINDS = new Set(['wnm.topic', 'wnm.metadata', 'wnm.schema']);

/** What an event says about one of our notifications, when it quotes one. */
export interface Quoted {
  id?: string;
  dataId?: string;
  metadataId?: string;
  integrity?: string;
  href?: string;
}

export interface MonitorEvent {
  id: string;
  type: string;
  kind: Kind;
  severity: Severity;
  /** who reports: the event's `source` */
  centre: string;
  /** the centre concerned: `subject`, else the topic's */
  subject: string;
  subtype?: string;
  time?: string;
  /** a line for people, from the event's content; never longer than REASON_MAX */
  reason: string;
  quoted: Quoted;
}

export const REASON_MAX = 500;
const TEXT_MAX = 256;

function text(v: unknown, max = TEXT_MAX): string | undefined {
  if (typeof v !== 'string' || v === '') return undefined;
  // control characters would forge log lines
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
  const clean = v.replace(/[\u0000-\u001f\u007f]/g, ' ');
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

function refuse(code: string, message: string, path = ''): never {
  throw new Wis2Error('monitor', code, message, path);
}

function kindOf(type: string, subtype: string | undefined): Kind {
  const known = KNOWN_TYPES[type];
  if (known !== undefined) return known;
  if (type !== WME_TYPE) return 'other';
  const s = (subtype ?? '').toLowerCase();
  if (s === 'wnm-report' || s.startsWith('wnm')) return 'wnm-report';
  if (s.includes('integrity') || s.includes('checksum')) return 'integrity';
  if (s.includes('download') || s.includes('404')) return 'download';
  if (s.includes('outage')) return 'outage';
  return 'wme';
}

function severityOf(value: unknown, kind: Kind): Severity {
  if (typeof value === 'string') {
    const upper = value.toUpperCase();
    if ((SEVERITIES as readonly string[]).includes(upper)) return upper as Severity;
  }
  return ERROR_KINDS.has(kind) ? 'ERROR' : 'UNKNOWN';
}

/** A notification-shaped object: the WNM an event quotes. */
function quotedFrom(v: unknown, into: Quoted): void {
  if (!isRecord(v)) return;
  into.id ??= text(v.id);
  into.dataId ??= text(v.data_id) ?? text(v.dataId);
  into.metadataId ??= text(v.metadata_id);
  into.href ??= text(v.href, 2048);
  const props = v.properties;
  if (isRecord(props)) {
    into.dataId ??= text(props.data_id);
    into.metadataId ??= text(props.metadata_id);
    const integrity = props.integrity;
    if (isRecord(integrity)) into.integrity ??= text(integrity.value);
  }
  if (Array.isArray(v.links)) {
    for (const link of v.links.slice(0, 16)) {
      if (isRecord(link) && ['canonical', 'update', 'deletion'].includes(String(link.rel))) into.href ??= text(link.href, 2048);
    }
  }
}

/** An emitter may quote the message as JSON text: read it with the same limits, or ignore it. */
function parsedText(v: unknown): unknown {
  if (typeof v !== 'string' || v.length > MONITOR_LIMITS.maxBytes || !v.trimStart().startsWith('{')) return v;
  try {
    return decodeJson(v, MONITOR_LIMITS);
  } catch {
    return undefined;
  }
}

/** Where emitters put the notification concerned, most specific first. */
function findQuoted(data: Record<string, unknown>): Quoted {
  const out: Quoted = {};
  const content = parsedText(data.content);
  const places: unknown[] = [];
  if (isRecord(content)) places.push(parsedText(content.wnm), parsedText(content.message), parsedText(content.notification), content);
  places.push(parsedText(data.wnm), parsedText(data.message), parsedText(data.notification), data);
  for (const place of places) quotedFrom(place, out);
  // `ref` names what the event is about: a notification id, a data_id or a URL
  const ref = text(data.ref, 2048);
  if (ref !== undefined) {
    if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(ref)) out.id ??= ref;
    else if (/^https?:\/\//.test(ref)) out.href ??= ref;
    else out.dataId ??= ref;
  }
  return out;
}

function reasonOf(data: Record<string, unknown>, kind: Kind, subtype: string | undefined): string {
  const content = parsedText(data.content);
  const parts: string[] = [];
  const add = (v: unknown): void => {
    const t = text(v);
    if (t !== undefined && !parts.includes(t)) parts.push(t);
  };
  for (const holder of [content, data]) {
    if (!isRecord(holder)) continue;
    const exception = holder.exception ?? holder.error;
    if (isRecord(exception)) {
      add(exception.code);
      add(exception.message);
    } else add(exception);
    add(holder.reason);
    add(holder.message);
    add(holder.description);
    add(holder.detail);
  }
  if (typeof content === 'string') add(content);
  if (parts.length === 0) add(subtype ?? kind);
  const line = parts.join(': ');
  return line.length > REASON_MAX ? `${line.slice(0, REASON_MAX - 1)}…` : line;
}

/**
 * Reads one message of `monitor/a/wis2/<centre-id>`. Refuses, with a `wme.*` or `intake.*` code,
 * what is not a CloudEvent at all or a WME event without its severity and subtype; anything else
 * is read as far as it can be.
 */
export function readMonitorEvent(payload: unknown, topic = ''): MonitorEvent {
  const value = decodeJson(payload, MONITOR_LIMITS);
  if (!isRecord(value)) refuse('wme.not_object', 'a monitoring event is a JSON object');
  if (value.specversion !== '1.0') refuse('wme.specversion', 'a monitoring event is a CloudEvent 1.0: specversion "1.0"', '/specversion');
  for (const name of ['id', 'type', 'source'] as const) {
    if (typeof value[name] !== 'string' || value[name] === '') refuse(`wme.no_${name}`, `a monitoring event has a non-empty string ${name}`, `/${name}`);
  }
  const type = value.type as string;
  if (type.length > TEXT_MAX) refuse('wme.type', `type is longer than ${TEXT_MAX} characters`, '/type');
  const data = value.data;
  if (data !== undefined && !isRecord(data)) refuse('wme.data', 'data of a monitoring event is an object', '/data');
  const d = data ?? {};
  const subtype = text(d.subtype, 64);
  if (type === WME_TYPE) {
    if (subtype === undefined) refuse('wme.no_subtype', 'a WME event has data.subtype', '/data/subtype');
    if (severityOf(d.severity, 'wme') === 'UNKNOWN') refuse('wme.severity', `data.severity is one of ${SEVERITIES.join(', ')}`, '/data/severity');
  }
  const kind = kindOf(type, subtype);
  const event: MonitorEvent = {
    id: text(value.id) ?? '',
    type: text(type) ?? '',
    kind,
    severity: severityOf(d.severity, kind),
    centre: text(value.source) ?? '',
    subject: text(value.subject) ?? text(topic.split('/')[3]) ?? '',
    reason: reasonOf(d, kind, subtype),
    quoted: findQuoted(d),
  };
  if (subtype !== undefined) event.subtype = subtype;
  const time = typeof value.time === 'string' ? toUtcString(value.time) : undefined;
  if (time !== undefined) event.time = time;
  return event;
}

/** What the publisher side knows of its own notifications. */
export interface PublishedLookup {
  /** the data_id of a notification we published, by its id */
  byId(id: string): { dataId: string } | undefined;
  /** the id of our last notification for a data_id, when known; undefined when not ours */
  byDataId(dataId: string): { id?: string } | undefined;
}

export interface Link {
  linkedBy?: 'id' | 'data_id';
  ourNotification?: string;
  dataId?: string;
}

/** Links an event to what we published: by the notification id it quotes, else by data_id. */
export function linkEvent(quoted: Quoted, lookups: readonly PublishedLookup[]): Link {
  if (quoted.id !== undefined) {
    for (const l of lookups) {
      const hit = l.byId(quoted.id);
      if (hit) return { linkedBy: 'id', ourNotification: quoted.id, dataId: hit.dataId };
    }
  }
  if (quoted.dataId !== undefined) {
    for (const l of lookups) {
      const hit = l.byDataId(quoted.dataId);
      if (!hit) continue;
      const link: Link = { linkedBy: 'data_id', dataId: quoted.dataId };
      const id = hit.id ?? quoted.id;
      if (id !== undefined) link.ourNotification = id;
      return link;
    }
  }
  return {};
}

/** Counts of events read, by severity and kind, and of refused payloads by code. */
export class MonitorCounts {
  readonly events = new Map<string, number>();
  readonly rejected = new Map<string, number>();
  linked = 0;
  unmatched = 0;

  event(e: MonitorEvent, link: Link): void {
    const key = `${e.severity}\u0000${e.kind}`;
    this.events.set(key, (this.events.get(key) ?? 0) + 1);
    if (link.linkedBy) this.linked++;
    else this.unmatched++;
  }

  reject(code: string): void {
    this.rejected.set(code, (this.rejected.get(code) ?? 0) + 1);
  }

  /** events at severity ERROR or worse */
  errors(): number {
    let n = 0;
    for (const [key, count] of this.events) if (['ERROR', 'CRITICAL', 'ALERT', 'EMERGENCY'].includes(key.split('\u0000')[0] ?? '')) n += count;
    return n;
  }

  total(): number {
    let n = 0;
    for (const count of this.events.values()) n += count;
    return n;
  }
}
