import path from 'node:path';
import { benchFlows, type E2eOptions, type FlowResult } from './e2e';
import { median } from './stats';

/**
 * The cost of counting: the shipped Argo flow with its metrics, beside the same flow whose
 * metric updates do nothing (prom-client's update methods stubbed in the runtime), side by
 * side and in turns, so that a machine whose load drifts weighs on both alike.
 */
export interface MetricsResult {
  on: number[];
  off: number[];
  /** median of every "on" round over the median of every "off" round */
  ratio: number;
  lost: number;
}

export async function metricsBench(o: E2eOptions, pairs: number): Promise<MetricsResult> {
  const off = { NODE_OPTIONS: `--require ${JSON.stringify(path.join(__dirname, 'metrics-off.js'))}` };
  const result: MetricsResult = { on: [], off: [], ratio: NaN, lost: 0 };
  const add = (r: FlowResult, into: number[]): void => {
    into.push(...r.throughputRounds);
    result.lost += r.lost;
  };
  for (let i = 0; i < pairs; i++) {
    // both runtimes of a pair up together, their rounds in turns (see benchFlows); which goes
    // first alternates, so neither always gets the warmer machine
    const variants = [{ env: off, into: result.off }, { env: {}, into: result.on }];
    if (i % 2 === 1) variants.reverse();
    const results = await benchFlows(variants.map((v) => ({ kind: 'argo' as const, env: v.env })), o);
    results.forEach((r, k) => { add(r, variants[k].into); });
  }
  result.ratio = median(result.on) / median(result.off);
  return result;
}
