/**
 * /conf/core/themes and /conf/core/themes_wis2_global_service: themes, their concepts and
 * schemes, the earth-system disciplines of the WIS2 Topic Hierarchy, and the global service type.
 */
import { validateTopic } from '../wth';
import { EARTH_SYSTEM_DISCIPLINES, GLOBAL_SERVICE_TYPES, SCHEMES } from './codelists';
import { memo } from '../core/memo';
import type { Findings } from './report';
import { has, member, show, stringMember } from './json';
import { pointer } from '../core/errors';
import { isRecord } from '../core/json';

const RULE_A = '/req/core/themes A';
const RULE_B = '/req/core/themes B';
const RULE_C = '/req/core/themes C';
const RULE_D = '/req/core/themes D';
const GS_A = '/req/core/themes_wis2_global_service A';
const GS_B = '/req/core/themes_wis2_global_service B';

const NOT_A_SERVICE = 'not a WIS2 global service record (properties.type is "dataset")';
const ESD = SCHEMES.earthSystemDiscipline;
const GST = SCHEMES.globalServiceType;

export interface Theme {
  index: number;
  scheme: string | undefined;
  /** The scheme as registers are compared: no http(s), case or trailing slash. */
  key: string | undefined;
  /** The concepts as written; ids are read with conceptIds. */
  concepts: readonly unknown[];
}

/** The string ids of a theme's concepts, with their index. */
function conceptIds(theme: Theme): { id: string; index: number }[] {
  const out: { id: string; index: number }[] = [];
  for (let i = 0; i < theme.concepts.length; i++) {
    const id = stringMember(theme.concepts[i], 'id');
    if (id !== undefined) out.push({ id, index: i });
  }
  return out;
}

function conceptIdList(theme: Theme): string[] {
  return conceptIds(theme).map((c) => c.id);
}

