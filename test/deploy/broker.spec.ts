import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { pbkdf2Sync } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { mosquittoTool, needMosquitto, type Broker } from '../helpers/mosquitto';
import { runMosquittoEntrypoint, startProjectBroker, type ProjectBroker } from './project-broker';
import { composeService, deployFiles, loadCompose, readText, stringList } from './project';
import { isMap } from './yaml';

const DATA_TOPIC = 'origin/a/wis2/fr-ifremer-argo/data/core/ocean/surface-based-observations/drifting-ocean-profilers';
const METADATA_TOPIC = 'origin/a/wis2/fr-ifremer-argo/metadata';
const FOREIGN_TOPIC = 'origin/a/wis2/fr-meteofrance/data/core/weather/surface-based-observations/synop';
const DEAD_LETTER = 'wis2/rejected/fr-ifremer-argo';
const FILE_EVENT = 'diffusion/files/coriolis/argo/dac/coriolis/6902746/profiles/R6902746_001.nc';
const NOT_AUTHORIZED = 135;

describe('deploy: Mosquitto with the project\'s configuration', function () {
  let project: ProjectBroker | undefined;
  let broker: Broker;
  let users: ProjectBroker['users'];
  let wsPort = 0;
  const clients: MqttClient[] = [];

  before(async function () {
    needMosquitto(this);
    project = await startProjectBroker();
    ({ broker, users, wsPort } = project);
  });

  function started(): ProjectBroker {
    assert.ok(project, 'the broker did not start');
    return project;
  }

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  });

  after(async () => {
    await project?.stop();
  });

  async function connect(who: { username?: string; password?: string }, options: IClientOptions = {}, url = broker.url): Promise<MqttClient> {
    const client = await mqtt.connectAsync(url, { ...who, reconnectPeriod: 0, connectTimeout: 5000, ...options }, false);
    clients.push(client);
    return client;
  }

  async function refused(who: { username?: string; password?: string }, options: IClientOptions = {}, url = broker.url): Promise<number> {
    const client = mqtt.connect(url, { ...who, reconnectPeriod: 0, connectTimeout: 5000, ...options });
    try {
      return await new Promise<number>((resolve, reject) => {
        client.once('connect', () => {
          reject(new Error(`connected as ${who.username ?? 'anonymous'}`));
        });
        client.once('error', (err: Error & { code?: number }) => {
          resolve(Number(err.code));
        });
      });
    } finally {
      await client.endAsync(true);
    }
  }

  /** Everything `client` receives, in order, until a message on `sentinel` arrives. */
  function receiveUntil(client: MqttClient, sentinel: string, timeoutMs = 5000): Promise<{ topic: string; payload: string }[]> {
    const seen: { topic: string; payload: string }[] = [];
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        client.off('message', onMessage);
        reject(new Error(`no message on ${sentinel}; got ${JSON.stringify(seen)}`));
      }, timeoutMs);
      function onMessage(topic: string, payload: Buffer): void {
        seen.push({ topic, payload: payload.toString() });
        if (topic === sentinel) {
          clearTimeout(timer);
          client.off('message', onMessage);
          resolve(seen);
        }
      }
      client.on('message', onMessage);
    });
  }

  async function publishRefused(client: MqttClient, topic: string): Promise<void> {
    await assert.rejects(client.publishAsync(topic, 'forbidden', { qos: 1 }), (err: Error & { code?: number }) => {
      assert.equal(err.code, NOT_AUTHORIZED, `${topic}: ${err.message}`);
      return true;
    });
  }

  it('runs the project\'s mosquitto.conf with only listener ports and file paths changed', () => {
    const original = readText(deployFiles.mosquittoConf).split('\n');
    const { rewritten } = started();
    const test = rewritten.config.split('\n');
    assert.equal(test.length, original.length);
    original.forEach((line, i) => {
      if (rewritten.changed.includes(i)) {
        const directive = line.split(/\s+/)[0] ?? '';
        assert.ok(['listener', 'password_file', 'acl_file', 'persistence_location', 'include_dir'].includes(directive), `unexpected change: ${line}`);
        assert.equal(test[i]?.split(/\s+/)[0], directive);
      } else {
        assert.equal(test[i], line);
      }
    });
    assert.deepEqual(
      rewritten.listeners.map((l) => `${l.port}/${l.protocol}`),
      ['1883/mqtt', '8081/websockets'],
    );
    assert.equal(rewritten.changed.length, 6, 'two listeners, password file, ACL, persistence, TLS include');
    assert.match(rewritten.config, /^allow_anonymous false$/m);
    assert.match(rewritten.config, /^persistence true$/m);
    const queued = Number(/^max_queued_messages (\d+)$/m.exec(rewritten.config)?.[1]);
    assert.ok(queued >= 20000, 'room for a burst of file events');
    // this Mosquitto started with it: the directive is one it knows
    assert.match(rewritten.config, /^set_tcp_nodelay true$/m, 'replies do not wait for a delayed ACK');
  });

  it('entrypoint: writes hashed passwords and a filled-in ACL, never echoing a secret', () => {
    const authDir = path.join(started().work, 'auth');
    const { bootstrap } = started();
    const password = { producer: users.producer.password, pipeline: users.pipeline.password };
    const passwd = readText(path.join(authDir, 'passwd'));
    const acl = readText(path.join(authDir, 'acl'));
    assert.deepEqual(
      passwd.trim().split('\n').map((l) => l.split(':')[0]),
      ['diffusion', 'wis2-pipeline', 'everyone'],
    );
    for (const line of passwd.trim().split('\n')) assert.match(line, /^[^:]+:\$[67]\$/, 'a salted hash');
    for (const secret of Object.values(password)) {
      for (const text of [passwd, acl, bootstrap.stdout, bootstrap.stderr]) assert.ok(!text.includes(secret), 'a password leaked');
    }
    assert.ok(!/^[^#]*\$\{/m.test(acl), 'no placeholder left');
    assert.match(acl, /^user wis2-pipeline$/m);
    for (const file of ['passwd', 'acl']) {
      assert.equal(fs.statSync(path.join(authDir, file)).mode & 0o077, 0, `${file} readable by others`);
    }
  });

  it('entrypoint: refuses to start without a password, or with clashing or unsafe user names', () => {
    const dir = path.join(started().work, 'refused');
    const base = { MOSQUITTO_AUTH_DIR: dir, MOSQUITTO_ACL_TEMPLATE: deployFiles.aclTemplate, PRODUCER_PASSWORD: 'x', PIPELINE_PASSWORD: 'y' };
    const cases: [Record<string, string>, RegExp][] = [
      [{ PIPELINE_PASSWORD: '' }, /PIPELINE_PASSWORD/],
      [{ PRODUCER_PASSWORD: '' }, /PRODUCER_PASSWORD/],
      [{ PIPELINE_USERNAME: 'everyone' }, /must differ/],
      [{ PRODUCER_USERNAME: 'a b' }, /PRODUCER_USERNAME/],
      [{ SUBSCRIBER_USERNAME: 'x/#' }, /SUBSCRIBER_USERNAME/],
    ];
    for (const [env, message] of cases) {
      const result = runMosquittoEntrypoint({ ...base, ...env });
      assert.notEqual(result.status, 0, JSON.stringify(env));
      assert.match(result.stderr, message);
      assert.ok(!fs.existsSync(path.join(dir, 'passwd')), 'nothing written');
    }
  });

  it('entrypoint: reads passwords from the files <NAME>_FILE names; both set, or an unreadable file, is an error', () => {
    const dir = path.join(started().work, 'from-files');
    fs.mkdirSync(dir, { recursive: true });
    const secret = (name: string, text: string): string => {
      const f = path.join(dir, name);
      fs.writeFileSync(f, text, { mode: 0o600 });
      return f;
    };
    const authDir = path.join(dir, 'auth');
    const env = { MOSQUITTO_AUTH_DIR: authDir, MOSQUITTO_ACL_TEMPLATE: deployFiles.aclTemplate, PRODUCER_PASSWORD_FILE: secret('producer', 'producer from a file\n'), PIPELINE_PASSWORD_FILE: secret('pipeline', 'pipeline from a file\n') };
    const ok = runMosquittoEntrypoint(env);
    assert.equal(ok.status, 0, ok.stderr);
    // mosquitto_passwd's $7$ hashes are PBKDF2-SHA512: each must be the hash of the file's text, its newline dropped
    const hashes = new Map(readText(path.join(authDir, 'passwd')).trim().split('\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)]));
    const matches = (user: string, password: string): boolean => {
      const [, , iterations = '', salt = '', hash = ''] = (hashes.get(user) ?? '').split('$');
      return pbkdf2Sync(password, Buffer.from(salt, 'base64'), Number(iterations), 64, 'sha512').toString('base64') === hash;
    };
    assert.ok(matches('diffusion', 'producer from a file'));
    assert.ok(matches('wis2-pipeline', 'pipeline from a file'));
    assert.ok(!matches('wis2-pipeline', 'pipeline from a file\n'));
    for (const text of [ok.stdout, ok.stderr]) assert.ok(!text.includes('from a file'), 'a password leaked');
    const both = runMosquittoEntrypoint({ ...env, MOSQUITTO_AUTH_DIR: path.join(dir, 'both'), PIPELINE_PASSWORD: 'also here' });
    assert.notEqual(both.status, 0);
    assert.match(both.stderr, /set PIPELINE_PASSWORD or PIPELINE_PASSWORD_FILE, not both/);
    const unreadable = runMosquittoEntrypoint({ ...env, MOSQUITTO_AUTH_DIR: path.join(dir, 'none'), PRODUCER_PASSWORD_FILE: path.join(dir, 'nowhere') });
    assert.notEqual(unreadable.status, 0);
    assert.match(unreadable.stderr, /PRODUCER_PASSWORD_FILE: cannot read/);
  });

  it('refuses anonymous clients, on MQTT 3.1.1 and 5 and on websockets', async () => {
    assert.equal(await refused({}, { protocolVersion: 4 }), 5);
    assert.equal(await refused({}, { protocolVersion: 5 }), NOT_AUTHORIZED);
    assert.equal(await refused({}, { protocolVersion: 4 }, `ws://127.0.0.1:${wsPort}`), 5);
  });

  it('refuses a wrong password and an unknown user', async () => {
    assert.equal(await refused({ username: 'wis2-pipeline', password: 'wrong' }, { protocolVersion: 4 }), 5);
    assert.ok([134, NOT_AUTHORIZED].includes(await refused({ username: 'wis2-pipeline', password: 'wrong' }, { protocolVersion: 5 })));
    assert.equal(await refused({ username: 'everyone', password: users.pipeline.password }, { protocolVersion: 4 }), 5);
    assert.equal(await refused({ username: 'nobody', password: 'everyone' }, { protocolVersion: 4 }), 5);
  });

  it('lets everyone subscribe to origin/a/wis2/# and receive the notifications', async () => {
    const everyone = await connect(users.everyone, { protocolVersion: 4 });
    const granted = await everyone.subscribeAsync('origin/a/wis2/#', { qos: 1 });
    assert.equal(granted[0]?.qos, 1);
    const received = receiveUntil(everyone, METADATA_TOPIC);
    const pipeline = await connect(users.pipeline, { protocolVersion: 5 });
    await pipeline.publishAsync(DATA_TOPIC, 'wnm', { qos: 1 });
    await pipeline.publishAsync(METADATA_TOPIC, 'metadata wnm', { qos: 1 });
    assert.deepEqual(await received, [
      { topic: DATA_TOPIC, payload: 'wnm' },
      { topic: METADATA_TOPIC, payload: 'metadata wnm' },
    ]);
  });

  it('lets everyone publish nowhere (QoS 0 dropped silently, QoS 1 refused with reason code 135)', async () => {
    const watcher = await connect(users.pipeline, { protocolVersion: 4 });
    await watcher.subscribeAsync(['origin/a/wis2/fr-ifremer-argo/#', 'wis2/rejected/#', 'diffusion/#'], { qos: 1 });
    const seen = receiveUntil(watcher, `${DEAD_LETTER}/sentinel`);
    const targets = [DATA_TOPIC, METADATA_TOPIC, FILE_EVENT, DEAD_LETTER];

    const v3 = await connect(users.everyone, { protocolVersion: 4 });
    for (const topic of targets) await v3.publishAsync(topic, 'forbidden', { qos: 0 });
    // MQTT 3.1.1 has no way to say no: the PUBACK comes, the message is dropped
    for (const topic of targets) await v3.publishAsync(topic, 'forbidden', { qos: 1 });
    const v5 = await connect(users.everyone, { protocolVersion: 5 });
    for (const topic of targets) await publishRefused(v5, topic);

    // published after the broker acknowledged everything above, so it arrives after it
    const pipeline = await connect(users.pipeline, { protocolVersion: 4 });
    await pipeline.publishAsync(`${DEAD_LETTER}/sentinel`, 'end', { qos: 1 });
    assert.deepEqual(await seen, [{ topic: `${DEAD_LETTER}/sentinel`, payload: 'end' }]);
  });

  it('keeps the internal topics from everyone: no file events, no dead letters', async () => {
    const everyone = await connect(users.everyone, { protocolVersion: 5 });
    const granted = await everyone.subscribeAsync(['origin/a/wis2/#', 'diffusion/#', 'wis2/rejected/#'], { qos: 1 });
    assert.equal(granted[0]?.qos, 1);
    const seen = receiveUntil(everyone, DATA_TOPIC);
    const producer = await connect(users.producer, { protocolVersion: 5 });
    await producer.publishAsync(FILE_EVENT, 'event', { qos: 1 });
    const pipeline = await connect(users.pipeline, { protocolVersion: 5 });
    await pipeline.publishAsync(DEAD_LETTER, 'rejected event', { qos: 1 });
    await pipeline.publishAsync(DATA_TOPIC, 'wnm', { qos: 1 });
    assert.deepEqual(await seen, [{ topic: DATA_TOPIC, payload: 'wnm' }]);
  });

  it('lets the pipeline publish for its own centre and on the dead-letter topic, not for another centre', async () => {
    const everyone = await connect(users.everyone, { protocolVersion: 4 });
    await everyone.subscribeAsync('origin/a/wis2/#', { qos: 1 });
    const wis2Side = receiveUntil(everyone, METADATA_TOPIC);
    const own = await connect(users.pipeline, { protocolVersion: 4, clientId: 'wis2-pipeline-watch' });
    await own.subscribeAsync('wis2/rejected/#', { qos: 1 });
    const deadLetters = receiveUntil(own, DEAD_LETTER);

    const pipeline = await connect(users.pipeline, { protocolVersion: 5 });
    await publishRefused(pipeline, FOREIGN_TOPIC);
    await publishRefused(pipeline, 'origin/a/wis2/fr-ifremer-argo-bis/metadata');
    await publishRefused(pipeline, FILE_EVENT);
    await pipeline.publishAsync(DATA_TOPIC, 'wnm', { qos: 1 });
    await pipeline.publishAsync(DEAD_LETTER, 'rejected', { qos: 1 });
    await pipeline.publishAsync(METADATA_TOPIC, 'metadata wnm', { qos: 1 });
    assert.deepEqual(await wis2Side, [
      { topic: DATA_TOPIC, payload: 'wnm' },
      { topic: METADATA_TOPIC, payload: 'metadata wnm' },
    ]);
    assert.deepEqual(await deadLetters, [{ topic: DEAD_LETTER, payload: 'rejected' }]);
  });

  it('lets the producer publish file events only, which the pipeline reads, shared subscriptions included', async () => {
    const pipeline = await connect(users.pipeline, { protocolVersion: 4 });
    await pipeline.subscribeAsync(['diffusion/files/coriolis/argo/#', 'origin/a/wis2/fr-ifremer-argo/#', 'wis2/rejected/#'], { qos: 1 });
    // replicas of Node-RED share the input this way
    const replica = await connect(users.pipeline, { protocolVersion: 4 });
    const shared = await replica.subscribeAsync('$share/wis2/diffusion/files/coriolis/argo/#', { qos: 1 });
    assert.equal(shared[0]?.qos, 1);
    const seen = receiveUntil(pipeline, FILE_EVENT);
    const seenByReplica = receiveUntil(replica, FILE_EVENT);

    const producer = await connect(users.producer, { protocolVersion: 5 });
    await publishRefused(producer, 'diffusion/other/x');
    await publishRefused(producer, DATA_TOPIC);
    await publishRefused(producer, DEAD_LETTER);
    // Mosquitto 2.0 grants the subscription and filters on delivery: watch what actually arrives
    const producerGot: string[] = [];
    producer.on('message', (topic) => producerGot.push(topic));
    await producer.subscribeAsync('diffusion/#', { qos: 1 });
    await producer.publishAsync(FILE_EVENT, 'event', { qos: 1 });
    assert.deepEqual(await seen, [{ topic: FILE_EVENT, payload: 'event' }]);
    assert.deepEqual(await seenByReplica, [{ topic: FILE_EVENT, payload: 'event' }]);
    // one more round trip: a copy for the producer would have come before this acknowledgement
    await producer.publishAsync(`${FILE_EVENT}.2`, 'event', { qos: 1 });
    assert.deepEqual(producerGot, [], 'the producer may not read');
  });

  it('serves MQTT over websockets with the same accounts', async () => {
    const ws = await connect(users.everyone, { protocolVersion: 4 }, `ws://127.0.0.1:${wsPort}`);
    await ws.subscribeAsync('origin/a/wis2/#', { qos: 1 });
    const seen = receiveUntil(ws, DATA_TOPIC);
    const producerWs = await connect(users.producer, { protocolVersion: 5 }, `ws://127.0.0.1:${wsPort}`);
    await producerWs.publishAsync(FILE_EVENT, 'event over websockets', { qos: 1 });
    await publishRefused(producerWs, DATA_TOPIC);
    const pipeline = await connect(users.pipeline, { protocolVersion: 4 });
    await pipeline.publishAsync(DATA_TOPIC, 'wnm', { qos: 1 });
    assert.deepEqual(await seen, [{ topic: DATA_TOPIC, payload: 'wnm' }]);
  });

  it('passes the healthcheck compose.yml runs, and fails it with a wrong password', () => {
    const healthcheck = composeService(loadCompose(), 'mosquitto').healthcheck;
    assert.ok(isMap(healthcheck));
    const test = stringList(healthcheck.test, 'mosquitto healthcheck');
    assert.equal(test[0], 'CMD-SHELL');
    // compose turns $$ into $; the container listens on 1883, this broker elsewhere
    const command = (test[1] ?? '').replace(/\$\$/g, '$').replace(/ -p 1883 /, ` -p ${broker.port} `);
    assert.notEqual(command, test[1]);
    const run = (pass: string): number | null =>
      spawnSync('sh', ['-c', command], {
        env: { PATH: `${path.dirname(mosquittoTool('mosquitto_sub'))}:${process.env.PATH ?? ''}`, SUBSCRIBER_USERNAME: 'everyone', SUBSCRIBER_PASSWORD: pass },
        timeout: 15_000,
      }).status;
    assert.equal(run('everyone'), 0);
    assert.notEqual(run('wrong'), 0);
  });

  it('keeps a burst queued for an offline persistent session across a broker restart', async function () {
    this.timeout(30_000);
    const burst = 1500; // more than Mosquitto's default queue of 1000
    const session = { ...users.pipeline, clientId: 'wis2-pipeline-burst', clean: false, protocolVersion: 4 as const };
    const first = await connect(session);
    await first.subscribeAsync('diffusion/files/#', { qos: 1 });
    await first.endAsync();

    const producer = await connect(users.producer, { protocolVersion: 4 });
    await Promise.all(Array.from({ length: burst }, (_, i) => producer.publishAsync(`${FILE_EVENT}.${i}`, String(i), { qos: 1 })));
    await producer.endAsync();

    await broker.stop();
    await broker.start();

    const received = new Set<string>();
    const client = mqtt.connect(broker.url, { ...session, reconnectPeriod: 0, connectTimeout: 5000 });
    clients.push(client);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`only ${received.size} of ${burst} after the restart`));
      }, 20_000);
      client.on('message', (_topic, payload) => {
        received.add(payload.toString());
        if (received.size === burst) {
          clearTimeout(timer);
          resolve();
        }
      });
      client.on('error', reject);
    });
    assert.equal(received.size, burst);
  });
});
