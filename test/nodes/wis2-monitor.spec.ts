import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { helper, wis2Nodes, onTab, datasetConfig, Recorder, type FlowNode } from '../helpers/nodes';
import { ARGO, ARGO_TOPIC } from '../helpers/fixtures';
import { mosquittoBin, needMosquitto, startMosquitto, type Broker } from '../helpers/mosquitto';
import { ourNotification } from '../helpers/notifications';
import { metricValue } from '../../nodes/common/metrics';

const CENTRE = ARGO.centreId;
const MONITOR_TOPIC = `monitor/a/wis2/${CENTRE}`;
const WME_SCHEMA = 'https://schemas.wmo.int/wme/1.0.0/schemas/wis2-event-message-bundled.json';

/** A WME event built from the draft's description: a CloudEvent 1.0 with WME data. */
function wme(source: string, data: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    specversion: '1.0',
    id: randomUUID(),
    type: 'int.wmo.wis.wme.event',
    source,
    subject: CENTRE,
    time: '2026-12-03T02:00:00Z',
    datacontenttype: 'application/json',
    dataschema: WME_SCHEMA,
    data: { conformsTo: ['http://wis.wmo.int/spec/wme/1/conf/core'], ...data },
    ...extra,
  };
}

function monitorFlow(brokerUrl: string): FlowNode[] {
  return [
    ...onTab([
      datasetConfig('ds', ARGO),
      { id: 'tracker', type: 'wis2-cache-tracker', broker: 'gb', dataset: 'ds', window: 30, wires: [['arrivals'], ['missed'], ['trackerRejects']] },
      { id: 'monitor', type: 'wis2-monitor', broker: 'gb', dataset: 'ds', wires: [['events'], ['rejects']] },
      { id: 'arrivals', type: 'helper' },
      { id: 'missed', type: 'helper' },
      { id: 'trackerRejects', type: 'helper' },
      { id: 'events', type: 'helper' },
      { id: 'rejects', type: 'helper' },
    ]),
    { id: 'gb', type: 'wis2-broker', url: brokerUrl, clientId: `monitor-spec-${process.pid}`, cleanSession: true, keepalive: 60, window: 8, maxQueueMB: 1 },
  ];
}

async function subscribed(node: string, topic: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  const n = helper.getNode(node) as unknown as { on: (e: string, f: (c: { args: unknown[] }) => void) => void };
  const seen = { done: false };
  n.on('call:log', (c) => { if (String(c.args[0]).includes('subscribed')) seen.done = true; });
  while (!seen.done && Date.now() < deadline) await Recorder.settle(25);
  assert.ok(seen.done, `${node} subscribed to ${topic}`);
}

