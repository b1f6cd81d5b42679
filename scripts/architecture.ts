#!/usr/bin/env node
/**
 * `npm run architecture`: writes docs/architecture.md from the code. It reads the TypeScript
 * imports of `nodes/` and `bin/`, groups the modules by folder, and draws the imports between
 * folders as a Mermaid diagram, followed by what each folder holds and may import
 * (`architecture-folders.ts`) and its files. A test regenerates the document and compares.
 *
 *   node dist/scripts/architecture.js [--check]
 *
 * --check writes nothing: exit 1 when docs/architecture.md is not what the code gives.
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { FOLDERS, type FolderDescription } from './architecture-folders';

export const repoRoot = path.resolve(__dirname, '..', '..');
export const ARCHITECTURE_FILE = path.join(repoRoot, 'docs', 'architecture.md');
/** The node adapters, one folder each, drawn as one group. */
export const ADAPTERS = 'nodes/wis2-*';

export interface Module {
  /** repository path, with its extension */
  file: string;
  folder: string;
  /** the repository files it imports (relative imports only) */
  imports: string[];
  /** the packages it imports (`node:fs`, `mqtt`, `node-red`...) */
  packages: string[];
}

/** The folder a module is drawn in: nodes/lib/<folder>, nodes/common, the adapters, bin/<folder>. */
export function folderOf(file: string): string {
  const parts = file.split('/');
  if (parts[0] === 'nodes' && parts.length > 2 && parts[1].startsWith('wis2-')) return ADAPTERS;
  return parts.slice(0, -1).slice(0, parts[0] === 'nodes' && parts[1] === 'lib' ? 3 : 2).join('/');
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(path.join(repoRoot, dir), { withFileTypes: true })) {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) out.push(...sourceFiles(rel));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(rel);
  }
  return out.sort();
}

/** The repository file a relative specifier names: `x.ts`, or `x/index.ts`. */
function resolveImport(from: string, specifier: string): string | undefined {
  const base = path.posix.join(path.posix.dirname(from), specifier);
  return [`${base}.ts`, `${base}/index.ts`, base].find((f) => f.endsWith('.ts') && fs.existsSync(path.join(repoRoot, f)));
}

export function readModule(file: string): Module {
  const source = fs.readFileSync(path.join(repoRoot, file), 'utf8');
  // imports, re-exports and require() calls alike
  const specifiers = ts.preProcessFile(source, true, true).importedFiles.map((f) => f.fileName);
  const imports = new Set<string>();
  const packages = new Set<string>();
  for (const s of specifiers) {
    if (!s.startsWith('.')) packages.add(s);
    else {
      const target = resolveImport(file, s);
      if (target !== undefined) imports.add(target);
    }
  }
  return { file, folder: folderOf(file), imports: [...imports].sort(), packages: [...packages].sort() };
}

/** Every module of nodes/ and bin/. */
export function readModules(): Module[] {
  return ['nodes', 'bin'].flatMap(sourceFiles).map(readModule);
}

/** Folder -> folder -> how many imports of the one's modules name a module of the other. */
export function folderEdges(modules: readonly Module[]): Map<string, Map<string, number>> {
  const folders = new Map(modules.map((m) => [m.file, m.folder]));
  const edges = new Map<string, Map<string, number>>();
  for (const m of modules) {
    for (const target of m.imports) {
      const to = folders.get(target);
      if (to === undefined || to === m.folder) continue;
      const row = edges.get(m.folder) ?? new Map<string, number>();
      row.set(to, (row.get(to) ?? 0) + 1);
      edges.set(m.folder, row);
    }
  }
  return edges;
}

