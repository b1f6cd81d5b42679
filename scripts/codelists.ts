#!/usr/bin/env node
/**
 * `npm run codelists -- DIR`: writes `nodes/lib/wth/codelists.ts` from the official WIS2 Topic
 * Hierarchy codelists in DIR, which is either the unzipped WTH bundle (`wth-bundle.zip` of
 * wmo-im/wis2-topic-hierarchy, what the reference data holds) or the repository's
 * `topic-hierarchy` folder, whose per-level codelists also give every topic its status.
 *
 *   node dist/scripts/codelists.js DIR [--out FILE] [--version V] [--bundle-date YYYY-MM-DD] [--commit SHA]
 *
 * The options name the bundle the CSVs come from, which the CSVs do not say; they default to the
 * bundle the reference data pins. Exit 0 when the file is written, 1 when DIR does not hold the
 * codelists, 64 on a usage error.
 */
import fs from 'node:fs';
import path from 'node:path';

/** Which bundle the CSVs are: the one `reference.manifest.json` pins, unless told otherwise. */
export interface Bundle {
  version: string;
  bundleDate: string;
  commit: string;
}

export const DEFAULT_BUNDLE: Bundle = { version: '1.3.0', bundleDate: '2026-08-17', commit: '7e1bd37' };

const repoRoot = path.resolve(__dirname, '..', '..');
export const DEFAULT_OUT = path.join(repoRoot, 'nodes', 'lib', 'wth', 'codelists.ts');
export const COMMAND = 'npm run codelists -- DIR';

const CENTRE_STATUSES = ['Operational', 'Pre-operational', 'Retired'] as const;
const TOPIC_STATUSES = ['Operational', 'Experimental', 'Pre-operational', 'Planned', 'Retired'] as const;
type TopicStatus = (typeof TOPIC_STATUSES)[number];

/**
 * The bundle's flattened discipline list has a Name column only. When DIR holds no per-level
 * codelists, these are the statuses they give at the pinned commit, where a topic's status
 * differs from its parent's.
 */
const PINNED_TOPIC_STATUSES: Readonly<Record<string, TopicStatus>> = {
  'atmospheric-composition/advisories-warnings': 'Experimental',
  'atmospheric-composition/observations': 'Experimental',
  'hydrology/space-based-observations': 'Experimental',
  'hydrology/subsurface-based-observations': 'Experimental',
  'hydrology/surface-based-observations': 'Experimental',
  'weather/maritime-safety-information': 'Experimental',
  'weather/space-based-observations/microcarb': 'Experimental',
  'weather/space-based-observations/tianmu-1': 'Experimental',
  'weather/space-based-observations/tomorrow': 'Experimental',
  'weather/surface-based-observations/amdar': 'Experimental',
  'weather/surface-based-observations/gnss-iwv': 'Experimental',
  'weather/surface-based-observations/uas': 'Experimental',
  'weather/surface-based-observations/vertical-profilers': 'Experimental',
  'weather/surface-based-observations/weather-radar': 'Experimental',
};

/** Renamed or removed topics are history, which no codelist keeps. */
const RENAMED_TOPICS: Readonly<Record<string, string>> = {
  'ocean/surface-based-observations/ocean-profilers': 'ocean/surface-based-observations/drifting-ocean-profilers',
  'ocean/surface-based-observations/moored-buoys': 'ocean/surface-based-observations/moored-buoys-and-moorings',
  'ocean/surface-based-observations/gliders': 'ocean/surface-based-observations/autonomous-underwater-vehicles',
  'ocean/surface-based-observations/sea-level': 'ocean/surface-based-observations/fixed-coastal-stations',
};

/** The outline puts a topic's leaves on its own line while the line stays this short. */
const MAX_OUTLINE_LINE = 100;

/** Parses RFC 4180 CSV (quoted fields may hold commas, quotes and newlines) into records by header. */
export function parseCsv(text: string): Record<string, string | undefined>[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  const kept = rows.filter((r) => !(r.length === 1 && r[0] === ''));
  const header = kept.at(0);
  const body = kept.slice(1);
  if (header === undefined) return [];
  return body.map((r) => Object.fromEntries(header.map((name, i) => [name, r[i] ?? ''])));
}

