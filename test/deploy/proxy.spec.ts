import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { freePort, startRuntime, type Runtime } from '../../bin/launch';
import { waitForPort } from '../helpers/mosquitto';
import { needProgram } from '../helpers/programs';
import { repoRoot } from '../helpers/reference';

/**
 * The compose profile "tls" puts the editor behind Caddy: the project's Caddyfile, run by a native
 * Caddy in front of the real Node-RED runtime, serves the editor over HTTPS with a certificate of
 * Caddy's internal CA, and answers plain HTTP with a redirect.
 */
const CADDYFILE = path.join(repoRoot, 'docker', 'caddy', 'Caddyfile');
const caddyBin = ['/usr/bin/caddy', '/usr/local/bin/caddy'].find((p) => fs.existsSync(p));

function get(url: string, ca?: Buffer): Promise<{ status: number; location?: string; body: string }> {
  return new Promise((resolve, reject) => {
    const onResponse = (res: http.IncomingMessage): void => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, location: res.headers.location, body }); });
    };
    const req = url.startsWith('https:') ? https.get(url, { ca, servername: 'localhost' }, onResponse) : http.get(url, onResponse);
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
  });
}

describe('deploy: the editor behind the TLS proxy (Caddy)', function () {
  this.timeout(60_000);
  let work = '';
  let runtime: Runtime | undefined;
  let caddy: ChildProcess | undefined;
  let caddyLog = '';

  before(function () {
    needProgram(this, 'caddy', caddyBin !== undefined, 'Debian package caddy');
  });
  after(async () => {
    caddy?.kill('SIGTERM');
    await runtime?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('adapts (the Caddyfile parses) with a Let\'s Encrypt account or the internal CA', () => {
    const adapt = (env: Record<string, string>): string => {
      const r = spawnSync(caddyBin ?? 'caddy', ['adapt', '--config', CADDYFILE], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), ...env } });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout;
    };
    const acme = JSON.parse(adapt({ EDITOR_DOMAIN: 'wis2.example.org', EDITOR_TLS: 'ops@example.org' })) as { apps: { tls: { automation: { policies: { subjects: string[]; issuers: { module: string; email?: string }[] }[] } } } };
    const policy = acme.apps.tls.automation.policies[0];
    assert.deepEqual(policy.subjects, ['wis2.example.org']);
    assert.ok(policy.issuers.some((i) => i.module === 'acme' && i.email === 'ops@example.org'));
    assert.match(adapt({ EDITOR_DOMAIN: 'wis2.example.org' }), /"module":"internal"/);
  });

  it('serves the real editor over HTTPS and redirects plain HTTP to it', async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'wis2-proxy-'));
    const nodeRedPort = await freePort();
    runtime = await startRuntime({ userDir: path.join(work, 'node-red'), host: '127.0.0.1', port: nodeRedPort, env: { PATH: process.env.PATH, HOME: work }, quiet: true });
    const [httpsPort, httpPort] = [await freePort(), await freePort()];
    caddy = spawn(caddyBin ?? 'caddy', ['run', '--config', CADDYFILE, '--adapter', 'caddyfile'], {
      env: { PATH: process.env.PATH ?? '', HOME: work, XDG_DATA_HOME: path.join(work, 'data'), XDG_CONFIG_HOME: path.join(work, 'config'), EDITOR_DOMAIN: 'localhost', EDITOR_UPSTREAM: `127.0.0.1:${nodeRedPort}`, CADDY_HTTPS_PORT: String(httpsPort), CADDY_HTTP_PORT: String(httpPort) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    caddy.stdout?.on('data', (d: Buffer) => (caddyLog += d.toString()));
    caddy.stderr?.on('data', (d: Buffer) => (caddyLog += d.toString()));
    await waitForPort(httpsPort, '127.0.0.1', 20_000).catch((err: unknown) => { throw new Error(`${String(err)}\n${caddyLog}`); });
    // the root of Caddy's internal CA, which an operator would trust in the browser
    const root = path.join(work, 'data', 'caddy', 'pki', 'authorities', 'local', 'root.crt');
    const deadline = Date.now() + 20_000;
    while (!fs.existsSync(root) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const ca = fs.readFileSync(root);
    let page = await get(`https://localhost:${httpsPort}/`, ca).catch(() => undefined);
    // the certificate is issued on the first handshakes: retry briefly
    for (let i = 0; !page && i < 20; i++) {
      await new Promise((r) => setTimeout(r, 500));
      page = await get(`https://localhost:${httpsPort}/`, ca).catch(() => undefined);
    }
    assert.ok(page, caddyLog);
    assert.equal(page.status, 200);
    assert.match(page.body, /<title>Node-RED<\/title>/);
    const settings = await get(`https://localhost:${httpsPort}/settings`, ca);
    assert.equal(settings.status, 200);
    assert.ok((JSON.parse(settings.body) as { version?: string }).version, 'the admin API answers through the proxy');
    const plain = await get(`http://localhost:${httpPort}/`);
    assert.ok([301, 302, 308].includes(plain.status), `plain HTTP: ${plain.status}`);
    assert.match(plain.location ?? '', /^https:\/\/localhost/);
  });
});
