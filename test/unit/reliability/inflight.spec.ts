import assert from 'node:assert/strict';
import { InFlight, type Place } from '../../../nodes/lib/reliability/inflight';

/**
 * The bookkeeping behind "finished": driven here by hand, as the runtime's hooks drive it
 * (delivering = preDeliver, received = onReceive, completed = onComplete).
 */
function lab(quietMs = 1000) {
  let t = 0;
  const queue: (() => void)[] = [];
  const f = new InFlight({
    now: () => t,
    defer: (cb) => {
      queue.push(cb);
    },
    quietMs,
  });
  const finished: string[] = [];
  return {
    f,
    finished,
    open(key: string) {
      f.open(key, () => finished.push(key));
    },
    /** the end of a turn of the event loop */
    turn() {
      for (const cb of queue.splice(0)) cb();
    },
    advance(ms: number) {
      t += ms;
    },
  };
}

const node = (id: string, type = 'function'): Place => ({ id, type });

/** Two copies of 'k' are held: the first done() leaves it open, the second finishes it. */
function finishesAtTheSecondDone(l: ReturnType<typeof lab>): void {
  l.f.completed('k');
  l.turn();
  assert.deepEqual(l.finished, []);
  l.f.completed('k');
  l.turn();
  assert.deepEqual(l.finished, ['k']);
}

