import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../bin/wis2';
import { memoryIo } from '../../bin/cli/io';
import { wnmSchemaErrors } from '../helpers/official';
import { needReference, reference, repoRoot, listJson } from '../helpers/reference';
import { ARGO, SAMPLE_BUFR as BUFR, SAMPLE_NETCDF as NETCDF } from '../helpers/fixtures';
import { validWnm } from '../unit/wnm/fixtures';

const CLI = path.join(repoRoot, 'dist', 'bin', 'wis2.js');
const ARGO_ARGS = ['--centre-id', ARGO.centreId, '--topic', ARGO.topic, '--metadata-id', ARGO.metadataId, '--base-url', 'https://data-argo.ifremer.fr/', '--path-pattern', 'argo'];

describe('wis2 wnm build', () => {
  it('prints one WNM per line for each sample event, valid against the WNM schema', async () => {
    for (const file of [BUFR, NETCDF]) {
      const io = memoryIo();
      assert.equal(await main(['wnm', 'build', file, ...ARGO_ARGS], io), 0, io.stderr.join('\n'));
      assert.equal(io.stdout.length, 1);
      const wnm = JSON.parse(io.stdout[0] ?? '') as unknown;
      assert.deepEqual(wnmSchemaErrors(wnm), []);
    }
  });

  it('refuses a bad event: exit 1 and one JSON error line, no stack trace', async () => {
    const bad = JSON.stringify({ ...JSON.parse(fs.readFileSync(BUFR, 'utf8')) as object, specversion: '0.3' });
    const io = memoryIo({ 'bad.json': bad });
    assert.equal(await main(['wnm', 'build', 'bad.json', ...ARGO_ARGS], io), 1);
    assert.equal(io.stdout.length, 0);
    assert.equal(io.stderr.length, 1);
    const line = JSON.parse(io.stderr[0] ?? '') as { error: Record<string, string> };
    assert.equal(line.error.code, 'ce.unsupported_specversion');
    assert.equal(line.error.path, '/specversion');
    assert.ok(line.error.message);
  });

  it('refuses an invalid dataset the same way', async () => {
    const io = memoryIo();
    const args = ARGO_ARGS.map((a) => (a === ARGO.topic ? ARGO.topic.replace('data/core', 'core/data') : a));
    assert.equal(await main(['wnm', 'build', BUFR, ...args], io), 1);
    assert.equal((JSON.parse(io.stderr[0] ?? '') as { error: { code: string } }).error.code, 'config.topic');
  });

  it('inlines a file given with --inline', async () => {
    // the sample's checksum is of the text "synthetic sample: <file name>"
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wis2-inline-'));
    try {
      const file = path.join(dir, 'IOPX01_LFVX_091838.BU');
      fs.writeFileSync(file, 'synthetic sample: IOPX01_LFVX_091838.BU');
      const event = JSON.parse(fs.readFileSync(BUFR, 'utf8')) as { data: { assets: Record<string, Record<string, unknown>> } };
      event.data.assets['IOPX01_LFVX_091838.BU']['file:size'] = 39;
      const eventFile = path.join(dir, 'event.json');
      fs.writeFileSync(eventFile, JSON.stringify(event));
      const io = memoryIo();
      const code = await main(['wnm', 'build', eventFile, ...ARGO_ARGS, '--inline', file], io);
      assert.equal(code, 0, io.stderr.join('\n'));
      assert.equal((JSON.parse(io.stdout[0] ?? '') as { properties: { content: { size: number } } }).properties.content.size, 39);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says on stderr, once each, what it ignored or repaired in the event, however many files it announces', () => {
    const e = JSON.parse(fs.readFileSync(path.join(repoRoot, 'flows', 'samples', 'coriolis-R6903580_147.json'), 'utf8')) as Record<string, unknown> & {
      data: Record<string, unknown> & { assets: Record<string, Record<string, unknown>> };
    };
    const first = e.data.assets['R6903580_147.nc'] ?? {};
    e.data.assets['R6903580_148.nc'] = { ...first, href: String(first.href).replace('_147.nc', '_148.nc') };
    e.data.stac_version = 1;
    e['1ext'] = 'x';
    const text = JSON.stringify(e).replace('"subject":', '"subject":"first","subject":');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wis2-cli-warn-'));
    const file = path.join(dir, 'event.json');
    fs.writeFileSync(file, text);
    const r = spawnSync(process.execPath, [CLI, 'wnm', 'build', file, ...ARGO_ARGS], { encoding: 'utf8' });
    fs.rmSync(dir, { recursive: true });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim().split('\n').length, 2, 'two notifications');
    const lines = r.stderr.trim().split('\n').map((l) => JSON.parse(l) as { warning: { code: string; message: string; path: string } });
    assert.deepEqual(lines.map((l) => l.warning.code).sort(), ['ce.attribute_name_not_letter', 'intake.duplicate_member', 'stac.invalid_version']);
    assert.deepEqual(lines.find((l) => l.warning.code === 'intake.duplicate_member')?.warning.path, '/subject');
    for (const l of lines) assert.ok(l.warning.message.length > 0);
  });

  it('says how to use it when options are missing (exit 64)', async () => {
    const io = memoryIo();
    assert.equal(await main(['wnm', 'build', BUFR], io), 64);
    assert.match(io.stderr.join('\n'), /missing --centre-id/);
    const io2 = memoryIo();
    assert.equal(await main(['wnm', 'build', BUFR, ...ARGO_ARGS, '--bogus'], io2), 64);
  });

  it('runs as a program: stdout lines, exit status, stderr JSON', () => {
    const out = execFileSync(process.execPath, [CLI, 'wnm', 'build', NETCDF, ...ARGO_ARGS], { encoding: 'utf8' });
    assert.equal(out.trim().split('\n').length, 1);
    const bad = spawnSync(process.execPath, [CLI, 'wnm', 'build', '-', ...ARGO_ARGS], { input: '{"specversion":"1.0"}', encoding: 'utf8' });
    assert.equal(bad.status, 1);
    assert.doesNotMatch(bad.stderr, /at .*\.js:\d+/);
    assert.equal((JSON.parse(bad.stderr.trim()) as { error: { code: string } }).error.code, 'ce.missing_attribute');
  });
});

