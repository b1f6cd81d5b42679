import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { installFlows } from '../../bin/commands/flows';
import { freePort, startRuntime, type Runtime } from '../../bin/launch';
import { needMosquitto } from '../helpers/mosquitto';
import { Lab, distinctEvents, pipelineEnv, produce, sleep, until } from './harness';

/**
 * The README's backup and restore, followed with native processes: the runtime is stopped, its
 * user directory (flows, journal, outbox, announcement memory) archived with tar, and restored
 * into a fresh directory where a new runtime starts, as on a new machine. Notifications that
 * were waiting in the outbox (the WIS2 broker away) go out once, and events the diffusion system
 * sends again after the restore are recognised as announced: nothing is announced twice.
 */

const CLIENT_ID = 'wis2-restore-test';

function tar(args: string[]): void {
  const r = spawnSync('tar', args, { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

describe('reliability: backup and restore of the user directory', function () {
  this.timeout(180_000);
  const lab = new Lab();
  const runtimes: Runtime[] = [];
  const dirs: string[] = [];
  before(function () {
    needMosquitto(this);
  });
  after(async () => {
    for (const r of runtimes) await r.stop();
    await lab.cleanup();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('restores into a fresh runtime: the outbox goes out once, and nothing is announced twice', async () => {
    const input = await lab.broker();
    const output = await lab.broker();
    const o = await lab.observe(output, input);
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'wis2-backup-'));
    dirs.push(work);
    const env = pipelineEnv(input.url, output.url, CLIENT_ID);
    const start = async (userDir: string): Promise<Runtime> => {
      const r = await startRuntime({ userDir, host: '127.0.0.1', port: await freePort(), env, quiet: true });
      runtimes.push(r);
      await until(() => r.output().includes('subscribed to diffusion/files/coriolis/argo/#'), 30_000, () => r.output());
      return r;
    };

    // the first machine: 10 files announced, then 5 more while the WIS2 broker is away
    const before = path.join(work, 'before');
    installFlows(before);
    const first = await start(before);
    const events = distinctEvents(18);
    await produce(input.url, events.slice(0, 10), 0);
    await until(() => o.distinctIds() >= 10, 30_000, () => `${o.distinctIds()} of 10`);
    await output.stop();
    await produce(input.url, events.slice(10, 15), 0);
    await until(() => /outbox|queued/.test(first.output()) || fs.existsSync(path.join(before, 'wis2', 'outbox')), 10_000, () => first.output());
    await sleep(3000);

    // backup, as the README says: stop the runtime, archive its user directory
    await first.stop();
    const archive = path.join(work, 'node-red-data.tgz');
    tar(['-czf', archive, '-C', before, '.']);
    const listed = spawnSync('tar', ['-tzf', archive], { encoding: 'utf8' }).stdout;
    for (const part of ['./flows.json', './wis2/outbox/', './wis2/inbox/', './wis2/memory/']) assert.ok(listed.split('\n').some((l) => l.startsWith(part)), `the backup holds ${part}:\n${listed}`);
    // the first machine is gone for good
    fs.rmSync(before, { recursive: true, force: true });

    // restore into a fresh directory, a new runtime on it, the WIS2 broker back
    const after = path.join(work, 'after');
    fs.mkdirSync(after);
    tar(['-xzf', archive, '-C', after]);
    await output.start();
    await start(after);
    await until(() => o.distinctIds() >= 15, 60_000, () => `${o.distinctIds()} of 15 after the restore`);
    await sleep(2000);
    // delivery to the WIS2 broker is at least once: a notification whose PUBACK the outage cut may
    // arrive again with its own id, which Global Brokers drop; what counts is what comes next
    const beforeResend = o.notifications.length;

    // the diffusion system sends everything again, and 3 new files
    await produce(input.url, events, 0);
    await until(() => o.distinctIds() >= 18, 60_000, () => `${o.distinctIds()} of 18`);
    await sleep(3000);

    console.log(`      backup and restore: ${o.distinctIds()} distinct notifications for 18 files (${o.notifications.length} received, ${beforeResend} before the re-send), ${o.dataIdsAnnouncedTwice().length} announced twice`);
    assert.equal(o.distinctIds(), 18);
    assert.deepEqual(o.dataIdsAnnouncedTwice(), [], 'no file announced twice');
    // a file sent again gets the same notification id (Global Brokers would drop the copy), but
    // the restored memory knows it was announced: it is not even published again
    assert.equal(o.notifications.length - beforeResend, 3, `published again after the re-send: ${o.repeatedIds()}`);
    assert.ok(o.notifications.every((n) => n.rel === 'canonical'), 'nothing re-announced as an update');
    assert.equal(o.deadLetters.length, 0);
  });
});