describe('in flight: when the flow is done with a received message', () => {
  it('finishes once every copy has ended, fan-out included', () => {
    const l = lab();
    l.open('k');
    const m = {};
    l.f.delivering('k', m, 'in');
    l.turn();
    assert.deepEqual(l.finished, [], 'a copy is on its way');
    l.f.received('k', m, node('a'), true);
    const c1 = {};
    const c2 = {};
    l.f.delivering('k', c1, 'a');
    l.f.delivering('k', c2, 'a');
    l.f.completed('k');
    l.turn();
    assert.deepEqual(l.finished, [], 'a passed on two copies');
    l.f.received('k', c1, node('b'), true);
    l.f.received('k', c2, node('c'), true);
    finishesAtTheSecondDone(l);
    l.f.completed('k');
    l.turn();
    assert.deepEqual(l.finished, ['k'], 'a late done is ignored');
  });

  it('finishes at the end of the turn a message is sent nowhere, and ignores keys it does not follow', () => {
    const l = lab();
    l.open('k');
    assert.deepEqual(l.finished, []);
    l.turn();
    assert.deepEqual(l.finished, ['k']);
    l.f.completed('unknown');
    l.f.delivering('unknown', {}, 'x');
    l.f.received('unknown', {}, node('x'), false);
    l.turn();
    assert.equal(l.f.size, 0);
  });

  it('says once when a node first takes in a copy, or just before the finish when none did', () => {
    const l = lab();
    const said: string[] = [];
    l.f.open('k', () => said.push('k finished'), () => said.push('k taken'));
    l.f.open('nowhere', () => said.push('nowhere finished'), () => said.push('nowhere taken'));
    const m = {};
    l.f.delivering('k', m, 'in');
    assert.deepEqual(said, [], 'on its way is not taken in');
    l.f.received('k', m, node('a'), true);
    assert.deepEqual(said, ['k taken']);
    const copy = {};
    l.f.delivering('k', copy, 'a');
    l.f.received('k', copy, node('b'), true);
    l.f.completed('k');
    l.f.completed('k');
    l.turn();
    assert.deepEqual(said, ['k taken', 'k finished', 'nowhere taken', 'nowhere finished']);
  });

  it('waits for the turn to end: done() before the next node has the copy, a Catch after an error', () => {
    const l = lab();
    l.open('k');
    const m = {};
    l.f.delivering('k', m, 'in');
    l.f.received('k', m, node('fn'), true);
    // the function fails: done(err) first, then the runtime hands a copy to the Catch node
    l.f.completed('k');
    l.f.received('k', { ...m }, node('catch', 'catch'), true);
    l.turn();
    assert.deepEqual(l.finished, [], 'the Catch branch holds it');
    l.f.completed('k');
    l.turn();
    assert.deepEqual(l.finished, ['k']);
  });

  it('counts a copy handed over without a wire (link nodes) as one more copy', () => {
    const l = lab();
    l.open('k');
    const m = {};
    l.f.delivering('k', m, 'in');
    l.f.received('k', m, node('lo', 'link out'), true);
    l.f.received('k', m, node('li', 'link in'), true);
    finishesAtTheSecondDone(l);
  });

  it('the same object sent twice is two copies', () => {
    const l = lab();
    l.open('k');
    const m = {};
    l.f.delivering('k', m, 'in');
    l.f.delivering('k', m, 'in');
    l.f.received('k', m, node('a'), true);
    l.f.received('k', m, node('a'), true);
    finishesAtTheSecondDone(l);
  });

  describe('nodes that never call done()', () => {
    it('one that sends a message on is done with it and with the earlier ones it held', () => {
      const l = lab();
      const msgs = ['a', 'b', 'c'].map((k) => {
        l.open(k);
        const m = {};
        l.f.delivering(k, m, 'in');
        l.f.received(k, m, node('sw', 'switch'), false);
        return m;
      });
      l.turn();
      assert.deepEqual(l.finished, [], 'the switch holds all three');
      // it drops a and b (nothing to see), then passes c on
      l.f.delivering('c', msgs[2] ?? {}, 'sw');
      l.turn();
      assert.deepEqual(l.finished, ['a', 'b']);
      l.f.received('c', msgs[2] ?? {}, node('pub', 'wis2-publish'), true);
      l.f.completed('c');
      l.turn();
      assert.deepEqual(l.finished, ['a', 'b', 'c']);
    });

    it('what one still holds after it kept quiet for quietMs counts as dropped', () => {
      const l = lab(1000);
      l.open('k');
      const m = {};
      l.f.delivering('k', m, 'in');
      l.f.received('k', m, node('rbe', 'rbe'), false);
      l.advance(999);
      l.f.sweep();
      l.turn();
      assert.deepEqual(l.finished, []);
      l.advance(1);
      l.f.sweep();
      l.turn();
      assert.deepEqual(l.finished, ['k']);
    });

    it('a new object carrying the key stands for the copy it was made from', () => {
      const l = lab();
      l.open('k');
      const m = {};
      l.f.delivering('k', m, 'in');
      l.f.received('k', m, node('legacy', 'my-node'), false);
      l.f.delivering('k', {}, 'legacy');
      l.turn();
      assert.deepEqual(l.finished, []);
      l.f.completed('k');
      l.turn();
      assert.deepEqual(l.finished, ['k']);
    });
  });

  it('reports a message unfinished for too long once, with the node it was last seen in', () => {
    const l = lab();
    l.open('in1:7');
    l.open('in2:1');
    const m = {};
    l.f.delivering('in1:7', m, 'in1');
    l.f.received('in1:7', m, { id: 'hold', type: 'function', name: 'keeps it' }, true);
    l.f.delivering('in2:1', {}, 'in2');
    l.advance(599_999);
    assert.deepEqual(l.f.overdue('in1:', 600_000), []);
    l.advance(1);
    assert.deepEqual(l.f.overdue('in1:', 600_000), [{ key: 'in1:7', ageMs: 600_000, where: { id: 'hold', type: 'function', name: 'keeps it' } }]);
    assert.deepEqual(l.f.overdue('in1:', 600_000), [], 'once');
    assert.equal(l.f.overdue('in2:', 600_000).length, 1, 'the other input has its own');
  });

  it('forgets the messages of an input that stops', () => {
    const l = lab();
    l.open('a:1');
    l.open('b:1');
    l.f.delivering('a:1', {}, 'a');
    l.f.delivering('b:1', {}, 'b');
    l.f.forget('a:');
    l.f.completed('a:1');
    l.f.completed('b:1');
    l.turn();
    assert.deepEqual(l.finished, ['b:1']);
  });
});
