import assert from 'node:assert/strict';
import { validateWcmp, WCMP_TEST_IDS, type WcmpOptions, type WcmpTestName } from '../../../nodes/lib/wcmp';
import { code, failedTests, findings, goodRecord } from './helpers';

type Json = Record<string, unknown>;

function props(r: Json): Json {
  return r.properties as Json;
}
function links(r: Json): Json[] {
  return r.links as Json[];
}
function mqttLink(r: Json): Json {
  return links(r)[0];
}

/** A WIS2 global service record (a Global Broker) that passes every test. */
function globalService(): Json {
  const r = goodRecord();
  r.id = 'urn:wmo:md:fr-meteofrance-global-broker:gb';
  r.time = null;
  const p = props(r);
  p.type = 'service';
  delete p['wmo:dataPolicy'];
  p.themes = [
    {
      concepts: ['weather', 'climate', 'hydrology', 'atmospheric-composition', 'cryosphere', 'ocean', 'space-weather'].map((id) => ({ id })),
      scheme: 'https://codes.wmo.int/wis/topic-hierarchy/earth-system-discipline',
    },
    { concepts: [{ id: 'global-broker' }], scheme: 'https://codes.wmo.int/wis/global-service-type' },
  ];
  r.links = [{ rel: 'hub', type: 'application/geo+json', href: 'mqtts://globalbroker.example.org:8883' }];
  return r;
}

const square = (x: number, y: number, s: number): number[][] => [[x, y], [x + s, y], [x + s, y + s], [x, y + s], [x, y]];

interface Case {
  rule: string;
  test: WcmpTestName;
  code: string;
  /** Returns the input to validate (the record may be changed in place). */
  make: (r: Json) => unknown;
  base?: () => Json;
  options?: WcmpOptions;
}

