/**
 * /conf/core/links: link relations from IANA or the WIS link types, MQTT links with the mqtt or
 * mqtts scheme and a channel that is a WIS2 publication topic of the record's own centre and data
 * policy, and security schemes that say how to obtain access.
 */
import { validateTopic, type TopicCheck } from '../wth';
import { DATA_ACCESS_RELATIONS, IANA_LINK_RELATIONS, MEDIA_TOP_LEVEL_TYPES, WIS_LINK_TYPES } from './codelists';
import { memo } from '../core/memo';
import type { Findings } from './report';
import { arrayMember, has, member, show, stringMember } from './json';
import { pointer } from '../core/errors';
import { isRecord } from '../core/json';

const RULE_A = '/req/core/links A';
const RULE_B = '/req/core/links B';
const RULE_D = '/req/core/links D';
const RULE_E = '/req/core/links E';
const RULE_F = '/req/core/links F';
const RULE_G = '/req/core/links G';
const REC_A = '/rec/core/links A';
const REC_B = '/rec/core/links B';

const KNOWN_RELATIONS = new Set([...IANA_LINK_RELATIONS, ...WIS_LINK_TYPES]);

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** A registered relation one or two edits away (licence -> license), only for words long enough to tell. */
const closestRelation = memo((token: string): string | undefined => {
  if (token.length < 4 || token.length > 40) return undefined;
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of KNOWN_RELATIONS) {
    if (Math.abs(candidate.length - token.length) >= bestDistance) continue;
    const d = editDistance(token, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
});

function isSchemeChar(c: number, first: boolean): boolean {
  const letter = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
  if (first) return letter;
  return letter || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e;
}

const COMMON_SCHEMES = ['https', 'http', 'mqtts', 'mqtt', 'wss', 'ws'];

/** The scheme of a URI (RFC 3986 section 3.1), lower case, or undefined. */
export function uriScheme(href: string): string | undefined {
  // The schemes links use, as they are usually written, without building a new string.
  for (const scheme of COMMON_SCHEMES) {
    if (href.startsWith(scheme) && href.charCodeAt(scheme.length) === 0x3a) return scheme;
  }
  let start = 0;
  while (start < href.length && href.charCodeAt(start) <= 0x20) start++;
  // Registered schemes are short; a colon further on is not a scheme's.
  const end = Math.min(href.length, start + 64);
  for (let i = start; i < end; i++) {
    const c = href.charCodeAt(i);
    if (c === 0x3a) return i > start ? href.slice(start, i).toLowerCase() : undefined;
    if (!isSchemeChar(c, i === start)) return undefined;
  }
  return undefined;
}

const NO_RELATIONS: readonly string[] = [];

const relationTokens = memo((rel: string): readonly string[] =>
  rel.trim().split(/\s+/).filter((t) => t !== '').map((t) => (uriScheme(t) === undefined ? t.toLowerCase() : t)),
);

/** Relation tokens of a link (a rel may hold several, RFC 8288 section 3.3), lower case. */
export function relations(link: unknown): readonly string[] {
  const rel = stringMember(link, 'rel');
  return rel === undefined ? NO_RELATIONS : relationTokens(rel);
}

const TOP_LEVEL = new Set(MEDIA_TOP_LEVEL_TYPES);

/** RFC 6838 section 4.2 names, under a registered top-level type, optionally with parameters. */
export const isMediaType = memo((value: string): boolean => {
  const m = /^([A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126})\/([A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126})\s*(;.*)?$/.exec(value.trim());
  return m !== null && TOP_LEVEL.has(m[1].toLowerCase());
});

const DATA_ACCESS = new Set(DATA_ACCESS_RELATIONS);

/** A link's channel, already checked against the WIS2 Topic Hierarchy. */
export interface Channel {
  /** Index of the link in `links`. */
  link: number;
  path: string;
  channel: string;
  hub: boolean;
  check: TopicCheck;
}

/**
 * WIS2 topics run to a dozen short levels; a channel longer than this is not a topic, and the
 * topic validator's suggestions cost time in proportion to the square of a level's length.
 */
export const MAX_CHANNEL_LENGTH = 1024;

// Checks are shared between reports and must not be changed.
const publicationCheck = memo((channel: string): TopicCheck => validateTopic(channel, { mode: 'publication', allowCache: true }));
const subscriptionCheck = memo((channel: string): TopicCheck => validateTopic(channel, { mode: 'subscription' }));

/** Every string channel of the record's links, each checked once. */
export function readChannels(record: unknown): Channel[] {
  const out: Channel[] = [];
  (arrayMember(record, 'links') ?? []).forEach((link, i) => {
    const channel = member(link, 'channel');
    if (typeof channel !== 'string' || channel.length > MAX_CHANNEL_LENGTH) return;
    const hub = relations(link).includes('hub');
    // A hub is a broker endpoint: its channel is what one subscribes to there, so filters are fine.
    const check = hub ? subscriptionCheck(channel) : publicationCheck(channel);
    out.push({ link: i, path: pointer('/links', i, 'channel'), channel, hub, check });
  });
  return out;
}

export interface LinkContext {
  relaxCentreId: boolean;
  /** Centre id of the record identifier, when it has the WCMP2 notation. */
  centreId: string | undefined;
  dataPolicy: unknown;
  resourceType: unknown;
  channels: readonly Channel[];
}

export function checkRecordLinks(record: unknown, f: Findings, ctx: LinkContext): void {
  const path = '/links';
  if (!has(record, 'links')) {
    f.fail('missing', path, RULE_A, 'the record has no links');
    return;
  }
  const links = member(record, 'links');
  if (!Array.isArray(links)) {
    f.fail('type', path, RULE_A, `links is an array of link objects, not ${show(links)}`);
    return;
  }
  if (links.length === 0) {
    f.fail('empty', path, RULE_A, 'missing at least one link');
    return;
  }
  const channels: (Channel | undefined)[] = [];
  for (const c of ctx.channels) channels[c.link] = c;
  let dataAccess = false;
  for (let i = 0; i < links.length; i++) {
    const link: unknown = links[i];
    if (!isRecord(link)) {
      f.fail('link_type', pointer(path, i), RULE_A, `a link is an object with href and rel, not ${show(link)}`);
      continue;
    }
    const href = member(link, 'href');
    const scheme = typeof href === 'string' ? uriScheme(href) : undefined;
    if (typeof href !== 'string' || href.trim() === '') {
      f.fail('href', pointer(path, i, 'href'), RULE_A, `a link has an href, a URI string, not ${show(href)}`);
    }
    const rels = checkRelations(link, i, f);
    if (!dataAccess && rels.some((r) => DATA_ACCESS.has(r))) dataAccess = true;
    const type = member(link, 'type');
    if (typeof type === 'string' && !isMediaType(type)) {
      f.warn('media_type', pointer(path, i, 'type'), REC_B, `link type ${show(type)} is not a media type (type/subtype, RFC 6838)`);
    }
    const hasChannel = has(link, 'channel');
    const hub = rels.includes('hub');
    const mqtt = scheme === 'mqtt' || scheme === 'mqtts';
    const websocket = scheme === 'ws' || scheme === 'wss';
    if (mqtt || (websocket && (hasChannel || hub))) dataAccess = true;
    if (websocket && (hasChannel || hub)) {
      f.warn('mqtt_scheme', pointer(path, i, 'href'), RULE_E, `the MQTT link uses the ${scheme} scheme (MQTT over WebSocket); MQTT links use mqtt (port 1883) or mqtts (port 8883)`);
    }
    if (hasChannel && !mqtt && !websocket) {
      f.fail('channel_scheme', pointer(path, i, 'href'), RULE_E, `a link with a channel announces real-time data: its href is an mqtt or mqtts URI, not ${show(href)}`);
    }
    if (mqtt && !hasChannel && !hub) {
      f.fail('channel_missing', pointer(path, i), RULE_F, 'missing channel for Pub/Sub link: an MQTT link gives the WIS2 topic of its notifications in channel');
    }
    if (scheme === 'http' || scheme === 'mqtt' || scheme === 'ws') {
      f.warn('insecure', pointer(path, i, 'href'), REC_A, `the link uses ${scheme}; secure protocols (https, mqtts, wss) are recommended`);
    }
    if (hasChannel) {
      const channel = member(link, 'channel');
      if (typeof channel !== 'string') f.fail('channel_type', pointer(path, i, 'channel'), RULE_F, `channel is a WIS2 topic string, not ${show(channel)}`);
      else if (channel.length > MAX_CHANNEL_LENGTH) {
        f.fail('channel_topic', pointer(path, i, 'channel'), RULE_F, `Invalid WIS2 topic for Pub/Sub link channel: ${channel.length} characters is no WIS2 topic (not checked further)`);
      } else {
        const checked = channels[i];
        if (checked) checkChannel(checked, f, ctx);
      }
    }
    if (has(link, 'security')) checkSecurity(member(link, 'security'), pointer(path, i, 'security'), f);
  }
  if (ctx.resourceType === 'dataset' && !dataAccess) {
    f.warn('data_access', path, RULE_B, `no link gives access to the data (an MQTT link, or rel ${DATA_ACCESS_RELATIONS.join(', ')})`);
  }
}

function checkRelations(link: object, index: number, f: Findings): readonly string[] {
  const rel = member(link, 'rel');
  if (typeof rel === 'string') {
    const known = relationTokens(rel);
    if (known.length > 0 && known.every((t) => KNOWN_RELATIONS.has(t))) return known;
  }
  const rpath = pointer('/links', index, 'rel');
  if (!has(link, 'rel')) {
    f.fail('rel_missing', rpath, RULE_G, 'the link has no rel; each link gives a relation from IANA or the WIS link types');
    return NO_RELATIONS;
  }
  if (typeof rel !== 'string' || rel.trim() === '') {
    f.fail('rel_type', rpath, RULE_G, `rel is a link relation name, not ${show(rel)}`);
    return NO_RELATIONS;
  }
  const tokens = relations(link);
  for (const token of tokens) {
    if (KNOWN_RELATIONS.has(token)) continue;
    if (uriScheme(token) !== undefined) {
      f.warn('rel_extension', rpath, RULE_G, `${show(token)} is an extension relation type (RFC 8288 section 2.1.2); WCMP2 asks for an IANA relation or a WIS link type`);
      continue;
    }
    const close = closestRelation(token);
    const hint = close === undefined ? '' : ` (did you mean ${show(close)}?)`;
    f.fail('rel_invalid', rpath, RULE_G, `invalid link relation ${show(token)}: not in the IANA registry nor in the WIS link types${hint}`);
  }
  return tokens;
}

const CENTRE_CODES = new Set(['centre-id-unknown', 'centre-id-retired']);

function checkChannel(c: Channel, f: Findings, ctx: LinkContext): void {
  for (const e of c.check.errors) {
    const hint = e.suggestion === undefined ? '' : `; ${e.suggestion}`;
    const text = `Invalid WIS2 topic for Pub/Sub link channel ${show(c.channel)}: ${e.message}${hint}`;
    if (e.code === 'topic-not-leaf') {
      // WTH /per/core/publishing B lets data go to a topic that has sub-topics; only /rec B and the reference Global Broker object.
      f.warn('channel_not_leaf', c.path, RULE_F, `${text} (the WIS2 Topic Hierarchy permits it, /per/core/publishing B)`);
    } else if (e.code === 'data-too-shallow') {
      // WCMP2's own examples announce level-7 channels (…/data/core/climate); the level-8 rule is
      // WTH's publishing requirement, which the WCMP2 abstract tests do not cover. A notification
      // on such a topic is refused when published; the record only gets a warning.
      f.warn('channel_shallow', c.path, RULE_F, `${text} (WTH /req/core/publishing B; WCMP2's own examples do this)`);
    } else if (CENTRE_CODES.has(e.code) && ctx.relaxCentreId) {
      f.warn('channel_centre_id', c.path, RULE_F, text);
    } else {
      f.fail('channel_topic', c.path, RULE_F, text);
    }
  }
  for (const w of c.check.warnings) {
    if (w.code === 'centre-id-test') continue;
    f.warn('channel_note', c.path, RULE_F, `channel ${show(c.channel)}: ${w.message}`);
  }
  if (c.check.centreId !== undefined && ctx.centreId !== undefined && c.check.centreId !== ctx.centreId) {
    f.fail('channel_centre_mismatch', c.path, RULE_F, `centre identifiers do not match: the channel is published by ${show(c.check.centreId)}, the record id names ${show(ctx.centreId)}`);
  }
  if (c.check.notificationType === 'data' && c.check.dataPolicy !== undefined) {
    if (typeof ctx.dataPolicy === 'string') {
      if (ctx.dataPolicy !== c.check.dataPolicy) {
        f.fail('channel_data_policy', c.path, RULE_F, `Inconsistent data policy in channel with wmo:dataPolicy: the channel says ${show(c.check.dataPolicy)}, the record ${show(ctx.dataPolicy)}`);
      }
    } else {
      f.warn('channel_data_policy', c.path, RULE_F, `the channel carries ${show(c.check.dataPolicy)} data but the record gives no wmo:dataPolicy to compare it with`);
    }
  }
}

function checkSecurity(security: unknown, path: string, f: Findings): void {
  if (!isRecord(security)) {
    f.fail('security_type', path, RULE_D, `security is a map of security schemes, not ${show(security)}`);
    return;
  }
  for (const key of Object.keys(security)) {
    const scheme = security[key];
    const spath = pointer(path, key);
    const description = member(scheme, 'description');
    if (typeof description !== 'string' || description.trim() === '') {
      f.fail('security_description', spath, RULE_D, `missing security description for ${show(key)}: say how to obtain access in its description`);
    }
  }
}
