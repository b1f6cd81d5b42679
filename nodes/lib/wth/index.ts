/**
 * WIS2 Topic Hierarchy (WTH 1.3.0, Manual on WIS Vol. II, Appendix D): our codelist snapshot,
 * topic validation with "did you mean", and look-ups over the hierarchy.
 *
 * Problem codes of {@link validateTopic} (stable; messages may change):
 *
 * | code | when |
 * |---|---|
 * | `topic-not-string`, `topic-empty`, `topic-too-long`, `topic-nul` | the topic as a whole breaks MQTT rules |
 * | `level-empty` | a leading, trailing or doubled `/` |
 * | `level-uppercase`, `level-not-ascii`, `level-dot`, `level-invalid-character`, `level-dash` | /req/core/conventions A–D |
 * | `wildcard-in-publication`, `wildcard-in-level`, `wildcard-hash-not-last` | MQTT wildcard misuse |
 * | `topic-too-short` | fewer than 5 levels (publication) |
 * | `channel-unknown`, `channel-not-publishable` | level 1 (`cache` and `monitor` are not a node's publication channels) |
 * | `version-unknown`, `system-unknown` | levels 2, 3 (also when the level is missing) |
 * | `centre-id-missing`, `centre-id-unknown`, `centre-id-retired` | level 4 (retired: error when publishing, warning when subscribing) |
 * | `centre-id-test` (warning) | a `*-test` id, accepted without look-up |
 * | `levels-swapped` | two neighbouring levels in the wrong order (`core/data`) |
 * | `notification-type-unknown`, `metadata-too-deep` | level 5; metadata has exactly 5 levels |
 * | `data-policy-unknown`, `cache-recommended` | level 6 |
 * | `data-too-shallow` | data above level 8 (publication) |
 * | `discipline-unknown`, `level-unknown`, `level-renamed`, `level-beyond-leaf` | levels 7 and below |
 * | `topic-not-leaf` | publication on a topic that has sub-topics |
 * | `experimental-topic`, `topic-status-experimental`, … (warnings) | the topic is not (yet) operational |
 * | `subscription-matches-nothing`, `subscription-not-leaf` (warnings) | a filter that catches no valid publication |
 */
import { SNAPSHOT, type CentreIdStatus, type TopicStatus } from './codelists';
import { DISCIPLINE_LEVEL, isTestCentreId, listChildren, registeredCentre } from './hierarchy';

export { validateTopic, normalizeLevel, MAX_TOPIC_BYTES } from './validate';
export type { TopicCheck, TopicMode, TopicProblem, ValidateTopicOptions } from './validate';
export { listChildren } from './hierarchy';
export { nearest } from './suggest';
export type { CentreIdStatus, TopicStatus };

/** Which codelists the library checks against (standard version and bundle date). */
export const WTH_SNAPSHOT = SNAPSHOT;

/** Register facts about a centre id. */
export interface CentreIdInfo {
  /** Whether the WTH register (our snapshot of it) holds the id. */
  known: boolean;
  /** Its register status, when known. */
  status?: CentreIdStatus;
  /** True for an unregistered `*-test` id, which test nodes may use (/per/core/centre-id D). */
  test?: boolean;
}

/**
 * Looks a centre id up in the register.
 *
 * @example centreIdStatus('fr-ifremer-argo') // { known: true, status: 'Operational' }
 */
export function centreIdStatus(id: string): CentreIdInfo {
  const status = registeredCentre(id);
  if (status !== undefined) return { known: true, status };
  return isTestCentreId(id) ? { known: false, test: true } : { known: false };
}

/** A topic cut into its named levels, by position only. */
export interface Wis2TopicParts {
  levels: string[];
  channel?: string;
  version?: string;
  system?: string;
  centreId?: string;
  notificationType?: string;
  dataPolicy?: string;
  discipline?: string;
  /** Levels 8 and below. */
  subTopics: string[];
}

/**
 * Names the levels of a topic by their position, without checking anything: use
 * {@link validateTopic} to know whether they hold what their names say.
 */
export function parseWis2Topic(topic: string): Wis2TopicParts {
  const levels = topic.split('/');
  const [channel, version, system, centreId, notificationType, dataPolicy, discipline] = levels;
  const parts: Wis2TopicParts = { levels, subTopics: levels.slice(DISCIPLINE_LEVEL) };
  const named = { channel, version, system, centreId, notificationType, dataPolicy, discipline };
  for (const [key, value] of Object.entries(named) as [keyof typeof named, string | undefined][]) {
    if (value !== undefined) parts[key] = value;
  }
  return parts;
}

/**
 * Children of a topic prefix, like {@link listChildren}, with a word on why there are none.
 * `reason` is absent when `children` is not empty.
 */
export function describeChildren(prefix: string): { children: string[]; reason?: 'leaf' | 'experimental' | 'metadata' | 'unknown' } {
  const children = listChildren(prefix);
  if (children.length > 0) return { children };
  const levels = prefix.replace(/\/+$/, '').split('/');
  if (levels[DISCIPLINE_LEVEL] === 'experimental' && listChildren(levels.slice(0, DISCIPLINE_LEVEL).join('/')).includes('experimental')) {
    return { children, reason: 'experimental' };
  }
  if (levels.length === 5 && levels[4] === 'metadata' && listChildren(levels.slice(0, 4).join('/')).includes('metadata')) {
    return { children, reason: 'metadata' };
  }
  const parent = levels.slice(0, -1).join('/');
  const last = levels[levels.length - 1] ?? '';
  return { children, reason: levels.length > 1 && listChildren(parent).includes(last) ? 'leaf' : 'unknown' };
}
