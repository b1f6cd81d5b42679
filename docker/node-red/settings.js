'use strict';
/**
 * Node-RED settings of the WIS2 pipeline, shared by the container (/data/settings.js) and by
 * `npm start`. Everything that differs between deployments comes from the environment; the
 * shipped flows only ever say ${NAME}.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const env = process.env;

function defaultTo(name, value) {
  if (env[name] === undefined || env[name] === '') env[name] = value;
}

/**
 * A secret may come from a file named by <NAME>_FILE (a Docker or Kubernetes secret), as the
 * official images accept it: its value then never shows in `docker inspect` or the container's
 * configuration. One trailing newline is dropped. Both set is a mistake to report, not to guess.
 */
function fromFile(name, fileVariable) {
  const file = env[fileVariable];
  if (file === undefined || file === '') return;
  if (env[name] !== undefined && env[name] !== '') throw new Error(`set ${name} or ${fileVariable}, not both`);
  try {
    env[name] = fs.readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (err) {
    throw new Error(`${fileVariable}: cannot read ${file} (${err.code || err.message})`, { cause: err });
  }
}
fromFile('MQTT_PASSWORD', 'MQTT_PASSWORD_FILE');
fromFile('WIS2_MQTT_PASSWORD', 'WIS2_MQTT_PASSWORD_FILE');
fromFile('NODE_RED_ADMIN_PASSWORD', 'NODE_RED_ADMIN_PASSWORD_FILE');
fromFile('NODE_RED_CREDENTIAL_SECRET', 'NODE_RED_CREDENTIAL_SECRET_FILE');

// The flows read these as ${NAME}; an unset name would stay a literal "${NAME}" in the flow.
defaultTo('MQTT_URL', 'mqtt://127.0.0.1:1883');
defaultTo('MQTT_USERNAME', '');
defaultTo('MQTT_PASSWORD', '');
defaultTo('MQTT_CLIENT_ID', `wis2-pipeline-${os.hostname()}`);
defaultTo('MQTT_SHARE_GROUP', '');
// empty: the memory's default, a million files
defaultTo('WIS2_MEMORY_FILES', '');
if (!env.WIS2_MQTT_URL) {
  // no separate WIS2 broker: the output goes to the input broker, with the same account
  env.WIS2_MQTT_URL = env.MQTT_URL;
  defaultTo('WIS2_MQTT_USERNAME', env.MQTT_USERNAME);
  defaultTo('WIS2_MQTT_PASSWORD', env.MQTT_PASSWORD);
}
defaultTo('WIS2_MQTT_USERNAME', '');
defaultTo('WIS2_MQTT_PASSWORD', '');
defaultTo('WIS2_DEAD_LETTER_TOPIC', 'wis2/rejected/fr-ifremer-argo');
// the check before publishing of the Argo dataset: why head, in the flow's comment node
defaultTo('WIS2_CHECK', 'head');
// empty: the catalogue check's own default, the Canadian Global Discovery Catalogue
defaultTo('WIS2_GDC_URL', '');
// The Global Broker the feedback flow listens to: by default our own WIS2 broker, where a
// simulated Global Cache (the demo) publishes; set it to a real Global Broker in production.
if (!env.WIS2_GB_MQTT_URL) {
  env.WIS2_GB_MQTT_URL = env.WIS2_MQTT_URL;
  defaultTo('WIS2_GB_MQTT_USERNAME', env.WIS2_MQTT_USERNAME);
  defaultTo('WIS2_GB_MQTT_PASSWORD', env.WIS2_MQTT_PASSWORD);
}
defaultTo('WIS2_GB_MQTT_USERNAME', '');
defaultTo('WIS2_GB_MQTT_PASSWORD', '');
// The bearer token that opens GET /metrics besides the editor login; empty: the login only.
defaultTo('WIS2_METRICS_TOKEN', '');

/**
 * A file of this package: beside this settings.js in a checkout (docker/node-red/settings.js), or
 * installed where Node-RED runs (the image: /data/settings.js, the package in Node-RED's own
 * node_modules). Never throws: the container's healthcheck loads this file too.
 */
function packageFile(relative) {
  const roots = [path.resolve(__dirname, '..', '..')];
  try {
    const from = [__dirname, process.cwd()];
    if (require.main) from.push(path.dirname(require.main.filename));
    roots.push(path.dirname(require.resolve('node-red-contrib-wis2/package.json', { paths: from })));
  } catch {
    // not installed as a package: the checkout's layout
  }
  for (const root of roots) {
    try {
      if (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).name === 'node-red-contrib-wis2') return path.join(root, relative);
    } catch {
      // not the package's root
    }
  }
  return path.join(roots[0], relative);
}