type Row = Record<string, string | undefined>;

function readCodelist(file: string): Row[] {
  return parseCsv(fs.readFileSync(file, 'utf8'));
}

function nameOf(row: Row, file: string): string {
  const name = row.Name;
  if (name === undefined || name === '') throw new Error(`${file}: a row has no Name`);
  return name;
}

function topicStatus(value: string | undefined, where: string): TopicStatus | undefined {
  if (value === undefined || value === '') return undefined;
  if (!(TOPIC_STATUSES as readonly string[]).includes(value)) throw new Error(`${where}: unknown status ${JSON.stringify(value)}`);
  return value as TopicStatus;
}

interface Topic {
  name: string;
  path: string;
  /** The status its codelist gives it, if any; the others take their parent's. */
  status?: TopicStatus;
  children: Map<string, Topic>;
}

interface Tree {
  roots: Map<string, Topic>;
  /** Where the tree was read from, for the file's own description. */
  source: { kind: 'levels' } | { kind: 'flat'; rows: number; repeated: string[] };
}

function child(parent: Map<string, Topic>, parentPath: string, name: string): Topic {
  let topic = parent.get(name);
  if (topic === undefined) {
    topic = { name, path: parentPath === '' ? name : `${parentPath}/${name}`, children: new Map() };
    parent.set(name, topic);
  }
  return topic;
}

/** The repository's layout: `earth-system-discipline/<path>/index.csv` lists the children of `<path>`. */
function readLevels(dir: string): Tree {
  const roots = new Map<string, Topic>();
  const walk = (into: Map<string, Topic>, at: string): void => {
    const file = path.join(dir, 'earth-system-discipline', at, 'index.csv');
    if (!fs.existsSync(file)) return;
    for (const row of readCodelist(file)) {
      const topic = child(into, at, nameOf(row, file));
      topic.status = topicStatus(row.Status, file);
      walk(topic.children, topic.path);
    }
  };
  walk(roots, '');
  return { roots, source: { kind: 'levels' } };
}

/** The bundle's layout: one flattened list of paths, `ocean/surface-based-observations/…`. */
function readFlat(file: string): Tree {
  const roots = new Map<string, Topic>();
  const rows = readCodelist(file);
  const seen = new Set<string>();
  const repeated: string[] = [];
  for (const row of rows) {
    const name = nameOf(row, file);
    if (seen.has(name)) repeated.push(name);
    seen.add(name);
    let into = roots;
    let topic: Topic | undefined;
    for (const level of name.split('/')) {
      topic = child(into, topic?.path ?? '', level);
      into = topic.children;
    }
    if (topic !== undefined) topic.status = topicStatus(row.Status, file) ?? (Object.hasOwn(PINNED_TOPIC_STATUSES, name) ? PINNED_TOPIC_STATUSES[name] : undefined);
  }
  return { roots, source: { kind: 'flat', rows: rows.length, repeated } };
}

function readTree(dir: string): Tree {
  if (fs.existsSync(path.join(dir, 'earth-system-discipline', 'index.csv'))) return readLevels(dir);
  return readFlat(path.join(dir, 'earth-system-discipline.csv'));
}