/** One record per rule the suite fails, each breaking that rule alone as far as the rule allows. */
const FAILING: Case[] = [
  // validation
  { rule: '/req/core/validation A', test: 'validation', code: 'validation.json', make: () => '{"id": ' },
  { rule: '/req/core/validation B', test: 'validation', code: 'validation.not_object', make: () => [] },
  { rule: '/req/core/validation A', test: 'validation', code: 'validation.schema', make: (r) => ((r.linkTemplates = [{}]), r) },
  { rule: '/req/core/validation C', test: 'validation', code: 'validation.feature', make: (r) => ((r.type = 'FeatureCollection'), r) },
  {
    rule: '/req/core/validation A',
    test: 'validation',
    code: 'validation.depth',
    make: (r) => {
      let g: Json = { type: 'Point', coordinates: [0, 0] };
      for (let i = 0; i < 100; i++) g = { type: 'GeometryCollection', geometries: [g] };
      r.geometry = g;
      return r;
    },
  },
  {
    rule: '/req/core/validation A',
    test: 'validation',
    code: 'validation.shared',
    make: (r) => {
      // Only objects handed over by a caller can do this; JSON.parse always builds a tree.
      const collection = { type: 'GeometryCollection', geometries: [] as unknown[] };
      collection.geometries.push(collection);
      r.geometry = collection;
      return r;
    },
  },
  // identifier
  { rule: '/req/core/identifier A', test: 'identifier', code: 'identifier.missing', make: (r) => (delete r.id, r) },
  { rule: '/req/core/identifier B', test: 'identifier', code: 'identifier.type', make: (r) => ((r.id = 42), r) },
  { rule: '/req/core/identifier B', test: 'identifier', code: 'identifier.tokens', make: (r) => ((r.id = 'urn:wmo:md:fr-ifremer-argo'), r) },
  { rule: '/req/core/identifier B', test: 'identifier', code: 'identifier.prefix', make: (r) => ((r.id = 'urn:x-wmo:md:fr-ifremer-argo:argo'), r) },
  { rule: '/req/core/identifier C', test: 'identifier', code: 'identifier.centre_id', make: (r) => ((r.id = 'urn:wmo:md::argo'), r) },
  { rule: '/req/core/identifier C', test: 'identifier', code: 'identifier.centre_id_unknown', make: (r) => ((r.id = 'urn:wmo:md:fr-ifremer-argon:argo'), r) },
  { rule: '/req/core/identifier D', test: 'identifier', code: 'identifier.local_id_empty', make: (r) => ((r.id = 'urn:wmo:md:fr-ifremer-argo:'), r) },
  { rule: '/req/core/identifier D', test: 'identifier', code: 'identifier.characters', make: (r) => ((r.id = 'urn:wmo:md:fr-ifremer-argo:flotteurs-profileurs-océan'), r) },
  { rule: '/req/core/identifier D', test: 'identifier', code: 'identifier.local_id_space', make: (r) => ((r.id = 'urn:wmo:md:fr-ifremer-argo:argo profiles'), r) },
  { rule: '/req/core/identifier D', test: 'identifier', code: 'identifier.local_id_semicolon', make: (r) => ((r.id = 'urn:wmo:md:fr-ifremer-argo:argo;v2'), r) },
  // conformance
  { rule: '/req/core/conformance A', test: 'conformance', code: 'conformance.missing', make: (r) => (delete r.conformsTo, r) },
  { rule: '/req/core/conformance A', test: 'conformance', code: 'conformance.type', make: (r) => ((r.conformsTo = 'http://wis.wmo.int/spec/wcmp/2/conf/core'), r) },
  { rule: '/req/core/conformance B', test: 'conformance', code: 'conformance.class', make: (r) => ((r.conformsTo = ['https://wis.wmo.int/spec/wcmp/2/conf/core']), r) },
  // type
  { rule: '/req/core/type A', test: 'type', code: 'type.properties', make: (r) => ((r.properties = 'dataset'), r) },
  { rule: '/req/core/type A', test: 'type', code: 'type.missing', make: (r) => (delete props(r).type, r) },
  { rule: '/req/core/type B', test: 'type', code: 'type.invalid', make: (r) => ((props(r).type = 'collection'), r) },
  // extent_geospatial
  { rule: '/req/core/extent_geospatial A', test: 'extent_geospatial', code: 'extent_geospatial.missing', make: (r) => (delete r.geometry, r) },
  { rule: '/req/core/extent_geospatial A', test: 'extent_geospatial', code: 'extent_geospatial.not_geometry', make: (r) => ((r.geometry = 'POINT (0 0)'), r) },
  { rule: '/req/core/extent_geospatial A', test: 'extent_geospatial', code: 'extent_geospatial.type', make: (r) => ((r.geometry = { type: 'Circle', coordinates: [0, 0] }), r) },
  { rule: '/req/core/extent_geospatial A', test: 'extent_geospatial', code: 'extent_geospatial.coordinates', make: (r) => ((r.geometry = { type: 'MultiPoint', coordinates: 'many' }), r) },
  { rule: '/req/core/extent_geospatial A', test: 'extent_geospatial', code: 'extent_geospatial.position', make: (r) => ((r.geometry = { type: 'Point', coordinates: [2] }), r) },
  { rule: '/req/core/extent_geospatial B', test: 'extent_geospatial', code: 'extent_geospatial.coordinate_type', make: (r) => ((r.geometry = { type: 'Point', coordinates: ['2.3', 48.8] }), r) },
  { rule: '/req/core/extent_geospatial A', test: 'extent_geospatial', code: 'extent_geospatial.longitude', make: (r) => ((r.geometry = { type: 'Point', coordinates: [182, 48.8] }), r) },
  { rule: '/req/core/extent_geospatial A', test: 'extent_geospatial', code: 'extent_geospatial.latitude', make: (r) => ((r.geometry = { type: 'Point', coordinates: [2.3, -91] }), r) },
  { rule: '/req/core/extent_geospatial A', test: 'extent_geospatial', code: 'extent_geospatial.line_too_short', make: (r) => ((r.geometry = { type: 'LineString', coordinates: [[0, 0]] }), r) },
  { rule: '/req/core/extent_geospatial A', test: 'extent_geospatial', code: 'extent_geospatial.line_degenerate', make: (r) => ((r.geometry = { type: 'LineString', coordinates: [[1, 1], [1, 1]] }), r) },
  { rule: '/req/core/extent_geospatial A', test: 'extent_geospatial', code: 'extent_geospatial.ring_too_short', make: (r) => ((r.geometry = { type: 'Polygon', coordinates: [[[0, 0], [1, 0], [0, 0]]] }), r) },
  { rule: '/req/core/extent_geospatial A', test: 'extent_geospatial', code: 'extent_geospatial.ring_open', make: (r) => ((r.geometry = { type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 1], [0, 1]]] }), r) },
  { rule: '/req/core/extent_geospatial A', test: 'extent_geospatial', code: 'extent_geospatial.ring_degenerate', make: (r) => ((r.geometry = { type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 0], [0, 0]]] }), r) },
  { rule: '/req/core/extent_geospatial A', test: 'extent_geospatial', code: 'extent_geospatial.geometries', make: (r) => ((r.geometry = { type: 'GeometryCollection' }), r) },
  {
    rule: '/req/core/extent_geospatial A',
    test: 'extent_geospatial',
    code: 'extent_geospatial.too_deep',
    make: (r) => {
      let g: Json = { type: 'Point', coordinates: [0, 0] };
      for (let i = 0; i < 20; i++) g = { type: 'GeometryCollection', geometries: [g] };
      r.geometry = g;
      return r;
    },
  },
  {
    rule: '/req/core/extent_geospatial A',
    test: 'extent_geospatial',
    code: 'extent_geospatial.invalid',
    make: (r) => ((r.geometry = { type: 'Polygon', coordinates: [[[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]] }), r),
  },
  // extent_temporal
  { rule: '/req/core/extent_temporal A', test: 'extent_temporal', code: 'extent_temporal.missing', make: (r) => (delete r.time, r) },
  { rule: '/req/core/extent_temporal B', test: 'extent_temporal', code: 'extent_temporal.not_object', make: (r) => ((r.time = '2020-01-01'), r) },
  { rule: '/req/core/extent_temporal B', test: 'extent_temporal', code: 'extent_temporal.none_of', make: (r) => ((r.time = { resolution: 'P1D' }), r) },
  { rule: '/req/core/extent_temporal B', test: 'extent_temporal', code: 'extent_temporal.several', make: (r) => ((r.time = { date: '2020-01-01', timestamp: '2020-01-01T00:00:00Z' }), r) },
  { rule: '/req/core/extent_temporal C', test: 'extent_temporal', code: 'extent_temporal.date', make: (r) => ((r.time = { date: '2021-02-29' }), r) },
  { rule: '/req/core/extent_temporal C', test: 'extent_temporal', code: 'extent_temporal.timestamp', make: (r) => ((r.time = { timestamp: '2020-01-01T00:00:00+02:00' }), r) },
  { rule: '/req/core/extent_temporal B', test: 'extent_temporal', code: 'extent_temporal.interval', make: (r) => ((r.time = { interval: ['2020-01-01'] }), r) },
  { rule: '/req/core/extent_temporal C', test: 'extent_temporal', code: 'extent_temporal.interval_bound', make: (r) => ((r.time = { interval: ['2020-01-01', null] }), r) },
  { rule: '/rec/core/extent_temporal A', test: 'extent_temporal', code: 'extent_temporal.resolution', make: (r) => (((r.time as Json).resolution = 'P1H'), r) },
  // title, description
  { rule: '/req/core/title A', test: 'title', code: 'title.missing', make: (r) => (delete props(r).title, r) },
  { rule: '/req/core/title A', test: 'title', code: 'title.type', make: (r) => ((props(r).title = ['Argo']), r) },
  { rule: '/req/core/title A', test: 'title', code: 'title.empty', make: (r) => ((props(r).title = '  '), r) },
  { rule: '/req/core/description A', test: 'description', code: 'description.missing', make: (r) => (delete props(r).description, r) },
  { rule: '/req/core/description A', test: 'description', code: 'description.type', make: (r) => ((props(r).description = 7), r) },
  { rule: '/req/core/description A', test: 'description', code: 'description.empty', make: (r) => ((props(r).description = ''), r) },
  // themes
  { rule: '/req/core/themes A', test: 'themes', code: 'themes.missing', make: (r) => (delete props(r).themes, r) },
  { rule: '/req/core/themes A', test: 'themes', code: 'themes.type', make: (r) => ((props(r).themes = { concepts: [] }), r) },
  { rule: '/req/core/themes A', test: 'themes', code: 'themes.empty', make: (r) => ((props(r).themes = []), r) },
  { rule: '/req/core/themes A', test: 'themes', code: 'themes.theme_type', make: (r) => ((props(r).themes as unknown[]).push('ocean'), r) },
  { rule: '/req/core/themes B', test: 'themes', code: 'themes.concepts', make: (r) => ((props(r).themes as unknown[]).push({ concepts: [], scheme: 'https://example.org' }), r) },
  { rule: '/req/core/themes B', test: 'themes', code: 'themes.concept_id', make: (r) => ((props(r).themes as unknown[]).push({ concepts: [{ title: 'x' }], scheme: 'https://example.org' }), r) },
  { rule: '/req/core/themes C', test: 'themes', code: 'themes.scheme', make: (r) => ((props(r).themes as unknown[]).push({ concepts: [{ id: 'x' }] }), r) },
  { rule: '/req/core/themes D', test: 'themes', code: 'themes.discipline_unknown', make: (r) => ((props(r).themes as Json[])[0] = { concepts: [{ id: 'oceanography' }], scheme: 'https://codes.wmo.int/wis/topic-hierarchy/earth-system-discipline' }, r) },
  { rule: '/req/core/themes D', test: 'themes', code: 'themes.discipline_scheme', make: (r) => ((props(r).themes as Json[])[0] = { concepts: [{ id: 'ocean' }], scheme: 'https://example.org/earth-system-discipline' }, r) },
  { rule: '/req/core/themes D', test: 'themes', code: 'themes.discipline_missing', make: (r) => ((props(r).themes = [{ concepts: [{ id: 'Oceanography' }], scheme: 'https://wis.wmo.int/2012/codelists/WMOCodeLists.xml' }]), r) },
  // themes_wis2_global_service
  { rule: '/req/core/themes_wis2_global_service A', test: 'themes_wis2_global_service', code: 'themes_wis2_global_service.disciplines_missing', base: globalService, make: (r) => ((props(r).themes as Json[]).shift(), r) },
  { rule: '/req/core/themes_wis2_global_service A', test: 'themes_wis2_global_service', code: 'themes_wis2_global_service.disciplines_incomplete', base: globalService, make: (r) => ((((props(r).themes as Json[])[0].concepts as unknown[]).pop()), r) },
  { rule: '/req/core/themes_wis2_global_service B', test: 'themes_wis2_global_service', code: 'themes_wis2_global_service.service_type_missing', base: globalService, make: (r) => ((props(r).themes as Json[]).pop(), r) },
  { rule: '/req/core/themes_wis2_global_service B', test: 'themes_wis2_global_service', code: 'themes_wis2_global_service.service_type_unknown', base: globalService, make: (r) => (((props(r).themes as Json[])[1].concepts = [{ id: 'global-broker' }, { id: 'global-replay' }]), r) },
  { rule: '/req/core/themes_wis2_global_service B', test: 'themes_wis2_global_service', code: 'themes_wis2_global_service.service_type_count', base: globalService, make: (r) => (((props(r).themes as Json[])[1].concepts = [{ id: 'global-broker' }, { id: 'global-cache' }]), r) },
  // contacts
  { rule: '/req/core/contacts A', test: 'contacts', code: 'contacts.missing', make: (r) => (delete props(r).contacts, r) },
  { rule: '/req/core/contacts A', test: 'contacts', code: 'contacts.empty', make: (r) => ((props(r).contacts = []), r) },
  { rule: '/req/core/contacts A', test: 'contacts', code: 'contacts.contact_type', make: (r) => ((props(r).contacts as unknown[]).push('Ifremer'), r) },
  { rule: '/req/core/contacts B', test: 'contacts', code: 'contacts.organization', make: (r) => (delete (props(r).contacts as Json[])[0].organization, r) },
  { rule: '/req/core/contacts C', test: 'contacts', code: 'contacts.roles_type', make: (r) => (((props(r).contacts as Json[])[0].roles = 'host'), r) },
  { rule: '/req/core/contacts C', test: 'contacts', code: 'contacts.role_invalid', make: (r) => (((props(r).contacts as Json[])[0].roles = ['host', 'pointOfContact']), r) },
  // record_creation_date
  { rule: '/req/core/record_creation_date A', test: 'record_creation_date', code: 'record_creation_date.missing', make: (r) => (delete props(r).created, r) },
  { rule: '/req/core/record_creation_date A', test: 'record_creation_date', code: 'record_creation_date.format', make: (r) => ((props(r).created = '2025-08-20'), r) },
  {
    rule: '/req/core/record_creation_date B',
    test: 'record_creation_date',
    code: 'record_creation_date.repeated',
    make: (r) => JSON.stringify(r).replace('"created":"2025-08-20T14:00:00Z"', '"created":"2020-01-01T00:00:00Z","created":"2025-08-20T14:00:00Z"'),
  },
  // data_policy
  { rule: '/req/core/data_policy A', test: 'data_policy', code: 'data_policy.missing', make: (r) => (delete props(r)['wmo:dataPolicy'], r) },
  { rule: '/req/core/data_policy B', test: 'data_policy', code: 'data_policy.invalid', make: (r) => ((props(r)['wmo:dataPolicy'] = 'essential'), r) },
  {
    rule: '/req/core/data_policy C',
    test: 'data_policy',
    code: 'data_policy.license',
    make: (r) => {
      props(r)['wmo:dataPolicy'] = 'recommended';
      mqttLink(r).channel = String(mqttLink(r).channel).replace('/core/', '/recommended/');
      return r;
    },
  },
  // links
  { rule: '/req/core/links A', test: 'links', code: 'links.missing', make: (r) => (delete r.links, r) },
  { rule: '/req/core/links A', test: 'links', code: 'links.type', make: (r) => ((r.links = { rel: 'data' }), r) },
  { rule: '/req/core/links A', test: 'links', code: 'links.empty', make: (r) => ((r.links = []), r) },
  { rule: '/req/core/links A', test: 'links', code: 'links.link_type', make: (r) => ((r.links as unknown[]).push('https://example.org'), r) },
  { rule: '/req/core/links A', test: 'links', code: 'links.href', make: (r) => ((links(r)[1].href = 42), r) },
  { rule: '/req/core/links G', test: 'links', code: 'links.rel_missing', make: (r) => (delete links(r)[1].rel, r) },
  { rule: '/req/core/links G', test: 'links', code: 'links.rel_type', make: (r) => ((links(r)[1].rel = ['data']), r) },
  { rule: '/req/core/links G', test: 'links', code: 'links.rel_invalid', make: (r) => ((links(r)[1].rel = 'licence'), r) },
  { rule: '/req/core/links E', test: 'links', code: 'links.channel_scheme', make: (r) => ((mqttLink(r).href = 'https://broker.example.org'), r) },
  { rule: '/req/core/links F', test: 'links', code: 'links.channel_missing', make: (r) => (delete mqttLink(r).channel, r) },
  { rule: '/req/core/links F', test: 'links', code: 'links.channel_type', make: (r) => ((mqttLink(r).channel = ['origin']), r) },
  { rule: '/req/core/links F', test: 'links', code: 'links.channel_topic', make: (r) => ((mqttLink(r).channel = 'origin/a/wis2/fr-ifremer-argo/data/core/ocean/surface-based-observations/ocean-profilers'), r) },
  { rule: '/req/core/links F', test: 'links', code: 'links.channel_topic', make: (r) => ((mqttLink(r).channel = 'origin/a/wis2/fr-ifremer-argo/data/core/ocean/#'), r) },
  {
    rule: '/req/core/links F',
    test: 'links',
    code: 'links.channel_centre_mismatch',
    make: (r) => ((mqttLink(r).channel = 'origin/a/wis2/au-imos/data/core/ocean/surface-based-observations/drifting-ocean-profilers'), r),
  },
  { rule: '/req/core/links F', test: 'links', code: 'links.channel_data_policy', make: (r) => ((mqttLink(r).channel = String(mqttLink(r).channel).replace('/core/', '/recommended/')), r) },
  { rule: '/req/core/links D', test: 'links', code: 'links.security_type', make: (r) => ((links(r)[1].security = 'login required'), r) },
  { rule: '/req/core/links D', test: 'links', code: 'links.security_description', make: (r) => ((links(r)[1].security = { key: { type: 'apiKey', name: 'k', in: 'header' } }), r) },
];

