import assert from 'node:assert/strict';
import path from 'node:path';
import mqtt from 'mqtt';
import { decode } from '../../nodes/lib/reliability/inbox-record';
import { Journal } from '../../nodes/lib/reliability/journal';
import { validateWnm } from '../../nodes/lib/wnm';
import type { Broker } from '../helpers/mosquitto';
import { needMosquitto } from '../helpers/mosquitto';
import { Lab, distinctEvents, produce, sleep, until, type FlowNode, type Observer, type Pipeline } from './harness';

/**
 * Users put their own nodes in the shipped Argo flow. Whatever those nodes do with a message
 * (drop it, keep it, send it elsewhere), the reliable input must see it finished once Node-RED
 * is done with it: the pipeline never stalls, the journal empties, and a restart replays
 * nothing. The real runtime, real Mosquitto, the shipped flow edited as a user would.
 */

const TAB = 'wis2-argo-data';
const INPUT = 'wis2-argo-in';
const CONVERT = 'wis2-argo-convert';
const PUBLISH = 'wis2-argo-publish';

function node(id: string, type: string, props: Record<string, unknown>, wires: string[][] = []): FlowNode {
  return { id, type, z: TAB, name: id, x: 300, y: 400, wires, ...props };
}

function debug(id: string): FlowNode {
  return node(id, 'debug', { active: true, tosidebar: true, console: false, tostatus: false, complete: 'false', targetType: 'msg' });
}

function fn(id: string, func: string, wires: string[][]): FlowNode {
  return node(id, 'function', { func, outputs: wires.length, timeout: 0, noerr: 0, initialize: '', finalize: '', libs: [] }, wires);
}

function onlyPass(id: string, wires: string[][], otherwise = false): FlowNode {
  const rules: Record<string, unknown>[] = [{ t: 'cont', v: 'PASS', vt: 'str' }];
  if (otherwise) rules.push({ t: 'else' });
  return node(id, 'switch', { property: 'payload', propertyType: 'msg', rules, checkall: 'false', repair: false, outputs: rules.length }, wires);
}

/** The input's output goes to `first` instead of the converter; `extra` nodes are added. */
function insert(first: string[], extra: FlowNode[], change?: (n: FlowNode) => void): (nodes: FlowNode[]) => FlowNode[] {
  return (nodes) => {
    for (const n of nodes) {
      if (n.id === INPUT) n.wires = [first];
      change?.(n);
    }
    return [...nodes, ...extra];
  };
}

/** Events whose id says PASS every `every`th one (the rest are for the user's nodes to drop). */
function markedEvents(count: number, every: number, mark = 'PASS'): Buffer[] {
  return distinctEvents(count).map((b, i) => {
    if (i % every !== every - 1) return b;
    const e = JSON.parse(b.toString('utf8')) as { id: string };
    e.id = `${mark}-${e.id}`;
    return Buffer.from(JSON.stringify(e));
  });
}

function mark(b: Buffer, m = 'PASS'): Buffer {
  const e = JSON.parse(b.toString('utf8')) as { id: string };
  e.id = `${m}-${e.id}`;
  return Buffer.from(JSON.stringify(e));
}

/** The journal of the Argo input, read while the runtime is down: entries not finished. */
function unfinished(p: Pipeline): Buffer[] {
  const journal = Journal.open({ dir: path.join(p.userDir, 'wis2', 'inbox', INPUT) });
  try {
    return journal.unacked().map((seq) => decode(journal.read(seq)).payload);
  } finally {
    journal.close();
  }
}

/** The file an event (or a batch of one) announces: its notification carries this href. */
function hrefOf(event: Buffer): string {
  const parsed = JSON.parse(event.toString('utf8')) as unknown;
  const e = (Array.isArray(parsed) ? parsed[0] : parsed) as { data: { assets: Record<string, { href: string }> } };
  const [asset] = Object.values(e.data.assets);
  assert.ok(asset);
  return asset.href;
}

interface Outcome {
  announced: number;
  finalMs: number;
}

/**
 * Sends `events`, then `last`, which must be announced within 5 s; then stops the runtime,
 * checks that its journal is empty, starts it again and checks that nothing is replayed.
 */