function sortedChildren(topic: Topic): Topic[] {
  return [...topic.children.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The outline format `parseDisciplineTree` reads (see the comment written above it). */
function outline(roots: Map<string, Topic>): string {
  const lines: string[] = [];
  const entry = (topic: Topic, status: TopicStatus, inherited: TopicStatus): string => (status === inherited ? topic.name : `${topic.name}[${status}]`);
  const walk = (topic: Topic, depth: number, inherited: TopicStatus): void => {
    const status = topic.status ?? inherited;
    const head = '  '.repeat(depth) + entry(topic, status, inherited);
    const children = sortedChildren(topic);
    if (children.length > 0 && children.every((c) => c.children.size === 0)) {
      const line = `${head}: ${children.map((c) => entry(c, c.status ?? status, status)).join(' ')}`;
      if (line.length <= MAX_OUTLINE_LINE) {
        lines.push(line);
        return;
      }
    }
    lines.push(head);
    for (const c of children) walk(c, depth + 1, status);
  };
  for (const root of sortedChildren({ name: '', path: '', children: roots })) walk(root, 0, 'Operational');
  return lines.join('\n');
}

function countTopics(roots: Map<string, Topic>): number {
  let n = 0;
  for (const topic of roots.values()) n += 1 + countTopics(topic.children);
  return n;
}

const number = (n: number): string => n.toLocaleString('en-US');
const quote = (text: string): string => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

function readNames(dir: string, name: string): string[] {
  const file = path.join(dir, `${name}.csv`);
  return readCodelist(file).map((row) => nameOf(row, file));
}

function readCentres(dir: string): [string, string][] {
  const file = path.join(dir, 'centre-id.csv');
  return readCodelist(file).map((row) => {
    const status = row.Status ?? '';
    if (!(CENTRE_STATUSES as readonly string[]).includes(status)) throw new Error(`${file}: unknown status ${JSON.stringify(status)} of ${row.Name ?? ''}`);
    return [nameOf(row, file), status];
  });
}

/** A doc comment of the given paragraphs, wrapped to the width of the rest of the code. */
function docComment(paragraphs: readonly string[]): string {
  const lines: string[] = [];
  for (const paragraph of paragraphs) {
    if (lines.length > 0) lines.push(' *');
    let line = ' *';
    for (const word of paragraph.split(' ')) {
      if (line.length + 1 + word.length > MAX_OUTLINE_LINE && line !== ' *') {
        lines.push(line);
        line = ' *';
      }
      line += ` ${word}`;
    }
    lines.push(line);
  }
  return `/**\n${lines.join('\n')}\n */\n`;
}

function header(bundle: Bundle, centres: [string, string][], tree: Tree): string {
  const counts = CENTRE_STATUSES.map((s) => `${centres.filter(([, status]) => status === s).length} ${s}`).join(', ');
  const source = tree.source;
  const repeated =
    source.kind === 'flat' && source.repeated.length > 0
      ? `; the bundle's flattened list has ${number(source.rows)} rows because ${source.repeated.map((r) => `\`${r}\``).join(', ')} appears twice`
      : '';
  const statuses =
    source.kind === 'levels'
      ? 'Topic statuses come from the Status column of the per-level codelists'
      : 'That flattened list carries no status, so topic statuses come from the Status column of the per-level codelists of the same repository, as scripts/codelists.ts keeps them';
  return docComment([
    `Generated by \`${COMMAND}\` (scripts/codelists.ts) from the official WIS2 Topic Hierarchy codelists: do not edit, run it again when the register moves on. The WTH unit tests compare this file with the official CSVs and say what differs.`,
    `Reflects WIS2 Topic Hierarchy ${bundle.version} (Manual on WIS, Volume II, Appendix D), as published in the WTH bundle of ${bundle.bundleDate} (wmo-im/wis2-topic-hierarchy, commit ${bundle.commit}): the register of centre ids (${centres.length} ids: ${counts}) and the earth-system-discipline tree (${number(countTopics(tree.roots))} topics from level 7 down${repeated}). ${statuses}; a topic without a mark has the status of its parent, and the disciplines are Operational.`,
  ]);
}

function fixedLevels(dir: string): string {
  const list = (name: string): string => `[${readNames(dir, name).map(quote).join(', ')}] as const`;
  return `/** Level 1: where notifications come from (channel.csv). */
export const CHANNELS = ${list('channel')};
/** Level 2 (version.csv): changes only with a major version of the WTH. */
export const VERSIONS = ${list('version')};
/** Level 3 (system.csv). */
export const SYSTEMS = ${list('system')};
/** Level 5 (notification-type.csv). */
export const NOTIFICATION_TYPES = ${list('notification-type')};
/** Level 6 (data-policy.csv). */
export const DATA_POLICIES = ${list('data-policy')};
`;
}

