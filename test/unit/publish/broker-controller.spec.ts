import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { BrokerController, type BrokerClient, type BrokerConnectionState, type BrokerEvents, type BrokerSettings, type Connection } from '../../../nodes/lib/publish/broker-controller';
import { WNM_CONTENT_TYPE } from '../../../nodes/lib/publish/publish';
import { RECORD_OVERHEAD } from '../../../nodes/lib/reliability/journal';
import { cleanup, tempDir } from '../reliability/helpers';

type Callback = (error?: Error & { code?: number }) => void;

/** A broker connection the test drives by hand: it holds each publish until told to answer. */
class FakeClient extends EventEmitter implements BrokerClient {
  connected = false;
  options = { protocolVersion: 5 };
  ended = false;
  readonly published: { topic: string; payload: Buffer; cb: Callback }[] = [];
  handleMessage: (packet: never, callback: () => void) => void = (_p, cb) => { cb(); };
  publish(topic: string, payload: Buffer, _o: unknown, cb: Callback): void {
    this.published.push({ topic, payload, cb });
  }
  end(_force: boolean, _opts: object, cb: () => void): void {
    this.ended = true;
    this.connected = false;
    cb();
  }
  up(sessionPresent = false): void {
    this.connected = true;
    this.emit('connect', { sessionPresent });
  }
  down(): void {
    this.connected = false;
    this.emit('close');
  }
  /** a packet arrives: whether the client may read the next one at once */
  deliver(): { read: boolean } {
    const r = { read: false };
    this.handleMessage(undefined as never, () => { r.read = true; });
    return r;
  }
}

/** Every event the controller reports, by name, in order; deferred work runs when the test says. */
class Harness {
  readonly said: [string, ...unknown[]][] = [];
  readonly clients: FakeClient[] = [];
  readonly deferred: (() => void)[] = [];
  readonly events: BrokerEvents;
  controller: BrokerController<FakeClient>;
  ignore: ((err: Error) => boolean) | undefined;

  constructor(readonly settings: BrokerSettings, readonly clean = true) {
    const record = (name: string) => (...args: unknown[]): void => { this.said.push([name, ...args]); };
    this.events = {
      state: record('state'), connected: record('connected'), error: record('error'), sessionLost: record('sessionLost'),
      ackWriteFailed: record('ackWriteFailed'), outboxWriteFailed: record('outboxWriteFailed'),
      publishedWriteFailed: record('publishedWriteFailed'), refused: record('refused'), closing: record('closing'),
    };
    this.controller = this.make();
  }

  make(): BrokerController<FakeClient> {
    return new BrokerController(this.settings, () => {
      const client = new FakeClient();
      this.clients.push(client);
      const c: Connection<FakeClient> = { client, clientId: `c${String(this.clients.length)}`, clean: this.clean };
      if (this.ignore) c.ignoreError = this.ignore;
      return c;
    }, this.events, {
      now: () => new Date('2026-01-02T03:04:05.000Z'),
      defer: (callback) => {
        let live = true;
        this.deferred.push(() => { if (live) callback(); });
        return { cancel: () => { live = false; } };
      },
    });
  }

  runDeferred(): void {
    for (const f of this.deferred.splice(0)) f();
  }

  names(name: string): unknown[][] {
    return this.said.filter((s) => s[0] === name).map((s) => s.slice(1));
  }
}

function settings(over: Partial<BrokerSettings> = {}): BrokerSettings {
  const dir = tempDir('wis2-broker-');
  return { url: 'mqtt://broker.test', outboxDir: path.join(dir, 'outbox'), publishedDir: path.join(dir, 'published'), maxQueueBytes: 1024 * 1024, window: 2, keepDays: 0, ...over };
}

const record = (topic: string): { topic: string; payload: Buffer; qos: 1; retain: false } => ({ topic, payload: Buffer.from(topic), qos: 1, retain: false });

