import fs from 'node:fs';
import path from 'node:path';

/**
 * Which Node-RED runtime `npm start`, `npm run demo`, the benchmarks and the tests run: this
 * checkout's own (the devDependency, Node-RED 5), or, when WIS2_NODE_RED_DIR names a folder
 * where another Node-RED is installed (`npm install --prefix DIR node-red@4.1`), that one. CI
 * runs the node, flow and end-to-end suites a second time that way, against the oldest
 * Node-RED the package supports.
 */
export const NODE_RED_DIR_VARIABLE = 'WIS2_NODE_RED_DIR';

/** The folder of the `node-red` package to run. */
export function nodeRedDir(env: NodeJS.ProcessEnv = process.env): string {
  const chosen = env[NODE_RED_DIR_VARIABLE];
  if (!chosen) return path.dirname(require.resolve('node-red/package.json'));
  // the folder an install went into, or the package folder itself; never a silent fall back to
  // the checkout's own runtime (require.resolve would walk up to it)
  for (const dir of [path.resolve(chosen, 'node_modules', 'node-red'), path.resolve(chosen)]) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest) && (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'node-red') return dir;
  }
  throw new Error(`${NODE_RED_DIR_VARIABLE}=${chosen}: no Node-RED there (install one with: npm install --prefix ${chosen} node-red)`);
}

/** The version of that runtime, e.g. "5.0.7". */
export function nodeRedVersion(env: NodeJS.ProcessEnv = process.env): string {
  return (JSON.parse(fs.readFileSync(path.join(nodeRedDir(env), 'package.json'), 'utf8')) as { version: string }).version;
}

/** Its command-line entry point (what the `node-red` command runs). */
export function nodeRedCli(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(nodeRedDir(env), 'red.js');
}

/** Its programmatic entry point (what `require('node-red')` gives), for the node test helper. */
export function nodeRedMain(env: NodeJS.ProcessEnv = process.env): string {
  return require.resolve(nodeRedDir(env));
}

/** The folder of the core nodes (`@node-red/nodes`) that runtime loads. */
export function coreNodesDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.dirname(require.resolve('@node-red/nodes/package.json', { paths: [nodeRedDir(env)] }));
}