/** The text of `nodes/lib/wth/codelists.ts` for the codelists in `dir`. */
export function generateCodelists(dir: string, bundle: Bundle = DEFAULT_BUNDLE): string {
  const centres = readCentres(dir);
  const tree = readTree(dir);
  const union = (values: readonly string[]): string => values.map(quote).join(' | ');
  return `${header(bundle, centres, tree)}
/** Where this snapshot comes from. */
export const SNAPSHOT = {
  standard: 'WIS2 Topic Hierarchy',
  version: ${quote(bundle.version)},
  bundleDate: ${quote(bundle.bundleDate)},
  source: 'https://wmo-im.github.io/wis2-topic-hierarchy/wth-bundle.zip',
} as const;

/** Register status of a centre id (column Status of centre-id.csv). */
export type CentreIdStatus = ${union(CENTRE_STATUSES)};

/** Status of a topic in the earth-system-discipline codelists. */
export type TopicStatus = ${union(TOPIC_STATUSES)};

${fixedLevels(dir)}
/**
 * Level 4: every registered centre id and its status. \`*-test\` ids are not registered: the
 * WTH lets test nodes use them (/per/core/centre-id D).
 */
export const CENTRE_IDS: Readonly<Record<string, CentreIdStatus>> = {
${centres.map(([id, status]) => `  ${quote(id)}: ${quote(status)},`).join('\n')}
};

/**
 * Levels 7 and below: the earth-system-discipline tree, one topic per line, two spaces of
 * indentation per level. \`name: a b c\` is a topic whose children a, b and c are leaves;
 * \`name[Status]\` marks a topic whose status differs from its parent's. Every discipline has an
 * \`experimental\` child under which publishers may create their own sub-topics.
 */
export const DISCIPLINE_TREE = \`
${outline(tree.roots)}
\`;

/**
 * Topics renamed or removed by WTH 1.1.0 (2024-10-22): old name -> what replaced it, so the
 * validator can name the successor instead of guessing from spelling alone.
 */
export const RENAMED_TOPICS: Readonly<Record<string, string>> = {
${Object.entries(RENAMED_TOPICS)
  .map(([old, now]) => `  ${quote(old)}: ${quote(now)},`)
  .join('\n')}
};
`;
}

const USAGE = 'usage: codelists DIR [--out FILE] [--version V] [--bundle-date YYYY-MM-DD] [--commit SHA]';

interface Args {
  dir: string;
  out: string;
  bundle: Bundle;
}

export function parseArgs(argv: readonly string[]): Args | string {
  let dir: string | undefined;
  let out = DEFAULT_OUT;
  const bundle = { ...DEFAULT_BUNDLE };
  const flags: Record<string, (value: string) => void> = {
    '--out': (v) => (out = path.resolve(v)),
    '--version': (v) => (bundle.version = v),
    '--bundle-date': (v) => (bundle.bundleDate = v),
    '--commit': (v) => (bundle.commit = v),
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const set = Object.hasOwn(flags, arg) ? flags[arg] : undefined;
    if (set !== undefined) {
      if (i + 1 >= argv.length) return `${arg} needs a value`;
      set(argv[++i]);
    } else if (arg.startsWith('-') || dir !== undefined) return `unexpected argument ${JSON.stringify(arg)}`;
    else dir = path.resolve(arg);
  }
  if (dir === undefined) return 'DIR is required: a folder of the official WTH codelist CSVs';
  if (!/^\d{4}-\d{2}-\d{2}$/.test(bundle.bundleDate)) return '--bundle-date is YYYY-MM-DD';
  return { dir, out, bundle };
}

export function main(argv: readonly string[]): number {
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    console.error(`${args}\n${USAGE}`);
    return 64;
  }
  let text: string;
  try {
    text = generateCodelists(args.dir, args.bundle);
  } catch (err) {
    console.error(`codelists: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
  if (args.bundle.commit !== DEFAULT_BUNDLE.commit && !fs.existsSync(path.join(args.dir, 'earth-system-discipline', 'index.csv'))) {
    // Reason: the flattened list has no statuses, and the ones kept here are those of the pinned commit.
    console.warn('codelists: topic statuses are those of the pinned bundle; give the topic-hierarchy folder of the repository for current ones');
  }
  fs.writeFileSync(args.out, text);
  console.log(`codelists: wrote ${path.relative(process.cwd(), args.out) || args.out}`);
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
