import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { recordContentHash } from '../../nodes/lib/feedback/gdc-check';
import { MetadataMemory, utcDay, validateWnm, type WisNotification } from '../../nodes/lib/wnm';
import { helper, wis2Nodes, onTab, Recorder } from '../helpers/nodes';
import { wnmSchemaErrors } from '../helpers/official';
import { repoRoot } from '../helpers/reference';
import { randomPayloads, runtimeKeptClean, type Case } from '../helpers/hostile';
import { RECORD_TEXT, brokenRecords, hostileRecords } from '../helpers/hostile-records';
import type { MetadataMessageInfo } from '../../nodes/common/messages';

const RECORD = fs.readFileSync(path.join(repoRoot, 'flows', 'metadata', 'fr-ifremer-argo.json'));
const RECORD_ID = 'urn:wmo:md:fr-ifremer-argo:cor:msg:argo';
const URL_A = 'https://data-argo.ifremer.fr/etc/wis2/fr-ifremer-argo-core-metadata.json';
const TOPIC = 'origin/a/wis2/fr-ifremer-argo/metadata';
const MEMORY_KEY = 'wis2-announced-records';


function changed(): Buffer {
  const r = JSON.parse(RECORD.toString('utf8')) as { properties: Record<string, unknown> };
  r.properties.updated = '2026-11-28T00:00:00Z';
  r.properties.description = `${String(r.properties.description)} Updated.`;
  return Buffer.from(JSON.stringify(r, null, 2));
}

function sha512(bytes: Buffer): string {
  return createHash('sha512').update(bytes).digest('base64');
}

/** Every notification passes our suite with 0 FAILED and the official schema. */
function assertValid(msg: Record<string, unknown>): WisNotification {
  const wnm = msg.payload as WisNotification;
  const report = validateWnm(wnm, { topic: String(msg.topic) })['ets-report'];
  assert.equal(report.summary.FAILED, 0, JSON.stringify(report.tests.filter((t) => t.code === 'FAILED')));
  assert.deepEqual(wnmSchemaErrors(wnm), []);
  return wnm;
}

/** The context module the test helper runs, to configure context stores as settings.js does. */
interface ContextModule {
  load(): Promise<void>;
}

