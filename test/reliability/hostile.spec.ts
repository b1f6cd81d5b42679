import assert from 'node:assert/strict';
import http from 'node:http';
import mqtt, { type MqttClient } from 'mqtt';
import type { DeadLetter } from '../../nodes/lib/publish/dead-letter';
import { validateWnm } from '../../nodes/lib/wnm';
import { needMosquitto } from '../helpers/mosquitto';
import { CATEGORIES, POLLUTION, hostileCorpus, sha256, type HostileCase } from './corpus';
import { DEAD_LETTERS, Lab, SOURCE_TOPIC, distinctEvents, produce, sleep, until, type Observer, type Pipeline } from './harness';

/**
 * The hostile corpus (./corpus.ts) through the shipped Argo flow in the real runtime, between
 * one Mosquitto broker and an observer: every case must come out on the dead-letter topic,
 * once, with its reason and its original bytes; nothing but the valid controls sent between
 * the cases may be published; the runtime must survive and its Object.prototype stay as it was.
 */

const DATASET_TOPIC = 'origin/a/wis2/fr-ifremer-argo/data/core/ocean/surface-based-observations/drifting-ocean-profilers';
/** a plain valid event after every this many cases */
const CONTROL_EVERY = 16;
const PROBE_PATH = '/hostile-corpus-probe';

interface Control {
  name: string;
  payload: Buffer;
  hrefs: string[];
  /** the Item's own datetime, when it has one (no start/end range) */
  datetime: string | null;
}

interface Sent {
  case?: HostileCase;
  control?: Control;
}

interface Letter {
  record: DeadLetter;
  original: Buffer;
}

interface ProbeAnswer {
  /** the prototype inspected is not the Function node sandbox's own */
  mainRealm: boolean;
  object: string[];
  array: string[];
  polluted: string | null;
}

function control(name: string, payload: Buffer): Control {
  const ev = JSON.parse(payload.toString('utf8')) as { data: { properties: { datetime?: unknown }; assets: Record<string, { href: string }> } };
  const datetime = ev.data.properties.datetime;
  return { name, payload, hrefs: Object.values(ev.data.assets).map((a) => a.href), datetime: typeof datetime === 'string' ? datetime : null };
}

function originalOf(record: DeadLetter): Buffer {
  const { encoding, value } = record.payload;
  if (encoding === 'utf-8') return Buffer.from(value ?? '', 'utf8');
  if (encoding === 'base64') return Buffer.from(value ?? '', 'base64');
  if (encoding === 'json') return Buffer.from(value ?? '', 'utf8');
  return Buffer.alloc(0);
}

function request(method: 'GET' | 'POST', url: string, body?: unknown): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = http.request(url, { method, headers: data ? { 'content-type': 'application/json', 'content-length': data.length } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`${method} ${url} timed out`)));
    req.end(data);
  });
}

/**
 * A probe in the runtime itself: an HTTP endpoint whose Function node reports the own
 * properties of the runtime's Object.prototype and Array.prototype. Function nodes run in a
 * vm context with prototypes of their own, so it reads those of objects the runtime made (the
 * message and the request's raw header array), not its sandbox's.
 */
async function installProbe(runtimeUrl: string): Promise<void> {
  const func = [
    'const P = Object.getPrototypeOf(msg);',
    'const A = Object.getPrototypeOf(msg.req.rawHeaders);',
    'msg.payload = JSON.stringify({',
    '  mainRealm: P !== Object.prototype && A !== Array.prototype,',
    '  object: Object.getOwnPropertyNames(P).sort(),',
    '  array: Object.getOwnPropertyNames(A).sort(),',
    "  polluted: P.polluted === undefined && P.start_datetime === undefined ? null : String(P.polluted) + ' ' + String(P.start_datetime),",
    '});',
    "msg.headers = { 'content-type': 'application/json' };",
    'return msg;',
  ].join('\n');
  const flow = {
    label: 'hostile corpus probe',
    nodes: [
      { id: 'hostile-probe-in', type: 'http in', url: PROBE_PATH, method: 'get', upload: false, wires: [['hostile-probe-fn']] },
      { id: 'hostile-probe-fn', type: 'function', func, outputs: 1, noerr: 0, wires: [['hostile-probe-out']] },
      { id: 'hostile-probe-out', type: 'http response', statusCode: '', headers: {}, wires: [] },
    ],
    configs: [],
  };
  const res = await request('POST', new URL('flow', runtimeUrl).href, flow);
  assert.equal(res.status, 200, `adding the probe flow: ${res.status} ${res.text}`);
}

