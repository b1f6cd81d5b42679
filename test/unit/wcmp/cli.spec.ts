import assert from 'node:assert/strict';
import { main } from '../../../bin/wis2';
import { memoryIo } from '../../../bin/cli/io';
import { EX_NOINPUT, EX_USAGE } from '../../../bin/cli/io';
import type { KpiReport, WcmpReport } from '../../../nodes/lib/wcmp';
import fs from 'node:fs';
import path from 'node:path';
import { needReference, repoRoot } from '../../helpers/reference';
import { FIXTURES_DIR, fixture } from './helpers';

/** Our own Argo record (13 passed, 0 failed; offline grade A). */
const ARGO_FILE = path.join(repoRoot, 'flows', 'metadata', 'fr-ifremer-argo.json');

function ourRecord(): Record<string, unknown> & { properties: Record<string, unknown>; links: Record<string, unknown>[] } {
  return JSON.parse(fs.readFileSync(ARGO_FILE, 'utf8')) as Record<string, unknown> & { properties: Record<string, unknown>; links: Record<string, unknown>[] };
}

describe('wcmp: the wis2 wcmp command', () => {
  it('validate prints the report as JSON and exits with the number of FAILED tests', async () => {
    const broken = ourRecord();
    broken.id = 'urn:wmo:md:fr-ifremer-argo:has space';
    const io = memoryIo({ 'record.json': JSON.stringify(broken) });
    const code = await main(['wcmp', 'validate', 'record.json'], io);
    const report = JSON.parse(io.stdout.join('\n')) as WcmpReport;
    assert.equal(report.report_type, 'ets');
    assert.equal(report.metadata_id, 'urn:wmo:md:fr-ifremer-argo:has space');
    assert.equal(code, report.summary.FAILED);
    assert.equal(code, 1);
    assert.deepEqual(io.stderr, []);
  });

  it('validate exits 0 for a clean record, and reports a file that is not JSON as a failed validation', async () => {
    const ok = memoryIo();
    assert.equal(await main(['wcmp', 'validate', ARGO_FILE], ok), 0);
    const bad = memoryIo({ 'bad.json': '{"id": "urn:wmo:md:x' });
    assert.equal(await main(['wcmp', 'validate', 'bad.json'], bad), 1);
    const report = JSON.parse(bad.stdout.join('\n')) as WcmpReport;
    assert.equal(report.tests[0]?.code, 'FAILED');
    assert.equal(report.summary.SKIPPED, 13);
  });

  it('kpi prints the KPI report without touching the network unless asked', async () => {
    // without its persistent identifiers our record scores B offline
    const record = ourRecord();
    delete record.properties.externalIds;
    record.links = record.links.filter((l) => l.rel !== 'cite-as');
    const io = memoryIo({ 'record.json': JSON.stringify(record) });
    assert.equal(await main(['wcmp', 'kpi', 'record.json'], io), 0);
    const report = JSON.parse(io.stdout.join('\n')) as KpiReport;
    assert.equal(report.report_type, 'kpi');
    assert.equal(report.summary.grade, 'B');
    assert.equal(report.tests.find((t) => t.id.endsWith('/links_health'))?.status, 'not_evaluated');
  });

  it('kpi --network --timeout: the timeout must be a positive number', async () => {
    const io = memoryIo();
    assert.equal(await main(['wcmp', 'kpi', ARGO_FILE, '--network', '--timeout', 'soon'], io), EX_USAGE);
    assert.match(io.stderr.join('\n'), /--timeout/);
  });

  it('--help lists the commands; usage errors and unreadable files have their own exit codes', async () => {
    const help = memoryIo();
    assert.equal(await main(['wcmp', '--help'], help), 0);
    assert.match(help.stdout.join('\n'), /wis2 wcmp <command>[\s\S]*validate FILE[\s\S]*kpi FILE/);
    const sub = memoryIo();
    assert.equal(await main(['wcmp', 'validate', '--help'], sub), 0);
    assert.equal(await main(['wcmp'], memoryIo()), EX_USAGE);
    const unknown = memoryIo();
    assert.equal(await main(['wcmp', 'lint', ARGO_FILE], unknown), EX_USAGE);
    assert.match(unknown.stderr.join('\n'), /unknown command "lint"/);
    const option = memoryIo();
    assert.equal(await main(['wcmp', 'validate', ARGO_FILE, '--strict'], option), EX_USAGE);
    assert.equal(await main(['wcmp', 'validate'], memoryIo()), EX_USAGE);
    assert.equal(await main(['wcmp', 'validate', 'a.json', 'b.json'], memoryIo()), EX_USAGE);
    const missing = memoryIo();
    assert.equal(await main(['wcmp', 'validate', '/nonexistent/record.json'], missing), EX_NOINPUT);
    const error = JSON.parse(missing.stderr[0] ?? '{}') as { error?: { code?: string } };
    assert.equal(error.error?.code, 'cli.unreadable');
  });

  describe('with the pywcmp test records', () => {
    before(function () {
      needReference(this, FIXTURES_DIR);
    });

    it('validate exits 0 for the clean pywcmp record', async () => {
      const ok = memoryIo({ 'ok.json': JSON.stringify(fixture('wcmp2-passing.json')) });
      assert.equal(await main(['wcmp', 'validate', 'ok.json'], ok), 0);
    });

    it('validate --relax-centre-id turns an unknown centre id into a WARNING', async () => {
      const files = { 'record.json': JSON.stringify(fixture('wcmp2-failing-invalid-centre-id.json')) };
      const strict = memoryIo(files);
      assert.equal(await main(['wcmp', 'validate', 'record.json'], strict), 2);
      const relaxed = memoryIo(files);
      assert.equal(await main(['wcmp', 'validate', 'record.json', '--relax-centre-id'], relaxed), 1);
      const report = JSON.parse(relaxed.stdout.join('\n')) as WcmpReport;
      assert.equal(report.tests.find((t) => t.id.endsWith('/identifier'))?.code, 'WARNING');
    });
  });
});