// Discovery metadata: the URL the WCMP2 record is announced at (where Ifremer hosts it), and
// where the flow reads it from, a URL or a file: by default the record shipped in the package,
// so the announcement works offline.
defaultTo('WIS2_METADATA_URL', 'https://data-argo.ifremer.fr/etc/wis2/fr-ifremer-argo-core-metadata.json');
defaultTo('WIS2_METADATA_SOURCE', packageFile(path.join('flows', 'metadata', 'fr-ifremer-argo.json')));

const host = env.NODE_RED_HOST || '127.0.0.1';
const port = Number(env.NODE_RED_PORT || 1880);
const adminUser = env.NODE_RED_ADMIN_USER || '';
const adminPassword = env.NODE_RED_ADMIN_PASSWORD || '';
const loopback = host === '127.0.0.1' || host === 'localhost' || host === '::1';

if (!loopback && !(adminUser && adminPassword)) {
  // The editor can run arbitrary code (function nodes): never expose it without a login.
  throw new Error(
    `Node-RED listens on ${host}: set NODE_RED_ADMIN_USER and NODE_RED_ADMIN_PASSWORD, or NODE_RED_HOST=127.0.0.1`,
  );
}

function same(a, b) {
  const x = crypto.createHash('sha256').update(String(a)).digest();
  const y = crypto.createHash('sha256').update(String(b)).digest();
  return crypto.timingSafeEqual(x, y);
}

const adminAuth =
  adminUser && adminPassword
    ? {
        type: 'credentials',
        users: (username) => Promise.resolve(username === adminUser ? { username, permissions: '*' } : null),
        authenticate: (username, password) =>
          Promise.resolve(same(username, adminUser) && same(password, adminPassword) ? { username: adminUser, permissions: '*' } : null),
      }
    : undefined;

// The editor and admin API over HTTPS when the environment names a certificate (with its chain)
// and its key, PEM files such as a mounted secret; read again every 12 hours, so a renewed
// certificate is served without a restart. Half a pair is a mistake to report, not a reason to
// serve plain HTTP. Without them, no `https` key at all: the stock image's healthcheck picks
// HTTP or HTTPS by whether the key exists.
const tlsCert = env.NODE_RED_TLS_CERT || '';
const tlsKey = env.NODE_RED_TLS_KEY || '';
if (Boolean(tlsCert) !== Boolean(tlsKey)) {
  throw new Error('HTTPS needs both NODE_RED_TLS_CERT and NODE_RED_TLS_KEY (PEM files), or neither');
}
const https = tlsCert
  ? {
      https: () => ({ cert: fs.readFileSync(tlsCert), key: fs.readFileSync(tlsKey) }),
      httpsRefreshInterval: 12,
    }
  : {};

module.exports = {
  uiHost: host,
  uiPort: port,
  ...https,
  // Relative to the user directory. Node-RED 5 keeps the credentials file beside the flows file
  // (4.1 kept it in the user directory): here both are the user directory, for either version,
  // and it is where `wis2 flows install` writes flows_cred.json.
  flowFile: env.WIS2_FLOW_FILE || 'flows.json',
  flowFilePretty: true,
  // Credentials of the shipped flows are ${NAME} references, never secrets; a secret from the
  // environment encrypts whatever a user adds in the editor.
  credentialSecret: env.NODE_RED_CREDENTIAL_SECRET || false,
  adminAuth,
  // No httpAdminCors: the admin API answers only pages of its own origin (the editor), Node-RED
  // 5's default. (Node-RED 4.1 allowed any origin; a browser page elsewhere had no business
  // calling it.)
  nodesDir: env.WIS2_NODES_DIR ? [env.WIS2_NODES_DIR] : [],
  mqttReconnectTime: Number(env.MQTT_RECONNECT_MS || 2000),
  contextStorage: {
    default: { module: 'memory' },
    file: { module: 'localfilesystem' },
  },
  logging: { console: { level: env.NODE_RED_LOG_LEVEL || 'info', metrics: false, audit: false } },
  editorTheme: {
    projects: { enabled: false },
    tours: false,
    palette: { catalogues: [] },
  },
  externalModules: { palette: { allowInstall: false }, modules: { allowInstall: false } },
  telemetry: { enabled: false },
  diagnostics: { enabled: false },
  functionExternalModules: false,
  exportGlobalContextKeys: false,
};
