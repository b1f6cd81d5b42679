import assert from 'node:assert/strict';
import mqtt, { type IConnackPacket, type MqttClient } from 'mqtt';
import { main } from '../../bin/wis2';
import { memoryIo } from '../../bin/cli/io';
import { needMosquitto, startMosquitto, type Broker } from '../helpers/mosquitto';

/** A runtime's input as the shipped flows make it: a persistent session subscribed with QoS 1, then gone. */
async function leaveSession(url: string, clientId: string, protocolVersion: 4 | 5): Promise<void> {
  const options: mqtt.IClientOptions = { clientId, clean: false, protocolVersion, reconnectPeriod: 0 };
  if (protocolVersion === 5) options.properties = { sessionExpiryInterval: 0xffffffff };
  const c = await mqtt.connectAsync(url, options);
  await c.subscribeAsync('diffusion/files/#', { qos: 1 });
  await c.endAsync();
}

/** Connects under `clientId` again: whether the broker still had a session, and what it delivers within `ms`. */
async function comeBack(url: string, clientId: string, ms: number): Promise<{ sessionPresent: boolean; delivered: number }> {
  let delivered = 0;
  const c: MqttClient = mqtt.connect(url, { clientId, clean: false, protocolVersion: 4, reconnectPeriod: 0 });
  c.on('message', () => {
    delivered++;
  });
  const connack = await new Promise<IConnackPacket>((resolve, reject) => {
    c.once('connect', resolve);
    c.once('error', reject);
  });
  await new Promise((r) => setTimeout(r, ms));
  // forget what this check created, too
  await c.endAsync(true);
  await mqtt.connectAsync(url, { clientId, clean: true, reconnectPeriod: 0 }).then((x) => x.endAsync());
  return { sessionPresent: connack.sessionPresent, delivered };
}

describe('wis2 session drop (real Mosquitto)', function () {
  this.timeout(30_000);
  let started: Broker | undefined;
  const broker = (): Broker => {
    assert.ok(started);
    return started;
  };
  before(async function () {
    needMosquitto(this);
    started = await startMosquitto();
  });
  after(() => started?.stop());

  for (const version of ['3.1.1', '5'] as const) {
    it(`removes a session with queued messages (left over MQTT ${version}), and says there was one`, async () => {
      const v = version === '5' ? 5 : 4;
      const retired = `wis2-retired-${v}`;
      const control = `wis2-control-${v}`;
      await leaveSession(broker().url, retired, v);
      await leaveSession(broker().url, control, v);
      const producer = await mqtt.connectAsync(broker().url, { clientId: `wis2-producer-${v}` });
      for (let i = 0; i < 3; i++) await producer.publishAsync('diffusion/files/x', Buffer.from(`event ${i}`), { qos: 1 });
      await producer.endAsync();

      const io = memoryIo();
      const code = await main(['session', 'drop', '--url', broker().url, '--client-id', retired, '--mqtt-version', version], io);
      assert.equal(code, 0, io.stderr.join('\n'));
      assert.deepEqual(JSON.parse(io.stdout.at(-1) ?? ''), { dropped: { url: broker().url.replace(/\/?$/, ''), clientId: retired, sessionPresent: true } });

      // the session left beside it still holds its three messages: what the drop took away
      assert.deepEqual(await comeBack(broker().url, control, 500), { sessionPresent: true, delivered: 3 });
      assert.deepEqual(await comeBack(broker().url, retired, 500), { sessionPresent: false, delivered: 0 });

      // a second drop finds nothing
      const again = memoryIo();
      assert.equal(await main(['session', 'drop', '--url', broker().url, '--client-id', retired], again), 0);
      assert.equal((JSON.parse(again.stdout.at(-1) ?? '') as { dropped: { sessionPresent: boolean } }).dropped.sessionPresent, false);
    });
  }

  it('refuses to run without a client id (exit 64) and reports an unreachable broker (exit 1)', async () => {
    const io = memoryIo();
    assert.equal(await main(['session', 'drop', '--url', broker().url], io), 64);
    assert.match(io.stderr.join('\n'), /--client-id is required/);
    const away = memoryIo();
    assert.equal(await main(['session', 'drop', '--url', 'mqtt://127.0.0.1:1', '--client-id', 'x', '--connect-timeout', '2'], away), 1);
    assert.match(away.stderr.join('\n'), /"code":"session.connect"/);
  });
});
