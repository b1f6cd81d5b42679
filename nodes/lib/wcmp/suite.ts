/**
 * The WCMP2 executable test suite: the 14 abstract tests of WCMP 2.3 Annex A, one function per
 * test, each reporting every failure it finds with the member's path and the rule it breaks.
 * Malformed input never throws: a missing or wrongly typed member is a failed test.
 */
import { CONTACT_ROLES, PUBLISHER_ROLE, RESOURCE_TYPES } from './codelists';
import { checkRecordGeometry, collectionNesting } from './geometry';
import { checkRecordIdentifier } from './identifier';
import { decode, duplicateRecordPropertyKeys, has, jsonType, member, show } from './json';
import { pointer } from '../core/errors';
import { checkRecordLinks, readChannels, relations } from './links';
import {
  Findings,
  WCMP2_CONFORMANCE_CLASS,
  WCMP_TEST_NAMES,
  wcmpReport,
  type WcmpReport,
  type WcmpTestName,
} from './report';
import { schemaErrors } from './schema';
import { checkTime, readRfc3339 } from './temporal';
import { checkGlobalService, checkThemes } from './themes';
import { isRecord } from '../core/json';

export interface WcmpOptions {
  /**
   * Report a centre id missing from our register snapshot (in the identifier or in a channel)
   * as a warning instead of a failure, for centres registered after the snapshot.
   */
  relaxCentreId?: boolean;
}

const TEST_INDEX = Object.fromEntries(WCMP_TEST_NAMES.map((n, i) => [n, i])) as Record<WcmpTestName, number>;

/** GeometryCollections nested deeper than this are refused before the schema follows them. */
export const MAX_DEPTH = 64;

function properties(record: unknown, f: Findings, rule: string): Record<string, unknown> | undefined {
  const props = member(record, 'properties');
  if (isRecord(props)) return props;
  f.fail('properties', '/properties', rule, has(record, 'properties') ? `properties is an object, not ${show(props)}` : 'the record has no properties object');
  return undefined;
}

function testConformance(record: unknown, f: Findings): void {
  const rule = '/req/core/conformance A';
  if (!has(record, 'conformsTo')) {
    f.fail('missing', '/conformsTo', rule, 'the record has no conformsTo');
    return;
  }
  const list = member(record, 'conformsTo');
  if (!Array.isArray(list)) {
    f.fail('type', '/conformsTo', rule, `conformsTo is an array of conformance class URIs, not ${show(list)}`);
    return;
  }
  if (list.includes(WCMP2_CONFORMANCE_CLASS)) return;
  const near = list.find((v): v is string => typeof v === 'string' && /wis\.wmo\.int\/spec\/wcmp\/2/i.test(v));
  const hint = near === undefined ? '' : ` (${show(near)} is not written exactly so)`;
  f.fail('class', '/conformsTo', '/req/core/conformance B', `conformsTo does not list ${WCMP2_CONFORMANCE_CLASS}${hint}`);
}

function testType(record: unknown, f: Findings): void {
  const props = properties(record, f, '/req/core/type A');
  if (!props) return;
  if (!has(props, 'type')) {
    f.fail('missing', '/properties/type', '/req/core/type A', 'the record has no properties.type');
    return;
  }
  const type = props.type;
  if (typeof type !== 'string' || !RESOURCE_TYPES.includes(type)) {
    f.fail('invalid', '/properties/type', '/req/core/type B', `Invalid type: ${show(type)} is not a resource type (${RESOURCE_TYPES.join(', ')})`);
  }
}

function testText(record: unknown, f: Findings, key: 'title' | 'description'): void {
  const rule = `/req/core/${key} A`;
  const props = properties(record, f, rule);
  if (!props) return;
  const path = `/properties/${key}`;
  if (!has(props, key)) {
    f.fail('missing', path, rule, `the record has no properties.${key}`);
    return;
  }
  const value = props[key];
  if (typeof value !== 'string') f.fail('type', path, rule, `properties.${key} is a string, not ${show(value)}`);
  else if (value.trim() === '') f.fail('empty', path, rule, `properties.${key} is empty`);
}

const ALPHA3 = /^[A-Z]{3}$/;

