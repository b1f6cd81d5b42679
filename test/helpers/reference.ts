import fs from 'node:fs';
import path from 'node:path';

/** The repository root: the nearest ancestor of this file holding our package.json. */
export const repoRoot: string = (() => {
  let dir = __dirname;
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: string }).name === 'node-red-contrib-wis2') {
      return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('repository root not found above ' + __dirname);
    dir = parent;
  }
})();

/**
 * The official schemas, examples and samples the tests check against live outside the
 * repository, in `shared/reference` beside it (WIS2_REFERENCE_DIR overrides).
 */
export const referenceDir: string = (() => {
  const fromEnv = process.env.WIS2_REFERENCE_DIR;
  if (fromEnv) return path.resolve(fromEnv);
  let dir = repoRoot;
  for (;;) {
    const candidate = path.join(dir, 'shared', 'reference');
    if (fs.existsSync(candidate)) return candidate;
    const sibling = path.join(path.dirname(dir), 'shared', 'reference');
    if (fs.existsSync(sibling)) return sibling;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('shared/reference not found near ' + repoRoot + ' (set WIS2_REFERENCE_DIR)');
    dir = parent;
  }
})();

export function reference(...parts: string[]): string {
  return path.join(referenceDir, ...parts);
}

export function readJson(file: string): unknown {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

export function listJson(dir: string): string[] {
  return fs.readdirSync(dir).filter((n) => n.endsWith('.json')).sort().map((n) => path.join(dir, n));
}