describe('wis2 wnm validate', () => {
  it('gives a valid notification 0 FAILED (exit 0) and a JSON report', async () => {
    const io = memoryIo({ 'valid.json': JSON.stringify(validWnm()) });
    assert.equal(await main(['wnm', 'validate', 'valid.json'], io), 0, io.stdout.join('\n'));
    const report = JSON.parse(io.stdout.join('\n')) as { 'ets-report': { summary: { FAILED: number; PASSED: number } } };
    assert.equal(report['ets-report'].summary.FAILED, 0);
    assert.ok(report['ets-report'].summary.PASSED > 0);
  });

  describe('with the official examples', () => {
    before(function () {
      needReference(this, 'wnm/examples');
    });

    it('gives every official example 0 FAILED (exit 0) and a JSON report', async () => {
      for (const file of listJson(reference('wnm', 'examples'))) {
        const io = memoryIo();
        assert.equal(await main(['wnm', 'validate', file], io), 0, `${file}\n${io.stdout.join('\n')}`);
        const report = JSON.parse(io.stdout.join('\n')) as { 'ets-report': { summary: { FAILED: number } } };
        assert.equal(report['ets-report'].summary.FAILED, 0);
      }
    });
  });

  it('exits with the number of FAILED tests', async () => {
    const io = memoryIo({ 'bad.json': JSON.stringify({ id: 'x', type: 'Feature', geometry: null, properties: {}, links: [] }) });
    const code = await main(['wnm', 'validate', 'bad.json'], io);
    const report = JSON.parse(io.stdout.join('\n')) as { 'ets-report': { summary: { FAILED: number } } };
    assert.ok(code > 1);
    assert.equal(code, report['ets-report'].summary.FAILED);
  });

  it('tells an unreadable file from a failing one (exit 66)', async () => {
    const io = memoryIo();
    assert.equal(await main(['wnm', 'validate', '/nonexistent/wnm.json'], io), 66);
  });
});
