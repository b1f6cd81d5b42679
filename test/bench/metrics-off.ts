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

export const STUBBED: Readonly<Record<'Counter' | 'Gauge' | 'Histogram', readonly string[]>> = {
  Counter: ['incWithoutExemplar', 'incWithExemplar'],
  Gauge: ['inc', 'dec', 'set'],
  Histogram: ['observeWithoutExemplar', 'observeWithExemplar'],
};

const classes = { Counter, Gauge, Histogram };
for (const [name, methods] of Object.entries(STUBBED) as [keyof typeof classes, readonly string[]][]) {
  const proto = classes[name].prototype as unknown as Record<string, unknown>;
  for (const method of methods) {
    if (typeof proto[method] !== 'function') throw new Error(`metrics off: prom-client's ${name} has no ${method} to replace`);
    proto[method] = nothing;
  }
}