async function throughUserNodes(b: Broker, p: Pipeline, o: Observer, events: Buffer[], last: Buffer, beforeLast?: () => Promise<void>): Promise<Outcome> {
  await produce(b.url, events, 0);
  await beforeLast?.();
  const href = hrefOf(last);
  const sent = Date.now();
  await produce(b.url, [last], 0);
  const finalEvent = (): boolean => o.notifications.some((n) => n.payload.includes(href));
  await until(finalEvent, 5_000, () => `the last event was not announced within 5 s (${o.notifications.length} notifications)\n${p.runtime.output().slice(-3000)}`);
  const finalMs = Date.now() - sent;
  await sleep(1500);
  await p.stop();
  assert.deepEqual(unfinished(p).length, 0, 'nothing is left in the journal to replay');
  const announced = o.notifications.length;
  const letters = o.deadLetters.length;
  await p.restart();
  await until(() => p.runtime.output().includes('subscribed to diffusion/files/coriolis/argo/#'), 30_000, () => p.runtime.output());
  await sleep(1500);
  assert.doesNotMatch(p.runtime.output(), /replaying \d+ unfinished/, 'a restart replays nothing');
  assert.equal(o.notifications.length, announced, 'nothing is announced after the restart');
  assert.equal(o.deadLetters.length, letters);
  return { announced, finalMs };
}

function assertValidOnce(o: Observer): void {
  assert.deepEqual(o.dataIdsAnnouncedTwice(), []);
  for (const n of o.notifications) assert.equal(validateWnm(n.payload)['ets-report'].summary.FAILED, 0, n.id);
}

function announcedIds(o: Observer): Set<string> {
  return new Set(o.notifications.map((n) => (JSON.parse(n.payload.toString('utf8')) as { properties: { data_id: string } }).properties.data_id));
}

