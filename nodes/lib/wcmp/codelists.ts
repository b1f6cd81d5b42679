/**
 * Our snapshot of the codelists a WCMP2 record is checked against, in our own format. The
 * registers live at codes.wmo.int and iana.org; a validator that needs them at run time breaks
 * offline and changes its verdicts without notice, so the values are pinned here with their date
 * and the WCMP unit tests compare them with the official CSV files.
 *
 * Centre ids and the topic hierarchy are not repeated here: they come from the WTH module.
 */

export const CODELIST_SNAPSHOT = {
  date: '2026-11-27',
  wcmp2Codelists: 'wmo-im/wcmp2-codelists, main branch of 2024-11-27 (codes.wmo.int/wis/*)',
  ianaLinkRelations: 'IANA Link Relations registry (RFC 8288), entries registered by 2025',
} as const;

/** codes.wmo.int/wis/resource-type: the value of `properties.type` (/req/core/type B). */
export const RESOURCE_TYPES: readonly string[] = ['dataset', 'service', 'process'];

/**
 * codes.wmo.int/wis/contact-role: the STAC provider roles (/req/core/contacts C). `publisher`
 * is not in the register although /rec/core/contacts A recommends it; see PUBLISHER_ROLE.
 */
export const CONTACT_ROLES: readonly string[] = ['licensor', 'producer', 'processor', 'host'];

/** The role /rec/core/contacts A asks for and the KPI document scores, missing from the register. */
export const PUBLISHER_ROLE = 'publisher';

/** codes.wmo.int/wis/link-type: relations WIS adds to the IANA registry (/req/core/links G). */
export const WIS_LINK_TYPES: readonly string[] = ['stations', 'station', 'update', 'deletion', 'items', 'data'];

/** codes.wmo.int/wis/global-service-type (/req/core/themes_wis2_global_service B). */
export const GLOBAL_SERVICE_TYPES: readonly string[] = [
  'global-broker',
  'global-cache',
  'global-discovery-catalogue',
  'global-monitor',
];

/** Level 7 of the WIS2 Topic Hierarchy: the concepts of the earth-system-discipline register. */
export const EARTH_SYSTEM_DISCIPLINES: readonly string[] = [
  'weather',
  'climate',
  'hydrology',
  'atmospheric-composition',
  'cryosphere',
  'ocean',
  'space-weather',
];

/** The register URIs themes must name as their scheme. */
export const SCHEMES = {
  earthSystemDiscipline: 'https://codes.wmo.int/wis/topic-hierarchy/earth-system-discipline',
  globalServiceType: 'https://codes.wmo.int/wis/global-service-type',
} as const;

/**
 * Relation names of the IANA Link Relations registry, lower case (relation types compare
 * case-insensitively, RFC 8288 section 2.1.1).
 */
export const IANA_LINK_RELATIONS: readonly string[] = [
  'about', 'acl', 'alternate', 'amphtml', 'api-catalog', 'appendix', 'apple-touch-icon',
  'apple-touch-startup-image', 'archives', 'author', 'blocked-by', 'bookmark', 'c2pa-manifest',
  'canonical', 'chapter', 'cite-as', 'collection', 'compression-dictionary', 'contents',
  'convertedfrom', 'copyright', 'create-form', 'current', 'deprecation', 'describedby', 'describes',
  'disclosure', 'dns-prefetch', 'duplicate', 'edit', 'edit-form', 'edit-media', 'enclosure',
  'external', 'first', 'geofeed', 'glossary', 'help', 'hosts', 'hub', 'ice-server', 'icon', 'index',
  'intervalafter', 'intervalbefore', 'intervalcontains', 'intervaldisjoint', 'intervalduring',
  'intervalequals', 'intervalfinishedby', 'intervalfinishes', 'intervalin', 'intervalmeets',
  'intervalmetby', 'intervaloverlappedby', 'intervaloverlaps', 'intervalstartedby', 'intervalstarts',
  'item', 'last', 'latest-version', 'license', 'linkset', 'lrdd', 'manifest', 'mask-icon', 'me',
  'media-feed', 'memento', 'micropub', 'modulepreload', 'monitor', 'monitor-group', 'next',
  'next-archive', 'nofollow', 'noopener', 'noreferrer', 'opener', 'openid2.local_id',
  'openid2.provider', 'original', 'p3pv1', 'payment', 'pingback', 'preconnect',
  'predecessor-version', 'prefetch', 'preload', 'prerender', 'prev', 'prev-archive', 'preview',
  'previous', 'privacy-policy', 'profile', 'publication', 'rdap-active', 'rdap-bottom', 'rdap-down',
  'rdap-top', 'rdap-up', 'related', 'replies', 'restconf', 'ruleinput', 'search', 'section', 'self',
  'service', 'service-desc', 'service-doc', 'service-meta', 'sip-trunking-capability', 'sponsored',
  'start', 'status', 'stylesheet', 'subsection', 'successor-version', 'sunset', 'tag',
  'terms-of-service', 'timegate', 'timemap', 'type', 'ugc', 'up', 'version-history', 'via',
  'webmention', 'working-copy', 'working-copy-of',
];

/**
 * Link relations that point at the data itself or at a service delivering it, used to judge
 * /req/core/links B (a link to download the data). An MQTT link counts too.
 */
export const DATA_ACCESS_RELATIONS: readonly string[] = [
  'data', 'items', 'item', 'enclosure', 'archives', 'collection', 'service', 'service-desc', 'search',
];

/** Top-level media types of the IANA media type registry (RFC 6838 section 4.2). */
export const MEDIA_TOP_LEVEL_TYPES: readonly string[] = [
  'application', 'audio', 'example', 'font', 'haptics', 'image', 'message', 'model', 'multipart', 'text', 'video',
];

/** "Common web image file types" the KPI document refers to (MDN's list). */
export const WEB_IMAGE_TYPES: readonly string[] = [
  'image/apng', 'image/avif', 'image/gif', 'image/jpeg', 'image/png', 'image/svg+xml', 'image/webp',
];
