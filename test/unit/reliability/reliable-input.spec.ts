import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { ACK_PROPERTY, InFlight } from '../../../nodes/lib/reliability/inflight';
import { Journal } from '../../../nodes/lib/reliability/journal';
import { ReliableInput, type InputClient, type InputEvents, type InputMessage, type InputPacket, type InputTimers, type OverdueGroup, type ReliableInputSettings } from '../../../nodes/lib/reliability/reliable-input';
import { cleanup, tempDir } from './helpers';

/** A subscribed connection the test drives by hand. */
class FakeClient extends EventEmitter implements InputClient {
  connected = false;
  readonly subscriptions: { topic: string; qos: number; cb: (err: Error | null) => void }[] = [];
  subscribe(topic: string, options: { qos: 0 | 1 | 2 }, cb: (err: Error | null) => void): void {
    this.subscriptions.push({ topic, qos: options.qos, cb });
  }
  up(): void {
    this.connected = true;
    this.emit('connect');
  }
  message(topic: string, text: string, packet: Partial<InputPacket> = {}): void {
    this.emit('message', topic, Buffer.from(text), { qos: 1, retain: false, ...packet });
  }
}

/** Timers that fire when the test says, and a clock it moves. */
class Clock implements InputTimers {
  now = 0;
  private turn: (() => void)[] = [];
  private later: (() => void)[] = [];
  readonly intervals: { ms: number; run: () => void; live: boolean }[] = [];
  defer(callback: () => void): { cancel(): void } {
    return this.queue(this.turn, callback);
  }
  soon(callback: () => void): { cancel(): void } {
    return this.queue(this.later, callback);
  }
  every(ms: number, run: () => void): { cancel(): void } {
    const t = { ms, run, live: true };
    this.intervals.push(t);
    return { cancel: () => { t.live = false; } };
  }
  /** ends the current turn of the event loop */
  endTurn(): void {
    while (this.turn.length > 0) for (const f of this.turn.splice(0)) f();
  }
  runSoon(): void {
    for (const f of this.later.splice(0)) f();
  }
  tick(ms: number): void {
    this.now += ms;
    for (const t of this.intervals) if (t.live) t.run();
  }
  private queue(list: (() => void)[], callback: () => void): { cancel(): void } {
    let live = true;
    list.push(() => { if (live) callback(); });
    return { cancel: () => { live = false; } };
  }
}

class Harness {
  readonly clock = new Clock();
  readonly client = new FakeClient();
  readonly registry = new InFlight({ now: () => this.clock.now, defer: (cb) => { this.clock.defer(cb); } });
  readonly sent: InputMessage[] = [];
  readonly said: [string, ...unknown[]][] = [];
  wakes = 0;
  journal: Journal;
  input: ReliableInput;

  constructor(readonly dir = tempDir('wis2-inbox-'), readonly over: Partial<ReliableInputSettings> = {}) {
    this.journal = Journal.open({ dir });
    this.input = this.make();
  }

  make(): ReliableInput {
    const record = (name: string) => (...args: unknown[]): void => { this.said.push([name, ...args]); };
    const events: InputEvents = {
      send: (msg) => {
        this.sent.push(msg);
        // the runtime's hook, as the message leaves on a wire
        const key = msg[ACK_PROPERTY];
        if (key !== undefined) this.registry.delivering(key, msg, undefined);
      },
      counted: record('counted'),
      changed: record('changed'),
      journalError: record('journalError'),
      subscribed: record('subscribed'),
      subscribeFailed: record('subscribeFailed'),
      replaying: record('replaying'),
      overdue: record('overdue'),
    };
    const settings: ReliableInputSettings = { accepts: (t) => t.startsWith('origin/a/wis2/'), subscription: '$share/g/origin/a/wis2/#', qos: 1, asText: false, stuckMs: 60_000, prefix: 'in:run1:', ...this.over };
    return new ReliableInput(this.client, this.journal, this.registry, settings, events, () => { this.wakes++; }, this.clock);
  }

  /** a node receives the message and is done with it */
  settle(msg: InputMessage | undefined): void {
    assert.ok(msg);
    const key = msg[ACK_PROPERTY];
    assert.ok(typeof key === 'string');
    this.registry.received(key, msg, { id: 'n1', type: 'debug' }, true);
    this.registry.completed(key);
    this.clock.endTurn();
  }