describe('broker controller', () => {
  afterEach(cleanup);

  it('opens one connection for all its users and tells each of them its state', () => {
    const h = new Harness(settings());
    const states: BrokerConnectionState[] = [];
    const a = h.controller.use('a', (s) => states.push(s));
    const b = h.controller.use('b', () => undefined);
    assert.equal(a, b);
    assert.equal(h.clients.length, 1);
    h.runDeferred();
    assert.deepEqual(states, [{ connected: false }, { connected: false }]);
    a.up();
    assert.deepEqual(states.at(-1), { connected: true });
    assert.deepEqual(h.names('connected'), [['c1', '5']]);
    assert.deepEqual(h.controller.totals(), { url: 'mqtt://broker.test', connected: true, users: 2 });
  });

  it('says an error once until it changes, shows it while disconnected, and forgets it at the next connection', () => {
    const h = new Harness(settings());
    const states: BrokerConnectionState[] = [];
    const c = h.controller.use('a', (s) => states.push(s));
    c.emit('error', new Error('ECONNREFUSED'));
    c.emit('error', new Error('ECONNREFUSED'));
    c.emit('error', new Error('ENOTFOUND'));
    assert.deepEqual(h.names('error'), [['ECONNREFUSED'], ['ENOTFOUND']]);
    assert.deepEqual(states.at(-1), { connected: false, error: 'ENOTFOUND' });
    assert.equal(h.controller.totals().error, 'ENOTFOUND');
    c.up();
    c.down();
    assert.deepEqual(states.at(-1), { connected: false }, 'a reconnection clears the error');
    c.up();
    assert.deepEqual(states.at(-1), { connected: true });
    assert.equal(h.names('connected').length, 2);
  });

  it('leaves to others the errors the connection says it handles', () => {
    const h = new Harness(settings());
    h.ignore = (err) => err.message === 'refused version';
    const c = h.controller.use('a', () => undefined);
    c.emit('error', new Error('refused version'));
    assert.deepEqual(h.names('error'), []);
  });

  it('queues publications while offline and sends them within the window once connected, counted sent at their PUBACK', async () => {
    const h = new Harness(settings());
    assert.equal(h.controller.backlog(), undefined, 'no outbox yet: nothing for the metrics to say');
    const outbox = h.controller.outbox();
    assert.equal(h.controller.outbox(), outbox, 'opened once');
    for (const t of ['t/1', 't/2', 't/3']) outbox.enqueue(record(t));
    const client = h.clients[0];
    assert.ok(client);
    assert.equal(client.published.length, 0);
    assert.deepEqual(h.controller.totals().outbox, { queued: 3, inflight: 0, sent: 0, refused: 0 });
    const waiting = h.controller.backlog();
    assert.ok(waiting);
    assert.equal(waiting.messages, 3);
    assert.ok(waiting.bytes > 3 * RECORD_OVERHEAD, `the journal's bytes of three records, not ${String(waiting.bytes)}`);
    client.up();
    assert.deepEqual(client.published.map((p) => p.topic), ['t/1', 't/2']);
    client.published[0]?.cb();
    client.published[1]?.cb();
    client.published[2]?.cb();
    assert.deepEqual(h.controller.totals().outbox, { queued: 0, inflight: 0, sent: 3, refused: 0 });
    assert.equal(h.controller.backlog()?.messages, 0);
    // the outbox writes down the acknowledgements of a turn at its end
    await new Promise<void>((resolve) => { setImmediate(resolve); });
    assert.deepEqual(h.controller.backlog(), { messages: 0, bytes: 0 }, 'what the metrics read once the acknowledgements are written');
  });

  it('logs the notifications acknowledged in a turn in one write, before it writes down their acknowledgements', async () => {
    const h = new Harness(settings({ keepDays: 7, window: 8 }));
    const outbox = h.controller.outbox();
    const client = h.clients[0];
    assert.ok(client);
    client.up();
    for (const n of [1, 2, 3]) outbox.enqueue(record(`origin/a/wis2/x/data/${n}`));
    // the records themselves are written at the end of the turn that enqueued them
    await new Promise((resolve) => setImmediate(resolve));
    const written: string[] = [];
    const write = fs.writeSync;
    // told apart by what is written: the log's JSON lines, the outbox's binary records
    fs.writeSync = ((fd: number, data: unknown, ...rest: unknown[]) => {
      const text = typeof data === 'string' ? data : Buffer.isBuffer(data) ? data.toString('latin1', 0, 6) : '';
      written.push(text.startsWith('{"at":') ? 'published' : 'outbox');
      return (write as (...a: unknown[]) => number)(fd, data, ...rest);
    });
    try {
      for (const p of client.published) p.cb();
      assert.deepEqual(written, [], 'nothing written within the turn');
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      fs.writeSync = write;
    }
    assert.deepEqual(written, ['published', 'outbox'], 'the log first, then the acknowledgements, one write each');
    await h.controller.closeAll();
    const logged = fs.readdirSync(h.settings.publishedDir).map((f) => fs.readFileSync(path.join(h.settings.publishedDir, f), 'utf8')).join('');
    assert.deepEqual([...logged.matchAll(/"topic":"origin\/a\/wis2\/x\/data\/(\d)"/g)].map((m) => m[1]), ['1', '2', '3']);
  });

  it('reports a refusal and keeps the notifications it sends to origin/ for replay', async () => {
    const h = new Harness(settings({ keepDays: 7 }));
    const outbox = h.controller.outbox();
    const client = h.clients[0];
    assert.ok(client);
    client.up();
    outbox.enqueue(record('origin/a/wis2/x/data'));
    outbox.enqueue(record('t/refused'));
    // as the publication checks pass it: JSON text with the notification's content type
    outbox.enqueue({ topic: 'origin/a/wis2/x/data', payload: Buffer.from('{"id":"n1"}'), qos: 1, retain: false, contentType: WNM_CONTENT_TYPE });
    client.published[0]?.cb();
    client.published[1]?.cb(Object.assign(new Error('not authorized'), { code: 135 }));
    client.published[2]?.cb();
    const refused = h.names('refused');
    assert.equal(refused.length, 1);
    assert.equal((refused[0]?.[0] as { topic: string }).topic, 't/refused');
    await h.controller.closeAll();
    const logged = fs.readdirSync(h.settings.publishedDir).map((f) => fs.readFileSync(path.join(h.settings.publishedDir, f), 'utf8')).join('');
    const lines = logged.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(lines.map((l) => [l.topic, l.payload ?? l.message]), [['origin/a/wis2/x/data', 'origin/a/wis2/x/data'], ['origin/a/wis2/x/data', { id: 'n1' }]], 'the prepared notification is its line\'s message; the other payload a string');
    assert.doesNotMatch(logged, /t\/refused/);
  });

  it('sends after a restart what the last run left unacknowledged', async () => {
    const s = settings();
    const h = new Harness(s);
    const outbox = h.controller.outbox();
    outbox.enqueue(record('t/1'));
    outbox.enqueue(record('t/2'));
    h.clients[0]?.up();
    h.clients[0]?.published[0]?.cb();
    await h.controller.closeAll();
    assert.equal(h.clients[0]?.ended, true);
    const again = h.make();
    again.outbox();
    const client = h.clients[1];
    assert.ok(client);
    client.up();
    assert.deepEqual(client.published.map((p) => p.topic), ['t/2']);
    await again.closeAll();
  });

  it('holds the next packet while an input is busy, and reads on when woken', () => {
    const h = new Harness(settings());
    const client = h.controller.use('in', () => undefined);
    let busy = false;
    h.controller.backpressure('in', () => busy);
    assert.equal(client.deliver().read, true);
    busy = true;
    const held = client.deliver();
    assert.equal(held.read, false);
    h.controller.wake();
    assert.equal(held.read, false, 'still busy');
    busy = false;
    h.controller.wake();
    assert.equal(held.read, true);
  });

  it('drops held reads with their connection, and lets them go when the busy input leaves', async () => {
    const h = new Harness(settings());
    const client = h.controller.use('in', () => undefined);
    h.controller.use('other', () => undefined);
    h.controller.backpressure('in', () => true);
    const dropped = client.deliver();
    client.down();
    h.controller.wake();
    assert.equal(dropped.read, false, 'a held acknowledgement never reaches the next connection');
    const held = client.deliver();
    await h.controller.release('in');
    assert.equal(held.read, true);
    assert.equal(client.ended, false, 'another user still has it');
    await h.controller.release('other');
    assert.equal(client.ended, true);
    assert.deepEqual(h.names('closing'), [[]]);
  });

  it('says when the broker lost the persistent session of an input, once per connection without it', () => {
    const h = new Harness(settings(), false);
    const states: BrokerConnectionState[] = [];
    const client = h.controller.use('in', (s) => states.push(s));
    h.controller.backpressure('in', () => false);
    client.up(false);
    assert.deepEqual(h.names('sessionLost'), [], 'the first connection has no session to find');
    client.down();
    client.up(true);
    assert.deepEqual(h.names('sessionLost'), []);
    client.down();
    client.up(false);
    assert.deepEqual(h.names('sessionLost'), [['2026-01-02T03:04:05.000Z', 'c1']]);
    assert.deepEqual(states.at(-1), { connected: true, sessionLost: '2026-01-02T03:04:05.000Z' });
  });

  it('does not watch the session of a connection that only publishes', () => {
    const h = new Harness(settings(), false);
    const client = h.controller.use('pub', () => undefined);
    client.up(true);
    client.down();
    client.up(false);
    assert.deepEqual(h.names('sessionLost'), []);
  });
});
