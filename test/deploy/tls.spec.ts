import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type IClientOptions } from 'mqtt';
import { joinCorkedWrites } from '../../nodes/lib/publish/socket-writes';
import { freePort, needMosquitto } from '../helpers/mosquitto';
import { needProgram } from '../helpers/programs';
import { recordWritev } from '../helpers/sockets';
import { runMosquittoEntrypoint, startProjectBroker, type ProjectBroker } from './project-broker';
import { makeCertificates } from './certificates';
import { deployFiles } from './project';

/**
 * The broker's optional TLS listener, as the container adds it when certificates are mounted:
 * the test makes its own CA and server certificate with openssl.
 */
/** Resolves with how the connection ended: 'connected', or the error's code or message. */
async function attempt(url: string, options: IClientOptions): Promise<string> {
  const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 4000, ...options });
  try {
    return await new Promise<string>((resolve) => {
      client.once('connect', () => { resolve('connected'); });
      client.once('error', (err: Error & { code?: number | string }) => { resolve(String(err.code ?? err.message)); });
      client.once('close', () => { resolve('closed'); });
    });
  } finally {
    await client.endAsync(true);
  }
}

describe('deployment: the broker\'s TLS listener', function () {
  this.timeout(60_000);
  let project: ProjectBroker | undefined;
  let certs = '';
  let ca: Buffer = Buffer.alloc(0);
  let tlsPort = 0;

  before(async function () {
    needMosquitto(this);
    needProgram(this, 'openssl', spawnSync('openssl', ['version']).status === 0, 'the suite makes its own CA and server certificate with openssl');
    certs = fs.mkdtempSync(path.join(os.tmpdir(), 'wis2-tls-'));
    ({ ca } = makeCertificates(certs));
    tlsPort = await freePort();
    project = await startProjectBroker({ tls: { dir: certs, port: tlsPort } });
  });

  after(async () => {
    await project?.stop();
    if (certs) fs.rmSync(certs, { recursive: true, force: true });
  });

  it('accepts a client that trusts the generated CA, with the same accounts and rights', async () => {
    assert.ok(project);
    const url = `mqtts://127.0.0.1:${tlsPort}`;
    const topic = 'origin/a/wis2/fr-ifremer-argo/data/core/ocean/surface-based-observations/drifting-ocean-profilers';
    const subscriber = await mqtt.connectAsync(url, { ...project.users.everyone, ca, reconnectPeriod: 0 });
    const pipeline = await mqtt.connectAsync(url, { ...project.users.pipeline, ca, reconnectPeriod: 0 });
    try {
      await subscriber.subscribeAsync('origin/a/wis2/#', { qos: 1 });
      const received = new Promise<string>((resolve) => subscriber.once('message', (_t, p) => { resolve(p.toString()); }));
      await pipeline.publishAsync(topic, 'over TLS', { qos: 1 });
      assert.equal(await received, 'over TLS');
      assert.match(project.broker.log(), /Loading config file \S*conf\.d\/tls\.conf/);
    } finally {
      await Promise.all([subscriber.endAsync(true), pipeline.endAsync(true)]);
    }
  });

  it('takes a turn of notifications written as one buffer over TLS, as the broker node writes them', async () => {
    assert.ok(project);
    const url = `mqtts://127.0.0.1:${tlsPort}`;
    const topic = 'origin/a/wis2/fr-ifremer-argo/data/core/ocean/surface-based-observations/drifting-ocean-profilers';
    const subscriber = await mqtt.connectAsync(url, { ...project.users.everyone, ca, reconnectPeriod: 0 });
    const pipeline = await mqtt.connectAsync(url, { ...project.users.pipeline, ca, reconnectPeriod: 0, protocolVersion: 5 });
    try {
      await subscriber.subscribeAsync('origin/a/wis2/#', { qos: 1 });
      const count = 20;
      const received: string[] = [];
      const all = new Promise<void>((resolve) => {
        subscriber.on('message', (_t, p) => {
          received.push(p.toString());
          if (received.length === count) resolve();
        });
      });
      // what reaches the TLS socket's own writev, once its pieces are joined
      const calls = recordWritev(pipeline.stream);
      joinCorkedWrites(pipeline.stream);
      const sent = Array.from({ length: count }, (_, i) => `notification ${String(i)}`);
      pipeline.stream.cork();
      const acked = Promise.all(sent.map((text) => pipeline.publishAsync(topic, text, { qos: 1, properties: { contentType: 'application/geo+json' } })));
      setImmediate(() => { pipeline.stream.uncork(); });
      await acked;
      await all;
      assert.deepEqual(received, sent);
      assert.deepEqual(calls.map((pieces) => pieces.length), [1], 'the turn\'s publishes reached the TLS socket as one buffer');
    } finally {
      await Promise.all([subscriber.endAsync(true), pipeline.endAsync(true)]);
    }
  });

  it('refuses plain MQTT on the TLS port, an untrusted certificate, and anonymous clients', async () => {
    assert.ok(project);
    const plain = await attempt(`mqtt://127.0.0.1:${tlsPort}`, project.users.pipeline);
    assert.notEqual(plain, 'connected', 'plain MQTT on 8883');
    const untrusted = await attempt(`mqtts://127.0.0.1:${tlsPort}`, project.users.pipeline);
    assert.match(untrusted, /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|certificate/i);
    const anonymous = await attempt(`mqtts://127.0.0.1:${tlsPort}`, { ca });
    assert.equal(anonymous, '5', 'not authorised');
    console.log(`      TLS listener: plain MQTT -> ${plain}; no trusted CA -> ${untrusted}; anonymous -> ${anonymous}`);
  });

  it('entrypoint: a certificate without its key is an error, no certificate no TLS listener', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wis2-tls-half-'));
    try {
      fs.copyFileSync(path.join(certs, 'server.crt'), path.join(dir, 'server.crt'));
      const base = {
        MOSQUITTO_AUTH_DIR: path.join(dir, 'auth'),
        MOSQUITTO_ACL_TEMPLATE: deployFiles.aclTemplate,
        PRODUCER_PASSWORD: 'p',
        PIPELINE_PASSWORD: 'q',
      };
      const half = runMosquittoEntrypoint({ ...base, MOSQUITTO_TLS_DIR: dir });
      assert.notEqual(half.status, 0);
      assert.match(half.stderr, /TLS needs both .*server\.crt and .*server\.key/);
      const none = runMosquittoEntrypoint({ ...base, MOSQUITTO_TLS_DIR: path.join(dir, 'absent') });
      assert.equal(none.status, 0, none.stderr);
      assert.deepEqual(fs.readdirSync(path.join(dir, 'auth', 'conf.d')), [], 'no TLS listener configured');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