  /** a restart: the journal and the input again, on the same directory */
  restart(): void {
    this.input.close();
    this.journal = Journal.open({ dir: this.dir });
    this.input = this.make();
  }

  names(name: string): unknown[][] {
    return this.said.filter((s) => s[0] === name).map((s) => s.slice(1));
  }
}

describe('reliable input', () => {
  afterEach(cleanup);

  it('subscribes at every connection and says how it went', () => {
    const h = new Harness();
    assert.equal(h.client.subscriptions.length, 0, 'not connected yet');
    h.client.up();
    h.client.subscriptions[0]?.cb(null);
    h.client.up();
    h.client.subscriptions[1]?.cb(new Error('not authorized'));
    assert.deepEqual(h.client.subscriptions.map((s) => [s.topic, s.qos]), [['$share/g/origin/a/wis2/#', 1], ['$share/g/origin/a/wis2/#', 1]]);
    assert.deepEqual(h.names('subscribed'), [['$share/g/origin/a/wis2/#']]);
    assert.equal(h.names('subscribeFailed').length, 1);
    h.input.close();
  });

  it('journals each message of its topic and sends it with a key, with its MQTT 5 properties', () => {
    const h = new Harness();
    h.client.up();
    h.client.message('origin/a/wis2/x/data', 'one', { properties: { contentType: 'application/json', userProperties: { a: 'b' } } });
    h.client.message('other/topic', 'not ours');
    assert.equal(h.sent.length, 1);
    const msg = h.sent[0];
    assert.equal(msg.topic, 'origin/a/wis2/x/data');
    assert.deepEqual(msg.payload, Buffer.from('one'));
    assert.equal(msg.contentType, 'application/json');
    assert.deepEqual(msg.userProperties, { a: 'b' });
    assert.equal(msg[ACK_PROPERTY], 'in:run1:1');
    assert.deepEqual(h.journal.unacked(), [1]);
    assert.deepEqual(h.names('counted'), [['received']]);
    assert.equal(h.input.unfinished, 1);
    h.input.close();
  });

  it('acknowledges a message in its journal only once the flow has settled it, a burst in one write', () => {
    const h = new Harness();
    h.client.message('origin/a/wis2/x', 'one');
    h.client.message('origin/a/wis2/x', 'two');
    h.clock.endTurn();
    assert.deepEqual(h.journal.unacked(), [1, 2], 'held by the flow');
    h.settle(h.sent[1]);
    assert.deepEqual(h.journal.unacked(), [1]);
    assert.equal(h.input.unfinished, 1);
    assert.equal(h.wakes, 1);
    h.settle(h.sent[0]);
    assert.deepEqual(h.journal.unacked(), []);
    assert.deepEqual(h.registry.pending(), []);
    h.input.close();
  });

  it('still sends, without a key, what a full journal cannot take, and says so', () => {
    const h = new Harness();
    h.input.close();
    h.journal = Journal.open({ dir: tempDir('wis2-inbox-'), maxBytes: 64 });
    h.input = h.make();
    h.client.message('origin/a/wis2/x', 'x'.repeat(200));
    assert.equal(h.sent.length, 1);
    assert.equal(h.sent[0]?.[ACK_PROPERTY], undefined);
    assert.equal(h.names('journalError').length, 1);
    assert.deepEqual(h.names('counted'), [['received']]);
    h.input.close();
  });

  it('sends as text when asked', () => {
    const h = new Harness(undefined, { asText: true });
    h.client.message('origin/a/wis2/x', 'één');
    assert.equal(h.sent[0]?.payload, 'één');
    h.input.close();
  });

  it('is full at its limit of unfinished messages, and says so when that changes', () => {
    const h = new Harness(undefined, { maxOpen: 2 });
    h.client.message('origin/a/wis2/x', 'one');
    assert.equal(h.input.full, false);
    h.client.message('origin/a/wis2/x', 'two');
    assert.equal(h.input.full, true);
    assert.equal(h.names('changed').length, 1);
    h.settle(h.sent[0]);
    assert.equal(h.input.full, false);
    assert.equal(h.names('changed').length, 2);
    assert.equal(h.wakes, 1, 'the broker may read again');
    h.input.close();
  });

  it('reads no further while its read-ahead of payload bytes waits for the flow, and again once a node takes one in', () => {
    const h = new Harness(undefined, { readAheadBytes: 6 });
    h.client.message('origin/a/wis2/x', 'one');
    assert.equal(h.input.busy, false);
    h.client.message('origin/a/wis2/x', 'two');
    assert.equal(h.input.busy, true, 'six bytes wait for the first node');
    assert.equal(h.input.full, false, 'not full: the unfinished limit is far');
    const first = h.sent[0];
    assert.ok(first);
    h.registry.received(String(first[ACK_PROPERTY]), first, { id: 'n1', type: 'function' }, true);
    assert.equal(h.input.busy, false, 'a node has taken one in: three bytes wait');
    assert.equal(h.wakes, 0, 'the broker is woken once the turn is over, not inside the node');
    h.clock.endTurn();
    assert.equal(h.wakes, 1);
    assert.equal(h.input.unfinished, 2, 'taken in is not finished');
    h.client.message('origin/a/wis2/x', 'three');
    assert.equal(h.input.busy, true);
    h.client.message('origin/a/wis2/x', 'nowhere');
    // a message no node ever takes in stops counting when it finishes
    const last = h.sent[3];
    assert.ok(last);
    h.registry.completed(String(last[ACK_PROPERTY]));
    h.clock.endTurn();
    assert.equal(h.input.busy, true, 'eight bytes still wait');
    h.settle(h.sent[1]);
    assert.equal(h.input.busy, false);
    h.input.close();
  });

  it('replays after a restart, in order, what the last run did not finish, and only that', () => {
    const h = new Harness();
    for (const t of ['one', 'two', 'three']) h.client.message('origin/a/wis2/x', t);
    h.settle(h.sent[1]);
    h.restart();
    assert.equal(h.input.unfinished, 0, 'what the closed input held is no longer counted');
    h.sent.length = 0;
    h.clock.runSoon();
    assert.deepEqual(h.sent.map((m) => String(m.payload)), ['one', 'three']);
    assert.deepEqual(h.names('replaying'), [[2]]);
    assert.deepEqual(h.names('counted').slice(-2), [['replayed'], ['replayed']]);
    for (const m of [...h.sent]) h.settle(m);
    assert.deepEqual(h.journal.unacked(), []);
    h.restart();
    h.sent.length = 0;
    h.clock.runSoon();
    assert.deepEqual(h.sent, [], 'nothing twice');
    h.input.close();
  });

  it('names once the messages a node keeps too long, grouped by that node, with a topic', () => {
    const h = new Harness(undefined, { stuckMs: 1000 });
    h.client.message('origin/a/wis2/x', 'one');
    h.client.message('origin/a/wis2/y', 'two');
    for (const msg of h.sent) {
      const key = msg[ACK_PROPERTY] ?? '';
      h.registry.received(key, msg, { id: 'keeper', type: 'function', name: 'keeps' }, true);
    }
    assert.equal(h.clock.intervals[0]?.ms, 250);
    h.clock.tick(500);
    assert.deepEqual(h.names('overdue'), []);
    h.clock.tick(600);
    const groups = h.names('overdue')[0]?.[0] as OverdueGroup[];
    assert.deepEqual(groups, [{ where: { id: 'keeper', type: 'function', name: 'keeps' }, seqs: [1, 2], ageMs: 1100, topic: 'origin/a/wis2/x' }]);
    assert.equal(h.input.overdue, 2);
    h.clock.tick(1000);
    assert.equal(h.names('overdue').length, 1, 'named once');
    h.registry.completed(h.sent[0]?.[ACK_PROPERTY] ?? '');
    h.clock.endTurn();
    assert.equal(h.input.overdue, 1);
    h.input.close();
  });

  it('forgets its messages when closed, and takes no more', () => {
    const h = new Harness();
    h.client.message('origin/a/wis2/x', 'one');
    h.input.close();
    assert.deepEqual(h.registry.pending(), []);
    assert.equal(h.input.unfinished, 0);
    assert.equal(h.client.listenerCount('message'), 0);
    assert.equal(h.client.listenerCount('connect'), 0);
  });
});
