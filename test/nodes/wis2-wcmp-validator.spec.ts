import assert from 'node:assert/strict';
import type { EventEmitter } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { coreNodesDir } from '../../bin/node-red-dir';
import type { KpiReport, WcmpReport } from '../../nodes/lib/wcmp';
import { helper, wis2Nodes, onTab, Recorder } from '../helpers/nodes';
import { listJson, needReference, reference, repoRoot } from '../helpers/reference';
import { randomPayloads, runtimeKeptClean, type Case } from '../helpers/hostile';
import { RECORD_TEXT, brokenRecords, hostileRecords } from '../helpers/hostile-records';

/* eslint-disable @typescript-eslint/no-require-imports -- Node-RED's core nodes are CommonJS modules found at run time */
const completeNode = require(path.join(coreNodesDir(), 'core', 'common', '24-complete')) as unknown;
/* eslint-enable @typescript-eslint/no-require-imports */

const RECORD = fs.readFileSync(path.join(repoRoot, 'flows', 'metadata', 'fr-ifremer-argo.json'));
const CONF = 'http://wis.wmo.int/spec/wcmp/2/conf/core/';

function argo(): Record<string, unknown> & { properties: Record<string, unknown>; links: Record<string, unknown>[] } {
  return JSON.parse(RECORD.toString('utf8')) as Record<string, unknown> & { properties: Record<string, unknown>; links: Record<string, unknown>[] };
}

/** Our record without its persistent identifiers: it still passes every test, and scores B offline (15 of 20). */
function gradeB(): Buffer {
  const record = argo();
  delete record.properties.externalIds;
  record.links = record.links.filter((l) => l.rel !== 'cite-as');
  return Buffer.from(JSON.stringify(record));
}

