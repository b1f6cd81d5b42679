import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { nodeRedCli, nodeRedVersion } from '../../bin/node-red-dir';
import { freePort } from '../helpers/mosquitto';
import { needProgram } from '../helpers/programs';
import { haveOpenssl, makeCertificates } from './certificates';
import { spawnServer, type Server } from './node-red';
import { deployFiles } from './project';

/**
 * The Node-RED settings the container and `npm start` share, loaded in a child process with only
 * the environment each case gives: who may reach the editor, and what encrypts credentials.
 */
interface Loaded {
  ok: boolean;
  error?: string;
  uiHost?: string;
  credentialSecret?: string | false;
  auth?: string;
  login?: { right: boolean; wrongPassword: boolean; wrongUser: boolean };
  hasHttps?: boolean;
  tls?: { cert: string; key: string; refreshHours: unknown };
  adminCors?: unknown;
}

function load(env: Record<string, string>): Loaded {
  const script = `
    let s;
    try { s = require(${JSON.stringify(deployFiles.settings)}); }
    catch (e) { console.log(JSON.stringify({ ok: false, error: e.message })); process.exit(0); }
    (async () => {
      const out = { ok: true, uiHost: s.uiHost, credentialSecret: s.credentialSecret, auth: s.adminAuth && s.adminAuth.type, hasHttps: Object.hasOwn(s, 'https'), adminCors: s.httpAdminCors };
      if (typeof s.https === 'function') {
        const o = await s.https();
        out.tls = { cert: String(o.cert), key: String(o.key), refreshHours: s.httpsRefreshInterval };
      }
      if (s.adminAuth) {
        const a = s.adminAuth.authenticate;
        out.login = {
          right: !!(await a(process.env.NODE_RED_ADMIN_USER, process.env.NODE_RED_ADMIN_PASSWORD)),
          wrongPassword: !!(await a(process.env.NODE_RED_ADMIN_USER, 'guess')),
          wrongUser: !!(await a('root', process.env.NODE_RED_ADMIN_PASSWORD)),
        };
      }
      console.log(JSON.stringify(out));
    })();`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...env } });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Loaded;
}

