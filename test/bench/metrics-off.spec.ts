import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

/** A runtime's metrics, updated once each, as the text prom-client serves; in a process of its own. */
function countedOnce(preload: string[]): string {
  const script = `
    const { Counter, Gauge, Histogram, Registry } = require('prom-client');
    // exemplars are only for OpenMetrics registries
    const registry = new Registry(Registry.OPENMETRICS_CONTENT_TYPE);
    const registers = [registry];
    new Counter({ name: 'c_total', help: 'c', labelNames: ['dataset'], registers }).inc({ dataset: 'argo' });
    new Counter({ name: 'e_total', help: 'e', labelNames: ['dataset'], registers, enableExemplars: true }).inc({ labels: { dataset: 'argo' }, value: 2 });
    new Gauge({ name: 'g', help: 'g', labelNames: ['dataset'], registers }).set({ dataset: 'argo' }, 7);
    new Histogram({ name: 'h', help: 'h', labelNames: ['dataset'], buckets: [1], registers }).observe({ dataset: 'argo' }, 0.5);
    registry.metrics().then((text) => { process.stdout.write(text); });
  `;
  const r = spawnSync(process.execPath, [...preload, '-e', script], { cwd: path.join(__dirname, '..', '..', '..'), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

describe('bench: metrics off', () => {
  it('makes every update of a counter, a gauge and a histogram do nothing, where the same updates count without it', () => {
    const on = countedOnce([]);
    for (const series of ['c_total{dataset="argo"} 1', 'e_total{dataset="argo"} 2', 'g{dataset="argo"} 7', 'h_count{dataset="argo"} 1']) assert.ok(on.includes(series), `${series} in\n${on}`);
    const off = countedOnce(['--require', path.join(__dirname, 'metrics-off.js')]);
    assert.doesNotMatch(off, /\{dataset="argo"\}/, off);
  });
});
