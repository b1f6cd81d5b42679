import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../helpers/reference';
import { isMap, parseYaml, type YamlMap, type YamlValue } from './yaml';

/** The deployment files, read from the repository as the containers get them. */
export const deployFiles = {
  compose: path.join(repoRoot, 'compose.yml'),
  mosquittoConf: path.join(repoRoot, 'docker', 'mosquitto', 'mosquitto.conf'),
  aclTemplate: path.join(repoRoot, 'docker', 'mosquitto', 'acl.template'),
  mosquittoEntrypoint: path.join(repoRoot, 'docker', 'mosquitto', 'entrypoint.sh'),
  dockerfile: path.join(repoRoot, 'docker', 'node-red', 'Dockerfile'),
  nodeRedEntrypoint: path.join(repoRoot, 'docker', 'node-red', 'entrypoint.sh'),
  settings: path.join(repoRoot, 'docker', 'node-red', 'settings.js'),
  dockerReadme: path.join(repoRoot, 'docker', 'README.md'),
  readme: path.join(repoRoot, 'README.md'),
};

export function readText(file: string): string {
  return fs.readFileSync(file, 'utf8');
}

export function loadCompose(): YamlMap {
  const doc = parseYaml(readText(deployFiles.compose));
  if (!isMap(doc)) throw new Error('compose.yml is not a mapping');
  return doc;
}

export function composeService(compose: YamlMap, name: string): YamlMap {
  const services = compose.services;
  if (!isMap(services)) throw new Error('compose.yml has no services');
  const service = services[name];
  if (!isMap(service)) throw new Error(`compose.yml has no service ${name}`);
  return service;
}

export function stringList(value: YamlValue | undefined, what: string): string[] {
  if (!Array.isArray(value) || !value.every((v): v is string => typeof v === 'string')) throw new Error(`${what} is not a list of strings`);
  return value;
}

/** One `${NAME…}` of a compose file: `operator` is '', '-', ':-', '?' or ':?'. */
export interface ComposeVariable {
  name: string;
  operator: string;
  argument: string;
  where: string;
}

const VARIABLE = /\$(?:\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g;

export function variablesIn(text: string, where: string): ComposeVariable[] {
  const found: ComposeVariable[] = [];
  for (const m of text.matchAll(VARIABLE)) {
    // "$$" is compose's escape for a literal "$", expanded later by a shell in the container
    if (m[0] === '$$') continue;
    // optional groups: undefined when they did not take part in the match
    found.push({ name: m.at(1) ?? m.at(4) ?? '', operator: m.at(2) ?? '', argument: m.at(3) ?? '', where });
  }
  return found;
}

export function composeVariables(value: YamlValue, where = ''): ComposeVariable[] {
  if (typeof value === 'string') return variablesIn(value, where);
  if (Array.isArray(value)) return value.flatMap((v, i) => composeVariables(v, `${where}[${i}]`));
  if (isMap(value)) return Object.entries(value).flatMap(([k, v]) => composeVariables(v, where ? `${where}.${k}` : k));
  return [];
}

/** Compose's interpolation of a string with the given environment (unset: the defaults). */
export function interpolate(text: string, env: Record<string, string | undefined> = {}): string {
  return text.replace(VARIABLE, (whole: string, braced?: string, operator?: string, argument?: string, bare?: string) => {
    if (whole === '$$') return '$';
    const name = braced ?? bare ?? '';
    const value = env[name];
    const missing = value === undefined || (operator?.startsWith(':') === true && value === '');
    if (missing && operator?.endsWith('-') === true) return argument ?? '';
    if (missing && operator?.endsWith('?') === true) throw new Error(`required variable ${name} is not set`);
    return value ?? '';
  });
}

/** The rules of the ACL template: user name placeholder (or literal) -> access and topic filter. */
export interface AclRule {
  access: 'read' | 'write' | 'readwrite';
  topic: string;
}

export function parseAcl(text: string): Map<string, AclRule[]> {
  const users = new Map<string, AclRule[]>();
  let current: AclRule[] | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const user = /^user\s+(\S+)$/.exec(line);
    if (user?.[1]) {
      current = [];
      users.set(user[1], current);
      continue;
    }
    const topic = /^topic\s+(?:(read|write|readwrite)\s+)?(\S+)$/.exec(line);
    if (!topic?.[2] || !current) throw new Error(`ACL line not understood by the test: ${line}`);
    current.push({ access: (topic.at(1) ?? 'readwrite') as AclRule['access'], topic: topic[2] });
  }
  return users;
}

/** Whether the ACL filter `granted` covers every topic `wanted` (a topic or a filter) can match. */
export function filterCovers(granted: string, wanted: string): boolean {
  const g = granted.split('/');
  const w = wanted.split('/');
  for (let i = 0; i < g.length; i++) {
    const level = g[i];
    if (level === '#') return true;
    const other = w.at(i);
    if (other === undefined || other === '#') return false;
    if (level === '+') {
      if (other === '+' || !other.startsWith('$')) continue;
      return false;
    }
    if (level !== other) return false;
  }
  return g.length === w.length;
}

export function aclAllows(rules: AclRule[] | undefined, access: 'read' | 'write', topic: string): boolean {
  return (rules ?? []).some((r) => (r.access === access || r.access === 'readwrite') && filterCovers(r.topic, topic));
}

/** Default of `${NAME:-default}` written in a shell script. */
export function shellDefault(script: string, name: string): string | undefined {
  return new RegExp(`\\$\\{${name}:-([^}]*)\\}`).exec(script)?.[1];
}

/** Names documented in the first column of a Markdown table: | `NAME` | … */
export function documentedVariables(markdown: string): Set<string> {
  const names = new Set<string>();
  for (const m of markdown.matchAll(/^\|\s*`([A-Za-z_][A-Za-z0-9_]*)`\s*\|/gm)) if (m[1]) names.add(m[1]);
  return names;
}
