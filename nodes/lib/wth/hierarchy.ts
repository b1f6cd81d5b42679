/**
 * The WIS2 Topic Hierarchy as an in-memory tree, built once per process from our codelist
 * snapshot, with the look-ups the validator, the CLI and the nodes share.
 */
import {
  CENTRE_IDS,
  CHANNELS,
  DATA_POLICIES,
  DISCIPLINE_TREE,
  NOTIFICATION_TYPES,
  RENAMED_TOPICS,
  SYSTEMS,
  VERSIONS,
  type CentreIdStatus,
  type TopicStatus,
} from './codelists';

/** Level (1-based) of the earth-system discipline in a full topic. */
export const DISCIPLINE_LEVEL = 7;

/** One topic of the earth-system-discipline tree (level 7 and below). */
export interface TopicNode {
  readonly name: string;
  /** Path from the discipline down, e.g. `ocean/surface-based-observations`. */
  readonly path: string;
  /** 1-based level in a full WIS2 topic: disciplines are at level 7. */
  readonly level: number;
  /** Status after inheritance: a topic without its own mark takes its parent's. */
  readonly status: TopicStatus;
  readonly parent: TopicNode | undefined;
  readonly children: ReadonlyMap<string, TopicNode>;
  /** `{discipline}/experimental`: publishers may add sub-topics of their own below it. */
  readonly experimental: boolean;
}

interface MutableNode {
  name: string;
  path: string;
  level: number;
  status: TopicStatus;
  parent: MutableNode | undefined;
  children: Map<string, MutableNode>;
  experimental: boolean;
}

const STATUSES: ReadonlySet<string> = new Set<TopicStatus>(['Operational', 'Experimental', 'Pre-operational', 'Planned', 'Retired']);
const ENTRY = /^([a-z0-9]+(?:-[a-z0-9]+)*)(?:\[([A-Za-z-]+)\])?$/;

function parseEntry(text: string, lineNo: number): { name: string; status?: TopicStatus } {
  const m = ENTRY.exec(text);
  if (!m) throw new Error(`discipline tree, line ${lineNo}: bad topic "${text}"`);
  // Optional groups are undefined when absent, whatever the index type says.
  const name = m[1] as string | undefined;
  const status = m[2] as string | undefined;
  if (name === undefined) throw new Error(`discipline tree, line ${lineNo}: bad topic "${text}"`);
  if (status === undefined) return { name };
  if (!STATUSES.has(status)) throw new Error(`discipline tree, line ${lineNo}: unknown status "${status}"`);
  return { name, status: status as TopicStatus };
}

/** Reads the indented outline of `DISCIPLINE_TREE` (format documented there). */
export function parseDisciplineTree(outline: string): ReadonlyMap<string, TopicNode> {
  const roots = new Map<string, MutableNode>();
  const stack: MutableNode[] = [];

  const add = (parent: MutableNode | undefined, entry: { name: string; status?: TopicStatus }, lineNo: number): MutableNode => {
    const siblings = parent ? parent.children : roots;
    if (siblings.has(entry.name)) throw new Error(`discipline tree, line ${lineNo}: "${entry.name}" appears twice`);
    const node: MutableNode = {
      name: entry.name,
      path: parent ? `${parent.path}/${entry.name}` : entry.name,
      level: parent ? parent.level + 1 : DISCIPLINE_LEVEL,
      status: entry.status ?? parent?.status ?? 'Operational',
      parent,
      children: new Map(),
      experimental: parent !== undefined && parent.parent === undefined && entry.name === 'experimental',
    };
    siblings.set(entry.name, node);
    return node;
  };

  outline.split('\n').forEach((raw, index) => {
    const lineNo = index + 1;
    if (raw.trim() === '' || raw.trimStart().startsWith('#')) return;
    const indent = raw.length - raw.trimStart().length;
    if (indent % 2 !== 0 || indent / 2 > stack.length) {
      throw new Error(`discipline tree, line ${lineNo}: bad indentation`);
    }
    stack.length = indent / 2;
    const parts = raw.trim().split(/:\s*/, 2);
    const head = parts[0] ?? '';
    const leaves = parts.length > 1 ? parts[1] : undefined;
    const node = add(stack[stack.length - 1], parseEntry(head, lineNo), lineNo);
    if (leaves !== undefined) {
      for (const leaf of leaves.split(/\s+/).filter((s) => s !== '')) add(node, parseEntry(leaf, lineNo), lineNo);
    }
    stack.push(node);
  });
  return roots;
}