function testContacts(record: unknown, f: Findings): void {
  const props = properties(record, f, '/req/core/contacts A');
  if (!props) return;
  const path = '/properties/contacts';
  if (!has(props, 'contacts')) {
    f.fail('missing', path, '/req/core/contacts A', 'the record has no properties.contacts');
    return;
  }
  const contacts = props.contacts;
  if (!Array.isArray(contacts) || contacts.length === 0) {
    f.fail('empty', path, '/req/core/contacts A', `properties.contacts is an array of one contact or more, not ${show(contacts)}`);
    return;
  }
  for (let i = 0; i < contacts.length; i++) {
    const contact: unknown = contacts[i];
    if (!isRecord(contact)) {
      f.fail('contact_type', pointer(path, i), '/req/core/contacts A', `a contact is an object, not ${show(contact)}`);
      continue;
    }
    const organization = member(contact, 'organization');
    if (typeof organization !== 'string' || organization.trim() === '') {
      const named = typeof member(contact, 'name') === 'string' ? ' (a name alone does not do)' : '';
      f.fail('organization', pointer(path, i, 'organization'), '/req/core/contacts B', `each contact names its organization, not ${show(organization)}${named}`);
    }
    if (!has(contact, 'roles')) {
      // The abstract test looks for roles; the requirement only constrains roles when present.
      f.warn('roles_missing', pointer(path, i, 'roles'), '/req/core/contacts C', 'the contact has no roles; the abstract test expects them (host, producer, ...)');
    } else {
      const roles = member(contact, 'roles');
      if (!Array.isArray(roles)) f.fail('roles_type', pointer(path, i, 'roles'), '/req/core/contacts C', `roles is an array of role codes, not ${show(roles)}`);
      else {
        for (let r = 0; r < roles.length; r++) {
          const role: unknown = roles[r];
          if (typeof role === 'string' && CONTACT_ROLES.includes(role)) continue;
          if (role === PUBLISHER_ROLE) {
            f.warn('role_publisher', pointer(path, i, 'roles', r), '/req/core/contacts C', `role "publisher" is recommended (/rec/core/contacts A) but missing from the contact-role register (${CONTACT_ROLES.join(', ')})`);
            continue;
          }
          f.fail('role_invalid', pointer(path, i, 'roles', r), '/req/core/contacts C', `Invalid role ${show(role)}: contact roles are ${CONTACT_ROLES.join(', ')}`);
        }
      }
    }
    const addresses = member(contact, 'addresses');
    if (Array.isArray(addresses)) {
      for (let a = 0; a < addresses.length; a++) {
        const country = member(addresses[a], 'country');
        if (typeof country === 'string' && !ALPHA3.test(country)) {
          f.warn('country', pointer(path, i, 'addresses', a, 'country'), '/rec/core/contacts B', `country ${show(country)} is best given as an ISO 3166-1 alpha-3 code (such as FRA)`);
        }
      }
    }
  }
}

function testCreated(record: unknown, f: Findings, text: string | undefined): void {
  const rule = '/req/core/record_creation_date A';
  const props = properties(record, f, rule);
  if (!props) return;
  const path = '/properties/created';
  let created: number | undefined;
  if (!has(props, 'created')) f.fail('missing', path, rule, 'the record has no properties.created');
  else {
    const value = props.created;
    created = typeof value === 'string' ? readRfc3339(value) : undefined;
    if (created === undefined) f.fail('format', path, rule, `properties.created is an RFC 3339 date-time, not ${show(value)}`);
  }
  if (text !== undefined && duplicateRecordPropertyKeys(text).includes('created')) {
    f.fail('repeated', path, '/req/core/record_creation_date B', 'properties.created is written more than once; a record has a single creation date');
  }
  if (has(props, 'updated')) {
    const value = props.updated;
    const updated = typeof value === 'string' ? readRfc3339(value) : undefined;
    if (updated === undefined) {
      f.warn('updated_format', '/properties/updated', '/rec/core/record_update_date', `properties.updated is an RFC 3339 date-time, not ${show(value)}`);
    } else if (created !== undefined && updated < created) {
      f.warn('updated_before_created', '/properties/updated', '/rec/core/record_update_date', 'the record is updated before it was created');
    }
  }
}

function testDataPolicy(record: unknown, f: Findings): void {
  const props = properties(record, f, '/req/core/data_policy A');
  if (!props) return;
  const type = props.type;
  const path = '/properties/wmo:dataPolicy';
  const given = has(props, 'wmo:dataPolicy');
  if (!given) {
    if (type === 'dataset') f.fail('missing', path, '/req/core/data_policy A', 'Missing data policy: a dataset record gives wmo:dataPolicy');
    else f.skip(`wmo:dataPolicy is required of datasets; properties.type is ${show(type)}`);
    return;
  }
  const policy = props['wmo:dataPolicy'];
  if (policy !== 'core' && policy !== 'recommended') {
    f.fail('invalid', path, '/req/core/data_policy B', `Invalid data policy ${show(policy)}: it is core or recommended`);
    return;
  }
  if (policy === 'recommended') {
    const links = member(record, 'links');
    const licensed = Array.isArray(links) && links.some((l) => relations(l).includes('license'));
    if (!licensed) f.fail('license', '/links', '/req/core/data_policy C', 'recommended data requires a link with rel=license');
  }
}

