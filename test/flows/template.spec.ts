import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { readFlow } from '../../bin/commands/flows';
import { validateWnm } from '../../nodes/lib/wnm';
import { ARGO_TOPIC } from '../helpers/fixtures';
import { needMosquitto } from '../helpers/mosquitto';
import { repoRoot } from '../helpers/reference';
import { Lab, SOURCE_TOPIC, until, type FlowNode, type Pipeline } from '../reliability/harness';

const RECORD_FILE = path.join(repoRoot, 'flows', 'metadata', 'fr-ifremer-argo.json');
const RECORD_ID = (JSON.parse(fs.readFileSync(RECORD_FILE, 'utf8')) as { id: string }).id;
const RECORD_URL = 'https://data-argo.ifremer.fr/etc/wis2/fr-ifremer-argo-core-metadata.json';
/** the dataset's warning, as the runtime logs it */
const NO_METADATA = /\[warn\] \[wis2-dataset:this tab's dataset\] no metadata flow in this runtime announced the record (\S+)/;

/** The template alone in a fresh runtime, its tab's variables set as a user would for Argo data. */
function template(metadataId: string): (installed: FlowNode[]) => FlowNode[] {
  return () =>
    readFlow('new-data-source').map((n) => {
      if (n.type !== 'tab') return n;
      const values: Record<string, string> = {
        SOURCE_TOPIC: 'diffusion/files/coriolis/argo/#',
        CENTRE_ID: 'fr-ifremer-argo',
        WIS2_TOPIC: ARGO_TOPIC,
        METADATA_ID: metadataId,
        BASE_URL: 'https://data-argo.ifremer.fr/',
        PATH_PATTERN: 'argo',
        METADATA_SOURCE: RECORD_FILE,
        METADATA_URL: RECORD_URL,
        DEAD_LETTER_TOPIC: 'wis2/rejected/fr-ifremer-argo',
      };
      const env = (n.env as { name: string; value: string; type: string }[]).map((e) => ({ ...e, value: values[e.name] ?? e.value }));
      return { ...n, env };
    });
}

describe('the new-data-source template in a fresh runtime, against Mosquitto', function () {
  this.timeout(120_000);
  const lab = new Lab();
  let watcher: MqttClient | undefined;

  before(function () {
    needMosquitto(this);
  });
  afterEach(async () => {
    await watcher?.endAsync(true);
    watcher = undefined;
    await lab.cleanup();
  });

  async function run(metadataId: string, graceSeconds: number): Promise<{ p: Pipeline; received: { topic: string; payload: Buffer }[]; deployed: number }> {
    const b = await lab.broker();
    watcher = await mqtt.connectAsync(b.url, { clientId: `wis2-template-watcher-${String(process.pid)}`, reconnectPeriod: 0 });
    const received: { topic: string; payload: Buffer }[] = [];
    watcher.on('message', (topic, payload) => received.push({ topic, payload }));
    await watcher.subscribeAsync('origin/a/wis2/#', { qos: 1 });
    const deployed = Date.now();
    const p = await lab.pipeline(b, b, { WIS2_METADATA_GRACE: String(graceSeconds) }, template(metadataId));
    const producer = await mqtt.connectAsync(b.url, { clientId: `wis2-template-producer-${String(process.pid)}`, reconnectPeriod: 0 });
    const sample = fs.readFileSync(path.join(repoRoot, 'flows', 'samples', 'coriolis-R6903580_147.json'));
    await producer.publishAsync(SOURCE_TOPIC, sample, { qos: 1 });
    await producer.endAsync();
    return { p, received, deployed };
  }

  it('announces the data and the dataset\'s metadata record, and the dataset does not warn', async () => {
    // a grace long enough for a loaded machine to validate and announce the record after the deploy
    const grace = 15;
    const { p, received, deployed } = await run(RECORD_ID, grace);
    await until(() => received.some((r) => r.topic === ARGO_TOPIC) && received.some((r) => r.topic.endsWith('/metadata')), 30_000, () => p.runtime.output());
    for (const r of received) assert.equal(validateWnm(r.payload, { topic: r.topic })['ets-report'].summary.FAILED, 0, r.topic);
    const metadata = received.find((r) => r.topic === 'origin/a/wis2/fr-ifremer-argo/metadata');
    assert.ok(metadata, received.map((r) => r.topic).join(', '));
    const wnm = JSON.parse(metadata.payload.toString('utf8')) as { properties: { metadata_id: string }; links: { href: string }[] };
    assert.equal(wnm.properties.metadata_id, RECORD_ID);
    assert.equal(wnm.links[0]?.href, RECORD_URL, 'the record is announced at METADATA_URL');
    // past the grace period, with the record announced: no warning
    await new Promise((r) => setTimeout(r, Math.max(0, deployed + (grace + 1) * 1000 - Date.now())));
    assert.doesNotMatch(p.runtime.output(), NO_METADATA);
  });

  it('warns, past the grace period, when no metadata flow announces the dataset\'s metadata_id', async () => {
    const orphan = 'urn:wmo:md:fr-ifremer-argo:nobody-announces-this';
    const { p, received } = await run(orphan, 3);
    await until(() => NO_METADATA.test(p.runtime.output()), 30_000, () => p.runtime.output());
    assert.equal(NO_METADATA.exec(p.runtime.output())?.[1], orphan);
    // the data still flows: the warning says what is missing, it stops nothing
    await until(() => received.some((r) => r.topic === ARGO_TOPIC), 30_000, () => p.runtime.output());
  });
});