/** Scheme URIs compare without regard to http/https, case or a trailing slash. */
const normalise = memo((s: string): string => s.trim().replace(/^https?:\/\//i, '').replace(/\/+$/, '').toLowerCase());

const ESD_KEY = normalise(SCHEMES.earthSystemDiscipline);
const GST_KEY = normalise(SCHEMES.globalServiceType);
const GST_ALIAS_KEY = normalise('https://codes.wmo.int/wis/service-types');

/** Earlier editions of the standard named the GitHub copy of the discipline list as the scheme. */
function isLegacyDisciplineScheme(scheme: string): boolean {
  return /^https?:\/\/(www\.)?github\.com\/wmo-im\/wis2-topic-hierarchy\/.*earth-system-discipline/i.test(scheme);
}

/** A scheme pointing below the discipline register, as in `…/earth-system-discipline/ocean/…`. */
function registerSubPath(scheme: string): string | undefined {
  const m = /^https?:\/\/codes\.wmo\.int\/wis\/topic-hierarchy\/earth-system-discipline\/(.+?)\/*$/i.exec(scheme.trim());
  return m?.[1];
}

/** A discipline sub-topic written as a concept, such as `weather/surface-based-observations/synop`. */
const isDisciplineSubTopic = memo((id: string): boolean => {
  const first = id.split('/')[0] ?? '';
  if (!EARTH_SYSTEM_DISCIPLINES.includes(first) || !id.includes('/') || id.length > 512) return false;
  const check = validateTopic(`origin/a/wis2/int-wmo-test/data/core/${id}`, { mode: 'subscription' });
  return check.errors.length === 0;
});

export function isWis2GlobalService(record: unknown, themes: readonly Theme[]): boolean {
  if (stringMember(member(record, 'properties'), 'type') !== 'service') return false;
  const byTheme = themes.some((t) => serviceTypeScheme(t) !== undefined && conceptIdList(t).some((id) => GLOBAL_SERVICE_TYPES.includes(id)));
  const id = stringMember(record, 'id') ?? '';
  const byCentre = /^urn:wmo:md:[^:]*-global-(broker|cache|discovery-catalogue|monitor)(:|$)/.test(id);
  return byTheme || byCentre;
}

/** 'register' for the register URI, 'alias' for the `…/wis/service-types` URI two official examples use. */
function serviceTypeScheme(theme: Theme): 'register' | 'alias' | undefined {
  if (theme.key === GST_KEY) return 'register';
  if (theme.key === GST_ALIAS_KEY) return 'alias';
  return undefined;
}

/**
 * /conf/core/themes, method 1 (structure) and, for datasets, method 2 (disciplines). Returns the
 * well-formed themes for the checks that look across them.
 */
export function checkThemes(record: unknown, f: Findings, channelDisciplines: ReadonlyMap<string, string>): Theme[] {
  const props = member(record, 'properties');
  const path = '/properties/themes';
  const read: Theme[] = [];
  if (!has(props, 'themes')) {
    f.fail('missing', path, RULE_A, 'the record has no properties.themes; it gives at least one theme');
    return read;
  }
  const themes = member(props, 'themes');
  if (!Array.isArray(themes)) {
    f.fail('type', path, RULE_A, `properties.themes is an array of themes, not ${show(themes)}`);
    return read;
  }
  if (themes.length === 0) {
    f.fail('empty', path, RULE_A, 'properties.themes is empty; it gives at least one theme');
    return read;
  }
  for (let t = 0; t < themes.length; t++) {
    const theme: unknown = themes[t];
    if (!isRecord(theme)) {
      f.fail('theme_type', pointer(path, t), RULE_A, `a theme is an object with concepts and a scheme, not ${show(theme)}`);
      continue;
    }
    const concepts = member(theme, 'concepts');
    if (!Array.isArray(concepts) || concepts.length === 0) {
      f.fail('concepts', pointer(path, t, 'concepts'), RULE_B, `Missing at least one concept: a theme gives an array of one concept or more, not ${show(concepts)}`);
    } else {
      for (let i = 0; i < concepts.length; i++) {
        const id = member(concepts[i], 'id');
        if (typeof id !== 'string' || id.trim() === '') {
          f.fail('concept_id', pointer(path, t, 'concepts', i, 'id'), RULE_B, `Missing concept id: each concept has a non-empty id, not ${show(id)}`);
        }
      }
    }
    const scheme = member(theme, 'scheme');
    const named = typeof scheme === 'string' && scheme.trim() !== '';
    if (!named) {
      f.fail('scheme', pointer(path, t, 'scheme'), RULE_C, `Missing scheme: each theme names the vocabulary of its concepts in scheme, not ${show(scheme)}`);
    }
    read.push({
      index: t,
      scheme: typeof scheme === 'string' ? scheme : undefined,
      key: named ? normalise(scheme) : undefined,
      concepts: Array.isArray(concepts) ? concepts : [],
    });
  }
  if (member(props, 'type') === 'dataset') checkDisciplines(read, f, channelDisciplines);
  return read;
}

/**
 * /req/core/themes D (ATS method 2): a dataset names its earth-system disciplines in a theme
 * whose scheme is the discipline register, with concepts from that register.
 */
function checkDisciplines(themes: readonly Theme[], f: Findings, channelDisciplines: ReadonlyMap<string, string>): void {
  const path = '/properties/themes';
  const register = themes.filter((t) => t.key === ESD_KEY);
  const listed = new Set<string>();
  for (const theme of register) {
    for (const c of conceptIds(theme)) {
      if (EARTH_SYSTEM_DISCIPLINES.includes(c.id)) {
        listed.add(c.id);
        continue;
      }
      const cpath = pointer(path, theme.index, 'concepts', c.index, 'id');
      if (isDisciplineSubTopic(c.id)) {
        const top = c.id.split('/')[0] ?? '';
        listed.add(top);
        f.warn('discipline_subtopic', cpath, RULE_D, `concept ${show(c.id)} is a sub-topic; the concepts of ${ESD} are the disciplines themselves (here ${show(top)})`);
      } else {
        f.fail('discipline_unknown', cpath, RULE_D, `Invalid Earth system discipline ${show(c.id)}: concepts of ${ESD} are ${EARTH_SYSTEM_DISCIPLINES.join(', ')}`);
      }
    }
  }
  if (register.length === 0) {
    const legacy = themes.filter((t) => t.scheme !== undefined && isLegacyDisciplineScheme(t.scheme));
    const goodLegacy = legacy.filter((t) => {
      const ids = conceptIdList(t);
      return ids.length > 0 && ids.length === t.concepts.length && ids.every((id) => EARTH_SYSTEM_DISCIPLINES.includes(id));
    });
    if (goodLegacy.length > 0) {
      for (const t of goodLegacy) {
        for (const id of conceptIdList(t)) listed.add(id);
        f.warn('discipline_scheme_legacy', pointer(path, t.index, 'scheme'), RULE_D, `the disciplines are named, but scheme ${show(t.scheme)} is the GitHub copy earlier editions pointed to; WCMP 2.3 names the register ${ESD}`);
      }
    } else {
      const near = themes.find((t) => t.scheme !== undefined && /earth-system-discipline/i.test(t.scheme));
      const sub = near?.scheme !== undefined ? registerSubPath(near.scheme) : undefined;
      const top = sub?.split('/')[0];
      if (near && top !== undefined && EARTH_SYSTEM_DISCIPLINES.includes(top)) {
        f.fail('discipline_scheme', pointer(path, near.index, 'scheme'), RULE_D, `No Earth system discipline based theme found: scheme ${show(near.scheme)} points below the register and its concepts are not disciplines; name the discipline in a theme with scheme ${ESD} and concept ${show(top)}`);
      } else if (near) {
        f.fail('discipline_scheme', pointer(path, near.index, 'scheme'), RULE_D, `No Earth system discipline based theme found: scheme ${show(near.scheme)} is not the register ${ESD}, or its concepts are not disciplines`);
      } else {
        const hint = channelDisciplines.size > 0 ? ` (the MQTT channels say ${[...new Set(channelDisciplines.values())].join(', ')})` : '';
        f.fail('discipline_missing', path, RULE_D, `No Earth system discipline based theme found: a dataset has a theme with scheme ${ESD} naming its disciplines${hint}`);
      }
      return;
    }
  }
  for (const [channelPath, discipline] of channelDisciplines) {
    if (!listed.has(discipline)) {
      f.warn('discipline_not_listed', channelPath, RULE_D, `the channel publishes under discipline ${show(discipline)}, which the discipline theme does not list; a dataset names all applicable disciplines`);
    }
  }
}

export function checkGlobalService(record: unknown, f: Findings, themes: readonly Theme[]): void {
  const type = stringMember(member(record, 'properties'), 'type');
  if (type !== 'service') {
    f.skip(type === 'dataset' ? NOT_A_SERVICE : `not a WIS2 global service record (properties.type is ${show(type)})`);
    return;
  }
  if (!isWis2GlobalService(record, themes)) {
    f.skip('a service record, but not one of a WIS2 global service (no global-service-type theme, no global service centre id)');
    return;
  }
  const path = '/properties/themes';
  const esd = themes.filter((t) => t.key === ESD_KEY);
  if (esd.length === 0) {
    f.fail('disciplines_missing', path, GS_A, `a WIS2 global service lists every earth-system discipline in a theme with scheme ${ESD}`);
  } else {
    const named = new Set<string>();
    for (const t of esd) for (const id of conceptIdList(t)) named.add(id);
    const missing = EARTH_SYSTEM_DISCIPLINES.filter((d) => !named.has(d));
    if (missing.length > 0) {
      f.fail('disciplines_incomplete', pointer(path, esd[0]?.index ?? 0), GS_A, `a WIS2 global service lists every earth-system discipline; missing: ${missing.join(', ')}`);
    }
  }
  const service = themes.filter((t) => serviceTypeScheme(t) !== undefined);
  if (service.length === 0) {
    f.fail('service_type_missing', path, GS_B, `a WIS2 global service names its service type in a theme with scheme ${GST} (${GLOBAL_SERVICE_TYPES.join(', ')})`);
    return;
  }
  for (const t of service) {
    const tpath = pointer(path, t.index);
    if (serviceTypeScheme(t) === 'alias') {
      f.warn('service_type_scheme', pointer(tpath, 'scheme'), GS_B, `scheme ${show(t.scheme)} is not a register; the global service types are ${GST}`);
    }
    const ids = conceptIds(t);
    const bad = ids.filter((c) => !GLOBAL_SERVICE_TYPES.includes(c.id));
    for (const c of bad) {
      f.fail('service_type_unknown', pointer(tpath, 'concepts', c.index, 'id'), GS_B, `${show(c.id)} is not a global service type (${GLOBAL_SERVICE_TYPES.join(', ')})`);
    }
    if (t.concepts.length !== 1) {
      f.fail('service_type_count', pointer(tpath, 'concepts'), GS_B, `the service type theme gives exactly one concept, not ${t.concepts.length}`);
    }
  }
}
