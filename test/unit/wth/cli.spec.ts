import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { EX_USAGE, memoryIo } from '../../../bin/cli/io';
import { main } from '../../../bin/wis2';
import { repoRoot } from '../../helpers/reference';

const ARGO = 'origin/a/wis2/fr-ifremer-argo/data/core/ocean/surface-based-observations/drifting-ocean-profilers';
const SWAPPED = 'origin/a/wis2/fr-ifremer-argo/core/data/ocean/surface-based-observations/drifting-ocean-profilers';

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = memoryIo();
  const code = await main(argv, io);
  return { code, stdout: io.stdout.join('\n'), stderr: io.stderr.join('\n') };
}

describe('wis2 topic', () => {
  describe('validate', () => {
    it('exits 0 with a one-line summary for a valid topic', async () => {
      const r = await cli('topic', 'validate', ARGO);
      assert.equal(r.code, 0);
      assert.equal(r.stdout.split('\n').length, 1);
      assert.match(r.stdout, /^valid publication topic: /);
      assert.match(r.stdout, /fr-ifremer-argo/);
      assert.equal(r.stderr, '');
    });

    it('exits 1 with the reason and the suggestion on stderr', async () => {
      const r = await cli('topic', 'validate', SWAPPED);
      assert.equal(r.code, 1);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /levels-swapped/);
      assert.match(r.stderr, /swapped/);
      assert.ok(r.stderr.includes(`did you mean: ${ARGO}`), r.stderr);
    });

    it('names the sibling meant for an unknown level', async () => {
      const r = await cli('topic', 'validate', ARGO.replace('drifting-ocean-profilers', 'ocean-profilers'));
      assert.equal(r.code, 1);
      assert.match(r.stderr, /did you mean "drifting-ocean-profilers"\?/);
    });

    it('validates subscriptions with --subscription', async () => {
      const filter = 'origin/a/wis2/+/data/core/ocean/+/drifting-ocean-profilers';
      assert.equal((await cli('topic', 'validate', filter)).code, 1);
      const r = await cli('topic', 'validate', filter, '--subscription');
      assert.equal(r.code, 0);
      assert.match(r.stdout, /^valid subscription topic/);
      const bad = await cli('topic', 'validate', '--subscription', 'origin/a/wis2/#/data');
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /wildcard-hash-not-last/);
    });

    it('prints warnings on stderr without failing', async () => {
      const r = await cli('topic', 'validate', 'origin/a/wis2/fr-ifremer-argo/data/core/ocean/experimental/gliders');
      assert.equal(r.code, 0);
      assert.match(r.stderr, /^warning experimental-topic/);
    });

    it('prints the whole check with --json', async () => {
      const r = await cli('topic', 'validate', '--json', 'origin/a/wis2/fr-ifremer-argo/metadata/core');
      assert.equal(r.code, 1);
      const check = JSON.parse(r.stdout) as { valid: boolean; errors: { code: string }[]; suggestedTopic: string };
      assert.equal(check.valid, false);
      assert.equal(check.errors[0]?.code, 'metadata-too-deep');
      assert.equal(check.suggestedTopic, 'origin/a/wis2/fr-ifremer-argo/metadata');
    });

    it('exits EX_USAGE, like the other groups, on usage errors', async () => {
      for (const argv of [
        ['topic', 'validate'],
        ['topic', 'validate', ARGO, ARGO],
        ['topic', 'validate', '--bogus', ARGO],
        ['topic', 'frobnicate'],
        ['topic'],
      ]) {
        const r = await cli(...argv);
        assert.equal(r.code, EX_USAGE, argv.join(' '));
        assert.match(r.stderr, /usage: wis2 topic/);
      }
    });
  });

  it('shows help with --help, exit 0', async () => {
    for (const argv of [['topic', '--help'], ['topic', '-h'], ['topic', 'validate', '--help']]) {
      const r = await cli(...argv);
      assert.equal(r.code, 0);
      assert.match(r.stdout, /usage: wis2 topic/);
      assert.match(r.stdout, /--subscription/);
    }
  });

  describe('list', () => {
    it('lists the children of a prefix, one per line', async () => {
      const r = await cli('topic', 'list', 'origin/a/wis2/fr-ifremer-argo/data/core/ocean');
      assert.equal(r.code, 0);
      assert.deepEqual(r.stdout.split('\n'), ['experimental', 'surface-based-observations']);
      assert.deepEqual((await cli('topic', 'list')).stdout.split('\n'), ['origin', 'cache']);
    });
    it('says when a prefix is a leaf', async () => {
      const r = await cli('topic', 'list', ARGO);
      assert.equal(r.code, 0);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /leaf/);
    });
    it('exits 1 with a suggestion for an unknown prefix, EX_USAGE for wildcards', async () => {
      const r = await cli('topic', 'list', 'origin/a/wis2/fr-ifremer-argo/data/core/ocean/surface-observations');
      assert.equal(r.code, 1);
      assert.match(r.stderr, /did you mean "surface-based-observations"/);
      assert.equal((await cli('topic', 'list', 'origin/a/wis2/+')).code, EX_USAGE);
    });
  });

  it('runs as a program: node dist/bin/wis2.js topic validate', () => {
    const program = path.join(repoRoot, 'dist', 'bin', 'wis2.js');
    const ok = spawnSync(process.execPath, [program, 'topic', 'validate', ARGO], { encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /^valid publication topic: /);
    const bad = spawnSync(process.execPath, [program, 'topic', 'validate', SWAPPED], { encoding: 'utf8' });
    assert.equal(bad.status, 1);
    assert.equal(bad.stdout, '');
    assert.match(bad.stderr, /swapped/);
    assert.ok(bad.stderr.includes(ARGO));
    const usage = spawnSync(process.execPath, [program, 'topic', 'validate'], { encoding: 'utf8' });
    assert.equal(usage.status, EX_USAGE);
  });
});