describe('WIS2 monitor node, against Mosquitto', function () {
  this.timeout(60_000);
  let broker: Broker;
  let gb: MqttClient;

  before(async function () {
    needMosquitto(this);
    broker = await startMosquitto();
    gb = await mqtt.connectAsync(broker.url, { clientId: `monitor-spec-gb-${process.pid}` });
    await new Promise<void>((resolve) => { helper.startServer(() => { resolve(); }); });
  });
  after(async function () {
    if (!mosquittoBin) return;
    await gb.endAsync();
    await new Promise<void>((resolve) => { helper.stopServer(() => { resolve(); }); });
    await broker.stop();
  });
  afterEach(() => helper.unload());

  it('reads each known event type and the draft\'s examples, links them to our notifications and counts them', async () => {
    const metricBefore = await metricValue('wis2_monitor_events_total', { severity: 'ERROR', kind: 'wnm-report' });
    const otherBefore = await metricValue('wis2_monitor_events_total', { kind: 'other' });
    await helper.load(wis2Nodes, monitorFlow(broker.url));
    await subscribed('monitor', MONITOR_TOPIC);
    const rec = new Recorder(['events', 'rejects']);
    const ours = [0, 1, 2, 3, 4].map((i) => ourNotification(`${CENTRE}/dac/coriolis/690000${i}/profiles/R690000${i}_001.nc`, `2026-12-03T01:0${i}:00Z`));
    for (const n of ours) helper.getNode('tracker').receive({ payload: Buffer.from(JSON.stringify(n)), topic: ARGO_TOPIC });
    const [a, b, c, d, e] = ours as [Record<string, unknown>, Record<string, unknown>, Record<string, unknown>, Record<string, unknown>, Record<string, unknown>];
    const dataIdOf = (n: Record<string, unknown>): string => (n.properties as { data_id: string }).data_id;

    const events: { name: string; event: Record<string, unknown>; kind: string; severity: string; linkedBy?: 'id' | 'data_id'; ours?: Record<string, unknown> }[] = [
      // the draft's Global Broker report: the refused notification in content.wnm, the validator's errors
      {
        name: 'gb wnm-report',
        event: wme('int-globalbroker', { subtype: 'wnm-report', severity: 'ERROR', channel: ARGO_TOPIC, content: { wnm: a, exception: { code: 'invalid-schema', message: 'links: exactly one canonical', errors: ['links/0'] } } }),
        kind: 'wnm-report', severity: 'ERROR', linkedBy: 'id', ours: a,
      },
      // the draft's Global Cache report: a file it could not download (HTTP 404)
      {
        name: 'gc 404 report',
        event: wme('int-globalcache', { subtype: 'download-error', severity: 'WARNING', channel: ARGO_TOPIC, content: { data_id: dataIdOf(b), href: 'https://data-argo.ifremer.fr/x.nc', status: 404, message: 'HTTP 404 Not Found' } }),
        kind: 'download', severity: 'WARNING', linkedBy: 'data_id', ours: b,
      },
      // the draft's node outage: source is subject, with a time interval; about no notification
      {
        name: 'wis2node outage',
        event: wme(CENTRE, { subtype: 'outage', severity: 'NOTICE', time: { interval: ['2026-12-04T08:00:00Z', '2026-12-04T10:00:00Z'] }, content: { message: 'planned maintenance' } }),
        kind: 'outage', severity: 'NOTICE',
      },
      // the Météo-France relay: types of its own, no severity, the original message included
      { name: 'relay topic', event: { specversion: '1.0', id: randomUUID(), type: 'int.wmo.wis.wme.wnm.validation.topic', source: 'fr-meteofrance-global-broker', time: '2026-12-03T02:00:00Z', data: { reason: 'topic not in metadata', message: c } }, kind: 'wnm.topic', severity: 'ERROR', linkedBy: 'id', ours: c },
      { name: 'relay metadata', event: { specversion: '1.0', id: randomUUID(), type: 'int.wmo.wis.wme.wnm.validation.metadata', source: 'fr-meteofrance-global-broker', data: { reason: 'metadata_id unknown', message: JSON.stringify(d) } }, kind: 'wnm.metadata', severity: 'ERROR', linkedBy: 'id', ours: d },
      { name: 'relay schema', event: { specversion: '1.0', id: randomUUID(), type: 'int.wmo.wis.wme.wnm.validation.schema', source: 'fr-meteofrance-global-broker', data: { reason: 'schema', message: { ...e, id: 'not-ours', links: [] } } }, kind: 'wnm.schema', severity: 'ERROR', linkedBy: 'data_id', ours: e },
      // wis2-gdc: test results and KPIs of our record, a download failure of an item
      { name: 'gdc ets', event: { specversion: '1.0', id: randomUUID(), type: 'int.wmo.wis.wme.event.wcmp2.ets', source: 'ca-eccc-msc-global-discovery-catalogue', subject: CENTRE, data: { severity: 'INFO', metadata_id: ARGO.metadataId, report: { summary: { FAILED: 0 } } } }, kind: 'wcmp2.ets', severity: 'INFO' },
      { name: 'gdc kpi', event: { specversion: '1.0', id: randomUUID(), type: 'int.wmo.wis.wme.event.wcmp2.kpi', source: 'ca-eccc-msc-global-discovery-catalogue', subject: CENTRE, data: { severity: 'INFO', metadata_id: ARGO.metadataId, kpi: { percentage: 87 } } }, kind: 'wcmp2.kpi', severity: 'INFO' },
      { name: 'gdc item download', event: { specversion: '1.0', id: randomUUID(), type: 'int.wmo.wis.wme.event.item.download', source: 'ca-eccc-msc-global-discovery-catalogue', subject: CENTRE, data: { severity: 'ERROR', message: 'could not download the record', href: 'https://data-argo.ifremer.fr/etc/wis2/record.json' } }, kind: 'item.download', severity: 'ERROR' },
      // a type nobody told us about: passed on, never dropped
      { name: 'unknown type', event: { specversion: '1.0', id: randomUUID(), type: 'org.example.something', source: 'somewhere', data: { severity: 'warning', note: 'x' } }, kind: 'other', severity: 'WARNING' },
    ];
    for (const x of events) await gb.publishAsync(MONITOR_TOPIC, JSON.stringify(x.event), { qos: 1 });
    await rec.wait(events.length, 15_000);
    assert.deepEqual(rec.from('rejects'), []);
    const out = rec.from('events').map((m) => m.payload as Record<string, unknown>);
    events.forEach((x, i) => {
      const p = out[i] ?? {};
      assert.equal(p.kind, x.kind, x.name);
      assert.equal(p.severity, x.severity, x.name);
      assert.equal(p.linkedBy, x.linkedBy, x.name);
      if (x.ours) {
        assert.equal(p.ourNotification, x.ours.id, `${x.name}: linked to our notification`);
        assert.equal(p.dataId, dataIdOf(x.ours), x.name);
      } else assert.equal(p.ourNotification, undefined, x.name);
      assert.equal(typeof p.reason, 'string', x.name);
      assert.ok(Buffer.isBuffer(rec.from('events')[i]?.wme), `${x.name}: the event as received travels along`);
    });
    assert.equal(out[0]?.centre, 'int-globalbroker');
    assert.match(String(out[0]?.reason), /invalid-schema/);
    const counts = (helper.getNode('monitor') as unknown as { counts: { events: Map<string, number>; linked: number; unmatched: number } }).counts;
    assert.equal(counts.events.get('ERROR\u0000wnm-report'), 1);
    assert.equal(counts.events.get('ERROR\u0000wnm.topic'), 1);
    assert.equal(counts.events.get('WARNING\u0000other'), 1);
    assert.equal(counts.linked, 5);
    assert.equal((await metricValue('wis2_monitor_events_total', { severity: 'ERROR', kind: 'wnm-report' })) - metricBefore, 1, 'counted in the metrics');
    assert.equal((await metricValue('wis2_monitor_events_total', { kind: 'other' })) - otherBefore, 1);
    assert.equal(counts.unmatched, 5);
  });

  it('links by data_id through the dataset\'s announcement memory when no tracker knows the file', async () => {
    const flow = monitorFlow(broker.url).filter((n) => n.id !== 'tracker');
    await helper.load(wis2Nodes, flow);
    await subscribed('monitor', MONITOR_TOPIC);
    const rec = new Recorder(['events']);
    const ds = helper.getNode('ds') as unknown as { announcements: () => { confirm: (d: string, f: string, o: string) => void } };
    const dataId = `${CENTRE}/dac/coriolis/6900009/profiles/R6900009_002.nc`;
    ds.announcements().confirm(dataId, 'fingerprint', 'canonical');
    const quoted = ourNotification(dataId, '2026-12-03T01:00:00Z');
    await gb.publishAsync(MONITOR_TOPIC, JSON.stringify(wme('int-globalbroker', { subtype: 'wnm-report', severity: 'ERROR', content: { wnm: quoted } })), { qos: 1 });
    await gb.publishAsync(MONITOR_TOPIC, JSON.stringify(wme('int-globalbroker', { subtype: 'wnm-report', severity: 'ERROR', content: { wnm: ourNotification(`${CENTRE}/unknown.nc`, '2026-12-03T01:00:00Z') } })), { qos: 1 });
    await rec.wait(2, 10_000);
    const [known, unknown] = rec.from('events').map((m) => m.payload as Record<string, unknown>) as (Record<string, unknown> | undefined)[];
    assert.ok(known && unknown);
    assert.equal(known.linkedBy, 'data_id');
    assert.equal(known.dataId, dataId);
    assert.equal(known.ourNotification, quoted.id, 'the id the event quotes, for a file we announced');
    assert.equal(unknown.linkedBy, undefined);
    assert.equal(unknown.quotedDataId, `${CENTRE}/unknown.nc`);
  });

  it('turns 30+ hostile payloads into rejects with codes, and keeps reading', async () => {
    await helper.load(wis2Nodes, monitorFlow(broker.url));
    await subscribed('monitor', MONITOR_TOPIC);
    const rec = new Recorder(['events', 'rejects']);
    const valid = wme('int-globalbroker', { subtype: 'wnm-report', severity: 'ERROR' });
    const deep = (n: number): string => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
    const hostile: [string, Buffer | string, RegExp][] = [
      ['empty', '', /^intake\./],
      ['not JSON', 'hello', /^intake\.invalid_json$/],
      ['truncated JSON', '{"specversion":"1.0"', /^intake\.invalid_json$/],
      ['XML', '<event/>', /^intake\.invalid_json$/],
      ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), /^intake\.invalid_utf8$/],
      ['byte order mark', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(valid))]), /^intake\.byte_order_mark$/],
      ['too large', JSON.stringify({ ...valid, pad: 'x'.repeat(70 * 1024) }), /^intake\.too_large$/],
      ['nested 100 deep', deep(100), /^intake\.too_deep$/],
      ['nested 10 000 deep', deep(10_000), /^intake\.too_deep$/],
      ['deep inside data', JSON.stringify({ ...valid, data: { content: JSON.parse(deep(40)) as unknown } }), /^intake\.too_deep$/],
      ['__proto__ at the top', '{"__proto__":{"polluted":1},"specversion":"1.0"}', /^intake\.forbidden_key$/],
      ['__proto__ in data', JSON.stringify(valid).replace('"subtype"', '"__proto__":{"x":1},"subtype"'), /^intake\.forbidden_key$/],
      ['constructor key', JSON.stringify(valid).replace('"subtype"', '"constructor":{"prototype":{}},"subtype"'), /^intake\.forbidden_key$/],
      ['prototype key', '{"prototype":1}', /^intake\.forbidden_key$/],
      ['array', '[1,2,3]', /^wme\.not_object$/],
      ['number', '42', /^wme\.not_object$/],
      ['string', '"event"', /^wme\.not_object$/],
      ['null', 'null', /^wme\.not_object$/],
      ['true', 'true', /^wme\.not_object$/],
      ['no specversion', JSON.stringify({ ...valid, specversion: undefined }), /^wme\.specversion$/],
      ['specversion 0.3', JSON.stringify({ ...valid, specversion: '0.3' }), /^wme\.specversion$/],
      ['specversion as a number', JSON.stringify({ ...valid, specversion: 1 }), /^wme\.specversion$/],
      ['no id', JSON.stringify({ ...valid, id: undefined }), /^wme\.no_id$/],
      ['id a number', JSON.stringify({ ...valid, id: 7 }), /^wme\.no_id$/],
      ['empty id', JSON.stringify({ ...valid, id: '' }), /^wme\.no_id$/],
      ['no type', JSON.stringify({ ...valid, type: undefined }), /^wme\.no_type$/],
      ['type an object', JSON.stringify({ ...valid, type: { a: 1 } }), /^wme\.no_type$/],
      ['type 300 characters', JSON.stringify({ ...valid, type: 'int.wmo.' + 'x'.repeat(300) }), /^wme\.type$/],
      ['no source', JSON.stringify({ ...valid, source: undefined }), /^wme\.no_source$/],
      ['data an array', JSON.stringify({ ...valid, data: [1] }), /^wme\.data$/],
      ['data a string', JSON.stringify({ ...valid, data: 'ERROR' }), /^wme\.data$/],
      ['WME without subtype', JSON.stringify({ ...valid, data: { severity: 'ERROR' } }), /^wme\.no_subtype$/],
      ['WME subtype a number', JSON.stringify({ ...valid, data: { severity: 'ERROR', subtype: 3 } }), /^wme\.no_subtype$/],
      ['WME without severity', JSON.stringify({ ...valid, data: { subtype: 'wnm-report' } }), /^wme\.severity$/],
      ['WME severity PANIC', JSON.stringify({ ...valid, data: { subtype: 'wnm-report', severity: 'PANIC' } }), /^wme\.severity$/],
      ['WME severity an array', JSON.stringify({ ...valid, data: { subtype: 'wnm-report', severity: ['ERROR'] } }), /^wme\.severity$/],
      ['random bytes', Buffer.from([0x00, 0x01, 0x02, 0x80, 0x90]), /^intake\./],
    ];
    for (const [, payload] of hostile) await gb.publishAsync(MONITOR_TOPIC, payload, { qos: 1 });
    // one valid event after all of them, with control characters meant to forge log lines
    const last = wme('int-globalbroker', { subtype: 'wnm-report', severity: 'ERROR', content: { message: 'bad\nFORGED LINE\u0000' } });
    await gb.publishAsync(MONITOR_TOPIC, JSON.stringify(last), { qos: 1 });
    await rec.wait(hostile.length + 1, 20_000);
    const rejects = rec.from('rejects');
    assert.equal(rejects.length, hostile.length);
    hostile.forEach(([name, payload, code], i) => {
      const r = rejects[i] as (typeof rejects)[number] | undefined;
      const error = r?.error as { code: string; stage: string; message: string } | undefined;
      assert.match(error?.code ?? '', code, `${name}: ${error?.code ?? 'no error'}`);
      assert.equal(typeof error?.message, 'string');
      assert.ok(Buffer.isBuffer(r?.payload) && r.payload.equals(Buffer.from(payload)), `${name}: the original bytes are kept`);
    });
    assert.ok(hostile.length >= 30);
    const events = rec.from('events');
    assert.equal(events.length, 1, 'the valid event after them is read');
    assert.equal((events[0]?.payload as { reason: string }).reason.includes('\n'), false);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    const counts = (helper.getNode('monitor') as unknown as { counts: { rejected: Map<string, number> } }).counts;
    let total = 0;
    for (const n of counts.rejected.values()) total += n;
    assert.equal(total, hostile.length);
  });
});
