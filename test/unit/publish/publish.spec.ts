import assert from 'node:assert/strict';
import fs from 'node:fs';
import { convertEvent } from '../../../nodes/lib/publish/convert';
import { resolveDataset } from '../../../nodes/lib/dataset';
import { deadLetter, deadLetterSummary, encodePayload } from '../../../nodes/lib/publish/dead-letter';
import { preparePublication } from '../../../nodes/lib/publish/publish';
import { ARGO, ARGO_TOPIC, SAMPLE_BUFR } from '../../helpers/fixtures';
import { refusal } from '../../helpers/refusal';

const dataset = resolveDataset(ARGO);
const event = fs.readFileSync(SAMPLE_BUFR);
const built = convertEvent({ payload: event }, dataset).notifications[0];


describe('preparing a publication', () => {
  it('serialises an object once and sets topic, QoS 1, no retain and the content type', () => {
    const p = preparePublication(built.message, ARGO_TOPIC, dataset);
    assert.equal(p.topic, ARGO_TOPIC);
    assert.equal(p.qos, 1);
    assert.equal(p.retain, false);
    assert.equal(p.contentType, 'application/geo+json');
    assert.equal(p.payload.toString('utf8'), JSON.stringify(built.message));
    assert.equal(p.bytes, built.bytes);
  });

  it('sends given bytes exactly as they are', () => {
    const pretty = Buffer.from(JSON.stringify(built.message, null, 2));
    const p = preparePublication(pretty, ARGO_TOPIC, dataset);
    assert.equal(p.payload, pretty);
  });

  it('accepts the metadata topic of the centre', () => {
    assert.equal(preparePublication(built.message, 'origin/a/wis2/fr-ifremer-argo/metadata', dataset).topic, 'origin/a/wis2/fr-ifremer-argo/metadata');
  });

  const refused: [string, () => unknown, string, RegExp][] = [
    ['a topic under another centre id', () => preparePublication(built.message, ARGO_TOPIC.replace('fr-ifremer-argo', 'fr-meteofrance'), dataset), 'publish.foreign_centre', /fr-meteofrance/],
    ['another data policy', () => preparePublication(built.message, ARGO_TOPIC.replace('/core/', '/recommended/'), dataset), 'publish.data_policy', /recommended/],
    ['swapped levels', () => preparePublication(built.message, ARGO_TOPIC.replace('data/core', 'core/data'), dataset), 'publish.invalid_topic', /swapped/],
    ['a wildcard', () => preparePublication(built.message, 'origin/a/wis2/fr-ifremer-argo/data/core/ocean/#', dataset), 'publish.invalid_topic', /wildcard/],
    ['a topic that is not a leaf', () => preparePublication(built.message, 'origin/a/wis2/fr-ifremer-argo/data/core/ocean/surface-based-observations', dataset), 'publish.invalid_topic', /leaf/],
    ['no topic at all', () => preparePublication(built.message, undefined), 'publish.no_topic', /topic/],
    ['more than 8192 bytes', () => preparePublication({ ...built.message, padding: 'x'.repeat(9000) }, ARGO_TOPIC, dataset), 'publish.too_large', /8192/],
    ['more than 8192 bytes given as bytes', () => preparePublication(Buffer.alloc(8193, 0x20), ARGO_TOPIC, dataset), 'publish.too_large', /8193/],
    ['a payload that is not JSON', () => preparePublication('{', ARGO_TOPIC, dataset), 'publish.not_json', /JSON/],
    ['JSON that is not a notification', () => preparePublication('[1,2]', ARGO_TOPIC, dataset), 'publish.not_wnm', /notification/],
  ];
  for (const [what, fn, code, text] of refused) {
    it(`refuses ${what} (${code})`, () => {
      const err = refusal(fn);
      assert.equal(err.code, code);
      assert.equal(err.stage, 'publish');
      assert.match(err.message, text);
    });
  }

  it('sets cache false on an experimental topic', () => {
    const exp = resolveDataset({ ...ARGO, topic: 'origin/a/wis2/fr-ifremer-argo/data/core/ocean/experimental/argo-bgc' });
    const p = preparePublication(Buffer.from(JSON.stringify(built.message)), exp.topic, exp);
    assert.equal((JSON.parse(p.payload.toString('utf8')) as { properties: { cache: boolean } }).properties.cache, false);
    assert.equal(p.warnings.at(0)?.code, 'publish.cache_false');
  });

  it('warns when a notification announcing a file carries no integrity, not for a deletion', () => {
    assert.ok(built.message.properties.integrity, 'the sample announces its checksum');
    assert.deepEqual(preparePublication(built.message, ARGO_TOPIC, dataset).warnings, []);
    const bare = structuredClone(built.message) as unknown as { properties: Record<string, unknown>; links: { rel: string }[] };
    delete bare.properties.integrity;
    const w = preparePublication(bare, ARGO_TOPIC, dataset).warnings;
    assert.deepEqual(w.map((x) => [x.code, x.path]), [['publish.no_integrity', '/properties/integrity']]);
    assert.match(w.at(0)?.message ?? '', /without integrity/);
    for (const l of bare.links) l.rel = 'deletion';
    assert.deepEqual(preparePublication(bare, ARGO_TOPIC, dataset).warnings, []);
  });
});

