import assert from 'node:assert/strict';
import path from 'node:path';
import { needPrometheus, promtool } from '../helpers/prometheus';

const dir = path.resolve(__dirname, '..', '..', '..', 'docker', 'prometheus');

describe('deploy: Prometheus alert rules', function () {
  this.timeout(120_000);
  before(function () {
    needPrometheus(this);
  });

  it('pass promtool check rules', () => {
    const r = promtool(['check', 'rules', 'alerts.yml'], dir);
    assert.equal(r.status, 0, r.output);
    assert.match(r.output, /SUCCESS: 5 rules found/);
  });

  it('pass their unit tests (promtool test rules): each fires on its situation, not before', () => {
    const r = promtool(['test', 'rules', 'alerts.test.yml'], dir);
    assert.equal(r.status, 0, r.output);
    assert.match(r.output, /SUCCESS/);
  });

  it('leave the scrape configuration valid (promtool check config)', () => {
    const r = promtool(['check', 'config', '--syntax-only', 'prometheus.yml'], dir);
    assert.equal(r.status, 0, r.output);
  });
});
