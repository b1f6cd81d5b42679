#!/usr/bin/env node
/**
 * `npm run demo`: starts the pipeline as `npm start` does (embedded broker, on free ports so it
 * runs beside anything), publishes the sample Argo file events, and prints each notification
 * that reaches `origin/a/wis2/#` with its validation result: one per announced file, and the
 * announcement of the Argo discovery metadata record that the metadata flow makes on deploy.
 * Exit 0 only when every announced file and the record arrived as valid notifications and
 * nothing went to the dead-letter topic.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { flowsDir } from './commands/flows';
import { freePort, startEmbeddedBroker, startRuntime } from './launch';
import { nodeRedVersion } from './node-red-dir';
import { validateWnm } from '../nodes/lib/wnm/suite';
import { validateTopic } from '../nodes/lib/wth';

const SOURCE = 'diffusion/files/coriolis/argo/#';
const DEAD_LETTERS = 'wis2/rejected/fr-ifremer-argo';

interface Sample {
  file: string;
  event: { id: string; subject?: string; data?: { assets?: Record<string, { roles?: string[] }> } };
  bytes: Buffer;
}

function samples(): Sample[] {
  const dir = path.join(flowsDir, 'samples');
  return fs
    .readdirSync(dir)
    .filter((n) => n.endsWith('.json'))
    .sort()
    .map((n) => {
      const bytes = fs.readFileSync(path.join(dir, n));
      return { file: n, bytes, event: JSON.parse(bytes.toString('utf8')) as Sample['event'] };
    });
}

function announced(s: Sample): number {
  const assets = Object.values(s.event.data?.assets ?? {});
  const data = assets.filter((a) => a.roles?.includes('data')).length;
  return data > 0 ? data : assets.length === 1 ? 1 : 0;
}

/** `origin/a/wis2/<centre-id>/metadata`: a discovery metadata notification, not data. */
function isMetadataTopic(topic: string): boolean {
  return topic.split('/')[4] === 'metadata';
}

async function main(): Promise<number> {
  const events = samples();
  const expected = events.reduce((n, s) => n + announced(s), 0);
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wis2-demo-'));
  const broker = await startEmbeddedBroker(0);
  // the sample files are not served here: nothing to check before publishing
  const env = { ...process.env, MQTT_URL: broker.url, WIS2_MQTT_URL: '', WIS2_DEAD_LETTER_TOPIC: DEAD_LETTERS, WIS2_CHECK: 'off' };
  // subscribed before Node-RED starts: the metadata flow announces the record right after deploy
  const client = await mqtt.connectAsync(broker.url, { clientId: `wis2-demo-${process.pid}` });
  await client.subscribeAsync({ 'origin/a/wis2/#': { qos: 1 }, [DEAD_LETTERS]: { qos: 1 } });
  let valid = 0;
  let invalid = 0;
  let metadata = 0;
  let deadLetters = 0;
  let complete = (): void => undefined;
  const done = new Promise<void>((resolve) => {
    complete = resolve;
  });
  client.on('message', (topic, payload) => {
    if (topic === DEAD_LETTERS) {
      deadLetters++;
      console.log(`DEAD LETTER  ${payload.toString('utf8').slice(0, 300)}`);
    } else {
      const report = validateWnm(payload, { topic })['ets-report'];
      const topicOk = validateTopic(topic, { mode: 'publication' }).valid;
      const ok = report.summary.FAILED === 0 && topicOk;
      const isMetadata = isMetadataTopic(topic);
      if (!ok) invalid++;
      else if (isMetadata) metadata++;
      else valid++;
      const wnm = JSON.parse(payload.toString('utf8')) as { id?: string; properties?: { data_id?: string; metadata_id?: string }; links?: { rel?: string }[] };
      const failed = report.tests.filter((t) => t.code === 'FAILED').map((t) => t.id.split('/').pop());
      const what = isMetadata
        ? `metadata_id ${wnm.properties?.metadata_id ?? '?'}  link ${wnm.links?.at(0)?.rel ?? '?'}`
        : `data_id ${wnm.properties?.data_id ?? '?'}`;
      console.log(
        `${ok ? 'VALID  ' : 'INVALID'}  ${topic}\n         id ${wnm.id ?? '?'}  ${payload.length} bytes  ` +
          `tests: ${report.summary.PASSED} passed, ${report.summary.FAILED} failed, ${report.summary.WARNING} warnings` +
          `${failed.length ? ` (${failed.join(', ')})` : ''}${topicOk ? '' : '  topic INVALID'}\n         ${what}`,
      );
    }
    // every announced file and the record, whatever became of each
    if (valid + metadata + invalid + deadLetters >= expected + 1) complete();
  });
  console.log(`demo: embedded broker ${broker.url}; starting Node-RED ${nodeRedVersion()} (Node.js ${process.version}) with the shipped flows…`);
  const runtime = await startRuntime({ userDir, host: '127.0.0.1', port: await freePort(), env, quiet: true }).catch(async (err: unknown) => {
    await client.endAsync();
    await broker.close();
    throw err;
  });
  try {
    await broker.subscribed(SOURCE);
    console.log(`demo: Node-RED ${runtime.url} subscribed to ${SOURCE}; publishing ${events.length} sample events; the metadata flow announces the Argo record\n`);
    for (const s of events) {
      await client.publishAsync(s.event.subject ?? 'diffusion/files/coriolis/argo/netcdf', s.bytes, { qos: 1 });
    }
    const timeout = new Promise<'timeout'>((r) => setTimeout(() => { r('timeout'); }, 30_000).unref());
    if ((await Promise.race([done, timeout])) === 'timeout') console.log('\ndemo: timed out waiting for notifications');
  } finally {
    await client.endAsync();
    await runtime.stop();
    await broker.close();
    fs.rmSync(userDir, { recursive: true, force: true });
  }
  const ok = valid === expected && metadata === 1 && invalid === 0 && deadLetters === 0;
  console.log(
    `\ndemo: ${events.length} events, ${expected} files announced; ${valid} valid data notifications, ${metadata} valid metadata notification, ` +
      `${invalid} invalid, ${deadLetters} dead letters: ${ok ? 'OK' : 'FAILED'}`,
  );
  if (!ok) console.log(`\nNode-RED output:\n${runtime.output()}`);
  return ok ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`demo: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
