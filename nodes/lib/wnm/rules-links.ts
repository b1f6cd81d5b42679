/**
 * /req/core/links A-I and /rec/core/links A-B.
 */
import type { Operation } from './standard';
import type { Findings } from '../core/report';
import { shown } from './suite-report';

export type { Operation };

const OPERATIONS: ReadonlySet<string> = new Set<Operation>(['canonical', 'update', 'deletion']);
const SCHEMES: ReadonlySet<string> = new Set(['http', 'https', 'ftp', 'sftp']);
/** Long-form relation URIs of earlier drafts of the standard; WNM 1.3 uses the plain link types. */
const DRAFT_RELATIONS: Readonly<Partial<Record<string, Operation>>> = {
  'http://def.wmo.int/def/rel/wnm/-/update': 'update',
  'http://def.wmo.int/def/rel/wnm/-/deletion': 'deletion',
};

export interface LinksContext {
  /** `properties.data_id` when a string. */
  dataId: string | undefined;
  /** `properties.metadata_id` as found. */
  metadataId: unknown;
  /** The MQTT topic the message was received on or is meant for, when known. */
  topic: string | undefined;
}

/**
 * Whether the message announces a WCMP2 discovery metadata record rather than data, which
 * /req/core/links H needs to know. A single message does not say it outright, so any of these
 * counts:
 * - the topic is a WIS2 metadata topic: `<channel>/a/wis2/<centre-id>/metadata[/...]`;
 * - `data_id` is a WCMP2 identifier (`urn:wmo:md:...`);
 * - `data_id` has a path segment `metadata`, as in `<centre-id>/metadata/<record-id>` or a WIS2
 *   topic form `wis2/<centre-id>/metadata/...` (/per/core/data_id).
 * The cost of a wrong guess is only that metadata_id, already recommended, becomes required.
 */
export function announcesMetadata(context: LinksContext): boolean {
  const { topic, dataId } = context;
  if (topic !== undefined) {
    const levels = topic.split('/');
    if (levels.length >= 5 && levels[1] === 'a' && levels[2] === 'wis2' && levels[4] === 'metadata') return true;
  }
  if (dataId === undefined) return false;
  if (dataId.startsWith('urn:wmo:md:')) return true;
  return dataId === 'metadata' || dataId.startsWith('metadata/') || dataId.includes('/metadata/') || dataId.endsWith('/metadata');
}

/**
 * RFC 3986 has no room for white space or control characters in a URI; WHATWG URL parsing would
 * silently trim or encode them, so they are caught first.
 */
function hasUnsafeChar(href: string): boolean {
  for (let i = 0; i < href.length; i++) {
    const c = href.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f) return true;
  }
  return false;
}

/** The scheme of a URL, lower-cased, without the colon; '' when there is none. */
function schemeOf(href: string): string {
  // The usual spellings first: this runs for every link of every message.
  if (href.startsWith('https:')) return 'https';
  if (href.startsWith('http:')) return 'http';
  const colon = href.indexOf(':');
  if (colon <= 0) return '';
  const scheme = href.slice(0, colon).toLowerCase();
  return /^[a-z][a-z0-9+.-]*$/.test(scheme) ? scheme : '';
}

/** `//` and a non-empty authority right after `<scheme>:` (RFC 3986 §3.2). */
function hasAuthority(href: string, scheme: string): boolean {
  const at = scheme.length + 1;
  if (href.charCodeAt(at) !== 0x2f || href.charCodeAt(at + 1) !== 0x2f) return false;
  const first = href.charAt(at + 2);
  return first !== '' && first !== '/' && first !== '?' && first !== '#';
}

function hrefPath(index: number): string {
  return `/links/${index}/href`;
}

function checkHref(href: string, index: number, issues: Findings, recommendations: Findings): void {
  if (hasUnsafeChar(href)) {
    issues.add(hrefPath(index), 'contains white space or control characters, which a URL must percent-encode');
    return;
  }
  // The WHATWG URL parser decides whether this is a URL at all; the scheme is then read off the
  // front, where a URL that parses has it.
  if (!URL.canParse(href)) {
    issues.add(hrefPath(index), `${shown(href)} is not an absolute URL`);
    return;
  }
  const scheme = schemeOf(href);
  if (!SCHEMES.has(scheme)) {
    issues.add(hrefPath(index), `uses the scheme ${scheme}; links SHALL be HTTP, HTTPS, FTP or SFTP (/req/core/links D)`);
    return;
  }
  // WHATWG parsing forgives `http:example.org` and `https:/example.org`; a link is a fully
  // qualified URL, with `//` and a host.
  if (!hasAuthority(href, scheme)) {
    issues.add(hrefPath(index), `${shown(href)} is not a fully qualified URL (${scheme}://host/...)`);
    return;
  }
  if (scheme !== 'https') {
    recommendations.add(
      hrefPath(index),
      scheme === 'sftp'
        ? 'uses SFTP; HTTPS is the preferred secure protocol (/rec/core/links A)'
        : `uses ${scheme === 'http' ? 'HTTP' : 'FTP'}, which is not secure; HTTPS is preferred (/rec/core/links A)`,
    );
  }
}

