import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { distinctEvents, Lab, produce, sleep, until, DEAD_LETTERS, type Observer, type Pipeline } from '../reliability/harness';
import { needMosquitto, type Broker } from '../helpers/mosquitto';
import { needPrometheus, seriesValue, startPrometheus, type Prometheus, type Sample } from '../helpers/prometheus';

const ADMIN = { user: 'operator', password: 'metrics-spec-password' };
const TOKEN = 'metrics-spec-token';
const repoRoot = path.resolve(__dirname, '..', '..', '..');
/** the `dataset` label: the dataset config node's name */
const DATASET = 'Argo (fr-ifremer-argo)';
const METADATA = 'urn:wmo:md:fr-ifremer-argo:cor:msg:argo';

async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; type: string }> {
  const res = await fetch(url, { headers });
  return { status: res.status, body: await res.text(), type: res.headers.get('content-type') ?? '' };
}

/**
 * The whole pipeline (shipped flows, real Mosquitto) with the editor's login on, fed with file
 * events: `/metrics` on the editor port, scraped by a real Prometheus, and every query of the
 * shipped Grafana dashboard run against it.
 */
describe('metrics: /metrics, Prometheus and the dashboard', function () {
  this.timeout(240_000);
  const lab = new Lab();
  let b: Broker;
  let p: Pipeline;
  let o: Observer;
  let prom: Prometheus | undefined;
  // made when the suite starts, not when mocha loads the file: their `time` sets the event age
  let first: Buffer[] = [];
  let started = 0;

  before(async function () {
    first = distinctEvents(10);
    started = Date.now() / 1000;
    needMosquitto(this);
    needPrometheus(this);
    b = await lab.broker();
    p = await lab.pipeline(b, b, { NODE_RED_ADMIN_USER: ADMIN.user, NODE_RED_ADMIN_PASSWORD: ADMIN.password, WIS2_METRICS_TOKEN: TOKEN });
    o = await lab.observe(b);
    const target = new URL(p.runtime.url).host;
    prom = await startPrometheus([
      'global:',
      '  scrape_interval: 1s',
      '  evaluation_interval: 1s',
      'rule_files:',
      `  - ${path.join(repoRoot, 'docker', 'prometheus', 'alerts.yml')}`,
      'scrape_configs:',
      '  - job_name: wis2-pipeline',
      '    metrics_path: /metrics',
      '    authorization:',
      '      type: Bearer',
      `      credentials: ${TOKEN}`,
      '    static_configs:',
      `      - targets: ["${target}"]`,
      '',
    ].join('\n'));
    // two rounds, with scrapes before, between and after, so that rates see the counters move
    const promSees = async (expr: string, expected: number): Promise<void> => {
      const until = Date.now() + 60_000;
      for (;;) {
        const s = prom ? await prom.query(expr) : [];
        if (s.reduce((a, x) => a + x.value, 0) === expected) return;
        if (Date.now() > until) throw new Error(`${expr} = ${JSON.stringify(s)}, expected ${expected}\n${prom?.log() ?? ''}`);
        await sleep(250);
      }
    };
    await promSees('sum(wis2_events_received_total)', 0);
    await produce(b.url, [...first.slice(0, 5), Buffer.from('this is not a CloudEvent')], 0);
    await until(() => o.notifications.length >= 5 && o.deadLetters.length >= 1, 60_000, () => `${o.notifications.length} notifications, ${o.deadLetters.length} dead letters`);
    await promSees('sum(wis2_events_received_total)', 6);
    // the second round repeats an event of the first: a duplicate, not announced again
    // (a reject series is born at its first reject, which no rate can see: a second one of the
    // same code shows in "rejects per hour")
    await produce(b.url, [...first.slice(5), Buffer.from('{"specversion": "1.0"}'), Buffer.from('not JSON either'), first[0] ?? Buffer.alloc(0)], 0);
    await until(() => o.notifications.length >= 10 && o.deadLetters.length >= 3, 60_000, () => `${o.notifications.length} notifications, ${o.deadLetters.length} dead letters`);
    // the duplicate leaves no trace on the broker: wait for its count on /metrics instead
    const deadline = Date.now() + 30_000;
    for (;;) {
      const m = await get(`${p.runtime.url}metrics`, { Authorization: `Bearer ${TOKEN}` });
      if (seriesValue(m.body, `wis2_duplicates_total{dataset="${DATASET}"}`) === 1 && seriesValue(m.body, 'wis2_input_unfinished{broker="diffusion broker (MQTT_URL)"}') === 0) break;
      if (Date.now() > deadline) throw new Error(m.body);
      await sleep(200);
    }
    await promSees('sum(wis2_events_received_total)', 14);
    await promSees('sum(wis2_duplicates_total)', 1);
    // one more scrape, so that every rate has its last sample
    await sleep(1500);
  });
  after(async () => {
    await prom?.stop();
    await lab.cleanup();
  });

  it('answers 401 without credentials when the editor login is on', async () => {
    const r = await get(`${p.runtime.url}metrics`);
    assert.equal(r.status, 401);
    const wrong = await get(`${p.runtime.url}metrics`, { Authorization: 'Bearer not-the-token' });
    assert.equal(wrong.status, 401);
  });

  it('opens with the editor login too', async () => {
    const res = await fetch(`${p.runtime.url}auth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: 'node-red-admin', grant_type: 'password', scope: '*', username: ADMIN.user, password: ADMIN.password }).toString(),
    });
    assert.equal(res.status, 200);
    const { access_token: token } = (await res.json()) as { access_token: string };
    const r = await get(`${p.runtime.url}metrics`, { Authorization: `Bearer ${token}` });
    assert.equal(r.status, 200);
    assert.match(r.body, /^wis2_events_received_total/m);
  });

  it('serves every metric with the values of what was sent', async () => {
    const r = await get(`${p.runtime.url}metrics`, { Authorization: `Bearer ${TOKEN}` });
    assert.equal(r.status, 200);
    assert.match(r.type, /^text\/plain;.*version=0\.0\.4/);
    const t = r.body;
    const input = 'diffusion broker (MQTT_URL)';
    const output = 'WIS2 broker (WIS2_MQTT_URL)';
    const lines = t.split('\n').filter((l) => l.startsWith('wis2_') && (l.includes(DATASET) || l.includes(METADATA) || l.includes('broker=') || l.includes('topic=')) && !l.includes('_bucket'));
    // printed for the record: these are the lines an operator's curl shows
    console.log(`      /metrics, dataset ${DATASET}:\n${lines.map((l) => `        ${l}`).join('\n')}`);
    assert.equal(seriesValue(t, `wis2_events_received_total{dataset="${DATASET}"}`), 14);
    assert.equal(seriesValue(t, `wis2_notifications_published_total{dataset="${DATASET}",rel="canonical"}`), 10);
    assert.equal(seriesValue(t, `wis2_notifications_published_total{dataset="${DATASET}",rel="update"}`), 0);
    assert.equal(seriesValue(t, `wis2_duplicates_total{dataset="${DATASET}"}`), 1);
    const rejected = t.split('\n').filter((l) => l.startsWith(`wis2_rejected_total{dataset="${DATASET}"`));
    assert.equal(rejected.reduce((s, l) => s + Number(l.split(' ').at(-1)), 0), 3, rejected.join('\n'));
    assert.equal(seriesValue(t, `wis2_rejected_total{dataset="${DATASET}",stage="intake",code="intake.invalid_json"}`), 2);
    assert.equal(seriesValue(t, `wis2_rejected_total{dataset="${DATASET}",stage="cloudevent",code="ce.missing_attribute"}`), 1);
    assert.equal(seriesValue(t, `wis2_dead_letters_total{topic="${DEAD_LETTERS}"}`), 3);
    assert.equal(seriesValue(t, `wis2_outbox_messages{broker="${output}"}`), 0);
    assert.equal(seriesValue(t, `wis2_outbox_bytes{broker="${output}"}`), 0);
    assert.equal(seriesValue(t, `wis2_input_unfinished{broker="${input}"}`), 0);
    assert.equal(seriesValue(t, `wis2_broker_connected{broker="${input}"}`), 1);
    assert.equal(seriesValue(t, `wis2_broker_connected{broker="${output}"}`), 1);
    assert.equal(seriesValue(t, `wis2_input_session_lost_total{broker="${input}"}`), 0);
    assert.equal(seriesValue(t, `wis2_publish_latency_seconds_count{dataset="${DATASET}"}`), 10);
    assert.equal(seriesValue(t, `wis2_event_age_seconds_count{dataset="${DATASET}"}`), 10);
    const last = seriesValue(t, `wis2_last_published_timestamp_seconds{dataset="${DATASET}"}`) ?? 0;
    assert.ok(last >= started && last <= Date.now() / 1000, String(last));
    assert.equal(seriesValue(t, `wis2_metadata_announced_total{metadata_id="${METADATA}",rel="canonical"}`), 1);
    assert.match(t, /^wis2_wcmp_kpi_percentage\{metadata_id="urn:wmo:md:fr-ifremer-argo:cor:msg:argo"\} \d+(\.\d+)?$/m);
    assert.match(t, /^process_resident_memory_bytes \d+/m);
    assert.match(t, /^nodejs_eventloop_lag_seconds /m);
  });

  it('lets a real Prometheus run every query of the dashboard, each with data and the expected values', async () => {
    assert.ok(prom);
    const dashboard = JSON.parse(fs.readFileSync(path.join(repoRoot, 'docker', 'grafana', 'dashboards', 'wis2-pipeline.json'), 'utf8')) as { panels: { title: string; targets: { expr: string; legendFormat: string }[] }[] };
    const queries = dashboard.panels.flatMap((panel) => panel.targets.map((t) => ({ panel: panel.title, expr: t.expr })));
    const total = (s: Sample[]): number => s.reduce((a, x) => a + x.value, 0);
    const one = (s: Sample[], labels: Record<string, string>): number | undefined =>
      s.find((x) => Object.entries(labels).every(([k, v]) => x.metric[k] === v))?.value;
    const checks: Record<string, (s: Sample[]) => void> = {
      'sum by (rel) (rate(wis2_notifications_published_total[5m])) * 60': (s) => { assert.ok((one(s, { rel: 'canonical' }) ?? 0) > 0); },
      'sum(wis2_notifications_published_total)': (s) => { assert.equal(total(s), 10); },
      'sum(wis2_events_received_total)': (s) => { assert.equal(total(s), 14); },
      'sum(wis2_duplicates_total)': (s) => { assert.equal(total(s), 1); },
      'sum by (stage, code) (increase(wis2_rejected_total[1h]))': (s) => { assert.ok((one(s, { stage: 'intake', code: 'intake.invalid_json' }) ?? 0) > 0); },
      'sum by (stage, code) (wis2_rejected_total)': (s) => {
        assert.equal(one(s, { stage: 'intake', code: 'intake.invalid_json' }), 2);
        assert.equal(one(s, { stage: 'cloudevent', code: 'ce.missing_attribute' }), 1);
      },
      'sum by (topic) (wis2_dead_letters_total)': (s) => { assert.equal(one(s, { topic: DEAD_LETTERS }), 3); },
      'sum by (broker) (wis2_outbox_messages)': (s) => { assert.equal(one(s, { broker: 'WIS2 broker (WIS2_MQTT_URL)' }), 0); },
      'sum by (broker) (wis2_outbox_bytes)': (s) => { assert.equal(one(s, { broker: 'WIS2 broker (WIS2_MQTT_URL)' }), 0); },
      'sum by (broker) (wis2_input_unfinished)': (s) => { assert.equal(one(s, { broker: 'diffusion broker (MQTT_URL)' }), 0); },
      'wis2_broker_connected': (s) => {
        assert.ok(s.every((x) => x.value === 1));
        assert.equal(one(s, { broker: 'diffusion broker (MQTT_URL)' }), 1);
        assert.equal(one(s, { broker: 'WIS2 broker (WIS2_MQTT_URL)' }), 1);
      },
      'sum by (broker) (wis2_input_session_lost_total)': (s) => { assert.equal(one(s, { broker: 'diffusion broker (MQTT_URL)' }), 0); },
      'time() - max by (dataset) (wis2_last_published_timestamp_seconds)': (s) => {
        const age = one(s, { dataset: DATASET }) ?? -1;
        assert.ok(age >= 0 && age < Date.now() / 1000 - started + 5, String(age));
      },
      'histogram_quantile(0.5, sum by (le) (rate(wis2_publish_latency_seconds_bucket[5m])))': (s) => { assert.ok((s[0]?.value ?? 0) > 0 && (s[0]?.value ?? 99) < 60); },
      'histogram_quantile(0.99, sum by (le) (rate(wis2_publish_latency_seconds_bucket[5m])))': (s) => { assert.ok((s[0]?.value ?? 0) > 0 && (s[0]?.value ?? 99) < 60); },
      'histogram_quantile(0.5, sum by (le) (rate(wis2_event_age_seconds_bucket[5m])))': (s) => { assert.ok((s[0]?.value ?? -1) >= 0 && (s[0]?.value ?? 99) < 120); },
      'histogram_quantile(0.99, sum by (le) (rate(wis2_event_age_seconds_bucket[5m])))': (s) => { assert.ok((s[0]?.value ?? -1) >= 0 && (s[0]?.value ?? 99) < 120); },
      'sum by (metadata_id, rel) (wis2_metadata_announced_total)': (s) => { assert.equal(one(s, { metadata_id: METADATA, rel: 'canonical' }), 1); },
      'wis2_wcmp_kpi_percentage': (s) => {
        const kpi = one(s, { metadata_id: METADATA }) ?? -1;
        assert.ok(kpi > 0 && kpi <= 100, String(kpi));
      },
    };
    assert.deepEqual(queries.map((q) => q.expr).sort(), Object.keys(checks).sort(), 'every query of the dashboard has its check, and no check is left without its query');
    for (const q of queries) {
      const samples = await prom.query(q.expr);
      assert.ok(samples.length > 0, `${q.panel}: ${q.expr} returned no data`);
      assert.ok(samples.every((x) => Number.isFinite(x.value)), `${q.panel}: ${q.expr} = ${JSON.stringify(samples)}`);
      try {
        checks[q.expr](samples);
      } catch (err) {
        throw new Error(`${q.panel}: ${q.expr} = ${JSON.stringify(samples)}: ${(err as Error).message}`, { cause: err });
      }
    }
    console.log(`      ${queries.length} dashboard queries, each returned data with the expected values`);
  });

  it('loads the alert rules into the real Prometheus, none firing on a healthy pipeline', async () => {
    assert.ok(prom);
    const rules = (await prom.api('/api/v1/rules')) as { groups: { name: string; rules: { name: string; health: string; state: string }[] }[] };
    const group = rules.groups.find((g) => g.name === 'wis2-pipeline');
    assert.ok(group);
    assert.deepEqual(group.rules.map((r) => r.name).sort(), ['Wis2BrokerDisconnected', 'Wis2NothingPublished', 'Wis2OutboxGrowing', 'Wis2RejectsHigh', 'Wis2SessionLost']);
    assert.ok(group.rules.every((r) => r.health === 'ok'), JSON.stringify(group.rules));
    assert.ok(group.rules.every((r) => r.state === 'inactive'), JSON.stringify(group.rules));
  });
});
