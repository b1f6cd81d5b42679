import assert from 'node:assert/strict';
import type { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { helper, wis2Nodes, onTab, datasetConfig, Recorder, type FlowNode } from '../helpers/nodes';
import { wnmSchemaErrors } from '../helpers/official';
import { readJson, repoRoot } from '../helpers/reference';
import { ARGO, SAMPLE_BUFR as BUFR, SAMPLE_NETCDF as NETCDF } from '../helpers/fixtures';
import { mutate, randomPayloads, runtimeKeptClean, type Case } from '../helpers/hostile';
import { brokenEvents, hostileEvents } from '../helpers/hostile-events';
import { validateWnm } from '../../nodes/lib/wnm';

function flow(dataset: FlowNode, extra: Record<string, unknown> = {}): FlowNode[] {
  return onTab([
    dataset,
    { id: 'conv', type: 'wis2-cloudevent-to-wnm', dataset: dataset.id, wires: [['ok'], ['rej']], ...extra },
    { id: 'ok', type: 'helper' },
    { id: 'rej', type: 'helper' },
  ]);
}

describe('CloudEvent to WNM node', () => {
  before((done) => {
    helper.startServer(done);
  });
  after((done) => {
    helper.stopServer(done);
  });
  afterEach(() => helper.unload());

  async function start(extra: Record<string, unknown> = {}, config = ARGO): Promise<Recorder> {
    await helper.load(wis2Nodes, flow(datasetConfig('ds', config), extra));
    return new Recorder(['ok', 'rej']);
  }

  for (const [form, payload] of [
    ['a Buffer', () => fs.readFileSync(BUFR)],
    ['a string', () => fs.readFileSync(BUFR, 'utf8')],
    ['an object', () => readJson(BUFR)],
  ] as const) {
    it(`turns the BUFR sample given as ${form} into a schema-valid WNM on output 1`, async () => {
      const rec = await start();
      helper.getNode('conv').receive({ payload: payload(), _msgid: 'm1' });
      await rec.wait(1);
      await Recorder.settle();
      assert.equal(rec.from('rej').length, 0);
      const msg = rec.from('ok').at(0);
      assert.ok(msg);
      assert.equal(msg._msgid, 'm1');
      assert.equal(msg.topic, ARGO.topic);
      assert.deepEqual(wnmSchemaErrors(msg.payload), []);
      const wnm = msg.payload as { properties: { integrity: unknown } };
      assert.deepEqual(wnm.properties.integrity, { method: 'sha3-256', value: 'rAspahlM6qJNy1eUxoo1SF/dLUUPom5fcp8EOZ0CgIw=' });
      const info = msg.wis2 as Record<string, unknown>;
      assert.equal(info.operation, 'canonical');
      assert.equal(info.eventId, 'IOPX01_LFVX_091838');
      assert.equal(info.centreId, 'fr-ifremer-argo');
      assert.equal(info.dataId, 'wis2/fr-ifremer-argo/data/core/ocean/surface-based-observations/drifting-ocean-profilers/etc/bufr/202611/IOPX01_LFVX_091838.BU');
    });
  }

  it('reads MQTT 5 binary mode from user properties', async () => {
    const rec = await start();
    const ev = readJson(NETCDF) as Record<string, unknown>;
    const { data, ...attrs } = ev;
    const userProperties = Object.fromEntries(Object.entries(attrs).filter(([k]) => k !== 'datacontenttype'));
    helper.getNode('conv').receive({ payload: Buffer.from(JSON.stringify(data)), contentType: 'application/json', userProperties });
    await rec.wait(1);
    const msg = rec.from('ok').at(0);
    assert.equal((msg?.wis2 as { eventId: string }).eventId, 'ProfileR6903580_147A');
    assert.deepEqual(wnmSchemaErrors(msg?.payload), []);
  });

  it('sends one message per data asset, each with its own _msgid', async () => {
    const rec = await start();
    const ev = readJson(NETCDF) as { data: { assets: Record<string, unknown> } };
    ev.data.assets['R6903580_148.nc'] = {
      href: 'https://data-argo.ifremer.fr/dac/coriolis/6903580/profiles/R6903580_148.nc',
      roles: ['data'],
      'file:size': 100,
    };
    helper.getNode('conv').receive({ payload: ev });
    await rec.wait(2);
    const msgs = rec.from('ok');
    assert.equal(msgs.length, 2);
    assert.notEqual(msgs.at(0)?._msgid, msgs.at(1)?._msgid);
    assert.notEqual((msgs.at(0)?.payload as { id: string }).id, (msgs.at(1)?.payload as { id: string }).id);
  });

  it('rejects a bad event on output 2 with the error and the original payload', async () => {
    const rec = await start();
    const raw = fs.readFileSync(BUFR, 'utf8').replace('"specversion": "1.0"', '"specversion": "1.0.2"');
    helper.getNode('conv').receive({ payload: raw });
    await rec.wait(1);
    await Recorder.settle();
    assert.equal(rec.from('ok').length, 0);
    const msg = rec.from('rej').at(0);
    assert.equal(msg?.payload, raw);
    assert.deepEqual(Object.keys(msg.error as object).sort(), ['code', 'message', 'path', 'stage']);
    assert.equal((msg.error as { code: string }).code, 'ce.unsupported_specversion');
    assert.equal((msg.error as { path: string }).path, '/specversion');
  });

  it('rejects a file outside the Argo layout', async () => {
    const rec = await start();
    const ev = readJson(NETCDF) as { data: { assets: Record<string, { href: string }> } };
    ev.data.assets['R6903580_147.nc'].href = 'https://data-argo.ifremer.fr/dac/coriolis/6903580/profiles/R6903999_147.nc';
    helper.getNode('conv').receive({ payload: ev });
    await rec.wait(1);
    const err = rec.from('rej').at(0)?.error as { code: string; stage: string; path: string };
    assert.equal(err.code, 'href.path_pattern');
    assert.equal(err.stage, 'dataset');
    assert.equal(err.path, '/data/assets/R6903580_147.nc/href');
  });

  it('forces the link relation when configured', async () => {
    const rec = await start({ operation: 'deletion' });
    helper.getNode('conv').receive({ payload: readJson(BUFR) });
    await rec.wait(1);
    assert.equal((rec.from('ok').at(0)?.payload as { links: { rel: string }[] }).links.at(0)?.rel, 'deletion');
  });

  it('rejects event types outside the configured pattern', async () => {
    const rec = await start({ eventTypes: 'org\\.example\\..*' });
    helper.getNode('conv').receive({ payload: readJson(BUFR) });
    await rec.wait(1);
    assert.equal((rec.from('rej').at(0)?.error as { code: string }).code, 'ce.type_not_accepted');
  });

  it('applies the configured size cap before decoding', async () => {
    const rec = await start({ maxBytes: 500 });
    helper.getNode('conv').receive({ payload: fs.readFileSync(BUFR) });
    await rec.wait(1);
    assert.equal((rec.from('rej').at(0)?.error as { code: string }).code, 'intake.too_large');
  });

  it('rejects every message, with the reason, when the dataset is invalid', async () => {
    const rec = await start({}, { ...ARGO, topic: ARGO.topic.replace('data/core', 'core/data') });
    helper.getNode('conv').receive({ payload: readJson(BUFR) });
    await rec.wait(1);
    const err = rec.from('rej').at(0)?.error as { code: string; stage: string; message: string };
    assert.equal(err.code, 'config.topic');
    assert.equal(err.stage, 'config');
    assert.match(err.message, /swapped/);
  });

  it('rejects every message when no dataset is configured', async () => {
    await helper.load(wis2Nodes, onTab([
      { id: 'conv', type: 'wis2-cloudevent-to-wnm', dataset: '', wires: [['ok'], ['rej']] },
      { id: 'ok', type: 'helper' },
      { id: 'rej', type: 'helper' },
    ]));
    const rec = new Recorder(['ok', 'rej']);
    helper.getNode('conv').receive({ payload: readJson(BUFR) });
    await rec.wait(1);
    assert.equal((rec.from('rej').at(0)?.error as { code: string }).code, 'config.no_dataset');
  });

  it('reads the dataset from environment variables', async () => {
    process.env.WIS2_TEST_CENTRE = 'fr-ifremer-argo';
    process.env.WIS2_TEST_TOPIC = ARGO.topic;
    try {
      await helper.load(wis2Nodes, flow({ ...datasetConfig('ds', ARGO), centreId: '${WIS2_TEST_CENTRE}', topic: '${WIS2_TEST_TOPIC}' }));
      const rec = new Recorder(['ok', 'rej']);
      helper.getNode('conv').receive({ payload: readJson(BUFR) });
      await rec.wait(1);
      assert.equal(rec.from('ok').at(0)?.topic, ARGO.topic);
    } finally {
      delete process.env.WIS2_TEST_CENTRE;
      delete process.env.WIS2_TEST_TOPIC;
    }
  });

  it('shows counts in its status', async () => {
    const rec = await start();
    const statuses: { text?: string; fill?: string }[] = [];
    (helper.getNode('conv') as unknown as EventEmitter).on('call:status', (call: { args: [{ text?: string; fill?: string }] }) => {
      statuses.push(call.args[0]);
    });
    const conv = helper.getNode('conv');
    conv.receive({ payload: readJson(BUFR) });
    conv.receive({ payload: '{' });
    await rec.wait(2);
    await Recorder.settle(400);
    const last = statuses.at(-1);
    assert.equal(last?.fill, 'red');
    assert.match(last.text ?? '', /counts|1 sent, 1 rejected/);
  });
});

describe('CloudEvent to WNM node: warnings for what it ignores or repairs', () => {
  const SAMPLE = fs.readFileSync(path.join(repoRoot, 'flows', 'samples', 'coriolis-R6903580_147.json'), 'utf8');
  before((done) => {
    helper.startServer(done);
  });
  after((done) => {
    helper.stopServer(done);
  });
  afterEach(() => helper.unload());

  /** The sample with a stac_version that is no string and an extension whose name starts with a digit. */
  function faulty(i: number): Buffer {
    const e = JSON.parse(SAMPLE) as Record<string, unknown> & { data: Record<string, unknown>; id: string };
    e.id = `${e.id}-${i}`;
    e.data.stac_version = 1;
    e['1ext'] = 'x';
    return Buffer.from(JSON.stringify(e));
  }

  it('carries them on msg.wis2.warnings, logs each kind once however many events repeat it, sums up the rest, and shows them in the status', async () => {
    // the same file in every event: a forced link relation announces each instead of dropping duplicates
    await helper.load(wis2Nodes, flow(datasetConfig('ds', ARGO), { operation: 'canonical' }));
    const rec = new Recorder(['ok', 'rej']);
    const conv = helper.getNode('conv') as unknown as EventEmitter;
    const warns: string[] = [];
    const statuses: { text?: string; fill?: string }[] = [];
    conv.on('call:warn', (call: { args: unknown[] }) => warns.push(String(call.args[0])));
    conv.on('call:status', (call: { args: [{ text?: string; fill?: string }] }) => statuses.push(call.args[0]));
    const events = 50;
    for (let i = 0; i < events; i++) helper.getNode('conv').receive({ payload: faulty(i) });
    // and one clean event: no warning for it
    helper.getNode('conv').receive({ payload: Buffer.from(SAMPLE) });
    await rec.wait(events + 1);
    await Recorder.settle(400);
    assert.equal(rec.from('rej').length, 0, 'warnings never refuse');
    for (const msg of rec.from('ok').slice(0, events)) {
      const codes = ((msg.wis2 as { warnings: { code: string }[] }).warnings).map((w) => w.code).sort();
      assert.deepEqual(codes, ['ce.attribute_name_not_letter', 'stac.invalid_version']);
    }
    assert.deepEqual((rec.from('ok').at(-1)?.wis2 as { warnings: unknown[] }).warnings, []);
    assert.equal(warns.length, 2, `one line per kind, not per event: ${warns.join(' | ')}`);
    const last = statuses.at(-1);
    assert.ok(last);
    assert.equal(last.fill, 'green', 'the last event was clean');
    assert.match(last.text ?? '', /countsWarned|with warnings/, 'the status counts the events with warnings');
    // what was held back is said when the node stops, never dropped (closed here, while the
    // test runtime still records its calls)
    await (helper.getNode('conv') as unknown as { close: (removed: boolean) => Promise<void> }).close(false);
    await Recorder.settle(50);
    assert.equal(warns.length, 4, `a summary per kind on close: ${warns.join(' | ')}`);
  });
});

describe('CloudEvent to WNM: random and hostile input through the real runtime', function () {
  this.timeout(120_000);
  runtimeKeptClean();

  async function run(cases: Case[]): Promise<{ converted: number; rejected: number; duplicates: number }> {
    await helper.load(wis2Nodes, onTab([
      datasetConfig('ds', ARGO),
      { id: 'conv', type: 'wis2-cloudevent-to-wnm', dataset: 'ds', wires: [['ok'], ['rej'], ['dup']] },
      { id: 'ok', type: 'helper' },
      { id: 'rej', type: 'helper' },
      { id: 'dup', type: 'helper' },
    ]));
    const conv = new Recorder(['ok', 'rej', 'dup']);
    const errors: unknown[] = [];
    (helper.getNode('conv') as unknown as EventEmitter).on('call:error', (call: { args: unknown[] }) => errors.push(call.args));
    cases.forEach((c, i) => {
      helper.getNode('conv').receive({ ...c, caseId: i });
    });
    await conv.wait(cases.length, 60_000);
    await Recorder.settle(100);
    assert.deepEqual(errors, [], 'no node reported an error to the runtime');

    for (let i = 0; i < cases.length; i++) {
      const ok = conv.from('ok').filter((m) => m.caseId === i);
      const rej = conv.from('rej').filter((m) => m.caseId === i);
      const dup = conv.from('dup').filter((m) => m.caseId === i);
      // one event, one file: a notification, a reject or a duplicate, exactly one of them
      assert.equal(Number(ok.length > 0) + Number(rej.length > 0) + Number(dup.length > 0), 1, `case ${i}: one output only (ok ${ok.length}, rejected ${rej.length}, duplicate ${dup.length})`);
      assert.ok(dup.length <= 1, `case ${i}: one duplicate message`);
      assert.ok(rej.length <= 1, `case ${i}: one reject`);
      for (const m of rej) {
        const err = m.error as { code?: unknown; message?: unknown; path?: unknown; stage?: unknown };
        assert.equal(typeof err.code, 'string');
        assert.equal(typeof err.message, 'string');
        assert.equal(typeof err.path, 'string');
        assert.equal(typeof err.stage, 'string');
      }
      for (const m of ok) {
        assert.deepEqual(wnmSchemaErrors(m.payload), [], `case ${i}: a published notification is valid`);
        assert.equal(m.topic, ARGO.topic, `case ${i}: the topic is the dataset's`);
        assert.equal(validateWnm(m.payload)['ets-report'].summary.FAILED, 0);
      }
    }
    return {
      duplicates: conv.from('dup').length,
      converted: conv.from('ok').length,
      rejected: conv.from('rej').length,
    };
  }

  it('the hostile corpus: every case refused with a reason, runtime intact', async () => {
    const cases = hostileEvents();
    const counts = await run(cases);
    assert.equal(counts.converted, 0, "none is announced");
    assert.equal(counts.rejected, cases.length, "every hostile case is refused");
    assert.equal(counts.converted, 0);
  });

  it('wildcards in event attributes never reach the topic, which is configuration', async () => {
    const ev = mutate(readJson(NETCDF), ['type'], 'fr.ifremer/+/#', false);
    const counts = await run([{ payload: ev }]);
    assert.equal(counts.converted, 1);
  });

  it('random JSON, random values, random bytes and random strings', async () => {
    const cases = randomPayloads(600);
    const counts = await run(cases);
    assert.equal(counts.converted + counts.rejected >= cases.length, true);
  });

  it('samples with one member broken at random: announced validly or refused', async () => {
    const cases = brokenEvents();
    const counts = await run([{ payload: readJson(BUFR) }, ...cases]);
    assert.ok(counts.converted >= 1, 'untouched events still get through');
    assert.ok(counts.rejected >= 1);
  });
});
