import assert from 'node:assert/strict';
import type { BrokerTotals } from '../../nodes/common/broker-node';
import { needMosquitto } from '../helpers/mosquitto';
import { Lab, distinctEvents, produce, sleep, until, type FlowNode } from '../reliability/harness';

/**
 * What an operator sees of the shipped flows, in the real runtime against real Mosquitto: each
 * WIS2 publish node counts its own notifications (the Argo data node is not credited with the
 * metadata announcement on the same broker), the broker's totals are the sum, warnings reach the
 * log and the status, a dead letter is one readable line, and "connection changes" speaks only
 * when a connection changes.
 */

const DATA_STATUS = 'data publish status';
const METADATA_STATUS = 'metadata publish status';

/** The debug nodes print to the runtime's log, and two status watchers are added, one per publish node. */
function observable(nodes: FlowNode[]): FlowNode[] {
  const out = nodes.map((n) => (n.type === 'debug' ? { ...n, console: true, active: true } : n));
  const watch = (id: string, tab: string, name: string): FlowNode[] => [
    { id: `${id}-watch`, type: 'status', z: tab, name, scope: [id], x: 100, y: 900, wires: [[`${id}-watch-debug`]] },
    { id: `${id}-watch-debug`, type: 'debug', z: tab, name, active: true, tosidebar: false, console: true, tostatus: false, complete: 'status.text', targetType: 'msg', x: 300, y: 900, wires: [] },
  ];
  return [...out, ...watch('wis2-argo-publish', 'wis2-argo-data', DATA_STATUS), ...watch('wis2-argo-metadata-publish', 'wis2-argo-metadata', METADATA_STATUS)];
}

/** The lines a debug node named `name` printed, in order. */
function debugLines(output: string, name: string): string[] {
  const tag = `[debug:${name}] `;
  return output.split('\n').filter((l) => l.includes(tag)).map((l) => l.slice(l.indexOf(tag) + tag.length).trim());
}

function lastSent(output: string, name: string): number | undefined {
  const last = debugLines(output, name).at(-1);
  const m = last ? /(\d+) sent/.exec(last) : null;
  return m ? Number(m[1]) : undefined;
}

describe('what the shipped flows tell the operator (real runtime, real Mosquitto)', function () {
  this.timeout(120_000);
  const lab = new Lab();
  before(function () {
    needMosquitto(this);
  });
  after(() => lab.cleanup());

  it('counts per publish node, sums on the broker, warns in log and status, sums up dead letters, reports only connection changes', async () => {
    const b = await lab.broker();
    const p = await lab.pipeline(b, b, { WIS2_METADATA_URL: 'https://data-argo.ifremer.fr/etc/wis2/fr-ifremer-argo-core-metadata.json' }, observable);
    const out = (): string => p.runtime.output();

    // the metadata flow announces its record 10 s after deploy, on the same WIS2 broker
    await until(() => lastSent(out(), METADATA_STATUS) === 1, 40_000, () => `metadata not announced:\n${out().slice(-3000)}`);
    await sleep(500);
    assert.ok((lastSent(out(), DATA_STATUS) ?? 0) === 0, `the Argo data node counts no notification of another node: ${debugLines(out(), DATA_STATUS).join(' | ')}`);
    // the monitoring tab's nodes state their counts, not their connection: their first status is one line each
    const connectionLines = (): string[] => debugLines(out(), 'connection changes').filter((l) => !/^wis2-(monitor|cache-tracker) /.test(l));
    const changesBefore = connectionLines();
    assert.ok(changesBefore.length >= 1 && changesBefore.every((l) => /: (connected|disconnected)/.test(l)), JSON.stringify(changesBefore));

    const [a, b2, c, md5Event, badEvent] = distinctEvents(5).map((e) => JSON.parse(e.toString('utf8')) as { data: { assets: Record<string, Record<string, unknown>> } });
    const withChecksum = (e: typeof a, checksum: string): Buffer => {
      for (const asset of Object.values(e.data.assets)) if (asset['file:checksum'] !== undefined) asset['file:checksum'] = checksum;
      return Buffer.from(JSON.stringify(e));
    };
    const sha256 = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';
    const events: Buffer[] = [...[a, b2, c].map((e) => Buffer.from(JSON.stringify(e))), withChecksum(md5Event, `d50110${'ab'.repeat(16)}`), withChecksum(badEvent, `sha256:${sha256}`)];
    await produce(b.url, events, 0);

    await until(() => lastSent(out(), DATA_STATUS) === 4, 30_000, () => `data statuses: ${debugLines(out(), DATA_STATUS).join(' | ')}\n${out().slice(-3000)}`);
    await sleep(1000);
    const dataStatus = debugLines(out(), DATA_STATUS).at(-1) ?? '';
    assert.match(dataStatus, /^connected · 0 queued, 4 sent, 0 rejected, 1 with warnings$/);
    assert.equal(lastSent(out(), METADATA_STATUS), 1, 'the metadata node still counts its one announcement');

    // the broker's totals are the sum of its nodes', read where the editor's dialog reads them
    const res = await fetch(new URL('wis2-broker/wis2-broker-output/totals', p.runtime.url));
    assert.equal(res.status, 200);
    const totals = (await res.json()) as BrokerTotals;
    assert.equal(totals.connected, true);
    assert.equal(totals.outbox?.sent, 5, JSON.stringify(totals));
    assert.equal(totals.users, 2);

    // the notification without integrity is said in the publish node's log
    assert.match(out(), /\[wis2-publish:wis2-argo-publish\] publish\.no_integrity at \/properties\/integrity on origin\/a\/wis2\/fr-ifremer-argo\/data\/core\/\S+: \S+ is published without integrity/);

    // the refused event: one line, code: message @ path, file
    const refused = debugLines(out(), 'why refused');
    assert.equal(refused.length, 1, refused.join('\n'));
    assert.match(refused[0] ?? '', /^checksum\.invalid: file:checksum "sha256:…" is an algorithm name and a digest, not a multihash; a multihash is .*"1220" followed by .* @ \/data\/assets\/[^,]+\/file:checksum, https:\/\/data-argo\.ifremer\.fr\/\S+$/);

    // five events went through: not one more connection line
    assert.deepEqual(connectionLines(), changesBefore, 'no line per message');

    // a real change: the broker goes away and comes back
    await b.stop();
    await until(() => connectionLines().length > changesBefore.length, 20_000, () => out().slice(-2000));
    await b.start();
    await until(() => connectionLines().slice(changesBefore.length).filter((l) => /: connected/.test(l)).length >= 3, 30_000, () => debugLines(out(), 'connection changes').join('\n'));
    const changes = connectionLines().slice(changesBefore.length);
    // the Argo input and the two publish nodes, each: away, then back
    for (const who of ['Argo file events', 'wis2-argo-publish', 'wis2-argo-metadata-publish']) {
      const mine = changes.filter((l) => l.includes(who));
      assert.deepEqual(mine.map((l) => (/: connected/.test(l) ? 'connected' : 'disconnected')), ['disconnected', 'connected'], `${who}: ${changes.join('\n')}`);
    }
    console.log(`      per node: data "${dataStatus}", metadata ${String(lastSent(out(), METADATA_STATUS))} sent; broker totals ${JSON.stringify(totals.outbox)}; ${changes.length} connection lines for one outage`);
  });
});
