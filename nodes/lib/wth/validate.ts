/**
 * WIS2 Topic Hierarchy validation of publication topics and subscription filters, with the
 * reasons a topic fails and what the author probably meant.
 *
 * Rules (ids relative to http://wis.wmo.int/spec/wth/1): /req/core/conventions (lowercase,
 * IRA T.50, no dots, dash-separated words, MQTT topic rules), the codelists of levels 1-7 and
 * below, /req/core/publishing (data at level 8 or deeper, metadata at exactly level 5) and
 * /rec/core/publishing B (leaf topics), which the reference Global Broker enforces.
 */
import { SNAPSHOT, type CentreIdStatus, type TopicStatus } from './codelists';
import {
  CENTRE_ID_SHAPE,
  DATA_POLICY_VALUES,
  DISCIPLINES,
  NOTIFICATION_TYPE_VALUES,
  centreIds,
  findTopic,
  isTestCentreId,
  listChildren,
  registeredCentre,
  renamedTopic,
  type TopicNode,
} from './hierarchy';
import { didYouMean, nearest } from './suggest';

/**
 * `publication`: a topic a message is published on (no wildcards, a leaf of the hierarchy).
 * `subscription`: an MQTT topic filter (`+` and a final `#` allowed; `cache` and `monitor`
 * channels too).
 */
export type TopicMode = 'publication' | 'subscription';

/** One reason a topic fails (in `errors`) or deserves attention (in `warnings`). */
export interface TopicProblem {
  /** Stable machine-readable code, e.g. `centre-id-unknown` (all codes: see `./index`). */
  code: string;
  /** The 1-based level at fault, when one is. */
  level?: number;
  message: string;
  /** What to write instead, for a human ("did you mean …?"). */
  suggestion?: string;
  /** Known values close to the faulty level, best first, for programs. */
  candidates?: string[];
}

/**
 * What `validateTopic` found. The fields after `warnings` say what the topic holds, level by
 * level, as far as it could be read: they are also filled for an invalid topic (levels found
 * in the wrong order are read in the right one), so look at `valid` before trusting them.
 * A field is absent where a wildcard stands.
 */
export interface TopicCheck {
  /** True when `errors` is empty; warnings never make a topic invalid. */
  valid: boolean;
  /** The topic exactly as given. */
  topic: string;
  mode: TopicMode;
  errors: TopicProblem[];
  warnings: TopicProblem[];
  /** Level 1: `origin`, `cache` or `monitor`. */
  channel?: string;
  /** Level 4, as written (also when unknown to the register). */
  centreId?: string;
  /** Register status of `centreId`; absent for unregistered and `-test` ids. */
  centreStatus?: CentreIdStatus;
  notificationType?: 'data' | 'metadata';
  dataPolicy?: 'core' | 'recommended';
  /** Level 7: the earth-system discipline. */
  discipline?: string;
  /** Below `{discipline}/experimental`, where publishers choose their own sub-topics. */
  experimental?: boolean;
  /**
   * Whether the topic is a leaf of the codelists (has no sub-topics). Absent for levels a
   * publisher added below `experimental`, and where wildcards match leaves and non-leaves.
   */
  leaf?: boolean;
  /** Status of the topic in the codelists (inherited from its parents when it has none). */
  status?: TopicStatus;
  /** For an invalid topic, a corrected topic that passes, when the errors allow one guess. */
  suggestedTopic?: string;
}

/** Options of {@link validateTopic}. */
export interface ValidateTopicOptions {
  /** Default `publication`. */
  mode?: TopicMode;
  /**
   * Publication only: also accept the `cache` channel, on which Global Caches republish (and
   * which the Global Discovery Catalogue adds to WCMP2 records). A WIS2 node publishes on
   * `origin`, so the default is false.
   */
  allowCache?: boolean;
}

/** MQTT caps topic names and filters at 65,535 bytes of UTF-8. */
export const MAX_TOPIC_BYTES = 65535;

/** Not in the WTH codelists: the channel of WIS2 monitoring events about a centre. */
const MONITOR = 'monitor';
/** A level that follows every convention: lowercase ASCII words joined by single dashes. */
const WELL_FORMED = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

