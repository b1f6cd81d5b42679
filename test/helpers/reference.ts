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

/** Where `npm run reference` puts the official files when WIS2_REFERENCE_DIR is not set. */
export const DEFAULT_REFERENCE_DIR = path.join(repoRoot, 'reference');

const HOW_TO_GET_IT = 'official WMO schemas, examples and codelists: get them with `npm run reference`, or set WIS2_REFERENCE_DIR to a folder that holds them';

let found: { dir: string } | { missing: string } | undefined;

/**
 * The official schemas, examples and samples the reference suites compare against are not part
 * of the repository: WIS2_REFERENCE_DIR, else `reference/` in the repository (what
 * `npm run reference` downloads), else a `shared/reference` folder above or beside it.
 */
function locate(): { dir: string } | { missing: string } {
  const fromEnv = process.env.WIS2_REFERENCE_DIR;
  if (fromEnv) {
    const dir = path.resolve(fromEnv);
    return fs.existsSync(dir) ? { dir } : { missing: `WIS2_REFERENCE_DIR=${fromEnv} does not exist; ${HOW_TO_GET_IT}` };
  }
  if (fs.existsSync(DEFAULT_REFERENCE_DIR)) return { dir: DEFAULT_REFERENCE_DIR };
  for (let dir = repoRoot; ; ) {
    for (const candidate of [path.join(dir, 'shared', 'reference'), path.join(path.dirname(dir), 'shared', 'reference')]) {
      if (fs.existsSync(candidate)) return { dir: candidate };
    }
    const parent = path.dirname(dir);
    if (parent === dir) return { missing: HOW_TO_GET_IT };
    dir = parent;
  }
}

function located(): { dir: string } | { missing: string } {
  found ??= locate();
  return found;
}

/** Why the reference files at `paths` cannot be read, or undefined when they can. */
export function referenceMissing(...paths: string[]): string | undefined {
  const where = located();
  if ('missing' in where) return where.missing;
  const absent = paths.filter((p) => !fs.existsSync(path.join(where.dir, p)));
  if (absent.length === 0) return undefined;
  return `${absent.join(', ')} not in ${where.dir}; ${HOW_TO_GET_IT}`;
}

/** True when every one of the reference paths is there. */
export function hasReference(...paths: string[]): boolean {
  return referenceMissing(...paths) === undefined;
}

/**
 * For a `before` hook of a suite that compares with official data: without it the suite is
 * skipped with one line that says how to get it, except under CI, where it is a failure.
 * `paths` name what the suite reads, below the reference folder (`wnm/examples`).
 */
export function needReference(ctx: Mocha.Context, ...paths: string[]): void {
  const why = referenceMissing(...paths);
  if (why === undefined) return;
  if (process.env.CI === 'true') throw new Error(`reference data is required under CI but is missing: ${why}`);
  // Reason: printed with the skip so that the log says what was not compared and how to fix it.
  console.log(`      skipped: no reference data (${why})`);
  ctx.skip();
}

/** A path in the reference folder; throws when there is none (call it once needReference passed). */
export function reference(...parts: string[]): string {
  const where = located();
  if ('missing' in where) throw new Error(`no reference data: ${where.missing}`);
  return path.join(where.dir, ...parts);
}

export function readJson(file: string): unknown {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

export function listJson(dir: string): string[] {
  return fs.readdirSync(dir).filter((n) => n.endsWith('.json')).sort().map((n) => path.join(dir, n));
}