describe('WCMP to WNM node', () => {
  before((done) => {
    helper.startServer(done);
  });
  after((done) => {
    helper.stopServer(done);
  });
  afterEach(() => helper.unload());

  async function start(config: Record<string, unknown> = { recordUrl: URL_A }): Promise<{ rec: Recorder; errors: unknown[] }> {
    await helper.load(wis2Nodes, onTab([
      { id: 'c', type: 'wis2-wcmp-to-wnm', ...config, wires: [['ok'], ['rej']] },
      { id: 'ok', type: 'helper' },
      { id: 'rej', type: 'helper' },
    ]));
    const errors: unknown[] = [];
    (helper.getNode('c') as unknown as EventEmitter).on('call:error', (call: { args: unknown[] }) => errors.push(call.args));
    return { rec: new Recorder(['ok', 'rej']), errors };
  }

  function send(msg: Record<string, unknown>): void {
    helper.getNode('c').receive(msg);
  }

  it('announces the record: canonical link to the record URL, integrity and length of its bytes, on the metadata topic', async () => {
    const { rec, errors } = await start();
    send({ payload: RECORD, _msgid: 'm1', kept: 'yes' });
    await rec.wait(1);
    const msg = rec.from('ok').at(0);
    assert.ok(msg);
    const wnm = assertValid(msg);
    assert.equal(msg.topic, TOPIC);
    assert.equal(msg.kept, 'yes', 'other message properties travel on');
    assert.deepEqual(wnm.links, [{ href: URL_A, rel: 'canonical', type: 'application/geo+json', length: RECORD.length }]);
    assert.deepEqual(wnm.properties.integrity, { method: 'sha512', value: sha512(RECORD) });
    assert.equal(wnm.properties.metadata_id, RECORD_ID);
    assert.equal(wnm.properties.data_id, `fr-ifremer-argo/metadata/${RECORD_ID}`);
    const info = msg.wis2 as MetadataMessageInfo;
    assert.deepEqual(
      { ...info, warnings: info.warnings.length },
      {
        centreId: 'fr-ifremer-argo',
        topic: TOPIC,
        dataId: `fr-ifremer-argo/metadata/${RECORD_ID}`,
        metadataId: RECORD_ID,
        operation: 'canonical',
        href: URL_A,
        bytes: Buffer.byteLength(JSON.stringify(wnm)),
        recordBytes: RECORD.length,
        digest: sha512(RECORD),
        repeat: false,
        updated: '2026-11-27T00:00:00Z',
        contentHash: recordContentHash(JSON.parse(RECORD.toString('utf8')) as Record<string, unknown>),
        warnings: 0,
      },
    );
    assert.deepEqual(errors, []);
  });

  it('goes canonical → update → deletion → canonical with its memory, every notification valid and new', async () => {
    const { rec, errors } = await start();
    send({ payload: RECORD });
    send({ payload: changed() });
    send({ payload: changed(), operation: 'deletion' });
    send({ payload: RECORD });
    await rec.wait(4);
    const out = rec.from('ok');
    assert.deepEqual(out.map((m) => (m.wis2 as MetadataMessageInfo).operation), ['canonical', 'update', 'deletion', 'canonical']);
    const wnms = out.map(assertValid);
    assert.equal(new Set(wnms.map((w) => w.id)).size, 4);
    assert.equal(wnms[1]?.properties.integrity?.value, sha512(changed()));
    assert.equal(wnms[2]?.properties.metadata_id, RECORD_ID, 'a deletion names the record (WNM 12H)');
    assert.equal(wnms[2]?.links[0]?.rel, 'deletion');
    const memory = MetadataMemory.fromJSON(helper.getNode('c').context().get(MEMORY_KEY));
    assert.deepEqual(memory.get(RECORD_ID), { digest: sha512(RECORD), url: URL_A, rel: 'canonical', id: wnms[3]?.id, day: utcDay(new Date()) });
    assert.deepEqual(errors, []);
  });

  it('repeats an unchanged record triggered again the same day with the same id', async () => {
    const { rec } = await start();
    send({ payload: RECORD });
    send({ payload: RECORD });
    await rec.wait(2);
    const [first, again] = rec.from('ok').map((m) => ({ wnm: assertValid(m), info: m.wis2 as MetadataMessageInfo }));
    assert.equal(again.wnm.id, first.wnm.id, 'Global Brokers drop the repeat');
    assert.deepEqual([again.info.operation, again.info.repeat], ['canonical', true]);
    assert.notEqual(again.wnm.properties.pubtime, undefined);
  });

  it('makes the daily re-announcement canonical with a new id when the memory says yesterday', async () => {
    const { rec } = await start();
    const node = helper.getNode('c');
    const memory = new MetadataMemory();
    memory.set(RECORD_ID, { digest: sha512(RECORD), url: URL_A, rel: 'update', id: '11111111-1111-5111-8111-111111111111', day: '2000-01-01' });
    node.context().set(MEMORY_KEY, memory.toJSON());
    send({ payload: RECORD });
    await rec.wait(1);
    const msg = rec.from('ok').at(0);
    assert.ok(msg);
    const wnm = assertValid(msg);
    assert.equal((msg.wis2 as MetadataMessageInfo).operation, 'canonical');
    assert.equal((msg.wis2 as MetadataMessageInfo).repeat, false);
    assert.notEqual(wnm.id, '11111111-1111-5111-8111-111111111111');
  });

  it('takes the record URL from msg.recordUrl over the configured one, and works with only that', async () => {
    const { rec } = await start({ recordUrl: '' });
    send({ payload: RECORD, recordUrl: 'https://example.org/records/argo.json' });
    send({ payload: RECORD });
    await rec.wait(2);
    const msg = rec.from('ok').at(0);
    assert.equal((msg?.payload as WisNotification).links[0]?.href, 'https://example.org/records/argo.json');
    const rej = rec.from('rej').at(0);
    assert.deepEqual(rej?.error, { code: 'metadata.record_url', message: 'no record URL is configured, and the message gives none in msg.recordUrl', path: '/recordUrl', stage: 'config' });
    await helper.unload();
    const second = await start();
    send({ payload: RECORD, recordUrl: 'https://mirror.example.org/argo.json' });
    await second.rec.wait(1);
    assert.equal((second.rec.from('ok').at(0)?.payload as WisNotification).links[0]?.href, 'https://mirror.example.org/argo.json');
  });

  it('takes the record URL from the environment (${VARIABLE})', async () => {
    process.env.WIS2_TEST_RECORD_URL = 'https://env.example.org/argo.json';
    try {
      const { rec } = await start({ recordUrl: '${WIS2_TEST_RECORD_URL}' });
      send({ payload: RECORD });
      await rec.wait(1);
      assert.equal((rec.from('ok').at(0)?.payload as WisNotification).links[0]?.href, 'https://env.example.org/argo.json');
    } finally {
      Reflect.deleteProperty(process.env, 'WIS2_TEST_RECORD_URL');
    }
  });

  it('rejects what it cannot announce on output 2, with msg.error and the original payload', async () => {
    const { rec, errors } = await start();
    const noId = JSON.parse(RECORD.toString('utf8')) as Record<string, unknown>;
    Reflect.deleteProperty(noId, 'id');
    const cases: [Record<string, unknown>, string, string][] = [
      [{ payload: 'not json' }, 'intake.invalid_json', 'intake'],
      [{ payload: Buffer.from([0xc3, 0x28]) }, 'intake.invalid_utf8', 'intake'],
      [{ payload: noId }, 'metadata.no_id', 'wnm'],
      [{ payload: RECORD, operation: 'update' }, 'metadata.operation', 'wnm'],
      [{ payload: RECORD, recordUrl: 'ftp://example.org/x.json' }, 'metadata.record_url', 'wnm'],
      [{ payload: RECORD, recordUrl: 42 }, 'metadata.record_url', 'wnm'],
      [{ payload: undefined }, 'intake.not_json_value', 'intake'],
    ];
    for (const [msg] of cases) send(msg);
    await rec.wait(cases.length);
    await Recorder.settle();
    assert.equal(rec.from('ok').length, 0);
    const rejects = rec.from('rej');
    cases.forEach(([msg, code, stage], i) => {
      const err = rejects[i]?.error as { code: string; stage: string; message: string; path: string };
      assert.equal(err.code, code, `case ${i}`);
      assert.equal(err.stage, stage, `case ${i}`);
      assert.equal(typeof err.message, 'string');
      assert.equal(typeof err.path, 'string');
      assert.equal(rejects[i]?.payload, msg.payload, 'the original payload');
    });
    assert.deepEqual(errors, []);
  });

  it('warns at deploy about a configured URL it can never use, and rejects each record with why', async () => {
    const warnings: unknown[] = [];
    const { rec } = await start({ recordUrl: 'https://user:secret@example.org/argo.json' });
    (helper.getNode('c') as unknown as EventEmitter).on('call:warn', (call: { args: unknown[] }) => warnings.push(call.args[0]));
    await Recorder.settle();
    send({ payload: RECORD });
    await rec.wait(1);
    assert.equal((rec.from('rej').at(0)?.error as { code: string }).code, 'metadata.record_url');
    assert.ok(warnings.some((w) => String(w).includes('credentials')), JSON.stringify(warnings));
  });

  it('announces a record given as an object with a warning that integrity is that of its compact JSON', async () => {
    const { rec } = await start();
    const obj = JSON.parse(RECORD.toString('utf8')) as unknown;
    send({ payload: obj });
    await rec.wait(1);
    const msg = rec.from('ok').at(0);
    assert.ok(msg);
    const wnm = assertValid(msg);
    assert.equal(wnm.properties.integrity?.value, sha512(Buffer.from(JSON.stringify(obj))));
    assert.deepEqual((msg.wis2 as MetadataMessageInfo).warnings.map((w) => w.code), ['metadata.integrity_of_object']);
  });

  it('keeps the memory in the context store it is given', async () => {
    // what the helper leaves out: context stores from settings, as settings.js configures them
    const internal = helper as unknown as { _context: ContextModule };
    helper.settings({ contextStorage: { default: { module: 'memory' }, other: { module: 'memory' } } });
    try {
      const { rec } = await start({ recordUrl: URL_A, store: 'other' });
      await internal._context.load();
      send({ payload: RECORD });
      await rec.wait(1);
      const node = helper.getNode('c');
      assert.equal(node.context().get(MEMORY_KEY, 'default'), undefined);
      const kept = MetadataMemory.fromJSON(node.context().get(MEMORY_KEY, 'other'));
      assert.equal(kept.get(RECORD_ID)?.digest, sha512(RECORD));
    } finally {
      helper.settings({ contextStorage: undefined });
    }
  });

  it('handles many messages at once one after the other, so each reads what the one before remembered', async () => {
    const { rec } = await start();
    const versions = Array.from({ length: 20 }, (_, i) => {
      const r = JSON.parse(RECORD.toString('utf8')) as { properties: Record<string, unknown> };
      r.properties.description = `${String(r.properties.description)} Version ${i}.`;
      return Buffer.from(JSON.stringify(r));
    });
    for (const payload of versions) send({ payload });
    await rec.wait(versions.length);
    const ops = rec.from('ok').map((m) => (m.wis2 as MetadataMessageInfo).operation);
    assert.deepEqual(ops, ['canonical', ...Array<string>(versions.length - 1).fill('update')]);
    assert.equal(new Set(rec.from('ok').map((m) => (m.payload as WisNotification).id)).size, versions.length);
  });
});