type Fix =
  | { kind: 'replace'; index: number; value: string }
  | { kind: 'delete'; index: number }
  | { kind: 'insert'; index: number; value: string }
  | { kind: 'swap'; index: number }
  | { kind: 'truncate'; length: number }
  | { kind: 'append'; value: string };

/** A problem plus the edit that would remove it, which the repair loop applies. */
interface Finding extends TopicProblem {
  fix?: Fix;
}

interface Details {
  level?: number;
  suggestion?: string;
  candidates?: string[];
  fix?: Fix;
}

type Reading = Omit<TopicCheck, 'valid' | 'topic' | 'mode' | 'errors' | 'warnings' | 'suggestedTopic'>;

type ChannelKind = 'origin' | 'cache' | 'monitor' | 'any';

interface Position {
  node: TopicNode;
  /** Levels consumed below an `experimental` node, where any value goes. */
  beyond: number;
}

const q = (value: string): string => JSON.stringify(value);

const ACTIVE_CENTRES: readonly string[] = centreIds(['Operational', 'Pre-operational']);
const centreGuesses = new Map<string, string[]>();

/**
 * Registered ids close to `id`. Remembered, because a misconfigured node repeats the same
 * wrong id on every message and ranking the whole register each time is the slow part.
 */
function nearestCentres(id: string): string[] {
  let guesses = centreGuesses.get(id);
  if (guesses === undefined) {
    guesses = nearest(id, ACTIVE_CENTRES);
    if (centreGuesses.size >= 256) centreGuesses.clear();
    centreGuesses.set(id, guesses);
  }
  return [...guesses];
}

function listed(values: readonly string[], max = 8): string {
  const shown = values.slice(0, max).join(', ');
  return values.length > max ? `${shown} and ${values.length - max} more` : shown;
}

function finding(code: string, message: string, details: Details): Finding {
  const f: Finding = { code, message };
  if (details.level !== undefined) f.level = details.level;
  if (details.suggestion !== undefined) f.suggestion = details.suggestion;
  if (details.candidates !== undefined && details.candidates.length > 0) f.candidates = details.candidates;
  if (details.fix !== undefined) f.fix = details.fix;
  return f;
}

function replaceWithBest(index: number, candidates: readonly string[]): Fix | undefined {
  const best = candidates.at(0);
  return best === undefined ? undefined : { kind: 'replace', index, value: best };
}

/** The level as the conventions would have it: lowercase ASCII words joined by single dashes. */
export function normalizeLevel(level: string): string {
  return level
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[._\s]+/g, '-')
    .replace(/[^a-z0-9-]/g, '')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
}

function conventionIssues(level: string, at: number): { code: string; message: string }[] {
  const issues: { code: string; message: string }[] = [];
  const name = `level ${at} ${q(level)}`;
  const codes = Array.from(level).map((ch) => ch.codePointAt(0) ?? 0);
  if (codes.some((code) => code > 0x7f)) {
    issues.push({ code: 'level-not-ascii', message: `${name} has characters outside IRA T.50 (7-bit ASCII) (/req/core/conventions B)` });
  }
  if (/[A-Z]/.test(level)) {
    issues.push({ code: 'level-uppercase', message: `${name} has uppercase letters; topic levels are lowercase (/req/core/conventions A)` });
  }
  if (level.includes('.')) {
    issues.push({ code: 'level-dot', message: `${name} contains "."; topic levels have no dots (/req/core/conventions C)` });
  }
  // NUL and non-ASCII characters have their own codes; the rest of ASCII is checked here.
  const others = [...new Set(Array.from(level).filter((ch, i) => (codes[i] ?? 0) > 0 && (codes[i] ?? 0) <= 0x7f && !/[a-zA-Z0-9.-]/.test(ch)))];
  if (others.length > 0) {
    issues.push({
      code: 'level-invalid-character',
      message: `${name} contains ${others.map(q).join(', ')}; topic levels hold lowercase letters, digits and dashes between words (/req/core/conventions D)`,
    });
  }
  if (/^-|-$|--/.test(level)) {
    issues.push({ code: 'level-dash', message: `${name} starts or ends with a dash, or has two in a row; dashes only separate words (/req/core/conventions D)` });
  }
  return issues;
}

class Checker {
  readonly errors: Finding[] = [];
  readonly warnings: Finding[] = [];
  readonly reading: Reading = {};
  /** Working copy of the levels; structural checks swap misplaced levels in it. */
  levels: string[] = [];
  wild = false;

