import assert from 'node:assert/strict';
import type { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { helper, wis2Nodes, onTab, Recorder } from '../helpers/nodes';
import crypto from 'node:crypto';
import { reference, listJson, needReference, readJson } from '../helpers/reference';
import { SAMPLE_BUFR as BUFR, SAMPLE_NETCDF as NETCDF } from '../helpers/fixtures';
import { mutate, randomPayloads, runtimeKeptClean, type Case } from '../helpers/hostile';
import { brokenEvents, hostileEvents } from '../helpers/hostile-events';
import { validWnm } from '../unit/wnm/fixtures';

interface Report {
  'ets-report': { summary: { PASSED: number; FAILED: number; WARNING: number; SKIPPED: number }; tests: { id: string; code: string }[] };
}

const CONF = 'http://wis.wmo.int/spec/wnm/1/conf/core/';

describe('WNM validator node', () => {
  before((done) => {
    helper.startServer(done);
  });
  after((done) => {
    helper.stopServer(done);
  });
  afterEach(() => helper.unload());

  async function start(warnings = 'valid'): Promise<Recorder> {
    await helper.load(wis2Nodes, onTab([
      { id: 'v', type: 'wis2-wnm-validator', warnings, wires: [['valid'], ['invalid']] },
      { id: 'valid', type: 'helper' },
      { id: 'invalid', type: 'helper' },
    ]));
    return new Recorder(['valid', 'invalid']);
  }

  it('sends a message with two canonical links to the invalid output, naming the links test', async () => {
    const rec = await start();
    const wnm = validWnm() as { links: unknown[] };
    wnm.links.push({ href: 'https://example.org/other.txt', rel: 'canonical' });
    helper.getNode('v').receive({ payload: wnm });
    await rec.wait(1);
    const msg = rec.from('invalid').at(0);
    assert.equal(msg?.payload, wnm, 'the payload is passed on unchanged');
    const failed = (msg.report as Report)['ets-report'].tests.filter((t) => t.code === 'FAILED').map((t) => t.id);
    assert.deepEqual(failed, [CONF + 'links']);
  });

  it('treats warnings as invalid when configured', async () => {
    const rec = await start('invalid');
    // a hexadecimal digest is a WARNING (/rec/core/integrity), not a failure
    const wnm = validWnm() as { properties: { integrity: { value: string } } };
    wnm.properties.integrity.value = crypto.createHash('sha512').update('R6903001_001.nc').digest('hex');
    helper.getNode('v').receive({ payload: Buffer.from(JSON.stringify(wnm)) });
    await rec.wait(1);
    const msg = rec.from('invalid').at(0);
    assert.ok(msg);
    assert.equal((msg.report as Report)['ets-report'].summary.FAILED, 0);
    assert.ok((msg.report as Report)['ets-report'].summary.WARNING > 0);
  });

  it('reports garbage as invalid instead of failing', async () => {
    const rec = await start();
    const v = helper.getNode('v');
    for (const payload of ['not json', Buffer.from([0xff, 0xfe]), 42, null, [], { id: 1 }]) v.receive({ payload });
    await rec.wait(6);
    await Recorder.settle();
    assert.equal(rec.from('invalid').length, 6);
    assert.equal(rec.from('valid').length, 0);
    for (const msg of rec.from('invalid')) {
      assert.ok((msg.report as Report)['ets-report'].tests.some((t) => t.id === CONF + 'validation' && t.code === 'FAILED'));
    }
  });

  describe('with the official examples', () => {
    before(function () {
      needReference(this, 'wnm/examples');
    });

    it('sends every official example to the valid output with its report', async () => {
      const rec = await start();
      const files = listJson(reference('wnm', 'examples'));
      for (const file of files) helper.getNode('v').receive({ payload: fs.readFileSync(file), file: path.basename(file) });
      await rec.wait(files.length);
      await Recorder.settle();
      assert.equal(rec.from('invalid').length, 0, JSON.stringify(rec.from('invalid').map((m) => m.file)));
      for (const msg of rec.from('valid')) {
        const report = msg.report as Report;
        assert.equal(report['ets-report'].summary.FAILED, 0);
        assert.ok(report['ets-report'].tests.some((t) => t.id === CONF + 'validation' && t.code === 'PASSED'));
      }
    });
  });
});

describe('WNM validator: random and hostile input through the real runtime', function () {
  this.timeout(120_000);
  runtimeKeptClean();

  async function run(cases: Case[]): Promise<void> {
    await helper.load(wis2Nodes, onTab([
      { id: 'val', type: 'wis2-wnm-validator', wires: [['valid'], ['invalid']] },
      { id: 'valid', type: 'helper' },
      { id: 'invalid', type: 'helper' },
    ]));
    const val = new Recorder(['valid', 'invalid']);
    const errors: unknown[] = [];
    (helper.getNode('val') as unknown as EventEmitter).on('call:error', (call: { args: unknown[] }) => errors.push(call.args));
    cases.forEach((c, i) => {
      helper.getNode('val').receive({ payload: c.payload, caseId: i });
    });
    await val.wait(cases.length, 60_000);
    await Recorder.settle(100);
    assert.deepEqual(errors, [], 'no node reported an error to the runtime');

    for (let i = 0; i < cases.length; i++) {
      const v = val.received.filter((r) => r.msg.caseId === i);
      assert.equal(v.length, 1, `case ${i}: the validator sends exactly one message`);
    }
  }

  it('the hostile corpus: one message for each, runtime intact', async () => {
    await run(hostileEvents());
  });

  it('an event with wildcards in its attributes: one message', async () => {
    await run([{ payload: mutate(readJson(NETCDF), ['type'], 'fr.ifremer/+/#', false) }]);
  });

  it('random JSON, random values, random bytes and random strings', async () => {
    await run(randomPayloads(600));
  });

  it('samples with one member broken at random', async () => {
    await run([{ payload: readJson(BUFR) }, ...brokenEvents()]);
  });
});