describe('WCMP to WNM: random and hostile records through the real runtime', function () {
  this.timeout(120_000);
  runtimeKeptClean();

  async function run(cases: Case[]): Promise<{ announced: number; rejected: number }> {
    await helper.load(wis2Nodes, onTab([
      { id: 'conv', type: 'wis2-wcmp-to-wnm', recordUrl: URL_A, wires: [['ok'], ['rej']] },
      { id: 'ok', type: 'helper' },
      { id: 'rej', type: 'helper' },
    ]));
    const conv = new Recorder(['ok', 'rej']);
    const errors: unknown[] = [];
    (helper.getNode('conv') as unknown as EventEmitter).on('call:error', (call: { args: unknown[] }) => errors.push(['conv', call.args]));
    cases.forEach((c, i) => {
      const msg: Record<string, unknown> = { payload: c.payload, caseId: i };
      if ('operation' in c) msg.operation = c.operation;
      if ('recordUrl' in c) msg.recordUrl = c.recordUrl;
      helper.getNode('conv').receive(msg);
    });
    await conv.wait(cases.length, 90_000);
    await Recorder.settle(100);
    assert.deepEqual(errors, [], 'no node reported an error to the runtime');
    assert.equal(conv.received.length, cases.length, 'the converter sends nothing more');

    for (let i = 0; i < cases.length; i++) {
      const out = conv.received.filter((r) => r.msg.caseId === i);
      assert.equal(out.length, 1, `case ${i}: the converter sends exactly one message`);
      const only = out[0];
      assert.ok(only);
      if (only.from === 'rej') {
        const err = only.msg.error as { code?: unknown; message?: unknown; path?: unknown; stage?: unknown };
        for (const key of ['code', 'message', 'path', 'stage'] as const) assert.equal(typeof err[key], 'string', `case ${i}: error.${key}`);
      } else {
        const wnm = only.msg.payload as WisNotification;
        assert.deepEqual(wnmSchemaErrors(wnm), [], `case ${i}: an announced record gives a valid notification`);
        assert.equal(validateWnm(wnm, { topic: String(only.msg.topic) })['ets-report'].summary.FAILED, 0, `case ${i}`);
        assert.match(String(only.msg.topic), /^origin\/a\/wis2\/[a-z0-9-]+\/metadata$/);
        assert.equal(wnm.links.length, 1);
      }
    }
    return { announced: conv.from('ok').length, rejected: conv.from('rej').length };
  }

  it('the hostile corpus: one message each, runtime intact', async () => {
    const counts = await run(hostileRecords());
    assert.ok(counts.rejected >= 25, `most are refused (${counts.rejected})`);
  });

  it('random JSON, random values, random bytes and random strings', async () => {
    const cases = randomPayloads(400);
    const counts = await run(cases);
    assert.equal(counts.announced + counts.rejected, cases.length);
  });

  it('our record with one member broken at random, with random operations and URLs: announced validly or refused', async () => {
    const counts = await run([{ payload: Buffer.from(RECORD_TEXT) }, ...brokenRecords()]);
    assert.ok(counts.announced >= 1, 'untouched records still get through');
    assert.ok(counts.rejected >= 1);
  });
});