  constructor(
    readonly mode: TopicMode,
    readonly allowCache: boolean,
  ) {}

  get publication(): boolean {
    return this.mode === 'publication';
  }

  error(code: string, message: string, details: Details = {}): void {
    this.errors.push(finding(code, message, details));
  }

  warn(code: string, message: string, details: Details = {}): void {
    this.warnings.push(finding(code, message, details));
  }

  /** An error when publishing, a warning when subscribing. */
  fault(code: string, message: string, details: Details = {}): void {
    if (this.publication) this.error(code, message, details);
    else this.warn(code, message, details);
  }

  at(index: number): string {
    return this.levels[index] ?? '';
  }

  prefix(length: number): string {
    return this.levels.slice(0, length).join('/');
  }

  /** Checks the MQTT and WTH conventions; returns false when the levels cannot be read in order. */
  syntax(topic: string): boolean {
    if (topic === '') {
      this.error('topic-empty', 'the topic is empty');
      return false;
    }
    if (Buffer.byteLength(topic, 'utf8') > MAX_TOPIC_BYTES) {
      this.error('topic-too-long', `the topic is longer than MQTT allows (${MAX_TOPIC_BYTES} bytes of UTF-8)`);
    }
    const raw = topic.split('/');
    let readable = true;
    this.levels = raw.map((level, i) => {
      const at = i + 1;
      if (level === '') {
        this.error('level-empty', `level ${at} is empty (a leading, trailing or doubled "/")`, {
          level: at,
          suggestion: 'remove the extra "/"',
          fix: { kind: 'delete', index: i },
        });
        readable = false;
        return level;
      }
      if (level === '+' || level === '#') {
        this.wild = true;
        if (this.publication) {
          this.error('wildcard-in-publication', `level ${at} is the MQTT wildcard ${q(level)}: wildcards belong to subscriptions, a message is published on one topic`, {
            level: at,
          });
        } else if (level === '#' && i !== raw.length - 1) {
          this.error('wildcard-hash-not-last', `"#" must be the last level of a subscription (MQTT); here it is level ${at} of ${raw.length}`, {
            level: at,
            suggestion: `end the subscription at "#": ${q(raw.slice(0, at).join('/'))}`,
            fix: { kind: 'truncate', length: at },
          });
          readable = false;
        }
        return level;
      }
      if (WELL_FORMED.test(level)) return level;
      const normal = normalizeLevel(level);
      const fix: Fix = normal === '' ? { kind: 'delete', index: i } : { kind: 'replace', index: i, value: normal };
      if (level.includes('\u0000')) {
        this.error('topic-nul', `level ${at} contains the character U+0000, which MQTT forbids in topic names and filters`, { level: at, fix });
      }
      if (/[+#]/.test(level)) {
        this.error('wildcard-in-level', `level ${at} ${q(level)} mixes a wildcard with other characters: "+" and "#" may only stand alone as a whole level, and only in subscriptions`, {
          level: at,
          fix,
        });
        readable = false;
        return level;
      }
      const suggestion = normal === '' ? 'remove this level' : `write ${q(normal)}`;
      for (const issue of conventionIssues(level, at)) this.error(issue.code, issue.message, { level: at, suggestion, fix });
      return normal;
    });
    return readable;
  }

  /** A topic that ends before the notification type. */
  tooShort(): void {
    const n = this.levels.length;
    const next = listChildren(this.prefix(n));
    if (this.publication) {
      if (this.wild) return;
      this.error('topic-too-short', `a WIS2 topic has at least 5 levels (channel/version/system/centre-id/notification-type); this one has ${n}`, {
        level: n,
        candidates: next.slice(0, 8),
        suggestion: next.length > 0 ? `continue with one of: ${listed(next)}` : undefined,
      });
    } else {
      this.warn('subscription-matches-nothing', `no WIS2 message is published on a topic of ${n} level(s): add levels or end the subscription with "/#"`, { level: n });
    }
  }

  /** A data topic that ends above level 8. */
  dataTooShallow(): void {
    const n = this.levels.length;
    const next = listChildren(this.prefix(n));
    if (this.publication) {
      if (this.wild) return;
      const only = next.length === 1 ? next[0] : undefined;
      this.error('data-too-shallow', `data is published at level 8 or deeper (/req/core/publishing B); this topic stops at level ${n}`, {
        level: n,
        candidates: next.slice(0, 8),
        suggestion: next.length > 0 ? `add the next level: ${listed(next)}` : undefined,
        fix: only === undefined ? undefined : { kind: 'append', value: only },
      });
    } else {
      this.warn('subscription-matches-nothing', `data topics have at least 8 levels, so nothing is published at level ${n}: add levels or end the subscription with "/#"`, {
        level: n,
      });
    }
  }

  /** Reads the levels in order, from the channel down the discipline trees, as far as they can be read. */
  structure(): void {
    const kind = this.channelLevel();
    if (kind === undefined) return;
    if (!this.versionLevel() || !this.systemLevel() || !this.centreLevel()) return;
    // Below monitor/a/wis2/<centre-id> the monitoring services choose the levels.
    if (kind === MONITOR) return;
    if (!this.notificationTypeLevel() || !this.dataPolicyLevel(kind)) return;
    // Level 7: earth-system discipline.
    if (this.levels.length < 7) {
      this.dataTooShallow();
      return;
    }
    const positions = this.discipline();
    if (positions === undefined) return;
    this.tree(positions);
  }

  /** Level 1; returns the kind of channel to read the rest as, or undefined to stop. */
  channelLevel(): ChannelKind | undefined {
    const channel = this.at(0);
    if (channel === '#') return undefined;
    let kind: ChannelKind = 'any';
    if (channel === 'origin' || channel === 'cache' || channel === MONITOR) {
      kind = channel;
      this.reading.channel = channel;
      if (this.publication && channel === 'cache' && !this.allowCache) {
        this.error('channel-not-publishable', '"cache" is the channel on which Global Caches republish; a WIS2 node publishes on "origin"', {
          level: 1,
          candidates: ['origin'],
          suggestion: 'use "origin"',
          fix: { kind: 'replace', index: 0, value: 'origin' },
        });
      }
      if (this.publication && channel === MONITOR) {
        this.error('channel-not-publishable', '"monitor" carries the monitoring events Global Services send about a centre: subscribe to it, do not publish on it', {
          level: 1,
        });
        return undefined;
      }
    } else if (channel !== '+') {
      const choices = this.publication ? (this.allowCache ? ['origin', 'cache'] : ['origin']) : ['origin', 'cache', MONITOR];
      const candidates = nearest(channel, choices);
      this.error('channel-unknown', `level 1 ${q(channel)} is not a channel: expected ${choices.map(q).join(' or ')}`, {
        level: 1,
        candidates,
        suggestion: didYouMean(candidates) ?? `use "origin"`,
        fix: { kind: 'replace', index: 0, value: candidates[0] ?? 'origin' },
      });
      const best = candidates[0];
      kind = best === 'cache' || best === MONITOR ? best : 'origin';
    }
    return kind;
  }

  /** Level 2. Each level's method returns false where the topic cannot be read further. */
  versionLevel(): boolean {
    const n = this.levels.length;
    if (n < 2) {
      this.tooShort();
      return false;
    }
    const version = this.at(1);
    if (version === '#') return false;
    if (version !== '+' && version !== 'a') {
      if (version === 'wis2') {
        this.error('version-unknown', 'level 2 must be the WTH version "a"; it is missing (level 2 holds the system "wis2")', {
          level: 2,
          suggestion: 'insert "a" after the channel',
          fix: { kind: 'insert', index: 1, value: 'a' },
        });
        return false;
      }
      this.error('version-unknown', `level 2 ${q(version)} is not a WTH version: expected "a"`, {
        level: 2,
        suggestion: 'use "a"',
        fix: { kind: 'replace', index: 1, value: 'a' },
      });
    }
    return true;
  }

  /** Level 3. */
  systemLevel(): boolean {
    const n = this.levels.length;
    if (n < 3) {
      this.tooShort();
      return false;
    }
    const system = this.at(2);
    if (system === '#') return false;
    if (system !== '+' && system !== 'wis2') {
      if (registeredCentre(system) !== undefined || isTestCentreId(system)) {
        this.error('system-unknown', `level 3 must be the system "wis2"; it is missing (level 3 holds the centre id ${q(system)})`, {
          level: 3,
          suggestion: 'insert "wis2" before the centre id',
          fix: { kind: 'insert', index: 2, value: 'wis2' },
        });
        return false;
      }
      this.error('system-unknown', `level 3 ${q(system)} is not a WIS2 system: expected "wis2"`, {
        level: 3,
        suggestion: 'use "wis2"',
        fix: { kind: 'replace', index: 2, value: 'wis2' },
      });
    }
    return true;
  }

  /** Level 4. */
  centreLevel(): boolean {
    const n = this.levels.length;
    if (n < 4) {
      this.tooShort();
      return false;
    }
    const centre = this.at(3);
    if (centre === '#') return false;
    if (centre !== '+') {
      if (NOTIFICATION_TYPE_VALUES.includes(centre) || DATA_POLICY_VALUES.includes(centre)) {
        this.error('centre-id-missing', `level 4 must be the centre id; it holds ${q(centre)}`, {
          level: 4,
          suggestion: 'insert the centre id after "wis2": origin/a/wis2/<centre-id>/…',
        });
        return false;
      }
      this.reading.centreId = centre;
      this.centre(centre);
    }
    return true;
  }

  /** Level 5, after putting a data policy written before it back in its place. */
  notificationTypeLevel(): boolean {
    const n = this.levels.length;
    if (n < 5) {
      this.tooShort();
      return false;
    }
    this.unswapTypeAndPolicy();
    const type = this.at(4);
    if (type === '#') return false;
    if (type === '+') {
      // With more levels, only data topics can match.
      if (n === 5 || this.at(5) === '#') return false;
    } else if (type === 'metadata') {
      this.reading.notificationType = 'metadata';
      if (n === 5 || (!this.publication && n === 6 && this.at(5) === '#')) return false;
      this.error('metadata-too-deep', `metadata is published on exactly 5 levels, ".../<centre-id>/metadata" (/req/core/publishing C, since WTH 1.1.0): nothing goes after "metadata"`, {
        level: 6,
        suggestion: `use ${q(this.prefix(5))}`,
        fix: { kind: 'truncate', length: 5 },
      });
      return false;
    } else if (type === 'data') {
      this.reading.notificationType = 'data';
    } else {
      const candidates = nearest(type, NOTIFICATION_TYPE_VALUES);
      this.error('notification-type-unknown', `level 5 ${q(type)} is not a notification type: expected "data" or "metadata"`, {
        level: 5,
        candidates,
        suggestion: didYouMean(candidates),
        fix: replaceWithBest(4, candidates),
      });
      if (candidates[0] !== 'data') return false;
    }
    return true;
  }

  /** A data policy written before the notification type: says so, and reads them the right way round. */
  unswapTypeAndPolicy(): void {
    if (!DATA_POLICY_VALUES.includes(this.at(4)) || !NOTIFICATION_TYPE_VALUES.includes(this.at(5))) return;
    const [policy, type] = [this.at(4), this.at(5)];
    this.error('levels-swapped', `levels 5 and 6 are swapped: the notification type (${q(type)}) comes before the data policy (${q(policy)})`, {
      level: 5,
      suggestion: `write ".../${type}/${policy}/..."`,
      fix: { kind: 'swap', index: 4 },
    });
    this.levels[4] = type;
    this.levels[5] = policy;
  }

  /** Level 6. */
  dataPolicyLevel(kind: ChannelKind): boolean {
    const n = this.levels.length;
    if (n < 6) {
      this.dataTooShallow();
      return false;
    }
    const policy = this.at(5);
    if (policy === '#') return false;
    if (policy === 'core' || policy === 'recommended') {
      this.reading.dataPolicy = policy;
      if (kind === 'cache' && policy === 'recommended') {
        this.fault('cache-recommended', 'Global Caches do not cache recommended data, so nothing is published on cache/.../data/recommended', { level: 6 });
      }
    } else if (policy !== '+') {
      const candidates = nearest(policy, DATA_POLICY_VALUES);
      this.error('data-policy-unknown', `level 6 ${q(policy)} is not a data policy: expected "core" or "recommended"`, {
        level: 6,
        candidates,
        suggestion: didYouMean(candidates),
        fix: replaceWithBest(5, candidates),
      });
    }
    return true;
  }

  centre(id: string): void {
    const status = registeredCentre(id);
    if (status !== undefined) {
      this.reading.centreStatus = status;
      if (status === 'Retired') {
        const candidates = nearestCentres(id);
        this.fault(
          'centre-id-retired',
          this.publication
            ? `centre id ${q(id)} is Retired in the WTH register: no WIS2 node publishes under it any more`
            : `centre id ${q(id)} is Retired in the WTH register: nothing new is published under it`,
          {
            level: 4,
            candidates,
            suggestion: `use the id the centre is registered under now${candidates.length > 0 ? ` (close to it: ${listed(candidates.map(q))})` : ''}`,
          },
        );
      }
      return;
    }
    if (isTestCentreId(id)) {
      this.warn('centre-id-test', `${q(id)} is a test centre id (/per/core/centre-id D): accepted without look-up, but Global Brokers that check the register drop it`, {
        level: 4,
      });
      return;
    }
    const candidates = nearestCentres(id);
    const shape = CENTRE_ID_SHAPE.test(id) ? '' : '; a centre id reads "<tld>-<centre-name>"';
    this.error('centre-id-unknown', `centre id ${q(id)} is not in the WTH register (snapshot of ${SNAPSHOT.bundleDate})${shape}`, {
      level: 4,
      candidates,
      suggestion: didYouMean(candidates) ?? 'use the centre id registered with the WMO Secretariat, or one ending in "-test" for a test node',
      fix: replaceWithBest(3, candidates),
    });
  }

  /** Reads level 7; returns the tree positions to walk from, or undefined to stop. */
  discipline(): Position[] | undefined {
    const value = this.at(6);
    if (value === '#') return undefined;
    if (value === '+') return [...DISCIPLINES.values()].map((node) => ({ node, beyond: 0 }));
    const root = DISCIPLINES.get(value);
    if (root !== undefined) {
      this.reading.discipline = value;
      return [{ node: root, beyond: 0 }];
    }
    const after = this.at(7);
    const swapped = DISCIPLINES.get(after);
    if (swapped?.children.has(value) === true) {
      this.error('levels-swapped', `levels 7 and 8 are swapped: the discipline (${q(after)}) comes before ${q(value)}`, {
        level: 7,
        suggestion: `write ".../${after}/${value}/..."`,
        fix: { kind: 'swap', index: 6 },
      });
      this.levels[6] = after;
      this.levels[7] = value;
      this.reading.discipline = after;
      return [{ node: swapped, beyond: 0 }];
    }
    const candidates = nearest(value, DISCIPLINES.keys());
    this.error('discipline-unknown', `level 7 ${q(value)} is not an earth-system discipline: expected one of ${listed([...DISCIPLINES.keys()])}`, {
      level: 7,
      candidates,
      suggestion: didYouMean(candidates),
      fix: replaceWithBest(6, candidates),
    });
    const guess = candidates.at(0);
    const best = guess === undefined ? undefined : DISCIPLINES.get(guess);
    if (best === undefined) return undefined;
    this.levels[6] = best.name;
    return [{ node: best, beyond: 0 }];
  }

  /** Walks levels 8 and below through the discipline trees. */
  tree(start: Position[]): void {
    let positions = start;
    const n = this.levels.length;
    let rest = false;
    for (let i = 7; i < n; i++) {
      const value = this.at(i);
      if (value === '#') {
        rest = true;
        break;
      }
      const next = step(positions, value);
      if (next.length > 0) {
        positions = next;
        continue;
      }
      const recovered = this.unknownLevel(positions, i);
      if (recovered === undefined) return;
      positions = recovered;
    }
    if (rest) return;
    if (n < 8) {
      this.dataTooShallow();
      return;
    }
    if (this.publication) this.publicationEnd(positions);
    else this.subscriptionEnd(positions);
  }

  /** Level `i` matched nothing: says why, and returns where to carry on from, if anywhere. */
  unknownLevel(positions: Position[], i: number): Position[] | undefined {
    const value = this.at(i);
    const at = i + 1;
    const single = positions.length === 1 ? positions[0] : undefined;
    if (positions.every((p) => p.node.children.size === 0)) {
      const where = single === undefined ? `every topic matched by ${q(this.prefix(i))}` : q(single.node.path);
      this.error('level-beyond-leaf', `${where} is a leaf topic: nothing goes below it`, {
        level: at,
        suggestion: `end the topic at level ${i}: ${q(this.prefix(i))}`,
        fix: { kind: 'truncate', length: i },
      });
      return undefined;
    }
    if (single !== undefined) {
      const renamed = renamedTopic(`${single.node.path}/${value}`);
      if (renamed !== undefined) {
        const name = renamed.slice(renamed.lastIndexOf('/') + 1);
        this.error('level-renamed', `level ${at} ${q(value)} is no longer a topic: WTH 1.1.0 (2024-10) replaced it with ${q(name)}`, {
          level: at,
          candidates: [name],
          suggestion: didYouMean([name]),
          fix: { kind: 'replace', index: i, value: name },
        });
        this.levels[i] = name;
        const target = findTopic(renamed);
        return target === undefined ? undefined : [{ node: target, beyond: 0 }];
      }
      const after = this.at(i + 1);
      const swapped = after === '+' || after === '#' ? undefined : single.node.children.get(after);
      if (swapped?.children.has(value) === true) {
        this.error('levels-swapped', `levels ${at} and ${at + 1} are swapped: ${q(after)} comes before ${q(value)} below ${q(single.node.path)}`, {
          level: at,
          suggestion: `write ".../${after}/${value}/..."`,
          fix: { kind: 'swap', index: i },
        });
        this.levels[i] = after;
        this.levels[i + 1] = value;
        return [{ node: swapped, beyond: 0 }];
      }
    }
    const names = [...new Set(positions.flatMap((p) => [...p.node.children.keys()]))];
    const candidates = nearest(value, names);
    this.error('level-unknown', `level ${at} ${q(value)} is not a topic under ${q(this.prefix(i))}`, {
      level: at,
      candidates,
      suggestion: didYouMean(candidates) ?? `topics there: ${listed(names)}`,
      fix: replaceWithBest(i, candidates),
    });
    const best = candidates.at(0);
    if (best === undefined) return undefined;
    // Carry on as if the author meant the best guess, so later levels are still checked.
    this.levels[i] = best;
    const next = step(positions, best);
    return next.length > 0 ? next : undefined;
  }

  publicationEnd(positions: Position[]): void {
    if (this.wild) return;
    const p = positions.at(0);
    if (p === undefined) return;
    const { node } = p;
    this.reading.experimental = node.experimental;
    this.reading.status = node.status;
    if (p.beyond === 0) {
      const children = [...node.children.keys()];
      this.reading.leaf = children.length === 0;
      if (children.length > 0) {
        const only = children.length === 1 ? children[0] : undefined;
        this.error('topic-not-leaf', `${q(node.path)} has sub-topics: data is published on a leaf topic (/rec/core/publishing B), and the reference Global Broker drops notifications on other topics`, {
          level: this.levels.length,
          candidates: children.slice(0, 8),
          suggestion: `add a level: ${listed(children)}`,
          fix: only === undefined ? undefined : { kind: 'append', value: only },
        });
      }
    }
    if (node.experimental) {
      this.warn('experimental-topic', `topics under ${q(node.path)} are temporary (/rec/core/publishing A) and Global Caches need not cache them: announce with properties.cache = false`, {
        level: 8,
      });
    } else if (node.status !== 'Operational') {
      this.warn(`topic-status-${node.status.toLowerCase()}`, `${q(node.path)} has status ${node.status} in the WTH codelists: it may still change`, {
        level: this.levels.length,
      });
    }
  }

  subscriptionEnd(positions: Position[]): void {
    const experimental = positions.filter((p) => p.node.experimental).length;
    if (experimental === positions.length) this.reading.experimental = true;
    else if (experimental === 0) this.reading.experimental = false;
    const listedTopics = positions.filter((p) => p.beyond === 0 && !p.node.experimental);
    const leaves = listedTopics.filter((p) => p.node.children.size === 0).length;
    if (listedTopics.length === positions.length) {
      if (leaves === positions.length) this.reading.leaf = true;
      else if (leaves === 0) this.reading.leaf = false;
    }
    const single = positions.length === 1 ? positions[0] : undefined;
    if (single !== undefined) this.reading.status = single.node.status;
    if (leaves === 0 && experimental === 0) {
      this.warn('subscription-not-leaf', `${q(this.prefix(this.levels.length))} matches topics with sub-topics, and data is published on leaves: end the subscription with "/#" to receive them`, {
        level: this.levels.length,
      });
    }
  }
}

/** Where `value` leads from each position; an `experimental` branch takes any value. */
function step(positions: readonly Position[], value: string): Position[] {
  const next: Position[] = [];
  for (const p of positions) {
    if (p.node.experimental) next.push({ node: p.node, beyond: p.beyond + 1 });
    else if (value === '+') for (const node of p.node.children.values()) next.push({ node, beyond: 0 });
    else {
      const node = p.node.children.get(value);
      if (node !== undefined) next.push({ node, beyond: 0 });
    }
  }
  return next;
}

function run(topic: string, mode: TopicMode, allowCache: boolean): Checker {
  const checker = new Checker(mode, allowCache);
  if (checker.syntax(topic)) checker.structure();
  return checker;
}

function applyFix(levels: readonly string[], fix: Fix): string[] {
  const out = [...levels];
  switch (fix.kind) {
    case 'replace':
      out[fix.index] = fix.value;
      break;
    case 'delete':
      out.splice(fix.index, 1);
      break;
    case 'insert':
      out.splice(fix.index, 0, fix.value);
      break;
    case 'swap': {
      const pair = out.slice(fix.index, fix.index + 2);
      if (pair.length === 2) out.splice(fix.index, 2, ...pair.reverse());
      break;
    }
    case 'truncate':
      out.length = Math.min(out.length, fix.length);
      break;
    case 'append':
      out.push(fix.value);
      break;
  }
  return out;
}

/** Applies the first fixable error again and again until the topic passes or no fix is left. */
function repair(topic: string, mode: TopicMode, allowCache: boolean): string | undefined {
  let levels = topic.split('/');
  const seen = new Set<string>();
  for (let round = 0; round < 12; round++) {
    const candidate = levels.join('/');
    if (seen.has(candidate)) return undefined;
    seen.add(candidate);
    const checker = run(candidate, mode, allowCache);
    if (checker.errors.length === 0) return candidate === topic ? undefined : candidate;
    const fix = checker.errors.find((e) => e.fix !== undefined)?.fix;
    if (fix === undefined) return undefined;
    levels = applyFix(levels, fix);
  }
  return undefined;
}

function publicProblem({ fix: _fix, ...problem }: Finding): TopicProblem {
  return problem;
}

/**
 * Checks a WIS2 topic against the WIS2 Topic Hierarchy.
 *
 * Publication (the default): `origin/a/wis2/<centre-id>/data/<core|recommended>/<discipline>/…`
 * ending on a leaf of the codelists, or anywhere below `<discipline>/experimental/`, or
 * exactly `origin/a/wis2/<centre-id>/metadata`. Subscription: an MQTT filter over the
 * `origin`, `cache` and `monitor` channels, where `+` stands for any value of its level and a
 * final `#` for anything below; wildcards are matched against the codelists.
 *
 * Never throws for a string; a non-string topic is reported as `topic-not-string`.
 *
 * @example
 * validateTopic('origin/a/wis2/fr-ifremer-argo/data/core/ocean/surface-based-observations/drifting-ocean-profilers')
 * // { valid: true, centreId: 'fr-ifremer-argo', dataPolicy: 'core', discipline: 'ocean', leaf: true, … }
 */
export function validateTopic(topic: string, options: ValidateTopicOptions = {}): TopicCheck {
  const mode: TopicMode = options.mode === 'subscription' ? 'subscription' : 'publication';
  const allowCache = options.allowCache === true;
  // Node-RED hands over whatever msg.topic holds, typed or not.
  const given: unknown = topic;
  if (typeof given !== 'string') {
    const got = given === null ? 'null' : typeof given;
    return { valid: false, topic: String(given), mode, errors: [{ code: 'topic-not-string', message: `the topic must be a string, got ${got}` }], warnings: [] };
  }
  const checker = run(topic, mode, allowCache);
  const check: TopicCheck = {
    valid: checker.errors.length === 0,
    topic,
    mode,
    errors: checker.errors.map(publicProblem),
    warnings: checker.warnings.map(publicProblem),
    ...checker.reading,
  };
  if (!check.valid) {
    const suggested = repair(topic, mode, allowCache);
    if (suggested !== undefined) check.suggestedTopic = suggested;
  }
  return check;
}
