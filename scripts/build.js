'use strict';
// Completes `tsc`: Node-RED looks for a node's editor HTML, locales/ and icons/ beside its
// runtime .js, and for examples/ at the package root, so those are copied next to the build.
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const dist = path.join(root, 'dist');

function copyTree(from, to) {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const src = path.join(from, entry.name);
    const dst = path.join(to, entry.name);
    if (entry.isDirectory()) copyTree(src, dst);
    else fs.copyFileSync(src, dst);
  }
}

const nodesDir = path.join(root, 'nodes');
for (const entry of fs.readdirSync(nodesDir, { withFileTypes: true })) {
  if (!entry.isDirectory() || entry.name === 'lib' || entry.name === 'common') continue;
  const from = path.join(nodesDir, entry.name);
  const to = path.join(dist, 'nodes', entry.name);
  fs.mkdirSync(to, { recursive: true });
  for (const item of fs.readdirSync(from, { withFileTypes: true })) {
    if (item.isDirectory() && (item.name === 'locales' || item.name === 'icons')) {
      copyTree(path.join(from, item.name), path.join(to, item.name));
    } else if (item.isFile() && item.name.endsWith('.html')) {
      fs.copyFileSync(path.join(from, item.name), path.join(to, item.name));
    }
  }
}

// Shipped flows double as the editor's Import > Examples entries.
const flowsDir = path.join(root, 'flows');
const examplesDir = path.join(root, 'examples');
fs.rmSync(examplesDir, { recursive: true, force: true });
if (fs.existsSync(flowsDir)) {
  for (const name of fs.readdirSync(flowsDir)) {
    if (!name.endsWith('.json')) continue;
    fs.mkdirSync(examplesDir, { recursive: true });
    fs.copyFileSync(path.join(flowsDir, name), path.join(examplesDir, name));
  }
}

const cli = path.join(dist, 'bin', 'wis2.js');
if (fs.existsSync(cli)) fs.chmodSync(cli, 0o755);