export interface LinksOutcome {
  /** The single operation of the message, when it has exactly one canonical/update/deletion link. */
  operation?: Operation;
}

/** Adds requirement problems to `issues` and recommendation warnings to `recommendations`. */
export function checkMessageLinks(message: Record<string, unknown>, context: LinksContext, issues: Findings, recommendations: Findings): LinksOutcome {
  const links = message.links;
  if (links === undefined) {
    issues.add('/links', 'is required (/req/core/links A)');
    return {};
  }
  if (!Array.isArray(links)) {
    issues.add('/links', 'must be an array of links (/req/core/links A)');
    return {};
  }
  const list = links as unknown[];
  if (list.length === 0) {
    issues.add('/links', 'must hold at least one link with href and rel (/req/core/links B)');
    return {};
  }
  const operationAt: number[] = [];
  const operationRel: Operation[] = [];
  for (let i = 0; i < list.length; i++) {
    const link = list[i];
    if (typeof link !== 'object' || link === null || Array.isArray(link)) {
      issues.add(`/links/${i}`, 'must be a link object with href and rel');
      continue;
    }
    const { href, rel } = link as Record<string, unknown>;
    if (href === undefined) issues.add(hrefPath(i), 'is required (/req/core/links B)');
    else if (typeof href !== 'string') issues.add(hrefPath(i), 'must be a string');
    else checkHref(href, i, issues, recommendations);

    if (rel === undefined) issues.add(`/links/${i}/rel`, 'is required (/req/core/links B)');
    else if (typeof rel !== 'string') issues.add(`/links/${i}/rel`, 'must be a string');
    else if (OPERATIONS.has(rel)) {
      operationAt.push(i);
      operationRel.push(rel as Operation);
    } else {
      const meant = DRAFT_RELATIONS[rel] ?? (OPERATIONS.has(rel.toLowerCase()) ? (rel.toLowerCase() as Operation) : undefined);
      if (meant !== undefined) {
        issues.add(`/links/${i}/rel`, `${shown(rel)} is not the WIS2 link type ${shown(meant)}, which Global Brokers compare exactly`);
      }
    }
  }

  if (operationAt.length === 0) {
    issues.add('/links', 'has no link with rel canonical (new data or metadata), update or deletion (/req/core/links E-G)');
    return {};
  }
  const first = operationRel[0];
  for (let k = 1; k < operationAt.length; k++) {
    const rel = operationRel[k];
    const path = `/links/${operationAt[k]}/rel`;
    if (rel === first) {
      issues.add(path, `is a second ${rel} link; a message carries exactly one canonical, update or deletion link (/req/core/links E-G, I)`);
    } else {
      issues.add(path, `${rel} is combined with ${first} at /links/${operationAt[0]}; canonical, update and deletion are never combined in one message (/req/core/links I)`);
    }
  }

  if (operationRel.includes('deletion') && announcesMetadata(context)) {
    const id = context.metadataId;
    if (typeof id !== 'string' || id === '') {
      issues.add('/properties/metadata_id', 'is required when a metadata record is deleted (/req/core/links H)');
    }
  }

  for (let k = 0; k < operationAt.length; k++) {
    const rel = operationRel[k];
    if (rel === 'deletion') continue;
    const index = operationAt[k];
    const link = list[index] as Record<string, unknown>;
    if (link.length === undefined) {
      recommendations.add(`/links/${index}/length`, `is missing on the ${rel} link; give the size of the data in bytes (/rec/core/links B)`);
    }
    if (link.type === undefined) {
      recommendations.add(`/links/${index}/type`, `is missing on the ${rel} link; give the media type of the data`);
    }
  }
  return operationAt.length === 1 ? { operation: first } : {};
}
