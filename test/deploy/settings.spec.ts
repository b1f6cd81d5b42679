import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
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
}

function load(env: Record<string, string>): Loaded {
  const script = `
    let s;
    try { s = require(${JSON.stringify(deployFiles.settings)}); }
    catch (e) { console.log(JSON.stringify({ ok: false, error: e.message })); process.exit(0); }
    (async () => {
      const out = { ok: true, uiHost: s.uiHost, credentialSecret: s.credentialSecret, auth: s.adminAuth && s.adminAuth.type };
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
});
