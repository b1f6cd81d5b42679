import assert from 'node:assert/strict';
import { counter, gauge, histogram, metricValue, metricsRegistry, readAtScrape, sampledGauge } from '../../../nodes/common/metrics';

describe('metrics registry', () => {
  it('hands out the same counter to every caller, so counts survive new node objects', async () => {
    const a = counter('wis2_test_things_total', 'things', ['dataset']);
    const before = await metricValue('wis2_test_things_total', { dataset: 'x' });
    a.inc({ dataset: 'x' });
    const b = counter('wis2_test_things_total', 'things', ['dataset']);
    assert.equal(a, b);
    b.inc({ dataset: 'x' }, 2);
    assert.equal(await metricValue('wis2_test_things_total', { dataset: 'x' }), before + 3);
  });

  it('is one registry per process, even for a second copy of the module', () => {
    const modulePath = require.resolve('../../../nodes/common/metrics');
    const cached = require.cache[modulePath];
    Reflect.deleteProperty(require.cache, modulePath);
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- a fresh copy of the module is the point
      const copy = require(modulePath) as typeof import('../../../nodes/common/metrics');
      assert.notEqual(copy.counter, counter);
      assert.equal(copy.metricsRegistry(), metricsRegistry());
      assert.equal(copy.counter('wis2_test_things_total', 'things', ['dataset']), counter('wis2_test_things_total', 'things', ['dataset']));
    } finally {
      if (cached) require.cache[modulePath] = cached;
    }
  });

  it('serves counters, gauges, histograms and the process metrics in the text format', async () => {
    counter('wis2_test_served_total', 'served', ['rel']).inc({ rel: 'update' });
    gauge('wis2_test_depth', 'depth', ['broker']).set({ broker: 'b1' }, 7);
    histogram('wis2_test_wait_seconds', 'wait', ['dataset']).observe({ dataset: 'd' }, 0.2);
    const text = await metricsRegistry().metrics();
    assert.match(text, /^# TYPE wis2_test_served_total counter$/m);
    assert.match(text, /^wis2_test_served_total\{rel="update"\} 1$/m);
    assert.match(text, /^wis2_test_depth\{broker="b1"\} 7$/m);
    assert.match(text, /^wis2_test_wait_seconds_bucket\{le="0.25",dataset="d"\} 1$/m);
    assert.match(text, /^wis2_test_wait_seconds_count\{dataset="d"\} 1$/m);
    assert.match(text, /^process_cpu_seconds_total /m);
    assert.match(text, /^nodejs_heap_size_used_bytes /m);
    assert.equal(await metricValue('wis2_test_depth', { broker: 'b1' }), 7);
    assert.equal(await metricValue('wis2_test_never_made_total'), 0);
  });

  it('reads a sampled gauge from its sources when the metrics are read, adding up those of the same labels', async () => {
    const g = sampledGauge('wis2_test_backlog', 'backlog', ['broker']);
    assert.equal(sampledGauge('wis2_test_backlog', 'backlog', ['broker']), g, 'the same gauge for every caller');
    let a = 3;
    const b: { value?: number } = {};
    const stopA = readAtScrape(g, { broker: 'one' }, () => a);
    const stopB = readAtScrape(g, { broker: 'one' }, () => b.value);
    const stopC = readAtScrape(g, { broker: 'two' }, () => 5);
    assert.equal(await metricValue('wis2_test_backlog', { broker: 'one' }), 3, 'a source with nothing to say adds nothing');
    a = 4;
    b.value = 10;
    assert.match(await metricsRegistry().metrics(), /^wis2_test_backlog\{broker="one"\} 14$/m, 'read again at each scrape');
    assert.match(await metricsRegistry().metrics(), /^wis2_test_backlog\{broker="two"\} 5$/m);
    stopA();
    stopB();
    const text = await metricsRegistry().metrics();
    assert.doesNotMatch(text, /^wis2_test_backlog\{broker="one"\}/m, 'a series whose sources are gone is absent');
    assert.match(text, /^wis2_test_backlog\{broker="two"\} 5$/m);
    stopC();
    assert.equal(await metricValue('wis2_test_backlog'), 0);
    assert.throws(() => readAtScrape(gauge('wis2_test_set_depth', 'depth'), {}, () => 1), /not a sampled gauge/);
    assert.throws(() => gauge('wis2_test_backlog', 'backlog', ['broker']), /exists as a sampled gauge/);
    assert.throws(() => sampledGauge('wis2_test_set_depth', 'depth'), /exists as a gauge with labels \[\], asked as a sampled gauge/);
  });

  it('refuses names that break the naming rule', () => {
    assert.throws(() => counter('wis2_things', 'no _total'), /ends in _total/);
    assert.throws(() => gauge('wis2_depth_total', 'gauge with _total'), /ends in _total/);
    assert.throws(() => histogram('wis2_latency_total', 'histogram with _total'), /ends in _total/);
    assert.throws(() => counter('other_things_total', 'no prefix'), /naming rule/);
    assert.throws(() => counter('wis2_Things_total', 'upper case'), /naming rule/);
    assert.throws(() => counter('wis2_ok_total', 'bad label', ['Dataset']), /label name Dataset/);
  });

  it('refuses the same name asked as another kind or with other labels', () => {
    counter('wis2_test_kind_total', 'kind', ['dataset']);
    assert.throws(() => counter('wis2_test_kind_total', 'kind', ['broker']), /exists as a counter with labels \[dataset\]/);
    gauge('wis2_test_kind_depth', 'kind');
    assert.throws(() => histogram('wis2_test_kind_depth', 'kind'), /exists as a gauge/);
  });
});