describe('reliability: users\' nodes in the flow never stall it', function () {
  this.timeout(180_000);
  const lab = new Lab();

  before(function () {
    needMosquitto(this);
  });

  afterEach(() => lab.cleanup());

  async function run(what: string, edit: (nodes: FlowNode[]) => FlowNode[], events: Buffer[], last: Buffer, expect: (o: Observer) => void, beforeLast?: (o: Observer) => Promise<void>): Promise<void> {
    const b = await lab.broker();
    const p = await lab.pipeline(b, b, {}, edit);
    const o = await lab.observe(b);
    const r = await throughUserNodes(b, p, o, events, last, beforeLast && (() => beforeLast(o)));
    console.log(`      ${what}: ${events.length} events, ${r.announced} announced, ${o.deadLetters.length} dead letters, last one announced in ${r.finalMs} ms, journal empty, nothing replayed`);
    expect(o);
    assertValidOnce(o);
  }

  const passing = (events: Buffer[]): number => events.filter((e) => e.includes('"PASS-')).length;

  it('a switch that drops most events', async () => {
    const events = markedEvents(2500, 100);
    const last = mark(distinctEvents(2501)[2500] ?? Buffer.alloc(0));
    await run('switch', insert(['u-switch'], [onlyPass('u-switch', [[CONVERT]])]), events, last, (o) => {
      assert.equal(o.notifications.length, passing(events) + 1);
    });
  });

  it('a function that returns nothing for most events', async () => {
    const events = markedEvents(2500, 100);
    const last = mark(distinctEvents(2501)[2500] ?? Buffer.alloc(0));
    const f = fn('u-function', "if (!msg.payload.toString().includes('PASS')) return;\nreturn msg;", [[CONVERT]]);
    await run('function', insert(['u-function'], [f]), events, last, (o) => {
      assert.equal(o.notifications.length, passing(events) + 1);
    });
  });

  it('a debug branch beside the pipeline, most events duplicates', async () => {
    const distinct = distinctEvents(101);
    const events = Array.from({ length: 2500 }, (_, i) => distinct[i % 100] ?? Buffer.alloc(0));
    const last = distinct[100] ?? Buffer.alloc(0);
    await run('debug branch', insert([CONVERT, 'u-debug'], [debug('u-debug')]), events, last, (o) => {
      assert.equal(o.notifications.length, 101);
    });
  });

  it('a core mqtt out branch that takes most events elsewhere', async () => {
    const b = await lab.broker();
    const port = new URL(b.url).port;
    const events = markedEvents(2500, 100);
    const last = mark(distinctEvents(2501)[2500] ?? Buffer.alloc(0));
    const watcher = await mqtt.connectAsync(b.url, { clientId: `wis2-diverted-${process.pid}` });
    let diverted = 0;
    watcher.on('message', () => diverted++);
    await watcher.subscribeAsync('user/diverted', { qos: 1 });
    try {
      const edit = insert(['u-switch'], [
        onlyPass('u-switch', [[CONVERT], ['u-mqtt-out']], true),
        node('u-mqtt-out', 'mqtt out', { topic: 'user/diverted', qos: '1', retain: 'false', broker: 'u-broker' }),
        { id: 'u-broker', type: 'mqtt-broker', name: 'user broker', broker: '127.0.0.1', port, clientid: '', autoConnect: true, usetls: false, protocolVersion: '4', keepalive: '60', cleansession: true },
      ]);
      const p = await lab.pipeline(b, b, {}, edit);
      const o = await lab.observe(b);
      const r = await throughUserNodes(b, p, o, events, last);
      await until(() => diverted >= 2500 - passing(events), 10_000, () => `${diverted} diverted`);
      console.log(`      mqtt out branch: ${events.length} events, ${r.announced} announced, ${diverted} diverted, last one announced in ${r.finalMs} ms, journal empty, nothing replayed`);
      assert.equal(o.notifications.length, passing(events) + 1);
      assert.equal(diverted, 2500 - passing(events));
      assertValidOnce(o);
    } finally {
      await watcher.endAsync();
    }
  });

  it('a delay that drops in rate-limit mode', async () => {
    const events = distinctEvents(2501);
    const last = events.pop() ?? Buffer.alloc(0);
    const delay = node('u-delay', 'delay', {
      pauseType: 'rate', timeout: '5', timeoutUnits: 'seconds', rate: '1', nbRateUnits: '1', rateUnits: 'second',
      randomFirst: '1', randomLast: '5', randomUnits: 'seconds', drop: true, allowrate: false, outputs: 1,
    }, [[CONVERT]]);
    // the last event comes once the burst has gone through and the rate allows one again
    const quiet = async (o: Observer): Promise<void> => {
      let seen = -1;
      while (seen !== o.notifications.length) {
        seen = o.notifications.length;
        await sleep(2000);
      }
    };
    await run('delay (rate limit, drop)', insert(['u-delay'], [delay]), events, last, (o) => {
      assert.ok(o.notifications.length >= 2 && o.notifications.length < 20, `${o.notifications.length} announced`);
    }, quiet);
  });

  it('split, the pipeline, then join', async () => {
    const distinct = distinctEvents(101);
    // 500 messages of 5 events each; all but 100 events are duplicates
    const batches: Buffer[] = [];
    for (let m = 0; m < 500; m++) {
      const batch = Array.from({ length: 5 }, (_, k) => JSON.parse((distinct[(m * 5 + k) % 100] ?? Buffer.alloc(0)).toString('utf8')) as unknown);
      batches.push(Buffer.from(JSON.stringify(batch)));
    }
    const last = Buffer.from(JSON.stringify([JSON.parse((distinct[100] ?? Buffer.alloc(0)).toString('utf8')) as unknown]));
    const edit = insert(['u-json'], [
      node('u-json', 'json', { property: 'payload', action: 'obj', pretty: false }, [['u-split']]),
      node('u-split', 'split', { splt: '\\n', spltType: 'str', arraySplt: 1, arraySpltType: 'len', stream: false, addname: '' }, [[CONVERT]]),
      node('u-join', 'join', { mode: 'auto', build: 'array', property: 'payload', propertyType: 'msg', key: 'topic', joiner: '\\n', joinerType: 'str', accumulate: false, timeout: '', count: '', reduceRight: false }, [['u-debug']]),
      debug('u-debug'),
    ], (n) => {
      if (n.id === PUBLISH) n.wires = [['u-join'], ...((n.wires as string[][]).slice(1))];
    });
    await run('split → pipeline → join', edit, batches, last, (o) => {
      assert.equal(o.notifications.length, 101);
    });
  });

  it('a Catch that swallows the errors of a user\'s function', async () => {
    const events = markedEvents(2500, 100);
    const last = mark(distinctEvents(2501)[2500] ?? Buffer.alloc(0));
    const edit = insert(['u-function'], [
      fn('u-function', "if (!msg.payload.toString().includes('PASS')) throw new Error('not for WIS2');\nreturn msg;", [[CONVERT]]),
      node('u-catch', 'catch', { scope: ['u-function'], uncaught: false }, [['u-debug']]),
      debug('u-debug'),
    ]);
    await run('Catch', edit, events, last, (o) => {
      assert.equal(o.notifications.length, passing(events) + 1);
      assert.equal(o.deadLetters.length, 0, 'the user\'s Catch keeps its errors');
    });
  });

  it('a link out / link in detour', async () => {
    const events = markedEvents(2500, 100);
    const last = mark(distinctEvents(2501)[2500] ?? Buffer.alloc(0));
    const edit = insert(['u-link-out'], [
      node('u-link-out', 'link out', { mode: 'link', links: ['u-link-in'] }),
      node('u-link-in', 'link in', { links: ['u-link-out'] }, [['u-switch']]),
      onlyPass('u-switch', [[CONVERT]]),
    ]);
    await run('link detour', edit, events, last, (o) => {
      assert.equal(o.notifications.length, passing(events) + 1);
    });
  });

  it('a crash while a delay holds some events: exactly those are replayed, everything else is announced once', async () => {
    const b = await lab.broker();
    const held = distinctEvents(305).slice(300).map((e) => mark(e, 'HOLD'));
    const others = distinctEvents(300);
    const edit = insert(['u-switch'], [
      node('u-switch', 'switch', { property: 'payload', propertyType: 'msg', rules: [{ t: 'cont', v: 'HOLD', vt: 'str' }, { t: 'else' }], checkall: 'false', repair: false, outputs: 2 }, [['u-delay'], [CONVERT]]),
      node('u-delay', 'delay', { pauseType: 'delay', timeout: '15', timeoutUnits: 'seconds', rate: '1', nbRateUnits: '1', rateUnits: 'second', randomFirst: '1', randomLast: '5', randomUnits: 'seconds', drop: false, allowrate: false, outputs: 1 }, [[CONVERT]]),
    ]);
    const p = await lab.pipeline(b, b, {}, edit);
    const o = await lab.observe(b);
    await produce(b.url, held, 0);
    await produce(b.url, others, 0);
    await until(() => o.distinctIds() >= 300, 12_000, () => `${o.distinctIds()} of 300 before the delay ends`);
    await p.kill();
    const left = unfinished(p);
    assert.equal(left.length, held.length, 'the journal holds exactly the events the delay kept');
    for (const e of left) assert.ok(e.includes('"HOLD-'), 'only held events are unfinished');
    assert.equal(o.distinctIds(), 300, 'none of the held events was announced');
    await p.restart();
    await until(() => o.distinctIds() >= 305, 40_000, () => `${o.distinctIds()} of 305 after the restart\n${p.runtime.output().slice(-3000)}`);
    await sleep(2000);
    assert.match(p.runtime.output(), /replaying 5 unfinished message\(s\)/);
    console.log(`      crash with a delay holding 5 events: ${left.length} replayed, ${o.distinctIds()} distinct notifications (${o.repeatedIds()} exact redeliveries), ${o.dataIdsAnnouncedTwice().length} files announced twice`);
    assert.equal(o.distinctIds(), 305);
    assertValidOnce(o);
    const ids = announcedIds(o);
    assert.equal(ids.size, 305);
  });

  it('a node that never calls done(): reported once after the limit, naming it; the status shows the wait', async () => {
    const b = await lab.broker();
    const edit = insert(['u-keeper'], [
      // mentions node.done(), so the function node leaves done() to the code, which never calls it
      fn('u-keeper', 'if (msg.never === true) { node.done(); }\nreturn null;', [[CONVERT]]),
      node('u-status', 'status', { scope: [INPUT] }, [['u-status-log']]),
      node('u-status-log', 'debug', { active: true, tosidebar: false, console: true, tostatus: false, complete: 'status.text', targetType: 'msg' }),
    ], (n) => {
      if (n.id === INPUT) n.stuck = '2';
    });
    const p = await lab.pipeline(b, b, {}, edit);
    const o = await lab.observe(b);
    await produce(b.url, distinctEvents(1), 0);
    const report = /1 message\(s\) still unfinished after \d+ s, last seen in "u-keeper" \(function u-keeper\)/g;
    await until(() => (p.runtime.output().match(report) ?? []).length > 0, 10_000, () => p.runtime.output().slice(-3000));
    await until(() => p.runtime.output().includes('1 unfinished for over 2 s'), 5_000, () => p.runtime.output().slice(-3000));
    await sleep(3000);
    assert.equal((p.runtime.output().match(report) ?? []).length, 1, 'reported once');
    // 1,100 more: the input stops at 1,000 unfinished and says why
    await produce(b.url, distinctEvents(1101).slice(1), 0);
    await until(() => p.runtime.output().includes('waiting: 1,000 unfinished'), 20_000, () => p.runtime.output().slice(-3000));
    console.log('      never done: reported once after 2 s naming "u-keeper"; status "waiting: 1,000 unfinished"');
    assert.equal(o.notifications.length, 0);
  });
});