describe('dead-letter records', () => {
  const now = new Date('2026-11-28T12:00:00Z');

  it('sum up in one readable line: code: message @ path, file', () => {
    const refused = { payload: event, error: { code: 'checksum.invalid', message: 'bad\nchecksum', path: '/data/assets/x/file:checksum', stage: 'stac' } };
    const line = deadLetterSummary(deadLetter(refused, now), refused);
    assert.match(line, /^checksum\.invalid: bad checksum @ \/data\/assets\/x\/file:checksum, https?:\/\/\S+$/);
    const withFile = { payload: built.message, error: { code: 'publish.refused', message: 'not authorised' }, wis2: { href: 'https://example.org/f.nc' } };
    assert.equal(deadLetterSummary(deadLetter(withFile, now), withFile), 'publish.refused: not authorised, https://example.org/f.nc');
    const caught = { payload: 'x', error: { message: 'boom', source: { id: 'n1', type: 'function', name: 'mine' } } };
    assert.equal(deadLetterSummary(deadLetter(caught, now), caught), 'node.error: boom @ node mine');
    const huge = { payload: Buffer.alloc(100), error: { code: 'c', message: 'm'.repeat(1000) } };
    assert.ok(deadLetterSummary(deadLetter(huge, now), huge).length <= 400);
  });

  it('keep the reason of a reject and the original text', () => {
    const r = deadLetter({ payload: '{"id":1}', topic: 'diffusion/files/x', error: { code: 'ce.missing_attribute', message: 'no source', path: '/source', stage: 'cloudevent' } }, now);
    assert.deepEqual(r, {
      time: '2026-11-28T12:00:00.000Z',
      reason: { code: 'ce.missing_attribute', message: 'no source', path: '/source', stage: 'cloudevent' },
      topic: 'diffusion/files/x',
      payload: { encoding: 'utf-8', value: '{"id":1}' },
    });
  });

  it('name the failed tests of a validation report', () => {
    const report = { 'ets-report': { tests: [{ id: 'http://wis.wmo.int/spec/wnm/1/conf/core/links', code: 'FAILED', message: 'two canonical links' }, { id: 'x/validation', code: 'PASSED' }] } };
    const r = deadLetter({ payload: {}, report }, now);
    assert.equal(r.reason.code, 'validation.failed');
    assert.match(r.reason.message, /links/);
    assert.equal(r.reason.tests?.length, 1);
  });

  it('keep a Catch node error and its source', () => {
    const r = deadLetter({ payload: 'x', error: { message: 'boom', source: { id: 'n1', type: 'mqtt out' } } }, now);
    assert.equal(r.reason.code, 'node.error');
    assert.deepEqual(r.reason.source, { id: 'n1', type: 'mqtt out' });
  });

  it('encode payloads losslessly', () => {
    assert.deepEqual(encodePayload(Buffer.from('héllo')), { encoding: 'utf-8', value: 'héllo' });
    const bytes = Buffer.from([0xff, 0x00, 0xfe]);
    const b64 = encodePayload(bytes);
    assert.equal(b64.encoding, 'base64');
    assert.ok(Buffer.from(b64.value ?? '', 'base64').equals(bytes));
    assert.deepEqual(encodePayload({ a: [1] }), { encoding: 'json', value: '{"a":[1]}' });
    assert.deepEqual(encodePayload(undefined), { encoding: 'none', value: null });
  });
});