/** Rules the suite reports as warnings: a recommendation, or a requirement bent in a way WIS2 accepts. */
const WARNING: Case[] = [
  { rule: '/req/core/identifier C', test: 'identifier', code: 'identifier.centre_id_unknown', make: (r) => ((r.id = 'urn:wmo:md:fr-ifremer-argon:argo'), r), options: { relaxCentreId: true } },
  { rule: '/req/core/identifier C', test: 'identifier', code: 'identifier.centre_id_retired', make: (r) => ((r.id = 'urn:wmo:md:au-bom:radar'), r) },
  { rule: '/req/core/identifier C', test: 'identifier', code: 'identifier.centre_id_test', make: (r) => ((r.id = 'urn:wmo:md:fr-ifremer-argo-test:argo'), r) },
  { rule: '/req/core/identifier D', test: 'identifier', code: 'identifier.local_id_urn', make: (r) => ((r.id = 'urn:wmo:md:fr-ifremer-argo:argo|core'), r) },
  { rule: '/req/core/extent_geospatial A', test: 'extent_geospatial', code: 'extent_geospatial.position_length', make: (r) => ((r.geometry = { type: 'Point', coordinates: [0, 0, 10, 1] }), r) },
  { rule: '/req/core/extent_geospatial A', test: 'extent_geospatial', code: 'extent_geospatial.empty_polygon', make: (r) => ((r.geometry = { type: 'Polygon', coordinates: [] }), r) },
  { rule: '/req/core/extent_temporal C', test: 'extent_temporal', code: 'extent_temporal.interval_open', make: (r) => ((r.time = { interval: ['..', '..'] }), r) },
  { rule: '/req/core/extent_temporal C', test: 'extent_temporal', code: 'extent_temporal.interval_order', make: (r) => ((r.time = { interval: ['2020-02-01', '2020-01-31'] }), r) },
  { rule: '/req/core/extent_temporal C', test: 'extent_temporal', code: 'extent_temporal.interval_mixed', make: (r) => ((r.time = { interval: ['T06:00Z', '2020-01-31'] }), r) },
  { rule: '/req/core/themes D', test: 'themes', code: 'themes.discipline_subtopic', make: (r) => (((props(r).themes as Json[])[0].concepts = [{ id: 'ocean/surface-based-observations/drifting-ocean-profilers' }]), r) },
  { rule: '/req/core/themes D', test: 'themes', code: 'themes.discipline_scheme_legacy', make: (r) => (((props(r).themes as Json[])[0].scheme = 'https://github.com/wmo-im/wis2-topic-hierarchy/blob/main/topic-hierarchy/earth-system-discipline.csv'), r) },
  { rule: '/req/core/themes D', test: 'themes', code: 'themes.discipline_not_listed', make: (r) => (((props(r).themes as Json[])[0].concepts = [{ id: 'weather' }]), r) },
  { rule: '/req/core/themes_wis2_global_service B', test: 'themes_wis2_global_service', code: 'themes_wis2_global_service.service_type_scheme', base: globalService, make: (r) => (((props(r).themes as Json[])[1].scheme = 'https://codes.wmo.int/wis/service-types'), r) },
  { rule: '/req/core/contacts C', test: 'contacts', code: 'contacts.roles_missing', make: (r) => (delete (props(r).contacts as Json[])[0].roles, r) },
  { rule: '/req/core/contacts C', test: 'contacts', code: 'contacts.role_publisher', make: (r) => (((props(r).contacts as Json[])[0].roles = ['host', 'publisher']), r) },
  { rule: '/rec/core/contacts B', test: 'contacts', code: 'contacts.country', make: (r) => ((((props(r).contacts as Json[])[0].addresses as Json[])[0].country = 'France'), r) },
  { rule: '/rec/core/record_update_date', test: 'record_creation_date', code: 'record_creation_date.updated_format', make: (r) => ((props(r).updated = '2025-08-21'), r) },
  { rule: '/rec/core/record_update_date', test: 'record_creation_date', code: 'record_creation_date.updated_before_created', make: (r) => ((props(r).updated = '2020-01-01T00:00:00Z'), r) },
  { rule: '/req/core/links B', test: 'links', code: 'links.data_access', make: (r) => ((r.links = [{ rel: 'about', type: 'text/html', href: 'https://example.org' }]), r) },
  { rule: '/req/core/links E', test: 'links', code: 'links.mqtt_scheme', make: (r) => ((mqttLink(r).href = 'wss://broker.example.org:443'), r) },
  { rule: '/req/core/links F', test: 'links', code: 'links.channel_not_leaf', make: (r) => ((mqttLink(r).channel = 'origin/a/wis2/fr-ifremer-argo/data/core/ocean/surface-based-observations'), r) },
  {
    rule: '/req/core/links F',
    test: 'links',
    code: 'links.channel_centre_id',
    options: { relaxCentreId: true },
    make: (r) => {
      r.id = 'urn:wmo:md:fr-ifremer-argon:argo';
      mqttLink(r).channel = String(mqttLink(r).channel).replace('fr-ifremer-argo/', 'fr-ifremer-argon/');
      return r;
    },
  },
  { rule: '/req/core/links F', test: 'links', code: 'links.channel_note', make: (r) => ((mqttLink(r).channel = 'origin/a/wis2/fr-ifremer-argo/data/core/ocean/experimental/floats'), r) },
  { rule: '/req/core/links F', test: 'links', code: 'links.channel_data_policy', make: (r) => (delete props(r)['wmo:dataPolicy'], r) },
  { rule: '/req/core/links G', test: 'links', code: 'links.rel_extension', make: (r) => ((links(r)[1].rel = 'http://www.opengis.net/def/rel/ogc/1.0/data'), r) },
  { rule: '/rec/core/links A', test: 'links', code: 'links.insecure', make: (r) => ((links(r)[1].href = 'http://data.example.org/argo'), r) },
  { rule: '/rec/core/links B', test: 'links', code: 'links.media_type', make: (r) => ((links(r)[1].type = 'collection'), r) },
];

