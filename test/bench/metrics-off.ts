/**
 * Loaded with --require into a benchmark's runtime: every metric update of prom-client does
 * nothing, so the same flow runs as if it counted nothing. The baseline of "metrics on".
 *
 * A Counter's `inc` and a Histogram's `observe` are not read from the prototype when called:
 * each metric's constructor copies `incWithoutExemplar` / `observeWithoutExemplar` (or their
 * exemplar forms) into a property of its own, so those are what is replaced, before any metric
 * is made.
 */
import { Counter, Gauge, Histogram } from 'prom-client';

const nothing = (): void => undefined;

const stubs: readonly (readonly [string, object, readonly string[]])[] = [
  ['Counter', Counter.prototype, ['incWithoutExemplar', 'incWithExemplar']],
  ['Gauge', Gauge.prototype, ['inc', 'dec', 'set']],
  ['Histogram', Histogram.prototype, ['observeWithoutExemplar', 'observeWithExemplar']],
];
for (const [name, proto, methods] of stubs) {
  const target = proto as Record<string, unknown>;
  for (const method of methods) {
    if (typeof target[method] !== 'function') throw new Error(`metrics off: prom-client's ${name} has no ${method} to replace`);
    target[method] = nothing;
  }
}
