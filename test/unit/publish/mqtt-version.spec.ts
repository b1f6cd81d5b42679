import assert from 'node:assert/strict';
import net from 'node:net';
import mqtt, { type MqttClient } from 'mqtt';
import { freePort, startEmbeddedBroker, type EmbeddedBroker } from '../../../bin/launch';
import { LogLimiter } from '../../../nodes/common/log-limiter';
import { SESSION_NEVER_EXPIRES, fallBackWhenRefused, protocolSetting, sessionExpiryFor } from '../../../nodes/lib/publish/mqtt-version';

function waitFor(client: MqttClient, event: 'connect'): Promise<void> {
  return new Promise((resolve) => client.once(event, () => { resolve(); }));
}

describe('MQTT version', () => {
  it('reads the protocol setting, keeping 3.1.1 for flows written before MQTT 5 was offered', () => {
    assert.equal(protocolSetting('auto'), 'auto');
    assert.equal(protocolSetting('5'), '5');
    assert.equal(protocolSetting(5), '5');
    assert.equal(protocolSetting('4'), '4');
    assert.equal(protocolSetting(undefined), '4');
    assert.equal(protocolSetting(''), '4');
    assert.equal(protocolSetting('6'), '4');
  });

  it('keeps a persistent session alive across disconnections under MQTT 5 unless told otherwise', () => {
    assert.equal(sessionExpiryFor(false, undefined), SESSION_NEVER_EXPIRES, 'clean session off: never expires, as in 3.1.1');
    assert.equal(sessionExpiryFor(true, undefined), undefined, 'clean session: nothing to keep');
    assert.equal(sessionExpiryFor(false, 3600), 3600);
    assert.equal(sessionExpiryFor(true, 60), 60);
    assert.equal(sessionExpiryFor(false, 2 ** 40), SESSION_NEVER_EXPIRES, 'capped to what the property can carry');
  });

  describe('falling back to 3.1.1', function () {
    this.timeout(15_000);
    let broker: EmbeddedBroker | undefined;
    const clients: MqttClient[] = [];
    afterEach(async () => {
      await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
      await broker?.close();
      broker = undefined;
    });

    it('reconnects with 3.1.1 when the broker refuses 5 in its CONNACK (aedes), says so once, and works', async () => {
      broker = await startEmbeddedBroker(0);
      const reasons: string[] = [];
      const client = mqtt.connect(broker.url, { protocolVersion: 5, clean: false, clientId: 'fallback-connack', reconnectPeriod: 200, properties: { sessionExpiryInterval: 60 } });
      clients.push(client);
      const errors: unknown[] = [];
      client.on('error', (e) => errors.push((e as Error & { code?: number }).code));
      fallBackWhenRefused(client, (reason) => reasons.push(reason));
      await waitFor(client, 'connect');
      assert.equal(client.options.protocolVersion, 4);
      assert.equal(client.options.properties, undefined, 'no MQTT 5 property in a 3.1.1 CONNECT');
      assert.equal(reasons.length, 1);
      assert.match(reasons[0] ?? '', /protocol version.*code 1\)/i);
      assert.deepEqual(errors, [1], 'one refusal only');
      // the connection is usable: a QoS 1 round trip on it
      await client.subscribeAsync('t/#', { qos: 1 });
      const got = new Promise<string>((resolve) => client.once('message', (_t, p) => { resolve(p.toString()); }));
      await client.publishAsync('t/x', 'hello', { qos: 1 });
      assert.equal(await got, 'hello');
      // and it stays up: no stray reconnection of mqtt.js ends it (and closes its stores) later
      let reconnects = 0;
      client.on('reconnect', () => { reconnects++; });
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal(reconnects, 0);
      assert.ok(client.connected);
      await client.publishAsync('t/y', 'still', { qos: 1 });
      // a later reconnection stays on 3.1.1 and says nothing more
      client.stream.destroy();
      await waitFor(client, 'connect');
      assert.equal(client.options.protocolVersion, 4);
      assert.equal(reasons.length, 1);
      await new Promise((r) => setTimeout(r, 600));
      assert.ok(client.connected);
      await client.publishAsync('t/z', 'after the cut', { qos: 1 });
    });

    it('falls back after connections closed twice before any CONNACK, not after one', async () => {
      // a broker from before MQTT 5 that hangs up on a CONNECT it cannot read; 3.1.1 goes through
      broker = await startEmbeddedBroker(0);
      const target = broker.port;
      let closes = 0;
      const front = net.createServer((sock) => {
        sock.once('data', (first) => {
          // CONNECT: fixed header, remaining length (1 byte here), then "\0\4MQTT" and the level
          const level = first[2 + 6];
          if (level === 5) {
            closes++;
            sock.destroy();
            return;
          }
          const back = net.connect(target, '127.0.0.1', () => {
            back.write(first);
            sock.pipe(back).pipe(sock);
          });
          back.on('error', () => sock.destroy());
          sock.on('error', () => back.destroy());
        });
      });
      await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
      const port = (front.address() as net.AddressInfo).port;
      try {
        const reasons: string[] = [];
        const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, { protocolVersion: 5, reconnectPeriod: 100, clientId: 'fallback-close' });
        clients.push(client);
        client.on('error', () => undefined);
        fallBackWhenRefused(client, (reason) => reasons.push(reason));
        await waitFor(client, 'connect');
        assert.equal(closes, 2);
        assert.equal(client.options.protocolVersion, 4);
        assert.equal(reasons.length, 1);
        assert.match(reasons[0] ?? '', /closed 2 times/);
      } finally {
        front.close();
      }
    });

    it('stays on MQTT 5 while the broker is merely away', async () => {
      const closed = await freePort();
      const reasons: string[] = [];
      const client = mqtt.connect(`mqtt://127.0.0.1:${closed}`, { protocolVersion: 5, reconnectPeriod: 50, clientId: 'fallback-away' });
      clients.push(client);
      let attempts = 0;
      client.on('error', () => { attempts++; });
      fallBackWhenRefused(client, (reason) => reasons.push(reason));
      await new Promise((r) => setTimeout(r, 600));
      assert.ok(attempts >= 3, `${attempts} attempts`);
      assert.equal(client.options.protocolVersion, 5);
      assert.deepEqual(reasons, []);
    });
  });
});

describe('log limiter', () => {
  it('logs the first of each kind at once, sums up the rest once per interval, and never drops a kind', () => {
    let now = 0;
    const lines: string[] = [];
    const limiter = new LogLimiter((t) => lines.push(t), (count, last) => `${count} more, last: ${last}`, 1000, () => now);
    limiter.report('a', 'a1');
    limiter.report('a', 'a2');
    limiter.report('a', 'a3');
    limiter.report('b', 'b1');
    assert.deepEqual(lines, ['a1', 'b1']);
    now = 1000;
    limiter.flush();
    assert.deepEqual(lines, ['a1', 'b1', '2 more, last: a3']);
    now = 1500;
    limiter.report('a', 'a4');
    assert.equal(lines.length, 3, 'still within the interval that the summary opened');
    now = 2000;
    limiter.report('a', 'a5');
    assert.deepEqual(lines.slice(3), ['2 more, last: a5'], 'the held line comes out with the next, in order');
    limiter.flush();
    assert.equal(lines.length, 4);
  });
});