/** The seven earth-system disciplines (level 7), each the root of its topic tree. */
export const DISCIPLINES: ReadonlyMap<string, TopicNode> = parseDisciplineTree(DISCIPLINE_TREE);

/** The topic at `path` below the data-policy level (`ocean/surface-based-observations`), if any. */
export function findTopic(path: string): TopicNode | undefined {
  const [first, ...rest] = path.split('/');
  let node = DISCIPLINES.get(first);
  for (const name of rest) {
    if (node === undefined) return undefined;
    node = node.children.get(name);
  }
  return node;
}

/** Every topic path of the tree, parents before children. */
export function allTopicPaths(): string[] {
  const out: string[] = [];
  const walk = (node: TopicNode): void => {
    out.push(node.path);
    for (const child of node.children.values()) walk(child);
  };
  for (const root of DISCIPLINES.values()) walk(root);
  return out;
}

/** What replaced a topic that the WTH renamed or removed (`ocean/…/ocean-profilers`), if it did. */
export function renamedTopic(path: string): string | undefined {
  return Object.hasOwn(RENAMED_TOPICS, path) ? RENAMED_TOPICS[path] : undefined;
}

const CENTRES: ReadonlyMap<string, CentreIdStatus> = new Map(Object.entries(CENTRE_IDS));

/** Register status of a centre id, or undefined when the register does not hold it. */
export function registeredCentre(id: string): CentreIdStatus | undefined {
  return CENTRES.get(id);
}

/** Registered centre ids, optionally only those with one of the given statuses, sorted. */
export function centreIds(statuses?: readonly CentreIdStatus[]): string[] {
  return [...CENTRES]
    .filter(([, status]) => statuses === undefined || statuses.includes(status))
    .map(([id]) => id)
    .sort();
}

/** `tld-name`: what /req/core/centre-id B asks of a centre id's shape. */
export const CENTRE_ID_SHAPE = /^[a-z0-9]+(-[a-z0-9]+)+$/;

/** A test node's id: /per/core/centre-id D lets test nodes end their id with `-test`. */
export function isTestCentreId(id: string): boolean {
  return id.endsWith('-test') && CENTRE_ID_SHAPE.test(id);
}

export const CHANNEL_VALUES: readonly string[] = CHANNELS;
export const VERSION_VALUES: readonly string[] = VERSIONS;
export const SYSTEM_VALUES: readonly string[] = SYSTEMS;
export const NOTIFICATION_TYPE_VALUES: readonly string[] = NOTIFICATION_TYPES;
export const DATA_POLICY_VALUES: readonly string[] = DATA_POLICIES;

/**
 * The values allowed one level below `prefix` (a topic without wildcards, with or without a
 * trailing `/`): channels for `""`, centre ids for `origin/a/wis2` (Retired ones left out),
 * sub-topics further down. Empty when `prefix` is not a topic of the hierarchy, is a leaf, or
 * is an `experimental` branch, below which publishers choose their own levels.
 */
export function listChildren(prefix: string): string[] {
  const trimmed = prefix.replace(/\/+$/, '');
  if (trimmed === '') return [...CHANNEL_VALUES];
  const levels = trimmed.split('/');
  const [channel = '', version, system, centre = '', type, policy = ''] = levels;
  if (!CHANNEL_VALUES.includes(channel)) return [];
  if (levels.length === 1) return [...VERSION_VALUES];
  if (version !== 'a') return [];
  if (levels.length === 2) return [...SYSTEM_VALUES];
  if (system !== 'wis2') return [];
  if (levels.length === 3) return centreIds(['Operational', 'Pre-operational']);
  if (registeredCentre(centre) === undefined && !isTestCentreId(centre)) return [];
  if (levels.length === 4) return [...NOTIFICATION_TYPE_VALUES];
  if (type !== 'data') return [];
  if (levels.length === 5) return [...DATA_POLICY_VALUES];
  if (!DATA_POLICY_VALUES.includes(policy)) return [];
  if (levels.length === 6) return [...DISCIPLINES.keys()];
  const node = findTopic(levels.slice(DISCIPLINE_LEVEL - 1).join('/'));
  return node ? [...node.children.keys()] : [];
}