async function probe(runtimeUrl: string): Promise<ProbeAnswer> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const res = await request('GET', new URL(PROBE_PATH.slice(1), runtimeUrl).href).catch(() => ({ status: 0, text: '' }));
    if (res.status === 200) return JSON.parse(res.text) as ProbeAnswer;
    if (Date.now() > deadline) throw new Error(`the probe answers ${res.status}: ${res.text}`);
    await sleep(200);
  }
}

describe('reliability: nobody let in', function () {
  this.timeout(600_000);
  const lab = new Lab();
  let pipeline: Pipeline | undefined;
  let observer: Observer | undefined;
  let watcher: MqttClient | undefined;
  const topics = new Set<string>();

  const cases: HostileCase[] = [];
  const controls: Control[] = [];
  const byHash = new Map<string, HostileCase>();
  const letters = new Map<HostileCase, Letter[]>();
  const strayLetters: Letter[] = [];
  let prototypeBefore: string[] = [];
  let probeBefore: ProbeAnswer | undefined;
  let probeAfter: ProbeAnswer | undefined;
  let seconds = 0;

  before(async function () {
    needMosquitto(this);
    prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort();

    // --- the stream: controls, then the corpus with a control after every few cases ---------
    const bases = distinctEvents(200);
    const reserved = 12;
    let nextControl = 0;
    const plain = (): Control => {
      const b = bases.at(nextControl++);
      if (b === undefined || nextControl >= reserved) throw new Error('not enough control events reserved');
      return control(`plain control ${nextControl}`, b);
    };
    const corpus = hostileCorpus(bases.slice(reserved));
    cases.push(...corpus.cases);
    const stream: Sent[] = [{ control: plain() }];
    corpus.cases.forEach((c, i) => {
      stream.push({ case: c });
      for (const r of corpus.retries.filter((x) => x.after === c.name)) stream.push({ control: control(r.name, r.payload) });
      if ((i + 1) % CONTROL_EVERY === 0) stream.push({ control: plain() });
      if (i === Math.floor(corpus.cases.length / 2)) {
        // MQTT wildcards in free-text identifiers are not faults: neither the CloudEvents id
        // nor the Item id reaches a topic or the notification, so this one is announced
        const b = bases[reserved - 1];
        assert.ok(b);
        const ev = JSON.parse(b.toString('utf8')) as { id: string; data: { id: string } };
        ev.id += '/+/#';
        ev.data.id += '/+/#';
        stream.push({ control: control('a valid event with + and # in its CloudEvents id and Item id', Buffer.from(JSON.stringify(ev))) });
      }
    });
    stream.push({ control: plain() });
    for (const s of stream) if (s.control) controls.push(s.control);
    for (const c of cases) {
      const h = sha256(c.payload);
      assert.ok(!byHash.has(h), `two cases send the same bytes: ${c.name}`);
      byHash.set(h, c);
      letters.set(c, []);
    }

    // --- the running flow, its broker, the observers ------------------------------------------
    const b = await lab.broker();
    const p = await lab.pipeline(b, b);
    pipeline = p;
    await installProbe(p.runtime.url);
    probeBefore = await probe(p.runtime.url);
    const o = await lab.observe(b);
    observer = o;
    // everything published anywhere, to see a notification sent to an unexpected topic
    watcher = await mqtt.connectAsync(b.url, { clientId: `wis2-hostile-watcher-${process.pid}`, clean: true });
    watcher.on('message', (topic) => topics.add(topic));
    await watcher.subscribeAsync('#', { qos: 0 });

    const started = Date.now();
    await produce(b.url, stream.map((s) => s.case?.payload ?? s.control?.payload ?? Buffer.alloc(0)), 0);
    await until(
      () => o.deadLetters.length >= cases.length,
      240_000,
      () => `${o.deadLetters.length} dead letters of ${cases.length} cases, ${o.notifications.length} notifications\n${p.runtime.output().slice(-3000)}`,
    ).catch((err: unknown) => {
      // the assertions below say which cases are missing
      console.log(`      ${err instanceof Error ? err.message.split('\n')[0] ?? '' : String(err)}`);
    });
    await until(() => o.notifications.length >= controls.length, 10_000, () => '').catch(() => undefined);
    // whatever else was going to arrive (an extra notification, a second dead letter)
    await sleep(3000);
    seconds = (Date.now() - started) / 1000;
    probeAfter = await probe(p.runtime.url).catch(() => undefined);

    for (const { payload } of o.deadLetters) {
      const record = JSON.parse(payload.toString('utf8')) as DeadLetter;
      const letter: Letter = { record, original: originalOf(record) };
      const c = byHash.get(sha256(letter.original));
      if (c) letters.get(c)?.push(letter);
      else strayLetters.push(letter);
    }

    const byCategory = CATEGORIES.map((cat) => `${cat} ${cases.filter((c) => c.category === cat).length}`).join(', ');
    const codes = new Map<string, number>();
    for (const { code } of o.deadLetters) codes.set(code, (codes.get(code) ?? 0) + 1);
    const byCode = [...codes].sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0])).map(([c, n]) => `${c} ${n}`).join(', ');
    const alive = p.runtime.child.exitCode === null && p.runtime.child.signalCode === null;
    console.log(
      `      hostile corpus: ${cases.length} cases (${byCategory}); ${o.deadLetters.length} dead letters (${byCode}); ` +
        `${o.notifications.length} notifications for ${controls.length} controls; ${alive ? 0 : 1} crashes; ${seconds.toFixed(1)} s`,
    );
  });

  after(async () => {
    await watcher?.endAsync(true);
    await lab.cleanup();
  });

  it('the corpus covers every category with at least 50 cases', () => {
    assert.ok(cases.length >= 50, `${cases.length} cases`);
    for (const cat of CATEGORIES) assert.ok(cases.some((c) => c.category === cat), cat);
  });

  it('puts every case on the dead-letter topic once, with its reason code and its original bytes', () => {
    const problems: string[] = [];
    for (const c of cases) {
      const got = letters.get(c) ?? [];
      if (got.length !== 1) {
        problems.push(`[${c.category}] ${c.name}: ${got.length} dead letters`);
        continue;
      }
      const { record } = got[0];
      if (record.reason.code !== c.code) problems.push(`[${c.category}] ${c.name}: reason ${record.reason.code} (${record.reason.message}), expected ${c.code}`);
      if (typeof record.reason.message !== 'string' || record.reason.message === '') problems.push(`[${c.category}] ${c.name}: no reason message`);
      if (record.topic !== SOURCE_TOPIC) problems.push(`[${c.category}] ${c.name}: recorded topic ${String(record.topic)}`);
      if (Number.isNaN(Date.parse(record.time))) problems.push(`[${c.category}] ${c.name}: record time ${record.time}`);
    }
    // a dead letter matching no case: a control refused, or a payload not kept byte for byte
    for (const { record, original } of strayLetters) {
      problems.push(`a dead letter of no case: ${record.reason.code} (${record.reason.message}), payload ${record.payload.encoding} ${original.toString('utf8', 0, 200)}`);
    }
    assert.deepEqual(problems, []);
  });

  it('publishes nothing but the controls, each a valid notification on the dataset topic', () => {
    const o = observer!;
    const controlHrefs = new Set(controls.flatMap((c) => c.hrefs));
    const problems: string[] = [];
    for (const n of o.notifications) {
      const wnm = JSON.parse(n.payload.toString('utf8')) as { links: { href: string }[] };
      const href = wnm.links[0]?.href ?? '';
      if (!controlHrefs.has(href)) problems.push(`published for no control: ${href} (data_id ${n.dataId}) on ${n.topic}`);
      if (n.topic !== DATASET_TOPIC) problems.push(`${href} published on ${n.topic}`);
      const failed = validateWnm(n.payload)['ets-report'].summary.FAILED;
      if (failed !== 0) problems.push(`${href}: ${failed} FAILED tests`);
    }
    assert.equal(o.repeatedIds(), 0, 'a notification published twice');
    // no notification anywhere else either (the metadata flow announces its record on its own topic)
    const allowed = (t: string): boolean => t === SOURCE_TOPIC || t === DEAD_LETTERS || t === DATASET_TOPIC || t.startsWith('origin/a/wis2/fr-ifremer-argo/metadata');
    for (const t of topics) if (!allowed(t)) problems.push(`something was published on ${t}`);
    assert.deepEqual(problems, []);
  });

  it('survives every case: the runtime is alive and logged no uncaught exception', () => {
    const p = pipeline!;
    const output = p.runtime.output();
    assert.equal(p.runtime.child.exitCode, null, output.slice(-3000));
    assert.equal(p.runtime.child.signalCode, null, output.slice(-3000));
    assert.doesNotMatch(output, /uncaught|unhandled|FATAL ERROR|Maximum call stack|out of memory/i);
    // a refusal is a dead letter, never an error thrown by a node of the pipeline
    const errors = output.split('\n').filter((l) => /\[error\]/.test(l));
    assert.deepEqual(errors, []);
  });

  it('leaves Object.prototype untouched, in this process and in the runtime', () => {
    assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), prototypeBefore);
    assert.equal((Object.create(null) as Record<string, unknown>).polluted, undefined);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);

    assert.ok(probeBefore, 'the probe answered before the corpus');
    assert.ok(probeAfter, 'the probe answered after the corpus');
    assert.equal(probeAfter.mainRealm, true, 'the probe reads the runtime prototypes, not its sandbox');
    assert.ok(probeAfter.object.includes('hasOwnProperty') && probeAfter.array.includes('push'));
    assert.deepEqual(probeAfter.object, probeBefore.object, 'Object.prototype of the runtime changed');
    assert.deepEqual(probeAfter.array, probeBefore.array, 'Array.prototype of the runtime changed');
    assert.equal(probeAfter.polluted, null);

    // what a polluted prototype would have changed: the controls' notifications
    for (const n of observer!.notifications) {
      const text = n.payload.toString('utf8');
      for (const planted of [POLLUTION.polluted, POLLUTION.start_datetime, POLLUTION.end_datetime, 'isAdmin']) {
        assert.ok(!text.includes(planted), `${planted} in ${text}`);
      }
      const wnm = JSON.parse(text) as { properties: Record<string, unknown>; links: { href: string }[] };
      const c = controls.find((x) => x.hrefs.includes(wnm.links[0]?.href ?? ''));
      if (c?.datetime) {
        // an asset inheriting start_datetime from Object.prototype would announce a range
        assert.equal(wnm.properties.start_datetime, undefined, text);
        assert.equal(typeof wnm.properties.datetime, 'string', text);
      }
    }
  });

  // The retry follows "two files, the second outside the base URL": the first file is valid,
  // and a producer told of its mistake sends the event again without the bad one. Refusing
  // the first event must not make the retry look like a duplicate of an announcement that
  // never happened (the pipeline drops duplicates silently, on a debug output).
  it('a refused event leaves nothing behind: every control is announced, even one sent right after a case refused for one of its files', () => {
    const announced = new Set(observer!.notifications.map((n) => (JSON.parse(n.payload.toString('utf8')) as { links: { href: string }[] }).links[0]?.href));
    const missing = controls.filter((c) => !c.hrefs.every((h) => announced.has(h))).map((c) => `${c.name} (${c.hrefs.join(', ')})`);
    assert.deepEqual(missing, [], 'controls not announced (a dropped valid event)');
  });
});
