/**
 * Loaded with --require into a benchmark's runtime: every metric update of prom-client does
 * nothing, so the same flow runs as if it counted nothing. The baseline of "metrics on".
 */
import { Counter, Gauge, Histogram } from 'prom-client';

const nothing = (): void => undefined;
for (const proto of [Counter.prototype, Gauge.prototype, Histogram.prototype] as unknown as Record<string, unknown>[]) {
  for (const method of ['inc', 'dec', 'set', 'observe']) if (typeof proto[method] === 'function') proto[method] = nothing;
}