/** The folders in the order the document gives them: nodes/lib's, nodes/common, the adapters, bin's. */
export function folderOrder(modules: readonly Module[]): string[] {
  const rank = (f: string): number => (f.startsWith('nodes/lib') ? 0 : f === 'nodes/common' ? 1 : f === ADAPTERS ? 2 : 3);
  return [...new Set(modules.map((m) => m.folder))].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

const isLib = (folder: string): boolean => folder === 'nodes/lib' || folder.startsWith('nodes/lib/');
const nodeId = (folder: string): string => (folder === ADAPTERS ? 'nodes_adapters' : folder.replace(/[^A-Za-z0-9]+/g, '_'));
const shortName = (folder: string): string => (folder.startsWith('nodes/lib/') ? folder.slice('nodes/lib/'.length) : folder);

/**
 * The diagram: the imports between the folders of nodes/lib one by one; those of the other
 * folders into nodes/lib as one arrow to the whole (the folder sections give them one by one).
 */
export function diagramEdges(modules: readonly Module[]): { from: string; to: string; count: number }[] {
  const folders = folderOrder(modules);
  const drawn = new Map<string, number>();
  for (const [from, row] of folderEdges(modules)) {
    for (const [to, count] of row) {
      const key = `${from}\u0000${isLib(to) && !isLib(from) ? 'nodes/lib' : to}`;
      drawn.set(key, (drawn.get(key) ?? 0) + count);
    }
  }
  const rank = (f: string): number => (f === 'nodes/lib' ? -1 : folders.indexOf(f));
  return [...drawn]
    .map(([key, count]) => {
      const [from = '', to = ''] = key.split('\u0000');
      return { from, to, count };
    })
    .sort((a, b) => rank(a.from) - rank(b.from) || rank(a.to) - rank(b.to));
}

function mermaid(modules: readonly Module[]): string[] {
  const folders = folderOrder(modules);
  const count = (f: string): number => modules.filter((m) => m.folder === f).length;
  const box = (f: string): string => `    ${nodeId(f)}["${shortName(f)} (${count(f)})"]`;
  const lines = ['```mermaid', 'flowchart LR'];
  lines.push('  subgraph nodes_lib ["nodes/lib: the domain, no Node-RED"]', ...folders.filter(isLib).map(box), '  end');
  lines.push('  subgraph runtime ["the Node-RED side"]', ...folders.filter((f) => f === 'nodes/common' || f === ADAPTERS).map(box), '  end');
  lines.push('  subgraph cli ["bin: the command line"]', ...folders.filter((f) => f.startsWith('bin')).map(box), '  end');
  for (const e of diagramEdges(modules)) lines.push(`  ${nodeId(e.from)} -->|${e.count}| ${nodeId(e.to)}`);
  lines.push('```');
  return lines;
}

function describe(folder: string): FolderDescription | undefined {
  return FOLDERS.find((d) => d.folder === folder);
}

function folderSection(folder: string, modules: readonly Module[]): string[] {
  const d = describe(folder);
  const order = folderOrder(modules);
  const imports = [...(folderEdges(modules).get(folder) ?? new Map<string, number>())].sort((a, b) => order.indexOf(a[0]) - order.indexOf(b[0]));
  const files = modules.filter((m) => m.folder === folder).map((m) => (folder === ADAPTERS ? m.file.slice('nodes/'.length) : path.posix.basename(m.file)));
  return [
    `### ${folder}`,
    '',
    d?.about ?? 'Not described yet: add it to scripts/architecture-folders.ts.',
    '',
    ...(d === undefined ? [] : [`May import: ${d.mayImport}`, '']),
    `Imports: ${imports.length === 0 ? 'no other folder' : imports.map(([to, n]) => `${to} (${n})`).join(', ')}.`,
    '',
    `Files: ${files.map((f) => `\`${f}\``).join(', ')}.`,
    '',
  ];
}

/** The whole of docs/architecture.md, from the code as it is. */
export function renderArchitecture(modules: readonly Module[] = readModules()): string {
  return [
    '# Architecture',
    '',
    '<!-- written by `npm run architecture` (scripts/architecture.ts) from the imports of nodes/ and bin/: edit the script or',
    '     scripts/architecture-folders.ts, not this file -->',
    '',
    `The ${modules.length} TypeScript modules of \`nodes/\` and \`bin/\`, grouped by folder (the number of modules in`,
    'brackets). An arrow from one folder to another is labelled with how many imports of the first',
    "folder's modules name a module of the second; imports within a folder are not drawn. The node",
    'adapters (`nodes/wis2-*`, one folder per node) are drawn as one. Between the folders of nodes/lib',
    'each pair has its arrow; the other folders have one arrow to nodes/lib as a whole, and their',
    'section below says which of its folders they import.',
    '',
    ...mermaid(modules),
    '',
    '## Folders',
    '',
    ...folderOrder(modules).flatMap((f) => folderSection(f, modules)),
  ].join('\n');
}

function main(args: string[]): number {
  const text = renderArchitecture();
  if (args.includes('--check')) {
    const current = fs.existsSync(ARCHITECTURE_FILE) ? fs.readFileSync(ARCHITECTURE_FILE, 'utf8') : '';
    if (current === text) return 0;
    console.error('docs/architecture.md is not what the code gives: run `npm run architecture`');
    return 1;
  }
  fs.mkdirSync(path.dirname(ARCHITECTURE_FILE), { recursive: true });
  fs.writeFileSync(ARCHITECTURE_FILE, text);
  console.log(`wrote ${path.relative(repoRoot, ARCHITECTURE_FILE)}`);
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
