import assert from 'node:assert/strict';
import fs from 'node:fs';
import { ADAPTERS, ARCHITECTURE_FILE, folderEdges, readModules, renderArchitecture, type Module } from '../scripts/architecture';
import { FOLDERS } from '../scripts/architecture-folders';

const isLib = (folder: string): boolean => folder === 'nodes/lib' || folder.startsWith('nodes/lib/');
const isBin = (folder: string): boolean => folder === 'bin' || folder.startsWith('bin/');

/** Each import of a module of `from` into a module of a folder `to` refuses, as "a.ts -> b.ts". */
function importsInto(modules: readonly Module[], from: (folder: string) => boolean, to: (folder: string) => boolean): string[] {
  const folders = new Map(modules.map((m) => [m.file, m.folder]));
  return modules.filter((m) => from(m.folder)).flatMap((m) => m.imports.filter((i) => to(folders.get(i) ?? '')).map((i) => `${m.file} -> ${i}`));
}

/** A cycle of folders, if the graph has one: depth-first, a folder met again on the path closes it. */
function folderCycle(edges: Map<string, Map<string, number>>): string[] | undefined {
  const done = new Set<string>();
  const visit = (folder: string, onPath: string[]): string[] | undefined => {
    if (onPath.includes(folder)) return [...onPath.slice(onPath.indexOf(folder)), folder];
    if (done.has(folder)) return undefined;
    for (const next of edges.get(folder)?.keys() ?? []) {
      const cycle = visit(next, [...onPath, folder]);
      if (cycle) return cycle;
    }
    done.add(folder);
    return undefined;
  };
  for (const folder of edges.keys()) {
    const cycle = visit(folder, []);
    if (cycle) return cycle;
  }
  return undefined;
}

describe('architecture', () => {
  const modules = readModules();

  it('docs/architecture.md is what the code gives', () => {
    const committed = fs.existsSync(ARCHITECTURE_FILE) ? fs.readFileSync(ARCHITECTURE_FILE, 'utf8') : '';
    assert.ok(committed === renderArchitecture(modules), 'docs/architecture.md is out of date: run `npm run architecture`');
  });

  it('describes every folder of nodes/ and bin/', () => {
    const described = new Set(FOLDERS.map((f) => f.folder));
    const missing = [...new Set(modules.map((m) => m.folder))].filter((f) => !described.has(f));
    assert.deepEqual(missing, [], 'describe these folders in scripts/architecture-folders.ts');
  });

  it('nodes/lib imports nothing from Node-RED, nodes/common, the node folders or bin', () => {
    const nodeRed = modules.filter((m) => isLib(m.folder)).flatMap((m) => m.packages.filter((p) => /^(node-red|@node-red\/)/.test(p)).map((p) => `${m.file} -> ${p}`));
    assert.deepEqual(nodeRed, []);
    assert.deepEqual(importsInto(modules, isLib, (f) => !isLib(f)), []);
  });

  it('nodes/lib has no import cycle between its folders', () => {
    const libEdges = new Map([...folderEdges(modules)].filter(([from]) => isLib(from)));
    assert.equal(folderCycle(libEdges)?.join(' -> '), undefined);
  });

  it('nodes/common imports no node folder and nothing of bin', () => {
    assert.deepEqual(importsInto(modules, (f) => f === 'nodes/common', (f) => f === ADAPTERS || isBin(f)), []);
  });

  it('a node folder imports no other node folder and nothing of bin', () => {
    const nodeFolder = (file: string): string => file.split('/').slice(0, 2).join('/');
    const crossing = modules.filter((m) => m.folder === ADAPTERS).flatMap((m) => m.imports.filter((i) => i.startsWith('nodes/wis2-') && nodeFolder(i) !== nodeFolder(m.file)));
    assert.deepEqual(crossing, []);
    assert.deepEqual(importsInto(modules, (f) => f === ADAPTERS, isBin), []);
  });

  it('bin imports no node adapter and nothing of nodes/common: only bin and nodes/lib', () => {
    assert.deepEqual(importsInto(modules, isBin, (f) => !isBin(f) && !isLib(f)), []);
  });
});