function testValidation(record: unknown, f: Findings, shapeOk: boolean): void {
  const rule = '/req/core/validation A';
  if (!isRecord(record)) {
    f.fail('not_object', '', '/req/core/validation B', `a record is a JSON object (a GeoJSON Feature), not ${jsonType(record)}`);
    return;
  }
  if (shapeOk) {
    for (const e of schemaErrors(record)) f.fail('schema', e.path, rule, `${e.path === '' ? 'the record' : e.path} ${e.message}`);
  }
  if (has(record, 'type') && member(record, 'type') !== 'Feature') {
    f.fail('feature', '/type', '/req/core/validation C', `type is "Feature", not ${show(member(record, 'type'))}`);
  }
}

/** A report where validation failed for a reason that keeps every other test from running. */
function refusal(validation: Findings, reason: string): WcmpReport {
  const tests = WCMP_TEST_NAMES.map((name) => {
    if (name === 'validation') return validation.result();
    const f = new Findings(name);
    f.skip(reason);
    return f.result();
  });
  return wcmpReport(tests, null);
}

function run(input: unknown, options: WcmpOptions): WcmpReport {
  const decoded = decode(input);
  if (!decoded.ok) {
    const v = new Findings('validation');
    v.fail('json', '', '/req/core/validation A', `the input is not JSON: ${decoded.message}`);
    return refusal(v, 'not run: the input is not JSON');
  }
  const record = decoded.value;
  if (!isRecord(record)) {
    const v = new Findings('validation');
    testValidation(record, v, false);
    return refusal(v, 'not run: the record is not a JSON object');
  }
  const nesting = collectionNesting(record, MAX_DEPTH);
  const findings: Findings[] = WCMP_TEST_NAMES.map((n) => new Findings(n));
  const get = (name: WcmpTestName): Findings => findings[TEST_INDEX[name]];
  const validation = get('validation');
  if (nesting?.problem === 'shared') {
    validation.fail('shared', nesting.at, '/req/core/validation A', 'the geometry contains itself (a cycle or a shared branch); a JSON record is a tree');
  } else if (nesting?.problem === 'depth') {
    validation.fail('depth', nesting.at, '/req/core/validation A', `GeometryCollections nest deeper than ${MAX_DEPTH} levels`);
  }
  testValidation(record, validation, nesting === undefined);
  const relax = options.relaxCentreId === true;
  const centreId = checkRecordIdentifier(record, get('identifier'), { relaxCentreId: relax });
  testConformance(record, get('conformance'));
  testType(record, get('type'));
  checkRecordGeometry(record, get('extent_geospatial'));
  checkTime(record, get('extent_temporal'));
  testText(record, get('title'), 'title');
  testText(record, get('description'), 'description');
  const props = member(record, 'properties');
  const channels = readChannels(record);
  const disciplines = new Map<string, string>();
  for (const c of channels) {
    if (c.check.notificationType === 'data' && c.check.discipline !== undefined) disciplines.set(c.path, c.check.discipline);
  }
  const themes = checkThemes(record, get('themes'), disciplines);
  checkGlobalService(record, get('themes_wis2_global_service'), themes);
  testContacts(record, get('contacts'));
  testCreated(record, get('record_creation_date'), decoded.text);
  testDataPolicy(record, get('data_policy'));
  checkRecordLinks(record, get('links'), {
    relaxCentreId: relax,
    centreId,
    dataPolicy: member(props, 'wmo:dataPolicy'),
    resourceType: member(props, 'type'),
    channels,
  });
  const id = member(record, 'id');
  const metadataId = typeof id === 'string' ? id : typeof id === 'number' ? String(id) : null;
  return wcmpReport(
    findings.map((f) => f.result()),
    metadataId,
  );
}

/**
 * Runs the 14 WCMP2 abstract tests on a record given as an object, a JSON string or its UTF-8
 * bytes. Never throws: whatever the input, the answer is a report.
 */
export function validateWcmp(input: unknown, options?: WcmpOptions | null): WcmpReport {
  try {
    return run(input, options ?? {});
  } catch (err) {
    // Only inputs that are not plain JSON values (throwing getters, proxies) can get here.
    const v = new Findings('validation');
    v.fail('unreadable', '', '/req/core/validation A', `the record could not be read: ${err instanceof Error ? err.message : String(err)}`);
    return refusal(v, 'not run: the record could not be read');
  }
}