describe('WCMP validator node', () => {
  before((done) => {
    helper.startServer(done);
  });
  after((done) => {
    helper.stopServer(done);
  });
  afterEach(() => helper.unload());

  /** The validator, its two outputs, and a Complete node counting every done() it calls. */
  async function start(config: Record<string, unknown> = {}): Promise<{ rec: Recorder; completions: Recorder; errors: unknown[] }> {
    await helper.load([...wis2Nodes, completeNode] as never, onTab([
      { id: 'v', type: 'wis2-wcmp-validator', ...config, wires: [['valid'], ['invalid']] },
      { id: 'valid', type: 'helper' },
      { id: 'invalid', type: 'helper' },
      { id: 'done', type: 'complete', scope: ['v'], uncaught: false, wires: [['completed']] },
      { id: 'completed', type: 'helper' },
    ]));
    const errors: unknown[] = [];
    (helper.getNode('v') as unknown as EventEmitter).on('call:error', (call: { args: unknown[] }) => errors.push(call.args));
    return { rec: new Recorder(['valid', 'invalid']), completions: new Recorder(['completed']), errors };
  }

  it('sends our Argo record to the valid output, payload untouched, report attached', async () => {
    const { rec, completions, errors } = await start();
    helper.getNode('v').receive({ payload: RECORD });
    await rec.wait(1);
    await completions.wait(1);
    await Recorder.settle();
    assert.equal(rec.from('invalid').length, 0);
    const first = rec.from('valid').at(0);
    assert.equal(first?.payload, RECORD, 'the bytes travel on unchanged');
    const report = first.report as WcmpReport;
    assert.deepEqual(report.summary, { PASSED: 13, FAILED: 0, WARNING: 0, SKIPPED: 1 });
    assert.equal(report.metadata_id, 'urn:wmo:md:fr-ifremer-argo:cor:msg:argo');
    assert.equal(first.kpi, undefined, 'KPIs are off by default');
    assert.equal(completions.received.length, 1);
    assert.deepEqual(errors, []);
  });

  describe('with the official examples', () => {
    before(function () {
      needReference(this, 'wcmp2/examples');
    });

    it('sends every official example to the valid output, report attached', async () => {
      const { rec, completions, errors } = await start();
      const files = listJson(reference('wcmp2', 'examples'));
      for (const file of files) helper.getNode('v').receive({ payload: fs.readFileSync(file), file: path.basename(file) });
      await rec.wait(files.length);
      await completions.wait(files.length);
      await Recorder.settle();
      assert.equal(rec.from('invalid').length, 0, JSON.stringify(rec.from('invalid').map((m) => m.file)));
      for (const msg of rec.from('valid')) assert.equal((msg.report as WcmpReport).summary.FAILED, 0, String(msg.file));
      assert.equal(completions.received.length, files.length);
      assert.deepEqual(errors, []);
    });
  });

  it('sends a failing record and garbage to the invalid output, naming the failed tests', async () => {
    const { rec, completions } = await start();
    const bad = argo();
    bad.id = 'urn:wmo:md:fr-ifremer-argo:has space';
    helper.getNode('v').receive({ payload: bad });
    for (const payload of ['not json', Buffer.from([0xff, 0xfe]), 42, null, [], { id: 1 }]) helper.getNode('v').receive({ payload });
    await rec.wait(7);
    await completions.wait(7);
    await Recorder.settle();
    assert.equal(rec.from('valid').length, 0);
    const first = rec.from('invalid').at(0);
    assert.equal(first?.payload, bad);
    const failed = (first.report as WcmpReport).tests.filter((t) => t.code === 'FAILED').map((t) => t.id);
    assert.deepEqual(failed, [`${CONF}identifier`]);
    assert.equal(first.error, undefined, 'a failed test is in the report, not in msg.error');
    for (const msg of rec.from('invalid').slice(1)) assert.ok((msg.report as WcmpReport).summary.FAILED > 0);
  });

  it('attaches the offline KPIs: grade A for our record, nothing fetched', async () => {
    const { rec, completions, errors } = await start({ kpi: 'offline' });
    helper.getNode('v').receive({ payload: RECORD });
    helper.getNode('v').receive({ payload: 'not json' });
    await rec.wait(2);
    await completions.wait(2);
    const kpi = rec.from('valid').at(0)?.kpi as KpiReport;
    assert.equal(kpi.report_type, 'kpi');
    assert.equal(kpi.summary.grade, 'A');
    assert.ok(kpi.summary.not_evaluated.some((id) => id.endsWith('/links_health')));
    assert.ok(rec.from('invalid').at(0)?.kpi, 'an invalid record gets its KPIs too');
    assert.deepEqual(errors, []);
  });

  it('with a minimum grade, sends a record that passes but scores below it to the invalid output, saying why', async () => {
    const { rec } = await start({ kpi: 'offline', minGrade: 'A' });
    helper.getNode('v').receive({ payload: gradeB() });
    helper.getNode('v').receive({ payload: RECORD });
    await rec.wait(2);
    const low = rec.from('invalid').at(0);
    assert.ok(low);
    assert.equal((low.report as WcmpReport).summary.FAILED, 0);
    assert.equal((low.kpi as KpiReport).summary.grade, 'B');
    assert.deepEqual(low.error, {
      code: 'wcmp.grade_below_minimum',
      message: "the record's KPI grade is B, below the minimum grade A",
      path: '',
      stage: 'wcmp',
    });
    assert.equal(rec.from('valid').length, 1);
  });

  it('takes a grade at or above the minimum as valid, and computes offline KPIs for it even when KPIs are off', async () => {
    const { rec } = await start({ kpi: 'off', minGrade: 'B' });
    helper.getNode('v').receive({ payload: gradeB() });
    await rec.wait(1);
    const msg = rec.from('valid').at(0);
    assert.equal((msg?.kpi as KpiReport).summary.grade, 'B');
  });

  it('relaxes an unknown centre id to a warning only when asked', async () => {
    const unknown = argo();
    unknown.id = 'urn:wmo:md:zz-unregistered-centre:argo';
    const link = unknown.links.find((l) => typeof l.channel === 'string');
    assert.ok(link);
    link.channel = String(link.channel).replace('fr-ifremer-argo', 'zz-unregistered-centre');
    for (const [relax, output] of [[false, 'invalid'], [true, 'valid'], ['true', 'valid']] as const) {
      const { rec } = await start({ relaxCentreId: relax });
      helper.getNode('v').receive({ payload: JSON.stringify(unknown) });
      await rec.wait(1);
      const msg = rec.from(output).at(0);
      assert.ok(msg, `relax ${String(relax)}: ${output}`);
      const codes = (msg.report as WcmpReport).tests.filter((t) => t.id === `${CONF}identifier`).map((t) => t.code);
      assert.deepEqual(codes, [relax === false ? 'FAILED' : 'WARNING']);
      await helper.unload();
    }
  });

  describe('with network checks', () => {
    let server: http.Server;
    let base = '';
    const hanging: http.ServerResponse[] = [];

    before(async () => {
      server = http.createServer((req, res) => {
        if (req.url === '/slow') {
          hanging.push(res);
          return;
        }
        res.writeHead(req.url === '/missing' ? 404 : 200, { 'Content-Type': 'text/html' });
        res.end('<html></html>');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    });

    /** Our record with every web link pointing at the local server. */
    function localRecord(paths: string[]): Buffer {
      const r = argo();
      r.links = r.links.filter((l) => typeof l.channel === 'string');
      paths.forEach((p, i) => r.links.push({ rel: i === 0 ? 'data' : 'about', type: 'text/html', href: `${base}${p}` }));
      const props = r.properties as { themes: { concepts: { url?: string }[] }[]; contacts: { links?: unknown[] }[] };
      for (const t of props.themes) for (const c of t.concepts) Reflect.deleteProperty(c, 'url');
      for (const c of props.contacts) Reflect.deleteProperty(c, 'links');
      return Buffer.from(JSON.stringify(r));
    }

    it('fetches the links and scores their health', async () => {
      const { rec, completions, errors } = await start({ kpi: 'network', timeout: '2000' });
      helper.getNode('v').receive({ payload: localRecord(['/ok', '/missing']) });
      await rec.wait(1, 10_000);
      await completions.wait(1);
      const kpi = rec.from('valid').at(0)?.kpi as KpiReport;
      const health = kpi.tests.find((t) => t.id.endsWith('/links_health'));
      assert.equal(health?.status, 'evaluated');
      // the themes' schemes are checked too; only the local links are under the test's control
      const resolved = health.rules.filter((r) => r.rule === 'the link resolves' && (r.subject ?? '').startsWith(base));
      assert.deepEqual(resolved.map((r) => [r.subject, r.result]), [[`${base}/ok`, 'passed'], [`${base}/missing`, 'failed']]);
      assert.deepEqual(errors, []);
    });

    it('gives up on a link after the timeout and still sends the message once', async () => {
      const { rec, completions, errors } = await start({ kpi: 'network', timeout: '200' });
      helper.getNode('v').receive({ payload: localRecord(['/slow']) });
      await rec.wait(1, 10_000);
      await completions.wait(1);
      await Recorder.settle(300);
      assert.equal(rec.received.length, 1);
      assert.equal(completions.received.length, 1);
      const health = (rec.from('valid').at(0)?.kpi as KpiReport).tests.find((t) => t.id.endsWith('/links_health'));
      assert.match(health?.rules.at(0)?.comment ?? '', /no answer within 200 ms/);
      assert.deepEqual(errors, []);
    });

    it('abandons the checks when the flow stops, without sending or failing', async () => {
      const { rec, errors } = await start({ kpi: 'network', timeout: '60000' });
      helper.getNode('v').receive({ payload: localRecord(['/slow']) });
      await Recorder.settle(100);
      const started = Date.now();
      await helper.unload();
      await Recorder.settle(200);
      assert.ok(Date.now() - started < 5000, 'closing does not wait for the links');
      assert.equal(rec.received.length, 0);
      assert.deepEqual(errors, []);
    });
  });
});

describe('WCMP validator: random and hostile records through the real runtime', function () {
  this.timeout(120_000);
  runtimeKeptClean();

  async function run(cases: Case[]): Promise<{ valid: number; invalid: number }> {
    await helper.load(wis2Nodes, onTab([
      { id: 'wcmp', type: 'wis2-wcmp-validator', kpi: 'offline', wires: [['valid'], ['invalid']] },
      { id: 'valid', type: 'helper' },
      { id: 'invalid', type: 'helper' },
    ]));
    const val = new Recorder(['valid', 'invalid']);
    const errors: unknown[] = [];
    (helper.getNode('wcmp') as unknown as EventEmitter).on('call:error', (call: { args: unknown[] }) => errors.push(['wcmp', call.args]));
    cases.forEach((c, i) => {
      helper.getNode('wcmp').receive({ payload: c.payload, caseId: i });
    });
    await val.wait(cases.length, 90_000);
    await Recorder.settle(100);
    assert.deepEqual(errors, [], 'no node reported an error to the runtime');
    assert.equal(val.received.length, cases.length, 'the validator sends nothing more');

    for (let i = 0; i < cases.length; i++) {
      assert.equal(val.received.filter((r) => r.msg.caseId === i).length, 1, `case ${i}: the validator sends exactly one message`);
      for (const r of val.received.filter((x) => x.msg.caseId === i)) {
        assert.equal(typeof (r.msg.report as { summary?: unknown }).summary, 'object', `case ${i}: a report`);
      }
    }
    return { valid: val.from('valid').length, invalid: val.from('invalid').length };
  }

  it('the hostile corpus: one message each, runtime intact', async () => {
    await run(hostileRecords());
  });

  it('random JSON, random values, random bytes and random strings', async () => {
    await run(randomPayloads(400));
  });

  it('our record with one member broken at random: valid and invalid ones, each reported', async () => {
    const counts = await run([{ payload: Buffer.from(RECORD_TEXT) }, ...brokenRecords()]);
    assert.ok(counts.valid >= 1 && counts.invalid >= 1);
  });
});