describe('deploy: Node-RED settings', () => {
  it('binds the editor to 127.0.0.1 unless told otherwise, without a login there', () => {
    const s = load({});
    assert.equal(s.uiHost, '127.0.0.1');
    assert.equal(s.auth, undefined);
  });

  it('refuses to listen beyond loopback without an admin login, saying what to set', () => {
    for (const host of ['0.0.0.0', '::', '192.0.2.10']) {
      const s = load({ NODE_RED_HOST: host, NODE_RED_ADMIN_USER: 'admin' });
      assert.equal(s.ok, false, host);
      assert.match(s.error ?? '', /set NODE_RED_ADMIN_USER and NODE_RED_ADMIN_PASSWORD/);
    }
  });

  it('requires the login when it is set: the right password only, for the right user', () => {
    const s = load({ NODE_RED_HOST: '0.0.0.0', NODE_RED_ADMIN_USER: 'admin', NODE_RED_ADMIN_PASSWORD: 's3cret pass' });
    assert.equal(s.ok, true, s.error);
    assert.equal(s.auth, 'credentials');
    assert.deepEqual(s.login, { right: true, wrongPassword: false, wrongUser: false });
  });

  it('takes the credential secret from the environment, and has none of its own', () => {
    assert.equal(load({ NODE_RED_CREDENTIAL_SECRET: 'from the environment' }).credentialSecret, 'from the environment');
    assert.equal(load({}).credentialSecret, false);
  });

  it('reads secrets from the files <NAME>_FILE names, as the official images do; both set is an error', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wis2-secrets-'));
    try {
      const file = (name: string, text: string): string => {
        const f = path.join(dir, name);
        fs.writeFileSync(f, text, { mode: 0o600 });
        return f;
      };
      const s = load({
        NODE_RED_HOST: '0.0.0.0',
        NODE_RED_ADMIN_USER: 'admin',
        NODE_RED_ADMIN_PASSWORD_FILE: file('admin', 'from a file\n'),
        NODE_RED_CREDENTIAL_SECRET_FILE: file('secret', 'secret from a file\n'),
      });
      assert.equal(s.ok, true, s.error);
      assert.equal(s.credentialSecret, 'secret from a file', 'one trailing newline dropped');
      // the login checks the file's password (load() tries NODE_RED_ADMIN_PASSWORD, which settings.js set from the file)
      assert.deepEqual(s.login, { right: true, wrongPassword: false, wrongUser: false });
      const both = load({ NODE_RED_CREDENTIAL_SECRET: 'x', NODE_RED_CREDENTIAL_SECRET_FILE: file('s2', 'y') });
      assert.equal(both.ok, false);
      assert.match(both.error ?? '', /set NODE_RED_CREDENTIAL_SECRET or NODE_RED_CREDENTIAL_SECRET_FILE, not both/);
      const missing = load({ MQTT_PASSWORD_FILE: path.join(dir, 'nowhere') });
      assert.equal(missing.ok, false);
      assert.match(missing.error ?? '', /MQTT_PASSWORD_FILE: cannot read/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('serves HTTPS when the environment names a certificate and its key, re-read for renewals; half a pair is an error', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wis2-settings-tls-'));
    try {
      fs.writeFileSync(path.join(dir, 'a.crt'), 'CERTIFICATE BYTES');
      fs.writeFileSync(path.join(dir, 'a.key'), 'KEY BYTES');
      const plain = load({});
      assert.equal(plain.hasHttps, false, 'no https key: the stock healthcheck then uses HTTP');
      const s = load({ NODE_RED_TLS_CERT: path.join(dir, 'a.crt'), NODE_RED_TLS_KEY: path.join(dir, 'a.key') });
      assert.deepEqual(s.tls, { cert: 'CERTIFICATE BYTES', key: 'KEY BYTES', refreshHours: 12 });
      const halves: Record<string, string>[] = [{ NODE_RED_TLS_CERT: path.join(dir, 'a.crt') }, { NODE_RED_TLS_KEY: path.join(dir, 'a.key') }];
      for (const half of halves) {
        const h = load(half);
        assert.equal(h.ok, false);
        assert.match(h.error ?? '', /needs both NODE_RED_TLS_CERT and NODE_RED_TLS_KEY/);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('sets no admin CORS rule: only the editor\'s own origin may call the admin API', () => {
    assert.equal(load({}).adminCors, undefined);
  });

  describe(`in the Node-RED ${nodeRedVersion()} runtime`, function () {
    this.timeout(60_000);
    let dir = '';
    let server: Server | undefined;
    let ca: Buffer = Buffer.alloc(0);
    let port = 0;

    before(async function () {
      needProgram(this, 'openssl', haveOpenssl(), 'the suite makes its own CA and server certificate with openssl');
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wis2-settings-https-'));
      ({ ca } = makeCertificates(dir));
      fs.mkdirSync(path.join(dir, 'user'));
      port = await freePort();
      server = spawnServer(process.execPath, [nodeRedCli(), '--settings', deployFiles.settings, '--userDir', path.join(dir, 'user')], {
        env: { PATH: process.env.PATH, HOME: process.env.HOME ?? dir, NODE_RED_PORT: String(port), NODE_RED_TLS_CERT: path.join(dir, 'server.crt'), NODE_RED_TLS_KEY: path.join(dir, 'server.key'), NODE_RED_LOG_LEVEL: 'warn' },
        url: `http://127.0.0.1:${port}`,
      });
      // anything answering on the port; the requests below say whether it is HTTPS
      for (const deadline = Date.now() + 45_000; ; await new Promise((r) => setTimeout(r, 200))) {
        if (server.exited()) throw new Error(`Node-RED exited:\n${server.log()}`);
        if ((await get(port, '/', {}).catch(() => undefined)) !== undefined) break;
        if (Date.now() > deadline) throw new Error(`no HTTPS on ${port}:\n${server.log()}`);
      }
    });

    after(async () => {
      await server?.stop();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    function get(p: number, urlPath: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
      return new Promise((resolve, reject) => {
        const req = https.get({ host: '127.0.0.1', port: p, path: urlPath, ca, headers, timeout: 3000 }, (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0, headers: res.headers });
        });
        req.on('timeout', () => req.destroy(new Error('timeout')));
        req.on('error', reject);
      });
    }

    it('serves the editor over HTTPS with the certificate from the environment, and no plain HTTP', async () => {
      assert.equal((await get(port, '/', {})).status, 200);
      await assert.rejects(fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(3000) }));
    });

    it('answers a page of another origin without letting it read the admin API (Node-RED 5; 4.1 allowed any origin)', async () => {
      const res = await get(port, '/settings', { Origin: 'https://elsewhere.example' });
      assert.equal(res.status, 200);
      const allowed = res.headers['access-control-allow-origin'];
      if (Number(nodeRedVersion().split('.')[0]) >= 5) assert.equal(allowed, undefined);
      else assert.equal(allowed, '*');
    });
  });
});