describe('wcmp: one record per rule', () => {
  it('the record the cases start from passes all 14 tests without a warning (the global service too)', () => {
    for (const base of [goodRecord(), globalService()]) {
      const report = validateWcmp(base);
      assert.deepEqual(report.tests.map((t) => t.id), [...WCMP_TEST_IDS]);
      assert.deepEqual(
        report.tests.filter((t) => t.code !== 'PASSED' && t.code !== 'SKIPPED').map((t) => [t.id, t.errors, t.warnings]),
        [],
      );
    }
    assert.equal(code(validateWcmp(globalService()), 'themes_wis2_global_service'), 'PASSED');
  });

  describe('rules that fail a test', () => {
    for (const c of FAILING) {
      it(`${c.rule} (${c.code}) fails ${c.test}`, () => {
        const report = validateWcmp(c.make((c.base ?? goodRecord)()), c.options);
        assert.equal(code(report, c.test), 'FAILED', JSON.stringify(report.tests.filter((t) => t.code !== 'PASSED'), null, 1));
        const hit = findings(report, c.test).find((f) => f.code === c.code);
        assert.ok(hit, `${c.code} not among ${findings(report, c.test).map((f) => f.code).join(', ')}`);
        assert.equal(hit.rule, c.rule);
        assert.ok(hit.message.startsWith(`${c.rule}: `));
        assert.equal(typeof hit.path, 'string');
      });
    }
  });

  describe('rules that warn', () => {
    for (const c of WARNING) {
      it(`${c.rule} (${c.code}) warns in ${c.test}`, () => {
        const report = validateWcmp(c.make((c.base ?? goodRecord)()), c.options);
        const hit = findings(report, c.test, 'warnings').find((f) => f.code === c.code);
        assert.ok(hit, `${c.code} not among ${findings(report, c.test, 'warnings').map((f) => f.code).join(', ')}`);
        assert.equal(hit.rule, c.rule);
        assert.notEqual(code(report, c.test), 'PASSED');
        assert.ok(!findings(report, c.test).some((f) => f.code === c.code), 'also reported as an error');
      });
    }
  });

  it('data_policy and themes_wis2_global_service are SKIPPED where they do not apply', () => {
    const dataset = validateWcmp(goodRecord());
    assert.equal(code(dataset, 'themes_wis2_global_service'), 'SKIPPED');
    const service = validateWcmp(globalService());
    assert.equal(code(service, 'data_policy'), 'SKIPPED');
    const plainService = globalService();
    plainService.id = 'urn:wmo:md:fr-ifremer-argo:erddap';
    (props(plainService).themes as Json[]).pop();
    assert.equal(code(validateWcmp(plainService), 'themes_wis2_global_service'), 'SKIPPED');
  });

  it('geometry validity: self-intersection, hole outside, nested holes, overlapping and nested polygons, spikes; touching parts are valid', () => {
    const geom = (g: unknown): string[] => {
      const r = goodRecord();
      r.geometry = g;
      return findings(validateWcmp(r), 'extent_geospatial').map((f) => f.message);
    };
    assert.match(geom({ type: 'Polygon', coordinates: [square(0, 0, 10), square(20, 20, 2)] }).join(), /hole lies outside its shell/);
    assert.match(geom({ type: 'Polygon', coordinates: [square(0, 0, 10), square(1, 1, 6), square(2, 2, 2)] }).join(), /nested holes/);
    assert.match(geom({ type: 'Polygon', coordinates: [square(0, 0, 10), square(5, 5, 10)] }).join(), /crosses its shell/);
    assert.match(geom({ type: 'MultiPolygon', coordinates: [[square(0, 0, 10)], [square(5, 5, 10)]] }).join(), /overlap/);
    assert.match(geom({ type: 'MultiPolygon', coordinates: [[square(0, 0, 10)], [square(2, 2, 2)]] }).join(), /nested shells/);
    assert.match(geom({ type: 'Polygon', coordinates: [[[0, 0], [10, 0], [10, 10], [10, 5], [10, 12], [0, 10], [0, 0]]] }).join(), /spike|itself/);
    assert.deepEqual(geom({ type: 'MultiPolygon', coordinates: [[square(0, 0, 10)], [square(10, 10, 5)]] }), []);
    assert.deepEqual(geom({ type: 'MultiPolygon', coordinates: [[square(-180, -10, 10)], [square(170, -10, 10)]] }), []);
    // A hole may touch its shell at one point, not along an edge.
    assert.deepEqual(geom({ type: 'Polygon', coordinates: [square(0, 0, 10), [[0, 0], [4, 1], [1, 4], [0, 0]]] }), []);
    assert.match(geom({ type: 'Polygon', coordinates: [square(0, 0, 10), square(0, 0, 5)] }).join(), /crosses its shell/);
    assert.deepEqual(geom(null), []);
  });

  it('a failing record shows every problem at once, not only the first', () => {
    const r = goodRecord();
    r.id = 'urn:wmo:md:nowhere-at-all:a b;c';
    r.time = { date: '2020-02-30', interval: ['x', '..'] };
    const report = validateWcmp(r);
    assert.deepEqual(findings(report, 'identifier').map((f) => f.code), ['identifier.centre_id_unknown', 'identifier.local_id_space', 'identifier.local_id_semicolon']);
    assert.deepEqual(findings(report, 'extent_temporal').map((f) => f.code), ['extent_temporal.several', 'extent_temporal.date', 'extent_temporal.interval_bound']);
    assert.ok(failedTests(report).includes('links'), 'the channel centre no longer matches the id');
  });
});
